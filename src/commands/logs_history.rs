//! `ark logs` without `-f`: every app's lines read concurrently (one engine stream each,
//! a few batches buffered per app) and merged by timestamp as they arrive, so memory stays
//! bounded however long the logs are.

use super::shared::log_end::End;
use crate::logs::filter::LineFilter;
use crate::logs::merge::Merge;
use crate::runtime::api::{EngineError, Handle, LogLine, LogOptions, Runtime};
use crate::ui::log_view::LogView;
use futures_util::future::join_all;
use futures_util::StreamExt;
use std::io::Write;
use tokio::sync::mpsc;

/// Lines taken from an engine stream at once (whatever is ready, up to this many).
const BATCH: usize = 1024;
/// Batches buffered per app ahead of the merge.
const AHEAD: usize = 4;

type Batch = Result<Vec<LogLine>, EngineError>;

/// Prints the containers' lines (`ids[i]` is app `i` of `view`) in time order.
pub async fn print(
    runtime: &dyn Runtime,
    ids: &[Handle],
    options: LogOptions,
    filter: &LineFilter,
    view: &LogView,
    out: &mut impl Write,
) -> Result<(), End> {
    let (senders, receivers): (Vec<_>, Vec<_>) =
        ids.iter().map(|_| mpsc::channel::<Batch>(AHEAD)).unzip();
    let readers = join_all(ids.iter().zip(senders).map(|(id, tx)| async move {
        let mut chunks = runtime.logs(id, options).ready_chunks(BATCH);
        while let Some(chunk) = chunks.next().await {
            let batch: Batch = chunk
                .into_iter()
                .filter(|line| line.as_ref().map_or(true, |l| filter.keeps(l)))
                .collect();
            let failed = batch.is_err();
            // A closed channel means the merge stopped (the reader went away).
            if tx.send(batch).await.is_err() || failed {
                return;
            }
        }
    }));
    let merged = async move {
        let mut receivers = receivers;
        let mut merge = Merge::new(receivers.len());
        loop {
            while let Some((app, _, line)) = merge.pop() {
                view.write(out, app, &line)?;
            }
            let Some(app) = merge.waiting_for() else {
                break;
            };
            match receivers[app].recv().await {
                Some(Ok(lines)) => merge.push(app, lines.into_iter().map(|l| (l.ts, l))),
                Some(Err(error)) => return Err(End::from(error)),
                None => merge.finish(app),
            }
        }
        out.flush()?;
        Ok(())
    };
    let interrupted = tokio::signal::ctrl_c();
    tokio::select! {
        (result, _) = async { tokio::join!(merged, readers) } => result,
        _ = interrupted => Ok(()),
    }
}
