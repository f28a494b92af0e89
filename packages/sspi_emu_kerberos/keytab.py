"""MIT keytab files (format 0x0502): reading, and writing for tests and tools."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

from .bereader import BigEndianReader
from .keys import Key

__all__ = ["KeytabEntry", "KeytabError", "parse_keytab", "read_keytab", "write_keytab"]


class KeytabError(Exception):
    """The file is not a version 0x0502 keytab."""


@dataclass(frozen=True)
class KeytabEntry:
    """One key of one principal: ``components@realm``, key version and the key."""

    realm: str
    components: tuple[str, ...]
    kvno: int
    key: Key = field(repr=False)
    name_type: int = 1
    timestamp: int = 0


class _Reader(BigEndianReader):
    def __init__(self, data: bytes) -> None:
        super().__init__(data, KeytabError, "keytab")

    def counted(self) -> bytes:
        return self.take(self.u16())


def parse_keytab(data: bytes) -> list[KeytabEntry]:
    """Every entry of a keytab image (KeytabError when malformed)."""
    data = bytes(data)
    if data[:2] != b"\x05\x02":
        raise KeytabError("not a version 0x0502 keytab")
    out: list[KeytabEntry] = []
    pos = 2
    try:
        while pos + 4 <= len(data):
            (size,) = struct.unpack_from(">i", data, pos)
            pos += 4
            if size < 0:
                pos += -size  # a hole left by a deleted entry
                continue
            if size == 0:
                break
            r = _Reader(data[pos : pos + size])
            if pos + size > len(data):
                raise KeytabError("truncated entry")
            pos += size
            count = r.u16()
            realm = r.counted().decode("utf-8")
            comps = tuple(r.counted().decode("utf-8") for _ in range(count))
            name_type = r.u32()
            stamp = r.u32()
            kvno = r.u8()
            enctype = r.u16()
            contents = r.counted()
            if len(r.data) - r.pos >= 4:
                big = r.u32()
                if big:
                    kvno = big
            out.append(KeytabEntry(realm, comps, kvno, Key(enctype, contents), name_type, stamp))
    except UnicodeDecodeError:
        raise KeytabError("a name is not UTF-8") from None
    return out


def read_keytab(path: str | Path) -> list[KeytabEntry]:
    """Read a keytab file (``FILE:`` prefix allowed)."""
    text = str(path)
    if text.startswith(("FILE:", "WRFILE:")):
        text = text.split(":", 1)[1]
    return parse_keytab(Path(text).read_bytes())


def _counted(value: bytes) -> bytes:
    return struct.pack(">H", len(value)) + value


def write_keytab(path: str | Path, entries: list[KeytabEntry]) -> None:
    """Write *entries* as a keytab file."""
    out = bytearray(b"\x05\x02")
    for e in entries:
        body = struct.pack(">H", len(e.components)) + _counted(e.realm.encode())
        body += b"".join(_counted(c.encode()) for c in e.components)
        body += struct.pack(">IIBH", e.name_type, e.timestamp, e.kvno & 0xFF, e.key.enctype)
        body += _counted(e.key.contents) + struct.pack(">I", e.kvno)
        out += struct.pack(">i", len(body)) + body
    Path(path).write_bytes(bytes(out))
