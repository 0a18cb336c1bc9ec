//! Structured sources: the dumps in testdata/structured (made by a real
//! PostgreSQL, MariaDB and sqlite3, see scripts/mkdumps.sh) scanned by the
//! real binary against expected.json — table, column, row, key, JSON path,
//! CVV pairing, schema findings — then CSV, JSON, JSON Lines, field-name
//! context and malformed input.

use std::path::{Path, PathBuf};

use crate::cli::{MC, VISA};
use crate::util::*;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/structured")
}

fn scan(args: &[&str]) -> (i32, Vec<serde_json::Value>) {
    let mut a = vec!["--format", "jsonl", "--no-progress"];
    a.extend_from_slice(args);
    let out = run_in(&dir(), &a);
    let text = String::from_utf8(out.stdout).unwrap();
    let recs = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out.status.code().unwrap(), recs)
}

/// Checks `got`'s location against the expected entry's fields.
fn same_place(name: &str, want: &serde_json::Value, got: &serde_json::Value) {
    let loc = &got["location"];
    for k in ["table", "column", "row", "pk", "json_path", "rowid"] {
        if let Some(v) = want.get(k) {
            assert_eq!(&loc[k], v, "{name}: location.{k} of {got}");
        }
    }
    if let Some(line) = want.get("line") {
        assert_eq!(&got["line"], line, "{name}: line of {got}");
    }
    if let Some(member) = want.get("member") {
        assert_eq!(&got["path"], member, "{name}: path of {got}");
    }
}

#[test]
fn dumps_made_by_real_databases_say_where_each_number_is() {
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir().join("expected.json")).unwrap()).unwrap();
    let mut files = 0;
    for (name, want) in expected.as_object().unwrap() {
        if name == "made_by" {
            continue;
        }
        files += 1;
        let (code, recs) = scan(&[name]);
        assert_eq!(code, 1, "{name}");
        let found = of_type(&recs, "finding");
        // Every number, where it is; nothing else of those kinds.
        let numbers: Vec<_> = found
            .iter()
            .filter(|f| f["kind"] == "pan" || f["kind"] == "masked_pan")
            .collect();
        let mut want_n = want["findings"].as_array().unwrap().clone();
        want_n.extend(
            want.get("free_page")
                .and_then(|f| f.as_array())
                .cloned()
                .unwrap_or_default(),
        );
        assert_eq!(numbers.len(), want_n.len(), "{name}: {numbers:#?}");
        for w in want["findings"].as_array().unwrap() {
            let f = numbers
                .iter()
                .find(|f| {
                    f["first6"] == w["first6"] && f["last4"] == w["last4"] && f["kind"] == w["kind"]
                })
                .unwrap_or_else(|| panic!("{name}: missing {w}"));
            same_place(name, w, f);
            if w["kind"] == "pan" {
                assert_eq!(f["confidence"], "high", "{name}: {f}");
            }
        }
        // A deleted row's number, from a free page: no table, no column.
        for w in want
            .get("free_page")
            .and_then(|f| f.as_array())
            .into_iter()
            .flatten()
        {
            let f = numbers
                .iter()
                .find(|f| f["last4"] == w["last4"])
                .unwrap_or_else(|| panic!("{name}: missing free-page number"));
            assert!(f["location"].is_null(), "{f}");
            assert_eq!(&f["offset"], &w["offset"]);
            assert!(f["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r == "not_in_any_table"));
        }
        // CVVs beside the PANs, all digits hidden.
        let cvvs: Vec<_> = found.iter().filter(|f| f["kind"] == "cvv").collect();
        let want_c = want["cvv"].as_array().unwrap();
        assert_eq!(cvvs.len(), want_c.len(), "{name}: {cvvs:#?}");
        for (w, f) in want_c.iter().zip(&cvvs) {
            same_place(name, w, f);
            assert_eq!(f["masked"], "***");
            assert_eq!(f["first6"], "");
            assert_eq!(f["last4"], "");
        }
        // CVV-named columns, holding data or not.
        let schema: Vec<_> = found.iter().filter(|f| f["kind"] == "sad_field").collect();
        let want_s = want["schema"].as_array().unwrap();
        assert_eq!(schema.len(), want_s.len(), "{name}: {schema:#?}");
        for w in want_s {
            assert!(
                schema.iter().any(|f| f["location"]["table"] == w["table"]
                    && f["location"]["column"] == w["column"]),
                "{name}: no schema finding for {w}"
            );
        }
    }
    assert_eq!(files, 10);
}

/// The z0 archive (rows stored uncompressed) cut after the Mastercard
/// number's row, with its version byte changed, and the compressed one
/// with its version byte changed.
#[test]
fn a_damaged_pg_dump_archive_is_read_as_far_as_it_goes() {
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir().join("expected.json")).unwrap()).unwrap();
    let z0 = std::fs::read(dir().join("pg_custom_z0.dump")).unwrap();
    let packed = std::fs::read(dir().join("pg_custom.dump")).unwrap();
    let mc = expected["pg_plain.sql"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["brand"] == "mastercard")
        .unwrap();
    let first6 = mc["first6"].as_str().unwrap().as_bytes();
    let at = z0.windows(6).position(|w| w == first6).unwrap();
    let t = Tree::new();
    t.file("cut.dump", &z0[..at + 40]);
    t.file("newer.dump", newer_bytes(&packed)); // archive version 1.99
    let (code, recs) = jsonl(&["--no-progress", t.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    let skipped = of_type(&recs, "skipped");
    let cut = skipped
        .iter()
        .find(|s| {
            s["path"]
                .as_str()
                .unwrap()
                .ends_with("cut.dump!pg_restore.sql")
        })
        .unwrap_or_else(|| panic!("{skipped:#?}"));
    assert_eq!(cut["reason"], "corrupt", "{cut}");
    let newer = skipped
        .iter()
        .find(|s| s["path"].as_str().unwrap().ends_with("newer.dump"))
        .unwrap_or_else(|| panic!("{skipped:#?}"));
    assert_eq!(newer["reason"], "unsupported", "{newer}");
    assert!(
        newer["detail"].as_str().unwrap().contains("1.99"),
        "{newer}"
    );
    // The rows before the cut, each in its place; nothing from the
    // compressed archive of an unknown version.
    let pans: Vec<_> = of_type(&recs, "finding")
        .into_iter()
        .filter(|f| f["kind"] == "pan")
        .collect();
    assert_eq!(pans.len(), 2, "{pans:#?}");
    for p in &pans {
        assert!(p["path"]
            .as_str()
            .unwrap()
            .ends_with("cut.dump!pg_restore.sql"));
        assert_eq!(p["location"]["table"], "customers", "{p}");
        assert_eq!(p["location"]["column"], "card_number", "{p}");
    }
    // Alone, the unknown version is an incomplete scan, not a clean one.
    let t2 = Tree::new();
    t2.file("newer.dump", newer_bytes(&packed));
    let (code, _) = jsonl(&["--no-progress", t2.path().to_str().unwrap()]);
    assert_eq!(code, 3);
}

/// A table of contents over `--max-buffer`: a limit, and the raw scan
/// (which sees the uncompressed archive's numbers, without a place).
#[test]
fn a_pg_dump_toc_over_the_buffer_limit_is_scanned_raw() {
    let (code, recs) = scan(&["--max-buffer", "1K", "pg_custom_z0.dump", "pg_custom.dump"]);
    let skipped = of_type(&recs, "skipped");
    assert_eq!(skipped.len(), 2, "{skipped:#?}");
    for s in &skipped {
        assert_eq!(s["reason"], "limit", "{s}");
        assert!(
            s["detail"].as_str().unwrap().contains("table of contents"),
            "{s}"
        );
    }
    let pans: Vec<_> = of_type(&recs, "finding")
        .into_iter()
        .filter(|f| f["kind"] == "pan")
        .collect();
    assert_eq!(pans.len(), 4, "{pans:#?}");
    for p in &pans {
        assert_eq!(p["path"], "pg_custom_z0.dump", "{p}");
    }
    assert_eq!(code, 1);
    let (code, _) = scan(&["--max-buffer", "1K", "pg_custom.dump"]);
    assert_eq!(code, 3, "compressed rows unread: incomplete, not clean");
}

fn newer_bytes(packed: &[u8]) -> Vec<u8> {
    let mut v = packed.to_vec();
    v[6] = 99;
    v
}

#[test]
fn a_sqlite_file_is_left_untouched() {
    let t = Tree::new();
    let db = t.file(
        "shop.sqlite",
        std::fs::read(dir().join("shop.sqlite")).unwrap(),
    );
    let before = std::fs::read(&db).unwrap();
    let mtime = std::fs::metadata(&db).unwrap().modified().unwrap();
    let (code, _) = jsonl(&["--no-progress", t.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert_eq!(std::fs::metadata(&db).unwrap().modified().unwrap(), mtime);
    let names: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no -wal, -shm or journal: {names:?}");
}

#[test]
fn no_structure_scans_raw_bytes_only() {
    let (code, recs) = scan(&["--no-structure", "shop.sqlite", "pg_plain.sql"]);
    assert_eq!(code, 1);
    let found = of_type(&recs, "finding");
    assert!(!found.is_empty());
    assert!(found.iter().all(|f| f["location"].is_null()), "{found:#?}");
    assert!(found
        .iter()
        .all(|f| f["kind"] != "cvv" && f["kind"] != "sad_field"));
}

#[test]
fn a_malformed_dump_keeps_its_lines() {
    let t = Tree::new();
    t.file(
        "broken.sql",
        format!(
            "-- MySQL dump\nCREATE TABLE `t` (garbage here\nINSERT INTO `t` VALUES (1,'{VISA}'\nINSERT INTO VALUES ((((\n'{MC}'\n"
        ),
    );
    let (code, recs) = jsonl(&["--no-progress", t.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    let found = of_type(&recs, "finding");
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(found[0]["line"], 3);
    assert_eq!(found[0]["location"]["table"], "t");
    assert_eq!(found[1]["line"], 5);
    assert!(of_type(&recs, "skipped").is_empty());
}

#[test]
fn a_number_that_starts_a_copy_row_is_on_that_row() {
    // The card number is the first field: the hit is a line's first byte.
    let t = Tree::new();
    t.file(
        "first.sql",
        format!(
            "--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE public.cards (\n    pan character varying(19),\n    id bigint NOT NULL,\n    cvv character varying(4)\n);\n\nCOPY public.cards (pan, id, cvv) FROM stdin;\n{VISA}\t11\t123\n{MC}\t12\t456\n\\.\n\nALTER TABLE ONLY public.cards\n    ADD CONSTRAINT cards_pkey PRIMARY KEY (id);\n"
        ),
    );
    let (code, recs) = jsonl(&["--no-progress", t.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    let found = of_type(&recs, "finding");
    let pans: Vec<_> = found.iter().filter(|f| f["kind"] == "pan").collect();
    assert_eq!(pans.len(), 2, "{found:#?}");
    for (i, p) in pans.iter().enumerate() {
        assert_eq!(p["line"], 12 + i as u64);
        assert_eq!(p["location"]["table"], "cards");
        assert_eq!(p["location"]["column"], "pan");
        assert_eq!(p["location"]["row"], 1 + i as u64, "{p}");
        assert_eq!(p["location"]["pk"], format!("{}", 11 + i));
    }
    let cvvs: Vec<_> = found.iter().filter(|f| f["kind"] == "cvv").collect();
    assert_eq!(cvvs.len(), 2);
    assert_eq!(cvvs[0]["location"]["row"], 1);
    assert_eq!(cvvs[1]["location"]["row"], 2);
}

#[test]
fn csv_columns_rows_and_cvv() {
    let t = Tree::new();
    t.file(
        "export.csv",
        format!("name,\"card, number\",cvv2,expiry\n\"Doe, J\",{VISA},123,12/27\nRoe,,,\n\"x\"\"y\",{MC},4567,01/28\n"),
    );
    t.file("pipe.txt", format!("id|note|pan\n7|hello|{MC}\n"));
    let (code, recs) = jsonl(&["--no-progress", t.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    let found = of_type(&recs, "finding");
    let pans: Vec<_> = found.iter().filter(|f| f["kind"] == "pan").collect();
    assert_eq!(pans.len(), 3);
    assert_eq!(pans[0]["location"]["column"], "card, number");
    assert_eq!(pans[0]["location"]["row"], 1);
    assert_eq!(pans[1]["location"]["row"], 3);
    assert_eq!(pans[2]["location"]["column"], "pan");
    assert_eq!(pans[2]["location"]["column_index"], 3);
    let cvvs: Vec<_> = found.iter().filter(|f| f["kind"] == "cvv").collect();
    assert_eq!(cvvs.len(), 2);
    assert_eq!(cvvs[1]["masked"], "****");
    assert_eq!(cvvs[1]["location"]["row"], 3);
    let schema: Vec<_> = found.iter().filter(|f| f["kind"] == "sad_field").collect();
    assert_eq!(schema.len(), 1);
    assert_eq!(schema[0]["location"]["column"], "cvv2");
}

#[test]
fn a_csv_header_wider_than_the_sniffing_head_still_names_columns() {
    // 400 columns of 25-character names: a 10 KB header, over the 8 KiB
    // head that is sniffed. Before, such a file was not seen as CSV: no
    // column, and no `card_number` to raise the confidence.
    let t = Tree::new();
    let names: Vec<String> = (0..400)
        .map(|i| format!("customer_attribute_{i:04}"))
        .collect();
    let blank = vec![""; 400].join(",");
    t.file(
        "wide.csv",
        format!(
            "{},card_number,cvv
{blank},{VISA},123
{blank},,
",
            names.join(",")
        ),
    );
    // The header alone fills the head, and then some: the first row too.
    let long: Vec<String> = (0..400).map(|i| format!("c{i}")).collect();
    let row = vec!["x".repeat(30); 400].join(",");
    t.file(
        "long-rows.csv",
        format!(
            "{},pan
{row},{MC}
{row},
",
            long.join(",")
        ),
    );
    let (code, recs) = jsonl(&["--no-progress", t.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    let found = of_type(&recs, "finding");
    let at = |file: &str, kind: &str| -> Vec<&serde_json::Value> {
        found
            .iter()
            .filter(|f| f["path"].as_str().unwrap().ends_with(file) && f["kind"] == kind)
            .copied()
            .collect()
    };
    let pan = at("wide.csv", "pan");
    assert_eq!(pan.len(), 1, "{found:#?}");
    assert_eq!(pan[0]["location"]["column"], "card_number");
    assert_eq!(pan[0]["location"]["column_index"], 401);
    assert_eq!(pan[0]["location"]["row"], 1);
    assert_eq!(pan[0]["confidence"], "high");
    assert_eq!(at("wide.csv", "cvv").len(), 1);
    let pan = at("long-rows.csv", "pan");
    assert_eq!(pan.len(), 1, "{found:#?}");
    assert_eq!(pan[0]["location"]["column"], "pan");
}

#[test]
fn csv_rows_longer_than_the_read_overlap_keep_their_columns() {
    // Rows of 15 KB: one that began in the previous 128 KiB read buffer,
    // more than its 2 KiB overlap back, was placed nowhere (no column, no
    // row, no CVV beside it).
    let t = Tree::new();
    let names: Vec<String> = (0..5000).map(|i| format!("c{i}")).collect();
    let row = vec!["xx"; 5000].join(",");
    let rows: String = (0..30).map(|_| format!("{row},{VISA},123\n")).collect();
    t.file(
        "rows.csv",
        format!("{},card_number,cvv\n{rows}", names.join(",")),
    );
    let (code, recs) = jsonl(&["--no-progress", t.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    let found = of_type(&recs, "finding");
    let of = |kind: &str| -> Vec<&serde_json::Value> {
        found
            .iter()
            .filter(|f| f["kind"] == kind)
            .copied()
            .collect()
    };
    let pans = of("pan");
    assert_eq!(pans.len(), 30);
    for (i, p) in pans.iter().enumerate() {
        assert_eq!(p["location"]["column"], "card_number", "{p}");
        assert_eq!(p["location"]["column_index"], 5001, "{p}");
        assert_eq!(p["location"]["row"], i + 1, "{p}");
    }
    assert_eq!(of("cvv").len(), 30, "{found:#?}");
}

#[test]
fn json_paths_for_documents_and_lines() {
    let t = Tree::new();
    t.file(
        "capture.json",
        format!(
            "{{\n  \"requests\": [\n    {{\"id\": 1}},\n    {{\"payment\": {{\"card\": {{\"number\": \"{VISA}\", \"cvc\": \"321\"}}}}}},\n    {{\"pan\": {MC}}}\n  ]\n}}\n"
        ),
    );
    t.file(
        "api.jsonl",
        format!("{{\"a\":1,\"security_code\":null}}\n{{\"order\":{{\"items\":[{{\"card_no\":\"{VISA}\"}}]}}}}\n"),
    );
    t.file(
        "keys.json",
        format!("{{\"a\": {{\"card\": \"{VISA}\", \"{MC}\": 2}}, \"{VISA}\": 3}}\n"),
    );
    // An SDK's API model names SAD fields without holding any: objects
    // and flags, no sad_field; one field that holds a string is one.
    t.file(
        "service-2.json",
        "{\"shapes\": {\"VisaPin\": {\"type\": \"string\"}, \"RequirePin\": true,\n  \"members\": {\"PinBlock\": {\"shape\": \"P\"}, \"Track2\": \"T\"}}}\n",
    );
    let (_, recs) = jsonl(&["--no-progress", t.path().to_str().unwrap()]);
    let found = of_type(&recs, "finding");
    let path_of = |file: &str, kind: &str| -> Vec<String> {
        found
            .iter()
            .filter(|f| f["path"].as_str().unwrap().ends_with(file) && f["kind"] == kind)
            .map(|f| f["location"]["json_path"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        path_of("capture.json", "pan"),
        ["$.requests[1].payment.card.number", "$.requests[2].pan"]
    );
    assert_eq!(
        path_of("capture.json", "cvv"),
        ["$.requests[1].payment.card.cvc"]
    );
    assert_eq!(
        path_of("capture.json", "sad_field"),
        ["$.requests[*].payment.card.cvc"]
    );
    assert_eq!(path_of("api.jsonl", "pan"), ["$.order.items[0].card_no"]);
    // A number used as a key is placed at the object holding it, not at
    // the value read before it.
    assert_eq!(
        path_of("keys.json", "pan"),
        ["$.a.card", "$.a", "$"],
        "{found:?}"
    );
    assert_eq!(
        path_of("api.jsonl", "sad_field"),
        ["$.security_code"],
        "reported though null"
    );
    assert_eq!(
        path_of("service-2.json", "sad_field"),
        ["$.shapes.members.Track2"],
        "keys holding objects or booleans are no fields"
    );
}

#[test]
fn field_names_move_confidence() {
    // A bare 16-digit number with no card words nearby, in a column named
    // for cards, for nothing, and for order ids.
    let t = Tree::new();
    let filler = "x".repeat(300);
    t.file("a.csv", format!("card_number,note\n{VISA},{filler}\n"));
    t.file("b.csv", format!("value,note\n{VISA},{filler}\n"));
    t.file("c.csv", format!("order_id,note\n{VISA},{filler}\n"));
    let (_, recs) = jsonl(&["--no-progress", t.path().to_str().unwrap()]);
    let conf = |file: &str| {
        of_type(&recs, "finding")
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(file))
            .map(|f| f["confidence"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(conf("a.csv"), "high");
    let rank = |c: &str| {
        ["low", "medium", "high"]
            .iter()
            .position(|x| *x == c)
            .unwrap()
    };
    assert!(
        rank(&conf("b.csv")) > rank(&conf("c.csv")),
        "{} vs {}",
        conf("b.csv"),
        conf("c.csv")
    );
    assert_eq!(conf("c.csv"), "low");
}

#[test]
fn the_human_report_says_where() {
    let out = run_in(&dir(), &["--no-progress", "pg_plain.sql"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("[pan, high] in customers.card_number row 2 pk 2"),
        "{text}"
    );
    assert!(
        text.contains("CVV *** beside a PAN in customers.cvv row 2 pk 2 [cvv, high]"),
        "{text}"
    );
    assert!(
        text.contains("payment_tokens.security_code named like sensitive authentication data"),
        "{text}"
    );
    assert!(
        text.contains("in events.payload row 1 pk 1 $.payment.card.number"),
        "{text}"
    );
}
