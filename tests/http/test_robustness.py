"""Bad input never crashes the HTTP layer; disconnects leave no context behind."""

from __future__ import annotations

import base64
import http.client
import io
import socket
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sspi_emu import ClientContext, Credential, dispatcher
from sspi_emu.accounts import MemoryAccountStore
from sspi_emu.entropy import PinnedEntropy, pinned
from sspi_emu.http.authenticator import HttpAuthenticator
from sspi_emu.http.headers import HeaderError, parse_authorization, parse_challenges
from sspi_emu.http.wsgi import SspiAuthMiddleware
from sspi_emu.testing.servers import start_server
from tests.http.helpers import DOMAIN, PASSWORD, USER

WHO = f"{DOMAIN}\\{USER}"


def _store() -> MemoryAccountStore:
    s = MemoryAccountStore()
    s.add(USER, PASSWORD, DOMAIN)
    return s


@pytest.fixture(scope="module")
def authenticator() -> HttpAuthenticator:
    auth = HttpAuthenticator(accounts=_store())
    yield auth  # type: ignore[misc]
    auth.close()


def _real_tokens() -> list[str]:
    """Authorization values from real exchanges, to mutate."""
    out = []
    for pkg in ("NTLM", "Negotiate"):
        c = ClientContext(pkg, target="HTTP/x", credential=Credential(pkg, user=WHO, password=PASSWORD))
        out.append(f"{pkg} " + base64.b64encode(c.step()).decode())
        c.close()
    out.append('Digest username="alice", realm="sspi-emu", uri="/", algorithm=MD5, nonce="AAAA", nc=00000001, '
               'cnonce="abc", qop=auth, response="00000000000000000000000000000000", opaque="x"')
    return out


REAL = _real_tokens()


def _mutate(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    buf = bytearray(data)
    for pos, val in edits:
        if buf:
            buf[pos % len(buf)] = val
    return bytes(buf)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(
    st.text(max_size=300),
    st.sampled_from(["Negotiate", "NTLM", "Digest", "Basic"]).flatmap(
        lambda s: st.text(max_size=200).map(lambda t: f"{s} {t}")),
    st.sampled_from(["Negotiate", "NTLM"]).flatmap(
        lambda s: st.binary(max_size=400).map(lambda b: f"{s} {base64.b64encode(b).decode()}")),
))
def test_fuzzed_authorization_is_400_or_401(authenticator: HttpAuthenticator, value: str) -> None:
    outcome = authenticator.authenticate(("fuzz", 1), value, method="GET", uri="/")
    assert outcome.status in (400, 401)
    authenticator.connection_closed(("fuzz", 1))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(range(len(REAL))), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)),
                                                  min_size=1, max_size=8))
def test_mutated_real_tokens_are_400_or_401(authenticator: HttpAuthenticator, which: int,
                                            edits: list[tuple[int, int]]) -> None:
    value = REAL[which]
    scheme, _, rest = value.partition(" ")
    if scheme == "Digest":
        mutated = scheme + " " + _mutate(rest.encode(), edits).decode("latin-1")
    else:
        mutated = scheme + " " + base64.b64encode(_mutate(base64.b64decode(rest), edits)).decode()
    outcome = authenticator.authenticate(("mut", 1), mutated)
    assert outcome.status in (400, 401)
    authenticator.connection_closed(("mut", 1))


@given(st.text(max_size=500))
def test_header_parsers_raise_only_header_error(value: str) -> None:
    parse_challenges(value)
    parse_challenges([value, value])
    try:
        parse_authorization(value)
    except HeaderError:
        pass


def test_challenge_list_splitting() -> None:
    got = parse_challenges('Negotiate, NTLM TlRMTVNTUAAB==, Digest realm="a, b", qop="auth,auth-int", nonce=x, Basic')
    assert [c.scheme for c in got] == ["Negotiate", "NTLM", "Digest", "Basic"]
    assert got[1].token().startswith(b"NTLMSSP")
    assert got[2].rest == 'realm="a, b", qop="auth,auth-int", nonce=x'


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=255), max_size=200))
def test_wsgi_middleware_never_500(authenticator: HttpAuthenticator, value: str) -> None:
    def app(environ, start_response):  # type: ignore[no-untyped-def]
        start_response("200 OK", [])
        return [b"ok"]

    mw = SspiAuthMiddleware(app, authenticator)
    seen: list[str] = []
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "HTTP_AUTHORIZATION": value,
               "wsgi.input": io.BytesIO(b"body"), "CONTENT_LENGTH": "4", "sspi_emu.connection_id": "w"}
    list(mw(environ, lambda status, headers, exc_info=None: seen.append(status)))
    assert seen and seen[0][:3] in ("400", "401")
    authenticator.connection_closed("w")


# --- against a live server -----------------------------------------------------------------------

MALFORMED = [
    "Negotiate", "NTLM", "Negotiate !!!!", "NTLM ====", "NTLM TlRMTVNTUAAB", "Negotiate YII=",
    "NTLM " + "A" * 60000, "Digest", "Digest username=", 'Digest username="alice", response=',
    "Digest " + "x=" * 3000, "Basic YWxpY2U6cGFzcw==", "\x00\x01", "NTLM \xff\xfe", " ", "Negotiate " + "YII" * 10,
]


@pytest.mark.parametrize("value", MALFORMED)
def test_live_server_malformed_headers(value: str) -> None:
    server = start_server()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
        conn.putrequest("GET", "/fuzz")
        conn.putheader("Authorization", value.encode("latin-1"))
        conn.endheaders()
        resp = conn.getresponse()
        resp.read()
        assert resp.status in (400, 401)
        conn.close()
        deadline = time.monotonic() + 5
        while not server.log and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.log, "each request gets a log line"
        assert not any(" 500 " in line or "Traceback" in line for line in server.log)
    finally:
        server.stop()


def _raw_leg(sock: socket.socket, port: int, value: str) -> bytes:
    sock.sendall(f"GET /mid HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: {value}\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


@pytest.mark.parametrize("package", ["NTLM", "Negotiate"])
def test_disconnect_mid_handshake_leaves_no_context(package: str) -> None:
    server = start_server()
    try:
        baseline = dispatcher.live_contexts()
        for _ in range(10):
            client = ClientContext(package, target="HTTP/127.0.0.1",
                                   credential=Credential(package, user=WHO, password=PASSWORD))
            first = base64.b64encode(client.step()).decode()
            client.close()
            with socket.create_connection(("127.0.0.1", server.port), timeout=20) as sock:
                head = _raw_leg(sock, server.port, f"{package} {first}")
                assert head.startswith(b"HTTP/1.1 401")
                assert f"WWW-Authenticate: {package} ".encode() in head  # the challenge: a context is pending
                assert server.authenticator.pending_handshakes() >= 1
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (server.authenticator.pending_handshakes()
                                               or dispatcher.live_contexts() > baseline):
            time.sleep(0.05)
        assert server.authenticator.pending_handshakes() == 0
        assert dispatcher.live_contexts() == baseline
    finally:
        server.stop()


def test_pending_handshakes_expire_without_close_notice() -> None:
    """Servers that cannot report closes (fallback keys): stale handshakes are swept."""
    auth = HttpAuthenticator(["NTLM"], accounts=_store(), handshake_timeout=60)
    try:
        client = ClientContext("NTLM", target="HTTP/x", credential=Credential("NTLM", user=WHO, password=PASSWORD))
        first = "NTLM " + base64.b64encode(client.step()).decode()
        client.close()
        baseline = dispatcher.live_contexts()
        with pinned(PinnedEntropy(seed=b"t", clock=1000.0)):
            assert auth.authenticate(("peer", "10.0.0.1", "1"), first).status == 401
        assert auth.pending_handshakes() == 1 and dispatcher.live_contexts() == baseline + 1
        with pinned(PinnedEntropy(seed=b"t", clock=1000.0 + 61)):
            auth.authenticate(("peer", "10.0.0.2", "2"), None)
        assert auth.pending_handshakes() == 0 and dispatcher.live_contexts() == baseline
    finally:
        auth.close()


class _EagerSweeper(HttpAuthenticator):
    """Sweeps on every request (the real one sweeps at most once a second), to expose races."""

    def _sweep(self, now: float) -> None:
        self._last_sweep = float("-inf")
        super()._sweep(now)


def test_concurrent_handshakes_survive_sweeps() -> None:
    """Regression: a sweep running while another thread starts a handshake must not orphan it
    (seen under load as "leg 1 refused: SEC_E_INVALID_TOKEN" on the AUTHENTICATE)."""
    import threading

    auth = _EagerSweeper(["NTLM"], accounts=_store(), persistent=False)
    cred = Credential("NTLM", user=WHO, password=PASSWORD)
    failures: list[str] = []

    def worker(n: int) -> None:
        for _ in range(60):
            c = ClientContext("NTLM", target="HTTP/x", credential=cred)
            key = ("t", n)
            o = auth.authenticate(key, "NTLM " + base64.b64encode(c.step()).decode())
            challenge = base64.b64decode(o.headers[0][1].split(" ", 1)[1])
            o = auth.authenticate(key, "NTLM " + base64.b64encode(c.step(challenge)).decode())
            if o.status != 200:
                failures.append(o.note)
            c.close()

    import sys

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so the race window is hit
    try:
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    auth.close()
    cred.close()
    assert failures == []


@pytest.fixture(scope="module")
def live_server():  # type: ignore[no-untyped-def]
    server = start_server()
    yield server
    server.stop()


_HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"),
                       max_size=300)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(
    _HEADER_TEXT,
    st.sampled_from(["Negotiate ", "NTLM ", "Digest "]).flatmap(lambda s: _HEADER_TEXT.map(lambda t: s + t)),
    st.sampled_from(range(len(REAL))).flatmap(lambda i: st.lists(st.tuples(st.integers(0, 10_000),
                                                                            st.integers(0, 255)), min_size=1,
                                                                  max_size=4).map(lambda e: (i, e))).map(
        lambda pair: REAL[pair[0]].split(" ")[0] + " " + base64.b64encode(
            _mutate(base64.b64decode(REAL[pair[0]].split(" ", 1)[1]), pair[1])).decode()
        if not REAL[pair[0]].startswith("Digest") else REAL[pair[0]]),
))
def test_live_server_fuzzed_headers(live_server, value: str) -> None:  # type: ignore[no-untyped-def]
    conn = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=20)
    try:
        conn.putrequest("GET", "/live-fuzz")
        conn.putheader("Authorization", value.encode("latin-1"))
        conn.endheaders()
        resp = conn.getresponse()
        resp.read()
        assert resp.status in (400, 401)
    finally:
        conn.close()
    assert not any(" 500 " in line or "Traceback" in line for line in live_server.log)


def _split_commas_reference(text: str) -> list[str]:
    """The definition, one character at a time (the oracle for the fast splitter)."""
    parts: list[str] = []
    buf: list[str] = []
    quoted = escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif quoted and ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            parts.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    parts.append("".join(buf))
    return parts


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list(',"\\ =ab')), max_size=40) | st.text(max_size=60))
def test_comma_splitting_matches_its_definition(text: str) -> None:
    from sspi_emu.http.headers import _split_commas

    assert _split_commas(text) == _split_commas_reference(text)
