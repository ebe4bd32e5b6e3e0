//! Link the check binary without the C runtime's start files (it defines `_start` itself),
//! taking only `memcpy`/`memset` and the like from libc.
fn main() {
    println!("cargo:rustc-link-arg-bins=-nostartfiles");
    println!("cargo:rustc-link-arg-bins=-lc");
}
