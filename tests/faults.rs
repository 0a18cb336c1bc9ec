//! Fault injection on the real binary: unreadable directories, devices,
//! names that are not UTF-8 or longer than PATH_MAX, files that shrink,
//! grow or vanish while the scan runs, damaged, truncated and hostile
//! containers of every kind, a full disk and a closed pipe. Each case ends
//! with the right coverage record and exit code, within a hang timeout, with
//! every number in the readable data found and no full PAN in any output.
//!
//! Already covered elsewhere and not repeated here: a file without read
//! permission (cli.rs), FIFOs, sockets and /dev/zero through a symlink with
//! --follow, symlink loops (walk.rs), gzip and zip bombs, a zip without its
//! central directory, a truncated tar.gz, garbage after a magic number, the
//! limits one by one (containers.rs), SIGINT/SIGTERM (cli.rs).

use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, FileTypeExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::cli::{AMEX, MC, VISA};
use crate::util::{bin, contains_pan, full_pan_runs, of_type, summary, Tree};

type Recs = Vec<serde_json::Value>;

/// Longer than this is a hang: the child is killed and the test fails.
const HANG: Duration = Duration::from_secs(60);

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Starts `cmd` with stdin closed and its output piped.
fn spawn(cmd: &mut Command) -> Child {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for `child` (reading its output meanwhile) at most [`HANG`]; a
/// child still running then is killed and the test fails.
fn finish(mut child: Child, what: &str) -> Output {
    let drain = |p: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            if let Some(mut p) = p {
                let _ = p.read_to_end(&mut v);
            }
            v
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let err = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if start.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("pan-scan hung ({what}): killed after {HANG:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// No output may hold a full PAN, in any written form.
fn assert_no_pan(bytes: &[u8]) {
    assert_eq!(
        full_pan_runs(bytes),
        0,
        "a full PAN in the output: {}",
        String::from_utf8_lossy(bytes)
    );
    for pan in [VISA, MC, AMEX] {
        assert!(!contains_pan(bytes, pan), "{pan} in the output");
    }
}

/// The exit code, JSONL records and stderr of a finished run; checks that
/// no output holds a PAN, that the code is a verdict's and agrees with the
/// summary and the coverage records.
fn parse(out: Output) -> (i32, Recs, String) {
    assert_no_pan(&out.stdout);
    assert_no_pan(&out.stderr);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let code = out.status.code().expect("killed by a signal");
    let text = String::from_utf8(out.stdout).expect("stdout is UTF-8");
    let recs: Recs = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect();
    let sum = summary(&recs);
    assert_eq!(sum["exit_code"], code, "{stderr}");
    let card = sum["card_data_findings"].as_u64().unwrap() > 0;
    let errors = of_type(&recs, "skipped")
        .iter()
        .filter(|r| {
            !matches!(
                r["reason"].as_str().unwrap(),
                "excluded"
                    | "symlink"
                    | "symlink_loop"
                    | "special_file"
                    | "virtual_filesystem"
                    | "other_filesystem"
            )
        })
        .count();
    let want = if card {
        1
    } else if errors > 0 {
        3
    } else {
        0
    };
    assert_eq!(code, want, "exit code against the records: {recs:#?}");
    (code, recs, stderr)
}

/// Runs pan-scan (`--format jsonl`) with `args` under the hang timeout.
fn scan(args: &[&str]) -> (i32, Recs, String) {
    let mut c = bin();
    c.args(["--format", "jsonl", "--no-progress"]).args(args);
    parse(finish(spawn(&mut c), &args.join(" ")))
}

/// The records of one kind whose path ends with `tail`.
fn at<'a>(recs: &'a Recs, t: &str, tail: &str) -> Vec<&'a serde_json::Value> {
    of_type(recs, t)
        .into_iter()
        .filter(|r| r["path"].as_str().unwrap().ends_with(tail))
        .collect()
}

/// The run's one coverage record, which must be a limit naming `option`
/// (`--max-depth`, ...); its detail.
fn only_limit<'a>(recs: &'a Recs, option: &str) -> &'a str {
    let sk = of_type(recs, "skipped");
    assert_eq!(sk.len(), 1, "{sk:#?}");
    assert_eq!(sk[0]["reason"], "limit", "{sk:#?}");
    let detail = sk[0]["detail"].as_str().unwrap();
    assert!(detail.contains(option), "{detail}");
    detail
}

fn reasons(recs: &Recs) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = of_type(recs, "skipped")
        .iter()
        .map(|r| {
            let p = r["path"].as_str().unwrap();
            let name = p.rsplit('/').next().unwrap().to_string();
            (name, r["reason"].as_str().unwrap().to_string())
        })
        .collect();
    v.sort();
    v
}

/// Text without a digit, `len` bytes.
fn filler(len: usize) -> Vec<u8> {
    b"the quick brown fox jumps over the lazy dog; no numbers here at all\n"
        .iter()
        .copied()
        .cycle()
        .take(len)
        .collect()
}

/// Pseudo-random lowercase text without digits (compresses poorly, so a
/// compressed stream has many blocks).
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if i % 64 == 63 {
                b'\n'
            } else {
                b'a' + (x % 26) as u8
            }
        })
        .collect()
}

/// Waits until process `pid` has `file` open (it is reading it). False when
/// the process ended first or after 30 s.
fn wait_open(pid: u32, file: &Path) -> bool {
    let want = file.canonicalize().unwrap();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            return false;
        };
        for fd in fds.flatten() {
            if std::fs::read_link(fd.path()).ok().as_deref() == Some(want.as_path()) {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    false
}

// ---------------------------------------------------------------- the walk

/// The command that runs pan-scan unprivileged: root reads anything, so a
/// root test drops to nobody (65534) through setpriv; another user is
/// refused like nobody. None (with the reason printed) when neither works.
fn unprivileged() -> Option<Command> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some(bin());
    }
    if Command::new("setpriv").arg("--version").output().is_err() {
        eprintln!("skipped: running as root without setpriv (util-linux)");
        return None;
    }
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_pan-scan"))
        .env_remove("PAN_SCAN_KEY");
    Some(c)
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_denied_directory_is_recorded_and_the_rest_is_scanned() {
    let Some(_) = unprivileged() else { return };
    let t = Tree::new();
    let open = t.file("open/a.txt", format!("card {VISA}\n"));
    t.file("shut/b.txt", format!("card {MC}\n"));
    // Listable but not searchable: the names are seen, the files cannot
    // be opened.
    let nox = t.file("nox/c.txt", format!("card {AMEX}\n"));
    let clean = t.file("clean.txt", "nothing to see\n");
    for d in ["", "open"] {
        chmod(&t.path().join(d), 0o755);
    }
    chmod(&t.path().join("shut"), 0o000);
    chmod(&t.path().join("nox"), 0o744);
    let run = |paths: &[&Path]| {
        let mut c = unprivileged().unwrap();
        c.args(["--format", "jsonl", "--no-progress"]).args(paths);
        parse(finish(spawn(&mut c), "unprivileged"))
    };

    let (code, recs, _) = run(&[t.path()]);
    let found: Vec<_> = of_type(&recs, "finding");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["path"], s(&open));
    assert_eq!(
        reasons(&recs),
        [
            ("c.txt".to_string(), "permission_denied".to_string()),
            ("shut".into(), "permission_denied".into())
        ]
    );
    assert_eq!(code, 1);
    assert_eq!(summary(&recs)["incomplete"], 2);

    // Named on the command line: recorded too, and the other paths are
    // still scanned (this stopped the whole run with exit 2).
    let (code, recs, _) = run(&[&t.path().join("shut"), &nox, &open]);
    assert_eq!(of_type(&recs, "finding").len(), 1);
    assert_eq!(
        reasons(&recs),
        [
            ("c.txt".to_string(), "permission_denied".to_string()),
            ("shut".into(), "permission_denied".into())
        ]
    );
    assert_eq!(code, 1);

    // Nothing found, something unread: incomplete.
    let (code, recs, _) = run(&[&clean, &t.path().join("shut")]);
    assert_eq!(code, 3);
    assert_eq!(summary(&recs)["verdict"], "incomplete");
    assert_eq!(summary(&recs)["files_scanned"], 1);

    chmod(&t.path().join("shut"), 0o755);
    chmod(&t.path().join("nox"), 0o755);
}

#[test]
fn devices_are_never_read() {
    let t = Tree::new();
    let a = t.file("a.txt", format!("card {VISA}\n"));
    symlink("/dev/null", t.path().join("null")).unwrap();
    symlink("/dev/urandom", t.path().join("random")).unwrap();
    // Devices named on the command line, and reached through links.
    let (code, recs, _) = scan(&["--follow", "/dev/null", "/dev/zero", s(t.path())]);
    assert_eq!(code, 1);
    assert_eq!(
        reasons(&recs),
        [
            ("null".to_string(), "special_file".to_string()),
            ("null".into(), "special_file".into()),
            ("random".into(), "special_file".into()),
            ("zero".into(), "special_file".into())
        ]
    );
    for r in of_type(&recs, "skipped") {
        assert_eq!(r["detail"], "character device", "{r}");
    }
    // Not one byte read from a device.
    let sum = summary(&recs);
    assert_eq!(sum["bytes_scanned"], std::fs::metadata(&a).unwrap().len());
    assert_eq!(sum["files_seen"], 1);
    // Alone, a device is a scope decision: clean.
    let (code, recs, _) = scan(&["/dev/null"]);
    assert_eq!(code, 0);
    assert_eq!(summary(&recs)["verdict"], "clean");
}

#[test]
fn names_that_are_not_utf8_are_found_and_printed_lossily() {
    use std::ffi::OsStr;
    let t = Tree::new();
    let dir = t.path().join(OsStr::from_bytes(b"bad\xff\xfedir"));
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join(OsStr::from_bytes(b"card\x80\x81.txt")),
        format!("card {VISA}\n"),
    )
    .unwrap();
    // A name holding a PAN next to invalid bytes, in a directory whose
    // name ends in a digit (`export2/4532…`: that digit glued on by the
    // slash once unmasked the PAN): masked all the same.
    let mut name = VISA.as_bytes().to_vec();
    name.extend_from_slice(b"\xff.log");
    std::fs::create_dir(t.path().join("export2")).unwrap();
    std::fs::write(
        t.path().join("export2").join(OsStr::from_bytes(&name)),
        format!("pan {MC}\n"),
    )
    .unwrap();

    let (code, recs, _) = scan(&[s(t.path())]);
    assert_eq!(code, 1);
    let mut paths: Vec<String> = of_type(&recs, "finding")
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    let root = s(t.path());
    assert_eq!(
        paths,
        [
            format!("{root}/bad\u{FFFD}\u{FFFD}dir/card\u{FFFD}\u{FFFD}.txt"),
            format!("{root}/export2/453201******0366\u{FFFD}.log"),
        ]
    );
    // Every other view is valid in its own syntax and holds the same.
    for format in ["json", "sarif", "csv", "human"] {
        let mut c = bin();
        c.args(["--format", format, root]);
        let out = finish(spawn(&mut c), format);
        assert_eq!(out.status.code(), Some(1), "{format}");
        assert_no_pan(&out.stdout);
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        match format {
            "json" | "sarif" => {
                serde_json::from_str::<serde_json::Value>(&text).expect("valid JSON");
            }
            "csv" => {
                let rows = csv::Reader::from_reader(text.as_bytes())
                    .records()
                    .collect::<Result<Vec<_>, _>>()
                    .expect("valid CSV");
                assert_eq!(rows.len(), 2, "{text}");
            }
            _ => {}
        }
        // SARIF percent-encodes the replacement character in its URIs.
        assert!(
            text.contains("card\u{FFFD}\u{FFFD}.txt") || text.contains("card%EF%BF%BD"),
            "{format}: {text}"
        );
    }
}

/// mkdir and descend `levels` times with directory descriptors, never a
/// path longer than one name; writes `data` to `name` at the bottom.
fn deep_tree(root: &Path, levels: usize, name: &str, data: &[u8]) {
    use std::ffi::CString;
    let dir = CString::new("d".repeat(200)).unwrap();
    let c = CString::new(root.as_os_str().as_bytes()).unwrap();
    // SAFETY: valid NUL-terminated strings; every descriptor is checked
    // and closed.
    unsafe {
        let mut fd = libc::open(c.as_ptr(), libc::O_DIRECTORY | libc::O_RDONLY);
        assert!(fd >= 0);
        for _ in 0..levels {
            assert_eq!(libc::mkdirat(fd, dir.as_ptr(), 0o755), 0);
            let next = libc::openat(fd, dir.as_ptr(), libc::O_DIRECTORY | libc::O_RDONLY);
            assert!(next >= 0);
            libc::close(fd);
            fd = next;
        }
        let n = CString::new(name).unwrap();
        let f = libc::openat(fd, n.as_ptr(), libc::O_CREAT | libc::O_WRONLY, 0o644);
        assert!(f >= 0);
        assert_eq!(
            libc::write(f, data.as_ptr().cast(), data.len()),
            data.len() as isize
        );
        libc::close(f);
        libc::close(fd);
    }
}

#[test]
fn a_file_deeper_than_path_max_is_found_or_reported() {
    let t = Tree::new();
    t.file("shallow.txt", "nothing\n");
    // 25 levels of 200-byte names: over 5,000 bytes of path.
    deep_tree(
        t.path(),
        25,
        "card.txt",
        format!("card {VISA}\n").as_bytes(),
    );
    let mut deep = s(t.path()).to_string();
    for _ in 0..25 {
        deep.push('/');
        deep.push_str(&"d".repeat(200));
    }
    deep.push_str("/card.txt");
    assert!(deep.len() > 4096);
    let (code, recs, _) = scan(&[s(t.path())]);
    let found = at(&recs, "finding", "/card.txt");
    if found.is_empty() {
        // Not reachable by path: the directory where the walk stopped is
        // listed, an error, never silently dropped.
        let skipped = of_type(&recs, "skipped");
        assert_eq!(skipped.len(), 1, "{skipped:#?}");
        let p = skipped[0]["path"].as_str().unwrap();
        assert!(deep.starts_with(p) && p.len() > 4000, "{p}");
        assert_eq!(skipped[0]["reason"], "io_error");
        assert!(
            skipped[0]["detail"]
                .as_str()
                .unwrap()
                .contains("File name too long"),
            "{skipped:#?}"
        );
        assert_eq!(code, 3);
    } else {
        assert_eq!(found[0]["path"], deep);
        assert_eq!(code, 1);
    }
    assert!(summary(&recs)["files_scanned"].as_u64().unwrap() >= 1);
}

// ----------------------------------------------- files changing under the scan

#[test]
fn files_that_shrink_or_grow_while_read() {
    let t = Tree::new();
    let len = 64 << 20;
    let mut data = format!("card {VISA}\n").into_bytes();
    data.extend(filler(len));
    for grow in [false, true] {
        let f = t.file(if grow { "grows.log" } else { "shrinks.log" }, &data);
        let mut c = bin();
        c.args(["--format", "jsonl", "--no-progress", "-j", "1", s(&f)]);
        let child = spawn(&mut c);
        let reading = wait_open(child.id(), &f);
        if grow {
            let mut w = std::fs::OpenOptions::new().append(true).open(&f).unwrap();
            w.write_all(format!("late {MC}\n").as_bytes()).unwrap();
            w.write_all(&filler(1 << 20)).unwrap();
        } else {
            std::fs::OpenOptions::new()
                .write(true)
                .open(&f)
                .unwrap()
                .set_len(1 << 20)
                .unwrap();
        }
        let (code, recs, _) = parse(finish(child, "changing file"));
        eprintln!("grow={grow}: changed while read: {reading}");
        // The number before the cut is found whenever the change came.
        let found = of_type(&recs, "finding");
        assert!(
            found
                .iter()
                .any(|r| r["last4"] == "0366" && r["offset"] == 5),
            "{found:#?}"
        );
        // What grew may or may not have been read, but only where it is.
        for r in found.iter().filter(|r| r["last4"] == "1907") {
            assert_eq!(r["offset"].as_u64().unwrap(), data.len() as u64 + 5);
        }
        assert_eq!(code, 1);
        assert_eq!(summary(&recs)["files_seen"], 1);
    }
}

#[test]
fn files_that_vanish_between_the_walk_and_the_read_are_not_found() {
    let t = Tree::new();
    let d = t.path().join("d");
    for i in 0..40 {
        t.file(&format!("d/f{i:02}.txt"), format!("card {VISA}\n"));
    }
    for i in 0..5 {
        t.file(&format!("d/sub/g{i}.txt"), format!("card {MC}\n"));
    }
    // The walker lists a directory whole, then visits its entries last
    // listed first: the last in directory order is read first. Making it
    // big leaves time to delete the rest after they were listed.
    let order: Vec<PathBuf> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let big = order.iter().rev().find(|p| p.is_file()).unwrap().clone();
    let mut data = format!("card {AMEX}\n").into_bytes();
    data.extend(filler(64 << 20));
    std::fs::write(&big, &data).unwrap();

    let mut c = bin();
    c.args(["--format", "jsonl", "--no-progress", "-j", "1", s(t.path())]);
    let child = spawn(&mut c);
    assert!(wait_open(child.id(), &big), "the scan never read {big:?}");
    let mut gone = Vec::new();
    for p in &order {
        if p != &big {
            if p.is_dir() {
                std::fs::remove_dir_all(p).unwrap();
            } else {
                std::fs::remove_file(p).unwrap();
                gone.push(p.clone());
            }
        }
    }
    let (code, recs, _) = parse(finish(child, "vanishing files"));
    assert_eq!(code, 1);
    assert_eq!(at(&recs, "finding", s(&big)).len(), 1);
    // Each deleted file was read before it went, or is `not_found`:
    // never dropped silently, never an error that stops the scan.
    let mut vanished = 0;
    for p in &gone {
        let f = at(&recs, "finding", s(p)).len();
        let nf = at(&recs, "skipped", s(p));
        assert!(
            nf.iter().all(|r| r["reason"] == "not_found"),
            "{p:?}: {nf:#?}"
        );
        assert_eq!(f + nf.len(), 1, "{p:?}: {recs:#?}");
        vanished += nf.len();
    }
    assert!(vanished > 0, "no file vanished under the scan: {recs:#?}");
    // The subdirectory: its files were read, or it (or they) are not_found.
    let sub = at(&recs, "skipped", "/d/sub");
    let sub_files = of_type(&recs, "finding")
        .iter()
        .filter(|r| r["path"].as_str().unwrap().contains("/d/sub/"))
        .count();
    assert!(
        sub.iter().all(|r| r["reason"] == "not_found") && (sub.len() == 1 || sub_files == 5),
        "{recs:#?}"
    );
    let sum = summary(&recs);
    assert_eq!(
        sum["files_seen"].as_u64().unwrap() - sum["files_scanned"].as_u64().unwrap(),
        vanished as u64
    );
    assert_eq!(sum["skipped_by_reason"]["not_found"], vanished + sub.len());
}

// ----------------------------------------------------------- resource bounds

/// Runs pan-scan under GNU time: the exit code, the records and the peak
/// resident set in KiB. None when GNU time is missing (a failure under CI,
/// where .ci/run installs it).
fn with_peak_rss(args: &[&str]) -> Option<(i32, Recs, u64)> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "GNU time missing: .ci/run installs it"
        );
        eprintln!("skipped: /usr/bin/time (GNU time) is not installed");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let rss = dir.path().join("rss");
    let mut c = Command::new(time);
    c.arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&rss)
        .arg(env!("CARGO_BIN_EXE_pan-scan"))
        .args(["--format", "jsonl", "--no-progress"])
        .args(args)
        .env_remove("PAN_SCAN_KEY");
    let (code, recs, _) = parse(finish(spawn(&mut c), "peak RSS"));
    // "Command exited with non-zero status 1" may come first.
    let text = std::fs::read_to_string(&rss).unwrap();
    let kib = text.lines().last().unwrap().trim().parse().unwrap();
    Some((code, recs, kib))
}

const RSS_BOUND_KIB: u64 = 64 * 1024;

/// 2 GiB here (a debug build reads holes at about 50 MB/s);
/// scripts/bench-bounds.sh measures 10 GiB with the release build.
#[test]
fn a_sparse_file_of_2_gib_is_read_in_bounded_memory() {
    let t = Tree::new();
    let p = t.path().join("sparse.img");
    let f = std::fs::File::create(&p).unwrap();
    f.set_len(2 << 30).unwrap();
    drop(f);
    let Some((code, recs, kib)) = with_peak_rss(&[s(&p)]) else {
        return;
    };
    assert_eq!(code, 0);
    let sum = summary(&recs);
    let (read, holes) = (
        sum["bytes_scanned"].as_u64(),
        sum["bytes_in_holes"].as_u64(),
    );
    assert_eq!(read.unwrap() + holes.unwrap(), 2u64 << 30, "{sum}");
    assert!(kib < RSS_BOUND_KIB, "peak RSS {kib} KiB");
}

/// Whether `p` has fewer bytes allocated than it holds (holes, here).
fn sparse(p: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let md = std::fs::metadata(p).unwrap();
    md.blocks() * 512 < md.len()
}

#[test]
fn holes_of_a_sparse_file_are_passed_over_and_what_is_around_them_placed() {
    // A disk image: data, a hole of 512 MiB, data, a hole to 1 GiB. The
    // holes are not read (`SEEK_DATA`), and the numbers after them keep
    // their offsets, lines and columns (the first line runs across the hole).
    use std::os::unix::fs::FileExt;
    let t = Tree::new();
    let p = t.path().join("disk.img");
    let f = std::fs::File::create(&p).unwrap();
    let head = format!("{}card {VISA} ", "x".repeat(9000));
    let far = format!("more text {MC}\nnext line {AMEX}\n");
    f.write_all_at(head.as_bytes(), 0).unwrap();
    f.write_all_at(far.as_bytes(), 512 << 20).unwrap();
    f.set_len(1 << 30).unwrap();
    drop(f);
    let (code, recs) = crate::util::jsonl(&[s(&p)]);
    assert_eq!(code, 1);
    let found: Vec<(u64, u64, u64)> = of_type(&recs, "finding")
        .iter()
        .map(|f| {
            let n = |k: &str| f[k].as_u64().unwrap();
            (n("offset"), n("line"), n("column"))
        })
        .collect();
    let mc = (512 << 20) + 10;
    let amex = (512 << 20) + far.find("next").unwrap() as u64 + 10;
    let want = [(9005, 1, 9006), (mc, 1, mc + 1), (amex, 2, 11)];
    assert_eq!(found, want);
    let sum = summary(&recs);
    let (read, holes) = (
        sum["bytes_scanned"].as_u64(),
        sum["bytes_in_holes"].as_u64(),
    );
    assert_eq!(read.unwrap() + holes.unwrap(), 1 << 30, "{sum}");
    let human = String::from_utf8(crate::util::run(&["--no-progress", s(&p)]).stdout).unwrap();
    if sparse(&p) {
        // This filesystem keeps the holes: both are passed over, save at
        // most a read buffer of zeros after each run of data.
        assert!(holes.unwrap() > (1 << 30) - (1 << 20), "{sum}");
        assert!(human.contains("\nholes      1023."), "{human}");
    }
    assert!(
        human.contains(&format!("disk.img:1:{}: MASTERCARD", mc + 1)),
        "{human}"
    );
}

#[test]
fn a_document_of_300000_paragraphs_is_read_in_bounded_memory() {
    // Each paragraph's location took about 650 bytes until the extracted
    // text was scanned (1 MiB of it): a 66 KB docx of one-letter
    // paragraphs took 216 MB. Now a batch holds 4,096 at most.
    let t = Tree::new();
    let doc = format!(
        "<w:document><w:body>{}<w:p><w:r><w:t>card {VISA}</w:t></w:r></w:p></w:body></w:document>",
        "<w:p><w:r><w:t>a</w:t></w:r></w:p>".repeat(300_000)
    );
    let p = t.file(
        "many.docx",
        zip_of(&[("word/document.xml", doc.as_bytes())]),
    );
    let Some((code, recs, kib)) = with_peak_rss(&[s(&p)]) else {
        return;
    };
    assert_eq!(code, 1);
    let f = of_type(&recs, "finding");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["location"]["paragraph"], 300_001);
    assert!(kib < RSS_BOUND_KIB, "peak RSS {kib} KiB");
}

#[test]
fn a_sheet_row_of_150000_cells_is_read_in_bounded_memory() {
    // A row's cells stay in one batch (a CVV beside a PAN is paired in
    // it), each with its location: one crafted row of 300,000 cells took
    // 235 MB. Past 32,768 cells the row is scanned as it goes.
    let t = Tree::new();
    let sheet = format!(
        "<worksheet><sheetData><row r=\"1\">{}<c t=\"inlineStr\"><is><t>card {VISA}</t></is></c>\
         </row></sheetData></worksheet>",
        "<c t=\"inlineStr\"><is><t>x</t></is></c>".repeat(150_000)
    );
    let p = t.file(
        "row.xlsx",
        zip_of(&[
            // The members that make a zip a workbook.
            ("[Content_Types].xml", b"<Types/>"),
            (
                "xl/workbook.xml",
                b"<workbook><sheets><sheet name=\"S\" sheetId=\"1\"/></sheets></workbook>",
            ),
            ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ]),
    );
    let Some((code, recs, kib)) = with_peak_rss(&[s(&p)]) else {
        return;
    };
    assert_eq!(code, 1);
    let f = of_type(&recs, "finding");
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0]["location"]["sheet"], "sheet1",
        "read as a sheet: {f:#?}"
    );
    // Cells without an `r` reference follow the one before: cell 150,001.
    assert_eq!(f[0]["location"]["cell"], "HMWG1");
    assert!(kib < RSS_BOUND_KIB, "peak RSS {kib} KiB");
}

#[test]
fn a_line_of_1_gib_is_read_in_bounded_memory() {
    let t = Tree::new();
    let p = t.path().join("line.txt");
    let half = 512u64 << 20;
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..half >> 20 {
            w.write_all(&chunk).unwrap();
        }
        w.write_all(format!(" card {VISA} ").as_bytes()).unwrap();
        for _ in 0..half >> 20 {
            w.write_all(&chunk).unwrap();
        }
    }
    let Some((code, recs, kib)) = with_peak_rss(&[s(&p)]) else {
        return;
    };
    assert_eq!(code, 1);
    let f = of_type(&recs, "finding");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["offset"], half + 6);
    assert_eq!(
        (f[0]["line"].as_u64(), f[0]["column"].as_u64()),
        (Some(1), Some(half + 7))
    );
    assert!(kib < RSS_BOUND_KIB, "peak RSS {kib} KiB");
}

// ---------------------------------------------------------------- containers

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn bzip2(data: &[u8]) -> Vec<u8> {
    // Level 1: 100 kB blocks, so a long stream has several.
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::new(1));
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn xz(data: &[u8]) -> Vec<u8> {
    let mut e = liblzma::write::XzEncoder::new(Vec::new(), 1);
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    // With the frame checksum, as the zstd tool writes it.
    let mut e = zstd::stream::write::Encoder::new(Vec::new(), 1).unwrap();
    e.include_checksum(true).unwrap();
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

type Compress = fn(&[u8]) -> Vec<u8>;
const STREAMS: [(&str, Compress); 4] = [("gz", gzip), ("bz2", bzip2), ("xz", xz), ("zst", zstd)];

#[test]
fn truncated_compressed_streams_give_what_they_hold() {
    let t = Tree::new();
    let small = format!("card {VISA}\nend\n").into_bytes();
    let mut long = format!("card {VISA}\n").into_bytes();
    long.extend(noise(400_000));
    for (ext, compress) in STREAMS {
        // Only the trailer cut (a checksum, an end marker): every byte of
        // data is there. Before, these gave no finding at all.
        let c = compress(&small);
        t.file(&format!("tail.log.{ext}"), &c[..c.len() - 4]);
        // Cut in the middle: the number in the first part is found.
        let c = compress(&long);
        t.file(&format!("half.log.{ext}"), &c[..c.len() / 2]);
    }
    let (code, recs, _) = scan(&[s(t.path())]);
    assert_eq!(code, 1);
    for (ext, _) in STREAMS {
        for name in ["tail", "half"] {
            let member = format!("{name}.log.{ext}!{name}.log");
            let f = at(&recs, "finding", &member);
            assert_eq!(f.len(), 1, "{member}: {recs:#?}");
            assert_eq!(
                (f[0]["line"].as_u64(), f[0]["last4"].as_str()),
                (Some(1), Some("0366"))
            );
            let sk = at(&recs, "skipped", &member);
            assert_eq!(sk.len(), 1, "{member}: {sk:#?}");
            assert_eq!(sk[0]["reason"], "corrupt", "{member}");
            assert!(sk[0]["bytes_scanned"].as_u64().unwrap() >= 22, "{member}");
        }
    }
    assert_eq!(summary(&recs)["files_scanned"], 0);
}

fn tar_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

#[test]
fn a_tar_long_name_is_held_within_the_buffer_limit_and_shown_cut() {
    // The tar crate reads a GNU long name whole into memory: a 40 MB
    // tar.gz can declare an 8 GiB name. Before, a 1 GiB name took 6 GiB.
    let t = Tree::new();
    let long = "n".repeat(3 << 20);
    let (first, named, after) = (
        format!("card {VISA}\n"),
        format!("card {AMEX}\n"),
        format!("card {MC}\n"),
    );
    let tar = tar_of(&[
        ("first.txt", first.as_bytes()),
        (&long, named.as_bytes()),
        ("after.txt", after.as_bytes()),
    ]);
    let p = t.file("names.tar.gz", gzip(&tar));
    let (code, recs, _) = scan(&["--max-buffer", "1M", s(&p)]);
    assert_eq!(code, 1, "{recs:#?}");
    let found: Vec<_> = of_type(&recs, "finding")
        .iter()
        .map(|f| f["last4"].clone())
        .collect();
    assert_eq!(
        found,
        ["0366"],
        "only the member before the name: {recs:#?}"
    );
    let detail = only_limit(&recs, "--max-buffer");
    assert!(detail.contains("first.txt"), "{detail}");
    // Within the limit (the default 64 MiB) every member is read; the long
    // name is shown cut, with its length.
    let (code, recs, _) = scan(&[s(&p)]);
    assert_eq!(code, 1);
    assert!(of_type(&recs, "skipped").is_empty());
    let f = of_type(&recs, "finding");
    assert_eq!(f.len(), 3, "{f:#?}");
    let path = f.iter().find(|f| f["last4"] == "9073").unwrap()["path"]
        .as_str()
        .unwrap();
    assert!(
        path.ends_with(&format!("nnn…[name of {} bytes]", 3 << 20)),
        "{}",
        path.len()
    );
    assert!(path.len() < 5000, "{}", path.len());
}

#[test]
fn a_tar_cut_inside_a_member_reports_that_member() {
    let t = Tree::new();
    let a = format!("card {VISA}\n").into_bytes();
    let mut b = format!("card {MC}\n").into_bytes();
    b.extend(filler(100_000));
    let tar = tar_of(&[("a.txt", &a), ("b.txt", &b)]);
    // Headers of 512 bytes, a.txt padded to 512: cut 5,000 bytes into b.txt.
    let cut = 512 + 512 + 512 + 5000;
    let p = t.file("backup.tar", &tar[..cut]);
    let (code, recs, _) = scan(&[s(&p)]);
    assert_eq!(code, 1);
    assert_eq!(at(&recs, "finding", "backup.tar!a.txt").len(), 1);
    assert_eq!(at(&recs, "finding", "backup.tar!b.txt").len(), 1);
    // The member cut short is not counted as read: it is corrupt, with
    // what was read of it.
    let sk = at(&recs, "skipped", "backup.tar!b.txt");
    assert_eq!(sk.len(), 1, "{recs:#?}");
    assert_eq!(sk[0]["reason"], "corrupt");
    assert_eq!(sk[0]["bytes_scanned"], 5000);
    for r in of_type(&recs, "skipped") {
        assert_eq!(r["reason"], "corrupt", "{r}");
    }
    assert_eq!(summary(&recs)["members_scanned"], 1);
}

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in members {
        z.start_file(*name, o).unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap().into_inner()
}

#[test]
fn a_zip_of_too_many_entries_is_read_from_its_local_headers() {
    // The zip crate holds every central directory entry in memory (about
    // 210 bytes each): 400,000 empty members (a 30 MB zip, zip64 end
    // records) took over 90 MB to list, when --max-members reads 100,000.
    // (Written member by member, stored: zip_of's deflate of 400,000
    // entries takes 90 s in the debug build, this 9 s.)
    let t = Tree::new();
    let p = t.path().join("many.zip");
    {
        let w = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
        let mut z = zip::ZipWriter::new(w);
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file("first.txt", o).unwrap();
        z.write_all(format!("card {VISA}\n").as_bytes()).unwrap();
        for i in 0..400_000 {
            z.start_file(i.to_string(), o).unwrap();
        }
        z.finish().unwrap();
    }
    let Some((code, recs, kib)) = with_peak_rss(&[s(&p)]) else {
        return;
    };
    assert_eq!(code, 1);
    assert_eq!(of_type(&recs, "finding").len(), 1);
    let detail = only_limit(&recs, "--max-members");
    assert!(
        detail.starts_with("members after the first 100000 of the 400001 it lists"),
        "{detail}"
    );
    assert_eq!(summary(&recs)["members_scanned"], 100_000);
    assert!(kib < RSS_BOUND_KIB, "peak RSS {kib} KiB");
    // Within the limits, the central directory is read as before.
    let (code, recs, _) = scan(&["--max-members", "500000", s(&p)]);
    assert_eq!(code, 1);
    assert!(of_type(&recs, "skipped").is_empty(), "{recs:#?}");
    assert_eq!(summary(&recs)["members_scanned"], 400_001);
}

#[test]
fn zips_with_a_bad_central_directory() {
    let t = Tree::new();
    let a = format!("card {VISA}\n").into_bytes();
    let b = format!("card {MC}\n").into_bytes();
    let zip = zip_of(&[("a.txt", &a), ("b.txt", &b)]);
    // The end record points the central directory elsewhere: the members
    // are read from their local headers.
    let mut bad_eocd = zip.clone();
    let e = memchr::memmem::rfind(&bad_eocd, b"PK\x05\x06").unwrap();
    bad_eocd[e + 16..e + 20].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    t.file("eocd.zip", &bad_eocd);
    // The second entry of the directory points its local header past the
    // end: the first member is read, the archive is corrupt.
    let mut bad_entry = zip.clone();
    let c = memchr::memmem::rfind(&bad_entry, b"PK\x01\x02").unwrap();
    bad_entry[c + 42..c + 46].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    t.file("entry.zip", &bad_entry);
    let (code, recs, _) = scan(&[s(t.path())]);
    assert_eq!(code, 1);
    for m in ["eocd.zip!a.txt", "eocd.zip!b.txt", "entry.zip!a.txt"] {
        assert_eq!(at(&recs, "finding", m).len(), 1, "{m}: {recs:#?}");
    }
    for z in ["eocd.zip", "entry.zip"] {
        let sk = at(&recs, "skipped", z);
        assert!(
            !sk.is_empty() && sk.iter().all(|r| r["reason"] == "corrupt"),
            "{z}: {sk:#?}"
        );
    }
}

#[test]
fn office_documents_with_broken_xml_or_cut_short() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/containers");
    let t = Tree::new();
    // notes.docx with its document.xml cut inside a tag, after the first
    // table cell that holds a number.
    let mut src =
        zip::ZipArchive::new(std::fs::File::open(fixtures.join("notes.docx")).unwrap()).unwrap();
    let mut members = Vec::new();
    for i in 0..src.len() {
        let mut m = src.by_index(i).unwrap();
        let mut d = Vec::new();
        m.read_to_end(&mut d).unwrap();
        let name = m.name().unwrap().to_string();
        if name == "word/document.xml" {
            let cut = memchr::memmem::find(&d, b"5214965652783296").unwrap() + 16;
            d.truncate(cut);
            d.extend_from_slice(b"</w:t><w:t attr=\"never closed><<");
        }
        members.push((name, d));
    }
    let refs: Vec<(&str, &[u8])> = members.iter().map(|(n, d)| (n.as_str(), &d[..])).collect();
    t.file("broken.docx", zip_of(&refs));
    // letter.odt cut in half: no central directory, read from local headers.
    let odt = std::fs::read(fixtures.join("letter.odt")).unwrap();
    t.file("half.odt", &odt[..odt.len() / 2]);
    let (code, recs, _) = scan(&[s(t.path())]);
    assert_eq!(code, 1);
    let f = at(&recs, "finding", "broken.docx!word/document.xml");
    assert!(f.iter().any(|f| f["last4"] == "3296"), "{recs:#?}");
    let sk = at(&recs, "skipped", "broken.docx!word/document.xml");
    assert_eq!(sk.len(), 1, "{recs:#?}");
    assert_eq!(sk[0]["reason"], "corrupt");
    assert!(
        sk[0]["detail"].as_str().unwrap().starts_with("xml:"),
        "{sk:#?}"
    );
    assert_eq!(
        at(&recs, "finding", "half.odt!content.xml").len(),
        1,
        "{recs:#?}"
    );
    assert!(at(&recs, "skipped", "half.odt")
        .iter()
        .all(|r| r["reason"] == "corrupt"));
    assert!(!at(&recs, "skipped", "half.odt").is_empty());
}

#[test]
fn damaged_sqlite_databases() {
    let t = Tree::new();
    let db = t.path().join("shop.db");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch("CREATE TABLE cards(id INTEGER PRIMARY KEY, note TEXT, pan TEXT)")
            .unwrap();
        for i in 0..2000 {
            c.execute(
                "INSERT INTO cards(note, pan) VALUES (?1, NULL)",
                [format!("filler row {}", "x".repeat(40 + i % 7))],
            )
            .unwrap();
        }
        c.execute("INSERT INTO cards(note, pan) VALUES ('last', ?1)", [VISA])
            .unwrap();
    }
    let good = std::fs::read(&db).unwrap();
    let page = 4096;
    assert!(good.len() > 20 * page);
    // Page 2 (the table's root) overwritten: SQLite refuses the table, the
    // raw scan still finds the number in its leaf page.
    let mut bad = good.clone();
    bad[page..page + 200].fill(0xA5);
    let corrupt = t.file("corrupt.db", &bad);
    // Cut after five pages: the row holding the number is gone.
    let cut = t.file("cut.db", &good[..5 * page]);
    std::fs::remove_file(&db).unwrap();

    let (code, recs, _) = scan(&[s(&corrupt)]);
    assert_eq!(code, 1);
    let f = of_type(&recs, "finding");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(f[0]["reasons"]
        .as_array()
        .unwrap()
        .contains(&"not_in_any_table".into()));
    let sk = of_type(&recs, "skipped");
    assert_eq!(sk.len(), 1, "{sk:#?}");
    assert_eq!(sk[0]["reason"], "corrupt");
    assert!(sk[0]["detail"].as_str().unwrap().starts_with("sqlite:"));

    let (code, recs, _) = scan(&[s(&cut)]);
    assert_eq!(code, 3);
    assert_eq!(
        reasons(&recs),
        [("cut.db".to_string(), "corrupt".to_string())]
    );
    // Read-only: the damaged files are left as they were.
    assert_eq!(std::fs::read(&corrupt).unwrap(), bad);
    assert_eq!(std::fs::read(&cut).unwrap().len(), 5 * page);
    assert_eq!(
        std::fs::read_dir(t.path()).unwrap().count(),
        2,
        "no journal"
    );
}

#[test]
fn truncated_pdf_and_mail() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/containers");
    let t = Tree::new();
    // The fixture's text is in a compressed stream: cut, it is unreadable
    // and says so.
    let pdf = std::fs::read(fixtures.join("receipt.pdf")).unwrap();
    let half = t.file("half.pdf", &pdf[..pdf.len() / 2]);
    // A PDF with its text uncompressed, cut before its cross-reference
    // table: parsed or not, the number is found.
    let body = format!(
        "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n\
         4 0 obj\n<< /Length 44 >>\nstream\nBT /F1 12 Tf 72 700 Td (card {VISA}) Tj ET\nendstream\nendobj\n"
    );
    let plain = t.file("plain.pdf", body);
    // A mailbox cut inside its second message: the first is read.
    let mbox = format!(
        "From a@example.com Mon May  6 10:01:00 2024\nFrom: a@example.com\nSubject: one\n\n\
         card {MC}\n\nFrom b@example.com Mon May  6 10:02:00 2024\nFrom: b@example.com\n\
         Subject: two\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\nY2FyZCBvbiBmaW"
    );
    let mbox = t.file("inbox.mbox", mbox);

    let (code, recs, _) = scan(&[s(&half)]);
    assert_eq!(code, 3);
    assert_eq!(
        reasons(&recs),
        [("half.pdf".to_string(), "corrupt".to_string())]
    );
    let (code, recs, _) = scan(&[s(&plain)]);
    assert_eq!(code, 1);
    assert_eq!(of_type(&recs, "finding").len(), 1, "{recs:#?}");
    let (code, recs, _) = scan(&[s(&mbox)]);
    assert_eq!(code, 1);
    let f = of_type(&recs, "finding");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["location"]["message"], 1);
}

/// A one-page PDF (lopdf) whose page content is `content`, uncompressed,
/// in Courier as `F1`.
fn pdf_of(content: &[u8]) -> Vec<u8> {
    pdf_with_objects(content, 0)
}

/// [`pdf_of`] with `filler` more objects (the integer 1), referenced by nothing.
fn pdf_with_objects(content: &[u8], filler: usize) -> Vec<u8> {
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.5");
    for _ in 0..filler {
        doc.add_object(Object::Integer(1));
    }
    let pages = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Courier",
    });
    let resources = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
    let stream = doc.add_object(Stream::new(dictionary! {}, content.to_vec()));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages, "Contents" => stream, "Resources" => resources,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    doc.objects.insert(
        pages,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn a_pdf_of_too_many_objects_to_parse_is_scanned_raw() {
    // lopdf parses every object when it loads a file, about 850 bytes each:
    // a 6.7 MB PDF whose object stream indexed 7 million objects took
    // 2.5 GB. Past max(--max-buffer, 128 MiB) / 1 KiB objects, raw bytes.
    let t = Tree::new();
    let content = format!("BT /F1 12 Tf 72 700 Td (card {VISA}) Tj ET");
    let many = t.file("many.pdf", pdf_with_objects(content.as_bytes(), 140_000));
    let (code, recs, _) = scan(&[s(&many)]);
    assert_eq!(code, 1);
    assert_eq!(of_type(&recs, "finding").len(), 1, "raw bytes: {recs:#?}");
    let detail = only_limit(&recs, "--max-buffer");
    assert!(detail.starts_with("pdf: up to 140"), "{detail}");
    // Raised, it is parsed: the number is placed on its page.
    let (code, recs, _) = scan(&["--max-buffer", "256M", s(&many)]);
    assert_eq!(code, 1);
    assert!(of_type(&recs, "skipped").is_empty(), "{recs:#?}");
    assert_eq!(of_type(&recs, "finding")[0]["location"]["page"], 1);
}

#[test]
fn pdf_page_content_that_stops_parsing_is_reported() {
    // The PDF parser stops at a stray `)`: the card number after it is
    // never read, so the verdict may not be clean.
    let t = Tree::new();
    let after = t.file(
        "after.pdf",
        pdf_of(
            format!("BT /F1 12 Tf (receipt) Tj ET ) BT /F1 12 Tf (card {VISA}) Tj ET").as_bytes(),
        ),
    );
    let (code, recs, _) = scan(&[s(&after)]);
    assert_eq!(code, 3, "{recs:#?}");
    assert_eq!(
        reasons(&recs),
        [("after.pdf".to_string(), "corrupt".to_string())]
    );
    let skipped = of_type(&recs, "skipped");
    assert!(
        skipped[0]["detail"].as_str().unwrap().contains("page(s) 1"),
        "{skipped:#?}"
    );
    // What comes before it is read, and found.
    let before = t.file(
        "before.pdf",
        pdf_of(format!("BT /F1 12 Tf (card {VISA}) Tj ET ] BT /F1 12 Tf (more) Tj ET").as_bytes()),
    );
    let (code, recs, _) = scan(&[s(&before)]);
    assert_eq!(code, 1, "{recs:#?}");
    assert_eq!(of_type(&recs, "finding")[0]["location"]["page"], 1);
    assert_eq!(
        reasons(&recs),
        [("before.pdf".to_string(), "corrupt".to_string())]
    );
    // The same page, whole: clean coverage.
    let whole = t.file(
        "whole.pdf",
        pdf_of(format!("BT /F1 12 Tf (receipt) Tj ET BT /F1 12 Tf (card {VISA}) Tj ET").as_bytes()),
    );
    let (code, recs, _) = scan(&[s(&whole)]);
    assert_eq!(code, 1, "{recs:#?}");
    assert!(reasons(&recs).is_empty(), "{recs:#?}");
}

/// `inner` forwarded as a `message/rfc822` part of a message whose own
/// body is `body`.
fn forward(inner: &str, body: &str) -> String {
    format!(
        "From: a@example.com\nSubject: fwd\nMIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\n{body}\n\
         --b\nContent-Type: message/rfc822\n\n{inner}\n--b--\n"
    )
}

#[test]
fn forwarded_messages_are_read_once_each_and_nesting_stops_at_the_depth_limit() {
    let t = Tree::new();
    // Each number once, at its own message. Before, a nested message's
    // "headers" were read from the start of the file, so the outer
    // message's body was read again at each level.
    let inner = format!("From: b@example.com\nSubject: order\n\ncard {MC}\n");
    let p = t.file(
        "fwd.eml",
        forward(&inner, &format!("see below, card {VISA}")),
    );
    let (code, recs, _) = scan(&[s(&p)]);
    assert_eq!(code, 1);
    let mut found: Vec<(String, String)> = of_type(&recs, "finding")
        .iter()
        .map(|f| {
            (
                f["path"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
                f["last4"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("fwd.eml".to_string(), "0366".to_string()),
            ("fwd.eml!part-3.eml".to_string(), "1907".to_string())
        ]
    );
    // 100,000 deep (7 MB): this overflowed the stack and aborted the run
    // (reading it at 20,000 levels, dropping the parsed message at 100,000).
    let mut m: String = (0..100_000)
        .rev()
        .map(|i| {
            format!("From: a@x\nSubject: l{i}\nMIME-Version: 1.0\nContent-Type: message/rfc822\n\n")
        })
        .collect();
    m.push_str(&format!("From: a@x\nSubject: in\n\ncard {VISA}\n"));
    let p = t.file("deep.eml", m);
    // (Its 100,000 parts are over the default --max-buffer: raised, so
    // that it is parsed and the depth limit bites.)
    let (code, recs, _) = scan(&["--max-buffer", "1G", s(&p)]);
    assert_eq!(code, 1);
    assert_eq!(
        of_type(&recs, "finding").len(),
        1,
        "read once, raw, at the limit"
    );
    only_limit(&recs, "--max-depth");
}

/// A multipart message of `n` text parts (`p{i}` and `filler` bytes
/// each), then one holding `card {pan}`: its part is `n + 2` (the root is 1).
fn many_parts(n: usize, filler: usize, pan: &str) -> String {
    let parts: String = (0..n)
        .map(|i| {
            format!(
                "--b\nContent-Type: text/plain\n\np{i} {}\n",
                "y".repeat(filler)
            )
        })
        .collect();
    format!(
        "From: a@example.com\nSubject: parts\nMIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"b\"\n\n{parts}\
         --b\nContent-Type: text/plain\n\ncard {pan}\n--b--\n"
    )
}

#[test]
fn a_message_of_too_many_parts_to_parse_is_scanned_raw() {
    // mail-parser holds about 1.7 KB per part: 60,000 one-line parts (2 MB)
    // took 96 MB. By default at most --max-buffer / 2 KiB parts are parsed.
    let t = Tree::new();
    let p = t.file("many.eml", many_parts(60_000, 0, VISA));
    let (code, recs, _) = scan(&[s(&p)]);
    assert_eq!(code, 1);
    assert_eq!(of_type(&recs, "finding").len(), 1);
    let detail = only_limit(&recs, "--max-buffer");
    assert!(detail.contains("60003 MIME parts"), "{detail}");
    // Raised, the message is parsed and the number placed in its part.
    let (code, recs, _) = scan(&["--max-buffer", "1G", s(&p)]);
    assert_eq!(code, 1);
    assert!(of_type(&recs, "skipped").is_empty(), "{recs:#?}");
    let f = of_type(&recs, "finding");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["location"]["part"], 60_002);
}

#[test]
fn gzip_nested_50_deep_stops_at_the_depth_limit() {
    let t = Tree::new();
    let mut data = format!("card {VISA}\n").into_bytes();
    for _ in 0..50 {
        data = gzip(&data);
    }
    let p = t.file("deep.gz", &data);
    let (code, recs, _) = scan(&[s(&p)]);
    assert_eq!(code, 3);
    only_limit(&recs, "--max-depth");
    // Ten levels opened, then the raw bytes of the eleventh.
    let sk = of_type(&recs, "skipped");
    assert_eq!(sk[0]["path"].as_str().unwrap().matches('!').count(), 10);
    // Allowed all the way down: 50 decoders deep, no stack overflow.
    let (code, recs, _) = scan(&["--max-depth", "60", s(&p)]);
    assert_eq!(code, 1, "{recs:#?}");
    let f = of_type(&recs, "finding");
    assert_eq!(f[0]["path"].as_str().unwrap().matches('!').count(), 50);
    assert_eq!(summary(&recs)["files_scanned"], 1);
}

#[test]
fn bombs_of_every_compressed_stream_stop_at_the_ratio_limit() {
    let t = Tree::new();
    // A MiB of zeros compressed once and the stream repeated: 96 MiB in a
    // few KiB, read as one multi-member stream.
    let zeros = vec![0u8; 1 << 20];
    for (ext, compress) in &STREAMS[1..] {
        let one = compress(&zeros);
        t.file(&format!("bomb.{ext}"), one.repeat(96));
    }
    let (code, recs, _) = scan(&[s(t.path())]);
    assert_eq!(code, 3);
    let sk = of_type(&recs, "skipped");
    assert_eq!(sk.len(), 3, "{sk:#?}");
    for r in sk {
        assert_eq!(r["reason"], "limit");
        assert!(r["detail"].as_str().unwrap().contains("--max-ratio"), "{r}");
        let b = r["bytes_scanned"].as_u64().unwrap();
        assert!((64 << 20..96 << 20).contains(&b), "{r}");
    }
}

// ------------------------------------------------------------------ output

/// A tree with `n` findings (about 450 bytes of JSONL each).
fn many_findings(n: usize) -> Tree {
    let t = Tree::new();
    for i in 0..n.div_ceil(100) {
        t.file(&format!("f{i}.txt"), format!("card {VISA}\n").repeat(100));
    }
    t
}

#[test]
fn standard_output_on_a_full_disk_is_a_clear_error() {
    let t = many_findings(200);
    for format in ["human", "jsonl", "json"] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let mut c = bin();
        c.args(["--format", format, s(t.path())])
            .stdin(Stdio::null())
            .stdout(full)
            .stderr(Stdio::piped());
        let out = finish(c.spawn().unwrap(), "stdout on /dev/full");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{format}: {err}");
        assert!(err.contains("No space left on device"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_no_pan(&out.stderr);
    }
}

#[test]
fn report_files_on_a_full_disk_a_fifo_or_a_link() {
    let t = many_findings(200);
    let out_dir = Tree::new();
    // Through a link to /dev/full: the error is reported and the link is
    // left alone (the temporary file used to be renamed over it; as root,
    // over /dev/full itself).
    let link = out_dir.path().join("evidence.json");
    symlink("/dev/full", &link).unwrap();
    let mut c = bin();
    c.args(["--no-progress", "-q", "--json", s(&link), s(t.path())]);
    let out = finish(spawn(&mut c), "--json on a full disk");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert!(std::fs::metadata("/dev/full")
        .unwrap()
        .file_type()
        .is_char_device());
    // A FIFO (`--json >(gzip > x)`) gets the record written into it.
    let fifo = out_dir.path().join("pipe");
    let cs = std::ffi::CString::new(s(&fifo)).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(cs.as_ptr(), 0o600) }, 0);
    let f2 = fifo.clone();
    let reader = std::thread::spawn(move || std::fs::read(&f2).unwrap());
    let mut c = bin();
    c.args(["--no-progress", "-q", "--json", s(&fifo), s(t.path())]);
    let out = finish(spawn(&mut c), "--json into a FIFO");
    // Should pan-scan not have opened it, an empty writer ends the reader.
    let _ = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let record: serde_json::Value = serde_json::from_slice(&reader.join().unwrap()).unwrap();
    assert_eq!(record["findings"].as_array().unwrap().len(), 200);
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    assert_eq!(
        std::fs::read_dir(out_dir.path()).unwrap().count(),
        2,
        "no temporary left"
    );
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_verdict() {
    let t = many_findings(4000);
    for format in ["jsonl", "human"] {
        let mut c = bin();
        c.args(["--format", format, "--no-progress", s(t.path())]);
        let mut child = spawn(&mut c);
        // `| head -1`: one line, then the reading end is closed.
        let mut stdout = child.stdout.take().unwrap();
        let mut first = Vec::new();
        let mut byte = [0u8; 1];
        while stdout.read(&mut byte).unwrap() == 1 && byte[0] != b'\n' {
            first.push(byte[0]);
        }
        drop(stdout);
        let out = finish(child, "closed pipe");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{format}: {err}");
        assert!(err.is_empty(), "{format}: {err}");
        assert!(String::from_utf8(first)
            .unwrap()
            .contains("453201******0366"));
    }
}

#[test]
fn locations_hold_past_the_first_read_buffer_of_extracted_text() {
    // Extracted text (SQLite rows, mail parts) over one 128 KiB read
    // buffer: a number in a later buffer was placed by its offset in that
    // buffer, so it got the location of a row or part near the start.
    let t = Tree::new();
    let db = t.path().join("shop.db");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(
            "CREATE TABLE cards(id INTEGER PRIMARY KEY, note TEXT, pan TEXT, cvv TEXT);
             BEGIN;",
        )
        .unwrap();
        for i in 0..4000 {
            c.execute(
                "INSERT INTO cards(note) VALUES (?1)",
                [format!("filler row {i} {}", "x".repeat(40))],
            )
            .unwrap();
        }
        c.execute(
            "INSERT INTO cards(note, pan, cvv) VALUES ('last', ?1, '123')",
            [VISA],
        )
        .unwrap();
        c.execute_batch("COMMIT").unwrap();
    }
    let mail = t.file("many.eml", many_parts(300, 1000, MC));
    let (code, recs, _) = scan(&[s(&db), s(&mail)]);
    assert_eq!(code, 1);
    let f = of_type(&recs, "finding");
    let pan = |name: &str| {
        let v: Vec<_> = f
            .iter()
            .filter(|r| r["kind"] == "pan" && r["path"].as_str().unwrap().ends_with(name))
            .collect();
        assert_eq!(v.len(), 1, "{name}: {f:#?}");
        v[0]["location"].clone()
    };
    let loc = pan("shop.db");
    assert_eq!(
        (&loc["table"], &loc["column"], &loc["rowid"]),
        (&"cards".into(), &"pan".into(), &4001.into()),
        "{loc}"
    );
    // The CVV beside it, in the same row.
    let cvv: Vec<_> = f.iter().filter(|r| r["kind"] == "cvv").collect();
    assert_eq!(cvv.len(), 1, "{f:#?}");
    assert_eq!(cvv[0]["location"]["rowid"], 4001, "{}", cvv[0]);
    // The root multipart, 300 filler parts, then the number's: part 302.
    assert_eq!(pan("many.eml")["part"], 302);
}

#[test]
fn sheet_cells_without_references_are_counted() {
    // ECMA-376 lets rows and cells leave out `r`: each follows the one
    // before. Such a cell was placed at `cell: ""`.
    let t = Tree::new();
    let sheet = format!(
        "<worksheet><sheetData><row r=\"3\"><c r=\"B3\"><v>1</v></c></row><row/>\
         <row><c t=\"inlineStr\"><is><t>x</t></is></c><c/>\
         <c t=\"inlineStr\"><is><t>card {VISA}</t></is></c></row></sheetData></worksheet>"
    );
    let zip = zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        (
            "xl/workbook.xml",
            b"<workbook><sheets><sheet name=\"S\" sheetId=\"1\"/></sheets></workbook>",
        ),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ]);
    let p = t.file("refs.xlsx", zip);
    let (code, recs, _) = scan(&[s(&p)]);
    assert_eq!(code, 1);
    let f = of_type(&recs, "finding");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["location"]["cell"], "C5", "{}", f[0]);
}
