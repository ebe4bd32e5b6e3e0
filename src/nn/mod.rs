//! Quantized inference for small convolutional networks: a graph of layers imported from ONNX
//! (feature `onnx`), run in any format of the crate on the [`crate::kernels`] GEMM kernels.
//!
//! The pieces:
//! - [`Tensor`]: a dense row-major `f32` array with a shape (`NCHW` for images);
//! - [`Graph`]: the layers ([`Op`]) in execution order over numbered values, as imported (with
//!   BatchNormalization already folded into the preceding convolution and shape-computing
//!   subgraphs folded into constant `Reshape` targets);
//! - [`idx`]: the (gzipped) IDX reader for MNIST-style data sets such as Fashion-MNIST, and
//!   the labelled-image [`idx::Dataset`] (feature `data`);
//! - [`npy`]: NumPy `.npy` files of `f32`, to exchange logits with other runtimes.
//!
//! Every error is a typed [`NnError`]; nothing here panics on user input (a corrupt model, a
//! wrong input shape, NaN inputs).

mod error;
mod graph;
#[cfg(feature = "data")]
pub mod idx;
pub mod npy;
#[cfg(feature = "onnx")]
pub mod onnx;
mod tensor;

pub use error::NnError;
pub use graph::{BinaryOp, Conv2d, Graph, Linear, Node, Op, Operand, Pool2d, ValueId};
pub use tensor::Tensor;
