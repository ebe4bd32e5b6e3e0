//! Accuracy bench reproducing the PERCIVAL result (Mallasén et al., "PERCIVAL: Open-Source Posit
//! RISC-V Core With Quire Capability", IEEE TETC 2022): matrix products `C = A·B` in posit32
//! with the quire are far more accurate than in float32.
//!
//! ```text
//! cargo bench --bench percival            # writes results/percival.md
//! PERCIVAL_ROWS=64 cargo bench --bench percival    # only 64 rows of the larger products
//! ```
//!
//! Square sizes 16 … 512; entries of three distributions (uniform(−1, 1), N(0, 1), and
//! log-uniform magnitudes 2^U(−20, 20) with a random sign), drawn as `f64` from a seeded
//! SplitMix64. As PERCIVAL does, the same `f64` matrices are converted to each format
//! (correctly rounded, by lowp's rounding core), and then:
//!
//! - **posit32 + quire**: every `c[i][j]` is [`lowp::dot`] (exact products, exact sum, one
//!   rounding);
//! - **posit32**: `c = c + a·b` in posit32, the product and the sum each rounded;
//! - **f32**: `c += a * b` in `f32`, sequential, no FMA;
//! - **bf16**: `c = c + a * b` in `half::bf16` arithmetic (each product and sum rounded to
//!   bf16; `half` computes in `f32` and rounds, which for a sum can round twice).
//!
//! Each result is compared with two **exact** products computed with `rug` (integer
//! multiply-accumulate on the exactly scaled inputs, no rounding anywhere):
//!
//! - *same inputs*: the exact product of the inputs as rounded to the format — the error of the
//!   arithmetic alone;
//! - *original inputs*: the exact product of the original `f64` matrices — the end-to-end
//!   error, input rounding included (what an application sees, and closest to PERCIVAL's
//!   comparison with a double-precision result computed from the original data).
//!
//! Relative error `|c − c_exact| / |c_exact|` per entry (exact zeros skipped), reported as the
//! maximum and the mean over the entries, and as decimal digits `−log10(mean)`. The exact
//! reference is the slow part (about `n³` big-integer multiply-adds per format and input set:
//! the whole bench takes about 110 s on two cores). Setting `PERCIVAL_ROWS=r` evaluates only `r`
//! evenly spaced rows of the larger products (every column), for a quicker run; by default every
//! entry is evaluated.

use std::fmt::Write as _;
use std::time::Instant;

use half::bf16;
use lowp::rng::SplitMix64;
use lowp::{dot, LowpFloat, P32};
use rug::{Assign, Float, Integer};

const SIZES: [usize; 6] = [16, 32, 64, 128, 256, 512];
const SEED: u64 = 0x5045_5243_4956_414c; // "PERCIVAL"

#[derive(Clone, Copy, Debug)]
enum Dist {
    Uniform,
    Normal,
    LogUniform,
}

impl Dist {
    fn name(self) -> &'static str {
        match self {
            Dist::Uniform => "U(−1,1)",
            Dist::Normal => "N(0,1)",
            Dist::LogUniform => "±2^U(−20,20)",
        }
    }
    fn sample(self, rng: &mut SplitMix64) -> f64 {
        match self {
            Dist::Uniform => 2.0 * rng.next_f64() - 1.0,
            Dist::Normal => {
                let u = 1.0 - rng.next_f64(); // (0, 1]
                let v = rng.next_f64();
                (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
            }
            Dist::LogUniform => {
                let m = (40.0 * rng.next_f64() - 20.0).exp2();
                if rng.next_u64() & 1 == 1 {
                    -m
                } else {
                    m
                }
            }
        }
    }
}

const METHODS: [&str; 4] = ["posit32 + quire", "posit32", "f32", "bf16"];

/// A row-major n×n matrix of exact `f64` values as big integers `m · 2^(e − scale)`.
struct ExactMatrix {
    ints: Vec<Integer>,
    scale: i32,
}

impl ExactMatrix {
    fn new(x: &[f64]) -> ExactMatrix {
        let parts: Vec<(i64, i32)> = x.iter().map(|&v| split(v)).collect();
        let scale = parts.iter().filter(|p| p.0 != 0).map(|p| p.1).min().unwrap_or(0);
        let ints = parts.iter().map(|&(m, e)| Integer::from(m) << (e - scale) as u32).collect();
        ExactMatrix { ints, scale }
    }
}

/// `x = m · 2^e` exactly (`m = 0` for zero).
fn split(x: f64) -> (i64, i32) {
    if x == 0.0 {
        return (0, 0);
    }
    let b = x.to_bits();
    let e = ((b >> 52) & 0x7ff) as i32;
    let f = (b & ((1 << 52) - 1)) as i64;
    let (m, e) = if e == 0 { (f, -1074) } else { (f | 1 << 52, e - 1075) };
    (if x < 0.0 { -m } else { m }, e)
}

/// Exact `C[rows, :] = A[rows, :] · B` as integers with a common scale (`B` given transposed).
fn exact_product(a: &[f64], bt: &[f64], n: usize, rows: &[usize]) -> (Vec<Integer>, i32) {
    let ea = ExactMatrix::new(a);
    let eb = ExactMatrix::new(bt);
    let mut out = Vec::with_capacity(rows.len() * n);
    let mut acc = Integer::new();
    for &i in rows {
        let ar = &ea.ints[i * n..(i + 1) * n];
        for j in 0..n {
            let br = &eb.ints[j * n..(j + 1) * n];
            acc.assign(0);
            for (x, y) in ar.iter().zip(br) {
                acc += x * y;
            }
            out.push(acc.clone());
        }
    }
    (out, ea.scale + eb.scale)
}

#[derive(Clone, Copy, Default)]
struct Stats {
    max: f64,
    sum: f64,
    count: usize,
    /// Sum of squared absolute errors (for the MSE).
    sq: f64,
}

impl Stats {
    fn add(&mut self, got: f64, exact: &Integer, scale: i32) {
        if *exact == 0 {
            return;
        }
        let e = Float::with_val(320, exact) << scale;
        let diff = Float::with_val(320, got) - &e;
        let rel = (Float::with_val(64, &diff) / &e).abs().to_f64();
        self.max = self.max.max(rel);
        self.sum += rel;
        self.count += 1;
        let d = diff.to_f64();
        self.sq += d * d;
    }
    fn mean(&self) -> f64 {
        self.sum / self.count as f64
    }
    fn mse(&self) -> f64 {
        self.sq / self.count as f64
    }
}

fn digits(mean: f64) -> String {
    if mean == 0.0 {
        "∞".into()
    } else {
        format!("{:.2}", -mean.log10())
    }
}

struct Row {
    n: usize,
    rows: usize,
    dist: Dist,
    /// Per method: (same inputs, original inputs).
    stats: [(Stats, Stats); 4],
}

fn run(n: usize, dist: Dist, max_rows: usize) -> Row {
    let mut rng = SplitMix64::new(SEED ^ (n as u64) << 32 ^ dist as u64);
    let a: Vec<f64> = (0..n * n).map(|_| dist.sample(&mut rng)).collect();
    let b: Vec<f64> = (0..n * n).map(|_| dist.sample(&mut rng)).collect();
    let bt: Vec<f64> = (0..n * n).map(|t| b[(t % n) * n + t / n]).collect();
    let nrows = n.min(max_rows);
    let rows: Vec<usize> = (0..nrows).map(|r| r * n / nrows).collect();

    // Inputs rounded to each format (correctly, from f64).
    let a32: Vec<P32> = a.iter().map(|&x| P32::from_f64(x)).collect();
    let bt32: Vec<P32> = bt.iter().map(|&x| P32::from_f64(x)).collect();
    let af: Vec<f32> = a.iter().map(|&x| <f32 as LowpFloat>::from_f64(x)).collect();
    let btf: Vec<f32> = bt.iter().map(|&x| <f32 as LowpFloat>::from_f64(x)).collect();
    let ab: Vec<bf16> = a.iter().map(|&x| <bf16 as LowpFloat>::from_f64(x)).collect();
    let btb: Vec<bf16> = bt.iter().map(|&x| <bf16 as LowpFloat>::from_f64(x)).collect();

    // The four computations, on the sampled rows.
    let mut results: [Vec<f64>; 4] = Default::default();
    for &i in &rows {
        for j in 0..n {
            let (ar, br) = (&a32[i * n..(i + 1) * n], &bt32[j * n..(j + 1) * n]);
            results[0].push(dot(ar, br).expect("same lengths").to_f64());
            let mut c = P32::default();
            for (&x, &y) in ar.iter().zip(br) {
                c += x * y;
            }
            results[1].push(c.to_f64());
            let mut c = 0f32;
            for (&x, &y) in af[i * n..(i + 1) * n].iter().zip(&btf[j * n..(j + 1) * n]) {
                c += x * y;
            }
            results[2].push(c as f64);
            let mut c = bf16::ZERO;
            for (&x, &y) in ab[i * n..(i + 1) * n].iter().zip(&btb[j * n..(j + 1) * n]) {
                c += x * y;
            }
            results[3].push(c.to_f64());
        }
    }

    // Exact references: the original inputs, and each format's rounded inputs.
    let as_f64 = |v: &[P32]| v.iter().map(|x| x.to_f64()).collect::<Vec<f64>>();
    let original = exact_product(&a, &bt, n, &rows);
    let same = [
        exact_product(&as_f64(&a32), &as_f64(&bt32), n, &rows),
        exact_product(
            &af.iter().map(|&x| x as f64).collect::<Vec<_>>(),
            &btf.iter().map(|&x| x as f64).collect::<Vec<_>>(),
            n,
            &rows,
        ),
        exact_product(
            &ab.iter().map(|x| x.to_f64()).collect::<Vec<_>>(),
            &btb.iter().map(|x| x.to_f64()).collect::<Vec<_>>(),
            n,
            &rows,
        ),
    ];
    let mut stats: [(Stats, Stats); 4] = Default::default();
    for (m, res) in results.iter().enumerate() {
        let s = &same[[0, 0, 1, 2][m]];
        for (t, &c) in res.iter().enumerate() {
            stats[m].0.add(c, &s.0[t], s.1);
            stats[m].1.add(c, &original.0[t], original.1);
        }
    }
    Row { n, rows: nrows, dist, stats }
}

fn main() {
    // `cargo bench` passes `--bench`; ignore arguments.
    let max_rows: usize = std::env::var("PERCIVAL_ROWS").ok().and_then(|s| s.parse().ok()).unwrap_or(usize::MAX);
    let start = Instant::now();
    let mut table = Vec::new();
    for &n in &SIZES {
        for dist in [Dist::Uniform, Dist::Normal, Dist::LogUniform] {
            let t = Instant::now();
            let row = run(n, dist, max_rows);
            eprintln!("n = {n:3} {:13} rows {:3}: {:.1} s", dist.name(), row.rows, t.elapsed().as_secs_f64());
            table.push(row);
        }
    }
    let elapsed = start.elapsed().as_secs_f64();

    let mut md = String::new();
    let _ = writeln!(
        md,
        "# PERCIVAL reproduction: matrix-product accuracy, posit32 with and without the quire, f32, bf16\n"
    );
    let _ = writeln!(
        md,
        "Generated by `cargo bench --bench percival` (benches/percival.rs; seed {SEED:#x}, {elapsed:.0} s). \
         `C = A·B` for square `n×n` matrices drawn as `f64`, converted (correctly rounded) to each format; \
         posit32 + quire: each entry is the quire-fused `lowp::dot` (one rounding); posit32: `c = c + a·b`, \
         each operation rounded; f32: `c += a * b` sequentially, no FMA; bf16: `half::bf16` arithmetic, \
         each operation rounded to bf16. Errors are relative, `|c − c_exact| / |c_exact|`, against exact \
         products computed with `rug` (big-integer multiply-accumulate):\n"
    );
    let _ = writeln!(
        md,
        "- **same inputs**: against the exact product of the inputs *as rounded to that format* — the error of the arithmetic alone;"
    );
    let _ = writeln!(
        md,
        "- **original inputs**: against the exact product of the original `f64` matrices — end to end, input rounding included.\n"
    );
    let sampling = if max_rows >= SIZES[SIZES.len() - 1] {
        "Every entry of every `C` is evaluated.".to_string()
    } else {
        format!(
            "For n > {max_rows}, {max_rows} evenly spaced rows of `C` (all columns) are evaluated (`PERCIVAL_ROWS`)."
        )
    };
    let _ = writeln!(md, "Digits = −log10(mean relative error). {sampling}\n");
    let _ = writeln!(
        md,
        "| n | rows | inputs | format | max rel (same) | mean rel (same) | digits (same) | max rel (orig) | mean rel (orig) | digits (orig) |"
    );
    let _ = writeln!(md, "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|");
    for r in &table {
        for (m, (s, o)) in r.stats.iter().enumerate() {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {:.2e} | {:.2e} | {} | {:.2e} | {:.2e} | {} |",
                r.n,
                r.rows,
                r.dist.name(),
                METHODS[m],
                s.max,
                s.mean(),
                digits(s.mean()),
                o.max,
                o.mean(),
                digits(o.mean())
            );
        }
    }
    let _ = writeln!(md, "\n## How many times smaller than f32's error\n");
    let _ = writeln!(
        md,
        "f32's error divided by posit32 + quire's (mean relative error against the exact product of the same inputs, \
         and of the original inputs; mean squared error against the original inputs, the measure PERCIVAL reports), \
         and by posit32's without the quire. Above 1: posit32 is more accurate.\n"
    );
    let _ = writeln!(
        md,
        "| n | inputs | quire: mean rel, same | quire: mean rel, orig | quire: MSE, orig | no quire: mean rel, orig | no quire: MSE, orig |"
    );
    let _ = writeln!(md, "|---:|---|---:|---:|---:|---:|---:|");
    for r in &table {
        let (q, f, p) = (&r.stats[0], &r.stats[2], &r.stats[1]);
        let ratio = |x: f64, y: f64| {
            if y == 0.0 {
                return "∞".to_string();
            }
            let r = x / y;
            if r >= 100.0 {
                format!("{r:.0}×")
            } else if r >= 0.1 {
                format!("{r:.2}×")
            } else {
                format!("{r:.1e}×")
            }
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.n,
            r.dist.name(),
            ratio(f.0.mean(), q.0.mean()),
            ratio(f.1.mean(), q.1.mean()),
            ratio(f.1.mse(), q.1.mse()),
            ratio(f.1.mean(), p.1.mean()),
            ratio(f.1.mse(), p.1.mse()),
        );
    }
    print!("{md}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("results");
    std::fs::create_dir_all(&dir).expect("create results/");
    std::fs::write(dir.join("percival.md"), &md).expect("write results/percival.md");
    eprintln!("wrote results/percival.md ({elapsed:.0} s)");
}
