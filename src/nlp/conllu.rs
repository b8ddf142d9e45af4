//! CoNLL-U, the Universal Dependencies file format: reading treebanks (for
//! training and evaluation) and writing an [`Analysis`](super::Analysis)
//! (for `lore parse`).
//!
//! Reading keeps what the pipeline learns from: word forms, lemmas, both tag
//! columns, heads and relations, multi-word tokens ("don't" = "do" + "n't"),
//! `SpaceAfter=No`, paragraph and document starts, and GUM's entity mentions
//! from the MISC column. Empty nodes (`8.1`) are skipped: they belong to the
//! enhanced graph, which lore does not use.
//!
//! Architecture invariant: reading never panics; a malformed line is an
//! error naming its line number.

use std::fmt::Write as _;

/// One syntactic word of a treebank sentence.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Word {
    /// FORM.
    pub form: String,
    /// LEMMA.
    pub lemma: String,
    /// UPOS.
    pub upos: String,
    /// XPOS (Penn tag in English treebanks).
    pub xpos: String,
    /// HEAD: 0 for the root, else the 1-based index of the head word.
    pub head: usize,
    /// DEPREL, with its subtype ("nmod:poss").
    pub deprel: String,
    /// `SpaceAfter=No` was absent: a space (or line end) follows the word's token.
    pub space_after: bool,
}

/// A multi-word token: the words `first..=last` (0-based) are written as one
/// token ("don't" = "do" + "n't").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultiWord {
    /// Index of the first word (0-based).
    pub first: usize,
    /// Index of the last word (0-based, inclusive).
    pub last: usize,
    /// The token as written.
    pub form: String,
    /// `SpaceAfter=No` was absent on the range line.
    pub space_after: bool,
}

/// An entity mention from GUM's MISC column (`Entity=(12-person-...`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mention {
    /// First word (0-based).
    pub first: usize,
    /// Last word (0-based, inclusive).
    pub last: usize,
    /// Entity kind: person, place, organization, event, time, abstract, ...
    pub kind: String,
    /// Coreference chain id, unique within the document.
    pub chain: String,
    /// Wikification identity (`NASA`, `Kennedy_Space_Center`) when the annotators gave one.
    pub identity: Option<String>,
}

/// One sentence of a treebank.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sentence {
    /// `# sent_id`.
    pub id: String,
    /// `# text`.
    pub text: String,
    /// `# newdoc id`, when this sentence starts a document.
    pub new_doc: Option<String>,
    /// `# newpar`: this sentence starts a paragraph (every document start does).
    pub new_par: bool,
    /// The syntactic words.
    pub words: Vec<Word>,
    /// Multi-word tokens.
    pub multiwords: Vec<MultiWord>,
    /// GUM entity mentions.
    pub mentions: Vec<Mention>,
}

impl Sentence {
    /// The surface tokens as word ranges `(first, last)`, in order: a word
    /// outside every multi-word token is a token of its own.
    pub fn token_ranges(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::with_capacity(self.words.len());
        let mut i = 0;
        let mut mw = self.multiwords.iter().peekable();
        while i < self.words.len() {
            if let Some(m) = mw.peek()
                && m.first == i
            {
                let last = m.last.min(self.words.len() - 1).max(i);
                out.push((i, last));
                i = last + 1;
                mw.next();
                continue;
            }
            out.push((i, i));
            i += 1;
        }
        out
    }
}

/// A reading error: the 1-based line and what is wrong there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Reads every sentence of a CoNLL-U text.
pub fn read(text: &str) -> Result<Vec<Sentence>, ReadError> {
    let mut out = Vec::new();
    let mut cur = Sentence::default();
    let mut open: Vec<(String, usize, String, Option<String>)> = Vec::new();
    let mut started = false;
    for (n, line) in text.lines().enumerate() {
        let lineno = n + 1;
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            if started {
                out.push(std::mem::take(&mut cur));
                open.clear();
                started = false;
            }
            continue;
        }
        started = true;
        if let Some(c) = line.strip_prefix('#') {
            let c = c.trim_start();
            if let Some(v) = c.strip_prefix("sent_id =") {
                cur.id = v.trim().to_string();
            } else if let Some(v) = c.strip_prefix("text =") {
                cur.text = v.trim().to_string();
            } else if let Some(v) = c.strip_prefix("newdoc") {
                let id = v.trim_start().strip_prefix("id =").unwrap_or("").trim();
                cur.new_doc = Some(id.to_string());
                cur.new_par = true;
            } else if c.starts_with("newpar") && !c.starts_with("newpar_") {
                cur.new_par = true;
            }
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() != 10 {
            return Err(ReadError {
                line: lineno,
                message: format!("expected 10 tab-separated columns, found {}", cols.len()),
            });
        }
        let id = cols[0];
        if id.contains('.') {
            continue; // empty node of the enhanced graph
        }
        let bad = |what: &str| ReadError {
            line: lineno,
            message: format!("bad {what} {:?}", id),
        };
        if let Some((a, b)) = id.split_once('-') {
            let a: usize = a.parse().map_err(|_| bad("range"))?;
            let b: usize = b.parse().map_err(|_| bad("range"))?;
            if a == 0 || b < a {
                return Err(bad("range"));
            }
            cur.multiwords.push(MultiWord {
                first: a - 1,
                last: b - 1,
                form: cols[1].to_string(),
                space_after: !cols[9].split('|').any(|m| m == "SpaceAfter=No"),
            });
            continue;
        }
        let i: usize = id.parse().map_err(|_| bad("word id"))?;
        if i != cur.words.len() + 1 {
            return Err(ReadError {
                line: lineno,
                message: format!(
                    "word id {i} out of order (expected {})",
                    cur.words.len() + 1
                ),
            });
        }
        let head = if cols[6] == "_" {
            0
        } else {
            cols[6].parse().map_err(|_| ReadError {
                line: lineno,
                message: format!("bad head {:?}", cols[6]),
            })?
        };
        let misc = cols[9];
        let w = cur.words.len();
        if let Some(ent) = misc.split('|').find_map(|m| m.strip_prefix("Entity=")) {
            mentions(ent, w, &mut open, &mut cur.mentions);
        }
        cur.words.push(Word {
            form: cols[1].to_string(),
            lemma: cols[2].to_string(),
            upos: cols[3].to_string(),
            xpos: cols[4].to_string(),
            head,
            deprel: cols[7].to_string(),
            space_after: !misc.split('|').any(|m| m == "SpaceAfter=No"),
        });
    }
    if started {
        out.push(cur);
    }
    // A multi-word token's SpaceAfter (on its range line) applies to its last word.
    for s in &mut out {
        for m in &s.multiwords {
            if let Some(w) = s.words.get_mut(m.last) {
                w.space_after = m.space_after;
            }
        }
        let n = s.words.len();
        for h in s.words.iter_mut() {
            if h.head > n {
                h.head = 0;
            }
        }
    }
    Ok(out)
}

/// Parses one `Entity=` value: `(12-person-new-...-Name)` opens and closes a
/// one-word mention, `(12-person-...` opens one, `12)` closes the newest open
/// mention of chain 12.
fn mentions(
    value: &str,
    word: usize,
    open: &mut Vec<(String, usize, String, Option<String>)>,
    out: &mut Vec<Mention>,
) {
    let b = value.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'(' {
            let start = i + 1;
            let mut j = start;
            while j < b.len() && b[j] != b'(' && b[j] != b')' {
                j += 1;
            }
            let content = &value[start..j];
            let mut parts = content.split('-');
            let chain = parts.next().unwrap_or("").to_string();
            let kind = parts.next().unwrap_or("").to_string();
            // GRP-etype-infstat-salience-centering-minspan-link-identity: the
            // identity is the eighth field when present.
            let identity = content
                .splitn(8, '-')
                .nth(7)
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            if j < b.len() && b[j] == b')' {
                out.push(Mention {
                    first: word,
                    last: word,
                    kind,
                    chain,
                    identity,
                });
                i = j + 1;
            } else {
                open.push((chain, word, kind, identity));
                i = j;
            }
        } else {
            let start = i;
            while i < b.len() && b[i] != b')' && b[i] != b'(' {
                i += 1;
            }
            let chain = &value[start..i];
            if i < b.len() && b[i] == b')' {
                i += 1;
            }
            if let Some(k) = open.iter().rposition(|o| o.0 == chain) {
                let (chain, first, kind, identity) = open.remove(k);
                out.push(Mention {
                    first,
                    last: word,
                    kind,
                    chain,
                    identity,
                });
            }
        }
    }
}

/// Reads a UNER IOB2 file (`id form tag - annotator`, sentences separated by
/// blank lines, `# sent_id` and `# text` comments) into sentences whose words
/// carry only forms, with the named-entity spans as mentions of kind `PER`,
/// `ORG`, `LOC` or `OTH`.
pub fn read_iob2(text: &str) -> Result<Vec<Sentence>, ReadError> {
    let mut out = Vec::new();
    let mut cur = Sentence::default();
    let mut started = false;
    let mut open: Option<(usize, String)> = None;
    let close = |cur: &mut Sentence, open: &mut Option<(usize, String)>, last: usize| {
        if let Some((first, kind)) = open.take() {
            cur.mentions.push(Mention {
                first,
                last,
                kind,
                chain: String::new(),
                identity: None,
            });
        }
    };
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            if started {
                let last = cur.words.len().saturating_sub(1);
                close(&mut cur, &mut open, last);
                out.push(std::mem::take(&mut cur));
                started = false;
            }
            continue;
        }
        started = true;
        if let Some(c) = line.strip_prefix('#') {
            let c = c.trim_start();
            if let Some(v) = c.strip_prefix("sent_id =") {
                cur.id = v.trim().to_string();
            } else if let Some(v) = c.strip_prefix("text =") {
                cur.text = v.trim().to_string();
            } else if c.starts_with("newdoc") {
                cur.new_doc = Some(String::new());
                cur.new_par = true;
            }
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 3 {
            return Err(ReadError {
                line: n + 1,
                message: format!(
                    "expected at least 3 tab-separated columns, found {}",
                    cols.len()
                ),
            });
        }
        let w = cur.words.len();
        let tag = cols[2];
        let (bio, kind) = tag.split_once('-').unwrap_or((tag, ""));
        match bio {
            "B" => {
                close(&mut cur, &mut open, w.saturating_sub(1));
                open = Some((w, kind.to_string()));
            }
            "I" if open.as_ref().is_some_and(|o| o.1 == kind) => {}
            "I" => {
                close(&mut cur, &mut open, w.saturating_sub(1));
                open = Some((w, kind.to_string()));
            }
            _ => close(&mut cur, &mut open, w.saturating_sub(1)),
        }
        cur.words.push(Word {
            form: cols[1].to_string(),
            space_after: true,
            ..Word::default()
        });
    }
    if started {
        let last = cur.words.len().saturating_sub(1);
        close(&mut cur, &mut open, last);
        out.push(cur);
    }
    Ok(out)
}

/// One document rebuilt as raw text from its sentences' `# text` lines:
/// sentences of a paragraph joined by a space, paragraphs by a blank line,
/// the way the CoNLL 2018 shared task gave raw text. Returns the text and,
/// per sentence, its byte span in it.
pub fn raw_text(sentences: &[Sentence]) -> (String, Vec<(usize, usize)>) {
    let mut text = String::new();
    let mut spans = Vec::with_capacity(sentences.len());
    for (i, s) in sentences.iter().enumerate() {
        if i > 0 {
            text.push_str(if s.new_par { "\n\n" } else { " " });
        }
        let start = text.len();
        text.push_str(&s.text);
        spans.push((start, text.len()));
    }
    text.push('\n');
    (text, spans)
}

/// Splits sentences into documents at `# newdoc`.
pub fn documents(sentences: &[Sentence]) -> Vec<&[Sentence]> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, s) in sentences.iter().enumerate() {
        if i > start && s.new_doc.is_some() {
            out.push(&sentences[start..i]);
            start = i;
        }
    }
    if start < sentences.len() {
        out.push(&sentences[start..]);
    }
    out
}

/// Writes an [`Analysis`](super::Analysis) as CoNLL-U (see [`write_sentence`]),
/// numbering sentences from `first_id`.
pub fn write(text: &str, analysis: &super::Analysis, first_id: usize, out: &mut String) {
    for (k, s) in analysis.sentences.iter().enumerate() {
        write_sentence(text, s, first_id + k, out);
    }
}

/// Writes one analysed sentence as a CoNLL-U block: `# sent_id` and
/// `# text`, multi-word tokens as ranges, entity spans in MISC as
/// `NE=B-PER` / `NE=I-PER`, and `SpaceAfter=No` where the text has no space
/// after a token.
pub fn write_sentence(text: &str, s: &super::Sentence, id: usize, out: &mut String) {
    let _ = writeln!(out, "# sent_id = {id}");
    let stext = text.get(s.start..s.end).unwrap_or("");
    let flat: String = stext
        .chars()
        .map(|c| {
            if c == '\n' || c == '\r' || c == '\t' {
                ' '
            } else {
                c
            }
        })
        .collect();
    let _ = writeln!(out, "# text = {flat}");
    let mut ne: Vec<Option<(bool, &str)>> = vec![None; s.words.len()];
    for e in &s.entities {
        for (j, slot) in ne.iter_mut().enumerate().take(e.end).skip(e.start) {
            *slot = Some((j == e.start, e.kind.code()));
        }
    }
    let space_after = |w: usize| {
        let end = s.words[w].end;
        w + 1 == s.words.len()
            || text
                .get(end..)
                .and_then(|t| t.chars().next())
                .is_none_or(char::is_whitespace)
    };
    let mut i = 0;
    while i < s.words.len() {
        // Words joined into one token ("do" + "n't").
        let mut last = i;
        while last + 1 < s.words.len() && s.words[last].joined {
            last += 1;
        }
        if last > i {
            let form = text.get(s.words[i].start..s.words[last].end).unwrap_or("");
            let misc = if space_after(last) {
                "_"
            } else {
                "SpaceAfter=No"
            };
            let _ = writeln!(
                out,
                "{}-{}\t{}\t_\t_\t_\t_\t_\t_\t_\t{}",
                i + 1,
                last + 1,
                clean(form),
                misc
            );
        }
        for (w, word) in s.words.iter().enumerate().take(last + 1).skip(i) {
            let mut misc: Vec<String> = Vec::new();
            if let Some((begin, kind)) = ne[w] {
                misc.push(format!("NE={}-{}", if begin { "B" } else { "I" }, kind));
            }
            if last == i && !space_after(w) {
                misc.push("SpaceAfter=No".into());
            }
            let misc = if misc.is_empty() {
                "_".to_string()
            } else {
                misc.join("|")
            };
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t_\t{}\t{}\t_\t{}",
                w + 1,
                clean(word.text(text)),
                clean(&word.lemma),
                word.upos.as_str(),
                word.xpos,
                word.head,
                word.deprel,
                misc
            );
        }
        i = last + 1;
    }
    out.push('\n');
}

/// A field may hold no tab or line break; an empty one is written `_`.
fn clean(s: &str) -> String {
    if s.is_empty() {
        return "_".into();
    }
    s.chars()
        .map(|c| {
            if c == '\t' || c == '\n' || c == '\r' {
                ' '
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# newdoc id = d1\n# sent_id = s1\n# newpar\n# text = I don't know NASA.\n1-2\tdon't\t_\t_\t_\t_\t_\t_\t_\t_\n1\tI\tI\tPRON\tPRP\t_\t4\tnsubj\t_\tEntity=(1-person-new-x-y-1-coref)\n1\tx\tx\tX\tX\t_\t0\troot\t_\t_\n";

    #[test]
    fn reads_words_multiwords_and_mentions() {
        let text = "# newdoc id = d1\n# sent_id = s1\n# newpar\n# text = I don't see NASA.\n\
1\tI\tI\tPRON\tPRP\t_\t4\tnsubj\t_\tEntity=(1-person-new-x-y-1-coref)\n\
2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_\n\
2\tdo\tdo\tAUX\tVBP\t_\t4\taux\t_\t_\n\
3\tn't\tnot\tPART\tRB\t_\t4\tadvmod\t_\t_\n\
4\tsee\tsee\tVERB\tVB\t_\t0\troot\t_\t_\n\
5\tNASA\tNASA\tPROPN\tNNP\t_\t4\tobj\t_\tEntity=(2-organization-new-x-y-1-coref-NASA)|SpaceAfter=No\n\
6\t.\t.\tPUNCT\t.\t_\t4\tpunct\t_\t_\n\n";
        let s = read(text).unwrap();
        assert_eq!(s.len(), 1);
        let s = &s[0];
        assert_eq!(s.new_doc.as_deref(), Some("d1"));
        assert!(s.new_par);
        assert_eq!(s.words.len(), 6);
        assert_eq!(s.words[3].head, 0);
        assert_eq!(s.words[4].deprel, "obj");
        assert!(!s.words[4].space_after);
        assert_eq!(
            s.token_ranges(),
            vec![(0, 0), (1, 2), (3, 3), (4, 4), (5, 5)]
        );
        assert_eq!(s.mentions.len(), 2);
        assert_eq!(s.mentions[1].kind, "organization");
        assert_eq!(s.mentions[1].identity.as_deref(), Some("NASA"));
    }

    #[test]
    fn nested_mentions_close_in_order() {
        let mut open = Vec::new();
        let mut out = Vec::new();
        mentions("(1-place-new-a-b-1-coref", 0, &mut open, &mut out);
        mentions("(2-person-new-a-b-1-coref)", 1, &mut open, &mut out);
        mentions("(3-object-new-a-b-1-coref)1)", 2, &mut open, &mut out);
        let spans: Vec<_> = out
            .iter()
            .map(|m| (m.chain.as_str(), m.first, m.last))
            .collect();
        assert_eq!(spans, vec![("2", 1, 1), ("3", 2, 2), ("1", 0, 2)]);
    }

    #[test]
    fn bad_lines_are_errors_with_their_number() {
        let e = read(SAMPLE).unwrap_err();
        assert_eq!(e.line, 7);
        let e = read("1\ta\n").unwrap_err();
        assert_eq!(e.line, 1);
    }

    #[test]
    fn iob2_spans() {
        let t = "# sent_id = a\n1\tin\tO\t-\t-\n2\ttampa\tB-LOC\t-\tx\n3\tbay\tI-LOC\t-\tx\n4\tBob\tB-PER\t-\tx\n\n";
        let s = read_iob2(t).unwrap();
        let m: Vec<_> = s[0]
            .mentions
            .iter()
            .map(|m| (m.first, m.last, m.kind.as_str()))
            .collect();
        assert_eq!(m, vec![(1, 2, "LOC"), (3, 3, "PER")]);
    }

    #[test]
    fn raw_text_joins_paragraphs() {
        let mut a = Sentence {
            text: "One.".into(),
            new_par: true,
            ..Sentence::default()
        };
        let b = Sentence {
            text: "Two.".into(),
            ..Sentence::default()
        };
        let c = Sentence {
            text: "Three.".into(),
            new_par: true,
            ..Sentence::default()
        };
        a.new_doc = Some("d".into());
        let (t, spans) = raw_text(&[a, b, c]);
        assert_eq!(t, "One. Two.\n\nThree.\n");
        assert_eq!(&t[spans[2].0..spans[2].1], "Three.");
    }
}
