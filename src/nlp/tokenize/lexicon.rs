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
/// with one ("Etc." at the head of a list item), and a word in capitals in
/// title case ("LTD." for "Ltd.").
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
            buf[0] = *b;
            buf[1..w.len()].make_ascii_lowercase();
            lower_first
                || std::str::from_utf8(&buf[..w.len()]).is_ok_and(|l| ABBREVIATIONS.contains(l))
        }
        _ => false,
    }
}

/// `w` in ASCII lower case in `buf`, or `None` when it is not short ASCII:
/// every list below is short ASCII, so anything else cannot match. (Bytes,
/// not `str`, so that no UTF-8 check is paid on every word.)
pub(super) fn lower<'b>(w: &str, buf: &'b mut [u8; 12]) -> Option<&'b [u8]> {
    if w.len() > buf.len() || !w.is_ascii() {
        return None;
    }
    for (d, s) in buf.iter_mut().zip(w.bytes()) {
        *d = s.to_ascii_lowercase();
    }
    Some(&buf[..w.len()])
}

/// Prefixes whose hyphen stays inside the token ("non-profit", "e-mail",
/// "re-elected"): every other hyphen between letters is split. Chosen where
/// train keeps the hyphen at least as often as it splits it (non 43:0,
/// e 43:1, anti 22:0, re 22:0, co 20:0, pro 17:0, pre 17:0, mid 16:0, ...);
/// interjections ("uh-huh", "oh-ho", "un-unh") are kept whole too.
pub(super) fn is_hyphen_prefix(w: &str) -> bool {
    let mut buf = [0u8; 12];
    matches!(
        lower(w, &mut buf),
        Some(
            b"non"
                | b"e"
                | b"anti"
                | b"re"
                | b"co"
                | b"pro"
                | b"pre"
                | b"mid"
                | b"post"
                | b"cross"
                | b"over"
                | b"multi"
                | b"ex"
                | b"counter"
                | b"semi"
                | b"sub"
                | b"mini"
                | b"socio"
                | b"psycho"
                | b"intra"
                | b"neo"
                | b"micro"
                | b"inter"
                | b"arch"
                | b"uh"
                | b"mm"
                | b"hm"
                | b"oh"
                | b"ah"
                | b"wow"
                | b"un"
                | b"nun"
        )
    )
}

/// Suffixes whose hyphen stays inside the token: "price-wise",
/// "Kafka-esque" (train: wise 2:1, esque 1:0).
pub(super) fn is_hyphen_suffix(w: &str) -> bool {
    let mut buf = [0u8; 12];
    matches!(lower(w, &mut buf), Some(b"wise" | b"esque"))
}

/// Unit and magnitude suffixes split from a number written against them
/// ("5pm" → `5` `pm`, "43bn" → `43` `bn`, "35mm" → `35` `mm`): train splits
/// m 51, pm 38, k 20, am 20, b 11, mm 5, ft 4, bn 3, f 3, hh 3, x 3, p 2, ...
/// A lower-case word of three letters or more is split off too ("10days",
/// "5minutes"). Ordinals and decades ("5th", "1990s") and model codes
/// ("4A") are not units and stay whole.
pub(super) fn is_unit(w: &str) -> bool {
    let mut buf = [0u8; 12];
    let Some(l) = lower(w, &mut buf) else {
        return false;
    };
    matches!(
        l,
        b"m" | b"pm"
            | b"am"
            | b"f"
            | b"p"
            | b"hh"
            | b"k"
            | b"b"
            | b"x"
            | b"mm"
            | b"cm"
            | b"km"
            | b"ft"
            | b"bn"
            | b"kg"
            | b"mg"
            | b"lb"
            | b"lbs"
            | b"oz"
            | b"ml"
            | b"hz"
            | b"khz"
            | b"mhz"
            | b"ghz"
            | b"kb"
            | b"mb"
            | b"gb"
            | b"tb"
            | b"min"
            | b"mins"
            | b"hr"
            | b"hrs"
            | b"sec"
            | b"secs"
            | b"mph"
            | b"kph"
            | b"kmh"
            | b"yr"
            | b"yrs"
    ) || (l.len() >= 3
        && w.bytes().all(|b| b.is_ascii_lowercase())
        && !matches!(l, b"ish" | b"ies"))
}

/// How a word written as one is split into words ("gonna" → `gon` `na`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Split {
    /// Byte offset of the break.
    pub at: usize,
    /// Byte offset of a second break, for the three-word "dunno".
    pub second: Option<usize>,
    /// The parts are words of one token (a contraction), not two tokens.
    pub joined: bool,
}

/// Words written as one that the treebanks split, with one lookup (this
/// runs on nearly every word):
///
/// - contractions written without an apostrophe, split as UD splits them
///   into words of one token ("gonna" → `gon` `na`, "dont" → `do` `nt`,
///   "dunno" → `du` `n` `no`): the forms train splits more often than it
///   keeps whole, with the other negations and pronoun contractions of
///   their pattern; "lets" and "its" are left to context (mostly the verb
///   and the possessive);
/// - misspellings that run two words together, written as two tokens
///   ("alot" → `a` `lot`); only forms that are not English words
///   themselves ("kinda" and "everyday" are).
pub(super) fn split_word(w: &str) -> Option<Split> {
    let mut buf = [0u8; 12];
    let l = lower(w, &mut buf)?;
    let (at, joined) = match l {
        b"dont" | b"cant" | b"wont" | b"aint" | b"didnt" | b"isnt" | b"hasnt" | b"hadnt"
        | b"doesnt" | b"wasnt" | b"arent" | b"havent" | b"couldnt" | b"wouldnt" | b"werent"
        | b"shouldnt" => (l.len() - 2, true),
        b"gonna" | b"wanna" | b"gotta" | b"cannot" | b"outta" | b"gimme" | b"lemme" | b"youre"
        | b"youll" | b"youve" => (3, true),
        b"im" | b"ive" => (1, true),
        b"hes" | b"itll" => (2, true),
        b"thats" | b"whats" | b"heres" | b"elses" | b"theyre" | b"theyll" | b"theyve" => (4, true),
        b"theres" => (5, true),
        b"dunno" => {
            return Some(Split {
                at: 2,
                second: Some(3),
                joined: true,
            });
        }
        b"alot" => (1, false),
        b"lotta" => (3, false),
        b"infact" => (2, false),
        b"lastnight" => (4, false),
        b"afterall" => (5, false),
        _ => return None,
    };
    Some(Split {
        at,
        second: None,
        joined,
    })
}

/// Clitics split from their host after an apostrophe ("it's" → `it` `'s`);
/// "n't" is found separately because its apostrophe is inside it.
pub(super) fn is_clitic(w: &str) -> bool {
    let mut buf = [0u8; 12];
    matches!(
        lower(w, &mut buf),
        Some(b"s" | b"re" | b"ve" | b"ll" | b"d" | b"m")
    )
}

/// Words that start with an apostrophe and are one token when written after
/// a space ("'em", "'cause"), besides the clitics.
pub(super) fn is_apostrophe_word(w: &str) -> bool {
    let mut buf = [0u8; 12];
    matches!(
        lower(w, &mut buf),
        Some(b"em" | b"n" | b"cause" | b"til" | b"bout" | b"round" | b"nuff")
    )
}

/// Last parts of domain and file names, which keep a name whole
/// ("example.com", "notes.doc").
pub(super) fn is_name_suffix(w: &str) -> bool {
    let mut buf = [0u8; 12];
    matches!(
        lower(w, &mut buf),
        Some(
            b"com"
                | b"org"
                | b"net"
                | b"gov"
                | b"edu"
                | b"mil"
                | b"int"
                | b"info"
                | b"biz"
                | b"io"
                | b"doc"
                | b"docx"
                | b"xls"
                | b"xlsx"
                | b"ppt"
                | b"pptx"
                | b"pdf"
                | b"txt"
                | b"rtf"
                | b"csv"
                | b"htm"
                | b"html"
                | b"php"
                | b"asp"
                | b"aspx"
                | b"jsp"
                | b"xml"
                | b"json"
                | b"zip"
                | b"gz"
                | b"exe"
                | b"jpg"
                | b"jpeg"
                | b"gif"
                | b"png"
                | b"bmp"
                | b"tif"
                | b"tiff"
                | b"mp3"
                | b"mp4"
                | b"wav"
                | b"avi"
                | b"mov"
                | b"url"
                | b"msg"
                | b"wpd"
        )
    )
}

/// Capitalised function words that open sentences (the commonest first
/// words of train sentences, less names and content words): after an
/// abbreviation, one of them shows that the abbreviation's period also
/// ended the sentence before it.
pub(super) fn is_sentence_opener(w: &str) -> bool {
    matches!(
        w,
        "I" | "The"
            | "We"
            | "It"
            | "And"
            | "In"
            | "This"
            | "They"
            | "You"
            | "If"
            | "He"
            | "So"
            | "But"
            | "A"
            | "An"
            | "Thanks"
            | "There"
            | "My"
            | "What"
            | "Please"
            | "As"
            | "She"
            | "When"
            | "Oh"
            | "Yeah"
            | "Well"
            | "That"
            | "How"
            | "No"
            | "Do"
            | "For"
            | "After"
            | "On"
            | "However"
            | "By"
            | "Thank"
            | "At"
            | "Okay"
            | "To"
            | "Also"
            | "Now"
            | "Is"
            | "Yes"
            | "From"
            | "With"
            | "These"
            | "Those"
            | "Just"
            | "Can"
            | "Let"
            | "His"
            | "Her"
            | "Its"
            | "Their"
            | "Our"
            | "Your"
            | "All"
            | "Some"
            | "Are"
            | "Not"
            | "Then"
            | "Hi"
            | "Even"
            | "While"
            | "Although"
            | "Here"
            | "Many"
            | "Since"
            | "Why"
            | "Where"
            | "Who"
            | "Because"
            | "Any"
            | "Or"
            | "Will"
            | "Did"
            | "Does"
            | "Was"
            | "Were"
            | "Would"
            | "Could"
            | "Should"
            | "Each"
            | "Most"
            | "Both"
            | "Such"
            | "Still"
            | "Yet"
            | "Thus"
    )
}

/// Words after which "its" can only be "it's" misspelt ("its not", "its a
/// shame"): words that cannot follow the possessive, from the words after
/// the "its" that train splits.
pub(super) fn follows_it_is(w: &str) -> bool {
    let mut buf = [0u8; 12];
    matches!(
        lower(w, &mut buf),
        Some(
            b"not"
                | b"a"
                | b"an"
                | b"the"
                | b"really"
                | b"very"
                | b"so"
                | b"just"
                | b"also"
                | b"still"
                | b"simply"
                | b"definitely"
                | b"been"
                | b"getting"
                | b"going"
                | b"gonna"
                | b"all"
                | b"like"
                | b"in"
                | b"for"
                | b"from"
                | b"as"
                | b"now"
                | b"too"
                | b"always"
                | b"never"
                | b"pretty"
                | b"quite"
                | b"ok"
                | b"okay"
                | b"about"
                | b"because"
                | b"nothing"
                | b"probably"
                | b"actually"
                | b"only"
        )
    )
}

/// Verbs after which "lets" is "let's" misspelt ("lets go", "lets hope"):
/// the verb "lets" takes an object first ("lets them go").
pub(super) fn follows_let_us(w: &str) -> bool {
    let mut buf = [0u8; 12];
    matches!(
        lower(w, &mut buf),
        Some(
            b"go"
                | b"see"
                | b"hope"
                | b"face"
                | b"try"
                | b"be"
                | b"take"
                | b"get"
                | b"do"
                | b"make"
                | b"talk"
                | b"say"
                | b"just"
                | b"not"
        )
    )
}
