"""ALPN through SECBUFFER_APPLICATION_PROTOCOLS and SECPKG_ATTR_APPLICATION_PROTOCOL."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sspi_emu_schannel import testcerts
from sspi_emu_schannel.alpn import decode_application_protocols, encode_application_protocols

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgContext_ApplicationProtocol
from sspi_emu.buffers import SecBuffer, SecBufferDesc
from sspi_emu.constants import SecurityStatus as St
from sspi_emu.errors import SspiError
from tests.packages.schannel.schannel_helpers import Endpoint, client_cred, server_cred

PKI = testcerts.make_ca_and_server("localhost")


class AlpnEndpoint(Endpoint):
    """An endpoint that adds a SECBUFFER_APPLICATION_PROTOCOLS buffer to its first legs."""

    def __init__(self, *args, protocols=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.blob = encode_application_protocols(list(protocols))

    def _leg(self, pin):
        alpn = SecBuffer(C.SECBUFFER_APPLICATION_PROTOCOLS, self.blob)
        if pin is None:
            pin = SecBufferDesc([alpn]) if self.ctx is None else None
        elif not self.complete:
            pin = SecBufferDesc(list(pin.pBuffers) + [alpn])
        return super()._leg(pin)


def negotiate(client_protocols, server_protocols, version="1.3"):
    client = AlpnEndpoint(client_cred([PKI.ca.certificate], version), False, "localhost", protocols=client_protocols)
    server = AlpnEndpoint(server_cred(PKI.server), True, protocols=server_protocols)
    to_server = client.start()
    for _ in range(4):
        to_client = server.handshake(to_server)
        if server.status.is_error:
            return client, server
        to_server = client.handshake(to_client)
        if client.complete:
            if to_server:
                server.handshake(to_server)
            break
    return client, server


@pytest.mark.parametrize("version", ["1.3", "1.2"])
def test_alpn_selected(version):
    client, server = negotiate([b"h2", b"http/1.1"], [b"http/1.1", b"h2"], version)
    assert client.status == St.SEC_E_OK and server.status == St.SEC_E_OK
    for side in (client, server):
        proto = SecPkgContext_ApplicationProtocol()
        assert side.query(C.SECPKG_ATTR_APPLICATION_PROTOCOL, proto) == St.SEC_E_OK
        assert (proto.ProtoNegoStatus, proto.ProtoNegoExt, proto.ProtocolId) == (1, 2, b"http/1.1")


def test_no_alpn_reports_none():
    client, server = negotiate([b"h2"], [])
    assert client.status == St.SEC_E_OK
    proto = SecPkgContext_ApplicationProtocol()
    assert client.query(C.SECPKG_ATTR_APPLICATION_PROTOCOL, proto) == St.SEC_E_OK
    assert proto.ProtoNegoStatus == 0 and proto.ProtocolId == b""


@pytest.mark.contract("ASC-ERR-ALPN")
def test_no_common_protocol():
    client, server = negotiate([b"h2"], [b"imap"])
    assert server.status == St.SEC_E_APPLICATION_PROTOCOL_MISMATCH
    assert server.alert == bytes.fromhex("15030300020278")  # fatal no_application_protocol
    client.handshake(server.alert)
    assert client.status == St.SEC_E_APPLICATION_PROTOCOL_MISMATCH


def test_blob_round_trip_and_errors():
    blob = encode_application_protocols([b"h2", b"http/1.1"])
    assert blob.hex() == "12000000" + "02000000" + "0c00" + "026832" + "08687474702f312e31"
    assert decode_application_protocols(blob) == [b"h2", b"http/1.1"]
    for bad in (b"", b"\x05\x00\x00\x00", blob[:-1], blob[:4] + b"\x02\x00\x00\x00\x03\x00\x00ab"):
        with pytest.raises(SspiError):
            decode_application_protocols(bad)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_blob_parser_never_crashes(data):
    try:
        decode_application_protocols(data)
    except SspiError as exc:
        assert exc.status == St.SEC_E_INVALID_TOKEN


def test_malformed_blob_is_invalid_token():
    cred = client_cred([PKI.ca.certificate])
    pin = SecBufferDesc([SecBuffer(C.SECBUFFER_APPLICATION_PROTOCOLS, b"\xff\xff")])
    status = S.InitializeSecurityContext(cred, None, "localhost", C.ISC_REQ_ALLOCATE_MEMORY, 0, 0, pin, 0,
                                         S.CtxtHandle(), SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, None, 0)]),
                                         S.ULONG(), S.TimeStamp())
    assert status == St.SEC_E_INVALID_TOKEN
