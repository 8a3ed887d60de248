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
from typing import Any, Callable, Union, get_args, get_origin, get_type_hints

from ..domain.commands import CancelOrder, NewOrder, ReplaceOrder
from . import oms_types as t

__all__ = ["decode_command", "encode", "encode_command"]

_TYPES: dict[str, type] = {c.__name__: c for c in (
    t.ClientNew, t.ClientCancel, t.ClientReplace, t.ClientStatus, t.ClientMassCancel, t.ClientMassStatus,
    t.ClientDontKnow, t.VenueExec, t.VenueCancelReject, t.VenueUp, t.VenueDown, t.Kill, t.Revive, t.NewDay, t.Mark,
    t.AlgoTick, t.SetLimits, t.SetRouting, t.SetVenueRules, t.SetAlgoDefaults,
    NewOrder, CancelOrder, ReplaceOrder)}


def encode(value: Any) -> Any:
    """Any value of a command or report as JSON data."""
    enc = _ENCODERS.get(type(value))
    if enc is None:
        enc = _ENCODERS[type(value)] = _encoder_for(type(value))
    return enc(value)


def _same(value: Any) -> Any:
    return value


def _encoder_for(tp: type) -> Callable[[Any], Any]:
    """One function per type, found once: the journal encodes every command on the hot path."""
    if dataclasses.is_dataclass(tp):
        name = tp.__name__
        names = [f.name for f in dataclasses.fields(tp)]

        def enc_dataclass(value: Any) -> dict[str, Any]:
            out: dict[str, Any] = {"type": name}
            for n in names:
                v = getattr(value, n)
                e = _ENCODERS.get(type(v))
                out[n] = e(v) if e is not None else encode(v)
            return out
        return enc_dataclass
    if issubclass(tp, Enum):
        return lambda value: value.value
    if issubclass(tp, Decimal):
        return str
    if issubclass(tp, (list, tuple)):
        return lambda value: [encode(v) for v in value]
    if issubclass(tp, dict):
        return lambda value: {str(k): encode(v) for k, v in value.items()}
    return _same


_ENCODERS: dict[type, Callable[[Any], Any]] = {str: _same, int: _same, bool: _same, float: _same,
                                               type(None): _same, Decimal: str}


def encode_command(cmd: t.Command, now: int) -> dict[str, Any]:
    return {"now": now, "cmd": encode(cmd)}


def decode_command(body: dict[str, Any]) -> tuple[t.Command, int]:
    """The inverse of ``encode_command``."""
    cmd = _decode(_TYPES[body["cmd"]["type"]], body["cmd"])
    return cmd, int(body["now"])


def _decode(tp: Any, value: Any) -> Any:
    return _decoder_for(tp)(value)


def _decoder_for(tp: Any) -> Callable[[Any], Any]:
    """One function per field type, found once from the type hints: replay decodes every command."""
    dec = _DECODERS.get(tp)
    if dec is not None:
        return dec
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        (inner,) = [a for a in get_args(tp) if a is not type(None)]
        inner_dec = _decoder_for(inner)
        dec = inner_dec if inner_dec is _same else (lambda value: None if value is None else inner_dec(value))
    elif isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = get_type_hints(tp)
        fields = [(f.name, _decoder_for(hints[f.name])) for f in dataclasses.fields(tp)]
        cls = tp

        def dec(value: Any) -> Any:
            # A field missing from the record is one added since it was written: it takes its default.
            return cls(**{n: d(value[n]) for n, d in fields if n in value})
    elif tp is Decimal:
        dec = Decimal
    elif isinstance(tp, type) and issubclass(tp, Enum):
        dec = tp
    elif origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder_for(args[0])
            dec = tuple if item is _same else (lambda value: tuple(item(v) for v in value))
        elif args and any(_decoder_for(a) is not _same for a in args):
            items = [_decoder_for(a) for a in args]
            dec = lambda value: tuple(d(v) for d, v in zip(items, value))  # noqa: E731
        else:
            dec = tuple
    else:
        dec = _same
    _DECODERS[tp] = dec
    return dec


_DECODERS: dict[Any, Callable[[Any], Any]] = {}
