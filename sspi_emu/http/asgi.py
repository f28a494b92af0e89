"""ASGI middleware protecting an application with Negotiate / NTLM / Digest.

Connection binding: ASGI has no connection id, so handshakes are keyed by
``scope["extensions"]["sspi_emu"]["connection_id"]`` when the server provides it, else by
``scope["client"]`` (host, port), which is per TCP connection on uvicorn, hypercorn and
daphne. ASGI does not report connection closes: pending handshakes expire after
``handshake_timeout`` (a server that knows can call
``middleware.authenticator.connection_closed(id)``).

The same caveat as for WSGI applies behind a connection-pooling reverse proxy (see
:mod:`sspi_emu.http.wsgi`).

The authenticated user reaches the application as ``scope["user"]`` (``DOMAIN\\user``),
``scope["auth_type"]`` (the scheme) and ``scope["sspi_emu.auth"]`` (:class:`AuthOutcome`).
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Hashable, MutableMapping, Sequence

from .authenticator import HttpAuthenticator

__all__ = ["SspiAuthASGIMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def connection_key(scope: Scope) -> Hashable:
    """The id of the TCP connection an ASGI request came on."""
    ext = scope.get("extensions") or {}
    mine = ext.get("sspi_emu") if isinstance(ext, dict) else None
    if isinstance(mine, dict) and mine.get("connection_id") is not None:
        return ("ext", mine["connection_id"])
    client = scope.get("client")
    return ("client", tuple(client) if client else None)


def _header(scope: Scope, name: bytes) -> str | None:
    values = [v for k, v in scope.get("headers", ()) if k.lower() == name]
    if not values:
        return None
    return b", ".join(values).decode("latin-1")


class SspiAuthASGIMiddleware:
    """Wraps an ASGI application; HTTP requests reach it only once authenticated.

    Arguments as for :class:`~sspi_emu.http.wsgi.SspiAuthMiddleware`; ``protect(scope)``
    decides which requests need authentication. Websocket and lifespan scopes pass through.
    """

    def __init__(
        self,
        app: AsgiApp,
        authenticator: HttpAuthenticator | None = None,
        *,
        schemes: Sequence[str] | None = None,
        protect: Callable[[Scope], bool] | None = None,
        **options: Any,
    ) -> None:
        self.app = app
        self.authenticator = authenticator or HttpAuthenticator(schemes, **options)
        self.protect = protect

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http" or (self.protect is not None and not self.protect(scope)):
            await self.app(scope, receive, send)
            return
        authorization = _header(scope, b"authorization")
        path = scope.get("raw_path") or scope.get("path", "/").encode("latin-1", "replace")
        uri = path.decode("latin-1") if isinstance(path, bytes) else str(path)
        query = scope.get("query_string") or b""
        if query:
            uri += "?" + query.decode("latin-1")
        body: bytes | None = None
        if authorization and "auth-int" in authorization:
            body, receive = await _buffer_body(receive)
        outcome = await asyncio.get_running_loop().run_in_executor(
            None, lambda: self.authenticator.authenticate(connection_key(scope), authorization,
                                                          method=scope.get("method", "GET"), uri=uri, body=body))
        scope["sspi_emu.auth"] = outcome
        if not outcome.allowed:
            payload = f"{outcome.status} {outcome.reason}\n".encode("ascii")
            headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(payload)).encode())]
            headers += [(k.lower().encode("latin-1"), v.encode("latin-1", "replace")) for k, v in outcome.headers]
            await send({"type": "http.response.start", "status": outcome.status, "headers": headers})
            await send({"type": "http.response.body", "body": payload})
            return
        scope["user"] = outcome.user or ""
        scope["auth_type"] = outcome.scheme or ""
        extra = [(k.lower().encode("latin-1"), v.encode("latin-1", "replace")) for k, v in outcome.headers]

        async def send_with_headers(message: Message) -> None:
            if message.get("type") == "http.response.start" and extra:
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _buffer_body(receive: Receive) -> tuple[bytes, Receive]:
    chunks: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message.get("type") != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = bool(message.get("more_body"))
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay
