"""Helpers for the Digest tests: C-shaped legs, credentials, vectors and pinned client nonces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sspi_emu_digest import CNONCE_ALPHABET, DigestIdentity, DigestServerOptions

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.accounts import MemoryAccountStore
from sspi_emu.buffers import SecBuffer, SecBufferDesc
from sspi_emu.entropy import PinnedEntropy

VECTORS = Path(__file__).resolve().parents[3] / "vectors"
HTTP_C = C.ISC_REQ_HTTP
HTTP_S = C.ASC_REQ_HTTP


def load_vector(name: str) -> dict[str, Any]:
    """A vector file from the project's vectors/ folder."""
    with open(VECTORS / name, encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def cnonce_entropy(cnonce: str, clock: float = 1_700_000_000.0) -> PinnedEntropy:
    """Entropy that makes the next client nonce equal *cnonce* (see CNONCE_ALPHABET)."""
    return PinnedEntropy([bytes(CNONCE_ALPHABET.index(c) for c in cnonce)], clock=clock)


def store(user: str = "alice", password: str = "Passw0rd!", domain: str = "") -> MemoryAccountStore:
    """An account store with one account."""
    s = MemoryAccountStore()
    s.add(user, password, domain)
    return s


def acquire(use: int, auth_data: object, principal: str | None = None) -> S.CredHandle:
    """AcquireCredentialsHandle for WDigest, asserting success."""
    h = S.CredHandle()
    status = S.AcquireCredentialsHandle(principal, "WDigest", use, None, auth_data, None, None, h, S.TimeStamp())
    assert status == C.SEC_E_OK, status
    return h


def client_cred(user: str = "alice", password: str = "Passw0rd!", domain: str | None = None, **kw: Any) -> S.CredHandle:
    """An outbound credential."""
    return acquire(C.SECPKG_CRED_OUTBOUND, DigestIdentity(User=user, Domain=domain, Password=password, **kw))


def server_cred(accounts: object | None = None, **kw: Any) -> S.CredHandle:
    """An inbound credential (default realm "testrealm")."""
    kw.setdefault("realm", "testrealm")
    opts = DigestServerOptions(store=accounts if accounts is not None else store(), **kw)  # type: ignore[arg-type]
    return acquire(C.SECPKG_CRED_INBOUND, opts)


def params(method: str = "GET", uri: str = "/dir/index.html", body: bytes | None = None) -> list[SecBuffer]:
    """The PKG_PARAMS buffers [method, uri, (body)]."""
    bufs = [SecBuffer(C.SECBUFFER_PKG_PARAMS, method.encode()), SecBuffer(C.SECBUFFER_PKG_PARAMS, uri.encode())]
    if body is not None:
        bufs.append(SecBuffer(C.SECBUFFER_PKG_PARAMS, body))
    return bufs


class Leg:
    """What one ISC / ASC call returned."""

    def __init__(self, status: C.SecurityStatus, token: bytes, attrs: int, expiry: int | None) -> None:
        self.status, self.token, self.attrs, self.expiry = status, token, attrs, expiry

    def __repr__(self) -> str:
        return f"Leg({self.status.name}, {self.token!r})"


class Side:
    """One context driven through the C-shaped API."""

    def __init__(self, cred: S.CredHandle, req: int, target: str | None = None, server: bool = False) -> None:
        self.cred, self.req, self.target, self.server = cred, req, target, server
        self.ctx = S.CtxtHandle()
        self.started = False

    def step(self, token: bytes | None, extra: list[SecBuffer] | None = None, size: int | None = None) -> Leg:
        """One leg; *size* makes the output a caller buffer of that many bytes instead of ALLOCATE_MEMORY."""
        bufs = ([SecBuffer(C.SECBUFFER_TOKEN, token)] if token is not None else []) + (extra or [])
        pin = SecBufferDesc(bufs) if bufs else None
        out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, size)])
        req = self.req | (0 if size is not None else (C.ASC_REQ_ALLOCATE_MEMORY if self.server else C.ISC_REQ_ALLOCATE_MEMORY))
        attrs, ts = S.ULONG(), S.TimeStamp()
        prev = self.ctx if self.started else None
        if self.server:
            status = S.AcceptSecurityContext(self.cred, prev, pin, req, 0, self.ctx, out, attrs, ts)
        else:
            status = S.InitializeSecurityContext(self.cred, prev, self.target, req, 0, 0, pin, 0, self.ctx, out, attrs, ts)
        if not status.is_error:
            self.started = True
        return Leg(status, out[0].tobytes(), int(attrs.value or 0), ts.value)

    def query(self, attribute: int, cls: type) -> Any:
        """QueryContextAttributes into a fresh *cls*."""
        box = cls()
        status = S.QueryContextAttributes(self.ctx, attribute, box)
        assert status == C.SEC_E_OK, status
        return box

    def delete(self) -> None:
        """DeleteSecurityContext."""
        S.DeleteSecurityContext(self.ctx)


def http_exchange(
    client: Side, server: Side, method: str = "GET", uri: str = "/dir/index.html", body: bytes | None = None
) -> tuple[Leg, Leg, Leg]:
    """Challenge, Authorization, Authentication-Info; returns the three legs."""
    challenge = server.step(None, params(method, uri))
    assert challenge.status == C.SEC_I_CONTINUE_NEEDED, challenge
    answer = client.step(challenge.token, params(method, uri, body))
    assert not answer.status.is_error, answer
    info = server.step(answer.token, params(method, uri, body))
    return challenge, answer, info
