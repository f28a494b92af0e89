"""pyasn1 specifications of the RFC 4120 section 5.2 building blocks."""

from __future__ import annotations

from pyasn1.type import char, namedtype, tag, univ, useful

__all__ = [
    "AuthorizationData",
    "Checksum",
    "EncryptedData",
    "EncryptionKey",
    "HostAddress",
    "HostAddresses",
    "Int32",
    "KerberosFlags",
    "KerberosString",
    "KerberosTime",
    "PaData",
    "PrincipalName",
    "app_tag",
    "exp",
    "opt",
    "req",
]


def exp(n: int) -> tag.Tag:
    """The explicit context tag [n]."""
    return tag.Tag(tag.tagClassContext, tag.tagFormatConstructed, n)


def app_tag(n: int) -> tag.Tag:
    """The explicit application tag [APPLICATION n]."""
    return tag.Tag(tag.tagClassApplication, tag.tagFormatConstructed, n)


def req(name: str, n: int, spec: object) -> namedtype.NamedType:
    """A mandatory field ``name [n] spec``."""
    return namedtype.NamedType(name, spec.subtype(explicitTag=exp(n)))  # type: ignore[attr-defined]


def opt(name: str, n: int, spec: object) -> namedtype.OptionalNamedType:
    """An OPTIONAL field ``name [n] spec``."""
    return namedtype.OptionalNamedType(name, spec.subtype(explicitTag=exp(n)))  # type: ignore[attr-defined]


class Int32(univ.Integer):  # type: ignore[misc]
    """Int32 / UInt32 / Microseconds (ranges are checked by the users)."""


class KerberosString(char.GeneralString):  # type: ignore[misc]
    """KerberosString, decoded as UTF-8."""

    encoding = "utf-8"


class KerberosTime(useful.GeneralizedTime):  # type: ignore[misc]
    """KerberosTime (GeneralizedTime, UTC, no fraction)."""


class KerberosFlags(univ.BitString):  # type: ignore[misc]
    """KerberosFlags (a BIT STRING of at least 32 bits)."""


class PrincipalName(univ.Sequence):  # type: ignore[misc]
    componentType = namedtype.NamedTypes(
        req("name-type", 0, Int32()),
        req("name-string", 1, univ.SequenceOf(componentType=KerberosString())),
    )


class EncryptedData(univ.Sequence):  # type: ignore[misc]
    componentType = namedtype.NamedTypes(
        req("etype", 0, Int32()),
        opt("kvno", 1, Int32()),
        req("cipher", 2, univ.OctetString()),
    )


class EncryptionKey(univ.Sequence):  # type: ignore[misc]
    componentType = namedtype.NamedTypes(
        req("keytype", 0, Int32()),
        req("keyvalue", 1, univ.OctetString()),
    )


class Checksum(univ.Sequence):  # type: ignore[misc]
    componentType = namedtype.NamedTypes(
        req("cksumtype", 0, Int32()),
        req("checksum", 1, univ.OctetString()),
    )


class HostAddress(univ.Sequence):  # type: ignore[misc]
    componentType = namedtype.NamedTypes(
        req("addr-type", 0, Int32()),
        req("address", 1, univ.OctetString()),
    )


class HostAddresses(univ.SequenceOf):  # type: ignore[misc]
    componentType = HostAddress()


class AuthorizationDataEntry(univ.Sequence):  # type: ignore[misc]
    componentType = namedtype.NamedTypes(
        req("ad-type", 0, Int32()),
        req("ad-data", 1, univ.OctetString()),
    )


class AuthorizationData(univ.SequenceOf):  # type: ignore[misc]
    componentType = AuthorizationDataEntry()


class PaData(univ.Sequence):  # type: ignore[misc]
    componentType = namedtype.NamedTypes(
        req("padata-type", 1, Int32()),
        req("padata-value", 2, univ.OctetString()),
    )


class MethodData(univ.SequenceOf):  # type: ignore[misc]
    componentType = PaData()
