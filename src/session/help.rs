//! What `.help` says: the list of meta-commands ([`COMMANDS`], also what
//! completion and "did you mean" read) and the help topics.

/// One meta-command as listed by `.help`.
#[derive(Debug)]
pub struct Command {
    /// Name with its dot, e.g. `.mode`.
    pub name: &'static str,
    /// Argument synopsis.
    pub args: &'static str,
    /// One line for the `.help` list.
    pub summary: &'static str,
    /// More for `.help NAME`.
    pub detail: &'static str,
}

/// Every meta-command, in `.help` order.
pub const COMMANDS: &[Command] = &[
    Command {
        name: ".help",
        args: "[TOPIC]",
        summary: "this list; `.help queries` for the query language, `.help keys` for the keyboard",
        detail: "Topics: any command name (e.g. `.help mode`), `queries`, `keys`.",
    },
    Command {
        name: ".mode",
        args: "table|json|csv|line",
        summary: "how results are printed",
        detail: "table: aligned columns that fit the terminal, with a footer;\njson: one JSON object per row; csv: RFC 4180 with a header;\nline: `column = value`, a blank line between rows.\nWithout an argument, shows the current mode.",
    },
    Command {
        name: ".timer",
        args: "on|off",
        summary: "show how long each query took",
        detail: "With the timer on, the table footer gives the time of each statement\n(for json, csv and line it goes to stderr).",
    },
    Command {
        name: ".headers",
        args: "on|off",
        summary: "column names above table and CSV rows (on by default)",
        detail: "Off leaves the names out, as sqlite3's `.headers off` does: rows to\npaste into another file. JSON and line keep their keys.",
    },
    Command {
        name: ".pager",
        args: "on|off",
        summary: "show each answer through $PAGER (default `less -FRX`) in the shell",
        detail: "Off by default. less -FRX prints an answer that fits the screen as it is\nand pages a longer one. Scripts and `.output` files are never paged.",
    },
    Command {
        name: ".width",
        args: "N|auto",
        summary: "the width tables fit, instead of the terminal's",
        detail: "auto (the default) follows the terminal, also when it is resized.\nN is 20 to 10000 columns.",
    },
    Command {
        name: ".shell",
        args: "COMMAND",
        summary: "run a command of the system's shell (also .system)",
        detail: "The rest of the line goes to `sh -c`; its output comes to the terminal,\nand a failing status is reported.",
    },
    Command {
        name: ".limit",
        args: "N",
        summary: "the most rows a statement prints (the footer says when it cut)",
        detail: "N is at least 1. Without an argument, shows the current limit.",
    },
    Command {
        name: ".timeout",
        args: "SECONDS|off",
        summary: "stop a statement that runs longer than this (shell default: 60 s)",
        detail: "SECONDS may have a fraction (0.5). `off` lets statements run until they\nend or Ctrl-C. Without an argument, shows the current budget.",
    },
    Command {
        name: ".ingest",
        args: "[--encoding auto|utf8|latin1] PATH...",
        summary: "read articles (files, or directories of *.txt) into the store",
        detail: "Each article is stored atomically; one already stored is skipped.\nCtrl-C stops after the article being read. --encoding auto reads\nLatin-1 (Windows-1252) files too, as `lore ingest --encoding auto`.",
    },
    Command {
        name: ".read",
        args: "FILE",
        summary: "run a script of statements and meta-commands",
        detail: "Stops at the first error and shows it as FILE:LINE:COL with a caret.\nPaths are relative to the current directory.",
    },
    Command {
        name: ".stats",
        args: "",
        summary: "counts of documents, entities, facts and relations",
        detail: "",
    },
    Command {
        name: ".open",
        args: "PATH",
        summary: "switch to another store (created if missing)",
        detail: "The current store stays open when the new one cannot be opened.",
    },
    Command {
        name: ".export",
        args: "FILE",
        summary: "write the whole store as JSONL (the `lore export` format)",
        detail: "",
    },
    Command {
        name: ".import",
        args: "FILE [--keep-going]",
        summary: "import facts from JSONL or N-Triples (.nt), as `lore import`",
        detail: "JSONL in lore's exchange schema, other extractors' fact lines, or\n`lore extract` output; a FILE ending in .nt is N-Triples. Stops at the\nfirst bad line unless --keep-going, which reports and skips each.",
    },
    Command {
        name: ".output",
        args: "[FILE]",
        summary: "send query results to FILE (replaced) until `.output` alone",
        detail: "Results of statements go to FILE in the current mode, without the\nterminal's width limit; messages and meta-command answers stay on the\nscreen. `.output` alone (or `.output stdout`) sends results back here.",
    },
    Command {
        name: ".once",
        args: "FILE",
        summary: "send the next statement's results to FILE (replaced)",
        detail: "Like `.output FILE` for one statement: `.once lavrov.csv` after\n`.mode csv`, then the query.",
    },
    Command {
        name: ".graph",
        args: "NAME [FILE] [--depth N]",
        summary: "draw an entity's neighbourhood into an SVG (or DOT) file",
        detail: "Without FILE the picture goes to the entity's name in lowercase with\n`.svg`, in the current directory (e.g. sergei-lavrov.svg); a FILE ending\nin .dot or .gv gets Graphviz DOT, one ending in .png a PNG; other extensions are refused.\n--depth N reaches N facts away (default 1); the nearest, best-sourced 30 nodes are drawn.\nOpen the SVG in a browser; `lore graph --help` has more options.",
    },
    Command {
        name: ".quit",
        args: "",
        summary: "leave (also .exit or Ctrl-D)",
        detail: "",
    },
];

/// Extra `.help` topics besides the command names.
pub const TOPICS: &[&str] = &["queries", "keys"];

/// The `.help` screen: one line per command.
pub fn help_list() -> String {
    let width = COMMANDS
        .iter()
        .map(|c| c.name.len() + 1 + c.args.len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for c in COMMANDS {
        let head = format!("{} {}", c.name, c.args);
        out.push_str(&format!("{head:<width$}  {}\n", c.summary));
    }
    out.push_str(
        "Anything else is a query, ended by `;`: e.g. `describe Lavrov;` (`.help queries`).",
    );
    out
}

/// Help on one topic (a command name without its dot, `queries` or `keys`).
pub fn help_text(topic: &str) -> Option<String> {
    match topic {
        "queries" => Some(QUERIES_HELP.to_string()),
        "keys" => Some(KEYS_HELP.to_string()),
        _ => COMMANDS
            .iter()
            .find(|c| c.name.trim_start_matches('.') == topic)
            .map(|c| {
                let mut s = format!("{} {}\n  {}", c.name, c.args, c.summary);
                if !c.detail.is_empty() {
                    s.push('\n');
                    for l in c.detail.lines() {
                        s.push_str(&format!("\n  {l}"));
                    }
                }
                s
            }),
    }
}

const QUERIES_HELP: &str = "\
A statement ends with `;`. Names match any alias, case-insensitively; quote
names and relations with spaces. `?x` is a variable; `--` starts a comment.

  Blinken met ?who;                              a pattern: subject relation object
  \"Paul Whelan\" ?relation ?what;                 quoted names, a variable relation
  ?a met ?b, ?b \"is detained in\" Russia;         comma joins on shared variables
  find ?p, ?r where ?p \"holds role\" ?r order by ?p limit 10;
  Blinken met Lavrov {place: ?where, time: ?when};   qualifiers
  count ?x where ?x met ?y;                      aggregation
  why Blinken met Lavrov;                        sources: articles and sentences
  describe Lavrov;                               everything about one entity
  entities like \"lavr\";                          name search
  relations;                                     relation phrases with counts

docs/QUERY.md has the grammar and one example per feature.";

const KEYS_HELP: &str = "\
Enter       run the statement when it ends with `;` (otherwise a new line)
Enter twice run what was typed, even without `;`
Tab         complete keywords, commands, entity names and relations
Right / End accept the grey hint (from history)
Up / Down   walk the history; Ctrl-R searches it
Ctrl-C      cancel the running query, or clear the line
Ctrl-D      quit (on an empty line)";
