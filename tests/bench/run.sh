#!/usr/bin/env bash
# Runs every tests/bench/*_bench.sh with the build directory as $1 (make bench). Each benchmark
# writes its own section of docs/performance.md. A failing benchmark makes the run fail; the others still run.
set -euo pipefail
build_dir="${1:-build}"
here="$(cd "$(dirname "$0")" && pwd)"
status=0
for bench in "$here"/*_bench.sh; do
  [ -e "$bench" ] || continue
  echo "== $(basename "$bench")"
  if ! "$bench" "$build_dir"; then
    echo "bench: $(basename "$bench") failed" >&2
    status=1
  fi
done
exit "$status"
