//! Progress bars on stderr (indicatif), drawn only when stderr is a terminal: piped or
//! redirected runs, and the tests, see no bar and no escape codes.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar of `len` steps, prefixed by `what` (`"analyze"`, `"infer e4m3"`), with the percentage,
/// the count of steps, the estimated time left and the message of the moment
/// ([`ProgressBar::set_message`]). Hidden (but still counting) when stderr is not a terminal.
/// End it with [`ProgressBar::finish_and_clear`] so that nothing is left on the line.
pub(crate) fn bar(len: u64, what: &str) -> ProgressBar {
    let target =
        if std::io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
    let style = ProgressStyle::with_template(
        "{prefix} [{bar:30}] {percent:>3}%  {human_pos}/{human_len}  eta {eta}  {wide_msg}",
    )
    .expect("a valid template")
    .progress_chars("#> ");
    ProgressBar::with_draw_target(Some(len), target).with_style(style).with_prefix(what.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_while_hidden() {
        // Under the test harness stderr is captured or a pipe more often than not; either way the
        // bar must count.
        let b = super::bar(10, "test");
        b.inc(3);
        b.set_message("step");
        assert_eq!((b.position(), b.length()), (3, Some(10)));
        b.finish_and_clear();
    }
}
