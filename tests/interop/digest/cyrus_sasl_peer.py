"""Cyrus SASL's DIGEST-MD5 client (libsasl2 + its digestmd5 plugin) driven through ctypes.

The independent SASL peer: Debian ships it in libsasl2-2 and libsasl2-modules.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import struct
from typing import Any

SASL_OK, SASL_CONTINUE = 0, 1
_CB_USER, _CB_AUTHNAME, _CB_PASS, _CB_GETREALM = 0x4001, 0x4002, 0x4004, 0x4008
_SASL_SEC_PROPS = 101


class _Callback(ctypes.Structure):
    _fields_ = [("id", ctypes.c_ulong), ("proc", ctypes.c_void_p), ("context", ctypes.c_void_p)]


class _SecProps(ctypes.Structure):
    _fields_ = [("min_ssf", ctypes.c_uint), ("max_ssf", ctypes.c_uint), ("maxbufsize", ctypes.c_uint),
                ("security_flags", ctypes.c_uint), ("property_names", ctypes.c_void_p),
                ("property_values", ctypes.c_void_p)]


_GETSIMPLE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p),
                              ctypes.POINTER(ctypes.c_uint))
_GETSECRET = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int,
                              ctypes.POINTER(ctypes.c_void_p))
_GETOPT = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                           ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_uint))
_GETREALM = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
                             ctypes.POINTER(ctypes.c_char_p))

_lib: Any = None
_libc = ctypes.CDLL(None)
_libc.malloc.restype = ctypes.c_void_p
_libc.malloc.argtypes = [ctypes.c_size_t]


def library(client_callbacks: Any = None) -> Any:
    """libsasl2, initialised for clients (AssertionError naming the apt packages if it is missing).

    *client_callbacks* (global callbacks, e.g. a getopt) only count on the process's first call.
    """
    global _lib
    if _lib is None:
        name = ctypes.util.find_library("sasl2") or "libsasl2.so.2"
        try:
            lib = ctypes.CDLL(name)
        except OSError as exc:
            raise AssertionError("Cyrus SASL is a required peer (apt-get install libsasl2-2 libsasl2-modules)") from exc
        lib.sasl_errdetail.restype = ctypes.c_char_p
        assert lib.sasl_client_init(client_callbacks) == SASL_OK
        _lib = lib
    return _lib


class CyrusDigestClient:
    """One Cyrus DIGEST-MD5 client connection (user, password, realm fixed at creation)."""

    def __init__(self, service: str, host: str, user: str, password: str, realm: str, min_ssf: int, max_ssf: int):
        self.lib = library()
        self._user, self._realm = user.encode(), realm.encode()
        self._password = password.encode()

        @_GETSIMPLE
        def simple(ctx: Any, cid: int, result: Any, length: Any) -> int:
            result[0] = self._user
            if length:
                length[0] = len(self._user)
            return SASL_OK

        @_GETSECRET
        def secret(conn: Any, ctx: Any, cid: int, psecret: Any) -> int:
            # sasl_secret_t {unsigned long len; unsigned char data[]}, malloc'd: the plugin may free it
            blob = struct.pack("@L", len(self._password)) + self._password + b"\0"
            mem = _libc.malloc(len(blob))
            ctypes.memmove(mem, blob, len(blob))
            psecret[0] = mem
            return SASL_OK

        @_GETREALM
        def getrealm(ctx: Any, cid: int, avail: Any, result: Any) -> int:
            result[0] = self._realm
            return SASL_OK

        self._keep = (simple, secret, getrealm)
        self._callbacks = (_Callback * 5)(
            _Callback(_CB_USER, ctypes.cast(simple, ctypes.c_void_p), None),
            _Callback(_CB_AUTHNAME, ctypes.cast(simple, ctypes.c_void_p), None),
            _Callback(_CB_PASS, ctypes.cast(secret, ctypes.c_void_p), None),
            _Callback(_CB_GETREALM, ctypes.cast(getrealm, ctypes.c_void_p), None),
            _Callback(0, None, None),
        )
        self.conn = ctypes.c_void_p()
        rc = self.lib.sasl_client_new(service.encode(), host.encode(), None, None, self._callbacks, 0,
                                      ctypes.byref(self.conn))
        assert rc == SASL_OK, rc
        props = _SecProps(min_ssf, max_ssf, 65536, 0, None, None)
        assert self.lib.sasl_setprop(self.conn, _SASL_SEC_PROPS, ctypes.byref(props)) == SASL_OK
        out, outlen, mech, interact = ctypes.c_char_p(), ctypes.c_uint(), ctypes.c_char_p(), ctypes.c_void_p()
        rc = self.lib.sasl_client_start(self.conn, b"DIGEST-MD5", ctypes.byref(interact), ctypes.byref(out),
                                        ctypes.byref(outlen), ctypes.byref(mech))
        assert rc == SASL_CONTINUE, self.error(rc)
        #: What sasl_client_start sent first: empty, or (reauthentication) a digest-response.
        self.initial = ctypes.string_at(out, outlen.value) if out else b""

    def error(self, rc: int) -> str:
        return f"Cyrus SASL {rc}: {self.lib.sasl_errdetail(self.conn).decode(errors='replace')}"

    def step(self, server_in: bytes) -> tuple[int, bytes]:
        """sasl_client_step: (return code, client output)."""
        out, outlen, interact = ctypes.c_char_p(), ctypes.c_uint(), ctypes.c_void_p()
        rc = self.lib.sasl_client_step(self.conn, server_in, len(server_in), ctypes.byref(interact),
                                       ctypes.byref(out), ctypes.byref(outlen))
        return rc, ctypes.string_at(out, outlen.value) if out else b""

    def encode(self, data: bytes) -> bytes:
        """sasl_encode: one security-layer message, 4-byte length included."""
        out, outlen = ctypes.c_char_p(), ctypes.c_uint()
        rc = self.lib.sasl_encode(self.conn, data, len(data), ctypes.byref(out), ctypes.byref(outlen))
        assert rc == SASL_OK, self.error(rc)
        return ctypes.string_at(out, outlen.value)

    def decode(self, data: bytes) -> bytes:
        """sasl_decode of one length-prefixed message."""
        out, outlen = ctypes.c_char_p(), ctypes.c_uint()
        rc = self.lib.sasl_decode(self.conn, data, len(data), ctypes.byref(out), ctypes.byref(outlen))
        assert rc == SASL_OK, self.error(rc)
        return ctypes.string_at(out, outlen.value)

    def close(self) -> None:
        self.lib.sasl_dispose(ctypes.byref(self.conn))


_SASL_SUCCESS_DATA = 0x0004
_SASL_SET_CREATE = 0x01
_server_options: dict[bytes, bytes] = {}


@_GETOPT
def _getopt(ctx: Any, plugin: Any, option: Any, result: Any, length: Any) -> int:
    value = _server_options.get(option or b"")
    if value is None:
        return -4  # SASL_NOTDONE: use the default
    result[0] = value
    if length:
        length[0] = len(value)
    return SASL_OK


_server_callbacks = (_Callback * 2)(_Callback(1, ctypes.cast(_getopt, ctypes.c_void_p), None), _Callback(0, None, None))
_server_ready = False


class CyrusDigestServer:
    """One Cyrus DIGEST-MD5 server connection whose users live in a sasldb file."""

    def __init__(self, sasldb: str, service: str, host: str, realm: str, min_ssf: int, max_ssf: int) -> None:
        global _server_ready
        self.lib = library()
        # reauth_timeout (minutes) turns on Cyrus' RFC 2831 subsequent authentication; it is read
        # when the plugin starts, so it is set for every server the process makes.
        _server_options.update({b"sasldb_path": sasldb.encode(), b"auxprop_plugin": b"sasldb",
                                b"mech_list": b"DIGEST-MD5", b"reauth_timeout": b"10"})
        if not _server_ready:
            assert self.lib.sasl_server_init(_server_callbacks, b"sspi-emu-tests") == SASL_OK
            _server_ready = True
        self.conn = ctypes.c_void_p()
        rc = self.lib.sasl_server_new(service.encode(), host.encode(), realm.encode(), None, None, None,
                                      _SASL_SUCCESS_DATA, ctypes.byref(self.conn))
        assert rc == SASL_OK, rc
        props = _SecProps(min_ssf, max_ssf, 65536, 0, None, None)
        assert self.lib.sasl_setprop(self.conn, _SASL_SEC_PROPS, ctypes.byref(props)) == SASL_OK

    def error(self, rc: int) -> str:
        return f"Cyrus SASL {rc}: {self.lib.sasl_errdetail(self.conn).decode(errors='replace')}"

    def add_user(self, user: str, password: str) -> None:
        """sasl_setpass: store the user in the sasldb."""
        pw = password.encode()
        rc = self.lib.sasl_setpass(self.conn, user.encode(), pw, len(pw), None, 0, _SASL_SET_CREATE)
        assert rc == SASL_OK, self.error(rc)

    def start(self, client_in: bytes | None = None) -> tuple[int, bytes]:
        """sasl_server_start for DIGEST-MD5: (return code, server output). Without *client_in* the
        server goes first (its challenge); with it, *client_in* is a subsequent-authentication response."""
        out, outlen = ctypes.c_char_p(), ctypes.c_uint()
        rc = self.lib.sasl_server_start(self.conn, b"DIGEST-MD5", client_in, len(client_in or b""),
                                        ctypes.byref(out), ctypes.byref(outlen))
        return rc, ctypes.string_at(out, outlen.value) if out else b""

    def step(self, client_in: bytes) -> tuple[int, bytes]:
        """sasl_server_step: (return code, server output)."""
        out, outlen = ctypes.c_char_p(), ctypes.c_uint()
        rc = self.lib.sasl_server_step(self.conn, client_in, len(client_in), ctypes.byref(out), ctypes.byref(outlen))
        return rc, ctypes.string_at(out, outlen.value) if out else b""

    encode = CyrusDigestClient.encode
    decode = CyrusDigestClient.decode
    close = CyrusDigestClient.close
