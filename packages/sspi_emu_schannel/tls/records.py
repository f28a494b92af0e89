"""The record layer: framing and AEAD protection for TLS 1.3 (RFC 8446 5) and TLS 1.2 (RFC 5288, RFC 7905).

:class:`RecordCipher` seals and opens one record at a time. The ``*_in_place`` methods
work on caller memory (EncryptMessage / DecryptMessage); the record body is copied at
most once on the way to or from the AEAD.
"""

from __future__ import annotations

import struct

from cryptography.exceptions import InvalidTag

from .codec import TlsError
from .constants import MAX_CIPHERTEXT, MAX_PLAINTEXT, RECORD_HEADER, TLS12, TLS13, AlertDescription, ContentType
from .suites import CipherSuite

_HDR = struct.Struct(">BHH")
_AAD12 = struct.Struct(">QBHH")
_TAG = 16
_VALID_TYPES = frozenset(int(t) for t in ContentType)


def record_header(ctype: int, version: int, length: int) -> bytes:
    """The 5-byte TLSPlaintext / TLSCiphertext header."""
    return _HDR.pack(ctype, version, length)


class RecordFramingError(TlsError):
    """The bytes are not a TLS record header at all (wrong content type or version)."""


def parse_header(data: bytes | bytearray | memoryview, offset: int = 0) -> tuple[int, int, int]:
    """(content type, version, length) of the record header at *offset*; decode errors raise TlsError."""
    ctype, version, length = _HDR.unpack_from(data, offset)
    if ctype not in _VALID_TYPES:
        raise RecordFramingError(AlertDescription.UNEXPECTED_MESSAGE, f"unknown record type {ctype}")
    if version >> 8 != 3:
        raise RecordFramingError(AlertDescription.PROTOCOL_VERSION, f"bad record version 0x{version:04x}")
    if length > MAX_CIPHERTEXT + 1024:
        raise TlsError(AlertDescription.RECORD_OVERFLOW, "record too long")
    return ctype, version, length


def record_need(data: bytes | bytearray | memoryview, offset: int = 0) -> int:
    """Bytes still missing for the record at *offset* to be whole (0 if whole); checks the header once complete."""
    have = len(data) - offset
    if have < RECORD_HEADER:
        return RECORD_HEADER - have
    _t, _v, length = parse_header(data, offset)
    return max(0, RECORD_HEADER + length - have)


def plaintext_records(ctype: int, payload: bytes, version: int = TLS12) -> bytes:
    """Frame *payload* as unprotected records of at most 2^14 bytes."""
    out = bytearray()
    for i in range(0, max(len(payload), 1), MAX_PLAINTEXT):
        chunk = payload[i : i + MAX_PLAINTEXT]
        out += record_header(ctype, version, len(chunk)) + chunk
    return bytes(out)


class RecordCipher:
    """AEAD protection of records in one direction, with its sequence number."""

    __slots__ = ("suite", "version", "_aead", "_iv", "_salt", "seq", "header_len", "trailer_len", "_scratch")

    def __init__(self, suite: CipherSuite, version: int, key: bytes, iv: bytes) -> None:
        self.suite = suite
        self.version = version
        self._aead = suite.aead_factory(key)
        self._iv = int.from_bytes(iv, "big") if len(iv) == 12 else 0
        self._salt = iv if len(iv) == 4 else b""
        self.seq = 0
        explicit = suite.explicit_nonce_len if version == TLS12 else 0
        self.header_len = RECORD_HEADER + explicit
        self.trailer_len = _TAG + (1 if version == TLS13 else 0)
        self._scratch: memoryview | None = None

    def __repr__(self) -> str:
        return f"RecordCipher({self.suite.name}, seq={self.seq})"

    def _next_seq(self) -> int:
        seq = self.seq
        if seq >= 0xFFFFFFFFFFFFFFFF:
            raise TlsError(AlertDescription.INTERNAL_ERROR, "sequence number exhausted")
        self.seq = seq + 1
        return seq

    def _nonce(self, seq: int) -> bytes:
        if self._salt:
            return self._salt + seq.to_bytes(8, "big")
        return (self._iv ^ seq).to_bytes(12, "big")

    # --- whole records as bytes (handshake, alerts) ------------------------------------
    def seal(self, ctype: int, payload: bytes | bytearray | memoryview) -> bytes:
        """One protected record carrying *payload* (at most 2^14 bytes)."""
        n = len(payload)
        seq = self._next_seq()
        nonce = self._nonce(seq)
        if self.version == TLS13:
            header = record_header(ContentType.APPLICATION_DATA, TLS12, n + 1 + _TAG)
            return header + self._aead.encrypt(nonce, bytes(payload) + bytes((ctype,)), header)
        aad = _AAD12.pack(seq, ctype, TLS12, n)
        explicit = nonce[4:] if self._salt else b""
        body = explicit + self._aead.encrypt(nonce, bytes(payload), aad)
        return record_header(ctype, TLS12, len(body)) + body

    def seal_many(self, ctype: int, payload: bytes) -> bytes:
        """Protect *payload* as as many records as it needs."""
        out = bytearray()
        for i in range(0, max(len(payload), 1), MAX_PLAINTEXT):
            out += self.seal(ctype, payload[i : i + MAX_PLAINTEXT])
        return bytes(out)

    def open(self, ctype: int, record: bytes | bytearray | memoryview) -> tuple[int, bytes]:
        """(content type, plaintext) of a whole protected record (header included)."""
        buf = bytearray(record)
        inner_type, start, length = self.open_in_place(memoryview(buf))
        return inner_type, bytes(buf[start : start + length])

    # --- in place (EncryptMessage / DecryptMessage) -------------------------------------
    def seal_in_place(self, ctype: int, header: memoryview, data: memoryview, trailer: memoryview) -> None:
        """Protect *data* where it lies: header and trailer are written into their own buffers."""
        n = len(data)
        seq = self._next_seq()
        nonce = self._nonce(seq)
        s = self._scratch
        if s is None:
            s = self._scratch = memoryview(bytearray(MAX_PLAINTEXT + 1 + _TAG))
        if self.version == TLS13:
            hdr = _HDR.pack(ContentType.APPLICATION_DATA, TLS12, n + 1 + _TAG)
            s[:n] = data
            s[n] = ctype
            self._aead.encrypt_into(nonce, s[: n + 1], hdr, s[: n + 1 + _TAG])
            header[:5] = hdr
            data[:] = s[:n]
            trailer[: 1 + _TAG] = s[n : n + 1 + _TAG]
            return
        aad = _AAD12.pack(seq, ctype, TLS12, n)
        explicit = len(nonce) - 4 if self._salt else 0
        header[:5] = _HDR.pack(ctype, TLS12, explicit + n + _TAG)
        if explicit:
            header[5:13] = nonce[4:]
        # TLS 1.2: the AEAD reads the caller's data directly; one copy back into place.
        self._aead.encrypt_into(nonce, data, aad, s[: n + _TAG])
        data[:] = s[:n]
        trailer[:_TAG] = s[n : n + _TAG]

    def open_in_place(self, record: memoryview) -> tuple[int, int, int]:
        """Decrypt the whole record in *record* in place; return (content type, plaintext start, length).

        A record that fails authentication raises TlsError(bad_record_mac).
        """
        outer, _version, length = _HDR.unpack_from(record, 0)
        if len(record) != RECORD_HEADER + length:
            raise TlsError(AlertDescription.DECODE_ERROR, "record length mismatch")
        seq = self._next_seq()
        if self.version == TLS13:
            if outer != ContentType.APPLICATION_DATA or length < 1 + _TAG or length > MAX_CIPHERTEXT:
                if length > MAX_CIPHERTEXT:
                    raise TlsError(AlertDescription.RECORD_OVERFLOW, "record too long")
                raise TlsError(AlertDescription.UNEXPECTED_MESSAGE, "bad protected record")
            nonce = self._nonce(seq)
            n = length - _TAG
            body = record[RECORD_HEADER:]
            try:
                self._aead.decrypt_into(nonce, body, record[:RECORD_HEADER], body[:n])
            except InvalidTag:
                raise TlsError(AlertDescription.BAD_RECORD_MAC, "record authentication failed") from None
            i = n - 1
            while i >= 0 and body[i] == 0:
                i -= 1
            if i < 0:
                raise TlsError(AlertDescription.UNEXPECTED_MESSAGE, "record without content type")
            if i > MAX_PLAINTEXT:
                raise TlsError(AlertDescription.RECORD_OVERFLOW, "plaintext too long")
            return body[i], RECORD_HEADER, i
        explicit = self.suite.explicit_nonce_len
        n = length - explicit - _TAG
        if n < 0:
            raise TlsError(AlertDescription.BAD_RECORD_MAC, "record too short")
        if n > MAX_PLAINTEXT + 1024:
            raise TlsError(AlertDescription.RECORD_OVERFLOW, "record too long")
        if explicit:
            nonce = self._salt + bytes(record[RECORD_HEADER : RECORD_HEADER + explicit])
        else:
            nonce = self._nonce(seq)
        aad = _AAD12.pack(seq, outer, TLS12, n)
        start = RECORD_HEADER + explicit
        body = record[start:]
        try:
            self._aead.decrypt_into(nonce, body, aad, body[:n])
        except InvalidTag:
            raise TlsError(AlertDescription.BAD_RECORD_MAC, "record authentication failed") from None
        if n > MAX_PLAINTEXT:
            raise TlsError(AlertDescription.RECORD_OVERFLOW, "plaintext too long")
        return outer, start, n
