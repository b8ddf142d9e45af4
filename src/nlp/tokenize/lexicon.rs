//! The closed word lists behind the tokenizer's rules. The counts quoted are
//! from EWT train plus GUM train; dev and test were not used to choose them.

use std::sync::LazyLock;

use rustc_hash::FxHashSet;

/// Abbreviations that keep their period, from `data/nlp/abbreviations.txt`.
static ABBREVIATIONS: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../../data/nlp/abbreviations.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// Whether `w` (with its final period) is a listed abbreviation. A capital
/// first letter is also tried in lower case, because a sentence may start
/// with one ("Etc." at the head of a list item).
pub(super) fn is_abbreviation(w: &str) -> bool {
    if ABBREVIATIONS.contains(w) {
        return true;
    }
    let mut buf = [0u8; 16];
    match w.as_bytes().first() {
        Some(b) if b.is_ascii_uppercase() && w.len() <= buf.len() && w.is_ascii() => {
            buf[..w.len()].copy_from_slice(w.as_bytes());
            buf[0] = b.to_ascii_lowercase();
            let lower_first =
                std::str::from_utf8(&buf[..w.len()]).is_ok_and(|l| ABBREVIATIONS.contains(l));
            // Written in capitals: "LTD." for "Ltd.".
            buf[0] = *b;
            buf[1..w.len()].make_ascii_lowercase();
            lower_first
                || std::str::from_utf8(&buf[..w.len()]).is_ok_and(|l| ABBREVIATIONS.contains(l))
        }
        _ => false,
    }
}

/// `w` in ASCII lower case in `buf`, or `None` when it is not short ASCII:
/// every list below is short ASCII, so anything else cannot match.
pub(super) fn lower<'b>(w: &str, buf: &'b mut [u8; 12]) -> Option<&'b str> {
    if w.len() > buf.len() || !w.is_ascii() {
        return None;
    }
    for (d, s) in buf.iter_mut().zip(w.bytes()) {
        *d = s.to_ascii_lowercase();
    }
    std::str::from_utf8(&buf[..w.len()]).ok()
}

/// Prefixes whose hyphen stays inside the token ("non-profit", "e-mail",
/// "re-elected"): every other hyphen between letters is split. Chosen where
/// train keeps the hyphen at least as often as it splits it (non 43:0,
/// e 43:1, anti 22:0, re 22:0, co 20:0, pro 17:0, pre 17:0, mid 16:0, ...);
/// "uh-huh"-style interjections are kept whole too.
pub(super) fn is_hyphen_prefix(w: &str) -> bool {
    let mut buf = [0u8; 12];
    matches!(
        lower(w, &mut buf),
        Some(
            "non"
                | "e"
                | "anti"
                | "re"
                | "co"
                | "pro"
                | "pre"
                | "mid"
                | "post"
                | "cross"
                | "over"
                | "multi"
                | "ex"
                | "counter"
                | "semi"
                | "sub"
                | "mini"
                | "socio"
                | "psycho"
                | "intra"
                | "arch"
                | "uh"
                | "mm"
                | "hm"
        )
    )
}

/// Suffixes whose hyphen stays inside the token: "price-wise",
/// "Kafka-esque" (train: wise 2:1, esque 1:0).
pub(super) fn is_hyphen_suffix(w: &str) -> bool {
    let mut buf = [0u8; 12];
    matches!(lower(w, &mut buf), Some("wise" | "esque"))
}

/// Unit and magnitude suffixes split from a number written against them
/// ("5pm" → `5` `pm`, "43bn" → `43` `bn`, "35mm" → `35` `mm`): train splits
/// m 51, pm 38, k 20, am 20, b 11, mm 5, ft 4, bn 3, ... Ordinals and decades
/// ("5th", "1990s") and model codes ("4A") are not units and stay whole.
pub(super) fn is_unit(w: &str) -> bool {
    let mut buf = [0u8; 12];
    let Some(l) = lower(w, &mut buf) else {
        return false;
    };
    matches!(
        l,
        "m" | "pm"
            | "am"
            | "c"
            | "f"
            | "p"
            | "hh"
            | "k"
            | "b"
            | "x"
            | "mm"
            | "cm"
            | "km"
            | "ft"
            | "bn"
            | "kg"
            | "mg"
            | "lb"
            | "lbs"
            | "oz"
            | "ml"
            | "hz"
            | "khz"
            | "mhz"
            | "ghz"
            | "kb"
            | "mb"
            | "gb"
            | "tb"
            | "min"
            | "mins"
            | "hr"
            | "hrs"
            | "sec"
            | "secs"
            | "mph"
            | "kph"
            | "kmh"
            | "yr"
            | "yrs"
    ) || (l.len() >= 3 && w.bytes().all(|b| b.is_ascii_lowercase()) && !matches!(l, "ish" | "ies"))
}

/// Contractions written without an apostrophe, as UD splits them ("gonna" →
/// `gon` `na`, "dont" → `do` `nt`): the byte offset of the word break, and
/// of a second one for the three-word "dunno" (`du` `n` `no`). Only forms
/// train splits more often than it keeps whole ("lets" and "its" are left
/// alone: mostly the verb and the possessive).
pub(super) fn contraction(w: &str) -> Option<(usize, Option<usize>)> {
    let mut buf = [0u8; 12];
    let l = lower(w, &mut buf)?;
    let at = match l {
        "dont" | "cant" | "wont" | "aint" | "didnt" | "isnt" | "hasnt" | "hadnt" | "doesnt"
        | "wasnt" | "arent" | "havent" | "couldnt" | "wouldnt" | "werent" | "shouldnt" => {
            l.len() - 2
        }
        "gonna" | "wanna" | "gotta" | "cannot" | "outta" | "gimme" | "lemme" | "youre"
        | "youll" | "youve" => 3,
        "im" | "ive" => 1,
        "hes" | "itll" => 2,
        "thats" | "whats" | "heres" | "elses" | "theyre" | "theyll" | "theyve" => 4,
        "theres" => 5,
        "dunno" => return Some((2, Some(3))),
        _ => return None,
    };
    Some((at, None))
}

/// Clitics split from their host after an apostrophe ("it's" → `it` `'s`);
/// "n't" is found separately because its apostrophe is inside it.
pub(super) fn is_clitic(w: &str) -> bool {
    let mut buf = [0u8; 12];
    matches!(
        lower(w, &mut buf),
        Some("s" | "re" | "ve" | "ll" | "d" | "m")
    )
}

/// Words that start with an apostrophe and are one token when written after
/// a space ("'em", "'cause"), besides the clitics.
pub(super) fn is_apostrophe_word(w: &str) -> bool {
    let mut buf = [0u8; 12];
    matches!(
        lower(w, &mut buf),
        Some("em" | "n" | "cause" | "til" | "bout" | "round" | "nuff")
    )
}

/// Last parts of domain and file names, which keep a name whole
/// ("example.com", "notes.doc").
pub(super) fn is_name_suffix(w: &str) -> bool {
    let mut buf = [0u8; 12];
    matches!(
        lower(w, &mut buf),
        Some(
            "com"
                | "org"
                | "net"
                | "gov"
                | "edu"
                | "mil"
                | "int"
                | "info"
                | "biz"
                | "io"
                | "doc"
                | "docx"
                | "xls"
                | "xlsx"
                | "ppt"
                | "pptx"
                | "pdf"
                | "txt"
                | "rtf"
                | "csv"
                | "htm"
                | "html"
                | "php"
                | "asp"
                | "aspx"
                | "jsp"
                | "xml"
                | "json"
                | "zip"
                | "gz"
                | "exe"
                | "jpg"
                | "jpeg"
                | "gif"
                | "png"
                | "bmp"
                | "tif"
                | "tiff"
                | "mp3"
                | "mp4"
                | "wav"
                | "avi"
                | "mov"
                | "url"
                | "msg"
                | "wpd"
        )
    )
}
