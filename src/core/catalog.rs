//! The catalog: every app definition found in the apps folders.
//!
//! An apps folder holds definitions directly (`api.yml`) or checkouts of app repositories
//! (`api/launch/api.yml`), so both `--apps ~/src/api/launch` and `--apps ~/src` work.
//! Loading never stops at a broken file: problems are collected, and a broken app only
//! blocks the commands that need that app.

use super::definition::{self, AppDefinition, LaunchFile};
use super::diagnostic::{Diagnostic, Diagnostics};
use super::suggest;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Default)]
pub struct Catalog {
    apps: BTreeMap<String, AppDefinition>,
    /// Apps whose definition has errors, with those errors: they exist, but cannot be used.
    broken: BTreeMap<String, Vec<Diagnostic>>,
    /// Production resource files (`type: dynamodb`, …), skipped.
    pub resources: Vec<(PathBuf, String)>,
    /// Every problem found while loading, including warnings.
    pub diagnostics: Diagnostics,
}

impl Catalog {
    /// Loads every definition under `folders`. Folders that do not exist are an error.
    pub fn load(folders: &[PathBuf]) -> Catalog {
        let mut files = Vec::new();
        let mut catalog = Catalog::default();
        for folder in folders {
            match definition_files(folder) {
                Ok(found) => files.extend(found),
                Err(error) => catalog.diagnostics.push(
                    Diagnostic::error(format!("cannot read apps folder: {error}"))
                        .in_file(folder)
                        .with_hint("check the path given with --apps, ARK_APPS or `apps:` in your ark config"),
                ),
            }
        }
        let parsed = parse_all(&files);
        catalog.add_all(files.iter().map(PathBuf::as_path).zip(parsed));
        catalog
    }

    /// Loads definitions from memory (tests, benchmarks): `(path, text)` pairs.
    pub fn from_texts<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Catalog {
        let mut catalog = Catalog::default();
        catalog.add_all(files.into_iter().map(|(path, text)| {
            let path = Path::new(path);
            (path, definition::parse_file(path, text))
        }));
        catalog
    }

    fn add_all<'a>(&mut self, files: impl Iterator<Item = (&'a Path, definition::ParsedFile)>) {
        let mut paths: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
        for (path, parsed) in files {
            let errors: Vec<Diagnostic> = parsed
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .cloned()
                .collect();
            self.diagnostics.extend(parsed.diagnostics);
            match parsed.file {
                Some(LaunchFile::Resource { kind }) => {
                    self.resources.push((path.to_path_buf(), kind))
                }
                Some(LaunchFile::App(app)) => {
                    paths
                        .entry(app.name.clone())
                        .or_default()
                        .push(path.to_path_buf());
                    self.apps.insert(app.name.clone(), *app);
                }
                None => {
                    if let Some(name) = definition::app_name(path) {
                        paths
                            .entry(name.clone())
                            .or_default()
                            .push(path.to_path_buf());
                        self.broken.entry(name).or_default().extend(errors);
                    }
                }
            }
        }
        // The same name twice makes both unusable: which one the user meant is theirs to say.
        for (name, paths) in paths.into_iter().filter(|(_, paths)| paths.len() > 1) {
            let listed: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            let error = Diagnostic::error(format!(
                "app `{name}` is defined more than once: {}",
                listed.join(", ")
            ))
            .in_file(&paths[paths.len() - 1])
            .with_hint(
                "app names come from file names and must be unique: rename or remove all but one",
            );
            self.apps.remove(&name);
            self.diagnostics.push(error.clone());
            self.broken.entry(name).or_default().push(error);
        }
    }

    pub fn get(&self, name: &str) -> Option<&AppDefinition> {
        self.apps.get(name)
    }

    pub fn apps(&self) -> impl Iterator<Item = &AppDefinition> {
        self.apps.values()
    }

    pub fn len(&self) -> usize {
        self.apps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.apps.is_empty()
    }

    /// The errors that make `name` unusable, when its definition is broken.
    pub fn broken(&self, name: &str) -> Option<&[Diagnostic]> {
        self.broken.get(name).map(Vec::as_slice)
    }

    pub fn broken_names(&self) -> impl Iterator<Item = &str> {
        self.broken.keys().map(String::as_str)
    }

    /// Every app name, usable or broken: what a user may have meant.
    pub fn all_names(&self) -> impl Iterator<Item = &str> {
        self.apps
            .keys()
            .chain(self.broken.keys())
            .map(String::as_str)
    }

    /// "did you mean …?" for a name that is not in the catalog.
    pub fn suggest(&self, name: &str) -> Option<String> {
        suggest::did_you_mean(name, self.all_names())
    }

    /// A dependency with no definition: a warning (the catalog on a laptop is often partial),
    /// naming the app, its file and the closest known name.
    /// `provided(name)` says whether something else (an environment's `external`) supplies it.
    pub fn missing_dependencies(&self, provided: impl Fn(&str) -> bool) -> Vec<Diagnostic> {
        let mut found = Vec::new();
        for app in self.apps.values() {
            for dependency in &app.dependencies {
                if self.apps.contains_key(dependency)
                    || self.broken.contains_key(dependency)
                    || provided(dependency)
                {
                    continue;
                }
                found.push(
                    Diagnostic::warning(format!("`{}` depends on `{dependency}`, which has no definition", app.name))
                        .in_file(&app.path)
                        .at_position(super::locate::dependency(&app.path, dependency))
                        .with_hint(self.suggest(dependency).unwrap_or_else(|| {
                            format!("add a folder holding `{dependency}.yml` with --apps, or provide it as external in the environment")
                        })),
                );
            }
        }
        found
    }
}

/// `*.yml` / `*.yaml` directly in `folder`, then in each `<checkout>/launch/` below it.
fn definition_files(folder: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut direct = Vec::new();
    let mut checkouts = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if hidden {
            continue;
        }
        let file_type = entry.file_type()?;
        if file_type.is_dir() || (file_type.is_symlink() && path.is_dir()) {
            let launch = path.join("launch");
            if launch.is_dir() {
                checkouts.extend(yaml_files(&launch)?);
            }
        } else if is_yaml(&path) {
            direct.push(path);
        }
    }
    direct.sort();
    checkouts.sort();
    direct.extend(checkouts);
    Ok(direct)
}

fn yaml_files(folder: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        if is_yaml(&path) && path.is_file() {
            files.push(path);
        }
    }
    Ok(files)
}

fn is_yaml(path: &Path) -> bool {
    let hidden = path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'));
    !hidden
        && matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yml" | "yaml")
        )
}

/// Reads and parses files on all cores: a company's catalog has hundreds of files.
fn parse_all(files: &[PathBuf]) -> Vec<definition::ParsedFile> {
    let parse_one = |path: &PathBuf| match std::fs::read(path) {
        Err(error) => definition::ParsedFile {
            file: None,
            diagnostics: vec![
                Diagnostic::error(format!("cannot read the file: {error}")).in_file(path)
            ],
        },
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => definition::parse_file(path, &text),
            Err(error) => definition::ParsedFile {
                file: None,
                diagnostics: vec![Diagnostic::not_utf8(path, &error)],
            },
        },
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(8);
    if files.len() < 64 || threads < 2 {
        return files.iter().map(parse_one).collect();
    }
    let chunk = files.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(parse_one).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_app_in_two_files_names_both() {
        let catalog = Catalog::from_texts([
            ("a/launch/api.yml", "env: []\n"),
            ("b/launch/api.yml", "env: []\n"),
        ]);
        assert!(catalog.get("api").is_none());
        assert!(catalog.broken("api").is_some());
        let message = &catalog.diagnostics.errors().next().unwrap().message;
        assert_eq!(
            message,
            "app `api` is defined more than once: a/launch/api.yml, b/launch/api.yml"
        );
    }

    #[test]
    fn a_missing_dependency_is_a_warning_with_the_closest_name() {
        let catalog = Catalog::from_texts([
            ("launch/api.yml", "dependencies: [postgress]\n"),
            ("launch/postgres.yml", "env: []\n"),
        ]);
        let missing = catalog.missing_dependencies(|_| false);
        assert_eq!(missing.len(), 1);
        assert!(!missing[0].is_error());
        assert_eq!(
            missing[0].message,
            "`api` depends on `postgress`, which has no definition"
        );
        assert_eq!(missing[0].hint.as_deref(), Some("did you mean `postgres`?"));
    }

    #[test]
    fn a_broken_definition_is_known_but_unusable() {
        let catalog = Catalog::from_texts([("launch/api.yml", "dependencies: nope\n")]);
        assert!(catalog.get("api").is_none());
        assert_eq!(catalog.broken("api").unwrap().len(), 1);
        assert_eq!(catalog.all_names().collect::<Vec<_>>(), ["api"]);
    }
}
