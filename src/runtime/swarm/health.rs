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

    #[test]
    fn every_check_must_pass_inside_the_task_and_a_slow_starter_is_not_killed() {
        let checks = [
            CheckLabel {
                expose: "http".into(),
                port: 8080,
                kind: "http".into(),
                path: Some("/_health".into()),
                command: None,
            },
            CheckLabel {
                expose: "admin".into(),
                port: 9000,
                kind: "exec".into(),
                path: None,
                command: Some(vec!["test".into(), "-f".into(), "/ready file".into()]),
            },
        ];
        let health = of_checks(&checks).unwrap();
        assert_eq!(
            health.test.unwrap(),
            [
                "CMD-SHELL".to_owned(),
                "timeout 2 wget -q -O /dev/null http://127.0.0.1:8080/_health && test -f '/ready file'"
                    .to_owned()
            ]
        );
        assert_eq!(health.start_period, Some(nanos(START_PERIOD)));
    }

    #[test]
    fn a_spec_read_back_without_its_healthcheck_gets_it_again_from_the_labels() {
        let spec = AppSpec::example("web", &[]);
        let mut labels = labels::of_instance("dev", &spec, "web:1");
        labels.insert(
            labels::CHECKS.into(),
            r#"[{"expose":"http","port":8080,"type":"tcp"}]"#.into(),
        );
        let mut read_back = ServiceSpec {
            task_template: Some(bollard::models::TaskSpec {
                container_spec: Some(bollard::models::TaskSpecContainerSpec {
                    labels: Some(labels),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        restore(&mut read_back);
        let test = read_back
            .task_template
            .unwrap()
            .container_spec
            .unwrap()
            .health_check
            .unwrap()
            .test
            .unwrap();
        assert!(test[1].contains("nc -z 127.0.0.1 8080"), "{test:?}");
    }
}
