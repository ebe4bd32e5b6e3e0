//! The ONNX importer (`lowp::nn::onnx`): every supported operator, the folds and fusions, and
//! malformed models (truncations, byte flips, bad sizes, unsupported operators) that must give
//! typed errors, never panics.
#![cfg(feature = "onnx")]

use lowp::nn::onnx::proto::{
    attribute_proto::AttributeType, tensor_shape_proto::dimension::Value as DimValue, tensor_shape_proto::Dimension,
    type_proto, AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, StringStringEntryProto,
    TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
};
use lowp::nn::onnx::{load, load_file};
use lowp::nn::{BinaryOp, Graph, NnError, Op, Operand, ValueId};
use lowp::rng::SplitMix64;
use prost::Message;

// ---- model builders ----

fn vi(name: &str, dims: &[Option<i64>]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| Dimension {
            value: Some(match d {
                Some(v) => DimValue::DimValue(*v),
                None => DimValue::DimParam("N".into()),
            }),
            ..Default::default()
        })
        .collect();
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            tensor_type: Some(type_proto::Tensor { elem_type: 1, shape: Some(TensorShapeProto { dim }) }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn out(name: &str) -> ValueInfoProto {
    ValueInfoProto { name: name.into(), ..Default::default() }
}

fn ft(name: &str, dims: &[i64], data: Vec<f32>) -> TensorProto {
    TensorProto { name: name.into(), dims: dims.to_vec(), data_type: 1, float_data: data, ..Default::default() }
}

fn it(name: &str, dims: &[i64], data: Vec<i64>) -> TensorProto {
    TensorProto { name: name.into(), dims: dims.to_vec(), data_type: 7, int64_data: data, ..Default::default() }
}

fn ai(name: &str, v: i64) -> AttributeProto {
    AttributeProto { name: name.into(), r#type: AttributeType::Int as i32, i: v, ..Default::default() }
}

fn af(name: &str, v: f32) -> AttributeProto {
    AttributeProto { name: name.into(), r#type: AttributeType::Float as i32, f: v, ..Default::default() }
}

fn ais(name: &str, v: &[i64]) -> AttributeProto {
    AttributeProto { name: name.into(), r#type: AttributeType::Ints as i32, ints: v.to_vec(), ..Default::default() }
}

fn astr(name: &str, v: &str) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: AttributeType::String as i32,
        s: v.as_bytes().to_vec(),
        ..Default::default()
    }
}

fn at(name: &str, t: TensorProto) -> AttributeProto {
    AttributeProto { name: name.into(), r#type: AttributeType::Tensor as i32, t: Some(t), ..Default::default() }
}

fn node(op: &str, name: &str, inputs: &[&str], outputs: &[&str], attrs: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        op_type: op.into(),
        name: name.into(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: outputs.iter().map(|s| s.to_string()).collect(),
        attribute: attrs,
        ..Default::default()
    }
}

fn model_opset(
    opset: i64,
    input: ValueInfoProto,
    nodes: Vec<NodeProto>,
    inits: Vec<TensorProto>,
    output: &str,
) -> ModelProto {
    ModelProto {
        ir_version: 8,
        opset_import: vec![OperatorSetIdProto { domain: String::new(), version: opset }],
        graph: Some(GraphProto {
            node: nodes,
            initializer: inits,
            input: vec![input],
            output: vec![out(output)],
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn model(input: ValueInfoProto, nodes: Vec<NodeProto>, inits: Vec<TensorProto>, output: &str) -> ModelProto {
    model_opset(17, input, nodes, inits, output)
}

fn import(m: &ModelProto) -> Result<Graph, NnError> {
    load(&m.encode_to_vec())
}

fn ops(g: &Graph) -> Vec<&'static str> {
    g.nodes().iter().map(|n| n.op.kind()).collect()
}

fn rand_vec(rng: &mut SplitMix64, n: usize) -> Vec<f32> {
    (0..n).map(|_| (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0).collect()
}

fn single(op: &str, attrs: Vec<AttributeProto>, dims: &[Option<i64>]) -> Result<Graph, NnError> {
    import(&model(vi("x", dims), vec![node(op, "n", &["x"], &["y"], attrs)], vec![], "y"))
}

/// A small conv net: Conv(+bias) → BatchNormalization → Relu → MaxPool → Flatten → Gemm.
fn small_cnn(seed: u64) -> ModelProto {
    let mut rng = SplitMix64::new(seed);
    let (c, o) = (2usize, 3usize);
    let inits = vec![
        ft("w", &[o as i64, c as i64, 3, 3], rand_vec(&mut rng, o * c * 9)),
        ft("b", &[o as i64], rand_vec(&mut rng, o)),
        ft("gamma", &[o as i64], rand_vec(&mut rng, o)),
        ft("beta", &[o as i64], rand_vec(&mut rng, o)),
        ft("mean", &[o as i64], rand_vec(&mut rng, o)),
        ft("var", &[o as i64], rand_vec(&mut rng, o).iter().map(|v| v.abs() + 0.1).collect()),
        ft("fc", &[4, (o * 2 * 2) as i64], rand_vec(&mut rng, 4 * o * 4)),
        ft("fcb", &[4], rand_vec(&mut rng, 4)),
    ];
    let nodes = vec![
        node("Conv", "conv", &["x", "w", "b"], &["c"], vec![ais("pads", &[1, 1, 1, 1])]),
        node("BatchNormalization", "bn", &["c", "gamma", "beta", "mean", "var"], &["bn"], vec![af("epsilon", 1e-3)]),
        node("Relu", "relu", &["bn"], &["r"], vec![]),
        node("MaxPool", "pool", &["r"], &["p"], vec![ais("kernel_shape", &[2, 2]), ais("strides", &[2, 2])]),
        node("Flatten", "flat", &["p"], &["f"], vec![]),
        node("Gemm", "fc", &["f", "fc", "fcb"], &["y"], vec![ai("transB", 1)]),
    ];
    model(vi("x", &[None, Some(c as i64), Some(4), Some(4)]), nodes, inits, "y")
}

// ---- operators ----

#[test]
fn small_cnn_imports_with_bn_folded() {
    let g = import(&small_cnn(1)).unwrap();
    assert_eq!(ops(&g), ["Conv", "Relu", "MaxPool", "Flatten", "Linear"]);
    assert_eq!(g.input_shape(), &[None, Some(2), Some(4), Some(4)]);
    for (i, n) in g.nodes().iter().enumerate() {
        assert_eq!(n.output, ValueId(i + 1));
        assert_eq!(n.inputs, vec![ValueId(i)]);
    }
    assert_eq!(g.output(), ValueId(5));
    assert_eq!(g.nodes()[0].name, "conv");
    let Op::MaxPool(p) = &g.nodes()[2].op else { panic!() };
    assert_eq!((p.kernel, p.stride, p.pads, p.ceil_mode), ([2, 2], [2, 2], [0; 4], false));
    assert_eq!(g.nodes()[3].op, Op::Flatten { axis: 1 });
}

/// The folded weights against the f64 formulas, and a naive conv+BN in f64 on a random
/// input against the folded conv in f64.
#[test]
fn bn_folding_matches_f64() {
    let m = small_cnn(7);
    let gp = m.graph.as_ref().unwrap();
    let get = |n: &str| gp.initializer.iter().find(|t| t.name == n).unwrap().float_data.clone();
    let (w, b, gamma, beta, mean, var) = (get("w"), get("b"), get("gamma"), get("beta"), get("mean"), get("var"));
    let g = import(&m).unwrap();
    let Op::Conv(conv) = &g.nodes()[0].op else { panic!() };
    assert_eq!(conv.weight.shape(), &[3, 2, 3, 3]);
    assert_eq!((conv.stride, conv.pads, conv.dilation, conv.groups), ([1, 1], [1; 4], [1, 1], 1));
    let eps = f64::from(1e-3f32);
    let s: Vec<f64> = (0..3).map(|o| f64::from(gamma[o]) / (f64::from(var[o]) + eps).sqrt()).collect();
    for o in 0..3 {
        for i in 0..18 {
            assert_eq!(conv.weight.data()[o * 18 + i], (f64::from(w[o * 18 + i]) * s[o]) as f32);
        }
        assert_eq!(conv.bias[o], ((f64::from(b[o]) - f64::from(mean[o])) * s[o] + f64::from(beta[o])) as f32);
    }
    // Naive 3x3 pad-1 conv in f64.
    let conv_f64 = |x: &[f64], w: &dyn Fn(usize) -> f64, bias: &dyn Fn(usize) -> f64| {
        let mut y = vec![0.0; 3 * 16];
        for o in 0..3 {
            for r in 0..4i64 {
                for c in 0..4i64 {
                    let mut acc = bias(o);
                    for ci in 0..2 {
                        for kr in 0..3 {
                            for kc in 0..3 {
                                let (rr, cc) = (r + kr as i64 - 1, c + kc as i64 - 1);
                                if (0..4).contains(&rr) && (0..4).contains(&cc) {
                                    acc += w(((o * 2 + ci) * 3 + kr) * 3 + kc) * x[ci * 16 + (rr * 4 + cc) as usize];
                                }
                            }
                        }
                    }
                    y[o * 16 + (r * 4 + c) as usize] = acc;
                }
            }
        }
        y
    };
    let mut rng = SplitMix64::new(99);
    let x: Vec<f64> = rand_vec(&mut rng, 32).into_iter().map(f64::from).collect();
    let reference: Vec<f64> = conv_f64(&x, &|i| f64::from(w[i]), &|o| f64::from(b[o]))
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let o = i / 16;
            (v - f64::from(mean[o])) * s[o] + f64::from(beta[o])
        })
        .collect();
    let folded = conv_f64(&x, &|i| f64::from(conv.weight.data()[i]), &|o| f64::from(conv.bias[o]));
    for (a, r) in folded.iter().zip(&reference) {
        assert!((a - r).abs() <= 1e-6 * (1.0 + r.abs()), "{a} vs {r}");
    }
}

#[test]
fn bn_not_after_conv_is_channel_affine() {
    let inits = vec![
        ft("g", &[2], vec![2.0, 0.5]),
        ft("b", &[2], vec![1.0, -1.0]),
        ft("m", &[2], vec![0.5, 0.25]),
        ft("v", &[2], vec![3.0, 0.0]),
    ];
    let nodes = vec![
        node("Relu", "r", &["x"], &["a"], vec![]),
        node("BatchNormalization", "bn", &["a", "g", "b", "m", "v"], &["y"], vec![af("epsilon", 1.0)]),
    ];
    let g = import(&model(vi("x", &[None, Some(2), Some(3), Some(3)]), nodes, inits, "y")).unwrap();
    assert_eq!(ops(&g), ["Relu", "BatchNormalization"]);
    let Op::ChannelAffine { scale, shift } = &g.nodes()[1].op else { panic!() };
    let s = [2.0 / 4f64.sqrt(), 0.5 / 1f64.sqrt()];
    assert_eq!(scale, &[s[0] as f32, s[1] as f32]);
    assert_eq!(shift, &[(1.0 - 0.5 * s[0]) as f32, (-1.0 - 0.25 * s[1]) as f32]);
}

#[test]
fn bn_after_conv_with_two_readers_is_not_folded() {
    let inits = vec![
        ft("w", &[2, 1, 1, 1], vec![1.0, 2.0]),
        ft("g", &[2], vec![1.0; 2]),
        ft("b", &[2], vec![0.0; 2]),
        ft("m", &[2], vec![0.0; 2]),
        ft("v", &[2], vec![1.0; 2]),
    ];
    let nodes = vec![
        node("Conv", "c", &["x", "w"], &["a"], vec![]),
        node("BatchNormalization", "bn", &["a", "g", "b", "m", "v"], &["n"], vec![]),
        node("Add", "add", &["a", "n"], &["y"], vec![]),
    ];
    let g = import(&model(vi("x", &[None, Some(1), Some(3), Some(3)]), nodes, inits, "y")).unwrap();
    assert_eq!(ops(&g), ["Conv", "BatchNormalization", "Add"]);
    let n = &g.nodes()[2];
    assert_eq!(n.inputs, vec![ValueId(1), ValueId(2)]);
    assert_eq!(
        n.op,
        Op::Binary { op: BinaryOp::Add, lhs: Operand::Value(ValueId(1)), rhs: Operand::Value(ValueId(2)) }
    );
}

#[test]
fn conv_attributes() {
    let inits = vec![ft("w", &[4, 2, 3, 3], vec![0.5; 72])];
    let attrs = vec![
        ais("strides", &[2, 1]),
        ais("pads", &[1, 0, 2, 1]),
        ais("dilations", &[1, 2]),
        ai("group", 2),
        ais("kernel_shape", &[3, 3]),
    ];
    let nodes = vec![node("Conv", "c", &["x", "w"], &["y"], attrs)];
    let g = import(&model(vi("x", &[Some(1), Some(4), Some(8), Some(8)]), nodes, inits, "y")).unwrap();
    let Op::Conv(c) = &g.nodes()[0].op else { panic!() };
    assert_eq!((c.stride, c.pads, c.dilation, c.groups), ([2, 1], [1, 0, 2, 1], [1, 2], 2));
    assert_eq!(c.bias, vec![0.0; 4]);
    // auto_pad SAME_UPPER on a known size: 5 wide, k 3, s 2 → out 3, total pad 2.
    let inits = vec![ft("w", &[1, 1, 3, 3], vec![1.0; 9])];
    let nodes =
        vec![node("Conv", "c", &["x", "w"], &["y"], vec![astr("auto_pad", "SAME_UPPER"), ais("strides", &[2, 2])])];
    let g = import(&model(vi("x", &[None, Some(1), Some(5), Some(6)]), nodes, inits, "y")).unwrap();
    let Op::Conv(c) = &g.nodes()[0].op else { panic!() };
    assert_eq!(c.pads, [1, 0, 1, 1]);
}

#[test]
fn conv_errors() {
    let run = |w: TensorProto, b: Option<TensorProto>, attrs: Vec<AttributeProto>, c: i64| {
        let mut ins = vec!["x", "w"];
        let mut inits = vec![w];
        if let Some(b) = b {
            ins.push("b");
            inits.push(b);
        }
        import(&model(
            vi("x", &[None, Some(c), Some(6), Some(6)]),
            vec![node("Conv", "cv", &ins, &["y"], attrs)],
            inits,
            "y",
        ))
    };
    let w = || ft("w", &[4, 2, 3, 3], vec![0.1; 72]);
    assert!(run(w(), None, vec![], 2).is_ok());
    assert!(matches!(run(w(), None, vec![], 3), Err(NnError::Shape(_))));
    assert!(matches!(run(w(), Some(ft("b", &[3], vec![0.0; 3])), vec![], 2), Err(NnError::Shape(_))));
    assert!(matches!(run(w(), None, vec![ais("strides", &[0, 1])], 2), Err(NnError::Model(_))));
    assert!(matches!(run(w(), None, vec![ais("pads", &[-1, 0, 0, 0])], 2), Err(NnError::Model(_))));
    assert!(matches!(run(w(), None, vec![ai("group", 3)], 6), Err(NnError::Model(_))));
    assert!(matches!(run(w(), None, vec![ai("group", 0)], 2), Err(NnError::Model(_))));
    assert!(matches!(run(w(), None, vec![ais("kernel_shape", &[5, 5])], 2), Err(NnError::Model(_))));
    assert!(matches!(run(w(), None, vec![astr("auto_pad", "BOGUS")], 2), Err(NnError::Model(_))));
    assert!(matches!(run(w(), None, vec![ais("dilations", &[9, 9])], 2), Err(NnError::Shape(_))));
    assert!(matches!(run(ft("w", &[4, 2, 3], vec![0.1; 24]), None, vec![], 2), Err(NnError::Unsupported { .. })));
    // An integer-typed attribute given as floats.
    let bad =
        AttributeProto { name: "group".into(), r#type: AttributeType::Float as i32, f: 1.0, ..Default::default() };
    assert!(matches!(run(w(), None, vec![bad], 2), Err(NnError::Model(_))));
}

#[test]
fn gemm_trans_b_0_and_1_give_the_same_linear() {
    let wt: Vec<f32> = (0..6).map(|i| i as f32).collect(); // [out=2, in=3]
    let w_kn: Vec<f32> = (0..6).map(|i| wt[(i % 2) * 3 + i / 2]).collect(); // [in=3, out=2]
    let mk = |b: TensorProto, tb: i64| {
        let nodes = vec![node(
            "Gemm",
            "g",
            &["x", "B", "C"],
            &["y"],
            vec![ai("transB", tb), af("alpha", 2.0), af("beta", 0.5)],
        )];
        import(&model(vi("x", &[None, Some(3)]), nodes, vec![b, ft("C", &[1, 2], vec![4.0, 6.0])], "y")).unwrap()
    };
    let g1 = mk(ft("B", &[2, 3], wt.clone()), 1);
    let g0 = mk(ft("B", &[3, 2], w_kn), 0);
    assert_eq!(g0, g1);
    let Op::Linear(l) = &g1.nodes()[0].op else { panic!() };
    assert_eq!(l.weight.shape(), &[2, 3]);
    assert_eq!(l.weight.data(), wt.iter().map(|v| v * 2.0).collect::<Vec<_>>().as_slice());
    assert_eq!(l.bias, vec![2.0, 3.0]);
    // transA, a C of the wrong shape, a B that does not fit the input.
    let nodes = vec![node("Gemm", "g", &["x", "B"], &["y"], vec![ai("transA", 1)])];
    let e = import(&model(vi("x", &[None, Some(3)]), nodes, vec![ft("B", &[3, 2], vec![0.0; 6])], "y")).unwrap_err();
    assert!(matches!(e, NnError::Unsupported { .. }), "{e}");
    let nodes = vec![node("Gemm", "g", &["x", "B", "C"], &["y"], vec![])];
    let inits = vec![ft("B", &[3, 2], vec![0.0; 6]), ft("C", &[2, 2], vec![0.0; 4])];
    assert!(import(&model(vi("x", &[None, Some(3)]), nodes, inits, "y")).is_err());
    let nodes = vec![node("Gemm", "g", &["x", "B"], &["y"], vec![])];
    let e = import(&model(vi("x", &[None, Some(4)]), nodes, vec![ft("B", &[3, 2], vec![0.0; 6])], "y")).unwrap_err();
    assert!(matches!(e, NnError::Shape(_)), "{e}");
}

#[test]
fn matmul_add_fuses_into_linear() {
    let w: Vec<f32> = (0..6).map(|i| i as f32).collect(); // [in=3, out=2]
    let nodes =
        vec![node("MatMul", "mm", &["x", "W"], &["h"], vec![]), node("Add", "add", &["bias", "h"], &["y"], vec![])];
    let inits = vec![ft("W", &[3, 2], w), ft("bias", &[2], vec![0.5, -0.5])];
    let g = import(&model(vi("x", &[None, Some(3)]), nodes, inits, "y")).unwrap();
    assert_eq!(ops(&g), ["Linear"]);
    assert_eq!(g.nodes()[0].name, "mm");
    let Op::Linear(l) = &g.nodes()[0].op else { panic!() };
    assert_eq!(l.weight.shape(), &[2, 3]);
    assert_eq!(l.weight.data(), &[0.0, 2.0, 4.0, 1.0, 3.0, 5.0]);
    assert_eq!(l.bias, vec![0.5, -0.5]);
    // Without the Add: zero bias. With an Add of a non-bias shape: kept as Binary.
    let nodes = vec![node("MatMul", "mm", &["x", "W"], &["y"], vec![])];
    let g = import(&model(vi("x", &[None, Some(3)]), nodes, vec![ft("W", &[3, 2], vec![1.0; 6])], "y")).unwrap();
    let Op::Linear(l) = &g.nodes()[0].op else { panic!() };
    assert_eq!(l.bias, vec![0.0, 0.0]);
    let nodes =
        vec![node("MatMul", "mm", &["x", "W"], &["h"], vec![]), node("Add", "add", &["h", "s"], &["y"], vec![])];
    let inits = vec![ft("W", &[3, 2], vec![1.0; 6]), ft("s", &[], vec![1.0])];
    let g = import(&model(vi("x", &[None, Some(3)]), nodes, inits, "y")).unwrap();
    assert_eq!(ops(&g), ["Linear", "Add"]);
}

#[test]
fn unary_and_pool_ops() {
    let x4 = [None, Some(3), Some(7), Some(7)];
    assert_eq!(single("Relu", vec![], &x4).unwrap().nodes()[0].op, Op::Relu);
    assert_eq!(single("Identity", vec![], &x4).unwrap().nodes()[0].op, Op::Identity);
    assert_eq!(single("Dropout", vec![], &x4).unwrap().nodes()[0].op, Op::Identity);
    assert_eq!(single("GlobalAveragePool", vec![], &x4).unwrap().nodes()[0].op, Op::GlobalAvgPool);
    assert_eq!(single("Flatten", vec![ai("axis", -2)], &x4).unwrap().nodes()[0].op, Op::Flatten { axis: 2 });
    assert_eq!(single("Softmax", vec![], &[None, Some(10)]).unwrap().nodes()[0].op, Op::Softmax { axis: 1 });
    assert_eq!(single("Softmax", vec![ai("axis", -3)], &x4).unwrap().nodes()[0].op, Op::Softmax { axis: 1 });
    let g = single(
        "AveragePool",
        vec![
            ais("kernel_shape", &[3, 2]),
            ais("strides", &[2, 2]),
            ais("pads", &[1, 1, 1, 0]),
            ai("ceil_mode", 1),
            ai("count_include_pad", 1),
        ],
        &x4,
    )
    .unwrap();
    let Op::AvgPool(p) = &g.nodes()[0].op else { panic!() };
    assert_eq!(
        (p.kernel, p.stride, p.pads, p.ceil_mode, p.count_include_pad),
        ([3, 2], [2, 2], [1, 1, 1, 0], true, true)
    );
    let e = single("MaxPool", vec![ais("kernel_shape", &[2, 2]), ais("dilations", &[2, 2])], &x4).unwrap_err();
    assert!(matches!(e, NnError::Unsupported { .. }), "{e}");
    let e = single("MaxPool", vec![ais("kernel_shape", &[2, 2]), ai("storage_order", 1)], &x4).unwrap_err();
    assert!(matches!(e, NnError::Unsupported { .. }), "{e}");
    assert!(single("MaxPool", vec![ais("kernel_shape", &[0, 2])], &x4).is_err());
    assert!(single("MaxPool", vec![], &x4).is_err());
    // Clip: opset ≥ 11 inputs (max only), opset 6 attributes.
    let nodes = vec![node("Clip", "c", &["x", "", "hi"], &["y"], vec![])];
    let g = import(&model(vi("x", &x4), nodes, vec![ft("hi", &[], vec![6.0])], "y")).unwrap();
    assert_eq!(g.nodes()[0].op, Op::Clip { min: f32::NEG_INFINITY, max: 6.0 });
    let nodes = vec![node("Clip", "c", &["x"], &["y"], vec![af("min", 0.0), af("max", 6.0)])];
    let g = import(&model_opset(9, vi("x", &x4), nodes, vec![], "y")).unwrap();
    assert_eq!(g.nodes()[0].op, Op::Clip { min: 0.0, max: 6.0 });
}

#[test]
fn binary_operands() {
    let inits = vec![ft("c", &[1, 3, 1, 1], vec![1.0, 2.0, 3.0])];
    let nodes = vec![node("Sub", "s", &["x", "c"], &["a"], vec![]), node("Div", "d", &["c", "a"], &["y"], vec![])];
    let g = import(&model(vi("x", &[None, Some(3), Some(4), Some(4)]), nodes, inits, "y")).unwrap();
    let Op::Binary { op, lhs, rhs } = &g.nodes()[0].op else { panic!() };
    assert_eq!((*op, lhs), (BinaryOp::Sub, &Operand::Value(ValueId(0))));
    let Operand::Const(c) = rhs else { panic!() };
    assert_eq!((c.shape(), c.data()), (&[1usize, 3, 1, 1][..], &[1.0f32, 2.0, 3.0][..]));
    let Op::Binary { op, lhs, rhs } = &g.nodes()[1].op else { panic!() };
    assert_eq!(*op, BinaryOp::Div);
    assert!(matches!(lhs, Operand::Const(_)));
    assert_eq!(rhs, &Operand::Value(ValueId(1)));
    assert_eq!(g.nodes()[1].inputs, vec![ValueId(1)]);
    // Mul of two constants folds away.
    let inits = vec![ft("a", &[2], vec![1.0, 2.0]), ft("b", &[], vec![3.0])];
    let nodes = vec![node("Mul", "m", &["a", "b"], &["k"], vec![]), node("Add", "add", &["x", "k"], &["y"], vec![])];
    let g = import(&model(vi("x", &[None, Some(2)]), nodes, inits, "y")).unwrap();
    let Op::Binary { rhs: Operand::Const(k), .. } = &g.nodes()[0].op else { panic!() };
    assert_eq!(k.data(), &[3.0, 6.0]);
    // Shapes that cannot broadcast.
    let nodes = vec![node("Add", "add", &["x", "c"], &["y"], vec![])];
    let e = import(&model(vi("x", &[None, Some(2)]), nodes, vec![ft("c", &[3], vec![0.0; 3])], "y")).unwrap_err();
    assert!(matches!(e, NnError::Shape(_)), "{e}");
}

/// The exporter-style flatten: Shape → Gather → Unsqueeze → Concat → Reshape.
fn exporter_flatten(opset: i64) -> ModelProto {
    let unsq = if opset >= 13 {
        node("Unsqueeze", "u", &["n", "axes"], &["nu"], vec![])
    } else {
        node("Unsqueeze", "u", &["n"], &["nu"], vec![ais("axes", &[0])])
    };
    let nodes = vec![
        node("Relu", "r", &["x"], &["a"], vec![]),
        node("Shape", "s", &["a"], &["sh"], vec![]),
        node("Constant", "k0", &[], &["zero"], vec![at("value", it("", &[], vec![0]))]),
        node("Gather", "g", &["sh", "zero"], &["n"], vec![ai("axis", 0)]),
        unsq,
        node("Constant", "k1", &[], &["m1"], vec![ais("value_ints", &[-1])]),
        node("Concat", "c", &["nu", "m1"], &["target"], vec![ai("axis", 0)]),
        node("Reshape", "rs", &["a", "target"], &["y"], vec![]),
    ];
    let mut inits = vec![];
    if opset >= 13 {
        inits.push(it("axes", &[1], vec![0]));
    }
    model_opset(opset, vi("x", &[None, Some(4), Some(2), Some(2)]), nodes, inits, "y")
}

#[test]
fn shape_subgraph_folds_to_reshape_0_minus_1() {
    for opset in [11, 13, 17] {
        let g = import(&exporter_flatten(opset)).unwrap();
        assert_eq!(ops(&g), ["Relu", "Reshape"], "opset {opset}");
        assert_eq!(g.nodes()[1].op, Op::Reshape { shape: vec![0, -1] });
        assert_eq!(g.nodes()[1].inputs, vec![ValueId(1)]);
    }
    // The batch needed at another position is refused with a reason.
    let mut m = exporter_flatten(17);
    let gp = m.graph.as_mut().unwrap();
    gp.node[6].input = vec!["m1".into(), "nu".into()];
    let e = import(&m).unwrap_err();
    let NnError::Unsupported { node: who, op, why } = e else { panic!("{e}") };
    assert_eq!((who.as_str(), op.as_str()), ("rs", "Reshape"));
    assert!(why.contains("free dimension"), "{why}");
    // A known batch folds to a constant target.
    let mut m = exporter_flatten(17);
    m.graph.as_mut().unwrap().input[0] = vi("x", &[Some(2), Some(4), Some(2), Some(2)]);
    let g = import(&m).unwrap();
    assert_eq!(g.nodes()[1].op, Op::Reshape { shape: vec![2, -1] });
}

#[test]
fn constant_folds() {
    // Transpose, Squeeze, Cast and Reshape of constants feed a Linear (via MatMul).
    let nodes = vec![
        node("Transpose", "t", &["w"], &["wt"], vec![]),
        node("Unsqueeze", "u", &["wt", "ax"], &["wu"], vec![]),
        node("Squeeze", "s", &["wu", "ax"], &["ws"], vec![]),
        node("Cast", "c", &["ws"], &["wc"], vec![ai("to", 1)]),
        node("MatMul", "mm", &["x", "wc"], &["y"], vec![]),
    ];
    let inits = vec![ft("w", &[2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), it("ax", &[1], vec![0])];
    let g = import(&model(vi("x", &[None, Some(3)]), nodes, inits, "y")).unwrap();
    let Op::Linear(l) = &g.nodes()[0].op else { panic!() };
    assert_eq!(l.weight.shape(), &[2, 3]);
    assert_eq!(l.weight.data(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    // Constant value attributes and a Reshape target from a constant.
    let nodes = vec![
        node("Constant", "k", &[], &["t"], vec![at("value", it("", &[2], vec![0, 12]))]),
        node("Reshape", "r", &["x", "t"], &["y"], vec![]),
    ];
    let g = import(&model(vi("x", &[None, Some(3), Some(2), Some(2)]), nodes, vec![], "y")).unwrap();
    assert_eq!(g.nodes()[0].op, Op::Reshape { shape: vec![0, 12] });
    let nodes = vec![node("Reshape", "r", &["x", "t"], &["y"], vec![ai("allowzero", 1)])];
    let e = import(&model(vi("x", &[None, Some(12)]), nodes, vec![it("t", &[2], vec![0, 12])], "y")).unwrap_err();
    assert!(matches!(e, NnError::Unsupported { .. }));
}

#[test]
fn dead_nodes_dropped_and_names() {
    let nodes = vec![
        node("Relu", "", &["x"], &["a"], vec![]),
        node("Sigmoid", "dead", &["a"], &["unused"], vec![]),
        node("Relu", "", &["a"], &["y"], vec![]),
    ];
    let g = import(&model(vi("x", &[None, Some(3)]), nodes, vec![], "y")).unwrap();
    assert_eq!(ops(&g), ["Relu", "Relu"]);
    assert_eq!(g.nodes()[0].name, "#0");
    assert_eq!(g.nodes()[1].name, "#2");
    assert_eq!(g.num_values(), 3);
    // Nodes out of order are scheduled; the output may be the input itself.
    let nodes = vec![node("Relu", "b", &["a"], &["y"], vec![]), node("Relu", "a", &["x"], &["a"], vec![])];
    let g = import(&model(vi("x", &[None, Some(3)]), nodes, vec![], "y")).unwrap();
    assert_eq!(g.nodes()[0].name, "a");
    let g = import(&model(vi("x", &[None, Some(3)]), vec![], vec![], "x")).unwrap();
    assert_eq!((g.nodes().len(), g.output()), (0, ValueId(0)));
}

// ---- errors ----

#[test]
fn unsupported_op_names_node_and_op() {
    let nodes = vec![node("Relu", "r", &["x"], &["a"], vec![]), node("LSTM", "the_lstm", &["a"], &["y"], vec![])];
    let e = import(&model(vi("x", &[None, Some(3)]), nodes, vec![], "y")).unwrap_err();
    let NnError::Unsupported { node: who, op, .. } = &e else { panic!("{e}") };
    assert_eq!((who.as_str(), op.as_str()), ("the_lstm", "LSTM"));
    assert!(e.to_string().contains("the_lstm") && e.to_string().contains("LSTM"));
    let mut n = node("Relu", "custom", &["x"], &["y"], vec![]);
    n.domain = "com.example".into();
    assert!(matches!(import(&model(vi("x", &[None]), vec![n], vec![], "y")), Err(NnError::Unsupported { .. })));
    // Transpose of a computed value is not folded.
    let e = single("Transpose", vec![], &[None, Some(3)]).unwrap_err();
    assert!(matches!(e, NnError::Unsupported { .. }));
}

#[test]
fn graph_structure_errors() {
    let x = || vi("x", &[None, Some(3)]);
    // Unknown input, cycle, value written twice, no output, two outputs, two inputs.
    let e = import(&model(x(), vec![node("Add", "a", &["x", "ghost"], &["y"], vec![])], vec![], "y")).unwrap_err();
    assert!(matches!(&e, NnError::Model(m) if m.contains("ghost")), "{e}");
    let nodes = vec![node("Relu", "p", &["x", "q"], &["p"], vec![]), node("Add", "q", &["x", "p"], &["q"], vec![])];
    let e = import(&model(x(), nodes, vec![], "q")).unwrap_err();
    assert!(matches!(&e, NnError::Model(m) if m.contains("cycle")), "{e}");
    let nodes = vec![node("Relu", "a", &["x"], &["y"], vec![]), node("Relu", "b", &["x"], &["y"], vec![])];
    assert!(matches!(import(&model(x(), nodes, vec![], "y")), Err(NnError::Model(_))));
    assert!(matches!(import(&model(x(), vec![], vec![], "nothing")), Err(NnError::Model(_))));
    let mut m = model(x(), vec![node("Relu", "a", &["x"], &["y"], vec![])], vec![], "y");
    m.graph.as_mut().unwrap().output.push(out("x"));
    assert!(matches!(import(&m), Err(NnError::Model(_))));
    let mut m = model(x(), vec![node("Relu", "a", &["x"], &["y"], vec![])], vec![], "y");
    m.graph.as_mut().unwrap().input.push(vi("x2", &[Some(1)]));
    assert!(matches!(import(&m), Err(NnError::Model(_))));
    // A non-float input, a missing graph, a missing opset.
    let mut m = model(x(), vec![], vec![], "x");
    m.graph.as_mut().unwrap().input[0].r#type.as_mut().unwrap().tensor_type.as_mut().unwrap().elem_type = 7;
    assert!(matches!(import(&m), Err(NnError::Model(_))));
    let mut m = model(x(), vec![], vec![], "x");
    m.graph = None;
    assert!(matches!(import(&m), Err(NnError::Model(_))));
    let mut m = model(x(), vec![], vec![], "x");
    m.opset_import.clear();
    assert!(matches!(import(&m), Err(NnError::Model(_))));
    // An initializer as an extra listed input is fine (IR < 4 style).
    let mut m = model(x(), vec![node("Add", "a", &["x", "c"], &["y"], vec![])], vec![ft("c", &[3], vec![1.0; 3])], "y");
    m.graph.as_mut().unwrap().input.push(vi("c", &[Some(3)]));
    assert!(import(&m).is_ok());
}

fn with_weight(t: TensorProto) -> ModelProto {
    model(vi("x", &[None, Some(2)]), vec![node("MatMul", "mm", &["x", "w"], &["y"], vec![])], vec![t], "y")
}

#[test]
fn tensor_errors() {
    // Wrong sizes, a raw_data length not a multiple of 4, negative and overflowing dims.
    let e = import(&with_weight(ft("w", &[2, 2], vec![1.0; 3]))).unwrap_err();
    assert!(matches!(&e, NnError::Model(m) if m.contains("`w`")), "{e}");
    let raw = |n: usize, dims: &[i64]| TensorProto {
        name: "w".into(),
        dims: dims.to_vec(),
        data_type: 1,
        raw_data: vec![0; n],
        ..Default::default()
    };
    assert!(import(&with_weight(raw(16, &[2, 2]))).is_ok());
    assert!(matches!(import(&with_weight(raw(15, &[2, 2]))), Err(NnError::Model(_))));
    assert!(matches!(import(&with_weight(raw(12, &[2, 2]))), Err(NnError::Model(_))));
    assert!(matches!(import(&with_weight(raw(16, &[-2, -2]))), Err(NnError::Model(_))));
    let huge = i64::MAX / 2;
    assert!(matches!(import(&with_weight(raw(16, &[huge, huge, 4]))), Err(NnError::Model(_))));
    assert!(matches!(import(&with_weight(raw(16, &[1 << 40, 1 << 40]))), Err(NnError::Model(_))));
    // Missing initializer; unsupported data type; external data.
    let m = model(vi("x", &[None, Some(2)]), vec![node("MatMul", "mm", &["x", "w"], &["y"], vec![])], vec![], "y");
    assert!(matches!(import(&m), Err(NnError::Model(_))));
    let s = TensorProto { name: "w".into(), dims: vec![1], data_type: 8, ..Default::default() };
    assert!(matches!(import(&with_weight(s)), Err(NnError::Model(m)) if m.contains("data type 8")));
    let mut ext = ft("w", &[2, 2], vec![]);
    ext.data_location = 1;
    ext.external_data = vec![StringStringEntryProto { key: "location".into(), value: "weights.bin".into() }];
    let e = import(&with_weight(ext)).unwrap_err();
    assert!(matches!(&e, NnError::Model(m) if m.contains("external") && m.contains("weights.bin")), "{e}");
    // NaN and infinite weights name the tensor.
    for bad in [f32::NAN, f32::INFINITY] {
        let e = import(&with_weight(ft("w", &[2, 2], vec![1.0, bad, 0.0, 0.0]))).unwrap_err();
        assert!(matches!(&e, NnError::NonFinite(m) if m.contains("`w`")), "{e}");
    }
    let m = small_cnn(3);
    let mut m2 = m.clone();
    m2.graph.as_mut().unwrap().initializer[0].float_data[5] = f32::NAN;
    assert!(matches!(import(&m2), Err(NnError::NonFinite(_))));
    // Other encodings of the same weight: double, float16, int32 (integers rejected for weights).
    let d = TensorProto {
        name: "w".into(),
        dims: vec![2, 2],
        data_type: 11,
        double_data: vec![1.0, 2.0, 3.0, 4.0],
        ..Default::default()
    };
    let g = import(&with_weight(d)).unwrap();
    let Op::Linear(l) = &g.nodes()[0].op else { panic!() };
    assert_eq!(l.weight.data(), &[1.0, 3.0, 2.0, 4.0]);
    let h = TensorProto {
        name: "w".into(),
        dims: vec![2, 2],
        data_type: 10,
        raw_data: [1.0f32, 2.0, 3.0, 4.0].iter().flat_map(|&v| half::f16::from_f32(v).to_le_bytes()).collect(),
        ..Default::default()
    };
    assert_eq!(import(&with_weight(h)).unwrap(), g);
    assert!(matches!(import(&with_weight(it("w", &[2, 2], vec![1; 4]))), Err(NnError::Model(_))));
}

#[test]
fn not_protobuf() {
    for bytes in [&b"hello world"[..], &[0xff; 64], &[0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]] {
        assert!(matches!(load(bytes), Err(NnError::Model(_))));
    }
    // Empty bytes decode to an empty model, which has no opset.
    assert!(matches!(load(&[]), Err(NnError::Model(_))));
    let e = load_file("/nonexistent/model.onnx").unwrap_err();
    assert!(matches!(&e, NnError::Model(m) if m.contains("/nonexistent/model.onnx")));
}

#[test]
fn every_truncation_is_an_error() {
    for m in [small_cnn(5), exporter_flatten(17)] {
        let bytes = m.encode_to_vec();
        assert!(load(&bytes).is_ok());
        for len in 0..bytes.len() {
            assert!(load(&bytes[..len]).is_err(), "prefix of {len} of {} bytes imported", bytes.len());
        }
    }
}

#[test]
fn random_byte_flips_never_panic() {
    let seed = std::env::var("LOWP_ONNX_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x05ee_d000);
    println!("byte-flip seed: {seed} (set LOWP_ONNX_SEED to replay)");
    let mut rng = SplitMix64::new(seed);
    let (mut ok, mut err) = (0, 0);
    for m in [small_cnn(11), exporter_flatten(17)] {
        let bytes = m.encode_to_vec();
        for _ in 0..10_000 {
            let mut b = bytes.clone();
            let flips = 1 + (rng.next_u64() % 4) as usize;
            for _ in 0..flips {
                let i = (rng.next_u64() % b.len() as u64) as usize;
                b[i] ^= 1 << (rng.next_u64() % 8);
            }
            match load(&b) {
                Ok(_) => ok += 1,
                Err(_) => err += 1,
            }
        }
    }
    println!("{ok} imported, {err} refused");
}

/// Constants with a zero dimension beside huge ones hold no data: folding them must not
/// overflow stride arithmetic or allocate by the other dimensions.
#[test]
fn empty_constants_with_huge_dims() {
    let big = 1i64 << 40;
    let z = |name: &str, dims: &[i64]| ft(name, dims, vec![]);
    let cases: Vec<(Vec<NodeProto>, Vec<TensorProto>)> = vec![
        (vec![node("Transpose", "t", &["c"], &["k"], vec![])], vec![z("c", &[0, big, big])]),
        (vec![node("Transpose", "t", &["c"], &["k"], vec![])], vec![z("c", &[big, big, 0])]),
        (
            vec![node("Gather", "g", &["c", "i"], &["k"], vec![ai("axis", 2)])],
            vec![z("c", &[big, big, 1, 0]), it("i", &[], vec![0])],
        ),
        (vec![node("Concat", "cc", &["c", "c"], &["k"], vec![ai("axis", 2)])], vec![z("c", &[big, big, 0])]),
        (vec![node("Mul", "m", &["c", "c"], &["k"], vec![])], vec![z("c", &[big, 0, big])]),
        (vec![node("Mul", "m", &["c", "d"], &["k"], vec![])], vec![z("c", &[big, 1, 0]), z("d", &[1, big, 0])]),
    ];
    for (mut nodes, inits) in cases {
        nodes.push(node("Add", "use", &["x", "k"], &["y"], vec![]));
        let r = import(&model(vi("x", &[None, Some(3)]), nodes, inits, "y"));
        assert!(r.is_err(), "{r:?}");
    }
    // A MatMul or Gemm weight [0, huge] / [huge, 0] (no data) is refused before any allocation.
    for dims in [[0, big], [big, 0]] {
        let nodes = vec![node("MatMul", "mm", &["x", "w"], &["y"], vec![])];
        assert!(import(&model(vi("x", &[None, Some(0)]), nodes, vec![z("w", &dims)], "y")).is_err());
        let nodes = vec![node("Gemm", "g", &["x", "w"], &["y"], vec![ai("transB", 1)])];
        assert!(import(&model(vi("x", &[None, Some(0)]), nodes, vec![z("w", &dims)], "y")).is_err());
    }
}
