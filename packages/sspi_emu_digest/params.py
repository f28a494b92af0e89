"""Auth-param lists: the comma-separated ``name=value`` syntax shared by HTTP Digest headers
(RFC 7235 §2.1, RFC 7616) and SASL DIGEST-MD5 directives (RFC 2831 §7.1).

Parsing is bounded: inputs longer than :data:`MAX_TEXT` characters or with more than
:data:`MAX_ELEMENTS` list elements are refused with :class:`ParseError`, so memory use is
linear in a capped input.
"""

from __future__ import annotations

import re
import string
import urllib.parse
from dataclasses import dataclass, field

__all__ = [
    "MAX_TEXT",
    "MAX_ELEMENTS",
    "ParseError",
    "Challenge",
    "parse_challenges",
    "parse_directives",
    "parse_params",
    "plain_challenge",
    "quote",
    "is_plain_qtext",
    "format_params",
    "decode_ext_value",
    "encode_ext_value",
    "decode_text",
]

#: Longest header value / SASL token accepted (characters).
MAX_TEXT = 16384
#: Most list elements accepted in one value.
MAX_ELEMENTS = 256

_DELIMS = frozenset(' \t,="')
_ATTR_CHARS = frozenset(string.ascii_letters + string.digits + "!#$&+-.^_`|~")


class ParseError(ValueError):
    """The text is not a well-formed auth-param list (the message says why)."""


@dataclass
class Challenge:
    """One challenge of a WWW-Authenticate value: a scheme and its parameters (names lower-case)."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)
    token68: str | None = None


# Lexical items: ("w", word) for a bare word, ("q", text) for a quoted string, ("=", "") and (",", "").
_Item = tuple[str, str]


def decode_text(data: bytes) -> str:
    """Bytes of a header value or SASL token as text (UTF-8, else ISO-8859-1)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


_LEX = re.compile(
    r'[ \t]+|(,)|(=)|"([^"\\\r\n\x00]*(?:\\[^\r\n\x00][^"\\\r\n\x00]*)*)"|([^ \t,="\x00-\x1f\x7f]+)|(.)', re.S
)
_UNESCAPE = re.compile(r"\\(.)", re.S)


_WORD = r'[^ \t,="\x00-\x1f\x7f]+'
_QTEXT = r'[^"\\\r\n\x00]*(?:\\[^\r\n\x00][^"\\\r\n\x00]*)*'
_PAIR_RE = rf'({_WORD})[ \t]*=[ \t]*(?:"({_QTEXT})"|({_WORD}))[ \t]*(?:,[ \t,]*|$)'
_PAIR = re.compile(_PAIR_RE)
_SCHEME = re.compile(rf"[ \t]*({_WORD})[ \t]+")
# One left-to-right pass: every character is consumed by a pair, by the leading separators, or
# by the catch-all last group (which marks the text as not a plain pair list).
_PAIR_SCAN = re.compile(rf"^[ \t,]+|{_PAIR_RE}|(.)", re.S)


def _fast_pairs(text: str) -> list[tuple[str, str]] | None:
    """The pairs of a plain ``name=value, ...`` list in one C-level regex pass; None if not that simple."""
    found = _PAIR_SCAN.findall(text)
    if not found:
        return [] if not text else None
    names, quoted, words, stray = zip(*found, strict=True)
    if any(stray):
        return None
    if not names[0]:  # the leading separators
        names, quoted, words = names[1:], quoted[1:], words[1:]
    if len(names) > MAX_ELEMENTS:
        raise ParseError(f"more than {MAX_ELEMENTS} list elements")
    columns = zip(names, quoted, words, strict=True)
    if "\\" not in text:
        return [(name.lower(), word or q) for name, q, word in columns]
    return [(name.lower(), word or _UNESCAPE.sub(r"\1", q)) for name, q, word in columns]


# The same scan for the usual case: names already lower-case ASCII tokens (any other name
# character is a stray), no backslash in the text. The value group holds a quoted string's
# content (an opening quote before it, its closing quote after) or a bare word (no quote on
# either side), so each match is one (name, value) pair and a stray character gives ("", "").
_LOWER_NAME = r"[a-z0-9!#$%&'*+.^_`|~-]+"
_PLAIN_SCAN = re.compile(
    rf'({_LOWER_NAME})[ \t]*=[ \t]*"?((?<=")[^"\r\n\x00]*(?=")|(?<!"){_WORD}(?!"))"?[ \t]*(?:,[ \t,]*|$)|.', re.S
)


def _plain_params(text: str) -> dict[str, str] | None:
    """The directives of a plain ``name=value, ...`` list (lower-case names, none repeated, no
    leading separator, no backslash) in one regex pass; None for any other text, which the
    general parser decides."""
    if "\\" in text:
        return None
    found = _PLAIN_SCAN.findall(text)
    params = dict(found)
    # A stray character gives the name "", a repeated name a shorter dict.
    if "" in params or len(params) != len(found) or len(found) > MAX_ELEMENTS:
        return None
    return params


def _lex(text: str) -> list[_Item]:
    if len(text) > MAX_TEXT:
        raise ParseError(f"value is longer than {MAX_TEXT} characters")
    items: list[_Item] = []
    append = items.append
    for m in _LEX.finditer(text):
        kind = m.lastindex
        if kind is None:
            continue
        if kind == 4:
            append(("w", m.group(4)))
        elif kind == 3:
            q = m.group(3)
            append(("q", _UNESCAPE.sub(r"\1", q) if "\\" in q else q))
        elif kind == 1:
            append((",", ""))
        elif kind == 2:
            append(("=", ""))
        elif m.group(5) == '"':
            raise ParseError("unterminated quoted string or control character in it")
        else:
            raise ParseError(f"control character 0x{ord(m.group(5)):02x}")
    return items


def _elements(items: list[_Item]) -> list[list[_Item]]:
    elements: list[list[_Item]] = [[]]
    for item in items:
        if item[0] == ",":
            elements.append([])
            if len(elements) > MAX_ELEMENTS:
                raise ParseError(f"more than {MAX_ELEMENTS} list elements")
        else:
            elements[-1].append(item)
    return [e for e in elements if e]


def _param(element: list[_Item]) -> tuple[str, str]:
    if len(element) == 3 and element[0][0] == "w" and element[1][0] == "=" and element[2][0] in "wq":
        return element[0][1].lower(), element[2][1]
    if len(element) == 2 and element[0][0] == "w" and element[1][0] == "=":
        raise ParseError(f"directive {element[0][1]!r} has no value")
    raise ParseError("expected name=value")


def _add(
    params: dict[str, str], name: str, value: str, repeatable: frozenset[str], lists: dict[str, list[str]]
) -> None:
    if name in repeatable:
        lists.setdefault(name, []).append(value)
        params.setdefault(name, value)
        return
    if name in params:
        raise ParseError(f"directive {name!r} appears more than once")
    params[name] = value


def parse_directives(
    text: str, repeatable: frozenset[str] = frozenset()
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Parse ``name=value, ...`` (names lower-cased; empty elements ignored).

    Returns the directives and, for names in *repeatable*, every value in order (the
    first one is also in the dict). Any other duplicate raises :class:`ParseError`.
    """
    if len(text) > MAX_TEXT:
        raise ParseError(f"value is longer than {MAX_TEXT} characters")
    lists: dict[str, list[str]] = {}
    if not repeatable:
        return parse_params(text), lists
    params: dict[str, str] = {}
    pairs = _fast_pairs(text)
    if pairs is None:
        pairs = [_param(element) for element in _elements(_lex(text))]
    for name, value in pairs:
        _add(params, name, value, repeatable, lists)
    return params, lists


def parse_params(text: str) -> dict[str, str]:
    """Parse ``name=value, ...`` where no name may repeat (names lower-cased; empty elements ignored)."""
    if len(text) > MAX_TEXT:
        raise ParseError(f"value is longer than {MAX_TEXT} characters")
    params = _plain_params(text)
    if params is not None:
        return params
    pairs = [_param(element) for element in _elements(_lex(text))]
    params = dict(pairs)
    if len(params) != len(pairs):
        raise ParseError("a directive appears more than once")
    return params


def plain_challenge(text: str) -> tuple[str, dict[str, str]] | None:
    """The scheme and parameters of a WWW-Authenticate value holding one challenge in the usual
    plain form; None for any other value, which :func:`parse_challenges` handles."""
    if len(text) > MAX_TEXT:
        raise ParseError(f"value is longer than {MAX_TEXT} characters")
    if text.startswith("Digest "):  # the usual scheme, without the regex
        scheme, rest = "Digest", text[7:]
    else:
        m = _SCHEME.match(text)
        if m is None:
            return None
        scheme, rest = m.group(1), text[m.end() :]
    params = _plain_params(rest)
    return (scheme, params) if params else None


def parse_challenges(text: str) -> list[Challenge]:
    """Parse a WWW-Authenticate value holding one or more challenges (RFC 7235 §4.1).

    Duplicate parameters within one challenge raise :class:`ParseError`.
    """
    single = plain_challenge(text)
    if single is not None:
        return [Challenge(*single)]
    challenges: list[Challenge] = []
    for element in _elements(_lex(text)):
        kinds = "".join(k for k, _ in element)
        if kinds == "w":
            challenges.append(Challenge(element[0][1]))
        elif kinds in ("ww=w", "ww=q"):
            ch = Challenge(element[0][1])
            ch.params[element[1][1].lower()] = element[3][1]
            challenges.append(ch)
        elif kinds.startswith("ww") and set(kinds[2:]) <= {"="}:
            challenges.append(Challenge(element[0][1], token68=element[1][1] + "=" * (len(kinds) - 2)))
        else:
            if not challenges:
                raise ParseError("a challenge must start with an auth-scheme")
            name, value = _param(element)
            current = challenges[-1]
            if current.token68 is not None:
                raise ParseError("parameters after a token68")
            if name in current.params:
                raise ParseError(f"parameter {name!r} appears more than once")
            current.params[name] = value
    if not challenges:
        raise ParseError("no challenge")
    return challenges


def quote(value: str) -> str:
    """*value* as an HTTP quoted-string (``"`` and ``\\`` escaped)."""
    if "\r" in value or "\n" in value or "\x00" in value:
        raise ValueError("control characters cannot be quoted")
    if '"' in value or "\\" in value:
        value = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + value + '"'


_PLAIN_QTEXT = re.compile(r'[^"\\\r\n\x00]*').fullmatch


def is_plain_qtext(text: str) -> bool:
    """Whether *text* can go between double quotes as it is (no ``"``, ``\\``, CR, LF or NUL)."""
    # Five substring scans (memchr-fast in C) rather than a regex: every formatted header asks.
    return not ('"' in text or "\\" in text or "\r" in text or "\n" in text or "\x00" in text)


def format_params(pairs: list[tuple[str, str, bool]], sep: str = ", ") -> str:
    """Join ``(name, value, quoted)`` triples as an auth-param list."""
    plain = _PLAIN_QTEXT
    return sep.join(
        [
            f'{name}="{value}"' if quoted and plain(value) else f"{name}={quote(value) if quoted else value}"
            for name, value, quoted in pairs
        ]
    )


def encode_ext_value(value: str) -> str:
    """RFC 5987 ext-value ``UTF-8''percent-encoded`` for a non-ASCII parameter value."""
    raw = value.encode("utf-8")
    return "UTF-8''" + "".join(chr(b) if chr(b) in _ATTR_CHARS else f"%{b:02X}" for b in raw)


def decode_ext_value(value: str) -> str:
    """Decode an RFC 5987 ext-value (charset UTF-8 or ISO-8859-1); ParseError if malformed."""
    parts = value.split("'", 2)
    if len(parts) != 3:
        raise ParseError("ext-value needs charset'language'value")
    charset, _lang, encoded = parts
    cs = charset.lower()
    if cs not in ("utf-8", "iso-8859-1"):
        raise ParseError(f"ext-value charset {charset!r} is not supported")
    if any(c not in _ATTR_CHARS and c != "%" for c in encoded):
        raise ParseError("ext-value has characters that must be percent-encoded")
    try:
        return urllib.parse.unquote(encoded, encoding=cs, errors="strict")
    except UnicodeDecodeError as exc:
        raise ParseError(f"ext-value is not valid {charset}") from exc
