"""Key derivation: the TLS 1.3 key schedule (RFC 8446 7.1, HKDF) and the TLS 1.2 PRF (RFC 5246 5, RFC 7627)."""

from __future__ import annotations

import functools
import hashlib
import hmac
from typing import Callable

from .codec import u16, vec8

HashFactory = Callable[[], "hashlib._Hash"]


def hash_by_name(name: str) -> HashFactory:
    """The hashlib constructor for 'sha256' / 'sha384'."""
    factory: HashFactory = getattr(hashlib, name)
    return factory


def hkdf_extract(hash_name: str, salt: bytes, ikm: bytes) -> bytes:
    """HKDF-Extract (RFC 5869 2.2)."""
    if not salt:
        salt = bytes(hashlib.new(hash_name).digest_size)
    return hmac.digest(salt, ikm, hash_name)


def hkdf_expand(hash_name: str, prk: bytes, info: bytes, length: int) -> bytes:
    """HKDF-Expand (RFC 5869 2.3)."""
    if length <= 32:
        return hmac.digest(prk, info + b"\x01", hash_name)[:length]
    out = b""
    block = b""
    counter = 1
    while len(out) < length:
        block = hmac.digest(prk, block + info + bytes((counter,)), hash_name)
        out += block
        counter += 1
    return out[:length]


def hkdf_label(label: bytes, context: bytes, length: int) -> bytes:
    """The HkdfLabel structure (RFC 8446 7.1)."""
    return u16(length) + vec8(b"tls13 " + label) + vec8(context)


@functools.lru_cache(maxsize=64)
def _label_prefix(label: bytes, length: int) -> bytes:
    return u16(length) + vec8(b"tls13 " + label)


def expand_label(hash_name: str, secret: bytes, label: bytes, context: bytes, length: int) -> bytes:
    """HKDF-Expand-Label."""
    info = _label_prefix(label, length) + bytes((len(context),)) + context
    return hkdf_expand(hash_name, secret, info, length)


class KeySchedule13:
    """The TLS 1.3 secrets for one connection (no PSK: the early secret is derived from zeros)."""

    def __init__(self, hash_name: str, psk: bytes | None = None) -> None:
        self.hash_name = hash_name
        self.hash_len = hashlib.new(hash_name).digest_size
        zeros = bytes(self.hash_len)
        self.empty_hash = hashlib.new(hash_name, b"").digest()
        self.early_secret = hkdf_extract(hash_name, zeros, psk if psk is not None else zeros)
        self.handshake_secret = b""
        self.master_secret = b""

    def derive_secret(self, secret: bytes, label: bytes, transcript_hash: bytes) -> bytes:
        return expand_label(self.hash_name, secret, label, transcript_hash, self.hash_len)

    def set_shared_secret(self, shared: bytes) -> None:
        """Derive the handshake secret from the (EC)DHE shared secret."""
        derived = self.derive_secret(self.early_secret, b"derived", self.empty_hash)
        self.handshake_secret = hkdf_extract(self.hash_name, derived, shared)
        derived = self.derive_secret(self.handshake_secret, b"derived", self.empty_hash)
        self.master_secret = hkdf_extract(self.hash_name, derived, bytes(self.hash_len))

    def handshake_traffic(self, transcript_hash: bytes) -> tuple[bytes, bytes]:
        """(client, server) handshake traffic secrets for the ClientHello..ServerHello hash."""
        return (
            self.derive_secret(self.handshake_secret, b"c hs traffic", transcript_hash),
            self.derive_secret(self.handshake_secret, b"s hs traffic", transcript_hash),
        )

    def application_traffic(self, transcript_hash: bytes) -> tuple[bytes, bytes]:
        """(client, server) application traffic secrets for the hash through server Finished."""
        return (
            self.derive_secret(self.master_secret, b"c ap traffic", transcript_hash),
            self.derive_secret(self.master_secret, b"s ap traffic", transcript_hash),
        )

    def exporter_master(self, transcript_hash: bytes) -> bytes:
        return self.derive_secret(self.master_secret, b"exp master", transcript_hash)

    def resumption_master(self, transcript_hash: bytes) -> bytes:
        return self.derive_secret(self.master_secret, b"res master", transcript_hash)

    def finished_key(self, base_key: bytes) -> bytes:
        return expand_label(self.hash_name, base_key, b"finished", b"", self.hash_len)

    def verify_data(self, base_key: bytes, transcript_hash: bytes) -> bytes:
        """Finished.verify_data for a traffic secret and transcript hash."""
        return hmac.digest(self.finished_key(base_key), transcript_hash, self.hash_name)

    def traffic_keys(self, secret: bytes, key_len: int, iv_len: int = 12) -> tuple[bytes, bytes]:
        """(key, iv) for a traffic secret."""
        return (
            expand_label(self.hash_name, secret, b"key", b"", key_len),
            expand_label(self.hash_name, secret, b"iv", b"", iv_len),
        )

    def next_traffic_secret(self, secret: bytes) -> bytes:
        """The KeyUpdate successor of a traffic secret (RFC 8446 7.2)."""
        return expand_label(self.hash_name, secret, b"traffic upd", b"", self.hash_len)


def prf12(hash_name: str, secret: bytes, label: bytes, seed: bytes, length: int) -> bytes:
    """The TLS 1.2 PRF: P_hash(secret, label + seed) (RFC 5246 5)."""
    seed = label + seed
    out = b""
    a = seed
    while len(out) < length:
        a = hmac.digest(secret, a, hash_name)
        out += hmac.digest(secret, a + seed, hash_name)
    return out[:length]


def master_secret12(hash_name: str, premaster: bytes, session_hash: bytes) -> bytes:
    """The extended master secret (RFC 7627 4)."""
    return prf12(hash_name, premaster, b"extended master secret", session_hash, 48)


def master_secret12_legacy(hash_name: str, premaster: bytes, client_random: bytes, server_random: bytes) -> bytes:
    """The RFC 5246 master secret (used only when the peer does not do extended master secret)."""
    return prf12(hash_name, premaster, b"master secret", client_random + server_random, 48)


def key_block12(hash_name: str, master: bytes, client_random: bytes, server_random: bytes, length: int) -> bytes:
    return prf12(hash_name, master, b"key expansion", server_random + client_random, length)


def verify_data12(hash_name: str, master: bytes, label: bytes, handshake_hash: bytes) -> bytes:
    return prf12(hash_name, master, label, handshake_hash, 12)
