//! Secrets: variables whose value an environment file does not hold, only says where it
//! lives — a provider's CLI (`command`), a file, or this shell's variable (`env`). The core
//! reads and checks those declarations; fetching a value is I/O, done above the core
//! (`commands::shared::secrets`), and the value is handed back in as data.

use super::duration::parse_duration;
use super::suggest;
use serde_yaml::Value;
use std::path::PathBuf;
use std::time::Duration;

/// Where a secret delivered as a file is put in the container.
pub const SECRETS_DIR: &str = "/run/secrets";
/// How long a provider's command may take when the declaration does not say.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// What a secret's value is replaced with in text ark did not write.
pub const MASK: &str = "****";
/// Values shorter than this are not masked: "abc" would mask every word holding it.
pub const MASK_MIN_CHARS: usize = 4;

/// The keys a declaration may have.
const KEYS: [&str; 5] = ["command", "file", "env", "as", "timeout"];
const PROVIDERS: [&str; 3] = ["command", "file", "env"];

/// Where a value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Provider {
    /// A program and its arguments, run without a shell; its stdout is the value.
    Command {
        argv: Vec<String>,
        timeout: Duration,
    },
    /// A file as written (`~/` is the user's home; relative to the environment file).
    File(String),
    /// A variable of the shell ark runs in.
    Env(String),
}

impl Provider {
    /// What `ark config` shows as the source: the provider's kind and program, file or
    /// variable — never an argument, which may say more than it should.
    pub fn describe(&self) -> String {
        match self {
            Provider::Command { argv, .. } => {
                format!("command {}", argv.first().map_or("", String::as_str))
            }
            Provider::File(path) => format!("file {path}"),
            Provider::Env(name) => format!("env {name}"),
        }
    }
}

/// How the app gets the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delivery {
    /// As the variable itself (production's contract).
    #[default]
    Env,
    /// As `/run/secrets/<NAME>`, with `<NAME>_FILE` holding that path.
    File,
}

/// One variable's secret, as the environment declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    pub provider: Provider,
    pub delivery: Delivery,
    /// The environment file that declares it, and where in it (`secrets.DB_PASSWORD`,
    /// `apps.api.secrets.DB_PASSWORD`), for messages.
    pub file: PathBuf,
    pub key: String,
}

/// The path a file-delivered secret has in the container.
pub fn path_in_container(name: &str) -> String {
    format!("{SECRETS_DIR}/{name}")
}

/// The variable that tells an app where its file-delivered secret is.
pub fn file_variable(name: &str) -> String {
    format!("{name}_FILE")
}

/// What is wrong with a declaration: why, the key under the declaration it is at (none:
/// the declaration itself), and what to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub why: String,
    pub at: Option<&'static str>,
    pub hint: String,
}

/// Reads one declaration (`{command: [op, read, …]}`, `{file: …, as: file}`, …).
pub fn parse(written: &Value) -> Result<(Provider, Delivery), Problem> {
    let problem = |why: String, at: Option<&'static str>, hint: &str| Problem {
        why,
        at,
        hint: hint.to_owned(),
    };
    let Value::Mapping(map) = written else {
        return Err(problem(
            "is not a map saying where the value comes from".into(),
            None,
            "write `{command: [op, read, \"op://vault/item/field\"]}`, `{file: ~/.config/ark/secrets/NAME}` or `{env: SHELL_VARIABLE}`",
        ));
    };
    let mut keys = Vec::new();
    for key in map.keys() {
        let Some(key) = key.as_str() else {
            return Err(problem(
                "has a key that is not text".into(),
                None,
                "keys are command, file, env, as and timeout",
            ));
        };
        if !KEYS.contains(&key) {
            let hint = suggest::did_you_mean(key, KEYS.iter().copied())
                .unwrap_or_else(|| "keys are command, file, env, as and timeout".into());
            return Err(Problem {
                why: format!("has an unknown key `{}`", key.escape_debug()),
                at: None,
                hint,
            });
        }
        keys.push(key);
    }
    let given: Vec<&str> = PROVIDERS
        .iter()
        .copied()
        .filter(|p| keys.contains(p))
        .collect();
    let provider = match given.as_slice() {
        [] => {
            return Err(problem(
                "says neither `command`, `file` nor `env`".into(),
                None,
                "say where the value comes from: `command: [PROGRAM, ARG…]`, `file: PATH` or `env: SHELL_VARIABLE`",
            ))
        }
        [one] => *one,
        _ => {
            return Err(problem(
                format!("says both `{}` and `{}`", given[0], given[1]),
                None,
                "a value comes from one place: keep one of them",
            ))
        }
    };
    let field = |key: &str| map.get(Value::String(key.to_owned()));
    let provider = match provider {
        "command" => {
            let argv = command_argv(field("command"))?;
            let timeout = match field("timeout") {
                None => DEFAULT_TIMEOUT,
                Some(written) => timeout_of(written)?,
            };
            Provider::Command { argv, timeout }
        }
        "file" => Provider::File(text_of(
            field("file"),
            "file",
            "a path: `file: ~/.config/ark/secrets/api-token`",
        )?),
        _ => {
            let name = text_of(
                field("env"),
                "env",
                "the name of a variable of your shell: `env: STRIPE_TEST_KEY`",
            )?;
            if let Err(why) = super::variable_name::check(&name) {
                return Err(problem(
                    why,
                    Some("env"),
                    "name a variable of your shell: `env: STRIPE_TEST_KEY`",
                ));
            }
            Provider::Env(name)
        }
    };
    if provider_kind(&provider) != "command" && field("timeout").is_some() {
        return Err(problem(
            "has a `timeout`, which only a `command` takes".into(),
            Some("timeout"),
            "remove `timeout:`",
        ));
    }
    let delivery = match field("as") {
        None => Delivery::Env,
        Some(Value::String(text)) if text == "env" => Delivery::Env,
        Some(Value::String(text)) if text == "file" => Delivery::File,
        Some(_) => {
            return Err(problem(
                "as: is neither `env` nor `file`".into(),
                Some("as"),
                "write `as: file` to get the value as /run/secrets/NAME, or leave `as:` out for a variable",
            ))
        }
    };
    Ok((provider, delivery))
}

fn provider_kind(provider: &Provider) -> &'static str {
    match provider {
        Provider::Command { .. } => "command",
        Provider::File(_) => "file",
        Provider::Env(_) => "env",
    }
}

fn command_argv(written: Option<&Value>) -> Result<Vec<String>, Problem> {
    let hint = "write the program and its arguments as a list, run without a shell: `command: [op, read, \"op://dev/db/password\"]`";
    let wrong = |why: &str| Problem {
        why: why.to_owned(),
        at: Some("command"),
        hint: hint.to_owned(),
    };
    let Some(Value::Sequence(items)) = written else {
        return Err(wrong(
            "command: is not a list (a program and its arguments)",
        ));
    };
    let argv: Option<Vec<String>> = items.iter().map(scalar_text).collect();
    match argv {
        None => Err(wrong("command: holds something that is not text")),
        Some(argv) if argv.first().is_none_or(|p| p.trim().is_empty()) => {
            Err(wrong("command: names no program"))
        }
        Some(argv) => Ok(argv),
    }
}

fn timeout_of(written: &Value) -> Result<Duration, Problem> {
    let text = scalar_text(written).unwrap_or_default();
    match parse_duration(&text) {
        Ok(timeout) if !timeout.is_zero() => Ok(timeout),
        _ => Err(Problem {
            why: format!("timeout: `{}` is not a duration", text.escape_debug()),
            at: Some("timeout"),
            hint: "write `timeout: 30s` (or 500ms, 2m)".into(),
        }),
    }
}

fn text_of(written: Option<&Value>, key: &'static str, hint: &str) -> Result<String, Problem> {
    match written.and_then(scalar_text) {
        Some(text) if !text.trim().is_empty() => Ok(text),
        _ => Err(Problem {
            why: format!("{key}: is empty or not text"),
            at: Some(key),
            hint: format!("write {hint}"),
        }),
    }
}

/// Text, a number or a flag as text (`[vault, kv, get, -version=2]` may hold numbers).
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Replaces every secret value in text ark did not write (logs, build output) with
/// `****`. Values shorter than `MASK_MIN_CHARS` are left: masking them would hide common
/// words. A value of several lines is masked whole, and so is each of its lines, since
/// logs arrive a line at a time.
#[derive(Debug, Clone, Default)]
pub struct Mask {
    /// Longest first, so a value holding another is masked whole.
    values: Vec<String>,
}

impl Mask {
    pub fn new<I, S>(values: I) -> Mask
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut kept: Vec<String> = Vec::new();
        for value in values {
            let value = value.as_ref();
            let pieces =
                std::iter::once(value).chain(value.lines().filter(|_| value.contains('\n')));
            for piece in pieces {
                let piece = piece.trim_end_matches('\r');
                if piece.chars().count() >= MASK_MIN_CHARS && !kept.iter().any(|k| k == piece) {
                    kept.push(piece.to_owned());
                }
            }
        }
        kept.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        Mask { values: kept }
    }

    /// This mask and `more` values.
    pub fn with<I, S>(&self, more: I) -> Mask
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let more: Vec<String> = more.into_iter().map(|v| v.as_ref().to_owned()).collect();
        Mask::new(self.values.iter().cloned().chain(more))
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn apply<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        if !self.values.iter().any(|v| text.contains(v.as_str())) {
            return std::borrow::Cow::Borrowed(text);
        }
        let mut masked = text.to_owned();
        for value in &self.values {
            if masked.contains(value.as_str()) {
                masked = masked.replace(value.as_str(), MASK);
            }
        }
        std::borrow::Cow::Owned(masked)
    }
}

/// Values too short to be masked, for a warning that says so.
pub fn too_short_to_mask(value: &str) -> bool {
    value.chars().count() < MASK_MIN_CHARS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<(Provider, Delivery), Problem> {
        parse(&serde_yaml::from_str(text).unwrap())
    }

    #[test]
    fn each_provider_kind_is_read_with_its_delivery() {
        assert_eq!(
            parsed("{command: [op, read, \"op://dev/db/password\"]}").unwrap(),
            (
                Provider::Command {
                    argv: vec!["op".into(), "read".into(), "op://dev/db/password".into()],
                    timeout: DEFAULT_TIMEOUT
                },
                Delivery::Env
            )
        );
        assert_eq!(
            parsed("{command: [vault, kv, get, -version=2], timeout: 30s, as: file}").unwrap(),
            (
                Provider::Command {
                    argv: vec![
                        "vault".into(),
                        "kv".into(),
                        "get".into(),
                        "-version=2".into()
                    ],
                    timeout: Duration::from_secs(30)
                },
                Delivery::File
            )
        );
        assert_eq!(
            parsed("{file: ~/.config/ark/secrets/api-token}").unwrap().0,
            Provider::File("~/.config/ark/secrets/api-token".into())
        );
        assert_eq!(
            parsed("{env: STRIPE_TEST_KEY, as: env}").unwrap(),
            (Provider::Env("STRIPE_TEST_KEY".into()), Delivery::Env)
        );
        assert_eq!(
            parsed("{command: [op, read, x]}").unwrap().0.describe(),
            "command op"
        );
    }

    #[test]
    fn every_mistake_says_what_to_write() {
        let cases = [
            (
                "op read x",
                "is not a map saying where the value comes from",
                None,
            ),
            ("{comand: [op]}", "has an unknown key `comand`", None),
            (
                "{as: file}",
                "says neither `command`, `file` nor `env`",
                None,
            ),
            ("{file: a, env: B}", "says both `file` and `env`", None),
            (
                "{command: op read x}",
                "command: is not a list (a program and its arguments)",
                Some("command"),
            ),
            (
                "{command: []}",
                "command: names no program",
                Some("command"),
            ),
            (
                "{command: [op, [x]]}",
                "command: holds something that is not text",
                Some("command"),
            ),
            (
                "{command: [op], timeout: soon}",
                "timeout: `soon` is not a duration",
                Some("timeout"),
            ),
            (
                "{file: a, timeout: 3s}",
                "has a `timeout`, which only a `command` takes",
                Some("timeout"),
            ),
            ("{file: ''}", "file: is empty or not text", Some("file")),
            ("{env: 1BAD}", "", Some("env")),
            (
                "{env: A, as: disk}",
                "as: is neither `env` nor `file`",
                Some("as"),
            ),
        ];
        for (text, why, at) in cases {
            let problem = parsed(text).unwrap_err();
            if !why.is_empty() {
                assert_eq!(problem.why, why, "{text}");
            }
            assert_eq!(problem.at, at, "{text}");
            assert!(!problem.hint.is_empty(), "{text}");
        }
        assert_eq!(
            parsed("{comand: [op]}").unwrap_err().hint,
            "did you mean `command`?"
        );
    }

    #[test]
    fn a_mask_hides_every_value_long_enough_and_each_line_of_a_long_one() {
        let mask = Mask::new(["s3cr3t-pw", "abc", "line-one\nline-two", "s3cr3t"]);
        assert_eq!(
            mask.apply("pw=s3cr3t-pw short=abc s3cr3t"),
            "pw=**** short=abc ****"
        );
        assert_eq!(mask.apply("got line-two"), "got ****");
        assert_eq!(mask.apply("key=line-one\nline-two!"), "key=****!");
        assert!(matches!(
            mask.apply("nothing here"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert!(Mask::new(["ab"]).is_empty());
        assert!(too_short_to_mask("abc") && !too_short_to_mask("abcd"));
    }
}
