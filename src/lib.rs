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
//! The pipeline: [`ingest`] (text → facts) → [`storage`] (sled trees) ←
//! [`query`] ← front ends. [`Store`] is the entry point.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod check;
pub mod cli;
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
pub mod repl;
pub mod script;
pub mod session;
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
