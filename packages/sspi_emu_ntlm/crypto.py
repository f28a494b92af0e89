"""MS-NLMP key derivation and challenge responses (section 3.3, 3.4.5).

Pure functions over bytes: one-way functions (NTOWF/LMOWF v1 and v2), the v1 and v2
responses, KXKEY, SIGNKEY, SEALKEY and RC4K. The state machines call these; the
published MS-NLMP 4.2 values test them directly.
"""

from __future__ import annotations

import hashlib
import hmac
import struct

from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4, TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from .md4 import md4

__all__ = [
    "CLIENT_SEAL_MAGIC",
    "CLIENT_SIGN_MAGIC",
    "SERVER_SEAL_MAGIC",
    "SERVER_SIGN_MAGIC",
    "desl",
    "hmac_md5",
    "kxkey",
    "lm_v1_response",
    "lmowfv1",
    "lmv2_response",
    "md4",
    "nt_v1_response",
    "ntlm2_session_response",
    "ntowfv1",
    "ntowfv2",
    "ntv2_proof",
    "rc4k",
    "sealkey",
    "signkey",
    "v2_blob",
]

CLIENT_SIGN_MAGIC = b"session key to client-to-server signing key magic constant\x00"
SERVER_SIGN_MAGIC = b"session key to server-to-client signing key magic constant\x00"
CLIENT_SEAL_MAGIC = b"session key to client-to-server sealing key magic constant\x00"
SERVER_SEAL_MAGIC = b"session key to server-to-client sealing key magic constant\x00"

_LM_MAGIC = b"KGS!@#$%"
_BLOB_HEADER = b"\x01\x01\x00\x00\x00\x00\x00\x00"
_Q = struct.Struct("<Q")

#: NEGOTIATE flag values used by the key derivations (full set in flags.py).
_LM_KEY = 0x00000080
_ESS = 0x00080000
_REQUEST_NON_NT_SESSION_KEY = 0x00400000
_NEG_128 = 0x20000000
_NEG_56 = 0x80000000


def hmac_md5(key: bytes, data: bytes) -> bytes:
    """HMAC-MD5."""
    return hmac.digest(key, data, "md5")


def _des_key(key7: bytes) -> bytes:
    """Spread 56 key bits over 8 bytes (parity bits left zero; DES ignores them)."""
    k = int.from_bytes(key7, "big")
    return bytes(((k >> (49 - 7 * i)) & 0x7F) << 1 for i in range(8))


def _des(key7: bytes, block: bytes) -> bytes:
    key = _des_key(key7)
    enc = Cipher(TripleDES(key * 3), modes.ECB()).encryptor()  # noqa: S305 - protocol-mandated
    return enc.update(block) + enc.finalize()


def desl(key16: bytes, data8: bytes) -> bytes:
    """DESL(K, D): three DES encryptions of D under 7-byte slices of K padded to 21 bytes."""
    k = key16 + b"\x00" * (21 - len(key16))
    return _des(k[0:7], data8) + _des(k[7:14], data8) + _des(k[14:21], data8)


def ntowfv1(password: str) -> bytes:
    """NTOWFv1: MD4 of the UTF-16LE password (the NT hash)."""
    return md4(password.encode("utf-16-le"))


def lmowfv1(password: str) -> bytes:
    """LMOWFv1: the LM hash (upper-cased OEM password, 14 bytes, DES of KGS!@#$%)."""
    pw = password.upper().encode("latin-1", "replace")[:14].ljust(14, b"\x00")
    return _des(pw[:7], _LM_MAGIC) + _des(pw[7:], _LM_MAGIC)


def ntowfv2(nt_hash: bytes, user: str, domain: str) -> bytes:
    """NTOWFv2 (= LMOWFv2) from the NT hash: HMAC_MD5(NT hash, UNICODE(upper(user) + domain))."""
    return hmac_md5(nt_hash, (user.upper() + domain).encode("utf-16-le"))


def nt_v1_response(nt_hash: bytes, server_challenge: bytes) -> bytes:
    """NTLMv1 NtChallengeResponse."""
    return desl(nt_hash, server_challenge)


def lm_v1_response(lm_hash: bytes, server_challenge: bytes) -> bytes:
    """LMv1 LmChallengeResponse."""
    return desl(lm_hash, server_challenge)


def ntlm2_session_response(nt_hash: bytes, server_challenge: bytes, client_challenge: bytes) -> bytes:
    """NTLMv1 with extended session security: DESL over MD5(server || client challenge)[:8]."""
    return desl(nt_hash, hashlib.md5(server_challenge + client_challenge).digest()[:8])  # noqa: S324 - protocol-mandated


def v2_blob(timestamp: int, client_challenge: bytes, av_pairs: bytes) -> bytes:
    """The NTLMv2 client challenge structure ('temp' in MS-NLMP 3.3.2)."""
    return _BLOB_HEADER + _Q.pack(timestamp) + client_challenge + b"\x00" * 4 + av_pairs + b"\x00" * 4


def ntv2_proof(ntowf2: bytes, server_challenge: bytes, blob: bytes) -> bytes:
    """NTProofStr = HMAC_MD5(NTOWFv2, ServerChallenge || temp)."""
    return hmac_md5(ntowf2, server_challenge + blob)


def lmv2_response(ntowf2: bytes, server_challenge: bytes, client_challenge: bytes) -> bytes:
    """LMv2 response: HMAC_MD5(LMOWFv2, ServerChallenge || ClientChallenge) || ClientChallenge."""
    return hmac_md5(ntowf2, server_challenge + client_challenge) + client_challenge


def kxkey(flags: int, session_base_key: bytes, lm_response: bytes, server_challenge: bytes, lm_hash: bytes) -> bytes:
    """KXKEY for NTLMv1 (MS-NLMP 3.4.5.1); NTLMv2 uses the session base key directly."""
    if flags & _ESS:
        return hmac_md5(session_base_key, server_challenge + lm_response[:8])
    if flags & _LM_KEY:
        data = lm_response[:8]
        return _des(lm_hash[:7], data) + _des(lm_hash[7:8] + b"\xbd" * 6, data)
    if flags & _REQUEST_NON_NT_SESSION_KEY:
        return lm_hash[:8] + b"\x00" * 8
    return session_base_key


def rc4k(key: bytes, data: bytes) -> bytes:
    """One-shot RC4 (used for the encrypted random session key)."""
    return Cipher(ARC4(key), mode=None).encryptor().update(data)


def signkey(flags: int, exported_session_key: bytes, magic: bytes) -> bytes:
    """SIGNKEY: MD5(key || magic) with extended session security; none without it."""
    if flags & _ESS:
        return hashlib.md5(exported_session_key + magic).digest()  # noqa: S324 - protocol-mandated
    return b""


def sealkey(flags: int, exported_session_key: bytes, magic: bytes) -> bytes:
    """SEALKEY (MS-NLMP 3.4.5.3): 128/56/40-bit sealing keys."""
    if flags & _ESS:
        if flags & _NEG_128:
            key = exported_session_key
        elif flags & _NEG_56:
            key = exported_session_key[:7]
        else:
            key = exported_session_key[:5]
        return hashlib.md5(key + magic).digest()  # noqa: S324 - protocol-mandated
    if flags & _LM_KEY:
        if flags & _NEG_56:
            return exported_session_key[:7] + b"\xa0"
        return exported_session_key[:5] + b"\xe5\x38\xb0"
    return exported_session_key
