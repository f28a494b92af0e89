"""Post-handshake messages as Windows callers see them.

DecryptMessage of a record carrying a handshake message (TLS 1.3 NewSessionTicket / KeyUpdate,
a TLS 1.2 HelloRequest) returns SEC_I_RENEGOTIATE with the message at the start of
SECBUFFER_EXTRA; the caller hands EXTRA to ISC/ASC as the TOKEN, which returns the answer
(if any) and the bytes after the message as EXTRA again.
"""

from __future__ import annotations

from sspi_emu_schannel import SCH_CREDENTIALS, testcerts

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu import dispatcher
from sspi_emu.attributes import SecPkgContext_SessionInfo
from sspi_emu.buffers import SecBuffer, SecBufferDesc
from sspi_emu.constants import SecurityStatus as St
from sspi_emu.handles import Box
from tests.packages.schannel.schannel_helpers import Endpoint, client_cred, pair, run_handshake, server_cred

PKI = testcerts.make_ca_and_server("localhost")
NEW_SESSION_TICKET = 4
KEY_UPDATE = 24


def decrypt_once(ep: Endpoint, data: bytes) -> tuple[St, bytes, bytes]:
    """One DecryptMessage call: (status, DATA, EXTRA)."""
    mem = bytearray(data)
    bufs = [SecBuffer(C.SECBUFFER_DATA, mem)] + [SecBuffer(C.SECBUFFER_EMPTY, None, 0) for _ in range(3)]
    status = S.DecryptMessage(ep.ctx, SecBufferDesc(bufs), 0, Box())
    plain = next((b.tobytes() for b in bufs if b.BufferType == C.SECBUFFER_DATA), b"")
    extra = next((b.tobytes() for b in bufs if b.BufferType == C.SECBUFFER_EXTRA), b"")
    return status, plain, extra


def leg_with_token(ep: Endpoint, token: bytes) -> tuple[St, bytes, bytes]:
    """One ISC/ASC leg with *token* as SECBUFFER_TOKEN: (status, output token, EXTRA)."""
    tok = SecBuffer(C.SECBUFFER_TOKEN, token)
    empty = SecBuffer(C.SECBUFFER_EMPTY, None, 0)
    status, out = ep._leg(SecBufferDesc([tok, empty]))
    extra = token[len(token) - empty.cbBuffer:] if empty.BufferType == C.SECBUFFER_EXTRA and empty.cbBuffer else b""
    return status, out, extra


def handshake_keeping_final_token(version: str = "1.3") -> tuple[Endpoint, Endpoint, bytes]:
    """A handshake where the server's last token (tickets) is kept back, not given to the client."""
    client, server = pair(PKI, version=version)
    to_server = client.start()
    to_client = server.handshake(to_server)
    to_server = client.handshake(to_client)
    final = server.handshake(to_server)
    assert client.complete and server.complete
    return client, server, final


def resumed(ep: Endpoint) -> bool:
    info = SecPkgContext_SessionInfo()
    assert ep.query(C.SECPKG_ATTR_SESSION_INFO, info) == St.SEC_E_OK
    return bool(info.dwFlags & 1)


def test_server_issues_tickets_by_default_in_its_last_token():
    _client, _server, final = handshake_keeping_final_token("1.3")
    assert final and final[0] == 23  # a protected record: the NewSessionTicket


def test_ticket_surfaces_as_renegotiate_with_the_message_in_extra():
    client, server, final = handshake_keeping_final_token("1.3")
    app = server.encrypt(b"after the ticket")
    status, plain, extra = decrypt_once(client, final + app)
    assert status == St.SEC_I_RENEGOTIATE and plain == b""
    assert extra[0] == NEW_SESSION_TICKET and extra.endswith(app)
    message_len = 4 + int.from_bytes(extra[1:4], "big")
    assert len(extra) == message_len + len(app)
    # the Windows pattern: EXTRA to ISC as the TOKEN; the ticket is taken, the rest comes back as EXTRA
    status, out, rest = leg_with_token(client, extra)
    assert status == St.SEC_E_OK and out == b"" and rest == app
    status, plain, extra = decrypt_once(client, rest)
    assert status == St.SEC_E_OK and plain == b"after the ticket" and extra == b""


def test_ticket_taken_through_isc_is_used_for_resumption():
    ccred, scred = client_cred([PKI.ca.certificate]), server_cred(PKI.server)
    client, server = Endpoint(ccred, False, "localhost"), Endpoint(scred, True)
    client.extra_to_isc = True
    run_handshake(client, server)
    assert client.decrypt(server.encrypt(b"x")) == b"x" and client.renegotiations == 1
    again, again_server = Endpoint(ccred, False, "localhost"), Endpoint(scred, True)
    run_handshake(again, again_server)
    assert resumed(again) and resumed(again_server)


def test_final_token_given_to_isc_is_processed():
    """A caller that hands the server's last token to ISC (as for any other leg): tickets taken there."""
    client, server, final = handshake_keeping_final_token("1.3")
    app = server.encrypt(b"data")
    status, out, rest = leg_with_token(client, final + app)
    assert status == St.SEC_E_OK and out == b"" and rest == app
    status, plain, _ = decrypt_once(client, rest)
    assert status == St.SEC_E_OK and plain == b"data"
    ceng = dispatcher.contexts.get(client.ctx).pctx.engine
    assert len(ceng.tickets) == 1


def test_key_update_answer_comes_from_the_leg_and_keys_switch_then():
    client, server = pair(PKI, version="1.3")
    run_handshake(client, server)
    ceng = dispatcher.contexts.get(client.ctx).pctx.engine
    ceng.request_key_update(request_peer=True)
    update = ceng.take_output()
    status, _plain, extra = decrypt_once(server, update + client.encrypt(b"new keys"))
    assert status == St.SEC_I_RENEGOTIATE and extra[0] == KEY_UPDATE
    # before the server's ASC leg, its records still use the old sending keys
    early = server.encrypt(b"before the answer")
    status, answer, rest = leg_with_token(server, extra)
    assert status == St.SEC_E_OK and answer and answer[0] == 23
    status, plain, _ = decrypt_once(server, rest)
    assert status == St.SEC_E_OK and plain == b"new keys"
    late = server.encrypt(b"after the answer")
    before = client.renegotiations
    assert client.decrypt(early + answer + late) == b"before the answerafter the answer"
    assert client.renegotiations > before and client.pending_output == b""  # update_not_requested: no answer


def test_key_update_with_a_leg_without_input():
    """Callers that call ISC/ASC with no input after SEC_I_RENEGOTIATE, then decrypt EXTRA, still work."""
    client, server = pair(PKI, version="1.3")
    run_handshake(client, server)
    ceng = dispatcher.contexts.get(client.ctx).pctx.engine
    ceng.request_key_update(request_peer=True)
    assert server.decrypt(ceng.take_output() + client.encrypt(b"a") + client.encrypt(b"b")) == b"ab"
    assert server.pending_output and server.renegotiations == 1
    assert client.decrypt(server.pending_output + server.encrypt(b"c")) == b"c"


def test_tls12_hello_request_through_isc_gives_no_renegotiation():
    from sspi_emu_schannel.tls.constants import ContentType

    client, server = pair(PKI, version="1.2")
    client.extra_to_isc = True
    run_handshake(client, server)
    seng = dispatcher.contexts.get(server.ctx).pctx.engine
    hello_request = seng.write.seal(ContentType.HANDSHAKE, b"\x00\x00\x00\x00")
    status, _plain, extra = decrypt_once(client, hello_request)
    assert status == St.SEC_I_RENEGOTIATE and extra == b"\x00\x00\x00\x00"
    early = client.encrypt(b"before")  # encrypted before the answer: still in order for the server
    status, answer, rest = leg_with_token(client, extra)
    assert status == St.SEC_E_OK and answer[:1] == b"\x15" and rest == b""
    assert server.decrypt(early + answer + client.encrypt(b"after")) == b"beforeafter"


def test_pythonic_unwrap_feeds_renegotiate_to_step():
    """sspi_emu.ClientContext.unwrap: tickets taken through step(); a KeyUpdate answer lands in pending_output."""
    ccred = S.Credential("Schannel", use="outbound", auth_data=SCH_CREDENTIALS(hRootStore=[PKI.ca.certificate]))
    scred = S.Credential("Schannel", use="inbound", auth_data=SCH_CREDENTIALS(paCred=[PKI.server]))
    client = S.ClientContext("Schannel", target="localhost", credential=ccred)
    server = S.ServerContext("Schannel", credential=scred)
    token = client.step(None)
    while not (client.complete and server.complete):
        token = server.step(token)
        if not client.complete:
            token = client.step(token)
    final = token  # the server's tickets
    assert final
    assert client.unwrap(final + server.wrap(b"hello")) == b""
    assert client.extra  # the application record after the ticket, handed back by the ISC leg
    assert client.unwrap(client.extra) == b"hello"
    ceng = dispatcher.contexts.get(client.handle).pctx.engine
    assert len(ceng.sessions) == 0 and len(ceng.tickets) == 1  # moved into the session cache
    ceng.request_key_update(request_peer=True)
    assert server.unwrap(ceng.take_output()) == b""
    answer = server.pending_output
    assert answer
    server.pending_output = b""
    assert client.unwrap(answer) == b""
    assert server.unwrap(client.wrap(b"ping")) == b"ping"
    assert client.unwrap(server.wrap(b"pong")) == b"pong"
    # a second connection on the same credential resumes with the ticket
    again = S.ClientContext("Schannel", target="localhost", credential=ccred)
    again_server = S.ServerContext("Schannel", credential=scred)
    token = again.step(None)
    while not (again.complete and again_server.complete):
        token = again_server.step(token)
        if not again.complete:
            token = again.step(token)
    info = again.query(C.SECPKG_ATTR_SESSION_INFO)
    assert info.dwFlags & 1
