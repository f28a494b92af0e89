"""The NTLM package description, as Windows reports it."""

from __future__ import annotations

from sspi_emu.attributes import SecPkgInfo

__all__ = ["MAX_TOKEN", "NTLM_CAPABILITIES", "NTLM_INFO", "NTLM_RPCID"]

#: SECPKG_FLAG_INTEGRITY | PRIVACY | TOKEN_ONLY | CONNECTION | MULTI_REQUIRED | IMPERSONATION
#: | ACCEPT_WIN32_NAME | NEGOTIABLE | LOGON | RESTRICTED_TOKENS (0x00082B37, as Windows lists NTLM).
NTLM_CAPABILITIES = 0x00082B37
NTLM_RPCID = 10  # RPC_C_AUTHN_WINNT
MAX_TOKEN = 0xB48  # 2888

NTLM_INFO = SecPkgInfo(
    fCapabilities=NTLM_CAPABILITIES,
    wVersion=1,
    wRPCID=NTLM_RPCID,
    cbMaxToken=MAX_TOKEN,
    Name="NTLM",
    Comment="NTLM Security Package",
)
