//! Which image each app runs, decided before planning (the image is part of the
//! fingerprint, so a changed checkout recreates its app): present → used; `-l` or missing
//! with a checkout → built from the checkout, tagged by content; otherwise pulled.

use crate::core::definition::DEFAULT_DOCKERFILE;
use crate::core::spec::AppSpec;
use crate::exec::start::ImageSupply;
use crate::failure::Failure;
use crate::runtime::api::Runtime;
use crate::runtime::build_context::BuildContext;
use crate::runtime::labels;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::rc::Rc;

/// What `-l/--local` asked for.
#[derive(Debug, Default)]
pub struct LocalBuilds {
    pub apps: BTreeSet<String>,
    /// `--local api=../api`: a checkout elsewhere.
    pub paths: BTreeMap<String, PathBuf>,
}

impl LocalBuilds {
    /// `-l` alone means the apps given to start; `-l api` or `-l api=PATH` one app.
    pub fn parse(values: &[String], requested: &[String]) -> LocalBuilds {
        let mut local = LocalBuilds::default();
        for value in values {
            match value.split_once('=') {
                _ if value.is_empty() => local.apps.extend(requested.iter().cloned()),
                Some((app, path)) => {
                    local.apps.insert(app.to_owned());
                    local.paths.insert(app.to_owned(), PathBuf::from(path));
                }
                None => {
                    local.apps.insert(value.clone());
                }
            }
        }
        local
    }
}

/// The supply of every spec's image, plus the id the engine has for each present image.
pub struct Decided {
    pub supplies: BTreeMap<String, ImageSupply>,
    pub ids: BTreeMap<String, String>,
    /// For each app to be built: the external images its Dockerfile builds on.
    pub bases: BTreeMap<String, Vec<String>>,
}

pub async fn decide(
    runtime: &dyn Runtime,
    specs: &mut [AppSpec],
    local: &LocalBuilds,
) -> Result<Decided, Failure> {
    let mut supplies = BTreeMap::new();
    let mut ids = BTreeMap::new();
    let mut bases = BTreeMap::new();
    // Every named image asked about at once: one round trip to a remote engine, not one each.
    let named: BTreeSet<String> = specs
        .iter()
        .filter(|spec| !local.apps.contains(&spec.name))
        .map(|spec| spec.image.name.clone())
        .collect();
    let found =
        futures_util::future::join_all(named.iter().map(|name| runtime.image_id(name))).await;
    let mut id_of = BTreeMap::<String, Option<String>>::new();
    for (name, id) in named.into_iter().zip(found) {
        id_of.insert(name, id.map_err(super::engine::engine_failure)?);
    }
    for spec in specs.iter_mut() {
        let app = spec.name.clone();
        let wants_local = local.apps.contains(&app);
        let named = spec.image.name.clone();
        let named_id = if wants_local {
            None
        } else {
            image_id_cached(runtime, &mut id_of, &named).await?
        };
        let supply = if let Some(id) = named_id {
            ids.insert(named.clone(), id);
            ImageSupply::Present(named)
        } else if wants_local || (!spec.image.explicit && spec.image.build.is_some()) {
            let (dir, dockerfile) = match (local.paths.get(&app), &spec.image.build) {
                (Some(path), build) => (path.clone(), build.as_ref().map_or_else(|| DEFAULT_DOCKERFILE.to_owned(), |b| b.dockerfile.clone())),
                (None, Some(build)) => (build.dir.clone(), build.dockerfile.clone()),
                (None, None) => {
                    return Err(Failure::Usage(format!(
                        "`{app}` has no checkout to build from (its definition is not in a <repo>/launch/ folder, or the repo has no Dockerfile): pass --local {app}=PATH"
                    )))
                }
            };
            let context = BuildContext::prepare(&dir, &dockerfile).map_err(|e| {
                Failure::Failed(format!("cannot build `{app}` from {}: {e}", dir.display()))
            })?;
            // The plan names the folder actually built (`-l app=DIR` included).
            spec.image.build = Some(crate::core::spec::BuildContext {
                dir: dir.clone(),
                dockerfile: dockerfile.clone(),
            });
            spec.image.explicit = false;
            let tag = labels::local_image_tag(&app, &context.content_hash);
            match image_id_cached(runtime, &mut id_of, &tag).await? {
                Some(id) => {
                    ids.insert(tag.clone(), id);
                    ImageSupply::Present(tag)
                }
                None => {
                    bases.insert(app.clone(), context.base_images());
                    ImageSupply::Build {
                        tag,
                        context: Rc::new(context),
                    }
                }
            }
        } else {
            ImageSupply::Pull(named)
        };
        spec.image.name = supply.reference().to_owned();
        supplies.insert(app, supply);
    }
    Ok(Decided {
        supplies,
        ids,
        bases,
    })
}

/// The engine's id for an image, asking once per reference.
async fn image_id_cached(
    runtime: &dyn Runtime,
    cache: &mut BTreeMap<String, Option<String>>,
    reference: &str,
) -> Result<Option<String>, Failure> {
    if let Some(known) = cache.get(reference) {
        return Ok(known.clone());
    }
    let id = runtime
        .image_id(reference)
        .await
        .map_err(super::engine::engine_failure)?;
    cache.insert(reference.to_owned(), id.clone());
    Ok(id)
}
