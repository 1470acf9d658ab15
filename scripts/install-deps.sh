#!/usr/bin/env bash
# Installs the Debian packages claimgate needs to build, test, demo and benchmark.
# Idempotent: apt-get runs only when a package is missing, so warm machines skip it.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates openssl
  libpoco-dev libssl-dev libsqlite3-dev sqlite3 nlohmann-json3-dev libboost-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libpq-dev postgresql postgresql-client libjemalloc-dev
  wrk nginx-light curl chromium fonts-wqy-microhei procps python3 python3-yaml python3-jsonschema
  prometheus haproxy systemd
  clang libclang-rt-14-dev
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} Debian packages present"
  exit 0
fi

echo "deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  sudo=sudo
else
  sudo=
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian's nginx package may start a system nginx on :80; our benchmarks run their own.
# prometheus (installed for promtool) would take :9090, the gateway's default admin port, and
# haproxy (for `haproxy -c` on deploy/) a system balancer: the tests need neither running.
if command -v service >/dev/null 2>&1; then
  for service in nginx prometheus haproxy; do
    $sudo service "$service" stop >/dev/null 2>&1 || true
  done
fi
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $sudo systemctl disable --now prometheus haproxy >/dev/null 2>&1 || true
fi
