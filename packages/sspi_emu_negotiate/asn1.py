"""The SPNEGO ASN.1 types (RFC 4178 section 4.2, MS-SPNG 2.2.1 NegTokenInit2) as pyasn1 schemas.

The module is ``DEFINITIONS EXPLICIT TAGS``: every context tag wraps its component.
Only schemas live here; :mod:`sspi_emu_negotiate.tokens` turns them into plain values.
"""

from __future__ import annotations

from pyasn1.type import char, namedtype, namedval, tag, univ


def _ctx(n: int) -> tag.Tag:
    return tag.Tag(tag.tagClassContext, tag.tagFormatConstructed, n)


class MechTypeList(univ.SequenceOf):  # type: ignore[misc]
    """MechTypeList ::= SEQUENCE OF MechType (OBJECT IDENTIFIER)."""

    componentType = univ.ObjectIdentifier()


class ContextFlags(univ.BitString):  # type: ignore[misc]
    """ContextFlags ::= BIT STRING (delegFlag(0) .. integFlag(6))."""

    namedValues = namedval.NamedValues(
        ("delegFlag", 0),
        ("mutualFlag", 1),
        ("replayFlag", 2),
        ("sequenceFlag", 3),
        ("anonFlag", 4),
        ("confFlag", 5),
        ("integFlag", 6),
    )


class NegState(univ.Enumerated):  # type: ignore[misc]
    """negState ::= ENUMERATED { accept-completed(0), accept-incomplete(1), reject(2), request-mic(3) }."""

    namedValues = namedval.NamedValues(
        ("accept-completed", 0),
        ("accept-incomplete", 1),
        ("reject", 2),
        ("request-mic", 3),
    )


class NegHints(univ.Sequence):  # type: ignore[misc]
    """NegHints ::= SEQUENCE { hintName [0] GeneralString OPTIONAL, hintAddress [1] OCTET STRING OPTIONAL }."""

    componentType = namedtype.NamedTypes(
        namedtype.OptionalNamedType("hintName", char.GeneralString().subtype(explicitTag=_ctx(0))),
        namedtype.OptionalNamedType("hintAddress", univ.OctetString().subtype(explicitTag=_ctx(1))),
    )


class NegTokenInit(univ.Sequence):  # type: ignore[misc]
    """NegTokenInit (RFC 4178): mechTypes [0], reqFlags [1], mechToken [2], mechListMIC [3]."""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("mechTypes", MechTypeList().subtype(explicitTag=_ctx(0))),
        namedtype.OptionalNamedType("reqFlags", ContextFlags().subtype(explicitTag=_ctx(1))),
        namedtype.OptionalNamedType("mechToken", univ.OctetString().subtype(explicitTag=_ctx(2))),
        namedtype.OptionalNamedType("mechListMIC", univ.OctetString().subtype(explicitTag=_ctx(3))),
    )


class NegTokenInit2(univ.Sequence):  # type: ignore[misc]
    """NegTokenInit2 (MS-SPNG 2.2.1): as NegTokenInit with negHints [3]; mechListMIC moves to [4]."""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("mechTypes", MechTypeList().subtype(explicitTag=_ctx(0))),
        namedtype.OptionalNamedType("reqFlags", ContextFlags().subtype(explicitTag=_ctx(1))),
        namedtype.OptionalNamedType("mechToken", univ.OctetString().subtype(explicitTag=_ctx(2))),
        namedtype.OptionalNamedType("negHints", NegHints().subtype(explicitTag=_ctx(3))),
        namedtype.OptionalNamedType("mechListMIC", univ.OctetString().subtype(explicitTag=_ctx(4))),
    )


class NegTokenResp(univ.Sequence):  # type: ignore[misc]
    """NegTokenResp: negState [0], supportedMech [1], responseToken [2], mechListMIC [3]."""

    componentType = namedtype.NamedTypes(
        namedtype.OptionalNamedType("negState", NegState().subtype(explicitTag=_ctx(0))),
        namedtype.OptionalNamedType("supportedMech", univ.ObjectIdentifier().subtype(explicitTag=_ctx(1))),
        namedtype.OptionalNamedType("responseToken", univ.OctetString().subtype(explicitTag=_ctx(2))),
        namedtype.OptionalNamedType("mechListMIC", univ.OctetString().subtype(explicitTag=_ctx(3))),
    )


class NegotiationToken(univ.Choice):  # type: ignore[misc]
    """NegotiationToken ::= CHOICE { negTokenInit [0], negTokenResp [1] } (Init read as NegTokenInit2 first)."""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("negTokenInit", NegTokenInit2().subtype(explicitTag=_ctx(0))),
        namedtype.NamedType("negTokenResp", NegTokenResp().subtype(explicitTag=_ctx(1))),
    )


class NegotiationTokenInit1(univ.Choice):  # type: ignore[misc]
    """The same CHOICE with the RFC 4178 NegTokenInit (mechListMIC at [3]), for the fallback parse."""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("negTokenInit", NegTokenInit().subtype(explicitTag=_ctx(0))),
        namedtype.NamedType("negTokenResp", NegTokenResp().subtype(explicitTag=_ctx(1))),
    )
