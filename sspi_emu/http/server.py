"""A small threaded HTTP/1.1 WSGI server with keep-alive, optional TLS, connection ids.

Every TCP connection gets an id (``environ["sspi_emu.connection_id"]``) and a close hook
(``environ["sspi_emu.on_close"]``) so connection-bound authentication (NTLM, Negotiate)
works and leaves nothing behind when the client disconnects. One thread per connection.
"""

from __future__ import annotations

import io
import itertools
import socket
import socketserver
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any, Callable, Hashable, Iterable

from .. import entropy
from ..context import Credential
from .schannel_io import SchannelStream, TlsError
from .wsgi import AUTH_KEY, CONNECTION_ID, ON_CLOSE, WsgiApp

__all__ = ["SspiHttpServer", "serve_in_thread"]

_MAX_BODY = 16 << 20
_ids = itertools.count(1)


class _BadRequest(Exception):
    pass


def _read_chunked(rfile: Any) -> bytes:
    body = bytearray()
    while True:
        line = rfile.readline(1024)
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError as exc:
            raise _BadRequest("bad chunk size") from exc
        if size < 0 or len(body) + size > _MAX_BODY:
            raise _BadRequest("body too large")
        if size == 0:
            while rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                pass
            return bytes(body)
        body += rfile.read(size)
        rfile.readline(1024)


class _SchannelConnection:
    """A TCP socket whose bytes go through a :class:`SchannelStream` (what the handler is given)."""

    def __init__(self, sock: socket.socket, stream: SchannelStream) -> None:
        self.sock = sock
        self.stream = stream

    def shutdown(self, how: int) -> None:
        self.sock.shutdown(how)

    def close(self) -> None:
        self.stream.close()
        self.sock.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sspi-emu"
    wbufsize = 64 * 1024  # headers and body leave in one segment (flushed per response)
    disable_nagle_algorithm = True
    server: SspiHttpServer

    def setup(self) -> None:
        if isinstance(self.request, _SchannelConnection):
            self.connection = self.request.sock
            self.connection.settimeout(self.server.idle_timeout)
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)
            raw: Any = self.request.stream
            self.rfile = io.BufferedReader(raw, 64 * 1024)
            self.wfile = io.BufferedWriter(raw, 64 * 1024)
        else:
            super().setup()
        self.connection_id = next(_ids)
        self.close_callbacks: dict[Hashable, Callable[[], None]] = {}
        self.connection.settimeout(self.server.idle_timeout)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            callbacks, self.close_callbacks = self.close_callbacks, {}
            for cb in callbacks.values():
                try:
                    cb()
                except Exception as exc:  # a close hook must not kill the server thread
                    self.server.log(f"close hook failed: {type(exc).__name__}")

    def _on_close(self, key: Hashable, callback: Callable[[], None]) -> None:
        self.close_callbacks[key] = callback

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        self.server.log(f"{self.client_address[0]}:{self.client_address[1]} {format % args}")

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ConnectionError, TimeoutError, ssl.SSLError, TlsError):
            self.close_connection = True

    def _environ(self, body: bytes) -> dict[str, Any]:
        path, _, query = self.path.partition("?")
        env: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": self.server.server_address[0],
            "SERVER_PORT": str(self.server.server_address[1]),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "REMOTE_PORT": str(self.client_address[1]),
            "CONTENT_LENGTH": str(len(body)) if body else "",
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "https" if self.server.tls else "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            CONNECTION_ID: ("conn", self.connection_id),
            ON_CLOSE: self._on_close,
            "sspi_emu.request_uri": self.path,
        }
        if self.server.tls:
            env["sspi_emu.tls_server_certificate"] = self.server.certificate_der
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                continue
            env[key] = f"{env[key]}, {value}" if key in env else value
        return env

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return _read_chunked(self.rfile)
        raw = self.headers.get("Content-Length")
        if not raw:
            return b""
        try:
            length = int(raw)
        except ValueError as exc:
            raise _BadRequest("bad Content-Length") from exc
        if length < 0 or length > _MAX_BODY:
            raise _BadRequest("bad Content-Length")
        return self.rfile.read(length)

    def _run(self) -> None:
        try:
            body = self._body()
        except _BadRequest as exc:
            self.close_connection = True
            self._send_simple(400, str(exc))
            return
        env = self._environ(body)
        status_line = "500 Internal Server Error"
        headers: list[tuple[str, str]] = []

        def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            nonlocal status_line, headers
            status_line, headers = status, list(response_headers)
            return lambda data: None

        try:
            result = self.server.app(env, start_response)
            try:
                payload = b"".join(_iterate(result))
            finally:
                close = getattr(result, "close", None)
                if callable(close):
                    close()
        except Exception as exc:  # the application failed: 500, one log line, no traceback to the client
            self.server.log(f"application error: {type(exc).__name__}")
            status_line, headers, payload = "500 Internal Server Error", [("Content-Type", "text/plain")], b"error\n"
        code_text, _, reason = status_line.partition(" ")
        code = int(code_text) if code_text.isdigit() else 500
        if self.headers.get("Connection", "").lower() == "close" or self.request_version == "HTTP/1.0":
            self.close_connection = True
        self.send_response_only(code, reason or None)
        self.send_header("Server", self.server_version)
        names = set()
        for name, value in headers:
            if name.lower() in ("content-length", "connection", "transfer-encoding"):
                continue
            names.add(name.lower())
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close" if self.close_connection else "keep-alive")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        self.wfile.flush()
        self._access_log(code, env, len(payload))

    def _access_log(self, code: int, env: dict[str, Any], size: int) -> None:
        outcome = env.get(AUTH_KEY)
        note = getattr(outcome, "note", "") or "-"
        user = env.get("REMOTE_USER") or "-"
        self.server.log(
            f'{self.client_address[0]}:{self.client_address[1]} conn={self.connection_id} '
            f'"{self.command} {self.path} {self.request_version}" {code} {size} user={user} auth="{note}"'
        )

    def _send_simple(self, code: int, text: str) -> None:
        payload = f"{code} {text}\n".encode("ascii", "replace")
        self.send_response_only(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()
        self.server.log(f'{self.client_address[0]}:{self.client_address[1]} conn={self.connection_id} '
                        f'"{getattr(self, "command", "-")} {getattr(self, "path", "-")}" {code} ({text})')

    def do_GET(self) -> None:
        self._run()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_GET

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        self.close_connection = True
        try:
            self._send_simple(code, message or "error")
        except OSError:
            pass


def _iterate(result: Iterable[bytes]) -> Iterable[bytes]:
    for chunk in result:
        if chunk:
            yield bytes(chunk)


class SspiHttpServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """Serves a WSGI application on HTTP/1.1 with keep-alive.

    HTTPS: ``schannel_credential`` (an inbound ``Credential("Schannel", ...)`` holding the
    server certificate: TLS by the emulator's Schannel package) or ``ssl_context`` (stdlib).

    ``port=0`` picks a free port: read it from :attr:`port`. ``log`` receives one line per
    request (default: stdout).
    """

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512

    def __init__(
        self,
        app: WsgiApp,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        ssl_context: ssl.SSLContext | None = None,
        schannel_credential: Credential | None = None,
        certificate_der: bytes | None = None,
        log: Callable[[str], None] | None = None,
        idle_timeout: float = 60.0,
    ) -> None:
        self.app = app
        if ssl_context is not None and schannel_credential is not None:
            raise ValueError("give ssl_context or schannel_credential, not both")
        self.tls = ssl_context is not None or schannel_credential is not None
        self.ssl_context = ssl_context
        self.schannel_credential = schannel_credential
        self.certificate_der = certificate_der
        self.idle_timeout = idle_timeout
        self._log = log or _print_line
        self._log_lock = threading.Lock()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.address_family = family
        super().__init__((host, port), _Handler)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        """The base URL (``http://127.0.0.1:PORT``)."""
        host = str(self.server_address[0])
        shown = f"[{host}]" if ":" in host else host
        return f"{'https' if self.tls else 'http'}://{shown}:{self.port}"

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = super().get_request()
        if self.ssl_context is not None:
            sock.settimeout(self.idle_timeout)
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.schannel_credential is not None and isinstance(request, socket.socket):
            request.settimeout(self.idle_timeout)
            stream = SchannelStream(request, self.schannel_credential)
            try:
                stream.handshake()
            except (OSError, TlsError) as exc:
                stream.close()
                self.log(f"{client_address[0]}:{client_address[1]} TLS handshake failed: {exc}")
                return
            conn: Any = _SchannelConnection(request, stream)
            try:
                super().finish_request(conn, client_address)
            finally:
                stream.close()
            return
        if isinstance(request, ssl.SSLSocket):
            try:
                request.do_handshake()
            except (OSError, ssl.SSLError) as exc:
                self.log(f"{client_address[0]}:{client_address[1]} TLS handshake failed: {type(exc).__name__}")
                return
        super().finish_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        self.log(f"{client_address[0]}:{client_address[1]} connection error: {type(exc).__name__}")

    def log(self, line: str) -> None:
        """Write one log line (thread-safe)."""
        with self._log_lock:
            self._log(line)

    def start(self) -> SspiHttpServer:
        """Serve in a daemon thread; returns self."""
        self._thread = threading.Thread(target=self.serve_forever, name="sspi-emu-serve", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(5)


def _print_line(line: str) -> None:
    stamp = entropy.now()
    print(f"[{stamp:.3f}] {line}", flush=True)


def serve_in_thread(app: WsgiApp, host: str = "127.0.0.1", port: int = 0, **options: Any) -> SspiHttpServer:
    """Start an :class:`SspiHttpServer` in a background thread and return it."""
    return SspiHttpServer(app, host, port, **options).start()
