//! The query language end to end, in one test binary (one link of the
//! crate instead of six): the engine through the library (`query`,
//! `query_doc`, `query_fuzz`), the `lore query` and `lore run` commands
//! (`query_cli`, `query_scripts`) and the saved scripts' snapshots
//! (`snapshots`; `LORE_BLESS=1 cargo test --test queries snapshots`
//! rewrites them). `query_support` builds the stores they share.

mod joins;
mod query;
mod query_cli;
mod query_doc;
mod query_fuzz;
mod query_scripts;
mod query_support;
mod snapshots;
