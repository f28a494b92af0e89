"""gss-ntlmssp (Debian package gss-ntlmssp) as an independent connectionless NTLM peer.

The initiator goes through MIT's GSS-API mechglue (python-gssapi). The acceptor is driven by
calling the plugin's own ``gss_*`` entry points with ctypes, because the mechglue refuses the
empty first token a connectionless acceptor starts from. Users come from ``NTLM_USER_FILE``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import struct
from pathlib import Path
from typing import Any

import gssapi
import gssapi.raw as gr


def _plugin_path() -> Path:
    """The gss-ntlmssp shared object, as MIT's mechglue configuration names it."""
    for conf in sorted(Path("/etc/gss/mech.d").glob("*")):
        for line in conf.read_text(errors="replace").splitlines():
            fields = line.split()
            if len(fields) >= 3 and not line.lstrip().startswith("#") and fields[1] == "1.3.6.1.4.1.311.2.2.10":
                return Path(fields[2])
    raise FileNotFoundError("gss-ntlmssp is not configured in /etc/gss/mech.d (apt package gss-ntlmssp)")


PLUGIN = _plugin_path()
NTLM_MECH = gssapi.OID.from_int_seq("1.3.6.1.4.1.311.2.2.10")
#: gss-ntlmssp's GSS_NTLMSSP_SET_SEQ_NUM_OID: the sequence number of the next message (datagram only).
#: It sits under the OID arc Samba donated to the project, 1.3.6.1.4.1.7165.655.1.
SET_SEQ_NUM = gssapi.OID.from_int_seq("1.3.6.1.4.1.7165.655.1.1")
_SET_SEQ_NUM_DER = bytes.fromhex("2b06010401b77d850f0101")
GSS_C_DATAGRAM_FLAG = 0x10000
_CONTINUE_NEEDED = 1
_ERROR_MASK = 0xFFFF0000


class GssError(Exception):
    """A GSS-API call failed (major, minor)."""


class _Buffer(ctypes.Structure):
    _fields_ = [("length", ctypes.c_size_t), ("value", ctypes.c_void_p)]


class _Oid(ctypes.Structure):
    _fields_ = [("length", ctypes.c_uint32), ("elements", ctypes.c_void_p)]


_U32P = ctypes.POINTER(ctypes.c_uint32)
_BUFP = ctypes.POINTER(_Buffer)
_VOIDPP = ctypes.POINTER(ctypes.c_void_p)


def _load() -> Any:
    lib = ctypes.CDLL(str(PLUGIN))
    lib.gss_accept_sec_context.argtypes = [_U32P, _VOIDPP, ctypes.c_void_p, _BUFP, ctypes.c_void_p, ctypes.c_void_p,
                                           ctypes.c_void_p, _BUFP, _U32P, _U32P, ctypes.c_void_p]
    lib.gss_wrap.argtypes = [_U32P, ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32, _BUFP,
                             ctypes.POINTER(ctypes.c_int), _BUFP]
    lib.gss_unwrap.argtypes = [_U32P, ctypes.c_void_p, _BUFP, _BUFP, ctypes.POINTER(ctypes.c_int), _U32P]
    lib.gss_get_mic.argtypes = [_U32P, ctypes.c_void_p, ctypes.c_uint32, _BUFP, _BUFP]
    lib.gss_verify_mic.argtypes = [_U32P, ctypes.c_void_p, _BUFP, _BUFP, _U32P]
    lib.gss_set_sec_context_option.argtypes = [_U32P, _VOIDPP, ctypes.POINTER(_Oid), _BUFP]
    lib.gss_delete_sec_context.argtypes = [_U32P, _VOIDPP, ctypes.c_void_p]
    for name in ("gss_accept_sec_context", "gss_wrap", "gss_unwrap", "gss_get_mic", "gss_verify_mic",
                 "gss_set_sec_context_option", "gss_delete_sec_context"):
        getattr(lib, name).restype = ctypes.c_uint32
    return lib


_libc = ctypes.CDLL(ctypes.util.find_library("c"))
_libc.free.argtypes = [ctypes.c_void_p]


def _in(data: bytes) -> tuple[_Buffer, Any]:
    keep = ctypes.create_string_buffer(data, len(data))
    return _Buffer(len(data), ctypes.cast(keep, ctypes.c_void_p)), keep


def _take(buf: _Buffer) -> bytes:
    if not buf.value:
        return b""
    data = ctypes.string_at(buf.value, buf.length)
    _libc.free(buf.value)
    return data


def _check(major: int, minor: ctypes.c_uint32, what: str) -> int:
    if major & _ERROR_MASK:
        raise GssError(f"{what}: major 0x{major:08X}, minor {minor.value}")
    return major


class PluginAcceptor:
    """A gss-ntlmssp acceptor context driven through the plugin's entry points."""

    def __init__(self) -> None:
        self._lib = _load()
        self._ctx = ctypes.c_void_p()
        self.flags = 0
        self.complete = False

    def step(self, token: bytes) -> bytes:
        minor, flags, time_rec = ctypes.c_uint32(), ctypes.c_uint32(), ctypes.c_uint32()
        inbuf, _keep = _in(token)
        out = _Buffer()
        major = self._lib.gss_accept_sec_context(ctypes.byref(minor), ctypes.byref(self._ctx), None,
                                                 ctypes.byref(inbuf), None, None, None, ctypes.byref(out),
                                                 ctypes.byref(flags), ctypes.byref(time_rec), None)
        _check(major, minor, "gss_accept_sec_context")
        self.flags = flags.value
        self.complete = not major & _CONTINUE_NEEDED
        return _take(out)

    def set_seq_num(self, seq: int) -> None:
        minor = ctypes.c_uint32()
        oid_bytes = ctypes.create_string_buffer(_SET_SEQ_NUM_DER, len(_SET_SEQ_NUM_DER))
        oid = _Oid(len(_SET_SEQ_NUM_DER), ctypes.cast(oid_bytes, ctypes.c_void_p))
        value, _keep = _in(struct.pack("=I", seq))
        major = self._lib.gss_set_sec_context_option(ctypes.byref(minor), ctypes.byref(self._ctx),
                                                     ctypes.byref(oid), ctypes.byref(value))
        _check(major, minor, "gss_set_sec_context_option")

    def wrap(self, data: bytes) -> bytes:
        minor, conf = ctypes.c_uint32(), ctypes.c_int()
        inbuf, _keep = _in(data)
        out = _Buffer()
        major = self._lib.gss_wrap(ctypes.byref(minor), self._ctx, 1, 0, ctypes.byref(inbuf), ctypes.byref(conf),
                                   ctypes.byref(out))
        _check(major, minor, "gss_wrap")
        return _take(out)

    def unwrap(self, data: bytes) -> bytes:
        minor, conf, qop = ctypes.c_uint32(), ctypes.c_int(), ctypes.c_uint32()
        inbuf, _keep = _in(data)
        out = _Buffer()
        major = self._lib.gss_unwrap(ctypes.byref(minor), self._ctx, ctypes.byref(inbuf), ctypes.byref(out),
                                     ctypes.byref(conf), ctypes.byref(qop))
        _check(major, minor, "gss_unwrap")
        return _take(out)

    def get_mic(self, data: bytes) -> bytes:
        minor = ctypes.c_uint32()
        inbuf, _keep = _in(data)
        out = _Buffer()
        major = self._lib.gss_get_mic(ctypes.byref(minor), self._ctx, 0, ctypes.byref(inbuf), ctypes.byref(out))
        _check(major, minor, "gss_get_mic")
        return _take(out)

    def verify_mic(self, data: bytes, mic: bytes) -> None:
        minor, qop = ctypes.c_uint32(), ctypes.c_uint32()
        inbuf, _keep = _in(data)
        token, _keep2 = _in(mic)
        major = self._lib.gss_verify_mic(ctypes.byref(minor), self._ctx, ctypes.byref(inbuf), ctypes.byref(token),
                                         ctypes.byref(qop))
        _check(major, minor, "gss_verify_mic")

    def close(self) -> None:
        if self._ctx.value:
            minor = ctypes.c_uint32()
            self._lib.gss_delete_sec_context(ctypes.byref(minor), ctypes.byref(self._ctx), None)


class MechglueInitiator:
    """A gss-ntlmssp initiator through python-gssapi, asking for connectionless NTLM."""

    def __init__(self, user: str, domain: str, password: str) -> None:
        name = gssapi.Name(f"{user}@{domain}", gssapi.NameType.user)
        self._cred = gr.acquire_cred_with_password(name, password.encode(), usage="initiate",
                                                   mechs=[NTLM_MECH]).creds
        self._target = gssapi.Name("host@server.example", gssapi.NameType.hostbased_service)
        self._flags = [gssapi.RequirementFlag.integrity, gssapi.RequirementFlag.confidentiality,
                       GSS_C_DATAGRAM_FLAG]
        self.context: Any = None
        self.complete = False

    def step(self, token: bytes | None) -> bytes:
        res = gr.init_sec_context(self._target, self._cred, self.context, NTLM_MECH, self._flags, 0, None, token)
        self.context = res.context
        self.complete = not res.more_steps
        return res.token or b""

    def set_seq_num(self, seq: int) -> None:
        gr.set_sec_context_option(SET_SEQ_NUM, self.context, struct.pack("=I", seq))

    def wrap(self, data: bytes) -> bytes:
        return bytes(gr.wrap(self.context, data, True).message)

    def unwrap(self, data: bytes) -> bytes:
        return bytes(gr.unwrap(self.context, data).message)

    def get_mic(self, data: bytes) -> bytes:
        return bytes(gr.get_mic(self.context, data))

    def verify_mic(self, data: bytes, mic: bytes) -> None:
        gr.verify_mic(self.context, data, mic)
