"""The SPNEGO codec: captured real tokens, DER round trips, and property tests on every parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sspi_emu_negotiate import framing, ntlm_peek, oids, tokens

from sspi_emu.constants import SecurityStatus as S
from sspi_emu.errors import SspiError

VECTORS = Path(__file__).resolve().parents[3] / "vectors" / "negotiate-captured-tokens.json"
CAPTURED = json.loads(VECTORS.read_text())["tokens"]
CAPTURED_BYTES = [bytes.fromhex(t["hex"]) for t in CAPTURED]


@pytest.mark.parametrize("vector", CAPTURED, ids=[f"{t['source'][:24]}:{t['name'][:30]}" for t in CAPTURED])
def test_captured_tokens_decode_and_reencode(vector):
    raw = bytes.fromhex(vector["hex"])
    value = tokens.decode(raw)
    assert type(value).__name__ == vector["type"]
    if isinstance(value, tokens.NegTokenInit):
        assert list(value.mech_types) == vector["mech_types"]
        assert len(value.mech_token or b"") == vector["mech_token_len"]
        assert (value.mech_token or b"")[:12].hex() == vector["mech_token_prefix"]
        assert value.hint_name == vector["hint_name"]
    else:
        assert isinstance(value, tokens.NegTokenResp)
        assert (None if value.neg_state is None else value.neg_state.name) == vector["neg_state"]
        assert value.supported_mech == vector["supported_mech"]
        assert len(value.response_token or b"") == vector["response_token_len"]
        assert (value.response_token or b"")[:12].hex() == vector["response_token_prefix"]
    mic_len = None if value.mech_list_mic is None else len(value.mech_list_mic)
    assert mic_len == vector["mech_list_mic_len"]
    assert tokens.encode(value) == raw  # our DER is byte-identical to what the peers sent


def test_windows_ntlm_only_hint_is_reproduced():
    windows = next(t for t in CAPTURED if t["source"].startswith("Windows"))
    hint = tokens.NegTokenInit((oids.NTLMSSP,), hint_name=tokens.WINDOWS_HINT_NAME)
    assert tokens.encode_init(hint).hex() == windows["hex"]


def test_mech_type_list_der():
    assert tokens.encode_mech_type_list((oids.NTLMSSP,)).hex() == "300c060a2b06010401823702020a"
    assert tokens.encode_mech_type_list((oids.MS_KRB5, oids.KRB5, oids.NTLMSSP)).hex() == (
        "3022" "06092a864882f712010202" "06092a864886f712010202" "060a2b06010401823702020a"
    )


def test_rfc4178_init_with_mic_at_tag_3():
    init = tokens.NegTokenInit((oids.NTLMSSP,), req_flags=tokens.MUTUAL_FLAG | tokens.INTEG_FLAG,
                               mech_token=b"tok", mech_list_mic=b"mic")
    raw = tokens.encode_init(init)
    assert tokens.decode(raw) == init
    assert b"\xa3\x05\x04\x03mic" in raw
    init2 = tokens.NegTokenInit((oids.NTLMSSP,), mech_list_mic=b"mic", hint_name="h")
    raw2 = tokens.encode_init(init2)
    assert b"\xa4\x05\x04\x03mic" in raw2  # NegTokenInit2 moves mechListMIC to [4]
    assert tokens.decode(raw2) == init2


def test_bare_init_and_framing_helpers():
    init = tokens.NegTokenInit((oids.KRB5,), mech_token=b"x")
    bare = tokens.encode_init(init, framed=False)
    assert bare[0] == 0xA0 and tokens.decode(bare) == init
    framed = framing.wrap_initial(oids.KRB5, b"\x01\x00inner")
    assert framing.unwrap_initial(framed) == (oids.KRB5, b"\x01\x00inner")
    assert framing.der_length(0x7F) == b"\x7f" and framing.der_length(0x80) == b"\x81\x80"
    assert framing.der_length(0x1234) == b"\x82\x12\x34"


@pytest.mark.parametrize(
    "bad",
    [
        b"",
        b"\x60",
        b"\x60\x80",  # indefinite length
        b"\x60\x05\x06\x03\x2b\x06\x01",  # another mechanism's frame
        framing.wrap_initial(oids.SPNEGO, tokens.encode_resp(tokens.NegTokenResp(tokens.NegState.ACCEPT_COMPLETED))),
        b"\xa1\x05\x30\x03\x0a\x01\x07",  # negState 7
        b"\xa2\x00",
        tokens.encode_resp(tokens.NegTokenResp(tokens.NegState.REJECT)) + b"\x00",  # trailing byte
    ],
)
def test_malformed_tokens_are_invalid(bad):
    with pytest.raises(SspiError) as info:
        tokens.decode(bad)
    assert info.value.status == S.SEC_E_INVALID_TOKEN


def _expect_invalid_or_value(data: bytes) -> None:
    try:
        tokens.decode(data)
    except SspiError as exc:
        assert exc.status == S.SEC_E_INVALID_TOKEN


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise_anything_else(data):
    _expect_invalid_or_value(data)
    _expect_invalid_or_value(b"\x60" + data)
    _expect_invalid_or_value(b"\xa0" + data)
    _expect_invalid_or_value(b"\xa1" + data)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    base = bytearray(draw(st.sampled_from(CAPTURED_BYTES)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        pos = draw(st.integers(0, max(0, len(base) - 1)))
        if kind == "flip" and base:
            base[pos] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del base[pos:]
        elif kind == "insert":
            base[pos:pos] = draw(st.binary(min_size=1, max_size=4))
        elif base:
            del base[pos]
    return bytes(base)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_real_tokens_never_raise_anything_else(data):
    _expect_invalid_or_value(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_framing_parser_only_raises_invalid_token(data):
    for candidate in (data, b"\x60" + data):
        try:
            framing.unwrap_initial(candidate)
        except SspiError as exc:
            assert exc.status == S.SEC_E_INVALID_TOKEN


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_ntlm_peek_never_raises(data):
    assert ntlm_peek.authenticate_has_mic(data) in (True, False)
    assert ntlm_peek.authenticate_has_mic(b"NTLMSSP\x00\x03\x00\x00\x00" + data) in (True, False)


def test_ntlm_peek_reads_the_mic_flag():
    auth = tokens.decode(next(b for b, t in zip(CAPTURED_BYTES, CAPTURED) if "AUTHENTICATE" in t["name"]))
    assert isinstance(auth, tokens.NegTokenResp) and auth.response_token
    assert ntlm_peek.authenticate_has_mic(auth.response_token)
    assert not ntlm_peek.authenticate_has_mic(b"NTLMSSP\x00\x01\x00\x00\x00")


_OID = st.sampled_from([oids.NTLMSSP, oids.KRB5, oids.MS_KRB5, oids.NEGOEX, oids.KRB5_U2U])
_BLOB = st.none() | st.binary(max_size=70)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(_OID, max_size=5).map(tuple),
    st.none() | st.integers(0, 127),
    _BLOB,
    _BLOB,
    st.none() | st.text(alphabet=st.characters(codec="ascii"), max_size=40),
    st.booleans(),
)
def test_init_round_trip(mechs, flags, mech_token, mic, hint, framed):
    init = tokens.NegTokenInit(mechs, flags, mech_token, mic, hint)
    assert tokens.decode(tokens.encode_init(init, framed=framed)) == init


@settings(max_examples=200, deadline=None)
@given(st.none() | st.sampled_from(list(tokens.NegState)), st.none() | _OID, _BLOB, _BLOB)
def test_resp_round_trip(state, mech, response, mic):
    resp = tokens.NegTokenResp(state, mech, response, mic)
    assert tokens.decode(tokens.encode_resp(resp)) == resp


def test_reprs_hide_token_bytes():
    resp = tokens.NegTokenResp(tokens.NegState.ACCEPT_INCOMPLETE, None, b"secret-bytes", b"mic-bytes")
    assert "secret" not in repr(resp) and "<12 bytes>" in repr(resp)
