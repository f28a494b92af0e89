"""The ASGI middleware behind a real ASGI server (uvicorn): connection-bound NTLM over real TCP."""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Iterator

import pytest
import requests
import uvicorn

from sspi_emu.accounts import MemoryAccountStore
from sspi_emu.http import SspiAuthASGIMiddleware
from sspi_emu.http.requests_auth import HttpSspiAuth
from tests.http.helpers import DOMAIN, PASSWORD, USER, curl

pytestmark = pytest.mark.interop
WHO = f"{DOMAIN}\\{USER}"


async def _whoami(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    payload = json.dumps({"user": scope.get("user"), "scheme": scope.get("auth_type"),
                          "client_port": scope["client"][1]}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


@pytest.fixture
def uvicorn_url(sspi_accounts: MemoryAccountStore) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = SspiAuthASGIMiddleware(_whoami, accounts=sspi_accounts)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    app.authenticator.close()


@pytest.mark.parametrize("package", ["Negotiate", "NTLM", "Digest"])
def test_requests_auth_through_uvicorn(uvicorn_url: str, package: str) -> None:
    with requests.Session() as s:
        s.auth = HttpSspiAuth(package, user=WHO, password=PASSWORD)
        r = s.get(f"{uvicorn_url}/u", timeout=20)
        assert r.status_code == 200, r.text
        assert r.json()["user"] == WHO and r.json()["scheme"] == package
        assert s.auth.flow.authenticated


def test_curl_ntlm_through_uvicorn(uvicorn_url: str) -> None:
    r = curl("--ntlm", "-u", f"{WHO}:{PASSWORD}", f"{uvicorn_url}/c")
    assert r.returncode == 0 and json.loads(r.stdout)["user"] == WHO
    bad = curl("--ntlm", "-u", f"{WHO}:nope", "-o", "/dev/null", "-w", "%{http_code}", f"{uvicorn_url}/c")
    assert bad.stdout == "401"
