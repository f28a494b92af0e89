"""Exported Kerberos contexts (ExportSecurityContext / ImportSecurityContext).

An established context travels as its message key (enctype and contents), direction, both
sequence numbers, the session key, granted flags and names; the imported context wraps and
verifies where the exported one stopped. The bytes hold keys: they are as secret as the context.
"""

from __future__ import annotations

import json
from typing import Any

from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError
from sspi_emu.spi import StepInput, StepOutput

from . import enctypes
from .context import KerberosContext
from .keys import Key
from .sessions import new_session

__all__ = ["KerberosImportedContext", "export_context", "import_context"]

S = SecurityStatus
_VERSION = 1
_U64 = (1 << 64) - 1


def _invalid(why: str) -> SspiError:
    return SspiError(S.SEC_E_INVALID_TOKEN, f"Kerberos: {why}")


def _key_json(key: Key | None) -> list[object] | None:
    return None if key is None else [key.enctype, key.contents.hex()]


def export_context(ctx: KerberosContext) -> bytes:
    """The state of the established context *ctx*."""
    sec = ctx.session
    if sec is None:
        raise SspiError(S.SEC_E_UNSUPPORTED_FUNCTION, "Kerberos: only an established context moves")
    state = {
        "v": _VERSION, "key": _key_json(sec.key), "initiator": sec.initiator, "acceptor_subkey": sec.acceptor_subkey,
        "send_seq": sec.send_seq, "recv_seq": sec.recv_seq, "check_sequence": sec.check_sequence,
        "session_key": _key_json(ctx.session_key), "ret_flags": ctx.ret_flags, "client_name": ctx.client_name,
        "server_name": ctx.server_name, "start": ctx.start, "expiry": ctx.expiry,
    }
    return json.dumps(state, separators=(",", ":")).encode("utf-8")


def _int(state: dict[str, Any], name: str, top: int = _U64) -> int:
    value = state.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= top:
        raise _invalid(f"bad {name} in an exported context")
    return value


def _bool(state: dict[str, Any], name: str) -> bool:
    value = state.get(name)
    if not isinstance(value, bool):
        raise _invalid(f"bad {name} in an exported context")
    return value


def _key(value: object, required: bool) -> Key | None:
    if value is None and not required:
        return None
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], int) or isinstance(value[0], bool)
            or not isinstance(value[1], str)):
        raise _invalid("bad key in an exported context")
    try:
        key = Key(value[0], bytes.fromhex(value[1]))
        profile = enctypes.profile(key.enctype)
    except (ValueError, enctypes.UnsupportedEnctype):
        raise _invalid("bad key in an exported context") from None
    if len(key.contents) != profile.key_size:
        raise _invalid("bad key length in an exported context")
    return key


def import_context(data: bytes) -> KerberosImportedContext:
    """The context *data* (from :func:`export_context`) describes; SEC_E_INVALID_TOKEN when malformed."""
    try:
        state = json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _invalid("unreadable exported context") from None
    if not isinstance(state, dict) or state.get("v") != _VERSION:
        raise _invalid("not an exported Kerberos context")
    names = state.get("client_name"), state.get("server_name")
    if not all(isinstance(n, str) for n in names):
        raise _invalid("bad names in an exported context")
    key = _key(state.get("key"), True)
    assert key is not None
    initiator = _bool(state, "initiator")
    session = new_session(key, initiator, _bool(state, "acceptor_subkey"), _int(state, "send_seq"),
                          _int(state, "recv_seq"), _bool(state, "check_sequence"))
    ctx = KerberosImportedContext()
    ctx.session = session
    ctx.session_key = _key(state.get("session_key"), False)
    ctx.ret_flags = _int(state, "ret_flags", 0xFFFFFFFF)
    ctx.client_name, ctx.server_name = str(names[0]), str(names[1])
    ctx.start, ctx.expiry = _int(state, "start"), _int(state, "expiry")
    return ctx


class KerberosImportedContext(KerberosContext):
    """An established context brought in by ImportSecurityContext: message functions and attributes only."""

    def step(self, inp: StepInput) -> StepOutput:
        raise SspiError(S.SEC_E_INVALID_TOKEN, "Kerberos: the context is already established")
