//! A recording fake engine for unit tests of what drives the seam (the executor, stop and
//! down orders): every call is kept as data, answers are scripted per app (slow to get
//! ready, exiting, failing to create or start, a start refused as after an engine crash, a
//! name already held). Time is tokio's, so a test with a paused clock runs a minute-long
//! start in microseconds. An engine that dies is scripted too: a log read that breaks off,
//! listings that stop answering. The real engines stay the tests of engine behaviour; this
//! only answers as an engine would.

use super::api::{
    Capabilities, ChangeStyle, CheckRunner, Created, Endpoint, EngineError, EnvironmentInfo,
    Handle, ImageDelivery, ImageProgress, Instance, LogLine, LogLines, LogOptions, NewRevision,
    Placement, Placing, PortPublishing, PortReach, PortStream, Runtime, SeedError, Seeded, State,
    UsageStream,
};
use crate::core::fingerprint_key::FingerprintKey;
use crate::core::spec::AppSpec;
use futures_util::StreamExt;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use tokio::time::Instant;

/// One call the engine received (or, for `Ready`, the first time it reported an instance
/// ready), in the order they happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Call {
    Create(String),
    Start(String),
    Ready(String),
    Stop(String),
    Remove(String),
    Pull(String),
    Build(String),
}

/// How the engine answers for one app. The default: created, started and ready at once.
#[derive(Debug, Clone, Default)]
pub(crate) struct Script {
    /// How long after its start the instance becomes ready.
    pub ready_after: Duration,
    /// How long creating takes.
    pub create_takes: Duration,
    /// The instance exits with this code right after it starts.
    pub exits_with: Option<i64>,
    /// Creating fails with this message.
    pub create_fails: Option<String>,
    /// Starting fails with this message.
    pub start_fails: Option<String>,
    /// The first this many starts are refused as the engine refuses an instance an engine
    /// crash cut short ("task …: already exists"): it cannot start it any more.
    pub start_refused_as_stale: usize,
    /// The name is already held by this (environment, app, fingerprint): another ark's.
    pub taken_by: Option<(String, String, BTreeMap<String, String>)>,
    /// Everything the instance wrote, in order (its log file). A read returns the lines
    /// from `since`'s second on, as Docker does, then follows a running instance.
    pub log: Vec<LogLine>,
    /// A read of the log breaks off after its lines, as when the engine dies mid-read.
    pub log_breaks: bool,
}

#[derive(Debug, Clone)]
struct FakeInstance {
    environment: String,
    app: String,
    fingerprint: BTreeMap<String, String>,
    depends_on: Vec<String>,
    started: Option<Instant>,
    stopped: bool,
    reported_ready: bool,
}

impl FakeInstance {
    /// The instance of `spec`, made for `environment`, not started.
    fn of(environment: &str, spec: &AppSpec) -> FakeInstance {
        FakeInstance {
            environment: environment.to_owned(),
            app: spec.name.clone(),
            fingerprint: spec.fingerprint(),
            depends_on: spec.waits_for.clone(),
            started: None,
            stopped: false,
            reported_ready: false,
        }
    }
}

/// The fake engine.
pub(crate) struct FakeEngine {
    endpoint: Endpoint,
    scripts: BTreeMap<String, Script>,
    calls: RefCell<Vec<Call>>,
    instances: RefCell<BTreeMap<Handle, FakeInstance>>,
    /// Listings answered so far, and after how many the engine is gone (`gone_after`).
    lists: Cell<usize>,
    gone_after_lists: Option<usize>,
    /// How many starts of each app were refused as stale so far.
    refused: RefCell<BTreeMap<String, usize>>,
}

impl FakeEngine {
    pub(crate) fn new() -> FakeEngine {
        FakeEngine {
            endpoint: Endpoint::plain("fake://engine", "a test"),
            scripts: BTreeMap::new(),
            calls: RefCell::default(),
            instances: RefCell::default(),
            refused: RefCell::default(),
            lists: Cell::new(0),
            gone_after_lists: None,
        }
    }

    /// The engine dies after answering `lists` listings: every later one finds nobody.
    pub(crate) fn gone_after(mut self, lists: usize) -> FakeEngine {
        self.gone_after_lists = Some(lists);
        self
    }

    /// What a connection to a dead engine answers.
    pub(crate) fn gone(&self) -> EngineError {
        EngineError::Unreachable {
            endpoint: self.endpoint.clone(),
            detail: "Connection refused (os error 111)".into(),
        }
    }

    /// Answers for `app` as `script` says.
    pub(crate) fn script(mut self, app: &str, script: Script) -> FakeEngine {
        self.scripts.insert(app.to_owned(), script);
        self
    }

    /// Every call so far, in order.
    pub(crate) fn calls(&self) -> Vec<Call> {
        self.calls.borrow().clone()
    }

    /// Where `call` happened among the calls; panics (failing the test) when it did not.
    pub(crate) fn position(&self, call: &Call) -> usize {
        let calls = self.calls();
        calls
            .iter()
            .position(|c| c == call)
            .unwrap_or_else(|| panic!("{call:?} never happened; calls: {calls:?}"))
    }

    /// An instance of `app` that exists already (running or not), as a start finds it.
    pub(crate) fn existing(&self, environment: &str, spec: &AppSpec, running: bool) -> Instance {
        let handle = Handle::new(format!("fake-{}", spec.name));
        let fake = FakeInstance {
            started: running.then(Instant::now),
            reported_ready: running,
            ..FakeInstance::of(environment, spec)
        };
        self.instances.borrow_mut().insert(handle.clone(), fake);
        self.instance_of(&handle)
            .expect("the instance was just made")
    }

    fn script_of(&self, app: &str) -> Script {
        self.scripts.get(app).cloned().unwrap_or_default()
    }

    fn record(&self, call: Call) {
        self.calls.borrow_mut().push(call);
    }

    fn app_of(&self, handle: &Handle) -> Result<String, EngineError> {
        self.instances
            .borrow()
            .get(handle)
            .map(|i| i.app.clone())
            .ok_or_else(|| EngineError::NotFound(format!("no instance {}", handle.as_str())))
    }

    fn instance_of(&self, handle: &Handle) -> Result<Instance, EngineError> {
        let mut instances = self.instances.borrow_mut();
        let fake = instances
            .get_mut(handle)
            .ok_or_else(|| EngineError::NotFound(format!("no instance {}", handle.as_str())))?;
        let script = self.scripts.get(&fake.app).cloned().unwrap_or_default();
        let (state, health) = match fake.started {
            None => (State::Created, None),
            Some(_) if fake.stopped => (State::Exited(0), None),
            Some(_) if script.exits_with.is_some() => {
                (State::Exited(script.exits_with.unwrap_or(1)), None)
            }
            Some(at) if at.elapsed() < script.ready_after => {
                (State::Running, Some("starting".to_owned()))
            }
            Some(_) => (State::Running, None),
        };
        if state == State::Running && health.is_none() && !fake.reported_ready {
            fake.reported_ready = true;
            self.calls.borrow_mut().push(Call::Ready(fake.app.clone()));
        }
        Ok(Instance {
            handle: handle.clone(),
            name: format!("ark_{}_{}", fake.environment, fake.app),
            environment: fake.environment.clone(),
            app: fake.app.clone(),
            fingerprint: fake.fingerprint.clone(),
            image: String::new(),
            image_id: String::new(),
            state,
            health,
            created: 0,
            started_at: None,
            ip: None,
            ports: Vec::new(),
            detached: false,
            depends_on: fake.depends_on.clone(),
            checks: Vec::new(),
            exposes: Vec::new(),
            replicas: None,
            revision: None,
            lineage: Vec::new(),
            serving: true,
        })
    }
}

fn unsupported(what: &str) -> EngineError {
    EngineError::Failed(format!("the fake engine does not {what}"))
}

#[async_trait::async_trait(?Send)]
impl Runtime for FakeEngine {
    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reach: PortReach::InstanceIp,
            exec: false,
            usage: false,
            images: ImageDelivery::EngineStore,
            checks: CheckRunner::Ark,
            changes: ChangeStyle::Replace,
            ports: PortPublishing::Every,
        }
    }

    fn forward_hint(&self, _ip: &str, _port: u16) -> Option<String> {
        None
    }

    async fn open_port(&self, _ip: &str, _port: u16) -> Result<PortStream, EngineError> {
        Err(unsupported("carry ports"))
    }

    async fn list(&self, environment: Option<&str>) -> Result<Vec<Instance>, EngineError> {
        self.lists.set(self.lists.get() + 1);
        if self.gone_after_lists.is_some_and(|n| self.lists.get() > n) {
            return Err(self.gone());
        }
        let handles: Vec<Handle> = self
            .instances
            .borrow()
            .iter()
            .filter(|(_, i)| environment.is_none_or(|e| e == i.environment))
            .map(|(h, _)| h.clone())
            .collect();
        handles.iter().map(|h| self.instance_of(h)).collect()
    }

    async fn inspect(&self, handle: &Handle) -> Result<Instance, EngineError> {
        tokio::task::yield_now().await;
        self.instance_of(handle)
    }

    async fn environments(
        &self,
        _environment: Option<&str>,
    ) -> Result<Vec<EnvironmentInfo>, EngineError> {
        Ok(Vec::new())
    }

    async fn prepare_environment(
        &self,
        _environment: &str,
        _placement: &Placement,
        key: &FingerprintKey,
    ) -> Result<FingerprintKey, EngineError> {
        Ok(key.clone())
    }

    async fn remove_environment(&self, _environment: &str) -> Result<(), EngineError> {
        Ok(())
    }

    async fn image_id(&self, _image: &str) -> Result<Option<String>, EngineError> {
        Ok(Some("sha256:fake".into()))
    }

    async fn pull(
        &self,
        image: &str,
        _progress: &dyn Fn(ImageProgress),
    ) -> Result<(), EngineError> {
        self.record(Call::Pull(image.to_owned()));
        Ok(())
    }

    async fn seed_busybox(&self, _image: &str, _busybox: &Path) -> Result<Seeded, SeedError> {
        Err(SeedError::Engine(unsupported("seed images")))
    }

    async fn build(
        &self,
        _context: &crate::runtime::build_context::BuildContext,
        tag: &str,
        _progress: &dyn Fn(ImageProgress),
    ) -> Result<(), EngineError> {
        self.record(Call::Build(tag.to_owned()));
        Ok(())
    }

    async fn create(
        &self,
        environment: &str,
        spec: &AppSpec,
        _image: &str,
        _made: &NewRevision,
        _placing: Placing,
    ) -> Result<Created, EngineError> {
        let script = self.script_of(&spec.name);
        tokio::time::sleep(script.create_takes).await;
        self.record(Call::Create(spec.name.clone()));
        if let Some(message) = script.create_fails {
            return Err(EngineError::Failed(message));
        }
        let handle = Handle::new(format!("fake-{}", spec.name));
        if let Some((owner, app, fingerprint)) = script.taken_by {
            // Another's instance holds the name, made a moment ago.
            let holder = FakeInstance {
                environment: owner,
                app,
                fingerprint,
                ..FakeInstance::of(environment, spec)
            };
            self.instances
                .borrow_mut()
                .entry(handle.clone())
                .or_insert(holder);
        }
        if self.instances.borrow().contains_key(&handle) {
            let holder = self.instance_of(&handle).map_err(|e| e.to_string());
            return Ok(Created::Taken(holder.map(Box::new)));
        }
        self.instances
            .borrow_mut()
            .insert(handle.clone(), FakeInstance::of(environment, spec));
        Ok(Created::New(handle))
    }

    async fn start(&self, handle: &Handle) -> Result<(), EngineError> {
        let app = self.app_of(handle)?;
        self.record(Call::Start(app.clone()));
        let script = self.script_of(&app);
        if let Some(message) = script.start_fails {
            return Err(EngineError::Failed(message));
        }
        let mut refused = self.refused.borrow_mut();
        let so_far = refused.entry(app.clone()).or_default();
        if *so_far < script.start_refused_as_stale {
            *so_far += 1;
            return Err(EngineError::CannotStartAnyMore(format!(
                "start container: task {}: already exists",
                handle.as_str()
            )));
        }
        drop(refused);
        if let Some(fake) = self.instances.borrow_mut().get_mut(handle) {
            fake.started = Some(Instant::now());
            fake.stopped = false;
        }
        Ok(())
    }

    async fn stop(&self, handle: &Handle, _grace: Duration) -> Result<(), EngineError> {
        let app = self.app_of(handle)?;
        tokio::task::yield_now().await;
        self.record(Call::Stop(app));
        if let Some(fake) = self.instances.borrow_mut().get_mut(handle) {
            fake.stopped = true;
        }
        Ok(())
    }

    async fn remove(&self, handle: &Handle) -> Result<(), EngineError> {
        let app = self.app_of(handle)?;
        self.record(Call::Remove(app));
        self.instances.borrow_mut().remove(handle);
        Ok(())
    }

    async fn exec(&self, _handle: &Handle, _command: &[String]) -> Result<i64, EngineError> {
        Err(unsupported("run commands"))
    }

    async fn exec_attached(
        &self,
        _handle: &Handle,
        _command: &[String],
        _tty_size: Option<(u16, u16)>,
    ) -> Result<i64, EngineError> {
        Err(unsupported("run commands"))
    }

    async fn logs_tail(&self, handle: &Handle, _lines: usize) -> Result<Vec<String>, EngineError> {
        let app = self.app_of(handle)?;
        Ok(vec![format!("{app}: the last line it wrote")])
    }

    fn usage(&self, _handle: &Handle) -> UsageStream {
        Box::pin(futures_util::stream::empty())
    }

    fn logs(&self, handle: &Handle, options: LogOptions) -> LogLines<'_> {
        use futures_util::stream;
        let running = self.instance_of(handle).map(|i| i.is_running());
        let (app, running) = match (self.app_of(handle), running) {
            (Ok(app), Ok(running)) => (app, running),
            (Err(error), _) | (_, Err(error)) => return stream::iter([Err(error)]).boxed_local(),
        };
        let script = self.script_of(&app);
        // Docker resumes to the second.
        let from = options.since.map_or(i64::MIN, |t| t.secs);
        let mut lines: Vec<LogLine> = script
            .log
            .into_iter()
            .filter(|l| l.ts.secs >= from)
            .collect();
        if let Some(tail) = options.tail {
            lines.drain(..lines.len().saturating_sub(tail));
        }
        let read = stream::iter(lines.into_iter().map(Ok));
        if script.log_breaks {
            let broken = EngineError::Failed(
                "read logs: Error in the hyper legacy client: client error (SendRequest)".into(),
            );
            read.chain(stream::iter([Err(broken)])).boxed_local()
        } else if options.follow && running {
            read.chain(stream::pending()).boxed_local()
        } else {
            read.boxed_local()
        }
    }

    async fn remove_volumes(&self, _environment: &str) -> Result<usize, EngineError> {
        Ok(0)
    }
}
