#!/usr/bin/env bash
# The sanitizer stages of .ci/run (docs/testing.md, "Sanitizers"):
#   scripts/sanitizer-tests.sh asan   ASan + UBSan build (preset asan) of the whole tree; runs
#                                     the whole suite, as `make test` does (unit and integration:
#                                     the C ABI tests, the instrumented C sample, fuzz replays,
#                                     PostgreSQL, failover and fault tests)
#   scripts/sanitizer-tests.sh tsan   ThreadSanitizer build (preset tsan) of the threaded parts:
#                                     the group committer and claim service (unit_gateway), the
#                                     SDK's sender and journal (unit_sdk), VOPR seeds, whose
#                                     ledger writer thread serves the simulated terminals, and
#                                     the load generator's runs against the instrumented gateway
#                                     (integration_load: mTLS, two I/O threads on each side)
# Findings fail the stage: UBSan does not recover, ASan and TSan exit non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: scripts/sanitizer-tests.sh asan|tsan}
jobs=${JOBS:-$(nproc)}
root=$PWD
pki=${CG_PKI_DIR:-$root/build/pki}
[ -f "$pki/ca.pem" ] || certs/dev-pki.sh "$pki" >/dev/null

case "$kind" in
  asan)
    build=build-asan
    cmake --preset asan >/dev/null
    cmake --build "$build" -j "$jobs"
    # detect_leaks stays on: a leak in our code fails the stage like any other finding.
    export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:verify_asan_link_order=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    # The whole suite, every label: the integration tests start the instrumented gateway, recon,
    # simulators and SDK samples as real processes, so their findings count too.
    CG_PKI_DIR=$pki CG_BIN_DIR=$root/$build/bin \
      ctest --test-dir "$build" -j "$jobs" --output-on-failure --timeout 900
    ;;
  tsan)
    build=build-tsan
    cmake --preset tsan >/dev/null
    cmake --build "$build" -j "$jobs" --target unit_gateway unit_sdk claimgate-vopr \
      integration_load claimgate-gateway claimgate-sim
    # tests/tsan.supp names each suppression and why (uninstrumented Debian libraries only).
    export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$root/tests/tsan.supp}
    CG_PKI_DIR=$pki CG_BIN_DIR=$root/$build/bin "$build/tests/unit_gateway"
    CG_PKI_DIR=$pki CG_BIN_DIR=$root/$build/bin "$build/tests/unit_sdk"
    "$build/bin/claimgate-vopr" --seeds 1-40 --steps 200
    # Both processes instrumented: a race in either ends it (halt_on_error), which fails a test.
    CG_PKI_DIR=$pki CG_BIN_DIR=$root/$build/bin "$build/tests/integration_load"
    ;;
  *)
    echo "usage: scripts/sanitizer-tests.sh asan|tsan" >&2
    exit 2
    ;;
esac
