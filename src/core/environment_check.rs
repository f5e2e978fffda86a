//! The settings of an environment file that are read as text and checked once the file is
//! read — `engine:`, `registry:`, `apps.<app>.replicas:` — so that a bad one is an error at
//! its value with a hint saying what to write (a serde error can carry neither a hint nor a
//! "did you mean").
//!
//! Node URLs (`nodes:`) are checked where the engine addresses ark speaks are known, above
//! the core (`commands::shared::load::node_problems`).

use super::diagnostic::Diagnostic;
use super::engine_kind::EngineKind;
use super::environment::{EnvironmentFile, ROLLOUT_CHOICES};
use super::locate::{Positions, Step};
use super::registry_address;
use super::secret;
use super::suggest;
use serde_yaml::Value;
use std::cell::OnceCell;

/// Every problem with the file's engine settings (none for a file that has none).
pub fn problems(file: &EnvironmentFile, text: &str) -> Vec<Diagnostic> {
    let positions = OnceCell::new();
    let at = |path: &[Step]| positions.get_or_init(|| Positions::of(text)).get(path);
    let error = |message: String, path: &[Step], hint: String| {
        Diagnostic::error(message)
            .in_file(&file.path)
            .at_position(at(path))
            .with_hint(hint)
    };
    let mut found = Vec::new();
    if let Some(written) = &file.engine {
        if let Err(why) = written.parse::<EngineKind>() {
            let hint = suggest::did_you_mean(written, EngineKind::names()).unwrap_or_else(|| {
                let choices: Vec<String> = EngineKind::names()
                    .map(|n| format!("`engine: {n}`"))
                    .collect();
                format!("write {}", choices.join(" or "))
            });
            found.push(error(
                format!("engine: {why}"),
                &[Step::Key("engine")],
                hint,
            ));
        }
    }
    if let Some(written) = &file.registry {
        if let Err(problem) = registry_address::check(written) {
            found.push(error(
                format!("registry: `{}` {}", written.escape_debug(), problem.why),
                &[Step::Key("registry")],
                problem.hint,
            ));
        }
    }
    if let Some(written) = &file.history {
        if history(written).is_none() {
            found.push(error(
                format!(
                    "history: {} is not a number of revisions to keep",
                    shown(written)
                ),
                &[Step::Key("history")],
                "write a whole number, 0 or more: `history: 3` keeps three retired revisions of each app, `history: 0` none".into(),
            ));
        }
    }
    for (name, written) in &file.secrets {
        found.extend(secret_problem(
            name,
            written,
            &[Step::Key("secrets"), Step::Key(name)],
            &error,
        ));
    }
    for (app, settings) in &file.apps {
        for (name, written) in &settings.secrets {
            let path = [
                Step::Key("apps"),
                Step::Key(app),
                Step::Key("secrets"),
                Step::Key(name),
            ];
            found.extend(secret_problem(name, written, &path, &error));
        }
        if let Some(written) = &settings.rollout {
            if !ROLLOUT_CHOICES.contains(&written.as_str()) {
                let hint = suggest::did_you_mean(written, ROLLOUT_CHOICES.iter().copied())
                    .unwrap_or_else(|| "write `rollout: rollover` or `rollout: stop-first`".into());
                found.push(error(
                    format!(
                        "apps.{app}.rollout: `{}` is not a way to replace an app",
                        written.escape_debug()
                    ),
                    &[Step::Key("apps"), Step::Key(app), Step::Key("rollout")],
                    hint,
                ));
            }
        }
        let Some(written) = &settings.replicas else {
            continue;
        };
        if replicas(written).is_none() {
            found.push(error(
                format!(
                    "apps.{app}.replicas: {} is not a number of replicas",
                    shown(written)
                ),
                &[Step::Key("apps"), Step::Key(app), Step::Key("replicas")],
                "write a whole number, 1 or more: `replicas: 2`".into(),
            ));
        }
    }
    found
}

/// What is wrong with the secret declaration `name` at `path` (`secrets.NAME`), if anything.
fn secret_problem(
    name: &str,
    written: &Value,
    path: &[Step],
    error: &dyn Fn(String, &[Step], String) -> Diagnostic,
) -> Option<Diagnostic> {
    let key = path
        .iter()
        .map(|step| match step {
            Step::Key(key) => (*key).to_owned(),
            Step::Index(i) => i.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".");
    if let Err(why) = super::variable_name::check(name) {
        return Some(error(
            format!("{key}: {why}"),
            path,
            "a secret is named after the variable the app reads: `DB_PASSWORD`".into(),
        ));
    }
    let problem = secret::parse(written).err()?;
    let mut at = path.to_vec();
    at.extend(problem.at.map(Step::Key));
    Some(error(format!("{key} {}", problem.why), &at, problem.hint))
}

/// `replicas:` as a number: a whole number of at least 1, written as a number (`None` for
/// anything else, `"2"` included: quoted, it is text).
pub fn replicas(written: &Value) -> Option<u32> {
    written
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n >= 1)
}

/// `history:` as a number: a whole number, 0 or more, written as a number.
pub fn history(written: &Value) -> Option<u32> {
    written.as_u64().and_then(|n| u32::try_from(n).ok())
}

/// A value as the user wrote it, for a message: text quoted, a list or map by its kind.
fn shown(value: &Value) -> String {
    match value {
        Value::String(text) => format!("`{text:?}` (text)"),
        Value::Number(number) => format!("`{number}`"),
        Value::Bool(flag) => format!("`{flag}`"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a map".into(),
        Value::Null | Value::Tagged(_) => "this value".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::yaml;
    use std::path::Path;

    /// message, line, column, hint
    type Found = (String, Option<usize>, Option<usize>, Option<String>);

    fn problems_of(text: &str) -> Vec<Found> {
        let (file, _) =
            yaml::parse::<EnvironmentFile>(Path::new("envs/dev.yml"), text, |_| None).unwrap();
        let file = EnvironmentFile {
            path: "envs/dev.yml".into(),
            ..file
        };
        problems(&file, text)
            .into_iter()
            .map(|d| {
                assert_eq!(d.file.as_deref(), Some(Path::new("envs/dev.yml")));
                (d.message, d.line, d.column, d.hint)
            })
            .collect()
    }

    #[test]
    fn a_secret_declaration_is_checked_where_it_is_written() {
        let found = problems_of(
            "secrets:\n  DB_PASSWORD: {command: [op, read, x]}\n  BAD-NAME: {env: X}\napps:\n  api:\n    secrets:\n      TOKEN: {file: a, as: disk}\n",
        );
        let short: Vec<(String, Option<usize>)> =
            found.iter().map(|f| (f.0.clone(), f.1)).collect();
        assert_eq!(
            short,
            [
                (
                    "secrets.BAD-NAME: `BAD-NAME` is not a variable name: use letters, digits and `_`, not starting with a digit".to_owned(),
                    Some(3)
                ),
                (
                    "apps.api.secrets.TOKEN as: is neither `env` nor `file`".to_owned(),
                    Some(7)
                ),
            ]
        );
        assert_eq!(found[1].2, Some(28), "at the `as:` value");
    }

    #[test]
    fn good_settings_have_no_problems() {
        let text = "engine: swarm\nregistry: 127.0.0.1:5000\napps:\n  api: {replicas: 3}\n";
        assert!(problems_of(text).is_empty());
        assert!(problems_of("engine: docker\n").is_empty());
        assert!(problems_of("apps: {api: {replicas: 1}}\n").is_empty());
    }

    #[test]
    fn an_unknown_engine_kind_suggests_the_closest_at_its_value() {
        assert_eq!(
            problems_of("env: {}\nengine: swarn\n"),
            [(
                "engine: unknown engine kind `swarn`: ark runs environments on docker or swarm"
                    .into(),
                Some(2),
                Some(9),
                Some("did you mean `swarm`?".into())
            )]
        );
        assert_eq!(
            problems_of("engine: kubernetes\n")[0].3.as_deref(),
            Some("write `engine: docker` or `engine: swarm`")
        );
    }

    #[test]
    fn a_registry_with_a_scheme_says_to_drop_it() {
        assert_eq!(
            problems_of("registry: http://10.0.0.1:5000\n"),
            [(
                "registry: `http://10.0.0.1:5000` is a URL, not HOST:PORT".into(),
                Some(1),
                Some(11),
                Some("drop `http://`: `registry: 10.0.0.1:5000`".into())
            )]
        );
    }

    #[test]
    fn history_is_a_whole_number_and_rollout_one_of_two_words() {
        assert_eq!(
            problems_of("history: -1\n"),
            [(
                "history: `-1` is not a number of revisions to keep".into(),
                Some(1),
                Some(10),
                Some("write a whole number, 0 or more: `history: 3` keeps three retired revisions of each app, `history: 0` none".into())
            )]
        );
        assert!(problems_of("history: 0\napps:\n  api: {rollout: stop-first}\n").is_empty());
        assert_eq!(
            problems_of("apps:\n  api:\n    rollout: stop-frist\n"),
            [(
                "apps.api.rollout: `stop-frist` is not a way to replace an app".into(),
                Some(3),
                Some(14),
                Some("did you mean `stop-first`?".into())
            )]
        );
    }

    #[test]
    fn replicas_are_a_whole_number_of_at_least_one() {
        for (written, shown) in [
            ("0", "`0`"),
            ("-2", "`-2`"),
            ("two", "`\"two\"` (text)"),
            ("'3'", "`\"3\"` (text)"),
            ("1.5", "`1.5`"),
            ("true", "`true`"),
            ("99999999999", "`99999999999`"),
            ("[2]", "a list"),
        ] {
            let text = format!("apps:\n  api:\n    image: x\n    replicas: {written}\n");
            assert_eq!(
                problems_of(&text),
                [(
                    format!("apps.api.replicas: {shown} is not a number of replicas"),
                    Some(4),
                    Some(15),
                    Some("write a whole number, 1 or more: `replicas: 2`".into())
                )],
                "{written}"
            );
        }
    }
}
