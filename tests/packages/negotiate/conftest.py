"""Fixtures for the Negotiate unit tests: fake inner mechanisms and a C-API handshake driver."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from sspi_emu import api, registry
from sspi_emu import constants as C
from sspi_emu.accounts import Account, MemoryAccountStore
from sspi_emu.buffers import SecBuffer, SecBufferDesc
from sspi_emu.constants import SecurityStatus as S
from sspi_emu.handles import ULONG, CredHandle, CtxtHandle, TimeStamp
from sspi_emu.identity import SEC_WINNT_AUTH_IDENTITY

from .fakemechs import FakeMech

USER, DOMAIN, PASSWORD = "alice", "DOM", "Passw0rd!"
TARGET = "HTTP/web.example"
CLIENT_REQ = (
    C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_INTEGRITY | C.ISC_REQ_SEQUENCE_DETECT | C.ISC_REQ_REPLAY_DETECT
    | C.ISC_REQ_CONNECTION | C.ISC_REQ_ALLOCATE_MEMORY
)
SERVER_REQ = (
    C.ASC_REQ_CONFIDENTIALITY | C.ASC_REQ_INTEGRITY | C.ASC_REQ_SEQUENCE_DETECT | C.ASC_REQ_REPLAY_DETECT
    | C.ASC_REQ_CONNECTION | C.ASC_REQ_ALLOCATE_MEMORY
)


def store() -> MemoryAccountStore:
    return MemoryAccountStore([Account(USER, DOMAIN, password=PASSWORD)])


@dataclass
class Fakes:
    ntlm: FakeMech
    krb: FakeMech | None


def _swap(name: str, pkg: FakeMech | None) -> object:
    old = registry.find(name)
    if pkg is None:
        registry.unregister(name)
    else:
        registry.register(pkg, replace=True)
    return old


def _restore(name: str, old: object) -> None:
    registry.unregister(name)
    if old is not None:
        registry.register(old, replace=True)  # type: ignore[arg-type]


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    """Fake "NTLM" and "Kerberos" packages in the registry for one test."""
    f = Fakes(FakeMech("NTLM", "ntlm", 10), FakeMech("Kerberos", "krb", 16))
    old_n = _swap("NTLM", f.ntlm)
    old_k = _swap("Kerberos", f.krb)
    try:
        yield f
    finally:
        _restore("NTLM", old_n)
        _restore("Kerberos", old_k)


@pytest.fixture
def ntlm_only() -> Iterator[Fakes]:
    """Only a fake "NTLM": no Kerberos package registered at all."""
    f = Fakes(FakeMech("NTLM", "ntlm", 10), None)
    old_n = _swap("NTLM", f.ntlm)
    old_k = _swap("Kerberos", None)
    try:
        yield f
    finally:
        _restore("NTLM", old_n)
        _restore("Kerberos", old_k)


def client_cred(package_list: str | None = None, password: str = PASSWORD, package: str = "Negotiate") -> CredHandle:
    h = CredHandle()
    ident = SEC_WINNT_AUTH_IDENTITY(USER, DOMAIN, password, PackageList=package_list)
    st = api.AcquireCredentialsHandle(None, package, C.SECPKG_CRED_OUTBOUND, None, ident, None, None, h, TimeStamp())
    assert st == S.SEC_E_OK, st
    return h


def server_cred(auth: object = None, package: str = "Negotiate") -> CredHandle:
    h = CredHandle()
    st = api.AcquireCredentialsHandle(
        None, package, C.SECPKG_CRED_INBOUND, None, store() if auth is None else auth, None, None, h, TimeStamp()
    )
    assert st == S.SEC_E_OK, st
    return h


@dataclass
class Side:
    cred: CredHandle
    ctx: CtxtHandle = field(default_factory=CtxtHandle)
    started: bool = False
    status: S | None = None
    attrs: int = 0
    tokens: list[bytes] = field(default_factory=list)


def isc(side: Side, token: bytes | None, req: int = CLIENT_REQ, target: str | None = TARGET,
        cbt: bytes | None = None) -> tuple[S, bytes]:
    bufs = []
    if token is not None:
        bufs.append(SecBuffer(C.SECBUFFER_TOKEN, token))
    if cbt is not None:
        bufs.append(SecBuffer(C.SECBUFFER_CHANNEL_BINDINGS, cbt))
    pin = SecBufferDesc(bufs) if bufs else None
    out = SecBuffer(C.SECBUFFER_TOKEN)
    attrs = ULONG()
    st = api.InitializeSecurityContext(
        side.cred, side.ctx if side.started else None, target, req, 0, C.SECURITY_NATIVE_DREP, pin, 0,
        side.ctx, SecBufferDesc([out]), attrs, TimeStamp(),
    )
    side.started = side.started or not st.is_error
    side.status = st
    side.attrs = attrs.value if isinstance(attrs.value, int) else 0
    data = out.tobytes()
    api.FreeContextBuffer(out)
    side.tokens.append(data)
    return st, data


def asc(side: Side, token: bytes | None, req: int = SERVER_REQ, cbt: bytes | None = None) -> tuple[S, bytes]:
    bufs = []
    if token is not None:
        bufs.append(SecBuffer(C.SECBUFFER_TOKEN, token))
    if cbt is not None:
        bufs.append(SecBuffer(C.SECBUFFER_CHANNEL_BINDINGS, cbt))
    pin = SecBufferDesc(bufs) if bufs else None
    out = SecBuffer(C.SECBUFFER_TOKEN)
    attrs = ULONG()
    st = api.AcceptSecurityContext(
        side.cred, side.ctx if side.started else None, pin, req, C.SECURITY_NATIVE_DREP, side.ctx,
        SecBufferDesc([out]), attrs, TimeStamp(),
    )
    side.started = side.started or not st.is_error
    side.status = st
    side.attrs = attrs.value if isinstance(attrs.value, int) else 0
    data = out.tobytes()
    api.FreeContextBuffer(out)
    side.tokens.append(data)
    return st, data


def handshake(client: Side, server: Side, *, creq: int = CLIENT_REQ, sreq: int = SERVER_REQ,
              target: str | None = TARGET, ccbt: bytes | None = None, scbt: bytes | None = None,
              first: bytes | None = None) -> None:
    """Run legs until both sides are done; asserts on any error status."""
    st, tok = isc(client, first, creq, target, ccbt)
    assert not st.is_error, st
    for _ in range(8):
        sst, tok = asc(server, tok, sreq, scbt)
        assert not sst.is_error, sst
        if client.status == S.SEC_E_OK and sst == S.SEC_E_OK:
            assert not tok
            return
        if not tok:
            assert client.status == S.SEC_E_OK and sst == S.SEC_E_OK
            return
        st, tok = isc(client, tok, creq, target, ccbt)
        assert not st.is_error, st
        if st == S.SEC_E_OK and sst == S.SEC_E_OK and not tok:
            return
        if not tok:
            assert st == S.SEC_E_OK
            return
    raise AssertionError("handshake did not finish")


def seal_roundtrip(sender: CtxtHandle, receiver: CtxtHandle, payload: bytes) -> bytes:
    data = SecBuffer(C.SECBUFFER_DATA, payload)
    tok = SecBuffer(C.SECBUFFER_TOKEN, 64)
    assert api.EncryptMessage(sender, 0, SecBufferDesc([tok, data]), 0) == S.SEC_E_OK
    assert data.tobytes() != payload or not payload
    assert api.DecryptMessage(receiver, SecBufferDesc([tok, data]), 0, ULONG()) == S.SEC_E_OK
    return data.tobytes()


def sign_roundtrip(sender: CtxtHandle, receiver: CtxtHandle, payload: bytes, tamper: bool = False) -> S:
    tok = SecBuffer(C.SECBUFFER_TOKEN, 64)
    assert api.MakeSignature(sender, 0, SecBufferDesc([SecBuffer(C.SECBUFFER_DATA, payload), tok]), 0) == S.SEC_E_OK
    check = payload + b"!" if tamper else payload
    st: S = api.VerifySignature(receiver, SecBufferDesc([SecBuffer(C.SECBUFFER_DATA, check), tok]), 0, ULONG())
    return st
