//! The evidence record: one JSON document per run that a QSA can file for
//! PCI DSS 12.5.2 and A3.2.5 (`--format json`, `--json FILE`; schema in
//! `schema/evidence.schema.json`). It holds the run's audit record (who,
//! where, when, how: PCI DSS 10.2.1), the scope, the coverage with every
//! file or member not fully scanned, the findings with stable ids, a summary
//! (by kind, brand, confidence, directory and data store; sensitive
//! authentication data), the ROC "storage of account data" inventory, the
//! PCI DSS requirement map (`rules/pci_dss.json`, see [`super::pci`]), the
//! verdict, and an integrity block ([`super::integrity`]). Every other format
//! is a view of this record.
//!
//! Finding ids are stable across runs that share a fingerprint key
//! (`PAN_SCAN_KEY` or `--key-file`): `F` + 16 hex digits of SHA-256 over the
//! kind, the keyed fingerprint (the masked number for masked PANs), the path
//! and the location without its row number, then `-N` for the N-th such
//! finding in the file. Line numbers and offsets are left out so that a log
//! growing above a finding does not change its id.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::pci::{self, Assessment};
use super::{Summary, Verdict};
use crate::coverage::Skipped;
use crate::finding::{Finding, Kind};
use crate::runinfo::Host;

/// The version of the record's layout (`schema/evidence.schema.json`).
pub const SCHEMA_VERSION: &str = "1.0";
/// The record's `record_type`.
pub const RECORD_TYPE: &str = "pan-scan-evidence";

/// The facts of the run that the scan itself does not produce.
#[derive(Clone, Debug, Serialize)]
pub struct Run {
    pub scan_id: String,
    pub tool: &'static str,
    pub tool_version: &'static str,
    pub rules_version: String,
    /// SHA-256 of the rules files compiled into this binary.
    pub rules_sha256: String,
    pub host: Host,
    pub started_at: String,
    pub ended_at: String,
    pub duration_ms: u64,
    pub bytes_per_second: u64,
    /// The command line, PAN-like digit runs masked.
    pub command_line: Vec<String>,
    /// Every option in force, from defaults, configuration file and flags.
    pub configuration: serde_json::Value,
    /// Where the fingerprint key came from, and its id: an HMAC of a fixed
    /// label under the key, so that two records can be seen to share a key
    /// without revealing it.
    pub fingerprint_key: KeyInfo,
    pub interrupted: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct KeyInfo {
    pub source: &'static str,
    pub key_id: String,
    /// Fingerprints (and so finding ids) compare across runs.
    pub stable_across_runs: bool,
}

/// What was asked to be scanned, and under which limits.
#[derive(Clone, Debug, Serialize)]
pub struct Scope {
    pub roots: Vec<String>,
    pub stdin: bool,
    pub exclusions: Vec<Exclusion>,
    pub respect_ignore_files: bool,
    pub follow_symlinks: bool,
    pub one_file_system: bool,
    /// Archives, compressed streams, documents and mail opened.
    pub containers: bool,
    /// Findings placed in SQL dumps, CSV, JSON and SQLite.
    pub structure: bool,
    pub limits: BTreeMap<&'static str, u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Exclusion {
    pub pattern: String,
    /// `command-line` or `config:PATH`.
    pub source: String,
}

/// Files and bytes read, and everything that was not fully read.
#[derive(Debug, Serialize)]
pub struct Coverage<'a> {
    /// Everything in scope was read: no error-class coverage entry.
    pub complete: bool,
    /// Regular files the walk reached (and stdin).
    pub files_seen: u64,
    /// Of those, read to their end with every member.
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    pub members_scanned: u64,
    /// Bytes of sparse files' holes (zeros the filesystem does not store)
    /// passed over without being read; not in `bytes_scanned`.
    pub bytes_in_holes: u64,
    /// Coverage entries: files, directories or members not fully scanned.
    pub not_fully_scanned: u64,
    /// Entries whose reason means data may have been missed.
    pub data_may_be_missed: u64,
    pub by_reason: BTreeMap<&'static str, u64>,
    /// Files whose access time could not be preserved (not owned by the
    /// scanning user: O_NOATIME refused).
    pub atime_not_preserved: u64,
    pub entries: &'a [Skipped],
}

/// A finding with its id.
#[derive(Debug, Serialize)]
pub struct Item<'a> {
    pub id: String,
    #[serde(flatten)]
    pub finding: &'a Finding,
}

/// Findings per directory.
#[derive(Debug, Serialize)]
pub struct DirCount {
    pub directory: String,
    pub findings: u64,
    pub card_data: u64,
}

/// One row of the ROC "storage of account data" inventory (ROC §4.3):
/// a data store, the file/table/field inside it, the account data elements
/// stored there and how they are stored. The entity fills in how access is
/// logged.
#[derive(Debug, Serialize)]
pub struct StoreRow {
    /// The file on disk (a database file, a dump, an archive, a log).
    pub data_store: String,
    /// Inside it: an archive member, `table.column`, a CSV column, a JSON
    /// path (array indices as `[*]`), a sheet; empty for a plain file.
    pub object: String,
    /// `PAN`, `track data`, `card verification code`, `masked PAN`,
    /// `sensitive authentication data field`.
    pub elements: Vec<&'static str>,
    /// `cleartext`, `masked`, `masked (more than BIN + last 4)`, `field only`.
    pub storage: Vec<&'static str>,
    pub findings: u64,
    /// Every PAN here is a published test PAN.
    pub test_pans_only: bool,
    pub finding_ids: Vec<String>,
}

/// Where sensitive authentication data is.
#[derive(Debug, Serialize)]
pub struct Sad {
    pub found: bool,
    pub locations: Vec<SadPlace>,
}

#[derive(Debug, Serialize)]
pub struct SadPlace {
    pub path: String,
    pub object: String,
    pub kinds: Vec<&'static str>,
    pub finding_ids: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct EvidenceSummary<'a> {
    #[serde(flatten)]
    pub totals: Totals<'a>,
    pub top_directories: Vec<DirCount>,
    pub data_stores: Vec<StoreRow>,
    pub sensitive_authentication_data: Sad,
}

/// The counts of [`Summary`] that the record repeats.
#[derive(Debug, Serialize)]
pub struct Totals<'a> {
    pub findings: u64,
    pub findings_listed: u64,
    pub findings_omitted: u64,
    pub by_kind: &'a BTreeMap<&'static str, u64>,
    pub by_brand: &'a BTreeMap<String, u64>,
    pub by_confidence: &'a BTreeMap<&'static str, u64>,
    pub card_data_findings: u64,
    pub suppressed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_card_data_findings: Option<u64>,
    pub fail_on: &'static str,
    pub test_pan_findings: u64,
    pub masked_noncompliant: u64,
    pub unique_pans: u64,
    pub filter_rejections: &'a BTreeMap<&'static str, u64>,
}

#[derive(Debug, Serialize)]
pub struct PciSection {
    pub standard: &'static str,
    pub mapping_version: u32,
    pub requirements: Vec<Assessment>,
}

/// The whole record (without its integrity block, which
/// [`super::integrity::seal`] adds to the JSON value).
#[derive(Debug, Serialize)]
pub struct Evidence<'a> {
    pub record_type: &'static str,
    pub schema_version: &'static str,
    pub run: Run,
    pub scope: Scope,
    pub coverage: Coverage<'a>,
    pub findings: Vec<Item<'a>>,
    pub summary: EvidenceSummary<'a>,
    pub pci_dss: PciSection,
    /// With `--baseline`: the earlier run, and what it had that is gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<crate::baseline::Comparison>,
    /// With `--suppressions`: every rule, expired or not, and its matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressions: Option<SuppressionSection>,
    pub verdict: Verdict,
    pub exit_code: i32,
}

#[derive(Debug, Serialize)]
pub struct SuppressionSection {
    pub source: String,
    pub rules: Vec<crate::suppress::RuleRecord>,
}

/// The path of the file on disk that holds `path` (before the first `!`).
pub fn outer(path: &str) -> &str {
    path.split('!').next().unwrap_or(path)
}

/// The object inside a data store where a finding is: the member path after
/// the outer file, then `table.column`, `column C`, a JSON path with array
/// indices as `[*]`, `sheet S`. Rows, lines and cells are left out: the
/// inventory is per field, not per value.
pub fn object(f: &Finding) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some((_, member)) = f.path.split_once('!') {
        parts.push(member.to_string());
    }
    if let Some(l) = &f.location {
        let s = |k: &str| l.get(k).and_then(|v| v.as_str()).map(str::to_string);
        match (s("table"), s("column")) {
            (Some(t), Some(c)) => parts.push(format!("{t}.{c}")),
            (Some(t), None) => parts.push(format!("table {t}")),
            (None, Some(c)) => parts.push(format!("column {c}")),
            _ => {}
        }
        if let Some(p) = s("json_path") {
            parts.push(star_indices(&p));
        }
        if let Some(sh) = s("sheet") {
            parts.push(format!("sheet {sh}"));
        }
    }
    parts.join(" ")
}

/// `$.orders[3].card` → `$.orders[*].card`.
fn star_indices(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut in_index = false;
    for c in p.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' if in_index => {
                in_index = false;
                out.push_str("*]");
            }
            c if in_index && c.is_ascii_digit() => {}
            c => {
                if in_index {
                    // A quoted key (`['a b']`): keep it as it is.
                    in_index = false;
                }
                out.push(c);
            }
        }
    }
    out
}

/// The account data element a finding is.
fn element(f: &Finding) -> &'static str {
    match f.kind {
        Kind::Pan => "PAN",
        Kind::Track1 | Kind::Track2 => "track data",
        Kind::Cvv => "card verification code",
        Kind::MaskedPan => "masked PAN",
        Kind::SadField => "sensitive authentication data field",
    }
}

/// How a finding's data is stored.
fn storage(f: &Finding) -> &'static str {
    match f.kind {
        Kind::MaskedPan if f.compliant == Some(false) => "masked (more than BIN + last 4)",
        Kind::MaskedPan => "masked",
        Kind::SadField => "field only",
        _ => "cleartext",
    }
}

/// Stable ids for `findings`, in order (see the module doc).
pub fn ids(findings: &[Finding]) -> Vec<String> {
    let mut seen: HashMap<[u8; 8], u32> = HashMap::new();
    findings
        .iter()
        .map(|f| {
            let mut h = Sha256::new();
            h.update(b"pan-scan finding id v1\0");
            h.update(f.kind.label().as_bytes());
            h.update(b"\0");
            h.update(f.fingerprint.as_deref().unwrap_or(&f.masked).as_bytes());
            h.update(b"\0");
            h.update(f.path.as_bytes());
            h.update(b"\0");
            if let Some(l) = &f.location {
                // A Map is ordered by key: the serialisation is canonical.
                let mut l = l.clone();
                l.remove("row");
                h.update(serde_json::Value::Object(l).to_string().as_bytes());
            }
            let d = h.finalize();
            let key: [u8; 8] = d[..8].try_into().unwrap();
            let n = seen.entry(key).or_insert(0);
            *n += 1;
            let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
            format!("F{hex}-{n}")
        })
        .collect()
}

impl<'a> Evidence<'a> {
    /// Builds the record from the run's findings (`ids` from [`ids`]),
    /// coverage and summary.
    pub fn build(
        findings: &'a [Finding],
        ids: &[String],
        skipped: &'a [Skipped],
        summary: &'a Summary,
        run: Run,
        scope: Scope,
    ) -> Evidence<'a> {
        let items: Vec<Item> = findings
            .iter()
            .zip(ids)
            .map(|(f, id)| Item {
                id: id.clone(),
                finding: f,
            })
            .collect();

        // Facts (suppressed findings have none) for the PCI DSS map.
        let mut facts: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for it in &items {
            for fact in pci::facts_of(it.finding) {
                facts.entry(fact).or_default().push(it.id.clone());
            }
        }
        let complete = summary.incomplete == 0 && !summary.interrupted;
        let m = pci::get();
        let pci_dss = PciSection {
            standard: "PCI DSS v4.0.1",
            mapping_version: m.version,
            requirements: m.assess(&facts, complete),
        };

        Evidence {
            record_type: RECORD_TYPE,
            schema_version: SCHEMA_VERSION,
            run,
            scope,
            coverage: Coverage {
                complete,
                files_seen: summary.files_seen,
                files_scanned: summary.files_scanned,
                bytes_scanned: summary.bytes_scanned,
                members_scanned: summary.members_scanned,
                bytes_in_holes: summary.bytes_in_holes,
                not_fully_scanned: summary.skipped,
                data_may_be_missed: summary.incomplete,
                by_reason: summary.skipped_by_reason.clone(),
                atime_not_preserved: summary.atime_not_preserved,
                entries: skipped,
            },
            summary: EvidenceSummary {
                totals: Totals {
                    findings: summary.findings,
                    findings_listed: findings.len() as u64,
                    findings_omitted: summary.findings_omitted,
                    by_kind: &summary.by_kind,
                    by_brand: &summary.by_brand,
                    by_confidence: &summary.by_confidence,
                    card_data_findings: summary.card_data_findings,
                    suppressed: summary.suppressed,
                    new_card_data_findings: summary.new_card_data_findings,
                    fail_on: summary.fail_on,
                    test_pan_findings: summary.test_pan_findings,
                    masked_noncompliant: summary.masked_noncompliant,
                    unique_pans: summary.unique_pans,
                    filter_rejections: &summary.filter_rejections,
                },
                top_directories: top_directories(&items),
                data_stores: data_stores(&items),
                sensitive_authentication_data: sad(&items),
            },
            findings: items,
            pci_dss,
            baseline: None,
            suppressions: None,
            verdict: summary.verdict,
            exit_code: summary.exit_code,
        }
    }
}

/// The directory of a finding's file on disk.
fn directory(path: &str) -> String {
    let p = outer(path);
    match p.rfind('/') {
        Some(0) => "/".into(),
        Some(i) => p[..i].to_string(),
        None => ".".into(),
    }
}

/// The ten directories with the most findings (ties by name).
fn top_directories(items: &[Item]) -> Vec<DirCount> {
    let mut by: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for it in items {
        let e = by.entry(directory(&it.finding.path)).or_default();
        e.0 += 1;
        if it.finding.counts_as_card_data() {
            e.1 += 1;
        }
    }
    let mut v: Vec<DirCount> = by
        .into_iter()
        .map(|(directory, (findings, card_data))| DirCount {
            directory,
            findings,
            card_data,
        })
        .collect();
    v.sort_by(|a, b| {
        (b.card_data, b.findings)
            .cmp(&(a.card_data, a.findings))
            .then_with(|| a.directory.cmp(&b.directory))
    });
    v.truncate(10);
    v
}

/// The inventory: one row per data store and object, in path order.
fn data_stores(items: &[Item]) -> Vec<StoreRow> {
    let mut rows: BTreeMap<(String, String), StoreRow> = BTreeMap::new();
    for it in items {
        let f = it.finding;
        let key = (outer(&f.path).to_string(), object(f));
        let row = rows.entry(key.clone()).or_insert_with(|| StoreRow {
            data_store: key.0,
            object: key.1,
            elements: Vec::new(),
            storage: Vec::new(),
            findings: 0,
            test_pans_only: true,
            finding_ids: Vec::new(),
        });
        if !row.elements.contains(&element(f)) {
            row.elements.push(element(f));
        }
        if !row.storage.contains(&storage(f)) {
            row.storage.push(storage(f));
        }
        row.findings += 1;
        if f.kind.is_card_data() && !f.test_pan {
            row.test_pans_only = false;
        }
        row.finding_ids.push(it.id.clone());
    }
    rows.into_values()
        .map(|mut r| {
            r.elements.sort_unstable();
            r.storage.sort_unstable();
            // A row of masked PANs or field names only holds no test PAN
            // either: `test_pans_only` means "every PAN here is a test PAN".
            r
        })
        .collect()
}

/// Sensitive authentication data: track data, CVVs, SAD-named fields.
fn sad(items: &[Item]) -> Sad {
    // (path, object) → (kinds, finding ids)
    type Places = BTreeMap<(String, String), (BTreeSet<&'static str>, Vec<String>)>;
    let mut by = Places::new();
    for it in items {
        let f = it.finding;
        let is_sad = match f.kind {
            Kind::Track1 | Kind::Track2 => !f.test_pan,
            Kind::Cvv | Kind::SadField => true,
            _ => false,
        };
        if is_sad {
            let e = by.entry((f.path.clone(), object(f))).or_default();
            e.0.insert(f.kind.label());
            e.1.push(it.id.clone());
        }
    }
    let locations: Vec<SadPlace> = by
        .into_iter()
        .map(|((path, object), (kinds, finding_ids))| SadPlace {
            path,
            object,
            kinds: kinds.into_iter().collect(),
            finding_ids,
        })
        .collect();
    Sad {
        found: !locations.is_empty(),
        locations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(kind: Kind, path: &str, fp: &str, loc: Option<serde_json::Value>) -> Finding {
        Finding {
            fingerprint: Some(fp.into()),
            location: loc.map(|v| v.as_object().unwrap().clone()),
            ..Finding::sample(kind, path)
        }
    }

    #[test]
    fn ids_ignore_lines_and_rows_and_count_repeats() {
        let loc = |row: u64| Some(serde_json::json!({"table": "t", "column": "c", "row": row}));
        let mut a = finding(Kind::Pan, "d.sql", "aa", loc(1));
        let mut b = finding(Kind::Pan, "d.sql", "aa", loc(7));
        b.line = 99;
        b.offset = 5000;
        let c = finding(Kind::Pan, "d.sql", "bb", loc(1));
        let ids1 = ids(&[a.clone(), b.clone(), c.clone()]);
        assert_eq!(ids1[0].len(), 19);
        assert!(ids1[0].ends_with("-1") && ids1[1].ends_with("-2"));
        assert_eq!(ids1[0][..17], ids1[1][..17], "same PAN, same field");
        assert_ne!(ids1[0][..17], ids1[2][..17], "another PAN");
        // Lines shift: the ids stay.
        a.line += 10;
        b.line += 10;
        assert_eq!(ids(&[a.clone(), b, c]), ids1);
        // Another file or kind: another id.
        a.path = "e.sql".into();
        assert_ne!(ids(&[a.clone()])[0], ids1[0]);
        a.path = "d.sql".into();
        a.kind = Kind::Track2;
        assert_ne!(ids(&[a])[0], ids1[0]);
    }

    #[test]
    fn objects_name_member_field_and_path_pattern() {
        let f = finding(
            Kind::Pan,
            "backup.tar.gz!db/dump.sql",
            "aa",
            Some(serde_json::json!({"table": "customers", "column": "card_number", "row": 2})),
        );
        assert_eq!(outer(&f.path), "backup.tar.gz");
        assert_eq!(object(&f), "db/dump.sql customers.card_number");
        let j = finding(
            Kind::Pan,
            "api/orders.json",
            "aa",
            Some(serde_json::json!({"json_path": "$.orders[12].card['no 1']"})),
        );
        assert_eq!(object(&j), "$.orders[*].card['no 1']");
        assert_eq!(object(&finding(Kind::Pan, "a.log", "aa", None)), "");
        assert_eq!(directory("/var/www/a.log"), "/var/www");
        assert_eq!(directory("a.log"), ".");
        assert_eq!(directory("/a.log!x/y"), "/");
    }

    #[test]
    fn inventory_and_sad_group_by_store_and_field() {
        let loc =
            |c: &str, row: u64| Some(serde_json::json!({"table": "t", "column": c, "row": row}));
        let mut masked = finding(Kind::MaskedPan, "m.csv", "", None);
        masked.fingerprint = None;
        masked.compliant = Some(false);
        let mut test = finding(Kind::Pan, "t.txt", "cc", None);
        test.test_pan = true;
        let mut field = finding(Kind::SadField, "d.sql", "", loc("cvv", 0));
        field.reasons = vec!["sad:cvv".into()];
        let fs = [
            finding(Kind::Pan, "d.sql", "aa", loc("card", 1)),
            finding(Kind::Pan, "d.sql", "bb", loc("card", 2)),
            finding(Kind::Track2, "d.sql", "aa", loc("track", 1)),
            field,
            masked,
            test,
        ];
        let items: Vec<Item> = fs
            .iter()
            .zip(ids(&fs))
            .map(|(f, id)| Item { id, finding: f })
            .collect();
        let rows = data_stores(&items);
        let names: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.data_store.as_str(), r.object.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("d.sql", "t.card"),
                ("d.sql", "t.cvv"),
                ("d.sql", "t.track"),
                ("m.csv", ""),
                ("t.txt", "")
            ]
        );
        assert_eq!(rows[0].findings, 2);
        assert_eq!(rows[0].elements, ["PAN"]);
        assert_eq!(rows[0].storage, ["cleartext"]);
        assert!(!rows[0].test_pans_only);
        assert_eq!(rows[3].storage, ["masked (more than BIN + last 4)"]);
        assert!(rows[4].test_pans_only);
        let s = sad(&items);
        assert!(s.found);
        let kinds: Vec<_> = s.locations.iter().map(|l| l.kinds.clone()).collect();
        assert_eq!(kinds, [vec!["sad_field"], vec!["track2"]]);
        let top = top_directories(&items);
        assert_eq!(top[0].directory, ".");
        assert_eq!((top[0].findings, top[0].card_data), (6, 3));
    }
}
