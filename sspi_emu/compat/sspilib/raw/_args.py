"""Argument checks with Cython's conventions (``unsigned int``, typed arguments)."""

from __future__ import annotations

__all__ = ["check_type", "uint"]


def uint(value: object, name: str) -> int:
    """An ``unsigned int`` argument: negatives and values past 32 bits raise OverflowError."""
    if not isinstance(value, int):
        raise TypeError(f"an integer is required for '{name}' (got type {type(value).__name__})")
    if value < 0:
        raise OverflowError("can't convert negative value to unsigned int")
    if value > 0xFFFFFFFF:
        raise OverflowError("value too large to convert to unsigned int")
    return int(value)


def check_type(value: object, expected: type | tuple[type, ...], name: str, none_ok: bool = False) -> None:
    """Cython's "Argument 'x' has incorrect type" TypeError."""
    if value is None and none_ok:
        return
    if not isinstance(value, expected):
        want = expected.__name__ if isinstance(expected, type) else expected[0].__name__
        raise TypeError(f"Argument '{name}' has incorrect type (expected {want}, got {type(value).__name__})")


def box_int(value: object) -> int:
    """An out-parameter's int value (0 when the call left it unset)."""
    return value if isinstance(value, int) else 0
