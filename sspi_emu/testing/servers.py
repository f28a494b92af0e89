"""Start an authenticating HTTP server in the test process."""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass, field
from typing import Any, Sequence

from ..accounts import MemoryAccountStore
from ..context import Credential
from ..http.app import whoami_app
from ..http.authenticator import HttpAuthenticator
from ..http.bindings import channel_bindings_from_certificate
from ..http.certs import IssuedCertificate
from ..http.server import SspiHttpServer
from ..http.wsgi import SspiAuthMiddleware, WsgiApp

__all__ = ["DEFAULT_DOMAIN", "DEFAULT_PASSWORD", "DEFAULT_USER", "RunningServer", "start_server", "default_accounts"]

DEFAULT_USER, DEFAULT_DOMAIN, DEFAULT_PASSWORD = "alice", "DEMO", "Passw0rd!"


def default_accounts() -> MemoryAccountStore:
    """A store holding ``DEMO\\alice`` / ``Passw0rd!``."""
    store = MemoryAccountStore()
    store.add(DEFAULT_USER, DEFAULT_PASSWORD, DEFAULT_DOMAIN)
    return store


@dataclass(eq=False)
class RunningServer:
    """A server running in a background thread (``url``, ``port``, the access ``log`` lines)."""

    server: SspiHttpServer
    authenticator: HttpAuthenticator
    accounts: Any
    certificate: IssuedCertificate | None = None
    log: list[str] = field(default_factory=list)
    user: str = f"{DEFAULT_DOMAIN}\\{DEFAULT_USER}"
    password: str = DEFAULT_PASSWORD

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:PORT``."""
        return self.server.url

    @property
    def port(self) -> int:
        """The listening port."""
        return self.server.port

    def stop(self) -> None:
        """Stop the server and free its credentials."""
        self.server.stop()
        self.authenticator.close()


def start_server(
    app: WsgiApp | None = None,
    *,
    accounts: Any = None,
    schemes: Sequence[str] | None = None,
    certificate: IssuedCertificate | None = None,
    schannel_credential: Credential | None = None,
    channel_binding: bool = True,
    **options: Any,
) -> RunningServer:
    """Serve *app* (default: a JSON "who am I" endpoint) behind the middleware on 127.0.0.1, a free port.

    ``certificate``: serve HTTPS with it (stdlib ssl); its tls-server-end-point binding is
    checked when ``channel_binding``. With ``schannel_credential`` too (an inbound
    ``Credential("Schannel", ...)`` for that certificate), TLS is done by the emulator's
    Schannel package instead of stdlib ssl. Other options go to :class:`HttpAuthenticator`.
    """
    store = accounts if accounts is not None else default_accounts()
    ssl_ctx = None
    bindings = None
    if certificate is not None and schannel_credential is not None:
        if channel_binding:
            bindings = channel_bindings_from_certificate(certificate.der)
    elif certificate is not None:
        import os
        import tempfile

        ssl_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        folder = tempfile.mkdtemp(prefix="sspi-emu-test-")
        cert_path, key_path = certificate.write(folder)
        ssl_ctx.load_cert_chain(cert_path, key_path)
        for path in (cert_path, key_path):
            os.unlink(path)
        os.rmdir(folder)
        if channel_binding:
            bindings = channel_bindings_from_certificate(certificate.der)
    authenticator = HttpAuthenticator(schemes, accounts=store, channel_bindings=bindings, **options)
    lines: list[str] = []
    lock = threading.Lock()

    def log(line: str) -> None:
        with lock:
            lines.append(line)

    server = SspiHttpServer(SspiAuthMiddleware(app or whoami_app, authenticator), "127.0.0.1", 0,
                            ssl_context=ssl_ctx, schannel_credential=schannel_credential,
                            certificate_der=certificate.der if certificate else None, log=log)
    server.start()
    return RunningServer(server, authenticator, store, certificate, lines)
