"""HTTP authentication on the emulator: WSGI / ASGI middleware, a test server, client auth.

Server side: :class:`HttpAuthenticator` (framework-free), :class:`SspiAuthMiddleware`
(WSGI), :class:`SspiAuthASGIMiddleware` (ASGI), :class:`SspiHttpServer` (threaded HTTP/1.1).
Client side (optional extras ``requests`` / ``httpx``): :mod:`sspi_emu.http.requests_auth`
and :mod:`sspi_emu.http.httpx_auth`, both ``HttpSspiAuth(package="Negotiate", ...)``.

Protecting a WSGI application::

    from sspi_emu.accounts import MemoryAccountStore
    from sspi_emu.http import SspiAuthMiddleware, serve_in_thread

    store = MemoryAccountStore()
    store.add("alice", "Passw0rd!", "DEMO")
    app = SspiAuthMiddleware(my_app, schemes=["Negotiate", "NTLM", "Digest"], accounts=store)
    server = serve_in_thread(app)          # http://127.0.0.1:<server.port>, REMOTE_USER = DEMO\\alice

Or from the command line: ``sspi-emu serve --port 0 --user 'DEMO\\alice:Passw0rd!' [--tls]``.
"""

from __future__ import annotations

from .asgi import SspiAuthASGIMiddleware
from .authenticator import AuthOutcome, HttpAuthenticator, available_schemes
from .bindings import channel_bindings_from_certificate, tls_server_end_point
from .client import ClientAuthFlow, MutualAuthError
from .server import SspiHttpServer, serve_in_thread
from .wsgi import SspiAuthMiddleware

__all__ = [
    "AuthOutcome",
    "ClientAuthFlow",
    "HttpAuthenticator",
    "MutualAuthError",
    "SspiAuthASGIMiddleware",
    "SspiAuthMiddleware",
    "SspiHttpServer",
    "available_schemes",
    "channel_bindings_from_certificate",
    "serve_in_thread",
    "tls_server_end_point",
]
