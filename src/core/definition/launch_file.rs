//! Reading one launch file into the model: the app's name from the file name, the YAML
//! into the raw structs, then the checks that turn them into an `AppDefinition` (each
//! error pointing at the node it is about).

use super::model::{
    AppDefinition, Build, Expose, HealthCheck, LaunchFile, ParsedFile, Probe, Resources, Run,
    RunKind,
};
use super::raw::{known_keys, EnvList, RawDefinition, RawHealthCheck, RawProbeKind};
use crate::core::diagnostic::Diagnostic;
use crate::core::duration::parse_duration;
use crate::core::locate::{self, Step};
use crate::core::scalar::Scalar;
use crate::core::variable_name;
use crate::core::yaml;
use std::path::Path;
use std::time::Duration;

/// Reads one launch file. Never panics, whatever the bytes.
pub fn parse_file(path: &Path, text: &str) -> ParsedFile {
    let mut diagnostics = Vec::new();
    let Some(name) = app_name(path) else {
        diagnostics.push(
            Diagnostic::error("cannot tell the app's name from this file name")
                .in_file(path)
                .with_hint("name definition files `<app>.yml`"),
        );
        return ParsedFile {
            file: None,
            diagnostics,
        };
    };
    if let Err(problem) = check_name(&name) {
        let hint = if name.chars().any(|c| c.is_ascii_uppercase()) {
            format!(
                "rename the file to `{}.yml`: image and container names must be lower-case",
                name.to_ascii_lowercase()
            )
        } else {
            "rename the file: the app's name is the file name without `.yml`".to_owned()
        };
        diagnostics.push(
            Diagnostic::error(format!("`{name}` is not a usable app name: {problem}"))
                .in_file(path)
                .with_hint(hint),
        );
        return ParsedFile {
            file: None,
            diagnostics,
        };
    }

    let raw = match yaml::parse::<Option<RawDefinition>>(path, text, known_keys) {
        Ok((raw, warnings)) => {
            if raw.as_ref().is_some_and(|r| r.kind.is_some()) {
                // A resource file: its other keys belong to another schema, so no warnings.
                let kind = raw.and_then(|r| r.kind).unwrap_or_default();
                return ParsedFile {
                    file: Some(LaunchFile::Resource { kind }),
                    diagnostics,
                };
            }
            diagnostics.extend(warnings);
            raw
        }
        Err(error) => {
            if let Some(kind) = resource_kind(text) {
                return ParsedFile {
                    file: Some(LaunchFile::Resource { kind }),
                    diagnostics,
                };
            }
            diagnostics.push(error);
            return ParsedFile {
                file: None,
                diagnostics,
            };
        }
    };
    let raw = raw.unwrap_or_else(|| {
        diagnostics.push(
            Diagnostic::warning("the definition is empty: running it with every default")
                .in_file(path),
        );
        RawDefinition::default()
    });

    let before = diagnostics.iter().filter(|d| d.is_error()).count();
    let definition = raw.into_definition(name, path, text, &mut diagnostics);
    let failed = diagnostics.iter().filter(|d| d.is_error()).count() > before;
    ParsedFile {
        file: (!failed).then(|| LaunchFile::App(Box::new(definition))),
        diagnostics,
    }
}

/// `launch/api.yml` → `api`.
pub fn app_name(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    (!stem.is_empty()).then(|| stem.to_owned())
}

/// App names become DNS names on the environment's network and parts of container and image
/// names (which engines refuse in upper case; production's app names are all lower-case).
pub fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !first_ok
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Err(
            "use letters, digits, `-`, `_` and `.`, starting with a letter or digit".into(),
        );
    }
    if name.len() > 63 {
        return Err("at most 63 characters".into());
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err("app names are lower-case".into());
    }
    Ok(())
}

/// Whether a launch file is a production resource (`type: dynamodb`, …), judged from its
/// text without parsing it: a top-level `type:` key.
pub fn is_resource(text: &str) -> bool {
    text.lines().any(|line| line.starts_with("type:"))
}

/// The `type:` of a file that did not parse as a definition, when it is a resource file.
fn resource_kind(text: &str) -> Option<String> {
    if !is_resource(text) {
        return None;
    }
    let (value, _) = yaml::parse::<serde_yaml::Value>(Path::new(""), text, |_| None).ok()?;
    let kind = value.get("type")?;
    Some(match kind {
        serde_yaml::Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_owned(),
    })
}

impl RawDefinition {
    fn into_definition(
        self,
        name: String,
        path: &Path,
        text: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> AppDefinition {
        let EnvList {
            declarations: env,
            dropped,
        } = self.env.unwrap_or_default();
        // Dropped names are in file order: one walk down the lines places them all.
        let mut lines = text
            .lines()
            .zip(1..)
            .skip_while(|(line, _)| !line.starts_with("env:"));
        for name in dropped {
            let line = lines
                .by_ref()
                .find(|(line, _)| line.contains(name.as_str()))
                .map(|(_, number)| number);
            let problem = variable_name::check(&name).err().unwrap_or_default();
            diagnostics.push(
                Diagnostic::warning(format!("env: {problem} (ignored)"))
                    .in_file(path)
                    .at(line, None)
                    .with_hint("production's list may hold it, but no process can be given it: fix the name"),
            );
        }
        // Each error points at the node it is about: the first of `at` the file has. The
        // positions are read once, at the first error.
        let mut positions = None;
        let mut error = |message: String, at: &[&[Step]], hint: Option<&str>| {
            let positions = positions.get_or_insert_with(|| locate::Positions::of(text));
            diagnostics.push(
                Diagnostic::error(message)
                    .in_file(path)
                    .at_position(positions.first(at))
                    .with_optional_hint(hint.map(str::to_owned)),
            );
        };

        let raw_run = self.run.unwrap_or_default();
        let kind = match raw_run.kind.as_deref() {
            None | Some("docker") => RunKind::Docker,
            Some(other) => RunKind::Elsewhere(other.to_owned()),
        };
        let run = Run {
            kind,
            architecture: raw_run.architecture,
            image: raw_run.image,
            command: raw_run.command,
            init: raw_run.init,
        };

        let mut seen_env = std::collections::BTreeSet::new();
        for (index, declaration) in env.iter().enumerate() {
            if !seen_env.insert(declaration.name.as_str()) {
                error(
                    format!("env: `{}` is declared twice", declaration.name),
                    &[&[Step::Key("env"), Step::Index(index)]],
                    Some("remove one of the two"),
                );
            }
        }

        let mut expose = Vec::new();
        let mut expose_names = std::collections::HashSet::new();
        for (index, raw) in self.expose.unwrap_or_default().into_iter().enumerate() {
            let entry = [Step::Key("expose"), Step::Index(index)];
            let field = |key| [Step::Key("expose"), Step::Index(index), Step::Key(key)];
            let Some(expose_name) = raw.name.filter(|n| !n.trim().is_empty()) else {
                error(
                    format!("expose[{index}]: missing `name`"),
                    &[&field("name"), &entry],
                    Some("give each exposed port a name, e.g. `name: http`"),
                );
                continue;
            };
            let variable = crate::core::discovery::variable_name(&name, &expose_name, "PORT");
            if variable_name::check(&variable).is_err() {
                error(
                    format!(
                        "expose `{}`: not a usable name: it becomes part of `SERVICE_…` variable names",
                        expose_name.escape_debug()
                    ),
                    &[&field("name"), &entry],
                    Some("use letters, digits, `-`, `_` and `.`"),
                );
                continue;
            }
            let Some(port) = raw.port.filter(|p| *p != 0) else {
                error(
                    format!("expose `{expose_name}`: missing or zero `port`"),
                    &[&field("port"), &entry],
                    Some("set the container port, e.g. `port: 8080`"),
                );
                continue;
            };
            if !expose_names.insert(expose_name.clone()) {
                error(
                    format!("expose `{expose_name}` is listed twice"),
                    &[&field("name"), &entry],
                    Some("give each exposed port its own name"),
                );
                continue;
            }
            let health_check = match raw.health_check.map(|h| h.into_health_check()) {
                None => None,
                Some(Ok(check)) => Some(check),
                Some(Err((message, key))) => {
                    let check = field("health_check");
                    let at_key = [check[0], check[1], check[2], Step::Key(key)];
                    error(
                        format!("expose `{expose_name}`: health_check: {message}"),
                        &[&at_key, &check],
                        None,
                    );
                    None
                }
            };
            expose.push(Expose {
                name: expose_name,
                port,
                health_check,
            });
        }

        let mut dependencies: Vec<String> = Vec::new();
        let mut listed = std::collections::HashSet::new();
        for (index, dependency) in self
            .dependencies
            .unwrap_or_default()
            .into_iter()
            .enumerate()
        {
            let at = [Step::Key("dependencies"), Step::Index(index)];
            // Production pins versions as `name@v2`; locally there is one of each app.
            let dependency = dependency
                .split('@')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned();
            if dependency.is_empty() {
                error("dependencies: an empty name".into(), &[&at], None);
            } else if dependency == name {
                error(
                    format!("`{name}` depends on itself"),
                    &[&at],
                    Some("remove it from its own dependencies"),
                );
            } else if listed.insert(dependency.clone()) {
                dependencies.push(dependency);
            }
        }

        let resources = match self.resources {
            None => Resources::default(),
            Some(raw) => {
                // Production's older spellings (`mem`, `soft_limit_mem`) are where to point too.
                for (key, old, value) in [
                    ("cpu", "cpu", raw.cpu),
                    ("max_mem", "mem", raw.max_mem),
                    ("soft_mem_limit", "soft_limit_mem", raw.soft_mem_limit),
                ] {
                    if value.is_some_and(|v| !v.is_finite() || v < 0.0) {
                        let at = |key| [Step::Key("resources"), Step::Key(key)];
                        error(
                            format!("resources.{key} must be a positive number"),
                            &[&at(key), &at(old)],
                            None,
                        );
                    }
                }
                Resources {
                    cpu: raw.cpu,
                    max_mem_gb: raw.max_mem,
                    soft_mem_gb: raw.soft_mem_limit,
                }
            }
        };

        let build = match self.build {
            None => Build::default(),
            Some(raw) => Build {
                dockerfile: raw.docker.and_then(|d| d.file),
                artifact_name: raw.artifact.and_then(|a| a.name),
            },
        };

        AppDefinition {
            name,
            path: path.to_path_buf(),
            run,
            env,
            expose,
            dependencies,
            resources,
            build,
        }
    }
}

impl RawHealthCheck {
    /// On error: the message and the key at fault (to point at it).
    fn into_health_check(self) -> Result<HealthCheck, (String, &'static str)> {
        // Production always writes `type`; when it is left out, the other keys say which.
        let kind = self.kind.unwrap_or(if self.command.is_some() {
            RawProbeKind::Exec
        } else if self.path.is_some() {
            RawProbeKind::Http
        } else {
            RawProbeKind::Tcp
        });
        let probe = match kind {
            RawProbeKind::Http => {
                let path = self.path.unwrap_or_else(|| "/".into());
                if !path.starts_with('/') {
                    return Err((format!("path `{path}` must start with `/`"), "path"));
                }
                Probe::Http { path }
            }
            RawProbeKind::Tcp => Probe::Tcp,
            RawProbeKind::Exec => Probe::Exec {
                command: self.command.ok_or((
                    "type exec needs a `command` (e.g. [\"pg_isready\"])".to_owned(),
                    "type",
                ))?,
            },
            RawProbeKind::None => Probe::None,
        };
        Ok(HealthCheck {
            probe,
            interval: duration(self.interval, "interval").map_err(|e| (e, "interval"))?,
            timeout: duration(self.timeout, "timeout").map_err(|e| (e, "timeout"))?,
        })
    }
}

fn duration(value: Option<Scalar>, key: &str) -> Result<Option<Duration>, String> {
    match value.and_then(|s| s.0) {
        None => Ok(None),
        Some(text) => parse_duration(&text)
            .map(Some)
            .map_err(|e| format!("{key}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::definition::EnvDeclaration;

    fn parse(text: &str) -> ParsedFile {
        parse_file(Path::new("launch/api.yml"), text)
    }

    fn app(text: &str) -> AppDefinition {
        let parsed = parse(text);
        match parsed.file {
            Some(LaunchFile::App(app)) => *app,
            other => panic!("expected an app, got {other:?}: {:?}", parsed.diagnostics),
        }
    }

    #[test]
    fn reads_production_fields() {
        let app = app(
            "run:\n  type: docker\nenv:\n- PORT\n- DB_HOST\nexpose:\n- name: http\n  port: 80\n  health_check:\n    type: http\n    path: /_health\n- name: pprof\n  port: 6060\ndependencies:\n- db\n- cache@v2\nresources:\n  cpu: .5\n  mem: 0.25\n  soft_limit_mem: 0.1\nbuild:\n  docker:\n    file: Dockerfile.two\n  artifact:\n    name: api-image\n",
        );
        assert_eq!(app.name, "api");
        assert_eq!(app.run.kind, RunKind::Docker);
        assert_eq!(
            app.env.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
            ["PORT", "DB_HOST"]
        );
        assert_eq!(app.expose.len(), 2);
        assert_eq!(
            app.expose[0].health_check.as_ref().unwrap().probe,
            Probe::Http {
                path: "/_health".into()
            }
        );
        assert_eq!(app.expose[1].health_check, None);
        assert_eq!(app.dependencies, ["db", "cache"]);
        assert_eq!(app.resources.cpu, Some(0.5));
        assert_eq!(app.resources.max_mem_gb, Some(0.25));
        assert_eq!(app.resources.soft_mem_gb, Some(0.1));
        assert_eq!(app.build.dockerfile.as_deref(), Some("Dockerfile.two"));
        assert_eq!(app.build.artifact_name.as_deref(), Some("api-image"));
    }

    #[test]
    fn missing_run_means_docker_and_other_types_run_elsewhere() {
        assert_eq!(app("env: []\n").run.kind, RunKind::Docker);
        assert_eq!(
            app("run:\n  type: lambda/us-west-2\n").run.kind,
            RunKind::Elsewhere("lambda/us-west-2".into())
        );
    }

    #[test]
    fn env_may_be_null_a_list_or_a_map_of_defaults() {
        assert!(app("env:\n").env.is_empty());
        let app = app("env:\n  LOG_LEVEL: info\n  PORT: 8080\n  TOKEN:\n");
        assert_eq!(
            app.env,
            [
                EnvDeclaration {
                    name: "LOG_LEVEL".into(),
                    default: Some("info".into())
                },
                EnvDeclaration {
                    name: "PORT".into(),
                    default: Some("8080".into())
                },
                EnvDeclaration {
                    name: "TOKEN".into(),
                    default: None
                },
            ]
        );
    }

    #[test]
    fn production_only_fields_are_silent_and_typos_are_warned_with_a_suggestion() {
        let parsed = parse("team: [eng]\nalarms: [{type: X}]\ndependancies: [db]\nexpose:\n- name: http\n  port: 80\n  load_balancer_port: 80\n  helth_check: {}\n");
        let messages: Vec<String> = parsed
            .diagnostics
            .iter()
            .map(|d| format!("{} | {:?} | {:?}", d.message, d.line, d.hint))
            .collect();
        assert_eq!(
            messages,
            [
                "unknown key `dependancies` (ignored) | Some(3) | Some(\"did you mean `dependencies`?\")",
                "unknown key `expose.helth_check` (ignored) | Some(8) | Some(\"did you mean `health_check`?\")",
            ]
        );
        assert!(parsed.diagnostics.iter().all(|d| !d.is_error()));
    }

    #[test]
    fn a_wrong_type_is_an_error_with_its_line() {
        let parsed = parse("env: []\ndependencies: db\n");
        assert!(parsed.file.is_none());
        let error = &parsed.diagnostics[0];
        assert!(error.is_error());
        assert_eq!(error.line, Some(2));
        assert!(
            error.message.contains("dependencies: invalid type"),
            "{}",
            error.message
        );
    }

    #[test]
    fn resource_files_are_recognised_not_parsed() {
        for text in [
            "type: dynamodb\napplication: x\ndev: {tables: {}}\n",
            "type: library\nteam: x\n",
            "type: aurora\nenv: {weird: [1]}\n",
        ] {
            let parsed = parse(text);
            assert!(
                matches!(parsed.file, Some(LaunchFile::Resource { .. })),
                "{text}"
            );
            assert!(
                parsed.diagnostics.is_empty(),
                "{text}: {:?}",
                parsed.diagnostics
            );
        }
    }

    #[test]
    fn semantic_errors_name_the_problem() {
        for (text, expected) in [
            ("expose:\n- port: 80\n", "expose[0]: missing `name`"),
            (
                "expose:\n- name: http\n",
                "expose `http`: missing or zero `port`",
            ),
            (
                "expose:\n- {name: a, port: 1}\n- {name: a, port: 2}\n",
                "expose `a` is listed twice",
            ),
            (
                "expose:\n- name: a\n  port: 1\n  health_check: {type: exec}\n",
                "expose `a`: health_check: type exec needs a `command`",
            ),
            (
                "expose:\n- name: a\n  port: 1\n  health_check: {type: http, interval: soon}\n",
                "expose `a`: health_check: interval: `soon` is not a duration",
            ),
            ("dependencies: [api]\n", "`api` depends on itself"),
            ("env: [A, A]\n", "env: `A` is declared twice"),
            (
                "resources: {cpu: -1}\n",
                "resources.cpu must be a positive number",
            ),
        ] {
            let parsed = parse(text);
            assert!(parsed.file.is_none(), "{text}");
            assert!(
                parsed
                    .diagnostics
                    .iter()
                    .any(|d| d.is_error() && d.message.starts_with(expected)),
                "{text}: {:?}",
                parsed.diagnostics
            );
        }
    }

    #[test]
    fn semantic_errors_point_at_the_node_they_are_about() {
        for (text, expected, line, column) in [
            ("env:\n- A\n- B\n- A\n", "env: `A` is declared twice", 4, 3),
            ("env:\n  A: 1\n  A: 2\n", "env: `A` is declared twice", 3, 3),
            (
                "expose:\n- name: a\n  port: 1\n  health_check:\n    type: http\n    interval: soon\n",
                "expose `a`: health_check: interval:",
                6,
                15,
            ),
            (
                "expose:\n- name: a\n  port: 1\n  health_check: {path: health}\n",
                "expose `a`: health_check: path `health` must start with `/`",
                4,
                24,
            ),
            (
                "expose:\n- {name: a, port: 1}\n- name: b\n  port: 2\n  health_check:\n    timeout: x\n",
                "expose `b`: health_check: timeout:",
                6,
                14,
            ),
            ("resources:\n  cpu: -1\n", "resources.cpu must be a positive number", 2, 8),
            (
                "resources:\n  max_mem: 1\n  soft_limit_mem: -0.5\n",
                "resources.soft_mem_limit must be a positive number",
                3,
                19,
            ),
            ("resources:\n  mem: .nan\n", "resources.max_mem must be a positive number", 2, 8),
            ("dependencies:\n- db\n- api@v2\n", "`api` depends on itself", 3, 3),
            ("expose:\n- port: 80\n", "expose[0]: missing `name`", 2, 3),
            ("expose:\n- name: a\n  port: 0\n", "expose `a`: missing or zero `port`", 3, 9),
            (
                "expose:\n- {name: a, port: 1}\n- {name: a, port: 2}\n",
                "expose `a` is listed twice",
                3,
                10,
            ),
        ] {
            let parsed = parse(text);
            let error = parsed
                .diagnostics
                .iter()
                .find(|d| d.is_error())
                .unwrap_or_else(|| panic!("{text}: no error"));
            assert!(error.message.starts_with(expected), "{text}: {error:?}");
            assert_eq!(
                (error.line, error.column),
                (Some(line), Some(column)),
                "{text}: {error:?}"
            );
        }
    }

    #[test]
    fn an_unknown_probe_type_is_an_error() {
        let parsed = parse("expose:\n- name: a\n  port: 1\n  health_check:\n    type: htp\n");
        assert_eq!(parsed.diagnostics[0].line, Some(5));
        assert!(parsed.diagnostics[0]
            .message
            .contains("unknown variant `htp`"));
    }

    #[test]
    fn an_empty_file_is_an_app_with_defaults_and_a_warning() {
        let parsed = parse("# nothing yet\n");
        assert!(matches!(parsed.file, Some(LaunchFile::App(_))));
        assert!(!parsed.diagnostics[0].is_error());
    }

    #[test]
    fn an_upper_case_app_name_is_refused_with_the_lower_case_file_to_use() {
        let parsed = parse_file(Path::new("launch/My-App.yml"), "env: []\n");
        assert!(parsed.file.is_none());
        let error = &parsed.diagnostics[0];
        assert_eq!(
            error.message,
            "`My-App` is not a usable app name: app names are lower-case"
        );
        assert_eq!(
            error.hint.as_deref(),
            Some("rename the file to `my-app.yml`: image and container names must be lower-case")
        );
    }

    #[test]
    fn a_bad_file_name_is_refused() {
        let parsed = parse_file(Path::new("launch/my app.yml"), "env: []\n");
        assert!(parsed.file.is_none());
        assert!(parsed.diagnostics[0]
            .message
            .contains("not a usable app name"));
    }
}
