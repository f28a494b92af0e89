"""Opt-in only: nothing changes without install(); install()/the env switch/the runner make the names resolve."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import sspi_emu.compat as compat

ROOT = Path(__file__).resolve().parents[2]
PYWIN32_NAMES = ("win32security", "sspi", "sspicon", "pywintypes", "win32api")


def _run(code: str, env: dict[str, str] | None = None, args: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "SSPI_EMU_SHIM"}
    full_env.update(env or {})
    full_env["PYTHONPATH"] = str(ROOT) + os.pathsep + full_env.get("PYTHONPATH", "")
    cmd = [sys.executable, *(args or ["-c", code])]
    return subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=120, cwd=str(ROOT))


def test_without_opt_in_pywin32_names_stay_missing() -> None:
    # A fresh interpreter that imports sspi_emu (and its compat package) still cannot import pywin32's names.
    proc = _run(textwrap.dedent("""
        import sspi_emu, sspi_emu.compat
        for name in ("win32security", "sspi", "sspicon", "pywintypes", "win32api"):
            try:
                __import__(name)
            except ImportError:
                pass
            else:
                raise SystemExit(name + " imported without opt-in")
        import sspilib
        assert not sspilib.__name__.startswith("sspi_emu"), "the real sspilib must be untouched"
        print("ok")
    """))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_install_and_uninstall_pywin32() -> None:
    assert "win32security" not in sys.modules
    assert compat.install("pywin32") == ["pywin32"]
    try:
        assert compat.installed() == frozenset({"pywin32"})
        mods = {n: importlib.import_module(n) for n in PYWIN32_NAMES}
        assert mods["win32security"].__name__ == "sspi_emu.compat.pywin32.win32security"
        assert mods["sspi"].win32security is mods["win32security"]
        assert mods["win32security"].error is mods["pywintypes"].error is mods["win32api"].error
    finally:
        compat.uninstall("pywin32")
    assert compat.installed() == frozenset()
    for name in PYWIN32_NAMES:
        assert name not in sys.modules
        with pytest.raises(ImportError):
            importlib.import_module(name)


def test_install_sspilib_overrides_the_real_wheel_and_uninstall_restores_it() -> None:
    real = importlib.import_module("sspilib")
    real_raw = importlib.import_module("sspilib.raw")
    assert not real.__name__.startswith("sspi_emu")
    compat.install("sspilib")
    try:
        import sspilib
        import sspilib.raw
        from sspilib.raw import WindowsError

        assert sspilib.__name__ == "sspi_emu.compat.sspilib"
        assert sspilib.raw.__name__ == "sspi_emu.compat.sspilib.raw"
        assert WindowsError is sspilib.WindowsError
        assert importlib.import_module("sspilib.raw._buffers").__name__ == "sspi_emu.compat.sspilib.raw._buffers"
    finally:
        compat.uninstall("sspilib")
    assert sys.modules["sspilib"] is real
    assert sys.modules["sspilib.raw"] is real_raw


def test_override_false_keeps_an_importable_real_module() -> None:
    assert compat.install("sspilib", override=False) == []
    assert compat.install("pywin32", override=False) == ["pywin32"]  # nothing real to keep
    compat.uninstall()
    assert compat.installed() == frozenset()


def test_unknown_shim_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown shim"):
        compat.install("pywin33")


def test_install_from_env() -> None:
    assert compat.install_from_env({}) == []
    try:
        assert compat.install_from_env({"SSPI_EMU_SHIM": "pywin32, sspilib"}) == ["pywin32", "sspilib"]
        assert importlib.import_module("sspicon").SEC_E_OK == 0
    finally:
        compat.uninstall()


SCRIPT = """
import sys
import sspi, sspicon, win32security, win32api
import sspilib
client = sspi.ClientAuth("NTLM", targetspn=win32api.GetUserName())
server = sspi.ServerAuth("NTLM")
err, buf = 1, None
while err != 0:
    err, buf = client.authorize(buf)
    err, buf = server.authorize(buf)
print(server.initiator_name, sys.argv[1:], sspilib.__name__)
"""


@pytest.fixture
def account_file(tmp_path: Path) -> Path:
    path = tmp_path / "accounts.txt"
    path.write_text("DEMO:alice:Passw0rd!\n", encoding="utf-8")
    return path


def _env(account_file: Path, **extra: str) -> dict[str, str]:
    return {"SSPI_EMU_ACCOUNTS": str(account_file), "SSPI_EMU_USER": "DEMO\\alice",
            "SSPI_EMU_PASSWORD": "Passw0rd!", **extra}


def test_runner_runs_an_unmodified_script(tmp_path: Path, account_file: Path) -> None:
    script = tmp_path / "windows_only.py"
    script.write_text(SCRIPT, encoding="utf-8")
    proc = _run("", _env(account_file), ["-m", "sspi_emu.compat.run", str(script), "a", "b"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["DEMO\\alice", "['a',", "'b']", "sspi_emu.compat.sspilib"]


def test_runner_honours_shim_option_and_env(tmp_path: Path, account_file: Path) -> None:
    script = tmp_path / "windows_only.py"
    script.write_text(SCRIPT, encoding="utf-8")
    # Only pywin32: `import sspilib` then finds the real wheel.
    proc = _run("", _env(account_file), ["-m", "sspi_emu.compat.run", "--shim", "pywin32", str(script)])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-1] == "sspilib"
    proc = _run("", _env(account_file, SSPI_EMU_SHIM="sspilib"), ["-m", "sspi_emu.compat.run", str(script)])
    assert proc.returncode != 0 and "No module named 'sspi'" in proc.stderr


def test_runner_runs_a_module(tmp_path: Path, account_file: Path) -> None:
    pkg = tmp_path / "winapp"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "__main__.py").write_text(SCRIPT, encoding="utf-8")
    env = _env(account_file)
    env["PYTHONPATH"] = str(tmp_path)
    proc = _run("", env, ["-m", "sspi_emu.compat.run", "-m", "winapp", "x"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[0] == "DEMO\\alice"


def test_install_without_names_installs_every_shim() -> None:
    try:
        assert compat.install() == ["pywin32", "sspilib"]
        assert compat.installed() == frozenset({"pywin32", "sspilib"})
    finally:
        compat.uninstall()
