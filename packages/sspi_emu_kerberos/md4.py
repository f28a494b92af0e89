"""MD4 (RFC 1320): the rc4-hmac string-to-key needs it and OpenSSL 3 no longer provides it."""

from __future__ import annotations

import struct

__all__ = ["md4"]

_M = 0xFFFFFFFF


def _rotl(x: int, n: int) -> int:
    return ((x << n) | (x >> (32 - n))) & _M


def md4(data: bytes) -> bytes:
    """The 16-byte MD4 digest of *data*."""
    msg = bytes(data) + b"\x80" + b"\x00" * ((55 - len(data)) % 64) + struct.pack("<Q", (len(data) * 8) & (2**64 - 1))
    a, b, c, d = 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476
    for off in range(0, len(msg), 64):
        x = struct.unpack_from("<16I", msg, off)
        aa, bb, cc, dd = a, b, c, d
        for i in range(16):
            f = (b & c) | (~b & d)
            a, b, c, d = d, _rotl((a + f + x[i]) & _M, (3, 7, 11, 19)[i % 4]), b, c
        for i in range(16):
            k = (i % 4) * 4 + i // 4
            g = (b & c) | (b & d) | (c & d)
            a, b, c, d = d, _rotl((a + g + x[k] + 0x5A827999) & _M, (3, 5, 9, 13)[i % 4]), b, c
        for i in range(16):
            k = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)[i]
            h = b ^ c ^ d
            a, b, c, d = d, _rotl((a + h + x[k] + 0x6ED9EBA1) & _M, (3, 9, 11, 15)[i % 4]), b, c
        a, b, c, d = (a + aa) & _M, (b + bb) & _M, (c + cc) & _M, (d + dd) & _M
    return struct.pack("<4I", a, b, c, d)
