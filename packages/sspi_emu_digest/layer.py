"""The SASL DIGEST-MD5 security layer (RFC 2831 §2.3 integrity, §2.4 confidentiality).

Integrity: ``msg ‖ HMAC-MD5(Ki, seq ‖ msg)[0:10] ‖ 0x0001 ‖ seq``. Confidentiality:
``CIPHER(Kc, msg ‖ pad ‖ MAC) ‖ 0x0001 ‖ seq`` with RC4 (128, 56, 40-bit key derivation),
DES or two-key 3DES in CBC mode whose state runs on across messages.
"""

from __future__ import annotations

import hashlib
import hmac
import struct

from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4, TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, modes

from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError

__all__ = ["DEFAULT_MAXBUF", "SecurityLayer", "MAC_LEN", "TRAILER_LEN", "expand_des_key"]

MAC_LEN = 10
_SEQ = struct.Struct(">I")
_MSG_TYPE = b"\x00\x01"
#: Bytes after the MAC: message type and sequence number.
TRAILER_LEN = 6

_KIC = b"Digest session key to client-to-server signing key magic constant"
_KIS = b"Digest session key to server-to-client signing key magic constant"
_KCC = b"Digest H(A1) to client-to-server sealing key magic constant"
_KCS = b"Digest H(A1) to server-to-client sealing key magic constant"
#: How many bytes of H(A1) feed the sealing key, per cipher (RFC 2831 §2.4).
_KEY_BYTES = {"rc4": 16, "rc4-56": 7, "rc4-40": 5, "des": 16, "3des": 16}


def _md5(data: bytes) -> bytes:
    return hashlib.md5(data, usedforsecurity=False).digest()


def expand_des_key(seven: bytes) -> bytes:
    """Spread 56 key bits over 8 bytes, leaving the low (parity) bit of each byte clear."""
    bits = int.from_bytes(seven, "big")
    return bytes(((bits >> (49 - 7 * i)) & 0x7F) << 1 for i in range(8))


def _cipher_pair(name: str, kc_out: bytes, kc_in: bytes) -> tuple[CipherContext, CipherContext, int]:
    if name.startswith("rc4"):
        return Cipher(ARC4(kc_out), None).encryptor(), Cipher(ARC4(kc_in), None).decryptor(), 1

    def des(kc: bytes) -> tuple[TripleDES, bytes]:
        k1 = expand_des_key(kc[0:7])
        key = k1 * 3 if name == "des" else k1 + expand_des_key(kc[7:14]) + k1
        return TripleDES(key), kc[8:16]

    alg_out, iv_out = des(kc_out)
    alg_in, iv_in = des(kc_in)
    return Cipher(alg_out, modes.CBC(iv_out)).encryptor(), Cipher(alg_in, modes.CBC(iv_in)).decryptor(), 8


#: RFC 2831's maxbuf when a side does not state one.
DEFAULT_MAXBUF = 65536


class SecurityLayer:
    """One side's integrity / confidentiality state after a DIGEST-MD5 authentication."""

    def __init__(self, ha1: bytes, qop: str, cipher: str | None, initiator: bool,
                 send_max: int = DEFAULT_MAXBUF, recv_max: int = DEFAULT_MAXBUF) -> None:
        #: maxbuf (RFC 2831): the largest buffer the peer takes, and the largest this side takes.
        self.send_max, self.recv_max = send_max, recv_max
        kic, kis = _md5(ha1 + _KIC), _md5(ha1 + _KIS)
        self._ki_out, self._ki_in = (kic, kis) if initiator else (kis, kic)
        self.qop = qop
        self.cipher = cipher if qop == "auth-conf" else None
        self.send_seq = 0
        self.recv_seq = 0
        self.block = 1
        self._enc: CipherContext | None = None
        self._dec: CipherContext | None = None
        if self.cipher is not None:
            n = _KEY_BYTES[self.cipher]
            kcc, kcs = _md5(ha1[:n] + _KCC), _md5(ha1[:n] + _KCS)
            out, inn = (kcc, kcs) if initiator else (kcs, kcc)
            self._enc, self._dec, self.block = _cipher_pair(self.cipher, out, inn)

    def __repr__(self) -> str:
        return f"SecurityLayer(qop={self.qop!r}, cipher={self.cipher!r})"

    @property
    def confidential(self) -> bool:
        """True when messages are sealed."""
        return self._enc is not None

    @property
    def max_trailer(self) -> int:
        """The most bytes a sealed or signed message adds."""
        return MAC_LEN + TRAILER_LEN + (8 if self.block == 8 else 0)

    def outgoing_size(self, msg_len: int) -> int:
        """Bytes of the security-layer buffer a *msg_len*-byte message becomes."""
        if self.confidential and self.block > 1:
            msg_len += self.block - (msg_len + MAC_LEN) % self.block
        return msg_len + MAC_LEN + TRAILER_LEN

    def check_outgoing(self, msg_len: int) -> None:
        """SEC_E_INVALID_PARAMETER when the buffer would exceed the peer's maxbuf (nothing is consumed)."""
        size = self.outgoing_size(msg_len)
        if size > self.send_max:
            raise SspiError(SecurityStatus.SEC_E_INVALID_PARAMETER,
                            f"a {size}-byte buffer exceeds the peer's maxbuf of {self.send_max}")

    def check_incoming(self, size: int) -> None:
        """SEC_E_INVALID_TOKEN when a received buffer exceeds this side's maxbuf."""
        if size > self.recv_max:
            raise SspiError(SecurityStatus.SEC_E_INVALID_TOKEN,
                            f"a {size}-byte buffer exceeds this side's maxbuf of {self.recv_max}")

    def _mac(self, key: bytes, seq: int, msg: bytes) -> bytes:
        return hmac.new(key, _SEQ.pack(seq) + msg, hashlib.md5).digest()[:MAC_LEN]

    def _next_recv(self, trailer: bytes) -> int:
        if trailer[:2] != _MSG_TYPE:
            raise SspiError(SecurityStatus.SEC_E_INVALID_TOKEN, "message type is not 1")
        seq = int.from_bytes(trailer[2:6], "big")
        if seq != self.recv_seq:
            raise SspiError(SecurityStatus.SEC_E_OUT_OF_SEQUENCE, f"sequence number {seq}, expected {self.recv_seq}")
        return seq

    def sign(self, msg: bytes) -> bytes:
        """The 16-byte integrity trailer for the next outgoing message."""
        seq = self.send_seq
        self.send_seq = (seq + 1) & 0xFFFFFFFF
        return self._mac(self._ki_out, seq, msg) + _MSG_TYPE + _SEQ.pack(seq)

    def verify(self, msg: bytes, trailer: bytes) -> None:
        """Check an incoming message's 16-byte trailer (raises SspiError)."""
        if len(trailer) != MAC_LEN + TRAILER_LEN:
            raise SspiError(SecurityStatus.SEC_E_INVALID_TOKEN, "signature must be 16 bytes")
        seq = self._next_recv(trailer[MAC_LEN:])
        if not hmac.compare_digest(trailer[:MAC_LEN], self._mac(self._ki_in, seq, msg)):
            raise SspiError(SecurityStatus.SEC_E_MESSAGE_ALTERED, "MAC does not match")
        self.recv_seq = (seq + 1) & 0xFFFFFFFF

    def seal(self, msg: bytes) -> bytes:
        """``CIPHER(msg ‖ pad ‖ MAC) ‖ type ‖ seq`` for the next outgoing message."""
        assert self._enc is not None
        seq = self.send_seq
        self.send_seq = (seq + 1) & 0xFFFFFFFF
        plain = msg
        if self.block > 1:
            padlen = self.block - (len(msg) + MAC_LEN) % self.block
            plain += bytes([padlen]) * padlen
        plain += self._mac(self._ki_out, seq, msg)
        return self._enc.update(plain) + _MSG_TYPE + _SEQ.pack(seq)

    def unseal(self, sealed: bytes) -> bytes:
        """The plaintext of an incoming sealed message (raises SspiError)."""
        assert self._dec is not None
        if len(sealed) < MAC_LEN + TRAILER_LEN:
            raise SspiError(SecurityStatus.SEC_E_INVALID_TOKEN, "sealed message too short")
        body, trailer = sealed[:-TRAILER_LEN], sealed[-TRAILER_LEN:]
        if len(body) % self.block:
            raise SspiError(SecurityStatus.SEC_E_INVALID_TOKEN, "sealed message is not a whole number of blocks")
        seq = self._next_recv(trailer)
        plain = self._dec.update(body)
        msg, mac = plain[:-MAC_LEN], plain[-MAC_LEN:]
        if self.block > 1:
            padlen = msg[-1] if msg else 0
            if not 1 <= padlen <= self.block or msg[-padlen:] != bytes([padlen]) * padlen:
                raise SspiError(SecurityStatus.SEC_E_MESSAGE_ALTERED, "bad padding")
            msg = msg[:-padlen]
        if not hmac.compare_digest(mac, self._mac(self._ki_in, seq, msg)):
            raise SspiError(SecurityStatus.SEC_E_MESSAGE_ALTERED, "MAC does not match")
        self.recv_seq = (seq + 1) & 0xFFFFFFFF
        return msg
