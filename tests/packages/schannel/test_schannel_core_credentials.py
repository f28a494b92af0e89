"""The Schannel credential structures live in the core (sspi_emu.schannel_credentials), re-exported from sspi_emu
and still importable from the package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sspi_emu_schannel
from sspi_emu_schannel import certs, credentials, cryptopolicy, testcerts

import sspi_emu
from sspi_emu import constants as C
from sspi_emu import schannel_credentials as core
from sspi_emu.constants import SecurityStatus as St
from tests.packages.schannel.schannel_helpers import Endpoint, acquire, client_cred, run_handshake


def test_one_definition_everywhere():
    for name in ("SCH_CREDENTIALS", "SCHANNEL_CRED", "TLS_PARAMETERS", "CRYPTO_SETTINGS", "CertContext"):
        obj = getattr(core, name)
        assert obj.__module__ == "sspi_emu.schannel_credentials"
        assert getattr(sspi_emu, name) is obj and getattr(sspi_emu_schannel, name) is obj
    assert credentials.SCH_CREDENTIALS is core.SCH_CREDENTIALS and credentials.SCHANNEL_CRED is core.SCHANNEL_CRED
    assert certs.CertContext is core.CertContext and certs.as_certificates is core.as_certificates
    assert cryptopolicy.CRYPTO_SETTINGS is core.CRYPTO_SETTINGS
    assert cryptopolicy.TlsParametersCngAlgUsageCipher == core.TlsParametersCngAlgUsageCipher == 2


def test_core_import_stays_light():
    code = "import sys, sspi_emu; sspi_emu.SCH_CREDENTIALS(); print('cryptography' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "False"


def test_core_structures_build_a_working_server_credential(tmp_path: Path):
    """A credential built only from core structures (PEM files on disk) serves a handshake."""
    pki = testcerts.make_ca_and_server("localhost")
    from cryptography.hazmat.primitives import serialization

    cert_file, key_file = tmp_path / "c.pem", tmp_path / "k.pem"
    cert_file.write_bytes(pki.server.certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(pki.server.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    cert = sspi_emu.CertContext.from_files(str(cert_file), str(key_file))
    assert "PRIVATE" not in repr(cert) and "private_key=yes" in repr(cert)
    assert cert.pbCertEncoded == pki.server.certificate.public_bytes(serialization.Encoding.DER)
    scred = acquire(C.SECPKG_CRED_INBOUND, sspi_emu.SCH_CREDENTIALS(paCred=[cert]))
    client, server = Endpoint(client_cred([pki.ca.certificate]), False, "localhost"), Endpoint(scred, True)
    run_handshake(client, server)
    assert client.status == St.SEC_E_OK and server.status == St.SEC_E_OK
    assert server.decrypt(client.encrypt(b"core")) == b"core"


def test_vectors_naming_the_old_class_path_still_load():
    from sspi_emu import vectors

    built = vectors._build("sspi_emu_schannel.credentials.SCH_CREDENTIALS", {"dwFlags": 8}, "test")
    assert isinstance(built, core.SCH_CREDENTIALS) and built.dwFlags == 8
