//! The plan: what `start` will do to each app, and why. Every decision is made here, in pure
//! code, from the desired specs and what the engine reports; the executor only carries the
//! steps out. The text form is deterministic: `--dry-run` and `ark plan` print it.

use super::fingerprint_key::KEY_FIELD;
use super::spec::{AppSpec, Rollout};
use std::collections::BTreeMap;

/// What the engine has for one app of the environment (read from ark's labels).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObservedApp {
    /// The fingerprint recorded when the container was created.
    pub fingerprint: BTreeMap<String, String>,
    pub running: bool,
    /// The image the container runs differs from the image the name now points to.
    pub image_replaced: bool,
    /// Running, but off the environment's network (an engine crash mid-start): unreachable.
    pub detached: bool,
}

/// What the engine has for the environment; empty when no engine was consulted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Observed {
    pub apps: BTreeMap<String, ObservedApp>,
    /// False when the plan was made without asking an engine.
    pub consulted: bool,
    /// The engine updates a changed app in place, new instance first (Swarm), instead of
    /// replacing it.
    pub changes_roll: bool,
    /// The engine runs a changed app's new revision beside the old one until it is ready
    /// (a rollover), when nothing stops the two running at once.
    pub rolls_over: bool,
    /// The engine publishes only pinned ports (and all with `publish: true`), on every
    /// interface of the node an instance runs on (Swarm's host mode).
    pub publishes_only_asked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// No container yet.
    Create,
    /// The container's config differs: replace it. Each reason is one changed field.
    Recreate(Vec<String>),
    /// The config differs, and the engine changes it in place: new instance first, old one
    /// retired once the new is ready. Each reason is one changed field.
    Update(Vec<String>),
    /// The config differs: the new revision starts beside the running one, takes the app's
    /// name once ready, and the old one is retired. Each reason is one changed field.
    Rollover(Vec<String>),
    /// The config differs, but the two cannot run at once (`because`: a pinned port, or
    /// asked): the old one stops first, then the new one starts.
    StopFirst {
        because: String,
        reasons: Vec<String>,
    },
    /// The container exists unchanged but is not running.
    Start,
    /// Running and unchanged.
    Leave,
}

impl Action {
    pub fn verb(&self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Recreate(_) => "recreate",
            Action::Update(_) => "update (rolling)",
            Action::Rollover(_) => "rollover",
            Action::StopFirst { .. } => "replace (stop first)",
            Action::Start => "start",
            Action::Leave => "leave",
        }
    }

    pub fn reason(&self) -> String {
        match self {
            Action::Create => "new".into(),
            Action::Recreate(reasons) | Action::Update(reasons) | Action::Rollover(reasons) => {
                reasons.join(", ")
            }
            Action::StopFirst { because, reasons } => format!("{because}; {}", reasons.join(", ")),
            Action::Start => "not running".into(),
            Action::Leave => "running, unchanged".into(),
        }
    }

    pub fn changes_anything(&self) -> bool {
        *self != Action::Leave
    }

    /// The step in a line: "rollover: env LOG_LEVEL changed", "recreate (image changed)".
    /// The two ways a changed app is replaced are said with a colon, as what follows is
    /// why it is done that way.
    pub fn summary(&self) -> String {
        match self {
            Action::Rollover(_) | Action::StopFirst { .. } => {
                format!("{}: {}", self.verb(), self.reason())
            }
            _ => format!("{} ({})", self.verb(), self.reason()),
        }
    }

    /// The fields that changed, for the revision it makes (none for a new app).
    pub fn changed(&self) -> &[String] {
        match self {
            Action::Recreate(reasons)
            | Action::Update(reasons)
            | Action::Rollover(reasons)
            | Action::StopFirst { reasons, .. } => reasons,
            Action::Create | Action::Start | Action::Leave => &[],
        }
    }

    /// What the step does instead when the engine answers that it has the app's instance but
    /// cannot start it any more (an engine crash cut an earlier start short): make it again,
    /// saying why — once: an instance made again and refused too is a failure, not a loop.
    /// A step that starts nothing has no such answer to expect.
    pub fn if_start_refused(&self) -> Option<Action> {
        match self {
            // A rollover's new revision runs beside the old one, which still serves.
            Action::Leave | Action::Rollover(_) => None,
            Action::Recreate(reasons) if reasons == &[CANNOT_START_OLD] => None,
            Action::Create
            | Action::Recreate(_)
            | Action::Update(_)
            | Action::StopFirst { .. }
            | Action::Start => Some(Action::Recreate(vec![CANNOT_START_OLD.to_owned()])),
        }
    }

    /// Whether the step makes a new instance, and so needs the app's image on the engine
    /// (an instance that exists already has its image).
    pub fn makes_instance(&self) -> bool {
        matches!(
            self,
            Action::Create
                | Action::Recreate(_)
                | Action::Update(_)
                | Action::Rollover(_)
                | Action::StopFirst { .. }
        )
    }
}

/// Why an instance the engine refuses to start is made again (`Action::if_start_refused`).
pub const CANNOT_START_OLD: &str = "the engine cannot start the old container";

/// Why a running instance that is off its environment's network is made again.
pub const LOST_NETWORK: &str = "the engine lost the old container's network";

/// What a start does when the app's instance name turns out to be held already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Adoption {
    /// The same app of the same environment with the planned config: a concurrent ark made
    /// it a moment ago. Use it.
    Adopt,
    /// Something that is not this app of this environment: never touched.
    NotOurs,
    /// This app, but with another config: another ark is changing it right now.
    ChangedByAnother,
}

/// Decides about an instance found holding the name of `spec`'s, by what its labels record.
pub fn adoption(
    environment: &str,
    spec: &AppSpec,
    holder_environment: &str,
    holder_app: &str,
    holder_fingerprint: &BTreeMap<String, String>,
) -> Adoption {
    if holder_environment != environment || holder_app != spec.name {
        Adoption::NotOurs
    } else if *holder_fingerprint == spec.fingerprint() {
        Adoption::Adopt
    } else {
        Adoption::ChangedByAnother
    }
}

#[derive(Debug, Clone)]
pub struct Step {
    pub spec: AppSpec,
    pub action: Action,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub environment: String,
    /// In start order.
    pub steps: Vec<Step>,
    pub engine_consulted: bool,
    /// See `Observed::publishes_only_asked`.
    pub publishes_only_asked: bool,
}

impl Plan {
    pub fn new(environment: &str, specs: Vec<AppSpec>, observed: &Observed) -> Plan {
        let steps = specs
            .into_iter()
            .map(|spec| {
                let action = match observed.apps.get(&spec.name) {
                    None => Action::Create,
                    Some(current) => decide(&spec, current, observed),
                };
                Step { spec, action }
            })
            .collect();
        Plan {
            environment: environment.to_owned(),
            steps,
            engine_consulted: observed.consulted,
            publishes_only_asked: observed.publishes_only_asked,
        }
    }

    pub fn changes_anything(&self) -> bool {
        self.steps.iter().any(|s| s.action.changes_anything())
    }

    /// Whether a port of `spec` is published where this plan runs.
    pub fn publishes(&self, spec: &AppSpec, port: &crate::core::spec::PortSpec) -> bool {
        !self.publishes_only_asked || port.host_port.is_some() || spec.publish
    }
}

fn decide(spec: &AppSpec, current: &ObservedApp, observed: &Observed) -> Action {
    let wanted = spec.fingerprint();
    // Hashes made with another key (or none: before keys existed) cannot be compared field
    // by field: one recreate, saying why, instead of every variable "changed".
    let mut reasons = match (current.fingerprint.get(KEY_FIELD), wanted.get(KEY_FIELD)) {
        (None, _) => vec!["fingerprint format changed (values are now keyed)".to_owned()],
        (Some(old), Some(new)) if old != new => vec!["fingerprint key changed".to_owned()],
        _ => differences(&current.fingerprint, &wanted),
    };
    if current.image_replaced && !reasons.iter().any(|r| r.starts_with("image")) {
        reasons.push("image rebuilt".into());
    }
    if current.running && current.detached {
        reasons.push(LOST_NETWORK.into());
    }
    if !reasons.is_empty() && observed.changes_roll && current.running {
        Action::Update(reasons)
    } else if !reasons.is_empty() && observed.rolls_over && current.running {
        match stop_first_because(spec) {
            Some(because) => Action::StopFirst { because, reasons },
            None => Action::Rollover(reasons),
        }
    } else if !reasons.is_empty() {
        Action::Recreate(reasons)
    } else if current.running {
        Action::Leave
    } else {
        Action::Start
    }
}

/// Why the new revision of `spec` cannot start beside the old one: a pinned host port is
/// the old one's until it stops; or the environment (or `--replace`) asks for stop-first.
fn stop_first_because(spec: &AppSpec) -> Option<String> {
    if let Some(pinned) = spec.ports.iter().find(|p| p.host_port.is_some()) {
        return Some(format!("port {} pinned", pinned.expose));
    }
    match &spec.rollout {
        Rollout::Rollover => None,
        Rollout::StopFirst(asked) => Some(asked.clone()),
    }
}

/// The expose name of a host port pinned in an instance's recorded fingerprint (`port.http`
/// = `127.0.0.1:8080->80`; unpinned is `…:any->80`): two revisions cannot both hold it.
pub fn pinned_port(fingerprint: &BTreeMap<String, String>) -> Option<String> {
    fingerprint.iter().find_map(|(key, value)| {
        let expose = key.strip_prefix("port.")?;
        let host = value.split("->").next()?.rsplit(':').next()?;
        (host != "any").then(|| expose.to_owned())
    })
}

/// One human reason per changed field: "env LOG_LEVEL changed", "port http changed", …
pub fn differences(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>) -> Vec<String> {
    let describe = |key: &str| -> String {
        match key.split_once('.') {
            Some((kind, name)) => format!("{kind} {name}"),
            None => key.to_owned(),
        }
    };
    let mut reasons = Vec::new();
    for (key, value) in new {
        match old.get(key) {
            None => reasons.push(format!("{} added", describe(key))),
            Some(previous) if previous != value => {
                reasons.push(format!("{} changed", describe(key)))
            }
            _ => {}
        }
    }
    for key in old.keys().filter(|k| !new.contains_key(*k)) {
        reasons.push(format!("{} removed", describe(key)));
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fingerprint_key::FingerprintKey;
    use crate::core::resolved_env::{ResolvedEnv, ResolvedVar};
    use crate::core::spec::{ImageSource, PortSpec};

    fn spec(log_level: &str) -> AppSpec {
        AppSpec {
            name: "api".into(),
            image: ImageSource {
                name: "api".into(),
                explicit: false,
                build: None,
            },
            command: None,
            env: ResolvedEnv {
                vars: vec![ResolvedVar {
                    name: "LOG_LEVEL".into(),
                    value: Some(log_level.into()),
                    source: None,
                    from_secret: false,
                    secret: None,
                }],
            },
            ports: vec![PortSpec {
                expose: "http".into(),
                container_port: 80,
                host_port: None,
                bind: "127.0.0.1".into(),
            }],
            checks: vec![],
            resources: Default::default(),
            init: true,
            replicas: 1,
            publish: false,
            rollout: Rollout::Rollover,
            waits_for: vec![],
            definition: "launch/api.yml".into(),
            fingerprint_key: FingerprintKey::from_bytes([1; 32]),
        }
    }

    fn observed(fingerprint: BTreeMap<String, String>, running: bool) -> Observed {
        Observed {
            apps: [(
                "api".to_owned(),
                ObservedApp {
                    fingerprint,
                    running,
                    image_replaced: false,
                    detached: false,
                },
            )]
            .into(),
            consulted: true,
            changes_roll: false,
            rolls_over: false,
            publishes_only_asked: false,
        }
    }

    #[test]
    fn nothing_observed_means_create() {
        let plan = Plan::new("dev", vec![spec("info")], &Observed::default());
        assert_eq!(plan.steps[0].action, Action::Create);
    }

    #[test]
    fn unchanged_and_running_is_left_alone() {
        let plan = Plan::new(
            "dev",
            vec![spec("info")],
            &observed(spec("info").fingerprint(), true),
        );
        assert_eq!(plan.steps[0].action, Action::Leave);
        assert!(!plan.changes_anything());
    }

    #[test]
    fn unchanged_but_stopped_is_started() {
        let plan = Plan::new(
            "dev",
            vec![spec("info")],
            &observed(spec("info").fingerprint(), false),
        );
        assert_eq!(plan.steps[0].action, Action::Start);
    }

    #[test]
    fn a_changed_variable_recreates_with_the_reason() {
        let plan = Plan::new(
            "dev",
            vec![spec("debug")],
            &observed(spec("info").fingerprint(), true),
        );
        assert_eq!(
            plan.steps[0].action,
            Action::Recreate(vec!["env LOG_LEVEL changed".into()])
        );
    }

    #[test]
    fn where_the_engine_updates_in_place_a_running_changed_app_rolls_and_a_stopped_one_is_made_again(
    ) {
        let rolling = |running| Observed {
            changes_roll: true,
            ..observed(spec("info").fingerprint(), running)
        };
        let plan = Plan::new("dev", vec![spec("debug")], &rolling(true));
        assert_eq!(
            plan.steps[0].action,
            Action::Update(vec!["env LOG_LEVEL changed".into()])
        );
        assert_eq!(plan.steps[0].action.verb(), "update (rolling)");
        assert!(plan.steps[0].action.makes_instance());
        let plan = Plan::new("dev", vec![spec("debug")], &rolling(false));
        assert_eq!(
            plan.steps[0].action,
            Action::Recreate(vec!["env LOG_LEVEL changed".into()])
        );
    }

    #[test]
    fn a_fingerprint_from_before_keys_or_with_another_key_recreates_once_saying_why() {
        let mut unkeyed = spec("info").fingerprint();
        unkeyed.remove(KEY_FIELD);
        let plan = Plan::new("dev", vec![spec("info")], &observed(unkeyed, true));
        assert_eq!(
            plan.steps[0].action,
            Action::Recreate(vec![
                "fingerprint format changed (values are now keyed)".into()
            ])
        );
        let mut other = spec("info");
        other.fingerprint_key = FingerprintKey::from_bytes([2; 32]);
        let plan = Plan::new(
            "dev",
            vec![spec("info")],
            &observed(other.fingerprint(), true),
        );
        assert_eq!(
            plan.steps[0].action,
            Action::Recreate(vec!["fingerprint key changed".into()])
        );
    }

    #[test]
    fn an_instance_the_engine_cannot_start_any_more_is_made_again_once_saying_why() {
        let again = Action::Recreate(vec![CANNOT_START_OLD.to_owned()]);
        for action in [
            Action::Start,
            Action::Create,
            Action::Recreate(vec!["env LOG_LEVEL changed".into()]),
        ] {
            assert_eq!(action.if_start_refused(), Some(again.clone()), "{action:?}");
        }
        assert_eq!(again.reason(), "the engine cannot start the old container");
        // Made again and still refused: that is a failure, not a loop.
        assert_eq!(again.if_start_refused(), None);
        // Nothing is started, so nothing can be refused.
        assert_eq!(Action::Leave.if_start_refused(), None);
    }

    #[test]
    fn a_running_instance_off_its_network_is_made_again_saying_why() {
        let mut seen = observed(spec("info").fingerprint(), true);
        if let Some(api) = seen.apps.get_mut("api") {
            api.detached = true;
        }
        let plan = Plan::new("dev", vec![spec("info")], &seen);
        assert_eq!(
            plan.steps[0].action,
            Action::Recreate(vec!["the engine lost the old container's network".into()])
        );
    }

    #[test]
    fn a_pinned_port_is_read_from_a_recorded_fingerprint() {
        let mut pinned = spec("info");
        assert_eq!(pinned_port(&pinned.fingerprint()), None);
        pinned.ports[0].host_port = Some(18080);
        assert_eq!(pinned_port(&pinned.fingerprint()), Some("http".into()));
    }

    #[test]
    fn a_running_changed_app_rolls_over_unless_its_port_is_pinned_or_stop_first_is_asked() {
        let rolls = |spec: AppSpec| {
            let seen = Observed {
                rolls_over: true,
                ..observed(spec_fingerprint(), true)
            };
            Plan::new("dev", vec![spec], &seen).steps[0].action.clone()
        };
        fn spec_fingerprint() -> BTreeMap<String, String> {
            spec("info").fingerprint()
        }
        let rolled = rolls(spec("debug"));
        assert_eq!(rolled.summary(), "rollover: env LOG_LEVEL changed");
        let mut pinned = spec("debug");
        pinned.ports[0].host_port = Some(18080);
        assert_eq!(
            rolls(pinned).summary(),
            "replace (stop first): port http pinned; env LOG_LEVEL changed, port http changed"
        );
        let mut asked = spec("debug");
        asked.rollout = Rollout::StopFirst("--replace stop-first".into());
        assert_eq!(
            rolls(asked).summary(),
            "replace (stop first): --replace stop-first; env LOG_LEVEL changed"
        );
        // Nothing runs, so nothing serves meanwhile: made again.
        let seen = Observed {
            rolls_over: true,
            ..observed(spec("info").fingerprint(), false)
        };
        let stopped = Plan::new("dev", vec![spec("debug")], &seen);
        assert_eq!(
            stopped.steps[0].action.summary(),
            "recreate (env LOG_LEVEL changed)"
        );
    }

    #[test]
    fn every_kind_of_difference_is_named() {
        let old: BTreeMap<String, String> = [("image", "a"), ("env.GONE", "1"), ("port.http", "x")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let new: BTreeMap<String, String> = [("image", "b"), ("env.NEW", "1"), ("port.http", "x")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            differences(&old, &new),
            ["env NEW added", "image changed", "env GONE removed"]
        );
    }
}
