//! Report files written atomically with mode 0600: the bytes go to a new
//! temporary file in the destination's directory (created 0600, never
//! world-readable even for a moment), are flushed to disk, then renamed over
//! the destination. A reader sees the old file or the whole new one, never
//! half a report; a failed write leaves no temporary file behind.
//!
//! A destination that exists and is no regular file (`/dev/stdout`, a
//! FIFO or `>(gzip > x)`, `/dev/null`, a terminal) is written in place:
//! renaming over it would replace the device node or the link with a file
//! (as root, `--json /dev/full` replaced `/dev/full`). A symlink to a
//! regular file is followed: its target is replaced, the link stays.

use std::io::{self, BufWriter, Write};
use std::path::Path;

/// Writes the file at `path` with what `write` produces, atomically, mode 0600.
pub fn write(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let resolved;
    let mut path = path;
    if let Ok(md) = std::fs::metadata(path) {
        if !md.is_file() {
            let f = std::fs::OpenOptions::new().write(true).open(path)?;
            let mut w = BufWriter::with_capacity(64 * 1024, f);
            write(&mut w)?;
            return w.flush();
        }
        if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
            resolved = std::fs::canonicalize(path)?;
            path = &resolved;
        }
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // tempfile creates the file with O_EXCL and mode 0600.
    let tmp = tempfile::Builder::new()
        .prefix(".pan-scan-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    let mut w = BufWriter::with_capacity(64 * 1024, tmp);
    write(&mut w)?;
    let tmp = w.into_inner().map_err(|e| e.into_error())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn writes_0600_and_replaces() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("r.json");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        write(&p, |w: &mut dyn Write| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("r.json");
        std::fs::write(&p, "old").unwrap();
        let err = write(&p, |w: &mut dyn Write| {
            w.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn devices_and_links_are_not_replaced() {
        let d = tempfile::tempdir().unwrap();
        // A link to a device: written through, the link stays a link.
        let null = d.path().join("null");
        std::os::unix::fs::symlink("/dev/null", &null).unwrap();
        write(&null, |w: &mut dyn Write| w.write_all(b"x")).unwrap();
        assert!(std::fs::symlink_metadata(&null).unwrap().is_symlink());
        let full = d.path().join("full");
        std::os::unix::fs::symlink("/dev/full", &full).unwrap();
        let err = write(&full, |w: &mut dyn Write| w.write_all(&[b'x'; 100_000])).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOSPC));
        assert!(std::fs::symlink_metadata(&full).unwrap().is_symlink());
        // A link to a regular file: the target is replaced, the link stays.
        let target = d.path().join("target.json");
        std::fs::write(&target, "old").unwrap();
        let link = d.path().join("latest.json");
        std::os::unix::fs::symlink("target.json", &link).unwrap();
        write(&link, |w: &mut dyn Write| w.write_all(b"new")).unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
    }

    #[test]
    fn a_missing_directory_is_an_error() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("no/such/dir/r.json");
        assert!(write(&p, |w: &mut dyn Write| w.write_all(b"x")).is_err());
    }
}
