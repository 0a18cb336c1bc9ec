//! Differential: every fast path of the trigger kernel (portable SWAR,
//! SSE2, AVX2 where the CPU has it) gives exactly the triggers and line
//! statistics of `scan_reference`, on the input at every alignment the
//! first byte picks and for a `count_end` the second byte picks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pan_scan::kernel::{implementations, scan_reference, Trigger};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let (ctl, hay) = (&data[..2], &data[2..]);
    // The same bytes at an offset 0..64 into an aligned buffer.
    let offset = usize::from(ctl[0] % 64);
    let mut padded = vec![0u8; offset + hay.len()];
    padded[offset..].copy_from_slice(hay);
    let hay = &padded[offset..];
    let count_end = if hay.is_empty() {
        0
    } else {
        usize::from(ctl[1]) * hay.len() / 255
    };
    let sentinel = Trigger { pos: 7, kinds: 0 };
    let mut want = vec![sentinel];
    let want_stats = scan_reference(hay, count_end, &mut want);
    for (name, f) in implementations().into_iter().skip(1) {
        let mut got = vec![sentinel];
        let stats = f(hay, count_end, &mut got);
        assert_eq!(got, want, "{name}: triggers differ (count_end {count_end})");
        assert_eq!(
            stats, want_stats,
            "{name}: line stats differ (count_end {count_end})"
        );
    }
});
