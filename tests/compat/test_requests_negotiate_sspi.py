"""requests-negotiate-sspi's HttpNegotiateAuth, unmodified, against an HTTP server using sspi-emu's acceptor.

requests-negotiate-sspi imports pywintypes, sspi, sspicon and win32security unconditionally,
so with the pywin32 shim installed it runs on Linux as it is (pip name: requests-negotiate-sspi,
installed without its pypiwin32 dependency: ``pip install --no-deps requests-negotiate-sspi``).
"""

from __future__ import annotations

import hashlib
import importlib
import struct
import sys
import types
from typing import Any, Iterator

import pytest
import requests
import requests.adapters

from tests.compat.httpserver import AuthServer, serving


@pytest.fixture
def negotiate_auth(pywin32: types.SimpleNamespace) -> Iterator[Any]:
    sys.modules.pop("requests_negotiate_sspi", None)
    sys.modules.pop("requests_negotiate_sspi.requests_negotiate_sspi", None)
    module = importlib.import_module("requests_negotiate_sspi")
    try:
        yield module.HttpNegotiateAuth
    finally:
        sys.modules.pop("requests_negotiate_sspi", None)
        sys.modules.pop("requests_negotiate_sspi.requests_negotiate_sspi", None)


@pytest.fixture
def server() -> Iterator[AuthServer]:
    yield from serving(AuthServer())


def test_import_needs_the_shim() -> None:
    sys.modules.pop("requests_negotiate_sspi", None)
    with pytest.raises(ImportError):
        importlib.import_module("requests_negotiate_sspi")
    sys.modules.pop("requests_negotiate_sspi", None)


def test_explicit_credentials_negotiate(negotiate_auth: Any, server: AuthServer) -> None:
    r = requests.get(server.url, auth=negotiate_auth(username="bob", password="B0b-secret", domain="DEMO"),
                     timeout=30)
    assert r.status_code == 200, (r.status_code, server.failures)
    assert r.text == "hello DEMO\\bob"
    assert [h.status_code for h in r.history] == [401, 401]


def test_default_credentials_single_sign_on(negotiate_auth: Any, server: AuthServer) -> None:
    # No user name: the "logged-on user" (SSPI_EMU_USER / SSPI_EMU_PASSWORD) is used, as on Windows SSO.
    r = requests.get(server.url, auth=negotiate_auth(), timeout=30)
    assert r.status_code == 200, server.failures
    assert r.text == "hello DEMO\\alice"


def test_ntlm_only_server(negotiate_auth: Any) -> None:
    for srv in serving(AuthServer(schemes=("NTLM",))):
        r = requests.get(srv.url, auth=negotiate_auth(username="alice", password="Passw0rd!", domain="DEMO"),
                         timeout=30)
        assert r.status_code == 200
        assert srv.users == ["DEMO\\alice"]


def test_wrong_password_is_rejected(negotiate_auth: Any, server: AuthServer) -> None:
    r = requests.get(server.url, auth=negotiate_auth(username="bob", password="nope", domain="DEMO"), timeout=30)
    assert r.status_code == 401
    assert server.failures == ["SEC_E_LOGON_DENIED"]


class _PeerCertAdapter(requests.adapters.HTTPAdapter):
    """An adapter exposing the server certificate as ``response.peercert`` (as HTTPS adapters that support
    requests-negotiate-sspi's channel binding do)."""

    def __init__(self, cert: bytes) -> None:
        super().__init__()
        self.cert = cert

    def build_response(self, req: Any, resp: Any) -> requests.Response:
        response = super().build_response(req, resp)
        response.peercert = self.cert  # type: ignore[attr-defined]
        return response


def _get_with_cert(url: str, auth: Any, cert: bytes) -> requests.Response:
    with requests.Session() as session:
        session.mount("http://", _PeerCertAdapter(cert))
        return session.get(url, auth=auth, timeout=30)


def test_channel_bindings_with_lp64_struct_layout(negotiate_auth: Any) -> None:
    # With a peer certificate, requests-negotiate-sspi packs SEC_CHANNEL_BINDINGS with native 'L' (8 bytes on
    # LP64, wrong offset): the shim passes the buffer through and the NTLM package reads that layout.
    cert = b"0\x82\x01\x0a fake DER certificate"
    app = b"tls-server-end-point:" + hashlib.sha256(cert).digest()
    bindings = struct.pack("<8I", 0, 0, 0, 0, 0, 0, len(app), 32) + app
    for srv in serving(AuthServer(schemes=("NTLM",), bindings=bindings)):
        r = _get_with_cert(srv.url, negotiate_auth(username="bob", password="B0b-secret", domain="DEMO"), cert)
        assert r.status_code == 200, srv.failures
    # A different certificate on the client's side (a man in the middle): the server refuses.
    for srv in serving(AuthServer(schemes=("NTLM",), bindings=bindings)):
        r = _get_with_cert(srv.url, negotiate_auth(username="bob", password="B0b-secret", domain="DEMO"),
                           cert + b"-other")
        assert r.status_code == 401 and srv.failures == ["SEC_E_BAD_BINDINGS"]


def test_default_domain_dot_is_the_local_account(negotiate_auth: Any, server: AuthServer) -> None:
    # HttpNegotiateAuth(username, password) sends Domain "." (a local account), as on Windows.
    r = requests.get(server.url, auth=negotiate_auth(username="bob", password="B0b-secret"), timeout=30)
    assert r.status_code == 200, server.failures
    assert server.users and server.users[0].endswith("bob")
