use lowp::*;
fn main() {
    for x in [0.1f64, 448.0, 464.0, 465.0, -431.99999999999994, 1e-9, 2.625, 240.0, 248.0] {
        let a = Float8E4M3FN::from_f64(x);
        let b = Float8E4M3::from_f64(x);
        let c = Float8E5M2::from_f64(x);
        let d = Float8E8M0FNU::from_f64(x);
        let e = Float4E2M1FN::from_f64(x);
        println!(
            "{x}: e4m3fn {:?}={} e4m3 {:?}={} e5m2 {:?}={} e8m0 {:?}={} fp4 {:?}={}",
            a,
            a.to_f64(),
            b,
            b.to_f64(),
            c,
            c.to_f64(),
            d,
            d.to_f64(),
            e,
            e.to_f64()
        );
    }
    let h = half::f16::from_f64_with(0.1, Rounding::Up, Overflow::NonSaturating);
    println!("{} {}", h, half::f16::from_f64(0.1));
    println!("{}", <f32 as LowpFloat>::from_f64(0.1) == 0.1f32);
}
