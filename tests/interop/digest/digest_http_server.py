"""A minimal HTTP server whose Digest authentication is our acceptor, through the C-shaped API.

Every request gets a fresh server context (stateless, as HTTP servers are): with an
Authorization header, AcceptSecurityContext checks it (method, request URI and body passed
as SECBUFFER_PKG_PARAMS); otherwise, or when it fails, the first AcceptSecurityContext
leg gives the WWW-Authenticate challenge for a 401.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sspi_emu_digest import DigestServerOptions

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgContext_Names
from sspi_emu.buffers import SecBuffer, SecBufferDesc

SREQ = C.ASC_REQ_HTTP | C.ASC_REQ_ALLOCATE_MEMORY | C.ASC_REQ_MUTUAL_AUTH


class DigestAcceptor:
    """Runs AcceptSecurityContext for one request; counts outcomes for the tests."""

    def __init__(self, options: DigestServerOptions) -> None:
        self.cred = S.CredHandle()
        status = S.AcquireCredentialsHandle(None, "WDigest", C.SECPKG_CRED_INBOUND, None, options, None, None,
                                            self.cred, S.TimeStamp())
        assert status == C.SEC_E_OK, status
        self.statuses: list[C.SecurityStatus] = []
        self.lock = threading.Lock()

    def accept(self, token: bytes | None, method: str, uri: str, body: bytes) -> tuple[C.SecurityStatus, bytes, str]:
        """(status, output token, authenticated user name)."""
        bufs = [SecBuffer(C.SECBUFFER_TOKEN, token)] if token is not None else []
        bufs += [SecBuffer(C.SECBUFFER_PKG_PARAMS, method.encode()), SecBuffer(C.SECBUFFER_PKG_PARAMS, uri.encode()),
                 SecBuffer(C.SECBUFFER_PKG_PARAMS, body)]
        ctx = S.CtxtHandle()
        out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN)])
        status = S.AcceptSecurityContext(self.cred, None, SecBufferDesc(bufs), SREQ, 0, ctx, out, S.ULONG(),
                                         S.TimeStamp())
        produced = out[0].tobytes()
        user = ""
        if status == C.SEC_E_OK:
            names = S.Box()
            S.QueryContextAttributes(ctx, C.SECPKG_ATTR_NAMES, names)
            assert isinstance(names.value, SecPkgContext_Names)
            user = names.value.sUserName
        if not status.is_error:
            S.DeleteSecurityContext(ctx)
        with self.lock:
            self.statuses.append(status)
        return status, produced, user


def make_handler(acceptor: DigestAcceptor) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def _reply(self, code: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(code)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            auth = self.headers.get("Authorization")
            if auth is not None:
                status, token, user = acceptor.accept(auth.encode("latin-1"), self.command, self.path, body)
                if status == C.SEC_E_OK:
                    self._reply(200, {"Authentication-Info": token.decode()}, f"hello {user}\n".encode())
                    return
                if status == C.SEC_I_CONTINUE_NEEDED:  # stale nonce: a fresh challenge
                    self._reply(401, {"WWW-Authenticate": token.decode()}, b"stale\n")
                    return
            status, token, _ = acceptor.accept(None, self.command, self.path, body)
            assert status == C.SEC_I_CONTINUE_NEEDED
            self._reply(401, {"WWW-Authenticate": token.decode()}, b"authenticate\n")

        do_GET = do_POST = do_PUT = _handle

    return Handler


@contextmanager
def serve(options: DigestServerOptions) -> Iterator[tuple[str, DigestAcceptor]]:
    """Run the server on a loopback port; yields (base URL, acceptor)."""
    acceptor = DigestAcceptor(options)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(acceptor))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", acceptor
    finally:
        httpd.shutdown()
        httpd.server_close()
        S.FreeCredentialsHandle(acceptor.cred)
