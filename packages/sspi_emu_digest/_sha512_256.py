"""SHA-512/256 (FIPS 180-4 §5.3.6.2): hashlib's when OpenSSL has it, else a small pure-Python one."""

from __future__ import annotations

import hashlib
import struct
from typing import Protocol

__all__ = ["Hash", "new", "PurePythonSha512_256"]

_MASK = (1 << 64) - 1


class Hash(Protocol):
    """The part of the hashlib interface Digest uses."""

    def update(self, data: bytes, /) -> None: ...
    def digest(self) -> bytes: ...
    def hexdigest(self) -> str: ...


def _primes(count: int) -> list[int]:
    found: list[int] = []
    n = 2
    while len(found) < count:
        if all(n % p for p in found if p * p <= n):
            found.append(n)
        n += 1
    return found


def _icbrt(n: int) -> int:
    """Integer cube root (floor)."""
    x = 1 << ((n.bit_length() + 2) // 3)
    while True:
        y = (2 * x + n // (x * x)) // 3
        if y >= x:
            return x
        x = y


# SHA-512 round constants: first 64 bits of the fractional parts of the cube roots of the first 80 primes.
_K = tuple(_icbrt(p << 192) & _MASK for p in _primes(80))
# SHA-512/256 initial hash value (FIPS 180-4 §5.3.6.2).
_IV = (
    0x22312194FC2BF72C, 0x9F555FA3C84C64C2, 0x2393B86B6F53B151, 0x963877195940EABD,
    0x96283EE2A88EFFE3, 0xBE5E1E2553863992, 0x2B0199FC2C85B8AA, 0x0EB72DDC81C52CA2,
)


def _rotr(x: int, n: int) -> int:
    return ((x >> n) | (x << (64 - n))) & _MASK


class PurePythonSha512_256:
    """SHA-512/256 in pure Python (slow; used only when OpenSSL lacks it)."""

    name = "sha512_256"
    digest_size = 32
    block_size = 128

    def __init__(self, data: bytes = b"") -> None:
        self._h = list(_IV)
        self._buf = b""
        self._len = 0
        self.update(data)

    def update(self, data: bytes, /) -> None:
        self._len += len(data)
        buf = self._buf + bytes(data)
        full = len(buf) - len(buf) % 128
        for off in range(0, full, 128):
            self._compress(buf[off : off + 128])
        self._buf = buf[full:]

    def _compress(self, block: bytes) -> None:
        w = list(struct.unpack(">16Q", block))
        for t in range(16, 80):
            s0 = _rotr(w[t - 15], 1) ^ _rotr(w[t - 15], 8) ^ (w[t - 15] >> 7)
            s1 = _rotr(w[t - 2], 19) ^ _rotr(w[t - 2], 61) ^ (w[t - 2] >> 6)
            w.append((w[t - 16] + s0 + w[t - 7] + s1) & _MASK)
        a, b, c, d, e, f, g, h = self._h
        for t in range(80):
            t1 = (h + (_rotr(e, 14) ^ _rotr(e, 18) ^ _rotr(e, 41)) + ((e & f) ^ (~e & g)) + _K[t] + w[t]) & _MASK
            t2 = ((_rotr(a, 28) ^ _rotr(a, 34) ^ _rotr(a, 39)) + ((a & b) ^ (a & c) ^ (b & c))) & _MASK
            h, g, f, e, d, c, b, a = g, f, e, (d + t1) & _MASK, c, b, a, (t1 + t2) & _MASK
        self._h = [(x + y) & _MASK for x, y in zip(self._h, (a, b, c, d, e, f, g, h), strict=True)]

    def digest(self) -> bytes:
        saved = (list(self._h), self._buf, self._len)
        bitlen = self._len * 8
        pad = b"\x80" + b"\x00" * ((111 - self._len) % 128) + bitlen.to_bytes(16, "big")
        self.update(pad)
        out = struct.pack(">8Q", *self._h)[:32]
        self._h, self._buf, self._len = saved
        return out

    def hexdigest(self) -> str:
        return self.digest().hex()


def _probe() -> bool:
    try:
        hashlib.new("sha512_256", b"")
    except ValueError:
        return False
    return True


HAVE_OPENSSL_SHA512_256 = _probe()


def new(data: bytes = b"") -> Hash:
    """A SHA-512/256 hash object."""
    if HAVE_OPENSSL_SHA512_256:
        return hashlib.new("sha512_256", data)
    return PurePythonSha512_256(data)
