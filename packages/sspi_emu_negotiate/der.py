"""SPNEGO's few DER shapes on top of the core TLV reader: expected elements and OBJECT IDENTIFIERs.

Readers raise :class:`NotCanonical` for anything that is not plain definite-length DER of the
expected shape; :mod:`sspi_emu_negotiate.tokens` then hands the input to the pyasn1 decoder.
"""

from __future__ import annotations

from functools import lru_cache

from sspi_emu.der import DerError, length_octets, read_tlv, tlv

__all__ = ["NotCanonical", "der_length", "expect", "oid_content", "oid_from_content", "only", "tlv"]

#: Input the DER fast path does not read (it may still be valid BER).
NotCanonical = DerError

der_length = length_octets

def expect(data: bytes, pos: int, end: int, tag: int) -> tuple[int, int]:
    """Read an element that must have *tag*: ``(content_start, content_end)``."""
    got, start, stop = read_tlv(data, pos, end, True)
    if got != tag:
        raise NotCanonical(f"tag 0x{got:02x}, expected 0x{tag:02x}")
    return start, stop


def only(data: bytes, pos: int, end: int, tag: int) -> tuple[int, int]:
    """Like :func:`expect`, and the element must fill ``data[pos:end]`` exactly."""
    start, stop = expect(data, pos, end, tag)
    if stop != end:
        raise NotCanonical("trailing bytes")
    return start, stop


@lru_cache(maxsize=256)
def oid_content(oid: str) -> bytes:
    """The content octets of an OBJECT IDENTIFIER in dotted form."""
    try:
        arcs = [int(a) for a in oid.split(".")]
    except ValueError:
        raise ValueError(f"not an OID: {oid!r}") from None
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] > 39) or any(a < 0 for a in arcs):
        raise ValueError(f"not an OID: {oid!r}")
    out = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out += bytes(reversed(chunk))
    return bytes(out)


@lru_cache(maxsize=256)
def oid_from_content(content: bytes) -> str:
    """The dotted form of OBJECT IDENTIFIER content octets (DER: minimal sub-identifiers)."""
    if not content or content[-1] & 0x80:
        raise NotCanonical("bad OID")
    arcs: list[int] = []
    value = 0
    fresh = True
    for byte in content:
        if fresh and byte == 0x80:
            raise NotCanonical("non-minimal OID sub-identifier")
        value = (value << 7) | (byte & 0x7F)
        fresh = not byte & 0x80
        if fresh:
            arcs.append(value)
            value = 0
    first = arcs[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(a) for a in head + arcs[1:])
