"""Property tests: random and mutated bytes into the record and handshake parsers and the SSPI legs."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sspi_emu_schannel import testcerts
from sspi_emu_schannel.tls import extensions as ext
from sspi_emu_schannel.tls import messages as m
from sspi_emu_schannel.tls import resumption
from sspi_emu_schannel.tls.codec import TlsError
from sspi_emu_schannel.tls.config import TlsConfig
from sspi_emu_schannel.tls.engine import PeerAlert
from sspi_emu_schannel.tls.records import parse_header, record_need
from sspi_emu_schannel.tls.server import TlsServer

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.buffers import SecBuffer, SecBufferDesc
from sspi_emu.constants import SecurityStatus as St
from sspi_emu.handles import Box
from tests.packages.schannel.schannel_helpers import Endpoint, pair, run_handshake, server_cred

PKI = testcerts.make_ca_and_server("localhost")
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DECODERS = [
    m.ClientHello.decode, m.ServerHello.decode, m.EncryptedExtensions.decode, m.Certificate13.decode,
    m.Certificate12.decode, m.CertificateRequest13.decode, m.CertificateRequest12.decode, m.CertificateVerify.decode,
    m.Finished.decode, m.NewSessionTicket13.decode, m.NewSessionTicket12.decode, m.KeyUpdate.decode, m.ServerKeyExchangeECDHE.decode,
    m.ClientKeyExchangeECDHE.decode, ext.decode_extensions, ext.decode_server_name, ext.decode_u16_vector,
    ext.decode_versions_client, ext.decode_key_share_client, ext.decode_key_share_server, ext.decode_alpn,
    ext.decode_renegotiation_info, ext.decode_cookie, ext.decode_u16, ext.decode_authorities,
    resumption.decode_client_psk,
]


@SETTINGS
@given(st.binary(max_size=300))
def test_message_decoders_only_raise_tls_errors(data):
    for decode in DECODERS:
        try:
            decode(data)
        except TlsError:
            pass


@SETTINGS
@given(st.binary(max_size=40))
def test_record_header_parser(data):
    try:
        need = record_need(data)
        assert need >= 0
        if len(data) >= 5:
            parse_header(data)
    except TlsError:
        pass


def _client_hello() -> bytes:
    client, _server = pair(PKI)
    return client.start()


CLIENT_HELLO = _client_hello()


def _mutate(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for pos, val in edits:
        out[pos % len(out)] = val
    return bytes(out)


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=6))
def test_engine_on_mutated_client_hello(edits):
    server = TlsServer(TlsConfig(certificate_chain=[PKI.server.certificate], private_key=PKI.server.private_key))
    try:
        server.feed(_mutate(CLIENT_HELLO, edits))
        server.take_output()
    except (TlsError, PeerAlert):
        pass


@SETTINGS
@given(st.one_of(st.binary(max_size=400),
                 st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=6).map(
                     lambda e: _mutate(CLIENT_HELLO, e))))
def test_accept_never_raises(data):
    server = Endpoint(server_cred(PKI.server), True)
    server.handshake(data or b"\x16")
    assert isinstance(server.status, St)
    assert server.status != St.SEC_E_INTERNAL_ERROR
    server.delete()


@SETTINGS
@given(edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=4),
       version=st.sampled_from(["1.3", "1.2"]))
def test_initialize_on_mutated_server_flight(edits, version):
    client, server = pair(PKI, version=version)
    flight = server.handshake(client.start())
    client.handshake(_mutate(flight, edits))
    assert isinstance(client.status, St) and client.status != St.SEC_E_INTERNAL_ERROR
    client.delete()
    server.delete()


@SETTINGS
@given(edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=4),
       version=st.sampled_from(["1.3", "1.2"]))
def test_accept_on_mutated_client_flight(edits, version):
    client, server = pair(PKI, version=version)
    second = client.handshake(server.handshake(client.start()))
    server.handshake(_mutate(second, edits))
    assert isinstance(server.status, St) and server.status != St.SEC_E_INTERNAL_ERROR
    client.delete()
    server.delete()


@SETTINGS
@given(st.binary(max_size=64), st.sampled_from([21, 22, 23]))
def test_decrypt_of_validly_protected_junk(payload, inner):
    """Records that authenticate but carry junk (bad alerts, bad post-handshake messages) never crash."""
    from sspi_emu import dispatcher

    client, server = pair(PKI)
    run_handshake(client, server)
    eng = dispatcher.contexts.get(client.ctx).pctx.engine
    record = eng.write.seal(inner, payload)
    bufs = [SecBuffer(C.SECBUFFER_DATA, bytearray(record))] + [SecBuffer() for _ in range(3)]
    status = S.DecryptMessage(server.ctx, SecBufferDesc(bufs), 0, Box())
    assert status != St.SEC_E_INTERNAL_ERROR
    client.delete()
    server.delete()


@SETTINGS
@given(st.binary(max_size=200))
def test_decrypt_message_never_raises(data):
    client, server = pair(PKI)
    run_handshake(client, server)
    bufs = [SecBuffer(C.SECBUFFER_DATA, bytearray(data))] + [SecBuffer() for _ in range(3)]
    status = S.DecryptMessage(server.ctx, SecBufferDesc(bufs), 0, Box())
    assert status != St.SEC_E_INTERNAL_ERROR and status != St.SEC_E_OK
    client.delete()
    server.delete()


@SETTINGS
@given(st.binary(max_size=200))
def test_ticket_opening_never_crashes(data):
    assert resumption.TicketProtector(bytes(32)).open(data) is None


def _resuming_hello() -> tuple[bytes, object]:
    """A ClientHello that offers a session to a ticket-issuing server, and that server's credential."""
    from sspi_emu_schannel import SCH_CREDENTIALS

    from sspi_emu import constants as C
    from tests.packages.schannel.schannel_helpers import acquire, client_cred

    scred = acquire(C.SECPKG_CRED_INBOUND, SCH_CREDENTIALS(paCred=[PKI.server], issue_session_tickets=True))
    ccred = client_cred([PKI.ca.certificate])
    client, server = Endpoint(ccred, False, "localhost"), Endpoint(scred, True)
    run_handshake(client, server)
    client.decrypt(server.encrypt(b"x"))  # picks up the ticket
    again = Endpoint(ccred, False, "localhost")
    return again.start(), scred


RESUMING_HELLO, TICKET_SERVER_CRED = _resuming_hello()


def test_resuming_hello_is_accepted_unmutated():
    server = Endpoint(TICKET_SERVER_CRED, True)
    flight = server.handshake(RESUMING_HELLO)
    assert server.status == St.SEC_I_CONTINUE_NEEDED
    assert len(flight) < 400  # no Certificate / CertificateVerify: the ticket was accepted


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=6))
def test_accept_on_mutated_resuming_client_hello(edits):
    server = Endpoint(TICKET_SERVER_CRED, True)
    server.handshake(_mutate(RESUMING_HELLO, edits))
    assert isinstance(server.status, St) and server.status != St.SEC_E_INTERNAL_ERROR
    server.delete()


@SETTINGS
@given(st.binary(max_size=200))
def test_tls12_ticket_opening_never_raises(data):
    """Random bytes as an RFC 5077 ticket: None, never an exception, never a session."""
    assert resumption.TicketProtector(b"k" * 32).open12(data) is None


@SETTINGS
@given(st.binary(max_size=64), st.integers(min_value=0, max_value=300))
def test_client_hello_with_random_tls12_ticket_is_a_full_handshake(ticket, cut):
    """A TLS 1.2 ClientHello carrying garbage in session_ticket: the server runs a full handshake (or refuses)."""
    from sspi_emu_schannel import SCH_CREDENTIALS, TLS_PARAMETERS

    from tests.packages.schannel.schannel_helpers import acquire

    only12 = [TLS_PARAMETERS(grbitDisabledProtocols=C.SP_PROT_TLS1_3)]
    scred = acquire(C.SECPKG_CRED_INBOUND, SCH_CREDENTIALS(paCred=[PKI.server], pTlsParameters=only12))
    client = Endpoint(acquire(C.SECPKG_CRED_OUTBOUND, SCH_CREDENTIALS(hRootStore=[PKI.ca.certificate],
                                                                       pTlsParameters=only12)), False, "localhost")
    raw = client.start()
    ch = m.ClientHello.decode(raw[9:])
    assert ext.find(ch.extensions, 35) == b""  # the empty session_ticket extension
    exts = [(t, ticket if t == 35 else v) for t, v in ch.extensions]
    body = m.ClientHello(ch.random, ch.session_id or b"\x01" * 32, ch.cipher_suites, exts).encode()
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    record = b"\x16\x03\x01" + len(hs).to_bytes(2, "big") + hs
    server = Endpoint(scred, True)
    server.handshake(record[:max(cut, 5)] if cut < len(record) else record)
    assert server.status is not None
    if cut >= len(record):
        assert server.status == St.SEC_I_CONTINUE_NEEDED  # a full handshake: the garbage ticket is ignored
    else:
        assert server.status in (St.SEC_I_CONTINUE_NEEDED, St.SEC_E_INCOMPLETE_MESSAGE) or server.status.is_error
    assert server.status != St.SEC_E_INTERNAL_ERROR


@SETTINGS
@given(st.binary(max_size=300))
def test_post_handshake_auth_messages_only_raise_tls_errors(data):
    """Random handshake bytes while a server waits on a post-handshake Certificate, or as a client's
    CertificateRequest: TlsError (an alert), never another exception."""
    from sspi_emu_schannel.tls.keyschedule import KeySchedule13
    from sspi_emu_schannel.tls.post_auth import make_request, server_receive

    schedule = KeySchedule13("sha256", None)
    for msg_type in (11, 15, 20):
        _raw, pending = make_request(b"transcript", (0x0403,), [])
        pending.expect = msg_type
        try:
            server_receive(pending, msg_type, data, b"\x00" + data, schedule, bytes(32), (0x0403,))
        except TlsError:
            pass
    try:
        m.CertificateRequest13.decode(data)
    except TlsError:
        pass


@SETTINGS
@given(st.binary(min_size=1, max_size=200), st.integers(min_value=0, max_value=2))
def test_random_post_handshake_auth_answers_through_decrypt_message(payload, kind):
    """A server waiting on a post-handshake client certificate gets random handshake bytes: an error status."""
    from sspi_emu_schannel import SCH_CREDENTIALS
    from sspi_emu_schannel.tls.constants import ContentType

    from sspi_emu import dispatcher
    from tests.packages.schannel.schannel_helpers import acquire

    client_cert = testcerts.issue(PKI.ca, "alice", client=True)
    ccred = acquire(C.SECPKG_CRED_OUTBOUND, SCH_CREDENTIALS(hRootStore=[PKI.ca.certificate], paCred=[client_cert]))
    scred = acquire(C.SECPKG_CRED_INBOUND, SCH_CREDENTIALS(paCred=[PKI.server], hRootStore=[PKI.ca.certificate]))
    client, server = Endpoint(ccred, False, "localhost"), Endpoint(scred, True)
    run_handshake(client, server)
    server.req |= C.ASC_REQ_MUTUAL_AUTH
    status, request = server._leg(None)
    assert status == St.SEC_E_OK and request
    ceng = dispatcher.contexts.get(client.ctx).pctx.engine
    message = bytes((11, 15, 20)[kind:kind + 1]) + len(payload).to_bytes(3, "big") + payload
    record = ceng.write.seal(ContentType.HANDSHAKE, message)
    mem = bytearray(record)
    bufs = [SecBuffer(C.SECBUFFER_DATA, mem)] + [SecBuffer(C.SECBUFFER_EMPTY, None, 0) for _ in range(3)]
    status = S.DecryptMessage(server.ctx, SecBufferDesc(bufs), 0, Box())
    assert status != St.SEC_E_INTERNAL_ERROR
    assert status.is_error or status == St.SEC_I_RENEGOTIATE
