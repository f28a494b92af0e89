"""sspi-emu Negotiate package: SPNEGO (RFC 4178, MS-SPNG) over the other security packages.

Negotiate drives Kerberos (when a "Kerberos" package is registered and its credentials and first
token can be had) and NTLM through the public SSPI (:mod:`sspi_emu.api`), never by importing
them. ``package`` is the entry point object.

Behaviour worth knowing (Windows' where it is documented, a stated choice where it is not):

* ``SEC_WINNT_AUTH_IDENTITY.PackageList`` (``"NTLM"``, ``"!Kerberos"``, ``"Kerberos,NTLM"``)
  restricts the mechanisms; it is not passed on to the inner packages.
* A bare NTLMSSP token (or a GSS-framed Kerberos token) sent to a Negotiate server is handled
  by that package directly, and answered in its own framing.
* Called with no input, AcceptSecurityContext starts a server-initiated exchange with a
  NegTokenInit2 (hintName ``not_defined_in_RFC4178@please_ignore``).
* mechListMIC: sent when the chosen mechanism was not the initiator's first choice, when the
  peer asked (request-mic) or sent one, and for NTLM whenever the AUTHENTICATE message carries
  an NTLM MIC (MS-SPNG). With NTLM, the inner context's RC4 sealing state of each direction is
  reset right after that direction's mechListMIC (sequence numbers keep counting).
* Statuses: no mechanism in common -> SEC_E_INVALID_TOKEN (a reject NegTokenResp is still
  returned for the peer); a reject received -> SEC_E_LOGON_DENIED; a mechListMIC that does not
  verify -> SEC_E_MESSAGE_ALTERED; a supportedMech the client did not offer, or a required
  mechListMIC missing at completion -> SEC_E_INVALID_TOKEN.
* Integrity is requested from the inner package by default (as Windows Negotiate and Kerberos
  grant it); ``ISC_REQ_NO_INTEGRITY`` turns that off.
"""

from __future__ import annotations

from .package import MAX_TOKEN, RPC_ID, NegotiatePackage, package

__all__ = ["MAX_TOKEN", "RPC_ID", "NegotiatePackage", "package"]
