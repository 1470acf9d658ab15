#!/usr/bin/env bash
# Roster benchmark (issue 10). One run measures, on the same roster CSV:
#   (a) `claimgate-gateway roster import` into a fresh SQLite ledger against the sqlite3 shell's
#       `.import` of the same CSV plus a unique index on citizen_id (the baseline; same run);
#   (b) `roster import` into PostgreSQL (a new program: one binary COPY into roster);
#   (c) gateway start to /readyz from the verified index snapshot against a start that builds
#       the index from the ledger (the first start), and the index's bytes per entry;
# and replaces the section between the roster-bench markers of docs/performance.md.
#
# usage: tests/bench/roster_bench.sh BUILD_DIR        (make bench runs it through run.sh)
# env:   CG_ROSTER_BENCH_ROWS     roster rows (2000000; 23000000 is the national size)
#        CG_ROSTER_BENCH_NO_DOC=1 print the figures only, leave docs/performance.md alone
#        CG_ROSTER_BENCH_KEEP=1   keep the work dir
set -euo pipefail

build_dir="$(cd "${1:-build}" && pwd)"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$build_dir/bin"
doc="$repo/docs/performance.md"
rows="${CG_ROSTER_BENCH_ROWS:-2000000}"
seed=42

bench_name="roster bench"
source "$repo/tests/bench/bench_lib.sh"
bench_require_tools sqlite3 psql awk grep
bench_require_built claimgate-gateway claimgate-sim
bench_stop_services() { "$repo/scripts/pg-temp.sh" stop "$work/pg" >/dev/null 2>&1; }
bench_workdir roster-bench CG_ROSTER_BENCH_KEEP
bench_program "$work/program.json" "roster benchmark"
head -c 32 /dev/urandom > "$work/pepper"
chmod 600 "$work/pepper"
now_ms() { date +%s%3N; }

log "roster of $rows citizens (seed $seed)"
"$bin/claimgate-sim" roster --count "$rows" --seed "$seed" --out "$work/roster.csv" 2>/dev/null
csv_bytes="$(stat -c %s "$work/roster.csv")"
cat "$work/roster.csv" > /dev/null  # both contestants start with the file in the page cache

# (a) SQLite: the sqlite3 shell baseline, then roster import (the order alternates nothing: the
# baseline runs first so that a warmer disk cache can only favour the baseline).
# shell_baseline MODE DB: the sqlite3 shell's .import + unique index under journal_mode MODE;
# sets shell_ms and checks the row count.
shell_baseline() {
  local start count
  sync  # no contestant pays for the writeback of the one before
  start="$(now_ms)"
  sqlite3 "$2" > /dev/null <<SQL
PRAGMA journal_mode = $1;
PRAGMA synchronous = FULL;
CREATE TABLE roster (citizen_id TEXT, nhi_card_no TEXT, amount TEXT, proxies TEXT, claim_by TEXT);
.mode csv
.import --skip 1 $work/roster.csv roster
CREATE UNIQUE INDEX roster_citizen ON roster (citizen_id);
SQL
  shell_ms=$(( $(now_ms) - start ))
  count="$(sqlite3 "$2" 'SELECT count(*) FROM roster')"
  [ "$count" = "$rows" ] || die "baseline imported $count rows, not $rows"
  rm -f "$2"
}
log "(a) baseline: sqlite3 .import + unique index"
shell_baseline WAL "$work/baseline.db"
baseline_ms="$shell_ms"
# The same under a rollback journal: how roster import writes when it has the ledger to itself
# (docs/operations.md), so the ratio is also given against the shell doing the same.
log "(a) baseline under a rollback journal (journal_mode=DELETE)"
shell_baseline DELETE "$work/baseline-delete.db"
baseline_delete_ms="$shell_ms"

log "(a) claimgate-gateway roster import into SQLite"
"$bin/claimgate-gateway" program put --data-dir "$work/sqlite" "$work/program.json" >/dev/null
sync  # no contestant pays for the writeback of the one before
import_start="$(now_ms)"
"$bin/claimgate-gateway" roster import --data-dir "$work/sqlite" --program BENCH2026 \
  --pepper-file "$work/pepper" "$work/roster.csv" > "$work/import-sqlite.out"
sqlite_import_ms=$(( $(now_ms) - import_start ))
grep -q "$rows rows imported, 0 lines rejected" "$work/import-sqlite.out" ||
  die "import: $(cat "$work/import-sqlite.out")"

# (b) PostgreSQL.
log "(b) roster import into PostgreSQL (scripts/pg-temp.sh)"
# The settings docs/operations.md recommends for a national import (PostgreSQL's defaults,
# 128 MB of shared buffers and a checkpoint every 1 GB of WAL, cost 23M rows about 20 s more;
# its 16 MB of WAL buffers, about 12 s more, because the COPY's backend then writes the WAL
# itself instead of leaving it to the WAL writer on the other core).
pg_settings="-c shared_buffers=1GB -c max_wal_size=8GB -c wal_buffers=256MB -c wal_writer_delay=10ms"
uri="$(CG_PG_TEMP_SETTINGS="$pg_settings" "$repo/scripts/pg-temp.sh" start "$work/pg")"
pg_version="$(psql "$uri" -Atc 'SHOW server_version' | awk '{ print $1 }')"
"$bin/claimgate-gateway" program put --data-dir "$work/cli" --ledger "$uri" "$work/program.json" >/dev/null
sync  # no contestant pays for the writeback of the one before
import_start="$(now_ms)"
"$bin/claimgate-gateway" roster import --data-dir "$work/cli" --program BENCH2026 \
  --ledger "$uri" --pepper-file "$work/pepper" "$work/roster.csv" > "$work/import-pg.out"
pg_import_ms=$(( $(now_ms) - import_start ))
grep -q "$rows rows imported" "$work/import-pg.out" || die "import: $(cat "$work/import-pg.out")"
"$repo/scripts/pg-temp.sh" stop "$work/pg" >/dev/null

# (c) Start to /readyz: the first start builds the index from the ledger and writes the
# snapshot; the second starts from the snapshot.
# Not called in $(...): launch_gateway's variables (pid, ports) must reach this shell.
time_to_ready() {  # time_to_ready NAME: sets ready_ms; leaves the gateway running
  local start
  start="$(now_ms)"
  launch_gateway "$work/sqlite" "$work/$1" 600 --pepper-file "$work/pepper"
  until http_get "$gateway_admin_port" /readyz 2>/dev/null | grep -q '"ready"'; do
    [ $(( $(now_ms) - start )) -lt 600000 ] || die "gateway never became ready"
    sleep 0.02
  done
  ready_ms=$(( $(now_ms) - start ))
}
log "(c) start from the ledger, then from the snapshot"
time_to_ready start-ledger
from_ledger_ms="$ready_ms"
stop_gateway
[ -s "$work/sqlite/index.snapshot" ] || die "no index snapshot was written"
snapshot_bytes="$(stat -c %s "$work/sqlite/index.snapshot")"
time_to_ready start-snapshot
from_snapshot_ms="$ready_ms"
index_bytes="$(metric claimgate_index_bytes)"
index_entries="$(metric claimgate_index_entries)"
rebuilds="$(metric claimgate_roster_index_rebuilds_total)"
stop_gateway
grep -q "building the index" "$work/start-snapshot.err" && die "snapshot was not used"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
fmt_s() { awk -v ms="$1" 'BEGIN { printf "%.1f s", ms / 1000 }'; }
per_s() { awk -v n="$rows" -v ms="$1" 'BEGIN { printf "%.0f", n * 1000 / ms }'; }
bytes_per_entry="$(awk -v b="$index_bytes" -v e="$index_entries" 'BEGIN { if (e > 0) printf "%.1f", b / e; else print "n/a" }')"
cpu_model="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
commit="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
today="$(date -u +%Y-%m-%dT%H:%MZ)"
load_avg="$(cut -d' ' -f1-3 /proc/loadavg)"

section="$work/section.md"
cat > "$section" <<MD
<!-- roster-bench:start -->
## Roster import and fast start (issue 10)

Written by \`tests/bench/roster_bench.sh\`. Reproduce with \`make bench\`, or this one alone with
\`make build pki && tests/bench/roster_bench.sh build\` (\`CG_ROSTER_BENCH_ROWS=23000000\` for
the national size). Last run: $today, commit $commit, $(nproc) CPUs ($cpu_model), load average
at the end $load_avg (the box is shared: absolute times vary with it, the ratios much less).

| figure ($rows rows, $(awk -v b="$csv_bytes" 'BEGIN { printf "%.0f MB", b / 1e6 }') of CSV) | time | rows/s |
|---|---|---|
| baseline: sqlite3 shell \`.import\` + \`CREATE UNIQUE INDEX\` on citizen_id (WAL, synchronous=FULL) | $(fmt_s "$baseline_ms") | $(per_s "$baseline_ms") |
| \`claimgate-gateway roster import\` into SQLite | $(fmt_s "$sqlite_import_ms") | $(per_s "$sqlite_import_ms") |
| **roster import / baseline** (target <= 1.5) | **$(ratio "$sqlite_import_ms" "$baseline_ms")x** | |
| baseline under a rollback journal (journal_mode=DELETE, as \`roster import\` writes when alone on the ledger) | $(fmt_s "$baseline_delete_ms") | $(per_s "$baseline_delete_ms") |
| roster import / rollback-journal baseline | $(ratio "$sqlite_import_ms" "$baseline_delete_ms")x | |
| \`roster import\` into PostgreSQL $pg_version (a new program: one binary COPY; \`$pg_settings\`) | $(fmt_s "$pg_import_ms") | $(per_s "$pg_import_ms") |
| gateway start to \`/readyz\`, index built from the ledger | $(fmt_s "$from_ledger_ms") | |
| gateway start to \`/readyz\` from the index snapshot ($(awk -v b="$snapshot_bytes" 'BEGIN { printf "%.0f MB", b / 1e6 }')) | $(fmt_s "$from_snapshot_ms") | |
| **snapshot start / ledger start** | **$(ratio "$from_snapshot_ms" "$from_ledger_ms")x** | |
| eligibility index | $bytes_per_entry bytes/entry ($index_bytes bytes, $index_entries entries) | |

What the import does that the baseline does not: it validates every ID's checksum, every
field, computes two HMAC-SHA256 keys per row (ID and NHI number) on all cores, writes a roster
version and an index on it, and commits everything in one transaction. Snapshot start applied
$rebuilds rebuilds (0 = the snapshot was used and nothing was re-read).
<!-- roster-bench:end -->
MD

cat "$section"
if [ "${CG_ROSTER_BENCH_NO_DOC:-0}" != 1 ]; then
  bench_write_section roster-bench "$section"
fi
