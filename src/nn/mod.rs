//! Quantized inference for small convolutional networks: a graph of layers imported from ONNX
//! (feature `onnx`), run in any format of the crate on the [`crate::kernels`] GEMM kernels.
//!
//! The pieces:
//! - [`Tensor`]: a dense row-major `f32` array with a shape (`NCHW` for images);
//! - [`Graph`]: the layers ([`Op`]) in execution order over numbered values, as imported (with
//!   BatchNormalization already folded into the preceding convolution and shape-computing
//!   subgraphs folded into constant `Reshape` targets);
//! - [`Plan`] / [`LayerPlan`]: the precision of each weighted layer — weights
//!   ([`WeightFormat`]), input activations ([`Activations`]) and accumulation
//!   ([`Accumulation`]);
//! - [`Model`]: a graph with its weights quantized and packed once under a plan, run on
//!   batches ([`Model::run`]);
//! - [`idx`]: the (gzipped) IDX reader for MNIST-style data sets such as Fashion-MNIST, and
//!   the labelled-image [`idx::Dataset`] (feature `data`);
//! - [`npy`]: NumPy `.npy` files of `f32`, to exchange logits with other runtimes.
//!
//! Every error is a typed [`NnError`]; nothing here panics on user input (a corrupt model, a
//! wrong input shape, NaN inputs).
//!
//! ```
//! use lowp::nn::*;
//! let t = |shape: Vec<usize>, f: fn(usize) -> f32| {
//!     let n = shape.iter().product();
//!     Tensor::new(shape, (0..n).map(f).collect()).unwrap()
//! };
//! let node = |name: &str, op, i: usize| Node { name: name.into(), op, inputs: vec![ValueId(i)], output: ValueId(i + 1) };
//! // conv(1→4, 3×3, pad 1) → relu → maxpool 2×2 → reshape → linear(64→3) → softmax
//! let conv = Conv2d {
//!     weight: t(vec![4, 1, 3, 3], |i| ((i * 7) % 11) as f32 / 11.0 - 0.5),
//!     bias: vec![0.1, -0.1, 0.0, 0.2],
//!     stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1,
//! };
//! let pool = Pool2d { kernel: [2, 2], stride: [2, 2], pads: [0; 4], ceil_mode: false, count_include_pad: false };
//! let fc = Linear { weight: t(vec![3, 64], |i| ((i * 5) % 13) as f32 / 13.0 - 0.5), bias: vec![0.0; 3] };
//! let g = Graph::new(vec![None, Some(1), Some(8), Some(8)], vec![
//!     node("conv", Op::Conv(conv), 0),
//!     node("relu", Op::Relu, 1),
//!     node("pool", Op::MaxPool(pool), 2),
//!     node("flat", Op::Reshape { shape: vec![0, -1] }, 3),
//!     node("fc", Op::Linear(fc), 4),
//!     node("prob", Op::Softmax { axis: 1 }, 5),
//! ], ValueId(6)).unwrap();
//! let x = t(vec![2, 1, 8, 8], |i| (i % 17) as f32 / 17.0);
//!
//! let f32_model = Model::new(&g, &Plan::uniform(LayerPlan::F32), None).unwrap();
//! let plan = Plan::parse("default weights=float8_e4m3fn\nfc weights=int8-per-row activations=int8-per-tensor").unwrap();
//! let q = Model::new(&g, &plan, Some(&x)).unwrap();          // calibrated on x itself
//! assert_eq!(q.layer_plans()[1].1.to_string(), "weights=int8-per-row activations=int8-per-tensor accumulate=f32");
//! let (a, b) = (f32_model.run(&x).unwrap(), q.run(&x).unwrap());
//! assert_eq!(b.shape(), &[2, 3]);
//! for (p, r) in a.data().iter().zip(b.data()) {
//!     assert!((p - r).abs() < 0.05);
//! }
//! assert!(q.weight_bytes() < f32_model.weight_bytes() / 3.0);
//! ```
//!
//! # Semantics of a weighted layer
//!
//! Everything below is deterministic and replayable bit for bit (the tests replay it).
//!
//! **Shapes.** A convolution with `groups = g` runs per group on im2col rows: for output
//! pixel `(n, oy, ox)` (row `m = (n · OH + oy) · OW + ox`, `M = N · OH · OW` rows) the row
//! holds `K = c_in/g · kh · kw` elements in `(c, ky, kx)` order, element
//! `x[n, g·c_in/g + c, oy·sh − pad_top + ky·dh, ox·sw − pad_left + kx·dw]` or 0 outside the
//! input; the group's weights are the `[c_out/g, K]` matrix of its output channels (the ONNX
//! weight rows as stored). `OH = (H + pad_top + pad_bottom − dh·(kh − 1) − 1) / sh + 1`
//! (floor), likewise `OW`. A Linear layer's rows are its inputs `x[n, :]` (`K = in`). Each
//! output is computed from its row and its weight row alone, so a batch gives the same bits as
//! its images one by one.
//!
//! **Weights** ([`WeightFormat`], quantized once in [`Model::new`]):
//! - `F32`: as imported.
//! - `Scalar(f)` for the 16-bit formats and the posits: each weight is [`ScalarFormat::round`]ed.
//! - `Scalar(f)` for the minifloats of ≤ 8 bits: per output channel (weight row) a scale
//!   `s = max(amax_row / max(f), 2^−149)` in `f32` (`s = 1` for an all-zero row) — the
//!   definition of [`MinifloatMatrix`](crate::kernels::MinifloatMatrix)'s
//!   [`RowScale::PerRow`](crate::kernels::RowScale) — and codes `c = round(w / s)` with the
//!   quotient in `f64`, rounded once, nearest-even, saturating at ±max(f). The layer computes
//!   with the code values `c` and applies `s` to the row's dot product (below).
//! - `Block(scheme)`: [`BlockMatrix::quantize`](crate::block::BlockMatrix::quantize) of the
//!   `[c_out/g, K]` matrix (rows = output channels). Off the integer path the weights are its
//!   [`dequantize`](crate::block::BlockMatrix::dequantize)d `f32` values.
//!
//! **Activations** ([`Activations`], quantized at the layer input on every call):
//! - `F32`: none.
//! - `Scalar(f)`: every element [`ScalarFormat::round`]ed (zero padding stays zero).
//! - `Int8PerTensor` (static): one scale `s = amax / 127` per layer (`amax` = the largest
//!   `|x|` of the layer's input over the calibration data run in `f32`; `s = 1` when `amax` is
//!   0); code `round_ties_even(x / s)` with the quotient in `f64`, clamped to ±127
//!   ([`QuantizedActivations::with_scale`](crate::kernels::QuantizedActivations::with_scale));
//!   on the float path the value is `code · s` rounded once to `f32`.
//! - `Int8PerVector` (dynamic): each im2col row is quantized by the kernels' INT8 scheme for
//!   the weights: [`ActivationFormat::for_scheme`](crate::kernels::ActivationFormat::for_scheme)
//!   for integer block weights (`vsq-int8-v{V}` with `V` the weight block length, 64 for
//!   whole-row schemes; two-level `vsq-int8-v{V}-s8` for two-level VSQ weights), else
//!   `vsq-int8-v{V}` (`V` the block length of block weights, 64 for other weights); on the float
//!   path the values are the dequantized `f32`s.
//! - `Block(scheme)`: each im2col row is a [`BlockVector`](crate::block::BlockVector)
//!   (its own row and tensor scales), dequantized to `f32`.
//!
//! **Accumulation.** Let `w` be a weight row's values (the code values for scaled
//! minifloats, with row scale `s`), `x` the quantized activation row (as `f32` values), `b` the
//! output's `f32` bias.
//! - `F32`, **integer path** — integer block weights (INT, MXINT8, E2M1) with `Int8PerVector`
//!   or `Int8PerTensor` activations: `y = kernel + b` (one `f32` addition) where `kernel` is
//!   [`BlockMatrix::gemm_prepared`](crate::block::BlockMatrix::gemm_prepared) on the
//!   [`QuantizedActivations`](crate::kernels::QuantizedActivations) of the rows (dynamic:
//!   `new`, the format of [`activation_format`](crate::block::BlockMatrix::activation_format);
//!   static: `with_scale(Int8 { vector_len: V }, …, s)`), i.e. the
//!   [kernels' integer order](crate::kernels#the-integer-path) — `gemv` of the row, bit for
//!   bit. Two-level VSQ weights with `Int8PerTensor` are refused ([`NnError::Plan`]). One-level
//!   INT4/INT8/MXINT8/E2M1 weights run on [`RowTileMatrix`](crate::kernels::RowTileMatrix)'s
//!   kernels (the same bits; static codes taken once per input element, before im2col).
//! - `F32`, **float path** (everything else): one FMA chain per output in increasing `k`
//!   ([`DenseMatrix`](crate::kernels::DenseMatrix)): `acc = b`, `acc = fma(w_k, x_k, acc)`,
//!   `y = acc`. For scaled minifloat weights the chain starts at `+0` over the code values and
//!   `y = fma(s, acc, b)` (the scale is not folded into the weights, where `s · c` would round).
//! - `Exact`: `y = Σ_k w_k · x_k + b` (scaled minifloats: `s · Σ_k c_k · x_k + b`) computed
//!   exactly and rounded once to `f32`, nearest-even (an exact zero is `+0`), on the float
//!   path's values (integer block weights included: their dequantized values).
//! - `ExsdotpChain`: `acc = b` (scaled minifloats: `+0`), then for `k = 0, 2, 4, …`
//!   `acc = exsdotp(w_k, x_k, w_k+1, x_k+1, acc)` ([`crate::dot::exsdotp`] with `f32` sources
//!   and destination: both products and the sum exact, one rounding per step), an odd last
//!   element by [`crate::dot::exfma`]; scaled minifloats then `y = fma(s, acc, b)`.
//!
//! NaN or ±∞ reaching a layer (an input, or an overflow to ∞ of a format that has one) is
//! [`NnError::NonFinite`].
//!
//! # The layers without weights (`f32`)
//!
//! - Relu `max(x, 0)`; Clip `min(max(x, lo), hi)`; Identity.
//! - MaxPool / AveragePool: `O = ⌊(L + pad_b + pad_e − k) / s⌋ + 1` (`⌈…⌉ + 1` in
//!   `ceil_mode`, minus one when that last window would start at or beyond `L + pad_b`, ONNX's
//!   rule); pads must be smaller than the window. Max over the cells inside the input; average
//!   = the sum of the cells inside the input in `f64` (row-major order) divided in `f64` by the
//!   count — the window's cells inside the padded input `[−pad_b, L + pad_e)` with
//!   `count_include_pad`, else the cells inside the input — rounded once to `f32`.
//! - GlobalAveragePool: the `h·w` values summed in `f64` in row-major order, divided by `h·w`
//!   in `f64`, rounded once to `f32`.
//! - Flatten, Reshape (`0` copies the input's dimension, one `-1` takes the rest).
//! - Add/Sub/Mul/Div with numpy broadcasting (either side a graph value or a constant), one
//!   `f32` operation per element.
//! - ChannelAffine `x · scale[c] + shift[c]` (two `f32` roundings).
//! - Softmax: `e_j = exp(x_j − max)` in `f64`, the sum of the `e_j` in `f64` in increasing
//!   `j`, `y_j = e_j / sum` rounded once to `f32`.
//!
//! Shape mismatches are [`NnError::Shape`] naming the node.

mod error;
mod graph;
#[cfg(feature = "data")]
pub mod idx;
mod model;
pub mod npy;
#[cfg(feature = "onnx")]
pub mod onnx;
mod ops;
mod plan;
mod tensor;

pub use error::NnError;
pub use graph::{BinaryOp, Conv2d, Graph, Linear, Node, Op, Operand, Pool2d, ValueId};
pub use model::Model;
pub use plan::{Accumulation, Activations, LayerPlan, Plan, ScalarFormat, WeightFormat, FIRST_LAYER, LAST_LAYER};
pub use tensor::Tensor;
