"""Algo parents in the OMS core: the algo is built when its parent is accepted, ticked, and its
decisions turned into children.

An algo parent (``ClientNew.algo``) is accepted like any other (rules, then risk
on its whole quantity) but nothing is routed at once: the core asks for a timer
(``ToAlgoTimer``) at the parent's start and the runtime answers with an
``AlgoTick`` carrying the market as its book shows it. The algo is called on
each tick and each time one of its children ends, then with the market it
last saw (algos/base.py has the contract). Each report of the parent carries
the algo's TargetStrategyPerformance (850), asked for as the report goes out.

What the core enforces whatever the algo asks (algos/base.py):

* never over-fill: a placement is cut to the leaves minus what live children
  could still fill, canceling ones included, since a child can fill while its
  cancel is on the way;
* prices within the parent's limit (a buy never above it, a sell never below);
* nothing is placed or re-priced while the client's cancel or replace, or an
  unsolicited end (kill switch, mass cancel, trading day), is being worked;
* the market volume an algo sees excludes the OMS's own fills in the symbol,
  so a POV does not chase its own prints.

An algo is held to ``MAX_CHILDREN_PER_S`` child orders a second: one that
asks for more (a bug, or a loop against a quote that is not there) waits for
the second to pass, and the event log says so, rather than flood a venue.

A finished algo (its end time reached) with leaves and no live child expires
the parent (ExecType C) with a Text saying so. Three children in a row
rejected at venues, with no fill between, end the parent as any venue reject
would: a venue that refuses everything is not retried for ever.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..domain.enums import OrdType, Side
from ..domain.reports import Report
from ..domain.transitions import Phase
from . import oms_routing  # a cycle: oms_routing hands algo parents back to step()
from .algos import AlgoError, build
from .algos.base import Algo, AlgoSpec, ChildView, Market, Order, Progress
from .oms_types import AlgoTick, Journal, ToAlgoTimer
from .router import RouteRefusal, Slice

if TYPE_CHECKING:
    from .oms import Oms
    from .oms_children import Parent

__all__ = ["AlgoState", "algo_tick", "begin", "figure_now", "on_child_done", "performance", "progress", "start_algo",
           "step", "working"]

_MAX_REJECTS = 3
MAX_CHILDREN_PER_S = 50
_IDLE_NS = 1_000_000_000
_SECOND = 1_000_000_000
_WORKING = frozenset({Phase.OPEN, Phase.OVERNIGHT})
_NO_MARKET = Market(stale="no market data yet")


@dataclass(slots=True, kw_only=True)
class AlgoState:
    algo: Algo
    spec: AlgoSpec
    market: Market = _NO_MARKET
    wake_at: int | None = None
    finished: bool = False
    note: str = ""
    rejects: int = 0  # children rejected in a row (a fill resets it)
    ticks: int = 0
    sent: deque[int] = field(default_factory=deque)  # when its last children went out (the throttle's window)

    def snapshot(self) -> dict[str, Any]:
        return {"name": self.algo.name, "strategy": self.spec.strategy, "wake_at": self.wake_at,
                "finished": self.finished, "note": self.note, "rejects": self.rejects, "ticks": self.ticks}


def start_algo(oms: "Oms", parent: "Parent", spec: AlgoSpec, now: int) -> str | None:
    """Builds the parent's algo; the error text when its parameters are wrong (the parent is rejected)."""
    o = parent.order
    rules = oms._instruments[o.symbol]
    order = Order(order_id=o.order_id, symbol=o.symbol, side=1 if o.side is Side.BUY else -1, qty=o.order_qty,
                  limit=o.price, tick=rules.tick, lot=rules.lot, arrived=now)
    try:
        algo = build(spec, order)
    except AlgoError as e:
        return str(e)
    parent.algo = AlgoState(algo=algo, spec=spec)
    return None


def begin(oms: "Oms", parent: "Parent", now: int) -> None:
    """The parent was accepted: its first tick at its start (EffectiveTime, else now)."""
    st = parent.algo
    assert st is not None
    oms._algo_orders.setdefault(parent.order.symbol, []).append(parent.order_id)  # what may cross internally
    _wake(oms, parent, st, max(now, st.spec.start or now))


def algo_tick(oms: "Oms", cmd: AlgoTick, now: int) -> None:
    parent = oms._parents.get(cmd.order_id)
    if parent is None or parent.algo is None:
        oms._ignore("oms", f"algo tick for {cmd.order_id!r}: no algo order")
        return
    st = parent.algo
    own = oms._own_volume.get(parent.order.symbol, 0)
    st.market = replace(cmd.market, volume=max(0, cmd.market.volume - own))
    # The runtime keeps one timer per order and this is it firing, early or late: none is armed now, so
    # the next wake the algo asks for must be armed even if it is the same instant as before.
    st.wake_at = None
    step(oms, parent, now)


def step(oms: "Oms", parent: "Parent", now: int) -> None:
    """Calls the algo and carries out what it decides (the rules above bound it)."""
    st = parent.algo
    o = parent.order
    if st is None or o.phase not in _WORKING or o.leaves_qty <= 0 or oms._wants_end(parent):
        return
    if st.finished:
        _finish(oms, parent, st, now)
        return
    st.ticks += 1
    d = st.algo.tick(now, progress(oms, parent), st.market)
    if d.note != st.note:
        st.note = d.note
        if d.note:
            oms._journal.append(Journal(kind="algo", stream=o.order_id, body={"note": d.note, "time": now}))
    for cid in d.cancel:
        child = oms._children.get(cid)
        if (child is not None and child.parent_id == o.order_id and child.live and not child.cancel_sent
                and child.venue not in oms._down):
            oms._cancel_child(child)
    sent = st.sent
    while sent and sent[0] <= now - _SECOND:
        sent.popleft()
    for pl in d.place:
        if len(sent) >= MAX_CHILDREN_PER_S:
            text = f"throttled: {len(sent)} child orders in the last second"
            oms._journal.append(Journal(kind="algo", stream=o.order_id, body={"note": text, "time": now}))
            _wake(oms, parent, st, sent[0] + _SECOND)
            return
        room = o.leaves_qty - working(oms, parent)
        qty = min(pl.qty, room)
        if qty <= 0:
            break
        price = _clamp(pl.price, o.price, o.side)
        slices = _route(oms, parent, qty, price, pl.venue)
        if isinstance(slices, RouteRefusal):
            oms._journal.append(Journal(kind="algo", stream=o.order_id, body={"note": slices.text, "time": now}))
            break
        oms_routing.send_children(oms, parent, slices, now, tif="3" if pl.ioc else "0", max_floor=pl.display,
                                  min_qty=pl.min_qty, ord_type=OrdType.MARKET if price is None else OrdType.LIMIT)
        sent.extend(now for _ in slices)
    if d.finished:
        st.finished = True
        _finish(oms, parent, st, now)
    elif d.wake_at is not None:
        _wake(oms, parent, st, max(d.wake_at, now))
    elif st.wake_at is None and not working(oms, parent) and not any(
            oms._children[c].live for c in parent.children):
        _wake(oms, parent, st, now + _IDLE_NS)  # nothing works and no timer: the algo is asked again later


def on_child_done(oms: "Oms", parent: "Parent", ended_by: str, text: str, now: int) -> bool:
    """A child of an algo parent ended. False when the parent must end (too many venue rejects)."""
    st = parent.algo
    assert st is not None
    if ended_by == "8":
        st.rejects += 1
        if st.rejects >= _MAX_REJECTS and not oms._wants_end(parent):
            oms._end(parent, ("venue", text or f"{_MAX_REJECTS} children rejected in a row"), now)
            return False
    elif ended_by == "F":
        st.rejects = 0
    return True


def performance(oms: "Oms", parent: "Parent", msgs: list[Any]) -> list[Any]:
    """The parent's reports with TargetStrategyPerformance (850) when its algo says something.

    Asked now, from the parent as it is after what is being reported, so a fill's report carries the figure
    with that fill in it (the algo's last tick may be from before it)."""
    if not any(isinstance(m, Report) for m in msgs):
        return msgs
    figure = figure_now(oms, parent)
    if figure is None:
        return msgs
    return [replace(m, target_strategy_performance=figure) if isinstance(m, Report) else m for m in msgs]


def figure_now(oms: "Oms", parent: "Parent") -> Decimal | None:
    """The algo's TargetStrategyPerformance for the parent as it is now, with the market of its last tick."""
    st = parent.algo
    return None if st is None else st.algo.performance(progress(oms, parent), st.market)


def working(oms: "Oms", parent: "Parent") -> int:
    """What the parent's live children could still fill (canceling ones included); any parent's."""
    total = 0
    for cid in parent.children:
        c = oms._children[cid]
        if c.live:
            total += max(0, c.qty - c.cum)
    return total


def progress(oms: "Oms", parent: "Parent") -> Progress:
    o = parent.order
    rules = oms._instruments[o.symbol]
    views = []
    for cid in parent.children:
        c = oms._children[cid]
        if c.live:
            views.append(ChildView(child_id=c.child_id, venue=c.venue, qty=c.qty, open=max(0, c.qty - c.cum),
                                   canceling=c.cancel_sent, price=c.price, placed=c.placed))
    return Progress(order_id=o.order_id, symbol=o.symbol, side=1 if o.side is Side.BUY else -1, qty=o.order_qty,
                    limit=o.price, filled=o.cum_qty, working=sum(v.open for v in views), tick=rules.tick,
                    lot=rules.lot, arrived=parent.arrived, avg_px=o.avg_px, children=tuple(views))


def _finish(oms: "Oms", parent: "Parent", st: AlgoState, now: int) -> None:
    """The schedule is over: cancel what still works; once nothing does, the rest expires."""
    live = [oms._children[c] for c in parent.children if oms._children[c].live]
    for c in live:
        if not c.cancel_sent and c.venue not in oms._down:
            oms._cancel_child(c)
    if live:
        return
    o = parent.order
    oms._tell(parent, o.expire(now=now, text=f"{st.algo.name} finished with {o.leaves_qty} unfilled"))
    oms._risk_done(parent, now)


def _clamp(price: Decimal | None, limit: Decimal | None, side: Side) -> Decimal | None:
    if limit is None:
        return price
    if price is None:
        return limit
    return min(price, limit) if side is Side.BUY else max(price, limit)


def _route(oms: "Oms", parent: "Parent", qty: int, price: Decimal | None,
           venue: str | None) -> list[Slice] | RouteRefusal:
    if venue is not None:
        if venue not in oms._all_venues:
            return RouteRefusal(f"algo asked for venue {venue}, not a venue here ({', '.join(oms._all_venues)})")
        if venue in oms._down:
            return RouteRefusal(f"algo asked for venue {venue}, which is not connected")
        return [Slice(venue, qty, price)]
    return oms_routing.route_qty(oms, parent, qty, price)


def _wake(oms: "Oms", parent: "Parent", st: AlgoState, at: int) -> None:
    if st.wake_at == at:
        return
    st.wake_at = at
    oms._out.append(ToAlgoTimer(order_id=parent.order_id, at=at))
