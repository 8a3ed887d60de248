"""Commands as JSON-serialisable dicts and back, so the journal can replay them.

``handle`` is deterministic given the same commands and ``now``s, so the
journaled ``(command, now)`` pairs rebuild the whole core (orders, children,
risk). Encoding: a dataclass becomes ``{"type": name, field: value, ...}``,
Decimal a string, an enum its FIX code; decoding reads the field types back.
"""

from __future__ import annotations

import dataclasses
import types
from decimal import Decimal
from enum import Enum
from typing import Any, Union, get_args, get_origin, get_type_hints

from ..domain.commands import CancelOrder, NewOrder, ReplaceOrder
from . import oms_types as t

__all__ = ["decode_command", "encode", "encode_command"]

_TYPES: dict[str, type] = {c.__name__: c for c in (
    t.ClientNew, t.ClientCancel, t.ClientReplace, t.ClientStatus, t.ClientMassCancel, t.VenueExec,
    t.VenueCancelReject, t.VenueUp, t.VenueDown, t.Kill, t.Revive, t.NewDay, NewOrder, CancelOrder, ReplaceOrder)}
_HINTS: dict[type, dict[str, Any]] = {}


def encode(value: Any) -> Any:
    """Any value of a command or report as JSON data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"type": type(value).__name__,
                **{f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    return value


def encode_command(cmd: t.Command, now: int) -> dict[str, Any]:
    return {"now": now, "cmd": encode(cmd)}


def decode_command(body: dict[str, Any]) -> tuple[t.Command, int]:
    """The inverse of ``encode_command``."""
    cmd = _decode(_TYPES[body["cmd"]["type"]], body["cmd"])
    return cmd, int(body["now"])


def _decode(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        (inner,) = [a for a in get_args(tp) if a is not type(None)]
        return _decode(inner, value)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = _HINTS.get(tp)
        if hints is None:
            hints = _HINTS[tp] = get_type_hints(tp)
        return tp(**{f.name: _decode(hints[f.name], value[f.name]) for f in dataclasses.fields(tp)})
    if tp is Decimal:
        return Decimal(value)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(value)
    if origin is tuple:
        return tuple(value)
    return value
