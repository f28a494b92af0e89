"""CertContext from cryptography objects, PEM and PKCS#12; certificates made on the fly."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    pkcs12,
)
from sspi_emu_schannel import CertContext, testcerts

from sspi_emu import entropy
from sspi_emu.constants import SecurityStatus as St
from tests.packages.schannel.schannel_helpers import Endpoint, client_cred, run_handshake, server_cred

PKI = testcerts.make_ca_and_server("localhost")


def handshake_with(cert: CertContext) -> St:
    client = Endpoint(client_cred([PKI.ca.certificate]), False, "localhost")
    server = Endpoint(server_cred(cert), True)
    run_handshake(client, server)
    return client.status


def test_from_pem_with_key_in_separate_blob():
    assert PKI.server.private_key is not None
    pem = PKI.server.certificate.public_bytes(Encoding.PEM) + PKI.ca.certificate.public_bytes(Encoding.PEM)
    key = PKI.server.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(b"pw"))
    ctx = CertContext.from_pem(pem, key, b"pw")
    assert ctx.certificate == PKI.server.certificate and ctx.chain == [PKI.ca.certificate]
    assert "PRIVATE" not in repr(ctx) and "pw" not in repr(ctx)
    assert ctx.pbCertEncoded == PKI.server.certificate.public_bytes(Encoding.DER)
    assert ctx.cbCertEncoded == len(ctx.pbCertEncoded) and ctx.dwCertEncodingType == 0x10001
    assert handshake_with(ctx) == St.SEC_E_OK


def test_from_pem_single_blob():
    assert PKI.server.private_key is not None
    blob = PKI.server.certificate.public_bytes(Encoding.PEM) + PKI.server.private_key.private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    assert handshake_with(CertContext.from_pem(blob)) == St.SEC_E_OK


def test_from_pkcs12():
    assert PKI.server.private_key is not None
    pfx = pkcs12.serialize_key_and_certificates(b"server", PKI.server.private_key, PKI.server.certificate,
                                                 [PKI.ca.certificate], BestAvailableEncryption(b"secret"))
    ctx = CertContext.from_pkcs12(pfx, b"secret")
    assert ctx.has_private_key and ctx.chain == [PKI.ca.certificate]
    assert handshake_with(ctx) == St.SEC_E_OK


def test_test_certificates_follow_pinned_entropy():
    with entropy.pinned(entropy.PinnedEntropy(seed=b"certs", clock=1.7e9)):
        a = testcerts.make_ca_and_server("demo.example")
    with entropy.pinned(entropy.PinnedEntropy(seed=b"certs", clock=1.7e9)):
        b = testcerts.make_ca_and_server("demo.example")
    assert a.server.certificate.public_bytes(Encoding.DER) == b.server.certificate.public_bytes(Encoding.DER)
    assert a.server.certificate.not_valid_before_utc.timestamp() == 1.7e9 - 3600


def test_rejects_unsupported_keys():
    from cryptography.hazmat.primitives.asymmetric import ed25519

    with pytest.raises(TypeError):
        CertContext(PKI.server.certificate, ed25519.Ed25519PrivateKey.generate())  # type: ignore[arg-type]


def test_a_peer_certificate_with_a_negative_serial_loads_without_a_warning() -> None:
    """Windows accepts such certificates; cryptography warns about them, which the application never sees."""
    import warnings

    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes as chashes
    from cryptography.hazmat.primitives.asymmetric import ec as cec
    from cryptography.hazmat.primitives.serialization import Encoding
    from sspi_emu_schannel.tls.engine import load_chain

    key = cec.generate_private_key(cec.SECP256R1())
    name = cx509.Name([cx509.NameAttribute(cx509.oid.NameOID.COMMON_NAME, "neg.example")])
    import datetime as _dt

    now = _dt.datetime(2026, 1, 1, tzinfo=_dt.timezone.utc)
    cert = (cx509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(0x7F).not_valid_before(now).not_valid_after(now + _dt.timedelta(days=1))
            .sign(key, chashes.SHA256()))
    der = bytearray(cert.public_bytes(Encoding.DER))
    at = der.find(b"\x02\x01\x7f")  # INTEGER 127, the serial number
    assert at > 0
    der[at + 2] = 0xFF  # now -1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (loaded,) = load_chain([bytes(der)])
    assert loaded.subject == name
