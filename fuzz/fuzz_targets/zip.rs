//! Zip archives: read in place from a file on disk (a memfd: the central
//! directory, members opened at their offsets, office documents
//! recognised), then as a stream too large to hold (member by member from
//! the local headers).
#![no_main]

use std::io::Cursor;

use fuzz_common::{config, file, run_cfg, NAME};
use libfuzzer_sys::fuzz_target;
use pan_scan::container::archive;

fuzz_target!(|data: &[u8]| {
    file(data);
    let mut cfg = config();
    cfg.limits.max_buffer = 0;
    run_cfg(&cfg, data.len() as u64, |cx, top, sink| {
        archive::zip_stream(cx, top, sink, NAME, 0, &mut Cursor::new(data));
    });
});
