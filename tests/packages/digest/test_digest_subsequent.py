"""HTTP Digest further requests: MakeSignature on the client, VerifySignature on the server (Windows' Digest SSP)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from requests.auth import HTTPDigestAuth
from sspi_emu_digest import DigestIdentity, DigestServerOptions

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu import entropy
from sspi_emu.accounts import MemoryAccountStore
from sspi_emu.buffers import SecBuffer, SecBufferDesc

St = C.SecurityStatus
URI = "/dir/index.html"


def _params(method: bytes = b"GET", uri: str = URI, body: bytes | None = None) -> list[SecBuffer]:
    bufs = [SecBuffer(C.SECBUFFER_PKG_PARAMS, method), SecBuffer(C.SECBUFFER_PKG_PARAMS, uri.encode())]
    if body is not None:
        bufs.append(SecBuffer(C.SECBUFFER_DATA, body))
    return bufs


def _creds(algorithm: str = "MD5") -> tuple[S.CredHandle, S.CredHandle]:
    store = MemoryAccountStore()
    store.add("alice", "Passw0rd!")
    scred, ccred = S.CredHandle(), S.CredHandle()
    assert S.AcquireCredentialsHandle(None, "WDigest", C.SECPKG_CRED_INBOUND, None, DigestServerOptions(
        store=store, realm="r", algorithms=(algorithm,)), None, None, scred, None) == St.SEC_E_OK
    assert S.AcquireCredentialsHandle(None, "WDigest", C.SECPKG_CRED_OUTBOUND, None,
                                      DigestIdentity(User="alice", Password="Passw0rd!"), None, None, ccred,
                                      None) == St.SEC_E_OK
    return scred, ccred


def _established(algorithm: str = "MD5") -> tuple[S.CtxtHandle, S.CtxtHandle]:
    scred, ccred = _creds(algorithm)
    sctx, cctx = S.CtxtHandle(), S.CtxtHandle()
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN)])
    assert S.AcceptSecurityContext(scred, None, SecBufferDesc(_params()), C.ASC_REQ_HTTP | 0x100, 0, sctx, out,
                                   S.ULONG(), None) == St.SEC_I_CONTINUE_NEEDED
    challenge = out[0].tobytes()
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN)])
    assert S.InitializeSecurityContext(ccred, None, URI, C.ISC_REQ_HTTP | 0x100, 0, 0, SecBufferDesc(
        [SecBuffer(C.SECBUFFER_TOKEN, challenge), *_params()]), 0, cctx, out, S.ULONG(), None) == St.SEC_E_OK
    answer = out[0].tobytes()
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN)])
    assert S.AcceptSecurityContext(scred, sctx, SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, answer), *_params()]),
                                   C.ASC_REQ_HTTP | 0x100, 0, sctx, out, S.ULONG(), None) == St.SEC_E_OK
    return cctx, sctx


def _sign(cctx: S.CtxtHandle, uri: str = URI, method: bytes = b"GET", body: bytes | None = None,
          size: int = 1024) -> tuple[C.SecurityStatus, bytes]:
    out = SecBuffer(C.SECBUFFER_PADDING, size)
    status = S.MakeSignature(cctx, 0, SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, 0), *_params(method, uri, body),
                                                     out]), 0)
    return status, out.tobytes()


def _verify(sctx: S.CtxtHandle, header: bytes, uri: str = URI, method: bytes = b"GET",
            body: bytes | None = None) -> C.SecurityStatus:
    return S.VerifySignature(sctx, SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, header), *_params(method, uri, body)]),
                             0, None)


@pytest.mark.parametrize("algorithm", ["MD5", "MD5-sess", "SHA-256"])
def test_further_requests_are_signed_and_verified_in_order(algorithm: str) -> None:
    cctx, sctx = _established(algorithm)
    for n, uri in enumerate(("/a", "/b?c=1", URI), start=2):
        status, header = _sign(cctx, uri)
        assert status == St.SEC_E_OK and f"nc={n:08x}".encode() in header and f'uri="{uri}"'.encode() in header
        assert _verify(sctx, header, uri) == St.SEC_E_OK


def test_replayed_skipped_or_altered_requests_are_refused() -> None:
    cctx, sctx = _established()
    _, second = _sign(cctx, "/x")
    _, third = _sign(cctx, "/y")
    assert _verify(sctx, third, "/y") == St.SEC_E_OUT_OF_SEQUENCE  # nc 3 before nc 2
    assert _verify(sctx, second, "/elsewhere") == St.SEC_E_MESSAGE_ALTERED
    assert _verify(sctx, second, "/x", method=b"POST") == St.SEC_E_MESSAGE_ALTERED
    assert _verify(sctx, second, "/x") == St.SEC_E_OK
    assert _verify(sctx, second, "/x") == St.SEC_E_OUT_OF_SEQUENCE  # replayed
    assert _verify(sctx, third, "/y") == St.SEC_E_OK
    assert _verify(sctx, b"not a digest header") == St.SEC_E_INVALID_TOKEN


def test_an_expired_nonce_needs_a_new_challenge() -> None:
    cctx, sctx = _established()
    _, header = _sign(cctx)
    later = entropy.PinnedEntropy(seed=b"later", clock=entropy.now() + 3600)
    with entropy.pinned(later):
        assert _verify(sctx, header) == St.SEC_E_CONTEXT_EXPIRED


def test_auth_int_further_requests_cover_the_body() -> None:
    scred, ccred = _creds()
    sctx, cctx = S.CtxtHandle(), S.CtxtHandle()
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN)])
    S.AcceptSecurityContext(scred, None, SecBufferDesc(_params()), C.ASC_REQ_HTTP | 0x100, 0, sctx, out, S.ULONG(),
                            None)
    challenge = out[0].tobytes()
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN)])
    assert S.InitializeSecurityContext(ccred, None, URI, C.ISC_REQ_HTTP | C.ISC_REQ_INTEGRITY | 0x100, 0, 0,
                                       SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, challenge),
                                                      *_params(b"POST", URI, b"one")]), 0, cctx, out, S.ULONG(),
                                       None) == St.SEC_E_OK
    answer = out[0].tobytes()
    assert b"qop=auth-int" in answer
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN)])
    assert S.AcceptSecurityContext(scred, sctx, SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, answer),
                                                               *_params(b"POST", URI, b"one")]),
                                   C.ASC_REQ_HTTP | 0x100, 0, sctx, out, S.ULONG(), None) == St.SEC_E_OK
    _, header = _sign(cctx, URI, b"POST", b"two")
    assert _verify(sctx, header, URI, b"POST", b"tampered") == St.SEC_E_MESSAGE_ALTERED
    assert _verify(sctx, header, URI, b"POST", b"two") == St.SEC_E_OK


def test_signing_needs_an_established_context_and_a_buffer() -> None:
    scred, ccred = _creds()
    cctx = S.CtxtHandle()
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN)])
    S.InitializeSecurityContext(ccred, None, URI, C.ISC_REQ_HTTP | 0x100, 0, 0, None, 0, cctx, out, S.ULONG(), None)
    assert _sign(cctx)[0] == St.SEC_E_INVALID_HANDLE
    cctx, sctx = _established()
    assert _sign(cctx, size=10)[0] == St.SEC_E_BUFFER_TOO_SMALL
    assert S.MakeSignature(cctx, 0, SecBufferDesc(_params()), 0) == St.SEC_E_INVALID_TOKEN
    assert S.MakeSignature(cctx, 1, SecBufferDesc([SecBuffer(C.SECBUFFER_PADDING, 512)]), 0) \
        == St.SEC_E_QOP_NOT_SUPPORTED


@pytest.mark.interop
def test_requests_http_digest_auth_further_requests_verify_on_our_server() -> None:
    """requests' HTTPDigestAuth reuses the nonce with the next nc: our server's VerifySignature takes it."""
    scred, _ = _creds()
    sctx = S.CtxtHandle()
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN)])
    S.AcceptSecurityContext(scred, None, SecBufferDesc(_params()), C.ASC_REQ_HTTP | 0x100, 0, sctx, out, S.ULONG(),
                            None)
    challenge = out[0].tobytes().decode()
    peer = HTTPDigestAuth("alice", "Passw0rd!")
    peer.init_per_thread_state()
    from requests.utils import parse_dict_header

    peer._thread_local.chal = parse_dict_header(challenge[len("Digest "):])
    first = peer.build_digest_header("GET", f"http://server{URI}")
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN)])
    assert S.AcceptSecurityContext(scred, sctx, SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, first.encode()),
                                                               *_params()]),
                                   C.ASC_REQ_HTTP | 0x100, 0, sctx, out, S.ULONG(), None) == St.SEC_E_OK
    for uri in ("/next", "/and/next?q=1"):
        header = peer.build_digest_header("GET", f"http://server{uri}")
        assert _verify(sctx, header.encode(), uri) == St.SEC_E_OK


_ESTABLISHED: list[tuple[S.CtxtHandle, S.CtxtHandle]] = []


def _shared() -> tuple[S.CtxtHandle, S.CtxtHandle]:
    if not _ESTABLISHED:
        _ESTABLISHED.append(_established())
    return _ESTABLISHED[0]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_garbage_and_mutated_further_requests_give_statuses(data: st.DataObject) -> None:
    cctx, sctx = _shared()
    status, header = _sign(cctx, "/fuzz")
    assert status == St.SEC_E_OK
    blob = bytearray(header)
    choice = data.draw(st.sampled_from(["flip", "cut", "random"]))
    if choice == "flip":
        i = data.draw(st.integers(0, len(blob) - 1))
        blob[i] = data.draw(st.integers(0, 255))
    elif choice == "cut":
        del blob[data.draw(st.integers(0, len(blob) - 1)):]
    else:
        blob = bytearray(data.draw(st.binary(max_size=300)))
    got = _verify(sctx, bytes(blob), "/fuzz")
    assert got in (St.SEC_E_OK, St.SEC_E_INVALID_TOKEN, St.SEC_E_MESSAGE_ALTERED, St.SEC_E_OUT_OF_SEQUENCE)
    if got != St.SEC_E_OK:  # keep the server's count in step with the client's
        assert _verify(sctx, header, "/fuzz") == St.SEC_E_OK
