"""A read-only DER reader (tag, length, value) with offsets, and readable universal values."""

from __future__ import annotations

from dataclasses import dataclass

from .names import OIDS
from .tree import DecodeError, hexstr

__all__ = ["MAX_DEPTH", "Tlv", "children", "oid_text", "read_tlv", "read_all", "universal_value"]

MAX_DEPTH = 40
_CLASSES = ("UNIVERSAL", "APPLICATION", "CONTEXT", "PRIVATE")
UNIVERSAL_NAMES = {
    1: "BOOLEAN", 2: "INTEGER", 3: "BIT STRING", 4: "OCTET STRING", 5: "NULL", 6: "OBJECT IDENTIFIER",
    10: "ENUMERATED", 12: "UTF8String", 16: "SEQUENCE", 17: "SET", 19: "PrintableString", 22: "IA5String",
    23: "UTCTime", 24: "GeneralizedTime", 27: "GeneralString",
}


@dataclass
class Tlv:
    """One DER element: class, constructed bit, tag number, where it starts, its content."""

    cls: int
    constructed: bool
    number: int
    offset: int
    content: bytes
    content_offset: int
    what: str = "DER"

    @property
    def label(self) -> str:
        if self.cls == 0:
            return UNIVERSAL_NAMES.get(self.number, f"UNIVERSAL {self.number}")
        if self.cls == 2:
            return f"[{self.number}]"
        return f"[{_CLASSES[self.cls]} {self.number}]"

    def is_(self, cls: int, number: int) -> bool:
        return self.cls == cls and self.number == number


def read_tlv(data: bytes, pos: int = 0, base: int = 0, what: str = "DER") -> tuple[Tlv, int]:
    """The element at *pos* and the position after it (raises :class:`DecodeError`)."""
    start = pos
    if pos >= len(data):
        raise DecodeError("expected a DER tag, found the end of the data", base + pos, what)
    first = data[pos]
    pos += 1
    cls, constructed, number = first >> 6, bool(first & 0x20), first & 0x1F
    if number == 0x1F:
        number = 0
        for _ in range(5):
            if pos >= len(data):
                raise DecodeError("a long-form DER tag runs past the end", base + pos, what)
            b = data[pos]
            pos += 1
            number = (number << 7) | (b & 0x7F)
            if not b & 0x80:
                break
        else:
            raise DecodeError("a DER tag number is too long", base + start, what)
    if pos >= len(data):
        raise DecodeError("a DER length is missing", base + pos, what)
    length = data[pos]
    pos += 1
    if length == 0x80:
        raise DecodeError("indefinite length (BER) is not DER", base + pos - 1, what)
    if length & 0x80:
        count = length & 0x7F
        if count > 4 or pos + count > len(data):
            raise DecodeError(f"a DER length of {count} bytes is not supported or runs past the end",
                              base + pos - 1, what)
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise DecodeError(f"a {length}-byte DER value has only {len(data) - pos} bytes left", base + start, what)
    return Tlv(cls, constructed, number, base + start, data[pos:pos + length], base + pos, what), pos + length


def read_all(data: bytes, base: int = 0, what: str = "DER") -> list[Tlv]:
    """Every element in *data*, which must be used up exactly."""
    out = []
    pos = 0
    while pos < len(data):
        tlv, pos = read_tlv(data, pos, base, what)
        out.append(tlv)
    return out


def children(tlv: Tlv) -> list[Tlv]:
    """The elements inside a constructed element."""
    if not tlv.constructed:
        raise DecodeError(f"{tlv.label} should be constructed", tlv.offset, tlv.what)
    return read_all(tlv.content, tlv.content_offset, tlv.what)


def oid_text(content: bytes, offset: int = 0, what: str = "DER") -> str:
    """Dotted OID text (raises :class:`DecodeError` when malformed)."""
    if not content or content[-1] & 0x80:
        raise DecodeError("malformed OBJECT IDENTIFIER", offset, what)
    arcs: list[int] = []
    value = 0
    for b in content:
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(value)
            value = 0
    first = arcs[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(a) for a in head + arcs[1:])


def oid_named(dotted: str) -> str:
    """``1.3.6.1.5.5.2 (SPNEGO (RFC 4178))``."""
    name = OIDS.get(dotted)
    return f"{dotted} ({name})" if name else dotted


def universal_value(tlv: Tlv) -> str:
    """A readable value for a primitive universal element."""
    c = tlv.content
    n = tlv.number
    if tlv.cls != 0:
        return hexstr(c)
    if n == 1:
        return "TRUE" if c and c[0] else "FALSE"
    if n in (2, 10):
        if not c:
            raise DecodeError("an empty INTEGER", tlv.offset, tlv.what)
        return str(int.from_bytes(c, "big", signed=True))
    if n == 5:
        return "NULL"
    if n == 6:
        return oid_named(oid_text(c, tlv.offset, tlv.what))
    if n == 3:
        if not c:
            raise DecodeError("an empty BIT STRING", tlv.offset, tlv.what)
        return f"{c[1:].hex() or '(empty)'} (unused bits {c[0]})"
    if n in (12, 19, 22, 27, 23):
        return repr(c.decode("utf-8", errors="replace"))
    if n == 24:
        s = c.decode("ascii", errors="replace")
        if len(s) >= 14 and s[:14].isdigit():
            return f"{s[0:4]}-{s[4:6]}-{s[6:8]}T{s[8:10]}:{s[10:12]}:{s[12:]}"
        return repr(s)
    return hexstr(c)


def bit_names(tlv: Tlv, names: dict[int, str]) -> str:
    """A BIT STRING's set bits by name (bit 0 is the most significant bit of the first byte)."""
    c = tlv.content
    if not c:
        raise DecodeError("an empty BIT STRING", tlv.offset, tlv.what)
    bits = c[1:]
    on = [i for i in range(len(bits) * 8) if bits[i // 8] & (0x80 >> (i % 8))]
    shown = [names.get(i, f"bit{i}") for i in on]
    return f"{bits.hex() or '(empty)'}" + (f" = {', '.join(shown)}" if shown else "")
