//! Result formatting for the front ends: aligned tables, JSON lines, CSV and
//! one-value-per-line records.
//!
//! The executor returns typed rows; only this module decides how they look.

use std::io::{self, Write};

use crate::query::{StatementOutput, Value};

/// Output shapes, as chosen by `--format` or `.mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
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
}

/// Rendering settings beyond the format.
#[derive(Clone, Debug)]
pub struct Style {
    /// Maximum table width in characters (`None`: no limit).
    pub width: Option<usize>,
    /// Print the footer (row count, limit) under tables.
    pub footer: bool,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            width: None,
            footer: true,
        }
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
        Format::Csv => csv(out, s),
        Format::Line => line(out, s),
    }
}

/// The footer under a table: "3 rows" or "1000 rows (limit reached: ...)".
pub fn footer(s: &StatementOutput) -> String {
    let n = s.rows.len();
    let rows = if n == 1 {
        "1 row".to_string()
    } else {
        format!("{n} rows")
    };
    if s.truncated {
        format!("{rows} (limit reached; more rows exist: raise it with --limit or .limit)")
    } else {
        rows
    }
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
    let mut widths: Vec<usize> = s.columns.iter().map(|c| c.chars().count()).collect();
    for row in &cells {
        for (i, c) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    if let Some(max) = style.width {
        fit(&mut widths, max);
    }
    let sep: String = widths
        .iter()
        .map(|w| "-".repeat(*w))
        .collect::<Vec<_>>()
        .join("-+-");
    writeln!(out, "{}", join_padded(&s.columns, &widths))?;
    writeln!(out, "{sep}")?;
    for row in &cells {
        writeln!(out, "{}", join_padded(row, &widths))?;
    }
    if style.footer {
        writeln!(out, "({})", footer(s))?;
    }
    Ok(())
}

/// Shrinks the widest columns until the row (with separators) fits `max`.
fn fit(widths: &mut [usize], max: usize) {
    let total = |w: &[usize]| w.iter().sum::<usize>() + 3 * w.len().saturating_sub(1);
    while total(widths) > max {
        let Some((i, w)) = widths
            .iter()
            .enumerate()
            .max_by_key(|(_, w)| **w)
            .map(|(i, w)| (i, *w))
        else {
            return;
        };
        if w <= 8 {
            return;
        }
        widths[i] = w - 1;
    }
}

fn join_padded(cells: &[String], widths: &[usize]) -> String {
    let mut line = String::new();
    for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
        if i > 0 {
            line.push_str(" | ");
        }
        let len = c.chars().count();
        if len > *w {
            let cut: String = c.chars().take(w.saturating_sub(1)).collect();
            line.push_str(&cut);
            line.push('…');
        } else {
            line.push_str(c);
            if i + 1 < cells.len() {
                line.push_str(&" ".repeat(w - len));
            }
        }
    }
    line
}

fn json(out: &mut dyn Write, s: &StatementOutput) -> io::Result<()> {
    for row in &s.rows {
        let mut map = serde_json::Map::new();
        for (c, v) in s.columns.iter().zip(row) {
            let value = match v {
                Value::Entity { name, .. } => serde_json::Value::String(name.clone()),
                Value::Number(n) => serde_json::Number::from_f64(*n)
                    .map(serde_json::Value::Number)
                    .unwrap_or(serde_json::Value::Null),
                Value::Fact(id) => serde_json::Value::from(*id),
                Value::Null => serde_json::Value::Null,
                Value::Text(t) | Value::Date(t) => serde_json::Value::String(t.clone()),
            };
            map.insert(c.trim_start_matches('?').to_string(), value);
        }
        serde_json::to_writer(&mut *out, &map)?;
        writeln!(out)?;
    }
    Ok(())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv(out: &mut dyn Write, s: &StatementOutput) -> io::Result<()> {
    let header: Vec<String> = s
        .columns
        .iter()
        .map(|c| csv_field(c.trim_start_matches('?')))
        .collect();
    writeln!(out, "{}", header.join(","))?;
    for row in &s.rows {
        let fields: Vec<String> = row.iter().map(|v| csv_field(&cell(v))).collect();
        writeln!(out, "{}", fields.join(","))?;
    }
    Ok(())
}

fn line(out: &mut dyn Write, s: &StatementOutput) -> io::Result<()> {
    let w = s
        .columns
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0);
    for (i, row) in s.rows.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        for (c, v) in s.columns.iter().zip(row) {
            writeln!(out, "{c:>w$} = {}", cell(v))?;
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
            "?who          | ?n\n--------------+---\nSergey Lavrov | 3\na, \"b\"        | \n(2 rows (limit reached; more rows exist: raise it with --limit or .limit))\n"
        );
    }

    #[test]
    fn narrow_tables_truncate_with_a_marker() {
        let t = render(
            Format::Table,
            &Style {
                width: Some(14),
                footer: false,
            },
        );
        assert!(t.lines().next().unwrap().chars().count() <= 14, "{t}");
        assert!(t.contains('…'), "{t}");
    }

    #[test]
    fn csv_quotes_and_json_is_one_object_per_row() {
        assert_eq!(
            render(Format::Csv, &Style::default()),
            "who,n\nSergey Lavrov,3\n\"a, \"\"b\"\"\",\n"
        );
        let j = render(Format::Json, &Style::default());
        assert_eq!(
            j.lines().next().unwrap(),
            r#"{"who":"Sergey Lavrov","n":3.0}"#
        );
    }
}
