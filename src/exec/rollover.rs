//! A rollover: a changed app's new revision starts beside the one serving, without the
//! app's name; once ready it takes the name, is found ready again at its new address, and
//! only then is the old revision retired (off the name, stopped, kept for a rollback). A
//! client resolving the app's name gets an answer throughout. A new revision that never
//! gets ready is stopped and kept for inspection, and the old one goes on serving.

use super::event::Phase;
use super::readiness::{self, Route};
use super::start::{
    create_or_adopt, not_ready, wait_for_dependencies, Failure, Made, Outcome, RETIRE_GRACE,
};
use super::walk::Gate;
use crate::core::revision::NewRevision;
use crate::core::spec::{AppSpec, PortSpec};
use crate::runtime::api::{Created, Destination, Handle, Instance, Placing, Runtime};
use std::time::Duration;

/// What a rollover's new revision is made from.
pub enum NewFrom<'a> {
    /// The app's spec, and the image reference it starts from.
    Spec { spec: &'a AppSpec, image: &'a str },
    /// A kept instance's config (a rollback), or another environment's instance with this
    /// environment's ports (a promote).
    Kept {
        instance: &'a Handle,
        ports: Option<&'a [PortSpec]>,
    },
}

/// What one rollover works with.
pub struct RolloverOf<'a> {
    pub environment: &'a str,
    pub app: &'a str,
    pub from: NewFrom<'a>,
    pub made: &'a NewRevision,
    /// The instance serving now.
    pub old: &'a Instance,
    pub timeout: Duration,
    pub route: &'a Route,
    /// What changed, in a user's words, for the progress.
    pub why: String,
}

/// Rolls `over.old` over to a new instance made `over.from`, its start waiting at `gate`
/// for the app's dependencies.
pub async fn roll_over(
    runtime: &dyn Runtime,
    over: &RolloverOf<'_>,
    gate: Gate,
    emit: &dyn Fn(&str, Phase),
) -> Outcome {
    let app = over.app;
    let new_number = over.made.revision.number;
    let old_number = over.old.revision_number();
    let fail = |failure: Failure| reported(emit, app, failure);
    emit(
        app,
        Phase::StartingNew(format!("revision {new_number} ({})", over.why)),
    );
    let (new, adopted) = match made_beside(runtime, over).await {
        Ok(made) => made,
        Err(message) => return fail(plain("cannot create", message, false)),
    };

    if let Err(not_started) = wait_for_dependencies(gate, app, emit).await {
        return not_started;
    }

    if let Err(e) = runtime.start(&new).await {
        let message =
            format!("cannot start revision {new_number}: {e}; revision {old_number} still serves");
        return fail(plain("cannot start", message, true));
    }
    let on_probe = |probe: &str| emit(app, Phase::Probing(probe.to_owned()));
    let probe = || readiness::wait_ready(runtime, &new, over.route, over.timeout, &on_probe);
    if let Err(failure) = probe().await {
        return fail(kept_for_inspection(runtime, over, &new, failure).await);
    }

    emit(app, Phase::Switching(format!("to revision {new_number}")));
    if let Err(e) = runtime.take_name(&new).await {
        let _ = runtime.retire(&new, None, RETIRE_GRACE).await;
        let message = format!(
            "revision {new_number} is ready but cannot take the name `{app}`: {e}; revision {old_number} still serves"
        );
        return fail(plain("cannot switch", message, true));
    }
    // Joining the network again gave it a new address: ready there too before the old
    // one leaves the name.
    if let Err(failure) = probe().await {
        return fail(kept_for_inspection(runtime, over, &new, failure).await);
    }

    emit(app, Phase::Retiring(format!("revision {old_number}")));
    if let Err(e) = runtime
        .retire(&over.old.handle, Some(&new), RETIRE_GRACE)
        .await
    {
        let message = format!(
            "revision {new_number} serves, but revision {old_number} could not be retired: {e}"
        );
        return fail(plain("cannot retire the old revision", message, true));
    }
    emit(app, Phase::Ready);
    Outcome::Ready {
        changed: true,
        adopted,
    }
}

/// The same change when the two revisions cannot run at once (a pinned port): the old one
/// is retired first, then the new one starts and takes the name. A new one that does not
/// get ready leaves nothing serving, and the failure says how to bring the old one back.
pub async fn replace_stop_first(
    runtime: &dyn Runtime,
    over: &RolloverOf<'_>,
    pinned: &str,
    emit: &dyn Fn(&str, Phase),
) -> Outcome {
    let app = over.app;
    let new_number = over.made.revision.number;
    let old_number = over.old.revision_number();
    let fail = |failure: Failure| reported(emit, app, failure);
    emit(
        app,
        Phase::Retiring(format!(
            "revision {old_number} first (port {pinned} pinned)"
        )),
    );
    if let Err(e) = runtime.retire(&over.old.handle, None, RETIRE_GRACE).await {
        let message = format!("cannot retire revision {old_number}: {e}");
        return fail(plain("cannot retire the old revision", message, true));
    }
    emit(
        app,
        Phase::StartingNew(format!("revision {new_number} ({})", over.why)),
    );
    let bring_back = format!(
        "nothing serves `{app}` now: `ark rollback -e {} {app} --to {old_number}` brings revision {old_number} back",
        over.environment
    );
    let new = match made_beside(runtime, over).await {
        Ok((new, _)) => new,
        Err(message) => {
            return fail(plain(
                "cannot create",
                format!("{message}; {bring_back}"),
                false,
            ))
        }
    };
    if let Err(e) = runtime.start(&new).await {
        let message = format!("cannot start revision {new_number}: {e}; {bring_back}");
        return fail(plain("cannot start", message, true));
    }
    let on_probe = |probe: &str| emit(app, Phase::Probing(probe.to_owned()));
    let ready = readiness::wait_ready(runtime, &new, over.route, over.timeout, &on_probe).await;
    if let Err(failure) = ready {
        let mut failure = not_ready(runtime, &new, failure, over.timeout, None).await;
        failure.message = format!(
            "the new revision {new_number} {}; {bring_back}",
            failure.message
        );
        let _ = runtime.stop(&new, RETIRE_GRACE).await;
        return fail(failure);
    }
    emit(app, Phase::Switching(format!("to revision {new_number}")));
    // The old one is retired already: this hands the new one the app's names.
    let switched = match runtime.take_name(&new).await {
        Ok(()) => {
            runtime
                .retire(&over.old.handle, Some(&new), RETIRE_GRACE)
                .await
        }
        Err(e) => Err(e),
    };
    if let Err(e) = switched {
        let message =
            format!("revision {new_number} is ready but cannot take the name `{app}`: {e}");
        return fail(plain("cannot switch", message, true));
    }
    emit(app, Phase::Ready);
    Outcome::Ready {
        changed: true,
        adopted: false,
    }
}

/// The same change on an engine that updates an app in place (`ChangeStyle::Rolling`):
/// the engine starts the new revision's instances first and retires the old ones once the
/// new are ready; here it is only asked, awaited, and checked to have gone forward (an
/// engine that rolls a failed update back by itself serves the old revision again).
pub async fn roll_in_place(
    runtime: &dyn Runtime,
    over: &RolloverOf<'_>,
    emit: &dyn Fn(&str, Phase),
) -> Outcome {
    let app = over.app;
    let new_number = over.made.revision.number;
    let fail = |failure: Failure| reported(emit, app, failure);
    let handle = &over.old.handle;
    emit(
        app,
        Phase::Updating(format!("to revision {new_number} ({})", over.why)),
    );
    let asked = match over.from {
        NewFrom::Spec { spec, image } => {
            runtime
                .update(handle, over.environment, spec, image, over.made)
                .await
        }
        NewFrom::Kept {
            instance,
            ports: None,
        } => runtime.restore(handle, instance, over.made).await,
        NewFrom::Kept { ports: Some(_), .. } => Err(crate::runtime::api::EngineError::Unsupported(
            "an app updated in place keeps its own ports".into(),
        )),
    };
    if let Err(e) = asked {
        let message = format!("cannot update to revision {new_number}: {e}");
        return fail(plain("cannot update", message, true));
    }
    until_serving(
        runtime,
        app,
        handle,
        new_number,
        over.timeout,
        over.route,
        emit,
    )
    .await
}

/// Another environment's instance, promoted on an engine that updates apps in place
/// (`ChangeStyle::Rolling`).
pub struct Promotion<'a> {
    /// FROM's instance.
    pub source: &'a Handle,
    /// The app's instance in TO, if it has one.
    pub current: Option<&'a Instance>,
    pub into: &'a Destination<'a>,
    pub made: &'a NewRevision,
    pub timeout: Duration,
    pub route: &'a Route,
    /// What changed, in a user's words, for the progress.
    pub why: String,
}

/// A promote where the engine changes apps in place: the app TO runs is updated to FROM's
/// revision (new instances first, the one it leaves kept), or the app is made there; then
/// awaited and checked as `roll_in_place` does. A new app that never gets ready is retired
/// (kept, for inspection).
pub async fn promote_in_place(
    runtime: &dyn Runtime,
    promotion: &Promotion<'_>,
    emit: &dyn Fn(&str, Phase),
) -> Outcome {
    let app = promotion.into.app;
    let new_number = promotion.made.revision.number;
    let fail = |failure: Failure| reported(emit, app, failure);
    let current = promotion.current.map(|c| &c.handle);
    emit(
        app,
        match current {
            Some(_) => Phase::Updating(format!("to revision {new_number} ({})", promotion.why)),
            None => Phase::Creating,
        },
    );
    let asked = runtime
        .promote(promotion.source, current, promotion.into, promotion.made)
        .await;
    let handle = match asked {
        Ok(handle) => handle,
        Err(e) if current.is_some() => {
            let message = format!("cannot update to revision {new_number}: {e}");
            return fail(plain("cannot update", message, true));
        }
        Err(e) => return fail(plain("cannot create", format!("cannot create: {e}"), false)),
    };
    let timeout = promotion.timeout;
    let outcome = until_serving(
        runtime,
        app,
        &handle,
        new_number,
        timeout,
        promotion.route,
        emit,
    );
    let outcome = outcome.await;
    if current.is_none() && matches!(outcome, Outcome::Failed(_)) {
        let _ = runtime.retire(&handle, None, RETIRE_GRACE).await;
    }
    outcome
}

/// Until the app's instance `handle`, changed in place to revision `new_number`, serves
/// it: ready, and still that revision (an engine that rolls a failed update back by itself
/// serves the old one again).
async fn until_serving(
    runtime: &dyn Runtime,
    app: &str,
    handle: &Handle,
    new_number: u32,
    timeout: Duration,
    route: &Route,
    emit: &dyn Fn(&str, Phase),
) -> Outcome {
    let fail = |failure: Failure| reported(emit, app, failure);
    let on_probe = |probe: &str| emit(app, Phase::Probing(probe.to_owned()));
    let ready = readiness::wait_ready(runtime, handle, route, timeout, &on_probe).await;
    let ready = match ready {
        Ok(()) => match runtime.inspect(handle).await {
            Ok(now) if now.revision_number() == new_number => Ok(()),
            Ok(now) => Err(readiness::WaitFailure::Gone(format!(
                "did not get ready, and the engine went back to revision {} (it still serves)",
                now.revision_number()
            ))),
            Err(e) => Err(readiness::WaitFailure::Gone(e.to_string())),
        },
        Err(failure) => Err(failure),
    };
    if let Err(failure) = ready {
        let failure = not_ready(
            runtime,
            handle,
            failure,
            timeout,
            Some(&|what: &str| format!("the new revision {new_number} {what}")),
        )
        .await;
        return fail(failure);
    }
    emit(app, Phase::Ready);
    Outcome::Ready {
        changed: true,
        adopted: false,
    }
}

/// An app new to the environment: where it goes, and what it is made from.
pub struct Arrival<'a> {
    pub environment: &'a str,
    pub app: &'a str,
    pub from: NewFrom<'a>,
    pub made: &'a NewRevision,
    pub timeout: Duration,
    pub route: &'a Route,
}

/// An app new to the environment, from another's instance (a promote): made, started,
/// probed, and given the app's name once ready.
pub async fn bring_up(
    runtime: &dyn Runtime,
    arrival: Arrival<'_>,
    emit: &dyn Fn(&str, Phase),
) -> Outcome {
    let Arrival {
        environment,
        app,
        from,
        made,
        timeout,
        route,
    } = arrival;
    let fail = |failure: Failure| reported(emit, app, failure);
    emit(app, Phase::Creating);
    let made_by = match from {
        NewFrom::Kept { instance, ports } => {
            runtime.revive(instance, environment, made, ports).await
        }
        NewFrom::Spec { spec, image } => {
            runtime
                .create(environment, spec, image, made, Placing::Beside)
                .await
        }
    };
    let new = match made_by {
        Ok(Created::New(handle)) => handle,
        Ok(Created::Taken(_)) => {
            let message =
                format!("another ark is making `{app}` in `{environment}` right now: run it again");
            return fail(plain("cannot create", message, false));
        }
        Err(e) => return fail(plain("cannot create", format!("cannot create: {e}"), false)),
    };
    emit(app, Phase::Starting);
    if let Err(e) = runtime.start(&new).await {
        return fail(plain("cannot start", format!("cannot start: {e}"), true));
    }
    let on_probe = |probe: &str| emit(app, Phase::Probing(probe.to_owned()));
    if let Err(failure) = readiness::wait_ready(runtime, &new, route, timeout, &on_probe).await {
        let failure = not_ready(runtime, &new, failure, timeout, None).await;
        let _ = runtime.retire(&new, None, RETIRE_GRACE).await;
        return fail(failure);
    }
    emit(
        app,
        Phase::Switching(format!("to revision {}", made.revision.number)),
    );
    if let Err(e) = runtime.take_name(&new).await {
        let message = format!("ready, but cannot take the name `{app}`: {e}");
        return fail(plain("cannot switch", message, true));
    }
    emit(app, Phase::Ready);
    Outcome::Ready {
        changed: true,
        adopted: false,
    }
}

/// The new revision's instance, beside the serving one: with whether a concurrent ark
/// made it (it is rolling over to the same revision: see it through too).
async fn made_beside(
    runtime: &dyn Runtime,
    over: &RolloverOf<'_>,
) -> Result<(Handle, bool), String> {
    match over.from {
        NewFrom::Spec { spec, image } => {
            match create_or_adopt(
                runtime,
                over.environment,
                spec,
                image,
                over.made,
                Placing::Beside,
            )
            .await?
            {
                Made::New(handle) => Ok((handle, false)),
                Made::Adopted(handle) => Ok((handle, true)),
            }
        }
        NewFrom::Kept { instance, ports } => match runtime
            .revive(instance, over.environment, over.made, ports)
            .await
        {
            Ok(Created::New(handle)) => Ok((handle, false)),
            Ok(Created::Taken(_)) => Err(format!(
                "another ark is making revision {} of `{}` right now: run it again",
                over.made.revision.number, over.app
            )),
            Err(e) => Err(format!("cannot create: {e}")),
        },
    }
}

/// `failure` of `app`, shown in the progress and returned as its outcome.
fn reported(emit: &dyn Fn(&str, Phase), app: &str, failure: Failure) -> Outcome {
    emit(app, Phase::Failed(failure.brief.clone()));
    Outcome::Failed(failure)
}

/// A failure with nothing more to show than its words.
fn plain(brief: &str, message: String, has_container: bool) -> Failure {
    Failure {
        brief: brief.to_owned(),
        message,
        has_container,
        exit_code: None,
        last_probe: None,
        logs: Vec::new(),
    }
}

/// The new revision did not get ready: it is stopped (its name on the network goes with
/// it) and kept, and the old one goes on serving. Says so, with what the new one did.
async fn kept_for_inspection(
    runtime: &dyn Runtime,
    over: &RolloverOf<'_>,
    new: &Handle,
    failure: readiness::WaitFailure,
) -> Failure {
    let new_number = over.made.revision.number;
    let old_number = over.old.revision_number();
    let name = runtime.inspect(new).await.map_or_else(
        |_| format!("revision {new_number}"),
        |i| format!("`{}`", i.name),
    );
    let failure = not_ready(
        runtime,
        new,
        failure,
        over.timeout,
        Some(&|what: &str| {
            format!(
                "the new revision {new_number} {what}; revision {old_number} still serves, and the new one is kept stopped as {name} for inspection"
            )
        }),
    )
    .await;
    // Stopped and off the network: it never holds the app's name.
    let _ = runtime.retire(new, None, RETIRE_GRACE).await;
    failure
}
