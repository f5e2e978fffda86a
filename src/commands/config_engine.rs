//! What `ark config` shows beside an app's variables: how the environment runs (engine
//! kind, registry, nodes) and how the app runs there (replicas, publish), each with where it
//! comes from, as a variable's source is shown.

use super::shared::engine::kind_source;
use crate::core::engine_kind::EngineChoice;
use crate::core::environment::{Environment, EnvironmentFile};
use crate::settings::Settings;
use serde_json::{json, Value};

/// One setting as `ark config` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub name: String,
    pub value: String,
    pub source: String,
}

/// The engine settings of `environment` and those of `app` in it: engine kind, replicas and
/// publish always; registry and nodes when set.
pub fn shown(
    settings: &Settings,
    environment: &Environment,
    choice: &EngineChoice,
    app: &str,
) -> Vec<Shown> {
    let row = |name: &str, value: String, source: String| Shown {
        name: name.to_owned(),
        value,
        source,
    };
    let placing_source = |key: &str, says: &dyn Fn(&EnvironmentFile) -> bool| {
        environment
            .placing_files()
            .rev()
            .find(|f| says(f))
            .map_or_else(|| "default".to_owned(), |f| in_file(f, key))
    };
    let mut rows = vec![row(
        "engine",
        choice.kind.to_string(),
        kind_source(settings, choice),
    )];
    if let Some(registry) = &choice.registry {
        rows.push(row(
            "registry",
            registry.clone(),
            placing_source("registry", &|f| f.registry.is_some()),
        ));
    }
    for (node, url) in &choice.nodes {
        let key = format!("nodes.{node}");
        rows.push(row(
            &key,
            url.clone(),
            placing_source(&key, &|f| f.nodes.contains_key(node)),
        ));
    }
    let app_source = |key: &str, says: &dyn Fn(&crate::core::environment::AppOverride) -> bool| {
        environment
            .overrides_for(app)
            .filter(|(_, o)| says(o))
            .last()
            .map(|(f, _)| in_file(f, &format!("apps.{app}.{key}")))
    };
    rows.push(row(
        "replicas",
        environment.replicas(app).to_string(),
        app_source("replicas", &|o| o.replicas.is_some()).unwrap_or_else(|| "default".into()),
    ));
    let publish_source = app_source("publish", &|o| o.publish.is_some()).unwrap_or_else(|| {
        environment
            .chain
            .iter()
            .rev()
            .find(|f| f.publish.is_some())
            .map_or_else(|| "default".to_owned(), |f| in_file(f, "publish"))
    });
    rows.push(row(
        "publish",
        environment.publish(app).to_string(),
        publish_source,
    ));
    rows
}

/// How the environment runs, for `-o json`: `{"kind", "source", "registry", "nodes"}`.
pub fn json(choice: &EngineChoice, rows: &[Shown]) -> Value {
    let source = rows.iter().find(|r| r.name == "engine").map(|r| &r.source);
    json!({
        "kind": choice.kind.name(),
        "source": source,
        "registry": choice.registry,
        "nodes": choice.nodes,
    })
}

fn in_file(file: &EnvironmentFile, key: &str) -> String {
    format!("{} ({key})", file.path.display())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::engine_kind::EngineKind;

    fn settings(engine: Option<EngineKind>) -> Settings {
        let mut settings = Settings::fallback(
            &<crate::cli::Cli as clap::Parser>::parse_from(["ark", "envs"]).global,
        );
        settings.engine_kind = engine;
        settings
    }

    fn rows(
        environment: &Environment,
        engine: Option<EngineKind>,
    ) -> Vec<(String, String, String)> {
        let settings = settings(engine);
        let mut choice = environment.engine_choice();
        if let Some(kind) = engine {
            choice.kind = kind;
            choice.said_in = None;
        }
        shown(&settings, environment, &choice, "api")
            .into_iter()
            .map(|r| (r.name, r.value, r.source))
            .collect()
    }

    fn owned(rows: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
        rows.iter()
            .map(|(a, b, c)| ((*a).into(), (*b).into(), (*c).into()))
            .collect()
    }

    #[test]
    fn each_setting_names_the_file_and_key_it_comes_from() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write(
            "cluster.yml",
            "engine: swarm\nregistry: 127.0.0.1:5000\nnodes: {n1: tcp://10.0.0.1:2375}\npublish: true\n",
        );
        write("dev.yml", "extends: cluster\napps:\n  api: {replicas: 2}\n");
        let environment = Environment::load(dir.path(), "dev").unwrap();
        let file = |name: &str, key: &str| format!("{} ({key})", dir.path().join(name).display());
        assert_eq!(
            rows(&environment, None),
            owned(&[
                ("engine", "swarm", &file("cluster.yml", "engine")),
                (
                    "registry",
                    "127.0.0.1:5000",
                    &file("cluster.yml", "registry")
                ),
                (
                    "nodes.n1",
                    "tcp://10.0.0.1:2375",
                    &file("cluster.yml", "nodes.n1")
                ),
                ("replicas", "2", &file("dev.yml", "apps.api.replicas")),
                ("publish", "true", &file("cluster.yml", "publish")),
            ])
        );
        assert_eq!(
            rows(&environment, Some(EngineKind::Docker))[0],
            ("engine".into(), "docker".into(), "--engine".into())
        );
    }

    #[test]
    fn an_environment_that_says_nothing_shows_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let environment = Environment::load(dir.path(), "ad-hoc").unwrap();
        assert_eq!(
            rows(&environment, None),
            owned(&[
                ("engine", "docker", "default"),
                ("replicas", "1", "default"),
                ("publish", "false", "default"),
            ])
        );
    }
}
