"""NTLM security package for sspi-emu (MS-NLMP): client and server, sign and seal.

The entry point ``sspi_emu_ntlm:package`` registers it as ``NTLM``. Pass an
:class:`NtlmSettings` (or a ``SEC_WINNT_AUTH_IDENTITY`` / account store) as the
credential's auth data to configure it.
"""

from __future__ import annotations

from .package import NtlmPackage
from .settings import CB_ALWAYS, CB_NEVER, CB_WHEN_SUPPORTED, NtlmSettings
from .version import Version

__all__ = ["CB_ALWAYS", "CB_NEVER", "CB_WHEN_SUPPORTED", "NtlmPackage", "NtlmSettings", "Version", "package"]

package = NtlmPackage()
