//! The layers without weights, in `f32` (see the [module docs](super) for their arithmetic).

use super::graph::{BinaryOp, Pool2d};
use super::{NnError, Tensor};

fn shape_err(node: &str, m: impl core::fmt::Display) -> NnError {
    NnError::Shape(format!("node `{node}`: {m}"))
}

/// `[n, c, h, w]` of a rank-4 input.
pub(crate) fn nchw(x: &Tensor, node: &str) -> Result<[usize; 4], NnError> {
    match *x.shape() {
        [n, c, h, w] => Ok([n, c, h, w]),
        ref s => Err(shape_err(node, format!("expects an [n, c, h, w] input, got {s:?}"))),
    }
}

/// Output length of a pooling window along one axis (ONNX's rule: in ceil mode the last window
/// must start inside the input or the leading padding). `None` when the window does not fit.
pub(crate) fn pool_len(len: usize, k: usize, s: usize, pb: usize, pe: usize, ceil: bool) -> Option<usize> {
    let padded = len + pb + pe;
    if k == 0 || s == 0 || padded < k {
        return None;
    }
    let span = padded - k;
    let mut out = if ceil { span.div_ceil(s) + 1 } else { span / s + 1 };
    if ceil && (out - 1) * s >= len + pb {
        out -= 1;
    }
    Some(out)
}

/// Max or average pooling.
pub(crate) fn pool(x: &Tensor, p: &Pool2d, max: bool, node: &str) -> Result<Tensor, NnError> {
    let [n, c, h, w] = nchw(x, node)?;
    let [kh, kw] = p.kernel;
    let [sh, sw] = p.stride;
    let [pt, pl, pb, pr] = p.pads;
    if pt >= kh.max(1) || pb >= kh.max(1) || pl >= kw.max(1) || pr >= kw.max(1) {
        return Err(shape_err(node, format!("pads {:?} must be smaller than the window {:?}", p.pads, p.kernel)));
    }
    let bad = || shape_err(node, format!("window {:?} stride {:?} does not fit a {h}×{w} input", p.kernel, p.stride));
    let oh = pool_len(h, kh, sh, pt, pb, p.ceil_mode).ok_or_else(bad)?;
    let ow = pool_len(w, kw, sw, pl, pr, p.ceil_mode).ok_or_else(bad)?;
    let mut out = vec![0f32; n * c * oh * ow];
    let xd = x.data();
    // The usual 2×2 max window with stride 2 and no padding: the same maximum, without the
    // window bookkeeping.
    if max && p.kernel == [2, 2] && p.stride == [2, 2] && p.pads == [0; 4] && oh == h / 2 && ow == w / 2 {
        for (plane, o) in xd.chunks_exact(h * w).zip(out.chunks_exact_mut(oh * ow)) {
            for (oy, orow) in o.chunks_exact_mut(ow).enumerate() {
                let (r0, r1) = (&plane[2 * oy * w..][..2 * ow], &plane[(2 * oy + 1) * w..][..2 * ow]);
                for (ox, v) in orow.iter_mut().enumerate() {
                    let m = f32::NEG_INFINITY.max(r0[2 * ox]).max(r0[2 * ox + 1]);
                    *v = m.max(r1[2 * ox]).max(r1[2 * ox + 1]);
                }
            }
        }
        return Tensor::new(vec![n, c, oh, ow], out);
    }
    for (plane, o) in xd.chunks_exact(h * w).zip(out.chunks_exact_mut(oh * ow)) {
        for oy in 0..oh {
            let y0 = (oy * sh) as isize - pt as isize;
            let (ya, yb) = (y0.max(0) as usize, ((y0 + kh as isize) as usize).min(h));
            let yc = ((y0 + kh as isize) as usize).min(h + pb);
            for ox in 0..ow {
                let x0 = (ox * sw) as isize - pl as isize;
                let (xa, xb) = (x0.max(0) as usize, ((x0 + kw as isize) as usize).min(w));
                let v = if max {
                    let mut m = f32::NEG_INFINITY;
                    for yy in ya..yb {
                        for &v in &plane[yy * w + xa..yy * w + xb] {
                            m = m.max(v);
                        }
                    }
                    m
                } else {
                    let mut s = 0f64;
                    for yy in ya..yb {
                        for &v in &plane[yy * w + xa..yy * w + xb] {
                            s += v as f64;
                        }
                    }
                    let count = if p.count_include_pad {
                        let xc = ((x0 + kw as isize) as usize).min(w + pr);
                        (yc as isize - y0) as usize * (xc as isize - x0) as usize
                    } else {
                        (yb - ya) * (xb - xa)
                    };
                    (s / count as f64) as f32
                };
                o[oy * ow + ox] = v;
            }
        }
    }
    Tensor::new(vec![n, c, oh, ow], out)
}

/// Mean over `h × w` per channel.
pub(crate) fn global_avg(x: &Tensor, node: &str) -> Result<Tensor, NnError> {
    let [n, c, h, w] = nchw(x, node)?;
    let hw = h * w;
    if hw == 0 {
        return Err(shape_err(node, "global average of an empty plane"));
    }
    let out =
        x.data().chunks_exact(hw).map(|p| (p.iter().map(|&v| v as f64).sum::<f64>() / hw as f64) as f32).collect();
    Tensor::new(vec![n, c, 1, 1], out)
}

/// ONNX Flatten.
pub(crate) fn flatten(x: Tensor, axis: usize, node: &str) -> Result<Tensor, NnError> {
    let s = x.shape();
    if axis > s.len() {
        return Err(shape_err(node, format!("flatten axis {axis} of a rank-{} input", s.len())));
    }
    let a: usize = s[..axis].iter().product();
    let b: usize = s[axis..].iter().product();
    x.reshape(vec![a, b])
}

/// ONNX Reshape (`0` copies the input's dimension, one `-1` takes the rest).
pub(crate) fn reshape(x: Tensor, target: &[i64], node: &str) -> Result<Tensor, NnError> {
    let s = x.shape().to_vec();
    let mut out = Vec::with_capacity(target.len());
    let mut infer = None;
    for (i, &t) in target.iter().enumerate() {
        match t {
            0 => out.push(*s.get(i).ok_or_else(|| {
                shape_err(node, format!("reshape target {target:?}: 0 at {i} copies no dimension of {s:?}"))
            })?),
            -1 if infer.is_none() => {
                infer = Some(i);
                out.push(1);
            }
            t if t > 0 => out.push(t as usize),
            _ => return Err(shape_err(node, format!("invalid reshape target {target:?}"))),
        }
    }
    let total = x.len();
    if let Some(i) = infer {
        let known: usize = out.iter().product();
        if known == 0 || !total.is_multiple_of(known) {
            return Err(shape_err(node, format!("cannot reshape {s:?} to {target:?}")));
        }
        out[i] = total / known;
    }
    if out.iter().product::<usize>() != total {
        return Err(shape_err(node, format!("cannot reshape {s:?} ({total} elements) to {target:?}")));
    }
    x.reshape(out)
}

/// Numpy broadcasting of two shapes.
pub(crate) fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let r = a.len().max(b.len());
    let mut out = vec![0; r];
    for (i, o) in out.iter_mut().enumerate() {
        let da = if i + a.len() >= r { a[i + a.len() - r] } else { 1 };
        let db = if i + b.len() >= r { b[i + b.len() - r] } else { 1 };
        *o = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
    }
    Some(out)
}

/// Strides of `s` (row-major) seen from an output of shape `out` (0 on broadcast axes).
fn bstrides(s: &[usize], out: &[usize]) -> Vec<usize> {
    let r = out.len();
    let mut st = vec![0; r];
    let mut acc = 1;
    for i in (0..s.len()).rev() {
        let o = i + r - s.len();
        st[o] = if s[i] == 1 { 0 } else { acc };
        acc *= s[i];
    }
    st
}

/// `a op b` with numpy broadcasting (one `f32` rounding per element).
pub(crate) fn binary(op: BinaryOp, a: &Tensor, b: &Tensor, node: &str) -> Result<Tensor, NnError> {
    let shape = broadcast_shape(a.shape(), b.shape())
        .ok_or_else(|| shape_err(node, format!("shapes {:?} and {:?} do not broadcast", a.shape(), b.shape())))?;
    let f = |x: f32, y: f32| match op {
        BinaryOp::Add => x + y,
        BinaryOp::Sub => x - y,
        BinaryOp::Mul => x * y,
        BinaryOp::Div => x / y,
    };
    let n: usize = shape.iter().product();
    if a.shape() == shape.as_slice() && b.shape() == shape.as_slice() {
        let out = a.data().iter().zip(b.data()).map(|(&x, &y)| f(x, y)).collect();
        return Tensor::new(shape, out);
    }
    // One side a single number (input normalization, scaling): the same operation per element.
    if b.len() == 1 && a.shape() == shape.as_slice() {
        let y = b.data()[0];
        return Tensor::new(shape, a.data().iter().map(|&x| f(x, y)).collect());
    }
    if a.len() == 1 && b.shape() == shape.as_slice() {
        let x = a.data()[0];
        return Tensor::new(shape, b.data().iter().map(|&y| f(x, y)).collect());
    }
    let (sa, sb) = (bstrides(a.shape(), &shape), bstrides(b.shape(), &shape));
    let (ad, bd) = (a.data(), b.data());
    let mut out = Vec::with_capacity(n);
    let r = shape.len();
    let mut idx = vec![0usize; r];
    let (mut ia, mut ib) = (0usize, 0usize);
    for _ in 0..n {
        out.push(f(ad[ia], bd[ib]));
        // Odometer step.
        let mut d = r;
        while d > 0 {
            d -= 1;
            idx[d] += 1;
            ia += sa[d];
            ib += sb[d];
            if idx[d] < shape[d] {
                break;
            }
            ia -= sa[d] * shape[d];
            ib -= sb[d] * shape[d];
            idx[d] = 0;
        }
    }
    Tensor::new(shape, out)
}

/// `y = x · scale[c] + shift[c]` on axis 1 (two roundings).
pub(crate) fn channel_affine(mut x: Tensor, scale: &[f32], shift: &[f32], node: &str) -> Result<Tensor, NnError> {
    let s = x.shape().to_vec();
    if s.len() < 2 || s[1] != scale.len() || s[1] != shift.len() {
        return Err(shape_err(
            node,
            format!(
                "{} scales and {} shifts for an input of shape {s:?} (channels on axis 1)",
                scale.len(),
                shift.len()
            ),
        ));
    }
    let inner: usize = s[2..].iter().product();
    let c = s[1];
    if inner > 0 {
        for (i, chunk) in x.data_mut().chunks_exact_mut(inner).enumerate() {
            let (a, b) = (scale[i % c], shift[i % c]);
            for v in chunk {
                *v = *v * a + b;
            }
        }
    }
    Ok(x)
}

/// Softmax along `axis`: `e_j = exp(x_j − max)` in `f64`, the sum in `f64` in increasing `j`,
/// `y_j = (e_j / sum) as f32`.
pub(crate) fn softmax(mut x: Tensor, axis: usize, node: &str) -> Result<Tensor, NnError> {
    let s = x.shape().to_vec();
    if axis >= s.len() {
        return Err(shape_err(node, format!("softmax axis {axis} of a rank-{} input", s.len())));
    }
    let outer: usize = s[..axis].iter().product();
    let len = s[axis];
    let inner: usize = s[axis + 1..].iter().product();
    let d = x.data_mut();
    let mut e = vec![0f64; len];
    for o in 0..outer {
        for i in 0..inner {
            let at = |j: usize| (o * len + j) * inner + i;
            let m = (0..len).map(|j| d[at(j)]).fold(f32::NEG_INFINITY, f32::max);
            let mut sum = 0f64;
            for (j, ej) in e.iter_mut().enumerate() {
                *ej = (d[at(j)] as f64 - m as f64).exp();
                sum += *ej;
            }
            for (j, &ej) in e.iter().enumerate() {
                d[at(j)] = (ej / sum) as f32;
            }
        }
    }
    Ok(x)
}
