"""Channel bindings: tls-server-end-point and tls-unique in the SEC_CHANNEL_BINDINGS layout."""

from __future__ import annotations

import hashlib
import struct

from cryptography.hazmat.primitives.serialization import Encoding
from sspi_emu_schannel import testcerts

from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgContext_Bindings
from sspi_emu.constants import SecurityStatus as St
from tests.packages.schannel.schannel_helpers import pair, run_handshake


def bindings(endpoint, attribute):
    out = SecPkgContext_Bindings()
    status = endpoint.query(attribute, out)
    return status, out.Bindings


def split(blob):
    fields = struct.unpack_from("<8I", blob)
    assert fields[:6] == (0, 0, 0, 0, 0, 0) and fields[7] == 32 and fields[6] == len(blob) - 32
    return blob[32:]


def test_server_end_point_both_sides_sha256_and_sha384():
    for kind, h in (("p256", hashlib.sha256), ("p384", hashlib.sha384)):
        pki = testcerts.make_ca_and_server("localhost", kind)
        client, server = pair(pki)
        run_handshake(client, server)
        cs, cb = bindings(client, C.SECPKG_ATTR_ENDPOINT_BINDINGS)
        ss, sb = bindings(server, C.SECPKG_ATTR_ENDPOINT_BINDINGS)
        assert cs == ss == St.SEC_E_OK and cb == sb
        der = pki.server.certificate.public_bytes(Encoding.DER)
        assert split(cb) == b"tls-server-end-point:" + h(der).digest()


def test_tls_unique_tls12_only():
    pki = testcerts.make_ca_and_server("localhost")
    client, server = pair(pki, version="1.2")
    run_handshake(client, server)
    cs, cb = bindings(client, C.SECPKG_ATTR_UNIQUE_BINDINGS)
    ss, sb = bindings(server, C.SECPKG_ATTR_UNIQUE_BINDINGS)
    assert cs == ss == St.SEC_E_OK and cb == sb and len(split(cb)) == len(b"tls-unique:") + 12
    client, server = pair(pki, version="1.3")
    run_handshake(client, server)
    assert bindings(client, C.SECPKG_ATTR_UNIQUE_BINDINGS)[0] == St.SEC_E_UNSUPPORTED_FUNCTION
