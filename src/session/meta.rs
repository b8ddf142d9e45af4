//! Meta-commands: everything that is not a query (`.mode csv`, `.ingest PATH`).
//!
//! [`parse`] turns one line into a [`Meta`] or a [`Diagnostic`] whose span
//! points into that line; running it is the session's job. [`COMMANDS`] is
//! the single list (in `help.rs`, with the help texts) that `.help`,
//! completion and "did you mean" read.

use std::path::PathBuf;

use lore::diag::{Diagnostic, did_you_mean};
use lore::output::Format;
use lore::store::Encoding;

pub use super::help::{COMMANDS, TOPICS, help_list, help_text};

/// A parsed meta-command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Meta {
    /// `.help [topic]`.
    Help(Option<String>),
    /// `.mode [format]`.
    Mode(Option<Format>),
    /// `.timer [on|off]`.
    Timer(Option<bool>),
    /// `.headers [on|off]`.
    Headers(Option<bool>),
    /// `.pager [on|off]`.
    Pager(Option<bool>),
    /// `.width [N|auto]`: `Some(None)` is the terminal's width.
    Width(Option<Option<usize>>),
    /// `.shell CMD` or `.system CMD`.
    Shell(String),
    /// `.limit [N]`.
    Limit(Option<usize>),
    /// `.timeout [SECONDS|off]`: `Some(None)` is off.
    Timeout(Option<Option<std::time::Duration>>),
    /// `.ingest [--encoding E] PATH...`.
    Ingest(Vec<PathBuf>, Encoding),
    /// `.read FILE`.
    Read(PathBuf),
    /// `.stats`.
    Stats,
    /// `.open PATH`.
    Open(PathBuf),
    /// `.export FILE`.
    Export(PathBuf),
    /// `.import FILE [--keep-going]`.
    Import(PathBuf, bool),
    /// `.output [FILE]`: `None` is back to stdout.
    Output(Option<PathBuf>),
    /// `.once FILE`.
    Once(PathBuf),
    /// `.graph NAME [FILE] [--depth N]`.
    Graph {
        /// The entity, as typed.
        name: String,
        /// Where the picture goes (`None`: a name made from the entity's).
        file: Option<PathBuf>,
        /// How many facts away it reaches.
        depth: usize,
    },
    /// `.quit` or `.exit`.
    Quit,
}

/// Splits a line into words with their byte spans; `"..."` or a backslash
/// (`my\ dir`) keeps a space in a word.
pub fn words(line: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut chars = line.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut word = String::new();
        let mut end = start;
        if c == '"' {
            chars.next();
            end = line.len();
            for (i, c) in chars.by_ref() {
                if c == '"' {
                    end = i + 1;
                    break;
                }
                word.push(c);
            }
        } else {
            while let Some(&(i, c)) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                chars.next();
                end = i + c.len_utf8();
                // `my\ dir`, as the file-name completion writes a space; other backslashes stay.
                if c == '\\'
                    && let Some(&(j, next)) = chars.peek()
                    && (next.is_whitespace() || next == '\\' || next == '"')
                {
                    word.push(next);
                    end = j + next.len_utf8();
                    chars.next();
                    continue;
                }
                word.push(c);
            }
        }
        out.push((word, start..end));
    }
    out
}

/// Parses one meta-command line (starting with `.`); spans in errors point into `line`.
pub fn parse(line: &str) -> Result<Meta, Diagnostic> {
    // `.shell` takes the rest of the line as written, `--` and `;` too.
    let raw = line;
    // A trailing `-- comment`, as in query text and sqlite3's shell: an
    // unquoted `--` standing alone starts it (`--encoding` is an option).
    let line = match words(line).iter().find(|(_, s)| &line[s.clone()] == "--") {
        Some((_, s)) => &line[..s.start],
        None => line,
    };
    // A `;` out of habit at the end changes nothing.
    let line = line.trim_end().trim_end_matches(';');
    let words = words(line);
    let Some((name, name_span)) = words.first().cloned() else {
        return Err(Diagnostic::new("empty command", 0..line.len()));
    };
    let args = &words[1..];
    let arg = |i: usize| args.get(i).map(|(w, _)| w.as_str());
    let whole_args = args.first().map_or(name_span.end..name_span.end, |(_, s)| {
        s.start..args.last().map_or(s.end, |(_, e)| e.end)
    });
    let usage = |cmd: &str| {
        COMMANDS
            .iter()
            .find(|c| c.name == cmd)
            .map(|c| format!("usage: {} {}", c.name, c.args))
            .unwrap_or_default()
    };
    let too_many = |max: usize| -> Result<(), Diagnostic> {
        match args.get(max) {
            Some((w, s)) => Err(Diagnostic::new(
                format!("unexpected argument `{w}`"),
                s.start..whole_args.end,
            )
            .with_help(usage(&name))),
            None => Ok(()),
        }
    };
    let path = |what: &str| -> Result<PathBuf, Diagnostic> {
        too_many(1)?;
        match arg(0) {
            Some(p) if !p.is_empty() => Ok(PathBuf::from(p)),
            _ => Err(
                Diagnostic::new(format!("{name} needs a {what}"), name_span.clone())
                    .with_help(usage(&name)),
            ),
        }
    };
    let meta = match name.as_str() {
        ".help" | ".h" | ".?" => {
            too_many(1)?;
            match arg(0) {
                None => Meta::Help(None),
                Some(t) => {
                    let t = t.trim_start_matches('.');
                    if help_text(t).is_none() {
                        let (_, span) = &args[0];
                        let mut d = Diagnostic::new(format!("no help on `{t}`"), span.clone());
                        let topics = COMMANDS
                            .iter()
                            .map(|c| c.name.trim_start_matches('.'))
                            .chain(TOPICS.iter().copied());
                        d = d.with_help(match did_you_mean(t, topics) {
                            Some(s) => format!("did you mean `.help {s}`?"),
                            None => "topics: the command names, `queries`, `keys`".to_string(),
                        });
                        return Err(d);
                    }
                    Meta::Help(Some(t.to_string()))
                }
            }
        }
        ".mode" => {
            too_many(1)?;
            match arg(0) {
                None => Meta::Mode(None),
                Some(m) => match Format::parse(m) {
                    Some(f) => Meta::Mode(Some(f)),
                    None => {
                        let mut d =
                            Diagnostic::new(format!("unknown mode `{m}`"), args[0].1.clone());
                        d = d.with_help(match did_you_mean(m, ["table", "json", "csv", "line"]) {
                            Some(s) => format!("did you mean `{s}`? modes: table, json, csv, line"),
                            None => "modes: table, json, csv, line".to_string(),
                        });
                        return Err(d);
                    }
                },
            }
        }
        ".timer" | ".headers" | ".pager" => {
            too_many(1)?;
            let on = match arg(0) {
                None => None,
                Some("on") => Some(true),
                Some("off") => Some(false),
                Some(w) => {
                    return Err(Diagnostic::new(
                        format!("expected `on` or `off`, found `{w}`"),
                        args[0].1.clone(),
                    )
                    .with_help(usage(&name)));
                }
            };
            match name.as_str() {
                ".timer" => Meta::Timer(on),
                ".pager" => Meta::Pager(on),
                _ => Meta::Headers(on),
            }
        }
        ".limit" | ".maxrows" => {
            too_many(1)?;
            match arg(0) {
                None => Meta::Limit(None),
                Some(w) => match w.parse::<usize>() {
                    Ok(n) if n > 0 => Meta::Limit(Some(n)),
                    _ => {
                        return Err(Diagnostic::new(
                            format!("expected a number of rows (1 or more), found `{w}`"),
                            args[0].1.clone(),
                        )
                        .with_help(usage(".limit")));
                    }
                },
            }
        }
        ".width" => {
            too_many(1)?;
            match arg(0) {
                None => Meta::Width(None),
                Some("auto") => Meta::Width(Some(None)),
                Some(w) => match w.parse::<usize>() {
                    Ok(n) if (20..=10_000).contains(&n) => Meta::Width(Some(Some(n))),
                    _ => {
                        return Err(Diagnostic::new(
                            format!(
                                "expected `auto` or a width of 20 to 10000 columns, found `{w}`"
                            ),
                            args[0].1.clone(),
                        )
                        .with_help(usage(".width")));
                    }
                },
            }
        }
        ".shell" | ".system" => {
            // The rest of the line as written, for `sh -c`.
            let command = raw.get(name_span.end..).unwrap_or_default().trim();
            if command.is_empty() {
                return Err(
                    Diagnostic::new(format!("{name} needs a command"), name_span)
                        .with_help("e.g. `.shell ls data/articles`"),
                );
            }
            Meta::Shell(command.to_string())
        }
        ".timeout" => {
            too_many(1)?;
            match arg(0) {
                None => Meta::Timeout(None),
                Some("off") => Meta::Timeout(Some(None)),
                Some(w) => match w.parse::<f64>() {
                    Ok(s) if s > 0.0 && s.is_finite() && s < 1e9 => {
                        Meta::Timeout(Some(Some(std::time::Duration::from_secs_f64(s))))
                    }
                    _ => {
                        return Err(Diagnostic::new(
                            format!("expected a number of seconds above 0, or `off`, found `{w}`"),
                            args[0].1.clone(),
                        )
                        .with_help(usage(".timeout")));
                    }
                },
            }
        }
        ".ingest" => {
            if args.is_empty() {
                return Err(
                    Diagnostic::new(".ingest needs at least one path", name_span)
                        .with_help("e.g. `.ingest data/articles`"),
                );
            }
            if let Some((_, span)) = args.iter().find(|(w, _)| w == "-") {
                return Err(
                    Diagnostic::new("`.ingest -` cannot read stdin here", span.clone())
                        .with_help("save the article to a file, or use `lore ingest -`"),
                );
            }
            // `--encoding auto|utf8|latin1`, as `lore ingest` takes it (the
            // advice for a Latin-1 file names it).
            let mut encoding = Encoding::default();
            let mut paths = Vec::new();
            let mut i = 0;
            while i < args.len() {
                let (w, span) = &args[i];
                let value = if w == "--encoding" {
                    i += 1;
                    match args.get(i) {
                        Some(v) => Some(v.clone()),
                        None => {
                            return Err(Diagnostic::new("--encoding needs a value", span.clone())
                                .with_help("--encoding auto, utf8 or latin1"));
                        }
                    }
                } else {
                    w.strip_prefix("--encoding=")
                        .map(|v| (v.to_string(), span.clone()))
                };
                match value {
                    Some((v, vspan)) => {
                        encoding = match v.to_ascii_lowercase().as_str() {
                            "auto" => Encoding::Auto,
                            "utf8" | "utf-8" => Encoding::Utf8,
                            "latin1" | "latin-1" | "windows-1252" => Encoding::Latin1,
                            _ => {
                                return Err(Diagnostic::new(
                                    format!("unknown encoding `{v}`"),
                                    vspan,
                                )
                                .with_help("--encoding auto, utf8 or latin1"));
                            }
                        }
                    }
                    None => paths.push(PathBuf::from(w)),
                }
                i += 1;
            }
            if paths.is_empty() {
                return Err(
                    Diagnostic::new(".ingest needs at least one path", name_span)
                        .with_help("e.g. `.ingest data/articles`"),
                );
            }
            Meta::Ingest(paths, encoding)
        }
        ".read" => Meta::Read(path("script file")?),
        ".open" => Meta::Open(path("store path")?),
        ".export" => Meta::Export(path("file to write")?),
        ".output" => {
            too_many(1)?;
            match arg(0) {
                None | Some("stdout") => Meta::Output(None),
                Some(_) => Meta::Output(Some(path("file to write")?)),
            }
        }
        ".once" => Meta::Once(path("file to write")?),
        ".import" => {
            too_many(2)?;
            let keep_going = args.iter().any(|(w, _)| w == "--keep-going");
            let files: Vec<_> = args.iter().filter(|(w, _)| w != "--keep-going").collect();
            match files.as_slice() {
                [(f, _)] if !f.is_empty() => Meta::Import(PathBuf::from(f), keep_going),
                [] => {
                    return Err(Diagnostic::new(".import needs a file", name_span)
                        .with_help(usage(".import")));
                }
                [_, (w, span), ..] | [(w, span)] => {
                    return Err(Diagnostic::new(
                        format!("unexpected argument `{w}`"),
                        span.clone(),
                    )
                    .with_help(usage(".import")));
                }
            }
        }
        ".graph" => {
            let mut positional: Vec<&(String, std::ops::Range<usize>)> = Vec::new();
            let mut depth = lore::graph::DEFAULT_DEPTH;
            let mut i = 0;
            while i < args.len() {
                let (w, span) = &args[i];
                let value = if w == "--depth" {
                    i += 1;
                    match args.get(i) {
                        Some((v, s)) => Some((v.as_str(), s.clone())),
                        None => {
                            return Err(Diagnostic::new("--depth needs a number", span.clone())
                                .with_help(usage(".graph")));
                        }
                    }
                } else {
                    w.strip_prefix("--depth=").map(|v| (v, span.clone()))
                };
                match value {
                    Some((v, s)) => match v.parse::<usize>() {
                        Ok(n) if (1..=lore::graph::MAX_DEPTH).contains(&n) => depth = n,
                        _ => {
                            return Err(Diagnostic::new(
                                format!(
                                    "expected a depth from 1 to {}, found `{v}`",
                                    lore::graph::MAX_DEPTH
                                ),
                                s,
                            )
                            .with_help(usage(".graph")));
                        }
                    },
                    None => positional.push(&args[i]),
                }
                i += 1;
            }
            match positional.as_slice() {
                [] => {
                    return Err(Diagnostic::new(".graph needs an entity name", name_span)
                        .with_help("e.g. `.graph Lavrov` or `.graph \"Paul Whelan\" whelan.svg`"));
                }
                [(n, _)] => Meta::Graph {
                    name: n.clone(),
                    file: None,
                    depth,
                },
                [(n, _), (f, _)] => Meta::Graph {
                    name: n.clone(),
                    file: Some(PathBuf::from(f)),
                    depth,
                },
                [_, _, (w, s), ..] => {
                    return Err(Diagnostic::new(
                        format!("unexpected argument `{w}`"),
                        s.start..whole_args.end,
                    )
                    .with_help(format!(
                        "{}; quote a name with spaces: .graph \"Paul Whelan\"",
                        usage(".graph")
                    )));
                }
            }
        }
        ".stats" => {
            too_many(0)?;
            Meta::Stats
        }
        ".quit" | ".exit" | ".q" => {
            too_many(0)?;
            Meta::Quit
        }
        other => {
            let mut d = Diagnostic::new(format!("unknown command `{other}`"), name_span);
            d = d.with_help(match did_you_mean(other, COMMANDS.iter().map(|c| c.name)) {
                Some(s) => format!("did you mean `{s}`? `.help` lists the commands"),
                None => "`.help` lists the commands".to_string(),
            });
            return Err(d);
        }
    };
    Ok(meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_command_and_its_arguments() {
        assert_eq!(parse(".mode csv"), Ok(Meta::Mode(Some(Format::Csv))));
        assert_eq!(parse(".mode"), Ok(Meta::Mode(None)));
        assert_eq!(parse(".timer on;"), Ok(Meta::Timer(Some(true))));
        assert_eq!(parse(".limit 5"), Ok(Meta::Limit(Some(5))));
        assert_eq!(
            parse(".timeout 2.5"),
            Ok(Meta::Timeout(Some(Some(std::time::Duration::from_millis(
                2500
            )))))
        );
        assert_eq!(parse(".timeout off"), Ok(Meta::Timeout(Some(None))));
        assert!(parse(".timeout -1").is_err());
        assert_eq!(
            parse(".ingest a \"b c\""),
            Ok(Meta::Ingest(vec!["a".into(), "b c".into()], Encoding::Utf8))
        );
        assert_eq!(
            parse(".ingest --encoding auto old/ new.txt"),
            Ok(Meta::Ingest(
                vec!["old/".into(), "new.txt".into()],
                Encoding::Auto
            ))
        );
        assert_eq!(
            parse(".ingest --encoding=latin1 a"),
            Ok(Meta::Ingest(vec!["a".into()], Encoding::Latin1))
        );
        assert!(parse(".ingest --encoding ebcdic a").is_err());
        assert!(parse(".ingest --encoding").is_err());
        assert_eq!(
            parse(".ingest a"),
            Ok(Meta::Ingest(vec!["a".into()], Encoding::Utf8))
        );
        assert_eq!(parse(".read q.lore"), Ok(Meta::Read("q.lore".into())));
        assert_eq!(
            parse(".read my\\ dir/q.lore"),
            Ok(Meta::Read("my dir/q.lore".into()))
        );
        assert_eq!(parse(".open C:\\db"), Ok(Meta::Open("C:\\db".into())));
        assert_eq!(parse(".exit"), Ok(Meta::Quit));
        assert_eq!(parse(".headers off"), Ok(Meta::Headers(Some(false))));
        assert_eq!(parse(".maxrows 9"), Ok(Meta::Limit(Some(9))));
        assert_eq!(parse(".pager on"), Ok(Meta::Pager(Some(true))));
        assert_eq!(parse(".width 100"), Ok(Meta::Width(Some(Some(100)))));
        assert_eq!(parse(".width auto"), Ok(Meta::Width(Some(None))));
        assert!(parse(".width 3").is_err());
        assert_eq!(
            parse(".shell ls -l \"a b\" | wc -l"),
            Ok(Meta::Shell("ls -l \"a b\" | wc -l".into()))
        );
        assert!(parse(".system").is_err());
        assert_eq!(
            parse(".system git diff -- a.txt"),
            Ok(Meta::Shell("git diff -- a.txt".into()))
        );
        assert_eq!(
            parse(".import f.nt --keep-going"),
            Ok(Meta::Import("f.nt".into(), true))
        );
        assert_eq!(
            parse(".import f.jsonl"),
            Ok(Meta::Import("f.jsonl".into(), false))
        );
        assert!(parse(".import").is_err());
        assert!(parse(".import a b").is_err());
        assert!(parse(".headers of").is_err());
        assert_eq!(
            parse(".output r.csv"),
            Ok(Meta::Output(Some("r.csv".into())))
        );
        assert_eq!(parse(".output"), Ok(Meta::Output(None)));
        assert_eq!(parse(".output stdout"), Ok(Meta::Output(None)));
        assert_eq!(parse(".once r.csv"), Ok(Meta::Once("r.csv".into())));
        assert!(parse(".once").is_err());
        assert_eq!(parse(".help mode"), Ok(Meta::Help(Some("mode".into()))));
    }

    #[test]
    fn a_trailing_comment_is_not_an_argument() {
        assert_eq!(
            parse(".mode line   -- sentences in full"),
            Ok(Meta::Mode(Some(Format::Line)))
        );
        assert_eq!(parse(".limit 5 --"), Ok(Meta::Limit(Some(5))));
        assert_eq!(
            parse(".timer on; -- and off later"),
            Ok(Meta::Timer(Some(true)))
        );
        // Quoted, `--` is a file name; joined to a word, an option.
        assert_eq!(
            parse(".ingest \"--\" a"),
            Ok(Meta::Ingest(vec!["--".into(), "a".into()], Encoding::Utf8))
        );
        assert!(parse(".mode --line").is_err());
    }

    #[test]
    fn graph_takes_a_name_a_file_and_a_depth_in_any_order() {
        assert_eq!(
            parse(".graph Lavrov"),
            Ok(Meta::Graph {
                name: "Lavrov".into(),
                file: None,
                depth: 1
            })
        );
        assert_eq!(
            parse(".graph --depth 2 \"Paul Whelan\" out/whelan.dot"),
            Ok(Meta::Graph {
                name: "Paul Whelan".into(),
                file: Some("out/whelan.dot".into()),
                depth: 2
            })
        );
        assert_eq!(
            parse(".graph Lavrov --depth=3;"),
            Ok(Meta::Graph {
                name: "Lavrov".into(),
                file: None,
                depth: 3
            })
        );
        let d = parse(".graph").unwrap_err();
        assert!(d.message.contains("needs an entity name"), "{d:?}");
        let d = parse(".graph Lavrov --depth zero").unwrap_err();
        assert_eq!(d.span, 22..26);
        assert!(parse(".graph Lavrov --depth 99").is_err());
        assert!(parse(".graph Lavrov --depth").is_err());
        let d = parse(".graph Paul Whelan x.svg").unwrap_err();
        assert_eq!(d.message, "unexpected argument `x.svg`");
        assert!(d.help.unwrap().contains("quote a name"));
    }

    #[test]
    fn mistakes_point_at_the_word_and_suggest_a_fix() {
        let d = parse(".mdoe csv").unwrap_err();
        assert_eq!(d.span, 0..5);
        assert!(d.help.unwrap().contains("did you mean `.mode`"));
        let d = parse(".mode jsno").unwrap_err();
        assert_eq!(d.span, 6..10);
        assert!(d.help.unwrap().contains("`json`"));
        let d = parse(".limit 0").unwrap_err();
        assert_eq!(d.span, 7..8);
        let d = parse(".stats now").unwrap_err();
        assert_eq!(d.message, "unexpected argument `now`");
        assert!(
            parse(".read")
                .unwrap_err()
                .message
                .contains("needs a script file")
        );
        assert!(parse(".help nope").is_err());
        assert_eq!(parse(".ingest a -").unwrap_err().span, 10..11);
    }

    #[test]
    fn help_lists_every_command_on_one_line_each() {
        let h = help_list();
        for c in COMMANDS {
            assert_eq!(
                h.lines().filter(|l| l.starts_with(c.name)).count(),
                1,
                "{}",
                c.name
            );
        }
        assert!(help_text("mode").unwrap().contains("csv"));
    }
}
