"""Schannel handshakes through the C-shaped API: versions, attributes, flags, failures, alerts, buffers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sspi_emu_schannel import SCH_CREDENTIALS, SCHANNEL_CRED, CertContext, testcerts

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.attributes import (
    SecPkgContext_CertContext,
    SecPkgContext_CipherInfo,
    SecPkgContext_ConnectionInfo,
    SecPkgContext_Names,
    SecPkgContext_PackageInfo,
    SecPkgContext_Sizes,
    SecPkgContext_StreamSizes,
)
from sspi_emu.buffers import SecBuffer, SecBufferDesc
from sspi_emu.constants import SecurityStatus as St
from sspi_emu.entropy import unix_to_filetime
from tests.packages.schannel.schannel_helpers import (
    CLIENT_REQ,
    SERVER_REQ,
    Endpoint,
    acquire,
    client_cred,
    pair,
    run_handshake,
    server_cred,
)


@pytest.fixture(scope="module")
def pki():
    return testcerts.make_ca_and_server("localhost")


@pytest.fixture(scope="module")
def rsa_pki():
    return testcerts.make_ca_and_server("rsa.example", key_kind="rsa2048")


def established(pki, version=None, target="localhost"):
    client, server = pair(pki, target=target, version=version)
    run_handshake(client, server)
    assert client.status == St.SEC_E_OK and server.status == St.SEC_E_OK
    return client, server


@pytest.mark.contract("ISC-RET-CONTINUE", "ASC-RET-CONTINUE", "ISC-CTX-NEXT", "ISC-REQ-STREAM", "API-SEAL",
                      "ISC-REQ-CONFIDENTIALITY", "ASC-REQ-FLAGS")
@pytest.mark.parametrize("version", ["1.3", "1.2"])
def test_handshake_and_application_data(pki, version):
    client, server = established(pki, version)
    assert client.complete and server.complete
    assert server.decrypt(client.encrypt(b"ping")) == b"ping"
    assert client.decrypt(server.encrypt(b"pong" * 5000)) == b"pong" * 5000
    assert client.attrs & C.ISC_RET_STREAM and client.attrs & C.ISC_RET_CONFIDENTIALITY
    assert server.attrs & C.ASC_RET_STREAM and server.attrs & C.ASC_RET_CONFIDENTIALITY
    wanted = C.ASC_RET_REPLAY_DETECT | C.ASC_RET_SEQUENCE_DETECT | C.ASC_RET_EXTENDED_ERROR
    assert server.attrs & wanted == wanted


@pytest.mark.parametrize("version", ["1.3", "1.2"])
def test_rsa_server_certificate(rsa_pki, version):
    client, server = established(rsa_pki, version, target="rsa.example")
    info = SecPkgContext_CipherInfo()
    assert client.query(C.SECPKG_ATTR_CIPHER_INFO, info) == St.SEC_E_OK
    assert info.szCertificate == "RSA"
    if version == "1.2":
        assert info.szCipherSuite.startswith("TLS_ECDHE_RSA_WITH_")
    assert server.decrypt(client.encrypt(b"x")) == b"x"


@pytest.mark.contract("ISC-RET-OK-TOKEN")
def test_tls13_client_final_leg_ok_with_token(pki):
    client, server = pair(pki, version="1.3")
    flight = server.handshake(client.start())
    fin = client.handshake(flight)
    assert client.status == St.SEC_E_OK and fin  # the client Finished must still be sent
    server.handshake(fin)
    assert server.status == St.SEC_E_OK


@pytest.mark.contract("ASC-OUTPUT-ON-OK")
def test_tls12_server_final_leg_ok_with_token(pki):
    client, server = pair(pki, version="1.2")
    to_client = server.handshake(client.start())
    to_server = client.handshake(to_client)
    assert client.status == St.SEC_I_CONTINUE_NEEDED
    final = server.handshake(to_server)
    assert server.status == St.SEC_E_OK and final  # ChangeCipherSpec + Finished with SEC_E_OK
    client.handshake(final)
    assert client.status == St.SEC_E_OK


@pytest.mark.contract("API-QUERY-SIZES")
@pytest.mark.parametrize("version,header,trailer", [("1.3", 5, 17), ("1.2", 13, 16)])
def test_stream_sizes_are_what_encrypt_uses(pki, version, header, trailer):
    client, server = established(pki, version)
    sizes = SecPkgContext_StreamSizes()
    assert client.query(C.SECPKG_ATTR_STREAM_SIZES, sizes) == St.SEC_E_OK
    assert (sizes.cbHeader, sizes.cbTrailer, sizes.cbMaximumMessage, sizes.cBuffers) == (header, trailer, 16384, 4)
    record = client.encrypt(b"a" * 100)
    assert len(record) == header + 100 + trailer
    generic = SecPkgContext_Sizes()
    assert client.query(C.SECPKG_ATTR_SIZES, generic) == St.SEC_E_OK
    assert generic.cbSecurityTrailer == header + trailer


@pytest.mark.parametrize("version,protocol", [("1.3", C.SP_PROT_TLS1_3_CLIENT), ("1.2", C.SP_PROT_TLS1_2_CLIENT)])
def test_connection_info(pki, version, protocol):
    client, server = established(pki, version)
    info = SecPkgContext_ConnectionInfo()
    assert client.query(C.SECPKG_ATTR_CONNECTION_INFO, info) == St.SEC_E_OK
    assert info.dwProtocol == protocol
    assert info.aiCipher == 0x6610 and info.dwCipherStrength == 256  # AES-256-GCM preferred
    assert info.aiExch == 0xAE06 and info.aiHash == 0x800D
    sinfo = SecPkgContext_ConnectionInfo()
    assert server.query(C.SECPKG_ATTR_CONNECTION_INFO, sinfo) == St.SEC_E_OK
    assert sinfo.dwProtocol == protocol >> 1
    cipher = SecPkgContext_CipherInfo()
    assert client.query(C.SECPKG_ATTR_CIPHER_INFO, cipher) == St.SEC_E_OK
    assert cipher.dwProtocol == (0x0304 if version == "1.3" else 0x0303)
    assert cipher.szCertificate == "ECDSA" and cipher.szExchange == "ECDHE"


@pytest.mark.contract("ISC-EXPIRY", "ASC-EXPIRY")
def test_certificates_and_expiry(pki):
    client, server = established(pki)
    remote = SecPkgContext_CertContext()
    assert client.query(C.SECPKG_ATTR_REMOTE_CERT_CONTEXT, remote) == St.SEC_E_OK
    assert remote.Certificate == pki.server.certificate
    local = SecPkgContext_CertContext()
    assert server.query(C.SECPKG_ATTR_LOCAL_CERT_CONTEXT, local) == St.SEC_E_OK
    assert local.Certificate == pki.server.certificate
    assert server.query(C.SECPKG_ATTR_REMOTE_CERT_CONTEXT, SecPkgContext_CertContext()) == St.SEC_E_NO_CREDENTIALS
    assert client.expiry == unix_to_filetime(pki.server.certificate.not_valid_after_utc.timestamp())
    assert server.expiry == C.TIMESTAMP_NEVER
    info = SecPkgContext_PackageInfo()
    assert client.query(C.SECPKG_ATTR_PACKAGE_INFO, info) == St.SEC_E_OK
    assert info.PackageInfo.Name == "Schannel" and info.PackageInfo.wRPCID == 14


def test_package_registered_with_alias():
    box = S.Box()
    assert S.QuerySecurityPackageInfo("Microsoft Unified Security Protocol Provider", box) == St.SEC_E_OK
    assert box.value.wRPCID == C.UNISP_RPC_ID and box.value.Name == "Schannel"


@pytest.mark.contract("ISC-TARGET-SCHANNEL")
def test_sni_carries_target_name(pki):
    client, server = established(pki)
    from sspi_emu import dispatcher

    rec = dispatcher.contexts.get(server.ctx)
    assert rec.pctx.engine.server_name == "localhost"


@pytest.mark.contract("ISC-ERR-WRONG-PRINCIPAL", "ISC-TARGET-SCHANNEL", "ISC-ALERT", "ISC-FAILED-DELETE")
def test_wrong_name(pki):
    client, server = pair(pki, target="other.example")
    run_handshake(client, server)
    assert client.status == St.SEC_E_WRONG_PRINCIPAL
    assert client.alert[:1] == b"\x15" or client.alert[:1] == b"\x17"  # an alert record (protected in TLS 1.3)
    assert server.status.is_error  # the server got the alert
    assert S.DeleteSecurityContext(client.ctx) == St.SEC_E_OK


def test_untrusted_root(pki):
    other = testcerts.make_ca_and_server("localhost")
    client, server = pair(other, roots=[pki.ca.certificate])
    run_handshake(client, server)
    assert client.status == St.SEC_E_UNTRUSTED_ROOT
    assert client.alert


def test_expired_certificate(pki):
    now = pki.ca.certificate.not_valid_before_utc + timedelta(hours=2)
    leaf = testcerts.issue(pki.ca, "localhost", not_before=now - timedelta(days=10), not_after=now - timedelta(days=1))
    client = Endpoint(client_cred([pki.ca.certificate]), False, "localhost")
    server = Endpoint(server_cred(leaf), True)
    run_handshake(client, server)
    assert client.status == St.SEC_E_CERT_EXPIRED


@pytest.mark.contract("ISC-REQ-MANUAL-CRED")
def test_manual_validation_skips_checks(pki):
    other = testcerts.make_ca_and_server("somewhere.else")
    client = Endpoint(client_cred([]), False, "localhost", CLIENT_REQ | C.ISC_REQ_MANUAL_CRED_VALIDATION)
    server = Endpoint(server_cred(other.server), True)
    run_handshake(client, server)
    assert client.status == St.SEC_E_OK
    assert client.attrs & C.ISC_RET_MANUAL_CRED_VALIDATION
    client2 = Endpoint(client_cred([], flags=C.SCH_CRED_MANUAL_CRED_VALIDATION), False, "localhost")
    server2 = Endpoint(server_cred(other.server), True)
    run_handshake(client2, server2)
    assert client2.status == St.SEC_E_OK


def test_no_servername_check_flag(pki):
    client = Endpoint(client_cred([pki.ca.certificate], flags=C.SCH_CRED_NO_SERVERNAME_CHECK), False, "wrong.name")
    server = Endpoint(server_cred(pki.server), True)
    run_handshake(client, server)
    assert client.status == St.SEC_E_OK


@pytest.mark.contract("ASC-ALERT")
def test_server_alert_buffer_on_version_mismatch(pki):
    client = Endpoint(client_cred([pki.ca.certificate], "1.2"), False, "localhost")
    server = Endpoint(server_cred(pki.server, "1.3"), True)
    server.handshake(client.start())
    assert server.status == St.SEC_E_UNSUPPORTED_FUNCTION
    assert server.alert == bytes.fromhex("15030300020246")  # fatal protocol_version
    client.handshake(server.alert)
    assert client.status == St.SEC_E_ILLEGAL_MESSAGE


def test_legacy_schannel_cred(pki):
    for version in ("1.2", "1.3"):
        client = Endpoint(client_cred([pki.ca.certificate], version, legacy=True), False, "localhost")
        server = Endpoint(server_cred(pki.server), True)
        run_handshake(client, server)
        info = SecPkgContext_ConnectionInfo()
        assert client.query(C.SECPKG_ATTR_CONNECTION_INFO, info) == St.SEC_E_OK
        assert info.dwProtocol == (C.SP_PROT_TLS1_2_CLIENT if version == "1.2" else C.SP_PROT_TLS1_3_CLIENT)


def test_only_old_protocols_enabled_is_refused(pki):
    cred = acquire(C.SECPKG_CRED_OUTBOUND, SCHANNEL_CRED(grbitEnabledProtocols=C.SP_PROT_TLS1_0_CLIENT))
    status = S.InitializeSecurityContext(cred, None, "localhost", CLIENT_REQ, 0, 0, None, 0, S.CtxtHandle(),
                                         SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, None, 0)]), S.ULONG(), S.TimeStamp())
    assert status == St.SEC_E_ALGORITHM_MISMATCH


def test_server_credential_needs_a_key(pki):
    cert_only = CertContext(pki.server.certificate)
    status = S.AcquireCredentialsHandle(None, "Schannel", C.SECPKG_CRED_INBOUND, None,
                                        SCH_CREDENTIALS(paCred=[cert_only]), None, None, S.CredHandle(), S.TimeStamp())
    assert status == St.SEC_E_NO_CREDENTIALS
    status = S.AcquireCredentialsHandle(None, "Schannel", C.SECPKG_CRED_INBOUND, None, "nonsense", None, None,
                                        S.CredHandle(), S.TimeStamp())
    assert status == St.SEC_E_UNKNOWN_CREDENTIALS


@pytest.mark.contract("ISC-RET-EXTRA", "ASC-EXTRA")
def test_application_data_after_final_flight_is_extra(pki):
    client, server = pair(pki, version="1.3")
    flight = server.handshake(client.start())
    fin = client.handshake(flight)
    assert client.status == St.SEC_E_OK
    early = client.encrypt(b"first request")
    server.handshake(fin + early)
    assert server.status == St.SEC_E_OK
    assert server.extra_reports[-1] == len(early)
    assert server.decrypt(b"") == b"first request"


@pytest.mark.contract("ISC-RET-INCOMPLETE-MESSAGE", "ASC-RET-INCOMPLETE-MESSAGE", "ASC-INPUT-TOKEN-EMPTY")
@pytest.mark.parametrize("version", ["1.3", "1.2"])
def test_byte_at_a_time(pki, version):
    """Every byte fed separately: MISSING counts are exact, nothing is lost, data flows afterwards."""
    from sspi_emu_schannel.tls.records import record_need

    client, server = pair(pki, version=version)
    to_server = client.start()
    for _ in range(6):
        to_client = b""
        for byte in to_server:
            before = len(server.missing_reports)
            to_client += server.handshake(bytes([byte]))
            if len(server.missing_reports) > before:
                assert server.status == St.SEC_E_INCOMPLETE_MESSAGE
                # exactly what the partial record still needs (5 - n for a partial header)
                assert server.missing_reports[-1] == record_need(bytes(server.inbuf))
        to_server = b""
        for byte in to_client:
            before = len(client.missing_reports)
            to_server += client.handshake(bytes([byte]))
            if len(client.missing_reports) > before:
                assert client.missing_reports[-1] == record_need(bytes(client.inbuf))
        if client.complete and server.complete:
            if to_server:
                for byte in to_server:
                    server.handshake(bytes([byte]))
            break
        if client.complete:
            for byte in to_server:
                server.handshake(bytes([byte]))
            break
    assert client.complete and server.complete
    # MISSING is exact: at a record boundary the header is missing (5), then the body.
    assert 5 in server.missing_reports and 5 in client.missing_reports
    record = client.encrypt(b"hello, byte by byte")
    got = b""
    for i, byte in enumerate(record):
        before = len(server.missing_reports)
        got += server.decrypt(bytes([byte]))
        if i < len(record) - 1:
            assert server.status == St.SEC_E_INCOMPLETE_MESSAGE
            expected = 5 - (i + 1) if i + 1 < 5 else len(record) - (i + 1)
            assert server.missing_reports[-1] == expected, (i, server.missing_reports[-1])
            assert len(server.missing_reports) == before + 1
    assert got == b"hello, byte by byte"


@pytest.mark.contract("ISC-ERR-INVALID-TOKEN", "ASC-ERR-INVALID-TOKEN")
def test_garbage_is_invalid_token(pki):
    server = Endpoint(server_cred(pki.server), True)
    server.handshake(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert server.status == St.SEC_E_INVALID_TOKEN
    client, server2 = pair(pki)
    client.start()
    client.handshake(b"\x00" * 64)
    assert client.status == St.SEC_E_INVALID_TOKEN


@pytest.mark.contract("API-SHUTDOWN")
@pytest.mark.parametrize("version", ["1.3", "1.2"])
def test_shutdown_close_notify(pki, version):
    client, server = established(pki, version)
    close = client.shutdown()
    assert close
    assert server.decrypt(close) == b""
    assert server.status == St.SEC_I_CONTEXT_EXPIRED


@pytest.mark.contract("ASC-REQ-MUTUAL", "ISC-REQ-MUTUAL", "ASC-TOKEN-USER", "ASC-ERR-LOGON-DENIED")
def test_server_requires_client_certificate(pki):
    client_leaf = testcerts.issue(pki.ca, "client.example", client=True)
    ccred = acquire(C.SECPKG_CRED_OUTBOUND, SCH_CREDENTIALS(paCred=[client_leaf], hRootStore=[pki.ca.certificate]))
    scred = acquire(C.SECPKG_CRED_INBOUND, SCH_CREDENTIALS(paCred=[pki.server], hRootStore=[pki.ca.certificate]))
    for version in ("1.3", "1.2"):
        from tests.packages.schannel.schannel_helpers import TLS_PARAMETERS, protocols_only

        ccred = acquire(C.SECPKG_CRED_OUTBOUND, SCH_CREDENTIALS(
            paCred=[client_leaf], hRootStore=[pki.ca.certificate],
            pTlsParameters=[TLS_PARAMETERS(grbitDisabledProtocols=protocols_only(version, False))]))
        client = Endpoint(ccred, False, "localhost")
        server = Endpoint(scred, True, None, SERVER_REQ | C.ASC_REQ_MUTUAL_AUTH)
        run_handshake(client, server)
        assert client.status == St.SEC_E_OK and server.status == St.SEC_E_OK, version
        assert server.attrs & C.ASC_RET_MUTUAL_AUTH
        assert client.attrs & C.ISC_RET_MUTUAL_AUTH
        local = SecPkgContext_CertContext()
        assert client.query(C.SECPKG_ATTR_LOCAL_CERT_CONTEXT, local) == St.SEC_E_OK
        assert local.Certificate == client_leaf.certificate
        remote = SecPkgContext_CertContext()
        assert server.query(C.SECPKG_ATTR_REMOTE_CERT_CONTEXT, remote) == St.SEC_E_OK
        assert remote.Certificate == client_leaf.certificate
        names = SecPkgContext_Names()
        assert server.query(C.SECPKG_ATTR_NAMES, names) == St.SEC_E_OK and names.sUserName == "CN=client.example"
        assert server.expiry == unix_to_filetime(client_leaf.certificate.not_valid_after_utc.timestamp())
    # without a client certificate: SEC_I_INCOMPLETE_CREDENTIALS, then (going on without one) the server refuses
    client = Endpoint(client_cred([pki.ca.certificate]), False, "localhost")
    server = Endpoint(scred, True, None, SERVER_REQ | C.ASC_REQ_MUTUAL_AUTH)
    run_handshake(client, server)
    assert client.incomplete_credentials == 1
    assert server.status == St.SEC_E_LOGON_DENIED
    assert not client.attrs & C.ISC_RET_MUTUAL_AUTH
    # a client certificate from a CA the server does not trust is rejected too
    stranger = testcerts.issue(testcerts.make_ca(), "client.example", client=True)
    client = Endpoint(acquire(C.SECPKG_CRED_OUTBOUND, SCH_CREDENTIALS(paCred=[stranger], hRootStore=[pki.ca.certificate])),
                      False, "localhost")
    server = Endpoint(scred, True, None, SERVER_REQ | C.ASC_REQ_MUTUAL_AUTH)
    run_handshake(client, server)
    assert server.status == St.SEC_E_LOGON_DENIED


@pytest.mark.contract("ISC-REQ-CALLER-BUFFER")
def test_caller_buffer_too_small(pki):
    cred = client_cred([pki.ca.certificate])
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, bytearray(10))])
    status = S.InitializeSecurityContext(cred, None, "localhost", CLIENT_REQ & ~C.ISC_REQ_ALLOCATE_MEMORY, 0, 0, None, 0,
                                         S.CtxtHandle(), out, S.ULONG(), S.TimeStamp())
    assert status == St.SEC_E_BUFFER_TOO_SMALL
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, bytearray(4096))])
    status = S.InitializeSecurityContext(cred, None, "localhost", CLIENT_REQ & ~C.ISC_REQ_ALLOCATE_MEMORY, 0, 0, None, 0,
                                         S.CtxtHandle(), out, S.ULONG(), S.TimeStamp())
    assert status == St.SEC_I_CONTINUE_NEEDED and out[0].tobytes()[:1] == b"\x16"


@pytest.mark.contract("ISC-DREP")
def test_network_drep_accepted(pki):
    cred = client_cred([pki.ca.certificate])
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, None, 0)])
    status = S.InitializeSecurityContext(cred, None, "localhost", CLIENT_REQ, 0, C.SECURITY_NETWORK_DREP, None, 0,
                                         S.CtxtHandle(), out, S.ULONG(), S.TimeStamp())
    assert status == St.SEC_I_CONTINUE_NEEDED


def test_hello_retry_request_engine():
    """A server without the client's key-share group asks for another (HelloRetryRequest)."""
    from sspi_emu_schannel.tls.client import TlsClient
    from sspi_emu_schannel.tls.config import TlsConfig
    from sspi_emu_schannel.tls.server import TlsServer

    pki = testcerts.make_ca_and_server("localhost", "p384")
    for group in (0x0017, 0x0018):
        client = TlsClient(TlsConfig(server_name="localhost"))
        server = TlsServer(TlsConfig(groups=(group,), certificate_chain=[pki.server.certificate],
                                     private_key=pki.server.private_key))
        client.start()
        server.feed(client.take_output())
        hrr = server.take_output()
        assert bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c") in hrr
        client.feed(hrr)
        server.feed(client.take_output())
        client.feed(server.take_output())
        server.feed(client.take_output())
        assert client.complete and server.complete and client.group == group
        assert client.peer_scheme == 0x0503


@pytest.mark.parametrize("suite", [0x1301, 0x1302, 0x1303, 0xC02B, 0xC02C, 0xCCA9, 0xC02F, 0xC030, 0xCCA8])
def test_every_cipher_suite_engine(suite):
    from sspi_emu_schannel.tls.client import TlsClient
    from sspi_emu_schannel.tls.config import TlsConfig
    from sspi_emu_schannel.tls.constants import ContentType
    from sspi_emu_schannel.tls.server import TlsServer

    kind = "rsa2048" if suite in (0xC02F, 0xC030, 0xCCA8) else "p256"
    pki = _pki_cache.setdefault(kind, testcerts.make_ca_and_server("localhost", kind))
    client = TlsClient(TlsConfig(cipher_suites=(suite,), versions=(0x0304, 0x0303)))
    server = TlsServer(TlsConfig(cipher_suites=(suite,), certificate_chain=[pki.server.certificate],
                                 private_key=pki.server.private_key))
    client.start()
    while not (client.complete and server.complete):
        server.feed(client.take_output())
        client.feed(server.take_output())
    server.feed(client.take_output())
    assert client.suite.code == suite == server.suite.code
    assert client.extended_master_secret == (suite < 0x1300 or suite > 0x1303) or client.version == 0x0304
    rec = client.write.seal(ContentType.APPLICATION_DATA, b"data")
    assert server.read.open(0, rec) == (ContentType.APPLICATION_DATA, b"data")


_pki_cache: dict = {}


def _negotiated(ccred_data, version_server=None):
    from sspi_emu.attributes import SecPkgContext_CipherInfo, SecPkgContext_ConnectionInfo

    client = Endpoint(acquire(C.SECPKG_CRED_OUTBOUND, ccred_data), False, "localhost")
    server = Endpoint(server_cred(_policy_pki.server, version_server), True)
    run_handshake(client, server)
    assert client.status == St.SEC_E_OK, client.status
    info, conn = SecPkgContext_CipherInfo(), SecPkgContext_ConnectionInfo()
    client.query(C.SECPKG_ATTR_CIPHER_INFO, info)
    client.query(C.SECPKG_ATTR_CONNECTION_INFO, conn)
    return info, conn


_policy_pki = testcerts.make_ca_and_server("localhost")


def test_disabled_crypto_settings():
    from sspi_emu_schannel import CRYPTO_SETTINGS, TLS_PARAMETERS

    roots = [_policy_pki.ca.certificate]
    no_aes = SCH_CREDENTIALS(hRootStore=roots, pTlsParameters=[TLS_PARAMETERS(pDisabledCrypto=[
        CRYPTO_SETTINGS(eAlgorithmUsage=2, strCngAlgId="AES")])])
    info, _ = _negotiated(no_aes)
    assert info.szCipherSuite == "TLS_CHACHA20_POLY1305_SHA256"
    aes128_only = SCH_CREDENTIALS(hRootStore=roots, pTlsParameters=[TLS_PARAMETERS(pDisabledCrypto=[
        CRYPTO_SETTINGS(eAlgorithmUsage=2, strCngAlgId="AES", dwMaxBitLength=128),
        CRYPTO_SETTINGS(eAlgorithmUsage=2, strCngAlgId="CHACHA20_POLY1305")])])
    info, _ = _negotiated(aes128_only)
    assert info.szCipherSuite == "TLS_AES_128_GCM_SHA256"
    no_x25519 = SCH_CREDENTIALS(hRootStore=roots, pTlsParameters=[TLS_PARAMETERS(pDisabledCrypto=[
        CRYPTO_SETTINGS(eAlgorithmUsage=0, strCngAlgId="CURVE25519")])])
    _, conn = _negotiated(no_x25519)
    assert conn.dwExchStrength == 256  # secp256r1
    tls12_chacha = SCH_CREDENTIALS(hRootStore=roots, pTlsParameters=[TLS_PARAMETERS(
        grbitDisabledProtocols=C.SP_PROT_TLS1_3, pDisabledCrypto=[CRYPTO_SETTINGS(eAlgorithmUsage=2, strCngAlgId="AES")])])
    info, _ = _negotiated(tls12_chacha)
    assert info.szCipherSuite == "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"


def test_legacy_cipher_strength_and_algorithms():
    roots = [_policy_pki.ca.certificate]
    info, _ = _negotiated(SCHANNEL_CRED(hRootStore=roots, dwMaximumCipherStrength=128))
    assert info.szCipherSuite == "TLS_AES_128_GCM_SHA256"
    info, _ = _negotiated(SCHANNEL_CRED(hRootStore=roots, palgSupportedAlgs=[0x660E],
                                        grbitEnabledProtocols=C.SP_PROT_TLS1_2_CLIENT))
    assert info.szCipherSuite == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"


def test_everything_disabled_is_algorithm_mismatch():
    from sspi_emu_schannel import CRYPTO_SETTINGS, TLS_PARAMETERS

    data = SCH_CREDENTIALS(pTlsParameters=[TLS_PARAMETERS(pDisabledCrypto=[
        CRYPTO_SETTINGS(eAlgorithmUsage=0, strCngAlgId="ECDH")])])
    cred = acquire(C.SECPKG_CRED_OUTBOUND, data)
    status = S.InitializeSecurityContext(cred, None, "localhost", CLIENT_REQ, 0, 0, None, 0, S.CtxtHandle(),
                                         SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, None, 0)]), S.ULONG(), S.TimeStamp())
    assert status == St.SEC_E_ALGORITHM_MISMATCH


@pytest.mark.contract("ISC-REQ-UNSUPPORTED", "ASC-ERR-UNSUPPORTED")
def test_unsupported_request_flags(pki):
    cred = client_cred([pki.ca.certificate])
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, None, 0)])
    status = S.InitializeSecurityContext(cred, None, "localhost", CLIENT_REQ | C.ISC_REQ_DATAGRAM, 0, 0, None, 0,
                                         S.CtxtHandle(), out, S.ULONG(), S.TimeStamp())
    assert status == St.SEC_E_UNSUPPORTED_FUNCTION
    hello = Endpoint(cred, False, "localhost").start()
    status = S.AcceptSecurityContext(server_cred(pki.server), None,
                                     SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, hello), SecBuffer()]),
                                     SERVER_REQ | C.ASC_REQ_DELEGATE, 0, S.CtxtHandle(),
                                     SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, None, 0)]), S.ULONG(), S.TimeStamp())
    assert status == St.SEC_E_UNSUPPORTED_FUNCTION


@pytest.mark.contract("API-DELETE")
def test_deleted_context_is_invalid(pki):
    client, server = established(pki)
    ctx = client.ctx
    assert S.DeleteSecurityContext(ctx) == St.SEC_E_OK
    bufs = SecBufferDesc([SecBuffer(C.SECBUFFER_STREAM_HEADER, 5), SecBuffer(C.SECBUFFER_DATA, b"x"),
                          SecBuffer(C.SECBUFFER_STREAM_TRAILER, 17), SecBuffer()])
    assert S.EncryptMessage(ctx, 0, bufs, 0) == St.SEC_E_INVALID_HANDLE
    assert S.QueryContextAttributes(ctx, C.SECPKG_ATTR_STREAM_SIZES, SecPkgContext_StreamSizes()) == St.SEC_E_INVALID_HANDLE


def test_credential_expiry_is_certificate_expiry(pki):
    expiry = S.TimeStamp()
    status = S.AcquireCredentialsHandle(None, "Schannel", C.SECPKG_CRED_INBOUND, None, SCH_CREDENTIALS(paCred=[pki.server]),
                                        None, None, S.CredHandle(), expiry)
    assert status == St.SEC_E_OK
    assert expiry.value == unix_to_filetime(pki.server.certificate.not_valid_after_utc.timestamp())


@pytest.mark.contract("ISC-RET-INCOMPLETE-CREDS", "ISC-REQ-USE-SUPPLIED-CREDS")
@pytest.mark.parametrize("version", ["1.3", "1.2"])
@pytest.mark.parametrize("repeat_input", [False, True])
def test_incomplete_credentials_then_new_credential(pki, version, repeat_input):
    """The server asks for a certificate the credential lacks: SEC_I_INCOMPLETE_CREDENTIALS, ISSUER_LIST_EX names
    the CAs the server trusts, and a new credential with a certificate completes the same handshake."""
    from sspi_emu.attributes import SecPkgContext_IssuerListInfoEx
    from tests.packages.schannel.schannel_helpers import TLS_PARAMETERS, protocols_only

    client_leaf = testcerts.issue(pki.ca, "client.example", client=True)
    params = [TLS_PARAMETERS(grbitDisabledProtocols=protocols_only(version, False))]
    scred = acquire(C.SECPKG_CRED_INBOUND, SCH_CREDENTIALS(paCred=[pki.server], hRootStore=[pki.ca.certificate]))
    client = Endpoint(client_cred([pki.ca.certificate], version), False, "localhost")
    server = Endpoint(scred, True, None, SERVER_REQ | C.ASC_REQ_MUTUAL_AUTH)
    flight = server.handshake(client.start())
    # first look at the pause itself through the C API
    tok, empty = SecBuffer(C.SECBUFFER_TOKEN, flight), SecBuffer(C.SECBUFFER_EMPTY, None, 0)
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, None, 0)])
    status = S.InitializeSecurityContext(client.cred, client.ctx, "localhost", client.req, 0, 0,
                                         SecBufferDesc([tok, empty]), 0, None, out, S.ULONG(), S.TimeStamp())
    assert status == St.SEC_I_INCOMPLETE_CREDENTIALS and not out[0].tobytes()
    issuers = SecPkgContext_IssuerListInfoEx()
    assert client.query(C.SECPKG_ATTR_ISSUER_LIST_EX, issuers) == St.SEC_E_OK
    assert issuers.aIssuers == [pki.ca.certificate.subject.public_bytes()]
    # then continue with a credential that has a certificate
    new_cred = acquire(C.SECPKG_CRED_OUTBOUND, SCH_CREDENTIALS(paCred=[client_leaf], hRootStore=[pki.ca.certificate],
                                                               pTlsParameters=params))
    pin = None
    if repeat_input:
        pin = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, flight), SecBuffer(C.SECBUFFER_EMPTY, None, 0)])
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, None, 0)])
    status = S.InitializeSecurityContext(new_cred, client.ctx, "localhost", client.req, 0, 0, pin, 0, None, out,
                                         S.ULONG(), S.TimeStamp())
    assert status == (St.SEC_E_OK if version == "1.3" else St.SEC_I_CONTINUE_NEEDED)
    final = server.handshake(out[0].tobytes())
    assert server.status == St.SEC_E_OK
    if version == "1.2":
        client.complete = False
        client.handshake(final)
        assert client.status == St.SEC_E_OK
    remote = SecPkgContext_CertContext()
    assert server.query(C.SECPKG_ATTR_REMOTE_CERT_CONTEXT, remote) == St.SEC_E_OK
    assert remote.Certificate == client_leaf.certificate


def test_use_supplied_creds_goes_on_without_certificate(pki):
    scred = acquire(C.SECPKG_CRED_INBOUND, SCH_CREDENTIALS(paCred=[pki.server], hRootStore=[pki.ca.certificate]))
    client = Endpoint(client_cred([pki.ca.certificate]), False, "localhost", CLIENT_REQ | C.ISC_REQ_USE_SUPPLIED_CREDS)
    server = Endpoint(scred, True, None, SERVER_REQ | C.ASC_REQ_MUTUAL_AUTH)
    run_handshake(client, server)
    assert client.incomplete_credentials == 0
    assert server.status == St.SEC_E_LOGON_DENIED
