"""A small fake security package, for exercising the dispatcher without a real protocol.

Wire format: every token is ``len(2, big-endian) || body`` so partial and trailing
input can be shown (INCOMPLETE_MESSAGE / EXTRA). Legs:

1. client -> ``HELLO`` nonce(8) user
2. server -> ``CHAL`` challenge(8)
3. client -> ``PROOF`` HMAC-SHA256(password, nonce || challenge)
4. server: SEC_E_OK, or SEC_E_LOGON_DENIED (with an alert)

Knobs (on the credential's auth data dict): ``complete_needed`` makes the client's last
leg return SEC_I_COMPLETE_NEEDED; ``complete_and_continue`` makes the client's first leg
return SEC_I_COMPLETE_AND_CONTINUE; ``ok_token`` makes the server send a final token with
SEC_E_OK. A token body of ``BOOM`` raises an unexpected exception inside the package.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass, field

from sspi_emu import constants as C
from sspi_emu import entropy
from sspi_emu.accounts import AccountStore, MemoryAccountStore
from sspi_emu.attributes import SecPkgContext_Names, SecPkgContext_SessionKey, SecPkgContext_Sizes, SecPkgInfo
from sspi_emu.buffers import SecBuffer
from sspi_emu.constants import SecurityStatus as S
from sspi_emu.errors import SspiError
from sspi_emu.identity import SEC_WINNT_AUTH_IDENTITY
from sspi_emu.spi import Credential, PackageContext, StepInput, StepOutput

SIG = 16
GRANTABLE = (
    C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_INTEGRITY | C.ISC_REQ_SEQUENCE_DETECT | C.ISC_REQ_REPLAY_DETECT
    | C.ISC_REQ_CONNECTION
)


def frame(body: bytes) -> bytes:
    return struct.pack(">H", len(body)) + body


def unframe(data: bytes) -> tuple[bytes | None, int, int]:
    """(body, missing, extra)."""
    if len(data) < 2:
        return None, 2 - len(data) if data else 0, 0
    (n,) = struct.unpack(">H", data[:2])
    if len(data) < 2 + n:
        return None, 2 + n - len(data), 0
    return data[2 : 2 + n], 0, len(data) - 2 - n


@dataclass(repr=False)
class FakeCredential(Credential):
    user: str = ""
    password: str = field(default="", repr=False)
    store: AccountStore | None = None
    options: dict[str, bool] = field(default_factory=dict)


class _Ctx(PackageContext):
    def __init__(self, cred: FakeCredential, req: int) -> None:
        self.cred = cred
        self.req = req
        self.key = b""
        self.user = ""
        self.leg = 0
        self.send = 0
        self.recv = 0

    def complete_auth_token(self, buffers: list[SecBuffer]) -> S:
        self.completed_with = [(b.base_type, b.tobytes()) for b in buffers]
        return S.SEC_E_OK

    def query(self, attribute: int) -> object:
        if attribute == C.SECPKG_ATTR_SIZES:
            return SecPkgContext_Sizes(64, SIG, 0, SIG)
        if attribute == C.SECPKG_ATTR_NAMES and self.user:
            return SecPkgContext_Names(self.user)
        if attribute == C.SECPKG_ATTR_SESSION_KEY and self.key:
            return SecPkgContext_SessionKey(self.key)
        raise SspiError(S.SEC_E_UNSUPPORTED_FUNCTION)

    def _mac(self, seq: int, data: bytes) -> bytes:
        return hmac.new(self.key, struct.pack(">I", seq) + data, hashlib.sha256).digest()[:SIG]

    def _parts(self, message: list[SecBuffer]) -> tuple[list[SecBuffer], SecBuffer]:
        token = next((b for b in message if b.base_type == C.SECBUFFER_TOKEN), None)
        if token is None:
            raise SspiError(S.SEC_E_INVALID_TOKEN, "no token buffer")
        return [b for b in message if b.base_type == C.SECBUFFER_DATA], token

    def _check_seq(self, seqno: int) -> None:
        if self.req & C.ISC_REQ_SEQUENCE_DETECT and seqno != self.recv:
            raise SspiError(S.SEC_E_OUT_OF_SEQUENCE)

    def make_signature(self, qop: int, message: list[SecBuffer], seqno: int) -> S:
        if not self.key:
            return S.SEC_E_INVALID_HANDLE
        data, token = self._parts(message)
        if token.capacity < SIG:
            return S.SEC_E_BUFFER_TOO_SMALL
        token.write(self._mac(self.send, b"".join(b.tobytes() for b in data)))
        self.send += 1
        return S.SEC_E_OK

    def verify_signature(self, message: list[SecBuffer], seqno: int) -> tuple[S, int]:
        data, token = self._parts(message)
        self._check_seq(seqno)
        if not hmac.compare_digest(token.tobytes(), self._mac(self.recv, b"".join(b.tobytes() for b in data))):
            return S.SEC_E_MESSAGE_ALTERED, 0
        self.recv += 1
        return S.SEC_E_OK, 0

    def _stream(self, seq: int, n: int) -> bytes:
        out = b""
        i = 0
        while len(out) < n:
            out += hashlib.sha256(self.key + struct.pack(">II", seq, i)).digest()
            i += 1
        return out[:n]

    def encrypt(self, qop: int, message: list[SecBuffer], seqno: int) -> S:
        if not self.req & C.ISC_REQ_CONFIDENTIALITY:
            return S.SEC_E_UNSUPPORTED_FUNCTION
        data, token = self._parts(message)
        for b in data:
            clear = b.tobytes()
            ks = self._stream(self.send, len(clear))
            b.write(bytes(x ^ y for x, y in zip(clear, ks)))
        token.write(self._mac(self.send, b"".join(b.tobytes() for b in data)))
        self.send += 1
        return S.SEC_E_OK

    def decrypt(self, message: list[SecBuffer], seqno: int) -> tuple[S, int]:
        data, token = self._parts(message)
        self._check_seq(seqno)
        if not hmac.compare_digest(token.tobytes(), self._mac(self.recv, b"".join(b.tobytes() for b in data))):
            return S.SEC_E_MESSAGE_ALTERED, 0
        for b in data:
            sealed = b.tobytes()
            ks = self._stream(self.recv, len(sealed))
            b.write(bytes(x ^ y for x, y in zip(sealed, ks)))
        self.recv += 1
        return S.SEC_E_OK, 0


class FakeClient(_Ctx):
    def step(self, inp: StepInput) -> StepOutput:
        flags = self.req & GRANTABLE
        if self.leg == 0:
            if inp.token:
                raise SspiError(S.SEC_E_INVALID_TOKEN, "no input expected on the first call")
            self.nonce = entropy.random_bytes(8, "fake nonce")
            self.leg = 1
            status = S.SEC_I_COMPLETE_AND_CONTINUE if self.cred.options.get("complete_and_continue") else S.SEC_I_CONTINUE_NEEDED
            return StepOutput(status, frame(b"HELLO" + self.nonce + self.cred.user.encode()), flags)
        body, _, _ = unframe(inp.token or b"")
        if body == b"BOOM":
            raise RuntimeError("boom")
        if body is None or not body.startswith(b"CHAL") or len(body) != 12:
            raise SspiError(S.SEC_E_INVALID_TOKEN, "bad challenge")
        self.key = hmac.new(self.cred.password.encode(), self.nonce + body[4:], hashlib.sha256).digest()
        self.leg = 2
        status = S.SEC_I_COMPLETE_NEEDED if self.cred.options.get("complete_needed") else S.SEC_E_OK
        return StepOutput(status, frame(b"PROOF" + self.key), flags, expiry=entropy.filetime_now() + 36000000000)


class FakeServer(_Ctx):
    def step(self, inp: StepInput) -> StepOutput:
        if self.leg == 2:
            raise SspiError(S.SEC_E_INVALID_TOKEN, "already authenticated")
        body, missing, extra = unframe(inp.token or b"")
        if body is None:
            if inp.token and missing:
                return StepOutput(S.SEC_E_INCOMPLETE_MESSAGE, missing=missing)
            raise SspiError(S.SEC_E_INVALID_TOKEN, "empty")
        if body == b"BOOM":
            raise RuntimeError("boom")
        flags = self.req & GRANTABLE
        if self.leg == 0:
            if not body.startswith(b"HELLO") or len(body) < 13:
                raise SspiError(S.SEC_E_INVALID_TOKEN, "not a HELLO")
            self.nonce, self.user = body[5:13], body[13:].decode("utf-8", "replace")
            self.challenge = entropy.random_bytes(8, "fake challenge")
            self.leg = 1
            return StepOutput(S.SEC_I_CONTINUE_NEEDED, frame(b"CHAL" + self.challenge), flags, extra=extra)
        if not body.startswith(b"PROOF"):
            raise SspiError(S.SEC_E_INVALID_TOKEN, "not a PROOF")
        account = self.cred.store.lookup(self.user) if self.cred.store else None
        password = (account.password or "") if account else ""
        want = hmac.new(password.encode(), self.nonce + self.challenge, hashlib.sha256).digest()
        if account is None or not hmac.compare_digest(want, body[5:]):
            raise SspiError(S.SEC_E_LOGON_DENIED, "bad proof", alert=b"\x02\x31")
        self.key = want
        self.leg = 2
        token = frame(b"WELCOME") if self.cred.options.get("ok_token") else b""
        return StepOutput(S.SEC_E_OK, token, flags, extra=extra)


class FakePackage:
    info = SecPkgInfo(C.SECPKG_FLAG_INTEGRITY | C.SECPKG_FLAG_PRIVACY | C.SECPKG_FLAG_CONNECTION, 1, 0xFF01, 64,
                      "Fake", "A fake package for dispatcher tests")
    aliases = ("FakeAlias",)

    def acquire_credentials(self, principal: str | None, use: int, logon_id: object, auth_data: object) -> Credential:
        options: dict[str, bool] = {}
        if isinstance(auth_data, tuple) and len(auth_data) == 2 and isinstance(auth_data[1], dict):
            auth_data, options = auth_data
        if use & C.SECPKG_CRED_OUTBOUND:
            if not isinstance(auth_data, SEC_WINNT_AUTH_IDENTITY) or not auth_data.User:
                raise SspiError(S.SEC_E_NO_CREDENTIALS, "the fake client needs a user")
            return FakeCredential(user=auth_data.User, password=auth_data.Password or "", options=options)
        if auth_data is not None and not isinstance(auth_data, MemoryAccountStore):
            raise SspiError(S.SEC_E_UNKNOWN_CREDENTIALS)
        return FakeCredential(store=auth_data, options=options)

    def client_context(self, cred: Credential, target: str | None, req: int, data_rep: int) -> PackageContext:
        if req & C.ISC_REQ_DATAGRAM:
            raise SspiError(S.SEC_E_UNSUPPORTED_FUNCTION, "no datagram mode")
        assert isinstance(cred, FakeCredential)
        return FakeClient(cred, req)

    def server_context(self, cred: Credential, req: int, data_rep: int) -> PackageContext:
        assert isinstance(cred, FakeCredential)
        return FakeServer(cred, req)


package = FakePackage()
