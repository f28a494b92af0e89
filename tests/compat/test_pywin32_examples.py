"""pywin32's own SSPI examples and the downstream call patterns of API-SURFACE §3, run under the shim.

The code inside each test is written the way the Windows-only programs write it
(``win32/test/test_sspi.py``, ``win32/Lib/sspi.py``'s demo, ``Demos/security/sspi/*``,
paramiko, asyncssh, mysql-connector, px): pywin32 names only, nothing from sspi_emu.
"""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
import types
from typing import Any

import pytest

PACKAGES = ["NTLM", "Negotiate"]


def _do_auth(m: types.SimpleNamespace, pkg_name: str) -> tuple[Any, Any]:
    """test_sspi._doAuth, with the demo's loop condition so a final server token reaches the client."""
    sspi, win32api = m.sspi, m.win32api
    sspiclient = sspi.ClientAuth(pkg_name, targetspn=win32api.GetUserName())
    sspiserver = sspi.ServerAuth(pkg_name)
    sec_buffer = None
    while not sspiclient.authenticated or (sec_buffer and len(sec_buffer[0].Buffer)):
        err, sec_buffer = sspiclient.authorize(sec_buffer)
        if sspiserver.authenticated:
            break
        err, sec_buffer = sspiserver.authorize(sec_buffer)
    assert sspiclient.authenticated and sspiserver.authenticated
    return sspiclient, sspiserver


def test_test_sspi_loop_ntlm(pywin32: types.SimpleNamespace) -> None:
    # test_sspi._doAuth exactly: `while err != 0: client.authorize; server.authorize`.
    sspi, win32api = pywin32.sspi, pywin32.win32api
    sspiclient = sspi.ClientAuth("NTLM", targetspn=win32api.GetUserName())
    sspiserver = sspi.ServerAuth("NTLM")
    sec_buffer = None
    err = 1
    while err != 0:
        err, sec_buffer = sspiclient.authorize(sec_buffer)
        err, sec_buffer = sspiserver.authorize(sec_buffer)
    assert sspiclient.authenticated and sspiserver.authenticated
    # _amend_ctx_name ran after both handshakes (SECPKG_ATTR_NATIVE_NAMES).
    assert sspiserver.initiator_name == "DEMO\\alice"
    assert sspiclient.initiator_name == "DEMO\\alice"


@pytest.mark.parametrize("pkg", PACKAGES)
def test_impersonate(pywin32: types.SimpleNamespace, pkg: str) -> None:
    _, sspiserver = _do_auth(pywin32, pkg)
    sspiserver.ctxt.ImpersonateSecurityContext()
    sspiserver.ctxt.RevertSecurityContext()


@pytest.mark.parametrize("pkg", PACKAGES)
def test_encrypt(pywin32: types.SimpleNamespace, pkg: str) -> None:
    win32security, sspicon = pywin32.win32security, pywin32.sspicon
    sspiclient, sspiserver = _do_auth(pywin32, pkg)
    pkg_size_info = sspiclient.ctxt.QueryContextAttributes(sspicon.SECPKG_ATTR_SIZES)
    msg = b"some data to be encrypted ......"
    trailersize = pkg_size_info["SecurityTrailer"]
    encbuf = win32security.PySecBufferDescType()
    encbuf.append(win32security.PySecBufferType(len(msg), sspicon.SECBUFFER_DATA))
    encbuf.append(win32security.PySecBufferType(trailersize, sspicon.SECBUFFER_TOKEN))
    encbuf[0].Buffer = msg
    sspiclient.ctxt.EncryptMessage(0, encbuf, 1)
    sspiserver.ctxt.DecryptMessage(encbuf, 1)
    assert encbuf[0].Buffer == msg
    data_in = b"hello"
    data, sig = sspiclient.encrypt(data_in)
    assert sspiserver.decrypt(data, sig) == data_in
    data, sig = sspiserver.encrypt(data_in)
    assert sspiclient.decrypt(data, sig) == data_in


@pytest.mark.parametrize("pkg", PACKAGES)
def test_encrypt_stream(pywin32: types.SimpleNamespace, pkg: str) -> None:
    win32security, sspicon = pywin32.win32security, pywin32.sspicon
    sspiclient, sspiserver = _do_auth(pywin32, pkg)
    pkg_size_info = sspiclient.ctxt.QueryContextAttributes(sspicon.SECPKG_ATTR_SIZES)
    msg = b"some data to be encrypted ......"
    trailersize = pkg_size_info["SecurityTrailer"]
    blocksize = pkg_size_info["BlockSize"]
    encbuf = win32security.PySecBufferDescType()
    encbuf.append(win32security.PySecBufferType(trailersize, sspicon.SECBUFFER_TOKEN))
    encbuf.append(win32security.PySecBufferType(len(msg), sspicon.SECBUFFER_DATA))
    encbuf.append(win32security.PySecBufferType(blocksize, sspicon.SECBUFFER_PADDING))
    encbuf[1].Buffer = msg
    sspiclient.ctxt.EncryptMessage(0, encbuf, 1)
    encmsg = encbuf[0].Buffer + encbuf[1].Buffer + encbuf[2].Buffer
    decbuf = win32security.PySecBufferDescType()
    decbuf.append(win32security.PySecBufferType(len(encmsg), sspicon.SECBUFFER_STREAM))
    decbuf.append(win32security.PySecBufferType(0, sspicon.SECBUFFER_DATA))
    decbuf[0].Buffer = encmsg
    sspiserver.ctxt.DecryptMessage(decbuf, 1)
    assert decbuf[1].Buffer == msg


@pytest.mark.parametrize("pkg", PACKAGES)
def test_sign(pywin32: types.SimpleNamespace, pkg: str) -> None:
    win32security, sspicon = pywin32.win32security, pywin32.sspicon
    sspiclient, sspiserver = _do_auth(pywin32, pkg)
    pkg_size_info = sspiclient.ctxt.QueryContextAttributes(sspicon.SECPKG_ATTR_SIZES)
    msg = b"some data to be encrypted ......"
    sigsize = pkg_size_info["MaxSignature"]
    sigbuf = win32security.PySecBufferDescType()
    sigbuf.append(win32security.PySecBufferType(len(msg), sspicon.SECBUFFER_DATA))
    sigbuf.append(win32security.PySecBufferType(sigsize, sspicon.SECBUFFER_TOKEN))
    sigbuf[0].Buffer = msg
    sspiclient.ctxt.MakeSignature(0, sigbuf, 0)
    sspiserver.ctxt.VerifySignature(sigbuf, 0)
    sspiclient.next_seq_num = 1
    sspiserver.next_seq_num = 1
    data = b"hello"
    key = sspiclient.sign(data)
    sspiserver.verify(data, key)
    key = sspiclient.sign(data)
    with pytest.raises(win32security.error) as exc:
        sspiserver.verify(data + data, key)
    assert exc.value.winerror == sspicon.SEC_E_MESSAGE_ALTERED
    key = sspiserver.sign(data)
    sspiclient.verify(data, key)
    key = sspiserver.sign(data)
    with pytest.raises(win32security.error) as exc:
        sspiclient.verify(data + data, key)
    assert exc.value.winerror == sspicon.SEC_E_MESSAGE_ALTERED


@pytest.mark.parametrize("ssp", ["NTLM"])
def test_sspi_module_demo(pywin32: types.SimpleNamespace, ssp: str) -> None:
    # The `if __name__ == "__main__"` demo of pywin32's sspi.py. (Negotiate is left out: its loop calls
    # the server once more with an empty token after completion, which the Negotiate package treats as
    # a new authentication, so the demo's loop never ends.)
    win32security, sspicon, sspi = pywin32.win32security, pywin32.sspicon, pywin32.sspi
    cred_handle, _ = win32security.AcquireCredentialsHandle(None, ssp, sspicon.SECPKG_CRED_INBOUND, None, None)
    cred = cred_handle.QueryCredentialsAttributes(sspicon.SECPKG_CRED_ATTR_NAMES)
    sspiclient = sspi.ClientAuth(ssp, scflags=0, targetspn=cred)
    sspiserver = sspi.ServerAuth(ssp, scflags=0)
    sec_buffer = None
    while not sspiclient.authenticated or (sec_buffer and len(sec_buffer[0].Buffer)):
        client_step, sec_buffer = sspiclient.authorize(sec_buffer)
        server_step, sec_buffer = sspiserver.authorize(sec_buffer)
    sig = sspiclient.sign(b"hello")
    sspiserver.verify(b"hello", sig)
    data, key = sspiclient.encrypt(b"hello")
    assert sspiserver.decrypt(data, key) == b"hello"
    wrapped = sspiclient.wrap(b"hello")
    assert sspiserver.unwrap(wrapped) == (b"hello", False)
    wrapped = sspiserver.wrap(b"hello", encrypt=True)
    assert sspiclient.unwrap(wrapped) == (b"hello", True)
    assert sspiserver.initiator_name == "DEMO\\alice"
    assert isinstance(sspiserver.service_name, str)


def test_validate_password_demo(pywin32: types.SimpleNamespace) -> None:
    # Demos/security/sspi/validate_password.py (the except clause in Python 3 syntax).
    win32security = pywin32.win32security
    ClientAuth, ServerAuth = pywin32.sspi.ClientAuth, pywin32.sspi.ServerAuth

    def validate(username: str, password: str, domain: str = "") -> None:
        auth_info = username, domain, password
        ca = ClientAuth("NTLM", auth_info=auth_info)
        sa = ServerAuth("NTLM")
        data = err = None
        while err != 0:
            err, data = ca.authorize(data)
            err, data = sa.authorize(data)

    validate("bob", "B0b-secret", "DEMO")
    with pytest.raises(win32security.error) as exc:
        validate("bob", "wrong", "DEMO")
    hr, func, msg = exc.value.args
    assert hr == pywin32.sspicon.SEC_E_LOGON_DENIED and func == "AcceptSecurityContext" and msg


def test_socket_server_demo(pywin32: types.SimpleNamespace) -> None:
    # Demos/security/sspi/socket_server.py: length-prefixed messages over TCP, server impersonates.
    sspi = pywin32.sspi
    received: list[bytes] = []

    def _send_msg(s: socket.socket, m: bytes) -> None:
        s.sendall(struct.pack("i", len(m)) + m)

    def _get_msg(s: socket.socket) -> bytes | None:
        size_data = s.recv(struct.calcsize("i"))
        if not size_data:
            return None
        (cb,) = struct.unpack("i", size_data)
        data = b""
        while len(data) < cb:
            chunk = s.recv(cb - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    class SSPISocketServer(socketserver.TCPServer):
        def __init__(self, *args: Any, **kw: Any) -> None:
            socketserver.TCPServer.__init__(self, *args, **kw)
            self.sa = sspi.ServerAuth("NTLM")

        def verify_request(self, sock: Any, ca: Any) -> bool:
            self.sa.reset()
            while 1:
                data = _get_msg(sock)
                if data is None:
                    return False
                try:
                    err, sec_buffer = self.sa.authorize(data)
                except sspi.error:
                    return False
                if err == 0:
                    break
                _send_msg(sock, sec_buffer[0].Buffer)
            return True

        def process_request(self, request: Any, client_address: Any) -> None:
            self.sa.ctxt.ImpersonateSecurityContext()
            try:
                while 1:
                    data = _get_msg(request)
                    key = _get_msg(request)
                    if data is None or key is None:
                        break
                    received.append(self.sa.decrypt(data, key))
            finally:
                self.sa.ctxt.RevertSecurityContext()
            self.close_request(request)

    server = SSPISocketServer(("127.0.0.1", 0), None)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    try:
        with socket.create_connection(server.server_address[:2], timeout=30) as sock:
            ca = sspi.ClientAuth("NTLM", targetspn=None)
            data = None
            while 1:
                err, out_buf = ca.authorize(data)
                _send_msg(sock, out_buf[0].Buffer)
                if err == 0:
                    break
                data = _get_msg(sock)
            for word in b"Hello from the client".split():
                blob, key = ca.encrypt(word)
                _send_msg(sock, blob)
                _send_msg(sock, key)
        thread.join(30)
    finally:
        server.server_close()
    assert received == [b"Hello", b"from", b"the", b"client"]


def test_paramiko_style_calls(pywin32: types.SimpleNamespace) -> None:
    # paramiko/ssh_gss.py _SSH_SSPI (with Negotiate standing in for Kerberos, which needs a KDC).
    sspicon, sspi, pywintypes = pywin32.sspicon, pywin32.sspi, pywin32.pywintypes
    gss_exceptions = (pywintypes.error,)
    flags = sspicon.ISC_REQ_INTEGRITY | sspicon.ISC_REQ_MUTUAL_AUTH | sspicon.ISC_REQ_DELEGATE
    ctxt = sspi.ClientAuth("Negotiate", scflags=flags, targetspn="host/server.example")
    srv_ctxt = None
    recv_token = None
    done = False
    while not done:
        error, token = ctxt.authorize(recv_token)
        token = token[0].Buffer
        if error == 0 and not token:
            break
        srv_ctxt = srv_ctxt or sspi.ServerAuth("Negotiate", spn="host/server.example")
        _, out = srv_ctxt.authorize(token)
        recv_token = out[0].Buffer
        done = ctxt.authenticated and srv_ctxt.authenticated and not recv_token
        if ctxt.authenticated and srv_ctxt.authenticated and recv_token:
            ctxt.authorize(recv_token)
            done = True
    assert srv_ctxt is not None
    mic = ctxt.sign(b"mic field")
    srv_ctxt.verify(b"mic field", mic)
    with pytest.raises(gss_exceptions):
        srv_ctxt.verify(b"mic field!", ctxt.sign(b"mic field"))


def test_asyncssh_style_calls(pywin32: types.SimpleNamespace) -> None:
    # asyncssh/gss_win32.py: authorize, ctxt_attr flags, NATIVE_NAMES, sign/verify, reset, exc.strerror.
    from sspi import ClientAuth, ServerAuth  # type: ignore[import-not-found]
    from sspi import error as SSPIError  # type: ignore[import-not-found]
    from sspicon import (  # type: ignore[import-not-found]
        ASC_REQ_INTEGRITY,
        ASC_REQ_MUTUAL_AUTH,
        ASC_RET_INTEGRITY,
        ISC_REQ_INTEGRITY,
        ISC_REQ_MUTUAL_AUTH,
        ISC_RET_INTEGRITY,
        SECPKG_ATTR_NATIVE_NAMES,
    )

    client = ClientAuth("Negotiate", targetspn="host/server.example", scflags=ISC_REQ_MUTUAL_AUTH | ISC_REQ_INTEGRITY)
    server = ServerAuth("Negotiate", spn="host/server.example", scflags=ASC_REQ_MUTUAL_AUTH | ASC_REQ_INTEGRITY)
    token = None
    while not (client.authenticated and server.authenticated):
        _, buf = client.authorize(token)
        token = buf[0].Buffer
        if not token:
            break
        _, buf = server.authorize(token)
        token = buf[0].Buffer
        if client.authenticated and server.authenticated:
            break
    if token and not client.authenticated:
        client.authorize(token)
    assert client.authenticated and server.authenticated
    assert client.ctxt_attr & ISC_RET_INTEGRITY and server.ctxt_attr & ASC_RET_INTEGRITY
    assert server.ctxt.QueryContextAttributes(SECPKG_ATTR_NATIVE_NAMES)[0] == "DEMO\\alice"
    sig = client.sign(b"data")
    server.verify(b"data", sig)
    with pytest.raises(SSPIError) as exc:
        server.verify(b"data", b"\x00" * len(sig))
    assert isinstance(exc.value.strerror, str)
    client.reset()
    assert client.ctxt is None and not client.authenticated


def test_mysql_connector_style_calls(pywin32: types.SimpleNamespace) -> None:
    # mysql-connector's MySQLSSPIKerberosAuthPlugin: targetspn may be None; auth_info=(user, realm, password).
    import sspi  # type: ignore[import-not-found]
    import sspicon  # type: ignore[import-not-found]

    clientauth = sspi.ClientAuth(
        "Negotiate",
        targetspn=None,
        auth_info=("bob", "DEMO", "B0b-secret"),
        scflags=sum((sspicon.ISC_REQ_MUTUAL_AUTH, sspicon.ISC_REQ_DELEGATE)),
        datarep=sspicon.SECURITY_NETWORK_DREP,
    )
    server = sspi.ServerAuth("Negotiate")
    assert clientauth.pkg_info["Name"] == "Negotiate"
    err, out_buf = clientauth.authorize(None)
    while not clientauth.authenticated:
        _, sbuf = server.authorize(out_buf[0].Buffer)
        err, out_buf = clientauth.authorize(sbuf[0].Buffer)
    assert err == 0 and server.initiator_name == "DEMO\\bob"


def test_px_style_calls(pywin32: types.SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    # genotrance/px: ClientAuth("NTLM", os.environ.get("USERNAME"), scflags=0) - client_name positional.
    import os

    sspi, pywintypes = pywin32.sspi, pywin32.pywintypes
    monkeypatch.setenv("USERNAME", "alice")
    ctx = sspi.ClientAuth("NTLM", os.environ.get("USERNAME"), scflags=0)
    error_msg, output_buffer = ctx.authorize(None)
    negotiate = output_buffer[0].Buffer
    assert negotiate.startswith(b"NTLMSSP\x00")
    server = sspi.ServerAuth("NTLM")
    _, challenge = server.authorize(negotiate)
    error_msg, output_buffer = ctx.authorize(challenge[0].Buffer)
    server.authorize(output_buffer[0].Buffer)
    assert server.authenticated
    with pytest.raises(pywintypes.error):
        ctx.authorize(b"not a challenge")  # the context is complete: a further leg fails with pywintypes.error
