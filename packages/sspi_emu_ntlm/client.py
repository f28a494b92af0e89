"""The NTLM client (initiator) state machine: NEGOTIATE out, CHALLENGE in, AUTHENTICATE out."""

from __future__ import annotations

import hmac
import logging
import struct

from sspi_emu import constants as C
from sspi_emu import entropy
from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError
from sspi_emu.spi import StepInput, StepOutput

from . import crypto
from . import flags as F
from .authenticate_message import MIC_OFFSET, AuthenticateMessage
from .av_pairs import AvFlags, AvId, TargetInfo
from .challenge_message import ChallengeMessage
from .channel_bindings import bindings_hash
from .context import NtlmContext
from .credentials import NtlmCredential
from .negotiate_message import NegotiateMessage

__all__ = ["NtlmClientContext"]

log = logging.getLogger("sspi_emu.ntlm")
S = SecurityStatus
_Q = struct.Struct("<Q")
_BASE_FLAGS = (
    F.UNICODE | F.OEM | F.REQUEST_TARGET | F.SIGN | F.SEAL | F.NTLM | F.ALWAYS_SIGN | F.EXTENDED_SESSIONSECURITY
    | F.VERSION | F.NEGOTIATE_128 | F.NEGOTIATE_56 | F.KEY_EXCH
)
#: Flags a client keeps from the CHALLENGE when answering.
_ANSWER_MASK = (
    F.UNICODE | F.REQUEST_TARGET | F.SIGN | F.SEAL | F.DATAGRAM | F.LM_KEY | F.NTLM | F.ANONYMOUS | F.ALWAYS_SIGN
    | F.EXTENDED_SESSIONSECURITY | F.IDENTIFY | F.REQUEST_NON_NT_SESSION_KEY | F.TARGET_INFO | F.VERSION
    | F.NEGOTIATE_128 | F.KEY_EXCH | F.NEGOTIATE_56
)
_EOL = b"\x00\x00\x00\x00"
_FLAGS_PAIR = TargetInfo.pair(AvId.FLAGS, int(AvFlags.MIC_PRESENT).to_bytes(4, "little"))
_SIGN_REQ = C.ISC_REQ_INTEGRITY | C.ISC_REQ_REPLAY_DETECT | C.ISC_REQ_SEQUENCE_DETECT | C.ISC_REQ_CONFIDENTIALITY


def _ret_flags(req: int, flags: int, anonymous: bool) -> int:
    ret = C.ISC_RET_DATAGRAM if flags & F.DATAGRAM else C.ISC_RET_CONNECTION
    if flags & (F.SIGN | F.SEAL | F.ALWAYS_SIGN):
        ret |= req & (C.ISC_RET_INTEGRITY | C.ISC_RET_REPLAY_DETECT | C.ISC_RET_SEQUENCE_DETECT)
    if flags & F.SEAL:
        ret |= req & C.ISC_RET_CONFIDENTIALITY
    ret |= req & (C.ISC_RET_IDENTIFY | C.ISC_RET_EXTENDED_ERROR)
    if anonymous:
        ret |= C.ISC_RET_NULL_SESSION
    return ret


class NtlmClientContext(NtlmContext):
    """One client context. ``step`` is called twice: no input, then the CHALLENGE.

    Connectionless (``ISC_REQ_DATAGRAM``, MS-NLMP 3.1.5.2): there is no NEGOTIATE message; the
    first call returns an empty token (or, given the server's CHALLENGE at once, answers it).
    """

    __slots__ = ("cred", "target", "req", "_negotiate", "_state", "_anonymous", "_level", "_datagram")

    def __init__(self, cred: NtlmCredential, target: str | None, req: int) -> None:
        self._init_common(cred.expiry)
        self.is_client = True
        self.cred = cred
        self.target = target or ""
        self.req = req
        self._anonymous = cred.anonymous or bool(req & C.ISC_REQ_NULL_SESSION)
        self._level = cred.lm_level
        self._negotiate = b""
        self._state = 0
        self._datagram = bool(req & C.ISC_REQ_DATAGRAM)
        self.server_name = self.target
        self.client_name = "" if self._anonymous else cred.principal

    def _negotiate_flags(self) -> int:
        forced = self.cred.settings.negotiate_flags
        if forced is not None:
            return forced
        flags = int(_BASE_FLAGS)
        if self._level == 0:
            flags &= ~F.EXTENDED_SESSIONSECURITY
        if self._anonymous:
            flags |= F.ANONYMOUS
        if self.req & C.ISC_REQ_IDENTIFY:
            flags |= F.IDENTIFY
        return flags

    def step(self, inp: StepInput) -> StepOutput:
        if self._state == 0 and self._datagram:
            self.flags = self._negotiate_flags() | F.DATAGRAM
            self.ret_flags = _ret_flags(self.req, self.flags, self._anonymous)
            self._state = 1
            if not inp.token:
                return StepOutput(S.SEC_I_CONTINUE_NEEDED, b"", self.ret_flags)
        if self._state == 0:
            if inp.token:
                raise SspiError(S.SEC_E_INVALID_TOKEN, "NTLM: the client starts without an input token")
            flags = self._negotiate_flags()
            cache = self.cred.negotiate_cache
            msg = cache.get(flags)
            if msg is None:
                msg = cache[flags] = NegotiateMessage(flags, version=self.cred.settings.version).pack()
            self._negotiate = msg
            self.flags = flags
            self._state = 1
            self.ret_flags = _ret_flags(self.req, flags, self._anonymous)
            return StepOutput(S.SEC_I_CONTINUE_NEEDED, msg, self.ret_flags)
        if self._state == 1:
            if not inp.token:
                raise SspiError(S.SEC_E_INVALID_TOKEN, "NTLM: CHALLENGE expected")
            cb = inp.find(C.SECBUFFER_CHANNEL_BINDINGS)
            token = self._authenticate(bytes(inp.token), cb)
            self._state = 2
            return StepOutput(S.SEC_E_OK, token, self.ret_flags)
        raise SspiError(S.SEC_E_INVALID_TOKEN, "NTLM: the handshake is already complete")

    def _client_av_pairs(self, challenge: ChallengeMessage, cb: bytes | None) -> tuple[int, bool, bytes]:
        """(timestamp, MIC wanted, AV pairs for the NTLMv2 blob): the server's plus flags, bindings, SPN."""
        info = challenge.target_info
        timestamp_raw = info.get(AvId.TIMESTAMP) if info is not None else None
        mic = timestamp_raw is not None and len(timestamp_raw) == 8
        timestamp = _Q.unpack(timestamp_raw)[0] if mic and timestamp_raw else entropy.filetime_now()
        extra = []
        if cb is not None:
            extra.append((AvId.CHANNEL_BINDINGS, bindings_hash(cb)))
        if self.target:
            extra.append((AvId.TARGET_NAME, self.target.encode("utf-16-le")))
        if not mic and not extra:
            return timestamp, False, challenge.raw_target_info or _EOL
        flags_value = AvFlags.MIC_PRESENT if mic else 0
        present = {k for k, _v in info.pairs} if info is not None else set()
        if info is not None and info.body is not None and AvId.FLAGS not in present \
                and not any(k in present for k, _v in extra):
            # Common case: append to the server's list as received.
            body = info.body
            if flags_value:
                body += _FLAGS_PAIR
            return timestamp, mic, body + b"".join(TargetInfo.pair(k, v) for k, v in extra) + _EOL
        pairs = TargetInfo(list(info.pairs) if info is not None else [])
        if flags_value:
            pairs.set(AvId.FLAGS, (pairs.flags() | flags_value).to_bytes(4, "little"))
        for k, v in extra:
            pairs.set(k, v)
        return timestamp, mic, pairs.pack()

    def _authenticate(self, challenge_bytes: bytes, cb: bytes | None) -> bytes:
        cred = self.cred
        settings = cred.settings
        challenge = ChallengeMessage.unpack(challenge_bytes)
        sc = challenge.server_challenge
        cflags = challenge.flags
        if self._datagram and not cflags & F.DATAGRAM:
            raise SspiError(S.SEC_E_UNSUPPORTED_FUNCTION, "NTLM: the server did not agree to connectionless mode")
        if self._datagram and (not cflags & F.KEY_EXCH or not cflags & F.EXTENDED_SESSIONSECURITY
                               or self._level == 0):
            # Connectionless messages are keyed from an exchanged session key, and sealing them needs
            # extended session security (MS-NLMP 3.4.3): this client asks for both.
            raise SspiError(S.SEC_E_UNSUPPORTED_FUNCTION, "NTLM: connectionless mode needs KEY_EXCH and ESS")
        flags = int((cflags & _ANSWER_MASK) | F.REQUEST_TARGET)
        if self._datagram:
            flags &= self.flags | F.TARGET_INFO  # no NEGOTIATE narrowed the offer: keep what this client wants
        else:
            flags &= ~F.DATAGRAM  # never asked for: a connection-oriented context stays one
        if not flags & F.UNICODE:
            flags |= F.OEM if cflags & F.OEM else F.UNICODE
        if flags & F.EXTENDED_SESSIONSECURITY:
            flags &= ~F.LM_KEY
        if self._level == 0:
            flags &= ~F.EXTENDED_SESSIONSECURITY
        if self._anonymous:
            flags |= F.ANONYMOUS
        if settings.authenticate_flags is not None:
            flags = settings.authenticate_flags

        user = "" if self._anonymous else cred.user
        domain = "" if self._anonymous else cred.domain
        workstation = settings.workstation if settings.workstation is not None else cred.computer_name
        lm_hash = b""
        mic_wanted = False
        if self._anonymous:
            lm, nt = b"\x00", b""
            session_base_key = b"\x00" * 16
            kx = session_base_key
        elif self._level >= 3:
            timestamp, mic_wanted, av = self._client_av_pairs(challenge, cb)
            cc = entropy.random_bytes(8, "ntlm client challenge")
            ntowf2 = cred.ntowfv2(user, domain)
            blob = crypto.v2_blob(timestamp, cc, av)
            proof = crypto.ntv2_proof(ntowf2, sc, blob)
            nt = proof + blob
            lm = b"\x00" * 24 if mic_wanted else crypto.lmv2_response(ntowf2, sc, cc)
            session_base_key = crypto.hmac_md5(ntowf2, proof)
            kx = session_base_key
        else:
            nt_hash = cred.nt_hash()
            session_base_key = crypto.md4(nt_hash)
            if flags & F.EXTENDED_SESSIONSECURITY:
                cc = entropy.random_bytes(8, "ntlm client challenge")
                nt = crypto.ntlm2_session_response(nt_hash, sc, cc)
                lm = cc + b"\x00" * 16
            else:
                nt = crypto.nt_v1_response(nt_hash, sc)
                if self._level <= 1 and cred.has_lm_secret:
                    lm_hash = cred.lm_hash()
                    lm = crypto.lm_v1_response(lm_hash, sc)
                else:
                    lm = nt
            if flags & (F.LM_KEY | F.REQUEST_NON_NT_SESSION_KEY) and not lm_hash:
                lm_hash = cred.lm_hash()
            kx = crypto.kxkey(flags, session_base_key, lm, sc, lm_hash)

        if flags & F.KEY_EXCH and flags & (F.SIGN | F.SEAL):
            exported = entropy.random_bytes(16, "ntlm random session key")
            enc_key = crypto.rc4k(kx, exported)
        else:
            exported = kx
            enc_key = b""
        msg = AuthenticateMessage(
            flags, lm, nt, domain, user, workstation, enc_key, settings.version,
            b"\x00" * 16 if mic_wanted else None,
        )
        token = msg.pack()
        if mic_wanted:
            mic = hmac.digest(exported, self._negotiate + challenge_bytes + token, "md5")
            token = token[:MIC_OFFSET] + mic + token[MIC_OFFSET + 16 :]
        self.flags = flags
        self.session_key = exported
        self.complete = True
        self.ret_flags = _ret_flags(self.req, flags, self._anonymous)
        log.debug("NTLM client: AUTHENTICATE %d bytes, flags 0x%08X", len(token), flags)
        return token
