//! 7z archives read in place: the start header, the encoded header's
//! declared size, the coders' properties, then every member through the
//! crate's decoders and back through the container sniffing.
#![no_main]

use std::io::Cursor;

use fuzz_common::{run, NAME};
use libfuzzer_sys::fuzz_target;
use pan_scan::container::sevenz;

fuzz_target!(|data: &[u8]| {
    run(|cx, top, sink| {
        sevenz::scan_seekable(cx, top, sink, NAME, 0, &mut Cursor::new(data));
    });
});
