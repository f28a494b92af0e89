"""Start-up hook: install the shims named in ``SSPI_EMU_SHIM`` when the interpreter starts.

Imported by ``sspi_emu_shim.pth`` (when the packaging installs it into site-packages) only if
``SSPI_EMU_SHIM`` is set, so programs that do not ask for a shim never import sspi_emu. A
broken configuration is reported on stderr instead of stopping the interpreter.
"""

from __future__ import annotations

import sys

from . import install_from_env

try:
    install_from_env()
except Exception as exc:  # noqa: BLE001 - a start-up hook must not stop the interpreter
    print(f"sspi-emu: SSPI_EMU_SHIM ignored: {exc}", file=sys.stderr)
