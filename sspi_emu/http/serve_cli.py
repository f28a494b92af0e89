"""``sspi-emu serve``: an HTTP/1.1 server whose endpoint needs Negotiate, NTLM or Digest."""

from __future__ import annotations

import argparse
import os
import ssl
import sys
import tempfile
from typing import Any, Iterable

from ..accounts import Account, AccountFileError, FileAccountStore, MemoryAccountStore, split_principal
from ..context import Credential
from .app import whoami_app
from .authenticator import HttpAuthenticator, available_schemes
from .bindings import channel_bindings_from_certificate
from .certs import CertificateAuthority
from .server import SspiHttpServer
from .wsgi import SspiAuthMiddleware

__all__ = ["add_commands", "ChainedAccountStore", "parse_user_option"]


class ChainedAccountStore:
    """Looks accounts up in several stores, first hit wins."""

    def __init__(self, stores: Iterable[Any]) -> None:
        self.stores = list(stores)

    def lookup(self, user: str, domain: str | None = None) -> Account | None:
        for store in self.stores:
            hit = store.lookup(user, domain)
            if hit is not None:
                return hit  # type: ignore[no-any-return]
        return None

    def __repr__(self) -> str:
        return f"ChainedAccountStore({len(self.stores)} stores)"


def parse_user_option(text: str) -> tuple[str, str, str]:
    """``DOMAIN\\user:password`` (or ``user:password``) -> (user, domain, password)."""
    name, sep, password = text.partition(":")
    if not sep or not name:
        raise argparse.ArgumentTypeError("--user wants DOMAIN\\user:password")
    user, domain = split_principal(name)
    if not user:
        raise argparse.ArgumentTypeError("--user: the user name is empty")
    return user, domain, password


def _store(args: argparse.Namespace) -> ChainedAccountStore:
    stores: list[Any] = []
    if args.users:
        mem = MemoryAccountStore()
        for user, domain, password in args.users:
            mem.add(user, password, domain)
        stores.append(mem)
    if args.accounts:
        stores.append(FileAccountStore(args.accounts))
    return ChainedAccountStore(stores)


def _schannel(args: argparse.Namespace) -> tuple[Credential, bytes, str]:
    """A Schannel server credential with the certificate the Schannel package generates for its demo."""
    from cryptography.hazmat.primitives import serialization

    from .. import registry
    from ..cli import demo_profiles

    package = registry.find("Schannel")
    if package is None:
        raise SystemExit("sspi-emu serve: the Schannel package is not installed (use --tls-engine ssl)")
    profile = demo_profiles(package)[0]
    server_data, client_data = profile.server_auth_data, profile.client_auth_data
    cert = getattr(getattr(server_data, "paCred", [None])[0], "certificate", None)
    roots = getattr(client_data, "hRootStore", None) or []
    if cert is None or not roots:
        raise SystemExit("sspi-emu serve: the Schannel package offers no generated certificate")
    folder = tempfile.mkdtemp(prefix="sspi-emu-serve-")
    ca_path = os.path.join(folder, "ca.pem")
    with open(ca_path, "wb") as fh:
        fh.write(roots[0].public_bytes(serialization.Encoding.PEM))
    credential = Credential("Schannel", use="inbound", auth_data=server_data)
    return credential, cert.public_bytes(serialization.Encoding.DER), ca_path


def _tls(args: argparse.Namespace) -> tuple[ssl.SSLContext, bytes, str | None]:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    generated_ca: str | None = None
    if args.cert:
        cert_path, key_path = args.cert, args.key or args.cert
    else:
        ca = CertificateAuthority()
        issued = ca.issue(args.host if args.host not in ("0.0.0.0", "::") else "localhost",  # noqa: S104
                          hosts=("localhost", "127.0.0.1", "::1") + ((args.host,) if args.host else ()))
        folder = tempfile.mkdtemp(prefix="sspi-emu-serve-")
        cert_path, key_path = issued.write(folder)
        generated_ca = ca.write_ca(os.path.join(folder, "ca.pem"))
    ctx.load_cert_chain(cert_path, key_path)
    with open(cert_path, "rb") as fh:
        der = ssl.PEM_cert_to_DER_cert(fh.read().decode("ascii"))
    return ctx, der, generated_ca


def cmd_serve(args: argparse.Namespace) -> int:
    schemes = args.schemes.split(",") if args.schemes else available_schemes()
    if not args.users and not args.accounts:
        print("sspi-emu serve: give --user DOMAIN\\user:password and/or --accounts FILE", file=sys.stderr)
        return 2
    try:
        store = _store(args)
    except (OSError, AccountFileError) as exc:
        print(f"sspi-emu serve: cannot read accounts: {exc}", file=sys.stderr)
        return 2
    ssl_ctx = None
    schannel = None
    der = None
    generated_ca = None
    engine = args.tls_engine or ("ssl" if args.cert else "schannel")
    if args.tls and engine == "schannel":
        if args.cert:
            print("sspi-emu serve: --cert needs --tls-engine ssl (Schannel serves a generated certificate)",
                  file=sys.stderr)
            return 2
        schannel, der, generated_ca = _schannel(args)
    elif args.tls:
        ssl_ctx, der, generated_ca = _tls(args)
    bindings = channel_bindings_from_certificate(der) if der and args.channel_binding != "none" else None
    authenticator = HttpAuthenticator(schemes, accounts=store, realm=args.realm, channel_bindings=bindings,
                                      persistent=not args.no_persistent)
    app = SspiAuthMiddleware(whoami_app, authenticator)
    server = SspiHttpServer(app, args.host, args.port, ssl_context=ssl_ctx, schannel_credential=schannel,
                            certificate_der=der, idle_timeout=args.idle_timeout)
    tls_note = f"; TLS by {'Schannel (sspi-emu)' if schannel else 'stdlib ssl'}" if args.tls else ""
    print(f"sspi-emu serve: listening on {server.url}/ (schemes: {', '.join(authenticator.schemes)}{tls_note})",
          flush=True)
    print(f"sspi-emu serve: port {server.port}", flush=True)
    if generated_ca:
        print(f"sspi-emu serve: generated certificate; trust the CA in {generated_ca}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        authenticator.close()
        if schannel is not None:
            schannel.close()
    return 0


def add_commands(subparsers: Any) -> None:
    """Add ``serve`` to the ``sspi-emu`` command line."""
    p = subparsers.add_parser("serve", help="run an HTTP server whose endpoint needs Negotiate / NTLM / Digest")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (0 picks a free one and prints it)")
    p.add_argument("--user", dest="users", action="append", type=parse_user_option, default=[],
                   metavar="DOMAIN\\USER:PASSWORD", help="an account (repeatable)")
    p.add_argument("--accounts", help="account file, one DOMAIN:USER:PASSWORD per line")
    p.add_argument("--schemes", help="comma-separated HTTP schemes (default: Negotiate,NTLM,Digest as installed)")
    p.add_argument("--realm", help="the Digest realm (default sspi-emu)")
    p.add_argument("--tls", action="store_true", help="serve HTTPS")
    p.add_argument("--tls-engine", choices=("schannel", "ssl"),
                   help="TLS by the emulator's Schannel package (default; generated certificate) or by stdlib "
                        "ssl (default with --cert)")
    p.add_argument("--cert", help="PEM certificate (with --tls; default: generate one)")
    p.add_argument("--key", help="PEM private key (default: in --cert)")
    p.add_argument("--channel-binding", choices=("none", "accept"), default="accept",
                   help="with --tls: check the clients' tls-server-end-point bindings when sent (default accept)")
    p.add_argument("--no-persistent", action="store_true",
                   help="require credentials on every request (no Persistent-Auth)")
    p.add_argument("--idle-timeout", type=float, default=60.0, help="close idle keep-alive connections (seconds)")
    p.set_defaults(func=cmd_serve)
