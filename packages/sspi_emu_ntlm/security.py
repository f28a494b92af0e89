"""NTLM session security: signing and sealing of messages (MS-NLMP 3.4).

One :class:`Direction` per direction holds the signing key, the RC4 handle and the
sequence number; both are derived once when the context completes. Message bytes are
processed in place in the caller's buffers.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
import zlib
from typing import Sequence

from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext

from sspi_emu.buffers import Memory

from . import crypto
from . import flags as F

__all__ = ["SIGNATURE_SIZE", "Direction", "SessionSecurity"]

SIGNATURE_SIZE = 16
_U32 = struct.Struct("<I")
_V1 = b"\x01\x00\x00\x00"
_SKIP_CHUNK = 1 << 20
_ESS = F.EXTENDED_SESSIONSECURITY
_KEY_EXCH = F.KEY_EXCH


_XOR36 = bytes(b ^ 0x36 for b in range(256))
_XOR5C = bytes(b ^ 0x5C for b in range(256))


def _hmac_md5_pads(key: bytes) -> tuple[hashlib._Hash, hashlib._Hash]:
    """The keyed inner and outer MD5 states of HMAC-MD5 (RFC 2104), copied per message."""
    k = key.ljust(64, b"\x00")
    inner = hashlib.md5(k.translate(_XOR36))  # noqa: S324 - HMAC-MD5 is protocol-mandated
    outer = hashlib.md5(k.translate(_XOR5C))  # noqa: S324
    return inner, outer


def _rc4(key: bytes, skip: int = 0) -> CipherContext:
    enc = Cipher(ARC4(key), mode=None).encryptor()
    while skip > 0:
        n = min(skip, _SKIP_CHUNK)
        enc.update(bytes(n))
        skip -= n
    return enc


class Direction:
    """Keys and counters for one direction of traffic."""

    __slots__ = ("_seal_key", "_key", "inner", "outer", "_handle", "pos", "seq")

    def __init__(self, sign_key: bytes, seal_key: bytes) -> None:
        self._seal_key = seal_key
        self._key = seal_key  # the RC4 key in use: the sealing key, or a per-message key (connectionless)
        self.inner, self.outer = _hmac_md5_pads(sign_key)
        self._handle: CipherContext | None = None  # built on first use (a reset may come first)
        self.pos = 0  # RC4 keystream bytes used (to rebuild the handle on the slow path)
        self.seq = 0

    @property
    def rc4(self) -> CipherContext:
        """The RC4 handle, positioned at :attr:`pos` when it has to be (re)built."""
        handle = self._handle
        if handle is None:
            handle = self._handle = _rc4(self._key, self.pos)
        return handle

    @rc4.setter
    def rc4(self, handle: CipherContext) -> None:
        self._handle = handle

    def rebuild(self, pos: int) -> CipherContext:
        """A fresh RC4 handle positioned *pos* bytes into the current keystream."""
        return _rc4(self._key, pos)

    def restart(self) -> None:
        """Back to the start of the sealing key's keystream (sequence number kept)."""
        self._key = self._seal_key
        self._handle = None
        self.pos = 0

    def rekey(self, seq: int) -> None:
        """Connectionless mode (MS-NLMP 3.4): a fresh RC4 handle keyed MD5(SealingKey || SeqNum) for one message."""
        self._key = hashlib.md5(self._seal_key + _U32.pack(seq)).digest()  # noqa: S324 - protocol-mandated
        self._handle = None
        self.pos = 0
        self.seq = seq

    def __repr__(self) -> str:
        return f"Direction(seq={self.seq})"


class SessionSecurity:
    """Sign / verify / seal / unseal for an established NTLM context."""

    __slots__ = ("flags", "out", "inc", "ess", "key_exch", "shared_handle", "datagram")

    def __init__(self, flags: int, exported_session_key: bytes, client: bool) -> None:
        self.flags = flags
        self.ess = bool(flags & _ESS)
        self.key_exch = bool(flags & _KEY_EXCH)
        #: Connectionless: the caller gives each message's sequence number, and each message
        #: gets its own RC4 key (the message functions call :meth:`Direction.rekey`).
        self.datagram = bool(flags & F.DATAGRAM)
        c_sign = crypto.signkey(flags, exported_session_key, crypto.CLIENT_SIGN_MAGIC)
        s_sign = crypto.signkey(flags, exported_session_key, crypto.SERVER_SIGN_MAGIC)
        c_seal = crypto.sealkey(flags, exported_session_key, crypto.CLIENT_SEAL_MAGIC)
        s_seal = crypto.sealkey(flags, exported_session_key, crypto.SERVER_SEAL_MAGIC)
        if client:
            self.out = Direction(c_sign, c_seal)
            self.inc = Direction(s_sign, s_seal) if self.ess else self.out
        else:
            self.out = Direction(s_sign, s_seal)
            self.inc = Direction(c_sign, c_seal) if self.ess else self.out
        # Without extended session security one RC4 handle and one sequence counter serve
        # both directions (as Samba and pyspnego do).
        self.shared_handle = not self.ess

    def reset_rc4(self, outgoing: bool) -> None:
        """Re-initialise one direction's RC4 handle, keeping its sequence number (MS-SPNG mechListMIC rule)."""
        (self.out if outgoing else self.inc).restart()  # rebuilt from position 0 when next used

    # -- signatures -------------------------------------------------------------------

    @staticmethod
    def _mac_ess(d: Direction, seq: int, parts: Sequence[Memory]) -> bytes:
        h = d.inner.copy()
        h.update(_U32.pack(seq))
        for p in parts:
            h.update(p)
        o = d.outer.copy()
        o.update(h.digest())
        return o.digest()[:8]

    def sign(self, parts: Sequence[Memory]) -> bytes:
        """A signature over *parts* (advances the outgoing sequence and RC4 state)."""
        d = self.out
        seq = d.seq
        d.seq = seq + 1
        if self.ess:
            mac = self._mac_ess(d, seq, parts)
            if self.key_exch:
                mac = d.rc4.update(mac)
                d.pos += 8
            return _V1 + mac + _U32.pack(seq)
        crc = 0
        for p in parts:
            crc = zlib.crc32(p, crc)
        body = d.rc4.update(b"\x00\x00\x00\x00" + _U32.pack(crc) + _U32.pack(seq))
        return _V1 + body

    def check(self, parts: Sequence[Memory], signature: bytes) -> int:
        """0 if *signature* is valid for *parts*, else 1 (altered) or 2 (out of sequence).

        The sequence number is checked before any RC4 state is used, so a replayed or
        reordered message leaves the context usable.
        """
        d = self.inc
        if len(signature) < SIGNATURE_SIZE or signature[:4] != _V1:
            return 1
        if self.ess:
            seq = _U32.unpack_from(signature, 12)[0]
            if seq != d.seq:
                return 2
            mac = self._mac_ess(d, seq, parts)
            if self.key_exch:
                mac = d.rc4.update(mac)
                d.pos += 8
            if not hmac.compare_digest(mac, signature[4:12]):
                return 1
            d.seq = seq + 1
            return 0
        plain = d.rc4.update(signature[4:16])
        crc = 0
        for p in parts:
            crc = zlib.crc32(p, crc)
        if not hmac.compare_digest(plain[4:8], _U32.pack(crc)):
            return 1
        if _U32.unpack_from(plain, 8)[0] != d.seq:
            return 2
        d.seq += 1
        return 0

    # -- sealing ----------------------------------------------------------------------

    def seal(self, mac_parts: Sequence[Memory], crypt_parts: Sequence[Memory], encrypt: bool) -> bytes:
        """Encrypt *crypt_parts* in place (if *encrypt*) and return the signature over the plaintext."""
        d = self.out
        if not self.ess:
            crc = 0
            for p in mac_parts:
                crc = zlib.crc32(p, crc)
            if encrypt:
                for p in crypt_parts:
                    d.rc4.update_into(p, p)
            seq = d.seq
            d.seq = seq + 1
            return _V1 + d.rc4.update(b"\x00\x00\x00\x00" + _U32.pack(crc) + _U32.pack(seq))
        seq = d.seq
        d.seq = seq + 1
        seqb = _U32.pack(seq)
        h = d.inner.copy()
        h.update(seqb)
        for p in mac_parts:
            h.update(p)
        o = d.outer.copy()
        o.update(h.digest())
        mac = o.digest()[:8]
        rc4 = d.rc4
        if encrypt:
            for p in crypt_parts:
                rc4.update_into(p, p)
                d.pos += len(p)
        if self.key_exch:
            mac = rc4.update(mac)
            d.pos += 8
        return _V1 + mac + seqb

    def unseal(self, mac_parts: Sequence[Memory], crypt_parts: Sequence[Memory], signature: bytes) -> int:
        """Decrypt in place and check; 0 ok, 1 altered, 2 out of sequence, 3 ok but it was not encrypted."""
        d = self.inc
        if len(signature) < SIGNATURE_SIZE or signature[:4] != _V1:
            return 1
        if not self.ess:
            for p in crypt_parts:
                d.rc4.update_into(p, p)
            return self.check(mac_parts, signature)
        seq = d.seq
        seqb = signature[12:16]
        if seqb != _U32.pack(seq):
            return 2
        pos0 = d.pos
        rc4 = d.rc4
        for p in crypt_parts:
            rc4.update_into(p, p)
            d.pos += len(p)
        h = d.inner.copy()
        h.update(seqb)
        for p in mac_parts:
            h.update(p)
        o = d.outer.copy()
        o.update(h.digest())
        mac = o.digest()[:8]
        if self.key_exch:
            mac = rc4.update(mac)
            d.pos += 8
        if hmac.compare_digest(mac, signature[4:12]):
            d.seq = seq + 1
            return 0
        return self._unseal_plain(d, pos0, seq, mac_parts, crypt_parts, signature)

    def _unseal_plain(
        self,
        d: Direction,
        pos0: int,
        seq: int,
        mac_parts: Sequence[Memory],
        crypt_parts: Sequence[Memory],
        signature: bytes,
    ) -> int:
        """Slow path: was the message signed only (SECQOP_WRAP_NO_ENCRYPT)?"""
        undo = d.rebuild(pos0)
        original = [undo.update(p) for p in crypt_parts]
        saved = [bytes(p) for p in crypt_parts]
        for p, o in zip(crypt_parts, original, strict=True):
            p[:] = o
        mac = self._mac_ess(d, seq, mac_parts)
        handle = None
        if self.key_exch:
            handle = d.rebuild(pos0)
            mac = handle.update(mac)
        if hmac.compare_digest(mac, signature[4:12]):
            if handle is not None:
                d.rc4 = handle
                d.pos = pos0 + 8
            else:
                d.rc4 = d.rebuild(pos0)
                d.pos = pos0
            d.seq = seq + 1
            return 3
        for p, s in zip(crypt_parts, saved, strict=True):
            p[:] = s
        return 1
