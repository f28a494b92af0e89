"""The Schannel security context: the SSPI face of one TLS connection.

Handshake legs go through :meth:`SchannelContext.step` (bytes in, bytes out, EXTRA /
MISSING counts); EncryptMessage / DecryptMessage work in place on the caller's buffers
with Schannel's STREAM_HEADER / DATA / STREAM_TRAILER / EXTRA layout.

Input rules of a handshake leg: whole records are processed until this side has a flight
to send or the handshake completes; the bytes after that are reported as EXTRA. A partial
record is never consumed: if the input starts with one, the leg returns
SEC_E_INCOMPLETE_MESSAGE with MISSING = the bytes that record still needs (5 - n while its
header is incomplete); if whole records came before it, they are processed and the leg
returns SEC_I_CONTINUE_NEEDED with the partial record as EXTRA.

After the handshake, DecryptMessage reports post-handshake messages (TLS 1.3 tickets and
KeyUpdate, a TLS 1.2 renegotiation request) as SEC_I_RENEGOTIATE with the handshake
message(s), in the clear, at the start of SECBUFFER_EXTRA, followed by whatever input came
after their record. The caller hands that EXTRA to ISC/ASC as its TOKEN (the documented
Windows pattern); that leg takes the handshake bytes, returns what has to be sent in answer
(a KeyUpdate, a no_renegotiation alert, or nothing) and hands the rest back as EXTRA, for
DecryptMessage. A leg without input gives the same answer. Reading keys change as soon as
DecryptMessage sees a KeyUpdate; sending keys only when the answer is produced, so records
encrypted in between still match what the peer expects.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric import ec

from sspi_emu import constants as C
from sspi_emu.attributes import (
    SecPkgContext_ApplicationProtocol,
    SecPkgContext_Bindings,
    SecPkgContext_CertContext,
    SecPkgContext_EapKeyBlock,
    SecPkgContext_IssuerListInfoEx,
    SecPkgContext_KeyingMaterial,
    SecPkgContext_Names,
    SecPkgContext_PackageInfo,
    SecPkgContext_SessionInfo,
    SecPkgContext_Sizes,
    SecPkgContext_StreamSizes,
    SecPkgInfo,
)
from sspi_emu.buffers import SecBuffer
from sspi_emu.constants import SecurityStatus as S
from sspi_emu.entropy import unix_to_filetime
from sspi_emu.errors import SspiError
from sspi_emu.spi import PackageContext, StepInput, StepOutput

from . import algids, session_cache
from .alpn import (
    SecApplicationProtocolNegotiationExt_ALPN,
    SecApplicationProtocolNegotiationStatus_None,
    SecApplicationProtocolNegotiationStatus_Success,
    decode_application_protocols,
)
from .bindings import tls_server_end_point, tls_unique
from .credentials import SchannelCredential
from .engine_settings import apply_engine_settings, seals_tickets
from .exporter import SecPkgContext_KeyingMaterialInfo, eap_key_block, export_keying_material
from .statuses import status_for_alert, status_for_peer_alert
from .tls.client import TlsClient
from .tls.codec import MissingClientCertificate, TlsError
from .tls.config import TlsConfig
from .tls.constants import MAX_PLAINTEXT, RECORD_HEADER, TLS12, TLS13, AlertDescription, AlertLevel, ContentType
from .tls.engine import PeerAlert, TlsEngine
from .tls.records import RecordFramingError, parse_header
from .tls.server import TlsServer
from .validation import verify_client, verify_server

if TYPE_CHECKING:
    from cryptography import x509

_CLIENT_RET = C.ISC_RET_REPLAY_DETECT | C.ISC_RET_SEQUENCE_DETECT | C.ISC_RET_CONFIDENTIALITY | C.ISC_RET_STREAM
_SERVER_RET = C.ASC_RET_REPLAY_DETECT | C.ASC_RET_SEQUENCE_DETECT | C.ASC_RET_CONFIDENTIALITY | C.ASC_RET_STREAM
_T_DATA = C.SECBUFFER_DATA
_T_EMPTY = C.SECBUFFER_EMPTY
_T_HEADER = C.SECBUFFER_STREAM_HEADER
_T_TRAILER = C.SECBUFFER_STREAM_TRAILER
_T_EXTRA = C.SECBUFFER_EXTRA
_T_MISSING = C.SECBUFFER_MISSING
_TYPE_MASK = 0x0FFFFFFF
_SCHANNEL_ALERT_TOKEN = struct.Struct("<III")
#: SecPkgContext_SessionInfo.dwFlags: the session was resumed.
SSL_SESSION_RECONNECT = 1


class SchannelContext(PackageContext):
    """One side of a TLS connection behind an SSPI context handle."""

    reauthenticate = False

    def __init__(self, info: SecPkgInfo, cred: SchannelCredential, server: bool, target: str | None, req: int) -> None:
        self.info = info
        self.cred = cred
        self.server = server
        self.target = target
        self.req = req
        versions = cred.versions(server)
        if not versions:
            raise SspiError(S.SEC_E_ALGORITHM_MISMATCH, "no TLS version enabled in the credential")
        if not cred.cipher_suites or not cred.groups:
            raise SspiError(S.SEC_E_ALGORITHM_MISMATCH, "every cipher suite or key exchange is disabled")
        local = cred.certificate
        config = TlsConfig(
            versions=versions,
            cipher_suites=cred.cipher_suites,
            groups=cred.groups,
            key_share_groups=cred.groups[:1],
            certificate_chain=[local.certificate, *local.chain] if local is not None else (),
            private_key=local.private_key if local is not None else None,
            server_name=target if not server else None,
        )
        if server:
            if cred.reconnects and cred.issue_tickets:
                config.session_store = cred.session_store()
                config.ticket_protector = cred.ticket_protector() if seals_tickets(cred.engine_settings) else None
                config.tickets = 1
                config.ticket_lifetime = int(min(cred.session_lifespan, 604800))
                config.tickets12 = True
            config.require_client_certificate = bool(req & C.ASC_REQ_MUTUAL_AUTH)
            config.certificate_authorities = [root.subject.public_bytes() for root in cred.extra_roots]
            if not cred.flags & C.SCH_CRED_MANUAL_CRED_VALIDATION:
                config.verify_peer = self._verify_client
            apply_engine_settings(config, cred.engine_settings)
            self.engine: TlsEngine = TlsServer(config)
        else:
            manual = bool(req & C.ISC_REQ_MANUAL_CRED_VALIDATION) or bool(
                cred.flags & C.SCH_CRED_MANUAL_CRED_VALIDATION
            )
            if not manual:
                config.verify_peer = self._verify_server
            config.ask_for_client_certificate = not req & C.ISC_REQ_USE_SUPPLIED_CREDS
            # offered by a client that can answer (its credential holds a certificate)
            config.post_handshake_auth = TLS13 in versions and local is not None
            if cred.reconnects:
                config.resume = session_cache.take(target, cred)
                config.session_tickets12 = True
            apply_engine_settings(config, cred.engine_settings)
            self.engine = TlsClient(config)
        self._started = False
        self._closed = False
        self._peer_closed = False
        self._control_alert: tuple[int, int] | None = None
        self._keying_info: SecPkgContext_KeyingMaterialInfo | None = None
        self._paused_input = b""
        #: The handshake bytes the last SEC_I_RENEGOTIATE put at the start of SECBUFFER_EXTRA.
        self._owed_input = b""

    def __repr__(self) -> str:
        side = "server" if self.server else "client"
        return f"<SchannelContext {side} {self.engine!r}>"

    # --- certificate validation -------------------------------------------------------------
    def _verify_server(self, chain: list[x509.Certificate]) -> None:
        check_name = not self.cred.flags & C.SCH_CRED_NO_SERVERNAME_CHECK
        try:
            verify_server(chain, self.target, self.cred.trust_store(), check_name=check_name)
        except TlsError:
            raise
        except Exception as exc:  # noqa: BLE001 - a malformed certificate may fail in many ways
            raise TlsError(AlertDescription.BAD_CERTIFICATE, str(exc), S.SEC_E_CERT_UNKNOWN) from None

    def _verify_client(self, chain: list[x509.Certificate]) -> None:
        try:
            verify_client(chain, self.cred.trust_store())
        except TlsError:
            raise
        except Exception as exc:  # noqa: BLE001 - a malformed certificate may fail in many ways
            raise TlsError(AlertDescription.BAD_CERTIFICATE, str(exc), S.SEC_E_LOGON_DENIED) from None

    # --- flags and expiry ------------------------------------------------------------------
    def _flags(self) -> int:
        req = self.req
        if self.server:
            flags = _SERVER_RET | (req & C.ASC_REQ_EXTENDED_ERROR)
            if self.engine.peer_chain:
                flags |= C.ASC_RET_MUTUAL_AUTH
            return flags
        flags = _CLIENT_RET | (req & (C.ISC_REQ_EXTENDED_ERROR | C.ISC_REQ_MANUAL_CRED_VALIDATION))
        if self.engine.complete and self.engine.certificate_sent:
            flags |= C.ISC_RET_MUTUAL_AUTH
        return flags

    def _expiry(self) -> int:
        chain = self.engine.peer_chain
        if not chain:
            return C.TIMESTAMP_NEVER
        try:
            return unix_to_filetime(chain[0].not_valid_after_utc.timestamp())
        except Exception:  # noqa: BLE001 - an unvalidated (manual validation) certificate may be odd
            return C.TIMESTAMP_NEVER

    # --- failures ---------------------------------------------------------------------------
    def _fail(self, exc: TlsError | PeerAlert, first_record: bool) -> SspiError:
        if isinstance(exc, PeerAlert):
            status = status_for_peer_alert(exc.description)
            if status == S.SEC_I_CONTEXT_EXPIRED:
                status = S.SEC_E_ILLEGAL_MESSAGE
            return SspiError(status, str(exc))
        if isinstance(exc, RecordFramingError) and first_record:
            status = S.SEC_E_INVALID_TOKEN
        elif isinstance(exc, MissingClientCertificate):
            status = S.SEC_E_LOGON_DENIED
        else:
            status = S(exc.status) if exc.status is not None else status_for_alert(exc.alert)
        try:
            alert = self.engine.alert_record(exc.alert)
        except TlsError:
            alert = b""
        extended = C.ASC_REQ_EXTENDED_ERROR if self.server else C.ISC_REQ_EXTENDED_ERROR
        token = alert if self.req & extended else b""
        return SspiError(status, exc.message, token=token, alert=alert)

    # --- handshake legs ---------------------------------------------------------------------
    def step(self, inp: StepInput) -> StepOutput:
        if not self.server and self.req & C.ISC_REQ_USE_SUPPLIED_CREDS:
            self._apply_pkg_params(inp)
        if self.engine.complete or self._closed:
            return self._after_handshake(inp)
        if not self._started:
            self._apply_alpn(inp)
        if not self.server and not self._started:
            self._started = True
            try:
                self.engine.start()  # type: ignore[attr-defined]
            except TlsError as exc:
                raise self._fail(exc, False) from None
            return StepOutput(S.SEC_I_CONTINUE_NEEDED, self.engine.take_output(), self._flags())
        if self.engine.awaiting_certificate:
            return self._resume_with_certificate(inp)
        if inp.token is None:
            raise SspiError(S.SEC_E_INVALID_TOKEN, "no SECBUFFER_TOKEN input")
        return self._feed(inp.token)

    def _resume_with_certificate(self, inp: StepInput) -> StepOutput:
        """The leg after SEC_I_INCOMPLETE_CREDENTIALS: a credential with a certificate, or go on without one."""
        cred = inp.credential if isinstance(inp.credential, SchannelCredential) else self.cred
        cert = cred.certificate
        assert isinstance(self.engine, TlsClient)
        try:
            if cert is not None:
                self.engine.resume_with_certificate([cert.certificate, *cert.chain], cert.private_key)
            else:
                self.engine.resume_with_certificate([], None)
        except TlsError as exc:
            raise self._fail(exc, False) from None
        out = self.engine.take_output()
        data = inp.token or b""
        # A caller may hand the same input again (as for SEC_E_INCOMPLETE_MESSAGE): that part is done.
        if self._paused_input and data.startswith(self._paused_input):
            data = data[len(self._paused_input) :]
        self._paused_input = b""
        if self.engine.complete or not data:
            status = S.SEC_E_OK if self.engine.complete else S.SEC_I_CONTINUE_NEEDED
            expiry = self._expiry() if self.engine.complete else None
            return StepOutput(status, out, self._flags(), extra=len(data), expiry=expiry)
        more = self._feed(data)
        more.token = out + more.token
        return more

    def _feed(self, data: bytes) -> StepOutput:
        if not data:
            return StepOutput(S.SEC_E_INCOMPLETE_MESSAGE, missing=RECORD_HEADER)
        self._started = True
        first = self.engine.state.name in ("START", "WAIT_CLIENT_HELLO", "WAIT_SERVER_HELLO")
        try:
            result = self.engine.feed(data)
        except (TlsError, PeerAlert) as exc:
            raise self._fail(exc, first) from None
        if result.missing:
            return StepOutput(S.SEC_E_INCOMPLETE_MESSAGE, missing=result.missing, flags=self._flags())
        out = self.engine.take_output()
        extra = len(data) - result.consumed
        if self.engine.awaiting_certificate:
            self._paused_input = bytes(data[: result.consumed])
            return StepOutput(S.SEC_I_INCOMPLETE_CREDENTIALS, out, self._flags(), extra=extra)
        if self.engine.complete:
            self._keep_sessions()
            return StepOutput(S.SEC_E_OK, out, self._flags(), extra=extra, expiry=self._expiry())
        return StepOutput(S.SEC_I_CONTINUE_NEEDED, out, self._flags(), extra=extra)

    def _keep_sessions(self) -> None:
        """Move the sessions the client engine collected into the session cache."""
        eng = self.engine
        if eng.sessions and not self.server:
            if self.cred.reconnects:
                session_cache.store(self.target, self.cred, eng.sessions, self.cred.session_lifespan)
            eng.sessions = []

    def _apply_pkg_params(self, inp: StepInput) -> None:
        """ISC_REQ_USE_SUPPLIED_CREDS: a SECBUFFER_PKG_PARAMS input names the client certificate to present.

        Windows documents no Schannel layout for this buffer; sspi-emu's is a ULONG (4 bytes,
        little-endian): the index, in the credential's ``paCred``, of the certificate (with its
        private key) to send when the server asks for one, during the handshake or after it.
        0xFFFFFFFF presents none. Without the buffer the credential's first certificate with a
        key is used; nothing is chosen automatically.
        """
        blob = inp.find(C.SECBUFFER_PKG_PARAMS)
        if blob is None:
            return
        if len(blob) != 4:
            raise SspiError(S.SEC_E_INVALID_PARAMETER, "SECBUFFER_PKG_PARAMS: a 4-byte certificate index")
        index = int.from_bytes(blob, "little")
        cred = inp.credential if isinstance(inp.credential, SchannelCredential) else self.cred
        eng = self.engine
        if index == 0xFFFFFFFF:
            chain: list[x509.Certificate] = []
            key = None
        else:
            if index >= len(cred.certificates) or cred.certificates[index].private_key is None:
                raise SspiError(S.SEC_E_NO_CREDENTIALS, "SECBUFFER_PKG_PARAMS: no such certificate with a key")
            chosen = cred.certificates[index]
            chain, key = [chosen.certificate, *chosen.chain], chosen.private_key
        eng.config.certificate_chain = chain
        eng.config.private_key = key
        eng.local_chain = list(chain)

    def _apply_alpn(self, inp: StepInput) -> None:
        blob = inp.find(C.SECBUFFER_APPLICATION_PROTOCOLS)
        if blob is not None:
            self.engine.config.alpn_protocols = tuple(decode_application_protocols(blob))

    def _after_handshake(self, inp: StepInput) -> StepOutput:
        """A leg after completion: post-handshake answers, shutdown / alert tokens.

        After SEC_I_RENEGOTIATE the input TOKEN starts with the handshake message(s) DecryptMessage
        left in SECBUFFER_EXTRA: they are taken, and the rest is handed back as EXTRA for
        DecryptMessage. Without input the owed answer is produced all the same.
        """
        data = inp.token or b""
        owed = self._owed_input
        if owed and data[: len(owed)] == owed:
            # one SEC_I_RENEGOTIATE, one message: later records go back to DecryptMessage (as on Windows)
            data = data[len(owed) :]
            self._owed_input = b""
        elif data and not self._closed and not self._peer_closed:
            data = data[self._take_handshake_records(data) :]
        extra = len(data)
        prefix = b""
        if self._wants_post_handshake_auth(inp):
            self.engine.request_client_certificate()
            return StepOutput(S.SEC_E_OK, self.engine.take_output(), self._flags(), extra=extra)
        if self.engine.owes_answer and not self._closed:
            self.engine.answer_post_handshake()
            prefix = self.engine.take_output()
        if prefix and self._control_alert is None:
            return StepOutput(S.SEC_E_OK, prefix, self._flags(), extra=extra)
        if self._control_alert is not None and not self._closed:
            level, description = self._control_alert
            self._control_alert = None
            token = prefix + self.engine.take_output() + self.engine.alert_record(description, level)
            if description == AlertDescription.CLOSE_NOTIFY or level == AlertLevel.FATAL:
                self._closed = True
            return StepOutput(S.SEC_E_OK, token, self._flags(), extra=extra)
        if self._closed:
            return StepOutput(S.SEC_E_OK, b"", self._flags(), extra=extra)
        return StepOutput(S.SEC_E_OK, prefix + self.engine.take_output(), self._flags(), extra=extra)

    def _wants_post_handshake_auth(self, inp: StepInput) -> bool:
        """Server, TLS 1.3: a leg after the handshake newly asking for ASC_REQ_MUTUAL_AUTH requests a client
        certificate (post-handshake authentication), once, if the client offered it."""
        eng = self.engine
        return (
            self.server
            and bool(inp.req & C.ASC_REQ_MUTUAL_AUTH)
            and not self.req & C.ASC_REQ_MUTUAL_AUTH
            and eng.version == TLS13
            and eng.pha_offered
            and not eng.pha_requested
            and not eng.peer_chain
            and not self._closed
            and not self._peer_closed
        )

    def _take_handshake_records(self, data: bytes) -> int:
        """Handle the protected post-handshake records at the start of *data*; return the bytes they took.

        A leg given the server's last handshake token (TLS 1.3 tickets) or a record that
        DecryptMessage would report as SEC_I_RENEGOTIATE processes it here; the first record
        of any other kind (application data, an alert, a partial record) and all after it are
        left for DecryptMessage.
        """
        eng = self.engine
        off = 0
        while eng.read is not None and len(data) - off >= RECORD_HEADER:
            read = eng.read
            try:
                ctype, _version, length = parse_header(data, off)
            except TlsError:
                break
            end = off + RECORD_HEADER + length
            wanted = ContentType.HANDSHAKE if eng.version == TLS12 else ContentType.APPLICATION_DATA
            if end > len(data) or ctype != wanted:
                break
            seq = read.seq
            record = bytearray(data[off:end])
            try:
                inner, start, n = read.open_in_place(memoryview(record))
            except TlsError:
                read.seq = seq  # DecryptMessage reports it
                break
            if inner != ContentType.HANDSHAKE:
                read.seq = seq
                break
            try:
                eng.post_handshake(bytes(record[start : start + n]))
            except TlsError as exc:
                self._peer_closed = True
                raise self._fail(exc, False) from None
            self._keep_sessions()
            off = end
        return off

    def apply_control(self, token: bytes) -> S:
        if len(token) >= 4:
            kind = int.from_bytes(token[:4], "little")
            if kind == C.SCHANNEL_SHUTDOWN:
                self._control_alert = (AlertLevel.WARNING, AlertDescription.CLOSE_NOTIFY)
                return S.SEC_E_OK
            if kind == C.SCHANNEL_ALERT and len(token) >= 12:
                _k, level, number = _SCHANNEL_ALERT_TOKEN.unpack_from(token)
                if level not in (C.TLS1_ALERT_WARNING, C.TLS1_ALERT_FATAL) or number > 255:
                    return S.SEC_E_INVALID_TOKEN
                self._control_alert = (level, number)
                return S.SEC_E_OK
        return S.SEC_E_UNSUPPORTED_FUNCTION

    # --- attributes --------------------------------------------------------------------------
    def set_attribute(self, attribute: int, value: object) -> S:
        if attribute == C.SECPKG_ATTR_KEYING_MATERIAL_INFO:
            if not isinstance(value, SecPkgContext_KeyingMaterialInfo) or not 0 < value.cbKeyingMaterial <= 0xFFFF:
                return S.SEC_E_INVALID_PARAMETER
            label = value.pszLabel.encode("ascii", "strict") if value.pszLabel.isascii() else b""
            if not label or label.startswith(
                (b"client finished", b"server finished", b"master secret", b"key expansion")
            ):
                return S.SEC_E_INVALID_PARAMETER
            self._keying_info = value
            return S.SEC_E_OK
        return S.SEC_E_UNSUPPORTED_FUNCTION

    def query(self, attribute: int) -> object:
        eng = self.engine
        if attribute == C.SECPKG_ATTR_PACKAGE_INFO:
            i = self.info
            return SecPkgContext_PackageInfo(
                SecPkgInfo(i.fCapabilities, i.wVersion, i.wRPCID, i.cbMaxToken, i.Name, i.Comment)
            )
        if attribute == C.SECPKG_ATTR_ISSUER_LIST_EX:
            names = eng.requested_authorities if isinstance(eng, TlsClient) else []
            return SecPkgContext_IssuerListInfoEx(list(names))
        if attribute == C.SECPKG_ATTR_LOCAL_CERT_CONTEXT:
            if not eng.certificate_sent:
                raise SspiError(S.SEC_E_NO_CREDENTIALS, "no local certificate")
            return SecPkgContext_CertContext(eng.local_chain[0], list(eng.local_chain[1:]))
        if not eng.complete or eng.suite is None:
            raise SspiError(S.SEC_E_INVALID_HANDLE, "the handshake is not complete")
        if attribute == C.SECPKG_ATTR_STREAM_SIZES:
            w = eng.write
            assert w is not None
            return SecPkgContext_StreamSizes(w.header_len, w.trailer_len, MAX_PLAINTEXT, 4, 1)
        if attribute == C.SECPKG_ATTR_SIZES:
            w = eng.write
            assert w is not None
            return SecPkgContext_Sizes(self.info.cbMaxToken, 0, 1, w.header_len + w.trailer_len)
        if attribute == C.SECPKG_ATTR_CONNECTION_INFO:
            return algids.connection_info(eng.suite, eng.version, eng.group, self.server)
        if attribute == C.SECPKG_ATTR_CIPHER_INFO:
            server_cert = eng.local_chain if self.server else eng.peer_chain
            try:
                ecdsa = bool(server_cert) and isinstance(server_cert[0].public_key(), ec.EllipticCurvePublicKey)
            except Exception:  # noqa: BLE001 - an unvalidated certificate may carry an odd key
                ecdsa = False
            kind = "ECDSA" if ecdsa else "RSA"
            return algids.cipher_info(eng.suite, eng.version, eng.group, kind)
        if attribute == C.SECPKG_ATTR_APPLICATION_PROTOCOL:
            if eng.alpn is None:
                return SecPkgContext_ApplicationProtocol(SecApplicationProtocolNegotiationStatus_None, 0, b"")
            return SecPkgContext_ApplicationProtocol(
                SecApplicationProtocolNegotiationStatus_Success, SecApplicationProtocolNegotiationExt_ALPN, eng.alpn
            )
        if attribute == C.SECPKG_ATTR_ENDPOINT_BINDINGS:
            server_chain = eng.local_chain if self.server else eng.peer_chain
            if not server_chain:
                raise SspiError(S.SEC_E_NO_CREDENTIALS, "no server certificate")
            return SecPkgContext_Bindings(tls_server_end_point(server_chain[0]))
        if attribute == C.SECPKG_ATTR_UNIQUE_BINDINGS:
            if eng.version != TLS12:
                raise SspiError(S.SEC_E_UNSUPPORTED_FUNCTION, "tls-unique is not defined for TLS 1.3")
            return SecPkgContext_Bindings(tls_unique(eng.client_finished))
        if attribute == C.SECPKG_ATTR_KEYING_MATERIAL:
            info = self._keying_info
            if info is None:
                raise SspiError(S.SEC_E_INVALID_PARAMETER, "set SECPKG_ATTR_KEYING_MATERIAL_INFO first")
            material = export_keying_material(
                eng, info.pszLabel.encode("ascii"), info.pbContextValue, info.cbKeyingMaterial
            )
            return SecPkgContext_KeyingMaterial(material)
        if attribute == C.SECPKG_ATTR_EAP_KEY_BLOCK:
            if eng.version != TLS12:
                raise SspiError(S.SEC_E_UNSUPPORTED_FUNCTION, "the EAP key block is defined for TLS 1.2")
            keys, ivs = eap_key_block(eng)
            return SecPkgContext_EapKeyBlock(keys, ivs)
        if attribute == C.SECPKG_ATTR_SESSION_INFO:
            return SecPkgContext_SessionInfo(SSL_SESSION_RECONNECT if eng.resumed else 0, b"")
        if attribute == C.SECPKG_ATTR_NAMES:
            if not eng.peer_chain:
                raise SspiError(S.SEC_E_NO_CREDENTIALS, "the peer sent no certificate")
            return SecPkgContext_Names(eng.peer_chain[0].subject.rfc4514_string())
        if attribute == C.SECPKG_ATTR_REMOTE_CERT_CONTEXT:
            if not eng.peer_chain:
                raise SspiError(S.SEC_E_NO_CREDENTIALS, "the peer sent no certificate")
            return SecPkgContext_CertContext(eng.peer_chain[0], list(eng.peer_chain[1:]))
        raise SspiError(S.SEC_E_UNSUPPORTED_FUNCTION, f"context attribute {attribute}")

    # --- EncryptMessage ---------------------------------------------------------------------
    def encrypt(self, qop: int, message: list[SecBuffer], seqno: int) -> S:
        eng = self.engine
        write = eng.write
        if not eng.complete or write is None:
            return S.SEC_E_CONTEXT_EXPIRED if self._closed else S.SEC_E_INVALID_HANDLE
        if self._closed:
            return S.SEC_E_CONTEXT_EXPIRED
        if qop:
            return S.SEC_E_QOP_NOT_SUPPORTED
        header = data = trailer = None
        for b in message:
            t = b.BufferType & _TYPE_MASK
            if t == _T_DATA and data is None:
                data = b
            elif t == _T_HEADER and header is None:
                header = b
            elif t == _T_TRAILER and trailer is None:
                trailer = b
        if header is None or data is None or trailer is None:
            return S.SEC_E_INVALID_TOKEN
        n = data.cbBuffer
        if n > MAX_PLAINTEXT:
            return S.SEC_E_INVALID_PARAMETER
        hmem, dmem, tmem = header.pvBuffer, data.pvBuffer, trailer.pvBuffer
        if hmem is None or tmem is None or len(hmem) < write.header_len or len(tmem) < write.trailer_len:
            return S.SEC_E_BUFFER_TOO_SMALL
        if n and (dmem is None or len(dmem) < n):
            return S.SEC_E_INVALID_PARAMETER
        hview, tview = memoryview(hmem), memoryview(tmem)
        dview = memoryview(dmem)[:n] if dmem is not None else memoryview(bytearray())
        if dview.readonly or hview.readonly or tview.readonly:
            return S.SEC_E_INVALID_PARAMETER
        try:
            write.seal_in_place(ContentType.APPLICATION_DATA, hview, dview, tview)
        except TlsError:
            return S.SEC_E_ENCRYPT_FAILURE
        header.cbBuffer = write.header_len
        trailer.cbBuffer = write.trailer_len
        return S.SEC_E_OK

    # --- DecryptMessage ---------------------------------------------------------------------
    def decrypt(self, message: list[SecBuffer], seqno: int) -> tuple[S, int]:
        eng = self.engine
        read = eng.read
        if not eng.complete or read is None:
            return S.SEC_E_INVALID_HANDLE, 0
        buf = None
        empties: list[SecBuffer] = []
        for b in message:
            t = b.BufferType & _TYPE_MASK
            if t == _T_EMPTY:
                empties.append(b)
            elif t == _T_DATA and buf is None:
                buf = b
        if buf is None:
            return S.SEC_E_INVALID_TOKEN, 0
        mem = buf.pvBuffer
        total = buf.cbBuffer if mem is not None else 0
        if mem is not None and total > len(mem):
            return S.SEC_E_INVALID_PARAMETER, 0
        owed = self._owed_input
        if owed and total >= len(owed) and mem[: len(owed)] == owed:  # type: ignore[index]
            return self._decrypt_after_owed(message, buf, mem, total)  # type: ignore[arg-type]
        if total < RECORD_HEADER:
            return self._missing(empties, RECORD_HEADER - total)
        view = memoryview(mem)  # type: ignore[arg-type]
        try:
            _ctype, _version, length = parse_header(view)
        except TlsError:
            return S.SEC_E_INVALID_TOKEN, 0
        end = RECORD_HEADER + length
        if total < end:
            return self._missing(empties, end - total)
        if len(empties) < 3:
            return S.SEC_E_INVALID_TOKEN, 0
        if self._peer_closed:
            return S.SEC_E_CONTEXT_EXPIRED, 0
        if view.readonly:
            view = memoryview(bytearray(view[:total]))
        try:
            inner, start, n = read.open_in_place(view[:end])
        except TlsError as exc:
            self._peer_closed = True
            if exc.alert == AlertDescription.BAD_RECORD_MAC:
                return S.SEC_E_DECRYPT_FAILURE, 0
            return status_for_alert(exc.alert), 0
        # Re-type the buffers as Schannel does: HEADER, DATA, TRAILER, [EXTRA], all views of the input memory.
        buf.BufferType = _T_HEADER
        buf.pvBuffer = view[:start]
        buf.cbBuffer = start
        data_buf, trailer_buf = empties[0], empties[1]
        data_buf.BufferType = _T_DATA
        data_buf.pvBuffer = view[start : start + n]
        data_buf.cbBuffer = n
        trailer_buf.BufferType = _T_TRAILER
        trailer_buf.pvBuffer = view[start + n : end]
        trailer_buf.cbBuffer = end - start - n
        if total > end:
            extra_buf = empties[2]
            extra_buf.BufferType = _T_EXTRA
            extra_buf.pvBuffer = view[end:total]
            extra_buf.cbBuffer = total - end
        if inner == ContentType.APPLICATION_DATA:
            return S.SEC_E_OK, 0
        payload = bytes(data_buf.data)
        data_buf.cbBuffer = 0
        if inner == ContentType.ALERT:
            if len(payload) != 2:
                return S.SEC_E_ILLEGAL_MESSAGE, 0
            if payload[1] == AlertDescription.CLOSE_NOTIFY:
                self._peer_closed = True
                return S.SEC_I_CONTEXT_EXPIRED, 0
            if payload[0] == AlertLevel.WARNING and eng.version == TLS12:
                return S.SEC_E_OK, 0
            self._peer_closed = True
            return status_for_peer_alert(payload[1]), 0
        if inner == ContentType.HANDSHAKE:
            try:
                eng.post_handshake(payload)
            except TlsError as exc:
                self._peer_closed = True
                return status_for_alert(exc.alert), 0
            self._keep_sessions()
            self._handshake_extra(view, start, end, total, payload, trailer_buf, empties[2])
            return S.SEC_I_RENEGOTIATE, 0
        return S.SEC_E_ILLEGAL_MESSAGE, 0

    def _handshake_extra(
        self, view: memoryview, start: int, end: int, total: int, payload: bytes, trailer: SecBuffer, extra: SecBuffer
    ) -> None:
        """SEC_I_RENEGOTIATE: EXTRA becomes the handshake message(s) followed by the input bytes after the record.

        The message is moved, in the caller's memory, to the end of its record so that it and
        the bytes after the record are one SECBUFFER_EXTRA for the caller's next ISC/ASC leg.
        """
        n = len(payload)
        view[end - n : end] = payload
        trailer.pvBuffer = view[start : end - n]
        trailer.cbBuffer = end - n - start
        extra.BufferType = _T_EXTRA
        extra.pvBuffer = view[end - n : total]
        extra.cbBuffer = total - end + n
        self._owed_input = payload

    def _decrypt_after_owed(
        self, message: list[SecBuffer], buf: SecBuffer, mem: bytearray | memoryview, total: int
    ) -> tuple[S, int]:
        """DecryptMessage given the EXTRA of a SEC_I_RENEGOTIATE back (the caller's ISC/ASC leg had no input).

        The handshake bytes at its start were already handled: they are skipped and the
        records after them decrypted.
        """
        owed = self._owed_input
        self._owed_input = b""
        buf.pvBuffer = memoryview(mem)[len(owed) : total]
        buf.cbBuffer = total - len(owed)
        result = self.decrypt(message, 0)
        if result[0] == S.SEC_E_INCOMPLETE_MESSAGE:
            self._owed_input = owed
        return result

    @staticmethod
    def _missing(empties: list[SecBuffer], count: int) -> tuple[S, int]:
        if empties:
            empties[0].BufferType = _T_MISSING
            empties[0].pvBuffer = None
            empties[0].cbBuffer = count
        return S.SEC_E_INCOMPLETE_MESSAGE, 0

    def release(self) -> None:
        self._closed = self._peer_closed = True
