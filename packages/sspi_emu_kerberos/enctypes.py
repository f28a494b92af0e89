"""RFC 3961 encryption profiles: aes-sha1 (RFC 3962), aes-sha2 (RFC 8009) and rc4-hmac (RFC 4757).

Each profile offers string-to-key, random-to-key, encrypt / decrypt with a key usage,
and the keyed checksum that goes with it. Randomness (confounders) comes from
:mod:`sspi_emu.entropy`. Decryption failures raise :class:`IntegrityError`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import struct

from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
from cryptography.hazmat.primitives.ciphers import Cipher

from sspi_emu import entropy

from .aes_cts import cts_decrypt, cts_encrypt, ecb_encrypt
from .keys import Key
from .md4 import md4
from .nfold import nfold

__all__ = [
    "AES128_CTS_HMAC_SHA1_96",
    "AES128_CTS_HMAC_SHA256_128",
    "AES256_CTS_HMAC_SHA1_96",
    "AES256_CTS_HMAC_SHA384_192",
    "RC4_HMAC",
    "CHECKSUM_FOR_ENCTYPE",
    "DEFAULT_ENCTYPES",
    "Enctype",
    "IntegrityError",
    "UnsupportedEnctype",
    "checksum",
    "decrypt",
    "encrypt",
    "profile",
    "random_key",
    "string_to_key",
    "verify_checksum",
]

AES128_CTS_HMAC_SHA1_96 = 17
AES256_CTS_HMAC_SHA1_96 = 18
AES128_CTS_HMAC_SHA256_128 = 19
AES256_CTS_HMAC_SHA384_192 = 20
RC4_HMAC = 23

#: What a client offers, strongest first (the order MIT and Windows use).
DEFAULT_ENCTYPES = (
    AES256_CTS_HMAC_SHA1_96,
    AES128_CTS_HMAC_SHA1_96,
    AES256_CTS_HMAC_SHA384_192,
    AES128_CTS_HMAC_SHA256_128,
    RC4_HMAC,
)


class IntegrityError(Exception):
    """The ciphertext or checksum does not verify under the key."""


class UnsupportedEnctype(Exception):
    """An encryption or checksum type this package does not implement."""


def _usage_constant(usage: int, kind: int) -> bytes:
    return struct.pack(">IB", usage, kind)


# Derived keys are memoised (as MIT keeps them with the key): a context derives the same
# few usage keys for every message. The caches hold key material only in process memory.
@functools.lru_cache(maxsize=256)
def _nfold16(constant: bytes) -> bytes:
    return nfold(constant, 16)


@functools.lru_cache(maxsize=2048)
def _dk_aes(key: bytes, constant: bytes, size: int) -> bytes:
    block = _nfold16(constant) if len(constant) != 16 else constant
    out = b""
    while len(out) < size:
        block = ecb_encrypt(key, block)
        out += block
    return out[:size]


@functools.lru_cache(maxsize=2048)
def _kdf_sha2(key: bytes, label: bytes, nbytes: int, hash_name: str) -> bytes:
    msg = struct.pack(">I", 1) + label + b"\x00" + struct.pack(">I", nbytes * 8)
    return hmac.digest(key, msg, hash_name)[:nbytes]


class Enctype:
    """One encryption type: sizes, numbers and the operations of RFC 3961 section 3."""

    number: int = 0
    name: str = ""
    key_size: int = 0
    checksum_type: int = 0
    checksum_size: int = 0

    def string_to_key(self, password: bytes, salt: bytes, params: bytes | None = None) -> Key:
        """Derive the long-term key from a password, a salt and optional s2kparams."""
        raise NotImplementedError

    def random_to_key(self, seed: bytes) -> Key:
        """Turn random bits into a key."""
        return Key(self.number, bytes(seed))

    def encrypt(self, key: Key, usage: int, plaintext: bytes) -> bytes:
        """Encrypt with a fresh confounder."""
        raise NotImplementedError

    def decrypt(self, key: Key, usage: int, ciphertext: bytes) -> bytes:
        """Decrypt and check integrity (IntegrityError)."""
        raise NotImplementedError

    def checksum(self, key: Key, usage: int, data: bytes) -> bytes:
        """The keyed checksum of *data*."""
        raise NotImplementedError


class _AesSha1(Enctype):
    def __init__(self, number: int, key_size: int, checksum_type: int, name: str) -> None:
        self.number = number
        self.key_size = key_size
        self.checksum_type = checksum_type
        self.checksum_size = 12
        self.name = name

    def derive(self, key: bytes, constant: bytes) -> bytes:
        """DK(key, constant) with DR in AES-CBC under a zero IV (RFC 3961 5.1)."""
        return _dk_aes(key, constant, self.key_size)

    def string_to_key(self, password: bytes, salt: bytes, params: bytes | None = None) -> Key:
        iterations = 4096
        if params:
            if len(params) != 4:
                raise ValueError("aes s2kparams are 4 bytes")
            iterations = struct.unpack(">I", params)[0]
            if iterations == 0 or iterations > 0x1000000:
                raise ValueError("unreasonable iteration count")
        tkey = hashlib.pbkdf2_hmac("sha1", password, salt, iterations, self.key_size)
        return Key(self.number, self.derive(tkey, b"kerberos"))

    def encrypt(self, key: Key, usage: int, plaintext: bytes) -> bytes:
        ke = self.derive(key.contents, _usage_constant(usage, 0xAA))
        ki = self.derive(key.contents, _usage_constant(usage, 0x55))
        data = entropy.random_bytes(16, "kerberos confounder") + plaintext
        return cts_encrypt(ke, bytes(16), data) + hmac.digest(ki, data, "sha1")[:12]

    def decrypt(self, key: Key, usage: int, ciphertext: bytes) -> bytes:
        if len(ciphertext) < 16 + 12:
            raise IntegrityError("ciphertext too short")
        ke = self.derive(key.contents, _usage_constant(usage, 0xAA))
        ki = self.derive(key.contents, _usage_constant(usage, 0x55))
        data = cts_decrypt(ke, bytes(16), ciphertext[:-12])
        if not hmac.compare_digest(hmac.digest(ki, data, "sha1")[:12], ciphertext[-12:]):
            raise IntegrityError("HMAC mismatch")
        return data[16:]

    def checksum(self, key: Key, usage: int, data: bytes) -> bytes:
        kc = self.derive(key.contents, _usage_constant(usage, 0x99))
        return hmac.digest(kc, data, "sha1")[:12]


class _AesSha2(Enctype):
    def __init__(self, number: int, key_size: int, checksum_type: int, name: str, hash_name: str, mac: int) -> None:
        self.number = number
        self.key_size = key_size
        self.checksum_type = checksum_type
        self.checksum_size = mac
        self.name = name
        self.hash_name = hash_name

    def kdf(self, key: bytes, label: bytes, nbytes: int) -> bytes:
        """KDF-HMAC-SHA2 of RFC 8009 section 3 (one counter block suffices for these sizes)."""
        return _kdf_sha2(key, label, nbytes, self.hash_name)

    def string_to_key(self, password: bytes, salt: bytes, params: bytes | None = None) -> Key:
        iterations = 32768
        if params:
            if len(params) != 4:
                raise ValueError("aes-sha2 s2kparams are 4 bytes")
            iterations = struct.unpack(">I", params)[0]
            if iterations == 0 or iterations > 0x1000000:
                raise ValueError("unreasonable iteration count")
        saltp = self.name.encode() + b"\x00" + salt
        tkey = hashlib.pbkdf2_hmac(self.hash_name, password, saltp, iterations, self.key_size)
        return Key(self.number, self.kdf(tkey, b"kerberos", self.key_size))

    def _keys(self, key: Key, usage: int) -> tuple[bytes, bytes]:
        ke = self.kdf(key.contents, _usage_constant(usage, 0xAA), self.key_size)
        ki = self.kdf(key.contents, _usage_constant(usage, 0x55), self.checksum_size)
        return ke, ki

    def encrypt(self, key: Key, usage: int, plaintext: bytes) -> bytes:
        ke, ki = self._keys(key, usage)
        data = entropy.random_bytes(16, "kerberos confounder") + plaintext
        ct = cts_encrypt(ke, bytes(16), data)
        return ct + hmac.digest(ki, bytes(16) + ct, self.hash_name)[: self.checksum_size]

    def decrypt(self, key: Key, usage: int, ciphertext: bytes) -> bytes:
        h = self.checksum_size
        if len(ciphertext) < 16 + h:
            raise IntegrityError("ciphertext too short")
        ke, ki = self._keys(key, usage)
        ct = ciphertext[:-h]
        if not hmac.compare_digest(hmac.digest(ki, bytes(16) + ct, self.hash_name)[:h], ciphertext[-h:]):
            raise IntegrityError("HMAC mismatch")
        return cts_decrypt(ke, bytes(16), ct)[16:]

    def checksum(self, key: Key, usage: int, data: bytes) -> bytes:
        kc = self.kdf(key.contents, _usage_constant(usage, 0x99), self.checksum_size)
        return hmac.digest(kc, data, self.hash_name)[: self.checksum_size]


def _rc4(key: bytes, data: bytes) -> bytes:
    enc = Cipher(ARC4(key), mode=None).encryptor()
    return enc.update(data) + enc.finalize()


_RC4_USAGE = {3: 8, 9: 8, 23: 13}


class _Rc4Hmac(Enctype):
    number = RC4_HMAC
    name = "arcfour-hmac"
    key_size = 16
    checksum_type = -138
    checksum_size = 16

    def string_to_key(self, password: bytes, salt: bytes, params: bytes | None = None) -> Key:
        return Key(self.number, md4(password.decode("utf-8", "surrogatepass").encode("utf-16-le")))

    def encrypt(self, key: Key, usage: int, plaintext: bytes) -> bytes:
        k1 = hmac.digest(key.contents, struct.pack("<I", _RC4_USAGE.get(usage, usage)), "md5")
        data = entropy.random_bytes(8, "kerberos confounder") + plaintext
        mac = hmac.digest(k1, data, "md5")
        k3 = hmac.digest(k1, mac, "md5")
        return mac + _rc4(k3, data)

    def decrypt(self, key: Key, usage: int, ciphertext: bytes) -> bytes:
        if len(ciphertext) < 16 + 8:
            raise IntegrityError("ciphertext too short")
        k1 = hmac.digest(key.contents, struct.pack("<I", _RC4_USAGE.get(usage, usage)), "md5")
        mac = ciphertext[:16]
        k3 = hmac.digest(k1, mac, "md5")
        data = _rc4(k3, ciphertext[16:])
        if not hmac.compare_digest(hmac.digest(k1, data, "md5"), mac):
            raise IntegrityError("HMAC mismatch")
        return data[8:]

    def checksum(self, key: Key, usage: int, data: bytes) -> bytes:
        ksign = hmac.digest(key.contents, b"signaturekey\x00", "md5")
        inner = hashlib.md5(struct.pack("<I", _RC4_USAGE.get(usage, usage)) + data).digest()  # noqa: S324 - RFC 4757
        return hmac.digest(ksign, inner, "md5")


_PROFILES: dict[int, Enctype] = {
    AES128_CTS_HMAC_SHA1_96: _AesSha1(AES128_CTS_HMAC_SHA1_96, 16, 15, "aes128-cts-hmac-sha1-96"),
    AES256_CTS_HMAC_SHA1_96: _AesSha1(AES256_CTS_HMAC_SHA1_96, 32, 16, "aes256-cts-hmac-sha1-96"),
    AES128_CTS_HMAC_SHA256_128: _AesSha2(
        AES128_CTS_HMAC_SHA256_128, 16, 19, "aes128-cts-hmac-sha256-128", "sha256", 16
    ),
    AES256_CTS_HMAC_SHA384_192: _AesSha2(
        AES256_CTS_HMAC_SHA384_192, 32, 20, "aes256-cts-hmac-sha384-192", "sha384", 24
    ),
    RC4_HMAC: _Rc4Hmac(),
}

#: The mandatory checksum type of each encryption type.
CHECKSUM_FOR_ENCTYPE = {n: p.checksum_type for n, p in _PROFILES.items()}
_BY_CHECKSUM = {p.checksum_type: p for p in _PROFILES.values()}


def profile(enctype: int) -> Enctype:
    """The profile for *enctype* (UnsupportedEnctype when unknown)."""
    try:
        return _PROFILES[enctype]
    except KeyError:
        raise UnsupportedEnctype(f"encryption type {enctype}") from None


def string_to_key(enctype: int, password: str | bytes, salt: str | bytes, params: bytes | None = None) -> Key:
    """The long-term key for a password (UTF-8) and salt."""
    pw = password.encode("utf-8", "surrogatepass") if isinstance(password, str) else password
    sl = salt.encode("utf-8") if isinstance(salt, str) else salt
    return profile(enctype).string_to_key(pw, sl, params)


def random_key(enctype: int) -> Key:
    """A fresh random key of *enctype* (session keys, subkeys)."""
    p = profile(enctype)
    return p.random_to_key(entropy.random_bytes(p.key_size, "kerberos session key"))


def encrypt(key: Key, usage: int, plaintext: bytes) -> bytes:
    """Encrypt *plaintext* under *key* for *usage*."""
    return profile(key.enctype).encrypt(key, usage, plaintext)


def decrypt(key: Key, usage: int, ciphertext: bytes) -> bytes:
    """Decrypt and verify (IntegrityError on any mismatch)."""
    try:
        return profile(key.enctype).decrypt(key, usage, bytes(ciphertext))
    except ValueError as exc:
        raise IntegrityError(str(exc)) from None


def checksum(key: Key, usage: int, data: bytes) -> tuple[int, bytes]:
    """(checksum type, value) of the key's mandatory keyed checksum."""
    p = profile(key.enctype)
    return p.checksum_type, p.checksum(key, usage, data)


def verify_checksum(key: Key, usage: int, data: bytes, ctype: int, value: bytes) -> bool:
    """True when *value* is the keyed checksum of *data* of type *ctype* under *key*."""
    p = _BY_CHECKSUM.get(ctype)
    if p is None or p.number != key.enctype:
        # A checksum type of another enctype with a compatible key size is still acceptable.
        if p is None or p.key_size != len(key.contents):
            return False
        key = Key(p.number, key.contents)
    return hmac.compare_digest(p.checksum(key, usage, data), bytes(value))
