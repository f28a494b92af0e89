"""Malformed input: a message saying where parsing stopped, exit status 2, never a traceback."""

from __future__ import annotations

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sspi_emu.cli import main
from sspi_emu.decode import DecodeError, Node, decode_bytes, decode_input

from .live_tokens import demo_tokens, kerberos_tokens


def real_tokens() -> list[bytes]:
    toks = [t for t in demo_tokens("NTLM")[:3] + demo_tokens("Negotiate")[:4] + demo_tokens("Schannel", 0)[:2]
            + demo_tokens("Schannel", 1)[:2] + demo_tokens("WDigest", 0)[:3] if t]
    return toks + list(kerberos_tokens())


def _ok_or_decode_error(data: bytes | str, kind: str = "auto") -> None:
    try:
        node = decode_input(data, kind, strict=True)
    except DecodeError as exc:
        assert "parsing stopped" in str(exc) or str(exc)
        return
    assert isinstance(node, Node)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    _ok_or_decode_error(data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    _ok_or_decode_error(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_real_tokens(data: st.DataObject) -> None:
    tokens = real_tokens()
    token = bytearray(data.draw(st.sampled_from(tokens)))
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if op == "flip" and token:
            i = data.draw(st.integers(0, len(token) - 1))
            token[i] = data.draw(st.integers(0, 255))
        elif op == "cut" and token:
            token = token[: data.draw(st.integers(0, len(token)))]
        else:
            i = data.draw(st.integers(0, len(token)))
            token[i:i] = data.draw(st.binary(min_size=1, max_size=8))
    _ok_or_decode_error(bytes(token))
    _ok_or_decode_error("Negotiate " + base64.b64encode(bytes(token)).decode())
    for kind in ("ntlm", "spnego", "kerberos", "tls", "der"):
        try:
            decode_bytes(bytes(token), kind)
        except DecodeError:
            pass


@pytest.mark.parametrize("arg,where", [
    ("TlRMTVNTUAADAAAAGAAYAA==", "parsing stopped at byte"),               # AUTHENTICATE cut short
    ("NTLM !!!notbase64", "not base64"),
    ("this is not a token!", "neither hex nor base64"),
    ("a181c4", "parsing stopped at byte 0"),                               # SPNEGO length past the end
    ('Digest realm="unterminated', "is not closed"),
    ("160301ffff01", "parsing stopped at byte"),                           # TLS record past the end
])
def test_cli_malformed_exit_2_with_position(arg: str, where: str, capsys) -> None:
    assert main(["decode", arg]) == 2
    captured = capsys.readouterr()
    assert where in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_truncated_real_tokens_say_where_they_stopped() -> None:
    auth = demo_tokens("NTLM")[2]
    with pytest.raises(DecodeError) as info:
        decode_input(auth[:100], strict=True)
    assert info.value.offset is not None and "runs past the end" in str(info.value)
