"""The credential's TlsEngineSettings (an sspi-emu extension) applied to a side's TlsConfig."""

from __future__ import annotations

from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError
from sspi_emu.schannel_credentials import TlsEngineSettings

from .tls.config import TlsConfig

__all__ = ["apply_engine_settings", "checked_engine_settings", "seals_tickets"]

_U16 = range(0x10000)


def _codes(name: str, value: object) -> tuple[int, ...] | None:
    if value is None:
        return None
    if not isinstance(value, (tuple, list)) or not all(isinstance(v, int) and v in _U16 for v in value):
        raise SspiError(SecurityStatus.SEC_E_UNKNOWN_CREDENTIALS, f"EngineSettings.{name}: 16-bit code points expected")
    return tuple(value)


def checked_engine_settings(value: object) -> TlsEngineSettings | None:
    """The credential's ``EngineSettings``, checked (SEC_E_UNKNOWN_CREDENTIALS for a malformed one)."""
    if value is None:
        return None
    if not isinstance(value, TlsEngineSettings):
        raise SspiError(SecurityStatus.SEC_E_UNKNOWN_CREDENTIALS, "EngineSettings must be a TlsEngineSettings")
    for name in ("cipher_suites", "key_share_groups", "advertised_groups", "advertised_schemes",
                 "client_extension_order"):
        _codes(name, getattr(value, name))
    limit = value.record_size_limit
    if limit is not None and (not isinstance(limit, int) or not 64 <= limit <= 0x4001):
        raise SspiError(SecurityStatus.SEC_E_UNKNOWN_CREDENTIALS, "EngineSettings.record_size_limit: 64..16385")
    if not isinstance(value.ticket_length, int) or not 1 <= value.ticket_length < 0x10000:
        raise SspiError(SecurityStatus.SEC_E_UNKNOWN_CREDENTIALS, "EngineSettings.ticket_length: 1..65535")
    early = value.ticket_max_early_data
    if early is not None and (not isinstance(early, int) or not 0 <= early < 1 << 32):
        raise SspiError(SecurityStatus.SEC_E_UNKNOWN_CREDENTIALS, "EngineSettings.ticket_max_early_data: 32 bits")
    return value


def seals_tickets(settings: TlsEngineSettings | None) -> bool:
    """False when the server's TLS 1.3 tickets are random bytes rather than sealed session state."""
    return settings is None or not settings.random_tickets


def apply_engine_settings(config: TlsConfig, settings: TlsEngineSettings | None) -> None:
    """Override *config* with the knobs *settings* sets; algorithms stay within what the credential enables."""
    if settings is None:
        return
    if settings.cipher_suites is not None:
        config.cipher_suites = tuple(s for s in settings.cipher_suites if s in config.cipher_suites)
        if not config.cipher_suites:
            raise SspiError(SecurityStatus.SEC_E_ALGORITHM_MISMATCH, "EngineSettings.cipher_suites: none enabled")
    if settings.key_share_groups is not None:
        config.key_share_groups = tuple(g for g in settings.key_share_groups if g in config.groups)
        if not config.key_share_groups:
            raise SspiError(SecurityStatus.SEC_E_ALGORITHM_MISMATCH, "EngineSettings.key_share_groups: none enabled")
    if settings.advertised_groups is not None:
        config.advertised_groups = tuple(settings.advertised_groups)
    if settings.advertised_schemes is not None:
        config.advertised_schemes = tuple(settings.advertised_schemes)
    if settings.client_extension_order is not None:
        config.client_extension_order = tuple(settings.client_extension_order)
    config.record_size_limit = settings.record_size_limit
    config.send_session_ticket_extension = settings.send_session_ticket_extension
    config.send_groups_in_encrypted_extensions = settings.send_groups_in_encrypted_extensions
    if settings.random_tickets:
        config.ticket_protector = None
    config.ticket_length = settings.ticket_length
    config.ticket_early_data = settings.ticket_max_early_data
