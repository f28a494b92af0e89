"""AV_PAIR lists: the TargetInfo of CHALLENGE and of the NTLMv2 response (MS-NLMP 2.2.2.1)."""

from __future__ import annotations

import enum
import struct
from typing import Iterator

from .wire import invalid

__all__ = ["AvFlags", "AvId", "TargetInfo"]

_HDR = struct.Struct("<HH")
_EOL = b"\x00\x00\x00\x00"


class AvId(enum.IntEnum):
    """AvId values."""

    EOL = 0
    NB_COMPUTER_NAME = 1
    NB_DOMAIN_NAME = 2
    DNS_COMPUTER_NAME = 3
    DNS_DOMAIN_NAME = 4
    DNS_TREE_NAME = 5
    FLAGS = 6
    TIMESTAMP = 7
    SINGLE_HOST = 8
    TARGET_NAME = 9
    CHANNEL_BINDINGS = 10


class AvFlags(enum.IntFlag):
    """MsvAvFlags bits."""

    CONSTRAINED = 0x1
    MIC_PRESENT = 0x2
    UNTRUSTED_SPN_SOURCE = 0x4


_TEXT_IDS = frozenset(
    (AvId.NB_COMPUTER_NAME, AvId.NB_DOMAIN_NAME, AvId.DNS_COMPUTER_NAME, AvId.DNS_DOMAIN_NAME, AvId.DNS_TREE_NAME,
     AvId.TARGET_NAME)
)


class TargetInfo:
    """An ordered AvId -> value list (EOL implied). Values are raw bytes."""

    __slots__ = ("pairs", "body")

    def __init__(self, pairs: list[tuple[int, bytes]] | None = None, body: bytes | None = None) -> None:
        self.pairs: list[tuple[int, bytes]] = pairs if pairs is not None else []
        #: When parsed from a well-formed list ending in MsvAvEOL: the bytes before the EOL.
        self.body = body

    @classmethod
    def unpack(cls, data: bytes) -> TargetInfo:
        """Parse an AV_PAIR list; trailing bytes after MsvAvEOL are ignored (as Windows does)."""
        pairs: list[tuple[int, bytes]] = []
        pos, end = 0, len(data)
        while True:
            if pos + 4 > end:
                if pos == end:
                    return cls(pairs)  # tolerated: list without MsvAvEOL
                raise invalid("truncated AV_PAIR")
            av_id, length = _HDR.unpack_from(data, pos)
            pos += 4
            if av_id == 0:
                return cls(pairs, data[: pos - 4] if pos == end else None)
            if pos + length > end:
                raise invalid("AV_PAIR value runs past the end")
            pairs.append((av_id, data[pos : pos + length]))
            pos += length

    @staticmethod
    def pair(av_id: int, value: bytes) -> bytes:
        """One serialised AV_PAIR."""
        if len(value) > 0xFFFF:
            raise invalid("an AV_PAIR value would be longer than 65535 bytes")
        return _HDR.pack(av_id, len(value)) + value

    def pack(self) -> bytes:
        """Serialise with a closing MsvAvEOL."""
        out = bytearray()
        for av_id, value in self.pairs:
            out += self.pair(av_id, value)
        out += _EOL
        return bytes(out)

    def get(self, av_id: int) -> bytes | None:
        """The first value for *av_id*, or None."""
        for k, v in self.pairs:
            if k == av_id:
                return v
        return None

    def text(self, av_id: int) -> str | None:
        """A name-valued pair decoded from UTF-16LE."""
        v = self.get(av_id)
        return None if v is None else v.decode("utf-16-le", "replace")

    def set(self, av_id: int, value: bytes) -> None:
        """Replace the value for *av_id* in place, or append it."""
        for i, (k, _v) in enumerate(self.pairs):
            if k == av_id:
                self.pairs[i] = (av_id, value)
                return
        self.pairs.append((av_id, value))

    def flags(self) -> int:
        """MsvAvFlags as an int (0 when absent or malformed)."""
        v = self.get(AvId.FLAGS)
        return int.from_bytes(v, "little") if v is not None and len(v) == 4 else 0

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def describe(self) -> list[tuple[str, str]]:
        """(name, value) pairs for decoding tools; binary values as hex."""
        out = []
        for k, v in self.pairs:
            try:
                name = AvId(k).name
            except ValueError:
                name = f"AV_{k}"
            if k in _TEXT_IDS:
                out.append((name, v.decode("utf-16-le", "replace")))
            else:
                out.append((name, v.hex()))
        return out

    def __repr__(self) -> str:
        return f"TargetInfo({self.describe()!r})"
