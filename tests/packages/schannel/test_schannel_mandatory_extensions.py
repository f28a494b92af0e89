"""RFC 8446 9.2: a TLS 1.3 ClientHello lacking an extension it must carry is refused with missing_extension."""

from __future__ import annotations

import pytest
from sspi_emu_schannel import SCH_CREDENTIALS, testcerts

from sspi_emu import constants as C
from sspi_emu.constants import SecurityStatus as St
from tests.interop.schannel import conformance as conf
from tests.packages.schannel.schannel_helpers import Endpoint, acquire

PKI = testcerts.make_ca_and_server("localhost")
PSK = conf.extension(41, conf.v16(conf.v16(b"id") + bytes(4)) + conf.v16(conf.v8(bytes(32))))


@pytest.mark.parametrize("exts", [
    [conf.sni(), conf.groups(conf.X25519), conf.versions(0x0304), conf.key_share(), conf.psk_modes()],  # no sig_algs
    [conf.sni(), conf.sig_algs(), conf.versions(0x0304), conf.psk_modes()],  # no groups, no key_share
    [conf.sni(), conf.groups(conf.X25519), conf.sig_algs(), conf.versions(0x0304), conf.psk_modes()],  # no key_share
    [conf.sni(), conf.groups(conf.X25519), conf.sig_algs(), conf.versions(0x0304), conf.key_share(), PSK],  # no modes
], ids=["no-signature_algorithms", "no-groups", "groups-without-key_share", "psk-without-modes"])
def test_missing_extension_alert(exts):
    server = Endpoint(acquire(C.SECPKG_CRED_INBOUND, SCH_CREDENTIALS(paCred=[PKI.server])), True)
    out = server.handshake(conf.record(22, conf.client_hello(exts=exts, suites=conf.TLS13_SUITES)))
    assert server.status is not None and server.status.is_error and server.status != St.SEC_E_INTERNAL_ERROR
    alert = out or server.alert
    assert alert[0] == 21 and alert[-1] == 109  # missing_extension
