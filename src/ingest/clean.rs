//! Cleaning: which parts of a page are article text, and the page's metadata.
//!
//! Works on lines and returns byte ranges into the original text, so every
//! later stage can cite exact spans. Dropped: link titles and other short
//! lines without sentence punctuation ("Read more:", "Click to play the
//! video:", "The story continues below the ad"), numbered reference lists,
//! comment prompts and everything from the first reader comment on.

use super::DocMeta;
use super::time;

/// A body paragraph: byte range `[start, end)` in the original text.
pub type Segment = (usize, usize);

/// Lines without final punctuation and at most this many words are page furniture.
const SHORT_LINE_WORDS: usize = 20;

/// Splits a page into metadata and the byte ranges of its article paragraphs.
pub fn clean(text: &str) -> (DocMeta, Vec<Segment>) {
    let mut meta = DocMeta::default();
    let lines = line_spans(text);
    let mut segments = Vec::new();
    let mut seen_title = false;
    let mut pending_title: Option<&str> = None;
    for (n, &(start, end)) in lines.iter().enumerate() {
        let raw = &text[start..end];
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if is_comment_section(raw, line) {
            break;
        }
        if let Some(rest) = meta_line(line, &mut meta) {
            // "date 2023-03-02 By Jane Doe, CNN": whatever follows the date is the byline.
            if !rest.is_empty() && meta.byline.is_none() && rest.starts_with("By ") {
                meta.byline = Some(rest.to_string());
            }
            continue;
        }
        if !seen_title {
            // A breadcrumb glued to the headline ("HomeVideoCNN: Top ...") is followed by
            // the clean headline; prefer the clean one.
            if pending_title.is_none() {
                let next = lines[n + 1..]
                    .iter()
                    .map(|&(s, e)| text[s..e].trim())
                    .find(|l| !l.is_empty());
                if let Some(next) = next
                    && next.len() < line.len()
                    && line.ends_with(next)
                {
                    pending_title = Some(next);
                    continue;
                }
            }
            seen_title = true;
            let title = pending_title.take().unwrap_or(line);
            meta.title = Some(if ends_sentence(title) {
                lead_as_title(title)
            } else {
                title.to_string()
            });
            if line == title && !ends_sentence(line) {
                continue;
            }
        }
        if line.starts_with("By ") && line.len() < 120 && meta.byline.is_none() {
            meta.byline = Some(line.to_string());
            continue;
        }
        if is_reference_entry(line) || is_furniture(line) {
            continue;
        }
        let lead = raw.len() - raw.trim_start().len();
        let mut s = start + lead;
        if meta.dateline.is_none()
            && let Some((place, skip)) = dateline(line)
        {
            meta.dateline = Some(place.to_string());
            s += skip;
        }
        segments.push((s, start + lead + line.len()));
    }
    (meta, segments)
}

/// Byte ranges of lines (without their line ending).
fn line_spans(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            let end = if i > start && text.as_bytes()[i - 1] == b'\r' {
                i - 1
            } else {
                i
            };
            out.push((start, end));
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    out
}

/// Recognizes a metadata line; returns what follows the metadata on it.
fn meta_line<'a>(line: &'a str, meta: &mut DocMeta) -> Option<&'a str> {
    if let Some(rest) = line.strip_prefix("date ") {
        let (date, tail) = rest.split_once(' ').unwrap_or((rest, ""));
        if let Some(iso) = time::parse_iso(date) {
            meta.published.get_or_insert(iso);
            return Some(tail.trim());
        }
    }
    if line.len() <= 40
        && let Some(iso) = time::parse_full_date(line)
    {
        meta.published.get_or_insert(iso);
        return Some("");
    }
    None
}

/// True for the start of a comment section: a prompt, a count, or an indented numbered item.
fn is_comment_section(raw: &str, line: &str) -> bool {
    let lower = line.to_lowercase();
    let prompt = [
        "comments are closed",
        "leave a comment",
        "add a comment",
        "join the conversation",
        "most popular",
        "show comments",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
        // "Click Here to Leave a Comment Below 0 comments": a short prompt line.
        || (line.len() < 80 && (lower.contains("leave a comment") || lower.ends_with(" comments")));
    let indented_item = raw.starts_with([' ', '\t']) && numbered(line).is_some();
    prompt || indented_item
}

/// The text after a list number ("3. text" → "text").
fn numbered(line: &str) -> Option<&str> {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 3 {
        return None;
    }
    line[digits..]
        .strip_prefix(". ")
        .or_else(|| line[digits..].strip_prefix(") "))
}

/// "0. “Title” Outlet, 2 Mar. 2023," — an entry of a reference list.
fn is_reference_entry(line: &str) -> bool {
    numbered(line).is_some_and(|rest| rest.starts_with(['“', '"', '‘', '\'']))
}

/// Short lines without sentence punctuation: link titles, prompts, captions.
fn is_furniture(line: &str) -> bool {
    !ends_sentence(line) && line.split_whitespace().count() <= SHORT_LINE_WORDS
}

/// True if the line ends like a sentence (allowing closing quotes and brackets).
pub fn ends_sentence(line: &str) -> bool {
    line.trim_end()
        .trim_end_matches(['"', '”', '’', '\'', ')', ']'])
        .ends_with(['.', '!', '?'])
}

/// Longest title taken from a lead paragraph, in characters.
const LEAD_TITLE_CHARS: usize = 90;

/// A page without a headline starts with its lead paragraph: its first
/// sentence, cut at a word near [`LEAD_TITLE_CHARS`], names the story better
/// than a whole paragraph does.
fn lead_as_title(lead: &str) -> String {
    let first = crate::ingest::sentences::split(lead, 0, lead.len())
        .first()
        .map_or(lead, |&(a, b)| &lead[a..b]);
    if first.chars().count() <= LEAD_TITLE_CHARS {
        return first.to_string();
    }
    let cut = first
        .char_indices()
        .nth(LEAD_TITLE_CHARS)
        .map_or(first.len(), |(i, _)| i);
    let head = &first[..cut];
    let head = head.rfind(' ').map_or(head, |k| &head[..k]);
    format!("{}…", head.trim_end_matches([',', ';', ':', ' ']))
}

/// "NEW DELHI, India – text": the place and how many bytes to skip.
fn dateline(line: &str) -> Option<(&str, usize)> {
    let dash = line.find(['–', '—']).or_else(|| line.find(" - "))?;
    let head = line[..dash].trim();
    if head.is_empty() || head.len() > 50 {
        return None;
    }
    let first = head.split(',').next()?.trim();
    // The place before the comma is written in capitals.
    if first.len() < 3
        || first.chars().any(|c| c.is_lowercase())
        || !first.chars().any(char::is_uppercase)
    {
        return None;
    }
    let dash_len = line[dash..].chars().next().map_or(1, char::len_utf8);
    let after = &line[dash + dash_len..];
    let skip = dash + dash_len + (after.len() - after.trim_start().len());
    Some((head, skip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_furniture_and_keeps_sentences() {
        let text = "Big News Today\n\nRead more:\n\nA link to another story\n\nAnn Lee met Bob Stone.\n\nThe story continues below the ad\n\nClick to play the video:\n";
        let (meta, segs) = clean(text);
        assert_eq!(meta.title.as_deref(), Some("Big News Today"));
        let kept: Vec<&str> = segs.iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(kept, vec!["Ann Lee met Bob Stone."]);
    }

    #[test]
    fn reads_dates_bylines_datelines_and_stops_at_comments() {
        let text = "date 2021-05-04 By Ann Lee, Example News\n\nTitle line\n\nPARIS, France – Bob Stone spoke on Tuesday to the press in a long sentence.\n\n1. “A Reference” Outlet, 2 May 2021,\n\n  2. I think this is all lies!!!\nMore comment text here that is long enough to look like a sentence.\n";
        let (meta, segs) = clean(text);
        assert_eq!(meta.published.as_deref(), Some("2021-05-04"));
        assert_eq!(meta.byline.as_deref(), Some("By Ann Lee, Example News"));
        assert_eq!(meta.dateline.as_deref(), Some("PARIS, France"));
        let kept: Vec<&str> = segs.iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(
            kept,
            vec!["Bob Stone spoke on Tuesday to the press in a long sentence."]
        );
    }

    #[test]
    fn a_page_that_opens_with_its_lead_is_titled_by_the_first_sentence() {
        let text = "Ann Lee, the mayor of a small northern town, met Bob Stone on Thursday in the highest-level talks in years. Nothing was agreed.\n\nMore text follows here.\n";
        let (meta, segs) = clean(text);
        assert_eq!(
            meta.title.as_deref(),
            Some("Ann Lee, the mayor of a small northern town, met Bob Stone on Thursday in the…")
        );
        // The lead is still article text.
        assert_eq!(segs.len(), 2);
        let short = "Ann Lee met Bob Stone. They talked.\n\nMore text follows here.\n";
        assert_eq!(
            clean(short).0.title.as_deref(),
            Some("Ann Lee met Bob Stone.")
        );
    }

    #[test]
    fn a_date_line_is_the_publication_date_and_breadcrumbs_go() {
        let text = "Monday, June 5, 2023\nHomeVideoNews: A headline here\n\nNews: A headline here\n\nBody text that ends well.\n";
        let (meta, segs) = clean(text);
        assert_eq!(meta.published.as_deref(), Some("2023-06-05"));
        assert_eq!(meta.title.as_deref(), Some("News: A headline here"));
        assert_eq!(segs.len(), 1);
    }
}
