"""MD4 (RFC 1320) in pure Python: OpenSSL 3 no longer provides it, and NTOWFv1 needs it."""

from __future__ import annotations

import struct

__all__ = ["md4"]

_MASK = 0xFFFFFFFF
_BLOCK = struct.Struct("<16I")
_R2 = 0x5A827999
_R3 = 0x6ED9EBA1
_ORDER2 = (0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15)
_ORDER3 = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)
_SHIFT1 = (3, 7, 11, 19)
_SHIFT2 = (3, 5, 9, 13)
_SHIFT3 = (3, 9, 11, 15)


def _rotl(x: int, n: int) -> int:
    return ((x << n) | (x >> (32 - n))) & _MASK


def _compress(state: list[int], block: bytes) -> None:
    x = _BLOCK.unpack(block)
    a, b, c, d = state
    for i in range(16):
        s = _SHIFT1[i & 3]
        a = _rotl((a + ((b & c) | (~b & d)) + x[i]) & _MASK, s)
        a, b, c, d = d, a, b, c
    for i in range(16):
        s = _SHIFT2[i & 3]
        a = _rotl((a + ((b & c) | (b & d) | (c & d)) + x[_ORDER2[i]] + _R2) & _MASK, s)
        a, b, c, d = d, a, b, c
    for i in range(16):
        s = _SHIFT3[i & 3]
        a = _rotl((a + (b ^ c ^ d) + x[_ORDER3[i]] + _R3) & _MASK, s)
        a, b, c, d = d, a, b, c
    state[0] = (state[0] + a) & _MASK
    state[1] = (state[1] + b) & _MASK
    state[2] = (state[2] + c) & _MASK
    state[3] = (state[3] + d) & _MASK


def md4(data: bytes) -> bytes:
    """Return the 16-byte MD4 digest of *data*."""
    state = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476]
    msg = bytes(data)
    bit_len = (len(msg) * 8) & 0xFFFFFFFFFFFFFFFF
    msg += b"\x80" + b"\x00" * ((55 - len(msg)) % 64) + struct.pack("<Q", bit_len)
    for off in range(0, len(msg), 64):
        _compress(state, msg[off : off + 64])
    return struct.pack("<4I", *state)
