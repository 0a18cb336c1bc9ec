#!/usr/bin/env python3
"""Deterministic end-to-end benchmark corpus for pan-scan (standard library only).

    python3 scripts/mkcorpus.py OUTDIR --size 1G [--seed 1] [--check] [--force]
    python3 scripts/mkcorpus.py OUTDIR --containers --size 256M [--no-zstd] [...]
    python3 scripts/mkcorpus.py OUTDIR --check-only

Writes a mixed tree of about --size bytes (K/M/G suffixes, powers of 1024) into OUTDIR:
application logs, nginx access logs, POS terminal logs, a Japanese UTF-8 log, JSON Lines
API captures, SQL dumps, CSV exports, UTF-16LE Windows exports, random binary blobs,
PostgreSQL-like 8 KiB page files with NUL padding, prose documents, and thousands of small
files in nested and hidden directories (.cache/, .config/, .local/) plus two .env files.
The same --size and --seed always give byte-identical output.

Card data is planted about once per 2 MiB (at least 50 items) and listed in
OUTDIR/planted.tsv, one row per item, no header, sorted by path and line:

    path<TAB>line<TAB>kind<TAB>brand<TAB>form

  path   relative to OUTDIR, '/' separated
  line   1 + number of 0x0A bytes in the file before the first byte of the item (this holds
         for UTF-8, binary and UTF-16LE files alike; the UTF-16LE files hold only ASCII text,
         so no code unit other than U+000A contains a 0x0A byte)
  kind   pan | track1 | track2 | masked_pan
  brand  visa | mastercard | amex | discover | jcb
  form   contiguous, grouped_space, grouped_dash, json_string, json_number, csv, sql,
         binary_nul, utf16le, fullwidth, track2, track1, masked

OUTDIR/expected.json holds {"findings", "by_kind", "files", "bytes", ...}; files and bytes
count the data files only (not planted.tsv and expected.json, which are written into
OUTDIR too and contain no card data).

--containers writes the container corpus instead (into its own OUTDIR): compressed logs and
archives that hold about --size bytes once decompressed.  Rotated logs as logrotate leaves
them (var/log/app/app.log, app.log.1, app.log.2.gz ... app.log.9.gz; nginx likewise),
multi-member gzip POS logs, .bz2 and .xz logs and an .xz SQL dump, .zst logs (made with the
zstd tool, only when it is installed and --no-zstd is not given; params.zstd says which),
tar.gz site backups holding logs, SQL, CSV, config, a still-gzipped rotated log and a zip,
a .tgz of home directories (many small files), a pg_basebackup-style tar.gz of heap pages,
and deflate zips of CSV, JSON lines, JSON and a UTF-16LE report.  The contents come from
the same line generators and planting as the main corpus.  Everything is deterministic
(gzip mtime 0, tar members sorted with fixed owner and mtime, fixed zip dates); the .zst
bytes depend on the zstd version, their content does not.  In planted.tsv a member's path
is written the way pan-scan writes it: containers joined by '!', a compressed stream X.gz
holding X (.gz .bz2 .xz .zst dropped, .tgz holding .tar), archive members by name:

    var/log/app/app.log.2.gz!app.log.2
    backups/site-2024.tar.gz!site-2024.tar!site/logs/app.log.1.gz!app.log.1
    exports/2024-q3.zip!data/orders.csv

and line is the line within the decompressed member.  expected.json adds compressed_files,
compressed_bytes (their size on disk), decompressed_bytes and members (the leaves inside
them), plain_files and plain_bytes (app.log, app.log.1, access.log.1), scanned_bytes
(decompressed + plain) and by_format.  --check decompresses every member (Python's gzip,
bz2, lzma, tarfile, zipfile; zstd -dc) and checks each on its own.

The noise is built so that a careful scanner finds nothing but the planted items: no digit
run, and no chain of digit groups joined by single ' ', TAB, '-', '+' or '.' (full-width digits
and separators normalised to ASCII), that totals 12-19 digits passes Luhn; no '*', 'x',
'X', '#', U+2022 or U+25CF touches a digit; no 10+ digit run is followed by '=' or '^'; no
digit-'D'-digit; no '%B' before a digit; no 4 ASCII digits each followed by NUL in binary
files. Every pool line is checked when it is made; --check re-reads the whole corpus and
verifies all of it (about 2 minutes for 1G on 2 cores, so use it on small sizes).
"""
import argparse
import bz2
import collections
import concurrent.futures
import gzip
import io
import itertools
import json
import lzma
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile

GEN_VERSION = 1
META_FILES = ("planted.tsv", "expected.json")
INCOMPLETE = ".mkcorpus-incomplete"
MiB = 1 << 20

# --------------------------------------------------------------------------------------
# Luhn, candidate enumeration and the noise rules
# --------------------------------------------------------------------------------------


_DBL = str.maketrans("0123456789", "0246813579")


def luhn_ok(d):
    """Luhn check of an ASCII digit string."""
    return (sum(d[-1::-2].encode()) + sum(d[-2::-2].translate(_DBL).encode()) - 48 * len(d)) % 10 == 0


def luhn_complete(body):
    for c in "0123456789":
        if luhn_ok(body + c):
            return body + c
    raise AssertionError("unreachable")


def luhn_break(d):
    """Return d, with its last digit changed if d is a 12-19 digit Luhn-valid number."""
    if 12 <= len(d) <= 19 and luhn_ok(d):
        d = d[:-1] + chr(48 + (ord(d[-1]) - 47) % 10)
    return d


# Full-width digits and a few look-alike separators are normalised before checking.
NORM = {0xFF10 + i: 0x30 + i for i in range(10)}
NORM.update({0x3000: 0x20, 0x00A0: 0x20, 0x2007: 0x20, 0x2009: 0x20, 0x202F: 0x20,
             0xFF0D: 0x2D, 0x2010: 0x2D, 0x2011: 0x2D, 0x2012: 0x2D, 0x2013: 0x2D,
             0xFF0B: 0x2B, 0xFF0E: 0x2E})

# A chain of digit groups joined by single separators, with at least 12 digits.  The
# leftmost match always starts at the chain's first digit and ends at its last.
CHAIN_RE = re.compile(r"[0-9](?:[ \t\-+.]?[0-9]){11,}")
GROUP_RE = re.compile(r"[0-9]+")
# The patterns below start with a rare character and look behind for the digits, which
# keeps Python's re fast on digit-heavy text.
_M = "[*xX#\u2022\u25cf]"
FORBID_TEXT_RE = re.compile(
    _M + "(?<=[0-9]" + _M + ")|" + _M + "[0-9]"       # mask character touching a digit
    r"|[=^](?<=[0-9]{10}[=^])"                         # 10+ digits then = or ^
    r"|D(?<=[0-9]D)[0-9]"                              # digit D digit
    r"|%[Bb][0-9]|[\x00-\x08\x0b\x0c\x0e-\x1f]")      # track 1 start, control characters
FORBID_BIN_RE = re.compile(
    r"\x00(?<=[0-9]\x00)(?:[0-9]\x00){3}"                # 4 digits each followed by NUL
    r"|[*xX#](?<=[0-9]{4}[*xX#])[*xX#]+[0-9]{2}"       # masked look-alike
    r"|[=^](?<=[0-9]{10}[=^])|D(?<=[0-9]D)[0-9]{7}|%B[0-9]{6}")
# A masked PAN: 6 digits, 3-9 '*', 4 digits (match starts at the first '*').
MASKED_RE = re.compile(r"\*(?<=(?<![0-9])[0-9]{6}\*)\*{2,8}[0-9]{4}(?![0-9])")


def luhn_candidates(t, pos=0, endpos=None):
    """Yield (start, end, digits) for every Luhn-valid candidate in t: each maximal digit
    run, and each run of consecutive digit groups of a separator-joined chain, whose digits
    total 12-19.  t must already be normalised (ASCII digits)."""
    if endpos is None:
        endpos = len(t)
    for m in CHAIN_RE.finditer(t, pos, endpos):
        run = m.group()
        if run.isdigit():  # one plain digit run: the common case
            if len(run) <= 19 and luhn_ok(run):
                yield m.start(), m.end(), run
            continue
        groups = [(g.start(), g.end(), g.group()) for g in GROUP_RE.finditer(t, m.start(), m.end())]
        n = len(groups)
        for i in range(n):
            digs = ""
            for j in range(i, n):
                digs += groups[j][2]
                if len(digs) > 19:
                    break
                if len(digs) >= 12 and luhn_ok(digs):
                    yield groups[i][0], groups[j][1], digs


def noise_ok(s):
    t = s.translate(NORM)
    if FORBID_TEXT_RE.search(t):
        return False
    for _ in luhn_candidates(t):
        return False
    return True


def bin_noise_ok(b):
    t = b.decode("latin-1")
    if FORBID_BIN_RE.search(t):
        return False
    for _ in luhn_candidates(t):
        return False
    return True


# Fast path for binary data: translate to character classes and look for the shortest
# shapes any violation needs ("000": 3+ digits in a row; "0s0s0"/"0s00s0": a separator chain
# of short groups; "0n0n0n0n": digits each followed by NUL); only around those is the full
# check run.  A 12-digit chain made of 1-2 digit groups has 3 consecutive groups, hence one
# of the two separator shapes.
_BIN_TR = bytearray(b"a" * 256)
for _c in b"0123456789":
    _BIN_TR[_c] = ord("0")
for _c in b" \t-+.":
    _BIN_TR[_c] = ord("s")
_BIN_TR[0] = ord("n")
_BIN_TR = bytes(_BIN_TR)


def bin_noise_ok_fast(data):
    y = data.translate(_BIN_TR)
    for lit in (b"000", b"0s0s0", b"0s00s0", b"0n0n0n0n"):
        i = y.find(lit)
        while i >= 0:
            if not bin_noise_ok(data[max(0, i - 48):i + 64]):
                return False
            i = y.find(lit, i + 3)
    return True


# --------------------------------------------------------------------------------------
# Planted PANs
# --------------------------------------------------------------------------------------

BRANDS = ("visa", "mastercard", "amex", "discover", "jcb")
BRAND_WEIGHTS = (40, 30, 10, 10, 10)
# Published test numbers and ranges that belong to other brands (Elo, Dankort, LankaPay).
BAD_PREFIXES = ("401178", "401179", "431274", "438935", "451416", "457393", "457631", "457632",
                "4571", "411111", "424242", "401288", "400000", "400005", "400002", "422222",
                "555555", "510510", "520082", "222300", "601111", "601100", "601198", "378282",
                "371449", "378734", "353011", "356600", "357111")
SEQ_UP = "01234567890123456789"
SEQ_DOWN = "98765432109876543210"
REPEAT5_RE = re.compile(r"(\d)\1{4}")


def gen_pan(r, brand):
    while True:
        if brand == "visa":
            body, n = "4" + "%05d" % r.randrange(100000), 16
        elif brand == "mastercard":
            if r.random() < 0.7:
                body = str(r.randint(51, 55)) + "%04d" % r.randrange(10000)
            else:
                body = str(r.randint(2221, 2720)) + "%02d" % r.randrange(100)
            n = 16
        elif brand == "amex":
            body, n = r.choice(("34", "37")) + "%04d" % r.randrange(10000), 15
        elif brand == "discover":
            body, n = "6011" + "%02d" % r.randrange(100), 16
        else:
            body, n = str(r.randint(3528, 3589)) + "%02d" % r.randrange(100), 16
        body += "".join(r.choice("0123456789") for _ in range(n - 1 - len(body)))
        pan = luhn_complete(body)
        if pan.startswith(BAD_PREFIXES) or REPEAT5_RE.search(pan) or len(set(pan)) < 5:
            continue
        if any(pan[i:i + 6] in SEQ_UP or pan[i:i + 6] in SEQ_DOWN for i in range(n - 5)):
            continue
        return pan


def brand_of(pan):
    """Brand of a generated PAN (or masked PAN) from its first digits."""
    if pan[0] == "4":
        return "visa"
    if pan[:2] in ("34", "37"):
        return "amex"
    if pan[:4] == "6011":
        return "discover"
    if pan[:2] == "35":
        return "jcb"
    return "mastercard"


def mask(pan):
    return pan[:6] + "*" * (len(pan) - 10) + pan[-4:]


def grouped(pan, sep):
    if len(pan) == 15:
        parts = (pan[:4], pan[4:10], pan[10:])
    else:
        parts = tuple(pan[i:i + 4] for i in range(0, len(pan), 4))
    return sep.join(parts)


def fullwidth(s):
    return "".join(chr(0xFF10 + ord(c) - 48) if "0" <= c <= "9" else c for c in s)


FORMS = [  # form, kind, weight (share of planted items)
    ("contiguous", "pan", 14), ("grouped_space", "pan", 6), ("grouped_dash", "pan", 6),
    ("json_string", "pan", 7), ("json_number", "pan", 5), ("csv", "pan", 9), ("sql", "pan", 9),
    ("binary_nul", "pan", 5), ("utf16le", "pan", 4), ("fullwidth", "pan", 4),
    ("track2", "track2", 8), ("track1", "track1", 6), ("masked", "masked_pan", 10),
]

# --------------------------------------------------------------------------------------
# Noise vocabulary
# --------------------------------------------------------------------------------------

FIRST = ("james mary john patricia robert jennifer michael linda william elizabeth david barbara "
         "richard susan joseph jessica thomas sarah charles karen daniel nancy matthew lisa anthony "
         "betty mark sandra paul ashley steven emily andrew donna kenneth michelle joshua carol kevin "
         "amanda brian melissa george deborah timothy stephanie ronald rebecca jason laura ryan anna "
         "jacob emma gary olivia eric sophia noah mia lukas lea jonas hanna marco giulia pierre camille "
         "hiroshi yuki kenji aiko sven ingrid pablo lucia").split()
LAST = ("smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez "
        "gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white harris "
        "sanchez clark ramirez lewis robinson walker young allen king wright scott torres nguyen hill "
        "flores green adams nelson baker hall rivera campbell mitchell carter roberts mueller schmidt "
        "schneider fischer weber meyer wagner becker rossi russo ferrari bianchi dubois bernard "
        "tanaka suzuki takahashi watanabe yamamoto nakamura kobayashi lindqvist novak kowalski").split()
CITIES = ("berlin hamburg munich paris lyon madrid barcelona rome milan vienna zurich amsterdam "
          "rotterdam brussels london manchester dublin lisbon warsaw prague stockholm oslo copenhagen "
          "helsinki boston chicago seattle austin denver toronto vancouver tokyo osaka sydney").split()
COUNTRIES = ("DE", "FR", "ES", "IT", "AT", "CH", "NL", "BE", "GB", "IE", "PT", "PL", "CZ", "SE",
             "NO", "DK", "FI", "US", "CA", "JP", "AU")
CURRENCIES = ("EUR", "USD", "GBP", "CHF", "SEK", "JPY", "PLN", "CAD")
WORDS = ("the a an customer order invoice payment refund shipment account report meeting quarterly "
         "budget review ticket support escalation backlog release deploy server cluster database "
         "migration schema index query latency cache session token request response error warning "
         "timeout retry queue worker batch export import vendor supplier contract renewal discount "
         "promotion campaign newsletter subscriber inventory warehouse stock price tax total "
         "subtotal currency exchange rate balance ledger journal entry reconciliation audit "
         "compliance policy access control backup restore snapshot volume disk memory network "
         "firewall gateway proxy certificate expiry rotation password email phone address city "
         "country postal note follow up call scheduled approved rejected pending completed shipped "
         "delivered returned cancelled please check with team before friday monday after lunch "
         "we need to update confirm send again tomorrow next week asap thanks regards").split()
SERVICES = ("orders", "payments", "catalog", "checkout", "inventory", "shipping", "accounts",
            "notifications", "search", "pricing")
RESOURCES = ("orders", "customers", "payments", "refunds", "invoices", "products", "carts",
             "shipments", "sessions", "coupons")
METHODS = ("GET", "GET", "GET", "POST", "PUT", "DELETE", "PATCH")
STATUS = (200, 200, 200, 201, 204, 301, 304, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
UAS = ("Mozilla/5.0 (Windows NT 10.0; Win64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.91 Safari/537.36",
       "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
       "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
       "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.6312.118 Mobile Safari/537.36",
       "okhttp/4.12.0", "curl/8.5.0", "python-requests/2.31.0", "Go-http-client/2.0",
       "Mozilla/5.0 (Linux; rv:125.0) Gecko/20100101 Firefox/125.0")
TOKEN_ALPHABET = "abcdefghijkmnopqrstuvwyzABCEFGHJKLMNPQRSTUVWYZ23456789"
HOSTS = ("api.shop.example", "pay.example.net", "auth.example.org", "cdn.example.com",
         "hooks.example.io", "erp.internal.example")
PROVIDERS = ("adyen", "stripe", "braintree", "worldline", "nexi", "klarna", "paypal")
CARRIERS = ("dhl", "ups", "fedex", "gls", "dpd", "usps", "royalmail", "yamato")
JP_MSGS = ("注文を受け付けました", "在庫を確認しています", "決済が完了しました", "配送先住所を更新しました",
           "ログインに成功しました", "セッションがタイムアウトしました", "ポイントを付与しました",
           "クーポンを適用しました", "お問い合わせを受信しました", "返品リクエストを処理中です",
           "メールを送信しました", "カートに商品を追加しました")
JP_NAMES = ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田")
JP_PREFS = ("東京都", "大阪府", "神奈川県", "愛知県", "福岡県", "北海道", "京都府", "兵庫県")


class FastRandom(random.Random):
    """random.Random with cheaper randint/randrange/choice (deterministic; the float path is
    used only for spans below 2**48, so every value stays reachable)."""

    def randint(self, a, b):
        if b - a < 1 << 48:
            return a + int(self.random() * (b - a + 1))
        return super().randint(a, b)

    def randrange(self, start, stop=None, step=1):
        if stop is None and start < 1 << 48:
            return int(self.random() * start)
        return super().randrange(start, stop, step)

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


class Noise:
    """Field makers.  Each returns a str; numbers that are 12-19 digits long are already
    Luhn-broken, everything else is checked line by line by noise_ok()."""

    def __init__(self, r):
        self.r = r

    def date(self):
        r = self.r
        return "%d-%02d-%02d" % (r.randint(2023, 2025), r.randint(1, 12), r.randint(1, 28))

    def iso(self, tz="Z"):
        r = self.r
        return "%sT%02d:%02d:%02d.%03d%s" % (self.date(), r.randrange(24), r.randrange(60),
                                             r.randrange(60), r.randrange(1000), tz)

    def sqlts(self):
        r = self.r
        return "%s %02d:%02d:%02d" % (self.date(), r.randrange(24), r.randrange(60), r.randrange(60))

    def unix(self):
        return str(self.r.randint(1672531200, 1767225599))

    def unix_ms(self):
        return luhn_break(str(self.r.randint(1672531200000, 1767225599999)))

    def unix_us(self):
        return luhn_break(str(self.r.randint(1672531200000000, 1767225599999999)))

    def digits(self, n):
        r = self.r
        return luhn_break(str(r.randint(10 ** (n - 1), 10 ** n - 1)))

    def longrun(self):
        return self.digits(self.r.randint(20, 30))

    def hexs(self, n):
        return "%0*x" % (n, self.r.getrandbits(4 * n))

    def uuid(self):
        h = self.hexs(32)
        return "%s-%s-4%s-%s%s-%s" % (h[:8], h[8:12], h[13:16], "89ab"[self.r.randrange(4)], h[17:20], h[20:])

    def token(self, n):
        return "".join(self.r.choices(TOKEN_ALPHABET, k=n))

    def ip(self):
        r = self.r
        return "%d.%d.%d.%d" % (r.choice((10, 172, 192, 203, 198, 185, 91, 34, 52, 81)),
                                r.randrange(256), r.randrange(256), r.randint(1, 254))

    def phone(self):
        r = self.r
        k = r.randrange(7)
        if k == 0:
            return "+1" + self.digits(10)
        if k == 1:
            return self.digits(10)
        if k == 2:
            return "+44 20 %04d %04d" % (r.randrange(10000), r.randrange(10000))
        if k == 3:
            return "+49 30 %d" % r.randint(1000000, 99999999)
        if k == 4:
            return "(%03d) 555-%04d" % (r.randint(201, 989), r.randrange(10000))
        if k == 5:
            return "+33 %d %02d %02d %02d %02d" % (r.randint(1, 9), r.randrange(100), r.randrange(100),
                                                    r.randrange(100), r.randrange(100))
        return "0" + self.digits(10)

    def price(self):
        r = self.r
        return "%d.%02d" % (r.choice((r.randrange(100), r.randrange(1000), r.randrange(10000))),
                            r.randrange(100))

    def cents(self):
        return str(self.r.randint(50, 2500000))

    def order(self):
        r = self.r
        k = r.randrange(6)
        if k == 0:
            return "ORD-%s-%06d" % (self.date().replace("-", ""), r.randrange(1000000))
        if k == 1:
            return str(r.randint(10 ** 7, 10 ** 9))
        if k == 2:
            return self.digits(12)
        if k == 3:
            return "SO" + self.digits(10)
        if k == 4:
            return "%d-%07d" % (r.randint(100, 999), r.randrange(10 ** 7))
        return "INV/%d/%05d" % (r.randint(2023, 2025), r.randrange(100000))

    def version(self):
        r = self.r
        return "%d.%d.%d" % (r.randint(0, 20), r.randint(0, 40), r.randint(0, 200))

    def iban(self):
        r = self.r
        k = r.randrange(4)
        if k == 0:
            return "DE%02d%s" % (r.randrange(100), self.digits(18))
        if k == 1:
            return "GB%02dNWBK%s" % (r.randrange(100), self.digits(14))
        if k == 2:
            return "FR76%s" % self.digits(23)
        return "NL%02dABNA%s" % (r.randrange(100), self.digits(10))

    def tracking(self):
        r = self.r
        k = r.randrange(4)
        if k == 0:
            return "1Z" + self.token(16).upper()
        if k == 1:
            return self.digits(r.choice((10, 11)))
        if k == 2:
            return "94" + self.digits(20)
        return self.digits(12)

    def path(self):
        r = self.r
        p = "/api/v%d/%s/%d" % (r.randint(1, 3), r.choice(RESOURCES), r.randint(1, 99999999))
        k = r.randrange(4)
        if k == 0:
            p += "?page=%d&limit=%d&sort=created_at&since=%s" % (r.randint(1, 500), r.choice((20, 50, 100)), self.unix())
        elif k == 1:
            p += "?include=items&currency=%s&ts=%s" % (r.choice(CURRENCIES).lower(), self.unix_ms())
        elif k == 2:
            p += "?ref=%s&utm_source=newsletter&utm_campaign=%s" % (self.token(10), self.date())
        return p

    def email(self):
        r = self.r
        return "%s.%s%d@%s" % (r.choice(FIRST), r.choice(LAST), r.randrange(100),
                               r.choice(("example.com", "example.org", "mail.example.net")))

    def name(self):
        r = self.r
        return "%s %s" % (r.choice(FIRST).capitalize(), r.choice(LAST).capitalize())

    def sentence(self, lo=6, hi=16):
        r = self.r
        out = []
        prev_num = True
        for _ in range(r.randint(lo, hi)):
            if not prev_num and r.random() < 0.12:
                out.append(r.choice((str(r.randint(2, 99)), str(r.randint(100, 99999)), self.date(),
                                     self.price(), "v" + self.version())))
                prev_num = True
            else:
                out.append(r.choice(WORDS))
                prev_num = False
        s = " ".join(out)
        return s[0].upper() + s[1:] + r.choice((".", ".", "!", "?", ";"))

    def expiry(self):
        return "%02d/%02d" % (self.r.randint(1, 12), self.r.randint(26, 31))


# --------------------------------------------------------------------------------------
# Line makers: each returns one noise line (without newline).  Planted lines are made by the
# same makers with an item string in place of one field: item=None means noise.
# --------------------------------------------------------------------------------------

LEVELS = ("INFO ", "INFO ", "INFO ", "INFO ", "DEBUG", "DEBUG", "WARN ", "ERROR")


def app_log(g, item=None, form=None):
    r = g.r
    head = "%s %s [http-nio-8443-exec-%d] " % (g.iso(), r.choice(LEVELS), r.randint(1, 200))
    if item is not None:
        if form == "contiguous":
            return head + "c.shop.pay.LegacyCharge - payment card=", item, \
                " exp=%s amount=%s currency=%s order_id=%s" % (g.expiry(), g.price(), r.choice(CURRENCIES), g.order())
        if form in ("grouped_space", "grouped_dash"):
            return head + "c.shop.support.ChatTranscript - session=%s msg=\"hi, my card number is " % g.uuid(), item, \
                " and it was charged twice\" agent=%s" % r.choice(FIRST)
        if form == "track2":
            return head + "c.pos.reader.MsrDriver - swipe raw=", item, " lrc=ok reader=%s" % g.token(8)
        if form == "track1":
            return head + "c.pos.reader.MsrDriver - swipe raw=", item, " lrc=ok reader=%s" % g.token(8)
        if form == "masked":
            return head + "c.shop.pay.GatewayClient - authorized card=", item, \
                " auth_code=%s amount=%s provider=%s" % (g.token(6).upper(), g.price(), r.choice(PROVIDERS))
        raise ValueError(form)
    k = r.randrange(15)
    if k == 0:
        msg = "c.shop.api.OrderController - req_id=%s method=%s path=%s status=%d dur_ms=%d ip=%s resp_bytes=%d" % (
            g.uuid(), r.choice(METHODS), g.path(), r.choice(STATUS), r.randint(1, 4000), g.ip(), r.randint(90, 999999))
    elif k == 1:
        msg = "c.shop.cache.RedisCache - cache %s key=session:%s ttl_s=%d size_bytes=%d" % (
            r.choice(("hit", "miss")), g.hexs(40), r.randint(1, 86400), r.randint(10, 99999))
    elif k == 2:
        msg = "c.shop.pay.GatewayClient - upstream=%s latency_ms=%d order_id=%s amount=%s currency=%s attempt=%d idempotency_key=%s" % (
            r.choice(PROVIDERS), r.randint(20, 9000), g.order(), g.price(), r.choice(CURRENCIES), r.randint(1, 5), g.uuid())
    elif k == 3:
        msg = "c.shop.orders.StockService - reserve failed sku=SKU-%04d-%03d qty=%d order_id=%s trace_id=%s span_id=%s" % (
            r.randrange(10000), r.randrange(1000), r.randint(1, 20), g.order(), g.longrun(), g.hexs(16))
    elif k == 4:
        msg = "c.shop.auth.LoginFilter - login ok user_id=%d ip=%s session=%s ts=%s ts_ms=%s" % (
            r.randint(1, 9999999), g.ip(), g.uuid(), g.unix(), g.unix_ms())
    elif k == 5:
        msg = "c.shop.metrics.Reporter - ts_us=%s cpu_pct=%.1f heap_mb=%d gc_pause_ms=%.2f threads=%d uptime_s=%d" % (
            g.unix_us(), r.random() * 100, r.randint(100, 16000), r.random() * 50, r.randint(8, 400), r.randint(1, 9999999))
    elif k == 6:
        msg = "c.shop.notify.SmsSender - sms sent to=%s msg_id=%s carrier=%s cost=%s segments=%d" % (
            g.phone(), g.hexs(24), r.choice(("vodafone", "telekom", "orange", "o2", "verizon")), g.price(), r.randint(1, 4))
    elif k == 7:
        msg = "c.shop.build.Info - version=%s commit=%s artifact_sha256=%s built_at=%s" % (
            g.version(), g.hexs(40), g.hexs(64), g.unix())
    elif k == 8:
        msg = "c.shop.bank.SepaExporter - transfer queued iban=%s end_to_end_id=%s amount=%s EUR execution_date=%s" % (
            g.iban(), g.longrun(), g.price(), g.date())
    elif k == 9:
        msg = "c.shop.support.TicketService - ticket=%d customer=\"%s\" wrote \"%s\" callback=%s" % (
            r.randint(1000, 999999), g.name(), g.sentence(), g.phone())
    elif k == 10:
        msg = "c.shop.shipping.Tracker - shipment=%s carrier=%s status=%s weight_g=%d eta=%s postal_code=%05d" % (
            g.tracking(), r.choice(CARRIERS), r.choice(("in_transit", "delivered", "label_created", "exception")),
            r.randint(50, 30000), g.date(), r.randrange(100000))
    elif k == 11:
        msg = "c.shop.http.Client - %s https://%s%s -> %d in %.3fms retries=%d" % (
            r.choice(METHODS), r.choice(HOSTS), g.path(), r.choice(STATUS), r.random() * 900, r.randint(0, 3))
    elif k == 12:
        msg = "c.shop.jobs.Scheduler - job=%s run_id=%d started_at=%s next_run_epoch=%s lag_ms=%d" % (
            r.choice(("reindex", "settlement", "payout", "cleanup", "export")), r.randint(1, 99999999),
            g.iso(), g.unix(), r.randint(0, 60000))
    elif k == 13:
        msg = "c.shop.db.Pool - acquired connection id=%d active=%d idle=%d wait_ns=%d" % (
            r.randint(1, 500), r.randint(0, 64), r.randint(0, 64), r.randint(100, 999999999999))
    else:
        msg = "c.shop.api.ErrorHandler - IllegalStateException: order %s in state %s at OrderService.java:%d" % (
            g.order(), r.choice(("PAID", "NEW", "CANCELLED")), r.randint(10, 2000))
    return head + msg


def nginx_log(g, item=None, form=None):
    r = g.r
    return '%s - - [%02d/%s/%d:%02d:%02d:%02d +0000] "%s %s HTTP/1.1" %d %d "%s" "%s" rt=%.3f upstream_rt=%.3f req_id=%s' % (
        g.ip(), r.randint(1, 28), r.choice(MONTHS), r.randint(2023, 2025), r.randrange(24), r.randrange(60),
        r.randrange(60), r.choice(METHODS), g.path(), r.choice(STATUS), r.randint(0, 9999999),
        r.choice(("-", "https://shop.example.com/checkout", "https://www.example.org/")), r.choice(UAS),
        r.random() * 3, r.random() * 3, g.hexs(32))


def pos_log(g, item=None, form=None):
    r = g.r
    head = "%s %s [pos-%03d-%02d] " % (g.iso(), r.choice(LEVELS), r.randint(1, 400), r.randint(1, 12))
    if item is not None:
        if form in ("track1", "track2"):
            return head + "msr.Reader - raw swipe data: ", item, " (len ok, lrc ok)"
        if form == "contiguous":
            return head + "txn.Manual - key entered pan=", item, " exp=%s stan=%06d" % (g.expiry(), r.randrange(1000000))
        if form == "masked":
            return head + "receipt.Printer - CARD: ", item, " AUTH: %s TOTAL %s" % (g.token(6).upper(), g.price())
        if form in ("grouped_space", "grouped_dash"):
            return head + "txn.Manual - operator typed card ", item, " (phone order)"
        raise ValueError(form)
    k = r.randrange(6)
    if k == 0:
        msg = "txn.Manager - txn begin txn_id=%d stan=%06d amount=%s currency=%s cashier=%04d" % (
            r.randint(1, 99999999), r.randrange(1000000), g.price(), r.choice(CURRENCIES), r.randrange(10000))
    elif k == 1:
        msg = "emv.Kernel - aid=%s tvr=%s tsi=%s atc=%d arqc=%s cvm=%s" % (
            r.choice(("A0000000031010", "A0000000041010", "A000000025010801", "A0000000651010")), g.hexs(10),
            g.hexs(4), r.randint(1, 65535), g.hexs(16), r.choice(("signature", "online_pin", "no_cvm")))
    elif k == 2:
        msg = "host.Link - response rc=00 auth_code=%s rrn=%s mid=%s tid=%08d batch=%d" % (
            g.token(6).upper(), g.digits(12), g.digits(15), r.randrange(10 ** 8), r.randint(1, 999))
    elif k == 3:
        msg = "msr.Reader - status=ready serial=%s fw=%s temp_c=%d battery_pct=%d" % (
            g.token(10).upper(), g.version(), r.randint(20, 60), r.randint(1, 100))
    elif k == 4:
        msg = "receipt.Printer - printed lines=%d total=%s tax=%s loyalty_id=%s" % (
            r.randint(5, 80), g.price(), g.price(), g.digits(r.choice((9, 13, 16))))
    else:
        msg = "net.Watchdog - heartbeat seq=%d uptime_s=%d ip=%s ts_ms=%s" % (
            r.randint(1, 9999999), r.randint(1, 9999999), g.ip(), g.unix_ms())
    return head + msg


def fw_num(s):
    return fullwidth(s)


def jp_log(g, item=None, form=None):
    r = g.r
    head = "%s INFO [web-%d] " % (g.iso("+09:00"), r.randint(1, 32))
    if item is not None:
        head = head.replace("INFO", "WARN")
        return head + "入力内容を確認してください カード番号：", item, \
            " 有効期限：%s 名義：%s様" % (g.expiry(), r.choice(JP_NAMES))
    k = r.randrange(4)
    if k == 0:
        msg = "%s 注文番号=%s 金額=%d円 会員=%s様 電話=0%d-%04d-%04d" % (
            r.choice(JP_MSGS), g.order(), r.randint(100, 500000), r.choice(JP_NAMES), r.randint(3, 90),
            r.randrange(10000), r.randrange(10000))
    elif k == 1:
        msg = "%s 数量：%s点 合計：%s円 配送先=%s" % (
            r.choice(JP_MSGS), fw_num(str(r.randint(1, 20))), fw_num(str(r.randint(100, 999999))), r.choice(JP_PREFS))
    elif k == 2:
        msg = "%s セッション=%s ip=%s 処理時間=%dms" % (r.choice(JP_MSGS), g.uuid(), g.ip(), r.randint(1, 5000))
    else:
        msg = "%s 郵便番号=%03d-%04d ポイント=%d 更新日時=%s" % (
            r.choice(JP_MSGS), r.randrange(1000), r.randrange(10000), r.randint(0, 99999), g.sqlts())
    return head + msg


def _json(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=True)


def jsonl(g, item=None, form=None):
    r = g.r
    if item is not None:
        ts = g.iso()
        if form == "json_string":
            pre = '{"ts":"%s","dir":"request","method":"POST","url":"https://%s/v1/legacy/charge","request_id":"%s","body":{"amount":%s,"currency":"%s","card_number":"' % (
                ts, r.choice(HOSTS), g.uuid(), g.cents(), r.choice(CURRENCIES).lower())
            return pre, item, '","exp":"%s","cvc_present":true}}' % g.expiry()
        if form == "json_number":
            pre = '{"ts":"%s","dir":"request","method":"POST","url":"https://%s/v0/cards","request_id":"%s","body":{"customer":"cus_%s","pan":' % (
                ts, r.choice(HOSTS), g.uuid(), g.token(14))
            return pre, item, ',"exp_month":%d,"exp_year":%d}}' % (r.randint(1, 12), r.randint(2026, 2031))
        if form == "masked":
            pre = '{"ts":"%s","dir":"response","status":201,"latency_ms":%d,"body":{"id":"pay_%s","status":"succeeded","card":{"masked":"' % (
                ts, r.randint(20, 3000), g.token(18))
            return pre, item, '","brand":"%s"}}}' % brand_of(item)
        raise ValueError(form)
    k = r.randrange(4)
    ts = g.iso()
    if k == 0:
        obj = {"ts": ts, "dir": "request", "method": "POST", "url": "https://%s/v1/payments" % r.choice(HOSTS),
               "headers": {"x-request-id": g.uuid(), "user-agent": r.choice(UAS), "x-forwarded-for": g.ip()},
               "body": {"amount": int(g.cents()), "currency": r.choice(CURRENCIES).lower(),
                        "customer": "cus_" + g.token(14), "order_id": g.order(),
                        "description": g.sentence(3, 8), "metadata": {"cart_id": g.uuid(), "ts_ms": int(g.unix_ms())}}}
    elif k == 1:
        obj = {"ts": ts, "dir": "response", "status": r.choice(STATUS), "latency_ms": r.randint(3, 4000),
               "body": {"id": "pi_" + g.token(24), "status": r.choice(("succeeded", "requires_action", "failed")),
                        "amount": int(g.cents()), "created": int(g.unix()),
                        "payment_method": {"type": "card", "card": {"brand": r.choice(BRANDS), "last4": "%04d" % r.randrange(10000),
                                                                    "exp_month": r.randint(1, 12), "exp_year": r.randint(2025, 2032),
                                                                    "fingerprint": g.token(16)}},
                        "balance_transaction": "txn_" + g.token(24)}}
    elif k == 2:
        obj = {"ts": ts, "dir": "response", "status": 200, "latency_ms": r.randint(3, 800),
               "body": {"id": "cus_" + g.token(14), "email": g.email(), "phone": g.phone(), "name": g.name(),
                        "address": {"city": r.choice(CITIES).capitalize(), "postal_code": "%05d" % r.randrange(100000),
                                    "country": r.choice(COUNTRIES)}, "created_at": g.iso(), "ltv_cents": int(g.cents())}}
    else:
        obj = {"ts": ts, "event": r.choice(("order.shipped", "order.created", "refund.issued", "payout.paid")),
               "id": "evt_" + g.token(20), "tracking": g.tracking(), "geo": {"lat": round(r.uniform(-60, 70), 6),
                                                                            "lon": round(r.uniform(-150, 150), 6)},
               "trace": g.longrun(), "sha1": g.hexs(40), "ts_us": int(g.unix_us())}
    return _json(obj)


SQL_TABLES = {
    "customers": "(%d,'%s','%s','%s','%s','%s','%s','%s',%s)",
    "orders": "(%d,%d,'%s','%s',%s,'%s','%s','%s')",
    "payments": "(%d,%d,'%s',%s,'%s','%s',%s,'%s')",
    "events": "(%d,'%s','%s',%s)",
    "legacy_payments": "(%d,%d,'%s','%s','%s',%s,'%s')",
}
SQL_HEADER = """-- MySQL dump 10.13  Distrib 8.0.36, for Linux (amd64)
--
-- Host: 10.20.0.15    Database: shop
-- ------------------------------------------------------
-- Server version\t8.0.36

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;

DROP TABLE IF EXISTS `customers`;
CREATE TABLE `customers` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `first_name` varchar(64) NOT NULL,
  `last_name` varchar(64) NOT NULL,
  `email` varchar(255) NOT NULL,
  `phone` varchar(32) DEFAULT NULL,
  `city` varchar(64) DEFAULT NULL,
  `country` char(2) DEFAULT NULL,
  `created_at` datetime NOT NULL,
  `ltv` decimal(12,2) NOT NULL DEFAULT '0.00',
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

DROP TABLE IF EXISTS `orders`;
CREATE TABLE `orders` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `customer_id` bigint NOT NULL,
  `order_no` varchar(32) NOT NULL,
  `status` varchar(16) NOT NULL,
  `amount` decimal(12,2) NOT NULL,
  `currency` char(3) NOT NULL,
  `created_at` datetime NOT NULL,
  `tracking_no` varchar(40) DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

DROP TABLE IF EXISTS `payments`;
CREATE TABLE `payments` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `order_id` bigint NOT NULL,
  `provider_ref` varchar(64) NOT NULL,
  `amount` decimal(12,2) NOT NULL,
  `last4` char(4) DEFAULT NULL,
  `auth_code` varchar(8) DEFAULT NULL,
  `created_ms` bigint NOT NULL,
  `client_ip` varchar(45) DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

DROP TABLE IF EXISTS `events`;
CREATE TABLE `events` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `type` varchar(32) NOT NULL,
  `payload` text NOT NULL,
  `created_us` bigint NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

DROP TABLE IF EXISTS `legacy_payments`;
CREATE TABLE `legacy_payments` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `order_id` bigint NOT NULL,
  `card_number` varchar(19) NOT NULL,
  `holder` varchar(64) NOT NULL,
  `expiry` char(7) NOT NULL,
  `amount` decimal(12,2) NOT NULL,
  `created_at` datetime NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

LOCK TABLES `customers` WRITE, `orders` WRITE, `payments` WRITE, `events` WRITE, `legacy_payments` WRITE;
"""
SQL_FOOTER = """UNLOCK TABLES;
/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;

-- Dump completed
"""


def sql_row(g, table, card=None):
    r = g.r
    if table == "customers":
        return SQL_TABLES[table] % (r.randint(1, 9999999), r.choice(FIRST), r.choice(LAST), g.email(), g.phone(),
                                    r.choice(CITIES), r.choice(COUNTRIES), g.sqlts(), g.price())
    if table == "orders":
        return SQL_TABLES[table] % (r.randint(1, 99999999), r.randint(1, 9999999), g.order(),
                                    r.choice(("paid", "shipped", "new", "refunded")), g.price(), r.choice(CURRENCIES),
                                    g.sqlts(), g.tracking())
    if table == "payments":
        return SQL_TABLES[table] % (r.randint(1, 99999999), r.randint(1, 99999999), "ch_" + g.token(20), g.price(),
                                    "%04d" % r.randrange(10000), g.token(6).upper(), g.unix_ms(), g.ip())
    if table == "events":
        payload = '{\\"sku\\":\\"SKU-%04d\\",\\"qty\\":%d,\\"trace\\":\\"%s\\"}' % (r.randrange(10000), r.randint(1, 9), g.longrun())
        return SQL_TABLES[table] % (r.randint(1, 999999999), r.choice(("cart.add", "cart.remove", "view")), payload, g.unix_us())
    card = card if card is not None else "tok_" + g.token(16)
    return SQL_TABLES[table] % (r.randint(1, 9999999), r.randint(1, 99999999), card,
                                ("%s/%s" % (r.choice(LAST), r.choice(FIRST))).upper(), "20%d-%02d" % (r.randint(26, 31), r.randint(1, 12)),
                                g.price(), g.sqlts())


def sql_line(g, item=None, form=None):
    r = g.r
    table = "legacy_payments" if item is not None else r.choice(("customers", "orders", "orders", "payments", "events", "legacy_payments"))
    rows = []
    for _ in range(r.randint(8, 30)):
        while True:
            row = sql_row(g, table)
            if noise_ok(row):
                break
        rows.append(row)
    pre = "INSERT INTO `%s` VALUES " % table
    if item is None:
        return pre + ",".join(rows) + ";"
    i = r.randrange(len(rows))
    marker = "\x01"
    rows[i] = sql_row(g, table, card=marker)
    s = pre + ",".join(rows) + ";"
    a, b = s.split(marker)
    return a, item, b


CSV_PAY_HEADER = "txn_id,created_at,merchant_id,terminal_id,amount,currency,card_brand,card_number,card_token,auth_code,status,customer_email,customer_phone,ip_address"
CSV_CRM_HEADER = "customer_id,first_name,last_name,email,phone,street,city,postal_code,country,created_at,lifetime_value,notes"


def csv_pay(g, item=None, form=None):
    r = g.r
    a = "%d,%s,%s,%08d,%s,%s,%s," % (r.randint(1, 999999999), g.sqlts(), g.digits(15), r.randrange(10 ** 8),
                                     g.price(), r.choice(CURRENCIES), r.choice(BRANDS))
    b = ",%s,%s,%s,%s,%s,%s" % ("" if item is not None else "tok_" + g.token(16), g.token(6).upper(),
                                r.choice(("captured", "refunded", "declined", "authorized")), g.email(), g.phone(), g.ip())
    if item is not None:
        return a, item, b
    return a + b


def csv_crm(g, item=None, form=None):
    r = g.r
    a = '%d,%s,%s,%s,%s,"%d %s street",%s,%05d,%s,%s,%s,' % (
        r.randint(1, 9999999), r.choice(FIRST).capitalize(), r.choice(LAST).capitalize(), g.email(), g.phone(),
        r.randint(1, 300), r.choice(LAST).capitalize(), r.choice(CITIES).capitalize(), r.randrange(100000),
        r.choice(COUNTRIES), g.date(), g.price())
    if item is not None:
        return a, item, ""
    return a + '"%s"' % g.sentence(4, 10).replace('"', "")


def prose(g, item=None, form=None):
    r = g.r
    if item is not None:
        if form == "contiguous":
            return "%s Customer %s asked us to charge card " % (g.sentence(3, 8), g.name()), item, \
                " (exp %s) for order %s." % (g.expiry(), g.order())
        return "Note from call with %s: card number " % g.name(), item, ", expiry %s, %s" % (g.expiry(), g.sentence(3, 8))
    k = r.randrange(8)
    if k == 0:
        return "## %s" % g.sentence(2, 5).rstrip(".!?;")
    if k == 1:
        return "- %s" % g.sentence(4, 10)
    if k == 2:
        return ""
    return " ".join(g.sentence() for _ in range(r.randint(1, 3)))


def code_line(g, item=None, form=None):
    r = g.r
    k = r.randrange(10)
    ind = "    " * r.randint(0, 3)
    if k == 0:
        return "%sTIMEOUT_MS = %d" % (ind, r.randint(100, 120000))
    if k == 1:
        return '%sAPI_VERSION = "%s"' % (ind, g.date())
    if k == 2:
        return '%sCHECKSUM = "%s"' % (ind, g.hexs(64))
    if k == 3:
        return "%sdef handle_%s(self, request_id: str, retries: int = %d) -> dict:" % (ind, r.choice(WORDS), r.randint(1, 9))
    if k == 4:
        return '%sreturn {"status": %d, "elapsed": %.3f, "order": "%s"}' % (ind, r.choice(STATUS), r.random(), g.order())
    if k == 5:
        return "%s# TODO(%s): %s" % (ind, r.choice(FIRST), g.sentence(4, 10))
    if k == 6:
        return '%slog.info("processed %%d items in %%.2fs", count, elapsed)  # since %s' % (ind, g.unix())
    if k == 7:
        return ""
    if k == 8:
        return "%sassert compute_total(%s, %s) == %s" % (ind, g.price(), g.price(), g.price())
    return '%sEPOCH_US = %s  # %s' % (ind, g.unix_us(), g.iso())


def yaml_line(g, item=None, form=None):
    r = g.r
    k = r.randrange(9)
    ind = "  " * r.randint(0, 3)
    return ind + ("port: %d" % r.randint(1024, 65535), "timeout_ms: %d" % r.randint(100, 60000),
                  "image: registry.example.com/shop/%s:%s" % (r.choice(SERVICES), g.version()),
                  "replicas: %d" % r.randint(1, 12), "sha: %s" % g.hexs(40),
                  "host: %s" % g.ip(), "owner: %s" % g.email(), "updated: \"%s\"" % g.iso(),
                  "note: \"%s\"" % g.sentence(3, 8))[k]


def json_entry(g, item=None, form=None):
    r = g.r
    key = r.choice(("id", "name", "count", "ts", "hash", "email", "phone", "price", "updated_at", "etag", "trace"))
    if item is not None:
        if form == "json_number":
            return '  "pan": ', item, ","
        return '  "card_number": "', item, '",'
    val = {"id": '"%s"' % g.uuid(), "name": '"%s"' % g.name(), "count": str(r.randint(0, 99999)),
           "ts": g.unix_ms(), "hash": '"%s"' % g.hexs(64), "email": '"%s"' % g.email(),
           "phone": '"%s"' % g.phone(), "price": g.price(), "updated_at": '"%s"' % g.iso(),
           "etag": '"W/%s"' % g.hexs(16), "trace": '"%s"' % g.longrun()}[key]
    return '  "%s_%s": %s,' % (key, r.choice(WORDS), val)


def env_line(g, item=None, form=None):
    r = g.r
    if item is not None:
        return "LEGACY_BILLING_CARD=", item, ""
    k = r.randrange(8)
    return ("DATABASE_URL=postgres://app:%s@%s:5432/shop" % (g.token(16), g.ip()),
            "REDIS_URL=redis://%s:6379/%d" % (g.ip(), r.randrange(16)),
            "PAYMENT_API_KEY=sk_test_%s" % g.token(24),
            "SESSION_SECRET=%s" % g.hexs(64),
            "SENTRY_DSN=https://%s@sentry.example.com/%d" % (g.hexs(32), r.randint(1, 999)),
            "FEATURE_FLAGS=checkout_v2,fast_refunds",
            "SUPPORT_PHONE=%s" % g.phone(),
            "# updated %s by %s" % (g.date(), r.choice(FIRST)))[k]


def winrep_line(g, item=None, form=None):
    r = g.r
    if item is not None:
        return "Customer\t%s\tCard number: " % g.name(), item, "\tExpiry: %s\tAmount: %s" % (g.expiry(), g.price())
    k = r.randrange(4)
    if k == 0:
        return "%s\t%s\t%s\t%s\t%s" % (g.sqlts(), g.order(), g.name(), g.price(), r.choice(CURRENCIES))
    if k == 1:
        return "Report generated %s by SHOP\\%s on host WS-%s" % (g.sqlts(), r.choice(FIRST), g.token(6).upper())
    if k == 2:
        return g.sentence()
    return "%s\t%s\t%s\t%s" % (g.email(), g.phone(), r.choice(CITIES).capitalize(), g.date())


# --------------------------------------------------------------------------------------
# Pools and planted lines
# --------------------------------------------------------------------------------------


def build_pool(maker, n, seed, name, encoding="utf-8", eol="\n"):
    g = Noise(FastRandom("%s/pool/%s" % (seed, name)))
    out = []
    fails = 0
    while len(out) < n:
        s = maker(g)
        if noise_ok(s):
            out.append((s + eol).encode(encoding))
        else:
            fails += 1
            if fails > 50 * n + 1000:
                raise RuntimeError("pool %s: noise rule keeps failing" % name)
    return out


def planted_line(maker, g, item, form, pan):
    """Make a line holding item (the exact text of the planted card data); returns
    (line, start, end) of the item.  Retries the surrounding noise until the line has no
    other candidate."""
    for _ in range(1000):
        pre, it, post = maker(g, item, form)
        line = pre + it + post
        s, e = len(pre), len(pre) + len(it)
        t = line.translate(NORM)
        neutral = t[:s] + "ITEM" + t[e:]
        if not noise_ok(neutral):
            continue
        # the item must not be glued to other digits by a separator
        if s > 0 and (t[s - 1].isdigit() or (t[s - 1] in " \t-+." and s > 1 and t[s - 2].isdigit())):
            continue
        if e < len(t) and (t[e].isdigit() or (t[e] in " \t-+." and e + 1 < len(t) and t[e + 1].isdigit())):
            continue
        # every Luhn-valid candidate must lie inside the PAN itself
        ps = t.find(pan, s, e) if pan else -1
        if form in ("grouped_space", "grouped_dash"):
            ps, pe = s, e
        elif ps >= 0:
            pe = ps + len(pan)
        cands = list(luhn_candidates(t))
        if form == "masked":
            if cands or len(MASKED_RE.findall(t)) != 1:
                continue
        else:
            if not cands or any(c[1] <= ps or c[0] >= pe for c in cands):
                continue
            if not any(c[2] == pan for c in cands):
                continue
        return line, s, e
    raise RuntimeError("could not plant %s form %s" % (item, form))


def track_item(r, pan, kind):
    yymm = "%02d%02d" % (r.randint(26, 31), r.randint(1, 12))
    svc = r.choice(("101", "201"))
    if kind == "track2":
        disc = "0" * 11 if r.random() < 0.5 else "".join(r.choice("0123456789") for _ in range(11))
        tail = luhn_break(yymm + svc + disc)
        return ";%s=%s?" % (pan, tail)
    name = "%s/%s" % (r.choice(LAST).upper(), r.choice(FIRST).upper())
    disc = "0" * 13 if r.random() < 0.5 else "".join(r.choice("0123456789") for _ in range(13))
    return "%%B%s^%s^%s%s%s?" % (pan, name, yymm, svc, disc)


def item_text(r, form, pan):
    if form in ("contiguous", "json_string", "json_number", "csv", "sql", "utf16le"):
        return pan
    if form == "grouped_space":
        return grouped(pan, " ")
    if form == "grouped_dash":
        return grouped(pan, "-")
    if form == "fullwidth":
        return fullwidth(pan)
    if form in ("track1", "track2"):
        return track_item(r, pan, form)
    if form == "masked":
        return mask(pan)
    raise ValueError(form)


# --------------------------------------------------------------------------------------
# File classes
# --------------------------------------------------------------------------------------

# class -> (line maker, forms it accepts, pool name)
TEXT_CLASSES = {
    "applog": (app_log, {"contiguous", "grouped_space", "grouped_dash", "track1", "track2", "masked"}),
    "nginx": (nginx_log, set()),
    "poslog": (pos_log, {"contiguous", "grouped_space", "grouped_dash", "track1", "track2", "masked"}),
    "jplog": (jp_log, {"fullwidth"}),
    "jsonl": (jsonl, {"json_string", "json_number", "masked"}),
    "sql": (sql_line, {"sql", "masked"}),
    "csvpay": (csv_pay, {"csv", "masked"}),
    "csvcrm": (csv_crm, {"csv"}),
    "prose": (prose, {"contiguous", "grouped_space", "grouped_dash"}),
    "code": (code_line, set()),
    "yaml": (yaml_line, set()),
    "json": (json_entry, {"json_string", "json_number"}),
    "env": (env_line, {"contiguous"}),
    "utf16": (winrep_line, {"utf16le"}),
}
HEADERS = {"csvpay": CSV_PAY_HEADER + "\n", "csvcrm": CSV_CRM_HEADER + "\n", "sql": SQL_HEADER, "json": "{\n"}
FOOTERS = {"sql": SQL_FOOTER, "json": '  "_schema": 3\n}\n'}
BIN_CLASSES = {"random": set(), "dbpage": {"binary_nul"}}


class Spec:
    __slots__ = ("rel", "cls", "size", "items")

    def __init__(self, rel, cls, size):
        self.rel, self.cls, self.size, self.items = rel, cls, int(size), []

    def accepts(self):
        if self.cls in TEXT_CLASSES:
            return TEXT_CLASSES[self.cls][1]
        return BIN_CLASSES[self.cls]


def plan_layout(S, seed):
    r = FastRandom("%s/layout" % seed)
    g = Noise(r)
    specs = []

    def add(rel, cls, size, minimum=16 << 10):
        specs.append(Spec(rel, cls, max(minimum, size * r.uniform(0.75, 1.25) if size < S * 0.09 else size)))

    add("app/logs/app.log", "applog", 0.15 * S)
    for i in range(10):
        add("app/logs/%s/%s-2024-05-%02d.log" % (SERVICES[i], SERVICES[i], r.randint(1, 28)), "applog", 0.07 * S / 10)
    for i in range(4):
        add("app/logs/nginx/access.log.%d" % (i + 1), "nginx", 0.05 * S / 4)
    for i in range(6):
        add("pos/store-%03d/terminal-%02d.log" % (r.randint(1, 400), i + 1), "poslog", 0.03 * S / 6)
    for i in range(2):
        add("app/logs/frontend-ja/web-%d.log" % (i + 1), "jplog", 0.02 * S / 2)
    add("api/captures/gateway-capture.jsonl", "jsonl", 0.10 * S)
    for i in range(8):
        add("api/captures/2024-05-%02d/capture-%02d.jsonl" % (i + 1, r.randint(0, 23)), "jsonl", 0.05 * S / 8)
    add("db/dumps/shop_full.sql", "sql", 0.10 * S)
    for i in range(6):
        add("db/dumps/daily/shop-%s.sql" % g.date(), "sql", 0.05 * S / 6)
    for i in range(8):
        add("exports/finance/settlement-2024-%02d.csv" % (i + 1), "csvpay", 0.08 * S / 8)
    for i in range(4):
        add("exports/crm/customers-%s.csv" % ("de", "fr", "us", "jp")[i], "csvcrm", 0.04 * S / 4)
    for i in range(8):
        h = g.hexs(40)
        add("blobs/objects/%s/%s.bin" % (h[:2], h[2:]), "random", 0.06 * S / 8, 64 << 10)
    for i in range(3):
        add("var/lib/postgresql/15/main/base/16384/%d" % r.randint(16400, 99999), "dbpage", 0.03 * S / 3, 64 << 10)
    for i in range(6):
        add("exports/windows/%s" % ("PaymentReport_2024-0%d.txt" % (i + 1) if i < 4 else "CustomerList_%d.txt" % i),
            "utf16", 0.01 * S / 6)
    for i in range(5):
        add("docs/manuals/%s-handbook.txt" % r.choice(WORDS), "prose", 0.04 * S / 5)
    specs.append(Spec(".env", "env", 2048))
    specs.append(Spec("app/.env", "env", 1024))

    # many small files in nested and hidden directories
    users = [r.choice(FIRST) for _ in range(8)]
    dirs = []
    for u in users:
        for p in range(r.randint(2, 5)):
            proj = "%s-%s" % (r.choice(SERVICES), r.choice(("api", "worker", "tools", "web")))
            for sub in ("src", "src/%s" % r.choice(WORDS), "docs", "config", "tests/fixtures"):
                dirs.append(("home/%s/projects/%s/%s" % (u, proj, sub), ("code", "code", "yaml", "json", "prose")))
        dirs.append(("home/%s/notes" % u, ("prose",)))
        dirs.append(("home/%s/.config/%s" % (u, r.choice(SERVICES)), ("yaml", "json")))
        dirs.append(("home/%s/.local/share/%s" % (u, r.choice(SERVICES)), ("json", "prose")))
    for a in ("finance", "hr", "support", "legal"):
        for y in (2023, 2024):
            for m in range(1, 13):
                dirs.append(("shared/%s/%d/%02d" % (a, y, m), ("prose", "prose", "json")))
    for app in ("pip", "npm", "shop-cli", "thumbnails", "http"):
        for _ in range(12):
            dirs.append((".cache/%s/%s" % (app, g.hexs(2)), ("json", "json", "applog", "prose")))
    for site in ("www", "admin", "partners"):
        for sub in ("static/js", "config", "logs", "templates"):
            dirs.append(("srv/%s/%s" % (site, sub), ("code", "yaml", "applog", "prose")))
    ext = {"code": ".py", "yaml": ".yaml", "json": ".json", "prose": ".md", "applog": ".log"}
    remaining = S - sum(s.size for s in specs)
    i = 0
    while remaining > 0 or i < 20:
        d, kinds = r.choice(dirs)
        cls = r.choice(kinds)
        size = r.randint(1024, 20 * 1024)
        e = ext[cls]
        if cls == "prose" and r.random() < 0.3:
            e = ".txt"
        specs.append(Spec("%s/%s_%05d%s" % (d, r.choice(WORDS), i, e), cls, size))
        remaining -= size
        i += 1
    # one hidden-dir file that can take a contiguous PAN for sure
    specs.append(Spec(".cache/shop-cli/sessions/last-support-chat.md", "prose", 4096))
    return specs


PINNED = (".env", ".cache/shop-cli/sessions/last-support-chat.md")


def allocate(specs, S, seed, salt="plant", pinned=PINNED, forms=FORMS):
    """Chooses the planted items and the file of each.  The first contiguous PANs go to the
    files named in pinned (one each)."""
    r = FastRandom("%s/%s" % (seed, salt))
    n_total = max(50, round(S / (2 * MiB)))
    wsum = sum(w for _, _, w in forms)
    counts = {f: max(2, int(n_total * w / wsum)) for f, _, w in forms}
    order = sorted(forms, key=lambda x: -x[2])
    i = 0
    while sum(counts.values()) < n_total:
        counts[order[i % len(order)][0]] += 1
        i += 1
    used = set()
    cap = {}
    by_rel = {s.rel: s for s in specs}
    for form, kind, _ in forms:
        elig = [s for s in specs if form in s.accepts()]
        weights = [s.size for s in elig]
        for k in range(counts[form]):
            if form == "contiguous" and k < len(pinned):
                spec = by_rel[pinned[k]]
            else:
                for _ in range(100):
                    spec = r.choices(elig, weights)[0]
                    if len(spec.items) < cap.setdefault(spec.rel, max(1, spec.size // 1024)):
                        break
            brand = r.choices(BRANDS, BRAND_WEIGHTS)[0]
            while True:
                pan = gen_pan(r, brand)
                if pan not in used:
                    used.add(pan)
                    break
            spec.items.append((form, kind, brand, pan))
    return counts


# --------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------

CHUNK_LINES = 1 << 16


def write_file(path, data):
    try:
        f = open(path, "wb")
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        f = open(path, "wb")
    with f:
        f.write(data)


def _text_setup(spec, pools, seed, out_rows):
    """The planted lines of a text file, drawn first from the file's own PRNG (which then
    goes on to draw the noise lines in _text_body)."""
    r = FastRandom("%s/file/%s" % (seed, spec.rel))
    g = Noise(r)
    maker = TEXT_CLASSES[spec.cls][0]
    pool = pools[spec.cls]
    hb = HEADERS.get(spec.cls, "").encode()
    fb = FOOTERS.get(spec.cls, "").encode()
    avg = pools["avg:" + spec.cls]
    n = max(len(spec.items) * 4, int((spec.size - len(hb) - len(fb)) / avg), 8)
    idx = sorted(r.sample(range(n), len(spec.items)))
    planted = {}
    for i, (form, kind, brand, pan) in zip(idx, spec.items):
        item = item_text(r, form, pan)
        line, s, e = planted_line(maker, g, item, form, pan)
        planted[i] = (line + "\n").encode()
    hlines = HEADERS.get(spec.cls, "").count("\n")
    for i, (form, kind, brand, pan) in zip(idx, spec.items):
        out_rows.append((spec.rel, hlines + i + 1, kind, brand, form))
    return r, pool, hb, fb, n, idx, planted


def _text_body(r, pool, n, idx, planted):
    """The lines of a text file (without header and footer), CHUNK_LINES lines at a time."""
    pi = 0
    for start in range(0, n, CHUNK_LINES):
        k = min(CHUNK_LINES, n - start)
        chunk = r.choices(pool, k=k)
        while pi < len(idx) and idx[pi] < start + k:
            chunk[idx[pi] - start] = planted[idx[pi]]
            pi += 1
        yield b"".join(chunk)


def write_text(path, spec, pools, seed, out_rows, emit=write_file):
    if spec.cls == "utf16":
        r = FastRandom("%s/file/%s" % (seed, spec.rel))
        g = Noise(r)
        return write_utf16(path, spec, pools["utf16"], pools["avg:utf16"], r, g, out_rows)
    r, pool, hb, fb, n, idx, planted = _text_setup(spec, pools, seed, out_rows)
    if n <= CHUNK_LINES and spec.size < MiB:
        emit(path, hb + b"".join(_text_body(r, pool, n, idx, planted)) + fb)
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(hb)
        for chunk in _text_body(r, pool, n, idx, planted):
            f.write(chunk)
        f.write(fb)


def utf16_bytes(spec, pool, avg, r, g, out_rows):
    # pool lines are UTF-16LE encoded with CRLF
    n = max(len(spec.items) * 4, int(spec.size / avg), 8)
    idx = sorted(r.sample(range(n), len(spec.items)))
    lines = r.choices(pool, k=n)
    for i, (form, kind, brand, pan) in zip(idx, spec.items):
        line, s, e = planted_line(winrep_line, g, item_text(r, form, pan), form, pan)
        lines[i] = (line + "\r\n").encode("utf-16-le")
        out_rows.append((spec.rel, i + 1, kind, brand, form))
    return b"\xff\xfe" + b"".join(lines)


def write_utf16(path, spec, pool, avg, r, g, out_rows):
    data = utf16_bytes(spec, pool, avg, r, g, out_rows)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


BIN_CHUNK = 4 * MiB


def write_random(path, spec, seed):
    r = random.Random("%s/file/%s" % (seed, spec.rel))
    left = spec.size
    tail = b""
    with open(path, "wb") as f:
        while left > 0:
            k = min(BIN_CHUNK, left)
            while True:
                data = r.randbytes(k)
                if bin_noise_ok_fast(tail + data):
                    break
            f.write(data)
            tail = data[-64:]
            left -= k


def db_tuple(g, card=None):
    r = g.r
    hdr = struct.pack("<IIIHHHHHB", r.randint(700, 9999999), 0, 0, 0, r.randint(0, 9999), r.randint(1, 200),
                      0x0007, 0x0902, 24) + b"\x00"
    fields = [struct.pack("<q", r.randint(1, 99999999))]

    def varlena(s):
        b = s.encode()[:62]
        return bytes([((len(b) + 1) << 1) | 1]) + b

    fields.append(varlena(g.name()))
    fields.append(varlena(g.email()))
    fields.append(varlena(r.choice(CITIES)))
    fields.append(b"\x00" * (-sum(map(len, fields)) % 8))
    fields.append(struct.pack("<qq", int(g.cents()), r.randint(700000000000000, 799999999999999)))
    pan_off = None
    if card is not None:
        fields.append(b"\x00" * 4)
        pan_off = len(hdr) + sum(map(len, fields))
        fields.append(card.encode())
        fields.append(b"\x00" * 5)
    fields.append(varlena(r.choice(("paid", "shipped", "refunded", "new"))))
    body = hdr + b"".join(fields)
    body += b"\x00" * (-len(body) % 8)
    return body, pan_off


def db_page(g, cards, tuple_pool):
    """One 8 KiB heap page: card tuples plus noise tuples from tuple_pool, NUL free space
    in the middle.  Returns (page, [offset of each card])."""
    r = g.r
    while True:
        page = bytearray(8192)
        tuples = [db_tuple(g, c) for c in cards]
        fill = r.uniform(0.3, 0.95) * 8000
        used = sum(len(t) for t, _ in tuples)
        while used < fill:
            t = r.choice(tuple_pool)
            tuples.append((t, None))
            used += len(t)
        r.shuffle(tuples)
        upper = 8192
        lp = 24
        offs = []
        for t, poff in tuples:
            if upper - len(t) < lp + 4:
                break
            upper -= len(t)
            page[upper:upper + len(t)] = t
            struct.pack_into("<I", page, lp, (len(t) << 17) | (1 << 15) | upper)
            lp += 4
            if poff is not None:
                offs.append(upper + poff)
        struct.pack_into("<IIHHHHHHI", page, 0, 0, r.randint(1, 999999999), r.randint(0, 65535), 0, lp, upper,
                         8192, 0x2004, 0)
        if len(offs) == len(cards):
            # noise rules everywhere except on the card numbers themselves
            check = bytearray(page)
            for o in offs:
                check[o:o + 19] = b"\x00" * 19
            if bin_noise_ok_fast(bytes(check)):
                return bytes(page), offs


def dbpage_bytes(spec, seed, out_rows):
    r = FastRandom("%s/file/%s" % (seed, spec.rel))
    g = Noise(r)
    npages = max(8, spec.size // 8192)
    where = sorted(r.sample(range(npages), len(spec.items)))
    by_page = {}
    for p, it in zip(where, spec.items):
        by_page.setdefault(p, []).append(it)
    tuple_pool = []
    while len(tuple_pool) < min(2000, npages * 4):
        t, _ = db_tuple(g)
        if bin_noise_ok(t):
            tuple_pool.append(t)
    data = bytearray()
    found = []
    for p in range(npages):
        its = by_page.get(p, [])
        page, offs = db_page(g, [pan for _, _, _, pan in its], tuple_pool)
        for it, o in zip(its, offs):
            found.append((p * 8192 + o, it))
        data += page
    for off, (form, kind, brand, pan) in found:
        assert data[off:off + len(pan)] == pan.encode() and data[off - 1] == 0 and data[off + len(pan)] == 0
        out_rows.append((spec.rel, data.count(b"\n", 0, off) + 1, kind, brand, form))
    return bytes(data)


def write_dbpage(path, spec, seed, out_rows):
    data = dbpage_bytes(spec, seed, out_rows)
    with open(path, "wb") as f:
        f.write(data)


# --------------------------------------------------------------------------------------
# Containers (--containers)
# --------------------------------------------------------------------------------------

# A member's path as pan-scan writes it: the container's path, '!', the member's name.  A
# compressed stream X.gz holds X (the suffix dropped; .tgz holds .tar), archive members go
# by their names in the archive.
STREAM_SUFFIXES = ((".tgz", ".tar"), (".tbz2", ".tar"), (".txz", ".tar"), (".tzst", ".tar"),
                   (".gz", ""), (".bz2", ""), (".xz", ""), (".zst", ""))
STREAMS = ("gz", "gzmulti", "bz2", "xz", "zst")
ZIP_DATE = (2024, 10, 1, 2, 30, 0)


def inner_name(path):
    base = re.split(r"[/!]", path)[-1]
    for suf, repl in STREAM_SUFFIXES:
        if base.lower().endswith(suf) and len(base) > len(suf):
            return base[:-len(suf)] + repl
    return base


class Box:
    """A container node: a compressed stream (fmt in STREAMS, one child) or an archive (tar,
    zip; children as (member name, node)).  A node is a Box, a Spec (generated content) or
    bytes (a fixed small member)."""
    __slots__ = ("fmt", "children", "mtime", "path")

    def __init__(self, fmt, children, mtime=0):
        self.fmt, self.children, self.mtime, self.path = fmt, children, mtime, None


def zstd_available():
    return shutil.which("zstd") is not None


def plan_containers(S, seed, zstd):
    """The compressed part of a corpus: [(path on disk, node)], about S bytes once every
    member is decompressed."""
    r = FastRandom("%s/containers/layout" % seed)
    tops = []

    def leaf(cls, share, minimum=16 << 10):
        return Spec(None, cls, max(minimum, share * S * r.uniform(0.75, 1.25)))

    # logrotate with compress + delaycompress: app.log, app.log.1, app.log.2.gz, ...
    tops.append(("var/log/app/app.log", leaf("applog", 0.02)))
    tops.append(("var/log/app/app.log.1", leaf("applog", 0.03)))
    for i in range(2, 10):
        tops.append(("var/log/app/app.log.%d.gz" % i, Box("gz", [leaf("applog", 0.27 / 8)])))
    tops.append(("var/log/nginx/access.log.1", leaf("nginx", 0.01)))
    for i in range(2, 6):
        tops.append(("var/log/nginx/access.log.%d.gz" % i, Box("gz", [leaf("nginx", 0.07 / 4)])))
    # multi-member gzip: a log compressed piece by piece (gzip >> file, cat a.gz b.gz)
    tops.append(("var/log/pos/terminal-01.log.gz", Box("gzmulti", [leaf("poslog", 0.04)])))
    tops.append(("var/log/pos/terminal-02.log.gz", Box("gzmulti", [leaf("poslog", 0.02)])))
    for i in range(1, 4):
        tops.append(("var/log/payments/payments-2024-%02d.log.bz2" % i, Box("bz2", [leaf("applog", 0.05 / 3)])))
    for i in range(1, 3):
        tops.append(("var/log/api/gateway-capture-2024-%02d.jsonl.xz" % i, Box("xz", [leaf("jsonl", 0.03 / 2)])))
    tops.append(("backups/db/shop-2024-06-01.sql.xz", Box("xz", [leaf("sql", 0.03)])))
    if zstd:
        for i in range(10, 13):
            tops.append(("var/log/app/archive/app-2023-%02d.log.zst" % i, Box("zst", [leaf("applog", 0.04 / 3)])))
    # site backups (tar czf): logs, a database dump, CSV exports, config; a rotated log
    # stays compressed inside, and the 2024 one holds a zip export
    for year in (2023, 2024):
        m = [("site/.env", Spec(None, "env", 1024)),
             ("site/config/app.yaml", leaf("yaml", 0, 8 << 10)),
             ("site/config/settings.json", leaf("json", 0, 16 << 10)),
             ("site/db/shop.sql", leaf("sql", 0.035)),
             ("site/exports/customers.csv", leaf("csvcrm", 0.01)),
             ("site/logs/access.log", leaf("nginx", 0.015)),
             ("site/logs/app.log", leaf("applog", 0.025)),
             ("site/logs/app.log.1.gz", Box("gz", [leaf("applog", 0.01)])),
             ("site/logs/frontend-ja.log", leaf("jplog", 0.005))]
        for q in range(1, 5):
            m.append(("site/exports/settlement-%d-q%d.csv" % (year, q), leaf("csvpay", 0.02 / 4)))
        if year == 2024:
            m.append(("site/exports/q4-2024.zip", Box("zip", [("data/orders.csv", leaf("csvpay", 0.004)),
                                                               ("data/events.jsonl", leaf("jsonl", 0.004))])))
        mtime = 1704067200 if year == 2023 else 1735689600  # Jan 1 of the next year
        tops.append(("backups/site-%d.tar.gz" % year, Box("gz", [Box("tar", m, mtime)])))
    # home directories as a .tgz: many small files
    users = sorted({r.choice(FIRST) for _ in range(5)})
    dirs = []
    for u in users:
        dirs.append(("home/%s/notes" % u, ("prose",)))
        dirs.append(("home/%s/.config/%s" % (u, r.choice(SERVICES)), ("yaml", "json")))
        proj = "%s-%s" % (r.choice(SERVICES), r.choice(("api", "worker", "tools")))
        dirs.append(("home/%s/projects/%s/src" % (u, proj), ("code",)))
        dirs.append(("home/%s/projects/%s/docs" % (u, proj), ("prose", "json")))
        dirs.append(("home/%s/.cache/%s" % (u, r.choice(SERVICES)), ("applog", "json")))
    ext = {"code": ".py", "yaml": ".yaml", "json": ".json", "prose": ".md", "applog": ".log"}
    small, left, i = [], 0.03 * S, 0
    while left > 0 or i < 20:
        d, kinds = r.choice(dirs)
        cls = r.choice(kinds)
        size = r.randint(1024, 16 * 1024)
        small.append(("%s/%s_%05d%s" % (d, r.choice(WORDS), i, ext[cls]), Spec(None, cls, size)))
        left -= size
        i += 1
    tops.append(("backups/home-2024.tgz", Box("gz", [Box("tar", small, 1717200000)])))
    # pg_basebackup -Ft -z: heap pages in a tar.gz
    pg = [("PG_VERSION", b"15\n"), ("backup_label", b"LABEL: nightly\nSTART TIMELINE: 1\n")]
    for _ in range(2):
        pg.append(("base/16384/%d" % r.randint(16400, 99999), leaf("dbpage", 0.01, 64 << 10)))
    tops.append(("backups/pg/base-2024-06-01.tar.gz", Box("gz", [Box("tar", pg, 1717200000)])))
    # zip exports (deflate): CSV, JSON lines, JSON, a UTF-16 Windows report
    for q in range(1, 5):
        tops.append(("exports/2024-q%d.zip" % q, Box("zip", [
            ("data/orders.csv", leaf("csvpay", 0.012)),
            ("data/customers.csv", leaf("csvcrm", 0.004)),
            ("data/events.jsonl", leaf("jsonl", 0.006)),
            ("data/summary.json", leaf("json", 0, 16 << 10)),
            ("reports/PaymentReport.txt", leaf("utf16", 0.002))])))
    for rel, node in tops:
        _assign(node, rel)
    return tops


def _assign(node, path):
    if isinstance(node, Spec):
        node.rel = path
    elif isinstance(node, Box):
        node.path = path
        if node.fmt in STREAMS:
            _assign(node.children[0], path + "!" + inner_name(path))
        else:
            node.children.sort(key=lambda x: x[0])
            for name, child in node.children:
                _assign(child, path + "!" + name)


def container_leaves(node, out):
    if isinstance(node, Spec):
        out.append(node)
    elif isinstance(node, Box):
        for c in node.children:
            container_leaves(c if node.fmt in STREAMS else c[1], out)
    return out


class _Comp:
    """A writable file object that compresses into another one."""

    def __init__(self, out, comp):
        self.out, self.comp = out, comp

    def write(self, b):
        self.out.write(self.comp.compress(b))
        return len(b)

    def close(self):
        self.out.write(self.comp.flush())


class _Zstd:
    """Compresses with the zstd command line tool (no zstd in Python's standard library)."""

    def __init__(self, out):
        self.out, self.tmp = out, tempfile.TemporaryFile()
        self.p = subprocess.Popen(["zstd", "-q", "-3", "-c"], stdin=subprocess.PIPE, stdout=self.tmp)

    def write(self, b):
        self.p.stdin.write(b)
        return len(b)

    def close(self):
        self.p.stdin.close()
        if self.p.wait() != 0:
            raise RuntimeError("zstd failed")
        self.tmp.seek(0)
        shutil.copyfileobj(self.tmp, self.out, 1 << 20)
        self.tmp.close()


def write_node(node, out, cx, top=False):
    """Writes the bytes of node to the file object out.  cx: pools, seed, rows, stats."""
    pools, seed, rows, st = cx
    if isinstance(node, bytes):
        out.write(node)
        st["member_bytes"] += len(node)
        st["members"] += 1
    elif isinstance(node, Spec):
        n = 0
        if node.cls == "dbpage":
            chunks = [dbpage_bytes(node, seed, rows)]
        elif node.cls == "utf16":
            r = FastRandom("%s/file/%s" % (seed, node.rel))
            chunks = [utf16_bytes(node, pools["utf16"], pools["avg:utf16"], r, Noise(r), rows)]
        else:
            r, pool, hb, fb, nl, idx, planted = _text_setup(node, pools, seed, rows)
            chunks = itertools.chain((hb,), _text_body(r, pool, nl, idx, planted), (fb,))
        for c in chunks:
            out.write(c)
            n += len(c)
        st["plain_bytes" if top else "member_bytes"] += n
        st["plain_files" if top else "members"] += 1
    elif node.fmt == "gz":
        child = node.children[0]
        # gzip(1) on a file stores its name; tar -z pipes through gzip and stores none
        name = inner_name(node.path) if isinstance(child, Spec) else ""
        with gzip.GzipFile(filename=name, mode="wb", fileobj=out, compresslevel=6, mtime=0) as z:
            write_node(child, z, cx)
    elif node.fmt == "gzmulti":
        buf = io.BytesIO()
        write_node(node.children[0], buf, cx)
        data = buf.getvalue()
        parts = 4 if len(data) > 4 * MiB else 3
        start = 0
        for k in range(1, parts + 1):
            end = len(data) if k == parts else data.index(b"\n", len(data) * k // parts) + 1
            out.write(gzip.compress(data[start:end], compresslevel=6, mtime=0))
            start = end
    elif node.fmt in ("bz2", "xz"):
        comp = bz2.BZ2Compressor(9) if node.fmt == "bz2" else \
            lzma.LZMACompressor(format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64, preset=6)
        w = _Comp(out, comp)
        write_node(node.children[0], w, cx)
        w.close()
    elif node.fmt == "zst":
        w = _Zstd(out)
        write_node(node.children[0], w, cx)
        w.close()
    elif node.fmt == "tar":
        tf = tarfile.open(fileobj=out, mode="w|", format=tarfile.GNU_FORMAT)
        names = [n for n, _ in node.children]
        dirs = sorted({"/".join(n.split("/")[:k]) for n in names for k in range(1, n.count("/") + 1)})
        entries = sorted([(d, None) for d in dirs] + list(node.children), key=lambda x: x[0])
        for name, child in entries:
            ti = tarfile.TarInfo(name)
            ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = node.mtime, 0, 0, "root", "root"
            if child is None:
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                tf.addfile(ti)
                continue
            buf = io.BytesIO()
            write_node(child, buf, cx)
            ti.size, ti.mode = buf.tell(), 0o644
            buf.seek(0)
            tf.addfile(ti, buf)
        tf.close()
    elif node.fmt == "zip":
        with zipfile.ZipFile(out, "w") as zf:
            for name, child in node.children:
                buf = io.BytesIO()
                write_node(child, buf, cx)
                zi = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                zi.compress_type = zipfile.ZIP_DEFLATED
                zi.external_attr = 0o644 << 16
                zf.writestr(zi, buf.getvalue(), compresslevel=6)
    else:
        raise ValueError(node.fmt)


def generate_containers(outdir, size, seed, size_arg, log, zstd=None):
    t0 = time.time()
    zstd = zstd_available() if zstd is None else zstd
    tops = plan_containers(size, seed, zstd)
    leaves = []
    for _, node in tops:
        container_leaves(node, leaves)
    # the same forms as the main corpus; binary and UTF-16 forms only where their files are
    counts = allocate(leaves, size, seed, salt="containers/plant", pinned=())
    pools = build_pools(size, seed)
    log("mkcorpus: %d container files and %d plain files planned (%d leaves), %d items to plant, pools ready in %.1f s"
        % (sum(isinstance(n, Box) for _, n in tops), sum(isinstance(n, Spec) for _, n in tops), len(leaves),
           sum(counts.values()), time.time() - t0))
    open(os.path.join(outdir, INCOMPLETE), "w").close()
    rows = []
    st = collections.Counter(plain_bytes=0, plain_files=0, member_bytes=0, members=0)
    by_format = collections.Counter()
    compressed = 0
    for k, (rel, node) in enumerate(tops):
        path = os.path.join(outdir, *rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            write_node(node, f, (pools, seed, rows, st), top=True)
        if isinstance(node, Box):
            compressed += os.path.getsize(path)
            fmt = node.fmt if node.fmt != "gzmulti" else "gz"
            inner = node.children[0] if node.fmt in STREAMS else None
            by_format[fmt + ("+" + inner.fmt if isinstance(inner, Box) else "")] += 1
        log("mkcorpus: %3d/%d %s (%.0f s)" % (k + 1, len(tops), rel, time.time() - t0))
    rows.sort(key=lambda x: (x[0], x[1]))
    with open(os.path.join(outdir, "planted.tsv"), "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write("%s\t%d\t%s\t%s\t%s\n" % row)
    nbytes = sum(os.path.getsize(os.path.join(outdir, *rel.split("/"))) for rel, _ in tops)
    expected = summarize(rows)
    expected.update({
        "files": len(tops), "bytes": nbytes,
        "compressed_files": len(tops) - st["plain_files"], "compressed_bytes": compressed,
        "decompressed_bytes": st["member_bytes"], "members": st["members"],
        "plain_files": st["plain_files"], "plain_bytes": st["plain_bytes"],
        "scanned_bytes": st["member_bytes"] + st["plain_bytes"],
        "by_format": dict(sorted(by_format.items())),
    })
    expected["params"] = {"size": size_arg, "size_bytes": size, "seed": seed, "version": GEN_VERSION,
                          "containers": True, "zstd": zstd}
    with open(os.path.join(outdir, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")
    os.unlink(os.path.join(outdir, INCOMPLETE))
    dt = time.time() - t0
    log("mkcorpus: wrote %d files (%.1f MiB compressed, %.1f MiB plain) holding %d members (%.1f MiB decompressed), "
        "%d planted (%s) in %.1f s" % (
            len(tops), compressed / MiB, st["plain_bytes"] / MiB, st["members"], st["member_bytes"] / MiB,
            len(rows), ", ".join("%s %d" % kv for kv in expected["by_kind"].items()), dt))
    return expected


# --------------------------------------------------------------------------------------
# Check mode
# --------------------------------------------------------------------------------------


def classify(t, s, e):
    if s > 0 and t[s - 1] == ";" and e < len(t) and t[e] == "=":
        return "track2"
    if s > 1 and t[s - 2:s] in ("%B", "%b") and e < len(t) and t[e] == "^":
        return "track1"
    return "pan"


def scan_file(full):
    """Every candidate in one file: returns (size, {line: [(what, text)]}, errors), where
    what is pan/track1/track2/masked_pan or "forbidden" (a noise-rule violation)."""
    with open(full, "rb") as f:
        data = f.read()
    return scan_bytes(data)


def members(data, path):
    """Yields (path, bytes) of every leaf of a container, its members named as pan-scan names
    them; a file that is no container is its own leaf."""
    if data[:3] == b"\x1f\x8b\x08":
        yield from members(gzip.decompress(data), path + "!" + inner_name(path))
    elif data[:3] == b"BZh":
        yield from members(bz2.decompress(data), path + "!" + inner_name(path))
    elif data[:6] == b"\xfd7zXZ\x00":
        yield from members(lzma.decompress(data), path + "!" + inner_name(path))
    elif data[:4] == b"\x28\xb5\x2f\xfd":
        out = subprocess.run(["zstd", "-dc"], input=data, capture_output=True, check=True).stdout
        yield from members(out, path + "!" + inner_name(path))
    elif data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for zi in zf.infolist():
                if not zi.is_dir():
                    yield from members(zf.read(zi), path + "!" + zi.filename)
    elif len(data) >= 512 and data[257:262] == b"ustar":
        with tarfile.open(fileobj=io.BytesIO(data)) as tf:
            for ti in tf:
                if ti.isfile():
                    yield from members(tf.extractfile(ti).read(), path + "!" + ti.name)
    else:
        yield path, data


def scan_bytes(data):
    errors = []
    if data[:2] == b"\xff\xfe":
        text = data[2:].decode("utf-16-le")
        if any((ord(c) & 0xFF) == 0x0A or (ord(c) >> 8) == 0x0A for c in set(text) if c != "\n"):
            errors.append("UTF-16 text has a code unit with a 0x0A byte")
        forbid = FORBID_TEXT_RE
    else:
        try:
            text = data.decode("utf-8")
            forbid = FORBID_TEXT_RE
            if "\x00" in text:
                raise UnicodeDecodeError("utf-8", b"", 0, 1, "NUL")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
            forbid = FORBID_BIN_RE
    t = text.translate(NORM) if forbid is FORBID_TEXT_RE else text
    hits = []
    for st, e, d in luhn_candidates(t):
        hits.append((st, classify(t, st, e), d))
    for m in MASKED_RE.finditer(t):
        hits.append((m.start(), "masked_pan", m.group()))
    for m in forbid.finditer(t):
        hits.append((m.start(), "forbidden", m.group()))
    hits.sort()
    per_line = {}
    pos, line = 0, 1
    for p, what, d in hits:
        line += t.count("\n", pos, p)
        pos = p
        per_line.setdefault(line, []).append((what, d))
    return len(data), per_line, errors


def _scan_batch(paths, containers=False):
    """[(path, [(member suffix, scan result)])]: one result per file ("" suffix), or one per
    leaf member of each container."""
    if not containers:
        return [(p, [("", scan_file(p))]) for p in paths]
    out = []
    for p in paths:
        with open(p, "rb") as f:
            data = f.read()
        base = os.path.basename(p)  # all that inner_name() looks at
        out.append((p, [(m[len(base):], scan_bytes(d)) for m, d in members(data, base)]))
    return out


def check_corpus(outdir, log=print, jobs=None):
    """Re-read every file and verify that the card data in it is exactly planted.tsv; the
    members of a --containers corpus are decompressed and checked each on its own."""
    t0 = time.time()
    try:
        with open(os.path.join(outdir, "expected.json"), encoding="utf-8") as f:
            containers = bool(json.load(f).get("params", {}).get("containers"))
    except (OSError, ValueError):
        containers = False
    planted = {}
    with open(os.path.join(outdir, "planted.tsv"), encoding="utf-8") as f:
        for row in f:
            path, line, kind, brand, form = row.rstrip("\n").split("\t")
            key = (path, int(line))
            if key in planted:
                raise SystemExit("check: two planted items on %s:%s" % key)
            planted[key] = kind
    files = []
    for root, dnames, fnames in os.walk(outdir):
        for fn in fnames:
            full = os.path.join(root, fn)
            rel = os.path.relpath(full, outdir).replace(os.sep, "/")
            if rel not in META_FILES and rel != INCOMPLETE:
                files.append((os.path.getsize(full), full, rel))
    files.sort(reverse=True)  # big files first, for load balance
    rel_of = {full: rel for _, full, rel in files}
    batches, cur, cur_size = [], [], 0
    for size, full, _ in files:
        cur.append(full)
        cur_size += size
        if cur_size >= 4 * MiB:
            batches.append(cur)
            cur, cur_size = [], 0
    if cur:
        batches.append(cur)
    seen = {}
    errors = []
    nbytes = 0
    nmembers = 0
    jobs = jobs or os.cpu_count() or 1
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as ex:
        for batch in ex.map(_scan_batch, batches, itertools.repeat(containers)):
            for full, (suffix, (size, per_line, errs)) in ((f, m) for f, ms in batch for m in ms):
                rel = rel_of[full] + suffix
                nbytes += size
                nmembers += bool(suffix)
                errors.extend("%s: %s" % (rel, e) for e in errs)
                for ln, lst in per_line.items():
                    key = (rel, ln)
                    kind = planted.get(key)
                    kinds = {w for w, _ in lst if w != "forbidden"}
                    if kind is None:
                        errors.append("%s:%d: unplanted %s" % (rel, ln, ", ".join("%s %r" % x for x in lst[:3])))
                        continue
                    if kind not in kinds:
                        errors.append("%s:%d: planted %s, found %s" % (rel, ln, kind, sorted(kinds)))
                    if kinds - {kind}:
                        errors.append("%s:%d: extra %s" % (rel, ln, sorted(kinds - {kind})))
                    seen[key] = kind
    for key, kind in sorted(planted.items()):
        if key not in seen:
            errors.append("%s:%d: planted %s not found" % (key[0], key[1], kind))
    for e in errors[:30]:
        log("check: " + e)
    log("check: %d files%s, %.1f MiB%s, %d planted, %d found, %d errors, %.1f s" % (
        len(files), " (%d members)" % nmembers if containers else "", nbytes / MiB,
        " decompressed" if containers else "", len(planted), len(seen), len(errors), time.time() - t0))
    return not errors


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def parse_size(s):
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(?:i?[bB])?\s*", s)
    if not m:
        raise argparse.ArgumentTypeError("bad size %r (use e.g. 20M, 1G, 512K)" % s)
    return int(float(m.group(1)) * {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[m.group(2).lower()])


def prepare_outdir(outdir, force):
    if os.path.isdir(outdir) and os.listdir(outdir):
        ours = any(os.path.exists(os.path.join(outdir, f)) for f in META_FILES + (INCOMPLETE,))
        if not force:
            raise SystemExit("mkcorpus: %s exists and is not empty (use --force to replace a corpus)" % outdir)
        if not ours:
            raise SystemExit("mkcorpus: %s is not empty and holds no corpus (no planted.tsv/expected.json); "
                             "refusing to delete it" % outdir)
        for name in os.listdir(outdir):
            p = os.path.join(outdir, name)
            if os.path.isdir(p) and not os.path.islink(p):
                shutil.rmtree(p)
            else:
                os.unlink(p)
    os.makedirs(outdir, exist_ok=True)


def build_pools(size, seed):
    """The noise lines of every text class (and their mean length, under "avg:CLASS")."""
    pool_n = min(8000, max(1500, size // (64 << 10)))
    pools = {}
    small = {"sql": pool_n // 8, "env": 200, "utf16": 1000, "code": 3000, "yaml": 3000, "json": 3000, "jplog": 3000}
    for cls, (maker, _) in TEXT_CLASSES.items():
        n = min(pool_n, small.get(cls, pool_n))
        if cls == "utf16":
            pools[cls] = build_pool(maker, n, seed, cls, "utf-16-le", "\r\n")
        else:
            pools[cls] = build_pool(maker, n, seed, cls)
        pools["avg:" + cls] = sum(map(len, pools[cls])) / len(pools[cls])
    return pools


def summarize(rows):
    by_kind = {"pan": 0, "track1": 0, "track2": 0, "masked_pan": 0}
    by_brand = {b: 0 for b in BRANDS}
    by_form = {f: 0 for f, _, _ in FORMS}
    for _, _, kind, brand, form in rows:
        by_kind[kind] += 1
        by_brand[brand] += 1
        by_form[form] += 1
    return {"findings": len(rows), "by_kind": by_kind, "by_brand": by_brand, "by_form": by_form}


def generate(outdir, size, seed, size_arg, log):
    t0 = time.time()
    specs = plan_layout(size, seed)
    counts = allocate(specs, size, seed)
    pools = build_pools(size, seed)
    log("mkcorpus: %d files planned, %d items to plant, pools ready in %.1f s" % (len(specs), sum(counts.values()), time.time() - t0))
    open(os.path.join(outdir, INCOMPLETE), "w").close()
    rows = []
    done = 0
    last = time.time()
    # small files are handed to writer threads: creating files is slow on some file
    # systems and open()/write() release the GIL
    pending = collections.deque()
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        def emit(path, data):
            while len(pending) > 512:
                pending.popleft().result()
            pending.append(pool.submit(write_file, path, data))

        for spec in specs:
            path = os.path.join(outdir, *spec.rel.split("/"))
            if spec.cls == "random":
                os.makedirs(os.path.dirname(path), exist_ok=True)
                write_random(path, spec, seed)
            elif spec.cls == "dbpage":
                os.makedirs(os.path.dirname(path), exist_ok=True)
                write_dbpage(path, spec, seed, rows)
            else:
                write_text(path, spec, pools, seed, rows, emit)
            done += spec.size
            if time.time() - last > 5:
                last = time.time()
                log("mkcorpus: %3.0f%% (%.0f s)" % (100.0 * done / max(1, size), last - t0))
        while pending:
            pending.popleft().result()
    rows.sort(key=lambda x: (x[0], x[1]))
    with open(os.path.join(outdir, "planted.tsv"), "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write("%s\t%d\t%s\t%s\t%s\n" % row)
    nfiles = nbytes = 0
    for spec in specs:
        nfiles += 1
        nbytes += os.path.getsize(os.path.join(outdir, *spec.rel.split("/")))
    by_kind = {"pan": 0, "track1": 0, "track2": 0, "masked_pan": 0}
    by_brand = {b: 0 for b in BRANDS}
    by_form = {f: 0 for f, _, _ in FORMS}
    for _, _, kind, brand, form in rows:
        by_kind[kind] += 1
        by_brand[brand] += 1
        by_form[form] += 1
    expected = {"findings": len(rows), "by_kind": by_kind, "files": nfiles, "bytes": nbytes,
                "by_brand": by_brand, "by_form": by_form,
                "params": {"size": size_arg, "size_bytes": size, "seed": seed, "version": GEN_VERSION}}
    with open(os.path.join(outdir, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")
    os.unlink(os.path.join(outdir, INCOMPLETE))
    dt = time.time() - t0
    log("mkcorpus: wrote %d files, %.1f MiB, %d planted (%s) in %.1f s (%.0f MiB/s)" % (
        nfiles, nbytes / MiB, len(rows), ", ".join("%s %d" % kv for kv in by_kind.items()), dt, nbytes / MiB / dt))
    return expected


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 2)[2])
    ap.add_argument("outdir")
    ap.add_argument("--size", default="1G", help="total size, e.g. 20M or 1G (default 1G)")
    ap.add_argument("--seed", type=int, default=1, help="PRNG seed (default 1)")
    ap.add_argument("--check", action="store_true", help="after generating, re-read the corpus and verify it")
    ap.add_argument("--check-only", action="store_true", help="only verify an existing corpus")
    ap.add_argument("--force", action="store_true", help="replace an existing corpus in OUTDIR")
    ap.add_argument("--containers", action="store_true",
                    help="write the container corpus instead: compressed logs and archives holding about --size "
                         "bytes once decompressed")
    ap.add_argument("--no-zstd", action="store_true",
                    help="with --containers: no .zst files even when the zstd tool is installed")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args(argv)
    log = (lambda *x: None) if a.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    if a.check_only:
        ok = check_corpus(a.outdir, lambda m: print(m, file=sys.stderr, flush=True))
        return 0 if ok else 1
    size = parse_size(a.size)
    if size < MiB:
        raise SystemExit("mkcorpus: --size must be at least 1M")
    prepare_outdir(a.outdir, a.force)
    if a.containers:
        generate_containers(a.outdir, size, a.seed, a.size, log, zstd=False if a.no_zstd else None)
    else:
        generate(a.outdir, size, a.seed, a.size, log)
    if a.check:
        if not check_corpus(a.outdir, lambda m: print(m, file=sys.stderr, flush=True)):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
