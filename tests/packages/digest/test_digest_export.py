"""ExportSecurityContext / ImportSecurityContext with Digest: an established context moves and carries on."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sspi_emu_digest.http_wire import DigestCredentials

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgContext_Names
from sspi_emu.buffers import SecBuffer, SecBufferDesc
from sspi_emu.packed_context import pack, unpack

from .digest_helpers import Side, client_cred, server_cred
from .test_digest_nextnonce import check, established, reply, sign, verify
from .test_digest_sasl import handshake, unwrap, wrap

St = C.SecurityStatus


def _export(ctx: S.CtxtHandle, flags: int = 0) -> bytes:
    packed = SecBuffer(C.SECBUFFER_EMPTY)
    assert S.ExportSecurityContext(ctx, flags, packed, S.Box()) == St.SEC_E_OK
    data = packed.tobytes()
    assert S.FreeContextBuffer(packed) == St.SEC_E_OK
    return data


def _import(data: bytes) -> tuple[C.SecurityStatus, S.CtxtHandle]:
    handle = S.CtxtHandle()
    return S.ImportSecurityContext("WDigest", SecBuffer(C.SECBUFFER_EMPTY, data), None, handle), handle


def _moved(ctx: S.CtxtHandle) -> S.CtxtHandle:
    status, handle = _import(_export(ctx, C.SECPKG_CONTEXT_EXPORT_DELETE_OLD))
    assert status == St.SEC_E_OK
    return handle


def test_http_contexts_move_and_go_on_with_further_requests() -> None:
    cctx, sctx, info = established()  # the server sends nextnonce
    assert check(cctx, info) == St.SEC_E_OK  # the client holds an unused nextnonce when it moves
    status, header = sign(cctx)
    assert verify(sctx, header) == St.SEC_E_OK
    client, server = _moved(cctx), _moved(sctx)
    assert S.DeleteSecurityContext(cctx) == St.SEC_E_INVALID_HANDLE  # DELETE_OLD deleted it
    status, header = sign(client)  # the imported client signs on, the imported server verifies
    assert status == St.SEC_E_OK and DigestCredentials.parse(header.decode()).nc == "00000002"
    assert verify(server, header) == St.SEC_E_OK
    assert verify(server, header) == St.SEC_E_OUT_OF_SEQUENCE
    status, answer = reply(server)
    assert status == St.SEC_E_OK and check(client, answer) == St.SEC_E_OK
    status, header = sign(client)  # on the imported server's own nextnonce
    assert DigestCredentials.parse(header.decode()).nc == "00000001"
    assert verify(server, header) == St.SEC_E_OK
    names = SecPkgContext_Names()
    assert S.QueryContextAttributes(server, C.SECPKG_ATTR_NAMES, names) == St.SEC_E_OK and names.sUserName == "alice"


@pytest.mark.parametrize(("creq", "cipher"), [(C.ISC_REQ_CONFIDENTIALITY, "rc4"), (C.ISC_REQ_CONFIDENTIALITY, "3des"),
                                              (C.ISC_REQ_CONFIDENTIALITY, "des"), (C.ISC_REQ_CONFIDENTIALITY, "rc4-40"),
                                              (C.ISC_REQ_INTEGRITY, "rc4")])
def test_sasl_layers_move_midway_and_keep_sequence_and_cipher_state(creq: int, cipher: str) -> None:
    client, server = handshake(creq, sasl_ciphers=(cipher,))
    qop = C.SECQOP_WRAP_NO_ENCRYPT if creq == C.ISC_REQ_INTEGRITY else 0
    for i in range(3):  # use the cipher chain / keystream and sequence numbers before moving
        status, bufs = wrap(client, b"before %d" % i, qop)
        assert status == St.SEC_E_OK and unwrap(server, bufs)[:2] == (St.SEC_E_OK, b"before %d" % i)
        status, bufs = wrap(server, b"reply %d" % i, qop)
        assert unwrap(client, bufs)[:2] == (St.SEC_E_OK, b"reply %d" % i)
    client.ctx, server.ctx = _moved(client.ctx), _moved(server.ctx)
    for i in range(3):
        status, bufs = wrap(client, b"after %d" % i, qop)
        assert status == St.SEC_E_OK and unwrap(server, bufs)[:2] == (St.SEC_E_OK, b"after %d" % i)
        status, bufs = wrap(server, b"answer %d" % i, qop)
        assert unwrap(client, bufs)[:2] == (St.SEC_E_OK, b"answer %d" % i)


def test_only_established_contexts_move() -> None:
    server = Side(server_cred(), C.ASC_REQ_HTTP, server=True)
    assert server.step(None).status == St.SEC_I_CONTINUE_NEEDED
    assert S.ExportSecurityContext(server.ctx, 0, SecBuffer(C.SECBUFFER_EMPTY), S.Box()) == (
        St.SEC_E_UNSUPPORTED_FUNCTION)
    client = Side(client_cred(), 0, target="imap/mail.example")
    client.step(None)
    assert S.ExportSecurityContext(client.ctx, 0, SecBuffer(C.SECBUFFER_EMPTY), S.Box()) == (
        St.SEC_E_UNSUPPORTED_FUNCTION)


def test_the_moved_server_refuses_a_new_handshake() -> None:
    _, sctx, _ = established()
    server = _moved(sctx)
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, 1024)])
    status = S.AcceptSecurityContext(server_cred(), server, SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, b"Digest x")]),
                                     C.ASC_REQ_HTTP, 0, server, out, S.ULONG(), None)
    assert status.is_error


ENVELOPE = unpack(_export(handshake(C.ISC_REQ_CONFIDENTIALITY)[0].ctx))
SAMPLE = ENVELOPE.blob


def test_altered_state_is_an_invalid_token() -> None:
    state = json.loads(SAMPLE)
    for key, bad in (("kind", "other"), ("v", 9), ("req", -1), ("flags", "x"), ("ha1", "zz"), ("at", -5),
                     ("layer", {"qop": "auth-conf", "cipher": "rot13"}), ("server", "no-slash")):
        altered = json.dumps(dict(state, **{key: bad})).encode()
        assert _import(pack(dataclasses.replace(ENVELOPE, blob=altered)))[0] == St.SEC_E_INVALID_TOKEN, key


@settings(max_examples=150, deadline=None)
@given(pos=st.integers(0, len(SAMPLE) - 1), byte=st.integers(0, 255), cut=st.booleans())
def test_mutated_state_gives_a_status_never_an_error(pos: int, byte: int, cut: bool) -> None:
    blob = SAMPLE[:pos] if cut else SAMPLE[:pos] + bytes([byte]) + SAMPLE[pos + 1:]
    status, handle = _import(pack(dataclasses.replace(ENVELOPE, blob=blob)))
    assert status in (St.SEC_E_OK, St.SEC_E_INVALID_TOKEN)
    if status == St.SEC_E_OK:
        S.DeleteSecurityContext(handle)
