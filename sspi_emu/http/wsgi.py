"""WSGI middleware protecting an application with Negotiate / NTLM / Digest.

Connection binding (NTLM and Negotiate need every leg on one TCP connection): the
middleware keys handshakes by ``environ["sspi_emu.connection_id"]``, which
:mod:`sspi_emu.http.server` sets. Another server can set it too (any hashable value unique
per TCP connection) and, to free a half-finished handshake as soon as the client goes
away, put in ``environ["sspi_emu.on_close"]`` a callable ``on_close(key, callback)`` that
remembers the zero-argument *callback* under *key* (replacing an earlier one) and runs the
callbacks when the connection ends. Without a connection id the middleware
falls back to ``(REMOTE_ADDR, REMOTE_PORT)``, which most servers provide, and pending
handshakes then expire after ``handshake_timeout``.

Behind a reverse proxy that pools upstream connections, one upstream connection carries
requests from many users: connection-bound schemes (NTLM, Negotiate) and Persistent-Auth
are then unsafe there. Terminate authentication at the proxy, or use Digest with
``persistent=False``.

The authenticated user reaches the application as ``REMOTE_USER`` (``DOMAIN\\user``),
``AUTH_TYPE`` (the scheme) and ``environ["sspi_emu.auth"]`` (:class:`AuthOutcome`).
"""

from __future__ import annotations

import io
from typing import Any, Callable, Hashable, Iterable, Sequence

from .authenticator import AuthOutcome, HttpAuthenticator

__all__ = ["SspiAuthMiddleware", "CONNECTION_ID", "ON_CLOSE"]

CONNECTION_ID = "sspi_emu.connection_id"
ON_CLOSE = "sspi_emu.on_close"
AUTH_KEY = "sspi_emu.auth"
_MAX_BODY_FOR_DIGEST = 1 << 20

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def connection_key(environ: dict[str, Any]) -> Hashable:
    """The id of the TCP connection a request came on."""
    cid = environ.get(CONNECTION_ID)
    if cid is not None:
        return cid  # type: ignore[no-any-return]
    return ("peer", environ.get("REMOTE_ADDR", ""), environ.get("REMOTE_PORT", ""))


def _drain(environ: dict[str, Any]) -> None:
    """Read and discard the request body so the connection stays usable."""
    stream = environ.get("wsgi.input")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    if stream is None or length <= 0:
        return
    while length > 0:
        chunk = stream.read(min(length, 65536))
        if not chunk:
            break
        length -= len(chunk)


def _digest_body(environ: dict[str, Any], authorization: str) -> bytes | None:
    """The request body when a Digest answer uses qop=auth-int (kept readable for the app)."""
    if "auth-int" not in authorization:
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return b""
    if length <= 0 or length > _MAX_BODY_FOR_DIGEST:
        return b""
    body: bytes = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


class SspiAuthMiddleware:
    """Wraps a WSGI application; requests reach it only once authenticated.

    Give an :class:`HttpAuthenticator`, or the keyword arguments to build one (``schemes``,
    ``accounts``, ``realm``, ``channel_bindings``, ...). ``protect(environ)`` decides which
    requests need authentication (all by default).
    """

    def __init__(
        self,
        app: WsgiApp,
        authenticator: HttpAuthenticator | None = None,
        *,
        schemes: Sequence[str] | None = None,
        protect: Callable[[dict[str, Any]], bool] | None = None,
        **options: Any,
    ) -> None:
        self.app = app
        self.authenticator = authenticator or HttpAuthenticator(schemes, **options)
        self.protect = protect

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if self.protect is not None and not self.protect(environ):
            return self.app(environ, start_response)
        key = connection_key(environ)
        authorization = environ.get("HTTP_AUTHORIZATION")
        method = environ.get("REQUEST_METHOD", "GET")
        uri = environ.get("sspi_emu.request_uri") or environ.get("REQUEST_URI") or environ.get("RAW_URI") \
            or _request_uri(environ)
        body = _digest_body(environ, authorization) if authorization else None
        outcome = self.authenticator.authenticate(key, authorization, method=method, uri=uri, body=body)
        environ[AUTH_KEY] = outcome
        if outcome.status == 401 and self.authenticator.pending_for(key):
            self._watch(environ, key)
        if not outcome.allowed:
            _drain(environ)
            payload = f"{outcome.status} {outcome.reason}\n".encode("ascii")
            headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(payload)))] + outcome.headers
            start_response(f"{outcome.status} {outcome.reason}", headers)
            return [payload]
        if outcome.user is not None and environ.get(CONNECTION_ID) is not None:
            self._watch(environ, key)
        environ["REMOTE_USER"] = outcome.user or ""
        environ["AUTH_TYPE"] = outcome.scheme or ""
        extra = outcome.headers

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            names = {h.lower() for h, _ in headers}
            merged = list(headers) + [(h, v) for h, v in extra if h.lower() not in names or h == "WWW-Authenticate"]
            if exc_info is not None:
                return start_response(status, merged, exc_info)
            return start_response(status, merged)

        return self.app(environ, start)

    def _watch(self, environ: dict[str, Any], key: Hashable) -> None:
        on_close = environ.get(ON_CLOSE)
        if callable(on_close):
            authenticator = self.authenticator
            on_close(("sspi_emu.auth", id(authenticator)), lambda: authenticator.connection_closed(key))


def _request_uri(environ: dict[str, Any]) -> str:
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING")
    return f"{path}?{query}" if query else (path or "/")


def outcome_of(environ: dict[str, Any]) -> AuthOutcome | None:
    """The authentication outcome the middleware stored for this request."""
    value = environ.get(AUTH_KEY)
    return value if isinstance(value, AuthOutcome) else None
