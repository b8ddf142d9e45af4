//! Running `.lore` scripts: statements and meta-commands, in order.
//!
//! The statements and meta-commands are cut by [`crate::session::split`]
//! and run by a [`Session`], the one the shell drives too, so a script
//! behaves the same typed or saved.

use std::io;
use std::path::PathBuf;

use crate::session::Session;
pub use crate::session::check::check;
pub use crate::session::scripts::{RunOptions, run_in};
use crate::session::split::read_script;
use lore::error::Result;
use lore::store::Store;

/// Reads the scripts `files` name (`-`: stdin) as (name, text) pairs.
pub fn read_scripts(files: &[PathBuf]) -> Result<Vec<(String, String)>> {
    files.iter().map(|f| read_script(f)).collect()
}

/// `lore run FILE...`: runs (or checks) the scripts, read by
/// [`read_scripts`], in order, printing results and located errors; returns
/// how many errors were reported (the command line turns that into the exit
/// code).
///
/// `open_store` is called only when something has to run, so `--check`
/// works without a store.
pub fn run_scripts(
    scripts: &[(String, String)],
    opts: &RunOptions,
    open_store: impl FnOnce() -> Result<Store>,
) -> Result<usize> {
    if opts.check {
        let mut errors = 0;
        let mut stderr = io::stderr().lock();
        for (name, text) in scripts {
            for d in check(text) {
                errors += 1;
                let _ =
                    io::Write::write_fmt(&mut stderr, format_args!("{}\n", d.render(name, text)));
            }
        }
        return Ok(finish(errors));
    }
    let mut session = Session::new(
        open_store()?,
        Box::new(io::stdout()),
        Box::new(io::stderr()),
    );
    session.width = lore::output::terminal_width();
    Ok(finish(run_in(&mut session, scripts, opts)?))
}

fn finish(errors: usize) -> usize {
    if errors > 1 {
        eprintln!("lore: {errors} errors");
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::split::split_with_tail;

    proptest::proptest! {
        /// Any text splits without a panic into ordered, disjoint items on
        /// character boundaries, and every check error points inside the text.
        #[test]
        fn splitting_and_checking_any_text_never_panics(text in "(?s)[ -~\\n\t\"é€;.-]{0,80}") {
            let (items, _) = split_with_tail(&text);
            let mut at = 0;
            for item in &items {
                proptest::prop_assert!(item.span.start >= at && item.span.end <= text.len());
                proptest::prop_assert!(text.is_char_boundary(item.span.start));
                proptest::prop_assert!(text.is_char_boundary(item.span.end));
                at = item.span.end;
            }
            for d in check(&text) {
                proptest::prop_assert!(d.span.start <= text.len());
                let _ = d.render("p.lore", &text);
            }
            let _ = crate::session::split::input_complete(&text);
        }
    }

    #[test]
    fn check_reports_bad_meta_commands_at_their_place_in_the_file() {
        let text = ".mode csv\n\n  .mdoe table\n";
        let errs = check(text);
        assert_eq!(errs.len(), 1);
        let r = errs[0].render("s.lore", text);
        assert!(
            r.starts_with("s.lore:3:3: error: unknown command `.mdoe`"),
            "{r}"
        );
        assert!(r.contains("did you mean `.mode`"), "{r}");
    }
}
