"""User-to-user messages (draft-swift-win2k-krb-user2user): the client asks the server for its TGT.

``KERB-TGT-REQUEST ::= SEQUENCE { pvno [0] INTEGER, msg-type [1] INTEGER (16),
server-name [2] PrincipalName OPTIONAL, realm [3] Realm OPTIONAL }`` and
``KERB-TGT-REPLY ::= SEQUENCE { pvno [0] INTEGER, msg-type [1] INTEGER (17), ticket [2] Ticket }``,
carried in GSS tokens with TOK_ID 04 00 and 04 01.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import der
from . import der_reader as R
from . import messages as m

__all__ = ["TOK_TGT_REP", "TOK_TGT_REQ", "TgtReply", "TgtRequest", "decode_tgt_reply", "decode_tgt_request"]

TOK_TGT_REQ = b"\x04\x00"
TOK_TGT_REP = b"\x04\x01"
_TGT_REQ = 16
_TGT_REP = 17


@dataclass
class TgtRequest:
    """KERB-TGT-REQUEST."""

    server_name: m.PrincipalName | None = None
    realm: str | None = None

    def encode(self) -> bytes:
        return der.sequence(
            der.ctx(0, der.integer(m.PVNO)),
            der.ctx(1, der.integer(_TGT_REQ)),
            der.ctx(2, None if self.server_name is None else self.server_name.encode()),
            der.ctx(3, None if self.realm is None else der.general_string(self.realm)),
        )


@dataclass
class TgtReply:
    """KERB-TGT-REPLY: the server's TGT (its session key stays with the server)."""

    ticket: m.Ticket

    def encode(self) -> bytes:
        return der.sequence(
            der.ctx(0, der.integer(m.PVNO)), der.ctx(1, der.integer(_TGT_REP)), der.ctx(2, self.ticket.encode())
        )


def _check_header(d: bytes, f: dict[int, R.Span], kind: int) -> None:
    if 0 not in f or 1 not in f or R.integer(d, f[0]) != m.PVNO or R.integer(d, f[1]) != kind:
        raise m.Asn1Error("bad pvno or msg-type")


def decode_tgt_request(data: bytes) -> TgtRequest:
    """A KERB-TGT-REQUEST (Asn1Error when malformed)."""
    d = bytes(data)
    try:
        f = R.fields(d, (0, len(d)), last_field=3)
        _check_header(d, f, _TGT_REQ)
        name = m.decode_principal_span(d, f[2]) if 2 in f else None
        return TgtRequest(name, R.general_string(d, f[3]) if 3 in f else None)
    except R.DerError as exc:
        raise m.Asn1Error(f"malformed KERB-TGT-REQUEST: {exc}") from None


def decode_tgt_reply(data: bytes) -> TgtReply:
    """A KERB-TGT-REPLY (Asn1Error when malformed)."""
    d = bytes(data)
    try:
        f = R.fields(d, (0, len(d)), last_field=2)
        _check_header(d, f, _TGT_REP)
        if 2 not in f:
            raise m.Asn1Error("no ticket")
        return TgtReply(m.decode_ticket(d[f[2][0] : f[2][1]]))
    except R.DerError as exc:
        raise m.Asn1Error(f"malformed KERB-TGT-REPLY: {exc}") from None
