"""MD5 and SHA-256 constructors for Digest (CPython's own implementations when the interpreter has
them, else hashlib's), and the keyed HMAC-SHA256 the server's nonces carry.

Digest hashes many short strings per exchange (H(A2), the response, rspauth, the nonce MAC). For
inputs that short, OpenSSL's EVP path costs more than the hashing itself, and it is a large body
of code for the processor to keep at hand between the interpreter's own work: the built-in
modules (``_md5``, ``_sha256`` / ``_sha2``, the ones hashlib itself falls back to) measured
~1.3 µs less per HTTP Digest exchange through the C API (``python -m bench.breakdown_digest``).
The digests are the same; tests check them, and the HMAC, against hashlib and hmac.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable

from ._sha512_256 import Hash

__all__ = ["md5", "sha256", "PrefixedHmacSha256"]


def _hashlib_md5(data: bytes = b"") -> Hash:
    return hashlib.md5(data, usedforsecurity=False)


def _builtin(module: str, name: str) -> Any:
    try:
        return getattr(__import__(module), name)
    except (ImportError, AttributeError):
        return None


#: MD5 (never used for security by this package's choice: the RFCs name it).
md5: Callable[[bytes], Hash] = _builtin("_md5", "md5") or _hashlib_md5
#: SHA-256 (``_sha256`` up to Python 3.11, ``_sha2`` from 3.12).
_SHA256: Any = _builtin("_sha256", "sha256") or _builtin("_sha2", "sha256") or hashlib.sha256
sha256: Callable[[bytes], Hash] = _SHA256


_BLOCK = 64  # SHA-256's block size


class PrefixedHmacSha256:
    """HMAC-SHA256 (RFC 2104) with its key and a message prefix absorbed once:
    ``mac(rest) == HMAC-SHA256(key, prefix ‖ rest)``.

    Each MAC copies the two keyed states (two short hashes, no Python-level HMAC object per
    call: the server MACs every nonce it issues or checks). The key is never shown.
    """

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes, prefix: bytes = b"") -> None:
        if len(key) > _BLOCK:
            key = _SHA256(key).digest()
        key = key.ljust(_BLOCK, b"\x00")
        self._inner = _SHA256(bytes(b ^ 0x36 for b in key) + prefix)
        self._outer = _SHA256(bytes(b ^ 0x5C for b in key))

    def mac(self, rest: bytes) -> bytes:
        """HMAC-SHA256(key, prefix ‖ rest)."""
        inner = self._inner.copy()
        inner.update(rest)
        outer = self._outer.copy()
        outer.update(inner.digest())
        result: bytes = outer.digest()
        return result

    def __repr__(self) -> str:
        return "PrefixedHmacSha256(<key hidden>)"
