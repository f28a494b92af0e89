"""Drive a Pythonic-layer handshake between a client and a server context to completion."""

from __future__ import annotations

import sspi_emu as S


def drive(client: S.ClientContext, server: S.ServerContext, max_legs: int = 8) -> None:
    """Hand each side's token to the other until both are complete (asserted), at most *max_legs* rounds."""
    token = client.step(None)
    for _ in range(max_legs):
        token = server.step(token)
        if client.complete and not token:
            break
        token = client.step(token)
        if server.complete and not token:
            break
    assert client.complete and server.complete
