//! Baselines: compare a run with an earlier evidence record
//! (`--baseline previous.json`). Findings are matched by their stable ids
//! (see [`crate::report::evidence`]): each current finding is `new` or
//! `persisting`, and every finding of the baseline that is gone is listed as
//! `resolved`. Ids only compare under the same fingerprint key, so a
//! baseline made under another key, or a run with a random key, is refused
//! rather than reporting every finding as new. A baseline whose integrity
//! digest does not match its content is refused too: an edited baseline
//! could hide findings.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{bail, Result};
use serde::Serialize;
use serde_json::Value;

use crate::finding::{BaselineStatus, Finding};

/// The earlier run.
pub struct Baseline {
    pub source: String,
    pub scan_id: String,
    pub started_at: String,
    findings: Vec<Value>,
}

/// A finding of the baseline that this run no longer has.
#[derive(Debug, Serialize)]
pub struct Resolved {
    pub id: String,
    pub kind: String,
    pub masked: String,
    pub path: String,
    pub line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Value>,
}

/// The comparison, as the evidence record lists it.
#[derive(Debug, Serialize)]
pub struct Comparison {
    pub source: String,
    pub scan_id: String,
    pub started_at: String,
    pub new: u64,
    pub persisting: u64,
    pub resolved_count: u64,
    pub resolved: Vec<Resolved>,
}

impl Baseline {
    /// Reads an evidence record written by `--format json` / `--json`.
    /// `key_id` is this run's fingerprint key id (None: a random key).
    pub fn load(path: &Path, key_id: Option<&str>) -> Result<Baseline> {
        let shown = crate::redact::path(path);
        let bytes = std::fs::read(path).map_err(|e| {
            anyhow::anyhow!(
                "reading baseline {shown}: {}",
                crate::coverage::io_detail(&e)
            )
        })?;
        Self::parse(&bytes, &shown, key_id)
    }

    pub fn parse(bytes: &[u8], source: &str, key_id: Option<&str>) -> Result<Baseline> {
        let v: Value = serde_json::from_slice(bytes)
            .map_err(|e| anyhow::anyhow!("baseline {source}: not JSON ({e})"))?;
        if v["record_type"] != crate::report::evidence::RECORD_TYPE {
            bail!("baseline {source}: not a pan-scan evidence record (write one with --json FILE)");
        }
        // An edited baseline could hide findings: its digest must hold.
        if v.get(crate::report::integrity::MEMBER).is_some() {
            if let Err(e) = crate::report::integrity::check(bytes, None) {
                bail!("baseline {source}: {e}");
            }
        }
        let Some(key_id) = key_id else {
            bail!(
                "--baseline needs a fingerprint key that stays the same between runs: \
                 set PAN_SCAN_KEY or --key-file (with a random key no finding can be matched)"
            );
        };
        let theirs = v["run"]["fingerprint_key"]["key_id"].as_str().unwrap_or("");
        if theirs != key_id {
            bail!(
                "baseline {source} was made with another fingerprint key (key id {theirs}, \
                 this run {key_id}): its findings cannot be matched; use the same \
                 PAN_SCAN_KEY or --key-file"
            );
        }
        let findings = match v.get("findings") {
            Some(Value::Array(a)) => a.clone(),
            _ => bail!("baseline {source}: no findings list"),
        };
        Ok(Baseline {
            source: source.to_string(),
            scan_id: v["run"]["scan_id"].as_str().unwrap_or("").to_string(),
            started_at: v["run"]["started_at"].as_str().unwrap_or("").to_string(),
            findings,
        })
    }

    /// Marks `findings` (`ids[i]` is finding `i`'s id) and lists what was
    /// resolved.
    pub fn compare(&self, findings: &mut [Finding], ids: &[String]) -> Comparison {
        let before: HashSet<&str> = self
            .findings
            .iter()
            .filter_map(|f| f["id"].as_str())
            .collect();
        let now: HashSet<&str> = ids.iter().map(String::as_str).collect();
        let (mut new, mut persisting) = (0, 0);
        for (f, id) in findings.iter_mut().zip(ids) {
            if before.contains(id.as_str()) {
                persisting += 1;
                f.baseline = Some(BaselineStatus::Persisting);
            } else {
                new += 1;
                f.baseline = Some(BaselineStatus::New);
            }
        }
        let resolved: Vec<Resolved> = self
            .findings
            .iter()
            .filter(|f| f["id"].as_str().is_some_and(|id| !now.contains(id)))
            .map(|f| {
                let s = |k: &str| crate::redact::text(f[k].as_str().unwrap_or("")).into_owned();
                Resolved {
                    id: s("id"),
                    kind: s("kind"),
                    masked: s("masked"),
                    path: s("path"),
                    line: f["line"].as_u64().unwrap_or(0),
                    location: f.get("location").cloned(),
                }
            })
            .collect();
        Comparison {
            source: self.source.clone(),
            scan_id: self.scan_id.clone(),
            started_at: self.started_at.clone(),
            new,
            persisting,
            resolved_count: resolved.len() as u64,
            resolved,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Kind;

    fn finding(path: &str) -> Finding {
        Finding::sample(Kind::Pan, path)
    }

    fn record(key: &str, ids: &[&str]) -> Vec<u8> {
        let findings: Vec<Value> = ids
            .iter()
            .map(|id| serde_json::json!({"id": id, "kind": "pan", "masked": "411111******1111", "path": format!("/p/{id}"), "line": 3}))
            .collect();
        serde_json::to_vec(&serde_json::json!({
            "record_type": "pan-scan-evidence",
            "run": {"scan_id": "s1", "started_at": "2026-08-01T00:00:00.000Z", "fingerprint_key": {"key_id": key}},
            "findings": findings,
        }))
        .unwrap()
    }

    #[test]
    fn new_persisting_and_resolved() {
        let b = Baseline::parse(&record("k1", &["A-1", "B-1"]), "b.json", Some("k1")).unwrap();
        let mut fs = vec![finding("/p/B-1"), finding("/p/C-1")];
        let ids = vec!["B-1".to_string(), "C-1".to_string()];
        let c = b.compare(&mut fs, &ids);
        assert_eq!(fs[0].baseline, Some(BaselineStatus::Persisting));
        assert_eq!(fs[1].baseline, Some(BaselineStatus::New));
        assert_eq!((c.new, c.persisting, c.resolved_count), (1, 1, 1));
        assert_eq!(c.resolved[0].id, "A-1");
        assert_eq!(c.resolved[0].path, "/p/A-1");
        assert_eq!(c.scan_id, "s1");
    }

    #[test]
    fn another_key_a_random_key_or_another_file_is_refused() {
        let r = record("k1", &["A-1"]);
        let e = Baseline::parse(&r, "b.json", Some("k2"))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("another fingerprint key"), "{e}");
        let e = Baseline::parse(&r, "b.json", None)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("PAN_SCAN_KEY"), "{e}");
        let e = Baseline::parse(b"{\"type\":\"summary\"}", "b.json", Some("k1"))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("not a pan-scan evidence record"), "{e}");
        assert!(Baseline::parse(b"not json", "b.json", Some("k1")).is_err());
    }
}
