"""Shared helpers for the HTTP tests: `sspi-emu serve` as a subprocess, raw NTLM legs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

USER, DOMAIN, PASSWORD = "alice", "DEMO", "Passw0rd!"


@dataclass
class ServeProcess:
    """A running `sspi-emu serve` and the lines it printed."""

    proc: subprocess.Popen[str]
    url: str
    port: int
    lines: list[str] = field(default_factory=list)
    ca_path: str | None = None

    def log_since(self, start: int) -> list[str]:
        return list(self.lines[start:])

    def wait_for(self, pattern: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if rx.search(line):
                    return line
            time.sleep(0.05)
        raise AssertionError(f"no log line matching {pattern!r}; got:\n" + "\n".join(self.lines))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def start_serve(tmp_path: Path, *extra: str, accounts_file: bool = True) -> ServeProcess:
    """Start `sspi-emu serve --port 0` on 127.0.0.1 with DEMO\\alice and wait for its port."""
    args = [sys.executable, "-m", "sspi_emu", "serve", "--port", "0", "--idle-timeout", "20"]
    if accounts_file:
        path = tmp_path / "accounts.txt"
        path.write_text(f"# test accounts\n{DOMAIN}:{USER}:{PASSWORD}\n")
        args += ["--accounts", str(path)]
    else:
        args += ["--user", f"{DOMAIN}\\{USER}:{PASSWORD}"]
    args += list(extra)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: list[str] = []
    ready = threading.Event()
    found: dict[str, str] = {}

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            m = re.search(r"listening on (\S+?)/? ", line)
            if m:
                found["url"] = m.group(1).rstrip("/")
            m = re.search(r"trust the CA in (\S+)", line)
            if m:
                found["ca"] = m.group(1)
            if re.search(r"port \d+$", line.strip()):
                found["port"] = line.strip().rsplit(" ", 1)[1]
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    if not ready.wait(30) or "port" not in found:
        proc.kill()
        raise AssertionError("sspi-emu serve did not start:\n" + "\n".join(lines))
    if "--tls" in extra:
        deadline = time.monotonic() + 5
        while "ca" not in found and "--cert" not in extra and time.monotonic() < deadline:
            time.sleep(0.05)
    return ServeProcess(proc, found["url"], int(found["port"]), lines, found.get("ca"))


def curl(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run curl (required peer: a missing curl fails the test)."""
    return subprocess.run(["curl", "-sS", "--max-time", "20", *args], capture_output=True, text=True,
                          env=env, timeout=40)
