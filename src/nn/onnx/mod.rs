//! Importing ONNX models (feature `onnx`): [`load`] / [`load_file`] turn an ONNX file
//! (opset 7 or later, written with opset 13 or later in mind) into an [`nn::Graph`](Graph).
//!
//! The model must have one float32 input of known rank (free dimensions such as the batch
//! become `None` in [`Graph::input_shape`]) and one output. The operators map as follows:
//!
//! | ONNX | [`Op`](crate::nn::Op) |
//! | --- | --- |
//! | `Conv` (2-D; `auto_pad` NOTSET, VALID, SAME_* on known sizes) | `Conv` |
//! | `BatchNormalization` (inference) | folded into the preceding `Conv` when it is that conv's only reader, else `ChannelAffine` |
//! | `Gemm` (`transA` = 0, constant B and C), `MatMul` by a constant 2-D matrix (+ a following `Add` of a bias, fused) | `Linear` (weight `[out, in]`) |
//! | `Relu`, `Clip` (bounds constant) | `Relu`, `Clip` |
//! | `MaxPool`, `AveragePool` (2-D, dilation 1), `GlobalAveragePool` | `MaxPool`, `AvgPool`, `GlobalAvgPool` |
//! | `Flatten`, `Reshape` | `Flatten`, `Reshape` |
//! | `Add`, `Sub`, `Mul`, `Div` | `Binary` (either side constant or computed) |
//! | `Softmax` | `Softmax` (axis made non-negative) |
//! | `Identity`, `Dropout`, `Cast` to float of a computed value | `Identity` |
//!
//! Constants are folded: `Constant`, initializers, and `Shape`, `Gather`, `Unsqueeze`,
//! `Squeeze`, `Concat`, `Cast`, `Transpose`, `Reshape` and arithmetic whose operands are all
//! constant. Shapes are inferred through the supported layers with the input's free
//! dimensions kept symbolic, so exporters' `Shape → Gather → Unsqueeze → Concat → Reshape`
//! flatten becomes `Reshape [0, -1]` (a free dimension copied in place is ONNX's `0`). Layers
//! whose output nothing needs are dropped; values are numbered densely from the input (0).
//!
//! Every failure is a typed [`NnError`]: [`NnError::Model`] for bytes that are not a valid
//! model (truncated, inconsistent sizes, unknown inputs, cycles, external data),
//! [`NnError::Unsupported`] naming the node and operator, [`NnError::Shape`] for weights that
//! do not fit, [`NnError::NonFinite`] for NaN or infinite weights.
//!
//! ```
//! use lowp::nn::onnx::{self, proto::*};
//! use lowp::nn::Op;
//! use prost::Message;
//!
//! // A dimension: a size, or a name (free at run time, e.g. the batch).
//! let dim = |d: Option<i64>| tensor_shape_proto::Dimension {
//!     value: Some(match d {
//!         Some(v) => tensor_shape_proto::dimension::Value::DimValue(v),
//!         None => tensor_shape_proto::dimension::Value::DimParam("N".into()),
//!     }),
//!     ..Default::default()
//! };
//! let input = ValueInfoProto {
//!     name: "x".into(),
//!     r#type: Some(TypeProto {
//!         tensor_type: Some(type_proto::Tensor {
//!             elem_type: 1,
//!             shape: Some(TensorShapeProto { dim: vec![dim(None), dim(Some(3))] }),
//!         }),
//!         ..Default::default()
//!     }),
//!     ..Default::default()
//! };
//! let weight = TensorProto {
//!     name: "w".into(),
//!     dims: vec![3, 2],
//!     data_type: 1,
//!     float_data: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
//!     ..Default::default()
//! };
//! let node = |op: &str, inputs: &[&str], output: &str| NodeProto {
//!     op_type: op.into(),
//!     input: inputs.iter().map(|s| s.to_string()).collect(),
//!     output: vec![output.into()],
//!     ..Default::default()
//! };
//! let model = ModelProto {
//!     ir_version: 8,
//!     opset_import: vec![OperatorSetIdProto { domain: String::new(), version: 17 }],
//!     graph: Some(GraphProto {
//!         node: vec![node("MatMul", &["x", "w"], "h"), node("Relu", &["h"], "y")],
//!         initializer: vec![weight],
//!         input: vec![input],
//!         output: vec![ValueInfoProto { name: "y".into(), ..Default::default() }],
//!         ..Default::default()
//!     }),
//!     ..Default::default()
//! };
//! let g = onnx::load(&model.encode_to_vec()).unwrap();
//! assert_eq!(g.input_shape(), &[None, Some(3)]);
//! let Op::Linear(l) = &g.nodes()[0].op else { panic!() };
//! assert_eq!(l.weight.shape(), &[2, 3]); // [out, in]
//! assert_eq!(l.weight.data(), &[1.0, 3.0, 5.0, 2.0, 4.0, 6.0]);
//! assert_eq!(g.nodes()[1].op, Op::Relu);
//! assert!(onnx::load(b"not a model").is_err());
//! ```

mod consts;
mod import;
pub mod proto;

use std::path::Path;

use super::{Graph, NnError};

/// Imports an ONNX model from its serialized bytes.
///
/// Errors: [`NnError::Model`] when the bytes are not a valid ONNX model (or use external
/// data), [`NnError::Unsupported`] for operators or attributes this crate does not run,
/// [`NnError::Shape`] for weights that do not fit, [`NnError::NonFinite`] for NaN or infinite
/// weights. Never panics on any input.
pub fn load(bytes: &[u8]) -> Result<Graph, NnError> {
    let m = <proto::ModelProto as prost::Message>::decode(bytes)
        .map_err(|e| NnError::Model(format!("not an ONNX model (protobuf decoding failed: {e})")))?;
    import::import(&m)
}

/// Reads and imports an ONNX file (see [`load`]); an unreadable file is an
/// [`NnError::Model`] naming the path.
pub fn load_file(path: impl AsRef<Path>) -> Result<Graph, NnError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| NnError::Model(format!("{}: {e}", path.display())))?;
    load(&bytes).map_err(|e| match e {
        NnError::Model(m) => NnError::Model(format!("{}: {m}", path.display())),
        other => other,
    })
}
