"""EncryptMessage / DecryptMessage with Schannel's stream buffer layout."""

from __future__ import annotations

import pytest
from sspi_emu_schannel import testcerts

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgContext_StreamSizes
from sspi_emu.buffers import SecBuffer, SecBufferDesc
from sspi_emu.constants import SecurityStatus as St
from sspi_emu.handles import Box
from tests.packages.schannel.schannel_helpers import pair, run_handshake

PKI = testcerts.make_ca_and_server("localhost")


@pytest.fixture(params=["1.3", "1.2"])
def conn(request):
    client, server = pair(PKI, version=request.param)
    run_handshake(client, server)
    assert client.complete and server.complete
    yield client, server
    client.delete()
    server.delete()


def stream_buffers(ctx, payload: bytes):
    sizes = SecPkgContext_StreamSizes()
    assert S.QueryContextAttributes(ctx, C.SECPKG_ATTR_STREAM_SIZES, sizes) == St.SEC_E_OK
    mem = bytearray(sizes.cbHeader + len(payload) + sizes.cbTrailer)
    view = memoryview(mem)
    h, n = sizes.cbHeader, len(payload)
    mem[h:h + n] = payload
    bufs = [SecBuffer(C.SECBUFFER_STREAM_HEADER, view[:h]), SecBuffer(C.SECBUFFER_DATA, view[h:h + n]),
            SecBuffer(C.SECBUFFER_STREAM_TRAILER, view[h + n:]), SecBuffer(C.SECBUFFER_EMPTY)]
    return mem, bufs, sizes


def decrypt_buffers(data: bytes | bytearray):
    mem = bytearray(data)
    return mem, [SecBuffer(C.SECBUFFER_DATA, mem)] + [SecBuffer(C.SECBUFFER_EMPTY) for _ in range(3)]


@pytest.mark.contract("API-SEAL")
def test_in_place_round_trip_and_views(conn):
    client, server = conn
    mem, bufs, sizes = stream_buffers(client.ctx, b"in place")
    assert S.EncryptMessage(client.ctx, 0, SecBufferDesc(bufs), 0) == St.SEC_E_OK
    assert bufs[0].cbBuffer == sizes.cbHeader and bufs[2].cbBuffer == sizes.cbTrailer
    assert bytes(mem[sizes.cbHeader:sizes.cbHeader + 8]) != b"in place"  # encrypted where it lay
    dmem, dbufs = decrypt_buffers(mem)
    assert S.DecryptMessage(server.ctx, SecBufferDesc(dbufs), 0, Box()) == St.SEC_E_OK
    types = [b.BufferType for b in dbufs]
    assert types == [C.SECBUFFER_STREAM_HEADER, C.SECBUFFER_DATA, C.SECBUFFER_STREAM_TRAILER, C.SECBUFFER_EMPTY]
    assert dbufs[1].tobytes() == b"in place"
    # the plaintext is a view into the caller's buffer, not a copy
    dbufs[1].pvBuffer[0:2] = b"IN"
    assert dmem[sizes.cbHeader:sizes.cbHeader + 2] == b"IN"
    assert dbufs[0].cbBuffer + dbufs[1].cbBuffer + dbufs[2].cbBuffer == len(mem)


def test_two_records_extra_then_second(conn):
    client, server = conn
    data = client.encrypt(b"one") + client.encrypt(b"two")
    dmem, dbufs = decrypt_buffers(data)
    assert S.DecryptMessage(server.ctx, SecBufferDesc(dbufs), 0, Box()) == St.SEC_E_OK
    assert dbufs[1].tobytes() == b"one"
    assert dbufs[3].BufferType == C.SECBUFFER_EXTRA
    extra = dbufs[3].tobytes()
    assert extra == data[len(data) // 2:]
    _m, dbufs2 = decrypt_buffers(extra)
    assert S.DecryptMessage(server.ctx, SecBufferDesc(dbufs2), 0, Box()) == St.SEC_E_OK
    assert dbufs2[1].tobytes() == b"two"


@pytest.mark.contract("ISC-RET-INCOMPLETE-MESSAGE")
def test_partial_record_missing_count(conn):
    client, server = conn
    record = client.encrypt(b"x" * 100)
    for cut, missing in ((0, 5), (3, 2), (5, len(record) - 5), (len(record) - 1, 1)):
        _m, dbufs = decrypt_buffers(record[:cut])
        if cut == 0:
            dbufs[0].cbBuffer = 0
        assert S.DecryptMessage(server.ctx, SecBufferDesc(dbufs), 0, Box()) == St.SEC_E_INCOMPLETE_MESSAGE
        assert dbufs[1].BufferType == C.SECBUFFER_MISSING and dbufs[1].cbBuffer == missing
    _m, dbufs = decrypt_buffers(record)  # nothing was consumed by the partial attempts
    assert S.DecryptMessage(server.ctx, SecBufferDesc(dbufs), 0, Box()) == St.SEC_E_OK
    assert dbufs[1].tobytes() == b"x" * 100


@pytest.mark.contract("API-SEAL")
def test_tampered_record_decrypt_failure(conn):
    client, server = conn
    record = bytearray(client.encrypt(b"do not touch"))
    record[-3] ^= 1
    _m, dbufs = decrypt_buffers(record)
    assert S.DecryptMessage(server.ctx, SecBufferDesc(dbufs), 0, Box()) == St.SEC_E_DECRYPT_FAILURE


@pytest.mark.contract("ISC-REQ-REPLAY")
def test_replayed_record_rejected(conn):
    client, server = conn
    record = client.encrypt(b"once")
    assert server.decrypt(record) == b"once"
    _m, dbufs = decrypt_buffers(record)
    assert S.DecryptMessage(server.ctx, SecBufferDesc(dbufs), 0, Box()) == St.SEC_E_DECRYPT_FAILURE


def test_message_too_large_refused(conn):
    client, _server = conn
    _mem, bufs, _sizes = stream_buffers(client.ctx, b"a" * 16385)
    assert S.EncryptMessage(client.ctx, 0, SecBufferDesc(bufs), 0) == St.SEC_E_INVALID_PARAMETER
    mem, bufs, _sizes = stream_buffers(client.ctx, b"a" * 16384)
    assert S.EncryptMessage(client.ctx, 0, SecBufferDesc(bufs), 0) == St.SEC_E_OK


def test_missing_or_small_buffers(conn):
    client, server = conn
    mem, bufs, _ = stream_buffers(client.ctx, b"abc")
    assert S.EncryptMessage(client.ctx, 0, SecBufferDesc(bufs[1:]), 0) == St.SEC_E_INVALID_TOKEN
    bufs[2] = SecBuffer(C.SECBUFFER_STREAM_TRAILER, bytearray(3))
    assert S.EncryptMessage(client.ctx, 0, SecBufferDesc(bufs), 0) == St.SEC_E_BUFFER_TOO_SMALL
    assert S.EncryptMessage(client.ctx, C.SECQOP_WRAP_NO_ENCRYPT, SecBufferDesc(bufs), 0) == St.SEC_E_QOP_NOT_SUPPORTED
    record = client.encrypt(b"abc")
    _m, dbufs = decrypt_buffers(record)
    assert S.DecryptMessage(server.ctx, SecBufferDesc(dbufs[:2]), 0, Box()) == St.SEC_E_INVALID_TOKEN


def test_not_tls_is_invalid_token(conn):
    _client, server = conn
    _m, dbufs = decrypt_buffers(b"GET / HTTP/1.1\r\n")
    assert S.DecryptMessage(server.ctx, SecBufferDesc(dbufs), 0, Box()) == St.SEC_E_INVALID_TOKEN


def test_message_functions_need_a_complete_context():
    client, server = pair(PKI)
    client.start()
    _mem, bufs, = bytearray(30), [SecBuffer(C.SECBUFFER_STREAM_HEADER, 5), SecBuffer(C.SECBUFFER_DATA, b"x"),
                                   SecBuffer(C.SECBUFFER_STREAM_TRAILER, 17), SecBuffer()]
    assert S.EncryptMessage(client.ctx, 0, SecBufferDesc(bufs), 0) == St.SEC_E_INVALID_HANDLE
    assert client.query(C.SECPKG_ATTR_STREAM_SIZES, SecPkgContext_StreamSizes()) == St.SEC_E_INVALID_HANDLE


def test_encrypt_after_shutdown_is_expired(conn):
    client, server = conn
    close = client.shutdown()
    mem, bufs, _ = stream_buffers(client.ctx, b"late")
    assert S.EncryptMessage(client.ctx, 0, SecBufferDesc(bufs), 0) == St.SEC_E_CONTEXT_EXPIRED
    assert server.decrypt(close) == b"" and server.status == St.SEC_I_CONTEXT_EXPIRED


def test_server_alert_control_token(conn):
    _client, server = conn
    import struct

    token = struct.pack("<III", C.SCHANNEL_ALERT, C.TLS1_ALERT_FATAL, 80)
    assert S.ApplyControlToken(server.ctx, SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, token)])) == St.SEC_E_OK
    status, out = server._leg(None)
    assert status == St.SEC_E_OK and out[:1] in (b"\x15", b"\x17")
    _client.decrypt(out)
    assert _client.status == St.SEC_E_ILLEGAL_MESSAGE


def test_key_update_both_directions():
    """TLS 1.3 KeyUpdate: DecryptMessage surfaces it as SEC_I_RENEGOTIATE, the next leg sends the answer."""
    client, server = pair(PKI, version="1.3")
    run_handshake(client, server)
    from sspi_emu import dispatcher

    ceng = dispatcher.contexts.get(client.ctx).pctx.engine
    ceng.request_key_update(request_peer=True)
    update = ceng.take_output()
    assert server.decrypt(update + client.encrypt(b"after update")) == b"after update"
    answer = server.pending_output  # the server's own KeyUpdate, from the leg after SEC_I_RENEGOTIATE
    assert answer
    assert client.decrypt(answer + server.encrypt(b"both updated")) == b"both updated"


def test_tls12_renegotiation_refused_with_warning():
    """A TLS 1.2 HelloRequest reaches the client as SEC_I_RENEGOTIATE; the next leg answers no_renegotiation."""
    from sspi_emu_schannel.tls.constants import ContentType

    from sspi_emu import dispatcher

    client, server = pair(PKI, version="1.2")
    run_handshake(client, server)
    seng = dispatcher.contexts.get(server.ctx).pctx.engine
    hello_request = seng.write.seal(ContentType.HANDSHAKE, b"\x00\x00\x00\x00")
    assert client.decrypt(hello_request + server.encrypt(b"still here")) == b"still here"
    assert client.renegotiations == 1
    warning = client.pending_output
    assert warning[:1] == b"\x15"
    ceng_status = server.decrypt(warning + client.encrypt(b"and you"))
    assert ceng_status == b"and you"  # the warning alert is skipped (TLS 1.2), data continues
