"""Schannel through the pywin32 shim: the documented extension (package auth data passed through as
AuthData, ApplyControlToken, SYNC_INPUT_EXTRA) on top of pywin32's own stream-buffer conventions."""

from __future__ import annotations

import types
from typing import Any, Iterator

import pytest

from sspi_emu import constants as C

TLS12, TLS13 = "TLS 1.2", "TLS 1.3"


@pytest.fixture
def tls(pywin32: types.SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> Iterator[types.SimpleNamespace]:
    from sspi_emu_schannel import SCH_CREDENTIALS, TLS_PARAMETERS
    from sspi_emu_schannel.testcerts import make_ca_and_server

    monkeypatch.setattr(pywin32.win32security, "SYNC_INPUT_EXTRA", True)
    pki = make_ca_and_server("localhost")
    yield types.SimpleNamespace(m=pywin32, pki=pki, SCH_CREDENTIALS=SCH_CREDENTIALS, TLS_PARAMETERS=TLS_PARAMETERS)


def _handshake(t: types.SimpleNamespace, version: str) -> tuple[Any, Any, Any]:
    ws, con = t.m.win32security, t.m.sspicon
    disabled = C.SP_PROT_TLS1_3 if version == TLS12 else C.SP_PROT_TLS1_2
    client_data = t.SCH_CREDENTIALS(hRootStore=[t.pki.ca.certificate],
                                    pTlsParameters=[t.TLS_PARAMETERS(grbitDisabledProtocols=disabled)])
    ccred, _ = ws.AcquireCredentialsHandle(None, "Schannel", con.SECPKG_CRED_OUTBOUND, None, client_data)
    scred, _ = ws.AcquireCredentialsHandle(None, "Schannel", con.SECPKG_CRED_INBOUND, None,
                                           t.SCH_CREDENTIALS(paCred=[t.pki.server]))
    max_token = ws.QuerySecurityPackageInfo("Schannel")["MaxToken"]
    creq = con.ISC_REQ_STREAM | con.ISC_REQ_CONFIDENTIALITY | con.ISC_REQ_SEQUENCE_DETECT | con.ISC_REQ_REPLAY_DETECT
    sreq = con.ASC_REQ_STREAM | con.ASC_REQ_CONFIDENTIALITY | con.ASC_REQ_SEQUENCE_DETECT | con.ASC_REQ_REPLAY_DETECT

    def token_in(tok: bytes) -> Any:
        d = ws.PySecBufferDescType()
        b = ws.PySecBufferType(len(tok), con.SECBUFFER_TOKEN)
        b.Buffer = tok
        d.append(b)
        d.append(ws.PySecBufferType(0, con.SECBUFFER_EMPTY))
        return d

    def token_out() -> Any:
        d = ws.PySecBufferDescType()
        d.append(ws.PySecBufferType(max_token, con.SECBUFFER_TOKEN))
        return d

    cctx, sctx = ws.PyCtxtHandleType(), ws.PyCtxtHandleType()
    out = token_out()
    c_status, _, _ = ws.InitializeSecurityContext(ccred, None, "localhost", creq, 0, None, cctx, out)
    tok, s_status, first = out[0].Buffer, 1, True
    for _ in range(6):
        out = token_out()
        s_status, _, _ = ws.AcceptSecurityContext(scred, None if first else sctx, token_in(tok), sreq, 0, sctx, out)
        first, tok = False, out[0].Buffer
        if c_status == 0 and s_status == 0:
            if tok:  # the server's last token (TLS 1.3 session tickets) is delivered, as Windows callers do
                c_status, _, _ = ws.InitializeSecurityContext(ccred, cctx, "localhost", creq, 0, token_in(tok), cctx,
                                                              token_out())
            break
        out = token_out()
        c_status, _, _ = ws.InitializeSecurityContext(ccred, cctx, "localhost", creq, 0, token_in(tok), cctx, out)
        tok = out[0].Buffer
        if c_status == 0 and s_status == 0 and not tok:
            break
    assert (c_status, s_status) == (0, 0)
    return ccred, cctx, sctx


def _encrypt(m: types.SimpleNamespace, ctx: Any, msg: bytes) -> bytes:
    ws, con = m.win32security, m.sspicon
    sizes = ctx.QueryContextAttributes(con.SECPKG_ATTR_STREAM_SIZES)
    d = ws.PySecBufferDescType()
    d.append(ws.PySecBufferType(sizes["Header"], con.SECBUFFER_STREAM_HEADER))
    data = ws.PySecBufferType(len(msg), con.SECBUFFER_DATA)
    data.Buffer = msg
    d.append(data)
    d.append(ws.PySecBufferType(sizes["Trailer"], con.SECBUFFER_STREAM_TRAILER))
    d.append(ws.PySecBufferType(0, con.SECBUFFER_EMPTY))
    ctx.EncryptMessage(0, d, 0)
    return d[0].Buffer + d[1].Buffer + d[2].Buffer


def _decrypt_desc(m: types.SimpleNamespace, record: bytes) -> Any:
    ws, con = m.win32security, m.sspicon
    d = ws.PySecBufferDescType()
    b = ws.PySecBufferType(len(record), con.SECBUFFER_DATA)
    b.Buffer = record
    d.append(b)
    for _ in range(3):
        d.append(ws.PySecBufferType(0, con.SECBUFFER_EMPTY))
    return d


@pytest.mark.parametrize("version", [TLS12, TLS13])
def test_tls_through_pywin32_shim(tls: types.SimpleNamespace, version: str) -> None:
    m, con = tls.m, tls.m.sspicon
    ccred, cctx, sctx = _handshake(tls, version)
    info = cctx.QueryContextAttributes(con.SECPKG_ATTR_CONNECTION_INFO)
    assert set(info) == {"Protocol", "Cipher", "CipherStrength", "Hash", "HashStrength", "Exch", "ExchStrength"}
    assert info["Protocol"] == (C.SP_PROT_TLS1_2_CLIENT if version == TLS12 else C.SP_PROT_TLS1_3_CLIENT)
    sizes = cctx.QueryContextAttributes(con.SECPKG_ATTR_STREAM_SIZES)
    assert set(sizes) == {"Header", "Trailer", "MaximumMessage", "Buffers", "BlockSize"}

    record = _encrypt(m, cctx, b"GET / HTTP/1.1\r\n\r\n")
    d = _decrypt_desc(m, record + b"\x17\x03")  # a second record's first bytes arrived too
    sctx.DecryptMessage(d, 0)
    kinds = [b.BufferType for b in d]
    assert kinds[:3] == [con.SECBUFFER_STREAM_HEADER, con.SECBUFFER_DATA, con.SECBUFFER_STREAM_TRAILER]
    assert d[1].Buffer == b"GET / HTTP/1.1\r\n\r\n"
    assert kinds[3] == con.SECBUFFER_EXTRA and d[3].Buffer == b"\x17\x03"

    # A partial record: SEC_E_INCOMPLETE_MESSAGE, raised after the desc was copied back (MISSING visible).
    reply = _encrypt(m, sctx, b"HTTP/1.1 200 OK\r\n\r\n")
    d = _decrypt_desc(m, reply[:7])
    with pytest.raises(m.pywintypes.error) as exc:
        cctx.DecryptMessage(d, 0)
    assert exc.value.winerror == con.SEC_E_INCOMPLETE_MESSAGE
    assert any(b.BufferType == con.SECBUFFER_MISSING for b in d)
    d = _decrypt_desc(m, reply)
    cctx.DecryptMessage(d, 0)
    assert d[1].Buffer == b"HTTP/1.1 200 OK\r\n\r\n"

    # Extension: ApplyControlToken(SCHANNEL_SHUTDOWN), then ISC produces close_notify; the peer's
    # DecryptMessage raises SEC_I_CONTEXT_EXPIRED (a positive status, raised as pywin32 does).
    ws = m.win32security
    shutdown = ws.PySecBufferDescType()
    tok = ws.PySecBufferType(4, con.SECBUFFER_TOKEN)
    tok.Buffer = C.SCHANNEL_SHUTDOWN.to_bytes(4, "little")
    shutdown.append(tok)
    ws.ApplyControlToken(cctx, shutdown)
    out = ws.PySecBufferDescType()
    out.append(ws.PySecBufferType(ws.QuerySecurityPackageInfo("Schannel")["MaxToken"], con.SECBUFFER_TOKEN))
    creq = con.ISC_REQ_STREAM | con.ISC_REQ_CONFIDENTIALITY
    status, _, _ = ws.InitializeSecurityContext(ccred, cctx, "localhost", creq, 0, None, cctx, out)
    assert status == 0 and out[0].Buffer
    with pytest.raises(m.pywintypes.error) as exc:
        sctx.DecryptMessage(_decrypt_desc(m, out[0].Buffer), 0)
    assert exc.value.winerror == con.SEC_I_CONTEXT_EXPIRED > 0

