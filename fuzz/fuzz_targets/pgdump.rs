//! pg_dump custom-format archives: header, table of contents and data
//! blocks (zlib, zstd or none), read as a restore script through the SQL
//! attributor.
#![no_main]

use std::io::Cursor;

use fuzz_common::{run, NAME};
use libfuzzer_sys::fuzz_target;
use pan_scan::container::pgdump;

fuzz_target!(|data: &[u8]| {
    run(|cx, top, sink| {
        pgdump::scan(cx, top, sink, NAME, 0, &mut Cursor::new(data));
    });
});
