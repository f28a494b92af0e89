"""Which SSPI status a TLS failure becomes, as Schannel reports it."""

from __future__ import annotations

from sspi_emu.constants import SecurityStatus as S

from .tls.constants import AlertDescription as A

_BY_ALERT: dict[int, S] = {
    A.DECODE_ERROR: S.SEC_E_ILLEGAL_MESSAGE,
    A.UNEXPECTED_MESSAGE: S.SEC_E_ILLEGAL_MESSAGE,
    A.ILLEGAL_PARAMETER: S.SEC_E_ILLEGAL_MESSAGE,
    A.RECORD_OVERFLOW: S.SEC_E_ILLEGAL_MESSAGE,
    A.UNSUPPORTED_EXTENSION: S.SEC_E_ILLEGAL_MESSAGE,
    A.MISSING_EXTENSION: S.SEC_E_ILLEGAL_MESSAGE,
    A.BAD_RECORD_MAC: S.SEC_E_DECRYPT_FAILURE,
    A.DECRYPT_ERROR: S.SEC_E_MESSAGE_ALTERED,
    A.HANDSHAKE_FAILURE: S.SEC_E_ALGORITHM_MISMATCH,
    A.INSUFFICIENT_SECURITY: S.SEC_E_ALGORITHM_MISMATCH,
    A.PROTOCOL_VERSION: S.SEC_E_UNSUPPORTED_FUNCTION,
    A.BAD_CERTIFICATE: S.SEC_E_CERT_UNKNOWN,
    A.UNSUPPORTED_CERTIFICATE: S.SEC_E_CERT_UNKNOWN,
    A.CERTIFICATE_UNKNOWN: S.SEC_E_CERT_UNKNOWN,
    A.CERTIFICATE_EXPIRED: S.SEC_E_CERT_EXPIRED,
    A.UNKNOWN_CA: S.SEC_E_UNTRUSTED_ROOT,
    A.CERTIFICATE_REQUIRED: S.SEC_E_CERT_UNKNOWN,
    A.NO_APPLICATION_PROTOCOL: S.SEC_E_APPLICATION_PROTOCOL_MISMATCH,
    A.NO_RENEGOTIATION: S.SEC_E_ILLEGAL_MESSAGE,
    A.INTERNAL_ERROR: S.SEC_E_INTERNAL_ERROR,
}


def status_for_alert(description: int) -> S:
    """The status for a failure we detected and report to the peer with *description*."""
    return _BY_ALERT.get(description, S.SEC_E_ILLEGAL_MESSAGE)


def status_for_peer_alert(description: int) -> S:
    """The status when the peer sends a fatal alert (Schannel: SEC_E_ILLEGAL_MESSAGE for nearly all)."""
    if description == A.CLOSE_NOTIFY:
        return S.SEC_I_CONTEXT_EXPIRED
    if description == A.NO_APPLICATION_PROTOCOL:
        return S.SEC_E_APPLICATION_PROTOCOL_MISMATCH
    return S.SEC_E_ILLEGAL_MESSAGE
