//! Readiness, probed by ark from the client — never through frequent in-container execs,
//! which saturate small machines. http: GET the path, 2xx/3xx is ready; tcp: a connection is
//! accepted; exec: the command exits 0 in the container; no check: the image's own
//! HEALTHCHECK, else running. Probes start fast (20 ms) and back off (to 200 ms; 500 ms for exec probes).

use crate::runtime::api::{
    is_loopback_host, is_unspecified_ip, CheckLabel, CheckRunner, Handle, Instance, PortReach,
    PortStream, Runtime, State,
};
use std::cell::RefCell;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Why an app is not ready (yet), for messages: the probe's last result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotReady {
    /// Still waiting; the last probe's result.
    Pending(String),
    /// The container stopped; its exit code.
    Exited(i64),
    /// The engine says the container is gone or broken.
    Gone(String),
}

impl std::fmt::Display for WaitFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let last = |probe: &Option<String>| {
            probe
                .as_deref()
                .filter(|p| !p.is_empty())
                .map(|p| format!(" (last probe: {p})"))
                .unwrap_or_default()
        };
        match self {
            WaitFailure::Exited { code, last_probe } => {
                write!(f, "exited with code {code}{}", last(last_probe))
            }
            WaitFailure::Timeout { last_probe } => {
                write!(f, "not ready in time{}", last(&Some(last_probe.clone())))
            }
            WaitFailure::Gone(why) => f.write_str(why),
        }
    }
}

/// Why waiting ended without the app being ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitFailure {
    Exited {
        code: i64,
        last_probe: Option<String>,
    },
    Timeout {
        last_probe: String,
    },
    Gone(String),
}

/// How readiness reaches instances' ports during one run: the route the engine declared
/// until a probe shows it does not lead to instances from here while its fallback does
/// (rootless Docker: a local socket, container IPs in another network namespace, published
/// ports forwarded to this machine). Then the fallback, for every later probe of the run:
/// learned once, not paid for per probe.
#[derive(Debug)]
pub struct Route {
    declared: PortReach,
    learned: RefCell<Option<Learned>>,
}

#[derive(Debug, Clone)]
struct Learned {
    reach: PortReach,
    /// The probe result that showed the declared route does not work.
    because: String,
}

impl Route {
    pub fn new(declared: PortReach) -> Route {
        Route {
            declared,
            learned: RefCell::default(),
        }
    }

    /// The route probes take now.
    fn current(&self) -> PortReach {
        self.learned
            .borrow()
            .as_ref()
            .map_or_else(|| self.declared.clone(), |l| l.reach.clone())
    }

    /// Where to turn when `tried` fails: the declared route's fallback, until one is learned.
    fn fallback_of(&self, tried: &PortReach) -> Option<PortReach> {
        (self.learned.borrow().is_none() && *tried == self.declared)
            .then(|| self.declared.fallback())
            .flatten()
    }

    fn learn(&self, reach: PortReach, because: &str) {
        self.learned.borrow_mut().get_or_insert(Learned {
            reach,
            because: because.to_owned(),
        });
    }

    /// For `-v`: the route this run's probes moved to, and why, when it is not the one the
    /// engine declared.
    pub fn switched(&self) -> Option<String> {
        self.learned.borrow().as_ref().map(|l| {
            format!(
                "readiness probes went to {}: {} are not reachable from here ({})",
                l.reach, self.declared, l.because
            )
        })
    }
}

/// What one attempt to open a probe's connection found out about its route.
enum Attempt {
    Opened(Opened),
    /// The route leads nowhere from here: no route to the host or network, or no answer.
    Unroutable(String),
    /// The route leads there, but nothing accepted yet (refused, closed).
    Refused(String),
    /// Nothing to try on this route (no IP yet, the port not published).
    NoWay(String),
}

impl Attempt {
    fn into_result(self) -> Result<Opened, String> {
        match self {
            Attempt::Opened(opened) => Ok(opened),
            Attempt::Unroutable(m) | Attempt::Refused(m) | Attempt::NoWay(m) => Err(m),
        }
    }
}

/// Whether to take the fallback from now on: the declared route led nowhere from here, and
/// the fallback reached the instance (even when nothing listens there yet).
fn switches(declared: &Attempt, fallback: &Attempt) -> bool {
    matches!(declared, Attempt::Unroutable(_))
        && matches!(fallback, Attempt::Opened(_) | Attempt::Refused(_))
}

/// Whether a connection that failed says its route leads nowhere from here, rather than
/// that nothing listens there yet.
fn unroutable(error: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(
        error.kind(),
        ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable | ErrorKind::TimedOut
    )
}

/// A probe's way in: a connection, or a probe run inside the instance.
enum Opened {
    Stream {
        stream: PortStream,
        host: String,
        port: u16,
    },
    InContainer(u16),
}

/// Where one probe connects.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Dial {
    /// A TCP connection from here.
    Direct(String, u16),
    /// Through the engine connection, to this address as the engine host sees it.
    Tunnel(String, u16),
    /// Only reachable from inside: the port is bound to the loopback of a remote host.
    InContainer(u16),
}

fn dial(route: &PortReach, container: &Instance, port: u16) -> Result<Dial, String> {
    if *route == PortReach::InstanceIp {
        return container
            .ip
            .clone()
            .map(|ip| Dial::Direct(ip, port))
            .ok_or_else(|| "no IP on the environment's network yet".into());
    }
    let published = container
        .ports
        .iter()
        .find(|p| p.container_port == port)
        .ok_or_else(|| format!("port {port} is not published"))?;
    let bound = published.host_ip.as_str();
    Ok(match route {
        PortReach::Tunnel { .. } if is_unspecified_ip(bound) => {
            Dial::Tunnel("127.0.0.1".into(), published.host_port)
        }
        PortReach::Tunnel { .. } => Dial::Tunnel(bound.to_owned(), published.host_port),
        PortReach::Published { host } if is_unspecified_ip(bound) => {
            Dial::Direct(host.clone(), published.host_port)
        }
        PortReach::Published { host } if is_loopback_host(bound) && !is_loopback_host(host) => {
            Dial::InContainer(port)
        }
        PortReach::Published { host } if is_loopback_host(bound) => {
            Dial::Direct(host.clone(), published.host_port)
        }
        _ => Dial::Direct(bound.to_owned(), published.host_port),
    })
}

/// Opens the way in to `port` of `container` over `reach`.
async fn open(
    runtime: &dyn Runtime,
    kind: &str,
    reach: &PortReach,
    container: &Instance,
    port: u16,
    timeout: Duration,
) -> Attempt {
    let (host, port, tunnelled) = match dial(reach, container, port) {
        Err(why) => return Attempt::NoWay(why),
        Ok(Dial::InContainer(port)) => return Attempt::Opened(Opened::InContainer(port)),
        Ok(Dial::Direct(host, port)) => (host, port, false),
        Ok(Dial::Tunnel(host, port)) => (host, port, true),
    };
    let connect = async {
        if tunnelled {
            runtime
                .open_port(&host, port)
                .await
                .map_err(|e| (e.to_string(), false))
        } else {
            TcpStream::connect((host.as_str(), port))
                .await
                .map(|s| Box::new(s) as PortStream)
                .map_err(|e| (e.to_string(), unroutable(&e)))
        }
    };
    let connected = tokio::time::timeout(timeout, connect).await;
    match connected {
        Ok(Ok(stream)) => Attempt::Opened(Opened::Stream { stream, host, port }),
        Ok(Err((e, true))) => Attempt::Unroutable(format!("{kind} {host}:{port}: {e}")),
        Ok(Err((e, false))) => Attempt::Refused(format!("{kind} {host}:{port}: {e}")),
        // A tunnel that does not answer in time is slow, not a wrong route.
        Err(_) if tunnelled => Attempt::Refused(format!("{kind} {host}:{port}: timed out")),
        Err(_) => Attempt::Unroutable(format!("{kind} {host}:{port}: timed out")),
    }
}

/// Opens the way in over the route (`open` tries one), moving the run to the fallback
/// route when the declared one proves to lead nowhere from here and the fallback does.
async fn open_learning<F, Fut>(route: &Route, open: F) -> Result<(Opened, PortReach), String>
where
    F: Fn(PortReach) -> Fut,
    Fut: std::future::Future<Output = Attempt>,
{
    let reach = route.current();
    let first = open(reach.clone()).await;
    let fallback = match first {
        Attempt::Unroutable(_) => route.fallback_of(&reach),
        _ => None,
    };
    let Some(fallback) = fallback else {
        return first.into_result().map(|opened| (opened, reach));
    };
    let second = open(fallback.clone()).await;
    if !switches(&first, &second) {
        return first.into_result().map(|opened| (opened, reach));
    }
    if let Attempt::Unroutable(because) = &first {
        route.learn(fallback.clone(), because);
    }
    second.into_result().map(|opened| (opened, fallback))
}

/// One probe of one check.
pub async fn probe(
    runtime: &dyn Runtime,
    container: &Instance,
    check: &CheckLabel,
    route: &Route,
    timeout: Duration,
) -> Result<(), String> {
    let command = match check.kind.as_str() {
        "exec" if !runtime.capabilities().exec => {
            return Err("an exec check needs an engine that runs commands in instances".into())
        }
        "exec" => check.command.clone().unwrap_or_default(),
        kind => {
            let opener = |reach: PortReach| async move {
                open(runtime, kind, &reach, container, check.port, timeout).await
            };
            match open_learning(route, opener).await? {
                (Opened::InContainer(port), _) if !runtime.capabilities().exec => {
                    let only_inside =
                        "is only reachable from inside, and this engine runs no commands there";
                    return Err(format!("port {port} {only_inside}"));
                }
                (Opened::InContainer(port), _) => check.in_instance_probe(port),
                (Opened::Stream { stream, host, port }, reach) => {
                    return probe_stream(kind, &reach, (stream, host, port), check, timeout).await
                }
            }
        }
    };
    match tokio::time::timeout(
        timeout.max(Duration::from_secs(2)),
        runtime.exec(&container.handle, &command),
    )
    .await
    {
        Ok(Ok(0)) => Ok(()),
        Ok(Ok(code)) => Err(format!("`{}` exited {code}", shell_words::join(&command))),
        Ok(Err(e)) => Err(format!("exec failed: {e}")),
        Err(_) => Err("exec timed out".into()),
    }
}

/// An http or tcp probe over a connection opened from here (direct or tunnelled).
async fn probe_stream(
    kind: &str,
    reach: &PortReach,
    (mut stream, host, port): (PortStream, String, u16),
    check: &CheckLabel,
    timeout: Duration,
) -> Result<(), String> {
    if kind == "http" {
        http_get(
            &mut stream,
            &host,
            check.path.as_deref().unwrap_or("/"),
            timeout,
        )
        .await
    } else if *reach != PortReach::InstanceIp {
        // Docker's port proxy (and an ssh forward) accepts even when nothing listens in
        // the container, then hangs up: an immediate end of stream is not "ready".
        let mut byte = [0u8; 1];
        match tokio::time::timeout(Duration::from_millis(50), stream.read(&mut byte)).await {
            Ok(Ok(0)) => Err(format!(
                "tcp {host}:{port}: closed at once (nothing listening behind the published port)"
            )),
            _ => Ok(()),
        }
    } else {
        Ok(())
    }
}

async fn http_get(
    stream: &mut PortStream,
    host: &str,
    path: &str,
    timeout: Duration,
) -> Result<(), String> {
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: ark\r\nConnection: close\r\n\r\n"
    );
    let exchange = async {
        stream.write_all(request.as_bytes()).await?;
        let mut head = Vec::with_capacity(64);
        let mut buffer = [0u8; 256];
        while !head.contains(&b'\n') && head.len() < 4096 {
            let n = stream.read(&mut buffer).await?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buffer[..n]);
        }
        Ok::<_, std::io::Error>(head)
    };
    let head = match tokio::time::timeout(timeout, exchange).await {
        Ok(Ok(head)) => head,
        Ok(Err(e)) => return Err(format!("GET {path}: {e}")),
        Err(_) => {
            return Err(format!(
                "GET {path}: no answer within {}ms",
                timeout.as_millis()
            ))
        }
    };
    let line = String::from_utf8_lossy(&head);
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok());
    match status {
        Some(code) if (200..400).contains(&code) => Ok(()),
        Some(code) => Err(format!("GET {path} → {code}")),
        None if head.is_empty() => Err(format!("GET {path}: connection closed without an answer")),
        None => Err(format!("GET {path}: not an HTTP answer")),
    }
}

/// One look at whether the container is ready now.
pub async fn check_now(
    runtime: &dyn Runtime,
    container: &Instance,
    route: &Route,
    timeout: Duration,
) -> Result<(), NotReady> {
    match container.state {
        State::Running => {}
        State::Exited(code) => return Err(NotReady::Exited(code)),
        State::Dead => return Err(NotReady::Gone("the container is dead".into())),
        State::Failed(ref why) => return Err(NotReady::Gone(why.clone())),
        ref other => return Err(NotReady::Pending(other.text())),
    }
    if runtime.capabilities().checks == CheckRunner::Engine {
        // The engine ran the checks in each instance: running means they passed, once
        // every wanted replica runs the current config.
        return match &container.replicas {
            Some(r) if r.ready < r.wanted => Err(NotReady::Pending(format!(
                "{} of {} replicas ready",
                r.ready, r.wanted
            ))),
            _ => Ok(()),
        };
    }
    if container.checks.is_empty() {
        return match container.health.as_deref() {
            None | Some("healthy") => Ok(()),
            Some(status) => Err(NotReady::Pending(format!(
                "the image's HEALTHCHECK says {status}"
            ))),
        };
    }
    for check in &container.checks {
        probe(runtime, container, check, route, timeout)
            .await
            .map_err(NotReady::Pending)?;
    }
    Ok(())
}

/// Waits until the container is ready, it exits, or `timeout` passes. `on_probe` hears each
/// new probe result (for progress).
pub async fn wait_ready(
    runtime: &dyn Runtime,
    handle: &Handle,
    route: &Route,
    timeout: Duration,
    on_probe: &dyn Fn(&str),
) -> Result<(), WaitFailure> {
    let started = Instant::now();
    let has_exec = |c: &Instance| c.checks.iter().any(|k| k.kind == "exec");
    let mut delay = Duration::from_millis(20);
    let mut last: Option<String> = None;
    loop {
        let container = runtime
            .inspect(handle)
            .await
            .map_err(|e| WaitFailure::Gone(e.to_string()))?;
        let probe_timeout = Duration::from_millis(500).max(delay);
        match check_now(runtime, &container, route, probe_timeout).await {
            Ok(()) => return Ok(()),
            Err(NotReady::Exited(code)) => {
                return Err(WaitFailure::Exited {
                    code,
                    last_probe: last,
                })
            }
            Err(NotReady::Gone(why)) => return Err(WaitFailure::Gone(why)),
            Err(NotReady::Pending(why)) => {
                if last.as_deref() != Some(why.as_str()) {
                    on_probe(&why);
                }
                last = Some(why);
            }
        }
        if started.elapsed() >= timeout {
            return Err(WaitFailure::Timeout {
                last_probe: last.unwrap_or_default(),
            });
        }
        // An exec probe starts a process in the container: probe those less eagerly.
        let floor = if has_exec(&container) {
            Duration::from_millis(100)
        } else {
            Duration::ZERO
        };
        tokio::time::sleep(
            delay
                .max(floor)
                .min(timeout.saturating_sub(started.elapsed())),
        )
        .await;
        // A connect or a GET costs next to nothing: back off only to 200 ms, so a ready app
        // is noticed quickly; an exec probe starts a process, so it backs off further.
        let ceiling = if has_exec(&container) {
            Duration::from_millis(500)
        } else {
            Duration::from_millis(200)
        };
        delay = (delay * 2).min(ceiling);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::api::Published;

    fn container(bound: &str) -> Instance {
        Instance {
            handle: Handle::new("c1"),
            name: "ark_e_web".into(),
            environment: "e".into(),
            app: "web".into(),
            fingerprint: Default::default(),
            image: "web".into(),
            image_id: String::new(),
            state: State::Running,
            health: None,
            created: 0,
            started_at: None,
            ip: Some("172.18.0.5".into()),
            ports: vec![Published {
                container_port: 8080,
                host_ip: bound.into(),
                host_port: 32768,
            }],
            detached: false,
            depends_on: Vec::new(),
            checks: Vec::new(),
            exposes: Vec::new(),
            replicas: None,
            revision: None,
            lineage: Vec::new(),
            serving: true,
        }
    }

    fn published(host: &str) -> PortReach {
        PortReach::Published { host: host.into() }
    }

    #[test]
    fn each_engine_is_probed_the_way_it_can_be_reached() {
        let local = container("127.0.0.1");
        assert_eq!(
            dial(&PortReach::InstanceIp, &local, 8080),
            Ok(Dial::Direct("172.18.0.5".into(), 8080)),
            "a local engine: the container itself"
        );
        assert_eq!(
            dial(&published("127.0.0.1"), &local, 8080),
            Ok(Dial::Direct("127.0.0.1".into(), 32768)),
            "Desktop or tcp:// on this machine: the published port here"
        );
        assert_eq!(
            dial(&PortReach::Tunnel { host: "box".into() }, &local, 8080),
            Ok(Dial::Tunnel("127.0.0.1".into(), 32768)),
            "ssh: the engine host's loopback, through the login"
        );
        assert_eq!(
            dial(&published("10.0.0.9"), &local, 8080),
            Ok(Dial::InContainer(8080)),
            "tcp:// elsewhere, bound to its loopback: only reachable from inside"
        );
        assert_eq!(
            dial(&published("10.0.0.9"), &container("0.0.0.0"), 8080),
            Ok(Dial::Direct("10.0.0.9".into(), 32768)),
            "bound to every address: the engine host's name"
        );
        assert_eq!(
            dial(&published("10.0.0.9"), &container("10.0.0.9"), 8080),
            Ok(Dial::Direct("10.0.0.9".into(), 32768))
        );
        assert_eq!(
            dial(&published("10.0.0.9"), &local, 9090),
            Err("port 9090 is not published".into())
        );
    }

    #[test]
    fn the_fallback_is_taken_only_when_the_declared_route_leads_nowhere_and_it_leads_there() {
        let unroutable = || Attempt::Unroutable("http 172.18.0.5:8080: No route to host".into());
        let refused = || Attempt::Refused("http 127.0.0.1:32768: Connection refused".into());
        let no_way = || Attempt::NoWay("port 8080 is not published".into());
        let opened = || Attempt::Opened(Opened::InContainer(8080));
        let cases = [
            (
                unroutable(),
                opened(),
                true,
                "no route to the IP; the published port answers",
            ),
            (
                unroutable(),
                refused(),
                true,
                "no route to the IP; the published port is there, not listening yet",
            ),
            (
                unroutable(),
                unroutable(),
                false,
                "neither leads anywhere: keep the declared route",
            ),
            (
                unroutable(),
                no_way(),
                false,
                "nothing published to turn to",
            ),
            (
                refused(),
                opened(),
                false,
                "the IP refused: the route works, the app is not up yet",
            ),
            (
                no_way(),
                opened(),
                false,
                "no IP yet says nothing about the route",
            ),
        ];
        for (declared, fallback, expected, why) in cases {
            assert_eq!(switches(&declared, &fallback), expected, "{why}");
        }
    }

    #[test]
    fn no_route_and_no_answer_mean_unroutable_and_a_refusal_does_not() {
        use std::io::{Error, ErrorKind};
        for kind in [
            ErrorKind::HostUnreachable,
            ErrorKind::NetworkUnreachable,
            ErrorKind::TimedOut,
        ] {
            assert!(unroutable(&Error::from(kind)), "{kind:?}");
        }
        for kind in [ErrorKind::ConnectionRefused, ErrorKind::ConnectionReset] {
            assert!(!unroutable(&Error::from(kind)), "{kind:?}");
        }
        assert_eq!(
            PortReach::InstanceIp.fallback(),
            Some(published("127.0.0.1")),
            "a local engine's published ports are on this machine"
        );
        assert_eq!(published("box").fallback(), None);
    }

    /// A port on this machine's loopback that answers every GET with 200.
    async fn answering() -> u16 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await;
            }
        });
        port
    }

    fn http_check(port: u16) -> CheckLabel {
        CheckLabel {
            expose: "http".into(),
            port,
            kind: "http".into(),
            path: None,
            command: None,
        }
    }

    /// An instance whose IP is `ip`, its port 8080 published on this machine's loopback.
    fn reachable_through(ip: &str, host_port: u16) -> Instance {
        Instance {
            ip: Some(ip.into()),
            ports: vec![Published {
                container_port: 8080,
                host_ip: "127.0.0.1".into(),
                host_port,
            }],
            ..container("127.0.0.1")
        }
    }

    /// An opener that answers as a rootless engine's instances do: no route to their IPs,
    /// their published ports forwarded here. Records the routes tried.
    fn rootless(
        tried: &RefCell<Vec<PortReach>>,
    ) -> impl Fn(PortReach) -> std::future::Ready<Attempt> + '_ {
        move |reach: PortReach| {
            tried.borrow_mut().push(reach.clone());
            std::future::ready(match reach {
                PortReach::InstanceIp => Attempt::Unroutable(
                    "http 172.17.0.2:8080: No route to host (os error 113)".into(),
                ),
                _ => Attempt::Opened(Opened::InContainer(8080)),
            })
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_unroutable_instance_ip_moves_the_run_to_published_ports_once() {
        let route = Route::new(PortReach::InstanceIp);
        let tried = RefCell::new(Vec::new());
        let opened = open_learning(&route, rootless(&tried)).await;
        assert_eq!(opened.map(|(_, reach)| reach), Ok(published("127.0.0.1")));
        assert_eq!(
            route.switched().as_deref(),
            Some("readiness probes went to published ports on 127.0.0.1: container IPs (local engine) are not reachable from here (http 172.17.0.2:8080: No route to host (os error 113))")
        );
        // Every later probe of the run goes straight to the published port.
        let opened = open_learning(&route, rootless(&tried)).await;
        assert_eq!(opened.map(|(_, reach)| reach), Ok(published("127.0.0.1")));
        assert_eq!(
            tried.into_inner(),
            [
                PortReach::InstanceIp,
                published("127.0.0.1"),
                published("127.0.0.1")
            ]
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_route_with_no_fallback_keeps_its_own_failure() {
        let route = Route::new(published("box"));
        let opened = open_learning(&route, |_| {
            std::future::ready(Attempt::Unroutable("http box:32768: timed out".into()))
        })
        .await;
        assert_eq!(opened.err().as_deref(), Some("http box:32768: timed out"));
        assert_eq!(route.switched(), None);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_refusing_instance_ip_is_a_working_route_whose_app_is_not_up_yet() {
        let engine = crate::runtime::fake::FakeEngine::new();
        let route = Route::new(PortReach::InstanceIp);
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut instance = reachable_through("127.0.0.1", answering().await);
        instance.ports[0].container_port = closed;
        let result = probe(
            &engine,
            &instance,
            &http_check(closed),
            &route,
            Duration::from_secs(2),
        )
        .await;
        assert!(
            result
                .as_ref()
                .is_err_and(|e| e.starts_with(&format!("http 127.0.0.1:{closed}: "))),
            "{result:?}"
        );
        assert_eq!(route.current(), PortReach::InstanceIp);
        assert_eq!(route.switched(), None);
    }

    #[test]
    fn in_container_probes_use_busybox_tools_with_a_time_limit() {
        let http = CheckLabel {
            expose: "http".into(),
            port: 8080,
            kind: "http".into(),
            path: Some("/_health".into()),
            command: None,
        };
        assert_eq!(
            http.in_instance_probe(8080)[2],
            "timeout 2 wget -q -O /dev/null http://127.0.0.1:8080/_health"
        );
        let tcp = CheckLabel {
            kind: "tcp".into(),
            path: None,
            ..http
        };
        assert_eq!(
            tcp.in_instance_probe(7000)[2],
            "nc -z 127.0.0.1 7000 2>/dev/null || nc -w 2 127.0.0.1 7000 </dev/null >/dev/null 2>&1"
        );
    }
}
