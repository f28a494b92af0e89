"""Exported NTLM contexts (ExportSecurityContext / ImportSecurityContext).

An established context travels as its negotiated flags, exported session key, names and each
direction's sequence number and RC4 keystream position, so the imported context seals and
verifies exactly where the exported one left off. Only contexts with extended session security
move (the position of the legacy shared RC4 handle is not tracked). The bytes hold the session
key: they are as secret as the context.
"""

from __future__ import annotations

import json
from typing import Any

from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError
from sspi_emu.spi import StepInput, StepOutput

from . import flags as F
from .context import NtlmContext
from .security import SessionSecurity

__all__ = ["NtlmImportedContext", "export_context", "import_context"]

S = SecurityStatus
_VERSION = 1
_U32 = 0xFFFFFFFF


def _invalid(why: str) -> SspiError:
    return SspiError(S.SEC_E_INVALID_TOKEN, f"NTLM: {why}")


def export_context(ctx: NtlmContext) -> bytes:
    """The state of the established context *ctx*."""
    if not ctx.complete or not ctx.session_key:
        raise SspiError(S.SEC_E_UNSUPPORTED_FUNCTION, "NTLM: only an established context with a session key moves")
    if not ctx.flags & F.EXTENDED_SESSIONSECURITY:
        raise SspiError(S.SEC_E_UNSUPPORTED_FUNCTION, "NTLM: contexts without extended session security do not move")
    sec = ctx.security
    out = [sec.out.seq, sec.out.pos] if sec is not None else [0, 0]
    inc = [sec.inc.seq, sec.inc.pos] if sec is not None else [0, 0]
    state = {
        "v": _VERSION, "client": ctx.is_client, "flags": ctx.flags, "ret_flags": ctx.ret_flags,
        "key": ctx.session_key.hex(), "client_name": ctx.client_name, "server_name": ctx.server_name,
        "start": ctx.start, "expiry": ctx.expiry, "out": out, "inc": inc,
    }
    return json.dumps(state, separators=(",", ":")).encode("utf-8")


def _u32(state: dict[str, Any], name: str) -> int:
    value = state.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _U32:
        raise _invalid(f"bad {name} in an exported context")
    return value


def _counters(state: dict[str, Any], name: str) -> tuple[int, int]:
    value = state.get(name)
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)
            or value[0] > _U32 or value[1] > 1 << 62):
        raise _invalid(f"bad {name} counters in an exported context")
    return value[0], value[1]


def import_context(data: bytes) -> NtlmImportedContext:
    """The context *data* (from :func:`export_context`) describes; SEC_E_INVALID_TOKEN when malformed."""
    try:
        state = json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _invalid("unreadable exported context") from None
    if not isinstance(state, dict) or state.get("v") != _VERSION or not isinstance(state.get("client"), bool):
        raise _invalid("not an exported NTLM context")
    names = state.get("client_name"), state.get("server_name"), state.get("key")
    if not all(isinstance(n, str) for n in names):
        raise _invalid("bad names in an exported context")
    try:
        key = bytes.fromhex(str(state["key"]))
    except ValueError:
        raise _invalid("bad session key in an exported context") from None
    flags = _u32(state, "flags")
    if len(key) != 16 or not flags & F.EXTENDED_SESSIONSECURITY:
        raise _invalid("bad session key or flags in an exported context")
    ctx = NtlmImportedContext(state["client"], flags, _u32(state, "ret_flags"), key, str(state["client_name"]),
                              str(state["server_name"]), _int64(state, "start"), _int64(state, "expiry"))
    sec = ctx.security = SessionSecurity(flags, key, ctx.is_client)
    sec.out.seq, sec.out.pos = _counters(state, "out")
    sec.inc.seq, sec.inc.pos = _counters(state, "inc")
    return ctx


def _int64(state: dict[str, Any], name: str) -> int:
    value = state.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 1 << 64:
        raise _invalid(f"bad {name} in an exported context")
    return value


class NtlmImportedContext(NtlmContext):
    """An established context brought in by ImportSecurityContext: message functions and attributes only."""

    def __init__(self, is_client: bool, flags: int, ret_flags: int, session_key: bytes, client_name: str,
                 server_name: str, start: int, expiry: int) -> None:
        self._init_common(expiry)
        self.is_client = is_client
        self.flags = flags
        self.ret_flags = ret_flags
        self.session_key = session_key
        self.client_name = client_name
        self.server_name = server_name
        self.start = start
        self.complete = True

    def step(self, inp: StepInput) -> StepOutput:
        raise SspiError(S.SEC_E_INVALID_TOKEN, "NTLM: the handshake is already complete")
