//! lore's English pipeline: raw text in, sentences of tagged, lemmatised,
//! parsed words with named-entity spans out.
//!
//! Stages: [`tokenize`] (rules, byte offsets) → sentence boundaries (a
//! perceptron over token gaps) → part-of-speech tags (averaged perceptron,
//! UPOS and Penn tags as one class) → lemmas (treebank lexicon plus learnt
//! suffix rules) → dependencies (arc-eager transition parser with a dynamic
//! oracle) → named entities (perceptron sequence labeller). The models are
//! trained from the Universal Dependencies treebanks by `lore-train` and
//! compiled into the binary (`data/models/`).
//!
//! Architecture invariant: no I/O; every function is total on any `&str`.

pub use pipeline::Pipeline;

pub mod conllu;
pub mod eval;
pub mod labels;
pub mod lemma;
pub mod lexical;
pub mod model_file;
pub mod ner;
pub mod parser;
pub mod perceptron;
pub mod pipeline;
pub mod sentences;
pub mod tagger;
pub mod tokenize;
pub mod train;
pub mod wordnet;

/// Universal part-of-speech tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Upos {
    /// Adjective.
    Adj,
    /// Adposition.
    Adp,
    /// Adverb.
    Adv,
    /// Auxiliary.
    Aux,
    /// Coordinating conjunction.
    Cconj,
    /// Determiner.
    Det,
    /// Interjection.
    Intj,
    /// Noun.
    Noun,
    /// Numeral.
    Num,
    /// Particle.
    Part,
    /// Pronoun.
    Pron,
    /// Proper noun.
    Propn,
    /// Punctuation.
    Punct,
    /// Subordinating conjunction.
    Sconj,
    /// Symbol.
    Sym,
    /// Verb.
    Verb,
    /// Other.
    X,
}

impl Upos {
    /// Every tag, in the order of their codes.
    pub const ALL: [Upos; 17] = [
        Upos::Adj,
        Upos::Adp,
        Upos::Adv,
        Upos::Aux,
        Upos::Cconj,
        Upos::Det,
        Upos::Intj,
        Upos::Noun,
        Upos::Num,
        Upos::Part,
        Upos::Pron,
        Upos::Propn,
        Upos::Punct,
        Upos::Sconj,
        Upos::Sym,
        Upos::Verb,
        Upos::X,
    ];

    /// The UD name ("PROPN").
    pub fn as_str(self) -> &'static str {
        match self {
            Upos::Adj => "ADJ",
            Upos::Adp => "ADP",
            Upos::Adv => "ADV",
            Upos::Aux => "AUX",
            Upos::Cconj => "CCONJ",
            Upos::Det => "DET",
            Upos::Intj => "INTJ",
            Upos::Noun => "NOUN",
            Upos::Num => "NUM",
            Upos::Part => "PART",
            Upos::Pron => "PRON",
            Upos::Propn => "PROPN",
            Upos::Punct => "PUNCT",
            Upos::Sconj => "SCONJ",
            Upos::Sym => "SYM",
            Upos::Verb => "VERB",
            Upos::X => "X",
        }
    }

    /// The tag named `s`, if it is one.
    pub fn parse(s: &str) -> Option<Upos> {
        Upos::ALL.into_iter().find(|u| u.as_str() == s)
    }
}

/// The kind of a named-entity span.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameKind {
    /// A person.
    Person,
    /// An organisation: company, party, team, government body.
    Organization,
    /// A place: country, city, region, building, geographic feature.
    Place,
    /// A named event ("World War II", "the G20 summit").
    Event,
    /// Any other name (products, works, laws, nationalities used as names).
    Other,
}

impl NameKind {
    /// Every kind.
    pub const ALL: [NameKind; 5] = [
        NameKind::Person,
        NameKind::Organization,
        NameKind::Place,
        NameKind::Event,
        NameKind::Other,
    ];

    /// Short code: PER, ORG, LOC, EVT, OTH (UNER's codes, plus EVT).
    pub fn code(self) -> &'static str {
        match self {
            NameKind::Person => "PER",
            NameKind::Organization => "ORG",
            NameKind::Place => "LOC",
            NameKind::Event => "EVT",
            NameKind::Other => "OTH",
        }
    }

    /// The kind with this code.
    pub fn from_code(s: &str) -> Option<NameKind> {
        NameKind::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// One syntactic word of an analysed sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// Start byte in the analysed text.
    pub start: usize,
    /// End byte (exclusive).
    pub end: usize,
    /// Written together with the next word as one token ("do" in "don't").
    pub joined: bool,
    /// Universal part of speech.
    pub upos: Upos,
    /// Penn Treebank tag ("VBD").
    pub xpos: &'static str,
    /// Lemma ("meet" for "met").
    pub lemma: String,
    /// Head word: 1-based index in the sentence, 0 for the root.
    pub head: usize,
    /// Dependency relation to the head, UD with subtypes ("nsubj", "nmod:poss").
    pub deprel: &'static str,
}

impl Word {
    /// The word as written.
    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.start..self.end).unwrap_or("")
    }
}

/// A named-entity span over words `start..end` of a sentence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntitySpan {
    /// First word (0-based).
    pub start: usize,
    /// One past the last word.
    pub end: usize,
    /// Kind.
    pub kind: NameKind,
}

/// One analysed sentence.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Sentence {
    /// Start byte in the analysed text.
    pub start: usize,
    /// End byte (exclusive).
    pub end: usize,
    /// The words, in order.
    pub words: Vec<Word>,
    /// Named-entity spans, in order, not overlapping.
    pub entities: Vec<EntitySpan>,
}

/// The analysis of a text.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Analysis {
    /// Sentences in text order.
    pub sentences: Vec<Sentence>,
}

/// Analyses a text with the models compiled into lore: sentences, tokens
/// with byte offsets, part-of-speech tags, lemmas, dependency heads and
/// relations, and named-entity spans.
///
/// ```
/// let text = "The court struck down the law on Tuesday.";
/// let a = lore::nlp::analyze(text)?;
/// let s = &a.sentences[0];
/// let struck = s.words.iter().position(|w| w.text(text) == "struck").unwrap();
/// assert_eq!(s.words[struck].lemma, "strike");
/// assert_eq!(s.words[struck].deprel, "root");
/// let court = &s.words[1];
/// assert_eq!((court.text(text), court.head, court.deprel), ("court", struck + 1, "nsubj"));
/// # Ok::<(), lore::Error>(())
/// ```
pub fn analyze(text: &str) -> crate::Result<Analysis> {
    Ok(Pipeline::get()?.analyze(text))
}
