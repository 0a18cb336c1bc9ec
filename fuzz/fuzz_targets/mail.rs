//! Mail: the input as one RFC 5322 message (headers, MIME parts decoded,
//! attachments as members), then as an mbox mailbox.
#![no_main]

use std::io::Cursor;

use fuzz_common::{run, NAME};
use libfuzzer_sys::fuzz_target;
use pan_scan::container::mail;

fuzz_target!(|data: &[u8]| {
    run(|cx, top, sink| {
        mail::scan_message_stream(cx, top, sink, NAME, 0, &mut Cursor::new(data));
    });
    run(|cx, top, sink| {
        mail::scan_mbox(cx, top, sink, NAME, 0, &mut Cursor::new(data));
    });
});
