"""pywin32's SSPI surface (``win32security``, ``sspi``, ``sspicon``, ``pywintypes``, ``win32api``) on sspi-emu.

Nothing here is importable under pywin32's own names until :func:`sspi_emu.compat.install`
(``install("pywin32")``) or the ``python -m sspi_emu.compat.run`` runner is used.
"""

from __future__ import annotations

#: The top-level module names this shim provides, and the shim module behind each.
MODULES: dict[str, str] = {
    "pywintypes": "sspi_emu.compat.pywin32.pywintypes",
    "win32api": "sspi_emu.compat.pywin32.win32api",
    "sspicon": "sspi_emu.compat.pywin32.sspicon",
    "win32security": "sspi_emu.compat.pywin32.win32security",
    "sspi": "sspi_emu.compat.pywin32.sspi",
}
