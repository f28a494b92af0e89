"""AES in CBC mode with ciphertext stealing (RFC 3962 section 5, the RFC 2040 variant)."""

from __future__ import annotations

import functools

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = ["cts_decrypt", "cts_encrypt", "ecb_decrypt", "ecb_encrypt"]

_BLOCK = 16


@functools.lru_cache(maxsize=1024)
def _ecb(key: bytes) -> Cipher[modes.ECB]:
    return Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305 - a building block of CBC/CTS


@functools.lru_cache(maxsize=1024)
def _cbc(key: bytes, iv: bytes) -> Cipher[modes.CBC]:
    # Kerberos always starts from a zero IV, so (key, iv) pairs repeat and the objects are reused.
    return Cipher(algorithms.AES(key), modes.CBC(iv))


def ecb_encrypt(key: bytes, data: bytes) -> bytes:
    """AES-ECB over whole blocks."""
    enc = _ecb(key).encryptor()
    return enc.update(data) + enc.finalize()


def ecb_decrypt(key: bytes, data: bytes) -> bytes:
    """AES-ECB decryption over whole blocks."""
    dec = _ecb(key).decryptor()
    return dec.update(data) + dec.finalize()


def _cbc_encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    enc = _cbc(key, iv).encryptor()
    return enc.update(data) + enc.finalize()


def _cbc_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    dec = _cbc(key, iv).decryptor()
    return dec.update(data) + dec.finalize()


def cts_encrypt(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    """Encrypt at least one block; the ciphertext is as long as the plaintext."""
    n = len(plaintext)
    if n < _BLOCK:
        raise ValueError("CTS needs at least one block")
    if n == _BLOCK:
        return _cbc_encrypt(key, iv, plaintext)
    padded = plaintext + b"\x00" * (-n % _BLOCK)
    ct = _cbc_encrypt(key, iv, padded)
    last = len(ct) - _BLOCK
    swapped = ct[: last - _BLOCK] + ct[last:] + ct[last - _BLOCK : last]
    return swapped[:n]


def cts_decrypt(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """Invert :func:`cts_encrypt` (ValueError for less than one block)."""
    n = len(ciphertext)
    if n < _BLOCK:
        raise ValueError("CTS needs at least one block")
    if n == _BLOCK:
        return _cbc_decrypt(key, iv, ciphertext)
    m = n % _BLOCK or _BLOCK
    head = ciphertext[: n - _BLOCK - m]
    last_full = ciphertext[n - _BLOCK - m : n - m]  # C(n) of the underlying CBC
    stolen = ciphertext[n - m :]  # the first m bytes of C(n-1)
    # D(C(n)) = P(n) padded with zeros XOR C(n-1): its tail is the tail of C(n-1).
    tail = ecb_decrypt(key, last_full)[m:]
    return _cbc_decrypt(key, iv, head + stolen + tail + last_full)[:n]
