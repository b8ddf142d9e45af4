//! The pipeline put together: the trained models, loaded once from the
//! bytes compiled into the binary, and the walk from raw text to analysed
//! sentences.
//!
//! Text is handled a block at a time (a paragraph, or a line that ends a
//! sentence), and a block longer than [`MAX_BLOCK`] bytes is cut at white
//! space, so memory stays proportional to the longest block, not to the
//! text: a 50 MB article streams through [`Pipeline::for_each_sentence`].

use std::sync::OnceLock;

use super::lemma::Lemmatizer;
use super::lexical::Atoms;
use super::model_file::Reader;
use super::ner::Recognizer;
use super::parser::Parser;
use super::sentences::{self, Splitter};
use super::tagger::Tagger;
use super::tokenize::{TokWord, tokenize};
use super::{Analysis, Sentence, Word};
use crate::error::{Error, Result};

/// Longest run of text tokenised at once; longer blocks are cut at white
/// space (a cut also ends a sentence, which only matters for a "paragraph"
/// of more than this many bytes).
pub const MAX_BLOCK: usize = 64 * 1024;

/// Largest decompressed size accepted for one model.
const MODEL_LIMIT: usize = 512 << 20;

/// The model files compiled into lore.
mod bytes {
    pub const TAGGER: &[u8] = include_bytes!("../../data/models/tagger.lore.zst");
    pub const PARSER: &[u8] = include_bytes!("../../data/models/parser.lore.zst");
    pub const SENTENCES: &[u8] = include_bytes!("../../data/models/sentences.lore.zst");
    pub const LEMMA: &[u8] = include_bytes!("../../data/models/lemma.lore.zst");
    pub const NER: &[u8] = include_bytes!("../../data/models/ner.lore.zst");
}

/// Every model the analysis needs.
#[derive(Debug)]
pub struct Pipeline {
    splitter: Splitter,
    tagger: Tagger,
    lemmatizer: Lemmatizer,
    parser: Parser,
    recognizer: Recognizer,
}

/// The model files of a pipeline, as `lore-train` writes them.
#[derive(Clone, Copy, Debug)]
pub struct ModelFiles<'a> {
    /// `sentences.lore.zst`.
    pub sentences: &'a [u8],
    /// `tagger.lore.zst`.
    pub tagger: &'a [u8],
    /// `lemma.lore.zst`.
    pub lemma: &'a [u8],
    /// `parser.lore.zst`.
    pub parser: &'a [u8],
    /// `ner.lore.zst`.
    pub ner: &'a [u8],
}

/// The models compiled into lore.
pub const BUILT_IN: ModelFiles<'static> = ModelFiles {
    sentences: bytes::SENTENCES,
    tagger: bytes::TAGGER,
    lemma: bytes::LEMMA,
    parser: bytes::PARSER,
    ner: bytes::NER,
};

fn open<T>(
    model: &'static str,
    file: &[u8],
    read: impl FnOnce(&mut Reader) -> Result<T, String>,
) -> Result<T> {
    let bad = |reason: String| Error::Model { model, reason };
    let mut r = Reader::open_compressed(file, model, MODEL_LIMIT).map_err(bad)?;
    let m = read(&mut r).map_err(bad)?;
    if !r.at_end() {
        return Err(bad("the file has bytes after the model".into()));
    }
    Ok(m)
}

static PIPELINE: OnceLock<std::result::Result<Pipeline, (&'static str, String)>> = OnceLock::new();

impl Pipeline {
    /// The pipeline of the models compiled into lore, loaded on first use.
    pub fn get() -> Result<&'static Pipeline> {
        let p = PIPELINE.get_or_init(|| {
            Pipeline::from_files(&BUILT_IN).map_err(|e| match e {
                Error::Model { model, reason } => (model, reason),
                other => ("pipeline", other.to_string()),
            })
        });
        p.as_ref().map_err(|(model, reason)| Error::Model {
            model,
            reason: reason.clone(),
        })
    }

    /// A pipeline from model files (as written by `lore-train`).
    ///
    /// The parser, more than half of the bytes, is decoded on a second
    /// thread while this one decodes the rest: loading is bound by zstd's
    /// single-threaded decoding, and two halves finish in little more
    /// than the larger one's time.
    pub fn from_files(files: &ModelFiles) -> Result<Pipeline> {
        let (parser, rest) = std::thread::scope(|s| {
            let parser = s.spawn(|| open("parser", files.parser, Parser::read));
            let rest = (|| -> Result<_> {
                super::wordnet::preload();
                Ok((
                    open("sentences", files.sentences, Splitter::read)?,
                    open("tagger", files.tagger, Tagger::read)?,
                    open("lemma", files.lemma, Lemmatizer::read)?,
                    open("ner", files.ner, Recognizer::read)?,
                ))
            })();
            // A panic in the parser's reader would be a bug (reading
            // returns errors, never panics); it is passed on as it is.
            let parser = parser
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            (parser, rest)
        });
        let (splitter, tagger, lemmatizer, recognizer) = rest?;
        Ok(Pipeline {
            splitter,
            tagger,
            lemmatizer,
            parser: parser?,
            recognizer,
        })
    }

    /// The sentence-boundary model.
    pub fn splitter(&self) -> &Splitter {
        &self.splitter
    }

    /// The part-of-speech tagger.
    pub fn tagger(&self) -> &Tagger {
        &self.tagger
    }

    /// The lemmatizer.
    pub fn lemmatizer(&self) -> &Lemmatizer {
        &self.lemmatizer
    }

    /// The dependency parser.
    pub fn parser(&self) -> &Parser {
        &self.parser
    }

    /// The named-entity recognizer.
    pub fn recognizer(&self) -> &Recognizer {
        &self.recognizer
    }

    /// Analyses a whole text.
    pub fn analyze(&self, text: &str) -> Analysis {
        let mut sentences = Vec::new();
        self.for_each_sentence(text, 0, text.len(), |s| sentences.push(s));
        Analysis { sentences }
    }

    /// Analyses `text` as one sentence, for text whose sentence boundaries
    /// are already known (a benchmark's sentence a line, a headline). Text
    /// past [`MAX_BLOCK`] bytes is left out.
    pub fn analyze_sentence(&self, text: &str) -> Sentence {
        let end = floor_char(text, text.len().min(MAX_BLOCK));
        let mut words = Vec::new();
        tokenize(text, 0, end, &mut words);
        let mut buf = String::new();
        let atoms: Vec<Atoms> = words
            .iter()
            .map(|w| Atoms::of(&text[w.start..w.end], &mut buf))
            .collect();
        if words.is_empty() {
            return Sentence::default();
        }
        self.sentence(text, &words, &atoms, &mut Work::default())
    }

    /// The sentences of `text[start..end]` as byte spans, without tagging
    /// or parsing them: the tokenizer and the sentence model only, for a
    /// reader of edited prose that needs the boundaries alone. Unlike
    /// [`Pipeline::for_each_sentence`], a sentence ends only at terminal
    /// punctuation, a line break or the end of the text.
    pub fn sentence_spans(&self, text: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        self.for_each_piece(text, start, end, |words, _, ends| {
            let mut first = 0;
            for (i, &e) in ends.iter().enumerate() {
                // Edited prose ends a sentence at terminal punctuation or a
                // line break; the model, trained on web text too, also ends
                // some before a capital ("... should release | Anna Lee."),
                // which news never needs.
                let last = i + 1 == words.len();
                let closes = text[words[i].start..words[i].end].ends_with([
                    '.', '!', '?', ':', ';', '"', '\'', '\u{201d}', '\u{2019}', ')', '\u{2026}',
                ]);
                let line_break = words
                    .get(i + 1)
                    .is_some_and(|n| text[words[i].end..n.start].contains('\n'));
                if e && (last || closes || line_break) {
                    out.push((words[first].start, words[i].end));
                    first = i + 1;
                }
            }
            if first < words.len() {
                out.push((words[first].start, words[words.len() - 1].end));
            }
        });
        out
    }

    /// Analyses `text[start..end]` a sentence at a time, handing each to `f`
    /// in text order, with offsets into `text`. Memory stays bounded by the
    /// longest block, whatever the length of the text. `start` and `end`
    /// are clamped to the text and to character boundaries.
    pub fn for_each_sentence(
        &self,
        text: &str,
        start: usize,
        end: usize,
        mut f: impl FnMut(Sentence),
    ) {
        let mut work = Work::default();
        self.for_each_piece(text, start, end, |words, atoms, ends| {
            let mut first = 0;
            for (i, &e) in ends.iter().enumerate() {
                if e {
                    f(self.sentence(text, &words[first..=i], &atoms[first..=i], &mut work));
                    first = i + 1;
                }
            }
        });
    }

    /// Tokenizes `text[start..end]` block by block (pieces of at most
    /// [`MAX_BLOCK`] bytes) and hands each piece's words, their atoms and
    /// the sentence model's ends (one per word) to `f`.
    fn for_each_piece(
        &self,
        text: &str,
        start: usize,
        end: usize,
        mut f: impl FnMut(&[TokWord], &[Atoms], &[bool]),
    ) {
        let end = floor_char(text, end.min(text.len()));
        let start = floor_char(text, start.min(end));
        let mut blocks = Vec::new();
        sentences::blocks(text, start, end, &mut blocks);
        let mut words: Vec<TokWord> = Vec::new();
        let mut atoms: Vec<Atoms> = Vec::new();
        let mut ends = Vec::new();
        let mut buf = String::new();
        for (a, b) in blocks {
            for (a, b) in pieces(text, a, b) {
                words.clear();
                tokenize(text, a, b, &mut words);
                if words.is_empty() {
                    continue;
                }
                atoms.clear();
                atoms.extend(
                    words
                        .iter()
                        .map(|w| Atoms::of(&text[w.start..w.end], &mut buf)),
                );
                let amb: Vec<u32> = atoms.iter().map(|x| self.tagger.amb(x)).collect();
                let joined: Vec<bool> = words.iter().map(|w| w.joined).collect();
                self.splitter.ends(
                    &atoms,
                    &amb,
                    &sentences::gaps(text, &words),
                    &joined,
                    &mut ends,
                );
                f(&words, &atoms, &ends);
            }
        }
    }

    /// Tags, lemmatises and parses one sentence.
    fn sentence(
        &self,
        text: &str,
        words: &[TokWord],
        atoms: &[Atoms],
        work: &mut Work,
    ) -> Sentence {
        self.tagger
            .tag_with_runner_up(atoms, &mut work.tags, Some(&mut work.alt));
        self.parser
            .parse(atoms, &work.tags, &work.alt, &mut work.arcs);
        let words: Vec<Word> = words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let (upos, xpos) = self.tagger.class(work.tags[i]);
                let (head, deprel) = work.arcs.get(i).copied().unwrap_or((0, "dep"));
                let form = &text[w.start..w.end];
                Word {
                    start: w.start,
                    end: w.end,
                    joined: w.joined,
                    upos,
                    xpos,
                    lemma: self
                        .lemmatizer
                        .lemma(form, upos.as_str(), xpos)
                        .into_owned(),
                    head,
                    deprel,
                }
            })
            .collect();
        let mut entities = Vec::new();
        self.recognizer.recognize(atoms, &work.tags, &mut entities);
        Sentence {
            start: words.first().map_or(0, |w| w.start),
            end: words.last().map_or(0, |w| w.end),
            words,
            entities,
        }
    }
}

/// Scratch space reused from sentence to sentence.
#[derive(Default)]
struct Work {
    tags: Vec<u16>,
    alt: Vec<u16>,
    arcs: Vec<(usize, &'static str)>,
}

/// The largest character boundary at or before `i`.
fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// `text[a..b]` in pieces of at most about [`MAX_BLOCK`] bytes, cut at white
/// space where there is some (else at a character boundary).
fn pieces(text: &str, a: usize, b: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut s = a;
    while b - s > MAX_BLOCK {
        let limit = floor_char(text, s + MAX_BLOCK);
        let cut = text[s..limit]
            .rfind(char::is_whitespace)
            .map(|k| s + k)
            .filter(|&k| k > s)
            .unwrap_or(limit);
        out.push((s, cut));
        s = cut;
        while s < b && text[s..].starts_with(char::is_whitespace) {
            s += text[s..].chars().next().map_or(1, char::len_utf8);
        }
    }
    if s < b {
        out.push((s, b));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_cover_long_blocks_at_white_space() {
        let text = "word ".repeat(40_000);
        let p = pieces(&text, 0, text.len());
        assert!(p.len() >= 3);
        for &(a, b) in &p {
            assert!(b - a <= MAX_BLOCK);
            assert!(!text[a..b].starts_with(' '));
        }
        let nospace = "x".repeat(MAX_BLOCK * 2 + 5);
        let p = pieces(&nospace, 0, nospace.len());
        assert_eq!(p.iter().map(|&(a, b)| b - a).sum::<usize>(), nospace.len());
        let multibyte = "é".repeat(MAX_BLOCK);
        for (a, b) in pieces(&multibyte, 0, multibyte.len()) {
            assert!(multibyte.is_char_boundary(a) && multibyte.is_char_boundary(b));
        }
    }
}
