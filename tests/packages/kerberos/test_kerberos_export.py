"""ExportSecurityContext / ImportSecurityContext with Kerberos: an established context moves and carries on."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sspi_emu_kerberos.exported import import_context

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.buffers import SecBuffer
from sspi_emu.errors import SspiError
from tests.packages.kerberos.fake_kdc import FakeKdc
from tests.packages.kerberos.test_kerberos_exchange import FLAGS, SPN, client_cred, handshake
from tests.packages.ntlm.test_ntlm_export import _export, _import

St = C.SecurityStatus


@pytest.fixture
def kdc() -> FakeKdc:
    return FakeKdc({"alice": "Passw0rd!"}, {SPN: "svc-secret"})


def _wrap(ctx: S.CtxtHandle, data: bytes) -> list[SecBuffer]:
    bufs = [SecBuffer(C.SECBUFFER_TOKEN, 128), SecBuffer(C.SECBUFFER_DATA, data), SecBuffer(C.SECBUFFER_PADDING, 64)]
    assert S.EncryptMessage(ctx, 0, S.SecBufferDesc(bufs), 0) == St.SEC_E_OK
    return bufs


def _unwrap(ctx: S.CtxtHandle, bufs: list[SecBuffer]) -> tuple[C.SecurityStatus, bytes]:
    st_ = S.DecryptMessage(ctx, S.SecBufferDesc(bufs), 0, None)
    return st_, bufs[1].tobytes()


def test_both_sides_move_and_keep_their_sequence(kdc: FakeKdc) -> None:
    client, server = handshake(kdc, FLAGS)
    for i in range(2):
        assert server.unwrap(client.wrap(b"before %d" % i)) == b"before %d" % i
    st1, moved_client = _import(_export(client.handle, C.SECPKG_CONTEXT_EXPORT_DELETE_OLD), "Kerberos")
    st2, moved_server = _import(_export(server.handle, C.SECPKG_CONTEXT_EXPORT_DELETE_OLD), "Kerberos")
    assert st1 == st2 == St.SEC_E_OK
    for i in range(2):
        assert _unwrap(moved_server, _wrap(moved_client, b"after %d" % i)) == (St.SEC_E_OK, b"after %d" % i)
        assert _unwrap(moved_client, _wrap(moved_server, b"reply %d" % i)) == (St.SEC_E_OK, b"reply %d" % i)
    names = S.Box()
    assert S.QueryContextAttributes(moved_server, C.SECPKG_ATTR_NAMES, names) == St.SEC_E_OK
    assert names.value.sUserName.startswith("alice@")
    key_c, key_s = S.Box(), S.Box()
    assert S.QueryContextAttributes(moved_client, C.SECPKG_ATTR_SESSION_KEY, key_c) == St.SEC_E_OK
    assert S.QueryContextAttributes(moved_server, C.SECPKG_ATTR_SESSION_KEY, key_s) == St.SEC_E_OK
    assert key_c.value.SessionKey == key_s.value.SessionKey


def test_a_replayed_message_is_still_caught_after_the_move(kdc: FakeKdc) -> None:
    client, server = handshake(kdc, FLAGS)
    first = _wrap(client.handle, b"once")
    st_, moved_server = _import(_export(server.handle), "Kerberos")
    assert st_ == St.SEC_E_OK
    copy = [SecBuffer(b.BufferType, b.tobytes()) for b in first]
    assert _unwrap(moved_server, first)[0] == St.SEC_E_OK
    assert _unwrap(moved_server, copy)[0] in (St.SEC_E_OUT_OF_SEQUENCE, St.SEC_E_MESSAGE_ALTERED)


def test_an_unfinished_context_does_not_move(kdc: FakeKdc) -> None:
    client = S.ClientContext("Kerberos", target=SPN, credential=client_cred(kdc), flags=FLAGS)
    client.step(None)  # mutual authentication: waiting for the AP-REP
    assert S.ExportSecurityContext(client.handle, 0, SecBuffer(C.SECBUFFER_EMPTY), None) \
        == St.SEC_E_UNSUPPORTED_FUNCTION


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | st.builds(lambda d: json.dumps(d).encode(), st.dictionaries(
    st.sampled_from(["v", "key", "initiator", "acceptor_subkey", "send_seq", "recv_seq", "check_sequence",
                     "session_key", "ret_flags", "client_name", "server_name", "start", "expiry"]),
    st.one_of(st.integers(-5, 2**65), st.booleans(), st.text(max_size=8), st.none(),
              st.lists(st.one_of(st.integers(0, 30), st.text(max_size=70)), max_size=3)))))
def test_import_reads_garbage_as_invalid_token(data: bytes) -> None:
    try:
        import_context(data)
    except SspiError as exc:
        assert exc.status == St.SEC_E_INVALID_TOKEN
