"""SPNEGO tokens as plain values (no encoding here: see :mod:`sspi_emu_negotiate.tokens`)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Union

from sspi_emu.constants import SecurityStatus
from sspi_emu.errors import SspiError

#: ``hintName`` Windows puts in a server-initiated NegTokenInit2 (MS-SPNG 3.2.5.2).
WINDOWS_HINT_NAME = "not_defined_in_RFC4178@please_ignore"

#: ContextFlags bits (RFC 4178 reqFlags), as an int with bit n = 1 << n.
DELEG_FLAG = 1 << 0
MUTUAL_FLAG = 1 << 1
REPLAY_FLAG = 1 << 2
SEQUENCE_FLAG = 1 << 3
ANON_FLAG = 1 << 4
CONF_FLAG = 1 << 5
INTEG_FLAG = 1 << 6
FLAG_BITS = 7


class NegState(enum.IntEnum):
    """The negState of a NegTokenResp."""

    ACCEPT_COMPLETED = 0
    ACCEPT_INCOMPLETE = 1
    REJECT = 2
    REQUEST_MIC = 3


@dataclass(frozen=True)
class NegTokenInit:
    """A NegTokenInit, or a NegTokenInit2 when ``hint_name`` / ``hint_address`` is set.

    ``mech_types`` are dotted OIDs in the sender's order of preference.
    """

    mech_types: tuple[str, ...]
    req_flags: int | None = None
    mech_token: bytes | None = None
    mech_list_mic: bytes | None = None
    hint_name: str | None = None
    hint_address: bytes | None = None

    @property
    def is_init2(self) -> bool:
        """True for the MS-SPNG NegTokenInit2 form (it carries negHints)."""
        return self.hint_name is not None or self.hint_address is not None

    def __repr__(self) -> str:
        return (
            f"NegTokenInit(mech_types={self.mech_types!r}, req_flags={self.req_flags!r}, "
            f"mech_token={_size(self.mech_token)}, mech_list_mic={_size(self.mech_list_mic)}, "
            f"hint_name={self.hint_name!r})"
        )


@dataclass(frozen=True)
class NegTokenResp:
    """A NegTokenResp."""

    neg_state: NegState | None = None
    supported_mech: str | None = None
    response_token: bytes | None = None
    mech_list_mic: bytes | None = None

    def __repr__(self) -> str:
        state = None if self.neg_state is None else self.neg_state.name
        return (
            f"NegTokenResp(neg_state={state}, supported_mech={self.supported_mech!r}, "
            f"response_token={_size(self.response_token)}, mech_list_mic={_size(self.mech_list_mic)})"
        )


NegotiationToken = Union[NegTokenInit, NegTokenResp]


def _size(value: bytes | None) -> str:
    return "None" if value is None else f"<{len(value)} bytes>"


def invalid(why: str) -> SspiError:
    """The error every malformed token gives."""
    return SspiError(SecurityStatus.SEC_E_INVALID_TOKEN, why)


