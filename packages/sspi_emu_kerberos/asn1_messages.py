"""pyasn1 specifications of the RFC 4120 messages: tickets, KDC exchanges, AP exchange, KRB-ERROR, pre-auth."""

from __future__ import annotations

from pyasn1.type import namedtype, univ

from .asn1_base import (
    AuthorizationData,
    Checksum,
    EncryptedData,
    EncryptionKey,
    HostAddress,
    HostAddresses,
    Int32,
    KerberosFlags,
    KerberosString,
    KerberosTime,
    MethodData,
    PaData,
    PrincipalName,
    app_tag,
    opt,
    req,
)

__all__ = [
    "ApRep",
    "ApReq",
    "AsRep",
    "AsReq",
    "Authenticator",
    "EncApRepPart",
    "EncAsRepPart",
    "EncTgsRepPart",
    "EncTicketPart",
    "EtypeInfo2",
    "KrbError",
    "MethodData",
    "PaEncTsEnc",
    "TgsRep",
    "TgsReq",
    "Ticket",
]


class Ticket(univ.Sequence):  # type: ignore[misc]
    tagSet = univ.Sequence.tagSet.tagExplicitly(app_tag(1))
    componentType = namedtype.NamedTypes(
        req("tkt-vno", 0, Int32()),
        req("realm", 1, KerberosString()),
        req("sname", 2, PrincipalName()),
        req("enc-part", 3, EncryptedData()),
    )


class TransitedEncoding(univ.Sequence):  # type: ignore[misc]
    componentType = namedtype.NamedTypes(
        req("tr-type", 0, Int32()),
        req("contents", 1, univ.OctetString()),
    )


class EncTicketPart(univ.Sequence):  # type: ignore[misc]
    tagSet = univ.Sequence.tagSet.tagExplicitly(app_tag(3))
    componentType = namedtype.NamedTypes(
        req("flags", 0, KerberosFlags()),
        req("key", 1, EncryptionKey()),
        req("crealm", 2, KerberosString()),
        req("cname", 3, PrincipalName()),
        req("transited", 4, TransitedEncoding()),
        req("authtime", 5, KerberosTime()),
        opt("starttime", 6, KerberosTime()),
        req("endtime", 7, KerberosTime()),
        opt("renew-till", 8, KerberosTime()),
        opt("caddr", 9, HostAddresses()),
        opt("authorization-data", 10, AuthorizationData()),
    )


class KdcReqBody(univ.Sequence):  # type: ignore[misc]
    componentType = namedtype.NamedTypes(
        req("kdc-options", 0, KerberosFlags()),
        opt("cname", 1, PrincipalName()),
        req("realm", 2, KerberosString()),
        opt("sname", 3, PrincipalName()),
        opt("from", 4, KerberosTime()),
        req("till", 5, KerberosTime()),
        opt("rtime", 6, KerberosTime()),
        req("nonce", 7, Int32()),
        req("etype", 8, univ.SequenceOf(componentType=Int32())),
        opt("addresses", 9, HostAddresses()),
        opt("enc-authorization-data", 10, EncryptedData()),
        opt("additional-tickets", 11, univ.SequenceOf(componentType=Ticket())),
    )


def _kdc_req_types() -> namedtype.NamedTypes:
    return namedtype.NamedTypes(
        req("pvno", 1, Int32()),
        req("msg-type", 2, Int32()),
        opt("padata", 3, MethodData()),
        req("req-body", 4, KdcReqBody()),
    )


class AsReq(univ.Sequence):  # type: ignore[misc]
    tagSet = univ.Sequence.tagSet.tagExplicitly(app_tag(10))
    componentType = _kdc_req_types()


class TgsReq(univ.Sequence):  # type: ignore[misc]
    tagSet = univ.Sequence.tagSet.tagExplicitly(app_tag(12))
    componentType = _kdc_req_types()


def _kdc_rep_types() -> namedtype.NamedTypes:
    return namedtype.NamedTypes(
        req("pvno", 0, Int32()),
        req("msg-type", 1, Int32()),
        opt("padata", 2, MethodData()),
        req("crealm", 3, KerberosString()),
        req("cname", 4, PrincipalName()),
        req("ticket", 5, Ticket()),
        req("enc-part", 6, EncryptedData()),
    )


class AsRep(univ.Sequence):  # type: ignore[misc]
    tagSet = univ.Sequence.tagSet.tagExplicitly(app_tag(11))
    componentType = _kdc_rep_types()


class TgsRep(univ.Sequence):  # type: ignore[misc]
    tagSet = univ.Sequence.tagSet.tagExplicitly(app_tag(13))
    componentType = _kdc_rep_types()


class LastReqEntry(univ.Sequence):  # type: ignore[misc]
    componentType = namedtype.NamedTypes(
        req("lr-type", 0, Int32()),
        req("lr-value", 1, KerberosTime()),
    )


def _enc_kdc_rep_types() -> namedtype.NamedTypes:
    return namedtype.NamedTypes(
        req("key", 0, EncryptionKey()),
        req("last-req", 1, univ.SequenceOf(componentType=LastReqEntry())),
        req("nonce", 2, Int32()),
        opt("key-expiration", 3, KerberosTime()),
        req("flags", 4, KerberosFlags()),
        req("authtime", 5, KerberosTime()),
        opt("starttime", 6, KerberosTime()),
        req("endtime", 7, KerberosTime()),
        opt("renew-till", 8, KerberosTime()),
        req("srealm", 9, KerberosString()),
        req("sname", 10, PrincipalName()),
        opt("caddr", 11, HostAddresses()),
        opt("encrypted-pa-data", 12, MethodData()),
    )


class EncAsRepPart(univ.Sequence):  # type: ignore[misc]
    tagSet = univ.Sequence.tagSet.tagExplicitly(app_tag(25))
    componentType = _enc_kdc_rep_types()


class EncTgsRepPart(univ.Sequence):  # type: ignore[misc]
    tagSet = univ.Sequence.tagSet.tagExplicitly(app_tag(26))
    componentType = _enc_kdc_rep_types()


class ApReq(univ.Sequence):  # type: ignore[misc]
    tagSet = univ.Sequence.tagSet.tagExplicitly(app_tag(14))
    componentType = namedtype.NamedTypes(
        req("pvno", 0, Int32()),
        req("msg-type", 1, Int32()),
        req("ap-options", 2, KerberosFlags()),
        req("ticket", 3, Ticket()),
        req("authenticator", 4, EncryptedData()),
    )


class Authenticator(univ.Sequence):  # type: ignore[misc]
    tagSet = univ.Sequence.tagSet.tagExplicitly(app_tag(2))
    componentType = namedtype.NamedTypes(
        req("authenticator-vno", 0, Int32()),
        req("crealm", 1, KerberosString()),
        req("cname", 2, PrincipalName()),
        opt("cksum", 3, Checksum()),
        req("cusec", 4, Int32()),
        req("ctime", 5, KerberosTime()),
        opt("subkey", 6, EncryptionKey()),
        opt("seq-number", 7, Int32()),
        opt("authorization-data", 8, AuthorizationData()),
    )


class ApRep(univ.Sequence):  # type: ignore[misc]
    tagSet = univ.Sequence.tagSet.tagExplicitly(app_tag(15))
    componentType = namedtype.NamedTypes(
        req("pvno", 0, Int32()),
        req("msg-type", 1, Int32()),
        req("enc-part", 2, EncryptedData()),
    )


class EncApRepPart(univ.Sequence):  # type: ignore[misc]
    tagSet = univ.Sequence.tagSet.tagExplicitly(app_tag(27))
    componentType = namedtype.NamedTypes(
        req("ctime", 0, KerberosTime()),
        req("cusec", 1, Int32()),
        opt("subkey", 2, EncryptionKey()),
        opt("seq-number", 3, Int32()),
    )


class KrbError(univ.Sequence):  # type: ignore[misc]
    tagSet = univ.Sequence.tagSet.tagExplicitly(app_tag(30))
    componentType = namedtype.NamedTypes(
        req("pvno", 0, Int32()),
        req("msg-type", 1, Int32()),
        opt("ctime", 2, KerberosTime()),
        opt("cusec", 3, Int32()),
        req("stime", 4, KerberosTime()),
        req("susec", 5, Int32()),
        req("error-code", 6, Int32()),
        opt("crealm", 7, KerberosString()),
        opt("cname", 8, PrincipalName()),
        req("realm", 9, KerberosString()),
        req("sname", 10, PrincipalName()),
        opt("e-text", 11, KerberosString()),
        opt("e-data", 12, univ.OctetString()),
    )


class PaEncTsEnc(univ.Sequence):  # type: ignore[misc]
    componentType = namedtype.NamedTypes(
        req("patimestamp", 0, KerberosTime()),
        opt("pausec", 1, Int32()),
    )


class EtypeInfo2Entry(univ.Sequence):  # type: ignore[misc]
    componentType = namedtype.NamedTypes(
        req("etype", 0, Int32()),
        opt("salt", 1, KerberosString()),
        opt("s2kparams", 2, univ.OctetString()),
    )


class EtypeInfo2(univ.SequenceOf):  # type: ignore[misc]
    componentType = EtypeInfo2Entry()


class KrbCredInfo(univ.Sequence):  # type: ignore[misc]
    componentType = namedtype.NamedTypes(
        req("key", 0, EncryptionKey()),
        opt("prealm", 1, KerberosString()),
        opt("pname", 2, PrincipalName()),
        opt("flags", 3, KerberosFlags()),
        opt("authtime", 4, KerberosTime()),
        opt("starttime", 5, KerberosTime()),
        opt("endtime", 6, KerberosTime()),
        opt("renew-till", 7, KerberosTime()),
        opt("srealm", 8, KerberosString()),
        opt("sname", 9, PrincipalName()),
        opt("caddr", 10, HostAddresses()),
    )


class EncKrbCredPart(univ.Sequence):  # type: ignore[misc]
    tagSet = univ.Sequence.tagSet.tagExplicitly(app_tag(29))
    componentType = namedtype.NamedTypes(
        req("ticket-info", 0, univ.SequenceOf(componentType=KrbCredInfo())),
        opt("nonce", 1, Int32()),
        opt("timestamp", 2, KerberosTime()),
        opt("usec", 3, Int32()),
        opt("s-address", 4, HostAddress()),
        opt("r-address", 5, HostAddress()),
    )


class KrbCred(univ.Sequence):  # type: ignore[misc]
    tagSet = univ.Sequence.tagSet.tagExplicitly(app_tag(22))
    componentType = namedtype.NamedTypes(
        req("pvno", 0, Int32()),
        req("msg-type", 1, Int32()),
        req("tickets", 2, univ.SequenceOf(componentType=Ticket())),
        req("enc-part", 3, EncryptedData()),
    )


class KerbTgtRequest(univ.Sequence):  # type: ignore[misc]
    """KERB-TGT-REQUEST (draft-swift-win2k-krb-user2user)."""

    componentType = namedtype.NamedTypes(
        req("pvno", 0, Int32()),
        req("msg-type", 1, Int32()),
        opt("server-name", 2, PrincipalName()),
        opt("realm", 3, KerberosString()),
    )


class KerbTgtReply(univ.Sequence):  # type: ignore[misc]
    """KERB-TGT-REPLY (draft-swift-win2k-krb-user2user)."""

    componentType = namedtype.NamedTypes(
        req("pvno", 0, Int32()),
        req("msg-type", 1, Int32()),
        req("ticket", 2, Ticket()),
    )


__all__ += ["EncKrbCredPart", "KdcReqBody", "KerbTgtReply", "KerbTgtRequest", "KrbCred", "KrbCredInfo", "PaData"]
