"""Security package discovery: entry points in the group ``sspi_emu.packages``.

The core never imports a package by name. An entry point names either a package
object (anything with ``info`` and the three factories of :class:`sspi_emu.spi.SecurityPackage`)
or a zero-argument callable returning one. A package that fails to load is logged,
listed by :func:`broken`, and skipped. :func:`register` adds a package at run time
(tests, third parties without an installed distribution).
"""

from __future__ import annotations

import logging
import threading
from importlib.metadata import entry_points

from .spi import SecurityPackage

log = logging.getLogger("sspi_emu")

GROUP = "sspi_emu.packages"

_lock = threading.RLock()
_loaded = False
_loading = False
_by_name: dict[str, SecurityPackage] = {}
_order: list[SecurityPackage] = []
_broken: list[tuple[str, str]] = []


def _looks_like_package(obj: object) -> bool:
    info = getattr(obj, "info", None)
    return (
        info is not None
        and isinstance(getattr(info, "Name", None), str)
        and all(callable(getattr(obj, m, None)) for m in ("acquire_credentials", "client_context", "server_context"))
    )


def _add(pkg: SecurityPackage, replace: bool) -> None:
    names = [pkg.info.Name, *getattr(pkg, "aliases", ())]
    keys = [n.casefold() for n in names]
    if not replace and any(k in _by_name for k in keys):
        raise ValueError(f"a package named {pkg.info.Name!r} is already registered")
    for k in keys:
        old = _by_name.get(k)
        if old is not None and old in _order:
            _order.remove(old)
        _by_name[k] = pkg
    _order.append(pkg)


def _load() -> None:
    global _loaded, _loading
    if _loaded:
        return
    with _lock:  # other threads wait here until every entry point is loaded
        if _loaded or _loading:
            return  # a package's own import reached the registry: it sees what is loaded so far
        _loading = True
        try:
            _load_entry_points()
        finally:
            _loaded = True
            _loading = False


def _load_entry_points() -> None:
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        try:
            obj = ep.load()
            if not _looks_like_package(obj) and callable(obj):
                obj = obj()
            if not _looks_like_package(obj):
                raise TypeError("the entry point does not name a security package")
            if obj.info.Name.casefold() in _by_name:
                continue
            _add(obj, replace=False)
        except Exception as exc:  # a broken third-party package must not stop the others
            reason = f"{type(exc).__name__}: {exc}"
            _broken.append((ep.name, reason))
            log.warning("security package %s skipped: %s", ep.name, reason)


def register(package: SecurityPackage, *, replace: bool = False) -> None:
    """Register *package* under its name and aliases."""
    if not _looks_like_package(package):
        raise TypeError("not a security package (needs info and the three factories)")
    with _lock:
        _load()
        _add(package, replace)


def unregister(name: str) -> None:
    """Remove the package registered under *name* (and its aliases)."""
    with _lock:
        _load()
        pkg = _by_name.get(name.casefold())
        if pkg is None:
            return
        for k in [k for k, v in _by_name.items() if v is pkg]:
            del _by_name[k]
        if pkg in _order:
            _order.remove(pkg)


def find(name: object) -> SecurityPackage | None:
    """The package named *name* (case-insensitive, aliases included), or None."""
    if not _loaded:
        _load()
    if not isinstance(name, str):
        return None
    return _by_name.get(name.casefold())


def packages() -> list[SecurityPackage]:
    """Every registered package, in registration order."""
    _load()
    with _lock:
        return list(_order)


def broken() -> list[tuple[str, str]]:
    """Entry points that failed to load: (name, reason)."""
    _load()
    return list(_broken)
