"""TLS 1.2 session tickets (RFC 5077), client and server, under the session cache's reuse rules."""

from __future__ import annotations

import pytest
from sspi_emu_schannel import SCH_CREDENTIALS, TLS_PARAMETERS, testcerts
from sspi_emu_schannel.tls import extensions as ext
from sspi_emu_schannel.tls.constants import ExtensionType, HandshakeType
from sspi_emu_schannel.tls.messages import ClientHello, ServerHello

from sspi_emu import constants as C
from sspi_emu import dispatcher, entropy
from sspi_emu.attributes import SecPkgContext_SessionInfo
from sspi_emu.constants import SecurityStatus as St
from tests.packages.schannel.schannel_helpers import Endpoint, acquire

PKI = testcerts.make_ca_and_server("localhost")
ONLY12 = [TLS_PARAMETERS(grbitDisabledProtocols=C.SP_PROT_TLS1_3)]


def ccred(**kw):
    return acquire(C.SECPKG_CRED_OUTBOUND, SCH_CREDENTIALS(hRootStore=[PKI.ca.certificate], pTlsParameters=ONLY12, **kw))


def scred(**kw):
    return acquire(C.SECPKG_CRED_INBOUND, SCH_CREDENTIALS(paCred=[PKI.server], pTlsParameters=ONLY12, **kw))


def _message(record_bytes: bytes, wanted: int) -> bytes:
    """The body of the first handshake message of type *wanted* in plaintext records."""
    off = 0
    while off + 5 <= len(record_bytes):
        length = int.from_bytes(record_bytes[off + 3:off + 5], "big")
        body = record_bytes[off + 5:off + 5 + length]
        if record_bytes[off] == 22:
            i = 0
            while i + 4 <= len(body):
                n = int.from_bytes(body[i + 1:i + 4], "big")
                if body[i] == wanted:
                    return body[i + 4:i + 4 + n]
                i += 4 + n
        off += 5 + length
    raise AssertionError(f"no handshake message {wanted}")


def connect(client_cred, server_cred, target="localhost"):
    client, server = Endpoint(client_cred, False, target), Endpoint(server_cred, True)
    hello = client.start()
    flight = server.handshake(hello)
    to_server = client.handshake(flight)
    last = server.handshake(to_server)
    if not client.complete:
        client.handshake(last)
    if not server.complete:
        server.handshake(client.handshake(b"") or b"")
    assert client.complete and server.complete, (client.status, server.status)
    assert server.decrypt(client.encrypt(b"ping")) == b"ping"
    assert client.decrypt(server.encrypt(b"pong")) == b"pong"
    return client, server, ClientHello.decode(_message(hello, HandshakeType.CLIENT_HELLO)), ServerHello.decode(
        _message(flight, HandshakeType.SERVER_HELLO))


def resumed(ep) -> bool:
    info = SecPkgContext_SessionInfo()
    assert ep.query(C.SECPKG_ATTR_SESSION_INFO, info) == St.SEC_E_OK
    return bool(info.dwFlags & 1)


def _server_credential_object(handle):
    return dispatcher.credentials.get(handle).cred


@pytest.mark.contract("ISC-SESSION-CACHE")
def test_ticket_issued_and_resumed_without_the_server_session_cache():
    cc, sc = ccred(), scred()
    client, server, hello, sh = connect(cc, sc)
    assert ext.find(hello.extensions, ExtensionType.SESSION_TICKET) == b""  # offered, empty
    assert ext.find(sh.extensions, ExtensionType.SESSION_TICKET) == b""  # the server will send one
    assert not resumed(client) and not resumed(server)
    # the server forgets its session-id cache: only the ticket can resume the session now
    _server_credential_object(sc)._session_store = None
    again, again_server, hello2, sh2 = connect(cc, sc)
    ticket = ext.find(hello2.extensions, ExtensionType.SESSION_TICKET)
    assert ticket and len(hello2.session_id) == 32
    assert sh2.session_id == hello2.session_id  # RFC 5077 3.4: echoed when the ticket is taken
    assert resumed(again) and resumed(again_server)
    # the ticket stays usable for a third connection
    third, third_server, hello3, _ = connect(cc, sc)
    assert resumed(third) and ext.find(hello3.extensions, ExtensionType.SESSION_TICKET) == ticket
    assert hello3.session_id != hello2.session_id


@pytest.mark.contract("ISC-SESSION-CACHE")
def test_ticket_reuse_rules_target_credential_expiry():
    cc, sc = ccred(dwFlags=C.SCH_CRED_NO_SERVERNAME_CHECK), scred()
    connect(cc, sc)
    other_target, _, hello, _ = connect(cc, sc, target="127.0.0.1")
    assert not resumed(other_target)  # another target name (the session stays cached for localhost)
    other_cred, _, hello, _ = connect(ccred(), sc)
    assert not resumed(other_cred) and ext.find(hello.extensions, ExtensionType.SESSION_TICKET) == b""
    first, _, _, _ = connect(cc, sc)
    assert resumed(first)
    lifespan = acquire(C.SECPKG_CRED_OUTBOUND, SCH_CREDENTIALS(
        hRootStore=[PKI.ca.certificate], pTlsParameters=ONLY12, dwSessionLifespan=1000))
    connect(lifespan, sc)
    now = entropy.now()
    with entropy.pinned(entropy.PinnedEntropy(seed=b"later", clock=now + 5)):
        late, _, hello, _ = connect(lifespan, sc)
    assert not resumed(late) and ext.find(hello.extensions, ExtensionType.SESSION_TICKET) == b""


def test_ticket_of_another_server_gives_a_full_handshake():
    cc = ccred()
    connect(cc, scred())
    client, server, hello, _ = connect(cc, scred())  # another server credential: another ticket key
    assert ext.find(hello.extensions, ExtensionType.SESSION_TICKET)
    assert not resumed(client) and not resumed(server)


def test_no_tickets_when_the_server_credential_says_so():
    cc = ccred()
    client, server, hello, sh = connect(cc, scred(issue_session_tickets=False))
    assert ext.find(sh.extensions, ExtensionType.SESSION_TICKET) is None


def test_no_ticket_extension_with_reconnects_disabled():
    client, _, hello, _ = connect(ccred(dwFlags=C.SCH_CRED_DISABLE_RECONNECTS), scred())
    assert ext.find(hello.extensions, ExtensionType.SESSION_TICKET) is None


def test_forged_or_mangled_tickets_never_resume():
    from sspi_emu_schannel.tls.resumption import ServerSession12, TicketProtector

    key = TicketProtector(b"k" * 32)
    ticket = key.seal12(ServerSession12(b"m" * 48, 0xC02B, True, 0.0, 10.0))
    opened = key.open12(ticket)
    assert opened is not None and opened.master_secret == b"m" * 48 and opened.extended_master_secret
    assert key.open12(ticket[:-1] + bytes([ticket[-1] ^ 1])) is None
    assert TicketProtector(b"x" * 32).open12(ticket) is None
    assert key.open(ticket) is None  # a TLS 1.2 ticket is no TLS 1.3 ticket
    assert key.open12(b"") is None
