//! The `lore` binary's front ends end to end, in one test binary (one link
//! of the crate instead of six): the command line (`cli`), scripts
//! (`script`), the shell in a pseudo-terminal (`repl`), `lore check` on
//! damaged stores (`check`, `check_limits`), the exchange formats
//! (`interop`), the HTTP server and backups (`serve`) and the README's tour
//! (`readme`).

mod check;
mod check_limits;
mod cli;
mod interop;
mod readme;
mod repl;
mod script;
mod serve;
