"""Negotiate's SPNEGO state machine against fake inner mechanisms, through the C-shaped API."""

from __future__ import annotations

import pytest
from sspi_emu_negotiate import oids, tokens

from sspi_emu import api, dispatcher
from sspi_emu import constants as C
from sspi_emu.attributes import (
    SecPkgContext_Names,
    SecPkgContext_NegotiationInfo,
    SecPkgContext_NegotiationPackage,
    SecPkgContext_PackageInfo,
    SecPkgContext_SessionKey,
    SecPkgContext_Sizes,
)
from sspi_emu.constants import SecurityStatus as S
from sspi_emu.handles import Box, CredHandle, TimeStamp
from sspi_emu.identity import SEC_WINNT_AUTH_IDENTITY

from .conftest import (
    CLIENT_REQ,
    TARGET,
    Side,
    asc,
    client_cred,
    handshake,
    isc,
    seal_roundtrip,
    server_cred,
    sign_roundtrip,
)


def negotiated(ctx: object) -> str:
    info = SecPkgContext_NegotiationPackage()
    assert api.QueryContextAttributes(ctx, C.SECPKG_ATTR_NEGOTIATION_PACKAGE, info) == S.SEC_E_OK
    return info.PackageInfo.Name


@pytest.mark.contract("ASC-TOKEN-USER")
def test_ntlm_only_negotiate_completes(ntlm_only):
    client, server = Side(client_cred()), Side(server_cred())
    handshake(client, server)
    assert client.status == S.SEC_E_OK and server.status == S.SEC_E_OK
    init = tokens.decode(client.tokens[0])
    assert isinstance(init, tokens.NegTokenInit)
    assert init.mech_types == (oids.NTLMSSP,)
    assert init.mech_token is not None and init.mech_token.startswith(b"NTLMSSP\x00")
    reply = tokens.decode(server.tokens[0])
    assert isinstance(reply, tokens.NegTokenResp)
    assert reply.neg_state == tokens.NegState.ACCEPT_INCOMPLETE and reply.supported_mech == oids.NTLMSSP
    final = tokens.decode(server.tokens[-1])
    assert isinstance(final, tokens.NegTokenResp) and final.neg_state == tokens.NegState.ACCEPT_COMPLETED
    assert negotiated(client.ctx) == "NTLM" and negotiated(server.ctx) == "NTLM"
    names = SecPkgContext_Names()
    assert api.QueryContextAttributes(server.ctx, C.SECPKG_ATTR_NAMES, names) == S.SEC_E_OK
    assert names.sUserName == "DOM\\alice"


@pytest.mark.contract("API-SEAL", "API-SIGN")
def test_messages_delegate_to_inner(ntlm_only):
    client, server = Side(client_cred()), Side(server_cred())
    handshake(client, server)
    assert seal_roundtrip(client.ctx, server.ctx, b"hello") == b"hello"
    assert seal_roundtrip(server.ctx, client.ctx, b"back") == b"back"
    assert sign_roundtrip(client.ctx, server.ctx, b"signed") == S.SEC_E_OK
    assert sign_roundtrip(client.ctx, server.ctx, b"signed", tamper=True) == S.SEC_E_MESSAGE_ALTERED


def test_session_key_and_sizes_delegate(ntlm_only):
    client, server = Side(client_cred()), Side(server_cred())
    handshake(client, server)
    keys = []
    for ctx in (client.ctx, server.ctx):
        k = SecPkgContext_SessionKey()
        assert api.QueryContextAttributes(ctx, C.SECPKG_ATTR_SESSION_KEY, k) == S.SEC_E_OK
        keys.append(k.SessionKey)
    assert keys[0] == keys[1] and len(keys[0]) == 32
    sizes = SecPkgContext_Sizes()
    assert api.QueryContextAttributes(client.ctx, C.SECPKG_ATTR_SIZES, sizes) == S.SEC_E_OK
    assert sizes.cbMaxSignature == 16


def test_negotiation_info_states(ntlm_only):
    client, server = Side(client_cred()), Side(server_cred())
    isc(client, None)
    info = SecPkgContext_NegotiationInfo()
    assert api.QueryContextAttributes(client.ctx, C.SECPKG_ATTR_NEGOTIATION_INFO, info) == S.SEC_E_OK
    assert info.PackageInfo.Name == "NTLM" and info.NegotiationState == C.SECPKG_NEGOTIATION_OPTIMISTIC
    handshake(Side(client_cred()), server)
    info = SecPkgContext_NegotiationInfo()
    assert api.QueryContextAttributes(server.ctx, C.SECPKG_ATTR_NEGOTIATION_INFO, info) == S.SEC_E_OK
    assert info.PackageInfo.Name == "NTLM" and info.NegotiationState == C.SECPKG_NEGOTIATION_COMPLETE
    pinfo = SecPkgContext_PackageInfo()
    assert api.QueryContextAttributes(server.ctx, C.SECPKG_ATTR_PACKAGE_INFO, pinfo) == S.SEC_E_OK
    assert pinfo.PackageInfo.Name == "NTLM"


@pytest.mark.contract("ISC-REQ-MUTUAL")
@pytest.mark.parametrize("mutual", [False, True])
def test_kerberos_first_when_available(fakes, mutual):
    req = CLIENT_REQ | (C.ISC_REQ_MUTUAL_AUTH if mutual else 0)
    client, server = Side(client_cred()), Side(server_cred())
    handshake(client, server, creq=req)
    init = tokens.decode(client.tokens[0])
    assert isinstance(init, tokens.NegTokenInit)
    assert init.mech_types == (oids.MS_KRB5, oids.KRB5, oids.NTLMSSP)
    assert init.mech_token is not None and init.mech_token.startswith(b"KRBREQ")
    assert negotiated(client.ctx) == "Kerberos" and negotiated(server.ctx) == "Kerberos"
    reply = tokens.decode(server.tokens[0])
    assert isinstance(reply, tokens.NegTokenResp)
    assert reply.supported_mech == oids.MS_KRB5  # echoes the OID the client listed first
    assert reply.neg_state == tokens.NegState.ACCEPT_COMPLETED
    assert (reply.response_token is not None) == mutual
    assert bool(client.attrs & C.ISC_RET_MUTUAL_AUTH) == mutual
    assert seal_roundtrip(client.ctx, server.ctx, b"data") == b"data"


def test_falls_back_to_ntlm_when_kerberos_cannot_start(fakes):
    fakes.krb.targets = set()  # no "ticket" for the target: ISC gives SEC_E_TARGET_UNKNOWN
    client, server = Side(client_cred()), Side(server_cred())
    handshake(client, server)
    init = tokens.decode(client.tokens[0])
    assert isinstance(init, tokens.NegTokenInit) and init.mech_types == (oids.NTLMSSP,)
    assert negotiated(client.ctx) == "NTLM"


def test_falls_back_to_ntlm_without_kerberos_credentials(fakes):
    fakes.krb.fail_acquire = True
    client, server = Side(client_cred()), Side(server_cred())
    handshake(client, server)
    assert negotiated(server.ctx) == "NTLM"


@pytest.mark.parametrize(
    ("package_list", "mechs"),
    [
        ("NTLM", (oids.NTLMSSP,)),
        ("!Kerberos", (oids.NTLMSSP,)),
        ("Kerberos", (oids.MS_KRB5, oids.KRB5)),
        ("ntlm, kerberos", (oids.MS_KRB5, oids.KRB5, oids.NTLMSSP)),
    ],
)
def test_package_list_is_honoured(fakes, package_list, mechs):
    client, server = Side(client_cred(package_list)), Side(server_cred())
    handshake(client, server)
    init = tokens.decode(client.tokens[0])
    assert isinstance(init, tokens.NegTokenInit) and init.mech_types == mechs


@pytest.mark.contract("ISC-ERR-NO-CREDENTIALS")
def test_package_list_excluding_everything_has_no_credentials(fakes):
    ident = SEC_WINNT_AUTH_IDENTITY("alice", "DOM", "x", PackageList="!NTLM,!Kerberos")
    st = api.AcquireCredentialsHandle(None, "Negotiate", C.SECPKG_CRED_OUTBOUND, None, ident, None, None,
                                      CredHandle(), TimeStamp())
    assert st == S.SEC_E_NO_CREDENTIALS


def test_server_choosing_a_later_mech_requires_mic_and_resets_ntlm_state(fakes):
    client = Side(client_cred())
    fakes.krb.fail_acquire = True  # the server has no Kerberos credentials
    server = Side(server_cred())
    handshake(client, server)
    first = tokens.decode(server.tokens[0])
    assert isinstance(first, tokens.NegTokenResp)
    assert first.neg_state == tokens.NegState.REQUEST_MIC and first.supported_mech == oids.NTLMSSP
    assert first.response_token is None
    # the client restarted with NTLM, and both sides exchanged mechListMICs
    client_auth = tokens.decode(client.tokens[2])
    assert isinstance(client_auth, tokens.NegTokenResp) and client_auth.mech_list_mic is not None
    final = tokens.decode(server.tokens[-1])
    assert isinstance(final, tokens.NegTokenResp) and final.mech_list_mic is not None
    assert final.neg_state == tokens.NegState.ACCEPT_COMPLETED
    # MS-SPNG NTLM rule: the sealing state of each direction is reset right after its MIC
    assert [v for side, v in fakes.ntlm.log if side == "client"] == [1, 2]
    assert [v for side, v in fakes.ntlm.log if side == "server"] == [2, 1]
    assert seal_roundtrip(client.ctx, server.ctx, b"after mic") == b"after mic"


def test_ntlm_mic_in_authenticate_makes_mech_list_mic_mandatory(ntlm_only, monkeypatch):
    from sspi_emu_negotiate import client as client_mod
    from sspi_emu_negotiate import server as server_mod

    monkeypatch.setattr(client_mod, "authenticate_has_mic", lambda token: True)
    monkeypatch.setattr(server_mod, "authenticate_has_mic", lambda token: True)
    client, server = Side(client_cred()), Side(server_cred())
    handshake(client, server)
    auth = tokens.decode(client.tokens[1])
    assert isinstance(auth, tokens.NegTokenResp) and auth.mech_list_mic is not None
    assert auth.neg_state == tokens.NegState.ACCEPT_INCOMPLETE
    final = tokens.decode(server.tokens[-1])
    assert isinstance(final, tokens.NegTokenResp) and final.mech_list_mic is not None
    assert client.tokens[-1] == b""  # the client's last call consumed the server's MIC
    assert ("client", 1) in ntlm_only.ntlm.log and ("server", 2) in ntlm_only.ntlm.log


@pytest.mark.contract("ISC-RET-OK-TOKEN")
def test_server_requires_the_mech_list_mic_when_authenticate_has_one(ntlm_only, monkeypatch):
    """A stripped client mechListMIC does not complete the server (downgrade protection)."""
    from sspi_emu_negotiate import server as server_mod

    monkeypatch.setattr(server_mod, "authenticate_has_mic", lambda token: True)
    client, server = Side(client_cred()), Side(server_cred())
    _, t = isc(client, None)
    _, t = asc(server, t)
    _, t = isc(client, t)
    st, t = asc(server, t)  # AUTHENTICATE without a mechListMIC
    assert st == S.SEC_I_CONTINUE_NEEDED
    reply = tokens.decode(t)
    assert isinstance(reply, tokens.NegTokenResp) and reply.mech_list_mic is not None
    assert reply.neg_state == tokens.NegState.ACCEPT_INCOMPLETE
    st, t = isc(client, t)  # the client verifies the server's MIC and answers with its own
    assert st == S.SEC_E_OK and t
    st, t = asc(server, t)
    assert st == S.SEC_E_OK and t == b""


@pytest.mark.contract("ASC-ERR-INVALID-TOKEN", "ISC-FAILED-DELETE")
def test_tampered_mech_list_mic_is_refused(fakes):
    client = Side(client_cred())
    fakes.krb.fail_acquire = True
    server = Side(server_cred())
    _, t = isc(client, None)
    _, t = asc(server, t)
    st, t = isc(client, t)
    assert st == S.SEC_I_CONTINUE_NEEDED
    _, t = asc(server, t)
    st, t = isc(client, t)
    resp = tokens.decode(t)
    assert isinstance(resp, tokens.NegTokenResp) and resp.mech_list_mic
    bad = tokens.encode_resp(
        tokens.NegTokenResp(resp.neg_state, None, resp.response_token, bytes(b ^ 1 for b in resp.mech_list_mic))
    )
    st, _ = asc(server, bad)
    assert st == S.SEC_E_MESSAGE_ALTERED
    assert api.DeleteSecurityContext(server.ctx) == S.SEC_E_OK


@pytest.mark.contract("ISC-ERR-INVALID-TOKEN")
def test_client_told_to_use_a_mech_it_did_not_offer(ntlm_only):
    client = Side(client_cred())
    isc(client, None)
    reply = tokens.encode_resp(tokens.NegTokenResp(tokens.NegState.ACCEPT_INCOMPLETE, oids.KRB5, b"x"))
    st, _ = isc(client, reply)
    assert st == S.SEC_E_INVALID_TOKEN
    client2 = Side(client_cred())
    isc(client2, None)
    st, _ = isc(client2, b"\x30\x03\x02\x01\x05")
    assert st == S.SEC_E_INVALID_TOKEN


def test_no_common_mechanism(fakes):
    client = Side(client_cred("Kerberos"))
    fakes.krb.fail_acquire = True
    server = Side(server_cred())
    _, t = isc(client, None)
    st, reject = asc(server, t)
    assert st == S.SEC_E_INVALID_TOKEN
    decoded = tokens.decode(reject)
    assert isinstance(decoded, tokens.NegTokenResp) and decoded.neg_state == tokens.NegState.REJECT
    st, _ = isc(client, reject)
    assert st == S.SEC_E_LOGON_DENIED


@pytest.mark.contract("ASC-ERR-LOGON-DENIED")
def test_wrong_password_is_logon_denied(ntlm_only):
    client, server = Side(client_cred(password="wrong")), Side(server_cred())
    _, t = isc(client, None)
    _, t = asc(server, t)
    _, t = isc(client, t)
    st, _ = asc(server, t)
    assert st == S.SEC_E_LOGON_DENIED


def test_raw_ntlm_token_is_accepted_by_a_negotiate_server(ntlm_only):
    client, server = Side(client_cred(package="NTLM")), Side(server_cred())
    handshake(client, server)
    assert server.status == S.SEC_E_OK
    assert server.tokens[0].startswith(b"NTLMSSP\x00")  # answered in NTLM's own framing
    assert negotiated(server.ctx) == "NTLM"
    assert seal_roundtrip(client.ctx, server.ctx, b"raw") == b"raw"


@pytest.mark.contract("ISC-INPUT-FIRST")
def test_server_initiated_negtokeninit2(fakes):
    server, client = Side(server_cred()), Side(client_cred())
    st, hint = asc(server, None)
    assert st == S.SEC_I_CONTINUE_NEEDED
    decoded = tokens.decode(hint)
    assert isinstance(decoded, tokens.NegTokenInit) and decoded.is_init2
    assert decoded.hint_name == tokens.WINDOWS_HINT_NAME
    assert decoded.mech_types == (oids.MS_KRB5, oids.KRB5, oids.NTLMSSP)
    st, t = isc(client, hint)
    assert st == S.SEC_I_CONTINUE_NEEDED
    st, t = asc(server, t)
    assert st == S.SEC_E_OK
    st, t = isc(client, t)
    assert st == S.SEC_E_OK and t == b""
    assert negotiated(client.ctx) == "Kerberos"


def test_server_hint_restricts_the_client(fakes):
    hint = tokens.encode_init(tokens.NegTokenInit((oids.NTLMSSP,), hint_name=tokens.WINDOWS_HINT_NAME))
    client, server = Side(client_cred()), Side(server_cred())
    handshake(client, server, first=hint)
    assert negotiated(client.ctx) == "NTLM"


@pytest.mark.parametrize("same", [True, False])
def test_channel_bindings_pass_through(ntlm_only, same):
    client, server = Side(client_cred()), Side(server_cred())
    ccbt, scbt = b"tls-server-end-point:abc", (b"tls-server-end-point:abc" if same else b"other")
    if same:
        handshake(client, server, ccbt=ccbt, scbt=scbt)
        return
    _, t = isc(client, None, cbt=ccbt)
    _, t = asc(server, t, cbt=scbt)
    _, t = isc(client, t, cbt=ccbt)
    st, _ = asc(server, t, cbt=scbt)
    assert st == S.SEC_E_BAD_BINDINGS


@pytest.mark.contract("ISC-REQ-NO-INTEGRITY")
def test_integrity_is_default_and_no_integrity_removes_it(ntlm_only):
    base = C.ISC_REQ_CONNECTION | C.ISC_REQ_ALLOCATE_MEMORY
    client, server = Side(client_cred()), Side(server_cred())
    handshake(client, server, creq=base)
    assert client.attrs & C.ISC_RET_INTEGRITY
    client, server = Side(client_cred()), Side(server_cred())
    handshake(client, server, creq=base | C.ISC_REQ_INTEGRITY | C.ISC_REQ_NO_INTEGRITY)
    assert not client.attrs & C.ISC_RET_INTEGRITY


@pytest.mark.contract("ISC-ERR-INVALID-TOKEN", "ASC-ERR-INVALID-TOKEN")
@pytest.mark.parametrize("garbage", [b"", b"\x00", b"\x60\x03\x06\x01\x00", b"NTLMSSP\x00\x09", b"\xa1\x00", b"junk" * 20])
def test_garbage_gives_invalid_token(ntlm_only, garbage):
    server = Side(server_cred())
    st, _ = asc(server, garbage)
    assert st == S.SEC_E_INVALID_TOKEN or (garbage == b"" and st == S.SEC_I_CONTINUE_NEEDED)
    client = Side(client_cred())
    isc(client, None)
    st, _ = isc(client, garbage)
    assert st == S.SEC_E_INVALID_TOKEN


@pytest.mark.contract("API-ENUM")
def test_package_description():
    box = Box()
    assert api.QuerySecurityPackageInfo("Negotiate", box) == S.SEC_E_OK
    info = box.value
    assert (info.Name, info.wRPCID, info.cbMaxToken, info.fCapabilities) == ("Negotiate", 9, 48256, 0x00083BB3)
    assert info.Comment == "Microsoft Package Negotiator"
    api.FreeContextBuffer(box)


@pytest.mark.contract("API-DELETE", "API-FREE-CRED")
def test_inner_handles_are_released(ntlm_only):
    before_ctx, before_cred = dispatcher.live_contexts(), dispatcher.live_credentials()
    client, server = Side(client_cred()), Side(server_cred())
    handshake(client, server)
    assert dispatcher.live_contexts() == before_ctx + 4  # two Negotiate contexts and their inner ones
    for side in (client, server):
        assert api.DeleteSecurityContext(side.ctx) == S.SEC_E_OK
        assert api.FreeCredentialsHandle(side.cred) == S.SEC_E_OK
    assert dispatcher.live_contexts() == before_ctx
    assert dispatcher.live_credentials() == before_cred
    assert ntlm_only.ntlm.released == 2
    assert api.MakeSignature(client.ctx, 0, api.SecBufferDesc([]), 0) == S.SEC_E_INVALID_HANDLE


@pytest.mark.contract("ISC-REAUTH")
def test_reauthentication_after_completion(ntlm_only):
    client, server = Side(client_cred()), Side(server_cred())
    handshake(client, server)
    st, t = isc(client, None)
    assert st == S.SEC_I_CONTINUE_NEEDED
    assert isinstance(tokens.decode(t), tokens.NegTokenInit)


@pytest.mark.contract("ISC-TARGET-SPN")
def test_target_spn_reaches_the_inner_package(fakes):
    client, server = Side(client_cred()), Side(server_cred())
    handshake(client, server, target="HTTP/other.example")  # unknown to the fake Kerberos: NTLM used
    assert negotiated(client.ctx) == "NTLM"
    client, server = Side(client_cred()), Side(server_cred())
    handshake(client, server, target=TARGET)
    assert negotiated(client.ctx) == "Kerberos"


@pytest.mark.contract("ISC-ERR-TARGET-UNKNOWN")
def test_kerberos_only_with_an_unknown_target(fakes):
    client = Side(client_cred("Kerberos"))
    st, _ = isc(client, None, target="HTTP/unknown.example")
    assert st == S.SEC_E_TARGET_UNKNOWN
