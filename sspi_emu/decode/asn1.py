"""Walk DER elements against small descriptions of SPNEGO / Kerberos types, building a readable tree.

A type description is a tuple whose first item is its kind:
``("seq", {tag: (field name, type)})`` a SEQUENCE of explicitly tagged fields (an
APPLICATION wrapper is allowed), ``("seqof", type)``, ``("int", names)``,
``("enum", names)``, ``("bits", names)``, ``("oid",)``, ``("str",)``, ``("octets",)``,
``("time",)``, ``("inner",)`` (an OCTET STRING holding another token), ``("either", {universal
tag: (field name, type)})`` and ``("any",)``.
"""

from __future__ import annotations

from typing import Any, Callable

from .der import MAX_DEPTH, Tlv, bit_names, children, universal_value
from .tree import DecodeError, Node, hexstr

__all__ = ["ANY", "InnerDecoder", "generic", "walk"]

ANY: tuple[Any, ...] = ("any",)
#: Decodes a token found inside another (an OCTET STRING): bytes and their absolute offset.
InnerDecoder = Callable[[bytes, int], Node]


def generic(tlv: Tlv, name: str, parent: Node, depth: int = 0) -> None:
    """Any element, shown by its tag, with its children or value."""
    if depth > MAX_DEPTH:
        raise DecodeError("nesting too deep", tlv.offset, tlv.what)
    label = f"{name} {tlv.label}" if name else tlv.label
    if tlv.constructed:
        node = parent.add(label, None, tlv.offset)
        for child in children(tlv):
            generic(child, "", node, depth + 1)
    else:
        parent.add(label, universal_value(tlv), tlv.offset)


def _expect(tlv: Tlv, number: int, name: str) -> None:
    if not tlv.is_(0, number):
        from .der import UNIVERSAL_NAMES

        raise DecodeError(f"{name}: expected {UNIVERSAL_NAMES.get(number, number)}, found {tlv.label}",
                          tlv.offset, tlv.what)


def walk(tlv: Tlv, spec: tuple[Any, ...], name: str, parent: Node, inner: InnerDecoder, depth: int = 0) -> None:
    """Add *tlv*, read as *spec*, to *parent* under *name*."""
    if depth > MAX_DEPTH:
        raise DecodeError("nesting too deep", tlv.offset, tlv.what)
    kind = spec[0]
    if kind == "any":
        generic(tlv, name, parent, depth)
    elif kind == "seq":
        seq = tlv
        if tlv.cls == 1:
            inside = children(tlv)
            if len(inside) != 1:
                raise DecodeError(f"{name}: an APPLICATION wrapper must hold one element", tlv.offset, tlv.what)
            seq = inside[0]
        _expect(seq, 16, name)
        node = parent.add(name, None, tlv.offset)
        fields: dict[int, tuple[str, tuple[Any, ...]]] = spec[1]
        for child in children(seq):
            if child.cls != 2:
                generic(child, "", node, depth + 1)
                continue
            fname, fspec = fields.get(child.number, (f"[{child.number}]", ANY))
            inside = children(child)
            if len(inside) != 1:
                raise DecodeError(f"{fname}: an explicit tag must hold one element", child.offset, tlv.what)
            walk(inside[0], fspec, fname, node, inner, depth + 1)
    elif kind == "seqof":
        _expect(tlv, 16, name)
        items = children(tlv)
        node = parent.add(name, f"{len(items)} item(s)", tlv.offset)
        for item in items:
            walk(item, spec[1], "-", node, inner, depth + 1)
    elif kind in ("int", "enum"):
        _expect(tlv, 2 if kind == "int" else 10, name)
        value = universal_value(tlv)
        names: dict[int, str] = spec[1] if len(spec) > 1 else {}
        label = names.get(int(value))
        parent.add(name, f"{value} ({label})" if label else value, tlv.offset)
    elif kind == "bits":
        _expect(tlv, 3, name)
        parent.add(name, bit_names(tlv, spec[1]), tlv.offset)
    elif kind == "oid":
        _expect(tlv, 6, name)
        parent.add(name, universal_value(tlv), tlv.offset)
    elif kind in ("str", "time"):
        parent.add(name, universal_value(tlv), tlv.offset)
    elif kind == "octets":
        _expect(tlv, 4, name)
        parent.add(name, hexstr(tlv.content), tlv.offset)
    elif kind == "inner":
        _expect(tlv, 4, name)
        node = parent.add(name, f"{len(tlv.content)} bytes", tlv.offset)
        if tlv.content:
            node.children.append(inner(tlv.content, tlv.content_offset))
    elif kind == "either":
        choice = spec[1].get(tlv.number) if tlv.cls == 0 else None
        if choice is None:
            generic(tlv, name, parent, depth)
        else:
            walk(tlv, choice[1], choice[0], parent, inner, depth + 1)
    else:  # pragma: no cover - a programming error in a description
        raise AssertionError(kind)
