"""Cyrus SASL's DIGEST-MD5 client with its reauthentication cache on, against our acceptor.

Run as a separate process (``python -m tests.interop.digest.cyrus_client_reauth``): Cyrus reads
``reauth_timeout`` once, when the client library starts, and keeps one cache for the process, so
turning it on here leaves every other Cyrus test alone. Prints a JSON report on stdout.
"""

from __future__ import annotations

import ctypes
import json
from typing import Any

from sspi_emu_digest import DigestServerOptions

import sspi_emu as S
from sspi_emu import constants as C
from sspi_emu.accounts import MemoryAccountStore
from sspi_emu.buffers import SecBuffer, SecBufferDesc

from . import cyrus_sasl_peer as peer

USER, PASSWORD, REALM = "alice", "Passw0rd!", "sasl.example"


@peer._GETOPT
def _client_getopt(ctx: Any, plugin: Any, option: Any, result: Any, length: Any) -> int:
    if option != b"reauth_timeout":
        return -4  # SASL_NOTDONE: the default
    result[0] = b"10"  # minutes
    if length:
        length[0] = 2
    return peer.SASL_OK


_CALLBACKS = (peer._Callback * 2)(peer._Callback(1, ctypes.cast(_client_getopt, ctypes.c_void_p), None),
                                  peer._Callback(0, None, None))


def _asc(cred: S.CredHandle, ctx: S.CtxtHandle, token: bytes | None, first: bool) -> tuple[str, bytes]:
    pin = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN, token)]) if token is not None else None
    out = SecBufferDesc([SecBuffer(C.SECBUFFER_TOKEN)])
    status = S.AcceptSecurityContext(cred, None if first else ctx, pin, C.ASC_REQ_ALLOCATE_MEMORY, 0, ctx, out,
                                     S.ULONG(), S.TimeStamp())
    return status.name, out[0].tobytes()


def main() -> dict[str, Any]:
    peer.library(_CALLBACKS)
    store = MemoryAccountStore()
    store.add(USER, PASSWORD)
    cred = S.CredHandle()
    assert S.AcquireCredentialsHandle(None, "WDigest", C.SECPKG_CRED_INBOUND, None,
                                      DigestServerOptions(store=store, realm=REALM), None, None, cred,
                                      S.TimeStamp()) == C.SEC_E_OK
    report: dict[str, Any] = {}
    first = peer.CyrusDigestClient("imap", "mail.example", USER, PASSWORD, REALM, 0, 0)
    ctx = S.CtxtHandle()
    _, challenge = _asc(cred, ctx, None, True)
    rc, response = first.step(challenge)
    status, rspauth = _asc(cred, ctx, response, False)
    rc, _ = first.step(rspauth)
    report["first"] = {"asc": status, "cyrus": rc}
    second = peer.CyrusDigestClient("imap", "mail.example", USER, PASSWORD, REALM, 0, 0)
    report["opening"] = second.initial.decode("latin-1")
    again = S.CtxtHandle()
    status, rspauth = _asc(cred, again, second.initial, True)  # no challenge: the response came first
    rc, _ = second.step(rspauth) if status == "SEC_E_OK" else (-1, b"")
    report["second"] = {"asc": status, "cyrus": rc, "reply": rspauth.decode("latin-1")}
    first.close()
    second.close()
    return report


if __name__ == "__main__":
    print(json.dumps(main()))
