"""sspilib.raw behaviours its own test-suite pins down (buffers, channel bindings, message calls), checked
against the shim with NTLM contexts."""

from __future__ import annotations

import os
import types
from typing import Any

import pytest

from tests.compat.test_sspilib import _raw_handshake


@pytest.fixture
def contexts(sspilib: types.ModuleType) -> tuple[Any, Any]:
    return _raw_handshake(sspilib)


def test_desc_indexing_and_empty_buffers(sspilib: types.ModuleType) -> None:
    sr = sspilib.raw
    assert (len(sr.SecBufferDesc([])), list(sr.SecBufferDesc([])), sr.SecBufferDesc([], version=1).version) == \
        (0, [], 1)
    d = sr.SecBufferDesc([
        sr.SecBuffer(bytearray(b"1"), sr.SecBufferType.SECBUFFER_DATA, sr.SecBufferFlags.SECBUFFER_READONLY),
        sr.SecBuffer(bytearray(b"2"), sr.SecBufferType.SECBUFFER_TOKEN),
        sr.SecBuffer(None, sr.SecBufferType.SECBUFFER_PADDING),
    ])
    assert [b.count for b in d] == [1, 1, 0] and [b.data for b in d] == [b"1", b"2", b""]
    assert d[1].buffer_flags == sr.SecBufferFlags.SECBUFFER_NONE
    assert d[-3] is d[0]
    with pytest.raises(IndexError):
        d[-4]
    for data in (bytearray(), None):
        b = sr.SecBuffer(data, sr.SecBufferType.SECBUFFER_DATA)
        assert repr(b) == "SecBuffer(data=bytearray(b''), buffer_type=1, buffer_flags=0)"
        assert str(b) == "SECBUFFER_DATA" and bytes(b.dangerous_get_view()) == b""
    mv = sr.SecBuffer(memoryview(bytearray(b"data")), sr.SecBufferType.SECBUFFER_TOKEN,
                      sr.SecBufferFlags.SECBUFFER_READONLY_WITH_CHECKSUM)
    assert repr(mv) == "SecBuffer(data=bytearray(b'data'), buffer_type=2, buffer_flags=268435456)"
    assert str(mv) == "SECBUFFER_TOKEN|SECBUFFER_READONLY_WITH_CHECKSUM"


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, b"\x00" * 32),
    ({"initiator_addr_type": 1, "initiator_addr": b"12\x003"},
     b"\x01\x00\x00\x00\x04\x00\x00\x00\x20\x00\x00\x00" + b"\x00" * 20 + b"12\x003"),
    ({"acceptor_addr_type": 1, "acceptor_addr": b"12\x003"},
     b"\x00" * 12 + b"\x01\x00\x00\x00\x04\x00\x00\x00\x20\x00\x00\x00" + b"\x00" * 8 + b"12\x003"),
    ({"application_data": b"12\x003"}, b"\x00" * 24 + b"\x04\x00\x00\x00\x20\x00\x00\x0012\x003"),
    ({"initiator_addr_type": 1, "initiator_addr": b"1", "acceptor_addr_type": 2, "acceptor_addr": b"2",
      "application_data": b"3"},
     b"\x01\x00\x00\x00\x01\x00\x00\x00\x20\x00\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00\x21\x00\x00\x00"
     b"\x01\x00\x00\x00\x22\x00\x00\x00123"),
])
def test_channel_bindings_layout(sspilib: types.ModuleType, kwargs: dict[str, Any], expected: bytes) -> None:
    cb = sspilib.raw.SecChannelBindings(**kwargs)
    assert cb.get_sec_buffer_copy().data == expected
    assert cb.initiator_addr == kwargs.get("initiator_addr") and cb.application_data == kwargs.get("application_data")
    assert repr(cb).startswith(f"SecChannelBindings(initiator_addr_type={kwargs.get('initiator_addr_type', 0)}, ")


def test_channel_bindings_dangerous_buffer_shares_memory(sspilib: types.ModuleType) -> None:
    cb = sspilib.raw.SecChannelBindings(application_data=b"12\x003")
    safe, unsafe = cb.get_sec_buffer_copy(), cb.dangerous_get_sec_buffer()
    unsafe.dangerous_get_view()[0] = 1
    assert cb.initiator_addr_type == 1
    assert safe.data[0] == 0 and unsafe.data[0] == 1


def test_encrypt_decrypt_same_desc_both_ways(sspilib: types.ModuleType, contexts: tuple[Any, Any]) -> None:
    sr = sspilib.raw
    sizes = sr.query_context_attributes(contexts[0], sr.SecPkgContextSizes)
    for sender, receiver in (contexts, contexts[::-1]):
        clear = os.urandom(32)
        token, data, padding = bytearray(sizes.security_trailer), bytearray(clear), bytearray(sizes.block_size)
        msg = sr.SecBufferDesc([sr.SecBuffer(token, sr.SecBufferType.SECBUFFER_TOKEN),
                                sr.SecBuffer(data, sr.SecBufferType.SECBUFFER_DATA),
                                sr.SecBuffer(padding, sr.SecBufferType.SECBUFFER_PADDING)])
        sr.encrypt_message(sender, sr.QopFlags(0), msg, 0)
        assert bytes(token) != bytes(len(token)) and bytes(token) == msg[0].data
        assert bytes(data) != clear and bytes(data) == msg[1].data and len(msg[1].data) == msg[1].count
        assert sr.decrypt_message(receiver, msg, 0) == 0
        assert bytes(data) == clear == msg[1].data


def test_stream_decrypt_views_the_plaintext(sspilib: types.ModuleType, contexts: tuple[Any, Any]) -> None:
    sr = sspilib.raw
    sizes = sr.query_context_attributes(contexts[0], sr.SecPkgContextSizes)
    clear = os.urandom(32)
    token, data = bytearray(sizes.security_trailer), bytearray(clear)
    msg = sr.SecBufferDesc([sr.SecBuffer(token, sr.SecBufferType.SECBUFFER_TOKEN),
                            sr.SecBuffer(data, sr.SecBufferType.SECBUFFER_DATA)])
    sr.encrypt_message(contexts[0], 0, msg, 0)
    stream = bytearray(msg[0].data + msg[1].data)
    smsg = sr.SecBufferDesc([sr.SecBuffer(stream, sr.SecBufferType.SECBUFFER_STREAM),
                             sr.SecBuffer(None, sr.SecBufferType.SECBUFFER_DATA)])
    assert sr.decrypt_message(contexts[1], smsg, 0) == 0
    assert smsg[1].data == clear
    view = smsg[1].dangerous_get_view()
    assert bytes(view) == clear and view.obj is stream  # a view into the caller's STREAM bytearray


def test_sign_verify_both_ways_and_failures(sspilib: types.ModuleType, contexts: tuple[Any, Any]) -> None:
    sr = sspilib.raw
    sizes = sr.query_context_attributes(contexts[0], sr.SecPkgContextSizes)
    for sender, receiver in (contexts, contexts[::-1]):
        clear = os.urandom(32)
        data, token = bytearray(clear), bytearray(sizes.security_trailer)
        msg = sr.SecBufferDesc([sr.SecBuffer(data, sr.SecBufferType.SECBUFFER_DATA),
                                sr.SecBuffer(token, sr.SecBufferType.SECBUFFER_TOKEN)])
        sr.make_signature(sender, 0, msg, 0)
        assert bytes(data) == clear and bytes(token) != bytes(len(token)) and bytes(token) == msg[1].data
        assert sr.verify_signature(receiver, msg, 0) == 0
    data, token = bytearray(b"message"), bytearray(sizes.security_trailer)
    msg = sr.SecBufferDesc([sr.SecBuffer(data, sr.SecBufferType.SECBUFFER_DATA),
                            sr.SecBuffer(token, sr.SecBufferType.SECBUFFER_TOKEN)])
    sr.make_signature(contexts[0], 0, msg, 1)
    data[0] = 0
    with pytest.raises(sr.WindowsError) as exc:
        sr.verify_signature(contexts[1], msg, 1)
    assert exc.value.winerror == -2146893041  # SEC_E_MESSAGE_ALTERED
    no_token = sr.SecBufferDesc([sr.SecBuffer(bytearray(b"message"), sr.SecBufferType.SECBUFFER_DATA)])
    for call in (sr.make_signature, sr.encrypt_message):
        with pytest.raises(sr.WindowsError) as exc:
            call(contexts[0], 0, no_token, 2)
        assert exc.value.winerror == -2146893048  # SEC_E_INVALID_TOKEN


def test_decrypt_altered(sspilib: types.ModuleType, contexts: tuple[Any, Any]) -> None:
    sr = sspilib.raw
    data, token = bytearray(b"message"), bytearray(16)
    msg = sr.SecBufferDesc([sr.SecBuffer(data, sr.SecBufferType.SECBUFFER_DATA),
                            sr.SecBuffer(token, sr.SecBufferType.SECBUFFER_TOKEN)])
    sr.encrypt_message(contexts[0], 0, msg, 0)
    data[0] = (data[0] + 1) % 256
    with pytest.raises(sr.WindowsError) as exc:
        sr.decrypt_message(contexts[1], msg, 0)
    assert exc.value.winerror == -2146893041


@pytest.mark.parametrize("flag_name", ["SECBUFFER_READONLY_WITH_CHECKSUM", "SECBUFFER_READONLY"])
def test_encrypt_dce_readonly_buffers(sspilib: types.ModuleType, contexts: tuple[Any, Any], flag_name: str) -> None:
    sr = sspilib.raw
    flag = getattr(sr.SecBufferFlags, flag_name)
    header, clear, trailer = os.urandom(24), os.urandom(32), os.urandom(8)
    h, d, t, tok = bytearray(header), bytearray(clear), bytearray(trailer), bytearray(16)
    msg = sr.SecBufferDesc([sr.SecBuffer(h, sr.SecBufferType.SECBUFFER_DATA, flag),
                            sr.SecBuffer(d, sr.SecBufferType.SECBUFFER_DATA),
                            sr.SecBuffer(t, sr.SecBufferType.SECBUFFER_DATA, flag),
                            sr.SecBuffer(tok, sr.SecBufferType.SECBUFFER_TOKEN)])
    sr.encrypt_message(contexts[0], 0, msg, 0)
    assert bytes(h) == header and bytes(t) == trailer and bytes(d) != clear
    sr.decrypt_message(contexts[1], msg, 0)
    assert bytes(d) == clear and bytes(h) == header
