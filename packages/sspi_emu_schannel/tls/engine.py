"""The parts of a TLS connection both sides share: records in and out, transcript, alerts, states."""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from enum import Enum

from cryptography import x509
from cryptography.utils import CryptographyDeprecationWarning

from sspi_emu import entropy

from . import post_auth
from .codec import DecodeError, TlsError
from .config import TlsConfig
from .constants import RECORD_HEADER, TLS12, TLS13, AlertDescription, AlertLevel, ContentType, HandshakeType
from .keyschedule import KeySchedule13, key_block12
from .messages import CertificateRequest13, HandshakeReassembler, KeyUpdate, NewSessionTicket13, frame
from .records import RecordCipher, parse_header, record_header, record_need
from .resumption import ResumableSession, resumption_psk
from .suites import CipherSuite


class State(Enum):
    START = "start"
    WAIT_SERVER_HELLO = "wait ServerHello"
    WAIT_CLIENT_HELLO = "wait ClientHello"
    WAIT_ENCRYPTED_EXTENSIONS = "wait EncryptedExtensions"
    WAIT_CERTIFICATE_OR_REQUEST = "wait Certificate or CertificateRequest"
    WAIT_CERTIFICATE = "wait Certificate"
    WAIT_CERTIFICATE_VERIFY = "wait CertificateVerify"
    WAIT_FINISHED = "wait Finished"
    WAIT_SERVER_KEY_EXCHANGE = "wait ServerKeyExchange"
    WAIT_SERVER_HELLO_DONE = "wait ServerHelloDone or CertificateRequest"
    WAIT_CLIENT_KEY_EXCHANGE = "wait ClientKeyExchange"
    WAIT_CHANGE_CIPHER_SPEC = "wait ChangeCipherSpec"
    CONNECTED = "connected"
    CLOSED = "closed"
    FAILED = "failed"


class PeerAlert(Exception):
    """The peer sent an alert."""

    def __init__(self, level: int, description: int) -> None:
        self.level = level
        self.description = description
        try:
            name = AlertDescription(description).name
        except ValueError:
            name = str(description)
        super().__init__(f"peer alert {name}")


@dataclass
class FeedResult:
    """How much of the input a handshake leg used: ``consumed`` bytes, or ``missing`` for a partial first record."""

    consumed: int
    missing: int = 0


class TlsEngine:
    """Common machinery; :class:`~.client.TlsClient` and :class:`~.server.TlsServer` add the state machines."""

    is_server = False

    def __init__(self, config: TlsConfig) -> None:
        self.config = config
        self.state = State.START
        self.version = 0
        self.suite: CipherSuite | None = None
        self.group = 0
        self.peer_chain: list[x509.Certificate] = []
        self.peer_scheme = 0
        self.local_chain: list[x509.Certificate] = list(config.certificate_chain)
        self.awaiting_certificate = False
        #: True once this side has sent its own certificate (always for a server; a client only when asked).
        self.certificate_sent = False
        self.extended_master_secret = False
        self.secure_renegotiation = False
        self.alpn: bytes | None = None
        self.server_name: str | None = None
        self.tickets: list[NewSessionTicket13] = []
        #: Sessions the client can resume later (one per NewSessionTicket).
        self.sessions: list[ResumableSession] = []
        #: True when this handshake resumed a session (PSK with ECDHE).
        self.resumed = False
        self.read: RecordCipher | None = None
        self.write: RecordCipher | None = None
        self.schedule: KeySchedule13 | None = None
        self._transcript = bytearray()
        self._hs = HandshakeReassembler()
        self._out = bytearray()
        self._pending = bytearray()
        self._record_version = TLS12
        self._flight_done = False
        self._client_app_secret = b""
        self._server_app_secret = b""
        self.exporter_master_secret = b""
        self.resumption_master_secret = b""
        self.master_secret12 = b""
        self._read12: RecordCipher | None = None
        self._write12: RecordCipher | None = None
        self.client_random = b""
        self.server_random = b""
        self.client_finished = b""
        self.server_finished = b""
        #: Answers owed to post-handshake messages, sent by :meth:`answer_post_handshake` (the next ISC/ASC leg).
        self._owed_key_update = False
        self._owed_no_renegotiation = 0
        #: Post-handshake client authentication (TLS 1.3): requests a client still has to answer,
        #: the request a server waits on, whether the client offered it, whether a server asked.
        self._pha_owed: list[tuple[CertificateRequest13, bytes]] = []
        self._pha_pending: post_auth.ServerRequest | None = None
        self.pha_offered = False
        self.pha_requested = False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} state={self.state.value!r} version=0x{self.version:04x}>"

    def peer_public_key(self) -> object:
        """The public key of the peer's leaf certificate (bad_certificate if it cannot be used)."""
        try:
            return self.peer_chain[0].public_key()
        except Exception as exc:  # noqa: BLE001 - ValueError, UnsupportedAlgorithm, ... for odd keys
            raise TlsError(AlertDescription.BAD_CERTIFICATE, f"unusable certificate key: {exc}") from None

    # --- properties --------------------------------------------------------------------
    @property
    def complete(self) -> bool:
        return self.state is State.CONNECTED

    @property
    def hash_name(self) -> str:
        assert self.suite is not None
        return self.suite.hash_name

    def transcript_hash(self) -> bytes:
        return hashlib.new(self.hash_name, self._transcript).digest()

    # --- output ------------------------------------------------------------------------
    def take_output(self) -> bytes:
        """Everything queued for the peer since the last call."""
        self._flush()
        out = bytes(self._out)
        self._out.clear()
        return out

    def _send_handshake(self, msg_type: int, body: bytes, transcript: bool = True) -> bytes:
        raw = frame(msg_type, body)
        if transcript:
            self._transcript += raw
        self._pending += raw
        return raw

    def _flush(self) -> None:
        """Put buffered handshake messages into records under the current write protection."""
        if not self._pending:
            return
        data = bytes(self._pending)
        self._pending.clear()
        if self.write is None:
            for i in range(0, len(data), 16384):
                chunk = data[i : i + 16384]
                self._out += record_header(ContentType.HANDSHAKE, self._record_version, len(chunk)) + chunk
            self._record_version = TLS12
        else:
            self._out += self.write.seal_many(ContentType.HANDSHAKE, data)

    def _set_write(self, cipher: RecordCipher | None) -> None:
        self._flush()
        self.write = cipher

    def _send_ccs(self) -> None:
        self._flush()
        self._out += record_header(ContentType.CHANGE_CIPHER_SPEC, TLS12, 1) + b"\x01"

    def alert_record(self, description: int, level: int = AlertLevel.FATAL) -> bytes:
        """An alert record protected as the peer currently expects."""
        self._flush()
        body = bytes((level, description))
        if self.write is None:
            return record_header(ContentType.ALERT, TLS12, 2) + body
        return self.write.seal(ContentType.ALERT, body)

    # --- input -------------------------------------------------------------------------
    def feed(self, data: bytes | bytearray | memoryview) -> FeedResult:
        """Process whole records from *data* until the handshake needs to answer, completes, or the data ends.

        A partial record is never consumed: if the first record is partial, nothing is and
        ``missing`` says how many more bytes it needs.
        """
        view = memoryview(data)
        off = 0
        self._flight_done = False
        try:
            while off < len(view) and self.state is not State.CONNECTED and not self.awaiting_certificate:
                need = record_need(view, off)
                if need:
                    if off == 0:
                        return FeedResult(0, need)
                    break
                length = int.from_bytes(view[off + 3 : off + 5], "big")
                end = off + RECORD_HEADER + length
                self.receive_record(view[off:end])
                off = end
                if self._flight_done:
                    break
        except (TlsError, PeerAlert):
            self.state = State.FAILED
            raise
        return FeedResult(off)

    def receive_record(self, record: memoryview) -> None:
        """Handle one whole record during the handshake."""
        ctype, _version, length = parse_header(record)
        if ctype == ContentType.CHANGE_CIPHER_SPEC:
            if length != 1 or record[5] != 1:
                raise TlsError(AlertDescription.UNEXPECTED_MESSAGE, "bad ChangeCipherSpec")
            self._on_change_cipher_spec()
            return
        if self.read is not None and not (ctype == ContentType.ALERT and self.version == TLS13 and length == 2):
            buf = bytearray(record)
            ctype, start, n = self.read.open_in_place(memoryview(buf))
            payload = bytes(buf[start : start + n])
        else:
            if self.read is not None:
                raise TlsError(AlertDescription.UNEXPECTED_MESSAGE, "plaintext record after keys changed")
            payload = bytes(record[RECORD_HEADER:])
        if ctype == ContentType.ALERT:
            if len(payload) != 2:
                raise DecodeError("bad alert")
            raise PeerAlert(payload[0], payload[1])
        if ctype != ContentType.HANDSHAKE:
            raise TlsError(AlertDescription.UNEXPECTED_MESSAGE, f"record type {ctype} during the handshake")
        if not payload:
            raise TlsError(AlertDescription.UNEXPECTED_MESSAGE, "empty handshake record")
        self._hs.add(payload)
        while self.state is not State.CONNECTED and not self.awaiting_certificate:
            msg = self._hs.next()
            if msg is None:
                break
            msg_type, body, raw = msg
            self._handle(msg_type, body, raw)
        if self.state is State.CONNECTED and self._hs.pending:
            raise TlsError(AlertDescription.UNEXPECTED_MESSAGE, "handshake data after Finished")

    def _require_no_pending(self) -> None:
        """A key change must fall on a record boundary (RFC 8446 5.1)."""
        if self._hs.pending:
            raise TlsError(AlertDescription.UNEXPECTED_MESSAGE, "handshake data across a key change")

    def _install_keys12(self) -> None:
        """Derive the TLS 1.2 key block and make this side's read and write record ciphers."""
        assert self.suite is not None
        s = self.suite
        n = 2 * s.key_len + 2 * s.fixed_iv_len
        block = key_block12(self.hash_name, self.master_secret12, self.client_random, self.server_random, n)
        ck, sk = block[: s.key_len], block[s.key_len : 2 * s.key_len]
        civ = block[2 * s.key_len : 2 * s.key_len + s.fixed_iv_len]
        siv = block[2 * s.key_len + s.fixed_iv_len :]
        client, server = RecordCipher(s, TLS12, ck, civ), RecordCipher(s, TLS12, sk, siv)
        self._write12, self._read12 = (server, client) if self.is_server else (client, server)

    def _on_change_cipher_spec(self) -> None:
        if self.version == TLS12 and self.state is State.WAIT_CHANGE_CIPHER_SPEC:
            self._require_no_pending()
            self.read = self._read12
            self.state = State.WAIT_FINISHED
            return
        if self.version == TLS13 or self.state in (State.WAIT_SERVER_HELLO, State.START, State.WAIT_CLIENT_HELLO):
            # TLS 1.3 middlebox compatibility: ignored (RFC 8446 5).
            if self.state is State.CONNECTED:
                raise TlsError(AlertDescription.UNEXPECTED_MESSAGE, "ChangeCipherSpec after the handshake")
            return
        raise TlsError(AlertDescription.UNEXPECTED_MESSAGE, "unexpected ChangeCipherSpec")

    def _handle(self, msg_type: int, body: bytes, raw: bytes) -> None:
        raise NotImplementedError

    def _unexpected(self, msg_type: int) -> TlsError:
        try:
            name = HandshakeType(msg_type).name
        except ValueError:
            name = str(msg_type)
        return TlsError(AlertDescription.UNEXPECTED_MESSAGE, f"{name} in state {self.state.value}")

    # --- TLS 1.3 key installation --------------------------------------------------------
    def _cipher13(self, secret: bytes) -> RecordCipher:
        assert self.suite is not None and self.schedule is not None
        key, iv = self.schedule.traffic_keys(secret, self.suite.key_len)
        return RecordCipher(self.suite, TLS13, key, iv)

    def _derive_application_secrets(self) -> None:
        assert self.schedule is not None
        th = self.transcript_hash()
        self._client_app_secret, self._server_app_secret = self.schedule.application_traffic(th)
        self.exporter_master_secret = self.schedule.exporter_master(th)

    # --- after the handshake ------------------------------------------------------------
    def post_handshake(self, payload: bytes) -> None:
        """Handle handshake messages that arrive after the handshake (what DecryptMessage saw).

        TLS 1.3: NewSessionTicket (kept) and KeyUpdate (reading keys switched at once). TLS 1.2:
        a renegotiation request (HelloRequest to a client, ClientHello to a server) is refused
        with a no_renegotiation warning alert (RFC 5246 7.2.2). Answers (a KeyUpdate in return,
        the alert) are owed until :meth:`answer_post_handshake`, so that records the caller
        encrypts meanwhile stay under the keys the peer expects.
        """
        self._hs.add(payload)
        while True:
            msg = self._hs.next()
            if msg is None:
                return
            msg_type, body, raw = msg
            if self.version != TLS13:
                wanted = HandshakeType.CLIENT_HELLO if self.is_server else 0  # HelloRequest
                if msg_type != wanted or (msg_type == 0 and body):
                    raise self._unexpected(msg_type)
                self._owed_no_renegotiation += 1
            elif msg_type == HandshakeType.NEW_SESSION_TICKET and not self.is_server:
                self._keep_ticket(NewSessionTicket13.decode(body))
            elif msg_type == HandshakeType.KEY_UPDATE:
                self._require_no_pending()
                update = KeyUpdate.decode(body)
                self._rekey_read()
                if update.request_update:
                    self._owed_key_update = True
            elif msg_type == HandshakeType.CERTIFICATE_REQUEST and not self.is_server:
                if not self.config.post_handshake_auth:
                    raise self._unexpected(msg_type)
                request = CertificateRequest13.decode(body)
                if not request.context:
                    raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "empty certificate_request_context")
                self._pha_owed.append((request, raw))
            elif self.is_server and self._pha_pending is not None:
                self._pha_receive(msg_type, body, raw)
            else:
                raise self._unexpected(msg_type)

    def _pha_receive(self, msg_type: int, body: bytes, raw: bytes) -> None:
        pending = self._pha_pending
        assert pending is not None and self.schedule is not None
        done = post_auth.server_receive(
            pending, msg_type, body, raw, self.schedule, self._client_app_secret, self.config.signature_schemes
        )
        if not done:
            return
        self._pha_pending = None
        if pending.chain:
            if self.config.verify_peer is not None:
                self.config.verify_peer(pending.chain)
            self.peer_chain = pending.chain
        elif self.config.require_client_certificate:
            raise TlsError(AlertDescription.CERTIFICATE_REQUIRED, "the client sent no certificate")

    def request_client_certificate(self) -> None:
        """Server, TLS 1.3: queue a post-handshake CertificateRequest (the client offered post_handshake_auth)."""
        if not self.is_server or self.version != TLS13 or not self.complete or not self.pha_offered:
            raise TlsError(AlertDescription.INTERNAL_ERROR, "post-handshake authentication is not available")
        raw, pending = post_auth.make_request(
            bytes(self._transcript), self.config.signature_schemes, list(self.config.certificate_authorities)
        )
        self._pha_pending = pending
        self.pha_requested = True
        self._pending += raw
        self._flush()

    def _keep_ticket(self, nst: NewSessionTicket13) -> None:
        self.tickets.append(nst)
        assert self.suite is not None
        if nst.lifetime:
            psk = resumption_psk(self.hash_name, self.resumption_master_secret, nst.nonce)
            self.sessions.append(
                ResumableSession(
                    nst.ticket,
                    psk,
                    self.suite.code,
                    self.hash_name,
                    nst.age_add,
                    min(nst.lifetime, 604800),
                    entropy.now(),
                    list(self.peer_chain),
                )
            )

    @property
    def owes_answer(self) -> bool:
        """True while a post-handshake message still waits for its answer."""
        return self._owed_key_update or self._owed_no_renegotiation > 0 or bool(self._pha_owed)

    def answer_post_handshake(self) -> None:
        """Queue the answers owed to post-handshake messages (and switch sending keys after a KeyUpdate)."""
        assert self.write is not None
        while self._pha_owed:
            request, raw = self._pha_owed.pop(0)
            assert self.schedule is not None
            answer, sent = post_auth.client_answer(
                bytes(self._transcript),
                raw,
                request,
                self.local_chain,
                self.config.private_key,
                self.schedule,
                self._client_app_secret,
            )
            self._pending += answer
            self._flush()
            self.certificate_sent = self.certificate_sent or sent
        while self._owed_no_renegotiation:
            self._owed_no_renegotiation -= 1
            self._flush()
            self._out += self.write.seal(
                ContentType.ALERT, bytes((AlertLevel.WARNING, AlertDescription.NO_RENEGOTIATION))
            )
        if self._owed_key_update:
            self._owed_key_update = False
            self._send_handshake(HandshakeType.KEY_UPDATE, KeyUpdate(0).encode(), transcript=False)
            self._flush()
            self._rekey_write()

    def request_key_update(self, request_peer: bool = True) -> None:
        """Queue a KeyUpdate and switch our sending keys (TLS 1.3)."""
        if self.version != TLS13 or not self.complete:
            raise TlsError(AlertDescription.INTERNAL_ERROR, "KeyUpdate needs an established TLS 1.3 connection")
        self._send_handshake(HandshakeType.KEY_UPDATE, KeyUpdate(int(request_peer)).encode(), transcript=False)
        self._flush()
        self._rekey_write()

    def _rekey_read(self) -> None:
        assert self.schedule is not None
        if self.is_server:
            self._client_app_secret = self.schedule.next_traffic_secret(self._client_app_secret)
            self.read = self._cipher13(self._client_app_secret)
        else:
            self._server_app_secret = self.schedule.next_traffic_secret(self._server_app_secret)
            self.read = self._cipher13(self._server_app_secret)

    def _rekey_write(self) -> None:
        assert self.schedule is not None
        if self.is_server:
            self._server_app_secret = self.schedule.next_traffic_secret(self._server_app_secret)
            self.write = self._cipher13(self._server_app_secret)
        else:
            self._client_app_secret = self.schedule.next_traffic_secret(self._client_app_secret)
            self.write = self._cipher13(self._client_app_secret)


def check_alert_payload(payload: bytes) -> tuple[int, int]:
    """(level, description) of an alert payload."""
    if len(payload) != 2:
        raise DecodeError("bad alert")
    return payload[0], payload[1]


def load_chain(ders: list[bytes]) -> list[x509.Certificate]:
    """Parse the peer's DER certificates; anything unparsable is bad_certificate.

    cryptography's warnings about certificates it still reads (a non-positive serial number,
    which Windows accepts too) are the peer's business, not the application's: they are not shown.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            return [x509.load_der_x509_certificate(d) for d in ders]
    except Exception:  # noqa: BLE001 - cryptography raises several types for malformed DER
        raise TlsError(AlertDescription.BAD_CERTIFICATE, "unparsable certificate") from None
