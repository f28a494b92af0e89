"""Per-credential NTLM configuration: passed as (or next to) AcquireCredentialsHandle auth data."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field

from sspi_emu.accounts import AccountStore
from sspi_emu.identity import SEC_WINNT_AUTH_IDENTITY

from .version import Version

__all__ = [
    "CB_ALWAYS",
    "CB_NEVER",
    "CB_WHEN_SUPPORTED",
    "DEFAULT_VERSION",
    "ENV_LM_COMPAT_LEVEL",
    "NtlmSettings",
    "computer_name",
    "lm_compat_level",
]

#: Environment variable with the default LmCompatibilityLevel (0-5).
ENV_LM_COMPAT_LEVEL = "SSPI_EMU_LM_COMPAT_LEVEL"
#: Server channel-binding policies (IIS Extended Protection None / Accept / Required).
CB_NEVER = "never"
CB_WHEN_SUPPORTED = "when-supported"
CB_ALWAYS = "always"
_CB_POLICIES = (CB_NEVER, CB_WHEN_SUPPORTED, CB_ALWAYS)
#: Windows Server 2022 (10.0.20348), NTLM revision 15.
DEFAULT_VERSION = Version(10, 0, 20348, 15)


def computer_name() -> str:
    """The NetBIOS-style name of this host (``SSPI_EMU_COMPUTER_NAME`` overrides it)."""
    name = os.environ.get("SSPI_EMU_COMPUTER_NAME") or platform.node().split(".")[0] or "localhost"
    return name.upper()[:15]


def lm_compat_level(configured: int | None, server: bool) -> int:
    """The effective LmCompatibilityLevel: configured, else the environment, else 3 (client) / 5 (server)."""
    if configured is not None:
        level = configured
    else:
        raw = os.environ.get(ENV_LM_COMPAT_LEVEL, "").strip()
        level = int(raw) if raw.isdigit() else (5 if server else 3)
    return min(max(level, 0), 5)


@dataclass
class NtlmSettings:
    """NTLM options for one credential. Pass it as ``pAuthData`` (or wrap an identity / store in it).

    Client fields: ``identity`` (else the default client identity), ``workstation``.
    Server fields: ``accounts`` (else :func:`sspi_emu.accounts.default_store`),
    ``allow_anonymous``, ``channel_bindings`` policy, the names put in the CHALLENGE.
    ``negotiate_flags`` / ``challenge_flags`` / ``authenticate_flags`` force exact flag
    values (replaying a recorded or published exchange); leave them None otherwise.
    """

    identity: SEC_WINNT_AUTH_IDENTITY | None = None
    accounts: AccountStore | None = None
    lm_compat_level: int | None = None
    workstation: str | None = None
    version: Version | None = DEFAULT_VERSION
    allow_anonymous: bool = False
    channel_bindings: str = CB_WHEN_SUPPORTED
    target_name: str | None = None
    nb_computer_name: str | None = None
    nb_domain_name: str | None = None
    dns_computer_name: str | None = None
    dns_domain_name: str | None = None
    dns_tree_name: str | None = None
    #: Exact (AvId, value) pairs for the CHALLENGE TargetInfo, replacing the names above.
    target_info: list[tuple[int, bytes]] | None = None
    send_timestamp: bool = True
    #: Server: SPNs this service answers to (EPA service binding). When set, a client's
    #: MsvAvTargetName must be one of them (case-insensitive), else SEC_E_BAD_BINDINGS;
    #: with ``channel_bindings="always"`` a missing target name is refused too.
    accepted_spns: tuple[str, ...] | None = None
    negotiate_flags: int | None = None
    challenge_flags: int | None = None
    authenticate_flags: int | None = None
    extra: dict[str, object] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.channel_bindings not in _CB_POLICIES:
            raise ValueError(f"channel_bindings must be one of {_CB_POLICIES}")
        if self.lm_compat_level is not None and not 0 <= self.lm_compat_level <= 5:
            raise ValueError("lm_compat_level must be 0..5")
