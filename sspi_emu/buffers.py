"""SecBuffer and SecBufferDesc: the typed, caller-owned memory every SSPI call works on.

A :class:`SecBuffer` holds a ``bytearray`` (owned) or a ``memoryview`` (aliasing the
caller's or another buffer's memory) in ``pvBuffer`` and a used length in ``cbBuffer``.
Packages write into that memory in place; Schannel-style calls may re-type a buffer and
point it at a slice of another buffer, as Windows does.
"""

from __future__ import annotations

from typing import Iterable, Iterator, Union

from .constants import SECBUFFER_ATTRMASK, SECBUFFER_READONLY, SECBUFFER_READONLY_WITH_CHECKSUM

Memory = Union[bytearray, memoryview]
_RO_FLAGS = SECBUFFER_READONLY | SECBUFFER_READONLY_WITH_CHECKSUM
_TYPE_MASK = 0xFFFFFFFF & ~SECBUFFER_ATTRMASK


def _as_memory(value: object) -> Memory | None:
    if value is None:
        return None
    if isinstance(value, (bytearray, memoryview)):
        if isinstance(value, memoryview) and (value.ndim != 1 or value.itemsize != 1):
            return memoryview(value.tobytes())
        return value
    if isinstance(value, bytes):
        return bytearray(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError("buffer size must not be negative")
        return bytearray(value)
    raise TypeError(f"pvBuffer must be bytes, bytearray, memoryview, an int size or None, not {type(value).__name__}")


class SecBuffer:
    """One buffer: ``BufferType`` (type | flags), ``pvBuffer`` (memory), ``cbBuffer`` (used bytes).

    ``pvBuffer`` may be bytes (copied into a bytearray), a bytearray or memoryview (used in
    place, not copied), an int (that many zero bytes are allocated) or None.
    ``cbBuffer`` defaults to the size of ``pvBuffer``.
    """

    __slots__ = ("BufferType", "cbBuffer", "pvBuffer", "__weakref__")

    def __init__(self, BufferType: int = 0, pvBuffer: object = None, cbBuffer: int | None = None) -> None:
        self.BufferType = int(BufferType) & 0xFFFFFFFF
        # Fast paths for the usual kinds of memory (callers build buffers on every call).
        if pvBuffer is None:
            self.pvBuffer: Memory | None = None
            self.cbBuffer = 0 if cbBuffer is None else int(cbBuffer)
            return
        memory: Memory
        if type(pvBuffer) is bytes:
            memory = bytearray(pvBuffer)
        elif type(pvBuffer) is bytearray:
            memory = pvBuffer
        else:
            memory = _as_memory(pvBuffer)  # type: ignore[assignment]  # not None: pvBuffer is not None
        self.pvBuffer = memory
        self.cbBuffer = len(memory) if cbBuffer is None else int(cbBuffer)

    @property
    def base_type(self) -> int:
        """The buffer type without the READONLY / attribute flags."""
        return self.BufferType & _TYPE_MASK

    @property
    def flags(self) -> int:
        """The attribute flags (READONLY, READONLY_WITH_CHECKSUM, ...)."""
        return self.BufferType & SECBUFFER_ATTRMASK

    @property
    def readonly(self) -> bool:
        """True when the buffer is marked read-only (with or without checksum)."""
        return bool(self.BufferType & _RO_FLAGS)

    @property
    def capacity(self) -> int:
        """How many bytes the memory behind the buffer can hold."""
        return 0 if self.pvBuffer is None else len(self.pvBuffer)

    @property
    def data(self) -> memoryview:
        """A view of the used bytes (``pvBuffer[:cbBuffer]``)."""
        if self.pvBuffer is None:
            return memoryview(b"")
        n = max(0, min(self.cbBuffer, len(self.pvBuffer)))
        return memoryview(self.pvBuffer)[:n]

    def tobytes(self) -> bytes:
        """A copy of the used bytes."""
        pv = self.pvBuffer
        if pv is None:
            return b""
        n = self.cbBuffer
        if n >= len(pv):
            return bytes(pv)  # one copy, no intermediate view
        if n <= 0:
            return b""
        return bytes(memoryview(pv)[:n])

    @property
    def Buffer(self) -> bytes:
        """The used bytes (pywin32 spelling)."""
        return self.tobytes()

    def write(self, payload: bytes | bytearray | memoryview) -> None:
        """Write *payload* at the start of the memory and set ``cbBuffer`` (ValueError if it does not fit)."""
        n = len(payload)
        if self.pvBuffer is None or n > len(self.pvBuffer):
            raise ValueError(f"{n} bytes do not fit a buffer of {self.capacity}")
        self.pvBuffer[:n] = payload
        self.cbBuffer = n

    def point_at(self, memory: Memory, start: int, length: int) -> None:
        """Make this buffer a view of ``memory[start:start+length]`` (Schannel-style re-pointing)."""
        self.pvBuffer = memoryview(memory)[start : start + length]
        self.cbBuffer = length

    def __repr__(self) -> str:
        return f"SecBuffer(BufferType=0x{self.BufferType:X}, cbBuffer={self.cbBuffer}, capacity={self.capacity})"


class SecBufferDesc:
    """An ordered list of :class:`SecBuffer` (``pBuffers``), with ``cBuffers`` and ``ulVersion``."""

    __slots__ = ("pBuffers", "ulVersion")

    def __init__(self, buffers: Iterable[SecBuffer] | None = None, ulVersion: int = 0) -> None:
        self.pBuffers: list[SecBuffer] = list(buffers) if buffers is not None else []
        self.ulVersion = ulVersion

    @property
    def cBuffers(self) -> int:
        """The number of buffers."""
        return len(self.pBuffers)

    def append(self, buffer: SecBuffer) -> None:
        """Add a buffer at the end."""
        self.pBuffers.append(buffer)

    def find(self, buffer_type: int) -> SecBuffer | None:
        """The first buffer of *buffer_type* (flags ignored), or None."""
        for b in self.pBuffers:
            if b.BufferType & _TYPE_MASK == buffer_type:
                return b
        return None

    def __len__(self) -> int:
        return len(self.pBuffers)

    def __getitem__(self, index: int) -> SecBuffer:
        return self.pBuffers[index]

    def __iter__(self) -> Iterator[SecBuffer]:
        return iter(self.pBuffers)

    def __repr__(self) -> str:
        return f"SecBufferDesc(ulVersion={self.ulVersion}, cBuffers={self.cBuffers})"
