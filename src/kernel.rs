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
//! number's token always contains a run of >= 4 digits that is >= 12 digits
//! long or touches a *junction*: a mask character (`* X x #`), a non-ASCII
//! byte (`•`, `＊`, a full-width digit), or a separator (`space - + %`) that
//! leads to another group — one cell (digit or mask character) on the left,
//! three on the right (`4111 1111`, `%20`). ISO dates (`2024-05-01`) and
//! isolated IDs have none. So a run `s..=e` of >= 4 digits triggers at `s` if
//! it has >= 12 digits or a junction on its left, and at `e` if it has one on
//! its right (the detector walks back to the start of the run); see
//! [`scan_reference`] for the exact definition.
//!
//! [`scan_reference`] is that definition, byte at a time; the fast paths are
//! tested against it. They turn 64-byte blocks into `u64` bit masks (bit `j`
//! = byte `j`) with SIMD compares or table lookups and movemasks; a pattern is
//! then an AND of masks shifted by its byte offsets, where look-ahead (up to
//! 11 bytes: a 12-digit run) and look-behind (up to 3) shift in bits of the
//! neighbouring bytes.
//!
//! The AVX2 path (`x86::scan_groups`) works on groups of 64 blocks (4 KiB) in
//! three passes, so that the hot work has no data-dependent branches:
//!
//! 1. Classify every block: one lookup by each nibble gives each byte its
//!    class bits (digit, NUL, separator, mask character, newline), a shift
//!    and a movemask per class make the masks, and the raw bytes' top bits
//!    are the `>= 0x80` mask. They go to one array per class. A block with a
//!    byte >= 0x80 also gets masks of where a full-width digit character
//!    starts (`EF BC 9x`, `82 4F..58`, `A3 B0..B9`, from loads at offsets 0,
//!    1 and 2).
//! 2. The ASCII and WIDE trigger logic on four blocks at once, one per
//!    64-bit lane: a block's neighbours are the same arrays loaded one entry
//!    earlier or later.
//! 3. In block order: count the newlines (popcount, highest bit), finish the
//!    full-width triggers from the character masks of the block and its
//!    neighbours, and turn the set bits of the trigger masks into
//!    [`Trigger`]s (`trailing_zeros` loop; the first four slots are written
//!    without a branch).
//!
//! The SSE2 and portable paths (`scan_blocks`) take one block at a time with
//! branches instead: a block without digits or bytes >= 0x80 costs a
//! newline and a "may start a trigger" mask; a block with a digit gets digit
//! and NUL masks of itself and of the 16 bytes on either side, and
//! separator and mask-character masks only if a run of >= 4 digits starts or
//! ends in it; a block with a byte >= 0x80 gets the character masks.
//!
//! Blocks at the start and the end of the buffer are read from zero-padded
//! copies, so no load leaves the buffer; the padding matches no pattern.
//!
//! Dispatch: on x86_64, AVX2 (with BMI1/2, LZCNT, POPCNT) if the CPU has it,
//! detected once and cached, else SSE2; elsewhere a portable SWAR classifier on
//! 8-byte words feeds the same block logic as SSE2.

use std::sync::OnceLock;

// Trigger kinds (bit flags; one position may carry several).
/// Start or end of a run of >= 4 ASCII digits that may belong to a card
/// number: the start if the run has >= 12 digits or a junction (mask
/// character, byte >= 0x80, or separator after a cell) on its left, the end if
/// it has a junction (mask character, byte >= 0x80, or separator before three
/// cells) on its right. Short isolated runs (years, IDs, `2024-05-01`) never
/// trigger. The detector walks back from the end to the start of the run.
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
        // The start `i` of a run of >= 4 digits: >= 12 digits or a left junction.
        if !digit(prev) && digits(i, 4) {
            let left = mask(prev) || high(prev) || (sep(prev) && cell(prev2));
            if digits(i, 12) || left {
                kinds |= ASCII;
            }
        }
        // The end `i` of a run of >= 4 digits: a right junction.
        if !digit(i + 1) && digits(i.wrapping_sub(3), 4) {
            let group = cell(i + 2) && cell(i + 3) && cell(i + 4);
            if mask(i + 1) || high(i + 1) || (sep(i + 1) && group) {
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
    /// The newline mask of `v[..WIDTH]`, and the mask of its bytes that may
    /// start a trigger (`digit | high`): all that a block without triggers needs.
    unsafe fn summary(v: &[u8]) -> (u64, u64);
    /// `[digit, zero, high]` masks of `v[..WIDTH]`.
    unsafe fn masks(v: &[u8]) -> [u64; 3];
    /// `[separator, mask character]` masks of `v[..WIDTH]`: `space - + %` and
    /// `* X x #`.
    unsafe fn junctions(v: &[u8]) -> [u64; 2];
    /// Where one full-width digit character starts in `v[..WIDTH]`, for
    /// `[EF BC 90..=99, 82 4F..=58, A3 B0..=B9]`; looks at `v[..WIDTH + 2]`.
    unsafe fn chars(v: &[u8]) -> [u64; 3];

    /// `[digit, NUL, >= 0x80, separator, mask character, newline]` masks of
    /// `v[..WIDTH]` (the order of [`Classes`]).
    #[inline(always)]
    unsafe fn classes(v: &[u8]) -> [u64; 6] {
        // SAFETY: guaranteed by the caller.
        unsafe {
            let (newline, _) = Self::summary(v);
            let [digit, nul, high] = Self::masks(v);
            let [sep, mask] = Self::junctions(v);
            [digit, nul, high, sep, mask, newline]
        }
    }

    /// The [`Classes`] of a 64-byte block.
    #[inline(always)]
    unsafe fn block(bytes: &[u8; 64]) -> Classes {
        // SAFETY: guaranteed by the caller.
        unsafe { gather::<Self, 6>(bytes, 64, Self::classes) }
    }

    /// `masks` of the [`AROUND`] bytes before the block of `w` and of the
    /// [`AROUND`] bytes after it: bit `i` is byte `i` of each. The default
    /// needs `WIDTH` to divide [`AROUND`].
    #[inline(always)]
    unsafe fn masks_around(w: &Window) -> [[u64; 3]; 2] {
        // SAFETY: guaranteed by the caller.
        unsafe { around::<Self, 3>(w, Self::masks) }
    }
    /// `junctions` of the same bytes as `masks_around`.
    #[inline(always)]
    unsafe fn junctions_around(w: &Window) -> [[u64; 2]; 2] {
        // SAFETY: guaranteed by the caller.
        unsafe { around::<Self, 2>(w, Self::junctions) }
    }
}

type Classify<const N: usize> = unsafe fn(&[u8]) -> [u64; N];

/// A 64-byte block at offset [`BLOCK`], with the 32 bytes before it
/// (look-behind: one vector) and the 34 after it (look-ahead: one vector and
/// the 2 bytes its characters need).
type Window = [u8; 130];
const BLOCK: usize = 32;

/// `hay` as windows: block 0 and the last one or two blocks come from buffers
/// padded with zeros, the others lie in `hay`. The padding needs no masking: a
/// NUL is neither a newline nor a byte that starts a trigger, a WIDE pattern
/// neither ends with a NUL nor looks behind at a NUL without a digit, and the
/// ASCII ones treat a NUL like a byte outside `hay` (it is no digit, junction
/// or cell).
struct Blocks {
    direct: usize, // blocks 1..direct lie in `hay`
    count: usize,
    head: Window,    // block 0 if direct > 0
    tail: [u8; 224], // from byte `direct * 64 - 32` of `hay` on
}

impl Blocks {
    #[inline(always)]
    fn new(hay: &[u8]) -> Self {
        let count = hay.len().div_ceil(64);
        let direct = (hay.len() / 64).saturating_sub(1);
        let mut head = [0u8; 130];
        let n = hay.len().min(130 - BLOCK);
        head[BLOCK..BLOCK + n].copy_from_slice(&hay[..n]);
        let mut tail = [0u8; 224];
        let from = (direct * 64).saturating_sub(BLOCK); // < hay.len()
        let skip = from + BLOCK - direct * 64; // BLOCK if direct == 0
        tail[skip..skip + hay.len() - from].copy_from_slice(&hay[from..]);
        Blocks {
            direct,
            count,
            head,
            tail,
        }
    }
}

/// `Backend::summary` of a 64-byte block.
#[inline(always)]
unsafe fn summary<B: Backend>(w: &Window) -> (u64, u64) {
    let (mut newline, mut start, mut at) = (0, 0, 0);
    while at < 64 {
        // SAFETY: guaranteed by the caller.
        let (n, s) = unsafe { B::summary(&w[BLOCK + at..]) };
        (newline, start) = (newline | n << at, start | s << at);
        at += B::WIDTH;
    }
    (newline, start)
}

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

/// The look-behind and look-ahead of a block with a digit, in bytes: enough
/// for a 12-digit run starting at its last byte (11 bytes) and for a run of
/// 4 ending at its first byte (3 bytes).
const AROUND: usize = 16;

/// `classify` of the [`AROUND`] bytes before and after the block of `w`, if
/// `B::WIDTH` divides [`AROUND`].
#[inline(always)]
unsafe fn around<B: Backend, const N: usize>(w: &Window, classify: Classify<N>) -> [[u64; N]; 2] {
    const { assert!(AROUND.is_multiple_of(B::WIDTH)) };
    // SAFETY: guaranteed by the caller.
    unsafe {
        [
            gather::<B, N>(&w[BLOCK - AROUND..], AROUND, classify),
            gather::<B, N>(&w[BLOCK + 64..], AROUND, classify),
        ]
    }
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

/// ASCII and WIDE trigger masks of the block of `w`, whose digit, NUL and
/// high-byte masks are `d`, `z` and `high`.
#[inline(always)]
unsafe fn digit_triggers<B: Backend>(w: &Window, d: u64, z: u64, high: u64) -> (u64, u64) {
    // SAFETY: guaranteed by the caller.
    let [prev, next] = unsafe { B::masks_around(w) };
    let prev = prev.map(|m| m << (64 - AROUND)); // the top bits
    let ([dn, zn, _], [dp, zp, _]) = (next, prev);
    let d1 = ahead(d, dn, 1);
    // The first of >= 2 and of >= 4 digits, here and in `dn` (`_n`).
    let (pair, pair_n) = (d & d1, dn & dn >> 1);
    let (four, four_n) = (pair & ahead(pair, pair_n, 2), pair_n & pair_n >> 2);
    let mut ascii = 0;
    // A run of >= 4 digits starts or ends in the block only if 4 digits
    // start in it or a run crosses into it (digits at bytes -1 and 0).
    if (four | (d & dp >> 63)) != 0 {
        let masks = [d, d1, high, four, four_n];
        ascii = unsafe { ascii_triggers::<B>(w, masks, next, prev) };
    }
    let unit = d & ahead(z, zn, 1); // a digit followed by a NUL
    if unit == 0 {
        return (ascii, 0); // the common case in text: skip the rest
    }
    let prev_unit = behind(d, dp, 2) & behind(z, zp, 1);
    let wide = unit & ahead(d, dn, 2) & ahead(z, zn, 3) & ahead(d, dn, 4) & ahead(z, zn, 5);
    (ascii, wide & ahead(d, dn, 6) & !prev_unit)
}

/// The ASCII trigger mask of the block of `w`, given its digit mask (`d`,
/// and `d1` shifted by one byte), its high-byte mask, where 4 digits start
/// (`four`, and `four_n` in the 16 bytes after it), and `B::masks_around` it
/// (the one before in the top bits).
#[inline(always)]
unsafe fn ascii_triggers<B: Backend>(
    w: &Window,
    [d, d1, high, four, four_n]: [u64; 5],
    [dn, _, hn]: [u64; 3],
    [dp, _, hp]: [u64; 3],
) -> u64 {
    // Where runs of >= 4 digits start and end.
    let p1 = behind(d, dp, 1);
    let start = four & !p1;
    let end = d & !d1 & p1 & behind(d, dp, 2) & behind(d, dp, 3);
    // SAFETY: guaranteed by the caller.
    let [sep, mask] = unsafe { gather::<B, 2>(&w[BLOCK..], 64, B::junctions) };
    let [prev, [sepn, maskn]] = unsafe { B::junctions_around(w) };
    let [sepp, maskp] = prev.map(|m| m << (64 - AROUND)); // the top bits

    // Junction bytes on their own (mask character or >= 0x80), and cells.
    let (j, jn, jp) = (mask | high, maskn | hn, maskp | hp);
    let (c, cn, cp) = (d | mask, dn | maskn, dp | maskp);
    let left = behind(j, jp, 1) | (behind(sep, sepp, 1) & behind(c, cp, 2));
    let group = ahead(c, cn, 2) & ahead(c, cn, 3) & ahead(c, cn, 4);
    let right = ahead(j, jn, 1) | (ahead(sep, sepn, 1) & group);
    // 12 digits: 4 here, 4 at +4 and 4 at +8.
    let long = ahead(four, four_n, 4) & ahead(four, four_n, 8);
    (start & (long | left)) | (end & right)
}

/// FULLWIDTH, SJIS and EUCJP trigger masks of the block of `w`: a character
/// followed by another and not preceded by one.
#[inline(always)]
unsafe fn char_triggers<B: Backend>(w: &Window) -> [u64; 3] {
    // SAFETY: guaranteed by the caller.
    let (c, cn, cp) = unsafe {
        let cp = gather::<B, 3>(&w[BLOCK - B::WIDTH..], B::WIDTH, B::chars);
        (
            gather::<B, 3>(&w[BLOCK..], 64, B::chars),
            gather::<B, 3>(&w[BLOCK + 64..], B::WIDTH, B::chars),
            cp,
        )
    };
    let mut t = [0; 3];
    for (i, n) in [3, 2, 2].into_iter().enumerate() {
        let cp = cp[i] << (64 - B::WIDTH); // the top bits
        t[i] = c[i] & ahead(c[i], cn[i], n) & !behind(c[i], cp, n);
    }
    t
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
/// `[digit, NUL, >= 0x80, separator, mask character, newline]`.
type Classes = [u64; 6];
const DIGIT: usize = 0;
const NUL: usize = 1;
const HIGH: usize = 2;
const SEP: usize = 3;
const MASK: usize = 4;
const NEWLINE: usize = 5;

/// The [`Classes`] of block `k` of `hay`: none for a block past its end.
#[inline(always)]
unsafe fn classes_of<B: Backend>(hay: &[u8], k: usize) -> Classes {
    let at = k * 64;
    // SAFETY (both): guaranteed by the caller.
    if let Some(bytes) = hay.get(at..at + 64) {
        return unsafe { B::block(bytes.try_into().unwrap()) };
    }
    if at >= hay.len() {
        return [0; 6];
    }
    // The last block, short: padded with NULs, which are then masked off.
    let mut padded = [0u8; 64];
    let valid = hay.len() - at; // 1..=63
    padded[..valid].copy_from_slice(&hay[at..]);
    let keep = (1u64 << valid) - 1;
    unsafe { B::block(&padded) }.map(|m| m & keep)
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

/// The block loop shared by all fast paths.
#[inline(always)]
unsafe fn scan_blocks<B: Backend>(
    hay: &[u8],
    count_end: usize,
    out: &mut Vec<Trigger>,
) -> LineStats {
    check_args(hay, count_end);
    let b = Blocks::new(hay);
    let mut lines = Lines::default();
    // Separate loops, so that the hot one needs no choice of buffer.
    // SAFETY (all loops): the caller guarantees the CPU supports `B`.
    if b.direct > 0 {
        unsafe { scan_block::<B>(&mut lines, 0, &b.head, count_end, out) };
    }
    for k in 1..b.direct {
        // 1 <= k < direct = len / 64 - 1: the window lies inside `hay`.
        let w = hay[k * 64 - BLOCK..k * 64 + 98].try_into().unwrap();
        unsafe { scan_block::<B>(&mut lines, k, w, count_end, out) };
    }
    for k in b.direct..b.count {
        let at = (k - b.direct) * 64;
        let w = b.tail[at..at + 130].try_into().unwrap();
        unsafe { scan_block::<B>(&mut lines, k, w, count_end, out) };
    }
    LineStats {
        newlines: lines.count,
        last_newline: (lines.last_mask != 0)
            .then(|| lines.last_base + 63 - lines.last_mask.leading_zeros() as usize),
    }
}

/// Counts the newlines of block `k` and appends its triggers.
#[inline(always)]
unsafe fn scan_block<B: Backend>(
    lines: &mut Lines,
    k: usize,
    w: &Window,
    count_end: usize,
    out: &mut Vec<Trigger>,
) {
    let base = k * 64;
    // SAFETY (the `unsafe` calls below): guaranteed by the caller.
    let (mut nl, start) = unsafe { summary::<B>(w) };
    if base + 64 > count_end {
        let counted = count_end.saturating_sub(base); // < 64
        nl &= (1 << counted) - 1;
    }
    lines.count += u64::from(nl.count_ones());
    if nl != 0 {
        (lines.last_mask, lines.last_base) = (nl, base);
    }
    if start == 0 {
        return;
    }

    let [d, z, _] = unsafe { gather::<B, 3>(&w[BLOCK..], 64, B::masks) };
    let high = start & !d; // cheaper than its own movemasks
    let (mut ascii, mut wide, mut chars) = (0, 0, [0; 3]);
    if d != 0 {
        (ascii, wide) = unsafe { digit_triggers::<B>(w, d, z, high) };
    }
    if high != 0 {
        chars = unsafe { char_triggers::<B>(w) };
    }
    if (ascii | wide | chars[0] | chars[1] | chars[2]) != 0 {
        emit(out, base, ascii, wide, chars);
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
    unsafe fn summary(v: &[u8]) -> (u64, u64) {
        let x = Self::word(v);
        let start = Self::range10(x, b'0') | x;
        (Self::bits(Self::eq(x, b'\n')), Self::bits(start))
    }
    unsafe fn masks(v: &[u8]) -> [u64; 3] {
        let x = Self::word(v);
        let digit = Self::bits(Self::range10(x, b'0'));
        [digit, Self::bits(Self::eq(x, 0)), Self::bits(x)]
    }
    unsafe fn junctions(v: &[u8]) -> [u64; 2] {
        let x = Self::word(v);
        let any = |set: &[u8]| set.iter().fold(0, |m, &b| m | Self::eq(x, b));
        [Self::bits(any(b" -+%")), Self::bits(any(b"*Xx#"))]
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
    unsafe { scan_blocks::<Portable>(hay, count_end, out) }
}

#[cfg(target_arch = "x86_64")]
fn scan_sse2(hay: &[u8], count_end: usize, out: &mut Vec<Trigger>) -> LineStats {
    // SAFETY: SSE2 is part of the x86_64 baseline.
    unsafe { scan_blocks::<x86::Sse2>(hay, count_end, out) }
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
    use super::{chars_of, classes_of, Backend, LineStats, Lines, Trigger};
    use std::arch::x86_64::*;

    /// # Safety
    /// The CPU supports AVX2, BMI1, BMI2, LZCNT and POPCNT.
    #[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt")]
    pub unsafe fn scan_avx2(hay: &[u8], count_end: usize, out: &mut Vec<Trigger>) -> LineStats {
        // SAFETY: the caller guarantees the features. The helpers are
        // `#[inline(always)]`, so they and the intrinsics inline into this
        // function and get compiled for AVX2.
        unsafe { scan_groups(hay, count_end, out) }
    }

    /// Blocks per group: the group's classes (6 arrays of `u64`, 3 KiB) stay in L1.
    const GROUP: usize = 64;

    /// The AVX2 block loop, in three passes over each group of [`GROUP`]
    /// blocks: classify every block (one nibble lookup per byte, no
    /// branches) into arrays of masks; run the ASCII and WIDE trigger logic
    /// of `digit_triggers` on four blocks at once, one per 64-bit lane, whose
    /// neighbours are the same arrays loaded one block earlier or later;
    /// then count newlines and emit each block's triggers (full-width
    /// characters, rare, from its window as in `scan_block`).
    #[inline(always)]
    unsafe fn scan_groups(hay: &[u8], count_end: usize, out: &mut Vec<Trigger>) -> LineStats {
        super::check_args(hay, count_end);
        let count = hay.len().div_ceil(64);
        // cls[c][i]: class `c` of block `g + i - 1` (0 before the buffer and
        // past its end); entries up to GROUP + 4 are read by the last lanes.
        let mut cls = [[0u64; GROUP + 5]; 6];
        // chars[t][i]: where full-width digits of type t (`chars_of`) start
        // in block `g + i - 1`; computed only for blocks with a byte >= 0x80.
        let mut chars = [[0u64; GROUP + 2]; 3];
        let (mut ascii, mut wide) = ([0u64; GROUP], [0u64; GROUP]);
        let mut lines = Lines::default();
        if count > 0 {
            // SAFETY (all `unsafe` calls): the caller guarantees AVX2.
            let c = unsafe { classes_of::<Avx2>(hay, 0) };
            for (class, m) in cls.iter_mut().zip(c) {
                class[1] = m;
            }
            if c[super::HIGH] != 0 {
                let t = unsafe { chars_of::<Avx2>(hay, 0) };
                for (ty, m) in chars.iter_mut().zip(t) {
                    ty[1] = m;
                }
            }
        }
        let mut g = 0;
        while g < count {
            let m = GROUP.min(count - g);
            // Pass 1: classes of the group's blocks after the first (carried)
            // and of the block after the group.
            for i in 2..=m + 1 {
                let c = unsafe { classes_of::<Avx2>(hay, g + i - 1) };
                for (class, m) in cls.iter_mut().zip(c) {
                    class[i] = m;
                }
                let t = if c[super::HIGH] != 0 {
                    unsafe { chars_of::<Avx2>(hay, g + i - 1) }
                } else {
                    [0; 3]
                };
                for (ty, m) in chars.iter_mut().zip(t) {
                    ty[i] = m;
                }
            }
            for class in &mut cls {
                class[m + 2..].fill(0);
            }
            // Pass 2: four blocks per step.
            let mut i = 1;
            while i <= m {
                let (a, w) = unsafe { lanes(&cls, i) };
                // SAFETY: i - 1 + 4 <= GROUP (m <= GROUP, and GROUP is a
                // multiple of 4).
                unsafe {
                    _mm256_storeu_si256(ascii[i - 1..i + 3].as_mut_ptr().cast(), a);
                    _mm256_storeu_si256(wide[i - 1..i + 3].as_mut_ptr().cast(), w);
                }
                i += 4;
            }
            // Pass 3: newlines and triggers, in order.
            for i in 1..=m {
                let k = g + i - 1;
                let base = k * 64;
                let mut nl = cls[super::NEWLINE][i];
                if base + 64 > count_end {
                    nl &= (1u64 << count_end.saturating_sub(base).min(63)) - 1;
                }
                lines.count += u64::from(nl.count_ones());
                if nl != 0 {
                    (lines.last_mask, lines.last_base) = (nl, base);
                }
                // A character followed by another and not preceded by one.
                let mut t = [0; 3];
                if cls[super::HIGH][i] != 0 {
                    for (x, n) in [3, 2, 2].into_iter().enumerate() {
                        let [cp, c, cn] = [chars[x][i - 1], chars[x][i], chars[x][i + 1]];
                        t[x] = c & super::ahead(c, cn, n) & !super::behind(c, cp, n);
                    }
                }
                let (a, w) = (ascii[i - 1], wide[i - 1]);
                if (a | w | t[0] | t[1] | t[2]) != 0 {
                    super::emit(out, base, a, w, t);
                }
            }
            for class in &mut cls {
                (class[0], class[1]) = (class[m], class[m + 1]);
            }
            for ty in &mut chars {
                (ty[0], ty[1]) = (ty[m], ty[m + 1]);
            }
            g += m;
        }
        LineStats {
            newlines: lines.count,
            last_newline: (lines.last_mask != 0)
                .then(|| lines.last_base + 63 - lines.last_mask.leading_zeros() as usize),
        }
    }

    /// Bit `j` of each lane is bit `j + N` of `next:cur` (0 < N < 64).
    macro_rules! ahead {
        ($cur:expr, $next:expr, $n:literal) => {
            _mm256_or_si256(
                _mm256_srli_epi64::<$n>($cur),
                _mm256_slli_epi64::<{ 64 - $n }>($next),
            )
        };
    }
    /// Bit `j` of each lane is bit `j - N` of `cur:prev` (0 < N < 64).
    macro_rules! behind {
        ($cur:expr, $prev:expr, $n:literal) => {
            _mm256_or_si256(
                _mm256_slli_epi64::<$n>($cur),
                _mm256_srli_epi64::<{ 64 - $n }>($prev),
            )
        };
    }

    /// `digit_triggers` of blocks `i..i + 4` of `cls` (one per lane): their
    /// ASCII and WIDE trigger masks. Needs `i >= 1` and `i + 4 < cls[_].len()`.
    #[inline(always)]
    unsafe fn lanes(cls: &[[u64; GROUP + 5]; 6], i: usize) -> (__m256i, __m256i) {
        // The class of the four blocks, of the ones before them, after them.
        let at = |c: usize, from: usize| -> __m256i {
            let v = &cls[c][from..from + 4];
            // SAFETY: 4 u64s; no alignment is required.
            unsafe { _mm256_loadu_si256(v.as_ptr().cast()) }
        };
        use super::{DIGIT, HIGH, MASK, NUL, SEP};
        let (and, or, andnot) = (_mm256_and_si256, _mm256_or_si256, _mm256_andnot_si256);
        let (d, dp, dn) = (at(DIGIT, i), at(DIGIT, i - 1), at(DIGIT, i + 1));
        let d1 = ahead!(d, dn, 1);
        let four = and(and(d, d1), and(ahead!(d, dn, 2), ahead!(d, dn, 3)));
        let p1 = behind!(d, dp, 1);
        let start = andnot(p1, four);
        let p23 = and(behind!(d, dp, 2), behind!(d, dp, 3));
        let end = andnot(d1, and(d, and(p1, p23)));
        let (mk, mkp, mkn) = (at(MASK, i), at(MASK, i - 1), at(MASK, i + 1));
        let (j, jp, jn) = (
            or(mk, at(HIGH, i)),
            or(mkp, at(HIGH, i - 1)),
            or(mkn, at(HIGH, i + 1)),
        );
        let (c, cp, cn) = (or(d, mk), or(dp, mkp), or(dn, mkn));
        let (sep, sepp, sepn) = (at(SEP, i), at(SEP, i - 1), at(SEP, i + 1));
        let left = or(
            behind!(j, jp, 1),
            and(behind!(sep, sepp, 1), behind!(c, cp, 2)),
        );
        let group = and(ahead!(c, cn, 2), and(ahead!(c, cn, 3), ahead!(c, cn, 4)));
        let right = or(ahead!(j, jn, 1), and(ahead!(sep, sepn, 1), group));
        let four_n = and(
            and(dn, _mm256_srli_epi64::<1>(dn)),
            and(_mm256_srli_epi64::<2>(dn), _mm256_srli_epi64::<3>(dn)),
        );
        let long = and(ahead!(four, four_n, 4), ahead!(four, four_n, 8));
        let ascii = or(and(start, or(long, left)), and(end, right));
        let (z, zp, zn) = (at(NUL, i), at(NUL, i - 1), at(NUL, i + 1));
        let unit = and(d, ahead!(z, zn, 1));
        let prev_unit = and(behind!(d, dp, 2), behind!(z, zp, 1));
        let wide = and(
            and(unit, ahead!(d, dn, 2)),
            and(ahead!(z, zn, 3), ahead!(d, dn, 4)),
        );
        let wide = and(and(wide, ahead!(z, zn, 5)), ahead!(d, dn, 6));
        (ascii, andnot(prev_unit, wide))
    }

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
                unsafe fn masks_of(v: $vec) -> [u64; 3] {
                    // SAFETY: guaranteed by the caller.
                    unsafe {
                        let digit = Self::bits(Self::range10(v, b'0'));
                        [digit, Self::bits(Self::eq(v, 0)), Self::bits(v)]
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
                unsafe fn summary(v: &[u8]) -> (u64, u64) {
                    unsafe {
                        let v = Self::load(v);
                        // Digits (compare result) and bytes >= 0x80 have the top bit.
                        let start = $or(Self::range10(v, b'0'), v);
                        (Self::bits(Self::eq(v, b'\n')), Self::bits(start))
                    }
                }

                #[inline(always)]
                unsafe fn masks(v: &[u8]) -> [u64; 3] {
                    unsafe { Self::masks_of(Self::load(v)) }
                }

                #[inline(always)]
                unsafe fn junctions(v: &[u8]) -> [u64; 2] {
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
        unsafe fn block(bytes: &[u8; 64]) -> [u64; 6] {
            // SAFETY: both halves have 32 bytes.
            unsafe {
                let lo = Self::class_masks(_mm256_loadu_si256(bytes.as_ptr().cast()));
                let hi = Self::class_masks(_mm256_loadu_si256(bytes[32..].as_ptr().cast()));
                [0, 1, 2, 3, 4, 5].map(|i| lo[i] | hi[i] << 32)
            }
        });
    impl Avx2 {
        /// `Backend::classes` of `v`: the AND of a lookup by the low nibble
        /// and one by the high nibble gives each byte its class bits, and a
        /// shift brings each bit to the top for `movemask`. A byte >= 0x80
        /// looks up 0 by its low nibble.
        #[target_feature(enable = "avx2")]
        #[inline]
        unsafe fn class_masks(v: __m256i) -> [u64; 6] {
            const D: i8 = -0x80; // digit
            const SEP: i8 = 0x40;
            const MASK: i8 = 0x20; // `*` and `#`: 0x2A, 0x23
            const MASK_X: i8 = 0x10; // `X` and `x`: 0x58, 0x78
            const NUL: i8 = 0x08;
            const NEWLINE: i8 = 0x04;
            #[rustfmt::skip]
            let low = _mm256_broadcastsi128_si256(_mm_setr_epi8(
                D | SEP | NUL, D, D, D | MASK, D, D | SEP, D, D,
                D | MASK_X, D, MASK | NEWLINE, SEP, 0, SEP, 0, 0,
            ));
            #[rustfmt::skip]
            let high = _mm256_broadcastsi128_si256(_mm_setr_epi8(
                NUL | NEWLINE, 0, SEP | MASK, D, 0, MASK_X, 0, MASK_X,
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
                    Self::bits(_mm256_slli_epi16(class, 5)),
                ]
            }
        }

        /// `Backend::junctions` of `v`: one table lookup per nibble, whose
        /// AND has bit 7 for a separator and bit 5 or 6 for a mask character.
        #[target_feature(enable = "avx2")]
        #[inline]
        unsafe fn junction_masks(v: __m256i) -> [u64; 2] {
            const SEP: i8 = -0x80;
            const MASK: i8 = 0x20; // `*` and `#`: 0x2A, 0x23
            const MASK_X: i8 = 0x40; // `X` and `x`: 0x58, 0x78
            #[rustfmt::skip]
            let low = _mm256_broadcastsi128_si256(_mm_setr_epi8(
                SEP, 0, 0, MASK, 0, SEP, 0, 0, MASK_X, 0, MASK, SEP, 0, SEP, 0, 0,
            ));
            #[rustfmt::skip]
            let high = _mm256_broadcastsi128_si256(_mm_setr_epi8(
                0, 0, SEP | MASK, 0, 0, MASK_X, 0, MASK_X, 0, 0, 0, 0, 0, 0, 0, 0,
            ));
            // A byte >= 0x80 looks up 0 in `low`.
            let nibble = _mm256_and_si256(_mm256_srli_epi16(v, 4), _mm256_set1_epi8(0x0F));
            let class = _mm256_and_si256(
                _mm256_shuffle_epi8(low, v),
                _mm256_shuffle_epi8(high, nibble),
            );
            // (class & 0x60) + 0x60 has bit 7 iff class has bit 5 or 6.
            let masks = _mm256_and_si256(class, _mm256_set1_epi8(MASK | MASK_X));
            let masks = _mm256_add_epi8(masks, _mm256_set1_epi8(MASK | MASK_X));
            // SAFETY: guaranteed by the caller.
            unsafe { [Self::bits(class), Self::bits(masks)] }
        }
    }

    impl Sse2 {
        /// `Backend::junctions` of `v`, with compares.
        #[target_feature(enable = "sse2")]
        #[inline]
        unsafe fn junction_masks(v: __m128i) -> [u64; 2] {
            // SAFETY: guaranteed by the caller.
            unsafe {
                let eq = |byte: u8| Self::eq(v, byte);
                let sep = _mm_or_si128(
                    _mm_or_si128(eq(b' '), eq(b'-')),
                    _mm_or_si128(eq(b'+'), eq(b'%')),
                );
                // `X` and `x` are the bytes whose OR with 0x20 is `x`.
                let x = Self::eq(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'x');
                let mask = _mm_or_si128(_mm_or_si128(eq(b'*'), eq(b'#')), x);
                [Self::bits(sep), Self::bits(mask)]
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
        // Long runs trigger at their start, isolated short ones not at all.
        assert_eq!(ascii(b"123456789012"), [0]);
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
        // the last three miss a byte when nothing follows them.
        let junctions: &[u8] = b"123456789012/2024-05-01/4532 0151 1283 0366/411111******1111|\
            ************1111/4111%201111%20/ab1234\xe2\x80\xa2\xe2\x80\xa21234/1 1234-12X/\
            x1234+/#1234567890123#/1234\x82\x4f\x82\x501234|12345678901|1234 567|1234 56";
        let mut s: Vec<Vec<u8>> = [short, junctions]
            .iter()
            .flat_map(|seeds| seeds.split(|&b| b == b'|'))
            .map(<[u8]>::to_vec)
            .collect();
        assert_eq!(s.len(), 22 + 5);
        // Long runs that straddle several 16/32/64-byte boundaries.
        s.push(b"0123456789".repeat(14));
        // Runs whose junctions (up to 4 bytes after them) and whose 12th digit
        // (11 bytes after their start) straddle the boundaries.
        s.push(b"1234 5678 ".repeat(7));
        s.push(b"1234-56-".repeat(9));
        s.push(b"12345678901a123456789012a".repeat(3));
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
        const JUNCTIONS: &[u8] = b" -+%*Xx#";
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
                        // A run of 1..=14 digits and a junction byte.
                        for _ in 0..1 + rng.below(14) {
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
    }
}
