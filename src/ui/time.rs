//! Times as text: RFC 3339 in UTC (the calendar arithmetic lives in `logs::timestamp`).

use crate::logs::timestamp::Timestamp;
use std::time::{SystemTime, UNIX_EPOCH};

/// Now, as `2026-11-22T14:30:51.123456789Z`.
pub fn now_rfc3339() -> String {
    Timestamp::now().to_string()
}

/// Unix seconds (+ nanoseconds) as RFC 3339 UTC with nanoseconds.
pub fn rfc3339(secs: i64, nanos: u32) -> String {
    Timestamp { secs, nanos }.to_string()
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(rfc3339(1_709_251_200, 5), "2024-03-01T00:00:00.000000005Z");
        assert_eq!(rfc3339(951_782_400, 0), "2000-02-29T00:00:00.000000000Z");
    }
}
