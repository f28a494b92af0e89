"""Which per-message token format a context key uses: RFC 4121 (CFX) or, for rc4-hmac, RFC 4757."""

from __future__ import annotations

from typing import Union

from . import enctypes
from .cfx import CfxSession
from .keys import Key
from .rfc4757 import Rc4Session

__all__ = ["MessageSession", "new_session", "uses_rfc4757"]

MessageSession = Union[CfxSession, Rc4Session]


def uses_rfc4757(key: Key) -> bool:
    """True for rc4-hmac keys, whose contexts keep the RFC 1964 token format."""
    return key.enctype == enctypes.RC4_HMAC


def new_session(key: Key, initiator: bool, acceptor_subkey: bool, send_seq: int, recv_seq: int,
                check_sequence: bool) -> MessageSession:
    """The message state for *key*."""
    if uses_rfc4757(key):
        return Rc4Session(key, initiator, False, send_seq & 0xFFFFFFFF, recv_seq & 0xFFFFFFFF, check_sequence)
    return CfxSession(key, initiator, acceptor_subkey, send_seq, recv_seq, check_sequence)
