"""pywin32's conventions through the shim: error raising per call, signed/unsigned ints, buffer copy-back."""

from __future__ import annotations

import datetime
import re
import types

import pytest

from tests.compat.helpers import desc, raw_handshake

SEC_E_INVALID_HANDLE = -2146893055


# --- PySecBuffer / PySecBufferDesc -----------------------------------------------------------------


def test_secbuffer_members(pywin32: types.SimpleNamespace) -> None:
    ws, con = pywin32.win32security, pywin32.sspicon
    b = ws.PySecBufferType(8, con.SECBUFFER_TOKEN)
    assert (b.BufferSize, b.MaxBufferSize, b.BufferType, b.Buffer) == (8, 8, 2, bytes(8))
    b.Buffer = b"abc"
    assert (b.BufferSize, b.Buffer) == (3, b"abc")
    b.Buffer = bytearray(b"xy")
    assert b.Buffer == b"xy"  # the setter zero-fills: nothing of "abc" remains past the new length
    b.BufferSize = 3
    assert b.Buffer == b"xy\x00"
    with pytest.raises(ValueError, match=r"Data size \(9\) greater than allocated buffer size \(8\)"):
        b.Buffer = bytes(9)
    with pytest.raises(TypeError):
        b.Buffer = "text"  # type: ignore[assignment]
    with pytest.raises(AttributeError):
        b.MaxBufferSize = 4  # type: ignore[misc]
    b.Clear()
    assert (b.BufferSize, b.Buffer) == (8, bytes(8))
    kw = ws.PySecBufferType(BufferSize=4, BufferType=con.SECBUFFER_DATA)
    assert (kw.MaxBufferSize, kw.BufferType) == (4, 1)
    with pytest.raises(TypeError):
        ws.PySecBufferType(4)  # both arguments are required


def test_secbuffer_type_reads_back_unsigned(pywin32: types.SimpleNamespace) -> None:
    ws, con = pywin32.win32security, pywin32.sspicon
    b = ws.PySecBufferType(0, con.SECBUFFER_READONLY | con.SECBUFFER_DATA)  # signed in
    assert b.BufferType == 0x80000001  # unsigned out (T_ULONG)
    b.BufferType = con.SECBUFFER_READONLY_WITH_CHECKSUM | con.SECBUFFER_TOKEN
    assert b.BufferType == 0x10000002
    assert b.Buffer == b""
    with pytest.raises(OverflowError):
        ws.PySecBufferType(1 << 40, con.SECBUFFER_DATA)


def test_desc_sequence_behaviour(pywin32: types.SimpleNamespace) -> None:
    ws, con = pywin32.win32security, pywin32.sspicon
    d = ws.PySecBufferDescType()
    assert (len(d), d.Version) == (0, con.SECBUFFER_VERSION)
    a, b = ws.PySecBufferType(1, con.SECBUFFER_DATA), ws.PySecBufferType(2, con.SECBUFFER_TOKEN)
    assert d.append(a) is None
    d.append(b)
    assert d[0] is a and d[1] is b and d[-1] is b
    assert [x for x in d] == [a, b]  # iteration via the sequence protocol
    with pytest.raises(IndexError):
        d[2]
    with pytest.raises(TypeError, match="Object must be a PySecBuffer"):
        d.append(b"raw bytes")
    c = ws.PySecBufferType(3, con.SECBUFFER_PADDING)
    d[0] = c
    assert d[0] is c
    with pytest.raises(NotImplementedError):
        del d[0]
    assert ws.PySecBufferDescType(Version=2).Version == 2
    assert ws.SecBufferDescType is ws.PySecBufferDescType and ws.SecBufferType is ws.PySecBufferType
    assert ws.CtxtHandleType is ws.PyCtxtHandleType and ws.CredHandleType is ws.PyCredHandleType


def test_reprs_match_pywin32s_regexes(pywin32: types.SimpleNamespace) -> None:
    # The regular expressions of pywin32's test_sspi.testSecBufferRepr.
    ws, con = pywin32.win32security, pywin32.sspicon
    d = ws.PySecBufferDescType()
    assert re.match(r"PySecBufferDesc\(ulVersion: 0 \| cBuffers: 0 \| pBuffers: 0x[\da-fA-F]{8,16}\)", repr(d))
    b1 = ws.PySecBufferType(0, con.SECBUFFER_TOKEN)
    assert re.match(r"PySecBuffer\(cbBuffer: 0 \| BufferType: 2 \| pvBuffer: 0x[\da-fA-F]{8,16}\)", repr(b1))
    d.append(b1)
    assert re.match(r"PySecBufferDesc\(ulVersion: 0 \| cBuffers: 1 \| pBuffers: 0x[\da-fA-F]{8,16}\)", repr(d))
    b2 = ws.PySecBufferType(4, con.SECBUFFER_DATA)
    assert re.match(r"PySecBuffer\(cbBuffer: 4 \| BufferType: 1 \| pvBuffer: 0x[\da-fA-F]{8,16}\)", repr(b2))


# --- module functions ----------------------------------------------------------------------------


def test_package_info_and_enumeration(pywin32: types.SimpleNamespace) -> None:
    ws = pywin32.win32security
    info = ws.QuerySecurityPackageInfo("NTLM")
    assert set(info) == {"Capabilities", "Version", "RPCID", "MaxToken", "Name", "Comment"}
    assert info["Name"] == "NTLM" and info["MaxToken"] >= 2888
    packages = ws.EnumerateSecurityPackages()
    assert isinstance(packages, tuple) and "NTLM" in {p["Name"] for p in packages}
    with pytest.raises(ws.error) as exc:
        ws.QuerySecurityPackageInfo("NoSuchPackage")
    assert exc.value.winerror == pywin32.sspicon.SEC_E_SECPKG_NOT_FOUND
    assert exc.value.funcname == "QuerySecurityPackageInfo"
    with pytest.raises(TypeError, match="bytes"):
        ws.QuerySecurityPackageInfo(b"NTLM")


def test_error_object_shape(pywin32: types.SimpleNamespace) -> None:
    err = pywin32.pywintypes.error(-2146893044, "AcceptSecurityContext", "The logon attempt failed")
    assert (err.winerror, err.funcname, err.strerror) == (-2146893044, "AcceptSecurityContext",
                                                           "The logon attempt failed")
    assert str(err) == repr((-2146893044, "AcceptSecurityContext", "The logon attempt failed"))
    with pytest.raises(TypeError):
        err[1]  # type: ignore[index]  # not indexable on Python 3, as in pywin32
    assert pywin32.pywintypes.error().winerror is None


def test_acquire_credentials_argument_rules(pywin32: types.SimpleNamespace) -> None:
    ws, con = pywin32.win32security, pywin32.sspicon
    cred, expiry = ws.AcquireCredentialsHandle(None, "NTLM", con.SECPKG_CRED_OUTBOUND, None,
                                               ("alice", "DEMO", "Passw0rd!"))
    assert isinstance(cred, ws.PyCredHandleType)
    assert isinstance(expiry, datetime.datetime)
    assert cred.QueryCredentialsAttributes(con.SECPKG_CRED_ATTR_NAMES) == "DEMO\\alice"
    with pytest.raises((NotImplementedError, ws.error)) as qexc:
        cred.QueryCredentialsAttributes(2)  # the call is made first: a package refusal raises error instead
    if isinstance(qexc.value, ws.error):
        assert qexc.value.funcname == "QueryCredentialsAttributes"
    with pytest.raises(TypeError, match="AuthData must be a tuple of 3 strings"):
        ws.AcquireCredentialsHandle(None, "NTLM", con.SECPKG_CRED_OUTBOUND, None, ["alice", "DEMO", "x"])
    with pytest.raises(TypeError, match="AuthData must be a tuple of 3 strings"):
        ws.AcquireCredentialsHandle(None, "NTLM", con.SECPKG_CRED_OUTBOUND, None, ("alice", "x"))
    with pytest.raises(TypeError, match="bytes"):
        ws.AcquireCredentialsHandle(None, "NTLM", con.SECPKG_CRED_OUTBOUND, None, (b"alice", "DEMO", "x"))
    with pytest.raises(NotImplementedError):
        ws.AcquireCredentialsHandle(None, "NTLM", con.SECPKG_CRED_OUTBOUND, None, None, print)
    with pytest.raises(OverflowError):
        ws.AcquireCredentialsHandle(None, "NTLM", 1 << 33, None, None)
    with pytest.raises(ws.error) as exc:
        ws.AcquireCredentialsHandle(None, "Nope", con.SECPKG_CRED_OUTBOUND, None, None)
    assert exc.value.winerror == con.SEC_E_SECPKG_NOT_FOUND
    cred.FreeCredentialsHandle()
    with pytest.raises(ws.error) as exc:
        cred.FreeCredentialsHandle()
    assert exc.value.winerror == SEC_E_INVALID_HANDLE


def test_default_credentials_are_the_configured_user(pywin32: types.SimpleNamespace) -> None:
    ws, con = pywin32.win32security, pywin32.sspicon
    cred, _ = ws.AcquireCredentialsHandle(None, "NTLM", con.SECPKG_CRED_OUTBOUND, None, None)
    assert cred.QueryCredentialsAttributes(con.SECPKG_CRED_ATTR_NAMES) == "DEMO\\alice"
    assert pywin32.win32api.GetUserName() == "alice"


def test_isc_argument_errors(pywin32: types.SimpleNamespace) -> None:
    ws, con = pywin32.win32security, pywin32.sspicon
    cred, _ = ws.AcquireCredentialsHandle(None, "NTLM", con.SECPKG_CRED_OUTBOUND, None, None)
    out = desc(pywin32, (con.SECBUFFER_TOKEN, 2888))
    ctx = ws.PyCtxtHandleType()
    with pytest.raises(NotImplementedError, match="ISC_REQ_ALLOCATE_MEMORY"):
        ws.InitializeSecurityContext(cred, None, "t", con.ISC_REQ_ALLOCATE_MEMORY, 0, None, ctx, out)
    with pytest.raises(ValueError, match="PySecBufferDesc cannot be None"):
        ws.InitializeSecurityContext(cred, None, "t", 0, 0, None, ctx, None)
    with pytest.raises(ValueError, match="Context handle cannot be NULL"):
        ws.InitializeSecurityContext(cred, None, "t", 0, 0, None, None, out)
    with pytest.raises(ValueError, match="Credentials handle cannot be NULL"):
        ws.InitializeSecurityContext(None, None, "t", 0, 0, None, ctx, out)
    with pytest.raises(TypeError, match="Object must be a PyCredHandle"):
        ws.InitializeSecurityContext(ctx, None, "t", 0, 0, None, ctx, out)
    with pytest.raises(TypeError, match="Object must be a PySecBufferDesc"):
        ws.InitializeSecurityContext(cred, None, "t", 0, 0, [b"tok"], ctx, out)
    with pytest.raises(TypeError, match="bytes"):
        ws.InitializeSecurityContext(cred, None, b"t", 0, 0, None, ctx, out)
    with pytest.raises(TypeError):
        ws.InitializeSecurityContext(cred, None, "t", 0, 0, None, ctx)  # 8 positional arguments
    scred, _ = ws.AcquireCredentialsHandle(None, "NTLM", con.SECPKG_CRED_INBOUND, None, None)
    with pytest.raises(NotImplementedError, match="ISC_REQ_ALLOCATE_MEMORY"):
        ws.AcceptSecurityContext(scred, None, None, con.ASC_REQ_ALLOCATE_MEMORY, 0, ctx, out)


def test_isc_first_leg_shapes_and_returned_tuple(pywin32: types.SimpleNamespace) -> None:
    ws, con = pywin32.win32security, pywin32.sspicon
    cred, _ = ws.AcquireCredentialsHandle(None, "NTLM", con.SECPKG_CRED_OUTBOUND, None, None)
    cb = ws.PySecBufferType(64, con.SECBUFFER_CHANNEL_BINDINGS)
    cb.Buffer = bytes(32)
    empty = ws.PySecBufferDescType()
    only_cb = ws.PySecBufferDescType()
    only_cb.append(cb)
    for first_input in (None, empty, only_cb):
        out = desc(pywin32, (con.SECBUFFER_TOKEN, 2888))
        ctx = ws.PyCtxtHandleType()
        status, attrs, expiry = ws.InitializeSecurityContext(cred, None, None, 0, con.SECURITY_NETWORK_DREP,
                                                             first_input, ctx, out)
        assert status == con.SEC_I_CONTINUE_NEEDED
        assert isinstance(attrs, int)
        assert isinstance(expiry, datetime.datetime)
        assert out[0].Buffer.startswith(b"NTLMSSP\x00\x01\x00\x00\x00")
        assert out[0].BufferSize == len(out[0].Buffer) < out[0].MaxBufferSize  # copied back: the real length
    # Unsigned and signed ContextReq are both accepted.
    out = desc(pywin32, (con.SECBUFFER_TOKEN, 2888))
    status, _, _ = ws.InitializeSecurityContext(cred, None, None, 0xFFFF0000 & con.ISC_REQ_INTEGRITY, 0, None,
                                                ws.PyCtxtHandleType(), out)
    assert status == con.SEC_I_CONTINUE_NEEDED


def test_isc_failure_raises_and_leaves_output_alone(pywin32: types.SimpleNamespace) -> None:
    ws, con = pywin32.win32security, pywin32.sspicon
    cred, _ = ws.AcquireCredentialsHandle(None, "NTLM", con.SECPKG_CRED_OUTBOUND, None, None)
    ctx = ws.PyCtxtHandleType()
    out = desc(pywin32, (con.SECBUFFER_TOKEN, 2888))
    ws.InitializeSecurityContext(cred, None, None, 0, 0, None, ctx, out)
    bad = desc(pywin32, (con.SECBUFFER_TOKEN, b"NTLMSSP\x00\x02\x00\x00\x00garbage"))
    out2 = desc(pywin32, (con.SECBUFFER_TOKEN, 2888))
    with pytest.raises(ws.error) as exc:
        ws.InitializeSecurityContext(cred, ctx, None, 0, 0, bad, ctx, out2)
    assert exc.value.winerror < 0 and exc.value.funcname == "InitializeSecurityContext"
    assert out2[0].BufferSize == 2888  # not copied back on failure
    # A never-filled context handle passed as Context is an invalid handle.
    with pytest.raises(ws.error) as exc:
        ws.InitializeSecurityContext(cred, ws.PyCtxtHandleType(), None, 0, 0, None, ws.PyCtxtHandleType(), out2)
    assert exc.value.winerror == SEC_E_INVALID_HANDLE


def test_wrong_password_is_logon_denied(pywin32: types.SimpleNamespace) -> None:
    with pytest.raises(pywin32.win32security.error) as exc:
        raw_handshake(pywin32, auth=("alice", "DEMO", "wrong"))
    assert exc.value.winerror == pywin32.sspicon.SEC_E_LOGON_DENIED == -2146893044
    assert exc.value.funcname == "AcceptSecurityContext"


# --- message functions: raising and copy-back rules -----------------------------------------------


def test_make_signature_copies_back_and_verify_returns_signed_qop(pywin32: types.SimpleNamespace) -> None:
    con = pywin32.sspicon
    cctx, sctx = raw_handshake(pywin32)
    sigdesc = desc(pywin32, (con.SECBUFFER_DATA, b"payload"), (con.SECBUFFER_TOKEN, 100))
    assert cctx.MakeSignature(0, sigdesc, 0) is None
    assert sigdesc[1].BufferSize == 16 and sigdesc[1].MaxBufferSize == 100  # TOKEN shrunk to the real length
    assert sctx.VerifySignature(sigdesc, 0) == 0
    altered = desc(pywin32, (con.SECBUFFER_DATA, b"payloaX"), (con.SECBUFFER_TOKEN, sigdesc[1].Buffer))
    sig2 = desc(pywin32, (con.SECBUFFER_DATA, b"payload"), (con.SECBUFFER_TOKEN, 100))
    cctx.MakeSignature(0, sig2, 1)
    altered[1].Buffer = sig2[1].Buffer
    with pytest.raises(pywin32.win32security.error) as exc:
        sctx.VerifySignature(altered, 1)
    assert exc.value.winerror == con.SEC_E_MESSAGE_ALTERED
    assert exc.value.funcname == "VerifySignature"


def test_encrypt_in_place_and_decrypt_on_the_same_desc(pywin32: types.SimpleNamespace) -> None:
    # pywin32's test_sspi._doTestEncrypt: EncryptMessage then DecryptMessage on one desc.
    con = pywin32.sspicon
    cctx, sctx = raw_handshake(pywin32)
    trailer = cctx.QueryContextAttributes(con.SECPKG_ATTR_SIZES)["SecurityTrailer"]
    msg = b"some data to be encrypted ......"
    d = desc(pywin32, (con.SECBUFFER_DATA, msg), (con.SECBUFFER_TOKEN, trailer + 7))
    cctx.EncryptMessage(0, d, 1)
    assert d[0].Buffer != msg and d[1].BufferSize == trailer
    assert sctx.DecryptMessage(d, 1) == 0
    assert d[0].Buffer == msg


def test_stream_decrypt_repoints_the_empty_data_buffer(pywin32: types.SimpleNamespace) -> None:
    # pywin32's test_sspi._doTestEncryptStream, and the signed no-encrypt qop sspi.unwrap relies on.
    con = pywin32.sspicon
    cctx, sctx = raw_handshake(pywin32)
    sizes = cctx.QueryContextAttributes(con.SECPKG_ATTR_SIZES)
    msg = b"some data to be encrypted ......"
    for qop in (0, con.SECQOP_WRAP_NO_ENCRYPT, 0x80000001):
        enc = desc(pywin32, (con.SECBUFFER_TOKEN, sizes["SecurityTrailer"]), (con.SECBUFFER_DATA, msg),
                   (con.SECBUFFER_PADDING, sizes["BlockSize"]))
        cctx.EncryptMessage(qop, enc, 1)
        blob = enc[0].Buffer + enc[1].Buffer + enc[2].Buffer
        dec = desc(pywin32, (con.SECBUFFER_STREAM, blob), (con.SECBUFFER_DATA, 0))
        got_qop = sctx.DecryptMessage(dec, 1)
        assert dec[1].Buffer == msg
        assert dec[1].MaxBufferSize == 0  # the 0-byte buffer now views the STREAM memory
        if qop:
            assert got_qop == con.SECQOP_WRAP_NO_ENCRYPT == -2147483647  # signed out
        else:
            assert got_qop == 0


def _stub_contexts(m: types.SimpleNamespace, auth: object = None) -> tuple[object, object]:
    ws, con = m.win32security, m.sspicon
    ccred, _ = ws.AcquireCredentialsHandle(None, "CompatStub", con.SECPKG_CRED_OUTBOUND, None, auth)
    scred, _ = ws.AcquireCredentialsHandle(None, "CompatStub", con.SECPKG_CRED_INBOUND, None, None)
    cctx, sctx = ws.PyCtxtHandleType(), ws.PyCtxtHandleType()
    out = desc(m, (con.SECBUFFER_TOKEN, 256))
    assert ws.InitializeSecurityContext(ccred, None, "t", 0, 0, None, cctx, out)[0] == con.SEC_I_CONTINUE_NEEDED
    sout = desc(m, (con.SECBUFFER_TOKEN, 256))
    assert ws.AcceptSecurityContext(scred, None, out, 0, 0, sctx, sout)[0] == 0
    out2 = desc(m, (con.SECBUFFER_TOKEN, 256))
    assert ws.InitializeSecurityContext(ccred, cctx, "t", 0, 0, sout, cctx, out2)[0] == 0
    return cctx, sctx


def test_decrypt_copies_back_before_raising(pywin32: types.SimpleNamespace, stub: types.ModuleType) -> None:
    con, ws = pywin32.sspicon, pywin32.win32security
    _, sctx = _stub_contexts(pywin32)
    d = desc(pywin32, (con.SECBUFFER_DATA, b"PARTIAL"), (con.SECBUFFER_EMPTY, 0))
    with pytest.raises(ws.error) as exc:
        sctx.DecryptMessage(d, 0)  # type: ignore[attr-defined]
    assert exc.value.winerror == con.SEC_E_INCOMPLETE_MESSAGE and exc.value.funcname == "DecryptMessage"
    assert (d[1].BufferType, d[1].BufferSize) == (con.SECBUFFER_MISSING, 5)  # visible despite the failure


def test_decrypt_raises_positive_statuses(pywin32: types.SimpleNamespace, stub: types.ModuleType) -> None:
    con, ws = pywin32.sspicon, pywin32.win32security
    _, sctx = _stub_contexts(pywin32)
    d = desc(pywin32, (con.SECBUFFER_DATA, b"RENEGO-rest"), (con.SECBUFFER_EMPTY, 0))
    with pytest.raises(ws.error) as exc:
        sctx.DecryptMessage(d, 0)  # type: ignore[attr-defined]
    assert exc.value.winerror == con.SEC_I_RENEGOTIATE > 0
    assert d[1].BufferType == con.SECBUFFER_EXTRA and d[1].Buffer == b"RENEGO"
    with pytest.raises(ws.error) as exc:
        sctx.DecryptMessage(desc(pywin32, (con.SECBUFFER_DATA, b"EXPIRE")), 1)  # type: ignore[attr-defined]
    assert exc.value.winerror == con.SEC_I_CONTEXT_EXPIRED
    ok = desc(pywin32, (con.SECBUFFER_DATA, b"abc"))
    assert sctx.DecryptMessage(ok, 2) == con.SECQOP_WRAP_NO_ENCRYPT  # type: ignore[attr-defined]
    assert ok[0].Buffer == b"ABC"


def test_isc_returns_positive_statuses(pywin32: types.SimpleNamespace, stub: types.ModuleType) -> None:
    # pywin32 only raises for status < 0: SEC_I_INCOMPLETE_CREDENTIALS comes back in the tuple.
    ws, con = pywin32.win32security, pywin32.sspicon
    cred, _ = ws.AcquireCredentialsHandle(None, "CompatStub", con.SECPKG_CRED_OUTBOUND, None, _Marker("incomplete"))
    status, _, _ = ws.InitializeSecurityContext(cred, None, None, 0, 0, None, ws.PyCtxtHandleType(),
                                                desc(pywin32, (con.SECBUFFER_TOKEN, 16)))
    assert status == con.SEC_I_INCOMPLETE_CREDENTIALS


class _Marker:
    """A package-specific auth-data object."""

    def __init__(self, mode: str) -> None:
        self.mode = mode


def test_schannel_extension_auth_data_pass_through_and_apply_control_token(
        pywin32: types.SimpleNamespace, stub: types.ModuleType) -> None:
    ws, con = pywin32.win32security, pywin32.sspicon

    class SchCredentials:  # stands in for the Schannel package's SCH_CREDENTIALS
        dwVersion = 5

    sch = SchCredentials()
    ws.AcquireCredentialsHandle(None, "CompatStub", con.SECPKG_CRED_OUTBOUND, None, sch)
    assert stub.received_auth_data[-1] is sch  # passed through untouched
    cctx, _ = _stub_contexts(pywin32)
    shutdown = desc(pywin32, (con.SECBUFFER_TOKEN, (1).to_bytes(4, "little")))  # SCHANNEL_SHUTDOWN
    ws.ApplyControlToken(cctx, shutdown)
    cctx.ApplyControlToken(shutdown)  # type: ignore[attr-defined]
    assert stub.control_tokens == [b"\x01\x00\x00\x00"] * 2
    with pytest.raises(ws.error) as exc:
        ws.ApplyControlToken(ws.PyCtxtHandleType(), shutdown)
    assert exc.value.funcname == "ApplyControlToken"


def test_sync_input_extra_extension(pywin32: types.SimpleNamespace, stub: types.ModuleType,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    ws = pywin32.win32security
    assert ws.SYNC_INPUT_EXTRA is False  # pywin32's behaviour by default: inputs are never copied back
    monkeypatch.setattr(ws, "SYNC_INPUT_EXTRA", True)
    _stub_contexts(pywin32)  # still works with the extension on


def test_verify_never_copies_back(pywin32: types.SimpleNamespace) -> None:
    con = pywin32.sspicon
    cctx, sctx = raw_handshake(pywin32)
    d = desc(pywin32, (con.SECBUFFER_DATA, b"x"), (con.SECBUFFER_TOKEN, 64))
    cctx.MakeSignature(0, d, 0)
    d[1].BufferSize = 64  # garbage length: a verify that copied back would be visible here
    d2 = desc(pywin32, (con.SECBUFFER_DATA, b"x"), (con.SECBUFFER_TOKEN, d[1].Buffer[:16]))
    sctx.VerifySignature(d2, 0)
    assert d2[1].BufferSize == 16 and d2[0].BufferType == con.SECBUFFER_DATA


def test_message_calls_on_invalid_handles(pywin32: types.SimpleNamespace) -> None:
    ws, con = pywin32.win32security, pywin32.sspicon
    ctx = ws.PyCtxtHandleType()
    d = desc(pywin32, (con.SECBUFFER_DATA, b"x"), (con.SECBUFFER_TOKEN, 16))
    for call, args in ((ctx.MakeSignature, (0, d, 0)), (ctx.EncryptMessage, (0, d, 0)),
                       (ctx.VerifySignature, (d, 0)), (ctx.DecryptMessage, (d, 0)),
                       (ctx.CompleteAuthToken, (d,)), (ctx.QueryContextAttributes, (0,)),
                       (ctx.DeleteSecurityContext, ()), (ctx.ImpersonateSecurityContext, ()),
                       (ctx.QuerySecurityContextToken, ())):
        with pytest.raises(ws.error) as exc:
            call(*args)
        assert exc.value.winerror == SEC_E_INVALID_HANDLE, call
    with pytest.raises(ValueError, match="PySecBufferDesc cannot be None"):
        ctx.MakeSignature(0, None, 0)
    with pytest.raises(TypeError, match="Object must be a PySecBufferDesc"):
        ctx.DecryptMessage([d], 0)


# --- QueryContextAttributes: Python types per attribute ----------------------------------------------


def test_query_context_attribute_types(pywin32: types.SimpleNamespace) -> None:
    con, pwt = pywin32.sspicon, pywin32.pywintypes
    cctx, sctx = raw_handshake(pywin32)
    sizes = cctx.QueryContextAttributes(con.SECPKG_ATTR_SIZES)
    assert set(sizes) == {"MaxToken", "MaxSignature", "BlockSize", "SecurityTrailer"}
    assert sctx.QueryContextAttributes(con.SECPKG_ATTR_NAMES) == "DEMO\\alice"
    start, end = sctx.QueryContextAttributes(con.SECPKG_ATTR_LIFESPAN)
    assert isinstance(start, datetime.datetime) and isinstance(end, datetime.datetime)
    assert isinstance(start, pwt.datetime) or start == datetime.datetime.max
    key = cctx.QueryContextAttributes(con.SECPKG_ATTR_SESSION_KEY)
    assert isinstance(key, bytes) and key == sctx.QueryContextAttributes(con.SECPKG_ATTR_SESSION_KEY)
    pkg = cctx.QueryContextAttributes(con.SECPKG_ATTR_PACKAGE_INFO)
    assert pkg["Name"] == "NTLM"
    state, info = cctx.QueryContextAttributes(con.SECPKG_ATTR_NEGOTIATION_INFO)
    assert state == con.SECPKG_NEGOTIATION_COMPLETE and info["Name"] == "NTLM"
    client_name, server_name = sctx.QueryContextAttributes(con.SECPKG_ATTR_NATIVE_NAMES)
    assert client_name == "DEMO\\alice" and isinstance(server_name, str)
    flags = cctx.QueryContextAttributes(con.SECPKG_ATTR_FLAGS)
    assert isinstance(flags, int) and flags & con.ISC_RET_INTEGRITY and flags >= 0
    ki = cctx.QueryContextAttributes(con.SECPKG_ATTR_KEY_INFO)
    assert set(ki) == {"SignatureAlgorithmName", "EncryptAlgorithmName", "KeySize", "SignatureAlgorithm",
                       "EncryptAlgorithm"}
    assert isinstance(ki["EncryptAlgorithmName"], str) and ki["KeySize"] in (40, 56, 128)


def test_unmapped_attributes_raise_not_implemented_after_the_call(pywin32: types.SimpleNamespace,
                                                                  stub: types.ModuleType) -> None:
    con, ws = pywin32.sspicon, pywin32.win32security
    cctx, _ = _stub_contexts(pywin32)
    # The package answers both; pywin32 has no mapping: NotImplementedError once the call succeeded.
    for attr in (con.SECPKG_ATTR_DCE_INFO, 26):
        with pytest.raises(NotImplementedError, match="Attribute is not supported yet"):
            cctx.QueryContextAttributes(attr)  # type: ignore[attr-defined]
    # When the package refuses, the API error comes first.
    with pytest.raises(ws.error) as exc:
        cctx.QueryContextAttributes(con.SECPKG_ATTR_REMOTE_CERT_CONTEXT)  # type: ignore[attr-defined]
    assert exc.value.funcname == "QueryContextAttributes"
    assert cctx.QueryContextAttributes(con.SECPKG_ATTR_NATIVE_NAMES) == ("stub-client", "stub-server")  # type: ignore[attr-defined]


def test_handles_detach_delete_and_impersonation(pywin32: types.SimpleNamespace) -> None:
    ws, con, pwt = pywin32.win32security, pywin32.sspicon, pywin32.pywintypes
    cctx, sctx = raw_handshake(pywin32)
    sctx.ImpersonateSecurityContext()
    sctx.RevertSecurityContext()
    token = sctx.QuerySecurityContextToken()
    assert isinstance(token, pwt.HANDLE) and int(token) != 0
    assert ws.PyCtxtHandleType().Detach() == -1
    value = cctx.Detach()
    assert isinstance(value, int) and value > 0
    with pytest.raises(ws.error):
        cctx.QueryContextAttributes(con.SECPKG_ATTR_SIZES)  # detached: invalid
    sctx.DeleteSecurityContext()
    with pytest.raises(ws.error) as exc:
        sctx.DeleteSecurityContext()
    assert exc.value.winerror == SEC_E_INVALID_HANDLE


# --- expiry objects and constants -------------------------------------------------------------------


def test_time_objects(pywin32: types.SimpleNamespace) -> None:
    pwt = pywin32.pywintypes
    never = pwt.from_filetime(0x7FFFFFFFFFFFFFFF)
    assert never == datetime.datetime.max and never.tzinfo is None
    t = pwt.from_filetime(116444736000000000)
    assert isinstance(t, pwt.datetime) and t == datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    assert pwt.TimeType is pwt.datetime and isinstance(t.Format("%Y"), str)
    with pytest.raises(pwt.error):
        pwt.from_filetime(1 << 63)


def test_sspicon_values_are_signed_as_pywin32_stores_them(pywin32: types.SimpleNamespace) -> None:
    con = pywin32.sspicon
    names = [n for n in vars(con) if n[0].isupper() or n.startswith("Kerb") or n.startswith("MsV1_0")]
    assert len(names) >= 440
    assert con.SECBUFFER_READONLY == -2147483648
    assert con.SECBUFFER_ATTRMASK == con.SECPKG_CRED_RESERVED == -268435456
    assert con.SECQOP_WRAP_NO_ENCRYPT == -2147483647
    assert con.SEC_E_LOGON_DENIED == -2146893044 and con.SEC_I_CONTINUE_NEEDED == 590610
    assert con.CRYPT_E_MSG_ERROR == -2146889727 and con.CRYPT_E_OSS_ERROR == -2146881536
    assert con.ERROR_IPSEC_IKE_NEG_STATUS_END == 13884 and con.MsV1_0SetProcessOption == 12
    assert con.SEC_SUCCESS(con.SEC_I_CONTINUE_NEEDED) and not con.SEC_SUCCESS(con.SEC_E_INVALID_TOKEN)
    assert all(-(1 << 31) <= getattr(con, n) < (1 << 31) for n in names if isinstance(getattr(con, n), int))
    for absent in ("SECBUFFER_ALERT", "UNISP_NAME", "SP_PROT_TLS1_2_CLIENT", "ISC_REQ_FORWARD_CREDENTIALS"):
        assert not hasattr(con, absent)
    ws = pywin32.win32security
    assert ws.MSV1_0_PACKAGE_NAME == b"MICROSOFT_AUTHENTICATION_PACKAGE_V1_0"
    assert ws.MICROSOFT_KERBEROS_NAME_A == b"Kerberos"
    assert ws.SECPKG_CRED_BOTH == 3 and ws.SECPKG_FLAG_STREAM == 0x400
