"""The direct DER codec and the pyasn1 codec agree: same bytes out, same values in."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sspi_emu_negotiate import codec_pyasn1, oids, tokens
from sspi_emu_negotiate.der import NotCanonical, oid_content, oid_from_content

from sspi_emu.errors import SspiError

CAPTURED = [bytes.fromhex(t["hex"]) for t in json.loads(
    (Path(__file__).resolve().parents[3] / "vectors" / "negotiate-captured-tokens.json").read_text())["tokens"]]

_OID = st.sampled_from([oids.NTLMSSP, oids.KRB5, oids.MS_KRB5, oids.NEGOEX, oids.KRB5_U2U, "2.999.1", "0.39.127.128"])
_BLOB = st.none() | st.binary(max_size=300)
_INIT = st.builds(
    tokens.NegTokenInit,
    st.lists(_OID, max_size=5).map(tuple),
    st.none() | st.integers(0, 127),
    _BLOB,
    _BLOB,
    st.none() | st.text(alphabet=st.characters(codec="ascii"), max_size=200),
    st.none() | st.binary(max_size=20),
)
_RESP = st.builds(tokens.NegTokenResp, st.none() | st.sampled_from(list(tokens.NegState)), st.none() | _OID, _BLOB,
                  _BLOB)


@settings(max_examples=300, deadline=None)
@given(_INIT, st.booleans())
def test_init_encoders_agree(init, framed):
    assert tokens.encode_init(init, framed=framed) == codec_pyasn1.encode_init(init, framed=framed)


@settings(max_examples=300, deadline=None)
@given(_RESP)
def test_resp_encoders_agree(resp):
    assert tokens.encode_resp(resp) == codec_pyasn1.encode_resp(resp)


@settings(max_examples=100, deadline=None)
@given(st.lists(_OID, max_size=6).map(tuple))
def test_mech_list_encoders_agree(mechs):
    assert tokens.encode_mech_type_list(mechs) == codec_pyasn1.encode_mech_type_list(mechs)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**40), min_size=1, max_size=6), st.integers(0, 2), st.integers(0, 39))
def test_oid_codec_round_trip(rest, first, second):
    oid = ".".join(str(a) for a in [first, second if first < 2 else second + 40, *rest])
    assert oid_from_content(oid_content(oid)) == oid


def _both(data: bytes) -> None:
    """Whenever the direct reader accepts, pyasn1 reads the same value."""
    try:
        fast = tokens.decode_canonical(data)
    except (NotCanonical, SspiError):
        return
    assert codec_pyasn1.decode_negotiation_token(data) == fast


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    base = bytearray(draw(st.sampled_from(CAPTURED)))
    if base[0] == 0x60:
        base = base[10:]  # the NegotiationToken inside the GSS frame
    for _ in range(draw(st.integers(1, 3))):
        pos = draw(st.integers(0, len(base) - 1))
        base[pos] ^= draw(st.integers(1, 255))
    return bytes(base)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_readers_agree_on_mutated_tokens(data):
    _both(data)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_INIT.map(lambda t: tokens.encode_init(t, framed=False)), _RESP.map(tokens.encode_resp)))
def test_readers_agree_on_valid_tokens(data):
    fast = tokens.decode_canonical(data)  # our own DER is always canonical
    assert codec_pyasn1.decode_negotiation_token(data) == fast


def test_ber_input_goes_to_pyasn1():
    # a NegTokenResp with a long-form length where the short form fits: BER, not DER
    der = tokens.encode_resp(tokens.NegTokenResp(tokens.NegState.ACCEPT_COMPLETED))
    ber = b"\xa1\x81" + der[1:]
    assert tokens.decode(ber) == tokens.NegTokenResp(tokens.NegState.ACCEPT_COMPLETED)
