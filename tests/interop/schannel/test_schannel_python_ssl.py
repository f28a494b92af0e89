"""Interop with Python's ssl module (OpenSSL) through MemoryBIO, both directions, TLS 1.2 and 1.3."""

from __future__ import annotations

import ssl

import pytest

from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgContext_CipherInfo
from sspi_emu.constants import SecurityStatus as St
from tests.packages.schannel.schannel_helpers import Endpoint, client_cred, server_cred

pytestmark = pytest.mark.interop

VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


class SslPeer:
    """An ssl.SSLObject over memory BIOs."""

    def __init__(self, ctx: ssl.SSLContext, server: bool, hostname: str | None = None) -> None:
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.incoming, self.outgoing, server_side=server, server_hostname=hostname)
        self.done = False
        self.error: Exception | None = None
        self.pending = b""

    def handshake(self, data: bytes) -> bytes:
        if data:
            self.incoming.write(data)
        try:
            self.obj.do_handshake()
            self.done = True
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
        except ssl.SSLError as exc:
            self.error = exc
        return self.outgoing.read()

    def send(self, data: bytes) -> bytes:
        self.obj.write(data)
        return self.outgoing.read()

    def recv(self, data: bytes, n: int) -> bytes:
        self.incoming.write(data)
        out = b""
        while len(out) < n:
            try:
                chunk = self.obj.read(n - len(out))
            except ssl.SSLWantReadError:
                break
            if not chunk:
                break
            out += chunk
        return out


def server_ctx(pki, version: str, ciphers: str | None = None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ctx.maximum_version = VERSIONS[version]
    ctx.load_cert_chain(pki.server_cert, pki.server_key)
    if ciphers:
        ctx.set_ciphers(ciphers)
    return ctx


def client_ctx(pki, version: str, ciphers: str | None = None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ctx.maximum_version = VERSIONS[version]
    ctx.load_verify_locations(pki.ca_file)
    if ciphers:
        ctx.set_ciphers(ciphers)
    return ctx


def our_client_vs_ssl(pki, version: str, target: str = "localhost", server_cert=None, ciphers=None):
    ctx = server_ctx(pki, version, ciphers)
    if server_cert is not None:
        ctx.load_cert_chain(*server_cert)
    peer = SslPeer(ctx, True)
    ours = Endpoint(client_cred([pki.ca.certificate]), False, target)
    data = ours.start()
    for _ in range(6):
        reply = peer.handshake(data)
        data = ours.handshake(reply)
        if ours.status is not None and ours.status.is_error:
            peer.handshake(ours.alert)
            break
        if ours.complete:
            if data:
                peer.pending = peer.handshake(data)  # TLS 1.3: NewSessionTickets follow
            break
    return ours, peer


@pytest.mark.parametrize("version", ["1.3", "1.2"])
def test_our_client_python_ssl_server(pem_pki, version):
    ours, peer = our_client_vs_ssl(pem_pki, version)
    assert ours.status == St.SEC_E_OK and peer.done
    assert peer.obj.version() == ("TLSv1.3" if version == "1.3" else "TLSv1.2")
    assert peer.recv(ours.encrypt(b"GET / HTTP/1.0\r\n\r\n"), 18) == b"GET / HTTP/1.0\r\n\r\n"
    reply = b"HTTP/1.0 200 OK\r\n\r\n" + b"x" * 40000
    assert ours.decrypt(peer.pending + peer.send(reply)) == reply  # TLS 1.3 tickets arrive first: SEC_I_RENEGOTIATE then data


@pytest.mark.parametrize("version", ["1.3", "1.2"])
def test_python_ssl_client_our_server(pem_pki, version):
    peer = SslPeer(client_ctx(pem_pki, version), False, "localhost")
    ours = Endpoint(server_cred(pem_pki.server), True)
    data = peer.handshake(b"")
    for _ in range(6):
        data = peer.handshake(ours.handshake(data))
        if peer.done and ours.complete:
            break
        if data:
            continue
    if data:
        ours.handshake(data)
    assert ours.complete and peer.done and peer.error is None
    assert peer.obj.version() == ("TLSv1.3" if version == "1.3" else "TLSv1.2")
    assert ours.decrypt(peer.send(b"hello from openssl" * 1000)) == b"hello from openssl" * 1000
    assert peer.recv(ours.encrypt(b"hello from sspi-emu"), 19) == b"hello from sspi-emu"


@pytest.mark.parametrize("cipher,rsa", [
    ("ECDHE-ECDSA-AES128-GCM-SHA256", False), ("ECDHE-ECDSA-AES256-GCM-SHA384", False),
    ("ECDHE-ECDSA-CHACHA20-POLY1305", False), ("ECDHE-RSA-AES128-GCM-SHA256", True),
    ("ECDHE-RSA-AES256-GCM-SHA384", True), ("ECDHE-RSA-CHACHA20-POLY1305", True),
])
def test_tls12_suites_with_python_ssl(pem_pki, rsa_pem_pki, cipher, rsa):
    pki = rsa_pem_pki if rsa else pem_pki
    peer = SslPeer(client_ctx(pki, "1.2", cipher), False, "localhost")
    ours = Endpoint(server_cred(pki.server), True)
    data = peer.handshake(b"")
    while not (peer.done and ours.complete) and peer.error is None:
        data = peer.handshake(ours.handshake(data))
    assert peer.obj.cipher()[0] == cipher
    info = SecPkgContext_CipherInfo()
    assert ours.query(C.SECPKG_ATTR_CIPHER_INFO, info) == St.SEC_E_OK
    assert ours.decrypt(peer.send(b"suite check")) == b"suite check"
    # and our client against an ssl server restricted to the same suite
    ours_c, srv = our_client_vs_ssl(pki, "1.2", ciphers=cipher)
    assert ours_c.status == St.SEC_E_OK and srv.obj.cipher()[0] == cipher
    assert srv.recv(ours_c.encrypt(b"abc"), 3) == b"abc"
    assert ours_c.decrypt(srv.pending + srv.send(b"def")) == b"def"


def test_failures_against_python_ssl_server(pem_pki):
    # wrong name
    ours, peer = our_client_vs_ssl(pem_pki, "1.3", target="not-localhost.example")
    assert ours.status == St.SEC_E_WRONG_PRINCIPAL and ours.alert
    assert peer.error is not None  # the alert reached OpenSSL
    # expired certificate
    ours, peer = our_client_vs_ssl(pem_pki, "1.2", server_cert=(pem_pki.expired_cert, pem_pki.expired_key))
    assert ours.status == St.SEC_E_CERT_EXPIRED and peer.error is not None
    # untrusted root: our client trusts nothing but the system store
    ctx = server_ctx(pem_pki, "1.3")
    peer = SslPeer(ctx, True)
    ours = Endpoint(client_cred([]), False, "localhost")
    data = ours.start()
    for _ in range(3):
        data = ours.handshake(peer.handshake(data))
        if ours.status is not None and ours.status.is_error:
            break
    assert ours.status == St.SEC_E_UNTRUSTED_ROOT
    assert ours.alert
    peer.handshake(ours.alert)
    assert "UNKNOWN_CA" in str(peer.error).upper() or "unknown ca" in str(peer.error).lower()


def test_python_ssl_client_rejects_our_server(pem_pki, tmp_path):
    """OpenSSL refuses a certificate from an unknown CA and tells our server with an alert."""
    from tests.interop.schannel.conftest import make_pem_pki

    other = make_pem_pki(tmp_path)
    peer = SslPeer(client_ctx(pem_pki, "1.3"), False, "localhost")
    ours = Endpoint(server_cred(other.server), True)
    data = peer.handshake(b"")
    data = peer.handshake(ours.handshake(data))
    assert isinstance(peer.error, ssl.SSLCertVerificationError)
    ours.handshake(data)
    assert ours.status == St.SEC_E_ILLEGAL_MESSAGE


def test_client_certificate_to_python_ssl_server(pem_pki):
    from sspi_emu_schannel import SCH_CREDENTIALS

    from tests.packages.schannel.schannel_helpers import acquire

    for version in ("1.3", "1.2"):
        ctx = server_ctx(pem_pki, version)
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(pem_pki.ca_file)
        peer = SslPeer(ctx, True)
        cred = acquire(C.SECPKG_CRED_OUTBOUND, SCH_CREDENTIALS(paCred=[pem_pki.client], hRootStore=[pem_pki.ca.certificate]))
        ours = Endpoint(cred, False, "localhost")
        data = ours.start()
        for _ in range(4):
            data = ours.handshake(peer.handshake(data))
            if ours.complete:
                peer.pending = peer.handshake(data)
                break
        assert ours.status == St.SEC_E_OK and peer.done and peer.error is None, (version, peer.error)
        assert peer.obj.getpeercert()["subject"][0][0][1] == "client.example"
        assert peer.recv(ours.encrypt(b"authenticated"), 13) == b"authenticated"
        assert ours.decrypt(peer.pending + peer.send(b"welcome")) == b"welcome"


@pytest.mark.parametrize("extra_to_isc", [True, False])
def test_session_tickets_surface_as_renegotiate(pem_pki, extra_to_isc):
    """OpenSSL sends two NewSessionTickets after a TLS 1.3 handshake: DecryptMessage reports
    SEC_I_RENEGOTIATE, the caller runs InitializeSecurityContext (with the EXTRA bytes or none),
    and the data behind the tickets is then decrypted."""
    ours, peer = our_client_vs_ssl(pem_pki, "1.3")  # Python's ssl server sends 2 tickets by default
    ours.extra_to_isc = extra_to_isc
    assert ours.status == St.SEC_E_OK
    assert ours.decrypt(peer.pending + peer.send(b"after tickets")) == b"after tickets"
    assert ours.renegotiations == 2


def test_alpn_with_python_ssl(pem_pki):
    from sspi_emu.attributes import SecPkgContext_ApplicationProtocol
    from tests.packages.schannel.test_schannel_alpn import AlpnEndpoint

    # our client, OpenSSL server
    ctx = server_ctx(pem_pki, "1.3")
    ctx.set_alpn_protocols(["http/1.1"])
    peer = SslPeer(ctx, True)
    ours = AlpnEndpoint(client_cred([pem_pki.ca.certificate]), False, "localhost", protocols=[b"h2", b"http/1.1"])
    data = ours.start()
    while not ours.complete and not (ours.status is not None and ours.status.is_error):
        data = ours.handshake(peer.handshake(data))
    peer.handshake(data)
    assert peer.obj.selected_alpn_protocol() == "http/1.1"
    proto = SecPkgContext_ApplicationProtocol()
    assert ours.query(C.SECPKG_ATTR_APPLICATION_PROTOCOL, proto) == St.SEC_E_OK and proto.ProtocolId == b"http/1.1"
    # OpenSSL client, our server
    cctx = client_ctx(pem_pki, "1.2")
    cctx.set_alpn_protocols(["h2", "http/1.1"])
    peer = SslPeer(cctx, False, "localhost")
    ours = AlpnEndpoint(server_cred(pem_pki.server), True, protocols=[b"h2"])
    data = peer.handshake(b"")
    while not (peer.done and ours.complete) and peer.error is None:
        data = peer.handshake(ours.handshake(data))
    assert peer.obj.selected_alpn_protocol() == "h2"


def test_tls_unique_matches_openssl(pem_pki):
    from sspi_emu.attributes import SecPkgContext_Bindings

    # our client, OpenSSL server
    ours, peer = our_client_vs_ssl(pem_pki, "1.2")
    got = SecPkgContext_Bindings()
    assert ours.query(C.SECPKG_ATTR_UNIQUE_BINDINGS, got) == St.SEC_E_OK
    assert got.Bindings[32:] == b"tls-unique:" + peer.obj.get_channel_binding("tls-unique")
    # OpenSSL client, our server
    peer = SslPeer(client_ctx(pem_pki, "1.2"), False, "localhost")
    ours = Endpoint(server_cred(pem_pki.server), True)
    data = peer.handshake(b"")
    while not (peer.done and ours.complete) and peer.error is None:
        data = peer.handshake(ours.handshake(data))
    got = SecPkgContext_Bindings()
    assert ours.query(C.SECPKG_ATTR_UNIQUE_BINDINGS, got) == St.SEC_E_OK
    assert got.Bindings[32:] == b"tls-unique:" + peer.obj.get_channel_binding("tls-unique")


@pytest.mark.parametrize("version", ["1.3", "1.2"])
def test_optional_client_certificate_with_python_ssl(pem_pki, version):
    """OpenSSL asks for an optional certificate: SEC_I_INCOMPLETE_CREDENTIALS, then on without one."""
    ctx = server_ctx(pem_pki, version)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.load_verify_locations(pem_pki.ca_file)
    peer = SslPeer(ctx, True)
    ours = Endpoint(client_cred([pem_pki.ca.certificate]), False, "localhost")
    data = ours.start()
    for _ in range(4):
        data = ours.handshake(peer.handshake(data))
        if ours.complete:
            peer.pending = peer.handshake(data)
            break
    assert ours.incomplete_credentials == 1 and ours.status == St.SEC_E_OK
    assert peer.done and peer.obj.getpeercert() is None
    assert peer.recv(ours.encrypt(b"anonymous"), 9) == b"anonymous"


@pytest.mark.parametrize("version", ["1.3"])
def test_resumption_with_python_ssl_server(pem_pki, version):
    """Our client keeps OpenSSL's ticket and resumes with the same credential and target.

    (TLS 1.2 session-id resumption is checked against openssl s_server: Python's ssl server
    does not resume sessions by id without tickets.)"""
    from sspi_emu.attributes import SecPkgContext_SessionInfo

    ctx = server_ctx(pem_pki, version)
    ccred = client_cred([pem_pki.ca.certificate], version)
    for attempt in range(2):
        peer = SslPeer(ctx, True)
        ours = Endpoint(ccred, False, "localhost")
        data = ours.start()
        for _ in range(4):
            data = ours.handshake(peer.handshake(data))
            if ours.complete:
                peer.pending = peer.handshake(data)
                break
        assert ours.status == St.SEC_E_OK and peer.done
        assert ours.decrypt(peer.pending + peer.send(b"hi")) == b"hi"
        info = SecPkgContext_SessionInfo()
        assert ours.query(C.SECPKG_ATTR_SESSION_INFO, info) == St.SEC_E_OK
        assert peer.obj.session_reused == bool(attempt) == bool(info.dwFlags & 1)


@pytest.mark.parametrize("version", ["1.3", "1.2"])
def test_resumption_python_ssl_client(pem_pki, version):
    """OpenSSL's client resumes with the ticket our server issued (TLS 1.3, or TLS 1.2 by RFC 5077)."""
    from sspi_emu_schannel import SCH_CREDENTIALS

    from sspi_emu.attributes import SecPkgContext_SessionInfo
    from tests.packages.schannel.schannel_helpers import acquire

    cctx = client_ctx(pem_pki, version)
    scred = acquire(C.SECPKG_CRED_INBOUND, SCH_CREDENTIALS(paCred=[pem_pki.server], issue_session_tickets=True))
    session = None
    for attempt in range(2):
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = cctx.wrap_bio(incoming, outgoing, server_hostname="localhost", session=session)
        ours = Endpoint(scred, True)
        done = False
        for _ in range(5):
            try:
                obj.do_handshake()
                done = True
            except ssl.SSLWantReadError:
                pass
            reply = ours.handshake(outgoing.read())
            incoming.write(reply)
            if done and ours.complete:
                break
        assert done and ours.complete
        incoming.write(ours.encrypt(b"data"))
        assert obj.read(4) == b"data"  # also reads our NewSessionTicket
        info = SecPkgContext_SessionInfo()
        assert ours.query(C.SECPKG_ATTR_SESSION_INFO, info) == St.SEC_E_OK
        assert obj.session_reused == bool(attempt) == bool(info.dwFlags & 1)
        session = obj.session
        assert session is not None and session.has_ticket  # TLS 1.2: an RFC 5077 ticket from our server
