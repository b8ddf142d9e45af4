//! Tokens that keep all their inner punctuation: web and e-mail addresses,
//! handles, hashtags, domain and file names, emoticons.

use super::{is_word, lexicon};

/// Whether `s`, a chunk without its outer brackets, quotes and final
/// punctuation, is a single token whatever punctuation it contains.
pub(super) fn is_whole(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    // A web address with its scheme, or one starting "www.":
    // "https://example.org/a-b/c.html?q=1" is one token.
    if url_start(s) || starts_ci(s, "mailto:") {
        return true;
    }
    // An e-mail address or a mail-system name ("ann.lee@example.org",
    // "Lee@HQ"), and a handle ("@ann_lee"); a lone "@" is a symbol.
    if let Some(at) = s.find('@') {
        let (user, host) = (&s[..at], &s[at + 1..]);
        // Mail archives shorten the user name with dots: "ann...@example.org".
        let user_ok = if at == 0 {
            host.starts_with(|c: char| c.is_alphabetic() || c == '_')
        } else {
            user.ends_with(|c: char| is_word(c) || c == '.') && user.contains(is_word)
        };
        if user_ok
            && host.starts_with(is_word)
            && s.chars()
                .all(|c| is_word(c) || matches!(c, '.' | '-' | '_' | '+' | '%' | '@'))
        {
            return true;
        }
    }
    // A hashtag: "#tokenizers" (but "#1" is a sign and a number).
    if first == '#' {
        let rest = &s[1..];
        return rest.chars().next().is_some_and(char::is_alphabetic)
            && rest.chars().all(|c| is_word(c) || c == '_');
    }
    domain_or_file(s)
}

/// Whether `s` starts with a web address: "https://", "http://",
/// "ftp://" or "www." and a name.
pub(super) fn url_start(s: &str) -> bool {
    ["http://", "https://", "ftp://"]
        .iter()
        .any(|p| starts_ci(s, p) && s.len() > p.len())
        || starts_ci(s, "www.") && s[4..].starts_with(is_word)
}

/// A domain or file name: "example.com", "Get-Rich.com", "q3-report.xls",
/// ".doc" on its own, and country domains with two dots ("example.co.uk").
fn domain_or_file(s: &str) -> bool {
    let Some(dot) = s.rfind('.') else {
        return false;
    };
    let (stem, ext) = (&s[..dot], &s[dot + 1..]);
    let stem_ok = (stem.is_empty() || stem.chars().next_back().is_some_and(is_word))
        && stem
            .chars()
            .all(|c| is_word(c) || matches!(c, '.' | '-' | '_' | '#' | '~'));
    if !stem_ok {
        return false;
    }
    lexicon::is_name_suffix(ext)
        || (ext.len() == 2
            && ext.bytes().all(|b| b.is_ascii_lowercase())
            && stem.contains('.')
            && !stem.contains(".."))
}

/// `s` starts with the ASCII `prefix`, ignoring case.
fn starts_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Emoticons, longest first so that ":-)" wins over ":-".
const EMOTICONS: &[&str] = &[
    ">:(", "-_-", ":-)", ":-p", ":-(", ";-)", ":-D", ":-P", ":-/", ":'(", "^_^", ":)", ":(", ";)",
    ":D", ":P", ":p", ";P", ";p", ":/", "=)", "=(", "(:", ":]", ":[", ":|", "<3", "^^", ":o", ":O",
    ";D",
];

/// The byte length of the emoticon `s` starts with, or 0. An emoticon must
/// not run on into a word: ":Dallas" is a colon and a name, and ":/" before
/// another "/" is part of an address.
pub(super) fn emoticon(s: &str) -> usize {
    for &e in EMOTICONS {
        if let Some(rest) = s.strip_prefix(e) {
            let next = rest.chars().next();
            if !next.is_some_and(|c| is_word(c) || (e == ":/" && c == '/')) {
                return e.len();
            }
        }
    }
    0
}
