//! Excel's built-in password: decrypting a legacy workbook's stream when it
//! was encrypted with the password Excel uses on its own, so its cells can
//! be read.
//!
//! Excel 97-2003 encrypts a workbook whose *structure* is protected (sheets
//! cannot be added, moved or renamed) even when it has no password to open:
//! it writes a `FILEPASS` record and encrypts with the fixed password
//! "VelvetSweatshop", and opens such a file without a prompt. Such a file is
//! no more secret than a plain one, and its cells may hold card numbers, so
//! it is read like one instead of being reported as unreadable. Any other
//! password is not guessed: that workbook stays `encrypted`.
//!
//! The schemes (MS-OFFCRYPTO 2.3.6 and 2.3.5, MS-XLS 2.2.10): RC4 with an
//! MD5 key (Office 97/2000; LibreOffice writes it) and RC4 CryptoAPI with a
//! SHA-1 key (Excel 2002 on; Apache POI writes it). The password's check
//! value (a random verifier and its hash, encrypted) tells whether the
//! password is the built-in one. The keystream restarts every 1,024 bytes
//! of the workbook stream with a key derived from the block's number, and
//! covers every byte: record headers are not encrypted but use up their
//! keystream bytes, as do the records left in the clear (`BOF`, `FILEPASS`,
//! `INTERFACEHDR`, the shared-workbook records) and the first four bytes of
//! each `BOUNDSHEET8` (where its sheet starts). XOR obfuscation (Excel 95)
//! is not decrypted.

use md5::{Digest as _, Md5};
use rc4::{KeyInit, Rc4, StreamCipher};
use sha1::Sha1;

use super::le_u16;

/// The password Excel encrypts with when only a workbook's structure is
/// protected.
pub const DEFAULT_PASSWORD: &str = "VelvetSweatshop";

/// The keystream restarts with a new key every this many bytes.
const BLOCK: usize = 1024;

// Record types that are never encrypted (MS-XLS 2.2.10).
const BOF: u16 = 0x0809;
const FILEPASS: u16 = 0x002F;
const INTERFACEHDR: u16 = 0x00E1;
const RRDHEAD: u16 = 0x0138;
const USREXCL: u16 = 0x0194;
const FILELOCK: u16 = 0x0195;
const RRDINFO: u16 = 0x0196;
/// Its first four bytes (`lbPlyPos`) are in the clear.
const BOUNDSHEET8: u16 = 0x0085;

/// How the key of each block is made from the password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    /// RC4 (MS-OFFCRYPTO 2.3.6): the 5-byte truncated MD5 of the password
    /// and salt, 16 times over, hashed again and truncated.
    Rc4 { base: [u8; 5] },
    /// RC4 CryptoAPI (MS-OFFCRYPTO 2.3.5.2): the SHA-1 of salt and
    /// password; `bytes` of each block's hash are the key (5 for 40 bits,
    /// padded with zeros to 16).
    CryptoApi { base: [u8; 20], bytes: usize },
}

impl Key {
    /// The RC4 key of block `block`.
    fn of_block(&self, block: u32) -> Vec<u8> {
        let b = block.to_le_bytes();
        match self {
            Key::Rc4 { base } => Md5::new()
                .chain_update(base)
                .chain_update(b)
                .finalize()
                .to_vec(),
            Key::CryptoApi { base, bytes } => {
                let h = Sha1::new().chain_update(base).chain_update(b).finalize();
                let mut key = h[..*bytes].to_vec();
                if *bytes == 5 {
                    // A 40-bit key is used as 128 bits, the rest zeros.
                    key.resize(16, 0);
                }
                key
            }
        }
    }

    /// Decrypts `data` as the start of block 0's keystream.
    fn start(&self, data: &mut [u8]) {
        let mut rc4 = Rc4::new_from_slice(&self.of_block(0)).expect("a 5- to 20-byte key");
        rc4.apply_keystream(data);
    }
}

/// The password as UTF-16LE, as both schemes hash it.
fn utf16(password: &str) -> Vec<u8> {
    password.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// The key a `FILEPASS` record's data (`wEncryptionType` on) makes of
/// `password`, if its scheme is one of the two RC4 ones and the password
/// passes its check; `None` otherwise (XOR, unknown, a wrong password).
/// Also returns the scheme's name.
fn key_for(filepass: &[u8], password: &str) -> Option<(Key, &'static str)> {
    let get = |at: usize, n: usize| filepass.get(at..at + n);
    if le_u16(filepass, 0)? != 1 {
        return None; // XOR obfuscation
    }
    let (major, minor) = (le_u16(filepass, 2)?, le_u16(filepass, 4)?);
    let pw = utf16(password);
    if (major, minor) == (1, 1) {
        // RC4: salt, verifier, verifier hash (16 bytes each).
        let salt = get(6, 16)?;
        let h0 = Md5::digest(&pw);
        let mut h1 = Md5::new();
        for _ in 0..16 {
            h1.update(&h0[..5]);
            h1.update(salt);
        }
        let base: [u8; 5] = h1.finalize()[..5].try_into().ok()?;
        let key = Key::Rc4 { base };
        let mut check = get(22, 32)?.to_vec();
        key.start(&mut check);
        let (verifier, hash) = check.split_at(16);
        return (Md5::digest(verifier)[..] == *hash).then_some((key, "RC4"));
    }
    if !(2..=4).contains(&major) || minor != 2 {
        return None;
    }
    // RC4 CryptoAPI: flags, the header's size, the header (its key size at
    // byte 16), then the verifier: salt size, salt, verifier, hash size,
    // hash.
    let header = usize::try_from(super::le_u32(filepass, 10)?).ok()?;
    let bits = super::le_u32(filepass, 14 + 16)?;
    let bytes = match bits {
        0 | 40 => 5,
        128 => 16,
        _ => return None, // 48 to 120 bits: not written by Office
    };
    let v = 14 + header;
    if super::le_u32(filepass, v)? != 16 || super::le_u32(filepass, v + 36)? != 20 {
        return None;
    }
    let salt = get(v + 4, 16)?;
    let base: [u8; 20] = Sha1::new()
        .chain_update(salt)
        .chain_update(&pw)
        .finalize()
        .into();
    let key = Key::CryptoApi { base, bytes };
    let mut check = get(v + 20, 16)?.to_vec();
    check.extend_from_slice(get(v + 40, 20)?);
    key.start(&mut check);
    let (verifier, hash) = check.split_at(16);
    (Sha1::digest(verifier)[..] == *hash).then_some((key, "RC4 CryptoAPI"))
}

/// The keystream of a workbook stream, one block at a time, applied to the
/// byte ranges that are encrypted (in ascending order).
struct Keystream {
    key: Key,
    block: Option<usize>,
    bytes: [u8; BLOCK],
}

impl Keystream {
    fn apply(&mut self, book: &mut [u8], mut from: usize, to: usize) {
        while from < to {
            let block = from / BLOCK;
            if self.block != Some(block) {
                let Ok(n) = u32::try_from(block) else { return };
                self.bytes = [0; BLOCK];
                let mut rc4 = Rc4::new_from_slice(&self.key.of_block(n)).expect("a key");
                rc4.apply_keystream(&mut self.bytes);
                self.block = Some(block);
            }
            let end = to.min((block + 1) * BLOCK);
            for (b, k) in book[from..end].iter_mut().zip(&self.bytes[from % BLOCK..]) {
                *b ^= k;
            }
            from = end;
        }
    }
}

/// Decrypts workbook stream `book` in place if it is encrypted with Excel's
/// built-in password ([`DEFAULT_PASSWORD`]) in one of the RC4 schemes: the
/// records after the globals' `FILEPASS` record, save those in the clear.
/// Returns the scheme's name if it did; `None` leaves `book` as it was (no
/// `FILEPASS`, another password, XOR obfuscation).
pub fn unlock(book: &mut [u8]) -> Option<&'static str> {
    // The globals' BOF, then FILEPASS (the next record, in every writer's
    // output; a few records later is accepted).
    let mut at = 0;
    let mut found = None;
    for _ in 0..8 {
        let kind = le_u16(book, at)?;
        let len = usize::from(le_u16(book, at + 2)?);
        let data = book.get(at + 4..at + 4 + len)?;
        if kind == FILEPASS {
            found = Some((at + 4 + len, key_for(data, DEFAULT_PASSWORD)?));
            break;
        }
        at += 4 + len;
    }
    let (at, (key, scheme)) = found?;
    apply_from(book, at, key);
    Some(scheme)
}

/// Applies `key`'s keystream to the records of `book` from offset `at` on,
/// save the bytes left in the clear: decrypts them, or encrypts them (RC4
/// is its own inverse).
fn apply_from(book: &mut [u8], mut at: usize, key: Key) {
    let mut stream = Keystream {
        key,
        block: None,
        bytes: [0; BLOCK],
    };
    while let (Some(kind), Some(len)) = (le_u16(book, at), le_u16(book, at + 2)) {
        let data = at + 4;
        let end = (data + usize::from(len)).min(book.len());
        match kind {
            BOF | FILEPASS | INTERFACEHDR | RRDHEAD | USREXCL | FILELOCK | RRDINFO => {}
            BOUNDSHEET8 => stream.apply(book, (data + 4).min(end), end),
            _ => stream.apply(book, data, end),
        }
        at = end;
    }
}

/// Encrypting as Excel does, for the self-test's planted workbook and the
/// tests: a `FILEPASS` record for a password, and the records after it.
pub(crate) mod write {
    use super::*;

    /// A BIFF record: its type, its length, its data.
    pub(crate) fn record(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut r = kind.to_le_bytes().to_vec();
        r.extend_from_slice(&(data.len() as u16).to_le_bytes());
        r.extend_from_slice(data);
        r
    }

    /// A `FILEPASS` record (header included) for `password`, RC4 (`rc4`)
    /// or RC4 CryptoAPI with a key of `bits` (40 or 128), with `salt` and a
    /// fixed verifier, and the key it makes.
    pub(crate) fn filepass(rc4: bool, password: &str, salt: [u8; 16], bits: u32) -> (Vec<u8>, Key) {
        let verifier: Vec<u8> = (0..16).map(|i| i * 7 + 3).collect();
        let pw = utf16(password);
        let (mut d, key, mut check) = if rc4 {
            let h0 = Md5::digest(&pw);
            let mut h1 = Md5::new();
            for _ in 0..16 {
                h1.update(&h0[..5]);
                h1.update(salt);
            }
            let base = h1.finalize()[..5].try_into().expect("5 bytes");
            let mut d = vec![1, 0, 1, 0, 1, 0];
            d.extend_from_slice(&salt);
            let mut check = verifier.clone();
            check.extend_from_slice(&Md5::digest(&verifier));
            (d, Key::Rc4 { base }, check)
        } else {
            let base = Sha1::new().chain_update(salt).chain_update(&pw).finalize();
            let bytes = if bits == 128 { 16 } else { 5 };
            let key = Key::CryptoApi {
                base: base.into(),
                bytes,
            };
            let mut header = vec![0u8; 32];
            header[16..20].copy_from_slice(&bits.to_le_bytes());
            header.extend_from_slice(&utf16("Provider\0"));
            let mut d = vec![1, 0, 4, 0, 2, 0, 4, 0, 0, 0];
            d.extend_from_slice(&(header.len() as u32).to_le_bytes());
            d.extend_from_slice(&header);
            d.extend_from_slice(&16u32.to_le_bytes());
            d.extend_from_slice(&salt);
            let mut check = verifier.clone();
            check.extend_from_slice(&Sha1::digest(&verifier));
            (d, key, check)
        };
        key.start(&mut check);
        if rc4 {
            d.extend_from_slice(&check);
        } else {
            d.extend_from_slice(&check[..16]);
            d.extend_from_slice(&20u32.to_le_bytes());
            d.extend_from_slice(&check[16..]);
        }
        (record(FILEPASS, &d), key)
    }

    /// Encrypts the records of `book` after its `FILEPASS` record, which
    /// ends at `at`, with `key`.
    pub(crate) fn encrypt(book: &mut [u8], at: usize, key: Key) {
        apply_from(book, at, key);
    }
}

#[cfg(test)]
mod tests {
    use super::write::record;
    use super::*;

    /// A workbook stream with `FILEPASS` and records of every kind, the
    /// plain one and the one encrypted as the format says (the range of
    /// bytes encrypted worked out here again, not by `write::encrypt`).
    fn workbook(scheme: &str, password: &str, bits: u32) -> (Vec<u8>, Vec<u8>) {
        let (fp, key) = write::filepass(scheme == "rc4", password, [0x5A; 16], bits);
        let mut plain = record(BOF, &[0, 6, 5, 0]);
        plain.extend(fp);
        plain.extend(record(INTERFACEHDR, &[0xB0, 0x04]));
        plain.extend(record(
            BOUNDSHEET8,
            b"\x10\x20\x00\x00\x00\x00\x05\x00cards",
        ));
        // Long records, so that blocks start inside records and headers.
        for i in 0..40u8 {
            let text: Vec<u8> = (0..(300 + u32::from(i) * 13) as usize)
                .map(|k| b'0' + ((k + usize::from(i)) % 10) as u8)
                .collect();
            plain.extend(record(0x0204, &text));
        }
        plain.extend(record(BOF, &[0, 6, 0x10, 0]));
        plain.extend(record(0x000A, &[]));
        // Encrypt: every data byte after FILEPASS but the records in the
        // clear and lbPlyPos, with the keystream of its absolute offset.
        let mut enc = plain.clone();
        let mut ks = Keystream {
            key,
            block: None,
            bytes: [0; BLOCK],
        };
        let mut at = 0;
        let mut after = false;
        while at < plain.len() {
            let kind = le_u16(&plain, at).unwrap();
            let len = usize::from(le_u16(&plain, at + 2).unwrap());
            let (d, end) = (at + 4, at + 4 + len);
            if after {
                match kind {
                    BOF | INTERFACEHDR => {}
                    BOUNDSHEET8 => ks.apply(&mut enc, d + 4, end),
                    _ => ks.apply(&mut enc, d, end),
                }
            }
            after |= kind == FILEPASS;
            at = end;
        }
        (plain, enc)
    }

    #[test]
    fn the_built_in_password_is_undone_in_each_scheme() {
        for (scheme, bits, name) in [
            ("rc4", 0, "RC4"),
            ("cryptoapi", 40, "RC4 CryptoAPI"),
            ("cryptoapi", 0, "RC4 CryptoAPI"),
            ("cryptoapi", 128, "RC4 CryptoAPI"),
        ] {
            let (plain, mut book) = workbook(scheme, DEFAULT_PASSWORD, bits);
            assert_ne!(plain, book, "{scheme} {bits}: encrypted at all");
            assert_eq!(unlock(&mut book), Some(name), "{scheme} {bits}");
            assert!(plain == book, "{scheme} {bits}: decrypted whole");
        }
    }

    #[test]
    fn another_password_or_a_changed_check_is_left_alone() {
        for scheme in ["rc4", "cryptoapi"] {
            let (_, book) = workbook(scheme, "hunter2", 128);
            let mut got = book.clone();
            assert_eq!(unlock(&mut got), None, "{scheme}");
            assert!(got == book);
            // The built-in password, its encrypted hash changed by a bit.
            let (_, mut book) = workbook(scheme, DEFAULT_PASSWORD, 128);
            let fp = 8 + 4; // BOF record, FILEPASS header
            let len = usize::from(le_u16(&book, 10).unwrap());
            book[fp + len - 1] ^= 1;
            let mut got = book.clone();
            assert_eq!(unlock(&mut got), None, "{scheme}: check changed");
            assert!(got == book);
        }
    }

    #[test]
    fn xor_unknown_schemes_and_cut_records_are_left_alone() {
        let bof = record(BOF, &[0, 6, 5, 0]);
        for fp in [
            vec![0, 0, 0x12, 0x34, 0x56, 0x78],       // XOR obfuscation
            vec![1, 0, 9, 0, 9, 0],                   // unknown version
            vec![1, 0, 1, 0, 1, 0, 1, 2, 3],          // RC4 cut short
            vec![1, 0, 4, 0, 2, 0, 4, 0, 0, 0, 0xFF], // CryptoAPI cut short
            vec![],
        ] {
            let mut book = bof.clone();
            book.extend(record(FILEPASS, &fp));
            book.extend(record(0x0204, b"4111111111111111"));
            let before = book.clone();
            assert_eq!(unlock(&mut book), None, "{fp:?}");
            assert!(book == before);
        }
        // No FILEPASS; a stream cut inside a record header.
        for mut book in [bof.clone(), bof[..6].to_vec(), vec![]] {
            assert_eq!(unlock(&mut book), None);
        }
    }
}
