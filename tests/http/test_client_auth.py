"""Our requests / httpx auth classes against `sspi-emu serve` and against pyspnego's acceptor."""

from __future__ import annotations

import asyncio
import re
import ssl
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import requests

from sspi_emu.http import httpx_auth, requests_auth
from sspi_emu.http.certs import CertificateAuthority
from sspi_emu.http.client import HttpAuthError, MutualAuthError
from tests.http.helpers import DOMAIN, PASSWORD, USER, ServeProcess
from tests.http.pyspnego_server import PyspnegoServer

WHO = f"{DOMAIN}\\{USER}"
PACKAGES = ["Negotiate", "NTLM", "Digest"]


def _conns(serve: ServeProcess, path: str) -> set[str]:
    return {m.group(1) for line in serve.lines if f" {path} " in line for m in [re.search(r"conn=(\d+)", line)] if m}


@pytest.mark.parametrize("package", PACKAGES)
def test_requests_auth_against_serve(serve: ServeProcess, package: str) -> None:
    auth = requests_auth.HttpSspiAuth(package, user=WHO, password=PASSWORD)
    with requests.Session() as s:
        s.auth = auth
        r = s.get(f"{serve.url}/rq-{package}", timeout=20)
        assert r.status_code == 200, r.text
        assert r.json() == {**r.json(), "user": WHO, "scheme": package}
        assert auth.flow.authenticated
        if package != "NTLM":  # Negotiate and Digest prove the server: the context completed on its answer
            assert auth.flow.context is not None and auth.flow.context.complete
        r2 = s.post(f"{serve.url}/rq2-{package}", data=b"payload", timeout=20)
        assert r2.status_code == 200 and r2.json()["body_length"] == 7
    if package != "Digest":
        serve.wait_for(rf"/rq2-{package} .* 200")
        assert len(_conns(serve, f"/rq-{package}")) == 1, "the handshake must stay on one connection"
        assert _conns(serve, f"/rq-{package}") == _conns(serve, f"/rq2-{package}")


@pytest.mark.parametrize("package", PACKAGES)
def test_httpx_auth_against_serve(serve: ServeProcess, package: str) -> None:
    auth = httpx_auth.HttpSspiAuth(package, user=WHO, password=PASSWORD)
    with httpx.Client(auth=auth, timeout=20) as client:
        r = client.get(f"{serve.url}/hx-{package}")
        assert r.status_code == 200, r.text
        assert r.json()["user"] == WHO and r.json()["scheme"] == package
        assert auth.flow.authenticated
        r2 = client.get(f"{serve.url}/hx2-{package}")
        assert r2.status_code == 200
    if package != "Digest":
        serve.wait_for(rf"/hx2-{package} .* 200")
        assert len(_conns(serve, f"/hx-{package}")) == 1


@pytest.mark.parametrize("package", PACKAGES)
def test_httpx_async_auth_against_serve(serve: ServeProcess, package: str) -> None:
    async def main() -> httpx.Response:
        auth = httpx_auth.HttpSspiAuth(package, user=WHO, password=PASSWORD)
        async with httpx.AsyncClient(auth=auth, timeout=20) as client:
            return await client.get(f"{serve.url}/ax-{package}")

    r = asyncio.run(main())
    assert r.status_code == 200 and r.json()["user"] == WHO


def _qop(authorization: str) -> str:
    m = re.search(r"qop=\"?([\w-]+)", authorization)
    assert m, authorization
    return m.group(1)


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_digest_auth_int_covers_the_body(serve: ServeProcess, client: str) -> None:
    """digest_qop="auth-int": the Authorization carries qop=auth-int and the server checks the body hash."""
    body = b"covered by the response hash"
    if client == "requests":
        rauth = requests_auth.HttpSspiAuth("Digest", user=WHO, password=PASSWORD, digest_qop="auth-int")
        with requests.Session() as s:
            r = s.post(f"{serve.url}/int-rq", data=body, auth=rauth, timeout=20)
            sent = r.request.headers["Authorization"]
            status, doc = r.status_code, r.json()
    else:
        hauth = httpx_auth.HttpSspiAuth("Digest", user=WHO, password=PASSWORD, digest_qop="auth-int")
        with httpx.Client(auth=hauth, timeout=20) as c:
            hr = c.post(f"{serve.url}/int-hx", content=body)
            sent = hr.request.headers["Authorization"]
            status, doc = hr.status_code, hr.json()
    assert status == 200 and doc["user"] == WHO and doc["body_length"] == len(body)
    assert _qop(sent) == "auth-int"


def test_digest_auth_int_refuses_a_changed_body(serve: ServeProcess) -> None:
    flow = requests_auth.HttpSspiAuth("Digest", user=WHO, password=PASSWORD, digest_qop="auth-int").flow
    url = f"{serve.url}/int-tamper"
    challenge = requests.post(url, data=b"original", timeout=20)
    assert challenge.status_code == 401
    header = flow.respond(challenge.headers["WWW-Authenticate"], url, "POST", b"original")
    assert header is not None and _qop(header) == "auth-int"
    changed = requests.post(url, data=b"changed!", headers={"Authorization": header}, timeout=20)
    assert changed.status_code == 401
    # the same body under a fresh challenge is accepted: the refusal above was the body hash
    challenge = requests.post(url, data=b"original", timeout=20)
    header = flow.respond(challenge.headers["WWW-Authenticate"], url, "POST", b"original")
    assert header is not None
    ok = requests.post(url, data=b"original", headers={"Authorization": header}, timeout=20)
    assert ok.status_code == 200


def test_digest_qop_is_checked() -> None:
    with pytest.raises(ValueError):
        requests_auth.HttpSspiAuth("Digest", digest_qop="auth-conf")


@pytest.mark.parametrize("package", PACKAGES)
def test_wrong_password_gives_401(serve: ServeProcess, package: str) -> None:
    auth = requests_auth.HttpSspiAuth(package, user=WHO if package != "Digest" else USER, password="nope")
    r = requests.get(f"{serve.url}/wrong-{package}", auth=auth, timeout=20)
    assert r.status_code == 401
    line = serve.wait_for(rf"/wrong-{package} .* 401 .*(refused|Digest)")
    assert "nope" not in line


@pytest.mark.parametrize("package", ["Negotiate", "NTLM"])
def test_preemptive_first_token(serve: ServeProcess, package: str) -> None:
    auth = requests_auth.HttpSspiAuth(package, user=WHO, password=PASSWORD, preemptive=True)
    r = requests.get(f"{serve.url}/pre-{package}", auth=auth, timeout=20)
    assert r.status_code == 200 and len(r.history) == 1


@pytest.mark.parametrize("package", ["Negotiate", "NTLM"])
def test_tls_channel_bindings(serve_tls: ServeProcess, package: str) -> None:
    assert serve_tls.ca_path
    auth = requests_auth.HttpSspiAuth(package, user=WHO, password=PASSWORD)
    r = requests.get(f"{serve_tls.url}/cb-{package}", auth=auth, verify=serve_tls.ca_path, timeout=20)
    assert r.status_code == 200 and r.json()["user"] == WHO
    hx = httpx_auth.HttpSspiAuth(package, user=WHO, password=PASSWORD)
    with httpx.Client(auth=hx, verify=ssl.create_default_context(cafile=serve_tls.ca_path), timeout=20) as client:
        assert client.get(f"{serve_tls.url}/cbx-{package}").status_code == 200


@pytest.mark.parametrize("package", ["Negotiate", "NTLM"])
def test_tls_wrong_channel_bindings_refused(
    serve_tls: ServeProcess, package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client that saw another certificate (a TLS-terminating man in the middle) is refused."""
    other = CertificateAuthority().issue("localhost").der
    monkeypatch.setattr(requests_auth, "_peer_certificate", lambda response: other)
    auth = requests_auth.HttpSspiAuth(package, user=WHO, password=PASSWORD)
    r = requests.get(f"{serve_tls.url}/mitm-{package}", auth=auth, verify=serve_tls.ca_path, timeout=20)
    assert r.status_code == 401
    serve_tls.wait_for(rf"/mitm-{package} .* 401 .*SEC_E_BAD_BINDINGS")


# --- against an independent acceptor -------------------------------------------------------------


@pytest.fixture
def pyspnego_server(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                    ) -> Iterator[PyspnegoServer]:
    users = tmp_path / "users"
    users.write_text(f"{DOMAIN}:{USER}:{PASSWORD}\n")
    monkeypatch.setenv("NTLM_USER_FILE", str(users))
    server = PyspnegoServer(request.param)
    yield server
    server.stop()


@pytest.mark.interop
@pytest.mark.parametrize("pyspnego_server", ["NTLM", "Negotiate"], indirect=True)
def test_requests_auth_against_pyspnego(pyspnego_server: PyspnegoServer) -> None:
    scheme = pyspnego_server.scheme
    auth = requests_auth.HttpSspiAuth(scheme, user=WHO, password=PASSWORD)
    with requests.Session() as s:
        s.auth = auth
        r = s.get(f"{pyspnego_server.url}/x", timeout=20)
        assert r.status_code == 200, (r.text, pyspnego_server.lines)
        assert r.json()["user"].lower() == WHO.lower()
        assert auth.flow.authenticated
        assert len(r.history) == 2  # 401 (no credentials), 401 (challenge), then 200


@pytest.mark.interop
@pytest.mark.parametrize("pyspnego_server", ["NTLM", "Negotiate"], indirect=True)
def test_httpx_auth_against_pyspnego(pyspnego_server: PyspnegoServer) -> None:
    auth = httpx_auth.HttpSspiAuth(pyspnego_server.scheme, user=WHO, password=PASSWORD)
    with httpx.Client(auth=auth, timeout=20) as client:
        r = client.get(f"{pyspnego_server.url}/x")
        assert r.status_code == 200, (r.text, pyspnego_server.lines)
        assert r.json()["user"].lower() == WHO.lower()
        assert auth.flow.authenticated


@pytest.mark.interop
@pytest.mark.parametrize("pyspnego_server", ["NTLM", "Negotiate"], indirect=True)
def test_wrong_password_against_pyspnego(pyspnego_server: PyspnegoServer) -> None:
    auth = requests_auth.HttpSspiAuth(pyspnego_server.scheme, user=WHO, password="wrong")
    r = requests.get(f"{pyspnego_server.url}/x", auth=auth, timeout=20)
    assert r.status_code == 401


# --- mutual authentication -----------------------------------------------------------------------


def test_mutual_auth_failure_detected(sspi_accounts) -> None:  # type: ignore[no-untyped-def]
    """A server whose final answer is tampered with does not pass as authenticated."""
    from sspi_emu.http.app import whoami_app
    from sspi_emu.http.authenticator import HttpAuthenticator
    from sspi_emu.http.server import SspiHttpServer
    from sspi_emu.http.wsgi import SspiAuthMiddleware

    middleware = SspiAuthMiddleware(whoami_app, HttpAuthenticator(accounts=sspi_accounts))

    def tamper(environ, start_response):  # type: ignore[no-untyped-def]
        def start(status, headers, exc_info=None):  # type: ignore[no-untyped-def]
            fixed = []
            for k, v in headers:
                if status.startswith("200") and k == "Authentication-Info":
                    v = re.sub(r'rspauth="[0-9a-f]+"', 'rspauth="' + "0" * 32 + '"', v)
                if status.startswith("200") and k == "WWW-Authenticate" and v.startswith("Negotiate "):
                    v = "Negotiate oRswGaADCgEAoxIEEAEAAAAAAAAAAAAAAAAAAAA="  # accept-completed, a zero MIC
                fixed.append((k, v))
            return start_response(status, fixed)

        return middleware(environ, start)

    server = SspiHttpServer(tamper, log=lambda line: None).start()
    try:
        for package in ("Digest", "Negotiate"):
            auth = requests_auth.HttpSspiAuth(package, user=WHO, password=PASSWORD)
            with pytest.raises(MutualAuthError):
                requests.get(f"{server.url}/m-{package}", auth=auth, timeout=20)
            assert not auth.flow.authenticated
            ok = requests_auth.HttpSspiAuth(package, user=WHO, password=PASSWORD, mutual="disabled")
            assert requests.get(f"{server.url}/m-{package}", auth=ok, timeout=20).status_code == 200
    finally:
        server.stop()
        middleware.authenticator.close()


def test_unknown_package_rejected() -> None:
    with pytest.raises(ValueError):
        requests_auth.HttpSspiAuth("Kerberos5000")
    with pytest.raises(HttpAuthError):
        requests_auth.HttpSspiAuth("Digest").flow.start("http://x/")


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_preemptive_digest_signs_further_requests_without_a_401(serve: ServeProcess, client: str) -> None:
    """After the first 401 exchange, Digest requests carry a signed Authorization (same nonce, next nc)."""
    if client == "requests":
        rauth = requests_auth.HttpSspiAuth("Digest", user=WHO, password=PASSWORD, preemptive=True)
        with requests.Session() as s:
            first = s.get(f"{serve.url}/pre-rq-1", auth=rauth, timeout=20)
            second = s.get(f"{serve.url}/pre-rq-2", auth=rauth, timeout=20)
            third = s.post(f"{serve.url}/pre-rq-3", data=b"body", auth=rauth, timeout=20)
            assert [len(r.history) for r in (first, second, third)] == [1, 0, 0]
            sent = [r.request.headers["Authorization"] for r in (second, third)]
            statuses = [r.status_code for r in (first, second, third)]
    else:
        hauth = httpx_auth.HttpSspiAuth("Digest", user=WHO, password=PASSWORD, preemptive=True)
        with httpx.Client(auth=hauth, timeout=20) as c:
            first_h = c.get(f"{serve.url}/pre-hx-1")
            second_h = c.get(f"{serve.url}/pre-hx-2")
            third_h = c.post(f"{serve.url}/pre-hx-3", content=b"body")
            assert [len(r.history) for r in (first_h, second_h, third_h)] == [1, 0, 0]
            sent = [r.request.headers["Authorization"] for r in (second_h, third_h)]
            statuses = [r.status_code for r in (first_h, second_h, third_h)]
    assert statuses == [200, 200, 200]
    assert "nc=00000002" in sent[0] and "nc=00000003" in sent[1]
