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


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=False))


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
    cn1 = ciphertext[n - _BLOCK - m : n - m]
    cn = ciphertext[n - m :]
    head_plain = _cbc_decrypt(key, iv, head) if head else b""
    prev = head[-_BLOCK:] if head else iv
    d = ecb_decrypt(key, cn1)
    last_plain = _xor(d[:m], cn)
    c_prev = cn + d[m:]
    p_prev = _xor(ecb_decrypt(key, c_prev), prev)
    return head_plain + p_prev + last_plain
