"""Fixtures for Schannel interop: a PKI written to PEM files for OpenSSL peers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sspi_emu_schannel import CertContext, testcerts


@dataclass
class PemPki:
    ca: CertContext
    server: CertContext
    client: CertContext
    expired: CertContext
    ca_file: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    expired_cert: Path
    expired_key: Path


def write(ctx: CertContext, directory: Path, name: str) -> tuple[Path, Path]:
    cert = directory / f"{name}.pem"
    key = directory / f"{name}.key"
    cert.write_bytes(ctx.certificate.public_bytes(Encoding.PEM))
    assert ctx.private_key is not None
    key.write_bytes(ctx.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    return cert, key


def make_pem_pki(directory: Path, key_kind: str = "p256") -> PemPki:
    pki = testcerts.make_ca_and_server("localhost", key_kind)
    client = testcerts.issue(pki.ca, "client.example", key_kind, client=True)
    start = pki.ca.certificate.not_valid_before_utc + timedelta(hours=2)
    expired = testcerts.issue(pki.ca, "localhost", key_kind, not_before=start - timedelta(days=10),
                              not_after=start - timedelta(days=1))
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(pki.ca.certificate.public_bytes(Encoding.PEM))
    sc, sk = write(pki.server, directory, "server")
    cc, ck = write(client, directory, "client")
    ec, ek = write(expired, directory, "expired")
    return PemPki(pki.ca, pki.server, client, expired, ca_file, sc, sk, cc, ck, ec, ek)


@pytest.fixture(scope="module")
def pem_pki(tmp_path_factory: pytest.TempPathFactory) -> PemPki:
    return make_pem_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def rsa_pem_pki(tmp_path_factory: pytest.TempPathFactory) -> PemPki:
    return make_pem_pki(tmp_path_factory.mktemp("rsapki"), "rsa2048")
