//! Coverage records: every file, directory or stream that was not fully
//! scanned, with the reason. Reasons fall in two classes. *Scope* reasons
//! (excluded by the user, a symlink not followed, another filesystem, a
//! virtual filesystem, a FIFO/socket/device) are decisions: nothing that
//! holds stored data was missed. *Error* reasons (permission denied, I/O
//! error, vanished) mean data may have been missed, so the verdict cannot be
//! clean and the exit code is 3 unless card data was found. Containers add
//! four more error reasons: a limit that bit (nesting, size, compression
//! ratio, members, memory), an encrypted member, corrupt or truncated data,
//! and content pan-scan cannot read (an unsupported compression method, a
//! PDF of scanned images).

use serde::Serialize;

/// Why something was not (fully) scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Matched `--exclude` (or an ignore file with `--respect-ignore`).
    Excluded,
    /// A symbolic link, not followed (use `--follow`).
    Symlink,
    /// A symlink loop met with `--follow`; its target is scanned elsewhere.
    SymlinkLoop,
    /// FIFO, socket or device: never opened, it stores no data.
    SpecialFile,
    /// /proc, /sys, /dev and other kernel pseudo-filesystems.
    VirtualFilesystem,
    /// On another filesystem than its root, with `--one-file-system`.
    OtherFilesystem,
    /// The operating system refused access.
    PermissionDenied,
    /// Gone between the walk and the read.
    NotFound,
    /// A read or directory error; the file is scanned as far as it was read.
    IoError,
    /// The scan was interrupted before this was read.
    Interrupted,
    /// A container limit stopped reading (the detail names it and its option).
    Limit,
    /// Encrypted (a zip entry, a password-protected PDF): not readable.
    Encrypted,
    /// Corrupt or truncated data: read as far as it goes.
    Corrupt,
    /// Content of a kind pan-scan cannot read.
    Unsupported,
}

impl Reason {
    pub fn label(self) -> &'static str {
        match self {
            Reason::Excluded => "excluded",
            Reason::Symlink => "symlink",
            Reason::SymlinkLoop => "symlink_loop",
            Reason::SpecialFile => "special_file",
            Reason::VirtualFilesystem => "virtual_filesystem",
            Reason::OtherFilesystem => "other_filesystem",
            Reason::PermissionDenied => "permission_denied",
            Reason::NotFound => "not_found",
            Reason::IoError => "io_error",
            Reason::Interrupted => "interrupted",
            Reason::Limit => "limit",
            Reason::Encrypted => "encrypted",
            Reason::Corrupt => "corrupt",
            Reason::Unsupported => "unsupported",
        }
    }

    /// Human wording.
    pub fn describe(self) -> &'static str {
        match self {
            Reason::Excluded => "excluded",
            Reason::Symlink => "symlink not followed",
            Reason::SymlinkLoop => "symlink loop",
            Reason::SpecialFile => "special file",
            Reason::VirtualFilesystem => "virtual filesystem",
            Reason::OtherFilesystem => "other filesystem",
            Reason::PermissionDenied => "permission denied",
            Reason::NotFound => "vanished",
            Reason::IoError => "I/O error",
            Reason::Interrupted => "interrupted",
            Reason::Limit => "limit reached",
            Reason::Encrypted => "encrypted",
            Reason::Corrupt => "corrupt or truncated",
            Reason::Unsupported => "unreadable content",
        }
    }

    /// Whether this reason means data may have been missed.
    pub fn is_error(self) -> bool {
        matches!(
            self,
            Reason::PermissionDenied
                | Reason::NotFound
                | Reason::IoError
                | Reason::Interrupted
                | Reason::Limit
                | Reason::Encrypted
                | Reason::Corrupt
                | Reason::Unsupported
        )
    }

    /// Classifies an I/O error.
    pub fn of_io(e: &std::io::Error) -> Reason {
        match e.kind() {
            std::io::ErrorKind::PermissionDenied => Reason::PermissionDenied,
            std::io::ErrorKind::NotFound => Reason::NotFound,
            _ => Reason::IoError,
        }
    }
}

/// One coverage record.
#[derive(Clone, Debug, Serialize)]
pub struct Skipped {
    /// Display path (PAN-like digits masked).
    pub path: String,
    pub reason: Reason,
    /// What the operating system said, or other detail (no paths in it).
    pub detail: String,
    /// For a file cut short: how many bytes were scanned before it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_scanned: Option<u64>,
}

/// The message of an I/O error without the path the standard library may
/// add (pan-scan prints its own, masked, path).
pub fn io_detail(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        // "Permission denied (os error 13)"
        Some(code) => std::io::Error::from_raw_os_error(code).to_string(),
        None => crate::redact::text(&e.to_string()).into_owned(),
    }
}
