"""The n-fold operation of RFC 3961 section 5.1."""

from __future__ import annotations

from math import gcd

__all__ = ["nfold"]


def nfold(data: bytes, nbytes: int) -> bytes:
    """Stretch or shrink *data* to *nbytes* octets (rotate 13 bits right per copy, ones'-complement sum)."""
    inlen = len(data)
    if inlen == 0 or nbytes <= 0:
        raise ValueError("n-fold needs a non-empty input and a positive output size")
    bits = inlen * 8
    value = int.from_bytes(data, "big")
    full = (1 << bits) - 1
    lcm = inlen * nbytes // gcd(inlen, nbytes)
    stream = bytearray()
    for i in range(lcm // inlen):
        r = (13 * i) % bits
        rotated = ((value >> r) | (value << (bits - r))) & full if r else value
        stream += rotated.to_bytes(inlen, "big")
    width = nbytes * 8
    mask = (1 << width) - 1
    total = 0
    for off in range(0, lcm, nbytes):
        total += int.from_bytes(stream[off : off + nbytes], "big")
        while total > mask:
            total = (total & mask) + (total >> width)
    return total.to_bytes(nbytes, "big")
