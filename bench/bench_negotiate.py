"""Negotiate (SPNEGO over NTLM): full handshake, against our bare NTLM handshake and pyspnego.

The target is a Negotiate handshake at most 1.3x our NTLM handshake: the entry
``"sspi-emu NTLM (bare)"`` is that NTLM handshake, so its ratio (NTLM time / Negotiate time)
must stay at or above 1/1.3 = 0.77. ``"sspi-emu NTLM + MIC each way"`` is that handshake plus
the one signature each way the mechListMIC needs, and ``"sspi-emu NTLM + MIC + resets (floor)"``
adds the RC4 re-initialisation MS-SPNG requires after each mechListMIC (one per direction and
side): the NTLM work any Negotiate over NTLM must do, i.e. its floor.
sspilib's own Negotiate acceptor cannot complete (sspi-rs fails at the last leg), so it is not
timed here.

    python -m bench negotiate
"""

from __future__ import annotations

import os
import tempfile
from typing import Any, Callable

import sspi_emu as s
from sspi_emu import constants as C
from sspi_emu import registry
from sspi_emu.accounts import Account, MemoryAccountStore
from sspi_emu.identity import SEC_WINNT_AUTH_IDENTITY

USER, DOMAIN, PASSWORD = "user", "DOMAIN", "Password01"
_CREQ = (C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_INTEGRITY | C.ISC_REQ_REPLAY_DETECT | C.ISC_REQ_SEQUENCE_DETECT
         | C.ISC_REQ_CONNECTION)
_SREQ = (C.ASC_REQ_CONFIDENTIALITY | C.ASC_REQ_INTEGRITY | C.ASC_REQ_REPLAY_DETECT | C.ASC_REQ_SEQUENCE_DETECT
         | C.ASC_REQ_CONNECTION)
_BUF = 4096


def _creds(package: str) -> tuple[s.CredHandle, s.CredHandle]:
    store = MemoryAccountStore([Account(USER, DOMAIN, password=PASSWORD)])
    cc, sc = s.CredHandle(), s.CredHandle()
    st1 = s.AcquireCredentialsHandle(None, package, C.SECPKG_CRED_OUTBOUND, None,
                                     SEC_WINNT_AUTH_IDENTITY(USER, DOMAIN, PASSWORD), None, None, cc, None)
    st2 = s.AcquireCredentialsHandle(None, package, C.SECPKG_CRED_INBOUND, None, store, None, None, sc, None)
    assert st1 == st2 == C.SEC_E_OK, (st1, st2)
    return cc, sc


def handshake(cc: s.CredHandle, sc: s.CredHandle) -> tuple[s.CtxtHandle, s.CtxtHandle]:
    """Run ISC/ASC legs with caller-sized buffers until both sides return SEC_E_OK."""
    isc, asc = s.InitializeSecurityContext, s.AcceptSecurityContext
    buf, desc, tok = s.SecBuffer, s.SecBufferDesc, C.SECBUFFER_TOKEN
    cctx, sctx = s.CtxtHandle(), s.CtxtHandle()
    attrs = s.ULONG()
    out = desc([buf(tok, _BUF)])
    cst = isc(cc, None, "HTTP/server", _CREQ, 0, 0x10, None, 0, cctx, out, attrs, None)
    sst = None
    while True:
        reply = desc([buf(tok, _BUF)])
        sst = asc(sc, sctx if sst is not None else None, desc([out[0]]), _SREQ, 0x10, sctx, reply, attrs, None)
        assert not sst.is_error, sst
        if not reply[0].cbBuffer:
            break
        out = desc([buf(tok, _BUF)])
        cst = isc(cc, cctx, "HTTP/server", _CREQ, 0, 0x10, desc([reply[0]]), 0, cctx, out, attrs, None)
        assert not cst.is_error, cst
        if not out[0].cbBuffer:
            break
    assert cst == sst == C.SEC_E_OK, (cst, sst)
    return cctx, sctx


def _user_file() -> None:
    if "NTLM_USER_FILE" not in os.environ:
        fd, path = tempfile.mkstemp(prefix="negotiate-bench-")
        with os.fdopen(fd, "w") as fh:
            fh.write(f"{DOMAIN}:{USER}:{PASSWORD}\n")
        os.environ["NTLM_USER_FILE"] = path


def _spnego_handshake() -> tuple[Any, Any]:
    import spnego

    _user_file()
    c = spnego.client(f"{DOMAIN}\\{USER}", PASSWORD, hostname="server", protocol="negotiate")
    srv = spnego.server(protocol="negotiate")
    t = c.step()
    while t:
        t = srv.step(t)
        if not t:
            break
        t = c.step(t)
    assert c.complete and srv.complete
    return c, srv


def _timed(package: str) -> Callable[[], object]:
    cc, sc = _creds(package)

    def run() -> object:
        cctx, sctx = handshake(cc, sc)
        s.DeleteSecurityContext(cctx)
        s.DeleteSecurityContext(sctx)
        return None

    return run


_MECH_TYPES_DER = bytes.fromhex("300c060a2b06010401823702020a")  # what the NTLM mechListMIC covers


def _ntlm_with_mics(resets: bool = False) -> Callable[[], object]:
    """The bare NTLM handshake plus one MakeSignature / VerifySignature each way: the work the
    SPNEGO mechListMIC adds that Negotiate cannot avoid (it makes NTLM derive its session keys).
    With *resets*, also the RC4 re-initialisation after each mechListMIC (MS-SPNG)."""
    cc, sc = _creds("NTLM")
    buf, desc = s.SecBuffer, s.SecBufferDesc
    reset = C.SECPKG_ATTR_EMU_NTLM_RESET_SEAL_STATE

    def run() -> object:
        cctx, sctx = handshake(cc, sc)
        for a, b in ((cctx, sctx), (sctx, cctx)):
            mic = buf(C.SECBUFFER_TOKEN, 16)
            s.MakeSignature(a, 0, desc([buf(C.SECBUFFER_DATA, _MECH_TYPES_DER), mic]), 0)
            st = s.VerifySignature(b, desc([buf(C.SECBUFFER_DATA, _MECH_TYPES_DER), mic]), 0, None)
            assert st == C.SEC_E_OK, st
            if resets:
                assert s.SetContextAttributes(a, reset, 1) == C.SEC_E_OK  # outgoing
                assert s.SetContextAttributes(b, reset, 2) == C.SEC_E_OK  # incoming
        s.DeleteSecurityContext(cctx)
        s.DeleteSecurityContext(sctx)
        return None

    return run


def bench_handshake() -> dict[str, Callable[[], object]]:
    registry.unregister("Kerberos")  # NTLM-only, as the peers: no KDC round trips in the figure
    return {
        "sspi-emu": _timed("Negotiate"),
        "sspi-emu NTLM (bare)": _timed("NTLM"),
        "sspi-emu NTLM + MIC each way": _ntlm_with_mics(),
        "sspi-emu NTLM + MIC + resets (floor)": _ntlm_with_mics(resets=True),
        "pyspnego": _spnego_handshake,
    }


if __name__ == "__main__":
    from bench.run import fmt, measure

    for name, fn in bench_handshake().items():
        print(f"{name:24s} {fmt(measure(fn))}")
