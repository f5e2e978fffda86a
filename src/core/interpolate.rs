//! `${NAME}` in a configured value reads the user's shell variable, as in docker compose:
//! `${NAME:-fallback}` when unset or empty, `$$` for a literal `$`.

/// Replaces every reference; fails naming the first variable that is not set.
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
            let Some(end) = body_and_more.find('}') else {
                return Err(Unset::Unclosed);
            };
            let body = &body_and_more[..end];
            let (name, fallback) = match body.split_once(":-") {
                Some((name, fallback)) => (name, Some(fallback)),
                None => (body, None),
            };
            let value = lookup(name).filter(|v| fallback.is_none() || !v.is_empty());
            match (value, fallback) {
                (Some(value), _) => out.push_str(&value),
                (None, Some(fallback)) => out.push_str(fallback),
                (None, None) => return Err(Unset::Variable(name.to_owned())),
            }
            rest = &body_and_more[end + 1..];
        } else {
            out.push('$');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unset {
    Variable(String),
    Unclosed,
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
    }
}
