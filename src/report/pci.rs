//! The PCI DSS requirement map (`rules/pci_dss.json`): which requirements a
//! run gives evidence for, and each one's status from the run's *facts*.
//! A fact is something a finding shows (a cleartext PAN, track data, a
//! CVV-named field, a masked PAN that shows too much, a test PAN); a
//! requirement is `issue-found` when one of its facts holds, with the ids of
//! the findings behind it, else `no-issue-found` when a scan can assess it,
//! else `not-assessed` with a note. The data file's examples are checked by
//! tests.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::finding::{Finding, Kind};

pub const SOURCE: &str = include_str!("../../rules/pci_dss.json");

/// Every fact the code derives; the data file must describe exactly these.
pub const FACTS: [&str; 8] = [
    "cleartext_pan",
    "track_data",
    "cvv_value",
    "cvv_field",
    "track_field",
    "pin_field",
    "masked_noncompliant",
    "test_pan",
];

#[derive(Debug, Deserialize)]
pub struct Mapping {
    pub version: u32,
    pub standard: String,
    pub facts: BTreeMap<String, String>,
    pub requirements: Vec<Requirement>,
    pub examples: Vec<Example>,
}

#[derive(Debug, Deserialize)]
pub struct Requirement {
    pub id: String,
    pub title: String,
    pub issue_if: Vec<String>,
    pub assessed: bool,
    #[serde(default)]
    pub issue: Option<String>,
    #[serde(default)]
    pub no_issue: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Example {
    pub facts: Vec<String>,
    pub expect: BTreeMap<String, String>,
}

/// A requirement's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    IssueFound,
    NoIssueFound,
    NotAssessed,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::IssueFound => "issue-found",
            Status::NoIssueFound => "no-issue-found",
            Status::NotAssessed => "not-assessed",
        }
    }
}

/// One requirement's row of the evidence record.
#[derive(Clone, Debug, Serialize)]
pub struct Assessment {
    pub id: String,
    pub title: String,
    pub status: Status,
    /// Why: the issue, the clean result, or what assesses it instead.
    pub basis: String,
    /// The facts that hold for this requirement.
    pub facts: Vec<String>,
    /// Ids of the findings behind an `issue-found`.
    pub finding_ids: Vec<String>,
    /// False when some data could not be read: a `no-issue-found` then
    /// covers what was read only.
    pub coverage_complete: bool,
}

/// The mapping compiled into this binary.
pub fn get() -> &'static Mapping {
    static M: OnceLock<Mapping> = OnceLock::new();
    M.get_or_init(|| {
        let m: Mapping = serde_json::from_str(SOURCE).expect("rules/pci_dss.json is valid");
        m.check().expect("rules/pci_dss.json is consistent");
        m
    })
}

/// The facts a finding shows (none for a suppressed one).
pub fn facts_of(f: &Finding) -> Vec<&'static str> {
    let mut v = Vec::new();
    if f.suppressed.is_some() {
        return v;
    }
    if f.test_pan {
        v.push("test_pan");
        return v;
    }
    match f.kind {
        Kind::Pan => v.push("cleartext_pan"),
        Kind::Track1 | Kind::Track2 => {
            v.push("track_data");
            v.push("cleartext_pan");
        }
        Kind::Cvv => v.push("cvv_value"),
        Kind::MaskedPan => {
            if f.compliant == Some(false) {
                v.push("masked_noncompliant");
            }
        }
        Kind::SadField => {
            for r in &f.reasons {
                match r.as_str() {
                    "sad:cvv" => v.push("cvv_field"),
                    "sad:track" => v.push("track_field"),
                    "sad:pin" => v.push("pin_field"),
                    _ => {}
                }
            }
        }
    }
    v
}

impl Mapping {
    /// Checks that requirements use known facts and say what a status means.
    pub fn check(&self) -> Result<(), String> {
        let known: BTreeSet<&str> = FACTS.into_iter().collect();
        let described: BTreeSet<&str> = self.facts.keys().map(String::as_str).collect();
        if known != described {
            return Err(format!(
                "facts described {described:?} differ from facts derived {known:?}"
            ));
        }
        let mut ids = BTreeSet::new();
        for r in &self.requirements {
            if !ids.insert(r.id.as_str()) {
                return Err(format!("{}: listed twice", r.id));
            }
            for f in &r.issue_if {
                if !known.contains(f.as_str()) {
                    return Err(format!("{}: unknown fact {f}", r.id));
                }
            }
            let ok = match (r.assessed, r.issue_if.is_empty()) {
                (false, _) => r.note.is_some(),
                (true, true) => r.no_issue.is_some(),
                (true, false) => r.no_issue.is_some() && r.issue.is_some(),
            };
            if !ok {
                return Err(format!("{}: missing issue/no_issue/note text", r.id));
            }
        }
        Ok(())
    }

    /// Assesses every requirement from `facts` (fact → ids of the findings
    /// showing it).
    pub fn assess(
        &self,
        facts: &BTreeMap<&str, Vec<String>>,
        coverage_complete: bool,
    ) -> Vec<Assessment> {
        self.requirements
            .iter()
            .map(|r| {
                let held: Vec<String> = r
                    .issue_if
                    .iter()
                    .filter(|f| facts.contains_key(f.as_str()))
                    .cloned()
                    .collect();
                let mut ids = BTreeSet::new();
                for f in &held {
                    ids.extend(facts[f.as_str()].iter().cloned());
                }
                let (status, basis) = if !r.assessed {
                    (Status::NotAssessed, r.note.clone().unwrap_or_default())
                } else if !held.is_empty() {
                    (Status::IssueFound, r.issue.clone().unwrap_or_default())
                } else {
                    (Status::NoIssueFound, r.no_issue.clone().unwrap_or_default())
                };
                Assessment {
                    id: r.id.clone(),
                    title: r.title.clone(),
                    status,
                    basis,
                    facts: held,
                    finding_ids: ids.into_iter().collect(),
                    coverage_complete,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_parses_and_is_consistent() {
        let m = get();
        assert_eq!(m.standard, "PCI DSS v4.0.1");
        for id in [
            "3.2.1", "3.3.1.1", "3.3.1.2", "3.3.1.3", "3.4.1", "3.5.1", "10.2.1", "12.5.2",
            "A3.2.5",
        ] {
            assert!(m.requirements.iter().any(|r| r.id == id), "{id} is mapped");
        }
    }

    #[test]
    fn the_examples_hold() {
        let m = get();
        assert!(m.examples.len() >= 5);
        for ex in &m.examples {
            let facts: BTreeMap<&str, Vec<String>> = ex
                .facts
                .iter()
                .map(|f| (f.as_str(), vec![format!("id-{f}")]))
                .collect();
            let got = m.assess(&facts, true);
            for (id, want) in &ex.expect {
                let a = got
                    .iter()
                    .find(|a| &a.id == id)
                    .unwrap_or_else(|| panic!("example names unknown requirement {id}"));
                assert_eq!(a.status.label(), want, "{id} with facts {:?}", ex.facts);
                if a.status == Status::IssueFound {
                    assert!(!a.finding_ids.is_empty(), "{id}: issue without findings");
                } else {
                    assert!(a.finding_ids.is_empty());
                }
            }
        }
    }

    #[test]
    fn an_unknown_fact_is_refused() {
        let mut m: Mapping = serde_json::from_str(SOURCE).unwrap();
        m.requirements[0].issue_if.push("pan_in_cloud".into());
        assert!(m.check().unwrap_err().contains("unknown fact"));
    }

    #[test]
    fn a_requirement_without_its_text_is_refused() {
        let mut m: Mapping = serde_json::from_str(SOURCE).unwrap();
        let r = m.requirements.iter_mut().find(|r| r.assessed).unwrap();
        r.no_issue = None;
        assert!(m.check().is_err());
    }
}
