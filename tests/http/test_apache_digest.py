"""Our requests / httpx Digest auth against Apache mod_auth_digest (the Digest helper's fixture)."""

from __future__ import annotations

import httpx
import pytest
import requests

from sspi_emu.http import httpx_auth, requests_auth
from tests.interop.digest.apache_peer import apache_digest

pytestmark = pytest.mark.interop


def test_requests_and_httpx_digest_against_apache() -> None:
    with apache_digest("apache-realm", {"alice": "Passw0rd!"}) as base:
        auth = requests_auth.HttpSspiAuth("Digest", user="alice", password="Passw0rd!")
        r = requests.get(f"{base}/protected/index.txt", auth=auth, timeout=20)
        assert r.status_code == 200 and r.text == "secret page\n"
        assert auth.flow.authenticated  # Apache's Authentication-Info rspauth was checked
        hx = httpx_auth.HttpSspiAuth("Digest", user="alice", password="Passw0rd!")
        with httpx.Client(auth=hx, timeout=20) as client:
            assert client.get(f"{base}/protected/index.txt?x=1").status_code == 200
        bad = requests_auth.HttpSspiAuth("Digest", user="alice", password="wrong")
        assert requests.get(f"{base}/protected/index.txt", auth=bad, timeout=20).status_code == 401


def test_preemptive_digest_against_apache_needs_one_401_only() -> None:
    with apache_digest("apache-realm", {"alice": "Passw0rd!"}) as base:
        auth = requests_auth.HttpSspiAuth("Digest", user="alice", password="Passw0rd!", preemptive=True)
        with requests.Session() as s:
            responses = [s.get(f"{base}/protected/index.txt?n={i}", auth=auth, timeout=20) for i in range(3)]
        assert [r.status_code for r in responses] == [200, 200, 200]
        assert [len(r.history) for r in responses] == [1, 0, 0]  # Apache took the signed further requests


def test_preemptive_digest_follows_apaches_nextnonce() -> None:
    """Apache with a nonce lifetime under 30 s sends a nextnonce with every reply: each signed
    request goes out on the newest one (nc 1), its rspauth is checked, and no request meets a 401
    after the first."""
    with apache_digest("apache-realm", {"alice": "Passw0rd!"}, nonce_lifetime=20) as base:
        auth = requests_auth.HttpSspiAuth("Digest", user="alice", password="Passw0rd!", preemptive=True)
        with requests.Session() as s:
            responses = [s.get(f"{base}/protected/index.txt?n={i}", auth=auth, timeout=20) for i in range(4)]
        assert [r.status_code for r in responses] == [200, 200, 200, 200]
        assert [len(r.history) for r in responses] == [1, 0, 0, 0]
        sent = [r.request.headers["Authorization"] for r in responses[1:]]
        assert all("nc=00000001" in h for h in sent)  # each on the nonce Apache had just handed out
        nonces = [h.split('nonce="', 1)[1].split('"', 1)[0] for h in sent]
        assert len(set(nonces)) == 3
