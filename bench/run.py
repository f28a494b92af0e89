"""Run named benchmarks and print median times and ratios against peers in the same run.

A benchmark module is ``bench/bench_<name>.py``; every function in it called ``bench_*``
returns a dict ``{implementation name: zero-argument callable}``. The entry named
``"sspi-emu"`` is ours; the others are peers, and each gets a ratio (peer time / our time,
so > 1 means we are faster). A callable that raises is reported, not fatal.

    python -m bench                 # everything
    python -m bench ntlm core       # modules by name
    python -m bench --record        # also append the figures to bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import pkgutil
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

OURS = "sspi-emu"
HERE = Path(__file__).parent


def measure(fn: Callable[[], object], budget: float = 0.4, rounds: int = 15) -> float:
    """Median seconds per call over *rounds* rounds, each sized to about budget/rounds seconds."""
    fn()  # warm up (imports, caches)
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt > budget / rounds / 4 or n >= 1 << 20:
            break
        n *= 4
    per_round = max(1, int(n * (budget / rounds) / max(dt, 1e-9)))
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(per_round):
            fn()
        samples.append((time.perf_counter() - t0) / per_round)
    return statistics.median(samples)


def fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:9.2f} µs"
    return f"{seconds * 1e3:9.3f} ms"


def modules(names: list[str]) -> list[str]:
    found = sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))
    return [n for n in found if not names or n in names]


def run(names: list[str], budget: float) -> list[str]:
    lines = []
    for name in modules(names):
        try:
            mod = importlib.import_module(f"bench.bench_{name}")
        except Exception as exc:
            lines.append(f"[{name}] cannot load: {type(exc).__name__}: {exc}")
            continue
        for attr in sorted(a for a in dir(mod) if a.startswith("bench_")):
            try:
                impls: dict[str, Callable[[], object]] = getattr(mod, attr)()
            except Exception as exc:
                lines.append(f"[{name}] {attr}: set-up failed: {type(exc).__name__}: {exc}")
                continue
            times: dict[str, float] = {}
            for impl, fn in impls.items():
                try:
                    times[impl] = measure(fn, budget)
                except Exception as exc:
                    lines.append(f"[{name}] {attr} {impl}: failed: {type(exc).__name__}: {exc}")
            ours = times.get(OURS)
            for impl, t in times.items():
                ratio = "" if ours is None or impl == OURS else f"  ratio {t / ours:6.2f}x (peer/ours)"
                lines.append(f"[{name}] {attr[6:]:<32} {impl:<18} {fmt(t)}{ratio}")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("names", nargs="*", help="benchmark modules (default: all)")
    ap.add_argument("--budget", type=float, default=0.4, help="seconds per measurement")
    ap.add_argument("--record", action="store_true", help="append results to bench/RESULTS.md")
    args = ap.parse_args(argv)
    lines = run(args.names, args.budget)
    for line in lines:
        print(line)
    if args.record:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        head = f"\n## {stamp} — Python {platform.python_version()}, {platform.machine()}, {sys.platform}\n\n```\n"
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
            fh.write(head + "\n".join(lines) + "\n```\n")
    return 0
