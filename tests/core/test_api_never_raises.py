"""Property tests: random bytes, wrong buffer types, freed handles and absurd flags never raise."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sspi_emu as s
from tests.contract.test_core_contract import creds, handshake

S = s.SecurityStatus

ints = st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.sampled_from([0, 1, 0x10, 0xFFFFFFFF, -1]))
junk = st.one_of(st.none(), st.text(max_size=8), st.binary(max_size=16), ints, st.just(3.5), st.just([1, 2]))
buffers = st.builds(
    s.SecBuffer,
    st.one_of(ints.map(lambda v: v & 0xFFFFFFFF), st.sampled_from([0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 14, 17, 0x80000002])),
    st.one_of(st.none(), st.binary(max_size=64), st.integers(min_value=0, max_value=64)),
)
descs = st.one_of(
    st.none(),
    st.builds(s.SecBufferDesc, st.lists(buffers, max_size=5)),
    st.just(s.SecBufferDesc([None])),  # type: ignore[list-item]
    junk,
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _ctx_handles(fake):
    ch, sh, cc, sc = handshake(fake)
    dead = s.CtxtHandle()
    _, _, dead, _ = handshake(fake)
    s.DeleteSecurityContext(dead)
    return ch, sh, [cc, sc, dead, s.CtxtHandle(), s.CtxtHandle(7, 7), None, "x"]


@SETTINGS
@given(data=st.data())
def test_initialize_and_accept_never_raise(fake, data):
    ch, sh, ctxs = _ctx_handles(fake)
    cred = data.draw(st.sampled_from([ch, sh, s.CredHandle(), s.CredHandle(1, 2), None, 5]))
    ctx = data.draw(st.sampled_from(ctxs))
    st1 = s.InitializeSecurityContext(cred, ctx, data.draw(junk), data.draw(ints), data.draw(junk), data.draw(junk),
                                      data.draw(descs), data.draw(junk), data.draw(st.sampled_from([s.CtxtHandle(), None, 1])),
                                      data.draw(descs), data.draw(junk), data.draw(junk))
    assert isinstance(st1, S)
    st2 = s.AcceptSecurityContext(cred, ctx, data.draw(descs), data.draw(ints), data.draw(junk),
                                  data.draw(st.sampled_from([s.CtxtHandle(), None, 1])), data.draw(descs),
                                  data.draw(junk), data.draw(junk))
    assert isinstance(st2, S)


@SETTINGS
@given(data=st.data())
def test_message_functions_never_raise(fake, data):
    _, _, ctxs = _ctx_handles(fake)
    ctx = data.draw(st.sampled_from(ctxs))
    for fn in (s.MakeSignature, s.EncryptMessage):
        assert isinstance(fn(ctx, data.draw(ints), data.draw(descs), data.draw(ints)), S)
    for fn in (s.VerifySignature, s.DecryptMessage):
        assert isinstance(fn(ctx, data.draw(descs), data.draw(ints), data.draw(junk)), S)
    assert isinstance(s.CompleteAuthToken(ctx, data.draw(descs)), S)
    assert isinstance(s.ApplyControlToken(ctx, data.draw(descs)), S)
    assert isinstance(s.QueryContextAttributes(ctx, data.draw(ints), data.draw(st.one_of(junk, st.just(s.Box())))), S)
    assert isinstance(s.SetContextAttributes(ctx, data.draw(ints), data.draw(junk)), S)
    assert isinstance(s.ExportSecurityContext(ctx, data.draw(ints), data.draw(st.one_of(junk, st.just(s.SecBuffer()))),
                                              data.draw(junk)), S)
    assert isinstance(s.ImportSecurityContext(data.draw(junk), data.draw(st.one_of(junk, st.just(s.SecBuffer()))),
                                              data.draw(junk), data.draw(st.sampled_from(ctxs))), S)
    assert isinstance(s.DeleteSecurityContext(data.draw(st.sampled_from(ctxs))), S)


@SETTINGS
@given(data=st.data())
def test_credential_and_package_functions_never_raise(fake, data):
    pkg = data.draw(st.one_of(st.sampled_from(["Fake", "fake", "NTLM", "Negotiate", "nope"]), junk))
    status = s.AcquireCredentialsHandle(data.draw(junk), pkg, data.draw(ints), data.draw(junk), data.draw(junk),
                                        data.draw(junk), data.draw(junk), data.draw(st.sampled_from([s.CredHandle(), None])),
                                        data.draw(junk))
    assert isinstance(status, S)
    ch, _ = creds(fake)
    assert isinstance(s.QueryCredentialsAttributes(data.draw(st.sampled_from([ch, None, s.CredHandle()])),
                                                   data.draw(ints), data.draw(junk)), S)
    assert isinstance(s.SetCredentialsAttributes(data.draw(st.sampled_from([ch, None, s.CredHandle()])),
                                                 data.draw(ints), data.draw(junk)), S)
    assert isinstance(s.FreeCredentialsHandle(data.draw(st.sampled_from([ch, None, s.CredHandle(), 4]))), S)
    assert isinstance(s.QuerySecurityPackageInfo(data.draw(junk), data.draw(st.one_of(junk, st.just(s.Box())))), S)
    assert isinstance(s.EnumerateSecurityPackages(data.draw(junk), data.draw(junk)), S)
    assert isinstance(s.FreeContextBuffer(data.draw(junk)), S)


@SETTINGS
@given(token=st.binary(max_size=200))
def test_random_tokens_give_a_status(fake, token):
    ch, sh = creds(fake)
    pin = s.SecBufferDesc([s.SecBuffer(s.SECBUFFER_TOKEN, token), s.SecBuffer()])
    st1 = s.AcceptSecurityContext(sh, None, pin, 0x100, 0x10, s.CtxtHandle(), s.SecBufferDesc([s.SecBuffer(2)]),
                                  s.ULONG(), s.TimeStamp())
    assert st1 in (S.SEC_E_INVALID_TOKEN, S.SEC_E_INCOMPLETE_MESSAGE, S.SEC_I_CONTINUE_NEEDED, S.SEC_E_INTERNAL_ERROR)
