"""SetCredentialsAttributes(SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS): Windows' way to send Kerberos through a KDC proxy."""

from __future__ import annotations

import socket
from typing import Iterator

import pytest
from sspi_emu_kerberos import KerberosSettings
from sspi_emu_kerberos.kdc_proxy import DIRECT_FIRST, PROXY_FIRST, PROXY_ONLY, RealmTransport
from sspi_emu_kerberos.memory_kdc import MemoryKdc
from sspi_emu_kerberos.transport import KdcUnreachable

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgCredentials_KdcProxySettings
from sspi_emu.constants import SecurityStatus as St
from sspi_emu.errors import SspiError
from tests.packages.kerberos.test_kdc_proxy_server import (
    CertificateAuthority,
    HttpsServer,
    memory_kdc_app,
    serve_https,
)
from tests.pythonic_handshake import drive

REALM = "PROXYSET.TEST"
SPN = "HTTP/web.proxyset.test"
ATTR = C.SECPKG_CRED_ATTR_KDC_PROXY_SETTINGS
FORCE = C.KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY


@pytest.fixture(scope="module")
def ca() -> CertificateAuthority:
    return CertificateAuthority("kdc proxy settings CA")


@pytest.fixture(scope="module")
def proxy(ca: CertificateAuthority) -> Iterator[HttpsServer]:
    srv = serve_https(memory_kdc_app(MemoryKdc(REALM, {"alice": "Passw0rd!"}, {SPN: "svc-pw"})), ca)
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def no_krb5_conf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRB5_CONFIG", "/nonexistent")
    for name in ("SSPI_EMU_KDC", "SSPI_EMU_REALM"):
        monkeypatch.delenv(name, raising=False)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _client_cred(ca: CertificateAuthority, package: str = "Kerberos") -> S.Credential:
    """A client whose configuration names the realm's KDC, which does not answer (only the proxy is reachable)."""
    tls = S.Credential("Schannel", use="outbound", auth_data=S.SCH_CREDENTIALS(hRootStore=[ca.cert_pem]))
    settings = KerberosSettings(user=f"alice@{REALM}", password="Passw0rd!", realm=REALM, kdc_proxy_credential=tls,
                                kdc=[f"127.0.0.1:{_closed_port()}"], timeout=3.0)
    return S.Credential(package, auth_data=settings)


def _handshake(cred: S.Credential, package: str = "Kerberos") -> S.ServerContext:
    server_cred = S.Credential(package, use="inbound",
                               auth_data=KerberosSettings(service=SPN, password="svc-pw", realm=REALM))
    client = S.ClientContext(package, target=SPN, credential=cred, flags=C.ISC_REQ_MUTUAL_AUTH)
    server = S.ServerContext(package, credential=server_cred)
    drive(client, server)
    return server


def _windows_form(srv: HttpsServer) -> str:
    port = srv.url().split(":")[2].split("/")[0]
    return f"127.0.0.1:{port}:KdcProxy"


@pytest.mark.parametrize("package", ["Kerberos", "Negotiate"])
def test_forced_proxy_set_on_the_credential_carries_every_kdc_request(
        proxy: HttpsServer, ca: CertificateAuthority, package: str) -> None:
    cred = _client_cred(ca, package)
    settings = SecPkgCredentials_KdcProxySettings(Flags=FORCE, ProxyServer=_windows_form(proxy))
    assert S.SetCredentialsAttributes(cred.handle, ATTR, settings) == St.SEC_E_OK
    before = proxy.requests[0]
    server = _handshake(cred, package)
    assert server.peer_name == f"alice@{REALM}"
    assert proxy.requests[0] - before == 3  # AS, AS with pre-authentication, TGS


def test_without_forceproxy_the_kdc_is_tried_first_then_the_proxy(proxy: HttpsServer,
                                                                   ca: CertificateAuthority) -> None:
    cred = _client_cred(ca)
    settings = SecPkgCredentials_KdcProxySettings(ProxyServer=proxy.url())
    assert S.SetCredentialsAttributes(cred.handle, ATTR, settings) == St.SEC_E_OK
    before = proxy.requests[0]
    _handshake(cred)
    assert proxy.requests[0] - before == 3


def test_an_empty_proxy_server_goes_back_to_the_configuration(proxy: HttpsServer, ca: CertificateAuthority) -> None:
    cred = _client_cred(ca)
    assert S.SetCredentialsAttributes(cred.handle, ATTR, SecPkgCredentials_KdcProxySettings(
        Flags=FORCE, ProxyServer=proxy.url())) == St.SEC_E_OK
    assert S.SetCredentialsAttributes(cred.handle, ATTR, SecPkgCredentials_KdcProxySettings()) == St.SEC_E_OK
    client = S.ClientContext("Kerberos", target=SPN, credential=cred)
    with pytest.raises(SspiError) as exc:  # only the configured KDC, which does not answer
        client.step(None)
    assert exc.value.status == St.SEC_E_NO_AUTHENTICATING_AUTHORITY


@pytest.mark.parametrize("settings, status", [
    (SecPkgCredentials_KdcProxySettings(Version=2, ProxyServer="proxy.example"), St.SEC_E_INVALID_PARAMETER),
    (SecPkgCredentials_KdcProxySettings(ProxyServer="proxy.example:not-a-port"), St.SEC_E_INVALID_PARAMETER),
    (SecPkgCredentials_KdcProxySettings(ProxyServer="proxy.example", ClientTlsCred="cert"),
     St.SEC_E_UNSUPPORTED_FUNCTION),
    ("proxy.example", St.SEC_E_INVALID_PARAMETER),
    (None, St.SEC_E_INVALID_PARAMETER),
])
def test_bad_settings_give_statuses(ca: CertificateAuthority, settings: object, status: St) -> None:
    cred = _client_cred(ca)
    assert S.SetCredentialsAttributes(cred.handle, ATTR, settings) == status


def test_other_attributes_packages_and_handles(ca: CertificateAuthority) -> None:
    settings = SecPkgCredentials_KdcProxySettings(ProxyServer="proxy.example")
    assert S.SetCredentialsAttributes(_client_cred(ca).handle, C.SECPKG_CRED_ATTR_NAMES,
                                      S.SecPkgCredentials_Names("x")) == St.SEC_E_UNSUPPORTED_FUNCTION
    ntlm = S.Credential("NTLM", user="DEMO\\alice", password="Passw0rd!")
    assert S.SetCredentialsAttributes(ntlm.handle, ATTR, settings) == St.SEC_E_UNSUPPORTED_FUNCTION
    assert S.SetCredentialsAttributes(S.CredHandle(), ATTR, settings) == St.SEC_E_INVALID_HANDLE
    assert S.SetCredentialsAttributes(ntlm.handle, "3", settings) == St.SEC_E_INVALID_PARAMETER
    own_network = S.Credential("Kerberos", auth_data=KerberosSettings(
        user=f"alice@{REALM}", password="Passw0rd!", transport=lambda realm, request: b""))
    assert S.SetCredentialsAttributes(own_network.handle, ATTR, settings) == St.SEC_E_UNSUPPORTED_FUNCTION


def _order_log(order: str, proxy_fails: bool = False, direct_fails: bool = False) -> list[str]:
    calls: list[str] = []

    def proxy(realm: str, request: bytes) -> bytes:
        calls.append("proxy")
        if proxy_fails:
            raise KdcUnreachable("proxy down")
        return b"via proxy"

    def direct(realm: str, request: bytes) -> bytes:
        calls.append("direct")
        if direct_fails:
            raise KdcUnreachable("kdc down")
        return b"direct"

    transport = RealmTransport(lambda realm: ["https://p/KdcProxy"], proxy, direct, lambda realm: [("kdc", 88)])
    transport.order = order
    try:
        transport("R", b"x")
    except KdcUnreachable:
        calls.append("unreachable")
    return calls


def test_realm_transport_orders() -> None:
    assert _order_log(PROXY_FIRST) == ["proxy"]
    assert _order_log(PROXY_FIRST, proxy_fails=True) == ["proxy", "direct"]
    assert _order_log(DIRECT_FIRST) == ["direct"]
    assert _order_log(DIRECT_FIRST, direct_fails=True) == ["direct", "proxy"]
    assert _order_log(DIRECT_FIRST, direct_fails=True, proxy_fails=True) == ["direct", "proxy", "unreachable"]
    assert _order_log(PROXY_ONLY, proxy_fails=True) == ["proxy", "unreachable"]
