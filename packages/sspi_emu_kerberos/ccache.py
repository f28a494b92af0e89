"""MIT FILE credential caches (versions 0x0503 / 0x0504), as ``kinit`` writes them: read, and written (0x0504)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .bereader import BigEndianReader
from .keys import Key
from .messages import Asn1Error, PrincipalName, Ticket, decode_ticket

__all__ = [
    "CachedCredential", "CcacheError", "Ccache", "default_ccache_path", "format_ccache", "parse_ccache", "read_ccache",
    "write_ccache",
]


class CcacheError(Exception):
    """The file is not a readable FILE ccache."""


@dataclass
class CachedCredential:
    """One cached ticket with its session key and times."""

    client: PrincipalName
    crealm: str
    server: PrincipalName
    srealm: str
    key: Key = field(repr=False)
    authtime: int
    starttime: int
    endtime: int
    renew_till: int
    flags: int
    ticket: Ticket = field(repr=False)


@dataclass
class Ccache:
    """The default principal and the credentials of a cache."""

    principal: PrincipalName
    realm: str
    credentials: list[CachedCredential]


class _Reader(BigEndianReader):
    def __init__(self, data: bytes) -> None:
        super().__init__(data, CcacheError, "ccache")

    def data32(self) -> bytes:
        return self.take(self.u32())

    def principal(self) -> tuple[PrincipalName, str]:
        name_type = self.u32()
        count = self.u32()
        if count > 64:
            raise CcacheError("too many name components")
        realm = self.data32().decode("utf-8")
        comps = tuple(self.data32().decode("utf-8") for _ in range(count))
        return PrincipalName(name_type, comps), realm

    @property
    def at_end(self) -> bool:
        return self.pos >= len(self.data)


def parse_ccache(data: bytes) -> Ccache:
    """Parse a FILE ccache image (CcacheError when malformed)."""
    r = _Reader(bytes(data))
    try:
        version = r.u16()
        if version not in (0x0503, 0x0504):
            raise CcacheError(f"unsupported ccache version 0x{version:04x}")
        if version == 0x0504:
            r.take(r.u16())  # header tags (KDC time offset): not needed
        principal, realm = r.principal()
        creds: list[CachedCredential] = []
        while not r.at_end:
            client, crealm = r.principal()
            server, srealm = r.principal()
            enctype = r.u16()
            if version == 0x0503:
                r.u16()
            key = Key(enctype, r.data32())
            authtime, starttime, endtime, renew_till = (r.u32() for _ in range(4))
            r.u8()  # is_skey
            flags = r.u32()
            for _ in range(r.u32()):
                r.u16()
                r.data32()
            for _ in range(r.u32()):
                r.u16()
                r.data32()
            ticket_der = r.data32()
            r.data32()  # second ticket
            if srealm == "X-CACHECONF:" or not ticket_der:
                continue
            try:
                ticket = decode_ticket(ticket_der)
            except Asn1Error:
                continue
            creds.append(CachedCredential(client, crealm, server, srealm, key, authtime, starttime, endtime,
                                          renew_till, flags, ticket))
        return Ccache(principal, realm, creds)
    except UnicodeDecodeError:
        raise CcacheError("a name is not UTF-8") from None


def default_ccache_path() -> str | None:
    """``KRB5CCNAME`` when it names a FILE cache, else MIT's default ``/tmp/krb5cc_<uid>``."""
    name = os.environ.get("KRB5CCNAME")
    if name:
        if name.startswith("FILE:"):
            return name[5:]
        if ":" in name.split("/", 1)[0]:
            return None  # KEYRING:, KCM:, DIR:, MEMORY: are not readable here
        return name
    getuid = getattr(os, "getuid", None)
    return f"/tmp/krb5cc_{getuid()}" if getuid is not None else None  # noqa: S108 - MIT's documented default


def read_ccache(path: str | Path) -> Ccache:
    """Read a ccache file (``FILE:`` prefix allowed)."""
    text = str(path)
    if text.startswith("FILE:"):
        text = text[5:]
    try:
        return parse_ccache(Path(text).read_bytes())
    except OSError as exc:
        raise CcacheError(f"cannot read ccache: {type(exc).__name__}") from None


def _u16(n: int) -> bytes:
    return n.to_bytes(2, "big")


def _u32(n: int) -> bytes:
    return (n & 0xFFFFFFFF).to_bytes(4, "big")


def _data32(data: bytes) -> bytes:
    return _u32(len(data)) + data


def _principal(name: PrincipalName, realm: str) -> bytes:
    out = _u32(name.name_type) + _u32(len(name.components)) + _data32(realm.encode("utf-8"))
    return out + b"".join(_data32(c.encode("utf-8")) for c in name.components)


def format_ccache(cache: Ccache) -> bytes:
    """A version 0x0504 FILE ccache image of *cache* (no header tags, no addresses, no authorization data)."""
    out = bytearray(_u16(0x0504) + _u16(0) + _principal(cache.principal, cache.realm))
    for c in cache.credentials:
        out += _principal(c.client, c.crealm) + _principal(c.server, c.srealm)
        out += _u16(c.key.enctype) + _data32(c.key.contents)
        out += b"".join(_u32(t) for t in (c.authtime, c.starttime, c.endtime, c.renew_till))
        out += b"\x00" + _u32(c.flags) + _u32(0) + _u32(0) + _data32(c.ticket.encode()) + _data32(b"")
    return bytes(out)


def write_ccache(path: str | Path, cache: Ccache) -> None:
    """Write *cache* to a FILE ccache (``FILE:`` prefix allowed), readable by its owner only, replaced whole."""
    text = str(path)
    if text.startswith("FILE:"):
        text = text[5:]
    target = Path(text)
    tmp = target.with_name(f".{target.name}.sspi-emu-{os.getpid()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(format_ccache(cache))
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CcacheError(f"cannot write ccache: {type(exc).__name__}") from None
