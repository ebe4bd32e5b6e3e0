//! Min-of-N timings of [`lowp::kernels::DenseMatrix`] on the shapes of a small Fashion-MNIST
//! CNN (im2col convolutions and the linear layers), per backend, against a naive `f32` triple
//! loop: `cargo run --release --example dense_timing [threads]` (one thread unless built with
//! `--features rayon`). GFLOP/s = 2 · rows · K · m / t.
use std::time::Instant;

use lowp::bulk::Backend;
use lowp::kernels::DenseMatrix;
use lowp::rng::SplitMix64;

/// The minimum wall time of `f` in seconds, over at least `min_reps` runs and about 0.4 s.
fn min_time(min_reps: usize, mut f: impl FnMut()) -> f64 {
    let mut best = f64::MAX;
    let start = Instant::now();
    let mut n = 0;
    while n < min_reps || (start.elapsed().as_secs_f64() < 0.4 && n < 1000) {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed().as_secs_f64());
        n += 1;
    }
    best
}

/// `y[j·rows + r] = b_r + Σ_k w[r·K + k] · x[j·K + k]`, plain `f32` adds in a triple loop.
fn naive(w: &[f32], b: &[f32], rows: usize, k: usize, x: &[f32], m: usize, y: &mut [f32]) {
    for j in 0..m {
        let xj = &x[j * k..(j + 1) * k];
        for r in 0..rows {
            let wr = &w[r * k..(r + 1) * k];
            let mut s = b[r];
            for i in 0..k {
                s += wr[i] * xj[i];
            }
            y[j * rows + r] = s;
        }
    }
}

fn main() {
    let mut rng = SplitMix64::new(11);
    let mut g = move || (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0;
    // (name, rows = c_out, K, m)
    let shapes = [
        ("conv1 im2col", 16, 9, 64 * 784),
        ("conv1 c_out 32", 32, 9, 64 * 784),
        ("conv2 im2col", 32, 144, 64 * 196),
        ("fc1", 64, 1568, 64),
        ("fc2", 10, 64, 64),
        ("conv2 L2-hot", 32, 144, 256),
        ("conv1 L2-hot", 16, 9, 4096),
    ];
    println!("| shape | rows × K × m | naive f32 | portable | AVX2 | AVX-512 | AVX-512 µs |");
    println!("|---|---|---|---|---|---|---|");
    for (name, rows, k, m) in shapes {
        let w: Vec<f32> = (0..rows * k).map(|_| g()).collect();
        let b: Vec<f32> = (0..rows).map(|_| g()).collect();
        let x: Vec<f32> = (0..m * k).map(|_| g()).collect();
        let mut y = vec![0f32; m * rows];
        let dm = DenseMatrix::new(&w, rows, k, Some(&b)).unwrap();
        let flop = 2.0 * (rows * k * m) as f64;
        let gf = |t: f64| flop / t / 1e9;
        let tn = min_time(3, || naive(&w, &b, rows, k, &x, m, &mut y));
        let mut line = format!("| {name} | {rows} × {k} × {m} | {:.1} |", gf(tn));
        let mut last = 0.0;
        for be in [Backend::Portable, Backend::Avx2, Backend::Avx512] {
            let t = min_time(3, || dm.gemm_into_on(be, &x, m, &mut y).unwrap());
            line += &format!(" {:.1} |", gf(t));
            last = t;
        }
        line += &format!(" {:.1} |", last * 1e6);
        println!("{line}");
    }
}
