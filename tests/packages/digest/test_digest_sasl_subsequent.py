"""SASL DIGEST-MD5 subsequent authentication (RFC 2831 section 2.2) through the C-shaped API."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sspi_emu_digest.sasl_wire import SaslChallenge, SaslResponse

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgContext_Flags, SecPkgContext_Names
from sspi_emu.entropy import PinnedEntropy, pinned

from .digest_helpers import Side, client_cred, server_cred, store

TARGET = "imap/mail.example"


def full(ccred: S.CredHandle, scred: S.CredHandle, creq: int = 0, sreq: int = 0) -> bytes:
    """An initial authentication (server first); returns the client's digest-response."""
    client, server = Side(ccred, creq, target=TARGET), Side(scred, sreq, server=True)
    assert client.step(None).token == b""
    response = client.step(server.step(None).token)
    done = server.step(response.token)
    assert done.status == C.SEC_E_OK, done
    assert client.step(done.token).status == C.SEC_E_OK
    return response.token


def test_the_next_context_opens_with_the_response_and_the_server_takes_it() -> None:
    ccred, scred = client_cred(sasl_subsequent=True), server_cred()
    first = SaslResponse.parse(full(ccred, scred).decode())
    client, server = Side(ccred, 0, target=TARGET), Side(scred, 0, server=True)
    opening = client.step(None)
    assert opening.status == C.SEC_I_CONTINUE_NEEDED
    again = SaslResponse.parse(opening.token.decode())
    # Same nonce, cnonce, user and realm; the nonce count one higher (RFC 2831 2.2.1).
    assert (again.nonce, again.cnonce, again.username, again.realm, again.qop) == (
        first.nonce, first.cnonce, first.username, first.realm, "auth")
    assert (first.nc, again.nc) == ("00000001", "00000002")
    done = server.step(opening.token)  # no challenge: two legs in all
    assert done.status == C.SEC_E_OK and done.token.startswith(b"rspauth=")
    assert client.step(done.token).status == C.SEC_E_OK  # the server proved itself again
    assert server.query(C.SECPKG_ATTR_NAMES, SecPkgContext_Names).sUserName == "alice"
    assert client.query(C.SECPKG_ATTR_FLAGS, SecPkgContext_Flags).Flags & C.ISC_RET_MUTUAL_AUTH
    third = Side(ccred, 0, target=TARGET).step(None)
    assert SaslResponse.parse(third.token.decode()).nc == "00000003"
    assert Side(scred, 0, server=True).step(third.token).status == C.SEC_E_OK


def test_off_by_default_and_per_digest_uri() -> None:
    scred = server_cred()
    plain = client_cred()
    full(plain, scred)
    assert Side(plain, 0, target=TARGET).step(None).token == b""  # the server challenges first, as usual
    opted = client_cred(sasl_subsequent=True)
    full(opted, scred)
    assert Side(opted, 0, target="imap/other.example").step(None).token == b""


def test_a_security_layer_always_authenticates_afresh() -> None:
    ccred, scred = client_cred(sasl_subsequent=True), server_cred()
    full(ccred, scred, creq=C.ISC_REQ_INTEGRITY)
    full(ccred, scred, creq=C.ISC_REQ_CONFIDENTIALITY)
    assert Side(ccred, 0, target=TARGET).step(None).token == b""  # no auth-int / auth-conf session kept
    full(ccred, scred)  # a qop=auth session is kept, but a context that asks for a layer does not use it
    for req in (C.ISC_REQ_INTEGRITY, C.ISC_REQ_CONFIDENTIALITY):
        assert Side(ccred, req, target=TARGET).step(None).token == b""
    assert Side(ccred, 0, target=TARGET).step(None).token  # the plain context still does


def test_a_server_that_cannot_take_it_challenges_and_the_client_starts_over() -> None:
    ccred = client_cred(sasl_subsequent=True)
    full(ccred, server_cred())
    other = server_cred()  # another secret: the remembered nonce is not one of its own
    client, server = Side(ccred, 0, target=TARGET), Side(other, 0, server=True)
    challenge = server.step(client.step(None).token)
    assert challenge.status == C.SEC_I_CONTINUE_NEEDED
    SaslChallenge.parse(challenge.token.decode())
    response = client.step(challenge.token)
    assert SaslResponse.parse(response.token.decode()).nc == "00000001"
    done = server.step(response.token)
    assert done.status == C.SEC_E_OK
    assert client.step(done.token).status == C.SEC_E_OK
    # The new authentication is the one remembered now.
    assert Side(other, 0, server=True).step(Side(ccred, 0, target=TARGET).step(None).token).status == C.SEC_E_OK


def test_a_changed_password_gets_a_challenge_then_logon_denied() -> None:
    accounts = store()
    ccred, scred = client_cred(sasl_subsequent=True), server_cred(accounts)
    full(ccred, scred)
    accounts.add("alice", "changed")
    client, server = Side(ccred, 0, target=TARGET), Side(scred, 0, server=True)
    challenge = server.step(client.step(None).token)
    assert challenge.status == C.SEC_I_CONTINUE_NEEDED
    assert server.step(client.step(challenge.token).token).status == C.SEC_E_LOGON_DENIED


def test_an_expired_nonce_is_challenged_afresh() -> None:
    ccred = client_cred(sasl_subsequent=True)
    with pinned(PinnedEntropy(seed=b"subsequent", clock=1_700_000_000.0)):
        scred = server_cred(nonce_lifetime=60.0)
        full(ccred, scred)
    with pinned(PinnedEntropy(seed=b"later", clock=1_700_000_600.0)):
        client, server = Side(ccred, 0, target=TARGET), Side(scred, 0, server=True)
        challenge = server.step(client.step(None).token)
        assert challenge.status == C.SEC_I_CONTINUE_NEEDED
        response = client.step(challenge.token)
        done = server.step(response.token)
        assert done.status == C.SEC_E_OK
        assert client.step(done.token).status == C.SEC_E_OK


def test_the_server_never_starts_a_layer_without_its_own_challenge() -> None:
    scred = server_cred()
    server = Side(scred, 0, server=True)
    response = Side(client_cred(), C.ISC_REQ_CONFIDENTIALITY, target=TARGET).step(server.step(None).token).token
    assert SaslResponse.parse(response.decode()).qop == "auth-conf"
    fresh = Side(scred, 0, server=True).step(response)  # the same response on another context's first call
    assert fresh.status == C.SEC_I_CONTINUE_NEEDED
    SaslChallenge.parse(fresh.token.decode())


def test_garbage_on_the_first_call_is_an_invalid_token() -> None:
    assert Side(server_cred(), 0, server=True).step(b"nonce=\"x\", garbage").status == C.SEC_E_INVALID_TOKEN


def _opening() -> tuple[S.CredHandle, S.CredHandle, bytes]:
    ccred, scred = client_cred(sasl_subsequent=True), server_cred()
    full(ccred, scred)
    return ccred, scred, Side(ccred, 0, target=TARGET).step(None).token


_CCRED, _SCRED, OPENING = _opening()
_OK_OR_CHALLENGE = (C.SEC_E_OK, C.SEC_I_CONTINUE_NEEDED, C.SEC_E_INVALID_TOKEN)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pos=st.integers(0, len(OPENING) - 1), byte=st.integers(0, 255), cut=st.booleans())
def test_mutated_opening_gets_a_status_never_an_error(pos: int, byte: int, cut: bool) -> None:
    token = OPENING[:pos] if cut else OPENING[:pos] + bytes([byte]) + OPENING[pos + 1 :]
    leg = Side(_SCRED, 0, server=True).step(token)
    assert leg.status in _OK_OR_CHALLENGE, leg
    if leg.status == C.SEC_E_OK:  # only a change the parser reads the same way (e.g. a name's case)
        assert SaslResponse.parse(token.decode("utf-8", "replace")).response == SaslResponse.parse(
            OPENING.decode()).response


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reply=st.one_of(st.binary(max_size=200), st.sampled_from([b"rspauth=", b"rspauth=00", b'nonce="x"'])))
def test_garbage_reply_to_an_opening_is_a_status(reply: bytes) -> None:
    client = Side(_CCRED, 0, target=TARGET)
    assert client.step(None).status == C.SEC_I_CONTINUE_NEEDED
    status = client.step(reply).status
    assert status in (C.SEC_E_INVALID_TOKEN, C.SEC_E_WRONG_PRINCIPAL, C.SEC_I_CONTINUE_NEEDED), status
