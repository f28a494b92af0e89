"""TLS 1.3 session resumption and the session-cache rules (target, credential handle, expiry)."""

from __future__ import annotations

import pytest
from sspi_emu_schannel import SCH_CREDENTIALS, testcerts

from sspi_emu import constants as C
from sspi_emu import entropy
from sspi_emu.attributes import SecPkgContext_CertContext, SecPkgContext_SessionInfo
from sspi_emu.constants import SecurityStatus as St
from tests.packages.schannel.schannel_helpers import Endpoint, acquire, client_cred, run_handshake


def server_cred(cert, **kw):
    return acquire(C.SECPKG_CRED_INBOUND, SCH_CREDENTIALS(paCred=[cert], issue_session_tickets=True, **kw))

PKI = testcerts.make_ca_and_server("localhost")


def connect(ccred, scred, target="localhost"):
    client, server = Endpoint(ccred, False, target), Endpoint(scred, True)
    run_handshake(client, server)
    assert client.status == St.SEC_E_OK and server.status == St.SEC_E_OK
    # the server's ticket arrives after the handshake; reading data picks it up (SEC_I_RENEGOTIATE)
    assert client.decrypt(server.encrypt(b"hello")) == b"hello"
    return client, server


def resumed(endpoint) -> bool:
    info = SecPkgContext_SessionInfo()
    assert endpoint.query(C.SECPKG_ATTR_SESSION_INFO, info) == St.SEC_E_OK
    return bool(info.dwFlags & 1)


@pytest.mark.contract("ISC-SESSION-CACHE")
def test_resumes_for_same_target_and_credential():
    ccred, scred = client_cred([PKI.ca.certificate]), server_cred(PKI.server)
    first, first_server = connect(ccred, scred)
    assert not resumed(first) and not resumed(first_server) and first.renegotiations == 1
    second, second_server = connect(ccred, scred)
    assert resumed(second) and resumed(second_server)
    remote = SecPkgContext_CertContext()
    assert second.query(C.SECPKG_ATTR_REMOTE_CERT_CONTEXT, remote) == St.SEC_E_OK
    assert remote.Certificate == PKI.server.certificate and second.expiry == first.expiry
    assert second_server.decrypt(second.encrypt(b"resumed data")) == b"resumed data"


@pytest.mark.contract("ISC-SESSION-CACHE")
def test_no_resumption_across_targets_credentials_or_after_expiry():
    ca = testcerts.make_ca()
    leaf = testcerts.issue(ca, "localhost")
    scred = server_cred(leaf)
    ccred = client_cred([ca.certificate], flags=C.SCH_CRED_NO_SERVERNAME_CHECK)
    connect(ccred, scred, "localhost")
    other_target, _ = connect(ccred, scred, "127.0.0.1")
    assert not resumed(other_target)
    other_cred, _ = connect(client_cred([ca.certificate], flags=C.SCH_CRED_NO_SERVERNAME_CHECK), scred, "localhost")
    assert not resumed(other_cred)
    # still cached for (localhost, ccred): resumes
    again, _ = connect(ccred, scred, "localhost")
    assert resumed(again)
    # an expired entry is not offered
    now = entropy.now()
    with entropy.pinned(entropy.PinnedEntropy(seed=b"later", clock=now + 11 * 3600)):
        late_server = server_cred(testcerts.issue(ca, "localhost"))
        connect(ccred, late_server, "localhost")  # fills the cache at the late time
    with entropy.pinned(entropy.PinnedEntropy(seed=b"much later", clock=now + 23 * 3600)):
        stale, _ = connect(ccred, late_server, "localhost")
        assert not resumed(stale)


def test_disable_reconnects():
    scred = server_cred(PKI.server, dwFlags=C.SCH_CRED_DISABLE_RECONNECTS)
    ccred = client_cred([PKI.ca.certificate])
    first, _ = connect(ccred, scred)
    assert first.renegotiations == 0  # no ticket issued
    second, _ = connect(ccred, scred)
    assert not resumed(second)


def test_ticket_from_another_server_is_ignored():
    ccred = client_cred([PKI.ca.certificate])
    connect(ccred, server_cred(PKI.server))
    other_server = server_cred(PKI.server)  # same certificate, another credential: another ticket key
    second, second_server = connect(ccred, other_server)
    assert not resumed(second) and not resumed(second_server)


def test_tickets_on_by_default_and_off_on_request():
    """Windows issues session tickets by default; issue_session_tickets=False (sspi-emu extension) turns them off."""
    from tests.packages.schannel.schannel_helpers import server_cred as plain_server_cred

    ccred = client_cred([PKI.ca.certificate])
    first, _ = connect(ccred, plain_server_cred(PKI.server))
    assert first.renegotiations == 1
    second, _ = connect(ccred, plain_server_cred(PKI.server))
    assert not resumed(second)  # another server credential: its ticket key differs
    off = acquire(C.SECPKG_CRED_INBOUND, SCH_CREDENTIALS(paCred=[PKI.server], issue_session_tickets=False))
    third, _ = connect(client_cred([PKI.ca.certificate]), off)
    assert third.renegotiations == 0


@pytest.mark.contract("ISC-SESSION-CACHE")
def test_tls12_session_id_resumption():
    from tests.packages.schannel.schannel_helpers import TLS_PARAMETERS

    only12 = [TLS_PARAMETERS(grbitDisabledProtocols=C.SP_PROT_TLS1_3)]
    ccred = acquire(C.SECPKG_CRED_OUTBOUND, SCH_CREDENTIALS(hRootStore=[PKI.ca.certificate], pTlsParameters=only12))
    scred = server_cred(PKI.server)
    first, first_server = connect(ccred, scred)
    assert not resumed(first)
    second, second_server = connect(ccred, scred)
    assert resumed(second) and resumed(second_server)
    assert second_server.decrypt(second.encrypt(b"abbreviated")) == b"abbreviated"
    remote = SecPkgContext_CertContext()
    assert second.query(C.SECPKG_ATTR_REMOTE_CERT_CONTEXT, remote) == St.SEC_E_OK
    # another credential does not get the session
    other = acquire(C.SECPKG_CRED_OUTBOUND, SCH_CREDENTIALS(hRootStore=[PKI.ca.certificate], pTlsParameters=only12))
    third, _ = connect(other, scred)
    assert not resumed(third)
