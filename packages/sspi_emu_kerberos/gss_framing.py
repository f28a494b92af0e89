"""The GSS-API token framing around Kerberos AP-REQ / AP-REP / KRB-ERROR (RFC 2743 3.1, RFC 4121 4.1)."""

from __future__ import annotations

__all__ = [
    "KRB5_OID_DER",
    "MS_KRB5_OID_DER",
    "TOK_AP_REP",
    "TOK_AP_REQ",
    "TOK_ERROR",
    "FramingError",
    "frame",
    "unframe",
]

#: 1.2.840.113554.1.2.2 (Kerberos 5 GSS mechanism), DER with tag and length.
KRB5_OID_DER = bytes.fromhex("06092a864886f712010202")
#: 1.2.840.48018.1.2.2 (the Microsoft variant old Windows clients announced).
MS_KRB5_OID_DER = bytes.fromhex("06092a864882f712010202")
TOK_AP_REQ = b"\x01\x00"
TOK_AP_REP = b"\x02\x00"
TOK_ERROR = b"\x03\x00"


class FramingError(Exception):
    """The token is not a framed Kerberos GSS token."""


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def frame(tok_id: bytes, inner: bytes) -> bytes:
    """``[APPLICATION 0] { mech OID, TOK_ID, inner }``."""
    body = KRB5_OID_DER + tok_id + inner
    return b"\x60" + _length(len(body)) + body


def unframe(token: bytes) -> tuple[bytes, bytes]:
    """(TOK_ID, inner message) of a framed token (FramingError when it is not one)."""
    if len(token) < 2 or token[0] != 0x60:
        raise FramingError("not a GSS initial-context token")
    first = token[1]
    pos = 2
    if first < 0x80:
        length = first
    else:
        n = first & 0x7F
        if n == 0 or n > 4 or len(token) < 2 + n:
            raise FramingError("bad length")
        length = int.from_bytes(token[2 : 2 + n], "big")
        pos += n
    if pos + length != len(token):
        raise FramingError("length does not match the token")
    oid = token[pos : pos + 11]
    if oid not in (KRB5_OID_DER, MS_KRB5_OID_DER):
        raise FramingError("not the Kerberos mechanism")
    pos += 11
    if len(token) < pos + 2:
        raise FramingError("no TOK_ID")
    return bytes(token[pos : pos + 2]), bytes(token[pos + 2 :])
