//! What a hostile, broken or huge input may not do (issue 11): run the real binary on such
//! input and check what a user would see.

mod common;
use common::{ark, output, run, tree};
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::Stdio;
use std::time::Duration;

/// Long enough for any sane run; a run that hits it has hung (the bug), not been slow.
const HANG: Duration = Duration::from_secs(30);

// ---- 1. variable names are portable names; `-o env` gives back exactly the value ----

#[test]
fn a_variable_name_that_is_not_portable_is_an_error_at_its_line() {
    for (files, file, line) in [
        (
            vec![(
                "launch/a.yml",
                "expose: []\nenv:\n  \"X;touch /tmp/pwned;Y\": anything\n",
            )],
            "launch/a.yml",
            3,
        ),
        (
            vec![
                ("launch/a.yml", "env: [OK]\n"),
                ("environments/dev.yml", "env:\n  OK: 1\n  \"A B\": 2\n"),
            ],
            "environments/dev.yml",
            3,
        ),
        (
            vec![
                ("launch/a.yml", "env: [OK]\n"),
                (
                    "environments/dev.yml",
                    "apps:\n  a:\n    env:\n      \"1X\": 2\n",
                ),
            ],
            "environments/dev.yml",
            4,
        ),
    ] {
        let dir = tree(&files);
        let (code, _, stderr) = run(&dir, &["validate", "-e", "dev"]);
        assert_eq!(code, 3, "{files:?}: {stderr}");
        assert!(
            stderr.contains(&format!("{file}:{line}")) && stderr.contains("is not a variable name"),
            "{files:?}: {stderr}"
        );
    }
}

#[test]
fn a_name_in_productions_list_form_that_is_not_portable_is_dropped_with_a_warning() {
    // Production's own files hold such typos (`DYNAMO_READ_WRITE_CAPACITY;` in the corpus):
    // the app still loads, and the name never reaches a shell.
    let dir = tree(&[("launch/a.yml", "env:\n- OK\n- \"$(touch pwned)\"\n- B;\n")]);
    let (code, _, stderr) = run(&dir, &["validate"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning: launch/a.yml:3: env: `$(touch pwned)` is not a variable name")
            && stderr.contains("warning: launch/a.yml:4: env: `B;` is not a variable name"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&dir, &["validate", "--strict"]);
    assert_eq!(code, 3, "{stderr}");
    let (_, stdout, _) = run(
        &dir,
        &["config", "-e", "dev", "a", "-o", "env", "--set", "OK=1"],
    );
    assert_eq!(stdout, "OK='1'\n_APP_NAME='a'\n_DEPLOY_ENV='dev'\n");
    assert!(!dir.path().join("pwned").exists());
}

#[test]
fn a_set_with_a_name_that_is_not_portable_is_a_usage_error() {
    let dir = tree(&[("launch/a.yml", "env: [OK]\n")]);
    for bad in ["X;id=1", "a.$(id)=1", "A B=1", "1A=1"] {
        let (code, _, stderr) = run(&dir, &["config", "-e", "dev", "a", "--set", bad]);
        assert_eq!(code, 2, "{bad}: {stderr}");
        assert!(stderr.contains("is not a variable name"), "{bad}: {stderr}");
    }
}

const AWKWARD: &[(&str, &str)] = &[
    ("PLAIN", "debug"),
    ("QUOTES", "it's \"quoted\""),
    ("DOLLAR", "$HOME and ${HOME} and $(id)"),
    ("BACKTICK", "`id`"),
    ("NEWLINE", "one\ntwo\n"),
    ("BACKSLASH", "a\\b\\\\c\\"),
    ("UNICODE", "grüße, 日本, 🚀"),
    ("EMPTY", ""),
    ("SPACES", "  padded  "),
];

/// An environment whose values are every awkward string above (written with YAML escapes).
fn awkward_project() -> tempfile::TempDir {
    let names: Vec<&str> = AWKWARD.iter().map(|(n, _)| *n).collect();
    let mut env = String::from("env:\n");
    for (name, value) in AWKWARD {
        // `$$` is ark's literal `$`; JSON strings are valid YAML double-quoted scalars.
        let written = value.replace('$', "$$");
        env.push_str(&format!(
            "  {name}: {}\n",
            serde_json::to_string(&written).unwrap()
        ));
    }
    tree(&[
        ("launch/a.yml", &format!("env: [{}]\n", names.join(", "))),
        ("environments/dev.yml", &env),
    ])
}

#[test]
fn config_as_env_quotes_every_value_so_shells_give_back_exactly_the_value() {
    let dir = awkward_project();
    let (code, stdout, stderr) = run(&dir, &["config", "-e", "dev", "a", "-o", "env"]);
    assert_eq!(code, 0, "{stderr}");
    let file = dir.path().join("a.env");
    std::fs::write(&file, &stdout).unwrap();
    let marker = dir.path().join("pwned");
    let names: Vec<&str> = AWKWARD.iter().map(|(n, _)| *n).collect();
    // Each shell prints every variable NUL-terminated, exactly as it holds it.
    let dump: String = names
        .iter()
        .map(|n| format!("printf '%s\\0' \"${n}\"; "))
        .collect();
    for (shell, load) in [
        ("sh", format!("eval \"$(cat '{}')\"", file.display())),
        ("bash", format!("source '{}'", file.display())),
        ("sh", format!("set -a; . '{}'; set +a", file.display())),
    ] {
        let out = std::process::Command::new(shell)
            .arg("-c")
            .arg(format!("{load}; {dump}"))
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell} {load}: {out:?}");
        let values: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .split_terminator('\0')
            .map(str::to_owned)
            .collect();
        let expected: Vec<String> = AWKWARD.iter().map(|(_, v)| (*v).to_owned()).collect();
        assert_eq!(values, expected, "{shell}: {load}");
        assert!(!marker.exists());
    }
    for line in stdout.lines().filter(|l| l.starts_with("PLAIN=")) {
        assert_eq!(line, "PLAIN='debug'", "every value is quoted");
    }
}

#[test]
fn every_name_in_the_production_corpus_is_portable() {
    // The corpus ships beside the repository (ARK_CORPUS names it elsewhere, e.g. from a
    // worktree); where it is absent there is nothing to check.
    let corpus = std::env::var_os("ARK_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| common::repo().join("../shared/corpus/clever-launch"));
    if !corpus.is_dir() {
        return;
    }
    let (code, _, stderr) = output(
        ark()
            .arg("--apps")
            .arg(corpus.join("repos"))
            .arg("validate"),
    );
    assert_eq!(code, 0, "{stderr}");
    // One production file has a typo; it loads, and the name is dropped with a warning.
    let not_names: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("is not a variable name"))
        .collect();
    assert_eq!(not_names.len(), 1, "{stderr}");
    assert!(
        not_names[0].starts_with("warning: ")
            && not_names[0].ends_with("who-is-who/launch/who-is-who-too.yml:10: env: `DYNAMO_READ_WRITE_CAPACITY;` is not a variable name: use letters, digits and `_`, not starting with a digit (ignored)"),
        "{stderr}"
    );
    assert!(!stderr.contains("collide"), "{stderr}");
    assert!(!stderr.contains("lower-case"), "{stderr}");
    // Historical variants, one at a time under their app's name.
    for variant in std::fs::read_dir(corpus.join("variants")).unwrap() {
        let path = variant.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        // `<repo>__<app>@<commit>`
        let app = stem.split("__").nth(1).unwrap().split('@').next().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let dir = tree(&[(&format!("launch/{app}.yml"), &text)]);
        let (code, _, stderr) = run(&dir, &["validate"]);
        assert_eq!(code, 0, "{}: {stderr}", path.display());
        assert!(!stderr.contains("is not a variable name"), "{stderr}");
    }
}

// ---- 4. regular files only, with a size limit ----

fn mkfifo(path: &std::path::Path) {
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file system entry.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
}

#[test]
fn a_definition_that_is_a_device_or_a_fifo_is_an_error_at_once() {
    let dir = tree(&[("launch/a.yml", "env: []\n")]);
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("launch/zero.yml")).unwrap();
    mkfifo(&dir.path().join("launch/fifo.yml"));
    let (code, _, stderr) = output(ark().current_dir(dir.path()).timeout(HANG).arg("validate"));
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains(
            "launch/zero.yml: cannot read the file: it is a character device, not a regular file"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("launch/fifo.yml: cannot read the file: it is a fifo, not a regular file"),
        "{stderr}"
    );
}

#[test]
fn an_environment_file_or_user_config_that_is_a_fifo_is_an_error_at_once() {
    let dir = tree(&[("launch/a.yml", "env: []\n")]);
    std::fs::create_dir(dir.path().join("environments")).unwrap();
    mkfifo(&dir.path().join("environments/dev.yml"));
    let (code, _, stderr) = output(
        ark()
            .current_dir(dir.path())
            .timeout(HANG)
            .args(["validate", "-e", "dev"]),
    );
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("environments/dev.yml: cannot read the file: it is a fifo"),
        "{stderr}"
    );

    let config = dir.path().join("config.yml");
    mkfifo(&config);
    let (code, _, stderr) = output(
        ark()
            .current_dir(dir.path())
            .timeout(HANG)
            .env("ARK_CONFIG", &config)
            .arg("validate"),
    );
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("config.yml: cannot read your ark config: it is a fifo"),
        "{stderr}"
    );
}

#[test]
fn a_file_over_the_size_limit_names_its_size_and_the_limit() {
    let dir = tree(&[("launch/a.yml", "env: []\n")]);
    let big = format!("env: []\n{}", "# padding\n".repeat(500_000));
    std::fs::write(dir.path().join("launch/big.yml"), &big).unwrap();
    let (code, _, stderr) = run(&dir, &["validate"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "launch/big.yml: cannot read the file: it is {} bytes, more than the limit of 4194304 bytes (4 MiB)",
            big.len()
        )),
        "{stderr}"
    );
}

// ---- 7. a closed stdout or stderr never panics ----

/// The write end of a pipe whose read end is already closed: every write fails (EPIPE).
fn broken_pipe() -> Stdio {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe() writes.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors were just created and are owned by nobody else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    Stdio::from(write)
}

#[test]
fn a_closed_or_broken_stderr_or_stdout_keeps_the_exit_code() {
    let dir = tree(&[("launch/a.yml", "env: [X]\ndependencies: [gone]\n")]);
    let ark_at = || {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("ark"));
        command
            .current_dir(dir.path())
            .env("ARK_CONFIG", "/nonexistent/ark-config.yml")
            .env("NO_COLOR", "1");
        command
    };
    for args in [&["validate", "-e=UPPER"][..], &["validate", "--strict"]] {
        let normal = ark_at().args(args).output().unwrap().status.code();
        assert_eq!(normal, Some(3), "{args:?}");
        let code = |stdout: Stdio, stderr: Stdio| {
            ark_at()
                .args(args)
                .stdout(stdout)
                .stderr(stderr)
                .status()
                .unwrap()
                .code()
        };
        assert_eq!(code(Stdio::null(), broken_pipe()), normal, "{args:?}");
        assert_eq!(code(broken_pipe(), broken_pipe()), normal, "{args:?}");
        let closed = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("\"$0\" {} 2>&- >&-", args.join(" ")))
            .arg(assert_cmd::cargo::cargo_bin("ark"))
            .current_dir(dir.path())
            .env("ARK_CONFIG", "/nonexistent/ark-config.yml")
            .status()
            .unwrap();
        assert_eq!(
            closed.code(),
            normal,
            "{args:?} with stdout and stderr closed"
        );
    }
    // Data on a broken stdout: the command's own exit code, not 0 and not a panic.
    assert_eq!(
        ark_at()
            .args(["validate", "--strict", "-o", "json"])
            .stdout(broken_pipe())
            .status()
            .unwrap()
            .code(),
        Some(3)
    );
    let piped = std::process::Command::new("bash")
        .arg("-c")
        .arg("set -o pipefail; \"$0\" validate --strict 2>&1 | head -1 >/dev/null")
        .arg(assert_cmd::cargo::cargo_bin("ark"))
        .current_dir(dir.path())
        .env("ARK_CONFIG", "/nonexistent/ark-config.yml")
        .status()
        .unwrap();
    assert_eq!(piped.code(), Some(3));
}

// ---- 8. no error quotes a value from `env:` or `--set` ----

#[test]
fn errors_never_quote_values_from_env_sections_or_sets() {
    for environment in [
        "env: DB_PASSWORD=FAKESECRET000\n",
        "DB_PASSWORD=FAKESECRET000\nAPI_TOKEN=FAKESECRET000\n",
        "apps:\n  a:\n    env: DB_PASSWORD=FAKESECRET000\n",
        "env:\n  DB_PASSWORD: [FAKESECRET000]\n",
        "env:\n  DB_PASSWORD: {FAKESECRET000: 1}\n",
        "apps:\n  a:\n    ports: {http: FAKESECRET000}\n",
    ] {
        let dir = tree(&[
            ("launch/a.yml", "env: [DB_PASSWORD]\n"),
            ("environments/dev.yml", environment),
        ]);
        for args in [
            &["validate", "-e", "dev"][..],
            &["config", "-e", "dev", "a"],
        ] {
            let (code, _, stderr) = run(&dir, args);
            assert_eq!(code, 3, "{environment}: {stderr}");
            assert!(!stderr.contains("FAKESECRET"), "{environment}: {stderr}");
            assert!(
                stderr.contains("environments/dev.yml:") && stderr.contains("invalid type"),
                "{environment}: {stderr}"
            );
        }
    }
    let dir = tree(&[("launch/a.yml", "env:\n- DB_PASSWORD=FAKESECRET000\n")]);
    let (code, _, stderr) = run(&dir, &["validate", "--strict"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(!stderr.contains("FAKESECRET"), "{stderr}");
    assert!(stderr.contains("launch/a.yml:2"), "{stderr}");

    let dir = tree(&[("launch/a.yml", "env: [DB_PASSWORD]\n")]);
    for set in ["=FAKESECRET000", "a.=FAKESECRET000", "A B=FAKESECRET000"] {
        let (code, _, stderr) = run(&dir, &["config", "-e", "dev", "a", "--set", set]);
        assert_eq!(code, 2, "{set}: {stderr}");
        assert!(!stderr.contains("FAKESECRET"), "{set}: {stderr}");
    }
}

// ---- 11. discovery names that collide; upper-case app names ----

#[test]
fn apps_whose_discovery_names_collide_are_an_error_naming_both_files() {
    let dir = tree(&[
        ("launch/web.yml", "dependencies: [my-app, my_app, my.app]\n"),
        ("launch/my-app.yml", "expose: [{name: http, port: 80}]\n"),
        ("launch/my_app.yml", "expose: [{name: http, port: 81}]\n"),
        ("launch/my.app.yml", "expose: [{name: http, port: 82}]\n"),
    ]);
    let (code, _, stderr) = run(&dir, &["validate"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("apps `my-app` and `my.app` collide: both are SERVICE_MY_APP_* in discovery (launch/my-app.yml, launch/my.app.yml)")
            && stderr.contains("apps `my-app` and `my_app` collide"),
        "{stderr}"
    );
}

#[test]
fn an_upper_case_app_name_is_rejected_with_a_hint() {
    let dir = tree(&[("launch/My-App.yml", "env: []\n")]);
    let (code, _, stderr) = run(&dir, &["validate"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains(
            "launch/My-App.yml: `My-App` is not a usable app name: app names are lower-case"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: rename the file to `my-app.yml`"),
        "{stderr}"
    );
}

// ---- 12. nested defaults; `${}` ----

#[test]
fn nested_defaults_resolve_and_an_empty_reference_is_an_error() {
    let dir = tree(&[
        ("launch/a.yml", "env: [A]\n"),
        (
            "environments/dev.yml",
            "env:\n  A: \"${ARK_TEST_UNSET_1:-${ARK_TEST_UNSET_2:-${ARK_TEST_SET}}}-x\"\n",
        ),
        ("environments/empty.yml", "env:\n  A: \"x ${} y\"\n"),
    ]);
    let (code, stdout, stderr) = output(
        ark()
            .current_dir(dir.path())
            .env("ARK_TEST_SET", "inner")
            .args(["config", "-e", "dev", "a", "-o", "env"]),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("A='inner-x'\n"), "{stdout}");
    let (code, _, stderr) = run(&dir, &["validate", "-e", "empty"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("environments/empty.yml") && stderr.contains("`${}` names no variable"),
        "{stderr}"
    );
}

// ---- 13. duplicate keys inside maps ----

#[test]
fn a_duplicate_key_inside_a_map_is_an_error_at_the_second_key() {
    for (environment, line) in [
        ("env:\n  A: 1\n  B: 2\n  A: 3\n", 4),
        ("apps:\n  a:\n    env: {A: 1}\n  a:\n    env: {A: 2}\n", 4),
        ("apps:\n  a:\n    env:\n      A: 1\n      A: 2\n", 5),
        ("apps:\n  a:\n    ports:\n      http: 1\n      http: 2\n", 5),
    ] {
        let dir = tree(&[
            ("launch/a.yml", "env: [A]\n"),
            ("environments/dev.yml", environment),
        ]);
        let (code, _, stderr) = run(&dir, &["validate", "-e", "dev"]);
        assert_eq!(code, 3, "{environment}: {stderr}");
        assert!(
            stderr.contains(&format!("environments/dev.yml:{line}"))
                && stderr.contains("is there twice"),
            "{environment}: {stderr}"
        );
    }
}
