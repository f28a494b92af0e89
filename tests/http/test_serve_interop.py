"""Real clients (curl, requests-ntlm) against `sspi-emu serve` running as a subprocess."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import requests
from requests_ntlm import HttpNtlmAuth

from tests.http.helpers import DOMAIN, PASSWORD, USER, ServeProcess, curl

pytestmark = pytest.mark.interop

WHO = f"{DOMAIN}\\{USER}"


def _json(text: str) -> dict[str, object]:
    return json.loads(text.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _conn_ids(lines: list[str], path: str) -> set[str]:
    return {m.group(1) for line in lines if f" {path} " in line for m in [re.search(r"conn=(\d+)", line)] if m}


def test_curl_ntlm(serve: ServeProcess) -> None:
    start = len(serve.lines)
    r = curl("--ntlm", "-u", f"{WHO}:{PASSWORD}", f"{serve.url}/curl-ntlm")
    assert r.returncode == 0, r.stderr
    doc = _json(r.stdout)
    assert doc["user"] == WHO and doc["scheme"] == "NTLM"
    serve.wait_for(r"/curl-ntlm .* 200 .*user=DEMO\\alice")
    lines = serve.log_since(start)
    assert len(_conn_ids(lines, "/curl-ntlm")) == 1, "the NTLM legs must share one connection"


def test_curl_negotiate_with_ntlm(serve: ServeProcess, tmp_path: Path) -> None:
    # curl's GSS-API uses gss-ntlmssp (apt: gss-ntlmssp) for NTLM inside SPNEGO; it reads
    # the client's credentials from NTLM_USER_FILE.
    users = tmp_path / "client-users"
    users.write_text(f"{DOMAIN}:{USER}:{PASSWORD}\n")
    env = dict(os.environ, NTLM_USER_FILE=str(users))
    r = curl("--negotiate", "-u", f"{WHO}:{PASSWORD}", f"{serve.url}/curl-negotiate", env=env)
    assert r.returncode == 0, r.stderr
    doc = _json(r.stdout)
    assert doc["user"] == WHO and doc["scheme"] == "Negotiate"
    serve.wait_for(r"/curl-negotiate .* 200 .*Negotiate leg \d authenticated")


def test_curl_digest(serve: ServeProcess) -> None:
    r = curl("--digest", "-u", f"{USER}:{PASSWORD}", f"{serve.url}/curl-digest?x=1")
    assert r.returncode == 0, r.stderr
    doc = _json(r.stdout)
    assert doc["user"] == WHO and doc["scheme"] == "Digest"


def test_curl_digest_post_body(serve: ServeProcess) -> None:
    r = curl("--digest", "-u", f"{USER}:{PASSWORD}", "--data-binary", "hello body", f"{serve.url}/curl-post")
    assert r.returncode == 0, r.stderr
    doc = _json(r.stdout)
    assert doc["user"] == WHO and doc["body_length"] == len("hello body")


@pytest.mark.parametrize("flag", ["--ntlm", "--digest", "--anyauth"])
def test_curl_wrong_password_is_401_with_a_log_line(serve: ServeProcess, flag: str) -> None:
    user = f"{WHO}" if flag == "--ntlm" else USER
    start = len(serve.lines)
    r = curl(flag, "-u", f"{user}:not-the-password", "-o", "/dev/null", "-w", "%{http_code}", f"{serve.url}/bad{flag}")
    assert r.stdout.strip() == "401"
    serve.wait_for(rf"/bad{flag} .* 401 .*(refused|no credentials)")
    lines = serve.log_since(start)
    assert not any(" 500 " in line for line in lines)
    assert not any("not-the-password" in line for line in serve.lines), "a secret reached the log"
    assert not any("Traceback" in line for line in serve.lines)


def test_curl_keepalive_persistent_auth(serve: ServeProcess) -> None:
    """Two requests on one curl invocation: the second rides the authenticated connection."""
    r = curl("--ntlm", "-u", f"{WHO}:{PASSWORD}", f"{serve.url}/one", f"{serve.url}/two", "-D", "-")
    assert r.returncode == 0, r.stderr
    assert "Persistent-Auth: true" in r.stdout
    serve.wait_for(r"/two .* 200 .*user=DEMO\\alice")
    assert _conn_ids(serve.lines, "/one") == _conn_ids(serve.lines, "/two")


def test_requests_ntlm(serve: ServeProcess) -> None:
    with requests.Session() as s:
        s.auth = HttpNtlmAuth(WHO, PASSWORD)
        r = s.get(f"{serve.url}/requests-ntlm", timeout=20)
        assert r.status_code == 200, r.text
        assert r.json()["user"] == WHO
        r = s.post(f"{serve.url}/requests-ntlm-post", data=b"x" * 1000, timeout=20)
        assert r.status_code == 200 and r.json()["body_length"] == 1000


def test_requests_ntlm_wrong_password(serve: ServeProcess) -> None:
    r = requests.get(f"{serve.url}/rn-bad", auth=HttpNtlmAuth(WHO, "wrong"), timeout=20)
    assert r.status_code == 401
    serve.wait_for(r"/rn-bad .* 401 .*SEC_E_LOGON_DENIED")


def test_requests_ntlm_over_tls_with_channel_bindings(serve_tls: ServeProcess) -> None:
    # requests-ntlm sends the tls-server-end-point binding of the certificate it sees; the
    # server checks it against its own certificate (channel-binding policy "accept").
    assert serve_tls.ca_path
    r = requests.get(f"{serve_tls.url}/tls", auth=HttpNtlmAuth(WHO, PASSWORD), verify=serve_tls.ca_path,
                     timeout=20)
    assert r.status_code == 200, r.text
    assert r.json()["user"] == WHO


def test_curl_over_tls(serve_tls: ServeProcess) -> None:
    assert serve_tls.ca_path
    r = curl("--ntlm", "-u", f"{WHO}:{PASSWORD}", "--cacert", serve_tls.ca_path, f"{serve_tls.url}/tls-curl")
    assert r.returncode == 0, r.stderr
    assert _json(r.stdout)["user"] == WHO


@pytest.mark.parametrize("scheme, protocol", [("Negotiate", "negotiate"), ("NTLM", "ntlm"), ("Negotiate", "ntlm")])
def test_pyspnego_client_against_serve(serve: ServeProcess, scheme: str, protocol: str) -> None:
    """pyspnego as the client; ("Negotiate", "ntlm") is raw NTLM under the Negotiate scheme, as
    Windows clients send when Kerberos is unavailable."""
    import base64
    import http.client

    import spnego

    ctx = spnego.client(USER, PASSWORD, hostname="127.0.0.1", service="HTTP", protocol=protocol)
    conn = http.client.HTTPConnection("127.0.0.1", serve.port, timeout=20)
    token = ctx.step()
    for _ in range(4):
        conn.request("GET", "/pyspnego", headers={"Authorization": f"{scheme} {base64.b64encode(token).decode()}"})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 401:
            break
        challenge = resp.getheader("WWW-Authenticate", "")
        token = ctx.step(base64.b64decode(challenge.split(" ", 1)[1]))
    assert resp.status == 200, body
    assert json.loads(body)["user"] == WHO
    final = resp.getheader("WWW-Authenticate")
    if final:  # SPNEGO's accept-completed with the mechListMIC: pyspnego checks it
        ctx.step(base64.b64decode(final.split(" ", 1)[1]))
    assert ctx.complete
    conn.close()


def test_garbage_on_the_tls_port(serve_tls: ServeProcess) -> None:
    import socket

    for junk in (b"GET / HTTP/1.1\r\n\r\n", b"\x16\x03\x01\x00\x05hello", b"\x16\x03\x03" + b"\xff" * 300, b""):
        with socket.create_connection(("127.0.0.1", serve_tls.port), timeout=10) as s:
            if junk:
                s.sendall(junk)
            s.shutdown(socket.SHUT_WR)
            try:
                while s.recv(4096):
                    pass
            except OSError:
                pass
    serve_tls.wait_for("TLS handshake failed")
    assert serve_tls.ca_path
    r = curl("--ntlm", "-u", f"{WHO}:{PASSWORD}", "--cacert", serve_tls.ca_path, f"{serve_tls.url}/after-junk")
    assert r.returncode == 0 and _json(r.stdout)["user"] == WHO  # the server is still serving
    assert not any("Traceback" in line for line in serve_tls.lines)
