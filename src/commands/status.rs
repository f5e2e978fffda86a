//! `ark status` (alias `ps`): every environment on the engine, or one environment's apps
//! with state, readiness (probed now), image, uptime and URLs.

use super::engine::{block_on, connect, engine_failure};
use super::on_engine;
use crate::cli::{StatusArgs, TableFormat};
use crate::core::duration::format_duration;
use crate::exec::readiness::{self, NotReady};
use crate::exit_code;
use crate::failure::Failure;
use crate::logs::timestamp::Timestamp;
use crate::runtime::api::{AppContainer, Runtime};
use crate::settings::Settings;
use crate::ui::json;
use crate::ui::table::Table;
use crate::ui::time::unix_now;
use futures_util::future::join_all;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

pub fn run(args: &StatusArgs, settings: &Settings) -> Result<i32, Failure> {
    block_on(async {
        let runtime = connect(settings).await?;
        match &args.environment {
            None => all_environments(&runtime, args, settings).await,
            Some(name) => one_environment(&runtime, name, args, settings).await,
        }
    })?
}

async fn all_environments<R: Runtime>(
    runtime: &R,
    args: &StatusArgs,
    settings: &Settings,
) -> Result<i32, Failure> {
    let containers = runtime.list(None).await.map_err(engine_failure)?;
    let mut by_env: BTreeMap<String, Vec<AppContainer>> = BTreeMap::new();
    for network in runtime.networks(None).await.map_err(engine_failure)? {
        by_env.entry(network.environment).or_default();
    }
    for container in containers {
        by_env
            .entry(container.environment.clone())
            .or_default()
            .push(container);
    }
    let now = unix_now();
    let rows: Vec<Value> = by_env
        .iter()
        .map(|(env, apps)| {
            let running = apps.iter().filter(|a| a.is_running()).count();
            let oldest = apps.iter().map(|a| a.created).filter(|c| *c > 0).min();
            json!({
                "environment": env,
                "apps": apps.len(),
                "running": running,
                "age_seconds": oldest.map(|c| (now - c).max(0)),
            })
        })
        .collect();
    match args.output {
        TableFormat::Json => settings.printer.out(&json::to_pretty(
            &json!({"endpoint": runtime.endpoint().url, "environments": rows}),
        )),
        TableFormat::Table => {
            if rows.is_empty() {
                settings
                    .printer
                    .status(&format!("no environments on {}", runtime.endpoint()));
            } else {
                let mut table = Table::new(["ENVIRONMENT", "APPS", "RUNNING", "AGE"]);
                for row in &rows {
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
                settings.printer.out(&table.render());
            }
        }
    }
    Ok(exit_code::OK)
}

async fn one_environment<R: Runtime>(
    runtime: &R,
    name: &str,
    args: &StatusArgs,
    settings: &Settings,
) -> Result<i32, Failure> {
    let containers = on_engine::containers(runtime, name).await?;
    let route = runtime.port_reach();
    let inspected = join_all(containers.values().map(|c| async {
        let detail = runtime.inspect(&c.id).await.unwrap_or_else(|_| c.clone());
        let ready =
            readiness::check_now(runtime, &detail, &route, Duration::from_millis(500)).await;
        (detail, ready)
    }))
    .await;
    let now = unix_now();
    let rows: Vec<Value> = inspected
        .iter()
        .map(|(c, ready)| {
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
                "image": c.image,
                "uptime_seconds": uptime,
                "urls": urls(runtime, c),
                "container": c.name,
            })
        })
        .collect();
    match args.output {
        TableFormat::Json => settings.printer.out(&json::to_pretty(
            &json!({"environment": name, "endpoint": runtime.endpoint().url, "apps": rows}),
        )),
        TableFormat::Table => {
            let styles = settings.printer.out_styles;
            let mut table = Table::new(["APP", "STATE", "READY", "IMAGE", "UPTIME", "URLS"]);
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
                table.styled_row(vec![
                    (app.clone(), styles.app(&app, &app)),
                    (plain(&row["state"]), plain(&row["state"])),
                    ready,
                    (plain(&row["image"]), plain(&row["image"])),
                    (uptime.clone(), uptime),
                    (urls.join(" "), urls.join(" ")),
                ]);
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

/// `http://127.0.0.1:49153` for an http expose, `tcp://…` otherwise, per published port, on
/// the engine host's name. A port bound to a remote host's loopback is not reachable from
/// here as is: `reach` then says how (an `ssh -L` line).
fn urls<R: Runtime>(runtime: &R, container: &AppContainer) -> Vec<Value> {
    let reach = runtime.port_reach();
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
            let address = if bound.is_empty() || bound == "0.0.0.0" || loopback {
                reach.host().to_owned()
            } else {
                bound.to_owned()
            };
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
