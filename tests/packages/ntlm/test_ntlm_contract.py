"""SEED-CONTRACT rows an NTLM exchange shows, through the C-shaped API."""

from __future__ import annotations

import threading

import pytest

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.buffers import SecBuffer, SecBufferDesc
from tests.packages.ntlm.ntlm_helpers import (
    Pair,
    acquire,
    client_cred,
    seal,
    server_cred,
    store,
    unseal,
)


@pytest.mark.contract("ISC-CRED-OUTBOUND")
def test_inbound_credential_cannot_initiate() -> None:
    pair = Pair(server_cred(), server_cred())
    st, _ = pair.isc(None)
    assert st == C.SEC_E_NO_CREDENTIALS


@pytest.mark.contract("ASC-CRED-INBOUND")
def test_outbound_credential_cannot_accept() -> None:
    pair = Pair(client_cred(), client_cred())
    _st, t1 = pair.isc(None)
    st, _ = pair.asc(t1)
    assert st == C.SEC_E_NO_CREDENTIALS


def test_both_credential_initiates_and_accepts() -> None:
    s = store()
    ident = S.SEC_WINNT_AUTH_IDENTITY(User="user", Domain="DOMAIN", Password="Password01")
    from sspi_emu_ntlm import NtlmSettings

    both = acquire(C.SECPKG_CRED_BOTH, NtlmSettings(identity=ident, accounts=s))
    assert Pair(both, both).run() == C.SEC_E_OK


@pytest.mark.contract("ISC-DREP")
@pytest.mark.parametrize("drep", [C.SECURITY_NATIVE_DREP, C.SECURITY_NETWORK_DREP])
def test_data_rep_native_and_network(drep: int) -> None:
    ccred, scred = client_cred(), server_cred()
    cctx, sctx = S.CtxtHandle(), S.CtxtHandle()
    attr = S.ULONG()
    req = C.ISC_REQ_CONNECTION | C.ISC_REQ_ALLOCATE_MEMORY | C.ISC_REQ_CONFIDENTIALITY

    def out() -> SecBufferDesc:
        return SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, None)])

    o1 = out()
    assert S.InitializeSecurityContext(ccred, None, "HTTP/x", req, 0, drep, None, 0, cctx, o1, attr,
                                       S.TimeStamp()) == C.SEC_I_CONTINUE_NEEDED
    o2 = out()
    assert S.AcceptSecurityContext(scred, None, SecBufferDesc([o1[0]]), C.ASC_REQ_ALLOCATE_MEMORY, drep, sctx, o2,
                                   attr, S.TimeStamp()) == C.SEC_I_CONTINUE_NEEDED
    o3 = out()
    assert S.InitializeSecurityContext(ccred, cctx, "HTTP/x", req, 0, drep, SecBufferDesc([o2[0]]), 0, cctx, o3,
                                       attr, S.TimeStamp()) == C.SEC_E_OK
    assert S.AcceptSecurityContext(scred, sctx, SecBufferDesc([o3[0]]), C.ASC_REQ_ALLOCATE_MEMORY, drep, sctx, out(),
                                   attr, S.TimeStamp()) == C.SEC_E_OK


@pytest.mark.contract("ISC-INPUT-FIRST")
@pytest.mark.parametrize("first_input", ["none", "empty-desc", "bindings-only"])
def test_first_leg_input_shapes(first_input: str) -> None:
    ccred = client_cred()
    ctx = S.CtxtHandle()
    pin: SecBufferDesc | None = None
    if first_input == "empty-desc":
        pin = SecBufferDesc([])
    elif first_input == "bindings-only":
        from tests.packages.ntlm.ntlm_helpers import cb_buffer

        pin = SecBufferDesc([cb_buffer(b"x")])
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, None)])
    st = S.InitializeSecurityContext(ccred, None, "HTTP/x", C.ISC_REQ_ALLOCATE_MEMORY, 0, C.SECURITY_NATIVE_DREP, pin,
                                     0, ctx, out, S.ULONG(), S.TimeStamp())
    assert st == C.SEC_I_CONTINUE_NEEDED and out[0].tobytes().startswith(b"NTLMSSP\x00\x01")


@pytest.mark.contract("ISC-REQ-ALLOCATE", "ISC-ATTR-EARLY", "API-FREE-BUFFER")
def test_allocate_memory_and_free() -> None:
    pair = Pair(client_cred(), server_cred())
    ccred = client_cred()
    ctx = S.CtxtHandle()
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, None)])
    attr = S.ULONG()
    st = S.InitializeSecurityContext(ccred, None, "HTTP/x", C.ISC_REQ_ALLOCATE_MEMORY | C.ISC_REQ_CONFIDENTIALITY, 0,
                                     C.SECURITY_NATIVE_DREP, None, 0, ctx, out, attr, S.TimeStamp())
    assert st == C.SEC_I_CONTINUE_NEEDED
    assert isinstance(attr.value, int) and attr.value & C.ISC_RET_ALLOCATED_MEMORY
    assert out[0].cbBuffer > 0
    assert S.FreeContextBuffer(out[0]) == C.SEC_E_OK
    assert S.FreeContextBuffer(out[0]) != C.SEC_E_OK
    assert pair.run() == C.SEC_E_OK


@pytest.mark.contract("ISC-EXPIRY", "ASC-EXPIRY")
def test_expiry_reported() -> None:
    ccred, scred = client_cred(), server_cred()
    cctx, sctx = S.CtxtHandle(), S.CtxtHandle()
    cexp, sexp = S.TimeStamp(), S.TimeStamp()
    out1 = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, None)])
    S.InitializeSecurityContext(ccred, None, "HTTP/x", C.ISC_REQ_ALLOCATE_MEMORY, 0, 0x10, None, 0, cctx, out1,
                                S.ULONG(), cexp)
    out2 = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, None)])
    S.AcceptSecurityContext(scred, None, SecBufferDesc([out1[0]]), C.ASC_REQ_ALLOCATE_MEMORY, 0x10, sctx, out2,
                            S.ULONG(), sexp)
    assert isinstance(cexp.value, int) and cexp.value > 0
    assert sexp.value == C.TIMESTAMP_NEVER


@pytest.mark.contract("ASC-OUTPUT-ON-OK")
def test_server_final_leg_ok_with_empty_token() -> None:
    pair = Pair(client_cred(), server_cred())
    assert pair.run() == C.SEC_E_OK
    assert pair.tokens[-1] == b""


@pytest.mark.contract("API-DELETE")
def test_deleted_context_invalid_handle() -> None:
    pair = Pair(client_cred(), server_cred())
    assert pair.run() == C.SEC_E_OK
    assert S.DeleteSecurityContext(pair.cctx) == C.SEC_E_OK
    bufs = [SecBuffer(C.SECBUFFER_TOKEN, 16), SecBuffer(C.SECBUFFER_DATA, b"x")]
    assert S.EncryptMessage(pair.cctx, 0, SecBufferDesc(bufs), 0) == C.SEC_E_INVALID_HANDLE


@pytest.mark.contract("ISC-FAILED-DELETE", "ASC-INSUFFICIENT")
def test_failed_then_deleted() -> None:
    pair = Pair(client_cred(password="nope"), server_cred())
    assert pair.run() == C.SEC_E_LOGON_DENIED
    assert S.DeleteSecurityContext(pair.sctx) == C.SEC_E_OK
    assert S.DeleteSecurityContext(pair.cctx) == C.SEC_E_OK


@pytest.mark.contract("API-THREADS")
def test_many_threads_independent_contexts() -> None:
    s = store()
    ccred, scred = client_cred(), server_cred(s)
    errors: list[str] = []

    def worker(n: int) -> None:
        try:
            for i in range(10):
                pair = Pair(ccred, scred)
                if pair.run() != C.SEC_E_OK:
                    errors.append("handshake")
                    return
                msg = b"thread %d message %d" % (n, i)
                sig, ct = seal(pair.cctx, msg)
                if unseal(pair.sctx, sig, ct) != (C.SEC_E_OK, msg, 0):
                    errors.append("seal")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


@pytest.mark.contract("ISC-ERR-INTERNAL")
def test_unexpected_failure_is_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from sspi_emu_ntlm import client

    def broken(*_a: object) -> bytes:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(client.NtlmClientContext, "_authenticate", broken)
    pair = Pair(client_cred(), server_cred())
    _st, t1 = pair.isc(None)
    _st, t2 = pair.asc(t1)
    assert pair.isc(t2)[0] == C.SEC_E_INTERNAL_ERROR


def _isc(cred: S.CredHandle, ctx: S.CtxtHandle | None, new: S.CtxtHandle, reserved1: int = 0,
         reserved2: int = 0) -> C.SecurityStatus:
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, None)])
    return S.InitializeSecurityContext(cred, ctx, "HTTP/x", C.ISC_REQ_ALLOCATE_MEMORY, reserved1,
                                       C.SECURITY_NATIVE_DREP, None, reserved2, new, out, S.ULONG(), S.TimeStamp())


@pytest.mark.contract("ISC-RESERVED")
def test_reserved_arguments_refused() -> None:
    cred = client_cred()
    assert _isc(cred, None, S.CtxtHandle(), reserved1=1) == C.SEC_E_INVALID_PARAMETER
    assert _isc(cred, None, S.CtxtHandle(), reserved2=1) == C.SEC_E_INVALID_PARAMETER
    assert _isc(cred, None, S.CtxtHandle()) == C.SEC_I_CONTINUE_NEEDED


@pytest.mark.contract("ISC-CRED-INVALID", "API-FREE-CRED")
def test_freed_credential_invalid() -> None:
    cred = client_cred()
    assert S.FreeCredentialsHandle(cred) == C.SEC_E_OK
    assert _isc(cred, None, S.CtxtHandle()) == C.SEC_E_INVALID_HANDLE
    assert S.FreeCredentialsHandle(cred) == C.SEC_E_INVALID_HANDLE


@pytest.mark.contract("ISC-CTX-INVALID")
def test_deleted_context_handle_in_isc() -> None:
    cred = client_cred()
    ctx = S.CtxtHandle()
    assert _isc(cred, None, ctx) == C.SEC_I_CONTINUE_NEEDED
    assert S.DeleteSecurityContext(ctx) == C.SEC_E_OK
    assert _isc(cred, ctx, ctx) == C.SEC_E_INVALID_HANDLE
