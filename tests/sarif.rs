//! The SARIF 2.1.0 view (`--format sarif`, `--report x.sarif`): validated
//! in-process against the SARIF 2.1.0 JSON schema, and by Microsoft's SARIF
//! multitool when it is installed (CI installs it: `.ci/run`); its rules,
//! results, locations, fingerprints and notifications checked against the
//! evidence record of the same run.
//!
//! `testdata/sarif-schema-2.1.0.json` is the schema shipped in the npm
//! package `@microsoft/sarif-multitool-linux` 5.7.0 (its `sarif-2.1.0.json`,
//! byte for byte; SHA-256 1c49a0f2b60444c71bb14878e21e0d882198eff4c539861b133093ad89ed798c),
//! the schema the multitool itself validates against.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::{json, Value};

use crate::util::{bin, contains_pan, run, Tree};

const LIVE: &str = "4539578763621486"; // Luhn-valid Visa, not a published test PAN
const LIVE2: &str = "5457623890123454"; // Luhn-valid Mastercard, not a test PAN

fn schema() -> jsonschema::Validator {
    let s: Value = serde_json::from_str(include_str!("../testdata/sarif-schema-2.1.0.json"))
        .expect("the SARIF schema parses");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&s)
        .expect("the SARIF schema compiles")
}

fn schema_errors(v: &Value) -> Vec<String> {
    schema()
        .iter_errors(v)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// A gzipped tar holding `site/app.log` with a card number.
fn tar_gz() -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let body = format!("paid card {LIVE2} ok\n");
    let mut h = tar::Header::new_gnu();
    h.set_size(body.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    tar.append_data(&mut h, "site/app.log", body.as_bytes())
        .unwrap();
    let raw = tar.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&raw).unwrap();
    gz.finish().unwrap()
}

/// Every kind of finding, an archive member, a name that needs
/// percent-encoding, a corrupt gzip and an excluded directory.
fn tree() -> Tree {
    let t = Tree::new();
    t.file(
        "tree/www/logs/app.log",
        format!("order 17 card {LIVE} ok\n"),
    );
    t.file(
        "tree/www/logs/pos.log",
        format!(";{LIVE}=27121010000000000000?\n%B{LIVE2}^DOE/JOHN^2712101000000000000000?\n"),
    );
    t.file(
        "tree/db/shop.sql",
        format!(
            "CREATE TABLE cards (id int primary key, card_number varchar(20), cvv varchar(4));\n\
             INSERT INTO cards VALUES (1,'{LIVE}','123'),(2,'{LIVE2}','456');\n"
        ),
    );
    t.file(
        "tree/www/receipt.txt",
        "card 453957****621486\npaid with 453957******1486\n",
    );
    t.file("tree/docs/test.txt", "test card 4111111111111111\n");
    t.file("tree/backup/site.tar.gz", tar_gz());
    t.file("tree/odd/a b#1%.log", format!("card {LIVE}\n"));
    t.file(
        "tree/old/broken.gz",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage-not-deflate",
    );
    t.file("tree/skipme/x.log", format!("card {LIVE}\n"));
    // A SQLite database: its values are read through SQLite, so their
    // lines are not lines of the file.
    let db = rusqlite::Connection::open(t.path().join("tree/db/cards.db")).unwrap();
    db.execute_batch(&format!(
        "CREATE TABLE p (id INTEGER PRIMARY KEY, pan TEXT, cvv TEXT);\n\
         INSERT INTO p VALUES (1, '{LIVE2}', '789');"
    ))
    .unwrap();
    drop(db);
    t
}

/// Runs `--format sarif` on the tree with the evidence record beside it;
/// returns the exit code, the SARIF log and the record.
fn sarif_and_record(t: &Tree) -> (i32, Value, Value, Vec<u8>) {
    let rec = t.path().join("evidence.json");
    let root = t.path().join("tree");
    let out = bin()
        .args([
            "--format",
            "sarif",
            "--no-progress",
            "-e",
            "skipme",
            "--json",
        ])
        .arg(&rec)
        .arg(&root)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let log: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is one JSON document: {e}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let record: Value = serde_json::from_slice(&std::fs::read(&rec).unwrap()).unwrap();
    (out.status.code().unwrap(), log, record, out.stdout)
}

fn scanned() -> (Tree, i32, Value, Value, Vec<u8>) {
    let t = tree();
    let (code, log, record, raw) = sarif_and_record(&t);
    (t, code, log, record, raw)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn rule_id(kind: &str) -> &'static str {
    match kind {
        "pan" => "PAN001",
        "track1" => "PAN002",
        "track2" => "PAN003",
        "masked_pan" => "PAN004",
        "cvv" => "PAN005",
        "sad_field" => "PAN006",
        k => panic!("unknown kind {k}"),
    }
}

#[test]
fn sarif_validates_and_mirrors_the_record() {
    let (t, code, log, record, raw) = scanned();
    assert_eq!(code, 1, "card data found");
    let errors = schema_errors(&log);
    assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");
    for pan in [LIVE, LIVE2, "4111111111111111"] {
        assert!(!contains_pan(&raw, pan), "the SARIF log holds {pan}");
    }

    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];

    // The driver and one rule per kind, tagged with PCI DSS requirements.
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "pan-scan");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["PAN001", "PAN002", "PAN003", "PAN004", "PAN005", "PAN006"]
    );
    let tags = |id: &str| -> Vec<String> {
        rules.iter().find(|r| r["id"] == id).unwrap()["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect()
    };
    for (id, want) in [
        ("PAN001", "PCI-DSS-3.5.1"),
        ("PAN001", "PCI-DSS-6.5.6"),
        ("PAN002", "PCI-DSS-3.3.1.1"),
        ("PAN003", "PCI-DSS-3.3.1.1"),
        ("PAN003", "PCI-DSS-3.5.1"),
        ("PAN004", "PCI-DSS-3.4.1"),
        ("PAN005", "PCI-DSS-3.3.1.2"),
        ("PAN006", "PCI-DSS-3.3.1.3"),
    ] {
        assert!(tags(id).contains(&want.to_string()), "{id}: {want}");
    }
    assert!(!tags("PAN004").contains(&"PCI-DSS-3.5.1".to_string()));
    for r in rules {
        assert!(tags(r["id"].as_str().unwrap()).contains(&"security".to_string()));
        for k in ["name", "shortDescription", "fullDescription", "help"] {
            assert!(!r[k].is_null(), "{}: {k}", r["id"]);
        }
        assert!(r["help"]["text"].as_str().unwrap().len() > 80);
        let sev: f64 = r["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&sev));
        assert!(["error", "warning", "note"]
            .contains(&r["defaultConfiguration"]["level"].as_str().unwrap()));
    }

    // One result per finding, in the record's order, with its stable id.
    let findings = record["findings"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    let root = t.path().join("tree");
    let base = &run["originalUriBaseIds"]["SRCROOT"]["uri"];
    assert_eq!(
        base.as_str().unwrap(),
        format!("file://{}/", root.to_str().unwrap()),
        "SRCROOT is the scanned root"
    );
    let root_s = root.to_str().unwrap().to_string() + "/";
    for (res, f) in results.iter().zip(findings) {
        let kind = f["kind"].as_str().unwrap();
        assert_eq!(res["ruleId"], rule_id(kind));
        assert_eq!(res["partialFingerprints"]["panScanId/v1"], f["id"]);
        assert_eq!(res["properties"]["id"], f["id"]);
        assert_eq!(res["properties"]["kind"], f["kind"]);
        assert_eq!(res["properties"]["confidence"], f["confidence"]);
        assert_eq!(res["properties"]["test_pan"], f["test_pan"]);
        let want_level = match kind {
            _ if f["test_pan"] == true => "warning",
            "pan" | "track1" | "track2" | "cvv" => "error",
            "masked_pan" if f["compliant"] == true => "note",
            _ => "warning",
        };
        assert_eq!(res["level"], want_level, "{f}");
        let text = res["message"]["text"].as_str().unwrap();
        assert!(text.contains(f["masked"].as_str().unwrap()), "{text}");
        assert!(text.contains(f["path"].as_str().unwrap()), "{text}");
        if let Some(b) = f["brand"].as_str() {
            assert!(text.contains(b), "{text}");
        }
        let loc = &res["locations"][0];
        let art = &loc["physicalLocation"]["artifactLocation"];
        assert_eq!(art["uriBaseId"], "SRCROOT");
        let path = f["path"].as_str().unwrap();
        let rel = path.strip_prefix(&root_s).expect("under the root");
        let (outer, member) = match rel.split_once('!') {
            Some((a, b)) => (a, Some(b)),
            None => (rel, None),
        };
        assert_eq!(percent_decode(art["uri"].as_str().unwrap()), outer);
        let region = &loc["physicalLocation"]["region"];
        match member {
            Some(m) => {
                assert_eq!(res["properties"]["member"], m);
                assert!(region.is_null(), "a member's line is not the archive's");
                let fq = loc["logicalLocations"][0]["fullyQualifiedName"]
                    .as_str()
                    .unwrap();
                assert!(fq.contains(m), "{fq}");
                assert_eq!(res["properties"]["line"], f["line"]);
            }
            None if f["location"]["rowid"].is_number() => {
                assert!(region.is_null(), "a SQLite value has no line in the file");
            }
            None => {
                assert_eq!(region["startLine"], f["line"]);
                if f["column"].as_u64().unwrap() > 0 {
                    assert_eq!(region["startColumn"], f["column"]);
                    assert_eq!(region["byteOffset"], f["offset"]);
                }
            }
        }
        if let Some(l) = f.get("location") {
            assert_eq!(&res["properties"]["location"], l);
        }
    }
    // Every rule has a result here; the archive member, the odd name and
    // the dump's fields are among them.
    for id in ids {
        assert!(results.iter().any(|r| r["ruleId"] == id), "{id}");
    }
    let by_uri = |u: &str| {
        results
            .iter()
            .filter(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == u)
            .count()
    };
    assert_eq!(by_uri("backup/site.tar.gz"), 1);
    assert!(by_uri("db/cards.db") >= 2, "the SQLite PAN and CVV");
    assert_eq!(by_uri("odd/a%20b%231%25.log"), 1);
    let member = results
        .iter()
        .find(|r| r["properties"]["member"].is_string())
        .unwrap();
    assert_eq!(member["properties"]["member"], "site.tar!site/app.log");
    let cvv = results.iter().find(|r| r["ruleId"] == "PAN005").unwrap();
    assert!(cvv["properties"]["pci_dss"]
        .as_array()
        .unwrap()
        .contains(&json!("3.3.1.2")));

    // The invocation: exit code, times, verdict, and the coverage gaps.
    let inv = &run["invocations"][0];
    assert_eq!(inv["executionSuccessful"], true);
    assert_eq!(inv["exitCode"], 1);
    assert_eq!(inv["startTimeUtc"], record["run"]["started_at"]);
    assert_eq!(inv["endTimeUtc"], record["run"]["ended_at"]);
    assert_eq!(inv["properties"]["verdict"], "card-data-found");
    let notes = inv["toolExecutionNotifications"].as_array().unwrap();
    let entries = record["coverage"]["entries"].as_array().unwrap();
    assert_eq!(notes.len(), entries.len());
    let corrupt = notes
        .iter()
        .find(|n| n["properties"]["reason"] == "corrupt")
        .expect("the corrupt gzip is a notification");
    assert_eq!(corrupt["level"], "warning");
    assert_eq!(
        corrupt["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "old/broken.gz"
    );
    assert!(corrupt["message"]["text"]
        .as_str()
        .unwrap()
        .contains("corrupt"));
    let excluded = notes
        .iter()
        .find(|n| n["properties"]["reason"] == "excluded")
        .expect("the exclusion is a notification");
    assert_eq!(excluded["level"], "note", "a scope decision, not a gap");
    let descriptors = driver["notifications"].as_array().unwrap();
    for n in notes {
        let i = n["descriptor"]["index"].as_u64().unwrap() as usize;
        assert_eq!(descriptors[i]["id"], n["descriptor"]["id"]);
    }
}

#[test]
fn the_schema_rejects_broken_sarif() {
    let (_t, _, log, _, _) = scanned();
    assert!(schema_errors(&log).is_empty());
    type Break = fn(&mut Value);
    let breaks: [(&str, Break); 4] = [
        ("level", |v| {
            v["runs"][0]["results"][0]["level"] = "fatal".into()
        }),
        ("extra", |v| v["runs"][0]["results"][0]["bogus"] = 1.into()),
        ("line", |v| {
            let r = v["runs"][0]["results"].as_array_mut().unwrap();
            let r = r
                .iter_mut()
                .find(|r| !r["locations"][0]["physicalLocation"]["region"].is_null())
                .unwrap();
            r["locations"][0]["physicalLocation"]["region"]["startLine"] = 0.into();
        }),
        ("version", |v| v["version"] = "2.0.0".into()),
    ];
    for (what, f) in breaks {
        let mut bad = log.clone();
        f(&mut bad);
        assert!(!schema_errors(&bad).is_empty(), "{what}: not rejected");
    }
}

/// The multitool's native binary (the npm wrapper runs it through a shell,
/// which would split arguments).
fn multitool() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PAN_SCAN_SARIF_MULTITOOL") {
        return Some(PathBuf::from(p));
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/ci-tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    p.is_file().then_some(p)
}

/// Validates with the multitool; returns its error-level results.
fn multitool_errors(tool: &Path, file: &Path, dir: &Path) -> Vec<String> {
    // SARIF2006 (URIs should be reachable) fetches URIs over the network:
    // off, there is none.
    let cfg = dir.join("validate.xml");
    std::fs::write(
        &cfg,
        r#"<?xml version="1.0" encoding="utf-8"?>
<Properties>
  <Properties Key="SARIF2006.UrisShouldBeReachable.Options">
    <Property Key="RuleEnabled" Value="Disabled" Type="Driver.RuleEnabledState" />
  </Properties>
</Properties>
"#,
    )
    .unwrap();
    let out_file = dir.join("validation.sarif");
    let out = std::process::Command::new(tool)
        .arg("validate")
        .arg(file)
        .arg("-o")
        .arg(&out_file)
        .args(["--log", "ForceOverwrite", "-c"])
        .arg(&cfg)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let console = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "the multitool failed: {console}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&std::fs::read(&out_file).unwrap())
        .unwrap_or_else(|e| panic!("the multitool's output: {e}\n{console}"));
    let errors: Vec<String> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["level"] == "error")
        .map(|r| format!("{} {}", r["ruleId"], r["message"]))
        .collect();
    // The console says the same.
    let console_errors = console.lines().filter(|l| l.contains(": error ")).count();
    assert_eq!(console_errors, errors.len(), "{console}");
    errors
}

#[test]
fn the_sarif_multitool_reports_no_errors() {
    let Some(tool) = multitool() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install the SARIF multitool (.ci/run)"
        );
        eprintln!(
            "SKIPPED the_sarif_multitool_reports_no_errors: the SARIF multitool is not installed \
             (npm install --prefix target/ci-tools @microsoft/sarif-multitool, as .ci/run does, \
             or set PAN_SCAN_SARIF_MULTITOOL)"
        );
        return;
    };
    let (t, _, log, _, raw) = scanned();
    // First, that it does report errors: a log with an unknown property,
    // a line 0, and a rule index past the rules.
    let mut bad = log.clone();
    let results = bad["runs"][0]["results"].as_array_mut().unwrap();
    results[0]["bogus"] = 1.into();
    let with_region = results
        .iter_mut()
        .find(|r| !r["locations"][0]["physicalLocation"]["region"].is_null())
        .unwrap();
    with_region["locations"][0]["physicalLocation"]["region"]["startLine"] = 0.into();
    results[1]["ruleIndex"] = 17.into();
    let bad_file = t.path().join("bad.sarif");
    std::fs::write(&bad_file, serde_json::to_vec_pretty(&bad).unwrap()).unwrap();
    let errors = multitool_errors(&tool, &bad_file, t.path());
    assert!(
        errors.len() >= 3,
        "the multitool must see the broken log: {errors:#?}"
    );

    // pan-scan's own output: no error.
    let file = t.path().join("pan-scan.sarif");
    std::fs::write(&file, &raw).unwrap();
    let errors = multitool_errors(&tool, &file, t.path());
    assert!(errors.is_empty(), "SARIF multitool errors: {errors:#?}");

    let (_, raw) = several_roots(&t);
    let file = t.path().join("roots.sarif");
    std::fs::write(&file, &raw).unwrap();
    let errors = multitool_errors(&tool, &file, t.path());
    assert!(errors.is_empty(), "SARIF multitool errors: {errors:#?}");
}

/// A run on several roots from `tree/www`: standard input, `.`, a relative
/// file root that climbs with `..`, an absolute directory. Checks the log
/// against the schema and that each base plus its relative URI names the
/// file the finding is in; returns the log and its bytes.
fn several_roots(t: &Tree) -> (Value, Vec<u8>) {
    let www = t.path().join("tree/www");
    let mut c = bin()
        .args([
            "--format",
            "sarif",
            "--no-progress",
            "-",
            ".",
            "../db/shop.sql",
        ])
        .arg(t.path().join("tree/odd"))
        .current_dir(&www)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin
        .take()
        .unwrap()
        .write_all(format!("card {LIVE}\n").as_bytes())
        .unwrap();
    let out = c.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(schema_errors(&log).is_empty(), "{:#?}", schema_errors(&log));
    let bases = log["runs"][0]["originalUriBaseIds"].as_object().unwrap();
    assert_eq!(bases.len(), 3, "{bases:#?}");
    for b in bases.values() {
        let u = b["uri"].as_str().unwrap();
        assert!(
            u.starts_with("file:///") && u.ends_with('/') && !u.contains(".."),
            "{u}"
        );
    }
    // Each base plus its relative URI names the file the finding is in.
    let mut resolved = 0;
    for r in log["runs"][0]["results"].as_array().unwrap() {
        let art = &r["locations"][0]["physicalLocation"]["artifactLocation"];
        let path = r["properties"]["path"].as_str().unwrap();
        let Some(base) = art["uriBaseId"].as_str() else {
            assert_eq!(path, "-", "only standard input has no base");
            continue;
        };
        let base = bases[base]["uri"].as_str().unwrap();
        let url = format!("{base}{}", art["uri"].as_str().unwrap());
        let at = PathBuf::from(percent_decode(url.strip_prefix("file://").unwrap()));
        let want = www.join(path.split('!').next().unwrap());
        assert_eq!(
            std::fs::canonicalize(&at).unwrap(),
            std::fs::canonicalize(&want).unwrap(),
            "{url} for {path}"
        );
        resolved += 1;
    }
    assert!(resolved >= 5, "{resolved}");
    (log, out.stdout)
}

#[test]
fn several_roots_resolve_to_their_files() {
    several_roots(&tree());
}

#[test]
fn report_files_hold_the_same_sarif_as_standard_output() {
    let t = Tree::new();
    t.file("s/a.log", format!("card {LIVE}\n"));
    let out = t.path().join("out.sarif");
    let o = run(&[
        "--no-progress",
        "--format",
        "sarif",
        "--report",
        out.to_str().unwrap(),
        t.path().join("s").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let file = std::fs::read(&out).unwrap();
    assert_eq!(file, o.stdout);
    let v: Value = serde_json::from_slice(&file).unwrap();
    assert!(schema_errors(&v).is_empty());
    assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), 1);
    // A clean run is a valid log with no results.
    let clean = t.file("c/a.txt", "nothing here\n");
    let o = run(&[
        "--no-progress",
        "--format",
        "sarif",
        clean.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(schema_errors(&v).is_empty());
    assert_eq!(v["runs"][0]["results"], json!([]));
    assert_eq!(v["runs"][0]["invocations"][0]["exitCode"], 0);
}

#[test]
fn baselines_and_suppressions_use_sarifs_own_terms() {
    let t = Tree::new();
    let key = "0123456789abcdef-sarif";
    t.file("s/old.log", format!("card {LIVE}\n"));
    let base = t.path().join("base.json");
    let go = |args: &[&str]| {
        crate::util::bin()
            .env("PAN_SCAN_KEY", key)
            .args(["--no-progress", "--no-config"])
            .args(args)
            .output()
            .unwrap()
    };
    let s = t.path().join("s");
    go(&["--json", base.to_str().unwrap(), s.to_str().unwrap()]);
    t.file("s/vendor/new.log", "card 5457623890123454\n");
    let sup = t.file(
        "sup.toml",
        "[[suppress]]\npath = \"**/vendor/**\"\njustification = \"vendor sample (SEC-9)\"\n",
    );
    let o = go(&[
        "--format",
        "sarif",
        "--baseline",
        base.to_str().unwrap(),
        "--suppressions",
        sup.to_str().unwrap(),
        s.to_str().unwrap(),
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(schema_errors(&v).is_empty(), "{:?}", schema_errors(&v));
    let results = v["runs"][0]["results"].as_array().unwrap();
    let by = |last4: &str| {
        results
            .iter()
            .find(|r| r["properties"]["masked"].as_str().unwrap().ends_with(last4))
            .unwrap()
    };
    assert_eq!(by("1486")["baselineState"], "unchanged");
    assert!(by("1486").get("suppressions").is_none());
    let new = by("3454");
    assert_eq!(new["baselineState"], "new");
    assert_eq!(new["suppressions"][0]["kind"], "external");
    assert_eq!(new["suppressions"][0]["status"], "accepted");
    assert_eq!(
        new["suppressions"][0]["justification"],
        "vendor sample (SEC-9)"
    );
}
