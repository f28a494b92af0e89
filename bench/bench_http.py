"""HTTP authentication round trips on loopback: our requests auth against the peers' clients.

Each call opens a new session and runs a full handshake (401 loop) plus the request against
the same `sspi-emu serve` subprocess (no Persistent-Auth), so the ratio compares the client
sides; the server's own time is in both figures.
"""

from __future__ import annotations

import atexit
import re
import subprocess
import sys
import threading
from functools import cache
from typing import Callable

import requests
from requests.auth import HTTPDigestAuth

from sspi_emu.http.requests_auth import HttpSspiAuth

USER, PASSWORD = "DEMO\\alice", "Passw0rd!"


@cache
def _server_url() -> str:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sspi_emu", "serve", "--port", "0", "--no-persistent", "--user", f"{USER}:{PASSWORD}"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    atexit.register(proc.terminate)
    assert proc.stdout is not None
    for line in proc.stdout:
        m = re.search(r"listening on (\S+?)/? ", line)
        if m:
            threading.Thread(target=lambda: [None for _ in proc.stdout or ()], daemon=True).start()
            return m.group(1).rstrip("/")
    raise RuntimeError("sspi-emu serve did not start")


def _get(auth: requests.auth.AuthBase, path: str) -> Callable[[], object]:
    url = _server_url() + path

    def run() -> object:
        with requests.Session() as s:
            r = s.get(url, auth=auth, timeout=20)
            assert r.status_code == 200, r.status_code
            return r

    return run


def bench_ntlm_handshake() -> dict[str, Callable[[], object]]:
    from requests_ntlm import HttpNtlmAuth

    return {
        "sspi-emu": lambda: _get(HttpSspiAuth("NTLM", user=USER, password=PASSWORD), "/ntlm")(),
        "requests-ntlm": lambda: _get(HttpNtlmAuth(USER, PASSWORD), "/ntlm")(),
    }


def bench_negotiate_handshake() -> dict[str, Callable[[], object]]:
    return {"sspi-emu": lambda: _get(HttpSspiAuth("Negotiate", user=USER, password=PASSWORD), "/neg")()}


def bench_digest_handshake() -> dict[str, Callable[[], object]]:
    return {
        "sspi-emu": lambda: _get(HttpSspiAuth("Digest", user="alice", password=PASSWORD), "/digest")(),
        "requests.HTTPDigestAuth": lambda: _get(HTTPDigestAuth("alice", PASSWORD), "/digest")(),
    }
