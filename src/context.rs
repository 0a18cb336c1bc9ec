//! Context around a candidate: the words near it (card, cc, カード番号, … or
//! imei, tracking, …, from `rules/context.json`) and an expiry date nearby.
//! Words are searched in the raw bytes of the source, in every encoding the
//! scanner reads (UTF-8, UTF-16LE/BE, Shift_JIS, EUC-JP), with one
//! Aho-Corasick automaton, so no window is ever decoded. The result feeds
//! the confidence score and the `negative_context` filter.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::bytes::Regex;

use crate::rules::ContextSpec;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    Utf8,
    Utf16Le,
    Utf16Be,
    Legacy,
}

#[derive(Clone, Debug)]
struct Pat {
    word: usize,
    positive: bool,
    form: Form,
    /// ASCII word of three letters or fewer: needs a boundary on both sides.
    short: bool,
    ascii: bool,
}

/// What the context of one candidate says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// The positive word nearest the candidate, if any.
    pub positive: Option<String>,
    /// The negative word nearest the candidate, if any, and its distance
    /// in bytes before the candidate (None if it is after it).
    pub negative: Option<(String, Option<usize>)>,
    /// Distance in bytes before the candidate of the nearest positive word
    /// that precedes it.
    pub positive_before: Option<usize>,
    pub expiry: bool,
}

/// The compiled context rules.
pub struct Matcher {
    ac: AhoCorasick,
    pats: Vec<Pat>,
    words: Vec<String>,
    expiry: Regex,
    pub window: usize,
    pub adjacent: usize,
}

impl Matcher {
    pub fn new(spec: &ContextSpec) -> Matcher {
        let mut pats = Vec::new();
        let mut bytes: Vec<Vec<u8>> = Vec::new();
        let mut words = Vec::new();
        let all = spec
            .positive
            .iter()
            .map(|w| (w, true))
            .chain(spec.negative.iter().map(|w| (w, false)));
        for (w, positive) in all {
            let word = words.len();
            words.push(w.clone());
            let ascii = w.is_ascii();
            let short = ascii && w.len() <= 3;
            let mut add = |b: Vec<u8>, form: Form| {
                if !b.is_empty() {
                    bytes.push(b);
                    pats.push(Pat {
                        word,
                        positive,
                        form,
                        short,
                        ascii,
                    });
                }
            };
            add(w.as_bytes().to_vec(), Form::Utf8);
            add(
                w.encode_utf16().flat_map(|u| u.to_le_bytes()).collect(),
                Form::Utf16Le,
            );
            add(
                w.encode_utf16().flat_map(|u| u.to_be_bytes()).collect(),
                Form::Utf16Be,
            );
            if !ascii {
                for enc in [encoding_rs::SHIFT_JIS, encoding_rs::EUC_JP] {
                    let (b, _, bad) = enc.encode(w);
                    if !bad {
                        add(b.into_owned(), Form::Legacy);
                    }
                }
            }
        }
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&bytes)
            .expect("context words build an automaton");
        // MM/YY or MM/YYYY with / or -, not part of a longer date or number.
        let expiry = Regex::new(
            r"(?:^|[^0-9/\-.:])(?:0[1-9]|1[0-2]) ?[/\-] ?(?:20)?[0-9]{2}(?:$|[^0-9/\-.:])",
        )
        .expect("expiry regex");
        Matcher {
            ac,
            pats,
            words,
            expiry,
            window: spec.window_bytes,
            adjacent: spec.negative_adjacent_bytes,
        }
    }

    /// Examines `src[win_start..win_end]` around a candidate at
    /// `src[start..end]`; `text` is the candidate's neighbourhood as the
    /// tokenizer saw it (ASCII or projected), searched for an expiry date.
    pub fn examine(&self, src: &[u8], start: usize, end: usize, text: &[u8]) -> Context {
        let ws = start.saturating_sub(self.window);
        let we = (end + self.window).min(src.len());
        let hay = &src[ws..we];
        let mut ctx = Context::default();
        let mut best_pos: Option<usize> = None;
        let mut best_neg: Option<usize> = None;
        for m in self.ac.find_iter(hay) {
            let (ms, me) = (ws + m.start(), ws + m.end());
            let pat = &self.pats[m.pattern().as_usize()];
            if pat.ascii && !boundary_ok(src, ms, me, pat.form, pat.short) {
                continue;
            }
            // Distance to the candidate: 0 if overlapping.
            let dist = if me <= start {
                start - me
            } else {
                ms.saturating_sub(end)
            };
            let before = (me <= start).then(|| start - me);
            let word = &self.words[pat.word];
            if pat.positive {
                if best_pos.is_none_or(|d| dist < d) {
                    best_pos = Some(dist);
                    ctx.positive = Some(word.clone());
                }
                if let Some(b) = before {
                    if ctx.positive_before.is_none_or(|d| b < d) {
                        ctx.positive_before = Some(b);
                    }
                }
            } else if best_neg.is_none_or(|d| dist < d) {
                best_neg = Some(dist);
                ctx.negative = Some((word.clone(), before));
            }
        }
        ctx.expiry = self.expiry.is_match(text);
        ctx
    }
}

/// An ASCII word must not be glued to letters on its left (so `cc` does
/// not match inside `accept`); a short word must not be glued to a letter
/// on its right nor to a letter or digit on its left (`22CC6` is a hex
/// word), nor be a file name's extension (`hb-subset.cc`: a dot after a
/// letter or digit). Digits on the right (`cc4111…`), `_`, `-`, `=` are fine.
fn boundary_ok(src: &[u8], ms: usize, me: usize, form: Form, short: bool) -> bool {
    // The low byte of the code unit `n` before the word is at
    // `ms + bias - step * n`; `next` is the low byte of the unit after it.
    let (step, bias, next) = match form {
        Form::Utf8 | Form::Legacy => (1, 0, src.get(me).copied()),
        // "c\0c\0": the previous unit's low byte is 2 back.
        Form::Utf16Le => (2, 0, src.get(me).copied()),
        // "\0c\0c": the previous unit's low byte is just before.
        Form::Utf16Be => (2, 1, src.get(me + 1).copied()),
    };
    let unit = |n: usize| (ms + bias).checked_sub(step * n).map(|i| src[i]);
    let letter = |c: Option<u8>| c.is_some_and(|c| c.is_ascii_alphabetic());
    let digit = |c: Option<u8>| c.is_some_and(|c| c.is_ascii_digit());
    let prev = unit(1);
    let extension = prev == Some(b'.') && unit(2).is_some_and(|c| c.is_ascii_alphanumeric());
    !(letter(prev) || short && (letter(next) || digit(prev) || extension))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher() -> Matcher {
        Matcher::new(&crate::rules::get().context)
    }

    fn ctx(text: &str) -> Context {
        let m = matcher();
        let s = text.find('4').unwrap();
        let e = s + 16;
        m.examine(text.as_bytes(), s, e, text.as_bytes())
    }

    #[test]
    fn words_in_every_encoding() {
        assert_eq!(
            ctx("Card: 4111111111111111").positive.as_deref(),
            Some("card")
        );
        assert_eq!(
            ctx("カード番号 4111111111111111").positive.as_deref(),
            Some("カード番号")
        );
        let m = matcher();
        let s = "card 4111111111111111";
        let le: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        assert_eq!(
            m.examine(&le, 10, 42, b"").positive.as_deref(),
            Some("card")
        );
        // A file name's extension is no word, in UTF-16 either.
        for (text, word) in [
            ("a.cc 4111111111111111", None),
            ("a cc 4111111111111111", Some("cc")),
        ] {
            let le: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
            let be: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
            assert_eq!(
                m.examine(&le, 10, 42, b"").positive.as_deref(),
                word,
                "{text} LE"
            );
            assert_eq!(
                m.examine(&be, 10, 42, b"").positive.as_deref(),
                word,
                "{text} BE"
            );
        }
        let (sj, _, _) = encoding_rs::SHIFT_JIS.encode("カード番号 4111111111111111");
        let at = sj.len() - 16;
        assert!(m.examine(&sj, at, sj.len(), b"").positive.is_some());
    }

    #[test]
    fn boundaries() {
        assert_eq!(ctx("accept 4111111111111111").positive, None);
        assert_eq!(ctx("cc=4111111111111111").positive.as_deref(), Some("cc"));
        assert_eq!(ctx("pancake 4111111111111111").positive, None);
        assert_eq!(ctx("22CC6 4111111111111111").positive, None);
        assert_eq!(ctx("src/hb-subset.cc 4111111111111111").positive, None);
        assert_eq!(
            ctx("etc. cc 4111111111111111").positive.as_deref(),
            Some("cc")
        );
        assert_eq!(ctx("x=1.cc 4111111111111111").positive, None);
        assert_eq!(ctx(". cc 4111111111111111").positive.as_deref(), Some("cc"));
        assert_eq!(
            ctx("cardNumber=4111111111111111").positive.as_deref(),
            Some("cardnumber")
        );
    }

    #[test]
    fn negative_and_expiry() {
        let c = ctx("IMEI: 4111111111111111");
        assert_eq!(c.negative, Some(("imei".to_string(), Some(2))));
        assert!(ctx("4111111111111111 exp 12/27").expiry);
        assert!(ctx("4111111111111111 12/2027").expiry);
        assert!(!ctx("4111111111111111 2024-05-01").expiry);
        assert!(!ctx("4111111111111111 12/25/2024").expiry);
        assert!(!ctx("4111111111111111 v1.12-25").expiry);
    }
}
