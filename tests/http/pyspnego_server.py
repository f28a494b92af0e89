"""An HTTP server whose authentication is pyspnego's (an independent NTLM / SPNEGO acceptor).

Transport: the stdlib http.server (HTTP/1.1, keep-alive), one pyspnego context per TCP
connection. pyspnego reads the accounts from NTLM_USER_FILE.
"""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import spnego


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: PyspnegoServer

    def setup(self) -> None:
        super().setup()
        self.ctx: Any = None
        self.user: str | None = None

    def log_message(self, format: str, *args: Any) -> None:
        self.server.lines.append(f"{self.client_address[1]} {format % args}")

    def _reply(self, code: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        scheme = self.server.scheme
        auth = self.headers.get("Authorization")
        if not auth or not auth.lower().startswith(scheme.lower() + " "):
            self._reply(401, b"unauthorized", [("WWW-Authenticate", scheme)])
            return
        token = base64.b64decode(auth.split(" ", 1)[1])
        if self.ctx is None or token.startswith(b"NTLMSSP\x00\x01") or token[:1] == b"\x60":
            self.ctx = spnego.server(protocol=scheme.lower())
        try:
            out = self.ctx.step(token)
        except Exception as exc:
            self.server.lines.append(f"refused: {type(exc).__name__}")
            self.ctx = None
            self._reply(401, b"refused", [("WWW-Authenticate", scheme)])
            return
        header = f"{scheme} {base64.b64encode(out).decode()}" if out else None
        if not self.ctx.complete:
            self._reply(401, b"continue", [("WWW-Authenticate", header or scheme)])
            return
        user = self.ctx.client_principal
        self.ctx = None
        body = json.dumps({"user": user, "conn": self.client_address[1]}).encode()
        self._reply(200, body, [("WWW-Authenticate", header)] if header else [])

    do_POST = do_GET


class PyspnegoServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, scheme: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.scheme = scheme
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
