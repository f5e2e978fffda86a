//! Production's launch files must load: the whole catalog, each historical variant on its
//! own, and a broken file must fail naming its line.
//!
//! Each check runs twice: over ark's own fixtures (`tests/fixtures/launch-shapes`, every shape
//! production has, always here) and over the real production corpus, an extra check that runs
//! when the corpus is beside the repository or `ARK_CORPUS` names it (required under
//! `CI=true`; elsewhere the `production_*` tests say they skipped, and pass).

mod common;
use common::{ark, corpus, launch_shapes, output, run, tree};
use std::path::PathBuf;

/// One corpus and what must hold for it.
struct Corpus {
    root: PathBuf,
    apps: usize,
    resource_files: usize,
    min_variants: usize,
    /// A missing dependency the catalog warns about.
    missing_dependency: &'static str,
    /// A variant misspelling a key inside a production-only section: ark says nothing.
    silent_typo: &'static str,
    /// A file that is not YAML, the app it would be, and the `file:line:col: message` start.
    broken: (&'static str, &'static str, &'static str),
    /// An app to plan, the start order, and a value it lacks.
    plan: (&'static str, &'static [&'static str], &'static str),
}

fn fixtures() -> Corpus {
    Corpus {
        root: launch_shapes(),
        apps: 7,
        // dynamodb, aurora, kinesis-streams, elasticsearch, library.
        resource_files: 5,
        min_variants: 9,
        missing_dependency: "`counter` depends on `delivery-van`, which has no definition",
        silent_typo: "variants/counter__counter@e5.yml",
        // `write` without its colon on line 14; the parser notices on line 15.
        broken: (
            "invalid/oven__oven@j10.invalid.yml",
            "oven",
            "launch/oven.yml:15:5: could not find expected ':'",
        ),
        plan: (
            "receipt-printer",
            &["till", "receipt-printer"],
            "`receipt-printer` needs `PRINTER_PAPER_WIDTH`, which has no value in environment `corpus-check`",
        ),
    }
}

/// The production corpus, when it is here (else the test has said it skipped).
fn production() -> Option<Corpus> {
    Some(Corpus {
        root: corpus()?,
        // 58 launch files: 5 are resource files (dynamodb, aurora, kinesis-streams,
        // elasticsearch, library).
        apps: 53,
        resource_files: 5,
        min_variants: 9,
        missing_dependency: "`flarebot` depends on `catapult`, which has no definition",
        // template-frontend@3cc780d misspells `parameters` inside `alarms`.
        silent_typo: "variants/template-frontend__template-frontend@3cc780d.yml",
        // `write` without its colon, noticed on line 16, column 5.
        broken: (
            "invalid/ARCHIVED-ebs-snapshots__ebs-snapshots@334efd0.invalid.yml",
            "ebs-snapshots",
            "launch/ebs-snapshots.yml:16:5: could not find expected ':'",
        ),
        plan: (
            "pickabot",
            &["who-is-who", "pickabot"],
            "`pickabot` needs `GITHUB_APP_ID`, which has no value in environment `corpus-check`",
        ),
    })
}

/// The app a variant file is a version of: the part after `__` and before `@`.
fn variant_app(file: &str) -> String {
    let after = file.split_once("__").map_or(file, |(_, rest)| rest);
    after.split('@').next().unwrap_or(after).to_owned()
}

/// A folder holding `launch/<app>.yml` with the text of `file` (relative to the corpus).
fn alone(corpus: &Corpus, file: &str, app: &str) -> tempfile::TempDir {
    let text = std::fs::read_to_string(corpus.root.join(file)).unwrap();
    tree(&[(&format!("launch/{app}.yml"), &text)])
}

fn whole_catalog_loads(corpus: &Corpus) {
    let (code, stdout, stderr) = output(
        ark()
            .arg("--apps")
            .arg(corpus.root.join("repos"))
            .args(["validate", "-o", "json"]),
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(report["errors"].as_array().unwrap().len(), 0);
    assert_eq!(report["resource_files"], corpus.resource_files);
    assert_eq!(report["apps"], corpus.apps);
    // A partial catalog: its missing dependencies are warnings naming the app.
    let warnings: Vec<&str> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["message"].as_str().unwrap())
        .collect();
    assert!(
        warnings.contains(&corpus.missing_dependency),
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

fn strict_makes_the_missing_dependencies_errors(corpus: &Corpus) {
    ark()
        .arg("--apps")
        .arg(corpus.root.join("repos"))
        .args(["validate", "--strict"])
        .assert()
        .code(3);
}

fn each_variant_loads_on_its_own(corpus: &Corpus) {
    let variants: Vec<String> = std::fs::read_dir(corpus.root.join("variants"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(variants.len() >= corpus.min_variants, "{variants:?}");
    for file in variants {
        let dir = alone(corpus, &format!("variants/{file}"), &variant_app(&file));
        let (code, stdout, stderr) = run(&dir, &["validate", "-o", "json"]);
        assert_eq!(code, 0, "{file}: {stdout}{stderr}");
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(report["apps"], 1, "{file}");
    }
}

fn a_typo_in_a_production_only_section_is_silent(corpus: &Corpus) {
    // ark does not read what is inside `alarms`, so it says nothing about it.
    let dir = alone(corpus, corpus.silent_typo, &variant_app(corpus.silent_typo));
    let (code, _, stderr) = run(&dir, &["validate"]);
    assert_eq!(code, 0);
    assert!(!stderr.contains("warning:"), "{stderr}");
}

fn the_broken_file_fails_with_its_line(corpus: &Corpus) {
    let (file, app, expected) = corpus.broken;
    let dir = alone(corpus, file, app);
    let (code, _, stderr) = run(&dir, &["validate"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains(expected), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
}

fn plan_of_an_app_lists_what_it_lacks(corpus: &Corpus) {
    let (app, order, lacks) = corpus.plan;
    let (code, stdout, stderr) = output(ark().arg("--apps").arg(corpus.root.join("repos")).args([
        "plan",
        "-e",
        "corpus-check",
        app,
        "-o",
        "json",
    ]));
    assert_eq!(code, 3, "{app} needs values nobody gave: {stderr}");
    let plan: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let planned: Vec<&str> = plan["apps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(planned, order);
    assert!(stderr.contains(lacks), "{stderr}");
}

/// One test per check and corpus: the fixtures' always run, production's skip with a note.
macro_rules! over_both {
    ($($check:ident),* $(,)?) => {
        mod fixtures {
            $(#[test] fn $check() { super::$check(&super::fixtures()) })*
        }
        mod production {
            $(#[test] fn $check() {
                if let Some(corpus) = super::production() {
                    super::$check(&corpus)
                }
            })*
        }
    };
}

over_both!(
    whole_catalog_loads,
    strict_makes_the_missing_dependencies_errors,
    each_variant_loads_on_its_own,
    a_typo_in_a_production_only_section_is_silent,
    the_broken_file_fails_with_its_line,
    plan_of_an_app_lists_what_it_lacks,
);

// What the fixtures show beyond what the production corpus is checked for.

#[test]
fn a_typo_in_a_key_ark_reads_is_a_warning_with_a_suggestion() {
    let dir = alone(&fixtures(), "variants/counter__counter@f6.yml", "counter");
    let (code, _, stderr) = run(&dir, &["validate"]);
    assert_eq!(code, 0, "a warning, not an error: {stderr}");
    assert!(
        stderr.contains("warning: launch/counter.yml:5: unknown key `dependancies` (ignored)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: did you mean `dependencies`?"),
        "{stderr}"
    );
}

#[test]
fn every_shape_is_read_as_production_means_it() {
    let apps = launch_shapes().join("repos");
    // `flour-store@v2` is the app `flour-store`; `yeast` (run.type lambda) runs elsewhere.
    let (code, stdout, stderr) = output(ark().arg("--apps").arg(&apps).args(["deps", "oven"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "oven\n├── flour-store\n└── yeast (runs as `lambda`, not locally)\n"
    );
    // The map form of `env` gives defaults; numbers and booleans become their text.
    let (_, stdout, stderr) = output(ark().arg("--apps").arg(&apps).args([
        "config",
        "-e",
        "corpus-check",
        "flour-store",
        "-o",
        "json",
    ]));
    let config: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|_| {
        panic!("{stdout}{stderr}");
    });
    let value = |name: &str| {
        config["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .map(|v| v["value"].clone())
    };
    assert_eq!(value("FLOUR_KIND"), Some("rye".into()));
    assert_eq!(value("FLOUR_BAGS"), Some("12".into()));
    assert_eq!(value("FLOUR_ORGANIC"), Some("true".into()));
    assert_eq!(value("FLOUR_STORE_PASSWORD"), Some(serde_json::Value::Null));
}
