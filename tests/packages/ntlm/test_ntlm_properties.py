"""Property tests: every NTLM parser, fed random or mutated messages, gives a status, never another exception."""

from __future__ import annotations

from typing import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sspi_emu_ntlm.authenticate_message import AuthenticateMessage
from sspi_emu_ntlm.av_pairs import TargetInfo
from sspi_emu_ntlm.challenge_message import ChallengeMessage
from sspi_emu_ntlm.channel_bindings import bindings_hash
from sspi_emu_ntlm.negotiate_message import NegotiateMessage
from sspi_emu_ntlm.version import Version

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.errors import SspiError
from tests.packages.ntlm.ntlm_helpers import Pair, cb_buffer, client_cred, server_cred, unseal

_PARSERS: dict[str, Callable[[bytes], object]] = {
    "negotiate": NegotiateMessage.unpack,
    "challenge": ChallengeMessage.unpack,
    "authenticate": AuthenticateMessage.unpack,
    "target_info": TargetInfo.unpack,
    "bindings": bindings_hash,
}


def _handshake_tokens() -> list[bytes]:
    pair = Pair(client_cred(), server_cred())
    assert pair.run([cb_buffer(b"cb")], [cb_buffer(b"cb")]) == C.SEC_E_OK
    return pair.tokens[:3]


TOKENS = _handshake_tokens()
_STATUSES = {int(s) for s in C.SecurityStatus}


def _parse_all(data: bytes) -> None:
    for parse in _PARSERS.values():
        try:
            parse(data)
        except SspiError as e:
            assert e.status in (C.SEC_E_INVALID_TOKEN, C.SEC_E_BAD_BINDINGS)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_parsers_random_bytes(data: bytes) -> None:
    _parse_all(data)
    _parse_all(b"NTLMSSP\x00" + data)
    for t in (1, 2, 3):
        _parse_all(b"NTLMSSP\x00" + bytes([t, 0, 0, 0]) + data)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    base = bytearray(draw(st.sampled_from(TOKENS)))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.integers(0, 2))
        pos = draw(st.integers(0, max(0, len(base) - 1)))
        if kind == 0 and base:
            base[pos] = draw(st.integers(0, 255))
        elif kind == 1:
            del base[pos:]
        else:
            base[pos:pos] = draw(st.binary(min_size=1, max_size=8))
    return bytes(base)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_parsers_mutated_messages(data: bytes) -> None:
    _parse_all(data)


@settings(deadline=None)
@given(st.binary(min_size=8, max_size=8))
def test_version_round_trip(raw: bytes) -> None:
    v = Version.unpack(raw)
    assert Version.unpack(v.pack()) == v


def _status_ok(status: object) -> None:
    assert isinstance(status, C.SecurityStatus)
    assert int(status) in _STATUSES
    assert status != C.SEC_E_INTERNAL_ERROR


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_server_legs_never_raise(data: bytes) -> None:
    pair = Pair(client_cred(), server_cred())
    st1, _ = pair.asc(data)
    _status_ok(st1)
    pair2 = Pair(client_cred(), server_cred())
    _s, t1 = pair2.isc(None)
    _s, _t2 = pair2.asc(t1)
    st2, _ = pair2.asc(data)
    _status_ok(st2)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_client_leg_never_raises(data: bytes) -> None:
    pair = Pair(client_cred(), server_cred())
    pair.isc(None)
    st2, _ = pair.isc(data)
    _status_ok(st2)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=120))
def test_bindings_buffer_never_raises(blob: bytes) -> None:
    pair = Pair(client_cred(), server_cred())
    pair.isc(None)
    from sspi_emu.buffers import SecBuffer

    _s, t1 = Pair(client_cred(), server_cred()).isc(None)
    status, _ = pair.asc(t1, [SecBuffer(C.SECBUFFER_CHANNEL_BINDINGS, blob)])
    _status_ok(status)


_PAIR = Pair(client_cred(), server_cred())
assert _PAIR.run() == C.SEC_E_OK


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40), st.binary(max_size=64))
def test_decrypt_random_never_raises(sig: bytes, data: bytes) -> None:
    status, _, _ = unseal(_PAIR.sctx, sig, data)
    _status_ok(status)
    from sspi_emu.buffers import SecBuffer, SecBufferDesc

    bufs = [SecBuffer(C.SECBUFFER_DATA, data), SecBuffer(C.SECBUFFER_TOKEN, sig)]
    _status_ok(S.VerifySignature(_PAIR.sctx, SecBufferDesc(bufs), 0, S.ULONG()))

