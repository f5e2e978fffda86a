//! Fetching secrets from where they live — a provider's CLI, a file, a shell variable —
//! for the commands that need their values (start, plan), before anything is created.
//! Values stay in memory: they go into the specs (and so to the engine) and into the mask
//! for text ark did not write; never to disk, labels or messages.

use crate::core::diagnostic::Diagnostic;
use crate::core::locate::{self, Step};
use crate::core::resolved_env::ResolvedEnv;
use crate::core::secret::{self, Mask, Provider, SecretRef};
use crate::core::spec::AppSpec;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// At most this much of a failed provider's stderr is shown (its end, where the reason is).
const STDERR_SHOWN_LINES: usize = 8;

/// What fetching gave: the mask of every value, and warnings (values too short to mask).
#[derive(Debug, Default)]
pub struct Fetched {
    pub mask: Mask,
    pub warnings: Vec<Diagnostic>,
}

/// Fetches every secret the specs declare, and puts the values in.
pub fn fetch_into_specs(specs: &mut [AppSpec]) -> Result<Fetched, Vec<Diagnostic>> {
    let mut envs: Vec<&mut ResolvedEnv> = specs.iter_mut().map(|s| &mut s.env).collect();
    fetch_into(&mut envs)
}

/// Fetches every secret the apps' variables declare — each distinct provider once, all at
/// once — and puts the values in. Any provider that fails is an error naming the variable,
/// the file and line that declare it, the provider and what it said (masked).
pub fn fetch_into(envs: &mut [&mut ResolvedEnv]) -> Result<Fetched, Vec<Diagnostic>> {
    // Each provider with the first variable that names it, for messages.
    let mut wanted: BTreeMap<Provider, (String, SecretRef)> = BTreeMap::new();
    for env in envs.iter() {
        for (var, secret) in env.secrets() {
            wanted
                .entry(secret.provider.clone())
                .or_insert_with(|| (var.name.clone(), secret.clone()));
        }
    }
    if wanted.is_empty() {
        return Ok(Fetched::default());
    }
    let results: Vec<(Provider, Result<String, Refusal>)> = std::thread::scope(|scope| {
        let running: Vec<_> = wanted
            .iter()
            .map(|(provider, (_, declared))| {
                let base = declared.file.parent().map(Path::to_path_buf);
                (
                    provider.clone(),
                    scope.spawn(move || fetch(provider, base.as_deref())),
                )
            })
            .collect();
        running
            .into_iter()
            .map(|(provider, handle)| {
                let result = handle.join().unwrap_or_else(|_| {
                    Err(Refusal::plain("the provider's reader stopped unexpectedly"))
                });
                (provider, result)
            })
            .collect()
    });
    let values: BTreeMap<Provider, String> = results
        .iter()
        .filter_map(|(p, r)| r.as_ref().ok().map(|v| (p.clone(), v.clone())))
        .collect();
    let mask = Mask::new(values.values());
    let problems: Vec<Diagnostic> = results
        .iter()
        .filter_map(|(provider, result)| {
            let refusal = result.as_ref().err()?;
            let (name, declared) = &wanted[provider];
            Some(refused(name, declared, provider, refusal, &mask))
        })
        .collect();
    if !problems.is_empty() {
        return Err(problems);
    }
    for env in envs.iter_mut() {
        env.fill_secrets(&|provider| values.get(provider).cloned());
    }
    let warnings = wanted
        .iter()
        .filter(|(provider, _)| {
            values
                .get(*provider)
                .is_some_and(|v| secret::too_short_to_mask(v))
        })
        .map(|(_, (name, declared))| {
            Diagnostic::warning(format!(
                "secret {name} is shorter than {} characters: ark does not mask it in logs",
                secret::MASK_MIN_CHARS
            ))
            .in_file(&declared.file)
            .at_position(position_of(declared))
        })
        .collect();
    Ok(Fetched { mask, warnings })
}

/// Why a provider gave no value, and what it said on stderr.
#[derive(Debug)]
struct Refusal {
    why: String,
    stderr: String,
    hint: Option<String>,
}

impl Refusal {
    fn plain(why: impl Into<String>) -> Refusal {
        Refusal {
            why: why.into(),
            stderr: String::new(),
            hint: None,
        }
    }

    fn with_hint(mut self, hint: impl Into<String>) -> Refusal {
        self.hint = Some(hint.into());
        self
    }
}

fn refused(
    name: &str,
    declared: &SecretRef,
    provider: &Provider,
    refusal: &Refusal,
    mask: &Mask,
) -> Diagnostic {
    let what = match provider {
        Provider::Command { argv, .. } => format!("`{}`", shell_words::join(argv)),
        Provider::File(path) => format!("file {path}"),
        Provider::Env(variable) => format!("shell variable {variable}"),
    };
    let mut message = format!("secret {name} ({}): {what} {}", declared.key, refusal.why);
    let said = last_lines(&refusal.stderr);
    if !said.is_empty() {
        message.push_str(":\n");
        message.push_str(&said);
    }
    // The provider's words, and its command line too, may hold another secret's value.
    let message = mask.apply(&message).into_owned();
    let hint = refusal.hint.clone().unwrap_or_else(|| {
        "fix the provider (sign in, grant access) or what this declaration names, then run again".into()
    });
    Diagnostic::error(message)
        .in_file(&declared.file)
        .at_position(position_of(declared))
        .with_hint(hint)
}

fn position_of(declared: &SecretRef) -> Option<(usize, usize)> {
    let parts: Vec<&str> = declared.key.split('.').collect();
    let steps: Vec<Step> = parts.iter().map(|p| Step::Key(p)).collect();
    locate::locate_in_file(&declared.file, &[&steps])
}

fn last_lines(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.trim_end().lines().collect();
    let from = lines.len().saturating_sub(STDERR_SHOWN_LINES);
    lines[from..]
        .iter()
        .map(|l| format!("  {}", l.trim_end()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One provider's value. `base` is the folder of the environment file that declares it
/// (a relative `file:` is relative to it).
fn fetch(provider: &Provider, base: Option<&Path>) -> Result<String, Refusal> {
    match provider {
        Provider::Command { argv, timeout } => run_command(argv, *timeout),
        Provider::File(written) => read_file(&expand(written, base)),
        Provider::Env(variable) => match std::env::var(variable) {
            Ok(value) => Ok(value),
            Err(std::env::VarError::NotPresent) => Err(Refusal::plain("is not set")
                .with_hint(format!("export {variable}=… before running ark"))),
            Err(std::env::VarError::NotUnicode(_)) => Err(Refusal::plain("is not UTF-8 text")),
        },
    }
}

/// `~/…` in the user's home, a relative path beside the environment file.
fn expand(written: &str, base: Option<&Path>) -> PathBuf {
    if let Some(rest) = written.strip_prefix("~/") {
        if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
            return PathBuf::from(home).join(rest);
        }
    }
    let path = PathBuf::from(written);
    match base {
        Some(base) if path.is_relative() => base.join(path),
        _ => path,
    }
}

fn read_file(path: &Path) -> Result<String, Refusal> {
    let shown = path.display();
    let metadata = std::fs::metadata(path).map_err(|e| {
        Refusal::plain(format!("cannot be read: {}", io_reason(&e))).with_hint(format!(
            "put the value in {shown} (chmod 600), or fix `file:`"
        ))
    })?;
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(Refusal::plain(format!(
                "can be read by others than you (mode {mode:03o})"
            ))
            .with_hint(format!("chmod 600 {shown}")));
        }
    }
    let bytes = std::fs::read(path)
        .map_err(|e| Refusal::plain(format!("cannot be read: {}", io_reason(&e))))?;
    let text = String::from_utf8(bytes).map_err(|_| Refusal::plain("is not UTF-8 text"))?;
    Ok(trim_one_newline(text))
}

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => error.to_string(),
    }
}

fn trim_one_newline(mut text: String) -> String {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    text
}

/// Runs a provider's program without a shell, its stdin closed: what it prints on stdout
/// (one trailing newline trimmed) is the value. Killed after `timeout`.
fn run_command(argv: &[String], timeout: Duration) -> Result<String, Refusal> {
    use std::os::unix::process::CommandExt;
    let program = &argv[0];
    let mut command = Command::new(program);
    command
        .args(&argv[1..])
        // Its own process group: a timeout ends whatever it started too (a shell's
        // children would otherwise hold its output open).
        .process_group(0);
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(2) is async-signal-safe and touches only the child being made.
    unsafe {
        // Out of the terminal's process group, Ctrl-C reaches ark alone: the provider
        // goes when ark does, rather than running on.
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                Refusal::plain("cannot run: it is not installed (no such program on PATH)")
                    .with_hint(format!(
                        "install `{program}`, or name its full path in `command:`"
                    ))
            }
            std::io::ErrorKind::PermissionDenied => Refusal::plain("cannot run: permission denied")
                .with_hint(format!("make `{program}` executable")),
            _ => Refusal::plain(format!("cannot run: {e}")),
        })?;
    let pid = child.id();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let out_reader = std::thread::spawn(move || read_all(stdout));
    let err_reader = std::thread::spawn(move || read_all(stderr));
    let (done, finished) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let status = child.wait();
        let _ = done.send(());
        status
    });
    let timed_out = finished.recv_timeout(timeout).is_err();
    if timed_out {
        // SAFETY: kill(2) of the process group our child leads; the waiter has not reaped
        // it (it reaps only once the child ends), so the group is still ours.
        unsafe {
            libc::kill(-(pid as libc::pid_t), libc::SIGKILL);
        }
    }
    let status = waiter.join().ok().and_then(Result::ok);
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    if timed_out {
        return Err(Refusal {
            why: format!("did not finish within {}s", timeout.as_secs_f64()),
            stderr,
            hint: Some("sign in to the provider first, or give it longer with `timeout:` in the declaration".into()),
        });
    }
    match status {
        Some(status) if status.success() => {
            let text = String::from_utf8(stdout)
                .map_err(|_| Refusal::plain("printed a value that is not UTF-8 text"))?;
            Ok(trim_one_newline(text))
        }
        Some(status) => {
            use std::os::unix::process::ExitStatusExt;
            let why = match (status.code(), status.signal()) {
                (Some(code), _) => format!("exited with code {code}"),
                (None, Some(signal)) => format!("was ended by signal {signal}"),
                (None, None) => "failed".into(),
            };
            Err(Refusal {
                why,
                stderr,
                hint: None,
            })
        }
        None => Err(Refusal::plain("could not be waited for")),
    }
}

fn read_all(pipe: Option<impl Read>) -> Vec<u8> {
    let mut bytes = Vec::new();
    if let Some(mut pipe) = pipe {
        let _ = pipe.read_to_end(&mut bytes);
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_with(provider: &Provider, names: &[&str]) -> ResolvedEnv {
        use crate::core::resolved_env::ResolvedVar;
        use crate::core::secret::Delivery;
        ResolvedEnv {
            vars: names
                .iter()
                .map(|name| ResolvedVar {
                    name: (*name).to_owned(),
                    value: None,
                    source: None,
                    from_secret: false,
                    secret: Some(SecretRef {
                        provider: provider.clone(),
                        delivery: Delivery::Env,
                        file: PathBuf::from("envs/dev.yml"),
                        key: format!("secrets.{name}"),
                    }),
                })
                .collect(),
        }
    }

    #[test]
    fn each_distinct_provider_runs_once_and_a_short_value_is_said_to_go_unmasked() {
        let dir = tempfile::tempdir().unwrap();
        let runs = dir.path().join("runs");
        let script = format!("echo run >> '{}'; printf ab", runs.display());
        let shared = Provider::Command {
            argv: vec!["sh".into(), "-c".into(), script],
            timeout: Duration::from_secs(5),
        };
        let (mut api, mut web) = (env_with(&shared, &["A", "B"]), env_with(&shared, &["A"]));
        let fetched = fetch_into(&mut [&mut api, &mut web]).unwrap();
        assert_eq!(std::fs::read_to_string(&runs).unwrap(), "run\n");
        for env in [&api, &web] {
            assert!(env.vars.iter().all(|v| v.value.as_deref() == Some("ab")));
        }
        assert!(fetched.mask.is_empty());
        assert_eq!(fetched.warnings.len(), 1);
        assert_eq!(
            fetched.warnings[0].message,
            "secret A is shorter than 4 characters: ark does not mask it in logs"
        );
    }

    #[test]
    fn one_trailing_newline_is_trimmed() {
        assert_eq!(trim_one_newline("pw\n\n".into()), "pw\n");
        assert_eq!(trim_one_newline("pw\r\n".into()), "pw");
        assert_eq!(trim_one_newline("pw".into()), "pw");
    }

    #[test]
    fn a_path_is_in_home_or_beside_the_environment_file() {
        let base = Path::new("/repo/environments");
        assert_eq!(expand("/etc/x", Some(base)), PathBuf::from("/etc/x"));
        assert_eq!(expand("keys/x", Some(base)), base.join("keys/x"));
        if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
            assert_eq!(expand("~/x", Some(base)), PathBuf::from(home).join("x"));
        }
    }

    #[test]
    fn a_command_gives_its_stdout_and_a_failing_one_its_reason() {
        let ok = |argv: &[&str]| {
            let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
            run_command(&argv, Duration::from_secs(5))
        };
        assert_eq!(
            ok(&["printf", "a 'b' \"c\"\nd\n"]).unwrap(),
            "a 'b' \"c\"\nd"
        );
        let failed = ok(&["sh", "-c", "echo denied >&2; exit 7"]).unwrap_err();
        assert_eq!(
            (failed.why.as_str(), failed.stderr.trim()),
            ("exited with code 7", "denied")
        );
        let missing = ok(&["ark-no-such-provider"]).unwrap_err();
        assert!(missing.why.contains("not installed"), "{missing:?}");
        let argv: Vec<String> = ["sh", "-c", "sleep 5; echo late"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let slow = run_command(&argv, Duration::from_millis(200)).unwrap_err();
        assert_eq!(slow.why, "did not finish within 0.2s");
    }
}
