"""`sspi-emu serve --tls --cert FILE --key FILE`: HTTPS by our Schannel with the user's certificate (core credential
structures, no package import in serve), against Python's ssl, the openssl CLI and curl with NTLM."""

from __future__ import annotations

import http.client
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from sspi_emu.http.certs import CertificateAuthority
from tests.http.helpers import DOMAIN, PASSWORD, USER, curl, start_serve

pytestmark = pytest.mark.interop
OPENSSL = shutil.which("openssl") or "openssl"


def _issue(tmp_path: Path) -> tuple[str, str, str, object]:
    ca = CertificateAuthority()
    issued = ca.issue("localhost", hosts=("localhost", "127.0.0.1"))
    cert, key = issued.write(str(tmp_path))
    return cert, key, ca.write_ca(str(tmp_path / "ca.pem")), issued


def _peer_der(port: int, cafile: str) -> tuple[bytes, str | None]:
    ctx = ssl.create_default_context(cafile=cafile)
    conn = http.client.HTTPSConnection("localhost", port, context=ctx, timeout=20)
    conn.request("GET", "/")
    r = conn.getresponse()
    r.read()
    assert r.status == 401
    sock = conn.sock
    assert isinstance(sock, ssl.SSLSocket)
    der = sock.getpeercert(binary_form=True)
    version = sock.version()
    conn.close()
    assert der is not None
    return der, version


@pytest.mark.parametrize("engine", [(), ("--tls-engine", "schannel")])
def test_serve_given_pem_certificate_uses_our_schannel(tmp_path, engine):
    cert, key, ca, _ = _issue(tmp_path)
    proc = start_serve(tmp_path, "--tls", "--cert", cert, "--key", key, *engine)
    try:
        assert "TLS by Schannel (sspi-emu)" in proc.lines[0], proc.lines[0]
        der, version = _peer_der(proc.port, ca)
        pem = Path(cert).read_bytes()
        assert der == ssl.PEM_cert_to_DER_cert(pem.decode("ascii"))
        assert version == "TLSv1.3"
        # openssl s_client verifies the chain and name, TLS 1.2
        r = subprocess.run([OPENSSL, "s_client", "-connect", f"127.0.0.1:{proc.port}", "-servername", "localhost",
                            "-verify_hostname", "localhost", "-CAfile", ca, "-tls1_2", "-brief"],
                           input=b"", capture_output=True, timeout=30)
        text = (r.stdout + r.stderr).decode(errors="replace")
        assert "Verification: OK" in text and "TLSv1.2" in text, text
        # NTLM over our TLS with the channel binding from the user's certificate
        r2 = curl("--ntlm", "-u", f"{DOMAIN}\\{USER}:{PASSWORD}", "--cacert", ca,
                  f"https://localhost:{proc.port}/who")
        assert f'"user": "{DOMAIN}\\\\{USER}"' in r2.stdout, r2.stdout + r2.stderr
    finally:
        proc.stop()


def test_serve_given_pkcs12_certificate(tmp_path):
    cert, key, ca, _ = _issue(tmp_path)
    from cryptography import x509

    leaf = x509.load_pem_x509_certificate(Path(cert).read_bytes())
    private = serialization.load_pem_private_key(Path(key).read_bytes(), None)
    pfx = tmp_path / "server.pfx"
    pfx.write_bytes(pkcs12.serialize_key_and_certificates(b"srv", private, leaf, None,  # type: ignore[arg-type]
                                                          serialization.NoEncryption()))
    proc = start_serve(tmp_path, "--tls", "--cert", str(pfx))
    try:
        assert "TLS by Schannel (sspi-emu)" in proc.lines[0], proc.lines[0]
        der, _ = _peer_der(proc.port, ca)
        assert der == leaf.public_bytes(serialization.Encoding.DER)
    finally:
        proc.stop()


def test_serve_stdlib_engine_still_available(tmp_path):
    cert, key, ca, _ = _issue(tmp_path)
    proc = start_serve(tmp_path, "--tls", "--cert", cert, "--key", key, "--tls-engine", "ssl")
    try:
        assert "TLS by stdlib ssl" in proc.lines[0], proc.lines[0]
        _peer_der(proc.port, ca)
    finally:
        proc.stop()


def test_serve_does_not_import_the_package_or_registry():
    """serve builds the credential from core structures only (the import-linter contract checks the imports)."""
    import sspi_emu.http.serve_cli as serve_cli

    source = Path(serve_cli.__file__).read_text(encoding="utf-8")
    assert "registry" not in source and "sspi_emu_schannel" not in source
