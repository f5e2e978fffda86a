//! The pinned-port preflight, decided before anything is created: whether every host port a
//! start plan pins can be had. Two apps of the environment pinned to one port, a port a
//! running instance of another app (of any ark environment) publishes, and a port this
//! machine will not bind all fail the start at once — rather than the engine refusing the
//! second bind after everything else was made. The command observes (the engine's listing,
//! a bind attempt); this decides.

use super::plan::{Action, Plan};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A host port the plan pins for one app's expose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub app: String,
    pub expose: String,
    /// The address it is bound to (`127.0.0.1`, `0.0.0.0`, …).
    pub bind: String,
    pub port: u16,
}

/// A host port a running instance publishes, as the engine lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldPort {
    pub environment: String,
    pub app: String,
    pub bind: String,
    pub port: u16,
}

/// One reason a pinned port cannot be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clash {
    /// Apps of the environment pinned to one host port: the engine would refuse all but one.
    Shared(Vec<Pin>),
    /// A running instance of another app publishes it.
    Held { pin: Pin, holder: HeldPort },
    /// This machine would not bind it: something outside ark listens there.
    InUse(Pin),
}

/// Every pin of the plan's apps, in plan order.
fn all_pins<'p>(plan: &'p Plan) -> impl Iterator<Item = (&'p Action, Pin)> + 'p {
    plan.steps.iter().flat_map(|step| {
        step.spec.ports.iter().filter_map(move |port| {
            let pin = Pin {
                app: step.spec.name.clone(),
                expose: port.expose.clone(),
                bind: port.bind.clone(),
                port: port.host_port?,
            };
            Some((&step.action, pin))
        })
    })
}

/// The pins a start is about to bind: those of the apps it creates, replaces or starts (an
/// app left running holds its ports already). The command asks this machine about these.
pub fn to_bind(plan: &Plan) -> Vec<Pin> {
    all_pins(plan)
        .filter(|(action, _)| !matches!(action, Action::Leave))
        .map(|(_, pin)| pin)
        .collect()
}

/// Whether the plan pins any host port at all (when not, there is nothing to observe).
pub fn pins_any(plan: &Plan) -> bool {
    all_pins(plan).next().is_some()
}

/// What stands in the way of the plan's pinned ports: `held` lists the ports running
/// instances publish on the engine (every environment's), `busy_here` the pins of
/// `to_bind` this machine refused to bind. An app's own instance holds its ports until it is
/// replaced, so it stands in no one's way of its own.
pub fn clashes(
    environment: &str,
    plan: &Plan,
    held: &[HeldPort],
    busy_here: &BTreeSet<(String, u16)>,
) -> Vec<Clash> {
    let mut found = Vec::new();
    let mut by_port: BTreeMap<u16, Vec<Pin>> = BTreeMap::new();
    for (_, pin) in all_pins(plan) {
        by_port.entry(pin.port).or_default().push(pin);
    }
    for pins in by_port.into_values() {
        let shared: Vec<Pin> = pins
            .iter()
            .enumerate()
            .filter(|(i, a)| {
                pins.iter()
                    .enumerate()
                    .any(|(j, b)| *i != j && overlap(&a.bind, &b.bind))
            })
            .map(|(_, pin)| pin.clone())
            .collect();
        if !shared.is_empty() {
            found.push(Clash::Shared(shared));
        }
    }
    for pin in to_bind(plan) {
        let own = |h: &&HeldPort| h.environment == environment && h.app == pin.app;
        let holder = held
            .iter()
            .filter(|h| h.port == pin.port && overlap(&h.bind, &pin.bind))
            .find(|h| !own(h));
        let owned = held.iter().filter(own).any(|h| h.port == pin.port);
        match holder {
            Some(holder) => found.push(Clash::Held {
                pin,
                holder: holder.clone(),
            }),
            None if !owned && busy_here.contains(&(pin.bind.clone(), pin.port)) => {
                found.push(Clash::InUse(pin));
            }
            None => {}
        }
    }
    found
}

/// Whether binds on `a` and on `b` (one port) would collide: the same address, or either
/// is every address.
fn overlap(a: &str, b: &str) -> bool {
    let every = |bind: &str| {
        bind.is_empty()
            || bind
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_unspecified())
    };
    a == b || every(a) || every(b)
}

impl fmt::Display for Clash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Clash::Shared(pins) => {
                let one_bind = pins.iter().all(|p| p.bind == pins[0].bind);
                let named: Vec<String> = pins
                    .iter()
                    .map(|p| {
                        if one_bind {
                            format!("`{}` ({})", p.app, p.expose)
                        } else {
                            format!("`{}` ({} on {})", p.app, p.expose, p.bind)
                        }
                    })
                    .collect();
                let (last, rest) = named.split_last().expect("a shared port has two pins");
                let port = if one_bind {
                    format!("{}:{}", pins[0].bind, pins[0].port)
                } else {
                    format!("port {}", pins[0].port)
                };
                let both = if rest.len() == 1 { "both " } else { "" };
                write!(
                    f,
                    "{port} is pinned by {both}{} and {last}",
                    rest.join(", ")
                )
            }
            Clash::Held { pin, holder } => write!(
                f,
                "{}:{} ({} {}) is held by `{}` of running environment `{}`",
                pin.bind, pin.port, pin.app, pin.expose, holder.app, holder.environment
            ),
            Clash::InUse(pin) => write!(
                f,
                "{}:{} ({} {}) is already in use",
                pin.bind, pin.port, pin.app, pin.expose
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::plan::{Observed, ObservedApp};
    use crate::core::spec::{AppSpec, PortSpec};

    fn pinned(name: &str, pins: &[(&str, u16)]) -> AppSpec {
        let mut spec = AppSpec::example(name, &[]);
        spec.ports = pins
            .iter()
            .map(|(bind, port)| PortSpec {
                expose: "http".into(),
                container_port: 8080,
                host_port: Some(*port),
                bind: (*bind).into(),
            })
            .collect();
        spec
    }

    /// A plan for `specs`, with `running` already running unchanged.
    fn plan(specs: Vec<AppSpec>, running: &[&str]) -> Plan {
        let apps = specs
            .iter()
            .filter(|s| running.contains(&s.name.as_str()))
            .map(|s| {
                let seen = ObservedApp {
                    fingerprint: s.fingerprint(),
                    running: true,
                    ..ObservedApp::default()
                };
                (s.name.clone(), seen)
            })
            .collect();
        let observed = Observed {
            apps,
            consulted: true,
            changes_roll: false,
            rolls_over: false,
            publishes_only_asked: false,
        };
        Plan::new("e", specs, &observed)
    }

    fn held(environment: &str, app: &str, bind: &str, port: u16) -> HeldPort {
        HeldPort {
            environment: environment.into(),
            app: app.into(),
            bind: bind.into(),
            port,
        }
    }

    fn messages(clashes: &[Clash]) -> Vec<String> {
        clashes.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn two_apps_of_the_environment_pinned_to_one_port_clash() {
        let specs = vec![
            pinned("a1", &[("127.0.0.1", 38473)]),
            pinned("a2", &[("127.0.0.1", 38473)]),
            pinned("a3", &[("127.0.0.1", 38474)]),
        ];
        assert_eq!(
            messages(&clashes("e", &plan(specs, &[]), &[], &BTreeSet::new())),
            ["127.0.0.1:38473 is pinned by both `a1` (http) and `a2` (http)"]
        );
    }

    #[test]
    fn every_address_overlaps_each_address_and_distinct_addresses_do_not() {
        let specs = vec![
            pinned("a1", &[("0.0.0.0", 9000)]),
            pinned("a2", &[("127.0.0.1", 9000)]),
            pinned("a3", &[("127.0.0.2", 9001)]),
            pinned("a4", &[("127.0.0.3", 9001)]),
        ];
        assert_eq!(
            messages(&clashes("e", &plan(specs, &[]), &[], &BTreeSet::new())),
            ["port 9000 is pinned by both `a1` (http on 0.0.0.0) and `a2` (http on 127.0.0.1)"]
        );
    }

    #[test]
    fn a_port_another_running_environment_publishes_clashes_and_an_own_one_does_not() {
        let specs = vec![
            pinned("web", &[("127.0.0.1", 38473)]),
            pinned("api", &[("127.0.0.1", 38474)]),
        ];
        let on_engine = [
            held("other", "front", "0.0.0.0", 38473),
            // api's own old instance: it is replaced, so it gives the port up.
            held("e", "api", "127.0.0.1", 38474),
        ];
        // What this machine refused to bind: both, as a local engine's proxies hold them.
        let busy = BTreeSet::from([("127.0.0.1".into(), 38473), ("127.0.0.1".into(), 38474)]);
        assert_eq!(
            messages(&clashes("e", &plan(specs, &[]), &on_engine, &busy)),
            ["127.0.0.1:38473 (web http) is held by `front` of running environment `other`"]
        );
    }

    #[test]
    fn an_app_left_running_binds_nothing_anew_but_its_port_is_not_anyone_elses() {
        let specs = vec![
            pinned("web", &[("127.0.0.1", 38473)]),
            pinned("api", &[("127.0.0.1", 38473)]),
        ];
        let on_engine = [held("e", "web", "127.0.0.1", 38473)];
        let busy = BTreeSet::from([("127.0.0.1".into(), 38473)]);
        let found = clashes("e", &plan(specs, &["web"]), &on_engine, &busy);
        assert_eq!(
            messages(&found),
            [
                "127.0.0.1:38473 is pinned by both `web` (http) and `api` (http)",
                "127.0.0.1:38473 (api http) is held by `web` of running environment `e`"
            ]
        );
    }

    #[test]
    fn a_port_this_machine_will_not_bind_is_in_use() {
        let specs = vec![pinned("web", &[("127.0.0.1", 38473)])];
        let busy = BTreeSet::from([("127.0.0.1".into(), 38473)]);
        let planned = plan(specs, &[]);
        assert_eq!(to_bind(&planned).len(), 1);
        assert_eq!(
            messages(&clashes("e", &planned, &[], &busy)),
            ["127.0.0.1:38473 (web http) is already in use"]
        );
    }

    #[test]
    fn nothing_pinned_nothing_to_check() {
        let planned = plan(vec![AppSpec::example("web", &[])], &[]);
        assert!(!pins_any(&planned));
        assert!(clashes("e", &planned, &[], &BTreeSet::new()).is_empty());
    }
}
