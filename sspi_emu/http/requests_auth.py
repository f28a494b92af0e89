"""``requests`` authentication through the emulator (needs the ``http`` extra).

    import requests
    from sspi_emu.http.requests_auth import HttpSspiAuth

    session = requests.Session()
    session.auth = HttpSspiAuth("Negotiate", user="DOMAIN\\\\alice", password="...")
    session.get("http://server/protected")

The 401 loop runs on the same connection (NTLM and Negotiate are connection-bound); the
server's mutual-auth answer is checked (:class:`~sspi_emu.http.client.MutualAuthError`).
"""

from __future__ import annotations

from typing import Any

import requests
from requests.auth import AuthBase

from .client import HttpAuthError, MutualAuthError, SspiAuthOptions

__all__ = ["HttpSspiAuth", "HttpAuthError", "MutualAuthError"]


def _peer_certificate(response: requests.Response) -> bytes | None:
    conn = getattr(response.raw, "connection", None) or getattr(response.raw, "_connection", None)
    sock = getattr(conn, "sock", None)
    getpeercert = getattr(sock, "getpeercert", None)
    if getpeercert is None:
        return None
    try:
        der = getpeercert(True)
    except (OSError, ValueError):
        return None
    return der if isinstance(der, bytes) else None


def _body(request: requests.PreparedRequest) -> bytes | None:
    body = request.body
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return None


class HttpSspiAuth(SspiAuthOptions, AuthBase):
    """Negotiate / NTLM / Digest for requests (options: :class:`SspiAuthOptions`)."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        first = self.preemptive_header(request.url or "", request.method or "GET", _body(request))
        if first is not None:
            request.headers["Authorization"] = first
        request.register_hook("response", self._on_response)
        return request

    def _on_response(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        rounds = 0
        while response.status_code == 401 and rounds < self.max_rounds:
            values = response.headers.get("WWW-Authenticate", "")
            sent = response.request
            header = self.flow.respond(values, sent.url or "", sent.method or "GET", _body(sent),
                                       _peer_certificate(response))
            if header is None:
                break
            _ = response.content  # read the body so the connection can carry the next leg
            response.raw.release_conn()
            request = sent.copy()
            request.headers["Authorization"] = header
            if hasattr(request.body, "seek"):
                request.body.seek(0)  # type: ignore[union-attr]
            cookies = getattr(response, "cookies", None)
            if cookies:
                request.prepare_cookies(cookies)
            nxt: requests.Response = response.connection.send(request, **kwargs)
            nxt.history = [*response.history, response]
            nxt.request = request
            response = nxt
            rounds += 1
        if response.status_code != 401:
            self.flow.finish(response.status_code, list(response.headers.items()))
        return response
