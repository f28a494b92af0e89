"""Connectionless (datagram) NTLM: ISC_REQ_DATAGRAM / ASC_REQ_DATAGRAM (MS-NLMP 3.1.5.2, 3.2.5.2, 3.4)."""

from __future__ import annotations

import hashlib
import hmac
import struct

import pytest
from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
from cryptography.hazmat.primitives.ciphers import Cipher
from hypothesis import given, settings
from hypothesis import strategies as st
from sspi_emu_ntlm import NtlmSettings

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.buffers import SecBuffer, SecBufferDesc
from tests.packages.ntlm.ntlm_helpers import CLIENT_REQ, SERVER_REQ, Pair, client_cred, server_cred, store

DATAGRAM = 0x40
KEY_EXCH = 0x40000000
CREQ = CLIENT_REQ & ~C.ISC_REQ_CONNECTION | C.ISC_REQ_DATAGRAM
SREQ = SERVER_REQ & ~C.ASC_REQ_CONNECTION | C.ASC_REQ_DATAGRAM
CLIENT_SIGN = b"session key to client-to-server signing key magic constant\x00"
CLIENT_SEAL = b"session key to client-to-server sealing key magic constant\x00"


def _flags(token: bytes, offset: int) -> int:
    return int(struct.unpack_from("<I", token, offset)[0])


def _asc_first(pair: Pair) -> tuple[C.SecurityStatus, bytes]:
    """The server's first call with no input token: the connectionless CHALLENGE."""
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, None)])
    status = S.AcceptSecurityContext(pair.scred, None, None, pair.sreq, C.SECURITY_NATIVE_DREP, pair.sctx, out,
                                     pair.sattr, S.TimeStamp())
    pair.sstarted = True
    return status, out[0].tobytes()


def datagram_pair() -> tuple[Pair, bytes, bytes]:
    """A completed connectionless exchange: (pair, CHALLENGE, AUTHENTICATE)."""
    pair = Pair(client_cred(), server_cred(), creq=CREQ, sreq=SREQ)
    st1, first = pair.isc(None)
    assert st1 == C.SEC_I_CONTINUE_NEEDED and first == b""
    st2, challenge = _asc_first(pair)
    assert st2 == C.SEC_I_CONTINUE_NEEDED
    st3, auth = pair.isc(challenge)
    assert st3 == C.SEC_E_OK
    st4, _ = pair.asc(auth)
    assert st4 == C.SEC_E_OK
    return pair, challenge, auth


def _seal(ctx: S.CtxtHandle, data: bytes, seqno: int) -> tuple[bytes, bytes]:
    token, body = SecBuffer(C.SECBUFFER_TOKEN, 16), SecBuffer(C.SECBUFFER_DATA, data)
    assert S.EncryptMessage(ctx, 0, SecBufferDesc([token, body]), seqno) == C.SEC_E_OK
    return token.tobytes(), body.tobytes()


def _unseal(ctx: S.CtxtHandle, sig: bytes, sealed: bytes, seqno: int) -> tuple[C.SecurityStatus, bytes]:
    body = SecBuffer(C.SECBUFFER_DATA, sealed)
    st = S.DecryptMessage(ctx, SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, sig), body]), seqno, None)
    return st, body.tobytes()


def _sign(ctx: S.CtxtHandle, data: bytes, seqno: int) -> bytes:
    token = SecBuffer(C.SECBUFFER_TOKEN, 16)
    assert S.MakeSignature(ctx, 0, SecBufferDesc([SecBuffer(C.SECBUFFER_DATA, data), token]), seqno) == C.SEC_E_OK
    return token.tobytes()


def _verify(ctx: S.CtxtHandle, data: bytes, sig: bytes, seqno: int) -> C.SecurityStatus:
    desc = SecBufferDesc([SecBuffer(C.SECBUFFER_DATA, data), SecBuffer(C.SECBUFFER_TOKEN, sig)])
    return S.VerifySignature(ctx, desc, seqno, None)


def test_handshake_has_no_negotiate_and_reports_datagram() -> None:
    pair, challenge, auth = datagram_pair()
    assert _flags(challenge, 20) & (DATAGRAM | KEY_EXCH) == DATAGRAM | KEY_EXCH
    assert _flags(auth, 60) & (DATAGRAM | KEY_EXCH) == DATAGRAM | KEY_EXCH
    assert pair.cflags & C.ISC_RET_DATAGRAM and not pair.cflags & C.ISC_RET_CONNECTION
    assert pair.sflags & C.ASC_RET_DATAGRAM and not pair.sflags & C.ASC_RET_CONNECTION
    names = S.Box()
    assert S.QueryContextAttributes(pair.sctx, C.SECPKG_ATTR_NAMES, names) == C.SEC_E_OK
    assert names.value.sUserName == "DOMAIN\\user"


def test_client_may_take_the_challenge_on_its_first_call() -> None:
    pair = Pair(client_cred(), server_cred(), creq=CREQ, sreq=SREQ)
    _, challenge = _asc_first(pair)
    st, auth = pair.isc(challenge)
    assert st == C.SEC_E_OK and _flags(auth, 60) & DATAGRAM
    assert pair.asc(auth)[0] == C.SEC_E_OK


def test_mic_covers_challenge_and_authenticate() -> None:
    pair = Pair(client_cred(), server_cred(), creq=CREQ, sreq=SREQ)
    pair.isc(None)
    _, challenge = _asc_first(pair)
    _, auth = pair.isc(challenge)
    bad = bytearray(auth)
    bad[72] ^= 0x01  # inside the MIC (offset 72, after the Version)
    assert pair.asc(bytes(bad))[0] == C.SEC_E_LOGON_DENIED


def test_messages_are_keyed_per_sequence_number_and_may_arrive_in_any_order() -> None:
    pair, _, _ = datagram_pair()
    sent = {seq: _seal(pair.cctx, f"message {seq}".encode(), seq) for seq in (5, 1, 0x7FFFFFFF, 2)}
    for seq in (2, 0x7FFFFFFF, 1, 5, 1):  # out of order, and one repeated: no connection state to upset
        st, plain = _unseal(pair.sctx, *sent[seq], seq)
        assert st == C.SEC_E_OK and plain == f"message {seq}".encode()
    sig, sealed = _seal(pair.sctx, b"reply", 9)
    assert _unseal(pair.cctx, sig, sealed, 9) == (C.SEC_E_OK, b"reply")
    sig = _sign(pair.sctx, b"signed", 3)
    assert _verify(pair.cctx, b"signed", sig, 3) == C.SEC_E_OK


def test_wrong_sequence_number_or_altered_message_is_refused() -> None:
    pair, _, _ = datagram_pair()
    sig, sealed = _seal(pair.cctx, b"payload", 4)
    assert _unseal(pair.sctx, sig, sealed, 5)[0] == C.SEC_E_OUT_OF_SEQUENCE
    tampered = bytes([sealed[0] ^ 1]) + sealed[1:]
    assert _unseal(pair.sctx, sig, tampered, 4)[0] == C.SEC_E_MESSAGE_ALTERED
    assert _unseal(pair.sctx, sig, sealed, 4) == (C.SEC_E_OK, b"payload")  # still usable afterwards
    sig = _sign(pair.cctx, b"data", 6)
    assert _verify(pair.sctx, b"data", sig, 7) == C.SEC_E_OUT_OF_SEQUENCE
    assert _verify(pair.sctx, b"Data", sig, 6) == C.SEC_E_MESSAGE_ALTERED


def test_signature_matches_ms_nlmp_per_message_key() -> None:
    """MS-NLMP 3.4: SealingKey' = MD5(SealingKey || SeqNum) keys RC4 afresh for each message."""
    pair, _, _ = datagram_pair()
    key = S.Box()
    assert S.QueryContextAttributes(pair.cctx, C.SECPKG_ATTR_SESSION_KEY, key) == C.SEC_E_OK
    exported = key.value.SessionKey
    sign_key = hashlib.md5(exported + CLIENT_SIGN).digest()
    seal_key = hashlib.md5(exported + CLIENT_SEAL).digest()
    for seq in (0, 1, 77):
        seqb = struct.pack("<I", seq)
        rc4 = Cipher(ARC4(hashlib.md5(seal_key + seqb).digest()), mode=None).encryptor()
        checksum = hmac.digest(sign_key, seqb + b"known answer", "md5")[:8]
        expected = b"\x01\x00\x00\x00" + rc4.update(checksum) + seqb
        assert _sign(pair.cctx, b"known answer", seq) == expected
        rc4 = Cipher(ARC4(hashlib.md5(seal_key + seqb).digest()), mode=None).encryptor()
        sealed_body = rc4.update(b"known answer")
        checksum = hmac.digest(sign_key, seqb + b"known answer", "md5")[:8]
        assert _seal(pair.cctx, b"known answer", seq) == (b"\x01\x00\x00\x00" + rc4.update(checksum) + seqb,
                                                          sealed_body)


def test_server_refuses_an_authenticate_that_drops_datagram() -> None:
    pair = Pair(client_cred(), server_cred(), creq=CREQ, sreq=SREQ)
    pair.isc(None)
    _, challenge = _asc_first(pair)
    forced = _flags(challenge, 20) & ~DATAGRAM & ~0x00030000  # the challenge's offer, minus DATAGRAM and target type
    other = Pair(client_cred(authenticate_flags=forced), server_cred(), creq=CREQ, sreq=SREQ)
    other.isc(None)
    _, auth = other.isc(challenge)
    assert not _flags(auth, 60) & DATAGRAM
    assert pair.asc(auth)[0] == C.SEC_E_INVALID_TOKEN


def test_client_refuses_a_connection_oriented_challenge() -> None:
    normal = Pair(client_cred(), server_cred())
    _, negotiate = normal.isc(None)
    _, challenge = normal.asc(negotiate)
    pair = Pair(client_cred(), server_cred(), creq=CREQ, sreq=SREQ)
    pair.isc(None)
    assert pair.isc(challenge)[0] == C.SEC_E_UNSUPPORTED_FUNCTION


def test_connection_oriented_client_does_not_take_up_datagram() -> None:
    offer = 0x00000001 | 0x4 | 0x10 | 0x20 | DATAGRAM | 0x200 | 0x8000 | 0x80000 | 0x800000 | 0x20000000 | KEY_EXCH
    pair = Pair(client_cred(), server_cred(store(), challenge_flags=offer))
    _, negotiate = pair.isc(None)
    _, challenge = pair.asc(negotiate)
    assert _flags(challenge, 20) & DATAGRAM
    st, auth = pair.isc(challenge)
    assert st == C.SEC_E_OK and not _flags(auth, 60) & DATAGRAM
    assert pair.cflags & C.ISC_RET_CONNECTION and not pair.cflags & C.ISC_RET_DATAGRAM


def test_server_without_datagram_still_needs_a_token() -> None:
    pair = Pair(client_cred(), server_cred())
    assert _asc_first(pair)[0] == C.SEC_E_INVALID_TOKEN


def test_ntlm_settings_credential_works_connectionless() -> None:
    pair = Pair(client_cred(), S.CredHandle(), creq=CREQ, sreq=SREQ)
    status = S.AcquireCredentialsHandle(None, "NTLM", C.SECPKG_CRED_INBOUND, None,
                                        NtlmSettings(accounts=store()), None, None, pair.scred, None)
    assert status == C.SEC_E_OK
    pair.isc(None)
    _, challenge = _asc_first(pair)
    assert pair.asc(pair.isc(challenge)[1])[0] == C.SEC_E_OK


_PAIR: list[Pair] = []


def _shared_pair() -> Pair:
    if not _PAIR:
        _PAIR.append(datagram_pair()[0])
    return _PAIR[0]


@settings(max_examples=150, deadline=None)
@given(st.binary(min_size=1, max_size=300), st.integers(0, 0xFFFFFFFF), st.data())
def test_roundtrip_and_mutations_never_raise(data: bytes, seq: int, draw: st.DataObject) -> None:
    pair = _shared_pair()
    sig, sealed = _seal(pair.cctx, data, seq)
    assert _unseal(pair.sctx, sig, sealed, seq) == (C.SEC_E_OK, data)
    blob = bytearray(sig + sealed)
    i = draw.draw(st.integers(0, len(blob) - 1))
    blob[i] ^= draw.draw(st.integers(1, 255))
    got, _ = _unseal(pair.sctx, bytes(blob[:16]), bytes(blob[16:]), seq)
    assert got in (C.SEC_E_MESSAGE_ALTERED, C.SEC_E_OUT_OF_SEQUENCE)
    other = draw.draw(st.integers(0, 0xFFFFFFFF))
    if other != seq:
        assert _unseal(pair.sctx, sig, sealed, other)[0] in (C.SEC_E_OUT_OF_SEQUENCE, C.SEC_E_MESSAGE_ALTERED)


@pytest.mark.parametrize("seqno", [-1, 1 << 32])
def test_sequence_number_out_of_range_is_a_parameter_error(seqno: int) -> None:
    pair, _, _ = datagram_pair()
    token, body = SecBuffer(C.SECBUFFER_TOKEN, 16), SecBuffer(C.SECBUFFER_DATA, b"x")
    assert S.EncryptMessage(pair.cctx, 0, SecBufferDesc([token, body]), seqno) == C.SEC_E_INVALID_PARAMETER


def test_connectionless_needs_extended_session_security() -> None:
    """MS-NLMP 3.4.3: connectionless confidentiality needs ESS; an NTLMv1-only client cannot take part."""
    pair = Pair(client_cred(lm_compat_level=0), server_cred(), creq=CREQ, sreq=SREQ)
    pair.isc(None)
    _, challenge = _asc_first(pair)
    assert pair.isc(challenge)[0] == C.SEC_E_UNSUPPORTED_FUNCTION
    server = Pair(client_cred(), server_cred(), creq=CREQ, sreq=SREQ)
    server.isc(None)
    _, challenge = _asc_first(server)
    forced = _flags(challenge, 20) & ~0x00080000 & ~0x00030000  # no ESS
    other = Pair(client_cred(authenticate_flags=forced), server_cred(), creq=CREQ, sreq=SREQ)
    other.isc(None)
    _, auth = other.isc(challenge)
    assert server.asc(auth)[0] == C.SEC_E_INVALID_TOKEN
