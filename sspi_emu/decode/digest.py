"""HTTP Digest (RFC 7616 / 2617) header values and SASL DIGEST-MD5 (RFC 2831) messages, read-only."""

from __future__ import annotations

from .tree import DecodeError, Node

__all__ = ["looks_like_digest", "decode_digest", "parse_params"]

WHAT = "Digest"
_TOKEN_CHARS = set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_KNOWN = ("realm", "nonce", "qop", "algorithm", "response", "rspauth", "cnonce", "nc", "username", "uri",
          "digest-uri", "opaque", "nextnonce", "stale", "charset", "userhash", "cipher", "maxbuf", "authzid")


def looks_like_digest(text: str) -> bool:
    """Whether *text* is a Digest challenge / response / Authentication-Info value or a SASL message."""
    head = text.lstrip()
    if head[:7].lower() == "digest ":
        return True
    low = head.lower()
    return "=" in head and any(low.startswith(k + "=") or f",{k}=" in low.replace(" ", "") for k in _KNOWN)


def parse_params(text: str, start: int = 0) -> tuple[list[tuple[str, str, int]], int]:
    """``name=value`` pairs from *start* until the end or a new scheme; returns them and where it stopped."""
    out: list[tuple[str, str, int]] = []
    i = start
    n = len(text)
    while i < n:
        while i < n and text[i] in " \t\r\n,":
            i += 1
        if i >= n:
            break
        name_at = i
        while i < n and text[i] in _TOKEN_CHARS:
            i += 1
        name = text[name_at:i]
        if not name:
            raise DecodeError(f"expected a parameter name, found {text[i]!r}", i, WHAT)
        j = i
        while j < n and text[j] in " \t":
            j += 1
        if j >= n or text[j] != "=":
            if out and j < n and text[j] not in ",":
                return out, name_at  # a new scheme ("Digest realm=..., Basic realm=...")
            raise DecodeError(f"parameter {name!r} has no '=' value", j, WHAT)
        i = j + 1
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] == '"':
            i += 1
            value_chars: list[str] = []
            while True:
                if i >= n:
                    raise DecodeError(f"the quoted value of {name!r} is not closed", name_at, WHAT)
                ch = text[i]
                if ch == "\\" and i + 1 < n:
                    value_chars.append(text[i + 1])
                    i += 2
                    continue
                if ch == '"':
                    i += 1
                    break
                value_chars.append(ch)
                i += 1
            value = "".join(value_chars)
        else:
            v_at = i
            while i < n and text[i] not in ", \t":
                i += 1
            value = text[v_at:i]
        out.append((name, value, name_at))
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] != ",":
            raise DecodeError(f"expected ',' after parameter {name!r}, found {text[i]!r}", i, WHAT)
    return out, n


def _kind(names: set[str], http: bool) -> str:
    if "rspauth" in names or "nextnonce" in names:
        return "Authentication-Info (server's proof)" if http else "rspauth (HTTP Authentication-Info / SASL)"
    if "response" in names:
        return "Authorization (client response)" if http else "SASL digest-response"
    if "nonce" in names:
        return "WWW-Authenticate challenge" if http else "SASL digest-challenge"
    return "parameters"


def decode_digest(text: str) -> Node:
    """Every Digest challenge / response in *text* as a tree (raises :class:`DecodeError`)."""
    pos = 0
    challenges: list[Node] = []
    while pos < len(text):
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text):
            break
        scheme = ""
        word_end = pos
        while word_end < len(text) and text[word_end] in _TOKEN_CHARS:
            word_end += 1
        if word_end < len(text) and text[word_end] in " \t" and "=" not in text[pos:word_end]:
            after = word_end
            while after < len(text) and text[after] in " \t":
                after += 1
            if after < len(text) and text[after] != "=":
                scheme, pos = text[pos:word_end], after
        params, stop = parse_params(text, pos)
        if not params:
            raise DecodeError("no parameters", pos, WHAT)
        names = {n.lower() for n, _, _ in params}
        http = bool(scheme) or "uri" in names
        kind = _kind(names, http)
        prefix = (scheme or "Digest") if http else ("Digest" if "rspauth" in names else "SASL DIGEST-MD5")
        node = Node(f"{prefix} {kind}", None, [], pos)
        if scheme:
            node.add("scheme", scheme, pos)
        for name, value, at in params:
            shown = repr(value)
            low = name.lower()
            if low == "nc":
                try:
                    shown = f"{value} (request {int(value, 16)})"
                except ValueError:
                    raise DecodeError(f"nc {value!r} is not hexadecimal", at, WHAT) from None
            elif low in ("qop", "cipher") and "," in value:
                shown = f"{value!r} (offers: {', '.join(v.strip() for v in value.split(','))})"
            node.add(name, shown, at)
        challenges.append(node)
        if stop >= len(text):
            break
        pos = stop
    if not challenges:
        raise DecodeError("empty Digest value", 0, WHAT)
    if len(challenges) == 1:
        return challenges[0]
    return Node(f"{len(challenges)} challenges", None, challenges, 0)
