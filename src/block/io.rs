//! Reading weight files (feature `safetensors`): the tensors of a
//! [safetensors](https://huggingface.co/docs/safetensors) file as `f32`, ready for
//! [`BlockMatrix::quantize`](super::BlockMatrix::quantize).
//!
//! `F32` tensors are read as they are, `F16`, `BF16`, `F8_E4M3` (OCP `float8_e4m3fn`) and
//! `F8_E5M2` are widened to `f32` — exactly, every value of those formats is an `f32`. Tensors
//! of other dtypes (integers, booleans, `F64`, which would have to be rounded) are not read:
//! they are listed in [`Weights::skipped`] with the reason.
//!
//! A damaged file — cut inside the length prefix, the header or the data, a header that is not
//! JSON, a header length past the end of the file, offsets that overlap or leave gaps, a byte
//! range that does not match `shape × dtype size` — gives a [`LoadError`], never a panic.
//!
//! ```
//! use lowp::block::io::read_safetensors;
//! use safetensors::{serialize, tensor::TensorView, Dtype};
//!
//! // A 2 × 3 f32 tensor and a bias vector of 3 bf16 values, written in memory.
//! let w: Vec<u8> = [1.0f32, -2.0, 0.5, 4.0, 0.25, -8.0].iter().flat_map(|v| v.to_le_bytes()).collect();
//! let b: Vec<u8> = [1.0f32, 2.0, 3.0]
//!     .iter()
//!     .flat_map(|&v| half::bf16::from_f32(v).to_le_bytes())
//!     .collect();
//! let views = [
//!     ("w", TensorView::new(Dtype::F32, vec![2, 3], &w).unwrap()),
//!     ("b", TensorView::new(Dtype::BF16, vec![3], &b).unwrap()),
//! ];
//! let bytes = serialize(views, None).unwrap();
//!
//! let file = read_safetensors(&bytes).unwrap();
//! assert_eq!(file.tensors.len(), 2);
//! let w = file.get("w").unwrap();
//! assert_eq!(w.shape, [2, 3]);
//! assert_eq!(w.matrix_shape(), Some((2, 3)));
//! assert_eq!(w.data[5], -8.0);
//! let b = file.get("b").unwrap();
//! assert_eq!(b.data, [1.0, 2.0, 3.0]);
//! assert_eq!(b.matrix_shape(), None); // rank 1
//!
//! // A file cut in its data is an error, not a panic.
//! assert!(read_safetensors(&bytes[..bytes.len() - 1]).is_err());
//! ```

use core::fmt;
use std::path::{Path, PathBuf};

use safetensors::{Dtype, SafeTensorError, SafeTensors};

use crate::minifloat::{Float8E4M3FN, Float8E5M2};

/// The dtype a tensor had in the file (every one of them widens to `f32` exactly).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourceDtype {
    /// IEEE binary32.
    F32,
    /// IEEE binary16.
    F16,
    /// bfloat16.
    BF16,
    /// OCP `float8_e4m3fn` (safetensors `F8_E4M3`).
    F8E4M3,
    /// OCP `float8_e5m2` (safetensors `F8_E5M2`).
    F8E5M2,
}

impl SourceDtype {
    /// Bytes per element in the file.
    pub const fn size(self) -> usize {
        match self {
            SourceDtype::F32 => 4,
            SourceDtype::F16 | SourceDtype::BF16 => 2,
            SourceDtype::F8E4M3 | SourceDtype::F8E5M2 => 1,
        }
    }

    /// The safetensors spelling (`F32`, `F16`, `BF16`, `F8_E4M3`, `F8_E5M2`).
    pub const fn name(self) -> &'static str {
        match self {
            SourceDtype::F32 => "F32",
            SourceDtype::F16 => "F16",
            SourceDtype::BF16 => "BF16",
            SourceDtype::F8E4M3 => "F8_E4M3",
            SourceDtype::F8E5M2 => "F8_E5M2",
        }
    }

    fn from_safetensors(d: Dtype) -> Option<SourceDtype> {
        match d {
            Dtype::F32 => Some(SourceDtype::F32),
            Dtype::F16 => Some(SourceDtype::F16),
            Dtype::BF16 => Some(SourceDtype::BF16),
            Dtype::F8_E4M3 => Some(SourceDtype::F8E4M3),
            Dtype::F8_E5M2 => Some(SourceDtype::F8E5M2),
            _ => None,
        }
    }

    /// Widen little-endian elements to `f32` (exact). `bytes.len()` is a multiple of the size.
    fn widen(self, bytes: &[u8], out: &mut Vec<f32>) {
        match self {
            SourceDtype::F32 => out.extend(bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))),
            SourceDtype::F16 => {
                out.extend(bytes.chunks_exact(2).map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32()))
            }
            SourceDtype::BF16 => {
                out.extend(bytes.chunks_exact(2).map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32()))
            }
            SourceDtype::F8E4M3 => out.extend(bytes.iter().map(|&c| Float8E4M3FN::from_bits(c).to_f64() as f32)),
            SourceDtype::F8E5M2 => out.extend(bytes.iter().map(|&c| Float8E5M2::from_bits(c).to_f64() as f32)),
        }
    }
}

impl fmt::Display for SourceDtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One tensor of a weight file, widened to `f32` (row-major, as stored).
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    /// The tensor's name in the file.
    pub name: String,
    /// Its dtype in the file.
    pub dtype: SourceDtype,
    /// Its shape (empty for a scalar).
    pub shape: Vec<usize>,
    /// Its elements, row-major (`shape.iter().product()` of them).
    pub data: Vec<f32>,
}

impl Tensor {
    /// Elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The tensor as a matrix for block quantization along its last dimension:
    /// `(rows, cols)` with `rows` the product of the leading dimensions and `cols` the last
    /// one. `None` for rank 0 and 1.
    ///
    /// ```
    /// use lowp::block::io::{SourceDtype, Tensor};
    /// let t = Tensor { name: "x".into(), dtype: SourceDtype::F32, shape: vec![2, 3, 4], data: vec![0.0; 24] };
    /// assert_eq!(t.matrix_shape(), Some((6, 4)));
    /// ```
    pub fn matrix_shape(&self) -> Option<(usize, usize)> {
        matrix_shape(&self.shape)
    }
}

/// `(product of the leading dimensions, last dimension)` for rank ≥ 2.
pub fn matrix_shape(shape: &[usize]) -> Option<(usize, usize)> {
    match shape {
        [lead @ .., last] if !lead.is_empty() => Some((lead.iter().product(), *last)),
        _ => None,
    }
}

/// A tensor that was not read, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The tensor's name.
    pub name: String,
    /// Its dtype as safetensors spells it (`I64`, `F64`, `BOOL`, …).
    pub dtype: String,
    /// Its shape.
    pub shape: Vec<usize>,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why =
            if self.dtype == "F64" { "would need rounding to f32" } else { "not a floating-point type read here" };
        write!(f, "{} ({} {:?}: {why})", self.name, self.dtype, self.shape)
    }
}

/// The readable tensors of a file (in file order) and the ones skipped.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Weights {
    /// The tensors of dtype F32, F16, BF16, F8_E4M3, F8_E5M2, in the order of their data in
    /// the file.
    pub tensors: Vec<Tensor>,
    /// The others (in file order), not read.
    pub skipped: Vec<Skipped>,
}

impl Weights {
    /// The tensor called `name`.
    pub fn get(&self, name: &str) -> Option<&Tensor> {
        self.tensors.iter().find(|t| t.name == name)
    }
}

/// Why a weight file could not be read.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be read.
    Io {
        /// The path.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The file ends before the part `what` does: `needed` bytes, only `len` there.
    Truncated {
        /// "length prefix", "header" or "tensor data".
        what: &'static str,
        /// Bytes the file needs.
        needed: u64,
        /// Bytes the file has.
        len: u64,
    },
    /// The header is not a valid safetensors header (not UTF-8, not JSON, not the expected
    /// fields, an unknown dtype, too large); the text says which, from the safetensors crate.
    Header(String),
    /// The data offsets of a tensor do not follow on from the previous tensor's (overlap, gap,
    /// or end before start).
    Offsets {
        /// The tensor (as the safetensors crate names it).
        tensor: String,
    },
    /// A tensor's byte range does not match `shape × dtype size`, or that product overflows.
    DataLength(String),
    /// The path is not a regular file (a directory, a device such as `/dev/zero`, a pipe).
    NotRegularFile {
        /// The path.
        path: PathBuf,
    },
    /// The file goes on past the last tensor's data.
    TrailingBytes {
        /// Bytes the header accounts for.
        expected: u64,
        /// Bytes the file has.
        len: u64,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            LoadError::NotRegularFile { path } => {
                write!(f, "{} is not a regular file (a safetensors file is read from a file)", path.display())
            }
            LoadError::Truncated { what, needed, len } => {
                write!(f, "truncated safetensors file: the {what} needs {needed} bytes, the file has {len}")
            }
            LoadError::Header(m) => write!(f, "invalid safetensors header: {m}"),
            LoadError::Offsets { tensor } => {
                write!(
                    f,
                    "invalid safetensors file: the data offsets of tensor `{tensor}` are out of order or out of range"
                )
            }
            LoadError::DataLength(m) => write!(f, "invalid safetensors file: {m}"),
            LoadError::TrailingBytes { expected, len } => {
                write!(f, "invalid safetensors file: the header accounts for {expected} bytes, the file has {len}")
            }
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Where each tensor lies in a parsed file.
#[derive(Clone, Debug)]
struct Entry {
    name: String,
    dtype: Dtype,
    shape: Vec<usize>,
    /// Byte range in the whole file.
    start: usize,
    end: usize,
}

/// A safetensors file, its header checked, its tensors widened to `f32` one at a time
/// ([`tensor`](Self::tensor)), so only one tensor's `f32` copy need exist at once.
///
/// [`open`](Self::open) reads only the 8-byte length and the header, and each tensor's bytes
/// when it is asked for (in 1 MiB pieces, widened as they come): the peak memory is about one
/// tensor's `f32` copy, whatever the file's size. (Positioned reads rather than a memory map:
/// a map of a file that another process changes is undefined behaviour in Rust, and the crate
/// keeps `unsafe` to its SIMD kernels.) [`parse`](Self::parse) takes a whole file's bytes.
///
/// ```
/// use lowp::block::io::SafetensorsFile;
/// use safetensors::{serialize, tensor::TensorView, Dtype};
/// let w: Vec<u8> = [1.5f32, 2.5].iter().flat_map(|&v| half::f16::from_f32(v).to_le_bytes()).collect();
/// let ids: Vec<u8> = vec![0; 16];
/// let bytes = serialize(
///     [("w", TensorView::new(Dtype::F16, vec![1, 2], &w).unwrap()), ("ids", TensorView::new(Dtype::I64, vec![2], &ids).unwrap())],
///     None,
/// )
/// .unwrap();
/// let f = SafetensorsFile::parse(bytes.clone()).unwrap();
/// assert_eq!(f.len(), 2);
/// assert_eq!(f.names().collect::<Vec<_>>(), ["ids", "w"]); // file order: I64 first (wider)
/// assert!(f.tensor(0).unwrap().is_none());                  // I64: not read
/// assert_eq!(f.tensor(1).unwrap().unwrap().data, [1.5, 2.5]);
/// assert_eq!(f.skipped()[0].dtype, "I64");
/// let path = std::env::temp_dir().join(format!("lowp-doc-{}.safetensors", std::process::id()));
/// std::fs::write(&path, &bytes).unwrap();
/// let g = SafetensorsFile::open(&path).unwrap();           // header only; tensors on demand
/// assert_eq!(g.tensor(1).unwrap().unwrap().data, [1.5, 2.5]);
/// std::fs::remove_file(&path).unwrap();
/// assert!(SafetensorsFile::open("/dev/zero").is_err());     // not a regular file
/// ```
#[derive(Debug)]
pub struct SafetensorsFile {
    source: Source,
    entries: Vec<Entry>,
}

/// Where a file's bytes are.
#[derive(Debug)]
enum Source {
    Bytes(Vec<u8>),
    File { path: PathBuf, file: std::fs::File },
}

impl SafetensorsFile {
    /// Check the header of a whole file's bytes.
    pub fn parse(bytes: Vec<u8>) -> Result<SafetensorsFile, LoadError> {
        let entries = parse_entries(&bytes)?;
        Ok(SafetensorsFile { source: Source::Bytes(bytes), entries })
    }

    /// Open a file and check its header (only the length prefix and the header are read; a
    /// path that is not a regular file — a directory, a device, a pipe — is refused).
    pub fn open(path: impl AsRef<Path>) -> Result<SafetensorsFile, LoadError> {
        use std::io::Read;
        let path = path.as_ref();
        let io = |source| LoadError::Io { path: path.to_path_buf(), source };
        let file = std::fs::File::open(path).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        if !meta.is_file() {
            return Err(LoadError::NotRegularFile { path: path.to_path_buf() });
        }
        let len = meta.len();
        if len < 8 {
            return Err(LoadError::Truncated { what: "length prefix", needed: 8, len });
        }
        let mut prefix = [0u8; 8];
        (&file).read_exact(&mut prefix).map_err(io)?;
        let n = u64::from_le_bytes(prefix);
        if n > 100_000_000 {
            return Err(LoadError::Header(format!("header length {n} exceeds the 100 MB limit")));
        }
        if n + 8 > len {
            return Err(LoadError::Truncated { what: "header", needed: n + 8, len });
        }
        let mut header = prefix.to_vec();
        header.resize(8 + n as usize, 0);
        (&file).read_exact(&mut header[8..]).map_err(io)?;
        let entries = header_entries(&header, len)?;
        Ok(SafetensorsFile { source: Source::File { path: path.to_path_buf(), file }, entries })
    }

    /// Tensors in the file, readable or not.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the file holds no tensor.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The tensors' names, in file order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.name.as_str())
    }

    /// Tensor `i`'s shape.
    pub fn shape(&self, i: usize) -> &[usize] {
        &self.entries[i].shape
    }

    /// Tensor `i`'s dtype, if it is one that is read.
    pub fn dtype(&self, i: usize) -> Option<SourceDtype> {
        SourceDtype::from_safetensors(self.entries[i].dtype)
    }

    /// Tensor `i` widened to `f32`; `Ok(None)` for a dtype that is not read (see
    /// [`skipped`](Self::skipped)); an error if the file cannot be read (it changed or went
    /// away since [`open`](Self::open)).
    pub fn tensor(&self, i: usize) -> Result<Option<Tensor>, LoadError> {
        let e = &self.entries[i];
        let Some(dtype) = SourceDtype::from_safetensors(e.dtype) else {
            return Ok(None);
        };
        let mut data = Vec::with_capacity((e.end - e.start) / dtype.size());
        match &self.source {
            Source::Bytes(bytes) => dtype.widen(&bytes[e.start..e.end], &mut data),
            Source::File { path, file } => {
                use std::io::{Read, Seek, SeekFrom};
                let io = |source| LoadError::Io { path: path.clone(), source };
                let mut f = file;
                f.seek(SeekFrom::Start(e.start as u64)).map_err(io)?;
                // 1 MiB pieces, whole elements each.
                let piece = (1 << 20) / dtype.size() * dtype.size();
                let mut buf = vec![0u8; piece.min(e.end - e.start)];
                let mut left = e.end - e.start;
                while left > 0 {
                    let k = left.min(piece);
                    f.read_exact(&mut buf[..k]).map_err(io)?;
                    dtype.widen(&buf[..k], &mut data);
                    left -= k;
                }
            }
        }
        Ok(Some(Tensor { name: e.name.clone(), dtype, shape: e.shape.clone(), data }))
    }

    /// The tensors that are not read, in file order.
    pub fn skipped(&self) -> Vec<Skipped> {
        self.entries
            .iter()
            .filter(|e| SourceDtype::from_safetensors(e.dtype).is_none())
            .map(|e| Skipped { name: e.name.clone(), dtype: format!("{:?}", e.dtype), shape: e.shape.clone() })
            .collect()
    }

    /// Every readable tensor, widened, and the list of the others.
    pub fn into_weights(self) -> Result<Weights, LoadError> {
        let mut tensors = Vec::new();
        for i in 0..self.len() {
            tensors.extend(self.tensor(i)?);
        }
        Ok(Weights { tensors, skipped: self.skipped() })
    }
}

/// Read the tensors of a safetensors file's bytes (see the [module docs](self)).
pub fn read_safetensors(bytes: &[u8]) -> Result<Weights, LoadError> {
    let entries = parse_entries(bytes)?;
    let f = SafetensorsFile { source: Source::Bytes(Vec::new()), entries };
    // Widen straight from the borrowed bytes (no copy of the file).
    let mut w = Weights { tensors: Vec::new(), skipped: f.skipped() };
    for e in &f.entries {
        if let Some(dtype) = SourceDtype::from_safetensors(e.dtype) {
            let raw = &bytes[e.start..e.end];
            let mut data = Vec::with_capacity(raw.len() / dtype.size());
            dtype.widen(raw, &mut data);
            w.tensors.push(Tensor { name: e.name.clone(), dtype, shape: e.shape.clone(), data });
        }
    }
    Ok(w)
}

/// Read the tensors of a safetensors file.
pub fn load_safetensors(path: impl AsRef<Path>) -> Result<Weights, LoadError> {
    SafetensorsFile::open(path)?.into_weights()
}

/// Check the file and list its tensors in file order.
fn parse_entries(bytes: &[u8]) -> Result<Vec<Entry>, LoadError> {
    let len = bytes.len() as u64;
    if bytes.len() < 8 {
        return Err(LoadError::Truncated { what: "length prefix", needed: 8, len });
    }
    let n = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
    let header_end = n.saturating_add(8);
    // Above the crate's limit (100 MB) it says "too large"; below, a header past the end of the
    // file is a cut file.
    if header_end > len && n <= 100_000_000 {
        return Err(LoadError::Truncated { what: "header", needed: header_end, len });
    }
    let st = SafeTensors::deserialize(bytes).map_err(|e| map_error(e, bytes, n))?;
    let base = bytes.as_ptr() as usize;
    let mut entries: Vec<Entry> = st
        .tensors()
        .into_iter()
        .map(|(name, view)| {
            let data = view.data();
            // The view borrows `bytes`: its position in the file is a pointer difference.
            let start = data.as_ptr() as usize - base;
            Entry { name, dtype: view.dtype(), shape: view.shape().to_vec(), start, end: start + data.len() }
        })
        .collect();
    entries.sort_by(|a, b| (a.start, a.end, &a.name).cmp(&(b.start, b.end, &b.name)));
    Ok(entries)
}

/// Check a file's length prefix and header (`header` = those `8 + n` bytes of a file of `len`
/// bytes) and list its tensors in file order, without the data: the safetensors crate checks
/// the header (its reader wants the whole file, so a header whose data the buffer lacks comes
/// back as "incomplete buffer" — then the header itself was valid and is read again as
/// metadata), and the data section's size is checked against the file's length here.
fn header_entries(header: &[u8], len: u64) -> Result<Vec<Entry>, LoadError> {
    let n = header.len() as u64 - 8;
    let meta = match SafeTensors::read_metadata(header) {
        Ok((_, meta)) => meta,
        Err(SafeTensorError::MetadataIncompleteBuffer) => {
            serde_json::from_slice::<safetensors::tensor::Metadata>(&header[8..])
                .map_err(|e| LoadError::Header(format!("{e}")))?
        }
        Err(e) => return Err(map_error(e, header, n)),
    };
    let data_end = 8 + n + meta.data_len() as u64;
    if data_end > len {
        return Err(LoadError::Truncated { what: "tensor data", needed: data_end, len });
    }
    if data_end < len {
        return Err(LoadError::TrailingBytes { expected: data_end, len });
    }
    let mut entries: Vec<Entry> = meta
        .tensors()
        .into_iter()
        .map(|(name, info)| {
            let start = 8 + n as usize + info.data_offsets.0;
            Entry {
                name,
                dtype: info.dtype,
                shape: info.shape.clone(),
                start,
                end: 8 + n as usize + info.data_offsets.1,
            }
        })
        .collect();
    entries.sort_by(|a, b| (a.start, a.end, &a.name).cmp(&(b.start, b.end, &b.name)));
    Ok(entries)
}

/// The crate's error as a [`LoadError`]; `n` is the header length the file declares.
fn map_error(e: SafeTensorError, bytes: &[u8], n: u64) -> LoadError {
    let len = bytes.len() as u64;
    let header_end = n.saturating_add(8);
    match e {
        SafeTensorError::HeaderTooSmall => LoadError::Truncated { what: "length prefix", needed: 8, len },
        SafeTensorError::InvalidHeaderLength => LoadError::Truncated { what: "header", needed: header_end, len },
        SafeTensorError::HeaderTooLarge => LoadError::Header(format!("header length {n} exceeds the 100 MB limit")),
        SafeTensorError::InvalidHeader(_) => LoadError::Header("the header is not valid UTF-8".into()),
        SafeTensorError::InvalidHeaderDeserialization(e) => LoadError::Header(format!(
            "not a JSON object of tensors {{name: {{dtype, shape, data_offsets}}}} with known dtypes ({e})"
        )),
        SafeTensorError::InvalidOffset(tensor) => LoadError::Offsets { tensor },
        SafeTensorError::TensorInvalidInfo => {
            LoadError::DataLength("a tensor's data_offsets do not span shape × dtype size bytes".into())
        }
        SafeTensorError::ValidationOverflow => LoadError::DataLength("a tensor's shape × dtype size overflows".into()),
        SafeTensorError::MetadataIncompleteBuffer => {
            // The header is consistent; the data section is not the size it declares.
            match declared_data_end(&bytes[8..header_end as usize]) {
                Some(end) if header_end + end > len => {
                    LoadError::Truncated { what: "tensor data", needed: header_end + end, len }
                }
                Some(end) => LoadError::TrailingBytes { expected: header_end + end, len },
                None => LoadError::DataLength(format!(
                    "the data section ({} bytes) does not match the header's data offsets",
                    len - header_end
                )),
            }
        }
        other => LoadError::Header(format!("{other:?}")),
    }
}

/// The largest end offset of the `"data_offsets":[start,end]` entries of a header the
/// safetensors crate has accepted (so it is valid JSON); `None` if none is found.
fn declared_data_end(header: &[u8]) -> Option<u64> {
    let text = core::str::from_utf8(header).ok()?;
    let key = "\"data_offsets\"";
    let mut end = None;
    let mut rest = text;
    while let Some(p) = rest.find(key) {
        rest = &rest[p + key.len()..];
        let t = rest.trim_start().strip_prefix(':')?.trim_start();
        let Some(t) = t.strip_prefix('[') else { continue };
        let Some(close) = t.find(']') else { continue };
        let nums: Vec<u64> = t[..close].split(',').filter_map(|s| s.trim().parse().ok()).collect();
        if let [_, e] = nums[..] {
            end = Some(end.map_or(e, |m: u64| m.max(e)));
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use safetensors::{serialize, tensor::TensorView};

    fn file() -> Vec<u8> {
        let a: Vec<u8> = [1.0f32, 2.0, 3.0, 4.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let b: Vec<u8> = [0.5f32, -0.25].iter().flat_map(|&v| half::f16::from_f32(v).to_le_bytes()).collect();
        serialize(
            [
                ("a", TensorView::new(Dtype::F32, vec![2, 2], &a).unwrap()),
                ("b", TensorView::new(Dtype::F16, vec![2], &b).unwrap()),
            ],
            None,
        )
        .unwrap()
    }

    #[test]
    fn every_cut_is_an_error() {
        let f = file();
        assert_eq!(read_safetensors(&f).unwrap().tensors.len(), 2);
        for cut in 0..f.len() {
            assert!(read_safetensors(&f[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = f.clone();
        longer.push(0);
        assert!(matches!(read_safetensors(&longer), Err(LoadError::TrailingBytes { .. })));
        assert!(matches!(read_safetensors(&f[..f.len() - 2]), Err(LoadError::Truncated { what: "tensor data", .. })));
    }

    #[test]
    fn every_byte_flip_is_handled() {
        let f = file();
        for i in 0..f.len() {
            for x in [0x01u8, 0x20, 0x80, 0xff] {
                let mut g = f.clone();
                g[i] ^= x;
                let _ = read_safetensors(&g); // must not panic
            }
        }
    }
}
