"""SEED-CONTRACT rows exercised through a Negotiate context (fake inner mechanisms)."""

from __future__ import annotations

import threading

import pytest

from sspi_emu import api
from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgCredentials_Names
from sspi_emu.buffers import SecBuffer, SecBufferDesc
from sspi_emu.constants import SecurityStatus as S
from sspi_emu.handles import ULONG, CtxtHandle, TimeStamp

from .conftest import CLIENT_REQ, TARGET, Side, client_cred, handshake, seal_roundtrip, server_cred


@pytest.mark.contract("ISC-REQ-CALLER-BUFFER")
def test_caller_sized_output_buffer(ntlm_only):
    cred = client_cred()
    small = SecBuffer(C.SECBUFFER_TOKEN, 8)
    st = api.InitializeSecurityContext(cred, None, TARGET, CLIENT_REQ & ~C.ISC_REQ_ALLOCATE_MEMORY, 0,
                                       C.SECURITY_NATIVE_DREP, None, 0, CtxtHandle(), SecBufferDesc([small]),
                                       ULONG(), TimeStamp())
    assert st == S.SEC_E_BUFFER_TOO_SMALL
    big = SecBuffer(C.SECBUFFER_TOKEN, 48256)
    ctx = CtxtHandle()
    st = api.InitializeSecurityContext(cred, None, TARGET, CLIENT_REQ & ~C.ISC_REQ_ALLOCATE_MEMORY, 0,
                                       C.SECURITY_NATIVE_DREP, None, 0, ctx, SecBufferDesc([big]), ULONG(),
                                       TimeStamp())
    assert st == S.SEC_I_CONTINUE_NEEDED and 0 < big.cbBuffer < 48256
    assert big.tobytes().startswith(b"\x60")


@pytest.mark.contract("ISC-CRED-OUTBOUND", "ASC-CRED-INBOUND")
def test_credential_direction(ntlm_only):
    inbound = server_cred()
    st = api.InitializeSecurityContext(inbound, None, TARGET, CLIENT_REQ, 0, C.SECURITY_NATIVE_DREP, None, 0,
                                       CtxtHandle(), SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN)]), ULONG(),
                                       TimeStamp())
    assert st == S.SEC_E_NO_CREDENTIALS


def test_credential_names_come_from_the_inner_credential(ntlm_only):
    names = SecPkgCredentials_Names()
    st = api.QueryCredentialsAttributes(client_cred(), C.SECPKG_CRED_ATTR_NAMES, names)
    assert st == S.SEC_E_OK and names.sUserName.endswith("alice")


@pytest.mark.contract("API-THREADS")
def test_independent_contexts_in_threads(ntlm_only):
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            for j in range(5):
                client, server = Side(client_cred()), Side(server_cred())
                handshake(client, server)
                msg = b"thread %d message %d" % (i, j)
                assert seal_roundtrip(client.ctx, server.ctx, msg) == msg
                api.DeleteSecurityContext(client.ctx)
                api.DeleteSecurityContext(server.ctx)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


@pytest.mark.contract("ISC-CTX-FIRST", "ISC-CTX-NEXT", "ASC-CTX-FIRST")
def test_handles_across_legs(ntlm_only):
    client, server = Side(client_cred()), Side(server_cred())
    handshake(client, server)
    assert client.ctx.is_set and server.ctx.is_set
    assert api.DeleteSecurityContext(client.ctx) == S.SEC_E_OK
    assert api.DeleteSecurityContext(client.ctx) == S.SEC_E_INVALID_HANDLE
    token = SecBuffer(C.SECBUFFER_TOKEN, 64)
    st = api.MakeSignature(client.ctx, 0, SecBufferDesc([SecBuffer(C.SECBUFFER_DATA, b"x"), token]), 0)
    assert st == S.SEC_E_INVALID_HANDLE
