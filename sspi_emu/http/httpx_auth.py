"""``httpx`` authentication through the emulator (needs the ``http`` extra); sync and async.

    import httpx
    from sspi_emu.http.httpx_auth import HttpSspiAuth

    with httpx.Client(auth=HttpSspiAuth("NTLM", user="DOMAIN\\\\alice", password="...")) as client:
        client.get("http://server/protected")
"""

from __future__ import annotations

from typing import Generator

import httpx

from ..context import Credential
from .client import ClientAuthFlow, HttpAuthError, MutualAuthError

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


class HttpSspiAuth(httpx.Auth):
    """Negotiate / NTLM / Digest for httpx (see :class:`ClientAuthFlow` for the options)."""

    requires_response_body = True

    def __init__(
        self,
        package: str = "Negotiate",
        *,
        user: str | None = None,
        password: str | None = None,
        domain: str | None = None,
        credential: Credential | None = None,
        target: str | None = None,
        mutual: str = "required",
        channel_bindings: bool = True,
        preemptive: bool = False,
        max_rounds: int = 5,
    ) -> None:
        self.flow = ClientAuthFlow(package, user=user, password=password, domain=domain, credential=credential,
                                   target=target, mutual=mutual, channel_bindings=channel_bindings)
        self.preemptive = preemptive
        self.max_rounds = max_rounds

    def __repr__(self) -> str:
        return f"HttpSspiAuth({self.flow.scheme!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.preemptive and self.flow.scheme != "Digest" and not self.flow.authenticated:
            request.headers["Authorization"] = self.flow.start(str(request.url))
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
