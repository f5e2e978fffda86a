//! `ark deps`: the start set and its order, as a tree, a dot graph or JSON.

use super::shared::load;
use crate::cli::{DepsArgs, DepsFormat};
use crate::core::catalog::Catalog;
use crate::core::start_set::{self, Role, StartSet};
use crate::exit_code;
use crate::failure::Failure;
use crate::settings::Settings;
use crate::ui::json;
use serde_json::json;
use std::collections::BTreeSet;

pub fn run(args: &DepsArgs, settings: &Settings) -> Result<i32, Failure> {
    let catalog = load::catalog(settings)?;
    let set = start_set::resolve(&catalog, None, &args.apps, true).map_err(Failure::Invalid)?;
    // Without an environment nothing provides a missing app yet: a warning here, an error at plan time.
    let mut problems = set.blocking_problems(&catalog, None).0;
    for problem in &mut problems {
        problem.severity = crate::core::diagnostic::Severity::Warning;
    }
    settings.printer.diagnostics(&problems);
    let text = match args.output {
        DepsFormat::Tree => tree(&catalog, &set, &args.apps),
        DepsFormat::Dot => dot(&set),
        DepsFormat::Json => json::to_pretty(&json!({
            "order": set.order,
            "edges": set.edges.iter().map(|(from, to)| json!({"from": from, "to": to})).collect::<Vec<_>>(),
            "missing": set.order.iter().filter(|a| set.role(a) == &Role::Missing).collect::<Vec<_>>(),
        })),
    };
    settings.printer.out(&text);
    Ok(exit_code::OK)
}

fn note(set: &StartSet, app: &str) -> String {
    match set.role(app) {
        Role::Container => String::new(),
        Role::External => " (external)".into(),
        Role::Elsewhere(kind) => format!(" (runs as `{kind}`, not locally)"),
        Role::Missing => " (missing: no definition)".into(),
        Role::Broken => " (definition has errors)".into(),
    }
}

/// One tree per requested app, like `cargo tree`: an app already shown is marked `(*)`.
fn tree(catalog: &Catalog, set: &StartSet, roots: &[String]) -> String {
    let mut out = String::new();
    let mut shown = BTreeSet::new();
    for root in roots {
        out.push_str(&format!("{root}{}\n", note(set, root)));
        branch(catalog, set, root, "", &mut shown, &mut out);
    }
    out
}

fn branch(
    catalog: &Catalog,
    set: &StartSet,
    app: &str,
    prefix: &str,
    shown: &mut BTreeSet<String>,
    out: &mut String,
) {
    if !shown.insert(app.to_owned()) {
        return;
    }
    let deps: Vec<&String> = match (set.role(app), catalog.get(app)) {
        (Role::Container, Some(def)) => def.dependencies.iter().collect(),
        _ => Vec::new(),
    };
    for (i, dep) in deps.iter().enumerate() {
        let last = i + 1 == deps.len();
        let seen = shown.contains(dep.as_str()) && !deps_of_is_empty(catalog, set, dep);
        out.push_str(&format!(
            "{prefix}{}{dep}{}{}\n",
            if last { "└── " } else { "├── " },
            note(set, dep),
            if seen { " (*)" } else { "" }
        ));
        let child_prefix = format!("{prefix}{}", if last { "    " } else { "│   " });
        branch(catalog, set, dep, &child_prefix, shown, out);
    }
}

fn deps_of_is_empty(catalog: &Catalog, set: &StartSet, app: &str) -> bool {
    set.role(app) != &Role::Container || catalog.get(app).is_none_or(|d| d.dependencies.is_empty())
}

fn dot(set: &StartSet) -> String {
    let mut out = String::from("digraph ark {\n  rankdir=LR;\n");
    for app in &set.order {
        let style = match set.role(app) {
            Role::Container => "",
            Role::External | Role::Elsewhere(_) => " [style=dashed]",
            Role::Missing | Role::Broken => " [color=red]",
        };
        out.push_str(&format!("  \"{app}\"{style};\n"));
    }
    for (from, to) in &set.edges {
        out.push_str(&format!("  \"{from}\" -> \"{to}\";\n"));
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_marks_repeats_and_roles() {
        let catalog = Catalog::from_texts([
            ("launch/web.yml", "dependencies: [api, auth]\n"),
            ("launch/api.yml", "dependencies: [db, missing]\n"),
            ("launch/auth.yml", "dependencies: [api]\n"),
            ("launch/db.yml", ""),
        ]);
        let set = start_set::resolve(&catalog, None, &["web".into()], true).unwrap();
        assert_eq!(
            tree(&catalog, &set, &["web".into()]),
            "web\n├── api\n│   ├── db\n│   └── missing (missing: no definition)\n└── auth\n    └── api (*)\n"
        );
    }
}
