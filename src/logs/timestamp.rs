//! Log timestamps: RFC 3339 with nanoseconds, as engines stamp each line. Parsed into a
//! sortable value (the merge orders by it; following resumes after it) and written back in
//! one fixed form so `-t` and `-o json` look the same whatever offset the engine used.

use std::fmt;

/// A point in time, to the nanosecond, in UTC. Orders chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    pub secs: i64,
    pub nanos: u32,
}

impl Timestamp {
    pub fn now() -> Timestamp {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp {
            secs: i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX),
            nanos: since_epoch.subsec_nanos(),
        }
    }

    /// This point minus `ago` (saturating at the epoch).
    pub fn before(self, ago: std::time::Duration) -> Timestamp {
        let total = i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos)
            - i128::try_from(ago.as_nanos()).unwrap_or(i128::MAX / 2);
        let total = total.max(0);
        Timestamp {
            secs: i64::try_from(total / 1_000_000_000).unwrap_or(0),
            nanos: u32::try_from(total % 1_000_000_000).unwrap_or(0),
        }
    }

    /// Parses the RFC 3339 time at the start of `text`: the time and how many bytes it took.
    /// Accepts `Z` or `±hh:mm`, and 0 to 9 fraction digits.
    pub fn parse_prefix(text: &[u8]) -> Option<(Timestamp, usize)> {
        let digits = |at: usize, n: usize| -> Option<i64> {
            let part = text.get(at..at + n)?;
            part.iter().try_fold(0_i64, |acc, b| {
                b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
            })
        };
        let sep = |at: usize, expected: &[u8]| text.get(at).is_some_and(|b| expected.contains(b));
        if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt") && sep(13, b":") && sep(16, b":")) {
            return None;
        }
        let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
        let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
        if !(1..=12).contains(&month)
            || !(1..=31).contains(&day)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return None;
        }
        let mut at = 19;
        let mut nanos = 0_u32;
        if sep(at, b".") {
            at += 1;
            let start = at;
            while text.get(at).is_some_and(u8::is_ascii_digit) {
                if at - start < 9 {
                    nanos = nanos * 10 + u32::from(text[at] - b'0');
                }
                at += 1;
            }
            if at == start {
                return None;
            }
            for _ in (at - start)..9 {
                nanos *= 10;
            }
        }
        let offset = match text.get(at)? {
            b'Z' | b'z' => {
                at += 1;
                0
            }
            sign @ (b'+' | b'-') => {
                if !sep(at + 3, b":") {
                    return None;
                }
                let minutes = digits(at + 1, 2)? * 60 + digits(at + 4, 2)?;
                at += 6;
                if *sign == b'+' {
                    minutes * 60
                } else {
                    -minutes * 60
                }
            }
            _ => return None,
        };
        let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
            - offset;
        Some((Timestamp { secs, nanos }, at))
    }

    /// The whole of `text` as an RFC 3339 time.
    pub fn parse(text: &str) -> Option<Timestamp> {
        match Timestamp::parse_prefix(text.as_bytes()) {
            Some((ts, used)) if used == text.len() => Some(ts),
            _ => None,
        }
    }
}

/// `2024-05-01T10:00:00.123456789Z`: always UTC and nine fraction digits, so the text sorts
/// like the time.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.secs.div_euclid(86_400);
        let rest = self.secs.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:09}Z",
            rest / 3600,
            rest % 3600 / 60,
            rest % 60,
            self.nanos
        )
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of `days_from_civil`.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_timestamps_parse_and_print_back() {
        let text = "2024-05-01T10:00:00.123456789Z";
        let (ts, used) = Timestamp::parse_prefix(format!("{text} out 1").as_bytes()).unwrap();
        assert_eq!(used, text.len());
        assert_eq!(
            ts,
            Timestamp {
                secs: 1_714_557_600,
                nanos: 123_456_789
            }
        );
        assert_eq!(ts.to_string(), text);
    }

    #[test]
    fn fractions_offsets_and_garbage() {
        let cases: [(&str, Option<(i64, u32)>); 9] = [
            ("1970-01-01T00:00:00Z", Some((0, 0))),
            ("1970-01-01T00:00:01.5Z", Some((1, 500_000_000))),
            ("1970-01-01T01:00:00+01:00", Some((0, 0))),
            ("1969-12-31T23:59:59-00:00", Some((-1, 0))),
            ("2000-02-29T12:00:00.000000001Z", Some((951_825_600, 1))),
            (
                "2024-05-01T10:00:00.1234567891Z",
                Some((1_714_557_600, 123_456_789)),
            ),
            ("2024-05-01 10:00:00Z", None),
            ("2024-05-01T10:00:00", None),
            ("out 1", None),
        ];
        for (text, expected) in cases {
            let got = Timestamp::parse(text).map(|t| (t.secs, t.nanos));
            assert_eq!(got, expected, "{text}");
        }
    }

    #[test]
    fn order_is_chronological_and_text_round_trips() {
        let a = Timestamp::parse("2024-05-01T10:00:00.000000002Z").unwrap();
        let b = Timestamp::parse("2024-05-01T10:00:00.00000001Z").unwrap();
        assert!(a < b);
        for secs in [0, 86_399, 951_825_600, 4_102_444_800] {
            let ts = Timestamp { secs, nanos: 7 };
            assert_eq!(Timestamp::parse(&ts.to_string()), Some(ts));
        }
        let now = Timestamp {
            secs: 100,
            nanos: 0,
        };
        assert_eq!(
            now.before(std::time::Duration::from_millis(1500)),
            Timestamp {
                secs: 98,
                nanos: 500_000_000
            }
        );
    }
}
