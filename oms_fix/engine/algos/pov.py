"""POV (TargetStrategy 847=2, "Participate"): trade a fixed share of the market's volume.

A FIX client sends e.g. ``847=2``, ``849=0.1`` and ``848=max_participation=0.2;duration_minutes=120``.

Convention: participation is own fills over all the market's volume, own
included. ``Market.volume`` leaves the OMS's own fills out, so for a rate r the
algo wants ``own = r / (1 - r) * others``, with ``others`` the market volume
since its first tick. ``target(now)`` is that quantity (capped at the parent).

Parameters (848):

- ``participation_rate`` (or ParticipationRate 849; one of them is required,
  and they must agree when both are given): 0 < r <= 0.5.
- ``max_participation``: r <= m <= 0.75, default min(1.5 r, 0.75). No minute
  (``WINDOW_S``) may take more than this share of the volume, counting what
  is working, so catching up never becomes the market.
- ``duration_minutes``: the algo stops then (also ExpireTime 126); default: it
  works until the parent is filled.
- ``min_slice``: the smallest child in shares (default a lot); below it the
  algo waits for more volume unless the child would finish the parent.
- ``interval``: seconds between checks (default 5).
- ``strategy``: aggressive, passive, neutral or adaptive (default). Adaptive
  crosses the spread when filled trails the target by more than 1 point of
  participation or a minute's worth of target (whichever is less, and at
  least two ``min_slice``), rests passive when ahead, and sits at the mid
  between. The others price every child the same way.

Every check the algo places the deficit (target - filled - working) in whole
lots. When it is catching up it first cancels what rests away from the far
touch and re-places it there once the cancels are done; whatever the
strategy, a child the market left behind (a buy below the bid) is canceled and
re-placed at the current price. When what is filled
and working is more than ``min_slice`` above the target (the parent was
replaced smaller, say), it cancels its newest children.

TargetStrategyPerformance (850): the realised participation, a fraction to
four places: filled / (filled + others' volume since the algo's first tick fit
to trade on), the fills as the parent has them when it reports, the others'
volume as of the algo's last market. None before that first tick.
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from typing import Any

from .base import NS, AlgoError, AlgoSpec, Decision, Market, Order, Place, Progress
from .params import Params, participation_rate
from .performance import fill_price, price_text
from .pricing import child_price
from .schedule import clear_the_way, newest_first, strategy_param
from .working import PAUSE_NS, Window, read_window

__all__ = ["Pov", "build"]

WINDOW_S = 60
BEHIND_PP = 0.01  # adaptive: cross when this far behind, in participation of the market's volume
DEFAULT_INTERVAL_S = 5.0
_RATE = Decimal("0.0001")


class Pov:
    name = "POV"

    def __init__(self, order: Order, *, rate: float, max_rate: float, window: Window, min_slice: int,
                 interval_ns: int, strategy: str) -> None:
        self.order = order
        self.rate = rate
        self.max_rate = max_rate
        self.window = window
        self.min_slice = min_slice
        self.interval_ns = interval_ns
        self.strategy = strategy
        self.lot = max(1, order.lot)
        self.avg_px: Decimal | None = None  # the parent's AvgPx at the last tick, for stats()
        self.vol0: int | None = None
        self.others = 0
        self.filled = 0
        self.want = 0
        self.qty = order.qty
        self._window: deque[tuple[int, int, int]] = deque()  # (time, others, filled), oldest first

    def target(self, now: int) -> int | None:
        return self.want

    def _target_for(self, others: int, qty: int) -> int:
        return min(qty, int(self.rate / (1.0 - self.rate) * others + 1e-9))  # 0.1/0.9*1800 is 199.99...

    def realised(self) -> float | None:
        total = self.others + self.filled
        return self.filled / total if total else None

    def performance(self, parent: Progress, market: Market) -> Decimal | None:
        """TargetStrategyPerformance (850): the realised participation with the parent's fills as they are now
        and the others' volume of the last market; None before the first tick fit to trade on."""
        if self.vol0 is None:
            return None
        # What the core subtracts as its own fills can run ahead of the venues' volume for a moment: the
        # others' volume counted at a tick is never given back.
        others = max(self.others, market.volume - self.vol0)
        total = others + parent.filled
        return (Decimal(parent.filled) / total).quantize(_RATE) if total else None

    def tick(self, now: int, parent: Progress, market: Market) -> Decision:
        self.filled, self.qty, self.avg_px = parent.filled, parent.qty, fill_price(parent)
        if parent.filled >= parent.qty:
            return Decision(finished=True, note="filled")
        if now < self.window.start:
            return Decision(wake_at=self.window.start, note="waiting for the start")
        if self.window.end is not None and now >= self.window.end:
            return Decision(finished=True, note="end time reached")
        if market.stale:
            return Decision(wake_at=self.window.next_wake(now, PAUSE_NS), note=f"paused: {market.stale}")
        if self.vol0 is None:
            self.vol0 = market.volume
        self.others = max(0, market.volume - self.vol0)
        self.want = self._target_for(self.others, parent.qty)
        self._window.append((now, self.others, parent.filled))
        while self._window and self._window[0][0] < now - WINDOW_S * NS:
            self._window.popleft()
        return self._work(now, parent, market)

    def _work(self, now: int, parent: Progress, market: Market) -> Decision:
        nxt = self.window.next_wake(now, self.interval_ns)
        live = [c for c in parent.children if not c.canceling]
        committed = parent.filled + parent.working
        if committed > self.want + self.min_slice:
            excess = committed - self.want
            return Decision(cancel=newest_first(live, excess), wake_at=nxt, note="ahead of target: shrinking")
        strategy = self._strategy(parent)
        blocked = clear_the_way(parent, market, live, crossing=strategy == "aggressive",
                                why="behind target: re-pricing")
        if blocked is not None:
            return Decision(cancel=blocked[0], wake_at=nxt, note=blocked[1])
        want = min(self.want - committed, self._room(parent))
        rest = parent.qty - committed
        if want < rest:
            want = want // self.lot * self.lot
            if want < self.min_slice:
                return Decision(wake_at=nxt, note="waiting for volume")
        if want <= 0:
            return Decision(wake_at=nxt, note="on target")
        behind = (self.want - parent.filled) / max(1, parent.qty)
        price = child_price(strategy, parent.side, market, parent.tick, behind)
        if price is None:
            return Decision(wake_at=self.window.next_wake(now, PAUSE_NS), note=f"no price for {strategy}")
        return Decision(place=(Place(qty=want, price=price),), wake_at=nxt, note=f"participating ({strategy})")

    def _strategy(self, parent: Progress) -> str:
        if self.strategy != "adaptive":
            return self.strategy
        gap = self.want - parent.filled
        minute = self._target_for(self.others - self._window[0][1], parent.qty)
        if gap > max(2 * self.min_slice, min(BEHIND_PP * (self.others + parent.filled), minute)):
            return "aggressive"
        return "passive" if gap < 0 else "neutral"

    def _room(self, parent: Progress) -> int:
        """What the ``max_participation`` cap leaves over the last minute, counting what works."""
        t0, others0, filled0 = self._window[0]
        others = self.others - others0
        own = parent.filled - filled0
        if self._window[-1][0] - t0 < WINDOW_S * NS // 2:
            others, own = self.others, parent.filled  # too little history: the cap over the whole run
        allowed = int(self.max_rate / (1.0 - self.max_rate) * others)
        return max(0, allowed - own - parent.working)

    def stats(self) -> dict[str, Any]:
        r = self.realised()
        return {"participation_rate": self.rate, "max_participation": self.max_rate,
                "realised_participation": None if r is None else round(r, 5), "others_volume": self.others,
                "filled": self.filled, "target": self.want,
                "avg_px": price_text(self.avg_px)}


def build(spec: AlgoSpec, order: Order, params: Params) -> Pov:
    rate = participation_rate(spec, params, 0.5)
    if rate is None:
        raise AlgoError("participation_rate: required (in 848 or ParticipationRate 849), e.g. 0.1")
    max_rate = params.number("max_participation", min(1.5 * rate, 0.75), gt=0, le=0.75)
    assert max_rate is not None
    if max_rate < rate:
        raise AlgoError(f"max_participation: must be >= participation_rate {rate:g}, not {max_rate:g}")
    window = read_window(spec, order, params)
    min_slice = params.integer("min_slice", order.lot, ge=1)
    interval = params.number("interval", DEFAULT_INTERVAL_S, gt=0)
    assert min_slice is not None and interval is not None
    return Pov(order, rate=rate, max_rate=max_rate, window=window, min_slice=min_slice,
               interval_ns=int(interval * NS), strategy=strategy_param(params, "adaptive"))
