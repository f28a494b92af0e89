"""Drivers for the NTLM interop peers: pyspnego (pure Python) and sspilib (sspi-rs)."""

from __future__ import annotations

import os
import struct
import tempfile
from typing import Any

import spnego
import sspilib
from spnego.channel_bindings import GssChannelBindings
from sspi_emu_ntlm import NtlmSettings

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.accounts import MemoryAccountStore
from sspi_emu.buffers import SecBuffer

USER, DOMAIN, PASSWORD = "user", "DOMAIN", "Password01"
CBT = b"tls-server-end-point:" + bytes(range(32))
OTHER_CBT = b"tls-server-end-point:" + bytes(32)
_FLAGS = (C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_INTEGRITY | C.ISC_REQ_REPLAY_DETECT | C.ISC_REQ_SEQUENCE_DETECT
          | C.ISC_REQ_CONNECTION)
_user_file: str | None = None


def user_file() -> str:
    """An NTLM_USER_FILE for the pyspnego acceptor (created once; tests set the variable)."""
    global _user_file
    if _user_file is None:
        fd, path = tempfile.mkstemp(prefix="ntlm-users-")
        with os.fdopen(fd, "w") as fh:
            fh.write(f"{DOMAIN}:{USER}:{PASSWORD}\n")
        _user_file = path
    return _user_file


def cb_blob(app_data: bytes) -> bytes:
    """SEC_CHANNEL_BINDINGS with only application data."""
    return struct.pack("<8I", 0, 0, 0, 0, 0, 0, len(app_data), 32) + app_data


# -- our side ----------------------------------------------------------------------------------


def our_client(password: str = PASSWORD, target: str = "HTTP/server") -> S.ClientContext:
    cred = S.Credential("NTLM", user=f"{DOMAIN}\\{USER}", password=password)
    return S.ClientContext("NTLM", target=target, credential=cred, flags=_FLAGS)


def our_server(policy: str = "when-supported") -> S.ServerContext:
    store = MemoryAccountStore()
    store.add(USER, PASSWORD, DOMAIN)
    cred = S.Credential("NTLM", use="inbound", auth_data=NtlmSettings(accounts=store, channel_bindings=policy))
    return S.ServerContext("NTLM", credential=cred)


def our_step(ctx: S.ClientContext | S.ServerContext, token: bytes | None, cb: bytes | None) -> bytes:
    extra = [SecBuffer(C.SECBUFFER_CHANNEL_BINDINGS, cb_blob(cb))] if cb is not None else []
    return ctx.step(token, buffers=extra)


# -- peers -------------------------------------------------------------------------------------


def spnego_client(password: str = PASSWORD, cb: bytes | None = None) -> Any:
    bindings = GssChannelBindings(application_data=cb) if cb is not None else None
    return spnego.client(f"{DOMAIN}\\{USER}", password, hostname="server", service="HTTP", protocol="ntlm",
                         channel_bindings=bindings)


def spnego_server(cb: bytes | None = None) -> Any:
    """A pyspnego NTLM acceptor (it reads NTLM_USER_FILE while stepping)."""
    assert os.environ.get("NTLM_USER_FILE") == user_file(), "use the ntlm_user_file fixture"
    bindings = GssChannelBindings(application_data=cb) if cb is not None else None
    return spnego.server(protocol="ntlm", channel_bindings=bindings)


def sspilib_client(password: str = PASSWORD, cb: bytes | None = None) -> Any:
    cred = sspilib.UserCredential(f"{USER}@{DOMAIN}", password, protocol="NTLM")
    bindings = sspilib.raw.SecChannelBindings(application_data=cb) if cb is not None else None
    return sspilib.ClientSecurityContext(cred, "HTTP/server", channel_bindings=bindings)


def sspilib_server(cb: bytes | None = None) -> Any:
    cred = sspilib.UserCredential(f"{USER}@{DOMAIN}", PASSWORD, protocol="NTLM", usage="accept")
    bindings = sspilib.raw.SecChannelBindings(application_data=cb) if cb is not None else None
    return sspilib.ServerSecurityContext(cred, channel_bindings=bindings)


def peer_client_to_our_server(client: Any, server: S.ServerContext, cb: bytes | None) -> None:
    """Peer client against our server; raises SspiError from our side on failure."""
    t = client.step(None) if not isinstance(client, sspilib.ClientSecurityContext) else client.step()
    t = our_step(server, t, cb)
    t = client.step(t)
    our_step(server, t, cb)
    assert server.complete


def our_client_to_peer_server(client: S.ClientContext, server: Any, cb: bytes | None) -> None:
    """Our client against a peer server; the peer raises on failure."""
    t = our_step(client, None, cb)
    t = server.step(t)
    t = our_step(client, t, cb)
    server.step(t)
    assert client.complete and server.complete
