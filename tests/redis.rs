//! Redis RDB snapshots: the snapshots in testdata/redis (written by a real
//! redis-server, see scripts/mkredis.sh) scanned by the real binary against
//! expected.json — key, type, field, list index, CVV pairing, numbers kept
//! as binary integers or inside LZF-compressed strings — and snapshots built
//! here for what a server does not write on request: values over the
//! in-memory size, containers in values, damaged and unknown data.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::{MC, VISA};
use crate::util::*;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/redis")
}

/// An RDB string: its length (6-, 14- or 32-bit form) and bytes.
fn s(v: &[u8]) -> Vec<u8> {
    let n = v.len();
    let mut out = if n < 64 {
        vec![n as u8]
    } else if n < 16384 {
        vec![0x40 | (n >> 8) as u8, n as u8]
    } else {
        let mut h = vec![0x80];
        h.extend((n as u32).to_be_bytes());
        h
    };
    out.extend_from_slice(v);
    out
}

/// An LZF-compressed RDB string.
fn lzf_s(v: &[u8]) -> Vec<u8> {
    let packed = lzf::compress(v).expect("compressible");
    let mut out = vec![0xC3];
    out.extend(len(packed.len()));
    out.extend(len(v.len()));
    out.extend(packed);
    out
}

fn len(n: usize) -> Vec<u8> {
    let mut l = s(&vec![0u8; n]);
    l.truncate(l.len() - n);
    l
}

/// A snapshot of `body` (opcodes and key/values), with its end marker.
fn rdb(body: &[u8]) -> Vec<u8> {
    let mut v = b"REDIS0010".to_vec();
    v.extend(s(b"redis-ver"));
    v.extend(s(b"7.0.15"));
    v.splice(9..9, [0xFA]);
    v.extend([0xFE, 0x00]);
    v.extend_from_slice(body);
    v.push(0xFF);
    v.extend([0u8; 8]);
    v
}

/// A string key/value record.
fn kv(key: &[u8], value: Vec<u8>) -> Vec<u8> {
    let mut v = vec![0x00];
    v.extend(s(key));
    v.extend(value);
    v
}

fn card_data(recs: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    of_type(recs, "finding")
        .into_iter()
        .filter(|f| f["kind"] == "pan" || f["kind"] == "track2")
        .collect()
}

#[test]
fn snapshots_made_by_a_real_redis_say_where_each_number_is() {
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir().join("expected.json")).unwrap()).unwrap();
    let want = &expected["cards.rdb"];
    let cards_rdb = dir().join("cards.rdb");
    let (code, recs) = jsonl(&[cards_rdb.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(summary(&recs)["skipped"], 0, "{recs:#?}");
    let found = card_data(&recs);
    let planted = want["findings"].as_array().unwrap();
    assert_eq!(found.len(), planted.len(), "{found:#?}");
    let mut hidden = 0;
    for w in planted {
        let f = found
            .iter()
            .find(|f| {
                f["first6"] == w["first6"] && f["last4"] == w["last4"] && f["kind"] == w["kind"]
            })
            .unwrap_or_else(|| panic!("missing {w}"));
        let loc = &f["location"];
        assert_eq!(loc["db"], w["db"], "{w} {f}");
        assert_eq!(loc["type"], w["type"], "{w} {f}");
        // A key named by a card number is shown masked, here as there.
        assert_eq!(loc["key"], w["key"], "{w} {f}");
        if w["in_key_name"] == true {
            assert_eq!(loc["in"], "key name", "{f}");
            assert_eq!(
                loc["key"],
                format!("card:{}", f["masked"].as_str().unwrap()),
                "{f}"
            );
        }
        if w["type"] == "hash" || w["type"] == "stream" {
            assert_eq!(loc["field"], w["field"], "{w} {f}");
        }
        if w["type"] == "stream" {
            assert_eq!(loc["entry"], w["entry_id"], "{w} {f}");
        }
        if let Some(i) = w.get("index") {
            assert_eq!(&loc["index"], i, "{w} {f}");
        }
        if w["verbatim_offsets"].as_array().unwrap().is_empty() {
            hidden += 1;
        }
    }
    // CVVs beside the numbers, and the field named for them.
    for c in want["cvv"].as_array().unwrap() {
        let cvv = of_type(&recs, "finding")
            .into_iter()
            .find(|f| f["kind"] == "cvv" && f["location"]["key"] == c["key"])
            .unwrap_or_else(|| panic!("no cvv for {c}"));
        assert_eq!(cvv["location"]["field"], c["field"], "{cvv}");
    }
    let sad: Vec<_> = of_type(&recs, "finding")
        .into_iter()
        .filter(|f| f["kind"] == "sad_field")
        .collect();
    assert_eq!(sad.len(), 1, "{sad:#?}");
    assert_eq!(sad[0]["location"]["field"], "cvv");

    // The numbers not in the file as digits (int64 in listpacks and
    // intsets, cut by LZF): a raw scan finds none of them.
    assert!(hidden >= 6, "the fixture hides {hidden} numbers");
    let (_, raw) = jsonl(&["--no-containers", cards_rdb.to_str().unwrap()]);
    let raw = card_data(&raw);
    assert_eq!(raw.len(), planted.len() - hidden, "{raw:#?}");

    // Gzipped, as a backup keeps it: the same, inside the member.
    let t = Tree::new();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&std::fs::read(&cards_rdb).unwrap()).unwrap();
    let p = t.file("dump.rdb.gz", gz.finish().unwrap());
    let (code, recs) = jsonl(&[p.to_str().unwrap()]);
    assert_eq!(code, 1);
    let found = card_data(&recs);
    assert_eq!(found.len(), planted.len());
    assert!(found.iter().all(|f| f["path"]
        .as_str()
        .unwrap()
        .ends_with("dump.rdb.gz!dump.rdb")
        && f["location"]["key"].is_string()));

    // The same encodings holding phone numbers, order ids, timestamps and
    // product codes: clean, and read whole.
    assert!(expected["clean.rdb"]["findings"]
        .as_array()
        .unwrap()
        .is_empty());
    let (code, recs) = jsonl(&[dir().join("clean.rdb").to_str().unwrap()]);
    assert_eq!(code, 0, "{recs:#?}");
    assert!(of_type(&recs, "finding").is_empty());
    assert_eq!(summary(&recs)["skipped"], 0);
}

#[test]
fn a_long_value_is_streamed_and_a_number_in_it_keeps_its_key() {
    let t = Tree::new();
    // 3 MiB: over the 1 MiB a value is held in memory below.
    let mut big = vec![b'x'; 3 << 20];
    big[(3 << 20) / 2..][..VISA.len() + 5].copy_from_slice(format!("card {VISA}").as_bytes());
    let tail = format!(" card {MC}");
    let at = big.len() - tail.len();
    big[at..].copy_from_slice(tail.as_bytes());
    let p = t.file("big.rdb", rdb(&kv(b"blob:1", s(&big))));
    let (code, recs) = jsonl(&[p.to_str().unwrap()]);
    assert_eq!(code, 1);
    let found = card_data(&recs);
    assert_eq!(found.len(), 2, "{found:#?}");
    for f in found {
        assert_eq!(f["location"]["key"], "blob:1", "{f}");
        assert_eq!(f["location"]["type"], "string", "{f}");
    }
    assert_eq!(summary(&recs)["skipped"], 0);
}

#[test]
fn a_compressed_value_that_is_a_container_is_opened_as_a_member() {
    let t = Tree::new();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(format!("order 1001 card {VISA}\n").as_bytes())
        .unwrap();
    let gz = gz.finish().unwrap();
    let mut body = kv(b"cache:order:1001", s(&gz));
    // And a compressed one beside it, whose digits LZF cuts apart.
    // The order number before it shares the number's first eight digits.
    let session = format!(
        "{}order|s:8:\"{}\";card_number|s:16:\"{MC}\";{}",
        "user|s:4:\"taro\";".repeat(8),
        &MC[..8],
        "x".repeat(40)
    );
    body.extend(kv(b"sess:abc", lzf_s(session.as_bytes())));
    let p = t.file("dump.rdb", rdb(&body));
    // Raw, neither number shows.
    let (_, raw) = jsonl(&["--no-containers", p.to_str().unwrap()]);
    assert!(card_data(&raw).is_empty(), "{raw:#?}");
    let (code, recs) = jsonl(&[p.to_str().unwrap()]);
    assert_eq!(code, 1);
    let found = card_data(&recs);
    assert_eq!(found.len(), 2, "{found:#?}");
    let member = found.iter().find(|f| f["last4"] == VISA[12..]).unwrap();
    assert!(
        member["path"]
            .as_str()
            .unwrap()
            .ends_with("dump.rdb!cache:order:1001!cache:order:1001"),
        "{member}"
    );
    assert_eq!(member["line"], 1);
    let session = found.iter().find(|f| f["last4"] == MC[12..]).unwrap();
    assert_eq!(session["location"]["key"], "sess:abc");
    assert!(session["path"].as_str().unwrap().ends_with("dump.rdb"));
}

#[test]
fn a_damaged_snapshot_is_reported_and_what_came_before_is_found() {
    let t = Tree::new();
    let mut body = kv(b"k1", s(VISA.as_bytes()));
    let compressed = lzf_s(format!("{}{MC}", "card ".repeat(20)).as_bytes());
    body.extend(kv(b"k2", compressed[..compressed.len() - 6].to_vec()));
    let mut snapshot = rdb(&body);
    snapshot.truncate(snapshot.len() - 9); // no end marker either
    let p = t.file("cut.rdb", snapshot);
    let (code, recs) = jsonl(&[p.to_str().unwrap()]);
    assert_eq!(code, 1, "{recs:#?}");
    let found = card_data(&recs);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["location"]["key"], "k1");
    let skipped = of_type(&recs, "skipped");
    assert_eq!(skipped.len(), 1, "{skipped:#?}");
    assert_eq!(skipped[0]["reason"], "corrupt", "{skipped:#?}");
    let detail = skipped[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("redis snapshot") && detail.contains("key k2"),
        "{detail}"
    );
}

#[test]
fn a_type_it_cannot_decode_ends_decoding_and_the_rest_is_scanned_raw() {
    let t = Tree::new();
    let mut body = kv(b"before", s(VISA.as_bytes()));
    // A module value of RDB version 1 (type 6): no self-describing form.
    body.push(6);
    body.extend(s(b"mod:key"));
    body.extend([0x81, 0, 0, 0, 0, 0, 0, 0, 1]);
    body.extend(format!(" card {MC} ").as_bytes());
    let p = t.file("mod.rdb", rdb(&body));
    let (code, recs) = jsonl(&[p.to_str().unwrap()]);
    assert_eq!(code, 1);
    let found = card_data(&recs);
    assert_eq!(found.len(), 2, "{found:#?}");
    let raw = found.iter().find(|f| f["last4"] == MC[12..]).unwrap();
    assert!(raw.get("location").is_none_or(|l| l.is_null()), "{raw}");
    let skipped = of_type(&recs, "skipped");
    assert_eq!(skipped.len(), 1, "{skipped:#?}");
    assert_eq!(skipped[0]["reason"], "unsupported");
    assert!(skipped[0]["detail"]
        .as_str()
        .unwrap()
        .contains("value type 6"));
    assert_eq!(summary(&recs)["verdict"], "card-data-found");
}

#[test]
fn a_clean_snapshot_is_clean_and_counted_as_read() {
    let t = Tree::new();
    let mut body = kv(b"greeting", s(b"hello"));
    body.extend(kv(b"counter", vec![0xC2, 0x78, 0x56, 0x34, 0x12]));
    let p = t.file("clean.rdb", rdb(&body));
    let (code, recs) = jsonl(&[p.to_str().unwrap()]);
    assert_eq!(code, 0, "{recs:#?}");
    assert_eq!(summary(&recs)["skipped"], 0);
}

/// A listpack entry, as `listpack.c` writes it.
enum Lp<'a> {
    Str(&'a str),
    Int(i64),
}

fn listpack(entries: &[Lp]) -> Vec<u8> {
    let mut body = Vec::new();
    for e in entries {
        match e {
            Lp::Str(s) => {
                assert!(s.len() < 64);
                body.push(0x80 | s.len() as u8);
                body.extend_from_slice(s.as_bytes());
                body.push(1 + s.len() as u8);
            }
            Lp::Int(n @ 0..=127) => body.extend([*n as u8, 1]),
            Lp::Int(n) => {
                body.push(0xF4);
                body.extend(n.to_le_bytes());
                body.push(9);
            }
        }
    }
    let mut lp = ((6 + body.len() + 1) as u32).to_le_bytes().to_vec();
    lp.extend((entries.len() as u16).to_le_bytes());
    lp.extend(body);
    lp.push(0xFF);
    lp
}

#[test]
fn stream_entries_are_located_by_id_and_field_deleted_ones_too() {
    use Lp::{Int, Str};
    let visa: i64 = VISA.parse().unwrap();
    let mc: i64 = MC.parse().unwrap();
    let note = format!("card {}", crate::cli::AMEX);
    let lp = listpack(&[
        // The master entry: 3 entries, 1 deleted, fields card and cvv.
        Int(3),
        Int(1),
        Int(2),
        Str("card"),
        Str("cvv"),
        Int(0),
        // The master's fields (flags 2), at the master id.
        Int(2),
        Int(0),
        Int(0),
        Int(visa),
        Int(123),
        Int(4),
        // Deleted (flags 1 | 2), 5 ms later: still in the snapshot.
        Int(3),
        Int(5),
        Int(0),
        Int(mc),
        Int(456),
        Int(4),
        // Its own field (flags 0).
        Int(0),
        Int(6),
        Int(1),
        Int(1),
        Str("note"),
        Str(&note),
        Int(5),
    ]);
    let mut id = 1_700_000_000_000u64.to_be_bytes().to_vec();
    id.extend(0u64.to_be_bytes());
    let mut body = vec![15];
    body.extend(s(b"payments"));
    body.push(1);
    body.extend(s(&id));
    body.extend(s(&lp));
    body.extend([3, 0, 0, 0]); // length, last id, no consumer groups
    body.extend(kv(b"after", s(b"the stream is read past")));
    let t = Tree::new();
    let p = t.file("stream.rdb", rdb(&body));
    let (code, recs) = jsonl(&[p.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(summary(&recs)["skipped"], 0, "{recs:#?}");
    let found = card_data(&recs);
    assert_eq!(found.len(), 3, "{found:#?}");
    let at = |last4: &str| {
        found
            .iter()
            .find(|f| f["last4"] == last4)
            .map(|f| &f["location"])
            .unwrap_or_else(|| panic!("{last4} missing"))
    };
    let v = at(&VISA[12..]);
    assert_eq!(v["entry"], "1700000000000-0");
    assert_eq!(v["field"], "card");
    assert!(v.get("deleted").is_none());
    let m = at(&MC[12..]);
    // This id's 14 digits pass Luhn: like any name, it is shown masked.
    assert_eq!(m["entry"], "17000*****005-0");
    assert_eq!(m["deleted"], true);
    let a = at(&crate::cli::AMEX[11..]);
    assert_eq!(a["entry"], "1700000000006-1");
    assert_eq!(a["field"], "note");
    // A cvv beside each card number, and the field named for it once.
    let cvv: Vec<_> = of_type(&recs, "finding")
        .into_iter()
        .filter(|f| f["kind"] == "cvv")
        .collect();
    assert_eq!(cvv.len(), 2, "{cvv:#?}");
    let sad = of_type(&recs, "finding")
        .into_iter()
        .filter(|f| f["kind"] == "sad_field")
        .count();
    assert_eq!(sad, 1);
}
