//! Production's own definitions must load: the whole catalog, each historical variant on
//! its own, and the one real broken file must fail naming its line.

mod common;
use common::{ark, corpus, output, run, tree};

#[test]
fn the_whole_catalog_loads() {
    let (code, stdout, stderr) = output(
        ark()
            .arg("--apps")
            .arg(corpus().join("repos"))
            .args(["validate", "-o", "json"]),
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(report["errors"].as_array().unwrap().len(), 0);
    // 58 launch files: 5 are resource files (dynamodb, aurora, kinesis-streams, elasticsearch, library).
    assert_eq!(report["resource_files"], 5);
    assert_eq!(report["apps"], 53);
    // The corpus is a partial catalog: its missing dependencies are warnings naming the app.
    let warnings: Vec<&str> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["message"].as_str().unwrap())
        .collect();
    assert!(
        warnings.contains(&"`flarebot` depends on `catapult`, which has no definition"),
        "{warnings:?}"
    );
    // …and one production typo (`DYNAMO_READ_WRITE_CAPACITY;` in a list of names), dropped.
    let typo = "env: `DYNAMO_READ_WRITE_CAPACITY;` is not a variable name: use letters, digits and `_`, not starting with a digit (ignored)";
    assert!(
        warnings
            .iter()
            .all(|w| w.contains("which has no definition") || *w == typo),
        "only missing dependencies and the one typo: {warnings:?}"
    );
}

#[test]
fn strict_makes_the_missing_dependencies_errors() {
    ark()
        .arg("--apps")
        .arg(corpus().join("repos"))
        .args(["validate", "--strict"])
        .assert()
        .code(3);
}

#[test]
fn each_variant_loads_on_its_own() {
    let variants: Vec<_> = std::fs::read_dir(corpus().join("variants"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(variants.len() >= 9);
    for variant in variants {
        // The file's app name is the part after `__` and before `@`.
        let file = variant.file_name().unwrap().to_string_lossy().into_owned();
        let app = file
            .split("__")
            .nth(1)
            .unwrap()
            .split('@')
            .next()
            .unwrap()
            .to_owned();
        let dir = tree(&[(
            &format!("launch/{app}.yml"),
            &std::fs::read_to_string(&variant).unwrap(),
        )]);
        let (code, stdout, stderr) = run(&dir, &["validate", "-o", "json"]);
        assert_eq!(code, 0, "{file}: {stdout}{stderr}");
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(report["apps"], 1, "{file}");
    }
}

#[test]
fn the_historical_typo_is_a_warning_not_an_error() {
    // template-frontend@3cc780d misspells `parameters` inside `alarms`, a production-only
    // field: ark does not read it, so it says nothing.
    let text = std::fs::read_to_string(
        corpus().join("variants/template-frontend__template-frontend@3cc780d.yml"),
    )
    .unwrap();
    let dir = tree(&[("launch/template-frontend.yml", &text)]);
    let (code, _, stderr) = run(&dir, &["validate"]);
    assert_eq!(code, 0);
    assert!(!stderr.contains("warning:"), "{stderr}");
}

#[test]
fn the_broken_file_fails_with_its_line() {
    let broken = corpus().join("invalid/ARCHIVED-ebs-snapshots__ebs-snapshots@334efd0.invalid.yml");
    let dir = tree(&[(
        "launch/ebs-snapshots.yml",
        &std::fs::read_to_string(broken).unwrap(),
    )]);
    let (code, _, stderr) = run(&dir, &["validate"]);
    assert_eq!(code, 3, "{stderr}");
    // `write` without its colon, on line 16, column 5.
    assert!(
        stderr.contains("launch/ebs-snapshots.yml:16:5: could not find expected ':'"),
        "{stderr}"
    );
    assert!(stderr.starts_with("error: "), "{stderr}");
}

#[test]
fn plan_of_a_production_app_lists_what_it_lacks() {
    let (code, stdout, stderr) = output(ark().arg("--apps").arg(corpus().join("repos")).args([
        "plan",
        "-e",
        "corpus-check",
        "pickabot",
        "-o",
        "json",
    ]));
    assert_eq!(code, 3, "pickabot needs values nobody gave: {stderr}");
    let plan: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let order: Vec<&str> = plan["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["who-is-who", "pickabot"]);
    assert!(
        stderr.contains(
            "`pickabot` needs `GITHUB_APP_ID`, which has no value in environment `corpus-check`"
        ),
        "{stderr}"
    );
}
