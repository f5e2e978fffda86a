//! An environment's `registry:` — the HOST:PORT of the registry a multi-node swarm pulls
//! local builds from. It becomes the first part of image names (`HOST:PORT/app`), where a
//! scheme or a path would make a name the engine reads as something else entirely.

/// Why a `registry:` value is not HOST:PORT, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAnAddress {
    /// Reads after the value: "`x` has no port".
    pub why: String,
    pub hint: String,
}

/// Checks that `text` is HOST:PORT: a host name, an IPv4 address or a bracketed IPv6 one,
/// and a port from 1 to 65535.
pub fn check(text: &str) -> Result<(), NotAnAddress> {
    let fail = |why: &str, hint: String| {
        Err(NotAnAddress {
            why: why.to_owned(),
            hint,
        })
    };
    if let Some((scheme, rest)) = text.split_once("://") {
        let rest = rest.trim_end_matches('/');
        return fail(
            "is a URL, not HOST:PORT",
            format!("drop `{scheme}://`: `registry: {rest}`"),
        );
    }
    if let Some((address, _)) = text.split_once('/') {
        return fail(
            "has a path: a registry is HOST:PORT alone",
            format!("write `registry: {address}`"),
        );
    }
    let example = "write HOST:PORT, e.g. `registry: 127.0.0.1:5000`";
    let (host, port) = if let Some(bracketed) = text.strip_prefix('[') {
        let Some((host, port)) = bracketed.split_once("]:") else {
            return fail("has no port", "write `registry: [ADDRESS]:PORT`".into());
        };
        if host.is_empty() || !host.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
            return fail("is not an IPv6 address in brackets", example.into());
        }
        (None, port)
    } else {
        let Some((host, port)) = text.rsplit_once(':') else {
            return fail(
                "has no port",
                format!("write HOST:PORT, e.g. `registry: {text}:5000`"),
            );
        };
        if host.contains(':') {
            return fail(
                "has more than one `:`",
                "an IPv6 address goes in brackets: `registry: [::1]:5000`".into(),
            );
        }
        (Some(host), port)
    };
    if let Some(host) = host {
        let name_like = !host.is_empty()
            && host.split('.').all(|part| {
                !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !name_like {
            return fail("does not start with a host name or address", example.into());
        }
    }
    if !matches!(port.parse::<u16>(), Ok(p) if p > 0) || port.starts_with('+') {
        return fail("does not end in a port from 1 to 65535", example.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port_pass() {
        for good in [
            "127.0.0.1:5000",
            "registry.internal:443",
            "localhost:5000",
            "[::1]:5000",
            "[fd00:1::2]:80",
        ] {
            assert_eq!(check(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn each_mistake_says_what_to_write() {
        let problem = |text: &str| {
            let problem = check(text).unwrap_err();
            (problem.why, problem.hint)
        };
        assert_eq!(
            problem("http://10.0.0.1:5000/"),
            (
                "is a URL, not HOST:PORT".into(),
                "drop `http://`: `registry: 10.0.0.1:5000`".into()
            )
        );
        assert_eq!(
            problem("reg.local"),
            (
                "has no port".into(),
                "write HOST:PORT, e.g. `registry: reg.local:5000`".into()
            )
        );
        assert_eq!(
            problem("10.0.0.1:5000/team").1,
            "write `registry: 10.0.0.1:5000`"
        );
        assert_eq!(problem("::1:5000").0, "has more than one `:`");
        for bad_port in ["h:0", "h:65536", "h:http", "h:", "h:+80"] {
            assert_eq!(
                problem(bad_port).0,
                "does not end in a port from 1 to 65535",
                "{bad_port}"
            );
        }
        for bad_host in [":5000", "a..b:5000", "a b:5000", "a_b:5000"] {
            assert_eq!(
                problem(bad_host).0,
                "does not start with a host name or address",
                "{bad_host}"
            );
        }
        assert_eq!(problem("[::1]").0, "has no port");
        assert_eq!(problem("[zz]:5000").0, "is not an IPv6 address in brackets");
    }
}
