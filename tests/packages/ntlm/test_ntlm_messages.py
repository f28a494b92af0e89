"""MakeSignature / VerifySignature / EncryptMessage / DecryptMessage on NTLM contexts."""

from __future__ import annotations

import pytest
from sspi_emu_ntlm.flags import NegotiateFlags as F

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.buffers import SecBuffer, SecBufferDesc
from tests.packages.ntlm.ntlm_helpers import Pair, client_cred, seal, server_cred, unseal


def _pair(**client_kw: object) -> Pair:
    pair = Pair(client_cred(**client_kw), server_cred(lm_compat_level=0))  # type: ignore[arg-type]
    assert pair.run() == C.SEC_E_OK
    return pair


def _sign(ctx: S.CtxtHandle, data: bytes, seq: int = 0) -> bytes:
    bufs = [SecBuffer(C.SECBUFFER_DATA, data), SecBuffer(C.SECBUFFER_TOKEN, 16)]
    assert S.MakeSignature(ctx, 0, SecBufferDesc(bufs), seq) == C.SEC_E_OK
    return bufs[1].tobytes()


def _verify(ctx: S.CtxtHandle, data: bytes, sig: bytes, seq: int = 0) -> C.SecurityStatus:
    bufs = [SecBuffer(C.SECBUFFER_DATA, data), SecBuffer(C.SECBUFFER_TOKEN, sig)]
    return S.VerifySignature(ctx, SecBufferDesc(bufs), seq, S.ULONG())


#: NTLMv2 (default), NTLMv1 with ESS, NTLMv1 without ESS (one RC4 handle for both directions).
VARIANTS = {
    "v2": {},
    "v1-ess": {"lm_compat_level": 1},
    "v1": {"lm_compat_level": 0},
    "v2-no-keyexch": {"negotiate_flags": int(F.UNICODE | F.NTLM | F.SIGN | F.SEAL | F.ALWAYS_SIGN
                                             | F.EXTENDED_SESSIONSECURITY | F.NEGOTIATE_128)},
}


@pytest.mark.contract("API-SIGN", "ISC-REQ-INTEGRITY")
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_sign_verify_both_ways(variant: str) -> None:
    pair = _pair(**VARIANTS[variant])
    for i in range(3):
        sig = _sign(pair.cctx, b"to server %d" % i)
        assert len(sig) == 16
        assert _verify(pair.sctx, b"to server %d" % i, sig) == C.SEC_E_OK
        sig = _sign(pair.sctx, b"to client %d" % i)
        assert _verify(pair.cctx, b"to client %d" % i, sig) == C.SEC_E_OK


@pytest.mark.contract("API-SIGN")
def test_tampered_signed_message() -> None:
    pair = _pair()
    sig = _sign(pair.cctx, b"payload")
    assert _verify(pair.sctx, b"paYload", sig) == C.SEC_E_MESSAGE_ALTERED


@pytest.mark.contract("API-SEAL", "ISC-REQ-CONFIDENTIALITY")
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_seal_unseal_both_ways(variant: str) -> None:
    pair = _pair(**VARIANTS[variant])
    for i in range(3):
        msg = b"secret %d" % i * 50
        sig, ct = seal(pair.cctx, msg)
        assert ct != msg and len(ct) == len(msg)
        assert unseal(pair.sctx, sig, ct) == (C.SEC_E_OK, msg, 0)
        sig, ct = seal(pair.sctx, msg)
        assert unseal(pair.cctx, sig, ct) == (C.SEC_E_OK, msg, 0)


@pytest.mark.contract("API-SEAL")
def test_seal_in_place_with_padding_buffer() -> None:
    pair = _pair()
    data = bytearray(b"in place data")
    bufs = [SecBuffer(C.SECBUFFER_TOKEN, 16), SecBuffer(C.SECBUFFER_DATA, data), SecBuffer(C.SECBUFFER_PADDING, 8)]
    assert S.EncryptMessage(pair.cctx, 0, SecBufferDesc(bufs), 0) == C.SEC_E_OK
    assert bufs[1].pvBuffer is data and bytes(data) != b"in place data"
    assert bufs[2].cbBuffer == 0
    dbufs = [SecBuffer(C.SECBUFFER_TOKEN, bufs[0].tobytes()), SecBuffer(C.SECBUFFER_DATA, data)]
    assert S.DecryptMessage(pair.sctx, SecBufferDesc(dbufs), 0, S.ULONG()) == C.SEC_E_OK
    assert bytes(data) == b"in place data"


@pytest.mark.contract("API-SEAL")
def test_tampered_sealed_message() -> None:
    pair = _pair()
    sig, ct = seal(pair.cctx, b"attack at dawn")
    bad = bytearray(ct)
    bad[0] ^= 1
    assert unseal(pair.sctx, sig, bytes(bad))[0] == C.SEC_E_MESSAGE_ALTERED


@pytest.mark.contract("ISC-REQ-REPLAY")
def test_replayed_message_rejected_then_context_still_works() -> None:
    pair = _pair()
    sig1, ct1 = seal(pair.cctx, b"one")
    assert unseal(pair.sctx, sig1, ct1)[0] == C.SEC_E_OK
    assert unseal(pair.sctx, sig1, ct1)[0] == C.SEC_E_OUT_OF_SEQUENCE
    sig2, ct2 = seal(pair.cctx, b"two")
    assert unseal(pair.sctx, sig2, ct2) == (C.SEC_E_OK, b"two", 0)


@pytest.mark.contract("ISC-REQ-SEQUENCE")
def test_out_of_order_rejected() -> None:
    pair = _pair()
    sig1 = _sign(pair.cctx, b"first")
    sig2 = _sign(pair.cctx, b"second")
    assert _verify(pair.sctx, b"second", sig2) == C.SEC_E_OUT_OF_SEQUENCE
    assert _verify(pair.sctx, b"first", sig1) == C.SEC_E_OK
    assert _verify(pair.sctx, b"second", sig2) == C.SEC_E_OK


def test_shared_counter_caller_like_pywin32() -> None:
    """pywin32's sspi.py passes one counter for both directions; NTLM keeps its own per direction."""
    pair = _pair()
    cseq = sseq = 0
    for i in range(4):
        bufs = [SecBuffer(C.SECBUFFER_TOKEN, 16), SecBuffer(C.SECBUFFER_DATA, b"c%d" % i)]
        assert S.EncryptMessage(pair.cctx, 0, SecBufferDesc(bufs), cseq) == C.SEC_E_OK
        cseq += 1
        assert S.DecryptMessage(pair.sctx, SecBufferDesc(bufs), sseq, S.ULONG()) == C.SEC_E_OK
        sseq += 1
        bufs = [SecBuffer(C.SECBUFFER_TOKEN, 16), SecBuffer(C.SECBUFFER_DATA, b"s%d" % i)]
        assert S.EncryptMessage(pair.sctx, 0, SecBufferDesc(bufs), sseq) == C.SEC_E_OK
        sseq += 1
        assert S.DecryptMessage(pair.cctx, SecBufferDesc(bufs), cseq, S.ULONG()) == C.SEC_E_OK
        assert bufs[1].tobytes() == b"s%d" % i
        cseq += 1


@pytest.mark.parametrize("variant", ["v2", "v2-no-keyexch"])
def test_wrap_no_encrypt_leaves_data_clear(variant: str) -> None:
    pair = _pair(**VARIANTS[variant])
    sig, data = seal(pair.cctx, b"visible", qop=C.SECQOP_WRAP_NO_ENCRYPT)
    assert data == b"visible"
    status, opened, qop = unseal(pair.sctx, sig, data)
    assert (status, opened, qop) == (C.SEC_E_OK, b"visible", C.SECQOP_WRAP_NO_ENCRYPT)
    # The stream stays in step afterwards, both sealed and signed-only.
    sig, ct = seal(pair.cctx, b"hidden")
    assert unseal(pair.sctx, sig, ct) == (C.SEC_E_OK, b"hidden", 0)
    sig, data = seal(pair.cctx, b"clear again", qop=C.SECQOP_WRAP_NO_ENCRYPT)
    assert unseal(pair.sctx, sig, data) == (C.SEC_E_OK, b"clear again", C.SECQOP_WRAP_NO_ENCRYPT)


def test_wrap_no_encrypt_tampered() -> None:
    pair = _pair()
    sig, data = seal(pair.cctx, b"visible", qop=C.SECQOP_WRAP_NO_ENCRYPT)
    status, _, _ = unseal(pair.sctx, sig, b"visiblE")
    assert status == C.SEC_E_MESSAGE_ALTERED


def test_readonly_buffers_signed_not_encrypted() -> None:
    pair = _pair()
    for flag in (C.SECBUFFER_READONLY, C.SECBUFFER_READONLY_WITH_CHECKSUM):
        header = b"header-in-clear"
        bufs = [SecBuffer(C.SECBUFFER_TOKEN, 16), SecBuffer(C.SECBUFFER_DATA | flag, header),
                SecBuffer(C.SECBUFFER_DATA, b"body")]
        assert S.EncryptMessage(pair.cctx, 0, SecBufferDesc(bufs), 0) == C.SEC_E_OK
        assert bufs[1].tobytes() == header and bufs[2].tobytes() != b"body"
        sig, body = bufs[0].tobytes(), bufs[2].tobytes()
        tampered = [SecBuffer(C.SECBUFFER_TOKEN, sig), SecBuffer(C.SECBUFFER_DATA | flag, b"HEADER-in-clear"),
                    SecBuffer(C.SECBUFFER_DATA, body)]
        assert S.DecryptMessage(pair.sctx, SecBufferDesc(tampered), 0, S.ULONG()) == C.SEC_E_MESSAGE_ALTERED
        pair = _pair()


def test_readonly_round_trip() -> None:
    pair = _pair()
    bufs = [SecBuffer(C.SECBUFFER_TOKEN, 16), SecBuffer(C.SECBUFFER_DATA | C.SECBUFFER_READONLY, b"hdr"),
            SecBuffer(C.SECBUFFER_DATA, b"body")]
    assert S.EncryptMessage(pair.cctx, 0, SecBufferDesc(bufs), 0) == C.SEC_E_OK
    assert S.DecryptMessage(pair.sctx, SecBufferDesc(bufs), 0, S.ULONG()) == C.SEC_E_OK
    assert bufs[1].tobytes() == b"hdr" and bufs[2].tobytes() == b"body"


def test_stream_buffer_decrypt_points_data_at_plaintext() -> None:
    pair = _pair()
    sig, ct = seal(pair.cctx, b"streamed")
    stream = SecBuffer(C.SECBUFFER_STREAM, sig + ct)
    data = SecBuffer(C.SECBUFFER_DATA, None, 0)
    assert S.DecryptMessage(pair.sctx, SecBufferDesc([stream, data]), 0, S.ULONG()) == C.SEC_E_OK
    assert data.tobytes() == b"streamed"


def test_signature_buffer_too_small_and_missing() -> None:
    pair = _pair()
    bufs = [SecBuffer(C.SECBUFFER_TOKEN, 8), SecBuffer(C.SECBUFFER_DATA, b"x")]
    assert S.EncryptMessage(pair.cctx, 0, SecBufferDesc(bufs), 0) == C.SEC_E_BUFFER_TOO_SMALL
    assert S.EncryptMessage(pair.cctx, 0, SecBufferDesc([SecBuffer(C.SECBUFFER_DATA, b"x")]), 0) \
        == C.SEC_E_INVALID_TOKEN
    short = [SecBuffer(C.SECBUFFER_TOKEN, b"\x01\x00\x00\x00"), SecBuffer(C.SECBUFFER_DATA, b"x")]
    assert S.DecryptMessage(pair.sctx, SecBufferDesc(short), 0, S.ULONG()) == C.SEC_E_INVALID_TOKEN


def test_encrypt_needs_seal_negotiated() -> None:
    flags = int(F.UNICODE | F.NTLM | F.SIGN | F.ALWAYS_SIGN | F.EXTENDED_SESSIONSECURITY | F.NEGOTIATE_128 | F.KEY_EXCH)
    pair = _pair(negotiate_flags=flags)
    bufs = [SecBuffer(C.SECBUFFER_TOKEN, 16), SecBuffer(C.SECBUFFER_DATA, b"x")]
    assert S.EncryptMessage(pair.cctx, 0, SecBufferDesc(bufs), 0) == C.SEC_E_UNSUPPORTED_FUNCTION
    sig = _sign(pair.cctx, b"x")
    assert _verify(pair.sctx, b"x", sig) == C.SEC_E_OK


def test_message_functions_before_completion() -> None:
    pair = Pair(client_cred(), server_cred())
    pair.isc(None)
    bufs = [SecBuffer(C.SECBUFFER_TOKEN, 16), SecBuffer(C.SECBUFFER_DATA, b"x")]
    assert S.EncryptMessage(pair.cctx, 0, SecBufferDesc(bufs), 0) != C.SEC_E_OK


def test_large_message() -> None:
    pair = _pair()
    msg = bytes(range(256)) * 256
    sig, ct = seal(pair.cctx, msg)
    assert unseal(pair.sctx, sig, ct) == (C.SEC_E_OK, msg, 0)


def test_pythonic_layer_wrap_unwrap() -> None:
    from sspi_emu import ClientContext, Credential, ServerContext
    from tests.packages.ntlm.ntlm_helpers import store

    c = ClientContext("NTLM", target="HOST/x", credential=Credential("NTLM", user="DOMAIN\\user", password="Password01"))
    s = ServerContext("NTLM", credential=Credential("NTLM", use="inbound", auth_data=store()))
    tok = c.step()
    while not (c.complete and s.complete):
        tok = s.step(tok)
        if not c.complete:
            tok = c.step(tok)
    assert s.unwrap(c.wrap(b"hi")) == b"hi"
    assert c.unwrap(s.wrap(b"yo")) == b"yo"
    s.verify(b"m", c.sign(b"m"))
    assert s.unwrap(c.wrap(b"plain", encrypt=False)) == b"plain"


@pytest.mark.parametrize(("strength", "bits"), [(F.NEGOTIATE_56, 56), (0, 40), (F.NEGOTIATE_128, 128)])
@pytest.mark.parametrize("ess", [True, False])
def test_key_strengths(strength: int, bits: int, ess: bool) -> None:
    from sspi_emu.attributes import SecPkgContext_KeyInfo

    flags = int(F.UNICODE | F.NTLM | F.SIGN | F.SEAL | F.ALWAYS_SIGN | F.KEY_EXCH) | strength
    if ess:
        flags |= F.EXTENDED_SESSIONSECURITY
    else:
        flags |= F.LM_KEY
    pair = _pair(negotiate_flags=flags, lm_compat_level=3 if ess else 0)
    ki = SecPkgContext_KeyInfo()
    assert S.QueryContextAttributes(pair.cctx, C.SECPKG_ATTR_KEY_INFO, ki) == C.SEC_E_OK
    assert ki.KeySize == bits
    sig, ct = seal(pair.cctx, b"strength test")
    assert unseal(pair.sctx, sig, ct) == (C.SEC_E_OK, b"strength test", 0)
    sig, ct = seal(pair.sctx, b"and back")
    assert unseal(pair.cctx, sig, ct) == (C.SEC_E_OK, b"and back", 0)


@pytest.mark.parametrize("how", ["attribute", "control-token"])
def test_rc4_reset_after_mech_list_mic(how: str) -> None:
    """SPNEGO's mechListMIC rule: each side re-initialises one direction's RC4 handle; sequence numbers go on."""
    from sspi_emu_ntlm.context import SECPKG_ATTR_EMU_NTLM_RESET_SEAL_STATE

    def reset(ctx: S.CtxtHandle, direction: int) -> C.SecurityStatus:
        if how == "attribute":
            return S.SetContextAttributes(ctx, SECPKG_ATTR_EMU_NTLM_RESET_SEAL_STATE, direction)
        token = b"sspi-emu:ntlm-reset-seal:" + (b"out" if direction == 1 else b"in")
        return S.ApplyControlToken(ctx, SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, token)]))

    pair = _pair()
    sig = _sign(pair.cctx, b"mechListMIC")
    assert _verify(pair.sctx, b"mechListMIC", sig) == C.SEC_E_OK
    assert reset(pair.cctx, 1) == C.SEC_E_OK
    assert reset(pair.sctx, 2) == C.SEC_E_OK
    sig, ct = seal(pair.cctx, b"after reset")
    assert sig[12:16] == b"\x01\x00\x00\x00"  # the sequence number kept counting
    assert unseal(pair.sctx, sig, ct) == (C.SEC_E_OK, b"after reset", 0)
    # Only one side resetting breaks the stream.
    assert reset(pair.cctx, 1) == C.SEC_E_OK
    sig, ct = seal(pair.cctx, b"one-sided")
    assert unseal(pair.sctx, sig, ct)[0] == C.SEC_E_MESSAGE_ALTERED
    assert S.SetContextAttributes(pair.cctx, SECPKG_ATTR_EMU_NTLM_RESET_SEAL_STATE, 3) == C.SEC_E_INVALID_PARAMETER
    bad = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, b"something else")])
    assert S.ApplyControlToken(pair.cctx, bad) == C.SEC_E_UNSUPPORTED_FUNCTION
