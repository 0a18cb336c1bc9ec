//! What a PAN looks like in the wild: separators and shapes, boundaries,
//! encodings (UTF-16LE/BE, full-width in UTF-8, Shift_JIS, EUC-JP, NULs in
//! binary files), track data, masked forms, and buffer edges — through the
//! real binary.

use crate::cli::{AMEX, DISCOVER19, MC, VISA};
use crate::util::{jsonl, of_type, Tree};

/// Scans one file holding `data`; returns (kind, masked, encoding, line).
fn found(data: &[u8]) -> Vec<(String, String, String, u64)> {
    let t = Tree::new();
    let p = t.file("f.dat", data);
    let (_, recs) = jsonl(&[p.to_str().unwrap()]);
    of_type(&recs, "finding")
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_string(),
                f["masked"].as_str().unwrap().to_string(),
                f["encoding"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn kinds(data: &[u8]) -> Vec<String> {
    found(data).into_iter().map(|f| f.0).collect()
}

const V: &str = "453201******0366";

#[test]
fn separators_and_shapes() {
    for text in [
        format!("card {VISA} end"),
        "card 4532 0151 1283 0366 end".to_string(),
        "card 4532-0151-1283-0366 end".to_string(),
        "GET /pay?cc=4532%200151%201283%200366&x=1".to_string(),
        "GET /pay?cc=4532+0151+1283+0366&x=1".to_string(),
        format!("pan={VISA};"),
        format!("CC{VISA};"),
        format!("\"{VISA}\""),
        "qty 2 4532 0151 1283 0366 12/27".to_string(),
    ] {
        let f = found(text.as_bytes());
        assert_eq!(f.len(), 1, "{text:?}: {f:?}");
        assert_eq!((f[0].0.as_str(), f[0].1.as_str()), ("pan", V), "{text:?}");
    }
    let f = found(b"amex 3739 825979 19073 ok");
    assert_eq!(f[0].1, "373982*****9073");
    let f = found(format!("disc card {DISCOVER19} ok").as_bytes());
    assert_eq!(f[0].1, "601139*********7481");
    let f = found(b"mc 2223 3416 7211 0686 ok");
    assert_eq!(f[0].1, "222334******0686");
}

#[test]
fn several_pans_on_one_line() {
    let f = found(format!("{MC} {VISA} {AMEX}\n").as_bytes());
    let m: Vec<&str> = f.iter().map(|x| x.1.as_str()).collect();
    assert_eq!(m, ["542539******1907", V, "373982*****9073"]);
}

#[test]
fn not_pans() {
    for text in [
        format!("{VISA}1"), // inside a longer run
        format!("1{VISA}"),
        format!("total {VISA}.25"), // decimal
        format!("ratio 0.{VISA}"),
        format!("hash deadbeef{VISA}cafe"),   // hex token
        "4532 0151-1283 0366".to_string(),    // inconsistent separators
        "4532015112830367".to_string(),       // Luhn fails
        "9532015112830366".to_string(),       // no brand
        "4532  0151  1283  0366".to_string(), // double spaces
        "1234 5678 9012 3456 7890".to_string(),
    ] {
        assert!(kinds(text.as_bytes()).is_empty(), "{text:?} is not a PAN");
    }
}

#[test]
fn utf16_with_and_without_bom() {
    let text = format!("Name,Card\r\nJane,{VISA}\r\n");
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    let f = found(&le);
    assert_eq!(f, [("pan".into(), V.into(), "utf-16".into(), 2)]);
    let be: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
    let f = found(&be);
    assert_eq!(f, [("pan".into(), V.into(), "utf-16".into(), 2)]);
    // Japanese context in UTF-16 raises confidence.
    let jp: Vec<u8> = format!("カード番号 {MC}")
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let t = Tree::new();
    let p = t.file("jp16.txt", jp);
    let (_, recs) = jsonl(&[p.to_str().unwrap()]);
    let f = of_type(&recs, "finding");
    assert_eq!(f[0]["confidence"], "high");
    assert!(f[0]["reasons"].to_string().contains("カード番号"));
}

#[test]
fn full_width_and_legacy_japanese() {
    let fw: String = VISA
        .chars()
        .map(|c| char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap())
        .collect();
    let text = format!("カード番号：{fw}\n");
    assert_eq!(
        found(text.as_bytes()),
        [("pan".into(), V.into(), "utf-8".into(), 1)]
    );
    let (sj, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
    assert_eq!(
        found(&sj),
        [("pan".into(), V.into(), "shift_jis".into(), 1)]
    );
    let (eu, _, _) = encoding_rs::EUC_JP.encode(&text);
    assert_eq!(found(&eu), [("pan".into(), V.into(), "euc-jp".into(), 1)]);
    // Full-width dashes between groups.
    let g = "４５３２－０１５１－１２８３－０３６６";
    assert_eq!(found(g.as_bytes()).len(), 1);
}

#[test]
fn binary_files_are_scanned() {
    let mut data: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    data.extend_from_slice(b"\x00\x00");
    data.extend_from_slice(VISA.as_bytes());
    data.extend_from_slice(b"\x00\xff");
    // Digits separated by NULs (a UTF-16 string inside a binary).
    data.extend(MC.bytes().flat_map(|b| [b, 0]));
    data.extend_from_slice(&[0xde, 0xad]);
    let f = found(&data);
    let m: Vec<&str> = f.iter().map(|x| x.1.as_str()).collect();
    assert_eq!(m, [V, "542539******1907"]);
}

#[test]
fn track_data() {
    let t1 = format!("%B{VISA}^DOE/JANE^2712101000000000000000?");
    let t2 = format!(";{VISA}=27121010000000000000?");
    let t2bare = format!("swipe {VISA}=2712101123456789");
    let emv = "tag57: 5713 4532015112830366D27121010000012345F".to_string();
    let emvraw = "57134532015112830366D2712101000001234F".to_string();
    for (text, kind) in [
        (t1, "track1"),
        (t2, "track2"),
        (t2bare, "track2"),
        (emv, "track2"),
        (emvraw, "track2"),
    ] {
        let f = found(text.as_bytes());
        assert_eq!(f.len(), 1, "{text}: {f:?}");
        assert_eq!((f[0].0.as_str(), f[0].1.as_str()), (kind, V), "{text}");
    }
    // The name on a track is never printed.
    let t = Tree::new();
    let p = t.file(
        "t.txt",
        format!("%B{VISA}^SECRETNAME/JANE^2712101000000000000000?\n"),
    );
    let out = crate::util::run(&["--format", "jsonl", p.to_str().unwrap()]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("SECRETNAME"));
}

#[test]
fn masked_pans() {
    for (text, masked, compliant) in [
        ("shown 453201******0366 ok", V, true),
        ("shown 4532 01XX XXXX 0366 ok", V, true),
        ("shown XXXX-XXXX-XXXX-0366 ok", "************0366", true),
        ("shown ************0366 ok", "************0366", true),
        ("shown 453201••••••0366 ok", V, true),
        ("shown 453201****120366 ok", V, false),
    ] {
        let t = Tree::new();
        let p = t.file("m.txt", text);
        let (code, recs) = jsonl(&[p.to_str().unwrap()]);
        assert_eq!(code, 0, "masked PANs are not card data: {text}");
        let f = of_type(&recs, "finding");
        assert_eq!(f.len(), 1, "{text}");
        assert_eq!(f[0]["kind"], "masked_pan");
        assert_eq!(f[0]["masked"], masked, "{text}");
        assert_eq!(f[0]["compliant"], compliant, "{text}");
    }
}

#[test]
fn pans_across_buffer_edges_are_found_once() {
    // PANs straddling every 128 KiB boundary of a 2 MiB file.
    let chunk = 128 * 1024;
    let mut data = vec![b'.'; 2 * 1024 * 1024];
    let mut want = 0;
    for k in 1..16 {
        for shift in [1usize, 8, 15] {
            let at = k * chunk - shift + (want % 3) * 40;
            let s = format!(" {VISA} ");
            data[at..at + s.len()].copy_from_slice(s.as_bytes());
            want += 1;
        }
    }
    let f = found(&data);
    assert_eq!(f.len(), want);
    assert!(f.iter().all(|x| x.1 == V));
}

#[test]
fn one_long_line() {
    // 40 MiB without a newline; the PAN at the end is on line 1.
    let mut data = vec![b'a'; 40 << 20];
    data.extend_from_slice(format!(" {AMEX}\n").as_bytes());
    let t = Tree::new();
    let p = t.file("long.txt", &data);
    let (_, recs) = jsonl(&[p.to_str().unwrap()]);
    let f = of_type(&recs, "finding");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["line"], 1);
    assert_eq!(f[0]["column"], (40u64 << 20) + 2);
}
