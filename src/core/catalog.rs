//! The catalog: every app definition found in the apps folders.
//!
//! An apps folder holds definitions directly (`api.yml`) or checkouts of app repositories
//! (`api/launch/api.yml`), so both `--apps ~/src/api/launch` and `--apps ~/src` work.
//! Loading never stops at a broken file: problems are collected, and a broken app only
//! blocks the commands that need that app.

use super::definition::{self, AppDefinition, LaunchFile};
use super::diagnostic::{Diagnostic, Diagnostics};
use super::discovery;
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

    /// The app names under `folders`, from file names alone (shell completion must not wait
    /// for every file to be parsed): sorted, each once, broken definitions included. A file
    /// with a top-level `type:` is a production resource, not an app; unreadable folders and
    /// names that cannot be apps are left out.
    pub fn names(folders: &[PathBuf]) -> Vec<String> {
        let mut names: Vec<String> = folders
            .iter()
            .filter_map(|folder| definition_files(folder).ok())
            .flatten()
            .filter(|path| {
                !std::fs::read_to_string(path).is_ok_and(|text| definition::is_resource(&text))
            })
            .filter_map(|path| definition::app_name(&path))
            .filter(|name| definition::check_name(name).is_ok())
            .collect();
        names.sort();
        names.dedup();
        names
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
        let collisions = discovery_collisions(&paths);
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
        // Names that discovery cannot tell apart: one would silently win, so neither is used.
        for (names, error) in collisions {
            for name in names {
                self.apps.remove(&name);
                self.broken.entry(name).or_default().push(error.clone());
            }
            self.diagnostics.push(error);
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

/// For each pair of app names that become the same `SERVICE_<APP>_…` part, both names and
/// an error naming both files (the first name's file first).
fn discovery_collisions(paths: &BTreeMap<String, Vec<PathBuf>>) -> Vec<([String; 2], Diagnostic)> {
    let mut by_part: BTreeMap<String, Vec<(&String, &PathBuf)>> = BTreeMap::new();
    for (name, files) in paths {
        if let Some(file) = files.first() {
            by_part
                .entry(discovery::part(name))
                .or_default()
                .push((name, file));
        }
    }
    let mut found = Vec::new();
    for (part, apps) in by_part.iter().filter(|(_, apps)| apps.len() > 1) {
        let (first, first_file) = apps[0];
        for &(other, other_file) in &apps[1..] {
            let error = Diagnostic::error(format!(
                "apps `{first}` and `{other}` collide: both are SERVICE_{part}_* in discovery ({}, {})",
                first_file.display(),
                other_file.display()
            ))
            .in_file(other_file)
            .with_hint("rename one: app names must differ in more than `-`, `_` and `.`");
            found.push(([first.clone(), other.clone()], error));
        }
    }
    found
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
    let parse_one = |path: &PathBuf| match super::input_file::read(path) {
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
    fn names_come_from_file_names_without_resources() {
        let dir = tempfile::tempdir().unwrap();
        let apps = dir.path().join("apps");
        std::fs::create_dir_all(apps.join("repo/launch")).unwrap();
        for (file, text) in [
            ("api.yml", "env: []\n"),
            ("broken.yml", "dependencies: nope\n"),
            ("queue.yml", "type: sqs\nname: q\n"),
            (".hidden.yml", "env: []\n"),
            ("bad name.yml", "env: []\n"),
            ("repo/launch/worker.yaml", "env: []\n"),
        ] {
            std::fs::write(apps.join(file), text).unwrap();
        }
        let names = Catalog::names(&[apps, dir.path().join("missing")]);
        assert_eq!(names, ["api", "broken", "worker"]);
    }

    #[test]
    fn apps_that_discovery_cannot_tell_apart_are_unusable_and_named() {
        let catalog = Catalog::from_texts([
            ("launch/my-app.yml", "env: []\n"),
            ("launch/my_app.yml", "env: []\n"),
            ("launch/other.yml", "env: []\n"),
        ]);
        assert!(catalog.get("my-app").is_none() && catalog.get("my_app").is_none());
        assert!(catalog.get("other").is_some());
        let errors: Vec<&str> = catalog
            .diagnostics
            .errors()
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            errors,
            ["apps `my-app` and `my_app` collide: both are SERVICE_MY_APP_* in discovery (launch/my-app.yml, launch/my_app.yml)"]
        );
    }

    #[test]
    fn a_broken_definition_is_known_but_unusable() {
        let catalog = Catalog::from_texts([("launch/api.yml", "dependencies: nope\n")]);
        assert!(catalog.get("api").is_none());
        assert_eq!(catalog.broken("api").unwrap().len(), 1);
        assert_eq!(catalog.all_names().collect::<Vec<_>>(), ["api"]);
    }
}
