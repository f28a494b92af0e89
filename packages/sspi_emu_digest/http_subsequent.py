"""HTTP Digest subsequent requests: MakeSignature / VerifySignature, as Windows' Digest SSP documents.

After a successful exchange the client signs each further request with MakeSignature: the
result is a new Authorization value for the same nonce with the next nonce count (a fresh
cnonce, the request's method and URI), so no new challenge is needed. The server checks it
with VerifySignature on its established context: same nonce and user, nonce count exactly one
more than the last (else SEC_E_OUT_OF_SEQUENCE), response matching (else SEC_E_MESSAGE_ALTERED),
nonce still fresh (else SEC_E_CONTEXT_EXPIRED).

The replies go the other way round (RFC 7616 §3.5): the server's MakeSignature gives the
Authentication-Info value for the last request it verified (rspauth, and a ``nextnonce`` when
``DigestServerOptions.nextnonce`` is set), and the client's VerifySignature checks one for the
last request it signed (or the handshake's): rspauth wrong → SEC_E_MESSAGE_ALTERED, qop / nc /
cnonce of another request → SEC_E_OUT_OF_SEQUENCE. A ``nextnonce`` the client receives, here
or in the handshake's Authentication-Info, is the nonce of its next signed request (nc 1).

Buffers (Windows' layout): the method, the URI and the body in SECBUFFER_PKG_PARAMS (as for
the handshake legs; a SECBUFFER_DATA body is taken too); MakeSignature writes the Authorization
value into the SECBUFFER_PADDING buffer (the TOKEN buffer when there is none); VerifySignature
reads it from the SECBUFFER_TOKEN buffer.
"""

from __future__ import annotations

import dataclasses
import hmac
from dataclasses import dataclass, field
from typing import Callable, Sequence

from sspi_emu.buffers import SecBuffer
from sspi_emu.constants import SECBUFFER_PADDING, SECBUFFER_TOKEN, SecurityStatus
from sspi_emu.errors import SspiError

from . import calc
from .algorithms import DigestAlgorithm
from .base import request_params
from .http_wire import AuthenticationInfo, DigestCredentials
from .nonces import NonceState
from .params import ParseError

__all__ = ["EstablishedAuth", "check_info", "message_pairs", "output_buffer", "sign_next", "verify_next"]

S = SecurityStatus


@dataclass(slots=True)
class EstablishedAuth:
    """What a server context keeps of the exchange that established it."""

    algorithm: DigestAlgorithm
    ha1: str = field(repr=False)
    nonce: str
    issued: int
    nc: int
    qop: str
    username: str


def message_pairs(message: list[SecBuffer]) -> list[tuple[int, bytes]]:
    """The request parts of a message (everything but its TOKEN and PADDING buffers)."""
    return [(b.base_type, b.tobytes()) for b in message if b.base_type not in (SECBUFFER_TOKEN, SECBUFFER_PADDING)]


def output_buffer(message: list[SecBuffer]) -> SecBuffer | None:
    """Where MakeSignature writes: the PADDING buffer, else the TOKEN buffer."""
    padding = next((b for b in message if b.base_type == SECBUFFER_PADDING), None)
    return padding or next((b for b in message if b.base_type == SECBUFFER_TOKEN), None)


def sign_next(previous: DigestCredentials, ha1: str, count: int, cnonce: str, method: str, uri: str,
              body: bytes | None) -> DigestCredentials:
    """The Authorization for the next request on the same nonce (nonce count *count*)."""
    if previous.qop is None:
        raise SspiError(S.SEC_E_UNSUPPORTED_FUNCTION, "without qop there is no nonce count to sign further requests")
    nc = f"{count:08x}"
    response = calc.http_response(previous.algorithm, ha1, previous.nonce, method, uri, previous.qop, nc, cnonce,
                                  body)
    return dataclasses.replace(previous, uri=uri, nc=nc, cnonce=cnonce, response=response)


def verify_next(auths: Sequence[EstablishedAuth], token: bytes, message: list[SecBuffer], realm: str,
                freshness: Callable[[int], NonceState]) -> tuple[DigestCredentials, EstablishedAuth, bytes | None]:
    """Check a subsequent request's Authorization against the established exchange whose nonce it
    uses (one of *auths*); returns the parsed value, that exchange and the request body (raises SspiError)."""
    try:
        creds = DigestCredentials.parse(token.decode("utf-8"))
    except (ParseError, UnicodeDecodeError):
        raise SspiError(S.SEC_E_INVALID_TOKEN, "not a Digest Authorization value") from None
    rp = request_params(message_pairs(message))
    auth = next((a for a in auths if a.nonce == creds.nonce), None)
    if auth is None:
        raise SspiError(S.SEC_E_INVALID_TOKEN, "the request answers another nonce than this context's")
    if (creds.username != auth.username or creds.realm != realm or creds.algorithm is not auth.algorithm
            or creds.qop != auth.qop or (rp.uri is not None and creds.uri != rp.uri)):
        raise SspiError(S.SEC_E_MESSAGE_ALTERED, "user, realm, algorithm, qop or URI differ from the request")
    nc_text = creds.nc or ""
    try:
        nc = int(nc_text, 16)
    except ValueError:
        nc = -1
    if len(nc_text) != 8 or nc != auth.nc + 1:
        raise SspiError(S.SEC_E_OUT_OF_SEQUENCE, f"nonce count {nc_text!r}, expected {auth.nc + 1:08x}")
    expected = calc.http_response(auth.algorithm, auth.ha1, auth.nonce, rp.method, creds.uri, creds.qop, nc_text,
                                  creds.cnonce, rp.body)
    if not hmac.compare_digest(expected.encode(), creds.response.encode("utf-8", "replace")):
        raise SspiError(S.SEC_E_MESSAGE_ALTERED, "the response does not match the request")
    if freshness(auth.issued) is not NonceState.VALID:
        raise SspiError(S.SEC_E_CONTEXT_EXPIRED, "the nonce has expired: a new challenge is needed")
    return creds, auth, rp.body


def check_info(info_text: bytes, algorithm: DigestAlgorithm, ha1: str, nonce: str, uri: str, qop: str | None,
               nc: str | None, cnonce: str | None, body: bytes | None) -> AuthenticationInfo:
    """Check an Authentication-Info value against the request it answers (raises SspiError)."""
    try:
        info = AuthenticationInfo.parse(info_text.decode("utf-8"))
    except (ParseError, UnicodeDecodeError):
        raise SspiError(S.SEC_E_INVALID_TOKEN, "not an Authentication-Info value") from None
    if (info.qop is not None and info.qop != qop) or (info.nc is not None and info.nc != nc) or (
            info.cnonce is not None and info.cnonce != cnonce):
        raise SspiError(S.SEC_E_OUT_OF_SEQUENCE, "the Authentication-Info answers another request")
    expected = calc.http_response(algorithm, ha1, nonce, "", uri, qop, nc, cnonce, body)
    if not hmac.compare_digest(expected.encode(), info.rspauth.encode("utf-8", "replace")):
        raise SspiError(S.SEC_E_MESSAGE_ALTERED, "rspauth does not prove knowledge of the password")
    return info
