"""The packed form of an exported security context (ExportSecurityContext / ImportSecurityContext).

The core wraps a package's own bytes in a small envelope saying which package and side the
context belongs to and what the dispatcher knew of it (granted flags, expiry, target)::

    MAGIC (16) | version (1) | header length (4, big-endian) | header (UTF-8 JSON) | package bytes

:func:`unpack` refuses anything else with :class:`PackedContextError`. The package bytes may
hold session keys: a packed context is as secret as the context itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

__all__ = ["MAGIC", "PackedContext", "PackedContextError", "pack", "unpack"]

MAGIC = b"SSPI-EMU CONTEXT"
VERSION = 1
_MAX_HEADER = 64 * 1024


class PackedContextError(ValueError):
    """Not a packed context this version of sspi-emu wrote."""


@dataclass(frozen=True)
class PackedContext:
    """What an exported context carries besides the package's bytes."""

    package: str
    side: str  # "client" or "server"
    attrs: int
    expiry: int
    start: int
    target: str | None
    blob: bytes


def pack(ctx: PackedContext) -> bytes:
    """The envelope around *ctx*."""
    header = json.dumps({"package": ctx.package, "side": ctx.side, "attrs": ctx.attrs, "expiry": ctx.expiry,
                         "start": ctx.start, "target": ctx.target}, separators=(",", ":")).encode("utf-8")
    return MAGIC + bytes((VERSION,)) + len(header).to_bytes(4, "big") + header + ctx.blob


def _int(header: dict[str, object], name: str) -> int:
    value = header.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0 or value > (1 << 64) - 1:
        raise PackedContextError(f"bad {name}")
    return value


def unpack(data: bytes) -> PackedContext:
    """The context in *data*; PackedContextError for anything malformed."""
    head = len(MAGIC) + 5
    if len(data) < head or data[: len(MAGIC)] != MAGIC:
        raise PackedContextError("not a packed sspi-emu context")
    if data[len(MAGIC)] != VERSION:
        raise PackedContextError(f"packed context version {data[len(MAGIC)]} is not {VERSION}")
    size = int.from_bytes(data[len(MAGIC) + 1 : head], "big")
    if size > _MAX_HEADER or head + size > len(data):
        raise PackedContextError("truncated packed context")
    try:
        header = json.loads(data[head : head + size].decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise PackedContextError("unreadable packed context header") from None
    if not isinstance(header, dict):
        raise PackedContextError("unreadable packed context header")
    package, side, target = header.get("package"), header.get("side"), header.get("target")
    if not isinstance(package, str) or not package or side not in ("client", "server"):
        raise PackedContextError("packed context names no package or side")
    if target is not None and not isinstance(target, str):
        raise PackedContextError("bad target")
    return PackedContext(package, str(side), _int(header, "attrs"), _int(header, "expiry"), _int(header, "start"),
                         target, bytes(data[head + size :]))
