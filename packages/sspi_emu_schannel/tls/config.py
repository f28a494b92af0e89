"""What one side of a TLS connection is configured to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from cryptography import x509

from .constants import TLS12, TLS13, ExtensionType, Group
from .groups import SUPPORTED_GROUPS
from .resumption import ResumableSession, SessionStore12, TicketProtector
from .signatures import DEFAULT_SCHEMES, PrivateKey
from .suites import TLS12_SUITES, TLS13_SUITES

#: The default order of ClientHello extensions.
DEFAULT_CLIENT_EXTENSION_ORDER: tuple[int, ...] = (
    ExtensionType.SERVER_NAME,
    ExtensionType.SUPPORTED_VERSIONS,
    ExtensionType.SUPPORTED_GROUPS,
    ExtensionType.EC_POINT_FORMATS,
    ExtensionType.SIGNATURE_ALGORITHMS,
    ExtensionType.KEY_SHARE,
    ExtensionType.PSK_KEY_EXCHANGE_MODES,
    ExtensionType.EXTENDED_MASTER_SECRET,
    ExtensionType.RENEGOTIATION_INFO,
    ExtensionType.ALPN,
    ExtensionType.RECORD_SIZE_LIMIT,
    ExtensionType.COOKIE,
)

#: Verifies the peer's chain (leaf first); raises TlsError (with an SSPI status) to reject it.
ChainVerifier = Callable[[list[x509.Certificate]], None]


@dataclass
class TlsConfig:
    """Versions, algorithms, certificate and policy for one side.

    ``advertised_groups`` / ``advertised_schemes`` may list more code points than the engine
    implements (to reproduce a published ClientHello); only ``groups`` are ever negotiated.
    """

    versions: tuple[int, ...] = (TLS13, TLS12)
    cipher_suites: tuple[int, ...] = TLS13_SUITES + TLS12_SUITES
    groups: tuple[int, ...] = SUPPORTED_GROUPS
    key_share_groups: tuple[int, ...] = (Group.X25519,)
    signature_schemes: tuple[int, ...] = DEFAULT_SCHEMES
    advertised_groups: tuple[int, ...] | None = None
    advertised_schemes: tuple[int, ...] | None = None
    client_extension_order: tuple[int, ...] = DEFAULT_CLIENT_EXTENSION_ORDER
    certificate_chain: Sequence[x509.Certificate] = ()
    private_key: PrivateKey | None = field(default=None, repr=False)
    server_name: str | None = None
    verify_peer: ChainVerifier | None = None
    require_client_certificate: bool = False
    #: Server: DER names of the CAs to list in CertificateRequest.
    certificate_authorities: Sequence[bytes] = ()
    #: Client: pause (``awaiting_certificate``) when asked for a certificate we do not have.
    ask_for_client_certificate: bool = False
    alpn_protocols: tuple[bytes, ...] = ()
    #: RFC 8449 record_size_limit to announce (None: not sent).
    record_size_limit: int | None = None
    #: Send an empty session_ticket extension in ClientHello (RFC 5077 compatibility only).
    send_session_ticket_extension: bool = False
    #: Server: repeat supported_groups in EncryptedExtensions.
    send_groups_in_encrypted_extensions: bool = False
    #: Server: NewSessionTicket messages sent after the handshake (TLS 1.3).
    tickets: int = 0
    ticket_lifetime: int = 7200
    ticket_length: int = 32
    #: max_early_data_size announced in tickets (None: no early_data extension).
    ticket_early_data: int | None = None
    #: Client: a session to offer for resumption (TLS 1.3 ticket).
    resume: ResumableSession | None = None
    #: Server: seals and opens the tickets it issues (None: tickets are opaque random bytes).
    ticket_protector: TicketProtector | None = None
    #: Server: TLS 1.2 sessions to resume by id (None: no session ids are issued).
    session_store: SessionStore12 | None = None
    #: Server: issue and accept TLS 1.2 session tickets (RFC 5077; needs ``ticket_protector``).
    tickets12: bool = False
    #: Client: offer TLS 1.2 session tickets (RFC 5077): the session_ticket extension, with the
    #: ticket of a resumable TLS 1.2 session when there is one.
    session_tickets12: bool = False
    #: Client: offer TLS 1.3 post-handshake client authentication (the post_handshake_auth extension).
    post_handshake_auth: bool = False
    #: Client: a 32-byte legacy_session_id (middlebox compatibility mode).
    compatibility_session_id: bool = False
