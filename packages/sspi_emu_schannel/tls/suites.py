"""The cipher suites the engine implements and what each one uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Union

from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

Aead = Union[AESGCM, ChaCha20Poly1305]


@dataclass(frozen=True)
class CipherSuite:
    code: int
    name: str
    version: int  # 0x0304 for TLS 1.3 suites, 0x0303 for TLS 1.2 suites
    cipher: str  # "AES_128_GCM", "AES_256_GCM", "CHACHA20_POLY1305"
    key_len: int
    hash_name: str
    auth: str  # "" (TLS 1.3), "ECDSA" or "RSA"

    @property
    def aead_factory(self) -> Callable[[bytes], Aead]:
        return ChaCha20Poly1305 if self.cipher == "CHACHA20_POLY1305" else AESGCM

    @property
    def fixed_iv_len(self) -> int:
        """TLS 1.2 implicit nonce bytes (4 for GCM, 12 for ChaCha20); TLS 1.3 always 12."""
        if self.version == 0x0304 or self.cipher == "CHACHA20_POLY1305":
            return 12
        return 4

    @property
    def explicit_nonce_len(self) -> int:
        """Bytes of nonce carried in each TLS 1.2 record (8 for GCM)."""
        return 8 if self.version == 0x0303 and self.cipher != "CHACHA20_POLY1305" else 0


_ALL = [
    CipherSuite(0x1301, "TLS_AES_128_GCM_SHA256", 0x0304, "AES_128_GCM", 16, "sha256", ""),
    CipherSuite(0x1302, "TLS_AES_256_GCM_SHA384", 0x0304, "AES_256_GCM", 32, "sha384", ""),
    CipherSuite(0x1303, "TLS_CHACHA20_POLY1305_SHA256", 0x0304, "CHACHA20_POLY1305", 32, "sha256", ""),
    CipherSuite(0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0x0303, "AES_128_GCM", 16, "sha256", "ECDSA"),
    CipherSuite(0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0x0303, "AES_256_GCM", 32, "sha384", "ECDSA"),
    CipherSuite(0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0x0303, "AES_128_GCM", 16, "sha256", "RSA"),
    CipherSuite(0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0x0303, "AES_256_GCM", 32, "sha384", "RSA"),
    CipherSuite(
        0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 0x0303, "CHACHA20_POLY1305", 32, "sha256", "ECDSA"
    ),
    CipherSuite(
        0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0x0303, "CHACHA20_POLY1305", 32, "sha256", "RSA"
    ),
]

SUITES: dict[int, CipherSuite] = {s.code: s for s in _ALL}
BY_NAME: dict[str, CipherSuite] = {s.name: s for s in _ALL}

TLS13_SUITES: tuple[int, ...] = (0x1302, 0x1301, 0x1303)
TLS12_SUITES: tuple[int, ...] = (0xC02C, 0xC02B, 0xC030, 0xC02F, 0xCCA9, 0xCCA8)
#: TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 3.3)
EMPTY_RENEGOTIATION_INFO_SCSV = 0x00FF
#: TLS_FALLBACK_SCSV (RFC 7507 6)
FALLBACK_SCSV = 0x5600
