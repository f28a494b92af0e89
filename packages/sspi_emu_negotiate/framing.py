"""GSS-API InitialContextToken framing (RFC 2743 section 3.1).

``[APPLICATION 0] IMPLICIT SEQUENCE { thisMech MechType, innerContextToken ANY }`` where the
inner token is whatever the mechanism defines (for Kerberos it is not a single ASN.1 value),
so the frame is read by hand (a non-DER OID goes through pyasn1).
"""

from __future__ import annotations

from pyasn1.codec.der import decoder
from pyasn1.type import univ

from sspi_emu.constants import SecurityStatus
from sspi_emu.der import DerError, read_tlv
from sspi_emu.errors import SspiError

from .der import NotCanonical, der_length, oid_content, oid_from_content, tlv

__all__ = ["der_length", "is_initial", "oid_der", "read_header", "unwrap_initial", "wrap_initial"]

_APPLICATION_0 = 0x60
_OID_TAG = 0x06


def _invalid(why: str) -> SspiError:
    return SspiError(SecurityStatus.SEC_E_INVALID_TOKEN, why)


def read_header(data: bytes, offset: int = 0) -> tuple[int, int, int]:
    """Read one DER tag and definite length at *offset*: ``(tag, content_start, content_length)``.

    Raises SEC_E_INVALID_TOKEN when the header is truncated, indefinite, or overruns *data*.
    """
    try:
        tag_byte, start, end = read_tlv(data, offset, len(data))
    except DerError as exc:
        raise _invalid(f"bad ASN.1 header: {exc}") from None
    return tag_byte, start, end - start


def oid_der(oid: str) -> bytes:
    """The DER encoding of an OBJECT IDENTIFIER given in dotted form."""
    return tlv(_OID_TAG, oid_content(oid))


def wrap_initial(mech: str, inner: bytes) -> bytes:
    """Frame *inner* as a GSS-API initial context token for mechanism *mech*."""
    body = oid_der(mech) + inner
    return bytes((_APPLICATION_0,)) + der_length(len(body)) + body


def is_initial(token: bytes) -> bool:
    """True when *token* starts like a GSS-API initial context token."""
    return len(token) > 0 and token[0] == _APPLICATION_0


def unwrap_initial(token: bytes) -> tuple[str, bytes]:
    """Split an initial context token into ``(thisMech, innerContextToken)``.

    The frame must cover the whole token. Raises SEC_E_INVALID_TOKEN otherwise.
    """
    tag_byte, start, length = read_header(token)
    if tag_byte != _APPLICATION_0:
        raise _invalid("not a GSS-API initial context token")
    if start + length != len(token):
        raise _invalid("GSS-API frame length does not match the token")
    oid_tag, oid_start, oid_len = read_header(token, start)
    if oid_tag != _OID_TAG or oid_len == 0:
        raise _invalid("GSS-API frame does not start with a mechanism OID")
    end = oid_start + oid_len
    try:
        mech = oid_from_content(token[oid_start:end])
    except NotCanonical:
        mech = _lenient_oid(token[start:end])
    return mech, token[end:]


def _lenient_oid(der: bytes) -> str:
    try:
        value, rest = decoder.decode(der, asn1Spec=univ.ObjectIdentifier())
        mech = str(value)
    except Exception as exc:  # pyasn1 raises several types on bad input
        raise _invalid(f"bad mechanism OID: {type(exc).__name__}") from None
    if rest:
        raise _invalid("bad mechanism OID")
    return mech
