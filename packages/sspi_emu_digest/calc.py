"""The Digest computations: H(A1), H(A2), request-digest and rspauth for HTTP (RFC 7616 §3.4.1-3.4.3,
RFC 2617 §3.2.2) and SASL DIGEST-MD5 (RFC 2831 §2.1.2.1)."""

from __future__ import annotations

from .algorithms import DigestAlgorithm
from .hashes import md5

__all__ = [
    "encode_http",
    "encode_sasl",
    "base_ha1",
    "session_ha1",
    "session_ha1_hex",
    "userhash",
    "http_response",
    "sasl_a1",
    "sasl_response",
]

_ZEROS = "0" * 32
_HA2_CACHE_SIZE = 256


def encode_http(text: str, utf8: bool) -> bytes:
    """A user name or password as HTTP Digest hashes it: UTF-8 when charset=UTF-8, else ISO-8859-1 where possible."""
    if not utf8:
        try:
            return text.encode("latin-1")
        except UnicodeEncodeError:
            pass
    return text.encode("utf-8")


def encode_sasl(text: str, utf8: bool) -> bytes:
    """RFC 2831 §2.1.2.1: with charset=utf-8, a string representable in ISO-8859-1 is hashed as ISO-8859-1."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        if utf8:
            return text.encode("utf-8")
        raise


def base_ha1(alg: DigestAlgorithm, user: bytes, realm: bytes, password: bytes) -> bytes:
    """H(username ":" realm ":" password) as raw bytes (what an HA1 store keeps)."""
    return alg.digest(user + b":" + realm + b":" + password)


def session_ha1(alg: DigestAlgorithm, base: bytes, nonce: str, cnonce: str) -> str:
    """The hex H(A1) a response uses: *base* itself, or for -sess H(hex(base) ":" nonce ":" cnonce)."""
    return session_ha1_hex(alg, base.hex(), nonce, cnonce)


def session_ha1_hex(alg: DigestAlgorithm, base_hex: str, nonce: str, cnonce: str) -> str:
    """:func:`session_ha1` for a base already in hex."""
    if not alg.sess:
        return base_hex
    return alg.hex(f"{base_hex}:{nonce}:{cnonce}".encode())


def userhash(alg: DigestAlgorithm, user: bytes, realm: bytes) -> str:
    """RFC 7616 §3.4.4: H(username ":" realm) in hex."""
    return alg.hexdigest(user + b":" + realm)


def http_response(
    alg: DigestAlgorithm,
    ha1_hex: str,
    nonce: str,
    method: str,
    uri: str,
    qop: str | None,
    nc: str | None,
    cnonce: str | None,
    body: bytes | None = None,
) -> str:
    """The request-digest (or, with method "", the rspauth value) in hex."""
    h = alg.hex
    a2 = f"{method}:{uri}"
    if qop == "auth-int":
        ha2 = h(f"{a2}:{h(body or b'')}".encode())
    else:
        # H(method:uri) repeats across requests (same resource, and ":uri" for every rspauth).
        ha2 = alg.ha2_cache.get(a2) or _new_ha2(alg, a2)
    if qop is None:
        return h(f"{ha1_hex}:{nonce}:{ha2}".encode())
    return h(f"{ha1_hex}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}".encode())


def _new_ha2(alg: DigestAlgorithm, a2: str) -> str:
    """H(a2) in hex, remembered in the algorithm's bounded cache."""
    cache = alg.ha2_cache
    value = alg.hex(a2.encode("utf-8"))
    if len(cache) >= _HA2_CACHE_SIZE:
        cache.clear()
    cache[a2] = value
    return value


def sasl_a1(base: bytes, nonce: str, cnonce: str, authzid: str | None, utf8: bool) -> bytes:
    """RFC 2831 A1 = { H(user:realm:passwd) } ":" nonce ":" cnonce [ ":" authzid ], returned as raw H(A1)."""
    a1 = base + b":" + nonce.encode("utf-8") + b":" + cnonce.encode("utf-8")
    if authzid is not None:
        a1 += b":" + authzid.encode("utf-8")
    return md5(a1).digest()


def sasl_response(ha1: bytes, nonce: str, nc: str, cnonce: str, qop: str, digest_uri: str, initial: bool) -> str:
    """The response value (``initial``) or the rspauth value, in hex."""
    a2 = ("AUTHENTICATE:" if initial else ":") + digest_uri
    if qop in ("auth-int", "auth-conf"):
        a2 += ":" + _ZEROS
    ha2 = md5(a2.encode("utf-8")).hexdigest()
    kd = f"{ha1.hex()}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}".encode()
    return md5(kd).hexdigest()
