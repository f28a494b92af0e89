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


def _cipher(name: str, kc: bytes, encrypt: bool, position: int | bytes | None = None) -> CipherContext:
    """One direction's cipher: RC4 keyed from *kc* and advanced *position* keystream bytes, or
    (3)DES-CBC whose chain continues from *position* (the last ciphertext block; the key's IV when None)."""
    if name.startswith("rc4"):  # a keystream XOR: the encryptor decrypts as well
        ctx = Cipher(ARC4(kc), None).encryptor()
        if isinstance(position, int) and position > 0:
            ctx.update(bytes(position))
        return ctx
    k1 = expand_des_key(kc[0:7])
    key = k1 * 3 if name == "des" else k1 + expand_des_key(kc[7:14]) + k1
    iv = position if isinstance(position, bytes) else kc[8:16]
    cipher = Cipher(TripleDES(key), modes.CBC(iv))
    return cipher.encryptor() if encrypt else cipher.decryptor()


#: RFC 2831's maxbuf when a side does not state one.
DEFAULT_MAXBUF = 65536


def _position(value: object, block: int) -> int | bytes | None:
    """A cipher position from :meth:`SecurityLayer.state` (ValueError when it does not fit the cipher)."""
    if value is None:
        return None
    if block == 1 and type(value) is int and 0 <= value <= 1 << 40:
        return value
    if block == 8 and isinstance(value, str) and len(value) == 16:
        return bytes.fromhex(value)
    raise ValueError("bad cipher position")


class SecurityLayer:
    """One side's integrity / confidentiality state after a DIGEST-MD5 authentication.

    The cipher state of each direction is also kept as a position (RC4 keystream bytes used, or
    the last CBC ciphertext block) so :meth:`state` / :meth:`restore` can move the layer
    (ExportSecurityContext) and carry on where it stopped.
    """

    def __init__(self, ha1: bytes, qop: str, cipher: str | None, initiator: bool,
                 send_max: int = DEFAULT_MAXBUF, recv_max: int = DEFAULT_MAXBUF) -> None:
        #: maxbuf (RFC 2831): the largest buffer the peer takes, and the largest this side takes.
        self.send_max, self.recv_max = send_max, recv_max
        self._ha1, self.initiator = ha1, initiator
        kic, kis = _md5(ha1 + _KIC), _md5(ha1 + _KIS)
        self._ki_out, self._ki_in = (kic, kis) if initiator else (kis, kic)
        self.qop = qop
        self.cipher = cipher if qop == "auth-conf" else None
        self.send_seq = 0
        self.recv_seq = 0
        self.block = 1
        self._enc: CipherContext | None = None
        self._dec: CipherContext | None = None
        #: Where each direction's cipher stands: RC4 bytes used, or the last CBC block (None: at the start).
        self._out_at: int | bytes | None = None
        self._in_at: int | bytes | None = None
        self._start_ciphers()

    def _start_ciphers(self) -> None:
        if self.cipher is None:
            return
        n = _KEY_BYTES[self.cipher]
        kcc, kcs = _md5(self._ha1[:n] + _KCC), _md5(self._ha1[:n] + _KCS)
        out, inn = (kcc, kcs) if self.initiator else (kcs, kcc)
        self._enc = _cipher(self.cipher, out, True, self._out_at)
        self._dec = _cipher(self.cipher, inn, False, self._in_at)
        self.block = 1 if self.cipher.startswith("rc4") else 8

    def state(self) -> dict[str, object]:
        """Sequence numbers and cipher positions (the keys follow from H(A1), which the caller keeps)."""
        def at(value: int | bytes | None) -> int | str | None:
            return value.hex() if isinstance(value, bytes) else value

        return {"qop": self.qop, "cipher": self.cipher, "send_seq": self.send_seq, "recv_seq": self.recv_seq,
                "send_max": self.send_max, "recv_max": self.recv_max, "out_at": at(self._out_at),
                "in_at": at(self._in_at)}

    @classmethod
    def restore(cls, ha1: bytes, initiator: bool, state: dict[str, object]) -> SecurityLayer:
        """The layer :meth:`state` described (ValueError when the state is malformed)."""
        qop, cipher = state.get("qop"), state.get("cipher")
        if qop not in ("auth", "auth-int", "auth-conf") or (cipher is not None and cipher not in _KEY_BYTES):
            raise ValueError("unknown qop or cipher")
        numbers: list[int] = []
        for name in ("send_seq", "recv_seq", "send_max", "recv_max"):
            value = state.get(name)
            if type(value) is not int or not 0 <= value <= 0xFFFFFFFF:
                raise ValueError(f"bad {name}")
            numbers.append(value)
        layer = cls(ha1, str(qop), None if cipher is None else str(cipher), initiator, numbers[2], numbers[3])
        layer.send_seq, layer.recv_seq = numbers[0], numbers[1]
        if layer.cipher is not None:
            layer._out_at = _position(state.get("out_at"), layer.block)
            layer._in_at = _position(state.get("in_at"), layer.block)
            layer._start_ciphers()
        return layer

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

    def _advanced(self, at: int | bytes | None, ciphertext: bytes) -> int | bytes | None:
        if self.block == 1:
            return (at if isinstance(at, int) else 0) + len(ciphertext)
        return ciphertext[-8:] if ciphertext else at

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
        sealed = self._enc.update(plain)
        self._out_at = self._advanced(self._out_at, sealed)
        return sealed + _MSG_TYPE + _SEQ.pack(seq)

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
        self._in_at = self._advanced(self._in_at, body)
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
