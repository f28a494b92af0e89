"""MD4 (RFC 1320) in pure Python: OpenSSL 3 no longer provides it, and NTOWFv1 needs it.

The 48 steps of the compression function are written out (no loops, no tables): this
runs once per credential or account, and the unrolled form is about twice as fast.
"""

from __future__ import annotations

import struct

__all__ = ["md4"]

M = 0xFFFFFFFF
_BLOCK = struct.Struct("<16I")
_LENGTH = struct.Struct("<Q")
_DIGEST = struct.Struct("<4I")


def _compress(state: tuple[int, int, int, int], block: bytes) -> tuple[int, int, int, int]:
    x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15 = _BLOCK.unpack(block)
    a, b, c, d = state
    t = (a + ((b & c) | (~b & d)) + x0) & M
    a = ((t << 3) | (t >> 29)) & M
    t = (d + ((a & b) | (~a & c)) + x1) & M
    d = ((t << 7) | (t >> 25)) & M
    t = (c + ((d & a) | (~d & b)) + x2) & M
    c = ((t << 11) | (t >> 21)) & M
    t = (b + ((c & d) | (~c & a)) + x3) & M
    b = ((t << 19) | (t >> 13)) & M
    t = (a + ((b & c) | (~b & d)) + x4) & M
    a = ((t << 3) | (t >> 29)) & M
    t = (d + ((a & b) | (~a & c)) + x5) & M
    d = ((t << 7) | (t >> 25)) & M
    t = (c + ((d & a) | (~d & b)) + x6) & M
    c = ((t << 11) | (t >> 21)) & M
    t = (b + ((c & d) | (~c & a)) + x7) & M
    b = ((t << 19) | (t >> 13)) & M
    t = (a + ((b & c) | (~b & d)) + x8) & M
    a = ((t << 3) | (t >> 29)) & M
    t = (d + ((a & b) | (~a & c)) + x9) & M
    d = ((t << 7) | (t >> 25)) & M
    t = (c + ((d & a) | (~d & b)) + x10) & M
    c = ((t << 11) | (t >> 21)) & M
    t = (b + ((c & d) | (~c & a)) + x11) & M
    b = ((t << 19) | (t >> 13)) & M
    t = (a + ((b & c) | (~b & d)) + x12) & M
    a = ((t << 3) | (t >> 29)) & M
    t = (d + ((a & b) | (~a & c)) + x13) & M
    d = ((t << 7) | (t >> 25)) & M
    t = (c + ((d & a) | (~d & b)) + x14) & M
    c = ((t << 11) | (t >> 21)) & M
    t = (b + ((c & d) | (~c & a)) + x15) & M
    b = ((t << 19) | (t >> 13)) & M
    t = (a + ((b & c) | (b & d) | (c & d)) + x0 + 0x5A827999) & M
    a = ((t << 3) | (t >> 29)) & M
    t = (d + ((a & b) | (a & c) | (b & c)) + x4 + 0x5A827999) & M
    d = ((t << 5) | (t >> 27)) & M
    t = (c + ((d & a) | (d & b) | (a & b)) + x8 + 0x5A827999) & M
    c = ((t << 9) | (t >> 23)) & M
    t = (b + ((c & d) | (c & a) | (d & a)) + x12 + 0x5A827999) & M
    b = ((t << 13) | (t >> 19)) & M
    t = (a + ((b & c) | (b & d) | (c & d)) + x1 + 0x5A827999) & M
    a = ((t << 3) | (t >> 29)) & M
    t = (d + ((a & b) | (a & c) | (b & c)) + x5 + 0x5A827999) & M
    d = ((t << 5) | (t >> 27)) & M
    t = (c + ((d & a) | (d & b) | (a & b)) + x9 + 0x5A827999) & M
    c = ((t << 9) | (t >> 23)) & M
    t = (b + ((c & d) | (c & a) | (d & a)) + x13 + 0x5A827999) & M
    b = ((t << 13) | (t >> 19)) & M
    t = (a + ((b & c) | (b & d) | (c & d)) + x2 + 0x5A827999) & M
    a = ((t << 3) | (t >> 29)) & M
    t = (d + ((a & b) | (a & c) | (b & c)) + x6 + 0x5A827999) & M
    d = ((t << 5) | (t >> 27)) & M
    t = (c + ((d & a) | (d & b) | (a & b)) + x10 + 0x5A827999) & M
    c = ((t << 9) | (t >> 23)) & M
    t = (b + ((c & d) | (c & a) | (d & a)) + x14 + 0x5A827999) & M
    b = ((t << 13) | (t >> 19)) & M
    t = (a + ((b & c) | (b & d) | (c & d)) + x3 + 0x5A827999) & M
    a = ((t << 3) | (t >> 29)) & M
    t = (d + ((a & b) | (a & c) | (b & c)) + x7 + 0x5A827999) & M
    d = ((t << 5) | (t >> 27)) & M
    t = (c + ((d & a) | (d & b) | (a & b)) + x11 + 0x5A827999) & M
    c = ((t << 9) | (t >> 23)) & M
    t = (b + ((c & d) | (c & a) | (d & a)) + x15 + 0x5A827999) & M
    b = ((t << 13) | (t >> 19)) & M
    t = (a + (b ^ c ^ d) + x0 + 0x6ED9EBA1) & M
    a = ((t << 3) | (t >> 29)) & M
    t = (d + (a ^ b ^ c) + x8 + 0x6ED9EBA1) & M
    d = ((t << 9) | (t >> 23)) & M
    t = (c + (d ^ a ^ b) + x4 + 0x6ED9EBA1) & M
    c = ((t << 11) | (t >> 21)) & M
    t = (b + (c ^ d ^ a) + x12 + 0x6ED9EBA1) & M
    b = ((t << 15) | (t >> 17)) & M
    t = (a + (b ^ c ^ d) + x2 + 0x6ED9EBA1) & M
    a = ((t << 3) | (t >> 29)) & M
    t = (d + (a ^ b ^ c) + x10 + 0x6ED9EBA1) & M
    d = ((t << 9) | (t >> 23)) & M
    t = (c + (d ^ a ^ b) + x6 + 0x6ED9EBA1) & M
    c = ((t << 11) | (t >> 21)) & M
    t = (b + (c ^ d ^ a) + x14 + 0x6ED9EBA1) & M
    b = ((t << 15) | (t >> 17)) & M
    t = (a + (b ^ c ^ d) + x1 + 0x6ED9EBA1) & M
    a = ((t << 3) | (t >> 29)) & M
    t = (d + (a ^ b ^ c) + x9 + 0x6ED9EBA1) & M
    d = ((t << 9) | (t >> 23)) & M
    t = (c + (d ^ a ^ b) + x5 + 0x6ED9EBA1) & M
    c = ((t << 11) | (t >> 21)) & M
    t = (b + (c ^ d ^ a) + x13 + 0x6ED9EBA1) & M
    b = ((t << 15) | (t >> 17)) & M
    t = (a + (b ^ c ^ d) + x3 + 0x6ED9EBA1) & M
    a = ((t << 3) | (t >> 29)) & M
    t = (d + (a ^ b ^ c) + x11 + 0x6ED9EBA1) & M
    d = ((t << 9) | (t >> 23)) & M
    t = (c + (d ^ a ^ b) + x7 + 0x6ED9EBA1) & M
    c = ((t << 11) | (t >> 21)) & M
    t = (b + (c ^ d ^ a) + x15 + 0x6ED9EBA1) & M
    b = ((t << 15) | (t >> 17)) & M
    return (state[0] + a) & M, (state[1] + b) & M, (state[2] + c) & M, (state[3] + d) & M


def md4(data: bytes) -> bytes:
    """Return the 16-byte MD4 digest of *data*."""
    msg = bytes(data)
    bit_len = (len(msg) * 8) & 0xFFFFFFFFFFFFFFFF
    msg += b"\x80" + b"\x00" * ((55 - len(msg)) % 64) + _LENGTH.pack(bit_len)
    state = (0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476)
    for off in range(0, len(msg), 64):
        state = _compress(state, msg[off : off + 64])
    return _DIGEST.pack(*state)
