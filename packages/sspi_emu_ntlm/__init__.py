"""NTLM security package for sspi-emu (MS-NLMP): client and server, sign and seal.

The entry point ``sspi_emu_ntlm:package`` registers it as ``NTLM`` (RPC id 10, max token
2888). What it does:

* NTLMv2 with extended session security, KEY_EXCH, 128-bit keys and a MIC whenever the
  CHALLENGE carries a timestamp; ``MsvAvTargetName`` is the SPN given as pszTargetName and
  ``MsvAvChannelBindings`` the MD5 of a ``SECBUFFER_CHANNEL_BINDINGS`` input;
* NTLMv1 (with or without extended session security) and LM responses only as
  LmCompatibilityLevel allows (``NtlmSettings.lm_compat_level`` or
  ``SSPI_EMU_LM_COMPAT_LEVEL``; 3 for clients, 5 - v1/LM refused - for servers);
* a server that checks responses against an account store (a ``DOMAIN:USER:PASSWORD``
  file, :class:`sspi_emu.accounts.MemoryAccountStore`, ...): wrong password or unknown user
  give ``SEC_E_LOGON_DENIED``, an altered handshake (MIC) ``SEC_E_LOGON_DENIED``, a
  malformed message ``SEC_E_INVALID_TOKEN``, a channel-binding mismatch ``SEC_E_BAD_BINDINGS``
  (policy never / when-supported / always; ``accepted_spns`` adds the EPA service-binding
  check of ``MsvAvTargetName``);
* anonymous logons (client: an empty ``SEC_WINNT_AUTH_IDENTITY``; server: only with
  ``NtlmSettings(allow_anonymous=True)``);
* MakeSignature / VerifySignature / EncryptMessage / DecryptMessage with TOKEN, DATA,
  READONLY(_WITH_CHECKSUM) DATA, PADDING and STREAM buffers, ``SECQOP_WRAP_NO_ENCRYPT``
  (signature only, data left in clear; DecryptMessage reports the QOP), per-direction
  sequence numbers (``SEC_E_OUT_OF_SEQUENCE``; ``MessageSeqNo`` is not used, as NTLM keeps
  its own counters) and ``SEC_E_MESSAGE_ALTERED``.
* Connectionless (datagram) NTLM with ``ISC_REQ_DATAGRAM`` / ``ASC_REQ_DATAGRAM`` (MS-NLMP
  3.1.5.2 / 3.2.5.2): no NEGOTIATE, the server's first call produces the CHALLENGE, and every
  message is keyed for its own ``MessageSeqNo`` (RC4 keyed MD5(SealingKey || SeqNum)).

Credential auth data: a ``SEC_WINNT_AUTH_IDENTITY`` (password or ``NtHash``; user as
``user``, ``DOMAIN\\user`` or ``user@REALM``), an account store (servers), or an
:class:`NtlmSettings` holding either plus options. Without auth data a client uses
:func:`sspi_emu.accounts.default_client_identity` and a server
:func:`sspi_emu.accounts.default_store`.
"""

from __future__ import annotations

from .package import NtlmPackage
from .settings import CB_ALWAYS, CB_NEVER, CB_WHEN_SUPPORTED, NtlmSettings
from .version import Version

__all__ = ["CB_ALWAYS", "CB_NEVER", "CB_WHEN_SUPPORTED", "NtlmPackage", "NtlmSettings", "Version", "package"]

package = NtlmPackage()
