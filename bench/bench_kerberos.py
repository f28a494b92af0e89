"""Kerberos AP exchange with cached tickets (both ends), ours against MIT krb5 through python-gssapi.

A throwaway MIT realm on loopback is started once for the run (the same set-up as the
interop tests) and stopped at exit. Each timed call is one whole context establishment:
initiator AP-REQ from a cached service ticket, acceptor validation from the keytab,
AP-REP, initiator check (mutual authentication), then one wrap/unwrap.
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
    return {"sspi-emu": _ours(realm), "MIT krb5 (python-gssapi)": _mit(realm)}
