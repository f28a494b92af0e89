"""RFC 4757 per-message tokens for rc4-hmac contexts (the RFC 1964 token format with HMAC-MD5 and RC4).

Tokens carry the GSS framing of RFC 2743; the SSPI layout puts the framed 32-byte header in
the TOKEN buffer, the RC4-encrypted data in place in DATA and the one padding byte in PADDING.
"""

from __future__ import annotations

import hmac
import struct
from dataclasses import dataclass, field

from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
from cryptography.hazmat.primitives.ciphers import Cipher

from sspi_emu import entropy

from . import enctypes
from .cfx import SequenceError, TokenError
from .gss_framing import KRB5_OID_DER, FramingError, unframe
from .keys import Key

__all__ = ["Rc4Session"]

_MIC_ID = b"\x01\x01"
_WRAP_ID = b"\x02\x01"
_SGN_HMAC_MD5 = b"\x11\x00"
_SEAL_RC4 = b"\x10\x00"
_SEAL_NONE = b"\xff\xff"
_USAGE_MIC = 15
_USAGE_WRAP = 13


def _rc4(key: bytes, data: bytes) -> bytes:
    enc = Cipher(ARC4(key), mode=None).encryptor()
    return enc.update(data) + enc.finalize()


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.digest(key, data, "md5")


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _frame_prefix(inner_len: int) -> bytes:
    """The RFC 2743 framing that precedes TOK_ID for a token whose body (TOK_ID onwards) has *inner_len* bytes."""
    return b"\x60" + _der_length(len(KRB5_OID_DER) + inner_len) + KRB5_OID_DER


@dataclass
class Rc4Session:
    """One side's RFC 4757 message state (same interface as :class:`~.cfx.CfxSession`)."""

    key: Key = field(repr=False)
    initiator: bool
    acceptor_subkey: bool
    send_seq: int
    recv_seq: int
    check_sequence: bool = True

    mic_size = 13 + 24
    #: The framed header at its longest (four length octets) when the data is large.
    wrap_overhead = 11 + 6 + 32

    def _direction(self, sender_is_initiator: bool) -> bytes:
        return b"\x00" * 4 if sender_is_initiator else b"\xff" * 4

    def _seq_block(self, seq: int, sender_is_initiator: bool) -> bytes:
        return struct.pack(">I", seq & 0xFFFFFFFF) + self._direction(sender_is_initiator)

    def _kseq(self, cksum: bytes) -> bytes:
        return _hmac(_hmac(self.key.contents, b"\x00\x00\x00\x00"), cksum)

    def _kcrypt(self, seq_be: bytes) -> bytes:
        local = bytes(b ^ 0xF0 for b in self.key.contents)
        return _hmac(_hmac(local, b"\x00\x00\x00\x00"), seq_be)

    def _checksum(self, usage: int, data: bytes) -> bytes:
        return enctypes.profile(enctypes.RC4_HMAC).checksum(self.key, usage, data)[:8]

    def _next_send(self) -> int:
        seq = self.send_seq
        self.send_seq = (seq + 1) & 0xFFFFFFFF
        return seq

    def _accept_seq(self, seq: int) -> None:
        expected = self.recv_seq
        if seq == expected:
            self.recv_seq = (seq + 1) & 0xFFFFFFFF
            return
        if seq > expected:
            self.recv_seq = (seq + 1) & 0xFFFFFFFF
        if self.check_sequence:
            raise SequenceError(f"sequence number {seq}, expected {expected}")

    def _open_seq(self, enc_seq: bytes, cksum: bytes) -> int:
        plain = _rc4(self._kseq(cksum), enc_seq)
        if plain[4:] != self._direction(not self.initiator):
            raise TokenError("token direction is wrong")
        return int(struct.unpack(">I", plain[:4])[0])

    # -- MIC --------------------------------------------------------------------------

    def get_mic(self, data: bytes) -> bytes:
        """A framed MIC token over *data*."""
        header = _MIC_ID + _SGN_HMAC_MD5 + b"\xff\xff\xff\xff"
        cksum = self._checksum(_USAGE_MIC, header + data)
        seq = _rc4(self._kseq(cksum), self._seq_block(self._next_send(), self.initiator))
        body = header + seq + cksum
        return _frame_prefix(len(body)) + body

    def verify_mic(self, data: bytes, token: bytes) -> None:
        """Check a framed MIC token (TokenError / SequenceError)."""
        try:
            tok_id, inner = unframe(token)
        except FramingError:
            raise TokenError("not a framed MIC token") from None
        if tok_id != _MIC_ID or len(inner) < 22 or inner[:2] != _SGN_HMAC_MD5 or inner[2:6] != b"\xff" * 4:
            raise TokenError("not an RFC 4757 MIC token")
        header, enc_seq, cksum = tok_id + inner[:6], inner[6:14], inner[14:22]
        if not hmac.compare_digest(self._checksum(_USAGE_MIC, header + data), cksum):
            raise TokenError("MIC does not verify")
        self._accept_seq(self._open_seq(enc_seq, cksum))

    # -- Wrap -------------------------------------------------------------------------

    def wrap_parts(self, data: bytes, seal: bool = True) -> tuple[bytes, bytes]:
        """(framed 32-byte header, data and padding byte): encrypted in place when *seal*."""
        seq = self._next_send()
        header = _WRAP_ID + _SGN_HMAC_MD5 + (_SEAL_RC4 if seal else _SEAL_NONE) + b"\xff\xff"
        confounder = entropy.random_bytes(8, "kerberos rc4 confounder")
        padded = bytes(data) + b"\x01"
        cksum = self._checksum(_USAGE_WRAP, header + confounder + padded)
        seq_block = self._seq_block(seq, self.initiator)
        enc_seq = _rc4(self._kseq(cksum), seq_block)
        if seal:
            stream = _rc4(self._kcrypt(seq_block[:4]), confounder + padded)
            confounder, padded = stream[:8], stream[8:]
        body_header = header + enc_seq + cksum + confounder
        return _frame_prefix(len(body_header) + len(padded)) + body_header, padded

    def wrap(self, data: bytes, seal: bool = True) -> bytes:
        """A whole framed Wrap token."""
        head, body = self.wrap_parts(data, seal)
        return head + body

    def unwrap(self, token: bytes) -> tuple[bytes, bool]:
        """(plaintext, was sealed) of a framed Wrap token (TokenError / SequenceError)."""
        try:
            tok_id, inner = unframe(token)
        except FramingError:
            raise TokenError("not a framed Wrap token") from None
        if tok_id != _WRAP_ID or len(inner) < 30 + 1 or inner[:2] != _SGN_HMAC_MD5 or inner[4:6] != b"\xff\xff":
            raise TokenError("not an RFC 4757 Wrap token")
        seal_alg = inner[2:4]
        if seal_alg not in (_SEAL_RC4, _SEAL_NONE):
            raise TokenError("unknown sealing algorithm")
        header = tok_id + inner[:6]
        enc_seq, cksum, confounder, body = inner[6:14], inner[14:22], inner[22:30], inner[30:]
        seq = self._open_seq(enc_seq, cksum)
        if seal_alg == _SEAL_RC4:
            stream = _rc4(self._kcrypt(struct.pack(">I", seq)), confounder + body)
            confounder, body = stream[:8], stream[8:]
        if not hmac.compare_digest(self._checksum(_USAGE_WRAP, header + confounder + body), cksum):
            raise TokenError("Wrap checksum does not verify")
        pad = body[-1]
        if not 1 <= pad <= 8 or pad > len(body):
            raise TokenError("bad padding")
        self._accept_seq(seq)
        return body[:-pad], seal_alg == _SEAL_RC4
