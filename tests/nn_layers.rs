//! `lowp::nn` execution: every layer against a direct f64 reference, every accumulation path
//! against a bit-exact replay of its documented steps, calibration, backends and errors.
//! Seeded (the seed is printed); run with `cargo test --features reference --test nn_layers`.

use lowp::block::{BlockMatrix, BlockScaled, BlockVector, Scheme};
use lowp::bulk::Backend;
use lowp::kernels::{ActivationFormat, MinifloatMatrix, QuantizedActivations, RowScale};
use lowp::minifloat::E4M3FN;
use lowp::nn::*;
use lowp::rng::SplitMix64;
use lowp::Float8E4M3FN;

const SEED: u64 = 0x6e6e_6c61_7965_7273;

struct Rng(SplitMix64);

impl Rng {
    fn new(salt: u64) -> Rng {
        println!("seed {SEED:#x} salt {salt}");
        Rng(SplitMix64::new(SEED ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
    }
    fn f(&mut self) -> f32 {
        (self.0.next_u64() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.0.next_u64() % n as u64) as usize
    }
    fn tensor(&mut self, shape: Vec<usize>, scale: f32) -> Tensor {
        let n = shape.iter().product();
        Tensor::new(shape, (0..n).map(|_| self.f() * scale).collect()).unwrap()
    }
}

fn one_node(input: Vec<Option<usize>>, op: Op) -> Graph {
    let n = Node { name: "layer".into(), op, inputs: vec![ValueId(0)], output: ValueId(1) };
    Graph::new(input, vec![n], ValueId(1)).unwrap()
}

fn chain(input: Vec<Option<usize>>, ops: Vec<(&str, Op)>) -> Graph {
    let k = ops.len();
    let nodes = ops
        .into_iter()
        .enumerate()
        .map(|(i, (n, op))| Node { name: n.into(), op, inputs: vec![ValueId(i)], output: ValueId(i + 1) })
        .collect();
    Graph::new(input, nodes, ValueId(k)).unwrap()
}

fn run(g: &Graph, plan: &str, x: &Tensor) -> Tensor {
    let p = Plan::uniform(plan.parse().unwrap());
    Model::new(g, &p, Some(x)).unwrap().run(x).unwrap()
}

/// A random convolution and a fitting input.
fn random_conv(r: &mut Rng) -> (Conv2d, Tensor) {
    let groups = [1, 1, 2, 3][r.below(4)];
    let depthwise = r.below(4) == 0;
    let cg = if depthwise { 1 } else { 1 + r.below(4) };
    let c_in = cg * groups;
    let c_out = if depthwise { c_in * (1 + r.below(2)) } else { groups * (1 + r.below(5)) };
    let (groups, c_in) = if depthwise { (c_in, c_in) } else { (groups, c_in) };
    let kh = 1 + r.below(3);
    let kw = 1 + r.below(3);
    let stride = [1 + r.below(2), 1 + r.below(2)];
    let dilation = [1 + r.below(2), 1 + r.below(2)];
    let pads = [r.below(2), r.below(3), r.below(2), r.below(3)];
    let h = dilation[0] * (kh - 1) + 1 + r.below(6);
    let w = dilation[1] * (kw - 1) + 1 + r.below(6);
    let n = 1 + r.below(3);
    let weight = r.tensor(vec![c_out, c_in / groups, kh, kw], 0.5);
    let bias = (0..c_out).map(|_| r.f() * 0.1).collect();
    (Conv2d { weight, bias, stride, pads, dilation, groups }, r.tensor(vec![n, c_in, h, w], 1.0))
}

/// Output dims of a conv.
fn conv_out(c: &Conv2d, x: &Tensor) -> [usize; 4] {
    let s = x.shape();
    let ws = c.weight.shape();
    let oh = (s[2] + c.pads[0] + c.pads[2] - c.dilation[0] * (ws[2] - 1) - 1) / c.stride[0] + 1;
    let ow = (s[3] + c.pads[1] + c.pads[3] - c.dilation[1] * (ws[3] - 1) - 1) / c.stride[1] + 1;
    [s[0], ws[0], oh, ow]
}

/// The im2col row of output pixel (n, oy, ox) for group g, by the documented definition.
fn row_of(c: &Conv2d, x: &Tensor, g: usize, n: usize, oy: usize, ox: usize) -> Vec<f32> {
    let s = x.shape();
    let ws = c.weight.shape();
    let (cg, kh, kw) = (ws[1], ws[2], ws[3]);
    let mut row = Vec::new();
    for ci in 0..cg {
        for ky in 0..kh {
            for kx in 0..kw {
                let iy = (oy * c.stride[0] + ky * c.dilation[0]) as isize - c.pads[0] as isize;
                let ix = (ox * c.stride[1] + kx * c.dilation[1]) as isize - c.pads[1] as isize;
                let inside = iy >= 0 && ix >= 0 && (iy as usize) < s[2] && (ix as usize) < s[3];
                row.push(if inside {
                    x.data()[((n * s[1] + g * cg + ci) * s[2] + iy as usize) * s[3] + ix as usize]
                } else {
                    0.0
                });
            }
        }
    }
    row
}

/// Every output of a conv from `f(group, channel in group, im2col row)`, NCHW.
fn replay_conv(c: &Conv2d, x: &Tensor, mut f: impl FnMut(usize, usize, &[f32]) -> f32) -> Vec<f32> {
    let [n, co, oh, ow] = conv_out(c, x);
    let ng = co / c.groups;
    let mut out = vec![0f32; n * co * oh * ow];
    for b in 0..n {
        for oy in 0..oh {
            for ox in 0..ow {
                for g in 0..c.groups {
                    let row = row_of(c, x, g, b, oy, ox);
                    for j in 0..ng {
                        out[((b * co + g * ng + j) * oh + oy) * ow + ox] = f(g, j, &row);
                    }
                }
            }
        }
    }
    out
}

/// The weight rows of group g.
fn group_weights(c: &Conv2d, g: usize) -> (Vec<f32>, usize, usize) {
    let ws = c.weight.shape();
    let k = ws[1] * ws[2] * ws[3];
    let ng = ws[0] / c.groups;
    (c.weight.data()[g * ng * k..(g + 1) * ng * k].to_vec(), ng, k)
}

fn assert_bits(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        assert_eq!(a.to_bits(), b.to_bits(), "{what}: element {i}: {a} vs {b}");
    }
}

fn conv_graph(c: &Conv2d, x: &Tensor) -> Graph {
    let s = x.shape();
    one_node(vec![None, Some(s[1]), Some(s[2]), Some(s[3])], Op::Conv(c.clone()))
}

#[test]
fn conv_f32_is_the_documented_fma_chain_and_close_to_f64() {
    let mut r = Rng::new(1);
    for case in 0..60 {
        let (c, x) = random_conv(&mut r);
        let y = run(&conv_graph(&c, &x), "f32", &x);
        assert_eq!(y.shape(), &conv_out(&c, &x), "case {case}");
        let want = replay_conv(&c, &x, |g, j, row| {
            let (w, ng, k) = group_weights(&c, g);
            let _ = ng;
            let mut acc = c.bias[g * (c.bias.len() / c.groups) + j];
            for (i, &v) in row.iter().enumerate() {
                acc = w[j * k + i].mul_add(v, acc);
            }
            acc
        });
        assert_bits(y.data(), &want, &format!("case {case} {c:?}"));
        // And an f64 reference of the plain sum.
        let refv = replay_conv(&c, &x, |g, j, row| {
            let (w, _, k) = group_weights(&c, g);
            let s: f64 = row.iter().enumerate().map(|(i, &v)| w[j * k + i] as f64 * v as f64).sum();
            (s + c.bias[g * (c.bias.len() / c.groups) + j] as f64) as f32
        });
        for (a, b) in y.data().iter().zip(&refv) {
            assert!((a - b).abs() <= 1e-5, "case {case}: {a} vs {b}");
        }
    }
}

#[test]
fn linear_f32_is_the_fma_chain() {
    let mut r = Rng::new(2);
    for _ in 0..10 {
        let (n, i, o) = (1 + r.below(5), 1 + r.below(300), 1 + r.below(40));
        let w = r.tensor(vec![o, i], 0.3);
        let bias: Vec<f32> = (0..o).map(|_| r.f()).collect();
        let x = r.tensor(vec![n, i], 1.0);
        let g = one_node(vec![None, Some(i)], Op::Linear(Linear { weight: w.clone(), bias: bias.clone() }));
        let y = run(&g, "f32", &x);
        let mut want = vec![0f32; n * o];
        for b in 0..n {
            for j in 0..o {
                let mut acc = bias[j];
                for k in 0..i {
                    acc = w.data()[j * i + k].mul_add(x.data()[b * i + k], acc);
                }
                want[b * o + j] = acc;
            }
        }
        assert_bits(y.data(), &want, "linear");
    }
}

/// ONNX pooling output length (reference, written from the rule).
fn ref_pool_len(l: usize, k: usize, s: usize, pb: usize, pe: usize, ceil: bool) -> usize {
    let num = (l + pb + pe - k) as f64 / s as f64;
    let mut o = if ceil { num.ceil() as usize + 1 } else { num.floor() as usize + 1 };
    if ceil && (o - 1) * s >= l + pb {
        o -= 1;
    }
    o
}

#[test]
fn pooling_matches_reference() {
    let mut r = Rng::new(3);
    for case in 0..200 {
        let kernel = [1 + r.below(3), 1 + r.below(3)];
        let stride = [1 + r.below(3), 1 + r.below(3)];
        let pads = [r.below(kernel[0]), r.below(kernel[1]), r.below(kernel[0]), r.below(kernel[1])];
        let ceil_mode = r.below(2) == 0;
        let count_include_pad = r.below(2) == 0;
        let (h, w) = (kernel[0] + r.below(6), kernel[1] + r.below(6));
        let (n, c) = (1 + r.below(2), 1 + r.below(3));
        let x = r.tensor(vec![n, c, h, w], 2.0);
        let p = Pool2d { kernel, stride, pads, ceil_mode, count_include_pad };
        for max in [true, false] {
            let op = if max { Op::MaxPool(p.clone()) } else { Op::AvgPool(p.clone()) };
            let y = run(&one_node(vec![None, Some(c), Some(h), Some(w)], op), "f32", &x);
            let oh = ref_pool_len(h, kernel[0], stride[0], pads[0], pads[2], ceil_mode);
            let ow = ref_pool_len(w, kernel[1], stride[1], pads[1], pads[3], ceil_mode);
            assert_eq!(y.shape(), &[n, c, oh, ow], "case {case} {p:?}");
            for plane in 0..n * c {
                for oy in 0..oh {
                    for ox in 0..ow {
                        let (mut m, mut s, mut cnt, mut cnt_pad) = (f32::NEG_INFINITY, 0f64, 0usize, 0usize);
                        for ky in 0..kernel[0] {
                            for kx in 0..kernel[1] {
                                let iy = (oy * stride[0] + ky) as isize - pads[0] as isize;
                                let ix = (ox * stride[1] + kx) as isize - pads[1] as isize;
                                if iy < (h + pads[2]) as isize && ix < (w + pads[3]) as isize {
                                    cnt_pad += 1;
                                }
                                if iy >= 0 && ix >= 0 && (iy as usize) < h && (ix as usize) < w {
                                    let v = x.data()[(plane * h + iy as usize) * w + ix as usize];
                                    m = m.max(v);
                                    s += v as f64;
                                    cnt += 1;
                                }
                            }
                        }
                        let want =
                            if max { m } else { (s / if count_include_pad { cnt_pad } else { cnt } as f64) as f32 };
                        let got = y.data()[(plane * oh + oy) * ow + ox];
                        assert_eq!(got.to_bits(), want.to_bits(), "case {case} max {max} {p:?} at {plane},{oy},{ox}");
                    }
                }
            }
        }
    }
}

#[test]
fn elementwise_layers_match_reference() {
    let mut r = Rng::new(4);
    let x = r.tensor(vec![2, 3, 4, 5], 3.0);
    let inp = vec![None, Some(3), Some(4), Some(5)];
    // GlobalAvgPool
    let y = run(&one_node(inp.clone(), Op::GlobalAvgPool), "f32", &x);
    assert_eq!(y.shape(), &[2, 3, 1, 1]);
    for (i, p) in x.data().chunks(20).enumerate() {
        let s: f64 = p.iter().map(|&v| v as f64).sum();
        assert_eq!(y.data()[i], (s / 20.0) as f32);
    }
    // Relu, Clip, Identity
    let y = run(&one_node(inp.clone(), Op::Relu), "f32", &x);
    assert!(y.data().iter().zip(x.data()).all(|(a, b)| *a == b.max(0.0)));
    let y = run(&one_node(inp.clone(), Op::Clip { min: -0.5, max: 1.0 }), "f32", &x);
    assert!(y.data().iter().zip(x.data()).all(|(a, b)| *a == b.clamp(-0.5, 1.0)));
    assert_eq!(run(&one_node(inp.clone(), Op::Identity), "f32", &x), x);
    // Flatten / Reshape
    assert_eq!(run(&one_node(inp.clone(), Op::Flatten { axis: 2 }), "f32", &x).shape(), &[6, 20]);
    assert_eq!(run(&one_node(inp.clone(), Op::Flatten { axis: 0 }), "f32", &x).shape(), &[1, 120]);
    assert_eq!(run(&one_node(inp.clone(), Op::Reshape { shape: vec![0, -1] }), "f32", &x).shape(), &[2, 60]);
    assert_eq!(
        run(&one_node(inp.clone(), Op::Reshape { shape: vec![0, 3, -1, 2] }), "f32", &x).shape(),
        &[2, 3, 10, 2]
    );
    // ChannelAffine
    let (sc, sh) = (vec![0.5, -2.0, 3.0], vec![1.0, 0.25, -1.0]);
    let y = run(&one_node(inp.clone(), Op::ChannelAffine { scale: sc.clone(), shift: sh.clone() }), "f32", &x);
    for (i, (a, b)) in y.data().iter().zip(x.data()).enumerate() {
        let c = (i / 20) % 3;
        assert_eq!(*a, b * sc[c] + sh[c]);
    }
    // Softmax along axis 1 and 3
    for axis in [1usize, 3] {
        let y = run(&one_node(inp.clone(), Op::Softmax { axis }), "f32", &x);
        let s = x.shape();
        let inner: usize = s[axis + 1..].iter().product();
        let len = s[axis];
        let outer: usize = s[..axis].iter().product();
        for o in 0..outer {
            for i in 0..inner {
                let at = |j: usize| (o * len + j) * inner + i;
                let m = (0..len).map(|j| x.data()[at(j)] as f64).fold(f64::MIN, f64::max);
                let tot: f64 = (0..len).map(|j| (x.data()[at(j)] as f64 - m).exp()).sum();
                for j in 0..len {
                    let want = ((x.data()[at(j)] as f64 - m).exp() / tot) as f32;
                    assert!((y.data()[at(j)] - want).abs() <= 1e-7);
                }
            }
        }
    }
    // Binary with broadcasting, constants on either side, and two graph values.
    let cases: Vec<(Vec<usize>, bool)> = vec![
        (vec![3, 1, 1], false),
        (vec![5], true),
        (vec![1, 3, 4, 1], false),
        (vec![], true),
        (vec![2, 3, 4, 5], false),
    ];
    for (cs, const_left) in cases {
        let c = r.tensor(cs.clone(), 2.0);
        for op in [BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div] {
            let (lhs, rhs) = if const_left {
                (Operand::Const(c.clone()), Operand::Value(ValueId(0)))
            } else {
                (Operand::Value(ValueId(0)), Operand::Const(c.clone()))
            };
            let y = run(&one_node(inp.clone(), Op::Binary { op, lhs, rhs }), "f32", &x);
            assert_eq!(y.shape(), x.shape());
            for i0 in 0..2 {
                for i1 in 0..3 {
                    for i2 in 0..4 {
                        for i3 in 0..5 {
                            let xi = ((i0 * 3 + i1) * 4 + i2) * 5 + i3;
                            let full = [i0, i1, i2, i3];
                            let off = 4 - cs.len();
                            let mut ci = 0;
                            for (d, &n) in cs.iter().enumerate() {
                                ci = ci * n + if n == 1 { 0 } else { full[off + d] };
                            }
                            let (a, b) =
                                if const_left { (c.data()[ci], x.data()[xi]) } else { (x.data()[xi], c.data()[ci]) };
                            let want = match op {
                                BinaryOp::Add => a + b,
                                BinaryOp::Sub => a - b,
                                BinaryOp::Mul => a * b,
                                BinaryOp::Div => a / b,
                            };
                            assert_eq!(y.data()[xi].to_bits(), want.to_bits(), "{op:?} {cs:?}");
                        }
                    }
                }
            }
        }
    }
    // x + relu(x): two graph values.
    let nodes = vec![
        Node { name: "r".into(), op: Op::Relu, inputs: vec![ValueId(0)], output: ValueId(1) },
        Node {
            name: "add".into(),
            op: Op::Binary { op: BinaryOp::Add, lhs: Operand::Value(ValueId(0)), rhs: Operand::Value(ValueId(1)) },
            inputs: vec![ValueId(0), ValueId(1)],
            output: ValueId(2),
        },
    ];
    let g = Graph::new(inp.clone(), nodes, ValueId(2)).unwrap();
    let y = run(&g, "f32", &x);
    assert!(y.data().iter().zip(x.data()).all(|(a, b)| *a == b + b.max(0.0)));
    // A bad broadcast names the node.
    let bad =
        Op::Binary { op: BinaryOp::Add, lhs: Operand::Value(ValueId(0)), rhs: Operand::Const(Tensor::zeros(vec![4])) };
    let e = Model::new(&one_node(inp, bad), &Plan::default(), None).unwrap().run(&x).unwrap_err();
    assert!(matches!(&e, NnError::Shape(m) if m.contains("layer")), "{e}");
}

/// A conv with K > 64 (several blocks) and groups, for the quantized paths.
fn quant_conv(r: &mut Rng, groups: usize) -> (Conv2d, Tensor) {
    let cg = 12;
    let (c_in, c_out) = (cg * groups, 6 * groups);
    let weight = r.tensor(vec![c_out, cg, 3, 3], 0.4);
    let bias = (0..c_out).map(|_| r.f() * 0.1).collect();
    let c = Conv2d { weight, bias, stride: [1, 2], pads: [1, 0, 1, 1], dilation: [1, 1], groups };
    let x = r.tensor(vec![2, c_in, 6, 7], 1.5);
    (c, x)
}

#[test]
fn integer_path_is_the_kernel_per_output_pixel() {
    let mut r = Rng::new(5);
    for scheme in
        ["int8-per-row", "int4-per-row", "vsq-int4-v64", "vsq-int4-v32", "mxfp4", "nvfp4", "mxint8", "vsq-int4-v64-s6"]
    {
        for acts in ["int8", "int8-per-tensor"] {
            if scheme.ends_with("-s6") && acts == "int8-per-tensor" {
                continue;
            }
            for groups in [1, 2] {
                let (c, x) = quant_conv(&mut r, groups);
                let lp: LayerPlan = format!("weights={scheme} activations={acts}").parse().unwrap();
                assert!(lp.is_integer_path());
                let m = Model::new(&conv_graph(&c, &x), &Plan::uniform(lp), Some(&x)).unwrap();
                let y = m.run(&x).unwrap();
                let s: Scheme = scheme.parse().unwrap();
                let scale = m.activation_scales().first().map(|p| p.1);
                // The static scale: amax / 127 of the input.
                if acts == "int8-per-tensor" {
                    let amax = x.data().iter().fold(0f32, |a, v| a.max(v.abs()));
                    assert_eq!(scale, Some(amax / 127.0));
                }
                let mats: Vec<BlockMatrix> = (0..groups)
                    .map(|g| {
                        let (w, ng, k) = group_weights(&c, g);
                        BlockMatrix::quantize(&s, &w, ng, k).unwrap()
                    })
                    .collect();
                let ng = c.bias.len() / groups;
                let want = replay_conv(&c, &x, |g, j, row| {
                    let w = &mats[g];
                    let v = if s.block_len() == 0 { 64 } else { s.block_len() };
                    let qa = match scale {
                        Some(sc) => {
                            QuantizedActivations::with_scale(ActivationFormat::Int8 { vector_len: v }, row, 1, sc)
                        }
                        None => QuantizedActivations::for_matrix(w, row, 1),
                    }
                    .unwrap();
                    let mut yy = vec![0f32; w.rows()];
                    w.gemm_prepared(&qa, &mut yy).unwrap();
                    // Also the same as dot() of the row.
                    assert_eq!(yy[j], lowp::kernels::dot(&w.row(j), &qa, 0).unwrap());
                    yy[j] + c.bias[g * ng + j]
                });
                assert_bits(y.data(), &want, &format!("{scheme} {acts} groups {groups}"));
            }
        }
    }
}

#[test]
fn two_level_weights_refuse_static_activations() {
    let mut r = Rng::new(6);
    let (c, x) = quant_conv(&mut r, 1);
    let lp: LayerPlan = "weights=vsq-int4-v64-s6 activations=int8-per-tensor".parse().unwrap();
    let e = Model::new(&conv_graph(&c, &x), &Plan::uniform(lp), Some(&x)).unwrap_err();
    assert!(matches!(e, NnError::Plan(_)), "{e}");
}

/// E4M3FN codes and row scales as `MinifloatMatrix` defines them, decoded.
fn e4m3_rows(w: &[f32], rows: usize, k: usize) -> (Vec<f32>, Vec<f32>) {
    let m = MinifloatMatrix::<E4M3FN>::quantize(w, rows, k, RowScale::PerRow).unwrap();
    let vals = m.codes().iter().map(|&c| Float8E4M3FN::from_bits(c).to_f32()).collect();
    (vals, m.row_scales().unwrap().to_vec())
}

#[test]
fn float_path_replays() {
    let mut r = Rng::new(7);
    for groups in [1, 3] {
        let (c, x) = quant_conv(&mut r, groups);
        let g = conv_graph(&c, &x);
        let ng = c.bias.len() / groups;
        // Scaled FP8 weights and FP8 activations: chain from +0 over the codes, then fma(s, acc, b).
        let y = run(&g, "float8_e4m3fn", &x);
        let want = replay_conv(&c, &x, |gr, j, row| {
            let (w, ng, k) = group_weights(&c, gr);
            let (vals, scales) = e4m3_rows(&w, ng, k);
            let mut acc = 0f32;
            for (i, &v) in row.iter().enumerate() {
                let xq = Float8E4M3FN::from_f32_saturating(v).to_f32();
                acc = vals[j * k + i].mul_add(xq, acc);
            }
            scales[j].mul_add(acc, c.bias[gr * ng + j])
        });
        assert_bits(y.data(), &want, "float8_e4m3fn");
        // bfloat16 (unscaled): the chain from the bias.
        let y = run(&g, "bf16", &x);
        let want = replay_conv(&c, &x, |gr, j, row| {
            let (w, _, k) = group_weights(&c, gr);
            let mut acc = c.bias[gr * ng + j];
            for (i, &v) in row.iter().enumerate() {
                let wq = half::bf16::from_f32(w[j * k + i]).to_f32();
                acc = wq.mul_add(half::bf16::from_f32(v).to_f32(), acc);
            }
            acc
        });
        assert_bits(y.data(), &want, "bf16");
        // MXFP8 weights and activations: dequantized values, each im2col row a BlockVector.
        let s: Scheme = "mxfp8-e4m3".parse().unwrap();
        let y = run(&g, "mxfp8-e4m3", &x);
        let want = replay_conv(&c, &x, |gr, j, row| {
            let (w, ng2, k) = group_weights(&c, gr);
            let wd = BlockMatrix::quantize(&s, &w, ng2, k).unwrap().dequantize();
            let xd = BlockVector::quantize(&s, row).unwrap().dequantize();
            let mut acc = c.bias[gr * ng + j];
            for i in 0..k {
                acc = wd[j * k + i].mul_add(xd[i], acc);
            }
            acc
        });
        assert_bits(y.data(), &want, "mxfp8");
        // f32 weights, dynamic INT8 activations (vectors of 64), on the float path.
        let y = run(&g, "weights=f32 activations=int8", &x);
        let want = replay_conv(&c, &x, |gr, j, row| {
            let (w, _, k) = group_weights(&c, gr);
            let q = QuantizedActivations::new(ActivationFormat::Int8 { vector_len: 64 }, row, 1).unwrap();
            let xd = q.dequantize(0);
            let mut acc = c.bias[gr * ng + j];
            for i in 0..k {
                acc = w[j * k + i].mul_add(xd[i], acc);
            }
            acc
        });
        assert_bits(y.data(), &want, "f32 + int8");
    }
}

/// The exact sum of products (and an optional scale and the bias), rounded once to f32.
fn rug_dot(w: &[f32], x: &[f32], s: Option<f32>, b: f32) -> f32 {
    use rug::Float;
    let mut acc = Float::with_val(2000, 0);
    for (&a, &v) in w.iter().zip(x) {
        acc += Float::with_val(2000, a) * Float::with_val(2000, v);
    }
    if let Some(s) = s {
        acc *= Float::with_val(2000, s);
    }
    acc += Float::with_val(2000, b);
    Float::with_val(24, &acc).to_f32()
}

#[test]
fn exact_accumulation_is_the_exact_sum_rounded_once() {
    let mut r = Rng::new(8);
    for groups in [1, 2] {
        let (c, x) = quant_conv(&mut r, groups);
        let g = conv_graph(&c, &x);
        let ng = c.bias.len() / groups;
        // f32 weights and activations.
        let y = run(&g, "weights=f32 accumulate=exact", &x);
        let want = replay_conv(&c, &x, |gr, j, row| {
            let (w, _, k) = group_weights(&c, gr);
            rug_dot(&w[j * k..(j + 1) * k], row, None, c.bias[gr * ng + j])
        });
        assert_bits(y.data(), &want, "exact f32");
        // Scaled FP8: s · Σ c·x + b.
        let y = run(&g, "weights=float8_e4m3fn accumulate=exact", &x);
        let want = replay_conv(&c, &x, |gr, j, row| {
            let (w, ng2, k) = group_weights(&c, gr);
            let (vals, scales) = e4m3_rows(&w, ng2, k);
            let xq: Vec<f32> = row.iter().map(|&v| Float8E4M3FN::from_f32_saturating(v).to_f32()).collect();
            rug_dot(&vals[j * k..(j + 1) * k], &xq, Some(scales[j]), c.bias[gr * ng + j])
        });
        assert_bits(y.data(), &want, "exact fp8");
        // Integer block weights: dequantized values, dynamic INT8 activations' values.
        let s: Scheme = "vsq-int4-v32".parse().unwrap();
        let y = run(&g, "weights=vsq-int4-v32 activations=int8 accumulate=exact", &x);
        let want = replay_conv(&c, &x, |gr, j, row| {
            let (w, ng2, k) = group_weights(&c, gr);
            let wm = BlockMatrix::quantize(&s, &w, ng2, k).unwrap();
            let wd = wm.dequantize();
            let xd = QuantizedActivations::for_matrix(&wm, row, 1).unwrap().dequantize(0);
            rug_dot(&wd[j * k..(j + 1) * k], &xd, None, c.bias[gr * ng + j])
        });
        assert_bits(y.data(), &want, "exact vsq");
    }
    // Cancellation: one rounding keeps what an f32 chain loses.
    let w = Tensor::new(vec![1, 3], vec![1.0, 1.0, -1.0]).unwrap();
    let g = one_node(vec![None, Some(3)], Op::Linear(Linear { weight: w, bias: vec![0.0] }));
    let x = Tensor::new(vec![1, 3], vec![1e8, 1.0, 1e8]).unwrap();
    assert_eq!(run(&g, "weights=f32 accumulate=exact", &x).data(), &[1.0]);
    assert_eq!(run(&g, "f32", &x).data(), &[0.0]);
}

#[test]
fn exsdotp_chain_replays_with_lowp_dot() {
    use lowp::dot::{exfma, exsdotp};
    let mut r = Rng::new(9);
    let (c, x) = quant_conv(&mut r, 1);
    let g = conv_graph(&c, &x);
    let chain = |w: &[f32], row: &[f32], mut acc: f32| {
        let mut i = 0;
        while i + 1 < w.len() {
            acc = exsdotp(w[i], row[i], w[i + 1], row[i + 1], acc);
            i += 2;
        }
        if i < w.len() {
            acc = exfma(w[i], row[i], acc);
        }
        acc
    };
    let y = run(&g, "weights=f32 accumulate=exsdotp", &x);
    let want = replay_conv(&c, &x, |_, j, row| {
        let (w, _, k) = group_weights(&c, 0);
        chain(&w[j * k..(j + 1) * k], row, c.bias[j])
    });
    assert_bits(y.data(), &want, "exsdotp f32");
    let y = run(&g, "weights=float8_e4m3fn accumulate=exsdotp", &x);
    let want = replay_conv(&c, &x, |_, j, row| {
        let (w, ng, k) = group_weights(&c, 0);
        let (vals, scales) = e4m3_rows(&w, ng, k);
        let xq: Vec<f32> = row.iter().map(|&v| Float8E4M3FN::from_f32_saturating(v).to_f32()).collect();
        scales[j].mul_add(chain(&vals[j * k..(j + 1) * k], &xq, 0.0), c.bias[j])
    });
    assert_bits(y.data(), &want, "exsdotp fp8");
    // An odd K (a 3×3 kernel on one channel).
    let lin = Linear { weight: Tensor::new(vec![1, 3], vec![0.5, 0.25, 2.0]).unwrap(), bias: vec![1.0] };
    let g = one_node(vec![None, Some(3)], Op::Linear(lin));
    let x = Tensor::new(vec![1, 3], vec![3.0, 1e-8, 1e8]).unwrap();
    let want = exfma(2.0f32, 1e8f32, exsdotp(0.5f32, 3.0f32, 0.25f32, 1e-8f32, 1.0f32));
    assert_eq!(run(&g, "weights=f32 accumulate=exsdotp", &x).data(), &[want]);
}

/// conv(1→4) – relu – maxpool – conv(4→8, groups 2) – relu – avgpool – reshape – linear – softmax.
fn small_cnn(r: &mut Rng) -> (Graph, Tensor) {
    let conv = |w: Tensor, c: usize, groups: usize| {
        Op::Conv(Conv2d { weight: w, bias: vec![0.05; c], stride: [1, 1], pads: [1; 4], dilation: [1, 1], groups })
    };
    let pool = Pool2d { kernel: [2, 2], stride: [2, 2], pads: [0; 4], ceil_mode: false, count_include_pad: false };
    let ops = vec![
        ("conv1", conv(r.tensor(vec![4, 1, 3, 3], 0.6), 4, 1)),
        ("relu1", Op::Relu),
        ("pool1", Op::MaxPool(pool.clone())),
        ("conv2", conv(r.tensor(vec![8, 2, 3, 3], 0.4), 8, 2)),
        ("relu2", Op::Relu),
        ("pool2", Op::AvgPool(pool)),
        ("flat", Op::Reshape { shape: vec![0, -1] }),
        ("fc", Op::Linear(Linear { weight: r.tensor(vec![5, 72], 0.3), bias: vec![0.0; 5] })),
        ("prob", Op::Softmax { axis: 1 }),
    ];
    (chain(vec![None, Some(1), Some(12), Some(12)], ops), r.tensor(vec![5, 1, 12, 12], 1.0))
}

#[test]
fn whole_graph_f32_is_close_to_f64_reference() {
    let mut r = Rng::new(10);
    let (g, x) = small_cnn(&mut r);
    let y = run(&g, "f32", &x);
    assert_eq!(y.shape(), &[5, 5]);
    // f64 reference of the same network.
    let nodes = g.nodes();
    let get_conv = |i: usize| match &nodes[i].op {
        Op::Conv(c) => c.clone(),
        _ => unreachable!(),
    };
    let conv_f64 = |c: &Conv2d, x: &[f64], s: [usize; 4]| -> (Vec<f64>, [usize; 4]) {
        let t = Tensor::new(s.to_vec(), x.iter().map(|&v| v as f32).collect()).unwrap();
        let o = conv_out(c, &t);
        let ws = c.weight.shape();
        let (cg, kh, kw) = (ws[1], ws[2], ws[3]);
        let ng = o[1] / c.groups;
        let mut out = vec![0f64; o.iter().product()];
        for n in 0..o[0] {
            for co in 0..o[1] {
                let g = co / ng;
                for oy in 0..o[2] {
                    for ox in 0..o[3] {
                        let mut acc = c.bias[co] as f64;
                        for ci in 0..cg {
                            for ky in 0..kh {
                                for kx in 0..kw {
                                    let iy = (oy + ky) as isize - 1;
                                    let ix = (ox + kx) as isize - 1;
                                    if iy >= 0 && ix >= 0 && (iy as usize) < s[2] && (ix as usize) < s[3] {
                                        let xv =
                                            x[((n * s[1] + g * cg + ci) * s[2] + iy as usize) * s[3] + ix as usize];
                                        acc += c.weight.data()[((co * cg + ci) * kh + ky) * kw + kx] as f64 * xv;
                                    }
                                }
                            }
                        }
                        out[((n * o[1] + co) * o[2] + oy) * o[3] + ox] = acc;
                    }
                }
            }
        }
        (out, o)
    };
    let pool_f64 = |x: &[f64], s: [usize; 4], max: bool| -> (Vec<f64>, [usize; 4]) {
        let o = [s[0], s[1], s[2] / 2, s[3] / 2];
        let mut out = vec![0f64; o.iter().product()];
        for p in 0..s[0] * s[1] {
            for oy in 0..o[2] {
                for ox in 0..o[3] {
                    let v =
                        [(0, 0), (0, 1), (1, 0), (1, 1)].map(|(a, b)| x[(p * s[2] + 2 * oy + a) * s[3] + 2 * ox + b]);
                    out[(p * o[2] + oy) * o[3] + ox] =
                        if max { v.iter().cloned().fold(f64::MIN, f64::max) } else { v.iter().sum::<f64>() / 4.0 };
                }
            }
        }
        (out, o)
    };
    let x64: Vec<f64> = x.data().iter().map(|&v| v as f64).collect();
    let (a, s) = conv_f64(&get_conv(0), &x64, [5, 1, 12, 12]);
    let a: Vec<f64> = a.iter().map(|v| v.max(0.0)).collect();
    let (a, s) = pool_f64(&a, s, true);
    let (a, s) = conv_f64(&get_conv(3), &a, s);
    let a: Vec<f64> = a.iter().map(|v| v.max(0.0)).collect();
    let (a, _) = pool_f64(&a, s, false);
    let Op::Linear(fc) = &nodes[7].op else { unreachable!() };
    for n in 0..5 {
        let logits: Vec<f64> =
            (0..5).map(|j| (0..72).map(|k| fc.weight.data()[j * 72 + k] as f64 * a[n * 72 + k]).sum::<f64>()).collect();
        let m = logits.iter().cloned().fold(f64::MIN, f64::max);
        let tot: f64 = logits.iter().map(|l| (l - m).exp()).sum();
        for (j, l) in logits.iter().enumerate() {
            let want = (l - m).exp() / tot;
            assert!((y.data()[n * 5 + j] as f64 - want).abs() < 1e-5, "{n},{j}");
        }
    }
}

const PLAN_KINDS: &[&str] = &[
    "f32",
    "weights=f32 activations=int8",
    "weights=int8-per-row activations=int8-per-tensor",
    "weights=int4-per-row activations=int8",
    "vsq-int4-v64",
    "vsq-int4-v64-s6",
    "mxfp4",
    "nvfp4",
    "mxint8",
    "mxfp8-e4m3",
    "mxfp6-e2m3",
    "float8_e4m3fn",
    "float8_e5m2",
    "float4_e2m1fn",
    "float6_e3m2fn",
    "bf16",
    "f16",
    "posit8",
    "posit16",
    "weights=float8_e4m3fn accumulate=exact",
    "weights=nvfp4 accumulate=exsdotp",
    "weights=vsq-int4-v64 activations=mxfp8-e4m3",
];

#[test]
fn portable_and_best_backends_agree_and_batches_split() {
    let mut r = Rng::new(11);
    let (g, x) = small_cnn(&mut r);
    let one = Tensor::new(vec![1, 1, 12, 12], x.data()[144..288].to_vec()).unwrap();
    for p in PLAN_KINDS {
        let m = Model::new(&g, &Plan::uniform(p.parse().unwrap()), Some(&x)).unwrap();
        let a = m.run_on(Backend::Portable, &x).unwrap();
        let b = m.run_on(Backend::best(), &x).unwrap();
        assert_bits(a.data(), b.data(), p);
        // Image 1 alone gives the same bits as inside the batch.
        let c = m.run(&one).unwrap();
        assert_bits(c.data(), &b.data()[5..10], &format!("{p}: batch of one"));
        assert!(b.data().iter().all(|v| v.is_finite()), "{p}");
        assert!(m.bits_per_weight() > 0.0 && m.weight_count() == 36 + 144 + 360);
    }
}

#[test]
fn calibration_is_deterministic() {
    let mut r = Rng::new(12);
    let (g, x) = small_cnn(&mut r);
    let plan = Plan::uniform("weights=int8-per-row activations=int8-per-tensor".parse().unwrap());
    let m1 = Model::new(&g, &plan, Some(&x)).unwrap();
    let m2 = Model::new(&g, &plan, Some(&x)).unwrap();
    assert_eq!(m1.activation_scales().len(), 3);
    assert_eq!(m1.activation_scales(), m2.activation_scales());
    assert_eq!(m1.run(&x).unwrap(), m2.run(&x).unwrap());
    // The first layer's scale is amax(input) / 127.
    let amax = x.data().iter().fold(0f32, |a, v| a.max(v.abs()));
    assert_eq!(m1.activation_scales()[0], ("conv1".to_string(), amax / 127.0));
    // A zero calibration input gives the first layer scale 1 (the biases make the others nonzero).
    let z = Model::new(&g, &plan, Some(&Tensor::zeros(vec![2, 1, 12, 12]))).unwrap();
    assert_eq!(z.activation_scales()[0].1, 1.0);
    // More than one calibration chunk (64) gives the same as the max over all.
    let big = r.tensor(vec![150, 1, 12, 12], 1.0);
    let m3 = Model::new(&g, &plan, Some(&big)).unwrap();
    let amax = big.data().iter().fold(0f32, |a, v| a.max(v.abs()));
    assert_eq!(m3.activation_scales()[0].1, amax / 127.0);
}

#[test]
fn plans_resolve_by_name_and_ends() {
    let mut r = Rng::new(13);
    let (g, x) = small_cnn(&mut r);
    let m = Model::new(&g, &Plan::keep_ends("vsq-int4-v64".parse().unwrap()), None).unwrap();
    let lp = m.layer_plans();
    assert_eq!(lp.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(), ["conv1", "conv2", "fc"]);
    assert_eq!(lp[0].1, LayerPlan::F32);
    assert_eq!(lp[1].1.weights.to_string(), "vsq-int4-v64");
    assert_eq!(lp[2].1, LayerPlan::F32);
    let p = Plan::parse("default weights=mxfp4 accumulate=exact\nconv2 activations=f32\n").unwrap();
    let m = Model::new(&g, &p, None).unwrap();
    let lp = m.layer_plans();
    assert_eq!(lp[1].1.to_string(), "weights=mxfp4 activations=f32 accumulate=f32");
    assert_eq!(lp[0].1.accumulate, Accumulation::Exact);
    assert!(m.run(&x).is_ok());
    // Bytes: f32 biases (4 each) + mxfp4 at 4.25 bits (K padded to blocks of 32).
    let f = Model::new(&g, &Plan::default(), None).unwrap();
    assert_eq!(f.weight_bytes(), 4.0 * (540.0 + 17.0));
    assert_eq!(f.bits_per_weight(), 32.0 * 557.0 / 540.0);
}

#[test]
fn typed_errors() {
    let mut r = Rng::new(14);
    let (g, x) = small_cnn(&mut r);
    let m = Model::new(&g, &Plan::default(), None).unwrap();
    // Wrong rank, wrong fixed dimension, empty batch.
    for s in [vec![5, 144], vec![5, 2, 12, 12], vec![5, 1, 12, 13], vec![0, 1, 12, 12]] {
        let t = Tensor::zeros(s.clone());
        assert!(matches!(m.run(&t), Err(NnError::Shape(_))), "{s:?}");
    }
    // NaN and ∞ inputs.
    for bad in [f32::NAN, f32::INFINITY] {
        let mut t = x.clone();
        t.data_mut()[7] = bad;
        assert!(matches!(m.run(&t), Err(NnError::NonFinite(_))));
    }
    // Unknown names.
    assert!(matches!("float9".parse::<WeightFormat>(), Err(NnError::Plan(_))));
    assert!(matches!("int3".parse::<Activations>(), Err(NnError::Plan(_))));
    assert!(matches!("double".parse::<Accumulation>(), Err(NnError::Plan(_))));
    assert!(matches!("float8_e8m0fnu".parse::<WeightFormat>(), Err(NnError::Plan(_))));
    let e = "weights=nope".parse::<LayerPlan>().unwrap_err().to_string();
    assert!(e.contains("vsq-int4-v64") && e.contains("float8_e4m3fn"), "{e}");
    // Plan files: errors name the line.
    for (text, line) in [
        ("default weights=f32\nconv1 weights=int5\n", "line 2"),
        ("# c\n\nconv1\n", "line 3"),
        ("default w=f32\ndefault w=mxfp4\n", "line 2"),
        ("conv1 colour=red\n", "line 1"),
        ("conv1 w=f32\nconv1 w=f32\n", "line 2"),
    ] {
        let e = Plan::parse(text).unwrap_err();
        assert!(matches!(&e, NnError::Plan(m) if m.contains(line)), "{text:?}: {e}");
    }
    // A plan naming no layer of the graph.
    let p = Plan::parse("conv9 weights=f32\n").unwrap();
    assert!(matches!(Model::new(&g, &p, None), Err(NnError::Plan(_))));
    // Calibration needed but not given.
    let p = Plan::uniform("weights=int8-per-row activations=int8-per-tensor".parse().unwrap());
    assert!(matches!(Model::new(&g, &p, None), Err(NnError::Plan(_))));
    // Bad calibration data.
    let mut bad = x.clone();
    bad.data_mut()[0] = f32::NAN;
    assert!(matches!(Model::new(&g, &p, Some(&bad)), Err(NnError::NonFinite(_))));
    assert!(matches!(Model::new(&g, &p, Some(&Tensor::zeros(vec![2, 3]))), Err(NnError::Shape(_))));
    // A reshape that does not fit names its node.
    let g2 = one_node(vec![None, Some(6)], Op::Reshape { shape: vec![0, 4] });
    let e = Model::new(&g2, &Plan::default(), None).unwrap().run(&Tensor::zeros(vec![1, 6])).unwrap_err();
    assert!(matches!(&e, NnError::Shape(m) if m.contains("`layer`")), "{e}");
}

#[test]
fn scalar_formats_round_as_documented() {
    for f in ScalarFormat::ALL {
        let id = f.format_id();
        assert_eq!(f.name().parse::<ScalarFormat>().unwrap(), f);
        assert_eq!(f.bits(), id.bits());
        let mut xs: Vec<f32> = (0..2000).map(|i| ((i as f32) - 1000.0) * 0.0137).collect();
        xs.extend([1e30, -1e30, 1e-30, 0.0, -0.0]);
        let mut bulk = xs.clone();
        f.round_slice_on(Backend::Portable, &mut bulk);
        let mut best = xs.clone();
        f.round_slice_on(Backend::best(), &mut best);
        for (i, &x) in xs.iter().enumerate() {
            let one = f.round(x);
            assert_eq!(one.to_bits(), bulk[i].to_bits(), "{f} {x}");
            assert_eq!(one.to_bits(), best[i].to_bits(), "{f} {x}");
            let has_inf = matches!(
                f,
                ScalarFormat::F16 | ScalarFormat::BF16 | ScalarFormat::Float8E5M2 | ScalarFormat::Float8E4M3
            );
            if x.abs() == 1e30 && !has_inf {
                assert_eq!(one.abs(), f.max(), "{f} saturates");
            }
            // The registry's nearest-even encoding, where it does not overflow.
            if x.abs() <= f.max() {
                let code = id.encode(x as f64, lowp::Rounding::NearestEven, lowp::Overflow::Saturating);
                assert_eq!(id.decode(code).unwrap() as f32, one, "{f} {x}");
            }
        }
    }
}

/// The arithmetic f16/bf16 activation rounding equals the crate's correctly rounded
/// conversion (`ScalarFormat::round`) on every backend: 2^24 f32 patterns spread over the
/// whole range (every exponent, both signs, subnormals, ±0, ±∞, NaN) plus every f16/bf16
/// rounding boundary (each midpoint and its neighbours).
#[test]
fn f16_bf16_activation_rounding_matches_the_conversion() {
    use lowp::bulk::Backend;
    use lowp::nn::ScalarFormat;
    let mut xs: Vec<f32> = (0u64..1 << 24).map(|i| f32::from_bits((i * 0x0000_0101 + (i >> 7)) as u32)).collect();
    for h in 0u32..=0xffff {
        // bf16 midpoints (h·2^16 + 2^15) and f16 ones (the f32 between two f16 neighbours).
        let m = (h << 16) | 0x8000;
        xs.extend([m - 1, m, m + 1].map(f32::from_bits));
        let a = half::f16::from_bits(h as u16).to_f32();
        let b = half::f16::from_bits((h as u16).wrapping_add(1)).to_f32();
        if a.is_finite() && b.is_finite() && (a < 0.0) == (b < 0.0) {
            let mid = ((a as f64 + b as f64) / 2.0) as f32;
            xs.extend([mid, f32::from_bits(mid.to_bits() - 1), f32::from_bits(mid.to_bits() + 1)]);
        }
    }
    xs.extend([65504.0, 65519.996, 65520.0, 65536.0, 3.4e38, f32::MAX, f32::MIN_POSITIVE, 5.96e-8, 2.98e-8, 2.99e-8]);
    for f in [ScalarFormat::F16, ScalarFormat::BF16] {
        let want: Vec<f32> = xs.iter().map(|&x| f.round(x)).collect();
        for b in [Backend::Portable, Backend::Avx2, Backend::Avx512] {
            let mut got = xs.clone();
            f.round_slice_on(b, &mut got);
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()),
                    "{f} {b:?}: x = {:e} ({:#010x}) gives {g:e}, the conversion {w:e}",
                    xs[i],
                    xs[i].to_bits()
                );
            }
        }
    }
}
