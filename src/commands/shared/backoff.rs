//! How often a watch tries an engine that went away: soon at first (a restart takes a few
//! seconds), then less and less often, never less than every few seconds, for as long as
//! the user waits.

use std::time::Duration;

/// The pause before the first try.
pub const FIRST_PAUSE: Duration = Duration::from_millis(200);
/// The longest pause between tries.
pub const LONGEST_PAUSE: Duration = Duration::from_secs(5);

/// Pauses between tries: 0.2 s, doubling, at most 5 s.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff { next: FIRST_PAUSE }
    }
}

impl Backoff {
    /// The pause before the next try.
    pub fn next_pause(&mut self) -> Duration {
        let pause = self.next;
        self.next = (pause * 2).min(LONGEST_PAUSE);
        pause
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_from_a_fifth_of_a_second_up_to_five_seconds() {
        let mut backoff = Backoff::default();
        let pauses: Vec<u128> = (0..8).map(|_| backoff.next_pause().as_millis()).collect();
        assert_eq!(pauses, [200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    }
}
