//! Who ran pan-scan, where and when: the facts of a run's audit record
//! (PCI DSS 10.2.1: a scan reads cardholder data, so the scan itself is an
//! access to log). Host name, operating system, user and uid, times in RFC
//! 3339 UTC, and a random scan id. The evidence record and the self-test
//! record both open with these.

use std::time::SystemTime;

use serde::Serialize;

/// The machine and the identity a run used.
#[derive(Clone, Debug, Serialize)]
pub struct Host {
    /// Host name (`hostname`), or `unknown`.
    pub hostname: String,
    /// Operating system and version (`Debian GNU/Linux 12 (bookworm)`).
    pub os: String,
    /// `linux`, `macos`, ...
    pub os_family: &'static str,
    pub arch: &'static str,
    /// Real user name, or `unknown`.
    pub user: String,
    pub uid: u32,
    pub euid: u32,
}

impl Host {
    /// The current host and user.
    pub fn current() -> Host {
        // SAFETY: getuid and geteuid cannot fail and touch no memory.
        let (uid, euid) = unsafe { (libc::getuid(), libc::geteuid()) };
        Host {
            hostname: whoami::fallible::hostname().unwrap_or_else(|_| "unknown".into()),
            os: whoami::distro(),
            os_family: std::env::consts::OS,
            arch: std::env::consts::ARCH,
            user: whoami::fallible::username().unwrap_or_else(|_| "unknown".into()),
            uid,
            euid,
        }
    }
}

/// RFC 3339 UTC with milliseconds: `2026-11-26T03:52:11.123Z`.
pub fn timestamp(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// A random 128-bit id in hex, for a scan or a self-test.
pub fn random_id() -> String {
    let mut b = [0u8; 16];
    // A failing system RNG is a broken system; an all-zero id still works.
    let _ = getrandom::getrandom(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_is_rfc3339_utc() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_764_129_131_123);
        assert_eq!(timestamp(t), "2025-11-26T03:52:11.123Z");
    }

    #[test]
    fn ids_are_random_hex() {
        let (a, b) = (random_id(), random_id());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn host_names_the_current_user() {
        let h = Host::current();
        assert_eq!(h.uid, unsafe { libc::getuid() });
        assert!(!h.hostname.is_empty() && !h.user.is_empty());
    }
}
