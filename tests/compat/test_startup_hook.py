"""The optional start-up hook (sspi_emu_shim.pth + sspi_emu.compat.startup) honours SSPI_EMU_SHIM."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PTH = ROOT / "sspi_emu" / "compat" / "sspi_emu_shim.pth"

PROBE = """
import site, sys
site.addsitedir(sys.argv[1])
try:
    import win32security
except ImportError:
    print("absent")
else:
    print(win32security.__name__)
"""


def _probe(site_dir: Path, shim: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SSPI_EMU_SHIM"}
    env["PYTHONPATH"] = str(ROOT)
    if shim is not None:
        env["SSPI_EMU_SHIM"] = shim
    return subprocess.run([sys.executable, "-c", PROBE, str(site_dir)], capture_output=True, text=True, env=env,
                          timeout=60)


def test_pth_hook_installs_only_when_asked(tmp_path: Path) -> None:
    shutil.copy(PTH, tmp_path / PTH.name)
    off = _probe(tmp_path, None)
    assert off.returncode == 0 and off.stdout.strip() == "absent"
    on = _probe(tmp_path, "pywin32")
    assert on.returncode == 0 and on.stdout.strip() == "sspi_emu.compat.pywin32.win32security", on.stderr


def test_bad_value_is_reported_not_fatal(tmp_path: Path) -> None:
    shutil.copy(PTH, tmp_path / PTH.name)
    bad = _probe(tmp_path, "pywin33")
    assert bad.returncode == 0 and bad.stdout.strip() == "absent"
    assert "SSPI_EMU_SHIM ignored" in bad.stderr
