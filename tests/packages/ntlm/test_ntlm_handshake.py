"""NTLM handshakes through the C-shaped API: credentials, compat levels, MIC, bindings, names."""

from __future__ import annotations

import struct

import pytest
from sspi_emu_ntlm import CB_ALWAYS, CB_NEVER, CB_WHEN_SUPPORTED, crypto
from sspi_emu_ntlm.authenticate_message import AuthenticateMessage
from sspi_emu_ntlm.av_pairs import AvFlags, AvId, TargetInfo
from sspi_emu_ntlm.challenge_message import ChallengeMessage
from sspi_emu_ntlm.channel_bindings import bindings_hash
from sspi_emu_ntlm.flags import NegotiateFlags as F
from sspi_emu_ntlm.negotiate_message import NegotiateMessage

import sspi_emu as S
from sspi_emu import accounts
from sspi_emu import constants as C
from sspi_emu.attributes import (
    SecPkgContext_Flags,
    SecPkgContext_KeyInfo,
    SecPkgContext_Lifespan,
    SecPkgContext_Names,
    SecPkgContext_NativeNames,
    SecPkgContext_NegotiationInfo,
    SecPkgContext_PackageInfo,
    SecPkgContext_SessionKey,
    SecPkgContext_Sizes,
)
from sspi_emu.buffers import SecBuffer
from tests.packages.ntlm.ntlm_helpers import (
    Pair,
    acquire,
    cb_buffer,
    client_cred,
    seal,
    server_cred,
    store,
    unseal,
)


def _query(ctx: S.CtxtHandle, attr: int, struct_: object) -> object:
    assert S.QueryContextAttributes(ctx, attr, struct_) == C.SEC_E_OK
    return struct_


@pytest.mark.contract("ISC-CTX-FIRST", "ISC-CTX-NEXT", "ISC-RET-CONTINUE", "ASC-RET-CONTINUE", "ASC-CTX-FIRST")
def test_handshake_ok() -> None:
    pair = Pair(client_cred(), server_cred())
    st, t1 = pair.isc(None)
    assert st == C.SEC_I_CONTINUE_NEEDED and t1.startswith(b"NTLMSSP\x00\x01")
    st, t2 = pair.asc(t1)
    assert st == C.SEC_I_CONTINUE_NEEDED and t2.startswith(b"NTLMSSP\x00\x02")
    st, t3 = pair.isc(t2)
    assert st == C.SEC_E_OK and t3.startswith(b"NTLMSSP\x00\x03")
    st, t4 = pair.asc(t3)
    assert st == C.SEC_E_OK and t4 == b""


@pytest.mark.contract("ISC-TARGET-SPN")
def test_target_spn_in_msv_av_target_name() -> None:
    pair = Pair(client_cred(), server_cred(), target="HTTP/web.example.com")
    assert pair.run() == C.SEC_E_OK
    auth = AuthenticateMessage.unpack(pair.tokens[2])
    info = TargetInfo.unpack(auth.nt_response[16 + 28 :])
    assert info.text(AvId.TARGET_NAME) == "HTTP/web.example.com"
    assert info.flags() & AvFlags.MIC_PRESENT
    assert auth.mic is not None and auth.mic != bytes(16)
    names = _query(pair.cctx, C.SECPKG_ATTR_NATIVE_NAMES, SecPkgContext_NativeNames())
    assert isinstance(names, SecPkgContext_NativeNames) and names.sServerName == "HTTP/web.example.com"


def test_no_target_no_target_name_pair() -> None:
    pair = Pair(client_cred(), server_cred(), target=None)
    assert pair.run() == C.SEC_E_OK
    info = TargetInfo.unpack(AuthenticateMessage.unpack(pair.tokens[2]).nt_response[44:])
    assert info.get(AvId.TARGET_NAME) is None and info.get(AvId.CHANNEL_BINDINGS) is None


@pytest.mark.contract("ASC-ERR-LOGON-DENIED", "ISC-FAILED-DELETE")
def test_wrong_password_denied() -> None:
    pair = Pair(client_cred(password="wrong"), server_cred())
    assert pair.run() == C.SEC_E_LOGON_DENIED
    assert S.DeleteSecurityContext(pair.sctx) == C.SEC_E_OK


@pytest.mark.contract("ASC-ERR-LOGON-DENIED")
def test_unknown_user_denied() -> None:
    assert Pair(client_cred("DOMAIN\\nobody"), server_cred()).run() == C.SEC_E_LOGON_DENIED


def test_no_store_denied() -> None:
    assert Pair(client_cred(), server_cred(accounts.MemoryAccountStore())).run() == C.SEC_E_LOGON_DENIED


@pytest.mark.contract("ASC-TOKEN-USER")
def test_names_on_both_sides() -> None:
    pair = Pair(client_cred("domain\\User"), server_cred())
    assert pair.run() == C.SEC_E_OK
    n = _query(pair.sctx, C.SECPKG_ATTR_NAMES, SecPkgContext_Names())
    assert isinstance(n, SecPkgContext_Names) and n.sUserName == "DOMAIN\\user"
    n = _query(pair.cctx, C.SECPKG_ATTR_NAMES, SecPkgContext_Names())
    assert isinstance(n, SecPkgContext_Names) and n.sUserName == "domain\\User"
    nn = _query(pair.sctx, C.SECPKG_ATTR_NATIVE_NAMES, SecPkgContext_NativeNames())
    assert isinstance(nn, SecPkgContext_NativeNames) and nn.sClientName == "DOMAIN\\user"


def test_upn_credential() -> None:
    ident = S.SEC_WINNT_AUTH_IDENTITY(User="user@DOMAIN", Password="Password01")
    pair = Pair(acquire(C.SECPKG_CRED_OUTBOUND, ident), server_cred())
    assert pair.run() == C.SEC_E_OK
    auth = AuthenticateMessage.unpack(pair.tokens[2])
    assert (auth.user, auth.domain) == ("user@DOMAIN", "")
    n = _query(pair.sctx, C.SECPKG_ATTR_NAMES, SecPkgContext_Names())
    assert isinstance(n, SecPkgContext_Names) and n.sUserName == "DOMAIN\\user"


def test_backslash_user_in_identity() -> None:
    ident = S.SEC_WINNT_AUTH_IDENTITY(User="DOMAIN\\user", Password="Password01")
    assert Pair(acquire(C.SECPKG_CRED_OUTBOUND, ident), server_cred()).run() == C.SEC_E_OK


def test_nt_hash_credential_and_store() -> None:
    nt = crypto.ntowfv1("Password01")
    ident = S.SEC_WINNT_AUTH_IDENTITY(User="user", Domain="DOMAIN", NtHash=nt)
    s = accounts.MemoryAccountStore()
    s.add("user", None, "DOMAIN", nt_hash=nt)
    assert Pair(acquire(C.SECPKG_CRED_OUTBOUND, ident), server_cred(s)).run() == C.SEC_E_OK


def test_account_nt_hash_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    s = store()
    assert Pair(client_cred(), server_cred(s)).run() == C.SEC_E_OK
    account = s.lookup("user", "DOMAIN")
    assert account is not None and account.cache["ntlm:nt_hash"] == crypto.ntowfv1("Password01")
    calls = []
    real = crypto.ntowfv1
    def counting(p: str) -> bytes:
        calls.append(p)
        return real(p)

    monkeypatch.setattr(crypto, "ntowfv1", counting)
    cred = client_cred()
    assert Pair(cred, server_cred(s)).run() == C.SEC_E_OK
    assert Pair(cred, server_cred(s)).run() == C.SEC_E_OK
    assert len(calls) == 1  # the client credential once; the account not again


def test_lm_hash_never_computed_for_ntlmv2(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(_p: str) -> bytes:
        raise AssertionError("LM hash computed although no LM response is sent")

    monkeypatch.setattr(crypto, "lmowfv1", boom)
    assert Pair(client_cred(), server_cred()).run() == C.SEC_E_OK


def test_default_client_identity_and_store_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    import pathlib

    assert isinstance(tmp_path, pathlib.Path)
    f = tmp_path / "users"
    f.write_text("DOMAIN:user:Password01\n")
    monkeypatch.setenv("SSPI_EMU_USER", "DOMAIN\\user")
    monkeypatch.setenv("SSPI_EMU_PASSWORD", "Password01")
    monkeypatch.setenv("NTLM_USER_FILE", str(f))
    monkeypatch.delenv("SSPI_EMU_ACCOUNTS", raising=False)
    ccred = acquire(C.SECPKG_CRED_OUTBOUND, None)
    scred = acquire(C.SECPKG_CRED_INBOUND, None)
    assert Pair(ccred, scred).run() == C.SEC_E_OK


@pytest.mark.contract("ISC-ERR-NO-CREDENTIALS")
def test_no_default_client_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSPI_EMU_USER", raising=False)
    h = S.CredHandle()
    st = S.AcquireCredentialsHandle(None, "NTLM", C.SECPKG_CRED_OUTBOUND, None, None, None, None, h, S.TimeStamp())
    assert st == C.SEC_E_NO_CREDENTIALS


def test_identity_as_acceptor_credential() -> None:
    ident = S.SEC_WINNT_AUTH_IDENTITY(User="user@DOMAIN", Password="Password01")
    scred = acquire(C.SECPKG_CRED_INBOUND, ident)
    assert Pair(client_cred(), scred).run() == C.SEC_E_OK
    assert Pair(client_cred(password="x"), scred).run() == C.SEC_E_LOGON_DENIED


# -- LmCompatibilityLevel -------------------------------------------------------------------


def _levels(client_level: int, server_level: int | None) -> tuple[C.SecurityStatus, AuthenticateMessage]:
    ccred = client_cred(lm_compat_level=client_level)
    scred = server_cred(lm_compat_level=server_level) if server_level is not None else server_cred()
    pair = Pair(ccred, scred)
    status = pair.run()
    return status, AuthenticateMessage.unpack(pair.tokens[2])


@pytest.mark.parametrize("level", [3, 4, 5])
def test_ntlmv2_levels(level: int) -> None:
    status, auth = _levels(level, None)
    assert status == C.SEC_E_OK and len(auth.nt_response) > 24
    assert auth.lm_response == bytes(24)  # the challenge had a timestamp: no LMv2


def test_level0_sends_lm_and_ntlm_without_ess() -> None:
    status, auth = _levels(0, 0)
    assert status == C.SEC_E_OK
    assert len(auth.nt_response) == 24 and len(auth.lm_response) == 24 and auth.lm_response != auth.nt_response
    assert not auth.flags & F.EXTENDED_SESSIONSECURITY


def test_level1_uses_ntlm2_session_response() -> None:
    status, auth = _levels(1, 1)
    assert status == C.SEC_E_OK and auth.flags & F.EXTENDED_SESSIONSECURITY
    assert len(auth.nt_response) == 24 and auth.lm_response[8:] == bytes(16)


def test_level2_no_lm_response() -> None:
    # Level 2 without ESS: the LM field repeats the NT response.
    ccred = client_cred(lm_compat_level=2, negotiate_flags=int(F.UNICODE | F.NTLM | F.SIGN | F.SEAL | F.ALWAYS_SIGN))
    pair = Pair(ccred, server_cred(lm_compat_level=2))
    assert pair.run() == C.SEC_E_OK
    auth = AuthenticateMessage.unpack(pair.tokens[2])
    assert auth.lm_response == auth.nt_response


@pytest.mark.parametrize("client_level", [0, 1, 2])
def test_server_default_refuses_v1(client_level: int) -> None:
    status, _ = _levels(client_level, None)
    assert status == C.SEC_E_LOGON_DENIED


def test_level_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSPI_EMU_LM_COMPAT_LEVEL", "1")
    pair = Pair(client_cred(), server_cred())
    assert pair.run() == C.SEC_E_OK
    assert len(AuthenticateMessage.unpack(pair.tokens[2]).nt_response) == 24


def test_v1_wrong_password_denied() -> None:
    pair = Pair(client_cred(password="bad", lm_compat_level=1), server_cred(lm_compat_level=1))
    assert pair.run() == C.SEC_E_LOGON_DENIED


# -- MIC, tampering, malformed tokens ---------------------------------------------------------


@pytest.mark.contract("ASC-ERR-LOGON-DENIED")
def test_tampered_authenticate_flags_fail_mic() -> None:
    pair = Pair(client_cred(), server_cred())
    _st, t1 = pair.isc(None)
    _st, t2 = pair.asc(t1)
    _st, t3 = pair.isc(t2)
    tampered = bytearray(t3)
    tampered[60] ^= F.SEAL  # drop sealing: the MIC covers it
    st, _ = pair.asc(bytes(tampered))
    assert st == C.SEC_E_LOGON_DENIED


def test_tampered_challenge_detected_by_server_mic() -> None:
    pair = Pair(client_cred(), server_cred())
    _st, t1 = pair.isc(None)
    _st, t2 = pair.asc(t1)
    t2b = bytearray(t2)
    t2b[22] ^= 0x80  # flip a flag the client keeps (KEY_EXCH is bit 30)
    _st, t3 = pair.isc(bytes(t2b))
    st, _ = pair.asc(t3)
    assert st == C.SEC_E_LOGON_DENIED


def test_tampered_nt_response_denied() -> None:
    pair = Pair(client_cred(), server_cred())
    _st, t1 = pair.isc(None)
    _st, t2 = pair.asc(t1)
    _st, t3 = pair.isc(t2)
    auth = AuthenticateMessage.unpack(t3)
    i = t3.index(auth.nt_response) + 30
    t3b = bytearray(t3)
    t3b[i] ^= 1
    assert pair.asc(bytes(t3b))[0] == C.SEC_E_LOGON_DENIED


@pytest.mark.contract("ASC-ERR-INVALID-TOKEN")
@pytest.mark.parametrize("token", [b"garbage", b"NTLMSSP\x00\x03\x00\x00\x00", b"NTLMSSP\x00\x01", bytes(100)])
def test_server_malformed_first_token(token: bytes) -> None:
    pair = Pair(client_cred(), server_cred())
    assert pair.asc(token)[0] == C.SEC_E_INVALID_TOKEN


@pytest.mark.contract("ISC-ERR-INVALID-TOKEN")
@pytest.mark.parametrize("cut", [0, 10, 31, 47])
def test_client_truncated_challenge(cut: int) -> None:
    pair = Pair(client_cred(), server_cred())
    _st, t1 = pair.isc(None)
    _st, t2 = pair.asc(t1)
    st, _ = pair.isc(t2[:cut] if cut else b"NTLMSSP\x00\x01\x00\x00\x00" + bytes(40))
    assert st == C.SEC_E_INVALID_TOKEN


@pytest.mark.contract("ASC-ERR-INVALID-TOKEN")
def test_server_truncated_authenticate() -> None:
    pair = Pair(client_cred(), server_cred())
    _st, t1 = pair.isc(None)
    _st, t2 = pair.asc(t1)
    _st, t3 = pair.isc(t2)
    assert pair.asc(t3[:70])[0] == C.SEC_E_INVALID_TOKEN


# -- anonymous --------------------------------------------------------------------------------


def test_anonymous_refused_by_default() -> None:
    anon = acquire(C.SECPKG_CRED_OUTBOUND, S.SEC_WINNT_AUTH_IDENTITY())
    pair = Pair(anon, server_cred())
    assert pair.run() == C.SEC_E_LOGON_DENIED
    auth = AuthenticateMessage.unpack(pair.tokens[2])
    assert auth.user == "" and auth.nt_response == b"" and auth.lm_response == b"\x00"
    assert auth.flags & F.ANONYMOUS


def test_anonymous_allowed_when_configured() -> None:
    anon = acquire(C.SECPKG_CRED_OUTBOUND, S.SEC_WINNT_AUTH_IDENTITY())
    pair = Pair(anon, server_cred(allow_anonymous=True))
    assert pair.run() == C.SEC_E_OK
    assert pair.sflags & C.ASC_RET_NULL_SESSION
    assert pair.cflags & C.ISC_RET_NULL_SESSION
    n = _query(pair.sctx, C.SECPKG_ATTR_NAMES, SecPkgContext_Names())
    assert isinstance(n, SecPkgContext_Names) and n.sUserName == "NT AUTHORITY\\ANONYMOUS LOGON"
    sig, data = seal(pair.cctx, b"anon")
    assert unseal(pair.sctx, sig, data)[:2] == (C.SEC_E_OK, b"anon")


# -- channel bindings -------------------------------------------------------------------------

CBT = b"tls-server-end-point:" + bytes(range(32))


@pytest.mark.parametrize(
    ("policy", "client_cb", "server_cb", "expected"),
    [
        (CB_WHEN_SUPPORTED, CBT, CBT, C.SEC_E_OK),
        (CB_WHEN_SUPPORTED, CBT, CBT + b"x", C.SEC_E_BAD_BINDINGS),
        (CB_WHEN_SUPPORTED, None, CBT, C.SEC_E_OK),
        (CB_WHEN_SUPPORTED, CBT, None, C.SEC_E_OK),
        (CB_WHEN_SUPPORTED, None, None, C.SEC_E_OK),
        (CB_ALWAYS, CBT, CBT, C.SEC_E_OK),
        (CB_ALWAYS, CBT, CBT + b"x", C.SEC_E_BAD_BINDINGS),
        (CB_ALWAYS, None, CBT, C.SEC_E_BAD_BINDINGS),
        (CB_ALWAYS, CBT, None, C.SEC_E_BAD_BINDINGS),
        (CB_NEVER, CBT, CBT + b"x", C.SEC_E_OK),
        (CB_NEVER, None, CBT, C.SEC_E_OK),
    ],
)
def test_channel_binding_policy(policy: str, client_cb: bytes | None, server_cb: bytes | None,
                                expected: C.SecurityStatus) -> None:
    pair = Pair(client_cred(), server_cred(channel_bindings=policy))
    ccb = [cb_buffer(client_cb)] if client_cb is not None else None
    scb = [cb_buffer(server_cb)] if server_cb is not None else None
    assert pair.run(ccb, scb) == expected


def test_channel_bindings_hash_in_av_pair() -> None:
    pair = Pair(client_cred(), server_cred())
    buf = cb_buffer(CBT)
    assert pair.run([buf], [cb_buffer(CBT)]) == C.SEC_E_OK
    info = TargetInfo.unpack(AuthenticateMessage.unpack(pair.tokens[2]).nt_response[44:])
    assert info.get(AvId.CHANNEL_BINDINGS) == bindings_hash(buf.tobytes())
    import hashlib

    assert bindings_hash(buf.tobytes()) == hashlib.md5(bytes(16) + struct.pack("<I", len(CBT)) + CBT).digest()


def test_channel_bindings_lp64_layout_tolerated() -> None:
    # requests-negotiate-sspi packs SEC_CHANNEL_BINDINGS with native 'L' (8 bytes on LP64) and offset 32.
    lp64 = struct.pack("=8Q", 0, 0, 0, 0, 0, 0, len(CBT), 32) + CBT
    pair = Pair(client_cred(), server_cred(channel_bindings=CB_ALWAYS))
    assert pair.run([SecBuffer(C.SECBUFFER_CHANNEL_BINDINGS, lp64)], [cb_buffer(CBT)]) == C.SEC_E_OK


def test_zero_channel_bindings_count_as_absent() -> None:
    from sspi_emu_ntlm.channel_bindings import ZERO_BINDINGS

    assert len(ZERO_BINDINGS) == 16
    s = server_cred(channel_bindings=CB_WHEN_SUPPORTED)
    pair = Pair(client_cred(), s)
    assert pair.run(None, [cb_buffer(CBT)]) == C.SEC_E_OK


# -- flags, attributes, package info ----------------------------------------------------------


@pytest.mark.contract("ISC-REQ-CONFIDENTIALITY", "ISC-REQ-INTEGRITY", "ISC-REQ-CONNECTION", "ASC-ATTR")
def test_ret_flags() -> None:
    pair = Pair(client_cred(), server_cred())
    assert pair.run() == C.SEC_E_OK
    for bit in (C.ISC_RET_CONFIDENTIALITY, C.ISC_RET_INTEGRITY, C.ISC_RET_REPLAY_DETECT,
                C.ISC_RET_SEQUENCE_DETECT, C.ISC_RET_CONNECTION, C.ISC_RET_ALLOCATED_MEMORY):
        assert pair.cflags & bit, hex(bit)
    assert not pair.cflags & C.ISC_RET_MUTUAL_AUTH
    for bit in (C.ASC_RET_CONFIDENTIALITY, C.ASC_RET_INTEGRITY, C.ASC_RET_CONNECTION):
        assert pair.sflags & bit, hex(bit)
    fl = _query(pair.cctx, C.SECPKG_ATTR_FLAGS, SecPkgContext_Flags())
    assert isinstance(fl, SecPkgContext_Flags) and fl.Flags & C.ISC_RET_CONFIDENTIALITY


@pytest.mark.contract("ISC-REQ-CONFIDENTIALITY")
def test_confidentiality_not_requested_not_reported() -> None:
    pair = Pair(client_cred(), server_cred(), creq=C.ISC_REQ_INTEGRITY | C.ISC_REQ_CONNECTION | C.ISC_REQ_ALLOCATE_MEMORY)
    assert pair.run() == C.SEC_E_OK
    assert not pair.cflags & C.ISC_RET_CONFIDENTIALITY
    assert pair.cflags & C.ISC_RET_INTEGRITY


@pytest.mark.contract("ISC-REQ-MUTUAL")
def test_mutual_auth_not_claimed() -> None:
    pair = Pair(client_cred(), server_cred(), creq=C.ISC_REQ_MUTUAL_AUTH | C.ISC_REQ_CONNECTION | C.ISC_REQ_ALLOCATE_MEMORY)
    assert pair.run() == C.SEC_E_OK
    assert not pair.cflags & C.ISC_RET_MUTUAL_AUTH


@pytest.mark.contract("API-QUERY-SIZES")
def test_sizes_and_other_attributes() -> None:
    pair = Pair(client_cred(), server_cred())
    assert pair.run() == C.SEC_E_OK
    for ctx in (pair.cctx, pair.sctx):
        sz = _query(ctx, C.SECPKG_ATTR_SIZES, SecPkgContext_Sizes())
        assert isinstance(sz, SecPkgContext_Sizes)
        assert (sz.cbMaxToken, sz.cbMaxSignature, sz.cbBlockSize, sz.cbSecurityTrailer) == (2888, 16, 0, 16)
        sig, _ = seal(ctx, b"x")
        assert len(sig) == sz.cbSecurityTrailer
        pi = _query(ctx, C.SECPKG_ATTR_PACKAGE_INFO, SecPkgContext_PackageInfo())
        assert isinstance(pi, SecPkgContext_PackageInfo) and pi.PackageInfo.Name == "NTLM"
        ni = _query(ctx, C.SECPKG_ATTR_NEGOTIATION_INFO, SecPkgContext_NegotiationInfo())
        assert isinstance(ni, SecPkgContext_NegotiationInfo)
        assert ni.NegotiationState == C.SECPKG_NEGOTIATION_COMPLETE and ni.PackageInfo.wRPCID == 10
        ki = _query(ctx, C.SECPKG_ATTR_KEY_INFO, SecPkgContext_KeyInfo())
        assert isinstance(ki, SecPkgContext_KeyInfo) and ki.KeySize == 128
        ls = _query(ctx, C.SECPKG_ATTR_LIFESPAN, SecPkgContext_Lifespan())
        assert isinstance(ls, SecPkgContext_Lifespan) and ls.tsExpiry >= ls.tsStart
        sk = _query(ctx, C.SECPKG_ATTR_SESSION_KEY, SecPkgContext_SessionKey())
        assert isinstance(sk, SecPkgContext_SessionKey) and len(sk.SessionKey) == 16


@pytest.mark.contract("API-ENUM")
def test_package_info() -> None:
    box = S.Box()
    assert S.QuerySecurityPackageInfo("NTLM", box) == C.SEC_E_OK
    info = box.value
    assert isinstance(info, S.SecPkgInfo)
    assert (info.Name, info.wRPCID, info.cbMaxToken, info.Comment) == ("NTLM", 10, 2888, "NTLM Security Package")
    assert info.fCapabilities & C.SECPKG_FLAG_INTEGRITY and info.fCapabilities & C.SECPKG_FLAG_PRIVACY
    assert info.fCapabilities & C.SECPKG_FLAG_CONNECTION and info.fCapabilities & C.SECPKG_FLAG_NEGOTIABLE


@pytest.mark.contract("ISC-REQ-CALLER-BUFFER")
def test_caller_sized_output_buffer() -> None:
    from sspi_emu.buffers import SecBufferDesc

    ccred = client_cred()
    ctx = S.CtxtHandle()
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, bytearray(2888))])
    attr = S.ULONG()
    st = S.InitializeSecurityContext(ccred, None, "HTTP/x", C.ISC_REQ_CONNECTION, 0, C.SECURITY_NETWORK_DREP, None,
                                     0, ctx, out, attr, S.TimeStamp())
    assert st == C.SEC_I_CONTINUE_NEEDED
    assert NegotiateMessage.unpack(out[0].tobytes()).flags & F.NTLM
    assert isinstance(attr.value, int) and not attr.value & C.ISC_RET_ALLOCATED_MEMORY


def test_challenge_contents() -> None:
    pair = Pair(client_cred(), server_cred(nb_computer_name="SRV", nb_domain_name="CORP", dns_domain_name="corp.example"))
    _st, t1 = pair.isc(None)
    _st, t2 = pair.asc(t1)
    ch = ChallengeMessage.unpack(t2)
    assert ch.target_name == "CORP" and ch.flags & F.TARGET_TYPE_DOMAIN
    assert ch.target_info is not None
    assert ch.target_info.text(AvId.NB_COMPUTER_NAME) == "SRV"
    assert ch.target_info.text(AvId.DNS_DOMAIN_NAME) == "corp.example"
    assert ch.target_info.get(AvId.TIMESTAMP) is not None
    assert ch.version is not None


@pytest.mark.contract("ISC-REAUTH")
def test_reauthentication_after_complete() -> None:
    pair = Pair(client_cred(), server_cred())
    assert pair.run() == C.SEC_E_OK
    st, tok = pair.isc(None)
    assert st == C.SEC_I_CONTINUE_NEEDED and tok.startswith(b"NTLMSSP\x00\x01")


@pytest.mark.parametrize(
    ("target", "policy", "expected"),
    [
        ("HTTP/web.example.com", CB_WHEN_SUPPORTED, C.SEC_E_OK),
        ("http/WEB.example.com", CB_WHEN_SUPPORTED, C.SEC_E_OK),
        ("HTTP/evil.example.com", CB_WHEN_SUPPORTED, C.SEC_E_BAD_BINDINGS),
        (None, CB_WHEN_SUPPORTED, C.SEC_E_OK),
        (None, CB_ALWAYS, C.SEC_E_BAD_BINDINGS),
        ("HTTP/evil.example.com", CB_NEVER, C.SEC_E_OK),
    ],
)
def test_service_binding_spn_check(target: str | None, policy: str, expected: C.SecurityStatus) -> None:
    scred = server_cred(accepted_spns=("HTTP/web.example.com", "HOST/web"), channel_bindings=policy)
    ccb = scb = [cb_buffer(CBT)] if policy == CB_ALWAYS else None
    assert Pair(client_cred(), scred, target=target).run(ccb, scb) == expected


def test_challenge_with_flags_pair_is_merged() -> None:
    """A server that already sends MsvAvFlags: the client ORs MIC_PRESENT in, keeping the other bits."""
    pairs = [(AvId.NB_DOMAIN_NAME, "D".encode("utf-16-le")), (AvId.FLAGS, (1).to_bytes(4, "little")),
             (AvId.TIMESTAMP, bytes(8))]
    pair = Pair(client_cred(), server_cred(target_info=pairs), target="HTTP/x")
    assert pair.run([cb_buffer(CBT)], [cb_buffer(CBT)]) == C.SEC_E_OK
    info = TargetInfo.unpack(AuthenticateMessage.unpack(pair.tokens[2]).nt_response[44:])
    assert info.flags() == AvFlags.CONSTRAINED | AvFlags.MIC_PRESENT
    assert [k for k, _v in info] == [AvId.NB_DOMAIN_NAME, AvId.FLAGS, AvId.TIMESTAMP, AvId.CHANNEL_BINDINGS,
                                     AvId.TARGET_NAME]
    assert len(info) == 5
    assert ("TARGET_NAME", "HTTP/x") in info.describe() and "TargetInfo(" in repr(info)


def test_lm_only_response_accepted_at_low_levels() -> None:
    """An LM-only AUTHENTICATE (empty NT response) is checked against the LM hash at levels < 4."""
    from sspi_emu_ntlm import authenticate_message
    from sspi_emu_ntlm import client as client_mod

    pair = Pair(client_cred(lm_compat_level=0), server_cred(lm_compat_level=0))
    real = authenticate_message.AuthenticateMessage

    def lm_only(*args: object, **kw: object) -> AuthenticateMessage:
        msg = real(*args, **kw)  # type: ignore[arg-type]
        msg.nt_response = b""
        return msg

    mp = pytest.MonkeyPatch()
    mp.setattr(client_mod, "AuthenticateMessage", lm_only)
    try:
        assert pair.run() == C.SEC_E_OK
    finally:
        mp.undo()
    refused = Pair(client_cred(lm_compat_level=0), server_cred(lm_compat_level=4))
    mp = pytest.MonkeyPatch()
    mp.setattr(client_mod, "AuthenticateMessage", lm_only)
    try:
        assert refused.run() == C.SEC_E_LOGON_DENIED
    finally:
        mp.undo()


def test_demo_profiles_run() -> None:
    from sspi_emu_ntlm import package

    from sspi_emu import cli

    lines: list[str] = []
    profiles = package.demo_profile()
    for profile in profiles:
        cli.run_demo(package, profile, lines.append)
    assert len(profiles) == 3  # NTLMv2, channel bindings, connectionless
    assert sum("round trip" in line and line.endswith("ok") for line in lines) == len(profiles)


def test_oversized_names_give_statuses() -> None:
    pair = Pair(client_cred(), server_cred(), target="HTTP/" + "x" * 40000)
    st, _ = pair.isc(None)
    assert st == C.SEC_E_INVALID_PARAMETER
    # A 32767-character SPN fits the AV pair, but no longer the NTLMv2 response field.
    pair = Pair(client_cred(), server_cred(), target="x" * 0x7FFF)
    _st, t1 = pair.isc(None)
    _st, t2 = pair.asc(t1)
    assert pair.isc(t2)[0] == C.SEC_E_INVALID_TOKEN
    big_user = Pair(client_cred("DOMAIN\\" + "u" * 40000), server_cred())
    _st, t1 = big_user.isc(None)
    _st, t2 = big_user.asc(t1)
    assert big_user.isc(t2)[0] == C.SEC_E_INVALID_TOKEN


def test_ansi_identity_with_bytes() -> None:
    ident = S.SEC_WINNT_AUTH_IDENTITY(User=b"user", Domain=b"DOMAIN", Password=b"Password01",  # type: ignore[arg-type]
                                      Flags=C.SEC_WINNT_AUTH_IDENTITY_ANSI)
    assert Pair(acquire(C.SECPKG_CRED_OUTBOUND, ident), server_cred()).run() == C.SEC_E_OK
    bad = S.SEC_WINNT_AUTH_IDENTITY(User=5, Password="x")  # type: ignore[arg-type]
    h = S.CredHandle()
    st = S.AcquireCredentialsHandle(None, "NTLM", C.SECPKG_CRED_OUTBOUND, None, bad, None, None, h, S.TimeStamp())
    assert st == C.SEC_E_INVALID_PARAMETER
