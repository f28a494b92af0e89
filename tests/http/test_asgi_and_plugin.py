"""The ASGI middleware (through httpx's ASGI transport) and the pytest plugin's fixtures."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
import requests

from sspi_emu.accounts import MemoryAccountStore
from sspi_emu.entropy import PinnedEntropy, random_bytes
from sspi_emu.http import SspiAuthASGIMiddleware
from sspi_emu.http.certs import CertificateAuthority, IssuedCertificate
from sspi_emu.http.httpx_auth import HttpSspiAuth
from sspi_emu.http.requests_auth import HttpSspiAuth as RequestsAuth
from sspi_emu.testing import RunningServer
from tests.http.helpers import DOMAIN, PASSWORD, USER

WHO = f"{DOMAIN}\\{USER}"


async def _echo_app(scope, receive, send):  # type: ignore[no-untyped-def]
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    payload = json.dumps({"user": scope.get("user"), "scheme": scope.get("auth_type"), "len": len(body)}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": payload})


@pytest.mark.parametrize("package", ["Negotiate", "NTLM", "Digest"])
def test_asgi_middleware(sspi_accounts: MemoryAccountStore, package: str) -> None:
    app = SspiAuthASGIMiddleware(_echo_app, accounts=sspi_accounts)

    async def main() -> tuple[httpx.Response, httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            anonymous = await client.get("/a")
            auth = HttpSspiAuth(package, user=WHO, password=PASSWORD)
            ok = await client.post("/a", content=b"12345", auth=auth)
            persisted = await client.get("/a")  # the same "connection": Persistent-Auth (not for Digest)
            assert persisted.status_code == (401 if package == "Digest" else 200)
        other = httpx.ASGITransport(app=app, client=("127.0.0.1", 124))  # another connection
        async with httpx.AsyncClient(transport=other, base_url="http://testserver") as client:
            bad = await client.get("/a", auth=HttpSspiAuth(package, user=WHO, password="bad"))
        return anonymous, ok, bad

    anonymous, ok, bad = asyncio.run(main())
    assert anonymous.status_code == 401
    assert {c.split(" ")[0].rstrip(",") for c in anonymous.headers.get_list("www-authenticate")} == {
        "Negotiate", "NTLM", "Digest"}
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"user": WHO, "scheme": package, "len": 5}
    assert bad.status_code == 401
    app.authenticator.close()


def test_asgi_passes_lifespan_and_unprotected(sspi_accounts: MemoryAccountStore) -> None:
    app = SspiAuthASGIMiddleware(_echo_app, accounts=sspi_accounts, protect=lambda scope: scope["path"] != "/open")

    async def main() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            return await client.get("/open")

    assert asyncio.run(main()).status_code == 200
    app.authenticator.close()


# --- the pytest plugin ---------------------------------------------------------------------------


def test_plugin_server_fixture(sspi_server: RunningServer) -> None:
    r = requests.get(f"{sspi_server.url}/plugin", auth=RequestsAuth("NTLM", user=sspi_server.user,
                                                                      password=sspi_server.password), timeout=20)
    assert r.status_code == 200 and r.json()["user"] == WHO
    # the server writes its log line after sending the response: wait for it (bounded)
    deadline = time.monotonic() + 10
    while not any("/plugin" in line and " 200 " in line for line in sspi_server.log):
        assert time.monotonic() < deadline, sspi_server.log
        time.sleep(0.01)


def test_plugin_accounts_are_the_servers(sspi_accounts: MemoryAccountStore, sspi_server: RunningServer) -> None:
    sspi_accounts.add("bob", "B0b-secret", "DEMO")
    r = requests.get(f"{sspi_server.url}/bob", auth=RequestsAuth("Negotiate", user="DEMO\\bob",
                                                                   password="B0b-secret"), timeout=20)
    assert r.status_code == 200 and r.json()["user"] == "DEMO\\bob"


def test_plugin_tls_server(sspi_server_factory, sspi_ca: CertificateAuthority,  # type: ignore[no-untyped-def]
                           sspi_server_certificate: IssuedCertificate, tmp_path) -> None:
    server = sspi_server_factory(certificate=sspi_server_certificate, schemes=["Negotiate"])
    assert server.url.startswith("https://")
    ca = sspi_ca.write_ca(str(tmp_path / "ca.pem"))
    r = requests.get(f"{server.url}/tls", auth=RequestsAuth("Negotiate", user=WHO, password=PASSWORD), verify=ca,
                     timeout=20)
    assert r.status_code == 200 and r.json()["scheme"] == "Negotiate"


def test_plugin_entropy_is_deterministic(sspi_entropy: PinnedEntropy) -> None:
    first = random_bytes(16, "x")
    again = PinnedEntropy(seed=b"sspi-emu pytest plugin")
    assert first == again.random_bytes(16)


@pytest.mark.sspi_seed(b"other seed")
def test_plugin_entropy_seed_marker(sspi_entropy: PinnedEntropy) -> None:
    assert random_bytes(8) == PinnedEntropy(seed=b"other seed").random_bytes(8)


def test_plugin_is_registered(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.pluginmanager.has_plugin("sspi_emu"), "the pytest11 entry point is missing"
