//! Packed storage: [`BlockVector`] (one row), [`BlockMatrix`] (rows × K, blocked along K) and
//! the [`BlockScaled`] trait both present.
//!
//! # Byte layout
//!
//! * **Element codes** of a row are one little-endian bit stream: element `i` occupies stream
//!   bits `i·w .. i·w + w` (`w` = element bits), and stream bit `j` is bit `j % 8` of byte
//!   `j / 8`. So 4-bit codes go two per byte, element `2k` in the low nibble and `2k + 1` in the
//!   high nibble; 8-bit codes one per byte; 6-bit codes four per three bytes. A row holds whole
//!   blocks: its last block is padded with zero codes (scales come from the real elements
//!   only), so a row of `n` elements in blocks of `B` takes `⌈n / B⌉ · B · w / 8` bytes
//!   (whole-row schemes: `⌈n · w / 8⌉`).
//! * **Block scales** of a row: one per block, in block order, each
//!   [`ScaleEncoding::bytes`] little-endian bytes of its code (f32/f16/bf16 bits, E4M3/E8M0 code,
//!   or the unsigned integer). Whole-row schemes store none.
//! * **Row scale**: one `f32` per row (two-level VSQ's γ, the per-row baseline's scale,
//!   NVFP4's and the per-tensor baseline's tensor scale, repeated on each row), or 1.0.
//!
//! The value of element `i` in block `k` is `code_value(i) · scale(k) · row_scale`, exactly.

use core::fmt;

use super::quantize::{nan_blocks, outer_scale, pow2_f32, quantize_row, scan};
use super::scheme::{Element, Outer, ScaleEncoding, Scheme};
use crate::bulk::{Backend, FastSpec};

/// Why quantization or reassembly from parts failed.
#[derive(Clone, Debug, PartialEq)]
pub enum QuantizeError {
    /// A NaN or ±∞ in the input (under [`NonFinite::Error`](super::NonFinite::Error), or for schemes whose scales cannot
    /// be NaN). `index` is the first offending position in the input slice.
    NonFinite {
        /// Position in the input.
        index: usize,
        /// The value found there.
        value: f32,
    },
    /// `rows × cols` does not match the data's length (or overflows `usize`).
    Shape {
        /// Rows asked for.
        rows: usize,
        /// Columns asked for.
        cols: usize,
        /// Elements given.
        len: usize,
    },
    /// Packed parts of the wrong size for the scheme and length.
    Layout {
        /// Which part.
        part: &'static str,
        /// Bytes (or values) expected.
        expected: usize,
        /// Bytes (or values) given.
        got: usize,
    },
    /// An output slice of the wrong length.
    Length {
        /// Elements expected.
        expected: usize,
        /// Elements given.
        got: usize,
    },
}

impl fmt::Display for QuantizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuantizeError::NonFinite { index, value } => {
                write!(f, "non-finite value {value} at index {index} (block scales cannot represent it; see NonFinite)")
            }
            QuantizeError::Shape { rows, cols, len } => {
                write!(f, "shape {rows} x {cols} does not fit {len} elements")
            }
            QuantizeError::Layout { part, expected, got } => {
                write!(f, "packed {part}: expected {expected}, got {got}")
            }
            QuantizeError::Length { expected, got } => write!(f, "output length {got}, expected {expected}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for QuantizeError {}

/// Packed geometry of one row of `len` elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RowGeometry {
    pub blocks: usize,
    pub block: usize,
    pub code_bytes: usize,
    pub scale_bytes: usize,
}

pub(crate) fn geometry(s: &Scheme, len: usize) -> RowGeometry {
    let w = s.element().bits() as usize;
    if s.block_len() == 0 {
        RowGeometry { blocks: usize::from(len > 0), block: len, code_bytes: (len * w).div_ceil(8), scale_bytes: 0 }
    } else {
        let b = s.block_len();
        let blocks = len.div_ceil(b);
        RowGeometry { blocks, block: b, code_bytes: blocks * b * w / 8, scale_bytes: blocks * s.scale().bytes() }
    }
}

/// Write unpacked codes `q` (one per byte) into the bit stream at `out` (which starts at a byte
/// boundary and is zero where the codes go).
#[inline(always)]
pub(crate) fn pack_codes(q: &[u8], bits: u32, out: &mut [u8]) {
    match bits {
        8 => out[..q.len()].copy_from_slice(q),
        4 => {
            for (o, p) in out.iter_mut().zip(q.chunks_exact(2)) {
                *o = (p[0] & 0xf) | (p[1] << 4);
            }
            if q.len() % 2 == 1 {
                out[q.len() / 2] = q[q.len() - 1] & 0xf;
            }
        }
        _ => {
            let mask = ((1u16 << bits) - 1) as u8;
            for (i, &c) in q.iter().enumerate() {
                let bit = i * bits as usize;
                let v = ((c & mask) as u16) << (bit % 8);
                out[bit / 8] |= v as u8;
                if bit % 8 + bits as usize > 8 {
                    out[bit / 8 + 1] |= (v >> 8) as u8;
                }
            }
        }
    }
}

/// Element `i`'s code from a packed row.
#[inline]
pub(crate) fn code_at(codes: &[u8], bits: u32, i: usize) -> u8 {
    match bits {
        8 => codes[i],
        4 => (codes[i / 2] >> ((i & 1) * 4)) & 0xf,
        _ => {
            let bit = i * bits as usize;
            let lo = codes[bit / 8] as u16;
            let hi = if bit % 8 + bits as usize > 8 { codes[bit / 8 + 1] as u16 } else { 0 };
            (((lo | hi << 8) >> (bit % 8)) & ((1 << bits) - 1)) as u8
        }
    }
}

/// Store block `k`'s scale code.
pub(crate) fn set_scale(scales: &mut [u8], enc: ScaleEncoding, k: usize, code: u32) {
    let n = enc.bytes();
    scales[k * n..k * n + n].copy_from_slice(&code.to_le_bytes()[..n]);
}

/// Block `k`'s scale code.
#[inline(always)]
pub(crate) fn scale_at(scales: &[u8], enc: ScaleEncoding, k: usize) -> u32 {
    match enc.bytes() {
        1 => scales[k] as u32,
        2 => u16::from_le_bytes([scales[2 * k], scales[2 * k + 1]]) as u32,
        4 => u32::from_le_bytes([scales[4 * k], scales[4 * k + 1], scales[4 * k + 2], scales[4 * k + 3]]),
        _ => 0,
    }
}

/// The factors of a block's values: `(inner, outer)` with `code_value · inner` exact in `f32`
/// and the value `(code_value · inner) · outer`, one rounding (none when `outer` is 1).
///
/// `inner` is the block scale when it has at most 11 significant bits (f16, bf16, E4M3, an
/// integer ≤ 255, a power of two) — element values have at most 8, so the product fits in
/// `f32`'s 24 — and 1 for an `f32` block scale, which becomes `outer` instead (one `f32`
/// multiply, correctly rounded).
#[inline(always)]
fn block_factors(s: &Scheme, scales: &[u8], k: usize, outer: f32) -> (f32, f32) {
    let enc = s.scale();
    match enc {
        ScaleEncoding::None => (1.0, outer),
        ScaleEncoding::F32 => (1.0, f32::from_bits(scale_at(scales, enc, k))),
        // One-byte scales without the generic decoder: E4M3 through the bulk decoder's exact
        // f32 table, E8M0 as the power of two (f32 subnormal for code 0), integers as they are.
        ScaleEncoding::E4M3 => {
            (f32::from_bits(<crate::minifloat::E4M3FN as FastSpec>::TABLE[scales[k] as usize]), outer)
        }
        ScaleEncoding::E8M0 => {
            let c = scales[k];
            (if c == 0xff { f32::NAN } else { pow2_f32(c as i32 - 127) }, outer)
        }
        ScaleEncoding::UInt(m) => ((scales[k] & ((1u16 << m) - 1) as u8) as f32, outer),
        _ => (enc.decode(scale_at(scales, enc, k)) as f32, outer),
    }
}

/// A row of block-scaled data: what [`BlockVector`] and a row of a [`BlockMatrix`] share.
///
/// Implementors provide the packed parts; reading elements, dequantizing and the storage cost
/// come with the trait. Dequantized `f32` values are correctly rounded (nearest-even) from the
/// exact `code · scale · row_scale`, which [`get_exact`](Self::get_exact) returns.
///
/// ```
/// use lowp::block::{BlockScaled, BlockVector, Scheme};
/// let x: Vec<f32> = (0..40).map(|i| i as f32 / 8.0).collect();
/// let q = BlockVector::quantize(&Scheme::mxfp4(), &x).unwrap();
/// assert_eq!(q.len(), 40);
/// assert_eq!(q.num_blocks(), 2);                 // 32 + 8 (padded)
/// assert_eq!(q.codes().len(), 32);               // 64 four-bit codes
/// assert_eq!(q.scales().len(), 2);               // two E8M0 scales
/// assert_eq!(q.get(8), 1.0);
/// assert_eq!(q.bits_per_element(), (64.0 * 4.0 + 16.0) / 40.0);
/// let y = q.dequantize();
/// assert_eq!(y[8], 1.0);
/// ```
pub trait BlockScaled {
    /// The scheme the data was quantized with.
    fn scheme(&self) -> &Scheme;
    /// Elements in the row (without padding).
    fn len(&self) -> usize;
    /// The packed element codes (see the module docs for the layout).
    fn codes(&self) -> &[u8];
    /// The packed block scales.
    fn scales(&self) -> &[u8];
    /// The row (or tensor) scale; 1.0 when the scheme has none.
    fn row_scale(&self) -> f32;

    /// Whether the row is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Blocks in the row (the last may be padded).
    fn num_blocks(&self) -> usize {
        geometry(self.scheme(), self.len()).blocks
    }
    /// Elements per block (the row length for whole-row schemes).
    fn block_len(&self) -> usize {
        geometry(self.scheme(), self.len()).block
    }
    /// Element `i`'s code (panics when `i ≥ len`).
    fn code(&self, i: usize) -> u8 {
        assert!(i < self.len(), "element {i} of {}", self.len());
        code_at(self.codes(), self.scheme().element().bits(), i)
    }
    /// Block `k`'s stored scale code (0 for whole-row schemes, which store none).
    fn scale_code(&self, k: usize) -> u32 {
        let enc = self.scheme().scale();
        if enc == ScaleEncoding::None {
            0
        } else {
            scale_at(self.scales(), enc, k)
        }
    }
    /// Block `k`'s whole scale, `scale · row_scale`, exactly.
    fn block_scale(&self, k: usize) -> f64 {
        self.scheme().scale().decode(self.scale_code(k)) * self.row_scale() as f64
    }
    /// Element `i`, exactly (`code value · block scale · row scale` in `f64`, where it fits
    /// exactly: at most 8 + 11 + 24 significant bits).
    fn get_exact(&self, i: usize) -> f64 {
        let k = i / self.block_len().max(1);
        self.scheme().element().decode(self.code(i)) * self.block_scale(k)
    }
    /// Element `i` as `f32`, nearest-even from the exact value.
    fn get(&self, i: usize) -> f32 {
        let s = *self.scheme();
        let k = i / self.block_len().max(1);
        let (inner, outer) = block_factors(&s, self.scales(), k, self.row_scale());
        (s.element().decode(self.code(i)) as f32 * inner) * outer
    }
    /// All elements as `f32` into `out` (`out.len() == len`).
    fn dequantize_into(&self, out: &mut [f32]) -> Result<(), QuantizeError> {
        if out.len() != self.len() {
            return Err(QuantizeError::Length { expected: self.len(), got: out.len() });
        }
        dequantize_row(Backend::best(), self.scheme(), self.codes(), self.scales(), self.row_scale(), out);
        Ok(())
    }
    /// [`dequantize_into`](Self::dequantize_into) on a chosen backend (the same bits on each).
    fn dequantize_into_on(&self, backend: Backend, out: &mut [f32]) -> Result<(), QuantizeError> {
        if out.len() != self.len() {
            return Err(QuantizeError::Length { expected: self.len(), got: out.len() });
        }
        dequantize_row(backend, self.scheme(), self.codes(), self.scales(), self.row_scale(), out);
        Ok(())
    }
    /// All elements as a new `Vec<f32>`.
    #[cfg(feature = "std")]
    fn dequantize(&self) -> Vec<f32> {
        let mut v = vec![0.0; self.len()];
        dequantize_row(Backend::best(), self.scheme(), self.codes(), self.scales(), self.row_scale(), &mut v);
        v
    }
    /// Storage cost: all code, block-scale and row-scale bits over the elements (padding
    /// included; the row scale counted as 32 bits when the scheme has one).
    fn bits_per_element(&self) -> f64 {
        let s = self.scheme();
        let g = geometry(s, self.len());
        let outer = if s.outer() == Outer::None { 0 } else { 32 };
        let scale_bits = g.blocks * s.scale().bits() as usize;
        (g.code_bytes * 8 + scale_bits + outer) as f64 / self.len().max(1) as f64
    }
}

crate::arch::multiversion! {
    /// Dequantize a packed row on `backend` (the same bits on each; [`dequantize_row_body`]).
    fn dequantize_row(s: &Scheme, codes: &[u8], scales: &[u8], row_scale: f32, out: &mut [f32])
        = dequantize_row_body;
}

/// Dequantize a packed row (see [`block_factors`] for why each value is rounded once).
#[inline(always)]
pub(crate) fn dequantize_row_body(s: &Scheme, codes: &[u8], scales: &[u8], row_scale: f32, out: &mut [f32]) {
    let g = geometry(s, out.len());
    let e = s.element();
    let bits = e.bits();
    let mut table = [0f32; 256];
    for (c, t) in table.iter_mut().enumerate().take(1 << bits) {
        *t = e.decode(c as u8) as f32;
    }
    for (k, chunk) in out.chunks_mut(g.block.max(1)).enumerate() {
        let (inner, outer) = block_factors(s, scales, k, row_scale);
        let start = k * g.block * bits as usize / 8;
        let row = &codes[start..];
        match bits {
            4 if matches!(e, Element::Int(_)) => {
                // Signed nibbles by arithmetic (sign-extend, convert, scale): vectorises.
                let pairs = chunk.len() / 2;
                for (o, &byte) in chunk.chunks_exact_mut(2).zip(&row[..pairs]) {
                    o[0] = ((((byte << 4) as i8) >> 4) as f32 * inner) * outer;
                    o[1] = (((byte as i8) >> 4) as f32 * inner) * outer;
                }
                if chunk.len() % 2 == 1 {
                    chunk[chunk.len() - 1] = ((((row[pairs] << 4) as i8) >> 4) as f32 * inner) * outer;
                }
            }
            4 if e == Element::E2M1 => {
                let pairs = chunk.len() / 2;
                for (o, &byte) in chunk.chunks_exact_mut(2).zip(&row[..pairs]) {
                    o[0] = (e2m1_to_f32(byte) * inner) * outer;
                    o[1] = (e2m1_to_f32(byte >> 4) * inner) * outer;
                }
                if chunk.len() % 2 == 1 {
                    chunk[chunk.len() - 1] = (e2m1_to_f32(row[pairs]) * inner) * outer;
                }
            }
            4 => {
                let mut lut = [0f32; 16];
                for (l, &t) in lut.iter_mut().zip(&table) {
                    *l = (t * inner) * outer;
                }
                for (o, &byte) in chunk.chunks_mut(2).zip(row) {
                    o[0] = lut[(byte & 0xf) as usize];
                    if let Some(h) = o.get_mut(1) {
                        *h = lut[(byte >> 4) as usize];
                    }
                }
            }
            8 => {
                for (o, &c) in chunk.iter_mut().zip(row) {
                    *o = (table[c as usize] * inner) * outer;
                }
            }
            _ => {
                for (i, o) in chunk.iter_mut().enumerate() {
                    *o = (table[code_at(row, bits, i) as usize] * inner) * outer;
                }
            }
        }
    }
}

/// The E2M1 code in the low nibble of `c` as `f32`, by arithmetic (branch-free, so loops over it
/// vectorise): magnitude codes `2e + f` are `f / 2` for `e = 0` and `(1 + f/2) · 2^(e − 1)`
/// otherwise; bit 3 is the sign. Equal to the table decoder on all 16 codes (tested).
#[inline(always)]
pub(crate) fn e2m1_to_f32(c: u8) -> f32 {
    let c = c as u32;
    let e = (c >> 1) & 3;
    let f = c & 1;
    let normal = ((e + 126) << 23) | (f << 22);
    let sub = f * 0x3f00_0000;
    let mag = if e == 0 { sub } else { normal };
    f32::from_bits(mag | ((c & 8) << 28))
}

/// The outer scale of `data` (its largest finite magnitude by the scheme's rule), or the
/// error for its first non-finite value when the scheme makes no NaN blocks.
fn outer_of(backend: Backend, s: &Scheme, data: &[f32], offset: usize) -> Result<f32, QuantizeError> {
    let (amax, bad) = scan(backend, data);
    if let Some(i) = bad {
        if !nan_blocks(s) {
            return Err(QuantizeError::NonFinite { index: offset + i, value: data[i] });
        }
    }
    Ok(outer_scale(s, amax))
}

/// One quantized row: the packed codes and scales plus the row scale.
///
/// ```
/// use lowp::block::{BlockScaled, BlockVector, Scheme};
/// let s: Scheme = "vsq-int4-v64".parse().unwrap();
/// let x: Vec<f32> = (0..100).map(|i| (i as f32 - 50.0) / 7.0).collect();
/// let q = BlockVector::quantize(&s, &x).unwrap();
/// assert_eq!(q.num_blocks(), 2);
/// let err = x.iter().zip(q.dequantize()).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
/// assert!(err <= 0.5 * (50.0 / 7.0) / 7.0 + 1e-6);  // half a step of the largest scale
/// // Round trip through the raw parts.
/// let r = BlockVector::from_parts(s, q.len(), q.codes().to_vec(), q.scales().to_vec(), q.row_scale()).unwrap();
/// assert_eq!(r, q);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct BlockVector {
    scheme: Scheme,
    len: usize,
    codes: Vec<u8>,
    scales: Vec<u8>,
    row_scale: f32,
}

impl BlockVector {
    /// Quantize `x` (its own row and tensor: row and tensor scales come from `x`) with the
    /// fastest kernels this CPU has.
    pub fn quantize(scheme: &Scheme, x: &[f32]) -> Result<BlockVector, QuantizeError> {
        BlockVector::quantize_on(Backend::best(), scheme, x)
    }

    /// [`quantize`](Self::quantize) on a chosen backend (the same bits on each; an unsupported
    /// one falls back to the portable code).
    pub fn quantize_on(backend: Backend, scheme: &Scheme, x: &[f32]) -> Result<BlockVector, QuantizeError> {
        let g = geometry(scheme, x.len());
        let outer = if scheme.outer() == Outer::None { 1.0 } else { outer_of(backend, scheme, x, 0)? };
        let mut codes = vec![0u8; g.code_bytes];
        let mut scales = vec![0u8; g.scale_bytes];
        quantize_row(backend, scheme, x, outer, &mut codes, &mut scales)
            .map_err(|index| QuantizeError::NonFinite { index, value: x[index] })?;
        Ok(BlockVector { scheme: *scheme, len: x.len(), codes, scales, row_scale: outer })
    }

    /// Quantize `x` into this vector's buffers, reusing their allocations (for repeated
    /// quantization of activations). The result equals [`quantize`](Self::quantize)'s; on an
    /// error the vector is left empty (length 0) under `scheme`.
    ///
    /// ```
    /// use lowp::block::{BlockVector, Scheme};
    /// let s = Scheme::mxfp4();
    /// let mut q = BlockVector::quantize(&s, &[1.0; 64]).unwrap();
    /// q.requantize(&s, &[0.5; 64]).unwrap();
    /// assert_eq!(q, BlockVector::quantize(&s, &[0.5; 64]).unwrap());
    /// assert!(q.requantize(&s, &[f32::NAN]).is_err());
    /// ```
    pub fn requantize(&mut self, scheme: &Scheme, x: &[f32]) -> Result<(), QuantizeError> {
        let backend = Backend::best();
        let g = geometry(scheme, x.len());
        self.scheme = *scheme;
        self.len = 0;
        self.codes.clear();
        self.scales.clear();
        self.row_scale = 1.0;
        let outer = if scheme.outer() == Outer::None { 1.0 } else { outer_of(backend, scheme, x, 0)? };
        self.codes.resize(g.code_bytes, 0);
        self.scales.resize(g.scale_bytes, 0);
        if let Err(index) = quantize_row(backend, scheme, x, outer, &mut self.codes, &mut self.scales) {
            self.codes.clear();
            self.scales.clear();
            return Err(QuantizeError::NonFinite { index, value: x[index] });
        }
        self.len = x.len();
        self.row_scale = outer;
        Ok(())
    }

    /// Reassemble from packed parts (the layout of the module docs), checking their sizes.
    pub fn from_parts(
        scheme: Scheme,
        len: usize,
        codes: Vec<u8>,
        scales: Vec<u8>,
        row_scale: f32,
    ) -> Result<BlockVector, QuantizeError> {
        let g = geometry(&scheme, len);
        if codes.len() != g.code_bytes {
            return Err(QuantizeError::Layout { part: "codes", expected: g.code_bytes, got: codes.len() });
        }
        if scales.len() != g.scale_bytes {
            return Err(QuantizeError::Layout { part: "scales", expected: g.scale_bytes, got: scales.len() });
        }
        Ok(BlockVector { scheme, len, codes, scales, row_scale })
    }

    /// The packed parts: `(codes, scales, row_scale)`.
    pub fn into_parts(self) -> (Vec<u8>, Vec<u8>, f32) {
        (self.codes, self.scales, self.row_scale)
    }
}

impl BlockScaled for BlockVector {
    fn scheme(&self) -> &Scheme {
        &self.scheme
    }
    fn len(&self) -> usize {
        self.len
    }
    fn codes(&self) -> &[u8] {
        &self.codes
    }
    fn scales(&self) -> &[u8] {
        &self.scales
    }
    fn row_scale(&self) -> f32 {
        self.row_scale
    }
}

/// A weight matrix, `rows × cols`, blocked along `cols` (the reduction dimension K): each row
/// is laid out as a [`BlockVector`] would be, rows one after another, with one row scale per
/// row (for per-tensor schemes and NVFP4 the tensor's scale, computed over the whole matrix,
/// repeated).
///
/// ```
/// use lowp::block::{BlockMatrix, BlockScaled, Scheme};
/// let w: Vec<f32> = (0..3 * 128).map(|i| ((i * 37) % 19) as f32 - 9.0).collect();
/// let m = BlockMatrix::quantize(&Scheme::nvfp4(), &w, 3, 128).unwrap();
/// assert_eq!((m.rows(), m.cols()), (3, 128));
/// let r = m.row(1);
/// assert_eq!(r.len(), 128);
/// assert_eq!(r.num_blocks(), 8);
/// assert_eq!(r.row_scale(), m.row(0).row_scale());     // one tensor scale
/// assert!(BlockMatrix::quantize(&Scheme::nvfp4(), &w, 4, 128).is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct BlockMatrix {
    scheme: Scheme,
    rows: usize,
    cols: usize,
    codes: Vec<u8>,
    scales: Vec<u8>,
    row_scales: Vec<f32>,
}

impl BlockMatrix {
    /// Quantize a row-major `rows × cols` matrix with the fastest kernels this CPU has.
    pub fn quantize(scheme: &Scheme, data: &[f32], rows: usize, cols: usize) -> Result<BlockMatrix, QuantizeError> {
        BlockMatrix::quantize_on(Backend::best(), scheme, data, rows, cols)
    }

    /// [`quantize`](Self::quantize) on a chosen backend (the same bits on each).
    pub fn quantize_on(
        backend: Backend,
        scheme: &Scheme,
        data: &[f32],
        rows: usize,
        cols: usize,
    ) -> Result<BlockMatrix, QuantizeError> {
        if rows.checked_mul(cols) != Some(data.len()) {
            return Err(QuantizeError::Shape { rows, cols, len: data.len() });
        }
        let g = geometry(scheme, cols);
        // The scale every row starts with: the tensor's, 1 without an outer scale, and for
        // per-row scales that of an empty row (0), which rows with elements replace.
        let tensor = match scheme.outer() {
            Outer::Tensor => outer_of(backend, scheme, data, 0)?,
            Outer::Row => outer_scale(scheme, 0.0),
            Outer::None => 1.0,
        };
        // With `cols = 0`, `rows` is not bounded by the data: refuse what cannot be allocated.
        let mut row_scales = Vec::new();
        if row_scales.try_reserve_exact(rows).is_err() {
            return Err(QuantizeError::Shape { rows, cols, len: data.len() });
        }
        row_scales.resize(rows, tensor);
        let mut codes = vec![0u8; g.code_bytes * rows];
        let mut scales = vec![0u8; g.scale_bytes * rows];
        if cols > 0 {
            for (r, x) in data.chunks(cols).enumerate() {
                if scheme.outer() == Outer::Row {
                    row_scales[r] = outer_of(backend, scheme, x, r * cols)?;
                }
                quantize_row(
                    backend,
                    scheme,
                    x,
                    row_scales[r],
                    &mut codes[r * g.code_bytes..(r + 1) * g.code_bytes],
                    &mut scales[r * g.scale_bytes..(r + 1) * g.scale_bytes],
                )
                .map_err(|i| QuantizeError::NonFinite { index: r * cols + i, value: x[i] })?;
            }
        }
        Ok(BlockMatrix { scheme: *scheme, rows, cols, codes, scales, row_scales })
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Columns (K).
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// The scheme.
    pub fn scheme(&self) -> &Scheme {
        &self.scheme
    }
    /// Row `r` (panics when `r ≥ rows`).
    pub fn row(&self, r: usize) -> BlockRow<'_> {
        assert!(r < self.rows, "row {r} of {}", self.rows);
        let g = geometry(&self.scheme, self.cols);
        BlockRow {
            scheme: &self.scheme,
            len: self.cols,
            codes: &self.codes[r * g.code_bytes..(r + 1) * g.code_bytes],
            scales: &self.scales[r * g.scale_bytes..(r + 1) * g.scale_bytes],
            row_scale: self.row_scales[r],
        }
    }
    /// All packed codes, row after row.
    pub fn codes(&self) -> &[u8] {
        &self.codes
    }
    /// All packed block scales, row after row.
    pub fn scales(&self) -> &[u8] {
        &self.scales
    }
    /// The row scales (one per row).
    pub fn row_scales(&self) -> &[f32] {
        &self.row_scales
    }
    /// The whole matrix as row-major `f32`.
    #[cfg(feature = "std")]
    pub fn dequantize(&self) -> Vec<f32> {
        let mut v = vec![0.0; self.rows * self.cols];
        if self.cols > 0 {
            for (r, o) in v.chunks_mut(self.cols).enumerate() {
                let row = self.row(r);
                dequantize_row(Backend::best(), &self.scheme, row.codes, row.scales, row.row_scale, o);
            }
        }
        v
    }
    /// Storage cost per element: codes, block scales, and the row scales (32 bits per row, or
    /// once for a per-tensor scale).
    pub fn bits_per_element(&self) -> f64 {
        let g = geometry(&self.scheme, self.cols);
        let outer = match self.scheme.outer() {
            Outer::None => 0,
            Outer::Row => 32 * self.rows,
            Outer::Tensor => 32,
        };
        let scale_bits = g.blocks * self.rows * self.scheme.scale().bits() as usize;
        (self.codes.len() * 8 + scale_bits + outer) as f64 / (self.rows * self.cols).max(1) as f64
    }
}

/// A borrowed row of a [`BlockMatrix`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BlockRow<'a> {
    scheme: &'a Scheme,
    len: usize,
    codes: &'a [u8],
    scales: &'a [u8],
    row_scale: f32,
}

impl BlockScaled for BlockRow<'_> {
    fn scheme(&self) -> &Scheme {
        self.scheme
    }
    fn len(&self) -> usize {
        self.len
    }
    fn codes(&self) -> &[u8] {
        self.codes
    }
    fn scales(&self) -> &[u8] {
        self.scales
    }
    fn row_scale(&self) -> f32 {
        self.row_scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e2m1_arithmetic_decoder_matches_table() {
        for c in 0..16u8 {
            let want = Element::E2M1.decode(c) as f32;
            assert_eq!(e2m1_to_f32(c).to_bits(), want.to_bits(), "code {c:#x}");
            assert_eq!(e2m1_to_f32(c | 0xf0).to_bits(), want.to_bits(), "code {c:#x} with high bits");
        }
    }

    #[test]
    fn one_byte_scale_tables_match_decode() {
        for enc in [ScaleEncoding::E4M3, ScaleEncoding::E8M0, ScaleEncoding::UInt(4), ScaleEncoding::UInt(8)] {
            let s = Scheme::new(
                match enc {
                    ScaleEncoding::E8M0 => Element::E2M1,
                    _ => Element::Int(4),
                },
                16,
                enc,
                if matches!(enc, ScaleEncoding::UInt(_)) { super::Outer::Row } else { super::Outer::None },
                if enc == ScaleEncoding::E8M0 {
                    super::super::ScaleRule::MxFloor
                } else {
                    super::super::ScaleRule::AbsMax
                },
            );
            let s = match s {
                Ok(s) => s,
                Err(_) => Scheme::nvfp4(),
            };
            for c in 0..=255u8 {
                let (inner, _) = block_factors(&s, &[c], 0, 1.0);
                let want = enc.decode(c as u32) as f32;
                assert!(inner.to_bits() == want.to_bits() || (inner.is_nan() && want.is_nan()), "{enc:?} {c:#x}");
            }
        }
    }

    #[test]
    fn absurd_row_count_without_columns_is_a_shape_error() {
        let s = Scheme::per_row(4).unwrap();
        let e = BlockMatrix::quantize(&s, &[], usize::MAX / 8, 0).unwrap_err();
        assert!(matches!(e, QuantizeError::Shape { cols: 0, .. }), "{e:?}");
        let m = BlockMatrix::quantize(&s, &[], 3, 0).unwrap();
        assert_eq!(m.row_scales(), &[0.0; 3]);
    }

    #[test]
    fn pack_unpack_every_width() {
        for bits in 2..=8u32 {
            let n = 64;
            let q: Vec<u8> = (0..n).map(|i| ((i * 29 + 3) % (1 << bits)) as u8).collect();
            let mut out = vec![0u8; n * bits as usize / 8];
            pack_codes(&q, bits, &mut out);
            for (i, &c) in q.iter().enumerate() {
                assert_eq!(code_at(&out, bits, i), c, "bits {bits} element {i}");
            }
        }
    }
}
