"""A scripted package ("CompatStub") producing the statuses the binding conventions differ on.

* ISC first leg: SEC_I_INCOMPLETE_CREDENTIALS when the auth data has ``mode == "incomplete"``,
  else SEC_I_CONTINUE_NEEDED with token ``HELLO``; the server answers ``HELLO`` with SEC_E_OK.
* DecryptMessage: a DATA buffer starting ``PART`` gives SEC_E_INCOMPLETE_MESSAGE and turns the
  first EMPTY buffer into SECBUFFER_MISSING (cbBuffer 5); ``RENEGO`` gives SEC_I_RENEGOTIATE with
  the EMPTY buffer re-typed EXTRA; ``EXPIRE`` gives SEC_I_CONTEXT_EXPIRED; anything else is
  "decrypted" by upper-casing it, with qop 0x80000001.
* The credential records the auth data it was given; ApplyControlToken records its token.
"""

from __future__ import annotations

from typing import Any

from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgContext_Bindings, SecPkgContext_NativeNames, SecPkgContext_Sizes, SecPkgInfo
from sspi_emu.buffers import SecBuffer
from sspi_emu.constants import SecurityStatus as S
from sspi_emu.spi import Credential, PackageContext, StepInput, StepOutput

received_auth_data: list[Any] = []
control_tokens: list[bytes] = []


class StubCredential(Credential):
    def __init__(self, auth_data: object) -> None:
        self.auth_data = auth_data
        self.principal = "stub-user"


class StubContext(PackageContext):
    def __init__(self, cred: StubCredential, client: bool) -> None:
        self.cred = cred
        self.client = client

    def step(self, inp: StepInput) -> StepOutput:
        if self.client:
            if getattr(self.cred.auth_data, "mode", None) == "incomplete":
                return StepOutput(S.SEC_I_INCOMPLETE_CREDENTIALS, b"")
            if inp.token is None:
                return StepOutput(S.SEC_I_CONTINUE_NEEDED, b"HELLO")
            return StepOutput(S.SEC_E_OK, b"")
        return StepOutput(S.SEC_E_OK, b"WELCOME")

    def query(self, attribute: int) -> object:
        if attribute == C.SECPKG_ATTR_SIZES:
            return SecPkgContext_Sizes(64, 16, 0, 16)
        if attribute == C.SECPKG_ATTR_NATIVE_NAMES:
            return SecPkgContext_NativeNames("stub-client", "stub-server")
        if attribute == C.SECPKG_ATTR_ENDPOINT_BINDINGS:
            return SecPkgContext_Bindings(b"cb")
        if attribute == C.SECPKG_ATTR_DCE_INFO:
            return ("dce", 0)
        return super().query(attribute)

    def decrypt(self, message: list[SecBuffer], seqno: int) -> tuple[S, int]:
        data = next(b for b in message if b.base_type == C.SECBUFFER_DATA)
        empty = next((b for b in message if b.base_type == C.SECBUFFER_EMPTY), None)
        body = data.tobytes()
        if body.startswith(b"PART") and empty is not None:
            empty.BufferType = C.SECBUFFER_MISSING
            empty.cbBuffer = 5
            return S.SEC_E_INCOMPLETE_MESSAGE, 0
        if body.startswith(b"RENEGO") and empty is not None:
            empty.BufferType = C.SECBUFFER_EXTRA
            empty.point_at(data.pvBuffer, 0, 6)  # type: ignore[arg-type]
            return S.SEC_I_RENEGOTIATE, 0
        if body.startswith(b"EXPIRE"):
            return S.SEC_I_CONTEXT_EXPIRED, 0
        data.write(body.upper())
        return S.SEC_E_OK, 0x80000001

    def apply_control(self, token: bytes) -> S:
        control_tokens.append(token)
        return S.SEC_E_OK


class StubPackage:
    info = SecPkgInfo(C.SECPKG_FLAG_INTEGRITY | C.SECPKG_FLAG_PRIVACY, 1, 0xFF02, 256, "CompatStub", "compat tests")
    aliases = ()

    def acquire_credentials(self, principal: str | None, use: int, logon_id: object, auth_data: object) -> Credential:
        received_auth_data.append(auth_data)
        return StubCredential(auth_data)

    def client_context(self, cred: Credential, target: str | None, req: int, data_rep: int) -> PackageContext:
        assert isinstance(cred, StubCredential)
        return StubContext(cred, True)

    def server_context(self, cred: Credential, req: int, data_rep: int) -> PackageContext:
        assert isinstance(cred, StubCredential)
        return StubContext(cred, False)


package = StubPackage()
