//! The trigger kernel: the scanner's hot loop.
//!
//! [`scan`] makes one pass over a buffer (typically 128 KiB, in L2), reports
//! *triggers* — positions where a card number may be — and counts newlines on
//! the way. Everything else (exact parsing, Luhn, ...) runs only at triggers, so
//! this pass has to run near memory bandwidth on text without digits and stay fast
//! on text full of short digit runs (timestamps, prices, IDs).
//!
//! A trigger is a digit run in one of five encodings, where `d` is an ASCII
//! digit and a pattern counts only if all its bytes are in the buffer:
//! - [`ASCII`]: the start or the end of a run of >= 4 digits that may belong to
//!   a card number (below);
//! - [`WIDE`]: `d 00 d 00 d 00 d`, not preceded by `d 00` (UTF-16LE; UTF-16BE
//!   from its odd bytes; digits separated by NULs in binary files);
//! - [`FULLWIDTH`]: two UTF-8 full-width digits `EF BC 90..=99`, not preceded by one;
//! - [`SJIS`]: two Shift_JIS full-width digits `82 4F..=58`, not preceded by one;
//! - [`EUCJP`]: two EUC-JP full-width digits `A3 B0..=B9`, not preceded by one.
//!
//! ASCII runs are filtered here, because digit-heavy text (years, IDs, counters)
//! has tens of thousands of them per MB and the slow path is costly. A card
//! number's token always contains a run of >= 4 digits that is 12 to 19
//! digits long or touches a *junction*: a mask character (`* X x #`), a
//! non-ASCII byte (`•`, `＊`, a full-width digit), or a separator (`space - +
//! %`) that leads to another group — one cell (digit or mask character) on
//! the left, three on the right (`4111 1111`, `%20`). ISO dates
//! (`2024-05-01`) and isolated IDs have none, and a run of 20 or more digits
//! holds no card number (a PAN inside a longer run is none) unless it is an
//! EMV tag 57, where a `D` follows the PAN. So a run `s..=e` of >= 4 digits
//! triggers at `s` if it has 12 to 19 digits or a junction on its left, and at
//! `e` if it has a junction on its right or has >= 12 digits and a `D` or `d`
//! after it (the detector walks back to the start of the run); see
//! [`scan_reference`] for the exact definition.
//!
//! [`scan_reference`] is that definition, byte at a time; the fast paths are
//! tested against it. They turn 64-byte blocks into `u64` bit masks (bit `j`
//! = byte `j`) with SIMD compares or table lookups and movemasks; a pattern is
//! then an AND of masks shifted by its byte offsets, where look-ahead (up to
//! 11 bytes: a 12-digit run) and look-behind (up to 3) shift in bits of the
//! neighbouring bytes.
//!
//! Every fast path works on groups of 64 blocks (4 KiB) in three passes
//! (`scan_groups`), so that the hot work has no data-dependent branches:
//!
//! 1. Summarise every block (newline mask, counted here, and the mask of
//!    bytes that may start a trigger: digit or >= 0x80); a group without such
//!    a byte (prose, runs of NULs) is done. Otherwise classify each block with
//!    a start byte, and its neighbours, into one mask per class: digit, NUL,
//!    byte >= 0x80, separator, mask character, `D`/`d`. With AVX2 one lookup by each
//!    nibble gives each byte its class bits and a shift and a movemask per
//!    class make the masks; SSE2 uses compares, the portable path SWAR on
//!    8-byte words. A block with a byte >= 0x80 also gets masks of where a
//!    full-width digit character starts (`EF BC 9x`, `82 4F..58`,
//!    `A3 B0..B9`, from loads at offsets 0, 1 and 2). After a *crowded*
//!    group (a start byte in 3 of 4 blocks: digit-rich text), the next
//!    group skips the summaries and classifies every block, with a seventh
//!    class, newline, from which it counts lines; its start masks are its
//!    digit and >= 0x80 classes.
//! 2. The ASCII and WIDE trigger logic on several blocks at once, one per
//!    64-bit lane (four with AVX2, two with SSE2, one in the portable path):
//!    a block's neighbours are the same class arrays loaded one entry
//!    earlier or later.
//! 3. In block order, for blocks with a start byte: finish the
//!    full-width triggers from the character masks of the block and its
//!    neighbours, and turn the set bits of the trigger masks into
//!    [`Trigger`]s (`trailing_zeros` loop; the first four slots are written
//!    without a branch).
//!
//! The last block of the buffer is read from a zero-padded copy (its masks
//! then cut to the buffer), blocks before and after the buffer have no
//! classes, so no load leaves the buffer and nothing outside it matches.
//!
//! Dispatch: on x86_64, AVX2 (with BMI1/2, LZCNT, POPCNT) if the CPU has it,
//! detected once and cached, else SSE2; elsewhere the portable path.

use std::sync::OnceLock;

// Trigger kinds (bit flags; one position may carry several).
/// Start or end of a run of >= 4 ASCII digits that may belong to a card
/// number: the start if the run has 12 to 19 digits or a junction (mask
/// character, byte >= 0x80, or separator after a cell) on its left, the end if
/// it has a junction (mask character, byte >= 0x80, or separator before three
/// cells) on its right, or >= 12 digits and a `D`/`d` after it (EMV tag 57).
/// Short isolated runs (years, IDs, `2024-05-01`) and isolated runs of 20 or
/// more digits never trigger. The detector walks back from the end to the
/// start of the run.
pub const ASCII: u8 = 1;
/// Start of >= 4 digits each followed by a NUL: UTF-16LE/BE text or NUL-separated digits.
pub const WIDE: u8 = 2;
/// Start of >= 2 consecutive UTF-8 full-width digits (U+FF10..U+FF19 = EF BC 90..99).
pub const FULLWIDTH: u8 = 4;
/// Start of >= 2 consecutive Shift_JIS full-width digits (82 4F..82 58).
pub const SJIS: u8 = 8;
/// Start of >= 2 consecutive EUC-JP full-width digits (A3 B0..A3 B9).
pub const EUCJP: u8 = 16;

/// A position where a card number may be, and its kinds (bit flags above).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trigger {
    pub pos: u32,
    pub kinds: u8,
}

/// Newlines in `hay[..count_end]`: how many, and the index of the last one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineStats {
    pub newlines: u64,
    pub last_newline: Option<usize>,
}

/// The signature shared by [`scan`], [`scan_reference`] and every fast path.
pub type ScanFn = fn(&[u8], usize, &mut Vec<Trigger>) -> LineStats;

/// Appends to `out` (does not clear it) every trigger in `hay`, in ascending `pos` order,
/// one entry per position (kinds OR-ed together). Returns the number of b'\n' bytes in
/// `hay[..count_end]` and the index of the last b'\n' in `hay[..count_end]`.
/// Panics if count_end > hay.len(). hay.len() < 2^32.
pub fn scan(hay: &[u8], count_end: usize, out: &mut Vec<Trigger>) -> LineStats {
    static BEST: OnceLock<ScanFn> = OnceLock::new();
    let best = BEST.get_or_init(|| implementations().last().expect("reference").1);
    best(hay, count_end, out)
}

/// The reference plus every fast path this CPU can run, slowest first; [`scan`]
/// uses the last one. For tests and benchmarks.
#[doc(hidden)]
pub fn implementations() -> Vec<(&'static str, ScanFn)> {
    let mut v: Vec<(&'static str, ScanFn)> =
        vec![("reference", scan_reference), ("portable", scan_portable)];
    #[cfg(target_arch = "x86_64")]
    {
        v.push(("sse2", scan_sse2));
        if avx2_detected() {
            v.push(("avx2", scan_avx2));
        }
    }
    v
}

fn check_args(hay: &[u8], count_end: usize) {
    assert!(
        count_end <= hay.len(),
        "count_end {count_end} > len {}",
        hay.len()
    );
    assert!(hay.len() <= u32::MAX as usize, "buffer too large");
}

/// The simple byte-at-a-time definition that the fast paths are tested against.
pub fn scan_reference(hay: &[u8], count_end: usize, out: &mut Vec<Trigger>) -> LineStats {
    check_args(hay, count_end);
    // Indices before 0 wrap around to huge ones, which are out of range too.
    let at = |i: usize, lo: u8, hi: u8| hay.get(i).is_some_and(|&b| lo <= b && b <= hi);
    let digit = |i: usize| matches!(hay.get(i), Some(b'0'..=b'9'));
    // ASCII junctions.
    let mask = |i: usize| matches!(hay.get(i), Some(b'*' | b'X' | b'x' | b'#'));
    let cell = |i: usize| digit(i) || mask(i);
    let sep = |i: usize| matches!(hay.get(i), Some(b' ' | b'-' | b'+' | b'%'));
    let high = |i: usize| matches!(hay.get(i), Some(0x80..=0xFF));
    let digits = |from: usize, n: usize| (0..n).all(|k| digit(from.wrapping_add(k)));
    // One character of each encoding, starting at `i`.
    let wide = |i: usize| digit(i) && at(i + 1, 0, 0);
    let fullwidth = |i: usize| at(i, 0xEF, 0xEF) && at(i + 1, 0xBC, 0xBC) && at(i + 2, 0x90, 0x99);
    let sjis = |i: usize| at(i, 0x82, 0x82) && at(i + 1, 0x4F, 0x58);
    let eucjp = |i: usize| at(i, 0xA3, 0xA3) && at(i + 1, 0xB0, 0xB9);
    for (i, &b) in hay.iter().enumerate() {
        if !(b.is_ascii_digit() || b >= 0x80) {
            continue; // every pattern starts with one of these
        }
        let mut kinds = 0;
        let (prev, prev2) = (i.wrapping_sub(1), i.wrapping_sub(2));
        // The start `i` of a run of >= 4 digits: 12 to 19 digits or a left junction.
        if !digit(prev) && digits(i, 4) {
            let left = mask(prev) || high(prev) || (sep(prev) && cell(prev2));
            if (digits(i, 12) && !digits(i, 20)) || left {
                kinds |= ASCII;
            }
        }
        // The end `i` of a run of >= 4 digits: a right junction, or a `D`
        // after >= 12 digits (an EMV tag 57).
        if !digit(i + 1) && digits(i.wrapping_sub(3), 4) {
            let group = cell(i + 2) && cell(i + 3) && cell(i + 4);
            let emv = matches!(hay.get(i + 1), Some(b'D' | b'd')) && digits(i.wrapping_sub(11), 12);
            if mask(i + 1) || high(i + 1) || (sep(i + 1) && group) || emv {
                kinds |= ASCII;
            }
        }
        if wide(i) && wide(i + 2) && wide(i + 4) && digit(i + 6) && !(i >= 2 && wide(i - 2)) {
            kinds |= WIDE;
        }
        if fullwidth(i) && fullwidth(i + 3) && !(i >= 3 && fullwidth(i - 3)) {
            kinds |= FULLWIDTH;
        }
        if sjis(i) && sjis(i + 2) && !(i >= 2 && sjis(i - 2)) {
            kinds |= SJIS;
        }
        if eucjp(i) && eucjp(i + 2) && !(i >= 2 && eucjp(i - 2)) {
            kinds |= EUCJP;
        }
        if kinds != 0 {
            out.push(Trigger {
                pos: i as u32,
                kinds,
            });
        }
    }
    let counted = &hay[..count_end];
    LineStats {
        newlines: counted.iter().filter(|&&b| b == b'\n').count() as u64,
        last_newline: counted.iter().rposition(|&b| b == b'\n'),
    }
}

/// A classifier of `WIDTH`-byte vectors; masks come back in the low `WIDTH` bits.
/// Its methods, and every `unsafe fn` below generic over `B: Backend`, require
/// that the CPU supports the backend's instructions.
trait Backend: Sized {
    const WIDTH: usize;
    /// `[newline, digit | >= 0x80]` masks of `v[..WIDTH]`: all that a
    /// block without triggers needs.
    unsafe fn summary(v: &[u8]) -> [u64; 2];
    /// `[digit, zero, high, newline]` masks of `v[..WIDTH]`.
    unsafe fn masks(v: &[u8]) -> [u64; 4];
    /// `[separator, mask character, D]` masks of `v[..WIDTH]`: `space - + %`,
    /// `* X x #` and `D d`.
    unsafe fn junctions(v: &[u8]) -> [u64; 3];
    /// Where one full-width digit character starts in `v[..WIDTH]`, for
    /// `[EF BC 90..=99, 82 4F..=58, A3 B0..=B9]`; looks at `v[..WIDTH + 2]`.
    unsafe fn chars(v: &[u8]) -> [u64; 3];

    /// `[digit, NUL, >= 0x80, separator, mask character, D, newline]` masks
    /// of `v[..WIDTH]` (the order of [`Classes`]).
    #[inline(always)]
    unsafe fn classes(v: &[u8]) -> Classes {
        // SAFETY: guaranteed by the caller.
        unsafe {
            let [digit, nul, high, newline] = Self::masks(v);
            let [sep, mask, d_letter] = Self::junctions(v);
            [digit, nul, high, sep, mask, d_letter, newline]
        }
    }

    /// The [`Classes`] of a 64-byte block.
    #[inline(always)]
    unsafe fn block(bytes: &[u8; 64]) -> Classes {
        // SAFETY: guaranteed by the caller.
        unsafe { gather::<Self, CLASSES>(bytes, 64, Self::classes) }
    }
}

type Classify<const N: usize> = unsafe fn(&[u8]) -> [u64; N];

/// `classify` (a `B` method) of `bytes[..len]`, `len` being a multiple of
/// `B::WIDTH` up to 64.
#[inline(always)]
unsafe fn gather<B: Backend, const N: usize>(
    bytes: &[u8],
    len: usize,
    classify: Classify<N>,
) -> [u64; N] {
    let (mut m, mut at) = ([0; N], 0);
    while at < len {
        // SAFETY: guaranteed by the caller.
        let c = unsafe { classify(&bytes[at..]) };
        for i in 0..N {
            m[i] |= c[i] << at;
        }
        at += B::WIDTH;
    }
    m
}

/// Bit `i` of the result is bit `i + n` of the 128-bit value `next:cur` (0 < n < 64).
#[inline(always)]
fn ahead(cur: u64, next: u64, n: u32) -> u64 {
    (cur >> n) | (next << (64 - n))
}

/// Bit `i` of the result is bit `i - n` of the 128-bit value `cur:prev` (0 < n < 64).
#[inline(always)]
fn behind(cur: u64, prev: u64, n: u32) -> u64 {
    (cur << n) | (prev >> (64 - n))
}

/// Appends a trigger for every set bit of `ascii | wide | chars[..]`.
#[inline(always)]
fn emit(out: &mut Vec<Trigger>, base: usize, ascii: u64, wide: u64, chars: [u64; 3]) {
    let [fw, sjis, euc] = chars;
    let any = ascii | wide | fw | sjis | euc;
    // Usually all triggers of a block are of one kind.
    let single = match any {
        _ if any == ascii => ASCII,
        _ if any == wide => WIDE,
        _ if any == fw => FULLWIDTH,
        _ if any == sjis => SJIS,
        _ if any == euc => EUCJP,
        _ => 0,
    };
    if single != 0 {
        push_bits(out, base, any, |_| single);
    } else {
        push_bits(out, base, any, |j| {
            let kind = |mask: u64, kind: u8| ((mask >> j) & 1) as u8 * kind;
            kind(ascii, ASCII)
                | kind(wide, WIDE)
                | kind(fw, FULLWIDTH)
                | kind(sjis, SJIS)
                | kind(euc, EUCJP)
        });
    }
}

/// Appends a trigger at `base + j` for every set bit `j` of `bits`.
#[inline(always)]
fn push_bits(out: &mut Vec<Trigger>, base: usize, bits: u64, kinds: impl Fn(u32) -> u8) {
    let trigger = |bits: u64| {
        let j = bits.trailing_zeros() & 63; // 64 (no bit left): an unused slot
        let pos = (base as u32).wrapping_add(j);
        Trigger {
            pos,
            kinds: kinds(j),
        }
    };
    out.reserve(64);
    let len = out.len();
    let spare = &mut out.spare_capacity_mut()[..64];
    // The first four slots are written unconditionally: a data-dependent loop
    // exit would cost a branch miss in most blocks of digit-rich text.
    let n = bits.count_ones() as usize;
    let mut bits = bits;
    for slot in &mut spare[..4] {
        slot.write(trigger(bits));
        bits &= bits.wrapping_sub(1);
    }
    for slot in spare.iter_mut().take(n).skip(4) {
        slot.write(trigger(bits));
        bits &= bits - 1;
    }
    // SAFETY: the `n` slots after `len` were initialised above.
    unsafe { out.set_len(len + n) };
}

/// The byte classes of one 64-byte block as bit masks (bit `j` = byte `j`):
/// `[digit, NUL, >= 0x80, separator, mask character, D or d, newline]`.
/// The newline mask is read when the block's summary was not made (a
/// group after a crowded one, see [`scan_groups`]).
type Classes = [u64; CLASSES];
const CLASSES: usize = 7;
const DIGIT: usize = 0;
const NUL: usize = 1;
const HIGH: usize = 2;
const SEP: usize = 3;
const MASK: usize = 4;
/// `D` or `d`, which ends the PAN of an EMV tag 57 (`…1111D2403…`).
const LETTER_D: usize = 5;
const NEWLINE: usize = 6;

/// The [`Classes`] of block `k` of `hay`: none for a block past its end.
#[inline(always)]
unsafe fn classes_of<B: Backend>(hay: &[u8], k: usize) -> Classes {
    let at = k * 64;
    // SAFETY (both): guaranteed by the caller.
    if let Some(bytes) = hay.get(at..at + 64) {
        return unsafe { B::block(bytes.try_into().unwrap()) };
    }
    if at >= hay.len() {
        return [0; CLASSES];
    }
    // The last block, short: padded with NULs, which are then masked off.
    let mut padded = [0u8; 64];
    let valid = hay.len() - at; // 1..=63
    padded[..valid].copy_from_slice(&hay[at..]);
    let keep = (1u64 << valid) - 1;
    unsafe { B::block(&padded) }.map(|m| m & keep)
}

/// `Backend::summary` of block `k` of `hay`: none for a block past its end.
#[inline(always)]
unsafe fn summary_of<B: Backend>(hay: &[u8], k: usize) -> [u64; 2] {
    let at = k * 64;
    // SAFETY (both): guaranteed by the caller.
    if let Some(bytes) = hay.get(at..at + 64) {
        return unsafe { gather::<B, 2>(bytes, 64, B::summary) };
    }
    if at >= hay.len() {
        return [0; 2];
    }
    let mut padded = [0u8; 64];
    let valid = hay.len() - at; // 1..=63
    padded[..valid].copy_from_slice(&hay[at..]);
    unsafe { gather::<B, 2>(&padded, 64, B::summary) } // a NUL is neither
}

/// Where full-width digit characters start in block `k` of `hay`
/// (`Backend::chars` of its 64 bytes): none past the end of `hay`.
#[inline(always)]
unsafe fn chars_of<B: Backend>(hay: &[u8], k: usize) -> [u64; 3] {
    let at = k * 64;
    // SAFETY (both): guaranteed by the caller.
    if let Some(bytes) = hay.get(at..at + 66) {
        return unsafe { gather::<B, 3>(bytes, 64, B::chars) };
    }
    // Near the end: padded with NULs, which end every character.
    let mut padded = [0u8; 66];
    let rest = hay.get(at..).unwrap_or_default();
    padded[..rest.len()].copy_from_slice(rest);
    unsafe { gather::<B, 3>(&padded, 64, B::chars) }
}

/// Newline counts carried from block to block.
#[derive(Default)]
struct Lines {
    count: u64,
    last_mask: u64,
    last_base: usize,
}

/// 64-bit lanes, one block per lane: the trigger logic runs on `N` blocks
/// per instruction. Methods require that the CPU supports the type's
/// instructions (like [`Backend`]'s).
trait Lanes: Copy {
    const N: usize;
    /// `v[..N]`.
    unsafe fn load(v: &[u64]) -> Self;
    /// Into `out[..N]`.
    unsafe fn store(self, out: &mut [u64]);
    unsafe fn and(self, o: Self) -> Self;
    unsafe fn or(self, o: Self) -> Self;
    /// `!self & o`.
    unsafe fn andnot(self, o: Self) -> Self;
    /// Each lane shifted right (towards bit 0) by `n` (0 < n < 64).
    unsafe fn shr(self, n: i32) -> Self;
    /// Each lane shifted left by `n` (0 < n < 64).
    unsafe fn shl(self, n: i32) -> Self;
    /// Whether every lane is 0.
    unsafe fn is_zero(self) -> bool;
}

impl Lanes for u64 {
    const N: usize = 1;
    #[inline(always)]
    unsafe fn load(v: &[u64]) -> Self {
        v[0]
    }
    #[inline(always)]
    unsafe fn store(self, out: &mut [u64]) {
        out[0] = self;
    }
    #[inline(always)]
    unsafe fn and(self, o: Self) -> Self {
        self & o
    }
    #[inline(always)]
    unsafe fn or(self, o: Self) -> Self {
        self | o
    }
    #[inline(always)]
    unsafe fn andnot(self, o: Self) -> Self {
        !self & o
    }
    #[inline(always)]
    unsafe fn shr(self, n: i32) -> Self {
        self >> n
    }
    #[inline(always)]
    unsafe fn shl(self, n: i32) -> Self {
        self << n
    }
    #[inline(always)]
    unsafe fn is_zero(self) -> bool {
        self == 0
    }
}

/// Blocks per group: the group's arrays (classes, characters, start bytes,
/// triggers: under 8 KiB) stay in L1. A multiple of every `Lanes::N`.
const GROUP: usize = 64;

/// The class arrays of a group: `[c][i]` is class `c` of block `g + i - 1`
/// (0 before the buffer and past its end; left from an earlier block for a
/// block that was not classified, see pass 1); entries up to `GROUP + 4`
/// are read by the last lanes.
type ClassArrays = [[u64; GROUP + 5]; CLASSES];

/// The block loop of every fast path, in three passes over each group of
/// [`GROUP`] blocks (see the module documentation): summarise every block
/// (counting newlines) and classify the blocks with start bytes and their
/// neighbours into arrays of masks (after a crowded group: classify every
/// block, counting newlines from its classes); run the ASCII and WIDE trigger logic
/// ([`lanes`]) on `L::N` blocks at once; then, in block order, finish the
/// full-width triggers and emit.
#[inline(always)]
unsafe fn scan_groups<B: Backend, L: Lanes>(
    hay: &[u8],
    count_end: usize,
    out: &mut Vec<Trigger>,
) -> LineStats {
    const { assert!(GROUP.is_multiple_of(L::N) && L::N <= 4) };
    check_args(hay, count_end);
    let count = hay.len().div_ceil(64);
    let mut cls: ClassArrays = [[0; GROUP + 5]; CLASSES];
    // chars[t][i]: where full-width digits of type t (`chars_of`) start in
    // block `g + i - 1`; computed only for blocks with a byte >= 0x80.
    let mut chars = [[0u64; GROUP + 2]; 3];
    let (mut ascii, mut wide) = ([0u64; GROUP], [0u64; GROUP]);
    // start[i]: where bytes that may start a trigger (digit, >= 0x80) are
    // in block `g + i - 1`, from `Backend::summary` or (after a crowded
    // group) from the block's classes.
    let mut start = [0u64; GROUP + 2];
    let mut lines = Lines::default();
    // SAFETY (all `unsafe` calls): the caller guarantees the CPU supports
    // `B` and `L`.
    // Newlines are counted where a block's summary is made: block 0 here,
    // the others in pass 1.
    let mut count_newlines = |nl: u64, k: usize| {
        let base = k * 64;
        let mut nl = nl;
        if base + 64 > count_end {
            nl &= (1u64 << count_end.saturating_sub(base).min(63)) - 1;
        }
        lines.count += u64::from(nl.count_ones());
        if nl != 0 {
            (lines.last_mask, lines.last_base) = (nl, base);
        }
    };
    if count > 0 {
        let [nl, summary] = unsafe { summary_of::<B>(hay, 0) };
        count_newlines(nl, 0);
        start[1] = summary;
        unsafe { classify::<B>(hay, 0, &mut cls, &mut chars, 1) };
    }
    // Whether the last group had start bytes in most blocks: the next one
    // probably has too, and is classified whole without summaries.
    let mut crowded = false;
    let mut g = 0;
    while g < count {
        let m = GROUP.min(count - g);
        // Pass 1: the group's blocks after the first (carried) and the
        // block after the group. In a group after a crowded one (digit-rich
        // text), all classes of every block, newlines and start bytes
        // taken from them. Otherwise the newline and start masks of each
        // block first; then all classes of a block with a start byte or
        // next to one (its separators, mask characters and `D`s may be a
        // neighbour's junction), and of the block after the group (its own
        // neighbour after it is not known yet). Other blocks (prose, runs
        // of NULs) cost only the summary: their other classes are left as
        // they were, and only the triggers of blocks with a start byte are
        // kept (pass 3), whose neighbours are all classified.
        let mut any = start[1];
        let mut starts = 0;
        if crowded {
            for i in 2..=m + 1 {
                unsafe { classify::<B>(hay, g + i - 1, &mut cls, &mut chars, i) };
                count_newlines(cls[NEWLINE][i], g + i - 1);
                start[i] = cls[DIGIT][i] | cls[HIGH][i];
                any |= start[i];
                starts += usize::from(start[i] != 0);
            }
        } else {
            for (i, st) in start.iter_mut().enumerate().take(m + 2).skip(2) {
                let [nl, summary] = unsafe { summary_of::<B>(hay, g + i - 1) };
                count_newlines(nl, g + i - 1);
                *st = summary;
                any |= summary;
                starts += usize::from(summary != 0);
            }
            // A group without start bytes (prose) is done once the block
            // after it is classified.
            for i in 2..=m + 1 {
                if i == m + 1 || (any != 0 && (start[i - 1] | start[i] | start[i + 1]) != 0) {
                    unsafe { classify::<B>(hay, g + i - 1, &mut cls, &mut chars, i) };
                }
            }
        }
        crowded = starts * 4 >= m * 3;
        let dense = any != 0;
        for class in &mut cls {
            class[m + 2..].fill(0);
        }
        if dense {
            // Pass 2: `L::N` blocks per step.
            let mut i = 1;
            while i <= m {
                // i - 1 + L::N <= GROUP: m <= GROUP, a multiple of L::N.
                if start[i..i + L::N].iter().all(|&d| d == 0) {
                    // No digit: no ASCII or WIDE trigger.
                    ascii[i - 1..i - 1 + L::N].fill(0);
                    wide[i - 1..i - 1 + L::N].fill(0);
                } else {
                    let (a, w) = unsafe { lanes::<L>(&cls, i) };
                    unsafe {
                        a.store(&mut ascii[i - 1..]);
                        w.store(&mut wide[i - 1..]);
                    }
                }
                i += L::N;
            }
            // Pass 3: triggers, in order.
            for i in 1..=m {
                let base = (g + i - 1) * 64;
                if start[i] == 0 {
                    continue;
                }
                // A character followed by another and not preceded by one.
                let mut t = [0; 3];
                if cls[HIGH][i] != 0 {
                    for (x, n) in [3, 2, 2].into_iter().enumerate() {
                        let [cp, c, cn] = [chars[x][i - 1], chars[x][i], chars[x][i + 1]];
                        t[x] = c & ahead(c, cn, n) & !behind(c, cp, n);
                    }
                }
                let (a, w) = (ascii[i - 1], wide[i - 1]);
                if (a | w | t[0] | t[1] | t[2]) != 0 {
                    emit(out, base, a, w, t);
                }
            }
        }
        for class in &mut cls {
            (class[0], class[1]) = (class[m], class[m + 1]);
        }
        for ty in &mut chars {
            (ty[0], ty[1]) = (ty[m], ty[m + 1]);
        }
        (start[0], start[1]) = (start[m], start[m + 1]);
        g += m;
    }
    LineStats {
        newlines: lines.count,
        last_newline: (lines.last_mask != 0)
            .then(|| lines.last_base + 63 - lines.last_mask.leading_zeros() as usize),
    }
}

/// Pass 1 of [`scan_groups`] for block `k`: its classes into entry `i` of
/// `cls` and, if it has a byte >= 0x80, its character masks into `chars`.
#[inline(always)]
unsafe fn classify<B: Backend>(
    hay: &[u8],
    k: usize,
    cls: &mut ClassArrays,
    chars: &mut [[u64; GROUP + 2]; 3],
    i: usize,
) {
    // SAFETY (both): guaranteed by the caller.
    let c = unsafe { classes_of::<B>(hay, k) };
    for (class, m) in cls.iter_mut().zip(c) {
        class[i] = m;
    }
    let t = if c[HIGH] != 0 {
        unsafe { chars_of::<B>(hay, k) }
    } else {
        [0; 3]
    };
    for (ty, m) in chars.iter_mut().zip(t) {
        ty[i] = m;
    }
}

/// Bit `j` of each lane is bit `j + n` of `next:cur` (0 < n < 64).
macro_rules! ahead {
    ($cur:expr, $next:expr, $n:literal) => {
        $cur.shr($n).or($next.shl(64 - $n))
    };
}
/// Bit `j` of each lane is bit `j - n` of `cur:prev` (0 < n < 64).
macro_rules! behind {
    ($cur:expr, $prev:expr, $n:literal) => {
        $cur.shl($n).or($prev.shr(64 - $n))
    };
}

/// The ASCII and WIDE trigger masks of blocks `i..i + L::N` of `cls`, one
/// per lane (`i >= 1`). A pattern is an AND of masks shifted by its byte
/// offsets; look-ahead (up to 11 bytes: a 12-digit run) and look-behind (up
/// to 3) shift in bits of the neighbouring blocks, which are the same
/// arrays loaded one entry earlier or later.
#[inline(always)]
unsafe fn lanes<L: Lanes>(cls: &ClassArrays, i: usize) -> (L, L) {
    // SAFETY (all): guaranteed by the caller; `at` reads entries up to
    // i + 1 + L::N <= GROUP + 5.
    unsafe {
        let at = |c: usize, from: usize| L::load(&cls[c][from..]);
        let (d, dp, dn) = (at(DIGIT, i), at(DIGIT, i - 1), at(DIGIT, i + 1));
        let d1 = ahead!(d, dn, 1);
        let four = d.and(d1).and(ahead!(d, dn, 2)).and(ahead!(d, dn, 3));
        // Where runs of >= 4 digits start and end.
        let p1 = behind!(d, dp, 1);
        let start = p1.andnot(four);
        let p23 = behind!(d, dp, 2).and(behind!(d, dp, 3));
        let end = d1.andnot(d.and(p1).and(p23));
        // Junction bytes on their own (mask character or >= 0x80), and cells.
        let (mk, mkp, mkn) = (at(MASK, i), at(MASK, i - 1), at(MASK, i + 1));
        let (j, jp, jn) = (
            mk.or(at(HIGH, i)),
            mkp.or(at(HIGH, i - 1)),
            mkn.or(at(HIGH, i + 1)),
        );
        let (c, cp, cn) = (d.or(mk), dp.or(mkp), dn.or(mkn));
        let (sep, sepp, sepn) = (at(SEP, i), at(SEP, i - 1), at(SEP, i + 1));
        let left = behind!(j, jp, 1).or(behind!(sep, sepp, 1).and(behind!(c, cp, 2)));
        let group = ahead!(c, cn, 2).and(ahead!(c, cn, 3)).and(ahead!(c, cn, 4));
        let right = ahead!(j, jn, 1).or(ahead!(sep, sepn, 1).and(group));
        // 12 to 19 digits: 4 here, 4 at +4 and 4 at +8, not 4 more at +12
        // and +16 (`four_n`: where 4 digits start in the next block, good
        // for its first 16 bytes).
        let four_n = dn.and(dn.shr(1)).and(dn.shr(2)).and(dn.shr(3));
        let long = ahead!(four, four_n, 4).and(ahead!(four, four_n, 8));
        let twenty = long
            .and(ahead!(four, four_n, 12))
            .and(ahead!(four, four_n, 16));
        // An EMV tag 57: 12 digits (4 ending here, 4 at -4, 4 at -8) and a `D`.
        let back = d.and(p1).and(p23);
        let back_p = dp.and(dp.shl(1)).and(dp.shl(2)).and(dp.shl(3));
        let (dl, dl_n) = (at(LETTER_D, i), at(LETTER_D, i + 1));
        let emv = ahead!(dl, dl_n, 1)
            .and(behind!(back, back_p, 4))
            .and(behind!(back, back_p, 8));
        let ascii = start
            .and(twenty.andnot(long).or(left))
            .or(end.and(right.or(emv)));
        // UTF-16 or NUL-separated digits: `d 00 d 00 d 00 d`, not preceded by
        // `d 00`; none without a NUL in the lanes' blocks or the next ones
        // (text: the common case, decided by one test).
        let (z, zn) = (at(NUL, i), at(NUL, i + 1));
        if z.or(zn).is_zero() {
            return (ascii, z);
        }
        let zp = at(NUL, i - 1);
        let unit = d.and(ahead!(z, zn, 1));
        let prev_unit = behind!(d, dp, 2).and(behind!(z, zp, 1));
        let wide = unit.and(ahead!(d, dn, 2)).and(ahead!(z, zn, 3));
        let wide = wide
            .and(ahead!(d, dn, 4))
            .and(ahead!(z, zn, 5))
            .and(ahead!(d, dn, 6));
        (ascii, prev_unit.andnot(wide))
    }
}

/// SWAR classifier on 8-byte words: the fast path on targets without a SIMD
/// backend. Byte tests leave 0x80 in the matching bytes of a word.
struct Portable;

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

impl Portable {
    fn word(v: &[u8]) -> u64 {
        u64::from_le_bytes(v[..8].try_into().unwrap())
    }

    fn eq(x: u64, byte: u8) -> u64 {
        let t = x ^ (LO * u64::from(byte));
        !(((t & !HI) + !HI) | t) & HI // no carry leaves a byte
    }

    /// Bytes in `lo..=lo + 9` (`lo & 0x7F <= 0x76`).
    fn range10(x: u64, lo: u8) -> u64 {
        // Bytes whose low 7 bits are >= v (v <= 0x80).
        let ge = |v: u8| ((x & !HI) + LO * u64::from(0x80 - v)) & HI;
        let low = ge(lo & 0x7F) & !ge((lo & 0x7F) + 10);
        low & if lo >= 0x80 { x } else { !x }
    }

    /// Bit `i` = the top bit of byte `i`.
    fn bits(m: u64) -> u64 {
        ((m & HI) >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
    }
}

impl Backend for Portable {
    const WIDTH: usize = 8;
    unsafe fn summary(v: &[u8]) -> [u64; 2] {
        let x = Self::word(v);
        let start = Self::range10(x, b'0') | x;
        [Self::bits(Self::eq(x, b'\n')), Self::bits(start)]
    }
    unsafe fn masks(v: &[u8]) -> [u64; 4] {
        let x = Self::word(v);
        let digit = Self::bits(Self::range10(x, b'0'));
        let newline = Self::bits(Self::eq(x, b'\n'));
        [digit, Self::bits(Self::eq(x, 0)), Self::bits(x), newline]
    }
    unsafe fn junctions(v: &[u8]) -> [u64; 3] {
        let x = Self::word(v);
        let any = |set: &[u8]| set.iter().fold(0, |m, &b| m | Self::eq(x, b));
        [
            Self::bits(any(b" -+%")),
            Self::bits(any(b"*Xx#")),
            Self::bits(any(b"Dd")),
        ]
    }
    unsafe fn chars(v: &[u8]) -> [u64; 3] {
        let (x0, x1, x2) = (Self::word(v), Self::word(&v[1..]), Self::word(&v[2..]));
        let fw = Self::eq(x0, 0xEF) & Self::eq(x1, 0xBC) & Self::range10(x2, 0x90);
        let sjis = Self::eq(x0, 0x82) & Self::range10(x1, 0x4F);
        let euc = Self::eq(x0, 0xA3) & Self::range10(x1, 0xB0);
        [Self::bits(fw), Self::bits(sjis), Self::bits(euc)]
    }
}

fn scan_portable(hay: &[u8], count_end: usize, out: &mut Vec<Trigger>) -> LineStats {
    // SAFETY: `Portable` uses no special instructions.
    unsafe { scan_groups::<Portable, u64>(hay, count_end, out) }
}

#[cfg(target_arch = "x86_64")]
fn scan_sse2(hay: &[u8], count_end: usize, out: &mut Vec<Trigger>) -> LineStats {
    // SAFETY: SSE2 is part of the x86_64 baseline.
    unsafe { scan_groups::<x86::Sse2, std::arch::x86_64::__m128i>(hay, count_end, out) }
}

/// AVX2 and the bit-manipulation extensions that every AVX2 CPU has.
#[cfg(target_arch = "x86_64")]
fn avx2_detected() -> bool {
    is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("bmi1")
        && is_x86_feature_detected!("bmi2")
        && is_x86_feature_detected!("lzcnt")
        && is_x86_feature_detected!("popcnt")
}

#[cfg(target_arch = "x86_64")]
fn scan_avx2(hay: &[u8], count_end: usize, out: &mut Vec<Trigger>) -> LineStats {
    assert!(avx2_detected());
    // SAFETY: the CPU has the features (checked just above; std caches the detection).
    unsafe { x86::scan_avx2(hay, count_end, out) }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{Backend, Lanes, LineStats, Trigger};
    use std::arch::x86_64::*;

    /// # Safety
    /// The CPU supports AVX2, BMI1, BMI2, LZCNT and POPCNT.
    #[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt")]
    pub unsafe fn scan_avx2(hay: &[u8], count_end: usize, out: &mut Vec<Trigger>) -> LineStats {
        // SAFETY: the caller guarantees the features. The helpers are
        // `#[inline(always)]`, so they and the intrinsics inline into this
        // function and get compiled for AVX2.
        unsafe { super::scan_groups::<Avx2, __m256i>(hay, count_end, out) }
    }

    /// Defines [`Lanes`] on a vector type from its load / store / and / or /
    /// andnot and 64-bit shift intrinsics, and an expression `$is_zero` of
    /// `$v` that says whether every lane of it is 0.
    macro_rules! lanes {
        ($vec:ty, $n:literal, $feature:literal, $load:ident, $store:ident, $and:ident,
         $or:ident, $andnot:ident, $srl:ident, $sll:ident, |$v:ident| $is_zero:expr) => {
            // SAFETY (all): the caller guarantees `$feature`; loads and
            // stores are bounds-checked slices of `$n` u64s.
            impl Lanes for $vec {
                const N: usize = $n;
                #[inline(always)]
                unsafe fn load(v: &[u64]) -> Self {
                    unsafe { $load(v[..$n].as_ptr().cast()) }
                }
                #[inline(always)]
                unsafe fn store(self, out: &mut [u64]) {
                    unsafe { $store(out[..$n].as_mut_ptr().cast(), self) }
                }
                #[inline(always)]
                unsafe fn and(self, o: Self) -> Self {
                    unsafe { $and(self, o) }
                }
                #[inline(always)]
                unsafe fn or(self, o: Self) -> Self {
                    unsafe { $or(self, o) }
                }
                #[inline(always)]
                unsafe fn andnot(self, o: Self) -> Self {
                    unsafe { $andnot(self, o) }
                }
                #[inline(always)]
                unsafe fn shr(self, n: i32) -> Self {
                    unsafe { $srl(self, _mm_cvtsi32_si128(n)) }
                }
                #[inline(always)]
                unsafe fn shl(self, n: i32) -> Self {
                    unsafe { $sll(self, _mm_cvtsi32_si128(n)) }
                }
                #[inline(always)]
                unsafe fn is_zero(self) -> bool {
                    let $v = self;
                    unsafe { $is_zero }
                }
            }
        };
    }
    #[rustfmt::skip]
    lanes!(__m256i, 4, "avx2", _mm256_loadu_si256, _mm256_storeu_si256, _mm256_and_si256,
        _mm256_or_si256, _mm256_andnot_si256, _mm256_srl_epi64, _mm256_sll_epi64,
        |v| _mm256_testz_si256(v, v) != 0);
    #[rustfmt::skip]
    lanes!(__m128i, 2, "sse2", _mm_loadu_si128, _mm_storeu_si128, _mm_and_si128,
        _mm_or_si128, _mm_andnot_si128, _mm_srl_epi64, _mm_sll_epi64,
        |v| _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128())) == 0xFFFF);

    /// Defines a [`Backend`] on `$width`-byte vectors from the load / set1 /
    /// cmpeq / cmpgt / add / and / or / movemask intrinsics of one instruction set.
    macro_rules! simd_backend {
        ($name:ident, $feature:literal, $vec:ty, $width:literal, $load:ident, $set1:ident,
         $cmpeq:ident, $cmpgt:ident, $add:ident, $and:ident, $or:ident, $movemask:ident
         $(, $extra:item)*) => {
            pub struct $name;

            impl $name {
                #[target_feature(enable = $feature)]
                #[inline]
                unsafe fn load(v: &[u8]) -> $vec {
                    let v = &v[..$width];
                    // SAFETY: `v` has `$width` bytes; no alignment is required.
                    unsafe { $load(v.as_ptr().cast()) }
                }

                /// The top bit of each byte.
                #[target_feature(enable = $feature)]
                #[inline]
                unsafe fn bits(v: $vec) -> u64 {
                    u64::from($movemask(v) as u32)
                }

                #[target_feature(enable = $feature)]
                #[inline]
                unsafe fn eq(v: $vec, byte: u8) -> $vec {
                    $cmpeq(v, $set1(byte as i8))
                }

                /// `Backend::masks` of `v`.
                #[target_feature(enable = $feature)]
                #[inline]
                unsafe fn masks_of(v: $vec) -> [u64; 4] {
                    // SAFETY: guaranteed by the caller.
                    unsafe {
                        let digit = Self::bits(Self::range10(v, b'0'));
                        let newline = Self::bits(Self::eq(v, b'\n'));
                        [digit, Self::bits(Self::eq(v, 0)), Self::bits(v), newline]
                    }
                }

                /// Bytes in `lo..=lo + 9`: shift `lo` to -128, then signed `< -118`.
                #[target_feature(enable = $feature)]
                #[inline]
                unsafe fn range10(v: $vec, lo: u8) -> $vec {
                    $cmpgt($set1(-118), $add(v, $set1(0x80u8.wrapping_sub(lo) as i8)))
                }
            }

            // SAFETY (the `unsafe` blocks below): the caller guarantees that
            // the CPU supports `$feature`.
            impl Backend for $name {
                const WIDTH: usize = $width;

                #[inline(always)]
                unsafe fn summary(v: &[u8]) -> [u64; 2] {
                    unsafe {
                        let v = Self::load(v);
                        // Digits (compare result) and bytes >= 0x80 have the top bit.
                        let start = $or(Self::range10(v, b'0'), v);
                        [Self::bits(Self::eq(v, b'\n')), Self::bits(start)]
                    }
                }

                #[inline(always)]
                unsafe fn masks(v: &[u8]) -> [u64; 4] {
                    unsafe { Self::masks_of(Self::load(v)) }
                }

                #[inline(always)]
                unsafe fn junctions(v: &[u8]) -> [u64; 3] {
                    unsafe { Self::junction_masks(Self::load(v)) }
                }

                #[inline(always)]
                unsafe fn chars(v: &[u8]) -> [u64; 3] {
                    unsafe {
                        let (v0, v1, v2) =
                            (Self::load(v), Self::load(&v[1..]), Self::load(&v[2..]));
                        let fw = $and(Self::eq(v0, 0xEF), Self::eq(v1, 0xBC));
                        let fw = $and(fw, Self::range10(v2, 0x90));
                        let sjis = $and(Self::eq(v0, 0x82), Self::range10(v1, 0x4F));
                        let euc = $and(Self::eq(v0, 0xA3), Self::range10(v1, 0xB0));
                        [Self::bits(fw), Self::bits(sjis), Self::bits(euc)]
                    }
                }

                $($extra)*
            }
        };
    }

    #[rustfmt::skip]
    simd_backend!(Avx2, "avx2", __m256i, 32, _mm256_loadu_si256, _mm256_set1_epi8,
        _mm256_cmpeq_epi8, _mm256_cmpgt_epi8, _mm256_add_epi8, _mm256_and_si256,
        _mm256_or_si256, _mm256_movemask_epi8,
        #[inline(always)]
        unsafe fn block(bytes: &[u8; 64]) -> super::Classes {
            // SAFETY: both halves have 32 bytes.
            unsafe {
                let lo = Self::class_masks(_mm256_loadu_si256(bytes.as_ptr().cast()));
                let hi = Self::class_masks(_mm256_loadu_si256(bytes[32..].as_ptr().cast()));
                // (A loop, not `array::map`, which was sometimes left a call.)
                let mut c = [0; super::CLASSES];
                for i in 0..super::CLASSES {
                    c[i] = lo[i] | hi[i] << 32;
                }
                c
            }
        });
    impl Avx2 {
        /// `Backend::classes` of `v`: the AND of a lookup by the low nibble
        /// and one by the high nibble gives each byte its class bits, and a
        /// shift brings each bit to the top for `movemask`. A byte >= 0x80
        /// looks up 0 by its low nibble.
        #[target_feature(enable = "avx2")]
        #[inline]
        unsafe fn class_masks(v: __m256i) -> super::Classes {
            const D: i8 = -0x80; // digit
            const SEP: i8 = 0x40;
            const MASK: i8 = 0x20; // `*` and `#`: 0x2A, 0x23
            const MASK_X: i8 = 0x10; // `X` and `x`: 0x58, 0x78
            const NUL: i8 = 0x08;
            const NL: i8 = 0x04; // 0x0A
            const LETTER_D: i8 = 0x02; // `D` and `d`: 0x44, 0x64
            #[rustfmt::skip]
            let low = _mm256_broadcastsi128_si256(_mm_setr_epi8(
                D | SEP | NUL, D, D, D | MASK, D | LETTER_D, D | SEP, D, D,
                D | MASK_X, D, MASK | NL, SEP, 0, SEP, 0, 0,
            ));
            #[rustfmt::skip]
            let high = _mm256_broadcastsi128_si256(_mm_setr_epi8(
                NUL | NL, 0, SEP | MASK, D, LETTER_D, MASK_X, LETTER_D, MASK_X,
                0, 0, 0, 0, 0, 0, 0, 0,
            ));
            let nibble = _mm256_and_si256(_mm256_srli_epi16(v, 4), _mm256_set1_epi8(0x0F));
            let class = _mm256_and_si256(
                _mm256_shuffle_epi8(low, v),
                _mm256_shuffle_epi8(high, nibble),
            );
            // (class & 0x30) + 0x70 has bit 7 iff class has bit 4 or 5.
            let masks = _mm256_and_si256(class, _mm256_set1_epi8(MASK | MASK_X));
            let masks = _mm256_add_epi8(masks, _mm256_set1_epi8(0x70));
            // SAFETY: guaranteed by the caller.
            unsafe {
                [
                    Self::bits(class),
                    Self::bits(_mm256_slli_epi16(class, 4)),
                    Self::bits(v),
                    Self::bits(_mm256_slli_epi16(class, 1)),
                    Self::bits(masks),
                    Self::bits(_mm256_slli_epi16(class, 6)),
                    Self::bits(_mm256_slli_epi16(class, 5)),
                ]
            }
        }

        /// `Backend::junctions` of `v`, from its classes.
        #[target_feature(enable = "avx2")]
        #[inline]
        unsafe fn junction_masks(v: __m256i) -> [u64; 3] {
            // SAFETY: guaranteed by the caller.
            let c = unsafe { Self::class_masks(v) };
            [c[super::SEP], c[super::MASK], c[super::LETTER_D]]
        }
    }

    impl Sse2 {
        /// `Backend::junctions` of `v`, with compares.
        #[target_feature(enable = "sse2")]
        #[inline]
        unsafe fn junction_masks(v: __m128i) -> [u64; 3] {
            // SAFETY: guaranteed by the caller.
            unsafe {
                let eq = |byte: u8| Self::eq(v, byte);
                let sep = _mm_or_si128(
                    _mm_or_si128(eq(b' '), eq(b'-')),
                    _mm_or_si128(eq(b'+'), eq(b'%')),
                );
                // `X` and `x` (`D` and `d`) are the bytes whose OR with 0x20 is `x` (`d`).
                let lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
                let x = Self::eq(lower, b'x');
                let mask = _mm_or_si128(_mm_or_si128(eq(b'*'), eq(b'#')), x);
                [
                    Self::bits(sep),
                    Self::bits(mask),
                    Self::bits(Self::eq(lower, b'd')),
                ]
            }
        }
    }

    #[rustfmt::skip]
    simd_backend!(Sse2, "sse2", __m128i, 16, _mm_loadu_si128, _mm_set1_epi8, _mm_cmpeq_epi8,
        _mm_cmpgt_epi8, _mm_add_epi8, _mm_and_si128, _mm_or_si128, _mm_movemask_epi8);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: ScanFn, hay: &[u8], count_end: usize) -> (Vec<Trigger>, LineStats) {
        let sentinel = Trigger { pos: 99, kinds: 0 };
        let mut out = vec![sentinel]; // `out` is appended to, not cleared
        let stats = f(hay, count_end, &mut out);
        assert_eq!(out.remove(0), sentinel);
        (out, stats)
    }

    /// Every implementation agrees with the reference.
    fn check(hay: &[u8], count_end: usize) {
        let want = run(scan_reference, hay, count_end);
        for (name, f) in implementations().into_iter().skip(1) {
            let got = run(f, hay, count_end);
            assert_eq!(
                got, want,
                "{name} differs on {hay:?}, count_end {count_end}"
            );
        }
    }

    fn reference(hay: &[u8]) -> Vec<(u32, u8)> {
        let (t, _) = run(scan_reference, hay, hay.len());
        t.iter().map(|t| (t.pos, t.kinds)).collect()
    }

    /// The positions of the ASCII triggers in `hay` (asserting there are no others).
    fn ascii(hay: &[u8]) -> Vec<u32> {
        let t = reference(hay);
        assert!(t.iter().all(|&(_, k)| k == ASCII), "{t:?}");
        t.into_iter().map(|(pos, _)| pos).collect()
    }

    #[test]
    fn reference_ascii_examples() {
        const NONE: [u32; 0] = [];
        // Runs of 12 to 19 digits trigger at their start, isolated short
        // ones and longer ones not at all (no card number is part of one).
        assert_eq!(ascii(b"123456789012"), [0]);
        assert_eq!(ascii(b"1234567890123456789"), [0]);
        assert_eq!(ascii(b"12345678901234567890"), NONE);
        assert_eq!(ascii(b"a 1234567890123456789012345 b"), NONE);
        // ... unless a `D` follows 12 or more: an EMV tag 57 (`57`, a length,
        // the PAN, `D`, the expiry), whose run includes the tag and length.
        assert_eq!(ascii(b"57134111111111111111D2403"), [19]);
        assert_eq!(ascii(b"4111111111111111d24"), [0, 15]);
        assert_eq!(ascii(b"12345678901D"), NONE);
        assert_eq!(ascii(b"1234567890123456789012 1234"), [21, 23]);
        assert_eq!(ascii(b"a 4111111111111111."), [2]);
        assert_eq!(ascii(b"a 12345678901 b"), NONE);
        assert_eq!(ascii(b"id=1234 year 2024, n=123456"), NONE);
        assert_eq!(ascii(b"on 2024-05-01 at 12:30:00"), NONE);
        assert_eq!(ascii(b"2024-05-01"), NONE);
        // A separator before another group: the run ends at a right
        // junction, the next one starts at a left junction.
        assert_eq!(ascii(b"ab 4111 1111"), [6, 8]);
        assert_eq!(
            ascii(b"4532 0151 1283 0366"),
            [3, 5, 8, 10, 13, 15] // 4532 end; 0151 start, end; 1283 start, end; 0366 start
        );
        // 'x' is a mask character.
        assert_eq!(ascii(b"12345 123 x1234y 12"), [4, 11]);
        // "%20" separators: the "20" joins the next group's run.
        assert_eq!(ascii(b"4111%201111%201111"), [3, 5, 10, 12]);
        // Masked PANs.
        assert_eq!(ascii(b"411111******1111"), [5, 12]);
        assert_eq!(ascii(b"************1111"), [12]);
        assert_eq!(
            ascii(b"XXXX-XXXX-XXXX-1234 #1234 *1234*"),
            [15, 18, 21, 24, 27, 30]
        );
        // Runs of fewer than 4 digits never trigger.
        assert_eq!(ascii(b"411*111*111*111"), NONE);
        // A run next to a UTF-8 character (•: E2 80 A2; ＊: EF BC 8A).
        assert_eq!(ascii(b"ab1234\xe2\x80\xa2"), [5]);
        assert_eq!(ascii(b"\xef\xbc\x8a5678 ab"), [3]);
        // A separator needs a cell before it (left) or three after it (right).
        assert_eq!(ascii(b"a 1234 b"), NONE);
        assert_eq!(ascii(b"1 1234 b"), [2]);
        assert_eq!(ascii(b"# 1234+12X"), [2, 5]);
        assert_eq!(ascii(b"1234 12 ab"), NONE);
        assert_eq!(ascii(b"1234-5-6789"), [7]);
        assert_eq!(ascii(b"1234567890123*"), [0, 12]);
        // Junction bytes missing at the end of the input.
        assert_eq!(ascii(b"ab 1234 123"), [6]);
        assert_eq!(ascii(b"ab 1234 12"), NONE);
        assert_eq!(ascii(b"ab 1234 "), NONE);
        assert_eq!(ascii(b"ab 1234"), NONE);
        assert_eq!(ascii(b"1234"), NONE);
        assert_eq!(ascii(b"12345678901"), NONE);
        // Nothing before position 0 is a left junction.
        assert_eq!(ascii(b"1234*"), [3]);
        assert_eq!(ascii(b"*1234"), [1]);
    }

    #[test]
    fn reference_examples() {
        assert_eq!(reference(b""), []);
        // UTF-16LE "4111" + "12"; a fifth wide digit continues the run.
        assert_eq!(reference(b"4\x001\x001\x001\x00"), [(0, WIDE)]);
        assert_eq!(reference(b"4\x001\x001\x001"), [(0, WIDE)]);
        assert_eq!(reference(b"4\x001\x001\x00"), []);
        assert_eq!(reference(b"4\x001\x001\x001\x001\x00"), [(0, WIDE)]);
        // UTF-16BE starts at the odd byte; a digit before a wide run does not stop it.
        assert_eq!(reference(b"\x004\x001\x001\x001"), [(1, WIDE)]);
        assert_eq!(reference(b"94\x001\x001\x001"), [(1, WIDE)]);
        assert_eq!(reference(b"1\x002\x003\x004567"), [(0, WIDE)]);
        assert_eq!(
            reference(b"1\x002\x003\x004\x00*4567"),
            [(0, WIDE), (9, ASCII)]
        );
        // UTF-8 full-width "１２３" and "a１"+"２".
        let fw = "１２３ a１２ ４".as_bytes();
        assert_eq!(reference(fw), [(0, FULLWIDTH), (11, FULLWIDTH)]);
        assert_eq!(reference(&fw[..5]), []);
        // Shift_JIS "０９１" then an out-of-range trail byte; EUC-JP "x０９" then
        // ":" (A3 BA) and "１".
        let sjis = b"\x82\x4f\x82\x58\x82\x50 \x82\x4e\x82\x4f";
        assert_eq!(reference(sjis), [(0, SJIS)]);
        assert_eq!(
            reference(b"x\xa3\xb0\xa3\xb9\xa3\xba\xa3\xb1"),
            [(1, EUCJP)]
        );
        assert_eq!(reference(b"\xa3\xb0\xa3"), []);
    }

    #[test]
    fn reference_line_stats() {
        let hay = b"a\n12\n*3456\n";
        let stats = |end| run(scan_reference, hay, end).1;
        let want = |newlines, last_newline| LineStats {
            newlines,
            last_newline,
        };
        assert_eq!(stats(11), want(3, Some(10)));
        assert_eq!(stats(10), want(2, Some(4)));
        assert_eq!(stats(1), want(0, None));
        assert_eq!(
            run(scan_reference, hay, 0).0,
            [Trigger {
                pos: 6,
                kinds: ASCII
            }]
        );
    }

    #[test]
    fn count_end_past_len_panics() {
        let all = implementations()
            .into_iter()
            .chain([("scan", scan as ScanFn)]);
        for (name, f) in all {
            let r = std::panic::catch_unwind(|| f(b"12\n", 4, &mut Vec::new()));
            assert!(r.is_err(), "{name} accepted count_end > len");
        }
    }

    fn seeds() -> Vec<Vec<u8>> {
        // Short seeds, separated by '|'.
        let short: &[u8] = b"4111111111111111|123|1234|12 1234 12345\n1\n|\
            4\x001\x001\x001\x00|4\x001\x001\x001|\x004\x001\x001\x001\x00|\
            1\x002\x003\x004\x005\x006\x00\n|1\x002\x003\x00|7\x004\x001\x001\x001\x00 1\x00\x002\x00|\
            \xef\xbc\x91\xef\xbc\x92|\xef\xbc\x91\xef\xbc\x92\xef\xbc\x99\xef\xbc\x90|\
            \xef\xbc\x91\xef\xbc\x9a\xef\xbc\x91|\xef\xbc\x91\xef\xbc|\
            \x82\x4f\x82\x58|\x82\x4f\x82\x58\x82\x50\x82\x4e|\x82\x4f\x82|\
            \xa3\xb0\xa3\xb9\xa3\xb5|\xa3\xb0\xa3\xba\xa3\xb1\xa3\xb2|\xa3\xb0\xa3|\n\n\n|\
            12\n\xef\xbc\x91\xef\xbc\x92\x0012\x0034\x82\x50\x82\x51\xa3\xb1\xa3\xb1 9\x009";
        // ASCII junctions (neither '|' nor '/' is one), grouped to save time;
        // `12345678901`, `1234 567` and `1234 56` miss a byte when nothing
        // follows them; the last four are EMV tags and long runs.
        let junctions: &[u8] = b"123456789012/2024-05-01/4532 0151 1283 0366/411111******1111|\
            ************1111/4111%201111%20/ab1234\xe2\x80\xa2\xe2\x80\xa21234/1 1234-12X/\
            x1234+/#1234567890123#/1234\x82\x4f\x82\x501234|12345678901|1234 567|1234 56|\
            57134111111111111111D24/123456789012d/12345678901D/123456789012345678901234D";
        let mut s: Vec<Vec<u8>> = [short, junctions]
            .iter()
            .flat_map(|seeds| seeds.split(|&b| b == b'|'))
            .map(<[u8]>::to_vec)
            .collect();
        assert_eq!(s.len(), 22 + 6);
        // Long runs that straddle several 16/32/64-byte boundaries.
        s.push(b"0123456789".repeat(14));
        // Runs whose junctions (up to 4 bytes after them) and whose 12th digit
        // (11 bytes after their start) straddle the boundaries.
        s.push(b"1234 5678 ".repeat(7));
        s.push(b"1234-56-".repeat(9));
        s.push(b"12345678901a123456789012a".repeat(3));
        // Runs of 19, 20 and 23 digits, some ending in a `D`, across boundaries.
        s.push(b"1234567890123456789a12345678901234567890D12345678901234567890123d".repeat(3));
        s.push(b"*1234*12345#12 1234%".repeat(4));
        s.push(b"9\x00".repeat(70));
        s.push("０１２３４５６７８９".repeat(5).into_bytes());
        s.push(b"\x82\x50".repeat(70));
        // A character, a block without bytes >= 0x80, a pair: look-behind
        // must not reach across the middle block.
        let fw = b"\xef\xbc\x91";
        s.push([&fw[..], &[b'x'; 64], fw, fw].concat());
        s.push([&b"\x82\x50"[..], &[b'x'; 64], b"\x82\x50\x82\x51"].concat());
        s
    }

    /// Every seed with `fill` bytes before (0..=130) and after (0..=70) it.
    fn seeds_padded_with(fill: u8) {
        for seed in seeds() {
            for left in 0..=130 {
                // All right paddings for some left paddings, a few for the rest.
                let all_right = [0, 1, 63, 64, 130].contains(&left);
                for right in 0..=70 {
                    if !all_right && ![0, 1, 3, 64].contains(&right) {
                        continue;
                    }
                    let mut hay = vec![fill; left];
                    hay.extend_from_slice(&seed);
                    hay.resize(left + seed.len() + right, fill);
                    check(&hay, (left * 7 + right * 13) % (hay.len() + 1));
                }
            }
        }
    }

    #[test]
    fn seeds_padded_with_letters() {
        seeds_padded_with(b'a');
    }

    #[test]
    fn seeds_padded_with_nuls() {
        seeds_padded_with(0);
    }

    #[test]
    fn seeds_padded_with_digits() {
        seeds_padded_with(b'9');
    }

    #[test]
    fn every_count_end() {
        let mut hay = b"\n".repeat(3);
        hay.extend(b"ab\n".repeat(60));
        hay.extend(b"x".repeat(61));
        hay.extend(b"\n\n\n");
        for end in 0..=hay.len() {
            check(&hay, end);
        }
    }

    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Bytes or whole characters from an alphabet rich in the pattern bytes,
    /// the bytes just outside their ranges, and their twins in the other half
    /// (bit 7 flipped), which SWAR tricks could confuse with them.
    fn random_input(rng: &mut XorShift, len: usize) -> Vec<u8> {
        const BYTES: &[u8] = b"0123456789\x00\n\xef\xbc\x90\x95\x99\x82\x4f\x55\x58\xa3\xb0\xb9a \
            /:\x80\x8a\x6f\x3c\x10\x19\x02\xcf\xd8\x23\x8f\x9a\x4e\x59\xaf\xba\xff\x7f\x01\
            -+%*Xx#\xa0\xad\xab\xa5\xaa\xd8\xf8\xa3";
        // ASCII junction bytes.
        const JUNCTIONS: &[u8] = b" -+%*Xx#Dd";
        let mut v = Vec::with_capacity(len + 75);
        let digit = |rng: &mut XorShift| rng.below(10) as u8;
        while v.len() < len {
            let (kind, reps) = (rng.below(9), 1 + rng.below(5));
            for _ in 0..reps {
                match kind {
                    0 => v.push(rng.next() as u8),
                    1 | 2 => v.push(BYTES[rng.below(BYTES.len())]),
                    3 => v.push(b'0' + digit(rng)),
                    4 => v.extend([b'0' + digit(rng), 0]),
                    5 => v.extend([0xEF, 0xBC, 0x90 + digit(rng)]),
                    6 => v.extend([0x82, 0x4F + digit(rng)]),
                    7 => v.extend([0xA3, 0xB0 + digit(rng)]),
                    _ => {
                        // A run of 1..=24 digits and a junction byte.
                        for _ in 0..1 + rng.below(24) {
                            v.push(b'0' + digit(rng));
                        }
                        v.push(JUNCTIONS[rng.below(JUNCTIONS.len())]);
                    }
                }
            }
        }
        v.truncate(len);
        v
    }

    #[test]
    fn random_inputs() {
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for _ in 0..3000 {
            let len = rng.below(601);
            let hay = random_input(&mut rng, len);
            let end = rng.below(hay.len() + 1);
            check(&hay, end);
            assert_eq!(run(scan, &hay, end), run(scan_reference, &hay, end));
        }
        // Dense stretches separated by long stretches without any pattern bytes,
        // so that blocks with and without bytes >= 0x80 alternate.
        for _ in 0..1000 {
            let mut hay = Vec::new();
            while hay.len() < 800 {
                let len = 1 + rng.below(150);
                if rng.below(2) == 0 {
                    hay.extend(random_input(&mut rng, len));
                } else {
                    hay.resize(hay.len() + len, b'x');
                }
            }
            let end = rng.below(hay.len() + 1);
            check(&hay, end);
        }
        let big = random_input(&mut rng, 200_000);
        check(&big, big.len() - 3);
        // Groups (4 KiB) where dense blocks follow blocks without digits or
        // bytes >= 0x80 that an earlier group left classified differently.
        for _ in 0..20 {
            let mut hay = Vec::new();
            while hay.len() < 40_000 {
                let len = 1 + rng.below(300);
                hay.extend(random_input(&mut rng, len));
                let gap = rng.below(5000);
                let filler = [b'x', b' ', b'-', b'*', 0][rng.below(5)];
                hay.resize(hay.len() + gap, filler);
            }
            let end = rng.below(hay.len() + 1);
            check(&hay, end);
        }
        // Groups classified whole after a crowded group (digit-rich text
        // for several KiB), then prose or NULs again, and back: every
        // switch between the two ways of making pass 1, at any offset.
        for _ in 0..20 {
            let mut hay = vec![b'x'; rng.below(64)];
            while hay.len() < 60_000 {
                let len = 3000 + rng.below(9000);
                hay.extend(random_input(&mut rng, len));
                let gap = 64 + rng.below(9000);
                let filler = [b'x', b'\n', b'-', b'*', 0][rng.below(5)];
                hay.resize(hay.len() + gap, filler);
            }
            let end = rng.below(hay.len() + 1);
            check(&hay, end);
        }
    }
}
