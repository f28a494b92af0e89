"""A minimal HTTP server authenticating with sspi-emu's acceptor (Negotiate / NTLM over WWW-Authenticate)."""

from __future__ import annotations

import base64
import http.server
import threading
from typing import Any, Iterator

from sspi_emu import Credential, ServerContext, SspiError


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: NTLM authenticates the connection
    server: AuthServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        return None

    def _reply(self, code: int, headers: list[tuple[str, str]], body: bytes = b"") -> None:
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        challenge = [("WWW-Authenticate", s) for s in self.server.schemes]
        auth = self.headers.get("Authorization")
        if not auth:
            self._reply(401, challenge)
            return
        scheme, _, b64 = auth.partition(" ")
        ctx: ServerContext | None = getattr(self, "ctx", None)
        if ctx is None or ctx.complete:
            ctx = self.ctx = ServerContext(scheme, credential=Credential(scheme, use="inbound"))
        try:
            out = ctx.step(base64.b64decode(b64), channel_bindings=self.server.bindings)
        except SspiError as exc:
            self.server.failures.append(exc.status.name)
            self.ctx = None
            self._reply(401, challenge)
            return
        headers = [("WWW-Authenticate", f"{scheme} {base64.b64encode(out).decode()}")] if out else []
        if ctx.complete:
            self.server.users.append(ctx.peer_name)
            self._reply(200, headers, f"hello {ctx.peer_name}".encode())
        else:
            self._reply(401, headers)


class AuthServer(http.server.ThreadingHTTPServer):
    """Serves GET with HTTP authentication; records authenticated users and failures."""

    daemon_threads = True

    def __init__(self, schemes: tuple[str, ...] = ("Negotiate", "NTLM"), bindings: bytes | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.schemes = schemes
        self.bindings = bindings
        self.users: list[str] = []
        self.failures: list[str] = []

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"


def serving(server: AuthServer) -> Iterator[AuthServer]:
    """Run *server* in a thread for the duration of a ``with``/fixture."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
