"""The sspi-emu command line."""

from __future__ import annotations

import subprocess
import sys

from sspi_emu.cli import main


def test_demo_on_fake_package(fake, capsys):
    assert main(["demo", "--package", "Fake"]) == 0
    out = capsys.readouterr().out
    assert "InitializeSecurityContext" in out and "AcceptSecurityContext" in out
    assert "SEC_I_CONTINUE_NEEDED" in out and "SEC_E_OK" in out
    assert "authenticated: alice" in out
    assert "round trip" in out and "-> ok" in out


def test_packages_lists_fake(fake, capsys):
    assert main(["packages"]) == 0
    assert "Fake" in capsys.readouterr().out


def test_unknown_package_is_a_clear_error(capsys):
    assert main(["demo", "--package", "Nope"]) == 2
    assert "no security package named 'Nope'" in capsys.readouterr().err


def test_version_and_no_traceback():
    r = subprocess.run([sys.executable, "-m", "sspi_emu", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("sspi-emu ")
    r = subprocess.run([sys.executable, "-m", "sspi_emu", "bogus-command"], capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr
