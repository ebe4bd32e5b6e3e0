//! The ONNX importer (`lowp::nn::onnx::load`) on arbitrary bytes: it returns a graph or a
//! typed error and never panics; a graph it returns is well formed (values numbered densely
//! from the input, each node reading only earlier values, weights finite).
//!
//! Input bytes: the model file as is (seed the corpus with real `.onnx` files; most mutations
//! keep the protobuf framing, so the importer's own checks get exercised).
#![no_main]

use libfuzzer_sys::fuzz_target;
use lowp::nn::{onnx, Op, ValueId};

fuzz_target!(|data: &[u8]| {
    let Ok(g) = onnx::load(data) else { return };
    for (i, n) in g.nodes().iter().enumerate() {
        assert_eq!(n.output, ValueId(i + 1), "node `{}` is not numbered densely", n.name);
        assert!(n.inputs.iter().all(|v| v.0 <= i), "node `{}` reads a later value", n.name);
        match &n.op {
            Op::Conv(c) => {
                assert!(c.weight.data().iter().chain(&c.bias).all(|x| x.is_finite()));
                assert_eq!(c.weight.shape().len(), 4);
                assert_eq!(c.bias.len(), c.weight.shape()[0]);
                assert!(c.groups >= 1 && c.stride.iter().chain(&c.dilation).all(|&s| s >= 1));
            }
            Op::Linear(l) => {
                assert!(l.weight.data().iter().chain(&l.bias).all(|x| x.is_finite()));
                assert_eq!(l.weight.shape().len(), 2);
                assert_eq!(l.bias.len(), l.weight.shape()[0]);
            }
            Op::ChannelAffine { scale, shift } => {
                assert_eq!(scale.len(), shift.len());
                assert!(scale.iter().chain(shift).all(|x| x.is_finite()));
            }
            _ => {}
        }
    }
    assert!(g.output().0 <= g.nodes().len());
});
