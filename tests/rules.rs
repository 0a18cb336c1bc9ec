//! Every example in `rules/` checked against the real detector: brand
//! examples are labelled with their brand, negative examples are not; every
//! public test PAN our table covers is flagged `test_pan`; every noise
//! filter rejects its examples (and is the one that did) and lets its
//! negative examples through; every context example gets its confidence.

use pan_scan::filters::Filter;
use pan_scan::finding::Kind;
use pan_scan::rules;

use crate::util::{detect, detector};

fn brand_ids(text: &str) -> Vec<(Kind, String)> {
    let det = detector();
    let (hits, _) = detect(&det, text.as_bytes());
    hits.iter()
        .map(|h| {
            let b = h
                .hit
                .brand
                .map(|b| det.rules().brands[b].id.clone())
                .unwrap_or_default();
            (h.hit.kind, b)
        })
        .collect()
}

#[test]
fn brand_examples() {
    let r = rules::get();
    let mut checked = 0;
    for b in &r.brand_specs {
        assert!(!b.examples.is_empty(), "{} has examples", b.id);
        assert!(
            !b.negative_examples.is_empty(),
            "{} has negative examples",
            b.id
        );
        for ex in &b.examples {
            let got = brand_ids(&format!("card number {ex} seen"));
            assert_eq!(got, [(Kind::Pan, b.id.clone())], "example {ex} of {}", b.id);
            checked += 1;
        }
        for ex in &b.negative_examples {
            let got = brand_ids(&format!("card number {ex} seen"));
            assert!(
                got.iter().all(|(_, id)| id != &b.id),
                "negative example {ex} of {} was labelled {got:?}",
                b.id
            );
            checked += 1;
        }
    }
    assert!(checked > 100);
}

#[test]
fn public_test_pans_are_flagged_not_dropped() {
    let det = detector();
    let csv = rules::SOURCES[1].1;
    let mut rows = 0;
    for line in csv.lines().skip(1) {
        let mut cols = line.split(',');
        let pan = cols.next().unwrap();
        let brand = cols.next().unwrap();
        rows += 1;
        assert!(
            pan_scan::pan::luhn_valid(pan.as_bytes()),
            "{pan} passes Luhn"
        );
        let (hits, _) = detect(&det, format!("x {pan} y").as_bytes());
        if brand.is_empty() {
            // Outside the brand table: documented as not detected.
            assert!(hits.is_empty(), "{pan} has no brand in our table");
            continue;
        }
        assert_eq!(hits.len(), 1, "test PAN {pan} found once");
        let h = &hits[0].hit;
        assert!(h.test_pan, "{pan} flagged as a test PAN");
        assert!(h.reasons.iter().any(|r| r == "known_test_pan"));
        assert_eq!(det.rules().brands[h.brand.unwrap()].id, brand, "{pan}");
    }
    assert!(rows > 100);
}

#[test]
fn filters_match_their_examples() {
    let r = rules::get();
    let ids: Vec<&str> = r.filters.iter().map(|f| f.id.as_str()).collect();
    let code: Vec<&str> = Filter::ALL.iter().map(|f| f.id()).collect();
    assert_eq!(
        ids, code,
        "rules/filters.json lists exactly the filters in the code, in order"
    );
    let det = detector();
    for (spec, f) in r.filters.iter().zip(Filter::ALL) {
        assert!(!spec.examples.is_empty() && !spec.negative_examples.is_empty());
        for ex in &spec.examples {
            let (hits, s) = detect(&det, ex.as_bytes());
            let pans: Vec<_> = hits.iter().filter(|h| h.hit.kind == Kind::Pan).collect();
            assert!(pans.is_empty(), "{}: {ex:?} must yield no PAN", spec.id);
            assert!(
                s.rejected[f.index()] >= 1,
                "{}: {ex:?} must be rejected by it",
                spec.id
            );
            let others: u64 = s.rejected.iter().sum::<u64>() - s.rejected[f.index()];
            assert_eq!(
                others, 0,
                "{}: {ex:?} rejected by another filter too",
                spec.id
            );
        }
        for ex in &spec.negative_examples {
            let (hits, s) = detect(&det, ex.as_bytes());
            let pans = hits.iter().filter(|h| h.hit.kind == Kind::Pan).count();
            assert_eq!(pans, 1, "{}: {ex:?} must yield one PAN", spec.id);
            assert_eq!(s.rejected[f.index()], 0, "{}: {ex:?}", spec.id);
        }
    }
}

#[test]
fn context_examples() {
    let r = rules::get();
    let det = detector();
    assert!(r.context.examples.len() >= 5);
    for ex in &r.context.examples {
        let (hits, _) = detect(&det, ex.text.as_bytes());
        assert_eq!(hits.len(), 1, "{:?}", ex.text);
        let h = &hits[0].hit;
        assert_eq!(
            h.confidence.label(),
            ex.confidence,
            "{:?}: reasons {:?}",
            ex.text,
            h.reasons
        );
        for want in &ex.reasons_include {
            assert!(
                h.reasons.contains(want),
                "{:?}: {want} not in {:?}",
                ex.text,
                h.reasons
            );
        }
    }
}
