#!/usr/bin/env python3
"""Consistency check for rules/brands.json and rules/test_pans.csv.

Applies the same labelling rule as the scanner:
  * the candidate must pass Luhn;
  * only brands whose "lengths" contain len(candidate) are considered;
  * the brand with the longest matching prefix wins ("2221-2720" matches when
    the first 4 digits, read as a number, lie in 2221..=2720);
  * ties between equally long prefixes go to the brand listed first.

Exits non-zero with a message on the first class of problems found, prints a
one-line summary on success.

    python3 scripts/check_brands.py                 # check the rule files
    python3 scripts/check_brands.py --suggest 6011 19 [--seed N] [--count K]
                                                    # print Luhn-valid numbers
                                                    # for new examples
"""
import csv
import json
import os
import random
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BRANDS = os.path.join(ROOT, "rules", "brands.json")
TEST_PANS = os.path.join(ROOT, "rules", "test_pans.csv")
CSV_HEADER = ["pan", "brand", "published_as", "source", "url"]
MIN_LEN, MAX_LEN = 12, 19
BRAND_KEYS = ["id", "name", "tier", "ranges", "lengths", "low_confidence_lengths", "luhn",
              "co_brand_of", "notes", "examples", "negative_examples"]


def luhn_ok(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def parse_range(text):
    """'4' -> (1, 4, 4); '2221-2720' -> (4, 2221, 2720). Raises ValueError."""
    m = re.fullmatch(r"(\d+)(?:-(\d+))?", text)
    if not m:
        raise ValueError("range %r is not DIGITS or DIGITS-DIGITS" % text)
    lo, hi = m.group(1), m.group(2) or m.group(1)
    if len(lo) != len(hi):
        raise ValueError("range %r: both ends must have the same number of digits" % text)
    if int(lo) > int(hi):
        raise ValueError("range %r: low end above high end" % text)
    return len(lo), int(lo), int(hi)


def load_brands(path=BRANDS):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    brands = []
    for b in doc["brands"]:
        b = dict(b)
        b["_ranges"] = [parse_range(r) for r in b["ranges"]]
        brands.append(b)
    return brands


def label(pan, brands):
    """Brand id for a digit string, or None."""
    n = len(pan)
    if not (MIN_LEN <= n <= MAX_LEN) or not pan.isdigit() or not luhn_ok(pan):
        return None
    best, best_len = None, 0
    for b in brands:
        if n not in b["lengths"]:
            continue
        for plen, lo, hi in b["_ranges"]:
            if plen > best_len and lo <= int(pan[:plen]) <= hi:
                best, best_len = b["id"], plen
    return best


def suggest(prefix, length, seed, count):
    rng = random.Random(seed)
    for _ in range(count):
        body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
        print(next(body + c for c in "0123456789" if luhn_ok(body + c)))


def check_structure(doc, errors):
    if set(doc) != {"version", "about", "brands"}:
        errors.append("brands.json top-level keys must be version, about, brands; got %s" % sorted(doc))
    if not isinstance(doc.get("version"), str) or not re.fullmatch(r"\d+\.\d+\.\d+", doc.get("version", "")):
        errors.append("version must be a string like 2026.11.0")
    ids = [b.get("id") for b in doc["brands"]]
    for b in doc["brands"]:
        bid = b.get("id")
        where = "brand %r" % bid
        if set(b) != set(BRAND_KEYS):
            errors.append("%s: keys must be exactly %s; got %s" % (where, BRAND_KEYS, sorted(b)))
            continue
        if not re.fullmatch(r"[a-z][a-z0-9_]*", bid or ""):
            errors.append("%s: id must be lowercase ascii" % where)
        if ids.count(bid) != 1:
            errors.append("%s: duplicate id" % where)
        if not b["name"].isascii() or b["name"] != b["name"].upper():
            errors.append("%s: name must be upper-case ascii" % where)
        if b["tier"] not in (1, 2, 3):
            errors.append("%s: tier must be 1, 2 or 3" % where)
        if not b["ranges"]:
            errors.append("%s: no ranges" % where)
        for r in b["ranges"]:
            try:
                parse_range(r)
            except ValueError as e:
                errors.append("%s: %s" % (where, e))
        lens = b["lengths"]
        if not lens or lens != sorted(set(lens)) or any(not MIN_LEN <= n <= MAX_LEN for n in lens):
            errors.append("%s: lengths must be sorted, unique, within %d..%d" % (where, MIN_LEN, MAX_LEN))
        if any(n not in lens for n in b["low_confidence_lengths"]):
            errors.append("%s: low_confidence_lengths must be a subset of lengths" % where)
        if b["luhn"] is not True:
            errors.append("%s: luhn must be true" % where)
        if b["co_brand_of"] is not None and (b["co_brand_of"] not in ids or b["co_brand_of"] == bid):
            errors.append("%s: co_brand_of %r is not another brand id" % (where, b["co_brand_of"]))
        if not b["notes"].strip():
            errors.append("%s: empty notes" % where)
        if not 3 <= len(b["examples"]) <= 6:
            errors.append("%s: needs 3-6 examples" % where)
        if not 2 <= len(b["negative_examples"]) <= 4:
            errors.append("%s: needs 2-4 negative_examples" % where)
        if len(lens) > 1 and len({len(e) for e in b["examples"]}) < 2:
            errors.append("%s: allows several lengths, so examples need at least two different lengths" % where)


def check_examples(brands, test_pans, errors):
    seen = {}
    for b in brands:
        bid = b["id"]
        for e in b["examples"]:
            if not (isinstance(e, str) and e.isdigit() and MIN_LEN <= len(e) <= MAX_LEN):
                errors.append("%s: example %r is not a 12-19 digit string" % (bid, e))
                continue
            if not luhn_ok(e):
                errors.append("%s: example %s fails Luhn" % (bid, e))
            got = label(e, brands)
            if got != bid:
                errors.append("%s: example %s is labelled %r" % (bid, e, got))
            if e in test_pans:
                errors.append("%s: example %s is a published test PAN; use a generated number" % (bid, e))
            if e in seen:
                errors.append("%s: example %s also used by %s" % (bid, e, seen[e]))
            seen[e] = bid
        for e in b["negative_examples"]:
            if not (isinstance(e, str) and e.isdigit() and MIN_LEN <= len(e) <= MAX_LEN):
                errors.append("%s: negative example %r is not a 12-19 digit string" % (bid, e))
                continue
            got = label(e, brands)
            if got == bid:
                errors.append("%s: negative example %s is labelled with this brand" % (bid, e))


def tie_warnings(brands):
    """Equal-length overlapping ranges in two brands that share a PAN length:
    allowed, but the brand listed first wins, so point them out."""
    out = []
    for i, a in enumerate(brands):
        for b in brands[i + 1:]:
            shared = sorted(set(a["lengths"]) & set(b["lengths"]))
            if not shared:
                continue
            for (pa, loa, hia), ra in zip(a["_ranges"], a["ranges"]):
                for (pb, lob, hib), rb in zip(b["_ranges"], b["ranges"]):
                    if pa == pb and loa <= hib and lob <= hia:
                        out.append("tie: %s %s and %s %s overlap at lengths %s; %s wins (listed first)"
                                   % (a["id"], ra, b["id"], rb, shared, a["id"]))
    return out


def check_test_pans(brands, errors):
    ids = {b["id"] for b in brands}
    pans = {}
    with open(TEST_PANS, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header != CSV_HEADER:
            errors.append("test_pans.csv header must be %s; got %s" % (",".join(CSV_HEADER), header))
            return pans
        for lineno, row in enumerate(reader, start=2):
            where = "test_pans.csv line %d" % lineno
            if len(row) != len(CSV_HEADER):
                errors.append("%s: expected %d fields, got %d" % (where, len(CSV_HEADER), len(row)))
                continue
            pan, brand, published, source, url = row
            if not (pan.isdigit() and MIN_LEN <= len(pan) <= MAX_LEN):
                errors.append("%s: pan %r is not 12-19 digits" % (where, pan))
                continue
            if not luhn_ok(pan):
                errors.append("%s: pan %s fails Luhn" % (where, pan))
            if pan in pans:
                errors.append("%s: pan %s duplicates line %d; merge the publishers" % (where, pan, pans[pan][0]))
            if brand and brand not in ids:
                errors.append("%s: brand %r is not in brands.json" % (where, brand))
            expected = label(pan, brands) or ""
            if brand != expected:
                errors.append("%s: pan %s has brand %r but brands.json labels it %r" % (where, pan, brand, expected))
            if not published.strip() or not source.strip() or not url.strip():
                errors.append("%s: published_as, source and url must be filled" % where)
            elif len(source.split("; ")) != len(url.split("; ")):
                errors.append("%s: source and url must list the same number of entries" % where)
            pans[pan] = (lineno, brand)
    return pans


def main(argv):
    if len(argv) >= 3 and argv[0] == "--suggest":
        prefix, length = argv[1], int(argv[2])
        seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 1
        count = int(argv[argv.index("--count") + 1]) if "--count" in argv else 5
        suggest(prefix, length, seed, count)
        return 0
    errors = []
    try:
        with open(BRANDS, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print("check_brands: cannot load %s: %s" % (BRANDS, e), file=sys.stderr)
        return 1
    check_structure(doc, errors)
    if errors:
        for e in errors:
            print("check_brands: " + e, file=sys.stderr)
        return 1
    brands = load_brands()
    test_pans = check_test_pans(brands, errors)
    check_examples(brands, test_pans, errors)
    if errors:
        for e in errors:
            print("check_brands: " + e, file=sys.stderr)
        print("check_brands: %d problem(s)" % len(errors), file=sys.stderr)
        return 1
    for w in tie_warnings(brands):
        print("check_brands: warning: " + w, file=sys.stderr)
    undetected = sum(1 for _, b in test_pans.values() if not b)
    n_ex = sum(len(b["examples"]) for b in brands)
    n_neg = sum(len(b["negative_examples"]) for b in brands)
    print("check_brands: OK: %d brands, %d examples, %d negative examples, %d test PANs (%d not labelled)"
          % (len(brands), n_ex, n_neg, len(test_pans), undetected))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
