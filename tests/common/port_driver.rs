//! Rootless Docker's port driver, for a test-owned engine (`OwnEngine`): every port the
//! engine publishes inside its own network namespace is listened on at the same address in
//! this one and forwarded in, as rootlesskit does on a rootless host, while the engine's
//! container IPs stay unroutable from here. `ark` run outside the namespace then sees what
//! a rootless daemon looks like from the host it runs on.
//!
//! ```ignore
//! let engine = OwnEngine::start_with(&["--default-address-pool", "base=10.213.0.0/16,size=24"])?;
//! let _no_route = NoRoute::to("10.213.0.0/16"); // until dropped
//! let _driver = PortDriver::start(&engine); // forwards until dropped
//! ```
//!
//! `NoRoute` makes "leads nowhere" explicit: without it, an address this machine has no
//! route for goes to the default gateway, and a network that intercepts outgoing
//! connections (as some sandboxes do) answers for any address.

use super::own_engine::OwnEngine;
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// An `unreachable` route for a subnet while it lives: a connection to an address in it
/// fails at once with "No route to host", as on a host that has no route into a rootless
/// engine's namespace.
pub struct NoRoute(String);

impl NoRoute {
    pub fn to(subnet: &str) -> NoRoute {
        let added = std::process::Command::new("ip")
            .args(["route", "add", "unreachable", subnet])
            .status()
            .expect("ip runs");
        assert!(added.success(), "ip route add unreachable {subnet}");
        NoRoute(subnet.to_owned())
    }
}

impl Drop for NoRoute {
    fn drop(&mut self) {
        let _ = std::process::Command::new("ip")
            .args(["route", "del", "unreachable", &self.0])
            .status();
    }
}

/// A connection accepted here, and the address inside the namespace it goes to.
type Inbound = (TcpStream, (String, u16));

pub struct PortDriver {
    stop: Arc<AtomicBool>,
    watcher: Option<JoinHandle<()>>,
}

impl PortDriver {
    /// Forwards every port `engine` publishes (now or later) until dropped.
    pub fn start(engine: &OwnEngine) -> PortDriver {
        let stop = Arc::new(AtomicBool::new(false));
        let inside = connector_inside(engine.netns_path());
        let socket = engine.socket().to_owned();
        let stopped = Arc::clone(&stop);
        let watcher = std::thread::spawn(move || {
            let mut forwarded = BTreeSet::new();
            while !stopped.load(Ordering::Relaxed) {
                for address in published(&socket) {
                    if forwarded.insert(address.clone()) {
                        listen(address, inside.clone(), Arc::clone(&stopped));
                    }
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        PortDriver {
            stop,
            watcher: Some(watcher),
        }
    }
}

impl Drop for PortDriver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(watcher) = self.watcher.take() {
            let _ = watcher.join();
        }
    }
}

/// A thread inside the namespace `netns` that connects there for each connection it is
/// handed and pipes the two together. Only this thread enters the namespace: a socket
/// stays in the namespace it was made in, so the pipes need no namespace of their own.
fn connector_inside(netns: PathBuf) -> Sender<Inbound> {
    let (send, receive) = channel::<Inbound>();
    std::thread::spawn(move || {
        let namespace = std::fs::File::open(&netns).expect("the engine's namespace opens");
        // SAFETY: setns on a descriptor we hold open; it moves only this thread.
        let entered = unsafe { libc::setns(namespace.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(entered, 0, "setns into {}", netns.display());
        for (outside, (ip, port)) in receive {
            // Refused inside: the outside end is closed, as rootlesskit does.
            if let Ok(inside) = TcpStream::connect((ip.as_str(), port)) {
                pipe(outside, inside);
            }
        }
    });
    send
}

/// Listens on `(ip, port)` here and hands each connection to `inside`, until `stop`.
fn listen((ip, port): (String, u16), inside: Sender<Inbound>, stop: Arc<AtomicBool>) {
    // Taken here already: nothing forwards it, and the test sees that in ark's probes.
    let Ok(listener) = TcpListener::bind((ip.as_str(), port)) else {
        return;
    };
    listener.set_nonblocking(true).expect("a listener can poll");
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match listener.accept() {
                Ok((stream, _)) => {
                    let _ = stream.set_nonblocking(false);
                    if inside.send((stream, (ip.clone(), port))).is_err() {
                        return;
                    }
                }
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
}

/// Copies both ways between `a` and `b`; each direction ends the other's writing when done.
fn pipe(a: TcpStream, b: TcpStream) {
    let halves = (a.try_clone(), b.try_clone());
    let (Ok(a_back), Ok(b_back)) = halves else {
        return;
    };
    let one_way = |mut from: TcpStream, mut to: TcpStream| {
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut from, &mut to);
            let _ = to.shutdown(std::net::Shutdown::Write);
        });
    };
    one_way(a, b_back);
    one_way(b, a_back);
}

/// The IPv4 TCP ports the engine publishes now: `(address, port)` as it lists them.
fn published(socket: &Path) -> Vec<(String, u16)> {
    let Ok(mut stream) = UnixStream::connect(socket) else {
        return Vec::new();
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /containers/json HTTP/1.0\r\nHost: engine\r\n\r\n")
        .is_err()
    {
        return Vec::new();
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let Some((_, body)) = answer.split_once("\r\n\r\n") else {
        return Vec::new();
    };
    let containers: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let ports = containers
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["Ports"].as_array().cloned().unwrap_or_default());
    ports
        .filter(|p| p["Type"] == "tcp")
        .filter_map(|p| {
            let ip = p["IP"].as_str().filter(|ip| !ip.contains(':'))?;
            let port = u16::try_from(p["PublicPort"].as_u64()?).ok()?;
            Some((ip.to_owned(), port))
        })
        .collect()
}
