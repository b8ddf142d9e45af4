//! # lore
//!
//! An embedded knowledge store for news text: articles in, entity–relation
//! facts with provenance out, stored in sled and queried with a small
//! language.
//!
//! ```
//! let dir = tempfile::tempdir()?;
//! let store = lore::Store::open(dir.path().join("news.db"))?;
//! store.ingest_text("Talks\n\nAnn Lee met Bob Stone in Paris.", "example.txt")?;
//! for fact in store.facts() {
//!     let fact = fact?;
//!     println!("{} {} {:?}", fact.subject, fact.relation, fact.object);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The pipeline: [`nlp`] and [`ingest`] (text → facts) → [`Store`] (the
//! facade over the sled storage) ← [`query`] ← views and formats
//! ([`graph`], [`timeline`], [`jsonl`], [`rdf`], [`csv_export`]). The
//! front ends (command line, shell, scripts) are the `lore` binary's, not
//! the library's. [`Store`] is the entry point; [`client::Handle`] reaches
//! a store another `lore` process holds.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod check;
pub mod client;
pub mod csv_export;
pub mod diag;
pub mod error;
pub mod extract_command;
pub mod graph;
pub mod ingest;
pub mod jsonl;
#[cfg(test)]
mod layers;
pub mod model;
pub mod nlp;
pub mod output;
pub mod parse_command;
pub mod query;
pub mod rdf;
// The sled layer under `Store`. Not part of the API: public only so that
// the crate's own concurrency and crash tests, fuzz targets and the
// cold-cache example can drive it directly; embedders use `Store`.
#[doc(hidden)]
pub mod storage;
pub mod store;
pub mod timeline;

pub use error::{Error, Result};
pub use model::{Document, Entity, EntityKind, Fact, Literal, Object, Polarity, Source, Stats};
pub use query::{CancelToken, QueryOptions, QueryResult, StatementOutput, Value};
pub use store::{
    CheckReport, Encoding, ImportFormat, ImportOptions, ImportSummary, IngestOptions,
    IngestOutcome, OpenOptions, Store,
};
