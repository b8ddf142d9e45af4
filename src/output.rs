//! Result formatting for the front ends: aligned tables, JSON lines, CSV and
//! one-value-per-line records.
//!
//! The executor returns typed rows; only this module decides how they look.
//! Tables fit a width: the widest columns shrink first, and long values wrap
//! at word boundaries onto a few lines, the last one cut with `…`.

use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use crate::query::{StatementOutput, Value};

/// Writes to standard output with `write`. A reader that went away
/// (`lore stats | head -1`) is not an error: it has what it wanted, and
/// Rust ignores SIGPIPE, so without this every early `head` would be an
/// error message or, through `println!`, a panic.
pub fn to_stdout(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> crate::Result<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(crate::Error::io("stdout", e)),
        _ => Ok(()),
    }
}

/// Output shapes, as chosen by `--format` or `.mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns with a footer.
    Table,
    /// One JSON object per row.
    Json,
    /// RFC 4180 CSV with a header row.
    Csv,
    /// `column = value` lines, a blank line between rows.
    Line,
}

impl Format {
    /// Parses a mode name as typed in `.mode`.
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "table" => Some(Format::Table),
            "json" | "jsonl" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "line" => Some(Format::Line),
            _ => None,
        }
    }

    /// The name `.mode` shows.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Line => "line",
        }
    }
}

/// Rendering settings beyond the format.
#[derive(Clone, Debug)]
pub struct Style {
    /// Maximum table width in characters (`None`: no limit).
    pub width: Option<usize>,
    /// Print the footer (row count, limit) under tables.
    pub footer: bool,
    /// Time to show in the footer (`.timer on`).
    pub elapsed: Option<Duration>,
    /// Lines a long value may wrap onto before it is cut with `…`.
    pub max_cell_lines: usize,
    /// The column names above table and CSV rows (`.headers off` leaves
    /// them out, for output pasted into other files).
    pub headers: bool,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            width: None,
            footer: true,
            elapsed: None,
            max_cell_lines: 4,
            headers: true,
        }
    }
}

/// Columns of the terminal on stdout, or `None` when stdout is not a terminal.
pub fn terminal_width() -> Option<usize> {
    if !io::stdout().is_terminal() {
        return None;
    }
    let from_env = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok());
    // terminal_size asks the terminal with one ioctl; a whole line editor
    // was built for this before, which also set the terminal up.
    from_env.or_else(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
}

/// A duration as people read it: `850 µs`, `12.3 ms`, `1.52 s`.
pub fn duration(d: Duration) -> String {
    let us = d.as_micros();
    if us < 1000 {
        format!("{us} µs")
    } else if us < 1_000_000 {
        format!("{:.1} ms", us as f64 / 1000.0)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// Writes one statement's output.
pub fn write(
    out: &mut dyn Write,
    s: &StatementOutput,
    format: Format,
    style: &Style,
) -> io::Result<()> {
    for note in &s.notes {
        match format {
            Format::Table | Format::Line => writeln!(out, "-- {note}")?,
            // Machine formats keep notes out of the data stream.
            Format::Json | Format::Csv => {}
        }
    }
    match format {
        Format::Table => table(out, s, style),
        Format::Json => json(out, s),
        Format::Csv => csv(out, s, style.headers),
        Format::Line => line(out, s, style.width),
    }
}

/// The footer under a table: "3 rows", "3 rows in 1.2 ms", or
/// "1000 rows; limit reached: ...".
pub fn footer(s: &StatementOutput, elapsed: Option<Duration>) -> String {
    let n = s.rows.len();
    let mut out = if n == 1 {
        "1 row".to_string()
    } else {
        format!("{n} rows")
    };
    if let Some(d) = elapsed {
        out.push_str(&format!(" in {}", duration(d)));
    }
    if s.truncated {
        out.push_str("; limit reached: more rows exist, raise it with .limit N or --limit N");
    }
    out
}

fn cell(v: &Value) -> String {
    v.to_string()
}

fn table(out: &mut dyn Write, s: &StatementOutput, style: &Style) -> io::Result<()> {
    if s.columns.is_empty() {
        return Ok(());
    }
    let cells: Vec<Vec<String>> = s
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| cell(v).replace(['\n', '\t'], " "))
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = s
        .columns
        .iter()
        .map(|c| if style.headers { display_width(c) } else { 1 })
        .collect();
    for row in &cells {
        for (i, c) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(display_width(c));
            }
        }
    }
    if let Some(max) = style.width
        && !fit(&mut widths, max)
    {
        // Too many columns for the terminal even when narrowed: one record per
        // row reads better than a table that wraps around the screen (psql's \x auto).
        line(out, s, style.width)?;
        if style.footer {
            writeln!(out, "({})", footer(s, style.elapsed))?;
        }
        return Ok(());
    }
    let sep: String = widths
        .iter()
        .map(|w| "-".repeat(*w))
        .collect::<Vec<_>>()
        .join("-+-");
    if style.headers {
        write_row(out, &s.columns, &widths, 1)?;
        writeln!(out, "{sep}")?;
    }
    for row in &cells {
        write_row(out, row, &widths, style.max_cell_lines.max(1))?;
    }
    if style.footer {
        writeln!(out, "({})", footer(s, style.elapsed))?;
    }
    Ok(())
}

/// Shrinks the widest columns until the row (with separators) fits `max`;
/// false when it cannot fit without narrowing a column below 8 characters.
fn fit(widths: &mut [usize], max: usize) -> bool {
    let total = |w: &[usize]| w.iter().sum::<usize>() + 3 * w.len().saturating_sub(1);
    while total(widths) > max {
        let Some((i, w)) = widths
            .iter()
            .enumerate()
            .max_by_key(|(_, w)| **w)
            .map(|(i, w)| (i, *w))
        else {
            return true;
        };
        if w <= 8 {
            return false;
        }
        widths[i] = w - 1;
    }
    true
}

/// Writes one table row; each cell wraps onto up to `max_lines` lines.
fn write_row(
    out: &mut dyn Write,
    cells: &[String],
    widths: &[usize],
    max_lines: usize,
) -> io::Result<()> {
    let wrapped: Vec<Vec<String>> = cells
        .iter()
        .zip(widths)
        .map(|(c, w)| wrap(c, *w, max_lines))
        .collect();
    let height = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
    for l in 0..height {
        let mut line = String::new();
        for (i, (cell, w)) in wrapped.iter().zip(widths).enumerate() {
            if i > 0 {
                line.push_str(" | ");
            }
            let part = cell.get(l).map_or("", String::as_str);
            line.push_str(part);
            line.push_str(&" ".repeat(w.saturating_sub(display_width(part))));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// Breaks `text` into lines of at most `width` characters, at spaces where it
/// can; when more than `max_lines` would be needed the last one ends with `…`.
fn wrap(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if display_width(rest) <= width {
            lines.push(rest.to_string());
            break;
        }
        if lines.len() + 1 >= max_lines {
            let mut cut = rest[..fitting_prefix(rest, width - 1)].to_string();
            cut.push('…');
            lines.push(cut);
            return lines;
        }
        // The last space that lets the line fit; a hard break when a word is too long.
        let fit = fitting_prefix(rest, width);
        let brk = if rest[fit..].starts_with(' ') {
            Some(fit)
        } else {
            rest[..fit].rfind(' ').filter(|&p| p > 0)
        };
        match brk {
            Some(p) => {
                lines.push(rest[..p].to_string());
                rest = &rest[p + 1..];
            }
            None => {
                // At least one character per line, even one wider than the column.
                let end = if fit > 0 {
                    fit
                } else {
                    rest.chars().next().map_or(rest.len(), char::len_utf8)
                };
                lines.push(rest[..end].to_string());
                rest = &rest[end..];
            }
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// Columns `s` takes on a terminal (wide CJK characters count two, combining marks none).
fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// Byte length of the longest prefix of `s` that fits in `width` columns.
fn fitting_prefix(s: &str, width: usize) -> usize {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        used += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used > width {
            return i;
        }
    }
    s.len()
}

fn json(out: &mut dyn Write, s: &StatementOutput) -> io::Result<()> {
    for row in &s.rows {
        serde_json::to_writer(&mut *out, &json_row(&s.columns, row))?;
        writeln!(out)?;
    }
    Ok(())
}

/// One result row as a JSON object keyed by column name (without the `?`
/// of variables): entities by name, whole numbers as integers, facts by id.
/// `lore query --format json` prints one per line; `lore serve` answers them.
pub fn json_row(columns: &[String], row: &[Value]) -> serde_json::Map<String, serde_json::Value> {
    let mut map = serde_json::Map::new();
    for (c, v) in columns.iter().zip(row) {
        let value = match v {
            Value::Entity { name, .. } => serde_json::Value::String(name.to_string()),
            // Counts are whole numbers: `3`, not `3.0`, for tools like jq.
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => {
                serde_json::Value::from(*n as i64)
            }
            Value::Number(n) => serde_json::Number::from_f64(*n)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Fact(id) => serde_json::Value::from(*id),
            Value::Null => serde_json::Value::Null,
            Value::Text(t) => serde_json::Value::String(t.to_string()),
            Value::Date(t) => serde_json::Value::String(t.clone()),
        };
        map.insert(c.trim_start_matches('?').to_string(), value);
    }
    map
}

/// One CSV field as RFC 4180 wants it: quoted (with `"` doubled) when it
/// holds a comma, a quote or a line break, as it stands otherwise.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv(out: &mut dyn Write, s: &StatementOutput, headers: bool) -> io::Result<()> {
    if headers {
        let header: Vec<String> = s
            .columns
            .iter()
            .map(|c| csv_field(c.trim_start_matches('?')))
            .collect();
        writeln!(out, "{}", header.join(","))?;
    }
    for row in &s.rows {
        let fields: Vec<String> = row.iter().map(|v| csv_field(&cell(v))).collect();
        writeln!(out, "{}", fields.join(","))?;
    }
    Ok(())
}

/// `name = value` lines, a blank line between rows; with a `width`, long
/// values wrap onto lines indented under their first (a sentence stays
/// whole and readable at 80 columns).
fn line(out: &mut dyn Write, s: &StatementOutput, width: Option<usize>) -> io::Result<()> {
    let w = s
        .columns
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0);
    // Room for a value beside `name = `; below 16 columns wrapping helps no one.
    let room = width
        .map(|max| max.saturating_sub(w + 3))
        .filter(|r| *r >= 16);
    for (i, row) in s.rows.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        for (c, v) in s.columns.iter().zip(row) {
            let value = cell(v);
            match room {
                Some(r) if display_width(&value) > r => {
                    for (k, part) in wrap(&value, r, usize::MAX).iter().enumerate() {
                        if k == 0 {
                            writeln!(out, "{c:>w$} = {part}")?;
                        } else {
                            writeln!(out, "{:w$}   {part}", "")?;
                        }
                    }
                }
                _ => writeln!(out, "{c:>w$} = {value}")?,
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StatementOutput {
        StatementOutput {
            span: 0..1,
            columns: vec!["?who".into(), "?n".into()],
            rows: vec![
                vec![
                    Value::Entity {
                        id: 1,
                        name: "Sergey Lavrov".into(),
                    },
                    Value::Number(3.0),
                ],
                vec![Value::Text("a, \"b\"".into()), Value::Null],
            ],
            truncated: true,
            notes: vec![],
        }
    }

    fn render(f: Format, style: &Style) -> String {
        let mut out = Vec::new();
        write(&mut out, &sample(), f, style).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn table_aligns_and_says_when_the_limit_cut() {
        let t = render(Format::Table, &Style::default());
        assert_eq!(
            t,
            "?who          | ?n\n--------------+---\nSergey Lavrov | 3\na, \"b\"        |\n(2 rows; limit reached: more rows exist, raise it with .limit N or --limit N)\n"
        );
    }

    #[test]
    fn narrow_tables_truncate_with_a_marker() {
        let t = render(
            Format::Table,
            &Style {
                width: Some(14),
                footer: false,
                max_cell_lines: 1,
                ..Style::default()
            },
        );
        assert!(t.lines().all(|l| l.chars().count() <= 14), "{t}");
        assert!(t.contains('…'), "{t}");
    }

    #[test]
    fn long_values_wrap_at_spaces_within_the_width_and_the_footer_gives_the_time() {
        let s = StatementOutput {
            columns: vec!["?s".into(), "?sentence".into()],
            rows: vec![vec![
                Value::Text("Blinken".into()),
                Value::Text(
                    "The two men spoke for about ten minutes on the sidelines of the meeting."
                        .into(),
                ),
            ]],
            ..StatementOutput::default()
        };
        let mut out = Vec::new();
        let style = Style {
            width: Some(40),
            elapsed: Some(Duration::from_micros(1500)),
            ..Style::default()
        };
        write(&mut out, &s, Format::Table, &style).unwrap();
        let t = String::from_utf8(out).unwrap();
        assert_eq!(
            t,
            "?s      | ?sentence\n--------+-------------------------------\nBlinken | The two men spoke for about\n        | ten minutes on the sidelines\n        | of the meeting.\n(1 row in 1.5 ms)\n"
        );
        assert!(t.lines().all(|l| l.chars().count() <= 40), "{t}");
    }

    #[test]
    fn wrap_cuts_with_a_marker_after_the_last_allowed_line() {
        assert_eq!(wrap("aaaa bbbb cccc", 4, 2), vec!["aaaa", "bbb…"]);
        assert_eq!(wrap("abcdefgh", 3, 9), vec!["abc", "def", "gh"]);
        assert_eq!(wrap("", 3, 2), vec![""]);
        assert_eq!(wrap("北京市 上海", 4, 9), vec!["北京", "市", "上海"]);
        assert_eq!(
            wrap("北京", 1, 9),
            vec!["北", "京"],
            "one character per line at least"
        );
    }

    #[test]
    fn wide_characters_are_aligned_by_their_display_width() {
        let s = StatementOutput {
            columns: vec!["?city".into(), "?n".into()],
            rows: vec![
                vec![Value::Text("北京".into()), Value::Number(1.0)],
                vec![Value::Text("Paris".into()), Value::Number(2.0)],
            ],
            ..StatementOutput::default()
        };
        let mut out = Vec::new();
        write(&mut out, &s, Format::Table, &Style::default()).unwrap();
        let t = String::from_utf8(out).unwrap();
        assert!(t.contains("北京  | 1\nParis | 2"), "{t}");
    }

    #[test]
    fn a_table_too_wide_for_the_terminal_becomes_one_record_per_row() {
        let mut wide = sample();
        wide.truncated = false;
        wide.columns = (0..8).map(|i| format!("column{i}")).collect();
        wide.rows = vec![
            (0..8)
                .map(|i| Value::Text(format!("value number {i}").into()))
                .collect(),
        ];
        let mut out = Vec::new();
        let style = Style {
            width: Some(40),
            ..Style::default()
        };
        write(&mut out, &wide, Format::Table, &style).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("column3 = value number 3"), "{text}");
        assert!(text.lines().all(|l| l.chars().count() <= 40), "{text}");
    }

    #[test]
    fn line_mode_wraps_long_values_under_their_first_line() {
        let sentence =
            "Mr Lee met briefly with the foreign minister on the sidelines of the summit.";
        let s = StatementOutput {
            span: 0..1,
            columns: vec!["who".into(), "sentence".into()],
            rows: vec![vec![
                Value::Text("Ann Lee".into()),
                Value::Text(sentence.into()),
            ]],
            ..StatementOutput::default()
        };
        let mut out = Vec::new();
        line(&mut out, &s, Some(40)).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.lines().all(|l| l.chars().count() <= 40), "{text}");
        assert!(
            text.starts_with("     who = Ann Lee\nsentence = Mr Lee"),
            "{text}"
        );
        let rejoined: Vec<&str> = text.lines().skip(1).map(str::trim).collect();
        assert_eq!(rejoined.join(" "), format!("sentence = {sentence}"));
        // Without a width, one line per value as before.
        let mut out = Vec::new();
        line(&mut out, &s, None).unwrap();
        assert_eq!(String::from_utf8(out).unwrap().lines().count(), 2);
    }

    #[test]
    fn csv_quotes_and_json_is_one_object_per_row() {
        assert_eq!(
            render(Format::Csv, &Style::default()),
            "who,n\nSergey Lavrov,3\n\"a, \"\"b\"\"\",\n"
        );
        let bare = Style {
            headers: false,
            ..Style::default()
        };
        assert_eq!(
            render(Format::Csv, &bare),
            "Sergey Lavrov,3\n\"a, \"\"b\"\"\",\n"
        );
        let table = render(Format::Table, &bare);
        assert!(table.starts_with("Sergey Lavrov | 3"), "{table}");
        assert!(!table.contains("who") && !table.contains("-+-"), "{table}");
        let j = render(Format::Json, &Style::default());
        assert_eq!(
            j.lines().next().unwrap(),
            r#"{"who":"Sergey Lavrov","n":3}"#
        );
    }
}
