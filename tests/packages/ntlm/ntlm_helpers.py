"""Helpers for the NTLM tests: C-shaped handshakes and vector loading."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sspi_emu_ntlm import NtlmSettings

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.accounts import MemoryAccountStore
from sspi_emu.buffers import SecBuffer, SecBufferDesc

VECTORS = Path(__file__).resolve().parents[3] / "vectors"
CLIENT_REQ = (
    C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_INTEGRITY | C.ISC_REQ_REPLAY_DETECT | C.ISC_REQ_SEQUENCE_DETECT
    | C.ISC_REQ_CONNECTION | C.ISC_REQ_ALLOCATE_MEMORY
)
SERVER_REQ = (
    C.ASC_REQ_CONFIDENTIALITY | C.ASC_REQ_INTEGRITY | C.ASC_REQ_REPLAY_DETECT | C.ASC_REQ_SEQUENCE_DETECT
    | C.ASC_REQ_CONNECTION | C.ASC_REQ_ALLOCATE_MEMORY
)


def load_vector(name: str) -> dict[str, Any]:
    """A vector file from the project's vectors/ folder."""
    with open(VECTORS / name, encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def store(user: str = "user", password: str = "Password01", domain: str = "DOMAIN") -> MemoryAccountStore:
    """An account store with one account."""
    s = MemoryAccountStore()
    s.add(user, password, domain)
    return s


def acquire(use: int, auth_data: object) -> S.CredHandle:
    """AcquireCredentialsHandle for NTLM, asserting success."""
    h = S.CredHandle()
    status = S.AcquireCredentialsHandle(None, "NTLM", use, None, auth_data, None, None, h, S.TimeStamp())
    assert status == C.SEC_E_OK, status
    return h


def client_cred(user: str = "DOMAIN\\user", password: str = "Password01", **kw: Any) -> S.CredHandle:
    """An outbound credential for *user*."""
    dom, _, name = user.rpartition("\\")
    ident = S.SEC_WINNT_AUTH_IDENTITY(User=name, Domain=dom or None, Password=password)
    if kw:
        return acquire(C.SECPKG_CRED_OUTBOUND, NtlmSettings(identity=ident, **kw))
    return acquire(C.SECPKG_CRED_OUTBOUND, ident)


def server_cred(accounts: object | None = None, **kw: Any) -> S.CredHandle:
    """An inbound credential over *accounts* (default: DOMAIN\\user / Password01)."""
    accounts = accounts if accounts is not None else store()
    if kw:
        return acquire(C.SECPKG_CRED_INBOUND, NtlmSettings(accounts=accounts, **kw))  # type: ignore[arg-type]
    return acquire(C.SECPKG_CRED_INBOUND, accounts)


def cb_buffer(app_data: bytes) -> SecBuffer:
    """A SECBUFFER_CHANNEL_BINDINGS buffer holding SEC_CHANNEL_BINDINGS with *app_data*."""
    import struct

    blob = struct.pack("<8I", 0, 0, 0, 0, 0, 0, len(app_data), 32) + app_data
    return SecBuffer(C.SECBUFFER_CHANNEL_BINDINGS, blob)


class Pair:
    """A client and a server context driven through the C-shaped API."""

    def __init__(self, ccred: S.CredHandle, scred: S.CredHandle, target: str | None = "HTTP/server.example",
                 creq: int = CLIENT_REQ, sreq: int = SERVER_REQ) -> None:
        self.ccred, self.scred, self.target, self.creq, self.sreq = ccred, scred, target, creq, sreq
        self.cctx = S.CtxtHandle()
        self.sctx = S.CtxtHandle()
        self.cattr = S.ULONG()
        self.sattr = S.ULONG()
        self.tokens: list[bytes] = []
        self.cstarted = False
        self.sstarted = False

    @property
    def cflags(self) -> int:
        """The client's last ISC_RET flags."""
        v = self.cattr.value
        return v if isinstance(v, int) else 0

    @property
    def sflags(self) -> int:
        """The server's last ASC_RET flags."""
        v = self.sattr.value
        return v if isinstance(v, int) else 0

    def isc(self, token: bytes | None, extra: list[SecBuffer] | None = None) -> tuple[C.SecurityStatus, bytes]:
        """One InitializeSecurityContext leg."""
        bufs = ([SecBuffer(C.SECBUFFER_TOKEN, token)] if token is not None else []) + (extra or [])
        pin = SecBufferDesc(bufs) if bufs else None
        out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, None)])
        status = S.InitializeSecurityContext(
            self.ccred, self.cctx if self.cstarted else None, self.target, self.creq, 0, C.SECURITY_NATIVE_DREP,
            pin, 0, self.cctx, out, self.cattr, S.TimeStamp())
        self.cstarted = True
        data = out[0].tobytes()
        self.tokens.append(data)
        return status, data

    def asc(self, token: bytes, extra: list[SecBuffer] | None = None) -> tuple[C.SecurityStatus, bytes]:
        """One AcceptSecurityContext leg."""
        pin = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, token)] + (extra or []))
        out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, None)])
        status = S.AcceptSecurityContext(
            self.scred, self.sctx if self.sstarted else None, pin, self.sreq, C.SECURITY_NATIVE_DREP,
            self.sctx, out, self.sattr, S.TimeStamp())
        self.sstarted = True
        data = out[0].tobytes()
        self.tokens.append(data)
        return status, data

    def run(self, ccb: list[SecBuffer] | None = None, scb: list[SecBuffer] | None = None) -> C.SecurityStatus:
        """The whole handshake; returns the server's final status."""
        st, t1 = self.isc(None)
        assert st == C.SEC_I_CONTINUE_NEEDED, st
        st, t2 = self.asc(t1, scb)
        assert st == C.SEC_I_CONTINUE_NEEDED, st
        st, t3 = self.isc(t2, ccb)
        assert st == C.SEC_E_OK, st
        st, _t4 = self.asc(t3, scb)
        return st


def seal(ctx: S.CtxtHandle, data: bytes, qop: int = 0) -> tuple[bytes, bytes]:
    """EncryptMessage with [TOKEN, DATA]; returns (signature, data)."""
    bufs = [SecBuffer(C.SECBUFFER_TOKEN, 16), SecBuffer(C.SECBUFFER_DATA, data)]
    status = S.EncryptMessage(ctx, qop, SecBufferDesc(bufs), 0)
    assert status == C.SEC_E_OK, status
    return bufs[0].tobytes(), bufs[1].tobytes()


def unseal(ctx: S.CtxtHandle, sig: bytes, data: bytes) -> tuple[C.SecurityStatus, bytes, int]:
    """DecryptMessage with [TOKEN, DATA]; returns (status, data, qop)."""
    bufs = [SecBuffer(C.SECBUFFER_TOKEN, sig), SecBuffer(C.SECBUFFER_DATA, data)]
    qop = S.ULONG()
    status = S.DecryptMessage(ctx, SecBufferDesc(bufs), 0, qop)
    return status, bufs[1].tobytes(), qop.value if isinstance(qop.value, int) else 0
