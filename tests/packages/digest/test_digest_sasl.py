"""SASL DIGEST-MD5 through the C-shaped API: authentication, and the integrity / confidentiality layer."""

from __future__ import annotations

import pytest
from sspi_emu_digest.layer import expand_des_key
from sspi_emu_digest.sasl_wire import SaslChallenge, SaslResponse

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgContext_Flags, SecPkgContext_KeyInfo, SecPkgContext_Names, SecPkgContext_Sizes
from sspi_emu.buffers import SecBuffer, SecBufferDesc

from .digest_helpers import Side, client_cred, server_cred

TARGET = "imap/mail.example"


def handshake(creq: int = 0, sreq: int = 0, **server_kw: object) -> tuple[Side, Side]:
    client = Side(client_cred(), creq, target=TARGET)
    server = Side(server_cred(**server_kw), sreq, server=True)
    assert client.step(None).status == C.SEC_I_CONTINUE_NEEDED
    challenge = server.step(None)
    assert challenge.status == C.SEC_I_CONTINUE_NEEDED
    response = client.step(challenge.token)
    assert response.status == C.SEC_I_CONTINUE_NEEDED
    done = server.step(response.token)
    assert done.status == C.SEC_E_OK, done
    assert done.token.startswith(b"rspauth=")
    final = client.step(done.token)
    assert final.status == C.SEC_E_OK
    return client, server


def wrap(ctx: Side, data: bytes, qop: int = 0) -> tuple[C.SecurityStatus, list[SecBuffer]]:
    bufs = [SecBuffer(C.SECBUFFER_TOKEN, 32), SecBuffer(C.SECBUFFER_DATA, data), SecBuffer(C.SECBUFFER_PADDING, 8)]
    return S.EncryptMessage(ctx.ctx, qop, SecBufferDesc(bufs), 0), bufs


def unwrap(ctx: Side, bufs: list[SecBuffer]) -> tuple[C.SecurityStatus, bytes, int]:
    copy = [SecBuffer(b.BufferType, b.tobytes()) for b in bufs]
    qop = S.ULONG()
    status = S.DecryptMessage(ctx.ctx, SecBufferDesc(copy), 0, qop)
    return status, copy[1].tobytes(), int(qop.value or 0)


@pytest.mark.contract("ISC-REQ-HTTP")
@pytest.mark.contract("ASC-TOKEN-USER")
def test_without_http_flag_the_package_is_sasl() -> None:
    client, server = handshake()
    assert server.query(C.SECPKG_ATTR_NAMES, SecPkgContext_Names).sUserName == "alice"


def test_challenge_and_response_shape() -> None:
    client = Side(client_cred(), C.ISC_REQ_CONFIDENTIALITY, target=TARGET)
    server = Side(server_cred(), 0, server=True)
    ch = SaslChallenge.parse(server.step(None).token.decode())
    assert ch.realms == ["testrealm"] and set(ch.qop) == {"auth", "auth-int", "auth-conf"}
    resp = SaslResponse.parse(client.step(server.step(None).token).token.decode())
    assert (resp.qop, resp.cipher, resp.digest_uri, resp.nc) == ("auth-conf", "3des", TARGET, "00000001")


@pytest.mark.contract("ISC-REQ-INTEGRITY")
@pytest.mark.contract("API-SIGN")
@pytest.mark.contract("ISC-REQ-SEQUENCE")
def test_integrity_sign_verify_and_sequence() -> None:
    client, server = handshake(C.ISC_REQ_INTEGRITY)
    assert server.query(C.SECPKG_ATTR_SIZES, SecPkgContext_Sizes).cbMaxSignature == 16

    def sign(data: bytes) -> list[SecBuffer]:
        bufs = [SecBuffer(C.SECBUFFER_DATA, data), SecBuffer(C.SECBUFFER_TOKEN, 16)]
        assert S.MakeSignature(client.ctx, 0, SecBufferDesc(bufs), 0) == C.SEC_E_OK
        return bufs

    def verify(bufs: list[SecBuffer]) -> C.SecurityStatus:
        return S.VerifySignature(server.ctx, SecBufferDesc([SecBuffer(b.BufferType, b.tobytes()) for b in bufs]),
                                 0, S.ULONG())

    m0, m1, m2 = sign(b"zero"), sign(b"one"), sign(b"two")
    assert verify(m0) == C.SEC_E_OK
    assert verify(m2) == C.SEC_E_OUT_OF_SEQUENCE
    tampered = [SecBuffer(C.SECBUFFER_DATA, b"ONE"), m1[1]]
    assert verify(tampered) == C.SEC_E_MESSAGE_ALTERED
    assert verify(m1) == C.SEC_E_OK
    assert verify(m2) == C.SEC_E_OK


@pytest.mark.contract("ISC-REQ-REPLAY")
def test_replayed_message_is_rejected() -> None:
    client, server = handshake(C.ISC_REQ_INTEGRITY)
    status, bufs = wrap(client, b"hello", C.SECQOP_WRAP_NO_ENCRYPT)
    assert status == C.SEC_E_OK
    assert unwrap(server, bufs)[0] == C.SEC_E_OK
    assert unwrap(server, bufs)[0] == C.SEC_E_OUT_OF_SEQUENCE


def test_auth_int_wrap_no_encrypt_round_trip_and_qop() -> None:
    client, server = handshake(C.ISC_REQ_INTEGRITY)
    status, bufs = wrap(client, b"plain text", C.SECQOP_WRAP_NO_ENCRYPT)
    assert status == C.SEC_E_OK and bufs[1].tobytes() == b"plain text"
    assert unwrap(server, bufs) == (C.SEC_E_OK, b"plain text", C.SECQOP_WRAP_NO_ENCRYPT)
    # encrypting needs auth-conf
    assert wrap(client, b"x")[0] == C.SEC_E_QOP_NOT_SUPPORTED


def test_auth_only_has_no_message_functions() -> None:
    client, _ = handshake()
    assert wrap(client, b"x", C.SECQOP_WRAP_NO_ENCRYPT)[0] == C.SEC_E_UNSUPPORTED_FUNCTION


@pytest.mark.contract("ISC-REQ-CONFIDENTIALITY")
@pytest.mark.contract("API-SEAL")
@pytest.mark.contract("API-QUERY-SIZES")
@pytest.mark.parametrize("cipher", ["3des", "des", "rc4", "rc4-56", "rc4-40"])
def test_confidentiality_every_cipher(cipher: str) -> None:
    client, server = handshake(C.ISC_REQ_CONFIDENTIALITY, sasl_ciphers=(cipher,))
    assert client.query(C.SECPKG_ATTR_KEY_INFO, SecPkgContext_KeyInfo).sEncryptAlgorithmName == cipher.upper()
    sizes = client.query(C.SECPKG_ATTR_SIZES, SecPkgContext_Sizes)
    assert sizes.cbSecurityTrailer == 16 and sizes.cbBlockSize == (1 if cipher.startswith("rc4") else 8)
    for n in range(0, 40, 7):  # lengths around the block size, CBC state chained across messages
        msg = bytes(range(n))
        status, bufs = wrap(client, msg)
        assert status == C.SEC_E_OK
        assert bufs[0].cbBuffer == 16 and bufs[2].cbBuffer <= sizes.cbBlockSize
        assert n == 0 or bufs[1].tobytes() != msg
        assert unwrap(server, bufs) == (C.SEC_E_OK, msg, 0)
        status, back = wrap(server, msg)
        assert unwrap(client, back)[:2] == (C.SEC_E_OK, msg)


def test_sealed_message_as_one_rfc_wire_buffer() -> None:
    client, server = handshake(C.ISC_REQ_CONFIDENTIALITY)
    status, bufs = wrap(client, b"wire order")
    wire = bufs[1].tobytes() + bufs[2].tobytes() + bufs[0].tobytes()  # DATA ‖ PADDING ‖ TOKEN
    one = [SecBuffer(C.SECBUFFER_DATA, wire)]
    assert S.DecryptMessage(server.ctx, SecBufferDesc(one), 0, S.ULONG()) == C.SEC_E_OK
    assert one[0].tobytes() == b"wire order"


def test_tampered_sealed_message() -> None:
    client, server = handshake(C.ISC_REQ_CONFIDENTIALITY, sasl_ciphers=("rc4",))
    status, bufs = wrap(client, b"secret")
    data = bytearray(bufs[1].tobytes())
    data[0] ^= 1
    bufs[1] = SecBuffer(C.SECBUFFER_DATA, bytes(data))
    assert unwrap(server, bufs)[0] == C.SEC_E_MESSAGE_ALTERED


def test_server_requiring_confidentiality_offers_only_auth_conf() -> None:
    client = Side(client_cred(), 0, target=TARGET)
    server = Side(server_cred(), C.ASC_REQ_CONFIDENTIALITY, server=True)
    ch = SaslChallenge.parse(server.step(None).token.decode())
    assert ch.qop == ["auth-conf"]
    resp = client.step(server.step(None).token)
    assert SaslResponse.parse(resp.token.decode()).qop == "auth-conf"


def test_wrong_password_sasl() -> None:
    client = Side(client_cred(password="bad"), 0, target=TARGET)
    server = Side(server_cred(), 0, server=True)
    resp = client.step(server.step(None).token)
    assert server.step(resp.token).status == C.SEC_E_LOGON_DENIED


@pytest.mark.contract("ASC-ERR-AFTER-COMPLETE")
def test_sasl_accept_after_established() -> None:
    _, server = handshake()
    assert server.step(b"anything").status == getattr(C.SecurityStatus, "STATUS_LOGON_FAILURE", C.SEC_E_LOGON_DENIED)


def test_authzid_and_domain_realm() -> None:
    client = Side(client_cred(domain="testrealm", authzid="admin"), 0, target=TARGET)
    server = Side(server_cred(), 0, server=True)
    resp = client.step(server.step(None).token)
    parsed = SaslResponse.parse(resp.token.decode())
    assert parsed.authzid == "admin" and parsed.realm == "testrealm"
    assert server.step(resp.token).status == C.SEC_E_OK


@pytest.mark.parametrize("target", [None, "noslash", "imap/h\u00f6st"])
def test_sasl_target_must_be_a_digest_uri(target: str | None) -> None:
    assert Side(client_cred(), 0, target=target).step(None).status == C.SEC_E_TARGET_UNKNOWN


@pytest.mark.contract("ISC-REAUTH")
def test_client_reauthenticates_after_completion() -> None:
    client, _ = handshake()
    server = Side(server_cred(), 0, server=True)
    again = client.step(server.step(None).token)
    assert again.status == C.SEC_I_CONTINUE_NEEDED and b"nc=00000001" in again.token


def test_des_key_expansion() -> None:
    assert expand_des_key(b"\xff" * 7) == b"\xfe" * 8
    assert expand_des_key(b"\x00" * 7) == b"\x00" * 8
    assert expand_des_key(bytes.fromhex("80000000000001")) == bytes.fromhex("80000000000000" + "02")


@pytest.mark.contract("ISC-REQ-CONFIDENTIALITY")
def test_confidentiality_reported_only_when_granted() -> None:
    client, server = handshake(C.ISC_REQ_CONFIDENTIALITY, sasl_qop=("auth", "auth-int"))
    flags = client.query(C.SECPKG_ATTR_FLAGS, SecPkgContext_Flags).Flags
    assert flags & C.ISC_RET_INTEGRITY and not flags & C.ISC_RET_CONFIDENTIALITY
    assert wrap(client, b"x")[0] == C.SEC_E_QOP_NOT_SUPPORTED


def test_sasl_replayed_response_is_rejected() -> None:
    scred = server_cred()
    server = Side(scred, 0, server=True)
    response = Side(client_cred(), 0, target=TARGET).step(server.step(None).token).token
    assert server.step(response).status == C.SEC_E_OK
    # After a challenge of its own, the server refuses the replayed count outright.
    again = Side(scred, 0, server=True)
    again.step(None)
    assert again.step(response).status == C.SEC_E_OUT_OF_SEQUENCE
    # On a first call it is a (failed) subsequent authentication: RFC 2831 2.2.2 answers with a
    # fresh challenge, never with success.
    fresh = Side(scred, 0, server=True).step(response)
    assert fresh.status == C.SEC_I_CONTINUE_NEEDED
    assert SaslChallenge.parse(fresh.token.decode()).nonce not in response.decode()


def _maxbuf_pair(client_maxbuf: int | None, server_maxbuf: int) -> tuple[Side, Side, bytes, bytes]:
    client = Side(client_cred(sasl_maxbuf=client_maxbuf), C.ISC_REQ_CONFIDENTIALITY, target=TARGET)
    server = Side(server_cred(sasl_maxbuf=server_maxbuf), C.ASC_REQ_CONFIDENTIALITY, server=True)
    client.step(None)
    challenge = server.step(None).token
    response = client.step(challenge).token
    client.step(server.step(response).token)
    return client, server, challenge, response


def test_maxbuf_is_advertised_both_ways() -> None:
    _, _, challenge, response = _maxbuf_pair(128, 100)
    assert SaslChallenge.parse(challenge.decode()).maxbuf == 100
    assert SaslResponse.parse(response.decode()).maxbuf == 128
    _, _, challenge, response = _maxbuf_pair(None, 65536)
    assert b"maxbuf" not in challenge and b"maxbuf" not in response  # RFC 2831's default goes unsaid


def test_a_message_over_the_peers_maxbuf_is_refused_before_anything_is_used() -> None:
    client, server, _, _ = _maxbuf_pair(64, 100)
    status, _ = wrap(client, b"x" * 200)  # a 3DES buffer of more than 100 bytes
    assert status == C.SEC_E_INVALID_PARAMETER
    status, bufs = wrap(client, b"fits")  # and the sequence number was not used up
    assert status == C.SEC_E_OK
    assert unwrap(server, bufs)[:2] == (C.SEC_E_OK, b"fits")
    assert wrap(server, b"y" * 60)[0] == C.SEC_E_INVALID_PARAMETER  # the client takes 64 at most
    status, bufs = wrap(server, b"ok")
    assert status == C.SEC_E_OK and unwrap(client, bufs)[:2] == (C.SEC_E_OK, b"ok")


def test_a_received_buffer_over_this_sides_maxbuf_is_an_invalid_token() -> None:
    """A peer that ignores our maxbuf is refused before its MAC is looked at (and the sequence is kept)."""
    client, server, _, _ = _maxbuf_pair(None, 100)
    big = [SecBuffer(C.SECBUFFER_TOKEN, 32), SecBuffer(C.SECBUFFER_DATA, b"z" * 150), SecBuffer(C.SECBUFFER_PADDING, 8)]
    assert unwrap(server, big)[0] == C.SEC_E_INVALID_TOKEN
    status, bufs = wrap(client, b"small")
    assert status == C.SEC_E_OK and unwrap(server, bufs)[:2] == (C.SEC_E_OK, b"small")
