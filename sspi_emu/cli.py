"""The ``sspi-emu`` command: list packages, run a client/server demo of each.

Errors give a one-line message and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Callable, Sequence

from . import __version__, registry
from . import constants as C
from .accounts import MemoryAccountStore
from .buffers import SecBuffer
from .context import DEFAULT_CLIENT_FLAGS, DEFAULT_SERVER_FLAGS, ClientContext, Credential, ServerContext
from .errors import SspiError
from .identity import SEC_WINNT_AUTH_IDENTITY
from .spi import DemoProfile, SecurityPackage

DEMO_USER, DEMO_DOMAIN, DEMO_PASSWORD = "alice", "DEMO", "Passw0rd!"

_BUFFER_NAMES = {v: k[len("SECBUFFER_"):] for k, v in vars(C).items()
                 if k.startswith("SECBUFFER_") and isinstance(v, int) and v < 0x100 and k != "SECBUFFER_VERSION"}


def _default_profile() -> DemoProfile:
    store = MemoryAccountStore()
    store.add(DEMO_USER, DEMO_PASSWORD, DEMO_DOMAIN)
    return DemoProfile(
        client_auth_data=SEC_WINNT_AUTH_IDENTITY(DEMO_USER, DEMO_DOMAIN, DEMO_PASSWORD),
        server_auth_data=store,
    )


def demo_profiles(package: SecurityPackage) -> list[DemoProfile]:
    """The demo set-ups a package asks for (or the default one)."""
    maker = getattr(package, "demo_profile", None)
    if maker is None:
        return [_default_profile()]
    made = maker()
    return list(made) if isinstance(made, (list, tuple)) else [made]


def _names(types: Sequence[int]) -> str:
    return ",".join(_BUFFER_NAMES.get(t, str(t)) for t in types)


def run_demo(package: SecurityPackage, profile: DemoProfile, out: Callable[[str], None]) -> None:
    """Run one client-against-server exchange, printing every leg; raise SspiError on failure."""
    name = package.info.Name
    title = f"{name}" + (f" ({profile.name})" if profile.name else "")
    out(f"== {title}" + (f": {profile.note}" if profile.note else ""))
    ccred = Credential(name, use="outbound", auth_data=profile.client_auth_data)
    scred = Credential(name, use="inbound", auth_data=profile.server_auth_data)
    client = ClientContext(name, target=profile.target, credential=ccred,
                           flags=profile.client_req or DEFAULT_CLIENT_FLAGS)
    server = ServerContext(name, credential=scred, flags=profile.server_req or DEFAULT_SERVER_FLAGS)
    cbufs = [SecBuffer(t, d) for t, d in profile.client_buffers]
    sbufs = [SecBuffer(t, d) for t, d in profile.server_buffers]

    def leg(side: str, token: bytes | None) -> bytes:
        ctx = client if side == "client" else server
        extra = cbufs if side == "client" else sbufs
        fresh = [SecBuffer(b.BufferType, b.tobytes()) for b in extra]
        produced = ctx.step(token, buffers=fresh)
        fn = "InitializeSecurityContext" if side == "client" else "AcceptSecurityContext"
        in_types = ([C.SECBUFFER_TOKEN, C.SECBUFFER_EMPTY] if token is not None else []) + [b.BufferType for b in extra]
        assert ctx.status is not None
        out(f"  {fn:<26} {ctx.status.name:<28} in={len(token or b''):>5} out={len(produced):>5}"
            f"  in-buffers=[{_names(in_types)}] out-buffers=[TOKEN]")
        return produced

    token: bytes | None = None
    side = "server" if profile.server_first else "client"
    for _ in range(20):
        token = leg(side, token)
        if client.complete and server.complete and not token:
            break
        side = "server" if side == "client" else "client"
        if client.complete and server.complete:
            # the final token (e.g. a mutual-auth answer) is still delivered to the peer
            peer = client if side == "client" else server
            extra = cbufs if side == "client" else sbufs
            peer.step(token, buffers=[SecBuffer(b.BufferType, b.tobytes()) for b in extra])
            break
    else:
        raise SspiError(C.SEC_E_INTERNAL_ERROR, "the demo exchange did not finish in 20 legs")
    try:
        who = server.peer_name
    except SspiError:
        who = "(not reported)"
    out(f"  authenticated: {who}; client flags 0x{client.attributes:X}, server flags 0x{server.attributes:X}")
    if profile.wrap:
        message = b"hello from sspi-emu"
        sealed = client.wrap(message)
        opened = server.unwrap(sealed)
        back = client.unwrap(server.wrap(opened))
        status = "ok" if opened == message and back == message else "MISMATCH"
        out(f"  EncryptMessage/DecryptMessage round trip: {len(message)} bytes -> {len(sealed)} sealed -> {status}")
        if status != "ok":
            raise SspiError(C.SEC_E_MESSAGE_ALTERED, "round trip mismatch")
    for obj in (client, server):
        obj.close()
    ccred.close()
    scred.close()


def cmd_packages(args: argparse.Namespace) -> int:
    rows = [(p.info.Name, p.info.wRPCID, p.info.cbMaxToken, p.info.fCapabilities, p.info.Comment)
            for p in registry.packages()]
    print(f"{'Name':<12} {'RPCID':>6} {'MaxToken':>9} {'Capabilities':>13}  Comment")
    for name, rpc, maxtok, caps, comment in rows:
        print(f"{name:<12} {rpc:>6} {maxtok:>9} {caps:>#13x}  {comment}")
    for name, reason in registry.broken():
        print(f"(skipped {name}: {reason})")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    chosen = registry.packages()
    if args.package:
        pkg = registry.find(args.package)
        if pkg is None:
            print(f"sspi-emu: no security package named {args.package!r}", file=sys.stderr)
            return 2
        chosen = [pkg]
    if not chosen:
        print("sspi-emu: no security packages are registered (is sspi-emu installed?)", file=sys.stderr)
        return 1
    failures = 0
    for pkg in chosen:
        for profile in demo_profiles(pkg):
            try:
                run_demo(pkg, profile, print)
            except SspiError as exc:
                failures += 1
                print(f"  FAILED: {exc}")
    print(f"demo: {'all exchanges succeeded' if not failures else f'{failures} exchange(s) failed'}")
    return 1 if failures else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sspi-emu", description="A pure-Python emulator of the Windows SSPI.")
    parser.add_argument("--version", action="version", version=f"sspi-emu {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every SSPI leg (no secrets)")
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("packages", help="list the registered security packages")
    p.set_defaults(func=cmd_packages)
    d = sub.add_parser("demo", help="run every package client against server on the built-in default")
    d.add_argument("--package", help="only this package")
    d.set_defaults(func=cmd_demo)
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and (module_name + ".").startswith(exc.name + "."):
                continue  # that feature is not installed
            raise
        module.add_commands(sub)
    return parser


#: Modules that add sub-commands: each defines ``add_commands(subparsers)``; sub-commands
#: set ``func`` to a callable taking the parsed arguments and returning the exit status.
COMMAND_MODULES = ["sspi_emu.vectors_cli", "sspi_emu.http.serve_cli"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sspi-emu`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose:
        import logging

        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the command line never shows a traceback
        print(f"sspi-emu: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
