//! Posit properties that need no oracle: decoding is monotone in the two's-complement order,
//! every code reads back, negation, saturation, NaR rules, ordering. The bit-exact rounding
//! checks against MPFR are in tests/posit_ref.rs.

use lowp::{LowpFloat, Posit, Rounding, P16, P16E1, P32, P64, P8, P8E0};

/// Every code of posit<N, ES> (N <= 16): the values increase with the signed code, every value
/// converts back to its code under every rounding mode, and negation is exact.
fn codes_monotone_and_round_trip<const N: u32, const ES: u32>()
where
    lowp::posit::Width<N>: lowp::posit::WidthStorage,
{
    let count = 1u64 << N;
    let mut prev: Option<f64> = None;
    // Walk codes in signed order: from NaR+1 (most negative) up to maxpos.
    for i in 1..count {
        let code = ((1u64 << (N - 1)) + i) & (count - 1);
        let p = <Posit<N, ES> as LowpFloat>::from_bits(code_bits::<N, ES>(code));
        let v = p.to_f64();
        assert!(v.is_finite(), "posit<{N},{ES}> {code:#x}");
        if let Some(pv) = prev {
            assert!(v > pv, "posit<{N},{ES}>: {code:#x} = {v} not above {pv}");
        }
        prev = Some(v);
        for mode in [Rounding::NearestEven, Rounding::TowardZero, Rounding::Up, Rounding::Down, Rounding::Stochastic(7)]
        {
            let back = <Posit<N, ES>>::from_f64_with(v, mode, lowp::Overflow::Saturating);
            assert_eq!(back, p, "posit<{N},{ES}> {code:#x} = {v} under {mode:?}");
        }
        assert_eq!((-p).to_f64(), -v);
    }
}

fn code_bits<const N: u32, const ES: u32>(c: u64) -> <Posit<N, ES> as LowpFloat>::Bits
where
    lowp::posit::Width<N>: lowp::posit::WidthStorage,
{
    use lowp::posit::PositBits;
    <Posit<N, ES> as LowpFloat>::Bits::from_u64(c)
}

#[test]
fn every_code_of_small_posits() {
    codes_monotone_and_round_trip::<2, 0>();
    codes_monotone_and_round_trip::<3, 1>();
    codes_monotone_and_round_trip::<5, 2>();
    codes_monotone_and_round_trip::<6, 3>();
    codes_monotone_and_round_trip::<8, 0>();
    codes_monotone_and_round_trip::<8, 1>();
    codes_monotone_and_round_trip::<8, 2>();
    codes_monotone_and_round_trip::<8, 4>();
    codes_monotone_and_round_trip::<12, 1>();
    codes_monotone_and_round_trip::<16, 0>();
    codes_monotone_and_round_trip::<16, 1>();
    codes_monotone_and_round_trip::<16, 2>();
    codes_monotone_and_round_trip::<16, 3>();
}

#[test]
fn standard_facts() {
    // Posit Standard 2022: es = 2, maxpos = 2^(4(n-2)).
    assert_eq!(P8::max_value().to_f64(), 2f64.powi(24));
    assert_eq!(P16::max_value().to_f64(), 2f64.powi(56));
    assert_eq!(P32::max_value().to_f64(), 2f64.powi(120));
    assert_eq!(P32::min_positive().to_f64(), 2f64.powi(-120));
    assert_eq!(P8E0::max_value().to_f64(), 64.0);
    assert_eq!(P16E1::max_value().to_f64(), 2f64.powi(28));
    assert_eq!(P8::from_f64(1.0).to_bits(), 0x40);
    assert_eq!(P16::from_f64(-1.0).to_bits(), 0xc000);
    assert_eq!(P32::from_f64(1.0).to_bits(), 0x4000_0000);
    assert_eq!(<P8 as LowpFloat>::NAME, "posit8");
    assert_eq!(<P16E1 as LowpFloat>::NAME, "posit16e1");
    assert_eq!(<Posit<12, 1> as LowpFloat>::NAME, "posit12e1");
    assert_eq!(core::mem::size_of::<P8>(), 1);
    assert_eq!(core::mem::size_of::<P16>(), 2);
    assert_eq!(core::mem::size_of::<Posit<12, 1>>(), 2);
    assert_eq!(core::mem::size_of::<P32>(), 4);
    assert_eq!(P64::max_value().to_f64(), 2f64.powi(248));
    assert_eq!(P64::min_positive().to_f64(), 2f64.powi(-248));
    assert_eq!(P64::from_f64(1.0).to_bits(), 0x4000_0000_0000_0000);
    assert_eq!(P64::from_f64(-1.0).to_bits(), 0xc000_0000_0000_0000);
    assert_eq!(<P64 as LowpFloat>::NAME, "posit64");
    assert_eq!(<Posit<64, 4> as LowpFloat>::NAME, "posit64e4");
    assert_eq!(<Posit<48, 1> as LowpFloat>::NAME, "posit48e1");
    assert_eq!(core::mem::size_of::<P64>(), 8);
    assert_eq!(core::mem::size_of::<Posit<33, 0>>(), 8);
    // 59 fraction bits at 1: epsilon = 2^-59, and 1 + 2^-60 is a tie (to even: 1).
    assert_eq!(P64::epsilon().to_f64(), 2f64.powi(-59));
    assert_eq!(P64::from_f64(1.0 + 2f64.powi(-52)).to_bits(), 0x4000_0000_0000_0080);
}

/// posit64 properties on random codes (no oracle): values increase with the signed code,
/// `f64` values with at most 53 significant bits read back under every mode, negation is exact,
/// next_up/next_down step by one code, and the text form reads back.
#[test]
fn posit64_monotone_round_trip_text() {
    let mut g = lowp::rng::SplitMix64::new(0x64);
    let mut codes: Vec<u64> = (0..20_000).map(|_| g.next_u64() >> (g.next_u64() % 64)).collect();
    codes.extend([0, 1, 2, u64::MAX >> 1, (u64::MAX >> 1) - 1, 1 << 62, (1 << 62) + 1, (1 << 62) - 1]);
    let mut all: Vec<i64> = codes.iter().flat_map(|&c| [c as i64, (c as i64).wrapping_neg()]).collect();
    all.sort();
    all.dedup();
    let mut prev: Option<P64> = None;
    for &c in &all {
        let x = P64::from_bits(c as u64);
        if x.is_nar() {
            continue;
        }
        if let Some(p) = prev {
            assert!(p < x && (x - p).to_f64() > 0.0, "{p:?} {x:?}");
            assert!(p.to_f64() <= x.to_f64());
        }
        prev = Some(x);
        assert_eq!((-x).to_bits(), (c as u64).wrapping_neg());
        assert_eq!(x.next_up().next_down(), if x == P64::max_value() { x.next_down() } else { x });
        let v = x.to_f64();
        if x.to_exact() == lowp::Exact::from_f64(v) {
            for mode in
                [Rounding::NearestEven, Rounding::TowardZero, Rounding::Up, Rounding::Down, Rounding::Stochastic(7)]
            {
                assert_eq!(P64::from_f64_with(v, mode, lowp::Overflow::Saturating), x, "{x:?} = {v} under {mode:?}");
            }
        }
        assert_eq!(x.to_string().parse::<P64>().unwrap(), x, "{x:?} as text {x}");
    }
}

#[test]
fn nar_and_saturation() {
    let nar = P16::nar();
    let one = P16::from_f64(1.0);
    let zero = P16::from_f64(0.0);
    assert!((one / zero).is_nar());
    assert!((zero / zero).is_nar());
    assert!(P16::from_f64(-4.0).sqrt().is_nar());
    assert!((nar + one).is_nar());
    assert!(P16::from_f64(f64::NAN).is_nar());
    assert!(P16::from_f64(f64::INFINITY).is_nar());
    assert_eq!(P16::from_f64(-0.0).to_bits(), 0);
    // Never to zero or NaR, in any mode.
    for mode in [Rounding::NearestEven, Rounding::TowardZero, Rounding::Up, Rounding::Down] {
        assert_eq!(P16::from_f64_with(1e-300, mode, lowp::Overflow::NonSaturating), P16::min_positive());
        assert_eq!(P16::from_f64_with(-1e300, mode, lowp::Overflow::NonSaturating), P16::min_value());
    }
    let max = P8::max_value();
    assert_eq!(max * max, max);
    assert_eq!(P8::min_positive() * P8::min_positive(), P8::min_positive());
    // Ordering: two's complement, NaR equal to itself and below everything.
    assert_eq!(nar, nar);
    assert!(nar < P16::min_value());
    assert!(P16::from_f64(-2.0) < P16::from_f64(-1.0));
    assert!(zero < P16::min_positive());
}

#[test]
fn bit_string_rounding_differs_from_value_rounding_near_maxpos() {
    // posit8 (es = 2): 0x7e = 2^20 and 0x7f = 2^24 (the exponent bits are cut off). The tie of
    // the bit string is the 9-bit posit 0x0fd = 2^22, not the arithmetic midpoint 8.5 * 2^20.
    assert_eq!(P8::from_bits(0x7e).to_f64(), 2f64.powi(20));
    assert_eq!(P8::from_bits(0x7f).to_f64(), 2f64.powi(24));
    assert_eq!(P8::from_f64(2f64.powi(22) * 0.999).to_bits(), 0x7e);
    assert_eq!(P8::from_f64(2f64.powi(22) * 1.001).to_bits(), 0x7f);
    assert_eq!(P8::from_f64(2f64.powi(22)).to_bits(), 0x7e); // tie: to even
    assert_eq!(P8::from_f64(5e6).to_bits(), 0x7f); // below the value midpoint 8.9e6, still up
}

#[test]
fn integral_rounding_and_text() {
    let p = P16::from_f64(2.5);
    assert_eq!(p.floor().to_f64(), 2.0);
    assert_eq!(p.ceil().to_f64(), 3.0);
    assert_eq!(p.round_ties_even().to_f64(), 2.0);
    assert_eq!(P16::from_f64(-2.5).floor().to_f64(), -3.0);
    assert_eq!(p.to_i64_with(Rounding::NearestEven), Ok(2));
    assert!(P16::nar().to_i64_with(Rounding::NearestEven).is_err());
    assert_eq!(P16::from_i64_with(1_000_001, Rounding::NearestEven, lowp::Overflow::Saturating).to_f64(), 999_424.0); // ulp 4096 there
    assert_eq!(P16::nar().to_string(), "NaR");
    assert_eq!("NaR".parse::<P16>().unwrap(), P16::nar());
    assert_eq!("0.1".parse::<P32>().unwrap(), P32::from_f64(0.1));
    assert_eq!(P32::from_f64(0.1).to_string(), "0.1");
    assert_eq!(format!("{:?}", P16::from_f64(1.0)), "Posit<16,2>(0x4000)");
    let v = [P16::from_f64(1.0)];
    assert_eq!(bytemuck::cast_slice::<P16, u8>(&v), &[0x00, 0x40]);
}
