#!/usr/bin/env bash
# dev-pki.sh OUT: the development PKI of contracts §10/§11 (never for production).
#
# Writes into OUT:
#   ca.pem ca.key                 development CA
#   gateway.pem gateway.key       gateway TLS server (SAN localhost, 127.0.0.1; serverAuth)
#   receipt.pem receipt.key       gateway receipt-signing key (ECDSA P-256)
#   crl.pem                       CA-signed CRL revoking terminals/revoked-0001
#   terminals/<id>.pem .key       terminal client certs (CN=<id>, O=<operator>, OU=<role>:
#                                 atm, kiosk, pos (a store till that pays kiosk slips), counter)
#   troad/server.pem .key         T-Road security server (SAN localhost, 127.0.0.1)
#   troad/client.pem .key         gateway's client cert for the T-Road link
#   troad/platform.pem .key       payout platform signing key
#   untrusted/ca.pem client.pem client.key   a second, unknown CA and one client cert of it
#
# All keys are EC P-256 (fast to make, fast to handshake). Private keys are mode 0600.
# OUT is rebuilt from scratch every run: the PKI is made in a scratch directory next to OUT and
# swapped in at the end, so a failed run never leaves a half-made PKI behind. An existing OUT is
# replaced only if it is empty or looks like an earlier dev PKI (has ca.pem), so a typo can never
# wipe an unrelated directory.
set -euo pipefail

readonly kCertDays=825
readonly kCrlDays=3650

usage() {
    echo "usage: $0 OUT_DIR" >&2
    echo "  makes the claimgate development PKI in OUT_DIR (replacing an earlier one)" >&2
}

if [[ $# -ne 1 || "$1" == "-h" || "$1" == "--help" ]]; then
    usage
    [[ $# -eq 1 ]] && exit 0
    exit 2
fi

command -v openssl >/dev/null || { echo "dev-pki.sh: openssl not found" >&2; exit 1; }
# `openssl req -x509 -CA` (one call per certificate, which keeps this fast) needs OpenSSL 3.
case "$(openssl version)" in
    "OpenSSL 3."*) ;;
    *) echo "dev-pki.sh: needs OpenSSL 3.x, found: $(openssl version)" >&2; exit 1 ;;
esac

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
config="$script_dir/dev-pki.cnf"
[[ -f "$config" ]] || { echo "dev-pki.sh: missing $config" >&2; exit 1; }

out=${1%/}
[[ -n "$out" ]] || out=/
if [[ -e "$out" && ! -d "$out" ]]; then
    echo "dev-pki.sh: $out exists and is not a directory" >&2
    exit 1
fi
if [[ -d "$out" && ! -f "$out/ca.pem" && -n "$(ls -A "$out")" ]]; then
    echo "dev-pki.sh: refusing to replace $out: not empty and not a dev PKI (no ca.pem)" >&2
    exit 1
fi

parent=$(dirname "$out")
mkdir -p "$parent"
stage=$(mktemp -d "$parent/.dev-pki.XXXXXX")
work=$(mktemp -d)
cleanup() { rm -rf "$stage" "$work"; }
trap cleanup EXIT

umask 077
mkdir -p "$stage/terminals" "$stage/troad" "$stage/untrusted" "$work/untrusted"
export CG_PKI_WORK="$work" CG_PKI_OUT="$stage"

serial=4096
next_serial() { serial=$((serial + 1)); }

# make_ca DIR SUBJECT
make_ca() {
    openssl req -new -x509 -config "$config" -extensions v3_ca \
        -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc \
        -keyout "$1/ca.key" -out "$1/ca.pem" -subj "$2" -days "$kCertDays" \
        -set_serial "$serial" 2>/dev/null
    next_serial
}

# issue CA_DIR EXTENSIONS SUBJECT OUT_BASE  (writes OUT_BASE.pem and OUT_BASE.key)
issue() {
    openssl req -new -x509 -config "$config" -extensions "$2" \
        -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc \
        -keyout "$4.key" -out "$4.pem" -subj "$3" -days "$kCertDays" \
        -set_serial "$serial" -CA "$1/ca.pem" -CAkey "$1/ca.key" 2>/dev/null
    next_serial
}

make_ca "$stage" "/O=claimgate development/OU=dev-pki/CN=claimgate dev CA"
issue "$stage" server_cert "/O=claimgate/OU=gateway/CN=localhost" "$stage/gateway"
issue "$stage" signing_cert "/O=claimgate/OU=gateway/CN=claimgate receipts" "$stage/receipt"

# id operator role (the OU): a POS till has a role of its own so that it, and only it, can pay
# a kiosk slip; atm-0003 is a second ATM of BANK004 and pos-0002 a till of another store chain.
terminals=(
    "atm-0001 BANK004 atm"
    "atm-0002 BANK005 atm"
    "atm-0003 BANK004 atm"
    "kiosk-0001 CVS711 kiosk"
    "pos-0001 CVS711 pos"
    "pos-0002 CVS952 pos"
    "counter-0001 POST700 counter"
    "revoked-0001 BANK004 atm"
)
for row in "${terminals[@]}"; do
    read -r id operator channel <<<"$row"
    issue "$stage" client_cert "/O=$operator/OU=$channel/CN=$id" "$stage/terminals/$id"
done

issue "$stage" server_cert "/O=T-Road/OU=security-server/CN=localhost" "$stage/troad/server"
issue "$stage" client_cert "/O=claimgate/OU=gateway/CN=claimgate-gateway" "$stage/troad/client"
issue "$stage" signing_cert "/O=PLATFORM/OU=disburse/CN=payout-platform" "$stage/troad/platform"

# CRL: record the revoked terminal in a scratch CA database, then sign the list.
: >"$work/index.txt"
echo 1000 >"$work/crlnumber"
openssl ca -config "$config" -revoke "$stage/terminals/revoked-0001.pem" \
    -crl_reason keyCompromise 2>/dev/null
openssl ca -config "$config" -gencrl -crldays "$kCrlDays" -out "$stage/crl.pem" 2>/dev/null

# A CA nobody trusts, with a client certificate that copies atm-0001's subject exactly.
make_ca "$work/untrusted" "/O=unknown issuer/OU=dev-pki/CN=untrusted CA"
issue "$work/untrusted" client_cert "/O=BANK004/OU=atm/CN=atm-0001" "$stage/untrusted/client"
cp "$work/untrusted/ca.pem" "$stage/untrusted/ca.pem"

find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f -name '*.pem' -exec chmod 0644 {} +
find "$stage" -type f -name '*.key' -exec chmod 0600 {} +

# Swap in: the old PKI (if any) goes only after the new one is complete.
if [[ -d "$out" ]]; then
    old=$(mktemp -d "$parent/.dev-pki-old.XXXXXX")
    mv "$out" "$old/pki"
    mv "$stage" "$out"
    rm -rf "$old"
else
    mv "$stage" "$out"
fi

echo "dev-pki.sh: wrote development PKI to $out:"
(cd "$out" && find . -type f | sed 's|^\./||' | sort | sed 's/^/  /')
