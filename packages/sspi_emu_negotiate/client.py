"""The Negotiate initiator (InitializeSecurityContext): RFC 4178 section 5 as Windows runs it.

Legs: a GSS-framed NegTokenInit carrying the preferred mechanism's optimistic token; then one
NegTokenResp per server reply, carrying the inner mechanism's next token and, once it is
complete, the mechListMIC. The context is complete when the server says accept-completed (and
the mechListMICs required have been exchanged). A server that answers with a bare NTLM token is
followed in NTLM's own framing.
"""

from __future__ import annotations

from sspi_emu import constants as C
from sspi_emu.attributes import SecPkgInfo
from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError
from sspi_emu.spi import StepInput, StepOutput

from . import oids, tokens
from .context_base import NegotiateContext
from .credential import NegotiateCredential
from .exported import export_context
from .inner import InnerContext
from .ntlm_peek import authenticate_has_mic, is_ntlm

S = SecurityStatus


def _invalid(why: str) -> SspiError:
    return SspiError(S.SEC_E_INVALID_TOKEN, why)


def inner_request(req: int) -> int:
    """The fContextReq handed to the inner package.

    Negotiate grants integrity by default, as Windows does for Negotiate / Kerberos (the
    mechListMIC needs it); ``ISC_REQ_NO_INTEGRITY`` turns that off and is not passed on.
    """
    if req & C.ISC_REQ_NO_INTEGRITY:
        return req & ~(C.ISC_REQ_NO_INTEGRITY | C.ISC_REQ_INTEGRITY)
    return req | C.ISC_REQ_INTEGRITY


class NegotiateClient(NegotiateContext):
    """One Negotiate client context."""

    def __init__(
        self, own_info: SecPkgInfo, cred: NegotiateCredential, target: str | None, req: int, data_rep: int
    ) -> None:
        super().__init__(own_info, req, data_rep)
        self.cred = cred
        self.target = target
        self.inner_req = inner_request(req)
        self.offered: list[str] = []
        self.init_sent = False
        self.first_reply = True

    # ------------------------------------------------------------------ legs

    def export(self) -> bytes:
        return export_context(self, is_client=True)

    def step(self, inp: StepInput) -> StepOutput:
        if not self.init_sent:
            return self._initial(inp)
        token = inp.token or b""
        if self.raw:
            return self._raw(inp, token)
        if not token:
            raise _invalid("Negotiate needs the server's reply token")
        if self.first_reply and is_ntlm(token) and self.inner is not None and self.inner.is_ntlm:
            self.raw = True
            self.first_reply = False
            return self._raw(inp, token)
        reply = tokens.decode(token)
        if not isinstance(reply, tokens.NegTokenResp):
            raise _invalid("expected a NegTokenResp from the server")
        return self._reply(inp, reply)

    def _start(self, package: str, inp: StepInput) -> tuple[InnerContext, bytes]:
        cred = self.cred.find(package)
        if cred is None:
            raise _invalid(f"no {package} credential")
        ctx = InnerContext(cred, server=False, target=self.target)
        try:
            _, out = ctx.step(None, inp.buffers, self.inner_req, self.data_rep)
        except SspiError:
            ctx.release()
            raise
        return ctx, out

    def _initial(self, inp: StepInput) -> StepOutput:
        candidates = [c.package for c in self.cred.inners if c.package in oids.OIDS_FOR_PACKAGE]
        if inp.token:
            # Server-initiated exchange: its NegTokenInit2 lists what it accepts (a hint only).
            hint = tokens.decode(inp.token)
            if not isinstance(hint, tokens.NegTokenInit):
                raise _invalid("the server-initiated token is not a NegTokenInit")
            accepted = {oids.PACKAGE_FOR_OID.get(oid) for oid in hint.mech_types}
            candidates = [p for p in candidates if p in accepted]
            if not candidates:
                raise _invalid("the server offers no mechanism this client can use")
        errors: list[SspiError] = []
        first_token = b""
        for package in candidates:
            if self.inner is None:
                try:
                    self.inner, first_token = self._start(package, inp)
                except SspiError as exc:
                    errors.append(exc)  # e.g. no Kerberos ticket: fall back to the next mechanism
                    continue
            self.offered.append(package)
        if self.inner is None:
            if errors:
                raise errors[0]
            raise SspiError(S.SEC_E_NO_CREDENTIALS, "no mechanism available")
        self.mech_types = tuple(oid for p in self.offered for oid in oids.OIDS_FOR_PACKAGE[p])
        self.init_sent = True
        init = tokens.NegTokenInit(self.mech_types, mech_token=first_token or None)
        return self._output(S.SEC_I_CONTINUE_NEEDED, tokens.encode_init(init))

    def _select(self, inp: StepInput, reply: tokens.NegTokenResp) -> StepOutput | None:
        """Handle supportedMech in the first reply; returns the output when the mechanism changed."""
        assert self.inner is not None
        self.first_reply = False
        mech = reply.supported_mech
        if mech is None:
            if reply.neg_state in (None, tokens.NegState.ACCEPT_INCOMPLETE, tokens.NegState.REQUEST_MIC):
                raise _invalid("the server's first reply names no supportedMech")
            return None
        package = oids.PACKAGE_FOR_OID.get(mech)
        if package is None or package not in self.offered:
            raise _invalid(f"the server chose {mech}, which this client did not offer")
        if package != oids.PACKAGE_FOR_OID.get(self.mech_types[0]):
            self.mic_required = True  # not our first choice: the mechListMIC guards against downgrade
        if package == self.inner.package:
            return None
        if reply.response_token:
            raise _invalid("a mechanism token for a mechanism the client has not started")
        self.inner.release()
        self.inner = None
        self.inner, out = self._start(package, inp)
        reply_out = tokens.NegTokenResp(tokens.NegState.ACCEPT_INCOMPLETE, None, out)
        return self._output(S.SEC_I_CONTINUE_NEEDED, tokens.encode_resp(reply_out))

    def _reply(self, inp: StepInput, reply: tokens.NegTokenResp) -> StepOutput:
        if reply.neg_state == tokens.NegState.REJECT:
            raise SspiError(S.SEC_E_LOGON_DENIED, "the server rejected the negotiation")
        if self.first_reply:
            changed = self._select(inp, reply)
            if changed is not None:
                return changed
        if reply.neg_state == tokens.NegState.REQUEST_MIC:
            self.mic_required = True
        inner = self.inner
        assert inner is not None
        out = b""
        if reply.response_token:
            if inner.complete:
                raise _invalid("a mechanism token after the mechanism completed")
            _, out = inner.step(reply.response_token, inp.buffers, self.inner_req, self.data_rep)
        elif not inner.complete:
            raise _invalid("the server sent no mechanism token")
        server_done = reply.neg_state == tokens.NegState.ACCEPT_COMPLETED
        mic = reply.mech_list_mic
        if mic is not None and reply.response_token is not None and mic == reply.response_token:
            mic = None  # old Windows bug: the MIC field repeats the response token
        out_mic: bytes | None = None
        if inner.complete:
            if mic is not None:
                self._check_mic(mic)
            ntlm_mic = inner.is_ntlm and authenticate_has_mic(out)
            wants = self.mic_required or self.mic_received or ntlm_mic
            if wants and not self.mic_sent and not server_done:
                try:
                    out_mic = self._make_mic()
                except SspiError:
                    if self.mic_required or self.mic_received:
                        raise
            if server_done:
                if self.mic_required and not self.mic_received:
                    raise _invalid("the server completed without the required mechListMIC")
                self.complete = True
            elif self.mic_sent and self.mic_received:
                self.complete = True
        elif mic is not None:
            raise _invalid("a mechListMIC before the mechanism completed")
        elif server_done:
            raise _invalid("the server completed before the mechanism did")
        token = b""
        if out or out_mic is not None:
            # negState is optional for the initiator, but Windows, pyspnego and sspi-rs send it
            # (and sspi-rs refuses a NegTokenResp without it).
            state = tokens.NegState.ACCEPT_COMPLETED if self.complete else tokens.NegState.ACCEPT_INCOMPLETE
            token = tokens.encode_resp_fields(state, None, out or None, out_mic)
        if self.complete:
            return self._output(S.SEC_E_OK, token)
        if not token:
            raise _invalid("the exchange cannot progress")
        return self._output(S.SEC_I_CONTINUE_NEEDED, token)

    def _raw(self, inp: StepInput, token: bytes) -> StepOutput:
        inner = self.inner
        assert inner is not None
        if inner.complete:
            raise _invalid("the mechanism is already complete")
        status, out = inner.step(token, inp.buffers, self.inner_req, self.data_rep)
        self.complete = inner.complete
        return self._output(status, out)
