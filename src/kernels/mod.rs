//! Fast matrix-vector (GEMV) and matrix-matrix (GEMM) products `y = W·x` with quantized
//! weights: block-scaled [`BlockMatrix`] weights (VSQ one- and two-level, MXFP4, NVFP4,
//! MXINT8, MXFP8/MXFP6, per-row and per-tensor integers) and dense FP8 [`MinifloatMatrix`]
//! weights, against `f32` activations.
//!
//! ```
//! use lowp::block::{BlockMatrix, Scheme};
//! let (rows, k) = (3, 256);
//! let w: Vec<f32> = (0..rows * k).map(|i| ((i * 7) % 13) as f32 / 13.0 - 0.5).collect();
//! let x: Vec<f32> = (0..k).map(|i| ((i * 5) % 11) as f32 / 11.0 - 0.5).collect();
//! let wq = BlockMatrix::quantize(&"vsq-int4-v64".parse::<Scheme>().unwrap(), &w, rows, k).unwrap();
//! let y = wq.gemv(&x).unwrap();                        // y = W·x, one f32 per row
//! assert_eq!(y.len(), rows);
//! let y2 = wq.gemm(&[x.clone(), x.clone()].concat(), 2).unwrap();   // two activation rows
//! assert_eq!(&y2[..rows], &y[..]);                      // gemm row m == gemv of x_m, bit for bit
//! // Close to the f64 product of the dequantized weights and x:
//! let wd = wq.dequantize();
//! for r in 0..rows {
//!     let exact: f64 = (0..k).map(|i| wd[r * k + i] as f64 * x[i] as f64).sum();
//!     let scale: f64 = (0..k).map(|i| (wd[r * k + i] as f64 * x[i] as f64).abs()).sum();
//!     assert!((y[r] as f64 - exact).abs() <= 0.02 * scale);
//! }
//! ```
//!
//! # The integer path
//!
//! Weights with integer elements (INT2..INT8), MXINT8 and E2M1 (MXFP4, NVFP4) run on integer
//! dot products. The activations are quantized per vector of the weight's block length `V`
//! (64 for whole-row schemes) by the crate's block quantizer ([`ActivationFormat`]): INT8
//! codes `q_x` with one `f32` scale `s_x,v` per vector (`Scheme::vsq(8, V, F32)`, correctly
//! rounded), as VS-Quant's hardware and ggml's Q8_0 do. For one output `y_r` and one
//! activation vector:
//!
//! 1. each block `v` gives the exact integer `d_v = Σ_{i∈v} q_w,i · q_x,i` (`i32`; the weight
//!    integers are the INT codes, the MXINT8 codes, or **twice** the E2M1 values, which are
//!    the integers ±{0, 1, 2, 3, 4, 6, 8, 12});
//! 2. `sw_v` is the block scale decoded exactly into `f32` (f32/f16/bf16/E4M3/E8M0; 1 for
//!    whole-row schemes) times the element factor — ½ for E2M1, 2^−6 for MXINT8, 1 otherwise —
//!    in `f32` (exact for the E8M0 and E4M3 scales these formats use);
//! 3. `t_v = (d_v as f32) · (sw_v · s_x,v)`: two `f32` roundings (the scale product, then the
//!    term), no FMA;
//! 4. sixteen `f32` accumulators, all `+0` at first: block `v` adds `t_v` into `acc[v % 16]`,
//!    in increasing `v`;
//! 5. the fold `acc[j] += acc[j + h]` for `j < h`, `h = 8, 4, 2, 1`; the result is `acc[0]`;
//! 6. times the row scale where the scheme has one (per-row, per-tensor, NVFP4's tensor
//!    scale): one more `f32` rounding.
//!
//! Every backend follows these steps exactly — the integer sums are exact whatever the order
//! in which the SIMD code forms them, and the `f32` steps are lane-wise — so the portable,
//! AVX2 and AVX-512 VNNI kernels give the same bits (tests/kernels_simd.rs). The order depends
//! on neither the ISA's width nor `V`.
//!
//! **Two-level VSQ** (`vsq-int4-v64-s6` …: unsigned `M`-bit block scales `S_w,v` under a
//! per-row `f32` `γ_w`) stays integer to the end: the activations are two-level too
//! ([`ActivationFormat::Int8TwoLevel`]: INT8 codes, an unsigned 8-bit scale `S_x,v` per vector
//! and one `f32` `γ_x` per activation vector), and
//! `y_r = D · γ_w · γ_x` with `D = Σ_v S_w,v · S_x,v · d_v` exact in `i64`, computed as
//! `((D as f64) · (γ_w as f64 · γ_x as f64)) as f32`: `γ_w · γ_x` is exact in `f64` (and so
//! is `D` below 2^53), so there are two roundings, the product in `f64` and then to `f32` (no
//! `f32` underflow of the γ product, which an `f32` version would suffer for tiny scales).
//!
//! # The float path
//!
//! MXFP8/MXFP6 weights and dense [`MinifloatMatrix`] weights keep the activations in `f32`:
//! each weight is decoded to its exact `f32` value (for MX, `element · 2^e`, which is what
//! `dequantize` returns), and `acc[i % 16] = fma(w_i, x_i, acc[i % 16])` for `i` in increasing
//! order, the same fold, then times the row scale where there is one.
//!
//! # Errors
//!
//! Shapes and lengths are checked ([`KernelError::Length`], [`KernelError::Shape`]), NaN and ±∞
//! activations are refused ([`KernelError::NonFinite`]); nothing here panics on user input.
//! NaN block scales (the OCP MX NaN blocks) make the outputs that meet them NaN.
//!
//! # Speed
//!
//! GEMV reads each weight byte once; the activation is quantized once per call (or once for
//! many matrices with [`QuantizedActivations`]). GEMM keeps a tile of 8 weight rows in L1 and
//! runs each weight load against four activation rows. With the `rayon` feature the rows are
//! split across threads (the same bits: every output is computed as above).
//!
//! [`RowTileMatrix`] is the shape of convolutions (im2col GEMMs) and small layers: few weight
//! rows against many activation rows. The weights are packed once, 16 rows per `vpdpbusd`
//! group, and the activations (codes + 128, per-vector scales) are not padded past the next
//! multiple of 4 elements; a tile of up to 8 activation rows × 16 weight rows keeps the block
//! sums in registers and takes the documented `f32` steps lane-wise. The same bits as
//! [`BlockMatrix::gemm_prepared`].

mod activations;
pub(crate) mod conv;
mod dense;
mod float;
pub(crate) mod int;

pub(crate) use activations::static_code;
pub use activations::{ActivationFormat, QuantizedActivations, MAX_VECTOR_LEN};
pub use conv::RowTileMatrix;
pub use dense::DenseMatrix;
pub(crate) use dense::PANEL as DENSE_PANEL;
pub(crate) use float::{per_row_scale, scaled_quotient};
pub use float::{MinifloatMatrix, RowScale};

use core::fmt;

use crate::block::{BlockMatrix, BlockScaled};
use crate::bulk::Backend;
use int::{int_plan, Scratch};

/// Why a kernel call was refused.
///
/// ```
/// use lowp::block::{BlockMatrix, Scheme};
/// use lowp::kernels::KernelError;
/// let w = BlockMatrix::quantize(&Scheme::mxfp4(), &[1.0; 64], 2, 32).unwrap();
/// let e = w.gemv(&[1.0; 31]).unwrap_err();
/// assert_eq!(e, KernelError::Length { what: "x", expected: 32, got: 31 });
/// assert_eq!(e.to_string(), "x has 31 elements, expected 32");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum KernelError {
    /// A slice of the wrong length.
    Length {
        /// Which slice (`"x"`, `"y"`).
        what: &'static str,
        /// Elements expected.
        expected: usize,
        /// Elements given.
        got: usize,
    },
    /// A batch whose length is not `m · k`.
    Shape {
        /// Vectors asked for.
        m: usize,
        /// Elements per vector expected (`None` where it is derived from the data).
        k: Option<usize>,
        /// Elements given.
        len: usize,
    },
    /// A NaN or ±∞ activation (`index` in the activation slice).
    NonFinite {
        /// Position in the input.
        index: usize,
        /// The value found there.
        value: f32,
    },
    /// Prepared activations of another format or length than the weights need.
    Activations {
        /// The format the weights need.
        expected: ActivationFormat,
        /// The format given.
        got: ActivationFormat,
        /// Elements per vector the weights need.
        k: usize,
        /// Elements per vector given.
        got_k: usize,
    },
    /// A combination the kernels do not run (for example a block longer than
    /// [`MAX_VECTOR_LEN`]).
    Unsupported {
        /// What.
        reason: &'static str,
    },
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelError::Length { what, expected, got } => write!(f, "{what} has {got} elements, expected {expected}"),
            KernelError::Shape { m, k: Some(k), len } => {
                write!(f, "{len} activations are not {m} vectors of {k}")
            }
            KernelError::Shape { m, k: None, len } => write!(f, "{len} activations do not split into {m} vectors"),
            KernelError::NonFinite { index, value } => write!(f, "non-finite activation {value} at index {index}"),
            KernelError::Activations { expected, got, k, got_k } => write!(
                f,
                "prepared activations are {got:?} of length {got_k}; the weights need {expected:?} of length {k}"
            ),
            KernelError::Unsupported { reason } => write!(f, "unsupported by the kernels: {reason}"),
        }
    }
}

impl std::error::Error for KernelError {}

/// The backend the kernels actually run for a requested one: [`Backend::Avx512`] needs
/// AVX-512F, BW and VNNI, [`Backend::Avx2`] needs AVX2 and FMA; a backend this CPU lacks falls
/// back to the next one down (AVX-512 to AVX2, then portable).
///
/// ```
/// use lowp::bulk::Backend;
/// use lowp::kernels::effective_backend;
/// assert_eq!(effective_backend(Backend::Portable), Backend::Portable);
/// println!("kernels run on {}", effective_backend(Backend::best()).name());
/// ```
pub fn effective_backend(backend: Backend) -> Backend {
    #[cfg(target_arch = "x86_64")]
    {
        crate::arch::x86_kernels::effective_int(backend)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = backend;
        Backend::Portable
    }
}

/// The fastest backend for the kernels here.
fn best() -> Backend {
    effective_backend(Backend::Avx512)
}

/// Weight rows per GEMM tile (their codes stay in L1 while every activation row passes).
const ROW_TILE: usize = 8;

/// From this many activation rows on, GEMM takes the block-transposed VNNI kernel where it
/// applies (each weight tile decoded once for all activation rows).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
const GEMM_T_MIN_M: usize = 4;

/// Activation rows per integer kernel call (each weight load meets this many).
const GEMM_ROWS: usize = 2;

/// `y = W · x` for the rows `rows` of `w`, into `y` (row-major `m × w.rows()`).
fn block_gemm_rows(
    backend: Backend,
    w: &BlockMatrix,
    qa: &QuantizedActivations,
    rows: core::ops::Range<usize>,
    y: &mut [f32],
) {
    let n = w.rows();
    let s = *w.scheme();
    let mut sc = Scratch::default();
    match int_plan(&s) {
        Some(p) => {
            #[cfg(all(feature = "std", target_arch = "x86_64"))]
            if qa.m >= GEMM_T_MIN_M && int::gemm_t_rows(backend, &p, w, qa, rows.clone(), y) {
                return;
            }
            let nr = n.max(1);
            let (cs, ss) = (w.codes().len() / nr, w.scales().len() / nr);
            let cbytes = cs;
            let mut out = [0f32; 4 * ROW_TILE];
            let mut t0 = rows.start;
            while t0 < rows.end {
                let t1 = (t0 + ROW_TILE).min(rows.end);
                // The next tile's block scales on their way (the kernels prefetch the codes, and
                // the scales they read in place).
                #[cfg(all(feature = "std", target_arch = "x86_64"))]
                if !int::scales_in_place(&p, &s, qa.nblocks) {
                    let sc = w.scales();
                    let next = &sc[(t1 * ss).min(sc.len())..((t1 + ROW_TILE) * ss).min(sc.len())];
                    for line in next.chunks(64) {
                        // SAFETY: a prefetch reads nothing architecturally; the address is in `next`.
                        unsafe {
                            core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(
                                line.as_ptr().cast(),
                            )
                        };
                    }
                }
                let tile = int::Tile {
                    codes: &w.codes()[t0 * cs..],
                    cstride: cs,
                    cbytes,
                    scales: &w.scales()[t0 * ss..],
                    sstride: ss,
                    row_scales: &w.row_scales()[t0..t1],
                };
                let mut j0 = 0;
                while j0 < qa.m {
                    let jr = (qa.m - j0).min(GEMM_ROWS);
                    int::int_tile(backend, &p, &s, &tile, qa, j0, jr, &mut out, &mut sc);
                    for i in 0..t1 - t0 {
                        for jj in 0..jr {
                            y[(j0 + jj) * n + t0 + i] = out[i * jr + jj];
                        }
                    }
                    j0 += jr;
                }
                t0 = t1;
            }
        }
        None => {
            let mut i0 = rows.start;
            while i0 < rows.end {
                let i1 = (i0 + 4).min(rows.end);
                let rs: Vec<_> = (i0..i1).map(|r| w.row(r)).collect();
                int::float_rows(backend, &rs, qa, &mut y[i0..], n, &mut sc);
                i0 = i1;
            }
        }
    }
}

/// Run `f(rows, y)` over all rows (split across threads with the `rayon` feature).
fn for_rows(n: usize, m: usize, y: &mut [f32], f: impl Fn(core::ops::Range<usize>, &mut [f32]) + Sync) {
    #[cfg(feature = "rayon")]
    {
        let threads = rayon::current_num_threads();
        if threads > 1 && n >= 2 * ROW_TILE {
            use rayon::prelude::*;
            // Each task computes a band of rows into its own buffer, then the bands are copied
            // into place (the outputs of a band are strided in `y`).
            let band = n.div_ceil(threads).next_multiple_of(ROW_TILE);
            let parts: Vec<(usize, Vec<f32>)> = (0..n)
                .step_by(band)
                .collect::<Vec<_>>()
                .into_par_iter()
                .map(|r0| {
                    let r1 = (r0 + band).min(n);
                    let mut t = vec![0f32; m * n];
                    f(r0..r1, &mut t);
                    (r0, t)
                })
                .collect();
            for (r0, t) in parts {
                let r1 = (r0 + band).min(n);
                for j in 0..m {
                    y[j * n + r0..j * n + r1].copy_from_slice(&t[j * n + r0..j * n + r1]);
                }
            }
            return;
        }
    }
    let _ = m;
    f(0..n, y)
}

impl BlockMatrix {
    /// The activation format these weights take ([`ActivationFormat::for_scheme`]).
    ///
    /// ```
    /// use lowp::block::{BlockMatrix, Scheme};
    /// use lowp::kernels::ActivationFormat;
    /// let w = BlockMatrix::quantize(&"vsq-int4-v32".parse::<Scheme>().unwrap(), &[1.0; 64], 1, 64).unwrap();
    /// assert_eq!(w.activation_format(), ActivationFormat::Int8 { vector_len: 32 });
    /// ```
    pub fn activation_format(&self) -> ActivationFormat {
        ActivationFormat::for_scheme(self.scheme())
    }

    /// `y = W · x` (`x.len() == cols`), on the fastest backend (see the [module docs](crate::kernels)).
    ///
    /// ```
    /// use lowp::block::{BlockMatrix, Scheme};
    /// let w = BlockMatrix::quantize(&Scheme::nvfp4(), &[0.5, -1.0].repeat(32), 2, 32).unwrap();
    /// assert_eq!(w.gemv(&[1.0; 32]).unwrap(), vec![-8.0, -8.0]);
    /// ```
    pub fn gemv(&self, x: &[f32]) -> Result<Vec<f32>, crate::kernels::KernelError> {
        self.gemm_on(best(), x, 1)
    }

    /// [`gemv`](Self::gemv) on a chosen backend (the same bits on each).
    ///
    /// ```
    /// use lowp::block::{BlockMatrix, Scheme};
    /// use lowp::bulk::Backend;
    /// let w = BlockMatrix::quantize(&Scheme::mxfp4(), &[0.75; 96], 3, 32).unwrap();
    /// let x = [0.3f32; 32];
    /// assert_eq!(w.gemv_on(Backend::Portable, &x).unwrap(), w.gemv_on(Backend::best(), &x).unwrap());
    /// ```
    pub fn gemv_on(&self, backend: Backend, x: &[f32]) -> Result<Vec<f32>, KernelError> {
        self.gemm_on(backend, x, 1)
    }

    /// [`gemv`](Self::gemv) into `y` (`y.len() == rows`).
    ///
    /// ```
    /// use lowp::block::{BlockMatrix, Scheme};
    /// let w = BlockMatrix::quantize(&"int8-per-row".parse::<Scheme>().unwrap(), &[2.0; 8], 2, 4).unwrap();
    /// let mut y = [0.0; 2];
    /// w.gemv_into(&[1.0; 4], &mut y).unwrap();
    /// assert_eq!(y, [8.0, 8.0]);
    /// assert!(w.gemv_into(&[1.0; 4], &mut [0.0; 3]).is_err());
    /// ```
    pub fn gemv_into(&self, x: &[f32], y: &mut [f32]) -> Result<(), KernelError> {
        self.gemm_into_on(best(), x, 1, y)
    }

    /// [`gemv_into`](Self::gemv_into) on a chosen backend.
    ///
    /// ```
    /// use lowp::block::{BlockMatrix, Scheme};
    /// use lowp::bulk::Backend;
    /// let w = BlockMatrix::quantize(&Scheme::mxfp4(), &[1.0; 32], 1, 32).unwrap();
    /// let mut y = [0.0; 1];
    /// w.gemv_into_on(Backend::Portable, &[0.5; 32], &mut y).unwrap();
    /// assert_eq!(y, [16.0]);
    /// ```
    pub fn gemv_into_on(&self, backend: Backend, x: &[f32], y: &mut [f32]) -> Result<(), KernelError> {
        self.gemm_into_on(backend, x, 1, y)
    }

    /// `Y = X · Wᵀ` for `m` activation rows: `x` is row-major `m × cols`, the result row-major
    /// `m × rows`; row `j` of the result equals `gemv(x_j)` bit for bit.
    ///
    /// ```
    /// use lowp::block::{BlockMatrix, Scheme};
    /// let w = BlockMatrix::quantize(&"vsq-int8-v32".parse::<Scheme>().unwrap(), &[1.0; 64], 2, 32).unwrap();
    /// let x: Vec<f32> = [[1.0f32; 32], [2.0; 32], [-1.0; 32]].concat();
    /// assert_eq!(w.gemm(&x, 3).unwrap(), vec![32.0, 32.0, 64.0, 64.0, -32.0, -32.0]);
    /// ```
    pub fn gemm(&self, x: &[f32], m: usize) -> Result<Vec<f32>, KernelError> {
        self.gemm_on(best(), x, m)
    }

    /// [`gemm`](Self::gemm) on a chosen backend.
    ///
    /// ```
    /// use lowp::block::{BlockMatrix, Scheme};
    /// use lowp::bulk::Backend;
    /// let w = BlockMatrix::quantize(&Scheme::nvfp4(), &[1.5; 64], 2, 32).unwrap();
    /// let x = [0.25f32; 64];
    /// assert_eq!(w.gemm_on(Backend::Avx2, &x, 2).unwrap(), w.gemm_on(Backend::Portable, &x, 2).unwrap());
    /// ```
    pub fn gemm_on(&self, backend: Backend, x: &[f32], m: usize) -> Result<Vec<f32>, KernelError> {
        let len = m.checked_mul(self.rows()).ok_or(KernelError::Shape { m, k: Some(self.cols()), len: x.len() })?;
        if m.checked_mul(self.cols()) != Some(x.len()) {
            return Err(shape_error(m, self.cols(), x.len()));
        }
        let mut y = vec![0f32; len];
        self.gemm_into_on(backend, x, m, &mut y)?;
        Ok(y)
    }

    /// [`gemm`](Self::gemm) into `y` (`y.len() == m · rows`).
    ///
    /// ```
    /// use lowp::block::{BlockMatrix, Scheme};
    /// let w = BlockMatrix::quantize(&Scheme::mxfp4(), &[1.0; 32], 1, 32).unwrap();
    /// let mut y = [0.0; 2];
    /// w.gemm_into(&[1.0; 64], 2, &mut y).unwrap();
    /// assert_eq!(y, [32.0, 32.0]);
    /// ```
    pub fn gemm_into(&self, x: &[f32], m: usize, y: &mut [f32]) -> Result<(), KernelError> {
        self.gemm_into_on(best(), x, m, y)
    }

    /// [`gemm_into`](Self::gemm_into) on a chosen backend.
    ///
    /// ```
    /// use lowp::block::{BlockMatrix, Scheme};
    /// use lowp::bulk::Backend;
    /// let w = BlockMatrix::quantize(&Scheme::mxfp4(), &[1.0; 32], 1, 32).unwrap();
    /// let mut y = [0.0; 1];
    /// assert!(w.gemm_into_on(Backend::Portable, &[1.0; 32], 2, &mut y).is_err()); // 2 × 32 ≠ 32
    /// ```
    pub fn gemm_into_on(&self, backend: Backend, x: &[f32], m: usize, y: &mut [f32]) -> Result<(), KernelError> {
        if m.checked_mul(self.cols()) != Some(x.len()) {
            return Err(shape_error(m, self.cols(), x.len()));
        }
        check_y(y, m, self.rows())?;
        let qa = QuantizedActivations::new_on(backend, self.activation_format(), x, m)?;
        self.gemm_prepared_on(backend, &qa, y)
    }

    /// `Y = X · Wᵀ` for activations prepared once ([`QuantizedActivations::for_matrix`]), into
    /// `y` (`m × rows`). The activations must have this matrix's format and length.
    ///
    /// ```
    /// use lowp::block::{BlockMatrix, Scheme};
    /// use lowp::kernels::QuantizedActivations;
    /// let w = BlockMatrix::quantize(&Scheme::mxfp4(), &[1.0; 32], 1, 32).unwrap();
    /// let qx = QuantizedActivations::for_matrix(&w, &[0.5; 32], 1).unwrap();
    /// let mut y = [0.0];
    /// w.gemm_prepared(&qx, &mut y).unwrap();
    /// assert_eq!(y, [16.0]);
    /// ```
    pub fn gemm_prepared(&self, x: &QuantizedActivations, y: &mut [f32]) -> Result<(), KernelError> {
        self.gemm_prepared_on(best(), x, y)
    }

    /// [`gemm_prepared`](Self::gemm_prepared) on a chosen backend.
    ///
    /// ```
    /// use lowp::block::{BlockMatrix, Scheme};
    /// use lowp::bulk::Backend;
    /// use lowp::kernels::{ActivationFormat, QuantizedActivations};
    /// let w = BlockMatrix::quantize(&Scheme::mxfp4(), &[1.0; 32], 1, 32).unwrap();
    /// let wrong = QuantizedActivations::new(ActivationFormat::F32, &[0.5; 32], 1).unwrap();
    /// assert!(w.gemm_prepared_on(Backend::Portable, &wrong, &mut [0.0]).is_err());
    /// ```
    pub fn gemm_prepared_on(
        &self,
        backend: Backend,
        x: &QuantizedActivations,
        y: &mut [f32],
    ) -> Result<(), KernelError> {
        check_format(self.activation_format(), self.cols(), x)?;
        check_y(y, x.m, self.rows())?;
        let backend = effective_backend(backend);
        for_rows(self.rows(), x.m, y, |rows, y| block_gemm_rows(backend, self, x, rows, y));
        Ok(())
    }
}

fn shape_error(m: usize, k: usize, len: usize) -> KernelError {
    if m == 1 {
        KernelError::Length { what: "x", expected: k, got: len }
    } else {
        KernelError::Shape { m, k: Some(k), len }
    }
}

fn check_y(y: &[f32], m: usize, rows: usize) -> Result<(), KernelError> {
    let want = m.checked_mul(rows).ok_or(KernelError::Unsupported { reason: "output size overflows usize" })?;
    if y.len() != want {
        return Err(KernelError::Length { what: "y", expected: want, got: y.len() });
    }
    Ok(())
}

fn check_format(want: ActivationFormat, k: usize, x: &QuantizedActivations) -> Result<(), KernelError> {
    if x.format != want || x.k != k {
        return Err(KernelError::Activations { expected: want, got: x.format, k, got_k: x.k });
    }
    Ok(())
}

/// One dot product: a packed block-scaled row (a [`BlockMatrix`] row or a
/// [`BlockVector`](crate::block::BlockVector)) with prepared activation vector `j`, in the
/// documented order — what [`BlockMatrix::gemv`] computes for each row.
///
/// ```
/// use lowp::block::{BlockMatrix, Scheme};
/// use lowp::kernels::{dot, QuantizedActivations};
/// let w = BlockMatrix::quantize(&Scheme::mxfp4(), &(0..64).map(|i| i as f32 / 64.0).collect::<Vec<_>>(), 2, 32).unwrap();
/// let x: Vec<f32> = (0..32).map(|i| 1.0 - i as f32 / 16.0).collect();
/// let qx = QuantizedActivations::for_matrix(&w, &x, 1).unwrap();
/// let y = w.gemv(&x).unwrap();
/// assert_eq!(dot(&w.row(1), &qx, 0).unwrap(), y[1]);
/// ```
pub fn dot(row: &impl BlockScaled, x: &QuantizedActivations, j: usize) -> Result<f32, KernelError> {
    dot_on(best(), row, x, j)
}

/// [`dot`] on a chosen backend.
///
/// ```
/// use lowp::block::{BlockVector, Scheme};
/// use lowp::bulk::Backend;
/// use lowp::kernels::{dot_on, ActivationFormat, QuantizedActivations};
/// let s: Scheme = "vsq-int4-v64".parse().unwrap();
/// let w = BlockVector::quantize(&s, &[0.5; 100]).unwrap();
/// let qx = QuantizedActivations::new(ActivationFormat::for_scheme(&s), &[2.0; 100], 1).unwrap();
/// assert_eq!(dot_on(Backend::Portable, &w, &qx, 0).unwrap(), 100.0);
/// assert!(dot_on(Backend::Portable, &w, &qx, 1).is_err());   // one vector only
/// ```
pub fn dot_on(
    backend: Backend,
    row: &impl BlockScaled,
    x: &QuantizedActivations,
    j: usize,
) -> Result<f32, KernelError> {
    let s = *row.scheme();
    check_format(ActivationFormat::for_scheme(&s), row.len(), x)?;
    if j >= x.m {
        return Err(KernelError::Length { what: "activation vectors", expected: j + 1, got: x.m });
    }
    let backend = effective_backend(backend);
    let mut sc = Scratch::default();
    let mut y = [0f32];
    match int_plan(&s) {
        Some(p) => {
            let rs = [row.row_scale()];
            let t = int::Tile {
                codes: row.codes(),
                cstride: 0,
                cbytes: row.codes().len(),
                scales: row.scales(),
                sstride: 0,
                row_scales: &rs,
            };
            int::int_tile(backend, &p, &s, &t, x, j, 1, &mut y, &mut sc)
        }
        None => {
            let one = QuantizedActivations { m: 1, xf: x.xf[j * x.k..(j + 1) * x.k].to_vec(), ..x.clone() };
            int::float_rows(backend, core::slice::from_ref(row), &one, &mut y, 1, &mut sc)
        }
    }
    Ok(y[0])
}
