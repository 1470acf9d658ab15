#!/usr/bin/env bash
# Front-end benchmark (issue 8). One run measures, with the same client on the same box:
#   (a) eligibility over mutual TLS: `claimgate-sim load --mix check:1` against the gateway's
#       API listener and against nginx with the same certificates (`ssl_verify_client on`,
#       static reply of the same size); target >= 0.6x nginx;
#   (b) eligibility on the plain bench listener against nginx static (wrk); target >= 0.6x.
# and replaces the "## Front end (issue 8)" section of docs/performance.md (between the
# frontend-bench markers) with the figures, the machine, the date and the commands.
#
# usage: tests/bench/frontend_bench.sh BUILD_DIR        (make bench runs it through run.sh)
# env:   CG_FRONTEND_BENCH_SECONDS      seconds per measurement (10)
#        CG_FRONTEND_BENCH_ROWS         roster rows (100000)
#        CG_FRONTEND_BENCH_TERMINALS    load-generator terminals / wrk connections (32)
#        CG_FRONTEND_BENCH_NO_DOC=1     print the figures only, leave docs/performance.md alone
#        CG_FRONTEND_BENCH_KEEP=1       keep the work dir
set -euo pipefail

build_dir="$(cd "${1:-build}" && pwd)"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$build_dir/bin"
doc="$repo/docs/performance.md"
seconds="${CG_FRONTEND_BENCH_SECONDS:-10}"
rows="${CG_FRONTEND_BENCH_ROWS:-100000}"
terminals="${CG_FRONTEND_BENCH_TERMINALS:-32}"
workers=2
seed=42

log() { echo "frontend bench: $*" >&2; }
die() { log "$*"; exit 1; }
for tool in wrk nginx curl awk grep sed; do
  command -v "$tool" >/dev/null || die "$tool is missing (scripts/install-deps.sh installs it)"
done
for exe in claimgate-gateway claimgate-sim; do
  [ -x "$bin/$exe" ] || die "$bin/$exe is not built (cmake --build $build_dir)"
done

work="$(mktemp -d "$build_dir/frontend-bench.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${CG_FRONTEND_BENCH_KEEP:-0}" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

pki="$build_dir/pki"
[ -f "$pki/ca.pem" ] || { pki="$work/pki"; "$repo/certs/dev-pki.sh" "$pki" >/dev/null; }

cat > "$work/program.json" <<'EOF'
{"id": "BENCH2026", "name": "front-end benchmark", "amount": 6000, "currency": "TWD",
 "channels": ["atm", "kiosk", "counter"], "opens_at": "2020-01-01T00:00:00+08:00",
 "closes_at": "2099-12-31T23:59:59+08:00", "hold_ttl_s": 600, "kiosk_hold_ttl_s": 1800,
 "excludes": []}
EOF
log "roster of $rows citizens (seed $seed)"
"$bin/claimgate-sim" roster --count "$rows" --seed "$seed" --out "$work/roster.csv" 2>/dev/null
"$bin/claimgate-gateway" program put --data-dir "$work/data" "$work/program.json" >/dev/null
"$bin/claimgate-gateway" roster import --data-dir "$work/data" --program BENCH2026 \
  "$work/roster.csv" >/dev/null
awk -F, 'NR > 1 && $5 != "proxy" { print $1 "," $2; if (++n == 10000) exit }' \
  "$work/roster.csv" > "$work/ids.txt"

source "$repo/tests/bench/bench_lib.sh"
gateway_pid="" gateway_api_port="" gateway_bench_port="" gateway_admin_port=""

free_port() {  # free_port [FROM]: a port nothing answers on, from FROM or a random start
  local port="${1:-$(awk 'BEGIN { srand(); print 20000 + int(rand() * 20000) }')}"
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}
reply='{"amount":6000,"claim":{"status":"none"},"currency":"TWD","eligible":true,"program":"BENCH2026"}'
nginx_plain_port="$(free_port)"
nginx_tls_port="$(free_port $((nginx_plain_port + 1)))"
mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes $workers;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:$nginx_plain_port;
    location / { default_type application/json; return 200 '$reply'; }
  }
  server {
    listen 127.0.0.1:$nginx_tls_port ssl;
    ssl_certificate $pki/gateway.pem;
    ssl_certificate_key $pki/gateway.key;
    ssl_client_certificate $pki/ca.pem;
    ssl_verify_client on;
    ssl_protocols TLSv1.2 TLSv1.3;
    location = /v1/programs { default_type application/json; return 200 'PROGRAMS_REPLY'; }
    location / { default_type application/json; return 200 '$reply'; }
  }
}
EOF
start_nginx() {
  nginx -c "$work/nginx/nginx.conf" -p "$work/nginx/" -e "$work/nginx/error.log" &
  nginx_pid=$!
  pids+=("$nginx_pid")
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$nginx_tls_port") 2>/dev/null && return
    sleep 0.1
  done
  die "nginx did not start: $(cat "$work/nginx/error.log")"
}
stop_nginx() { kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; }

json_number() { grep -o "\"$1\":[0-9.]*" | head -1 | cut -d: -f2; }
load_checks() {  # load_checks NAME URL: checks/s of claimgate-sim load --mix check:1
  "$bin/claimgate-sim" load --gateway "$2" --pki-dir "$pki" --roster "$work/roster.csv" \
    --terminals "$terminals" --duration "$seconds" --mix check:1 --seed "$seed" \
    > "$work/load-$1.json" 2> "$work/load-$1.err" ||
    { cat "$work/load-$1.err" >&2; die "load generator failed ($1)"; }
  local checks
  checks="$(tail -1 "$work/load-$1.json" | json_number checks)"
  awk -v c="$checks" -v s="$seconds" 'BEGIN { printf "%.0f", c / s }'
}
wrk_rps() {  # wrk_rps URL NAME
  wrk -t2 -c"$terminals" -d2s -s "$repo/tests/bench/eligibility.lua" "$1" -- \
    "$work/ids.txt" BENCH2026 atm > /dev/null
  wrk -t2 -c"$terminals" -d"${seconds}s" -s "$repo/tests/bench/eligibility.lua" "$1" -- \
    "$work/ids.txt" BENCH2026 atm > "$work/wrk-$2.txt"
  awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$work/wrk-$2.txt"
}

launch_gateway "$work/data" "$work/gateway" 60 --io-threads "$workers"
# The load generator first asks for the programs; nginx answers with the gateway's own reply.
programs="$(curl -s --cacert "$pki/ca.pem" --cert "$pki/terminals/atm-0001.pem" \
  --key "$pki/terminals/atm-0001.key" "https://127.0.0.1:$gateway_api_port/v1/programs")"
[ -n "$programs" ] || die "no /v1/programs reply from the gateway"
sed -i "s|PROGRAMS_REPLY|$programs|" "$work/nginx/nginx.conf"
log "(a) mTLS eligibility, gateway: claimgate-sim load --terminals $terminals --mix check:1"
gw_tls="$(load_checks gateway-tls "https://127.0.0.1:$gateway_api_port")"
log "(b) bench listener, gateway: wrk -t2 -c$terminals"
gw_plain="$(wrk_rps "http://127.0.0.1:$gateway_bench_port" gateway-plain)"
rss_kib="$(awk '/^VmRSS/ { print $2 }' "/proc/$gateway_pid/status")"
stop_gateway
start_nginx
log "(a) mTLS eligibility, nginx ssl_verify_client on"
nginx_tls="$(load_checks nginx-tls "https://127.0.0.1:$nginx_tls_port")"
log "(b) nginx static"
nginx_plain="$(wrk_rps "http://127.0.0.1:$nginx_plain_port" nginx-plain)"
stop_nginx

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
tls_ratio="$(ratio "$gw_tls" "$nginx_tls")"
plain_ratio="$(ratio "$gw_plain" "$nginx_plain")"
summary="mTLS eligibility: gateway $gw_tls/s, nginx $nginx_tls/s (${tls_ratio}x); bench listener: gateway $gw_plain/s, nginx $nginx_plain/s (${plain_ratio}x)"
log "$summary"
[ "${CG_FRONTEND_BENCH_NO_DOC:-0}" = 1 ] && exit 0

section="$work/section.md"
cat > "$section" <<EOF
<!-- frontend-bench:start -->
## Front end (issue 8)

Measured $(date -u +%Y-%m-%d) on $(nproc) CPUs ($(uname -m)), $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo);
gateway with \`--io-threads $workers\`, nginx with $workers workers; $seconds s per figure, one
run each, same client, same box (shared with other work: the ratios matter, not the
absolute figures).

| what | gateway | nginx | ratio | target |
|---|---|---|---|---|
| eligibility over mutual TLS (\`claimgate-sim load --mix check:1\`, $terminals terminals; nginx: same certificates, \`ssl_verify_client on\`, static reply) | $gw_tls/s | $nginx_tls/s | ${tls_ratio}x | >= 0.6x |
| eligibility on the plain bench listener (wrk -t2 -c$terminals; nginx static reply) | $gw_plain/s | $nginx_plain/s | ${plain_ratio}x | >= 0.6x |

Gateway RSS after the run: $rss_kib KiB.

Reproduce: \`CG_FRONTEND_BENCH_SECONDS=$seconds CG_FRONTEND_BENCH_ROWS=$rows tests/bench/frontend_bench.sh build\`
<!-- frontend-bench:end -->
EOF
if grep -q '<!-- frontend-bench:start -->' "$doc"; then
  awk -v section="$section" '
    /<!-- frontend-bench:start -->/ { while ((getline line < section) > 0) print line; skip = 1; next }
    /<!-- frontend-bench:end -->/ { skip = 0; next }
    !skip { print }' "$doc" > "$work/doc.md"
  cp "$work/doc.md" "$doc"
else
  { echo; cat "$section"; } >> "$doc"
fi
log "docs/performance.md updated"
