//! The line editor's helper: completion, hints, highlighting and the
//! multi-line rule, plus the key handlers for Enter and Ctrl-C.
//!
//! Completion candidates come from the open store (entity names and
//! aliases, relation phrases), read lazily on the first Tab and again after
//! `.ingest` or `.open` changed them.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::{Hint, Hinter, HistoryHinter};
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Cmd, ConditionalEventHandler, Context, Event, EventContext, RepeatCount};

use crate::session::Session;
use crate::session::meta::{self, COMMANDS};
use crate::session::split::{self as script, input_complete};
use lore::ingest::events::EventClass;
use lore::query::{self, TokenClass};

/// Most candidates offered for one Tab; more would scroll the screen away.
const MAX_CANDIDATES: usize = 200;

const RESET: &str = "\x1b[0m";
const GREY: &str = "\x1b[90m";

pub use lore::query::quote_name;

/// Names and relations of the store, cached per session generation.
#[derive(Default)]
struct Vocabulary {
    generation: Option<u64>,
    names: Vec<String>,
    relations: Vec<String>,
}

/// The rustyline helper of the REPL.
pub struct LoreHelper {
    session: Rc<RefCell<Session>>,
    vocab: RefCell<Vocabulary>,
    color: bool,
    history: HistoryHinter,
    files: FilenameCompleter,
}

impl LoreHelper {
    /// A helper reading names from `session`'s store; `color` turns highlighting on.
    pub fn new(session: Rc<RefCell<Session>>, color: bool) -> LoreHelper {
        LoreHelper {
            session,
            vocab: RefCell::new(Vocabulary::default()),
            color,
            history: HistoryHinter::new(),
            files: FilenameCompleter::new(),
        }
    }

    fn refresh_vocabulary(&self) {
        // The session is not borrowed while the editor runs, so this cannot fail;
        // if it ever were, completion would just offer no names.
        let Ok(session) = self.session.try_borrow() else {
            return;
        };
        let mut v = self.vocab.borrow_mut();
        if v.generation == Some(session.generation) {
            return;
        }
        v.generation = Some(session.generation);
        v.names = session.store().all_names().unwrap_or_default();
        v.relations = session
            .store()
            .relations()
            .map(|r| r.into_iter().map(|(name, _)| name).collect())
            .unwrap_or_default();
    }

    fn complete_query(&self, line: &str, pos: usize) -> (usize, Vec<Pair>) {
        let start = word_start(line, pos);
        let word = &line[start..pos];
        if let Some(var) = word.strip_prefix('?') {
            let mut vars: Vec<String> = variables(line)
                .into_iter()
                .filter(|v| v.starts_with(var) && *v != var)
                .map(|v| format!("?{v}"))
                .collect();
            vars.dedup();
            return (start, pairs_same(vars));
        }
        let prefix = word.trim_start_matches('"').to_lowercase();
        let mut out: Vec<Pair> = Vec::new();
        if !word.starts_with('"') {
            // Event classes go where relations go (`?a consult ?b`).
            let classes = EventClass::ALL.iter().map(|c| c.as_str());
            for k in query::KEYWORDS.iter().copied().chain(classes) {
                if k.starts_with(&prefix) {
                    out.push(Pair {
                        display: k.to_string(),
                        replacement: k.to_string(),
                    });
                }
            }
        }
        self.refresh_vocabulary();
        let v = self.vocab.borrow();
        let mut later: Vec<Pair> = Vec::new();
        for name in v.names.iter().chain(&v.relations) {
            let lower = name.to_lowercase();
            let pair = || Pair {
                display: name.clone(),
                replacement: quote_name(name),
            };
            if lower.starts_with(&prefix) {
                out.push(pair());
            } else if prefix.len() >= 2
                && lower
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w.starts_with(&prefix))
            {
                // "lavr" finds "Sergey Lavrov": people type the part they remember.
                later.push(pair());
            }
            if out.len() + later.len() >= MAX_CANDIDATES {
                break;
            }
        }
        out.extend(later);
        out.dedup_by(|a, b| a.replacement == b.replacement);
        drop(v);
        (start, self.by_entity(out))
    }

    /// Candidates that are all names (no keyword or relation among them)
    /// as the entities they name: one entity's aliases (`Lavrov`, `Sergey
    /// Lavrov`) share no prefix, so a Tab would insert nothing; one entity
    /// completes to its name, several are listed once each with their kind.
    fn by_entity(&self, candidates: Vec<Pair>) -> Vec<Pair> {
        const MAX_LOOKUPS: usize = 50;
        let v = self.vocab.borrow();
        let only_names = candidates.len() > 1
            && candidates.len() <= MAX_LOOKUPS
            && candidates.iter().all(|c| {
                !query::KEYWORDS.contains(&c.display.as_str())
                    && !v.relations.contains(&c.display)
                    && EventClass::parse(&c.display).is_none()
            });
        let Ok(session) = self.session.try_borrow() else {
            return candidates;
        };
        if !only_names {
            return candidates;
        }
        let mut entities: Vec<lore::model::Entity> = Vec::new();
        for c in &candidates {
            let Ok(found) = session.store().entities_named(&c.display) else {
                return candidates;
            };
            for e in found {
                if !entities.iter().any(|x| x.id == e.id) {
                    entities.push(e);
                }
            }
        }
        if entities.is_empty() {
            return candidates;
        }
        // Most mentioned first: the entity a user most likely means.
        let mut counted: Vec<(u64, lore::model::Entity)> = entities
            .into_iter()
            .map(|e| (session.store().fact_count(e.id).unwrap_or(0), e))
            .collect();
        counted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.name.cmp(&b.1.name)));
        counted
            .into_iter()
            .map(|(_, e)| e)
            .map(|e| Pair {
                display: format!("{} ({}, #{})", e.name, e.kind.as_str(), e.id),
                replacement: quote_name(&e.name),
            })
            .collect()
    }

    /// Entity names for `.graph`: quoted with `"` when they hold a space
    /// (the meta-command's own quoting).
    fn complete_graph_name(&self, line: &str, pos: usize) -> (usize, Vec<Pair>) {
        let start = word_start(line, pos);
        let prefix = line[start..pos].trim_start_matches('"').to_lowercase();
        self.refresh_vocabulary();
        let v = self.vocab.borrow();
        let mut out: Vec<Pair> = Vec::new();
        for name in &v.names {
            let lower = name.to_lowercase();
            let whole = lower.starts_with(&prefix);
            let part = prefix.len() >= 2
                && lower
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w.starts_with(&prefix));
            if !(whole || part) || name.contains('"') {
                continue;
            }
            let replacement = if name.contains(char::is_whitespace) {
                format!("\"{name}\"")
            } else {
                name.clone()
            };
            out.push(Pair {
                display: name.clone(),
                replacement,
            });
            if out.len() >= MAX_CANDIDATES {
                break;
            }
        }
        (start, out)
    }

    fn paint(&self, line: &str) -> String {
        if line.trim_start().starts_with('.') {
            return paint_meta(line);
        }
        paint(line, &query::classify(line))
    }
}

fn pairs_same(words: Vec<String>) -> Vec<Pair> {
    words
        .into_iter()
        .map(|w| Pair {
            display: w.clone(),
            replacement: w,
        })
        .collect()
}

/// Start of the word that ends at `pos`: a `?variable`, a bare word, or an open `"string`.
fn word_start(line: &str, pos: usize) -> usize {
    let before = &line[..pos];
    // An odd number of unescaped quotes before the cursor: we are inside one.
    let mut open = None;
    let mut escaped = false;
    for (i, c) in before.char_indices() {
        match c {
            '\\' if open.is_some() && !escaped => {
                escaped = true;
                continue;
            }
            '"' if !escaped => open = if open.is_some() { None } else { Some(i) },
            _ => {}
        }
        escaped = false;
    }
    if let Some(i) = open {
        return i;
    }
    before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || matches!(c, '_' | '-' | '?' | '.' | '\''))
        .last()
        .map_or(pos, |(i, _)| i)
}

/// The `?variables` used in `text`, in order of first use.
fn variables(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('?') {
        let after = &rest[i + 1..];
        let len = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let v = &after[..len];
        if !v.is_empty() && !out.contains(&v) {
            out.push(v);
        }
        rest = &after[len..];
    }
    out
}

fn color_of(class: TokenClass) -> Option<&'static str> {
    match class {
        TokenClass::Keyword => Some("\x1b[1;34m"),
        TokenClass::Name => Some("\x1b[33m"),
        TokenClass::String => Some("\x1b[32m"),
        TokenClass::Variable => Some("\x1b[35m"),
        TokenClass::Number => Some("\x1b[36m"),
        TokenClass::Comment => Some(GREY),
        TokenClass::Error => Some("\x1b[31m"),
        TokenClass::Punct => None,
    }
}

/// Wraps each classified range of `line` in its colour; the visible text is unchanged.
pub fn paint(line: &str, classes: &[(std::ops::Range<usize>, TokenClass)]) -> String {
    let mut out = String::with_capacity(line.len() + classes.len() * 10);
    let mut at = 0;
    for (range, class) in classes {
        let ok = range.start >= at
            && range.end <= line.len()
            && line.is_char_boundary(range.start)
            && line.is_char_boundary(range.end);
        let Some(color) = color_of(*class).filter(|_| ok) else {
            continue;
        };
        out.push_str(&line[at..range.start]);
        out.push_str(color);
        out.push_str(&line[range.clone()]);
        out.push_str(RESET);
        at = range.end;
    }
    out.push_str(&line[at..]);
    out
}

/// Colours a meta-command: the command name cyan when known, red when no
/// command starts with it, plain while it may still become one.
fn paint_meta(line: &str) -> String {
    let start = line.len() - line.trim_start().len();
    let end = line[start..]
        .find(char::is_whitespace)
        .map_or(line.len(), |i| start + i);
    let name = &line[start..end];
    let known = COMMANDS.iter().any(|c| c.name == name) || meta::parse(name).is_ok();
    let partial = COMMANDS.iter().any(|c| c.name.starts_with(name));
    let color = match (known, partial) {
        (true, _) => "\x1b[1;36m",
        (false, true) => return line.to_string(),
        (false, false) => "\x1b[31m",
    };
    format!("{}{color}{name}{RESET}{}", &line[..start], &line[end..])
}

/// A hint: either text from history (Right arrow accepts it) or a note that
/// the statement continues (shown, never inserted).
#[derive(Debug)]
pub struct LoreHint {
    text: String,
    insert: bool,
}

impl Hint for LoreHint {
    fn display(&self) -> &str {
        &self.text
    }
    fn completion(&self) -> Option<&str> {
        self.insert.then_some(self.text.as_str())
    }
}

impl Hinter for LoreHelper {
    type Hint = LoreHint;

    fn hint(&self, line: &str, pos: usize, ctx: &Context<'_>) -> Option<LoreHint> {
        if pos < line.len() {
            return None;
        }
        let last = line.rsplit('\n').next().unwrap_or("");
        if line.contains('\n') && last.trim().is_empty() {
            let (_, tail) = script::split_with_tail(line);
            let text = if tail.open_quote {
                "-- a quote is open: close it with \""
            } else {
                "-- continues: end with ; or press Enter again to run"
            };
            return Some(LoreHint {
                text: text.to_string(),
                insert: false,
            });
        }
        self.history
            .hint(line, pos, ctx)
            .map(|text| LoreHint { text, insert: true })
    }
}

impl Completer for LoreHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let line_start = line[..pos].rfind('\n').map_or(0, |i| i + 1);
        let current = &line[line_start..pos];
        let lead = current.len() - current.trim_start().len();
        let is_meta = current.trim_start().starts_with('.') && line[..line_start].trim().is_empty();
        if !is_meta {
            return Ok(self.complete_query(line, pos));
        }
        let words = meta::words(current);
        let typing_name = words.len() <= 1 && !current.ends_with(char::is_whitespace);
        if typing_name {
            let typed = current.trim();
            let names = COMMANDS
                .iter()
                .map(|c| c.name)
                .filter(|n| n.starts_with(typed))
                .map(str::to_string)
                .collect();
            return Ok((line_start + lead, pairs_same(names)));
        }
        if words.first().is_some_and(|(w, _)| w == ".graph") {
            // The first argument is an entity, the second a file.
            let index = if current.ends_with(char::is_whitespace) {
                words.len()
            } else {
                words.len() - 1
            };
            // Arguments before the one being typed, without `--depth N`.
            let mut positional = 0;
            let mut after_flag = false;
            for (w, _) in words.iter().take(index).skip(1) {
                after_flag = match w.as_str() {
                    "--depth" => true,
                    _ if after_flag || w.starts_with("--") => false,
                    _ => {
                        positional += 1;
                        false
                    }
                };
            }
            return Ok(match (after_flag, positional) {
                (false, 0) => self.complete_graph_name(line, pos),
                (false, 1) => self.files.complete(line, pos, ctx)?,
                _ => (pos, Vec::new()),
            });
        }
        let options: &[&str] = match words.first().map(|(w, _)| w.as_str()) {
            Some(".mode") => &["table", "json", "csv", "line"],
            Some(".timer") => &["on", "off"],
            Some(".help") => &[
                "queries", "keys", "mode", "timer", "limit", "ingest", "read", "stats", "open",
                "export", "graph", "quit",
            ],
            Some(".ingest" | ".read" | ".open" | ".export") => {
                return self.files.complete(line, pos, ctx);
            }
            _ => &[],
        };
        let start = line[..pos]
            .rfind(char::is_whitespace)
            .map_or(pos, |i| i + 1);
        let typed = &line[start..pos];
        let found = options
            .iter()
            .filter(|o| o.starts_with(typed))
            .map(|o| (*o).to_string())
            .collect();
        Ok((start, pairs_same(found)))
    }
}

impl Highlighter for LoreHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if self.color {
            Cow::Owned(self.paint(line))
        } else {
            Cow::Borrowed(line)
        }
    }

    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(
        &'s self,
        prompt: &'p str,
        _default: bool,
    ) -> Cow<'b, str> {
        if self.color {
            Cow::Owned(format!("\x1b[1;32m{prompt}{RESET}"))
        } else {
            Cow::Borrowed(prompt)
        }
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.color {
            Cow::Owned(format!("{GREY}{hint}{RESET}"))
        } else {
            Cow::Borrowed(hint)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        self.color
    }
}

impl Validator for LoreHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        Ok(if input_complete(ctx.input()) {
            ValidationResult::Valid(None)
        } else {
            ValidationResult::Incomplete
        })
    }
}

impl rustyline::Helper for LoreHelper {}

/// Enter at the end of an unfinished statement starts an indented new line,
/// so the user sees that the input continues.
#[derive(Debug)]
pub struct EnterHandler;

impl ConditionalEventHandler for EnterHandler {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, ctx: &EventContext) -> Option<Cmd> {
        let line = ctx.line();
        if ctx.pos() != line.len() || input_complete(line) {
            return None;
        }
        let (_, tail) = script::split_with_tail(line);
        // Inside a quote the indentation would become part of the string.
        let newline = if tail.open_quote { "\n" } else { "\n  " };
        Some(Cmd::Insert(1, newline.to_string()))
    }
}

/// Ctrl-C while editing: remembers whether the line was empty (then the REPL
/// explains how to quit) and lets rustyline interrupt the line.
#[derive(Debug)]
pub struct InterruptHandler(pub Arc<AtomicBool>);

impl ConditionalEventHandler for InterruptHandler {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, ctx: &EventContext) -> Option<Cmd> {
        self.0.store(ctx.line().is_empty(), Ordering::SeqCst);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_continues_until_a_semicolon_a_blank_line_or_a_closed_quote() {
        assert!(!input_complete("Blinken met ?who"));
        assert!(input_complete("Blinken met ?who;"));
        assert!(
            input_complete("Blinken met ?who\n  "),
            "a blank line runs it"
        );
        assert!(!input_complete("\"Paul Whe"));
        assert!(
            !input_complete("\"Paul Whe\n"),
            "an open quote keeps it open"
        );
        assert!(!input_complete("a b c; -- x\nd e"));
        assert!(input_complete(".mode csv"));
        assert!(input_complete(""));
    }

    #[test]
    fn names_with_spaces_or_keywords_are_quoted() {
        assert_eq!(quote_name("Lavrov"), "Lavrov");
        assert_eq!(quote_name("Sergey Lavrov"), "\"Sergey Lavrov\"");
        assert_eq!(quote_name("say \"hi\""), "\"say \\\"hi\\\"\"");
        assert_eq!(quote_name("count"), "\"count\"");
        assert_eq!(quote_name("G20"), "G20");
        assert_eq!(quote_name("2023"), "\"2023\"");
    }

    #[test]
    fn the_word_under_the_cursor_includes_an_open_quote_or_a_question_mark() {
        assert_eq!(word_start("Blinken met ?wh", 15), 12);
        assert_eq!(word_start("\"Paul Wh", 8), 0);
        assert_eq!(word_start("x \"a b\" Lav", 11), 8);
        assert_eq!(word_start("", 0), 0);
    }

    #[test]
    fn event_classes_complete_where_relations_go() {
        let dir = tempfile::tempdir().unwrap();
        let store = lore::Store::open(dir.path().join("s.db")).unwrap();
        let session = Session::new(store, Box::new(std::io::sink()), Box::new(std::io::sink()));
        let helper = LoreHelper::new(Rc::new(RefCell::new(session)), false);
        let (start, found) = helper.complete_query("?a cons", 7);
        assert_eq!(start, 3);
        let found: Vec<&str> = found.iter().map(|p| p.replacement.as_str()).collect();
        assert!(found.contains(&"consult"), "{found:?}");
    }

    #[test]
    fn variables_are_listed_once_in_order() {
        assert_eq!(variables("?a met ?b, ?b x ?a"), vec!["a", "b"]);
    }

    #[test]
    fn painting_keeps_the_visible_text_and_skips_bad_ranges() {
        let line = "find ?x where é";
        let classes = vec![
            (0..4, TokenClass::Keyword),
            (5..7, TokenClass::Variable),
            (4..5, TokenClass::Punct),
            (14..15, TokenClass::Name), // inside `é`: skipped, never a panic
            (20..30, TokenClass::Name),
        ];
        let p = paint(line, &classes);
        assert_eq!(p, "\x1b[1;34mfind\x1b[0m \x1b[35m?x\x1b[0m where é");
        let meta = paint_meta(".mdoe csv");
        assert!(meta.starts_with("\x1b[31m.mdoe"), "{meta:?}");
        assert!(paint_meta("  .mode csv").starts_with("  \x1b[1;36m.mode"));
        assert_eq!(paint_meta(".mo"), ".mo", "still being typed");
    }
}
