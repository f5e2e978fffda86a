//! The executor against the recording fake engine: ordering, failure propagation, adoption
//! of a concurrent ark's instance, recreation (also of an instance an engine crash left
//! unstartable) and Ctrl-C, in milliseconds and on a paused
//! clock (so "ready after 5 s" costs nothing). Engine behaviour itself is tested against
//! the real engine in `tests/`.

use super::*;
use crate::core::plan::{Observed, ObservedApp};
use crate::core::spec::AppSpec;
use crate::runtime::fake::{Call, FakeEngine, Script};

const ENV: &str = "unit";

fn spec(name: &str, waits_for: &[&str]) -> AppSpec {
    AppSpec::example(name, waits_for)
}

/// web → api → (db, cache); mail alone.
fn specs() -> Vec<AppSpec> {
    vec![
        spec("db", &[]),
        spec("cache", &[]),
        spec("mail", &[]),
        spec("api", &["db", "cache"]),
        spec("web", &["api"]),
    ]
}

/// Runs a plan of `specs` against `engine`, with what it already has as `observed`.
async fn start(
    engine: &FakeEngine,
    specs: Vec<AppSpec>,
    observed: BTreeMap<String, Instance>,
) -> (BTreeMap<String, Outcome>, Vec<Event>) {
    let seen = Observed {
        apps: observed
            .iter()
            .map(|(app, i)| {
                let observed = ObservedApp {
                    fingerprint: i.fingerprint.clone(),
                    running: i.is_running(),
                    image_replaced: false,
                    detached: false,
                };
                (app.clone(), observed)
            })
            .collect(),
        consulted: true,
        changes_roll: false,
        rolls_over: false,
        publishes_only_asked: false,
    };
    let plan = Plan::new(ENV, specs, &seen);
    let images = plan
        .steps
        .iter()
        .map(|s| {
            let supply = ImageSupply::Present(s.spec.image.name.clone());
            (s.spec.name.clone(), supply)
        })
        .collect();
    let request = StartRequest {
        environment: ENV,
        plan: &plan,
        images: &images,
        observed: &observed,
        timeout: Duration::from_secs(600),
        route: &Route::new(engine.capabilities().reach),
        registry: None,
        kept: &BTreeMap::new(),
        history: 3,
        by: "ada@laptop",
    };
    let events = RefCell::new(Vec::new());
    let outcomes = run(engine, &request, &|e| events.borrow_mut().push(e)).await;
    (outcomes.into_iter().collect(), events.into_inner())
}

fn slow(ready_after_secs: u64) -> Script {
    Script {
        ready_after: Duration::from_secs(ready_after_secs),
        ..Script::default()
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_app_starts_only_once_its_own_dependencies_are_ready() {
    let engine = FakeEngine::new()
        .script("db", slow(5))
        .script("cache", slow(1));
    let (outcomes, _) = start(&engine, specs(), BTreeMap::new()).await;

    assert!(outcomes.values().all(|o| *o
        == Outcome::Ready {
            changed: true,
            adopted: false
        }));
    let at = |call: Call| engine.position(&call);
    let starts_after = |app: &str, dependency: &str| {
        assert!(
            at(Call::Start(app.into())) > at(Call::Ready(dependency.into())),
            "{app} started before {dependency} was ready: {:?}",
            engine.calls()
        )
    };
    starts_after("api", "db");
    starts_after("api", "cache");
    starts_after("web", "api");
    // Creating needs nothing from the dependencies: every instance is made up front.
    assert!(at(Call::Create("web".into())) < at(Call::Ready("db".into())));
    // An app with no dependencies does not wait for the slow ones.
    assert!(at(Call::Ready("mail".into())) < at(Call::Ready("db".into())));
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_failure_leaves_its_dependents_unstarted_and_independent_apps_go_on() {
    let exits = Script {
        exits_with: Some(3),
        ..Script::default()
    };
    let engine = FakeEngine::new().script("db", exits);
    let (outcomes, _) = start(&engine, specs(), BTreeMap::new()).await;

    let Outcome::Failed(failure) = &outcomes["db"] else {
        panic!("db: {:?}", outcomes["db"]);
    };
    assert_eq!(failure.exit_code, Some(3));
    assert_eq!(failure.logs, ["db: the last line it wrote"]);
    assert_eq!(
        outcomes["api"],
        Outcome::NotStarted {
            because: "its dependency db failed".into()
        }
    );
    assert_eq!(
        outcomes["web"],
        Outcome::NotStarted {
            because: "its dependency api was not started".into()
        }
    );
    assert_eq!(
        outcomes["cache"],
        Outcome::Ready {
            changed: true,
            adopted: false
        }
    );
    assert_eq!(
        outcomes["mail"],
        Outcome::Ready {
            changed: true,
            adopted: false
        }
    );
    let calls = engine.calls();
    assert!(!calls.contains(&Call::Start("api".into())), "{calls:?}");
    assert!(!calls.contains(&Call::Start("web".into())), "{calls:?}");
    // Their instances stay created: the next start starts them.
    assert!(calls.contains(&Call::Create("web".into())), "{calls:?}");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_create_or_start_the_engine_refuses_fails_that_app_alone() {
    let engine = FakeEngine::new()
        .script(
            "cache",
            Script {
                create_fails: Some("no space left on device".into()),
                ..Script::default()
            },
        )
        .script(
            "mail",
            Script {
                start_fails: Some("port is already allocated".into()),
                ..Script::default()
            },
        );
    let (outcomes, _) = start(&engine, specs(), BTreeMap::new()).await;
    let failed = |app: &str| match &outcomes[app] {
        Outcome::Failed(f) => f.message.clone(),
        other => panic!("{app}: {other:?}"),
    };
    assert_eq!(failed("cache"), "cannot create: no space left on device");
    assert_eq!(failed("mail"), "cannot start: port is already allocated");
    assert_eq!(
        outcomes["db"],
        Outcome::Ready {
            changed: true,
            adopted: false
        }
    );
    assert!(matches!(outcomes["api"], Outcome::NotStarted { .. }));
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_instance_a_concurrent_ark_just_made_with_the_same_config_is_adopted() {
    let db = spec("db", &[]);
    let engine = FakeEngine::new().script(
        "db",
        Script {
            taken_by: Some((ENV.into(), "db".into(), db.fingerprint())),
            ..Script::default()
        },
    );
    let (outcomes, _) = start(&engine, vec![db], BTreeMap::new()).await;
    assert_eq!(
        outcomes["db"],
        Outcome::Ready {
            changed: true,
            adopted: true
        },
        "counted as adopted, not as started here"
    );
    assert_eq!(
        engine.calls(),
        [
            Call::Create("db".into()),
            Call::Start("db".into()),
            Call::Ready("db".into())
        ]
    );
}

/// Five concurrent starts of one environment: each app is made by one of them, and the
/// others adopt it. A start counts what it adopted as adopted, not as started.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn what_a_concurrent_start_made_is_counted_as_adopted() {
    let mine = |app: &str| Script {
        taken_by: Some((ENV.into(), app.into(), spec(app, &[]).fingerprint())),
        ..Script::default()
    };
    let engine = FakeEngine::new()
        .script("db", mine("db"))
        .script("web", mine("web"));
    let specs = vec![spec("db", &[]), spec("cache", &[]), spec("web", &["db"])];
    let (outcomes, _) = start(&engine, specs, BTreeMap::new()).await;
    let adopted: Vec<&str> = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Ready { adopted: true, .. }))
        .map(|(app, _)| app.as_str())
        .collect();
    assert_eq!(adopted, ["db", "web"]);
    assert_eq!(
        outcomes["cache"],
        Outcome::Ready {
            changed: true,
            adopted: false
        }
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_name_held_by_something_else_or_another_config_is_never_touched() {
    let cases = [
        (
            ("other-env", BTreeMap::new()),
            "a container named `ark_other-env_db` exists and is not ark's: ark will not touch it (rename or remove it yourself)",
        ),
        (
            (ENV, BTreeMap::from([("env.LOG_LEVEL".into(), "other".into())])),
            "another ark is changing `db` right now with a different config: run start again",
        ),
    ];
    for ((owner, fingerprint), expected) in cases {
        let engine = FakeEngine::new().script(
            "db",
            Script {
                taken_by: Some((owner.into(), "db".into(), fingerprint)),
                ..Script::default()
            },
        );
        let (outcomes, _) = start(&engine, vec![spec("db", &[])], BTreeMap::new()).await;
        match &outcomes["db"] {
            Outcome::Failed(f) => assert_eq!(f.message, expected),
            other => panic!("{other:?}"),
        }
        assert_eq!(engine.calls(), [Call::Create("db".into())]);
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_changed_app_is_replaced_and_an_unchanged_one_left_running() {
    let engine = FakeEngine::new();
    let mut old_db = spec("db", &[]);
    old_db.env.vars[0].value = Some("debug".into());
    let observed = BTreeMap::from([
        ("db".to_owned(), engine.existing(ENV, &old_db, true)),
        (
            "cache".to_owned(),
            engine.existing(ENV, &spec("cache", &[]), true),
        ),
    ]);
    let (outcomes, events) =
        start(&engine, vec![spec("db", &[]), spec("cache", &[])], observed).await;
    assert_eq!(
        outcomes["db"],
        Outcome::Ready {
            changed: true,
            adopted: false
        }
    );
    assert_eq!(
        outcomes["cache"],
        Outcome::Ready {
            changed: false,
            adopted: false
        }
    );
    assert_eq!(
        engine.calls(),
        [
            // An engine that keeps no retired revisions stops and removes the old one.
            Call::Stop("db".into()),
            Call::Remove("db".into()),
            Call::Create("db".into()),
            Call::Start("db".into()),
            Call::Ready("db".into())
        ]
    );
    assert_eq!(
        said(&events, "db"),
        ["recreating env LOG_LEVEL changed", "starting", "ready"]
    );
    assert_eq!(said(&events, "cache"), ["unchanged"]);
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn ctrl_c_mid_start_leaves_what_was_made_and_starts_nothing_more() {
    let engine = FakeEngine::new().script("db", slow(60));
    let interrupted = tokio::select! {
        _ = start(&engine, specs(), BTreeMap::new()) => false,
        () = tokio::time::sleep(Duration::from_secs(2)) => true,
    };
    assert!(interrupted, "the start should still wait for db");
    let calls = engine.calls();
    for app in ["db", "cache", "mail", "api", "web"] {
        assert!(
            calls.contains(&Call::Create(app.into())),
            "{app}: {calls:?}"
        );
    }
    assert!(!calls.contains(&Call::Start("api".into())), "{calls:?}");
    assert!(!calls.contains(&Call::Start("web".into())), "{calls:?}");
    assert!(
        !calls
            .iter()
            .any(|c| matches!(c, Call::Remove(_) | Call::Stop(_))),
        "nothing is undone: {calls:?}"
    );
    // Labelled, consistent state: the next start finds all five.
    assert_eq!(engine.list(Some(ENV)).await.unwrap_or_default().len(), 5);
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_dependency_shared_by_many_apps_is_waited_for_once_by_each() {
    // A wide fan-in: twenty apps on one slow base; each starts after it, none before.
    let engine = FakeEngine::new().script("base", slow(3));
    let mut all = vec![spec("base", &[])];
    let names: Vec<String> = (0..20).map(|i| format!("app{i:02}")).collect();
    all.extend(names.iter().map(|n| spec(n, &["base"])));
    let (outcomes, _) = start(&engine, all, BTreeMap::new()).await;
    assert_eq!(outcomes.len(), 21);
    assert!(outcomes
        .values()
        .all(|o| matches!(o, Outcome::Ready { .. })));
    let base_ready = engine.position(&Call::Ready("base".into()));
    for name in &names {
        assert!(engine.position(&Call::Start(name.clone())) > base_ready);
    }
}

/// What the executor said about `app`, one "phase detail" per event.
fn said(events: &[Event], app: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| e.app == app)
        .map(|e| {
            format!("{} {}", e.phase.name(), e.phase.detail())
                .trim()
                .to_owned()
        })
        .collect()
}

fn refused_as_stale(times: usize) -> Script {
    Script {
        start_refused_as_stale: times,
        ..Script::default()
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_instance_the_engine_cannot_start_any_more_is_made_again_and_its_dependents_go_on() {
    // An engine crash mid-start left db created but unstartable, api not started.
    let engine = FakeEngine::new().script("db", refused_as_stale(1));
    let (db, api) = (spec("db", &[]), spec("api", &["db"]));
    let observed = BTreeMap::from([
        ("db".to_owned(), engine.existing(ENV, &db, false)),
        ("api".to_owned(), engine.existing(ENV, &api, false)),
    ]);
    let (outcomes, events) = start(&engine, vec![db, api], observed).await;
    let started = Outcome::Ready {
        changed: true,
        adopted: false,
    };
    assert_eq!(outcomes["db"], started);
    assert_eq!(outcomes["api"], started);
    let calls = engine.calls();
    let db_calls: Vec<&Call> = calls
        .iter()
        .filter(|c| format!("{c:?}").contains("\"db\""))
        .collect();
    assert_eq!(
        db_calls,
        [
            &Call::Start("db".into()),
            &Call::Remove("db".into()),
            &Call::Create("db".into()),
            &Call::Start("db".into()),
            &Call::Ready("db".into())
        ]
    );
    assert!(
        engine.position(&Call::Start("api".into())) > engine.position(&Call::Ready("db".into()))
    );
    assert_eq!(
        said(&events, "db"),
        [
            "starting",
            "recreating the engine cannot start the old container",
            "starting",
            "ready"
        ]
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_instance_refused_again_once_made_again_fails_without_a_loop() {
    let engine = FakeEngine::new().script("db", refused_as_stale(5));
    let db = spec("db", &[]);
    let observed = BTreeMap::from([("db".to_owned(), engine.existing(ENV, &db, false))]);
    let (outcomes, _) = start(&engine, vec![db], observed).await;
    let Outcome::Failed(failure) = &outcomes["db"] else {
        panic!("db: {:?}", outcomes["db"]);
    };
    assert_eq!(
        failure.message,
        "cannot start: the engine can no longer start it (an earlier start was cut short): start container: task fake-db: already exists"
    );
    assert!(failure.has_container);
    assert_eq!(
        engine.calls(),
        [
            Call::Start("db".into()),
            Call::Remove("db".into()),
            Call::Create("db".into()),
            Call::Start("db".into()),
        ]
    );
}
