//! The long-lived streams of a container: its output, line by line, and its usage, about
//! once a second (one request each, not one per reading).

use super::engine::DockerRuntime;
use super::log_lines::LineAssembler;
use super::request::{failed, Request};
use super::stats;
use crate::runtime::api::{Endpoint, LogLine, LogLines, LogOptions, Output, UsageStream};
use bollard::container::LogOutput;
use bollard::query_parameters as q;
use futures_util::StreamExt;
use std::collections::VecDeque;

impl DockerRuntime {
    pub(in crate::runtime) fn usage_stream(&self, id: &str) -> UsageStream {
        let options = q::StatsOptions {
            stream: true,
            one_shot: false,
        };
        // A watch lasts as long as the user likes: no short request timeout. When the long
        // one ends the stream, the caller's next look at the containers opens a new one.
        // The first reading of a stream has no previous one to measure CPU against
        // (API 1.41): a CPU % from it would be a made-up 0, so it is not handed up.
        let endpoint = self.endpoint.clone();
        self.patient()
            .stats(id, Some(options))
            .filter_map(move |item| {
                let endpoint = endpoint.clone();
                async move {
                    match item {
                        Ok(stats) => {
                            let sample = stats::sample_from(&stats);
                            stats::has_cpu_baseline(&sample).then(|| Ok(stats::usage_of(&sample)))
                        }
                        Err(e) => Some(Err(failed(&endpoint, Request::Stats, e))),
                    }
                }
            })
            .boxed_local()
    }

    pub(in crate::runtime) fn log_stream(&self, id: &str, options: LogOptions) -> LogLines<'_> {
        // A follow stream stays open for as long as the container runs.
        let frames = self.patient().logs(id, Some(log_query(&options)));
        lines_from(frames, &self.endpoint)
    }
}

/// The engine's query for `options`. The engine takes whole seconds: ask from the second
/// before and until the second after; the caller drops what lies outside the exact times.
pub(in crate::runtime) fn log_query(options: &LogOptions) -> q::LogsOptions {
    let seconds = |ts: Option<crate::logs::timestamp::Timestamp>, round_up: bool| {
        ts.map_or(0, |t| {
            let secs = if round_up && t.nanos > 0 {
                t.secs + 1
            } else {
                t.secs
            };
            i32::try_from(secs.max(1)).unwrap_or(i32::MAX)
        })
    };
    q::LogsOptions {
        follow: options.follow,
        stdout: true,
        stderr: true,
        since: seconds(options.since, false),
        until: seconds(options.until, true),
        timestamps: true,
        tail: options
            .tail
            .map_or_else(|| "all".to_owned(), |n| n.to_string()),
    }
}

/// An engine's output frames (a container's or a Swarm task's) as whole lines, in order.
pub(in crate::runtime) fn lines_from<'a, S>(frames: S, endpoint: &'a Endpoint) -> LogLines<'a>
where
    S: futures_util::Stream<Item = Result<LogOutput, bollard::errors::Error>> + Unpin + 'a,
{
    let state = (frames, LineAssembler::default(), VecDeque::new(), false);
    futures_util::stream::unfold(
        state,
        move |(mut frames, mut lines, mut ready, mut ended)| async move {
            loop {
                if let Some(line) = ready.pop_front() {
                    return Some((Ok(line), (frames, lines, ready, ended)));
                }
                if ended {
                    return None;
                }
                let mut emit = |line: LogLine| ready.push_back(line);
                match frames.next().await {
                    Some(Ok(LogOutput::StdOut { message } | LogOutput::Console { message })) => {
                        lines.push(Output::Stdout, &message, &mut emit);
                    }
                    Some(Ok(LogOutput::StdErr { message })) => {
                        lines.push(Output::Stderr, &message, &mut emit);
                    }
                    Some(Ok(LogOutput::StdIn { .. })) => {}
                    Some(Err(error)) => {
                        ended = true;
                        return Some((
                            Err(failed(endpoint, Request::FollowLogs, error)),
                            (frames, lines, ready, ended),
                        ));
                    }
                    None => {
                        lines.finish(&mut emit);
                        ended = true;
                    }
                }
            }
        },
    )
    .boxed_local()
}
