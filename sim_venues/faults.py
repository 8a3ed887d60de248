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
- ``"fill"``: a fill about to be reported to a session;
- ``"market"``: no order: a state of the market for every session alike over its window (until disarmed
  if it has no end; no count, probability or session), fired once when it takes effect (market_faults.py).

The kinds, their params and the scope each takes are fault_kinds.py's.

An armed fault that never fired and can no longer fire (disarmed, its window
over, probability 0) is listed by ``unfired``: a tester's set-up that did
nothing is reported, not silently kept.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Collection, Mapping

from .fault_kinds import (IMMEDIATE, KINDS, MARKET_KINDS, MARKET_OPS, POINTS, SESSION_KINDS, FaultError, Kind, Scope,
                          check_params, check_scope)

__all__ = ["IMMEDIATE", "KINDS", "MARKET_KINDS", "MARKET_OPS", "POINTS", "SESSION_KINDS", "Armed", "FaultError",
           "FaultPlan", "Kind", "Scope", "check_params", "check_scope"]

_MS = 1_000_000


@dataclass(frozen=True)
class Armed:
    """One firing: what the gateway is to do now. ``delay_ns`` is the drawn delay (delay_*) or after_ms
    (cancel_unsolicited), else 0; ``firing`` indexes ``FaultPlan.fired()`` (for ``note``)."""

    fault_id: str
    kind: str
    params: Mapping[str, Any]
    delay_ns: int = 0
    firing: int = 0


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
        check_scope(kind, symbol=scope.symbol, session=scope.session, count=scope.count,
                    probability=scope.probability)
        if kind in SESSION_KINDS and scope.count is None and scope.end_ns is None:
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
            elif KINDS[f.kind].point == "market":
                why = "its window ended before it took effect"
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

    def states(self, now: int) -> list[tuple[Armed, Scope]]:
        """The market states armed that can still be in effect at ``now`` or later (a window not yet open
        included), in the order armed; market_faults.py reads their windows."""
        if not self._points["market"]:
            return []
        return [(Armed(f.fault_id, f.kind, f.params), f.scope) for f in self._faults.values()
                if KINDS[f.kind].point == "market" and f.live(now)]

    def took_effect(self, fault_id: str, now: int, symbol: str, what: str) -> bool:
        """A market state in effect for the first time: its one firing (True), else nothing (False)."""
        f = self._faults[fault_id]
        if f.fired:
            return False
        f.fired = 1
        self._fired.append({"id": fault_id, "kind": f.kind, "time_ns": now, "point": "market", "session": "",
                            "symbol": symbol, "cl_ord_id": "", "what": what})
        return True

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
