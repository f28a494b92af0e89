"""TLS 1.3 post-handshake client authentication (RFC 8446 4.6.2): the server's request, the client's answer.

Each exchange has its own transcript: the handshake (through the client's Finished), then
the CertificateRequest, Certificate, CertificateVerify; the client's Finished MAC is keyed
from the current client application traffic secret (RFC 8446 4.4).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from sspi_emu import entropy

from . import extensions as ext
from .codec import TlsError
from .constants import AlertDescription, ExtensionType, HandshakeType
from .keyschedule import KeySchedule13
from .messages import Certificate13, CertificateRequest13, CertificateVerify, Finished, frame
from .signatures import PrivateKey, certificate_verify_input, choose_scheme, sign, verify


@dataclass
class ServerRequest:
    """A CertificateRequest the server sent after the handshake, and what has arrived in answer."""

    context: bytes
    transcript: bytearray = field(repr=False)
    chain: list[x509.Certificate] = field(default_factory=list, repr=False)
    expect: int = HandshakeType.CERTIFICATE


def make_request(
    handshake_transcript: bytes, schemes: tuple[int, ...], authorities: list[bytes]
) -> tuple[bytes, ServerRequest]:
    """(CertificateRequest message, its pending state) with a fresh certificate_request_context."""
    context = entropy.random_bytes(16, "post-handshake-auth-context")
    exts: list[tuple[int, bytes]] = [(ExtensionType.SIGNATURE_ALGORITHMS, ext.encode_u16_vector(schemes))]
    if authorities:
        exts.append((ExtensionType.CERTIFICATE_AUTHORITIES, ext.encode_authorities(authorities)))
    raw = frame(HandshakeType.CERTIFICATE_REQUEST, CertificateRequest13(context, exts).encode())
    return raw, ServerRequest(context, bytearray(handshake_transcript) + raw)


def client_answer(
    handshake_transcript: bytes,
    request_raw: bytes,
    request: CertificateRequest13,
    chain: list[x509.Certificate],
    key: PrivateKey | None,
    schedule: KeySchedule13,
    client_app_secret: bytes,
) -> tuple[bytes, bool]:
    """(Certificate [+ CertificateVerify] + Finished messages, whether a certificate was sent)."""
    algs_body = ext.find(request.extensions, ExtensionType.SIGNATURE_ALGORITHMS)
    peer_algs = ext.decode_u16_vector(algs_body) if algs_body else []
    scheme = choose_scheme(key, peer_algs, tls13=True) if key is not None and chain else None
    entries = [(c.public_bytes(Encoding.DER), b"") for c in chain] if scheme is not None else []
    transcript = bytearray(handshake_transcript) + request_raw
    out = frame(HandshakeType.CERTIFICATE, Certificate13(request.context, entries).encode())
    transcript += out
    if scheme is not None and key is not None:
        signed = certificate_verify_input(hashlib.new(schedule.hash_name, transcript).digest(), server=False)
        cv = frame(HandshakeType.CERTIFICATE_VERIFY, CertificateVerify(scheme, sign(key, scheme, signed)).encode())
        out += cv
        transcript += cv
    verify_data = schedule.verify_data(client_app_secret, hashlib.new(schedule.hash_name, transcript).digest())
    out += frame(HandshakeType.FINISHED, verify_data)
    return out, scheme is not None


def server_receive(
    req: ServerRequest,
    msg_type: int,
    body: bytes,
    raw: bytes,
    schedule: KeySchedule13,
    client_app_secret: bytes,
    accepted_schemes: tuple[int, ...],
) -> bool:
    """Take one message of the client's answer; True once its Finished checked out."""
    from .engine import load_chain

    def digest() -> bytes:
        return hashlib.new(schedule.hash_name, req.transcript).digest()

    if msg_type != req.expect:
        try:
            name = HandshakeType(msg_type).name
        except ValueError:
            name = str(msg_type)
        raise TlsError(AlertDescription.UNEXPECTED_MESSAGE, f"{name} in a post-handshake authentication")
    if msg_type == HandshakeType.CERTIFICATE:
        cert = Certificate13.decode(body)
        if not hmac.compare_digest(cert.context, req.context):
            raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "bad certificate_request_context")
        req.chain = load_chain([der for der, _e in cert.entries])
        req.transcript += raw
        req.expect = HandshakeType.CERTIFICATE_VERIFY if req.chain else HandshakeType.FINISHED
        return False
    if msg_type == HandshakeType.CERTIFICATE_VERIFY:
        cv = CertificateVerify.decode(body)
        if not req.chain:
            raise TlsError(AlertDescription.UNEXPECTED_MESSAGE, "CertificateVerify without a certificate")
        try:
            public_key = req.chain[0].public_key()
        except Exception:  # noqa: BLE001 - odd keys fail in several ways
            raise TlsError(AlertDescription.BAD_CERTIFICATE, "unusable certificate key") from None
        signed = certificate_verify_input(digest(), server=False)
        if cv.scheme not in accepted_schemes or not verify(public_key, cv.scheme, cv.signature, signed, tls13=True):
            raise TlsError(AlertDescription.DECRYPT_ERROR, "bad client CertificateVerify")
        req.transcript += raw
        req.expect = HandshakeType.FINISHED
        return False
    fin = Finished.decode(body)
    if not hmac.compare_digest(schedule.verify_data(client_app_secret, digest()), fin.verify_data):
        raise TlsError(AlertDescription.DECRYPT_ERROR, "bad client Finished")
    return True
