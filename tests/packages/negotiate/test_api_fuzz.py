"""Random and mutated input to a Negotiate client and server through the C API: a status, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sspi_emu.constants import SecurityStatus as S

from .conftest import Side, asc, client_cred, isc, server_cred

CAPTURED = [bytes.fromhex(t["hex"]) for t in json.loads(
    (Path(__file__).resolve().parents[3] / "vectors" / "negotiate-captured-tokens.json").read_text())["tokens"]]
_FUZZ = settings(max_examples=150, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@st.composite
def tokens_in(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        return draw(st.binary(max_size=200))
    base = bytearray(draw(st.sampled_from(CAPTURED)))
    pos = draw(st.integers(0, len(base) - 1))
    base[pos] ^= draw(st.integers(1, 255))
    if draw(st.booleans()):
        del base[draw(st.integers(0, len(base))):]
    return bytes(base)


@_FUZZ
@given(tokens_in())
def test_server_first_leg(ntlm_only, data):
    st_, _ = asc(Side(server_cred()), data)
    assert st_ != S.SEC_E_INTERNAL_ERROR


@_FUZZ
@given(tokens_in())
def test_client_second_leg(ntlm_only, data):
    client = Side(client_cred())
    isc(client, None)
    st_, _ = isc(client, data)
    assert st_ != S.SEC_E_INTERNAL_ERROR
    assert st_.is_error or st_ in (S.SEC_I_CONTINUE_NEEDED, S.SEC_E_OK)


@st.composite
def flipped(draw: st.DrawFn, base: bytes) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 3))):
        data[draw(st.integers(0, len(data) - 1))] ^= draw(st.integers(1, 255))
    return bytes(data)


def test_real_ntlm_later_legs_never_crash():
    """Mutated AUTHENTICATE / final legs through Negotiate into the real NTLM package."""
    from sspi_emu import registry

    old = registry.find("Kerberos")
    registry.unregister("Kerberos")
    try:
        c, s = Side(client_cred()), Side(server_cred())
        _, t1 = isc(c, None)
        _, t2 = asc(s, t1)
        _, t3 = isc(c, t2)

        @_FUZZ
        @given(flipped(t3), flipped(t2))
        def check(auth: bytes, challenge: bytes) -> None:
            server = Side(server_cred())
            asc(server, t1)
            st_, _ = asc(server, auth)
            assert st_ != S.SEC_E_INTERNAL_ERROR
            client = Side(client_cred())
            isc(client, None)
            st_, _ = isc(client, challenge)
            assert st_ != S.SEC_E_INTERNAL_ERROR

        check()
    finally:
        if old is not None:
            registry.register(old, replace=True)
