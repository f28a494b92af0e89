"""``sspi-emu replay``, ``sspi-emu record`` and ``sspi-emu decode``.

Every command prints a one-line message on error (never a traceback): ``replay`` exits 1
when a vector fails, ``decode`` exits 2 on input it cannot parse.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from . import registry, vectors
from .errors import SspiError


def add_commands(subparsers: Any) -> None:
    """Add ``replay``, ``record`` and ``decode`` to the ``sspi-emu`` parser."""
    p = subparsers.add_parser("replay", help="replay vector files through the C-shaped API, byte for byte")
    p.add_argument("paths", nargs="+", metavar="FILE|DIR", help="vector files or folders (searched recursively)")
    p.add_argument("--side", choices=["both", "client", "server"], default="both",
                   help="replay only this side (its peer's recorded tokens are fed to it)")
    p.add_argument("--list-skipped", action="store_true", help="also list JSON files in other formats")
    p.set_defaults(func=cmd_replay)

    r = subparsers.add_parser("record", help="record a live exchange into a vector file that replays exactly")
    r.add_argument("--package", required=True, help="security package (NTLM, Negotiate, WDigest, ...)")
    r.add_argument("--profile", default="0",
                   help="the package's demo profile, by name or index (see `sspi-emu demo`); default the first")
    r.add_argument("--side", choices=["both", "client", "server"], default="both",
                   help="keep only this side in the vector (with --against: the side run live)")
    r.add_argument("--against", metavar="VECTOR",
                   help="run one side live against the peer tokens recorded in VECTOR (needs --side)")
    r.add_argument("--include-secrets", action="store_true",
                   help="write passwords, hashes and keys into the vector (otherwise they are withheld; "
                        "demo-profile credentials are written as references, so the vector still replays)")
    r.add_argument("--name", help="vector name (default: from the output file name)")
    r.add_argument("-o", "--output", required=True, help="vector file to write")
    r.set_defaults(func=cmd_record)

    d = subparsers.add_parser("decode", help="decode an NTLM / SPNEGO / Kerberos / Digest / TLS token")
    d.add_argument("token", help="base64, hex, a file name, '-' for standard input, or an HTTP "
                                 "Authorization / WWW-Authenticate header value")
    d.add_argument("--json", action="store_true", help="machine-readable output")
    d.add_argument("--as", dest="kind", choices=["auto", "ntlm", "spnego", "kerberos", "digest", "tls", "der"],
                   default="auto", help="skip detection")
    d.set_defaults(func=cmd_decode)


# --- replay ------------------------------------------------------------------------------------------


def _quiet_package_failures(args: argparse.Namespace) -> None:
    """Without -v, a package's internal error shows as its status, not as a logged traceback."""
    if not getattr(args, "verbose", False):
        import logging

        logger = logging.getLogger("sspi_emu")
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())


def cmd_replay(args: argparse.Namespace) -> int:
    _quiet_package_failures(args)
    sides = None if args.side == "both" else [args.side]
    counts = {"pass": 0, "fail": 0, "skip": 0}
    other_files = 0
    for path in args.paths:
        try:
            results, skipped = vectors.replay_path(path, sides)
        except vectors.VectorError as exc:
            print(f"FAIL {path}: {exc}")
            counts["fail"] += 1
            continue
        other_files += len(skipped)
        if args.list_skipped:
            for name, why in skipped:
                print(f"---- {name}: {why}")
        for res in results:
            counts[res.outcome] += 1
            print(res.line())
    total = sum(counts.values())
    print(f"replay: {total} vectors, {counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped"
          + (f" ({other_files} JSON files in other formats ignored)" if other_files else ""))
    if total == 0:
        return 1
    return 1 if counts["fail"] else 0


# --- record ------------------------------------------------------------------------------------------


def _profile(pkg: Any, wanted: str) -> tuple[int, Any]:
    from .cli import demo_profiles

    profiles = demo_profiles(pkg)
    for i, p in enumerate(profiles):
        if wanted in (str(i), p.name) or wanted.casefold() == p.name.casefold():
            return i, p
    names = ", ".join(f"{i}={p.name or '(unnamed)'}" for i, p in enumerate(profiles))
    raise SspiError(0x80090305, f"package {pkg.info.Name} has no demo profile {wanted!r} (profiles: {names})")


def _demo_is_stable(pkg: Any, index: int) -> bool:
    """Whether the demo profile builds the same credentials every time (so a reference replays)."""
    from .cli import demo_profiles

    def snapshot() -> Any:
        p = demo_profiles(pkg)[index]
        return [vectors.encode_value(p.client_auth_data, True), vectors.encode_value(p.server_auth_data, True)]

    return bool(snapshot() == snapshot())


def cmd_record(args: argparse.Namespace) -> int:
    from .cli import run_demo

    _quiet_package_failures(args)
    pkg = registry.find(args.package)
    if pkg is None:
        print(f"sspi-emu: no security package named {args.package!r}", file=sys.stderr)
        return 2
    try:
        index, profile = _profile(pkg, args.profile)
    except SspiError as exc:
        print(f"sspi-emu: {exc}", file=sys.stderr)
        return 2
    ref_name: Any = profile.name or index
    refs: dict[int, object] = {}
    if not args.include_secrets:
        if _demo_is_stable(pkg, index):
            for side, obj in (("client", profile.client_auth_data), ("server", profile.server_auth_data)):
                if obj is not None:
                    refs[id(obj)] = {"$demo": {"package": pkg.info.Name, "profile": ref_name, "side": side}}
        else:
            print(f"sspi-emu: note: the {pkg.info.Name} demo makes new keys or certificates on every run, so "
                  "without --include-secrets the sides holding them will not replay", file=sys.stderr)
    out = Path(args.output)
    meta = {"description": f"{pkg.info.Name} demo profile {ref_name!r}, recorded by `sspi-emu record`"
                           + (f": {profile.note}" if profile.note else "")}
    name = args.name or out.stem
    if args.against:
        if args.side == "both":
            print("sspi-emu: --against needs --side client or --side server", file=sys.stderr)
            return 2
        try:
            peer = vectors.load(args.against)
        except vectors.VectorError as exc:
            print(f"sspi-emu: {exc}", file=sys.stderr)
            return 2
        auth = profile.client_auth_data if args.side == "client" else profile.server_auth_data
        with vectors.recording(None, include_secrets=args.include_secrets, refs=refs, name=name,
                               meta=meta) as rec:
            for v in peer:
                vectors.drive(v, args.side, auth)
    else:
        with vectors.recording(None, include_secrets=args.include_secrets, refs=refs, name=name,
                               meta=meta) as rec:
            try:
                run_demo(pkg, profile, lambda line: None)
            except SspiError as exc:
                print(f"sspi-emu: the exchange failed ({exc}); recording it anyway", file=sys.stderr)
    recorded = rec.vectors()
    if args.side != "both":
        recorded = [vectors.keep_side(v, args.side) for v in recorded]
    recorded = [v for v in recorded if v.legs]
    if not recorded:
        print("sspi-emu: nothing was recorded", file=sys.stderr)
        return 1
    vectors.write(out, recorded)
    legs = sum(len(v.legs) for v in recorded)
    secrets = "with secrets" if args.include_secrets else "secrets withheld"
    print(f"recorded {len(recorded)} exchange(s), {legs} legs, {secrets} -> {out}")
    return 0


# --- decode ------------------------------------------------------------------------------------------


def _is_file(name: str) -> bool:
    try:
        return len(name) < 4096 and Path(name).is_file()
    except (OSError, ValueError):  # too long for a file name, NUL bytes, ...
        return False


def cmd_decode(args: argparse.Namespace) -> int:
    from .decode import DecodeError, decode_input, render_text

    try:
        if args.token == "-":  # noqa: S105 (not a password: standard input)
            raw: str | bytes = sys.stdin.buffer.read()
        elif _is_file(args.token):
            raw = Path(args.token).read_bytes()
        else:
            raw = args.token
        node = decode_input(raw, args.kind)
    except DecodeError as exc:
        print(f"sspi-emu decode: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"sspi-emu decode: cannot read {args.token!r}: {exc.strerror}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(dataclasses.asdict(node) if dataclasses.is_dataclass(node) else node, indent=1))
    else:
        print(render_text(node))
    return 0
