//! Secrets delivered as files on Swarm: Docker secrets, which the cluster gives each task
//! as `/run/secrets/<NAME>` on whatever node it runs. A Docker secret cannot change, so each
//! value is its own, named with the environment's keyed hash of it: a changed value is a
//! new secret and a rolling update. One is removed once nothing can run it again — no
//! service's spec, no kept revision's spec (`kept_specs`: a rollback runs it again) and no
//! task Swarm still keeps refers to it.

use super::engine::SwarmRuntime;
use crate::core::fingerprint_key::FingerprintKey;
use crate::core::spec::AppSpec;
use crate::runtime::api::EngineError;
use crate::runtime::docker::request::{failed, Request};
use crate::runtime::labels;
use base64::Engine as _;
use bollard::models::{
    SecretSpec, TaskSpec, TaskSpecContainerSpecFile, TaskSpecContainerSpecSecrets,
};
use bollard::query_parameters as q;
use std::collections::{BTreeSet, HashMap};

/// Docker refuses longer secret names.
const NAME_LIMIT: usize = 64;

/// The Docker secret name of `app`'s secret `name` holding `value`.
fn secret_name(
    environment: &str,
    app: &str,
    key: &FingerprintKey,
    name: &str,
    value: &str,
) -> String {
    let hash = key.hash(&format!("{app}\0{name}\0{value}"));
    let mut base = format!("ark_{environment}_{app}_{name}");
    // The hash keeps a shortened name unique.
    base.truncate(NAME_LIMIT - hash.len() - 1);
    format!("{base}_{hash}")
}

/// The secrets a task spec refers to, by id.
fn referred(task: Option<&TaskSpec>) -> impl Iterator<Item = String> + '_ {
    task.and_then(|t| t.container_spec.as_ref())
        .and_then(|c| c.secrets.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|s| s.secret_id.clone())
}

impl SwarmRuntime {
    fn environment_filter(environment: &str) -> Option<HashMap<String, Vec<String>>> {
        Some(HashMap::from([(
            "label".to_owned(),
            vec![labels::filter(Some(environment))],
        )]))
    }

    /// The Docker secrets `spec`'s file secrets are, made when missing, as a task spec
    /// refers to them.
    pub(super) async fn secret_references(
        &self,
        environment: &str,
        spec: &AppSpec,
    ) -> Result<Vec<TaskSpecContainerSpecSecrets>, EngineError> {
        let files = spec.secret_files();
        self.secrets_for(environment, &spec.name, &spec.fingerprint_key, &files)
            .await
    }

    /// The Docker secrets of `app` in `environment` holding `files` (name, value), named
    /// with `key`, made when missing, as a task spec refers to them.
    pub(super) async fn secrets_for(
        &self,
        environment: &str,
        app: &str,
        key: &FingerprintKey,
        files: &[(&str, &str)],
    ) -> Result<Vec<TaskSpecContainerSpecSecrets>, EngineError> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let manager = &self.cluster.manager;
        let existing = manager
            .watchdog
            .watched(manager.docker.list_secrets(Some(q::ListSecretsOptions {
                filters: Self::environment_filter(environment),
            })))
            .await
            .map_err(|e| failed(self.endpoint(), Request::ListSecrets, e))?;
        let mut references = Vec::new();
        for &(name, value) in files {
            let wanted = secret_name(environment, app, key, name, value);
            let found = existing
                .iter()
                .find(|s| s.spec.as_ref().and_then(|s| s.name.as_deref()) == Some(wanted.as_str()));
            let id = match found.and_then(|s| s.id.clone()) {
                Some(id) => id,
                None => {
                    let made = SecretSpec {
                        name: Some(wanted.clone()),
                        labels: Some(HashMap::from([
                            (labels::ENVIRONMENT.to_owned(), environment.to_owned()),
                            (labels::APP.to_owned(), app.to_owned()),
                        ])),
                        data: Some(base64::engine::general_purpose::STANDARD.encode(value)),
                        ..Default::default()
                    };
                    manager
                        .watchdog
                        .watched(manager.docker.create_secret(made))
                        .await
                        .map_err(|e| failed(self.endpoint(), Request::CreateSecret, e))?
                        .id
                }
            };
            references.push(TaskSpecContainerSpecSecrets {
                file: Some(TaskSpecContainerSpecFile {
                    name: Some(name.to_owned()),
                    uid: Some("0".into()),
                    gid: Some("0".into()),
                    mode: Some(0o400),
                }),
                secret_id: Some(id),
                secret_name: Some(wanted),
            });
        }
        Ok(references)
    }

    /// The values of service `id`'s secrets delivered as variables, from its spec (those
    /// delivered as files are Docker secrets, which the engine never gives back: only a
    /// task's container has them).
    pub(super) async fn secret_values_of(&self, id: &str) -> Result<Vec<String>, EngineError> {
        let service = self.service(id).await?;
        let container = service
            .spec
            .and_then(|s| s.task_template)
            .and_then(|t| t.container_spec)
            .unwrap_or_default();
        let recorded = labels::secrets_of(&container.labels.unwrap_or_default());
        Ok(labels::secret_env_values(
            &recorded,
            &container.env.unwrap_or_default(),
        ))
    }

    /// Removes the environment's secrets that nothing can run again (all of them when
    /// `everything`, for `down`). Best effort: one left over goes with the next prune.
    pub(super) async fn prune_secrets(&self, environment: &str, everything: bool) {
        let manager = &self.cluster.manager;
        let filters = Self::environment_filter(environment);
        let Ok(secrets) = manager
            .watchdog
            .watched(manager.docker.list_secrets(Some(q::ListSecretsOptions {
                filters: filters.clone(),
            })))
            .await
        else {
            return;
        };
        if secrets.is_empty() {
            return;
        }
        let mut in_use: BTreeSet<String> = BTreeSet::new();
        if !everything {
            let Ok(services) = manager
                .watchdog
                .watched(manager.docker.list_services(Some(q::ListServicesOptions {
                    filters,
                    ..Default::default()
                })))
                .await
            else {
                return;
            };
            // A kept revision's spec is run again by a rollback to it.
            let Ok(kept) = self.kept_service_specs(environment).await else {
                return;
            };
            for spec in &kept {
                in_use.extend(referred(spec.task_template.as_ref()));
            }
            for service in &services {
                in_use.extend(referred(
                    service.spec.as_ref().and_then(|s| s.task_template.as_ref()),
                ));
                let Ok(tasks) = self.tasks_of(service.id.as_deref()).await else {
                    return;
                };
                for task in &tasks {
                    in_use.extend(referred(task.spec.as_ref()));
                }
            }
        }
        for id in secrets.iter().filter_map(|s| s.id.as_deref()) {
            if !in_use.contains(id) {
                let _ = manager
                    .watchdog
                    .watched(manager.docker.delete_secret(id))
                    .await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_fits_the_engines_limit_and_changes_with_the_value() {
        let key = FingerprintKey::from_bytes([7; 32]);
        let name = secret_name("dev", "api", &key, "DB_PASSWORD", "pw");
        assert!(name.starts_with("ark_dev_api_DB_PASSWORD_"), "{name}");
        assert_ne!(name, secret_name("dev", "api", &key, "DB_PASSWORD", "pw2"));
        let long = secret_name(
            &"e".repeat(48),
            "api",
            &key,
            "A_VERY_LONG_SECRET_NAME",
            "pw",
        );
        assert_eq!(long.len(), NAME_LIMIT, "{long}");
    }
}
