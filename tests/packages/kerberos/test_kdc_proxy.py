"""MS-KKDCP: the KDC-PROXY-MESSAGE codec, the HTTP framing, configuration, and the whole transport
(TLS by our Schannel package through the SSPI) against a test proxy in front of an in-memory KDC."""

from __future__ import annotations

import socket
from typing import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyasn1.codec.der import decoder as der_decoder
from pyasn1.codec.der import encoder as der_encoder
from pyasn1.type import char, namedtype, tag, univ
from sspi_emu_kerberos import KerberosSettings
from sspi_emu_kerberos.config import load_config, parse_krb5_conf
from sspi_emu_kerberos.credentials import KerberosCredential
from sspi_emu_kerberos.kdc_proxy import (
    KdcProxyError,
    KdcProxyMessage,
    KdcProxyTransport,
    RealmTransport,
    decode_proxy_message,
    frame,
    http_request,
    parse_http_response,
    parse_proxy_url,
    unframe,
)
from sspi_emu_kerberos.kdc_proxy_server import KdcProxyServer
from sspi_emu_kerberos.memory_kdc import MemoryKdc
from sspi_emu_kerberos.transport import KdcUnreachable

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.constants import SecurityStatus as St
from sspi_emu.errors import SspiError
from tests.packages.kerberos.test_kdc_proxy_server import (
    CertificateAuthority,
    HttpsServer,
    memory_kdc_app,
    serve_https,
)

REALM = "PROXY.TEST"


class _Reference(univ.Sequence):
    """KDC-PROXY-MESSAGE written from MS-KKDCP 2.2.2 in pyasn1, to cross-check the DER codec."""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("kerb-message", univ.OctetString().subtype(
            explicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatSimple, 0))),
        namedtype.OptionalNamedType("target-domain", char.GeneralString().subtype(
            explicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatSimple, 1))),
        namedtype.OptionalNamedType("dclocator-hint", univ.Integer().subtype(
            explicitTag=tag.Tag(tag.tagClassContext, tag.tagFormatSimple, 2))),
    )


realms = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=40)


# -- codec -------------------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(kerb=st.binary(max_size=600), domain=st.none() | realms, hint=st.none() | st.integers(-(2**31), 2**31 - 1))
def test_proxy_message_round_trip_and_matches_pyasn1(kerb: bytes, domain: str | None, hint: int | None) -> None:
    msg = KdcProxyMessage(kerb, domain, hint)
    blob = msg.encode()
    assert decode_proxy_message(blob) == msg
    ref = _Reference()
    ref["kerb-message"] = kerb
    if domain is not None:
        ref["target-domain"] = domain
    if hint is not None:
        ref["dclocator-hint"] = hint
    if hint is None or hint >= 0:  # pyasn1 pads some negative INTEGERs (-128 as ff80): compare values then
        assert der_encoder.encode(ref) == blob
    back, rest = der_decoder.decode(blob, asn1Spec=_Reference())
    assert not rest and bytes(back["kerb-message"]) == kerb


@settings(max_examples=300, deadline=None)
@given(blob=st.binary(max_size=200))
def test_proxy_message_parser_raises_only_its_error_on_random_bytes(blob: bytes) -> None:
    for data in (blob, b"\x30" + bytes([len(blob) & 0x7F]) + blob):
        try:
            decode_proxy_message(data)
        except KdcProxyError:
            pass


@settings(max_examples=300, deadline=None)
@given(pos=st.integers(0, 10_000), value=st.integers(0, 255), cut=st.integers(0, 10_000))
def test_proxy_message_parser_on_mutated_real_messages(pos: int, value: int, cut: int) -> None:
    real = bytearray(KdcProxyMessage(frame(b"\x6a\x81\x90" + bytes(144)), REALM, 2).encode())
    real[pos % len(real)] = value
    for data in (bytes(real), bytes(real[: cut % len(real)])):
        try:
            msg = decode_proxy_message(data)
        except KdcProxyError:
            continue
        try:
            unframe(msg.kerb_message)
        except KdcProxyError:
            pass


def test_proxy_message_known_encoding() -> None:
    # SEQUENCE { [0] OCTET STRING 00000002 6a00, [1] GeneralString "R" }
    blob = KdcProxyMessage(frame(b"\x6a\x00"), "R").encode()
    assert blob == bytes.fromhex("300fa0080406000000026a00a1031b0152")
    assert unframe(decode_proxy_message(blob).kerb_message) == b"\x6a\x00"
    with pytest.raises(KdcProxyError):
        decode_proxy_message(bytes.fromhex("3005a1031b0152"))  # no kerb-message
    with pytest.raises(KdcProxyError):
        unframe(b"\x00\x00\x00\x05\x6a\x00")  # the prefix says 5 bytes, 2 follow


# -- HTTP ----------------------------------------------------------------------------------------

def test_http_request_is_a_post_of_application_kerberos() -> None:
    url = parse_proxy_url("https://kdc.example:8443/KdcProxy")
    req = http_request(url, b"BODY")
    head, _, body = req.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /KdcProxy HTTP/1.1"
    assert "Host: kdc.example:8443" in lines and "Content-Type: application/kerberos" in lines
    assert "Content-Length: 4" in lines and body == b"BODY"
    assert parse_proxy_url("https://[::1]/p") .port == 443
    for bad in ("http://kdc/KdcProxy", "kdc:88", "https://", "https://h:99999/"):
        with pytest.raises(KdcProxyError):
            parse_proxy_url(bad)


def test_http_response_parsing() -> None:
    ok = b"HTTP/1.1 200 OK\r\nContent-Type: application/kerberos\r\nContent-Length: 3\r\n\r\nabc"
    assert parse_http_response(ok) == (200, {"content-type": "application/kerberos", "content-length": "3"}, b"abc")
    assert parse_http_response(ok[:-1]) is None  # more to come
    with pytest.raises(KdcProxyError):
        parse_http_response(ok[:-1], eof=True)
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1;x=y\r\nc\r\n0\r\n\r\n"
    assert parse_http_response(chunked) == (200, {"transfer-encoding": "chunked"}, b"abc")
    assert parse_http_response(chunked[:-9]) is None
    close = b"HTTP/1.0 503 Service Unavailable\r\n\r\nno KDC"
    assert parse_http_response(close) is None
    assert parse_http_response(close, eof=True) == (503, {}, b"no KDC")


@settings(max_examples=300, deadline=None)
@given(blob=st.binary(max_size=300), eof=st.booleans())
def test_http_response_parser_raises_only_its_error(blob: bytes, eof: bool) -> None:
    for data in (blob, b"HTTP/1.1 200 OK\r\n" + blob, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + blob,
                 b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" + blob):
        try:
            parse_http_response(data, eof)
        except KdcProxyError:
            pass


# -- configuration -------------------------------------------------------------------------------

CONF = """
[libdefaults]
 default_realm = PROXY.TEST
 http_anchors = FILE:/nonexistent/ca.pem
[realms]
 PROXY.TEST = {
  kdc = https://kdcproxy.proxy.test/KdcProxy   # MIT's syntax
  kdc = https://10.0.0.9:8443/kdc;proxy
 }
 DIRECT.TEST = {
  kdc = kdc.direct.test:88
 }
"""


def test_krb5_conf_https_kdc_is_a_proxy() -> None:
    cfg = parse_krb5_conf(CONF)
    assert cfg.proxies_for("PROXY.TEST") == ["https://kdcproxy.proxy.test/KdcProxy", "https://10.0.0.9:8443/kdc;proxy"]
    assert cfg.kdcs_for("PROXY.TEST") == []
    assert cfg.kdcs_for("DIRECT.TEST") == [("kdc.direct.test", 88)] and cfg.proxies_for("DIRECT.TEST") == []
    assert cfg.http_anchors == ["FILE:/nonexistent/ca.pem"] and cfg.anchor_pems() == []


def test_environment_kdc_may_be_a_proxy_url() -> None:
    cfg = load_config({"KRB5_CONFIG": "/nonexistent", "SSPI_EMU_REALM": "LAB.TEST",
                       "SSPI_EMU_KDC": "https://proxy.lab.test/KdcProxy"})
    assert cfg.proxies_for("LAB.TEST") == ["https://proxy.lab.test/KdcProxy"] and cfg.kdcs_for("LAB.TEST") == []


def test_settings_kdc_proxy_windows_and_url_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRB5_CONFIG", "/nonexistent")
    for value, want in (("proxy.lab.test", "https://proxy.lab.test:443/KdcProxy"),
                        ("proxy.lab.test:8443:kdc", "https://proxy.lab.test:8443/kdc"),
                        (["https://p1/KdcProxy"], "https://p1/KdcProxy")):
        cred = KerberosCredential.acquire(None, C.SECPKG_CRED_OUTBOUND,
                                          KerberosSettings(user="alice", password="pw", realm="LAB.TEST",
                                                           kdc_proxy=value))
        assert cred.config.proxies_for("LAB.TEST") == [want]
    with pytest.raises(SspiError) as exc:
        KerberosCredential.acquire(None, C.SECPKG_CRED_OUTBOUND,
                                   KerberosSettings(user="alice", password="pw", realm="LAB.TEST", kdc_proxy="h:x y"))
    assert exc.value.status == St.SEC_E_UNKNOWN_CREDENTIALS


# -- the transport, end to end -------------------------------------------------------------------

@pytest.fixture(scope="module")
def ca() -> CertificateAuthority:
    return CertificateAuthority("kdc proxy unit CA")


@pytest.fixture(scope="module")
def kdc() -> MemoryKdc:
    return MemoryKdc(REALM, {"alice": "Passw0rd!"}, {"HTTP/web.proxy.test": "svc-pw"})


@pytest.fixture(scope="module")
def proxy(ca: CertificateAuthority, kdc: MemoryKdc) -> Iterator[HttpsServer]:
    srv = serve_https(memory_kdc_app(kdc), ca)
    yield srv
    srv.stop()


def tls_credential(ca: CertificateAuthority) -> S.Credential:
    return S.Credential("Schannel", use="outbound", auth_data=S.SCH_CREDENTIALS(hRootStore=[ca.cert_pem]))


def client_settings(url: str, ca: CertificateAuthority, **extra: object) -> KerberosSettings:
    return KerberosSettings(user=f"alice@{REALM}", password="Passw0rd!", kdc_proxy=url,
                            kdc_proxy_credential=tls_credential(ca), timeout=5.0, **extra)  # type: ignore[arg-type]


def test_our_client_through_the_proxy_to_our_acceptor(proxy: HttpsServer, ca: CertificateAuthority,
                                                      kdc: MemoryKdc, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRB5_CONFIG", "/nonexistent")
    before = proxy.requests[0]
    cred = S.Credential("Kerberos", auth_data=client_settings(proxy.url(), ca))
    server_cred = S.Credential("Kerberos", use="inbound",
                               auth_data=KerberosSettings(service="HTTP/web.proxy.test", password="svc-pw",
                                                          realm=REALM))
    client = S.ClientContext("Kerberos", target="HTTP/web.proxy.test", credential=cred,
                             flags=C.ISC_REQ_MUTUAL_AUTH | C.ISC_REQ_CONFIDENTIALITY)
    server = S.ServerContext("Kerberos", credential=server_cred)
    client.step(server.step(client.step(None)))
    assert client.complete and server.complete
    assert server.peer_name == f"alice@{REALM}"
    assert server.unwrap(client.wrap(b"through the proxy")) == b"through the proxy"
    # AS (preauth required), AS again, TGS: every one went through the HTTPS proxy
    assert proxy.requests[0] - before == 3


def test_package_kdc_proxy_server_for_users_tests(ca: CertificateAuthority, kdc: MemoryKdc,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """``KdcProxyServer``: an in-memory KDC behind HTTPS, reached with ``SSPI_EMU_KDC=https://...``."""
    leaf = ca.issue("localhost", hosts=("localhost", "127.0.0.1"))
    with KdcProxyServer(kdc, leaf.cert_pem, leaf.key_pem) as srv:
        monkeypatch.setenv("KRB5_CONFIG", "/nonexistent")
        monkeypatch.setenv("SSPI_EMU_REALM", REALM)
        monkeypatch.setenv("SSPI_EMU_KDC", srv.url)
        settings = KerberosSettings(user="alice", password="Passw0rd!", kdc_proxy_credential=tls_credential(ca),
                                    timeout=5.0)
        client = S.ClientContext("Kerberos", target="HTTP/web.proxy.test",
                                 credential=S.Credential("Kerberos", auth_data=settings))
        token = client.step(None)
        assert token and srv.requests == 3  # AS, AS with pre-authentication, TGS
        assert repr(srv) == f"KdcProxyServer({srv.url!r})"


def test_untrusted_proxy_certificate_is_no_authority(proxy: HttpsServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRB5_CONFIG", "/nonexistent")
    stranger = CertificateAuthority("someone else")
    before = proxy.requests[0]
    cred = S.Credential("Kerberos", auth_data=client_settings(proxy.url(), stranger))
    client = S.ClientContext("Kerberos", target="HTTP/web.proxy.test", credential=cred)
    with pytest.raises(SspiError) as exc:
        client.step(None)
    assert exc.value.status == St.SEC_E_NO_AUTHENTICATING_AUTHORITY
    assert proxy.requests[0] == before  # nothing was posted to a server we do not trust


def test_proxy_name_must_match_the_certificate(ca: CertificateAuthority, kdc: MemoryKdc) -> None:
    srv = serve_https(memory_kdc_app(kdc), ca, hosts=("other.example",))
    try:
        transport = KdcProxyTransport(lambda realm: [srv.url()], 3.0, tls_credential(ca))
        with pytest.raises(KdcUnreachable) as exc:
            transport(REALM, b"\x6a\x00")
        assert "SEC_E_WRONG_PRINCIPAL" in str(exc.value)
        assert srv.requests[0] == 0
    finally:
        srv.stop()


def test_unreachable_proxy_fails_fast_with_no_authority(monkeypatch: pytest.MonkeyPatch,
                                                        ca: CertificateAuthority) -> None:
    monkeypatch.setenv("KRB5_CONFIG", "/nonexistent")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = client_settings(f"https://127.0.0.1:{port}/KdcProxy", ca)
    settings.timeout = 1.5
    cred = S.Credential("Kerberos", auth_data=settings)
    client = S.ClientContext("Kerberos", target="HTTP/web.proxy.test", credential=cred)
    with pytest.raises(SspiError) as exc:
        client.step(None)
    assert exc.value.status == St.SEC_E_NO_AUTHENTICATING_AUTHORITY


def test_proxy_http_error_is_no_authority(ca: CertificateAuthority) -> None:
    def refuse(environ: dict[str, object], start_response: object) -> list[bytes]:
        assert callable(start_response)
        start_response("503 Service Unavailable", [("Content-Length", "6")])
        return [b"no KDC"]

    srv = serve_https(refuse, ca)
    try:
        transport = KdcProxyTransport(lambda realm: [srv.url()], 3.0, tls_credential(ca))
        with pytest.raises(KdcUnreachable) as exc:
            transport(REALM, b"\x6a\x00")
        assert "503" in str(exc.value)
    finally:
        srv.stop()


def test_realms_without_a_proxy_use_the_direct_transport(monkeypatch: pytest.MonkeyPatch,
                                                         ca: CertificateAuthority) -> None:
    monkeypatch.setenv("KRB5_CONFIG", "/nonexistent")
    cred = KerberosCredential.acquire(None, C.SECPKG_CRED_OUTBOUND,
                                      KerberosSettings(user="alice", password="pw", realm="LAB.TEST",
                                                       kdc=["127.0.0.1:1"]))
    assert cred.config.proxies_for("LAB.TEST") == [] and cred.config.kdcs_for("LAB.TEST") == [("127.0.0.1", 1)]
    mixed = KerberosCredential.acquire(None, C.SECPKG_CRED_OUTBOUND,
                                       KerberosSettings(user="alice@LAB.TEST", password="pw",
                                                        kdc=["https://p.lab.test/KdcProxy", "k.lab.test"]))
    assert mixed.config.proxies_for("LAB.TEST") == ["https://p.lab.test/KdcProxy"]
    assert mixed.config.kdcs_for("LAB.TEST") == [("k.lab.test", 88)]


def test_realm_transport_prefers_the_proxy_then_the_kdcs() -> None:
    calls: list[str] = []

    def proxy(realm: str, request: bytes) -> bytes:
        calls.append("proxy")
        if realm == "DOWN.TEST":
            raise KdcUnreachable("proxy down")
        return b"via proxy"

    def direct(realm: str, request: bytes) -> bytes:
        calls.append("direct")
        return b"direct"

    proxies = {"UP.TEST": ["https://p/"], "DOWN.TEST": ["https://p/"], "ONLY.TEST": ["https://p/"]}
    kdcs = {"UP.TEST": [("k", 88)], "DOWN.TEST": [("k", 88)], "PLAIN.TEST": [("k", 88)]}
    t = RealmTransport(lambda r: proxies.get(r, []), proxy, direct, lambda r: kdcs.get(r, []))
    assert t("UP.TEST", b"") == b"via proxy" and calls == ["proxy"]
    assert t("DOWN.TEST", b"") == b"direct" and calls[1:] == ["proxy", "direct"]
    assert t("PLAIN.TEST", b"") == b"direct" and calls[3:] == ["direct"]
    with pytest.raises(KdcUnreachable):
        RealmTransport(lambda r: ["https://p/"], proxy, direct, lambda r: [])("DOWN.TEST", b"")


def test_kdc_proxy_roots_without_a_schannel_credential(proxy: HttpsServer, ca: CertificateAuthority,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRB5_CONFIG", "/nonexistent")
    before = proxy.requests[0]
    settings = KerberosSettings(user=f"alice@{REALM}", password="Passw0rd!", kdc_proxy=proxy.url(),
                                kdc_proxy_roots=[ca.cert_pem], timeout=5.0)
    client = S.ClientContext("Kerberos", target="HTTP/web.proxy.test",
                             credential=S.Credential("Kerberos", auth_data=settings))
    assert client.step(None) and proxy.requests[0] - before == 3
    with pytest.raises(SspiError) as exc:
        S.Credential("Kerberos", auth_data=KerberosSettings(user=f"alice@{REALM}", password="pw",
                                                            kdc_proxy=proxy.url(), kdc_proxy_roots=[42]))
    assert exc.value.status == St.SEC_E_UNKNOWN_CREDENTIALS


def test_krb5_conf_proxy_and_http_anchors_alone(proxy: HttpsServer, ca: CertificateAuthority, tmp_path: object,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Only configuration (MIT's krb5.conf syntax): a plain user/password credential goes through the proxy."""
    ca_path = ca.write_ca(f"{tmp_path}/ca.pem")
    conf = f"{tmp_path}/krb5.conf"
    with open(conf, "w") as fh:
        fh.write(f"[libdefaults]\n default_realm = {REALM}\n[realms]\n {REALM} = {{\n  kdc = {proxy.url()}\n"
                 f"  http_anchors = FILE:{ca_path}\n }}\n")
    monkeypatch.setenv("KRB5_CONFIG", conf)
    before = proxy.requests[0]
    cred = S.Credential("Kerberos", user="alice", password="Passw0rd!")
    client = S.ClientContext("Kerberos", target="HTTP/web.proxy.test", credential=cred)
    assert client.step(None) and proxy.requests[0] - before == 3
    # without the anchor the proxy's certificate is not trusted
    with open(conf, "w") as fh:
        fh.write(f"[libdefaults]\n default_realm = {REALM}\n[realms]\n {REALM} = {{\n  kdc = {proxy.url()}\n }}\n")
    client = S.ClientContext("Kerberos", target="HTTP/web.proxy.test",
                             credential=S.Credential("Kerberos", user="alice", password="Passw0rd!"))
    with pytest.raises(SspiError) as exc:
        client.step(None)
    assert exc.value.status == St.SEC_E_NO_AUTHENTICATING_AUTHORITY
