"""A small MS-KKDCP KDC proxy for tests and demos: any KDC transport (e.g. a MemoryKdc) behind HTTPS.

``wsgi_app(kdc)`` is the proxy as a WSGI application; :class:`KdcProxyServer` serves it on
loopback over TLS (Python's ``ssl``, with the certificate and key the caller gives), so a
client configured with ``kdc_proxy=server.url`` reaches *kdc* the way it reaches a real
KDC proxy. It is not a production proxy: no realm checks, no limits beyond the body size.
"""

from __future__ import annotations

import os
import socketserver
import ssl
import tempfile
import threading
from typing import Any, Callable, Iterable
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .kdc_proxy import MAX_REPLY, KdcProxyError, KdcProxyMessage, decode_proxy_message, frame, unframe
from .transport import KdcTransport, KdcUnreachable

__all__ = ["KdcProxyServer", "wsgi_app"]

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _answer(start_response: Callable[..., Any], status: str, body: bytes = b"",
            content_type: str = "text/plain") -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def wsgi_app(kdc: KdcTransport) -> WsgiApp:
    """The KDC proxy as a WSGI app: POSTed KDC-PROXY-MESSAGEs go to *kdc* ``(realm, request) -> reply``."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return _answer(start_response, "405 Method Not Allowed")
        length = str(environ.get("CONTENT_LENGTH") or "")
        if not length.isdigit():
            return _answer(start_response, "411 Length Required")
        if int(length) > MAX_REPLY:
            return _answer(start_response, "413 Payload Too Large")
        try:
            msg = decode_proxy_message(environ["wsgi.input"].read(int(length)))
            reply = kdc(msg.target_domain or "", unframe(msg.kerb_message))
        except KdcProxyError:
            return _answer(start_response, "400 Bad Request")
        except (KdcUnreachable, OSError):
            return _answer(start_response, "503 Service Unavailable")
        body = KdcProxyMessage(frame(reply)).encode()
        return _answer(start_response, "200 OK", body, "application/kerberos")

    return app


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass


class KdcProxyServer:
    """*kdc* behind an HTTPS KDC proxy on *host* (a free port unless *port*); ``url`` names it.

    *cert_pem* / *key_pem* are the server certificate (chain) and its private key, PEM. Use
    it as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(self, kdc: KdcTransport, cert_pem: bytes, key_pem: bytes, host: str = "127.0.0.1",
                 port: int = 0, path: str = "/KdcProxy") -> None:
        self.path = path
        self.requests = 0
        app = wsgi_app(kdc)

        def counting(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            self.requests += 1
            return app(environ, start_response)

        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory(prefix="sspi-emu-kdcproxy-") as folder:
            cert_path, key_path = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
            with open(cert_path, "wb") as fh:
                fh.write(cert_pem)
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(key_pem)
            tls.load_cert_chain(cert_path, key_path)
        self._server = make_server(host, port, counting, server_class=_ThreadingServer, handler_class=_QuietHandler)
        self._server.socket = tls.wrap_socket(self._server.socket, server_side=True, do_handshake_on_connect=False)
        self.host = host
        self.port = int(self._server.server_address[1])
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The proxy's URL, for ``kdc_proxy`` / ``kdc = ...``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}{self.path}"

    def start(self) -> KdcProxyServer:
        """Serve in a background thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name="kdc-proxy", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> KdcProxyServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"KdcProxyServer({self.url!r})"
