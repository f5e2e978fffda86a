//! Completion, through each shell's own machinery: the checked-in scripts are sourced (or
//! autoloaded) by bash, zsh and fish, which then ask `ark` on PATH for candidates. Also: the
//! checked-in scripts are what `ark completions SHELL` prints.

mod common;
use assert_cmd::Command;
use common::engine::{engine_available, http_app, TestEnv};
use common::{ark, output, repo, tree};
use std::path::Path;
use std::time::Duration;

#[test]
fn checked_in_completions_are_current() {
    for (shell, file) in [("bash", "ark.bash"), ("zsh", "_ark"), ("fish", "ark.fish")] {
        let (code, generated, _) = output(ark().args(["completions", shell]));
        assert_eq!(code, 0);
        let checked_in =
            std::fs::read_to_string(repo().join("completions").join(file)).unwrap_or_default();
        assert!(
            generated == checked_in,
            "completions/{file} is stale: run scripts/gen-completions.sh and commit the result"
        );
    }
}

#[test]
fn every_shell_gets_a_script_that_asks_ark() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, script, _) = output(ark().args(["completions", shell]));
        assert_eq!(code, 0, "{shell}");
        assert!(script.contains("ARK_COMPLETE"), "{shell}: {script}");
        let (code, asked, _) = output(ark().env("ARK_COMPLETE", shell));
        assert_eq!((code, asked), (0, script), "ARK_COMPLETE={shell} ark");
    }
}

/// A laptop's folders: a catalog (one broken definition, one production resource file),
/// two environment files, a second apps folder and a docker config with one context.
fn laptop() -> tempfile::TempDir {
    tree(&[
        ("launch/api.yml", "env: []\n"),
        ("launch/web.yml", "dependencies: [api]\n"),
        ("launch/worker.yml", "env: []\n"),
        ("launch/broken.yml", "dependencies: nope\n"),
        ("launch/queue.yml", "type: sqs\n"),
        ("environments/dev.yml", "apps: {}\n"),
        ("environments/qa.yml", "apps: {}\n"),
        ("other/billing.yml", "env: []\n"),
        (
            "docker/contexts/meta/9f86d081/meta.json",
            r#"{"Name":"remote","Endpoints":{"docker":{"Host":"tcp://10.0.0.5:2375"}}}"#,
        ),
        ("broken-config.yml", "apps: [\n"),
    ])
}

/// A shell process as a user's would run: ark on PATH, no engine unless `engine`, nothing of
/// this machine's ark or docker settings, HOME in the scratch folder.
fn shell(program: &str, dir: &Path, engine: bool) -> Command {
    let ark_dir = assert_cmd::cargo::cargo_bin("ark")
        .parent()
        .expect("ark's folder")
        .to_path_buf();
    let path = format!(
        "{}:{}",
        ark_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = Command::new(program);
    for var in common::USER_VARS
        .iter()
        .chain(&["ARK_COMPLETE", "ARK_COMPLETE_ENGINE_TIMEOUT"])
    {
        command.env_remove(var);
    }
    command
        .current_dir(dir)
        .env("PATH", path)
        .env("HOME", dir.join("home"))
        .env("XDG_CONFIG_HOME", dir.join("home/.config"))
        .env("XDG_DATA_HOME", dir.join("home/.local/share"))
        .env("ARK_CONFIG", "/nonexistent/ark-config.yml")
        .env("DOCKER_CONFIG", dir.join("docker"))
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(60));
    if engine {
        // A loaded test machine's engine may take longer than the 300 ms a Tab waits.
        command.env("ARK_COMPLETE_ENGINE_TIMEOUT", "30s");
    } else {
        command.env("DOCKER_HOST", "unix:///nonexistent/ark-tests-offline.sock");
    }
    command
}

/// Runs `command`; its stdout, after checking it succeeded and printed nothing on stderr
/// (a completion must never write into the user's terminal).
fn answer(command: &mut Command, line: &str) -> String {
    let (code, stdout, stderr) = output(command);
    assert_eq!(code, 0, "{line:?}: {stderr}");
    assert_eq!(stderr, "", "{line:?} printed on stderr");
    stdout
}

/// The words of `line` as bash splits them (COMP_WORDBREAKS makes `--apps=x` three words);
/// a trailing space starts an empty word.
fn words(line: &str) -> Vec<String> {
    let mut words: Vec<String> = line
        .replace('=', " = ")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if line.ends_with(' ') {
        words.push(String::new());
    }
    words
}

/// bash: source the script, find the function `complete -p ark` names, call it as readline
/// would (COMP_WORDS/COMP_CWORD set, `$2` the current word), read COMPREPLY.
fn bash(dir: &Path, line: &str, vars: &[(&str, &str)]) -> Vec<String> {
    bash_with(dir, line, vars, false)
}

/// `bash`, with the engine of this machine reachable when `engine`.
fn bash_with(dir: &Path, line: &str, vars: &[(&str, &str)], engine: bool) -> Vec<String> {
    let script = r#"
source "$ARK_TEST_SCRIPT"
spec=$(complete -p ark) || exit 9
function=$(sed -E 's/.* -F ([^ ]+) .*/\1/' <<<"$spec")
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
COMP_TYPE=9
"$function" ark "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"#;
    let mut command = shell("bash", dir, engine);
    command
        .args(["--norc", "--noprofile", "-c", script, "bash"])
        .args(words(line))
        .env("ARK_TEST_SCRIPT", repo().join("completions/ark.bash"));
    for (name, value) in vars {
        command.env(name, value);
    }
    lines(&answer(&mut command, line))
}

/// fish: autoload the script from a completions folder and ask `complete -C`.
fn fish(dir: &Path, line: &str, vars: &[(&str, &str)]) -> Vec<String> {
    let script = format!(
        "set fish_complete_path {} $fish_complete_path; complete -C {}",
        shell_quote(&repo().join("completions").display().to_string()),
        shell_quote(line)
    );
    let mut command = shell("fish", dir, false);
    command.args(["--no-config", "-c", &script]);
    for (name, value) in vars {
        command.env(name, value);
    }
    // `value<Tab>description`: the value is what gets inserted.
    lines(&answer(&mut command, line))
        .into_iter()
        .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
        .collect()
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Both shells offer exactly `expected` for `line`.
fn offers(dir: &Path, line: &str, expected: &[&str]) {
    assert_eq!(bash(dir, line, &[]), expected, "bash: {line:?}");
    assert_eq!(fish(dir, line, &[]), expected, "fish: {line:?}");
}

#[test]
fn environments_complete_after_dash_e() {
    let dir = laptop();
    for command in ["start", "down", "status", "logs", "plan", "validate"] {
        offers(dir.path(), &format!("ark {command} -e "), &["dev", "qa"]);
    }
    offers(dir.path(), "ark start --environment q", &["qa"]);
}

#[test]
fn apps_of_the_catalog_complete_where_an_app_goes() {
    let dir = laptop();
    let all = ["api", "broken", "web", "worker"];
    for line in [
        "ark start -e dev ",
        "ark start -e dev api ",
        "ark plan -e dev ",
        "ark config -e dev ",
        "ark deps ",
        "ark start -e dev -l ",
    ] {
        offers(dir.path(), line, &all);
    }
    offers(dir.path(), "ark start -e dev w", &["web", "worker"]);
}

#[test]
fn without_an_engine_an_environments_apps_are_the_catalogs() {
    let dir = laptop();
    for command in ["logs", "metrics", "stop", "restart", "exec"] {
        offers(
            dir.path(),
            &format!("ark {command} -e dev "),
            &["api", "broken", "web", "worker"],
        );
    }
}

#[test]
fn an_engine_that_never_answers_leaves_the_names_on_disk() {
    // It accepts connections and says nothing: the Tab gives up on it at its deadline.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = format!("tcp://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().collect();
        drop(held);
    });
    let dir = laptop();
    let silent = [("DOCKER_HOST", host.as_str())];
    assert_eq!(bash(dir.path(), "ark start -e ", &silent), ["dev", "qa"]);
    assert_eq!(
        fish(dir.path(), "ark logs -e dev ", &silent),
        ["api", "broken", "web", "worker"]
    );
}

#[test]
fn the_users_apps_folders_are_honoured() {
    let dir = laptop();
    offers(dir.path(), "ark --apps other start -e dev ", &["billing"]);
    offers(dir.path(), "ark start -e dev --apps=other ", &["billing"]);
    let from_env = [("ARK_APPS", "other")];
    assert_eq!(
        bash(dir.path(), "ark start -e dev ", &from_env),
        ["billing"]
    );
    assert_eq!(
        fish(dir.path(), "ark start -e dev ", &from_env),
        ["billing"]
    );
    let config = dir.path().join("config.yml");
    std::fs::write(&config, "apps: [other]\nenvironments: launch\n").unwrap();
    let from_config = [("ARK_CONFIG", config.to_str().unwrap())];
    assert_eq!(fish(dir.path(), "ark deps ", &from_config), ["billing"]);
    // The config's `environments:` folder holds api.yml, web.yml, …: those are the names.
    assert_eq!(
        fish(dir.path(), "ark down -e w", &from_config),
        ["web", "worker"]
    );
}

#[test]
fn a_broken_config_or_a_verbose_flag_prints_nothing_but_names() {
    let dir = laptop();
    let broken = dir.path().join("broken-config.yml");
    let vars = [("ARK_CONFIG", broken.to_str().unwrap())];
    assert_eq!(bash(dir.path(), "ark start -e ", &vars), ["dev", "qa"]);
    assert_eq!(fish(dir.path(), "ark -v logs -e dev a", &vars), ["api"]);
    // A folder that does not exist has no apps, quietly: the flags are what there is.
    let offered = bash(dir.path(), "ark --apps nowhere start -e dev ", &[]);
    assert!(offered.iter().all(|o| o.starts_with('-')), "{offered:?}");
}

#[test]
fn docker_contexts_complete_after_context() {
    let dir = laptop();
    offers(dir.path(), "ark --context ", &["default", "remote"]);
    offers(dir.path(), "ark status --context r", &["remote"]);
}

#[test]
fn engine_kinds_complete_after_engine() {
    let dir = laptop();
    offers(dir.path(), "ark --engine ", &["docker", "swarm"]);
    offers(dir.path(), "ark start -e dev --engine s", &["swarm"]);
    offers(dir.path(), "ark status --eng", &["--engine"]);
}

#[test]
fn commands_and_flags_still_complete() {
    let dir = laptop();
    offers(dir.path(), "ark star", &["start"]);
    offers(dir.path(), "ark start --dr", &["--dry-run"]);
    offers(dir.path(), "ark logs --fol", &["--follow"]);
    // With no names to offer, the flags are what there is.
    assert!(fish(dir.path(), "ark envs ", &[]).contains(&"--output".to_owned()));
}

/// zsh: an interactive zsh in a pty (zsh's own zpty) autoloads `_ark` from $fpath after
/// compinit. Types `line` and `tabs` Tabs, and returns the screen's text once it shows `last`.
fn zsh_screen(dir: &Path, line: &str, tabs: usize, last: &str) -> String {
    let fpath = repo().join("completions");
    let driver = format!(
        r#"
zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z "PS1='%% '; fpath=({fpath} \$fpath); autoload -Uz compinit; compinit -u -D; echo READY"
zpty -r z out '*READY*'
zpty -r z out '*READY*'
zpty -w -n z {typed}{tabs}
zpty -r z out '*{last}*'
print -r -- "$out"
zpty -d z
"#,
        fpath = fpath.display(),
        typed = shell_quote(line),
        tabs = "$'\\t'".repeat(tabs),
    );
    answer(shell("zsh", dir, false).args(["-f", "-c", &driver]), line)
}

#[test]
fn zsh_lists_names_through_compinit() {
    let dir = laptop();
    let listing = zsh_screen(dir.path(), "ark start -e ", 2, "qa");
    assert!(
        listing.contains("dev") && listing.contains("qa"),
        "{listing}"
    );
    let listing = zsh_screen(dir.path(), "ark start -e dev ", 2, "worker");
    for app in ["api", "broken", "web", "worker"] {
        assert!(listing.contains(app), "{app}: {listing}");
    }
    assert!(!listing.contains("queue"), "{listing}");
}

#[test]
fn zsh_completes_on_the_first_tab() {
    // The first Tab autoloads `_ark`; it must complete then, not only from the next Tab on
    // (until `worker` shows, the test waits, and fails at the timeout).
    let dir = laptop();
    let screen = zsh_screen(dir.path(), "ark start -e dev wo", 1, "worker");
    assert!(screen.contains("ark start -e dev worker"), "{screen}");
}

#[test]
fn a_running_environment_completes_from_the_engine() {
    if !engine_available() {
        return;
    }
    let env = TestEnv::new("complete", &[("pinned", &http_app("http", &[], ""))]);
    let (code, _, stderr) = env.run(&["start", "pinned", "--progress", "plain"]);
    assert_eq!(code, 0, "{stderr}");
    let dir = env.dir.path();
    std::fs::create_dir_all(dir.join("other")).unwrap();
    std::fs::write(dir.join("other/billing.yml"), "env: []\n").unwrap();

    // No file defines the environment: the engine says it runs.
    let environments = bash_with(dir, "ark --environments environments start -e ", &[], true);
    assert!(environments.contains(&env.name), "{environments:?}");
    // Its apps are those on the engine, not the catalog's (`other` has only billing).
    let line = format!("ark --apps other logs -e {} ", env.name);
    assert_eq!(bash_with(dir, &line, &[], true), ["pinned"]);
    // Starting more apps offers the catalog.
    let line = format!("ark --apps other start -e {} ", env.name);
    assert_eq!(bash_with(dir, &line, &[], true), ["billing"]);
}
