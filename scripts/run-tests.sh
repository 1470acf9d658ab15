#!/usr/bin/env bash
# Runs every ctest label. PostgreSQL-backed tests start their own server (tests/support/pg_harness).
set -euo pipefail
build_dir=${1:-build}
export CG_PKI_DIR=${CG_PKI_DIR:-$(cd "$build_dir" && pwd)/pki}
export CG_BIN_DIR=$(cd "$build_dir" && pwd)/bin
cd "$build_dir"
ctest --output-on-failure -j "$(nproc)" --timeout 600
