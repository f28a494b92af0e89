"""A strict DER reader for the Kerberos messages (definite lengths, single-octet tags).

Spans are ``(start, end)`` offsets into the message; every function raises
:class:`DerError` for anything malformed.
"""

from __future__ import annotations

import calendar

from sspi_emu.der import DerError
from sspi_emu.der import read_tlv as tlv_at

__all__ = [
    "DerError",
    "Span",
    "bits32",
    "expect",
    "fields",
    "general_string",
    "integer",
    "kerberos_time",
    "octets",
    "sequence_of",
    "tlv_at",
]

Span = tuple[int, int]


def expect(data: bytes, span: Span, tag: int) -> Span:
    """The content of the single TLV filling *span*, which must carry *tag*."""
    pos, limit = span
    if limit - pos >= 2 and data[pos] == tag and data[pos + 1] < 0x80:
        if pos + 2 + data[pos + 1] != limit:
            raise DerError(f"expected one TLV of tag 0x{tag:02x}")
        return pos + 2, limit
    t, s, e = tlv_at(data, pos, limit)
    if t != tag or e != span[1]:
        raise DerError(f"expected tag 0x{tag:02x}")
    return s, e


def fields(data: bytes, span: Span, app: int | None = None, last_field: int = 30) -> dict[int, Span]:
    """The explicitly tagged fields ``[n]`` (n <= *last_field*) of a SEQUENCE, inside ``[APPLICATION app]`` if given."""
    if app is not None:
        span = expect(data, span, 0x60 | app)
    pos, end = expect(data, span, 0x30)
    out: dict[int, Span] = {}
    last = -1
    while pos < end:
        tag = data[pos]
        if pos + 2 <= end and data[pos + 1] < 0x80:
            s, e = pos + 2, pos + 2 + data[pos + 1]
            if e > end:
                raise DerError("length beyond the enclosing value")
        else:
            tag, s, e = tlv_at(data, pos, end)
        n = tag - 0xA0
        if not 0 <= n <= last_field or n <= last:
            raise DerError("a field without an explicit context tag, out of order or unknown")
        last = n
        out[n] = (s, e)
        pos = e
    return out


def sequence_of(data: bytes, span: Span) -> list[Span]:
    """The elements (whole TLVs) of the SEQUENCE OF filling *span*."""
    start, end = expect(data, span, 0x30)
    out: list[Span] = []
    pos = start
    while pos < end:
        _, _, e = tlv_at(data, pos, end)
        out.append((pos, e))
        pos = e
    return out


def integer(data: bytes, span: Span) -> int:
    """INTEGER."""
    s, e = expect(data, span, 0x02)
    if s == e or e - s > 9:
        raise DerError("bad INTEGER length")
    return int.from_bytes(data[s:e], "big", signed=True)


def octets(data: bytes, span: Span) -> bytes:
    """OCTET STRING."""
    s, e = expect(data, span, 0x04)
    return bytes(data[s:e])


def general_string(data: bytes, span: Span) -> str:
    """GeneralString (KerberosString), UTF-8."""
    s, e = expect(data, span, 0x1B)
    try:
        return bytes(data[s:e]).decode("utf-8")
    except UnicodeDecodeError:
        raise DerError("KerberosString is not UTF-8") from None


def general_octets(data: bytes, span: Span) -> bytes:
    """GeneralString as raw octets (salts)."""
    s, e = expect(data, span, 0x1B)
    return bytes(data[s:e])


def kerberos_time(data: bytes, span: Span) -> int:
    """KerberosTime as Unix seconds."""
    s, e = expect(data, span, 0x18)
    text = bytes(data[s:e])
    if len(text) != 15 or text[14:] != b"Z" or not text[:14].isdigit():
        raise DerError("not a KerberosTime")
    y, mo, dd, h, mi, se = (int(text[a:b]) for a, b in ((0, 4), (4, 6), (6, 8), (8, 10), (10, 12), (12, 14)))
    if not (1 <= mo <= 12 and 1 <= dd <= 31 and h <= 23 and mi <= 59 and se <= 60):
        raise DerError("impossible KerberosTime")
    return calendar.timegm((y, mo, dd, h, mi, se, 0, 0, 0))


def bits32(data: bytes, span: Span) -> int:
    """KerberosFlags: the first 32 bits of a BIT STRING, bit 0 most significant."""
    s, e = expect(data, span, 0x03)
    if s == e or data[s] > 7:
        raise DerError("bad BIT STRING")
    body = bytes(data[s + 1 : e])[:4]
    return int.from_bytes(body.ljust(4, b"\x00"), "big")


def typed_pairs(data: bytes, span: Span, second: int) -> None:
    """Check a SEQUENCE OF { [0] INTEGER, [1] <second tag> } (addresses, authorization data, last-req)."""
    for el in sequence_of(data, span):
        f = fields(data, el, last_field=1)
        if 0 not in f or 1 not in f:
            raise DerError("incomplete pair")
        integer(data, f[0])
        expect(data, f[1], second)
