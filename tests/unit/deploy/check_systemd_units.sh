#!/usr/bin/env bash
# check_systemd_units.sh UNIT_DIR BIN_DIR: `systemd-analyze verify` on every unit of
# deploy/systemd, with /usr/bin/claimgate-* pointed at the freshly built binaries (verify wants
# the commands to exist). systemd-analyze exits 0 even for unknown keys, so any output fails.
set -euo pipefail
unit_dir=$1
bin_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
units=()
for unit in "$unit_dir"/*.service "$unit_dir"/*.timer; do
  sed "s|/usr/bin/claimgate-|$bin_dir/claimgate-|g" "$unit" > "$work/$(basename "$unit")"
  units+=("$work/$(basename "$unit")")
done
output=$(cd "$work" && systemd-analyze verify "${units[@]}" 2>&1) || {
  echo "$output"; exit 1; }
if [[ -n "$output" ]]; then
  echo "$output"
  exit 1
fi
echo "systemd units OK: ${#units[@]}"
