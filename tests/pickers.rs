//! The pickers, driven as a person would: ark runs in a real pty (a tmux pane), keys are
//! sent to it and the screen is read back. Without a terminal there is never a picker.

mod common;
use common::engine::{docker_try, engine_available, http_app, TestEnv};
use std::path::Path;
use std::process::Command as Process;
use std::time::{Duration, Instant};

/// A tmux server of this test's own (its own socket), running one command in a pane of
/// 120×30; killed when dropped, also when the test fails.
struct Pane {
    socket: String,
}

impl Pane {
    /// Runs `ark ARGS…` in `dir`, isolated like `common::ark()`, then prints `ark exited N`
    /// and keeps the pane open so the screen can still be read.
    fn ark(tag: &str, dir: &Path, args: &[&str], redirect: &str) -> Pane {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let socket = format!(
            "ark-pickers-{tag}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let ark = assert_cmd::cargo::cargo_bin("ark");
        let mut line = vec![
            "env".to_owned(),
            "-u".into(),
            "ARK_APPS".into(),
            "-u".into(),
            "ARK_ENVIRONMENTS".into(),
            "-u".into(),
            "ARK_ENVIRONMENT".into(),
            "-u".into(),
            "DOCKER_HOST".into(),
            "-u".into(),
            "DOCKER_CONTEXT".into(),
            "ARK_CONFIG=/nonexistent/ark-config.yml".into(),
            "NO_COLOR=1".into(),
            ark.display().to_string(),
            "--apps".into(),
            "apps".into(),
            "--environments".into(),
            "environments".into(),
        ];
        line.extend(args.iter().map(|a| a.to_string()));
        let script = format!(
            "{} {redirect}; echo \"ark exited $?\"; exec sleep 3600",
            shell_words::join(&line)
        );
        let pane = Pane { socket };
        pane.tmux(&[
            "new-session",
            "-d",
            "-x",
            "120",
            "-y",
            "30",
            "-c",
            dir.to_str().expect("a UTF-8 path"),
            &script,
        ]);
        pane
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Process::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs (apt-get install tmux)");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p"])
    }

    /// The screen once `seen` says it shows what is awaited; the screen in the panic when
    /// it never does (within a minute: a start builds nothing but may pull nothing either).
    fn wait_for(&self, what: &str, seen: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let screen = self.screen();
            if seen(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "never saw {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for_text(&self, text: &str) -> String {
        self.wait_for(&format!("`{text}`"), |screen| screen.contains(text))
    }

    /// Keys as tmux names them (`Space`, `Enter`, `Escape`) or literal text.
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "0"];
        args.extend(keys);
        self.tmux(&args);
    }

    /// Sends the last `keys`; the screen once ark has exited with `code`.
    fn end_with(&self, keys: &[&str], code: i32) -> String {
        self.keys(keys);
        let screen = self.wait_for_text("ark exited");
        assert!(screen.contains(&format!("ark exited {code}\n")), "{screen}");
        screen
    }

    fn text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "0", "-l", text]);
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = Process::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

fn tmux_available() -> bool {
    let found = Process::new("tmux").arg("-V").output().is_ok();
    assert!(
        found || std::env::var("CI").as_deref() != Ok("true"),
        "CI must install tmux"
    );
    found
}

fn three_apps(tag: &str) -> TestEnv {
    let app = http_app("http", &[], "");
    TestEnv::new(tag, &[("api", &app), ("web", &app), ("worker", &app)])
}

fn networks_of(env: &TestEnv) -> String {
    let filter = format!("label=dev.ark.environment={}", env.name);
    docker_try(&["network", "ls", "-q", "--filter", &filter]).1
}

#[test]
fn start_without_apps_picks_them_typing_filters_and_two_selected_start() {
    if !engine_available() || !tmux_available() {
        return;
    }
    let env = three_apps("pickstart");
    let pane = Pane::ark("start", env.dir.path(), &["start", "-e", &env.name], "");
    let screen = pane.wait_for_text("0 selected");
    for app in ["api", "web", "worker"] {
        assert!(screen.contains(&format!("[ ] {app}")), "{screen}");
    }
    pane.text("w");
    let screen = pane.wait_for("the list filtered to w…", |s| s.contains("2 of 3"));
    assert!(screen.contains("apps to start: w"), "{screen}");
    assert!(!screen.contains("api"), "api does not match `w`:\n{screen}");
    pane.keys(&["Space", "Space"]);
    let screen = pane.wait_for_text("2 selected");
    assert!(
        screen.contains("[x] web") && screen.contains("[x] worker"),
        "{screen}"
    );
    let screen = pane.end_with(&["Enter"], 0);
    assert!(screen.contains("apps to start: web, worker"), "{screen}");
    assert!(screen.contains("2 apps ready"), "{screen}");
    let apps: Vec<String> = env.container_ids().into_iter().map(|(a, _)| a).collect();
    assert_eq!(apps, ["web", "worker"]);
}

#[test]
fn esc_in_the_start_picker_exits_130_and_creates_nothing() {
    if !engine_available() || !tmux_available() {
        return;
    }
    let env = three_apps("pickesc");
    let pane = Pane::ark("esc", env.dir.path(), &["start", "-e", &env.name], "");
    pane.wait_for_text("0 selected");
    pane.keys(&["Space"]);
    pane.wait_for_text("1 selected");
    let screen = pane.end_with(&["Escape"], 130);
    assert!(screen.contains("cancelled: nothing changed"), "{screen}");
    assert!(env.container_ids().is_empty());
    assert_eq!(networks_of(&env), "", "no network either");
}

/// A test environment with `apps` of `three_apps` started; `None` (skip) without an
/// engine or tmux, outside CI.
fn running(tag: &str, apps: &[&str]) -> Option<TestEnv> {
    if !engine_available() || !tmux_available() {
        return None;
    }
    let env = three_apps(tag);
    let mut args = vec!["start"];
    args.extend(apps);
    let (code, _, stderr) = env.run(&args);
    assert_eq!(code, 0, "{stderr}");
    Some(env)
}

/// `ark COMMAND` without `-e`, its environment picker narrowed to `env` (other tests'
/// environments may be listed too), which shows `note` beside it.
fn picking(env: &TestEnv, command: &str, note: &str) -> Pane {
    let pane = Pane::ark(command, env.dir.path(), &[command], "");
    pane.wait_for_text("enter pick");
    pane.text(&env.name);
    pane.wait_for_text(&format!("> {}  {note}", env.name));
    pane
}

#[test]
fn down_without_an_environment_picks_a_running_one_and_removes_it() {
    let Some(env) = running("pickdown", &["api", "web"]) else {
        return;
    };
    let pane = picking(&env, "down", "2 apps, 2 running");
    let screen = pane.end_with(&["Enter"], 0);
    assert!(
        screen.contains(&format!("environment: {}", env.name)),
        "{screen}"
    );
    assert!(
        !screen.contains("[y/N]"),
        "a local engine is never asked about:\n{screen}"
    );
    assert!(env.container_ids().is_empty(), "{screen}");
    assert_eq!(networks_of(&env), "", "{screen}");
}

#[test]
fn logs_without_an_environment_picks_one_and_shows_its_lines() {
    let Some(env) = running("picklogs", &["web"]) else {
        return;
    };
    let pane = picking(&env, "logs", "1 apps, 1 running");
    let screen = pane.end_with(&["Enter"], 0);
    assert!(screen.contains("web | http: serving on :8080"), "{screen}");
}

#[test]
fn ctrl_c_in_the_down_picker_exits_130_and_removes_nothing() {
    let Some(env) = running("pickctrlc", &["api"]) else {
        return;
    };
    let pane = picking(&env, "down", "1 apps, 1 running");
    let screen = pane.end_with(&["C-c"], 130);
    assert!(screen.contains("cancelled: nothing changed"), "{screen}");
    assert_eq!(env.container_ids().len(), 1, "{screen}");
}

#[test]
fn with_stderr_not_a_terminal_there_is_no_picker_and_start_is_a_usage_error() {
    if !tmux_available() {
        return;
    }
    let dir = common::tree(&[("apps/api/launch/api.yml", "run: {image: busybox}\n")]);
    let pane = Pane::ark(
        "nostderr",
        dir.path(),
        &["start", "-e", "pickers-never"],
        "2>err.txt",
    );
    let screen = pane.wait_for_text("ark exited");
    assert!(screen.contains("ark exited 2"), "{screen}");
    let err = std::fs::read_to_string(dir.path().join("err.txt")).unwrap();
    assert!(err.contains("error: no apps given"), "{err}");
}

#[test]
fn without_a_terminal_start_without_apps_and_down_without_an_environment_exit_2() {
    let dir = common::tree(&[("apps/api/launch/api.yml", "run: {image: busybox}\n")]);
    let (code, stdout, stderr) = common::run(&dir, &["--apps", "apps", "start", "-e", "x"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "error: no apps given: name the apps to start (`ark start -e ENV APP…`), or run it on a terminal to pick them\n"
    );
    let (code, _, stderr) = common::run(&dir, &["--apps", "apps", "start"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no apps given"), "{stderr}");
    for command in ["down", "logs"] {
        let (code, _, stderr) = common::run(&dir, &[command]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("no environment given"), "{stderr}");
    }
}
