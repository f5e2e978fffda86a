//! The start set: the requested apps plus (unless `--no-deps`) everything they depend on,
//! each with its role, in start order.

use super::catalog::Catalog;
use super::definition::RunKind;
use super::diagnostic::{Diagnostic, Diagnostics};
use super::environment::Environment;
use super::graph::{Cycle, Graph};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// ark runs it as a container.
    Container,
    /// The environment says where it runs (`apps.<name>.external`).
    External,
    /// Its definition runs it somewhere ark cannot (`lambda`, `workflow`, …).
    Elsewhere(String),
    /// No definition, and the environment does not provide it.
    Missing,
    /// Its definition has errors.
    Broken,
}

#[derive(Debug, Clone)]
pub struct StartSet {
    /// Dependencies before dependents.
    pub order: Vec<String>,
    pub roles: BTreeMap<String, Role>,
    /// `(from, to)`: `from` depends on `to`; both are in the set.
    pub edges: Vec<(String, String)>,
}

impl StartSet {
    pub fn role(&self, app: &str) -> &Role {
        self.roles.get(app).unwrap_or(&Role::Missing)
    }

    pub fn with_role<'a>(&'a self, wanted: &'a Role) -> impl Iterator<Item = &'a str> + 'a {
        self.order
            .iter()
            .filter(move |a| self.role(a) == wanted)
            .map(String::as_str)
    }

    /// Missing dependencies and broken definitions: what stops a start.
    pub fn blocking_problems(
        &self,
        catalog: &Catalog,
        environment: Option<&Environment>,
    ) -> Diagnostics {
        let mut problems = Diagnostics::default();
        let mut dependents_of: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (from, to) in &self.edges {
            dependents_of.entry(to).or_default().push(from);
        }
        for app in &self.order {
            match self.role(app) {
                Role::Broken => {
                    problems.extend(catalog.broken(app).unwrap_or_default().iter().cloned())
                }
                Role::Missing => {
                    let dependents = dependents_of.remove(app.as_str()).unwrap_or_default();
                    let env_file = environment.and_then(|e| e.chain.last()).map_or_else(
                        || "your environment file".to_owned(),
                        |f| f.path.display().to_string(),
                    );
                    let mut diagnostic = Diagnostic::error(format!(
                        "`{}` depends on `{app}`, which has no definition",
                        dependents.join("`, `")
                    ));
                    if let Some(first) = dependents.first().and_then(|d| catalog.get(d)) {
                        diagnostic = diagnostic
                            .in_file(&first.path)
                            .at_position(super::locate::dependency(&first.path, app));
                    }
                    let hint = catalog.suggest(app).unwrap_or_else(|| {
                        format!("add its definition with --apps, or provide it in {env_file}: `apps: {{{app}: {{external: {{host: …, port: …}}}}}}`")
                    });
                    problems.push(diagnostic.with_hint(hint));
                }
                _ => {}
            }
        }
        problems
    }
}

/// The graph of every definition in the catalog.
pub fn graph_of(catalog: &Catalog) -> Graph {
    let mut graph = Graph::new();
    for app in catalog.apps() {
        graph.add(&app.name, app.dependencies.iter().cloned());
    }
    graph
}

/// A dependency cycle, at the dependency that starts the loop in the first app's file.
pub fn cycle_error(catalog: &Catalog, cycle: &Cycle) -> Diagnostic {
    let error = Diagnostic::error(format!("dependency cycle: {}", cycle.path())).with_hint(
        "an app cannot (even indirectly) depend on itself: remove one of these dependencies",
    );
    match cycle.0.first().and_then(|app| catalog.get(app)) {
        Some(first) => {
            let next = cycle.0.get(1).map(String::as_str).unwrap_or_default();
            error
                .in_file(&first.path)
                .at_position(super::locate::dependency(&first.path, next))
        }
        None => error,
    }
}

/// Resolves the start set. Fails (exit 3) on an unknown requested app or a cycle.
pub fn resolve(
    catalog: &Catalog,
    environment: Option<&Environment>,
    requested: &[String],
    with_dependencies: bool,
) -> Result<StartSet, Diagnostics> {
    let mut problems = Diagnostics::default();
    let role_of = |app: &str| -> Role {
        if environment.is_some_and(|e| e.external(app).is_some()) {
            return Role::External;
        }
        if catalog.broken(app).is_some() {
            return Role::Broken;
        }
        match catalog.get(app).map(|d| &d.run.kind) {
            Some(RunKind::Docker) => Role::Container,
            Some(RunKind::Elsewhere(kind)) => Role::Elsewhere(kind.clone()),
            None => Role::Missing,
        }
    };
    for app in requested {
        if role_of(app) == Role::Missing {
            problems.push(
                Diagnostic::error(format!(
                    "unknown app `{app}`: no definition in the apps folders"
                ))
                .with_hint(catalog.suggest(app).unwrap_or_else(|| {
                    "run `ark validate -v` to see which folders and apps ark found".into()
                })),
            );
        }
    }
    if problems.has_errors() {
        return Err(problems);
    }
    let graph = graph_of(catalog);
    let set: BTreeSet<String> = if with_dependencies {
        graph.closure(requested, |app| role_of(app) == Role::Container)
    } else {
        requested.iter().cloned().collect()
    };
    let order = graph
        .start_order(&set)
        .map_err(|cycle| Diagnostics(vec![cycle_error(catalog, &cycle)]))?;
    let roles: BTreeMap<String, Role> = order.iter().map(|a| (a.clone(), role_of(a))).collect();
    let mut edges = Vec::new();
    for app in &order {
        if roles[app] != Role::Container {
            continue;
        }
        for dependency in graph.dependencies_of(app) {
            if set.contains(dependency) {
                edges.push((app.clone(), dependency.clone()));
            }
        }
    }
    Ok(StartSet {
        order,
        roles,
        edges,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::from_texts([
            ("launch/web.yml", "dependencies: [api]\n"),
            ("launch/api.yml", "dependencies: [db, events, auth]\n"),
            ("launch/db.yml", "env: []\n"),
            (
                "launch/events.yml",
                "run: {type: lambda}\ndependencies: [queue]\n",
            ),
            ("launch/queue.yml", "env: []\n"),
        ])
    }

    #[test]
    fn the_set_follows_containers_only_and_marks_each_role() {
        let set = resolve(&catalog(), None, &["web".into()], true).unwrap();
        assert_eq!(set.order, ["auth", "db", "events", "api", "web"]);
        assert_eq!(set.role("auth"), &Role::Missing);
        assert_eq!(set.role("events"), &Role::Elsewhere("lambda".into()));
        assert_eq!(set.role("db"), &Role::Container);
        assert!(
            !set.order.contains(&"queue".to_string()),
            "a lambda's own dependencies are not started"
        );
    }

    #[test]
    fn no_deps_takes_only_the_named_apps() {
        let set = resolve(&catalog(), None, &["web".into(), "db".into()], false).unwrap();
        assert_eq!(set.order, ["db", "web"]);
        assert!(set.edges.is_empty());
    }

    #[test]
    fn a_missing_dependency_blocks_with_a_hint() {
        let catalog = catalog();
        let set = resolve(&catalog, None, &["api".into()], true).unwrap();
        let problems = set.blocking_problems(&catalog, None);
        assert_eq!(problems.0.len(), 1);
        assert_eq!(
            problems.0[0].message,
            "`api` depends on `auth`, which has no definition"
        );
    }

    #[test]
    fn an_unknown_app_is_refused_with_a_suggestion() {
        let error = resolve(&catalog(), None, &["wbe".into()], true).unwrap_err();
        assert_eq!(
            error.0[0].message,
            "unknown app `wbe`: no definition in the apps folders"
        );
        assert_eq!(error.0[0].hint.as_deref(), Some("did you mean `web`?"));
    }

    #[test]
    fn a_cycle_points_at_the_dependency_that_starts_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("alpha.yml"),
            "env: []\ndependencies:\n- gamma\n- beta@v2\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("beta.yml"), "dependencies: [alpha]\n").unwrap();
        let catalog = Catalog::load(&[dir.path().to_path_buf()]);
        let error = &resolve(&catalog, None, &["alpha".into()], true)
            .unwrap_err()
            .0[0];
        assert_eq!(error.message, "dependency cycle: alpha -> beta -> alpha");
        assert_eq!((error.line, error.column), (Some(4), Some(3)));
    }

    #[test]
    fn a_cycle_is_refused_with_its_path() {
        let catalog = Catalog::from_texts([
            ("launch/alpha.yml", "dependencies: [beta]\n"),
            ("launch/beta.yml", "dependencies: [alpha]\n"),
        ]);
        let error = resolve(&catalog, None, &["alpha".into()], true).unwrap_err();
        assert_eq!(
            error.0[0].message,
            "dependency cycle: alpha -> beta -> alpha"
        );
    }
}
