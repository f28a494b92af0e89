"""Opt-in drop-in shims: run Windows-only SSPI code (pywin32, sspilib) unchanged on sspi-emu.

Nothing happens on import: ``import win32security`` keeps raising ImportError (libraries
probe it to detect Windows) until a program opts in, in one of three ways:

* ``sspi_emu.compat.install("pywin32")`` / ``install("sspilib")`` / ``install("pywin32", "sspilib")``
  before the Windows-only code is imported;
* ``SSPI_EMU_SHIM=pywin32,sspilib`` in the environment, honoured by
  :func:`install_from_env` and by the runner below;
* the runner, for an unmodified program:
  ``python -m sspi_emu.compat.run [--shim pywin32,sspilib] script.py args...`` or
  ``python -m sspi_emu.compat.run -m package.module args...``.

``pywin32`` provides ``win32security``, ``sspi``, ``sspicon``, ``pywintypes`` and
``win32api``; ``sspilib`` provides ``sspilib`` and ``sspilib.raw``.

**A real pywin32 / sspilib installed alongside:** an explicit opt-in wins. ``install()``
replaces any already-imported module of those names in ``sys.modules`` and puts a finder
first on ``sys.meta_path``, so later imports get the shim; objects bound from the real
module before ``install()`` keep pointing at it. :func:`uninstall` restores the previous
``sys.modules`` entries. ``install(..., override=False)`` keeps a real module that is
importable and installs the shim only where it is missing.

The "logged-on user" the shims use when a caller passes no credentials is configured with
``SSPI_EMU_USER`` (``DOMAIN\\user``) and ``SSPI_EMU_PASSWORD``; servers find accounts in
the store set with :func:`sspi_emu.accounts.set_default_store` or the file named by
``SSPI_EMU_ACCOUNTS`` (``DOMAIN:USER:PASSWORD`` lines).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import threading
from types import ModuleType
from typing import Mapping

from . import _aliases

__all__ = ["ENV_VAR", "SHIMS", "install", "install_from_env", "installed", "uninstall"]

#: The environment variable naming the shims to install (comma-separated).
ENV_VAR = "SSPI_EMU_SHIM"

#: Each shim: alias top-level name -> shim module.
SHIMS: dict[str, dict[str, str]] = {
    "pywin32": {
        "pywintypes": "sspi_emu.compat.pywin32.pywintypes",
        "win32api": "sspi_emu.compat.pywin32.win32api",
        "sspicon": "sspi_emu.compat.pywin32.sspicon",
        "win32security": "sspi_emu.compat.pywin32.win32security",
        "sspi": "sspi_emu.compat.pywin32.sspi",
    },
    "sspilib": {
        "sspilib": "sspi_emu.compat.sspilib",
    },
}

_lock = threading.Lock()
_installed: set[str] = set()
#: sys.modules entries replaced by install(), restored by uninstall().
_saved: dict[str, ModuleType | None] = {}


def _parse(names: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for n in names:
        for part in n.replace(" ", ",").split(","):
            key = part.strip().lower()
            if not key:
                continue
            if key not in SHIMS:
                raise ValueError(f"unknown shim {part!r}; choose from {sorted(SHIMS)}")
            if key not in out:
                out.append(key)
    return out


def _real_available(alias: str) -> bool:
    if alias in sys.modules and not _is_shim(sys.modules[alias]):
        return True
    try:
        return importlib.util.find_spec(alias) is not None
    except (ImportError, ValueError):
        return False


def _is_shim(module: object) -> bool:
    return getattr(module, "__name__", "").startswith("sspi_emu.compat.")


def install(*names: str, override: bool = True) -> list[str]:
    """Make the named shims (``"pywin32"``, ``"sspilib"``; all when none is named) importable under their
    upstream names. Returns the shims installed. With ``override=False`` an importable real module is kept.
    """
    chosen = _parse(names) if names else list(SHIMS)
    done: list[str] = []
    with _lock:
        for shim in chosen:
            table = SHIMS[shim]
            if not override and any(_real_available(a) for a in table):
                continue
            for alias, target in table.items():
                module = importlib.import_module(target)
                for key in [k for k in sys.modules if k == alias or k.startswith(alias + ".")]:
                    if key not in _saved and not _is_shim(sys.modules[key]):
                        _saved[key] = sys.modules[key]
                    del sys.modules[key]
                _saved.setdefault(alias, None)
                sys.modules[alias] = module
                _aliases.finder.add(alias, target)
            _installed.add(shim)
            done.append(shim)
        if done:
            _aliases.activate()
    return done


def uninstall(*names: str) -> None:
    """Remove the named shims (all when none is named) and restore what they replaced."""
    with _lock:
        chosen = _parse(names) if names else sorted(_installed)
        for shim in chosen:
            for alias in SHIMS[shim]:
                _aliases.finder.remove(alias)
                for key in [k for k in sys.modules if k == alias or k.startswith(alias + ".")]:
                    if _is_shim(sys.modules[key]):
                        del sys.modules[key]
                for key in [k for k in _saved if k == alias or k.startswith(alias + ".")]:
                    previous = _saved.pop(key)
                    if previous is not None:
                        sys.modules[key] = previous
            _installed.discard(shim)
        _aliases.deactivate_if_idle()


def installed() -> frozenset[str]:
    """The shims currently installed."""
    with _lock:
        return frozenset(_installed)


def install_from_env(environ: Mapping[str, str] | None = None) -> list[str]:
    """Install the shims named in ``SSPI_EMU_SHIM`` (e.g. ``pywin32,sspilib``); none when it is unset."""
    env = os.environ if environ is None else environ
    value = env.get(ENV_VAR, "").strip()
    if not value:
        return []
    return install(value)
