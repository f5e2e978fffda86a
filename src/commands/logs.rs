//! `ark logs`: the selected apps' stdout and stderr, merged. Without `-f`, every line in
//! time order across apps (`logs_history`); with `-f`, lines as they come, across restarts,
//! recreations, apps joining and the engine's own restarts (`logs_follow`). A reader that
//! goes away (`| head`) and Ctrl-C both end it quietly with success: for a log viewer that
//! is the normal way out.

use super::shared::engine::{block_on, connect};
use super::shared::load;
use super::shared::log_end::End;
use super::shared::on_engine;
use super::shared::reconnect::Reconnect;
use super::{logs_follow, logs_history};
use crate::cli::{LogsArgs, ReportFormat};
use crate::exit_code;
use crate::failure::Failure;
use crate::logs::filter::LineFilter;
use crate::logs::timestamp::Timestamp;
use crate::runtime::api::{Instance, LogOptions, Runtime};
use crate::settings::Settings;
use crate::ui::log_view::{LogFormat, LogView};

pub fn run(args: &LogsArgs, settings: &Settings) -> Result<i32, Failure> {
    let name = super::shared::pick::environment(settings, args.environment.name.as_deref())?;
    let grep = args
        .grep
        .as_deref()
        .map(regex::bytes::Regex::new)
        .transpose()
        .map_err(|e| Failure::Usage(format!("invalid --grep pattern: {e}")))?;
    let now = Timestamp::now();
    let filter = LineFilter {
        since: args.since.map(|t| t.resolve(now)),
        until: args.until.map(|t| t.resolve(now)),
        grep,
    };
    let options = LogOptions {
        follow: args.follow,
        since: filter.since,
        until: filter.until,
        tail: args.tail,
    };
    let format = match args.output {
        ReportFormat::Json => LogFormat::Json,
        ReportFormat::Text => LogFormat::Text {
            prefix: !args.no_prefix,
            timestamps: args.timestamps,
        },
    };
    let mut view = LogView::new(settings.printer.out_styles, format);
    if args.no_mask {
        view = view.without_masking();
    }
    // A new connection after the engine went away is of the same kind as the first.
    let choice = load::engine_choice(settings, Some(&name))?;
    block_on(async {
        let engine = connect(settings, Some(&name)).await?;
        let runtime = &*engine;
        let containers = on_engine::containers(runtime, &name).await?;
        let selected = on_engine::select(&args.apps, &containers, &name)?;
        let mut out = settings.printer.data_writer();
        let result = if args.follow {
            // Named apps stay the selection; without names, apps that join are shown too.
            let only = (!args.apps.is_empty()).then_some(&selected);
            let watch = logs_follow::Watch {
                environment: &name,
                only,
                options,
                filter: &filter,
            };
            let reconnect = Reconnect::new(settings, &choice, !args.no_reconnect, "following logs");
            logs_follow::follow(&watch, engine, containers, &reconnect, &mut view, &mut out).await
        } else {
            if view.masks() {
                let shown = selected.iter().filter_map(|app| containers.get(app));
                view.mask(secret_values(runtime, shown).await);
            }
            let apps = selected
                .iter()
                .filter_map(|app| containers.get(app))
                .map(|c| {
                    view.add_app(&c.app);
                    c.handle.clone()
                })
                .collect::<Vec<_>>();
            logs_history::print(runtime, &apps, options, &filter, &view, &mut out).await
        };
        match result {
            Ok(()) | Err(End::Closed) => Ok(exit_code::OK),
            Err(End::Failed(failure)) => Err(failure),
        }
    })?
}

/// The secret values the instances hold, for masking what they print. An instance whose
/// values cannot be read masks nothing of its own (its logs are still worth showing).
pub(super) async fn secret_values<'a>(
    runtime: &dyn Runtime,
    instances: impl IntoIterator<Item = &'a Instance>,
) -> Vec<String> {
    let mut values = Vec::new();
    for instance in instances {
        values.extend(
            runtime
                .secret_values(&instance.handle)
                .await
                .unwrap_or_default(),
        );
    }
    values
}
