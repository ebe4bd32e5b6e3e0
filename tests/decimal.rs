//! Decimal parsing (`lowp::decimal::parse`, `parse_with`) and shortest printing (`Display`,
//! `decimal::Shortest`) for every minifloat and `half::f16` / `half::bf16`.
//!
//! The expected values here come from the codes' own neighbours (midpoints, grid points,
//! stochastic thresholds built exactly in `f64` and printed exactly with `{:.1100}`), from
//! Rust's own correctly rounded `str::parse::<f64>` (where double rounding is provably
//! innocuous), and — with the feature `reference` — from the MPFR oracle on random strings.

use half::{bf16, f16};
use lowp::decimal::{self, parse, parse_with, ParseError, Shortest};
use lowp::{
    Float4E2M1FN, Float6E2M3FN, Float6E3M2FN, Float8E4M3, Float8E4M3B11FNUZ, Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2,
    Float8E5M2FNUZ, Float8E8M0FNU, LowpFloat, Overflow, Rounding,
};

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------

/// Every code of a format.
trait AllCodes: LowpFloat {
    fn all_codes() -> Vec<Self>;
}

macro_rules! all_codes {
    (u8: $($t:ty),*) => {$(
        impl AllCodes for $t {
            fn all_codes() -> Vec<Self> {
                (0..(1u32 << <$t as LowpFloat>::BITS)).map(|c| <$t as LowpFloat>::from_bits(c as u8)).collect()
            }
        }
    )*};
    (u16: $($t:ty),*) => {$(
        impl AllCodes for $t {
            fn all_codes() -> Vec<Self> {
                (0..=u16::MAX).map(<$t as LowpFloat>::from_bits).collect()
            }
        }
    )*};
}
all_codes!(u8: Float8E4M3FN, Float8E5M2, Float8E4M3FNUZ, Float8E5M2FNUZ, Float8E4M3B11FNUZ, Float8E4M3, Float6E2M3FN,
    Float6E3M2FN, Float4E2M1FN, Float8E8M0FNU);
all_codes!(u16: f16, bf16);

/// A random code of a format (any code, NaN and ∞ included).
trait RandomCode: LowpFloat {
    fn random(rng: &mut Rng) -> Self;
}

macro_rules! random_code {
    ($($t:ty => $bits:ty),*) => {$(
        impl RandomCode for $t {
            fn random(rng: &mut Rng) -> Self {
                <$t as LowpFloat>::from_bits(rng.u64() as $bits)
            }
        }
    )*};
}
random_code!(Float8E4M3FN => u8, Float8E5M2 => u8, Float8E4M3FNUZ => u8, Float8E5M2FNUZ => u8,
    Float8E4M3B11FNUZ => u8, Float8E4M3 => u8, Float6E2M3FN => u8, Float6E3M2FN => u8, Float4E2M1FN => u8,
    Float8E8M0FNU => u8, f16 => u16, bf16 => u16, f32 => u32);

/// A random pair of neighbours `(lo, hi)` of the extended positive grid (as [`pairs`]).
fn random_pair<T: RandomCode>(rng: &mut Rng) -> (T, Option<T>) {
    loop {
        let x = T::random(rng);
        if x.is_nan() || x.is_infinite() {
            continue;
        }
        let lo = if x.to_f64() < 0.0 || x.is_sign_negative() { -x } else { x };
        if bits(lo) == bits(T::max_value()) {
            return (lo, None);
        }
        return (lo, Some(lo.next_up()));
    }
}

/// Runs a generic test function for every format.
macro_rules! for_all_formats {
    ($f:ident) => {{
        $f::<Float8E4M3FN>();
        $f::<Float8E5M2>();
        $f::<Float8E4M3FNUZ>();
        $f::<Float8E5M2FNUZ>();
        $f::<Float8E4M3B11FNUZ>();
        $f::<Float8E4M3>();
        $f::<Float6E2M3FN>();
        $f::<Float6E3M2FN>();
        $f::<Float4E2M1FN>();
        $f::<Float8E8M0FNU>();
        $f::<f16>();
        $f::<bf16>();
    }};
}

fn bits<T: LowpFloat>(x: T) -> u64 {
    x.to_bits().into()
}

/// Same code, or both NaN.
fn same<T: LowpFloat>(a: T, b: T) -> bool {
    bits(a) == bits(b) || (a.is_nan() && b.is_nan())
}

fn signed<T: LowpFloat>() -> bool {
    T::min_value().to_f64() < 0.0
}

/// What an overflowing magnitude gives under nearest/away-from-zero rounding.
fn overflow_value<T: LowpFloat>(o: Overflow) -> T {
    match o {
        Overflow::Saturating => T::max_value(),
        Overflow::NonSaturating => T::infinity().or_else(T::nan).unwrap_or_else(T::max_value),
    }
}

fn show<T: LowpFloat>(x: T) -> String {
    Shortest(x).to_string()
}

/// The exact decimal expansion of a finite `f64` in plain notation, without trailing zeros.
fn exact_str(x: f64) -> String {
    let s = format!("{:.1100}", x);
    let s = s.trim_end_matches('0');
    s.trim_end_matches('.').to_string()
}

/// The significant digits `d` and decimal point position `p` of a positive `f64`:
/// `x = 0.d · 10^p` exactly, `d` without trailing zeros.
fn sig_digits(x: f64) -> (Vec<u8>, i64) {
    assert!(x > 0.0 && x.is_finite());
    let s = format!("{:.1100e}", x);
    let (mant, exp) = s.split_once('e').unwrap();
    let mut d: Vec<u8> = mant.bytes().filter(|c| c.is_ascii_digit()).collect();
    while d.last() == Some(&b'0') {
        d.pop();
    }
    (d, exp.parse::<i64>().unwrap() + 1)
}

/// `±0.d · 10^p` as a string.
fn dec(neg: bool, d: &[u8], p: i64) -> String {
    format!("{}0.{}e{}", if neg { "-" } else { "" }, std::str::from_utf8(d).unwrap(), p)
}

/// The `k`-digit decimals just below (truncation) and just above `0.d · 10^p` (`k < len(d)`).
fn neighbours(d: &[u8], p: i64, k: usize) -> ((Vec<u8>, i64), (Vec<u8>, i64)) {
    let lower = d[..k].to_vec();
    let mut upper = lower.clone();
    let mut i = k;
    loop {
        if i == 0 {
            break ((lower, p), (b"1".to_vec(), p + 1));
        }
        i -= 1;
        if upper[i] == b'9' {
            upper[i] = b'0';
        } else {
            upper[i] += 1;
            break ((lower, p), (upper, p));
        }
    }
}

/// Decimal places beyond which a perturbation stays below half of every gap between
/// neighbouring values of `T` (times `2^-extra_bits`): the smallest gap is the smallest
/// positive value (for E8M0 too, whose smallest gap is 2^-126 - 2^-127).
fn places<T: LowpFloat>(extra_bits: i32) -> usize {
    let gap = T::min_positive_subnormal().to_f64();
    (-(gap / 2f64.powi(extra_bits + 1)).log10()).ceil().max(0.0) as usize + 2
}

/// A plain decimal string moved by one unit in decimal place `max(places, its own) + extra`:
/// a nudge far smaller than any gap when `places` comes from [`places`].
fn nudge(s: &str, places: usize, extra: usize, up: bool) -> String {
    let mut t = s.to_string();
    if !t.contains('.') {
        t.push('.');
    }
    let frac_len = t.len() - t.find('.').unwrap() - 1;
    t.push_str(&"0".repeat(places.saturating_sub(frac_len) + extra - 1));
    if up {
        t.push('1');
        return t;
    }
    // Subtract one unit in the last place: ...x000 - 1 = ...(x-1)999.
    t.push('0');
    let mut b = t.into_bytes();
    let mut i = b.len();
    loop {
        i -= 1;
        match b[i] {
            b'.' => continue,
            b'0' => b[i] = b'9',
            c => {
                b[i] = c - 1;
                break;
            }
        }
    }
    String::from_utf8(b).unwrap()
}

/// Equivalent spellings of a plain positive decimal string: signs, leading zeros, exponents.
fn spellings(s: &str, neg: bool) -> Vec<String> {
    let sign = if neg { "-" } else { "" };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = format!("{int}{frac}");
    let k = frac.len() as i64;
    let mut v = vec![
        format!("{sign}{s}"),
        format!("{}{s}", if neg { "-" } else { "+" }),
        format!("{sign}000{s}"),
        format!("{sign}{digits}e-{k}"),
        format!("{sign}{digits}000E{}", -k - 3),
        format!("{sign}0.000{digits}e+{}", int.len() + 3),
    ];
    if frac.is_empty() {
        v.push(format!("{sign}{s}."));
    } else {
        v.push(format!("{sign}{s}0000"));
    }
    v
}

/// Positive values in increasing order: (+0 for signed formats,) every positive finite value.
fn positive_values<T: AllCodes>() -> Vec<T> {
    let mut v: Vec<T> = T::all_codes()
        .into_iter()
        .filter(|x| x.is_finite() && !x.is_nan() && x.to_f64() >= 0.0 && !(x.is_zero() && x.is_sign_negative()))
        .collect();
    v.sort_by(|a, b| a.to_f64().partial_cmp(&b.to_f64()).unwrap());
    v.dedup_by(|a, b| a.to_f64() == b.to_f64());
    v
}

/// The spacing of the top binade (the distance to the virtual grid point above max).
fn top_ulp<T: LowpFloat>() -> f64 {
    let max = T::max_value().to_f64();
    let e = ((max.to_bits() >> 52) & 0x7ff) as i32 - 1023;
    T::epsilon().to_f64() * 2f64.powi(e)
}

/// Consecutive pairs of the extended grid: `(lo, Some(hi))`, then `(max, None)` for the
/// virtual point above max.
fn pairs<T: AllCodes>() -> Vec<(T, Option<T>)> {
    let v = positive_values::<T>();
    let mut p: Vec<(T, Option<T>)> = v.windows(2).map(|w| (w[0], Some(w[1]))).collect();
    p.push((*v.last().unwrap(), None));
    p
}

fn hi_value<T: LowpFloat>(lo: T, hi: Option<T>) -> f64 {
    match hi {
        Some(h) => h.to_f64(),
        None => lo.to_f64() + top_ulp::<T>(),
    }
}

/// Result of rounding a value strictly between `lo` and `hi` (positive grid neighbours, `hi`
/// possibly the virtual point) away from zero, then applying the sign.
fn away<T: LowpFloat>(hi: Option<T>, neg: bool, o: Overflow) -> T {
    let m = hi.unwrap_or_else(|| overflow_value::<T>(o));
    if neg {
        -m
    } else {
        m
    }
}

fn toward<T: LowpFloat>(lo: T, neg: bool) -> T {
    if neg {
        -lo
    } else {
        lo
    }
}

#[track_caller]
fn check<T: LowpFloat>(s: &str, r: Rounding, o: Overflow, want: T) {
    let got: T = match parse_with(s, r, o) {
        Ok(x) => x,
        Err(e) => panic!("{}: {s:?} {r:?} {o:?} failed: {e}", T::NAME),
    };
    assert!(
        same(got, want),
        "{}: parse_with({s:?}, {r:?}, {o:?}) = {got:?} ({}), want {want:?} ({})",
        T::NAME,
        show(got),
        show(want)
    );
}

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn new(name: &str) -> Self {
        let seed = match std::env::var("LOWP_SEED") {
            Ok(s) => u64::from_str_radix(s.trim_start_matches("0x"), 16).expect("LOWP_SEED is hex"),
            Err(_) => {
                name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
            }
        };
        eprintln!("{name}: seed {seed:#x} (replay with LOWP_SEED={seed:x})");
        Rng(seed)
    }
    fn u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.u64() % n
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n).map(|_| (b'0' + self.below(10) as u8) as char).collect()
    }
}

// ------------------------------------------------------------------------------------------
// Display
// ------------------------------------------------------------------------------------------

/// Splits a plain decimal (as printed) into sign, significant digits and point position,
/// checking that it is in `f64`-`Display` style: no exponent, no superfluous zeros.
fn parse_plain(s: &str) -> (bool, Vec<u8>, i64) {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    assert!(!int.is_empty() && int.bytes().all(|c| c.is_ascii_digit()), "{s:?}: bad integer part");
    assert!(frac.bytes().all(|c| c.is_ascii_digit()), "{s:?}: bad fraction");
    assert!(int == "0" || !int.starts_with('0'), "{s:?}: leading zero");
    assert!(!frac.ends_with('0'), "{s:?}: trailing zero in the fraction");
    assert!(!body.ends_with('.'), "{s:?}: trailing point");
    let all = format!("{int}{frac}");
    let lead = all.bytes().take_while(|&c| c == b'0').count();
    let mut d: Vec<u8> = all.bytes().skip(lead).collect();
    while d.last() == Some(&b'0') {
        d.pop();
    }
    (neg, d, int.len() as i64 - lead as i64)
}

fn reads_back<T: LowpFloat>(s: &str, x: T) -> bool {
    match parse::<T>(s) {
        Ok(y) => same(x, y),
        Err(e) => panic!("{s:?} does not parse: {e}"),
    }
}

fn display_roundtrip_and_minimal<T: AllCodes>() {
    for x in T::all_codes() {
        let s = show(x);
        assert!(reads_back(&s, x), "{}: {x:?} prints {s:?}, which reads back as {:?}", T::NAME, parse::<T>(&s));
        let v = x.to_f64();
        if x.is_nan() {
            assert_eq!(s, "NaN");
            continue;
        }
        if x.is_infinite() {
            assert_eq!(s, if v < 0.0 { "-inf" } else { "inf" });
            continue;
        }
        if x.is_zero() {
            assert_eq!(s, if x.is_sign_negative() { "-0" } else { "0" }, "{}: {x:?}", T::NAME);
            continue;
        }
        let (neg, d, p) = parse_plain(&s);
        assert_eq!(neg, v < 0.0, "{s:?}");
        let n = d.len();
        let (ed, ep) = sig_digits(v.abs());
        // Shorter: neither (n-1)-digit neighbour reads back.
        if n > 1 {
            let ((lo, lp), (up, upp)) = neighbours(&ed, ep, n - 1);
            for (dd, pp) in [(lo, lp), (up, upp)] {
                let t = dec(neg, &dd, pp);
                assert!(!reads_back(&t, x), "{}: {x:?} prints {s:?} but the shorter {t:?} also reads back", T::NAME);
            }
        }
        // Closest among the n-digit ones.
        if ed.len() <= n {
            assert_eq!((d.clone(), p), (ed.clone(), ep), "{}: {x:?} prints {s:?}, not its exact value", T::NAME);
        } else {
            let ((lo, lp), (up, upp)) = neighbours(&ed, ep, n);
            let norm = |mut v: Vec<u8>| {
                while v.last() == Some(&b'0') {
                    v.pop();
                }
                v
            };
            let (lo, up) = (norm(lo), norm(up));
            let is_lo = (d.clone(), p) == (lo.clone(), lp);
            let is_up = (d.clone(), p) == (up.clone(), upp);
            assert!(is_lo || is_up, "{}: {x:?} prints {s:?}, not an n-digit neighbour", T::NAME);
            let other = if is_lo { dec(neg, &up, upp) } else { dec(neg, &lo, lp) };
            if reads_back(&other, x) {
                // Both read back: the printed one is the closer, an exact tie goes up (as
                // Rust's float Display does).
                let lower_closer = ed[n] < b'5';
                assert_eq!(is_lo, lower_closer, "{}: {x:?} prints {s:?}, {other:?} is closer", T::NAME);
            }
        }
    }
}

#[test]
fn display_roundtrips_and_is_shortest() {
    for_all_formats!(display_roundtrip_and_minimal);
}

fn display_flags_like_f64<T: AllCodes>() {
    for x in T::all_codes() {
        let s = show(x);
        let y: f64 = s.parse().unwrap();
        // The printed string is also f64's shortest for its own value (≤ 9 digits).
        if format!("{y}") != s {
            continue;
        }
        let w = Shortest(x);
        assert_eq!(format!("{w:>9}|{w:<9}|{w:^9}|{w:*^9}"), format!("{y:>9}|{y:<9}|{y:^9}|{y:*^9}"), "{s}");
        assert_eq!(format!("{w:+}|{w:09}|{w:+09}|{w:1}"), format!("{y:+}|{y:09}|{y:+09}|{y:1}"), "{s}");
        let v = x.to_f64();
        assert_eq!(format!("{w:.3}|{w:.0}|{w:+10.2}|{w:.60}"), format!("{v:.3}|{v:.0}|{v:+10.2}|{v:.60}"), "{s}");
    }
}

#[test]
fn display_flags_and_precision_like_f64() {
    for_all_formats!(display_flags_like_f64);
}

/// `f32` through `Shortest` prints what Rust's own `f32` `Display` prints (the shortest
/// round-trip digits, the closest when several are as short), on random and edge codes.
#[test]
fn shortest_f32_matches_rust_display() {
    let mut rng = Rng::new("shortest_f32_matches_rust_display");
    let edges = [1u32, 2, 3, 0x007f_ffff, 0x0080_0000, 0x7f7f_ffff, 0x3f80_0000, 0x3dcc_cccd, 0x4b80_0000, 0x7f00_0000];
    let randoms: Vec<u32> = (0..200_000).map(|_| rng.u64() as u32).collect();
    for b in edges.iter().copied().chain(randoms) {
        let x = f32::from_bits(b);
        let mine = Shortest(x).to_string();
        assert_eq!(mine, format!("{x}"), "{b:#010x}");
        assert!(same(parse::<f32>(&mine).unwrap(), x));
    }
}

#[test]
fn display_known_values() {
    let e4 = |v: f64| Float8E4M3FN::from_f64(v).to_string();
    assert_eq!(e4(0.3), "0.3");
    assert_eq!(e4(448.0), "450");
    assert_eq!(e4(-448.0), "-450");
    assert_eq!(e4(1.5), "1.5");
    assert_eq!(e4(0.1), "0.1");
    assert_eq!(e4(-0.0), "-0");
    assert_eq!(e4(2f64.powi(-9)), "0.002"); // smallest subnormal 0.001953125
    assert_eq!(Float8E4M3FN::from_bits(0x7f).to_string(), "NaN");
    assert_eq!(Float8E5M2::from_f64(f64::INFINITY).to_string(), "inf");
    assert_eq!(Float8E5M2::from_f64(f64::NEG_INFINITY).to_string(), "-inf");
    assert_eq!(Float8E5M2::max_value().to_string(), "60000"); // below the overflow threshold 61440
    assert_eq!(Float4E2M1FN::from_f64(6.0).to_string(), "6");
    assert_eq!(Float8E4M3FNUZ::from_f64(-0.0).to_string(), "0");
    // E8M0: plain notation even at 2^±127.
    let big = Float8E8M0FNU::max_value().to_string();
    assert!(big.len() == 39 && !big.contains(['e', '.']), "{big}");
    let tiny = Float8E8M0FNU::from_bits(0).to_string();
    assert!(tiny.starts_with("0.0000000000000000000000000000000000000") && !tiny.contains('e'), "{tiny}");
    assert_eq!(Shortest(f16::MAX).to_string(), "65500");
    assert_eq!(Shortest(f16::from_f32(0.1)).to_string(), "0.1");
    assert_eq!(Shortest(f16::from_bits(1)).to_string(), "0.00000006");
    assert_eq!(Shortest(bf16::from_f32(3.0e38)).to_string(), format!("3{}", "0".repeat(38)));
    assert_eq!(Float8E8M0FNU::max_value().to_string(), format!("2{}", "0".repeat(38)));
}

// ------------------------------------------------------------------------------------------
// Parsing at and around midpoints, grid points and stochastic thresholds
// ------------------------------------------------------------------------------------------

const DIRECTED: [Rounding; 3] = [Rounding::TowardZero, Rounding::Up, Rounding::Down];
const OVERFLOWS: [Overflow; 2] = [Overflow::NonSaturating, Overflow::Saturating];

/// Expected result of rounding a value strictly between `lo` and `hi` with sign `neg`.
fn between<T: LowpFloat>(lo: T, hi: Option<T>, neg: bool, r: Rounding, o: Overflow) -> T {
    let away_from_zero = match r {
        Rounding::TowardZero => false,
        Rounding::Up => !neg,
        Rounding::Down => neg,
        _ => unreachable!(),
    };
    if away_from_zero {
        away(hi, neg, o)
    } else {
        toward(lo, neg)
    }
}

fn midpoints<T: AllCodes>() {
    let sgn = signed::<T>();
    let ps = pairs::<T>();
    let many = ps.len() > 1000;
    let pl = places::<T>(0);
    for (i, &(lo, hi)) in ps.iter().enumerate() {
        let m = (lo.to_f64() + hi_value(lo, hi)) / 2.0;
        let ms = exact_str(m);
        // Nearest-even: below -> lo, at -> even code, above -> hi; E8M0 (no fraction bits)
        // sends ties away from zero (SEMANTICS rule 2).
        let tie = if bits(lo) % 2 == 0 && T::NAME != "float8_e8m0fnu" { Some(lo) } else { hi };
        let mut extras = vec![1, 40];
        if !many || i % 97 == 0 {
            extras.push(2000); // strings with thousands of digits
        }
        for neg in [false, true] {
            if neg && !sgn {
                continue;
            }
            let at_want = match tie {
                Some(t) => toward(t, neg),
                None => away(None, neg, T::DEFAULT_OVERFLOW),
            };
            let spell = if many && i % 13 != 0 {
                vec![format!("{}{ms}", if neg { "-" } else { "" })]
            } else {
                spellings(&ms, neg)
            };
            for s in &spell {
                check::<T>(s, Rounding::NearestEven, T::DEFAULT_OVERFLOW, at_want);
                assert!(same(parse::<T>(s).unwrap(), at_want), "{s}");
            }
            for &extra in &extras {
                for up in [false, true] {
                    let t = nudge(&ms, pl, extra, up);
                    let t = format!("{}{t}", if neg { "-" } else { "" });
                    let want = if up { away(hi, neg, T::DEFAULT_OVERFLOW) } else { toward(lo, neg) };
                    check::<T>(&t, Rounding::NearestEven, T::DEFAULT_OVERFLOW, want);
                    for o in OVERFLOWS {
                        for r in DIRECTED {
                            check::<T>(&t, r, o, between(lo, hi, neg, r, o));
                        }
                    }
                }
            }
            for o in OVERFLOWS {
                for r in DIRECTED {
                    check::<T>(&format!("{}{ms}", if neg { "-" } else { "" }), r, o, between(lo, hi, neg, r, o));
                }
            }
        }
    }
}

#[test]
fn parse_at_and_around_every_midpoint() {
    for_all_formats!(midpoints);
}

fn grid_points<T: AllCodes>() {
    let sgn = signed::<T>();
    let ps = pairs::<T>();
    let many = ps.len() > 1000;
    // Nudges below a 2^-32 fraction of every gap (the stochastic checks need that).
    let pl = places::<T>(32);
    for (i, &(lo, hi)) in ps.iter().enumerate() {
        let v = lo.to_f64();
        let vs = exact_str(v);
        let below = if i == 0 { None } else { Some(ps[i - 1].0) };
        for neg in [false, true] {
            if neg && !sgn {
                continue;
            }
            let sign = if neg { "-" } else { "" };
            // Exactly on the grid: every mode gives the value.
            for r in
                [Rounding::NearestEven, Rounding::TowardZero, Rounding::Up, Rounding::Down, Rounding::Stochastic(0)]
            {
                for o in OVERFLOWS {
                    check::<T>(&format!("{sign}{vs}"), r, o, toward(lo, neg));
                }
            }
            for extra in [1, 40, 1500] {
                if extra == 1500 && many && i % 101 != 0 {
                    continue;
                }
                // A hair above: between lo and hi.
                let t = format!("{sign}{}", nudge(&vs, pl, extra, true));
                check::<T>(&t, Rounding::NearestEven, T::DEFAULT_OVERFLOW, toward(lo, neg));
                for o in OVERFLOWS {
                    for r in DIRECTED {
                        check::<T>(&t, r, o, between(lo, hi, neg, r, o));
                    }
                    // Any nonzero fraction exceeds r = 0.
                    check::<T>(&t, Rounding::Stochastic(0), o, away(hi, neg, o));
                    check::<T>(&t, Rounding::Stochastic(1), o, toward(lo, neg));
                }
                // A hair below: between the previous grid point and lo.
                if v == 0.0 {
                    continue;
                }
                let t = format!("{sign}{}", nudge(&vs, pl, extra, false));
                match below {
                    Some(b) => {
                        check::<T>(&t, Rounding::NearestEven, T::DEFAULT_OVERFLOW, toward(lo, neg));
                        for o in OVERFLOWS {
                            for r in DIRECTED {
                                check::<T>(&t, r, o, between(b, Some(lo), neg, r, o));
                            }
                            // The fraction from b is above 1 - 2^-32: every r rounds to lo.
                            check::<T>(&t, Rounding::Stochastic(u32::MAX), o, toward(lo, neg));
                            check::<T>(&t, Rounding::Stochastic(0), o, toward(lo, neg));
                        }
                    }
                    // Below the smallest value of a format without zero: still that value.
                    None => {
                        for r in [Rounding::NearestEven, Rounding::TowardZero, Rounding::Up, Rounding::Down] {
                            check::<T>(&t, r, Overflow::NonSaturating, lo);
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn parse_at_and_around_every_grid_point() {
    for_all_formats!(grid_points);
}

/// Stochastic rounding thresholds `lo + r/2^32 · (hi - lo)`, built exactly in `f64` (every
/// format here has at most 11 significant bits, so 11 + 32 bits fit).
fn stochastic_thresholds<T: AllCodes>() {
    let mut rng = Rng::new(&format!("stochastic_thresholds::<{}>", T::NAME));
    let sgn = signed::<T>();
    let ps = pairs::<T>();
    let step = (ps.len() / 300).max(1);
    let pl = places::<T>(32);
    for (lo, hi) in ps.into_iter().step_by(step) {
        let (l, h) = (lo.to_f64(), hi_value(lo, hi));
        for r in [1u32, 2, 0x8000_0000, u32::MAX, rng.u64() as u32 | 1, rng.u64() as u32 | 1] {
            let t = l + (h - l) * (f64::from(r) / 4294967296.0);
            assert_eq!((t - l) / (h - l) * 4294967296.0, f64::from(r), "threshold not exact");
            let ts = exact_str(t);
            for neg in [false, true] {
                if neg && !sgn {
                    continue;
                }
                let sign = if neg { "-" } else { "" };
                for o in OVERFLOWS {
                    let (down, up) = (toward(lo, neg), away(hi, neg, o));
                    // frac · 2^32 = r exactly: not above r.
                    check::<T>(&format!("{sign}{ts}"), Rounding::Stochastic(r), o, down);
                    check::<T>(&format!("{sign}{ts}"), Rounding::Stochastic(r - 1), o, up);
                    for extra in [1, 30] {
                        check::<T>(&format!("{sign}{}", nudge(&ts, pl, extra, true)), Rounding::Stochastic(r), o, up);
                        check::<T>(
                            &format!("{sign}{}", nudge(&ts, pl, extra, false)),
                            Rounding::Stochastic(r),
                            o,
                            down,
                        );
                        check::<T>(
                            &format!("{sign}{}", nudge(&ts, pl, extra, false)),
                            Rounding::Stochastic(r - 1),
                            o,
                            up,
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn parse_stochastic_thresholds_exactly() {
    for_all_formats!(stochastic_thresholds);
}

// ------------------------------------------------------------------------------------------
// Long strings, huge exponents, random strings against f64's parser
// ------------------------------------------------------------------------------------------

/// Nearest-even into `T` of the decimal `s`, computed through Rust's correctly rounded `f64`
/// parser: `RN_T(RN_f64(d)) = RN_T(d)` unless `RN_f64(d)` is itself a midpoint of `T` (every
/// value and midpoint of these formats is an `f64`, so no other `f64` lies between `d` and a
/// threshold it crossed). Returns `None` in that case, or when `s` is not a number.
fn via_f64<T: LowpFloat>(s: &str) -> Option<T> {
    let x: f64 = s.parse().ok()?;
    if x == 0.0 && !signed::<T>() {
        // f64 may have underflowed a tiny positive value to 0, which E8M0 treats apart.
        return None;
    }
    let dn = T::from_f64_with(x, Rounding::Down, Overflow::Saturating);
    let up = T::from_f64_with(x, Rounding::Up, Overflow::Saturating);
    if x.is_finite()
        && bits(dn) != bits(up)
        && x.abs() <= T::max_value().to_f64()
        && 2.0 * x == dn.to_f64() + up.to_f64()
    {
        return None;
    }
    // Above max: a midpoint with the virtual point above max.
    let vm = T::max_value().to_f64() + top_ulp::<T>() / 2.0;
    if x.abs() == vm {
        return None;
    }
    Some(T::from_f64(x))
}

fn random_against_f64<T: LowpFloat>() {
    let mut rng = Rng::new(&format!("random_against_f64::<{}>", T::NAME));
    let top = T::max_value().to_f64().log10().ceil() as i64 + 1;
    let bottom = T::min_positive_subnormal().to_f64().log10().floor() as i64 - 2;
    for i in 0..20_000 {
        // 60 significant digits (every 50th string: thousands), at a random scale.
        let n = if i % 50 == 0 { 1000 + rng.below(4000) as usize } else { 60 };
        let d = format!("{}{}", 1 + rng.below(9), rng.digits(n - 1));
        let e = bottom + rng.below((top - bottom + 1) as u64) as i64;
        let neg = rng.below(2) == 1;
        let s = match rng.below(3) {
            0 => format!("{}0.{d}e{e}", if neg { "-" } else { "" }),
            1 => format!("{}{d}e{}", if neg { "-" } else { "+" }, e - n as i64),
            _ => {
                // Plain notation.
                if e <= 0 {
                    format!("{}0.{}{d}", if neg { "-" } else { "" }, "0".repeat((-e) as usize))
                } else if (e as usize) < n {
                    format!("{}{}.{}", if neg { "-" } else { "" }, &d[..e as usize], &d[e as usize..])
                } else {
                    format!("{}{d}{}", if neg { "-" } else { "" }, "0".repeat(e as usize - n))
                }
            }
        };
        let got = parse::<T>(&s).unwrap_or_else(|e| panic!("{s:?}: {e}"));
        if let Some(want) = via_f64::<T>(&s) {
            assert!(same(got, want), "{}: {s:?} gives {got:?}, f64 path says {want:?}", T::NAME);
        }
    }
}

#[test]
fn sixty_digit_and_long_random_strings() {
    for_all_formats!(random_against_f64);
    random_against_f64::<f32>();
}

fn extremes<T: LowpFloat>() {
    let ovf = overflow_value::<T>(T::DEFAULT_OVERFLOW);
    let sgn = signed::<T>();
    let zero = if sgn { T::from_f64(0.0) } else { T::min_value() };
    let nzero = if sgn { -zero } else { T::nan().unwrap() };
    let neg = |x: T| if sgn { -x } else { T::nan().unwrap() };
    let huge = [
        "1e999999999999",
        "1e9223372036854775807",
        "1e9223372036854775808",
        "1e99999999999999999999999999999999999999",
        "0.0000001e99999999999999999999999999999999",
        "1e401",
        "1e400",
        "9.99e399",
        "1e309",
        "1e39",
    ];
    for s in huge {
        check::<T>(s, Rounding::NearestEven, T::DEFAULT_OVERFLOW, ovf);
        check::<T>(&format!("-{s}"), Rounding::NearestEven, T::DEFAULT_OVERFLOW, neg(ovf));
        check::<T>(s, Rounding::TowardZero, Overflow::NonSaturating, T::max_value());
        check::<T>(s, Rounding::Up, Overflow::Saturating, T::max_value());
    }
    let big = format!("1{}", "0".repeat(5000));
    check::<T>(&big, Rounding::NearestEven, T::DEFAULT_OVERFLOW, ovf);
    let tiny = [
        "1e-999999999999",
        "1e-9223372036854775808",
        "1e-99999999999999999999999999999999999999",
        "1000000e-99999999999999999999999999999999",
        "1e-401",
        "1e-400",
        "9.99e-401",
        "1e-330",
        "1e-60",
    ];
    let long_tiny = format!("0.{}1", "0".repeat(5000));
    for s in tiny.iter().copied().chain([long_tiny.as_str()]) {
        check::<T>(s, Rounding::NearestEven, T::DEFAULT_OVERFLOW, zero);
        check::<T>(&format!("-{s}"), Rounding::NearestEven, T::DEFAULT_OVERFLOW, nzero);
        let min = if sgn { T::min_positive_subnormal() } else { T::min_value() };
        check::<T>(s, Rounding::Up, Overflow::Saturating, min);
        check::<T>(s, Rounding::Stochastic(0), Overflow::Saturating, min);
        check::<T>(s, Rounding::Stochastic(1), Overflow::Saturating, zero);
    }
    // Zeros with any exponent, long zero strings.
    for s in ["0", "0.0", ".0", "0.", "000", "0e999999999999999999999", "0e-999999999999999999", "0.000e5"] {
        check::<T>(s, Rounding::NearestEven, T::DEFAULT_OVERFLOW, if sgn { zero } else { T::nan().unwrap() });
    }
    let zeros = format!("{}.{}", "0".repeat(3000), "0".repeat(3000));
    check::<T>(&zeros, Rounding::Up, Overflow::Saturating, if sgn { zero } else { T::nan().unwrap() });
    // Huge digit counts balanced by the exponent: exactly 1 (plus 0 or a hair).
    let one = T::from_f64(1.0);
    let s = format!("0.{}1e3001", "0".repeat(3000));
    check::<T>(&s, Rounding::Up, Overflow::Saturating, one);
    let s = format!("1{}e-4000", "0".repeat(4000));
    check::<T>(&s, Rounding::Up, Overflow::Saturating, one);
    let s = format!("1{}1e-4001", "0".repeat(4000));
    check::<T>(&s, Rounding::Up, Overflow::Saturating, one.next_up());
    check::<T>(&s, Rounding::Down, Overflow::Saturating, one);
    // Specials.
    for s in ["nan", "NaN", "-nan", "+NAN", "nAn"] {
        let x = parse::<T>(s).unwrap();
        match T::nan() {
            Some(_) => assert!(x.is_nan(), "{s}"),
            None => assert_eq!(bits(x), 0, "{s}"),
        }
    }
    for s in ["inf", "Inf", "+INF", "infinity", "Infinity", "+iNfInItY"] {
        check::<T>(s, Rounding::NearestEven, T::DEFAULT_OVERFLOW, ovf);
        check::<T>(s, Rounding::NearestEven, Overflow::Saturating, T::max_value());
        check::<T>(&format!("-{}", s.trim_start_matches('+')), Rounding::NearestEven, T::DEFAULT_OVERFLOW, neg(ovf));
    }
}

#[test]
fn huge_and_tiny_exponents_long_digit_strings_specials() {
    for_all_formats!(extremes);
    extremes::<f32>();
}

// ------------------------------------------------------------------------------------------
// Malformed input
// ------------------------------------------------------------------------------------------

fn malformed<T: LowpFloat>() {
    let long_exp = format!("1e{}", "9".repeat(10_000));
    let long_exp_bad = format!("1e{}x", "9".repeat(10_000));
    let bad = [
        "",
        "-",
        "+",
        ".",
        "-.",
        "+.",
        "e",
        "e5",
        ".e5",
        "1e",
        "1e+",
        "1e-",
        "1E",
        "1..2",
        "1.2.3",
        "0x10",
        "0X1p3",
        " 1",
        "1 ",
        " ",
        "1_000",
        "1,5",
        "++1",
        "--1",
        "+-1",
        "1e++5",
        "1e5.5",
        "1e5e5",
        "nan1",
        "nanx",
        "-nan-",
        "infinit",
        "infinityy",
        "in",
        "inff",
        "١",
        "1١",
        "٣.٥",
        "１",
        "½",
        "1e١",
        "∞",
        "-∞",
        "NaNNaN",
        "1-",
        "1+1",
        "1e 5",
        "\u{0}",
        "1\u{0}",
        "0b101",
        "1f",
        "1.0f32",
        "e",
        "E5",
        "ee",
        "1ee5",
        ".",
        "..",
        "-e1",
    ];
    for s in bad.iter().copied().chain([long_exp_bad.as_str()]) {
        let r = parse::<T>(s);
        assert!(r.is_err(), "{}: {s:?} parsed as {r:?}", T::NAME);
        for m in [Rounding::TowardZero, Rounding::Up, Rounding::Down, Rounding::Stochastic(7)] {
            assert!(parse_with::<T>(s, m, Overflow::Saturating).is_err(), "{s:?}");
        }
        assert!(decimal::parse_exact(s).is_err());
    }
    assert_eq!(parse::<T>(""), Err(ParseError::Empty));
    assert_eq!(parse::<T>("-"), Err(ParseError::Invalid));
    assert!(parse::<T>(&long_exp).is_ok());
    // Accepted spellings.
    for s in ["1", "+1", "-1", "1.", ".5", "-.5", "+.5e1", "1.e2", "1E2", "1e+2", "1e-2", "01", "00.500", "1e0005"] {
        assert!(parse::<T>(s).is_ok(), "{s:?}");
    }
}

#[test]
fn malformed_strings_are_errors() {
    for_all_formats!(malformed);
    malformed::<f32>();
}

/// Random strings over a small alphabet: accepted exactly when Rust's `f64` parser accepts
/// them (the same grammar), never a panic, and the value agrees with the `f64` path.
fn fuzz_grammar<T: LowpFloat>() {
    let mut rng = Rng::new(&format!("fuzz_grammar::<{}>", T::NAME));
    let alphabet: Vec<char> = "0123456789.eE+-nNaAiIfFtyY x_١".chars().collect();
    let weights = |c: char| if c.is_ascii_digit() { 6 } else { 1 };
    let pool: Vec<char> = alphabet.iter().flat_map(|&c| std::iter::repeat_n(c, weights(c))).collect();
    for _ in 0..100_000 {
        let len = rng.below(12) as usize;
        let s: String = (0..len).map(|_| pool[rng.below(pool.len() as u64) as usize]).collect();
        let f = s.parse::<f64>();
        let got = parse::<T>(&s);
        assert_eq!(got.is_ok(), f.is_ok(), "{}: {s:?}: lowp {got:?}, f64 {f:?}", T::NAME);
        if let (Ok(g), Some(w)) = (got, via_f64::<T>(&s)) {
            assert!(same(g, w), "{}: {s:?}", T::NAME);
        }
    }
}

#[test]
fn grammar_agrees_with_f64_parser() {
    fuzz_grammar::<Float8E4M3FN>();
    fuzz_grammar::<Float8E5M2>();
    fuzz_grammar::<Float4E2M1FN>();
    fuzz_grammar::<Float8E8M0FNU>();
    fuzz_grammar::<f16>();
}

/// The exact value with the shortest significand (what `parse_exact` returns when exact).
fn canonical(e: lowp::Exact) -> lowp::Exact {
    match e {
        lowp::Exact::Finite { neg, sig, exp, sticky: false } => {
            let tz = sig.trailing_zeros();
            lowp::Exact::Finite { neg, sig: sig >> tz, exp: exp + tz as i32, sticky: false }
        }
        e => e,
    }
}

#[test]
fn from_str_and_parse_exact() {
    use lowp::Exact;
    let x: Float8E4M3FN = "0.3".parse().unwrap();
    assert_eq!(x.to_f64(), 0.3125);
    assert_eq!("1e".parse::<Float8E4M3FN>(), Err(ParseError::Invalid));
    assert_eq!(decimal::parse_exact("12.5e-1"), Ok(Exact::Finite { neg: false, sig: 5, exp: -2, sticky: false }));
    assert_eq!(decimal::parse_exact("-4096"), Ok(Exact::Finite { neg: true, sig: 1, exp: 12, sticky: false }));
    assert_eq!(decimal::parse_exact("+0e5"), Ok(Exact::Zero { neg: false }));
    assert_eq!(decimal::parse_exact("-NaN"), Ok(Exact::Nan));
    assert_eq!(decimal::parse_exact("-inf"), Ok(Exact::Inf { neg: true }));
    // 2^64 + 1 needs 65 bits: truncated, sticky.
    assert_eq!(
        decimal::parse_exact("18446744073709551617"),
        Ok(Exact::Finite { neg: false, sig: 1 << 63, exp: 1, sticky: true })
    );
    // Every exactly representable f64 comes back exact.
    let mut rng = Rng::new("from_str_and_parse_exact");
    for _ in 0..20_000 {
        let v = f64::from_bits(rng.u64());
        if !v.is_finite() {
            continue;
        }
        let s = format!("{:e}", v);
        let e = decimal::parse_exact(&s).unwrap();
        // f64's shortest string is not v exactly; round it with f64's rounding instead.
        assert_eq!(e.to_f64().to_bits(), v.to_bits(), "{s}");
        let exact = format!("{:.1100e}", v);
        assert_eq!(decimal::parse_exact(&exact).unwrap(), canonical(Exact::from_f64(v)), "{exact}");
    }
}

// ------------------------------------------------------------------------------------------
// Against the MPFR reference
// ------------------------------------------------------------------------------------------

#[cfg(feature = "reference")]
mod against_reference {
    use super::*;
    use lowp::reference::ref_format;

    /// A random decimal string aimed at the format's interesting places.
    fn random_string<T: RandomCode>(rng: &mut Rng, pl: usize) -> String {
        let neg = rng.below(3) == 0;
        let sign = if neg {
            "-"
        } else if rng.below(4) == 0 {
            "+"
        } else {
            ""
        };
        match rng.below(6) {
            // Near a value, midpoint or stochastic threshold, possibly nudged.
            0..=2 => {
                let (lo, hi) = random_pair::<T>(rng);
                let (l, h) = (lo.to_f64(), hi_value(lo, hi));
                let f = match rng.below(4) {
                    0 => 0.0,
                    1 => 0.5,
                    _ => f64::from(rng.u64() as u32) / 4294967296.0,
                };
                let t = exact_str(l + (h - l) * f);
                let t = match rng.below(4) {
                    0 => t,
                    1 => {
                        let extra = 1 + rng.below(60) as usize;
                        nudge(&t, pl, extra, true)
                    }
                    2 if t != "0" => {
                        let extra = 1 + rng.below(60) as usize;
                        nudge(&t, pl, extra, false)
                    }
                    2 => t,
                    _ => {
                        // Truncated to a few digits.
                        let k = 1 + rng.below(12) as usize;
                        let (d, p) =
                            if l + (h - l) * f > 0.0 { sig_digits(l + (h - l) * f) } else { (b"0".to_vec(), 1) };
                        return format!("{sign}{}", dec(false, &d[..k.min(d.len())], p).trim_start_matches('-'));
                    }
                };
                let sp = spellings(&t, false);
                format!("{sign}{}", sp[rng.below(sp.len() as u64) as usize].trim_start_matches('+'))
            }
            // Random digits at a random scale around the format's range.
            3 | 4 => {
                let max_len = if rng.below(20) == 0 { 1500 } else { 30 };
                let n = 1 + rng.below(max_len) as usize;
                let d = format!("{}{}", 1 + rng.below(9), rng.digits(n - 1));
                // From 1000 times below the smallest value to 1000 times above the largest.
                let bottom = T::min_positive_subnormal().to_f64().log10().floor() as i64 - 3;
                let top = T::max_value().to_f64().log10().ceil() as i64 + 3;
                let e = bottom + rng.below((top - bottom) as u64) as i64;
                format!("{sign}0.{d}e{e}")
            }
            // Extremes.
            _ => {
                let e = match rng.below(3) {
                    0 => rng.u64() as i64 / 2,
                    1 => rng.below(900) as i64 - 450,
                    _ => rng.below(40) as i64 - 20,
                };
                let n = 1 + rng.below(5) as usize;
                format!("{sign}{}e{e}", rng.digits(n))
            }
        }
    }

    fn against<T: RandomCode>() {
        let Some(rf) = ref_format(T::NAME) else {
            eprintln!("the reference has no {}: skipped", T::NAME);
            return;
        };
        let mut rng = Rng::new(&format!("decimal_against_reference::<{}>", T::NAME));
        let pl = places::<T>(32);
        let (mut ok, mut err) = (0, 0);
        for _ in 0..100_000 {
            let s = random_string::<T>(&mut rng, pl);
            let r = match rng.below(6) {
                0 => Rounding::TowardZero,
                1 => Rounding::Up,
                2 => Rounding::Down,
                3 => Rounding::Stochastic(rng.u64() as u32),
                _ => Rounding::NearestEven,
            };
            let o = if rng.below(2) == 0 { Overflow::NonSaturating } else { Overflow::Saturating };
            let want = rf.from_decimal(&s, r, o);
            let got = parse_with::<T>(&s, r, o);
            match (want, got) {
                (Ok(w), Ok(g)) => {
                    ok += 1;
                    let g = bits(g) as u32;
                    assert!(
                        w == g || (rf.is_nan_code(w) && rf.is_nan_code(g)),
                        "{}: {s:?} {r:?} {o:?}: lowp {g:#04x}, reference {w:#04x}",
                        T::NAME
                    );
                }
                (Err(_), Err(_)) => err += 1,
                (w, g) => panic!("{}: {s:?}: lowp {g:?}, reference {w:?}", T::NAME),
            }
        }
        eprintln!("{}: {ok} strings agree with the reference ({err} rejected by both)", T::NAME);
        assert_eq!(ok, 100_000, "every generated string is a valid decimal");
    }

    #[test]
    fn random_decimals_match_the_reference() {
        against::<Float8E4M3FN>();
        against::<Float8E5M2>();
        against::<Float8E4M3FNUZ>();
        against::<Float8E5M2FNUZ>();
        against::<Float8E4M3B11FNUZ>();
        against::<Float8E4M3>();
        against::<Float6E2M3FN>();
        against::<Float6E3M2FN>();
        against::<Float4E2M1FN>();
        against::<Float8E8M0FNU>();
        against::<f16>();
        against::<bf16>();
        against::<f32>();
    }
}
