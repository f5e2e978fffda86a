//! `ark down`: removes an environment — its containers (dependents first), its apps'
//! retired revisions and its network;
//! named volumes only with `--volumes`. Touches only what carries the environment's label.

use super::shared::engine::{block_on, connect, engine_failure, until_interrupted};
use super::shared::on_engine;
use super::stop::{conclude, stop_all};
use crate::cli::DownArgs;
use crate::exec::event::Phase;
use crate::exec::walk::Walked;
use crate::exit_code;
use crate::failure::Failure;
use crate::runtime::api::Endpoint;
use crate::settings::Settings;
use crate::ui::progress::Progress;
use crate::ui::prompt;
use futures_util::future::join_all;
use std::collections::BTreeSet;

pub fn run(args: &DownArgs, settings: &Settings) -> Result<i32, Failure> {
    let name = super::shared::pick::environment(settings, args.environment.name.as_deref())?;
    block_on(async {
        let engine = connect(settings, Some(&name)).await?;
        let runtime = &*engine;
        let containers = on_engine::containers(runtime, &name).await?;
        let all: BTreeSet<String> = containers.keys().cloned().collect();
        let endpoint = runtime.endpoint();
        let question = format!(
            "remove environment `{name}` ({} apps) from the engine at {}?",
            all.len(),
            endpoint.url
        );
        if !may_remove(&name, endpoint, args.yes, || prompt::confirm(&question))? {
            settings.printer.status("nothing removed");
            return Ok(exit_code::FAILED);
        }
        let progress = Progress::for_apps(args.progress, &settings.printer, &all);
        let emit = progress.reporter();
        // Stop order matters (dependents first); removal order does not, so every removal
        // runs at once after the stops instead of lengthening each step of the walk.
        let work = async {
            let stopped = stop_all(runtime, &containers, &all, &progress).await;
            let removals = stopped.into_iter().map(|(app, walked)| {
                let container = containers.get(&app).cloned();
                let (runtime, emit) = (runtime, &emit);
                async move {
                    if walked != Walked::Done {
                        return (app, walked);
                    }
                    let Some(container) = container else {
                        return (app, Walked::Done);
                    };
                    emit(&app, Phase::Removing);
                    match runtime.remove(&container.handle).await {
                        Ok(()) => {
                            emit(&app, Phase::Removed);
                            (app, Walked::Done)
                        }
                        Err(e) => (app, Walked::Failed(e.to_string())),
                    }
                }
            });
            join_all(removals)
                .await
                .into_iter()
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        let results = until_interrupted(work).await;
        progress.finish();
        let results = results?;
        let doing = format!("removing environment `{name}`");
        let code = conclude(runtime, settings, "removed", &name, &doing, &results).await?;
        if code != exit_code::OK {
            return Ok(code);
        }
        // Retired revisions (stopped, kept for a rollback) go with their environment.
        let retired = runtime
            .revisions(&name, None)
            .await
            .map_err(engine_failure)?;
        for instance in retired.iter().filter(|i| !i.serving) {
            runtime
                .remove(&instance.handle)
                .await
                .map_err(engine_failure)?;
        }
        runtime
            .remove_environment(&name)
            .await
            .map_err(engine_failure)?;
        if args.volumes {
            let removed = runtime
                .remove_volumes(&name)
                .await
                .map_err(engine_failure)?;
            settings
                .printer
                .status(&format!("removed {removed} named volumes"));
        }
        Ok(exit_code::OK)
    })?
}

/// Whether to go on removing: always on the local engine or with `--yes`; on a remote one
/// (shared, maybe someone else's) only when the person at the terminal says so. Nobody to
/// ask (`ask` gives `None`: a script, CI) is a usage error saying how to mean it.
fn may_remove(
    name: &str,
    endpoint: &Endpoint,
    yes: bool,
    ask: impl FnOnce() -> Option<bool>,
) -> Result<bool, Failure> {
    if yes || !endpoint.is_remote() {
        return Ok(true);
    }
    ask().ok_or_else(|| {
        Failure::Usage(format!(
            "environment `{name}` is on the remote engine at {endpoint}, and there is no terminal to confirm its removal on: pass --yes to remove it"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_remote_engine_asks_and_without_a_terminal_it_needs_yes() {
        let local = Endpoint::plain("unix:///var/run/docker.sock", "the default socket");
        let remote = Endpoint::plain("tcp://box:2375", "target of environment `dev`");
        let never = || -> Option<bool> { panic!("asked") };
        assert!(may_remove("dev", &local, false, never).unwrap());
        assert!(may_remove("dev", &remote, true, never).unwrap());
        assert!(may_remove("dev", &remote, false, || Some(true)).unwrap());
        assert!(!may_remove("dev", &remote, false, || Some(false)).unwrap());
        let refused = may_remove("dev", &remote, false, || None).unwrap_err();
        assert!(
            matches!(&refused, Failure::Usage(m) if m.contains("pass --yes")),
            "{refused:?}"
        );
        assert_eq!(refused.exit_code(), crate::exit_code::USAGE);
    }
}
