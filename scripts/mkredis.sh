#!/usr/bin/env bash
# Makes testdata/redis/: RDB snapshots written by the real Redis server
# (redis-cli SAVE), plus expected.json, which says what a scanner must find in
# each file.
#
#   cards.rdb   every value encoding Redis 7.0 writes to an RDB file (strings,
#               int-encoded and LZF-compressed strings, listpack and hashtable
#               hashes, quicklist lists with LZF-compressed nodes, intset and
#               hashtable sets, listpack and skiplist sorted sets, a stream with
#               consumer groups, a key with a TTL, a key in database 1, a
#               function library), each holding a planted card number.
#   clean.rdb   the same encodings holding realistic non-card numbers (phone
#               numbers, order ids, millisecond timestamps, JAN codes, prices):
#               nothing in it is a Luhn-valid number of a card brand's range.
#
# Runs as root on Debian. Installs what is missing with apt-get, starts a
# throwaway redis-server in a temporary directory (unix socket only, no TCP
# listener, no snapshots but the ones asked for), loads the keys with
# redis-cli, saves, stops it and removes the temporary directory on exit.
#
# Usage: scripts/mkredis.sh [OUTDIR]   (default: testdata/redis)
#
# Card numbers are made here: fixed digits + a Luhn check digit, each of a real
# brand's range and none of them a published test number (rules/test_pans.csv).
# Each card number is planted in one place only, so a finding names its key.
#
# The key order inside an RDB file follows Redis's dict, whose hash seed is
# random per server start: the bytes differ from run to run (so do the stream
# entry ids, which are the time of the run), and expected.json is rewritten to
# match. One string key must come after the stream in database 0; the script
# restarts the server until it does.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
out=${1:-$repo/testdata/redis}
test_pans=$repo/rules/test_pans.csv
brands_json=$repo/rules/brands.json
fields_json=$repo/rules/fields.json

log() { printf 'mkredis: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root (installs packages)"

# ---------------------------------------------------------------- packages
pkgs=(redis-server redis-tools python3)
missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if ((${#missing[@]})); then
    log "installing: ${missing[*]}"
    apt-get update
    # policy-rc.d on containers keeps the packaged service from starting; we
    # start our own server below either way.
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
redis_server=$(command -v redis-server || echo /usr/bin/redis-server)
[[ -x $redis_server ]] || die "no redis-server"
command -v redis-cli >/dev/null || die "no redis-cli"
command -v redis-check-rdb >/dev/null || die "no redis-check-rdb"
REDIS_VERSION=$("$redis_server" --version)

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

PAN_STR=$(luhn 453201778390421)      # Visa 16         -> string order:1001:card (int in memory)
PAN_SESS=$(luhn 222300471958362)     # Mastercard 2-series -> PHP session string (LZF)
PAN_REP=$(luhn 492911111117604)      # Visa 16, 1111111 -> JSON cache string (LZF back-references)
PAN_HASH=$(luhn 34125609871435)      # Amex 15         -> hash customer:42 (listpack, int64)
PAN_BIGH=$(luhn 353011928374652)     # JCB 16          -> hash profile:1001 (hashtable)
PAN_LIST=$(luhn 601120573849162)     # Discover 16     -> list cart:42:items (one listpack node)
PAN_LONG=$(luhn 530418726590143)     # Mastercard 16   -> list events:log (LZF-compressed node)
PAN_INT19=$(luhn 448592031746520983) # Visa 19         -> set cardset (intset, int64)
PAN_INT16=$(luhn 271048360275193)    # Mastercard 2-series -> set cardset (intset, int64)
PAN_TAG=$(luhn 476839015627384)      # Visa 16         -> set tags (hashtable)
PAN_ZS=$(luhn 356904817263541)       # JCB 16          -> zset recent (listpack)
PAN_ZB=$(luhn 644731820596374)       # Discover 16     -> zset leaderboard (skiplist)
PAN_STREAM=$(luhn 37190482736501)    # Amex 15         -> stream payments
PAN_TTL=$(luhn 515849302716583)      # Mastercard 16   -> string cart:9931:pan with a TTL
PAN_DB1=$(luhn 402738195046217)      # Visa 16         -> string legacy:cc in database 1
PAN_KEY=$(luhn 222840591736208)      # Mastercard 2-series -> in a key's name: card:<PAN>
PAN_TRACK2=$(luhn 491682730154920)   # Visa 16         -> track 2 string swipe
PAN_AFTER=$(luhn 358412093857261)    # JCB 16          -> string payment:last_card, after the stream
all_pans=("$PAN_STR" "$PAN_SESS" "$PAN_REP" "$PAN_HASH" "$PAN_BIGH" "$PAN_LIST" "$PAN_LONG"
    "$PAN_INT19" "$PAN_INT16" "$PAN_TAG" "$PAN_ZS" "$PAN_ZB" "$PAN_STREAM" "$PAN_TTL"
    "$PAN_DB1" "$PAN_KEY" "$PAN_TRACK2" "$PAN_AFTER")

for p in "${all_pans[@]}"; do
    if [[ -f $test_pans ]] && cut -d, -f1 "$test_pans" | grep -qx "$p"; then
        die "generated number ending ${p: -4} is a published test number"
    fi
done
[[ $(printf '%s\n' "${all_pans[@]}" | sort -u | wc -l) -eq ${#all_pans[@]} ]] || die "card numbers not distinct"
for p in "$PAN_STR" "$PAN_REP" "$PAN_TAG" "$PAN_DB1" "$PAN_TRACK2"; do
    [[ ${p:0:1} == 4 && ${#p} -eq 16 ]] || die "not a 16-digit Visa: ${p: -4}"
done
[[ ${PAN_INT19:0:1} == 4 && ${#PAN_INT19} -eq 19 ]]
for p in "$PAN_SESS" "$PAN_INT16" "$PAN_KEY"; do
    [[ ${p:0:4} -ge 2221 && ${p:0:4} -le 2720 && ${#p} -eq 16 ]] || die "not a 2-series Mastercard: ${p: -4}"
done
for p in "$PAN_LONG" "$PAN_TTL"; do
    [[ ${p:0:2} =~ ^5[1-5]$ && ${#p} -eq 16 ]] || die "not a Mastercard: ${p: -4}"
done
for p in "$PAN_HASH" "$PAN_STREAM"; do
    [[ ${p:0:2} =~ ^3[47]$ && ${#p} -eq 15 ]] || die "not an Amex: ${p: -4}"
done
for p in "$PAN_BIGH" "$PAN_ZS" "$PAN_AFTER"; do
    [[ ${p:0:4} -ge 3528 && ${p:0:4} -le 3589 && ${#p} -eq 16 ]] || die "not a JCB: ${p: -4}"
done
[[ ${PAN_LIST:0:4} == 6011 && ${#PAN_LIST} -eq 16 ]]
[[ ${PAN_ZB:0:3} =~ ^64[4-9]$ && ${#PAN_ZB} -eq 16 ]]
[[ $PAN_REP == *1111111* ]]

# ---------------------------------------------------------------- temp dir, server, cleanup
tmp=$(mktemp -d /tmp/mkredis.XXXXXX)
chmod 700 "$tmp"
sock=$tmp/redis.sock
server_pid=

start_server() {
    # A server finds the dump file of the previous one in --dir and would load it.
    rm -f "$tmp/dump.rdb"
    "$redis_server" --port 0 --unixsocket "$sock" --unixsocketperm 700 \
        --dir "$tmp" --dbfilename dump.rdb --save '' --appendonly no \
        --daemonize no --logfile "$tmp/server.log" --databases 16 &
    server_pid=$!
    for i in $(seq 1 100); do
        [[ -S $sock ]] && redis-cli -s "$sock" PING 2>/dev/null | grep -qx PONG && return 0
        kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.log" >&2; die "redis-server exited"; }
        ((i < 100)) || { cat "$tmp/server.log" >&2; die "redis-server did not start"; }
        sleep 0.1
    done
}
stop_server() {
    [[ -n $server_pid ]] || return 0
    redis-cli -s "$sock" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
}
cleanup() {
    local rc=$?
    stop_server
    rm -rf "$tmp"
    exit $rc
}
trap cleanup EXIT

# r ARGS...: one command on database 0; -e makes an error reply fail the script.
r() { redis-cli -e -s "$sock" "$@" >/dev/null || die "redis: $*"; }
# r1 ARGS...: the same on database 1.
r1() { redis-cli -e -s "$sock" -n 1 "$@" >/dev/null || die "redis (db 1): $*"; }
# q ARGS...: a command whose reply is wanted (raw).
q() { redis-cli -e -s "$sock" "$@" || die "redis: $*"; }

# plant DB KEY FIELD KIND PAN ENCODING: records where a card number was put and
# the OBJECT ENCODING its key must have; the decoder checks both.
plant() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$tmp/plan.tsv"; }

# inventory NAME: TYPE, OBJECT ENCODING and TTL of every key of databases 0 and 1.
inventory() {
    local db key
    : >"$tmp/$1.keys.tsv"
    for db in 0 1; do
        while IFS= read -r key; do
            [[ -n $key ]] || continue
            printf '%s\t%s\t%s\t%s\t%s\n' "$db" "$key" \
                "$(q -n "$db" TYPE "$key")" "$(q -n "$db" OBJECT ENCODING "$key")" \
                "$(q -n "$db" PTTL "$key")" >>"$tmp/$1.keys.tsv"
        done < <(q -n "$db" --scan)
    done
}

# A function library: Redis 7 saves it before the databases (opcode FUNCTION2),
# so a parser must skip it to reach the keys. FLUSHALL keeps it.
load_functions() {
    r FUNCTION LOAD REPLACE "#!lua name=shop
redis.register_function('cart_size', function(keys, args) return redis.call('LLEN', keys[1]) end)"
}

# jan BODY: the 12-digit BODY followed by its JAN/EAN-13 check digit.
jan() {
    local body=$1 sum=0 i
    for ((i = 0; i < 12; i++)); do
        sum=$((sum + ${body:i:1} * (i % 2 ? 3 : 1)))
    done
    printf '%s%d\n' "$body" $(((10 - sum % 10) % 10))
}

# pad N TEXT: TEXT N times.
pad() { local i s=; for ((i = 0; i < $1; i++)); do s+=$2; done; printf '%s' "$s"; }

# ---------------------------------------------------------------- cards.rdb
build_cards() {
    : >"$tmp/plan.tsv"
    r FLUSHALL
    load_functions
    r CONFIG SET list-compress-depth 0
    r CONFIG SET list-max-listpack-size -2

    # A plain short string: a 16-digit number fits a long, so Redis keeps it as
    # an int in memory (OBJECT ENCODING int); the RDB has it as a string of
    # digits (only numbers of 32 bits or less are int-encoded there).
    r SET order:1001:card "$PAN_STR"
    plant 0 order:1001:card '' pan "$PAN_STR" int

    # A long, repetitive string: LZF-compressed in the RDB.
    local hist sess
    hist=$(pad 24 'viewed:/products/4418-blue-cotton-shirt;')
    sess="a:4:{s:4:\"user\";s:4:\"taro\";s:11:\"card_number\";s:16:\"$PAN_SESS\";s:6:\"expiry\";s:5:\"12/27\";s:7:\"history\";s:${#hist}:\"$hist\";}"
    r SET session:9f2c41d7e0 "$sess"
    plant 0 session:9f2c41d7e0 '' pan "$PAN_SESS" raw

    # A card number with 1111111 in a string full of 1111111: LZF encodes the
    # run inside the number as a back-reference to an earlier one.
    local items
    items=$(pad 20 '{"sku":"1111111-A","qty":1,"price":1111},')
    r SET cache:checkout:7781 "{\"items\":[${items}{\"sku\":\"1111111-B\",\"qty\":1}],\"payment\":{\"pan\":\"$PAN_REP\",\"ref\":\"11111111\"}}"
    plant 0 cache:checkout:7781 '' pan "$PAN_REP" raw

    # A small hash: listpack; the number is stored as an int64 in it.
    r HSET customer:42 name Taro cc_number "$PAN_HASH" cvv 123 exp 12/27
    plant 0 customer:42 cc_number pan "$PAN_HASH" listpack

    # A hash in a hashtable. Redis 7.0's built-in hash-max-listpack-entries is
    # 512 (the 128 of some redis.conf files is not the default), so a hash
    # goes to a hashtable at its first value longer than hash-max-listpack-value
    # (64 bytes), as here, or at its 513th field.
    local args=() i
    for ((i = 1; i <= 30; i++)); do
        args+=("pref_$(printf '%03d' "$i")" "option-$((i * 7 % 13))-$(printf '%04d' $((i * 37)))")
    done
    r HSET profile:1001 name "Hanako Sato" email hanako.sato@example.jp card_number "$PAN_BIGH" cvv 907 "${args[@]}" \
        address "Sakura Heights 305, 2-14-7 Nishi-Shinjuku, Shinjuku-ku, Tokyo 160-0023, Japan"
    plant 0 profile:1001 card_number pan "$PAN_BIGH" hashtable

    # A small list: a quicklist of one listpack node.
    r RPUSH cart:42:items sku:4418 sku:5120 "$PAN_LIST" sku:7731
    plant 0 cart:42:items '' pan "$PAN_LIST" quicklist

    # A long list whose interior nodes are LZF-compressed: 8 entries a node,
    # all but the first and last node compressed (list-compress-depth 1).
    r CONFIG SET list-compress-depth 1
    r CONFIG SET list-max-listpack-size 8
    args=()
    for ((i = 1; i <= 200; i++)); do
        if ((i == 101)); then
            args+=("evt $(printf '%04d' "$i") checkout card=$PAN_LONG amount=4800 status=ok")
        else
            args+=("evt $(printf '%04d' "$i") page_view path=/products/$((4000 + i % 17)) ua=Mozilla/5.0")
        fi
    done
    r RPUSH events:log "${args[@]}"
    plant 0 events:log '' pan "$PAN_LONG" quicklist
    r CONFIG SET list-compress-depth 0
    r CONFIG SET list-max-listpack-size -2

    # A set of integers: intset with 64-bit members.
    r SADD cardset "$PAN_INT19" "$PAN_INT16" 12345
    plant 0 cardset '' pan "$PAN_INT19" intset
    plant 0 cardset '' pan "$PAN_INT16" intset

    # A set of strings: hashtable (Redis 7.0 has no listpack sets).
    r SADD tags "card $PAN_TAG" foo bar
    plant 0 tags '' pan "$PAN_TAG" hashtable

    # A small sorted set: listpack (member as int64, score as int).
    r ZADD recent 1 "$PAN_ZS" 2 sku:4418
    plant 0 recent '' pan "$PAN_ZS" listpack

    # A big sorted set: more than zset-max-listpack-entries (128): skiplist.
    args=()
    for ((i = 1; i <= 140; i++)); do
        args+=("$((i * 13 % 97)).5" "player:$(printf '%04d' "$i")")
    done
    r ZADD leaderboard "${args[@]}" 42.5 "$PAN_ZB"
    plant 0 leaderboard '' pan "$PAN_ZB" skiplist

    # A stream with two consumer groups, one with a PEL and a consumer.
    r XADD payments '*' card "$PAN_STREAM" amount 1200 currency JPY
    r XADD payments '*' card tok_8Hq2LmXw amount 800 currency JPY
    r XADD payments '*' order 20240517000123 status settled
    r XADD payments '*' card tok_3Vn8KpYe amount 4500 currency JPY
    r XGROUP CREATE payments g1 0
    r XGROUP CREATE payments audit '$'
    r XREADGROUP GROUP g1 c1 COUNT 2 STREAMS payments '>'
    plant 0 payments card pan "$PAN_STREAM" stream

    # A key with a TTL (absolute: 2100-01-01T00:00:00Z).
    r SET cart:9931:pan "$PAN_TTL"
    r EXPIREAT cart:9931:pan 4102444800
    plant 0 cart:9931:pan '' pan "$PAN_TTL" int

    # A key in database 1.
    r1 SET legacy:cc "$PAN_DB1"
    r1 HSET legacy:meta source import-2019 rows 1
    plant 1 legacy:cc '' pan "$PAN_DB1" int

    # A card number in a key's name.
    r SET "card:$PAN_KEY" x
    plant 0 "card:$PAN_KEY" '' pan "$PAN_KEY" embstr

    # Track 2 data: ;PAN=YYMM service-code discretionary?
    r SET swipe ";$PAN_TRACK2=2712101123400001?"
    plant 0 swipe '' track2 "$PAN_TRACK2" embstr

    # A string that must come after the stream in the file.
    r SET payment:last_card "$PAN_AFTER"
    plant 0 payment:last_card '' pan "$PAN_AFTER" int
}

mkdir -p "$out"
cat >"$tmp/rdb.py" <<'PY'
"""Reads an RDB file written by Redis 7.0 with no Redis code: every key, and
every value down to the entries of listpacks, intsets, quicklist nodes and
stream nodes. Used to check the fixtures and to write expected.json."""
import json, os, re, struct, sys

SCRIPT = "mkredis"


def fail(msg):
    sys.exit("%s: %s" % (SCRIPT, msg))


RDB_TYPES = {0: "string", 2: "set", 4: "hash", 5: "zset_2", 11: "set_intset",
             16: "hash_listpack", 17: "zset_listpack", 18: "list_quicklist_2",
             19: "stream_listpacks_2", 21: "stream_listpacks_3"}
TYPE_OF = {0: "string", 2: "set", 4: "hash", 5: "zset", 11: "set", 16: "hash",
           17: "zset", 18: "list", 19: "stream", 21: "stream"}


def lzf_decompress(data, ulen):
    out = bytearray()
    i = 0
    while i < len(data):
        ctrl = data[i]
        i += 1
        if ctrl < 32:
            out += data[i:i + ctrl + 1]
            i += ctrl + 1
        else:
            n = ctrl >> 5
            ref = len(out) - ((ctrl & 0x1F) << 8) - 1
            if n == 7:
                n += data[i]
                i += 1
            ref -= data[i]
            i += 1
            for k in range(n + 2):
                out.append(out[ref + k])
    if len(out) != ulen:
        fail("LZF: %d bytes, expected %d" % (len(out), ulen))
    return bytes(out)


class Str:
    """A string as stored: data, how ('raw', 'int8/16/32', 'lzf') and the file
    offset of the data when it is there as is."""
    def __init__(self, data, how, off):
        self.data, self.how, self.off = data, how, off


def listpack(buf):
    total, count = struct.unpack_from("<IH", buf, 0)
    if total != len(buf):
        fail("listpack: total %d != %d" % (total, len(buf)))
    p, out = 6, []
    while True:
        b = buf[p]
        if b == 0xFF:
            break
        if b < 0x80:
            v, enc, size = b, "int7", 1
        elif b & 0xC0 == 0x80:
            n = b & 0x3F
            v, enc, size = buf[p + 1:p + 1 + n], "str6", 1 + n
        elif b & 0xE0 == 0xC0:
            v = ((b & 0x1F) << 8) | buf[p + 1]
            v, enc, size = v - (1 << 13) if v >= 1 << 12 else v, "int13", 2
        elif b & 0xF0 == 0xE0:
            n = ((b & 0x0F) << 8) | buf[p + 1]
            v, enc, size = buf[p + 2:p + 2 + n], "str12", 2 + n
        elif b == 0xF0:
            n = struct.unpack_from("<I", buf, p + 1)[0]
            v, enc, size = buf[p + 5:p + 5 + n], "str32", 5 + n
        elif b in (0xF1, 0xF2, 0xF3, 0xF4):
            w = {0xF1: 2, 0xF2: 3, 0xF3: 4, 0xF4: 8}[b]
            v = int.from_bytes(buf[p + 1:p + 1 + w], "little", signed=True)
            enc, size = "int%d" % (w * 8), 1 + w
        else:
            fail("listpack: bad entry byte %#x" % b)
        p += size
        p += 1 if size <= 127 else 2 if size < 16383 else 3 if size < 2097151 else 4 if size < 268435455 else 5
        out.append((v, enc))
    if count != 65535 and count != len(out):
        fail("listpack: %d entries, header says %d" % (len(out), count))
    return out


def intset(buf):
    w, n = struct.unpack_from("<II", buf, 0)
    if len(buf) != 8 + w * n:
        fail("intset: bad length")
    return [int.from_bytes(buf[8 + i * w:8 + (i + 1) * w], "little", signed=True) for i in range(n)], "int%d" % (w * 8)


class RDB:
    def __init__(self, path):
        self.path = path
        self.b = open(path, "rb").read()
        self.p = 0
        self.keys = []      # dicts: db, key, rdb_type, expire_ms, offset, values, layout
        self.aux = {}
        self.functions = []
        self.parse()

    def take(self, n):
        v = self.b[self.p:self.p + n]
        if len(v) != n:
            fail("%s: truncated at %d" % (self.path, self.p))
        self.p += n
        return v

    def u8(self):
        return self.take(1)[0]

    def length(self):
        b = self.u8()
        t = b >> 6
        if t == 0:
            return b & 0x3F, False
        if t == 1:
            return ((b & 0x3F) << 8) | self.u8(), False
        if t == 2:
            if b == 0x80:
                return struct.unpack(">I", self.take(4))[0], False
            if b == 0x81:
                return struct.unpack(">Q", self.take(8))[0], False
            fail("bad length byte %#x" % b)
        return b & 0x3F, True

    def num(self):
        n, enc = self.length()
        if enc:
            fail("encoded value where a length was expected at %d" % self.p)
        return n

    def string(self):
        n, enc = self.length()
        if not enc:
            off = self.p
            return Str(self.take(n), "raw", off)
        if n in (0, 1, 2):
            w = 1 << n
            v = int.from_bytes(self.take(w), "little", signed=True)
            return Str(str(v).encode(), "int%d" % (w * 8), None)
        if n == 3:
            clen, ulen = self.num(), self.num()
            return Str(lzf_decompress(self.take(clen), ulen), "lzf", None)
        fail("bad string encoding %d" % n)

    def parse(self):
        magic = self.take(9)
        if magic[:5] != b"REDIS":
            fail("%s: not an RDB file" % self.path)
        self.version = magic[5:].decode()
        db, expire = 0, None
        while True:
            op = self.u8()
            if op == 0xFA:
                k, v = self.string(), self.string()
                self.aux[k.data.decode()] = v.data.decode("latin-1")
            elif op == 0xFB:
                self.num(), self.num()
            elif op == 0xFC:
                expire = struct.unpack("<q", self.take(8))[0]
            elif op == 0xFD:
                expire = struct.unpack("<i", self.take(4))[0] * 1000
            elif op == 0xFE:
                db = self.num()
            elif op == 0xF9:
                self.u8()
            elif op == 0xF8:
                self.num()
            elif op == 0xF5:
                self.functions.append(self.string().data.decode())
            elif op == 0xFF:
                self.checksum = self.take(8)
                if self.p != len(self.b):
                    fail("%s: %d bytes after EOF" % (self.path, len(self.b) - self.p))
                return
            elif op in RDB_TYPES:
                off = self.p - 1
                key = self.string()
                rec = {"db": db, "key": key, "rdb_type": op, "expire_ms": expire, "offset": off,
                       "values": [], "layout": {}}
                expire = None
                self.value(op, rec)
                self.keys.append(rec)
            else:
                fail("%s: unsupported opcode/type %d at %d" % (self.path, op, self.p - 1))

    # Each scalar: (value bytes|int, stored-as path, field or None, extra dict, file offset or None)
    def value(self, t, rec):
        V = rec["values"]
        L = rec["layout"]
        if t == 0:
            s = self.string()
            V.append((s.data, [s.how], None, {}, s.off))
            L["string"] = s.how
        elif t == 2:
            for _ in range(self.num()):
                s = self.string()
                V.append((s.data, [s.how], None, {}, s.off))
        elif t == 4:
            for _ in range(self.num()):
                f, v = self.string(), self.string()
                V.append((f.data, [f.how], None, {"role": "field"}, f.off))
                V.append((v.data, [v.how], f.data.decode(), {}, v.off))
        elif t == 5:
            for _ in range(self.num()):
                m = self.string()
                score = struct.unpack("<d", self.take(8))[0]
                V.append((m.data, [m.how], None, {"score": score}, m.off))
        elif t == 11:
            s = self.string()
            vals, w = intset(s.data)
            L["blob"] = s.how
            L["intset_width"] = w
            for v in vals:
                V.append((v, [s.how, "intset:" + w], None, {}, None))
        elif t in (16, 17):
            s = self.string()
            L["blob"] = s.how
            els = listpack(s.data)
            for i in range(0, len(els), 2):
                (a, ea), (b, eb) = els[i], els[i + 1]
                if t == 16:
                    V.append((a, [s.how, "listpack:" + ea], None, {"role": "field"}, None))
                    V.append((b, [s.how, "listpack:" + eb], a.decode() if isinstance(a, bytes) else str(a), {}, None))
                else:
                    V.append((a, [s.how, "listpack:" + ea], None, {"score": b if isinstance(b, int) else float(b)}, None))
        elif t == 18:
            nodes = []
            idx = 0
            for _ in range(self.num()):
                container = self.num()
                s = self.string()
                if container == 2:
                    els = listpack(s.data)
                    nodes.append({"container": "packed", "stored": s.how, "entries": len(els)})
                    for v, e in els:
                        V.append((v, [s.how, "listpack:" + e], None, {"index": idx}, None))
                        idx += 1
                else:
                    nodes.append({"container": "plain", "stored": s.how, "entries": 1})
                    V.append((s.data, [s.how], None, {"index": idx}, s.off))
                    idx += 1
            L["nodes"] = nodes
        elif t in (19, 21):
            self.stream(t, rec)
        else:
            fail("type %d" % t)

    def stream(self, t, rec):
        V, L = rec["values"], rec["layout"]
        L["nodes"] = []
        for _ in range(self.num()):
            nk = self.string()
            lp = self.string()
            if nk.how != "raw" or len(nk.data) != 16:
                fail("stream node key")
            mms, mseq = struct.unpack(">QQ", nk.data)
            els = [v for v, _ in listpack(lp.data)]
            encs = [e for _, e in listpack(lp.data)]
            L["nodes"].append({"stored": lp.how, "listpack_entries": len(els)})
            nf = els[2]
            fields = els[3:3 + nf]
            if els[3 + nf] != 0:
                fail("stream master entry")
            i = 4 + nf
            while i < len(els):
                flags, dms, dseq = els[i:i + 3]
                i += 3
                eid = "%d-%d" % (mms + dms, mseq + dseq)
                if flags & 2:
                    pairs = [(fields[j], i + j) for j in range(nf)]
                    i += nf
                else:
                    k = els[i]
                    i += 1
                    pairs = [(els[i + 2 * j], i + 2 * j + 1) for j in range(k)]
                    for j in range(k):
                        V.append((els[i + 2 * j], [lp.how, "listpack:" + encs[i + 2 * j]], None,
                                  {"role": "field", "entry_id": eid}, None))
                    i += 2 * k
                for f, vi in pairs:
                    V.append((els[vi], [lp.how, "listpack:" + encs[vi]], f.decode() if isinstance(f, bytes) else str(f),
                              {"entry_id": eid, "deleted": bool(flags & 1)}, None))
                i += 1  # lp-count
            for f in fields:
                V.append((f, [lp.how, "listpack"], None, {"role": "master_field"}, None))
        L["length"] = self.num()
        L["last_id"] = "%d-%d" % (self.num(), self.num())
        if t >= 19:
            L["first_id"] = "%d-%d" % (self.num(), self.num())
            L["max_deleted_id"] = "%d-%d" % (self.num(), self.num())
            L["entries_added"] = self.num()
        groups = []
        for _ in range(self.num()):
            name = self.string()
            g = {"name": name.data.decode(), "last_id": "%d-%d" % (self.num(), self.num())}
            if t >= 19:
                g["entries_read"] = self.num()
            pel = []
            for _ in range(self.num()):
                ms, seq = struct.unpack(">QQ", self.take(16))
                self.take(8)
                pel.append({"id": "%d-%d" % (ms, seq), "delivery_count": self.num()})
            g["pel"] = pel
            cons = []
            for _ in range(self.num()):
                cn = self.string()
                self.take(8)
                if t >= 21:
                    self.take(8)
                cons.append({"name": cn.data.decode(), "pel": ["%d-%d" % struct.unpack(">QQ", self.take(16)) for _ in range(self.num())]})
            g["consumers"] = cons
            groups.append(g)
            V.append((name.data, [name.how], None, {"role": "group"}, name.off))
            for c in cons:
                V.append((c["name"].encode(), ["raw"], None, {"role": "consumer"}, None))
        L["groups"] = groups


# ---------------------------------------------------------------- what is a card number
BRANDS = json.load(open(os.environ["BRANDS_JSON"]))["brands"]


def luhn_ok(s):
    t = 0
    for i, c in enumerate(reversed(s)):
        d = int(c)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        t += d
    return t % 10 == 0


def brand_of(d):
    """Longest-prefix brand whose range and lengths take the digit string d."""
    best = None
    for b in BRANDS:
        if len(d) not in b["lengths"]:
            continue
        for r in b["ranges"]:
            lo, _, hi = r.partition("-")
            hi = hi or lo
            w = len(lo)
            if len(d) >= w and int(lo) <= int(d[:w]) <= int(hi):
                if best is None or w > best[0]:
                    best = (w, b["id"])
    return best and best[1]


def card_like(d):
    return 12 <= len(d) <= 19 and luhn_ok(d) and brand_of(d) is not None


def card_numbers(text):
    """Card-like digit runs in text (bytes): plain maximal runs, and runs with
    single spaces or dashes between digit groups."""
    found = set()
    for m in re.finditer(rb"(?<![0-9])[0-9]+(?![0-9])", text):
        if card_like(m.group(0).decode()):
            found.add(m.group(0).decode())
    for m in re.finditer(rb"(?<![0-9])[0-9]+(?:[ -][0-9]+)+(?![0-9])", text):
        d = re.sub(rb"[^0-9]", b"", m.group(0)).decode()
        if card_like(d):
            found.add(d)
    return found


def words(name):
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w.lower() for w in re.split(r"[^0-9A-Za-z\u3000-\u9fff]+", name) if w]


CVV_NAMES = set(json.load(open(os.environ["FIELDS_JSON"]))["sad"]["cvv"])


def is_cvv_name(name):
    w = words(name)
    return any("".join(w[i:]) in CVV_NAMES for i in range(len(w)))


def text_of(v):
    if isinstance(v, int):
        return str(v).encode()
    return v


# ---------------------------------------------------------------- commands
def cmd_order(path, first, then):
    """Exit 0 when key `then` comes after key `first` in database 0."""
    rdb = RDB(path)
    names = [k["key"].data.decode() for k in rdb.keys if k["db"] == 0]
    sys.exit(0 if first in names and then in names and names.index(then) > names.index(first) else 1)


def read_tsv(path, n):
    rows = []
    for ln in open(path, encoding="utf-8"):
        ln = ln.rstrip("\n")
        if ln:
            parts = ln.split("\t")
            if len(parts) != n:
                fail("%s: bad line %r" % (path, ln))
            rows.append(parts)
    return rows


def analyse(path, keys_tsv, plan_tsv=None):
    rdb = RDB(path)
    raw = rdb.b
    inv = {(int(db), k): {"type": t, "encoding": e, "pttl": int(ttl)} for db, k, t, e, ttl in read_tsv(keys_tsv, 5)}
    seen = {(k["db"], k["key"].data.decode()) for k in rdb.keys}
    if seen != set(inv):
        fail("%s: keys in the file %s != keys on the server %s" % (path, sorted(seen - set(inv)), sorted(set(inv) - seen)))
    findings, cvv, keys = [], [], []
    for pos, k in enumerate(rdb.keys):
        name = k["key"].data.decode()
        info = inv[(k["db"], name)]
        if TYPE_OF[k["rdb_type"]] != info["type"]:
            fail("%s: %s is %s in the file, %s on the server" % (path, name, TYPE_OF[k["rdb_type"]], info["type"]))
        if (k["expire_ms"] is not None) != (info["pttl"] >= 0):
            fail("%s: %s: TTL mismatch" % (path, name))
        entry = {"key": name, "db": k["db"], "type": info["type"], "encoding": info["encoding"],
                 "rdb_type": k["rdb_type"], "rdb_type_name": RDB_TYPES[k["rdb_type"]], "position": pos,
                 "offset": k["offset"], "key_stored": k["key"].how}
        if k["expire_ms"] is not None:
            entry["expire_ms"] = k["expire_ms"]
        entry.update(k["layout"])
        keys.append(entry)

        def add(kind, pan, field, in_key, how, extra):
            offs = [m.start() for m in re.finditer(re.escape(pan.encode()), raw)]
            f = {"key": name, "db": k["db"], "type": info["type"], "encoding": info["encoding"],
                 "field": field, "kind": kind, "first6": pan[:6], "last4": pan[-4:], "length": len(pan),
                 "brand": brand_of(pan), "in_key_name": in_key, "rdb_type": k["rdb_type"],
                 "stored": ">".join(how), "verbatim_offsets": offs}
            for x in ("index", "score", "entry_id"):
                if x in extra:
                    f[x] = extra[x]
            if k["expire_ms"] is not None:
                f["expire_ms"] = k["expire_ms"]
            findings.append((f, pan))

        def scan(text, field, in_key, how, extra):
            t2 = set()
            for m in re.finditer(rb";([0-9]{12,19})=[0-9]{4}", text):
                if card_like(m.group(1).decode()):
                    t2.add(m.group(1).decode())
                    add("track2", m.group(1).decode(), field, in_key, how, extra)
            for d in sorted(card_numbers(text) - t2):
                add("pan", d, field, in_key, how, extra)

        scan(k["key"].data, None, True, [k["key"].how], {})
        for v, how, field, extra, off in k["values"]:
            if extra.get("role") in ("field", "master_field") and is_cvv_name(text_of(v).decode("latin-1")):
                cvv.append({"key": name, "db": k["db"], "type": info["type"], "encoding": info["encoding"], "field": text_of(v).decode()})
            sc = extra.get("score")
            if isinstance(sc, int) or (isinstance(sc, float) and sc.is_integer()):
                scan(str(int(sc)).encode(), field, False, how + ["score"], extra)
            scan(text_of(v), field, False, how, extra)
    # Digit runs anywhere in the raw bytes (compressed data, binary headers):
    # nothing card-like that is not planted.
    raw_runs = card_numbers(raw)
    found = {p for _, p in findings}
    if raw_runs - found:
        fail("%s: card-like digit runs in the raw bytes that no value holds: %s" % (path, ["..." + d[-4:] for d in raw_runs - found]))
    for fn in rdb.functions:
        if card_numbers(fn.encode()):
            fail("%s: card-like number in a function library" % path)
    # The planted numbers, each exactly where the script put it.
    if plan_tsv is not None:
        plan = read_tsv(plan_tsv, 6)
        want = sorted((int(db), key, field or None, kind, pan) for db, key, field, kind, pan, _ in plan)
        got = sorted((f["db"], f["key"], f["field"], f["kind"], p) for f, p in findings)
        if want != got:
            fail("%s: planted %s, found %s" % (path, [w[:4] for w in want if w not in got], [g[:4] for g in got if g not in want]))
        for db, key, field, kind, pan, enc in plan:
            if inv[(int(db), key)]["encoding"] != enc:
                fail("%s: %s has OBJECT ENCODING %s, expected %s" % (path, key, inv[(int(db), key)]["encoding"], enc))
    findings = [f for f, _ in sorted(findings, key=lambda fp: (fp[0]["db"], fp[0]["key"], fp[0]["field"] or "", fp[0].get("index", 0), fp[1]))]
    keys.sort(key=lambda e: e["position"])
    return rdb, {"rdb_version": rdb.version, "findings": findings, "cvv": cvv, "keys": keys,
                 "functions": len(rdb.functions), "aux": {k: v for k, v in rdb.aux.items() if k == "redis-ver"}}


def cmd_expected(out, tmp):
    E = os.environ
    doc = {"made_by": {"cards.rdb": E["REDIS_VERSION"], "clean.rdb": E["REDIS_VERSION"]}}
    rdb, cards = analyse(os.path.join(out, "cards.rdb"), os.path.join(tmp, "cards.keys.tsv"), os.path.join(tmp, "plan.tsv"))
    _, clean = analyse(os.path.join(out, "clean.rdb"), os.path.join(tmp, "clean.keys.tsv"))
    if clean["findings"] or clean["cvv"]:
        fail("clean.rdb: %d findings, %d cvv fields" % (len(clean["findings"]), len(clean["cvv"])))
    # What the file must exercise.
    for name, d in (("cards.rdb", cards), ("clean.rdb", clean)):
        types = {k["rdb_type"] for k in d["keys"]}
        need = {0, 2, 4, 5, 11, 16, 17, 18, 19}
        if not need <= types:
            fail("%s: RDB types missing: %s" % (name, sorted(need - types)))
        if not any(k.get("string") == "lzf" for k in d["keys"]):
            fail("%s: no LZF-compressed string" % name)
        if not any(n["stored"] == "lzf" for k in d["keys"] for n in k.get("nodes", []) if k["rdb_type"] == 18):
            fail("%s: no LZF-compressed quicklist node" % name)
        if not any(k["db"] == 1 for k in d["keys"]) or not any("expire_ms" in k for k in d["keys"]):
            fail("%s: no key in db 1 or none with a TTL" % name)
        if not any(g["pel"] and g["consumers"] for k in d["keys"] for g in k.get("groups", [])):
            fail("%s: no consumer group with a PEL and a consumer" % name)
    by_key = {(f["db"], f["key"]): f for f in cards["findings"]}
    if by_key[(0, "session:9f2c41d7e0")]["stored"] != "lzf":
        fail("the session string was not LZF-compressed")
    rep = by_key[(0, "cache:checkout:7781")]
    if rep["stored"] != "lzf" or rep["verbatim_offsets"]:
        fail("the number with 1111111 is not split by LZF (stored %s, verbatim at %s)" % (rep["stored"], rep["verbatim_offsets"]))
    lf = by_key[(0, "events:log")]
    if not lf["stored"].startswith("lzf>"):
        fail("the long list's card number is not in an LZF-compressed node")
    if by_key[(0, "customer:42")]["stored"].split(">")[-1] != "listpack:int64":
        fail("customer:42: card number not an int64 in the listpack")
    names = [k["key"] for k in cards["keys"] if k["db"] == 0]
    if names.index("payment:last_card") < names.index("payments"):
        fail("payment:last_card is not after the stream")
    # A key named by a card number is written as pan-scan shows it (first
    # six and last four digits): no full card number in expected.json.
    def shown(name):
        return re.sub(r"\d{13,19}", lambda m: m[0][:6] + "*" * (len(m[0]) - 10) + m[0][-4:], name)
    for rec in cards["findings"] + cards["keys"]:
        rec["key"] = shown(rec["key"])
    doc["cards.rdb"] = cards
    doc["clean.rdb"] = clean
    with open(os.path.join(out, "expected.json"), "w") as fh:
        json.dump(doc, fh, indent=1, sort_keys=True, ensure_ascii=False)
        fh.write("\n")


if __name__ == "__main__":
    if sys.argv[1] == "order":
        cmd_order(*sys.argv[2:])
    elif sys.argv[1] == "expected":
        cmd_expected(*sys.argv[2:])
    else:
        fail("usage")
PY
export BRANDS_JSON=$brands_json FIELDS_JSON=$fields_json REDIS_VERSION

# The server's dict hash seed is random per start, and so is the key order in
# the file: restart until payment:last_card comes after the stream.
for try in $(seq 1 50); do
    start_server
    build_cards
    inventory cards
    r SAVE
    cp "$tmp/dump.rdb" "$out/cards.rdb"
    if python3 "$tmp/rdb.py" order "$out/cards.rdb" payments payment:last_card; then
        break
    fi
    ((try < 50)) || die "payment:last_card never came after the stream"
    log "cards.rdb: payment:last_card before the stream (try $try), restarting"
    stop_server
done
log "cards.rdb: $(stat -c %s "$out/cards.rdb") bytes"

# ---------------------------------------------------------------- clean.rdb
# Non-card numbers in the same encodings. Every 12-19 digit number here was
# checked: the JAN code 4901234567894 (the textbook example) is Luhn-valid
# and starts with 4 (a 13-digit Visa), so it is not used.
build_clean() {
    r FLUSHALL
    r CONFIG SET list-compress-depth 0
    r CONFIG SET list-max-listpack-size -2

    r SET order:last 20240517000123
    r SET user:1001:phone "+81-90-1234-5678"
    r SET metrics:last_seen_ms 1715900000123
    local hist
    hist=$(pad 24 'viewed:/products/4902102072618;')
    r SET session:7b1e90a2c4 "a:3:{s:4:\"user\";s:4:\"taro\";s:5:\"phone\";s:11:\"09012345678\";s:7:\"history\";s:${#hist}:\"$hist\";}"
    r SET price:4987176014719 1980
    r SET rate:usd_jpy 156.42

    r HSET order:20240517000123 order_id 20240517000123 total 12800 created_ms 1715900000123 \
        jan 4902102072618 phone 09012345678 status paid
    local args=() i
    local j
    for ((i = 1; i <= 40; i++)); do
        j=$(jan "490112$(printf '%06d' $((i * 271)))")
        # A JAN code starting 45 or 49 that happens to pass Luhn reads as a
        # 13-digit Visa number: left out.
        [[ $(luhn "${j:0:12}") == "$j" ]] && continue
        args+=("jan:$j" "$((100 + i * 37 % 5000))")
    done
    # A value longer than 64 bytes: hashtable.
    r HSET catalog:prices "${args[@]}" _note "prices in JPY incl. tax, synced from the POS export of 2024-05-17 03:00 JST"

    r RPUSH cart:7:items 4902102072618 4987176014719 4512345000127 3
    r CONFIG SET list-compress-depth 1
    r CONFIG SET list-max-listpack-size 8
    args=()
    for ((i = 1; i <= 200; i++)); do
        args+=("$((1715900000000 + i * 1000)) order=$((20240517000000 + i)) tel=090-1234-$(printf '%04d' $((i * 7)))")
    done
    r RPUSH audit:log "${args[@]}"
    r CONFIG SET list-compress-depth 0
    r CONFIG SET list-max-listpack-size -2

    r SADD order:ids 20240517000123 20240517000124 20240518000001 1715900000123
    r SADD jan:seen 4902102072618 4987176014719 4512345000127 4971131023458
    r SADD tags sale "free shipping" "tel 0120-123-456" member

    r ZADD recent:orders 1715900000123 20240517000123 1715900060000 20240517000124
    args=()
    for ((i = 1; i <= 140; i++)); do
        args+=("$((i * 13 % 97)).5" "member:$(printf '%06d' $((i * 7919 % 1000000)))")
    done
    r ZADD points "${args[@]}"

    r XADD orders '*' order_id 20240517000123 phone 09012345678 total 1200 ts_ms 1715900000123
    r XADD orders '*' order_id 20240517000124 phone 08098765432 total 800 ts_ms 1715900060000
    r XADD orders '*' jan 4902102072618 qty 2
    r XGROUP CREATE orders shipper 0
    r XREADGROUP GROUP shipper w1 COUNT 2 STREAMS orders '>'

    r SET otp:09012345678 482913
    r EXPIREAT otp:09012345678 4102444800
    r1 SET legacy:last_order 20240517000123
    r1 SADD legacy:order_ids 20240517000001 20240517000002
}

build_clean
inventory clean
r SAVE
cp "$tmp/dump.rdb" "$out/clean.rdb"
log "clean.rdb: $(stat -c %s "$out/clean.rdb") bytes"
stop_server

for f in cards.rdb clean.rdb; do
    redis-check-rdb "$out/$f" >"$tmp/check.log" 2>&1 || { cat "$tmp/check.log" >&2; die "redis-check-rdb $f failed"; }
    grep -q 'RDB looks OK' "$tmp/check.log" || { cat "$tmp/check.log" >&2; die "redis-check-rdb $f: no OK"; }
done

# ---------------------------------------------------------------- expected.json
python3 "$tmp/rdb.py" expected "$out" "$tmp"
chmod 644 "$out"/*
log "wrote: $(cd "$out" && ls | tr '\n' ' ')"
