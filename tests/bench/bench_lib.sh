# Shared by the gateway benchmarks (sourced, not run, right after the script's settings).
# Expects: $build_dir, $bin, $repo, and $bench_name (the prefix of the script's log lines).
#
# The set-up every benchmark starts with: log() and die(), tool and binary checks, a work dir
# cleaned up at exit, the PKI, the BENCH2026 program. launch_gateway and what follows it also
# set gateway_pid, gateway_api_port, gateway_admin_port and gateway_bench_port.

log() { echo "$bench_name: $*" >&2; }
die() { log "$*"; exit 1; }

# bench_require_tools TOOL...: each on PATH, or the run stops saying what installs it.
bench_require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool is missing (scripts/install-deps.sh installs it)"
  done
}

# bench_require_built EXE...: each built in $bin.
bench_require_built() {
  local exe
  for exe in "$@"; do
    [ -x "$bin/$exe" ] || die "$bin/$exe is not built (cmake --build $build_dir)"
  done
}

# bench_workdir PREFIX KEEP_VARIABLE: sets work (a fresh dir under the build dir), pids (the
# processes to stop at exit) and pki (the build's dev PKI, or a fresh one in the work dir). At
# exit every pid is stopped, then bench_stop_services runs if the script defines one (a
# temporary PostgreSQL), and the work dir is removed unless the variable named KEEP_VARIABLE
# is 1.
bench_workdir() {
  work="$(mktemp -d "$build_dir/$1.XXXXXX")"
  bench_keep_variable="$2"
  pids=()
  trap bench_cleanup EXIT
  pki="$build_dir/pki"
  if [ ! -f "$pki/ca.pem" ]; then
    pki="$work/pki"
    "$repo/certs/dev-pki.sh" "$pki" >/dev/null
  fi
}

bench_cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if declare -F bench_stop_services >/dev/null; then bench_stop_services || true; fi
  if [ "${!bench_keep_variable:-0}" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}

# bench_program FILE DESCRIPTION: the program every claim benchmark serves, BENCH2026, open on
# all channels for as long as any run lasts.
bench_program() {
  cat > "$1" <<PROGRAM
{"id": "BENCH2026", "name": "$2", "amount": 6000, "currency": "TWD",
 "channels": ["atm", "kiosk", "counter"], "opens_at": "2020-01-01T00:00:00+08:00",
 "closes_at": "2099-12-31T23:59:59+08:00", "hold_ttl_s": 600, "kiosk_hold_ttl_s": 1800,
 "excludes": []}
PROGRAM
}

# bench_write_section MARKER SECTION_FILE: puts the section (which begins with
# <!-- MARKER:start --> and ends with <!-- MARKER:end -->) into $doc in place of the block
# between those markers; everything outside them belongs to other benchmarks. A doc without the
# block gets the section appended.
bench_write_section() {
  local marker="$1" section="$2"
  mkdir -p "$(dirname "$doc")"
  [ -f "$doc" ] || printf '# Performance\n\nFigures written by `make bench` (tests/bench/*_bench.sh).\n' > "$doc"
  if grep -qF "<!-- $marker:start -->" "$doc"; then
    awk -v file="$section" -v start="<!-- $marker:start -->" -v end="<!-- $marker:end -->" '
      index($0, start) == 1 { while ((getline line < file) > 0) print line; skip = 1; next }
      index($0, end) == 1 { skip = 0; next }
      !skip { print }' "$doc" > "$work/doc.md"
    cat "$work/doc.md" > "$doc"
  else
    { echo; cat "$section"; } >> "$doc"
  fi
  log "updated $doc"
}

gateway_pid=""
gateway_api_port=""
gateway_admin_port=""
gateway_bench_port=""

# launch_gateway DATA_DIR LOG_PREFIX WAIT_SECONDS [serve options...]: starts `serve` with the
# API, admin and loopback bench listeners on port 0 and waits (bounded) for them.
launch_gateway() {
  local data_dir="$1" log_prefix="$2" wait_seconds="$3"; shift 3
  "$bin/claimgate-gateway" serve --data-dir "$data_dir" --pki-dir "$pki" \
    --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --bench-http-listen 127.0.0.1:0 \
    --bench-terminal atm-0001/BANK004/atm "$@" > "$log_prefix.out" 2> "$log_prefix.err" &
  gateway_pid=$!
  pids+=("$gateway_pid")
  local deadline=$(( $(date +%s) + wait_seconds ))
  until grep -q '^bench listening on' "$log_prefix.out" 2>/dev/null; do
    if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$gateway_pid" 2>/dev/null; then
      cat "$log_prefix.err" >&2
      die "gateway $log_prefix did not start"
    fi
    sleep 0.05
  done
  gateway_api_port="$(awk '/^listening on/ { n = split($3, a, ":"); print a[n] }' "$log_prefix.out")"
  gateway_admin_port="$(awk '/^admin listening on/ { n = split($4, a, ":"); print a[n] }' "$log_prefix.out")"
  gateway_bench_port="$(awk '/^bench listening on/ { n = split($4, a, ":"); print a[n] }' "$log_prefix.out")"
}

stop_gateway() {
  kill "$gateway_pid" 2>/dev/null || true
  wait "$gateway_pid" 2>/dev/null || true
}

http_get() {  # http_get PORT PATH: the response (status line, headers, body)
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3
  cat <&3
  exec 3<&-
}

# metric NAME: one value from the running gateway's /metrics (admin listener, plain HTTP).
metric() { http_get "$gateway_admin_port" /metrics | awk -v name="$1" '$1 == name { print $2 }'; }

# Reading claimgate-sim / claimgate-ledger-bench output (one JSON object per line, the last
# line the summary).
json_number() { grep -o "\"$1\":[0-9.]*" | head -1 | cut -d: -f2; }
claim_field() {  # claim_field FILE FIELD: latency_ms_by_op.claim.FIELD of the summary
  tail -1 "$1" | grep -o '"claim":{[^}]*}' | json_number "$2" | awk '{ printf "%.2f", $1 }'
}
claims_per_s() { tail -1 "$1" | json_number claims_per_s | awk '{ printf "%.0f", $1 }'; }
