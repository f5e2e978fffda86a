//! `ark rollback`: brings back an app's earlier revision — the one before the current, or
//! `--to REV` — as a new revision made from the kept one: a rollover (ready before it takes
//! the app's name) where the engine runs revisions side by side, an in-place update to the
//! kept spec where it updates apps in place. Needs nothing but the engine: no definition, no
//! build, no pull.

use super::shared::engine::{block_on, connect, engine_failure, until_interrupted};
use super::shared::{load, on_engine, who};
use crate::cli::RollbackArgs;
use crate::core::diagnostic::{Diagnostic, Diagnostics};
use crate::core::plan::pinned_port;
use crate::core::revision::{self, RollbackRefusal, DEFAULT_HISTORY};
use crate::core::secret::Mask;
use crate::exec::event::Phase;
use crate::exec::readiness::Route;
use crate::exec::revisions::{self, kept_of, Making};
use crate::exec::rollover::{self, NewFrom, RolloverOf};
use crate::exec::start::Outcome;
use crate::exec::walk::Gate;
use crate::exit_code;
use crate::failure::Failure;
use crate::runtime::api::{ChangeStyle, Instance, Runtime};
use crate::settings::Settings;
use crate::ui::progress::Progress;
use std::time::Instant;

pub fn run(args: &RollbackArgs, settings: &Settings) -> Result<i32, Failure> {
    let name = settings.environment(args.environment.name.as_deref())?;
    block_on(async {
        let engine = connect(settings, Some(&name)).await?;
        let runtime = &*engine;
        if runtime.capabilities().changes == ChangeStyle::Replace {
            return Err(Failure::Failed(format!(
                "environment `{name}` runs on {}, which keeps no earlier revision of an app to go back to",
                runtime.endpoint().url
            )));
        }
        to_kept_revision(runtime, &name, args, settings).await
    })?
}

/// A new revision made from the kept one's config: rolled over to (stop-first when a port
/// is pinned), or the app updated in place to it, as the engine changes apps.
async fn to_kept_revision(
    runtime: &dyn Runtime,
    name: &str,
    args: &RollbackArgs,
    settings: &Settings,
) -> Result<i32, Failure> {
    let app = args.app.as_str();
    let serving = on_engine::containers(runtime, name).await?;
    let selected = on_engine::select(std::slice::from_ref(&args.app), &serving, name)?;
    let Some(current) = serving.get(app) else {
        return Err(Failure::Failed(format!("`{app}` is not on the engine")));
    };
    let all = runtime
        .revisions(name, Some(app))
        .await
        .map_err(engine_failure)?;
    let kept: Vec<Instance> = all.into_iter().filter(|i| !i.serving).collect();
    let mut everything: Vec<_> = kept.iter().map(kept_of).collect();
    everything.push(kept_of(current));
    let entries = revision::history_of(&everything);
    let target = revision::rollback_target(&entries, args.to)
        .map_err(|refusal| refused(name, app, current, refusal))?;
    let Some(source) = kept.iter().find(|i| i.revision_number() == target) else {
        return Err(refused(
            name,
            app,
            current,
            RollbackRefusal::Gone {
                asked: target,
                kept: Vec::new(),
            },
        ));
    };
    let making = Making {
        by: &who::user_at_host(),
        current: Some(current),
        kept: &kept,
    };
    let made = making.next(vec![format!("rollback to {target}")], Some(target));
    let keep = load::environment(settings, name)
        .map(|e| e.history())
        .unwrap_or(DEFAULT_HISTORY);

    // What the revision brought back holds: masked in what its app says if it fails.
    let mask = Mask::new(
        runtime
            .secret_values(&source.handle)
            .await
            .unwrap_or_default(),
    );
    let progress = Progress::for_apps(args.progress, &settings.printer, &selected);
    let report = progress.reporter();
    let emit = |app: &str, phase: Phase| report(app, phase.masked(&mask));
    let route = Route::new(runtime.capabilities().reach);
    let over = RolloverOf {
        environment: name,
        app,
        from: NewFrom::Kept {
            instance: &source.handle,
            ports: None,
        },
        made: &made,
        old: current,
        timeout: args.timeout,
        route: &route,
        why: format!("rollback to {target}"),
    };
    let began = Instant::now();
    let pinned = pinned_port(&source.fingerprint).or_else(|| pinned_port(&current.fingerprint));
    let in_place = runtime.capabilities().changes == ChangeStyle::Rolling;
    let work = async {
        if in_place {
            // The engine starts the new instances first, and keeps what it leaves.
            return rollover::roll_in_place(runtime, &over, &emit).await;
        }
        match &pinned {
            Some(port) => rollover::replace_stop_first(runtime, &over, port, &emit).await,
            None => rollover::roll_over(runtime, &over, Gate::open(), &emit).await,
        }
    };
    let outcome = until_interrupted(work).await;
    progress.finish();
    match outcome? {
        Outcome::Ready { .. } => {
            let _ = revisions::trim(runtime, name, app, keep).await;
            settings.printer.status(&format!(
                "`{app}` of environment `{name}` rolled back to revision {target} (as revision {}), ready in {:.1}s",
                made.revision.number,
                began.elapsed().as_secs_f64()
            ));
            Ok(exit_code::OK)
        }
        Outcome::Failed(failure) => {
            for line in &failure.logs {
                settings.printer.detail(&mask.apply(line));
            }
            Err(Failure::Failed(mask.apply(&failure.message).into_owned()))
        }
        Outcome::NotStarted { because } => Err(Failure::Failed(because)),
    }
}

/// Why the rollback cannot go where it was asked (exit 3), naming what is kept.
fn refused(name: &str, app: &str, current: &Instance, refusal: RollbackRefusal) -> Failure {
    let now = current.revision_number();
    let (message, hint) = match refusal {
        RollbackRefusal::NothingKept => (
            format!("`{app}` of environment `{name}` has no earlier revision kept to go back to (it runs revision {now})"),
            "retired revisions are kept up to the environment's `history:` (default 3); `ark history` lists them".to_owned(),
        ),
        RollbackRefusal::IsCurrent(asked) => (
            format!("revision {asked} is the one `{app}` runs now"),
            format!("`ark history -e {name} {app}` lists the revisions kept"),
        ),
        RollbackRefusal::Gone { asked, kept } => (
            format!("revision {asked} of `{app}` is gone: it is not kept any more"),
            if kept.is_empty() {
                "no earlier revision is kept; the environment's `history:` says how many are".to_owned()
            } else {
                let kept: Vec<String> = kept.iter().map(u32::to_string).collect();
                format!("kept: {} (`ark rollback -e {name} {app} --to REV`)", kept.join(", "))
            },
        ),
    };
    Failure::Invalid(Diagnostics(
        vec![Diagnostic::error(message).with_hint(hint)],
    ))
}
