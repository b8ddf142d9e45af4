//! The command line's arguments: the subcommands and their options, as
//! clap reads them, and the value enums that mirror the library's.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use super::parse_seconds;
use lore::csv_export::CsvTable;
use lore::graph::GraphFormat;
use lore::output::Format;
use lore::store::{Encoding, ImportFormat};

/// lore: an embedded knowledge store for news text.
///
/// Ingest plain-text articles, then ask who met whom, where and when, and
/// which articles say so. `lore` alone on a terminal opens the interactive shell.
#[derive(Parser, Debug)]
#[command(
    name = "lore",
    version,
    about,
    long_about,
    after_help = "Environment:\n  LORE_DB       the store when --db is not given (else ./lore.db)\n  LORE_HISTORY  the shell's history file (empty: none; default ~/.local/share/lore/history)\n  NO_COLOR      set and not empty: no colour in the shell\n  PAGER         the shell's pager after .pager on (default: less -FRX)\n\nThe shell runs ~/.lorerc at start (statements and dot-commands, as a script);\n--init FILE runs another file instead, --no-rc none."
)]
pub struct Cli {
    /// Store directory (created if missing). Default: $LORE_DB, else ./lore.db
    #[arg(long, global = true, env = "LORE_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// The shell's start-up file, run instead of ~/.lorerc.
    #[arg(long, value_name = "FILE")]
    pub init: Option<PathBuf>,

    /// Start the shell without running ~/.lorerc.
    #[arg(long, conflicts_with = "init")]
    pub no_rc: bool,

    /// What to do; without one, open the REPL (or run stdin as a script when it is not a terminal).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Ingest articles: files, directories (recursively, *.txt) or `-` for stdin.
    Ingest {
        /// Files or directories; `-` reads one article from stdin.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// No progress bar and no per-file lines, only the summary.
        #[arg(short, long)]
        quiet: bool,
        /// How to read article bytes: strict utf-8, or auto (UTF-8, else Windows-1252), or latin1.
        #[arg(long, value_enum, default_value_t = EncodingArg::Utf8)]
        encoding: EncodingArg,
        /// Which extractor reads the facts: patterns (precise, few facts), parse (dependency trees: many more facts, less precise, ~15x slower) or both (the patterns' facts and the parse's between two names).
        #[arg(long, value_enum, default_value_t = ExtractorArg::Patterns)]
        extractor: ExtractorArg,
    },
    /// Extract facts from articles as JSONL on stdout, without a store.
    ///
    /// Each article is an `article` line followed by its `fact` lines (with
    /// sentences, spans, qualifiers, confidence). Runs on parts of a corpus
    /// can go anywhere in parallel; `lore import` of their concatenated
    /// output gives the store `lore ingest` gives (docs/PARALLEL.md).
    Extract {
        /// Files or directories (recursively, *.txt); `-` reads one article from stdin.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// How to read article bytes: strict utf-8, or auto (UTF-8, else Windows-1252), or latin1.
        #[arg(long, value_enum, default_value_t = EncodingArg::Utf8)]
        encoding: EncodingArg,
        /// Which extractor reads the facts: patterns (precise, few facts), parse (dependency trees: many more facts, less precise, ~15x slower) or both (the patterns' facts and the parse's between two names).
        #[arg(long, value_enum, default_value_t = ExtractorArg::Patterns)]
        extractor: ExtractorArg,
    },
    /// Import facts: JSONL (`lore export`'s, or another extractor's) or N-Triples.
    ///
    /// The first bad line stops the import (JSONL batches before it stay
    /// stored; N-Triples is checked whole first and writes nothing); with
    /// --keep-going every bad line is reported and skipped, and lore exits 1
    /// at the end.
    Import {
        /// The file, or `-` for stdin.
        file: PathBuf,
        /// jsonl or ntriples. Default: ntriples for a `.nt` file, else jsonl.
        #[arg(long, value_enum)]
        format: Option<ImportFormatArg>,
        /// Report and skip bad lines instead of stopping at the first.
        #[arg(long)]
        keep_going: bool,
    },
    /// Export the whole store: JSONL, RDF (N-Triples, Turtle) or CSV.
    Export {
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
        /// Base of the IRIs in RDF output (ntriples, turtle) [default: `http://example.org/lore/`]
        #[arg(long, value_name = "IRI")]
        base: Option<String>,
        /// What a CSV holds: facts, entities, sources or documents [default: facts]
        #[arg(long, value_enum)]
        table: Option<CsvTableArg>,
        /// Write to this file instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Show counts: documents, entities, facts, relations, sources, size on disk.
    Stats,
    /// Run query text and print the results.
    Query {
        /// One or more statements, e.g. "Blinken met ?who;".
        text: String,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        /// Maximum rows per statement.
        #[arg(long, default_value_t = lore::query::DEFAULT_LIMIT)]
        limit: usize,
        /// Stop a statement that runs longer than this (default: no limit).
        #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
        timeout: Option<std::time::Duration>,
        /// Write the results to this file instead of stdout (only when the query succeeds).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Run saved query scripts (`-` for stdin).
    Run {
        /// Script files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        /// Maximum rows per statement.
        #[arg(long, default_value_t = lore::query::DEFAULT_LIMIT)]
        limit: usize,
        /// Stop a statement that runs longer than this (default: no limit).
        #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
        timeout: Option<std::time::Duration>,
        /// Report every error instead of stopping at the first; exit non-zero at the end.
        #[arg(long)]
        keep_going: bool,
        /// Parse and check the scripts without running them.
        #[arg(long)]
        check: bool,
        /// Write the statements' results to this file instead of stdout, as
        /// `.output FILE` at the top of the first script would.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Draw an entity's neighbourhood as SVG (no Graphviz needed) or DOT.
    Graph {
        /// The entity: any of its names, or #ID.
        name: String,
        /// How many facts away the picture reaches.
        #[arg(long, default_value_t = lore::graph::DEFAULT_DEPTH)]
        depth: usize,
        /// Most nodes drawn; the nearest and best-sourced are kept.
        #[arg(long, default_value_t = lore::graph::DEFAULT_MAX_NODES)]
        max_nodes: usize,
        /// svg (a picture) or dot (for Graphviz). Default: by the -o file's extension, else svg.
        #[arg(long, short, value_enum)]
        format: Option<GraphFormatArg>,
        /// Write to this file instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// The dated facts about an entity in time order, with their sources.
    Timeline {
        /// The entity: any of its names, or #ID.
        name: String,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = FormatArg::Table)]
        format: FormatArg,
        /// Write to this file instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Show what the language pipeline makes of a text, as CoNLL-U:
    /// sentences, tokens, tags, lemmas, dependencies, named entities (MISC NE=).
    Parse {
        /// The text to analyse (or use --file).
        #[arg(
            value_name = "TEXT",
            required_unless_present = "file",
            conflicts_with = "file"
        )]
        text: Option<String>,
        /// Read the text from a file; `-` reads standard input.
        #[arg(long, short, value_name = "FILE")]
        file: Option<PathBuf>,
        /// How to read file bytes: strict utf-8, or auto (UTF-8, else Windows-1252), or latin1.
        #[arg(long, value_enum, default_value_t = EncodingArg::Utf8)]
        encoding: EncodingArg,
    },
    /// Open the interactive shell.
    Repl,
    /// Verify the store: indexes, counts, sources, names. Exits 2 when damaged.
    Check,
    /// Hold the store and answer a JSON HTTP API on a loopback address
    /// (docs/SERVE.md); other lore commands on the store run through it.
    Serve {
        /// Where to listen: a loopback address and port; port 0 picks a free one.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7464")]
        listen: String,
        /// Answer reads only: ingest and import are refused (HTTP 403, exit 1 through the socket).
        #[arg(long)]
        read_only: bool,
        /// The longest a query may run, in seconds; a request may ask for less.
        #[arg(long, value_name = "SECONDS", value_parser = parse_seconds, default_value = "30")]
        timeout: std::time::Duration,
        /// The largest request body accepted, in bytes.
        #[arg(long, value_name = "BYTES", default_value_t = 8 << 20)]
        max_body: u64,
        /// Requests answered at once; more wait, and beyond four times this many are refused (HTTP 503).
        #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
        threads: u16,
    },
    /// Write a consistent copy of the store to DEST (a new directory), even
    /// while another lore process holds the store.
    Backup {
        /// The new store directory; it must not exist yet.
        dest: PathBuf,
    },
}

/// Declares a clap value enum of the command line that mirrors a library
/// enum variant for variant, with the conversion: the library's types stay
/// free of clap, and `--help` shows these doc comments.
macro_rules! arg_enum {
    ($(#[$m:meta])* $arg:ident => $lib:ident { $($(#[$vm:meta])* $v:ident,)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
        pub enum $arg {
            $($(#[$vm])* $v,)*
        }

        impl From<$arg> for $lib {
            fn from(a: $arg) -> Self {
                match a {
                    $($arg::$v => $lib::$v,)*
                }
            }
        }
    };
}

arg_enum! {
    /// `--encoding`: how article bytes are turned into text.
    EncodingArg => Encoding {
        /// Strict UTF-8: anything else is refused with a message (the default).
        Utf8,
        /// UTF-8 when valid, otherwise Windows-1252 (the usual "Latin-1" of web pages).
        Auto,
        /// Windows-1252 / Latin-1 always.
        Latin1,
    }
}

arg_enum! {
    /// `lore import --format`.
    ImportFormatArg => ImportFormat {
        /// JSON lines: `lore export`'s schema, or other extractors' minimal facts.
        Jsonl,
        /// RDF 1.1 N-Triples, such as `lore export --format ntriples` writes.
        Ntriples,
    }
}

arg_enum! {
    /// `--format` of results: query, run, timeline.
    FormatArg => Format {
        /// Aligned columns with a footer.
        Table,
        /// One JSON object per row.
        Json,
        /// RFC 4180 CSV with a header row.
        Csv,
        /// `column = value` lines, a blank line between rows.
        Line,
    }
}

arg_enum! {
    /// `lore export --table`.
    CsvTableArg => CsvTable {
        /// One row per fact.
        Facts,
        /// One row per entity.
        Entities,
        /// One row per source of a fact: the sentence and where it is.
        Sources,
        /// One row per document.
        Documents,
    }
}

arg_enum! {
    /// `lore graph --format`.
    GraphFormatArg => GraphFormat {
        /// A standalone SVG picture, laid out by lore.
        Svg,
        /// Graphviz DOT, for `dot -Tpng` and friends.
        Dot,
        /// The SVG picture rendered as PNG (no Graphviz needed).
        Png,
    }
}

/// `--extractor`: which extractor reads the facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExtractorArg {
    /// Clause patterns over names and a verb lexicon.
    Patterns,
    /// Propositions from the dependency trees of the language pipeline.
    Parse,
    /// The patterns' facts, and the parse's facts between two names.
    Both,
}

impl From<ExtractorArg> for lore::ingest::Extractor {
    fn from(a: ExtractorArg) -> Self {
        match a {
            ExtractorArg::Patterns => lore::ingest::Extractor::Patterns,
            ExtractorArg::Parse => lore::ingest::Extractor::Parse,
            ExtractorArg::Both => lore::ingest::Extractor::Both,
        }
    }
}

/// The formats of `lore export`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// lore's exchange schema: documents, entities, facts with sources.
    Jsonl,
    /// RDF 1.1 N-Triples (see docs/INTEROP.md for IRIs and provenance).
    Ntriples,
    /// RDF 1.1 Turtle: the same triples with prefixes.
    Turtle,
    /// One table (see --table) with a header row, RFC 4180 quoting.
    Csv,
}
