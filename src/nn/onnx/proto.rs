//! The subset of the ONNX protobuf schema (`onnx.proto`, IR version 3 and later) that the
//! importer reads, declared as [`prost`] messages with the official field numbers.
//!
//! Fields the importer does not need (training information, sparse tensors, sub-graphs of
//! control-flow operators, functions, …) are not declared: the decoder skips them. Scalar
//! fields are plain values (an absent field reads as its default: `0`, `""`), message fields
//! are `Option`s, repeated fields `Vec`s. The nested types of a message live in the module
//! of the same name in snake case (`TensorProto`'s `DataType` is
//! [`tensor_proto::DataType`]), as `prost-build` lays them out.
//!
//! Build a model in Rust and serialize it with [`prost::Message::encode_to_vec`]:
//!
//! ```
//! use lowp::nn::onnx::proto::{GraphProto, ModelProto, NodeProto, OperatorSetIdProto};
//! use prost::Message;
//! let model = ModelProto {
//!     ir_version: 8,
//!     opset_import: vec![OperatorSetIdProto { domain: String::new(), version: 17 }],
//!     graph: Some(GraphProto {
//!         node: vec![NodeProto {
//!             input: vec!["x".into()],
//!             output: vec!["y".into()],
//!             op_type: "Relu".into(),
//!             ..Default::default()
//!         }],
//!         ..Default::default()
//!     }),
//!     ..Default::default()
//! };
//! let bytes = model.encode_to_vec();
//! assert_eq!(ModelProto::decode(bytes.as_slice()).unwrap(), model);
//! ```

/// A whole model: the graph plus the operator sets it was written against.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ModelProto {
    /// The IR version of the file format (3 or later for operator-set imports).
    #[prost(int64, tag = "1")]
    pub ir_version: i64,
    /// The operator sets the nodes bind to (the default domain is `""` or `"ai.onnx"`).
    #[prost(message, repeated, tag = "8")]
    pub opset_import: Vec<OperatorSetIdProto>,
    /// The tool that wrote the model.
    #[prost(string, tag = "2")]
    pub producer_name: String,
    /// That tool's version.
    #[prost(string, tag = "3")]
    pub producer_version: String,
    /// A reverse-DNS name space for the model.
    #[prost(string, tag = "4")]
    pub domain: String,
    /// The model's own version number.
    #[prost(int64, tag = "5")]
    pub model_version: i64,
    /// Free-form documentation.
    #[prost(string, tag = "6")]
    pub doc_string: String,
    /// The computation.
    #[prost(message, optional, tag = "7")]
    pub graph: Option<GraphProto>,
    /// Named metadata.
    #[prost(message, repeated, tag = "14")]
    pub metadata_props: Vec<StringStringEntryProto>,
}

/// One imported operator set: a domain and its version.
#[derive(Clone, PartialEq, prost::Message)]
pub struct OperatorSetIdProto {
    /// The domain (`""` or `"ai.onnx"` for the standard operators).
    #[prost(string, tag = "1")]
    pub domain: String,
    /// The operator-set version (the "opset").
    #[prost(int64, tag = "2")]
    pub version: i64,
}

/// A key/value pair of strings (ONNX's stand-in for a map).
#[derive(Clone, PartialEq, prost::Message)]
pub struct StringStringEntryProto {
    /// The key.
    #[prost(string, tag = "1")]
    pub key: String,
    /// The value.
    #[prost(string, tag = "2")]
    pub value: String,
}

/// A computation graph: nodes in topological order over named values.
#[derive(Clone, PartialEq, prost::Message)]
pub struct GraphProto {
    /// The nodes (topologically sorted in a valid model).
    #[prost(message, repeated, tag = "1")]
    pub node: Vec<NodeProto>,
    /// The graph's name.
    #[prost(string, tag = "2")]
    pub name: String,
    /// Constant tensors (weights), referred to by name.
    #[prost(message, repeated, tag = "5")]
    pub initializer: Vec<TensorProto>,
    /// Free-form documentation.
    #[prost(string, tag = "10")]
    pub doc_string: String,
    /// The graph inputs (older files list the initializers here too).
    #[prost(message, repeated, tag = "11")]
    pub input: Vec<ValueInfoProto>,
    /// The graph outputs.
    #[prost(message, repeated, tag = "12")]
    pub output: Vec<ValueInfoProto>,
    /// Optional type and shape information for intermediate values.
    #[prost(message, repeated, tag = "13")]
    pub value_info: Vec<ValueInfoProto>,
}

/// One operator application.
#[derive(Clone, PartialEq, prost::Message)]
pub struct NodeProto {
    /// The names of the values it reads (`""` marks an omitted optional input).
    #[prost(string, repeated, tag = "1")]
    pub input: Vec<String>,
    /// The names of the values it writes (`""` marks an unused optional output).
    #[prost(string, repeated, tag = "2")]
    pub output: Vec<String>,
    /// The node's name (optional).
    #[prost(string, tag = "3")]
    pub name: String,
    /// The operator (`"Conv"`, `"Relu"`, …).
    #[prost(string, tag = "4")]
    pub op_type: String,
    /// The operator's domain (`""` for the standard operators).
    #[prost(string, tag = "7")]
    pub domain: String,
    /// Named attributes.
    #[prost(message, repeated, tag = "5")]
    pub attribute: Vec<AttributeProto>,
    /// Free-form documentation.
    #[prost(string, tag = "6")]
    pub doc_string: String,
}

/// A named attribute of a node: one value of the kind [`AttributeProto::r#type`] names.
#[derive(Clone, PartialEq, prost::Message)]
pub struct AttributeProto {
    /// The attribute's name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// In a function body, the name of the caller's attribute this one refers to.
    #[prost(string, tag = "21")]
    pub ref_attr_name: String,
    /// Free-form documentation.
    #[prost(string, tag = "13")]
    pub doc_string: String,
    /// Which of the value fields holds the value ([`attribute_proto::AttributeType`]).
    #[prost(enumeration = "attribute_proto::AttributeType", tag = "20")]
    pub r#type: i32,
    /// A float value.
    #[prost(float, tag = "2")]
    pub f: f32,
    /// An integer value.
    #[prost(int64, tag = "3")]
    pub i: i64,
    /// A string value (UTF-8 bytes).
    #[prost(bytes = "vec", tag = "4")]
    pub s: Vec<u8>,
    /// A tensor value.
    #[prost(message, optional, tag = "5")]
    pub t: Option<TensorProto>,
    /// A list of floats.
    #[prost(float, repeated, packed = "false", tag = "7")]
    pub floats: Vec<f32>,
    /// A list of integers.
    #[prost(int64, repeated, packed = "false", tag = "8")]
    pub ints: Vec<i64>,
    /// A list of strings (UTF-8 bytes).
    #[prost(bytes = "vec", repeated, tag = "9")]
    pub strings: Vec<Vec<u8>>,
    /// A list of tensors.
    #[prost(message, repeated, tag = "10")]
    pub tensors: Vec<TensorProto>,
}

/// The nested types of [`AttributeProto`].
pub mod attribute_proto {
    /// Which field of an [`AttributeProto`](super::AttributeProto) holds its value.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum AttributeType {
        /// Not set (IR version 1 files; the importer then looks at which field is filled).
        Undefined = 0,
        /// `f`.
        Float = 1,
        /// `i`.
        Int = 2,
        /// `s`.
        String = 3,
        /// `t`.
        Tensor = 4,
        /// `g` (a sub-graph; not declared here).
        Graph = 5,
        /// `floats`.
        Floats = 6,
        /// `ints`.
        Ints = 7,
        /// `strings`.
        Strings = 8,
        /// `tensors`.
        Tensors = 9,
        /// `graphs` (not declared here).
        Graphs = 10,
        /// `sparse_tensor` (not declared here).
        SparseTensor = 11,
        /// `sparse_tensors` (not declared here).
        SparseTensors = 12,
        /// `tp` (a type; not declared here).
        TypeProto = 13,
        /// `type_protos` (not declared here).
        TypeProtos = 14,
    }
}

/// A tensor: shape, element type and the elements, in one of several fields.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorProto {
    /// The shape (row-major; empty for a scalar).
    #[prost(int64, repeated, packed = "false", tag = "1")]
    pub dims: Vec<i64>,
    /// The element type ([`tensor_proto::DataType`]).
    #[prost(int32, tag = "2")]
    pub data_type: i32,
    /// `FLOAT` elements (when not in `raw_data`).
    #[prost(float, repeated, tag = "4")]
    pub float_data: Vec<f32>,
    /// `INT32`, `INT16`, `INT8`, `UINT16`, `UINT8`, `BOOL`, `FLOAT16` and `BFLOAT16`
    /// elements, one per entry (16-bit floats as their bit patterns).
    #[prost(int32, repeated, tag = "5")]
    pub int32_data: Vec<i32>,
    /// `INT64` elements.
    #[prost(int64, repeated, tag = "7")]
    pub int64_data: Vec<i64>,
    /// The tensor's name (an initializer's name is the value it defines).
    #[prost(string, tag = "8")]
    pub name: String,
    /// Free-form documentation.
    #[prost(string, tag = "12")]
    pub doc_string: String,
    /// The elements as fixed-width little-endian bytes (any numeric type).
    #[prost(bytes = "vec", tag = "9")]
    pub raw_data: Vec<u8>,
    /// `DOUBLE` elements.
    #[prost(double, repeated, tag = "10")]
    pub double_data: Vec<f64>,
    /// `UINT32` and `UINT64` elements.
    #[prost(uint64, repeated, tag = "11")]
    pub uint64_data: Vec<u64>,
    /// Where the data of an externally stored tensor is (`location`, `offset`, `length`).
    #[prost(message, repeated, tag = "13")]
    pub external_data: Vec<StringStringEntryProto>,
    /// [`tensor_proto::DataLocation`]: inside this message or in an external file.
    #[prost(enumeration = "tensor_proto::DataLocation", tag = "14")]
    pub data_location: i32,
}

/// The nested types of [`TensorProto`].
pub mod tensor_proto {
    /// Element types (the values of [`TensorProto::data_type`](super::TensorProto::data_type)
    /// and of a tensor type's `elem_type`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum DataType {
        /// Not set.
        Undefined = 0,
        /// IEEE binary32.
        Float = 1,
        /// `u8`.
        Uint8 = 2,
        /// `i8`.
        Int8 = 3,
        /// `u16`.
        Uint16 = 4,
        /// `i16`.
        Int16 = 5,
        /// `i32`.
        Int32 = 6,
        /// `i64`.
        Int64 = 7,
        /// UTF-8 strings.
        String = 8,
        /// Booleans (one byte each in `raw_data`).
        Bool = 9,
        /// IEEE binary16.
        Float16 = 10,
        /// IEEE binary64.
        Double = 11,
        /// `u32`.
        Uint32 = 12,
        /// `u64`.
        Uint64 = 13,
        /// Two binary32s.
        Complex64 = 14,
        /// Two binary64s.
        Complex128 = 15,
        /// bfloat16.
        Bfloat16 = 16,
        /// FP8 E4M3 without infinities.
        Float8e4m3fn = 17,
        /// FP8 E4M3, no infinities, no negative zero.
        Float8e4m3fnuz = 18,
        /// FP8 E5M2.
        Float8e5m2 = 19,
        /// FP8 E5M2, no infinities, no negative zero.
        Float8e5m2fnuz = 20,
        /// 4-bit unsigned integers, two per byte.
        Uint4 = 21,
        /// 4-bit signed integers, two per byte.
        Int4 = 22,
        /// FP4 E2M1, two per byte.
        Float4e2m1 = 23,
    }

    /// Where a tensor's elements are stored.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum DataLocation {
        /// In this message (`raw_data` or the typed field).
        Default = 0,
        /// In an external file named by `external_data` (refused by the importer).
        External = 1,
    }
}

/// A named value with its type (graph inputs and outputs).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ValueInfoProto {
    /// The value's name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// Its type.
    #[prost(message, optional, tag = "2")]
    pub r#type: Option<TypeProto>,
    /// Free-form documentation.
    #[prost(string, tag = "3")]
    pub doc_string: String,
}

/// The type of a value. Only tensor types are declared: a sequence or map type decodes as a
/// `TypeProto` without `tensor_type`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TypeProto {
    /// The tensor type (field 1 of ONNX's `value` oneof).
    #[prost(message, optional, tag = "1")]
    pub tensor_type: Option<type_proto::Tensor>,
    /// A standard type denotation (`"IMAGE"`, …).
    #[prost(string, tag = "6")]
    pub denotation: String,
}

/// The nested types of [`TypeProto`].
pub mod type_proto {
    /// A tensor type: element type and (optional) shape.
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Tensor {
        /// The element type ([`DataType`](super::tensor_proto::DataType)).
        #[prost(int32, tag = "1")]
        pub elem_type: i32,
        /// The shape (absent: the rank is unknown).
        #[prost(message, optional, tag = "2")]
        pub shape: Option<super::TensorShapeProto>,
    }
}

/// A tensor shape: one entry per dimension, each a number, a name or unknown.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TensorShapeProto {
    /// The dimensions, outermost first.
    #[prost(message, repeated, tag = "1")]
    pub dim: Vec<tensor_shape_proto::Dimension>,
}

/// The nested types of [`TensorShapeProto`].
pub mod tensor_shape_proto {
    /// One dimension of a [`TensorShapeProto`](super::TensorShapeProto).
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Dimension {
        /// A fixed size or a symbolic name (`None`: unknown).
        #[prost(oneof = "dimension::Value", tags = "1, 2")]
        pub value: Option<dimension::Value>,
        /// A standard dimension denotation (`"DATA_BATCH"`, …).
        #[prost(string, tag = "3")]
        pub denotation: String,
    }

    /// The nested types of [`Dimension`].
    pub mod dimension {
        /// The value of a dimension.
        #[derive(Clone, PartialEq, prost::Oneof)]
        pub enum Value {
            /// A fixed size.
            #[prost(int64, tag = "1")]
            DimValue(i64),
            /// A symbolic size (`"batch"`, `"N"`): free at run time.
            #[prost(string, tag = "2")]
            DimParam(String),
        }
    }
}
