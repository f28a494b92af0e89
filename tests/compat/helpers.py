"""Shared helpers: complete pywin32-shim handshakes with the raw win32security calls."""

from __future__ import annotations

import types
from typing import Any


def raw_handshake(m: types.SimpleNamespace, package: str = "NTLM", auth: Any = None,
                  req: int | None = None) -> tuple[Any, Any]:
    """Run ISC/ASC to completion through win32security; returns (client ctxt, server ctxt)."""
    ws, con = m.win32security, m.sspicon
    max_token = ws.QuerySecurityPackageInfo(package)["MaxToken"]
    ccred, _ = ws.AcquireCredentialsHandle(None, package, con.SECPKG_CRED_OUTBOUND, None, auth)
    scred, _ = ws.AcquireCredentialsHandle(None, package, con.SECPKG_CRED_INBOUND, None, None)
    cctx, sctx = ws.PyCtxtHandleType(), ws.PyCtxtHandleType()
    creq = req if req is not None else con.ISC_REQ_INTEGRITY | con.ISC_REQ_CONFIDENTIALITY
    sreq = con.ASC_REQ_INTEGRITY | con.ASC_REQ_CONFIDENTIALITY
    token: bytes | None = None
    c_status = s_status = 1
    c_first = s_first = True
    while c_status != 0 or s_status != 0:
        if c_status != 0:
            pin = None
            if token is not None:
                pin = ws.PySecBufferDescType()
                buf = ws.PySecBufferType(max_token, con.SECBUFFER_TOKEN)
                buf.Buffer = token
                pin.append(buf)
            pout = ws.PySecBufferDescType()
            pout.append(ws.PySecBufferType(max_token, con.SECBUFFER_TOKEN))
            c_status, _, _ = ws.InitializeSecurityContext(ccred, None if c_first else cctx, "host/server", creq,
                                                          con.SECURITY_NATIVE_DREP, pin, cctx, pout)
            c_first = False
            token = pout[0].Buffer
            if not token and s_status == 0:
                break
        if s_status != 0:
            pin = ws.PySecBufferDescType()
            buf = ws.PySecBufferType(max_token, con.SECBUFFER_TOKEN)
            buf.Buffer = token or b""
            pin.append(buf)
            pout = ws.PySecBufferDescType()
            pout.append(ws.PySecBufferType(max_token, con.SECBUFFER_TOKEN))
            s_status, _, _ = ws.AcceptSecurityContext(scred, None if s_first else sctx, pin, sreq,
                                                      con.SECURITY_NATIVE_DREP, sctx, pout)
            s_first = False
            token = pout[0].Buffer
            if not token and c_status == 0:
                break
    return cctx, sctx


def desc(m: types.SimpleNamespace, *specs: tuple[int, bytes | int]) -> Any:
    """A PySecBufferDesc from (type, data-or-size) pairs."""
    ws = m.win32security
    d = ws.PySecBufferDescType()
    for btype, value in specs:
        if isinstance(value, int):
            d.append(ws.PySecBufferType(value, btype))
        else:
            b = ws.PySecBufferType(len(value), btype)
            b.Buffer = value
            d.append(b)
    return d
