"""Dispatcher overhead: one InitializeSecurityContext call on a package that does no work."""

from __future__ import annotations

from typing import Callable

import sspi_emu as s
from sspi_emu import registry
from sspi_emu.spi import Credential, PackageContext, StepInput, StepOutput

_OUT = StepOutput(s.SEC_I_CONTINUE_NEEDED, b"x" * 32)


class _NullContext(PackageContext):
    def step(self, inp: StepInput) -> StepOutput:
        return _OUT


class _NullPackage:
    info = s.SecPkgInfo(0, 1, 0xFF02, 64, "BenchNull", "does nothing, for timing the dispatcher")
    aliases: tuple[str, ...] = ()

    def acquire_credentials(self, principal: object, use: int, logon_id: object, auth_data: object) -> Credential:
        return Credential()

    def client_context(self, cred: Credential, target: object, req: int, data_rep: int) -> PackageContext:
        return _NullContext()

    def server_context(self, cred: Credential, req: int, data_rep: int) -> PackageContext:
        return _NullContext()


def bench_dispatcher_isc() -> dict[str, Callable[[], object]]:
    registry.register(_NullPackage(), replace=True)  # type: ignore[arg-type]
    cred = s.CredHandle()
    s.AcquireCredentialsHandle(None, "BenchNull", s.SECPKG_CRED_OUTBOUND, None, None, None, None, cred, None)
    ctx = s.CtxtHandle()
    out = s.SecBufferDesc([s.SecBuffer(s.SECBUFFER_TOKEN, 64)])
    pin = s.SecBufferDesc([s.SecBuffer(s.SECBUFFER_TOKEN, b"y" * 32), s.SecBuffer()])
    attrs, ts = s.ULONG(), s.TimeStamp()
    s.InitializeSecurityContext(cred, None, "t", 0, 0, 0x10, None, 0, ctx, out, attrs, ts)
    isc = s.InitializeSecurityContext

    def later_leg() -> object:
        return isc(cred, ctx, "t", 0, 0, 0x10, pin, 0, ctx, out, attrs, ts)

    return {"sspi-emu": later_leg}
