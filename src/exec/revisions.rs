//! The revision each new instance records, and the trimming of retired ones to the
//! environment's `history:`: what the executor (and rollback, and promote) do around the
//! engine's calls. The rules are `core::revision`'s; here they meet the clock and the engine.

use crate::core::revision::{self, KeptInstance, NewRevision, Revision, RevisionState};
use crate::logs::timestamp::Timestamp;
use crate::runtime::api::{EngineError, Instance, Runtime};
use std::collections::BTreeMap;

/// Revision details that are not the plan's: who, and where numbering goes on from.
pub struct Making<'a> {
    /// `user@host`.
    pub by: &'a str,
    /// The instance that holds the app's name now, if any.
    pub current: Option<&'a Instance>,
    /// The app's other instances (retired revisions, or new ones that never got ready).
    pub kept: &'a [Instance],
}

impl Making<'_> {
    /// The next revision: numbered after every one known (kept, current, or remembered in
    /// their lineages), carrying the current one in its lineage.
    pub fn next(&self, changed: Vec<String>, rollback_of: Option<u32>) -> NewRevision {
        let known = self.current.into_iter().chain(self.kept).flat_map(|i| {
            std::iter::once(i.revision_number()).chain(i.lineage.iter().map(|r| r.number))
        });
        let replaced = self.current.map(|c| Revision {
            image: c.image.clone(),
            image_id: c.image_id.clone(),
            ..c.revision.clone().unwrap_or_else(|| legacy_revision(c))
        });
        let lineage = revision::lineage_after(
            replaced.as_ref(),
            self.current.map_or(&[][..], |c| &c.lineage),
        );
        NewRevision {
            revision: Revision {
                number: Revision::next_number(known),
                at: now_in_seconds(),
                by: self.by.to_owned(),
                changed,
                rollback_of,
                promoted_from: None,
                image: String::new(),
                image_id: String::new(),
            },
            lineage,
        }
    }
}

/// What an instance from before revisions is recorded as: revision 1, made when it was.
fn legacy_revision(instance: &Instance) -> Revision {
    Revision {
        number: 1,
        at: if instance.created > 0 {
            seconds_text(Timestamp {
                secs: instance.created,
                nanos: 0,
            })
        } else {
            String::new()
        },
        by: String::new(),
        changed: Vec::new(),
        rollback_of: None,
        promoted_from: None,
        image: String::new(),
        image_id: String::new(),
    }
}

/// Now, RFC 3339 in UTC to the second: `2026-12-02T10:00:00Z`.
pub fn now_in_seconds() -> String {
    seconds_text(Timestamp::now())
}

fn seconds_text(at: Timestamp) -> String {
    let full = at.to_string();
    match full.split_once('.') {
        Some((seconds, _)) => format!("{seconds}Z"),
        None => full,
    }
}

/// After a start that made a new revision: removes the app's retired revisions beyond the
/// `keep` newest, and the revisions that never got ready (kept for inspection until a
/// start succeeds), so failed attempts never push out a revision to go back to. How many
/// went.
pub async fn trim(
    runtime: &dyn Runtime,
    environment: &str,
    app: &str,
    keep: u32,
) -> Result<usize, EngineError> {
    let all = runtime.revisions(environment, Some(app)).await?;
    let kept: Vec<KeptInstance> = all.iter().map(kept_of).collect();
    let states: BTreeMap<u32, RevisionState> = revision::history_of(&kept)
        .into_iter()
        .map(|e| (e.revision.number, e.state))
        .collect();
    let stopped = || all.iter().filter(|i| !i.serving && !i.is_running());
    let retired: Vec<(u32, &Instance)> = stopped()
        .filter(|i| states.get(&i.revision_number()) == Some(&RevisionState::Retired))
        .map(|i| (i.revision_number(), i))
        .collect();
    let failed =
        stopped().filter(|i| states.get(&i.revision_number()) == Some(&RevisionState::Failed));
    let going: Vec<&Instance> = revision::beyond_history(retired, keep)
        .into_iter()
        .chain(failed)
        .collect();
    for instance in &going {
        runtime.remove(&instance.handle).await?;
    }
    Ok(going.len())
}

/// What the history needs of an instance.
pub fn kept_of(instance: &Instance) -> KeptInstance {
    KeptInstance {
        revision: instance.revision.clone(),
        lineage: instance.lineage.clone(),
        serving: instance.serving,
        image: instance.image.clone(),
        image_id: instance.image_id.clone(),
    }
}
