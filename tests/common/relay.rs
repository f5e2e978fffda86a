//! A relay between ark and an engine's unix socket, so that a test can act at an exact
//! request rather than at a guessed moment: it passes everything through until a request
//! line contains the pattern `hold` was given, keeps that request from the engine, and
//! tells the test (`held`). The test then does what it wanted (kills the engine, sends ark
//! a signal) and `cut`s: every connection closes and the socket refuses new ones, as a
//! dead engine's socket does — or `release`s the request to the engine.
//!
//! ```ignore
//! let relay = Relay::to(engine.socket());
//! relay.hold("GET /v1.41/containers/json");
//! let child = spawn(ark -H relay.url() status -e demo);
//! relay.held();            // ark waits for the engine's answer now
//! engine.kill("KILL");
//! relay.cut();
//! ```

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

pub struct Relay {
    socket: PathBuf,
    _dir: tempfile::TempDir,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    cut: AtomicBool,
}

#[derive(Default)]
struct State {
    /// The pattern to hold at, until a request matched it.
    hold: Option<String>,
    /// The request line held, once one matched.
    held: Option<String>,
    released: bool,
    /// Both ends of every connection, to close them all at once.
    open: Vec<UnixStream>,
}

/// How long `held` waits for ark to send the request.
const PATIENCE: Duration = Duration::from_secs(120);

impl Relay {
    /// A relay to the engine listening on `upstream`.
    pub fn to(upstream: &Path) -> Relay {
        let dir = tempfile::Builder::new()
            .prefix("ark-relay-")
            .tempdir_in("/tmp")
            .expect("a folder for the relay");
        let socket = dir.path().join("relay.sock");
        let listener = UnixListener::bind(&socket).expect("the relay listens");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let shared = Arc::new(Shared::default());
        let upstream = upstream.to_owned();
        let accepting = Arc::clone(&shared);
        std::thread::spawn(move || {
            // Polled, so that a cut closes the listener itself: new connections are refused.
            while !accepting.cut.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        client
                            .set_nonblocking(false)
                            .expect("a blocking connection");
                        relay_one(client, &upstream, &accepting);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Relay {
            socket,
            _dir: dir,
            shared,
        }
    }

    /// `unix:///…/relay.sock`, for `-H`.
    pub fn url(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// Holds the first request whose request line contains `pattern` from now on.
    pub fn hold(&self, pattern: &str) {
        let mut state = self.shared.state.lock().unwrap();
        state.hold = Some(pattern.to_owned());
        state.held = None;
        state.released = false;
    }

    /// Waits until a request was held; its request line.
    pub fn held(&self) -> String {
        let state = self.shared.state.lock().unwrap();
        let (state, waited) = self
            .shared
            .changed
            .wait_timeout_while(state, PATIENCE, |s| s.held.is_none())
            .unwrap();
        assert!(
            !waited.timed_out(),
            "no request matching {:?} reached the relay within {PATIENCE:?}",
            state.hold
        );
        state.held.clone().unwrap_or_default()
    }

    /// Lets the held request go on to the engine.
    pub fn release(&self) {
        self.shared.state.lock().unwrap().released = true;
        self.shared.changed.notify_all();
    }

    /// Closes every connection and refuses new ones: the engine is gone.
    pub fn cut(&self) {
        self.shared.cut.store(true, Ordering::SeqCst);
        let mut state = self.shared.state.lock().unwrap();
        for stream in state.open.drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        drop(state);
        self.shared.changed.notify_all();
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.cut();
    }
}

/// Relays one connection: the engine's answers as they come, ark's requests once they are
/// not to be held.
fn relay_one(client: UnixStream, upstream: &Path, shared: &Arc<Shared>) {
    let Ok(engine) = UnixStream::connect(upstream) else {
        return;
    };
    {
        let mut state = shared.state.lock().unwrap();
        state
            .open
            .push(client.try_clone().expect("a second handle"));
        state
            .open
            .push(engine.try_clone().expect("a second handle"));
    }
    let (mut from_engine, mut to_client) = (
        engine.try_clone().expect("a second handle"),
        client.try_clone().expect("a second handle"),
    );
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from_engine, &mut to_client);
        let _ = to_client.shutdown(std::net::Shutdown::Write);
    });
    let shared = Arc::clone(shared);
    std::thread::spawn(move || {
        let (mut from_client, mut to_engine) = (client, engine);
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let read = match from_client.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(read) => read,
            };
            let chunk = &buffer[..read];
            if !wait_if_held(&shared, chunk) {
                return;
            }
            if to_engine.write_all(chunk).is_err() {
                break;
            }
        }
        let _ = to_engine.shutdown(std::net::Shutdown::Write);
    });
}

/// Whether `chunk` may go on to the engine: at once, or once the held request is released
/// (`false`: the relay was cut meanwhile).
fn wait_if_held(shared: &Shared, chunk: &[u8]) -> bool {
    let text = String::from_utf8_lossy(chunk);
    let mut state = shared.state.lock().unwrap();
    let matched = match (&state.held, state.hold.as_deref()) {
        (None, Some(pattern)) => text
            .lines()
            .find(|line| line.ends_with(" HTTP/1.1") && line.contains(pattern)),
        _ => None,
    };
    let Some(line) = matched else {
        return !shared.cut.load(Ordering::SeqCst);
    };
    state.held = Some(line.to_owned());
    shared.changed.notify_all();
    let state = shared
        .changed
        .wait_while(state, |s| !s.released && !shared.cut.load(Ordering::SeqCst))
        .unwrap();
    state.released && !shared.cut.load(Ordering::SeqCst)
}
