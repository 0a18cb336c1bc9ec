//! Suppressions: accepted findings, each with a justification and an
//! optional expiry date, read from a TOML file (`--suppressions FILE`).
//! A suppression matches findings by keyed fingerprint, by finding id, or by
//! path glob (optionally narrowed to one kind). A suppressed finding is still
//! listed, marked with the justification, but counts for neither the verdict
//! nor the exit code nor the PCI DSS map. An expired suppression matches
//! nothing and is reported, so that an exception cannot outlive its review.
//!
//! ```toml
//! [[suppress]]
//! path = "/srv/shop/vendor/**/docs/**"
//! kind = "pan"                        # optional
//! justification = "Published test PANs in vendor documentation"
//! expires = "2027-03-31"              # optional, last day it applies
//!
//! [[suppress]]
//! fingerprint = "3f1c…"               # needs the same PAN_SCAN_KEY / --key-file
//! justification = "Tokenisation vault, inside the CDE (ticket SEC-142)"
//! ```

use std::path::Path;

use anyhow::{bail, Context, Result};
use globset::{Glob, GlobMatcher};
use serde::{Deserialize, Serialize};

use crate::finding::{Finding, Suppressed};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    suppress: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    fingerprint: Option<String>,
    id: Option<String>,
    path: Option<String>,
    kind: Option<String>,
    justification: String,
    expires: Option<String>,
}

enum Selector {
    Fingerprint(String),
    Id(String),
    Path(GlobMatcher),
}

/// One suppression and how it fared in this run.
pub struct Rule {
    selector: Selector,
    kind: Option<String>,
    pub justification: String,
    pub expires: Option<String>,
    pub expired: bool,
    /// `fingerprint …`, `id …` or `path GLOB` (with ` kind K`).
    pub describe: String,
    pub matched: u64,
}

/// A rule as the evidence record lists it.
#[derive(Debug, Serialize)]
pub struct RuleRecord {
    pub rule: String,
    pub justification: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    pub expired: bool,
    pub matched: u64,
}

/// The suppressions of a run.
pub struct Suppressions {
    /// The file they came from (display form).
    pub source: String,
    pub rules: Vec<Rule>,
}

/// Checks `YYYY-MM-DD` is a real date.
fn check_date(s: &str) -> Result<()> {
    let ok = s.len() == 10
        && s.as_bytes()[4] == b'-'
        && s.as_bytes()[7] == b'-'
        && humantime::parse_rfc3339(&format!("{s}T00:00:00Z")).is_ok();
    if !ok {
        bail!("expires = {s:?}: not a date of the form YYYY-MM-DD");
    }
    Ok(())
}

impl Suppressions {
    /// Reads a suppressions file. `today` is `YYYY-MM-DD` (UTC).
    pub fn load(path: &Path, today: &str) -> Result<Suppressions> {
        let shown = crate::redact::path(path);
        let text = std::fs::read_to_string(path).map_err(|e| {
            anyhow::anyhow!(
                "reading suppressions {shown}: {}",
                crate::coverage::io_detail(&e)
            )
        })?;
        Self::parse(&text, &shown, today)
    }

    pub fn parse(text: &str, source: &str, today: &str) -> Result<Suppressions> {
        let file: File = toml::from_str(text)
            .map_err(|e| anyhow::anyhow!("{}", crate::redact::text(&e.to_string())))
            .with_context(|| format!("suppressions {source}"))?;
        let mut rules = Vec::new();
        for (i, e) in file.suppress.into_iter().enumerate() {
            let at = || format!("suppressions {source}: entry {}", i + 1);
            let selector = match (e.fingerprint, e.id, e.path) {
                (Some(f), None, None) => {
                    let f = f.to_ascii_lowercase();
                    if f.len() != 64 || !f.bytes().all(|b| b.is_ascii_hexdigit()) {
                        bail!("{}: fingerprint is not 64 hex digits", at());
                    }
                    Selector::Fingerprint(f)
                }
                (None, Some(id), None) => Selector::Id(id),
                (None, None, Some(p)) => {
                    let g = globset::GlobBuilder::new(&p)
                        .literal_separator(true)
                        .build()
                        .map(|g: Glob| g.compile_matcher())
                        .with_context(|| format!("{}: path glob", at()))?;
                    Selector::Path(g)
                }
                _ => bail!("{}: give exactly one of fingerprint, id or path", at()),
            };
            if e.justification.trim().is_empty() {
                bail!("{}: the justification is empty", at());
            }
            if let Some(k) = &e.kind {
                if !crate::finding::Kind::ALL.iter().any(|x| x.label() == k) {
                    bail!("{}: unknown kind {k:?}", at());
                }
            }
            if let Some(d) = &e.expires {
                check_date(d).with_context(at)?;
            }
            let mut describe = match &selector {
                Selector::Fingerprint(f) => format!("fingerprint {f}"),
                Selector::Id(id) => format!("id {id}"),
                Selector::Path(g) => format!("path {}", g.glob()),
            };
            if let Some(k) = &e.kind {
                describe.push_str(&format!(" kind {k}"));
            }
            let expired = e.expires.as_deref().is_some_and(|d| d < today);
            rules.push(Rule {
                selector,
                kind: e.kind,
                justification: e.justification,
                expires: e.expires,
                expired,
                describe,
                matched: 0,
            });
        }
        Ok(Suppressions {
            source: source.to_string(),
            rules,
        })
    }

    /// Marks the findings the rules match (`ids[i]` is finding `i`'s id);
    /// the first live rule that matches wins.
    pub fn apply(&mut self, findings: &mut [Finding], ids: &[String]) {
        for (f, id) in findings.iter_mut().zip(ids) {
            for r in self.rules.iter_mut().filter(|r| !r.expired) {
                if r.kind.as_deref().is_some_and(|k| k != f.kind.label()) {
                    continue;
                }
                let hit = match &r.selector {
                    Selector::Fingerprint(fp) => f.fingerprint.as_deref() == Some(fp.as_str()),
                    Selector::Id(x) => x == id,
                    Selector::Path(g) => g.is_match(&f.path),
                };
                if hit {
                    r.matched += 1;
                    f.suppressed = Some(Suppressed {
                        justification: r.justification.clone(),
                        expires: r.expires.clone(),
                        rule: r.describe.clone(),
                    });
                    break;
                }
            }
        }
    }

    /// Whether a rule needs fingerprints to be stable across runs.
    pub fn needs_stable_key(&self) -> bool {
        self.rules
            .iter()
            .any(|r| matches!(r.selector, Selector::Fingerprint(_) | Selector::Id(_)))
    }

    pub fn records(&self) -> Vec<RuleRecord> {
        self.rules
            .iter()
            .map(|r| RuleRecord {
                rule: r.describe.clone(),
                justification: r.justification.clone(),
                expires: r.expires.clone(),
                expired: r.expired,
                matched: r.matched,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Kind;

    fn finding(kind: Kind, path: &str, fp: Option<&str>) -> Finding {
        Finding {
            fingerprint: fp.map(str::to_string),
            ..Finding::sample(kind, path)
        }
    }

    const FP: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    #[test]
    fn rules_match_by_fingerprint_id_path_and_kind() {
        let text = format!(
            r#"
[[suppress]]
fingerprint = "{FP}"
justification = "vault inside the CDE"

[[suppress]]
path = "/srv/docs/**"
kind = "pan"
justification = "vendor docs"
expires = "2026-12-31"

[[suppress]]
id = "F0000000000000000-1"
justification = "reviewed"
"#
        );
        let mut s = Suppressions::parse(&text, "s.toml", "2026-11-26").unwrap();
        let mut fs = vec![
            finding(Kind::Pan, "/srv/db/x.sql", Some(FP)),
            finding(Kind::Pan, "/srv/docs/a/b.txt", Some("b")),
            finding(Kind::Track2, "/srv/docs/a/c.txt", Some("c")),
            finding(Kind::Pan, "/srv/docs.txt", Some("d")),
            finding(Kind::Pan, "/x", Some("e")),
            finding(Kind::Pan, "/srv/docs/z.tar.gz!in/side.txt", Some("f")),
        ];
        let ids: Vec<String> = (0..fs.len())
            .map(|i| {
                if i == 4 {
                    "F0000000000000000-1".into()
                } else {
                    format!("F{i:016x}-1")
                }
            })
            .collect();
        s.apply(&mut fs, &ids);
        let got: Vec<Option<&str>> = fs
            .iter()
            .map(|f| f.suppressed.as_ref().map(|x| x.justification.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                Some("vault inside the CDE"),
                Some("vendor docs"),
                None, // another kind
                None, // not under docs/
                Some("reviewed"),
                Some("vendor docs"), // a member of an archive under docs/
            ]
        );
        assert_eq!(
            fs[1].suppressed.as_ref().unwrap().rule,
            "path /srv/docs/** kind pan"
        );
        let rec = s.records();
        assert_eq!(rec.iter().map(|r| r.matched).collect::<Vec<_>>(), [1, 2, 1]);
        assert!(s.needs_stable_key());
        assert!(!fs[0].counts_as_card_data());
        assert!(fs[2].counts_as_card_data());
    }

    #[test]
    fn an_expired_rule_matches_nothing_and_says_so() {
        let text = r#"
[[suppress]]
path = "**"
justification = "temporary"
expires = "2026-11-25"
"#;
        let mut s = Suppressions::parse(text, "s.toml", "2026-11-26").unwrap();
        let mut fs = vec![finding(Kind::Pan, "/a", None)];
        s.apply(&mut fs, &["F1-1".into()]);
        assert!(fs[0].suppressed.is_none());
        assert!(s.records()[0].expired);
        // The last day still applies.
        let mut s = Suppressions::parse(text, "s.toml", "2026-11-25").unwrap();
        s.apply(&mut fs, &["F1-1".into()]);
        assert!(fs[0].suppressed.is_some());
    }

    #[test]
    fn bad_files_are_refused_with_the_entry_named() {
        for (text, want) in [
            ("[[suppress]]\npath = \"a\"\n", "justification"),
            (
                "[[suppress]]\npath = \"a\"\nid = \"b\"\njustification = \"x\"\n",
                "exactly one",
            ),
            (
                "[[suppress]]\npath = \"a\"\njustification = \"x\"\nexpires = \"2026-02-30\"\n",
                "YYYY-MM-DD",
            ),
            (
                "[[suppress]]\nfingerprint = \"4111111111111111\"\njustification = \"x\"\n",
                "64 hex",
            ),
            (
                "[[suppress]]\npath = \"a\"\njustification = \" \"\n",
                "empty",
            ),
            (
                "[[suppress]]\npath = \"a\"\nkind = \"ssn\"\njustification = \"x\"\n",
                "unknown kind",
            ),
            ("[[suppres]]\npath = \"a\"\n", "unknown field"),
        ] {
            let e = format!(
                "{:#}",
                Suppressions::parse(text, "s.toml", "2026-11-26")
                    .err()
                    .unwrap()
            );
            assert!(e.contains(want), "{text}: {e}");
            assert!(!e.contains("4111111111111111"), "{e}");
        }
    }
}
