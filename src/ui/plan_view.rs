//! The plan's text and JSON forms. Deterministic (no colour, no clock): `ark plan`,
//! `ark start --dry-run` and the tests all compare the same text.

use super::json::{self, shown_value};
use crate::core::definition::Probe;
use crate::core::environment::Environment;
use crate::core::plan::Plan;
use crate::core::spec::AppSpec;
use crate::core::start_set::{Role, StartSet};
use serde_json::{json, Value};

pub fn render_text(plan: &Plan, start_set: &StartSet, environment: &Environment) -> String {
    let mut out = String::new();
    let engine = if plan.engine_consulted {
        "compared with what runs"
    } else {
        "engine not consulted"
    };
    let count = plan.steps.len();
    out.push_str(&format!(
        "plan for environment `{}`: {count} app{} in start order ({engine})\n",
        plan.environment,
        if count == 1 { "" } else { "s" }
    ));
    for (index, step) in plan.steps.iter().enumerate() {
        let spec = &step.spec;
        out.push_str(&format!(
            "\n{}. {} — {}\n",
            index + 1,
            spec.name,
            step.action.summary()
        ));
        out.push_str(&format!("   image:    {}\n", image_text(spec)));
        out.push_str(&format!(
            "   command:  {}\n",
            spec.command
                .as_ref()
                .map_or_else(|| "(the image's)".to_owned(), |c| c.display())
        ));
        if !spec.waits_for.is_empty() {
            out.push_str(&format!("   after:    {}\n", spec.waits_for.join(", ")));
        }
        for (i, port) in spec.ports.iter().enumerate() {
            let label = if i == 0 { "ports:" } else { "" };
            let host = port
                .host_port
                .map_or_else(|| "any free port".to_owned(), |p| p.to_string());
            let published = if !plan.publishes(spec, port) {
                format!(
                    "not published (on the network as {}:{}; pin it or set `publish: true`)",
                    spec.name, port.container_port
                )
            } else if plan.publishes_only_asked {
                format!("every interface of its node:{host}")
            } else {
                format!("{}:{host}", port.bind)
            };
            out.push_str(&format!(
                "   {label:<9} {} {} -> {published}\n",
                port.expose, port.container_port
            ));
        }
        out.push_str(&format!("   ready:    {}\n", readiness_text(spec)));
        let width = spec
            .env
            .vars
            .iter()
            .map(|v| v.name.len())
            .max()
            .unwrap_or(0);
        for (i, var) in spec.env.vars.iter().enumerate() {
            let label = if i == 0 { "env:" } else { "" };
            let value = shown_value(var, false).unwrap_or_else(|| "<missing>".into());
            let source = var
                .source
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_else(|| "nothing sets it".into());
            out.push_str(&format!(
                "   {label:<9} {:<width$} = {value}  [{source}]\n",
                var.name
            ));
        }
    }
    let outside = outside_lines(start_set, environment);
    if !outside.is_empty() {
        out.push_str("\nnot started by ark:\n");
        for line in outside {
            out.push_str(&format!("   {line}\n"));
        }
    }
    if let Some(note) = every_interface_note(plan) {
        out.push_str(&format!("\nnote: {note}\n"));
    }
    out
}

/// Where the engine cannot bind a published port to one address (Swarm's host mode binds
/// every interface of the node): said once, since ark's 127.0.0.1 default cannot hold.
pub fn every_interface_note(plan: &Plan) -> Option<String> {
    if !plan.publishes_only_asked {
        return None;
    }
    let published: Vec<String> = plan
        .steps
        .iter()
        .flat_map(|step| {
            step.spec
                .ports
                .iter()
                .filter(|port| plan.publishes(&step.spec, port))
                .map(|port| format!("{} {}", step.spec.name, port.expose))
        })
        .collect();
    (!published.is_empty()).then(|| {
        format!(
            "{} listen{} on every interface of the node it runs on (a Swarm port cannot be bound to 127.0.0.1)",
            published.join(", "),
            if published.len() == 1 { "s" } else { "" }
        )
    })
}

fn image_text(spec: &AppSpec) -> String {
    match (&spec.image.build, spec.image.explicit) {
        (Some(build), false) => format!(
            "{} (built from {} with {} when missing)",
            spec.image.name,
            build.dir.display(),
            build.dockerfile
        ),
        _ => spec.image.name.clone(),
    }
}

fn readiness_text(spec: &AppSpec) -> String {
    if spec.checks.is_empty() {
        return "the image's HEALTHCHECK, else running".into();
    }
    spec.checks
        .iter()
        .map(|c| match &c.check.probe {
            Probe::Http { path } => format!("http GET :{}{path}", c.port),
            Probe::Tcp => format!("tcp :{}", c.port),
            Probe::Exec { command } => format!("exec {}", command.display()),
            Probe::None => "none".into(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn outside_lines(start_set: &StartSet, environment: &Environment) -> Vec<String> {
    start_set
        .order
        .iter()
        .filter_map(|app| match start_set.role(app) {
            Role::External => environment
                .external(app)
                .map(|e| format!("{app} — external at {}:{} ({})", e.host, e.port, e.proto)),
            Role::Elsewhere(kind) => Some(format!("{app} — runs as `{kind}`, not locally")),
            Role::Missing => Some(format!("{app} — missing: no definition")),
            Role::Broken => Some(format!("{app} — its definition has errors")),
            Role::Container => None,
        })
        .collect()
}

pub fn render_json(
    plan: &Plan,
    start_set: &StartSet,
    environment: &Environment,
    problems: &[crate::core::diagnostic::Diagnostic],
) -> Value {
    let apps: Vec<Value> = plan
        .steps
        .iter()
        .map(|step| {
            let spec = &step.spec;
            json!({
                "name": spec.name,
                "action": step.action.verb(),
                "reason": step.action.reason(),
                "image": spec.image.name,
                "build": spec.image.build.as_ref().filter(|_| !spec.image.explicit).map(|b| json!({
                    "context": b.dir.display().to_string(),
                    "dockerfile": b.dockerfile,
                })),
                "command": spec.command.as_ref().map(|c| c.0.clone()),
                "depends_on": spec.waits_for,
                "ports": spec.ports.iter().map(|p| json!({
                    "expose": p.expose,
                    "container_port": p.container_port,
                    "host_port": p.host_port,
                    "bind": p.bind,
                })).collect::<Vec<_>>(),
                "ready": spec.checks.iter().map(|c| json!({
                    "expose": c.expose,
                    "type": c.check.probe.kind(),
                    "port": c.port,
                })).collect::<Vec<_>>(),
                "init": spec.init,
                "env": spec.env.vars.iter().map(|v| json::variable(v, false)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let external: Vec<Value> = start_set
        .order
        .iter()
        .filter(|a| start_set.role(a) == &Role::External)
        .filter_map(|a| {
            environment
                .external(a)
                .map(|e| json!({"name": a, "host": e.host, "port": e.port, "proto": e.proto}))
        })
        .collect();
    let elsewhere: Vec<Value> = start_set
        .order
        .iter()
        .filter_map(|a| match start_set.role(a) {
            Role::Elsewhere(kind) => Some(json!({"name": a, "run_type": kind})),
            _ => None,
        })
        .collect();
    json!({
        "environment": plan.environment,
        "engine_consulted": plan.engine_consulted,
        "apps": apps,
        "external": external,
        "not_started": elsewhere,
        "problems": problems.iter().map(json::diagnostic).collect::<Vec<_>>(),
    })
}
