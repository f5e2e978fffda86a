//! Discovery: the variables through which an app finds its dependencies, in the scheme
//! production's discovery libraries read: `SERVICE_<APP>_<EXPOSE>_{PROTO,HOST,PORT}`.

use super::catalog::Catalog;
use super::definition::{AppDefinition, Probe};
use super::environment::Environment;

/// One injected variable and where it points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injected {
    pub name: String,
    pub value: String,
    pub dependency: String,
    pub expose: String,
}

/// `SERVICE_<APP>_<EXPOSE>_<FIELD>`: upper-case, with `-` and `.` turned into `_`.
pub fn variable_name(app: &str, expose: &str, field: &str) -> String {
    format!("SERVICE_{}_{}_{field}", part(app), part(expose))
}

/// What a name becomes inside a discovery variable: apps whose names give the same part
/// (`my-app`, `my_app`, `my.app`) would set the same variables.
pub fn part(name: &str) -> String {
    name.to_ascii_uppercase().replace(['-', '.'], "_")
}

/// The discovery variables of `app`: for each dependency D and each expose E of D, where
/// to reach it — D's name on the environment's network, or the external address the
/// environment gives for D.
pub fn discovery_for(
    app: &AppDefinition,
    catalog: &Catalog,
    environment: Option<&Environment>,
) -> Vec<Injected> {
    let mut injected = Vec::new();
    for dependency in &app.dependencies {
        let definition = catalog.get(dependency);
        let external = environment.and_then(|e| e.external(dependency));
        let exposes: Vec<(&str, u16, &str)> = match (external, definition) {
            (Some(external), Some(def)) if !def.expose.is_empty() => def
                .expose
                .iter()
                .map(|e| (e.name.as_str(), external.port, external.proto.as_str()))
                .collect(),
            (Some(external), _) => vec![("default", external.port, external.proto.as_str())],
            (None, Some(def)) => def
                .expose
                .iter()
                .map(|e| (e.name.as_str(), e.port, proto_of(e)))
                .collect(),
            (None, None) => Vec::new(),
        };
        let host = external.map_or(dependency.as_str(), |e| e.host.as_str());
        for (expose, port, proto) in exposes {
            for (field, value) in [
                ("PROTO", proto.to_owned()),
                ("HOST", host.to_owned()),
                ("PORT", port.to_string()),
            ] {
                injected.push(Injected {
                    name: variable_name(dependency, expose, field),
                    value,
                    dependency: dependency.clone(),
                    expose: expose.to_owned(),
                });
            }
        }
    }
    injected
}

fn proto_of(expose: &super::definition::Expose) -> &'static str {
    match expose.health_check.as_ref().map(|h| &h.probe) {
        Some(Probe::Http { .. }) => "http",
        _ => "tcp",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_production_scheme() {
        assert_eq!(
            variable_name("who-is-who", "default", "HOST"),
            "SERVICE_WHO_IS_WHO_DEFAULT_HOST"
        );
        assert_eq!(
            variable_name("api", "pprof", "PORT"),
            "SERVICE_API_PPROF_PORT"
        );
    }

    #[test]
    fn every_expose_of_every_dependency_is_injected() {
        let catalog = Catalog::from_texts([
            ("launch/web.yml", "dependencies: [api]\n"),
            ("launch/api.yml", "expose:\n- {name: http, port: 80, health_check: {type: http, path: /}}\n- {name: pprof, port: 6060}\n"),
        ]);
        let web = catalog.get("web").unwrap();
        let found: Vec<(String, String)> = discovery_for(web, &catalog, None)
            .into_iter()
            .map(|i| (i.name, i.value))
            .collect();
        let expected = [
            ("SERVICE_API_HTTP_PROTO", "http"),
            ("SERVICE_API_HTTP_HOST", "api"),
            ("SERVICE_API_HTTP_PORT", "80"),
            ("SERVICE_API_PPROF_PROTO", "tcp"),
            ("SERVICE_API_PPROF_HOST", "api"),
            ("SERVICE_API_PPROF_PORT", "6060"),
        ];
        assert_eq!(found, expected.map(|(a, b)| (a.to_owned(), b.to_owned())));
    }
}
