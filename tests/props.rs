//! Property tests: the kernel's fast paths against its reference on
//! digit-heavy bytes at every alignment; masking and every report format
//! against PANs of every brand and length written in every separator form.

use std::sync::atomic::AtomicBool;

use proptest::prelude::*;

use pan_scan::cli::Args;
use pan_scan::kernel::{implementations, scan_reference, Trigger};
use pan_scan::report::{self, evidence, Format, Report, Summary};
use pan_scan::scan::{self, Counters};

use crate::util::{contains_pan, detector, pan_forms, Tree};

/// Bytes the kernel's patterns are made of, most often; any byte now and then.
fn kernel_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        10 => b'0'..=b'9',
        2 => prop::sample::select(b" -+%*Xx#\n\r".to_vec()),
        2 => Just(0u8),
        1 => prop::sample::select(vec![0xEF, 0xBC, 0x82, 0xA3]),
        1 => 0x90u8..=0x99,
        1 => 0x4Fu8..=0x58,
        1 => 0xB0u8..=0xB9,
        2 => any::<u8>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Every implementation equals `scan_reference`, whatever the bytes'
    /// alignment in memory (offsets 0..64 into an aligned buffer) and
    /// wherever newlines stop being counted.
    #[test]
    fn kernel_fast_paths_equal_the_reference(
        hay in prop::collection::vec(kernel_byte(), 0..300),
        frac in 0.0f64..=1.0,
    ) {
        let count_end = ((hay.len() as f64) * frac) as usize;
        let mut buf = vec![0u8; 64 + hay.len()];
        for offset in 0..64 {
            buf[offset..offset + hay.len()].copy_from_slice(&hay);
            let h = &buf[offset..offset + hay.len()];
            for end in [count_end, 0, h.len()] {
                let sentinel = Trigger { pos: 3, kinds: 0 };
                let mut want = vec![sentinel];
                let ws = scan_reference(h, end, &mut want);
                for (name, f) in implementations().into_iter().skip(1) {
                    let mut got = vec![sentinel];
                    let gs = f(h, end, &mut got);
                    prop_assert_eq!(&got, &want, "{} at offset {}, count_end {}", name, offset, end);
                    prop_assert_eq!(gs, ws, "{} at offset {}, count_end {}", name, offset, end);
                }
            }
        }
    }
}

/// A Luhn-valid number of a brand in `rules/brands.json`: a prefix from one
/// of its ranges, one of its lengths (13-19), random digits, check digit.
fn brand_pan() -> impl Strategy<Value = String> {
    let rules = pan_scan::rules::get();
    let specs: Vec<(Vec<String>, Vec<u8>)> = rules
        .brand_specs
        .iter()
        .filter(|b| b.luhn)
        .map(|b| {
            let lens: Vec<u8> = b
                .lengths
                .iter()
                .copied()
                .filter(|l| (13..=19).contains(l))
                .collect();
            (b.ranges.clone(), lens)
        })
        .filter(|(_, l)| !l.is_empty())
        .collect();
    assert!(specs.len() >= 10, "brands with Luhn and lengths 13-19");
    (
        prop::sample::select(specs),
        any::<u64>(),
        prop::collection::vec(0u8..10, 19),
    )
        .prop_map(|((ranges, lens), pick, fill)| {
            let range = &ranges[(pick % ranges.len() as u64) as usize];
            let prefix = match range.split_once('-') {
                Some((a, b)) => {
                    let (lo, hi): (u64, u64) = (a.parse().unwrap(), b.parse().unwrap());
                    format!("{:0w$}", lo + (pick >> 8) % (hi - lo + 1), w = a.len())
                }
                None => range.clone(),
            };
            let len = usize::from(lens[((pick >> 40) % lens.len() as u64) as usize]);
            let mut d: Vec<u8> = prefix.bytes().map(|b| b - b'0').collect();
            d.truncate(len - 1);
            d.extend(fill.iter().take(len - 1 - d.len()));
            // The check digit that makes the whole pass Luhn.
            let sum: u32 = d
                .iter()
                .rev()
                .enumerate()
                .map(|(i, &x)| {
                    let x = u32::from(x);
                    if i % 2 == 0 {
                        let y = x * 2;
                        if y > 9 {
                            y - 9
                        } else {
                            y
                        }
                    } else {
                        x
                    }
                })
                .sum();
            d.push(((10 - sum % 10) % 10) as u8);
            let s: String = d.iter().map(|x| char::from(b'0' + x)).collect();
            assert!(pan_scan::pan::luhn_valid(s.as_bytes()), "{s}");
            s
        })
}

/// The PAN written out in one of `pan_forms`' separator forms (UTF-16
/// aside: no path or message is UTF-16).
fn written(pan: &str, form: usize) -> String {
    let forms = pan_forms(pan);
    let text = &forms[..forms.len() - 2];
    String::from_utf8(text[form % text.len()].clone()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// `redact::text` (paths, member names, messages) never lets a PAN
    /// through, in any separator form, with any text (digits and
    /// separators too) before and after it.
    #[test]
    fn masking_hides_every_written_form(
        pan in brand_pan(),
        form in 0usize..64,
        before in "[a-zA-Z0-9 ./_:,+%=-]{0,12}[a-zA-Z ./_:,+=-]",
        after in "[a-zA-Z ./_:,+%=-][a-zA-Z0-9 ./_:,+%=-]{0,12}",
    ) {
        let s = format!("{before}{}{after}", written(&pan, form));
        let out = pan_scan::redact::text(&s);
        prop_assert!(!contains_pan(out.as_bytes(), &pan), "{} -> {}", s, out);
    }
}

/// Every report format of a scan of `dir`, as the command line writes them.
fn reports(dir: &std::path::Path) -> Vec<(Format, Vec<u8>)> {
    use clap::Parser;
    let args = Args::try_parse_from(["pan-scan".as_ref(), dir.as_os_str()]).unwrap();
    let cfg = args.config().unwrap();
    let det = detector();
    let stop = AtomicBool::new(false);
    let outcome = scan::run(&cfg, &det, &Counters::default(), &stop).unwrap();
    let key = det.fingerprinter().source.clone();
    let ids = evidence::ids(&outcome.findings);
    let summary = Summary::of(&outcome, &key, None, false);
    let run = evidence::Run {
        scan_id: "S".into(),
        tool: "pan-scan",
        tool_version: env!("CARGO_PKG_VERSION"),
        rules_version: summary.rules_version.clone(),
        rules_sha256: summary.rules_sha256.clone(),
        host: pan_scan::runinfo::Host::current(),
        started_at: "2026-01-01T00:00:00Z".into(),
        ended_at: "2026-01-01T00:00:01Z".into(),
        duration_ms: 1000,
        bytes_per_second: 1,
        command_line: vec![pan_scan::redact::path(dir)],
        configuration: args.effective(&cfg, &args.outputs()),
        fingerprint_key: evidence::KeyInfo {
            source: key.label(),
            key_id: det.fingerprinter().key_id(),
            stable_across_runs: true,
        },
        interrupted: false,
    };
    let ev = evidence::Evidence::build(
        &outcome.findings,
        &ids,
        &outcome.skipped,
        &summary,
        run,
        args.scope(&cfg),
    );
    let mut record = serde_json::to_value(&ev).unwrap();
    report::integrity::seal(&mut record, None);
    let r = Report {
        findings: &outcome.findings,
        skipped: &outcome.skipped,
        summary: &summary,
        record: &record,
    };
    let all = [
        Format::Human,
        Format::Jsonl,
        Format::Json,
        Format::Sarif,
        Format::Csv,
        Format::Html,
    ];
    all.iter()
        .map(|&f| {
            let mut out = Vec::new();
            if let Err(e) = report::write(f, &r, false, &mut out) {
                panic!("{}: {e}", f.name());
            }
            (f, out)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The whole pipeline: a file whose name and content hold a PAN (in a
    /// separator form, with a card word before it so it is found), scanned
    /// by the library and rendered in every format; no output holds the PAN
    /// in any written form.
    #[test]
    fn no_report_format_holds_the_pan(
        pan in brand_pan(),
        name_form in 0usize..64,
        body_form in 0usize..64,
        name_before in "[a-z0-9]{0,6}[a-z _.-]",
    ) {
        let t = Tree::new();
        let name = format!("{name_before}{}.txt", written(&pan, name_form));
        t.file(&name, format!("card number {}\nexp 12/29\n", written(&pan, body_form)));
        for (f, out) in reports(t.path()) {
            prop_assert!(!contains_pan(&out, &pan), "{} holds the PAN ({})", f.name(), name);
        }
    }
}
