#!/usr/bin/env bash
# `make demo`: the main job end to end on one machine (contracts §11).
#   PKI + program + roster served by the T-Road simulator -> `claimgate-recon pull` (programs,
#   roster, payouts by other channels) -> gateway (SQLite) -> ATM, kiosk and counter sessions
#   through the terminal SDK, with faults -> `claimgate-recon push` (claim batches to the
#   platform) -> ledger export -> reconciliation against the settlement files the terminals
#   wrote -> hash-chain verification (ledger + transfer log) -> summary. Stops everything it
#   started.
set -euo pipefail

build_dir=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "$build_dir" && pwd)/bin
pki=$(cd "$build_dir" && pwd)/pki
demo=${CG_DEMO_DIR:-$root/demo-data}
seed=${CG_DEMO_SEED:-2023}
sessions=${CG_DEMO_SESSIONS:-40}

rm -rf "$demo"
mkdir -p "$demo"/{gateway,settlement,journals,report,troad}
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }

wait_for_line() {  # file pattern -> prints the matching line's port, waits up to 20 s
  local file=$1 pattern=$2
  for _ in $(seq 1 200); do
    if grep -q "$pattern" "$file" 2>/dev/null; then
      grep "$pattern" "$file" | head -1 | sed 's/.*://'
      return 0
    fi
    sleep 0.1
  done
  echo "timed out waiting for '$pattern' in $file" >&2
  cat "$file" >&2
  return 1
}

step "program and roster (seed $seed)"
cat > "$demo/program.json" <<JSON
{"id": "CASH2023", "name": "全民共享經濟成果普發現金", "amount": 6000, "currency": "TWD",
 "channels": ["atm", "kiosk", "counter"], "opens_at": "2023-04-10T00:00:00+08:00",
 "closes_at": "2099-12-31T23:59:59+08:00", "hold_ttl_s": 120, "kiosk_hold_ttl_s": 1800,
 "excludes": []}
JSON
"$bin/claimgate-sim" roster --count 5000 --seed "$seed" --out "$demo/roster.csv"
# Three citizens the platform already paid by direct deposit / registered mail: imported by
# `pull`, so every terminal refuses them (already_claimed).
{
  echo "citizen_id,channel,amount,paid_at,payout_id"
  tail -n 3 "$demo/roster.csv" | cut -d, -f1 | paste -d, - <(printf '%s\n' direct_deposit \
    direct_deposit registered_deposit) | awk -F, '{printf "%s,%s,6000,2023-04-10T09:00:00+08:00,PAY-%04d\n", $1, $2, NR}'
} > "$demo/payouts.csv"

step "T-Road security server + payout platform (simulator)"
"$bin/claimgate-sim" troad --pki-dir "$pki" --listen 127.0.0.1:0 --program "$demo/program.json" \
  --roster "$demo/roster.csv" --payouts "$demo/payouts.csv" --state-dir "$demo/troad" \
  > "$demo/troad.log" 2>&1 &
pids+=($!)
troad_port=$(wait_for_line "$demo/troad.log" '^listening on')
troad="https://127.0.0.1:$troad_port"
echo "T-Road on $troad"

step "pull programs, roster and other channels' payouts over T-Road"
"$bin/claimgate-recon" pull --data-dir "$demo/gateway" --pki-dir "$pki" --troad "$troad"

step "gateway (SQLite ledger, mutual TLS)"
"$bin/claimgate-gateway" serve --data-dir "$demo/gateway" --pki-dir "$pki" \
  --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 > "$demo/gateway.log" 2>&1 &
pids+=($!)
api_port=$(wait_for_line "$demo/gateway.log" '^listening on')
admin_port=$(wait_for_line "$demo/gateway.log" '^admin listening on')
gateway="https://localhost:$api_port"
echo "gateway on $gateway, admin on http://127.0.0.1:$admin_port"

run_channel() {  # channel extra-args...
  local channel=$1; shift
  echo "-- $channel"
  "$bin/claimgate-sim" "$channel" --gateway "$gateway" --pki-dir "$pki" \
    --roster "$demo/roster.csv" --program CASH2023 --sessions "$sessions" --seed "$seed" \
    --journal "$demo/journals/$channel.db" \
    --settlement-out "$demo/settlement/$channel.csv" "$@" | tee "$demo/$channel.out" | tail -1
}

step "terminal sessions through the SDK"
run_channel atm --dispense-failure-rate 0.05 --duplicate-submit
run_channel kiosk
run_channel counter
run_channel atm --crash-after-dispense --sessions 3 --seed $((seed + 1))

step "push claim batches to the platform over T-Road"
"$bin/claimgate-recon" push --data-dir "$demo/gateway" --pki-dir "$pki" --troad "$troad" | tail -1

step "ledger export, reconciliation, verification"
"$bin/claimgate-recon" export --data-dir "$demo/gateway" --out "$demo/ledger.csv"
"$bin/claimgate-recon" match --ledger "$demo/ledger.csv" --settlement "$demo/settlement" \
  --out "$demo/report"
"$bin/claimgate-recon" verify --data-dir "$demo/gateway"

step "summary"
curl -s "http://127.0.0.1:$admin_port/metrics" | grep -E '^claimgate_(requests_total|claims_in_doubt|ledger_batches_total)' | head -20
python3 - "$demo/report/report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
print("reconciliation:", ", ".join(f"{k}={v}" for k, v in sorted(report["counts"].items())))
print("records:", report["records"])
PY
echo "platform received $(wc -l < "$demo/troad/claims.jsonl") claim batches; T-Road exchanges logged: $(wc -l < "$demo/gateway/transfer.log")"
echo
echo "HTML report for finance staff: $demo/report/report.html"
echo "exceptions: $demo/report/exceptions.csv"
