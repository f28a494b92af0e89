"""The shared DER TLV reader and writer (sspi_emu.der)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sspi_emu.der import DerError, length_octets, read_tlv, tlv


@pytest.mark.parametrize("n, octets", [(0, b"\x00"), (0x7F, b"\x7f"), (0x80, b"\x81\x80"), (0x1234, b"\x82\x12\x34")])
def test_length_octets_are_minimal_definite_lengths(n: int, octets: bytes) -> None:
    assert length_octets(n) == octets


@given(st.integers(0, 0x1E), st.binary(max_size=600), st.binary(max_size=8))
def test_tlv_reads_back(tag: int, content: bytes, trailer: bytes) -> None:
    data = tlv(0xA0 | tag, content) + trailer
    for minimal in (False, True):
        got_tag, start, end = read_tlv(data, 0, len(data), minimal)
        assert got_tag == 0xA0 | tag and data[start:end] == content and end == len(data) - len(trailer)


def test_non_minimal_length_is_refused_only_in_minimal_mode() -> None:
    data = b"\x04\x81\x03abc"  # long form for a length below 0x80
    assert read_tlv(data, 0, len(data)) == (0x04, 3, 6)
    with pytest.raises(DerError):
        read_tlv(data, 0, len(data), minimal=True)
    with pytest.raises(DerError):
        read_tlv(b"\x04\x82\x00\x03abc", 0, 7, minimal=True)  # leading zero length octet


@pytest.mark.parametrize(
    "data",
    [b"", b"\x04", b"\x1f\x01\x00", b"\x04\x80", b"\x04\x85\x00\x00\x00\x00\x01", b"\x04\x05abc", b"\x04\x82\x01"],
    ids=["empty", "tag-only", "multi-octet-tag", "indefinite", "five-length-octets", "overrun", "truncated-length"],
)
def test_malformed_headers_raise_der_error(data: bytes) -> None:
    with pytest.raises(DerError):
        read_tlv(data, 0, len(data))


@given(st.binary(max_size=64), st.integers(0, 70), st.integers(0, 70))
def test_garbage_gives_der_error_or_an_element_inside_the_limit(data: bytes, pos: int, limit: int) -> None:
    limit = min(limit, len(data))
    try:
        tag, start, end = read_tlv(data, pos, limit)
    except DerError:
        return
    assert pos + 2 <= start <= end <= limit and tag == data[pos]
