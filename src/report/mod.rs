//! Report sinks. Every format is a view of one [`Report`]: the findings in
//! their deterministic order, the coverage records, the [`Summary`] with
//! the verdict and the exit code, and the [`evidence::Evidence`] record
//! built from them. `human` is for a person at a shell, `jsonl` for
//! machines (its record types are documented in `jsonl.rs` and the README),
//! `json` is the evidence record itself. [`Output`] names where a view goes:
//! standard output or a report file, written atomically ([`atomic`]).

pub mod atomic;
pub mod csv;
pub mod evidence;
pub mod html;
pub mod human;
pub mod integrity;
pub mod jsonl;
pub mod pci;
pub mod sarif;

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::coverage::Skipped;
use crate::finding::{Confidence, Finding, Kind};
use crate::fingerprint::KeySource;
use crate::scan::{Outcome, Stats};

/// Exit codes (documented in `--help` and the README).
pub mod exit {
    /// Nothing found and everything read.
    pub const CLEAN: i32 = 0;
    /// Card data found: a PAN or track data that is not a known test PAN.
    pub const FOUND: i32 = 1;
    /// Usage or fatal error.
    pub const ERROR: i32 = 2;
    /// Nothing found, but some files could not be read.
    pub const INCOMPLETE: i32 = 3;
    /// Interrupted by SIGINT.
    pub const SIGINT: i32 = 130;
    /// Interrupted by SIGTERM.
    pub const SIGTERM: i32 = 143;
}

/// The run's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Verdict {
    #[serde(rename = "clean")]
    Clean,
    #[serde(rename = "card-data-found")]
    CardDataFound,
    #[serde(rename = "incomplete")]
    Incomplete,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Clean => "clean",
            Verdict::CardDataFound => "card-data-found",
            Verdict::Incomplete => "incomplete",
        }
    }
}

/// The totals every format ends with.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub verdict: Verdict,
    pub exit_code: i32,
    /// Files the walk reached and tried to read.
    pub files_seen: u64,
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    /// Container members (decompressed streams, archive members, document
    /// parts, attachments) read to their end.
    pub members_scanned: u64,
    /// Bytes of sparse files' holes, zeros the filesystem does not store,
    /// passed over without being read (not in `bytes_scanned`).
    pub bytes_in_holes: u64,
    /// Coverage records (files, directories or streams not fully scanned).
    pub skipped: u64,
    pub skipped_by_reason: BTreeMap<&'static str, u64>,
    /// Skips that mean data may have been missed (errors, not scope).
    pub incomplete: u64,
    /// All findings, listed or omitted by the per-file limit.
    pub findings: u64,
    pub by_kind: BTreeMap<&'static str, u64>,
    pub by_brand: BTreeMap<String, u64>,
    pub by_confidence: BTreeMap<&'static str, u64>,
    /// PANs, tracks and CVVs that are neither known test PANs nor
    /// suppressed.
    pub card_data_findings: u64,
    /// Findings a suppression matched (listed, not counted as card data).
    pub suppressed: u64,
    /// With `--baseline`: card-data findings the baseline did not have.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_card_data_findings: Option<u64>,
    /// `any` or `new` (`--fail-on`): what makes the exit code 1.
    pub fail_on: &'static str,
    /// Findings whose number is a published test PAN.
    pub test_pan_findings: u64,
    /// Masked PANs that show more than BIN + last four.
    pub masked_noncompliant: u64,
    /// Distinct PANs by keyed fingerprint (listed findings only).
    pub unique_pans: u64,
    pub findings_omitted: u64,
    pub atime_not_preserved: u64,
    pub filter_rejections: BTreeMap<&'static str, u64>,
    /// Where the fingerprint key came from: `random-per-run`,
    /// `env:PAN_SCAN_KEY` or `key-file`.
    pub fingerprint_key: &'static str,
    pub interrupted: bool,
    pub elapsed_ms: u64,
    pub throughput_mib_s: f64,
    pub version: &'static str,
    pub rules_version: String,
    pub rules_sha256: String,
}

/// Everything a sink needs.
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub skipped: &'a [Skipped],
    pub summary: &'a Summary,
    /// The evidence record as JSON, integrity block included.
    pub record: &'a serde_json::Value,
}

impl Summary {
    /// Computes the summary, verdict and exit code of an outcome.
    pub fn of(
        o: &Outcome,
        key: &KeySource,
        signal_exit: Option<i32>,
        fail_on_new: bool,
    ) -> Summary {
        let rules = crate::rules::get();
        let Stats {
            files_seen,
            files_scanned,
            bytes_scanned,
            members_scanned,
            bytes_in_holes,
            atime_not_preserved,
            findings_omitted,
            card_data_omitted,
            ref filter_rejections,
        } = o.stats;
        let mut by_kind = BTreeMap::new();
        let mut by_brand = BTreeMap::new();
        let mut by_confidence = BTreeMap::new();
        for k in Kind::ALL {
            by_kind.insert(k.label(), 0);
        }
        for c in [Confidence::Low, Confidence::Medium, Confidence::High] {
            by_confidence.insert(c.label(), 0);
        }
        let mut card = card_data_omitted;
        let mut new_card = card_data_omitted;
        let mut compared = false;
        let mut suppressed = 0;
        let mut test = 0;
        let mut noncompliant = 0;
        let mut unique = std::collections::HashSet::new();
        for f in &o.findings {
            *by_kind.entry(f.kind.label()).or_insert(0) += 1;
            *by_confidence.entry(f.confidence.label()).or_insert(0) += 1;
            if let Some(b) = &f.brand {
                *by_brand.entry(b.clone()).or_insert(0) += 1;
            }
            if f.test_pan {
                test += 1;
            }
            if f.suppressed.is_some() {
                suppressed += 1;
            }
            compared |= f.baseline.is_some();
            if f.counts_as_card_data() {
                card += 1;
                if f.baseline != Some(crate::finding::BaselineStatus::Persisting) {
                    new_card += 1;
                }
            }
            if f.compliant == Some(false) {
                noncompliant += 1;
            }
            if let Some(fp) = &f.fingerprint {
                unique.insert(fp.as_str());
            }
        }
        let mut skipped_by_reason = BTreeMap::new();
        let mut incomplete = 0;
        for s in &o.skipped {
            *skipped_by_reason.entry(s.reason.label()).or_insert(0) += 1;
            if s.reason.is_error() {
                incomplete += 1;
            }
        }
        let verdict = if card > 0 {
            Verdict::CardDataFound
        } else if incomplete > 0 || o.interrupted {
            Verdict::Incomplete
        } else {
            Verdict::Clean
        };
        // With --fail-on new, card data the baseline already had does not
        // fail the run; the verdict still says it is there.
        let failing = if fail_on_new { new_card } else { card };
        let exit_code = match (signal_exit, verdict) {
            (Some(code), _) => code,
            (None, Verdict::CardDataFound) if failing > 0 => exit::FOUND,
            (None, Verdict::Clean) => exit::CLEAN,
            (None, _) if incomplete > 0 || o.interrupted => exit::INCOMPLETE,
            (None, _) => exit::CLEAN,
        };
        let secs = o.elapsed.as_secs_f64();
        Summary {
            verdict,
            exit_code,
            files_seen,
            files_scanned,
            bytes_scanned,
            members_scanned,
            bytes_in_holes,
            skipped: o.skipped.len() as u64,
            skipped_by_reason,
            incomplete,
            findings: o.findings.len() as u64 + findings_omitted,
            by_kind,
            by_brand,
            by_confidence,
            card_data_findings: card,
            suppressed,
            new_card_data_findings: compared.then_some(new_card),
            fail_on: if fail_on_new { "new" } else { "any" },
            test_pan_findings: test,
            masked_noncompliant: noncompliant,
            unique_pans: unique.len() as u64,
            findings_omitted,
            atime_not_preserved,
            filter_rejections: filter_rejections.clone(),
            fingerprint_key: key.label(),
            interrupted: o.interrupted,
            elapsed_ms: o.elapsed.as_millis() as u64,
            throughput_mib_s: if secs > 0.0 {
                (bytes_scanned as f64 / (1024.0 * 1024.0) / secs * 10.0).round() / 10.0
            } else {
                0.0
            },
            version: env!("CARGO_PKG_VERSION"),
            rules_version: rules.version.clone(),
            rules_sha256: rules.digest.clone(),
        }
    }
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One line per finding and a summary, for people.
    Human,
    /// One JSON object per line: findings, skipped, then a summary.
    Jsonl,
    /// The evidence record: one JSON document (schema/evidence.schema.json).
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// The ROC "storage of account data" inventory, one row per data store
    /// and field.
    Csv,
    /// One self-contained HTML page for auditors.
    Html,
}

impl Format {
    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Jsonl => "jsonl",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Csv => "csv",
            Format::Html => "html",
        }
    }

    /// The format a report file's name asks for, by its extension.
    pub fn of_extension(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map(|(_, e)| e)?;
        Some(match ext {
            "txt" | "log" => Format::Human,
            "jsonl" | "ndjson" => Format::Jsonl,
            "json" => Format::Json,
            "sarif" => Format::Sarif,
            "csv" => Format::Csv,
            "html" | "htm" => Format::Html,
            _ => return None,
        })
    }
}

/// Where a view of the report goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    pub format: Format,
    /// None: standard output.
    pub path: Option<std::path::PathBuf>,
}

impl Output {
    /// Parses `--report [FORMAT=]FILE`: the format from the prefix, else
    /// from the file's extension.
    pub fn parse(s: &str) -> Result<Output, String> {
        use clap::ValueEnum;
        if let Some((pre, rest)) = s.split_once('=') {
            if let Ok(format) = Format::from_str(pre, true) {
                if rest.is_empty() {
                    return Err(format!("{s}: no file name after `{pre}=`"));
                }
                return Ok(Output {
                    format,
                    path: Some(rest.into()),
                });
            }
        }
        match Format::of_extension(s) {
            Some(format) => Ok(Output {
                format,
                path: Some(s.into()),
            }),
            None => Err(format!(
                "{}: cannot tell the format from the extension; use .txt, .jsonl, .json, \
                 .sarif, .csv, .html, or FORMAT=FILE with FORMAT one of human, jsonl, \
                 json, sarif, csv, html",
                crate::redact::text(s)
            )),
        }
    }
}

/// Writes a report in a format.
pub fn write(fmt: Format, r: &Report, quiet: bool, w: &mut dyn Write) -> io::Result<()> {
    match fmt {
        Format::Human => human::write(r, quiet, w),
        Format::Jsonl => jsonl::write(r, w),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *w, r.record)?;
            w.write_all(b"\n")
        }
        Format::Sarif => sarif::write(r, w),
        Format::Csv => csv::write(r, w),
        Format::Html => html::write(r, w),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_files_take_their_format_from_the_name() {
        let f = |s: &str| Output::parse(s).map(|o| o.format);
        assert_eq!(f("evidence.json"), Ok(Format::Json));
        assert_eq!(f("/tmp/FINDINGS.JSONL"), Ok(Format::Jsonl));
        assert_eq!(f("summary.txt"), Ok(Format::Human));
        assert_eq!(f("json=out.dat"), Ok(Format::Json));
        assert_eq!(
            Output::parse("a=b.json").unwrap().path.unwrap().to_str(),
            Some("a=b.json")
        );
        assert!(f("report").is_err());
        assert!(f("json=").is_err());
        // The message masks a PAN-like name.
        let e = Output::parse("4111111111111111.dat").unwrap_err();
        assert!(!e.contains("4111111111111111"), "{e}");
    }
}
