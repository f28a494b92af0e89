"""Exported Negotiate contexts (ExportSecurityContext / ImportSecurityContext).

Negotiate moves a context the way it runs one: through the SSPI. The chosen mechanism's
context is exported with ExportSecurityContext and imported with ImportSecurityContext by that
package; Negotiate adds what SPNEGO agreed (the mechanism list, raw or framed). A mechanism that
cannot move its contexts makes the Negotiate context unmovable too.
"""

from __future__ import annotations

import base64
import binascii
import json

from sspi_emu import api
from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgContext_Flags, SecPkgInfo
from sspi_emu.buffers import SecBuffer
from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError
from sspi_emu.handles import Box, CredHandle, CtxtHandle
from sspi_emu.spi import StepInput, StepOutput

from .context_base import NegotiateContext
from .inner import InnerContext, InnerCredential

__all__ = ["NegotiateImported", "export_context", "import_context"]

S = SecurityStatus
_VERSION = 1


def _invalid(why: str) -> SspiError:
    return SspiError(S.SEC_E_INVALID_TOKEN, f"Negotiate: {why}")


def export_context(ctx: NegotiateContext, is_client: bool) -> bytes:
    """The established context *ctx*: its mechanism's exported context and the SPNEGO state."""
    inner = ctx.inner
    if not ctx.complete or inner is None or not inner.started:
        raise SspiError(S.SEC_E_UNSUPPORTED_FUNCTION, "Negotiate: only an established context moves")
    packed = SecBuffer(C.SECBUFFER_EMPTY)
    status = api.ExportSecurityContext(inner.handle, 0, packed, None)
    if status != S.SEC_E_OK:
        raise SspiError(status, f"Negotiate: {inner.package} cannot export its context")
    blob = packed.tobytes()
    api.FreeContextBuffer(packed)
    state = {"v": _VERSION, "client": is_client, "package": inner.package, "raw": ctx.raw,
             "mech_types": list(ctx.mech_types), "inner": base64.b64encode(blob).decode("ascii")}
    return json.dumps(state, separators=(",", ":")).encode("utf-8")


def import_context(data: bytes, own_info: SecPkgInfo) -> NegotiateImported:
    """The context *data* describes, its mechanism's context imported through the SSPI."""
    try:
        state = json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _invalid("unreadable exported context") from None
    if not isinstance(state, dict) or state.get("v") != _VERSION:
        raise _invalid("not an exported Negotiate context")
    package, mech_types = state.get("package"), state.get("mech_types")
    raw, client = state.get("raw"), state.get("client")
    if (not isinstance(package, str) or not isinstance(raw, bool) or not isinstance(client, bool)
            or not isinstance(mech_types, list) or not all(isinstance(m, str) for m in mech_types)
            or not isinstance(state.get("inner"), str)):
        raise _invalid("malformed exported context")
    try:
        blob = base64.b64decode(state["inner"], validate=True)
    except (binascii.Error, ValueError):
        raise _invalid("malformed exported mechanism context") from None
    handle = CtxtHandle()
    status = api.ImportSecurityContext(package, SecBuffer(C.SECBUFFER_EMPTY, blob), None, handle)
    if status != S.SEC_E_OK:
        raise SspiError(S.SEC_E_INVALID_TOKEN if status == S.SEC_E_SECPKG_NOT_FOUND else status,
                        f"Negotiate: {package} did not import the mechanism's context")
    # An imported context has no credential of its own: it is complete and never runs another leg.
    inner = InnerContext(InnerCredential(package, CredHandle(), 0), server=not client)
    inner.handle, inner.started, inner.complete = handle, True, True
    flags = Box()
    if api.QueryContextAttributes(handle, C.SECPKG_ATTR_FLAGS, flags) == S.SEC_E_OK and isinstance(
            flags.value, SecPkgContext_Flags):
        inner.attrs = flags.value.Flags
    return NegotiateImported(own_info, inner, tuple(mech_types), raw)


class NegotiateImported(NegotiateContext):
    """An established Negotiate context brought in by ImportSecurityContext."""

    def __init__(self, own_info: SecPkgInfo, inner: InnerContext, mech_types: tuple[str, ...], raw: bool) -> None:
        super().__init__(own_info, 0, C.SECURITY_NATIVE_DREP)
        self.inner = inner
        self.mech_types = mech_types
        self.raw = raw
        self.complete = True
        self.is_client = not inner.server

    def step(self, inp: StepInput) -> StepOutput:
        raise SspiError(S.SEC_E_INVALID_TOKEN, "Negotiate: the negotiation is already complete")

    def export(self) -> bytes:
        return export_context(self, self.is_client)
