#!/usr/bin/env bash
# Prints the CMake targets whose executables the tests labelled `unit` run, as the ctest files
# of an existing build list them (scripts/sanitizer-tests.sh builds just these instrumented).
# Tools the tests call that are not ours (python3, promtool, haproxy, shell checks) are left out;
# our own programs are always listed, since unit tests run some of them (unit_roster runs
# claimgate-sim).
#   scripts/unit-test-targets.sh build
set -euo pipefail
build_dir=${1:?usage: scripts/unit-test-targets.sh BUILD_DIR}
ctest --test-dir "$build_dir" -L unit --show-only=json-v1 | python3 -c '
import json, os, sys
build = os.path.realpath(sys.argv[1])
targets = {"claimgate-gateway", "claimgate-recon", "claimgate-sim"}
for test in json.load(sys.stdin)["tests"]:
    command = test.get("command") or []
    if command and os.path.realpath(command[0]).startswith(build + os.sep):
        targets.add(os.path.basename(command[0]))
if len(targets) == 3:
    sys.exit("no unit-labelled test executables in " + build)
print(" ".join(sorted(targets)))
' "$build_dir"
