//! Reproducible scale data for `lore import`: writes JSONL facts to stdout.
//!
//! ```text
//! cargo run --release --example gen_facts -- FACTS [SEED] > facts.jsonl
//! ```
//!
//! The same FACTS and SEED always give the same bytes. The shape imitates a
//! news archive, not a uniform benchmark:
//! - entities are about FACTS/8, picked by Zipf popularity (s = 1.0) as
//!   subjects and objects, so a few entities are in a large share of facts;
//! - 40 relations, also Zipf-distributed;
//! - 20% of objects are literals (dates, numbers, roles);
//! - qualifiers: time on half the facts, place on a third, duration on a tenth;
//! - documents hold about 20 facts each (facts are written in document
//!   order, as `lore export` writes an ingested store); every fact has one
//!   source in its own document and 0-3 more in recent documents (news repeats
//!   itself), each with a sentence of 12-30 words and its byte span.
//!   A document's sentence k is always the same text, and facts come from
//!   [`SENTENCES_READ`] sentences per document in sentence order (2-3 facts
//!   per sentence), as an extractor's output does: facts of one document and
//!   later sources citing it share sentences.

use std::io::{BufWriter, Write};

/// splitmix64: small, fast, and good enough for synthetic data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Zipf sampler by inverse CDF over ranks 0..n.
struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, s: f64) -> Zipf {
        let mut cdf = Vec::with_capacity(n);
        let mut sum = 0.0;
        for k in 1..=n {
            sum += 1.0 / (k as f64).powf(s);
            cdf.push(sum);
        }
        for c in &mut cdf {
            *c /= sum;
        }
        Zipf { cdf }
    }

    fn sample(&self, rng: &mut Rng) -> u64 {
        let u = rng.unit();
        self.cdf.partition_point(|&c| c < u).min(self.cdf.len() - 1) as u64
    }
}

const SYLLABLES: [&str; 32] = [
    "ka", "lo", "mi", "ra", "ten", "vos", "del", "an", "bru", "sha", "nor", "pel", "ti", "gar",
    "um", "es", "qui", "zo", "ber", "lin", "ha", "mot", "ric", "sa", "dov", "el", "fin", "gu",
    "jas", "ko", "wen", "yar",
];

const RELATIONS: [&str; 40] = [
    "say",
    "meet",
    "visit",
    "lead",
    "announce",
    "criticize",
    "support",
    "sign",
    "accuse",
    "join",
    "leave",
    "win",
    "lose",
    "buy",
    "sell",
    "hire",
    "fire",
    "sue",
    "praise",
    "warn",
    "call",
    "ask",
    "tell",
    "invite",
    "attack",
    "defend",
    "fund",
    "own",
    "found",
    "chair",
    "elect",
    "appoint",
    "arrest",
    "charge",
    "release",
    "host",
    "beat",
    "play",
    "report",
    "hold",
];

const WORDS: [&str; 64] = [
    "the",
    "minister",
    "said",
    "on",
    "in",
    "talks",
    "with",
    "government",
    "a",
    "new",
    "agreement",
    "after",
    "week",
    "officials",
    "told",
    "reporters",
    "that",
    "would",
    "not",
    "plan",
    "market",
    "shares",
    "rose",
    "percent",
    "company",
    "deal",
    "police",
    "court",
    "trial",
    "election",
    "party",
    "vote",
    "leader",
    "support",
    "against",
    "report",
    "by",
    "its",
    "their",
    "was",
    "has",
    "been",
    "year",
    "last",
    "first",
    "city",
    "country",
    "team",
    "match",
    "season",
    "club",
    "film",
    "award",
    "music",
    "record",
    "sales",
    "growth",
    "bank",
    "rates",
    "price",
    "oil",
    "chief",
    "executive",
    "board",
];

const PLACES: [&str; 8] = [
    "London", "Paris", "Geneva", "Tokyo", "Nairobi", "Lima", "Oslo", "Delhi",
];

fn name(id: u64) -> String {
    // A unique two-part name per id: its digits in base 32 spelled as syllables.
    let mut first = String::new();
    let mut last = String::new();
    let mut v = mix(id ^ 0x5eed) % 1024;
    for _ in 0..2 {
        first.push_str(SYLLABLES[(v % 32) as usize]);
        v /= 32;
    }
    let mut v = id;
    loop {
        last.push_str(SYLLABLES[(v % 32) as usize]);
        v /= 32;
        if v == 0 {
            break;
        }
    }
    let cap = |s: &str| {
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect::<String>())
            .unwrap_or_default()
    };
    format!("{} {}", cap(&first), cap(&last))
}

fn kind(id: u64) -> &'static str {
    ["person", "person", "organization", "place", "work", "other"][(mix(id) % 6) as usize]
}

/// Sentence `k` of document `doc`: fixed text, so repeated references agree.
fn sentence(seed: u64, doc: u64, k: u64) -> String {
    let mut r = Rng(mix(seed
        ^ doc.wrapping_mul(0x1000_0001)
        ^ k.wrapping_mul(0x9E37)));
    let n = 12 + r.below(19);
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push(' ');
        }
        let w = WORDS[r.below(WORDS.len() as u64) as usize];
        if i == 0 {
            let mut c = w.chars();
            if let Some(f) = c.next() {
                s.extend(f.to_uppercase());
                s.push_str(c.as_str());
            }
        } else if r.below(8) == 0 {
            // Names and numbers make sentences distinct, as real ones are.
            s.push_str(&name(r.below(1 << 20)));
        } else {
            s.push_str(w);
        }
    }
    s.push('.');
    s
}

const FACTS_PER_DOC: u64 = 20;
/// Sentences of a document that facts are read from (the rest of an
/// article yields none): 20 facts from 8 sentences is 2.5 facts per sentence.
const SENTENCES_READ: u64 = 8;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let facts: u64 = match args.next().and_then(|a| a.replace('_', "").parse().ok()) {
        Some(n) => n,
        None => {
            eprintln!("usage: gen_facts FACTS [SEED] > facts.jsonl");
            std::process::exit(1);
        }
    };
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(42);
    let entities = (facts / 8).max(100);
    let docs = facts.div_ceil(FACTS_PER_DOC).max(1);
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let mut rng = Rng(seed);
    let zipf_e = Zipf::new(entities as usize, 1.0);
    let zipf_r = Zipf::new(RELATIONS.len(), 1.0);
    // Popularity rank is not id order: a permutation spreads popular entities over ids.
    let rank_to_id = |rank: u64| mix(rank ^ seed) % entities;

    for d in 0..docs {
        writeln!(
            out,
            r#"{{"type":"document","id":{d},"title":"Story {d}","origin":"wire/{d}.txt","published":"20{:02}-{:02}-{:02}","byline":null,"dateline":null,"hash":"{:016x}{:016x}"}}"#,
            5 + d * 20 / docs,
            1 + d % 12,
            1 + d % 28,
            mix(seed ^ d),
            mix(d)
        )?;
    }
    for e in 0..entities {
        let n = name(e);
        let alias = n.split(' ').next_back().unwrap_or("").to_string();
        writeln!(
            out,
            r#"{{"type":"entity","id":{e},"name":"{n}","kind":"{}","aliases":["{alias}"]}}"#,
            kind(e)
        )?;
    }
    for f in 0..facts {
        let doc = f / FACTS_PER_DOC;
        let s = rank_to_id(zipf_e.sample(&mut rng));
        let rel = RELATIONS[zipf_r.sample(&mut rng) as usize];
        let lit = rng.below(5) == 0;
        let object = if lit {
            match rng.below(3) {
                0 => format!(
                    r#"{{"type":"date","value":"20{:02}-{:02}-{:02}"}}"#,
                    rng.below(25),
                    1 + rng.below(12),
                    1 + rng.below(28)
                ),
                1 => format!("{}", rng.below(100_000)),
                _ => format!(
                    r#"{{"type":"text","value":"{} {}"}}"#,
                    WORDS[rng.below(64) as usize],
                    WORDS[rng.below(64) as usize]
                ),
            }
        } else {
            let mut o = rank_to_id(zipf_e.sample(&mut rng));
            if o == s {
                o = (o + 1) % entities;
            }
            format!(r#""{}","object_id":{o}"#, name(o))
        };
        let mut quals = Vec::new();
        if rng.below(2) == 0 {
            quals.push(format!(
                r#""time":"20{:02}-{:02}""#,
                rng.below(25),
                1 + rng.below(12)
            ));
        }
        if rng.below(3) == 0 {
            quals.push(format!(r#""place":"{}""#, PLACES[rng.below(8) as usize]));
        }
        if rng.below(10) == 0 {
            quals.push(format!(r#""duration":"{} days""#, 1 + rng.below(30)));
        }
        let extra = match rng.below(8) {
            0..=3 => 0,
            4..=5 => 1,
            6 => 2,
            _ => 3,
        };
        let mut sources = Vec::new();
        for i in 0..=extra {
            let sd = if i == 0 {
                doc
            } else {
                doc.saturating_sub(rng.below(500))
            };
            let k = if i == 0 {
                (f % FACTS_PER_DOC) * SENTENCES_READ / FACTS_PER_DOC
            } else {
                rng.below(SENTENCES_READ)
            };
            let text = sentence(seed, sd, k);
            let start = k * 200;
            sources.push(format!(
                r#"{{"doc":{sd},"sentence":"{text}","span":[{start},{}]}}"#,
                start + text.len() as u64
            ));
        }
        writeln!(
            out,
            r#"{{"type":"fact","id":{f},"subject":"{}","subject_id":{s},"relation":"{rel}","object":{object},"qualifiers":{{{}}},"polarity":"{}","sources":[{}],"confidence":{:.2}}}"#,
            name(s),
            quals.join(","),
            if rng.below(20) == 0 {
                "negative"
            } else {
                "positive"
            },
            sources.join(","),
            0.5 + rng.unit() * 0.4
        )?;
    }
    out.flush()
}
