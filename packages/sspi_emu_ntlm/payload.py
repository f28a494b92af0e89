"""A writer for the header-fields-then-payload layout every NTLM message uses."""

from __future__ import annotations

from .wire import FIELD, invalid

__all__ = ["PayloadWriter"]


class PayloadWriter:
    """Collects payload blobs and returns the field descriptors pointing at them.

    ``empty_offset_zero`` chooses how an empty field is written: all zero (CHALLENGE,
    as in MS-NLMP 4.2) or pointing at the current end of the payload (AUTHENTICATE).
    """

    __slots__ = ("_chunks", "_pos", "_empty_zero")

    def __init__(self, start: int, empty_offset_zero: bool = False) -> None:
        self._chunks: list[bytes] = []
        self._pos = start
        self._empty_zero = empty_offset_zero

    def add(self, blob: bytes) -> bytes:
        """Append *blob* to the payload and return its 8-byte field descriptor."""
        n = len(blob)
        if n > 0xFFFF:
            raise invalid("a field would be longer than 65535 bytes")
        if n == 0 and self._empty_zero:
            return b"\x00" * 8
        field = FIELD.pack(n, n, self._pos)
        if n:
            self._chunks.append(blob)
            self._pos += n
        return field

    def payload(self) -> bytes:
        """The concatenated payload."""
        return b"".join(self._chunks)
