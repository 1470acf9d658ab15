#!/usr/bin/env bash
# Reconciliation benchmark (issue 4, contracts §8 KPI): claimgate-recon match on N ledger claims
# against their settlement files (default N = 23,000,000, the seed plan's 23 million records),
# against the same classification done by the sqlite3 shell (.import both CSVs + a join query
# giving the category counts). Checks both give the same counts, prints the figures and appends
# them, with the command, to the "Reconciliation: match" section of docs/performance.md.
#
# usage: tests/bench/recon_match_bench.sh BUILD_DIR [CLAIMS]
# env:   CG_RECON_BENCH_CLAIMS (default 23000000), CG_RECON_BENCH_SEED (default 1),
#        CG_RECON_BENCH_DIR (work dir, default /var/tmp/claimgate-recon-bench; needs ~3x the
#        CSV size: about 20 GB at 23M), CG_RECON_BENCH_KEEP=1 keeps the generated files,
#        CG_RECON_BENCH_SKIP_SQLITE=1 skips the (slow) sqlite3 baseline.
# Targets (issue 4): match <= 60 s and <= 4 GiB RSS at 23M, >= 5x faster than sqlite3.
set -euo pipefail

build_dir="$(cd "${1:-build}" && pwd)"
claims="${2:-${CG_RECON_BENCH_CLAIMS:-23000000}}"
seed="${CG_RECON_BENCH_SEED:-1}"
work="${CG_RECON_BENCH_DIR:-/var/tmp/claimgate-recon-bench}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
recon="$build_dir/bin/claimgate-recon"
doc="$repo/docs/performance.md"
section="## Reconciliation: match"
max_seconds=60
max_rss_kib=$((4 * 1024 * 1024))
min_ratio=5

for tool in sqlite3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "recon bench: $tool is missing (scripts/install-deps.sh)" >&2; exit 1; }
done
[ -x "$recon" ] || { echo "recon bench: $recon not built" >&2; exit 1; }

fixture="$work/fixture-$claims-$seed"
mkdir -p "$work"
cleanup() {
  if [ "${CG_RECON_BENCH_KEEP:-0}" != 1 ]; then
    rm -rf "$fixture" "$work/sqlite.db" "$work/out"
  fi
}
trap cleanup EXIT

# 1. Deterministic fixture (reused when the same size and seed is already there).
if [ ! -f "$fixture/.complete" ]; then
  rm -rf "$fixture"
  echo "recon bench: generating $claims claims (seed $seed) in $fixture"
  "$recon" gen-fixture --claims "$claims" --seed "$seed" --out "$fixture" | tee "$work/gen.json"
  touch "$fixture/.complete"
fi
settlement_files=("$fixture"/settlement/*.csv)
csv_bytes=$(du -cb "$fixture/ledger.csv" "${settlement_files[@]}" | tail -1 | cut -f1)
settlement_rows=$(( $(cat "${settlement_files[@]}" | wc -l) - ${#settlement_files[@]} ))

# 2. claimgate-recon match. The first run warms the page cache so both contenders read the CSVs
# from memory; the timed run is the second.
match_cmd=("$recon" match --ledger "$fixture/ledger.csv" --settlement "$fixture/settlement"
           --out "$work/out" --no-progress)
"${match_cmd[@]}" >/dev/null
/usr/bin/time -f '%e %M' -o "$work/match.time" "${match_cmd[@]}" | tee "$work/match.out"
read -r match_seconds match_rss_kib < "$work/match.time"

# 3. The same classification with the sqlite3 shell.
sqlite_seconds="skipped"
ratio="n/a"
if [ "${CG_RECON_BENCH_SKIP_SQLITE:-0}" != 1 ]; then
  rm -f "$work/sqlite.db"
  {
    echo "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-1000000;"
    echo "PRAGMA temp_store=MEMORY;"
    echo "CREATE TABLE ledger(claim_id TEXT, program TEXT, citizen_key TEXT, channel TEXT,"
    echo "  operator TEXT, terminal_id TEXT, terminal_ref TEXT, amount INTEGER, status TEXT,"
    echo "  held_at TEXT, paid_at TEXT);"
    echo "CREATE TABLE settlement(operator TEXT, terminal_id TEXT, terminal_ref TEXT,"
    echo "  claim_id TEXT, amount INTEGER, paid_at TEXT);"
    echo ".mode csv"
    echo ".import --skip 1 $fixture/ledger.csv ledger"
    for file in "${settlement_files[@]}"; do
      echo ".import --skip 1 $file settlement"
    done
    cat <<'SQL'
CREATE INDEX ledger_claim ON ledger(claim_id);
CREATE INDEX settlement_claim ON settlement(claim_id);
CREATE TEMP TABLE per_claim AS
  SELECT s.claim_id AS claim_id, COUNT(*) AS n, SUM(s.amount = l.amount) AS same
  FROM settlement s JOIN ledger l ON l.claim_id = s.claim_id GROUP BY s.claim_id;
CREATE INDEX per_claim_id ON per_claim(claim_id);
.mode list
.separator ,
SELECT category, COUNT(*) FROM (
  SELECT CASE
    WHEN l.status = 'paid' AND p.n IS NULL THEN 'missing_in_settlement'
    WHEN l.status = 'paid' AND p.same > 0 THEN 'matched'
    WHEN l.status = 'paid' THEN 'amount_mismatch'
    WHEN l.status IN ('held', 'in_doubt') AND p.n IS NULL THEN 'in_doubt_unpaid'
    WHEN l.status IN ('held', 'in_doubt') THEN 'in_doubt_paid'
    WHEN p.n IS NULL THEN 'voided'
    ELSE 'missing_in_ledger' END AS category
  FROM ledger l LEFT JOIN per_claim p ON p.claim_id = l.claim_id)
GROUP BY category
UNION ALL SELECT 'duplicate_in_settlement', COALESCE(SUM(n - 1), 0) FROM per_claim
UNION ALL SELECT 'missing_in_ledger', COUNT(*) FROM settlement s
  WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.claim_id = s.claim_id);
SQL
  } > "$work/sqlite.sql"
  echo "recon bench: sqlite3 baseline (this takes a while)"
  /usr/bin/time -f '%e %M' -o "$work/sqlite.time" sqlite3 "$work/sqlite.db" < "$work/sqlite.sql" \
    > "$work/sqlite.out"
  read -r sqlite_seconds _ < "$work/sqlite.time"
  rm -f "$work/sqlite.db"
  # Same counts from both, or the comparison means nothing.
  awk -F, '{sum[$1] += $2} END {for (c in sum) print c "," sum[c]}' "$work/sqlite.out" \
    | sort > "$work/sqlite.counts"
  sed -n '/^  [a-z_]* *[0-9]/p' "$work/match.out" | awk '{print $1 "," $2}' | grep -v ',0$' \
    | sort > "$work/match.counts"
  grep -v ',0$' "$work/sqlite.counts" > "$work/sqlite.nonzero" || true
  if ! diff -u "$work/sqlite.nonzero" "$work/match.counts"; then
    echo "recon bench: claimgate-recon and sqlite3 disagree on the counts" >&2
    exit 1
  fi
  ratio=$(awk -v a="$sqlite_seconds" -v b="$match_seconds" 'BEGIN {printf "%.1f", a / b}')
fi

rss_mib=$((match_rss_kib / 1024))
sqlite_shown="${sqlite_seconds} s"
ratio_shown="${ratio}x"
[ "$sqlite_seconds" != skipped ] || sqlite_shown="skipped"
[ "$ratio" != "n/a" ] || ratio_shown="n/a"
verdict="ok"
awk -v s="$match_seconds" -v m="$max_seconds" 'BEGIN {exit !(s <= m)}' || verdict="SLOWER THAN ${max_seconds} s"
[ "$match_rss_kib" -le "$max_rss_kib" ] || verdict="$verdict; RSS ABOVE 4 GiB"
if [ "$ratio" != "n/a" ]; then
  awk -v r="$ratio" -v m="$min_ratio" 'BEGIN {exit !(r >= m)}' || verdict="$verdict; LESS THAN ${min_ratio}x SQLITE"
fi

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//') ($(nproc) cores)"
commit="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
row="| $(date -u +%Y-%m-%d) | $commit | $claims | $settlement_rows | ${#settlement_files[@]} | $((csv_bytes / 1000000)) MB | ${match_seconds} s | ${rss_mib} MiB | ${sqlite_shown} | ${ratio_shown} | $verdict | \`tests/bench/recon_match_bench.sh BUILD_DIR $claims\` |"
echo
echo "recon bench: match ${match_seconds} s, ${rss_mib} MiB max RSS; sqlite3 ${sqlite_seconds} s; ratio ${ratio}x: $verdict"

# 4. docs/performance.md: our section only (created if absent), one row per run appended to it.
mkdir -p "$(dirname "$doc")"
[ -f "$doc" ] || printf '# Performance\n\nFigures written by `make bench` (tests/bench/*_bench.sh).\n' > "$doc"
if ! grep -qxF "$section" "$doc"; then
  cat >> "$doc" <<EOF_SECTION

$section

\`tests/bench/recon_match_bench.sh BUILD_DIR [CLAIMS]\` (run by \`make bench\`): generates a
deterministic fixture with \`claimgate-recon gen-fixture --claims N --seed 1 --days 7\` (one
ledger export + one settlement file per operator and day, shuffled), then times
\`claimgate-recon match --ledger ledger.csv --settlement settlement/ --out out\` (second, warm-cache
run) and the sqlite3 shell doing the same classification (\`.import\` of both CSVs, indexes on
claim_id, a join query giving the category counts; journal off, 1 GB cache). Both must give the
same counts. Targets: 23M claims in <= 60 s and <= 4 GiB RSS, >= 5x faster than sqlite3.

| date | commit | claims | settlement rows | files | CSV size | match | match RSS | sqlite3 | ratio | verdict | command |
|---|---|---|---|---|---|---|---|---|---|---|---|
EOF_SECTION
fi
# Insert the row after the last table row of our section (before the next "## " heading), so
# sections written by other benchmarks stay where they are.
awk -v section="$section" -v row="$row" '
  NR == FNR {
    if ($0 == section) { start = FNR }
    else if (start && !stop && /^## /) { stop = FNR }
    if (start && !stop && /^\|/) { last = FNR }
    next
  }
  { print }
  FNR == last { print row }
' "$doc" "$doc" > "$doc.tmp" && mv "$doc.tmp" "$doc"
echo "recon bench: appended to $doc (command: tests/bench/recon_match_bench.sh $1 $claims)"
[ "$verdict" = ok ]
