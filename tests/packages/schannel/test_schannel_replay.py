"""Pinned entropy makes a whole Schannel exchange through the C API replay byte for byte."""

from __future__ import annotations

import pytest
from sspi_emu_schannel import testcerts
from sspi_emu_schannel.tls.client import TlsClient
from sspi_emu_schannel.tls.config import TlsConfig
from sspi_emu_schannel.tls.constants import ContentType, HandshakeType
from sspi_emu_schannel.tls.records import record_header
from sspi_emu_schannel.tls.server import TlsServer

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu import entropy
from sspi_emu.attributes import SecPkgContext_Names
from sspi_emu.buffers import SecBuffer, SecBufferDesc
from sspi_emu.constants import SecurityStatus as St
from tests.packages.schannel.schannel_helpers import Endpoint, client_cred, pair, run_handshake, server_cred

PKI = testcerts.make_ca_and_server("localhost")
RSA_PKI = testcerts.make_ca_and_server("localhost", "rsa2048")


def transcript(pki, version: str) -> list[bytes]:
    client, server = pair(pki, version=version)
    sent = [client.start()]
    while True:
        sent.append(server.handshake(sent[-1]))
        if client.complete and server.complete:
            break
        sent.append(client.handshake(sent[-1]))
        if client.complete and server.complete and not sent[-1]:
            break
    sent.append(client.encrypt(b"replayed data"))
    return sent


@pytest.mark.parametrize("pki", [PKI, RSA_PKI], ids=["ecdsa", "rsa-pss"])
@pytest.mark.parametrize("version", ["1.3", "1.2"])
def test_pinned_exchange_replays_identically(pki, version):
    with entropy.pinned(entropy.PinnedEntropy(seed=b"schannel replay", clock=pki.ca.certificate.not_valid_before_utc.timestamp() + 7200)):
        first = transcript(pki, version)
    with entropy.pinned(entropy.PinnedEntropy(seed=b"schannel replay", clock=pki.ca.certificate.not_valid_before_utc.timestamp() + 7200)):
        second = transcript(pki, version)
    assert first == second and len(first) >= 4
    with entropy.pinned(entropy.PinnedEntropy(seed=b"another seed", clock=pki.ca.certificate.not_valid_before_utc.timestamp() + 7200)):
        third = transcript(pki, version)
    assert third[0] != first[0]


def test_ip_address_target_without_sni():
    ca = testcerts.make_ca()
    leaf = testcerts.issue(ca, "127.0.0.1")
    client = Endpoint(client_cred([ca.certificate]), False, "127.0.0.1")
    server = Endpoint(server_cred(leaf), True)
    run_handshake(client, server)
    assert client.status == St.SEC_E_OK
    from sspi_emu import dispatcher

    assert dispatcher.contexts.get(server.ctx).pctx.engine.server_name is None  # no SNI for an address
    names = SecPkgContext_Names()
    assert client.query(C.SECPKG_ATTR_NAMES, names) == St.SEC_E_OK and names.sUserName == "CN=127.0.0.1"


@pytest.mark.contract("ISC-REQ-ALLOCATE", "ASC-REQ-ALLOCATE")
def test_allocated_tokens_are_freed():
    client, server = pair(PKI)
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, None, 0)])
    attrs = S.ULONG()
    ctx = S.CtxtHandle()
    status = S.InitializeSecurityContext(client.cred, None, "localhost", client.req, 0, 0, None, 0, ctx, out, attrs,
                                         S.TimeStamp())
    assert status == St.SEC_I_CONTINUE_NEEDED and attrs.value & C.ISC_RET_ALLOCATED_MEMORY
    hello = out[0].tobytes()
    assert S.FreeContextBuffer(out[0]) == St.SEC_E_OK
    sout = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, None, 0)])
    sattrs = S.ULONG()
    status = S.AcceptSecurityContext(server.cred, None, SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, hello), SecBuffer()]),
                                     server.req, 0, S.CtxtHandle(), sout, sattrs, S.TimeStamp())
    assert status == St.SEC_I_CONTINUE_NEEDED and sattrs.value & C.ASC_RET_ALLOCATED_MEMORY
    assert S.FreeContextBuffer(sout[0]) == St.SEC_E_OK
    assert S.FreeContextBuffer(sout[0]) == St.SEC_E_INVALID_HANDLE  # double free refused


def test_handshake_messages_fragmented_across_records():
    """A peer may split handshake messages over many small records; the engine reassembles them."""
    client = TlsClient(TlsConfig(versions=(0x0303,), server_name="localhost"))
    server = TlsServer(TlsConfig(certificate_chain=[PKI.server.certificate], private_key=PKI.server.private_key))
    client.start()
    server.feed(client.take_output())
    flight = server.take_output()
    # re-frame the plaintext TLS 1.2 flight into 7-byte records
    payload = b""
    off = 0
    while off < len(flight):
        length = int.from_bytes(flight[off + 3:off + 5], "big")
        assert flight[off] == ContentType.HANDSHAKE
        payload += flight[off + 5:off + 5 + length]
        off += 5 + length
    refragmented = b"".join(record_header(ContentType.HANDSHAKE, 0x0303, len(payload[i:i + 7])) + payload[i:i + 7]
                            for i in range(0, len(payload), 7))
    result = client.feed(refragmented)
    assert result.consumed == len(refragmented)
    assert payload[0] == HandshakeType.SERVER_HELLO
    server.feed(client.take_output())
    client.feed(server.take_output())
    assert client.complete and server.complete
