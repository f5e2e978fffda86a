//! `ark` running while the test acts: its stderr read line by line as it comes, so the test
//! can wait for a line (a condition, never a sleep), then signal it, kill its engine, …

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    reader: std::thread::JoinHandle<String>,
}

/// How long `until` waits for a line.
const PATIENCE: Duration = Duration::from_secs(180);

impl Running {
    /// Spawns `command` (stdin closed).
    pub fn spawn(command: &assert_cmd::Command) -> Running {
        let mut child = super::transcript::spawnable(command)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ark runs");
        let (tell, lines) = mpsc::channel();
        let stderr = BufReader::new(child.stderr.take().expect("stderr is piped"));
        let reader = std::thread::spawn(move || {
            let mut all = String::new();
            for line in stderr.lines().map_while(Result::ok) {
                all.push_str(&line);
                all.push('\n');
                let _ = tell.send(line);
            }
            all
        });
        Running {
            child,
            lines,
            reader,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for a line of stderr that `wanted` accepts; that line.
    pub fn until(&self, what: &str, wanted: impl Fn(&str) -> bool) -> String {
        loop {
            match self.lines.recv_timeout(PATIENCE) {
                Ok(line) if wanted(&line) => return line,
                Ok(_) => {}
                Err(_) => panic!("ark never printed {what} (waited {PATIENCE:?})"),
            }
        }
    }

    /// Sends ark `signal` (`INT`, `TERM`).
    pub fn signal(&self, signal: &str) {
        let sent = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -{signal} {}", self.pid());
    }

    /// Waits for ark to end: its exit code (-1 when a signal ended it), stdout and stderr.
    pub fn finish(mut self) -> (i32, String, String) {
        let status = self.child.wait().expect("ark ends");
        let mut stdout = String::new();
        if let Some(mut out) = self.child.stdout.take() {
            let _ = out.read_to_string(&mut stdout);
        }
        let stderr = self.reader.join().expect("stderr is read");
        (status.code().unwrap_or(-1), stdout, stderr)
    }
}
