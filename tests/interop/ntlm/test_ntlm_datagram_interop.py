"""Connectionless (datagram) NTLM against gss-ntlmssp, both directions.

gss-ntlmssp is the independent implementation of connectionless NTLM available here (pyspnego
and sspi-rs have none). Handshakes run both ways, with the MIC over CHALLENGE + AUTHENTICATE
checked by each acceptor; signatures made for a given sequence number verify on the other side.
Sealed messages are not compared: gss-ntlmssp 1.2 encrypts a connectionless message before it
re-keys RC4 for the sequence number, where MS-NLMP 3.4.3 re-keys first, so the two cannot agree;
ours follows MS-NLMP (checked against the published formula in
tests/packages/ntlm/test_ntlm_datagram.py).
"""

from __future__ import annotations

import struct
from typing import Iterator

import pytest

from sspi_emu import constants as C
from tests.interop.ntlm.gss_ntlmssp_peer import GssError, MechglueInitiator, PluginAcceptor
from tests.interop.ntlm.ntlm_peers import user_file
from tests.packages.ntlm.ntlm_helpers import Pair, client_cred, server_cred
from tests.packages.ntlm.test_ntlm_datagram import CREQ, SREQ, _asc_first, _sign, _verify

pytestmark = pytest.mark.interop
DATAGRAM = 0x40
SEQS = (0, 1, 5, 0x10000, 0xFFFFFFFF)


@pytest.fixture(autouse=True)
def ntlm_user_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """gss-ntlmssp reads the accounts (DOMAIN\\user / Password01) from NTLM_USER_FILE."""
    monkeypatch.setenv("NTLM_USER_FILE", user_file())


@pytest.fixture
def gss_acceptor() -> Iterator[PluginAcceptor]:
    acc = PluginAcceptor()
    yield acc
    acc.close()


def _auth_flags(token: bytes) -> int:
    return int(struct.unpack_from("<I", token, 60)[0])


def test_our_client_to_gss_ntlmssp_acceptor(gss_acceptor: PluginAcceptor) -> None:
    pair = Pair(client_cred(), server_cred(), creq=CREQ, sreq=SREQ)
    status, first = pair.isc(None)
    assert status == C.SEC_I_CONTINUE_NEEDED and first == b""
    challenge = gss_acceptor.step(b"")  # gss-ntlmssp starts connectionless when given no NEGOTIATE
    assert struct.unpack_from("<I", challenge, 20)[0] & DATAGRAM
    status, auth = pair.isc(challenge)
    assert status == C.SEC_E_OK and _auth_flags(auth) & DATAGRAM
    assert gss_acceptor.step(auth) == b"" and gss_acceptor.complete  # gss-ntlmssp checked our MIC
    assert pair.cflags & C.ISC_RET_DATAGRAM
    for seq in SEQS:
        gss_acceptor.set_seq_num(seq)
        gss_acceptor.verify_mic(b"client to server", _sign(pair.cctx, b"client to server", seq))
        mic = gss_acceptor.get_mic(b"server to client")
        assert _verify(pair.cctx, b"server to client", mic, seq) == C.SEC_E_OK
        assert _verify(pair.cctx, b"server to client!", mic, seq) == C.SEC_E_MESSAGE_ALTERED


def test_gss_ntlmssp_initiator_to_our_acceptor() -> None:
    peer = MechglueInitiator("user", "DOMAIN", "Password01")
    assert peer.step(None) == b""  # no NEGOTIATE in connectionless mode
    pair = Pair(client_cred(), server_cred(), creq=CREQ, sreq=SREQ)
    status, challenge = _asc_first(pair)
    assert status == C.SEC_I_CONTINUE_NEEDED
    auth = peer.step(challenge)
    assert peer.complete and _auth_flags(auth) & DATAGRAM
    status, _ = pair.asc(auth)  # our acceptor checks gss-ntlmssp's MIC
    assert status == C.SEC_E_OK and pair.sflags & C.ASC_RET_DATAGRAM
    for seq in SEQS:
        peer.set_seq_num(seq)
        mic = peer.get_mic(b"client to server")
        assert _verify(pair.sctx, b"client to server", mic, seq) == C.SEC_E_OK
        assert _verify(pair.sctx, b"client to server", mic, seq ^ 1) != C.SEC_E_OK
        peer.verify_mic(b"server to client", _sign(pair.sctx, b"server to client", seq))


def test_gss_ntlmssp_refuses_our_signature_for_another_sequence_number(gss_acceptor: PluginAcceptor) -> None:
    pair = Pair(client_cred(), server_cred(), creq=CREQ, sreq=SREQ)
    pair.isc(None)
    _, auth = pair.isc(gss_acceptor.step(b""))
    gss_acceptor.step(auth)
    gss_acceptor.set_seq_num(8)
    with pytest.raises(GssError):
        gss_acceptor.verify_mic(b"data", _sign(pair.cctx, b"data", 9))


def test_wrong_password_is_refused_by_gss_ntlmssp(gss_acceptor: PluginAcceptor) -> None:
    pair = Pair(client_cred(password="not-the-password"), server_cred(), creq=CREQ, sreq=SREQ)
    pair.isc(None)
    _, auth = pair.isc(gss_acceptor.step(b""))
    with pytest.raises(GssError):
        gss_acceptor.step(auth)
