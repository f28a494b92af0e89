"""HTTP Digest replies to further requests (RFC 7616 §3.5): the server's MakeSignature makes the
Authentication-Info, the client's VerifySignature checks it, and ``nextnonce`` moves the next
request to a fresh nonce."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from sspi_emu_digest import DigestIdentity, DigestServerOptions
from sspi_emu_digest.http_wire import AuthenticationInfo, DigestCredentials

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.accounts import MemoryAccountStore
from sspi_emu.buffers import SecBuffer, SecBufferDesc

St = C.SecurityStatus
URI = "/dir/index.html"


def _params(uri: str = URI) -> list[SecBuffer]:
    return [SecBuffer(C.SECBUFFER_PKG_PARAMS, b"GET"), SecBuffer(C.SECBUFFER_PKG_PARAMS, uri.encode())]


def _leg(server: bool, cred: S.CredHandle, ctx: S.CtxtHandle, first: bool, token: bytes | None,
         req: int) -> tuple[C.SecurityStatus, bytes]:
    bufs = ([SecBuffer(C.SECBUFFER_TOKEN, token)] if token is not None else []) + _params()
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN)])
    prev = None if first else ctx
    if server:
        status = S.AcceptSecurityContext(cred, prev, SecBufferDesc(bufs), req | C.ASC_REQ_HTTP | 0x100, 0, ctx, out,
                                         S.ULONG(), None)
    else:
        status = S.InitializeSecurityContext(cred, prev, URI, req | C.ISC_REQ_HTTP | 0x100, 0, 0, SecBufferDesc(bufs),
                                             0, ctx, out, S.ULONG(), None)
    return status, out[0].tobytes()


def established(nextnonce: bool = True, mutual: bool = False) -> tuple[S.CtxtHandle, S.CtxtHandle, bytes]:
    """(client, server, the handshake's Authentication-Info)."""
    store = MemoryAccountStore()
    store.add("alice", "Passw0rd!")
    scred, ccred = S.CredHandle(), S.CredHandle()
    assert S.AcquireCredentialsHandle(None, "WDigest", C.SECPKG_CRED_INBOUND, None, DigestServerOptions(
        store=store, realm="r", nextnonce=nextnonce), None, None, scred, None) == St.SEC_E_OK
    assert S.AcquireCredentialsHandle(None, "WDigest", C.SECPKG_CRED_OUTBOUND, None,
                                      DigestIdentity(User="alice", Password="Passw0rd!"), None, None, ccred,
                                      None) == St.SEC_E_OK
    sctx, cctx = S.CtxtHandle(), S.CtxtHandle()
    creq, sreq = (C.ISC_REQ_MUTUAL_AUTH, C.ASC_REQ_MUTUAL_AUTH) if mutual else (0, 0)
    status, challenge = _leg(True, scred, sctx, True, None, sreq)
    assert status == St.SEC_I_CONTINUE_NEEDED
    status, answer = _leg(False, ccred, cctx, True, challenge, creq)
    assert status == (St.SEC_I_CONTINUE_NEEDED if mutual else St.SEC_E_OK)
    status, info = _leg(True, scred, sctx, False, answer, sreq)
    assert status == St.SEC_E_OK
    if mutual:
        assert _leg(False, ccred, cctx, False, info, creq)[0] == St.SEC_E_OK
    return cctx, sctx, info


def sign(cctx: S.CtxtHandle) -> tuple[C.SecurityStatus, bytes]:
    out = SecBuffer(C.SECBUFFER_PADDING, 1024)
    return S.MakeSignature(cctx, 0, SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, 0), *_params(), out]), 0), out.tobytes()


def verify(sctx: S.CtxtHandle, header: bytes) -> C.SecurityStatus:
    return S.VerifySignature(sctx, SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, header), *_params()]), 0, None)


def reply(sctx: S.CtxtHandle, size: int = 1024) -> tuple[C.SecurityStatus, bytes]:
    out = SecBuffer(C.SECBUFFER_PADDING, size)
    return S.MakeSignature(sctx, 0, SecBufferDesc([*_params(), out]), 0), out.tobytes()


def check(cctx: S.CtxtHandle, info: bytes) -> C.SecurityStatus:
    return S.VerifySignature(cctx, SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, info)]), 0, None)


def test_nextnonce_is_sent_only_when_asked_for() -> None:
    assert AuthenticationInfo.parse(established(nextnonce=False)[2].decode()).nextnonce is None
    assert AuthenticationInfo.parse(established()[2].decode()).nextnonce


def test_the_client_moves_to_the_handshakes_nextnonce() -> None:
    cctx, sctx, info = established(mutual=True)  # ISC's third leg read the Authentication-Info
    nextnonce = AuthenticationInfo.parse(info.decode()).nextnonce
    status, header = sign(cctx)
    assert status == St.SEC_E_OK
    first = DigestCredentials.parse(header.decode())
    assert (first.nonce, first.nc) == (nextnonce, "00000001")
    assert verify(sctx, header) == St.SEC_E_OK
    status, header = sign(cctx)
    second = DigestCredentials.parse(header.decode())
    assert (second.nonce, second.nc) == (nextnonce, "00000002")
    assert verify(sctx, header) == St.SEC_E_OK
    assert verify(sctx, header) == St.SEC_E_OUT_OF_SEQUENCE  # a replay on the new nonce


def test_replies_to_further_requests_carry_rspauth_and_the_next_nonce() -> None:
    cctx, sctx, info = established()  # not mutual: the client reads the Authentication-Info itself
    assert check(cctx, info) == St.SEC_E_OK
    seen = {AuthenticationInfo.parse(info.decode()).nextnonce}
    for _ in range(3):
        status, header = sign(cctx)
        assert status == St.SEC_E_OK
        request = DigestCredentials.parse(header.decode())
        assert request.nonce in seen and request.nc == "00000001"  # each request on the nonce just given
        assert verify(sctx, header) == St.SEC_E_OK
        status, answer = reply(sctx)
        assert status == St.SEC_E_OK
        parsed = AuthenticationInfo.parse(answer.decode())
        assert (parsed.nc, parsed.cnonce) == (request.nc, request.cnonce)
        assert parsed.nextnonce not in seen
        seen.add(parsed.nextnonce)
        assert check(cctx, answer) == St.SEC_E_OK


def test_without_nextnonce_the_reply_still_proves_the_server() -> None:
    cctx, sctx, _ = established(nextnonce=False)
    status, header = sign(cctx)
    assert verify(sctx, header) == St.SEC_E_OK
    status, answer = reply(sctx)
    assert status == St.SEC_E_OK and b"nextnonce" not in answer
    assert check(cctx, answer) == St.SEC_E_OK
    assert DigestCredentials.parse(sign(cctx)[1].decode()).nc == "00000003"  # same nonce, next count


def test_a_wrong_reply_is_refused() -> None:
    cctx, sctx, _ = established()
    status, header = sign(cctx)
    assert verify(sctx, header) == St.SEC_E_OK
    _, answer = reply(sctx)
    parsed = AuthenticationInfo.parse(answer.decode())
    forged = AuthenticationInfo(("0" if parsed.rspauth[0] != "0" else "1") + parsed.rspauth[1:], parsed.qop,
                                parsed.nc, parsed.cnonce, parsed.nextnonce)
    assert check(cctx, forged.format().encode()) == St.SEC_E_MESSAGE_ALTERED
    other = AuthenticationInfo(parsed.rspauth, parsed.qop, "00000009", parsed.cnonce)
    assert check(cctx, other.format().encode()) == St.SEC_E_OUT_OF_SEQUENCE
    assert check(cctx, b"not an authentication-info, \x00") == St.SEC_E_INVALID_TOKEN
    assert check(cctx, answer) == St.SEC_E_OK  # the real one still passes


def test_reply_needs_a_verified_request_and_room() -> None:
    cctx, sctx, _ = established()
    assert reply(sctx)[0] == St.SEC_E_OUT_OF_SEQUENCE  # nothing verified since the handshake
    _, header = sign(cctx)
    assert verify(sctx, header) == St.SEC_E_OK
    assert reply(sctx, size=8)[0] == St.SEC_E_BUFFER_TOO_SMALL
    assert reply(sctx)[0] == St.SEC_E_OK
    assert reply(sctx)[0] == St.SEC_E_OUT_OF_SEQUENCE  # one reply per request


def test_an_unused_nextnonce_leaves_the_old_nonce_working() -> None:
    cctx, sctx, info = established()  # the client has not read the Authentication-Info: it stays on its nonce
    status, header = sign(cctx)
    request = DigestCredentials.parse(header.decode())
    assert request.nc == "00000002" and request.nonce != AuthenticationInfo.parse(info.decode()).nextnonce
    assert verify(sctx, header) == St.SEC_E_OK


@settings(max_examples=100, deadline=None)
@given(info=st.one_of(st.binary(max_size=200),
                      st.text(alphabet='rspauthqoncex=", 0123456789', max_size=80).map(str.encode)))
def test_garbage_authentication_info_is_a_status(info: bytes) -> None:
    cctx, _, _ = _PAIR
    status = check(cctx, info)
    assert status in (St.SEC_E_INVALID_TOKEN, St.SEC_E_OUT_OF_SEQUENCE, St.SEC_E_MESSAGE_ALTERED)


_PAIR = established()
