"""A scripted negative-conformance set for TLS servers, sent over raw sockets.

Each case sends hand-built bytes (built here with struct packing, independently of the
package's own encoders) to a TLS server and classifies what comes back: the first record's
alert description, ``server_hello`` when the server goes on with the handshake, or
``closed`` when it hangs up without a word. A case passes when the outcome is one the RFCs
allow (RFC 8446 / RFC 5246 sections named per case).

Run ``python -m tests.interop.schannel.conformance`` to print the table for CONFORMANCE.md
(our Schannel server and ``openssl s_server`` on the same scripts).
"""

from __future__ import annotations

import os
import socket
import struct
from dataclasses import dataclass
from typing import Callable

# alert descriptions
UNEXPECTED_MESSAGE = 10
RECORD_OVERFLOW = 22
HANDSHAKE_FAILURE = 40
ILLEGAL_PARAMETER = 47
DECODE_ERROR = 50
PROTOCOL_VERSION = 70
INAPPROPRIATE_FALLBACK = 86
MISSING_EXTENSION = 109

X25519, SECP256R1 = 0x001D, 0x0017
INCOMPLETE = 0x80090318  # SEC_E_INCOMPLETE_MESSAGE: the harness keeps reading
TLS13_SUITES = (0x1301, 0x1302, 0x1303)
TLS12_SUITES = (0xC02B, 0xC02F, 0xC02C, 0xC030)
SCHEMES = (0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501)


def u8(v: int) -> bytes:
    return struct.pack(">B", v)


def u16(v: int) -> bytes:
    return struct.pack(">H", v)


def v8(b: bytes) -> bytes:
    return u8(len(b)) + b


def v16(b: bytes) -> bytes:
    return u16(len(b)) + b


def extension(kind: int, body: bytes) -> bytes:
    return u16(kind) + v16(body)


def sni(name: str = "localhost") -> bytes:
    return extension(0, v16(b"\x00" + v16(name.encode())))


def groups(*gs: int) -> bytes:
    return extension(10, v16(b"".join(u16(g) for g in gs)))


def sig_algs(*schemes: int) -> bytes:
    return extension(13, v16(b"".join(u16(s) for s in schemes or SCHEMES)))


def versions(*vs: int) -> bytes:
    return extension(43, v8(b"".join(u16(v) for v in vs)))


def key_share(group: int = X25519, key: bytes | None = None) -> bytes:
    if key is None:
        key = bytes([9]) + bytes(31) if group == X25519 else b"\x04" + bytes(64)
    return extension(51, v16(u16(group) + v16(key)))


def psk_modes() -> bytes:
    return extension(45, v8(b"\x01"))


def ems() -> bytes:
    return extension(23, b"")


def reneg() -> bytes:
    return extension(0xFF01, b"\x00")


def tls13_extensions() -> list[bytes]:
    """What a plain TLS 1.3 ClientHello carries (offering 1.3 and 1.2)."""
    return [sni(), groups(X25519, SECP256R1), sig_algs(), versions(0x0304, 0x0303), key_share(), psk_modes(), ems(),
            reneg()]


def client_hello(exts: list[bytes] | None = None, suites: tuple[int, ...] = TLS13_SUITES + TLS12_SUITES,
                 legacy_version: int = 0x0303, compression: bytes = b"\x00", session_id: bytes = b"") -> bytes:
    """The ClientHello handshake message (type and length included)."""
    body = (u16(legacy_version) + os.urandom(32) + v8(session_id) + v16(b"".join(u16(s) for s in suites))
            + v8(compression) + v16(b"".join(tls13_extensions() if exts is None else exts)))
    return handshake(1, body)


def handshake(kind: int, body: bytes) -> bytes:
    return u8(kind) + struct.pack(">I", len(body))[1:] + body


def record(ctype: int, payload: bytes, version: int = 0x0301) -> bytes:
    return u8(ctype) + u16(version) + u16(len(payload)) + payload


def hello_record(**kw: object) -> bytes:
    return record(22, client_hello(**kw))  # type: ignore[arg-type]


@dataclass
class Case:
    """One script: what to send, which outcomes conform, and where the RFC says so."""

    name: str
    send: Callable[[], bytes]
    allowed: frozenset[str]
    rfc: str


def alert(n: int) -> str:
    return f"alert {n}"


def _cases() -> list[Case]:
    hs = "server_hello"
    out: list[Case] = []

    def case(name: str, send: Callable[[], bytes], allowed: set[str], rfc: str) -> None:
        out.append(Case(name, send, frozenset(allowed), rfc))

    # positive controls: the server must go on
    case("valid TLS 1.3 ClientHello", lambda: hello_record(), {hs}, "RFC 8446 4.1.2")
    case("unknown extension ignored", lambda: hello_record(exts=[*tls13_extensions(), extension(0xFADE, b"\x01\x02")]),
         {hs}, "RFC 8446 4.2 / RFC 5246 7.4.1.4 (unknown extensions are ignored)")
    case("ClientHello split over two records", lambda: (lambda m: record(22, m[:20]) + record(22, m[20:]))(
        client_hello()), {hs}, "RFC 8446 5.1 (handshake messages may be fragmented)")
    case("GREASE values ignored", lambda: hello_record(
        exts=[extension(0x0A0A, b""), sni(), groups(0x1A1A, X25519), sig_algs(), versions(0x2A2A, 0x0304),
              key_share(), psk_modes()], suites=(0x3A3A, *TLS13_SUITES)), {hs}, "RFC 8701")
    case("TLS 1.2 only ClientHello", lambda: hello_record(
        exts=[sni(), groups(X25519, SECP256R1), sig_algs(), ems(), reneg(), extension(11, b"\x01\x00")],
        suites=TLS12_SUITES), {hs}, "RFC 5246 7.4.1.2")
    # record layer
    case("unknown record content type", lambda: record(0x63, client_hello()), {alert(UNEXPECTED_MESSAGE), "closed"},
         "RFC 8446 5 (unexpected_message)")
    case("record version major byte not 3", lambda: record(22, client_hello(), version=0x0403),
         {alert(PROTOCOL_VERSION), alert(DECODE_ERROR), "closed"}, "RFC 8446 5.1 / RFC 5246 6.2.1")
    case("record longer than 2^14 + 2048", lambda: u8(22) + u16(0x0301) + u16(0x4801) + bytes(0x4801),
         {alert(RECORD_OVERFLOW)}, "RFC 8446 5.1 / RFC 5246 6.2.1 (record_overflow)")
    case("zero-length handshake record", lambda: record(22, b"") + hello_record(),
         {alert(UNEXPECTED_MESSAGE), alert(DECODE_ERROR)}, "RFC 8446 5.1 (zero-length handshake fragments)")
    case("application data before the handshake", lambda: record(23, b"GET / HTTP/1.0\r\n\r\n"),
         {alert(UNEXPECTED_MESSAGE)}, "RFC 8446 5 / RFC 5246 7.4 (unexpected_message)")
    case("plain HTTP instead of TLS", lambda: b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
         {alert(UNEXPECTED_MESSAGE), alert(PROTOCOL_VERSION), alert(DECODE_ERROR), "closed"}, "RFC 8446 5")
    # handshake order
    case("Finished as the first message", lambda: record(22, handshake(20, bytes(32))),
         {alert(UNEXPECTED_MESSAGE)}, "RFC 8446 4 / RFC 5246 7.4 (unexpected_message)")
    case("ServerHello sent to a server", lambda: record(22, handshake(2, bytes(38) + b"\x13\x01\x00\x00\x00")),
         {alert(UNEXPECTED_MESSAGE)}, "RFC 8446 4 (unexpected_message)")
    case("two ClientHellos back to back", lambda: hello_record() + hello_record(),
         {alert(UNEXPECTED_MESSAGE), hs}, "RFC 8446 4.1.2 (a second ClientHello only after HelloRetryRequest)")
    # malformed ClientHello
    case("ClientHello cut short inside its extensions", lambda: (lambda m: record(22, handshake(1, m[4:-7])))(
        client_hello()), {alert(DECODE_ERROR)}, "RFC 8446 6 / RFC 5246 7.2.2 (decode_error)")
    case("incomplete ClientHello: the server waits", lambda: record(22, client_hello())[:-7],
         {"silent"}, "RFC 8446 5.1 (a record is processed only once whole)")
    case("ClientHello with trailing garbage", lambda: (lambda m: record(22, handshake(1, m[4:] + b"\x00\x01")))(
        client_hello()), {alert(DECODE_ERROR)}, "RFC 8446 4.2 (decode_error)")
    case("extension length overruns the block", lambda: hello_record(exts=[*tls13_extensions(), u16(0xFADE) + u16(40)]),
         {alert(DECODE_ERROR)}, "RFC 8446 4.2 (decode_error)")
    case("duplicate extension", lambda: hello_record(exts=[*tls13_extensions(), sni()]),
         {alert(ILLEGAL_PARAMETER), alert(DECODE_ERROR)}, "RFC 8446 4.2 (no two extensions of one type)")
    case("compression methods without null", lambda: hello_record(compression=b"\x01"),
         {alert(ILLEGAL_PARAMETER), alert(HANDSHAKE_FAILURE), alert(DECODE_ERROR)}, "RFC 8446 4.1.2 (illegal_parameter)")
    case("session id longer than 32 bytes", lambda: hello_record(session_id=bytes(33)),
         {alert(DECODE_ERROR), alert(ILLEGAL_PARAMETER)}, "RFC 8446 4.1.2 / RFC 5246 7.4.1.2")
    case("empty cipher suite list", lambda: hello_record(suites=()),
         {alert(DECODE_ERROR), alert(HANDSHAKE_FAILURE), alert(ILLEGAL_PARAMETER)}, "RFC 8446 4.1.2 (<2..2^16-2>)")
    case("no common cipher suite", lambda: hello_record(suites=(0x0005, 0x000A)),
         {alert(HANDSHAKE_FAILURE), alert(ILLEGAL_PARAMETER)}, "RFC 8446 4.1.1 / RFC 5246 7.4.1.3")
    # versions
    case("SSL 3.0 only (no supported_versions)", lambda: hello_record(
        exts=[sni(), groups(X25519), sig_algs()], suites=TLS12_SUITES, legacy_version=0x0300),
         {alert(PROTOCOL_VERSION), alert(HANDSHAKE_FAILURE)}, "RFC 8446 4.2.1 / RFC 8996 (protocol_version)")
    case("supported_versions lists only unknown versions", lambda: hello_record(
        exts=[sni(), groups(X25519), sig_algs(), versions(0x7F00, 0x0305), key_share()], suites=TLS13_SUITES),
         {alert(PROTOCOL_VERSION)}, "RFC 8446 4.2.1 (protocol_version)")
    case("supported_versions with an odd length", lambda: hello_record(
        exts=[sni(), groups(X25519), sig_algs(), extension(43, b"\x03\x03\x04\x03"), key_share()]),
         {alert(DECODE_ERROR)}, "RFC 8446 4.2.1 (decode_error)")
    case("TLS 1.2 ClientHello with TLS_FALLBACK_SCSV", lambda: hello_record(
        exts=[sni(), groups(X25519, SECP256R1), sig_algs(), ems(), reneg(), extension(11, b"\x01\x00")],
        suites=(*TLS12_SUITES, 0x5600)), {alert(INAPPROPRIATE_FALLBACK)}, "RFC 7507 3 (inappropriate_fallback)")
    # TLS 1.3 extension rules
    case("TLS 1.3 without key_share or supported_groups", lambda: hello_record(
        exts=[sni(), sig_algs(), versions(0x0304), psk_modes()], suites=TLS13_SUITES),
         {alert(MISSING_EXTENSION), alert(HANDSHAKE_FAILURE)}, "RFC 8446 9.2 (missing_extension)")
    case("TLS 1.3 without signature_algorithms", lambda: hello_record(
        exts=[sni(), groups(X25519), versions(0x0304), key_share(), psk_modes()], suites=TLS13_SUITES),
         {alert(MISSING_EXTENSION)}, "RFC 8446 9.2 (missing_extension)")
    case("key_share for a group not in supported_groups", lambda: hello_record(
        exts=[sni(), groups(SECP256R1), sig_algs(), versions(0x0304), key_share(X25519), psk_modes()],
        suites=TLS13_SUITES), {alert(ILLEGAL_PARAMETER)}, "RFC 8446 4.2.8 (illegal_parameter)")
    case("x25519 key_share of 31 bytes", lambda: hello_record(
        exts=[sni(), groups(X25519), sig_algs(), versions(0x0304), key_share(X25519, bytes(31)), psk_modes()],
        suites=TLS13_SUITES), {alert(ILLEGAL_PARAMETER), alert(DECODE_ERROR)}, "RFC 8446 4.2.8.2")
    case("P-256 key_share not on the curve", lambda: hello_record(
        exts=[sni(), groups(SECP256R1), sig_algs(), versions(0x0304), key_share(SECP256R1, b"\x04" + b"\x01" * 64),
              psk_modes()], suites=TLS13_SUITES), {alert(ILLEGAL_PARAMETER)}, "RFC 8446 4.2.8.2 (illegal_parameter)")
    case("pre_shared_key not the last extension", lambda: hello_record(
        exts=[extension(41, v16(v16(b"id") + bytes(4)) + v16(v8(bytes(32)))), *tls13_extensions()],
        suites=TLS13_SUITES), {alert(ILLEGAL_PARAMETER)}, "RFC 8446 4.2.11 (illegal_parameter)")
    case("pre_shared_key without psk_key_exchange_modes", lambda: hello_record(
        exts=[sni(), groups(X25519), sig_algs(), versions(0x0304), key_share(),
              extension(41, v16(v16(b"id") + bytes(4)) + v16(v8(bytes(32))))], suites=TLS13_SUITES),
         {alert(MISSING_EXTENSION)}, "RFC 8446 4.2.9 (missing_extension)")
    case("SNI with a bad inner length", lambda: hello_record(
        exts=[extension(0, v16(b"\x00" + u16(50) + b"localhost")), *tls13_extensions()[1:]]),
         {alert(DECODE_ERROR), alert(ILLEGAL_PARAMETER)}, "RFC 6066 3 (decode_error)")
    case("non-empty renegotiation_info in an initial ClientHello", lambda: hello_record(
        exts=[sni(), groups(X25519, SECP256R1), sig_algs(), ems(), extension(0xFF01, v8(bytes(12)))],
        suites=TLS12_SUITES), {alert(HANDSHAKE_FAILURE)}, "RFC 5746 3.6 (handshake_failure)")
    return out


CASES = _cases()


def classify(data: bytes, closed: bool) -> str:
    """The outcome from the server's first bytes."""
    if len(data) >= 7 and data[0] == 21:
        return alert(data[6])
    if len(data) >= 6 and data[0] == 22 and data[5] == 2:
        return "server_hello"
    if not data:
        return "closed" if closed else "silent"
    return f"other {data[:6].hex()}"


def run_case(case: Case, port: int, host: str = "127.0.0.1", timeout: float = 5.0) -> str:
    """Send one case to a server and classify the answer."""
    with socket.create_connection((host, port), timeout) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendall(case.send())
        except OSError:
            return "closed"
        data = b""
        closed = False
        while len(data) < 7:
            try:
                chunk = sock.recv(4096)
            except TimeoutError:
                break
            except OSError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            data += chunk
    return classify(data, closed)


def run_all(port: int) -> dict[str, tuple[str, bool]]:
    """name -> (outcome, conforms) for every case."""
    results = {}
    for case in CASES:
        outcome = run_case(case, port)
        results[case.name] = (outcome, outcome in case.allowed)
    return results


class OurServer:
    """Our Schannel server on a loopback TCP port: every connection is driven through AcceptSecurityContext."""

    def __init__(self, credential: object) -> None:
        import threading

        self.credential = credential
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        from tests.packages.schannel.schannel_helpers import Endpoint

        while not self._stop:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                # longer than the client's wait, so a "silent" server never races the client's timeout
                # (the client hangs up after its own timeout, which ends this recv at once)
                conn.settimeout(30)
                ours = Endpoint(self.credential, True)  # type: ignore[arg-type]
                try:
                    while True:
                        data = conn.recv(65536)
                        if not data:
                            break
                        out = ours.handshake(data)
                        if ours.status is not None and ours.status.is_error and ours.status != INCOMPLETE:
                            conn.sendall(out or ours.alert)
                            break
                        if out:
                            conn.sendall(out)
                except OSError:
                    pass

    def close(self) -> None:
        self._stop = True
        self.listener.close()


def _table(ours: dict[str, tuple[str, bool]], openssl: dict[str, tuple[str, bool]]) -> str:
    lines = ["| case | allowed (RFC) | sspi-emu Schannel | openssl s_server |", "|---|---|---|---|"]
    for case in CASES:
        o, oo = ours[case.name], openssl[case.name]
        allowed = ", ".join(sorted(case.allowed))
        lines.append(f"| {case.name} | {allowed} ({case.rfc}) | {o[0]} {'✓' if o[1] else '✗'} "
                     f"| {oo[0]} {'✓' if oo[1] else '✗'} |")
    n = len(CASES)
    lines.append(f"| **passed** | | **{sum(v[1] for v in ours.values())}/{n}** "
                 f"| **{sum(v[1] for v in openssl.values())}/{n}** |")
    return "\n".join(lines)


def main() -> None:
    """Print the CONFORMANCE.md table (our server and openssl s_server on the same scripts)."""
    import subprocess
    import tempfile
    from pathlib import Path

    from sspi_emu_schannel import SCH_CREDENTIALS

    from sspi_emu import constants as C
    from tests.interop.schannel.conftest import make_pem_pki
    from tests.packages.schannel.schannel_helpers import acquire

    pki = make_pem_pki(Path(tempfile.mkdtemp()))
    server = OurServer(acquire(C.SECPKG_CRED_INBOUND, SCH_CREDENTIALS(paCred=[pki.server])))
    ours = run_all(server.port)
    server.close()
    with openssl_s_server(pki) as port:
        theirs = run_all(port)
    print(subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip())
    print(_table(ours, theirs))


def openssl_s_server(pki: object):  # type: ignore[no-untyped-def]
    """`openssl s_server` on a free port with the PKI's server certificate (a context manager giving the port)."""
    from tests.interop.schannel.test_schannel_openssl_cli import s_server

    return s_server(pki, "-naccept", str(len(CASES) + 2))


if __name__ == "__main__":
    main()
