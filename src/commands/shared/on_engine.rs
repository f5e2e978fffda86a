//! What the engine-side commands share: finding an environment's containers by label,
//! choosing apps among them, and the dependency map their labels record.

use crate::core::diagnostic::{Diagnostic, Diagnostics};
use crate::core::suggest;
use crate::failure::Failure;
use crate::runtime::api::{Instance, Runtime};
use std::collections::{BTreeMap, BTreeSet};

/// The environment's containers by app. An environment with nothing on the engine is an
/// error (exit 3) that names the environments that do exist.
pub async fn containers(
    runtime: &dyn Runtime,
    environment: &str,
) -> Result<BTreeMap<String, Instance>, Failure> {
    let found = runtime
        .list(Some(environment))
        .await
        .map_err(super::engine::engine_failure)?;
    if found.is_empty()
        && runtime
            .environments(Some(environment))
            .await
            .map_err(super::engine::engine_failure)?
            .is_empty()
    {
        let all = runtime
            .list(None)
            .await
            .map_err(super::engine::engine_failure)?;
        let names: BTreeSet<String> = all.into_iter().map(|c| c.environment).collect();
        let hint = suggest::did_you_mean(environment, names.iter().map(String::as_str))
            .unwrap_or_else(|| {
                if names.is_empty() {
                    "no environment runs there: start one with `ark start -e NAME APP`".into()
                } else {
                    format!(
                        "environments there: {}",
                        names.into_iter().collect::<Vec<_>>().join(", ")
                    )
                }
            });
        return Err(Failure::Invalid(Diagnostics(vec![Diagnostic::error(
            format!(
                "environment `{environment}` has nothing on the engine at {}",
                runtime.endpoint()
            ),
        )
        .with_hint(hint)])));
    }
    Ok(found.into_iter().map(|c| (c.app.clone(), c)).collect())
}

/// The named apps (all when none are named); an unknown one is an error with a suggestion.
pub fn select(
    requested: &[String],
    containers: &BTreeMap<String, Instance>,
    environment: &str,
) -> Result<BTreeSet<String>, Failure> {
    if requested.is_empty() {
        return Ok(containers.keys().cloned().collect());
    }
    let mut problems = Vec::new();
    for app in requested.iter().filter(|a| !containers.contains_key(*a)) {
        problems.push(
            Diagnostic::error(format!(
                "`{app}` is not part of environment `{environment}`"
            ))
            .with_optional_hint(suggest::did_you_mean(
                app,
                containers.keys().map(String::as_str),
            )),
        );
    }
    if problems.is_empty() {
        Ok(requested.iter().cloned().collect())
    } else {
        Err(Failure::Invalid(Diagnostics(problems)))
    }
}

/// `apps` plus every app of the environment that depends on them, transitively.
pub fn with_dependents(
    apps: &BTreeSet<String>,
    containers: &BTreeMap<String, Instance>,
) -> BTreeSet<String> {
    let mut all = apps.clone();
    loop {
        let more: Vec<String> = containers
            .values()
            .filter(|c| !all.contains(&c.app) && c.depends_on.iter().any(|d| all.contains(d)))
            .map(|c| c.app.clone())
            .collect();
        if more.is_empty() {
            return all;
        }
        all.extend(more);
    }
}

/// app → its dependencies, as the labels record them, for the apps in `selected`.
pub fn dependency_map(
    selected: &BTreeSet<String>,
    containers: &BTreeMap<String, Instance>,
) -> BTreeMap<String, Vec<String>> {
    selected
        .iter()
        .filter_map(|app| {
            containers
                .get(app)
                .map(|c| (app.clone(), c.depends_on.clone()))
        })
        .collect()
}
