//! Differential test of lowp's posits against the Rust peers, with the MPFR reference as the
//! judge: `softposit` (P8E0 = posit<8,0>, P16E1 = posit<16,1>, P32E2 = posit<32,2>) and
//! `fast-posit` (p8, p16, p32, p64 = posit<N,2> of the 2022 standard). softposit has no
//! posit64.
//!
//! Every case is computed by lowp and by the peer; where the two codes differ, the MPFR
//! reference (`lowp::reference::posit::RefPosit`) decides. The test **fails only if lowp
//! disagrees with the reference**. A peer that disagrees with the reference is counted and
//! reported (first few cases listed in hex) in the summary printed at the end of each test:
//!
//! ```text
//! cargo test --release --features reference --test posit_peers -- --nocapture --test-threads 1
//! ```
//!
//! Coverage per peer format:
//! * 8 bits: every pair for `+ - * /`; every code through sqrt, to `f64`, to the two wider
//!   formats of the same crate; `f64` probes around every code (the value, the bit-string tie
//!   point and the arithmetic midpoint to the next code, each ±1 ulp, beyond ±maxpos and
//!   below minpos).
//! * 16 bits: every code through sqrt, to `f64`, the `f64` probes and the conversions to the
//!   8- and 32-bit formats of the same crate; every code against an edge set for `+ - * /`;
//!   10^6 seeded random pairs per op (uniform codes, values near 1, and near-cancelling pairs)
//!   and 10^6 seeded random `f64` through `from_f64`.
//! * 32 bits: 10^6 seeded random pairs per op and `f64` through `from_f64`; 10^5 seeded random codes through sqrt, to
//!   `f64`, the `f64` probes and the conversions to the 8- and 16-bit formats; the edge set
//!   against 10^4 random codes.
//! * 64 bits (fast-posit's p64): as for 32 bits, with the conversions to p8, p16 and p32 (and
//!   p32 to p64 in the 32-bit test); `to_f64` is nearest-even there (judged by MPFR at 53 bits).
//!
//! Where lowp and a peer agree, nothing is checked here (tests/posit_ref.rs checks lowp alone
//! against the reference).
#![cfg(feature = "reference")]

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use common::{rng_seed, SplitMix};
use fast_posit::RoundFrom;
use lowp::posit::{PositBits, Width, WidthStorage};
use lowp::reference::posit::RefPosit;
use lowp::{LowpFloat, Posit, Rounding};
use rug::Rational;

// ---------------------------------------------------------------------------------------------
// The peers behind one interface.

/// A peer crate's posit type.
trait Peer: Copy {
    /// `softposit` or `fast-posit`.
    const CRATE: &'static str;
    /// The peer's type name.
    const TYPE: &'static str;
    const N: u32;
    const ES: u32;
    fn from_code(c: u64) -> Self;
    fn code(self) -> u64;
    fn add(self, b: Self) -> Self;
    fn sub(self, b: Self) -> Self;
    fn mul(self, b: Self) -> Self;
    fn div(self, b: Self) -> Self;
    fn sqrt(self) -> Self;
    fn from_f64(x: f64) -> Self;
    fn to_f64(self) -> f64;
}

macro_rules! softposit_peer {
    ($t:ident, $u:ty, $n:literal, $es:literal) => {
        impl Peer for softposit::$t {
            const CRATE: &'static str = "softposit";
            const TYPE: &'static str = stringify!($t);
            const N: u32 = $n;
            const ES: u32 = $es;
            fn from_code(c: u64) -> Self {
                softposit::$t::from_bits(c as $u)
            }
            fn code(self) -> u64 {
                u64::from(self.to_bits())
            }
            fn add(self, b: Self) -> Self {
                self + b
            }
            fn sub(self, b: Self) -> Self {
                self - b
            }
            fn mul(self, b: Self) -> Self {
                self * b
            }
            fn div(self, b: Self) -> Self {
                self / b
            }
            fn sqrt(self) -> Self {
                softposit::$t::sqrt(self)
            }
            fn from_f64(x: f64) -> Self {
                softposit::$t::from_f64(x)
            }
            fn to_f64(self) -> f64 {
                softposit::$t::to_f64(self)
            }
        }
    };
}
softposit_peer!(P8E0, u8, 8, 0);
softposit_peer!(P16E1, u16, 16, 1);
softposit_peer!(P32E2, u32, 32, 2);

macro_rules! fast_posit_peer {
    ($t:ident, $i:ty, $u:ty, $n:literal) => {
        impl Peer for fast_posit::$t {
            const CRATE: &'static str = "fast-posit";
            const TYPE: &'static str = stringify!($t);
            const N: u32 = $n;
            const ES: u32 = 2;
            fn from_code(c: u64) -> Self {
                fast_posit::$t::from_bits(c as $i)
            }
            fn code(self) -> u64 {
                u64::from(self.to_bits() as $u)
            }
            fn add(self, b: Self) -> Self {
                self + b
            }
            fn sub(self, b: Self) -> Self {
                self - b
            }
            fn mul(self, b: Self) -> Self {
                self * b
            }
            fn div(self, b: Self) -> Self {
                self / b
            }
            fn sqrt(self) -> Self {
                fast_posit::$t::sqrt(self)
            }
            fn from_f64(x: f64) -> Self {
                <fast_posit::$t as RoundFrom<f64>>::round_from(x)
            }
            fn to_f64(self) -> f64 {
                <f64 as RoundFrom<fast_posit::$t>>::round_from(self)
            }
        }
    };
}
fast_posit_peer!(p8, i8, u8, 8);
fast_posit_peer!(p16, i16, u16, 16);
fast_posit_peer!(p32, i32, u32, 32);
fast_posit_peer!(p64, i64, u64, 64);

// ---------------------------------------------------------------------------------------------
// Bookkeeping.

/// How many peer-vs-reference cases are listed per row: `LOWP_PEER_SHOW`, default 6.
fn show_limit() -> usize {
    std::env::var("LOWP_PEER_SHOW").ok().and_then(|s| s.parse().ok()).unwrap_or(6)
}

#[derive(Default)]
struct Row {
    cases: u64,
    /// lowp ≠ peer.
    disagree: u64,
    /// peer ≠ reference.
    peer_wrong: u64,
    examples: Vec<String>,
}

/// The cases of one test, per operation.
struct Tally {
    title: String,
    show: usize,
    rows: BTreeMap<String, Row>,
    lowp_wrong: Vec<String>,
    lowp_wrong_count: u64,
}

impl Tally {
    fn new(title: String) -> Tally {
        Tally { title, show: show_limit(), rows: BTreeMap::new(), lowp_wrong: vec![], lowp_wrong_count: 0 }
    }

    fn row(&mut self, op: &str) -> &mut Row {
        if !self.rows.contains_key(op) {
            self.rows.insert(op.to_string(), Row::default());
        }
        self.rows.get_mut(op).unwrap()
    }

    /// One case: lowp's and the peer's result codes; on a disagreement the reference decides.
    /// `case` describes the inputs (built only when needed), `hex` formats a result code.
    fn check(
        &mut self,
        op: &str,
        lowp: u64,
        peer: u64,
        reference: impl FnOnce() -> u64,
        case: impl FnOnce() -> String,
        hex: impl Fn(u64) -> String,
    ) {
        let show = self.show;
        let row = self.row(op);
        row.cases += 1;
        if lowp == peer {
            return;
        }
        row.disagree += 1;
        let want = reference();
        let case = case();
        if peer != want {
            row.peer_wrong += 1;
            if row.examples.len() < show {
                row.examples.push(format!("{case}: peer {}, lowp = reference = {}", hex(peer), hex(want)));
            }
        }
        if lowp != want {
            self.lowp_wrong_count += 1;
            if self.lowp_wrong.len() < 20 {
                self.lowp_wrong.push(format!(
                    "{op} {case}: lowp {}, reference {}, peer {}",
                    hex(lowp),
                    hex(want),
                    hex(peer)
                ));
            }
        }
    }

    /// Prints the summary (one block, so parallel tests do not interleave) and fails if lowp
    /// disagreed with the reference anywhere.
    fn finish(self) {
        let mut s = format!("\n=== {} ===\n", self.title);
        let _ = writeln!(s, "{:<24} {:>12} {:>12} {:>12}", "op", "cases", "lowp!=peer", "peer!=ref");
        for (op, r) in &self.rows {
            let _ = writeln!(s, "{op:<24} {:>12} {:>12} {:>12}", r.cases, r.disagree, r.peer_wrong);
        }
        for (op, r) in &self.rows {
            for e in &r.examples {
                let _ = writeln!(s, "  {op}: {e}");
            }
            if r.peer_wrong as usize > r.examples.len() {
                let _ = writeln!(s, "  {op}: … {} more", r.peer_wrong as usize - r.examples.len());
            }
        }
        let _ = writeln!(s, "lowp != reference: {}", self.lowp_wrong_count);
        eprint!("{s}");
        assert!(
            self.lowp_wrong.is_empty(),
            "{}: lowp disagrees with the MPFR reference in {} cases:\n{}",
            self.title,
            self.lowp_wrong_count,
            self.lowp_wrong.join("\n")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// lowp side.

fn lp<const N: u32, const ES: u32>(c: u64) -> Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    Posit::from_bits(<Width<N> as WidthStorage>::Bits::from_u64(c))
}

fn lc<const N: u32, const ES: u32>(x: Posit<N, ES>) -> u64
where
    Width<N>: WidthStorage,
{
    x.to_bits().into()
}

fn hexer(n: u32) -> impl Fn(u64) -> String {
    move |c| format!("{c:#0w$x}", w = n.div_ceil(4) as usize + 2)
}

/// An `f64` for messages: the shortest decimal and the bits.
fn show_f64(x: f64) -> String {
    format!("{x:e} ({:#018x})", x.to_bits())
}

// ---------------------------------------------------------------------------------------------
// The checks, generic over the peer.

const OPS: [&str; 4] = ["add", "sub", "mul", "div"];

/// `+ - * /` of one pair.
fn check_pair<P: Peer, const N: u32, const ES: u32>(t: &mut Tally, r: &RefPosit, a: u64, b: u64)
where
    Width<N>: WidthStorage,
{
    let (x, y) = (lp::<N, ES>(a), lp::<N, ES>(b));
    let (u, v) = (P::from_code(a), P::from_code(b));
    let hex = hexer(N);
    for (i, op) in OPS.iter().enumerate() {
        let (l, p) = match i {
            0 => (lc(x + y), u.add(v).code()),
            1 => (lc(x - y), u.sub(v).code()),
            2 => (lc(x * y), u.mul(v).code()),
            _ => (lc(x / y), u.div(v).code()),
        };
        let reference = || match i {
            0 => r.add(a, b),
            1 => r.sub(a, b),
            2 => r.mul(a, b),
            _ => r.div(a, b),
        };
        t.check(op, l, p, reference, || format!("{op}({}, {})", hex(a), hex(b)), &hex);
    }
}

/// Unary checks of one code: sqrt, to f64 (exact), and from f64 at probes around the code.
fn check_unary<P: Peer, const N: u32, const ES: u32>(t: &mut Tally, r: &RefPosit, a: u64)
where
    Width<N>: WidthStorage,
{
    let hex = hexer(N);
    let x = lp::<N, ES>(a);
    let u = P::from_code(a);
    t.check("sqrt", lc(x.sqrt()), u.sqrt().code(), || r.sqrt(a), || format!("sqrt({})", hex(a)), &hex);

    // To f64: exact on both sides up to 32 bits, nearest-even beyond; compare bits, NaR ↦ any
    // NaN.
    let (lf, pf) = (x.to_f64(), u.to_f64());
    let same = lf.to_bits() == pf.to_bits() || (lf.is_nan() && pf.is_nan());
    t.row("to_f64").cases += 1;
    if !same {
        let want = r.value(a).map(|q| rug::Float::with_val(53, &q).to_f64()).unwrap_or(f64::NAN);
        let exact = |f: f64| match r.value(a) {
            None => f.is_nan(),
            Some(_) => f.to_bits() == want.to_bits(),
        };
        let (peer_ok, lowp_ok) = (exact(pf), exact(lf));
        let show = t.show;
        let row = t.row("to_f64");
        row.disagree += 1;
        if !peer_ok {
            row.peer_wrong += 1;
            if row.examples.len() < show {
                row.examples.push(format!("to_f64({}): peer {pf:e}, lowp = reference = {want:e}", hex(a)));
            }
        }
        if !lowp_ok {
            t.lowp_wrong_count += 1;
            t.lowp_wrong.push(format!("to_f64({}): lowp {lf:e}, reference {want:e}", hex(a)));
        }
    }

    for y in probes(r, a) {
        check_from_f64::<P, N, ES>(t, r, y);
    }
}

/// `f64` values around a code: its value; between it and the next code up the bit-string tie
/// point and the arithmetic midpoint (each also ±1 ulp); beyond maxpos; below minpos. Each
/// with both signs.
fn probes(r: &RefPosit, a: u64) -> Vec<f64> {
    let mut out = vec![];
    let Some(q) = r.value(a) else { return vec![f64::NAN, f64::INFINITY] };
    let q = q.abs();
    let v = q.to_f64();
    out.push(v);
    // The positive code of |value(a)|.
    let c = if a >> (r.n() - 1) == 1 { r.negate(a) } else { a };
    if c >= 1 && c < r.maxpos_code() {
        let next = r.value(c + 1).unwrap().to_f64();
        let tie = r.tie_point(c);
        let tf = tie.to_f64();
        if Rational::from_f64(tf).is_some_and(|t| t == tie) {
            out.extend([tf, tf.next_up(), tf.next_down()]);
        }
        let mid = (v + next) / 2.0; // exact: both have few significant bits, close exponents
        out.extend([mid, mid.next_up(), mid.next_down()]);
    }
    if c == r.maxpos_code() {
        out.extend([v * 1.5, v * 2.0, v * 1e30, f64::MAX, f64::INFINITY]);
    }
    if c == 1 {
        out.extend([v / 2.0, v * 0.75, v / 1e30, f64::MIN_POSITIVE, 5e-324]);
    }
    if c == 0 {
        out.push(0.0);
    }
    let neg: Vec<f64> = out.iter().map(|x| -x).collect();
    out.extend(neg);
    out.sort_by_key(|x| x.to_bits());
    out.dedup_by_key(|x| x.to_bits());
    out
}

/// A conversion of one code into another width: lowp's `convert` vs the peer's.
fn check_convert<P: Peer, Q: Peer, const N: u32, const ES: u32, const M: u32, const MES: u32>(
    t: &mut Tally,
    r: &RefPosit,
    dst: &RefPosit,
    a: u64,
    peer: impl Fn(P) -> Q,
) where
    Width<N>: WidthStorage,
    Width<M>: WidthStorage,
{
    let l = lc(lp::<N, ES>(a).convert::<Posit<M, MES>>());
    let p = peer(P::from_code(a)).code();
    let op = format!("to {}", Q::TYPE);
    let hex_src = hexer(N);
    t.check(
        &op,
        l,
        p,
        || r.convert_to(a, dst, Rounding::NearestEven),
        || format!("{}({}) -> {}", P::TYPE, hex_src(a), Q::TYPE),
        hexer(M),
    );
}

/// The edge set: 0, NaR, ±minpos, ±maxpos, ±1 and their neighbours, ±2, ±0.5.
fn edge_codes(n: u32) -> Vec<u64> {
    let mask = u64::MAX >> (64 - n);
    let one = 1u64 << (n - 2);
    let maxpos = (1u64 << (n - 1)) - 1;
    let mut v = vec![];
    for c in [0, 1, 2, 3, maxpos, maxpos - 1, maxpos - 2, one, one - 1, one + 1, one + (one >> 1), one - (one >> 1)] {
        v.push(c);
        v.push(c.wrapping_neg() & mask);
    }
    v.push(1u64 << (n - 1)); // NaR
    v.sort_unstable();
    v.dedup();
    v
}

/// A random operand: a uniform code (1/2), or a value with a short regime (|k| ≤ 3, so near 1
/// and with many fraction bits), random sign.
fn random_code(g: &mut SplitMix, n: u32) -> u64 {
    let mask = u64::MAX >> (64 - n);
    let w = g.next_u64();
    if w & 1 == 0 {
        return g.next_u64() & mask;
    }
    // Bits after the sign, built left-aligned in a u64 then cut to n-1 bits.
    let k = ((w >> 1) % 7) as i32 - 3;
    let (regime, rlen) = if k >= 0 { (((1u64 << (k + 1)) - 1) << 1, k as u32 + 2) } else { (1u64, (-k) as u32 + 1) };
    let mut body = regime << (64 - rlen);
    body |= (g.next_u64() >> rlen) & (u64::MAX >> rlen); // exponent and fraction: random
    let c = body >> (64 - (n - 1));
    let c = c.max(1);
    if w & 0x100 != 0 {
        c.wrapping_neg() & mask
    } else {
        c
    }
}

/// A random pair: two random operands, or (1/8) `b` close to `-a` / `a` for cancellation.
fn random_pair(g: &mut SplitMix, n: u32) -> (u64, u64) {
    let mask = u64::MAX >> (64 - n);
    let a = random_code(g, n);
    let w = g.next_u64();
    let b = if w.is_multiple_of(8) {
        let d = (w >> 8) % 9;
        let near = a.wrapping_add(d).wrapping_sub(4) & mask;
        if w & 0x10 != 0 {
            near.wrapping_neg() & mask
        } else {
            near
        }
    } else {
        random_code(g, n)
    };
    (a, b)
}

/// A random `f64` around the posit range of `posit<n, es>`: random sign, binary exponent
/// uniform over ±(maxpos scale + 4), and a mantissa that is either uniform or (1/2) a short
/// random head, a `1`, zeros and a lone low bit (just above a tie in many formats).
fn random_f64(g: &mut SplitMix, n: u32, es: u32) -> f64 {
    let top = ((n as i64 - 2) << es) + 4;
    let w = g.next_u64();
    let e = (w % (2 * top as u64 + 1)) as i64 - top;
    let mant = if w & (1 << 40) == 0 {
        g.next_u64() >> 12
    } else {
        let head = (g.next_u64() % 30) as u32 + 1;
        let m = (g.next_u64() >> (64 - head)) << (52 - head);
        m | (1u64 << (51 - head)) | ((w >> 41) & 1)
    };
    let sign = (w >> 63) << 63;
    f64::from_bits(sign | (((e + 1023) as u64) << 52) | (mant & ((1u64 << 52) - 1)))
}

/// `from_f64` of one value.
fn check_from_f64<P: Peer, const N: u32, const ES: u32>(t: &mut Tally, r: &RefPosit, y: f64)
where
    Width<N>: WidthStorage,
{
    let l = lc(Posit::<N, ES>::from_f64(y));
    let p = P::from_f64(y).code();
    t.check(
        "from_f64",
        l,
        p,
        || r.from_f64(y, Rounding::NearestEven),
        || format!("from_f64({})", show_f64(y)),
        hexer(N),
    );
}

fn title<P: Peer>(what: &str) -> String {
    format!("{} {} (posit<{},{}>) {what}", P::CRATE, P::TYPE, P::N, P::ES)
}

// ---------------------------------------------------------------------------------------------
// 8 bits: exhaustive.

fn exhaustive8<P: Peer, const ES: u32>(convert: impl Fn(&mut Tally, &RefPosit, u64)) {
    assert_eq!((P::N, P::ES), (8, ES));
    let r = RefPosit::new(8, ES);
    let mut t = Tally::new(title::<P>("exhaustive"));
    for a in 0..256 {
        for b in 0..256 {
            check_pair::<P, 8, ES>(&mut t, &r, a, b);
        }
        check_unary::<P, 8, ES>(&mut t, &r, a);
        convert(&mut t, &r, a);
    }
    t.finish();
}

#[test]
fn softposit_p8e0() {
    let (r16, r32) = (RefPosit::new(16, 1), RefPosit::new(32, 2));
    exhaustive8::<softposit::P8E0, 0>(|t, r, a| {
        check_convert::<softposit::P8E0, softposit::P16E1, 8, 0, 16, 1>(t, r, &r16, a, softposit::P16E1::from);
        check_convert::<softposit::P8E0, softposit::P32E2, 8, 0, 32, 2>(t, r, &r32, a, softposit::P32E2::from);
    });
}

#[test]
fn fast_posit_p8() {
    let (r16, r32) = (RefPosit::new(16, 2), RefPosit::new(32, 2));
    exhaustive8::<fast_posit::p8, 2>(|t, r, a| {
        check_convert::<fast_posit::p8, fast_posit::p16, 8, 2, 16, 2>(t, r, &r16, a, |x| x.convert());
        check_convert::<fast_posit::p8, fast_posit::p32, 8, 2, 32, 2>(t, r, &r32, a, |x| x.convert());
    });
}

// ---------------------------------------------------------------------------------------------
// 16 bits: every code through the unary ops, edge pairs, 10^6 random pairs.

const RANDOM_PAIRS: usize = 1_000_000;

fn run16<P: Peer, const ES: u32>(convert: impl Fn(&mut Tally, &RefPosit, u64)) {
    assert_eq!((P::N, P::ES), (16, ES));
    let r = RefPosit::new(16, ES);
    let seed = rng_seed(&title::<P>("random pairs"));
    let mut t = Tally::new(format!("{} (seed {seed:#x})", title::<P>("every code, edge pairs, random pairs")));
    let edges = edge_codes(16);
    for a in 0..1u64 << 16 {
        check_unary::<P, 16, ES>(&mut t, &r, a);
        convert(&mut t, &r, a);
        for &e in &edges {
            check_pair::<P, 16, ES>(&mut t, &r, a, e);
            check_pair::<P, 16, ES>(&mut t, &r, e, a);
        }
    }
    let mut g = SplitMix::new(seed);
    for _ in 0..RANDOM_PAIRS {
        let (a, b) = random_pair(&mut g, 16);
        check_pair::<P, 16, ES>(&mut t, &r, a, b);
        check_from_f64::<P, 16, ES>(&mut t, &r, random_f64(&mut g, 16, ES));
    }
    t.finish();
}

#[test]
fn softposit_p16e1() {
    let (r8, r32) = (RefPosit::new(8, 0), RefPosit::new(32, 2));
    run16::<softposit::P16E1, 1>(|t, r, a| {
        check_convert::<softposit::P16E1, softposit::P8E0, 16, 1, 8, 0>(t, r, &r8, a, softposit::P8E0::from);
        check_convert::<softposit::P16E1, softposit::P32E2, 16, 1, 32, 2>(t, r, &r32, a, softposit::P32E2::from);
    });
}

#[test]
fn fast_posit_p16() {
    let (r8, r32) = (RefPosit::new(8, 2), RefPosit::new(32, 2));
    run16::<fast_posit::p16, 2>(|t, r, a| {
        check_convert::<fast_posit::p16, fast_posit::p8, 16, 2, 8, 2>(t, r, &r8, a, |x| x.convert());
        check_convert::<fast_posit::p16, fast_posit::p32, 16, 2, 32, 2>(t, r, &r32, a, |x| x.convert());
    });
}

// ---------------------------------------------------------------------------------------------
// 32 bits: random pairs, random codes through the unary ops, edge set × random codes.

const RANDOM_CODES_32: usize = 100_000;
const EDGE_PARTNERS_32: usize = 10_000;

fn run32<P: Peer>(convert: impl Fn(&mut Tally, &RefPosit, u64)) {
    assert_eq!((P::N, P::ES), (32, 2));
    let r = RefPosit::new(32, 2);
    let seed = rng_seed(&title::<P>("random"));
    let mut t = Tally::new(format!("{} (seed {seed:#x})", title::<P>("random pairs, random codes, edge pairs")));
    let mut g = SplitMix::new(seed);
    for _ in 0..RANDOM_PAIRS {
        let (a, b) = random_pair(&mut g, 32);
        check_pair::<P, 32, 2>(&mut t, &r, a, b);
        check_from_f64::<P, 32, 2>(&mut t, &r, random_f64(&mut g, 32, 2));
    }
    for &e in &edge_codes(32) {
        check_unary::<P, 32, 2>(&mut t, &r, e);
        convert(&mut t, &r, e);
    }
    for _ in 0..RANDOM_CODES_32 {
        let a = random_code(&mut g, 32);
        check_unary::<P, 32, 2>(&mut t, &r, a);
        convert(&mut t, &r, a);
    }
    let edges = edge_codes(32);
    for _ in 0..EDGE_PARTNERS_32 {
        let a = random_code(&mut g, 32);
        for &e in &edges {
            check_pair::<P, 32, 2>(&mut t, &r, a, e);
            check_pair::<P, 32, 2>(&mut t, &r, e, a);
        }
    }
    t.finish();
}

#[test]
fn softposit_p32e2() {
    let (r8, r16) = (RefPosit::new(8, 0), RefPosit::new(16, 1));
    run32::<softposit::P32E2>(|t, r, a| {
        check_convert::<softposit::P32E2, softposit::P8E0, 32, 2, 8, 0>(t, r, &r8, a, softposit::P8E0::from);
        check_convert::<softposit::P32E2, softposit::P16E1, 32, 2, 16, 1>(t, r, &r16, a, softposit::P16E1::from);
    });
}

#[test]
fn fast_posit_p32() {
    let (r8, r16) = (RefPosit::new(8, 2), RefPosit::new(16, 2));
    run32::<fast_posit::p32>(|t, r, a| {
        check_convert::<fast_posit::p32, fast_posit::p8, 32, 2, 8, 2>(t, r, &r8, a, |x| x.convert());
        check_convert::<fast_posit::p32, fast_posit::p16, 32, 2, 16, 2>(t, r, &r16, a, |x| x.convert());
        check_convert::<fast_posit::p32, fast_posit::p64, 32, 2, 64, 2>(t, r, &RefPosit::new(64, 2), a, |x| {
            x.convert()
        });
    });
}

// ---------------------------------------------------------------------------------------------
// 64 bits (fast-posit only): random pairs and f64, random codes through the unary ops and the
// conversions to p8/p16/p32, edge set × random codes.

fn run64<P: Peer>(convert: impl Fn(&mut Tally, &RefPosit, u64)) {
    assert_eq!((P::N, P::ES), (64, 2));
    let r = RefPosit::new(64, 2);
    let seed = rng_seed(&title::<P>("random"));
    let mut t = Tally::new(format!("{} (seed {seed:#x})", title::<P>("random pairs, random codes, edge pairs")));
    let mut g = SplitMix::new(seed);
    for _ in 0..RANDOM_PAIRS {
        let (a, b) = random_pair(&mut g, 64);
        check_pair::<P, 64, 2>(&mut t, &r, a, b);
        check_from_f64::<P, 64, 2>(&mut t, &r, random_f64(&mut g, 64, 2));
    }
    for &e in &edge_codes(64) {
        check_unary::<P, 64, 2>(&mut t, &r, e);
        convert(&mut t, &r, e);
    }
    for _ in 0..RANDOM_CODES_32 {
        let a = random_code(&mut g, 64);
        check_unary::<P, 64, 2>(&mut t, &r, a);
        convert(&mut t, &r, a);
    }
    let edges = edge_codes(64);
    for _ in 0..EDGE_PARTNERS_32 {
        let a = random_code(&mut g, 64);
        for &e in &edges {
            check_pair::<P, 64, 2>(&mut t, &r, a, e);
            check_pair::<P, 64, 2>(&mut t, &r, e, a);
        }
    }
    t.finish();
}

#[test]
fn fast_posit_p64() {
    let (r8, r16, r32) = (RefPosit::new(8, 2), RefPosit::new(16, 2), RefPosit::new(32, 2));
    run64::<fast_posit::p64>(|t, r, a| {
        check_convert::<fast_posit::p64, fast_posit::p8, 64, 2, 8, 2>(t, r, &r8, a, |x| x.convert());
        check_convert::<fast_posit::p64, fast_posit::p16, 64, 2, 16, 2>(t, r, &r16, a, |x| x.convert());
        check_convert::<fast_posit::p64, fast_posit::p32, 64, 2, 32, 2>(t, r, &r32, a, |x| x.convert());
    });
}
