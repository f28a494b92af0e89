"""``PySecBuffer`` and ``PySecBufferDesc``: pywin32's buffer objects over sspi-emu's SecBuffer.

A PySecBuffer owns an allocation of ``MaxBufferSize`` bytes and a C-style
``{cbBuffer, BufferType, pvBuffer}`` triple; ``pvBuffer`` may be re-pointed by a call
(into another buffer's memory, as ``sspi.unwrap`` needs). Before each call the triples are
handed to the core; after the calls that copy back (see the functions), the core's
triples are written back into the objects.
"""

from __future__ import annotations

from typing import Union

from ...buffers import SecBuffer, SecBufferDesc
from ._convert import as_long, signed

__all__ = ["PySecBuffer", "PySecBufferDesc", "as_desc"]

Memory = Union[bytearray, memoryview]
_MAX_ALLOC = 1 << 31


class PySecBuffer:
    """``win32security.PySecBufferType(BufferSize, BufferType)``: a buffer of BufferSize zero bytes."""

    __slots__ = ("_alloc", "_pv", "_cb", "_type", "_max", "__weakref__")

    def __init__(self, BufferSize: int, BufferType: int) -> None:
        size = as_long(BufferSize, "BufferSize")
        if size >= _MAX_ALLOC:
            raise MemoryError(f"PySecBuffer::PySecBuffer - cannot allocate buffer of {signed(size)} bytes")
        self._type = as_long(BufferType, "BufferType")
        self._max = size
        self._alloc = bytearray(size)
        self._pv: Memory | None = self._alloc if size else None
        self._cb = size

    # -- members ------------------------------------------------------------------------

    @property
    def Buffer(self) -> bytes:
        """The ``BufferSize`` bytes at the buffer's current ``pvBuffer``."""
        if self._pv is None:
            return b""
        return bytes(self._pv[: max(0, self._cb)])

    @Buffer.setter
    def Buffer(self, value: object) -> None:
        if isinstance(value, str) or not isinstance(value, (bytes, bytearray, memoryview)):
            raise TypeError(f"a bytes-like object is required, not '{type(value).__name__}'")
        data = bytes(value)
        if len(data) > self._max:
            raise ValueError(f"Data size ({len(data)}) greater than allocated buffer size ({self._max})")
        # Written into the buffer's own allocation, which the buffer points at again.
        self._alloc[:] = bytes(self._max)
        self._alloc[: len(data)] = data
        self._pv = self._alloc if self._max else None
        self._cb = len(data)

    @property
    def BufferSize(self) -> int:
        """The used length (``cbBuffer``); writable, not checked against MaxBufferSize."""
        return self._cb

    @BufferSize.setter
    def BufferSize(self, value: int) -> None:
        self._cb = as_long(value, "BufferSize")

    @property
    def MaxBufferSize(self) -> int:
        """The allocated size (read-only)."""
        return self._max

    @property
    def BufferType(self) -> int:
        """The buffer type with its flags, read back unsigned."""
        return self._type

    @BufferType.setter
    def BufferType(self, value: int) -> None:
        self._type = as_long(value, "BufferType")

    def Clear(self) -> None:
        """Set ``BufferSize`` to ``MaxBufferSize`` and zero the memory."""
        self._cb = self._max
        if self._pv is not None:
            n = min(len(self._pv), self._cb)
            self._pv[:n] = bytes(n)

    def __repr__(self) -> str:
        return (f"PySecBuffer(cbBuffer: {signed(self._cb)} | BufferType: {signed(self._type)} | "
                f"pvBuffer: {self._address()})")

    def _address(self) -> str:
        return "0x%016X" % (0 if self._pv is None else id(self._pv))

    # -- marshalling ----------------------------------------------------------------------

    def _to_core(self) -> SecBuffer:
        return SecBuffer(self._type, self._pv, self._cb)

    def _from_core(self, sb: SecBuffer) -> None:
        self._type = sb.BufferType & 0xFFFFFFFF
        self._cb = int(sb.cbBuffer) & 0xFFFFFFFF
        self._pv = sb.pvBuffer


class PySecBufferDesc:
    """``win32security.PySecBufferDescType(Version=SECBUFFER_VERSION)``: an ordered group of PySecBuffer."""

    __slots__ = ("_buffers", "_version", "__weakref__")

    def __init__(self, Version: int = 0) -> None:
        self._version = as_long(Version, "Version")
        self._buffers: list[PySecBuffer] = []

    @property
    def Version(self) -> int:
        """``ulVersion``."""
        return self._version

    @Version.setter
    def Version(self, value: int) -> None:
        self._version = as_long(value, "Version")

    def append(self, buffer: object) -> None:
        """Add a PySecBuffer (the same object is kept and returned by indexing)."""
        if not isinstance(buffer, PySecBuffer):
            raise TypeError("Object must be a PySecBuffer")
        self._buffers.append(buffer)

    def __len__(self) -> int:
        return len(self._buffers)

    def _index(self, i: object) -> int:
        if not isinstance(i, int):
            raise TypeError(f"sequence index must be integer, not '{type(i).__name__}'")
        j = i + len(self._buffers) if i < 0 else i
        if not 0 <= j < len(self._buffers):
            raise IndexError("Index specified larger than number of allocated buffers")
        return j

    def __getitem__(self, i: int) -> PySecBuffer:
        return self._buffers[self._index(i)]

    def __setitem__(self, i: int, buffer: object) -> None:
        j = self._index(i)
        if not isinstance(buffer, PySecBuffer):
            raise TypeError("Object must be a PySecBuffer")
        self._buffers[j] = buffer

    def __delitem__(self, i: int) -> None:
        raise NotImplementedError("Removing buffers not yet supported")

    def __repr__(self) -> str:
        return (f"PySecBufferDesc(ulVersion: {signed(self._version)} | cBuffers: {len(self._buffers)} | "
                f"pBuffers: 0x{id(self._buffers):016X})")

    # -- marshalling ----------------------------------------------------------------------

    def _to_core(self) -> SecBufferDesc:
        return SecBufferDesc([b._to_core() for b in self._buffers], self._version)

    def _copy_back(self, core: SecBufferDesc, only_types: frozenset[int] | None = None) -> None:
        """``modify_in_place``: write the core's triples back into the PySecBuffer objects."""
        for ob, sb in zip(self._buffers, core.pBuffers, strict=False):
            if only_types is None or (sb.BufferType & 0x0FFFFFFF) in only_types:
                ob._from_core(sb)


def as_desc(value: object, none_ok: bool) -> PySecBufferDesc | None:
    """Check a PySecBufferDesc argument as pywin32 does (TypeError / ValueError)."""
    if value is None:
        if none_ok:
            return None
        raise ValueError("PySecBufferDesc cannot be None in this context")
    if not isinstance(value, PySecBufferDesc):
        raise TypeError("Object must be a PySecBufferDesc")
    return value
