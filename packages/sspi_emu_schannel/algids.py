"""Windows ALG_ID values (wincrypt.h) and the connection / cipher descriptions Schannel reports."""

from __future__ import annotations

from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgContext_CipherInfo, SecPkgContext_ConnectionInfo

from .tls.constants import TLS13, Group
from .tls.suites import CipherSuite

CALG_AES_128 = 0x0000660E
CALG_AES_256 = 0x00006610
CALG_SHA_256 = 0x0000800C
CALG_SHA_384 = 0x0000800D
CALG_ECDH_EPHEM = 0x0000AE06
CALG_ECDSA = 0x00002203
CALG_RSA_SIGN = 0x00002400
#: wincrypt.h has no ChaCha20 ALG_ID; Schannel reports 0 for algorithms without one.
CALG_NONE = 0

_CIPHER = {
    "AES_128_GCM": (CALG_AES_128, 128, "AES"),
    "AES_256_GCM": (CALG_AES_256, 256, "AES"),
    "CHACHA20_POLY1305": (CALG_NONE, 256, "CHACHA20_POLY1305"),
}
_HASH = {"sha256": (CALG_SHA_256, 256, "SHA256"), "sha384": (CALG_SHA_384, 384, "SHA384")}
_GROUP_BITS: dict[int, int] = {Group.X25519: 255, Group.SECP256R1: 256, Group.SECP384R1: 384}


def protocol_bit(version: int, server: bool) -> int:
    """The SP_PROT_* bit for a negotiated version and side."""
    if version == TLS13:
        return C.SP_PROT_TLS1_3_SERVER if server else C.SP_PROT_TLS1_3_CLIENT
    return C.SP_PROT_TLS1_2_SERVER if server else C.SP_PROT_TLS1_2_CLIENT


def connection_info(suite: CipherSuite, version: int, group: int, server: bool) -> SecPkgContext_ConnectionInfo:
    cipher, strength, _n = _CIPHER[suite.cipher]
    hash_alg, hash_bits, _h = _HASH[suite.hash_name]
    return SecPkgContext_ConnectionInfo(
        dwProtocol=protocol_bit(version, server),
        aiCipher=cipher,
        dwCipherStrength=strength,
        aiHash=hash_alg,
        dwHashStrength=hash_bits,
        aiExch=CALG_ECDH_EPHEM,
        dwExchStrength=_GROUP_BITS.get(group, 0),
    )


def cipher_info(suite: CipherSuite, version: int, group: int, certificate_kind: str) -> SecPkgContext_CipherInfo:
    _cipher, strength, cname = _CIPHER[suite.cipher]
    _halg, hash_bits, hname = _HASH[suite.hash_name]
    bits = _GROUP_BITS.get(group, 0)
    return SecPkgContext_CipherInfo(
        dwVersion=1,
        dwProtocol=version,
        dwCipherSuite=suite.code,
        dwBaseCipherSuite=suite.code,
        szCipherSuite=suite.name,
        szCipher=cname,
        dwCipherLen=strength,
        dwCipherBlockLen=16 if cname == "AES" else 1,
        szHash=hname,
        dwHashLen=hash_bits,
        szExchange="ECDHE",
        dwMinExchangeLen=bits,
        dwMaxExchangeLen=bits,
        szCertificate=certificate_kind,
        dwKeyType=0,
    )
