"""testssl.sh (Debian package `testssl.sh`, an independent TLS scanner) against `sspi-emu serve --tls`, i.e. HTTPS
by our Schannel server: protocols, server defaults and the vulnerability checks (Heartbleed, CCS, Ticketbleed,
ROBOT, renegotiation, CRIME, POODLE, SWEET32, FREAK, DROWN, LOGJAM, BEAST, LUCKY13, ...)."""

from __future__ import annotations

import datetime
import ipaddress
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.http.helpers import start_serve

pytestmark = pytest.mark.interop

# The checks run: protocols, server defaults (certificate, tickets, resumption), vulnerabilities.
TESTSSL_CHECKS = ("--protocols", "--server-defaults", "--vulnerable")
BAD_SEVERITIES = {"HIGH", "CRITICAL"}


def _testssl() -> str:
    path = shutil.which("testssl") or shutil.which("testssl.sh")
    assert path, "required peer missing: testssl.sh (apt install testssl.sh)"
    return path


def _pki(directory: Path, key_kind: str) -> tuple[Path, Path, Path]:
    """A CA and a server certificate that a scanner has nothing to object to (validity, revocation pointer)."""
    def new_key() -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
        return ec.generate_private_key(ec.SECP256R1()) if key_kind == "p256" else \
            rsa.generate_private_key(public_exponent=65537, key_size=2048)

    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    end = start + datetime.timedelta(days=200)
    ca_key = new_key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "testssl CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = new_key()
    crl = x509.DistributionPoint([x509.UniformResourceIdentifier("http://127.0.0.1/testssl-ca.crl")],
                                 None, None, None)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.CRLDistributionPoints([crl]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_path, cert_path, key_path = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return ca_path, cert_path, key_path


def run_testssl(port: int, ca: Path, out: Path, *checks: str) -> dict[str, tuple[str, str]]:
    """Run testssl.sh on 127.0.0.1:*port*; return {finding id: (severity, finding)}."""
    result = subprocess.run(
        [_testssl(), "--quiet", "--color", "0", "--warnings", "off", "--add-ca", str(ca), "--jsonfile", str(out),
         *checks, f"127.0.0.1:{port}"],
        capture_output=True, text=True, timeout=300)
    assert out.exists(), f"testssl.sh wrote no results (rc {result.returncode}):\n{result.stdout}\n{result.stderr}"
    findings = {str(item["id"]): (str(item["severity"]), str(item["finding"]))
                for item in json.loads(out.read_text())}
    assert "scanProblem" not in findings, findings.get("scanProblem")
    return findings


@pytest.mark.parametrize("key_kind", ["p256", "rsa2048"])
def test_testssl_finds_nothing_high_on_our_schannel_server(tmp_path, key_kind):
    ca, cert, key = _pki(tmp_path, key_kind)
    serve = start_serve(tmp_path, "--tls", "--cert", str(cert), "--key", str(key))
    try:
        assert "TLS by Schannel (sspi-emu)" in serve.lines[0], serve.lines[0]
        findings = run_testssl(serve.port, ca, tmp_path / "testssl.json", *TESTSSL_CHECKS)
    finally:
        serve.stop()
    bad = {k: v for k, v in findings.items() if v[0] in BAD_SEVERITIES}
    assert not bad, bad
    for proto in ("SSLv2", "SSLv3", "TLS1", "TLS1_1"):
        assert findings[proto][1] == "not offered", (proto, findings[proto])
    assert findings["TLS1_2"][1] == "offered", findings["TLS1_2"]
    assert findings["TLS1_3"][1].startswith("offered"), findings["TLS1_3"]
    # the vulnerability checks ran and passed (not merely skipped)
    for vid in ("heartbleed", "CCS", "ticketbleed", "secure_renego", "secure_client_renego", "CRIME_TLS",
                "POODLE_SSL", "SWEET32", "FREAK", "DROWN", "LOGJAM", "BEAST", "LUCKY13", "RC4"):
        assert findings[vid][0] in ("OK", "INFO"), (vid, findings[vid])
    assert findings["cert_chain_of_trust"][0] == "OK", findings["cert_chain_of_trust"]
