//! The `lore` binary's front ends end to end, in one test binary (one link
//! of the crate instead of six): the command line (`cli`), scripts
//! (`script`), the shell in a pseudo-terminal (`repl`), `lore check` on
//! damaged stores (`check`, `check_limits`), the exchange formats
//! (`interop`) and the HTTP server and backups (`serve`).

mod check;
mod check_limits;
mod cli;
mod interop;
mod repl;
mod script;
mod serve;
