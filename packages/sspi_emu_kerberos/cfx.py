"""RFC 4121 per-message tokens: MIC tokens and Wrap tokens, with sequence-number tracking.

The SSPI layout (MS-KILE 3.4.5.4.1) keeps the encrypted data where the plaintext was:
the token is the 16-byte header followed by the last ``16 + h`` bytes of the
ciphertext (rotated to the front by RRC) and the encrypted confounder, so the DATA
buffer receives exactly ``len(data)`` bytes of ciphertext. The same tokens in stream
form (header + rotated ciphertext) are what MIT ``gss_wrap`` produces and accepts.
"""

from __future__ import annotations

import hmac
import struct
from dataclasses import dataclass, field

from . import enctypes
from .keys import Key

__all__ = [
    "FLAG_ACCEPTOR_SUBKEY",
    "FLAG_SEALED",
    "FLAG_SENT_BY_ACCEPTOR",
    "CfxSession",
    "TokenError",
    "SequenceError",
]

FLAG_SENT_BY_ACCEPTOR = 0x01
FLAG_SEALED = 0x02
FLAG_ACCEPTOR_SUBKEY = 0x04
KG_USAGE_ACCEPTOR_SEAL = 22
KG_USAGE_ACCEPTOR_SIGN = 23
KG_USAGE_INITIATOR_SEAL = 24
KG_USAGE_INITIATOR_SIGN = 25
_MIC_ID = b"\x04\x04"
_WRAP_ID = b"\x05\x04"


class TokenError(Exception):
    """The token is malformed or its checksum / ciphertext does not verify."""


class SequenceError(Exception):
    """The token verified but its sequence number is not the expected one."""


def _rotate_left(data: bytes, n: int) -> bytes:
    if not data:
        return data
    n %= len(data)
    return data[n:] + data[:n]


@dataclass
class CfxSession:
    """One side's message protection state: the key, direction and both sequence counters."""

    key: Key = field(repr=False)
    initiator: bool
    acceptor_subkey: bool
    send_seq: int
    recv_seq: int
    check_sequence: bool = True

    @property
    def mac_size(self) -> int:
        """The checksum / HMAC length of the key's enctype."""
        return enctypes.profile(self.key.enctype).checksum_size

    @property
    def mic_size(self) -> int:
        """Bytes of a MIC token (cbMaxSignature)."""
        return 16 + self.mac_size

    @property
    def wrap_overhead(self) -> int:
        """Bytes of the token part of a sealed message (cbSecurityTrailer)."""
        return 16 + 16 + 16 + self.mac_size

    def _flags(self, sealed: bool) -> int:
        f = 0 if self.initiator else FLAG_SENT_BY_ACCEPTOR
        if self.acceptor_subkey:
            f |= FLAG_ACCEPTOR_SUBKEY
        return f | (FLAG_SEALED if sealed else 0)

    def _next_send(self) -> int:
        seq = self.send_seq
        self.send_seq = (seq + 1) & 0xFFFFFFFFFFFFFFFF
        return seq

    def _check_flags(self, flags: int, sealed: bool | None) -> None:
        want_acceptor = self.initiator  # a token we receive comes from the other side
        if bool(flags & FLAG_SENT_BY_ACCEPTOR) != want_acceptor:
            raise TokenError("token direction is wrong")
        if sealed is not None and bool(flags & FLAG_SEALED) != sealed:
            raise TokenError("sealed flag mismatch")

    def _accept_seq(self, seq: int) -> None:
        expected = self.recv_seq
        if seq == expected:
            self.recv_seq = (seq + 1) & 0xFFFFFFFFFFFFFFFF
            return
        if seq > expected:
            self.recv_seq = (seq + 1) & 0xFFFFFFFFFFFFFFFF
        if self.check_sequence:
            raise SequenceError(f"sequence number {seq}, expected {expected}")

    # -- MIC --------------------------------------------------------------------------

    def get_mic(self, data: bytes) -> bytes:
        """A MIC token over *data*."""
        header = _MIC_ID + bytes([self._flags(False)]) + b"\xff" * 5 + struct.pack(">Q", self._next_send())
        usage = KG_USAGE_INITIATOR_SIGN if self.initiator else KG_USAGE_ACCEPTOR_SIGN
        _, mac = enctypes.checksum(self.key, usage, data + header)
        return header + mac

    def verify_mic(self, data: bytes, token: bytes) -> None:
        """Check a MIC token (TokenError / SequenceError)."""
        if len(token) < 16 + self.mac_size or token[:2] != _MIC_ID or token[3:8] != b"\xff" * 5:
            raise TokenError("not a MIC token")
        header = token[:16]
        self._check_flags(token[2], None)
        usage = KG_USAGE_ACCEPTOR_SIGN if self.initiator else KG_USAGE_INITIATOR_SIGN
        _, mac = enctypes.checksum(self.key, usage, data + header)
        if not hmac.compare_digest(mac, token[16 : 16 + self.mac_size]):
            raise TokenError("MIC does not verify")
        self._accept_seq(struct.unpack_from(">Q", token, 8)[0])

    # -- Wrap -------------------------------------------------------------------------

    def wrap_parts(self, data: bytes, seal: bool = True) -> tuple[bytes, bytes]:
        """(token part, data part) of a Wrap token in the SSPI layout; the data part is ``len(data)`` bytes."""
        h = self.mac_size
        seq = self._next_send()
        flags = self._flags(seal)
        if seal:
            usage = KG_USAGE_INITIATOR_SEAL if self.initiator else KG_USAGE_ACCEPTOR_SEAL
            plain_header = _WRAP_ID + bytes([flags, 0xFF]) + struct.pack(">HHQ", 0, 0, seq)
            ct = enctypes.encrypt(self.key, usage, data + plain_header)
            rrc = 16 + h
            header = _WRAP_ID + bytes([flags, 0xFF]) + struct.pack(">HHQ", 0, rrc, seq)
            rotated = ct[-rrc:] + ct[:-rrc]
            split = rrc + 16
            return header + rotated[:split], rotated[split:]
        usage = KG_USAGE_INITIATOR_SEAL if self.initiator else KG_USAGE_ACCEPTOR_SEAL
        zero_header = _WRAP_ID + bytes([flags, 0xFF]) + struct.pack(">HHQ", 0, 0, seq)
        _, mac = enctypes.checksum(self.key, usage, data + zero_header)
        header = _WRAP_ID + bytes([flags, 0xFF]) + struct.pack(">HHQ", h, h, seq)
        return header + mac, bytes(data)

    def wrap(self, data: bytes, seal: bool = True) -> bytes:
        """A whole Wrap token (stream form)."""
        token, body = self.wrap_parts(data, seal)
        return token + body

    def unwrap(self, token: bytes) -> tuple[bytes, bool]:
        """(plaintext, was sealed) of a whole Wrap token, any RRC / EC (TokenError / SequenceError)."""
        if len(token) < 16 or token[:2] != _WRAP_ID or token[3] != 0xFF:
            raise TokenError("not a Wrap token")
        flags = token[2]
        self._check_flags(flags, None)
        ec, rrc, seq = struct.unpack_from(">HHQ", token, 4)
        body = _rotate_left(bytes(token[16:]), rrc)
        h = self.mac_size
        if flags & FLAG_SEALED:
            usage = KG_USAGE_ACCEPTOR_SEAL if self.initiator else KG_USAGE_INITIATOR_SEAL
            try:
                plain = enctypes.decrypt(self.key, usage, body)
            except enctypes.IntegrityError:
                raise TokenError("Wrap token does not decrypt") from None
            if len(plain) < 16 + ec:
                raise TokenError("Wrap token too short")
            copy = plain[-16:]
            if copy[:4] != token[:4] or copy[4:6] != token[4:6] or copy[8:] != token[8:16]:
                raise TokenError("encrypted header copy does not match")
            data = plain[: len(plain) - 16 - ec]
        else:
            if ec != h or len(body) < h:
                raise TokenError("bad checksum length")
            data, mac = body[:-h], body[-h:]
            usage = KG_USAGE_ACCEPTOR_SEAL if self.initiator else KG_USAGE_INITIATOR_SEAL
            zero_header = token[:4] + b"\x00\x00\x00\x00" + token[8:16]
            _, want = enctypes.checksum(self.key, usage, data + zero_header)
            if not hmac.compare_digest(want, mac):
                raise TokenError("Wrap checksum does not verify")
        self._accept_seq(seq)
        return data, bool(flags & FLAG_SEALED)
