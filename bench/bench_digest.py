"""Digest: one full HTTP Digest exchange (challenge, response, verify) and the SASL security layer."""

from __future__ import annotations

import hashlib
import re
from typing import Callable

from sspi_emu_digest import DigestIdentity, DigestServerOptions, package

import sspi_emu as s
from sspi_emu import constants as C
from sspi_emu.accounts import MemoryAccountStore
from sspi_emu.buffers import SecBuffer, SecBufferDesc
from sspi_emu.spi import PackageContext, StepInput

URI = "/dir/index.html"
_PARAMS = [(C.SECBUFFER_PKG_PARAMS, b"GET"), (C.SECBUFFER_PKG_PARAMS, URI.encode())]


def _store() -> MemoryAccountStore:
    st = MemoryAccountStore()
    st.add("alice", "Passw0rd!")
    return st


def _api_exchange(package_name: str = "WDigest", server_data: object = None,
                  client_data: object = None) -> Callable[[], object]:
    """The exchange through the C API, new caller buffers every leg (the Digest package unless told)."""
    if package_name == "WDigest":
        server_data = DigestServerOptions(store=_store(), realm="bench")
        client_data = DigestIdentity(User="alice", Password="Passw0rd!")
    scred, ccred = s.CredHandle(), s.CredHandle()
    s.AcquireCredentialsHandle(None, package_name, C.SECPKG_CRED_INBOUND, None, server_data, None, None, scred, None)
    s.AcquireCredentialsHandle(None, package_name, C.SECPKG_CRED_OUTBOUND, None, client_data, None, None, ccred, None)
    sreq = C.ASC_REQ_HTTP | C.ASC_REQ_ALLOCATE_MEMORY
    creq = C.ISC_REQ_HTTP | C.ISC_REQ_ALLOCATE_MEMORY

    def params() -> list[SecBuffer]:
        return [SecBuffer(C.SECBUFFER_PKG_PARAMS, b"GET"), SecBuffer(C.SECBUFFER_PKG_PARAMS, URI.encode())]

    def run() -> object:
        sctx, cctx, attrs = s.CtxtHandle(), s.CtxtHandle(), s.ULONG()
        out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN)])
        st = s.AcceptSecurityContext(scred, None, SecBufferDesc(params()), sreq, 0, sctx, out, attrs, None)
        assert st == C.SEC_I_CONTINUE_NEEDED
        challenge = out[0].tobytes()
        out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN)])
        st = s.InitializeSecurityContext(ccred, None, URI, creq, 0, 0,
                                         SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, challenge), *params()]), 0, cctx,
                                         out, attrs, None)
        assert st == C.SEC_E_OK
        answer = out[0].tobytes()
        out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN)])
        st = s.AcceptSecurityContext(scred, sctx, SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, answer), *params()]),
                                     sreq, 0, sctx, out, attrs, None)
        assert st == C.SEC_E_OK
        s.DeleteSecurityContext(sctx)
        s.DeleteSecurityContext(cctx)
        return out

    return run


def _api_exchange_reused_buffers() -> Callable[[], object]:
    """The same three legs through the C API, with the caller's buffers made once and reused (as C code does)."""
    scred, ccred = s.CredHandle(), s.CredHandle()
    s.AcquireCredentialsHandle(None, "WDigest", C.SECPKG_CRED_INBOUND, None,
                               DigestServerOptions(store=_store(), realm="bench"), None, None, scred, None)
    s.AcquireCredentialsHandle(None, "WDigest", C.SECPKG_CRED_OUTBOUND, None,
                               DigestIdentity(User="alice", Password="Passw0rd!"), None, None, ccred, None)
    method, uri = SecBuffer(C.SECBUFFER_PKG_PARAMS, b"GET"), SecBuffer(C.SECBUFFER_PKG_PARAMS, URI.encode())
    token_in = SecBuffer(C.SECBUFFER_TOKEN, 1024)
    first_in, later_in = SecBufferDesc([method, uri]), SecBufferDesc([token_in, method, uri])
    out_mem = bytearray(1024)
    out_buf = SecBuffer(C.SECBUFFER_TOKEN, out_mem)
    out = SecBufferDesc([out_buf])
    attrs = s.ULONG()
    sctx, cctx = s.CtxtHandle(), s.CtxtHandle()

    def hand_over() -> None:  # the leg's output token becomes the next leg's input token
        n = out_buf.cbBuffer
        assert token_in.pvBuffer is not None
        token_in.pvBuffer[:n] = out_mem[:n]
        token_in.cbBuffer = n
        out_buf.cbBuffer = len(out_mem)

    def run() -> object:
        out_buf.cbBuffer = len(out_mem)
        st = s.AcceptSecurityContext(scred, None, first_in, C.ASC_REQ_HTTP, 0, sctx, out, attrs, None)
        assert st == C.SEC_I_CONTINUE_NEEDED
        hand_over()
        st = s.InitializeSecurityContext(ccred, None, URI, C.ISC_REQ_HTTP, 0, 0, later_in, 0, cctx, out, attrs, None)
        assert st == C.SEC_E_OK
        hand_over()
        st = s.AcceptSecurityContext(scred, sctx, later_in, C.ASC_REQ_HTTP, 0, sctx, out, attrs, None)
        assert st == C.SEC_E_OK
        s.DeleteSecurityContext(sctx)
        s.DeleteSecurityContext(cctx)
        return out

    return run


def _spi_exchange() -> Callable[[], object]:
    scred = package.acquire_credentials(None, C.SECPKG_CRED_INBOUND, None,
                                        DigestServerOptions(store=_store(), realm="bench"))
    ccred = package.acquire_credentials(None, C.SECPKG_CRED_OUTBOUND, None,
                                        DigestIdentity(User="alice", Password="Passw0rd!"))

    def run() -> object:
        server = package.server_context(scred, C.ASC_REQ_HTTP, 0)
        client = package.client_context(ccred, URI, C.ISC_REQ_HTTP, 0)
        challenge = server.step(StepInput(None, _PARAMS))
        answer = client.step(StepInput(challenge.token, _PARAMS))
        done = server.step(StepInput(answer.token, _PARAMS))
        assert done.status == C.SEC_E_OK
        return done

    return run


def _hashlib_floor() -> Callable[[], object]:
    """The arithmetic alone: HA1, HA2, response on both sides and rspauth (a lower bound, not a peer)."""

    def h(x: str) -> str:
        return hashlib.md5(x.encode(), usedforsecurity=False).hexdigest()

    def run() -> object:
        ha1 = h("alice:bench:Passw0rd!")
        resp = h(f"{ha1}:nonce:00000001:cnonce:auth:{h('GET:' + URI)}")
        check = h(f"{h('alice:bench:Passw0rd!')}:nonce:00000001:cnonce:auth:{h('GET:' + URI)}")
        return resp == check and h(f"{ha1}:nonce:00000001:cnonce:auth:{h(':' + URI)}")

    return run


def bench_http_digest_exchange() -> dict[str, Callable[[], object]]:
    """Challenge, response, verify: through the C-shaped API, through the SPI, and the bare hashing."""
    return {"sspi-emu": _api_exchange(), "sspi-emu (caller buffers reused)": _api_exchange_reused_buffers(),
            "sspi-emu SPI only": _spi_exchange(), "hashlib floor": _hashlib_floor()}


def bench_http_digest_client_response() -> dict[str, Callable[[], object]]:
    """The client's Authorization value for a WWW-Authenticate value: ours against requests'
    HTTPDigestAuth. Both parse the challenge, as each does per 401 (requests' ``handle_401``
    strips the scheme and runs ``parse_dict_header`` before ``build_digest_header``)."""
    scred = package.acquire_credentials(None, C.SECPKG_CRED_INBOUND, None,
                                        DigestServerOptions(store=_store(), realm="bench"))
    ccred = package.acquire_credentials(None, C.SECPKG_CRED_OUTBOUND, None,
                                        DigestIdentity(User="alice", Password="Passw0rd!"))
    challenge = package.server_context(scred, C.ASC_REQ_HTTP, 0).step(StepInput(None, _PARAMS)).token

    def ours() -> object:
        return package.client_context(ccred, URI, C.ISC_REQ_HTTP, 0).step(StepInput(challenge, _PARAMS)).token

    peers: dict[str, Callable[[], object]] = {"sspi-emu": ours}
    try:
        from requests.auth import HTTPDigestAuth
        from requests.utils import parse_dict_header

        header = challenge.decode()
        scheme = re.compile(r"digest ", flags=re.IGNORECASE)

        def theirs() -> object:
            auth = HTTPDigestAuth("alice", "Passw0rd!")
            auth.init_per_thread_state()
            auth._thread_local.chal = parse_dict_header(scheme.sub("", header, count=1))
            return auth.build_digest_header("GET", "http://host" + URI)

        peers["requests HTTPDigestAuth"] = theirs
    except ImportError:
        pass
    return peers


def bench_sasl_seal_1k() -> dict[str, Callable[[], object]]:
    """EncryptMessage + DecryptMessage of 1 KiB over a DIGEST-MD5 auth-conf context (RC4 and 3DES)."""
    out: dict[str, Callable[[], object]] = {}
    for cipher in ("rc4", "3des"):
        scred = package.acquire_credentials(None, C.SECPKG_CRED_INBOUND, None,
                                            DigestServerOptions(store=_store(), realm="bench", sasl_ciphers=(cipher,)))
        ccred = package.acquire_credentials(None, C.SECPKG_CRED_OUTBOUND, None,
                                            DigestIdentity(User="alice", Password="Passw0rd!"))
        server = package.server_context(scred, 0, 0)
        client = package.client_context(ccred, "imap/bench", C.ISC_REQ_CONFIDENTIALITY, 0)
        resp = client.step(StepInput(server.step(StepInput(None)).token))
        client.step(StepInput(server.step(StepInput(resp.token)).token))
        data = bytes(1024)

        def run(client: PackageContext = client, server: PackageContext = server, data: bytes = data) -> object:
            bufs = [SecBuffer(C.SECBUFFER_TOKEN, 16), SecBuffer(C.SECBUFFER_DATA, data),
                    SecBuffer(C.SECBUFFER_PADDING, 8)]
            client.encrypt(0, bufs, 0)
            return server.decrypt(bufs, 0)

        out["sspi-emu" if cipher == "rc4" else f"sspi-emu {cipher}"] = run
    return out
