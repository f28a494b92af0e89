"""TLS 1.3 post-handshake client authentication with OpenSSL (Python's ssl): its server asks our client
(verify_client_post_handshake), and our server asks its client (post_handshake_auth = True)."""

from __future__ import annotations

import ssl

import pytest
from sspi_emu_schannel import SCH_CREDENTIALS

from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgContext_CertContext
from sspi_emu.constants import SecurityStatus as St
from tests.interop.schannel.test_schannel_python_ssl import SslPeer, client_ctx, server_ctx
from tests.packages.schannel.schannel_helpers import Endpoint, acquire

pytestmark = pytest.mark.interop


def test_python_ssl_server_asks_our_client_after_the_handshake(pem_pki):
    ctx = server_ctx(pem_pki, "1.3")
    ctx.load_verify_locations(pem_pki.ca_file)
    ctx.verify_mode = ssl.CERT_OPTIONAL  # needed for verify_client_post_handshake; nothing asked during the handshake
    ctx.post_handshake_auth = True
    peer = SslPeer(ctx, True)
    ccred = acquire(C.SECPKG_CRED_OUTBOUND, SCH_CREDENTIALS(hRootStore=[pem_pki.ca.certificate],
                                                            paCred=[pem_pki.client]))
    ours = Endpoint(ccred, False, "localhost")
    ours.extra_to_isc = True
    data = ours.start()
    for _ in range(4):
        data = ours.handshake(peer.handshake(data))
        if ours.complete:
            peer.pending = peer.handshake(data)
            break
    assert ours.status == St.SEC_E_OK and peer.done and peer.obj.getpeercert() is None
    assert ours.decrypt(peer.pending + peer.send(b"hi")) == b"hi"
    peer.obj.verify_client_post_handshake()
    request = peer.send(b"show me")  # the CertificateRequest goes out with the next write
    assert ours.decrypt(request) == b"show me" and ours.renegotiations >= 2
    answer = ours.pending_output
    assert answer and ours.attrs & C.ISC_RET_MUTUAL_AUTH
    assert peer.recv(answer + ours.encrypt(b"here"), 4) == b"here"
    cert = peer.obj.getpeercert()
    assert cert is not None and ("commonName", "client.example") in [item for rdn in cert["subject"] for item in rdn]


def test_our_server_asks_python_ssl_client(pem_pki):
    cctx = client_ctx(pem_pki, "1.3")
    cctx.load_cert_chain(pem_pki.client_cert, pem_pki.client_key)
    cctx.post_handshake_auth = True
    peer = SslPeer(cctx, False, "localhost")
    scred = acquire(C.SECPKG_CRED_INBOUND, SCH_CREDENTIALS(paCred=[pem_pki.server], hRootStore=[pem_pki.ca.certificate]))
    ours = Endpoint(scred, True)
    ours.extra_to_isc = True
    data = peer.handshake(b"")
    while not (peer.done and ours.complete) and peer.error is None:
        data = peer.handshake(ours.handshake(data))
    assert ours.complete and peer.error is None
    ours.req |= C.ASC_REQ_MUTUAL_AUTH
    status, request = ours._leg(None)
    assert status == St.SEC_E_OK and request
    assert peer.recv(ours.handshake(b"") + request + ours.encrypt(b"who are you?"), 12) == b"who are you?"
    answer = peer.send(b"the client")  # OpenSSL sends Certificate, CertificateVerify, Finished before the data
    assert ours.decrypt(answer) == b"the client"
    assert ours.renegotiations >= 1 and ours.attrs & C.ASC_RET_MUTUAL_AUTH
    info = SecPkgContext_CertContext()
    assert ours.query(C.SECPKG_ATTR_REMOTE_CERT_CONTEXT, info) == St.SEC_E_OK
    assert info.Certificate == pem_pki.client.certificate
