#!/usr/bin/env bash
# Keeps claimgate-ledger-bench working between `make bench` runs (a bench that breaks is found
# by ctest, not by the next person measuring): both modes on a fresh SQLite ledger, a few
# batches each, must finish and report every claim and the CPU they took (the gateway bench
# prints it beside a claim's CPU through the gateway).
set -euo pipefail
bench="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for mode in rows engine; do
  line="$("$bench" --data-dir "$work/$mode" --mode "$mode" --batch 16 --claims 100 --terminals 7)"
  echo "$line"
  case "$line" in
    *'"claims":100'*'"claims_per_s":'*'"cpu_us_per_claim":'*'"terminals":7'*) ;;
    *) echo "ledger bench ($mode): unexpected report" >&2; exit 1 ;;
  esac
done
# A value out of range is refused with exit status 2, never replaced by the default.
for bad in "--claims 0" "--batch 100000" "--terminals 0" "--terminals x"; do
  status=0
  # shellcheck disable=SC2086  # the option and its value are two words on purpose
  "$bench" --data-dir "$work/bad" $bad 2> "$work/bad.err" || status=$?
  if [ "$status" != 2 ] || ! grep -q 'wants a whole number' "$work/bad.err"; then
    echo "ledger bench: '$bad' gave status $status: $(cat "$work/bad.err")" >&2
    exit 1
  fi
done
