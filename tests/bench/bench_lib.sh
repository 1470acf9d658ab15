# Shared by the gateway benchmarks (sourced, not run). Expects: $bin, $pki, $work, the array
# pids, and die(). Sets gateway_pid, gateway_api_port, gateway_admin_port, gateway_bench_port.

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
