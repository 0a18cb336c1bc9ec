#!/usr/bin/env bash
# Makes testdata/structured/: database dumps written by real database software
# (PostgreSQL pg_dump, MariaDB mariadb-dump, the sqlite3 CLI) from the same rows,
# plus expected.json, which says what a scanner must find in each file.
#
# Runs as root on Debian. Installs what is missing with apt-get, starts a
# throwaway PostgreSQL and a throwaway MariaDB in a temporary directory (unix
# sockets only, no TCP listener), loads scripts/fixtures/cards.sql into both,
# dumps, stops them and removes the temporary directory on exit.
#
# Usage: scripts/mkdumps.sh [OUTDIR]   (default: testdata/structured)
#
# Card numbers are made here: fixed digits + a Luhn check digit, each of a real
# brand's range and none of them a published test number (rules/test_pans.csv).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
out=${1:-$repo/testdata/structured}
sql_src=$here/fixtures/cards.sql
test_pans=$repo/rules/test_pans.csv

PG_PORT=54329          # non-default; the server listens on a unix socket only
DB=shop

log() { printf 'mkdumps: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root (installs packages, runs servers as postgres/mysql)"

# ---------------------------------------------------------------- packages
pkgs=(postgresql mariadb-server mariadb-client sqlite3 python3)
missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if ((${#missing[@]})); then
    log "installing: ${missing[*]}"
    apt-get update
    # policy-rc.d on containers keeps the packaged services from starting; we
    # start our own servers below either way.
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x $pg_bin/initdb ]] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)
[[ -x $mariadbd ]] || die "no mariadbd"
id postgres >/dev/null && id mysql >/dev/null

# ---------------------------------------------------------------- card numbers
# luhn BODY: prints BODY followed by its Luhn check digit.
luhn() {
    local body=$1 sum=0 dbl=1 i d
    for ((i = ${#body} - 1; i >= 0; i--)); do
        d=${body:i:1}
        if ((dbl)); then
            d=$((d * 2))
            if ((d > 9)); then d=$((d - 9)); fi
        fi
        sum=$((sum + d))
        dbl=$((1 - dbl))
    done
    printf '%s%d\n' "$body" $(((10 - sum % 10) % 10))
}

PAN_VISA=$(luhn 491780263415927)   # Visa, 16 digits        -> customers row 2
PAN_MC=$(luhn 537142860953318)     # Mastercard, 16 digits  -> customers row 5
PAN_AMEX=$(luhn 37469120583741)    # Amex, 15 digits        -> orders 103
PAN_DISC=$(luhn 601174392058163)   # Discover, 16 digits    -> events 1 (JSON)
PAN_GONE=$(luhn 448613057294286)   # Visa, 16 digits        -> SQLite only, deleted row
MASKED=476173******0119            # a masked PAN: evidence, not card data
export PAN_VISA PAN_MC PAN_AMEX PAN_DISC PAN_GONE MASKED

for p in "$PAN_VISA" "$PAN_MC" "$PAN_AMEX" "$PAN_DISC" "$PAN_GONE"; do
    if [[ -f $test_pans ]] && cut -d, -f1 "$test_pans" | grep -qx "$p"; then
        die "generated number ending ${p: -4} is a published test number"
    fi
done
[[ ${PAN_VISA:0:1} == 4 && ${#PAN_VISA} -eq 16 ]]
[[ ${PAN_MC:0:2} =~ ^5[1-5]$ && ${#PAN_MC} -eq 16 ]]
[[ ${PAN_AMEX:0:2} =~ ^3[47]$ && ${#PAN_AMEX} -eq 15 ]]
[[ ${PAN_DISC:0:4} == 6011 && ${#PAN_DISC} -eq 16 ]]

# render DIALECT: the SQL source with placeholders filled for one dialect.
render() {
    local notes
    case $1 in
        # A real tab between "VIP" and (call), written as each dialect writes it.
        pg) notes="E'O''Brien, \"VIP\"\\t(call)'" ;;
        mysql) notes="'O''Brien, \"VIP\"\\t(call)'" ;;
        sqlite) notes="'O''Brien, \"VIP\"' || char(9) || '(call)'" ;;
    esac
    sed -e "s/@PAN_VISA@/$PAN_VISA/g" -e "s/@PAN_MC@/$PAN_MC/g" \
        -e "s/@PAN_AMEX@/$PAN_AMEX/g" -e "s/@PAN_DISC@/$PAN_DISC/g" \
        -e "s/@MASKED@/$MASKED/g" "$sql_src" |
        NOTES=$notes awk '{ gsub(/@NOTES@/, ENVIRON["NOTES"]); print }'
}

# ---------------------------------------------------------------- temp dir, cleanup
tmp=$(mktemp -d /tmp/mkdumps.XXXXXX)
chmod 755 "$tmp"
pg_data=$tmp/pg/data
pg_sock=$tmp/pg
my_data=$tmp/my/data
my_sock=$tmp/my/mysqld.sock
mkdir -p "$tmp/pg" "$tmp/my" "$tmp/work"
chown postgres:postgres "$tmp/pg"
chown mysql:mysql "$tmp/my"
chmod 700 "$tmp/pg" "$tmp/my"
chmod 755 "$tmp/work"

pg_up=0
my_up=0
cleanup() {
    local rc=$?
    if ((pg_up)); then
        runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    if ((my_up)); then
        mariadb-admin --no-defaults --socket="$my_sock" -uroot shutdown >/dev/null 2>&1 || true
        for _ in $(seq 1 50); do [[ -e $tmp/my/mysqld.pid ]] || break; sleep 0.2; done
        if [[ -e $tmp/my/mysqld.pid ]]; then
            kill "$(cat "$tmp/my/mysqld.pid")" 2>/dev/null || true
            sleep 1
        fi
    fi
    rm -rf "$tmp"
    exit $rc
}
trap cleanup EXIT

mkdir -p "$out"
render pg >"$tmp/work/pg.sql"
render mysql >"$tmp/work/mysql.sql"
render sqlite >"$tmp/work/sqlite.sql"

# ---------------------------------------------------------------- PostgreSQL
log "PostgreSQL: initdb in $pg_data"
runuser -u postgres -- "$pg_bin/initdb" -D "$pg_data" -U postgres --auth=trust \
    --encoding=UTF8 --locale=C --no-sync >"$tmp/pg/initdb.log" 2>&1 ||
    { cat "$tmp/pg/initdb.log" >&2; die "initdb failed"; }
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -l "$tmp/pg/server.log" -w \
    -o "-c listen_addresses='' -c unix_socket_directories='$pg_sock' -p $PG_PORT -c fsync=off -c TimeZone=UTC" \
    start >/dev/null || { cat "$tmp/pg/server.log" >&2; die "postgres did not start"; }
pg_up=1
pgc() { runuser -u postgres -- "$@" -h "$pg_sock" -p "$PG_PORT" -U postgres; }
pgc "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $DB" >/dev/null
pgc "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -d "$DB" <"$tmp/work/pg.sql" >/dev/null
# pg_dump >= 15.14 writes \restrict KEY / \unrestrict KEY around the dump with a
# random KEY; a fixed one keeps the dumps the same from run to run.
restrict=()
if [[ $("$pg_bin/pg_dump" --help) == *--restrict-key* ]]; then
    restrict=(--restrict-key=panscanFixtureDumpKey)
fi
pgc "$pg_bin/pg_dump" "${restrict[@]}" -d "$DB" >"$out/pg_plain.sql"
pgc "$pg_bin/pg_dump" "${restrict[@]}" --inserts -d "$DB" >"$out/pg_inserts.sql"
pgc "$pg_bin/pg_dump" "${restrict[@]}" --column-inserts -d "$DB" >"$out/pg_column_inserts.sql"
# The custom-format archive (pg_dump -Fc, what most PostgreSQL backups are):
# compressed with zlib by default, and once uncompressed (-Z0). No restrict key:
# archives carry none.
pgc "$pg_bin/pg_dump" -Fc -d "$DB" >"$out/pg_custom.dump"
pgc "$pg_bin/pg_dump" -Fc -Z0 -d "$DB" >"$out/pg_custom_z0.dump"
# The tar format (pg_dump -Ft): toc.dat (the definitions and COPY statements),
# one uncompressed data file per table (3358.dat), restore.sql.
pgc "$pg_bin/pg_dump" -Ft -d "$DB" >"$out/pg_tar.tar"
# The directory format (pg_dump -Fd): toc.dat and one gzipped data file per
# table (3358.dat.gz) in a directory; pg_restore -l lists which is which.
# (written by the postgres user in the temporary directory, then copied).
rm -rf "$out/pg_dir"
pgc "$pg_bin/pg_dump" -Fd -f "$tmp/pg/pg_dir" -d "$DB"
cp -r "$tmp/pg/pg_dir" "$out/pg_dir"
chown -R --reference="$out" "$out/pg_dir"
chmod 755 "$out/pg_dir" && chmod 644 "$out/pg_dir"/*
PG_DIR_LIST=$("$pg_bin/pg_restore" -l "$out/pg_dir")
PG_DUMP_VERSION=$("$pg_bin/pg_dump" --version)
PG_SERVER_VERSION=$(pgc "$pg_bin/psql" -X -A -t -d "$DB" -c 'SHOW server_version')
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null
pg_up=0
log "PostgreSQL: done ($PG_SERVER_VERSION)"

# ---------------------------------------------------------------- MariaDB
log "MariaDB: install db in $my_data"
mariadb-install-db --no-defaults --user=mysql --datadir="$my_data" \
    --auth-root-authentication-method=normal --skip-test-db \
    >"$tmp/my/install.log" 2>&1 || { cat "$tmp/my/install.log" >&2; die "mariadb-install-db failed"; }
runuser -u mysql -- "$mariadbd" --no-defaults --datadir="$my_data" \
    --socket="$my_sock" --pid-file="$tmp/my/mysqld.pid" --skip-networking \
    --log-error="$tmp/my/server.log" --default-time-zone=+00:00 \
    --innodb-buffer-pool-size=32M --skip-log-bin >/dev/null 2>&1 &
my_up=1
for i in $(seq 1 150); do
    mariadb-admin --no-defaults --socket="$my_sock" -uroot ping >/dev/null 2>&1 && break
    ((i < 150)) || { cat "$tmp/my/server.log" >&2; die "mariadbd did not start"; }
    sleep 0.2
done
myc() { mariadb --no-defaults --socket="$my_sock" -uroot "$@"; }
myc -e "CREATE DATABASE $DB CHARACTER SET utf8mb4"
myc "$DB" <"$tmp/work/mysql.sql"
mariadb-dump --no-defaults --socket="$my_sock" -uroot --skip-dump-date \
    "$DB" >"$out/mysql.sql"
mariadb-dump --no-defaults --socket="$my_sock" -uroot --skip-dump-date \
    --complete-insert --skip-extended-insert "$DB" >"$out/mysql_complete.sql"
MY_DUMP_VERSION=$(mariadb-dump --no-defaults --version)
MY_SERVER_VERSION=$(myc -N -B -e 'SELECT VERSION()')
mariadb-admin --no-defaults --socket="$my_sock" -uroot shutdown
for _ in $(seq 1 100); do [[ -e $tmp/my/mysqld.pid ]] || break; sleep 0.2; done
wait || true
my_up=0
log "MariaDB: done ($MY_SERVER_VERSION)"

# ---------------------------------------------------------------- SQLite
# The deleted row's card number must end up on a page of the freelist, not
# just in a freeblock of a live page. So row 7 gets a long name: its record is
# larger than a page, only its first ~140 bytes stay in the table's leaf cell
# and the rest, card number included, goes to an overflow page. The leaf cell
# is small enough that no page split happens (a split or a merge would leave
# stale copies of other rows in unallocated space). Deleting the row in a
# later transaction with secure_delete off puts the overflow page on the
# freelist with its bytes untouched.
log "SQLite: $out/shop.sqlite"
rm -f "$out/shop.sqlite" "$out/shop.sqlite-journal"
pad=$(printf 'x%.0s' $(seq 1 1100))
{
    echo "PRAGMA page_size=1024;"
    echo "PRAGMA auto_vacuum=NONE;"
    echo "PRAGMA journal_mode=DELETE;"
    echo "PRAGMA secure_delete=OFF;"
    echo "BEGIN;"
    cat "$tmp/work/sqlite.sql"
    echo "COMMIT;"
    echo "INSERT INTO customers (id, name, email, card_number, card_expiry, cvv, notes) VALUES (7, 'Gina Rossi ($pad)', 'gina.rossi@example.com', '$PAN_GONE', '03/28', '655', 'closed account');"
    echo "DELETE FROM customers WHERE id = 7;"
} | sqlite3 -bail "$out/shop.sqlite" >/dev/null
SQLITE_VERSION=$(sqlite3 --version | awk '{print $1}')

# ---------------------------------------------------------------- expected.json
export PG_DUMP_VERSION PG_SERVER_VERSION MY_DUMP_VERSION MY_SERVER_VERSION SQLITE_VERSION PG_DIR_LIST
python3 - "$out" <<'PY'
import json, os, re, sqlite3, sys, tarfile

out = sys.argv[1]
E = os.environ
PANS = {E["PAN_VISA"]: "visa", E["PAN_MC"]: "mastercard", E["PAN_AMEX"]: "amex", E["PAN_DISC"]: "discover"}
GONE = E["PAN_GONE"]
MASKED = E["MASKED"]
CVV_COLS = {("customers", "cvv"), ("payment_tokens", "security_code")}


def fail(msg):
    sys.exit("mkdumps: expected.json: " + msg)


def luhn_ok(s):
    t = 0
    for i, c in enumerate(reversed(s)):
        d = int(c)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        t += d
    return t % 10 == 0


def line_of(text, off):
    return text.count("\n", 0, off) + 1


# ---- parsers: each yields (table, columns, values) with values [(python value, start, end)]
def parse_tuples(text, pos, dialect):
    """Parse '(v, ...),(v, ...) ;' from pos. Returns (list of tuples, end pos)."""
    tuples = []
    n = len(text)

    def skip_ws(p):
        while p < n and text[p] in " \t\r\n":
            p += 1
        return p

    p = skip_ws(pos)
    while True:
        if text[p] != "(":
            fail("parse error at %d: %r" % (p, text[p:p + 40]))
        p += 1
        vals = []
        while True:
            p = skip_ws(p)
            start = p
            if text[p] == "'" or (dialect == "pg" and text.startswith("E'", p)):
                esc = dialect == "mysql" or text[p] == "E"
                p = p + 2 if text[p] == "E" else p + 1
                buf = []
                while True:
                    c = text[p]
                    if esc and c == "\\":
                        nxt = text[p + 1]
                        buf.append({"t": "\t", "n": "\n", "r": "\r", "0": "\0", "Z": "\x1a"}.get(nxt, nxt))
                        p += 2
                    elif c == "'":
                        if text[p + 1] == "'":
                            buf.append("'")
                            p += 2
                        else:
                            p += 1
                            break
                    else:
                        buf.append(c)
                        p += 1
                v = "".join(buf)
            else:
                m = re.compile(r"[^,)\s]+").match(text, p)
                tok = m.group(0)
                p = m.end()
                v = None if tok.upper() == "NULL" else tok
            vals.append((v, start, p))
            p = skip_ws(p)
            if text[p] == ",":
                p += 1
                continue
            if text[p] == ")":
                p += 1
                break
            fail("parse error in tuple at %d" % p)
        tuples.append(vals)
        p = skip_ws(p)
        if text[p] == ",":
            p = skip_ws(p + 1)
            continue
        if text[p] == ";":
            return tuples, p + 1
        fail("parse error after tuple at %d" % p)


def create_tables(text, dialect):
    """{table: [(column, line of its definition)]}"""
    tables = {}
    if dialect == "pg":
        pat = re.compile(r"^CREATE TABLE public\.(\w+) \(\n(.*?)\n\);", re.M | re.S)
    else:
        pat = re.compile(r"^CREATE TABLE `(\w+)` \(\n(.*?)\n\)", re.M | re.S)
    for m in pat.finditer(text):
        cols = []
        off = m.start(2)
        for ln in m.group(2).split("\n"):
            s = ln.strip()
            cm = re.match(r"`(\w+)`" if dialect == "mysql" else r"(\w+) ", s)
            if cm and not s.startswith(("PRIMARY", "KEY", "UNIQUE", "CONSTRAINT")):
                cols.append((cm.group(1), line_of(text, off)))
            off += len(ln) + 1
        tables[m.group(1)] = cols
    return tables


def rows_sql(text, dialect, tables):
    if dialect == "pg":
        ins = re.compile(r"^INSERT INTO public\.(\w+) (?:\(([^)]*)\) )?VALUES\s*", re.M)
    else:
        ins = re.compile(r"^INSERT INTO `(\w+)` (?:\(([^)]*)\) )?VALUES\s*", re.M)
    for m in ins.finditer(text):
        table = m.group(1)
        if m.group(2):
            cols = [c.strip().strip("`") for c in m.group(2).split(",")]
        else:
            cols = [c for c, _ in tables[table]]
        tuples, _ = parse_tuples(text, m.end(), dialect)
        for vals in tuples:
            yield table, cols, vals


def copy_unescape(s):
    if s == "\\N":
        return None
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}.get(m.group(1), m.group(1)), s)


def rows_copy(text):
    for m in re.finditer(r"^COPY public\.(\w+) \(([^)]*)\) FROM stdin;\n", text, re.M):
        table = m.group(1)
        cols = [c.strip() for c in m.group(2).split(",")]
        p = m.end()
        while not text.startswith("\\.\n", p):
            e = text.index("\n", p)
            vals, q = [], p
            for f in text[p:e].split("\t"):
                vals.append((copy_unescape(f), q, q + len(f)))
                q += len(f) + 1
            yield table, cols, vals
            p = e + 1


def json_path(obj, needle, path="$"):
    if isinstance(obj, dict):
        for k, v in obj.items():
            r = json_path(v, needle, path + "." + k)
            if r:
                return r
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            r = json_path(v, needle, "%s[%d]" % (path, i))
            if r:
                return r
    elif obj == needle:
        return path
    return None


def finding(kind, pan, table, col, row, pk, value):
    f = {"kind": kind, "first6": pan[:6], "last4": pan[-4:], "table": table, "column": col, "row": row, "pk": pk}
    if kind == "pan":
        f["brand"] = PANS[pan]
        if value != pan:
            doc = json.loads(value)
            jp = json_path(doc, pan)
            if not jp:
                fail("number ending %s inside %s.%s but not as a JSON value" % (pan[-4:], table, col))
            f["json_path"] = jp
    return f


def analyse_text(name, dialect):
    text = open(os.path.join(out, name), encoding="utf-8").read()
    tables = create_tables(text, dialect)
    rows = rows_copy(text) if name == "pg_plain.sql" else rows_sql(text, dialect, tables)
    findings, cvv, ordinal, seen = [], [], {}, {}
    for table, cols, vals in rows:
        if [c for c, _ in tables[table]] != cols and sorted(cols) != sorted(c for c, _ in tables[table]):
            fail("%s: columns of %s differ" % (name, table))
        ordinal[table] = ordinal.get(table, 0) + 1
        row = ordinal[table]
        pk = vals[0][0]
        for col, (v, s, e) in zip(cols, vals):
            if v is None:
                continue
            for needle, kind in [(p, "pan") for p in PANS] + [(MASKED, "masked_pan")]:
                if needle in v:
                    at = text.find(needle, s, e)
                    if at < 0:
                        fail("%s: number ending %s not verbatim in the dump" % (name, needle[-4:]))
                    f = finding(kind, needle, table, col, row, pk, v)
                    f["line"] = line_of(text, at)
                    findings.append(f)
                    seen[needle] = seen.get(needle, 0) + 1
            if (table, col) in CVV_COLS:
                cvv.append({"table": table, "column": col, "row": row, "pk": pk, "line": line_of(text, s)})
    for needle in list(PANS) + [MASKED]:
        if text.count(needle) != seen.get(needle, 0) or seen.get(needle, 0) != 1:
            fail("%s: number ending %s found %d times in text, %d in rows" % (name, needle[-4:], text.count(needle), seen.get(needle, 0)))
    for m in re.finditer(r"(?<!\d)\d{13,19}(?!\d)", text):
        if luhn_ok(m.group(0)) and m.group(0) not in PANS:
            fail("%s: stray Luhn-valid digit run at line %d" % (name, line_of(text, m.start())))
    schema = []
    for t, c in sorted(CVV_COLS):
        ln = dict(tables[t])[c]
        schema.append({"table": t, "column": c, "line": ln})
    findings.sort(key=lambda f: (f["line"], f["table"]))
    return {"findings": findings, "cvv": cvv, "schema": schema}


def analyse_sqlite(name):
    path = os.path.join(out, name)
    raw = open(path, "rb").read()
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    findings, cvv = [], []
    for table in ["customers", "orders", "payment_tokens", "events"]:
        cur = db.execute("SELECT rowid, * FROM %s ORDER BY rowid" % table)
        cols = [d[0] for d in cur.description][1:]
        for row, (rowid, *vals) in enumerate(cur.fetchall(), 1):
            for col, v in zip(cols, vals):
                if v is None:
                    continue
                v = str(v)
                for needle, kind in [(p, "pan") for p in PANS] + [(MASKED, "masked_pan")]:
                    if needle in v:
                        f = finding(kind, needle, table, col, row, str(vals[0]), v)
                        f["rowid"] = rowid
                        offs = [m.start() for m in re.finditer(re.escape(needle.encode()), raw)]
                        if len(offs) != 1:
                            fail("%s: number ending %s at %d places in the raw file" % (name, needle[-4:], len(offs)))
                        f["offset"] = offs[0]
                        findings.append(f)
                if (table, col) in CVV_COLS:
                    cvv.append({"table": table, "column": col, "row": row, "pk": str(vals[0]), "rowid": rowid})
            if rowid != vals[0]:
                fail("%s: rowid %d != id %r" % (name, rowid, vals[0]))
    # The deleted row: in no table, but its bytes on a freelist page.
    for t, in db.execute("SELECT name FROM sqlite_master WHERE type='table'"):
        cols = [r[1] for r in db.execute("PRAGMA table_info(%s)" % t)]
        for c in cols:
            if db.execute("SELECT count(*) FROM %s WHERE CAST(%s AS TEXT) LIKE ?" % (t, c), ("%" + GONE + "%",)).fetchone()[0]:
                fail("deleted number still in table %s" % t)
    for m in re.finditer(rb"(?<![0-9])[0-9]{13,19}(?![0-9])", raw):
        d = m.group(0).decode()
        if luhn_ok(d) and d not in PANS and d != GONE:
            fail("%s: stray Luhn-valid digit run at offset %d" % (name, m.start()))
    page_size = int.from_bytes(raw[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    free = set()
    trunk = int.from_bytes(raw[32:36], "big")
    while trunk:
        free.add(trunk)
        base = (trunk - 1) * page_size
        nxt = int.from_bytes(raw[base:base + 4], "big")
        cnt = int.from_bytes(raw[base + 4:base + 8], "big")
        for i in range(cnt):
            free.add(int.from_bytes(raw[base + 8 + 4 * i:base + 12 + 4 * i], "big"))
        trunk = nxt
    if len(free) != int.from_bytes(raw[36:40], "big"):
        fail("freelist count mismatch")
    gone = [m.start() for m in re.finditer(GONE.encode(), raw)]
    if not gone:
        fail("deleted number's bytes are not in the file")
    free_page = []
    for off in gone:
        pg = off // page_size + 1
        if pg not in free:
            fail("deleted number's bytes at offset %d are on page %d, not a freelist page %s" % (off, pg, sorted(free)))
        free_page.append({"first6": GONE[:6], "last4": GONE[-4:], "brand": "visa", "page": pg, "offset": off})
    schema = [{"table": t, "column": c} for t, c in sorted(CVV_COLS)]
    return {"findings": findings, "cvv": cvv, "schema": schema, "free_page": free_page, "page_size": page_size}


files = {
    "pg_plain.sql": ("pg", E["PG_DUMP_VERSION"]),
    "pg_inserts.sql": ("pg", E["PG_DUMP_VERSION"]),
    "pg_column_inserts.sql": ("pg", E["PG_DUMP_VERSION"]),
    "mysql.sql": ("mysql", E["MY_DUMP_VERSION"]),
    "mysql_complete.sql": ("mysql", E["MY_DUMP_VERSION"]),
}
doc, made_by = {}, {}
for name, (dialect, tool) in files.items():
    doc[name] = analyse_text(name, dialect)
    server = ("PostgreSQL " + E["PG_SERVER_VERSION"]) if dialect == "pg" else ("MariaDB " + E["MY_SERVER_VERSION"])
    made_by[name] = "%s; server %s" % (tool, server)
# A custom-format archive holds the rows of pg_plain.sql; it is read as the
# SQL script pg_restore would write from it, so each number has the same
# table, column, row and key there (its line is that script's, not checked).
for name in ["pg_custom.dump", "pg_custom_z0.dump"]:
    d = json.loads(json.dumps(doc["pg_plain.sql"]))
    for recs in d.values():
        for r in recs:
            r.pop("line", None)
            if "table" in r and "row" in r:
                r["member"] = name + "!pg_restore.sql"
    doc[name] = d
    made_by[name] = made_by["pg_plain.sql"].replace("pg_dump (", "pg_dump -Fc%s (" % (" -Z0" if "z0" in name else ""), 1)
# A tar-format archive holds the same rows, each table's in a data file of its
# own whose COPY statement is in toc.dat: each number has the same table,
# column, row and key there, in the data file restore.sql names for its table.
with tarfile.open(os.path.join(out, "pg_tar.tar")) as t:
    if t.getnames()[0] != "toc.dat":
        fail("pg_tar.tar: toc.dat is not the first member")
    restore = t.extractfile("restore.sql").read().decode()
data_file = {m.group(1): m.group(2) for m in re.finditer(
    r"^COPY public\.(\w+) \(.*\) FROM '\$\$PATH\$\$/(\d+\.dat)';$", restore, re.M)}
d = json.loads(json.dumps(doc["pg_plain.sql"]))
for recs in d.values():
    for r in recs:
        r.pop("line", None)
        if "table" in r and "row" in r:
            r["member"] = "pg_tar.tar!" + data_file[r["table"]]
doc["pg_tar.tar"] = d
made_by["pg_tar.tar"] = made_by["pg_plain.sql"].replace("pg_dump (", "pg_dump -Ft (", 1)
# A directory-format archive: the same, each data file gzipped beside
# toc.dat (member pg_dir/3358.dat.gz!3358.dat). It has no restore.sql, so no
# schema finding: its CVV-named columns are only in toc.dat's binary TOC.
data_file = {m.group(2): m.group(1) + ".dat" for m in re.finditer(
    r"^(\d+); \d+ \d+ TABLE DATA public (\w+) ", E["PG_DIR_LIST"], re.M)}
d = json.loads(json.dumps(doc["pg_plain.sql"]))
for recs in d.values():
    for r in recs:
        r.pop("line", None)
        if "table" in r and "row" in r:
            f = data_file[r["table"]]
            if not os.path.exists(os.path.join(out, "pg_dir", f + ".gz")):
                fail("pg_dir: no %s.gz" % f)
            r["member"] = "pg_dir/%s.gz!%s" % (f, f)
d["schema"] = []
doc["pg_dir"] = d
made_by["pg_dir"] = made_by["pg_plain.sql"].replace("pg_dump (", "pg_dump -Fd (", 1)
raw = open(os.path.join(out, "pg_custom_z0.dump"), "rb").read()
for needle in PANS:
    if raw.count(needle.encode()) != 1:
        fail("pg_custom_z0.dump: number ending %s not stored once, uncompressed" % needle[-4:])
gz = open(os.path.join(out, "pg_custom.dump"), "rb").read()
for needle in PANS:
    if needle.encode() in gz:
        fail("pg_custom.dump: number ending %s readable without decompressing" % needle[-4:])
doc["shop.sqlite"] = analyse_sqlite("shop.sqlite")
made_by["shop.sqlite"] = "sqlite3 CLI " + E["SQLITE_VERSION"]
doc["made_by"] = made_by
for name, d in doc.items():
    if name == "made_by":
        continue
    n = [f for f in d["findings"] if f["kind"] == "pan"]
    if len(n) != 4 or len([f for f in d["findings"] if f["kind"] == "masked_pan"]) != 1:
        fail("%s: %d pan findings" % (name, len(n)))
with open(os.path.join(out, "expected.json"), "w") as fh:
    json.dump(doc, fh, indent=1, sort_keys=True, ensure_ascii=False)
    fh.write("\n")
PY

log "wrote: $(cd "$out" && ls | tr '\n' ' ')"
