"""Session resumption: TLS 1.3 tickets, the pre_shared_key extension and binders (RFC 8446 2.2, 4.2.11, 4.6.1);
TLS 1.2 session ids (RFC 5246) and session tickets (RFC 5077)."""

from __future__ import annotations

import hashlib
import hmac
import struct
import threading
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sspi_emu import entropy

from .codec import DecodeError, Reader, u16, u32, vec8, vec16
from .keyschedule import KeySchedule13, expand_label

PSK_DHE_KE = 1


@dataclass
class ResumableSession:
    """A ticket a client may offer: what the server sent and what both sides derived."""

    ticket: bytes = field(repr=False)
    psk: bytes = field(repr=False)
    suite: int
    hash_name: str
    age_add: int = field(repr=False)
    lifetime: int
    received: float
    peer_chain: list[x509.Certificate] = field(default_factory=list, repr=False)
    #: TLS 1.2 sessions: resumed by session id with the master secret (``ticket`` / ``psk`` unused).
    version: int = 0x0304
    session_id: bytes = b""
    master_secret: bytes = field(default=b"", repr=False)
    extended_master_secret: bool = True

    def expires(self) -> float:
        return self.received + self.lifetime

    def obfuscated_age(self, now: float) -> int:
        age_ms = max(0, int((now - self.received) * 1000))
        return (age_ms + self.age_add) & 0xFFFFFFFF


def resumption_psk(hash_name: str, resumption_master_secret: bytes, nonce: bytes) -> bytes:
    """The PSK a ticket stands for (RFC 8446 4.6.1)."""
    size = hashlib.new(hash_name).digest_size
    return expand_label(hash_name, resumption_master_secret, b"resumption", nonce, size)


def binder(hash_name: str, psk: bytes, transcript_hash: bytes) -> bytes:
    """The PSK binder over the truncated ClientHello transcript (RFC 8446 4.2.11.2)."""
    ks = KeySchedule13(hash_name, psk)
    binder_key = ks.derive_secret(ks.early_secret, b"res binder", ks.empty_hash)
    return hmac.digest(ks.finished_key(binder_key), transcript_hash, hash_name)


def encode_client_psk(identities: list[tuple[bytes, int]], binders: list[bytes]) -> bytes:
    ids = b"".join(vec16(i) + u32(age) for i, age in identities)
    return vec16(ids) + vec16(b"".join(vec8(b) for b in binders))


def binders_length(binders: list[bytes]) -> int:
    """Bytes the binders list takes at the end of a ClientHello."""
    return 2 + sum(1 + len(b) for b in binders)


def decode_client_psk(data: bytes) -> tuple[list[tuple[bytes, int]], list[bytes]]:
    r = Reader(data)
    ids_r = Reader(r.vec16(7))
    binders_r = Reader(r.vec16(33))
    r.done()
    identities: list[tuple[bytes, int]] = []
    while ids_r.remaining():
        identity = ids_r.vec16(1)
        identities.append((identity, ids_r.u32()))
    binders: list[bytes] = []
    while binders_r.remaining():
        binders.append(binders_r.vec8(32))
    if len(binders) != len(identities):
        raise DecodeError("PSK identities and binders differ in number")
    return identities, binders


def encode_server_psk(selected: int) -> bytes:
    return u16(selected)


@dataclass
class TicketState:
    """What a server ticket carries (encrypted to the server's ticket key)."""

    psk: bytes = field(repr=False)
    suite: int
    created: float
    lifetime: int
    age_add: int


_STATE = struct.Struct(">HdII")
_STATE12 = struct.Struct(">HBdI")


class TicketProtector:
    """Seals and opens the server's session tickets with a key only the server credential knows."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "TicketProtector()"

    def seal(self, state: TicketState) -> bytes:
        nonce = entropy.random_bytes(12, "ticket-nonce")
        plain = _STATE.pack(state.suite, state.created, state.lifetime, state.age_add) + state.psk
        return nonce + self._aead.encrypt(nonce, plain, b"sspi-emu ticket")

    def open(self, ticket: bytes) -> TicketState | None:
        if len(ticket) < 12 + 16 + _STATE.size:
            return None
        try:
            plain = self._aead.decrypt(ticket[:12], ticket[12:], b"sspi-emu ticket")
        except InvalidTag:
            return None
        suite, created, lifetime, age_add = _STATE.unpack_from(plain)
        return TicketState(plain[_STATE.size :], suite, created, lifetime, age_add)

    def seal12(self, session: ServerSession12) -> bytes:
        """A TLS 1.2 session ticket (RFC 5077) holding *session*; TLS 1.3 tickets do not open as one."""
        nonce = entropy.random_bytes(12, "ticket-nonce")
        plain = _STATE12.pack(
            session.suite, int(session.extended_master_secret), session.created, int(session.lifetime)
        )
        return nonce + self._aead.encrypt(nonce, plain + session.master_secret, b"sspi-emu ticket 1.2")

    def open12(self, ticket: bytes) -> ServerSession12 | None:
        """The session in a TLS 1.2 ticket this key sealed, or None."""
        if len(ticket) < 12 + 16 + _STATE12.size + 48:
            return None
        try:
            plain = self._aead.decrypt(ticket[:12], ticket[12:], b"sspi-emu ticket 1.2")
        except InvalidTag:
            return None
        suite, ems, created, lifetime = _STATE12.unpack_from(plain)
        return ServerSession12(plain[_STATE12.size :], suite, bool(ems), created, float(lifetime))


@dataclass
class ServerSession12:
    """A TLS 1.2 session a server can resume by its id."""

    master_secret: bytes = field(repr=False)
    suite: int
    extended_master_secret: bool
    created: float
    lifetime: float


class SessionStore12:
    """A server credential's TLS 1.2 session cache (by session id)."""

    MAX = 1024

    def __init__(self) -> None:
        self._sessions: dict[bytes, ServerSession12] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SessionStore12({len(self._sessions)} sessions)"

    def add(self, session_id: bytes, session: ServerSession12) -> None:
        with self._lock:
            if len(self._sessions) >= self.MAX:
                self._sessions.pop(next(iter(self._sessions)))
            self._sessions[session_id] = session

    def get(self, session_id: bytes, now: float) -> ServerSession12 | None:
        with self._lock:
            s = self._sessions.get(session_id)
            if s is not None and not s.created <= now < s.created + s.lifetime:
                del self._sessions[session_id]
                return None
            return s
