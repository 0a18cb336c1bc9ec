//! Formats pan-scan recognises but cannot open: archives and compressed
//! streams it has no decoder for (RAR, lzip, lzop, `compress`, cabinet,
//! RPM payloads, squashfs, Outlook PST/OST mail stores, whose blocks are
//! encoded by default) and encrypted files (OpenPGP, `openssl enc`,
//! age, LUKS, Ansible Vault, KeePass). Scanned as raw bytes, such a file
//! shows no card number even when it holds thousands, so each one gets a
//! coverage record (`unsupported` or `encrypted`) besides its raw scan: a
//! run that meets one is `incomplete`, never clean, unless card data is
//! found. Recognised by their first bytes only, like every format here.
//! (OLE2 compound files, legacy Office documents among them, are opened
//! in [`super::ole`]: scanned raw, encrypted ones known by their structures.)

use crate::coverage::Reason;

/// A format that is recognised, not opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opaque {
    Rar,
    Lz4Legacy,
    Compress,
    Lzip,
    Lzop,
    Cabinet,
    Rpm,
    Squashfs,
    Pst,
    OpenPgp,
    OpenSsl,
    Age,
    Luks,
    AnsibleVault,
    KeePass,
}

impl Opaque {
    /// What the coverage record calls it.
    pub fn label(self) -> &'static str {
        match self {
            Opaque::Rar => "RAR archive",
            Opaque::Lz4Legacy => "lz4 legacy stream",
            Opaque::Compress => "compress (.Z) stream",
            Opaque::Lzip => "lzip stream",
            Opaque::Lzop => "lzop stream",
            Opaque::Cabinet => "cabinet (.cab) archive",
            Opaque::Rpm => "RPM package",
            Opaque::Squashfs => "squashfs image",
            Opaque::Pst => "Outlook mail store (PST/OST)",
            Opaque::OpenPgp => "OpenPGP encrypted data",
            Opaque::OpenSsl => "openssl enc output",
            Opaque::Age => "age encrypted file",
            Opaque::Luks => "LUKS encrypted volume",
            Opaque::AnsibleVault => "Ansible Vault",
            Opaque::KeePass => "KeePass database",
        }
    }

    pub fn reason(self) -> Reason {
        match self {
            Opaque::OpenPgp
            | Opaque::OpenSsl
            | Opaque::Age
            | Opaque::Luks
            | Opaque::AnsibleVault
            | Opaque::KeePass => Reason::Encrypted,
            _ => Reason::Unsupported,
        }
    }

    /// The coverage record's detail.
    pub fn detail(self) -> String {
        match self.reason() {
            Reason::Encrypted => format!(
                "{}: encrypted, not readable without its key; scanned as raw bytes only",
                self.label()
            ),
            _ => format!(
                "{}: its contents are compressed in a format pan-scan does not decode; \
                 scanned as raw bytes only",
                self.label()
            ),
        }
    }

    /// Recognises a format from the first bytes of a stream.
    pub fn sniff(head: &[u8]) -> Option<Opaque> {
        let starts = |m: &[u8]| head.starts_with(m);
        Some(
            if starts(b"Rar!\x1A\x07\x00") || starts(b"Rar!\x1A\x07\x01\x00") {
                Opaque::Rar
            } else if starts(b"\x02\x21\x4C\x18") {
                Opaque::Lz4Legacy
            } else if head.len() >= 3 && starts(b"\x1F\x9D") && compress_flags(head[2]) {
                Opaque::Compress
            } else if starts(b"LZIP") && matches!(head.get(4), Some(0 | 1)) {
                Opaque::Lzip
            } else if starts(b"\x89LZO\x00\x0D\x0A\x1A\x0A") {
                Opaque::Lzop
            } else if starts(b"MSCF\0\0\0\0") {
                Opaque::Cabinet
            } else if starts(b"\xED\xAB\xEE\xDB") && matches!(head.get(4), Some(3 | 4)) {
                Opaque::Rpm
            } else if starts(b"hsqs") && head.get(28..30) == Some(&[4, 0]) {
                Opaque::Squashfs
            } else if starts(b"!BDN") && head.get(8..10) == Some(b"SM") {
                // Its blocks are encoded by default ("compressible encryption").
                Opaque::Pst
            } else if openpgp(head) {
                Opaque::OpenPgp
            } else if starts(b"Salted__") || starts(b"U2FsdGVkX1") {
                // `openssl enc`, binary or base64 (`-a`).
                Opaque::OpenSsl
            } else if starts(b"age-encryption.org/v1\n")
                || starts(b"-----BEGIN AGE ENCRYPTED FILE-----")
            {
                Opaque::Age
            } else if starts(b"LUKS\xBA\xBE") {
                Opaque::Luks
            } else if starts(b"$ANSIBLE_VAULT;1.") {
                Opaque::AnsibleVault
            } else if starts(b"\x03\xD9\xA2\x9A\x67\xFB\x4B\xB5") {
                Opaque::KeePass
            } else {
                return None;
            },
        )
    }
}

/// `compress`'s flag byte: a code width of 9 to 16 bits, the two unused
/// bits clear.
fn compress_flags(b: u8) -> bool {
    b & 0x60 == 0 && (9..=16).contains(&(b & 0x1F))
}

/// An OpenPGP message that starts with its encryption: ASCII armour, or a
/// public-key (tag 1) or symmetric-key (tag 3) encrypted session key
/// packet with a known version (RFC 4880, RFC 9580). `gpg -e` and
/// `gpg -c` write these first; a signed-only message is not matched.
fn openpgp(head: &[u8]) -> bool {
    if head.starts_with(b"-----BEGIN PGP MESSAGE-----") {
        return true;
    }
    let Some(&first) = head.first() else {
        return false;
    };
    if first & 0x80 == 0 {
        return false;
    }
    // The packet's tag and where its body starts.
    let (tag, body) = if first & 0x40 != 0 {
        // New format: the length's first octet says how long it is.
        let tag = first & 0x3F;
        match head.get(1) {
            Some(&l) if l < 192 => (tag, 2),
            Some(&l) if l < 224 => (tag, 3),
            Some(255) => (tag, 6),
            _ => return false,
        }
    } else {
        let tag = (first >> 2) & 0x0F;
        match first & 3 {
            0 => (tag, 2),
            1 => (tag, 3),
            2 => (tag, 5),
            _ => return false,
        }
    };
    let at = |i: usize| head.get(body + i).copied();
    match tag {
        // PKESK v3: version, 8-byte key id, public-key algorithm; v6.
        1 => match at(0) {
            Some(3) => matches!(at(9), Some(1..=3 | 16 | 18 | 22 | 25 | 26)),
            Some(6) => true,
            _ => false,
        },
        // SKESK v4: version, symmetric algorithm, S2K type; v5, v6.
        3 => match at(0) {
            Some(4) => matches!(at(1), Some(1..=13)) && matches!(at(2), Some(0 | 1 | 3 | 4)),
            Some(5 | 6) => matches!(at(1), Some(1..=13)),
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_is_recognised_from_its_first_bytes() {
        let mut squash = b"hsqs".to_vec();
        squash.resize(28, 0);
        squash.extend_from_slice(&[4, 0, 0, 0]);
        let cases: Vec<(&[u8], Opaque)> = vec![
            (b"Rar!\x1A\x07\x00\xCF\x90", Opaque::Rar),
            (b"Rar!\x1A\x07\x01\x00\x33\x92", Opaque::Rar),
            (b"\x02\x21\x4C\x18\x10\x00", Opaque::Lz4Legacy),
            (b"\x1F\x9D\x90card", Opaque::Compress),
            (b"LZIP\x01\x0C", Opaque::Lzip),
            (b"\x89LZO\x00\x0D\x0A\x1A\x0A\x10\x30", Opaque::Lzop),
            (b"MSCF\0\0\0\0\x50\x00", Opaque::Cabinet),
            (b"\xED\xAB\xEE\xDB\x03\x00", Opaque::Rpm),
            (&squash, Opaque::Squashfs),
            (b"!BDN\x12\x34\x56\x78SM\x17\x00", Opaque::Pst),
            (b"-----BEGIN PGP MESSAGE-----\n\nhQEM", Opaque::OpenPgp),
            // gpg -c (old-format tag 3, v4, AES256, iterated S2K) and
            // gpg -e (tag 1 v3, RSA), as gpg 2.2 writes them.
            (b"\x8C\x0D\x04\x09\x03\x02\xAB", Opaque::OpenPgp),
            (
                b"\x85\x01\x0C\x03\x11\x22\x33\x44\x55\x66\x77\x88\x01\x07",
                Opaque::OpenPgp,
            ),
            (b"\xC3\x0D\x04\x09\x03", Opaque::OpenPgp),
            (b"Salted__\x12\x34", Opaque::OpenSsl),
            (b"U2FsdGVkX1+abc", Opaque::OpenSsl),
            (b"age-encryption.org/v1\n-> X25519", Opaque::Age),
            (b"-----BEGIN AGE ENCRYPTED FILE-----\n", Opaque::Age),
            (b"LUKS\xBA\xBE\x00\x02", Opaque::Luks),
            (b"$ANSIBLE_VAULT;1.1;AES256\n6134", Opaque::AnsibleVault),
            (b"\x03\xD9\xA2\x9A\x67\xFB\x4B\xB5\x01\x00", Opaque::KeePass),
        ];
        for (head, want) in cases {
            assert_eq!(Opaque::sniff(head), Some(want), "{head:02x?}");
        }
    }

    #[test]
    fn near_misses_are_not_recognised() {
        let misses: [&[u8]; 12] = [
            b"",
            b"7z archive list",
            b"Rar!\x1A\x07\x02",
            b"\x1F\x9D\x70", // unused bits set
            b"\x1F\x9D\x05", // 5-bit codes
            b"LZIP\x07",
            b"hsqs\x00\x00",
            b"-----BEGIN PGP SIGNATURE-----",
            b"\x89PNG\r\n\x1a\n",    // tag 2 (a signature) in the old format
            b"\x8C\x0D\x07\x09\x03", // SKESK of an unknown version
            b"\x85\x01\x0C\x03\x11\x22\x33\x44\x55\x66\x77\x88\x63", // unknown algorithm
            b"Salted_",
        ];
        for head in misses {
            assert_eq!(Opaque::sniff(head), None, "{head:02x?}");
        }
    }

    #[test]
    fn encrypted_formats_say_so() {
        assert_eq!(Opaque::OpenPgp.reason(), Reason::Encrypted);
        assert_eq!(Opaque::Rar.reason(), Reason::Unsupported);
        assert!(Opaque::Luks.detail().contains("encrypted"));
        assert!(Opaque::Rar.detail().contains("raw bytes"));
    }
}
