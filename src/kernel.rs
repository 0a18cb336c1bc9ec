//! The trigger kernel: the scanner's hot loop.
//!
//! [`scan`] makes one pass over a buffer (typically 128 KiB, in L2), reports
//! *triggers* — positions where a card number may start — and counts newlines on
//! the way. Everything else (exact parsing, Luhn, ...) runs only at triggers, so
//! this pass has to run near memory bandwidth on text without digits and stay fast
//! on text full of short digit runs (timestamps, prices, IDs).
//!
//! A trigger is the start of a run of digits in one of five encodings, where `d`
//! is an ASCII digit and a pattern counts only if all its bytes are in the buffer:
//! - [`ASCII`]: `d d d d`, not preceded by `d`;
//! - [`WIDE`]: `d 00 d 00 d 00 d`, not preceded by `d 00` (UTF-16LE; UTF-16BE
//!   from its odd bytes; digits separated by NULs in binary files);
//! - [`FULLWIDTH`]: two UTF-8 full-width digits `EF BC 90..=99`, not preceded by one;
//! - [`SJIS`]: two Shift_JIS full-width digits `82 4F..=58`, not preceded by one;
//! - [`EUCJP`]: two EUC-JP full-width digits `A3 B0..=B9`, not preceded by one.
//!
//! [`scan_reference`] is that definition, byte at a time; the fast paths are tested
//! against it. They cut the buffer into 64-byte blocks and classify each block
//! with SIMD compares into `u64` bit masks (bit `j` = byte `j`): digit, NUL,
//! newline and "byte >= 0x80" (a movemask of the raw bytes). A pattern is an AND
//! of masks shifted by its byte offsets; patterns look at most 6 bytes ahead and
//! 3 behind, so block `k` is resolved once block `k + 1` is classified, and the
//! bits that cross a block edge are shifted in from the neighbouring block's masks.
//! Blocks without digits skip ASCII/WIDE, and only blocks with a byte >= 0x80
//! compute the extra masks (`EF`, `BC`, `82`, ...) of the full-width kinds, so
//! plain text costs the classification plus a popcount of the newline mask.
//! Triggers are emitted from the set bits of the trigger masks (`trailing_zeros`
//! loop). The final partial block is copied into a zero-padded buffer and its
//! masks are cut to the valid bytes.
//!
//! Dispatch: on x86_64, AVX2 if the CPU has it (detected once, cached), else
//! SSE2; elsewhere a portable byte-loop classifier feeds the same block logic.

use std::sync::OnceLock;

/// Trigger kinds (bit flags; one position may carry several).
pub const ASCII: u8 = 1; // start of a run of >= 4 ASCII digits
pub const WIDE: u8 = 2; // start of >= 4 digits each followed by a NUL: UTF-16LE/BE text or NUL-separated digits
pub const FULLWIDTH: u8 = 4; // start of >= 2 consecutive UTF-8 full-width digits (U+FF10..U+FF19 = EF BC 90..99)
pub const SJIS: u8 = 8; // start of >= 2 consecutive Shift_JIS full-width digits (82 4F..82 58)
pub const EUCJP: u8 = 16; // start of >= 2 consecutive EUC-JP full-width digits (A3 B0..A3 B9)

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trigger {
    pub pos: u32,
    pub kinds: u8,
}

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
    let at = |i: usize, lo: u8, hi: u8| hay.get(i).is_some_and(|&b| lo <= b && b <= hi);
    let digit = |i: usize| at(i, b'0', b'9');
    // One character of each encoding, starting at `i`.
    let wide = |i: usize| digit(i) && at(i + 1, 0, 0);
    let fullwidth = |i: usize| at(i, 0xEF, 0xEF) && at(i + 1, 0xBC, 0xBC) && at(i + 2, 0x90, 0x99);
    let sjis = |i: usize| at(i, 0x82, 0x82) && at(i + 1, 0x4F, 0x58);
    let eucjp = |i: usize| at(i, 0xA3, 0xA3) && at(i + 1, 0xB0, 0xB9);
    for i in 0..hay.len() {
        let mut kinds = 0;
        if digit(i) && digit(i + 1) && digit(i + 2) && digit(i + 3) && !(i >= 1 && digit(i - 1)) {
            kinds |= ASCII;
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

/// Masks of a run of bytes (a 64-byte block, or the vector after it); bit `j`
/// describes byte `j`.
#[derive(Clone, Copy, Default)]
struct Masks {
    digit: u64,
    zero: u64,
    high: u64, // byte >= 0x80
    // Starts of one full-width digit character, `[EF BC 90..=99, 82 4F..=58,
    // A3 B0..=B9]`. Their lead bytes are >= 0x80: only computed if `high != 0`.
    chars: [u64; 3],
}

/// A classifier of `WIDTH`-byte vectors; masks come back in the low `WIDTH` bits.
trait Backend {
    const WIDTH: usize;
    /// The newline mask of `v[..WIDTH]`, and the mask of its bytes that may
    /// start a trigger (`digit | high`): all that a block without triggers needs.
    ///
    /// # Safety
    /// The CPU supports the instructions the backend uses.
    unsafe fn summary(v: &[u8]) -> (u64, u64);
    /// `(digit, zero, high)` of `v[..WIDTH]`.
    ///
    /// # Safety
    /// As for `summary`.
    unsafe fn masks(v: &[u8]) -> (u64, u64, u64);
    /// `Masks::chars` of `v[..WIDTH]`, which looks at `v[..WIDTH + 2]`.
    ///
    /// # Safety
    /// As for `summary`.
    unsafe fn chars(v: &[u8]) -> [u64; 3];
}

/// A 64-byte block and the 34 bytes after it (look-ahead: one vector and the
/// 2 bytes its characters need).
type Window = [u8; 98];

/// `hay` as windows. The last one or two blocks are copied into a buffer
/// padded with zeros, which need no masking: a NUL is neither a newline nor a
/// byte that starts a trigger, and every pattern ends with a byte that is not
/// NUL. (Plain methods, not closures: all this must inline into the
/// `#[target_feature]` function that runs the loop.)
struct Blocks<'a> {
    hay: &'a [u8],
    direct: usize, // blocks whose window lies in `hay`
    count: usize,
    tail: [u8; 192], // hay[direct * 64..], zero-padded
}

impl<'a> Blocks<'a> {
    #[inline(always)]
    fn new(hay: &'a [u8]) -> Self {
        let direct = (hay.len() / 64).saturating_sub(1);
        let rest = &hay[direct * 64..]; // < 128 bytes
        let mut tail = [0u8; 192];
        tail[..rest.len()].copy_from_slice(rest);
        let count = hay.len().div_ceil(64);
        Blocks {
            hay,
            direct,
            count,
            tail,
        }
    }

    #[inline(always)]
    fn window(&self, k: usize) -> &Window {
        let (bytes, at) = if k < self.direct {
            (self.hay, k * 64)
        } else {
            (&self.tail[..], (k - self.direct) * 64)
        };
        bytes[at..at + 98].try_into().unwrap()
    }
}

/// `Backend::summary` of a 64-byte block.
///
/// # Safety
/// The CPU supports the instructions `B` uses.
#[inline(always)]
unsafe fn summary<B: Backend>(w: &Window) -> (u64, u64) {
    let (mut newline, mut start, mut at) = (0, 0, 0);
    while at < 64 {
        // SAFETY: guaranteed by the caller.
        let (n, s) = unsafe { B::summary(&w[at..]) };
        (newline, start) = (newline | n << at, start | s << at);
        at += B::WIDTH;
    }
    (newline, start)
}

/// The masks of `bytes[..len]` (`len` is 64 or `B::WIDTH`); `chars` only if
/// `want_chars`.
///
/// # Safety
/// The CPU supports the instructions `B` uses.
#[inline(always)]
unsafe fn masks<B: Backend>(bytes: &[u8], len: usize, want_chars: bool) -> Masks {
    let mut m = Masks::default();
    let mut at = 0;
    while at < len {
        // SAFETY: guaranteed by the caller.
        let (d, z, h) = unsafe { B::masks(&bytes[at..]) };
        (m.digit, m.zero, m.high) = (m.digit | d << at, m.zero | z << at, m.high | h << at);
        at += B::WIDTH;
    }
    if want_chars && m.high != 0 {
        at = 0;
        while at < len {
            // SAFETY: as above.
            let c = unsafe { B::chars(&bytes[at..]) };
            for (m, c) in m.chars.iter_mut().zip(c) {
                *m |= c << at;
            }
            at += B::WIDTH;
        }
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

/// ASCII and WIDE trigger masks of the block `cur`.
#[inline(always)]
fn digit_triggers(cur: &Masks, next: &Masks, prev: &Masks) -> (u64, u64) {
    let (d, dn, dp) = (cur.digit, next.digit, prev.digit);
    let d2 = ahead(d, dn, 2);
    let ascii = d & ahead(d, dn, 1) & d2 & ahead(d, dn, 3) & !behind(d, dp, 1);
    let (z, zn) = (cur.zero, next.zero);
    let unit = d & ahead(z, zn, 1); // a digit followed by a NUL
    if unit == 0 {
        return (ascii, 0); // the common case in text: skip the rest
    }
    let prev_unit = behind(d, dp, 2) & behind(z, prev.zero, 1);
    let wide = unit & d2 & ahead(z, zn, 3) & ahead(d, dn, 4) & ahead(z, zn, 5);
    (ascii, wide & ahead(d, dn, 6) & !prev_unit)
}

/// FULLWIDTH, SJIS and EUCJP trigger masks of the block `cur`: a character
/// followed by another and not preceded by one.
#[inline(always)]
fn char_triggers(cur: &Masks, next: &Masks, prev: &Masks) -> [u64; 3] {
    let mut t = [0; 3];
    for (i, n) in [3, 2, 2].into_iter().enumerate() {
        let (c, cn, cp) = (cur.chars[i], next.chars[i], prev.chars[i]);
        t[i] = c & ahead(c, cn, n) & !behind(c, cp, n);
    }
    t
}

/// Appends a trigger for every set bit of `ascii | wide | chars[..]`.
#[inline(always)]
fn emit(out: &mut Vec<Trigger>, base: usize, ascii: u64, wide: u64, chars: [u64; 3]) {
    let [fw, sjis, euc] = chars;
    let any = ascii | wide | fw | sjis | euc;
    if any == ascii {
        push_bits(out, base, any, |_| ASCII); // the common case
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

/// The block loop shared by all fast paths.
///
/// # Safety
/// The CPU supports the instructions `B` uses.
#[inline(always)]
unsafe fn scan_blocks<B: Backend>(
    hay: &[u8],
    count_end: usize,
    out: &mut Vec<Trigger>,
) -> LineStats {
    check_args(hay, count_end);
    let blocks = Blocks::new(hay);
    let (mut newlines, mut last_nl_mask, mut last_nl_base) = (0u64, 0u64, 0usize);
    // Look-behind: the masks of block `prev_k`, the last one examined. A block
    // that was skipped has no digits and no bytes >= 0x80: zero masks stand for it.
    let (mut prev, mut prev_k) = (Masks::default(), usize::MAX);
    for k in 0..blocks.count {
        let base = k * 64;
        let w = blocks.window(k);
        // SAFETY (all `summary` and `masks` calls): the caller guarantees the
        // CPU supports `B`.
        let (newline, start) = unsafe { summary::<B>(w) };
        let counted = count_end.saturating_sub(base);
        let nl = newline
            & if counted >= 64 {
                !0
            } else {
                (1 << counted) - 1
            };
        newlines += u64::from(nl.count_ones());
        if nl != 0 {
            (last_nl_mask, last_nl_base) = (nl, base);
        }
        if start == 0 {
            continue;
        }

        let cur = unsafe { masks::<B>(w, 64, true) };
        let next = unsafe { masks::<B>(&w[64..], B::WIDTH, cur.high != 0) };
        if prev_k.wrapping_add(1) != k {
            prev = Masks::default();
        }
        let (mut ascii, mut wide, mut chars) = (0, 0, [0; 3]);
        if cur.digit != 0 {
            (ascii, wide) = digit_triggers(&cur, &next, &prev);
        }
        if cur.high != 0 {
            chars = char_triggers(&cur, &next, &prev);
        }
        if (ascii | wide | chars[0] | chars[1] | chars[2]) != 0 {
            emit(out, base, ascii, wide, chars);
        }
        (prev, prev_k) = (cur, k);
    }
    LineStats {
        newlines,
        last_newline: (last_nl_mask != 0)
            .then(|| last_nl_base + 63 - last_nl_mask.leading_zeros() as usize),
    }
}

/// Byte-loop classifier: the fast path on targets without a SIMD backend.
struct Portable;

impl Portable {
    fn mask(v: &[u8], pred: impl Fn(&[u8]) -> bool) -> u64 {
        (0..16).fold(0, |m, i| m | u64::from(pred(&v[i..])) << i)
    }
}

impl Backend for Portable {
    const WIDTH: usize = 16;
    unsafe fn summary(v: &[u8]) -> (u64, u64) {
        let newline = Self::mask(v, |b| b[0] == b'\n');
        (
            newline,
            Self::mask(v, |b| b[0].is_ascii_digit() || b[0] >= 0x80),
        )
    }
    unsafe fn masks(v: &[u8]) -> (u64, u64, u64) {
        let digit = Self::mask(v, |b| b[0].is_ascii_digit());
        (
            digit,
            Self::mask(v, |b| b[0] == 0),
            Self::mask(v, |b| b[0] >= 0x80),
        )
    }
    unsafe fn chars(v: &[u8]) -> [u64; 3] {
        let digit = |b: u8, lo: u8| (lo..=lo + 9).contains(&b);
        [
            Self::mask(v, |b| b[0] == 0xEF && b[1] == 0xBC && digit(b[2], 0x90)),
            Self::mask(v, |b| b[0] == 0x82 && digit(b[1], 0x4F)),
            Self::mask(v, |b| b[0] == 0xA3 && digit(b[1], 0xB0)),
        ]
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
    use super::{Backend, LineStats, Trigger};
    use std::arch::x86_64::*;

    /// # Safety
    /// The CPU supports AVX2, BMI1, BMI2, LZCNT and POPCNT.
    #[target_feature(enable = "avx2,bmi1,bmi2,lzcnt,popcnt")]
    pub unsafe fn scan_avx2(hay: &[u8], count_end: usize, out: &mut Vec<Trigger>) -> LineStats {
        // SAFETY: the caller guarantees the features. `scan_blocks` and the
        // `Backend` methods are `#[inline(always)]`, so `Avx2`'s helpers and the
        // intrinsics inline into this function and get compiled for AVX2.
        unsafe { super::scan_blocks::<Avx2>(hay, count_end, out) }
    }

    /// Defines a [`Backend`] on `$width`-byte vectors from the load / set1 /
    /// cmpeq / cmpgt / add / and / or / movemask intrinsics of one instruction set.
    macro_rules! simd_backend {
        ($name:ident, $feature:literal, $vec:ty, $width:literal, $load:ident, $set1:ident,
         $cmpeq:ident, $cmpgt:ident, $add:ident, $and:ident, $or:ident, $movemask:ident) => {
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
                unsafe fn masks(v: &[u8]) -> (u64, u64, u64) {
                    unsafe {
                        let v = Self::load(v);
                        let digit = Self::bits(Self::range10(v, b'0'));
                        (digit, Self::bits(Self::eq(v, 0)), Self::bits(v))
                    }
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
            }
        };
    }

    simd_backend!(
        Avx2,
        "avx2",
        __m256i,
        32,
        _mm256_loadu_si256,
        _mm256_set1_epi8,
        _mm256_cmpeq_epi8,
        _mm256_cmpgt_epi8,
        _mm256_add_epi8,
        _mm256_and_si256,
        _mm256_or_si256,
        _mm256_movemask_epi8
    );
    simd_backend!(
        Sse2,
        "sse2",
        __m128i,
        16,
        _mm_loadu_si128,
        _mm_set1_epi8,
        _mm_cmpeq_epi8,
        _mm_cmpgt_epi8,
        _mm_add_epi8,
        _mm_and_si128,
        _mm_or_si128,
        _mm_movemask_epi8
    );
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

    #[test]
    fn reference_examples() {
        assert_eq!(reference(b"ab 4111 1111"), [(3, ASCII), (8, ASCII)]);
        assert_eq!(reference(b"12345 123 x1234y 12"), [(0, ASCII), (11, ASCII)]);
        assert_eq!(reference(b""), []);
        // UTF-16LE "4111" + "12"; a fifth wide digit continues the run.
        assert_eq!(reference(b"4\x001\x001\x001\x00"), [(0, WIDE)]);
        assert_eq!(reference(b"4\x001\x001\x001"), [(0, WIDE)]);
        assert_eq!(reference(b"4\x001\x001\x00"), []);
        assert_eq!(reference(b"4\x001\x001\x001\x001\x00"), [(0, WIDE)]);
        // UTF-16BE starts at the odd byte; a digit before a wide run does not stop it.
        assert_eq!(reference(b"\x004\x001\x001\x001"), [(1, WIDE)]);
        assert_eq!(reference(b"94\x001\x001\x001"), [(1, WIDE)]);
        assert_eq!(reference(b"1\x002\x003\x004567"), [(0, WIDE), (6, ASCII)]);
        // UTF-8 full-width "１２３" and "a１"+"２".
        let fw = "１２３ a１２ ４".as_bytes();
        assert_eq!(reference(fw), [(0, FULLWIDTH), (11, FULLWIDTH)]);
        assert_eq!(reference(&fw[..5]), []);
        assert_eq!(
            reference(b"\x82\x4f\x82\x58\x82\x50 \x82\x4e\x82\x4f"),
            [(0, SJIS)]
        );
        assert_eq!(
            reference(b"x\xa3\xb0\xa3\xb9\xa3\xba\xa3\xb1"),
            [(1, EUCJP)]
        );
        assert_eq!(reference(b"\xa3\xb0\xa3"), []);
    }

    #[test]
    fn reference_line_stats() {
        let hay = b"a\n12\n3456\n";
        let stats = |end| run(scan_reference, hay, end).1;
        assert_eq!(
            stats(10),
            LineStats {
                newlines: 3,
                last_newline: Some(9)
            }
        );
        assert_eq!(
            stats(9),
            LineStats {
                newlines: 2,
                last_newline: Some(4)
            }
        );
        assert_eq!(
            stats(1),
            LineStats {
                newlines: 0,
                last_newline: None
            }
        );
        assert_eq!(
            run(scan_reference, hay, 0).0,
            [Trigger {
                pos: 5,
                kinds: ASCII
            }]
        );
    }

    #[test]
    fn count_end_past_len_panics() {
        for (name, f) in implementations()
            .into_iter()
            .chain([("scan", scan as ScanFn)])
        {
            let r = std::panic::catch_unwind(|| f(b"12\n", 4, &mut Vec::new()));
            assert!(r.is_err(), "{name} accepted count_end > len");
        }
    }

    fn seeds() -> Vec<Vec<u8>> {
        let mut s: Vec<Vec<u8>> = [
            &b"4111111111111111"[..],
            b"123",
            b"1234",
            b"12 1234 12345\n1\n",
            b"4\x001\x001\x001\x00",
            b"4\x001\x001\x001",
            b"\x004\x001\x001\x001\x00",
            b"1\x002\x003\x004\x005\x006\x00\n",
            b"1\x002\x003\x00",
            b"7\x004\x001\x001\x001\x00 1\x00\x002\x00",
            b"\xef\xbc\x91\xef\xbc\x92",
            b"\xef\xbc\x91\xef\xbc\x92\xef\xbc\x99\xef\xbc\x90",
            b"\xef\xbc\x91\xef\xbc\x9a\xef\xbc\x91",
            b"\xef\xbc\x91\xef\xbc",
            b"\x82\x4f\x82\x58",
            b"\x82\x4f\x82\x58\x82\x50\x82\x4e",
            b"\x82\x4f\x82",
            b"\xa3\xb0\xa3\xb9\xa3\xb5",
            b"\xa3\xb0\xa3\xba\xa3\xb1\xa3\xb2",
            b"\xa3\xb0\xa3",
            b"\n\n\n",
            b"12\n\xef\xbc\x91\xef\xbc\x92\x0012\x0034\x82\x50\x82\x51\xa3\xb1\xa3\xb1 9\x009\x00",
        ]
        .iter()
        .map(|s| s.to_vec())
        .collect();
        // Long runs that straddle several 16/32/64-byte boundaries.
        s.push(b"0123456789".repeat(14));
        s.push(b"9\x00".repeat(70));
        s.push("０１２３４５６７８９".repeat(5).into_bytes());
        s.push(b"\x82\x50".repeat(70));
        // A character at the end of one block, none in the next, a pair in the third.
        s.push(
            [
                &b"\xef\xbc\x91"[..],
                &[b'x'; 64],
                b"\xef\xbc\x91\xef\xbc\x92",
            ]
            .concat(),
        );
        s.push([&b"\x82\x50"[..], &[b'x'; 64], b"\x82\x50\x82\x51"].concat());
        s
    }

    #[test]
    fn seeds_with_padding() {
        for seed in seeds() {
            for fill in [b'a', 0, b'9'] {
                for left in 0..=130 {
                    // All right paddings for some left paddings, a few for the rest.
                    let all_right = [0, 1, 62, 63, 64, 130].contains(&left);
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

    /// Bytes or whole characters from an alphabet rich in the pattern bytes.
    fn random_input(rng: &mut XorShift, len: usize) -> Vec<u8> {
        const BYTES: &[u8] = b"0123456789\x00\n\xef\xbc\x90\x95\x99\x82\x4f\x55\x58\xa3\xb0\xb9a ";
        let mut v = Vec::with_capacity(len + 15);
        let digit = |rng: &mut XorShift| rng.below(10) as u8;
        while v.len() < len {
            let (kind, reps) = (rng.below(8), 1 + rng.below(5));
            for _ in 0..reps {
                match kind {
                    0..=2 => v.push(BYTES[rng.below(BYTES.len())]),
                    3 => v.push(b'0' + digit(rng)),
                    4 => v.extend([b'0' + digit(rng), 0]),
                    5 => v.extend([0xEF, 0xBC, 0x90 + digit(rng)]),
                    6 => v.extend([0x82, 0x4F + digit(rng)]),
                    _ => v.extend([0xA3, 0xB0 + digit(rng)]),
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
