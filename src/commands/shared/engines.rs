//! The engines a command about every environment asks (`ark status` without `-e`,
//! `ark envs`): the one the settings point at, plus every distinct target that environment
//! files on disk name — all asked at once. An explicit `-H/--host` beats every target, so
//! with it only that engine is asked.

use super::engine::{self, open};
use super::load::{self, Bound};
use crate::core::engine_kind::EngineChoice;
use crate::failure::Failure;
use crate::runtime::api::{Endpoint, EngineError, EnvironmentInfo, Instance, Runtime};
use crate::settings::Settings;
use futures_util::future::join_all;
use std::collections::BTreeMap;

/// One engine to ask, and why it is asked.
#[derive(Debug)]
pub struct Asked {
    /// Where it is, or why it cannot be reached (a target naming no usable context, …).
    pub endpoint: Result<Endpoint, Failure>,
    /// The engine the settings point at (as opposed to only environments' targets).
    pub of_settings: bool,
    /// The environments whose target it is, and their targets as written.
    pub bound: Vec<Bound>,
}

impl Asked {
    /// The engine's URL, when it resolved.
    pub fn url(&self) -> Option<&str> {
        self.endpoint.as_ref().ok().map(|e| e.url.as_str())
    }

    /// `unix:///var/run/docker.sock (from the default socket)`,
    /// `tcp://box:2375 (target of `shared`, `team`)`, `box-ctx (target of `shared`)`.
    pub fn describe(&self) -> String {
        let names: Vec<String> = self
            .bound
            .iter()
            .map(|b| format!("`{}`", b.environment))
            .collect();
        let targets = format!("target of {}", names.join(", "));
        match (&self.endpoint, self.of_settings, self.bound.is_empty()) {
            (Ok(endpoint), true, true) => endpoint.to_string(),
            (Ok(endpoint), true, false) => {
                format!("{} (from {}; {targets})", endpoint.url, endpoint.source)
            }
            (Ok(endpoint), false, _) => format!("{} ({targets})", endpoint.url),
            (Err(_), true, _) => "the engine the settings point at".to_owned(),
            (Err(_), false, _) => format!(
                "{} ({targets})",
                self.bound.first().map_or("", |b| b.target.as_str())
            ),
        }
    }
}

/// The engines to ask, each once.
#[derive(Debug)]
pub struct Engines {
    pub asked: Vec<Asked>,
}

impl Engines {
    /// The settings' engine and the targets of every environment on disk.
    pub fn gather(settings: &Settings) -> Engines {
        let explicit_host = settings
            .engine_host
            .as_deref()
            .is_some_and(|h| !h.is_empty());
        let targets = if explicit_host {
            Vec::new()
        } else {
            load::targets(settings)
                .into_iter()
                .map(|bound| {
                    let endpoint = engine::resolve(settings, Some(&bound)).map(|r| r.endpoint);
                    (bound, endpoint)
                })
                .collect()
        };
        Engines::group(engine::resolve(settings, None).map(|r| r.endpoint), targets)
    }

    /// One entry per distinct engine URL, the settings' engine first; a target that does not
    /// resolve is an entry of its own.
    fn group(
        of_settings: Result<Endpoint, Failure>,
        targets: Vec<(Bound, Result<Endpoint, Failure>)>,
    ) -> Engines {
        let mut asked = vec![Asked {
            endpoint: of_settings,
            of_settings: true,
            bound: Vec::new(),
        }];
        for (bound, endpoint) in targets {
            let same = endpoint
                .as_ref()
                .ok()
                .and_then(|e| asked.iter_mut().find(|a| a.url() == Some(e.url.as_str())));
            match same {
                Some(existing) => existing.bound.push(bound),
                None => asked.push(Asked {
                    endpoint,
                    of_settings: false,
                    bound: vec![bound],
                }),
            }
        }
        Engines { asked }
    }

    /// Which engine environment `name` runs on: its target's, else the settings' own.
    pub fn index_of(&self, name: &str) -> usize {
        self.asked
            .iter()
            .position(|a| a.bound.iter().any(|b| b.environment == name))
            .unwrap_or(0)
    }

    /// Asks every engine what ark has there, all at once; one answer per entry of `asked`.
    pub async fn survey(&self, settings: &Settings) -> Vec<Result<Seen, Failure>> {
        join_all(self.asked.iter().map(|asked| async move {
            let endpoint = match &asked.endpoint {
                Ok(endpoint) => endpoint.clone(),
                Err(failure) => return Err(copy(failure)),
            };
            // Every environment on this engine is listed as plain Docker sees it.
            let runtime = open(settings, endpoint, &EngineChoice::default())
                .await
                .map_err(engine::engine_failure)?;
            Seen::read(&*runtime).await.map_err(engine::engine_failure)
        }))
        .await
    }
}

/// What ark has on one engine.
#[derive(Debug)]
pub struct Seen {
    pub containers: Vec<Instance>,
    pub networks: Vec<EnvironmentInfo>,
}

/// One environment on an engine, as `Seen::environments` sums it up.
#[derive(Debug, Default)]
pub struct Present<'a> {
    pub apps: Vec<&'a Instance>,
    /// Where it was meant to run: its network's target label.
    pub target: Option<&'a str>,
}

impl Present<'_> {
    pub fn running(&self) -> usize {
        self.apps.iter().filter(|a| a.is_running()).count()
    }
}

impl Seen {
    /// Every environment with a container or a network here, by name.
    pub fn environments(&self) -> BTreeMap<&str, Present<'_>> {
        let mut by_env: BTreeMap<&str, Present> = BTreeMap::new();
        for network in &self.networks {
            by_env.entry(&network.environment).or_default().target =
                network.placement.target.as_deref();
        }
        for container in &self.containers {
            by_env
                .entry(&container.environment)
                .or_default()
                .apps
                .push(container);
        }
        by_env
    }

    async fn read(runtime: &dyn Runtime) -> Result<Seen, EngineError> {
        let (containers, networks) =
            futures_util::future::join(runtime.list(None), runtime.environments(None)).await;
        Ok(Seen {
            containers: containers?,
            networks: networks?,
        })
    }
}

/// A failure to show again (one per engine, and the same again when it is the only one).
fn copy(failure: &Failure) -> Failure {
    match failure {
        Failure::Invalid(diagnostics) => Failure::Invalid(diagnostics.clone()),
        Failure::Unreachable(why) => Failure::Unreachable(why.clone()),
        other => Failure::Failed(other.to_string()),
    }
}

/// One line saying why an engine gave no answer.
pub fn why(failure: &Failure) -> String {
    match failure {
        Failure::Invalid(diagnostics) => diagnostics
            .0
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn at(url: &str, source: &str) -> Endpoint {
        Endpoint::plain(url, source)
    }

    fn bound(environment: &str, target: &str) -> Bound {
        Bound {
            environment: environment.into(),
            target: target.into(),
            file: PathBuf::from(format!("environments/{environment}.yml")),
        }
    }

    #[test]
    fn each_engine_is_asked_once_and_says_why() {
        let local = at("unix:///var/run/docker.sock", "the default socket");
        let engines = Engines::group(
            Ok(local.clone()),
            vec![
                (bound("shared", "box"), Ok(at("tcp://box:2375", "x"))),
                (
                    bound("team", "tcp://box:2375"),
                    Ok(at("tcp://box:2375", "y")),
                ),
                (bound("mine", "default"), Ok(at(&local.url, "z"))),
                (
                    bound("broken", "nope"),
                    Err(Failure::Unreachable(
                        "docker context `nope` not found".into(),
                    )),
                ),
            ],
        );
        let described: Vec<String> = engines.asked.iter().map(Asked::describe).collect();
        assert_eq!(
            described,
            [
                "unix:///var/run/docker.sock (from the default socket; target of `mine`)",
                "tcp://box:2375 (target of `shared`, `team`)",
                "nope (target of `broken`)",
            ]
        );
        assert_eq!(engines.index_of("team"), 1);
        assert_eq!(engines.index_of("broken"), 2);
        assert_eq!(
            engines.index_of("ad-hoc"),
            0,
            "no target: the settings' engine"
        );
    }
}
