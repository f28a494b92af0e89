"""Our HTTP Digest client against Apache httpd's mod_auth_digest (a server we did not write)."""

from __future__ import annotations

import http.client
import urllib.parse

import pytest
from sspi_emu_digest import DigestIdentity
from sspi_emu_digest.http_wire import AuthenticationInfo, DigestCredentials

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgContext_Flags
from sspi_emu.buffers import SecBuffer, SecBufferDesc

from .apache_peer import apache_digest

pytestmark = pytest.mark.interop

REALM, USER, PASSWORD = "apache realm", "alice", "Passw0rd!"
CREQ = C.ISC_REQ_HTTP | C.ISC_REQ_MUTUAL_AUTH | C.ISC_REQ_ALLOCATE_MEMORY


def _get(url: str, path: str, authorization: str | None = None) -> tuple[int, dict[str, str], bytes]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", path, headers={"Authorization": authorization} if authorization else {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def _isc(cred: S.CredHandle, ctx: S.CtxtHandle, first: bool, path: str, token: bytes) -> tuple[C.SecurityStatus, bytes]:
    pin = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, token), SecBuffer(C.SECBUFFER_PKG_PARAMS, b"GET"),
                         SecBuffer(C.SECBUFFER_PKG_PARAMS, path.encode())])
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN)])
    status = S.InitializeSecurityContext(cred, None if first else ctx, path, CREQ, 0, 0, pin, 0, ctx, out, S.ULONG(),
                                         S.TimeStamp())
    return status, out[0].tobytes()


def _client_cred(password: str) -> S.CredHandle:
    cred = S.CredHandle()
    assert S.AcquireCredentialsHandle(None, "Digest", C.SECPKG_CRED_OUTBOUND, None,
                                      DigestIdentity(User=USER, Password=password), None, None, cred,
                                      S.TimeStamp()) == C.SEC_E_OK
    return cred


def _login(url: str, password: str, path: str = "/protected/index.txt") -> tuple[int, bytes, C.SecurityStatus | None]:
    cred, ctx = _client_cred(password), S.CtxtHandle()
    code, headers, _ = _get(url, path)
    assert code == 401 and headers["www-authenticate"].startswith("Digest ")
    status, token = _isc(cred, ctx, True, path, headers["www-authenticate"].encode())
    assert status == C.SEC_I_CONTINUE_NEEDED, status
    code, headers, body = _get(url, path, token.decode())
    final = None
    if code == 200:
        info = headers.get("authentication-info")
        assert info, headers
        final, _ = _isc(cred, ctx, False, path, info.encode())
        if final == C.SEC_E_OK:
            flags = S.Box()
            assert S.QueryContextAttributes(ctx, C.SECPKG_ATTR_FLAGS, flags) == C.SEC_E_OK
            assert isinstance(flags.value, SecPkgContext_Flags) and flags.value.Flags & C.ISC_RET_MUTUAL_AUTH
    S.DeleteSecurityContext(ctx)
    S.FreeCredentialsHandle(cred)
    return code, body, final


def test_our_client_against_apache_md5_with_rspauth() -> None:
    with apache_digest(REALM, {USER: PASSWORD}) as url:
        code, body, final = _login(url, PASSWORD)
        assert (code, body) == (200, b"secret page\n")
        assert final == C.SEC_E_OK  # Apache's rspauth verified by our client
        assert _login(url, "wrong")[0] == 401


def test_our_client_with_query_string_uri() -> None:
    with apache_digest(REALM, {USER: PASSWORD}) as url:
        code, body, final = _login(url, PASSWORD, "/protected/index.txt?x=1&y=%20")
        assert code == 200 and final == C.SEC_E_OK


def _sign_next(ctx: S.CtxtHandle, path: str) -> tuple[C.SecurityStatus, bytes]:
    out = SecBuffer(C.SECBUFFER_PADDING, 1024)
    msg = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, 0), SecBuffer(C.SECBUFFER_PKG_PARAMS, b"GET"),
                         SecBuffer(C.SECBUFFER_PKG_PARAMS, path.encode()), SecBuffer(C.SECBUFFER_PKG_PARAMS, b""),
                         out])
    return S.MakeSignature(ctx, 0, msg, 0), out.tobytes()


def _authenticated(url: str, path: str) -> tuple[S.CredHandle, S.CtxtHandle, dict[str, str]]:
    """Our client through Apache's 401 for *path*: (credential, context, the 200's headers)."""
    cred, ctx = _client_cred(PASSWORD), S.CtxtHandle()
    _, headers, _ = _get(url, path)
    _, token = _isc(cred, ctx, True, path, headers["www-authenticate"].encode())
    code, headers, _ = _get(url, path, token.decode())
    assert code == 200
    return cred, ctx, headers


def test_apache_takes_our_signed_subsequent_requests() -> None:
    """MakeSignature (Windows' Digest way to authenticate further requests): same nonce, next nc, no 401."""
    with apache_digest(REALM, {USER: PASSWORD}) as url:
        path = "/protected/index.txt"
        cred, ctx, _ = _authenticated(url, path)
        for n, next_path in enumerate(("/protected/index.txt?page=2", "/protected/index.txt?page=3"), start=2):
            status, header = _sign_next(ctx, next_path)
            assert status == C.SEC_E_OK and f"nc={n:08x}".encode() in header
            code, _, body = _get(url, next_path, header.decode())
            assert (code, body) == (200, b"secret page\n")
        status, header = _sign_next(ctx, path)
        code, _, _ = _get(url, "/protected/other.txt", header.decode())  # signed for another URI
        assert code in (400, 401)
        S.DeleteSecurityContext(ctx)
        S.FreeCredentialsHandle(cred)


def test_our_client_follows_apaches_nextnonce_and_checks_each_reply() -> None:
    """RFC 7616 3.5 with a server we did not write: Apache (nonce lifetime under 30 s) puts a
    nextnonce in every Authentication-Info; our client takes it (ISC's last leg, then
    VerifySignature on each reply, which also checks Apache's rspauth) and signs the next request
    on it with nc 1; Apache accepts each."""
    with apache_digest(REALM, {USER: PASSWORD}, nonce_lifetime=20) as url:
        path = "/protected/index.txt"
        cred, ctx, headers = _authenticated(url, path)
        assert "nextnonce=" in headers["authentication-info"]
        assert _isc(cred, ctx, False, path, headers["authentication-info"].encode())[0] == C.SEC_E_OK
        nextnonce = AuthenticationInfo.parse(headers["authentication-info"]).nextnonce
        for page in range(2, 5):
            next_path = f"/protected/index.txt?page={page}"
            status, header = _sign_next(ctx, next_path)
            assert status == C.SEC_E_OK
            request = DigestCredentials.parse(header.decode())
            assert (request.nonce, request.nc) == (nextnonce, "00000001")
            code, headers, body = _get(url, next_path, header.decode())
            assert (code, body) == (200, b"secret page\n")
            info = headers["authentication-info"].encode()
            reply = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, info)])
            assert S.VerifySignature(ctx, reply, 0, None) == C.SEC_E_OK  # Apache's rspauth for this request
            nextnonce = AuthenticationInfo.parse(info.decode()).nextnonce
            assert nextnonce and nextnonce != request.nonce
        altered = info.replace(b'rspauth="', b'rspauth="0') if b'rspauth="0' not in info else info.replace(
            b'rspauth="0', b'rspauth="1')
        assert S.VerifySignature(ctx, SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, altered)]), 0,
                                 None) != C.SEC_E_OK
        S.DeleteSecurityContext(ctx)
        S.FreeCredentialsHandle(cred)
