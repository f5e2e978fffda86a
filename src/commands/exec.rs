//! `ark exec -e ENV APP -- CMD…`: a command in an app's container, interactive when the
//! terminal is; the command's exit code becomes ark's.

use super::shared::engine::{block_on, connect, engine_failure};
use super::shared::on_engine;
use crate::cli::ExecArgs;
use crate::failure::Failure;
use crate::settings::Settings;
use crate::ui::terminal;

pub fn run(args: &ExecArgs, settings: &Settings) -> Result<i32, Failure> {
    let name = settings.environment(args.environment.name.as_deref())?;
    block_on(async {
        let engine = connect(settings, Some(&name)).await?;
        let runtime = &*engine;
        if !runtime.capabilities().exec {
            return Err(Failure::Failed(format!(
                "the engine at {} cannot run commands in an app's instance",
                runtime.endpoint()
            )));
        }
        let containers = on_engine::containers(runtime, &name).await?;
        let app = on_engine::select(std::slice::from_ref(&args.app), &containers, &name)?;
        let container = app
            .iter()
            .next()
            .and_then(|a| containers.get(a))
            .ok_or_else(|| Failure::Failed("no container".into()))?;
        if !container.is_running() {
            return Err(Failure::Failed(format!(
                "`{}` is not running ({}): start it with `ark start -e {name} {}`",
                container.app,
                container.state.text(),
                container.app
            )));
        }
        let tty = terminal::interactive().then(|| terminal::size().unwrap_or((80, 24)));
        let raw = tty.and_then(|_| terminal::RawMode::enable());
        let code = runtime
            .exec_attached(&container.handle, &args.command, tty)
            .await
            .map_err(engine_failure);
        drop(raw);
        // Exit codes above 255 cannot pass through a process exit status.
        Ok(code?.clamp(0, 255) as i32)
    })?
}
