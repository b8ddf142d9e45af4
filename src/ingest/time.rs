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

/// A time expression read at one place in a sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeExpr {
    /// ISO value; `None` when the words name a time that the article date
    /// cannot fix ("last summer" in an undated article, "last week").
    pub value: Option<String>,
    /// How many words the expression spans.
    pub len: usize,
    /// The wording puts the time weeks or more before the article ("last July",
    /// "last summer", "two years ago"): what happened then is another occasion
    /// than the article's own event, even when the value cannot be resolved.
    pub past: bool,
}

impl TimeExpr {
    fn at(value: Option<String>, len: usize, past: bool) -> Option<TimeExpr> {
        Some(TimeExpr { value, len, past })
    }
}

/// Reads the time expression starting at `words[i]` (lower-case words of a sentence).
///
/// `published` anchors relative expressions; without it, only expressions
/// that give a year resolve, and relative ones that say they lie in the past
/// come back unresolved (so that they are not taken for the article's day).
pub fn expression_at(words: &[&str], i: usize, published: Option<Date>) -> Option<TimeExpr> {
    let lex = lexicon();
    let w = |k: usize| words.get(k).copied().unwrap_or("");
    let num = |s: &str| -> Option<u32> { s.trim_end_matches([',', '.']).parse().ok() };
    let year = |s: &str| -> Option<i32> {
        let y: i32 = s.trim_end_matches([',', '.']).parse().ok()?;
        (1000..=2999).contains(&y).then_some(y)
    };
    let month = |s: &str| lex.months.get(s.trim_end_matches('.')).copied();
    let first = w(i);
    // "last July", "last year", "this week", "last summer" style.
    if first == "last" || first == "next" || first == "this" {
        let past = first == "last";
        let p = published;
        let next = w(i + 1);
        if let Some(m) = month(next) {
            let v = p.map(|p| {
                let y = match first {
                    "last" => p.y - 1,
                    "next" => p.y + i32::from(m <= p.m),
                    _ => p.y,
                };
                format!("{y:04}-{m:02}")
            });
            return TimeExpr::at(v, 2, past);
        }
        if let Some(&start) = lex.seasons.get(next) {
            // A winter spans two years: its year is not the article's to give.
            let v = p.filter(|_| start < 12).map(|p| {
                let y = match first {
                    "last" => p.y - 1,
                    "next" => p.y + i32::from(start <= p.m),
                    _ => p.y,
                };
                format!("{y:04}")
            });
            return TimeExpr::at(v, 2, past);
        }
        if next == "year" {
            let v = p.map(|p| {
                let y = match first {
                    "last" => p.y - 1,
                    "next" => p.y + 1,
                    _ => p.y,
                };
                format!("{y:04}")
            });
            return TimeExpr::at(v, 2, past);
        }
        // A week or a month back is as likely the article's own event as not.
        if next == "month" {
            let v = p.map(|p| {
                let (y, m) = match first {
                    "last" => shift_month(p.y, p.m, -1),
                    "next" => shift_month(p.y, p.m, 1),
                    _ => (p.y, p.m),
                };
                format!("{y:04}-{m:02}")
            });
            return TimeExpr::at(v, 2, false);
        }
        if next == "week" {
            // Monday to Sunday of that week: its month, when it lies in one.
            let v = p.and_then(|p| {
                let shift = match first {
                    "last" => -7,
                    "next" => 7,
                    _ => 0,
                };
                let monday = p.add_days(shift - i64::from(p.weekday()));
                let sunday = monday.add_days(6);
                (monday.m == sunday.m).then(|| format!("{:04}-{:02}", monday.y, monday.m))
            });
            return TimeExpr::at(v, 2, false);
        }
        if let Some(&wd) = lex.weekdays.get(next) {
            // "last Thursday" is as likely the article's own event as any weekday.
            let v = p.map(|p| weekday_near(p, wd, first == "next").iso());
            return TimeExpr::at(v, 2, false);
        }
        return None;
    }
    // "two years ago", "a month ago".
    if w(i + 2) == "ago" {
        let unit = w(i + 1).trim_end_matches('s');
        // Larger numbers are no time of a news event (and would leave the calendar).
        let n = num(first)
            .or_else(|| lex.numbers.get(first).copied())
            .filter(|n| *n <= 1000)
            .map(i64::from);
        let v = match unit {
            "day" => published.zip(n).map(|(p, n)| p.add_days(-n).iso()),
            "month" => published.zip(n).map(|(p, n)| {
                let (y, m) = shift_month(p.y, p.m, -n);
                format!("{y:04}-{m:02}")
            }),
            "year" => published
                .zip(n)
                .map(|(p, n)| format!("{:04}", i64::from(p.y) - n)),
            "week" | "decade" => None,
            _ => return None,
        };
        let in_calendar = |v: &String| v.get(..4).and_then(year).is_some();
        let past = matches!(unit, "month" | "year" | "decade");
        return TimeExpr::at(v.filter(in_calendar), 3, past);
    }
    // A weekday, "yesterday" or "today" is a time even in an undated
    // article ("they met on Thursday"): unresolved, but never a thing.
    if let Some(&wd) = lex.weekdays.get(first) {
        let v = published.map(|p| weekday_near(p, wd, false).iso());
        return TimeExpr::at(v, 1, false);
    }
    if first == "yesterday" {
        return TimeExpr::at(published.map(|p| p.add_days(-1).iso()), 1, false);
    }
    if first == "today" {
        return TimeExpr::at(published.map(|p| p.iso()), 1, false);
    }
    // "early 2022", "late 2021".
    if matches!(first, "early" | "late" | "mid") && i > 0 && words[i - 1] == "in" {
        return year(w(i + 1)).map(|y| TimeExpr {
            value: Some(format!("{y:04}")),
            len: 2,
            past: false,
        });
    }
    if let Some(m) = month(first) {
        // "January 2022", "February 24, 2022", "March 2".
        if let Some(y) = year(w(i + 1)) {
            return TimeExpr::at(Some(format!("{y:04}-{m:02}")), 2, false);
        }
        if let Some(d) = num(w(i + 1)).filter(|d| (1..=31).contains(d)) {
            // The tokenizer gives the comma of "February 24, 2022" a token of its own.
            let (y_at, len) = if w(i + 2) == "," {
                (i + 3, 4)
            } else {
                (i + 2, 3)
            };
            if let Some(y) = year(w(y_at)) {
                return valid(y, m, d).then(|| TimeExpr {
                    value: Some(Date { y, m, d }.iso()),
                    len,
                    past: false,
                });
            }
            let p = published?;
            let y = if m > p.m + 1 { p.y - 1 } else { p.y };
            return valid(y, m, d).then(|| TimeExpr {
                value: Some(Date { y, m, d }.iso()),
                len: 2,
                past: false,
            });
        }
        // A bare month name ("in May") is also a verb or a name too often; only after "in".
        if i > 0 && words[i - 1] == "in" {
            let p = published?;
            let y = if m > p.m { p.y - 1 } else { p.y };
            return TimeExpr::at(Some(format!("{y:04}-{m:02}")), 1, false);
        }
        return None;
    }
    // "24 February 2022".
    if let Some(d) = num(first).filter(|d| (1..=31).contains(d))
        && let Some(m) = month(w(i + 1))
    {
        if let Some(y) = year(w(i + 2)) {
            return valid(y, m, d).then(|| TimeExpr {
                value: Some(Date { y, m, d }.iso()),
                len: 3,
                past: false,
            });
        }
        return None;
    }
    // "in 2022".
    if i > 0 && words[i - 1] == "in" && first.len() == 4 {
        return year(first).map(|y| TimeExpr {
            value: Some(format!("{y:04}")),
            len: 1,
            past: false,
        });
    }
    None
}

/// Year and month `n` months after (or before, for negative `n`) `y`-`m`.
fn shift_month(y: i32, m: u32, n: i64) -> (i32, u32) {
    let total = i64::from(y) * 12 + i64::from(m) - 1 + n;
    (
        total.div_euclid(12) as i32,
        (total.rem_euclid(12) + 1) as u32,
    )
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

    fn resolve(s: &str, p: Option<Date>) -> Option<String> {
        let words: Vec<&str> = s.split(' ').collect();
        expression_at(&words, 0, p).and_then(|x| x.value)
    }

    #[test]
    fn relative_expressions_resolve_against_the_article_date() {
        let p = Date::from_iso("2023-03-02");
        let r = |s: &str| resolve(s, p);
        assert_eq!(r("thursday").as_deref(), Some("2023-03-02"));
        assert_eq!(r("wednesday").as_deref(), Some("2023-03-01"));
        assert_eq!(r("last july").as_deref(), Some("2022-07"));
        assert_eq!(r("january 2022").as_deref(), Some("2022-01"));
        assert_eq!(r("february 24, 2022").as_deref(), Some("2022-02-24"));
        assert_eq!(r("march 2").as_deref(), Some("2023-03-02"));
        let words = ["in", "2022"];
        assert_eq!(
            expression_at(&words, 1, None)
                .and_then(|x| x.value)
                .as_deref(),
            Some("2022")
        );
        assert_eq!(resolve("thursday", None), None, "no anchor, no date");
    }

    #[test]
    fn a_date_whose_comma_is_a_token_resolves() {
        // The tokenizer splits "24, 2022" into "24", ",", "2022".
        let e = expression_at(&["february", "24", ",", "2022"], 0, None).unwrap();
        assert_eq!(e.value.as_deref(), Some("2022-02-24"));
        assert_eq!(e.len, 4);
    }

    #[test]
    fn seasons_months_and_ago_resolve_or_say_they_are_past() {
        let p = Date::from_iso("2023-03-02");
        let e = |s: &str, p: Option<Date>| {
            let words: Vec<&str> = s.split(' ').collect();
            expression_at(&words, 0, p).map(|x| (x.value, x.past))
        };
        let some = |v: &str, past| Some((Some(v.to_string()), past));
        assert_eq!(e("last summer", p), some("2022", true));
        assert_eq!(e("this summer", p), some("2023", false));
        assert_eq!(e("next spring", p), some("2024", false));
        // A winter straddles two years; without a date nothing resolves.
        assert_eq!(e("last winter", p), Some((None, true)));
        assert_eq!(e("last summer", None), Some((None, true)));
        assert_eq!(e("last july", None), Some((None, true)));
        // A week or a month back may be the article's own event.
        assert_eq!(e("last month", p), some("2023-02", false));
        assert_eq!(
            e("last month", Date::from_iso("2023-01-15")),
            some("2022-12", false)
        );
        // The week of 2023-02-20 to 02-26 lies in February; 02-27 to 03-05 does not.
        assert_eq!(e("last week", p), some("2023-02", false));
        assert_eq!(e("this week", p), Some((None, false)));
        assert_eq!(e("two years ago", p), some("2021", true));
        assert_eq!(e("14 months ago", p), some("2022-01", true));
        assert_eq!(e("three days ago", p), some("2023-02-27", false));
        assert_eq!(e("several weeks ago", p), Some((None, false)));
        assert_eq!(e("several months ago", p), Some((None, true)));
        // A weekday, even "last Wednesday", may be the article's own day.
        assert_eq!(e("last wednesday", p), some("2023-03-01", false));
        assert_eq!(e("900 years ago", p), some("1123", true));
        assert_eq!(e("1500 years ago", p), Some((None, true)));
        assert_eq!(e("4000000000 days ago", p), Some((None, false)));
        assert_eq!(e("the ago", p), None);
    }
}
