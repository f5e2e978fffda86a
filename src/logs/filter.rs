//! Which lines `ark logs` shows: the exact `--since`/`--until` window (the engine only
//! filters to the second) and `--grep`.

use super::timestamp::Timestamp;
use crate::logs::line::LogLine;
use regex::bytes::Regex;

#[derive(Debug, Default)]
pub struct LineFilter {
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Matched against the raw bytes, so a line that is not UTF-8 can still match.
    pub grep: Option<Regex>,
}

impl LineFilter {
    pub fn keeps(&self, line: &LogLine) -> bool {
        self.since.is_none_or(|since| line.ts >= since)
            && self.until.is_none_or(|until| line.ts < until)
            && self.grep.as_ref().is_none_or(|re| re.is_match(&line.text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::line::Output;

    #[test]
    fn window_is_half_open_and_grep_sees_bytes() {
        let at = |secs| Timestamp { secs, nanos: 0 };
        let line = |secs, text: &[u8]| LogLine {
            ts: at(secs),
            output: Output::Stdout,
            text: text.to_vec(),
        };
        let filter = LineFilter {
            since: Some(at(10)),
            until: Some(at(20)),
            grep: Some(Regex::new("^out [0-9]+$").unwrap()),
        };
        assert!(filter.keeps(&line(10, b"out 7")));
        assert!(!filter.keeps(&line(9, b"out 7")));
        assert!(!filter.keeps(&line(20, b"out 7")));
        assert!(!filter.keeps(&line(15, b"err 7")));
        assert!(LineFilter::default().keeps(&line(0, b"\xff\xfe")));
    }
}
