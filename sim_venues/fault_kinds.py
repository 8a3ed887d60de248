"""The kinds of fault a tester can arm at a venue or have it carry out, their params and the scope each takes.

Kinds armed (``KINDS``; each one's point is ``KINDS[kind].point``):

==================  =====  ====================================================================
kind                point  params
==================  =====  ====================================================================
reject              new    reason: OrdRejReason (103), default 0 broker option; text
no_fill             new    (none): acknowledged, never reaches the book, never fills; cancels,
                           replaces and status requests are honoured
partial_fill        new    ratio in (0, 1) or slices [int, ...]: that part is filled by the
                           venue, the rest rests at the venue, working, and never fills
worse_price         fill   ticks >= 1: the fill is reported that many ticks worse for the client
delay_ack           new    ms, or dist uniform {low_ms, high_ms} / exponential {mean_ms}
delay_fills         fill   as delay_ack
cancel_unsolicited  new    after_ms (default 0), text, reason: ExecRestatementReason (378),
                           default 8 market option
reject_cancel       cancel reason: CxlRejReason (102), default 0; text; refuses 35=F and 35=G
widen_spread        market ticks >= 1: every maker quote that much further from the mid on each side
thin_book           market ratio in (0, 1): maker quote sizes times ratio, down to lots, at least one
stale_quote         market (none): no market data increments for the symbol; caught up at the end
crossed_quote       market ticks >= 1 (default 1): a published bid that many ticks above the best offer
==================  =====  ====================================================================

Immediate operations (``IMMEDIATE``), checked by ``check_params`` and carried
out by the gateway at once: ``bust {exec_id}``, ``correct {exec_id, qty?,
price?}``, ``halt {symbol}``, ``resume {symbol}``, ``drop_connection {session?}``; and
the market's (``MARKET_OPS``, market_faults.py): ``fair_value {symbol, bps, over_s?}``
(a step, or a trend over ``over_s``), ``volume_spike {symbol, qty, over_s, slices, side}``.

Session faults (``SESSION_KINDS``: skip_seqnum, resend_possdup, stale_sending_time,
stop_heartbeats, garbled at point ``"send"``, a message the venue is about to send
a logged-on session; refuse_logon at ``"logon"``) are made to happen by
session_faults.py, which describes them. Their scope takes no symbol, and with
neither a count nor an end a session fault fires once (its params say how much
one firing does), not at every message.

Every check raises ``FaultError`` with a message naming the key:
``reject: params.reason: 12 is not a FIX 4.4 code here (...)``,
``scope.count: stale_quote is a market state ...``. The plan (faults.py), the
venues' config (config.py) and scenario files (scenario_timeline.py) all use
these checks, so a fault refused by one is refused by every way in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Collection, Mapping

__all__ = ["IMMEDIATE", "KINDS", "MARKET_KINDS", "MARKET_OPS", "POINTS", "SESSION_KINDS", "FaultError", "Kind",
           "Scope", "check_params", "check_scope"]

POINTS = ("new", "cancel", "fill", "send", "logon", "market")
_SESSION_POINTS = ("send", "logon")
_ORD_REJ = frozenset({*range(0, 12), 13, 14, 15, 99})  # OrdRejReason (103) values in FIX 4.4 (no 12)
_CXL_REJ = frozenset({*range(0, 7), 99})  # CxlRejReason (102)
_RESTATE = frozenset({*range(0, 11), 99})  # ExecRestatementReason (378)
# Bounds on what a tester may ask for, so that no value makes a venue build a huge list or overflow a time:
# a day for any delay or window, 10,000 slices, a million of anything counted.
_MAX_S = 86_400.0
_MAX_MS = _MAX_S * 1000
_MAX_SLICES = 10_000
_MAX_COUNT = 1_000_000


class FaultError(ValueError):
    """A fault the tester asked for cannot be armed or carried out; the message names the param."""


@dataclass(frozen=True)
class Scope:
    """Which orders a fault applies to; every field left None matches everything.

    ``session`` is the client's SenderCompID; ``count`` the next N matching
    orders or events; ``start_ns``/``end_ns`` a window [start, end) in the
    venue's clock; ``probability`` the chance each matching one is hit.
    """

    symbol: str | None = None
    session: str | None = None
    count: int | None = None
    start_ns: int | None = None
    end_ns: int | None = None
    probability: float = 1.0


@dataclass(frozen=True)
class Kind:
    name: str
    point: str | None  # None: an immediate operation
    params: str  # what a tester may pass, for error messages and the control API's listing
    check: Callable[[str, dict[str, Any]], dict[str, Any]]


# -- params -------------------------------------------------------------------------------------------------

def _err(kind: str, key: str, what: str) -> FaultError:
    return FaultError(f"{kind}: params.{key}: {what}")


def _only(kind: str, p: dict[str, Any], allowed: Collection[str]) -> None:
    for key in p:
        if key not in allowed:
            raise _err(kind, key, f"unknown param (allowed: {', '.join(allowed) or 'none'})")


def _int(kind: str, p: dict[str, Any], key: str, default: int | None, codes: Collection[int] | None = None,
         low: int | None = None, high: int | None = None) -> int | None:
    v = p.get(key, default)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int):
        raise _err(kind, key, f"must be an integer, not {v!r}")
    if codes is not None and v not in codes:
        raise _err(kind, key, f"{v} is not a FIX 4.4 code here ({', '.join(map(str, sorted(codes)))})")
    if low is not None and v < low:
        raise _err(kind, key, f"must be at least {low}, not {v}")
    if high is not None and v > high:
        raise _err(kind, key, f"must be at most {high:,}, not {v:,}")
    return v


def _num(kind: str, p: dict[str, Any], key: str, default: float | None = None, high: float | None = None) -> float:
    v = p.get(key, default)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise _err(kind, key, "is required" if v is None else f"must be a number, not {v!r}")
    if v < 0:
        raise _err(kind, key, f"must not be negative, not {v}")
    if high is not None and v > high:
        raise _err(kind, key, f"must be at most {high:g}, not {v:g}")
    return float(v)


def _text(kind: str, p: dict[str, Any], default: str) -> str:
    v = p.get("text", default)
    if not isinstance(v, str):
        raise _err(kind, "text", f"must be a string, not {v!r}")
    return v


def _reject(k: str, p: dict[str, Any]) -> dict[str, Any]:
    _only(k, p, ("reason", "text"))
    return {"reason": _int(k, p, "reason", 0, _ORD_REJ), "text": _text(k, p, "simulated fault: order rejected")}


def _no_fill(k: str, p: dict[str, Any]) -> dict[str, Any]:
    _only(k, p, ())
    return {}


def _partial_fill(k: str, p: dict[str, Any]) -> dict[str, Any]:
    _only(k, p, ("ratio", "slices"))
    if ("ratio" in p) == ("slices" in p):
        raise _err(k, "ratio", "give either ratio or slices, not both or neither")
    if "ratio" in p:
        r = _num(k, p, "ratio")
        if not 0 < r < 1:
            raise _err(k, "ratio", f"must be between 0 and 1 exclusive, not {r}")
        return {"ratio": r}
    s = p["slices"]
    if isinstance(s, list) and len(s) > _MAX_SLICES:
        raise _err(k, "slices", f"must be at most {_MAX_SLICES:,} slices, not {len(s):,}")
    if not isinstance(s, list) or not s or any(isinstance(q, bool) or not isinstance(q, int) or q < 1 for q in s):
        raise _err(k, "slices", f"must be a non-empty list of positive integers, not {s!r}")
    return {"slices": list(s)}


def _worse_price(k: str, p: dict[str, Any]) -> dict[str, Any]:
    _only(k, p, ("ticks",))
    if "ticks" not in p:
        raise _err(k, "ticks", "is required")
    return {"ticks": _int(k, p, "ticks", None, low=1, high=_MAX_COUNT)}


def _delay(k: str, p: dict[str, Any]) -> dict[str, Any]:
    dist = p.get("dist")
    if dist is None:
        _only(k, p, ("ms",))
        return {"ms": _num(k, p, "ms", high=_MAX_MS)}
    if dist == "uniform":
        _only(k, p, ("dist", "low_ms", "high_ms"))
        low, high = _num(k, p, "low_ms", high=_MAX_MS), _num(k, p, "high_ms", high=_MAX_MS)
        if high < low:
            raise _err(k, "high_ms", f"{high} is below low_ms {low}")
        return {"dist": dist, "low_ms": low, "high_ms": high}
    if dist == "exponential":
        _only(k, p, ("dist", "mean_ms"))
        mean = _num(k, p, "mean_ms", high=_MAX_MS)
        if mean <= 0:
            raise _err(k, "mean_ms", "must be positive")
        return {"dist": dist, "mean_ms": mean}
    raise _err(k, "dist", f"{dist!r} is not uniform or exponential (or leave it out and give ms)")


def _cancel_unsolicited(k: str, p: dict[str, Any]) -> dict[str, Any]:
    _only(k, p, ("after_ms", "text", "reason"))
    return {"after_ms": _num(k, p, "after_ms", 0.0, _MAX_MS), "reason": _int(k, p, "reason", 8, _RESTATE),
            "text": _text(k, p, "simulated fault: canceled by the venue")}


def _reject_cancel(k: str, p: dict[str, Any]) -> dict[str, Any]:
    _only(k, p, ("reason", "text"))
    return {"reason": _int(k, p, "reason", 0, _CXL_REJ), "text": _text(k, p, "simulated fault: cancel rejected")}


def _exec_ref(k: str, p: dict[str, Any]) -> str:
    v = p.get("exec_id")
    if not isinstance(v, str) or not v:
        raise _err(k, "exec_id", "is required: the ExecID (17) of the trade")
    return v


def _bust(k: str, p: dict[str, Any]) -> dict[str, Any]:
    _only(k, p, ("exec_id",))
    return {"exec_id": _exec_ref(k, p)}


def _correct(k: str, p: dict[str, Any]) -> dict[str, Any]:
    _only(k, p, ("exec_id", "qty", "price"))
    out: dict[str, Any] = {"exec_id": _exec_ref(k, p), "qty": _int(k, p, "qty", None, low=1)}
    price = p.get("price")
    if price is not None and not isinstance(price, (str, int, float)) or isinstance(price, bool):
        raise _err(k, "price", f"must be a price like \"190.01\", not {price!r}")
    out["price"] = None if price is None else str(price)
    if out["qty"] is None and out["price"] is None:
        raise _err(k, "qty", "give qty, price or both (a correction to nothing is a bust)")
    return out


def _sym(k: str, p: dict[str, Any]) -> str:
    v = p.get("symbol")
    if not isinstance(v, str) or not v:
        raise _err(k, "symbol", "is required")
    return v


def _symbol(k: str, p: dict[str, Any]) -> dict[str, Any]:
    _only(k, p, ("symbol",))
    return {"symbol": _sym(k, p)}


def _fair_value(k: str, p: dict[str, Any]) -> dict[str, Any]:
    _only(k, p, ("symbol", "bps", "over_s"))
    bps = p.get("bps")
    if isinstance(bps, bool) or not isinstance(bps, (int, float)) or not math.isfinite(bps):
        raise _err(k, "bps", "is required" if bps is None else f"must be a number, not {bps!r}")
    if bps <= -10_000 or bps == 0:
        raise _err(k, "bps", f"must be nonzero and above -10000 (fair value stays positive), not {bps}")
    over = p.get("over_s")
    if over is not None and _num(k, p, "over_s", high=_MAX_S) == 0:
        raise _err(k, "over_s", "must be above 0 (leave it out for a step at once)")
    return {"symbol": _sym(k, p), "bps": float(bps), "over_s": None if over is None else float(over)}


def _volume_spike(k: str, p: dict[str, Any]) -> dict[str, Any]:
    _only(k, p, ("symbol", "qty", "over_s", "slices", "side"))
    if "qty" not in p:
        raise _err(k, "qty", "is required (shares, whole lots)")
    side = p.get("side", "both")
    if side not in ("buy", "sell", "both"):
        raise _err(k, "side", f"{side!r} is not buy, sell or both")
    return {"symbol": _sym(k, p), "qty": _int(k, p, "qty", None, low=1), "over_s": _num(k, p, "over_s", 10.0, _MAX_S),
            "slices": _int(k, p, "slices", 10, low=1, high=_MAX_SLICES), "side": side}


def _thin_book(k: str, p: dict[str, Any]) -> dict[str, Any]:
    _only(k, p, ("ratio",))
    if not 0 < (r := _num(k, p, "ratio")) < 1:
        raise _err(k, "ratio", f"must be between 0 and 1 exclusive, not {r}")
    return {"ratio": r}


def _count(k: str, p: dict[str, Any], extra: Collection[str] = (), key: str = "count") -> dict[str, Any]:
    _only(k, p, (key, *extra))
    return {key: _int(k, p, key, 1, low=1, high=_MAX_COUNT)}


def _seconds(k: str, p: dict[str, Any], default: float) -> dict[str, Any]:
    _only(k, p, ("seconds",))
    if (v := _num(k, p, "seconds", default, _MAX_S)) == 0:
        raise _err(k, "seconds", "must be above 0")
    return {"seconds": v}


def _garbled(k: str, p: dict[str, Any]) -> dict[str, Any]:
    how = p.get("how", "checksum")
    if how not in ("checksum", "body_length"):
        raise _err(k, "how", f"{how!r} is not checksum or body_length")
    return {**_count(k, p, ("how",)), "how": how}


def _drop(k: str, p: dict[str, Any]) -> dict[str, Any]:
    _only(k, p, ("session",))
    v = p.get("session")
    if v is not None and (not isinstance(v, str) or not v):
        raise _err(k, "session", f"must be a SenderCompID, not {v!r} (leave it out for every session)")
    return {"session": v}


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("reject", "new", "reason: OrdRejReason (103, default 0), text", _reject),
    Kind("no_fill", "new", "none", _no_fill),
    Kind("partial_fill", "new", "ratio in (0,1) or slices: [int, ...]", _partial_fill),
    Kind("worse_price", "fill", "ticks: int >= 1", _worse_price),
    Kind("delay_ack", "new", "ms, or dist: uniform with low_ms, high_ms / exponential with mean_ms", _delay),
    Kind("delay_fills", "fill", "ms, or dist: uniform with low_ms, high_ms / exponential with mean_ms", _delay),
    Kind("cancel_unsolicited", "new", "after_ms (default 0), text, reason: ExecRestatementReason (378, default 8)",
         _cancel_unsolicited),
    Kind("reject_cancel", "cancel", "reason: CxlRejReason (102, default 0), text", _reject_cancel),
    Kind("bust", None, "exec_id", _bust),
    Kind("correct", None, "exec_id, qty and/or price", _correct),
    Kind("halt", None, "symbol", _symbol),
    Kind("resume", None, "symbol", _symbol),
    Kind("skip_seqnum", "send", "count: MsgSeqNums skipped (default 1)", _count),
    Kind("resend_possdup", "send", "count: last application messages resent with 43=Y (default 1)", _count),
    Kind("stale_sending_time", "send", "seconds: SendingTime this far in the past (default 300)",
         lambda k, p: _seconds(k, p, 300.0)),
    Kind("stop_heartbeats", "send", "seconds: no Heartbeats this long (default 60)",
         lambda k, p: _seconds(k, p, 60.0)),
    Kind("garbled", "send", "count: messages sent broken (default 1), how: checksum or body_length", _garbled),
    Kind("refuse_logon", "logon", "count: Logons refused (default 1), text",
         lambda k, p: {**_count(k, p, ("text",)), "text": _text(k, p, "simulated fault: logon refused")}),
    Kind("drop_connection", None, "session (default every session)", _drop),
    Kind("fair_value", None, "symbol, bps (nonzero, > -10000), over_s (a trend; none: a step)", _fair_value),
    Kind("volume_spike", None, "symbol, qty (whole lots), over_s (default 10), slices (default 10), "
         "side: buy, sell or both (default, alternating)", _volume_spike),
    Kind("widen_spread", "market", "ticks: int >= 1, added to each side of every maker quote", _worse_price),
    Kind("thin_book", "market", "ratio in (0,1): maker quote sizes scaled down, at least a lot", _thin_book),
    Kind("stale_quote", "market", "none: market data stops for the window, then catches up", _no_fill),
    Kind("crossed_quote", "market", "ticks: a published bid this far above the best offer (default 1)",
         lambda k, p: _count(k, p, (), "ticks")),
)}
IMMEDIATE = tuple(k for k, v in KINDS.items() if v.point is None)
SESSION_KINDS = tuple(k for k, v in KINDS.items() if v.point in _SESSION_POINTS)
MARKET_KINDS = tuple(k for k, v in KINDS.items() if v.point == "market")
MARKET_OPS = ("fair_value", "volume_spike")


def check_params(kind: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """``params`` checked and completed with their defaults; ``FaultError`` names the first bad one."""
    spec = KINDS.get(kind)
    if spec is None:
        raise FaultError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    if params is not None and not isinstance(params, Mapping):
        raise FaultError(f"{kind}: params: must be a mapping, not {params!r}")
    return spec.check(kind, dict(params or {}))


def check_scope(kind: str, *, symbol: str | None = None, session: str | None = None, count: int | None = None,
                probability: float = 1.0) -> None:
    """What ``kind``'s scope may not say: a session fault takes no symbol; a market state is the same for every
    session over its window, so it takes no count, probability or session."""
    point = KINDS[kind].point if kind in KINDS else None
    if point in _SESSION_POINTS and symbol is not None:
        raise FaultError(f"scope.symbol: {kind} is a session fault: scope it by session, not by symbol")
    if point == "market":
        for key, given in (("count", count is not None), ("probability", probability < 1),
                           ("session", session is not None)):
            if given:
                raise FaultError(f"scope.{key}: {kind} is a market state, the same for every session over its "
                                 "window (or until disarmed): it takes no count, probability or session")
