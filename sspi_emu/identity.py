"""Password credentials passed as ``pAuthData`` (``SEC_WINNT_AUTH_IDENTITY``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .constants import SEC_WINNT_AUTH_IDENTITY_UNICODE


@dataclass
class SEC_WINNT_AUTH_IDENTITY:
    """User, domain and password for AcquireCredentialsHandle.

    Extension: ``NtHash`` (16 bytes) may stand in for ``Password`` for packages that can
    use it (NTLM). ``PackageList`` restricts Negotiate (``"NTLM,!Kerberos"`` style, as
    ``SEC_WINNT_AUTH_IDENTITY_EX``). Secrets are kept out of repr.
    """

    User: str | None = None
    Domain: str | None = None
    Password: str | None = field(default=None, repr=False)
    Flags: int = SEC_WINNT_AUTH_IDENTITY_UNICODE
    NtHash: bytes | None = field(default=None, repr=False)
    PackageList: str | None = None

    @property
    def is_anonymous(self) -> bool:
        """True for the empty identity (anonymous / NULL session)."""
        return not self.User and not self.Domain and not self.Password and not self.NtHash


SEC_WINNT_AUTH_IDENTITY_W = SEC_WINNT_AUTH_IDENTITY
SEC_WINNT_AUTH_IDENTITY_EX = SEC_WINNT_AUTH_IDENTITY
