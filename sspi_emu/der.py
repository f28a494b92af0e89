"""Definite-length DER with single-octet tags: the TLV reading and writing the packages share.

SPNEGO, the GSS-API token frame and Kerberos all use only these shapes, so one reader and one
writer serve them. :func:`read_tlv` raises :class:`DerError` for anything malformed; its
``minimal`` mode also refuses BER that is not canonical DER (non-minimal lengths).
"""

from __future__ import annotations

__all__ = ["DerError", "length_octets", "read_tlv", "tlv"]


class DerError(ValueError):
    """Malformed DER (or, when minimal lengths are required, BER that is not canonical DER)."""


def length_octets(n: int) -> bytes:
    """The DER definite-length octets for a content of *n* bytes."""
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def tlv(tag: int, content: bytes) -> bytes:
    """One element with a single-octet *tag*."""
    n = len(content)
    if n < 0x80:
        return bytes((tag, n)) + content
    return bytes((tag,)) + length_octets(n) + content


def read_tlv(data: bytes | bytearray | memoryview, pos: int, limit: int, minimal: bool = False) -> tuple[int, int, int]:
    """The element at *pos*, which must end by *limit*: ``(tag, content_start, content_end)``.

    Lengths are definite and at most four octets; with *minimal*, a long-form length must
    also be the shortest encoding (DER).
    """
    if pos + 2 > limit:
        raise DerError("truncated header")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-octet tag")
    first = data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        n = first & 0x7F
        if n == 0 or n > 4 or pos + n > limit:
            raise DerError("indefinite, oversized or truncated length")
        length = int.from_bytes(data[pos : pos + n], "big")
        if minimal and (length < 0x80 or data[pos] == 0):
            raise DerError("non-minimal length")
        pos += n
    if pos + length > limit:
        raise DerError("element runs past its container")
    return tag, pos, pos + length
