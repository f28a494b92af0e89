"""Object identifiers of the GSS-API mechanisms SPNEGO negotiates between."""

from __future__ import annotations

#: SPNEGO itself (RFC 4178): the thisMech of the GSS-API initial context token.
SPNEGO = "1.3.6.1.5.5.2"
#: NTLM Security Support Provider (MS-NLMP).
NTLMSSP = "1.3.6.1.4.1.311.2.2.10"
#: Kerberos V5 (RFC 4121).
KRB5 = "1.2.840.113554.1.2.2"
#: The Kerberos OID as old Windows versions mis-encoded it; Windows still offers it first.
MS_KRB5 = "1.2.840.48018.1.2.2"
#: Kerberos user-to-user (RFC 4121 section 4.1 / draft-swift-win2k-krb-user2user).
KRB5_U2U = "1.2.840.113554.1.2.2.3"
#: NEGOEX (MS-NEGOEX); recognised, never chosen.
NEGOEX = "1.3.6.1.4.1.311.2.2.30"

#: Security package name for each mechanism OID Negotiate can drive.
PACKAGE_FOR_OID: dict[str, str] = {
    MS_KRB5: "Kerberos",
    KRB5: "Kerberos",
    NTLMSSP: "NTLM",
}

#: The OIDs a client offers for each package, in the order Windows lists them.
OIDS_FOR_PACKAGE: dict[str, tuple[str, ...]] = {
    "Kerberos": (MS_KRB5, KRB5),
    "NTLM": (NTLMSSP,),
}

#: Readable names, for logs and ``sspi-emu decode``.
NAMES: dict[str, str] = {
    SPNEGO: "SPNEGO",
    NTLMSSP: "NTLMSSP",
    KRB5: "Kerberos 5",
    MS_KRB5: "MS Kerberos 5",
    KRB5_U2U: "Kerberos 5 user-to-user",
    NEGOEX: "NEGOEX",
}
