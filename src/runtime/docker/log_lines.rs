//! Docker's log frames → whole lines. With `timestamps`, the engine prefixes every message
//! with `RFC3339Nano ` and sends one message per frame; a line longer than the log driver's
//! buffer (16 KiB) arrives as several messages, each with its own prefix and only the last
//! ending in a newline. This joins them back, per stream, keeping the first piece's time.

use crate::logs::timestamp::Timestamp;
use crate::runtime::api::{LogLine, Output};

#[derive(Default)]
struct Pending {
    text: Vec<u8>,
    /// Set once the current line's first piece arrived.
    ts: Option<Timestamp>,
    /// For a line the engine did not stamp (should not happen): the stream's last time.
    last: Timestamp,
}

#[derive(Default)]
pub struct LineAssembler {
    stdout: Pending,
    stderr: Pending,
}

impl LineAssembler {
    /// Adds one frame of `output`; calls `emit` with each line it completes.
    pub fn push(&mut self, output: Output, frame: &[u8], emit: &mut impl FnMut(LogLine)) {
        let pending = match output {
            Output::Stdout => &mut self.stdout,
            Output::Stderr => &mut self.stderr,
        };
        let mut rest = frame;
        while !rest.is_empty() {
            // Every piece the engine sends starts with its time; a continuation's is dropped.
            if let Some((ts, used)) = Timestamp::parse_prefix(rest) {
                if rest.get(used) == Some(&b' ') {
                    pending.ts.get_or_insert(ts);
                    rest = &rest[used + 1..];
                }
            }
            match rest.iter().position(|b| *b == b'\n') {
                Some(end) => {
                    let text = if pending.text.is_empty() {
                        rest[..end].to_vec()
                    } else {
                        pending.text.extend_from_slice(&rest[..end]);
                        std::mem::take(&mut pending.text)
                    };
                    emit(pending.line(output, text));
                    rest = &rest[end + 1..];
                }
                None => {
                    pending.text.extend_from_slice(rest);
                    pending.ts.get_or_insert(pending.last);
                    break;
                }
            }
        }
    }

    /// The stream ended: a last line without a newline is still a line.
    pub fn finish(&mut self, emit: &mut impl FnMut(LogLine)) {
        for (output, pending) in [
            (Output::Stdout, &mut self.stdout),
            (Output::Stderr, &mut self.stderr),
        ] {
            if pending.ts.is_some() || !pending.text.is_empty() {
                let text = std::mem::take(&mut pending.text);
                emit(pending.line(output, text));
            }
        }
    }
}

impl Pending {
    fn line(&mut self, output: Output, text: Vec<u8>) -> LogLine {
        let ts = self.ts.take().unwrap_or(self.last);
        self.last = ts;
        LogLine { ts, output, text }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(frames: &[(Output, &str)]) -> Vec<(u32, Output, String)> {
        let mut assembler = LineAssembler::default();
        let mut out = Vec::new();
        let mut emit =
            |l: LogLine| out.push((l.ts.nanos, l.output, String::from_utf8(l.text).unwrap()));
        for (output, frame) in frames {
            assembler.push(*output, frame.as_bytes(), &mut emit);
        }
        assembler.finish(&mut emit);
        out
    }

    const T1: &str = "2024-05-01T10:00:00.000000001Z";
    const T2: &str = "2024-05-01T10:00:00.000000002Z";
    const T3: &str = "2024-05-01T10:00:00.000000003Z";

    #[test]
    fn one_line_per_frame_with_its_time() {
        let got = lines(&[
            (Output::Stdout, &format!("{T1} out 1\n")),
            (Output::Stderr, &format!("{T2} err 1\n")),
        ]);
        assert_eq!(
            got,
            [
                (1, Output::Stdout, "out 1".into()),
                (2, Output::Stderr, "err 1".into())
            ]
        );
    }

    #[test]
    fn a_split_long_line_is_joined_per_stream_with_its_first_time() {
        let got = lines(&[
            (Output::Stdout, &format!("{T1} aaaa")),
            (Output::Stderr, &format!("{T2} err\n")),
            (Output::Stdout, &format!("{T3} bbbb\n")),
        ]);
        assert_eq!(
            got,
            [
                (2, Output::Stderr, "err".into()),
                (1, Output::Stdout, "aaaabbbb".into())
            ]
        );
    }

    #[test]
    fn several_lines_in_a_frame_an_unterminated_end_and_empty_lines() {
        let got = lines(&[(Output::Stdout, &format!("{T1} a\n{T2} \n{T3} c"))]);
        assert_eq!(
            got,
            [
                (1, Output::Stdout, "a".into()),
                (2, Output::Stdout, String::new()),
                (3, Output::Stdout, "c".into())
            ]
        );
    }

    #[test]
    fn text_that_looks_like_a_time_is_kept() {
        let got = lines(&[(Output::Stdout, &format!("{T1} {T2} x\n"))]);
        assert_eq!(got, [(1, Output::Stdout, format!("{T2} x"))]);
    }
}
