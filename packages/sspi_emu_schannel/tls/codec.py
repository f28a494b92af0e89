"""Reading and writing the TLS presentation language (RFC 8446 3): integers and length-prefixed vectors."""

from __future__ import annotations

import struct

from .constants import AlertDescription


class TlsError(Exception):
    """A TLS failure: *alert* is the description the peer must be told, *status* an optional SSPI status."""

    def __init__(self, alert: int, message: str = "", status: int | None = None) -> None:
        self.alert = AlertDescription(alert)
        self.message = message
        self.status = status
        super().__init__(f"{self.alert.name}: {message}" if message else self.alert.name)


class MissingClientCertificate(TlsError):
    """The server required a client certificate and the client sent none."""


class DecodeError(TlsError):
    """A structure could not be parsed (alert decode_error)."""

    def __init__(self, message: str = "malformed message") -> None:
        super().__init__(AlertDescription.DECODE_ERROR, message)


_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")


class Reader:
    """Reads big-endian integers and vectors from a byte string; every overrun raises DecodeError."""

    __slots__ = ("data", "pos", "end")

    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        self.data = bytes(data)
        self.pos = 0
        self.end = len(self.data)

    def remaining(self) -> int:
        """How many bytes are left."""
        return self.end - self.pos

    def take(self, n: int) -> bytes:
        """The next *n* bytes."""
        if n < 0 or self.pos + n > self.end:
            raise DecodeError("truncated")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u8(self) -> int:
        if self.pos + 1 > self.end:
            raise DecodeError("truncated")
        v = self.data[self.pos]
        self.pos += 1
        return v

    def u16(self) -> int:
        if self.pos + 2 > self.end:
            raise DecodeError("truncated")
        v: int = _U16.unpack_from(self.data, self.pos)[0]
        self.pos += 2
        return v

    def u24(self) -> int:
        return int.from_bytes(self.take(3), "big")

    def u32(self) -> int:
        if self.pos + 4 > self.end:
            raise DecodeError("truncated")
        v: int = _U32.unpack_from(self.data, self.pos)[0]
        self.pos += 4
        return v

    def vec8(self, minimum: int = 0) -> bytes:
        out = self.take(self.u8())
        if len(out) < minimum:
            raise DecodeError("vector too short")
        return out

    def vec16(self, minimum: int = 0) -> bytes:
        out = self.take(self.u16())
        if len(out) < minimum:
            raise DecodeError("vector too short")
        return out

    def vec24(self, minimum: int = 0) -> bytes:
        out = self.take(self.u24())
        if len(out) < minimum:
            raise DecodeError("vector too short")
        return out

    def done(self) -> None:
        """Raise DecodeError if bytes are left over."""
        if self.pos != self.end:
            raise DecodeError("trailing bytes")


def u8(v: int) -> bytes:
    return bytes((v,))


def u16(v: int) -> bytes:
    return _U16.pack(v)


def u24(v: int) -> bytes:
    return v.to_bytes(3, "big")


def u32(v: int) -> bytes:
    return _U32.pack(v)


def vec8(b: bytes) -> bytes:
    if len(b) > 0xFF:
        raise ValueError("vector too long")
    return bytes((len(b),)) + b


def vec16(b: bytes) -> bytes:
    if len(b) > 0xFFFF:
        raise ValueError("vector too long")
    return _U16.pack(len(b)) + b


def vec24(b: bytes) -> bytes:
    return len(b).to_bytes(3, "big") + b


def u16_list(values: list[int] | tuple[int, ...]) -> bytes:
    """Pack a list of uint16 values (without a length prefix)."""
    return struct.pack(f">{len(values)}H", *values)


def u16_list_of(data: bytes) -> list[int]:
    """Unpack a list of uint16 values (without a length prefix)."""
    if len(data) % 2:
        raise DecodeError("odd uint16 list")
    return [v for (v,) in struct.iter_unpack(">H", data)]
