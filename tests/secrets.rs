//! Secrets against the real Docker engine, as a user meets them: fake provider scripts
//! (a password manager's CLI that answers, one that refuses with a message, one that
//! hangs), the value checked inside the container, and every ark output, label and error
//! searched for it.
#![allow(clippy::print_stderr)] // a skipped test says why

mod common;
use common::engine::{busybox, docker, engine_available, TestEnv};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// What the password manager gives: quotes and a second line, as real secrets have.
const DB_PASSWORD: &str = "it's a \"pw\" $HOME\nsecond-line";
/// The token delivered as a file.
const API_TOKEN: &str = "tok-8f3a2c91e7";

/// An app that prints its secrets (as apps do by mistake) and listens on 8080.
fn api() -> String {
    "run:\n  image: busybox:latest\n  command: [sh, -c, 'echo \"db is $DB_PASSWORD\"; echo \"token is $(cat $API_TOKEN_FILE)\"; exec httpd -f -p 8080 -h /tmp']\n\
     expose:\n- name: http\n  port: 8080\n  health_check: {type: tcp}\n\
     env:\n  DB_PASSWORD: ''\n"
        .to_owned()
}

/// An app with no secrets beside it.
fn web() -> String {
    "run:\n  image: busybox:latest\n  command: [httpd, -f, -p, '8080', -h, /tmp]\n\
     expose:\n- name: http\n  port: 8080\n  health_check: {type: tcp}\n"
        .to_owned()
}

/// Writes an executable provider script `name` into the test's folder; its path.
fn provider(env: &TestEnv, name: &str, body: &str) -> PathBuf {
    let path = env.dir.path().join("providers").join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// A file only its owner reads, holding `text`.
fn private_file(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// An environment whose `op` stand-in prints the password kept in `db-password` (so a test
/// can change it) and whose token is a file, delivered as one.
fn with_secrets(tag: &str) -> TestEnv {
    let env = TestEnv::new(tag, &[("api", &api()), ("web", &web())]);
    let store = env.dir.path().join("db-password");
    private_file(&store, DB_PASSWORD);
    let op = provider(&env, "op", &format!("cat '{}'", store.display()));
    private_file(&env.dir.path().join("api-token"), &format!("{API_TOKEN}\n"));
    env.environment_file(&format!(
        "secrets:\n  DB_PASSWORD: {{command: ['{}', read, 'op://dev/db/password']}}\n\
         apps:\n  api:\n    secrets:\n      API_TOKEN: {{file: ../api-token, as: file}}\n",
        op.display()
    ));
    env
}

fn skip() -> bool {
    if engine_available() {
        busybox();
        return false;
    }
    assert!(
        std::env::var("CI").is_err(),
        "CI=true but no engine answers"
    );
    eprintln!("skipped: no container engine");
    true
}

/// Asserts that no part of either secret is in `text` (`what` says where it came from).
fn holds_no_secret(what: &str, text: &str) {
    for value in [DB_PASSWORD, "second-line", "it's a", API_TOKEN] {
        assert!(!text.contains(value), "{what} shows `{value}`:\n{text}");
    }
}

fn exec(container: &str, command: &str) -> String {
    docker(&["exec", container, "sh", "-c", command])
}

#[test]
fn secrets_reach_the_app_and_no_ark_output_or_label_holds_them() {
    if skip() {
        return;
    }
    let env = with_secrets("secrets-reach");
    let (code, stdout, stderr) = env.run(&["start", "api", "web", "-v", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    holds_no_secret("ark start -v", &format!("{stdout}{stderr}"));

    let api = env.container("api");
    assert_eq!(exec(&api, "printf %s \"$DB_PASSWORD\""), DB_PASSWORD);
    assert_eq!(exec(&api, "cat \"$API_TOKEN_FILE\""), API_TOKEN);
    assert_eq!(
        exec(
            &api,
            "echo $API_TOKEN_FILE; stat -c '%a %u' /run/secrets/API_TOKEN"
        ),
        "/run/secrets/API_TOKEN\n400 0"
    );
    assert_eq!(
        exec(&api, "printenv API_TOKEN || echo unset"),
        "unset",
        "a file secret is not in the environment"
    );
    let labels = docker(&["inspect", "-f", "{{json .Config.Labels}}", &api]);
    holds_no_secret("the container's labels", &labels);
    assert!(
        labels.contains("\"dev.ark.secrets\":\"API_TOKEN:file,DB_PASSWORD\""),
        "{labels}"
    );
    let mounts = docker(&["inspect", "-f", "{{json .Mounts}}", &api]);
    assert_eq!(mounts.trim(), "[]", "copied in, never bind-mounted");

    for args in [
        vec!["plan", "api"],
        vec!["plan", "api", "-o", "json"],
        vec!["status", "-o", "json"],
        vec!["status", "-a"],
        vec!["config", "api"],
        vec!["config", "api", "--show-secrets", "-o", "json"],
        vec!["config", "api", "--show-secrets", "-o", "env"],
        vec!["history", "-o", "json"],
        vec!["start", "api", "--dry-run"],
        vec!["start", "api", "web", "--progress", "json", "-v"],
    ] {
        let (code, stdout, stderr) = env.run(&args);
        assert_eq!(code, 0, "ark {args:?}: {stderr}");
        holds_no_secret(&format!("ark {args:?}"), &format!("{stdout}{stderr}"));
    }
    let (_, as_env, _) = env.run(&["config", "api", "-o", "env"]);
    assert!(
        as_env.contains("# DB_PASSWORD is a secret (") && !as_env.contains("DB_PASSWORD='"),
        "{as_env}"
    );
    let (_, config, _) = env.run(&["config", "api", "--show-secrets"]);
    let db_row = config
        .lines()
        .find(|l| l.starts_with("DB_PASSWORD "))
        .unwrap();
    assert!(
        db_row.contains("<secret>") && db_row.contains("(secret: command "),
        "{config}"
    );
    let (code, revealed, stderr) = env.run(&["config", "api", "--reveal-secrets", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let revealed: serde_json::Value = serde_json::from_str(&revealed).unwrap();
    let value_of = |name: &str| {
        revealed["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .map(|v| v["value"].clone())
    };
    assert_eq!(value_of("DB_PASSWORD"), Some(DB_PASSWORD.into()));
    assert_eq!(value_of("API_TOKEN"), Some(API_TOKEN.into()));

    // The app printed both: masked in every form, shown as printed only when asked.
    for args in [
        vec!["logs", "api"],
        vec!["logs", "api", "-o", "json"],
        vec!["logs", "api", "--tail", "5", "--timestamps"],
    ] {
        let (code, logs, stderr) = env.run(&args);
        assert_eq!(code, 0, "{stderr}");
        holds_no_secret(&format!("ark {args:?}"), &logs);
        assert!(logs.contains("token is ****"), "ark {args:?}: {logs}");
    }
    let (_, logs, _) = env.run(&["logs", "api", "--no-prefix"]);
    assert_eq!(logs, "db is ****\n****\ntoken is ****\n");
    let (_, unmasked, _) = env.run(&["logs", "api", "--no-prefix", "--no-mask"]);
    assert_eq!(
        unmasked,
        format!("db is {DB_PASSWORD}\ntoken is {API_TOKEN}\n")
    );
}

#[test]
fn a_start_that_fails_masks_the_secret_in_the_apps_last_lines() {
    if skip() {
        return;
    }
    let crasher = "run:\n  image: busybox:latest\n  command: [sh, -c, 'echo \"connecting with $DB_PASSWORD\"; echo refused >&2; exit 1']\n\
                   expose:\n- name: http\n  port: 8080\n  health_check: {type: tcp}\n\
                   env:\n  DB_PASSWORD: ''\n";
    let env = TestEnv::new("secrets-crash", &[("api", crasher)]);
    let op = provider(&env, "op", "echo 'crash-pw-42'");
    env.environment_file(&format!(
        "secrets:\n  DB_PASSWORD: {{command: ['{}']}}\n",
        op.display()
    ));
    for progress in ["plain", "json"] {
        let (code, stdout, stderr) = env.run(&["start", "api", "-v", "--progress", progress]);
        assert_eq!(code, 1, "{stdout}{stderr}");
        assert!(
            stderr.contains("connecting with ****"),
            "its last lines: {stderr}"
        );
        assert!(
            !format!("{stdout}{stderr}").contains("crash-pw-42"),
            "{stderr}"
        );
    }
}

#[test]
fn a_provider_that_fails_stops_the_start_before_anything_is_made_and_says_why() {
    if skip() {
        return;
    }
    let env = TestEnv::new("secrets-fail", &[("api", &api())]);
    private_file(&env.dir.path().join("api-token"), API_TOKEN);
    // The refusal quotes the token it was given: the message masks it.
    let vault = provider(
        &env,
        "vault",
        &format!("echo 'permission denied for {API_TOKEN}' >&2; echo 'Code: 403' >&2; exit 2"),
    );
    let hang = provider(&env, "hang", "sleep 30");
    let cases: [(String, &str, Vec<&str>); 4] = [
        (
            format!(
                "  DB_PASSWORD: {{command: ['{}', kv, get]}}\n",
                vault.display()
            ),
            "exited with code 2",
            vec!["permission denied for ****", "Code: 403"],
        ),
        (
            format!(
                "  DB_PASSWORD: {{command: ['{}'], timeout: 1s}}\n",
                hang.display()
            ),
            "did not finish within 1s",
            vec![],
        ),
        (
            "  DB_PASSWORD: {command: [ark-tests-no-such-op, read]}\n".into(),
            "is not installed",
            vec![],
        ),
        (
            "  DB_PASSWORD: {env: ARK_TESTS_UNSET_VARIABLE}\n".into(),
            "shell variable ARK_TESTS_UNSET_VARIABLE is not set",
            vec![],
        ),
    ];
    for (declaration, why, said) in cases {
        env.environment_file(&format!(
            "apps:\n  api:\n    secrets:\n      API_TOKEN: {{file: ../api-token}}\nsecrets:\n{declaration}"
        ));
        let (code, stdout, stderr) = env.run(&["start", "api", "--progress", "plain"]);
        assert_eq!(code, 3, "{stdout}{stderr}");
        assert!(
            stderr.contains(&format!("environments/{}.yml:6:", env.name)),
            "names the file and line: {stderr}"
        );
        assert!(
            stderr.contains("secret DB_PASSWORD (secrets.DB_PASSWORD)"),
            "{stderr}"
        );
        assert!(stderr.contains(why), "{why}: {stderr}");
        for line in said {
            assert!(stderr.contains(line), "quotes the provider: {stderr}");
        }
        assert!(!stderr.contains(API_TOKEN), "redacted: {stderr}");
        let filter = format!("label=dev.ark.environment={}", env.name);
        assert_eq!(docker(&["ps", "-aq", "--filter", &filter]), "");
        assert_eq!(docker(&["network", "ls", "-q", "--filter", &filter]), "");
    }
    // A file others can read is refused, saying how to fix it.
    std::fs::set_permissions(
        env.dir.path().join("api-token"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    env.environment_file("apps:\n  api:\n    secrets: {API_TOKEN: {file: ../api-token}}\n");
    let (code, _, stderr) = env.run(&["start", "api"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("can be read by others than you (mode 644)"),
        "{stderr}"
    );
    assert!(stderr.contains("chmod 600"), "{stderr}");
}

#[test]
fn a_changed_secret_rolls_over_only_its_app_and_a_rollback_brings_its_files_back() {
    if skip() {
        return;
    }
    let env = with_secrets("secrets-change");
    let (code, _, stderr) = env.run(&["start", "api", "web", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    let before = env.container_ids();

    private_file(&env.dir.path().join("db-password"), "rotated-password");
    private_file(&env.dir.path().join("api-token"), "tok-rotated");
    let (code, plan, stderr) = env.run(&["plan", "api", "web"]);
    assert_eq!(code, 0, "{stderr}");
    let api_line = plan.lines().find(|l| l.contains("api")).unwrap();
    assert!(
        api_line.contains("rollover: secret API_TOKEN changed, secret DB_PASSWORD changed"),
        "{plan}"
    );
    let web_line = plan.lines().find(|l| l.contains("web")).unwrap();
    assert!(web_line.contains("running, unchanged"), "{plan}");
    holds_no_secret("ark plan", &plan);
    assert!(!plan.contains("rotated"), "{plan}");

    let (code, _, stderr) = env.run(&["start", "api", "web", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    let after = env.container_ids();
    assert_ne!(before[0], after[0], "api rolled over");
    assert_eq!(before[1], after[1], "web untouched");
    let api = env.container("api");
    assert_eq!(exec(&api, "cat /run/secrets/API_TOKEN"), "tok-rotated");

    // The kept revision's files come back with it: no provider is asked.
    let (code, _, stderr) = env.run(&["rollback", "api", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(exec(&api, "cat /run/secrets/API_TOKEN"), API_TOKEN);
    assert_eq!(exec(&api, "printf %s \"$DB_PASSWORD\""), DB_PASSWORD);
    let (_, logs, _) = env.run(&["logs", "api", "--no-prefix"]);
    assert_eq!(logs.matches("token is ****").count(), 1, "{logs}");
    assert!(!logs.contains(API_TOKEN), "{logs}");
}

/// On Swarm: the variable in the service's tasks, the file a Docker secret named with the
/// keyed hash of its value, a new one when it changes (the old one kept while a kept
/// revision may run again: a rollback does), and none left after `down`.
#[test]
fn on_swarm_a_file_secret_is_a_docker_secret_rotated_by_an_update_back_with_a_rollback_and_gone_with_down(
) {
    let Some(cluster) = common::swarm::SwarmCluster::solo() else {
        return;
    };
    let app = "run:\n  image: busybox:latest\n  command: [sh, -c, 'echo \"db is $DB_PASSWORD\"; echo \"token is $(cat $API_TOKEN_FILE)\"; exec httpd -f -p 8080 -h /tmp']\n\
         expose:\n- name: http\n  port: 8080\n  health_check: {type: tcp}\nenv:\n  DB_PASSWORD: ''\n";
    let env = TestEnv::new("secrets-swarm", &[("api", app)]);
    let _cleanup = SwarmLeftovers {
        cluster: &cluster,
        environment: env.name.clone(),
    };
    let op = provider(&env, "op", "printf 'swarm-db-password'");
    private_file(&env.dir.path().join("api-token"), API_TOKEN);
    env.environment_file(&format!(
        "engine: swarm\nsecrets:\n  DB_PASSWORD: {{command: ['{}']}}\n\
         apps:\n  api:\n    secrets:\n      API_TOKEN: {{file: ../api-token, as: file}}\n",
        op.display()
    ));
    let ark = |args: &[&str]| {
        let mut command = env.ark();
        command
            .env("DOCKER_HOST", cluster.manager_url())
            .args(&args[..1])
            .args(["-e", &env.name])
            .args(&args[1..]);
        common::output(&mut command)
    };
    let on_cluster = |args: &[&str]| {
        let (ok, out) = cluster.docker(args);
        assert!(ok, "docker {args:?}: {out}");
        out
    };
    let label = format!("label=dev.ark.environment={}", env.name);
    let secrets = || {
        let listed = on_cluster(&["secret", "ls", "--filter", &label, "--format", "{{.Name}}"]);
        let mut names: Vec<String> = listed.lines().map(str::to_owned).collect();
        names.sort();
        names
    };
    let task_exec = |command: &str| {
        let service = format!("label=com.docker.swarm.service.name=ark_{}_api", env.name);
        let id = on_cluster(&["ps", "-q", "--filter", &service]);
        let id = id.lines().next().expect("a running task").to_owned();
        on_cluster(&["exec", &id, "sh", "-c", command])
    };

    let (code, stdout, stderr) = ark(&["start", "api", "-v", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    holds_no_secret("ark start on swarm", &format!("{stdout}{stderr}"));
    assert!(!stderr.contains("swarm-db-password"), "{stderr}");
    assert_eq!(
        task_exec("printf '%s|' \"$DB_PASSWORD\" \"$API_TOKEN_FILE\"; cat /run/secrets/API_TOKEN"),
        format!("swarm-db-password|/run/secrets/API_TOKEN|{API_TOKEN}")
    );
    let first = secrets();
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(
        first[0].starts_with(&format!("ark_{}_api_API_TOKEN_", env.name)),
        "{first:?}"
    );
    let labels = on_cluster(&[
        "service",
        "inspect",
        "-f",
        "{{json .Spec.Labels}}",
        &format!("ark_{}_api", env.name),
    ]);
    assert!(
        !labels.contains("swarm-db-password") && !labels.contains(API_TOKEN),
        "{labels}"
    );
    let (_, logs, _) = ark(&["logs", "api", "--no-prefix"]);
    assert_eq!(
        logs, "db is ****\ntoken is ****\n",
        "read back from the task"
    );

    private_file(&env.dir.path().join("api-token"), "tok-rotated-on-swarm");
    let (code, plan, stderr) = ark(&["plan", "api"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(plan.contains("secret API_TOKEN changed"), "{plan}");
    let (code, _, stderr) = ark(&["start", "api", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    until_task_reads(&task_exec, "tok-rotated-on-swarm");
    let second = secrets();
    assert_eq!(
        second.len(),
        2,
        "a new secret; the old one kept with the kept revision: {second:?}"
    );

    // A rollback runs the kept revision's spec again: its secret is still there.
    let (code, _, stderr) = ark(&["rollback", "api", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    until_task_reads(&task_exec, API_TOKEN);

    let (code, _, stderr) = ark(&["down", "--yes"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(secrets().is_empty(), "down removes them: {:?}", secrets());
}

/// Waits until the app's running task has the token file `value` (the update replaces the
/// task start-first: the old one may still be listed a moment).
fn until_task_reads(task_exec: &dyn Fn(&str) -> String, value: &str) {
    let began = std::time::Instant::now();
    while task_exec("cat /run/secrets/API_TOKEN") != value {
        assert!(
            began.elapsed() < std::time::Duration::from_secs(60),
            "the task never read the rotated token"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// Removes what a Swarm test left (services, secrets, network), also when it fails.
struct SwarmLeftovers<'a> {
    cluster: &'a common::swarm::SwarmCluster,
    environment: String,
}

impl Drop for SwarmLeftovers<'_> {
    fn drop(&mut self) {
        let label = format!("label=dev.ark.environment={}", self.environment);
        let (_, services) = self
            .cluster
            .docker(&["service", "ls", "-q", "--filter", &label]);
        for service in services.lines() {
            let _ = self.cluster.docker(&["service", "rm", service]);
        }
        let (_, secrets) = self
            .cluster
            .docker(&["secret", "ls", "-q", "--filter", &label]);
        for secret in secrets.lines() {
            let _ = self.cluster.docker(&["secret", "rm", secret]);
        }
        let _ = self
            .cluster
            .docker(&["network", "rm", &format!("ark_{}", self.environment)]);
    }
}

/// `ark logs -f` through a rotation: the new revision's lines, with the new value, are masked
/// as it joins the view, before any of them is shown.
#[test]
fn following_logs_masks_a_rotated_secret_from_the_new_revisions_first_line() {
    if skip() {
        return;
    }
    let env = with_secrets("secrets-follow");
    let (code, _, stderr) = env.run(&["start", "api", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    let mut follower = env.spawn(&["logs", "-f", "api", "--no-prefix"]);
    let stdout = follower.stdout.take().unwrap();
    let (tell, lines) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tell.send(line);
        }
    });
    let mut seen = Vec::new();
    let until = |wanted: &str, seen: &mut Vec<String>| loop {
        let line = lines
            .recv_timeout(std::time::Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no `{wanted}` line: {seen:?}"));
        seen.push(line.clone());
        if line == wanted {
            break;
        }
    };
    until("token is ****", &mut seen);

    private_file(
        &env.dir.path().join("db-password"),
        "rotated-while-followed",
    );
    let (code, _, stderr) = env.run(&["start", "api", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    until("db is ****", &mut seen);
    let _ = follower.kill();
    let _ = follower.wait();
    let _ = reader.join();
    assert!(
        !seen.iter().any(|l| l.contains("rotated-while-followed")),
        "{seen:?}"
    );
    assert_eq!(
        seen.iter().filter(|l| *l == "db is ****").count(),
        2,
        "{seen:?}"
    );
}
