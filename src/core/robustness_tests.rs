//! The loader never panics, whatever it is fed: random bytes, truncated and mutated real
//! files, every known key with every wrong type, deep nesting, huge files. It either loads
//! the file or reports located errors.

use super::definition::{parse_file, LaunchFile};
use super::environment::Environment;
use std::path::Path;

#[path = "../../tests/common/rng.rs"]
mod rng;
use rng::Rng;

fn check(text: &str) {
    let parsed = parse_file(Path::new("launch/fuzz.yml"), text);
    match parsed.file {
        Some(LaunchFile::App(_)) | Some(LaunchFile::Resource { .. }) => {
            assert!(
                !parsed.diagnostics.iter().any(|d| d.is_error()),
                "loaded yet has errors: {text:?}"
            );
        }
        None => {
            let error = parsed
                .diagnostics
                .iter()
                .find(|d| d.is_error())
                .unwrap_or_else(|| panic!("no file and no error for {text:?}"));
            assert!(error.file.is_some(), "an error without its file: {error:?}");
            assert!(!error.message.is_empty());
        }
    }
}

#[path = "../../tests/common/corpus_location.rs"]
mod corpus_location;

/// The text of every `.yml` file in `<root>/repos/*/launch/` and `<root>/variants/`.
fn launch_texts(root: &Path) -> Vec<String> {
    let mut folders: Vec<_> = std::fs::read_dir(root.join("repos"))
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|repo| repo.unwrap().path().join("launch"))
        .collect();
    folders.push(root.join("variants"));
    let mut texts = Vec::new();
    for folder in folders {
        for file in std::fs::read_dir(folder).unwrap() {
            texts.push(std::fs::read_to_string(file.unwrap().path()).unwrap());
        }
    }
    texts
}

/// ark's own fixtures: every shape of production's files, always here.
fn fixture_texts() -> Vec<String> {
    launch_texts(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/launch-shapes"))
}

fn truncate_and_mutate(texts: Vec<String>) {
    let mut rng = Rng(42);
    for text in texts {
        let chars: Vec<char> = text.chars().collect();
        for _ in 0..30 {
            let cut = rng.below(chars.len() + 1);
            check(&chars[..cut].iter().collect::<String>());
            let mut mutated = chars.clone();
            for _ in 0..3 {
                let at = rng.below(mutated.len());
                if !mutated.is_empty() {
                    mutated[at] = [':', '-', ' ', '\n', '[', '{', '"', 'x', '1'][rng.below(9)];
                }
            }
            check(&mutated.iter().collect::<String>());
        }
    }
}

#[test]
fn fixture_files_truncated_and_mutated() {
    let texts = fixture_texts();
    assert!(texts.len() >= 20, "the fixtures are all here");
    truncate_and_mutate(texts);
}

/// The production corpus, when it is beside the repository or `ARK_CORPUS` names it.
#[test]
fn production_files_truncated_and_mutated() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Some(corpus) = corpus_location::production_corpus(manifest) {
        truncate_and_mutate(launch_texts(&corpus));
    }
}

#[test]
fn every_key_with_every_wrong_type() {
    let values = [
        "42",
        "-1",
        "0.5",
        "true",
        "null",
        "''",
        "text",
        "[1, 2]",
        "[[]]",
        "{a: 1}",
        "{}",
        "[{}]",
        "99999999999999999999",
    ];
    let paths: &[&[&str]] = &[
        &["run"],
        &["run", "type"],
        &["run", "image"],
        &["run", "command"],
        &["run", "init"],
        &["env"],
        &["expose"],
        &["dependencies"],
        &["resources"],
        &["resources", "cpu"],
        &["resources", "max_mem"],
        &["build"],
        &["build", "docker"],
        &["build", "docker", "file"],
        &["build", "artifact", "name"],
    ];
    for path in paths {
        for value in values {
            let mut text = String::new();
            for (depth, key) in path.iter().enumerate() {
                text.push_str(&format!("{}{key}:", "  ".repeat(depth)));
                let rest = if depth + 1 == path.len() {
                    format!(" {value}\n")
                } else {
                    "\n".to_owned()
                };
                text.push_str(&rest);
            }
            check(&text);
        }
    }
    for field in ["name", "port", "health_check", "bind"] {
        for value in values {
            check(&format!(
                "expose:\n- name: http\n  port: 80\n  {field}: {value}\n"
            ));
            check(&format!("expose:\n- name: http\n  port: 80\n  health_check:\n    type: http\n    {}: {value}\n", ["path", "interval", "timeout", "command", "type"][field.len() % 5]));
        }
    }
    for value in values {
        check(&format!("env:\n  A: {value}\n"));
        check(&format!("env:\n- {value}\n"));
    }
}

#[test]
fn deep_nesting_and_huge_files() {
    for depth in [10, 100, 1000, 100_000] {
        check(&format!("env: {}{}", "[".repeat(depth), "]".repeat(depth)));
        check(&format!(
            "alarms: {}1{}",
            "{a: ".repeat(depth),
            "}".repeat(depth)
        ));
        check(&"- ".repeat(depth));
    }
    let huge: String = (0..200_000).map(|i| format!("- VAR_{i}\n")).collect();
    check(&format!("env:\n{huge}"));
    check(&format!("team: '{}'\n", "x".repeat(5_000_000)));
    // A billion laughs must not explode.
    check("a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n");
}

#[test]
fn environment_files_never_panic_either() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(7);
    let samples = [
        "extends: [x]",
        "env: [1]",
        "apps: 3",
        "apps:\n  a:\n    ports: {x: -1}",
        "apps:\n  a:\n    external: {port: 1}",
        "apps: {a: {command: []}}",
        "env: {A: {B: 1}}",
    ];
    for (i, sample) in samples.iter().enumerate() {
        let name = format!("e{i}");
        std::fs::write(dir.path().join(format!("{name}.yml")), sample).unwrap();
        let error = Environment::load(dir.path(), &name).unwrap_err();
        assert!(error.0[0].file.is_some(), "{sample}: {error:?}");
    }
    for i in 0..500 {
        let alphabet = b"-:[]{}#&* \nabeopstvnx0123";
        let text: Vec<u8> = (0..rng.below(120))
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        let name = format!("r{i}");
        std::fs::write(dir.path().join(format!("{name}.yml")), &text).unwrap();
        let _ = Environment::load(dir.path(), &name);
    }
}
