"""Client and acceptor through the C-shaped API and the Pythonic layer, against an in-process fake KDC."""

from __future__ import annotations

import socket
import struct

import pytest
from sspi_emu_kerberos import KerberosSettings, KeytabEntry, read_keytab, write_keytab
from sspi_emu_kerberos import enctypes as E
from sspi_emu_kerberos.transport import KdcUnreachable

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.constants import SecurityStatus as St
from sspi_emu.entropy import PinnedEntropy
from sspi_emu.errors import SspiError
from tests.packages.kerberos.fake_kdc import REALM, FakeKdc

SPN = "HTTP/web.example"
FLAGS = (C.ISC_REQ_MUTUAL_AUTH | C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_INTEGRITY | C.ISC_REQ_SEQUENCE_DETECT
         | C.ISC_REQ_REPLAY_DETECT)


@pytest.fixture
def kdc() -> FakeKdc:
    return FakeKdc({"alice": "Passw0rd!"}, {SPN: "svc-secret"})


def client_cred(kdc: object, password: str = "Passw0rd!") -> S.Credential:
    return S.Credential("Kerberos", use="outbound",
                        auth_data=KerberosSettings(user=f"alice@{REALM}", password=password, transport=kdc))  # type: ignore[arg-type]


def server_cred(password: str = "svc-secret") -> S.Credential:
    return S.Credential("Kerberos", use="inbound",
                        auth_data=KerberosSettings(service=f"{SPN}@{REALM}", password=password))


def handshake(kdc: FakeKdc, flags: int = FLAGS, cb: bytes | None = None, server_cb: bytes | None = None
              ) -> tuple[S.ClientContext, S.ServerContext]:
    client = S.ClientContext("Kerberos", target=SPN, credential=client_cred(kdc), flags=flags)
    server = S.ServerContext("Kerberos", credential=server_cred())
    tok = client.step(None, channel_bindings=cb)
    reply = server.step(tok, channel_bindings=server_cb)
    if not client.complete:
        client.step(reply)
    return client, server


@pytest.mark.contract("ISC-TARGET-SPN")
@pytest.mark.contract("ASC-TOKEN-USER")
@pytest.mark.contract("ISC-REQ-MUTUAL")
def test_mutual_exchange_names_and_flags(kdc: FakeKdc) -> None:
    client, server = handshake(kdc)
    assert client.complete and server.complete
    assert server.peer_name == f"alice@{REALM}"
    assert client.attributes & C.ISC_RET_MUTUAL_AUTH
    assert server.attributes & C.ASC_RET_MUTUAL_AUTH
    assert client.session_key == server.session_key
    assert client.negotiated_package == "Kerberos"


def test_first_token_is_gss_framed_ap_req(kdc: FakeKdc) -> None:
    client = S.ClientContext("Kerberos", target=SPN, credential=client_cred(kdc), flags=FLAGS)
    tok = client.step(None)
    assert tok[0] == 0x60 and bytes.fromhex("06092a864886f712010202") + b"\x01\x00" in tok[:20]
    assert client.status == St.SEC_I_CONTINUE_NEEDED


def test_without_mutual_one_leg(kdc: FakeKdc) -> None:
    client, server = handshake(kdc, flags=C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_INTEGRITY)
    assert client.status == St.SEC_E_OK
    assert server.unwrap(client.wrap(b"one leg")) == b"one leg"
    assert client.unwrap(server.wrap(b"back")) == b"back"


@pytest.mark.contract("API-SEAL")
@pytest.mark.contract("API-SIGN")
@pytest.mark.contract("ISC-REQ-CONFIDENTIALITY")
@pytest.mark.contract("ISC-REQ-INTEGRITY")
def test_wrap_and_sign_both_ways(kdc: FakeKdc) -> None:
    client, server = handshake(kdc)
    for i in range(3):
        msg = b"message %d " % i * 7
        sealed = client.wrap(msg)
        assert msg not in sealed
        assert server.unwrap(sealed) == msg
        assert client.unwrap(server.wrap(msg[::-1])) == msg[::-1]
        assert server.unwrap(client.wrap(msg, encrypt=False)) == msg
        server.verify(msg, client.sign(msg))
        client.verify(msg, server.sign(msg))
    sig = client.sign(b"abc")
    with pytest.raises(SspiError) as err:
        server.verify(b"abd", sig)
    assert err.value.status == St.SEC_E_MESSAGE_ALTERED


@pytest.mark.contract("API-QUERY-SIZES")
def test_sizes_match_the_tokens(kdc: FakeKdc) -> None:
    client, server = handshake(kdc)
    sizes = client.query(C.SECPKG_ATTR_SIZES)
    assert (sizes.cbMaxToken, sizes.cbMaxSignature, sizes.cbBlockSize, sizes.cbSecurityTrailer) == (48000, 28, 1, 60)
    assert len(client.sign(b"x")) == 28
    assert len(client.wrap(b"hello")) == 60 + 5


@pytest.mark.contract("ISC-REQ-SEQUENCE")
@pytest.mark.contract("ISC-REQ-REPLAY")
def test_out_of_sequence_and_replay(kdc: FakeKdc) -> None:
    client, server = handshake(kdc)
    first, second = client.wrap(b"1"), client.wrap(b"2")
    with pytest.raises(SspiError) as err:
        server.unwrap(second)
    assert err.value.status == St.SEC_E_OUT_OF_SEQUENCE
    s1 = client.sign(b"a")
    server.verify(b"a", s1)
    with pytest.raises(SspiError) as err:
        server.verify(b"a", s1)
    assert err.value.status == St.SEC_E_OUT_OF_SEQUENCE
    assert first


def test_sspi_buffers_in_place_and_stream_decrypt(kdc: FakeKdc) -> None:
    client, server = handshake(kdc)
    data = bytearray(b"in place data!")
    bufs = S.SecBufferDesc([S.SecBuffer(C.SECBUFFER_TOKEN, 60), S.SecBuffer(C.SECBUFFER_DATA, data),
                            S.SecBuffer(C.SECBUFFER_PADDING, 1)])
    assert S.EncryptMessage(client.handle, 0, bufs, 0) == St.SEC_E_OK
    assert bytes(data) != b"in place data!" and len(data) == 14 and bufs[2].cbBuffer == 0
    stream = bytearray(bufs[0].tobytes() + bytes(data))
    out = S.SecBufferDesc([S.SecBuffer(C.SECBUFFER_STREAM, stream), S.SecBuffer(C.SECBUFFER_DATA, None)])
    qop = S.ULONG()
    assert S.DecryptMessage(server.handle, out, 0, qop) == St.SEC_E_OK
    assert out[1].tobytes() == b"in place data!"


@pytest.mark.contract("ISC-ERR-LOGON-DENIED")
def test_bad_password_is_logon_denied(kdc: FakeKdc) -> None:
    client = S.ClientContext("Kerberos", target=SPN, credential=client_cred(kdc, "wrong"), flags=FLAGS)
    with pytest.raises(SspiError) as err:
        client.step(None)
    assert err.value.status == St.SEC_E_LOGON_DENIED


@pytest.mark.contract("ISC-ERR-TARGET-UNKNOWN")
def test_unknown_service_is_target_unknown(kdc: FakeKdc) -> None:
    client = S.ClientContext("Kerberos", target="HTTP/nowhere.example", credential=client_cred(kdc), flags=FLAGS)
    with pytest.raises(SspiError) as err:
        client.step(None)
    assert err.value.status == St.SEC_E_TARGET_UNKNOWN


@pytest.mark.contract("ISC-ERR-NO-AUTHORITY")
def test_kdc_unreachable_fails_fast() -> None:
    def down(realm: str, request: bytes) -> bytes:
        raise KdcUnreachable("down")

    client = S.ClientContext("Kerberos", target=SPN, credential=client_cred(down), flags=FLAGS)
    with pytest.raises(SspiError) as err:
        client.step(None)
    assert err.value.status == St.SEC_E_NO_AUTHENTICATING_AUTHORITY


def test_kdc_on_closed_port_is_no_authority(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("SSPI_EMU_REALM", REALM)
    monkeypatch.setenv("SSPI_EMU_KDC", f"127.0.0.1:{port}")
    monkeypatch.setenv("KRB5_CONFIG", "/nonexistent")
    cred = S.Credential("Kerberos", use="outbound", user=f"alice@{REALM}", password="x")
    client = S.ClientContext("Kerberos", target=SPN, credential=cred, flags=FLAGS)
    with pytest.raises(SspiError) as err:
        client.step(None)
    assert err.value.status == St.SEC_E_NO_AUTHENTICATING_AUTHORITY


@pytest.mark.contract("ISC-ERR-NO-CREDENTIALS")
def test_no_configuration_is_no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("SSPI_EMU_REALM", "SSPI_EMU_KDC", "SSPI_EMU_USER"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("KRB5_CONFIG", "/nonexistent")
    monkeypatch.setenv("KRB5CCNAME", "FILE:/nonexistent/ccache")
    for kwargs in ({}, {"user": "alice", "password": "x"}, {"user": "alice@NOWHERE.TEST", "password": "x"}):
        with pytest.raises(SspiError) as err:
            S.Credential("Kerberos", use="outbound", **kwargs)  # type: ignore[arg-type]
        assert err.value.status == St.SEC_E_NO_CREDENTIALS


def test_ticket_cache_skips_the_kdc(kdc: FakeKdc) -> None:
    cred = client_cred(kdc)
    for _ in range(3):
        client = S.ClientContext("Kerberos", target=SPN, credential=cred, flags=FLAGS)
        server = S.ServerContext("Kerberos", credential=server_cred())
        client.step(server.step(client.step(None)))
        assert client.complete
    assert kdc.requests == 3  # AS twice (pre-auth round trip) + one TGS


@pytest.mark.contract("ASC-ERR-LOGON-DENIED")
def test_wrong_service_key_and_replay(kdc: FakeKdc) -> None:
    client = S.ClientContext("Kerberos", target=SPN, credential=client_cred(kdc), flags=FLAGS)
    tok = client.step(None)
    with pytest.raises(SspiError) as err:
        S.ServerContext("Kerberos", credential=server_cred("not-the-key")).step(tok)
    assert err.value.status == St.SEC_E_LOGON_DENIED
    cred = server_cred()
    S.ServerContext("Kerberos", credential=cred).step(tok)
    with pytest.raises(SspiError) as err:
        S.ServerContext("Kerberos", credential=cred).step(tok)
    assert err.value.status == St.SEC_E_LOGON_DENIED


def test_clock_skew(kdc: FakeKdc) -> None:
    import time

    cred = client_cred(kdc)
    late = PinnedEntropy(seed=b"skew", clock=time.time() - 3600)  # noqa: S324
    client = S.ClientContext("Kerberos", target=SPN, credential=cred, flags=FLAGS, entropy=late)
    tok = client.step(None)
    with pytest.raises(SspiError) as err:
        S.ServerContext("Kerberos", credential=server_cred()).step(tok)
    assert err.value.status == St.SEC_E_TIME_SKEW


def _bindings(app: bytes) -> bytes:
    return struct.pack("<8I", 0, 0, 0, 0, 0, 0, len(app), 32) + app


def test_channel_bindings(kdc: FakeKdc) -> None:
    cb = _bindings(b"tls-server-end-point:abc")
    client, server = handshake(kdc, cb=cb, server_cb=cb)
    assert server.complete
    with pytest.raises(SspiError) as err:
        handshake(kdc, cb=cb, server_cb=_bindings(b"tls-server-end-point:xyz"))
    assert err.value.status == St.SEC_E_BAD_BINDINGS


def test_keytab_acceptor(kdc: FakeKdc, tmp_path: object) -> None:
    path = f"{tmp_path}/svc.keytab"
    key = E.string_to_key(18, "svc-secret", REALM + "HTTPweb.example")
    write_keytab(path, [KeytabEntry(REALM, ("HTTP", "web.example"), 1, key, 2)])
    assert read_keytab(path)[0].key == key
    cred = S.Credential("Kerberos", use="inbound", auth_data=KerberosSettings(keytab=path))
    client = S.ClientContext("Kerberos", target=SPN, credential=client_cred(kdc), flags=FLAGS)
    server = S.ServerContext("Kerberos", credential=cred)
    client.step(server.step(client.step(None)))
    assert server.peer_name == f"alice@{REALM}"


@pytest.mark.contract("API-ENUM")
def test_package_info() -> None:
    box = S.api.QuerySecurityPackageInfo("Kerberos") if False else None  # noqa: SIM108
    del box
    from sspi_emu_kerberos import package

    info = package.info
    assert (info.Name, info.wRPCID, info.cbMaxToken, info.Comment) == ("Kerberos", 16, 0xBB80, "Microsoft Kerberos V1.0")
    assert info.fCapabilities == 0x028F3BBF


def test_demo_runs_against_the_in_memory_kdc(capsys: pytest.CaptureFixture[str]) -> None:
    from sspi_emu.cli import main

    assert main(["demo", "--package", "Kerberos"]) == 0
    out = capsys.readouterr().out
    assert "authenticated: alice@DEMO.EXAMPLE" in out and "KRB5_CONFIG" in out


@pytest.mark.contract("ISC-REQ-DELEGATE")
def test_delegation_forwards_a_usable_tgt(kdc: FakeKdc) -> None:
    client, server = handshake(kdc, flags=FLAGS | C.ISC_REQ_DELEGATE)
    assert client.attributes & C.ISC_RET_DELEGATE
    assert server.attributes & C.ASC_RET_DELEGATE
    token = server.query(C.SECPKG_ATTR_ACCESS_TOKEN).AccessToken
    assert token.user == f"alice@{REALM}" and token.delegated is not None
    assert token.delegated.server.components == ("krbtgt", REALM)
    # The server acts as alice with the forwarded TGT.
    cred = S.Credential("Kerberos", use="outbound", auth_data=KerberosSettings(tgt=token.delegated, transport=kdc))
    again = S.ClientContext("Kerberos", target=SPN, credential=cred, flags=FLAGS)
    other = S.ServerContext("Kerberos", credential=server_cred())
    again.step(other.step(again.step(None)))
    assert other.peer_name == f"alice@{REALM}"


def test_no_delegation_to_a_service_not_trusted_for_it(kdc: FakeKdc, monkeypatch: pytest.MonkeyPatch) -> None:
    from sspi_emu_kerberos import memory_kdc

    real = memory_kdc.m.EncKdcRepPart

    def untrusted(*args: object, **kw: object) -> object:
        part = real(*args, **kw)  # type: ignore[arg-type]
        part.flags &= ~0x00040000  # no OK-AS-DELEGATE
        return part

    monkeypatch.setattr(memory_kdc.m, "EncKdcRepPart", untrusted)
    client, server = handshake(kdc, flags=FLAGS | C.ISC_REQ_DELEGATE)
    assert not client.attributes & C.ISC_RET_DELEGATE
    assert server.query(C.SECPKG_ATTR_ACCESS_TOKEN).AccessToken.delegated is None


def test_no_delegation_unless_asked(kdc: FakeKdc) -> None:
    client, server = handshake(kdc)
    assert not client.attributes & C.ISC_RET_DELEGATE
    assert server.query(C.SECPKG_ATTR_ACCESS_TOKEN).AccessToken.delegated is None


@pytest.mark.contract("ISC-REQ-NO-INTEGRITY")
@pytest.mark.contract("ISC-REQ-CONNECTION")
def test_no_integrity_and_connection_default(kdc: FakeKdc) -> None:
    client, server = handshake(kdc, flags=C.ISC_REQ_MUTUAL_AUTH | C.ISC_REQ_INTEGRITY | C.ISC_REQ_NO_INTEGRITY)
    assert not client.attributes & C.ISC_RET_INTEGRITY
    assert client.attributes & C.ISC_RET_CONNECTION and server.attributes & C.ASC_RET_CONNECTION


@pytest.mark.contract("ISC-REQ-USE-SESSION-KEY")
def test_user_to_user(kdc: FakeKdc) -> None:
    kdc.users["bob"] = E.string_to_key(18, "bob-Passw0rd!", REALM + "bob")
    bob = S.Credential("Kerberos", use="both",
                       auth_data=KerberosSettings(user=f"bob@{REALM}", password="bob-Passw0rd!", transport=kdc))
    client = S.ClientContext("Kerberos", target=f"bob@{REALM}", credential=client_cred(kdc),
                             flags=C.ISC_REQ_USE_SESSION_KEY | FLAGS)
    server = S.ServerContext("Kerberos", credential=bob)
    tgt_req = client.step(None)
    assert b"\x04\x00" in tgt_req[:20]
    tgt_rep = server.step(tgt_req)
    assert server.status == St.SEC_I_CONTINUE_NEEDED and b"\x04\x01" in tgt_rep[:20]
    ap_rep = server.step(client.step(tgt_rep))
    client.step(ap_rep)
    assert client.complete and server.complete
    assert client.attributes & C.ISC_RET_USE_SESSION_KEY and server.attributes & C.ASC_RET_USE_SESSION_KEY
    assert server.peer_name == f"alice@{REALM}"
    assert server.unwrap(client.wrap(b"u2u")) == b"u2u"


def test_user_to_user_needs_a_server_tgt(kdc: FakeKdc) -> None:
    client = S.ClientContext("Kerberos", target=f"bob@{REALM}", credential=client_cred(kdc),
                             flags=C.ISC_REQ_USE_SESSION_KEY | FLAGS)
    with pytest.raises(SspiError) as err:
        S.ServerContext("Kerberos", credential=server_cred()).step(client.step(None))
    assert err.value.status == St.SEC_E_NO_CREDENTIALS


@pytest.mark.contract("ASC-ERR-UNSUPPORTED")
def test_asc_req_delegate_is_unsupported(kdc: FakeKdc) -> None:
    client = S.ClientContext("Kerberos", target=SPN, credential=client_cred(kdc), flags=FLAGS)
    server = S.ServerContext("Kerberos", credential=server_cred(), flags=C.ASC_REQ_DELEGATE)
    with pytest.raises(SspiError) as err:
        server.step(client.step(None))
    assert err.value.status == St.SEC_E_UNSUPPORTED_FUNCTION


@pytest.mark.contract("ISC-EXPIRY")
def test_expiry_is_the_ticket_end_time(kdc: FakeKdc) -> None:
    from sspi_emu.entropy import filetime_to_unix

    client, server = handshake(kdc)
    life = client.query(C.SECPKG_ATTR_LIFESPAN)
    assert 3500 < filetime_to_unix(life.tsExpiry) - filetime_to_unix(life.tsStart) <= 3600
    assert client.expiry.value == life.tsExpiry


@pytest.mark.contract("ISC-ERR-WRONG-PRINCIPAL")
def test_service_with_another_key_is_wrong_principal(kdc: FakeKdc) -> None:
    client = S.ClientContext("Kerberos", target=SPN, credential=client_cred(kdc), flags=FLAGS)
    server = S.ServerContext("Kerberos", credential=server_cred("the key of another account"))
    with pytest.raises(SspiError) as err:
        server.step(client.step(None))
    assert err.value.status == St.SEC_E_LOGON_DENIED and err.value.token  # the KRB-ERROR still goes out
    with pytest.raises(SspiError) as err2:
        client.step(err.value.token)
    assert err2.value.status == St.SEC_E_WRONG_PRINCIPAL


def test_ap_rep_from_another_key_fails_mutual_auth(kdc: FakeKdc) -> None:
    client = S.ClientContext("Kerberos", target=SPN, credential=client_cred(kdc), flags=FLAGS)
    client.step(None)
    other_client = S.ClientContext("Kerberos", target=SPN, credential=client_cred(kdc), flags=FLAGS)
    reply = S.ServerContext("Kerberos", credential=server_cred()).step(other_client.step(None))
    with pytest.raises(SspiError) as err:
        client.step(reply)  # an AP-REP for another session does not decrypt
    assert err.value.status in (St.SEC_E_MUTUAL_AUTH_FAILED, St.SEC_E_WRONG_PRINCIPAL)


def test_rc4_session_key_uses_rfc4757_tokens() -> None:
    kdc = FakeKdc({"alice": "Passw0rd!"}, {SPN: "svc-secret"}, enctype=23)
    keytab = [KeytabEntry(REALM, ("HTTP", "web.example"), 1, kdc.service_key(SPN), 2)]
    client = S.ClientContext("Kerberos", target=SPN, credential=client_cred(kdc), flags=FLAGS)
    server = S.ServerContext("Kerberos", credential=S.Credential("Kerberos", use="inbound",
                                                                 auth_data=KerberosSettings(keytab=keytab)))
    client.step(server.step(client.step(None)))
    assert server.peer_name == f"alice@{REALM}"
    sealed = client.wrap(b"rc4 sealed")
    assert sealed[0] == 0x60 and b"\x02\x01\x11\x00\x10\x00" in sealed[:20] and b"rc4 sealed" not in sealed
    assert server.unwrap(sealed) == b"rc4 sealed"
    assert client.unwrap(server.wrap(b"back")) == b"back"
    assert server.unwrap(client.wrap(b"signed only", encrypt=False)) == b"signed only"
    server.verify(b"m", client.sign(b"m"))
    client.verify(b"n", server.sign(b"n"))
    with pytest.raises(SspiError) as err:
        server.verify(b"x", client.sign(b"y"))
    assert err.value.status == St.SEC_E_MESSAGE_ALTERED


@pytest.mark.contract("API-THREADS")
def test_contexts_in_many_threads_share_nothing(kdc: FakeKdc) -> None:
    from concurrent.futures import ThreadPoolExecutor

    ccred, scred = client_cred(kdc), server_cred()

    def one(i: int) -> bytes:
        client = S.ClientContext("Kerberos", target=SPN, credential=ccred, flags=FLAGS)
        server = S.ServerContext("Kerberos", credential=scred)
        client.step(server.step(client.step(None)))
        msg = b"thread %d" % i
        return server.unwrap(client.wrap(msg)) + client.unwrap(server.wrap(msg))

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(32)))
    assert results == [b"thread %d" % i * 2 for i in range(32)]
