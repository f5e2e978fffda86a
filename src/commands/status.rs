//! `ark status` (alias `ps`): every environment on every engine asked (the settings' and
//! each target on disk), or one environment's apps — on its own engine — with state,
//! readiness (probed now), image, uptime and URLs.

use super::shared::engine::{block_on, connect};
use super::shared::engines::{self, Engines, Seen};
use super::shared::on_engine;
use crate::cli::{StatusArgs, TableFormat};
use crate::core::duration::format_duration;
use crate::exec::readiness::{self, NotReady};
use crate::exit_code;
use crate::failure::Failure;
use crate::logs::timestamp::Timestamp;
use crate::runtime::api::{Instance, Runtime};
use crate::settings::Settings;
use crate::ui::json;
use crate::ui::table::Table;
use crate::ui::time::unix_now;
use futures_util::future::join_all;
use serde_json::{json, Value};
use std::time::Duration;

pub fn run(args: &StatusArgs, settings: &Settings) -> Result<i32, Failure> {
    block_on(async {
        match &args.environment {
            None => all_environments(args, settings).await,
            Some(name) => {
                let runtime = connect(settings, Some(name)).await?;
                one_environment(&*runtime, name, args, settings).await
            }
        }
    })?
}

/// Every environment on every engine asked (see `Engines`), grouped by engine. An engine
/// that does not answer is a line of its own; the command fails only when none answers.
async fn all_environments(args: &StatusArgs, settings: &Settings) -> Result<i32, Failure> {
    let engines = Engines::gather(settings);
    let mut answers = engines.survey(settings).await;
    if answers.iter().all(Result::is_err) && answers.len() == 1 {
        if let Some(Err(failure)) = answers.pop() {
            return Err(failure);
        }
    }
    let now = unix_now();
    let mut rows: Vec<Value> = Vec::new();
    let mut groups: Vec<(String, Result<Vec<Value>, String>)> = Vec::new();
    let mut listed = Vec::new();
    for (asked, answer) in engines.asked.iter().zip(&answers) {
        let url = asked.url().unwrap_or_default();
        let group = answer
            .as_ref()
            .map(|seen| environment_rows(seen, url, now))
            .map_err(engines::why);
        listed.push(json!({
            "engine": asked.url(),
            "source": asked.endpoint.as_ref().ok().map(|e| e.source.clone()),
            "targets": asked.bound.iter().map(|b| json!({"environment": b.environment, "target": b.target})).collect::<Vec<_>>(),
            "reachable": group.is_ok(),
            "error": group.as_ref().err(),
        }));
        if let Ok(found) = &group {
            rows.extend(found.iter().cloned());
        }
        groups.push((asked.describe(), group));
    }
    match args.output {
        TableFormat::Json => settings.printer.out(&json::to_pretty(&json!({
            "endpoint": engines.asked[0].url(),
            "engines": listed,
            "environments": rows,
        }))),
        TableFormat::Table => {
            if let [(engine, Ok(found))] = groups.as_slice() {
                if found.is_empty() {
                    settings
                        .printer
                        .status(&format!("no environments on {engine}"));
                    return Ok(exit_code::OK);
                }
            }
            let mut text = String::new();
            for (engine, group) in &groups {
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(&format!("engine: {engine}\n"));
                text.push_str(&match group {
                    Err(why) => format!("unreachable: {why}\n"),
                    Ok(found) if found.is_empty() => "no environments\n".to_owned(),
                    Ok(found) => environments_table(found),
                });
            }
            settings.printer.out(&text);
        }
    }
    if answers.iter().all(Result::is_err) {
        return Err(Failure::Unreachable(
            "no engine answered: each one asked is listed with why".into(),
        ));
    }
    Ok(exit_code::OK)
}

/// One row per environment on an engine: apps, how many run, age, and where it was meant
/// to run (its network's target label).
fn environment_rows(seen: &Seen, engine: &str, now: i64) -> Vec<Value> {
    seen.environments()
        .iter()
        .map(|(env, present)| {
            let oldest = present
                .apps
                .iter()
                .map(|a| a.created)
                .filter(|c| *c > 0)
                .min();
            json!({
                "environment": env,
                "apps": present.apps.len(),
                "running": present.running(),
                "age_seconds": oldest.map(|c| (now - c).max(0)),
                "engine": engine,
                "target": present.target,
            })
        })
        .collect()
}

fn environments_table(rows: &[Value]) -> String {
    let mut table = Table::new(["ENVIRONMENT", "APPS", "RUNNING", "AGE"]);
    for row in rows {
        let age = row["age_seconds"].as_i64().map_or_else(
            || "-".into(),
            |s| format_duration(Duration::from_secs(s as u64)),
        );
        table.row(vec![
            row["environment"].as_str().unwrap_or_default().into(),
            row["apps"].to_string(),
            row["running"].to_string(),
            age,
        ]);
    }
    table.render()
}

async fn one_environment(
    runtime: &dyn Runtime,
    name: &str,
    args: &StatusArgs,
    settings: &Settings,
) -> Result<i32, Failure> {
    let containers = on_engine::containers(runtime, name).await?;
    let route = readiness::Route::new(runtime.capabilities().reach);
    let inspected = join_all(containers.values().map(|c| async {
        let detail = runtime
            .inspect(&c.handle)
            .await
            .unwrap_or_else(|_| c.clone());
        let ready =
            readiness::check_now(runtime, &detail, &route, Duration::from_millis(500)).await;
        (detail, ready)
    }))
    .await;
    let mut inspected: Vec<(Instance, Result<(), NotReady>, bool)> = inspected
        .into_iter()
        .map(|(instance, ready)| (instance, ready, false))
        .collect();
    if args.all {
        let mut retired: Vec<Instance> = runtime
            .revisions(name, None)
            .await
            .map_err(super::shared::engine::engine_failure)?
            .into_iter()
            .filter(|i| !i.serving)
            .collect();
        retired.sort_by_key(|i| (i.app.clone(), std::cmp::Reverse(i.revision_number())));
        for instance in retired {
            let why = NotReady::Gone("retired".into());
            inspected.push((instance, Err(why), true));
        }
        inspected.sort_by_key(|(i, _, retired)| (i.app.clone(), *retired));
    }
    if let Some(switched) = route.switched() {
        settings.printer.detail(&switched);
    }
    let now = unix_now();
    let rows: Vec<Value> = inspected
        .iter()
        .map(|(c, ready, retired)| {
            let (ready_flag, why) = match ready {
                Ok(()) => (true, None),
                Err(NotReady::Pending(why) | NotReady::Gone(why)) => (false, Some(why.clone())),
                Err(NotReady::Exited(code)) => (false, Some(format!("exited ({code})"))),
            };
            let uptime = c
                .started_at
                .as_deref()
                .and_then(|t| Timestamp::parse_prefix(t.as_bytes()).map(|(ts, _)| ts.secs))
                .filter(|s| *s > 0)
                .map(|s| (now - s).max(0));
            json!({
                "app": c.app,
                "state": c.state.text(),
                "ready": ready_flag,
                "not_ready_because": why,
                "health": c.health,
                "image": shown_image(&c.image),
                "uptime_seconds": uptime,
                "urls": urls(runtime, c),
                "container": c.name,
                "replicas": c.replicas.as_ref().map(|r| json!({"ready": r.ready, "wanted": r.wanted})),
                "nodes": c.replicas.as_ref().map(|r| r.nodes.clone()),
                "revision": c.revision_number(),
                "retired": retired,
            })
        })
        .collect();
    match args.output {
        TableFormat::Json => settings.printer.out(&json::to_pretty(&json!({
            "environment": name,
            "endpoint": runtime.endpoint().url,
            "engine": runtime.endpoint().url,
            "apps": rows,
        }))),
        TableFormat::Table => {
            settings
                .printer
                .out(&format!("engine: {}", runtime.endpoint()));
            let styles = settings.printer.out_styles;
            // Where apps run as replicas (Swarm): how many are ready, and on which nodes.
            let replicated = rows.iter().any(|r| !r["replicas"].is_null());
            let mut headers = vec!["APP", "STATE", "READY", "IMAGE", "UPTIME", "URLS"];
            if replicated {
                headers.insert(3, "REPLICAS");
                headers.insert(4, "NODES");
            }
            if args.all {
                headers.insert(1, "REV");
            }
            let mut table = Table::with_header(&headers);
            for row in &rows {
                let ready = if row["ready"] == json!(true) {
                    ("yes".to_owned(), styles.good("yes"))
                } else {
                    ("no".to_owned(), styles.error("no"))
                };
                let uptime = row["uptime_seconds"].as_i64().map_or_else(
                    || "-".into(),
                    |s| format_duration(Duration::from_secs(s as u64)),
                );
                let urls: Vec<&str> = row["urls"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|u| u["url"].as_str())
                    .collect();
                let plain = |v: &Value| v.as_str().unwrap_or_default().to_owned();
                let app = plain(&row["app"]);
                let state = if row["retired"] == json!(true) {
                    format!("retired, {}", plain(&row["state"]))
                } else {
                    plain(&row["state"])
                };
                let mut cells = vec![
                    (app.clone(), styles.app(&app, &app)),
                    (state.clone(), state),
                    ready,
                    (plain(&row["image"]), plain(&row["image"])),
                    (uptime.clone(), uptime),
                    (urls.join(" "), urls.join(" ")),
                ];
                if replicated {
                    let replicas =
                        format!("{}/{}", row["replicas"]["ready"], row["replicas"]["wanted"]);
                    let nodes: Vec<&str> = row["nodes"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    let nodes = if nodes.is_empty() {
                        "-".to_owned()
                    } else {
                        nodes.join(",")
                    };
                    cells.insert(3, (replicas.clone(), replicas));
                    cells.insert(4, (nodes.clone(), nodes));
                }
                if args.all {
                    let revision = row["revision"].to_string();
                    cells.insert(1, (revision.clone(), revision));
                }
                table.styled_row(cells);
            }
            settings.printer.out(&table.render());
            for row in &rows {
                for url in row["urls"].as_array().into_iter().flatten() {
                    if let Some(hint) = url["reach"].as_str() {
                        let address = url["url"].as_str().unwrap_or_default();
                        let (scheme, port) = address
                            .split_once("://")
                            .map(|(scheme, rest)| {
                                (scheme, rest.rsplit(':').next().unwrap_or_default())
                            })
                            .unwrap_or_default();
                        settings.printer.out(&format!(
                            "{} {} listens on the engine host's loopback only; from here: `{hint}`, then {scheme}://127.0.0.1:{port}",
                            row["app"].as_str().unwrap_or_default(),
                            url["expose"].as_str().unwrap_or_default(),
                        ));
                    }
                }
            }
        }
    }
    Ok(exit_code::OK)
}

/// An image reference as a person reads it: a pinned digest shortened to 12 digits.
fn shown_image(image: &str) -> String {
    match image.split_once("@sha256:") {
        Some((name, digest)) => format!("{name}@{}", &digest[..digest.len().min(12)]),
        None => image.to_owned(),
    }
}

/// The host a URL names for a port bound to `bound` on the engine host `engine_host`: every
/// address → the engine host; the engine host's loopback seen from elsewhere → the engine
/// host (`reach` says how to get there); any other address (`127.0.0.2` on this machine, a
/// LAN address) → that address, in brackets when it is IPv6.
fn url_host(bound: &str, engine_host: &str) -> String {
    use crate::runtime::api::{is_loopback_host, is_unspecified_ip};
    if is_unspecified_ip(bound) || (is_loopback_host(bound) && !is_loopback_host(engine_host)) {
        engine_host.to_owned()
    } else if bound.contains(':') {
        format!("[{bound}]")
    } else {
        bound.to_owned()
    }
}

/// `http://127.0.0.1:49153` for an http expose, `tcp://…` otherwise, per published port, on
/// the engine host's name. A port bound to a remote host's loopback is not reachable from
/// here as is: `reach` then says how (an `ssh -L` line).
fn urls(runtime: &dyn Runtime, container: &Instance) -> Vec<Value> {
    let reach = runtime.capabilities().reach;
    container
        .exposes
        .iter()
        .filter_map(|expose| {
            let published = container
                .ports
                .iter()
                .find(|p| p.container_port == expose.port)?;
            let bound = published.host_ip.as_str();
            let loopback = crate::runtime::api::is_loopback_host(bound);
            let address = url_host(bound, reach.host());
            let hint = if loopback {
                runtime.forward_hint(bound, published.host_port)
            } else {
                None
            };
            Some(json!({
                "expose": expose.name,
                "url": format!("{}://{address}:{}", expose.proto, published.host_port),
                "reach": hint,
            }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::url_host;

    #[test]
    fn urls_name_the_address_a_port_is_bound_to() {
        // (bound to, engine host) → URL host.
        let cases = [
            ("127.0.0.1", "127.0.0.1", "127.0.0.1"),
            ("127.0.0.2", "127.0.0.1", "127.0.0.2"),
            ("::1", "127.0.0.1", "[::1]"),
            ("0.0.0.0", "127.0.0.1", "127.0.0.1"),
            ("::", "localhost", "localhost"),
            ("", "127.0.0.1", "127.0.0.1"),
            ("192.168.1.5", "127.0.0.1", "192.168.1.5"),
            // A remote engine: its loopback is reached through `reach`, its own name.
            ("127.0.0.1", "build-box", "build-box"),
            ("127.0.0.2", "build-box", "build-box"),
            ("0.0.0.0", "build-box", "build-box"),
            ("10.0.0.9", "build-box", "10.0.0.9"),
        ];
        for (bound, engine_host, expected) in cases {
            assert_eq!(
                url_host(bound, engine_host),
                expected,
                "{bound} on {engine_host}"
            );
        }
    }
}
