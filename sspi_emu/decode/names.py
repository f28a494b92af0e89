"""Published names for numbers: OIDs, Kerberos encryption and name types, error codes."""

from __future__ import annotations

#: Object identifiers seen in SPNEGO / Kerberos / NTLM tokens.
OIDS = {
    "1.3.6.1.5.5.2": "SPNEGO (RFC 4178)",
    "1.2.840.113554.1.2.2": "Kerberos 5 (RFC 4121)",
    "1.2.840.48018.1.2.2": "Kerberos 5 (Microsoft legacy OID)",
    "1.2.840.113554.1.2.2.3": "Kerberos 5 user-to-user",
    "1.3.6.1.5.2.5": "IAKERB",
    "1.3.6.1.4.1.311.2.2.10": "NTLM (NTLMSSP)",
    "1.3.6.1.4.1.311.2.2.30": "NEGOEX",
    "1.3.6.1.5.5.14": "SPKM-3? (unused)",
    "1.2.752.43.14.2": "Netlogon",
    "1.3.6.1.4.1.311.10.3.3": "Microsoft SGC",
}

#: Kerberos encryption types (RFC 3961 / 3962 / 8009 / 4757).
ETYPES = {
    1: "des-cbc-crc", 3: "des-cbc-md5", 16: "des3-cbc-sha1-kd", 17: "aes128-cts-hmac-sha1-96",
    18: "aes256-cts-hmac-sha1-96", 19: "aes128-cts-hmac-sha256-128", 20: "aes256-cts-hmac-sha384-192",
    23: "rc4-hmac", 24: "rc4-hmac-exp", 25: "camellia128-cts-cmac", 26: "camellia256-cts-cmac",
}

#: Kerberos principal name types (RFC 4120 6.2).
NAME_TYPES = {
    0: "NT-UNKNOWN", 1: "NT-PRINCIPAL", 2: "NT-SRV-INST", 3: "NT-SRV-HST", 4: "NT-SRV-XHST", 5: "NT-UID",
    6: "NT-X500-PRINCIPAL", 7: "NT-SMTP-NAME", 10: "NT-ENTERPRISE", 11: "NT-WELLKNOWN",
}

#: Kerberos message types (RFC 4120 application tags).
KRB_MESSAGES = {
    10: "AS-REQ", 11: "AS-REP", 12: "TGS-REQ", 13: "TGS-REP", 14: "AP-REQ", 15: "AP-REP",
    20: "KRB-SAFE", 21: "KRB-PRIV", 22: "KRB-CRED", 30: "KRB-ERROR",
}

#: A few Kerberos error codes (RFC 4120 7.5.9).
KRB_ERRORS = {
    6: "KDC_ERR_C_PRINCIPAL_UNKNOWN", 7: "KDC_ERR_S_PRINCIPAL_UNKNOWN", 14: "KDC_ERR_ETYPE_NOSUPP",
    18: "KDC_ERR_CLIENT_REVOKED", 23: "KDC_ERR_KEY_EXPIRED", 24: "KDC_ERR_PREAUTH_FAILED",
    25: "KDC_ERR_PREAUTH_REQUIRED", 31: "KRB_AP_ERR_BAD_INTEGRITY", 32: "KRB_AP_ERR_TKT_EXPIRED",
    34: "KRB_AP_ERR_REPEAT", 37: "KRB_AP_ERR_SKEW", 41: "KRB_AP_ERR_MODIFIED", 60: "KRB_ERR_GENERIC",
    68: "KDC_ERR_WRONG_REALM",
}
