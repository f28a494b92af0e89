"""Schannel against Python's ssl (OpenSSL), both sides in-process: TLS 1.3 handshake and 16 KiB records.

Both sides use an ECDSA P-256 certificate from a generated CA and x25519; the client checks
the chain and the name on both implementations.
"""

from __future__ import annotations

import os
import ssl
import tempfile
from pathlib import Path
from typing import Callable

from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sspi_emu_schannel import SCH_CREDENTIALS, TLS_PARAMETERS, testcerts

import sspi_emu as s
from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgContext_StreamSizes

_PKI = testcerts.make_ca_and_server("localhost")
_DIR = Path(tempfile.mkdtemp(prefix="sspi-emu-bench-"))
(_DIR / "ca.pem").write_bytes(_PKI.ca.certificate.public_bytes(Encoding.PEM))
(_DIR / "server.pem").write_bytes(_PKI.server.certificate.public_bytes(Encoding.PEM))
assert _PKI.server.private_key is not None
(_DIR / "server.key").write_bytes(
    _PKI.server.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
)

CREQ = C.ISC_REQ_SEQUENCE_DETECT | C.ISC_REQ_REPLAY_DETECT | C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_STREAM
SREQ = C.ASC_REQ_SEQUENCE_DETECT | C.ASC_REQ_REPLAY_DETECT | C.ASC_REQ_CONFIDENTIALITY | C.ASC_REQ_STREAM


def _creds() -> tuple[s.CredHandle, s.CredHandle]:
    only13 = [TLS_PARAMETERS(grbitDisabledProtocols=C.SP_PROT_TLS1_2)]
    cc, sc = s.CredHandle(), s.CredHandle()
    s.AcquireCredentialsHandle(None, "Schannel", C.SECPKG_CRED_OUTBOUND, None,
                               SCH_CREDENTIALS(hRootStore=[_PKI.ca.certificate], pTlsParameters=only13),
                               None, None, cc, None)
    s.AcquireCredentialsHandle(None, "Schannel", C.SECPKG_CRED_INBOUND, None,
                               SCH_CREDENTIALS(paCred=[_PKI.server], issue_session_tickets=True), None, None, sc, None)
    return cc, sc


def _leg(fn: Callable[..., s.SecurityStatus], args_before: tuple, token: bytes | None, args_after: tuple,
         out_size: int = 16384) -> tuple[s.SecurityStatus, bytes]:
    pin = None if token is None else s.SecBufferDesc([s.SecBuffer(C.SECBUFFER_TOKEN, token), s.SecBuffer()])
    out = s.SecBufferDesc([s.SecBuffer(C.SECBUFFER_TOKEN, out_size)])
    status = fn(*args_before, pin, *args_after, out, s.ULONG(), s.TimeStamp())
    return status, out[0].tobytes()


def _our_handshake(
    cc: s.CredHandle, sc: s.CredHandle, read_ticket: bool = False
) -> tuple[s.CtxtHandle, s.CtxtHandle]:
    isc, asc = s.InitializeSecurityContext, s.AcceptSecurityContext
    cctx, sctx = s.CtxtHandle(), s.CtxtHandle()
    _st, ch = _leg(isc, (cc, None, "localhost", CREQ, 0, 0x10), None, (0, cctx))
    _st, flight = _leg(asc, (sc, None), ch, (SREQ, 0x10, sctx))
    st, fin = _leg(isc, (cc, cctx, "localhost", CREQ, 0, 0x10), flight, (0, None))
    st2, ticket = _leg(asc, (sc, sctx), fin, (SREQ, 0x10, None))
    if st != s.SEC_E_OK or st2 != s.SEC_E_OK:
        raise RuntimeError(f"handshake failed: {st!r} {st2!r}")
    if read_ticket and ticket:
        # The client reads the server's NewSessionTicket (SEC_I_RENEGOTIATE), which refills its session cache.
        bufs = s.SecBufferDesc([s.SecBuffer(C.SECBUFFER_DATA, bytearray(ticket)), s.SecBuffer(), s.SecBuffer(),
                                s.SecBuffer()])
        s.DecryptMessage(cctx, bufs, 0, None)
    return cctx, sctx


def _ssl_contexts() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.minimum_version = ssl.TLSVersion.TLSv1_3
    sctx.load_cert_chain(_DIR / "server.pem", _DIR / "server.key")
    sctx.num_tickets = 1  # our server also issues one ticket per TLS 1.3 handshake
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.minimum_version = ssl.TLSVersion.TLSv1_3
    cctx.load_verify_locations(_DIR / "ca.pem")
    return cctx, sctx


def _ssl_handshake(
    cctx: ssl.SSLContext, sctx: ssl.SSLContext, session: ssl.SSLSession | None = None
) -> tuple[ssl.SSLObject, ssl.SSLObject, tuple]:
    ci, co, si, so = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    c = cctx.wrap_bio(ci, co, server_hostname="localhost", session=session)
    srv = sctx.wrap_bio(si, so, server_side=True)
    for _ in range(4):
        for obj in (c, srv):
            try:
                obj.do_handshake()
            except ssl.SSLWantReadError:
                pass
        si.write(co.read())
        ci.write(so.read())
    return c, srv, (ci, co, si, so)


def bench_tls13_handshake() -> dict[str, Callable[[], object]]:
    cc, sc = _creds()

    def ours() -> object:
        cctx, sctx = _our_handshake(cc, sc)
        s.DeleteSecurityContext(cctx)
        s.DeleteSecurityContext(sctx)
        return None

    ssl_c, ssl_s = _ssl_contexts()

    def openssl() -> object:
        c, srv, _ = _ssl_handshake(ssl_c, ssl_s)
        assert c.version() == "TLSv1.3"
        return srv

    return {"sspi-emu": ours, "python-ssl": openssl}


def bench_tls13_resumed_handshake() -> dict[str, Callable[[], object]]:
    """A resumed TLS 1.3 handshake (PSK with x25519), the client reading the fresh ticket each time."""
    cc, sc = _creds()
    _our_handshake(cc, sc, read_ticket=True)

    def ours() -> object:
        cctx, sctx = _our_handshake(cc, sc, read_ticket=True)
        s.DeleteSecurityContext(cctx)
        s.DeleteSecurityContext(sctx)
        return None

    ssl_c, ssl_s = _ssl_contexts()
    c, _srv, (ci, _co, _si, so) = _ssl_handshake(ssl_c, ssl_s)
    _srv.write(b"x")
    ci.write(so.read())
    c.read(1)
    state = {"session": c.session}

    def openssl() -> object:
        c, srv, (ci, _co, _si, so) = _ssl_handshake(ssl_c, ssl_s, state["session"])
        srv.write(b"x")
        ci.write(so.read())
        c.read(1)  # reads the new ticket too
        if not c.session_reused:
            raise RuntimeError("OpenSSL did not resume")
        state["session"] = c.session
        return srv

    return {"sspi-emu": ours, "python-ssl": openssl}


def _stream_bench(fresh: bool) -> dict[str, Callable[[], object]]:
    data = os.urandom(16384)
    cctx, sctx = _our_handshake(*_creds())
    sizes = SecPkgContext_StreamSizes()
    s.QueryContextAttributes(cctx, C.SECPKG_ATTR_STREAM_SIZES, sizes)
    h, t = sizes.cbHeader, sizes.cbTrailer
    size = len(data)
    total = h + size + t
    mem = bytearray(total)
    view = memoryview(mem)
    enc, dec = s.EncryptMessage, s.DecryptMessage
    buf, desc = s.SecBuffer, s.SecBufferDesc
    qop = s.ULONG()
    # Buffer structures set up once and re-filled per message, as a C caller reuses its SecBuffer array.
    e_desc = desc([buf(C.SECBUFFER_STREAM_HEADER, view[:h]), buf(C.SECBUFFER_DATA, view[h:h + size]),
                   buf(C.SECBUFFER_STREAM_TRAILER, view[h + size:]), buf()])
    d_bufs = [buf(C.SECBUFFER_DATA, mem), buf(), buf(), buf()]
    d_desc = desc(d_bufs)
    d0, d1, d2, d3 = d_bufs

    def reused() -> object:
        view[h:h + size] = data
        enc(cctx, 0, e_desc, 0)
        d0.BufferType, d0.pvBuffer, d0.cbBuffer = C.SECBUFFER_DATA, mem, total
        d1.BufferType = d2.BufferType = d3.BufferType = C.SECBUFFER_EMPTY
        status = dec(sctx, d_desc, 0, qop)
        assert status == s.SEC_E_OK
        return d1

    def fresh_buffers() -> object:
        view[h:h + size] = data
        bufs = desc([buf(C.SECBUFFER_STREAM_HEADER, view[:h]), buf(C.SECBUFFER_DATA, view[h:h + size]),
                     buf(C.SECBUFFER_STREAM_TRAILER, view[h + size:]), buf()])
        enc(cctx, 0, bufs, 0)
        dbufs = desc([buf(C.SECBUFFER_DATA, mem), buf(), buf(), buf()])
        status = dec(sctx, dbufs, 0, qop)
        assert status == s.SEC_E_OK
        return dbufs

    ssl_c, ssl_s = _ssl_contexts()
    c, srv, (ci, co, si, so) = _ssl_handshake(ssl_c, ssl_s)

    def openssl() -> object:
        c.write(data)
        si.write(co.read())
        return srv.read(size)

    return {"sspi-emu": fresh_buffers if fresh else reused, "python-ssl": openssl}


def bench_stream_16k_encrypt_decrypt() -> dict[str, Callable[[], object]]:
    """EncryptMessage + DecryptMessage of one 16 KiB record (buffer structures reused, as from C)."""
    return _stream_bench(False)


def bench_stream_16k_fresh_buffers() -> dict[str, Callable[[], object]]:
    """The same with new SecBuffer / SecBufferDesc objects built for every call (Python-side cost included)."""
    return _stream_bench(True)
