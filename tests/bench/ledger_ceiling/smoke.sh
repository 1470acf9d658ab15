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
  line="$("$bench" --data-dir "$work/$mode" --mode "$mode" --batch 16 --claims 100)"
  echo "$line"
  case "$line" in
    *'"claims":100'*'"claims_per_s":'*'"cpu_us_per_claim":'*) ;;
    *) echo "ledger bench ($mode): unexpected report" >&2; exit 1 ;;
  esac
done
