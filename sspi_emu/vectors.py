"""Vector files: one JSON format for published known-answer exchanges and recorded ones.

A vector names a package, the credentials of each side (client / server), the pinned
randomness and clock values each call drew, and the ordered legs (the C-shaped call, its
input buffers, the expected status, output buffers and context attributes). Replaying a
vector drives the C-shaped API (:mod:`sspi_emu.api`) and compares every output byte for
byte; each side can be replayed alone, because every leg carries its own input buffers
(the peer's recorded tokens). The format is documented in ``vectors/README.md``.

* :func:`load` / :func:`load_path` read vector files (a file or a folder of them);
* :func:`replay` runs one vector and returns a :class:`ReplayResult`;
* :func:`recording` (a context manager) captures every C-shaped call made inside it,
  with every random value and clock reading, and writes a vector file that replays exactly.

Secrets (passwords, hashes, private keys) are written only when the caller asks for them
(``include_secrets=True`` / ``sspi-emu record --include-secrets``); otherwise they are
written as ``{"$secret": "withheld"}`` and the side holding them cannot be replayed.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import importlib
import inspect
import json
import os
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from . import api, dispatcher, registry
from . import constants as C
from . import entropy as _entropy
from .accounts import Account, MemoryAccountStore
from .buffers import SecBuffer, SecBufferDesc
from .constants import SecurityStatus
from .handles import ULONG, Box, CredHandle, CtxtHandle, SecHandle, TimeStamp

__all__ = [
    "FORMAT",
    "Draws",
    "Leg",
    "Mismatch",
    "Recorder",
    "ReplayEntropy",
    "ReplayResult",
    "Side",
    "Vector",
    "VectorError",
    "decode_value",
    "encode_value",
    "load",
    "load_path",
    "recording",
    "replay",
    "replay_path",
]

#: The value of every vector's ``"format"`` key.
FORMAT = "sspi-emu-vector/1"
SIDES = ("client", "server")
HANDSHAKE_CALLS = ("InitializeSecurityContext", "AcceptSecurityContext")
MESSAGE_CALLS = ("EncryptMessage", "DecryptMessage", "MakeSignature", "VerifySignature")
OTHER_CALLS = ("CompleteAuthToken", "ApplyControlToken")
QUERY_CALLS = ("QueryContextAttributes",)
CALLS = HANDSHAKE_CALLS + MESSAGE_CALLS + OTHER_CALLS + QUERY_CALLS
#: Attributes whose values are key material: written only with include_secrets.
SECRET_ATTRIBUTES = frozenset({C.SECPKG_ATTR_SESSION_KEY, C.SECPKG_ATTR_KEYING_MATERIAL, C.SECPKG_ATTR_EAP_KEY_BLOCK})

_TYPE_MASK = 0x0FFFFFFF
BUFFER_TYPES: dict[str, int] = {
    k[len("SECBUFFER_"):]: v
    for k, v in vars(C).items()
    if k.startswith("SECBUFFER_") and isinstance(v, int) and v < 0x100 and k != "SECBUFFER_VERSION"
}
_BUFFER_NAMES = {v: k for k, v in BUFFER_TYPES.items()}
BUFFER_FLAGS = {"READONLY": C.SECBUFFER_READONLY, "READONLY_WITH_CHECKSUM": C.SECBUFFER_READONLY_WITH_CHECKSUM}
_USES = {"inbound": C.SECPKG_CRED_INBOUND, "outbound": C.SECPKG_CRED_OUTBOUND, "both": C.SECPKG_CRED_BOTH}
_USE_NAMES = {v: k for k, v in _USES.items()}
#: Field / key names whose string or bytes values are secrets.
_SECRET_NAME = re.compile(r"pass|secret|private|hash|pin$|^key$|_key$|psk", re.IGNORECASE)


class VectorError(ValueError):
    """A vector file cannot be read or written (the message says where)."""


class SecretWithheld(VectorError):
    """A side's credentials were written without their secrets, so that side cannot be replayed."""


# --- typed JSON values (credentials / auth data) -------------------------------------------------


def _is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def _package_roots() -> set[str]:
    roots = {"sspi_emu"}
    for pkg in registry.packages():
        roots.add(type(pkg).__module__.split(".")[0])
    return roots


def encode_value(obj: object, include_secrets: bool = False, *, secret: bool = False,
                 refs: Mapping[int, object] | None = None) -> Any:
    """Turn an auth-data object into typed JSON (see vectors/README.md, "Values").

    Strings and bytes held under a secret-looking name (password, secret, hash, key, ...)
    become ``{"$secret": "withheld"}`` unless *include_secrets*. ``refs`` maps ``id(obj)``
    to a JSON reference written instead of the object (e.g. a built-in demo profile).
    """
    if refs is not None and id(obj) in refs:
        return refs[id(obj)]
    if obj is None or isinstance(obj, bool):
        return obj
    if isinstance(obj, (int, float)):
        return int(obj) if isinstance(obj, int) else float(obj)
    if isinstance(obj, str):
        return {"$secret": "withheld"} if secret and not include_secrets else obj
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return {"$secret": "withheld"} if secret and not include_secrets else {"$hex": bytes(obj).hex()}
    if isinstance(obj, tuple) and hasattr(type(obj), "_fields"):  # a NamedTuple
        values = {k: encode_value(v, include_secrets, secret=secret or _is_secret_name(k), refs=refs)
                  for k, v in obj._asdict().items()}  # type: ignore[attr-defined]
        return {"$class": _class_path(obj), "fields": values}
    if isinstance(obj, tuple):
        return {"$tuple": [encode_value(v, include_secrets, secret=secret, refs=refs) for v in obj]}
    if isinstance(obj, list):
        return [encode_value(v, include_secrets, secret=secret, refs=refs) for v in obj]
    if isinstance(obj, dict):
        return {"$dict": [[encode_value(k, include_secrets, refs=refs),
                           encode_value(v, include_secrets, secret=secret or _is_secret_name(str(k)), refs=refs)]
                          for k, v in obj.items()]}
    if isinstance(obj, MemoryAccountStore) and type(obj) is MemoryAccountStore:
        return {"$accounts": [encode_value(a, include_secrets, refs=refs) for a in obj]}  # type: ignore[attr-defined]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            if not f.init or (isinstance(obj, Account) and f.name == "cache"):
                continue
            value = getattr(obj, f.name)
            if f.default is not dataclasses.MISSING and _same(value, f.default):
                continue
            if f.default_factory is not dataclasses.MISSING and _same(value, f.default_factory()):
                continue
            fields[f.name] = encode_value(value, include_secrets, secret=secret or _is_secret_name(f.name), refs=refs)
        return {"$class": _class_path(obj), "fields": fields}
    slotted = _slotted_fields(type(obj))
    if slotted is not None:
        values = {k: encode_value(getattr(obj, k), include_secrets, secret=secret or _is_secret_name(k), refs=refs)
                  for k in slotted if hasattr(obj, k)}
        return {"$class": _class_path(obj), "fields": values}
    if hasattr(obj, "private_bytes") and hasattr(obj, "public_key"):
        if not include_secrets:
            return {"$secret": "withheld"}
        from cryptography.hazmat.primitives import serialization as ser

        pem = obj.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption())
        return {"$private_key": pem.decode("ascii")}
    if hasattr(obj, "public_bytes") and hasattr(obj, "serial_number"):
        from cryptography.hazmat.primitives import serialization as ser

        return {"$x509": obj.public_bytes(ser.Encoding.PEM).decode("ascii")}
    return {"$unsupported": f"{type(obj).__module__}.{type(obj).__qualname__}"}


def _class_path(obj: object) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def _slotted_fields(cls: type) -> tuple[str, ...] | None:
    """The slots of a package's plain value class whose __init__ takes exactly those names, else None."""
    if cls.__module__.split(".")[0] in ("builtins", "cryptography") or "__slots__" not in vars(cls):
        return None
    slots = tuple(n for n in vars(cls)["__slots__"] if not n.startswith("_"))
    try:
        params = inspect.signature(cls.__init__).parameters  # type: ignore[misc]
    except (TypeError, ValueError):
        return None
    names = [n for n in params if n != "self"]
    return slots if slots and sorted(names) == sorted(slots) else None


def _same(a: object, b: object) -> bool:
    try:
        return bool(type(a) is type(b) and a == b)
    except Exception:  # an exotic __eq__: treat as different
        return False


def decode_value(value: Any, where: str = "auth_data") -> Any:
    """Rebuild the object :func:`encode_value` wrote (raise :class:`VectorError` / :class:`SecretWithheld`)."""
    if isinstance(value, list):
        return [decode_value(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    if "$secret" in value:
        raise SecretWithheld(f"{where}: the secret was withheld when the vector was written")
    if "$hex" in value:
        try:
            return bytes.fromhex(str(value["$hex"]))
        except ValueError as exc:
            raise VectorError(f"{where}: bad hex ({exc})") from None
    if "$tuple" in value:
        return tuple(decode_value(v, f"{where}[{i}]") for i, v in enumerate(value["$tuple"]))
    if "$dict" in value:
        return {decode_value(k, where): decode_value(v, f"{where}.{k}") for k, v in value["$dict"]}
    if "$accounts" in value:
        store = MemoryAccountStore()
        for i, a in enumerate(value["$accounts"]):
            acct = decode_value(a, f"{where}.accounts[{i}]")
            if not isinstance(acct, Account):
                raise VectorError(f"{where}.accounts[{i}]: not an Account")
            store.add(acct.user, acct.password, acct.domain, nt_hash=acct.nt_hash, secrets=acct.secrets)
        return store
    if "$demo" in value:
        return _demo_auth_data(value["$demo"], where)
    if "$x509" in value:
        from cryptography import x509

        return x509.load_pem_x509_certificate(str(value["$x509"]).encode("ascii"))
    if "$private_key" in value:
        from cryptography.hazmat.primitives import serialization as ser

        return ser.load_pem_private_key(str(value["$private_key"]).encode("ascii"), password=None)
    if "$unsupported" in value:
        raise VectorError(f"{where}: a {value['$unsupported']} cannot be stored in a vector")
    if "$class" in value:
        return _build(str(value["$class"]), value.get("fields") or {}, where)
    raise VectorError(f"{where}: unknown typed value {sorted(value)!r}")


def _build(path: str, fields: Mapping[str, Any], where: str) -> Any:
    module_name, _, qualname = path.rpartition(".")
    if module_name.split(".")[0] not in _package_roots():
        raise VectorError(f"{where}: class {path!r} is not from sspi_emu or a registered security package")
    try:
        target: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError):
        raise VectorError(f"{where}: class {path!r} not found") from None
    named_tuple = isinstance(target, type) and issubclass(target, tuple) and hasattr(target, "_fields")
    slotted = isinstance(target, type) and _slotted_fields(target) is not None
    if not (isinstance(target, type) and (dataclasses.is_dataclass(target) or named_tuple or slotted)):
        raise VectorError(f"{where}: {path!r} is not a settings class")
    kwargs = {k: decode_value(v, f"{where}.{k}") for k, v in fields.items()}
    try:
        return target(**kwargs)
    except (TypeError, ValueError) as exc:
        raise VectorError(f"{where}: {qualname}: {exc}") from None


def _demo_auth_data(ref: Any, where: str) -> Any:
    from .cli import demo_profiles  # late: the CLI imports this module's users lazily

    if not isinstance(ref, dict):
        raise VectorError(f"{where}: bad $demo reference")
    pkg = registry.find(str(ref.get("package", "")))
    if pkg is None:
        raise VectorError(f"{where}: no security package named {ref.get('package')!r}")
    profiles = demo_profiles(pkg)
    wanted = ref.get("profile", 0)
    chosen = None
    for i, p in enumerate(profiles):
        if wanted in (i, p.name):
            chosen = p
            break
    if chosen is None:
        raise VectorError(f"{where}: package {pkg.info.Name} has no demo profile {wanted!r}")
    return chosen.client_auth_data if ref.get("side") == "client" else chosen.server_auth_data


# --- buffers -------------------------------------------------------------------------------------------


def buffer_type_name(btype: int) -> str:
    """``TOKEN`` for SECBUFFER_TOKEN, ... (the number for an unknown type)."""
    base = btype & _TYPE_MASK
    return _BUFFER_NAMES.get(base, str(base))


def buffer_to_json(buf: SecBuffer) -> dict[str, Any]:
    """One buffer as JSON: type, flags, and its used bytes (or its size when it has no memory)."""
    out: dict[str, Any] = {"type": buffer_type_name(buf.BufferType)}
    flags = [n for n, bit in BUFFER_FLAGS.items() if buf.BufferType & bit == bit]
    if flags:
        out["flags"] = flags
    if buf.pvBuffer is None:
        if buf.cbBuffer:
            out["size"] = buf.cbBuffer
    else:
        out["hex"] = buf.tobytes().hex()
        if buf.capacity != buf.cbBuffer:
            out["capacity"] = buf.capacity
    return out


def _shape_to_json(buf: SecBuffer) -> dict[str, Any]:
    """An output buffer before the call: its type and how much memory the caller gave."""
    out: dict[str, Any] = {"type": buffer_type_name(buf.BufferType)}
    if buf.pvBuffer is not None:
        out["capacity"] = buf.capacity
    return out


def _type_of(spec: Mapping[str, Any], where: str) -> int:
    t = spec.get("type")
    if isinstance(t, int):
        base = t
    elif isinstance(t, str) and t.upper().removeprefix("SECBUFFER_") in BUFFER_TYPES:
        base = BUFFER_TYPES[t.upper().removeprefix("SECBUFFER_")]
    elif isinstance(t, str) and t.isdigit():
        base = int(t)
    else:
        raise VectorError(f"{where}: unknown buffer type {t!r}")
    for flag in spec.get("flags", ()):
        if flag not in BUFFER_FLAGS:
            raise VectorError(f"{where}: unknown buffer flag {flag!r}")
        base |= BUFFER_FLAGS[flag]
    return base


def _content(spec: Mapping[str, Any], where: str) -> bytes | None:
    if "hex" in spec:
        try:
            return bytes.fromhex(str(spec["hex"]))
        except ValueError as exc:
            raise VectorError(f"{where}: bad hex ({exc})") from None
    if "text" in spec:
        return str(spec["text"]).encode("utf-8")
    return None


def buffer_from_json(spec: Mapping[str, Any], where: str = "buffer") -> SecBuffer:
    """Build the SecBuffer a vector's input buffer describes."""
    if not isinstance(spec, Mapping):
        raise VectorError(f"{where}: a buffer must be an object")
    btype = _type_of(spec, where)
    data = _content(spec, where)
    capacity = spec.get("capacity")
    if data is None:
        if capacity is not None:
            return SecBuffer(btype, int(capacity), 0 if "size" not in spec else int(spec["size"]))
        return SecBuffer(btype, None, int(spec.get("size", 0)))
    if capacity is not None and int(capacity) > len(data):
        return SecBuffer(btype, data + bytes(int(capacity) - len(data)), len(data))
    return SecBuffer(btype, data)


def _desc_from_json(specs: Any, where: str) -> SecBufferDesc | None:
    if specs is None:
        return None
    if not isinstance(specs, list):
        raise VectorError(f"{where}: expected a list of buffers")
    return SecBufferDesc([buffer_from_json(s, f"{where}[{i}]") for i, s in enumerate(specs)])


# --- the model -------------------------------------------------------------------------------------------


@dataclass
class Draws:
    """Randomness (ordered ``(label, bytes)``), clock readings (Unix seconds) and third-party
    round trips (``(label, request, reply or None when unreachable)``, e.g. to a KDC) one call used."""

    random: list[tuple[str, bytes]] = field(default_factory=list)
    clock: list[float] = field(default_factory=list)
    exchanges: list[tuple[str, bytes, bytes | None]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.random:
            out["random"] = [{"label": lbl, "hex": val.hex()} for lbl, val in self.random]
        if self.clock:
            out["clock"] = list(self.clock)
        if self.exchanges:
            out["exchanges"] = [{"label": lbl, "request": req.hex(), "reply": None if rep is None else rep.hex()}
                                for lbl, req, rep in self.exchanges]
        return out

    @classmethod
    def from_json(cls, data: Any, where: str) -> Draws:
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise VectorError(f"{where}: entropy must be an object")
        randoms: list[tuple[str, bytes]] = []
        for i, r in enumerate(data.get("random", ())):
            if not isinstance(r, dict) or "hex" not in r:
                raise VectorError(f"{where}.random[{i}]: expected {{label, hex}}")
            try:
                randoms.append((str(r.get("label", "")), bytes.fromhex(str(r["hex"]))))
            except ValueError as exc:
                raise VectorError(f"{where}.random[{i}]: bad hex ({exc})") from None
        exchanges: list[tuple[str, bytes, bytes | None]] = []
        for i, x in enumerate(data.get("exchanges", ())):
            if not isinstance(x, dict) or not isinstance(x.get("request"), str) or "reply" not in x:
                raise VectorError(f"{where}.exchanges[{i}]: expected {{label, request, reply}}")
            reply = x["reply"]
            if reply is not None and not isinstance(reply, str):
                raise VectorError(f"{where}.exchanges[{i}].reply: hex or null")
            try:
                exchanges.append((str(x.get("label", "")), bytes.fromhex(x["request"]),
                                  None if reply is None else bytes.fromhex(reply)))
            except ValueError as exc:
                raise VectorError(f"{where}.exchanges[{i}]: bad hex ({exc})") from None
        return cls(randoms, [_clock_value(c, f"{where}.clock") for c in data.get("clock", ())], exchanges)

    def __bool__(self) -> bool:
        return bool(self.random or self.clock or self.exchanges)


def _clock_value(value: Any, where: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, dict) and isinstance(value.get("filetime"), int):
        return _entropy.filetime_to_unix(int(value["filetime"]))
    raise VectorError(f"{where}: a clock value is Unix seconds or {{\"filetime\": ticks}}")


@dataclass
class Side:
    """One side's set-up: credentials (AcquireCredentialsHandle) and the context's first-call values."""

    name: str
    principal: str | None = None
    use: int = 0
    auth_data: Any = None  # typed JSON, decoded at replay time
    target: str | None = None
    flags: int = 0
    data_rep: int = C.SECURITY_NATIVE_DREP
    acquire: Draws = field(default_factory=Draws)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"credential_use": _USE_NAMES.get(self.use, self.use)}
        if self.principal is not None:
            out["principal"] = self.principal
        out["auth_data"] = self.auth_data
        if self.name == "client":
            out["target"] = self.target
        out["flags"] = f"0x{self.flags:08X}"
        out["flag_names"] = _flag_names(self.flags, "ISC_REQ_" if self.name == "client" else "ASC_REQ_")
        if self.data_rep != C.SECURITY_NATIVE_DREP:
            out["data_rep"] = self.data_rep
        if self.acquire:
            out["acquire_entropy"] = self.acquire.to_json()
        return out

    @classmethod
    def from_json(cls, name: str, data: Any, where: str) -> Side:
        if not isinstance(data, dict):
            raise VectorError(f"{where}: a side must be an object")
        use = data.get("credential_use", "outbound" if name == "client" else "inbound")
        return cls(
            name=name,
            principal=data.get("principal"),
            use=_USES[use] if isinstance(use, str) and use in _USES else _int(use, f"{where}.credential_use"),
            auth_data=data.get("auth_data"),
            target=data.get("target"),
            flags=_int(data.get("flags", 0), f"{where}.flags"),
            data_rep=_int(data.get("data_rep", C.SECURITY_NATIVE_DREP), f"{where}.data_rep"),
            acquire=Draws.from_json(data.get("acquire_entropy"), f"{where}.acquire_entropy"),
        )


def _box_int(box: Box) -> int:
    value = box.value
    return value if isinstance(value, int) else 0


def _int(value: Any, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value, 0)
        except ValueError:
            pass
    raise VectorError(f"{where}: expected an integer, got {value!r}")


def _flag_names(value: int, prefix: str) -> list[str]:
    names = []
    for k, v in vars(C).items():
        if k.startswith(prefix) and isinstance(v, int) and v and v & (v - 1) == 0 and value & v:
            names.append(k)
    return sorted(set(names), key=lambda n: int(getattr(C, n)))


def _status_value(value: Any, where: str) -> SecurityStatus:
    if isinstance(value, str) and value in SecurityStatus.__members__:
        return SecurityStatus[value]
    try:
        return SecurityStatus.from_int(_int(value, where))
    except ValueError:
        raise VectorError(f"{where}: unknown status {value!r}") from None


@dataclass
class Leg:
    """One recorded call on one side, with its inputs and the expected results."""

    index: int
    side: str
    call: str
    data: dict[str, Any]
    entropy: Draws = field(default_factory=Draws)

    @property
    def title(self) -> str:
        return f"leg {self.index} ({self.side} {self.call})"


@dataclass
class Vector:
    """A whole vector: package, sides, environment and legs."""

    name: str
    package: str
    sides: dict[str, Side]
    legs: list[Leg]
    environment: dict[str, str] = field(default_factory=dict)
    clock: list[float] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    path: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": FORMAT, "name": self.name}
        out.update({k: v for k, v in self.meta.items() if k not in ("format", "name")})
        out["package"] = self.package
        if self.environment:
            out["environment"] = dict(self.environment)
        if self.clock:
            out["clock"] = list(self.clock)
        out["sides"] = {n: s.to_json() for n, s in self.sides.items()}
        legs = []
        for leg in self.legs:
            d: dict[str, Any] = {"side": leg.side, "call": leg.call}
            d.update(leg.data)
            if leg.entropy:
                d["entropy"] = leg.entropy.to_json()
            legs.append(d)
        out["legs"] = legs
        return out

    @classmethod
    def from_json(cls, data: Any, path: str = "") -> Vector:
        where = path or "vector"
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise VectorError(f"{where}: not an sspi-emu vector (\"format\" must be {FORMAT!r})")
        for key in ("package", "sides", "legs"):
            if key not in data:
                raise VectorError(f"{where}: missing {key!r}")
        sides_raw = data["sides"]
        if not isinstance(sides_raw, dict) or not sides_raw or not set(sides_raw) <= set(SIDES):
            raise VectorError(f"{where}: \"sides\" must map \"client\" and/or \"server\" to their set-up")
        sides = {n: Side.from_json(n, s, f"{where}: sides.{n}") for n, s in sides_raw.items()}
        if not isinstance(data["legs"], list):
            raise VectorError(f"{where}: \"legs\" must be a list")
        legs = []
        for i, raw in enumerate(data["legs"]):
            lw = f"{where}: legs[{i}]"
            if not isinstance(raw, dict):
                raise VectorError(f"{lw}: a leg must be an object")
            side, call = raw.get("side"), raw.get("call")
            if side not in sides:
                raise VectorError(f"{lw}: side {side!r} is not described in \"sides\"")
            if call not in CALLS:
                raise VectorError(f"{lw}: unknown call {call!r} (one of {', '.join(CALLS)})")
            if "status" in raw:
                _status_value(raw["status"], f"{lw}.status")
            rest = {k: v for k, v in raw.items() if k not in ("side", "call", "entropy")}
            legs.append(Leg(i, str(side), str(call), rest, Draws.from_json(raw.get("entropy"), f"{lw}.entropy")))
        env = data.get("environment") or {}
        if not isinstance(env, dict):
            raise VectorError(f"{where}: \"environment\" must be an object")
        clock_raw = data.get("clock", [])
        clock_list = clock_raw if isinstance(clock_raw, list) else [clock_raw]
        clock = [_clock_value(c, f"{where}: clock") for c in clock_list]
        meta = {k: v for k, v in data.items() if k not in ("package", "sides", "legs", "environment", "clock")}
        return cls(str(data.get("name") or Path(path).stem or "vector"), str(data["package"]), sides, legs,
                   {str(k): str(v) for k, v in env.items()}, clock, meta, path)


def _is_vector_json(data: Any) -> bool:
    return isinstance(data, dict) and (data.get("format") == FORMAT or "vectors" in data and "format" in data)


def load(path: str | os.PathLike[str]) -> list[Vector]:
    """The vectors in one file (a single vector, or ``{"format": ..., "vectors": [...]}``)."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise VectorError(f"{p}: cannot read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise VectorError(f"{p}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if isinstance(data, dict) and isinstance(data.get("vectors"), list):
        if data.get("format") != FORMAT:
            raise VectorError(f"{p}: not an sspi-emu vector file (\"format\" must be {FORMAT!r})")
        return [Vector.from_json({"format": FORMAT, **v} if isinstance(v, dict) else v, f"{p}#{i}")
                for i, v in enumerate(data["vectors"])]
    return [Vector.from_json(data, str(p))]


def load_path(path: str | os.PathLike[str]) -> tuple[list[Vector], list[tuple[str, str]]]:
    """Every vector under *path* (a file or a folder, recursively), and the files skipped with why.

    JSON files in other formats (a package's own known-answer files) are skipped, not errors.
    """
    p = Path(path)
    if not p.exists():
        raise VectorError(f"{p}: no such file or folder")
    files = sorted(q for q in p.rglob("*.json") if q.is_file()) if p.is_dir() else [p]
    vectors: list[Vector] = []
    skipped: list[tuple[str, str]] = []
    for f in files:
        if p.is_dir():
            try:
                head = json.loads(f.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError):
                head = None
            if not _is_vector_json(head):
                skipped.append((str(f), "not in the sspi-emu vector format"))
                continue
        vectors.extend(load(f))
    return vectors, skipped


# --- replay -----------------------------------------------------------------------------------------------


class ReplayEntropy:
    """Hands out one leg's recorded values in order and notes the first divergence.

    Random values must be drawn in the recorded order with the recorded lengths (and
    labels, when both are given). Clock readings are handed out in order; the last one
    repeats (the vector's default clock when the leg recorded none).
    """

    def __init__(self, draws: Draws, default_clock: Sequence[float] = ()) -> None:
        self._random: deque[tuple[str, bytes]] = deque(draws.random)
        self._exchanges: deque[tuple[str, bytes, bytes | None]] = deque(draws.exchanges)
        self._clock = list(draws.clock) or list(default_clock) or [0.0]
        self._next_clock = 0
        self.problem: str | None = None
        self._lock = threading.Lock()

    def random_bytes(self, n: int, label: str = "") -> bytes:
        with self._lock:
            if not self._random:
                self._fail(f"drew {n} random bytes ({label or 'unlabelled'}) but the vector has no more values")
            want_label, value = self._random.popleft()
            if len(value) != n:
                self._fail(f"drew {n} random bytes ({label or 'unlabelled'}) where the vector has "
                           f"{len(value)} bytes ({want_label or 'unlabelled'})")
            if want_label and label and want_label != label:
                self._fail(f"drew random bytes labelled {label!r} where the vector has {want_label!r}")
            return value

    def _fail(self, message: str) -> None:
        if self.problem is None:
            self.problem = message
        raise _entropy.EntropyExhausted(message)

    def now(self) -> float:
        with self._lock:
            i = min(self._next_clock, len(self._clock) - 1)
            self._next_clock += 1
            return self._clock[i]

    def exchange(self, kind: str, where: str, request: bytes, send: _entropy.Send) -> bytes:
        """The recorded reply to *request* (which must be the recorded request); never the network."""
        label = f"{kind} {where}"
        with self._lock:
            if not self._exchanges:
                self._fail(f"sent a {label} request but the vector has no more recorded exchanges")
            want_label, want, reply = self._exchanges.popleft()
            if want_label and want_label != label:
                self._fail(f"sent a {label} request where the vector has one for {want_label}")
            if bytes(request) != want:
                _, detail = first_difference(want, bytes(request))
                self._fail(f"the {label} request differs from the recorded one: {detail}")
        if reply is None:
            raise ConnectionError(f"{label}: unreachable when the vector was recorded")
        return reply

    @property
    def unused(self) -> int:
        """Random values and exchanges recorded for this leg but not used."""
        return len(self._random) + len(self._exchanges)


@dataclass
class Mismatch:
    """Where a replay first differed from the vector."""

    field: str
    message: str
    leg: Leg | None = None
    offset: int | None = None

    def __str__(self) -> str:
        where = f"{self.leg.title} " if self.leg else ""
        return f"{where}{self.field}: {self.message}"


@dataclass
class ReplayResult:
    """The outcome of replaying one vector."""

    vector: Vector
    outcome: str  # "pass", "fail" or "skip"
    sides: tuple[str, ...] = ()
    legs: int = 0
    mismatch: Mismatch | None = None
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome != "fail"

    def line(self) -> str:
        """One line for the ``sspi-emu replay`` listing."""
        head = f"{self.outcome.upper():<4} {self.vector.name}"
        if self.outcome == "pass":
            note = f" ({self.note})" if self.note else ""
            return f"{head}: {self.legs} legs, {'+'.join(self.sides)} replayed{note}"
        if self.outcome == "skip":
            return f"{head}: skipped ({self.note})"
        return f"{head}: {self.mismatch}"


def first_difference(expected: bytes, got: bytes) -> tuple[int, str]:
    """The offset of the first differing byte and a description of the difference."""
    n = min(len(expected), len(got))
    for i in range(n):
        if expected[i] != got[i]:
            return i, (f"byte {i} (0x{i:X}) differs: expected {expected[i]:02x}, got {got[i]:02x} "
                       f"(lengths {len(expected)} / {len(got)})")
    if len(expected) != len(got):
        return n, f"length differs: expected {len(expected)} bytes, got {len(got)} (equal up to byte {n})"
    return -1, "equal"


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class _SideState:
    def __init__(self, side: Side) -> None:
        self.side = side
        self.cred = CredHandle()
        self.ctx = CtxtHandle()
        self.started = False


def _compare_buffers(field_name: str, expected: Any, got: SecBufferDesc | None) -> Mismatch | None:
    if expected is None:
        return None
    if not isinstance(expected, list):
        raise VectorError(f"{field_name}: expected a list of buffers")
    bufs = list(got.pBuffers) if got is not None else []
    if len(bufs) != len(expected):
        return Mismatch(field_name, f"{len(expected)} buffers expected, {len(bufs)} present")
    for i, (spec, buf) in enumerate(zip(expected, bufs, strict=True)):
        if not isinstance(spec, dict):
            raise VectorError(f"{field_name}[{i}]: a buffer must be an object")
        want_type = _type_of(spec, f"{field_name}[{i}]") & _TYPE_MASK
        name = f"{field_name}[{i}] {buffer_type_name(want_type)}"
        if buf.BufferType & _TYPE_MASK != want_type:
            return Mismatch(f"{field_name}[{i}].type",
                            f"expected {buffer_type_name(want_type)}, got {buffer_type_name(buf.BufferType)}")
        want = None if spec.get("any") else _content(spec, f"{field_name}[{i}]")
        if want is not None:
            offset, msg = first_difference(want, buf.tobytes())
            if offset >= 0:
                return Mismatch(name, msg, offset=offset)
        elif "size" in spec and not spec.get("any") and buf.cbBuffer != int(spec["size"]):
            return Mismatch(f"{name}.size", f"expected {spec['size']}, got {buf.cbBuffer}")
        for j, piece in enumerate(spec.get("contains", ())):
            if str(piece).encode("utf-8") not in buf.tobytes():
                return Mismatch(f"{name}.contains[{j}]", f"{piece!r} not found")
    return None


def _call_leg(leg: Leg, st: _SideState, vector: Vector) -> tuple[SecurityStatus, dict[str, Any]]:
    """Run one leg; returns its status and what it produced (descriptors, attributes, qop)."""
    d = leg.data
    lw = f"{vector.path or vector.name}: {leg.title}"
    side = st.side
    got: dict[str, Any] = {}
    if leg.call in HANDSHAKE_CALLS:
        pin = _desc_from_json(d.get("input"), f"{lw}.input")
        shape = d.get("output_shape", [{"type": "TOKEN"}])
        pout = _desc_from_json(shape, f"{lw}.output_shape")
        req = _int(d.get("req", side.flags), f"{lw}.req")
        attr = ULONG()
        if leg.call == "InitializeSecurityContext":
            target = d.get("target", side.target)
            status = api.InitializeSecurityContext(st.cred, st.ctx if st.started else None, target, req, 0,
                                                   side.data_rep, pin, 0, st.ctx, pout, attr, TimeStamp())
        else:
            status = api.AcceptSecurityContext(st.cred, st.ctx if st.started else None, pin, req, side.data_rep,
                                               st.ctx, pout, attr, TimeStamp())
        if st.ctx.is_set:
            st.started = True
        got.update(output=pout, input_after=pin, attributes=_box_int(attr))
        return status, got
    if leg.call in MESSAGE_CALLS:
        desc = _desc_from_json(d.get("input"), f"{lw}.input") or SecBufferDesc()
        seq = _int(d.get("seqno", 0), f"{lw}.seqno")
        qop_box = ULONG()
        if leg.call == "EncryptMessage":
            status = api.EncryptMessage(st.ctx, _int(d.get("qop", 0), f"{lw}.qop"), desc, seq)
        elif leg.call == "MakeSignature":
            status = api.MakeSignature(st.ctx, _int(d.get("qop", 0), f"{lw}.qop"), desc, seq)
        elif leg.call == "DecryptMessage":
            status = api.DecryptMessage(st.ctx, desc, seq, qop_box)
            got["qop"] = _box_int(qop_box)
        else:
            status = api.VerifySignature(st.ctx, desc, seq, qop_box)
            got["qop"] = _box_int(qop_box)
        got["output"] = desc
        return status, got
    if leg.call in QUERY_CALLS:
        attribute = _int(d.get("attribute"), f"{lw}.attribute")
        box = Box()
        status = api.QueryContextAttributes(st.ctx, attribute, box)
        if status == SecurityStatus.SEC_E_OK:
            secret = attribute in SECRET_ATTRIBUTES
            got["value"] = (encode_value(box.value, True, secret=secret), encode_value(box.value, False, secret=secret))
        return status, got
    desc = _desc_from_json(d.get("input"), f"{lw}.input") or SecBufferDesc()
    fn = api.CompleteAuthToken if leg.call == "CompleteAuthToken" else api.ApplyControlToken
    status = fn(st.ctx, desc)
    got["output"] = desc
    return status, got


def _check_leg(leg: Leg, status: SecurityStatus, got: Mapping[str, Any]) -> Mismatch | None:
    d = leg.data
    if "status" in d:
        want = _status_value(d["status"], "status")
        if status != want:
            return Mismatch("status", f"expected {want.name}, got {status.name}", leg)
    for key in ("output", "input_after"):
        if key in d and key in got:
            m = _compare_buffers(key, d[key], got[key])
            if m is not None:
                m.leg = leg
                return m
    if "attributes" in d and "attributes" in got:
        want_attr = _int(d["attributes"], "attributes")
        if got["attributes"] != want_attr:
            return Mismatch("attributes", f"expected 0x{want_attr:08X}, got 0x{got['attributes']:08X} "
                            f"(differing bits 0x{want_attr ^ got['attributes']:08X})", leg)
    if "qop" in got and "qop_out" in d and got["qop"] != _int(d["qop_out"], "qop_out"):
        return Mismatch("qop_out", f"expected {d['qop_out']}, got {got['qop']}", leg)
    if "value" in d and "value" in got and d["value"] not in got["value"]:  # as written, secrets or not
        return Mismatch("value", f"expected {json.dumps(d['value'])[:200]}, got {json.dumps(got['value'][0])[:200]}",
                        leg)
    return None


def replayable_sides(vector: Vector) -> dict[str, str]:
    """Which sides can be replayed, and for the others why not."""
    why: dict[str, str] = {}
    for name, side in vector.sides.items():
        try:
            decode_value(side.auth_data, f"sides.{name}.auth_data")
        except SecretWithheld:
            why[name] = f"the {name}'s secrets were withheld when it was recorded"
        except VectorError as exc:
            why[name] = str(exc)
    return why


def replay(vector: Vector, sides: Sequence[str] | None = None) -> ReplayResult:
    """Replay *vector* through the C-shaped API, checking every leg of the chosen sides.

    ``sides`` defaults to every side whose credentials are complete; a side is replayed
    from the peer's recorded tokens, so one side alone is a complete check of that side.
    """
    wanted = [s for s in (sides or SIDES) if s in vector.sides]
    unavailable = replayable_sides(vector)
    chosen = tuple(s for s in wanted if s not in unavailable)
    if not chosen:
        reasons = "; ".join(unavailable[s] for s in wanted if s in unavailable) or "no such side in this vector"
        return ReplayResult(vector, "skip", note=reasons)
    if registry.find(vector.package) is None:
        return ReplayResult(vector, "fail", mismatch=Mismatch("package", f"no security package named "
                                                              f"{vector.package!r} is registered"))
    states: dict[str, _SideState] = {}
    checked = 0
    try:
        with _environment(vector.environment):
            for name in chosen:
                side = vector.sides[name]
                st = _SideState(side)
                auth = decode_value(side.auth_data, f"sides.{name}.auth_data")
                source = ReplayEntropy(side.acquire, vector.clock)
                with _entropy.pinned(source):
                    status = api.AcquireCredentialsHandle(side.principal, vector.package, side.use, None, auth,
                                                          None, None, st.cred, TimeStamp())
                if status != SecurityStatus.SEC_E_OK:
                    why = source.problem or f"AcquireCredentialsHandle returned {status.name}"
                    return ReplayResult(vector, "fail", chosen, 0, Mismatch(f"sides.{name}.credential", why))
                states[name] = st
            for leg in vector.legs:
                st_or_none = states.get(leg.side)
                if st_or_none is None:
                    continue
                source = ReplayEntropy(leg.entropy, vector.clock)
                with _entropy.pinned(source):
                    status, got = _call_leg(leg, st_or_none, vector)
                if source.problem:
                    return ReplayResult(vector, "fail", chosen, checked, Mismatch("entropy", source.problem, leg))
                mismatch = _check_leg(leg, status, got)
                if mismatch is not None:
                    return ReplayResult(vector, "fail", chosen, checked, mismatch)
                if source.unused:
                    return ReplayResult(vector, "fail", chosen, checked, Mismatch(
                        "entropy", f"{source.unused} recorded random value(s) or exchange(s) were not drawn", leg))
                checked += 1
    except VectorError as exc:
        return ReplayResult(vector, "fail", chosen, checked, Mismatch("vector", str(exc)))
    finally:
        for st in states.values():
            if st.started:
                api.DeleteSecurityContext(st.ctx)
            api.FreeCredentialsHandle(st.cred)
    left_out = [s for s in wanted if s in unavailable]
    note = "; ".join(f"{s} not replayable: {unavailable[s]}" for s in left_out)
    return ReplayResult(vector, "pass", chosen, checked, note=note)


def replay_path(path: str | os.PathLike[str], sides: Sequence[str] | None = None
                ) -> tuple[list[ReplayResult], list[tuple[str, str]]]:
    """Replay every vector under *path*; also the files skipped (other formats) with why."""
    vectors, skipped = load_path(path)
    return [replay(v, sides) for v in vectors], skipped


# --- recording -------------------------------------------------------------------------------------------


@dataclass
class _CredRec:
    package: str
    principal: str | None
    use: int
    auth_data: Any
    draws: Draws


@dataclass
class _CtxRec:
    side: str
    package: str
    cred: _CredRec | None
    target: str | None
    req: int
    data_rep: int
    legs: list[Leg] = field(default_factory=list)


_ATTRIBUTE_NAMES = {v: k for k, v in vars(C).items()
                    if k.startswith("SECPKG_ATTR_") and isinstance(v, int) and not isinstance(v, bool)}


def _handle_key(h: object) -> tuple[str, int, int] | None:
    if isinstance(h, SecHandle) and h.is_set:
        return (type(h).__name__, h.dwLower, h.dwUpper)
    return None


def _desc_json(desc: object) -> list[dict[str, Any]] | None:
    if not isinstance(desc, SecBufferDesc):
        return None
    return [buffer_to_json(b) for b in desc.pBuffers if isinstance(b, SecBuffer)]


class _Recording(_entropy.RecordingEntropy):
    """A RecordingEntropy whose draws can be cut per call."""

    def cut(self, start: int) -> Draws:
        with self._lock:
            taken = self.draws[start:]
        out = Draws()
        for d in taken:
            if d.kind == "random" and isinstance(d.value, bytes):
                out.random.append((d.label, d.value))
            elif d.kind == "time" and isinstance(d.value, (int, float)):
                out.clock.append(float(d.value))
            elif d.kind == "exchange" and isinstance(d.value, tuple):
                out.exchanges.append((d.label, d.value[0], d.value[1]))
        return out

    def mark(self) -> int:
        with self._lock:
            return len(self.draws)


class Recorder:
    """Captures C-shaped calls (and the entropy each drew) into vectors.

    Use :func:`recording`; the recorder sees every call made through :mod:`sspi_emu.api`
    (and so through the Pythonic layer) in the recording thread / task. Calls a package
    makes through the SSPI while serving an outer call (Negotiate driving NTLM) belong to
    the outer call.
    """

    def __init__(self, *, include_secrets: bool = False, refs: Mapping[int, object] | None = None,
                 name: str = "recorded", meta: Mapping[str, Any] | None = None,
                 environment: Mapping[str, str] | None = None) -> None:
        self.include_secrets = include_secrets
        self.refs = dict(refs or {})
        self.name = name
        self.meta = dict(meta or {})
        self.environment = dict(environment if environment is not None else _recorded_environment(include_secrets))
        self.source = _Recording(_entropy.current())
        self._creds: dict[tuple[str, int, int], _CredRec] = {}
        self._ctxs: dict[tuple[str, int, int], _CtxRec] = {}
        self._order: list[_CtxRec] = []
        self._count = 0

    # the wrapped call ------------------------------------------------------------------------
    def call(self, name: str, fn: Callable[..., SecurityStatus], args: tuple[Any, ...]) -> SecurityStatus:
        start = self.source.mark()
        if name == "AcquireCredentialsHandle":
            status = fn(*args)
            self._acquired(args, status, self.source.cut(start))
            return status
        if name in HANDSHAKE_CALLS:
            return self._handshake(name, fn, args, start)
        if name in QUERY_CALLS:
            return self._query(fn, args, start)
        if name in MESSAGE_CALLS or name in OTHER_CALLS:
            ctx = self._ctxs.get(_handle_key(args[0]) or ("", 0, 0))
            desc = args[2] if name in ("EncryptMessage", "MakeSignature") else args[1]
            before = _desc_json(desc)
            status = fn(*args)
            if ctx is not None:
                data: dict[str, Any] = {"input": before}
                if name in ("EncryptMessage", "MakeSignature"):
                    data["qop"] = int(args[1] or 0)
                if name in MESSAGE_CALLS:
                    data["seqno"] = int(args[3 if name in ("EncryptMessage", "MakeSignature") else 2] or 0)
                data["status"] = status.name
                data["output"] = _desc_json(desc)
                if name in ("DecryptMessage", "VerifySignature") and isinstance(args[3], Box):
                    data["qop_out"] = _box_int(args[3])
                self._leg(ctx, name, data, self.source.cut(start))
            return status
        return fn(*args)

    def _acquired(self, args: tuple[Any, ...], status: SecurityStatus, draws: Draws) -> None:
        key = _handle_key(args[7])
        if status != SecurityStatus.SEC_E_OK or key is None:
            return
        pkg = registry.find(str(args[1])) if isinstance(args[1], str) else None
        self._creds[key] = _CredRec(
            package=pkg.info.Name if pkg is not None else str(args[1]),
            principal=args[0] if isinstance(args[0], str) else None,
            use=int(args[2]),
            auth_data=encode_value(args[4], self.include_secrets, refs=self.refs),
            draws=draws,
        )

    def _handshake(self, name: str, fn: Callable[..., SecurityStatus], args: tuple[Any, ...],
                   start: int) -> SecurityStatus:
        client = name == "InitializeSecurityContext"
        cred_h, ctx_h = args[0], args[1]
        pin, pout = (args[6], args[9]) if client else (args[2], args[6])
        req = int(args[3]) if isinstance(args[3], int) else 0
        attr_box = args[10] if client else args[7]
        new_h = args[8] if client else args[5]
        before_in = _desc_json(pin)
        shape = [_shape_to_json(b) for b in pout.pBuffers] if isinstance(pout, SecBufferDesc) else None
        status = fn(*args)
        ctx = self._ctxs.get(_handle_key(ctx_h) or ("", 0, 0)) if ctx_h is not None else None
        if ctx is None:
            if ctx_h is not None:
                return status  # a context created outside the recording
            cred = self._creds.get(_handle_key(cred_h) or ("", 0, 0))
            if cred is None:
                return status  # a credential acquired outside the recording
            data_rep = int(args[5] if client else args[4])
            ctx = _CtxRec("client" if client else "server", cred.package, cred,
                          args[2] if client and isinstance(args[2], str) else None, req, data_rep)
            self._order.append(ctx)
            key = _handle_key(new_h)
            if key is not None:
                self._ctxs[key] = ctx
        data: dict[str, Any] = {}
        if req != ctx.req:
            data["req"] = req
        if client and args[2] != ctx.target:
            data["target"] = args[2]
        data["input"] = before_in
        if shape != [{"type": "TOKEN"}]:
            data["output_shape"] = shape
        data["status"] = status.name
        data["output"] = _desc_json(pout)
        after_in = _desc_json(pin)
        if after_in != before_in:
            data["input_after"] = after_in
        if isinstance(attr_box, Box):
            value = _box_int(attr_box)
            data["attributes"] = f"0x{value:08X}"
            data["attribute_names"] = _flag_names(value, "ISC_RET_" if client else "ASC_RET_")
        self._leg(ctx, name, data, self.source.cut(start))
        return status

    def _query(self, fn: Callable[..., SecurityStatus], args: tuple[Any, ...], start: int) -> SecurityStatus:
        status = fn(*args)
        ctx = self._ctxs.get(_handle_key(args[0]) or ("", 0, 0))
        if ctx is None or not isinstance(args[1], int):
            return status
        attribute = args[1] & 0xFFFFFFFF
        data: dict[str, Any] = {"attribute": attribute}
        name = _ATTRIBUTE_NAMES.get(attribute)
        if name is not None:
            data["attribute_name"] = name
        data["status"] = status.name
        if status == SecurityStatus.SEC_E_OK:
            value = args[2].value if isinstance(args[2], Box) else args[2]
            data["value"] = encode_value(value, self.include_secrets, secret=attribute in SECRET_ATTRIBUTES)
        self._leg(ctx, "QueryContextAttributes", data, self.source.cut(start))
        return status

    def _leg(self, ctx: _CtxRec, call: str, data: dict[str, Any], draws: Draws) -> None:
        ctx.legs.append(Leg(self._count, ctx.side, call, data, draws))
        self._count += 1

    # the result -----------------------------------------------------------------------------------
    def vectors(self) -> list[Vector]:
        """The recorded exchanges: the n-th client context of a package paired with its n-th server."""
        clients = [c for c in self._order if c.side == "client"]
        servers = [c for c in self._order if c.side == "server"]
        pairs: list[tuple[_CtxRec | None, _CtxRec | None]] = []
        for c0 in clients:
            partner = next((s for s in servers if s.package == c0.package), None)
            if partner is not None:
                servers.remove(partner)
            pairs.append((c0, partner))
        pairs.extend((None, s) for s in servers)
        out = []
        for n, (c, s) in enumerate(pairs):
            members = [x for x in (c, s) if x is not None]
            legs = sorted((leg for x in members for leg in x.legs), key=lambda leg: leg.index)
            sides = {}
            for x in members:
                cred = x.cred
                assert cred is not None
                sides[x.side] = Side(x.side, cred.principal, cred.use, cred.auth_data,
                                     x.target, x.req, x.data_rep, cred.draws)
            renumbered = [Leg(i, leg.side, leg.call, leg.data, leg.entropy) for i, leg in enumerate(legs)]
            name = self.name if len(pairs) == 1 else f"{self.name}-{n + 1}"
            meta = dict(self.meta)
            meta.setdefault("secrets", "included" if self.include_secrets else "withheld")
            out.append(Vector(name, members[0].package, sides, renumbered, dict(self.environment), [], meta))
        return out

    def write(self, path: str | os.PathLike[str]) -> list[Vector]:
        """Write the recorded vectors to *path* (one vector, or a ``vectors`` list) and return them."""
        vectors = self.vectors()
        write(path, vectors)
        return vectors


def _recorded_environment(include_secrets: bool) -> dict[str, str]:
    """The SSPI_EMU_* settings packages read (secrets only when asked)."""
    return {k: v for k, v in os.environ.items()
            if k.startswith("SSPI_EMU_") and (include_secrets or not _is_secret_name(k))}


_active: contextvars.ContextVar[Recorder | None] = contextvars.ContextVar("sspi_emu_recorder", default=None)
_inside: contextvars.ContextVar[bool] = contextvars.ContextVar("sspi_emu_recorder_inside", default=False)


def _observe(name: str, call: Callable[..., SecurityStatus], args: tuple[Any, ...]) -> SecurityStatus:
    """The dispatcher's call observer while recording: outermost calls only (not a package's own)."""
    rec = _active.get()
    if rec is None or _inside.get():
        return call(*args)
    token = _inside.set(True)
    try:
        return rec.call(name, call, args)
    finally:
        _inside.reset(token)


#: Host-dependent settings fixed while recording (unless already set), so vectors replay on any host.
PINNED_ENVIRONMENT = {"SSPI_EMU_COMPUTER_NAME": "SSPI-EMU"}


@contextlib.contextmanager
def recording(path: str | os.PathLike[str] | None = None, *, include_secrets: bool = False,
              name: str | None = None, refs: Mapping[int, object] | None = None,
              meta: Mapping[str, Any] | None = None) -> Iterator[Recorder]:
    """Record every C-shaped call made in the block (this thread / task) and write *path* at the end.

    Randomness and time are recorded through :mod:`sspi_emu.entropy` (wrapping whatever
    source is current, so recording a pinned exchange works). Calls must go through
    ``sspi_emu.api`` / ``sspi_emu`` / the Pythonic layer, looked up at call time.
    Secrets are written only with ``include_secrets=True``. Host-dependent settings
    (:data:`PINNED_ENVIRONMENT`, e.g. the NetBIOS computer name) are fixed for the block
    unless already set, and every ``SSPI_EMU_*`` variable is written to the vector.
    """
    pinned_env = {k: v for k, v in PINNED_ENVIRONMENT.items() if k not in os.environ}
    with _environment(pinned_env):
        rec = Recorder(include_secrets=include_secrets, refs=refs,
                       name=name or (Path(path).stem if path is not None else "recorded"), meta=meta)
        token = _active.set(rec)
        try:
            with dispatcher.observing(_observe), _entropy.pinned(rec.source):
                yield rec
        finally:
            _active.reset(token)
    if path is not None:
        rec.write(path)


# --- helpers for the command line ---------------------------------------------------------------------


def keep_side(vector: Vector, side: str) -> Vector:
    """The vector with only *side*'s set-up and legs (its inputs still carry the peer's tokens)."""
    legs = [leg for leg in vector.legs if leg.side == side]
    renumbered = [Leg(i, leg.side, leg.call, leg.data, leg.entropy) for i, leg in enumerate(legs)]
    sides = {k: v for k, v in vector.sides.items() if k == side}
    return dataclasses.replace(vector, sides=sides, legs=renumbered)


def drive(vector: Vector, side: str, auth_data: object) -> list[SecurityStatus]:
    """Run *side* live (fresh entropy, *auth_data*) on the inputs recorded in *vector*; no checks.

    Used to record one side against a recorded peer: wrap it in :func:`recording`.
    """
    spec = vector.sides.get(side)
    if spec is None:
        raise VectorError(f"{vector.name}: has no {side} side")
    st = _SideState(spec)
    statuses: list[SecurityStatus] = []
    status = api.AcquireCredentialsHandle(spec.principal, vector.package, spec.use, None, auth_data,
                                          None, None, st.cred, TimeStamp())
    if status != SecurityStatus.SEC_E_OK:
        raise VectorError(f"{vector.name}: AcquireCredentialsHandle returned {status.name}")
    try:
        with _environment(vector.environment):
            for leg in vector.legs:
                if leg.side == side:
                    status, _ = _call_leg(leg, st, vector)
                    statuses.append(status)
                    if status.is_error:
                        break
    finally:
        if st.started:
            api.DeleteSecurityContext(st.ctx)
        api.FreeCredentialsHandle(st.cred)
    return statuses


def write(path: str | os.PathLike[str], items: Sequence[Vector]) -> None:
    """Write vectors to *path*: one vector as an object, several as ``{"format", "vectors": [...]}``."""
    if len(items) == 1:
        data: Any = items[0].to_json()
    else:
        data = {"format": FORMAT, "vectors": [{k: v for k, v in x.to_json().items() if k != "format"}
                                              for x in items]}
    Path(path).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
