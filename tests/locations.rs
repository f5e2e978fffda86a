//! Every error about a place in a file says where: `file:line:column`, as a user sees it
//! (one transcript per kind of error that once named the file alone).

mod common;
use common::{run, tree};

/// The `error:` lines of `ark ARGS…` run in a folder with `files`.
fn errors(files: &[(&str, &str)], args: &[&str]) -> String {
    let dir = tree(files);
    let (code, _, stderr) = run(&dir, args);
    assert_eq!(code, 3, "{stderr}");
    stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn validate(files: &[(&str, &str)]) -> String {
    errors(files, &["validate", "-e", "dev"])
}

#[test]
fn definitions() {
    for (text, expected) in [
        (
            "env:\n- A\n- A\n",
            "error: launch/api.yml:3:3: env: `A` is declared twice\n",
        ),
        (
            "expose:\n- name: http\n  port: 80\n  health_check:\n    interval: soon\n",
            "error: launch/api.yml:5:15: expose `http`: health_check: interval: `soon` is not a duration",
        ),
        (
            "expose:\n- name: http\n  port: 80\n  health_check:\n    type: http\n    path: ping\n",
            "error: launch/api.yml:6:11: expose `http`: health_check: path `ping` must start with `/`\n",
        ),
        (
            "resources:\n  cpu: -1\n",
            "error: launch/api.yml:2:8: resources.cpu must be a positive number\n",
        ),
        (
            "resources:\n  soft_mem_limit: -0.5\n",
            "error: launch/api.yml:2:19: resources.soft_mem_limit must be a positive number\n",
        ),
        (
            "env: []\n---\nenv: []\n",
            "error: launch/api.yml:3:1: deserializing from YAML containing more than one document is not supported\n",
        ),
        (
            "env: {A: '${OOPS'}\n",
            "error: launch/api.yml:1:10: env.A has a `${` without its closing `}`\n",
        ),
    ] {
        let found = validate(&[("launch/api.yml", text)]);
        assert!(found.starts_with(expected), "{text:?}:\n{found}");
    }
}

#[test]
fn a_file_that_is_not_utf8() {
    let dir = tree(&[]);
    common::write(&dir.path().join("environments/dev.yml"), "env:\n  A: 1\n");
    std::fs::create_dir_all(dir.path().join("launch")).unwrap();
    std::fs::write(dir.path().join("launch/api.yml"), b"env:\n- CAF\xc9\n").unwrap();
    let (code, _, stderr) = run(&dir, &["validate"]);
    assert_eq!(code, 3);
    assert!(
        stderr.starts_with("error: launch/api.yml:2:6: the file is not UTF-8 text\n"),
        "{stderr}"
    );
}

#[test]
fn environments() {
    let definition = ("launch/api.yml", "env: [TOKEN]\n");
    for (files, expected) in [
        (
            &[("environments/dev.yml", "env:\n  TOKEN: ${ARK_TEST_SURELY_UNSET}\n")][..],
            "error: environments/dev.yml:2:10: env.TOKEN uses `${ARK_TEST_SURELY_UNSET}`, but `ARK_TEST_SURELY_UNSET` is not set in your shell\n",
        ),
        (
            &[("environments/dev.yml", "apps:\n  api:\n    env:\n      TOKEN: x-${ARK_TEST_SURELY_UNSET\n")],
            "error: environments/dev.yml:4:14: apps.api.env.TOKEN has a `${` without its closing `}`\n",
        ),
        (
            &[("environments/dev.yml", "extends: Base_Env\n")],
            "error: environments/dev.yml:1:10: extends: `Base_Env` is not a valid environment name",
        ),
        (
            &[
                ("environments/dev.yml", "extends: base\n"),
                ("environments/base.yml", "env: {}\nextends: dev\n"),
            ],
            "error: environments/base.yml:2:10: environments extend each other in a cycle: dev -> base -> dev\n",
        ),
    ] {
        let mut all = vec![definition];
        all.extend_from_slice(files);
        let found = validate(&all);
        assert!(found.starts_with(expected), "{files:?}:\n{found}");
    }
}

#[test]
fn config_names_the_line_validate_names() {
    let files = [
        ("launch/api.yml", "env:\n- PORT\n- TOKEN\n"),
        ("environments/dev.yml", "env:\n  PORT: 80\n"),
    ];
    let expected =
        "error: launch/api.yml:3:3: `api` needs `TOKEN`, which has no value in environment `dev`\n";
    assert_eq!(validate(&files), expected);
    assert_eq!(errors(&files, &["config", "-e", "dev", "api"]), expected);
}
