"""Sending a request to a KDC: UDP first, TCP when the reply is too big or UDP fails (RFC 4120 7.2)."""

from __future__ import annotations

import socket
import struct
from typing import Callable, Protocol

__all__ = ["KdcUnreachable", "KdcTransport", "SocketTransport"]

#: KRB_ERR_RESPONSE_TOO_BIG
_TOO_BIG = 52


class KdcUnreachable(ConnectionError):
    """No KDC of the realm answered."""


class KdcTransport(Protocol):
    """Anything that can carry one request to a realm's KDC and return its reply."""

    def __call__(self, realm: str, request: bytes) -> bytes: ...


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    out = bytearray()
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise OSError("connection closed")
        out += chunk
    return bytes(out)


def _is_too_big(reply: bytes) -> bool:
    # KRB-ERROR with error-code 52: cheap check for the INTEGER after [6].
    return len(reply) > 2 and reply[0] == 0x7E and b"\xa6\x03\x02\x01\x34" in reply


class SocketTransport:
    """UDP/TCP to the addresses *locate(realm)* returns, with a short overall timeout."""

    def __init__(self, locate: Callable[[str], list[tuple[str, int]]], timeout: float = 1.5,
                 udp_limit: int = 1465) -> None:
        self.locate = locate
        self.timeout = timeout
        self.udp_limit = udp_limit

    def _udp(self, addr: tuple[str, int], request: bytes, timeout: float) -> bytes:
        family = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            s.sendto(request, addr)
            data, _ = s.recvfrom(65536)
            return data

    def _tcp(self, addr: tuple[str, int], request: bytes, timeout: float) -> bytes:
        with socket.create_connection(addr, timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(struct.pack(">I", len(request)) + request)
            (n,) = struct.unpack(">I", _recv_exact(s, 4))
            if n > 1 << 24:
                raise OSError("oversized KDC reply")
            return _recv_exact(s, n)

    def __call__(self, realm: str, request: bytes) -> bytes:
        addrs = self.locate(realm)
        if not addrs:
            raise KdcUnreachable(f"no KDC configured for {realm}")
        per = max(0.2, self.timeout / (2 * len(addrs)))
        errors: list[str] = []
        for addr in addrs:
            if len(request) <= self.udp_limit:
                try:
                    reply = self._udp(addr, request, per)
                    if not _is_too_big(reply):
                        return reply
                except OSError as exc:
                    errors.append(f"udp {addr[0]}:{addr[1]}: {type(exc).__name__}")
            try:
                return self._tcp(addr, request, per)
            except OSError as exc:
                errors.append(f"tcp {addr[0]}:{addr[1]}: {type(exc).__name__}")
        raise KdcUnreachable("; ".join(errors))
