//! The parallel directory walk (the `ignore` crate's walker, with all of
//! its standard filters off: hidden files, `.gitignore`d files and `.env`
//! files are exactly where card data hides). It classifies every entry —
//! scan it, or skip it with a coverage reason — and hands files to the
//! scanning workers as it goes, so a tree of millions of files is never
//! held in memory. Only `--exclude` globs (and, opted into, ignore files)
//! filter; `/proc`, `/sys`, `/dev` and other kernel pseudo-filesystems are
//! skipped when reached.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::{WalkBuilder, WalkParallel};

use crate::coverage::Reason;

/// Walk settings, resolved from the command line.
#[derive(Clone, Debug, Default)]
pub struct WalkConfig {
    pub roots: Vec<PathBuf>,
    pub threads: usize,
    pub excludes: Vec<String>,
    pub respect_ignore: bool,
    pub follow: bool,
    pub one_file_system: bool,
}

/// Compiled `--exclude` globs: a glob without `/` matches a file or
/// directory name anywhere; a glob with `/` matches the whole path (as
/// walked, or relative to its root).
#[derive(Clone, Debug)]
pub struct Excludes {
    names: GlobSet,
    paths: GlobSet,
    any: bool,
}

impl Excludes {
    pub fn new(globs: &[String]) -> Result<Excludes> {
        let mut names = GlobSetBuilder::new();
        let mut paths = GlobSetBuilder::new();
        for g in globs {
            let glob = Glob::new(g).with_context(|| format!("invalid --exclude glob {g:?}"))?;
            if g.contains('/') {
                paths.add(glob);
            } else {
                names.add(glob);
            }
        }
        Ok(Excludes {
            names: names.build()?,
            paths: paths.build()?,
            any: !globs.is_empty(),
        })
    }

    /// Whether `path` (under `root`) is excluded.
    pub fn matches(&self, path: &Path, root: Option<&Path>) -> bool {
        if !self.any {
            return false;
        }
        if let Some(name) = path.file_name() {
            if self.names.is_match(name) {
                return true;
            }
        }
        if self.paths.is_match(path) {
            return true;
        }
        if let Some(rel) = root.and_then(|r| path.strip_prefix(r).ok()) {
            if !rel.as_os_str().is_empty() && self.paths.is_match(rel) {
                return true;
            }
        }
        false
    }
}

/// Builds the parallel walker.
pub fn builder(cfg: &WalkConfig) -> WalkParallel {
    let mut roots = cfg.roots.iter();
    let first = roots.next().expect("at least one root");
    let mut b = WalkBuilder::new(first);
    for r in roots {
        b.add(r);
    }
    b.standard_filters(false)
        .hidden(false)
        .follow_links(cfg.follow)
        .threads(cfg.threads)
        // pan-scan does its own one-file-system check so it can report it.
        .same_file_system(false);
    if cfg.respect_ignore {
        b.ignore(true)
            .git_ignore(true)
            .git_global(true)
            .git_exclude(true)
            .parents(true)
            .require_git(false);
    }
    b.build_parallel()
}

/// Kernel pseudo-filesystems (statfs f_type magic numbers from
/// linux/magic.h): reading them can block, never ends, or is meaningless
/// for stored card data.
const PSEUDO_FS: &[i64] = &[
    0x9fa0,      // proc
    0x6265_6572, // sysfs
    0x1cd1,      // devpts
    0x0027_e0eb, // cgroup
    0x6367_7270, // cgroup2
    0x6462_6720, // debugfs
    0x7472_6163, // tracefs
    0x7363_6673, // securityfs
    0xcafe_4a11, // bpf
    0x6265_6570, // configfs
    0x6165_676c, // pstore
    0xde5e_81e4, // efivarfs
    0xf97c_ff8c, // selinuxfs
    0x6573_5543, // fusectl
    0x1980_0202, // mqueue
    0x4249_4e4d, // binfmt_misc
];

/// Whether a directory is (on) a virtual filesystem: `/proc`, `/sys`,
/// `/dev` by path, others by filesystem type.
pub fn is_virtual_dir(path: &Path) -> bool {
    if let Some(name) = path.file_name() {
        if matches!(name.to_str(), Some("proc" | "sys" | "dev")) {
            if let Ok(c) = path.canonicalize() {
                if matches!(c.to_str(), Some("/proc" | "/sys" | "/dev")) {
                    return true;
                }
            }
        }
    } else if matches!(
        path.canonicalize().ok().as_deref().and_then(Path::to_str),
        Some("/proc" | "/sys" | "/dev")
    ) {
        return true;
    }
    fs_magic(path).is_some_and(|m| PSEUDO_FS.contains(&m))
}

fn fs_magic(path: &Path) -> Option<i64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated string and `st` a valid,
    // writable statfs buffer.
    let rc = unsafe { libc::statfs(c.as_ptr(), &mut st) };
    (rc == 0).then_some(st.f_type as i64)
}

/// The device of each root, for `--one-file-system`.
pub fn root_devices(roots: &[PathBuf]) -> Vec<(PathBuf, Option<u64>)> {
    roots
        .iter()
        .map(|r| (r.clone(), std::fs::metadata(r).ok().map(|m| m.dev())))
        .collect()
}

/// The root a walked path belongs to (the longest root that prefixes it).
pub fn root_of<'a>(
    roots: &'a [(PathBuf, Option<u64>)],
    path: &Path,
) -> Option<&'a (PathBuf, Option<u64>)> {
    roots
        .iter()
        .filter(|(r, _)| path.starts_with(r))
        .max_by_key(|(r, _)| r.as_os_str().len())
}

/// Classifies a walk error.
pub fn error_reason(e: &ignore::Error) -> (Option<PathBuf>, Reason, String) {
    match e {
        ignore::Error::WithPath { path, err } => {
            let (_, r, d) = error_reason(err);
            (Some(path.clone()), r, d)
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_reason(err)
        }
        ignore::Error::Loop { child, .. } => (
            Some(child.clone()),
            Reason::SymlinkLoop,
            "symlink loop".into(),
        ),
        ignore::Error::Io(io) => (None, Reason::of_io(io), crate::coverage::io_detail(io)),
        ignore::Error::Partial(errs) => match errs.first() {
            Some(e) => error_reason(e),
            None => (None, Reason::IoError, "walk error".into()),
        },
        other => (
            None,
            Reason::IoError,
            crate::redact::text(&other.to_string()).into_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclude_globs() {
        let ex = Excludes::new(&["*.log".into(), "cache".into(), "www/tmp/**".into()]).unwrap();
        let root = Path::new("/srv");
        assert!(ex.matches(Path::new("/srv/a/b.log"), Some(root)));
        assert!(ex.matches(Path::new("/srv/x/cache"), Some(root)));
        assert!(ex.matches(Path::new("/srv/www/tmp/z"), Some(root)));
        assert!(!ex.matches(Path::new("/srv/www/data/z"), Some(root)));
        assert!(!ex.matches(Path::new("/srv/a/b.txt"), Some(root)));
        assert!(Excludes::new(&["[".into()]).is_err());
    }

    #[test]
    fn virtual_filesystems() {
        assert!(is_virtual_dir(Path::new("/proc")));
        assert!(is_virtual_dir(Path::new("/sys")));
        assert!(is_virtual_dir(Path::new("/dev")));
        assert!(!is_virtual_dir(Path::new("/tmp")));
        assert!(!is_virtual_dir(&std::env::temp_dir().join("proc")));
    }
}
