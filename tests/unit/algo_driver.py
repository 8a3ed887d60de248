"""A small deterministic harness that runs one execution algo against a fake market.

It plays the OMS core's part (algos/base.py has the contract) on a virtual
clock, without the core: it ticks the algo at every ``wake_at`` and after any
of its children ended, carries out the ``Decision``, and fills the children by
simple rules. Everything random comes from ``random.Random(seed)``, so a run
is repeatable.

Usage::

    order = order_for(10_000)                    # AAPL, lot 100, tick 0.01, arrived at 0
    algo = algo_for(1000, "duration_minutes=30;num_slices=6", order)   # the registry's build
    drv = Driver(algo, order)                    # starts at order.arrived
    drv.run(minutes=60)                          # until finished and idle, or 60 minutes on
    assert drv.filled == order.qty
    drv.history                                  # [Snapshot(now, filled, working, target)] per tick

The fake market (all keyword arguments of ``Driver``):

- ``mid``: a ``Decimal`` or ``callable(now) -> Decimal``; bid and ask are
  ``spread_ticks`` apart around it, on the tick grid, ``touch_size`` each.
- ``volume_rate``: others' shares per second, a number or ``callable(now)``;
  ``Market.volume`` is their cumulative sum (the algo's own fills excluded).
- ``stale``: windows ``(from_ns, to_ns, reason)`` in which ``Market.stale`` is
  the reason.

Fill rules: a child priced at or through the far touch (a buy at the ask or
above), or a market child, fills whole at once at the touch; one resting
strictly inside the spread fills with probability ``inside_fill_prob`` per
second, one at the near touch with ``fill_prob`` per second, one behind it
never (until the market moves through it). ``partial=True`` fills a random
number of lots instead of the whole child. A cancel ends the child at the next
step, with no fill in between. When the algo says ``finished`` the driver
cancels what still works and stops ticking it, like the core.

Invariants checked on every tick (an ``AssertionError`` names the broken
one): ``filled + working <= qty`` (after a ``replace`` down, no more than
before it until the algo has shrunk what works); each placement's qty > 0; the placements of
one decision sum to at most ``unplaced`` (``strict=False`` allows more, which
the core would cut); prices on the tick grid; ``wake_at`` not in the past;
cancels name live children; ``target(now)`` within [0, qty].

``replace(qty=..., limit=...)`` changes the parent as a client's replace would;
``venue_ends(i)`` ends a child as a venue would, unfilled;
``step_until(t)`` advances to ``t`` only. ``placed_by(t)`` and ``filled_by(t)``
read the record; ``performance()`` is the algo's 850 for the parent as it is.

Shared by the algo test files: ``make`` (an algo and its parent in one call),
``refusal`` (the error bad parameters give), ``stepped`` and ``walk`` (mid
paths), ``QUIET`` (nothing fills unless it crosses), and for the properties
``markets`` (random Driver keywords), ``run_on`` and ``assert_contract``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import pytest
from hypothesis import strategies as st

from oms_fix.engine.algos import build
from oms_fix.engine.algos.base import NS, Algo, AlgoError, AlgoSpec, ChildView, Decision, Market, Order, Progress
from oms_fix.engine.algos.params import parse_848

__all__ = ["MIN", "QUIET", "Child", "Driver", "Snapshot", "algo_for", "assert_contract", "make", "markets",
           "order_for", "overlapping", "refusal", "run_on", "stepped", "walk"]

MIN = 60 * NS
QUIET = {"fill_prob": 0.0, "inside_fill_prob": 0.0}  # Driver keywords: nothing fills unless it crosses


def order_for(qty: int = 10_000, *, side: int = 1, limit: Decimal | None = None, arrived: int = 0,
              order_id: str = "P1", lot: int = 100, tick: Decimal = Decimal("0.01")) -> Order:
    """A parent for tests: AAPL, tick 0.01, lot 100 unless told."""
    return Order(order_id=order_id, symbol="AAPL", side=side, qty=qty, limit=limit, tick=tick, lot=lot,
                 arrived=arrived)


def algo_for(strategy: int, params: str, order: Order, **spec: Any) -> Algo:
    """The algo the registry builds for TargetStrategy ``strategy`` with 848 ``params`` (and AlgoSpec fields)."""
    return build(AlgoSpec(strategy=strategy, params=parse_848(params), **spec), order)


def make(strategy: int, params: str = "", *, qty: int = 10_000, limit: Decimal | None = None, side: int = 1,
         arrived: int = 0, **spec: Any) -> tuple[Any, Order]:
    """``(algo, order)``: a parent from ``order_for`` and the algo built for it (``spec``: AlgoSpec fields).
    The algo is typed Any so that tests may read the attributes of its own class."""
    order = order_for(qty, limit=limit, side=side, arrived=arrived)
    return algo_for(strategy, params, order, **spec), order


def refusal(maker: Callable[..., Any], *args: Any, **kw: Any) -> str:
    """The AlgoError message ``maker(*args, **kw)`` (``make`` or a test's own) must raise."""
    with pytest.raises(AlgoError) as e:
        maker(*args, **kw)
    return str(e.value)


def stepped(at_s: float, before: str, after: str) -> Callable[[int], Decimal]:
    """A mid at ``before`` that jumps to ``after`` at ``at_s`` seconds."""
    return lambda now: Decimal(before) if now < at_s * NS else Decimal(after)


def walk(seed: int, *, start: Decimal = Decimal("100.00"), seconds: int = 1_200,
         tick: Decimal = Decimal("0.01")) -> Callable[[int], Decimal]:
    """A random walk of the mid, one step a second, the same for the same seed."""
    rng = random.Random(seed)
    path = [start]
    for _ in range(seconds):
        path.append(path[-1] + tick * rng.choice((-3, -1, 0, 0, 0, 1, 3)))
    return lambda now: path[min(len(path) - 1, max(0, now // NS))]


@st.composite
def markets(draw: st.DrawFn) -> dict[str, Any]:
    """Driver keywords: a random mid path, fill rates, partial fills and stale windows."""
    windows = []
    for _ in range(draw(st.integers(0, 3))):
        a = draw(st.integers(0, 540)) * NS
        windows.append((a, a + draw(st.integers(1, 60)) * NS, "stale: no data"))
    return {"mid": walk(draw(st.integers(0, 10_000))), "fill_prob": draw(st.floats(0, 0.3)),
            "inside_fill_prob": draw(st.floats(0, 0.5)), "partial": draw(st.booleans()),
            "stale": tuple(windows), "seed": draw(st.integers(0, 10_000)),
            "spread_ticks": draw(st.sampled_from([1, 2, 4]))}


def run_on(market: dict[str, Any], strategy: int, params: str, *, qty: int, side: int,
           limit_ticks: int = 2) -> "Driver":
    """Runs the algo for 10 minutes on a ``markets()`` draw, the parent's limit ``limit_ticks`` through the
    starting mid of 100.00, and checks ``assert_contract``."""
    limit = Decimal("100.00") + Decimal("0.01") * limit_ticks * side
    algo, order = make(strategy, params, qty=qty, limit=limit, side=side)
    drv = Driver(algo, order, **market).run(minutes=10)
    assert_contract(drv)
    return drv


def assert_contract(drv: "Driver") -> None:
    """Beyond what the driver checks each tick (filled + working <= qty, placements <= unplaced): nothing
    placed on stale data, every price within the limit."""
    limit, side = drv.order.limit, drv.order.side
    for now, d in drv.decisions:
        if any(a <= now < b for a, b, _ in drv.stale):
            assert not d.place, f"placed on stale data at {now}"
        for p in d.place:
            if limit is not None and p.price is not None:
                assert (limit - p.price) * side >= 0, f"{p.price} beyond the limit {limit}"
    assert drv.filled <= drv.qty


def overlapping(drv: "Driver") -> list[str]:
    """Children placed while an earlier one still worked (one-slice-at-a-time algos must have none)."""
    bad = []
    for i, c in enumerate(drv.children):
        for prev in drv.children[:i]:
            if prev.ended is None or prev.ended > c.placed:
                bad.append(c.child_id)
    return bad


@dataclass(slots=True)
class Child:
    child_id: str
    qty: int
    price: Decimal | None
    placed: int
    filled: int = 0
    canceling: bool = False
    ended: int | None = None  # when it ended (filled whole or canceled)

    @property
    def open(self) -> int:
        return self.qty - self.filled


@dataclass(frozen=True, slots=True)
class Snapshot:
    now: int
    filled: int
    working: int
    target: int | None


@dataclass(slots=True)
class _Fill:
    now: int
    qty: int
    price: Decimal


@dataclass
class Driver:
    algo: Algo
    order: Order
    mid: Decimal | Callable[[int], Decimal] = Decimal("100.00")
    spread_ticks: int = 2
    touch_size: int = 1_000
    volume_rate: float | Callable[[int], float] = 100.0
    fill_prob: float = 0.05
    inside_fill_prob: float = 0.2
    partial: bool = False
    stale: Sequence[tuple[int, int, str]] = ()
    seed: int = 1
    step_s: float = 1.0
    strict: bool = True
    start: int | None = None
    now: int = field(init=False)
    qty: int = field(init=False)
    limit: Decimal | None = field(init=False)
    filled: int = field(init=False, default=0)
    finished: bool = field(init=False, default=False)
    children: list[Child] = field(init=False, default_factory=list)
    fills: list[_Fill] = field(init=False, default_factory=list)
    history: list[Snapshot] = field(init=False, default_factory=list)
    decisions: list[tuple[int, Decision]] = field(init=False, default_factory=list)
    market: Market = field(init=False)

    def __post_init__(self) -> None:
        self.now = self.order.arrived if self.start is None else self.start
        self.qty = self.order.qty
        self.limit = self.order.limit
        self._rng = random.Random(self.seed)
        self._volume = 0.0
        self._wake: int | None = self.now
        self._ended = False
        self._n = 0
        self._over = 0
        self.market = self._quote()

    # -- the record ----------------------------------------------------------------------------

    @property
    def live(self) -> list[Child]:
        return [c for c in self.children if c.ended is None]

    @property
    def working(self) -> int:
        return sum(c.open for c in self.live)

    @property
    def avg_px(self) -> Decimal | None:
        if not self.filled:
            return None
        return sum((f.price * f.qty for f in self.fills), Decimal(0)) / self.filled

    def placed_by(self, t: int) -> int:
        return sum(c.qty for c in self.children if c.placed <= t)

    def filled_by(self, t: int) -> int:
        return sum(f.qty for f in self.fills if f.now <= t)

    def progress(self) -> Progress:
        views = tuple(ChildView(child_id=c.child_id, venue="SIM", qty=c.qty, open=c.open, canceling=c.canceling,
                                price=c.price, placed=c.placed) for c in self.live)
        return Progress(order_id=self.order.order_id, symbol=self.order.symbol, side=self.order.side, qty=self.qty,
                        limit=self.limit, filled=self.filled, working=sum(v.open for v in views),
                        tick=self.order.tick, lot=self.order.lot, arrived=self.order.arrived,
                        avg_px=self.avg_px or Decimal(0), children=views)

    def performance(self) -> Decimal | None:
        """The algo's TargetStrategyPerformance (850) now, asked as the core asks it when it reports."""
        return self.algo.performance(self.progress(), self.market)

    def venue_ends(self, i: int = 0) -> None:
        """The venue ends child ``i`` (expired, or canceled by the venue) at the next step, with no fill."""
        self.children[i].canceling = True

    def replace(self, *, qty: int | None = None, limit: Decimal | None = None) -> None:
        if qty is not None:
            assert qty >= self.filled, "a replace cannot go below what is filled"
            self.qty = qty
            self._over = self.filled + self.working  # a replace down leaves children over qty for the algo to cancel
        if limit is not None:
            self.limit = limit
        self._ended = True  # tick at the next step, as the core does when the replace is done

    # -- running -------------------------------------------------------------------------------

    def run(self, *, minutes: float = 60.0, until: int | None = None) -> "Driver":
        """Ticks until the algo finished and nothing works, or the deadline."""
        deadline = until if until is not None else self.now + int(minutes * 60 * NS)
        if not self.history:
            self._tick()
        while self.now < deadline and not (self.finished and not self.live):
            self._step(deadline)
        return self

    def step_until(self, t: int) -> "Driver":
        if not self.history:
            self._tick()
        while self.now < t:
            self._step(t)
        return self

    def _step(self, deadline: int) -> None:
        nxt = self.now + int(self.step_s * NS)
        if self._wake is not None and self.now < self._wake < nxt:
            nxt = self._wake
        nxt = min(nxt, deadline)
        dt = (nxt - self.now) / NS
        self.now = nxt
        self._volume += dt * self._rate()
        self.market = self._quote()
        for c in self.live:
            if c.canceling:
                c.ended = self.now
                self._ended = True
        for c in self.live:
            self._maybe_fill(c, dt)
        due = self._wake is not None and self._wake <= self.now
        if not self.finished and (due or self._ended):
            self._tick()

    def _tick(self) -> None:
        self._ended = False
        self._wake = None
        parent = self.progress()
        d = self.algo.tick(self.now, parent, self.market)
        self.decisions.append((self.now, d))
        self._check(parent, d)
        by_id = {c.child_id: c for c in self.live}
        for cid in d.cancel:
            by_id[cid].canceling = True
        room = self.qty - self.filled - self.working
        for pl in d.place:
            qty = min(pl.qty, room)
            if qty <= 0:
                break
            room -= qty
            self._n += 1
            child = Child(f"{self.order.order_id}-c{self._n}", qty, self._clamp(pl.price), self.now)
            self.children.append(child)
            self._maybe_fill(child, 0.0)
        if d.finished:
            self.finished = True
            for c in self.live:
                c.canceling = True
        elif d.wake_at is not None:
            self._wake = max(d.wake_at, self.now)
        target = self.algo.target(self.now)
        self.history.append(Snapshot(self.now, self.filled, self.working, target))
        if target is not None:
            assert 0 <= target <= self.qty, f"target {target} outside [0, {self.qty}]"

    def _check(self, parent: Progress, d: Decision) -> None:
        if parent.filled + parent.working <= parent.qty:
            self._over = 0
        assert parent.filled + parent.working <= max(parent.qty, self._over), "filled + working > qty"
        live = {c.child_id for c in parent.children}
        for cid in d.cancel:
            assert cid in live, f"cancel of {cid}, not a live child"
        total = 0
        for pl in d.place:
            assert pl.qty > 0, f"placement of {pl.qty}"
            if pl.price is not None:
                assert pl.price % self.order.tick == 0, f"price {pl.price} off the tick grid"
            total += pl.qty
        if self.strict:
            assert total <= parent.unplaced, f"placed {total} with only {parent.unplaced} unplaced"
        assert d.wake_at is None or d.wake_at >= self.now, f"wake_at {d.wake_at} before now {self.now}"

    # -- the fake market -----------------------------------------------------------------------

    def _rate(self) -> float:
        r = self.volume_rate
        return float(r(self.now)) if callable(r) else float(r)

    def _quote(self) -> Market:
        mid = self.mid(self.now) if callable(self.mid) else self.mid
        tick = self.order.tick
        bid = ((mid - tick * self.spread_ticks / 2) / tick).to_integral_value(rounding=ROUND_FLOOR) * tick
        ask = bid + tick * self.spread_ticks
        stale = next((why for a, b, why in self.stale if a <= self.now < b), "")
        return Market(bid=bid, bid_size=self.touch_size, ask=ask, ask_size=self.touch_size, last=mid,
                      volume=int(self._volume), stale=stale)

    def _clamp(self, price: Decimal | None) -> Decimal | None:
        if self.limit is None:
            return price
        if price is None:
            return self.limit
        return min(price, self.limit) if self.order.side > 0 else max(price, self.limit)

    def _maybe_fill(self, c: Child, dt: float) -> None:
        if c.ended is not None or c.canceling:
            return
        m = self.market
        assert m.bid is not None and m.ask is not None
        side = self.order.side
        near, far = (m.bid, m.ask) if side > 0 else (m.ask, m.bid)
        if c.price is None or (c.price - far) * side >= 0:
            self._fill(c, c.open, far)
            return
        better = (c.price - near) * side
        prob = self.inside_fill_prob if better > 0 else self.fill_prob if better == 0 else 0.0
        if prob and self._rng.random() < prob * dt:
            lots = max(1, c.open // self.order.lot)
            qty = min(c.open, self._rng.randint(1, lots) * self.order.lot) if self.partial else c.open
            self._fill(c, qty, c.price)

    def _fill(self, c: Child, qty: int, price: Decimal) -> None:
        c.filled += qty
        self.filled += qty
        self.fills.append(_Fill(self.now, qty, price))
        if c.open == 0:
            c.ended = self.now
            self._ended = True

    def summary(self) -> dict[str, Any]:
        return {"filled": self.filled, "qty": self.qty, "children": len(self.children), "avg_px": self.avg_px,
                "ticks": len(self.history), "stats": self.algo.stats()}
