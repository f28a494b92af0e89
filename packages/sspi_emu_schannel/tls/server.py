"""The TLS server state machine: TLS 1.3 (RFC 8446, with HelloRetryRequest) and TLS 1.2 ECDHE (RFC 5246, 7627, 5746)."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from sspi_emu import entropy

from . import extensions as ext
from .codec import DecodeError, MissingClientCertificate, TlsError
from .config import TlsConfig
from .constants import (
    DOWNGRADE_TLS12,
    HRR_RANDOM,
    TLS12,
    TLS13,
    AlertDescription,
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
    NewSessionTicket13,
    ServerHello,
    ServerKeyExchangeECDHE,
)
from .resumption import (
    PSK_DHE_KE,
    ServerSession12,
    TicketState,
    binder,
    binders_length,
    decode_client_psk,
    encode_server_psk,
    resumption_psk,
)
from .signatures import certificate_verify_input, choose_scheme, sign, verify
from .suites import EMPTY_RENEGOTIATION_INFO_SCSV, FALLBACK_SCSV, SUITES

_DER = Encoding.DER


class TlsServer(TlsEngine):
    """A TLS server: :meth:`feed` the client's bytes, send :meth:`take_output`."""

    is_server = True

    def __init__(self, config: TlsConfig) -> None:
        super().__init__(config)
        if config.private_key is None or not config.certificate_chain:
            raise ValueError("a TLS server needs a certificate and its private key")
        self.state = State.WAIT_CLIENT_HELLO
        self._hello: ClientHello | None = None
        self._hrr_group = 0
        self._scheme = 0
        self._c_hs = b""
        self._s_hs = b""
        self._client_groups: list[int] = []
        self._client_schemes: list[int] = []
        self._share: KeyShare | None = None
        self._requested_cert = False
        self._ticket_nonce = 0
        self._hello_raw = b""
        self.session_id = b""
        self._issue_ticket12 = False

    @property
    def _key_kind(self) -> str:
        key = self.config.private_key
        return "ECDSA" if isinstance(key, ec.EllipticCurvePrivateKey) else "RSA"

    # --- dispatch --------------------------------------------------------------------------
    def _handle(self, msg_type: int, body: bytes, raw: bytes) -> None:
        st = self.state
        if st is State.WAIT_CLIENT_HELLO and msg_type == HandshakeType.CLIENT_HELLO:
            self._on_client_hello(ClientHello.decode(body), raw)
        elif self.version == TLS13:
            self._handle13(msg_type, body, raw)
        elif self.version == TLS12:
            self._handle12(msg_type, body, raw)
        else:
            raise self._unexpected(msg_type)

    # --- ClientHello ------------------------------------------------------------------------
    def _on_client_hello(self, ch: ClientHello, raw: bytes) -> None:
        cfg = self.config
        if 0 not in ch.compression_methods:
            raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "null compression not offered")
        sv = ext.find(ch.extensions, ExtensionType.SUPPORTED_VERSIONS)
        if self._hello is not None:
            self._on_second_client_hello(ch, raw)
            return
        if sv is not None:
            client_versions = ext.decode_versions_client(sv)
        else:
            client_versions = [TLS12] if ch.legacy_version >= TLS12 else []
        version = next((v for v in (TLS13, TLS12) if v in cfg.versions and v in client_versions), 0)
        if not version:
            raise TlsError(AlertDescription.PROTOCOL_VERSION, "no common protocol version")
        if FALLBACK_SCSV in ch.cipher_suites and version < max(cfg.versions):
            # RFC 7507 3: a client that fell back below a version we support is being downgraded
            raise TlsError(AlertDescription.INAPPROPRIATE_FALLBACK, "TLS_FALLBACK_SCSV below our highest version")
        self.version = version
        self._hello = ch
        self.client_random = ch.random
        groups = ext.find(ch.extensions, ExtensionType.SUPPORTED_GROUPS)
        self._client_groups = ext.decode_u16_vector(groups) if groups is not None else []
        schemes = ext.find(ch.extensions, ExtensionType.SIGNATURE_ALGORITHMS)
        self._client_schemes = ext.decode_u16_vector(schemes) if schemes is not None else []
        sni = ext.find(ch.extensions, ExtensionType.SERVER_NAME)
        self.server_name = ext.decode_server_name(sni) if sni is not None else None
        self._choose_alpn(ch)
        self.pha_offered = ext.find(ch.extensions, ExtensionType.POST_HANDSHAKE_AUTH) is not None
        self._transcript += raw
        self._hello_raw = raw
        if version == TLS13:
            self._start13(ch)
        else:
            self._start12(ch)

    def _choose_alpn(self, ch: ClientHello) -> None:
        body = ext.find(ch.extensions, ExtensionType.ALPN)
        if body is None or not self.config.alpn_protocols:
            return
        offered = ext.decode_alpn(body)
        for proto in self.config.alpn_protocols:
            if proto in offered:
                self.alpn = proto
                return
        raise TlsError(AlertDescription.NO_APPLICATION_PROTOCOL, "no common application protocol")

    def _choose_suite(self, ch: ClientHello, version: int) -> None:
        for code in self.config.cipher_suites:
            suite = SUITES.get(code)
            if suite is None or suite.version != version or code not in ch.cipher_suites:
                continue
            if version == TLS12 and suite.auth != self._key_kind:
                continue
            self.suite = suite
            return
        raise TlsError(AlertDescription.HANDSHAKE_FAILURE, "no common cipher suite")

    def _choose_scheme(self, tls13: bool) -> None:
        key = self.config.private_key
        assert key is not None
        peer = self._client_schemes or ([0x0201, 0x0203] if not tls13 else [])
        ours = [s for s in peer if s in self.config.signature_schemes]
        scheme = choose_scheme(key, ours, tls13)
        if scheme is None:
            raise TlsError(AlertDescription.HANDSHAKE_FAILURE, "no common signature algorithm")
        self._scheme = scheme

    # --- TLS 1.3 -----------------------------------------------------------------------------
    def _start13(self, ch: ClientHello) -> None:
        self._check_mandatory13(ch)
        self._choose_suite(ch, TLS13)
        self._choose_scheme(tls13=True)
        ks_body = ext.find(ch.extensions, ExtensionType.KEY_SHARE)
        if ks_body is None:
            raise TlsError(AlertDescription.MISSING_EXTENSION, "no key_share")
        shares = ext.decode_key_share_client(ks_body)
        for group, _public in shares:
            if group not in self._client_groups:
                raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "key share for a group not offered")
        for group, public in shares:
            if group in self.config.groups:
                self._server_hello13(ch, group, public)
                return
        for group in self.config.groups:
            if group in self._client_groups:
                self._hello_retry(ch, group)
                return
        raise TlsError(AlertDescription.HANDSHAKE_FAILURE, "no common group")

    @staticmethod
    def _check_mandatory13(ch: ClientHello) -> None:
        """The extensions a TLS 1.3 ClientHello must carry together (RFC 8446 9.2): else missing_extension."""
        present = {t for t, _ in ch.extensions}
        psk = ExtensionType.PRE_SHARED_KEY in present
        if psk and ExtensionType.PSK_KEY_EXCHANGE_MODES not in present:
            raise TlsError(AlertDescription.MISSING_EXTENSION, "pre_shared_key without psk_key_exchange_modes")
        if not psk and not {ExtensionType.SIGNATURE_ALGORITHMS, ExtensionType.SUPPORTED_GROUPS} <= present:
            raise TlsError(AlertDescription.MISSING_EXTENSION, "no signature_algorithms / supported_groups")
        if (ExtensionType.SUPPORTED_GROUPS in present) != (ExtensionType.KEY_SHARE in present):
            raise TlsError(AlertDescription.MISSING_EXTENSION, "supported_groups and key_share go together")

    def _accept_psk(self, ch: ClientHello) -> bytes | None:
        """The PSK of a valid ticket the client offered (first identity), or None for a full handshake."""
        body = ext.find(ch.extensions, ExtensionType.PRE_SHARED_KEY)
        protector = self.config.ticket_protector
        if body is None:
            return None
        if ch.extensions[-1][0] != ExtensionType.PRE_SHARED_KEY:
            raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "pre_shared_key is not the last extension")
        modes = ext.find(ch.extensions, ExtensionType.PSK_KEY_EXCHANGE_MODES)
        identities, binders = decode_client_psk(body)
        if protector is None or modes is None or PSK_DHE_KE not in modes[1:]:
            return None
        state = protector.open(identities[0][0])
        assert self.suite is not None
        if state is None or state.suite not in SUITES or SUITES[state.suite].hash_name != self.hash_name:
            return None
        now = entropy.now()
        if not state.created <= now <= state.created + state.lifetime:
            return None
        raw = self._hello_raw
        truncated = raw[: len(raw) - binders_length(binders)]
        prefix = bytes(self._transcript[: len(self._transcript) - len(raw)])
        th = hashlib.new(self.hash_name, prefix + truncated).digest()
        if not hmac.compare_digest(binder(self.hash_name, state.psk, th), binders[0]):
            raise TlsError(AlertDescription.DECRYPT_ERROR, "bad PSK binder")
        self.resumed = True
        return state.psk

    def _hello_retry(self, ch: ClientHello, group: int) -> None:
        assert self.suite is not None
        self._hrr_group = group
        ch1_hash = hashlib.new(self.hash_name, self._transcript).digest()
        self._transcript = bytearray(bytes((HandshakeType.MESSAGE_HASH, 0, 0, len(ch1_hash))) + ch1_hash)
        exts: list[tuple[int, bytes]] = [
            (ExtensionType.SUPPORTED_VERSIONS, TLS13.to_bytes(2, "big")),
            (ExtensionType.KEY_SHARE, group.to_bytes(2, "big")),
        ]
        hrr = ServerHello(HRR_RANDOM, ch.session_id, self.suite.code, exts)
        self._send_handshake(HandshakeType.SERVER_HELLO, hrr.encode())
        self._flight_done = True

    def _on_second_client_hello(self, ch: ClientHello, raw: bytes) -> None:
        first = self._hello
        assert first is not None and self.suite is not None
        if not self._hrr_group or self.version != TLS13:
            raise TlsError(AlertDescription.UNEXPECTED_MESSAGE, "second ClientHello")
        if ch.random != first.random or ch.session_id != first.session_id or ch.cipher_suites != first.cipher_suites:
            raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "ClientHello changed after HelloRetryRequest")
        ks_body = ext.find(ch.extensions, ExtensionType.KEY_SHARE)
        shares = ext.decode_key_share_client(ks_body) if ks_body is not None else []
        if len(shares) != 1 or shares[0][0] != self._hrr_group:
            raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "ClientHello does not answer HelloRetryRequest")
        self._hello = ch
        self._transcript += raw
        self._hello_raw = raw
        self._server_hello13(ch, shares[0][0], shares[0][1])

    def _server_hello13(self, ch: ClientHello, group: int, client_public: bytes) -> None:
        cfg = self.config
        assert self.suite is not None and cfg.private_key is not None
        psk = self._accept_psk(ch)
        # Drawn in this order: server random, key share, then signature randomness.
        self.server_random = entropy.random_bytes(32, "server-random")
        share = KeyShare(group)
        self.group = group
        shared = share.exchange(client_public)
        exts: list[tuple[int, bytes]] = [
            (ExtensionType.KEY_SHARE, ext.encode_key_share_server(group, share.public)),
            (ExtensionType.SUPPORTED_VERSIONS, TLS13.to_bytes(2, "big")),
        ]
        if psk is not None:
            exts.append((ExtensionType.PRE_SHARED_KEY, encode_server_psk(0)))
        sh = ServerHello(self.server_random, ch.session_id, self.suite.code, exts)
        self._send_handshake(HandshakeType.SERVER_HELLO, sh.encode())
        self.schedule = KeySchedule13(self.hash_name, psk)
        self.schedule.set_shared_secret(shared)
        self._c_hs, self._s_hs = self.schedule.handshake_traffic(self.transcript_hash())
        self._set_write(self._cipher13(self._s_hs))
        self._require_no_pending()
        self.read = self._cipher13(self._c_hs)
        # EncryptedExtensions
        ee: list[tuple[int, bytes]] = []
        if cfg.send_groups_in_encrypted_extensions:
            ee.append((ExtensionType.SUPPORTED_GROUPS, ext.encode_u16_vector(cfg.advertised_groups or cfg.groups)))
        if cfg.record_size_limit is not None and ext.find(ch.extensions, ExtensionType.RECORD_SIZE_LIMIT) is not None:
            ee.append((ExtensionType.RECORD_SIZE_LIMIT, cfg.record_size_limit.to_bytes(2, "big")))
        if self.server_name is not None:
            ee.append((ExtensionType.SERVER_NAME, b""))
        if self.alpn is not None:
            ee.append((ExtensionType.ALPN, ext.encode_alpn([self.alpn])))
        self._send_handshake(HandshakeType.ENCRYPTED_EXTENSIONS, EncryptedExtensions(ee).encode())
        if self.resumed:
            pass
        elif cfg.require_client_certificate:
            algs = ext.encode_u16_vector(cfg.signature_schemes)
            req_exts: list[tuple[int, bytes]] = [(ExtensionType.SIGNATURE_ALGORITHMS, algs)]
            if cfg.certificate_authorities:
                names = list(cfg.certificate_authorities)
                req_exts.append((ExtensionType.CERTIFICATE_AUTHORITIES, ext.encode_authorities(names)))
            req = CertificateRequest13(b"", req_exts)
            self._send_handshake(HandshakeType.CERTIFICATE_REQUEST, req.encode())
            self._requested_cert = True
        if not self.resumed:
            entries = [(c.public_bytes(_DER), b"") for c in self.local_chain]
            self._send_handshake(HandshakeType.CERTIFICATE, Certificate13(b"", entries).encode())
            self.certificate_sent = True
            signed = certificate_verify_input(self.transcript_hash(), server=True)
            sig = sign(cfg.private_key, self._scheme, signed)
            self._send_handshake(HandshakeType.CERTIFICATE_VERIFY, CertificateVerify(self._scheme, sig).encode())
        verify_data = self.schedule.verify_data(self._s_hs, self.transcript_hash())
        self._send_handshake(HandshakeType.FINISHED, verify_data)
        self.server_finished = verify_data
        self._derive_application_secrets()
        self._set_write(self._cipher13(self._server_app_secret))
        self.state = State.WAIT_CERTIFICATE if self._requested_cert else State.WAIT_FINISHED
        self._flight_done = True

    def _handle13(self, msg_type: int, body: bytes, raw: bytes) -> None:
        st = self.state
        assert self.schedule is not None
        if st is State.WAIT_CERTIFICATE and msg_type == HandshakeType.CERTIFICATE:
            cert = Certificate13.decode(body)
            if cert.context:
                raise TlsError(AlertDescription.ILLEGAL_PARAMETER, "bad certificate_request_context")
            self.peer_chain = load_chain([der for der, _e in cert.entries])
            self._transcript += raw
            if not self.peer_chain:
                raise MissingClientCertificate(AlertDescription.CERTIFICATE_REQUIRED, "client sent no certificate")
            self.state = State.WAIT_CERTIFICATE_VERIFY
        elif st is State.WAIT_CERTIFICATE_VERIFY and msg_type == HandshakeType.CERTIFICATE_VERIFY:
            cv = CertificateVerify.decode(body)
            signed = certificate_verify_input(self.transcript_hash(), server=False)
            if cv.scheme not in self.config.signature_schemes or not verify(
                self.peer_public_key(), cv.scheme, cv.signature, signed, tls13=True
            ):
                raise TlsError(AlertDescription.DECRYPT_ERROR, "bad client CertificateVerify")
            self.peer_scheme = cv.scheme
            self._transcript += raw
            self.state = State.WAIT_FINISHED
        elif st is State.WAIT_FINISHED and msg_type == HandshakeType.FINISHED:
            fin = Finished.decode(body)
            expected = self.schedule.verify_data(self._c_hs, self.transcript_hash())
            if not hmac.compare_digest(expected, fin.verify_data):
                raise TlsError(AlertDescription.DECRYPT_ERROR, "bad client Finished")
            self._require_no_pending()
            if self.peer_chain and self.config.verify_peer is not None:
                self.config.verify_peer(self.peer_chain)
            self._transcript += raw
            self.client_finished = fin.verify_data
            self.resumption_master_secret = self.schedule.resumption_master(self.transcript_hash())
            self.read = self._cipher13(self._client_app_secret)
            for _ in range(self.config.tickets):
                self._send_ticket()
            self._flush()
            self.state = State.CONNECTED
            self._flight_done = True
        else:
            raise self._unexpected(msg_type)

    def _send_ticket(self) -> None:
        cfg = self.config
        age_add = int.from_bytes(entropy.random_bytes(4, "ticket-age-add"), "big")
        nonce = self._ticket_nonce.to_bytes(2, "big")
        self._ticket_nonce += 1
        if cfg.ticket_protector is not None:
            psk = resumption_psk(self.hash_name, self.resumption_master_secret, nonce)
            assert self.suite is not None
            state = TicketState(psk, self.suite.code, entropy.now(), cfg.ticket_lifetime, age_add)
            ticket = cfg.ticket_protector.seal(state)
        else:
            ticket = entropy.random_bytes(cfg.ticket_length, "ticket")
        exts: list[tuple[int, bytes]] = []
        if cfg.ticket_early_data is not None:
            exts.append((ExtensionType.EARLY_DATA, cfg.ticket_early_data.to_bytes(4, "big")))
        nst = NewSessionTicket13(cfg.ticket_lifetime, age_add, nonce, ticket, exts)
        self._send_handshake(HandshakeType.NEW_SESSION_TICKET, nst.encode(), transcript=False)

    # --- TLS 1.2 -----------------------------------------------------------------------------
    def _start12(self, ch: ClientHello) -> None:
        cfg = self.config
        assert cfg.private_key is not None
        self._choose_suite(ch, TLS12)
        self._choose_scheme(tls13=False)
        groups = self._client_groups or [0x0017]
        group = next((g for g in cfg.groups if g in groups), 0)
        if not group:
            raise TlsError(AlertDescription.HANDSHAKE_FAILURE, "no common group")
        self.group = group
        reneg = ext.find(ch.extensions, ExtensionType.RENEGOTIATION_INFO)
        if reneg is not None:
            if ext.decode_renegotiation_info(reneg):
                raise TlsError(AlertDescription.HANDSHAKE_FAILURE, "non-empty renegotiation_info")
            self.secure_renegotiation = True
        if EMPTY_RENEGOTIATION_INFO_SCSV in ch.cipher_suites:
            self.secure_renegotiation = True
        self.extended_master_secret = ext.find(ch.extensions, ExtensionType.EXTENDED_MASTER_SECRET) is not None
        random = entropy.random_bytes(32, "server-random")
        if TLS13 in cfg.versions:
            random = random[:24] + DOWNGRADE_TLS12
        self.server_random = random
        exts: list[tuple[int, bytes]] = []
        if self.secure_renegotiation:
            exts.append((ExtensionType.RENEGOTIATION_INFO, b"\x00"))
        if self.extended_master_secret:
            exts.append((ExtensionType.EXTENDED_MASTER_SECRET, b""))
        if ext.find(ch.extensions, ExtensionType.EC_POINT_FORMATS) is not None:
            exts.append((ExtensionType.EC_POINT_FORMATS, b"\x01\x00"))
        if self.alpn is not None:
            exts.append((ExtensionType.ALPN, ext.encode_alpn([self.alpn])))
        resumed = self._from_ticket12(ch) or self._resumable12(ch)
        if resumed is not None:
            self._resume12(ch, resumed, exts)
            return
        if self._ticket_offered12(ch):
            exts.append((ExtensionType.SESSION_TICKET, b""))
            self._issue_ticket12 = True
        if cfg.session_store is not None:
            self.session_id = entropy.random_bytes(32, "session-id")
        assert self.suite is not None
        sh = ServerHello(random, self.session_id, self.suite.code, exts)
        self._send_handshake(HandshakeType.SERVER_HELLO, sh.encode())
        self._send_handshake(
            HandshakeType.CERTIFICATE, Certificate12([c.public_bytes(_DER) for c in self.local_chain]).encode()
        )
        self.certificate_sent = True
        self._share = KeyShare(group)
        params = ServerKeyExchangeECDHE(group, self._share.public, self._scheme, b"")
        signed = self.client_random + self.server_random + params.params()
        params.signature = sign(cfg.private_key, self._scheme, signed)
        self._send_handshake(HandshakeType.SERVER_KEY_EXCHANGE, params.encode())
        if cfg.require_client_certificate:
            req = CertificateRequest12(b"\x01\x40", list(cfg.signature_schemes), list(cfg.certificate_authorities))
            self._send_handshake(HandshakeType.CERTIFICATE_REQUEST, req.encode())
            self._requested_cert = True
        self._send_handshake(HandshakeType.SERVER_HELLO_DONE, b"")
        self.state = State.WAIT_CERTIFICATE if self._requested_cert else State.WAIT_CLIENT_KEY_EXCHANGE
        self._flight_done = True

    def _ticket_offered12(self, ch: ClientHello) -> bool:
        """True when the client takes TLS 1.2 session tickets and this server issues them."""
        cfg = self.config
        return (
            cfg.tickets12
            and cfg.ticket_protector is not None
            and ext.find(ch.extensions, ExtensionType.SESSION_TICKET) is not None
        )

    def _from_ticket12(self, ch: ClientHello) -> ServerSession12 | None:
        """The session in the client's RFC 5077 ticket, if it is ours, unexpired and usable here."""
        if not self._ticket_offered12(ch) or not ch.session_id:
            return None
        ticket = ext.find(ch.extensions, ExtensionType.SESSION_TICKET)
        assert self.config.ticket_protector is not None
        found = self.config.ticket_protector.open12(ticket) if ticket else None
        if found is None or not found.created <= entropy.now() < found.created + found.lifetime:
            return None
        return self._usable12(found, ch)

    def _resumable12(self, ch: ClientHello) -> ServerSession12 | None:
        """The cached session the client asks to resume, if it can be (RFC 5246 7.4.1.2, RFC 7627 5.3)."""
        store = self.config.session_store
        if store is None or not ch.session_id:
            return None
        found = store.get(ch.session_id, entropy.now())
        return self._usable12(found, ch) if found is not None else None

    def _usable12(self, found: ServerSession12, ch: ClientHello) -> ServerSession12 | None:
        if found.suite not in ch.cipher_suites or found.suite not in self.config.cipher_suites:
            return None
        suite = SUITES.get(found.suite)
        if suite is None or suite.version != TLS12 or suite.auth != self._key_kind:
            return None
        if found.extended_master_secret and not self.extended_master_secret:
            raise TlsError(AlertDescription.HANDSHAKE_FAILURE, "resumption without extended master secret")
        if not found.extended_master_secret and self.extended_master_secret:
            return None
        return found

    def _resume12(self, ch: ClientHello, found: ServerSession12, exts: list[tuple[int, bytes]]) -> None:
        """Abbreviated handshake: ServerHello, ChangeCipherSpec, Finished."""
        self.suite = SUITES[found.suite]
        self.resumed = True
        self.session_id = ch.session_id
        self.master_secret12 = found.master_secret
        sh = ServerHello(self.server_random, ch.session_id, found.suite, exts)
        self._send_handshake(HandshakeType.SERVER_HELLO, sh.encode())
        self._install_keys12()
        self._send_ccs()
        self.write = self._write12
        verify_data = verify_data12(self.hash_name, self.master_secret12, b"server finished", self.transcript_hash())
        self._send_handshake(HandshakeType.FINISHED, verify_data)
        self.server_finished = verify_data
        self._flush()
        self.state = State.WAIT_CHANGE_CIPHER_SPEC
        self._flight_done = True

    def _handle12(self, msg_type: int, body: bytes, raw: bytes) -> None:
        st = self.state
        if st is State.WAIT_CERTIFICATE and msg_type == HandshakeType.CERTIFICATE:
            cert = Certificate12.decode(body)
            self.peer_chain = load_chain(cert.certificates)
            self._transcript += raw
            if not self.peer_chain:
                raise MissingClientCertificate(AlertDescription.HANDSHAKE_FAILURE, "client sent no certificate")
            self.state = State.WAIT_CLIENT_KEY_EXCHANGE
        elif st is State.WAIT_CLIENT_KEY_EXCHANGE and msg_type == HandshakeType.CLIENT_KEY_EXCHANGE:
            assert self._share is not None
            cke = ClientKeyExchangeECDHE.decode(body)
            premaster = self._share.exchange(cke.public)
            self._transcript += raw
            if self.extended_master_secret:
                self.master_secret12 = master_secret12(self.hash_name, premaster, self.transcript_hash())
            else:
                self.master_secret12 = master_secret12_legacy(
                    self.hash_name, premaster, self.client_random, self.server_random
                )
            self._install_keys12()
            self.state = State.WAIT_CERTIFICATE_VERIFY if self.peer_chain else State.WAIT_CHANGE_CIPHER_SPEC
        elif st is State.WAIT_CERTIFICATE_VERIFY and msg_type == HandshakeType.CERTIFICATE_VERIFY:
            cv = CertificateVerify.decode(body)
            if cv.scheme not in self.config.signature_schemes or not verify(
                self.peer_public_key(), cv.scheme, cv.signature, bytes(self._transcript), tls13=False
            ):
                raise TlsError(AlertDescription.DECRYPT_ERROR, "bad client CertificateVerify")
            self.peer_scheme = cv.scheme
            self._transcript += raw
            self.state = State.WAIT_CHANGE_CIPHER_SPEC
        elif st is State.WAIT_FINISHED and msg_type == HandshakeType.FINISHED:
            fin = Finished.decode(body)
            expected = verify_data12(self.hash_name, self.master_secret12, b"client finished", self.transcript_hash())
            if not hmac.compare_digest(expected, fin.verify_data):
                raise TlsError(AlertDescription.DECRYPT_ERROR, "bad client Finished")
            self._require_no_pending()
            if self.peer_chain and self.config.verify_peer is not None:
                self.config.verify_peer(self.peer_chain)
            self._transcript += raw
            self.client_finished = fin.verify_data
            if self.resumed:
                self.state = State.CONNECTED
                self._flight_done = True
                return
            assert self.suite is not None
            session = ServerSession12(
                self.master_secret12,
                self.suite.code,
                self.extended_master_secret,
                entropy.now(),
                self.config.ticket_lifetime,
            )
            if self._issue_ticket12:
                assert self.config.ticket_protector is not None
                nst = NewSessionTicket12(self.config.ticket_lifetime, self.config.ticket_protector.seal12(session))
                self._send_handshake(HandshakeType.NEW_SESSION_TICKET, nst.encode())
            self._send_ccs()
            self.write = self._write12
            verify_data = verify_data12(
                self.hash_name, self.master_secret12, b"server finished", self.transcript_hash()
            )
            self._send_handshake(HandshakeType.FINISHED, verify_data)
            self.server_finished = verify_data
            self._flush()
            if self.config.session_store is not None and self.session_id:
                self.config.session_store.add(self.session_id, session)
            self.state = State.CONNECTED
            self._flight_done = True
        else:
            raise self._unexpected(msg_type)


__all__ = ["TlsServer", "DecodeError", "rsa"]
