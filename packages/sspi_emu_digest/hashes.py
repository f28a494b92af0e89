"""MD5 and SHA-256 constructors for Digest: CPython's own implementations when the interpreter has
them, else hashlib's.

Digest hashes many short strings per exchange (H(A2), the response, rspauth, the nonce MAC). For
inputs that short, OpenSSL's EVP path costs more than the hashing itself, and it is a large body
of code for the processor to keep at hand between the interpreter's own work: the built-in
modules (``_md5``, ``_sha256`` / ``_sha2``, the ones hashlib itself falls back to) measured
~1.3 µs less per HTTP Digest exchange through the C API (``python -m bench.breakdown_digest``).
The digests are the same; a test checks them against hashlib's.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Callable

from ._sha512_256 import Hash

__all__ = ["md5", "sha256", "hmac_sha256"]


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


def hmac_sha256(key: bytes, msg: bytes = b"") -> hmac.HMAC:
    """An HMAC-SHA256 object (RFC 2104) over :data:`sha256`."""
    return hmac.new(key, msg, _SHA256)
