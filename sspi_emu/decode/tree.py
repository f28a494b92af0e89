"""The decoded tree (:class:`Node`), the parse error (:class:`DecodeError`) and a bounds-checked reader."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

__all__ = ["DecodeError", "Node", "Reader", "filetime_text", "render_text"]


class DecodeError(ValueError):
    """Input that cannot be decoded; ``offset`` is where parsing stopped (None: before any byte)."""

    def __init__(self, message: str, offset: int | None = None, what: str = "") -> None:
        self.offset = offset
        self.what = what
        where = f" at byte {offset}" if offset is not None else ""
        label = f"{what}: " if what else ""
        super().__init__(f"{label}parsing stopped{where}: {message}")


@dataclass
class Node:
    """One item of a decoded token: a name, a readable value, children, where it starts."""

    name: str
    value: str | None = None
    children: list[Node] = field(default_factory=list)
    offset: int | None = None

    def add(self, name: str, value: object = None, offset: int | None = None) -> Node:
        """Append a child and return it."""
        child = Node(name, None if value is None else str(value), [], offset)
        self.children.append(child)
        return child

    def find(self, name: str) -> Node | None:
        """The first descendant (depth first) called *name*."""
        for c in self.children:
            if c.name == name:
                return c
            hit = c.find(name)
            if hit is not None:
                return hit
        return None


def render_text(node: Node, indent: int = 0) -> str:
    """The tree as indented text, one item a line."""
    lines: list[str] = []
    _render(node, indent, lines)
    return "\n".join(lines)


def _render(node: Node, indent: int, lines: list[str]) -> None:
    pad = "  " * indent
    lines.append(f"{pad}{node.name}" + (f": {node.value}" if node.value is not None else ""))
    for c in node.children:
        _render(c, indent + 1, lines)


class Reader:
    """Reads fixed-size fields from bytes; running out raises :class:`DecodeError` with the offset."""

    def __init__(self, data: bytes, what: str, base: int = 0) -> None:
        self.data = data
        self.pos = 0
        self.what = what
        self.base = base

    @property
    def remaining(self) -> int:
        return len(self.data) - self.pos

    def take(self, n: int, field_name: str) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise DecodeError(f"{field_name} needs {n} bytes, {self.remaining} left", self.base + self.pos, self.what)
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def uint(self, n: int, field_name: str, order: str = "big") -> int:
        return int.from_bytes(self.take(n, field_name), order)  # type: ignore[arg-type]

    def le(self, fmt: str, field_name: str) -> tuple[int, ...]:
        size = struct.calcsize("<" + fmt)
        return struct.unpack("<" + fmt, self.take(size, field_name))

    def vector(self, len_bytes: int, field_name: str) -> bytes:
        """A length-prefixed (big-endian) byte string."""
        n = self.uint(len_bytes, f"{field_name} length")
        return self.take(n, field_name)

    def error(self, message: str) -> DecodeError:
        return DecodeError(message, self.base + self.pos, self.what)


_EPOCH_1601 = datetime(1601, 1, 1, tzinfo=timezone.utc)


def filetime_text(ticks: int) -> str:
    """A FILETIME (100 ns since 1601) as an ISO date, with the raw value."""
    try:
        when = _EPOCH_1601 + timedelta(microseconds=ticks // 10)
        return f"{when.isoformat().replace('+00:00', 'Z')} (FILETIME {ticks})"
    except OverflowError:
        return f"FILETIME {ticks} (out of range)"


def hexstr(data: bytes, limit: int = 64) -> str:
    """Hex, shortened past *limit* bytes."""
    if len(data) <= limit:
        return data.hex()
    return f"{data[:limit].hex()}... ({len(data)} bytes)"
