//! Revisions: every start that makes an app's instance anew makes a revision of it — a
//! number per app, when, by whom, from which image, and which fields changed (names only,
//! never a value). Recorded in labels like all of ark's state, so any machine that reaches
//! the engine reads the same history. Pure: the numbers, the lineage an instance carries,
//! the history view, what a rollback goes to and what `history: N` trims are decided here.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How many retired revisions of each app are kept when the environment does not say.
pub const DEFAULT_HISTORY: u32 = 3;

/// How many earlier revisions an instance's labels list (its lineage), so that `history`
/// shows the revisions that are gone too; older ones drop off.
pub const LINEAGE_LIMIT: usize = 30;

/// One revision of an app, as its instance's labels record it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub number: u32,
    /// When it was made: RFC 3339, UTC, whole seconds.
    pub at: String,
    /// Who made it: `user@host`.
    pub by: String,
    /// The fields that differ from the revision before ("env LOG_LEVEL", "image"), or what
    /// made it ("rollback to 3"): names only, never a value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
    /// The revision a rollback brought back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_of: Option<u32>,
    /// The environment a promote took it from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promoted_from: Option<String>,
    /// The image reference and id; in a lineage only (an instance's own image is its
    /// engine's to say).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub image: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub image_id: String,
}

/// What a new instance records about its revision: its own, and the revisions before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRevision {
    pub revision: Revision,
    pub lineage: Vec<Revision>,
}

impl Revision {
    /// The revision after every one in `known` (1 when there is none).
    pub fn next_number(known: impl IntoIterator<Item = u32>) -> u32 {
        known.into_iter().max().map_or(1, |n| n.saturating_add(1))
    }
}

/// The plan's reasons ("env LOG_LEVEL changed") as the field names a revision records
/// ("env LOG_LEVEL"): a name that was added or removed says so.
pub fn changed_fields(reasons: &[String]) -> Vec<String> {
    reasons
        .iter()
        .map(|r| r.strip_suffix(" changed").unwrap_or(r).to_owned())
        .collect()
}

/// The lineage a new revision carries: the one it replaces (with its image) first, then
/// what that one carried, newest first, at most `LINEAGE_LIMIT`.
pub fn lineage_after(replaced: Option<&Revision>, replaced_lineage: &[Revision]) -> Vec<Revision> {
    replaced
        .into_iter()
        .chain(replaced_lineage)
        .take(LINEAGE_LIMIT)
        .cloned()
        .collect()
}

/// What one instance of an app says about its revisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptInstance {
    /// `None`: made before revisions existed (counted as revision 1).
    pub revision: Option<Revision>,
    pub lineage: Vec<Revision>,
    /// Holds the app's name (the current revision) rather than being retired.
    pub serving: bool,
    pub image: String,
    pub image_id: String,
}

impl KeptInstance {
    /// Its revision's number: 1 for an instance from before revisions.
    pub fn number(&self) -> u32 {
        self.revision.as_ref().map_or(1, |r| r.number)
    }
}

/// Where a revision of an app is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RevisionState {
    /// It holds the app's name.
    Current,
    /// Kept, stopped, for a rollback.
    Retired,
    /// Made but never ready, so it never served: kept stopped for inspection.
    Failed,
    /// Trimmed by `history:` (or removed): only the lineage remembers it.
    Gone,
}

impl RevisionState {
    pub fn text(self) -> &'static str {
        match self {
            RevisionState::Current => "current",
            RevisionState::Retired => "retired",
            RevisionState::Failed => "failed",
            RevisionState::Gone => "gone",
        }
    }
}

/// One row of an app's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub revision: Revision,
    pub state: RevisionState,
}

/// An app's revisions, newest first, from what its instances' labels record: a revision
/// with an instance is current, retired or failed (newer than the current one and never in
/// its lineage: it never served); one known only from a lineage is gone.
pub fn history_of(instances: &[KeptInstance]) -> Vec<HistoryEntry> {
    let current = instances.iter().find(|i| i.serving);
    let served: Vec<u32> = current
        .map(|c| c.lineage.iter().map(|r| r.number).collect())
        .unwrap_or_default();
    let mut rows: BTreeMap<u32, HistoryEntry> = BTreeMap::new();
    // Lineages first, so an instance's own record (fuller) replaces a lineage's.
    for instance in instances {
        for earlier in &instance.lineage {
            rows.entry(earlier.number).or_insert(HistoryEntry {
                revision: earlier.clone(),
                state: RevisionState::Gone,
            });
        }
    }
    for instance in instances {
        let number = instance.number();
        let mut revision = instance.revision.clone().unwrap_or(Revision {
            number,
            at: String::new(),
            by: String::new(),
            changed: Vec::new(),
            rollback_of: None,
            promoted_from: None,
            image: String::new(),
            image_id: String::new(),
        });
        revision.image = instance.image.clone();
        revision.image_id = instance.image_id.clone();
        let state = if instance.serving {
            RevisionState::Current
        } else if current.is_some() && !served.contains(&number) {
            // Not among what the current one replaced: it never got ready.
            RevisionState::Failed
        } else {
            RevisionState::Retired
        };
        rows.insert(number, HistoryEntry { revision, state });
    }
    rows.into_values().rev().collect()
}

/// Why a rollback cannot go where it was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RollbackRefusal {
    /// No revision before the current one is kept.
    NothingKept,
    /// The revision asked for is the current one.
    IsCurrent(u32),
    /// The revision asked for is not kept (trimmed, or never was); the kept ones.
    Gone { asked: u32, kept: Vec<u32> },
}

/// The revision a rollback brings back: `to`, else the newest kept one older than the
/// current (a failed one never served, so it is no default).
pub fn rollback_target(history: &[HistoryEntry], to: Option<u32>) -> Result<u32, RollbackRefusal> {
    let current = history
        .iter()
        .find(|e| e.state == RevisionState::Current)
        .map(|e| e.revision.number);
    let kept: Vec<u32> = history
        .iter()
        .filter(|e| matches!(e.state, RevisionState::Retired | RevisionState::Failed))
        .map(|e| e.revision.number)
        .collect();
    match to {
        Some(asked) if Some(asked) == current => Err(RollbackRefusal::IsCurrent(asked)),
        Some(asked) if kept.contains(&asked) => Ok(asked),
        Some(asked) => Err(RollbackRefusal::Gone { asked, kept }),
        None => history
            .iter()
            .filter(|e| e.state == RevisionState::Retired)
            .map(|e| e.revision.number)
            .find(|n| current.is_none_or(|c| *n < c))
            .ok_or(RollbackRefusal::NothingKept),
    }
}

/// Which retired instances go so that at most `keep` stay: the oldest. Takes (number,
/// item) pairs of the instances that do not serve.
pub fn beyond_history<T>(mut retired: Vec<(u32, T)>, keep: u32) -> Vec<T> {
    retired.sort_by_key(|(number, _)| std::cmp::Reverse(*number));
    retired
        .into_iter()
        .skip(keep as usize)
        .map(|(_, item)| item)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revision(number: u32, changed: &[&str]) -> Revision {
        Revision {
            number,
            at: format!("2026-12-02T10:00:0{number}Z"),
            by: "ada@laptop".into(),
            changed: changed.iter().map(|c| c.to_string()).collect(),
            rollback_of: None,
            promoted_from: None,
            image: String::new(),
            image_id: String::new(),
        }
    }

    fn instance(number: u32, lineage: &[u32], serving: bool) -> KeptInstance {
        KeptInstance {
            revision: Some(revision(number, &[])),
            lineage: lineage.iter().map(|n| revision(*n, &[])).collect(),
            serving,
            image: format!("api:{number}"),
            image_id: format!("sha256:{number}"),
        }
    }

    fn states(history: &[HistoryEntry]) -> Vec<(u32, &'static str)> {
        history
            .iter()
            .map(|e| (e.revision.number, e.state.text()))
            .collect()
    }

    #[test]
    fn numbers_follow_every_known_revision() {
        assert_eq!(Revision::next_number([]), 1);
        assert_eq!(Revision::next_number([3, 1, 7]), 8);
    }

    #[test]
    fn a_revision_records_field_names_never_values() {
        let reasons = [
            "env LOG_LEVEL changed".to_owned(),
            "image changed".to_owned(),
            "env NEW added".to_owned(),
        ];
        assert_eq!(
            changed_fields(&reasons),
            ["env LOG_LEVEL", "image", "env NEW added"]
        );
    }

    #[test]
    fn a_lineage_starts_with_the_replaced_revision_and_is_bounded() {
        let old: Vec<Revision> = (1..=LINEAGE_LIMIT as u32 + 5)
            .rev()
            .map(|n| revision(n, &[]))
            .collect();
        let replaced = revision(99, &[]);
        let lineage = lineage_after(Some(&replaced), &old);
        assert_eq!(lineage.len(), LINEAGE_LIMIT);
        assert_eq!(lineage[0].number, 99);
        assert_eq!(lineage[1].number, LINEAGE_LIMIT as u32 + 5);
        assert!(lineage_after(None, &[]).is_empty());
    }

    #[test]
    fn history_tells_current_retired_failed_and_gone_newest_first() {
        let kept = [
            instance(4, &[3, 2, 1], true),
            instance(3, &[2, 1], false),
            instance(2, &[1], false),
            // Made after 4 and never ready: 4's lineage does not have it.
            instance(5, &[4, 3, 2, 1], false),
        ];
        let history = history_of(&kept);
        assert_eq!(
            states(&history),
            [
                (5, "failed"),
                (4, "current"),
                (3, "retired"),
                (2, "retired"),
                (1, "gone")
            ]
        );
        assert_eq!(history[1].revision.image, "api:4");
    }

    #[test]
    fn an_instance_from_before_revisions_is_revision_one() {
        let legacy = KeptInstance {
            revision: None,
            lineage: vec![],
            serving: true,
            image: "api".into(),
            image_id: "sha256:a".into(),
        };
        assert_eq!(states(&history_of(&[legacy])), [(1, "current")]);
    }

    #[test]
    fn a_rollback_goes_to_the_newest_retired_revision_before_the_current_one() {
        let history = history_of(&[
            instance(4, &[3, 2, 1], true),
            instance(3, &[2, 1], false),
            instance(2, &[1], false),
            instance(5, &[4, 3, 2, 1], false),
        ]);
        assert_eq!(rollback_target(&history, None), Ok(3));
        assert_eq!(rollback_target(&history, Some(2)), Ok(2));
        assert_eq!(
            rollback_target(&history, Some(4)),
            Err(RollbackRefusal::IsCurrent(4))
        );
        assert_eq!(
            rollback_target(&history, Some(1)),
            Err(RollbackRefusal::Gone {
                asked: 1,
                kept: vec![5, 3, 2]
            })
        );
        let alone = history_of(&[instance(1, &[], true)]);
        assert_eq!(
            rollback_target(&alone, None),
            Err(RollbackRefusal::NothingKept)
        );
    }

    #[test]
    fn history_trims_the_oldest_beyond_what_it_keeps() {
        let retired = vec![(2, "b"), (5, "e"), (3, "c"), (4, "d")];
        assert_eq!(beyond_history(retired.clone(), 3), ["b"]);
        assert_eq!(beyond_history(retired.clone(), 0), ["e", "d", "c", "b"]);
        assert!(beyond_history(retired, 10).is_empty());
    }
}
