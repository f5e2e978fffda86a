//! `ark history`'s table and JSON: each app's revisions, newest first. Deterministic (no
//! clock, no colour), so tests compare the text.

use crate::core::revision::{HistoryEntry, Revision};
use crate::ui::table::Table;
use serde_json::{json, Value};

/// One app's history, as `core::revision::history_of` made it.
pub struct AppHistory {
    pub app: String,
    pub entries: Vec<HistoryEntry>,
}

pub fn render_table(histories: &[AppHistory]) -> String {
    let mut table = Table::new(["APP", "REV", "AT", "BY", "IMAGE", "CHANGED", "STATE"]);
    for history in histories {
        for entry in &history.entries {
            let revision = &entry.revision;
            table.row(vec![
                history.app.clone(),
                revision.number.to_string(),
                or_dash(&revision.at),
                or_dash(&revision.by),
                image_text(revision),
                changed_text(revision),
                entry.state.text().to_owned(),
            ]);
        }
    }
    table.render()
}

/// `{"environment", "apps": [{"app", "revisions": [{"revision", "state", "at", "by",
/// "image", "image_id", "digest", "changed", "rollback_of", "promoted_from"}]}]}`, newest
/// revision first: the README documents the shape.
pub fn render_json(environment: &str, histories: &[AppHistory]) -> Value {
    json!({
        "environment": environment,
        "apps": histories.iter().map(|h| json!({
            "app": h.app,
            "revisions": h.entries.iter().map(|e| {
                let r = &e.revision;
                json!({
                    "revision": r.number,
                    "state": e.state.text(),
                    "at": none_if_empty(&r.at),
                    "by": none_if_empty(&r.by),
                    "image": none_if_empty(&r.image),
                    "image_id": none_if_empty(&r.image_id),
                    "digest": digest_of(&r.image),
                    "changed": r.changed,
                    "rollback_of": r.rollback_of,
                    "promoted_from": r.promoted_from,
                })
            }).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// What a revision changed, in a cell: its fields, or what made it.
fn changed_text(revision: &Revision) -> String {
    if revision.changed.is_empty() {
        if revision.number == 1 {
            "(first)".into()
        } else {
            "-".into()
        }
    } else {
        revision.changed.join(", ")
    }
}

/// `web:1 (3f2a9c1b7d4e)`: the reference, and the short id it was.
fn image_text(revision: &Revision) -> String {
    let short = revision
        .image_id
        .trim_start_matches("sha256:")
        .get(..12)
        .unwrap_or_default();
    match (revision.image.as_str(), short) {
        ("", "") => "-".into(),
        (image, "") => image.to_owned(),
        ("", short) => short.to_owned(),
        (image, short) => format!("{image} ({short})"),
    }
}

/// A reference pinned by digest (`name@sha256:…`) says its digest.
fn digest_of(image: &str) -> Option<&str> {
    image.split_once('@').map(|(_, digest)| digest)
}

fn or_dash(text: &str) -> String {
    if text.is_empty() {
        "-".into()
    } else {
        text.to_owned()
    }
}

fn none_if_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::revision::RevisionState;

    fn entry(number: u32, changed: &[&str], state: RevisionState) -> HistoryEntry {
        HistoryEntry {
            revision: Revision {
                number,
                at: format!("2026-12-02T10:0{number}:00Z"),
                by: "ada@laptop".into(),
                changed: changed.iter().map(|c| c.to_string()).collect(),
                rollback_of: None,
                promoted_from: None,
                image: "web:1".into(),
                image_id: format!("sha256:{number}0f828dc1cce15bcaf067"),
            },
            state,
        }
    }

    fn web() -> Vec<AppHistory> {
        vec![AppHistory {
            app: "web".into(),
            entries: vec![
                entry(3, &["rollback to 1"], RevisionState::Current),
                entry(2, &["env LOG_LEVEL", "image"], RevisionState::Retired),
                entry(1, &[], RevisionState::Gone),
            ],
        }]
    }

    #[test]
    fn the_table_has_a_row_per_revision_newest_first() {
        insta::assert_snapshot!(render_table(&web()), @r"
        APP  REV  AT                    BY          IMAGE                 CHANGED               STATE
        web  3    2026-12-02T10:03:00Z  ada@laptop  web:1 (30f828dc1cce)  rollback to 1         current
        web  2    2026-12-02T10:02:00Z  ada@laptop  web:1 (20f828dc1cce)  env LOG_LEVEL, image  retired
        web  1    2026-12-02T10:01:00Z  ada@laptop  web:1 (10f828dc1cce)  (first)               gone
        ");
    }

    #[test]
    fn the_json_names_every_field() {
        let value = render_json("dev", &web());
        assert_eq!(value["environment"], "dev");
        let newest = &value["apps"][0]["revisions"][0];
        assert_eq!(newest["revision"], 3);
        assert_eq!(newest["state"], "current");
        assert_eq!(newest["changed"], json!(["rollback to 1"]));
        assert_eq!(newest["digest"], Value::Null);
        assert_eq!(value["apps"][0]["revisions"][2]["state"], "gone");
        assert_eq!(digest_of("127.0.0.1:5000/web@sha256:ab"), Some("sha256:ab"));
    }
}
