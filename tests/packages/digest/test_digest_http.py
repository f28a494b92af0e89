"""HTTP Digest through the C-shaped API: challenge, response, verification, nonces and statuses."""

from __future__ import annotations

import hashlib

import pytest
from sspi_emu_digest import ha1_secret_key
from sspi_emu_digest.http_wire import AuthenticationInfo, DigestCredentials, parse_digest_challenges

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu import entropy
from sspi_emu.accounts import MemoryAccountStore
from sspi_emu.attributes import SecPkgContext_Flags, SecPkgContext_Names, SecPkgInfo
from sspi_emu.buffers import SecBuffer, SecBufferDesc
from sspi_emu.entropy import PinnedEntropy

from .digest_helpers import HTTP_C, HTTP_S, Side, client_cred, http_exchange, params, server_cred, store

URI = "/dir/index.html"


def pair(creq: int = HTTP_C, sreq: int = HTTP_S, **server_kw: object) -> tuple[Side, Side]:
    return Side(client_cred(), creq, target=URI), Side(server_cred(**server_kw), sreq, server=True)


@pytest.mark.contract("ISC-REQ-HTTP")
@pytest.mark.contract("ISC-CTX-FIRST")
@pytest.mark.contract("ASC-OUTPUT-ON-OK")
@pytest.mark.contract("ISC-RET-OK-TOKEN")
@pytest.mark.contract("ASC-TOKEN-USER")
def test_full_exchange_md5() -> None:
    client, server = pair()
    challenge, answer, info = http_exchange(client, server)
    assert challenge.token.startswith(b"Digest ") and b'realm="testrealm"' in challenge.token
    assert answer.status == C.SEC_E_OK and answer.token.startswith(b"Digest username=\"alice\"")
    assert info.status == C.SEC_E_OK
    assert AuthenticationInfo.parse(info.token.decode()).rspauth
    assert server.query(C.SECPKG_ATTR_NAMES, SecPkgContext_Names).sUserName == "alice"


@pytest.mark.parametrize("alg", ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess"])
@pytest.mark.parametrize("qop", ["auth", "auth-int"])
@pytest.mark.contract("ISC-REQ-MUTUAL")
def test_every_algorithm_and_qop_with_mutual_auth(alg: str, qop: str) -> None:
    creq = HTTP_C | C.ISC_REQ_MUTUAL_AUTH | (C.ISC_REQ_INTEGRITY if qop == "auth-int" else 0)
    client, server = pair(creq, HTTP_S | C.ASC_REQ_MUTUAL_AUTH, algorithms=(alg,))
    _, answer, info = http_exchange(client, server, "POST", URI, b"body bytes")
    assert answer.status == C.SEC_I_CONTINUE_NEEDED
    creds = DigestCredentials.parse(answer.token.decode())
    assert (creds.algorithm.name, creds.qop) == (alg.replace("-SESS", "-sess"), qop)
    assert info.status == C.SEC_E_OK
    final = client.step(info.token)
    assert final.status == C.SEC_E_OK
    assert client.query(C.SECPKG_ATTR_FLAGS, SecPkgContext_Flags).Flags & C.ISC_RET_MUTUAL_AUTH


def test_several_challenges_client_picks_strongest() -> None:
    client, server = pair(algorithms=("MD5", "SHA-256", "SHA-512-256"))
    challenge = server.step(None, params())
    assert len(parse_digest_challenges(challenge.token.decode())) == 3
    answer = client.step(challenge.token, params())
    assert DigestCredentials.parse(answer.token.decode()).algorithm.name == "SHA-512-256"
    assert server.step(answer.token, params()).status == C.SEC_E_OK


def test_other_schemes_and_unknown_algorithms_are_skipped() -> None:
    client, server = pair()
    challenge = server.step(None, params()).token.decode()
    mixed = f'Negotiate, Basic realm="x", Digest realm="x", nonce="n", algorithm=SHA3-999, {challenge}'
    answer = client.step(mixed.encode(), params())
    assert answer.status == C.SEC_E_OK
    assert server.step(answer.token, params()).status == C.SEC_E_OK


@pytest.mark.contract("ASC-ERR-LOGON-DENIED")
def test_wrong_password_is_logon_denied() -> None:
    client = Side(client_cred(password="wrong"), HTTP_C, target=URI)
    server = Side(server_cred(), HTTP_S, server=True)
    _, _, info = http_exchange(client, server)
    assert info.status == C.SEC_E_LOGON_DENIED


def test_unknown_user_is_logon_denied() -> None:
    client = Side(client_cred(user="mallory"), HTTP_C, target=URI)
    server = Side(server_cred(), HTTP_S, server=True)
    assert http_exchange(client, server)[2].status == C.SEC_E_LOGON_DENIED


def test_stored_ha1_instead_of_password() -> None:
    ha1 = hashlib.sha256(b"alice:testrealm:Passw0rd!").digest()
    accounts = MemoryAccountStore()
    accounts.add("alice", None, secrets={ha1_secret_key("SHA-256", "testrealm"): ha1.hex().encode()})
    client = Side(client_cred(), HTTP_C, target=URI)
    server = Side(server_cred(accounts, algorithms=("SHA-256",)), HTTP_S, server=True)
    assert http_exchange(client, server)[2].status == C.SEC_E_OK


def test_password_changes_are_seen_by_a_live_server_credential() -> None:
    accounts = store()
    server_handle = server_cred(accounts)

    def outcome(password: str) -> C.SecurityStatus:
        client = Side(client_cred(password=password), HTTP_C, target=URI)
        return http_exchange(client, Side(server_handle, HTTP_S, server=True))[2].status

    assert outcome("Passw0rd!") == C.SEC_E_OK  # the server has now memoised this password's HA1
    account = accounts.lookup("alice")
    assert account is not None
    account.password = "N3w-secret"  # changed in place, same Account object
    assert outcome("Passw0rd!") == C.SEC_E_LOGON_DENIED
    assert outcome("N3w-secret") == C.SEC_E_OK
    accounts.add("alice", "Th1rd")  # replaced in the store
    assert outcome("N3w-secret") == C.SEC_E_LOGON_DENIED
    assert outcome("Th1rd") == C.SEC_E_OK
    stored = hashlib.md5(b"alice:testrealm:F0urth", usedforsecurity=False).digest()
    accounts.add("alice", "Th1rd", secrets={ha1_secret_key("MD5", "testrealm"): stored})  # a stored HA1 wins
    assert outcome("Th1rd") == C.SEC_E_LOGON_DENIED
    assert outcome("F0urth") == C.SEC_E_OK


def test_memoised_secrets_stay_out_of_reprs() -> None:
    from sspi_emu_digest import DigestIdentity, DigestServerOptions, package

    from sspi_emu.spi import StepInput

    accounts = store()
    scred = package.acquire_credentials(None, C.SECPKG_CRED_INBOUND, None,
                                        DigestServerOptions(store=accounts, realm="testrealm"))
    ccred = package.acquire_credentials(None, C.SECPKG_CRED_OUTBOUND, None,
                                        DigestIdentity(User="alice", Password="Passw0rd!"))
    bufs = [(C.SECBUFFER_PKG_PARAMS, b"GET"), (C.SECBUFFER_PKG_PARAMS, URI.encode())]
    server = package.server_context(scred, HTTP_S, 0)
    client = package.client_context(ccred, URI, HTTP_C, 0)
    answer = client.step(StepInput(server.step(StepInput(None, bufs)).token, bufs))
    assert server.step(StepInput(answer.token, bufs)).status == C.SEC_E_OK
    account = accounts.lookup("alice")
    assert account is not None and account.cache  # something was memoised
    ha1 = hashlib.md5(b"alice:testrealm:Passw0rd!", usedforsecurity=False).hexdigest()
    for obj in (account, accounts, scred, ccred, server, client):
        assert "Passw0rd!" not in repr(obj) and ha1 not in repr(obj)


@pytest.mark.contract("ASC-ERR-AFTER-COMPLETE")
def test_accept_after_established_is_refused() -> None:
    client, server = pair()
    _, answer, info = http_exchange(client, server)
    assert info.status == C.SEC_E_OK
    again = server.step(answer.token, params())
    assert again.status == getattr(C.SecurityStatus, "STATUS_LOGON_FAILURE", C.SEC_E_LOGON_DENIED)


@pytest.mark.contract("ISC-EXPIRY")
def test_digest_contexts_never_expire() -> None:
    client, server = pair()
    challenge, answer, info = http_exchange(client, server)
    assert answer.expiry == C.TIMESTAMP_NEVER and info.expiry == C.TIMESTAMP_NEVER


@pytest.mark.contract("ISC-TARGET-DIGEST-URI")
@pytest.mark.parametrize("target", ["/caf\u00e9", "/a b", "/bad%zz", "/tab\there"])
def test_non_ascii_target_is_refused(target: str) -> None:
    cred = client_cred()
    status = S.InitializeSecurityContext(cred, None, target, HTTP_C | C.ISC_REQ_ALLOCATE_MEMORY, 0, 0, None, 0,
                                         S.CtxtHandle(), SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN)]), S.ULONG(),
                                         S.TimeStamp())
    assert status == C.SEC_E_TARGET_UNKNOWN


@pytest.mark.contract("ISC-TARGET-DIGEST-URI")
def test_percent_encoded_target_is_used_as_uri() -> None:
    client = Side(client_cred(), HTTP_C, target="/caf%C3%A9?q=%20")
    server = Side(server_cred(), HTTP_S, server=True)
    _, answer, info = http_exchange(client, server, uri="/caf%C3%A9?q=%20")
    assert DigestCredentials.parse(answer.token.decode()).uri == "/caf%C3%A9?q=%20"
    assert info.status == C.SEC_E_OK


def test_uri_mismatch_is_invalid_token() -> None:
    client, server = pair()
    challenge = server.step(None, params())
    answer = client.step(challenge.token, params())
    assert server.step(answer.token, params(uri="/other")).status == C.SEC_E_INVALID_TOKEN


def test_method_is_part_of_the_response() -> None:
    client, server = pair()
    challenge = server.step(None, params())
    answer = client.step(challenge.token, params("GET"))
    assert server.step(answer.token, params("DELETE")).status == C.SEC_E_LOGON_DENIED


@pytest.mark.contract("ISC-RET-COMPLETE-NEEDED")
def test_client_auth_int_without_body_needs_complete_auth_token() -> None:
    client, server = pair(HTTP_C | C.ISC_REQ_INTEGRITY, qop=("auth-int",))
    challenge = server.step(None, params("POST"))
    first = client.step(challenge.token, params("POST"))
    assert first.status == C.SEC_I_COMPLETE_NEEDED
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, 4096), SecBuffer(C.SECBUFFER_DATA, b"the body")])
    assert S.CompleteAuthToken(client.ctx, out) == C.SEC_E_OK
    final = out[0].tobytes()
    assert final != first.token
    assert server.step(final, params("POST", URI, b"the body")).status == C.SEC_E_OK


@pytest.mark.contract("ISC-RET-COMPLETE-AND-CONTINUE")
def test_client_auth_int_mutual_gives_complete_and_continue() -> None:
    client, server = pair(HTTP_C | C.ISC_REQ_INTEGRITY | C.ISC_REQ_MUTUAL_AUTH, qop=("auth-int",))
    challenge = server.step(None, params("POST"))
    first = client.step(challenge.token, params("POST"))
    assert first.status == C.SEC_I_COMPLETE_AND_CONTINUE
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, 4096), SecBuffer(C.SECBUFFER_DATA, b"x")])
    assert S.CompleteAuthToken(client.ctx, out) == C.SEC_E_OK
    info = server.step(out[0].tobytes(), params("POST", URI, b"x"))
    assert info.status == C.SEC_E_OK
    assert client.step(info.token).status == C.SEC_E_OK


@pytest.mark.contract("ASC-RET-COMPLETE")
def test_server_auth_int_without_body_completes_later() -> None:
    client, server = pair(HTTP_C | C.ISC_REQ_INTEGRITY)
    challenge = server.step(None, params("PUT"))
    answer = client.step(challenge.token, params("PUT", URI, b"payload"))
    pending = server.step(answer.token, params("PUT"))
    assert pending.status == C.SEC_I_COMPLETE_NEEDED
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_DATA, b"payload"), SecBuffer(C.SECBUFFER_TOKEN, 1024)])
    assert S.CompleteAuthToken(server.ctx, out) == C.SEC_E_OK
    assert AuthenticationInfo.parse(out[1].tobytes().decode()).qop == "auth-int"


def test_server_auth_int_wrong_body_is_refused() -> None:
    client, server = pair(HTTP_C | C.ISC_REQ_INTEGRITY)
    challenge = server.step(None, params("PUT"))
    answer = client.step(challenge.token, params("PUT", URI, b"payload"))
    assert server.step(answer.token, params("PUT", URI, b"tampered")).status == C.SEC_E_LOGON_DENIED


def test_replayed_nonce_count_is_rejected() -> None:
    scred = server_cred()
    client = Side(client_cred(), HTTP_C, target=URI)
    challenge = Side(scred, HTTP_S, server=True).step(None, params())
    answer = client.step(challenge.token, params())
    assert Side(scred, HTTP_S, server=True).step(answer.token, params()).status == C.SEC_E_OK
    # a stateless server: the same Authorization presented again on a new context
    assert Side(scred, HTTP_S, server=True).step(answer.token, params()).status == C.SEC_E_OUT_OF_SEQUENCE


def test_increasing_nonce_count_on_the_same_nonce_is_accepted() -> None:
    scred = server_cred()
    challenge = Side(scred, HTTP_S, server=True).step(None, params())
    for _ in range(3):
        client = Side(client_cred(), HTTP_C, target=URI)
        answer = client.step(challenge.token, params())
        creds = DigestCredentials.parse(answer.token.decode())
        assert creds.nc == "00000001"
    # the client's own counter goes up when it answers the same nonce again
    client = Side(client_cred(), HTTP_C | C.ISC_REQ_MUTUAL_AUTH, target=URI)
    a1 = client.step(challenge.token, params())
    a2 = client.step(challenge.token, params())
    assert DigestCredentials.parse(a2.token.decode()).nc == "00000002"
    assert Side(scred, HTTP_S, server=True).step(a2.token, params()).status == C.SEC_E_OK
    assert Side(scred, HTTP_S, server=True).step(a1.token, params()).status == C.SEC_E_OK  # out of order, in window


def test_expired_nonce_gives_stale_challenge() -> None:
    scred = server_cred(nonce_lifetime=60)
    with entropy.pinned(PinnedEntropy(seed=b"s", clock=1_000_000.0)):
        challenge = Side(scred, HTTP_S, server=True).step(None, params())
    client = Side(client_cred(), HTTP_C | C.ISC_REQ_MUTUAL_AUTH, target=URI)
    answer = client.step(challenge.token, params())
    server = Side(scred, HTTP_S, server=True)
    with entropy.pinned(PinnedEntropy(seed=b"s", clock=1_000_061.0)):
        stale = server.step(answer.token, params())
    assert stale.status == C.SEC_I_CONTINUE_NEEDED
    fresh = parse_digest_challenges(stale.token.decode())[0]
    assert fresh.stale
    with entropy.pinned(PinnedEntropy(seed=b"s", clock=1_000_062.0)):
        again = client.step(stale.token, params())
        assert again.status == C.SEC_I_CONTINUE_NEEDED
        info = server.step(again.token, params())
    assert info.status == C.SEC_E_OK
    assert client.step(info.token).status == C.SEC_E_OK


def test_expired_nonce_with_wrong_password_is_not_stale() -> None:
    scred = server_cred(nonce_lifetime=60)
    with entropy.pinned(PinnedEntropy(seed=b"s", clock=1_000_000.0)):
        challenge = Side(scred, HTTP_S, server=True).step(None, params())
    answer = Side(client_cred(password="nope"), HTTP_C, target=URI).step(challenge.token, params())
    with entropy.pinned(PinnedEntropy(seed=b"s", clock=1_000_061.0)):
        assert Side(scred, HTTP_S, server=True).step(answer.token, params()).status == C.SEC_E_LOGON_DENIED


def test_the_issuing_context_still_dates_its_own_nonce() -> None:
    server = Side(server_cred(nonce_lifetime=60), HTTP_S, server=True)
    with entropy.pinned(PinnedEntropy(seed=b"s", clock=1_000_000.0)):
        challenge = server.step(None, params())
    client = Side(client_cred(), HTTP_C, target=URI)
    answer = client.step(challenge.token, params())
    with entropy.pinned(PinnedEntropy(seed=b"s", clock=1_000_061.0)):
        stale = server.step(answer.token, params())  # the same context that sent the nonce
    assert stale.status == C.SEC_I_CONTINUE_NEEDED and parse_digest_challenges(stale.token.decode())[0].stale
    with entropy.pinned(PinnedEntropy(seed=b"s", clock=1_000_062.0)):
        again = client.step(stale.token, params())
        assert server.step(again.token, params()).status == C.SEC_E_OK


def test_the_issuing_context_refuses_its_nonce_altered() -> None:
    server = Side(server_cred(), HTTP_S, server=True)
    challenge = server.step(None, params())
    nonce = parse_digest_challenges(challenge.token.decode())[0].nonce
    altered = nonce[:5] + ("B" if nonce[5] != "B" else "C") + nonce[6:]
    token = challenge.token.replace(nonce.encode(), altered.encode())
    answer = Side(client_cred(), HTTP_C, target=URI).step(token, params())
    assert answer.status == C.SEC_E_OK
    assert server.step(answer.token, params()).status == C.SEC_E_LOGON_DENIED


def test_the_issuing_context_accepts_a_sibling_nonce() -> None:
    scred = server_cred()
    server = Side(scred, HTTP_S, server=True)
    server.step(None, params())
    sibling = Side(scred, HTTP_S, server=True).step(None, params())  # same credential, another context
    answer = Side(client_cred(), HTTP_C, target=URI).step(sibling.token, params())
    assert server.step(answer.token, params()).status == C.SEC_E_OK


def test_nonce_from_another_server_is_refused() -> None:
    challenge = Side(server_cred(opaque="o"), HTTP_S, server=True).step(None, params())
    answer = Side(client_cred(), HTTP_C, target=URI).step(challenge.token, params())
    other = Side(server_cred(opaque="o"), HTTP_S, server=True)  # another secret
    assert other.step(answer.token, params()).status == C.SEC_E_LOGON_DENIED


def test_opaque_must_come_back() -> None:
    client, server = pair()
    challenge = server.step(None, params())
    answer = client.step(challenge.token, params()).token.decode()
    creds = DigestCredentials.parse(answer)
    creds.opaque = "tampered"
    assert server.step(creds.format().encode(), params()).status == C.SEC_E_INVALID_TOKEN


def test_userhash_server_and_client() -> None:
    client, server = pair(userhash=True, algorithms=("SHA-256",))
    _, answer, info = http_exchange(client, server)
    creds = DigestCredentials.parse(answer.token.decode())
    assert creds.userhash and creds.username == hashlib.sha256(b"alice:testrealm").hexdigest()
    assert info.status == C.SEC_E_OK
    assert server.query(C.SECPKG_ATTR_NAMES, SecPkgContext_Names).sUserName == "alice"


def test_non_ascii_user_with_username_star() -> None:
    accounts = store("Jäsøn Doe", "Secret, or not?")
    client = Side(client_cred("Jäsøn Doe", "Secret, or not?"), HTTP_C, target=URI)
    server = Side(server_cred(accounts, algorithms=("SHA-512-256",)), HTTP_S, server=True)
    _, answer, info = http_exchange(client, server)
    assert b"username*=UTF-8''J%C3%A4s%C3%B8n%20Doe" in answer.token
    assert info.status == C.SEC_E_OK


@pytest.mark.contract("ISC-ERR-WRONG-PRINCIPAL")
def test_bad_rspauth_fails_mutual_auth() -> None:
    client, server = pair(HTTP_C | C.ISC_REQ_MUTUAL_AUTH)
    _, _, info = http_exchange(client, server)
    forged = AuthenticationInfo.parse(info.token.decode())
    forged.rspauth = "0" * len(forged.rspauth)
    assert client.step(forged.format().encode()).status == C.SEC_E_WRONG_PRINCIPAL


@pytest.mark.contract("ASC-ERR-INVALID-TOKEN")
@pytest.mark.parametrize("token", [b"Basic abc", b"Digest realm=", b'Digest username="a", username="b"', b"\xff" * 10,
                                   b"Digest " + b"a=b, " * 5000])
def test_malformed_authorization_is_invalid_token(token: bytes) -> None:
    server = Side(server_cred(), HTTP_S, server=True)
    assert server.step(token, params()).status == C.SEC_E_INVALID_TOKEN


@pytest.mark.contract("ISC-ERR-INVALID-TOKEN")
@pytest.mark.parametrize("token", [b"Digest", b'Digest realm="x"', b"Basic realm=x", b'Digest realm="x, nonce=y',
                                   b'Digest realm="x", nonce="y", realm="z"'])
def test_malformed_challenge_is_invalid_token(token: bytes) -> None:
    client = Side(client_cred(), HTTP_C, target=URI)
    assert client.step(token, params()).status == C.SEC_E_INVALID_TOKEN


@pytest.mark.contract("ISC-REQ-DELEGATE")
@pytest.mark.contract("ISC-REQ-UNSUPPORTED")
@pytest.mark.parametrize("flag", [C.ISC_REQ_DELEGATE | C.ISC_REQ_MUTUAL_AUTH, C.ISC_REQ_PROMPT_FOR_CREDS])
def test_delegate_and_prompt_are_unsupported(flag: int) -> None:
    assert Side(client_cred(), HTTP_C | flag, target=URI).step(None).status == C.SEC_E_UNSUPPORTED_FUNCTION


@pytest.mark.contract("ASC-ERR-UNSUPPORTED")
def test_server_delegate_is_unsupported() -> None:
    assert Side(server_cred(), HTTP_S | C.ASC_REQ_DELEGATE, server=True).step(None).status == C.SEC_E_UNSUPPORTED_FUNCTION


@pytest.mark.contract("API-ENUM")
@pytest.mark.parametrize("name", ["WDigest", "Digest", "wdigest"])
def test_package_info_and_alias(name: str) -> None:
    box = S.Box()
    assert S.QuerySecurityPackageInfo(name, box) == C.SEC_E_OK
    info = box.value
    assert isinstance(info, SecPkgInfo)
    assert (info.Name, info.Comment, info.wRPCID, info.cbMaxToken, info.wVersion) == (
        "WDigest", "Digest Authentication for Windows", 21, 4096, 1)


@pytest.mark.contract("ISC-ERR-NO-CREDENTIALS")
def test_outbound_credential_needs_a_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSPI_EMU_USER", raising=False)
    status = S.AcquireCredentialsHandle(None, "WDigest", C.SECPKG_CRED_OUTBOUND, None, None, None, None,
                                        S.CredHandle(), S.TimeStamp())
    assert status == C.SEC_E_NO_CREDENTIALS


@pytest.mark.contract("ISC-DREP")
@pytest.mark.parametrize("drep", [C.SECURITY_NATIVE_DREP, C.SECURITY_NETWORK_DREP])
def test_data_rep_is_ignored(drep: int) -> None:
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN)])
    status = S.InitializeSecurityContext(client_cred(), None, URI, HTTP_C | C.ISC_REQ_ALLOCATE_MEMORY, 0, drep, None,
                                         0, S.CtxtHandle(), out, S.ULONG(), S.TimeStamp())
    assert status == C.SEC_I_CONTINUE_NEEDED


@pytest.mark.contract("ISC-REQ-CALLER-BUFFER")
def test_caller_buffer_too_small() -> None:
    client, server = pair()
    challenge = server.step(None, params())
    assert client.step(challenge.token, params(), size=16).status == C.SEC_E_BUFFER_TOO_SMALL


@pytest.mark.parametrize("body", [None, b"entity"])  # two buffers (the usual leg) and three
@pytest.mark.parametrize("bad", ["method", "uri"])
def test_non_ascii_method_or_uri_buffer_is_invalid_parameter(bad: str, body: bytes | None) -> None:
    method, uri = (b"G\xc9T", b"/dir") if bad == "method" else (b"GET", b"/d\xc3\xa9r")
    bufs = [SecBuffer(C.SECBUFFER_PKG_PARAMS, method), SecBuffer(C.SECBUFFER_PKG_PARAMS, uri)]
    if body is not None:
        bufs.append(SecBuffer(C.SECBUFFER_PKG_PARAMS, body))
    for _ in range(2):  # the second time from the text cache, if the first had filled it
        assert Side(server_cred(), HTTP_S, server=True).step(None, bufs).status == C.SEC_E_INVALID_PARAMETER
        assert Side(client_cred(), HTTP_C).step(b"", bufs).status == C.SEC_I_CONTINUE_NEEDED  # no challenge yet
        challenge = Side(server_cred(), HTTP_S, server=True).step(None, params()).token
        assert Side(client_cred(), HTTP_C).step(challenge, bufs).status == C.SEC_E_INVALID_PARAMETER


def test_empty_method_means_get_and_trailing_nuls_are_ignored() -> None:
    client, server = Side(client_cred(), HTTP_C), Side(server_cred(), HTTP_S, server=True)
    challenge = server.step(None, params())
    nul_padded = [SecBuffer(C.SECBUFFER_PKG_PARAMS, b""), SecBuffer(C.SECBUFFER_PKG_PARAMS, b"/dir/index.html\x00\x00")]
    answer = client.step(challenge.token, nul_padded)
    assert answer.status == C.SEC_E_OK
    assert b'uri="/dir/index.html"' in answer.token
    assert server.step(answer.token, params("GET", "/dir/index.html")).status == C.SEC_E_OK
