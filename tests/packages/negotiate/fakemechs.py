"""Two small fake inner mechanisms for Negotiate's state-machine tests, registered as "NTLM" and "Kerberos".

* NTLM-shaped (3 messages): ``NTLMSSP\\0`` + 0x01 | 0x02 challenge(8) | 0x03 user-len user proof(32) cbt(8).
  The client completes when it sends AUTH; the server when it checks it. Channel bindings are folded into
  AUTH, so a mismatch between the two sides' SECBUFFER_CHANNEL_BINDINGS gives SEC_E_BAD_BINDINGS.
* Kerberos-shaped: ``KRBREQ`` mutual(1) user-len user nonce(8) proof(32); with ISC_REQ_MUTUAL_AUTH the
  server answers ``KRBREP`` + proof and the client completes on it, else both complete on the request.
  ``targets`` lists the SPNs it can get a "ticket" for (others give SEC_E_TARGET_UNKNOWN).

Message functions: HMAC-SHA256 signatures (16 bytes) with per-direction sequence counters, and an
XOR keystream for sealing. ``log`` records every SetContextAttributes reset call as (side, value).
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass, field

from sspi_emu import constants as C
from sspi_emu import entropy
from sspi_emu.accounts import MemoryAccountStore
from sspi_emu.attributes import SecPkgContext_Names, SecPkgContext_SessionKey, SecPkgContext_Sizes, SecPkgInfo
from sspi_emu.buffers import SecBuffer
from sspi_emu.constants import SecurityStatus as S
from sspi_emu.errors import SspiError
from sspi_emu.identity import SEC_WINNT_AUTH_IDENTITY
from sspi_emu.spi import Credential, PackageContext, StepInput, StepOutput

SIG = 16
RESET_ATTR = 0x80000F01
NTLM_SIG = b"NTLMSSP\x00"
GRANTABLE = (
    C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_INTEGRITY | C.ISC_REQ_SEQUENCE_DETECT | C.ISC_REQ_REPLAY_DETECT
    | C.ISC_REQ_CONNECTION | C.ISC_REQ_MUTUAL_AUTH
)


@dataclass(repr=False)
class FakeCred(Credential):
    user: str = ""
    password: str = field(default="", repr=False)
    store: MemoryAccountStore | None = None


def _proof(password: str, *parts: bytes) -> bytes:
    return hmac.new(password.encode(), b"".join(parts), hashlib.sha256).digest()


def _cbt(inp: StepInput) -> bytes:
    cb = inp.find(C.SECBUFFER_CHANNEL_BINDINGS)
    return hashlib.sha256(cb or b"").digest()[:8]


class _Ctx(PackageContext):
    def __init__(self, pkg: FakeMech, cred: FakeCred, req: int, side: str, target: str | None = None) -> None:
        self.pkg, self.cred, self.req, self.side, self.target = pkg, cred, req, side, target
        self.key = b""
        self.user = ""
        self.leg = 0
        self.send = 0
        self.recv = 0

    # -- attributes
    def query(self, attribute: int) -> object:
        if attribute == C.SECPKG_ATTR_SIZES:
            return SecPkgContext_Sizes(1024, SIG, 0, SIG)
        if attribute == C.SECPKG_ATTR_NAMES and self.user:
            return SecPkgContext_Names(self.user)
        if attribute == C.SECPKG_ATTR_SESSION_KEY and self.key:
            return SecPkgContext_SessionKey(self.key)
        raise SspiError(S.SEC_E_UNSUPPORTED_FUNCTION)

    def set_attribute(self, attribute: int, value: object) -> S:
        if attribute != RESET_ATTR or not self.pkg.supports_reset:
            return S.SEC_E_UNSUPPORTED_FUNCTION
        self.pkg.log.append((self.side, value))
        return S.SEC_E_OK

    # -- messages
    def _dir(self, sending: bool) -> bytes:
        return b"c2s" if (self.side == "client") == sending else b"s2c"

    def _mac(self, sending: bool, seq: int, data: bytes) -> bytes:
        return hmac.new(self.key, self._dir(sending) + struct.pack(">I", seq) + data, hashlib.sha256).digest()[:SIG]

    @staticmethod
    def _parts(message: list[SecBuffer]) -> tuple[list[SecBuffer], SecBuffer]:
        token = next((b for b in message if b.base_type == C.SECBUFFER_TOKEN), None)
        if token is None:
            raise SspiError(S.SEC_E_INVALID_TOKEN, "no token buffer")
        return [b for b in message if b.base_type == C.SECBUFFER_DATA], token

    def make_signature(self, qop: int, message: list[SecBuffer], seqno: int) -> S:
        if not self.key:
            return S.SEC_E_INVALID_HANDLE
        data, token = self._parts(message)
        token.write(self._mac(True, self.send, b"".join(b.tobytes() for b in data)))
        self.send += 1
        return S.SEC_E_OK

    def verify_signature(self, message: list[SecBuffer], seqno: int) -> tuple[S, int]:
        if not self.key:
            return S.SEC_E_INVALID_HANDLE, 0
        data, token = self._parts(message)
        if not hmac.compare_digest(token.tobytes(), self._mac(False, self.recv, b"".join(b.tobytes() for b in data))):
            return S.SEC_E_MESSAGE_ALTERED, 0
        self.recv += 1
        return S.SEC_E_OK, 0

    def _stream(self, sending: bool, seq: int, n: int) -> bytes:
        out = b""
        i = 0
        while len(out) < n:
            out += hashlib.sha256(self.key + self._dir(sending) + struct.pack(">II", seq, i)).digest()
            i += 1
        return out[:n]

    def encrypt(self, qop: int, message: list[SecBuffer], seqno: int) -> S:
        if not self.key:
            return S.SEC_E_INVALID_HANDLE
        data, token = self._parts(message)
        clear = b"".join(b.tobytes() for b in data)
        token.write(self._mac(True, self.send, clear))
        ks = self._stream(True, self.send, len(clear))
        pos = 0
        for b in data:
            chunk = b.tobytes()
            b.write(bytes(x ^ y for x, y in zip(chunk, ks[pos : pos + len(chunk)])))
            pos += len(chunk)
        self.send += 1
        return S.SEC_E_OK

    def decrypt(self, message: list[SecBuffer], seqno: int) -> tuple[S, int]:
        data, token = self._parts(message)
        sealed = b"".join(b.tobytes() for b in data)
        ks = self._stream(False, self.recv, len(sealed))
        clear = bytes(x ^ y for x, y in zip(sealed, ks))
        if not hmac.compare_digest(token.tobytes(), self._mac(False, self.recv, clear)):
            return S.SEC_E_MESSAGE_ALTERED, 0
        pos = 0
        for b in data:
            n = b.cbBuffer
            b.write(clear[pos : pos + n])
            pos += n
        self.recv += 1
        return S.SEC_E_OK, 0


class NtlmClient(_Ctx):
    def step(self, inp: StepInput) -> StepOutput:
        flags = self.req & GRANTABLE
        if self.leg == 0:
            if inp.token:
                raise SspiError(S.SEC_E_INVALID_TOKEN)
            self.leg = 1
            return StepOutput(S.SEC_I_CONTINUE_NEEDED, NTLM_SIG + b"\x01", flags)
        tok = inp.token or b""
        if self.leg != 1 or len(tok) != 17 or not tok.startswith(NTLM_SIG + b"\x02"):
            raise SspiError(S.SEC_E_INVALID_TOKEN, "bad challenge")
        chal = tok[9:]
        user = self.cred.user.encode()
        self.key = _proof(self.cred.password, b"key", chal)
        self.user = self.cred.user
        self.leg = 2
        auth = NTLM_SIG + b"\x03" + bytes([len(user)]) + user + _proof(self.cred.password, chal) + _cbt(inp)
        return StepOutput(S.SEC_E_OK, auth, flags)


class NtlmServer(_Ctx):
    def step(self, inp: StepInput) -> StepOutput:
        flags = self.req & 0xFFFFFFFF
        tok = inp.token or b""
        if self.leg == 0:
            if tok != NTLM_SIG + b"\x01":
                raise SspiError(S.SEC_E_INVALID_TOKEN, "not a NEGOTIATE")
            self.chal = entropy.random_bytes(8, "fake ntlm challenge")
            self.leg = 1
            return StepOutput(S.SEC_I_CONTINUE_NEEDED, NTLM_SIG + b"\x02" + self.chal, flags)
        if self.leg != 1 or len(tok) < 10 or not tok.startswith(NTLM_SIG + b"\x03"):
            raise SspiError(S.SEC_E_INVALID_TOKEN, "not an AUTHENTICATE")
        n = tok[9]
        user = tok[10 : 10 + n].decode("utf-8", "replace")
        proof, cbt = tok[10 + n : 42 + n], tok[42 + n :]
        account = self.cred.store.lookup(user) if self.cred.store else None
        if account is None or not hmac.compare_digest(proof, _proof(account.password or "", self.chal)):
            raise SspiError(S.SEC_E_LOGON_DENIED)
        if not hmac.compare_digest(cbt, _cbt(inp)):
            raise SspiError(S.SEC_E_BAD_BINDINGS)
        self.key = _proof(account.password or "", b"key", self.chal)
        self.user = account.name
        self.leg = 2
        return StepOutput(S.SEC_E_OK, b"", flags)


class KrbClient(_Ctx):
    def step(self, inp: StepInput) -> StepOutput:
        flags = self.req & GRANTABLE
        mutual = bool(self.req & C.ISC_REQ_MUTUAL_AUTH)
        if self.leg == 0:
            if self.target not in self.pkg.targets:
                raise SspiError(S.SEC_E_TARGET_UNKNOWN, "no ticket for the target")
            self.nonce = entropy.random_bytes(8, "fake krb nonce")
            user = self.cred.user.encode()
            self.key = _proof(self.cred.password, b"key", self.nonce)
            self.user = self.cred.user
            req = b"KRBREQ" + bytes([mutual, len(user)]) + user + self.nonce + _proof(self.cred.password, self.nonce)
            self.leg = 1 if mutual else 2
            return StepOutput(S.SEC_I_CONTINUE_NEEDED if mutual else S.SEC_E_OK, req, flags)
        tok = inp.token or b""
        if self.leg != 1 or tok != b"KRBREP" + _proof(self.cred.password, b"rep", self.nonce):
            raise SspiError(S.SEC_E_INVALID_TOKEN, "bad AP-REP")
        self.leg = 2
        return StepOutput(S.SEC_E_OK, b"", flags)


class KrbServer(_Ctx):
    def step(self, inp: StepInput) -> StepOutput:
        tok = inp.token or b""
        if self.leg != 0 or len(tok) < 8 or not tok.startswith(b"KRBREQ"):
            raise SspiError(S.SEC_E_INVALID_TOKEN, "not an AP-REQ")
        mutual, n = tok[6], tok[7]
        user = tok[8 : 8 + n].decode("utf-8", "replace")
        nonce, proof = tok[8 + n : 16 + n], tok[16 + n :]
        account = self.cred.store.lookup(user) if self.cred.store else None
        if account is None or not hmac.compare_digest(proof, _proof(account.password or "", nonce)):
            raise SspiError(S.SEC_E_LOGON_DENIED)
        self.key = _proof(account.password or "", b"key", nonce)
        self.user = account.name
        self.leg = 2
        out = b"KRBREP" + _proof(account.password or "", b"rep", nonce) if mutual else b""
        return StepOutput(S.SEC_E_OK, out, self.req & 0xFFFFFFFF)


class FakeMech:
    """A registrable fake package; ``kind`` is "ntlm" or "krb"."""

    aliases: tuple[str, ...] = ()

    def __init__(self, name: str, kind: str, rpcid: int) -> None:
        caps = C.SECPKG_FLAG_INTEGRITY | C.SECPKG_FLAG_PRIVACY | C.SECPKG_FLAG_CONNECTION | C.SECPKG_FLAG_NEGOTIABLE
        self.info = SecPkgInfo(caps, 1, rpcid, 1024, name, f"fake {name} for Negotiate tests")
        self.kind = kind
        self.log: list[tuple[str, object]] = []
        self.fail_acquire = False
        self.supports_reset = True
        self.targets: set[str | None] = {"HTTP/web.example"}
        self.acquired = 0
        self.released = 0

    def acquire_credentials(self, principal: str | None, use: int, logon_id: object, auth_data: object) -> Credential:
        if self.fail_acquire:
            raise SspiError(S.SEC_E_NO_CREDENTIALS, "fake: no credentials")
        if getattr(auth_data, "PackageList", None):
            raise AssertionError("Negotiate must not pass PackageList to inner packages")
        self.acquired += 1
        if use & C.SECPKG_CRED_OUTBOUND:
            if not isinstance(auth_data, SEC_WINNT_AUTH_IDENTITY) or not auth_data.User:
                raise SspiError(S.SEC_E_NO_CREDENTIALS, "fake client needs a user")
            return _Counted(self, user=auth_data.User, password=auth_data.Password or "")
        if auth_data is not None and not isinstance(auth_data, MemoryAccountStore):
            raise SspiError(S.SEC_E_UNKNOWN_CREDENTIALS)
        return _Counted(self, store=auth_data)

    def client_context(self, cred: Credential, target: str | None, req: int, data_rep: int) -> PackageContext:
        assert isinstance(cred, FakeCred)
        cls = NtlmClient if self.kind == "ntlm" else KrbClient
        return cls(self, cred, req, "client", target)

    def server_context(self, cred: Credential, req: int, data_rep: int) -> PackageContext:
        assert isinstance(cred, FakeCred)
        cls = NtlmServer if self.kind == "ntlm" else KrbServer
        return cls(self, cred, req, "server")


class _Counted(FakeCred):
    def __init__(self, pkg: FakeMech, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self._pkg = pkg

    def release(self) -> None:
        self._pkg.released += 1
