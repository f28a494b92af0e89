"""ExportSecurityContext / ImportSecurityContext with NTLM: an established context moves and carries on."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.buffers import SecBuffer
from sspi_emu.packed_context import PackedContext, pack, unpack
from tests.packages.ntlm.ntlm_helpers import Pair, client_cred, server_cred
from tests.packages.ntlm.test_ntlm_datagram import CREQ, SREQ, _asc_first, _seal, _sign, _unseal, _verify

St = C.SecurityStatus


def _pair() -> Pair:
    pair = Pair(client_cred(), server_cred())
    _, t = pair.isc(None)
    _, t = pair.asc(t)
    _, t = pair.isc(t)
    assert pair.asc(t)[0] == St.SEC_E_OK
    return pair


def _export(ctx: S.CtxtHandle, flags: int = 0) -> bytes:
    packed = SecBuffer(C.SECBUFFER_EMPTY)
    token = S.Box()
    assert S.ExportSecurityContext(ctx, flags, packed, token) == St.SEC_E_OK
    data = packed.tobytes()
    assert S.FreeContextBuffer(packed) == St.SEC_E_OK
    return data


def _import(data: bytes, package: str = "NTLM") -> tuple[C.SecurityStatus, S.CtxtHandle]:
    handle = S.CtxtHandle()
    return S.ImportSecurityContext(package, SecBuffer(C.SECBUFFER_EMPTY, data), None, handle), handle


def test_both_sides_move_midway_and_keep_their_sequence_and_keystream() -> None:
    pair = _pair()
    for i in range(3):  # use the keystream and sequence numbers before moving
        sig, sealed = _seal(pair.cctx, b"before %d" % i, 0)
        assert _unseal(pair.sctx, sig, sealed, 0) == (St.SEC_E_OK, b"before %d" % i)
    sig = _sign(pair.sctx, b"server signs", 0)
    assert _verify(pair.cctx, b"server signs", sig, 0) == St.SEC_E_OK
    client_blob = _export(pair.cctx, C.SECPKG_CONTEXT_EXPORT_DELETE_OLD)
    server_blob = _export(pair.sctx, C.SECPKG_CONTEXT_EXPORT_DELETE_OLD)
    assert S.DeleteSecurityContext(pair.cctx) == St.SEC_E_INVALID_HANDLE  # DELETE_OLD deleted it
    st1, client = _import(client_blob)
    st2, server = _import(server_blob)
    assert st1 == st2 == St.SEC_E_OK
    for i in range(3):
        sig, sealed = _seal(client, b"after %d" % i, 0)
        assert _unseal(server, sig, sealed, 0) == (St.SEC_E_OK, b"after %d" % i)
        sig, sealed = _seal(server, b"reply %d" % i, 0)
        assert _unseal(client, sig, sealed, 0) == (St.SEC_E_OK, b"reply %d" % i)
    names = S.Box()
    assert S.QueryContextAttributes(server, C.SECPKG_ATTR_NAMES, names) == St.SEC_E_OK
    assert names.value.sUserName == "DOMAIN\\user"
    flags = S.Box()
    assert S.QueryContextAttributes(client, C.SECPKG_ATTR_FLAGS, flags) == St.SEC_E_OK
    assert flags.value.Flags & C.ISC_RET_CONFIDENTIALITY
    for h in (client, server):
        assert S.DeleteSecurityContext(h) == St.SEC_E_OK


def test_export_keeps_the_old_context_unless_asked() -> None:
    pair = _pair()
    blob = _export(pair.cctx)
    st_, copy = _import(blob)
    assert st_ == St.SEC_E_OK
    sig, sealed = _seal(copy, b"from the copy", 0)
    assert _unseal(pair.sctx, sig, sealed, 0) == (St.SEC_E_OK, b"from the copy")
    assert S.DeleteSecurityContext(pair.cctx) == St.SEC_E_OK  # the original is still there


def test_connectionless_context_moves() -> None:
    pair = Pair(client_cred(), server_cred(), creq=CREQ, sreq=SREQ)
    pair.isc(None)
    _, challenge = _asc_first(pair)
    _, auth = pair.isc(challenge)
    assert pair.asc(auth)[0] == St.SEC_E_OK
    st_, client = _import(_export(pair.cctx))
    assert st_ == St.SEC_E_OK
    sig, sealed = _seal(client, b"datagram", 41)
    assert _unseal(pair.sctx, sig, sealed, 41) == (St.SEC_E_OK, b"datagram")


def test_what_cannot_move() -> None:
    pair = Pair(client_cred(), server_cred())
    _, t = pair.isc(None)  # not established yet
    packed = SecBuffer(C.SECBUFFER_EMPTY)
    assert S.ExportSecurityContext(pair.cctx, 0, packed, None) == St.SEC_E_UNSUPPORTED_FUNCTION
    v1 = Pair(client_cred(lm_compat_level=0), server_cred(lm_compat_level=0))  # no extended session security
    _, t = v1.isc(None)
    _, t = v1.asc(t)
    _, t = v1.isc(t)
    assert v1.asc(t)[0] == St.SEC_E_OK
    assert S.ExportSecurityContext(v1.cctx, 0, packed, None) == St.SEC_E_UNSUPPORTED_FUNCTION
    done = _pair()
    assert S.ExportSecurityContext(done.cctx, C.SECPKG_CONTEXT_EXPORT_TO_KERNEL, packed, None) \
        == St.SEC_E_UNSUPPORTED_FUNCTION
    assert S.ExportSecurityContext(done.cctx, 0x80, packed, None) == St.SEC_E_INVALID_PARAMETER
    assert S.ExportSecurityContext(done.cctx, 0, None, None) == St.SEC_E_INVALID_PARAMETER
    assert S.ExportSecurityContext(S.CtxtHandle(), 0, packed, None) == St.SEC_E_INVALID_HANDLE


def test_import_refuses_what_it_cannot_read() -> None:
    blob = _export(_pair().cctx)
    assert _import(blob, "Nope")[0] == St.SEC_E_SECPKG_NOT_FOUND
    assert _import(blob, "WDigest")[0] == St.SEC_E_INVALID_TOKEN  # exported by NTLM
    assert _import(b"garbage")[0] == St.SEC_E_INVALID_TOKEN
    ctx = unpack(blob)
    bad_inner = pack(PackedContext(ctx.package, ctx.side, ctx.attrs, ctx.expiry, ctx.start, ctx.target,
                                   ctx.blob.replace(b'"v":1', b'"v":9')))
    assert _import(bad_inner)[0] == St.SEC_E_INVALID_TOKEN
    assert S.ImportSecurityContext("NTLM", blob, None, S.CtxtHandle()) == St.SEC_E_INVALID_PARAMETER  # not a SecBuffer
    assert S.ImportSecurityContext("NTLM", SecBuffer(C.SECBUFFER_EMPTY, blob), None, None) \
        == St.SEC_E_INVALID_PARAMETER


def test_packages_that_cannot_export_say_so() -> None:
    """A context not yet established does not move; nor does an established Schannel context."""
    from sspi_emu_digest import DigestServerOptions
    from sspi_emu_schannel import testcerts

    from sspi_emu.accounts import MemoryAccountStore
    from tests.packages.schannel.schannel_helpers import pair, run_handshake

    store = MemoryAccountStore()
    store.add("alice", "Passw0rd!")
    scred = S.Credential("WDigest", use="inbound", auth_data=DigestServerOptions(store=store, realm="r"))
    server = S.ServerContext("WDigest", credential=scred, flags=C.ASC_REQ_HTTP)
    packed = SecBuffer(C.SECBUFFER_EMPTY)
    server.step(None, buffers=[SecBuffer(C.SECBUFFER_PKG_PARAMS, b"GET"), SecBuffer(C.SECBUFFER_PKG_PARAMS, b"/")])
    assert S.ExportSecurityContext(server.handle, 0, packed, None) == St.SEC_E_UNSUPPORTED_FUNCTION  # not established
    client, tls_server = pair(testcerts.make_ca_and_server("localhost"))
    run_handshake(client, tls_server)
    assert client.complete and tls_server.complete
    assert S.ExportSecurityContext(tls_server.ctx, 0, packed, None) == St.SEC_E_UNSUPPORTED_FUNCTION  # Schannel cannot
    assert packed.pvBuffer is None


_BLOB: list[bytes] = []


def _a_blob() -> bytes:
    if not _BLOB:
        _BLOB.append(_export(_pair().cctx))
    return _BLOB[0]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_or_random_packed_contexts_give_statuses(data: st.DataObject) -> None:
    blob = bytearray(_a_blob())
    choice = data.draw(st.sampled_from(["flip", "cut", "random"]))
    if choice == "flip":
        i = data.draw(st.integers(0, len(blob) - 1))
        blob[i] ^= data.draw(st.integers(1, 255))
    elif choice == "cut":
        del blob[data.draw(st.integers(0, len(blob) - 1)):]
    else:
        blob = bytearray(data.draw(st.binary(max_size=300)))
    status, handle = _import(bytes(blob))
    assert status in (St.SEC_E_OK, St.SEC_E_INVALID_TOKEN)
    if status == St.SEC_E_OK:
        S.DeleteSecurityContext(handle)


@pytest.mark.parametrize("junk", [b"", b"SSPI-EMU CONTEXT", b"SSPI-EMU CONTEXT\x02\x00\x00\x00\x02{}",
                                  b"SSPI-EMU CONTEXT\x01\xff\xff\xff\xff", b"SSPI-EMU CONTEXT\x01\x00\x00\x00\x02[]"])
def test_envelope_junk_is_refused(junk: bytes) -> None:
    assert _import(junk)[0] == St.SEC_E_INVALID_TOKEN


def _negotiate_pair() -> tuple[S.ClientContext, S.ServerContext]:
    from sspi_emu.accounts import MemoryAccountStore

    store = MemoryAccountStore()
    store.add("alice", "Passw0rd!", "DEMO")
    ccred = S.Credential("Negotiate", user="DEMO\\alice", password="Passw0rd!")
    scred = S.Credential("Negotiate", use="inbound", auth_data=store)
    client = S.ClientContext("Negotiate", target="HTTP/web.example", credential=ccred)
    server = S.ServerContext("Negotiate", credential=scred)
    token = client.step(None)
    while not (client.complete and server.complete):
        token = server.step(token)
        if token or not client.complete:
            token = client.step(token)
    return client, server


def test_negotiate_contexts_move_through_their_mechanism(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRB5_CONFIG", "/nonexistent")  # no Kerberos: Negotiate runs NTLM
    for name in ("SSPI_EMU_REALM", "SSPI_EMU_KDC"):
        monkeypatch.delenv(name, raising=False)
    client, server = _negotiate_pair()
    assert server.unwrap(client.wrap(b"before")) == b"before"
    st1, moved_client = _import(_export(client.handle, C.SECPKG_CONTEXT_EXPORT_DELETE_OLD), "Negotiate")
    st2, moved_server = _import(_export(server.handle, C.SECPKG_CONTEXT_EXPORT_DELETE_OLD), "Negotiate")
    assert st1 == st2 == St.SEC_E_OK
    sig, sealed = _seal(moved_client, b"after the move", 0)
    assert _unseal(moved_server, sig, sealed, 0) == (St.SEC_E_OK, b"after the move")
    info = S.Box()
    assert S.QueryContextAttributes(moved_server, C.SECPKG_ATTR_NEGOTIATION_PACKAGE, info) == St.SEC_E_OK
    assert info.value.PackageInfo.Name == "NTLM"
    for h in (moved_client, moved_server):
        assert S.DeleteSecurityContext(h) == St.SEC_E_OK
    for inner in (b'{"v":1}', b'{"v":1,"client":true,"package":"NTLM","raw":false,"mech_types":[],"inner":"!!"}',
                  b'{"v":1,"client":true,"package":"Nope","raw":false,"mech_types":[],"inner":""}'):
        bad = pack(PackedContext("Negotiate", "client", 0, 0, 0, None, inner))
        assert _import(bad, "Negotiate")[0] == St.SEC_E_INVALID_TOKEN


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200) | st.builds(lambda d: json.dumps(d).encode(), st.dictionaries(
    st.sampled_from(["v", "client", "package", "raw", "mech_types", "inner"]),
    st.one_of(st.integers(), st.booleans(), st.text(max_size=10), st.lists(st.text(max_size=5), max_size=3)))))
def test_negotiate_import_reads_garbage_as_invalid_token(inner: bytes) -> None:
    status, handle = _import(pack(PackedContext("Negotiate", "server", 0, 0, 0, None, inner)), "Negotiate")
    assert status in (St.SEC_E_INVALID_TOKEN, St.SEC_E_UNSUPPORTED_FUNCTION)
