//! pg_dump custom-format archives: header, table of contents and data
//! blocks (zlib, zstd or none), read as a restore script through the SQL
//! attributor; then the input as the `toc.dat` of a tar or directory
//! archive, whose data files' attributors are made.
#![no_main]

use std::io::Cursor;

use fuzz_common::{run, NAME};
use libfuzzer_sys::fuzz_target;
use pan_scan::container::pgdump;

fuzz_target!(|data: &[u8]| {
    run(|cx, top, sink| {
        pgdump::scan(cx, top, sink, NAME, 0, &mut Cursor::new(data));
    });
    if let Ok(files) = pgdump::DataFiles::read(data, 1 << 20) {
        for id in 0..64 {
            let _ = files.attributor(&format!("{id}.dat"));
        }
    }
});
