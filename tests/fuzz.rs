//! Fuzzing the loaders: random and mutated definitions *and* environment files go through
//! what `validate -e`, `config` and `plan` do with them (catalog, environment chain, start
//! set, resolved values, specs). For every input:
//! - nothing panics;
//! - it finishes (a watchdog: a case that takes more than `HANG` is a hang, not slowness —
//!   speed is measured by `bench/`, never asserted here);
//! - its memory stays bounded (a counting allocator: peak bytes per case);
//! - every error names its file and, when it is about a place in that file, its line.
//!
//! A few seconds by default; `ARK_FUZZ_CASES=20000` (see `bench/fuzz.sh`) runs the long
//! version before landing. `ARK_FUZZ_SEED` picks another sequence; a failure prints the seed
//! and the case so it reproduces.
#![allow(clippy::print_stderr)] // the run reports its counts

use ark::commands::validate;
use ark::core::catalog::Catalog;
use ark::core::diagnostic::Diagnostic;
use ark::core::environment::Environment;
use ark::core::resolved_env::Layers;
use ark::core::{spec, start_set};
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

/// More than this for one case is a hang (debug build, a loaded 2-core machine).
const HANG: Duration = Duration::from_secs(30);
/// Peak heap for one case. Inputs are at most a few hundred KiB.
const MEMORY_BOUND: usize = 256 << 20;
const DEFAULT_CASES: usize = 250;

// ---- memory: a counting allocator ---------------------------------------------------------

struct Counting;
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        pointer
    }
    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// ---- inputs -------------------------------------------------------------------------------

/// Text that makes YAML, ark's interpolation or its checks branch.
const SNIPPETS: &[&str] = &[
    ":",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "\n",
    "  ",
    "\t",
    "#",
    "&a ",
    "*a",
    "!!str ",
    "? ",
    "|\n  ",
    ">\n",
    "'",
    "\"",
    "${",
    "${X}",
    "${HOME}",
    "${X:-d}",
    "$$",
    "}",
    "---\n",
    "...\n",
    "~",
    "null",
    "-1",
    "0",
    "1e999",
    ".nan",
    "0x1F",
    "true",
    "é",
    "\u{feff}",
    "\u{0}",
    "%YAML 1.2\n",
    "<<: *a\n",
    "env",
    "extends",
    "apps",
    "dependencies",
    "expose",
    "health_check",
    "@v2",
    "interval: 5x",
    "path: nope",
    "port: 70000",
    "cpu: -2",
    "type: dynamodb\n",
];

const VALUES: &[&str] = &[
    "x",
    "''",
    "42",
    "-1",
    "0",
    "0.5",
    "true",
    "null",
    "[]",
    "{}",
    "[a, b]",
    "{a: 1}",
    "${UNSET_FUZZ_VAR}",
    "${",
    "${HOME}",
    "$$x",
    "${A:-}",
    "'a: b'",
    "\"\\u00e9\"",
    "1s",
    "5m",
    "soon",
    "/ping",
    "ping",
    "99999",
    "-",
    "*",
    "[[1]]",
];

const DEFINITION_KEYS: &[&str] = &[
    "run",
    "env",
    "expose",
    "dependencies",
    "resources",
    "build",
    "team",
    "alarms",
    "type",
    "dependancies",
    "aws",
    "lambda",
];

const ENVIRONMENT_KEYS: &[&str] = &[
    "extends",
    "target",
    "bind",
    "env",
    "apps",
    "description",
    "extend",
];

const APP_KEYS: &[&str] = &[
    "env", "image", "command", "ports", "external", "init", "bind", "imag",
];

const APPS: &[&str] = &[
    "oven",
    "till",
    "counter",
    "flour-store",
    "ghost",
    "Bad Name",
];

fn scalar(rng: &mut Rng) -> String {
    rng.pick(VALUES).to_string()
}

/// `env:` as a map of some of `names` to values of any type.
fn env_map(rng: &mut Rng, names: &[&str]) -> String {
    let mut text = "env:\n".to_owned();
    for _ in 0..rng.below(5) {
        text.push_str(&format!("  {}: {}\n", rng.pick(names), scalar(rng)));
    }
    text
}

/// A definition built from the format's own keys, with values of any type.
fn random_definition(rng: &mut Rng) -> String {
    let mut text = String::new();
    for _ in 0..rng.below(6) {
        let key = rng.pick(DEFINITION_KEYS);
        match *key {
            "run" => text.push_str(&format!(
                "run:\n  type: {}\n  command: {}\n",
                rng.pick(&["docker", "lambda", "workflow", "[]", "${X}"]),
                scalar(rng)
            )),
            "env" if rng.chance(50) => {
                text.push_str("env:\n");
                for _ in 0..rng.below(5) {
                    text.push_str(&format!(
                        "- {}\n",
                        rng.pick(&["A", "B", "A", "", "X Y", "${Z}"])
                    ));
                }
            }
            "env" => text.push_str(&env_map(rng, &["A", "B", "A", "C"])),
            "expose" => {
                text.push_str("expose:\n");
                for _ in 0..rng.below(3) {
                    text.push_str(&format!(
                        "- name: {}\n  port: {}\n  health_check:\n    type: {}\n    path: {}\n    interval: {}\n    timeout: {}\n",
                        rng.pick(&["http", "http", "", "tcp"]),
                        rng.pick(&["80", "0", "-1", "x", "65536"]),
                        rng.pick(&["http", "tcp", "exec", "none", "htp"]),
                        scalar(rng),
                        scalar(rng),
                        scalar(rng)
                    ));
                }
            }
            "dependencies" => text.push_str(&format!(
                "dependencies: [{}]\n",
                (0..rng.below(4))
                    .map(|_| *rng.pick(&APPS[..5]))
                    .map(|a| if a == "till" { "till@v2" } else { a })
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            "resources" => text.push_str(&format!(
                "resources:\n  {}: {}\n",
                rng.pick(&[
                    "cpu",
                    "max_mem",
                    "mem",
                    "soft_mem_limit",
                    "soft_limit_mem",
                    "gpu"
                ]),
                scalar(rng)
            )),
            other => text.push_str(&format!("{other}: {}\n", scalar(rng))),
        }
    }
    text
}

/// An environment file built from the format's own keys.
fn random_environment(rng: &mut Rng, extends: &[&str]) -> String {
    let mut text = String::new();
    for _ in 0..rng.below(5) {
        match *rng.pick(ENVIRONMENT_KEYS) {
            "extends" => text.push_str(&format!("extends: {}\n", rng.pick(extends))),
            "env" => text.push_str(&env_map(
                rng,
                &["OVEN_TEMPERATURE", "TILL_CURRENCY", "A", "COUNTER_GREETING"],
            )),
            "apps" => {
                text.push_str("apps:\n");
                for _ in 0..rng.below(3) {
                    text.push_str(&format!("  {}:\n", rng.pick(APPS)));
                    for _ in 0..rng.below(3) {
                        match *rng.pick(APP_KEYS) {
                            "env" => text.push_str(&format!(
                                "    env:\n      {}: {}\n",
                                rng.pick(&["X", "PRINTER_PAPER_WIDTH", "TILL_CURRENCY"]),
                                scalar(rng)
                            )),
                            "ports" => {
                                text.push_str(&format!("    ports: {{http: {}}}\n", scalar(rng)))
                            }
                            "external" => text.push_str(&format!(
                                "    external: {{host: {}, port: {}}}\n",
                                scalar(rng),
                                scalar(rng)
                            )),
                            key => text.push_str(&format!("    {key}: {}\n", scalar(rng))),
                        }
                    }
                }
            }
            key => text.push_str(&format!("{key}: {}\n", scalar(rng))),
        }
    }
    text
}

/// A text with a few edits: characters replaced, snippets inserted, lines dropped,
/// duplicated or swapped, or the end cut off.
fn mutate(rng: &mut Rng, text: &str) -> Vec<u8> {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for _ in 0..1 + rng.below(4) {
        if lines.is_empty() {
            lines.push(String::new());
        }
        let at = rng.below(lines.len());
        match rng.below(6) {
            0 => {
                lines.remove(at);
            }
            1 => {
                let copy = lines[at].clone();
                lines.insert(at, copy);
            }
            2 => {
                let other = rng.below(lines.len());
                lines.swap(at, other);
            }
            _ => {
                let line = &mut lines[at];
                let chars: Vec<char> = line.chars().collect();
                let cut = rng.below(chars.len() + 1);
                let (head, tail): (String, String) =
                    (chars[..cut].iter().collect(), chars[cut..].iter().collect());
                let drop = usize::from(rng.chance(50) && !tail.is_empty());
                *line = format!(
                    "{head}{}{}",
                    rng.pick(SNIPPETS),
                    tail.chars().skip(drop).collect::<String>()
                );
            }
        }
    }
    let mut bytes = lines.join("\n").into_bytes();
    bytes.push(b'\n');
    if rng.chance(10) {
        let cut = rng.below(bytes.len() + 1);
        bytes.truncate(cut);
    }
    if rng.chance(3) {
        let at = rng.below(bytes.len() + 1);
        bytes.insert(at, 0xff); // not UTF-8
    }
    bytes
}

/// The texts of ark's fixtures (every shape production has) and of the demo environments.
fn seeds(root: &Path) -> (Vec<String>, Vec<String>) {
    let shapes = root.join("tests/fixtures/launch-shapes");
    let mut definitions = Vec::new();
    let checkouts = |folder: PathBuf| {
        std::fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().path().join("launch"))
    };
    let mut folders: Vec<PathBuf> = checkouts(shapes.join("repos"))
        .chain(checkouts(root.join("environments/apps")))
        .collect();
    folders.push(shapes.join("variants"));
    for folder in folders {
        for file in read_yaml(&folder) {
            definitions.push(file);
        }
    }
    let mut environments = read_yaml(&root.join("environments"));
    environments.push("extends: base\nenv:\n  OVEN_TEMPERATURE: ${HOME}\napps:\n  oven:\n    env: {X: '${HOME:-x}'}\n    ports: {default: 8080}\n  till:\n    external: {host: till.internal, port: 443}\n".into());
    (definitions, environments)
}

fn read_yaml(folder: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

/// One case: the files of an apps folder and an environments folder.
struct Case {
    definitions: Vec<(String, Vec<u8>)>,
    environments: Vec<(String, Vec<u8>)>,
}

fn generate(rng: &mut Rng, definitions: &[String], environments: &[String]) -> Case {
    let mut case = Case {
        definitions: Vec::new(),
        environments: Vec::new(),
    };
    for app in &APPS[..1 + rng.below(APPS.len())] {
        let text = match rng.below(4) {
            0 => random_definition(rng).into_bytes(),
            1 => rng.pick(definitions).clone().into_bytes(),
            _ => {
                let seed = rng.pick(definitions);
                mutate(rng, seed)
            }
        };
        case.definitions.push((format!("{app}.yml"), text));
    }
    for name in ["dev", "base", "default"] {
        if name != "dev" && rng.chance(50) {
            continue;
        }
        let text = match rng.below(4) {
            0 => random_environment(rng, &["base", "dev", "default", "missing", "Bad_Name"])
                .into_bytes(),
            1 => rng.pick(environments).clone().into_bytes(),
            _ => {
                let seed = rng.pick(environments);
                mutate(rng, seed)
            }
        };
        case.environments.push((format!("{name}.yml"), text));
    }
    case
}

// ---- one case through the pipeline --------------------------------------------------------

/// Every diagnostic the commands would print for this case.
fn run_case(case: &Case) -> Vec<Diagnostic> {
    let dir = tempfile::tempdir().unwrap();
    let (apps, environments) = (dir.path().join("launch"), dir.path().join("environments"));
    for (folder, files) in [
        (&apps, &case.definitions),
        (&environments, &case.environments),
    ] {
        std::fs::create_dir_all(folder).unwrap();
        for (name, bytes) in files {
            std::fs::write(folder.join(name), bytes).unwrap();
        }
    }
    let catalog = Catalog::load(std::slice::from_ref(&apps));
    // `ark validate -e dev`.
    let mut found = validate::check(&catalog, &environments, Some("dev")).0;
    // `ark plan -e dev <every app>` / `ark config`: start set, values, specs.
    if let Ok(environment) = Environment::load(&environments, "dev") {
        let names: Vec<String> = catalog.apps().map(|a| a.name.clone()).collect();
        match start_set::resolve(&catalog, Some(&environment), &names, true) {
            Err(problems) => found.extend(problems.0),
            Ok(set) => {
                found.extend(set.blocking_problems(&catalog, Some(&environment)).0);
                let shell = |name: &str| (name == "HOME").then(|| "/root".to_owned());
                let layers = Layers {
                    catalog: &catalog,
                    environment: &environment,
                    sets: &[],
                    shell: &shell,
                };
                found.extend(spec::build_specs(&set, &layers).1);
            }
        }
    }
    // `ARK_FUZZ_SHOW=text`: print the files behind line-less errors whose message has `text`.
    if let Ok(wanted) = std::env::var("ARK_FUZZ_SHOW") {
        for error in found
            .iter()
            .filter(|d| d.line.is_none() && d.message.contains(&wanted))
        {
            let file = error.file.as_deref().unwrap_or(Path::new(""));
            let text = std::fs::read(file).unwrap_or_default();
            eprintln!("{error}\n{:?}\n", String::from_utf8_lossy(&text));
        }
    }
    found
}

/// Errors that are about a whole file (or several), not a place in one: no line to give.
const WHOLE_FILE: &[&str] = &[
    "cannot read the file",
    "cannot tell the app's name",
    "is not a usable app name",
    "is defined more than once",
];

#[derive(Default)]
struct Tally {
    inputs: usize,
    errors: usize,
    whole_file: usize,
    without_file: Vec<String>,
    without_line: BTreeMap<String, usize>,
    kinds: BTreeMap<String, usize>,
    peak: usize,
}

impl Tally {
    fn add(&mut self, diagnostics: &[Diagnostic]) {
        for error in diagnostics.iter().filter(|d| d.is_error()) {
            self.errors += 1;
            let kind = kind_of(&error.message);
            *self.kinds.entry(kind.clone()).or_default() += 1;
            if error.file.is_none() {
                self.without_file.push(error.message.clone());
            } else if error.line.is_none() {
                if WHOLE_FILE.iter().any(|m| error.message.contains(m)) {
                    self.whole_file += 1;
                } else {
                    *self.without_line.entry(kind).or_default() += 1;
                }
            }
        }
    }
}

/// A message with its quoted parts blanked, to group errors by kind.
fn kind_of(message: &str) -> String {
    let mut kind = String::new();
    let mut quoted = false;
    for c in message.chars() {
        if c == '`' {
            quoted = !quoted;
            if quoted {
                kind.push_str("`…`");
            }
        } else if !quoted {
            kind.push(c);
        }
    }
    kind.chars().take(90).collect()
}

#[test]
fn loaders_never_panic_hang_or_lose_a_location() {
    let cases: usize = std::env::var("ARK_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    let seed: u64 = std::env::var("ARK_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_a4c0_ffee_0001);
    let (definitions, environments) = seeds(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(definitions.len() >= 25 && environments.len() >= 2);

    let (done, finished) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let mut rng = Rng(seed);
        let mut tally = Tally::default();
        for index in 0..cases {
            let case = generate(&mut rng, &definitions, &environments);
            let describe = || {
                let show = |files: &[(String, Vec<u8>)]| {
                    files
                        .iter()
                        .map(|(n, b)| format!("--- {n}\n{}", String::from_utf8_lossy(b)))
                        .collect::<String>()
                };
                format!(
                    "case {index} of seed {seed}:\n{}{}",
                    show(&case.definitions),
                    show(&case.environments)
                )
            };
            done.send(Some(describe())).ok();
            PEAK.store(CURRENT.load(Ordering::Relaxed), Ordering::Relaxed);
            let before = CURRENT.load(Ordering::Relaxed);
            let found = std::panic::catch_unwind(|| run_case(&case))
                .unwrap_or_else(|_| panic!("panicked on {}", describe()));
            let peak = PEAK.load(Ordering::Relaxed).saturating_sub(before);
            assert!(
                peak < MEMORY_BOUND,
                "{peak} bytes at the peak for {}",
                describe()
            );
            tally.peak = tally.peak.max(peak);
            tally.inputs += case.definitions.len() + case.environments.len();
            tally.add(&found);
            assert!(
                tally.without_file.is_empty(),
                "an error without its file: {:?} in {}",
                tally.without_file,
                describe()
            );
        }
        done.send(None).ok();
        tally
    });

    // The watchdog: each case must finish (a hang fails the test instead of stalling it).
    let mut current = String::new();
    loop {
        match finished.recv_timeout(HANG) {
            Ok(Some(case)) => current = case,
            Ok(None) => break,
            Err(mpsc::RecvTimeoutError::Disconnected) => break, // the worker failed: join says why
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("no answer within {HANG:?} (a hang) on {current}")
            }
        }
    }
    let tally = match worker.join() {
        Ok(tally) => tally,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    let without_line: usize = tally.without_line.values().sum();
    eprintln!(
        "fuzz: seed {seed}, {cases} cases, {} input files, {} errors ({} about a whole file), {without_line} without a line, peak {} KiB for one case",
        tally.inputs,
        tally.errors,
        tally.whole_file,
        tally.peak >> 10
    );
    let mut kinds: Vec<(&String, &usize)> = tally.kinds.iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(a.1));
    eprintln!("  {} kinds of error, the most frequent:", kinds.len());
    for (kind, count) in kinds.iter().take(40) {
        eprintln!("  {count:>6} {kind}");
    }
    for (kind, count) in &tally.without_line {
        eprintln!("  {count:>6} without a line: {kind}");
    }
    assert_eq!(
        without_line, 0,
        "errors about a place in a file that do not name the line: {:#?}",
        tally.without_line
    );
}
