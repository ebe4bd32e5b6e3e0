//! The element-wise posit slice operations (`lowp::posit::bulk`) against the scalar operators:
//! on every backend this CPU supports, every length 0..=70 and a long one, seeded random codes
//! mixed with edge codes (0, NaR, ±minpos, ±maxpos, ±1 and their neighbours), `+ − × ÷ √` give
//! exactly the operators' bits; wrong lengths give `LengthMismatch` and write nothing.

mod common;

use common::{rng_seed, SplitMix};
use lowp::bulk::{Backend, LengthMismatch};
use lowp::posit::{bulk, PositBits, Width, WidthStorage};
use lowp::{LowpFloat, Posit, P32};

const BACKENDS: [Backend; 3] = [Backend::Portable, Backend::Avx2, Backend::Avx512];

fn from_code<const N: u32, const ES: u32>(c: u64) -> Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    <Posit<N, ES> as LowpFloat>::from_bits(<Posit<N, ES> as LowpFloat>::Bits::from_u64(c & (u64::MAX >> (64 - N))))
}

/// 0, NaR, ±minpos, ±maxpos, ±1 and the neighbours of each.
fn edges(n: u32) -> Vec<u64> {
    let mask = u64::MAX >> (64 - n);
    let nar = 1u64 << (n - 1);
    let one = nar >> 1;
    let mut v = Vec::new();
    for c in [0, nar, 1, nar - 1, one] {
        for d in [0u64, 1, 2, mask, mask - 1] {
            v.push(c.wrapping_add(d) & mask);
            v.push(c.wrapping_add(d).wrapping_neg() & mask);
        }
    }
    v
}

/// `len` codes: random ones, with edge codes at random places (about one in three).
fn operands<const N: u32, const ES: u32>(g: &mut SplitMix, len: usize) -> Vec<Posit<N, ES>>
where
    Width<N>: WidthStorage,
{
    let e = edges(N);
    (0..len)
        .map(|_| {
            let r = g.next_u64();
            if r.is_multiple_of(3) {
                from_code(e[(r >> 8) as usize % e.len()])
            } else {
                from_code(r >> 16)
            }
        })
        .collect()
}

/// The scalar operator a slice operation must match.
type Scalar2<const N: u32, const ES: u32> = fn(Posit<N, ES>, Posit<N, ES>) -> Posit<N, ES>;

type Slice2<const N: u32, const ES: u32> =
    fn(Backend, &[Posit<N, ES>], &[Posit<N, ES>], &mut [Posit<N, ES>]) -> Result<(), LengthMismatch>;

fn check_lengths<const N: u32, const ES: u32>(g: &mut SplitMix, backend: Backend, len: usize)
where
    Width<N>: WidthStorage,
{
    let a = operands::<N, ES>(g, len);
    let mut b = operands::<N, ES>(g, len);
    // Some equal and opposite pairs (exact cancellation, x/x, x − x).
    for i in (0..len).step_by(7) {
        b[i] = if i % 2 == 0 { a[i] } else { -a[i] };
    }
    let ops: [(&str, Slice2<N, ES>, Scalar2<N, ES>); 4] = [
        ("add", bulk::add_on, |x, y| x + y),
        ("sub", bulk::sub_on, |x, y| x - y),
        ("mul", bulk::mul_on, |x, y| x * y),
        ("div", bulk::div_on, |x, y| x / y),
    ];
    let sentinel = from_code::<N, ES>(0x5a5a_5a5a);
    for (name, f, op) in ops {
        let mut out = vec![sentinel; len];
        f(backend, &a, &b, &mut out).unwrap();
        for i in 0..len {
            let want = op(a[i], b[i]);
            assert_eq!(
                out[i].to_bits(),
                want.to_bits(),
                "posit<{N},{ES}> {name} on {backend:?}, len {len}, i {i}: ({:?}, {:?})",
                a[i].to_bits(),
                b[i].to_bits()
            );
        }
        // Wrong lengths: an error naming them, nothing written.
        if len > 0 {
            let mut out = vec![sentinel; len];
            assert_eq!(f(backend, &a, &b[1..], &mut out), Err(LengthMismatch { src: len, dst: len - 1 }));
            assert_eq!(f(backend, &a, &b, &mut out[1..]), Err(LengthMismatch { src: len, dst: len - 1 }));
            assert!(out.iter().all(|&x| x == sentinel), "{name} wrote on a length error");
        }
    }
    let mut out = vec![sentinel; len];
    bulk::sqrt_on(backend, &a, &mut out).unwrap();
    for i in 0..len {
        assert_eq!(
            out[i].to_bits(),
            a[i].sqrt().to_bits(),
            "posit<{N},{ES}> sqrt on {backend:?}, len {len}, i {i}: {:?}",
            a[i].to_bits()
        );
    }
    if len > 0 {
        let mut out = vec![sentinel; len];
        assert_eq!(bulk::sqrt_on(backend, &a[1..], &mut out), Err(LengthMismatch { src: len - 1, dst: len }));
        assert!(out.iter().all(|&x| x == sentinel), "sqrt wrote on a length error");
    }
}

fn check_format<const N: u32, const ES: u32>()
where
    Width<N>: WidthStorage,
{
    let mut g = SplitMix::new(rng_seed(&format!("posit_bulk::posit<{N},{ES}>")));
    for backend in BACKENDS {
        if !backend.is_supported() {
            eprintln!("{backend:?} not supported here: skipped");
            continue;
        }
        for len in (0..=70).chain([4099, 100_003]) {
            check_lengths::<N, ES>(&mut g, backend, len);
        }
    }
}

/// Every pair of edge codes, on every backend (the special-operand path inside a vector).
fn all_edge_pairs<const N: u32, const ES: u32>()
where
    Width<N>: WidthStorage,
{
    let e = edges(N);
    let a: Vec<Posit<N, ES>> = e.iter().flat_map(|&x| e.iter().map(move |_| from_code(x))).collect();
    let b: Vec<Posit<N, ES>> = e.iter().flat_map(|_| e.iter().map(|&y| from_code(y))).collect();
    for backend in BACKENDS.into_iter().filter(|b| b.is_supported()) {
        let mut out = vec![Posit::<N, ES>::default(); a.len()];
        bulk::add_on(backend, &a, &b, &mut out).unwrap();
        assert!(out.iter().zip(a.iter().zip(&b)).all(|(&o, (&x, &y))| o == x + y), "add {backend:?}");
        bulk::sub_on(backend, &a, &b, &mut out).unwrap();
        assert!(out.iter().zip(a.iter().zip(&b)).all(|(&o, (&x, &y))| o == x - y), "sub {backend:?}");
        bulk::mul_on(backend, &a, &b, &mut out).unwrap();
        assert!(out.iter().zip(a.iter().zip(&b)).all(|(&o, (&x, &y))| o == x * y), "mul {backend:?}");
        bulk::div_on(backend, &a, &b, &mut out).unwrap();
        assert!(out.iter().zip(a.iter().zip(&b)).all(|(&o, (&x, &y))| o == x / y), "div {backend:?}");
    }
}

#[test]
fn p8() {
    check_format::<8, 2>();
    all_edge_pairs::<8, 2>();
}

#[test]
fn p16() {
    check_format::<16, 2>();
    all_edge_pairs::<16, 2>();
}

#[test]
fn p32() {
    check_format::<32, 2>();
    all_edge_pairs::<32, 2>();
}

#[test]
fn p16e1() {
    check_format::<16, 1>();
    all_edge_pairs::<16, 1>();
}

#[test]
fn posit12_1() {
    check_format::<12, 1>();
    all_edge_pairs::<12, 1>();
}

#[test]
fn other_widths() {
    // u8, u16 and u32 storage with unused high bits, and es from 0 to 4.
    check_format::<6, 0>();
    check_format::<7, 3>();
    check_format::<10, 4>();
    check_format::<20, 3>();
    check_format::<24, 0>();
    check_format::<31, 4>();
    all_edge_pairs::<20, 3>();
    all_edge_pairs::<31, 4>();
}

/// The default-backend functions are the `_on(Backend::best())` ones.
#[test]
fn best_backend_entry_points() {
    let mut g = SplitMix::new(rng_seed("posit_bulk::best"));
    let a = operands::<32, 2>(&mut g, 1000);
    let b = operands::<32, 2>(&mut g, 1000);
    let mut out = vec![P32::default(); 1000];
    bulk::add(&a, &b, &mut out).unwrap();
    assert!(out.iter().zip(a.iter().zip(&b)).all(|(&o, (&x, &y))| o == x + y));
    bulk::sub(&a, &b, &mut out).unwrap();
    assert!(out.iter().zip(a.iter().zip(&b)).all(|(&o, (&x, &y))| o == x - y));
    bulk::mul(&a, &b, &mut out).unwrap();
    assert!(out.iter().zip(a.iter().zip(&b)).all(|(&o, (&x, &y))| o == x * y));
    bulk::div(&a, &b, &mut out).unwrap();
    assert!(out.iter().zip(a.iter().zip(&b)).all(|(&o, (&x, &y))| o == x / y));
    bulk::sqrt(&a, &mut out).unwrap();
    assert!(out.iter().zip(&a).all(|(&o, &x)| o == x.sqrt()));
}
