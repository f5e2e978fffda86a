//! The external images a Dockerfile builds on, read from its text alone (pure): what
//! `docker build` would pull. Knowing them before any build starts lets ark say once that
//! an image is missing, instead of letting every build that needs it fail on its own.
//!
//! Read: `FROM [--platform=…] image [AS stage]`, later `FROM stage`, `COPY --from=image`,
//! `scratch`, line continuations, comments, the `escape` parser directive, and global
//! `ARG NAME=default` substituted into `FROM` (`$NAME`, `${NAME}`, `${NAME:-default}`).
//! An image whose name needs an ARG without a default is left out: ark passes no build
//! args, so the build reports it better than a guess could.

use std::collections::BTreeSet;

/// The external images `text` needs, in the order they first appear, each once.
pub fn base_images(text: &str) -> Vec<String> {
    let mut stages = BTreeSet::<String>::new();
    let mut globals = Vec::<(String, Option<String>)>::new();
    let mut seen_from = false;
    let mut images = Vec::<String>::new();
    let mut add = |image: String, stages: &BTreeSet<String>| {
        let external = !image.eq_ignore_ascii_case("scratch")
            && !stages.contains(&image.to_ascii_lowercase())
            && !images.contains(&image);
        if external {
            images.push(image);
        }
    };
    for instruction in instructions(text) {
        let mut words = instruction.split_whitespace();
        let Some(keyword) = words.next() else {
            continue;
        };
        let rest: Vec<&str> = words.collect();
        match keyword.to_ascii_uppercase().as_str() {
            "ARG" if !seen_from => globals.extend(rest.iter().map(|word| arg(word))),
            "FROM" => {
                seen_from = true;
                let mut operands = rest.iter().filter(|w| !w.starts_with("--"));
                let Some(image) = operands.next() else {
                    continue;
                };
                let stage = match (operands.next(), operands.next()) {
                    (Some(as_), Some(name)) if as_.eq_ignore_ascii_case("as") => {
                        Some(name.to_ascii_lowercase())
                    }
                    _ => None,
                };
                if let Some(image) = substitute(image, &globals) {
                    add(image, &stages);
                }
                // Named after its image is read: `FROM base AS base` names the external one.
                stages.extend(stage);
            }
            "COPY" => {
                let from = rest.iter().find_map(|w| {
                    let (flag, value) = w.split_once('=')?;
                    flag.eq_ignore_ascii_case("--from").then_some(value)
                });
                // `--from=0` is a stage by index.
                if let Some(from) = from.filter(|f| f.parse::<usize>().is_err()) {
                    add(from.to_owned(), &stages);
                }
            }
            _ => {}
        }
    }
    images
}

/// `busybox` → `busybox:latest`, `docker.io/library/busybox` → `busybox:latest`: one
/// spelling per image, to group apps by the image they need and to compare names.
pub fn canonical(reference: &str) -> String {
    let short = ["docker.io/library/", "index.docker.io/library/", "library/"]
        .iter()
        .find_map(|prefix| reference.strip_prefix(prefix))
        .or_else(|| reference.strip_prefix("docker.io/"))
        .unwrap_or(reference);
    let last = short.rsplit('/').next().unwrap_or(short);
    if short.contains('@') || last.contains(':') {
        short.to_owned()
    } else {
        format!("{short}:latest")
    }
}

/// The instructions of a Dockerfile, one string each: comments dropped, continued lines
/// joined.
fn instructions(text: &str) -> Vec<String> {
    let escape = escape_char(text);
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            continue;
        }
        match trimmed.strip_suffix(escape) {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                if !current.trim().is_empty() {
                    out.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

/// The line-continuation character: `\`, or what a leading `# escape=` directive says.
fn escape_char(text: &str) -> char {
    for line in text.lines() {
        let Some(directive) = line.trim().strip_prefix('#') else {
            break;
        };
        if let Some((key, value)) = directive.split_once('=') {
            if key.trim().eq_ignore_ascii_case("escape") {
                return value.trim().chars().next().unwrap_or('\\');
            }
        }
    }
    '\\'
}

/// `NAME=value` (quotes dropped) or `NAME` (no default).
fn arg(word: &str) -> (String, Option<String>) {
    match word.split_once('=') {
        Some((name, value)) => (name.to_owned(), Some(unquote(value).to_owned())),
        None => (word.to_owned(), None),
    }
}

fn unquote(value: &str) -> &str {
    ["\"", "'"]
        .iter()
        .find_map(|q| value.strip_prefix(q)?.strip_suffix(q))
        .unwrap_or(value)
}

/// `image` with the global ARGs' defaults put in; `None` when one has no value.
fn substitute(image: &str, globals: &[(String, Option<String>)]) -> Option<String> {
    let value_of = |name: &str| {
        globals
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.clone())
    };
    let mut out = String::new();
    let mut rest = unquote(image);
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        if let Some(braced) = rest.strip_prefix('{') {
            let end = braced.find('}')?;
            let expression = &braced[..end];
            rest = &braced[end + 1..];
            let value = match expression.split_once(":-") {
                Some((name, default)) => value_of(name)
                    .filter(|v| !v.is_empty())
                    .unwrap_or_else(|| default.to_owned()),
                None => value_of(expression)?,
            };
            out.push_str(&value);
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            out.push_str(&value_of(&rest[..end])?);
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    Some(out).filter(|image| !image.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_external_images_of_a_dockerfile_are_found() {
        let cases: &[(&str, &[&str])] = &[
            ("FROM busybox:latest\nRUN true\n", &["busybox:latest"]),
            ("from busybox\n", &["busybox"]),
            ("FROM scratch\nCOPY app /\n", &[]),
            (
                "FROM --platform=linux/amd64 golang:1.22 AS build\nRUN go build\nFROM build AS test\nFROM debian:12\nCOPY --from=build /app /app\n",
                &["golang:1.22", "debian:12"],
            ),
            ("FROM node:20 as Deps\nFROM deps\n", &["node:20"]),
            ("ARG BASE=alpine:3.19\nFROM $BASE\n", &["alpine:3.19"]),
            ("ARG TAG=3.19\nFROM alpine:${TAG}\n", &["alpine:3.19"]),
            ("ARG TAG\nFROM alpine:${TAG:-3.18}\n", &["alpine:3.18"]),
            ("ARG BASE\nFROM $BASE\n", &[]),
            ("ARG A=x B=\"busybox:1\"\nFROM $B\n", &["busybox:1"]),
            (
                "FROM busybox:latest AS one\nFROM busybox:latest AS two\n",
                &["busybox:latest"],
            ),
            ("# a comment\n  # FROM ignored:1\nFROM \\\n  busybox:1.36\n", &["busybox:1.36"]),
            ("# escape=`\nFROM `\n  mcr.microsoft.com/windows:ltsc2022\n", &["mcr.microsoft.com/windows:ltsc2022"]),
            ("FROM debian:12\nCOPY --from=nginx:1 /etc/nginx /etc/nginx\nCOPY --from=0 /a /b\n", &["debian:12", "nginx:1"]),
            ("FROM registry.local:5000/team/app@sha256:abc\n", &["registry.local:5000/team/app@sha256:abc"]),
            ("FROM\nRUN true\n", &[]),
            ("", &[]),
            ("FROM ${UNCLOSED\n", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(base_images(text), *expected, "for {text:?}");
        }
    }

    #[test]
    fn references_have_one_spelling() {
        let cases = [
            ("busybox", "busybox:latest"),
            ("busybox:latest", "busybox:latest"),
            ("docker.io/library/busybox", "busybox:latest"),
            ("library/busybox:1.36", "busybox:1.36"),
            ("docker.io/grafana/grafana", "grafana/grafana:latest"),
            ("registry.local:5000/app", "registry.local:5000/app:latest"),
            ("registry.local:5000/app:2", "registry.local:5000/app:2"),
            ("alpine@sha256:abc", "alpine@sha256:abc"),
        ];
        for (reference, expected) in cases {
            assert_eq!(canonical(reference), expected, "for {reference}");
        }
    }
}
