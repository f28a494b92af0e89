"""Making shim modules importable under foreign names (``win32security``, ``sspilib.raw``, ...)."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import threading
from types import ModuleType
from typing import Sequence

__all__ = ["AliasFinder", "finder"]


class _ExistingModuleLoader(importlib.abc.Loader):
    """Hands the import system a module that is already imported (the shim)."""

    def __init__(self, module: ModuleType) -> None:
        self._module = module

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return self._module

    def exec_module(self, module: ModuleType) -> None:
        return None


class AliasFinder(importlib.abc.MetaPathFinder):
    """A meta-path finder mapping alias names (and their submodules) to shim modules.

    It sits first on ``sys.meta_path`` while any alias is installed, so it wins over a
    real pywin32 / sspilib installed in the same environment.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._aliases: dict[str, str] = {}

    def add(self, alias: str, target: str) -> None:
        """Serve *target* (and ``target.sub``) for imports of *alias* (and ``alias.sub``)."""
        with self._lock:
            self._aliases[alias] = target

    def remove(self, alias: str) -> None:
        """Stop serving *alias*."""
        with self._lock:
            self._aliases.pop(alias, None)

    @property
    def aliases(self) -> dict[str, str]:
        """A copy of the alias table."""
        with self._lock:
            return dict(self._aliases)

    def resolve(self, fullname: str) -> str | None:
        """The shim module name behind *fullname*, or None when it is not an alias."""
        with self._lock:
            table = dict(self._aliases)
        head, _, rest = fullname.partition(".")
        target = table.get(head)
        if target is None:
            return None
        return f"{target}.{rest}" if rest else target

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        real = self.resolve(fullname)
        if real is None:
            return None
        module = importlib.import_module(real)
        is_pkg = hasattr(module, "__path__")
        return importlib.machinery.ModuleSpec(fullname, _ExistingModuleLoader(module), is_package=is_pkg)


finder = AliasFinder()


def activate() -> None:
    """Put the finder first on ``sys.meta_path`` (idempotent)."""
    if finder in sys.meta_path:
        sys.meta_path.remove(finder)
    sys.meta_path.insert(0, finder)


def deactivate_if_idle() -> None:
    """Take the finder off ``sys.meta_path`` when no alias remains."""
    if not finder.aliases and finder in sys.meta_path:
        sys.meta_path.remove(finder)
