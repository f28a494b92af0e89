"""``SecBuffer``, ``SecBufferDesc`` and ``SecChannelBindings`` of ``sspilib.raw``.

The caller's bytearray / writable memoryview is the package's working memory: calls
mutate it in place. A desc takes its own copy of each buffer's ``{cbBuffer, BufferType,
pvBuffer}`` when created; calls that succeed copy the triples back into the SecBuffer
objects (``sync``), which is how re-typed or re-pointed buffers become visible.
"""

from __future__ import annotations

import struct
from typing import Iterable, Iterator, Union

from .... import api
from ....buffers import SecBuffer as CoreBuffer
from ....buffers import SecBufferDesc as CoreDesc
from ._enums import SecBufferFlags, SecBufferType

__all__ = ["SECBUFFER_VERSION", "SecBuffer", "SecBufferDesc", "SecChannelBindings"]

SECBUFFER_VERSION = 0
_FLAG_MASK = 0xF0000000
Memory = Union[bytearray, memoryview]


class SecBuffer:
    """``SecBuffer(data, buffer_type, buffer_flags=0)``: *data* is a bytearray, a writable memoryview or None."""

    __slots__ = ("_core", "_owned", "__weakref__")

    def __init__(self, data: object, buffer_type: int, buffer_flags: int = 0) -> None:
        memory: Memory | None
        if data is None:
            memory = None
        elif isinstance(data, bytearray):
            memory = data
        elif isinstance(data, memoryview):
            if data.readonly:
                raise BufferError("Object is not writable.")
            memory = data.cast("B") if data.format != "B" or data.ndim != 1 else data
        elif isinstance(data, (bytes, str)):
            raise BufferError("Object is not writable.")
        else:
            raise TypeError(f"a bytes-like object is required, not '{type(data).__name__}'")
        if not isinstance(buffer_type, int) or not isinstance(buffer_flags, int):
            raise TypeError("buffer_type and buffer_flags must be integers")
        kind = (int(buffer_type) | int(buffer_flags)) & 0xFFFFFFFF
        if memory is not None and len(memory) == 0:
            memory = None
        self._core = CoreBuffer(kind, memory, 0 if memory is None else len(memory))
        self._owned = False  # True when the package allocated pvBuffer (ALLOCATE_MEMORY)

    @property
    def count(self) -> int:
        """``cbBuffer``."""
        return int(self._core.cbBuffer)

    @property
    def data(self) -> bytes:
        """A copy of the ``count`` bytes at the buffer's current memory."""
        return self._core.tobytes()

    @property
    def buffer_type(self) -> SecBufferType:
        """The type without flags."""
        value = self._core.BufferType & ~_FLAG_MASK & 0xFFFFFFFF
        try:
            return SecBufferType(value)
        except ValueError:
            return value  # type: ignore[return-value]

    @property
    def buffer_flags(self) -> SecBufferFlags:
        """The flag bits (READONLY, READONLY_WITH_CHECKSUM, ...)."""
        return SecBufferFlags(self._core.BufferType & _FLAG_MASK)

    def dangerous_get_view(self) -> memoryview:
        """A view (no copy) of the ``count`` bytes; valid only while the memory lives."""
        return self._core.data

    def __repr__(self) -> str:
        data = bytearray(self.data)
        return f"SecBuffer(data={data!r}, buffer_type={int(self.buffer_type)}, buffer_flags={int(self.buffer_flags)})"

    def __str__(self) -> str:
        flags = self.buffer_flags
        name = getattr(self.buffer_type, "name", str(self.buffer_type))
        parts = [name] + [f.name for f in SecBufferFlags if f.value and f in flags and f.name is not None
                          and f.value != 0xF0000000]
        return "|".join(str(p) for p in parts)

    def __del__(self) -> None:
        try:
            if self._owned:
                api.FreeContextBuffer(self._core)
        except Exception:  # noqa: BLE001, S110 - collection at interpreter exit
            pass


class SecBufferDesc:
    """``SecBufferDesc(buffers, *, version=SECBUFFER_VERSION)``: an immutable group of SecBuffer."""

    __slots__ = ("_buffers", "_core", "__weakref__")

    def __init__(self, buffers: Iterable[SecBuffer], *, version: int = SECBUFFER_VERSION) -> None:
        items = list(buffers)
        for b in items:
            if not isinstance(b, SecBuffer):
                raise TypeError(f"Expecting SecBuffer, got {type(b).__name__}")
        self._buffers = items
        self._core = CoreDesc([CoreBuffer(b._core.BufferType, b._core.pvBuffer, b._core.cbBuffer) for b in items],
                              int(version))

    @property
    def version(self) -> int:
        """``ulVersion``."""
        return int(self._core.ulVersion)

    def __len__(self) -> int:
        return len(self._buffers)

    def __iter__(self) -> Iterator[SecBuffer]:
        return iter(self._buffers)

    def __getitem__(self, key: int) -> SecBuffer:
        return self._buffers[key]

    def _sync(self, allocated: bool = False) -> None:
        """Copy the call's results back into the SecBuffer objects."""
        for ob, cb in zip(self._buffers, self._core.pBuffers, strict=False):
            before = ob._core.pvBuffer
            ob._core.BufferType = cb.BufferType
            ob._core.cbBuffer = cb.cbBuffer
            ob._core.pvBuffer = cb.pvBuffer
            if allocated and cb.pvBuffer is not None and cb.pvBuffer is not before:
                ob._owned = True

    def __repr__(self) -> str:
        return f"SecBufferDesc({self._buffers!r}, version={self.version})"


class SecChannelBindings:
    """``SEC_CHANNEL_BINDINGS``: a 32-byte header of 8 little-endian uint32 followed by the data.

    The structure lives in one bytearray: :meth:`dangerous_get_sec_buffer` shares it (changes
    through that buffer show in the properties), :meth:`get_sec_buffer_copy` copies it.
    """

    __slots__ = ("_blob",)

    def __init__(
        self,
        *,
        initiator_addr_type: int = 0,
        initiator_addr: bytes | bytearray | memoryview | None = None,
        acceptor_addr_type: int = 0,
        acceptor_addr: bytes | bytearray | memoryview | None = None,
        application_data: bytes | bytearray | memoryview | None = None,
    ) -> None:
        parts = [bytes(p) if p is not None else None for p in (initiator_addr, acceptor_addr, application_data)]
        offset = 32
        fields: list[int] = []
        for kind, part in zip((initiator_addr_type, acceptor_addr_type, None), parts, strict=True):
            if kind is not None:
                fields.append(int(kind))
            size = len(part) if part is not None else 0
            fields += [size, offset if part is not None else 0]
            offset += size
        self._blob = bytearray(struct.pack("<8I", *fields) + b"".join(p for p in parts if p is not None))

    def _field(self, index: int) -> int:
        return int(struct.unpack_from("<I", self._blob, index * 4)[0])

    def _part(self, index: int) -> bytes | None:
        size, offset = self._field(index), self._field(index + 1)
        if offset == 0 and size == 0:
            return None
        return bytes(self._blob[offset : offset + size])

    @property
    def initiator_addr_type(self) -> int:
        return self._field(0)

    @property
    def initiator_addr(self) -> bytes | None:
        return self._part(1)

    @property
    def acceptor_addr_type(self) -> int:
        return self._field(3)

    @property
    def acceptor_addr(self) -> bytes | None:
        return self._part(4)

    @property
    def application_data(self) -> bytes | None:
        return self._part(6)

    def get_sec_buffer_copy(self) -> SecBuffer:
        """A SECBUFFER_CHANNEL_BINDINGS buffer holding a copy of the structure."""
        return SecBuffer(bytearray(self._blob), SecBufferType.SECBUFFER_CHANNEL_BINDINGS)

    def dangerous_get_sec_buffer(self) -> SecBuffer:
        """A SECBUFFER_CHANNEL_BINDINGS buffer over this object's own memory (no copy)."""
        return SecBuffer(self._blob, SecBufferType.SECBUFFER_CHANNEL_BINDINGS)

    def __repr__(self) -> str:
        return (f"SecChannelBindings(initiator_addr_type={self.initiator_addr_type}, "
                f"initiator_addr={self.initiator_addr!r}, acceptor_addr_type={self.acceptor_addr_type}, "
                f"acceptor_addr={self.acceptor_addr!r}, application_data={self.application_data!r})")
