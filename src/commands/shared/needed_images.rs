//! Every image a start needs from elsewhere — the prebuilt images to pull and the base
//! images of the Dockerfiles to build — got before anything is created: each missing one
//! pulled once, `busybox:latest` made offline when it cannot be pulled, and each that
//! cannot be had reported once with the apps that need it, instead of one failed build per
//! app.

use crate::core::needed_image::{Needed, Unavailable, SEEDABLE};
use crate::core::plan::{Action, Plan};
use crate::exec::event::Phase;
use crate::exec::start::ImageSupply;
use crate::failure::Failure;
use crate::runtime::api::{EngineError, ImageProgress, Runtime, SeedError};
use crate::runtime::build_context::dockerfile::canonical;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What the check found.
#[derive(Debug, Default)]
pub struct Checked {
    /// One line per image ark made itself.
    pub notices: Vec<String>,
    pub unavailable: Vec<Unavailable>,
}

/// The images the apps whose image will be supplied need, one entry per image.
pub fn needed<'a>(
    apps: impl IntoIterator<Item = &'a str>,
    supplies: &BTreeMap<String, ImageSupply>,
    bases: &BTreeMap<String, Vec<String>>,
) -> Vec<Needed> {
    let mut by_image = BTreeMap::<String, Needed>::new();
    let mut add = |image: &str, app: &str, as_base: bool| {
        let entry = by_image.entry(canonical(image)).or_insert_with(|| Needed {
            image: canonical(image),
            apps: BTreeSet::new(),
            for_builds: false,
            to_run: false,
        });
        entry.apps.insert(app.to_owned());
        entry.for_builds |= as_base;
        entry.to_run |= !as_base;
    };
    for app in apps {
        match supplies.get(app) {
            Some(ImageSupply::Pull(image)) => add(image, app, false),
            Some(ImageSupply::Build { .. }) => {
                for image in bases.get(app).into_iter().flatten() {
                    add(image, app, true);
                }
            }
            Some(ImageSupply::Present(_)) | None => {}
        }
    }
    by_image.into_values().collect()
}

/// Gets what `plan` needs onto the engine. Prebuilt images pulled here are marked present
/// in `supplies`, so the executor does not pull them again.
pub async fn ensure(
    runtime: &dyn Runtime,
    plan: &Plan,
    supplies: &mut BTreeMap<String, ImageSupply>,
    bases: &BTreeMap<String, Vec<String>>,
    busybox: &Path,
    emit: &dyn Fn(&str, Phase),
) -> Result<Checked, Failure> {
    let supplied = plan
        .steps
        .iter()
        .filter(|s| !matches!(s.action, Action::Leave | Action::Start))
        .map(|s| s.spec.name.as_str());
    let needed = needed(supplied, supplies, bases);
    // Asked together: one round trip to a remote engine, not one per image.
    let found =
        futures_util::future::join_all(needed.iter().map(|n| runtime.image_id(&n.image))).await;
    let mut missing = Vec::new();
    for (need, id) in needed.into_iter().zip(found) {
        if id.map_err(super::engine::engine_failure)?.is_none() {
            missing.push(need);
        }
    }
    let pulled =
        futures_util::future::join_all(missing.iter().map(|need| pull(runtime, need, emit))).await;
    let mut checked = Checked::default();
    for (need, result) in missing.into_iter().zip(pulled) {
        let engine_said = match result {
            Ok(()) => {
                mark_present(supplies, &need);
                continue;
            }
            Err(error) if error.is_connection_lost() => {
                return Err(super::engine::engine_failure(error))
            }
            Err(error) => error.to_string(),
        };
        if need.image != SEEDABLE {
            checked.unavailable.push(Unavailable {
                needed: need,
                engine_said,
                no_busybox: None,
            });
            continue;
        }
        match runtime.seed_busybox(SEEDABLE, busybox).await {
            Ok(seeded) => {
                mark_present(supplies, &need);
                checked.notices.push(format!(
                    "{SEEDABLE} is not on the engine and cannot be pulled: made it from {}, offline",
                    seeded.from
                ));
            }
            Err(SeedError::NoBusybox(why)) => checked.unavailable.push(Unavailable {
                needed: need,
                engine_said,
                no_busybox: Some(why),
            }),
            Err(SeedError::Engine(error)) if error.is_connection_lost() => {
                return Err(super::engine::engine_failure(error))
            }
            Err(SeedError::Engine(error)) => checked.unavailable.push(Unavailable {
                needed: need,
                engine_said: format!(
                    "{engine_said}; making it from {}: {error}",
                    busybox.display()
                ),
                no_busybox: None,
            }),
        }
    }
    Ok(checked)
}

/// Pulls once, showing progress on the first app that needs the image.
async fn pull(
    runtime: &dyn Runtime,
    need: &Needed,
    emit: &dyn Fn(&str, Phase),
) -> Result<(), EngineError> {
    let app = need.apps.iter().next().map_or("", String::as_str);
    let image = &need.image;
    emit(app, Phase::Pulling(image.clone()));
    let progress = |p: ImageProgress| {
        if let ImageProgress::Layer { id, status } = p {
            emit(
                app,
                Phase::Pulling(format!("{image}: {id} {status}").trim().to_owned()),
            );
        }
    };
    runtime.pull(image, &progress).await
}

fn mark_present(supplies: &mut BTreeMap<String, ImageSupply>, need: &Needed) {
    for app in &need.apps {
        if let Some(supply @ ImageSupply::Pull(_)) = supplies.get_mut(app) {
            *supply = ImageSupply::Present(supply.reference().to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    fn build() -> ImageSupply {
        ImageSupply::Build {
            tag: "ark-local/x:1".into(),
            context: Rc::new(crate::runtime::build_context::BuildContext {
                dir: "apps/x".into(),
                dockerfile: "Dockerfile".into(),
                content_hash: "0123456789ab".into(),
                files: 0,
                bytes: 0,
                size: 0,
            }),
        }
    }

    #[test]
    fn apps_are_grouped_by_the_image_they_need() {
        let supplies = BTreeMap::from([
            ("web".to_owned(), build()),
            ("api".to_owned(), build()),
            ("db".to_owned(), ImageSupply::Pull("postgres:16".into())),
            ("cache".to_owned(), ImageSupply::Present("redis:7".into())),
            ("left".to_owned(), build()),
        ]);
        let bases = BTreeMap::from([
            ("web".to_owned(), vec!["busybox".to_owned()]),
            (
                "api".to_owned(),
                vec!["busybox:latest".to_owned(), "postgres:16".to_owned()],
            ),
            ("left".to_owned(), vec!["alpine:3".to_owned()]),
        ]);
        let found = needed(["web", "api", "db", "cache"], &supplies, &bases);
        let apps = |list: &[&str]| list.iter().map(|a| (*a).to_owned()).collect();
        assert_eq!(
            found,
            vec![
                Needed {
                    image: "busybox:latest".into(),
                    apps: apps(&["api", "web"]),
                    for_builds: true,
                    to_run: false,
                },
                Needed {
                    image: "postgres:16".into(),
                    apps: apps(&["api", "db"]),
                    for_builds: true,
                    to_run: true,
                },
            ]
        );
    }
}
