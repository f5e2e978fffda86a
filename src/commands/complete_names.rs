//! The names a completion offers — environments, apps, docker contexts — for the settings
//! and environment the words on the shell's line give. Names on disk come from file names
//! alone; the engine is asked only when it answers within `ENGINE_DEADLINE`, so a missing or
//! slow engine never holds the shell.

use super::shared::engine::{self, block_on};
use super::shared::load;
use crate::cli::{Cli, GlobalArgs};
use crate::core::catalog::Catalog;
use crate::core::environment;
use crate::runtime::connect;
use crate::settings::Settings;
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::future::Future;
use std::time::Duration;

/// How long a completion waits for the engine before it offers what is on disk, unless
/// `ARK_COMPLETE_ENGINE_TIMEOUT` says otherwise (a far engine, a loaded test machine).
const ENGINE_DEADLINE: Duration = Duration::from_millis(300);

fn engine_deadline() -> Duration {
    std::env::var("ARK_COMPLETE_ENGINE_TIMEOUT")
        .ok()
        .and_then(|text| crate::core::duration::parse_duration(&text).ok())
        .unwrap_or(ENGINE_DEADLINE)
}

/// What the line says: the settings it resolves to and the environment it names.
#[derive(Debug)]
pub struct Names {
    settings: Option<Settings>,
    environment: Option<String>,
}

impl Names {
    /// Reads the words of a partial command line (`ark start -e dev --apps x …`) leniently:
    /// whatever does not parse is left out.
    pub fn for_line(words: &[OsString]) -> Names {
        let matches = Cli::command()
            .ignore_errors(true)
            .try_get_matches_from(words)
            .ok();
        let global = matches
            .as_ref()
            .and_then(|m| GlobalArgs::from_arg_matches(m).ok());
        let settings = global.as_ref().and_then(resolve_quietly);
        let given = matches
            .as_ref()
            .and_then(ArgMatches::subcommand)
            .and_then(|(_, sub)| environment_in(sub));
        let environment = given.or_else(|| {
            settings
                .as_ref()
                .and_then(|s| s.default_environment.as_ref())
                .map(|(name, _)| name.clone())
        });
        Names {
            settings,
            environment,
        }
    }

    /// Environments defined on disk, and those running on the settings' engine.
    pub fn environments(&self) -> Vec<String> {
        let Some(settings) = &self.settings else {
            return Vec::new();
        };
        let mut names: BTreeSet<String> = environment::list(&settings.environments_folder)
            .into_iter()
            .collect();
        names.extend(
            self.ask_engine(None, |runtime| async move {
                let (containers, networks) =
                    futures_util::join!(runtime.list(None), runtime.environments(None));
                let mut running: Vec<String> = containers
                    .ok()?
                    .into_iter()
                    .map(|c| c.environment)
                    .collect();
                running.extend(networks.ok()?.into_iter().map(|n| n.environment));
                Some(running)
            })
            .unwrap_or_default(),
        );
        names.into_iter().collect()
    }

    /// Every app of the catalog.
    pub fn catalog_apps(&self) -> Vec<String> {
        self.settings
            .as_ref()
            .map(|s| Catalog::names(&s.apps_folders))
            .unwrap_or_default()
    }

    /// The apps of the line's environment that are on its engine; the catalog's when the
    /// engine does not answer in time or has none of them.
    pub fn running_apps(&self) -> Vec<String> {
        let running = self.environment.as_deref().and_then(|name| {
            self.ask_engine(Some(name), move |runtime| async move {
                let found = runtime.list(Some(name)).await.ok()?;
                let apps: BTreeSet<String> = found.into_iter().map(|c| c.app).collect();
                Some(apps.into_iter().collect::<Vec<_>>())
            })
        });
        match running {
            Some(apps) if !apps.is_empty() => apps,
            _ => self.catalog_apps(),
        }
    }

    /// Docker contexts (`--context`).
    pub fn contexts(&self) -> Vec<String> {
        connect::context_names(&|name| std::env::var(name).ok())
    }

    /// Asks the engine `environment` runs on (the settings' without one), giving up after
    /// `engine_deadline()`. An ssh engine is not asked: its login alone takes longer.
    fn ask_engine<F, Fut>(&self, environment: Option<&str>, ask: F) -> Option<Vec<String>>
    where
        F: FnOnce(Box<dyn crate::runtime::api::Runtime>) -> Fut,
        Fut: Future<Output = Option<Vec<String>>>,
    {
        let settings = self.settings.as_ref()?;
        let bound = match environment {
            Some(name) => load::target(settings, name).ok()?,
            None => None,
        };
        let choice = load::engine_choice(settings, environment).ok()?;
        let endpoint = engine::resolve(settings, bound.as_ref()).ok()?.endpoint;
        if connect::needs_login(&endpoint) {
            return None;
        }
        let answer = block_on(async {
            let asked = async {
                let runtime = connect::connect_as(endpoint, &choice).await.ok()?;
                ask(runtime).await
            };
            tokio::time::timeout(engine_deadline(), asked).await
        });
        answer.ok()?.ok()?
    }
}

/// Settings as a command on this line would resolve them, but never printing: a user config
/// that does not load is passed over, so `--apps` and `ARK_APPS` still count.
fn resolve_quietly(global: &GlobalArgs) -> Option<Settings> {
    let var = |name: &str| std::env::var(name).ok();
    Settings::resolve(global, &var)
        .or_else(|_| {
            // A path that cannot exist, so resolution reads no config at all.
            let without_config = |name: &str| match name {
                "ARK_CONFIG" => Some("/nonexistent/ark-completion/no-config.yml".to_owned()),
                other => var(other),
            };
            Settings::resolve(global, &without_config)
        })
        .ok()
}

/// `-e ENV` as given to the subcommand, by whichever id its struct gives it.
fn environment_in(sub: &ArgMatches) -> Option<String> {
    ["name", "environment"]
        .into_iter()
        .find_map(|id| sub.try_get_one::<String>(id).ok().flatten().cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &[&str]) -> Names {
        let words: Vec<OsString> = line.iter().map(OsString::from).collect();
        Names::for_line(&words)
    }

    #[test]
    fn the_line_gives_the_environment_and_the_folders() {
        let n = names(&["ark", "--apps", "/a", "--apps=/b", "logs", "-e", "dev"]);
        assert_eq!(n.environment.as_deref(), Some("dev"));
        let settings = n.settings.unwrap();
        assert_eq!(
            settings.apps_folders,
            [std::path::PathBuf::from("/a"), "/b".into()]
        );
        let n = names(&["ark", "status", "--environment=qa", "--bogus"]);
        assert_eq!(n.environment.as_deref(), Some("qa"));
        assert!(n.settings.is_some());
    }

    #[test]
    fn a_partial_line_still_resolves() {
        for line in [
            &["ark"][..],
            &["ark", "start", "-e"],
            &["ark", "--apps"],
            &["ark", "nonsense", "-x"],
            &["ark", "start", "--timeout", "never"],
        ] {
            assert!(names(line).settings.is_some(), "{line:?}");
        }
    }
}
