//! Images per second of `lowp::nn::Model::run` on a Fashion-MNIST-sized CNN with random weights
//! (conv 1→16 3×3 p1 – relu – maxpool 2 – conv 16→32 3×3 p1 – relu – maxpool 2 – reshape –
//! linear 1568→64 – relu – linear 64→10; 1.1 M multiply-adds per image), batch 64, one thread,
//! the minimum of several runs: `cargo run --release --example nn_timing [plan…]`, where a plan
//! is a layer plan string (`"weights=vsq-int4-v64 activations=int8"`) or a bare weight format.
use std::time::Instant;

use lowp::nn::{Conv2d, Graph, LayerPlan, Linear, Model, Node, Op, Plan, Pool2d, Tensor, ValueId};
use lowp::rng::SplitMix64;

fn main() {
    let mut r = SplitMix64::new(11);
    let mut g = move |scale: f32| ((r.next_u64() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale;
    let mut t = |shape: Vec<usize>, scale: f32| {
        let n = shape.iter().product();
        Tensor::new(shape, (0..n).map(|_| g(scale)).collect()).unwrap()
    };
    let conv = |w: Tensor, c: usize| {
        Op::Conv(Conv2d { weight: w, bias: vec![0.01; c], stride: [1, 1], pads: [1; 4], dilation: [1, 1], groups: 1 })
    };
    let pool = || {
        Op::MaxPool(Pool2d { kernel: [2, 2], stride: [2, 2], pads: [0; 4], ceil_mode: false, count_include_pad: false })
    };
    let ops = vec![
        ("conv1", conv(t(vec![16, 1, 3, 3], 0.5), 16)),
        ("relu1", Op::Relu),
        ("pool1", pool()),
        ("conv2", conv(t(vec![32, 16, 3, 3], 0.12), 32)),
        ("relu2", Op::Relu),
        ("pool2", pool()),
        ("flat", Op::Reshape { shape: vec![0, -1] }),
        ("fc1", Op::Linear(Linear { weight: t(vec![64, 1568], 0.03), bias: vec![0.0; 64] })),
        ("relu3", Op::Relu),
        ("fc2", Op::Linear(Linear { weight: t(vec![10, 64], 0.2), bias: vec![0.0; 10] })),
    ];
    let nodes: Vec<Node> = ops
        .into_iter()
        .enumerate()
        .map(|(i, (n, op))| Node { name: n.into(), op, inputs: vec![ValueId(i)], output: ValueId(i + 1) })
        .collect();
    let graph = Graph::new(vec![None, Some(1), Some(28), Some(28)], nodes, ValueId(10)).unwrap();
    let batch = 64;
    let x = t(vec![batch, 1, 28, 28], 1.0);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let plans: Vec<String> = if args.is_empty() {
        ["f32", "weights=int8-per-row activations=int8-per-tensor", "vsq-int4-v64", "float8_e4m3fn"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    } else {
        args
    };
    println!("kernels on {}", lowp::kernels::effective_backend(lowp::bulk::Backend::best()).name());
    for p in plans {
        let lp: LayerPlan = p.parse().unwrap();
        let model = Model::new(&graph, &Plan::uniform(lp), Some(&x)).unwrap();
        let mut best = f64::MAX;
        for _ in 0..15 {
            let t0 = Instant::now();
            let y = model.run(&x).unwrap();
            best = best.min(t0.elapsed().as_secs_f64());
            assert_eq!(y.shape(), &[batch, 10]);
        }
        println!(
            "{:<60} {:>8.0} images/s  ({:.2} ms per batch of {batch}, {:.2} bits/weight)",
            lp.to_string(),
            batch as f64 / best,
            best * 1e3,
            model.bits_per_weight()
        );
    }
}
