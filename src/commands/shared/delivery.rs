//! Images on an engine of several nodes (Swarm): a task may land on any node, and a node
//! has only the images it pulled. An image made here (built, seeded, loaded) reaches the
//! others only through the environment's registry; without one, starting an app that needs
//! such an image is refused before anything is created, saying what to set.

use crate::core::diagnostic::{Diagnostic, Diagnostics};
use crate::core::plan::Plan;
use crate::exec::start::ImageSupply;
use crate::failure::Failure;
use crate::runtime::api::{ImageDelivery, Runtime};
use std::collections::BTreeMap;
use std::path::Path;

/// Refuses the start when an app to be made needs an image that only this engine has, on
/// a swarm of several nodes with no registry named (`file`: the environment's own file,
/// where `registry:` would go).
pub async fn check(
    runtime: &dyn Runtime,
    plan: &Plan,
    supplies: &BTreeMap<String, ImageSupply>,
    registry: Option<&str>,
    file: Option<&Path>,
) -> Result<(), Failure> {
    let ImageDelivery::Registry { nodes } = runtime.capabilities().images else {
        return Ok(());
    };
    if registry.is_some() {
        return Ok(());
    }
    let mut local_only = Vec::new();
    for step in plan.steps.iter().filter(|s| s.action.makes_instance()) {
        let app = &step.spec.name;
        let from_here = match supplies.get(app) {
            Some(ImageSupply::Build { tag, .. }) => Some(format!("{app} (built here as {tag})")),
            Some(ImageSupply::Present(image)) => match runtime.registry_digest(image).await {
                Ok(None) => Some(format!("{app} ({image}, only on this engine)")),
                _ => None,
            },
            Some(ImageSupply::Pull(_)) | None => None,
        };
        local_only.extend(from_here);
    }
    if local_only.is_empty() {
        return Ok(());
    }
    let mut problem = Diagnostic::error(format!(
        "environment `{}` runs on a swarm of {nodes} nodes, and a task placed on another node could not get these images: {}",
        plan.environment,
        local_only.join(", ")
    ))
    .with_hint(
        "name a registry every node can pull from: `registry: HOST:PORT` in the environment file; ark pushes these images there and pins the services to their digests",
    );
    if let Some(file) = file {
        problem = problem.in_file(file);
    }
    Err(Failure::Invalid(Diagnostics(vec![problem])))
}
