//! An app's readiness checks as its tasks' HEALTHCHECK. Swarm keeps a task out of its
//! service's name on the network until the check passes, and a start-first update waits
//! for it before stopping the old task: so the definition's check, run inside the task on
//! whichever node it landed, is what makes a rolling update drop no request.

use crate::core::spec::AppSpec;
use crate::runtime::labels::{self, CheckLabel};
use bollard::models::{HealthConfig, ServiceSpec};
use std::time::Duration;

/// How often the check runs.
const INTERVAL: Duration = Duration::from_secs(1);
/// How long one check may take.
const TIMEOUT: Duration = Duration::from_secs(3);
/// Failures in a row (after the start period) that make a task unhealthy.
const RETRIES: i64 = 3;
/// How long a task may take to get ready before failures count. ark's own `--timeout`
/// ends the wait sooner; this only keeps Swarm from killing a slow starter meanwhile.
const START_PERIOD: Duration = Duration::from_secs(600);

fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// The HEALTHCHECK for `spec`'s tasks: every check must pass. `None` when the definition
/// has none (the image's own HEALTHCHECK, if any, applies).
pub(super) fn of(spec: &AppSpec) -> Option<HealthConfig> {
    of_checks(&labels::check_labels(spec))
}

/// The same, from the checks a task's labels record.
fn of_checks(checks: &[CheckLabel]) -> Option<HealthConfig> {
    if checks.is_empty() {
        return None;
    }
    let script = checks
        .iter()
        .map(|check| match (&check.command, check.kind.as_str()) {
            (Some(command), "exec") => shell_words::join(command),
            _ => check.in_instance_probe(check.port)[2].clone(),
        })
        .collect::<Vec<_>>()
        .join(" && ");
    Some(HealthConfig {
        test: Some(vec!["CMD-SHELL".into(), script]),
        interval: Some(nanos(INTERVAL)),
        timeout: Some(nanos(TIMEOUT)),
        retries: Some(RETRIES),
        start_period: Some(nanos(START_PERIOD)),
        ..Default::default()
    })
}

/// Puts the HEALTHCHECK back into a spec read from the engine: the Engine API names it
/// `Healthcheck` and bollard reads only `HealthCheck`, so a spec read, changed and written
/// back (a scale) would lose it. Made again from the checks the task's labels record.
pub(super) fn restore(spec: &mut ServiceSpec) {
    let Some(container) = spec
        .task_template
        .as_mut()
        .and_then(|t| t.container_spec.as_mut())
    else {
        return;
    };
    if container.health_check.is_none() {
        let recorded = labels::read_instance(&container.labels.clone().unwrap_or_default());
        container.health_check = of_checks(&recorded.checks);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_app_without_checks_keeps_its_images_own() {
        assert_eq!(of(&AppSpec::example("web", &[])), None);
    }
}
