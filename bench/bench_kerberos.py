"""Kerberos AP exchange with cached tickets (both ends), ours against MIT krb5 through python-gssapi.

A throwaway MIT realm on loopback is started once for the run (the same set-up as the
interop tests) and stopped at exit. Each timed call is one whole context establishment:
initiator AP-REQ from a cached service ticket, acceptor validation from the keytab,
AP-REP, initiator check (mutual authentication), then one wrap/unwrap. The first benchmark
drives our package through the C-shaped API (caller buffers, as python-gssapi drives MIT);
the second through the Pythonic ClientContext / ServerContext layer.
"""

from __future__ import annotations

import atexit
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

from sspi_emu_kerberos import KerberosSettings

import sspi_emu as s
from sspi_emu import constants as C
from tests.interop.kerberos.mit_realm import HOST, PASSWORD, REALM, SPN, USER, MitRealm, start_realm

FLAGS = C.ISC_REQ_MUTUAL_AUTH | C.ISC_REQ_CONFIDENTIALITY | C.ISC_REQ_INTEGRITY | C.ISC_REQ_SEQUENCE_DETECT

_realm: MitRealm | None = None


def _start() -> MitRealm:
    global _realm
    if _realm is None:
        _realm = start_realm(Path(tempfile.mkdtemp(prefix="sspi-emu-krb-bench-")), life_seconds=1800)
        os.environ.update(_realm.env)
        _realm.kinit()
        atexit.register(_realm.stop)
    return _realm


def _ours_c_api(realm: MitRealm) -> Callable[[], object]:
    """The same exchange through the C-shaped API with caller buffers (what python-gssapi is to MIT)."""
    cc, sc = s.CredHandle(), s.CredHandle()
    st1 = s.AcquireCredentialsHandle(None, "Kerberos", C.SECPKG_CRED_OUTBOUND, None,
                                     KerberosSettings(user=f"{USER}@{REALM}", password=PASSWORD), None, None, cc, None)
    st2 = s.AcquireCredentialsHandle(None, "Kerberos", C.SECPKG_CRED_INBOUND, None,
                                     KerberosSettings(keytab=str(realm.keytab)), None, None, sc, None)
    assert st1 == st2 == C.SEC_E_OK, (st1, st2)
    isc, asc, buf, desc, tok = s.InitializeSecurityContext, s.AcceptSecurityContext, s.SecBuffer, s.SecBufferDesc, 2
    attrs = s.ULONG()

    def run() -> object:
        cctx, sctx = s.CtxtHandle(), s.CtxtHandle()
        out = desc([buf(tok, 4096)])
        st = isc(cc, None, SPN, FLAGS, 0, 0x10, None, 0, cctx, out, attrs, None)
        reply = desc([buf(tok, 4096)])
        st = asc(sc, None, desc([out[0]]), 0, 0x10, sctx, reply, attrs, None)
        st = isc(cc, cctx, SPN, FLAGS, 0, 0x10, desc([reply[0]]), 0, cctx, desc([buf(tok, 0)]), attrs, None)
        assert st == C.SEC_E_OK, st
        msg = bytearray(b"ping")
        sealed = desc([buf(tok, 60), buf(C.SECBUFFER_DATA, msg), buf(C.SECBUFFER_PADDING, 1)])
        s.EncryptMessage(cctx, 0, sealed, 0)
        st = s.DecryptMessage(sctx, desc([buf(tok, sealed[0].tobytes()), buf(C.SECBUFFER_DATA, msg)]), 0, None)
        assert st == C.SEC_E_OK and msg == b"ping", st
        s.DeleteSecurityContext(cctx)
        s.DeleteSecurityContext(sctx)
        return None

    run()
    return run


def _ours(realm: MitRealm) -> Callable[[], object]:
    ccred = s.Credential("Kerberos", use="outbound", user=f"{USER}@{REALM}", password=PASSWORD)
    scred = s.Credential("Kerberos", use="inbound", auth_data=KerberosSettings(keytab=str(realm.keytab)))

    def run() -> object:
        client = s.ClientContext("Kerberos", target=SPN, credential=ccred, flags=FLAGS)
        server = s.ServerContext("Kerberos", credential=scred)
        client.step(server.step(client.step(None)))
        return server.unwrap(client.wrap(b"ping"))

    run()  # fills the ticket cache: the timed calls never reach the KDC
    return run


def _mit(realm: MitRealm) -> Callable[[], object]:
    import gssapi

    name = gssapi.Name(f"HTTP@{HOST}", gssapi.NameType.hostbased_service)
    icred = gssapi.Credentials(usage="initiate")
    acred = gssapi.Credentials(usage="accept", store={"keytab": str(realm.keytab)})
    flags = [gssapi.RequirementFlag.mutual_authentication, gssapi.RequirementFlag.confidentiality,
             gssapi.RequirementFlag.integrity, gssapi.RequirementFlag.out_of_sequence_detection]

    def run() -> Any:
        client = gssapi.SecurityContext(name=name, creds=icred, usage="initiate", flags=flags,
                                        mech=gssapi.MechType.kerberos)
        server = gssapi.SecurityContext(creds=acred, usage="accept")
        client.step(server.step(client.step()))
        return server.unwrap(client.wrap(b"ping", True).message)

    run()  # the service ticket lands in the ccache
    return run


def bench_ap_exchange_cached_ticket() -> dict[str, Callable[[], object]]:
    realm = _start()
    return {"sspi-emu": _ours_c_api(realm), "MIT krb5 (python-gssapi)": _mit(realm)}


def bench_ap_exchange_cached_ticket_pythonic() -> dict[str, Callable[[], object]]:
    realm = _start()
    return {"sspi-emu": _ours(realm), "MIT krb5 (python-gssapi)": _mit(realm)}
