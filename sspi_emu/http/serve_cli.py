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
from ..errors import SspiError
from ..schannel_credentials import SCH_CREDENTIALS, CertContext
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


def _certificate_files(args: argparse.Namespace) -> tuple[str, str, str | None]:
    """(certificate PEM, key PEM, generated CA file or None): the user's files, or a CA and certificate made now."""
    if args.cert:
        return args.cert, args.key or args.cert, None
    ca = CertificateAuthority()
    issued = ca.issue(args.host if args.host not in ("0.0.0.0", "::") else "localhost",  # noqa: S104
                      hosts=("localhost", "127.0.0.1", "::1") + ((args.host,) if args.host else ()))
    folder = tempfile.mkdtemp(prefix="sspi-emu-serve-")
    cert_path, key_path = issued.write(folder)
    return cert_path, key_path, ca.write_ca(os.path.join(folder, "ca.pem"))


def _der(cert_path: str) -> bytes:
    with open(cert_path, "rb") as fh:
        return ssl.PEM_cert_to_DER_cert(fh.read().decode("ascii"))


def _schannel(cert_path: str, key_path: str) -> tuple[Credential, bytes]:
    """An inbound Schannel credential (SCH_CREDENTIALS) holding the certificate: TLS by our Schannel package."""
    try:
        cert = CertContext.from_files(cert_path, key_path)
    except (OSError, ValueError, TypeError) as exc:
        raise SystemExit(f"sspi-emu serve: cannot load the certificate: {exc}") from None
    try:
        credential = Credential("Schannel", use="inbound", auth_data=SCH_CREDENTIALS(paCred=[cert]))
    except SspiError as exc:
        raise SystemExit(f"sspi-emu serve: no Schannel server credential ({exc.status.name}); "
                         "use --tls-engine ssl") from None
    return credential, cert.pbCertEncoded


def _tls(cert_path: str, key_path: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert_path, key_path)
    return ctx


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
    if args.tls:
        cert_path, key_path, generated_ca = _certificate_files(args)
        if (args.tls_engine or "schannel") == "schannel":
            schannel, der = _schannel(cert_path, key_path)
        else:
            ssl_ctx = _tls(cert_path, key_path)
            der = _der(cert_path)
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
                   help="TLS by the emulator's Schannel package (default) or by stdlib ssl")
    p.add_argument("--cert", help="PEM certificate, or PKCS#12 .pfx/.p12 with the schannel engine (with --tls; "
                        "default: generate one)")
    p.add_argument("--key", help="PEM private key (default: in --cert)")
    p.add_argument("--channel-binding", choices=("none", "accept"), default="accept",
                   help="with --tls: check the clients' tls-server-end-point bindings when sent (default accept)")
    p.add_argument("--no-persistent", action="store_true",
                   help="require credentials on every request (no Persistent-Auth)")
    p.add_argument("--idle-timeout", type=float, default=60.0, help="close idle keep-alive connections (seconds)")
    p.set_defaults(func=cmd_serve)
