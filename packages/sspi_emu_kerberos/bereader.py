"""A bounds-checked big-endian byte reader for the MIT file formats (ccache, keytab)."""

from __future__ import annotations

import struct

_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")


class BigEndianReader:
    """Reads fixed-width integers and byte runs; running past the end raises ``error(what)``."""

    def __init__(self, data: bytes, error: type[Exception], what: str) -> None:
        self.data = data
        self.pos = 0
        self._error = error
        self._what = what

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise self._error(f"truncated {self._what}")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return int(_U16.unpack(self.take(2))[0])

    def u32(self) -> int:
        return int(_U32.unpack(self.take(4))[0])
