//! `ark metrics` (alias `top`): live CPU, memory, network and disk use of an environment's
//! running apps, from one stats stream per container. Containers are looked up again every
//! 2 s, so apps that start or stop while watching appear or disappear; when the engine
//! goes away the watch waits for it (`Reconnect`) and goes on with a new connection.

use super::shared::engine::list_within_patience;
use super::shared::engine::{block_on, connect, engine_failure};
use super::shared::load;
use super::shared::on_engine;
use super::shared::reconnect::Reconnect;
use crate::cli::{MetricsArgs, TableFormat};
use crate::exit_code;
use crate::failure::Failure;
use crate::runtime::api::{EngineError, Handle, Runtime, Usage};
use crate::settings::Settings;
use crate::ui::metrics_view::{self, Redraw, Row};
use crate::ui::time::now_rfc3339;
use futures_util::stream::{self, AbortHandle, LocalBoxStream, SelectAll, StreamExt};
use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::time::Duration;

/// How often the screen (or the output) shows new samples: the engine samples every second.
const REFRESH: Duration = Duration::from_secs(1);
/// How often the environment's containers are listed again.
const RELIST: Duration = Duration::from_secs(2);
/// How long `--no-stream` waits for every app's second sample (the first has no CPU %).
const SNAPSHOT_WAIT: Duration = Duration::from_secs(6);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    /// A table redrawn in place (a terminal).
    Live,
    /// One table, then exit (`--no-stream`).
    Snapshot,
    /// One text line per app per sample (a pipe).
    Lines,
    /// One JSON object per app per sample.
    Json,
}

pub fn run(args: &MetricsArgs, settings: &Settings) -> Result<i32, Failure> {
    let name = settings.environment(args.environment.name.as_deref())?;
    let output = match (args.output, args.no_stream) {
        (TableFormat::Json, _) => Output::Json,
        (TableFormat::Table, true) => Output::Snapshot,
        (TableFormat::Table, false) if std::io::stdout().is_terminal() => Output::Live,
        (TableFormat::Table, false) => Output::Lines,
    };
    // A new connection after the engine went away is of the same kind as the first.
    let choice = load::engine_choice(settings, Some(&name))?;
    block_on(async {
        let engine = connect(settings, Some(&name)).await?;
        let runtime = &*engine;
        if !runtime.capabilities().usage {
            return Err(Failure::Failed(format!(
                "the engine at {} does not report its instances' usage",
                runtime.endpoint()
            )));
        }
        let containers = on_engine::containers(runtime, &name).await?;
        let selected = on_engine::select(&args.apps, &containers, &name)?;
        // Named apps narrow the watch; otherwise apps created after it began count too.
        let apps = (!args.apps.is_empty()).then_some(selected);
        let reconnect = Reconnect::new(settings, &choice, !args.no_reconnect, "watching metrics");
        let mut watch = Watch::new(engine, &name, apps, output, settings, reconnect);
        let watched = if args.no_stream {
            tokio::select! {
                done = watch.snapshot() => done.map_err(engine_failure),
                _ = tokio::signal::ctrl_c() => return Ok(exit_code::INTERRUPTED),
            }
        } else {
            tokio::select! {
                done = watch.follow() => done,
                // Ctrl-C is how a watch ends: leave the last table on screen.
                _ = tokio::signal::ctrl_c() => return Ok(exit_code::INTERRUPTED),
            }
        };
        watched?;
        Ok(exit_code::OK)
    })?
}

/// A usage stream's items, tagged with the instance's handle; `None` once the stream ended.
type Tagged = (Handle, Option<Result<Usage, EngineError>>);

/// The latest usage of one container.
struct Reading {
    app: String,
    ts: String,
    usage: Usage,
    /// Not yet printed (piped and JSON output print each sample once).
    fresh: bool,
}

struct Watch<'a> {
    engine: Box<dyn Runtime>,
    environment: &'a str,
    /// The apps to watch; `None`: every app of the environment.
    apps: Option<BTreeSet<String>>,
    output: Output,
    settings: &'a Settings,
    /// instance → (app, how to stop its stream).
    watched: BTreeMap<Handle, (String, AbortHandle)>,
    streams: SelectAll<LocalBoxStream<'static, Tagged>>,
    readings: BTreeMap<Handle, Reading>,
    /// Apps whose usage cannot be read from here (a Swarm task on a node no engine URL
    /// is known for), and why: shown as such, not as errors.
    unreachable: BTreeMap<String, String>,
    redraw: Redraw,
    reconnect: Reconnect<'a>,
}

impl<'a> Watch<'a> {
    fn new(
        engine: Box<dyn Runtime>,
        environment: &'a str,
        apps: Option<BTreeSet<String>>,
        output: Output,
        settings: &'a Settings,
        reconnect: Reconnect<'a>,
    ) -> Self {
        Watch {
            engine,
            environment,
            apps,
            output,
            settings,
            watched: BTreeMap::new(),
            streams: SelectAll::new(),
            readings: BTreeMap::new(),
            unreachable: BTreeMap::new(),
            redraw: Redraw::default(),
            reconnect,
        }
    }

    /// Watches until interrupted, across engine restarts as `reconnect` allows.
    async fn follow(&mut self) -> Result<(), Failure> {
        let mut refresh = tokio::time::interval(REFRESH);
        let mut relist = tokio::time::interval(RELIST);
        refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        relist.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first tick of an interval is immediate: nothing to show yet.
        refresh.tick().await;
        loop {
            tokio::select! {
                _ = relist.tick() => {
                    if let Err(error) = self.relist().await {
                        self.reconnected(error).await?;
                        relist.reset_immediately();
                    }
                }
                _ = refresh.tick() => self.show(false),
                // An empty SelectAll is finished at once: only poll it when it holds streams.
                Some(item) = self.streams.next(), if !self.streams.is_empty() => self.take(item),
            }
        }
    }

    /// Goes on with a new connection once the engine that failed with `error` answers
    /// again. The old connection's streams end with it, and their readings are dropped: a
    /// usage from before the gap says nothing about now.
    async fn reconnected(&mut self, error: EngineError) -> Result<(), Failure> {
        let endpoint = self.engine.endpoint().clone();
        self.engine = self.reconnect.after(&endpoint, error).await?;
        let watched: Vec<Handle> = self.watched.keys().cloned().collect();
        for id in &watched {
            self.forget(id);
        }
        self.streams = SelectAll::new();
        Ok(())
    }

    /// One reading with a CPU % of every running app, shown once.
    async fn snapshot(&mut self) -> Result<(), EngineError> {
        self.relist().await?;
        let deadline = tokio::time::sleep(SNAPSHOT_WAIT);
        tokio::pin!(deadline);
        while self.readings.len() < self.watched.len() {
            tokio::select! {
                () = &mut deadline => break,
                Some(item) = self.streams.next(), if !self.streams.is_empty() => self.take(item),
                else => break,
            }
        }
        self.show(true);
        Ok(())
    }

    /// Starts a stream for each running app not yet watched; stops those that went away.
    async fn relist(&mut self) -> Result<(), EngineError> {
        let running: BTreeMap<Handle, String> =
            list_within_patience(&*self.engine, self.environment)
                .await?
                .into_iter()
                .filter(|c| c.is_running() && self.apps.as_ref().is_none_or(|a| a.contains(&c.app)))
                .map(|c| (c.handle, c.app))
                .collect();
        let gone: Vec<Handle> = self
            .watched
            .keys()
            .filter(|id| !running.contains_key(*id))
            .cloned()
            .collect();
        for id in gone {
            self.forget(&id);
        }
        for (id, app) in running {
            if self.watched.contains_key(&id) {
                continue;
            }
            let (samples, abort) = stream::abortable(self.engine.usage(&id));
            self.watched.insert(id.clone(), (app, abort));
            let tag = id.clone();
            let tagged = samples
                .map(move |s| (tag.clone(), Some(s)))
                .chain(stream::once(async move { (id, None) }))
                .boxed_local();
            self.streams.push(tagged);
        }
        Ok(())
    }

    fn forget(&mut self, id: &Handle) {
        if let Some((_, abort)) = self.watched.remove(id) {
            abort.abort();
        }
        self.readings.remove(id);
    }

    fn take(&mut self, (id, item): Tagged) {
        let Some(app) = self.watched.get(&id).map(|(app, _)| app.clone()) else {
            return;
        };
        match item {
            Some(Ok(usage)) => {
                self.unreachable.remove(&app);
                self.readings.insert(
                    id,
                    Reading {
                        app,
                        ts: now_rfc3339(),
                        usage,
                        fresh: true,
                    },
                );
            }
            Some(Err(EngineError::Unsupported(why))) => {
                self.unreachable.insert(app, why);
            }
            Some(Err(error)) => {
                self.settings
                    .printer
                    .detail(&format!("stats of `{app}` ended: {error}"));
            }
            // Ended (stopped, or the engine closed it): the next listing starts it again if
            // the app still runs.
            None => self.forget(&id),
        }
    }

    /// Shows the latest readings: all of them when `once`, else those not yet printed.
    fn show(&mut self, once: bool) {
        let mut readings: Vec<&mut Reading> = self.readings.values_mut().collect();
        readings.sort_by(|a, b| a.app.cmp(&b.app));
        let total = Usage::total(readings.iter().map(|r| &r.usage));
        let row = |r: &Reading| Row {
            ts: r.ts.clone(),
            app: Some(r.app.clone()),
            usage: r.usage,
        };
        let total_row = Row {
            ts: now_rfc3339(),
            app: None,
            usage: total,
        };
        let printer = &self.settings.printer;
        match self.output {
            Output::Live | Output::Snapshot => {
                let rows: Vec<Row> = readings.iter().map(|r| row(r)).collect();
                let mut text = metrics_view::table(&rows, &total, printer.out_styles);
                for (app, why) in &self.unreachable {
                    text.push_str(&format!("\n{app}: not reachable ({why})"));
                }
                if self.output == Output::Live {
                    printer.out_stream(&self.redraw.frame(&text));
                } else {
                    printer.out_stream(&text);
                }
            }
            Output::Lines | Output::Json => {
                let line = if self.output == Output::Json {
                    metrics_view::json_line
                } else {
                    metrics_view::text_line
                };
                let mut text = String::new();
                for reading in readings.into_iter().filter(|r| r.fresh || once) {
                    text.push_str(&line(&row(reading)));
                    text.push('\n');
                    reading.fresh = false;
                }
                if once {
                    for (app, why) in &self.unreachable {
                        text.push_str(&metrics_view::unreachable_line(
                            app,
                            why,
                            self.output == Output::Json,
                        ));
                        text.push('\n');
                    }
                }
                // A total after each round of new samples; a snapshot always has one, even
                // when no app runs.
                if !text.is_empty() || once {
                    text.push_str(&line(&total_row));
                    text.push('\n');
                    printer.out_stream(&text);
                }
            }
        }
    }
}
