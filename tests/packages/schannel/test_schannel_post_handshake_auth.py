"""TLS 1.3 post-handshake client authentication: the server asks after the handshake (ASC with ASC_REQ_MUTUAL_AUTH),
the request reaches the client through DecryptMessage -> SEC_I_RENEGOTIATE, the client answers through ISC."""

from __future__ import annotations

from sspi_emu_schannel import SCH_CREDENTIALS, testcerts

from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgContext_CertContext
from sspi_emu.constants import SecurityStatus as St
from tests.packages.schannel.schannel_helpers import Endpoint, acquire, run_handshake
from tests.packages.schannel.test_schannel_post_handshake import decrypt_once, leg_with_token

PKI = testcerts.make_ca_and_server("localhost")
CLIENT = testcerts.issue(PKI.ca, "alice", client=True)
CERTIFICATE_REQUEST = 13


def connected(client_cert=CLIENT, roots=(PKI.ca.certificate,)):
    ccred = acquire(C.SECPKG_CRED_OUTBOUND, SCH_CREDENTIALS(
        hRootStore=[PKI.ca.certificate], paCred=[client_cert] if client_cert else []))
    scred = acquire(C.SECPKG_CRED_INBOUND, SCH_CREDENTIALS(paCred=[PKI.server], hRootStore=list(roots)))
    client, server = Endpoint(ccred, False, "localhost"), Endpoint(scred, True)
    client.extra_to_isc = True
    run_handshake(client, server)
    assert client.status == St.SEC_E_OK and server.status == St.SEC_E_OK
    assert client.decrypt(server.encrypt(b"welcome")) == b"welcome"  # also takes the session ticket
    server.req |= C.ASC_REQ_MUTUAL_AUTH
    return client, server


def remote_cert(ep: Endpoint) -> SecPkgContext_CertContext | None:
    info = SecPkgContext_CertContext()
    return info if ep.query(C.SECPKG_ATTR_REMOTE_CERT_CONTEXT, info) == St.SEC_E_OK else None


def test_server_asks_after_the_handshake_and_the_client_answers():
    client, server = connected()
    assert remote_cert(server) is None and not server.attrs & C.ASC_RET_MUTUAL_AUTH
    status, request = server._leg(None)
    assert status == St.SEC_E_OK and request and request[0] == 23
    status, _plain, extra = decrypt_once(client, request)
    assert status == St.SEC_I_RENEGOTIATE and extra[0] == CERTIFICATE_REQUEST
    status, answer, rest = leg_with_token(client, extra)
    assert status == St.SEC_E_OK and answer and rest == b""
    assert client.attrs & C.ISC_RET_MUTUAL_AUTH
    status, _plain, extra = decrypt_once(server, answer)
    assert status == St.SEC_I_RENEGOTIATE
    status, out, rest = leg_with_token(server, extra)
    assert status == St.SEC_E_OK and out == b"" and rest == b""
    assert server.attrs & C.ASC_RET_MUTUAL_AUTH
    cert = remote_cert(server)
    assert cert is not None and cert.Certificate == CLIENT.certificate
    assert server.decrypt(client.encrypt(b"as alice")) == b"as alice"
    assert client.decrypt(server.encrypt(b"hello alice")) == b"hello alice"
    # asked once: a later leg with the same flags sends nothing
    status, again = server._leg(None)
    assert status == St.SEC_E_OK and again == b""


def test_client_certificate_from_an_untrusted_ca_is_refused():
    other_ca = testcerts.make_ca("another CA")
    stranger = testcerts.issue(other_ca, "mallory", client=True)
    client, server = connected(client_cert=stranger)
    _status, request = server._leg(None)
    _status, _plain, extra = decrypt_once(client, request)
    _status, answer, _rest = leg_with_token(client, extra)
    status, _plain, _extra = decrypt_once(server, answer)
    assert status.is_error and status != St.SEC_E_INTERNAL_ERROR
    assert remote_cert(server) is None


def test_no_request_to_a_client_that_did_not_offer():
    """A client without a certificate does not offer post_handshake_auth: the server's leg sends nothing."""
    client, server = connected(client_cert=None)
    status, token = server._leg(None)
    assert status == St.SEC_E_OK and token == b""
    assert client.decrypt(server.encrypt(b"still fine")) == b"still fine"


def test_tampered_finished_is_refused():
    client, server = connected()
    _status, request = server._leg(None)
    _status, _plain, extra = decrypt_once(client, request)
    from sspi_emu import dispatcher

    seng = dispatcher.contexts.get(server.ctx).pctx.engine
    ceng = dispatcher.contexts.get(client.ctx).pctx.engine
    ceng._client_app_secret = bytes(len(ceng._client_app_secret))  # the client keys its Finished wrongly
    write = ceng.write
    _status, answer, _rest = leg_with_token(client, extra)
    assert write is ceng.write
    status, _plain, _extra = decrypt_once(server, answer)
    assert status.is_error and status != St.SEC_E_INTERNAL_ERROR
    assert not seng.peer_chain


def test_unsolicited_certificate_request_is_refused_by_a_client_that_did_not_offer():
    from sspi_emu_schannel.tls.constants import ContentType
    from sspi_emu_schannel.tls.messages import CertificateRequest13, frame

    from sspi_emu import dispatcher

    client, server = connected(client_cert=None)
    seng = dispatcher.contexts.get(server.ctx).pctx.engine
    bogus = seng.write.seal(ContentType.HANDSHAKE, frame(CERTIFICATE_REQUEST, CertificateRequest13(b"x", []).encode()))
    status, _plain, _extra = decrypt_once(client, bogus)
    assert status.is_error and status != St.SEC_E_INTERNAL_ERROR



class PkgParamsClient(Endpoint):
    """A client that adds a SECBUFFER_PKG_PARAMS input buffer to every ISC leg."""

    params: bytes | None = None

    def _leg(self, pin):
        from sspi_emu.buffers import SecBuffer, SecBufferDesc

        if self.params is not None and not self.server:
            bufs = list(pin) if pin is not None else []
            bufs.append(SecBuffer(C.SECBUFFER_PKG_PARAMS, self.params))
            pin = SecBufferDesc(bufs)
        return super()._leg(pin)


BOB = testcerts.issue(PKI.ca, "bob", client=True)


def _mutual_pair(params: bytes | None, supplied: bool):
    from tests.packages.schannel.schannel_helpers import CLIENT_REQ

    ccred = acquire(C.SECPKG_CRED_OUTBOUND, SCH_CREDENTIALS(hRootStore=[PKI.ca.certificate], paCred=[CLIENT, BOB]))
    scred = acquire(C.SECPKG_CRED_INBOUND, SCH_CREDENTIALS(paCred=[PKI.server], hRootStore=[PKI.ca.certificate]))
    req = CLIENT_REQ | (C.ISC_REQ_USE_SUPPLIED_CREDS if supplied else 0)
    client = PkgParamsClient(ccred, False, "localhost", req)
    client.params = params
    client.extra_to_isc = True
    return client, scred


def test_pkg_params_choose_the_certificate_in_the_handshake():
    from tests.packages.schannel.schannel_helpers import SERVER_REQ

    for params, supplied, expected in ((b"\x01\x00\x00\x00", True, BOB), (None, True, CLIENT),
                                       (b"\x01\x00\x00\x00", False, CLIENT)):
        client, scred = _mutual_pair(params, supplied)
        server = Endpoint(scred, True, None, SERVER_REQ | C.ASC_REQ_MUTUAL_AUTH)
        run_handshake(client, server)
        assert client.status == St.SEC_E_OK and server.status == St.SEC_E_OK
        cert = remote_cert(server)
        assert cert is not None and cert.Certificate == expected.certificate, (params, supplied)


def test_pkg_params_none_sends_no_certificate_and_bad_index_is_refused():
    from tests.packages.schannel.schannel_helpers import SERVER_REQ

    client, scred = _mutual_pair(b"\xff\xff\xff\xff", True)
    server = Endpoint(scred, True, None, SERVER_REQ | C.ASC_REQ_MUTUAL_AUTH)
    run_handshake(client, server)
    assert server.status == St.SEC_E_LOGON_DENIED
    client, _ = _mutual_pair(b"\x07\x00\x00\x00", True)
    status, _token = client._leg(None)
    assert status == St.SEC_E_NO_CREDENTIALS
    client, _ = _mutual_pair(b"\x01", True)
    status, _token = client._leg(None)
    assert status == St.SEC_E_INVALID_PARAMETER


def test_pkg_params_choose_the_certificate_after_the_handshake():
    client, scred = _mutual_pair(b"\x01\x00\x00\x00", True)
    server = Endpoint(scred, True)
    run_handshake(client, server)
    assert client.decrypt(server.encrypt(b"x")) == b"x"
    server.req |= C.ASC_REQ_MUTUAL_AUTH
    _status, request = server._leg(None)
    assert client.decrypt(request) == b""
    assert server.decrypt(client.pending_output) == b""
    cert = remote_cert(server)
    assert cert is not None and cert.Certificate == BOB.certificate
