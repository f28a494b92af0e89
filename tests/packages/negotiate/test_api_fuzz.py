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
