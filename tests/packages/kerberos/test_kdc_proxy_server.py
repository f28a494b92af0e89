"""A small MS-KKDCP proxy for the tests: any WSGI app served over HTTPS (stdlib ssl) on loopback.

``serve_https(app, ca)`` runs a threaded WSGI server with a certificate from *ca* for
127.0.0.1/localhost (the interop tests serve latchset's kdcproxy with it); ``memory_kdc_app(kdc)``
is the package's own proxy app in front of any KDC transport.
"""

from __future__ import annotations

import socketserver
import ssl
import tempfile
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterable
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from sspi_emu_kerberos.kdc_proxy import KdcProxyMessage, decode_proxy_message, frame, unframe
from sspi_emu_kerberos.kdc_proxy_server import wsgi_app

from sspi_emu.http import certs

#: The core's test CA (its certificates carry the key identifiers RFC 5280 validation wants).
CertificateAuthority = certs.CertificateAuthority


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _ThreadingWsgiServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass


@dataclass
class HttpsServer:
    """A running HTTPS server: its URL and the number of requests it answered."""

    server: WSGIServer
    thread: threading.Thread
    port: int
    ca: CertificateAuthority
    requests: list[int]

    def url(self, host: str = "127.0.0.1", path: str = "/KdcProxy") -> str:
        return f"https://{host}:{self.port}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def serve_https(app: WsgiApp, ca: CertificateAuthority,
                hosts: tuple[str, ...] = ("localhost", "127.0.0.1")) -> HttpsServer:
    """Serve *app* over HTTPS on 127.0.0.1 with a certificate issued by *ca* for *hosts*."""
    counter: list[int] = [0]

    def counting(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        counter[0] += 1
        return app(environ, start_response)

    issued = ca.issue(hosts[0], hosts=hosts)
    folder = tempfile.mkdtemp(prefix="kdcproxy-cert-")
    cert_path, key_path = issued.write(folder)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_path, key_path)
    server = make_server("127.0.0.1", 0, counting, server_class=_ThreadingWsgiServer, handler_class=_QuietHandler)
    server.socket = tls.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return HttpsServer(server, thread, server.server_address[1], ca, counter)


#: The package's own KDC proxy app (``sspi_emu_kerberos.kdc_proxy_server.wsgi_app``).
memory_kdc_app = wsgi_app


@pytest.fixture(scope="module")
def proxy_ca() -> CertificateAuthority:
    return CertificateAuthority("kdc proxy test CA")


def test_memory_kdc_app_answers_a_proxied_request(proxy_ca: CertificateAuthority) -> None:
    """The helper server itself, through Python's ssl client (a control for the package tests)."""
    import http.client

    seen: list[tuple[str, bytes]] = []

    def kdc(realm: str, request: bytes) -> bytes:
        seen.append((realm, request))
        return b"\x7e\x00"

    srv = serve_https(memory_kdc_app(kdc), proxy_ca)
    try:
        tls = ssl.create_default_context(cadata=proxy_ca.cert_pem.decode())
        conn = http.client.HTTPSConnection("127.0.0.1", srv.port, context=tls, timeout=5)
        conn.request("POST", "/KdcProxy", KdcProxyMessage(frame(b"\x6a\x00"), "R.TEST").encode(),
                     {"Content-Type": "application/kerberos"})
        resp = conn.getresponse()
        assert resp.status == 200
        assert unframe(decode_proxy_message(resp.read()).kerb_message) == b"\x7e\x00"
        assert seen == [("R.TEST", b"\x6a\x00")]
    finally:
        srv.stop()


def test_proxy_app_refuses_what_is_not_a_proxy_request(proxy_ca: CertificateAuthority) -> None:
    import http.client

    srv = serve_https(memory_kdc_app(lambda realm, req: b"\x7e\x00"), proxy_ca)
    try:
        tls = ssl.create_default_context(cadata=proxy_ca.cert_pem.decode())
        for method, body, want in (("GET", None, 405), ("POST", b"\x30\x00", 400), ("POST", b"junk", 400)):
            conn = http.client.HTTPSConnection("127.0.0.1", srv.port, context=tls, timeout=5)
            conn.request(method, "/KdcProxy", body)
            assert conn.getresponse().status == want
            conn.close()
    finally:
        srv.stop()
