"""The Negotiate acceptor (AcceptSecurityContext).

Accepts a GSS-framed or bare NegTokenInit (choosing the first mechanism of the client's list it
has credentials for), later NegTokenResp legs, and a bare NTLM or Kerberos token (then it speaks
that mechanism directly, as Windows does). Called first with no input it starts a
server-initiated exchange with a NegTokenInit2 (MS-SPNG 3.2.5.2).
"""

from __future__ import annotations

from sspi_emu.attributes import SecPkgInfo
from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError
from sspi_emu.spi import StepInput, StepOutput

from . import oids, tokens
from .context_base import NegotiateContext
from .credential import NegotiateCredential
from .exported import export_context
from .framing import is_initial, unwrap_initial
from .inner import InnerContext
from .ntlm_peek import authenticate_has_mic, is_ntlm

S = SecurityStatus


def _invalid(why: str) -> SspiError:
    return SspiError(S.SEC_E_INVALID_TOKEN, why)


class NegotiateServer(NegotiateContext):
    """One Negotiate server context."""

    def __init__(self, own_info: SecPkgInfo, cred: NegotiateCredential, req: int, data_rep: int) -> None:
        super().__init__(own_info, req, data_rep)
        self.cred = cred
        self.init_seen = False
        self.hint_sent = False
        self.supported_sent = False
        #: The OID the client used for the chosen mechanism (echoed in supportedMech).
        self.chosen_oid = ""

    def export(self) -> bytes:
        return export_context(self, is_client=False)

    def step(self, inp: StepInput) -> StepOutput:
        token = inp.token or b""
        if self.raw:
            return self._raw(inp, token)
        if not self.init_seen:
            if not token:
                if self.hint_sent:
                    raise _invalid("the client sent no token")
                return self._hint()
            direct = self._direct_package(token)
            if direct is not None:
                return self._start_raw(inp, direct, token)
            init = tokens.decode(token)
            if not isinstance(init, tokens.NegTokenInit):
                raise _invalid("the first client token must be a NegTokenInit")
            return self._init(inp, init)
        if not token:
            raise _invalid("Negotiate needs the client's token")
        resp = tokens.decode(token)
        if not isinstance(resp, tokens.NegTokenResp):
            raise _invalid("expected a NegTokenResp from the client")
        return self._resp(inp, resp)

    # ------------------------------------------------------------------ first legs

    def _available(self) -> list[str]:
        return [c.package for c in self.cred.inners if c.package in oids.OIDS_FOR_PACKAGE]

    def _hint(self) -> StepOutput:
        self.hint_sent = True
        mech_types = tuple(oid for p in self._available() for oid in oids.OIDS_FOR_PACKAGE[p])
        init = tokens.NegTokenInit(mech_types, hint_name=tokens.WINDOWS_HINT_NAME)
        return StepOutput(S.SEC_I_CONTINUE_NEEDED, tokens.encode_init(init))

    def _direct_package(self, token: bytes) -> str | None:
        """The package a bare (non-SPNEGO) mechanism token belongs to, or None for SPNEGO."""
        if is_ntlm(token):
            package = "NTLM"
        elif is_initial(token):
            mech, _ = unwrap_initial(token)
            if mech == oids.SPNEGO:
                return None
            package = oids.PACKAGE_FOR_OID.get(mech, "")
            if not package:
                raise _invalid(f"a GSS-API token for an unknown mechanism {mech}")
        else:
            return None
        if self.cred.find(package) is None:
            raise _invalid(f"a bare {package} token, and this server has no {package} credential")
        return package

    def _start_raw(self, inp: StepInput, package: str, token: bytes) -> StepOutput:
        cred = self.cred.find(package)
        assert cred is not None
        self.raw = True
        self.init_seen = True
        self.inner = InnerContext(cred, server=True)
        return self._raw(inp, token)

    def _raw(self, inp: StepInput, token: bytes) -> StepOutput:
        inner = self.inner
        assert inner is not None
        if inner.complete:
            raise _invalid("the mechanism is already complete")
        status, out = inner.step(token or None, inp.buffers, self.req, self.data_rep)
        self.complete = inner.complete
        return self._output(status, out)

    def _init(self, inp: StepInput, init: tokens.NegTokenInit) -> StepOutput:
        self.init_seen = True
        self.mech_types = init.mech_types
        available = self._available()
        chosen: str | None = None
        for oid in init.mech_types:
            package = oids.PACKAGE_FOR_OID.get(oid)
            if package in available:
                chosen, self.chosen_oid = package, oid
                break
        if chosen is None:
            reject = tokens.encode_resp(tokens.NegTokenResp(tokens.NegState.REJECT))
            raise SspiError(S.SEC_E_INVALID_TOKEN, "no mechanism in common with the client", token=reject)
        cred = self.cred.find(chosen)
        assert cred is not None
        self.inner = InnerContext(cred, server=True)
        optimistic = oids.PACKAGE_FOR_OID.get(init.mech_types[0]) == chosen
        if not optimistic:
            self.mic_required = True
        if optimistic and init.mech_token:
            return self._advance(inp, init.mech_token, init.mech_list_mic)
        # The client's optimistic token (if any) was for another mechanism: ask it to start ours.
        return self._reply(b"", None)

    # ------------------------------------------------------------------ later legs

    def _resp(self, inp: StepInput, resp: tokens.NegTokenResp) -> StepOutput:
        if resp.neg_state == tokens.NegState.REJECT:
            raise SspiError(S.SEC_E_LOGON_DENIED, "the client abandoned the negotiation")
        inner = self.inner
        assert inner is not None
        if resp.response_token is None and resp.mech_list_mic is None:
            raise _invalid("an empty NegTokenResp")
        return self._advance(inp, resp.response_token, resp.mech_list_mic)

    def _advance(self, inp: StepInput, mech_token: bytes | None, mic: bytes | None) -> StepOutput:
        inner = self.inner
        assert inner is not None
        out = b""
        if mech_token:
            if inner.complete:
                raise _invalid("a mechanism token after the mechanism completed")
            _, out = inner.step(mech_token, inp.buffers, self.req, self.data_rep)
            if inner.complete and inner.is_ntlm and authenticate_has_mic(mech_token):
                self.mic_required = True  # MS-SPNG: an NTLM MIC makes the mechListMIC mandatory
        elif not inner.complete:
            raise _invalid("the client sent no mechanism token")
        out_mic: bytes | None = None
        if inner.complete:
            if mic is not None and mic != mech_token:
                self._check_mic(mic)
                self.mic_required = True
            if self.mic_required and not self.mic_sent:
                out_mic = self._make_mic()
            if not self.mic_required or (self.mic_sent and self.mic_received):
                self.complete = True
        elif mic is not None:
            raise _invalid("a mechListMIC before the mechanism completed")
        if self.complete and not mech_token and out_mic is None:
            # The client's closing mechListMIC answered ours: nothing more goes back.
            return self._output(S.SEC_E_OK, b"")
        return self._reply(out, out_mic)

    def _reply(self, out: bytes, out_mic: bytes | None) -> StepOutput:
        if self.complete:
            state = tokens.NegState.ACCEPT_COMPLETED
        elif not self.supported_sent and self.mic_required:
            state = tokens.NegState.REQUEST_MIC
        else:
            state = tokens.NegState.ACCEPT_INCOMPLETE
        supported = None
        if not self.supported_sent:
            supported = self.chosen_oid
            self.supported_sent = True
        status = S.SEC_E_OK if self.complete else S.SEC_I_CONTINUE_NEEDED
        return self._output(status, tokens.encode_resp_fields(state, supported, out or None, out_mic))
