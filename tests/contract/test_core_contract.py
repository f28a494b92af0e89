"""The generic SEED-CONTRACT rows, through the C-shaped API, on the fake package."""

from __future__ import annotations

import threading

import pytest

import sspi_emu as s
from sspi_emu import dispatcher
from sspi_emu.accounts import MemoryAccountStore
from sspi_emu.entropy import PinnedEntropy, pinned

S = s.SecurityStatus
REQ = s.ISC_REQ_CONFIDENTIALITY | s.ISC_REQ_INTEGRITY | s.ISC_REQ_SEQUENCE_DETECT | s.ISC_REQ_CONNECTION
AREQ = s.ASC_REQ_CONFIDENTIALITY | s.ASC_REQ_INTEGRITY | s.ASC_REQ_SEQUENCE_DETECT | s.ASC_REQ_CONNECTION


def creds(fake, password="pw", options=None):
    store = MemoryAccountStore()
    store.add("alice", "pw", "DEMO")
    ch, sh = s.CredHandle(), s.CredHandle()
    ident = s.SEC_WINNT_AUTH_IDENTITY("alice", "DEMO", password)
    assert s.AcquireCredentialsHandle(None, "Fake", s.SECPKG_CRED_OUTBOUND, None,
                                      (ident, options or {}), None, None, ch, s.TimeStamp()) == S.SEC_E_OK
    assert s.AcquireCredentialsHandle(None, "Fake", s.SECPKG_CRED_INBOUND, None,
                                      (store, options or {}), None, None, sh, s.TimeStamp()) == S.SEC_E_OK
    return ch, sh


def out_desc(size=None):
    return s.SecBufferDesc([s.SecBuffer(s.SECBUFFER_TOKEN, size)])


def isc(ch, ctx, new, token=None, req=REQ | s.ISC_REQ_ALLOCATE_MEMORY, out=None, attrs=None, ts=None):
    pin = None if token is None else s.SecBufferDesc([s.SecBuffer(s.SECBUFFER_TOKEN, token)])
    out = out if out is not None else out_desc()
    st = s.InitializeSecurityContext(ch, ctx, "host/x", req, 0, s.SECURITY_NATIVE_DREP, pin, 0, new, out,
                                     attrs if attrs is not None else s.ULONG(), ts if ts is not None else s.TimeStamp())
    return st, out[0].tobytes()


def asc(sh, ctx, new, token, req=AREQ | s.ASC_REQ_ALLOCATE_MEMORY, out=None, pin=None, attrs=None):
    pin = pin if pin is not None else s.SecBufferDesc([s.SecBuffer(s.SECBUFFER_TOKEN, token), s.SecBuffer()])
    out = out if out is not None else out_desc()
    st = s.AcceptSecurityContext(sh, ctx, pin, req, s.SECURITY_NATIVE_DREP, new, out,
                                 attrs if attrs is not None else s.ULONG(), s.TimeStamp())
    return st, out[0].tobytes()


def handshake(fake, **kw):
    ch, sh = creds(fake, **kw)
    cc, sc = s.CtxtHandle(), s.CtxtHandle()
    st, t1 = isc(ch, None, cc)
    assert st == S.SEC_I_CONTINUE_NEEDED
    st, t2 = asc(sh, None, sc, t1)
    assert st == S.SEC_I_CONTINUE_NEEDED
    st, t3 = isc(ch, cc, cc, t2)
    assert st == S.SEC_E_OK
    st, _ = asc(sh, sc, sc, t3)
    assert st == S.SEC_E_OK
    return ch, sh, cc, sc


@pytest.mark.contract("ISC-CTX-FIRST", "ISC-CTX-NEXT", "ISC-RET-CONTINUE", "ASC-CTX-FIRST", "ASC-RET-CONTINUE",
                      "ISC-INPUT-FIRST")
def test_full_handshake_handles(fake):
    ch, sh = creds(fake)
    cc = s.CtxtHandle()
    st, t1 = isc(ch, None, cc)
    assert st == S.SEC_I_CONTINUE_NEEDED and cc.is_set and t1.startswith(b"\x00")
    sc = s.CtxtHandle()
    st, t2 = asc(sh, None, sc, t1)
    assert st == S.SEC_I_CONTINUE_NEEDED and sc.is_set
    same = s.CtxtHandle()
    st, t3 = isc(ch, cc, same, t2)
    assert st == S.SEC_E_OK and same == cc  # phNewContext receives the same handle
    st, _ = asc(sh, sc, None, t3)  # phNewContext may be None on later calls
    assert st == S.SEC_E_OK


@pytest.mark.contract("ISC-CRED-OUTBOUND", "ASC-CRED-INBOUND")
def test_credential_direction(fake):
    ch, sh = creds(fake)
    st, _ = isc(sh, None, s.CtxtHandle())
    assert st == S.SEC_E_NO_CREDENTIALS
    st, _ = asc(ch, None, s.CtxtHandle(), b"\x00\x01x")
    assert st == S.SEC_E_NO_CREDENTIALS


@pytest.mark.contract("ISC-CRED-INVALID", "API-FREE-CRED")
def test_freed_or_foreign_credential(fake):
    ch, sh = creds(fake)
    assert s.FreeCredentialsHandle(ch) == S.SEC_E_OK
    assert isc(ch, None, s.CtxtHandle())[0] == S.SEC_E_INVALID_HANDLE
    assert s.FreeCredentialsHandle(ch) == S.SEC_E_INVALID_HANDLE
    foreign = s.CredHandle(12345, 0xDEAD)
    assert isc(foreign, None, s.CtxtHandle())[0] == S.SEC_E_INVALID_HANDLE
    assert isc(s.CtxtHandle(), None, s.CtxtHandle())[0] == S.SEC_E_INVALID_HANDLE


@pytest.mark.contract("ISC-CTX-INVALID", "API-DELETE")
def test_deleted_or_foreign_context(fake):
    ch, sh, cc, sc = handshake(fake)
    assert s.DeleteSecurityContext(cc) == S.SEC_E_OK
    assert isc(ch, cc, cc, b"\x00\x00")[0] == S.SEC_E_INVALID_HANDLE
    assert s.DeleteSecurityContext(cc) == S.SEC_E_INVALID_HANDLE
    desc = s.SecBufferDesc([s.SecBuffer(s.SECBUFFER_DATA, b"x"), s.SecBuffer(s.SECBUFFER_TOKEN, 16)])
    assert s.MakeSignature(cc, 0, desc, 0) == S.SEC_E_INVALID_HANDLE
    assert s.QueryContextAttributes(cc, s.SECPKG_ATTR_SIZES, s.SecPkgContext_Sizes()) == S.SEC_E_INVALID_HANDLE
    assert isc(ch, s.CtxtHandle(99, 99), s.CtxtHandle(), b"\x00\x00")[0] == S.SEC_E_INVALID_HANDLE
    # a server handle is foreign to InitializeSecurityContext
    assert isc(ch, sc, sc, b"\x00\x00")[0] == S.SEC_E_INVALID_HANDLE


@pytest.mark.contract("ISC-REQ-ALLOCATE", "ASC-REQ-ALLOCATE", "API-FREE-BUFFER", "ISC-ATTR-EARLY")
def test_allocate_memory_and_free(fake):
    ch, sh = creds(fake)
    cc, attrs = s.CtxtHandle(), s.ULONG()
    out = out_desc(None)
    st, t1 = isc(ch, None, cc, out=out, attrs=attrs)
    assert st == S.SEC_I_CONTINUE_NEEDED
    assert attrs.value & s.ISC_RET_ALLOCATED_MEMORY  # valid on an intermediate return
    buf = out[0].pvBuffer
    assert s.FreeContextBuffer(buf) == S.SEC_E_OK
    assert s.FreeContextBuffer(buf) == S.SEC_E_INVALID_HANDLE  # double free refused safely
    assert s.FreeContextBuffer(bytearray(b"not ours")) == S.SEC_E_INVALID_HANDLE
    sattrs = s.ULONG()
    sout = out_desc(None)
    st, _ = asc(sh, None, s.CtxtHandle(), t1, out=sout, attrs=sattrs)
    assert sattrs.value & s.ASC_RET_ALLOCATED_MEMORY
    assert s.FreeContextBuffer(sout[0]) == S.SEC_E_OK


@pytest.mark.contract("ISC-REQ-CALLER-BUFFER")
def test_caller_buffer_too_small_writes_nothing(fake):
    ch, sh = creds(fake)
    out = out_desc(4)
    out[0].pvBuffer[:] = b"\xaa" * 4
    cc = s.CtxtHandle()
    st, _ = isc(ch, None, cc, req=REQ, out=out)
    assert st == S.SEC_E_BUFFER_TOO_SMALL
    assert bytes(out[0].pvBuffer) == b"\xaa" * 4 and not cc.is_set
    big = out_desc(64)
    st, tok = isc(ch, None, cc, req=REQ, out=big)
    assert st == S.SEC_I_CONTINUE_NEEDED and big[0].cbBuffer == len(tok) < 64
    assert big[0].capacity == 64  # caller memory kept, only the used length changed


@pytest.mark.contract("ISC-RESERVED")
def test_reserved_arguments(fake):
    ch, _ = creds(fake)
    for r1, r2 in ((1, 0), (0, 1)):
        st = s.InitializeSecurityContext(ch, None, "t", REQ, r1, s.SECURITY_NATIVE_DREP, None, r2, s.CtxtHandle(),
                                         out_desc(), s.ULONG(), s.TimeStamp())
        assert st == S.SEC_E_INVALID_PARAMETER


@pytest.mark.contract("ISC-DREP")
def test_data_representation(fake):
    ch, _ = creds(fake)
    for drep, want in ((s.SECURITY_NATIVE_DREP, S.SEC_I_CONTINUE_NEEDED), (s.SECURITY_NETWORK_DREP, S.SEC_I_CONTINUE_NEEDED),
                       (0x77, S.SEC_E_INVALID_PARAMETER)):
        st = s.InitializeSecurityContext(ch, None, "t", REQ | s.ISC_REQ_ALLOCATE_MEMORY, 0, drep, None, 0,
                                         s.CtxtHandle(), out_desc(), s.ULONG(), s.TimeStamp())
        assert st == want


@pytest.mark.contract("ISC-OUTPUT-READWRITE")
def test_non_token_output_buffers_untouched(fake):
    ch, _ = creds(fake)
    extra = s.SecBuffer(s.SECBUFFER_DATA, b"keep me")
    out = s.SecBufferDesc([s.SecBuffer(s.SECBUFFER_TOKEN), extra])
    st, _ = isc(ch, None, s.CtxtHandle(), out=out)
    assert st == S.SEC_I_CONTINUE_NEEDED
    assert extra.tobytes() == b"keep me" and extra.BufferType == s.SECBUFFER_DATA


@pytest.mark.contract("ISC-REQ-UNSUPPORTED")
def test_unsupported_request_flag(fake):
    ch, _ = creds(fake)
    assert isc(ch, None, s.CtxtHandle(), req=REQ | s.ISC_REQ_DATAGRAM)[0] == S.SEC_E_UNSUPPORTED_FUNCTION
    assert isc(ch, None, s.CtxtHandle(), req=1 << 70)[0] == S.SEC_E_INVALID_PARAMETER


@pytest.mark.contract("ISC-RET-COMPLETE-NEEDED", "ASC-RET-COMPLETE")
def test_complete_needed(fake):
    ch, sh = creds(fake, options={"complete_needed": True})
    cc, sc = s.CtxtHandle(), s.CtxtHandle()
    _, t1 = isc(ch, None, cc)
    _, t2 = asc(sh, None, sc, t1)
    st, t3 = isc(ch, cc, cc, t2)
    assert st == S.SEC_I_COMPLETE_NEEDED
    desc = s.SecBufferDesc([s.SecBuffer(s.SECBUFFER_DATA, b"x"), s.SecBuffer(s.SECBUFFER_TOKEN, 16)])
    assert s.CompleteAuthToken(cc, s.SecBufferDesc([s.SecBuffer(s.SECBUFFER_TOKEN, t3)])) == S.SEC_E_OK
    assert dispatcher.contexts.get(cc).state == dispatcher.COMPLETE
    assert s.MakeSignature(cc, 0, desc, 0) == S.SEC_E_OK
    assert s.CompleteAuthToken(s.CtxtHandle(), s.SecBufferDesc()) == S.SEC_E_INVALID_HANDLE


@pytest.mark.contract("ISC-RET-COMPLETE-AND-CONTINUE")
def test_complete_and_continue(fake):
    ch, sh = creds(fake, options={"complete_and_continue": True})
    cc = s.CtxtHandle()
    st, t1 = isc(ch, None, cc)
    assert st == S.SEC_I_COMPLETE_AND_CONTINUE
    assert s.CompleteAuthToken(cc, s.SecBufferDesc([s.SecBuffer(s.SECBUFFER_TOKEN, t1)])) == S.SEC_E_OK
    assert dispatcher.contexts.get(cc).state == dispatcher.IN_PROGRESS  # still continuing


@pytest.mark.contract("ASC-OUTPUT-ON-OK", "ISC-RET-OK-TOKEN")
def test_token_with_ok(fake):
    ch, sh = creds(fake, options={"ok_token": True})
    cc, sc = s.CtxtHandle(), s.CtxtHandle()
    _, t1 = isc(ch, None, cc)
    _, t2 = asc(sh, None, sc, t1)
    _, t3 = isc(ch, cc, cc, t2)
    st, t4 = asc(sh, sc, sc, t3)
    assert st == S.SEC_E_OK and t4.endswith(b"WELCOME")


@pytest.mark.contract("ISC-ERR-INVALID-TOKEN", "ASC-ERR-INVALID-TOKEN", "ISC-FAILED-DELETE")
def test_invalid_token_then_delete(fake):
    ch, sh = creds(fake)
    cc = s.CtxtHandle()
    _, t1 = isc(ch, None, cc)
    st, _ = isc(ch, cc, cc, b"\x00\x03bad")
    assert st == S.SEC_E_INVALID_TOKEN
    assert dispatcher.contexts.get(cc).state == dispatcher.FAILED
    assert isc(ch, cc, cc, b"\x00\x03bad")[0] == S.SEC_E_INVALID_HANDLE  # failed context is not continued
    assert s.DeleteSecurityContext(cc) == S.SEC_E_OK  # but it still exists and can be deleted
    assert asc(sh, None, s.CtxtHandle(), b"\x00\x04nope")[0] == S.SEC_E_INVALID_TOKEN


@pytest.mark.contract("ASC-ERR-LOGON-DENIED", "ASC-ALERT", "ISC-ERR-LOGON-DENIED")
def test_logon_denied_with_alert(fake):
    ch, sh = creds(fake, password="wrong")
    cc, sc = s.CtxtHandle(), s.CtxtHandle()
    _, t1 = isc(ch, None, cc)
    _, t2 = asc(sh, None, sc, t1)
    _, t3 = isc(ch, cc, cc, t2)
    alert = s.SecBuffer(s.SECBUFFER_ALERT, 16)
    out = s.SecBufferDesc([s.SecBuffer(s.SECBUFFER_TOKEN, 64), alert])
    st, _ = asc(sh, sc, sc, t3, req=AREQ, out=out)
    assert st == S.SEC_E_LOGON_DENIED
    assert alert.tobytes() == b"\x02\x31"


@pytest.mark.contract("ISC-ERR-INTERNAL")
def test_internal_error_never_raises(fake, caplog):
    ch, sh = creds(fake)
    cc = s.CtxtHandle()
    isc(ch, None, cc)
    from tests.core.fakepkg import frame

    with caplog.at_level("ERROR", logger="sspi_emu"):
        st, _ = isc(ch, cc, cc, frame(b"BOOM"))
    assert st == S.SEC_E_INTERNAL_ERROR
    assert "failed" in caplog.text and "boom" in caplog.text.lower()


@pytest.mark.contract("ISC-ERR-NO-CREDENTIALS")
def test_no_credentials(fake, monkeypatch):
    monkeypatch.delenv("SSPI_EMU_USER", raising=False)
    st = s.AcquireCredentialsHandle(None, "Fake", s.SECPKG_CRED_OUTBOUND, None, None, None, None,
                                    s.CredHandle(), s.TimeStamp())
    assert st == S.SEC_E_NO_CREDENTIALS


@pytest.mark.contract("ISC-REAUTH")
def test_reauthentication_after_completion(fake):
    ch, sh, cc, sc = handshake(fake)
    st, t1 = isc(ch, cc, cc)  # a new exchange on the same handle
    assert st == S.SEC_I_CONTINUE_NEEDED and t1[2:7] == b"HELLO"
    sc2 = s.CtxtHandle()
    _, t2 = asc(sh, None, sc2, t1)
    assert isc(ch, cc, cc, t2)[0] == S.SEC_E_OK


@pytest.mark.contract("ASC-RET-INCOMPLETE-MESSAGE", "ASC-EXTRA", "ASC-INPUT-TOKEN-EMPTY")
def test_incomplete_and_extra_buffers(fake):
    ch, sh = creds(fake)
    cc = s.CtxtHandle()
    _, t1 = isc(ch, None, cc)
    sc = s.CtxtHandle()
    partial = s.SecBufferDesc([s.SecBuffer(s.SECBUFFER_TOKEN, t1[:5]), s.SecBuffer(s.SECBUFFER_EMPTY)])
    st, _ = asc(sh, None, sc, None, pin=partial)
    assert st == S.SEC_E_INCOMPLETE_MESSAGE and not sc.is_set
    assert partial[1].BufferType == s.SECBUFFER_MISSING and partial[1].cbBuffer == len(t1) - 5
    whole = s.SecBufferDesc([s.SecBuffer(s.SECBUFFER_TOKEN, t1 + b"TAIL"), s.SecBuffer(s.SECBUFFER_EMPTY)])
    st, _ = asc(sh, None, sc, None, pin=whole)
    assert st == S.SEC_I_CONTINUE_NEEDED
    assert whole[1].BufferType == s.SECBUFFER_EXTRA and whole[1].cbBuffer == 4
    assert whole[1].tobytes() == b"TAIL"  # a view of the input's tail


@pytest.mark.contract("ASC-ATTR", "ISC-REQ-INTEGRITY", "ISC-REQ-CONFIDENTIALITY")
def test_return_flags(fake):
    ch, sh = creds(fake)
    cc, sc, ca, sa = s.CtxtHandle(), s.CtxtHandle(), s.ULONG(), s.ULONG()
    _, t1 = isc(ch, None, cc, attrs=ca)
    _, t2 = asc(sh, None, sc, t1, attrs=sa)
    _, t3 = isc(ch, cc, cc, t2, attrs=ca)
    asc(sh, sc, sc, t3, attrs=sa)
    assert ca.value & s.ISC_RET_INTEGRITY and ca.value & s.ISC_RET_CONFIDENTIALITY
    assert not ca.value & s.ISC_RET_MUTUAL_AUTH
    flags = s.SecPkgContext_Flags()
    assert s.QueryContextAttributes(cc, s.SECPKG_ATTR_FLAGS, flags) == S.SEC_E_OK
    assert flags.Flags & s.ISC_RET_CONFIDENTIALITY


@pytest.mark.contract("ISC-EXPIRY")
def test_expiry(fake):
    ch, sh = creds(fake)
    cc, ts = s.CtxtHandle(), s.TimeStamp()
    with pinned(PinnedEntropy(seed=b"x", clock=1_700_000_000.0)):
        _, t1 = isc(ch, None, cc, ts=ts)
        assert ts.never_expires  # no expiry known yet
        _, t2 = asc(sh, None, s.CtxtHandle(), t1)
        isc(ch, cc, cc, t2, ts=ts)
    assert ts.datetime.year == 2023 and not ts.never_expires


@pytest.mark.contract("API-QUERY-SIZES", "API-SIGN", "API-SEAL", "ISC-REQ-SEQUENCE", "ISC-REQ-REPLAY")
def test_messages(fake):
    ch, sh, cc, sc = handshake(fake)
    sizes = s.SecPkgContext_Sizes()
    assert s.QueryContextAttributes(cc, s.SECPKG_ATTR_SIZES, sizes) == S.SEC_E_OK
    msg = s.SecBufferDesc([s.SecBuffer(s.SECBUFFER_DATA, b"hello"), s.SecBuffer(s.SECBUFFER_TOKEN, sizes.cbMaxSignature)])
    assert s.MakeSignature(cc, 0, msg, 0) == S.SEC_E_OK
    assert msg[1].cbBuffer == sizes.cbMaxSignature
    good = msg[1].tobytes()
    assert s.VerifySignature(sc, msg, 0, s.ULONG()) == S.SEC_E_OK
    replay = s.SecBufferDesc([s.SecBuffer(s.SECBUFFER_DATA, b"hello"), s.SecBuffer(s.SECBUFFER_TOKEN, good)])
    assert s.VerifySignature(sc, replay, 0, s.ULONG()) == S.SEC_E_OUT_OF_SEQUENCE
    tampered = s.SecBufferDesc([s.SecBuffer(s.SECBUFFER_DATA, b"hellO"), s.SecBuffer(s.SECBUFFER_TOKEN, good)])
    assert s.VerifySignature(sc, tampered, 1, s.ULONG()) == S.SEC_E_MESSAGE_ALTERED
    data = bytearray(b"secret data")
    sealed = s.SecBufferDesc([s.SecBuffer(s.SECBUFFER_TOKEN, sizes.cbSecurityTrailer), s.SecBuffer(s.SECBUFFER_DATA, data)])
    assert s.EncryptMessage(cc, 0, sealed, 1) == S.SEC_E_OK
    assert data != bytearray(b"secret data")  # encrypted in place in the caller's memory
    assert s.DecryptMessage(sc, sealed, 1, s.ULONG()) == S.SEC_E_OK
    assert bytes(data) == b"secret data"


@pytest.mark.contract("API-ENUM")
def test_enumerate_and_query_packages(fake):
    count, infos = s.ULONG(), s.Box()
    assert s.EnumerateSecurityPackages(count, infos) == S.SEC_E_OK
    names = [i.Name for i in infos.value]
    assert count.value == len(names) and "Fake" in names
    fake_info = next(i for i in infos.value if i.Name == "Fake")
    assert (fake_info.wRPCID, fake_info.cbMaxToken, fake_info.Comment) == (0xFF01, 64, "A fake package for dispatcher tests")
    assert fake_info.fCapabilities & s.SECPKG_FLAG_INTEGRITY
    assert s.FreeContextBuffer(infos.value) == S.SEC_E_OK
    one = s.Box()
    assert s.QuerySecurityPackageInfo("fakealias", one) == S.SEC_E_OK and one.value.Name == "Fake"
    assert s.QuerySecurityPackageInfo("NoSuchPackage", one) == S.SEC_E_SECPKG_NOT_FOUND
    assert s.AcquireCredentialsHandle(None, "NoSuch", 2, None, None, None, None, s.CredHandle(),
                                      None) == S.SEC_E_SECPKG_NOT_FOUND


@pytest.mark.contract("ASC-INSUFFICIENT")
def test_server_may_discard_insufficient_context(fake):
    ch, sh = creds(fake)
    cc, sc, sa = s.CtxtHandle(), s.CtxtHandle(), s.ULONG()
    _, t1 = isc(ch, None, cc, req=s.ISC_REQ_CONNECTION | s.ISC_REQ_ALLOCATE_MEMORY)
    _, t2 = asc(sh, None, sc, t1, req=s.ASC_REQ_CONNECTION | s.ASC_REQ_ALLOCATE_MEMORY)
    _, t3 = isc(ch, cc, cc, t2, req=s.ISC_REQ_CONNECTION | s.ISC_REQ_ALLOCATE_MEMORY)
    st, _ = asc(sh, sc, sc, t3, req=s.ASC_REQ_CONNECTION | s.ASC_REQ_ALLOCATE_MEMORY, attrs=sa)
    assert st == S.SEC_E_OK and not sa.value & s.ASC_RET_CONFIDENTIALITY
    before = dispatcher.live_contexts()
    assert s.DeleteSecurityContext(sc) == S.SEC_E_OK  # the server finds it insufficient and drops it
    assert dispatcher.live_contexts() == before - 1


@pytest.mark.contract("API-THREADS")
def test_contexts_in_many_threads(fake):
    errors: list[BaseException] = []
    keys: list[bytes] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            for _ in range(20):
                _, _, cc, sc = handshake(fake)
                key = s.SecPkgContext_SessionKey()
                assert s.QueryContextAttributes(cc, s.SECPKG_ATTR_SESSION_KEY, key) == S.SEC_E_OK
                skey = s.SecPkgContext_SessionKey()
                s.QueryContextAttributes(sc, s.SECPKG_ATTR_SESSION_KEY, skey)
                assert key.SessionKey == skey.SessionKey
                with lock:
                    keys.append(key.SessionKey)
                s.DeleteSecurityContext(cc)
                s.DeleteSecurityContext(sc)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(keys)) == len(keys) == 160  # no two contexts shared state


@pytest.mark.contract("ISC-CTX-NEXT")
def test_null_credential_on_later_legs_uses_the_contexts_own(fake):
    ch, sh = creds(fake)
    cc, sc = s.CtxtHandle(), s.CtxtHandle()
    _, t1 = isc(ch, None, cc)
    _, t2 = asc(sh, None, sc, t1)
    st, t3 = isc(None, cc, cc, t2)
    assert st == S.SEC_E_OK
    assert asc(None, sc, sc, t3)[0] == S.SEC_E_OK
    assert isc(None, None, s.CtxtHandle())[0] == S.SEC_E_INVALID_HANDLE  # but not on a first call


@pytest.mark.contract("ISC-REAUTH")
def test_completed_server_needs_a_token_to_reauthenticate(fake):
    ch, sh, cc, sc = handshake(fake)
    empty = s.SecBufferDesc([s.SecBuffer(s.SECBUFFER_TOKEN, b""), s.SecBuffer()])
    assert asc(sh, sc, sc, None, pin=empty)[0] == S.SEC_E_INVALID_TOKEN
    assert dispatcher.contexts.get(sc).state == dispatcher.COMPLETE  # still usable
    st, t1 = isc(ch, cc, cc)
    assert asc(sh, sc, sc, t1)[0] == S.SEC_I_CONTINUE_NEEDED  # a real new token re-authenticates
