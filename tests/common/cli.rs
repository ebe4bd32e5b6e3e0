//! Running the `lowp` binary from the CLI tests.

use std::io::Write;
use std::process::{Command, Stdio};

/// What one run of the binary gave.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Run the binary with `args`, feeding `stdin` (written from a thread, so large inputs and
/// outputs cannot deadlock); `RUST_BACKTRACE` is removed so a panic cannot hide behind it.
pub fn lowp_bytes(args: &[&str], stdin: Vec<u8>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lowp"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn lowp");
    let mut input = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        // The process may stop reading early (an error line): ignore the broken pipe.
        let _ = input.write_all(&stdin);
    });
    let out = child.wait_with_output().expect("wait for lowp");
    writer.join().unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// [`lowp_bytes`] with text input.
pub fn lowp(args: &[&str], stdin: &str) -> Run {
    lowp_bytes(args, stdin.as_bytes().to_vec())
}

/// Run and insist on success; the stdout lines.
pub fn ok(args: &[&str], stdin: &str) -> Vec<String> {
    let r = lowp(args, stdin);
    assert_eq!(r.code, Some(0), "lowp {args:?} failed: {}", r.stderr);
    assert!(r.stderr.is_empty(), "unexpected stderr: {}", r.stderr);
    r.stdout.lines().map(str::to_string).collect()
}

/// Run and insist on failure (status 1 or 2, not a panic's 101); the stderr text.
pub fn fails(args: &[&str], stdin: &str) -> String {
    let r = lowp(args, stdin);
    assert!(matches!(r.code, Some(1) | Some(2)), "lowp {args:?}: status {:?}, stderr {}", r.code, r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    r.stderr
}

/// `{}` of a number with the CLI's lower-case specials (`nan`, `inf`, `-inf`).
pub fn value_text<T: std::fmt::Display + Into<f64> + Copy>(v: T) -> String {
    let x: f64 = v.into();
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x < 0.0 { "-inf" } else { "inf" }.into()
    } else {
        format!("{v}")
    }
}
