"""The sspilib shim: raw conventions, the high-level README flow, asyncpg's calls and pyspnego's SSPI path."""

from __future__ import annotations

import datetime
import socket
import types
import uuid
from pathlib import Path
from typing import Any

import pytest

# --- raw: functions, keyword names, namedtuples ----------------------------------------------------


def _raw_handshake(sspilib: types.ModuleType, protocol: str = "NTLM") -> tuple[Any, Any]:
    raw = sspilib.raw
    ccred = raw.acquire_credentials_handle(principal=None, package=protocol,
                                           credential_use=raw.CredentialUse.SECPKG_CRED_OUTBOUND).credential
    scred = raw.acquire_credentials_handle(None, protocol, raw.CredentialUse.SECPKG_CRED_INBOUND).credential
    cctx = sctx = None
    token: bytes | None = None
    c_done = s_done = False
    while not (c_done and s_done):
        if not c_done:
            inp = raw.SecBufferDesc([raw.SecBuffer(bytearray(token), raw.SecBufferType.SECBUFFER_TOKEN)]) \
                if token else None
            out = raw.SecBufferDesc([raw.SecBuffer(None, raw.SecBufferType.SECBUFFER_TOKEN)])
            res = raw.initialize_security_context(
                credential=ccred, context=cctx, target_name="host/server", context_req=raw.IscReq.ISC_REQ_INTEGRITY
                | raw.IscReq.ISC_REQ_CONFIDENTIALITY | raw.IscReq.ISC_REQ_ALLOCATE_MEMORY,
                target_data_rep=raw.TargetDataRep.SECURITY_NATIVE_DREP, input_buffers=inp, output_buffers=out)
            assert isinstance(res, raw.InitializeContextResult) and isinstance(res.status, raw.NtStatus)
            assert cctx is None or res.context is cctx
            cctx, c_done, token = res.context, res.status == raw.NtStatus.SEC_E_OK, out[0].data
            if not token and s_done:
                break
        if not s_done:
            inp = raw.SecBufferDesc([raw.SecBuffer(bytearray(token or b""), raw.SecBufferType.SECBUFFER_TOKEN)])
            out = raw.SecBufferDesc([raw.SecBuffer(None, raw.SecBufferType.SECBUFFER_TOKEN)])
            sres = raw.accept_security_context(
                credential=scred, context=sctx, input_buffers=inp, context_req=raw.AscReq.ASC_REQ_INTEGRITY
                | raw.AscReq.ASC_REQ_CONFIDENTIALITY | raw.AscReq.ASC_REQ_ALLOCATE_MEMORY,
                target_data_rep=raw.TargetDataRep.SECURITY_NATIVE_DREP, output_buffers=out)
            assert isinstance(sres, raw.AcceptContextResult)
            sctx, s_done, token = sres.context, sres.status == raw.NtStatus.SEC_E_OK, out[0].data
            if not token and c_done:
                break
    return cctx, sctx


def test_raw_handshake_and_result_types(sspilib: types.ModuleType) -> None:
    raw = sspilib.raw
    res = raw.acquire_credentials_handle(principal=None, package="NTLM",
                                         credential_use=raw.CredentialUse.SECPKG_CRED_OUTBOUND)
    assert isinstance(res, raw.AcquireCredentialsResult) and isinstance(res.expiry, int)
    assert isinstance(res.credential, raw.CredHandle)
    cctx, sctx = _raw_handshake(sspilib)
    assert isinstance(cctx, raw.CtxtHandle) and isinstance(sctx, raw.CtxtHandle)
    names = raw.query_context_attributes(sctx, raw.SecPkgContextNames)
    assert isinstance(names, raw.SecPkgContextNames) and names.username == "DEMO\\alice"
    sizes = raw.query_context_attributes(context=cctx, attribute=raw.SecPkgContextSizes)
    assert (sizes.max_signature, sizes.security_trailer) == (16, 16)
    key = raw.query_context_attributes(cctx, raw.SecPkgContextSessionKey).session_key
    assert key == raw.query_context_attributes(sctx, raw.SecPkgContextSessionKey).session_key and len(key) == 16
    info = raw.query_context_attributes(cctx, raw.SecPkgContextPackageInfo)
    assert info.name == "NTLM" and isinstance(info.capabilities, raw.SecurityPackageCapability)
    with pytest.raises(TypeError):
        raw.query_context_attributes(cctx, int)
    packages = raw.enumerate_security_packages()
    assert isinstance(packages, list) and "NTLM" in {p.name for p in packages}
    assert isinstance(packages[0], raw.SecPkgInfo)


def test_unsigned_in_unsigned_qop_out(sspilib: types.ModuleType) -> None:
    raw = sspilib.raw
    cctx, sctx = _raw_handshake(sspilib)
    data = bytearray(b"hello")
    desc = raw.SecBufferDesc([raw.SecBuffer(bytearray(16), raw.SecBufferType.SECBUFFER_TOKEN),
                              raw.SecBuffer(data, raw.SecBufferType.SECBUFFER_DATA),
                              raw.SecBuffer(None, raw.SecBufferType.SECBUFFER_PADDING)])
    raw.encrypt_message(cctx, qop=raw.QopFlags.SECQOP_WRAP_NO_ENCRYPT, message=desc, seq_no=0)
    blob = desc[0].data + desc[1].data
    dec = raw.SecBufferDesc([raw.SecBuffer(bytearray(blob), raw.SecBufferType.SECBUFFER_STREAM),
                             raw.SecBuffer(None, raw.SecBufferType.SECBUFFER_DATA)])
    qop = raw.decrypt_message(sctx, dec, 0)
    assert qop == 0x80000001 == raw.QopFlags.SECQOP_WRAP_NO_ENCRYPT  # unsigned, unlike pywin32
    assert dec[1].data == b"hello" and dec[1].buffer_type == raw.SecBufferType.SECBUFFER_DATA
    for bad in (-1, -2147483647, 1 << 32):
        with pytest.raises(OverflowError):
            raw.encrypt_message(cctx, qop=bad, message=desc, seq_no=1)
    with pytest.raises(OverflowError):
        raw.decrypt_message(sctx, dec, seq_no=-1)
    with pytest.raises(OverflowError):
        raw.acquire_credentials_handle(None, "NTLM", -2)


def test_caller_memory_is_mutated_in_place_and_synced(sspilib: types.ModuleType) -> None:
    raw = sspilib.raw
    cctx, sctx = _raw_handshake(sspilib)
    data = bytearray(b"secret message")
    token = bytearray(32)
    desc = raw.SecBufferDesc([raw.SecBuffer(data, raw.SecBufferType.SECBUFFER_DATA),
                              raw.SecBuffer(token, raw.SecBufferType.SECBUFFER_TOKEN)])
    raw.encrypt_message(cctx, 0, desc, 0)
    assert data != bytearray(b"secret message")  # the user's bytearray is the working memory
    assert desc[1].count == 16 and len(token) == 32  # count synced to the real length
    sealed = bytes(data)
    assert desc[0].dangerous_get_view().tobytes() == sealed
    dec = raw.SecBufferDesc([raw.SecBuffer(bytearray(sealed), raw.SecBufferType.SECBUFFER_DATA),
                             raw.SecBuffer(bytearray(desc[1].data), raw.SecBufferType.SECBUFFER_TOKEN)])
    assert raw.decrypt_message(sctx, dec, 0) == 0
    assert dec[0].data == b"secret message"


def test_secbuffer_object_rules(sspilib: types.ModuleType) -> None:
    raw = sspilib.raw
    with pytest.raises(BufferError):
        raw.SecBuffer(b"immutable", raw.SecBufferType.SECBUFFER_DATA)
    with pytest.raises(BufferError):
        raw.SecBuffer(memoryview(b"ro"), raw.SecBufferType.SECBUFFER_DATA)
    b = raw.SecBuffer(bytearray(b"ab"), raw.SecBufferType.SECBUFFER_DATA, raw.SecBufferFlags.SECBUFFER_READONLY)
    assert (b.count, b.data, b.buffer_type, b.buffer_flags) == (2, b"ab", raw.SecBufferType.SECBUFFER_DATA,
                                                              raw.SecBufferFlags.SECBUFFER_READONLY)
    assert repr(b) == "SecBuffer(data=bytearray(b'ab'), buffer_type=1, buffer_flags=2147483648)"
    assert str(b) == "SECBUFFER_DATA|SECBUFFER_READONLY"
    empty = raw.SecBuffer(None, raw.SecBufferType.SECBUFFER_TOKEN)
    assert (empty.count, empty.data) == (0, b"")
    d = raw.SecBufferDesc([b, empty], version=0)
    assert len(d) == 2 and d[0] is b and d[-1] is empty and list(d) == [b, empty] and d.version == 0
    with pytest.raises(IndexError):
        d[2]
    cb = raw.SecChannelBindings(application_data=b"tls-server-end-point:xyz")
    buf = cb.get_sec_buffer_copy()
    assert buf.buffer_type == raw.SecBufferType.SECBUFFER_CHANNEL_BINDINGS
    assert buf.data[24:32] == (24).to_bytes(4, "little") + (32).to_bytes(4, "little")
    assert buf.data[32:] == b"tls-server-end-point:xyz" and cb.application_data == b"tls-server-end-point:xyz"


def test_windows_error_shape(sspilib: types.ModuleType) -> None:
    raw = sspilib.raw
    err = raw.WindowsError(-2146893048)
    assert isinstance(err, OSError) and err.winerror == -2146893048 and err.errno == -2146893048
    assert err.args == (-2146893048, err.strerror)
    assert err.strerror.startswith("Received SSPI Error SEC_E_INVALID_TOKEN 0x80090308: ")
    assert raw.WindowsError(0x12345).strerror.startswith("Received SSPI Error UNKNOWN_ERROR_CODE 0x00012345")
    assert sspilib.WindowsError is raw.WindowsError
    with pytest.raises(raw.WindowsError) as exc:
        raw.decrypt_message(raw.CtxtHandle(), raw.SecBufferDesc([]), 0)
    assert exc.value.winerror < 0  # signed
    with pytest.raises(raw.WindowsError) as exc:
        raw.acquire_credentials_handle(None, "NoSuchPackage", 2)
    assert exc.value.winerror == -2146893051


def test_argument_types_are_checked(sspilib: types.ModuleType) -> None:
    raw = sspilib.raw
    cred = raw.acquire_credentials_handle(None, "NTLM", 2).credential
    out = raw.SecBufferDesc([raw.SecBuffer(None, raw.SecBufferType.SECBUFFER_TOKEN)])
    with pytest.raises(TypeError, match="target_name"):
        raw.initialize_security_context(cred, None, None, 0x100, 0x10, None, out)
    with pytest.raises(TypeError, match="auth_data"):
        raw.acquire_credentials_handle(None, "NTLM", 2, auth_data=("u", "d", "p"))
    with pytest.raises(TypeError):
        raw.acquire_credentials_handle(None, "NTLM", 2, None)  # auth_data is keyword-only


def test_status_conventions(sspilib: types.ModuleType, stub: types.ModuleType) -> None:
    # sspilib raises for every ISC/ASC status outside NtStatus (SEC_I_INCOMPLETE_CREDENTIALS included, which
    # pywin32 returns); DecryptMessage raises for positive statuses and does not sync the buffers then.
    raw = sspilib.raw

    class Incomplete(raw.AuthIdentity):
        mode = "incomplete"

        def _to_auth_data(self) -> object:
            return self

    cred = raw.acquire_credentials_handle(None, "CompatStub", 2, auth_data=Incomplete()).credential
    out = raw.SecBufferDesc([raw.SecBuffer(None, raw.SecBufferType.SECBUFFER_TOKEN)])
    with pytest.raises(raw.WindowsError) as exc:
        raw.initialize_security_context(cred, None, "t", 0x100, 0x10, None, out)
    assert exc.value.winerror == 0x00090320
    ccred = raw.acquire_credentials_handle(None, "CompatStub", 2).credential
    scred = raw.acquire_credentials_handle(None, "CompatStub", 1).credential
    out = raw.SecBufferDesc([raw.SecBuffer(None, raw.SecBufferType.SECBUFFER_TOKEN)])
    c = raw.initialize_security_context(ccred, None, "t", 0x100, 0x10, None, out)
    sout = raw.SecBufferDesc([raw.SecBuffer(None, raw.SecBufferType.SECBUFFER_TOKEN)])
    s = raw.accept_security_context(scred, None, raw.SecBufferDesc([raw.SecBuffer(bytearray(out[0].data), 2)]),
                                    0x100, 0x10, sout)
    assert c.status == raw.NtStatus.SEC_I_CONTINUE_NEEDED and s.status == raw.NtStatus.SEC_E_OK
    assert sout[0].data == b"WELCOME"
    partial = raw.SecBufferDesc([raw.SecBuffer(bytearray(b"PARTIAL"), raw.SecBufferType.SECBUFFER_DATA),
                                 raw.SecBuffer(None, raw.SecBufferType.SECBUFFER_EMPTY)])
    with pytest.raises(raw.WindowsError) as exc:
        raw.decrypt_message(s.context, partial, 0)
    assert exc.value.winerror == -2146893032  # SEC_E_INCOMPLETE_MESSAGE
    assert partial[1].buffer_type == raw.SecBufferType.SECBUFFER_EMPTY  # not synced on failure
    with pytest.raises(raw.WindowsError) as exc:
        raw.decrypt_message(s.context, raw.SecBufferDesc([raw.SecBuffer(bytearray(b"RENEGO"), 1),
                                                         raw.SecBuffer(None, 0)]), 1)
    assert exc.value.winerror == 0x00090321


def test_set_credentials_attributes_is_refused_by_ntlm(sspilib: types.ModuleType) -> None:
    raw = sspilib.raw
    cred = raw.acquire_credentials_handle(None, "NTLM", 2).credential
    with pytest.raises(raw.WindowsError) as exc:
        raw.set_credentials_attributes(cred, raw.SecPkgCredKdcProxySettings(proxy_server="kdc.example"))
    assert exc.value.winerror == -2146893054  # SEC_E_UNSUPPORTED_FUNCTION


def test_set_credentials_attributes_sends_kerberos_through_a_kdc_proxy(
        sspilib: types.ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pyspnego's SSPI provider sets a KDC proxy this way; the settings reach our Kerberos package."""
    from sspi_emu_kerberos.memory_kdc import MemoryKdc

    from tests.packages.kerberos.test_kdc_proxy_server import CertificateAuthority, memory_kdc_app, serve_https

    raw = sspilib.raw
    realm, spn = "SHIMPROXY.TEST", "HTTP/web.shimproxy.test"
    ca = CertificateAuthority("sspilib kdc proxy CA")
    srv = serve_https(memory_kdc_app(MemoryKdc(realm, {"alice": "Passw0rd!"}, {spn: "svc-pw"})), ca)
    try:
        anchors = tmp_path / "ca.pem"
        anchors.write_bytes(ca.cert_pem)
        with socket.socket() as sock:  # the realm's own KDC, which does not answer from here
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        conf = tmp_path / "krb5.conf"
        conf.write_text(f"[libdefaults]\n default_realm = {realm}\n http_anchors = FILE:{anchors}\n"
                        f"[realms]\n {realm} = {{\n  kdc = 127.0.0.1:{port}\n }}\n")
        monkeypatch.setenv("KRB5_CONFIG", str(conf))
        ident = raw.WinNTAuthIdentity(username="alice", domain=realm, password="Passw0rd!")
        cred = raw.acquire_credentials_handle(None, "Kerberos", 2, auth_data=ident).credential
        host_port = srv.url().split("//")[1].split("/")[0]
        raw.set_credentials_attributes(cred, raw.SecPkgCredKdcProxySettings(
            flags=raw.KdcProxySettingsFlags.KDC_PROXY_SETTINGS_FLAGS_FORCEPROXY, proxy_server=f"{host_port}:KdcProxy"))
        out = raw.SecBufferDesc([raw.SecBuffer(None, raw.SecBufferType.SECBUFFER_TOKEN)])
        res = raw.initialize_security_context(cred, None, spn, raw.IscReq.ISC_REQ_ALLOCATE_MEMORY,
                                              raw.TargetDataRep.SECURITY_NATIVE_DREP, None, out)
        assert res.status == 0 and out[0].data[:1] == b"\x60"  # a GSS-framed AP-REQ, from tickets got via the proxy
        assert srv.requests[0] == 3
    finally:
        srv.stop()


def test_auth_identity_classes(sspilib: types.ModuleType) -> None:
    raw = sspilib.raw
    ident = raw.WinNTAuthIdentity(username="bob", domain="DEMO", password="B0b-secret")
    assert str(ident) == "DEMO\\bob" and ident.flags & raw.WinNTAuthFlags.SEC_WINNT_AUTH_IDENTITY_UNICODE
    assert "B0b-secret" not in repr(ident)
    assert raw.WinNTAuthCredentialType.SEC_WINNT_AUTH_DATA_TYPE_KEYTAB == uuid.UUID(
        "d587aae8-f78f-4455-a112-c934beee7ce1")
    cred = raw.acquire_credentials_handle(None, "NTLM", 2, auth_data=ident).credential
    packed = raw.WinNTAuthIdentityPackedCredential(
        credential_type=raw.WinNTAuthCredentialType.SEC_WINNT_AUTH_DATA_TYPE_PASSWORD,
        credential="B0b-secret".encode("utf-16-le"), username="bob", domain="DEMO")
    raw.acquire_credentials_handle(None, "NTLM", 2, auth_data=packed)
    assert isinstance(cred, raw.CredHandle)


# --- the high-level API ---------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", ["NTLM", "Negotiate"])
def test_readme_flow(sspilib: types.ModuleType, protocol: str) -> None:
    # sspilib's README: UserCredential + ClientSecurityContext / ServerSecurityContext, step until complete.
    cred = sspilib.UserCredential("bob", "B0b-secret", domain="DEMO", protocol=protocol)
    assert str(cred) == f"DEMO\\bob - {protocol}" and isinstance(cred.expiry, datetime.datetime)
    ctx = sspilib.ClientSecurityContext(credential=cred, target_name="host/server.example")
    server = sspilib.ServerSecurityContext(sspilib.UserCredential(protocol=protocol, usage="accept"))
    assert ctx.expiry == datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    in_token = None
    while not ctx.complete:
        out_token = ctx.step(in_token)
        if not out_token:
            break
        in_token = server.step(out_token) or None
    assert ctx.complete and server.complete
    assert ctx.attributes & sspilib.IscRet.ISC_RET_INTEGRITY
    assert isinstance(server.attributes, sspilib.AscRet)
    wrapped = ctx.wrap(b"data")
    res = server.unwrap(wrapped)
    assert isinstance(res, sspilib.UnwrapResult) and res == (b"data", 0)
    assert ctx.unwrap(server.wrap(b"plain", encrypt=False)).qop == 0x80000001
    assert server.verify(b"x", ctx.sign(b"x")) == 0
    with pytest.raises(sspilib.WindowsError):
        server.verify(b"y", ctx.sign(b"x"))
    names = sspilib.raw.query_context_attributes(server, sspilib.raw.SecPkgContextNames)
    assert names.username == "DEMO\\bob"


def test_current_user_default_credential(sspilib: types.ModuleType) -> None:
    cred = sspilib.UserCredential(protocol="NTLM")
    assert cred.username == "CurrentUser"
    ctx = sspilib.ClientSecurityContext(cred, "host/server")
    server = sspilib.ServerSecurityContext(sspilib.UserCredential(protocol="NTLM", usage="accept"))
    token = server.step(ctx.step())
    server.step(ctx.step(token))
    assert server.complete
    assert sspilib.raw.query_context_attributes(server, sspilib.raw.SecPkgContextNames).username == "DEMO\\alice"
    # protocol_list with the current user still uses SSPI_EMU_USER.
    cred2 = sspilib.UserCredential(protocol="Negotiate", protocol_list=["ntlm"])
    assert cred2.protocol == "Negotiate"


def test_handles_are_subclassable(sspilib: types.ModuleType) -> None:
    raw = sspilib.raw

    class MyCtx(raw.CtxtHandle):
        def __init__(self, tag: str) -> None:  # no super().__init__() call, as sspilib's classes do
            self.tag = tag

    class MyCred(raw.CredHandle):
        pass

    ctx = MyCtx("x")
    cred = raw.acquire_credentials_handle(None, "NTLM", 2).credential
    out = raw.SecBufferDesc([raw.SecBuffer(None, raw.SecBufferType.SECBUFFER_TOKEN)])
    res = raw.initialize_security_context(cred, ctx, "t", 0x100, 0x10, None, out)
    assert res.context is ctx and out[0].data.startswith(b"NTLMSSP\x00")
    assert isinstance(MyCred(), raw.CredHandle)


def test_asyncpg_style_calls(sspilib: types.ModuleType) -> None:
    # asyncpg's coreproto.pyx with gsslib='sspi': no user name (current user), Negotiate, `if not token` ends.
    ctx = sspilib.ClientSecurityContext(target_name="postgres/db.example",
                                        credential=sspilib.UserCredential(protocol="Negotiate"))
    server = sspilib.ServerSecurityContext(sspilib.UserCredential(protocol="Negotiate", usage="accept"))
    server_response = None
    for _ in range(5):
        token = ctx.step(server_response)
        if not token:
            break
        server_response = server.step(token)
    assert ctx.complete and server.complete


# --- pyspnego's SSPI proxy, forced on Linux ------------------------------------------------------------


@pytest.fixture
def spnego_sspi(sspilib: types.ModuleType, monkeypatch: pytest.MonkeyPatch) -> Any:
    import spnego._sspi as mod

    monkeypatch.setattr(mod, "HAS_SSPI", True)
    monkeypatch.setattr(mod, "sspilib", sspilib, raising=False)
    return mod


@pytest.mark.interop
@pytest.mark.parametrize("protocol", ["ntlm", "negotiate"])
def test_pyspnego_sspi_proxy(spnego_sspi: Any, protocol: str) -> None:
    proxy = spnego_sspi.SSPIProxy
    client = proxy("DEMO\\bob", "B0b-secret", hostname="server.example", service="host", protocol=protocol)
    server = proxy(usage="accept", protocol=protocol)
    token = client.step()
    while not (client.complete and server.complete):
        token = server.step(token)
        if token or not client.complete:
            token = client.step(token)
    assert server.client_principal == "DEMO\\bob"
    assert client.session_key == server.session_key
    assert server.unwrap(client.wrap(b"hello", encrypt=True).data).data == b"hello"
    assert client.unwrap(server.wrap(b"plain", encrypt=False).data).encrypted is False
    server.verify(b"data", client.sign(b"data"))


@pytest.mark.interop
def test_pyspnego_against_native_pyspnego(spnego_sspi: Any) -> None:
    # The SSPI proxy (our NTLM through the sspilib shim) against pyspnego's own pure-Python NTLM acceptor.
    import os
    import tempfile

    import spnego

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("DEMO:bob:B0b-secret\n")
    old = os.environ.get("NTLM_USER_FILE")
    os.environ["NTLM_USER_FILE"] = fh.name
    try:
        client = spnego_sspi.SSPIProxy("DEMO\\bob", "B0b-secret", hostname="server", protocol="ntlm")
        server = spnego.server(protocol="ntlm", options=spnego.NegotiateOptions.use_ntlm)
        token = client.step()
        while not server.complete:
            token = server.step(token)
            if token:
                token = client.step(token)
        assert server.client_principal == "DEMO\\bob"
        assert server.unwrap(client.wrap(b"x").data).data == b"x"
    finally:
        if old is None:
            os.environ.pop("NTLM_USER_FILE", None)
        else:
            os.environ["NTLM_USER_FILE"] = old
        os.unlink(fh.name)


def test_keytab_credential_reaches_the_package(sspilib: types.ModuleType, tmp_path: Any) -> None:
    # The packed KEYTAB credential is handed to the package; NTLM has no use for it and says so.
    path = tmp_path / "user.keytab"
    path.write_bytes(b"\x05\x02")
    with pytest.raises(sspilib.WindowsError) as exc:
        sspilib.KeytabCredential("bob", path, protocol="NTLM")
    assert exc.value.winerror == -2146893043  # SEC_E_UNKNOWN_CREDENTIALS


def test_later_legs_may_pass_no_credential(sspilib: types.ModuleType) -> None:
    # sspilib passes credential=None as NULL, which Windows accepts after the first leg.
    raw = sspilib.raw
    ccred = raw.acquire_credentials_handle(None, "NTLM", 2).credential
    scred = raw.acquire_credentials_handle(None, "NTLM", 1).credential

    def out() -> Any:
        return raw.SecBufferDesc([raw.SecBuffer(None, raw.SecBufferType.SECBUFFER_TOKEN)])

    def tok(b: bytes) -> Any:
        return raw.SecBufferDesc([raw.SecBuffer(bytearray(b), raw.SecBufferType.SECBUFFER_TOKEN)])

    o1 = out()
    c = raw.initialize_security_context(ccred, None, "host/x", 0x100, 0x10, None, o1)
    o2 = out()
    s = raw.accept_security_context(scred, None, tok(o1[0].data), 0x100, 0x10, o2)
    o3 = out()
    c2 = raw.initialize_security_context(None, c.context, "host/x", 0x100, 0x10, tok(o2[0].data), o3)
    s2 = raw.accept_security_context(None, s.context, tok(o3[0].data), 0x100, 0x10, out())
    assert c2.status == s2.status == raw.NtStatus.SEC_E_OK
    assert c2.context is c.context and s2.context is s.context
