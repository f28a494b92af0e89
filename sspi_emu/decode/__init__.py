"""``sspi-emu decode``: turn an NTLM / SPNEGO / Kerberos / Digest / TLS token into a readable tree.

Read-only parsers written for this tool (they share nothing with the packages, which the
core may not import). :func:`decode_input` takes what a user pastes — base64, hex, raw
bytes, or an HTTP ``Authorization`` / ``WWW-Authenticate`` header value — detects the
format and returns a :class:`Node` tree; malformed input raises :class:`DecodeError`
saying where parsing stopped.
"""

from __future__ import annotations

import base64
import binascii
import re

from .digest import decode_digest, looks_like_digest
from .kerberos import decode_kerberos, is_kerberos
from .ntlm import SIGNATURE, decode_ntlm
from .spnego import decode_gss, decode_negotiation_token
from .tls import decode_tls, looks_like_tls
from .tree import DecodeError, Node, render_text

__all__ = ["DecodeError", "KINDS", "Node", "decode_bytes", "decode_input", "detect", "render_text"]

KINDS = ("auto", "ntlm", "spnego", "kerberos", "digest", "tls", "der")
_HEADER = re.compile(r"^\s*(proxy-)?(authorization|www-authenticate|authentication-info|proxy-authenticate)\s*:\s*",
                     re.IGNORECASE)
_BINARY_SCHEMES = ("ntlm", "negotiate", "kerberos", "nego2")
_HEX = re.compile(r"^(0x)?[0-9a-fA-F\s:]+$")


def detect(data: bytes) -> str:
    """Which format *data* looks like: ntlm, spnego, kerberos, tls or der ('' when unknown)."""
    if data.startswith(SIGNATURE):
        return "ntlm"
    if not data:
        return ""
    if data[0] == 0x60:
        return "spnego"  # a GSS-API InitialContextToken (SPNEGO, krb5 or another mechanism)
    if data[0] in (0xA0, 0xA1):
        return "spnego"
    if is_kerberos(data):
        return "kerberos"
    if looks_like_tls(data):
        return "tls"
    if data[0] == 0x30:
        return "der"
    return ""


def _inner(data: bytes, offset: int) -> Node:
    """A token carried inside another (SPNEGO mechToken, ...): detected, or shown as bytes."""
    kind = detect(data)
    if kind in ("", "tls"):
        from .tree import hexstr

        return Node("token", hexstr(data), [], offset)
    return decode_bytes(data, kind, offset)


def decode_bytes(data: bytes, kind: str = "auto", offset: int = 0) -> Node:
    """Decode a binary token (raises :class:`DecodeError`)."""
    if kind == "auto":
        kind = detect(data)
        if not kind:
            head = data[:8].hex() or "(empty)"
            raise DecodeError(f"not an NTLM, SPNEGO, Kerberos or TLS token (starts {head})", 0 if data else None)
    if kind == "ntlm":
        return decode_ntlm(data, offset)
    if kind == "spnego":
        if data[:1] == b"\x60":
            return decode_gss(data, offset, _inner)
        return decode_negotiation_token(data, offset, _inner)
    if kind == "kerberos":
        if data[:1] == b"\x60":
            return decode_gss(data, offset, _inner)
        return decode_kerberos(data, offset, _inner)
    if kind == "tls":
        return decode_tls(data, offset)
    if kind == "der":
        from .asn1 import generic
        from .der import read_all

        root = Node("DER", f"{len(data)} bytes", [], offset)
        for tlv in read_all(data, offset):
            generic(tlv, "", root)
        return root
    if kind == "digest":
        try:
            return decode_digest(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise DecodeError("a Digest value must be text", exc.start, "Digest") from None
    raise DecodeError(f"unknown format {kind!r} (one of {', '.join(KINDS)})")


def _unbase64(text: str) -> bytes | None:
    compact = "".join(text.split())
    if not compact or len(compact) % 4 == 1:
        return None
    try:
        padded = compact + "=" * (-len(compact) % 4)
        if "-" in compact or "_" in compact:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def _text_to_bytes(text: str) -> tuple[bytes | None, str]:
    """Bytes from hex or base64 text; or None and why not."""
    stripped = text.strip()
    if _HEX.match(stripped):
        digits = re.sub(r"[\s:]", "", stripped.removeprefix("0x"))
        if len(digits) % 2 == 0:
            try:
                return bytes.fromhex(digits), "hex"
            except ValueError:
                pass
    raw = _unbase64(stripped)
    if raw is not None:
        return raw, "base64"
    return None, "neither hex nor base64"


def decode_text(text: str, kind: str = "auto", depth: int = 0) -> Node:
    """Decode pasted text: a header value, base64 or hex (raises :class:`DecodeError`)."""
    text = _HEADER.sub("", text, count=1).strip()
    if not text:
        raise DecodeError("empty input")
    first, _, rest = text.partition(" ")
    scheme = first.lower()
    if scheme in _BINARY_SCHEMES and rest.strip():
        raw, how = _text_to_bytes(rest)
        if raw is None:
            raise DecodeError(f"the {first} header value is not base64", len(first) + 1)
        node = decode_bytes(raw, kind)
        return Node(f"HTTP {first}", f"{len(raw)} bytes ({how})", [node], 0)
    if kind == "digest" or (kind == "auto" and looks_like_digest(text)):
        return decode_digest(text)
    raw, how = _text_to_bytes(text)
    if raw is None:
        if scheme == "basic":
            raise DecodeError("Basic credentials are not a security token (and are not shown)")
        raise DecodeError(f"input is {how}, and not a Digest header either", 0)
    if kind in ("auto", "digest") and not detect(raw) and _printable(raw) and depth == 0:
        return decode_text(raw.decode("ascii"), kind, depth + 1)  # hex / base64 of a text token (Digest)
    return decode_bytes(raw, kind)


def _printable(raw: bytes) -> bool:
    return bool(raw.strip()) and raw.isascii() and all(chr(c).isprintable() or c in b"\r\n\t" for c in raw)


def decode_input(raw: str | bytes, kind: str = "auto", strict: bool = False) -> Node:
    """Decode what a user gave: text (header value, base64, hex) or raw bytes.

    Raises only :class:`DecodeError`; with ``strict`` an unexpected exception inside a
    decoder (a bug) propagates instead of being reported as a decode error.
    """
    try:
        if isinstance(raw, bytes):
            if _printable(raw):
                return decode_text(raw.decode("ascii"), kind)  # a file holding base64 / hex / a header value
            return decode_bytes(raw, kind)
        return decode_text(raw, kind)
    except DecodeError:
        raise
    except RecursionError:
        raise DecodeError("nesting too deep") from None
    except Exception as exc:
        if strict:
            raise
        raise DecodeError(f"unexpected {type(exc).__name__} in the decoder ({exc})") from None
