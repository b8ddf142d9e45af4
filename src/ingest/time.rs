//! Dates: parsing written dates and resolving relative ones against the article date.
//!
//! Output is always ISO: `YYYY-MM-DD`, `YYYY-MM` or `YYYY`. Nothing here
//! guesses a year the text and the publication date do not give.

use super::lexicon::lexicon;

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Year.
    pub y: i32,
    /// Month 1..=12.
    pub m: u32,
    /// Day 1..=31.
    pub d: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD`.
    pub fn from_iso(s: &str) -> Option<Date> {
        let mut it = s.split('-');
        let y = it.next()?.parse().ok()?;
        let m = it.next()?.parse().ok()?;
        let d = it.next()?.parse().ok()?;
        (it.next().is_none() && valid(y, m, d)).then_some(Date { y, m, d })
    }

    /// `YYYY-MM-DD`.
    pub fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.y, self.m, self.d)
    }

    /// Days since 1970-01-01 (proleptic Gregorian).
    fn days(self) -> i64 {
        let (y, m) = if self.m <= 2 {
            (self.y as i64 - 1, self.m as i64 + 9)
        } else {
            (self.y as i64, self.m as i64 - 3)
        };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * m + 2) / 5 + self.d as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    fn from_days(z: i64) -> Date {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
        Date { y, m, d }
    }

    /// Monday = 0.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday (3).
        ((self.days() + 3).rem_euclid(7)) as u32
    }

    /// The date `n` days later (or earlier, for negative `n`).
    pub fn add_days(self, n: i64) -> Date {
        Date::from_days(self.days() + n)
    }
}

fn valid(y: i32, m: u32, d: u32) -> bool {
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (1000..=2999).contains(&y) && (1..=12).contains(&m) && (1..=days).contains(&d)
}

/// `2023-03-02` → itself, checked.
pub fn parse_iso(s: &str) -> Option<String> {
    Date::from_iso(s.trim()).map(Date::iso)
}

/// A line that is only a date: "Monday, June 5, 2023", "5 June 2023", "June 5, 2023".
pub fn parse_full_date(line: &str) -> Option<String> {
    let words: Vec<String> = line
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_end_matches('.').to_lowercase())
        .collect();
    let lex = lexicon();
    let rest: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .skip_while(|w| lex.weekdays.contains_key(w))
        .collect();
    let (m, d, y) = match rest.as_slice() {
        [a, b, c] if lex.months.contains_key(a) => {
            (lex.months[a], b.parse().ok()?, c.parse().ok()?)
        }
        [a, b, c] if lex.months.contains_key(b) => {
            (lex.months[b], a.parse().ok()?, c.parse().ok()?)
        }
        _ => return parse_iso(line),
    };
    valid(y, m, d).then(|| Date { y, m, d }.iso())
}

/// Resolves the time expression starting at `words[i]` (lower-case words of a sentence).
///
/// Returns the ISO value and how many words it used. `published` anchors
/// relative expressions; without it, only expressions that give a year resolve.
pub fn resolve_at(words: &[&str], i: usize, published: Option<Date>) -> Option<(String, usize)> {
    let lex = lexicon();
    let w = |k: usize| words.get(k).copied().unwrap_or("");
    let num = |s: &str| -> Option<u32> { s.trim_end_matches([',', '.']).parse().ok() };
    let year = |s: &str| -> Option<i32> {
        let y: i32 = s.trim_end_matches([',', '.']).parse().ok()?;
        (1000..=2999).contains(&y).then_some(y)
    };
    let month = |s: &str| lex.months.get(s.trim_end_matches('.')).copied();
    let first = w(i);
    // "last July", "last year", "this week" style.
    if first == "last" || first == "next" || first == "this" {
        let p = published?;
        let next = w(i + 1);
        if let Some(m) = month(next) {
            let y = match first {
                "last" => p.y - 1,
                "next" => p.y + i32::from(m <= p.m),
                _ => p.y,
            };
            return Some((format!("{y:04}-{m:02}"), 2));
        }
        if next == "year" {
            let y = match first {
                "last" => p.y - 1,
                "next" => p.y + 1,
                _ => p.y,
            };
            return Some((format!("{y:04}"), 2));
        }
        if let Some(&wd) = lex.weekdays.get(next) {
            return Some((weekday_near(p, wd, first == "next").iso(), 2));
        }
        return None;
    }
    if let Some(&wd) = lex.weekdays.get(first) {
        let p = published?;
        return Some((weekday_near(p, wd, false).iso(), 1));
    }
    if first == "yesterday" {
        return Some((published?.add_days(-1).iso(), 1));
    }
    if first == "today" {
        return Some((published?.iso(), 1));
    }
    if let Some(m) = month(first) {
        // "January 2022", "February 24, 2022", "March 2".
        if let Some(y) = year(w(i + 1)) {
            return Some((format!("{y:04}-{m:02}"), 2));
        }
        if let Some(d) = num(w(i + 1)).filter(|d| (1..=31).contains(d)) {
            if let Some(y) = year(w(i + 2)) {
                return valid(y, m, d).then(|| (Date { y, m, d }.iso(), 3));
            }
            let p = published?;
            let y = if m > p.m + 1 { p.y - 1 } else { p.y };
            return valid(y, m, d).then(|| (Date { y, m, d }.iso(), 2));
        }
        // A bare month name ("in May") is also a verb or a name too often; only after "in".
        if i > 0 && words[i - 1] == "in" {
            let p = published?;
            let y = if m > p.m { p.y - 1 } else { p.y };
            return Some((format!("{y:04}-{m:02}"), 1));
        }
        return None;
    }
    // "24 February 2022".
    if let Some(d) = num(first).filter(|d| (1..=31).contains(d))
        && let Some(m) = month(w(i + 1))
    {
        if let Some(y) = year(w(i + 2)) {
            return valid(y, m, d).then(|| (Date { y, m, d }.iso(), 3));
        }
        return None;
    }
    // "in 2022".
    if i > 0 && words[i - 1] == "in" && first.len() == 4 {
        return year(first).map(|y| (format!("{y:04}"), 1));
    }
    None
}

/// The weekday `wd` nearest before (or, with `after`, after) the date `p`, `p` included.
fn weekday_near(p: Date, wd: u32, after: bool) -> Date {
    let cur = p.weekday() as i64;
    let wd = i64::from(wd);
    if after {
        p.add_days((wd - cur).rem_euclid(7).max(1))
    } else {
        p.add_days(-((cur - wd).rem_euclid(7)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_arithmetic() {
        let d = Date::from_iso("2023-03-02").unwrap();
        assert_eq!(d.weekday(), 3, "2023-03-02 was a Thursday");
        assert_eq!(d.add_days(-1).iso(), "2023-03-01");
        assert_eq!(d.add_days(365).iso(), "2024-03-01");
        assert_eq!(Date::from_iso("2023-02-30"), None);
        assert!(Date::from_iso("2024-02-29").is_some());
    }

    #[test]
    fn full_date_lines() {
        assert_eq!(
            parse_full_date("Monday, June 5, 2023").as_deref(),
            Some("2023-06-05")
        );
        assert_eq!(
            parse_full_date("5 June 2023").as_deref(),
            Some("2023-06-05")
        );
        assert_eq!(parse_full_date("Talks in June"), None);
    }

    #[test]
    fn relative_expressions_resolve_against_the_article_date() {
        let p = Date::from_iso("2023-03-02");
        let r = |s: &str| {
            let words: Vec<&str> = s.split(' ').collect();
            resolve_at(&words, 0, p).map(|x| x.0)
        };
        assert_eq!(r("thursday").as_deref(), Some("2023-03-02"));
        assert_eq!(r("wednesday").as_deref(), Some("2023-03-01"));
        assert_eq!(r("last july").as_deref(), Some("2022-07"));
        assert_eq!(r("january 2022").as_deref(), Some("2022-01"));
        assert_eq!(r("february 24, 2022").as_deref(), Some("2022-02-24"));
        assert_eq!(r("march 2").as_deref(), Some("2023-03-02"));
        let words = ["in", "2022"];
        assert_eq!(
            resolve_at(&words, 1, None).map(|x| x.0).as_deref(),
            Some("2022")
        );
        assert_eq!(
            resolve_at(&["thursday"], 0, None),
            None,
            "no anchor, no date"
        );
    }
}
