"""HTTP Digest header values (RFC 7616 §3.3-3.5): WWW-Authenticate challenge, Authorization
credentials and Authentication-Info, each parsed from and formatted to text."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

from .algorithms import DigestAlgorithm, lookup
from .params import (
    ParseError,
    decode_ext_value,
    encode_ext_value,
    format_params,
    is_plain_qtext,
    parse_challenges,
    parse_params,
    plain_challenge,
)

__all__ = [
    "DigestChallenge",
    "DigestCredentials",
    "AuthenticationInfo",
    "format_authentication_info",
    "parse_digest_challenges",
]


def _flag(value: str | None) -> bool:
    return value is not None and value.strip().lower() == "true"


def _qop_list(value: str | None) -> list[str]:
    if value is None:
        return []
    if value in _COMMON_QOPS:
        return list(_COMMON_QOPS[value])
    return [q.strip().lower() for q in value.split(",") if q.strip()]


_COMMON_QOPS = {"auth": ("auth",), "auth-int": ("auth-int",), "auth,auth-int": ("auth", "auth-int"),
                "auth, auth-int": ("auth", "auth-int")}


@dataclass(slots=True)
class DigestChallenge:
    """One ``Digest`` challenge (WWW-Authenticate)."""

    realm: str
    nonce: str
    algorithm: DigestAlgorithm
    qop: list[str] = field(default_factory=list)
    opaque: str | None = None
    domain: str | None = None
    stale: bool = False
    charset_utf8: bool = False
    userhash: bool = False

    @classmethod
    def from_params(cls, params: dict[str, str]) -> "DigestChallenge | None":
        """Build from parsed parameters; None when the algorithm is unknown (such a challenge is skipped)."""
        get = params.get
        alg = lookup(get("algorithm"))
        if alg is None:
            return None
        realm, nonce = get("realm"), get("nonce")
        if realm is None or nonce is None:
            raise ParseError("a Digest challenge needs realm and nonce")
        charset = get("charset")
        if charset is not None and charset.strip().lower() != "utf-8":
            raise ParseError("charset must be UTF-8")
        stale, userhash = get("stale"), get("userhash")
        # Positional, in field order (the client's hot path).
        return cls(
            realm,
            nonce,
            alg,
            _qop_list(get("qop")),
            get("opaque"),
            get("domain"),
            stale is not None and _flag(stale),
            charset is not None,
            userhash is not None and _flag(userhash),
        )

    def format(self) -> str:
        """The challenge as a WWW-Authenticate value (scheme included)."""
        pairs: list[tuple[str, str, bool]] = [("realm", self.realm, True)]
        if self.domain is not None:
            pairs.append(("domain", self.domain, True))
        if self.qop:
            pairs.append(("qop", ",".join(self.qop), True))
        pairs.append(("algorithm", self.algorithm.name, False))
        pairs.append(("nonce", self.nonce, True))
        if self.opaque is not None:
            pairs.append(("opaque", self.opaque, True))
        if self.stale:
            pairs.append(("stale", "true", False))
        if self.charset_utf8:
            pairs.append(("charset", "UTF-8", False))
        if self.userhash:
            pairs.append(("userhash", "true", False))
        return "Digest " + format_params(pairs)


def parse_digest_challenges(text: str) -> list[DigestChallenge]:
    """Every Digest challenge with a known algorithm in a WWW-Authenticate value (other schemes skipped)."""
    single = plain_challenge(text)
    if single is not None:  # the usual value: one challenge
        scheme, params = single
        parsed = DigestChallenge.from_params(params) if scheme.lower() == "digest" else None
        return [parsed] if parsed is not None else []
    out: list[DigestChallenge] = []
    for ch in parse_challenges(text):
        if ch.scheme.lower() != "digest":
            continue
        if ch.token68 is not None:
            raise ParseError("a Digest challenge has no token68 form")
        parsed = DigestChallenge.from_params(ch.params)
        if parsed is not None:
            out.append(parsed)
    return out


#: The directives every Authorization value needs, read in one call (KeyError names the first missing).
_REQUIRED = operator.itemgetter("realm", "nonce", "uri", "response")


@dataclass(slots=True)
class DigestCredentials:
    """The Authorization value a client sends (RFC 7616 §3.4)."""

    username: str  # the user name, or its userhash when ``userhash`` is set
    realm: str
    nonce: str
    uri: str
    response: str
    algorithm: DigestAlgorithm
    qop: str | None = None
    nc: str | None = None
    cnonce: str | None = None
    opaque: str | None = None
    userhash: bool = False
    username_ext: bool = False  # sent as username* (RFC 5987)
    algorithm_sent: bool = True

    @classmethod
    def parse(cls, text: str) -> "DigestCredentials":
        """Parse an Authorization value (``Digest`` and the parameters)."""
        if text.startswith("Digest "):  # the usual form, without splitting a copy of the text
            rest = text[7:].lstrip()
        else:
            parts = text.strip(" \t").split(None, 1)
            scheme, rest = (parts[0], parts[1]) if len(parts) == 2 else (parts[0] if parts else "", "")
            if scheme.lower() != "digest":
                raise ParseError("not a Digest Authorization value")
        params = parse_params(rest)
        get = params.get
        try:
            realm, nonce, uri, response = _REQUIRED(params)
        except KeyError as exc:
            raise ParseError(f"Authorization lacks {exc.args[0]}") from None
        ext = "username*" in params
        if ext == ("username" in params):
            raise ParseError("exactly one of username and username* is needed")
        username = decode_ext_value(params["username*"]) if ext else params["username"]
        alg_name = get("algorithm")
        alg = lookup(alg_name)
        if alg is None:
            raise ParseError("unknown algorithm")
        qop = get("qop")
        nc, cnonce = get("nc"), get("cnonce")
        if qop is not None:
            qop = qop.strip().lower()
            if nc is None or cnonce is None:
                raise ParseError("qop needs nc and cnonce")
        userhash = get("userhash")
        # Positional: the hot path of every server leg (same fields as the keyword form).
        return cls(
            username,
            realm,
            nonce,
            uri,
            response.strip().lower(),
            alg,
            qop,
            nc,
            cnonce,
            get("opaque"),
            userhash is not None and _flag(userhash),
            ext,
            alg_name is not None,
        )

    def format(self) -> str:
        """The Authorization value (scheme included)."""
        cnonce, opaque = self.cnonce, self.opaque
        if self.username_ext or not is_plain_qtext(
            f"{self.username}{self.realm}{self.uri}{self.nonce}{cnonce or ''}{opaque or ''}{self.response}"
        ):
            return self._format_general()
        # Every quoted value needs no escape: one f-string per part, in the order _format_general uses.
        out = f'Digest username="{self.username}", realm="{self.realm}", uri="{self.uri}"'
        if self.algorithm_sent:
            out += f", algorithm={self.algorithm.name}"
        out += f', nonce="{self.nonce}"'
        if self.qop is not None and self.nc is not None and cnonce is not None:
            out += f', nc={self.nc}, cnonce="{cnonce}", qop={self.qop}'
        out += f', response="{self.response}"'
        if opaque is not None:
            out += f', opaque="{opaque}"'
        if self.userhash:
            out += ", userhash=true"
        return out

    def _format_general(self) -> str:
        pairs: list[tuple[str, str, bool]] = []
        if self.username_ext:
            pairs.append(("username*", encode_ext_value(self.username), False))
        else:
            pairs.append(("username", self.username, True))
        pairs += [("realm", self.realm, True), ("uri", self.uri, True)]
        if self.algorithm_sent:
            pairs.append(("algorithm", self.algorithm.name, False))
        pairs.append(("nonce", self.nonce, True))
        if self.qop is not None and self.nc is not None and self.cnonce is not None:
            pairs += [("nc", self.nc, False), ("cnonce", self.cnonce, True), ("qop", self.qop, False)]
        pairs.append(("response", self.response, True))
        if self.opaque is not None:
            pairs.append(("opaque", self.opaque, True))
        if self.userhash:
            pairs.append(("userhash", "true", False))
        return "Digest " + format_params(pairs)


@dataclass(slots=True)
class AuthenticationInfo:
    """The Authentication-Info value a server returns (RFC 7616 §3.5)."""

    rspauth: str
    qop: str | None = None
    nc: str | None = None
    cnonce: str | None = None
    nextnonce: str | None = None

    @classmethod
    def parse(cls, text: str) -> "AuthenticationInfo":
        """Parse an Authentication-Info value."""
        params = parse_params(text)
        if "rspauth" not in params:
            raise ParseError("Authentication-Info lacks rspauth")
        qop = params.get("qop")
        return cls(
            rspauth=params["rspauth"].strip().lower(),
            qop=qop.strip().lower() if qop is not None else None,
            nc=params.get("nc"),
            cnonce=params.get("cnonce"),
            nextnonce=params.get("nextnonce"),
        )

    def format(self) -> str:
        """The Authentication-Info value."""
        return format_authentication_info(self.rspauth, self.qop, self.nc, self.cnonce, self.nextnonce)


def format_authentication_info(rspauth: str, qop: str | None = None, nc: str | None = None,
                               cnonce: str | None = None, nextnonce: str | None = None) -> str:
    """An Authentication-Info value from its directives (what :meth:`AuthenticationInfo.format` gives)."""
    if nextnonce is None and qop is not None and nc is not None and cnonce is not None and is_plain_qtext(
        rspauth + cnonce
    ):  # the usual reply to a qop request: one f-string, in the order of the general form below
        return f'qop={qop}, rspauth="{rspauth}", cnonce="{cnonce}", nc={nc}'
    return _format_info_general(rspauth, qop, nc, cnonce, nextnonce)


def _format_info_general(rspauth: str, qop: str | None, nc: str | None, cnonce: str | None,
                         nextnonce: str | None) -> str:
    pairs: list[tuple[str, str, bool]] = []
    if nextnonce is not None:
        pairs.append(("nextnonce", nextnonce, True))
    if qop is not None:
        pairs.append(("qop", qop, False))
    pairs.append(("rspauth", rspauth, True))
    if cnonce is not None:
        pairs.append(("cnonce", cnonce, True))
    if nc is not None:
        pairs.append(("nc", nc, False))
    return format_params(pairs)
