//! The k-way merge of several apps' lines by timestamp, as a streaming state machine: lines
//! go in per source as they arrive; a line comes out only once it is certainly the earliest,
//! i.e. every source that may still send has something queued. A source's own lines keep
//! their order even if its timestamps do not (stdout and stderr are stamped by separate
//! readers in the engine), and equal timestamps come out in source order, so the output is
//! deterministic.

use super::timestamp::Timestamp;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

pub struct Merge<T> {
    queues: Vec<VecDeque<(Timestamp, T)>>,
    open: Vec<bool>,
    /// The head of every non-empty queue.
    heads: BinaryHeap<Reverse<(Timestamp, usize)>>,
    /// Open sources with an empty queue: while any exists, nothing can come out.
    starved: usize,
}

impl<T> Merge<T> {
    pub fn new(sources: usize) -> Merge<T> {
        Merge {
            queues: (0..sources).map(|_| VecDeque::new()).collect(),
            open: vec![true; sources],
            heads: BinaryHeap::with_capacity(sources),
            starved: sources,
        }
    }

    /// Queues `source`'s next lines, in its own order.
    pub fn push(&mut self, source: usize, lines: impl IntoIterator<Item = (Timestamp, T)>) {
        let queue = &mut self.queues[source];
        let was_empty = queue.is_empty();
        queue.extend(lines);
        if was_empty {
            if let Some((ts, _)) = queue.front() {
                self.heads.push(Reverse((*ts, source)));
                if self.open[source] {
                    self.starved -= 1;
                }
            }
        }
    }

    /// `source` sends nothing more.
    pub fn finish(&mut self, source: usize) {
        if self.open[source] {
            self.open[source] = false;
            if self.queues[source].is_empty() {
                self.starved -= 1;
            }
        }
    }

    /// A source that must send (or finish) before anything more can come out.
    pub fn waiting_for(&self) -> Option<usize> {
        if self.starved == 0 {
            return None;
        }
        (0..self.queues.len()).find(|&i| self.open[i] && self.queues[i].is_empty())
    }

    /// The earliest line, when it is certain; `None` when a source must send first, or when
    /// everything is out.
    pub fn pop(&mut self) -> Option<(usize, Timestamp, T)> {
        if self.starved > 0 {
            return None;
        }
        let Reverse((_, source)) = self.heads.pop()?;
        let queue = &mut self.queues[source];
        let (ts, item) = queue.pop_front()?;
        match queue.front() {
            Some((next, _)) => self.heads.push(Reverse((*next, source))),
            None if self.open[source] => self.starved += 1,
            None => {}
        }
        Some((source, ts, item))
    }

    /// Whether every source finished and every line came out.
    pub fn is_done(&self) -> bool {
        self.heads.is_empty() && self.open.iter().all(|open| !open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(secs: i64) -> Timestamp {
        Timestamp { secs, nanos: 0 }
    }

    /// Feeds each source's lines in chunks of `chunk`, always to the source the merge waits
    /// for, and returns the output as `source:label`.
    fn run(sources: &[Vec<(i64, &'static str)>], chunk: usize) -> Vec<String> {
        let mut merge = Merge::new(sources.len());
        let mut fed = vec![0; sources.len()];
        let mut out = Vec::new();
        loop {
            while let Some((source, _, label)) = merge.pop() {
                out.push(format!("{source}:{label}"));
            }
            let Some(source) = merge.waiting_for() else {
                assert!(merge.is_done());
                return out;
            };
            let lines = &sources[source];
            if fed[source] == lines.len() {
                merge.finish(source);
            } else {
                let end = (fed[source] + chunk).min(lines.len());
                merge.push(
                    source,
                    lines[fed[source]..end].iter().map(|(s, l)| (ts(*s), *l)),
                );
                fed[source] = end;
            }
        }
    }

    #[test]
    fn interleaves_by_time_whatever_the_chunking() {
        let sources = vec![
            vec![(1, "a1"), (4, "a4"), (6, "a6")],
            vec![(2, "b2"), (3, "b3"), (7, "b7")],
            vec![(5, "c5")],
        ];
        let expected = ["0:a1", "1:b2", "1:b3", "0:a4", "2:c5", "0:a6", "1:b7"];
        for chunk in [1, 2, 10] {
            assert_eq!(run(&sources, chunk), expected, "chunk {chunk}");
        }
    }

    #[test]
    fn a_source_keeps_its_own_order_and_ties_go_by_source() {
        // Source 0's stderr line is stamped earlier than the stdout line before it.
        let sources = vec![
            vec![(3, "out"), (2, "err"), (5, "late")],
            vec![(3, "b3"), (4, "b4")],
        ];
        assert_eq!(
            run(&sources, 1),
            ["0:out", "0:err", "1:b3", "1:b4", "0:late"]
        );
    }

    #[test]
    fn empty_and_absent_sources() {
        assert!(run(&[], 1).is_empty());
        assert_eq!(run(&[vec![], vec![(1, "x")], vec![]], 3), ["1:x"]);
    }

    #[test]
    fn nothing_comes_out_while_a_source_may_still_send_earlier_lines() {
        let mut merge = Merge::new(2);
        merge.push(0, [(ts(5), "a5")]);
        assert!(merge.pop().is_none());
        assert_eq!(merge.waiting_for(), Some(1));
        merge.push(1, [(ts(1), "b1")]);
        assert_eq!(merge.pop().map(|(s, _, l)| (s, l)), Some((1, "b1")));
        assert!(merge.pop().is_none());
        merge.finish(1);
        assert_eq!(merge.pop().map(|(s, _, l)| (s, l)), Some((0, "a5")));
    }
}
