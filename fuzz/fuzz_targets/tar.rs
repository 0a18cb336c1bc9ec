//! Tar archives (ustar, GNU, pax, v7): each regular member through the
//! container layer.
#![no_main]

use std::io::Cursor;

use fuzz_common::{run, NAME};
use libfuzzer_sys::fuzz_target;
use pan_scan::container::archive;

fuzz_target!(|data: &[u8]| {
    run(|cx, top, sink| {
        archive::tar(cx, top, sink, NAME, 0, &mut Cursor::new(data));
    });
});
