"""Certificates from the test CA pass the same X.509 path validation our Schannel applies."""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store

from sspi_emu.http.certs import CertificateAuthority


def test_issued_server_certificate_validates_against_its_ca() -> None:
    ca = CertificateAuthority()
    leaf = ca.issue("localhost")
    verifier = PolicyBuilder().store(Store([ca.issued.certificate])).build_server_verifier(x509.DNSName("localhost"))
    chain = verifier.verify(leaf.certificate, [])
    assert chain[-1] == ca.issued.certificate
