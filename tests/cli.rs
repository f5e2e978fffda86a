//! The core commands, run as a user runs them: arguments in; stdout, stderr and exit code out.

mod common;
use common::{ark, output, run, tree};
use serde_json::{json, Value};

/// A small catalog and environments folder, laid out as ark finds them by default.
fn project() -> tempfile::TempDir {
    tree(&[
        ("launch/web.yml", "env: [GREETING]\nexpose:\n- name: http\n  port: 8080\n  health_check: {type: http, path: /_health}\ndependencies: [api]\n"),
        (
            "launch/api.yml",
            "env:\n  LOG_LEVEL: info\n  DB_PASSWORD:\nexpose:\n- {name: http, port: 80, health_check: {type: http, path: /}}\n- {name: pprof, port: 6060}\ndependencies: [db, events]\n",
        ),
        ("launch/db.yml", "run: {image: 'postgres:16'}\nexpose: [{name: pg, port: 5432, health_check: {type: tcp}}]\n"),
        ("launch/events.yml", "run: {type: lambda}\n"),
        ("environments/default.yml", "env: {LOG_LEVEL: warn}\n"),
        ("environments/dev.yml", "env:\n  GREETING: hi\n  DB_PASSWORD: hunter2\napps:\n  api:\n    env: {LOG_LEVEL: debug}\n"),
        ("environments/child.yml", "extends: dev\napps:\n  web:\n    env: {GREETING: '${ARK_TEST_GREETING}'}\n"),
    ])
}

#[test]
fn version_and_help_work() {
    let (code, stdout, _) = output(ark().arg("--version"));
    assert_eq!(code, 0);
    assert_eq!(stdout, format!("ark {}\n", env!("CARGO_PKG_VERSION")));
    let (code, stdout, _) = output(ark().arg("--help"));
    assert_eq!(code, 0);
    assert!(stdout.contains("Exit codes: 0 ok, 1 operation failed, 2 usage"));
}

#[test]
fn a_usage_mistake_exits_2() {
    ark().arg("frobnicate").assert().code(2);
    ark().args(["deps"]).assert().code(2);
    let dir = project();
    let (code, _, stderr) = output(
        ark()
            .current_dir(dir.path())
            .args(["config", "api", "--set", "NOEQUALS"])
            .env("ARK_ENVIRONMENT", "dev"),
    );
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "error: --set `NOEQUALS` is not KEY=VALUE or APP.KEY=VALUE\n"
    );
}

#[test]
fn validate_lists_every_problem_at_once() {
    let dir = tree(&[
        (
            "launch/api.yml",
            "dependancies: [db]\nexpose:\n- name: http\n  port: 80\n",
        ),
        ("launch/broken.yml", "env: []\ndependencies: 42\n"),
        ("launch/alpha.yml", "dependencies: [beta]\n"),
        ("launch/beta.yml", "dependencies: [alpha, gamma]\n"),
        ("other/api.yml", "env: []\n"),
    ]);
    let (code, stdout, stderr) = run(&dir, &["--apps", "launch", "--apps", "other", "validate"]);
    assert_eq!(code, 3);
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        "error: launch/alpha.yml:1:16: dependency cycle: alpha -> beta -> alpha\n  \
         hint: an app cannot (even indirectly) depend on itself: remove one of these dependencies\n\
         error: launch/broken.yml:2:15: dependencies: invalid type: integer, expected a sequence\n\
         error: other/api.yml: app `api` is defined more than once: launch/api.yml, other/api.yml\n  \
         hint: app names come from file names and must be unique: rename or remove all but one\n\
         warning: launch/api.yml:1: unknown key `dependancies` (ignored)\n  hint: did you mean `dependencies`?\n\
         warning: launch/beta.yml:1:23: `beta` depends on `gamma`, which has no definition\n  \
         hint: add a folder holding `gamma.yml` with --apps, or provide it as external in the environment\n\
         invalid: checked 4 apps: 3 errors, 2 warnings\n"
    );
}

#[test]
fn validate_of_a_sound_catalog_exits_0_and_strict_turns_warnings_into_errors() {
    let dir = tree(&[("launch/api.yml", "dependencies: [db]\n")]);
    let (code, _, stderr) = run(&dir, &["validate"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.starts_with("warning: launch/api.yml:1:16: `api` depends on `db`"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&dir, &["validate", "--strict"]);
    assert_eq!(code, 3);
    assert!(
        stderr.starts_with("error: launch/api.yml:1:16: `api` depends on `db`"),
        "{stderr}"
    );
}

#[test]
fn validate_with_an_environment_checks_every_declared_variable() {
    let dir = project();
    let (code, _, stderr) = run(&dir, &["validate", "-e", "staging"]);
    assert_eq!(code, 3);
    assert!(stderr.contains("error: launch/api.yml:3:3: `api` needs `DB_PASSWORD`, which has no value in environment `staging`"), "{stderr}");
    assert!(stderr.contains("error: launch/web.yml:1:7: `web` needs `GREETING`, which has no value in environment `staging`"), "{stderr}");
    ark()
        .current_dir(dir.path())
        .args(["validate", "-e", "dev"])
        .assert()
        .code(0);
}

#[test]
fn an_environment_cycle_names_the_environments() {
    let dir = tree(&[
        ("launch/api.yml", ""),
        ("environments/a.yml", "extends: b\n"),
        ("environments/b.yml", "extends: a\n"),
    ]);
    let (code, _, stderr) = run(&dir, &["plan", "-e", "a", "api"]);
    assert_eq!(code, 3);
    assert!(
        stderr.contains("environments extend each other in a cycle: a -> b -> a"),
        "{stderr}"
    );
}

#[test]
fn deps_json_lists_dependencies_first_with_edges() {
    let dir = project();
    let (code, stdout, _) = run(&dir, &["deps", "web", "-o", "json"]);
    assert_eq!(code, 0);
    let deps: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        deps,
        json!({
            "order": ["db", "events", "api", "web"],
            "edges": [{"from": "api", "to": "db"}, {"from": "api", "to": "events"}, {"from": "web", "to": "api"}],
            "missing": [],
        })
    );
}

#[test]
fn deps_tree_and_dot() {
    let dir = project();
    let (_, stdout, _) = run(&dir, &["deps", "web"]);
    assert_eq!(
        stdout,
        "web\n└── api\n    ├── db\n    └── events (runs as `lambda`, not locally)\n"
    );
    let (_, stdout, _) = run(&dir, &["deps", "web", "-o", "dot"]);
    assert!(
        stdout.starts_with("digraph ark {") && stdout.contains("\"web\" -> \"api\";"),
        "{stdout}"
    );
}

#[test]
fn config_shows_each_value_with_its_source_and_hides_secrets() {
    let dir = project();
    let (code, stdout, _) = run(&dir, &["config", "-e", "dev", "api", "-o", "json"]);
    assert_eq!(code, 0);
    let config: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(config["app"], "api");
    assert_eq!(config["environment"], "dev");
    let env = config["env"].as_array().unwrap();
    let find = |name: &str| {
        env.iter()
            .find(|v| v["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(
        find("DB_PASSWORD"),
        json!({"name": "DB_PASSWORD", "value": "<redacted>", "source": "environments/dev.yml (env.DB_PASSWORD)"})
    );
    assert_eq!(
        find("LOG_LEVEL"),
        json!({"name": "LOG_LEVEL", "value": "debug", "source": "environments/dev.yml (apps.api.env.LOG_LEVEL)"})
    );
    assert_eq!(
        find("SERVICE_DB_PG_HOST"),
        json!({"name": "SERVICE_DB_PG_HOST", "value": "db", "source": "discovery (db.pg)"})
    );
    assert_eq!(find("_DEPLOY_ENV")["value"], "dev");

    let (_, stdout, _) = run(
        &dir,
        &["config", "-e", "dev", "api", "-o", "env", "--show-secrets"],
    );
    assert!(stdout.contains("DB_PASSWORD='hunter2'\n"), "{stdout}");
    let (_, stdout, _) = run(&dir, &["config", "-e", "dev", "api"]);
    assert!(stdout.starts_with("NAME "), "{stdout}");
    assert!(!stdout.contains("hunter2"));
}

#[test]
fn set_overrides_everything_and_says_so() {
    let dir = project();
    let (_, stdout, _) = run(
        &dir,
        &[
            "config",
            "-e",
            "dev",
            "api",
            "-o",
            "env",
            "--set",
            "LOG_LEVEL=trace",
            "--set",
            "api.EXTRA=1",
        ],
    );
    assert!(
        stdout.contains("LOG_LEVEL='trace'\n") && stdout.contains("EXTRA='1'\n"),
        "{stdout}"
    );
}

#[test]
fn shell_variables_are_read_and_an_unset_one_is_named() {
    let dir = project();
    let (code, stdout, _) = output(
        ark()
            .current_dir(dir.path())
            .args(["config", "-e", "child", "web", "-o", "env"])
            .env("ARK_TEST_GREETING", "from-shell"),
    );
    assert_eq!(code, 0);
    assert!(stdout.contains("GREETING='from-shell'\n"), "{stdout}");
    let (code, _, stderr) = output(
        ark()
            .current_dir(dir.path())
            .args(["config", "-e", "child", "web"])
            .env_remove("ARK_TEST_GREETING"),
    );
    assert_eq!(code, 3);
    assert!(stderr.contains("apps.web.env.GREETING uses `${ARK_TEST_GREETING}`, but `ARK_TEST_GREETING` is not set in your shell"), "{stderr}");
}

#[test]
fn the_default_environment_comes_from_the_variable_or_the_user_config() {
    let dir = project();
    let (code, stdout, _) = output(
        ark()
            .current_dir(dir.path())
            .args(["config", "web", "-o", "env"])
            .env("ARK_ENVIRONMENT", "dev"),
    );
    assert_eq!(code, 0);
    assert!(stdout.contains("_DEPLOY_ENV='dev'\n"));
    common::write(&dir.path().join("config.yml"), "environment: dev\n");
    let (code, stdout, _) = output(
        ark()
            .current_dir(dir.path())
            .args(["config", "web", "-o", "env"])
            .env("ARK_CONFIG", dir.path().join("config.yml")),
    );
    assert_eq!(code, 0);
    assert!(stdout.contains("_DEPLOY_ENV='dev'\n"));
}

#[test]
fn plan_names_every_blocker_and_exits_3() {
    let dir = tree(&[
        ("launch/web.yml", "dependencies: [api, auth]\n"),
        ("launch/api.yml", "env: [TOKEN]\ndependencies: [db]\n"),
    ]);
    let (code, stdout, stderr) = run(&dir, &["plan", "-e", "eng1-env", "web"]);
    assert_eq!(code, 3);
    assert!(
        stdout.starts_with(
            "plan for environment `eng1-env`: 2 apps in start order (engine not consulted)"
        ),
        "{stdout}"
    );
    for expected in [
        "`web` depends on `auth`, which has no definition",
        "`api` depends on `db`, which has no definition",
        "`api` needs `TOKEN`, which has no value in environment `eng1-env`",
    ] {
        assert!(stderr.contains(expected), "{expected} in {stderr}");
    }
}

#[test]
fn an_external_dependency_unblocks_the_plan_and_feeds_discovery() {
    let dir = tree(&[
        ("launch/web.yml", "dependencies: [db]\n"),
        (
            "environments/dev.yml",
            "apps:\n  db:\n    external: {host: db.internal, port: 5432}\n",
        ),
    ]);
    let (code, stdout, stderr) = run(&dir, &["plan", "-e", "dev", "web", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        plan["external"],
        json!([{"name": "db", "host": "db.internal", "port": 5432, "proto": "tcp"}])
    );
    let env = plan["apps"][0]["env"].as_array().unwrap();
    assert!(env.contains(&json!({"name": "SERVICE_DB_DEFAULT_HOST", "value": "db.internal", "source": "discovery (db.default)"})));
}

#[test]
fn plan_json_has_image_ports_and_readiness() {
    let dir = project();
    let (code, stdout, stderr) = run(
        &dir,
        &["plan", "-e", "dev", "web", "-o", "json", "--no-deps"],
    );
    assert_eq!(code, 0, "{stderr}");
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    let web = &plan["apps"][0];
    assert_eq!(web["name"], "web");
    assert_eq!(web["action"], "create");
    assert_eq!(web["image"], "web");
    assert_eq!(
        web["ports"],
        json!([{"expose": "http", "container_port": 8080, "host_port": null, "bind": "127.0.0.1"}])
    );
    assert_eq!(
        web["ready"],
        json!([{"expose": "http", "type": "http", "port": 8080}])
    );
    assert_eq!(plan["apps"].as_array().unwrap().len(), 1);
}

#[test]
fn an_unknown_app_gets_a_suggestion_and_exit_3() {
    let dir = project();
    let (code, _, stderr) = run(&dir, &["plan", "-e", "dev", "wbe"]);
    assert_eq!(code, 3);
    assert_eq!(stderr, "error: unknown app `wbe`: no definition in the apps folders\n  hint: did you mean `web`?\n");
}

#[test]
fn unknown_apps_in_an_environment_are_warned_about() {
    let dir = tree(&[
        ("launch/api.yml", ""),
        ("environments/dev.yml", "apps:\n  apj:\n    env: {A: b}\n"),
    ]);
    let (code, _, stderr) = run(&dir, &["plan", "-e", "dev", "api"]);
    assert_eq!(code, 0);
    assert!(stderr.contains("warning: environments/dev.yml:2: apps.apj: no app `apj` in the catalog\n  hint: did you mean `api`?"), "{stderr}");
}

#[test]
fn envs_lists_the_files_on_disk() {
    let dir = project();
    let (code, stdout, _) = run(&dir, &["envs", "-o", "json"]);
    assert_eq!(code, 0);
    let envs: Value = serde_json::from_str(&stdout).unwrap();
    let names: Vec<&str> = envs
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["child", "default", "dev"]);
    assert_eq!(envs[0]["extends"], "dev");
    // No target: the engine the settings point at, which does not answer here.
    assert_eq!(envs[0]["target"], Value::Null);
    assert_eq!(
        envs[0]["engine"],
        "unix:///nonexistent/ark-tests-offline.sock"
    );
    assert_eq!(envs[0]["engine_reachable"], false);
    assert_eq!(envs[0]["running"], false);

    let (code, stdout, _) = run(&dir, &["envs"]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout.lines().next(),
        Some("NAME                   EXTENDS  TARGET   FILE                      RUNNING")
    );
    assert_eq!(
        stdout.lines().nth(1),
        Some("child                  dev      default  environments/child.yml    unreachable")
    );
}

/// Nothing on disk and no engine answering: "none running" would be a guess.
#[test]
fn envs_with_no_files_and_no_engine_says_it_could_not_ask() {
    let dir = tree(&[("launch/api.yml", "")]);
    let (code, stdout, stderr) = run(&dir, &["envs"]);
    assert_eq!(code, 4, "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains(", and cannot say what runs: cannot reach the container engine at unix:///nonexistent/ark-tests-offline.sock"),
        "{stderr}"
    );
    assert!(!stderr.contains("none running"), "{stderr}");
    let (code, stdout, _) = run(&dir, &["envs", "-o", "json"]);
    assert_eq!(code, 4);
    assert_eq!(stdout.trim(), "[]");
}

#[test]
fn no_apps_folder_is_explained() {
    let dir = tree(&[]);
    let (code, _, stderr) = run(&dir, &["validate"]);
    assert_eq!(code, 3);
    assert!(stderr.contains("no apps folder"), "{stderr}");
    let (code, _, stderr) = run(&dir, &["--apps", "nowhere", "validate"]);
    assert_eq!(code, 3);
    assert!(
        stderr.starts_with("error: nowhere: cannot read apps folder"),
        "{stderr}"
    );
}

#[test]
fn broken_input_never_panics() {
    let huge = format!(
        "env:\n{}",
        (0..50_000)
            .map(|i| format!("- VAR_{i}\n"))
            .collect::<String>()
    );
    let deep = format!("env: {}{}", "[".repeat(5000), "]".repeat(5000));
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        (
            "binary",
            (0..4096u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
        ),
        ("tabs", b"run:\n\ttype: docker\n".to_vec()),
        ("deep", deep.into_bytes()),
        ("huge", huge.into_bytes()),
        ("aliases", b"a: &a [*a]\n".to_vec()),
        ("list", b"- 1\n- 2\n".to_vec()),
        ("scalar", b"just text\n".to_vec()),
        ("docs", b"env: []\n---\nenv: []\n".to_vec()),
    ];
    for (name, bytes) in inputs {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("launch")).unwrap();
        std::fs::write(dir.path().join("launch").join(format!("{name}.yml")), bytes).unwrap();
        let (code, _, stderr) = run(&dir, &["validate"]);
        assert!(code == 0 || code == 3, "{name}: exit {code}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
}

#[test]
fn validate_checks_that_a_target_names_an_engine() {
    let dir = tree(&[
        ("launch/api.yml", ""),
        (
            "environments/shared.yml",
            "env: {}\ntarget: no-such-context\n",
        ),
        ("environments/typo.yml", "target: htp://box:2375\n"),
        ("environments/fine.yml", "target: ssh://me@box\n"),
    ]);
    let config = tempfile::tempdir().unwrap();
    let validate = |environment: &str| {
        output(
            ark()
                .current_dir(dir.path())
                .env("DOCKER_CONFIG", config.path())
                .args(["validate", "-e", environment]),
        )
    };
    let (code, _, stderr) = validate("shared");
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains(
            "error: environments/shared.yml:2: target: docker context `no-such-context` not found"
        ),
        "{stderr}"
    );
    let (code, _, stderr) = validate("typo");
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("error: environments/typo.yml:1: target: `htp://box:2375` is no kind of engine address ark knows"),
        "{stderr}"
    );
    let (code, _, stderr) = validate("fine");
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn validate_checks_the_engine_settings_each_at_its_value() {
    let dir = tree(&[
        ("launch/api.yml", ""),
        (
            "environments/cluster.yml",
            "engine: swarn\nregistry: http://127.0.0.1:5000\nnodes:\n  n2: 10.250.0.2:2375\napps:\n  api:\n    replicas: 0\n",
        ),
        (
            "environments/fine.yml",
            "engine: swarm\nregistry: 127.0.0.1:5000\nnodes: {n2: 'tcp://10.250.0.2:2375'}\npublish: true\napps:\n  api: {replicas: 2, publish: false}\n",
        ),
    ]);
    let (code, _, stderr) = run(&dir, &["validate", "-e", "cluster"]);
    assert_eq!(code, 3, "{stderr}");
    for expected in [
        "error: environments/cluster.yml:1:9: engine: unknown engine kind `swarn`: ark runs environments on docker or swarm\n  hint: did you mean `swarm`?",
        "error: environments/cluster.yml:2:11: registry: `http://127.0.0.1:5000` is a URL, not HOST:PORT\n  hint: drop `http://`: `registry: 127.0.0.1:5000`",
        "error: environments/cluster.yml:7:15: apps.api.replicas: `0` is not a number of replicas\n  hint: write a whole number, 1 or more: `replicas: 2`",
    ] {
        assert!(stderr.contains(expected), "{expected}\n---\n{stderr}");
    }
    let (code, _, stderr) = run(&dir, &["validate", "-e", "fine"]);
    assert_eq!(code, 0, "{stderr}");
    std::fs::write(
        dir.path().join("environments/cluster.yml"),
        "engine: swarm\nnodes:\n  n2: 10.250.0.2:2375\n",
    )
    .unwrap();
    let (code, _, stderr) = run(&dir, &["validate", "-e", "cluster"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("error: environments/cluster.yml:3:7: nodes.n2: `10.250.0.2:2375` is no kind of engine address ark knows"),
        "{stderr}"
    );
    // An engine command stops there too, before any engine is asked: exit 3, not 4.
    let (code, _, stderr) = run(&dir, &["stop", "-e", "cluster"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("nodes.n2: "), "{stderr}");
}

#[test]
fn config_shows_how_the_environment_runs_and_where_each_setting_comes_from() {
    let dir = tree(&[
        ("launch/api.yml", "env: {LOG_LEVEL: info}\n"),
        (
            "environments/cluster.yml",
            "engine: swarm\nregistry: 127.0.0.1:5000\nnodes: {n2: 'tcp://10.250.0.2:2375'}\npublish: true\n",
        ),
        (
            "environments/dev.yml",
            "extends: cluster\napps:\n  api: {replicas: 2}\n",
        ),
    ]);
    let (code, stdout, stderr) = run(&dir, &["config", "-e", "dev", "api"]);
    assert_eq!(code, 0, "{stderr}");
    let settings = stdout.split("\n\n").nth(1).unwrap_or_default();
    assert_eq!(
        settings,
        "SETTING   VALUE                  SOURCE\n\
         engine    swarm                  environments/cluster.yml (engine)\n\
         registry  127.0.0.1:5000         environments/cluster.yml (registry)\n\
         nodes.n2  tcp://10.250.0.2:2375  environments/cluster.yml (nodes.n2)\n\
         replicas  2                      environments/dev.yml (apps.api.replicas)\n\
         publish   true                   environments/cluster.yml (publish)\n",
        "{stdout}"
    );
    let (code, stdout, _) = run(
        &dir,
        &[
            "--engine", "docker", "config", "-e", "dev", "api", "-o", "json",
        ],
    );
    assert_eq!(code, 0);
    let config: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        (&config["engine"], &config["replicas"], &config["publish"]),
        (
            &json!({"kind": "docker", "source": "--engine", "registry": "127.0.0.1:5000", "nodes": {"n2": "tcp://10.250.0.2:2375"}}),
            &json!(2),
            &json!(true)
        )
    );
    let (_, stdout, _) = run(&dir, &["config", "-e", "dev", "api", "-o", "env"]);
    assert_eq!(
        stdout, "LOG_LEVEL='info'\n_APP_NAME='api'\n_DEPLOY_ENV='dev'\n",
        "-o env is variables only"
    );
}
