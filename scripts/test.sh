#!/usr/bin/env bash
# The project's test command: installs everything the tests need (system peers included),
# then runs the quality gates and the whole test suite. Fails if a required peer is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

# System peers: OpenSSL and curl (TLS / HTTP interop), Apache and Cyrus SASL for Digest interop,
# MIT Kerberos (KDC, kadmin, kinit; libkrb5-dev to build python-gssapi; krb5-k5tls for kinit through
# a KDC proxy) for Kerberos interop; kdcproxy (pip) is the independent MS-KKDCP proxy; testssl.sh scans
# the Schannel server.
APT_PEERS="openssl curl apache2 apache2-utils gss-ntlmssp libsasl2-2 libsasl2-modules krb5-kdc krb5-admin-server krb5-user libkrb5-dev krb5-k5tls testssl.sh"
missing=""
for p in $APT_PEERS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check -e '.[test,peers,http]'
# requests-negotiate-sspi depends on pypiwin32 (Windows only): installed without it, it runs on the pywin32 shim.
python3 -m pip install -q --disable-pip-version-check --no-deps requests-negotiate-sspi

# Every required peer must be present: a skipped interop test does not count.
for cmd in openssl curl apache2 htdigest krb5kdc kdb5_util kadmin.local kinit testssl; do
    command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || { echo "required peer missing: $cmd" >&2; exit 1; }
done
python3 - <<'PY'
import importlib, sys
for mod in ("spnego", "sspilib", "requests", "hypothesis", "cryptography", "pyasn1", "httpx", "requests_ntlm", "uvicorn", "gssapi", "kdcproxy", "tlslite"):
    try:
        importlib.import_module(mod)
    except Exception as exc:
        sys.exit(f"required peer missing: {mod} ({exc})")
PY

ruff check sspi_emu packages tests bench
mypy
lint-imports --config pyproject.toml

# pytest exits 5 when no test ran: set -e turns that into a failure.
python3 -m pytest -q -p no:cacheprovider --contract-report "$@"
