#!/usr/bin/env bash
# make fuzz: builds the libFuzzer targets of tests/fuzz (preset `fuzz`, clang + ASan + UBSan) and
# runs each for FUZZ_SECONDS (default 600) on a copy of its seed corpus. Prints one line per
# target (execs/s, coverage, corpus size) and writes them to build-fuzz/fuzz-summary.txt.
# A crash stops that target, keeps the input under build-fuzz/artifacts/<target>/ and makes the
# script fail: copy the input to tests/fuzz/regressions/<target>/ so `make test` replays it.
#   FUZZ_SECONDS=30 scripts/fuzz.sh              every target, 30 s each (the .ci/run pass)
#   scripts/fuzz.sh roster_csv sdk_replies       some targets only
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-600}
jobs=${JOBS:-$(nproc)}
build=build-fuzz

cmake --preset fuzz >/dev/null
cmake --build "$build" --target cg_fuzz_all -j "$jobs"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for exe in "$build"/fuzz/fuzz_*; do targets+=("$(basename "$exe" | sed 's/^fuzz_//')"); done
fi

# Parsers that read files get a RAM-backed scratch directory when there is one.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then export TMPDIR=/dev/shm; fi
summary="$build/fuzz-summary.txt"
: >"$summary"
failed=()
for target in "${targets[@]}"; do
  exe="$build/fuzz/fuzz_$target"
  [ -x "$exe" ] || { echo "fuzz: no target $target" >&2; exit 2; }
  corpus="$build/corpus/$target"
  artifacts="$build/artifacts/$target"
  mkdir -p "$corpus" "$artifacts"
  cp -n tests/fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true
  if [ -d tests/fuzz/regressions/"$target" ]; then
    cp -n tests/fuzz/regressions/"$target"/* "$corpus"/ 2>/dev/null || true
  fi
  log="$build/fuzz-$target.log"
  start=$(date +%s)
  status=0
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} "$exe" -max_total_time="$seconds" \
    -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/" \
    "$corpus" >"$log" 2>&1 || status=$?
  elapsed=$(( $(date +%s) - start ))
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
  units=$(find "$corpus" -type f | wc -l)
  rate=$(( elapsed > 0 ? ${runs:-0} / elapsed : 0 ))
  line=$(printf '%-16s %5ss %10s execs %8s execs/s  cov %5s  ft %6s  corpus %5s  %s' \
    "$target" "$elapsed" "${runs:-0}" "$rate" "$cov" "$ft" "$units" \
    "$([ $status -eq 0 ] && echo ok || echo "CRASH (exit $status, see $log, input in $artifacts/)")")
  echo "$line" | tee -a "$summary"
  [ $status -eq 0 ] || failed+=("$target")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]}: copy each input to tests/fuzz/regressions/<target>/" >&2
  exit 1
fi
