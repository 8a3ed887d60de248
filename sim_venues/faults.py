"""Armed misbehaviour of a venue's order handling, for people testing their own FIX clients (issue 7).

Sans-IO: no clock, no I/O. ``now`` (integer ns) is passed in; the only
randomness (a probability's coin, a distributed delay) comes from the plan's
own ``random.Random(seed)``, drawn in a fixed order (the armed faults in the
order they were armed, at each call), so the same calls with the same seed
give the same firings.

A fault is armed with a kind, its params and a ``Scope``; the gateway asks
``match`` at three points of an order's life and does what the returned
``Armed`` says:

- ``"new"``: a NewOrderSingle the venue would take (known symbol, valid terms);
- ``"cancel"``: an OrderCancelRequest for a live order;
- ``"fill"``: a fill about to be reported to a session.

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
reject_cancel       cancel reason: CxlRejReason (102), default 0 too late to cancel; text
==================  =====  ====================================================================

Immediate operations (``IMMEDIATE``), checked by ``check_params`` and carried
out by the gateway at once: ``bust {exec_id}``, ``correct {exec_id, qty?,
price?}``, ``halt {symbol}``, ``resume {symbol}``, ``drop_connection {session?}``.

Session faults (``SESSION_KINDS``: skip_seqnum, resend_possdup, stale_sending_time,
stop_heartbeats, garbled at point ``"send"``, a message the venue is about to send
a logged-on session; refuse_logon at ``"logon"``) are made to happen by
session_faults.py, which describes them. Their scope takes no symbol, and with
neither a count nor an end a session fault fires once (its params say how much
one firing does), not at every message.

An armed fault that never fired and can no longer fire (disarmed, its window
over, probability 0) is listed by ``unfired``: a tester's set-up that did
nothing is reported, not silently kept.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable, Collection, Mapping

__all__ = ["IMMEDIATE", "KINDS", "POINTS", "SESSION_KINDS", "Armed", "FaultError", "FaultPlan", "Kind", "Scope",
           "check_params"]

POINTS = ("new", "cancel", "fill", "send", "logon")
_SESSION_POINTS = ("send", "logon")
_ORD_REJ = frozenset({*range(0, 12), 13, 14, 15, 99})  # OrdRejReason (103) values in FIX 4.4 (no 12)
_CXL_REJ = frozenset({*range(0, 7), 99})  # CxlRejReason (102)
_RESTATE = frozenset({*range(0, 11), 99})  # ExecRestatementReason (378)
_MS = 1_000_000


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


@dataclass(frozen=True)
class Armed:
    """One firing: what the gateway is to do now. ``delay_ns`` is the drawn delay (delay_*) or after_ms
    (cancel_unsolicited), else 0; ``firing`` indexes ``FaultPlan.fired()`` (for ``note``)."""

    fault_id: str
    kind: str
    params: Mapping[str, Any]
    delay_ns: int = 0
    firing: int = 0


# -- params -------------------------------------------------------------------------------------------------

def _err(kind: str, key: str, what: str) -> FaultError:
    return FaultError(f"{kind}: params.{key}: {what}")


def _only(kind: str, p: dict[str, Any], allowed: Collection[str]) -> None:
    for key in p:
        if key not in allowed:
            raise _err(kind, key, f"unknown param (allowed: {', '.join(allowed) or 'none'})")


def _int(kind: str, p: dict[str, Any], key: str, default: int | None, codes: Collection[int] | None = None,
         low: int | None = None) -> int | None:
    v = p.get(key, default)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int):
        raise _err(kind, key, f"must be an integer, not {v!r}")
    if codes is not None and v not in codes:
        raise _err(kind, key, f"{v} is not a FIX 4.4 code here ({', '.join(map(str, sorted(codes)))})")
    if low is not None and v < low:
        raise _err(kind, key, f"must be at least {low}, not {v}")
    return v


def _num(kind: str, p: dict[str, Any], key: str, default: float | None = None) -> float:
    v = p.get(key, default)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _err(kind, key, "is required" if v is None else f"must be a number, not {v!r}")
    if v < 0:
        raise _err(kind, key, f"must not be negative, not {v}")
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
    if not isinstance(s, list) or not s or any(isinstance(q, bool) or not isinstance(q, int) or q < 1 for q in s):
        raise _err(k, "slices", f"must be a non-empty list of positive integers, not {s!r}")
    return {"slices": list(s)}


def _worse_price(k: str, p: dict[str, Any]) -> dict[str, Any]:
    _only(k, p, ("ticks",))
    if "ticks" not in p:
        raise _err(k, "ticks", "is required")
    return {"ticks": _int(k, p, "ticks", None, low=1)}


def _delay(k: str, p: dict[str, Any]) -> dict[str, Any]:
    dist = p.get("dist")
    if dist is None:
        _only(k, p, ("ms",))
        return {"ms": _num(k, p, "ms")}
    if dist == "uniform":
        _only(k, p, ("dist", "low_ms", "high_ms"))
        low, high = _num(k, p, "low_ms"), _num(k, p, "high_ms")
        if high < low:
            raise _err(k, "high_ms", f"{high} is below low_ms {low}")
        return {"dist": dist, "low_ms": low, "high_ms": high}
    if dist == "exponential":
        _only(k, p, ("dist", "mean_ms"))
        mean = _num(k, p, "mean_ms")
        if mean <= 0:
            raise _err(k, "mean_ms", "must be positive")
        return {"dist": dist, "mean_ms": mean}
    raise _err(k, "dist", f"{dist!r} is not uniform or exponential (or leave it out and give ms)")


def _cancel_unsolicited(k: str, p: dict[str, Any]) -> dict[str, Any]:
    _only(k, p, ("after_ms", "text", "reason"))
    return {"after_ms": _num(k, p, "after_ms", 0.0), "reason": _int(k, p, "reason", 8, _RESTATE),
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


def _symbol(k: str, p: dict[str, Any]) -> dict[str, Any]:
    _only(k, p, ("symbol",))
    v = p.get("symbol")
    if not isinstance(v, str) or not v:
        raise _err(k, "symbol", "is required")
    return {"symbol": v}


def _count(k: str, p: dict[str, Any], extra: Collection[str] = ()) -> dict[str, Any]:
    _only(k, p, ("count", *extra))
    return {"count": _int(k, p, "count", 1, low=1)}


def _seconds(k: str, p: dict[str, Any], default: float) -> dict[str, Any]:
    _only(k, p, ("seconds",))
    if (v := _num(k, p, "seconds", default)) == 0:
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
)}
IMMEDIATE = tuple(k for k, v in KINDS.items() if v.point is None)
SESSION_KINDS = tuple(k for k, v in KINDS.items() if v.point in _SESSION_POINTS)


def check_params(kind: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """``params`` checked and completed with their defaults; ``FaultError`` names the first bad one."""
    spec = KINDS.get(kind)
    if spec is None:
        raise FaultError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    if params is not None and not isinstance(params, Mapping):
        raise FaultError(f"{kind}: params: must be a mapping, not {params!r}")
    return spec.check(kind, dict(params or {}))


# -- the plan -----------------------------------------------------------------------------------------------

@dataclass
class _Fault:
    fault_id: str
    kind: str
    params: dict[str, Any]
    scope: Scope
    armed_ns: int
    fired: int = 0
    disarmed_ns: int | None = None
    reasons: list[str] = field(default_factory=list)

    def left(self) -> int | None:
        return None if self.scope.count is None else self.scope.count - self.fired

    def live(self, now: int) -> bool:
        """Can still fire at ``now`` or later."""
        s = self.scope
        return (self.disarmed_ns is None and (s.count is None or self.fired < s.count)
                and (s.end_ns is None or now < s.end_ns) and s.probability > 0)

    def applies(self, symbol: str, session: str, now: int) -> bool:
        s = self.scope
        return ((s.symbol is None or s.symbol == symbol) and (s.session is None or s.session == session)
                and (s.start_ns is None or now >= s.start_ns) and self.live(now))

    def view(self) -> dict[str, Any]:
        return {"id": self.fault_id, "kind": self.kind, "params": dict(self.params), "scope": asdict(self.scope),
                "armed_ns": self.armed_ns, "fired": self.fired, "left": self.left()}


class FaultPlan:
    """The faults armed at one venue and every firing, repeatable from ``seed``.

    ``symbols``, if given, are the venue's: a scope naming another symbol is refused when armed.
    """

    def __init__(self, seed: int, symbols: Collection[str] | None = None):
        self.seed = seed
        self._rng = random.Random(seed)
        self._symbols = frozenset(symbols) if symbols is not None else None
        self._faults: dict[str, _Fault] = {}
        self._fired: list[dict[str, Any]] = []
        self._n = 0
        self._points: dict[str, int] = {p: 0 for p in POINTS}  # live faults per point: a cheap "nothing armed"
        self._expired: set[str] = set()

    def __bool__(self) -> bool:
        """True while anything is armed at any point (the gateway's fast path skips the plan otherwise)."""
        return any(self._points.values())

    def armed_at(self, point: str) -> bool:
        return self._points[point] > 0

    def arm(self, kind: str, params: Mapping[str, Any] | None, scope: Scope, now: int) -> str:
        spec = KINDS.get(kind)
        if spec is not None and spec.point is None:
            raise FaultError(f"kind: {kind} is an immediate operation ({', '.join(IMMEDIATE)}): it is carried "
                             "out at once, not armed")
        checked = check_params(kind, params)
        self._check_scope(scope)
        if kind in SESSION_KINDS:
            if scope.symbol is not None:
                raise FaultError(f"scope.symbol: {kind} is a session fault: scope it by session, not by symbol")
            if scope.count is None and scope.end_ns is None:
                scope = replace(scope, count=1)  # "skip 3 numbers" means once, not at every message
        self._n += 1
        fid = f"F{self._n}"
        self._faults[fid] = _Fault(fid, kind, checked, scope, now)
        self._recount(now)
        return fid

    def _recount(self, now: int) -> None:
        self._points = {p: 0 for p in POINTS}
        for f in self._faults.values():
            if f.live(now):
                self._points[KINDS[f.kind].point or ""] += 1

    def _check_scope(self, s: Scope) -> None:
        if s.symbol is not None and self._symbols is not None and s.symbol not in self._symbols:
            raise FaultError(f"scope.symbol: {s.symbol!r} is not traded here ({', '.join(sorted(self._symbols))})")
        if s.count is not None and (isinstance(s.count, bool) or not isinstance(s.count, int) or s.count < 1):
            raise FaultError(f"scope.count: must be a positive integer, not {s.count!r}")
        if not isinstance(s.probability, (int, float)) or not 0 <= s.probability <= 1:
            raise FaultError(f"scope.probability: must be between 0 and 1, not {s.probability!r}")
        if s.start_ns is not None and s.end_ns is not None and s.end_ns <= s.start_ns:
            raise FaultError(f"scope.end_ns: {s.end_ns} is not after start_ns {s.start_ns}")

    def disarm(self, fault_id: str, now: int) -> bool:
        """False if there is no such fault or it could no longer fire anyway."""
        f = self._faults.get(fault_id)
        if f is None or not f.live(now):
            return False
        f.disarmed_ns = now
        self._recount(now)
        return True

    def armed(self, now: int) -> list[dict[str, Any]]:
        """The faults that can still fire (a window not yet open included), in the order they were armed."""
        return [f.view() for f in self._faults.values() if f.live(now)]

    def fired(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._fired]

    def unfired(self, now: int) -> list[dict[str, Any]]:
        """Armed faults that never fired and never will, each with ``why``."""
        out = []
        for f in self._faults.values():
            if f.fired or f.live(now):
                continue
            if f.disarmed_ns is not None:
                why = "disarmed before it fired"
            elif f.scope.probability <= 0:
                why = "probability 0: it can never fire"
            else:
                why = "its window ended before anything matched"
            out.append({**f.view(), "why": why})
        return out

    def pending(self, now: int) -> list[dict[str, Any]]:
        """Faults still armed that have not fired yet: at a venue's stop, with ``unfired``, what was set up
        and did nothing."""
        return [f.view() for f in self._faults.values() if not f.fired and f.live(now)]

    def match(self, point: str, *, symbol: str, session: str, now: int, cl_ord_id: str = "",
              kinds: Collection[str] | None = None) -> Armed | None:
        """The first armed fault (in the order armed) for this point, symbol and session at ``now`` that
        passes its probability, or None. It consumes one of its count and is recorded as fired. ``kinds``
        narrows the search (the gateway asks for reject before no_fill before delay_ack at "new")."""
        if not self._points.get(point):
            return None
        for f in self._faults.values():
            if KINDS[f.kind].point != point or (kinds is not None and f.kind not in kinds):
                continue
            if not f.applies(symbol, session, now):
                continue
            p = f.scope.probability
            if p < 1 and self._rng.random() >= p:
                continue
            f.fired += 1
            if not f.live(now):
                self._recount(now)
            delay = self._delay_ns(f)
            self._fired.append({"id": f.fault_id, "kind": f.kind, "time_ns": now, "point": point,
                                "session": session, "symbol": symbol, "cl_ord_id": cl_ord_id,
                                "what": _describe(f.kind, f.params, delay)})
            return Armed(f.fault_id, f.kind, f.params, delay, len(self._fired) - 1)
        return None

    def expire(self, now: int) -> list[dict[str, Any]]:
        """Faults whose window closed by ``now`` since the last call: drop them from the fast path's counts
        and return them (the never-fired among them are for the event log)."""
        out = []
        for f in self._faults.values():
            end = f.scope.end_ns
            if f.disarmed_ns is None and end is not None and now >= end and f.fault_id not in self._expired:
                self._expired.add(f.fault_id)
                out.append(f.view())
        if out:
            self._recount(now)
        return out

    def note(self, armed: Armed, what: str) -> None:
        """Say more precisely what a firing did (the gateway knows, the plan only what it was asked)."""
        self._fired[armed.firing]["what"] = what

    def record(self, kind: str, params: Mapping[str, Any], now: int, *, session: str = "", symbol: str = "",
               cl_ord_id: str = "", what: str = "") -> str:
        """An immediate operation carried out: it gets an id and a place among the firings."""
        self._n += 1
        fid = f"F{self._n}"
        self._fired.append({"id": fid, "kind": kind, "time_ns": now, "point": "immediate", "session": session,
                            "symbol": symbol, "cl_ord_id": cl_ord_id, "what": what or _describe(kind, params, 0)})
        return fid

    def _delay_ns(self, f: _Fault) -> int:
        p = f.params
        if f.kind == "cancel_unsolicited":
            return int(p["after_ms"] * _MS)
        if f.kind not in ("delay_ack", "delay_fills"):
            return 0
        dist = p.get("dist")
        if dist == "uniform":
            ms = self._rng.uniform(p["low_ms"], p["high_ms"])
        elif dist == "exponential":
            ms = self._rng.expovariate(1.0 / p["mean_ms"])
        else:
            ms = p["ms"]
        return int(ms * _MS)



def _describe(kind: str, p: Mapping[str, Any], delay_ns: int) -> str:
    ms = f"{delay_ns / _MS:g} ms"
    return {
        "reject": lambda: f"rejected (OrdRejReason {p.get('reason')}): {p.get('text')}",
        "no_fill": lambda: "acknowledged, kept off the book: it will never fill",
        "partial_fill": lambda: f"filled in part ({p.get('ratio') or p.get('slices')}), the rest never fills",
        "worse_price": lambda: f"filled {p.get('ticks')} tick(s) worse than the book",
        "delay_ack": lambda: f"acknowledgement held back {ms}",
        "delay_fills": lambda: f"fill held back {ms}",
        "cancel_unsolicited": lambda: f"to be canceled by the venue after {ms}",
        "reject_cancel": lambda: f"cancel rejected (CxlRejReason {p.get('reason')}): {p.get('text')}",
    }.get(kind, lambda: f"{kind} {dict(p)}")()
