"""SASL DIGEST-MD5 tokens (RFC 2831 §2.1): digest-challenge, digest-response and response-auth."""

from __future__ import annotations

from dataclasses import dataclass, field

from .params import ParseError, format_params, parse_directives

__all__ = ["SaslChallenge", "SaslResponse", "parse_rspauth", "format_rspauth", "CIPHERS"]

#: cipher-opts this implementation knows, strongest first.
CIPHERS = ("3des", "rc4", "des", "rc4-56", "rc4-40")


def _list(value: str | None) -> list[str]:
    if value is None:
        return []
    return [v.strip().lower() for v in value.split(",") if v.strip()]


def _int(value: str, name: str, limit: int) -> int:
    text = value.strip()
    if not text.isdigit() or len(text) > 10:
        raise ParseError(f"{name} must be a decimal number")
    number = int(text)
    if not 0 < number <= limit:
        raise ParseError(f"{name} out of range")
    return number


@dataclass
class SaslChallenge:
    """The server's digest-challenge."""

    nonce: str
    realms: list[str] = field(default_factory=list)
    qop: list[str] = field(default_factory=lambda: ["auth"])
    ciphers: list[str] = field(default_factory=list)
    maxbuf: int = 65536
    charset_utf8: bool = False
    stale: bool = False

    @classmethod
    def parse(cls, text: str) -> "SaslChallenge":
        """Parse a digest-challenge (RFC 2831 §2.1.1)."""
        params, lists = parse_directives(text, repeatable=frozenset({"realm"}))
        if "nonce" not in params:
            raise ParseError("digest-challenge lacks nonce")
        if params.get("algorithm", "").strip().lower() != "md5-sess":
            raise ParseError("digest-challenge must say algorithm=md5-sess")
        charset = params.get("charset")
        if charset is not None and charset.strip().lower() != "utf-8":
            raise ParseError("charset must be utf-8")
        qop = _list(params.get("qop")) or ["auth"]
        return cls(
            nonce=params["nonce"],
            realms=lists.get("realm", []),
            qop=qop,
            ciphers=_list(params.get("cipher")),
            maxbuf=_int(params["maxbuf"], "maxbuf", 0xFFFFFF) if "maxbuf" in params else 65536,
            charset_utf8=charset is not None,
            stale=params.get("stale", "").strip().lower() == "true",
        )

    def format(self) -> str:
        """The digest-challenge text."""
        pairs: list[tuple[str, str, bool]] = [("realm", r, True) for r in self.realms]
        pairs.append(("nonce", self.nonce, True))
        pairs.append(("qop", ",".join(self.qop), True))
        if self.ciphers:
            pairs.append(("cipher", ",".join(self.ciphers), True))
        if self.stale:
            pairs.append(("stale", "true", False))
        if self.maxbuf != 65536:
            pairs.append(("maxbuf", str(self.maxbuf), False))
        if self.charset_utf8:
            pairs.append(("charset", "utf-8", False))
        pairs.append(("algorithm", "md5-sess", False))
        return format_params(pairs, ",")


@dataclass
class SaslResponse:
    """The client's digest-response (RFC 2831 §2.1.2)."""

    username: str
    realm: str
    nonce: str
    cnonce: str
    nc: str
    digest_uri: str
    response: str
    qop: str = "auth"
    charset_utf8: bool = False
    cipher: str | None = None
    authzid: str | None = None
    maxbuf: int | None = None

    @classmethod
    def parse(cls, text: str) -> "SaslResponse":
        """Parse a digest-response."""
        params, _ = parse_directives(text)
        for name in ("username", "nonce", "cnonce", "nc", "digest-uri", "response"):
            if name not in params:
                raise ParseError(f"digest-response lacks {name}")
        charset = params.get("charset")
        if charset is not None and charset.strip().lower() != "utf-8":
            raise ParseError("charset must be utf-8")
        nc = params["nc"].strip()
        if len(nc) != 8 or any(c not in "0123456789abcdefABCDEF" for c in nc):
            raise ParseError("nc must be 8 hex digits")
        qop = params.get("qop", "auth").strip().lower()
        cipher = params.get("cipher")
        return cls(
            username=params["username"],
            realm=params.get("realm", ""),
            nonce=params["nonce"],
            cnonce=params["cnonce"],
            nc=nc,
            digest_uri=params["digest-uri"],
            response=params["response"].strip().lower(),
            qop=qop,
            charset_utf8=charset is not None,
            cipher=cipher.strip().lower() if cipher is not None else None,
            authzid=params.get("authzid"),
            maxbuf=_int(params["maxbuf"], "maxbuf", 0xFFFFFF) if "maxbuf" in params else None,
        )

    def format(self) -> str:
        """The digest-response text (directive order as in RFC 2831 §4)."""
        pairs: list[tuple[str, str, bool]] = []
        if self.charset_utf8:
            pairs.append(("charset", "utf-8", False))
        pairs += [
            ("username", self.username, True),
            ("realm", self.realm, True),
            ("nonce", self.nonce, True),
            ("nc", self.nc, False),
            ("cnonce", self.cnonce, True),
            ("digest-uri", self.digest_uri, True),
            ("response", self.response, False),
            ("qop", self.qop, False),
        ]
        if self.cipher is not None:
            pairs.append(("cipher", self.cipher, False))
        if self.maxbuf is not None:
            pairs.append(("maxbuf", str(self.maxbuf), False))
        if self.authzid is not None:
            pairs.append(("authzid", self.authzid, True))
        return format_params(pairs, ",")


def parse_rspauth(text: str) -> str:
    """The rspauth value of a response-auth token."""
    params, _ = parse_directives(text)
    if set(params) != {"rspauth"}:
        raise ParseError("response-auth must hold exactly rspauth")
    return params["rspauth"].strip().lower()


def format_rspauth(value: str) -> str:
    """A response-auth token."""
    return f"rspauth={value}"
