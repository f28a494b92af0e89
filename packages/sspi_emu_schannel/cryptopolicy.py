"""Which cipher suites and groups a credential allows: SCH_CREDENTIALS ``pDisabledCrypto`` (CRYPTO_SETTINGS)
and the legacy SCHANNEL_CRED ``palgSupportedAlgs`` / cipher-strength limits.

CRYPTO_SETTINGS and the eTlsAlgorithmUsage values are defined in :mod:`sspi_emu.schannel_credentials`.
"""

from __future__ import annotations

from sspi_emu.schannel_credentials import (
    CRYPTO_SETTINGS,
    TlsParametersCngAlgUsageCertSig,
    TlsParametersCngAlgUsageCipher,
    TlsParametersCngAlgUsageDigest,
    TlsParametersCngAlgUsageKeyExchange,
    TlsParametersCngAlgUsageSignature,
)

from .algids import CALG_AES_128, CALG_AES_256
from .tls.constants import Group
from .tls.groups import SUPPORTED_GROUPS
from .tls.suites import SUITES, TLS12_SUITES, TLS13_SUITES, CipherSuite

__all__ = [
    "CRYPTO_SETTINGS",
    "TlsParametersCngAlgUsageCertSig",
    "TlsParametersCngAlgUsageCipher",
    "TlsParametersCngAlgUsageDigest",
    "TlsParametersCngAlgUsageKeyExchange",
    "TlsParametersCngAlgUsageSignature",
    "allowed_groups",
    "allowed_suites",
]

_CIPHER_CNG = {
    "AES_128_GCM": ("AES", 128),
    "AES_256_GCM": ("AES", 256),
    "CHACHA20_POLY1305": ("CHACHA20_POLY1305", 256),
}
_DIGEST_CNG = {"sha256": ("SHA256", 256), "sha384": ("SHA384", 384)}
_GROUP_CNG = {
    Group.X25519: ("CURVE25519", 255),
    Group.SECP256R1: ("ECDH_P256", 256),
    Group.SECP384R1: ("ECDH_P384", 384),
}


def _hits(setting: CRYPTO_SETTINGS, usage: int, cng: str, bits: int) -> bool:
    if setting.eAlgorithmUsage != usage:
        return False
    wanted = setting.strCngAlgId.upper()
    if wanted != cng and not (usage == TlsParametersCngAlgUsageKeyExchange and wanted in ("ECDH", "ECDHE")):
        return False
    if not setting.dwMinBitLength and not setting.dwMaxBitLength:
        return True
    low = setting.dwMinBitLength or 0
    high = setting.dwMaxBitLength or 1 << 30
    return not low <= bits <= high


def _suite_allowed(suite: CipherSuite, disabled: list[CRYPTO_SETTINGS]) -> bool:
    cng, bits = _CIPHER_CNG[suite.cipher]
    hname, hbits = _DIGEST_CNG[suite.hash_name]
    for s in disabled:
        if _hits(s, TlsParametersCngAlgUsageCipher, cng, bits) or _hits(
            s, TlsParametersCngAlgUsageDigest, hname, hbits
        ):
            return False
        if suite.auth and _hits(s, TlsParametersCngAlgUsageSignature, "RSA" if suite.auth == "RSA" else "ECDSA", 0):
            return False
    return True


def allowed_suites(
    disabled: list[CRYPTO_SETTINGS],
    algs: list[int] | None = None,
    min_strength: int = 0,
    max_strength: int = 0,
) -> tuple[int, ...]:
    """The suites left after ``pDisabledCrypto`` and the legacy algorithm / strength limits."""
    out = []
    for code in TLS13_SUITES + TLS12_SUITES:
        suite = SUITES[code]
        if not _suite_allowed(suite, disabled):
            continue
        strength = _CIPHER_CNG[suite.cipher][1]
        if min_strength and strength < min_strength or max_strength and strength > max_strength:
            continue
        if algs:
            cipher_alg = {"AES_128_GCM": CALG_AES_128, "AES_256_GCM": CALG_AES_256}.get(suite.cipher)
            if cipher_alg not in algs:
                continue
        out.append(code)
    return tuple(out)


def allowed_groups(disabled: list[CRYPTO_SETTINGS]) -> tuple[int, ...]:
    """The key-exchange groups left after ``pDisabledCrypto``."""
    return tuple(
        g
        for g in SUPPORTED_GROUPS
        if not any(_hits(s, TlsParametersCngAlgUsageKeyExchange, *_GROUP_CNG[Group(g)]) for s in disabled)
    )
