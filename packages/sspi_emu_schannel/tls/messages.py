"""Handshake message codecs: one class per wire structure, ``encode()`` to body bytes and ``decode(body)``.

Framing (type + uint24 length) is done by :func:`frame`; :class:`HandshakeReassembler` splits
a stream of handshake-record fragments back into whole messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .codec import DecodeError, Reader, u8, u16, u16_list, u16_list_of, u24, u32, vec8, vec16, vec24
from .constants import HRR_RANDOM, HandshakeType
from .extensions import Extensions, decode_extensions, encode_extensions

MAX_HANDSHAKE_MESSAGE = 1 << 17


def frame(msg_type: int, body: bytes) -> bytes:
    """A whole handshake message: type, uint24 length, body."""
    return bytes((msg_type,)) + u24(len(body)) + body


@dataclass
class ClientHello:
    random: bytes
    session_id: bytes
    cipher_suites: list[int]
    extensions: Extensions
    legacy_version: int = 0x0303
    compression_methods: bytes = b"\x00"

    def encode(self) -> bytes:
        return (
            u16(self.legacy_version)
            + self.random
            + vec8(self.session_id)
            + vec16(u16_list(self.cipher_suites))
            + vec8(self.compression_methods)
            + encode_extensions(self.extensions)
        )

    @classmethod
    def decode(cls, body: bytes) -> ClientHello:
        r = Reader(body)
        version = r.u16()
        random = r.take(32)
        session_id = r.vec8()
        if len(session_id) > 32:
            raise DecodeError("session id too long")
        suites = u16_list_of(r.vec16(2))
        comp = r.vec8(1)
        exts = decode_extensions(r.vec16()) if r.remaining() else []
        r.done()
        return cls(random, session_id, suites, exts, version, comp)


@dataclass
class ServerHello:
    random: bytes
    session_id: bytes
    cipher_suite: int
    extensions: Extensions
    legacy_version: int = 0x0303
    compression_method: int = 0

    @property
    def is_hrr(self) -> bool:
        """True for a HelloRetryRequest."""
        return self.random == HRR_RANDOM

    def encode(self) -> bytes:
        return (
            u16(self.legacy_version)
            + self.random
            + vec8(self.session_id)
            + u16(self.cipher_suite)
            + u8(self.compression_method)
            + encode_extensions(self.extensions)
        )

    @classmethod
    def decode(cls, body: bytes) -> ServerHello:
        r = Reader(body)
        version = r.u16()
        random = r.take(32)
        session_id = r.vec8()
        if len(session_id) > 32:
            raise DecodeError("session id too long")
        suite = r.u16()
        comp = r.u8()
        exts = decode_extensions(r.vec16()) if r.remaining() else []
        r.done()
        return cls(random, session_id, suite, exts, version, comp)


@dataclass
class EncryptedExtensions:
    extensions: Extensions

    def encode(self) -> bytes:
        return encode_extensions(self.extensions)

    @classmethod
    def decode(cls, body: bytes) -> EncryptedExtensions:
        r = Reader(body)
        exts = decode_extensions(r.vec16())
        r.done()
        return cls(exts)


@dataclass
class Certificate13:
    """TLS 1.3 Certificate: a request context and (DER, extensions) entries."""

    context: bytes
    entries: list[tuple[bytes, bytes]]

    def encode(self) -> bytes:
        body = b"".join(vec24(der) + vec16(exts) for der, exts in self.entries)
        return vec8(self.context) + vec24(body)

    @classmethod
    def decode(cls, body: bytes) -> Certificate13:
        r = Reader(body)
        ctx = r.vec8()
        lst = Reader(r.vec24())
        r.done()
        entries: list[tuple[bytes, bytes]] = []
        while lst.remaining():
            der = lst.vec24(1)
            entries.append((der, lst.vec16()))
        return cls(ctx, entries)


@dataclass
class Certificate12:
    """TLS 1.2 Certificate: a list of DER certificates."""

    certificates: list[bytes]

    def encode(self) -> bytes:
        return vec24(b"".join(vec24(der) for der in self.certificates))

    @classmethod
    def decode(cls, body: bytes) -> Certificate12:
        r = Reader(body)
        lst = Reader(r.vec24())
        r.done()
        certs: list[bytes] = []
        while lst.remaining():
            certs.append(lst.vec24(1))
        return cls(certs)


@dataclass
class CertificateRequest13:
    context: bytes
    extensions: Extensions

    def encode(self) -> bytes:
        return vec8(self.context) + encode_extensions(self.extensions)

    @classmethod
    def decode(cls, body: bytes) -> CertificateRequest13:
        r = Reader(body)
        ctx = r.vec8()
        exts = decode_extensions(r.vec16())
        r.done()
        return cls(ctx, exts)


@dataclass
class CertificateRequest12:
    certificate_types: bytes
    signature_algorithms: list[int]
    authorities: list[bytes] = field(default_factory=list)

    def encode(self) -> bytes:
        cas = b"".join(vec16(dn) for dn in self.authorities)
        return vec8(self.certificate_types) + vec16(u16_list(self.signature_algorithms)) + vec16(cas)

    @classmethod
    def decode(cls, body: bytes) -> CertificateRequest12:
        r = Reader(body)
        types = r.vec8(1)
        algs = u16_list_of(r.vec16(2))
        lst = Reader(r.vec16())
        r.done()
        cas: list[bytes] = []
        while lst.remaining():
            cas.append(lst.vec16(1))
        return cls(types, algs, cas)


@dataclass
class CertificateVerify:
    scheme: int
    signature: bytes = field(repr=False)

    def encode(self) -> bytes:
        return u16(self.scheme) + vec16(self.signature)

    @classmethod
    def decode(cls, body: bytes) -> CertificateVerify:
        r = Reader(body)
        scheme = r.u16()
        sig = r.vec16(1)
        r.done()
        return cls(scheme, sig)


@dataclass
class Finished:
    verify_data: bytes = field(repr=False)

    def encode(self) -> bytes:
        return self.verify_data

    @classmethod
    def decode(cls, body: bytes) -> Finished:
        if not 12 <= len(body) <= 64:
            raise DecodeError("bad Finished length")
        return cls(bytes(body))


@dataclass
class NewSessionTicket13:
    lifetime: int
    age_add: int
    nonce: bytes
    ticket: bytes = field(repr=False)
    extensions: Extensions = field(default_factory=list)

    def encode(self) -> bytes:
        return (
            u32(self.lifetime)
            + u32(self.age_add)
            + vec8(self.nonce)
            + vec16(self.ticket)
            + encode_extensions(self.extensions)
        )

    @classmethod
    def decode(cls, body: bytes) -> NewSessionTicket13:
        r = Reader(body)
        lifetime = r.u32()
        age_add = r.u32()
        nonce = r.vec8()
        ticket = r.vec16(1)
        exts = decode_extensions(r.vec16())
        r.done()
        return cls(lifetime, age_add, nonce, ticket, exts)


@dataclass
class NewSessionTicket12:
    """TLS 1.2 NewSessionTicket (RFC 5077 3.3): lifetime hint and the opaque ticket."""

    lifetime_hint: int
    ticket: bytes = field(repr=False)

    def encode(self) -> bytes:
        return u32(self.lifetime_hint) + vec16(self.ticket)

    @classmethod
    def decode(cls, body: bytes) -> NewSessionTicket12:
        r = Reader(body)
        lifetime = r.u32()
        ticket = r.vec16()
        r.done()
        return cls(lifetime, ticket)


@dataclass
class KeyUpdate:
    request_update: int

    def encode(self) -> bytes:
        return u8(self.request_update)

    @classmethod
    def decode(cls, body: bytes) -> KeyUpdate:
        r = Reader(body)
        v = r.u8()
        r.done()
        if v > 1:
            raise DecodeError("bad KeyUpdate")
        return cls(v)


@dataclass
class ServerKeyExchangeECDHE:
    """TLS 1.2 ServerKeyExchange for ECDHE (RFC 8422 5.4): named curve, point, signature."""

    group: int
    public: bytes
    scheme: int
    signature: bytes = field(repr=False)

    def params(self) -> bytes:
        """The ServerECDHParams bytes the signature covers."""
        return b"\x03" + u16(self.group) + vec8(self.public)

    def encode(self) -> bytes:
        return self.params() + u16(self.scheme) + vec16(self.signature)

    @classmethod
    def decode(cls, body: bytes) -> ServerKeyExchangeECDHE:
        r = Reader(body)
        if r.u8() != 3:
            raise DecodeError("only named curves are supported")
        group = r.u16()
        public = r.vec8(1)
        scheme = r.u16()
        sig = r.vec16(1)
        r.done()
        return cls(group, public, scheme, sig)


@dataclass
class ClientKeyExchangeECDHE:
    public: bytes

    def encode(self) -> bytes:
        return vec8(self.public)

    @classmethod
    def decode(cls, body: bytes) -> ClientKeyExchangeECDHE:
        r = Reader(body)
        pub = r.vec8(1)
        r.done()
        return cls(pub)


class HandshakeReassembler:
    """Collects handshake-record fragments and yields whole messages ``(type, body, raw)``."""

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = bytearray()

    def add(self, fragment: bytes | bytearray | memoryview) -> None:
        self._buf += fragment

    @property
    def pending(self) -> bool:
        """True when a partial message is buffered."""
        return bool(self._buf)

    def next(self) -> tuple[int, bytes, bytes] | None:
        """The next whole message, or None if it has not all arrived."""
        buf = self._buf
        if len(buf) < 4:
            return None
        length = int.from_bytes(buf[1:4], "big")
        if length > MAX_HANDSHAKE_MESSAGE:
            raise DecodeError("handshake message too large")
        if len(buf) < 4 + length:
            return None
        raw = bytes(buf[: 4 + length])
        del buf[: 4 + length]
        return raw[0], raw[4:], raw


__all__ = [
    "Certificate12",
    "Certificate13",
    "CertificateRequest12",
    "CertificateRequest13",
    "CertificateVerify",
    "ClientHello",
    "ClientKeyExchangeECDHE",
    "EncryptedExtensions",
    "Finished",
    "HandshakeReassembler",
    "HandshakeType",
    "KeyUpdate",
    "NewSessionTicket12",
    "NewSessionTicket13",
    "ServerHello",
    "ServerKeyExchangeECDHE",
    "frame",
]
