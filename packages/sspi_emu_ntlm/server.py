"""The NTLM server (acceptor) state machine: NEGOTIATE in, CHALLENGE out, AUTHENTICATE in."""

from __future__ import annotations

import hmac
import logging
import struct

from sspi_emu import constants as C
from sspi_emu import entropy
from sspi_emu.accounts import Account
from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError
from sspi_emu.spi import StepInput, StepOutput

from . import crypto
from . import flags as F
from .authenticate_message import MIC_OFFSET, AuthenticateMessage
from .av_pairs import AvFlags, AvId, TargetInfo
from .challenge_message import ChallengeMessage
from .channel_bindings import ZERO_BINDINGS, bindings_hash
from .context import NtlmContext
from .credentials import NtlmCredential, account_nt_hash, account_ntowfv2
from .negotiate_message import NegotiateMessage
from .settings import CB_ALWAYS, CB_NEVER, lm_compat_level

__all__ = ["ANONYMOUS_NAME", "NtlmServerContext"]

log = logging.getLogger("sspi_emu.ntlm")
S = SecurityStatus
_Q = struct.Struct("<Q")
_EOL = b"\x00\x00\x00\x00"
_TS_HEAD = TargetInfo.pair(AvId.TIMESTAMP, b"")[:2] + b"\x08\x00"
ANONYMOUS_NAME = "NT AUTHORITY\\ANONYMOUS LOGON"
#: Flags the server echoes from the client's NEGOTIATE.
_ECHO = (
    F.UNICODE | F.OEM | F.REQUEST_TARGET | F.SIGN | F.SEAL | F.LM_KEY | F.NTLM | F.ALWAYS_SIGN
    | F.EXTENDED_SESSIONSECURITY | F.IDENTIFY | F.VERSION | F.NEGOTIATE_128 | F.KEY_EXCH | F.NEGOTIATE_56
)


def _denied(reason: str) -> SspiError:
    return SspiError(S.SEC_E_LOGON_DENIED, f"NTLM: {reason}")


_ANY_SIGN = F.SIGN | F.SEAL | F.ALWAYS_SIGN
_REQ_ECHO = C.ASC_RET_REPLAY_DETECT | C.ASC_RET_SEQUENCE_DETECT | C.ASC_RET_EXTENDED_ERROR


#: What a connectionless server offers in its CHALLENGE, there being no NEGOTIATE to answer.
_DATAGRAM_OFFER = (
    F.UNICODE | F.REQUEST_TARGET | F.SIGN | F.SEAL | F.DATAGRAM | F.NTLM | F.ALWAYS_SIGN | F.EXTENDED_SESSIONSECURITY
    | F.VERSION | F.NEGOTIATE_128 | F.KEY_EXCH | F.NEGOTIATE_56
)


def _ret_flags(req: int, flags: int, anonymous: bool) -> int:
    ret = (C.ASC_RET_DATAGRAM if flags & F.DATAGRAM else C.ASC_RET_CONNECTION) | (req & C.ASC_RET_EXTENDED_ERROR)
    if flags & _ANY_SIGN:
        ret |= C.ASC_RET_INTEGRITY | (req & _REQ_ECHO)
    if flags & F.SEAL:
        ret |= C.ASC_RET_CONFIDENTIALITY
    if flags & F.IDENTIFY or req & C.ASC_REQ_IDENTIFY:
        ret |= C.ASC_RET_IDENTIFY
    if anonymous:
        ret |= C.ASC_RET_NULL_SESSION
    return ret


class NtlmServerContext(NtlmContext):
    """One server context. ``step`` is called twice: with the NEGOTIATE, then the AUTHENTICATE.

    Connectionless (``ASC_REQ_DATAGRAM`` and no input token, MS-NLMP 3.2.5.2): the first call
    produces the CHALLENGE unprompted; the AUTHENTICATE's flags are the final ones.
    """

    __slots__ = ("cred", "req", "_state", "_negotiate", "_challenge", "_server_challenge", "_cb", "_level")

    def __init__(self, cred: NtlmCredential, req: int) -> None:
        self._init_common(cred.expiry)
        self.is_client = False
        self.cred = cred
        self.req = req
        self._state = 0
        self._negotiate = b""
        self._challenge = b""
        self._server_challenge = b""
        self._cb: bytes | None = None
        self._level = lm_compat_level(cred.settings.lm_compat_level, server=True) if cred.outbound else cred.lm_level
        self.server_name = cred.computer_name

    def step(self, inp: StepInput) -> StepOutput:
        cb = inp.find(C.SECBUFFER_CHANNEL_BINDINGS)
        if cb is not None:
            self._cb = bindings_hash(cb)
        if not inp.token:
            if self._state == 0 and self.req & C.ASC_REQ_DATAGRAM:
                out = self._challenge_with(_DATAGRAM_OFFER, b"")
                self._state = 1
                return StepOutput(S.SEC_I_CONTINUE_NEEDED, out, self.ret_flags)
            raise SspiError(S.SEC_E_INVALID_TOKEN, "NTLM: the server needs the client's token")
        token = bytes(inp.token)
        if self._state == 0:
            out = self._challenge_for(token)
            self._state = 1
            return StepOutput(S.SEC_I_CONTINUE_NEEDED, out, self.ret_flags)
        if self._state == 1:
            self._accept(token)
            self._state = 2
            return StepOutput(S.SEC_E_OK, b"", self.ret_flags)
        raise SspiError(S.SEC_E_INVALID_TOKEN, "NTLM: the handshake is already complete")

    def _target_info(self) -> bytes:
        s = self.cred.settings
        if s.target_info is not None:
            return TargetInfo(list(s.target_info)).pack()
        prefix = self.cred.server_pairs
        if prefix is None:
            prefix = self.cred.server_pairs = self._target_info_prefix()
        if s.send_timestamp:
            return prefix + _TS_HEAD + _Q.pack(entropy.filetime_now()) + _EOL
        return prefix + _EOL

    def _target_info_prefix(self) -> bytes:
        """The serialised name pairs of this server's TargetInfo (no timestamp, no EOL)."""
        s = self.cred.settings
        nb_computer = self.cred.computer_name
        nb_domain = s.nb_domain_name or nb_computer
        dns_computer = s.dns_computer_name or nb_computer.lower()
        pairs: list[tuple[int, bytes]] = [
            (AvId.NB_DOMAIN_NAME, nb_domain.encode("utf-16-le")),
            (AvId.NB_COMPUTER_NAME, nb_computer.encode("utf-16-le")),
            (AvId.DNS_DOMAIN_NAME, (s.dns_domain_name or nb_domain.lower()).encode("utf-16-le")),
            (AvId.DNS_COMPUTER_NAME, dns_computer.encode("utf-16-le")),
        ]
        if s.dns_tree_name:
            pairs.append((AvId.DNS_TREE_NAME, s.dns_tree_name.encode("utf-16-le")))
        return b"".join(TargetInfo.pair(k, v) for k, v in pairs)

    def _challenge_for(self, token: bytes) -> bytes:
        neg = NegotiateMessage.unpack(token)
        return self._challenge_with(neg.flags & _ECHO, token)

    def _challenge_with(self, offered: int, negotiate: bytes) -> bytes:
        """The CHALLENGE for the flags *offered* (the client's NEGOTIATE, or the connectionless offer)."""
        s = self.cred.settings
        flags = int(offered | F.NTLM | F.TARGET_INFO)
        if flags & F.UNICODE:
            flags &= ~F.OEM
        elif not flags & F.OEM:
            flags |= F.UNICODE
        if flags & F.EXTENDED_SESSIONSECURITY:
            flags &= ~F.LM_KEY
        domain_type = s.nb_domain_name is not None and s.nb_domain_name != self.cred.computer_name
        flags |= F.TARGET_TYPE_DOMAIN if domain_type else F.TARGET_TYPE_SERVER
        if s.challenge_flags is not None:
            flags = s.challenge_flags
        target_name = s.target_name
        if target_name is None:
            target_name = (s.nb_domain_name or self.cred.computer_name) if flags & F.REQUEST_TARGET else ""
        info = self._target_info() if flags & F.TARGET_INFO else b""
        sc = entropy.random_bytes(8, "ntlm server challenge")
        msg = ChallengeMessage(flags, sc, target_name, None, s.version, info).pack()
        self._negotiate = negotiate
        self._challenge = msg
        self._server_challenge = sc
        self.flags = flags
        self.ret_flags = _ret_flags(self.req, flags, False)
        return msg

    def _accept(self, token: bytes) -> None:
        auth = AuthenticateMessage.unpack(token)
        flags = auth.flags
        needed = F.DATAGRAM | F.KEY_EXCH | F.EXTENDED_SESSIONSECURITY
        if self.flags & F.DATAGRAM and flags & needed != needed:
            # Connectionless: the AUTHENTICATE's flags are the final ones, and must keep what the mode needs.
            raise SspiError(S.SEC_E_INVALID_TOKEN, "NTLM: a connectionless AUTHENTICATE without DATAGRAM, "
                                                   "KEY_EXCH and extended session security")
        nt, lm = auth.nt_response, auth.lm_response
        anonymous = not auth.user and not nt and lm in (b"", b"\x00")
        mic_expected = False
        client_cb: bytes | None = None
        if anonymous:
            if not self.cred.settings.allow_anonymous:
                raise _denied("anonymous logon is not allowed by this credential")
            session_base_key = b"\x00" * 16
            kx = session_base_key
            self.client_name = ANONYMOUS_NAME
        else:
            account = self._lookup(auth.user, auth.domain)
            nt_hash = account_nt_hash(account)
            if nt_hash is None:
                raise _denied("the account has no usable secret")
            if len(nt) > 24:
                ntowf2, proof, blob = self._check_v2(nt_hash, auth, account)
                session_base_key = crypto.hmac_md5(ntowf2, proof)
                kx = session_base_key
                info = TargetInfo.unpack(blob[28:])
                mic_expected = bool(info.flags() & AvFlags.MIC_PRESENT)
                client_cb = info.get(AvId.CHANNEL_BINDINGS)
                self._check_spn(info.text(AvId.TARGET_NAME))
            else:
                session_base_key, kx = self._check_v1(nt_hash, auth, account)
            domain = account.domain or auth.domain or self.server_name
            self.client_name = f"{domain}\\{account.user}"
        self._check_bindings(client_cb)
        if flags & F.KEY_EXCH and flags & (F.SIGN | F.SEAL) and auth.encrypted_session_key:
            if len(auth.encrypted_session_key) != 16:
                raise SspiError(S.SEC_E_INVALID_TOKEN, "NTLM: encrypted session key must be 16 bytes")
            exported = crypto.rc4k(kx, auth.encrypted_session_key)
        else:
            exported = kx
        if mic_expected:
            if auth.mic is None:
                raise _denied("the MIC is announced but missing")
            zeroed = token[:MIC_OFFSET] + b"\x00" * 16 + token[MIC_OFFSET + 16 :]
            mic = hmac.digest(exported, self._negotiate + self._challenge + zeroed, "md5")
            if not hmac.compare_digest(mic, auth.mic):
                raise _denied("MIC check failed (the handshake was altered)")
        self.flags = flags
        self.session_key = exported
        self.complete = True
        self.ret_flags = _ret_flags(self.req, flags, anonymous)
        log.debug("NTLM server: accepted %s, flags 0x%08X", self.client_name, flags)

    def _lookup(self, user: str, domain: str) -> Account:
        store = self.cred.store
        if store is None or not user:
            raise _denied("unknown user")
        account = store.lookup(user, domain or None)
        if account is None and "@" in user and not domain:
            name, realm = user.rsplit("@", 1)
            account = store.lookup(name, realm)
        if account is None:
            raise _denied("unknown user")
        return account

    def _check_v2(self, nt_hash: bytes, auth: AuthenticateMessage, account: Account) -> tuple[bytes, bytes, bytes]:
        nt = auth.nt_response
        proof, blob = nt[:16], nt[16:]
        if len(blob) < 28 or blob[:2] != b"\x01\x01":
            raise SspiError(S.SEC_E_INVALID_TOKEN, "NTLM: malformed NTLMv2 response")
        domains = [auth.domain]
        if account.domain and account.domain != auth.domain:
            domains.append(account.domain)
        for dom in domains:
            ntowf2 = account_ntowfv2(account, nt_hash, auth.user, dom)
            if hmac.compare_digest(crypto.ntv2_proof(ntowf2, self._server_challenge, blob), proof):
                return ntowf2, proof, blob
        raise _denied("wrong password")

    def _check_v1(self, nt_hash: bytes, auth: AuthenticateMessage, account: Account) -> tuple[bytes, bytes]:
        level = self._level
        flags = auth.flags
        sc = self._server_challenge
        nt, lm = auth.nt_response, auth.lm_response
        if level >= 5:
            raise _denied("NTLMv1 and LM responses are refused (LmCompatibilityLevel 5)")
        session_base_key = crypto.md4(nt_hash)
        lm_hash = b""
        if len(nt) == 24:
            if flags & F.EXTENDED_SESSIONSECURITY:
                expected = crypto.ntlm2_session_response(nt_hash, sc, lm[:8])
            else:
                expected = crypto.nt_v1_response(nt_hash, sc)
            if not hmac.compare_digest(expected, nt):
                raise _denied("wrong password")
        elif not nt and len(lm) == 24 and level < 4 and account.password is not None:
            lm_hash = crypto.lmowfv1(account.password)
            if not hmac.compare_digest(crypto.lm_v1_response(lm_hash, sc), lm):
                raise _denied("wrong password")
        else:
            raise _denied("no acceptable response")
        if flags & (F.LM_KEY | F.REQUEST_NON_NT_SESSION_KEY) and not lm_hash:
            lm_hash = crypto.lmowfv1(account.password) if account.password is not None else b"\x00" * 16
        return session_base_key, crypto.kxkey(flags, session_base_key, lm, sc, lm_hash)

    def _check_spn(self, target: str | None) -> None:
        s = self.cred.settings
        if s.accepted_spns is None or s.channel_bindings == CB_NEVER:
            return
        if target is None or target == "":
            if s.channel_bindings == CB_ALWAYS:
                raise SspiError(S.SEC_E_BAD_BINDINGS, "NTLM: the client named no target (MsvAvTargetName)")
            return
        if target.casefold() not in {spn.casefold() for spn in s.accepted_spns}:
            raise SspiError(S.SEC_E_BAD_BINDINGS, "NTLM: the client's target name is not this service")

    def _check_bindings(self, client_cb: bytes | None) -> None:
        policy = self.cred.settings.channel_bindings
        if policy == CB_NEVER:
            return
        if client_cb == ZERO_BINDINGS:
            client_cb = None
        server_cb = self._cb
        if policy == CB_ALWAYS:
            if server_cb is None or client_cb is None or not hmac.compare_digest(server_cb, client_cb):
                raise SspiError(S.SEC_E_BAD_BINDINGS, "NTLM: channel bindings required and not matched")
            return
        if server_cb is not None and client_cb is not None and not hmac.compare_digest(server_cb, client_cb):
            raise SspiError(S.SEC_E_BAD_BINDINGS, "NTLM: channel bindings do not match")
