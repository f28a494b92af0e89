"""NTLM: full handshake and seal+unseal (1 KiB, 64 KiB) against pyspnego and sspilib (sspi-rs), same run.

``python -m bench ntlm`` times them; ``python -m bench.bench_ntlm`` also prints the memory one
established context holds.
"""

from __future__ import annotations

import gc
import os
import tempfile
import tracemalloc
from typing import Any, Callable

import sspi_emu as s
from sspi_emu import constants as C
from sspi_emu.accounts import MemoryAccountStore
from sspi_emu.identity import SEC_WINNT_AUTH_IDENTITY

USER, DOMAIN, PASSWORD = "user", "DOMAIN", "Password01"
_CREQ = (C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_INTEGRITY | C.ISC_REQ_REPLAY_DETECT | C.ISC_REQ_SEQUENCE_DETECT
         | C.ISC_REQ_CONNECTION)
_SREQ = (C.ASC_REQ_CONFIDENTIALITY | C.ASC_REQ_INTEGRITY | C.ASC_REQ_REPLAY_DETECT | C.ASC_REQ_SEQUENCE_DETECT
         | C.ASC_REQ_CONNECTION)


def _creds() -> tuple[s.CredHandle, s.CredHandle]:
    store = MemoryAccountStore()
    store.add(USER, PASSWORD, DOMAIN)
    cc, sc = s.CredHandle(), s.CredHandle()
    s.AcquireCredentialsHandle(None, "NTLM", C.SECPKG_CRED_OUTBOUND, None,
                               SEC_WINNT_AUTH_IDENTITY(USER, DOMAIN, PASSWORD), None, None, cc, None)
    s.AcquireCredentialsHandle(None, "NTLM", C.SECPKG_CRED_INBOUND, None, store, None, None, sc, None)
    return cc, sc


def _our_handshake(cc: s.CredHandle, sc: s.CredHandle) -> tuple[s.CtxtHandle, s.CtxtHandle]:
    isc, asc = s.InitializeSecurityContext, s.AcceptSecurityContext
    buf, desc, tok = s.SecBuffer, s.SecBufferDesc, C.SECBUFFER_TOKEN
    cctx, sctx = s.CtxtHandle(), s.CtxtHandle()
    attrs = s.ULONG()
    o1 = desc([buf(tok, 2888)])
    isc(cc, None, "HTTP/server", _CREQ, 0, 0x10, None, 0, cctx, o1, attrs, None)
    o2 = desc([buf(tok, 2888)])
    asc(sc, None, desc([o1[0]]), _SREQ, 0x10, sctx, o2, attrs, None)
    o3 = desc([buf(tok, 2888)])
    isc(cc, cctx, "HTTP/server", _CREQ, 0, 0x10, desc([o2[0]]), 0, cctx, o3, attrs, None)
    o4 = desc([buf(tok, 2888)])
    st = asc(sc, sctx, desc([o3[0]]), _SREQ, 0x10, sctx, o4, attrs, None)
    assert st == C.SEC_E_OK, st
    return cctx, sctx


def _user_file() -> None:
    if "NTLM_USER_FILE" not in os.environ:
        fd, path = tempfile.mkstemp(prefix="ntlm-bench-")
        with os.fdopen(fd, "w") as fh:
            fh.write(f"{DOMAIN}:{USER}:{PASSWORD}\n")
        os.environ["NTLM_USER_FILE"] = path


def _spnego_handshake() -> tuple[Any, Any]:
    import spnego

    _user_file()
    c = spnego.client(f"{DOMAIN}\\{USER}", PASSWORD, hostname="server", protocol="ntlm")
    srv = spnego.server(protocol="ntlm")
    t = c.step()
    t = srv.step(t)
    t = c.step(t)
    srv.step(t)
    return c, srv


def _sspilib_handshake() -> tuple[Any, Any]:
    import sspilib

    c = sspilib.ClientSecurityContext(sspilib.UserCredential(f"{USER}@{DOMAIN}", PASSWORD, protocol="NTLM"),
                                      "host/server")
    srv = sspilib.ServerSecurityContext(
        sspilib.UserCredential(f"{USER}@{DOMAIN}", PASSWORD, protocol="NTLM", usage="accept"))
    t = c.step()
    t = srv.step(t)
    t = c.step(t)
    srv.step(t)
    return c, srv


def bench_handshake() -> dict[str, Callable[[], object]]:
    """Four legs through the C-shaped API. The peers build their credentials every time (that is
    how their APIs are used); "sspi-emu" reuses its credential handles (NT hash computed once),
    "sspi-emu (new credentials)" acquires and frees both every time (the client MD4 included)."""
    cc, sc = _creds()
    store = MemoryAccountStore()
    store.add(USER, PASSWORD, DOMAIN)

    def ours() -> object:
        cctx, sctx = _our_handshake(cc, sc)
        s.DeleteSecurityContext(cctx)
        s.DeleteSecurityContext(sctx)
        return None

    def ours_new_credentials() -> object:
        c2, s2 = s.CredHandle(), s.CredHandle()
        s.AcquireCredentialsHandle(None, "NTLM", C.SECPKG_CRED_OUTBOUND, None,
                                   SEC_WINNT_AUTH_IDENTITY(USER, DOMAIN, PASSWORD), None, None, c2, None)
        s.AcquireCredentialsHandle(None, "NTLM", C.SECPKG_CRED_INBOUND, None, store, None, None, s2, None)
        cctx, sctx = _our_handshake(c2, s2)
        for h in (cctx, sctx):
            s.DeleteSecurityContext(h)
        s.FreeCredentialsHandle(c2)
        s.FreeCredentialsHandle(s2)
        return None

    return {"sspi-emu": ours, "sspi-emu (new credentials)": ours_new_credentials, "pyspnego": _spnego_handshake,
            "sspilib": _sspilib_handshake}


def _seal_bench(size: int) -> dict[str, Callable[[], object]]:
    data = os.urandom(size)
    cctx, sctx = _our_handshake(*_creds())
    enc, dec = s.EncryptMessage, s.DecryptMessage
    qop = s.ULONG()
    # The SSPI message functions work in place: one [TOKEN, DATA] desc is sealed, then opened
    # again (back to the plaintext), as a caller that reuses its buffers does.
    bufs = s.SecBufferDesc([s.SecBuffer(C.SECBUFFER_TOKEN, 16), s.SecBuffer(C.SECBUFFER_DATA, data)])

    def ours() -> object:
        enc(cctx, 0, bufs, 0)
        dec(sctx, bufs, 0, qop)
        return bufs

    def ours_fresh_buffers() -> object:
        fresh = s.SecBufferDesc([s.SecBuffer(C.SECBUFFER_TOKEN, 16), s.SecBuffer(C.SECBUFFER_DATA, data)])
        enc(cctx, 0, fresh, 0)
        dec(sctx, fresh, 0, qop)
        return fresh

    pc, ps = _spnego_handshake()

    def pyspnego() -> object:
        return ps.unwrap(pc.wrap(data).data)

    lc, ls = _sspilib_handshake()

    def sspilib_() -> object:
        return ls.unwrap(lc.wrap(data))

    return {"sspi-emu": ours, "sspi-emu (new buffers)": ours_fresh_buffers, "pyspnego": pyspnego,
            "sspilib": sspilib_}


def bench_seal_unseal_1k() -> dict[str, Callable[[], object]]:
    return _seal_bench(1024)


def bench_seal_unseal_64k() -> dict[str, Callable[[], object]]:
    return _seal_bench(65536)


def _established(cc: s.CredHandle, sc: s.CredHandle, sealed: bool) -> tuple[s.CtxtHandle, s.CtxtHandle]:
    cctx, sctx = _our_handshake(cc, sc)
    if sealed:  # message keys and RC4 handles are made on first use
        bufs = s.SecBufferDesc([s.SecBuffer(C.SECBUFFER_TOKEN, 16), s.SecBuffer(C.SECBUFFER_DATA, b"x")])
        s.EncryptMessage(cctx, 0, bufs, 0)
        s.DecryptMessage(sctx, bufs, 0, s.ULONG())
        s.EncryptMessage(sctx, 0, bufs, 0)
        s.DecryptMessage(cctx, bufs, 0, s.ULONG())
    return cctx, sctx


def context_memory(sealed: bool = True) -> int:
    """Bytes held by one established NTLM context (mean of client and server, 200 pairs).

    With *sealed*, after one message each way (keys, HMAC states and RC4 handles in place);
    the handle-table entries the dispatcher keeps are included.
    """
    cc, sc = _creds()
    _established(cc, sc, sealed)  # warm caches (NT hashes, imports)
    n = 200
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    keep = [_established(cc, sc, sealed) for _ in range(n)]
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    total = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert len(keep) == n
    return total // (2 * n)


def _memory_line() -> str:
    return (f"memory held by one established NTLM context: {context_memory(False)} bytes after the handshake, "
            f"{context_memory(True)} bytes once it has sealed (target < 4096)")


def bench_context_memory() -> dict[str, Callable[[], object]]:
    """Not a timing: prints the memory figures once (no callables to time)."""
    print("[ntlm] " + _memory_line())
    return {}


if __name__ == "__main__":
    print(_memory_line())
