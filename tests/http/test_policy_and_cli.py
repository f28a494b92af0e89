"""Channel-binding policy, Persistent-Auth, and the `sspi-emu serve` command line."""

from __future__ import annotations

import argparse
import base64
import http.client
import ssl
from pathlib import Path

import pytest
import requests
from sspi_emu_ntlm.settings import NtlmSettings

from sspi_emu import ClientContext, Credential
from sspi_emu.accounts import MemoryAccountStore
from sspi_emu.http.certs import CertificateAuthority, IssuedCertificate
from sspi_emu.http.requests_auth import HttpSspiAuth
from sspi_emu.http.serve_cli import parse_user_option
from sspi_emu.testing import RunningServer
from tests.http.helpers import DOMAIN, PASSWORD, USER, curl, start_serve

WHO = f"{DOMAIN}\\{USER}"


@pytest.mark.parametrize("send_bindings, expected", [(True, 200), (False, 401)])
def test_required_channel_bindings(sspi_server_factory, sspi_accounts: MemoryAccountStore,  # type: ignore[no-untyped-def]
                                   sspi_ca: CertificateAuthority, sspi_server_certificate: IssuedCertificate,
                                   tmp_path: Path, send_bindings: bool, expected: int) -> None:
    """IIS "Extended Protection: Required": pass NTLM settings with channel_bindings="always"."""
    server: RunningServer = sspi_server_factory(
        schemes=["NTLM"], certificate=sspi_server_certificate,
        auth_data={"NTLM": NtlmSettings(accounts=sspi_accounts, channel_bindings="always")})
    ca = sspi_ca.write_ca(str(tmp_path / "ca.pem"))
    auth = HttpSspiAuth("NTLM", user=WHO, password=PASSWORD, channel_bindings=send_bindings)
    r = requests.get(f"{server.url}/cbt", auth=auth, verify=ca, timeout=20)
    assert r.status_code == expected
    if expected == 401:
        assert any("SEC_E_BAD_BINDINGS" in line for line in server.log)


def _ntlm_on(conn: http.client.HTTPConnection, path: str) -> http.client.HTTPResponse:
    ctx = ClientContext("NTLM", target="HTTP/x", credential=Credential("NTLM", user=WHO, password=PASSWORD))
    conn.request("GET", path, headers={"Authorization": "NTLM " + base64.b64encode(ctx.step()).decode()})
    r = conn.getresponse()
    r.read()
    challenge = base64.b64decode(r.getheader("WWW-Authenticate", "")[5:])
    conn.request("GET", path, headers={"Authorization": "NTLM " + base64.b64encode(ctx.step(challenge)).decode()})
    r = conn.getresponse()
    r.read()
    ctx.close()
    return r


def test_persistent_auth_is_per_connection(sspi_server: RunningServer) -> None:
    a = http.client.HTTPConnection("127.0.0.1", sspi_server.port, timeout=20)
    r = _ntlm_on(a, "/p1")
    assert r.status == 200 and r.getheader("Persistent-Auth") == "true"
    a.request("GET", "/p2")  # no header: the connection is authenticated
    r2 = a.getresponse()
    assert r2.status == 200 and b"DEMO" in r2.read()
    b = http.client.HTTPConnection("127.0.0.1", sspi_server.port, timeout=20)
    b.request("GET", "/p3")  # another connection is not
    r3 = b.getresponse()
    r3.read()
    assert r3.status == 401
    a.close()
    b.close()


def test_no_persistent_auth(sspi_server_factory) -> None:  # type: ignore[no-untyped-def]
    server = sspi_server_factory(persistent=False)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    r = _ntlm_on(conn, "/np")
    assert r.status == 200 and r.getheader("Persistent-Auth") == "false"
    conn.request("GET", "/np2")
    r2 = conn.getresponse()
    r2.read()
    assert r2.status == 401


def test_chunked_request_body_after_auth(sspi_server: RunningServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", sspi_server.port, timeout=20)
    assert _ntlm_on(conn, "/c").status == 200
    conn.request("POST", "/c", body=iter([b"abc", b"defg"]), encode_chunked=True,
                 headers={"Transfer-Encoding": "chunked"})
    r = conn.getresponse()
    assert r.status == 200 and b'"body_length": 7' in r.read()


def test_parse_user_option() -> None:
    assert parse_user_option("DEMO\\alice:pa:ss") == ("alice", "DEMO", "pa:ss")
    assert parse_user_option("bob:x") == ("bob", "", "x")
    with pytest.raises(argparse.ArgumentTypeError):
        parse_user_option("nocolon")


def test_serve_with_user_on_the_command_line(tmp_path: Path) -> None:
    proc = start_serve(tmp_path, "--schemes", "NTLM", accounts_file=False)
    try:
        assert proc.url.startswith("http://127.0.0.1:")
        r = curl("--ntlm", "-u", f"{WHO}:{PASSWORD}", f"{proc.url}/cli")
        assert '"user": "DEMO\\\\alice"' in r.stdout
        r = curl("-D", "-", "-o", "/dev/null", f"{proc.url}/cli")
        assert "WWW-Authenticate: NTLM" in r.stdout and "Digest" not in r.stdout
    finally:
        proc.stop()


def test_serve_tls_with_given_certificate(tmp_path: Path, sspi_ca: CertificateAuthority,
                                          sspi_server_certificate: IssuedCertificate) -> None:
    cert, key = sspi_server_certificate.write(str(tmp_path))
    ca = sspi_ca.write_ca(str(tmp_path / "ca.pem"))
    proc = start_serve(tmp_path, "--tls", "--cert", cert, "--key", key)
    try:
        assert proc.url.startswith("https://")
        ctx = ssl.create_default_context(cafile=ca)
        conn = http.client.HTTPSConnection("127.0.0.1", proc.port, context=ctx, timeout=20)
        conn.request("GET", "/")
        r = conn.getresponse()
        r.read()
        assert r.status == 401
    finally:
        proc.stop()


def test_serve_refuses_to_start_without_accounts() -> None:
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "sspi_emu", "serve", "--port", "0"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and "--user" in r.stderr and "Traceback" not in r.stderr


def test_plugin_server_over_our_schannel(sspi_server_factory, sspi_ca: CertificateAuthority,  # type: ignore[no-untyped-def]
                                         sspi_server_certificate: IssuedCertificate, tmp_path: Path) -> None:
    """HTTPS where the TLS server is the emulator's Schannel package; Negotiate bound to its certificate."""
    import httpx
    from sspi_emu_schannel.certs import CertContext
    from sspi_emu_schannel.credentials import SCH_CREDENTIALS

    from sspi_emu.http.httpx_auth import HttpSspiAuth as HttpxAuth

    cred = Credential("Schannel", use="inbound", auth_data=SCH_CREDENTIALS(
        paCred=[CertContext(sspi_server_certificate.certificate, sspi_server_certificate.key)]))
    server = sspi_server_factory(certificate=sspi_server_certificate, schannel_credential=cred)
    url = server.url.replace("127.0.0.1", "localhost")
    ca = sspi_ca.write_ca(str(tmp_path / "ca.pem"))
    r = requests.get(f"{url}/s", auth=HttpSspiAuth("Negotiate", user=WHO, password=PASSWORD), verify=ca, timeout=20)
    assert r.status_code == 200 and r.json()["user"] == WHO
    with httpx.Client(auth=HttpxAuth("NTLM", user=WHO, password=PASSWORD),
                      verify=ssl.create_default_context(cafile=ca), timeout=20) as client:
        r2 = client.post(f"{url}/s2", content=b"x" * 100_000)
        assert r2.status_code == 200 and r2.json()["body_length"] == 100_000
    cred.close()
