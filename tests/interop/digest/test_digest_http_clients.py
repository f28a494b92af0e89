"""Independent HTTP Digest clients (curl, urllib, requests) against a server built on our acceptor."""

from __future__ import annotations

import shutil
import subprocess
import urllib.request

import pytest
import requests
from requests.auth import HTTPDigestAuth
from sspi_emu_digest import DigestServerOptions

from sspi_emu import constants as C
from sspi_emu import entropy
from sspi_emu.accounts import MemoryAccountStore
from sspi_emu.entropy import SystemEntropy

from .digest_http_server import serve

pytestmark = pytest.mark.interop

USER, PASSWORD, REALM = "alice", "Passw0rd!", "interop@sspi-emu"


def options(**kw: object) -> DigestServerOptions:
    store = MemoryAccountStore()
    store.add(USER, PASSWORD)
    kw.setdefault("realm", REALM)
    return DigestServerOptions(store=store, **kw)  # type: ignore[arg-type]


def curl() -> str:
    path = shutil.which("curl")
    assert path, "curl is a required interop peer (apt-get install curl)"
    return path


# curl 7.88 and requests do not implement SHA-512-256 (curl has it from 8.8); the RFC 7616 §3.9.2 vector covers it.
@pytest.mark.parametrize("alg", ["MD5", "SHA-256", "MD5-sess", "SHA-256-sess"])
def test_curl_digest(alg: str) -> None:
    with serve(options(algorithms=(alg,), qop=("auth",))) as (url, acceptor):
        out = subprocess.run([curl(), "-sS", "--digest", "-u", f"{USER}:{PASSWORD}", "-D", "-", f"{url}/dir/x?y=1"],
                             capture_output=True, timeout=30, check=True)
        text = out.stdout.decode()
    assert "hello alice" in text, text
    assert "Authentication-Info: " in text
    assert acceptor.statuses[-1] == C.SEC_E_OK


def test_curl_post_with_body() -> None:
    with serve(options()) as (url, acceptor):
        out = subprocess.run([curl(), "-sS", "--digest", "-u", f"{USER}:{PASSWORD}", "--data", "a=1&b=2", f"{url}/f"],
                             capture_output=True, timeout=30, check=True)
    assert out.stdout == b"hello alice\n"


def test_curl_auth_int_get() -> None:
    # curl hashes an empty entity body for auth-int (it does not hash POST bodies), so GET is the case it supports
    with serve(options(qop=("auth-int",))) as (url, acceptor):
        out = subprocess.run([curl(), "-sS", "--digest", "-u", f"{USER}:{PASSWORD}", "-v", f"{url}/int"],
                             capture_output=True, timeout=30, check=True)
    assert out.stdout == b"hello alice\n"
    assert b"qop=auth-int" in out.stderr


def test_curl_wrong_password() -> None:
    with serve(options()) as (url, acceptor):
        out = subprocess.run([curl(), "-sS", "--digest", "-u", f"{USER}:nope", "-o", "/dev/null", "-w", "%{http_code}",
                              f"{url}/x"], capture_output=True, timeout=30, check=True)
    assert out.stdout == b"401"
    assert C.SEC_E_LOGON_DENIED in acceptor.statuses


def test_urllib_digest_handler() -> None:
    with serve(options()) as (url, acceptor):
        mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        mgr.add_password(None, url, USER, PASSWORD)
        opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(mgr))
        with opener.open(f"{url}/path/to/resource?q=%20x", timeout=30) as resp:
            assert resp.status == 200
            assert resp.read() == b"hello alice\n"
            assert "rspauth" in resp.headers["Authentication-Info"]
        # a second request on the same nonce: nc=00000002, accepted
        with opener.open(f"{url}/again", timeout=30) as resp:
            assert resp.status == 200
    assert acceptor.statuses.count(C.SEC_E_OK) == 2


@pytest.mark.parametrize("alg", ["MD5", "SHA-256"])
def test_requests_digest_auth(alg: str) -> None:
    with serve(options(algorithms=(alg,), qop=("auth",))) as (url, acceptor):
        with requests.Session() as s:
            s.auth = HTTPDigestAuth(USER, PASSWORD)
            for i in range(3):  # requests re-uses the nonce with nc 1, 2, 3
                r = s.get(f"{url}/item/{i}", timeout=30)
                assert r.status_code == 200, r.headers
                assert r.text == "hello alice\n"
            r = s.post(f"{url}/upload", data=b"xyz", timeout=30)
            assert r.status_code == 200
    assert C.SEC_E_OUT_OF_SEQUENCE not in acceptor.statuses


class _ShiftedClock(SystemEntropy):
    """The system source with a clock the test can move forward (server threads use the default source)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return super().now() + self.offset


def test_requests_retries_after_stale_nonce() -> None:
    clock = _ShiftedClock()
    entropy.set_default(clock)
    try:
        with serve(options(nonce_lifetime=60)) as (url, acceptor):
            with requests.Session() as s:
                s.auth = HTTPDigestAuth(USER, PASSWORD)
                assert s.get(f"{url}/a", timeout=30).status_code == 200
                clock.offset = 120.0  # the nonce requests keeps re-using is now expired
                r = s.get(f"{url}/b", timeout=30)
    finally:
        entropy.set_default(None)
    assert r.status_code == 200
    # the expired nonce got a stale=true challenge (CONTINUE_NEEDED), then the retry succeeded
    assert acceptor.statuses[-2:] == [C.SEC_I_CONTINUE_NEEDED, C.SEC_E_OK]
