//! What a command works on when its command line names none, picked by the person at the
//! terminal: the apps `ark start` starts, the environment `ark down` and `ark logs` work
//! on. With nobody at the terminal (a script, CI) there is no picker, and the command is
//! the usage error it always was.

use super::engine::block_on;
use super::engines::Engines;
use super::load;
use crate::core::catalog::Catalog;
use crate::core::diagnostic::{Diagnostic, Diagnostics};
use crate::failure::Failure;
use crate::settings::Settings;
use crate::ui::picker::{self, Item, Mode, Picked};

/// The usage error of `ark start` without apps where nobody can pick them.
pub fn no_apps_given() -> Failure {
    Failure::Usage(
        "no apps given: name the apps to start (`ark start -e ENV APP…`), or run it on a terminal to pick them".into(),
    )
}

/// The apps given, or — none given, on a terminal — those picked from the catalog.
pub fn apps_to_start(settings: &Settings, given: &[String]) -> Result<Vec<String>, Failure> {
    if !given.is_empty() {
        return Ok(given.to_vec());
    }
    if !picker::attended() {
        return Err(no_apps_given());
    }
    // Read quietly: the start that follows loads the catalog again and reports on it once.
    let catalog = Catalog::load(&settings.apps_folders);
    let items: Vec<Item> = catalog.apps().map(|a| Item::named(&a.name)).collect();
    if items.is_empty() {
        load::catalog(settings)?; // says why when a folder is missing
        return Err(Failure::Invalid(Diagnostics(vec![Diagnostic::error(
            "no app definitions to pick from in the apps folders",
        )
        .with_hint(
            "each app is a launch/<app>.yml; point ark at them with --apps DIR, ARK_APPS, or `apps:` in your ark config",
        )])));
    }
    match picker::pick(
        "apps to start",
        items,
        Mode::Many,
        settings.printer.err_styles,
    ) {
        Some(Picked::Chosen(names)) => Ok(names),
        Some(Picked::Cancelled) => Err(Failure::Cancelled),
        None => Err(no_apps_given()), // the terminal failed: as if nobody were there
    }
}

/// The environment given (or the default one), or — neither, on a terminal — one picked
/// from those on the engines (the settings' own and every target on disk, as `ark status`
/// asks them), each listed where `-e` would find it.
pub fn environment(settings: &Settings, given: Option<&str>) -> Result<String, Failure> {
    if given.is_some() || settings.default_environment.is_some() || !picker::attended() {
        return settings.environment(given);
    }
    let engines = Engines::gather(settings);
    let mut answers = block_on(engines.survey(settings))?;
    if answers.iter().all(Result::is_err) {
        // Nothing to pick from: the engine's own error (exit 4), said once.
        if let Some(Err(failure)) = answers.drain(..).next() {
            return Err(failure);
        }
    }
    let mut items = Vec::new();
    for (index, (asked, answer)) in engines.asked.iter().zip(answers).enumerate() {
        let Ok(seen) = answer else {
            settings.printer.status(&format!(
                "{}: {} does not answer; its environments are not listed",
                settings.printer.err_styles.warning("warning"),
                asked.describe()
            ));
            continue;
        };
        for (name, present) in seen.environments() {
            if engines.index_of(name) != index {
                continue; // `-e name` goes to its target, not here
            }
            let mut note = format!("{} apps, {} running", present.apps.len(), present.running());
            if engines.asked.len() > 1 {
                note.push_str(&format!(" · {}", asked.url().unwrap_or_default()));
            }
            items.push(Item {
                name: name.to_owned(),
                note,
            });
        }
    }
    if items.is_empty() {
        return Err(Failure::Usage(
            "no environment given, and none is on the engine to pick from: pass -e ENV".into(),
        ));
    }
    match picker::pick("environment", items, Mode::One, settings.printer.err_styles) {
        Some(Picked::Chosen(names)) => names.into_iter().next().ok_or(Failure::Cancelled),
        Some(Picked::Cancelled) => Err(Failure::Cancelled),
        None => settings.environment(None), // the terminal failed: as if nobody were there
    }
}
