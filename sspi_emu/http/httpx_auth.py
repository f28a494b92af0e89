"""``httpx`` authentication through the emulator (needs the ``http`` extra); sync and async.

    import httpx
    from sspi_emu.http.httpx_auth import HttpSspiAuth

    with httpx.Client(auth=HttpSspiAuth("NTLM", user="DOMAIN\\\\alice", password="...")) as client:
        client.get("http://server/protected")
"""

from __future__ import annotations

from typing import Generator

import httpx

from .client import HttpAuthError, MutualAuthError, SspiAuthOptions

__all__ = ["HttpSspiAuth", "HttpAuthError", "MutualAuthError"]


def _peer_certificate(response: httpx.Response) -> bytes | None:
    stream = response.extensions.get("network_stream")
    get_extra = getattr(stream, "get_extra_info", None)
    if get_extra is None:
        return None
    ssl_object = get_extra("ssl_object")
    getpeercert = getattr(ssl_object, "getpeercert", None)
    if getpeercert is None:
        return None
    der = getpeercert(True)
    return der if isinstance(der, bytes) else None


def _content(request: httpx.Request) -> bytes | None:
    try:
        return request.content
    except httpx.RequestNotRead:
        return None  # a streamed body (auth-int cannot cover it before it is sent)


class HttpSspiAuth(SspiAuthOptions, httpx.Auth):
    """Negotiate / NTLM / Digest for httpx (options: :class:`SspiAuthOptions`)."""

    requires_response_body = True

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        first = self.preemptive_header(str(request.url), request.method, _content(request))
        if first is not None:
            request.headers["Authorization"] = first
        response = yield request
        rounds = 0
        while response.status_code == 401 and rounds < self.max_rounds:
            values = response.headers.get_list("www-authenticate")
            header = self.flow.respond(values, str(request.url), request.method, request.content,
                                       _peer_certificate(response))
            if header is None:
                break
            request.headers["Authorization"] = header
            response = yield request
            rounds += 1
        if response.status_code != 401:
            self.flow.finish(response.status_code, list(response.headers.multi_items()))
