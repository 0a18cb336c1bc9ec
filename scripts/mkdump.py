#!/usr/bin/env python3
"""One large, deterministic SQL dump with planted card numbers (standard library only).

    python3 scripts/mkdump.py OUT.sql --size 300M [--seed 1] [--flavor mysql|pg]

--flavor mysql (default) writes what mysqldump writes: the `-- MySQL dump 10.13` banner,
`CREATE TABLE` statements with backtick identifiers and `PRIMARY KEY (`id`)`, then extended
`INSERT INTO `t` VALUES (...),(...),...;` lines of up to about 1 MiB each (no column list,
as mysqldump writes them without --complete-insert), the statements of four tables
interleaved: customers, orders, payments (card_number and cvv columns) and audit_log (long
text with escaped quotes and newlines).

--flavor pg writes what pg_dump writes in plain format: `CREATE TABLE public.t (...)`, one
`COPY public.t (cols) FROM stdin;` block per table of tab-separated rows ending in `\\.`,
and the keys after the data: `ALTER TABLE ONLY public.t ADD CONSTRAINT t_pkey PRIMARY KEY
(id);`.

Luhn-valid numbers of real brands (Visa, Mastercard, Amex; never one of
rules/test_pans.csv) are planted about once per 2 MiB (at least 20) in payments.card_number,
each with a 3-digit cvv on the same row. OUT.expected.json (OUT with .sql replaced) holds:

    {"findings": N, "by_kind": {"pan": N, "cvv": N, "sad_field": 1}, "bytes": ..., "params": {...},
     "planted": [{"first6", "last4", "length", "brand", "table", "column", "row", "pk",
                  "line", "cvv_column", "cvv_line"}, ...]}

row is the row's ordinal in its table in dump order (1-based), pk its id, line the 1-based
line of the number. Full numbers are written only into the dump itself. sad_field is the
one schema finding the cvv column gives.

The noise gives no other finding: ids, timestamps, amounts, phone numbers and order numbers
come from scripts/mkcorpus.py's field makers, and every row is checked with its noise_ok()
(no Luhn-valid 12-19 digit run or separator-joined chain, no mask, track or control
characters); a row that fails is made again. Rows are drawn from pools of checked rows, with
a fresh id in front (the id is followed by ',' or by a text field, so it joins no chain).
"""
import argparse
import csv
import json
import os
import sys

sys.dont_write_bytecode = True  # no scripts/__pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkcorpus  # noqa: E402
from mkcorpus import (CITIES, COUNTRIES, CURRENCIES, FIRST, LAST, FastRandom, Noise,  # noqa: E402
                      brand_of, gen_pan, luhn_ok, noise_ok, parse_size)

GEN_VERSION = 1
MiB = 1 << 20
TABLES = ("customers", "orders", "payments", "audit_log")
# Share of the data bytes per table, and INSERT line sizes (mysql).
SHARE = {"customers": 0.20, "orders": 0.25, "payments": 0.25, "audit_log": 0.30}
LINE_MIN, LINE_MAX = 64 * 1024, 1024 * 1024
POOL = 4000
COLUMNS = {
    "customers": ("id", "first_name", "last_name", "email", "phone", "city", "country", "created_at", "ltv"),
    "orders": ("id", "status", "customer_id", "order_no", "amount", "currency", "created_at", "tracking_no"),
    "payments": ("id", "status", "order_id", "card_holder", "card_number", "exp_date", "cvv", "amount",
                 "currency", "created_at"),
    "audit_log": ("id", "action", "actor", "message", "created_at"),
}
CARD_COL, CVV_COL = COLUMNS["payments"].index("card_number"), COLUMNS["payments"].index("cvv")
MYSQL_TYPES = {
    "customers": ("bigint NOT NULL AUTO_INCREMENT", "varchar(64) NOT NULL", "varchar(64) NOT NULL",
                  "varchar(255) NOT NULL", "varchar(32) DEFAULT NULL", "varchar(64) DEFAULT NULL",
                  "char(2) DEFAULT NULL", "datetime NOT NULL", "decimal(12,2) NOT NULL DEFAULT '0.00'"),
    "orders": ("bigint NOT NULL AUTO_INCREMENT", "varchar(16) NOT NULL", "bigint NOT NULL", "varchar(32) NOT NULL",
               "decimal(12,2) NOT NULL", "char(3) NOT NULL", "datetime NOT NULL", "varchar(40) DEFAULT NULL"),
    "payments": ("bigint NOT NULL AUTO_INCREMENT", "varchar(16) NOT NULL", "bigint NOT NULL",
                 "varchar(64) DEFAULT NULL", "varchar(19) DEFAULT NULL", "char(5) DEFAULT NULL",
                 "char(4) DEFAULT NULL", "decimal(12,2) NOT NULL", "char(3) NOT NULL", "datetime NOT NULL"),
    "audit_log": ("bigint NOT NULL AUTO_INCREMENT", "varchar(32) NOT NULL", "varchar(64) NOT NULL",
                  "mediumtext NOT NULL", "datetime NOT NULL"),
}
PG_TYPES = {
    "customers": ("bigint NOT NULL", "character varying(64) NOT NULL", "character varying(64) NOT NULL",
                  "character varying(255) NOT NULL", "character varying(32)", "character varying(64)",
                  "character(2)", "timestamp without time zone NOT NULL", "numeric(12,2) DEFAULT 0.00 NOT NULL"),
    "orders": ("bigint NOT NULL", "character varying(16) NOT NULL", "bigint NOT NULL",
               "character varying(32) NOT NULL", "numeric(12,2) NOT NULL", "character(3) NOT NULL",
               "timestamp without time zone NOT NULL", "character varying(40)"),
    "payments": ("bigint NOT NULL", "character varying(16) NOT NULL", "bigint NOT NULL", "character varying(64)",
                 "character varying(19)", "character(5)", "character varying(4)", "numeric(12,2) NOT NULL",
                 "character(3) NOT NULL", "timestamp without time zone NOT NULL"),
    "audit_log": ("bigint NOT NULL", "character varying(32) NOT NULL", "character varying(64) NOT NULL",
                  "text NOT NULL", "timestamp without time zone NOT NULL"),
}
ACTIONS = ("login", "logout", "order.update", "refund.request", "address.change", "export.run", "note.add",
           "password.reset", "role.grant", "ticket.reply")
BRANDS = ("visa", "mastercard", "amex")
BRAND_WEIGHTS = (50, 35, 15)

MYSQL_HEADER = """-- MySQL dump 10.13  Distrib 8.0.36, for Linux (amd64)
--
-- Host: 10.20.0.15    Database: shop
-- ------------------------------------------------------
-- Server version\t8.0.36

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;
"""
MYSQL_FOOTER = """UNLOCK TABLES;
/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;
/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

-- Dump completed on 2025-11-20  3:14:07
"""
PG_HEADER = """--
-- PostgreSQL database dump
--

-- Dumped from database version 16.2 (Debian 16.2-1.pgdg120+2)
-- Dumped by pg_dump version 16.2 (Debian 16.2-1.pgdg120+2)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

"""
PG_FOOTER = """
--
-- PostgreSQL database dump complete
--

"""


def mysql_create(t):
    cols = ",\n".join("  `%s` %s" % (c, ty) for c, ty in zip(COLUMNS[t], MYSQL_TYPES[t]))
    return ("--\n-- Table structure for table `%s`\n--\n\nDROP TABLE IF EXISTS `%s`;\n"
            "/*!40101 SET @saved_cs_client     = @@character_set_client */;\n/*!50503 SET character_set_client = utf8mb4 */;\n"
            "CREATE TABLE `%s` (\n%s,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;\n"
            "/*!40101 SET character_set_client = @saved_cs_client */;\n\n" % (t, t, t, cols))


def pg_create(t):
    cols = ",\n".join("    %s %s" % (c, ty) for c, ty in zip(COLUMNS[t], PG_TYPES[t]))
    return ("--\n-- Name: %s; Type: TABLE; Schema: public; Owner: shop\n--\n\n"
            "CREATE TABLE public.%s (\n%s\n);\n\n\nALTER TABLE public.%s OWNER TO shop;\n\n"
            "--\n-- Name: %s_id_seq; Type: SEQUENCE; Schema: public; Owner: shop\n--\n\n"
            "CREATE SEQUENCE public.%s_id_seq\n    START WITH 1\n    INCREMENT BY 1\n    NO MINVALUE\n"
            "    NO MAXVALUE\n    CACHE 1;\n\n\nALTER SEQUENCE public.%s_id_seq OWNER TO shop;\n"
            "ALTER SEQUENCE public.%s_id_seq OWNED BY public.%s.id;\n\n"
            % (t, t, cols, t, t, t, t, t, t))


def pg_key(t):
    return ("--\n-- Name: %s %s_pkey; Type: CONSTRAINT; Schema: public; Owner: shop\n--\n\n"
            "ALTER TABLE ONLY public.%s\n    ADD CONSTRAINT %s_pkey PRIMARY KEY (id);\n\n\n" % (t, t, t, t))


class Rows:
    """Field values (after the id) of noise rows, per table: lists of str, None for NULL."""

    def __init__(self, r):
        self.r = r
        self.g = Noise(r)

    def text(self):
        """A long message: sentences, an escaped quote or newline here and there."""
        r, g = self.r, self.g
        parts = []
        for _ in range(r.randint(2, 40)):
            s = g.sentence(8, 30)
            k = r.random()
            if k < 0.1:
                s = "Customer said 'please call back' (%s)." % g.name() + " " + s
            elif k < 0.15:
                s = s + "\n"
            elif k < 0.2:
                s = '{"k":"%s","n":%d}' % (r.choice(ACTIONS), r.randint(1, 999))
            parts.append(s)
        return " ".join(parts)

    def make(self, t, card=None, cvv=None):
        r, g = self.r, self.g
        if t == "customers":
            return [r.choice(FIRST).capitalize(), r.choice(LAST).capitalize(), g.email(), g.phone(),
                    r.choice(CITIES).capitalize(), r.choice(COUNTRIES), g.sqlts(), g.price()]
        if t == "orders":
            return [r.choice(("paid", "shipped", "new", "refunded")), str(r.randint(1, 9999999)), g.order(),
                    g.price(), r.choice(CURRENCIES), g.sqlts(), g.tracking() if r.random() < 0.7 else None]
        if t == "payments":
            tok = None if r.random() < 0.6 else "tok_" + g.token(16)
            return [r.choice(("captured", "authorized", "refunded", "failed")), str(r.randint(1, 99999999)),
                    g.name().upper(), card if card is not None else tok, g.expiry() if card or r.random() < 0.5 else None,
                    cvv, g.price(), r.choice(CURRENCIES), g.sqlts()]
        return [r.choice(ACTIONS), g.email() if r.random() < 0.5 else "system", self.text(), g.sqlts()]


def mysql_value(v, numeric):
    if v is None:
        return "NULL"
    if numeric:
        return v
    return "'" + v.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"


def pg_value(v):
    if v is None:
        return "\\N"
    return v.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


NUMERIC = {
    "customers": (False, False, False, False, False, False, False, True),
    "orders": (False, True, False, True, False, False, False),
    "payments": (False, True, False, False, False, False, True, False, False),
    "audit_log": (False, False, False, False),
}


def encode(flavor, t, fields):
    """The row's text after the id: ',v1,v2,...)' for mysql, '\\tv1\\tv2...' for pg."""
    if flavor == "mysql":
        return "," + ",".join(mysql_value(v, n) for v, n in zip(fields, NUMERIC[t])) + ")"
    return "\t" + "\t".join(pg_value(v) for v in fields)


def good_row(rows, flavor, t, **kw):
    while True:
        f = rows.make(t, **kw)
        s = encode(flavor, t, f)
        if noise_ok(s):
            return f, s


def load_test_pans(repo):
    path = os.path.join(repo, "rules", "test_pans.csv")
    out = set()
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            out.add("".join(c for c in row["pan"] if c.isdigit()))
    return out


def plant_pans(r, n, test_pans):
    pans, seen = [], set()
    while len(pans) < n:
        brand = r.choices(BRANDS, BRAND_WEIGHTS)[0]
        pan = gen_pan(r, brand)
        assert luhn_ok(pan) and brand_of(pan) == brand
        if pan in test_pans or pan in seen:
            continue
        seen.add(pan)
        pans.append(pan)
    return pans


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--size", default="300M", type=parse_size)
    ap.add_argument("--seed", default=1, type=int)
    ap.add_argument("--flavor", default="mysql", choices=("mysql", "pg"))
    a = ap.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    size, flavor = a.size, a.flavor
    r = FastRandom("mkdump/%d/%s" % (a.seed, flavor))
    rows = Rows(r)

    n_plant = max(20, size // (2 * MiB))
    pans = plant_pans(FastRandom("mkdump-pans/%d/%s" % (a.seed, flavor)), n_plant, load_test_pans(repo))
    # Plant after every `step` bytes of payments rows (with jitter).
    pay_bytes = SHARE["payments"] * size
    step = pay_bytes / n_plant
    next_plant = [step * (i + r.uniform(0.1, 0.9)) for i in range(n_plant)]

    pools = {t: [good_row(rows, flavor, t)[1] for _ in range(POOL if t != "audit_log" else POOL // 2)]
             for t in TABLES}

    tmp = a.out + ".tmp"
    out = open(tmp, "w", encoding="utf-8", newline="\n")
    state = {"bytes": 0, "line": 1}  # line: the line the next byte is on

    def w(s):
        out.write(s)
        state["bytes"] += len(s.encode("utf-8")) if not s.isascii() else len(s)
        state["line"] += s.count("\n")

    ids = {"customers": 1, "orders": 1000, "payments": 50000, "audit_log": 7}
    nrows = {t: 0 for t in TABLES}
    written = {t: 0 for t in TABLES}
    planted = []

    def next_row(t, sep_bytes):
        """The row's text (id + fields) and its planted record, if any."""
        ids[t] += r.randint(1, 3)
        nrows[t] += 1
        rid = ids[t]
        rec = None
        if t == "payments" and planted_count[0] < n_plant and written[t] >= next_plant[planted_count[0]]:
            pan = pans[planted_count[0]]
            cvv = "%03d" % r.randint(100, 999)
            # The row is checked with a word in place of the number, then gets the number.
            f, _ = good_row(rows, flavor, t, card="CARDNUMBER", cvv=cvv)
            f[CARD_COL - 1] = pan
            body = encode(flavor, t, f)
            planted_count[0] += 1
            pre = ("(%d" if flavor == "mysql" else "%d") % rid
            text = pre + body
            rec = {"first6": pan[:6], "last4": pan[-4:], "length": len(pan), "brand": brand_of(pan),
                   "table": t, "column": "card_number", "row": nrows[t], "pk": str(rid), "cvv_column": "cvv"}
        else:
            text = ("(%d" if flavor == "mysql" else "%d") % rid + r.choice(pools[t])
        written[t] += len(text) + sep_bytes
        return text, rec

    planted_count = [0]
    total_share = sum(SHARE.values())

    if flavor == "mysql":
        w(MYSQL_HEADER + "\n")
        for t in TABLES:
            w(mysql_create(t))
        w("LOCK TABLES %s;\n" % ", ".join("`%s` WRITE" % t for t in TABLES))
        w("/*!40000 ALTER TABLE `payments` DISABLE KEYS */;\n")
        data_target = size - len(MYSQL_FOOTER) - 200
        tables = list(TABLES)
        weights = [SHARE[t] / total_share for t in TABLES]
        while state["bytes"] < data_target:
            t = r.choices(tables, weights)[0]
            want = min(r.randint(LINE_MIN, LINE_MAX), max(1024, data_target - state["bytes"]))
            head = "INSERT INTO `%s` VALUES " % t
            parts, recs, length = [], [], len(head)
            while length < want:
                text, rec = next_row(t, 1)
                if rec:
                    rec["line"] = state["line"]
                    recs.append(rec)
                parts.append(text)
                length += len(text) + 1
            w(head + ",".join(parts) + ";\n")
            planted.extend(recs)
        w("/*!40000 ALTER TABLE `payments` ENABLE KEYS */;\n")
        w(MYSQL_FOOTER)
    else:
        w(PG_HEADER)
        for t in TABLES:
            w(pg_create(t))
        # One COPY block per table, as pg_dump writes them; the keys come after the data.
        data = size - state["bytes"] - 4096
        target = state["bytes"]
        for t in TABLES:
            w("--\n-- Data for Name: %s; Type: TABLE DATA; Schema: public; Owner: shop\n--\n\n" % t)
            w("COPY public.%s (%s) FROM stdin;\n" % (t, ", ".join(COLUMNS[t])))
            target += SHARE[t] / total_share * data
            buf, blen = [], 0
            while state["bytes"] + blen < target:
                text, rec = next_row(t, 1)
                if rec:
                    rec["line"] = state["line"] + len(buf)
                    planted.append(rec)
                buf.append(text + "\n")
                blen += len(text) + 1
                if len(buf) >= 4096:
                    w("".join(buf))
                    buf, blen = [], 0
            w("".join(buf))
            w("\\.\n\n\n")
        for t in TABLES:
            w("--\n-- Name: %s id; Type: DEFAULT; Schema: public; Owner: shop\n--\n\n"
              "ALTER TABLE ONLY public.%s ALTER COLUMN id SET DEFAULT nextval('public.%s_id_seq'::regclass);\n\n\n"
              % (t, t, t))
        for t in TABLES:
            w(pg_key(t))
        w(PG_FOOTER)
    out.close()
    os.replace(tmp, a.out)

    for p in planted:
        p["cvv_line"] = p["line"]  # the cvv is on the row's line
    n = len(planted)
    expected = {
        "findings": 2 * n + 1,
        "by_kind": {"pan": n, "cvv": n, "sad_field": 1},
        "bytes": state["bytes"],
        "rows": nrows,
        "params": {"version": GEN_VERSION, "size": size, "seed": a.seed, "flavor": flavor,
                   "corpus_version": mkcorpus.GEN_VERSION},
        "planted": planted,
    }
    exp_path = (a.out[:-4] if a.out.endswith(".sql") else a.out) + ".expected.json"
    with open(exp_path + ".tmp", "w") as fh:
        json.dump(expected, fh, indent=1)
        fh.write("\n")
    os.replace(exp_path + ".tmp", exp_path)
    print("mkdump: %s: %s dump, %.1f MB, %d rows, %d card numbers planted; %s" % (
        a.out, flavor, state["bytes"] / 1e6, sum(nrows.values()), n, exp_path), file=sys.stderr)


if __name__ == "__main__":
    main()
