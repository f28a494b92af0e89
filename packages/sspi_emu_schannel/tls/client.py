"""The TLS client state machine: TLS 1.3 (RFC 8446, with HelloRetryRequest) and TLS 1.2 ECDHE (RFC 5246, 7627, 5746)."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from sspi_emu import entropy

from . import extensions as ext
from .codec import DecodeError, TlsError
from .config import TlsConfig
from .constants import (
    DOWNGRADE_TLS11,
    DOWNGRADE_TLS12,
    TLS12,
    TLS13,
    AlertDescription,
    ContentType,
    ExtensionType,
    HandshakeType,
)
from .engine import State, TlsEngine, load_chain
from .groups import KeyShare
from .keyschedule import KeySchedule13, master_secret12, master_secret12_legacy, verify_data12
from .messages import (
    Certificate12,
    Certificate13,
    CertificateRequest12,
    CertificateRequest13,
    CertificateVerify,
    ClientHello,
    ClientKeyExchangeECDHE,
    EncryptedExtensions,
    Finished,
    NewSessionTicket12,
    ServerHello,
    ServerKeyExchangeECDHE,
    frame,
)
from .resumption import ResumableSession, binder, binders_length, encode_client_psk
from .signatures import PrivateKey, certificate_verify_input, choose_scheme, sign, verify
from .suites import SUITES


def _is_ip(name: str) -> bool:
    if not (":" in name or name.replace(".", "").isdigit()):
        return False
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class TlsClient(TlsEngine):
    """A TLS client: call :meth:`start`, then :meth:`feed` the server's bytes; send :meth:`take_output`."""

    is_server = False

    def __init__(self, config: TlsConfig) -> None:
        super().__init__(config)
        self._shares: dict[int, KeyShare] = {}
        self._hello: ClientHello | None = None
        self._hrr = False
        self._cookie: bytes | None = None
        self._cert_request: CertificateRequest13 | CertificateRequest12 | None = None
        self._ske: ServerKeyExchangeECDHE | None = None
        self._c_hs = b""
        self._s_hs = b""
        self.server_name = config.server_name
        #: True while the handshake waits for the caller to supply a client certificate.
        self.awaiting_certificate = False
        self.session_id = b""
        #: The versions offered: those enabled that have at least one enabled cipher suite.
        self.versions = tuple(
            v for v in config.versions if any(SUITES[c].version == v for c in config.cipher_suites if c in SUITES)
        )
        offer = config.resume
        if offer is not None and (offer.suite not in SUITES or SUITES[offer.suite].version not in self.versions):
            offer = None
        if (
            offer is not None
            and offer.version == TLS13
            and not any(
                c in SUITES and SUITES[c].version == TLS13 and SUITES[c].hash_name == offer.hash_name
                for c in config.cipher_suites
            )
        ):
            offer = None
        if offer is not None and offer.version == TLS12 and offer.suite not in config.cipher_suites:
            offer = None
        self._offer: ResumableSession | None = offer
        self._offer12 = offer if offer is not None and offer.version == TLS12 else None
        self._expect_ticket12 = False
        self._ticket12: NewSessionTicket12 | None = None

    # --- ClientHello ----------------------------------------------------------------------
    def _offered_suites(self) -> list[int]:
        return [s for s in self.config.cipher_suites if s in SUITES and SUITES[s].version in self.versions]

    def _client_hello(self) -> ClientHello:
        cfg = self.config
        tls13 = TLS13 in self.versions
        tls12 = TLS12 in self.versions
        bodies: dict[int, bytes] = {}
        if self.server_name and not _is_ip(self.server_name):
            bodies[ExtensionType.SERVER_NAME] = ext.encode_server_name(self.server_name)
        bodies[ExtensionType.RENEGOTIATION_INFO] = ext.encode_renegotiation_info(b"")
        bodies[ExtensionType.SUPPORTED_GROUPS] = ext.encode_u16_vector(cfg.advertised_groups or cfg.groups)
        if cfg.send_session_ticket_extension or (cfg.session_tickets12 and tls12):
            offer12 = self._offer12
            bodies[ExtensionType.SESSION_TICKET] = offer12.ticket if offer12 is not None and tls12 else b""
        if tls13:
            bodies[ExtensionType.KEY_SHARE] = ext.encode_key_share_client(
                [(g, s.public) for g, s in self._shares.items()]
            )
            bodies[ExtensionType.SUPPORTED_VERSIONS] = ext.encode_versions_client(
                [v for v in (TLS13, TLS12) if v in self.versions]
            )
            bodies[ExtensionType.PSK_KEY_EXCHANGE_MODES] = ext.encode_psk_modes([1])
            if cfg.post_handshake_auth:
                bodies[ExtensionType.POST_HANDSHAKE_AUTH] = b""
        if tls12:
            bodies[ExtensionType.EC_POINT_FORMATS] = b"\x01\x00"
            bodies[ExtensionType.EXTENDED_MASTER_SECRET] = b""
        bodies[ExtensionType.SIGNATURE_ALGORITHMS] = ext.encode_u16_vector(
            cfg.advertised_schemes or cfg.signature_schemes
        )
        if cfg.alpn_protocols:
            bodies[ExtensionType.ALPN] = ext.encode_alpn(list(cfg.alpn_protocols))
        if cfg.record_size_limit is not None:
            bodies[ExtensionType.RECORD_SIZE_LIMIT] = cfg.record_size_limit.to_bytes(2, "big")
        if self._cookie is not None:
            bodies[ExtensionType.COOKIE] = len(self._cookie).to_bytes(2, "big") + self._cookie
        order = list(cfg.client_extension_order) + [t for t in bodies if t not in cfg.client_extension_order]
        exts = [(t, bodies[t]) for t in order if t in bodies]
        assert self._hello is not None
        hello = ClientHello(self._hello.random, self._hello.session_id, self._hello.cipher_suites, exts)
        session = self._offer
        if (
            session is not None
            and session.version == TLS13
            and tls13
            and (self.suite is None or self.suite.hash_name == session.hash_name)
        ):
            hello = self._with_psk(hello, session)
        return hello

    def _with_psk(self, hello: ClientHello, session: ResumableSession) -> ClientHello:
        """Add pre_shared_key (last) with its binder over the truncated ClientHello (RFC 8446 4.2.11.2)."""
        identity = [(session.ticket, session.obfuscated_age(entropy.now()))]
        size = hashlib.new(session.hash_name).digest_size
        placeholder = [bytes(size)]
        exts = hello.extensions + [(ExtensionType.PRE_SHARED_KEY, encode_client_psk(identity, placeholder))]
        draft = ClientHello(hello.random, hello.session_id, hello.cipher_suites, exts)
        raw = frame(HandshakeType.CLIENT_HELLO, draft.encode())
        truncated = raw[: len(raw) - binders_length(placeholder)]
        th = hashlib.new(session.hash_name, bytes(self._transcript) + truncated).digest()
        real = [binder(session.hash_name, session.psk, th)]
        exts[-1] = (ExtensionType.PRE_SHARED_KEY, encode_client_psk(identity, real))
        return ClientHello(hello.random, hello.session_id, hello.cipher_suites, exts)

    def start(self) -> None:
        """Queue the ClientHello."""
        if self.state is not State.START:
            raise TlsError(AlertDescription.INTERNAL_ERROR, "client already started")
        if not self._offered_suites():
            raise TlsError(AlertDescription.HANDSHAKE_FAILURE, "no cipher suite enabled")
        cfg = self.config
        # Drawn in this order: client random, legacy session id (compatibility mode), key shares.
        random = entropy.random_bytes(32, "client-random")
        tls13 = TLS13 in self.versions
        session_id = entropy.random_bytes(32, "session-id") if cfg.compatibility_session_id and tls13 else b""
        if self._offer12 is not None:
            if self._offer12.ticket and not self._offer12.session_id:
                # RFC 5077 3.4: a session id of our own, which the server echoes when it takes the ticket
                self._offer12 = dataclasses.replace(
                    self._offer12, session_id=entropy.random_bytes(32, "session-id")
                )
            session_id = self._offer12.session_id
        self._hello = ClientHello(random, session_id, self._offered_suites(), [])
        if tls13:
            for g in cfg.key_share_groups:
                if g in cfg.groups:
                    self._shares[g] = KeyShare(g)
        hello = self._client_hello()
        self._hello = hello
        self.client_random = random
        self._record_version = 0x0301
        self._send_handshake(HandshakeType.CLIENT_HELLO, hello.encode())
        self.state = State.WAIT_SERVER_HELLO
        self._flight_done = True

    # --- dispatch --------------------------------------------------------------------------
    def _handle(self, msg_type: int, body: bytes, raw: bytes) -> None:
        st = self.state
        if st is State.WAIT_SERVER_HELLO and msg_type == HandshakeType.SERVER_HELLO:
            self._on_server_hello(ServerHello.decode(body), raw)
        elif self.version == TLS13:
            self._handle13(msg_type, body, raw)
        elif self.version == TLS12:
            self._handle12(msg_type, body, raw)
        else:
            raise self._unexpected(msg_type)

    # --- ServerHello (both versions) ---------------------------------------------------------
    def _on_server_hello(self, sh: ServerHello, raw: bytes) -> None:
        assert self._hello is not None
        sv = ext.find(sh.extensions, ExtensionType.SUPPORTED_VERSIONS)
        if sv is not None:
            version = ext.decode_u16(sv)
            if version != TLS13 or TLS13 not in self.versions:
                raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "server chose a version we did not offer")
        else:
            version = sh.legacy_version
            if version != TLS12 or TLS12 not in self.versions:
                raise TlsError(AlertDescription.PROTOCOL_VERSION, f"server chose version 0x{version:04x}")
            if TLS13 in self.versions and sh.random[-8:] in (DOWNGRADE_TLS12, DOWNGRADE_TLS11):
                raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "downgrade detected")
        if self._hrr and version != TLS13:
            raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "version changed after HelloRetryRequest")
        suite = SUITES.get(sh.cipher_suite)
        if suite is None or sh.cipher_suite not in self._hello.cipher_suites or suite.version != version:
            raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "server chose a cipher suite we did not offer")
        if self._hrr and self.suite is not None and suite is not self.suite:
            raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "cipher suite changed after HelloRetryRequest")
        if sh.compression_method != 0:
            raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "compression")
        offered = {t for t, _ in self._hello.extensions}
        for t, _body in sh.extensions:
            if t not in offered and not (t == ExtensionType.COOKIE and sh.is_hrr):
                raise TlsError(AlertDescription.UNSUPPORTED_EXTENSION, f"unsolicited extension {t}")
        self.version = version
        self.suite = suite
        if version == TLS13:
            if sh.session_id != self._hello.session_id:
                raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "session id not echoed")
            if sh.is_hrr:
                self._on_hello_retry(sh, raw)
                return
            self._on_server_hello13(sh, raw)
        else:
            self._on_server_hello12(sh, raw)

    def _on_hello_retry(self, hrr: ServerHello, raw: bytes) -> None:
        if self._hrr:
            raise TlsError(AlertDescription.UNEXPECTED_MESSAGE, "second HelloRetryRequest")
        self._hrr = True
        ks = ext.find(hrr.extensions, ExtensionType.KEY_SHARE)
        cookie = ext.find(hrr.extensions, ExtensionType.COOKIE)
        if ks is None and cookie is None:
            raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "HelloRetryRequest changes nothing")
        if ks is not None:
            group = ext.decode_u16(ks)
            if group not in self.config.groups or group in self._shares:
                raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "HelloRetryRequest asked for a bad group")
            self._shares = {group: KeyShare(group)}
        if cookie is not None:
            self._cookie = ext.decode_cookie(cookie)
        # Transcript: message_hash(ClientHello1) + HelloRetryRequest (RFC 8446 4.4.1).
        ch1_hash = hashlib.new(self.hash_name, self._transcript).digest()
        self._transcript = bytearray(bytes((HandshakeType.MESSAGE_HASH, 0, 0, len(ch1_hash))) + ch1_hash)
        self._transcript += raw
        hello = self._client_hello()
        self._hello = hello
        self._send_handshake(HandshakeType.CLIENT_HELLO, hello.encode())
        self._flight_done = True

    def _on_server_hello13(self, sh: ServerHello, raw: bytes) -> None:
        ks = ext.find(sh.extensions, ExtensionType.KEY_SHARE)
        if ks is None:
            raise TlsError(AlertDescription.MISSING_EXTENSION, "no key_share")
        group, public = ext.decode_key_share_server(ks)
        share = self._shares.get(group)
        if share is None:
            raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "key share for a group we did not send")
        self.group = group
        self.server_random = sh.random
        psk: bytes | None = None
        selected = ext.find(sh.extensions, ExtensionType.PRE_SHARED_KEY)
        if selected is not None:
            offer = self._offer
            if (
                offer is None
                or offer.version != TLS13
                or ext.decode_u16(selected) != 0
                or offer.hash_name != self.hash_name
            ):
                raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "server selected a PSK we did not offer")
            psk = offer.psk
            self.resumed = True
            self.peer_chain = list(offer.peer_chain)
        self._transcript += raw
        self._require_no_pending()
        shared = share.exchange(public)
        self.schedule = KeySchedule13(self.hash_name, psk)
        self.schedule.set_shared_secret(shared)
        self._c_hs, self._s_hs = self.schedule.handshake_traffic(self.transcript_hash())
        self.read = self._cipher13(self._s_hs)
        self._set_write(self._cipher13(self._c_hs))
        self.state = State.WAIT_ENCRYPTED_EXTENSIONS

    # --- TLS 1.3 ------------------------------------------------------------------------------
    def _handle13(self, msg_type: int, body: bytes, raw: bytes) -> None:
        st = self.state
        if st is State.WAIT_ENCRYPTED_EXTENSIONS and msg_type == HandshakeType.ENCRYPTED_EXTENSIONS:
            ee = EncryptedExtensions.decode(body)
            assert self._hello is not None
            offered = {t for t, _ in self._hello.extensions}
            for t, _b in ee.extensions:
                if t not in offered or t in (ExtensionType.KEY_SHARE, ExtensionType.SUPPORTED_VERSIONS):
                    raise TlsError(AlertDescription.UNSUPPORTED_EXTENSION, f"bad extension {t} in EncryptedExtensions")
            alpn = ext.find(ee.extensions, ExtensionType.ALPN)
            if alpn is not None:
                chosen = ext.decode_alpn(alpn)
                if len(chosen) != 1 or chosen[0] not in self.config.alpn_protocols:
                    raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "bad ALPN answer")
                self.alpn = chosen[0]
            self._transcript += raw
            self.state = State.WAIT_FINISHED if self.resumed else State.WAIT_CERTIFICATE_OR_REQUEST
        elif st is State.WAIT_CERTIFICATE_OR_REQUEST and msg_type == HandshakeType.CERTIFICATE_REQUEST:
            self._cert_request = CertificateRequest13.decode(body)
            self._transcript += raw
            self.state = State.WAIT_CERTIFICATE
        elif st in (State.WAIT_CERTIFICATE_OR_REQUEST, State.WAIT_CERTIFICATE) and (
            msg_type == HandshakeType.CERTIFICATE
        ):
            cert = Certificate13.decode(body)
            if cert.context or not cert.entries:
                raise TlsError(AlertDescription.DECODE_ERROR, "server sent no certificate")
            self.peer_chain = load_chain([der for der, _e in cert.entries])
            self._transcript += raw
            self.state = State.WAIT_CERTIFICATE_VERIFY
        elif st is State.WAIT_CERTIFICATE_VERIFY and msg_type == HandshakeType.CERTIFICATE_VERIFY:
            cv = CertificateVerify.decode(body)
            if cv.scheme not in self.config.signature_schemes:
                raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "signature scheme we did not offer")
            signed = certificate_verify_input(self.transcript_hash(), server=True)
            if not verify(self.peer_public_key(), cv.scheme, cv.signature, signed, tls13=True):
                raise TlsError(AlertDescription.DECRYPT_ERROR, "bad CertificateVerify signature")
            self.peer_scheme = cv.scheme
            self._transcript += raw
            self.state = State.WAIT_FINISHED
        elif st is State.WAIT_FINISHED and msg_type == HandshakeType.FINISHED:
            assert self.schedule is not None
            fin = Finished.decode(body)
            expected = self.schedule.verify_data(self._s_hs, self.transcript_hash())
            if not hmac.compare_digest(expected, fin.verify_data):
                raise TlsError(AlertDescription.DECRYPT_ERROR, "bad server Finished")
            self._require_no_pending()
            if self.config.verify_peer is not None and not self.resumed:
                self.config.verify_peer(self.peer_chain)
            self._transcript += raw
            self.server_finished = fin.verify_data
            self._derive_application_secrets()
            self._flight_done = True
            if self._must_pause():
                self.awaiting_certificate = True
                return
            self._finish13()
        else:
            raise self._unexpected(msg_type)

    def _finish13(self) -> None:
        assert self.schedule is not None
        if isinstance(self._cert_request, CertificateRequest13):
            self._send_client_certificate13(self._cert_request)
        verify_data = self.schedule.verify_data(self._c_hs, self.transcript_hash())
        self._send_handshake(HandshakeType.FINISHED, verify_data)
        self.client_finished = verify_data
        self.resumption_master_secret = self.schedule.resumption_master(self.transcript_hash())
        self._set_write(self._cipher13(self._client_app_secret))
        self.read = self._cipher13(self._server_app_secret)
        self.state = State.CONNECTED

    # --- client certificates -------------------------------------------------------------------
    def _must_pause(self) -> bool:
        """True when the server asked for a certificate, we have none, and the caller wants to be asked."""
        has_cert = self.config.private_key is not None and bool(self.local_chain)
        return self._cert_request is not None and not has_cert and self.config.ask_for_client_certificate

    @property
    def requested_authorities(self) -> list[bytes]:
        """The DER names of the CAs the server's CertificateRequest named (may be empty)."""
        req = self._cert_request
        if isinstance(req, CertificateRequest12):
            return list(req.authorities)
        if isinstance(req, CertificateRequest13):
            body = ext.find(req.extensions, ExtensionType.CERTIFICATE_AUTHORITIES)
            return ext.decode_authorities(body) if body is not None else []
        return []

    def resume_with_certificate(self, chain: list[x509.Certificate], key: PrivateKey | None) -> None:
        """Continue a handshake paused for a client certificate, with *chain* / *key* (or none)."""
        if not self.awaiting_certificate:
            raise TlsError(AlertDescription.INTERNAL_ERROR, "the handshake is not waiting for a certificate")
        self.awaiting_certificate = False
        self.local_chain = list(chain) if key is not None else []
        self.config.private_key = key
        if self.version == TLS13:
            self._finish13()
        else:
            self._send_client_flight12()
            self.state = State.WAIT_CHANGE_CIPHER_SPEC

    def _send_client_certificate13(self, request: CertificateRequest13) -> None:
        key = self.config.private_key
        algs_body = ext.find(request.extensions, ExtensionType.SIGNATURE_ALGORITHMS)
        peer_algs = ext.decode_u16_vector(algs_body) if algs_body else []
        scheme = choose_scheme(key, peer_algs, tls13=True) if key is not None and self.local_chain else None
        if scheme is None:
            self._send_handshake(HandshakeType.CERTIFICATE, Certificate13(request.context, []).encode())
            return
        assert key is not None
        entries = [(c.public_bytes(_DER), b"") for c in self.local_chain]
        self._send_handshake(HandshakeType.CERTIFICATE, Certificate13(request.context, entries).encode())
        self.certificate_sent = True
        signed = certificate_verify_input(self.transcript_hash(), server=False)
        self._send_handshake(
            HandshakeType.CERTIFICATE_VERIFY, CertificateVerify(scheme, sign(key, scheme, signed)).encode()
        )

    # --- TLS 1.2 ------------------------------------------------------------------------------
    def _on_server_hello12(self, sh: ServerHello, raw: bytes) -> None:
        reneg = ext.find(sh.extensions, ExtensionType.RENEGOTIATION_INFO)
        if reneg is not None:
            if ext.decode_renegotiation_info(reneg):
                raise TlsError(AlertDescription.HANDSHAKE_FAILURE, "non-empty renegotiation_info")
            self.secure_renegotiation = True
        self.extended_master_secret = ext.find(sh.extensions, ExtensionType.EXTENDED_MASTER_SECRET) is not None
        alpn = ext.find(sh.extensions, ExtensionType.ALPN)
        if alpn is not None:
            chosen = ext.decode_alpn(alpn)
            if len(chosen) != 1 or chosen[0] not in self.config.alpn_protocols:
                raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "bad ALPN answer")
            self.alpn = chosen[0]
        self.server_random = sh.random
        self._transcript += raw
        self.session_id = sh.session_id
        if ext.find(sh.extensions, ExtensionType.SESSION_TICKET) is not None:
            if not (self.config.session_tickets12 or self.config.send_session_ticket_extension):
                raise TlsError(AlertDescription.UNSUPPORTED_EXTENSION, "session_ticket we did not offer")
            self._expect_ticket12 = True
        offer = self._offer12
        if offer is not None and sh.session_id == offer.session_id:
            # Abbreviated handshake (RFC 5246 7.3): the server resumed our session.
            if sh.cipher_suite != offer.suite or self.extended_master_secret != offer.extended_master_secret:
                raise TlsError(AlertDescription.HANDSHAKE_FAILURE, "resumed session does not match")
            self.resumed = True
            self.master_secret12 = offer.master_secret
            self.peer_chain = list(offer.peer_chain)
            self._require_no_pending()
            self._install_keys12()
            self.state = State.WAIT_CHANGE_CIPHER_SPEC
            return
        self.state = State.WAIT_CERTIFICATE

    def _handle12(self, msg_type: int, body: bytes, raw: bytes) -> None:
        st = self.state
        assert self.suite is not None
        if st is State.WAIT_CERTIFICATE and msg_type == HandshakeType.CERTIFICATE:
            cert = Certificate12.decode(body)
            if not cert.certificates:
                raise TlsError(AlertDescription.DECODE_ERROR, "server sent no certificate")
            self.peer_chain = load_chain(cert.certificates)
            self._transcript += raw
            self.state = State.WAIT_SERVER_KEY_EXCHANGE
        elif st is State.WAIT_SERVER_KEY_EXCHANGE and msg_type == HandshakeType.SERVER_KEY_EXCHANGE:
            ske = ServerKeyExchangeECDHE.decode(body)
            if ske.group not in self.config.groups:
                raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "server chose a group we did not offer")
            if ske.scheme not in self.config.signature_schemes:
                raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "signature scheme we did not offer")
            signed = self.client_random + self.server_random + ske.params()
            key = self.peer_public_key()
            kind = "ECDSA" if ske.scheme in (0x0403, 0x0503, 0x0603) else "RSA"
            if kind != self.suite.auth or not verify(key, ske.scheme, ske.signature, signed, tls13=False):
                raise TlsError(AlertDescription.DECRYPT_ERROR, "bad ServerKeyExchange signature")
            self.peer_scheme = ske.scheme
            self._ske = ske
            self._transcript += raw
            self.state = State.WAIT_SERVER_HELLO_DONE
        elif st is State.WAIT_SERVER_HELLO_DONE and msg_type == HandshakeType.CERTIFICATE_REQUEST:
            if self._cert_request is not None:
                raise self._unexpected(msg_type)
            self._cert_request = CertificateRequest12.decode(body)
            self._transcript += raw
        elif st is State.WAIT_SERVER_HELLO_DONE and msg_type == HandshakeType.SERVER_HELLO_DONE:
            if body:
                raise DecodeError("ServerHelloDone with a body")
            self._transcript += raw
            self._require_no_pending()
            if self.config.verify_peer is not None:
                self.config.verify_peer(self.peer_chain)
            self._flight_done = True
            if self._must_pause():
                self.awaiting_certificate = True
                return
            self._send_client_flight12()
            self.state = State.WAIT_CHANGE_CIPHER_SPEC
        elif st is State.WAIT_CHANGE_CIPHER_SPEC and msg_type == HandshakeType.NEW_SESSION_TICKET:
            if not self._expect_ticket12 or self._ticket12 is not None:
                raise self._unexpected(msg_type)
            self._ticket12 = NewSessionTicket12.decode(body)
            self._transcript += raw
        elif st is State.WAIT_FINISHED and msg_type == HandshakeType.FINISHED:
            fin = Finished.decode(body)
            expected = verify_data12(self.hash_name, self.master_secret12, b"server finished", self.transcript_hash())
            if not hmac.compare_digest(expected, fin.verify_data):
                raise TlsError(AlertDescription.DECRYPT_ERROR, "bad server Finished")
            self._transcript += raw
            self.server_finished = fin.verify_data
            if self.resumed:
                self._send_ccs()
                self.write = self._write12
                verify_data = verify_data12(
                    self.hash_name, self.master_secret12, b"client finished", self.transcript_hash()
                )
                self._send_handshake(HandshakeType.FINISHED, verify_data)
                self.client_finished = verify_data
                self._flush()
                if self._ticket12 is not None:
                    self._remember_session12()
                elif self._offer12 is not None and self._offer12.ticket:
                    # a TLS 1.2 ticket stays valid: keep it (a fresh session id goes with it next time)
                    self.sessions.append(dataclasses.replace(self._offer12, session_id=b""))
            elif self.session_id or self._ticket12 is not None:
                self._remember_session12()
            self.state = State.CONNECTED
            self._flight_done = True
        else:
            raise self._unexpected(msg_type)

    def _send_client_flight12(self) -> None:
        assert self._ske is not None and self.suite is not None
        self.group = self._ske.group
        share = KeyShare(self._ske.group)
        premaster = share.exchange(self._ske.public)
        key = self.config.private_key
        scheme: int | None = None
        if isinstance(self._cert_request, CertificateRequest12):
            if key is not None and self.local_chain:
                scheme = choose_scheme(key, self._cert_request.signature_algorithms, tls13=False)
            certs = [c.public_bytes(_DER) for c in self.local_chain] if scheme is not None else []
            self._send_handshake(HandshakeType.CERTIFICATE, Certificate12(certs).encode())
            self.certificate_sent = bool(certs)
        self._send_handshake(HandshakeType.CLIENT_KEY_EXCHANGE, ClientKeyExchangeECDHE(share.public).encode())
        if self.extended_master_secret:
            self.master_secret12 = master_secret12(self.hash_name, premaster, self.transcript_hash())
        else:
            self.master_secret12 = master_secret12_legacy(
                self.hash_name, premaster, self.client_random, self.server_random
            )
        if scheme is not None and key is not None:
            sig = sign(key, scheme, bytes(self._transcript))
            self._send_handshake(HandshakeType.CERTIFICATE_VERIFY, CertificateVerify(scheme, sig).encode())
        self._install_keys12()
        self._send_ccs()
        self.write = self._write12
        verify_data = verify_data12(self.hash_name, self.master_secret12, b"client finished", self.transcript_hash())
        self._send_handshake(HandshakeType.FINISHED, verify_data)
        self.client_finished = verify_data
        self._flush()

    def _remember_session12(self) -> None:
        assert self.suite is not None
        nst = self._ticket12
        ticket = nst.ticket if nst is not None else b""
        self.sessions.append(
            ResumableSession(
                ticket,
                b"",
                self.suite.code,
                self.hash_name,
                0,
                min(nst.lifetime_hint, 36000) if nst is not None and nst.lifetime_hint else 36000,
                entropy.now(),
                list(self.peer_chain),
                version=TLS12,
                # with a ticket, our own session id is sent next time (RFC 5077 3.4)
                session_id=b"" if ticket else self.session_id,
                master_secret=self.master_secret12,
                extended_master_secret=self.extended_master_secret,
            )
        )


_DER = Encoding.DER


__all__ = ["ContentType", "TlsClient"]
