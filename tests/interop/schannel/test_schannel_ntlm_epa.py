"""NTLM over TLS with Extended Protection: Schannel's tls-server-end-point bindings feed NTLM's MsvAvChannelBindings."""

from __future__ import annotations

import pytest
from sspi_emu_ntlm import NtlmSettings
from sspi_emu_schannel import testcerts

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.accounts import MemoryAccountStore
from sspi_emu.attributes import SecPkgContext_Bindings
from sspi_emu.constants import SecurityStatus as St
from sspi_emu.errors import SspiError
from tests.packages.schannel.schannel_helpers import pair, run_handshake

pytestmark = pytest.mark.interop


def ntlm_over(client_cb: bytes, server_cb: bytes) -> None:
    store = MemoryAccountStore()
    store.add("alice", "Passw0rd!", "DEMO")
    ccred = S.Credential("NTLM", user="DEMO\\alice", password="Passw0rd!")
    scred = S.Credential("NTLM", use="inbound", auth_data=NtlmSettings(accounts=store, channel_bindings="always"))
    client = S.ClientContext("NTLM", target="HTTP/localhost", credential=ccred)
    server = S.ServerContext("NTLM", credential=scred)
    token = client.step(channel_bindings=client_cb)
    token = server.step(token, channel_bindings=server_cb)
    token = client.step(token, channel_bindings=client_cb)
    server.step(token, channel_bindings=server_cb)
    assert server.complete


def test_ntlm_with_tls_channel_bindings():
    pki = testcerts.make_ca_and_server("localhost")
    client, server = pair(pki)
    run_handshake(client, server)
    cb_client, cb_server = SecPkgContext_Bindings(), SecPkgContext_Bindings()
    assert client.query(C.SECPKG_ATTR_ENDPOINT_BINDINGS, cb_client) == St.SEC_E_OK
    assert server.query(C.SECPKG_ATTR_ENDPOINT_BINDINGS, cb_server) == St.SEC_E_OK
    ntlm_over(cb_client.Bindings, cb_server.Bindings)
    # a man in the middle terminates TLS with another certificate: the bindings differ and NTLM refuses
    other = testcerts.make_ca_and_server("localhost")
    mitm_client, mitm_server = pair(other)
    run_handshake(mitm_client, mitm_server)
    cb_mitm = SecPkgContext_Bindings()
    assert mitm_client.query(C.SECPKG_ATTR_ENDPOINT_BINDINGS, cb_mitm) == St.SEC_E_OK
    with pytest.raises(SspiError) as err:
        ntlm_over(cb_mitm.Bindings, cb_server.Bindings)
    assert err.value.status == St.SEC_E_BAD_BINDINGS
