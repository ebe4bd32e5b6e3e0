//! NumPy's `.npy` files of little-endian `f32` (`'<f4'`) in C order: the interchange format
//! for logits and activations compared against other runtimes (onnxruntime, PyTorch).
//!
//! Written files use format version 1.0: the magic `\x93NUMPY`, the version bytes `1 0`, a
//! little-endian `u16` header length, and the header — a Python dict literal
//! `{'descr': '<f4', 'fortran_order': False, 'shape': (…), }` padded with spaces to a multiple
//! of 64 bytes and ending in a newline — then the elements. Versions 2.0 and 3.0 (a `u32`
//! header length) are read too.
//!
//! The format is small enough to write out here; a parser of Python literals for the
//! header would be the largest part of a dependency.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use lowp::nn::npy::{read_npy_f32, write_npy_f32};
//! let path = std::env::temp_dir().join(format!("lowp-doc-npy-{}.npy", std::process::id()));
//! write_npy_f32(&path, &[2, 3], &[0.0, 1.0, 2.0, 3.0, 4.0, -5.5])?;
//! let t = read_npy_f32(&path)?;
//! std::fs::remove_file(&path)?;
//! assert_eq!(t.shape(), &[2, 3]);
//! assert_eq!(t.data()[5], -5.5);
//! # Ok(())
//! # }
//! ```

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;

use super::{NnError, Tensor};

const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// The longest header accepted when reading (NumPy itself refuses more than 10 000 bytes by
/// default).
const MAX_HEADER: usize = 1 << 16;

fn shape_text(shape: &[usize]) -> String {
    match shape {
        [] => "()".into(),
        [d] => format!("({d},)"),
        _ => format!("({})", shape.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")),
    }
}

/// Writes `data` of `shape` (row-major) as a `.npy` file of `'<f4'` to `path`.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let path = std::env::temp_dir().join(format!("lowp-doc-npy-w-{}.npy", std::process::id()));
/// lowp::nn::npy::write_npy_f32(&path, &[4], &[1.0, 2.0, 3.0, 4.0])?;
/// let bytes = std::fs::read(&path)?;
/// std::fs::remove_file(&path)?;
/// assert_eq!(bytes.len(), 128 + 16); // the header is padded to a multiple of 64 bytes
/// assert!(bytes.starts_with(b"\x93NUMPY\x01\x00"));
/// // The element count must match the shape.
/// assert!(lowp::nn::npy::write_npy_f32(&path, &[3], &[1.0]).is_err());
/// # Ok(())
/// # }
/// ```
pub fn write_npy_f32(path: impl AsRef<Path>, shape: &[usize], data: &[f32]) -> Result<(), NnError> {
    let path = path.as_ref();
    check_count(shape, data.len())?;
    let ctx = |e: io::Error| NnError::Data(format!("cannot write {}: {e}", path.display()));
    let mut w = BufWriter::new(File::create(path).map_err(ctx)?);
    write_npy_f32_to(&mut w, shape, data)?;
    w.flush().map_err(ctx)
}

fn check_count(shape: &[usize], len: usize) -> Result<(), NnError> {
    match shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)) {
        Some(n) if n == len => Ok(()),
        Some(n) => Err(NnError::Shape(format!("shape {shape:?} needs {n} elements, got {len}"))),
        None => Err(NnError::Shape(format!("shape {shape:?} overflows"))),
    }
}

/// Writes `data` of `shape` (row-major) in the `.npy` format to a writer.
///
/// ```
/// let mut bytes = Vec::new();
/// lowp::nn::npy::write_npy_f32_to(&mut bytes, &[], &[2.5]).unwrap();
/// let t = lowp::nn::npy::read_npy_f32_from(&bytes[..]).unwrap();
/// assert_eq!((t.shape(), t.data()), (&[][..], &[2.5][..]));
/// ```
pub fn write_npy_f32_to(mut w: impl Write, shape: &[usize], data: &[f32]) -> Result<(), NnError> {
    check_count(shape, data.len())?;
    let mut dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {}, }}", shape_text(shape));
    // Pad so that magic, version, length, dict and the newline fill a multiple of 64 bytes.
    let (version, len_bytes) = if dict.len() + 64 <= u16::MAX as usize { (1u8, 2) } else { (2, 4) };
    let fixed = MAGIC.len() + 2 + len_bytes;
    let total = (fixed + dict.len() + 1).div_ceil(64) * 64;
    dict.extend(std::iter::repeat_n(' ', total - fixed - dict.len() - 1));
    dict.push('\n');
    let ctx = |e: io::Error| NnError::Data(format!("cannot write .npy data: {e}"));
    w.write_all(MAGIC).map_err(ctx)?;
    w.write_all(&[version, 0]).map_err(ctx)?;
    if version == 1 {
        w.write_all(&(dict.len() as u16).to_le_bytes()).map_err(ctx)?;
    } else {
        w.write_all(&(dict.len() as u32).to_le_bytes()).map_err(ctx)?;
    }
    w.write_all(dict.as_bytes()).map_err(ctx)?;
    let mut buf = Vec::with_capacity(data.len().min(1 << 14) * 4);
    for chunk in data.chunks(1 << 14) {
        buf.clear();
        buf.extend(chunk.iter().flat_map(|x| x.to_le_bytes()));
        w.write_all(&buf).map_err(ctx)?;
    }
    Ok(())
}

/// Reads a `.npy` file of `'<f4'` in C order, any rank. Other element types, Fortran order,
/// a corrupt header, a short file and bytes after the data are errors naming the path.
///
/// ```
/// let e = lowp::nn::npy::read_npy_f32("/nonexistent.npy").unwrap_err();
/// assert!(e.to_string().contains("/nonexistent.npy"));
/// ```
pub fn read_npy_f32(path: impl AsRef<Path>) -> Result<Tensor, NnError> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| NnError::Data(format!("{}: {e}", path.display())))?;
    read_npy_f32_from(BufReader::new(file)).map_err(|e| match e {
        NnError::Data(m) => NnError::Data(format!("{}: {m}", path.display())),
        e => e,
    })
}

/// Reads `.npy` data of `'<f4'` in C order from a reader (see [`read_npy_f32`]).
///
/// ```
/// use lowp::nn::npy::read_npy_f32_from;
/// assert!(read_npy_f32_from(&b"\x93NUMPY\x01\x00"[..]).is_err()); // truncated
/// assert!(read_npy_f32_from(&b"PK\x03\x04 an .npz archive"[..]).is_err());
/// ```
pub fn read_npy_f32_from(mut r: impl Read) -> Result<Tensor, NnError> {
    let ctx = |e: io::Error| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            NnError::Data("truncated .npy header".into())
        } else {
            NnError::Data(format!("cannot read .npy data: {e}"))
        }
    };
    let mut pre = [0u8; 8];
    r.read_exact(&mut pre).map_err(ctx)?;
    if &pre[..6] != MAGIC {
        return Err(NnError::Data("not a .npy file (no \\x93NUMPY magic)".into()));
    }
    let header_len = match pre[6] {
        1 => {
            let mut b = [0u8; 2];
            r.read_exact(&mut b).map_err(ctx)?;
            u16::from_le_bytes(b) as usize
        }
        2 | 3 => {
            let mut b = [0u8; 4];
            r.read_exact(&mut b).map_err(ctx)?;
            u32::from_le_bytes(b) as usize
        }
        v => return Err(NnError::Data(format!(".npy format version {v}.{} is not supported (1 to 3)", pre[7]))),
    };
    if header_len > MAX_HEADER {
        return Err(NnError::Data(format!(".npy header of {header_len} bytes: refused (at most {MAX_HEADER})")));
    }
    let mut header = vec![0u8; header_len];
    r.read_exact(&mut header).map_err(ctx)?;
    let header = std::str::from_utf8(&header).map_err(|_| NnError::Data(".npy header is not text".into()))?;
    let h = parse_header(header)?;
    if h.descr != "<f4" {
        return Err(NnError::Data(format!(
            ".npy element type '{}' is not supported: only '<f4' (little-endian float32)",
            h.descr
        )));
    }
    if h.fortran_order && h.shape.len() > 1 {
        return Err(NnError::Data(".npy data in Fortran order is not supported: only C order".into()));
    }
    let n = h
        .shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .and_then(|n| n.checked_mul(4))
        .ok_or_else(|| NnError::Data(format!(".npy shape {:?} overflows", h.shape)))?;
    // Read incrementally: the header's count is not trusted for the allocation.
    let mut bytes = Vec::with_capacity(n.min(1 << 20));
    (&mut r).take(n as u64).read_to_end(&mut bytes).map_err(ctx)?;
    if bytes.len() < n {
        return Err(NnError::Data(format!(
            "truncated .npy data: shape {:?} needs {n} bytes, got {}",
            h.shape,
            bytes.len()
        )));
    }
    let mut extra = [0u8; 1];
    loop {
        match r.read(&mut extra) {
            Ok(0) => break,
            Ok(_) => {
                return Err(NnError::Data(format!(".npy data longer than its shape {:?} says ({n} bytes)", h.shape)))
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ctx(e)),
        }
    }
    let data = bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    Tensor::new(h.shape, data)
}

struct Header {
    descr: String,
    fortran_order: bool,
    shape: Vec<usize>,
}

/// One value of the header dict.
enum Value {
    Str(String),
    Bool(bool),
    Tuple(Vec<usize>),
}

/// A parser of the header dict: string keys; string, boolean and integer-tuple values.
struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn bad(&self, what: &str) -> NnError {
        NnError::Data(format!("corrupt .npy header ({what} at byte {}): {:?}", self.pos, self.s.trim_end()))
    }

    fn skip_ws(&mut self) {
        while self.s[self.pos..].starts_with([' ', '\t', '\n', '\r']) {
            self.pos += 1;
        }
    }

    /// Consumes `c` after optional white space, if it is there.
    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.s[self.pos..].starts_with(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), NnError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.bad(&format!("expected `{c}`")))
        }
    }

    fn string(&mut self) -> Result<String, NnError> {
        self.skip_ws();
        let rest = &self.s[self.pos..];
        let Some(q) = rest.chars().next().filter(|&c| c == '\'' || c == '"') else {
            return Err(self.bad("expected a string"));
        };
        let Some(end) = rest[1..].find(q) else {
            return Err(self.bad("unterminated string"));
        };
        let v = rest[1..1 + end].to_string();
        if v.contains('\\') {
            return Err(self.bad("escape in a string"));
        }
        self.pos += end + 2;
        Ok(v)
    }

    fn value(&mut self) -> Result<Value, NnError> {
        self.skip_ws();
        let rest = &self.s[self.pos..];
        if rest.starts_with(['\'', '"']) {
            return self.string().map(Value::Str);
        }
        for (word, b) in [("True", true), ("False", false)] {
            if rest.starts_with(word) {
                self.pos += word.len();
                return Ok(Value::Bool(b));
            }
        }
        if self.eat('(') {
            let mut dims = Vec::new();
            loop {
                if self.eat(')') {
                    break;
                }
                self.skip_ws();
                let digits = self.s[self.pos..].bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 {
                    return Err(self.bad("expected a dimension"));
                }
                let d = self.s[self.pos..self.pos + digits].parse().map_err(|_| self.bad("dimension too large"))?;
                self.pos += digits;
                dims.push(d);
                if !self.eat(',') {
                    self.expect(')')?;
                    break;
                }
            }
            return Ok(Value::Tuple(dims));
        }
        Err(self.bad("expected a value"))
    }
}

fn parse_header(s: &str) -> Result<Header, NnError> {
    let mut p = Parser { s, pos: 0 };
    p.expect('{')?;
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    loop {
        if p.eat('}') {
            break;
        }
        let key = p.string()?;
        p.expect(':')?;
        let at = p.pos;
        match (key.as_str(), p.value()?) {
            ("descr", Value::Str(v)) if descr.is_none() => descr = Some(v),
            ("fortran_order", Value::Bool(v)) if fortran.is_none() => fortran = Some(v),
            ("shape", Value::Tuple(v)) if shape.is_none() => shape = Some(v),
            (k, _) => {
                p.pos = at;
                return Err(p.bad(&format!("unexpected or repeated entry '{k}'")));
            }
        }
        if !p.eat(',') {
            p.expect('}')?;
            break;
        }
    }
    p.skip_ws();
    if p.pos != s.len() {
        return Err(p.bad("text after the dict"));
    }
    match (descr, fortran, shape) {
        (Some(descr), Some(fortran_order), Some(shape)) => Ok(Header { descr, fortran_order, shape }),
        _ => Err(p.bad("missing 'descr', 'fortran_order' or 'shape'")),
    }
}
