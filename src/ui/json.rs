//! JSON shapes shared by several commands. These are contracts: extend, never rename.

use crate::core::diagnostic::Diagnostic;
use crate::core::resolved_env::ResolvedVar;
use serde_json::{json, Value};

/// `{"severity", "file", "line", "column", "message", "hint"}`.
pub fn diagnostic(d: &Diagnostic) -> Value {
    json!({
        "severity": if d.is_error() { "error" } else { "warning" },
        "file": d.file.as_ref().map(|f| f.display().to_string()),
        "line": d.line,
        "column": d.column,
        "message": d.message,
        "hint": d.hint,
    })
}

/// `{"name", "value", "source"}`; secret-looking values redacted unless `show_secrets`.
pub fn variable(var: &ResolvedVar, show_secrets: bool) -> Value {
    json!({
        "name": var.name,
        "value": shown_value(var, show_secrets),
        "source": var.source.as_ref().map(ToString::to_string),
    })
}

pub const REDACTED: &str = "<redacted>";
/// What a value from a secret provider is shown as, fetched or not, unless
/// `--reveal-secrets`.
pub const SECRET: &str = "<secret>";

/// The value as it may be shown: `<redacted>` for secrets unless asked, `<secret>` for a
/// value from a provider (even when asked: only `ark config --reveal-secrets` fetches and
/// shows those, through `revealed_value`).
pub fn shown_value(var: &ResolvedVar, show_secrets: bool) -> Option<String> {
    if var.secret.is_some() {
        return Some(SECRET.to_owned());
    }
    var.value.as_ref().map(|v| {
        if var.is_secret() && !show_secrets {
            REDACTED.to_owned()
        } else {
            v.clone()
        }
    })
}

pub fn to_pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}
