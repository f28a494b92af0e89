"""Keying material (RFC 5705 / RFC 8446 7.5) through SetContextAttributes + QueryContextAttributes."""

from __future__ import annotations

import pytest
from sspi_emu_schannel import SecPkgContext_KeyingMaterialInfo, testcerts

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgContext_KeyingMaterial
from sspi_emu.constants import SecurityStatus as St
from tests.packages.schannel.schannel_helpers import pair, run_handshake

PKI = testcerts.make_ca_and_server("localhost")


def material(endpoint, label="EXPORTER-test", context=None, length=32):
    info = SecPkgContext_KeyingMaterialInfo(pszLabel=label, pbContextValue=context, cbKeyingMaterial=length)
    assert S.SetContextAttributes(endpoint.ctx, C.SECPKG_ATTR_KEYING_MATERIAL_INFO, info) == St.SEC_E_OK
    out = SecPkgContext_KeyingMaterial()
    assert endpoint.query(C.SECPKG_ATTR_KEYING_MATERIAL, out) == St.SEC_E_OK
    return out.KeyingMaterial


@pytest.mark.parametrize("version", ["1.3", "1.2"])
def test_both_sides_agree(version):
    client, server = pair(PKI, version=version)
    run_handshake(client, server)
    for ctx in (None, b"", b"context"):
        a, b = material(client, context=ctx, length=40), material(server, context=ctx, length=40)
        assert a == b and len(a) == 40
    assert material(client, context=b"x") != material(client, context=b"y")
    assert material(client, label="EXPORTER-a") != material(client, label="EXPORTER-b")
    if version == "1.3":
        assert material(client, context=None) == material(client, context=b"")  # RFC 8446: no distinction
    else:
        assert material(client, context=None) != material(client, context=b"")  # RFC 5705 distinguishes


def test_requests_are_checked():
    client, server = pair(PKI)
    run_handshake(client, server)
    assert client.query(C.SECPKG_ATTR_KEYING_MATERIAL, SecPkgContext_KeyingMaterial()) == St.SEC_E_INVALID_PARAMETER
    for bad in (SecPkgContext_KeyingMaterialInfo(pszLabel="key expansion", cbKeyingMaterial=16),
                SecPkgContext_KeyingMaterialInfo(pszLabel="", cbKeyingMaterial=16),
                SecPkgContext_KeyingMaterialInfo(pszLabel="EXPORTER-x", cbKeyingMaterial=0),
                "not a structure"):
        assert S.SetContextAttributes(client.ctx, C.SECPKG_ATTR_KEYING_MATERIAL_INFO, bad) == St.SEC_E_INVALID_PARAMETER


def test_eap_key_block_tls12():
    from sspi_emu.attributes import SecPkgContext_EapKeyBlock

    client, server = pair(PKI, version="1.2")
    run_handshake(client, server)
    a, b = SecPkgContext_EapKeyBlock(), SecPkgContext_EapKeyBlock()
    assert client.query(C.SECPKG_ATTR_EAP_KEY_BLOCK, a) == St.SEC_E_OK
    assert server.query(C.SECPKG_ATTR_EAP_KEY_BLOCK, b) == St.SEC_E_OK
    assert a.rgbKeys == b.rgbKeys and len(a.rgbKeys) == 128 and len(a.rgbIVs) == 64
    assert a.rgbKeys == material(client, label="client EAP encryption", length=128)  # the RFC 5705 form of it
    client13, server13 = pair(PKI, version="1.3")
    run_handshake(client13, server13)
    assert client13.query(C.SECPKG_ATTR_EAP_KEY_BLOCK, SecPkgContext_EapKeyBlock()) == St.SEC_E_UNSUPPORTED_FUNCTION
