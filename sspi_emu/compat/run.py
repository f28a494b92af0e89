"""Run an unmodified program with the shims installed.

    python -m sspi_emu.compat.run [--shim pywin32,sspilib] script.py [args...]
    python -m sspi_emu.compat.run [--shim pywin32,sspilib] -m package.module [args...]

Without ``--shim`` the shims named in ``SSPI_EMU_SHIM`` are installed, else all of them.
"""

from __future__ import annotations

import argparse
import os
import runpy
import sys
from typing import Sequence

from . import ENV_VAR, SHIMS, install


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the runner's arguments, install the shims and run the target as ``__main__``."""
    parser = argparse.ArgumentParser(prog="python -m sspi_emu.compat.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shim", help=f"comma-separated shims ({', '.join(SHIMS)}); default ${ENV_VAR} or all")
    parser.add_argument("-m", dest="module", help="run a module (as python -m does)")
    parser.add_argument("target", nargs=argparse.REMAINDER, help="script.py and its arguments")
    args = parser.parse_args(argv)
    if args.module is None and not args.target:
        parser.error("give a script or -m module")
    shims = args.shim or os.environ.get(ENV_VAR, "").strip() or ",".join(SHIMS)
    install(shims)
    if args.module is not None:
        sys.argv = [args.module, *args.target]
        runpy.run_module(args.module, run_name="__main__", alter_sys=True)
    else:
        script, *rest = args.target
        sys.argv = [script, *rest]
        sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
        runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
