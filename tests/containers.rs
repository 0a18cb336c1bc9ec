//! Containers: the fixtures in testdata/containers (made by real tools, see
//! scripts/mkfixtures.py) and testdata/formats (formats decoded or only
//! recognised, scripts/mkformats.py) scanned by the real binary, each
//! against the findings and coverage records listed in its expected.json;
//! then the limits, damaged archives, stdin and `--no-containers`.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::util::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/containers")
}

/// Runs the binary in the fixtures directory with `--format jsonl`.
fn scan_fixture(args: &[&str]) -> (i32, Vec<serde_json::Value>) {
    scan_in(&fixtures(), args)
}

/// Runs the binary in `dir` with `--format jsonl`.
fn scan_in(dir: &Path, args: &[&str]) -> (i32, Vec<serde_json::Value>) {
    let mut a = vec!["--format", "jsonl", "--no-progress"];
    a.extend_from_slice(args);
    let out = run_in(dir, &a);
    let code = out.status.code().expect("exit code");
    let text = String::from_utf8(out.stdout).unwrap();
    let recs = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (code, recs)
}

#[test]
fn every_fixture_reports_its_findings_and_coverage() {
    check_fixtures(&fixtures(), 19);
}

/// Files of formats pan-scan decodes (lz4; 7z by every method 7-Zip offers,
/// solid, with a gzip inside) or only recognises: an lzip, lzop, compress,
/// cabinet or squashfs file is `unsupported`, a 7z with a password, a gpg,
/// openssl or age file, an xlsx/docx with a password or a legacy
/// .doc/.xls/.ppt with one (LibreOffice, Apache POI) `encrypted`, each
/// scanned raw as well, and a run holding only such a file ends
/// `incomplete` (exit 3), not clean; a legacy .xls, .doc or .ppt without a
/// password is scanned raw, found, nothing reported.
#[test]
fn recognised_formats_are_decoded_or_reported() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/formats");
    check_fixtures(&dir, 31);
}

/// A legacy workbook whose cells cannot be held in memory (its compound
/// file's allocation table, or its workbook stream, over `--max-buffer`)
/// is scanned raw, with a `limit` record saying its cells were not read:
/// the raw scan finds 999 of the 1,000 numbers, the one a `CONTINUE`
/// record splits is missed, and the run says so. Inside a zip (held in
/// memory) the same.
#[test]
fn a_workbook_over_the_buffer_is_scanned_raw_and_reported() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/formats");
    let tmp = tempfile::tempdir().unwrap();
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    z.start_file("cards-many.xls", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut z, &std::fs::read(dir.join("cards-many.xls")).unwrap()).unwrap();
    std::fs::write(
        tmp.path().join("many.zip"),
        z.finish().unwrap().into_inner(),
    )
    .unwrap();
    // 64 bytes: the table of this 57 KiB file (456 bytes) is over it; 8K:
    // the table fits, the workbook stream does not; 32K, in a zip: the
    // file itself does not fit.
    for (where_, name, buffer) in [
        (dir.as_path(), "cards-many.xls", "64"),
        (dir.as_path(), "cards-many.xls", "8K"),
        (tmp.path(), "many.zip", "32K"),
    ] {
        let (code, recs) = scan_in(where_, &["--max-buffer", buffer, name]);
        let found = of_type(&recs, "finding");
        assert_eq!(found.len(), 999, "{name} {buffer}");
        assert!(
            found.iter().all(|f| f.get("location").is_none()),
            "{name} {buffer}"
        );
        let skipped = of_type(&recs, "skipped");
        assert_eq!(skipped.len(), 1, "{name} {buffer}: {skipped:#?}");
        assert_eq!(skipped[0]["reason"], "limit");
        let detail = skipped[0]["detail"].as_str().unwrap();
        assert!(detail.contains("cells were not read"), "{detail}");
        assert_eq!(code, 1);
    }
}

/// Scans each file listed in `dir`'s expected.json (at least `at_least`)
/// and checks its findings, coverage records and exit code.
fn check_fixtures(dir: &Path, at_least: usize) {
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let expected = expected.as_object().unwrap();
    assert!(expected.len() >= at_least, "fixtures missing");
    for (name, want) in expected {
        let (code, recs) = scan_in(dir, &[name]);
        let found = of_type(&recs, "finding");
        let skipped = of_type(&recs, "skipped");
        let want_f = want["findings"].as_array().unwrap();
        let want_s = want["skipped"].as_array().unwrap();
        // Exactly the planted findings, each where it was planted.
        assert_eq!(found.len(), want_f.len(), "{name}: findings {found:#?}");
        for w in want_f {
            let hit = found.iter().find(|f| {
                f["path"] == w["path"] && f["first6"] == w["first6"] && f["last4"] == w["last4"]
            });
            let hit = hit.unwrap_or_else(|| panic!("{name}: missing {w} in {found:#?}"));
            assert_eq!(hit["kind"], "pan", "{name}");
            assert_eq!(hit["test_pan"], false, "{name}");
            if let Some(line) = w.get("line") {
                assert_eq!(&hit["line"], line, "{name}: line of {w}");
            }
            if let Some(loc) = w.get("location") {
                for (k, v) in loc.as_object().unwrap() {
                    assert_eq!(&hit["location"][k], v, "{name}: location.{k} of {hit}");
                }
            }
        }
        // Every expected coverage record (containers may add their own).
        for w in want_s {
            assert!(
                skipped
                    .iter()
                    .any(|s| s["path"] == w["path"] && s["reason"] == w["reason"]),
                "{name}: missing coverage record {w} in {skipped:#?}"
            );
        }
        if want_s.is_empty() {
            assert!(skipped.is_empty(), "{name}: unexpected {skipped:#?}");
        }
        let want_code = if !want_f.is_empty() {
            1
        } else if !want_s.is_empty() {
            3
        } else {
            0
        };
        assert_eq!(code, want_code, "{name}");
    }
}

#[test]
fn a_whole_tree_of_containers_in_one_run() {
    let (code, recs) = scan_fixture(&["."]);
    assert_eq!(code, 1);
    let s = summary(&recs);
    assert!(s["members_scanned"].as_u64().unwrap() >= 20, "{s}");
    assert_eq!(s["verdict"], "card-data-found");
    assert!(
        s["skipped_by_reason"]["encrypted"].as_u64().unwrap() >= 2,
        "{s}"
    );
    assert!(
        s["skipped_by_reason"]["limit"].as_u64().unwrap() >= 2,
        "{s}"
    );
}

#[test]
fn the_bombs_stop_at_the_ratio_limit() {
    for name in ["bomb.gz", "bomb.zip"] {
        let (code, recs) = scan_fixture(&[name]);
        assert_eq!(code, 3, "{name}");
        let skipped = of_type(&recs, "skipped");
        assert_eq!(skipped.len(), 1, "{skipped:#?}");
        let detail = skipped[0]["detail"].as_str().unwrap();
        assert!(detail.contains("--max-ratio"), "{detail}");
        // Read as far as the limit (64 MiB floor), not the whole 100 MiB.
        let bytes = skipped[0]["bytes_scanned"].as_u64().unwrap();
        assert!((64 << 20..100 << 20).contains(&bytes), "{bytes}");
    }
    // A higher ratio lets the same file through.
    let (code, recs) = scan_fixture(&["--max-ratio", "100000", "bomb.gz"]);
    assert_eq!(code, 0, "{recs:#?}");
}

#[test]
fn the_size_limit_cuts_a_member_short_and_says_so() {
    let (code, recs) = scan_fixture(&["--max-container-size", "1M", "bomb.gz"]);
    assert_eq!(code, 3);
    let s = &of_type(&recs, "skipped")[0];
    assert_eq!(s["reason"], "limit");
    assert!(
        s["detail"]
            .as_str()
            .unwrap()
            .contains("--max-container-size"),
        "{s}"
    );
    let bytes = s["bytes_scanned"].as_u64().unwrap();
    assert!((1 << 20..2 << 20).contains(&bytes), "{bytes}");
}

#[test]
fn nesting_deeper_than_the_limit_is_scanned_raw_and_reported() {
    // depth 0: the .tar.gz; 1: the tar inside it.
    let (code, recs) = scan_fixture(&["--max-depth", "1", "site-backup.tar.gz"]);
    let skipped = of_type(&recs, "skipped");
    assert!(
        skipped
            .iter()
            .any(|s| s["path"] == "site-backup.tar.gz!site-backup.tar"
                && s["reason"] == "limit"
                && s["detail"].as_str().unwrap().contains("--max-depth")),
        "{skipped:#?}"
    );
    // notes.txt is stored as is inside the tar: the raw scan still finds it.
    let found = of_type(&recs, "finding");
    assert!(
        found
            .iter()
            .any(|f| f["path"] == "site-backup.tar.gz!site-backup.tar" && f["brand"] == "AMEX"),
        "{found:#?}"
    );
    assert_eq!(code, 1);
}

#[test]
fn members_past_the_limit_are_reported() {
    let (_, recs) = scan_fixture(&["--max-members", "1", "site-backup.tar.gz"]);
    let found = of_type(&recs, "finding");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0]["path"]
        .as_str()
        .unwrap()
        .ends_with("site/db.zip!dump.sql"));
    let skipped = of_type(&recs, "skipped");
    assert!(
        skipped
            .iter()
            .any(|s| s["detail"].as_str().unwrap().contains("--max-members")),
        "{skipped:#?}"
    );
}

#[test]
fn a_message_over_the_buffer_limit_is_scanned_raw() {
    let (code, recs) = scan_fixture(&["--max-buffer", "100", "order.eml"]);
    assert_eq!(code, 1, "the body is plain enough to be found raw");
    let skipped = of_type(&recs, "skipped");
    assert!(
        skipped
            .iter()
            .any(|s| s["path"] == "order.eml"
                && s["detail"].as_str().unwrap().contains("--max-buffer")),
        "{skipped:#?}"
    );
}

#[test]
fn no_containers_reads_raw_bytes_only() {
    let (code, recs) = scan_fixture(&["--no-containers", "app.log.2.gz", "order.eml"]);
    let found = of_type(&recs, "finding");
    // The gzip hides its number; the mail body is plain text.
    assert!(found.iter().all(|f| f["path"] == "order.eml"), "{found:#?}");
    assert_eq!(summary(&recs)["members_scanned"], 0);
    assert_eq!(code, 1);
}

#[test]
fn a_zip_without_its_central_directory_is_read_from_local_headers() {
    let t = Tree::new();
    let data = std::fs::read(fixtures().join("export.xlsx")).unwrap();
    // Cut inside the central directory.
    let cut = memchr::memmem::rfind(&data, b"PK\x01\x02").unwrap();
    t.file("cut.xlsx", &data[..cut]);
    let (code, recs) = jsonl(&["--no-progress", t.path().join("cut.xlsx").to_str().unwrap()]);
    assert_eq!(code, 1);
    let skipped = of_type(&recs, "skipped");
    assert!(
        skipped.iter().any(|s| s["reason"] == "corrupt"),
        "{skipped:#?}"
    );
    // Both numbers are in the worksheets, read as plain members.
    let found = of_type(&recs, "finding");
    assert_eq!(found.len(), 2, "{found:#?}");
    for (f, sheet) in found.iter().zip(["sheet1", "sheet2"]) {
        let want = format!("cut.xlsx!xl/worksheets/{sheet}.xml");
        assert!(f["path"].as_str().unwrap().ends_with(&want), "{f}");
    }
}

#[test]
fn compressed_stdin_is_opened() {
    let data = std::fs::read(fixtures().join("app.log.2.gz")).unwrap();
    let mut child = bin()
        .args(["--format", "jsonl", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&data).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\"path\":\"-!-\""), "{text}");
    assert!(text.contains("\"line\":3"), "{text}");
}

#[test]
fn garbage_after_a_magic_number_is_corrupt_not_a_crash() {
    let t = Tree::new();
    let mut junk = b"\x1f\x8b\x08\x00".to_vec();
    junk.extend(std::iter::repeat_n(0xAB, 5000));
    t.file("junk.gz", &junk);
    let mut z = b"PK\x03\x04".to_vec();
    z.extend(std::iter::repeat_n(0x11, 300));
    t.file("junk.zip", &z);
    t.file(
        "junk.pdf",
        b"%PDF-1.4\n1 0 obj <<>> garbage 4532015112830366\n",
    );
    let (code, recs) = jsonl(&["--no-progress", t.path().to_str().unwrap()]);
    let skipped = of_type(&recs, "skipped");
    for name in ["junk.gz", "junk.zip", "junk.pdf"] {
        assert!(
            skipped
                .iter()
                .any(|s| s["path"].as_str().unwrap().contains(name) && s["reason"] == "corrupt"),
            "{name}: {skipped:#?}"
        );
    }
    // The unparsable PDF is still scanned as raw bytes.
    let found = of_type(&recs, "finding");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(code, 1);
}

#[test]
fn the_run_wide_limit_stops_expansion() {
    let (code, recs) = scan_fixture(&["--max-total-expanded", "2M", "bomb.gz", "bomb.zip"]);
    assert_eq!(code, 3);
    let skipped = of_type(&recs, "skipped");
    assert_eq!(skipped.len(), 2, "{skipped:#?}");
    for s in &skipped {
        assert!(
            s["detail"]
                .as_str()
                .unwrap()
                .contains("--max-total-expanded"),
            "{s}"
        );
    }
    let total: u64 = skipped
        .iter()
        .map(|s| s["bytes_scanned"].as_u64().unwrap())
        .sum();
    assert!(total < 3 << 20, "{total}");
}

/// Runs git (the real one) in `dir`, with no user or system configuration.
fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args(["-c", "gc.auto=0", "-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git is installed");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

/// Lines of text, numbered, as a file that changes between commits.
fn lines(from: usize, to: usize) -> String {
    (from..to)
        .map(|i| format!("line {i}: the quick brown fox jumps over the lazy dog\n"))
        .collect()
}

/// A number committed and deleted since lives on in git's object store,
/// compressed: found there as a loose object, then in the pack `git gc`
/// makes, both as a whole object and as the insert of a delta.
#[test]
fn numbers_deleted_from_a_git_work_tree_are_found_in_its_history() {
    use crate::cli::{MC, VISA};
    let t = Tree::new();
    let root = t.path();
    git(root, &["init", "-q"]);
    // 1. cards.txt with the Visa number, then deleted.
    t.file("cards.txt", format!("card {VISA} exp 12/27\n"));
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "add"]);
    git(root, &["rm", "-q", "cards.txt"]);
    git(root, &["commit", "-q", "-m", "remove"]);
    // 2. app.txt: a version with the Mastercard number on line 151, then
    // a larger one without it, which git makes the base of the first's
    // delta (so the number is only in a delta's insert).
    let with = format!("{}card {MC} exp 01/28\n{}", lines(0, 150), lines(150, 300));
    t.file("app.txt", &with);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "app"]);
    t.file("app.txt", lines(0, 400));
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "app grows"]);
    let scan = || {
        let (code, recs) = jsonl(&["--no-progress", root.to_str().unwrap()]);
        assert_eq!(code, 1);
        assert!(of_type(&recs, "skipped").is_empty(), "{recs:#?}");
        of_type(&recs, "finding")
            .into_iter()
            .map(|f| {
                let path = f["path"].as_str().unwrap();
                let at = path.find("/.git/").expect("in .git");
                (
                    path[at..].to_string(),
                    f["last4"].as_str().unwrap().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    // Loose objects: each number once, in a blob.
    let found = scan();
    assert_eq!(found.len(), 2, "{found:#?}");
    for (path, _) in &found {
        assert!(
            path.starts_with("/.git/objects/") && path.ends_with("!blob"),
            "{path}"
        );
    }
    // Packed: the Visa number in a whole blob, the Mastercard number in a
    // delta's insert.
    git(root, &["gc", "-q", "--aggressive", "--prune=now"]);
    let found = scan();
    assert_eq!(found.len(), 2, "{found:#?}");
    let kind = |last4: &str| {
        let (path, _) = found.iter().find(|(_, l)| l == last4).unwrap();
        assert!(path.contains("/.git/objects/pack/pack-"), "{path}");
        path.rsplit('!')
            .next()
            .unwrap()
            .split('@')
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(kind(&VISA[12..]), "blob");
    assert_eq!(kind(&MC[12..]), "delta");
}

/// A pack cut short, and one with an object of an unknown type: what
/// was read is scanned, the rest reported corrupt.
#[test]
fn a_damaged_git_pack_is_corrupt_after_what_was_read() {
    use crate::cli::VISA;
    let t = Tree::new();
    let repo = t.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    std::fs::write(repo.join("a.txt"), format!("card {VISA}\n")).unwrap();
    std::fs::write(repo.join("b.bin"), lines(0, 2000)).unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "x"]);
    git(&repo, &["gc", "-q", "--prune=now"]);
    let packs = repo.join(".git/objects/pack");
    let pack = std::fs::read_dir(&packs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pack"))
        .unwrap();
    let bytes = std::fs::read(&pack).unwrap();
    let t2 = Tree::new();
    t2.file("cut.pack", &bytes[..bytes.len() - 200]);
    let (code, recs) = jsonl(&["--no-progress", t2.path().to_str().unwrap()]);
    let skipped = of_type(&recs, "skipped");
    // The object cut short, and the pack: the objects after it unread.
    assert!(
        skipped.iter().all(|s| s["reason"] == "corrupt"),
        "{skipped:#?}"
    );
    assert!(
        skipped
            .iter()
            .any(|s| s["path"].as_str().unwrap().ends_with("cut.pack")
                && s["detail"]
                    .as_str()
                    .unwrap()
                    .contains("more objects not scanned")),
        "{skipped:#?}"
    );
    // The Visa number's blob comes before the cut (objects are written
    // commit, trees, then blobs by size; the small one may be first or
    // not), so the run is either card data or incomplete, never clean.
    assert!(code == 1 || code == 3, "{code}");
}

/// Runs a tool (the real one) in `dir`.
fn tool(dir: &Path, cmd: &str, args: &[&str]) {
    let out = std::process::Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(out.status.success(), "{cmd} {args:?}: {out:?}");
}

/// `ar` archives: a Debian package made by dpkg-deb (its data.tar.xz
/// opened), a static library made by GNU ar (a long name from the `//`
/// table), a BSD-style archive (names in the data, as macOS's ar writes
/// them; written here, there being no BSD ar), and one cut short.
#[test]
fn ar_archives_and_debian_packages_are_opened() {
    use crate::cli::{AMEX, MC, VISA};
    let t = Tree::new();
    let root = t.path();
    t.file("pkg/DEBIAN/control", "Package: shop\nVersion: 1.0\nArchitecture: all\nMaintainer: Shop <shop@example.com>\nDescription: shop config\n");
    t.file("pkg/etc/shop/payment.ini", format!("card={VISA}\n"));
    tool(
        root,
        "dpkg-deb",
        &["--build", "--root-owner-group", "pkg", "shop.deb"],
    );
    std::fs::remove_dir_all(root.join("pkg")).unwrap();
    t.file(
        "src/a_member_name_longer_than_sixteen.txt",
        format!("card {MC}\n"),
    );
    // Odd: padded to an even offset before the next member.
    t.file("src/odd.txt", "odd length\n");
    t.file("src/end.txt", "the end of the library\n");
    tool(
        &root.join("src"),
        "ar",
        &[
            "rc",
            "../libshop.a",
            "odd.txt",
            "a_member_name_longer_than_sixteen.txt",
            "end.txt",
        ],
    );
    std::fs::remove_dir_all(root.join("src")).unwrap();
    let mut bsd = b"!<arch>\n".to_vec();
    let name = b"refunds_with_a_long_name.txt";
    let body = format!("card {AMEX}\n");
    bsd.extend_from_slice(
        format!(
            "#1/{:<13}0           0     0     100644  {:<10}`\n",
            name.len(),
            name.len() + body.len()
        )
        .as_bytes(),
    );
    bsd.extend_from_slice(name);
    bsd.extend_from_slice(body.as_bytes());
    t.file("bsd.a", &bsd);
    let (code, recs) = jsonl(&["--no-progress", root.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(of_type(&recs, "skipped").is_empty(), "{recs:#?}");
    let mut paths: Vec<String> = of_type(&recs, "finding")
        .iter()
        .map(|f| {
            let p = f["path"].as_str().unwrap();
            p[root.to_str().unwrap().len() + 1..].to_string()
        })
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "bsd.a!refunds_with_a_long_name.txt",
            "libshop.a!a_member_name_longer_than_sixteen.txt",
            "shop.deb!data.tar.xz!data.tar!./etc/shop/payment.ini",
        ]
    );
    // Cut inside its last member: that member is reported, the rest read.
    let lib = std::fs::read(root.join("libshop.a")).unwrap();
    let t2 = Tree::new();
    t2.file("cut.a", &lib[..lib.len() - 4]);
    let (code, recs) = jsonl(&["--no-progress", t2.path().to_str().unwrap()]);
    let skipped = of_type(&recs, "skipped");
    assert_eq!(skipped.len(), 1, "{skipped:#?}");
    assert_eq!(skipped[0]["reason"], "corrupt");
    assert!(skipped[0]["path"]
        .as_str()
        .unwrap()
        .ends_with("cut.a!end.txt"));
    assert_eq!(code, 1, "the number before the cut is found");
}

/// A compound file (Outlook message, embedded objects) holding `streams`:
/// (path, bytes), written with the cfb crate.
fn compound(streams: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut cf = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    for (path, data) in streams {
        let p = Path::new(path);
        if let Some(dir) = p.parent().filter(|d| d != &Path::new("/")) {
            if !cf.exists(dir) {
                cf.create_storage_all(dir).unwrap();
            }
        }
        cf.create_stream(p).unwrap().write_all(data).unwrap();
    }
    cf.flush().unwrap();
    cf.into_inner().into_inner()
}

fn utf16z(s: &str) -> Vec<u8> {
    s.encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect()
}

#[test]
fn containers_in_compound_file_streams_are_opened() {
    // An Outlook message (MS-OXMSG layout) whose attachments are a
    // workbook (named by the attachment's file name) and a gzipped log (no
    // name), whose body is also kept as compressed RTF, and a Word-style
    // document with an embedded PDF object: their bytes are compressed, so
    // the raw scan alone finds none of those numbers.
    let xlsx = std::fs::read(fixtures().join("export.xlsx")).unwrap();
    let gz = std::fs::read(fixtures().join("app.log.2.gz")).unwrap();
    let pdf = std::fs::read(fixtures().join("receipt.pdf")).unwrap();
    let attach = "/__attach_version1.0_#00000000";
    let attach2 = "/__attach_version1.0_#00000001";
    let attach3 = "/__attach_version1.0_#00000002";
    let attach4 = "/__attach_version1.0_#00000003";
    // A zip that stores its member as it is: the raw scan sees the number
    // too, and it is reported once, from the member.
    let stored = {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file("cards.csv", o).unwrap();
        z.write_all(b"name,card\nJane,4532015112830366\n").unwrap();
        z.finish().unwrap().into_inner()
    };
    let rtf = compressed_rtf::compress_rtf(
        "{\\rtf1\\ansi\\ansicpg1252 Card on file: 3782 822463 10005, exp 12/27\\par}",
    )
    .unwrap();
    let msg = compound(&[
        ("/__substg1.0_0037001F", &utf16z("Card export")),
        ("/__substg1.0_1000001F", &utf16z("See the attached files.")),
        // The body in compressed RTF too, with a number the plain body
        // does not have (a message may keep its body in RTF only).
        ("/__substg1.0_10090102", &rtf),
        (
            &format!("{attach}/__substg1.0_3707001F"),
            &utf16z("export.xlsx"),
        ),
        (&format!("{attach}/__substg1.0_37010102"), &xlsx),
        (&format!("{attach2}/__substg1.0_37010102"), &gz),
        (
            &format!("{attach3}/__substg1.0_3704001F"),
            &utf16z("CARDS.ZIP"),
        ),
        (&format!("{attach3}/__substg1.0_37010102"), &stored),
        // A plain attachment: a file of its own too, with its CSV columns.
        (
            &format!("{attach4}/__substg1.0_3707001F"),
            &utf16z("refunds.csv"),
        ),
        (
            &format!("{attach4}/__substg1.0_37010102"),
            b"id,card_number\n7,5425398259791907\n",
        ),
    ]);
    let doc = compound(&[
        ("/WordDocument", b"plain text of the document"),
        ("/ObjectPool/_1234/CONTENTS", &pdf),
    ]);
    let t = Tree::new();
    t.file("mail.msg", &msg);
    t.file("report.doc", &doc);
    let (code, recs) = scan_in(t.path(), &["mail.msg", "report.doc"]);
    assert_eq!(code, 1);
    assert!(of_type(&recs, "skipped").is_empty(), "{recs:#?}");
    let mut got: Vec<(String, String, serde_json::Value)> = of_type(&recs, "finding")
        .iter()
        .map(|f| {
            let p = f["path"].as_str().unwrap().to_string();
            (
                p,
                f["last4"].as_str().unwrap().to_string(),
                f["location"].clone(),
            )
        })
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    let sheet = |s: &str, c: &str| serde_json::json!({"sheet": s, "cell": c});
    let want = [
        (
            "mail.msg!CARDS.ZIP!cards.csv",
            "0366",
            serde_json::json!({"column": "card", "column_index": 2, "row": 1}),
        ),
        (
            "mail.msg!__attach_version1.0_#00000001/__substg1.0_37010102!__substg1.0_37010102",
            "0569",
            serde_json::Value::Null,
        ),
        ("mail.msg!body.rtf", "0005", serde_json::Value::Null),
        (
            "mail.msg!export.xlsx!xl/worksheets/sheet1.xml",
            "1658",
            sheet("Orders", "B2"),
        ),
        (
            "mail.msg!export.xlsx!xl/worksheets/sheet2.xml",
            "3651",
            sheet("Refunds", "C3"),
        ),
        (
            "mail.msg!refunds.csv",
            "1907",
            serde_json::json!({"column": "card_number", "column_index": 2, "row": 1}),
        ),
        (
            "report.doc!ObjectPool/_1234/CONTENTS",
            "4746",
            serde_json::json!({"page": 2}),
        ),
    ];
    let want: Vec<(String, String, serde_json::Value)> = want
        .into_iter()
        .map(|(p, l, v)| (p.to_string(), l.to_string(), v))
        .collect();
    assert_eq!(got, want);
    // Without containers, the same files show only the stored and the
    // plain numbers, without their files' names.
    let (code, recs) = scan_in(t.path(), &["--no-containers", "mail.msg", "report.doc"]);
    assert_eq!(code, 1);
    let found = of_type(&recs, "finding");
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found.iter().all(|f| f["path"] == "mail.msg"));
}

#[test]
fn a_compound_file_cut_inside_a_stream_is_reported_and_scanned_raw() {
    // A message cut inside its attachment: the compound file no longer
    // opens (its allocation table runs past the end), so the file is
    // reported corrupt, never clean, and its raw bytes are still scanned.
    let xlsx = std::fs::read(fixtures().join("export.xlsx")).unwrap();
    let msg = compound(&[
        (
            "/__substg1.0_1000001F",
            &utf16z("Card 4532015112830366 on file."),
        ),
        ("/__attach_version1.0_#00000000/__substg1.0_37010102", &xlsx),
    ]);
    let zip_at = msg.windows(4).position(|w| w == b"PK\x03\x04").unwrap();
    let t = Tree::new();
    t.file("cut.msg", &msg[..zip_at + 1000]);
    let (code, recs) = scan_in(t.path(), &["cut.msg"]);
    assert_eq!(code, 1);
    let skipped = of_type(&recs, "skipped");
    assert_eq!(skipped.len(), 1, "{skipped:#?}");
    assert_eq!(skipped[0]["reason"], "corrupt");
    assert_eq!(skipped[0]["path"], "cut.msg");
    let found = of_type(&recs, "finding");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["last4"], "0366");
    assert_eq!(found[0]["encoding"], "utf-16");
    // Read raw as the usual way a message's text is read, not flagged.
    assert_eq!(
        found[0]["reasons"],
        serde_json::json!(["iin:visa", "luhn", "context:card"])
    );
}

/// A 7z inside another container is held in memory and opened, its
/// members named inside it; one over `--max-buffer` there, or whose header
/// would unpack to more than that, is scanned raw with a `limit` record (a
/// clean verdict is not claimed); one cut short is `corrupt`.
#[test]
fn a_7z_in_a_tar_cut_short_or_over_the_buffer_is_opened_or_reported() {
    let formats = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/formats");
    let seven = std::fs::read(formats.join("site-backup.7z")).unwrap();
    let t = Tree::new();
    let mut tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(seven.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    tar.append_data(&mut h, "backup/site-backup.7z", &seven[..])
        .unwrap();
    t.file("site.tar", tar.into_inner().unwrap());
    t.file("cut.7z", &seven[..seven.len() / 2]);

    let (code, recs) = scan_in(t.path(), &["site.tar"]);
    assert_eq!(code, 1, "{recs:#?}");
    let found = of_type(&recs, "finding");
    assert_eq!(found.len(), 2, "{found:#?}");
    let paths: Vec<&str> = found.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert!(
        paths.contains(&"site.tar!backup/site-backup.7z!db/cards.csv"),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"site.tar!backup/site-backup.7z!app.log.gz!app.log"),
        "{paths:?}"
    );
    assert!(of_type(&recs, "skipped").is_empty());

    // In the tar, over the buffer (the archive is 550 bytes): raw bytes
    // only, which show nothing, and the run is incomplete.
    let (code, recs) = scan_in(t.path(), &["--max-buffer", "400", "site.tar"]);
    assert_eq!(code, 3, "{recs:#?}");
    assert!(of_type(&recs, "finding").is_empty());
    let skipped = of_type(&recs, "skipped");
    assert_eq!(skipped.len(), 1, "{skipped:#?}");
    assert_eq!(skipped[0]["reason"], "limit");
    assert!(skipped[0]["detail"]
        .as_str()
        .unwrap()
        .contains("larger than"));

    let (code, recs) = scan_in(t.path(), &["cut.7z"]);
    assert_eq!(code, 3, "{recs:#?}");
    let s = &of_type(&recs, "skipped")[0];
    assert_eq!(s["reason"], "corrupt", "{s}");
    assert!(s["detail"].as_str().unwrap().starts_with("7z:"), "{s}");

    let (code, recs) = scan_in(&formats, &["--max-buffer", "200", "site-backup.7z"]);
    assert_eq!(code, 3);
    let s = &of_type(&recs, "skipped")[0];
    assert_eq!(s["reason"], "limit", "{s}");
    assert!(
        s["detail"].as_str().unwrap().contains("compressed header"),
        "{s}"
    );
}
