//! `--since` / `--until` values: a duration ago (`10m`) or an RFC 3339 time. Parsed with the
//! command line (a wrong value is a usage error); made absolute only when the command runs.

use super::timestamp::Timestamp;
use crate::core::duration::parse_duration;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeArg {
    Ago(Duration),
    At(Timestamp),
}

impl TimeArg {
    pub fn parse(text: &str) -> Result<TimeArg, String> {
        if let Some(ts) = Timestamp::parse(text.trim()) {
            return Ok(TimeArg::At(ts));
        }
        parse_duration(text).map(TimeArg::Ago).map_err(|_| {
            format!("`{text}` is neither a duration (10m, 1h30m) nor an RFC 3339 time (2024-05-01T10:00:00Z)")
        })
    }

    pub fn resolve(self, now: Timestamp) -> Timestamp {
        match self {
            TimeArg::Ago(ago) => now.before(ago),
            TimeArg::At(ts) => ts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_times() {
        let now = Timestamp {
            secs: 1000,
            nanos: 0,
        };
        assert_eq!(TimeArg::parse("10m").unwrap().resolve(now).secs, 400);
        assert_eq!(
            TimeArg::parse("1970-01-01T00:00:05Z")
                .unwrap()
                .resolve(now)
                .secs,
            5
        );
        assert!(TimeArg::parse("yesterday")
            .unwrap_err()
            .contains("RFC 3339"));
    }
}
