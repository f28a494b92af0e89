"""The interface a security package implements (the SPI).

A package is a sans-I/O state machine. The dispatcher (:mod:`sspi_emu.dispatcher`)
owns handles, buffers, allocation, flag merging and failure states; a package sees
plain bytes in (:class:`StepInput`) and returns plain bytes out (:class:`StepOutput`).
To fail a call with a documented status, a package raises
:class:`sspi_emu.errors.SspiError`; any other exception becomes
``SEC_E_INTERNAL_ERROR``. Randomness and time come only from :mod:`sspi_emu.entropy`.

Message functions (sign/verify/encrypt/decrypt) work directly on the caller's
:class:`~sspi_emu.buffers.SecBuffer` list, in place, as Windows packages do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, Sequence

from .attributes import SecPkgInfo
from .buffers import SecBuffer
from .constants import TIMESTAMP_NEVER, SecurityStatus
from .errors import SspiError

__all__ = [
    "Credential",
    "PackageContext",
    "SecPkgInfo",
    "SecurityPackage",
    "StepInput",
    "StepOutput",
]


@dataclass(slots=True)
class StepInput:
    """What one InitializeSecurityContext / AcceptSecurityContext leg hands the package.

    ``token`` is the first SECBUFFER_TOKEN input buffer's bytes (None when there is
    none, e.g. the first client leg); ``buffers`` holds every other input buffer as
    ``(base type, bytes)`` in order (channel bindings, application protocols,
    PKG_PARAMS, ...). ``req`` is this call's fContextReq. ``credential`` is the
    credential passed to this call (it may differ from the first call's, e.g. after
    SEC_I_INCOMPLETE_CREDENTIALS).
    """

    token: bytes | None
    buffers: Sequence[tuple[int, bytes]] = ()
    req: int = 0
    data_rep: int = 0
    credential: Credential | None = None

    def find(self, buffer_type: int) -> bytes | None:
        """The first input buffer of *buffer_type*, or None."""
        for t, data in self.buffers:
            if t == buffer_type:
                return data
        return None


@dataclass(slots=True)
class StepOutput:
    """What a handshake leg produced.

    ``status`` is the success status to return (SEC_E_OK, SEC_I_CONTINUE_NEEDED,
    SEC_I_COMPLETE_NEEDED, SEC_I_COMPLETE_AND_CONTINUE, SEC_I_INCOMPLETE_CREDENTIALS,
    or SEC_E_INCOMPLETE_MESSAGE with ``missing`` bytes). ``token`` goes to the output
    SECBUFFER_TOKEN (it may be non-empty with SEC_E_OK). ``flags`` are the ISC_RET /
    ASC_RET bits granted (the dispatcher adds ALLOCATED_MEMORY). ``extra`` counts the
    trailing input bytes not consumed (reported as SECBUFFER_EXTRA). ``expiry`` is a
    FILETIME, or None to keep the context's current expiry.
    """

    status: SecurityStatus = SecurityStatus.SEC_E_OK
    token: bytes = b""
    flags: int = 0
    extra: int = 0
    missing: int = 0
    alert: bytes = b""
    expiry: int | None = None


class Credential:
    """A credential a package acquired. Subclass per package; never put secrets in repr."""

    use: int = 0
    expiry: int = TIMESTAMP_NEVER
    #: The name QueryCredentialsAttributes(SECPKG_CRED_ATTR_NAMES) reports.
    principal: str = ""

    def query(self, attribute: int) -> object:
        """Return the structure for a credential attribute (raise SspiError if unsupported)."""
        raise SspiError(SecurityStatus.SEC_E_UNSUPPORTED_FUNCTION, f"credential attribute {attribute}")

    def set_attribute(self, attribute: int, value: Any) -> SecurityStatus:
        """SetCredentialsAttributes: change a setting of the credential."""
        return SecurityStatus.SEC_E_UNSUPPORTED_FUNCTION

    def release(self) -> None:
        """FreeCredentialsHandle: drop anything the credential holds."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(use={self.use}, principal={self.principal!r})"


class PackageContext:
    """One side of one security context, as a package implements it.

    The dispatcher calls :meth:`step` for every ISC/ASC leg. After the context is
    complete, a further ISC/ASC call re-authenticates with a fresh context from the
    package when ``reauthenticate`` is True; otherwise it reaches :meth:`step` again
    (e.g. Schannel post-handshake messages, or a package that answers with an error).
    """

    reauthenticate: bool = True

    def step(self, inp: StepInput) -> StepOutput:
        """Run one handshake leg."""
        raise NotImplementedError

    def export(self) -> bytes:
        """ExportSecurityContext: the context's state as bytes the package's ``import_context`` takes back.

        A package that can move contexts defines both; the bytes may hold session keys.
        """
        raise SspiError(SecurityStatus.SEC_E_UNSUPPORTED_FUNCTION, "this package cannot export contexts")

    def complete_auth_token(self, buffers: list[SecBuffer]) -> SecurityStatus:
        """CompleteAuthToken: finish a token after SEC_I_COMPLETE_NEEDED."""
        return SecurityStatus.SEC_E_OK

    def query(self, attribute: int) -> object:
        """Return the structure for a context attribute (raise SspiError if unsupported)."""
        raise SspiError(SecurityStatus.SEC_E_UNSUPPORTED_FUNCTION, f"context attribute {attribute}")

    def set_attribute(self, attribute: int, value: Any) -> SecurityStatus:
        """SetContextAttributes."""
        return SecurityStatus.SEC_E_UNSUPPORTED_FUNCTION

    def make_signature(self, qop: int, message: list[SecBuffer], seqno: int) -> SecurityStatus:
        """Sign DATA buffers into the TOKEN buffer, in place."""
        return SecurityStatus.SEC_E_UNSUPPORTED_FUNCTION

    def verify_signature(self, message: list[SecBuffer], seqno: int) -> tuple[SecurityStatus, int]:
        """Check the TOKEN signature over the DATA buffers; return (status, qop)."""
        return SecurityStatus.SEC_E_UNSUPPORTED_FUNCTION, 0

    def encrypt(self, qop: int, message: list[SecBuffer], seqno: int) -> SecurityStatus:
        """Seal DATA buffers in place, writing TOKEN / PADDING / STREAM_* buffers."""
        return SecurityStatus.SEC_E_UNSUPPORTED_FUNCTION

    def decrypt(self, message: list[SecBuffer], seqno: int) -> tuple[SecurityStatus, int]:
        """Unseal in place; return (status, qop)."""
        return SecurityStatus.SEC_E_UNSUPPORTED_FUNCTION, 0

    def apply_control(self, token: bytes) -> SecurityStatus:
        """ApplyControlToken (e.g. SCHANNEL_SHUTDOWN)."""
        return SecurityStatus.SEC_E_UNSUPPORTED_FUNCTION

    def release(self) -> None:
        """DeleteSecurityContext (or replacement on re-authentication): drop held state."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


@dataclass
class DemoProfile:
    """How ``sspi-emu demo`` runs a package on the built-in default.

    A package may define ``demo_profile()`` returning one profile or a list of them;
    without one the demo uses a password identity for user ``alice`` in domain ``DEMO``
    (password ``Passw0rd!``) and a memory account store holding that account.
    ``client_buffers`` / ``server_buffers`` are extra input buffers for every leg;
    ``server_first`` starts with the server (HTTP Digest challenges); ``wrap`` runs an
    EncryptMessage / DecryptMessage round trip afterwards.
    """

    name: str = ""

    client_auth_data: object = None
    server_auth_data: object = None
    target: str | None = "host/demo.example"
    client_req: int = 0
    server_req: int = 0
    client_buffers: Sequence[tuple[int, bytes]] = ()
    server_buffers: Sequence[tuple[int, bytes]] = ()
    server_first: bool = False
    wrap: bool = True
    note: str = ""


class SecurityPackage(Protocol):
    """A security package: its description and its three factories."""

    info: SecPkgInfo
    #: Other names the package answers to (case-insensitive), e.g. "Digest".
    aliases: tuple[str, ...]

    def acquire_credentials(
        self, principal: str | None, use: int, logon_id: object, auth_data: object
    ) -> Credential:
        """AcquireCredentialsHandle. Raise SspiError (e.g. SEC_E_NO_CREDENTIALS) on failure."""
        ...

    def client_context(self, cred: Credential, target: str | None, req: int, data_rep: int) -> PackageContext:
        """A new client (initiator) context; raise SspiError for a bad target or flags."""
        ...

    def server_context(self, cred: Credential, req: int, data_rep: int) -> PackageContext:
        """A new server (acceptor) context; raise SspiError for bad flags."""
        ...

