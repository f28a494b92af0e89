"""The protected endpoint of ``sspi-emu serve``: says who you are."""

from __future__ import annotations

import json
from typing import Any, Iterable

from .wsgi import StartResponse, outcome_of

__all__ = ["whoami_app"]


def whoami_app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Answer ``{"user": ..., "scheme": ..., "method": ..., "path": ...}`` as JSON (body echoed as a length)."""
    outcome = outcome_of(environ)
    stream = environ.get("wsgi.input")
    body = stream.read() if stream is not None else b""
    doc = {
        "user": environ.get("REMOTE_USER", ""),
        "scheme": environ.get("AUTH_TYPE", ""),
        "method": environ.get("REQUEST_METHOD", ""),
        "path": environ.get("PATH_INFO", ""),
        "body_length": len(body),
        "auth": outcome.note if outcome else "",
    }
    payload = (json.dumps(doc) + "\n").encode("utf-8")
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]
