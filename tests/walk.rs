//! The walk: hidden and ignored files are scanned, excludes and symlinks
//! are reported, special files never hang the scan, pseudo-filesystems are
//! skipped.

use std::os::unix::fs::symlink;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::cli::{MC, VISA};
use crate::util::{bin, jsonl, of_type, summary, Tree};

fn paths(recs: &[serde_json::Value], t: &str) -> Vec<String> {
    of_type(recs, t)
        .iter()
        .map(|r| r["path"].as_str().unwrap().to_string())
        .collect()
}

fn reasons(recs: &[serde_json::Value]) -> Vec<(String, String)> {
    of_type(recs, "skipped")
        .iter()
        .map(|r| {
            let p = r["path"].as_str().unwrap();
            let name = p.rsplit('/').next().unwrap().to_string();
            (name, r["reason"].as_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn hidden_env_and_gitignored_files_are_scanned() {
    let t = Tree::new();
    t.file(".gitignore", "secret.log\n.env\n");
    t.file(".ignore", "other.txt\n");
    t.file(".env", format!("CARD={VISA}\n"));
    t.file("secret.log", format!("card {VISA}\n"));
    t.file("other.txt", format!("card {VISA}\n"));
    t.file(".cache/x/y.json", format!("{{\"pan\":\"{VISA}\"}}"));
    let root = t.path().to_str().unwrap();
    let (code, recs) = jsonl(&[root]);
    assert_eq!(code, 1);
    let mut p: Vec<String> = paths(&recs, "finding")
        .into_iter()
        .map(|s| s.trim_start_matches(root).to_string())
        .collect();
    p.sort();
    assert_eq!(
        p,
        ["/.cache/x/y.json", "/.env", "/other.txt", "/secret.log"]
    );
    // Opt-in: ignore files respected.
    let (_, recs) = jsonl(&["--respect-ignore", root]);
    let p: Vec<String> = paths(&recs, "finding");
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].ends_with("y.json"));
}

#[test]
fn excludes_are_reported() {
    let t = Tree::new();
    t.file("keep/a.txt", format!("{VISA}\n"));
    t.file("node_modules/b.txt", format!("{VISA}\n"));
    t.file("keep/c.iso", format!("{VISA}\n"));
    let root = t.path().to_str().unwrap();
    let (code, recs) = jsonl(&["-e", "node_modules", "--exclude", "*.iso", root]);
    assert_eq!(code, 1);
    assert_eq!(paths(&recs, "finding").len(), 1);
    let mut r = reasons(&recs);
    r.sort();
    assert_eq!(
        r,
        [
            ("c.iso".to_string(), "excluded".to_string()),
            ("node_modules".into(), "excluded".into())
        ]
    );
    // Exclusions are scope, not failures: the verdict is not "incomplete".
    let (code, recs) = jsonl(&["-e", "keep", "-e", "node_modules", root]);
    assert_eq!(code, 0);
    assert_eq!(summary(&recs)["verdict"], "clean");
    let out = bin().args(["-e", "[bad", root]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn symlinks_not_followed_unless_asked_and_loops_reported() {
    let t = Tree::new();
    let outside = Tree::new();
    outside.file("target/card.txt", format!("{MC}\n"));
    t.file("real.txt", "nothing\n");
    symlink(outside.path().join("target"), t.path().join("link")).unwrap();
    symlink(t.path(), t.path().join("loop")).unwrap();
    let root = t.path().to_str().unwrap();
    let (code, recs) = jsonl(&[root]);
    assert_eq!(code, 0);
    let mut r = reasons(&recs);
    r.sort();
    assert_eq!(
        r,
        [
            ("link".to_string(), "symlink".to_string()),
            ("loop".into(), "symlink".into())
        ]
    );
    let (code, recs) = jsonl(&["--follow", root]);
    assert_eq!(code, 1, "followed link holds a PAN");
    assert_eq!(paths(&recs, "finding").len(), 1);
    assert!(
        reasons(&recs).iter().any(|(_, why)| why == "symlink_loop"),
        "{recs:?}"
    );
    // A root that is a symlink to a directory is followed.
    let (code, _) = jsonl(&[t.path().join("link").to_str().unwrap()]);
    assert_eq!(code, 1);
}

fn mkfifo(p: &std::path::Path) {
    let st = std::process::Command::new("mkfifo")
        .arg(p)
        .status()
        .unwrap();
    assert!(st.success());
}

#[test]
fn fifos_and_sockets_never_hang() {
    let t = Tree::new();
    t.file("a.txt", format!("{VISA}\n"));
    mkfifo(&t.path().join("pipe"));
    let _sock = std::os::unix::net::UnixListener::bind(t.path().join("sock")).unwrap();
    symlink("/dev/zero", t.path().join("zero")).unwrap();
    let start = Instant::now();
    let mut child = bin()
        .args(["--format", "jsonl", "--follow", t.path().to_str().unwrap()])
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("pan-scan hung on a special file");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let recs: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut r = reasons(&recs);
    r.sort();
    assert_eq!(
        r,
        [
            ("pipe".to_string(), "special_file".to_string()),
            ("sock".into(), "special_file".into()),
            ("zero".into(), "special_file".into()),
        ]
    );
    assert_eq!(summary(&recs)["verdict"], "card-data-found");
}

#[test]
fn a_fifo_named_on_the_command_line_is_read() {
    let t = Tree::new();
    let fifo = t.path().join("in");
    mkfifo(&fifo);
    let f2 = fifo.clone();
    let writer = std::thread::spawn(move || {
        std::fs::write(&f2, format!("card {VISA}\n")).unwrap();
    });
    let (code, recs) = jsonl(&[fifo.to_str().unwrap()]);
    writer.join().unwrap();
    assert_eq!(code, 1);
    assert_eq!(of_type(&recs, "finding").len(), 1);
}

#[test]
fn virtual_filesystems_are_skipped() {
    let (code, recs) = jsonl(&["/proc", "/sys"]);
    assert_eq!(code, 0);
    let mut r = reasons(&recs);
    r.sort();
    assert_eq!(
        r,
        [
            ("proc".to_string(), "virtual_filesystem".to_string()),
            ("sys".into(), "virtual_filesystem".into())
        ]
    );
}

#[test]
fn file_names_holding_pans_are_masked() {
    let t = Tree::new();
    t.file(&format!("export-{VISA}.csv"), format!("x,{MC}\n"));
    let (_, recs) = jsonl(&[t.path().to_str().unwrap()]);
    let p = &paths(&recs, "finding")[0];
    assert!(p.ends_with("export-453201******0366.csv"), "{p}");
}

#[test]
fn many_files_and_threads() {
    let t = Tree::new();
    let mut want = 0;
    for i in 0..500 {
        let body = if i % 10 == 0 {
            want += 1;
            format!("row {i} card {VISA}\n")
        } else {
            format!("row {i} 2024-05-01 12:00 id={i}\n")
        };
        t.file(&format!("d{}/e{}/f{i}.log", i % 7, i % 3), body);
    }
    for j in ["1", "2", "4"] {
        let (_, recs) = jsonl(&["-j", j, t.path().to_str().unwrap()]);
        assert_eq!(of_type(&recs, "finding").len(), want, "-j {j}");
        assert_eq!(summary(&recs)["files_scanned"], 500);
    }
}

#[test]
fn one_file_system_stops_at_mount_points() {
    let t = Tree::new();
    t.file("here.txt", "nothing\n");
    let mnt = t.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let ok = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    }
    std::fs::write(mnt.join("card.txt"), format!("card {VISA}\n")).unwrap();
    let root = t.path().to_str().unwrap();
    let (code_all, _) = jsonl(&[root]);
    let (code_one, recs) = jsonl(&["--one-file-system", root]);
    let _ = std::process::Command::new("umount").arg(&mnt).status();
    assert_eq!(code_all, 1, "without the flag the mounted file is scanned");
    assert_eq!(code_one, 0);
    assert_eq!(
        reasons(&recs),
        [("mnt".to_string(), "other_filesystem".to_string())]
    );
}

#[test]
fn several_roots_and_read_only_access() {
    let a = Tree::new();
    let b = Tree::new();
    let pa = a.file("a.txt", format!("card {VISA}\n"));
    b.file("b.txt", format!("card {MC}\n"));
    // An access time two days old: relatime would refresh it on a plain
    // read; O_NOATIME leaves it alone.
    let old = std::time::SystemTime::now() - Duration::from_secs(2 * 86400);
    let f = std::fs::File::options().write(true).open(&pa).unwrap();
    f.set_times(
        std::fs::FileTimes::new()
            .set_accessed(old)
            .set_modified(old),
    )
    .unwrap();
    drop(f);
    let before = std::fs::metadata(&pa).unwrap();
    let (code, recs) = jsonl(&[a.path().to_str().unwrap(), b.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(of_type(&recs, "finding").len(), 2);
    assert_eq!(summary(&recs)["atime_not_preserved"], 0);
    let after = std::fs::metadata(&pa).unwrap();
    assert_eq!(
        before.accessed().unwrap(),
        after.accessed().unwrap(),
        "atime untouched"
    );
    assert_eq!(before.modified().unwrap(), after.modified().unwrap());
    assert_eq!(
        std::fs::read_to_string(&pa).unwrap(),
        format!("card {VISA}\n")
    );
}

#[test]
fn no_progress_output_when_stderr_is_not_a_terminal() {
    let t = Tree::new();
    t.file("a.txt", format!("card {VISA}\n"));
    let out = bin().arg(t.path()).stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
