"""HTTP authentication header syntax (RFC 7235 / RFC 4559): challenges, credentials, tokens.

Parsers never raise anything but :class:`HeaderError`, whatever the input.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Sequence

__all__ = [
    "MAX_HEADER",
    "Challenge",
    "HeaderError",
    "decode_token",
    "encode_token",
    "format_token",
    "parse_authorization",
    "parse_challenges",
]

#: Longest Authorization / WWW-Authenticate value accepted (Negotiate tokens stay far below it).
MAX_HEADER = 64 * 1024

_TCHAR = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


class HeaderError(ValueError):
    """An authentication header that cannot be read (the server answers 400)."""


@dataclass(frozen=True)
class Challenge:
    """One challenge (or credentials): the scheme and what follows it, unparsed."""

    scheme: str
    rest: str

    def token(self) -> bytes:
        """The base64 token68 of a Negotiate / NTLM challenge (empty when absent)."""
        return decode_token(self.rest) if self.rest else b""

    def __str__(self) -> str:
        return f"{self.scheme} {self.rest}" if self.rest else self.scheme


def _is_token(text: str) -> bool:
    return bool(text) and all(c in _TCHAR for c in text)


def decode_token(text: str) -> bytes:
    """Decode a base64 token68 strictly (HeaderError on bad characters or padding)."""
    value = text.strip()
    if not value or len(value) > MAX_HEADER:
        raise HeaderError("missing or oversized token")
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise HeaderError("the token is not valid base64") from exc


def encode_token(token: bytes) -> str:
    """Base64 text of *token*."""
    return base64.b64encode(token).decode("ascii")


def format_token(scheme: str, token: bytes) -> str:
    """``scheme base64`` (or only the scheme when the token is empty)."""
    return f"{scheme} {encode_token(token)}" if token else scheme


def parse_authorization(value: str | None) -> Challenge:
    """Split an Authorization value into scheme and the rest (HeaderError when malformed)."""
    if value is None:
        raise HeaderError("no credentials")
    if len(value) > MAX_HEADER:
        raise HeaderError("Authorization header too long")
    text = value.strip(" \t")
    scheme, _, rest = text.partition(" ")
    if not _is_token(scheme):
        raise HeaderError("the Authorization header has no valid scheme")
    return Challenge(scheme, rest.strip(" \t"))


_COMMA_OR_QUOTE = re.compile(r'[,"]')
_QUOTE_OR_ESCAPE = re.compile(r'["\\]')


def _split_commas(text: str) -> list[str]:
    """Split on commas outside quoted strings (a backslash inside quotes escapes the next
    character; an unterminated quoted string runs to the end)."""
    if '"' not in text:
        return text.split(",")
    parts: list[str] = []
    start = pos = 0
    while True:
        m = _COMMA_OR_QUOTE.search(text, pos)
        if m is None:
            break
        if m.group() == ",":
            parts.append(text[start : m.start()])
            start = pos = m.end()
            continue
        pos = m.end()  # inside a quoted string: find its end
        while True:
            q = _QUOTE_OR_ESCAPE.search(text, pos)
            if q is None:
                pos = len(text)
                break
            pos = q.end() + (1 if q.group() == "\\" else 0)
            if q.group() == '"':
                break
    parts.append(text[start:])
    return parts


def _starts_challenge(piece: str) -> tuple[str, str] | None:
    """(scheme, rest) when *piece* begins a new challenge rather than continuing auth-params."""
    text = piece.strip(" \t")
    if not text:
        return None
    head, sep, rest = text.partition(" ")
    if not _is_token(head):
        return None
    if not sep:
        return head, ""
    rest = rest.strip(" \t")
    if "=" in head:
        return None
    # "scheme name=value" or "scheme token68": both start a challenge; "name = value" does not.
    if rest.startswith("="):
        return None
    return head, rest


def parse_challenges(values: str | Sequence[str]) -> list[Challenge]:
    """All challenges in one or more WWW-Authenticate values (lists may be comma-joined)."""
    items = [values] if isinstance(values, str) else list(values)
    out: list[Challenge] = []
    for value in items:
        if len(value) > MAX_HEADER:
            continue
        scheme: str | None = None
        rest: list[str] = []
        for piece in _split_commas(value):
            start = _starts_challenge(piece)
            if start is not None and (scheme is None or not _continues_params(piece)):
                if scheme is not None:
                    out.append(Challenge(scheme, ",".join(rest).strip()))
                scheme, first = start
                rest = [first] if first else []
            elif scheme is not None:
                rest.append(piece)
        if scheme is not None:
            out.append(Challenge(scheme, ",".join(rest).strip()))
    return out


def _continues_params(piece: str) -> bool:
    """True when *piece* is ``name=value`` (an auth-param of the current challenge)."""
    text = piece.strip(" \t")
    name, eq, _ = text.partition("=")
    return bool(eq) and _is_token(name.strip(" \t")) and " " not in name.strip(" \t")
