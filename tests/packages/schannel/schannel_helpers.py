"""Helpers for the Schannel tests: credentials, a C-shaped TLS endpoint, and handshake loops."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sspi_emu_schannel import SCH_CREDENTIALS, SCHANNEL_CRED, TLS_PARAMETERS, CertContext

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.buffers import SecBuffer, SecBufferDesc
from sspi_emu.constants import SecurityStatus as St
from sspi_emu.handles import Box

VECTORS = Path(__file__).resolve().parents[3] / "vectors"

CLIENT_REQ = (
    C.ISC_REQ_SEQUENCE_DETECT | C.ISC_REQ_REPLAY_DETECT | C.ISC_REQ_CONFIDENTIALITY
    | C.ISC_REQ_ALLOCATE_MEMORY | C.ISC_REQ_STREAM | C.ISC_REQ_EXTENDED_ERROR
)
SERVER_REQ = (
    C.ASC_REQ_SEQUENCE_DETECT | C.ASC_REQ_REPLAY_DETECT | C.ASC_REQ_CONFIDENTIALITY
    | C.ASC_REQ_ALLOCATE_MEMORY | C.ASC_REQ_STREAM | C.ASC_REQ_EXTENDED_ERROR
)


def load_vector(name: str) -> dict[str, Any]:
    with open(VECTORS / name, encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def protocols_only(version: str, server: bool) -> int:
    """SP_PROT bits disabling every version but *version* ("1.2" / "1.3")."""
    if version == "1.2":
        return C.SP_PROT_TLS1_3
    return C.SP_PROT_TLS1_2


def acquire(use: int, auth_data: object) -> S.CredHandle:
    cred = S.CredHandle()
    expiry = S.TimeStamp()
    status = S.AcquireCredentialsHandle(None, "Schannel", use, None, auth_data, None, None, cred, expiry)
    assert status == St.SEC_E_OK, status
    return cred


def client_cred(roots: list[Any] | None = None, version: str | None = None, flags: int = 0, legacy: bool = False) -> S.CredHandle:
    if legacy:
        enabled = 0
        if version == "1.2":
            enabled = C.SP_PROT_TLS1_2_CLIENT
        elif version == "1.3":
            enabled = C.SP_PROT_TLS1_3_CLIENT
        data: object = SCHANNEL_CRED(hRootStore=roots, grbitEnabledProtocols=enabled, dwFlags=flags)
    else:
        params = [TLS_PARAMETERS(grbitDisabledProtocols=protocols_only(version, False))] if version else []
        data = SCH_CREDENTIALS(hRootStore=roots, dwFlags=flags, pTlsParameters=params)
    return acquire(C.SECPKG_CRED_OUTBOUND, data)


def server_cred(cert: CertContext, version: str | None = None) -> S.CredHandle:
    params = [TLS_PARAMETERS(grbitDisabledProtocols=protocols_only(version, True))] if version else []
    return acquire(C.SECPKG_CRED_INBOUND, SCH_CREDENTIALS(paCred=[cert], pTlsParameters=params))


class Endpoint:
    """One side of a TLS connection driven through the C-shaped SSPI, as a Windows caller does."""

    def __init__(self, cred: S.CredHandle, server: bool, target: str | None = None, req: int | None = None) -> None:
        self.cred = cred
        self.server = server
        self.target = target
        self.req = req if req is not None else (SERVER_REQ if server else CLIENT_REQ)
        self.ctx: S.CtxtHandle | None = None
        self.inbuf = bytearray()
        self.complete = False
        self.status: St | None = None
        self.alert = b""
        self.attrs = 0
        self.expiry = 0
        self.missing_reports: list[int] = []
        self.extra_reports: list[int] = []
        self._sizes: Any = None

    def _leg(self, pin: SecBufferDesc | None) -> tuple[St, bytes]:
        out_tok = SecBuffer(C.SECBUFFER_TOKEN, None, 0)
        alert = SecBuffer(C.SECBUFFER_ALERT, None, 0)
        pout = SecBufferDesc([out_tok, alert])
        attrs, expiry = S.ULONG(), S.TimeStamp()
        new = S.CtxtHandle() if self.ctx is None else None
        if self.server:
            status = S.AcceptSecurityContext(self.cred, self.ctx, pin, self.req, C.SECURITY_NATIVE_DREP, new, pout, attrs, expiry)
        else:
            status = S.InitializeSecurityContext(self.cred, self.ctx, self.target, self.req, 0, C.SECURITY_NATIVE_DREP, pin, 0, new, pout, attrs, expiry)
        if new is not None and not status.is_error:
            self.ctx = new
        self.attrs = attrs.value or 0
        self.expiry = expiry.value or 0
        self.alert = alert.tobytes() if alert.pvBuffer is not None else b""
        token = out_tok.tobytes() if out_tok.pvBuffer is not None else b""
        return status, token

    def start(self) -> bytes:
        """The client's first leg."""
        status, token = self._leg(None)
        assert status == St.SEC_I_CONTINUE_NEEDED, status
        return token

    def handshake(self, incoming: bytes) -> bytes:
        """Feed bytes from the peer to ISC/ASC; return what to send. Keeps EXTRA / partial bytes."""
        self.inbuf += incoming
        if not self.inbuf:
            return b""
        out = bytearray()
        while self.inbuf and not self.complete:
            tok = SecBuffer(C.SECBUFFER_TOKEN, bytes(self.inbuf))
            empty = SecBuffer(C.SECBUFFER_EMPTY, None, 0)
            status, token = self._leg(SecBufferDesc([tok, empty]))
            self.status = status
            out += token
            if status == St.SEC_E_INCOMPLETE_MESSAGE:
                assert empty.BufferType == C.SECBUFFER_MISSING
                self.missing_reports.append(empty.cbBuffer)
                break
            if status.is_error:
                return bytes(out)
            if status == St.SEC_I_INCOMPLETE_CREDENTIALS:
                self.incomplete_credentials += 1
                left = empty.cbBuffer if empty.BufferType == C.SECBUFFER_EXTRA else 0
                consumed = bytes(self.inbuf[: len(self.inbuf) - left])
                self.inbuf = bytearray(self.inbuf[len(self.inbuf) - left:])
                out += self._answer_incomplete_credentials(consumed)
                if self.status.is_error:
                    return bytes(out)
                continue
            if empty.BufferType == C.SECBUFFER_EXTRA:
                self.extra_reports.append(empty.cbBuffer)
                self.inbuf = bytearray(self.inbuf[len(self.inbuf) - empty.cbBuffer:])
            else:
                self.inbuf.clear()
            if status == St.SEC_E_OK:
                self.complete = True
        return bytes(out)

    # --- messages -------------------------------------------------------------------------
    def sizes(self) -> Any:
        if self._sizes is None:
            from sspi_emu.attributes import SecPkgContext_StreamSizes

            sizes = SecPkgContext_StreamSizes()
            assert S.QueryContextAttributes(self.ctx, C.SECPKG_ATTR_STREAM_SIZES, sizes) == St.SEC_E_OK
            self._sizes = sizes
        return self._sizes

    def encrypt(self, data: bytes) -> bytes:
        sz = self.sizes()
        out = bytearray()
        for i in range(0, max(len(data), 1), sz.cbMaximumMessage):
            chunk = data[i:i + sz.cbMaximumMessage]
            mem = bytearray(sz.cbHeader + len(chunk) + sz.cbTrailer)
            view = memoryview(mem)
            mem[sz.cbHeader:sz.cbHeader + len(chunk)] = chunk
            bufs = [
                SecBuffer(C.SECBUFFER_STREAM_HEADER, view[:sz.cbHeader]),
                SecBuffer(C.SECBUFFER_DATA, view[sz.cbHeader:sz.cbHeader + len(chunk)]),
                SecBuffer(C.SECBUFFER_STREAM_TRAILER, view[sz.cbHeader + len(chunk):]),
                SecBuffer(C.SECBUFFER_EMPTY, None, 0),
            ]
            status = S.EncryptMessage(self.ctx, 0, SecBufferDesc(bufs), 0)
            assert status == St.SEC_E_OK, status
            out += mem[:bufs[0].cbBuffer + bufs[1].cbBuffer + bufs[2].cbBuffer]
        return bytes(out)

    def decrypt(self, incoming: bytes) -> bytes:
        """Decrypt every whole record available; renegotiate (post-handshake) legs are answered."""
        self.inbuf += incoming
        plain = bytearray()
        while self.inbuf:
            mem = bytearray(self.inbuf)
            bufs = [SecBuffer(C.SECBUFFER_DATA, mem)] + [SecBuffer(C.SECBUFFER_EMPTY, None, 0) for _ in range(3)]
            status = S.DecryptMessage(self.ctx, SecBufferDesc(bufs), 0, Box())
            self.status = status
            if status == St.SEC_E_INCOMPLETE_MESSAGE:
                missing = [b for b in bufs if b.BufferType == C.SECBUFFER_MISSING]
                self.missing_reports.append(missing[0].cbBuffer if missing else -1)
                break
            if status.is_error:
                break
            data = [b for b in bufs if b.BufferType == C.SECBUFFER_DATA]
            extra = [b for b in bufs if b.BufferType == C.SECBUFFER_EXTRA]
            if data:
                plain += data[0].tobytes()
            self.inbuf = bytearray(extra[0].tobytes()) if extra else bytearray()
            if status == St.SEC_I_RENEGOTIATE:
                self.renegotiations += 1
                if self.extra_to_isc:
                    # The documented Windows pattern: hand SECBUFFER_EXTRA to ISC/ASC as the TOKEN.
                    tok = SecBuffer(C.SECBUFFER_TOKEN, bytes(self.inbuf))
                    empty = SecBuffer(C.SECBUFFER_EMPTY, None, 0)
                    status, token = self._leg(SecBufferDesc([tok, empty]))
                    assert status == St.SEC_E_OK, status
                    self.pending_output = token
                    left = empty.cbBuffer if empty.BufferType == C.SECBUFFER_EXTRA else 0
                    self.inbuf = bytearray(self.inbuf[len(self.inbuf) - left:]) if left else bytearray()
                else:
                    self.pending_output = self._post_handshake()
            elif status == St.SEC_I_CONTEXT_EXPIRED:
                break
        return bytes(plain)

    pending_output = b""
    incomplete_credentials = 0
    #: After SEC_I_INCOMPLETE_CREDENTIALS: the credential for the next call (None: the same one).
    next_credential: S.CredHandle | None = None
    #: ... and whether to pass the same input again (as some callers do) instead of none.
    repeat_input_after_incomplete = False

    def _answer_incomplete_credentials(self, consumed: bytes) -> bytes:
        if self.next_credential is not None:
            self.cred = self.next_credential
        else:
            self.req |= C.ISC_REQ_USE_SUPPLIED_CREDS
        pin = None
        if self.repeat_input_after_incomplete:
            pin = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, consumed + bytes(self.inbuf)),
                                 SecBuffer(C.SECBUFFER_EMPTY, None, 0)])
        status, token = self._leg(pin)
        self.status = status
        if pin is not None and pin[1].BufferType == C.SECBUFFER_EXTRA:
            self.inbuf = bytearray(self.inbuf[len(self.inbuf) - pin[1].cbBuffer:])
        elif pin is not None:
            self.inbuf.clear()
        if status == St.SEC_E_OK:
            self.complete = True
        return token
    renegotiations = 0
    #: After SEC_I_RENEGOTIATE, pass the EXTRA bytes to ISC/ASC (True) or call it without input (False).
    extra_to_isc = False

    def _post_handshake(self) -> bytes:
        status, token = self._leg(None)
        assert status == St.SEC_E_OK, status
        return token

    def shutdown(self) -> bytes:
        """ApplyControlToken(SCHANNEL_SHUTDOWN) then one leg: the close_notify to send."""
        ctl = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, C.SCHANNEL_SHUTDOWN.to_bytes(4, "little"))])
        assert S.ApplyControlToken(self.ctx, ctl) == St.SEC_E_OK
        status, token = self._leg(None)
        assert status == St.SEC_E_OK, status
        return token

    def query(self, attribute: int, structure: Any) -> St:
        return S.QueryContextAttributes(self.ctx, attribute, structure)

    def delete(self) -> None:
        if self.ctx is not None:
            S.DeleteSecurityContext(self.ctx)
            self.ctx = None


def run_handshake(client: Endpoint, server: Endpoint, max_legs: int = 10) -> None:
    """Run both endpoints to completion (or until one fails)."""
    to_server = client.start()
    for _ in range(max_legs):
        to_client = server.handshake(to_server)
        if server.status is not None and server.status.is_error:
            return
        to_server = client.handshake(to_client)
        if client.status is not None and client.status.is_error:
            # deliver the client's alert to the server, as a caller would
            server.handshake(to_server or client.alert)
            return
        if client.complete and server.complete and not to_server:
            return
        if client.complete and to_server and server.complete:
            return
    raise AssertionError("handshake did not finish")


def pair(pki: Any, target: str = "localhost", version: str | None = None, creq: int | None = None,
         sreq: int | None = None, roots: Any = "ca") -> tuple[Endpoint, Endpoint]:
    ccred = client_cred([pki.ca.certificate] if roots == "ca" else roots, version)
    scred = server_cred(pki.server, version)
    return Endpoint(ccred, False, target, creq), Endpoint(scred, True, None, sreq)
