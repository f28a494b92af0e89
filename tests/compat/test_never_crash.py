"""Bad input through the shims gives each binding's own error type, never another exception."""

from __future__ import annotations

import types

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.compat.helpers import desc, raw_handshake

_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_SETTINGS
@given(token=st.binary(max_size=600))
def test_pywin32_server_authorize_random_tokens(pywin32: types.SimpleNamespace, token: bytes) -> None:
    server = pywin32.sspi.ServerAuth("NTLM")
    try:
        err, out = server.authorize(token)
    except pywin32.pywintypes.error as exc:
        assert isinstance(exc.winerror, int) and exc.winerror < 0
    else:
        assert err in (0, pywin32.sspicon.SEC_I_CONTINUE_NEEDED)


@_SETTINGS
@given(data=st.binary(max_size=200), sig=st.binary(max_size=40), seq=st.integers(-(1 << 31), (1 << 32) - 1))
def test_pywin32_message_calls_random_input(pywin32: types.SimpleNamespace, data: bytes, sig: bytes, seq: int) -> None:
    con, error = pywin32.sspicon, pywin32.pywintypes.error
    cctx, sctx = _contexts(pywin32)
    for call in (lambda d: sctx.VerifySignature(d, seq), lambda d: sctx.DecryptMessage(d, seq)):
        try:
            call(desc(pywin32, (con.SECBUFFER_DATA, data), (con.SECBUFFER_TOKEN, sig)))
        except error as exc:
            assert isinstance(exc.winerror, int)
    try:
        sctx.DecryptMessage(desc(pywin32, (con.SECBUFFER_STREAM, data), (con.SECBUFFER_DATA, 0)), seq)
    except error:
        pass


_cache: dict[int, tuple[object, object]] = {}


def _contexts(m: types.SimpleNamespace) -> tuple[object, object]:
    key = id(m)
    if key not in _cache:
        _cache.clear()
        _cache[key] = raw_handshake(m)
    return _cache[key]


@_SETTINGS
@given(token=st.binary(max_size=600))
def test_sspilib_server_step_random_tokens(sspilib: types.ModuleType, token: bytes) -> None:
    server = sspilib.ServerSecurityContext(sspilib.UserCredential(protocol="NTLM", usage="accept"))
    try:
        server.step(token)
    except sspilib.WindowsError as exc:
        assert exc.winerror < 0


@_SETTINGS
@given(data=st.binary(max_size=300))
def test_sspilib_unwrap_random(sspilib: types.ModuleType, data: bytes) -> None:
    client = sspilib.ClientSecurityContext(sspilib.UserCredential(protocol="NTLM"), "host/x")
    server = sspilib.ServerSecurityContext(sspilib.UserCredential(protocol="NTLM", usage="accept"))
    server.step(client.step(server.step(client.step())))
    try:
        server.unwrap(data)
    except sspilib.WindowsError:
        pass
    try:
        server.verify(data, data[:16])
    except sspilib.WindowsError:
        pass
