//! `lowp`: the command-line golden model of the crate.
//!
//! Every answer comes from the library itself (through [`lowp::dynamic`]), so the codes
//! printed here are exactly what the typed API computes. Input is streamed line by line from
//! stdin; blank lines and `#` comments are skipped; errors name the line and the offending
//! token and exit with status 1 (usage errors: 2).
//!
//! * `args`: the command line (clap) and the parsers of option values;
//! * `io`: the error type, the stdin line loop, code and value text, the table writer;
//! * `formats`: `formats` and `explain`;
//! * `codes`: `encode`, `decode` and `op` on one format;
//! * `mixed`: `op … --to DST`, the mixed-precision operations;
//! * `block`: `formats --block`, `quantize` and `analyze`;
//! * `progress`: the progress bars on stderr (indicatif, only on a terminal);
//! * `sweep`: the accuracy-sweep report of `infer` (markdown, CSV, SVG);
//! * `json`: flat JSON objects for `--json` output;
//! * `infer`: `infer`, a CNN on a data set in any format.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use clap::Parser;
use lowp::{Overflow, Rounding};

mod args;
mod block;
mod codes;
mod formats;
mod infer;
mod io;
mod json;
mod mixed;
mod progress;
mod sweep;

use args::{Cli, Command, OpArg, RoundingArg};
use block::{cmd_analyze, cmd_block_schemes, cmd_quantize};
use codes::{cmd_decode, cmd_encode, cmd_op};
use formats::{cmd_explain, cmd_formats};
use io::{Fail, Out};
use mixed::Mixed;

fn run(cli: Cli, out: &mut Out) -> Result<(), Fail> {
    match cli.command {
        Command::Formats { aliases, block, formats } => {
            if !block {
                cmd_formats(out, aliases, &formats)?;
            }
            if block || formats.is_empty() {
                if !block {
                    writeln!(out)?;
                }
                cmd_block_schemes(out)?;
            }
            Ok(())
        }
        Command::Quantize { scheme, codes, nan_block } => cmd_quantize(out, scheme, codes, nan_block),
        Command::Analyze { file, scheme } => cmd_analyze(out, &file, &scheme.0),
        Command::Infer(args) => infer::cmd_infer(out, *args),
        Command::Explain { value, format, rounding } => cmd_explain(out, &value, format, rounding),
        Command::Encode { format, saturate, rounding, exact, shortest } => {
            cmd_encode(out, format, saturate, rounding, exact, shortest)
        }
        Command::Decode { format, exact } => cmd_decode(out, format, exact),
        Command::Op { format, op: OpArg::Plain(op), values, to, rounding, saturate, accumulate } => {
            let only_mixed = |what: &str| {
                Fail::Usage(format!(
                    "{what} is for the mixed-precision operations (exfma, exsdotp, exvsum, dot); {op} rounds \
nearest-even in {format}"
                ))
            };
            if to.is_some() {
                return Err(only_mixed("--to"));
            }
            if rounding.is_some() {
                return Err(only_mixed("--rounding"));
            }
            if saturate {
                return Err(only_mixed("--saturate"));
            }
            if accumulate.is_some() {
                return Err(Fail::Usage("--accumulate is for dot".into()));
            }
            cmd_op(out, format, op, values)
        }
        Command::Op { format, op: OpArg::Mixed(op), values, to, rounding, saturate, accumulate } => {
            let Some(dst) = to else {
                return Err(Fail::Usage(format!(
                    "{op} needs --to DST, the format of the accumulator and the result (e.g. `lowp op -f {} {op} \
--to f32`)",
                    format.name()
                )));
            };
            if accumulate.is_some() && op != Mixed::Dot {
                return Err(Fail::Usage(format!("--accumulate is for dot, not {op}")));
            }
            mixed::cmd(
                out,
                mixed::Settings {
                    src: format,
                    op,
                    dst,
                    rounding: rounding.unwrap_or(RoundingArg::Fixed(Rounding::NearestEven)),
                    overflow: if saturate { Overflow::Saturating } else { dst.default_overflow() },
                    how: accumulate.unwrap_or(lowp::dot::Accumulate::Exact),
                    values,
                },
            )
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // --help / --version go to stdout with status 0; usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let result = run(cli, &mut out);
    // Whatever was computed before a failure is still written.
    let flushed = out.flush().map_err(Fail::from);
    let result = result.and(flushed);
    let msg = match result {
        Ok(()) | Err(Fail::BrokenPipe) => return ExitCode::SUCCESS,
        Err(Fail::Line { line, msg }) => format!("line {line}: {msg}"),
        Err(Fail::Bad(msg)) | Err(Fail::Usage(msg)) => msg,
        Err(Fail::Read(e)) => format!("cannot read stdin: {e}"),
        Err(Fail::Write(e)) => format!("cannot write stdout: {e}"),
    };
    let _ = writeln!(std::io::stderr(), "lowp: error: {msg}");
    ExitCode::FAILURE
}
