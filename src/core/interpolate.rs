//! `${NAME}` in a configured value reads the user's shell variable, as in docker compose:
//! `${NAME:-fallback}` when unset or empty, `${NAME-fallback}` when unset, `$$` for a literal
//! `$`; a fallback may itself hold references.

/// Replaces every reference; fails naming the first variable that is not set. A default may
/// hold references itself (`${A:-${B:-x}}`), read only when the default is used.
pub fn interpolate(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, Unset> {
    if !text.contains('$') {
        return Ok(text.to_owned());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("$$") {
            out.push('$');
            rest = after;
        } else if let Some(body_and_more) = rest.strip_prefix("${") {
            let end = closing_brace(body_and_more).ok_or(Unset::Unclosed)?;
            out.push_str(&reference(&body_and_more[..end], lookup)?);
            rest = &body_and_more[end + 1..];
        } else {
            out.push('$');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The index of the `}` that closes a `${` whose body starts `text`, past nested `${…}` and
/// `$$` (compose's rule).
fn closing_brace(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'$') => i += 1,
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

/// One `${…}` body: `NAME`, `NAME:-default` (unset or empty) or `NAME-default` (unset).
fn reference(body: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, Unset> {
    let name_end = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(body.len());
    let (name, operator) = body.split_at(name_end);
    if name.is_empty() {
        return Err(if body.is_empty() {
            Unset::Empty
        } else {
            Unset::Malformed
        });
    }
    if super::variable_name::check(name).is_err() {
        return Err(Unset::Malformed);
    }
    let (fallback, empty_counts) = if operator.is_empty() {
        (None, false)
    } else if let Some(fallback) = operator.strip_prefix(":-") {
        (Some(fallback), true)
    } else if let Some(fallback) = operator.strip_prefix('-') {
        (Some(fallback), false)
    } else {
        return Err(Unset::Malformed);
    };
    let value = lookup(name).filter(|v| !(empty_counts && v.is_empty()));
    match (value, fallback) {
        (Some(value), _) => Ok(value),
        (None, Some(fallback)) => interpolate(fallback, lookup),
        (None, None) => Err(Unset::Variable(name.to_owned())),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unset {
    Variable(String),
    Unclosed,
    /// `${}`.
    Empty,
    /// A `${…}` that is not `${NAME}`, `${NAME:-default}` or `${NAME-default}`.
    Malformed,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(name: &str) -> Option<String> {
        match name {
            "USER" => Some("ada".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn replaces_references() {
        for (text, expected) in [
            ("plain", "plain"),
            ("${USER}", "ada"),
            ("db-${USER}.internal", "db-ada.internal"),
            ("${MISSING:-fallback}", "fallback"),
            ("${EMPTY:-fallback}", "fallback"),
            ("${EMPTY}", ""),
            ("cost $$5", "cost $5"),
            ("$USER stays", "$USER stays"),
            ("${MISSING:-${USER}}", "ada"),
            ("${MISSING:-${OTHER:-${USER}-x}}/y", "ada-x/y"),
            ("${USER:-${MISSING}}", "ada"),
            ("${EMPTY-unset only}", ""),
            ("${MISSING-unset only}", "unset only"),
            ("${MISSING:-a $$ and {braces}}", "a $ and {braces}"),
            ("${MISSING:-}", ""),
        ] {
            assert_eq!(interpolate(text, &shell).unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn an_unset_variable_is_named() {
        assert_eq!(
            interpolate("x ${API_TOKEN} y", &shell),
            Err(Unset::Variable("API_TOKEN".into()))
        );
        assert_eq!(interpolate("${OOPS", &shell), Err(Unset::Unclosed));
        assert_eq!(interpolate("${A:-${B}", &shell), Err(Unset::Unclosed));
        assert_eq!(
            interpolate("${MISSING:-${ALSO_MISSING}}", &shell),
            Err(Unset::Variable("ALSO_MISSING".into()))
        );
    }

    #[test]
    fn a_reference_that_names_no_variable_is_a_syntax_error() {
        assert_eq!(interpolate("x ${} y", &shell), Err(Unset::Empty));
        for text in [
            "${A B}",
            "${:-x}",
            "${1A}",
            "${A:?err}",
            "${A+x}",
            "${$(id)}",
        ] {
            assert_eq!(interpolate(text, &shell), Err(Unset::Malformed), "{text}");
        }
    }
}
