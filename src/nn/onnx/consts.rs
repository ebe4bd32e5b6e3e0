//! Constant tensors met while importing (initializers, `Constant` nodes and folded shape
//! arithmetic): `f32` or `i64` elements, and the folding operations on them.

use super::proto::tensor_proto::DataType;
use super::proto::TensorProto;
use crate::nn::{BinaryOp, NnError};

/// The most elements a folded constant may have (broadcasting two small constants can ask
/// for far more memory than the model holds).
pub(super) const MAX_FOLD_ELEMS: usize = 1 << 26;

/// The elements of a constant.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Data {
    F32(Vec<f32>),
    I64(Vec<i64>),
}

impl Data {
    /// No elements, of the same type.
    fn empty_like(&self) -> Data {
        match self {
            Data::F32(_) => Data::F32(Vec::new()),
            Data::I64(_) => Data::I64(Vec::new()),
        }
    }
}

/// A constant tensor with the name it came from (for error messages).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Const {
    pub name: String,
    pub shape: Vec<usize>,
    pub data: Data,
}

/// The element count of `shape`, `None` on overflow.
pub(super) fn numel(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d))
}

fn model(msg: String) -> NnError {
    NnError::Model(msg)
}

fn label(name: &str) -> &str {
    if name.is_empty() {
        "(unnamed)"
    } else {
        name
    }
}

/// Elements of a fixed width from `raw_data`, after checking the byte count.
fn raw<T, const W: usize>(t: &TensorProto, n: usize, f: impl Fn([u8; W]) -> T) -> Result<Vec<T>, NnError> {
    let name = label(&t.name);
    if !t.raw_data.len().is_multiple_of(W) {
        return Err(model(format!(
            "tensor `{name}`: raw_data has {} bytes, not a multiple of the element size {W}",
            t.raw_data.len()
        )));
    }
    if t.raw_data.len() / W != n {
        return Err(model(format!(
            "tensor `{name}`: shape {:?} needs {n} elements, raw_data holds {}",
            t.dims,
            t.raw_data.len() / W
        )));
    }
    Ok(t.raw_data.chunks_exact(W).map(|c| f(c.try_into().expect("chunks_exact"))).collect())
}

/// The typed field's elements, after checking the count.
fn typed<S: Copy, T>(t: &TensorProto, field: &str, src: &[S], n: usize, f: impl Fn(S) -> T) -> Result<Vec<T>, NnError> {
    if src.len() != n {
        return Err(model(format!(
            "tensor `{}`: shape {:?} needs {n} elements, {field} holds {}",
            label(&t.name),
            t.dims,
            src.len()
        )));
    }
    Ok(src.iter().map(|&x| f(x)).collect())
}

impl Const {
    /// Decodes a `TensorProto` (numeric types; floats become `f32`, integers `i64`).
    pub(super) fn from_proto(t: &TensorProto) -> Result<Const, NnError> {
        let name = label(&t.name).to_string();
        if t.data_location == 1 || !t.external_data.is_empty() {
            let loc = t.external_data.iter().find(|e| e.key == "location").map(|e| e.value.as_str()).unwrap_or("?");
            return Err(model(format!(
                "tensor `{name}` keeps its data in an external file (`{loc}`); external data is not supported"
            )));
        }
        let mut shape = Vec::with_capacity(t.dims.len().min(64));
        for &d in &t.dims {
            let d = usize::try_from(d).map_err(|_| model(format!("tensor `{name}` has a negative dimension {d}")))?;
            shape.push(d);
        }
        let n = numel(&shape).ok_or_else(|| model(format!("tensor `{name}`: the shape {shape:?} overflows")))?;
        let has_raw = !t.raw_data.is_empty() || n == 0;
        let dt = DataType::try_from(t.data_type).ok();
        let data = match dt {
            Some(DataType::Float) if has_raw && t.float_data.is_empty() => Data::F32(raw(t, n, f32::from_le_bytes)?),
            Some(DataType::Float) => Data::F32(typed(t, "float_data", &t.float_data, n, |x| x)?),
            Some(DataType::Double) if has_raw && t.double_data.is_empty() => {
                Data::F32(raw(t, n, |b| f64::from_le_bytes(b) as f32)?)
            }
            Some(DataType::Double) => Data::F32(typed(t, "double_data", &t.double_data, n, |x| x as f32)?),
            Some(DataType::Float16) if has_raw && t.int32_data.is_empty() => {
                Data::F32(raw(t, n, |b| half::f16::from_le_bytes(b).to_f32())?)
            }
            Some(DataType::Float16) => {
                Data::F32(typed(t, "int32_data", &t.int32_data, n, |x| half::f16::from_bits(x as u16).to_f32())?)
            }
            Some(DataType::Bfloat16) if has_raw && t.int32_data.is_empty() => {
                Data::F32(raw(t, n, |b| half::bf16::from_le_bytes(b).to_f32())?)
            }
            Some(DataType::Bfloat16) => {
                Data::F32(typed(t, "int32_data", &t.int32_data, n, |x| half::bf16::from_bits(x as u16).to_f32())?)
            }
            Some(DataType::Int64) if has_raw && t.int64_data.is_empty() => Data::I64(raw(t, n, i64::from_le_bytes)?),
            Some(DataType::Int64) => Data::I64(typed(t, "int64_data", &t.int64_data, n, |x| x)?),
            Some(DataType::Int32) if has_raw && t.int32_data.is_empty() => {
                Data::I64(raw(t, n, |b| i64::from(i32::from_le_bytes(b)))?)
            }
            Some(DataType::Int16) if has_raw && t.int32_data.is_empty() => {
                Data::I64(raw(t, n, |b| i64::from(i16::from_le_bytes(b)))?)
            }
            Some(DataType::Int8) if has_raw && t.int32_data.is_empty() => {
                Data::I64(raw(t, n, |b: [u8; 1]| i64::from(b[0] as i8))?)
            }
            Some(DataType::Uint8 | DataType::Bool) if has_raw && t.int32_data.is_empty() => {
                Data::I64(raw(t, n, |b: [u8; 1]| i64::from(b[0]))?)
            }
            Some(DataType::Uint16) if has_raw && t.int32_data.is_empty() => {
                Data::I64(raw(t, n, |b| i64::from(u16::from_le_bytes(b)))?)
            }
            Some(
                DataType::Int32
                | DataType::Int16
                | DataType::Int8
                | DataType::Uint8
                | DataType::Uint16
                | DataType::Bool,
            ) => Data::I64(typed(t, "int32_data", &t.int32_data, n, i64::from)?),
            _ => {
                let what = dt.map(|d| format!("{d:?}")).unwrap_or_else(|| "unknown".into());
                return Err(model(format!(
                    "tensor `{name}` has data type {} ({what}), which is not supported",
                    t.data_type
                )));
            }
        };
        Ok(Const { name, shape, data })
    }

    /// The element count.
    pub(super) fn len(&self) -> usize {
        match &self.data {
            Data::F32(v) => v.len(),
            Data::I64(v) => v.len(),
        }
    }

    /// The `i64` elements, or `None` for a float constant.
    pub(super) fn ints(&self) -> Option<&[i64]> {
        match &self.data {
            Data::I64(v) => Some(v),
            Data::F32(_) => None,
        }
    }

    /// The same elements under another shape (same element count, checked by the caller).
    pub(super) fn with_shape(mut self, shape: Vec<usize>, name: &str) -> Const {
        self.shape = shape;
        self.name = name.to_string();
        self
    }

    /// Converts to `f32` (`to_float`) or `i64` (truncating toward zero; non-finite → error).
    pub(super) fn cast(self, to_float: bool, name: &str) -> Result<Const, String> {
        let data = match (self.data, to_float) {
            (Data::F32(v), true) => Data::F32(v),
            (Data::I64(v), true) => Data::F32(v.into_iter().map(|x| x as f32).collect()),
            (Data::I64(v), false) => Data::I64(v),
            (Data::F32(v), false) => {
                let mut out = Vec::with_capacity(v.len());
                for x in v {
                    if !x.is_finite() || x.abs() >= 9.2e18 {
                        return Err(format!("cannot cast {x} to an integer"));
                    }
                    out.push(x.trunc() as i64);
                }
                Data::I64(out)
            }
        };
        Ok(Const { name: name.to_string(), shape: self.shape, data })
    }

    /// Elementwise `self op other` with numpy broadcasting (both `f32` or both `i64`).
    pub(super) fn binary(&self, op: BinaryOp, other: &Const, name: &str) -> Result<Const, String> {
        let shape = broadcast(&self.shape, &other.shape)
            .ok_or_else(|| format!("shapes {:?} and {:?} do not broadcast", self.shape, other.shape))?;
        let n = numel(&shape).filter(|&n| n <= MAX_FOLD_ELEMS).ok_or("the folded result is too large")?;
        if n == 0 {
            return Ok(Const { name: name.to_string(), shape, data: self.data.empty_like() });
        }
        let ia = bcast_index(&self.shape, &shape, n);
        let ib = bcast_index(&other.shape, &shape, n);
        let data = match (&self.data, &other.data) {
            (Data::F32(a), Data::F32(b)) => Data::F32(
                ia.zip(ib)
                    .map(|(i, j)| {
                        let (x, y) = (a[i], b[j]);
                        match op {
                            BinaryOp::Add => x + y,
                            BinaryOp::Sub => x - y,
                            BinaryOp::Mul => x * y,
                            BinaryOp::Div => x / y,
                        }
                    })
                    .collect(),
            ),
            (Data::I64(a), Data::I64(b)) => {
                let mut out = Vec::with_capacity(n);
                for (i, j) in ia.zip(ib) {
                    let (x, y) = (a[i], b[j]);
                    let r = match op {
                        BinaryOp::Add => x.checked_add(y),
                        BinaryOp::Sub => x.checked_sub(y),
                        BinaryOp::Mul => x.checked_mul(y),
                        BinaryOp::Div => x.checked_div(y),
                    };
                    out.push(r.ok_or_else(|| format!("integer {op:?} of {x} and {y} overflows or divides by zero"))?);
                }
                Data::I64(out)
            }
            _ => return Err("operands of different element types (float and integer)".into()),
        };
        Ok(Const { name: name.to_string(), shape, data })
    }

    /// Permutes the axes (`perm` already checked to be a permutation of `0..rank`).
    pub(super) fn transpose(&self, perm: &[usize], name: &str) -> Const {
        let rank = self.shape.len();
        let shape: Vec<usize> = perm.iter().map(|&p| self.shape[p]).collect();
        if self.len() == 0 {
            return Const { name: name.to_string(), shape, data: self.data.empty_like() };
        }
        let mut strides = vec![1usize; rank];
        for i in (0..rank.saturating_sub(1)).rev() {
            strides[i] = strides[i + 1] * self.shape[i + 1];
        }
        let n = self.len();
        let mut idx = vec![0usize; rank];
        let mut src = Vec::with_capacity(n);
        for _ in 0..n {
            src.push(idx.iter().zip(perm).map(|(&i, &p)| i * strides[p]).sum::<usize>());
            for a in (0..rank).rev() {
                idx[a] += 1;
                if idx[a] < shape[a] {
                    break;
                }
                idx[a] = 0;
            }
        }
        let data = match &self.data {
            Data::F32(v) => Data::F32(src.iter().map(|&i| v[i]).collect()),
            Data::I64(v) => Data::I64(src.iter().map(|&i| v[i]).collect()),
        };
        Const { name: name.to_string(), shape, data }
    }

    /// Picks `indices` (already non-negative and in range) along `axis`.
    pub(super) fn gather(
        &self,
        axis: usize,
        indices: &[usize],
        idx_shape: &[usize],
        name: &str,
    ) -> Result<Const, String> {
        let mut shape = self.shape[..axis].to_vec();
        shape.extend_from_slice(idx_shape);
        shape.extend_from_slice(&self.shape[axis + 1..]);
        let n = numel(&shape).filter(|&n| n <= MAX_FOLD_ELEMS).ok_or("the folded result is too large")?;
        if n == 0 || self.len() == 0 {
            return Ok(Const { name: name.to_string(), shape, data: self.data.empty_like() });
        }
        let outer: usize = self.shape[..axis].iter().product();
        let inner: usize = self.shape[axis + 1..].iter().product();
        let dim = self.shape[axis];
        fn pick<T: Copy>(v: &[T], outer: usize, dim: usize, inner: usize, ix: &[usize]) -> Vec<T> {
            let mut out = Vec::with_capacity(outer * ix.len() * inner);
            for o in 0..outer {
                for &i in ix {
                    let s = (o * dim + i) * inner;
                    out.extend_from_slice(&v[s..s + inner]);
                }
            }
            out
        }
        let data = match &self.data {
            Data::F32(v) => Data::F32(pick(v, outer, dim, inner, indices)),
            Data::I64(v) => Data::I64(pick(v, outer, dim, inner, indices)),
        };
        Ok(Const { name: name.to_string(), shape, data })
    }

    /// Joins constants of one element type along `axis` (shapes checked here).
    pub(super) fn concat(parts: &[&Const], axis: usize, name: &str) -> Result<Const, String> {
        let first = parts.first().ok_or("Concat of nothing")?;
        let rank = first.shape.len();
        if axis >= rank {
            return Err(format!("axis {axis} out of range for rank {rank}"));
        }
        let mut shape = first.shape.clone();
        shape[axis] = 0;
        for p in parts {
            if p.shape.len() != rank || p.shape.iter().enumerate().any(|(i, &d)| i != axis && d != first.shape[i]) {
                return Err(format!("shapes {:?} and {:?} do not concatenate on axis {axis}", first.shape, p.shape));
            }
            shape[axis] = shape[axis].checked_add(p.shape[axis]).ok_or("the result is too large")?;
        }
        let n = numel(&shape).filter(|&n| n <= MAX_FOLD_ELEMS).ok_or("the folded result is too large")?;
        if n == 0 {
            let data = if parts.iter().all(|p| matches!(p.data, Data::F32(_))) {
                Data::F32(vec![])
            } else if parts.iter().all(|p| matches!(p.data, Data::I64(_))) {
                Data::I64(vec![])
            } else {
                return Err("operands of different element types (float and integer)".into());
            };
            return Ok(Const { name: name.to_string(), shape, data });
        }
        let outer: usize = first.shape[..axis].iter().product();
        fn join<T: Copy>(parts: &[&[T]], chunks: &[usize], outer: usize) -> Vec<T> {
            let mut out = Vec::new();
            for o in 0..outer {
                for (p, &c) in parts.iter().zip(chunks) {
                    out.extend_from_slice(&p[o * c..(o + 1) * c]);
                }
            }
            out
        }
        let chunks: Vec<usize> = parts.iter().map(|p| p.shape[axis..].iter().product()).collect();
        let data = if parts.iter().all(|p| matches!(p.data, Data::F32(_))) {
            let v: Vec<&[f32]> =
                parts.iter().map(|p| if let Data::F32(v) = &p.data { &v[..] } else { &[][..] }).collect();
            Data::F32(join(&v, &chunks, outer))
        } else if parts.iter().all(|p| matches!(p.data, Data::I64(_))) {
            let v: Vec<&[i64]> =
                parts.iter().map(|p| if let Data::I64(v) = &p.data { &v[..] } else { &[][..] }).collect();
            Data::I64(join(&v, &chunks, outer))
        } else {
            return Err("operands of different element types (float and integer)".into());
        };
        Ok(Const { name: name.to_string(), shape, data })
    }
}

/// The numpy broadcast of two shapes.
pub(super) fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let r = a.len().max(b.len());
    (0..r)
        .map(|i| {
            let x = if i + a.len() >= r { a[i + a.len() - r] } else { 1 };
            let y = if i + b.len() >= r { b[i + b.len() - r] } else { 1 };
            match (x, y) {
                _ if x == y => Some(x),
                (1, _) => Some(y),
                (_, 1) => Some(x),
                _ => None,
            }
        })
        .collect()
}

/// For each element of the broadcast `out` shape (row-major), the index into a tensor of
/// shape `s`.
fn bcast_index<'a>(s: &'a [usize], out: &'a [usize], n: usize) -> impl Iterator<Item = usize> + 'a {
    let r = out.len();
    let off = r - s.len();
    let mut strides = vec![0usize; r];
    let mut st = 1usize;
    for i in (0..s.len()).rev() {
        strides[i + off] = if s[i] == 1 { 0 } else { st };
        st *= s[i];
    }
    let mut idx = vec![0usize; r];
    (0..n).map(move |_| {
        let at = idx.iter().zip(&strides).map(|(i, s)| i * s).sum();
        for a in (0..r).rev() {
            idx[a] += 1;
            if idx[a] < out[a] {
                break;
            }
            idx[a] = 0;
        }
        at
    })
}
