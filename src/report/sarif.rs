//! SARIF 2.1.0 view of the evidence record, for code-scanning dashboards
//! (GitHub code scanning, Azure DevOps, any SARIF viewer).
//!
//! One run. `tool.driver.rules` holds one rule per finding kind ([`RULES`]:
//! `PAN001` pan … `PAN006` sad_field), each tagged with the PCI DSS
//! requirements its findings bear on (from `rules/pci_dss.json`) and with a
//! `security-severity`. Each finding is one result: its level says what it
//! is (`error`: card data that is not a published test PAN; `warning`: a
//! test PAN, a field named for sensitive authentication data, a masked PAN
//! that shows too much; `note`: a compliantly masked PAN), its message
//! names the masked number, the brand and the place, and
//! `partialFingerprints["panScanId/v1"]` carries the finding's stable id.
//! With `--baseline` a result has `baselineState` (`new`, `unchanged`); a
//! suppressed finding carries an accepted external `suppressions` entry
//! with its justification.
//!
//! Locations are relative to the scanned root (`uriBaseId` `SRCROOT`, then
//! `SRCROOT2`, … for further roots, resolved in `originalUriBaseIds`). A
//! finding inside a container (`backup.tar.gz!site/app.log`) is located on
//! the file on disk, with the member path in a logical location and in the
//! result's properties; its line and column are the member's, so they are
//! given in the properties and not as a region of the outer file (nor are
//! the lines of text extracted from a SQLite table, a PDF page or a mail
//! part).
//! Every coverage entry (a file or member not fully scanned) is a
//! tool-execution notification of the invocation: `warning` when data may
//! have been missed, `note` for a scope decision (excluded, symlink, …).
//!
//! Nothing here holds more than the record does: masked numbers and masked
//! paths only.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::{evidence, pci, Report};
use crate::finding::Kind;

/// The schema the output names.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The key of the stable finding id in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "panScanId/v1";

/// One rule per finding kind.
pub struct Rule {
    pub kind: Kind,
    pub id: &'static str,
    pub name: &'static str,
    pub short: &'static str,
    pub full: &'static str,
    pub help: &'static str,
    /// The level of a result of this kind that is card data.
    pub level: &'static str,
    /// GitHub's `security-severity` (0.0–10.0).
    pub severity: &'static str,
    /// The facts of `rules/pci_dss.json` a finding of this kind can show.
    pub facts: &'static [&'static str],
}

pub const RULES: [Rule; 6] = [
    Rule {
        kind: Kind::Pan,
        id: "PAN001",
        name: "CleartextPan",
        short: "Primary account number (PAN) stored in cleartext.",
        full: "A 12-19 digit number in a card brand's IIN range and length that passes the Luhn \
               check, stored readable (contiguous, grouped, or in another encoding). PCI DSS \
               requires a stored PAN to be unreadable (3.5.1) and kept no longer than the \
               retention policy allows (3.2.1). A published test PAN is reported as a warning.",
        help: "Find out why this PAN is stored here. If it is not needed, delete it (with its \
               copies in backups and rotated logs) and fix the process that wrote it. If it must \
               be kept, render it unreadable (strong cryptography, truncation, tokenization or a \
               keyed hash: PCI DSS 3.5.1) and bring the location into the documented scope \
               (12.5.2). A location outside the known cardholder data environment calls for the \
               incident response procedure (12.10.7, A3.2.5.2). For a published test PAN, \
               confirm this is not a production system (6.5.6).",
        level: "error",
        severity: "9.0",
        facts: &["cleartext_pan", "test_pan"],
    },
    Rule {
        kind: Kind::Track1,
        id: "PAN002",
        name: "Track1Data",
        short: "Full track 1 (magnetic stripe) data stored.",
        full: "A track 1 record (%B, PAN, ^, name, ^, expiry and service code): sensitive \
               authentication data, which must not be kept after authorization even encrypted \
               (PCI DSS 3.3.1.1). Its PAN is stored in cleartext too (3.5.1). The name is never \
               kept or shown.",
        help: "Delete the track data and find the process that keeps it (card readers, POS or \
               debug logs, payment application tables); encryption is no fix, sensitive \
               authentication data may not be stored after authorization at all (3.3.1.1). \
               Check the backups and log archives of the same system, and treat an unexpected \
               location as an incident (12.10.7).",
        level: "error",
        severity: "9.5",
        facts: &["track_data", "cleartext_pan", "test_pan"],
    },
    Rule {
        kind: Kind::Track2,
        id: "PAN003",
        name: "Track2Data",
        short: "Full track 2 (magnetic stripe) or EMV tag 57 data stored.",
        full: "A track 2 record (;PAN=expiry, service code and discretionary data) or its chip \
               equivalent, EMV tag 57: sensitive authentication data, which must not be kept \
               after authorization even encrypted (PCI DSS 3.3.1.1). Its PAN is stored in \
               cleartext too (3.5.1).",
        help: "Delete the track data and find the process that keeps it (card readers, POS or \
               debug logs, EMV kernels, payment application tables); encryption is no fix, \
               sensitive authentication data may not be stored after authorization at all \
               (3.3.1.1). Check the backups and log archives of the same system, and treat an \
               unexpected location as an incident (12.10.7).",
        level: "error",
        severity: "9.5",
        facts: &["track_data", "cleartext_pan", "test_pan"],
    },
    Rule {
        kind: Kind::MaskedPan,
        id: "PAN004",
        name: "MaskedPan",
        short: "Masked PAN.",
        full: "A PAN with its middle digits masked (411111******1111, XXXX-XXXX-XXXX-1111). \
               Compliant when at most the BIN (first 6, or 8) and the last four digits are shown \
               (PCI DSS 3.4.1): then it is a note, evidence of where card numbers are displayed \
               or logged. A masked PAN that shows more is a warning.",
        help: "For a warning: change the masking so that at most the BIN and the last four \
               digits are shown (3.4.1), and mask or delete what was already written this way. \
               A compliant masked PAN needs no action.",
        level: "warning",
        severity: "5.0",
        facts: &["masked_noncompliant"],
    },
    Rule {
        kind: Kind::Cvv,
        id: "PAN005",
        name: "CardVerificationCode",
        short: "Card verification code stored beside a PAN.",
        full: "A 3-4 digit value in a field named like a card verification code (CVV2, CVC2, \
               CID, security code) on the same row or object as a PAN. The value is never \
               shown. A card verification code must not be kept after authorization, even \
               encrypted (PCI DSS 3.3.1.2).",
        help: "Delete the stored codes, then drop the field or stop filling it: find the \
               process that writes it (checkout forms, payment logs, order tables). Encryption \
               is no fix (3.3.1.2).",
        level: "error",
        severity: "9.0",
        facts: &["cvv_value"],
    },
    Rule {
        kind: Kind::SadField,
        id: "PAN006",
        name: "SensitiveAuthenticationDataField",
        short: "Field named for sensitive authentication data.",
        full: "A database column, CSV header or JSON key named like a card verification code, \
               track data or a PIN block. Reported once per field, even when it is empty: it is \
               not card data by itself, but a place made to hold data that PCI DSS 3.3.1 \
               forbids keeping after authorization.",
        help: "Check whether the field is ever filled. If it can hold sensitive authentication \
               data, remove it from the schema or stop writing to it (3.3.1.1-3.3.1.3); if it \
               holds something else, rename it so that the next review does not have to ask.",
        level: "warning",
        severity: "6.0",
        facts: &["cvv_field", "track_field", "pin_field"],
    },
];

/// The rule of a finding kind, and its index in `RULES`.
pub fn rule_of(kind: &str) -> Option<(usize, &'static Rule)> {
    RULES
        .iter()
        .enumerate()
        .find(|(_, r)| r.kind.label() == kind)
}

/// The PCI DSS requirements whose issue a finding of this rule can show.
pub fn requirements(rule: &Rule) -> Vec<String> {
    pci::get()
        .requirements
        .iter()
        .filter(|q| q.issue_if.iter().any(|f| rule.facts.contains(&f.as_str())))
        .map(|q| q.id.clone())
        .collect()
}

fn rule_descriptor(rule: &Rule) -> Value {
    let reqs = requirements(rule);
    let mut tags = vec![
        "security".to_string(),
        "pci-dss".to_string(),
        "cardholder-data".to_string(),
    ];
    tags.extend(reqs.iter().map(|id| format!("PCI-DSS-{id}")));
    let md = format!(
        "**{}**\n\n{}\n\n**What to do.** {}\n\nPCI DSS v4.0.1: {}.",
        rule.short,
        rule.full,
        rule.help,
        reqs.join(", ")
    );
    json!({
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.short},
        "fullDescription": {"text": rule.full},
        "help": {"text": rule.help, "markdown": md},
        "defaultConfiguration": {"level": rule.level},
        "properties": {
            "kind": rule.kind.label(),
            "tags": tags,
            "pci_dss": reqs,
            "precision": "high",
            "problem.severity": match rule.level {
                "error" => "error",
                _ => "warning",
            },
            "security-severity": rule.severity,
        }
    })
}

/// A result's level: card data is an error unless it is a test PAN; test
/// PANs, SAD-named fields and masked PANs that show too much are warnings;
/// compliant masked PANs are notes.
pub fn level(f: &Value) -> &'static str {
    let test = f["test_pan"] == true;
    match f["kind"].as_str().unwrap_or("") {
        "pan" | "track1" | "track2" | "cvv" if test => "warning",
        "pan" | "track1" | "track2" | "cvv" => "error",
        "masked_pan" if f["compliant"] == true => "note",
        _ => "warning",
    }
}

/// RFC 3986 percent-encoding of a path: unreserved characters, `/` and
/// the sub-delimiters and `@` a path segment may hold stay; everything
/// else (`%`, `:`, `?`, `#`, space, controls, non-ASCII bytes) is encoded.
/// `:` is encoded so that a relative reference never reads as a scheme.
pub fn encode_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for &b in p.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `a/./b//c/../d` → `a/b/d`, lexically (SARIF consumers refuse `..` in a
/// base URI); a `..` that climbs above a relative path's start is kept.
fn clean(p: &str) -> String {
    let abs = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for s in p.split('/') {
        match s {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            ".." if abs => {}
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    if abs {
        format!("/{body}")
    } else {
        body
    }
}

/// Bases that relative URIs refer to: the scanned roots (or, for a root
/// that is a file, its directory), named `SRCROOT`, `SRCROOT2`, ….
struct Bases {
    /// Roots as the record shows them, without trailing slashes.
    roots: Vec<String>,
    /// Directories in order of first use.
    used: Vec<String>,
}

impl Bases {
    fn new(record: &Value) -> Bases {
        let roots = record["scope"]["roots"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(|r| {
                        let t = r.trim_end_matches('/');
                        if t.is_empty() && r.starts_with('/') {
                            "/".to_string()
                        } else {
                            t.to_string()
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        Bases {
            roots,
            used: Vec::new(),
        }
    }

    fn id(&mut self, dir: &str) -> String {
        let i = match self.used.iter().position(|d| d == dir) {
            Some(i) => i,
            None => {
                self.used.push(dir.to_string());
                self.used.len() - 1
            }
        };
        if i == 0 {
            "SRCROOT".into()
        } else {
            format!("SRCROOT{}", i + 1)
        }
    }

    /// The base directory and relative path of a file on disk.
    fn split<'p>(&self, file: &'p str) -> (String, &'p str) {
        // The longest root that holds the file.
        let mut best: Option<(&str, &str)> = None;
        for r in &self.roots {
            let rest = if r == "/" {
                file.strip_prefix('/')
            } else {
                file.strip_prefix(r.as_str())
                    .and_then(|s| s.strip_prefix('/'))
            };
            if let Some(rest) = rest {
                if !rest.is_empty() && best.is_none_or(|(b, _)| r.len() > b.len()) {
                    best = Some((r, rest));
                }
            }
        }
        if let Some((r, rest)) = best {
            return (r.to_string(), rest.trim_start_matches('/'));
        }
        // A root that is a file, or a path outside every root: relative to
        // its directory.
        match file.rfind('/') {
            Some(0) => ("/".into(), &file[1..]),
            Some(i) => (file[..i].to_string(), &file[i + 1..]),
            None => (".".into(), file),
        }
    }

    /// An artifact location for a path as the record shows it (the file on
    /// disk: the part before any `!`).
    fn location(&mut self, file: &str) -> Value {
        if file == "-" {
            return json!({"description": {"text": "standard input"}});
        }
        let (dir, rel) = self.split(file);
        let id = self.id(&dir);
        json!({"uri": encode_path(rel), "uriBaseId": id})
    }

    /// `originalUriBaseIds`: each base as an absolute `file:` URI ending in
    /// a slash (a relative root is resolved against the working directory,
    /// which is masked like any path).
    fn original(&self) -> Map<String, Value> {
        let cwd = std::env::current_dir()
            .ok()
            .map(|p| crate::redact::path(&p));
        let mut m = Map::new();
        for (i, dir) in self.used.iter().enumerate() {
            let id = if i == 0 {
                "SRCROOT".to_string()
            } else {
                format!("SRCROOT{}", i + 1)
            };
            let abs = if dir.starts_with('/') {
                Some(clean(dir))
            } else {
                cwd.as_ref().map(|c| clean(&format!("{c}/{dir}")))
            };
            let what = if self.roots.contains(dir) {
                "scanned root"
            } else {
                "directory of a scanned path"
            };
            let mut v = json!({"description": {"text": format!("{what} {dir}")}});
            if let Some(a) = abs {
                let a = if a.ends_with('/') { a } else { format!("{a}/") };
                v["uri"] = Value::String(format!("file://{}", encode_path(&a)));
            }
            m.insert(id, v);
        }
        m
    }
}

/// The structured place of a finding in words: `table cards, column
/// card_number, row 2, pk 2`, `json_path $.card.number`, `sheet S, cell B2`.
fn place(loc: &Value) -> String {
    let Some(l) = loc.as_object() else {
        return String::new();
    };
    let keys = [
        "table",
        "column",
        "column_index",
        "row",
        "pk",
        "rowid",
        "json_path",
        "sheet",
        "cell",
        "slide",
        "page",
        "paragraph",
        "message",
        "part",
        "content_type",
    ];
    let mut parts = Vec::new();
    for k in keys {
        if let Some(v) = l.get(k) {
            let v = match v {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            parts.push(format!("{} {v}", k.replace('_', " ")));
        }
    }
    parts.join(", ")
}

/// The result's message: what, which number (masked), where.
fn message(f: &Value) -> String {
    let s = |k: &str| f[k].as_str().unwrap_or("");
    let brand = f["brand"].as_str();
    let masked = s("masked");
    let what = match s("kind") {
        "pan" if f["test_pan"] == true => format!(
            "Published test PAN {masked} ({}) stored in cleartext",
            brand.unwrap_or("unknown brand")
        ),
        "pan" => format!(
            "PAN {masked} ({}) stored in cleartext",
            brand.unwrap_or("unknown brand")
        ),
        k @ ("track1" | "track2") => {
            let emv = f["track"]["emv_tag57"] == true;
            format!(
                "{} data with PAN {masked} ({}){}",
                if emv {
                    "EMV tag 57 (track 2 equivalent)"
                } else if k == "track1" {
                    "Full track 1"
                } else {
                    "Full track 2"
                },
                brand.unwrap_or("unknown brand"),
                if f["test_pan"] == true {
                    ", a published test PAN"
                } else {
                    ""
                }
            )
        }
        "masked_pan" => {
            let b = brand.map(|b| format!(" ({b})")).unwrap_or_default();
            if f["compliant"] == true {
                format!("Masked PAN {masked}{b} shows at most the BIN and the last four digits")
            } else {
                format!(
                    "Masked PAN {masked}{b} shows {} digits (more than the BIN and the last four)",
                    f["revealed_digits"]
                )
            }
        }
        "cvv" => format!("Card verification code {masked} stored beside a PAN"),
        "sad_field" => {
            let r: Vec<&str> = f["reasons"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut what = Vec::new();
            if r.contains(&"sad:cvv") {
                what.push("a card verification code");
            }
            if r.contains(&"sad:track") {
                what.push("track data");
            }
            if r.contains(&"sad:pin") {
                what.push("a PIN or PIN block");
            }
            if what.is_empty() {
                what.push("sensitive authentication data");
            }
            format!("Field named for {}", what.join(" or "))
        }
        k => format!("{k} {masked}"),
    };
    let mut at = vec![];
    let p = place(&f["location"]);
    if !p.is_empty() {
        at.push(p);
    }
    let line = f["line"].as_u64().unwrap_or(0);
    let col = f["column"].as_u64().unwrap_or(0);
    if line > 0 {
        at.push(if col > 0 {
            format!("line {line}, column {col}")
        } else {
            format!("line {line}")
        });
    }
    let conf = s("confidence");
    format!(
        "{what} in {}{}{}.",
        s("path"),
        if at.is_empty() {
            String::new()
        } else {
            format!(" ({})", at.join("; "))
        },
        if conf.is_empty() {
            String::new()
        } else {
            format!(" [{conf} confidence]")
        }
    )
}

/// Whether a finding's line, column and offset are positions in the file's
/// own bytes: not for a value read through SQLite (`rowid`), the text of a
/// PDF page or a mail part, whose lines are those of the extracted text.
fn at_file_bytes(loc: &Value) -> bool {
    const EXTRACTED: [&str; 8] = [
        "rowid",
        "page",
        "sheet",
        "slide",
        "paragraph",
        "message",
        "part",
        "content_type",
    ];
    loc.as_object()
        .is_none_or(|l| !EXTRACTED.iter().any(|k| l.contains_key(*k)))
}

fn result(
    f: &Value,
    object: &str,
    reqs: &BTreeMap<&str, Vec<&str>>,
    bases: &mut Bases,
) -> Option<Value> {
    let kind = f["kind"].as_str()?;
    let (index, rule) = rule_of(kind)?;
    let path = f["path"].as_str().unwrap_or("");
    let (file, member) = match path.split_once('!') {
        Some((a, b)) => (a, Some(b)),
        None => (path, None),
    };
    let mut physical = json!({"artifactLocation": bases.location(file)});
    let line = f["line"].as_u64().unwrap_or(0);
    let col = f["column"].as_u64().unwrap_or(0);
    let offset = f["offset"].as_u64().unwrap_or(0);
    if member.is_none() && file != "-" && line > 0 && at_file_bytes(&f["location"]) {
        let mut region = json!({"startLine": line});
        if col > 0 {
            region["startColumn"] = col.into();
            region["byteOffset"] = offset.into();
        }
        physical["region"] = region;
    }
    let mut location = json!({"physicalLocation": physical});
    if !object.is_empty() {
        // The member path (nested members joined by `!`), then any field.
        let sep = if member.is_some() { "!" } else { " " };
        location["logicalLocations"] = json!([{
            "name": object,
            "fullyQualifiedName": format!("{file}{sep}{object}"),
        }]);
    }
    let id = f["id"].as_str().unwrap_or("");
    let confidence = f["confidence"].as_str().unwrap_or("");
    let mut props = json!({
        "id": id,
        "kind": kind,
        "brand": f["brand"],
        "masked": f["masked"],
        "confidence": confidence,
        "reasons": f["reasons"],
        "test_pan": f["test_pan"],
        "encoding": f["encoding"],
        "path": path,
        "line": line,
        "column": col,
        "offset": offset,
        "pci_dss": reqs.get(id).cloned().unwrap_or_default(),
    });
    for k in ["compliant", "revealed_digits", "track", "location"] {
        if !f[k].is_null() {
            props[k] = f[k].clone();
        }
    }
    if let Some(m) = member {
        props["member"] = m.into();
    }
    if !object.is_empty() {
        props["object"] = object.into();
    }
    let mut result = json!({
        "ruleId": rule.id,
        "ruleIndex": index,
        "kind": "fail",
        "level": level(f),
        "message": {"text": message(f)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: id},
        "rank": match confidence {
            "high" => 90.0,
            "medium" => 60.0,
            _ => 30.0,
        },
        "properties": props,
    });
    // A baseline comparison and a suppression in SARIF's own terms, so
    // that dashboards show them.
    match f["baseline"].as_str() {
        Some("new") => result["baselineState"] = "new".into(),
        Some("persisting") => result["baselineState"] = "unchanged".into(),
        _ => {}
    }
    if let Some(s) = f.get("suppressed").filter(|s| s.is_object()) {
        result["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": s["justification"],
            "properties": {"rule": s["rule"], "expires": s["expires"]},
        }]);
    }
    Some(result)
}

/// A coverage entry as a tool-execution notification.
fn notification(e: &Value, error: bool, descriptors: &[String], bases: &mut Bases) -> Value {
    let path = e["path"].as_str().unwrap_or("");
    let reason = e["reason"].as_str().unwrap_or("");
    let detail = e["detail"].as_str().unwrap_or("");
    let (file, member) = match path.split_once('!') {
        Some((a, b)) => (a, Some(b)),
        None => (path, None),
    };
    let what = match e["bytes_scanned"].as_u64() {
        Some(n) => format!("not fully scanned ({n} bytes read)"),
        None => "not scanned".to_string(),
    };
    let text = format!(
        "{path}: {what}: {}{}{}",
        reason.replace('_', " "),
        if detail.is_empty() { "" } else { " - " },
        detail
    );
    let text = if text.ends_with('.') {
        text
    } else {
        format!("{text}.")
    };
    let mut location = json!({"physicalLocation": {"artifactLocation": bases.location(file)}});
    if let Some(m) = member {
        location["logicalLocations"] = json!([{
            "name": m,
            "fullyQualifiedName": path,
        }]);
    }
    let mut props = json!({
        "path": path,
        "reason": reason,
        "detail": detail,
        "data_may_be_missed": error,
    });
    if let Some(n) = e["bytes_scanned"].as_u64() {
        props["bytes_scanned"] = n.into();
    }
    if let Some(m) = member {
        props["member"] = m.into();
    }
    let index = descriptors.iter().position(|d| d == reason).unwrap_or(0);
    json!({
        "level": if error { "warning" } else { "note" },
        "message": {"text": text},
        "descriptor": {"id": format!("coverage/{reason}"), "index": index},
        "locations": [location],
        "properties": props,
    })
}

/// `permission_denied` → `PermissionDenied`.
fn pascal(label: &str) -> String {
    label
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Builds the SARIF log of a report.
pub fn log(r: &Report) -> Value {
    let rec = r.record;
    let run = &rec["run"];
    let mut bases = Bases::new(rec);

    // Requirement ids per finding id, from the record's PCI DSS map.
    let mut reqs: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    if let Some(a) = rec["pci_dss"]["requirements"].as_array() {
        for q in a {
            let qid = q["id"].as_str().unwrap_or("");
            for id in q["finding_ids"].as_array().into_iter().flatten() {
                if let Some(id) = id.as_str() {
                    reqs.entry(id).or_default().push(qid);
                }
            }
        }
    }

    let empty = Vec::new();
    let findings = rec["findings"].as_array().unwrap_or(&empty);
    let results: Vec<Value> = findings
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let object = r.findings.get(i).map(evidence::object).unwrap_or_default();
            result(f, &object, &reqs, &mut bases)
        })
        .collect();

    // Coverage: one descriptor per reason that occurs, one notification
    // per entry.
    let mut descriptors: Vec<String> = Vec::new();
    let mut desc_values = Vec::new();
    for s in r.skipped {
        let label = s.reason.label().to_string();
        if !descriptors.contains(&label) {
            descriptors.push(label.clone());
            desc_values.push(json!({
                "id": format!("coverage/{label}"),
                "name": pascal(&label),
                "shortDescription": {"text": format!("Not fully scanned: {}.", s.reason.describe())},
                "defaultConfiguration": {"level": if s.reason.is_error() { "warning" } else { "note" }},
                "properties": {"data_may_be_missed": s.reason.is_error()},
            }));
        }
    }
    let entries = rec["coverage"]["entries"].as_array().unwrap_or(&empty);
    let notifications: Vec<Value> = entries
        .iter()
        .zip(r.skipped)
        .map(|(e, s)| notification(e, s.reason.is_error(), &descriptors, &mut bases))
        .collect();

    let verdict = rec["verdict"].as_str().unwrap_or(r.summary.verdict.label());
    let exit_code = rec["exit_code"]
        .as_i64()
        .unwrap_or(i64::from(r.summary.exit_code));
    let args: Vec<Value> = run["command_line"]
        .as_array()
        .map(|a| a.iter().skip(1).cloned().collect())
        .unwrap_or_default();
    let mut invocation = json!({
        "executionSuccessful": run["interrupted"] != true,
        "exitCode": exit_code,
        "exitCodeDescription": verdict,
        "arguments": args,
        "toolExecutionNotifications": notifications,
        "properties": {
            "verdict": verdict,
            "coverage_complete": rec["coverage"]["complete"],
            "files_scanned": rec["coverage"]["files_scanned"],
            "bytes_scanned": rec["coverage"]["bytes_scanned"],
            "members_scanned": rec["coverage"]["members_scanned"],
            "bytes_in_holes": rec["coverage"]["bytes_in_holes"],
            "not_fully_scanned": rec["coverage"]["not_fully_scanned"],
            "data_may_be_missed": rec["coverage"]["data_may_be_missed"],
            "findings": rec["summary"]["findings"],
            "findings_omitted": rec["summary"]["findings_omitted"],
            "card_data_findings": rec["summary"]["card_data_findings"],
            "test_pan_findings": rec["summary"]["test_pan_findings"],
            "masked_noncompliant": rec["summary"]["masked_noncompliant"],
        },
    });
    for (from, to) in [("started_at", "startTimeUtc"), ("ended_at", "endTimeUtc")] {
        if let Some(t) = run[from].as_str() {
            invocation[to] = t.into();
        }
    }
    if let Some(h) = run["host"]["hostname"].as_str() {
        invocation["machine"] = h.into();
    }
    if let Some(u) = run["host"]["user"].as_str() {
        invocation["account"] = u.into();
    }

    let version = run["tool_version"]
        .as_str()
        .unwrap_or(env!("CARGO_PKG_VERSION"));
    let mut run_props = json!({
        "record_type": rec["record_type"],
        "schema_version": rec["schema_version"],
        "scan_id": run["scan_id"],
        "rules_version": run["rules_version"],
        "rules_sha256": run["rules_sha256"],
        "fingerprint_key": run["fingerprint_key"],
        "verdict": verdict,
        "scope": rec["scope"],
    });
    if rec["integrity"].is_object() {
        run_props["evidence_integrity"] = rec["integrity"].clone();
    }
    let mut out_run = json!({
        "tool": {
            "driver": {
                "name": "pan-scan",
                "fullName": "pan-scan PCI DSS v4.0.1 cardholder-data discovery scanner",
                "version": version,
                "semanticVersion": version,
                "rules": RULES.iter().map(rule_descriptor).collect::<Vec<_>>(),
                "notifications": desc_values,
                "properties": {
                    "rules_version": run["rules_version"],
                    "rules_sha256": run["rules_sha256"],
                },
            }
        },
        "invocations": [invocation],
        "results": results,
        "properties": run_props,
    });
    if let Some(id) = run["scan_id"].as_str() {
        out_run["automationDetails"] = json!({"id": format!("pan-scan/{id}")});
    }
    let original = bases.original();
    if !original.is_empty() {
        out_run["originalUriBaseIds"] = Value::Object(original);
    }
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [out_run],
    })
}

pub fn write(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &log(r))?;
    w.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(encode_path("a b/c%d#e?f:g"), "a%20b/c%25d%23e%3Ff%3Ag");
        assert_eq!(encode_path("411111******1111.txt"), "411111******1111.txt");
        assert_eq!(encode_path("カ"), "%E3%82%AB");
        assert_eq!(encode_path("x\ny"), "x%0Ay");
    }

    #[test]
    fn paths_are_relative_to_their_root() {
        let rec = json!({"scope": {"roots": ["/srv/www/", "t", "/", "one.log", "/srv/www/sub"]}});
        let b = Bases::new(&rec);
        assert_eq!(b.split("/srv/www/a/b.log"), ("/srv/www".into(), "a/b.log"));
        assert_eq!(b.split("/srv/www/sub/x"), ("/srv/www/sub".into(), "x"));
        assert_eq!(b.split("t/db/x.sql"), ("t".into(), "db/x.sql"));
        // Outside every root: relative to its directory.
        assert_eq!(b.split("tt/x"), ("tt".into(), "x"));
        assert_eq!(b.split("/etc/passwd"), ("/".into(), "etc/passwd"));
        // A root that is a file: relative to its directory.
        assert_eq!(b.split("one.log"), (".".into(), "one.log"));
        assert_eq!(clean("/a/./b//c/"), "/a/b/c");
        assert_eq!(clean("./x"), "x");
        assert_eq!(clean("/tmp/t/../t/www"), "/tmp/t/www");
        assert_eq!(clean("/../a"), "/a");
        assert_eq!(clean("../a/../../b"), "../../b");
        assert_eq!(pascal("permission_denied"), "PermissionDenied");
    }

    #[test]
    fn levels_follow_the_kind() {
        let f = |v: Value| level(&v);
        assert_eq!(f(json!({"kind": "pan", "test_pan": false})), "error");
        assert_eq!(f(json!({"kind": "pan", "test_pan": true})), "warning");
        assert_eq!(f(json!({"kind": "track2", "test_pan": false})), "error");
        assert_eq!(f(json!({"kind": "cvv", "test_pan": false})), "error");
        assert_eq!(
            f(json!({"kind": "sad_field", "test_pan": false})),
            "warning"
        );
        assert_eq!(f(json!({"kind": "masked_pan", "compliant": true})), "note");
        assert_eq!(
            f(json!({"kind": "masked_pan", "compliant": false})),
            "warning"
        );
    }

    #[test]
    fn rules_carry_the_requirements_of_their_facts() {
        let tags = |k: &str| requirements(rule_of(k).unwrap().1);
        assert!(tags("track1").contains(&"3.3.1.1".to_string()));
        assert!(tags("track2").contains(&"3.5.1".to_string()));
        assert!(tags("cvv").contains(&"3.3.1.2".to_string()));
        assert_eq!(tags("masked_pan"), ["3.4.1"]);
        assert!(tags("pan").contains(&"6.5.6".to_string()));
        assert!(!tags("pan").contains(&"3.3.1.1".to_string()));
        assert!(tags("sad_field").contains(&"3.3.1.3".to_string()));
        let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        assert_eq!(
            ids,
            ["PAN001", "PAN002", "PAN003", "PAN004", "PAN005", "PAN006"]
        );
        for k in Kind::ALL {
            assert!(rule_of(k.label()).is_some(), "{k:?} has a rule");
        }
    }
}
