//! SQLite database files, read as the scanner reads one on disk: the file
//! (here a memfd) through `container::scan_file`, which opens it with
//! SQLite through `/proc/self/fd/N` (read-only, immutable), reads every
//! table, then scans the raw bytes. Inputs that lack the header get it,
//! so every input reaches SQLite.
#![no_main]

use fuzz_common::file;
use libfuzzer_sys::fuzz_target;
use pan_scan::structured::sqlite::MAGIC;

fuzz_target!(|data: &[u8]| {
    if data.starts_with(MAGIC) {
        file(data);
    } else {
        let mut v = MAGIC.to_vec();
        v.extend_from_slice(data);
        file(&v);
    }
});
