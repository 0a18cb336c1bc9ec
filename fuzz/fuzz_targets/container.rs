//! The container layer on raw bytes, as standard input is read: the format
//! is sniffed from the first bytes (gzip, bzip2, xz, zstd, lz4, zip, tar, PDF,
//! mail, mbox, a pg_dump archive, or plain with its SQL/CSV/JSON attributor) and opened, each
//! member in turn. Seeds of every format (scripts/fuzz.sh copies
//! testdata/) lead the fuzzer into every decoder.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fuzz_common::node(data);
});
