"""The seeded background market: a fair value per symbol, noise traders and market makers.

The venues drive it on their virtual clock: ``advance(now)`` returns every
action that falls in (previous now, now], each stamped with its exact time.
Everything is an event on one queue ordered by (time, arrival), and each event
draws only from its own symbol's random streams, so the action sequence depends
on (seed, instruments, start_ns, session times, day length, rate_scale) and
nothing else: stepping finely or coarsely gives the same list, across day
boundaries too, and adding a symbol does not change another's.

The drawing is ``FlowSource``'s and the maker's inventory a ``BackgroundMarket``'s:
nothing drawn depends on fills, so the venues of one process (the in-process
simulation) share one source, each with a view of its share of the orders and
makers (``BackgroundMarket.share``) that returns what a market of its own
would have returned for that share.

The model, and the choices made where the brief was silent:

- Fair value (float ticks) is a driftless geometric random walk stepped once a
  second of session time, with the instrument's annual volatility over
  252 days of 6.5 hours. Outside the session it stands still.
- A scenario can move a symbol's fair value on cue (``FlowSource.move``,
  ``moves.py``): a trend of some bps in total over a while, or a jump, on top
  of the random walk. Moves draw nothing: with none, every figure is as before.
- Noise traders arrive per symbol as a Poisson process whose rate follows
  ``volume_profile`` over the session (drawn exactly by thinning). Together
  they trade ``NOISE_ADV_SHARE`` of the instrument's ADV, times ``rate_scale``.
  70% are limit orders from 2 ticks through to 6 ticks away from fair value,
  30% market orders; quantities are whole lots. Every limit order gets a
  ``Cancel`` after an exponential lifetime (mean ``NOISE_LIFETIME_S``) if the
  session is still open: flow does not know whether it filled, so the venue
  must ignore a cancel for an order it no longer has.
- Makers (2 or 3 per symbol, named MM1..MM3; participant names are per symbol)
  each send a two-sided ``Quote`` that replaces their previous one: at a
  jittered cadence and whenever fair value moved by their half-spread since
  their last quote (a quote that stale gets picked off), but only when the
  quote changed or a fill came in since. The quote's
  mid is fair value minus ``skew`` ticks per lot of inventory; the side that
  would add to inventory shrinks linearly to 0 lots at the maker's limit. A
  quantity of 0 means "no quote on that side". ``on_fill`` changes inventory
  only; the maker reacts at its next quote, so the venue's fills are not
  replaced instantly.
- Nothing is emitted before the session opens or from its close on; the venue
  ends the day's orders at the close.
- With ``day_length_ns`` the session [open, close) repeats: day k's runs over
  [open + k*L, close + k*L). Every day's session is the first one over again:
  noise arrivals (a fresh Poisson start at each open, exact as the process is
  memoryless), the U profile over the fraction of *that day's* session, maker
  cadence (first quote within 0.1 s of each open) and the walk. The walk does
  not step while closed (no overnight gap): the fair value at an open is the
  one at the previous close, and it steps a second after each open on that
  day's grid. Inventory carries over. At each close every maker with a live
  quote withdraws it with a ``Quote`` of zero quantities (last prices kept),
  stamped at the close and ahead of anything else at that instant; the noise
  traders' limit orders all get their ``Cancel``, even after the close (the
  venue ignores a cancel for an order it no longer has). Nothing else is
  emitted while closed.
"""

from __future__ import annotations

import heapq
import math
import random
import zlib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .book import Side
from .instruments import Instrument
from .moves import Moves

__all__ = [
    "Action",
    "BackgroundMarket",
    "Cancel",
    "FlowSource",
    "NOISE",
    "NOISE_ADV_SHARE",
    "Place",
    "Quote",
    "cumulative_volume",
    "in_slot",
    "slot_hash",
    "volume_profile",
]

NS = 1_000_000_000
TRADING_SECONDS_PER_YEAR = 252 * 6.5 * 3600
STANDARD_SESSION_S = 6.5 * 3600
FV_STEP_NS = NS
NOISE = "NOISE"
NOISE_ADV_SHARE = 0.02
NOISE_LIMIT_SHARE = 0.7
NOISE_LIFETIME_S = 30.0
_LIMIT_LOTS_MEAN = 1.5  # 1 + floor(Exp(mean)) lots
_MARKET_LOTS_MEAN = 1.0
_MAX_LOTS = 10
_U = 3.0  # volume_profile's curvature: open and close at 2x the day's mean, midday at 0.5x


@dataclass(frozen=True, slots=True, kw_only=True)
class Quote:
    time_ns: int
    participant: str
    symbol: str
    bid_px: int
    bid_qty: int
    ask_px: int
    ask_qty: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Place:
    time_ns: int
    participant: str
    symbol: str
    side: Side
    qty: int
    price_ticks: int | None  # None: a market order
    order_key: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Cancel:
    time_ns: int
    participant: str
    symbol: str
    order_key: str


Action = Quote | Place | Cancel


def volume_profile(fraction_of_day: float) -> float:
    """The intraday volume rate relative to the day's mean: a U, 2.0 at open and close, 0.5 at midday.

    ``0.5 * (1 + 3 * (2x - 1)**2)`` on [0, 1]; its mean over the day is exactly 1. Outside
    the session (x < 0 or x > 1) it is 0.
    """
    if not 0.0 <= fraction_of_day <= 1.0:
        return 0.0
    d = 2.0 * fraction_of_day - 1.0
    return (1.0 + _U * d * d) / (1.0 + _U / 3.0)


def cumulative_volume(fraction_of_day: float) -> float:
    """The share of the day's volume traded by ``fraction_of_day`` (the integral of ``volume_profile``)."""
    x = min(max(fraction_of_day, 0.0), 1.0)
    return (x + _U * ((2.0 * x - 1.0) ** 3 + 1.0) / 6.0) / (1.0 + _U / 3.0)


class _Maker:
    """What a maker is and when it quotes: the same for every venue running the flow."""

    __slots__ = ("name", "half_spread", "size_lots", "limit_lots", "skew", "cadence_ns", "quoted_fv")

    def __init__(self, name: str, rng: random.Random) -> None:
        self.name = name
        self.half_spread = rng.randint(1, 3)
        self.size_lots = rng.randint(2, 5)
        self.limit_lots = 4 * self.size_lots
        self.skew = rng.uniform(0.2, 0.6)  # ticks of mid per lot of inventory
        self.cadence_ns = int(rng.uniform(1.0, 5.0) * NS)
        self.quoted_fv: float | None = None


class _Book:
    """What a maker quotes: its inventory moves with the fills of the one venue it quotes at."""

    __slots__ = ("maker", "symbol", "lot", "inventory", "last", "dirty")

    def __init__(self, maker: _Maker, symbol: str, lot: int) -> None:
        self.maker = maker
        self.symbol = symbol
        self.lot = lot
        self.inventory = 0  # shares, long positive
        self.last: tuple[int, int, int, int] | None = None
        self.dirty = False

    def terms(self, fv: float) -> tuple[int, int, int, int]:
        """(bid_px, bid_qty, ask_px, ask_qty): skewed against inventory, the loaded side shrunk."""
        m, lot = self.maker, self.lot
        inv_lots = self.inventory / lot
        mid = fv - m.skew * inv_lots
        bid = max(1, math.floor(mid - m.half_spread))
        ask = max(bid + 1, math.ceil(mid + m.half_spread))
        bid_lots = max(0, min(m.size_lots, round(m.size_lots * (1 - inv_lots / m.limit_lots))))
        ask_lots = max(0, min(m.size_lots, round(m.size_lots * (1 + inv_lots / m.limit_lots))))
        return bid, bid_lots * lot, ask, ask_lots * lot


class _Symbol:
    __slots__ = ("inst", "fv", "fv_rng", "noise_rng", "maker_rng", "makers", "rate_max", "n_orders", "moves")

    def __init__(self, inst: Instrument, seed: int, rate_scale: float) -> None:
        self.inst = inst
        self.fv = float(inst.reference_ticks)
        # str seeds go through SHA-512: stable across processes and Python versions
        self.fv_rng = random.Random(f"{seed}/{inst.symbol}/fv")
        self.noise_rng = random.Random(f"{seed}/{inst.symbol}/noise")
        self.maker_rng = random.Random(f"{seed}/{inst.symbol}/makers")
        self.makers = [_Maker(f"MM{i + 1}", self.maker_rng) for i in range(self.maker_rng.choice((2, 3)))]
        mean_lots = NOISE_LIMIT_SHARE * (1 + _geometric_mean(_LIMIT_LOTS_MEAN)) + \
            (1 - NOISE_LIMIT_SHARE) * (1 + _geometric_mean(_MARKET_LOTS_MEAN))
        per_s = inst.adv_shares * NOISE_ADV_SHARE / (mean_lots * inst.lot_size) / STANDARD_SESSION_S
        self.rate_max = per_s * rate_scale * volume_profile(0.0)  # the profile's peak, for thinning
        self.n_orders = 0
        self.moves = Moves()  # the scenario's trends and jumps


def _geometric_mean(mean: float) -> float:
    """E[floor(X)] for X ~ Exp(mean): the expected extra lots."""
    q = math.exp(-1.0 / mean)
    return q / (1.0 - q)


def slot_hash(key: object) -> float:
    """Where an order key or a maker's name falls in [0, 1): venues split the flow by ranges of it."""
    return zlib.crc32(str(key).encode()) / 2**32


def in_slot(u: float, slot: tuple[float, float]) -> bool:
    lo, hi = slot
    return hi > lo and lo <= u < hi


_FV, _MAKER, _NOISE, _EXPIRE, _CLOSE = range(5)  # the source's own events
_E_ACTION, _E_FV, _E_QUOTE, _E_CLOSE = range(4)  # what it hands its markets: (time, kind, payload)
Slot = tuple[float, float] | None  # a share of the flow; None: all of it


class FlowSource:
    """The random part of the background market, run once however many venues take a share of it.

    Everything it draws depends on its parameters only, never on fills, so one
    source can feed several ``BackgroundMarket`` views: each gets, in order,
    the events of its share (its noise orders and their cancels, its makers'
    turns to quote) and every fair-value step, and makes its makers' quotes
    itself from its own inventory. Views join before the source runs.
    """

    def __init__(self, instruments: dict[str, Instrument] | Iterable[Instrument], seed: int, start_ns: int,
                 session_open_ns: int, session_close_ns: int, rate_scale: float = 1.0, *,
                 day_length_ns: int | None = None) -> None:
        insts = list(instruments.values()) if isinstance(instruments, dict) else list(instruments)
        if session_close_ns <= session_open_ns:
            raise ValueError(f"session closes at {session_close_ns}, not after it opens at {session_open_ns}")
        if rate_scale < 0:
            raise ValueError(f"rate_scale {rate_scale} must not be negative")
        if day_length_ns is not None and day_length_ns < session_close_ns - session_open_ns:
            raise ValueError(f"day_length_ns {day_length_ns} is shorter than the session "
                             f"({session_close_ns - session_open_ns} ns)")
        insts = sorted(insts, key=lambda i: i.symbol)
        self.key = (tuple(insts), seed, start_ns, session_open_ns, session_close_ns, rate_scale, day_length_ns)
        self.start_ns = start_ns
        self._open, self._close = session_open_ns, session_close_ns
        self._day_ns = day_length_ns
        self._ran_to = start_ns - 1  # every event up to here is handed out
        self._symbols = {i.symbol: _Symbol(i, seed, rate_scale) for i in insts}
        self._views: list[tuple[BackgroundMarket, Slot, Slot]] = []
        self._maker_views: dict[str, list[BackgroundMarket]] = {}
        self._queue: list[tuple[int, int, int, str, str]] = []  # (time, seq, kind, symbol, key)
        self._seq = 0
        open_ns, close_ns = self._session(start_ns)
        begin = max(start_ns, open_ns)
        steps = -(-(begin - open_ns) // FV_STEP_NS)  # the first grid point at or after begin
        self._push(max(open_ns + max(steps, 1) * FV_STEP_NS, begin), _FV, "", "")
        for sym in self._symbols.values():
            for m in sym.makers:
                self._push(begin + int(sym.maker_rng.uniform(0, 0.1) * NS), _MAKER, sym.inst.symbol, m.name)
            if sym.rate_max > 0:
                self._push(begin + self._gap(sym), _NOISE, sym.inst.symbol, "")
        if day_length_ns is not None:
            self._push(close_ns, _CLOSE, "", "")

    @property
    def started(self) -> bool:
        return self._ran_to >= self.start_ns

    @property
    def day_length_ns(self) -> int | None:
        return self._day_ns

    def symbols(self) -> dict[str, _Symbol]:
        return self._symbols

    def move(self, symbol: str, at_ns: int, bps: float, over_ns: int = 0) -> None:
        """Move ``symbol``'s fair value by ``bps`` in total: evenly over [at_ns, at_ns + over_ns), or at once
        at ``at_ns`` when ``over_ns`` is 0 (``moves.Moves``). A move at a time the source has already handed
        out starts just after it: the walk's steps up to there are taken, and a move must not rewrite them (a
        running venue's move "now" lands at the walk's next step)."""
        if symbol not in self._symbols:
            raise ValueError(f"no background market for symbol {symbol!r}")
        self._symbols[symbol].moves.add(max(at_ns, self._ran_to + 1), bps, over_ns)

    def join(self, view: BackgroundMarket, orders: Slot, makers: Slot) -> None:
        if self.started:
            raise ValueError("a background market joins its source before the source runs")
        self._views.append((view, orders, makers))
        names = {m.name for sym in self._symbols.values() for m in sym.makers}
        for name in sorted(names):
            if makers is None or in_slot(slot_hash(name), makers):
                self._maker_views.setdefault(name, []).append(view)

    def leave(self, view: BackgroundMarket) -> None:
        self._views = [v for v in self._views if v[0] is not view]
        for views in self._maker_views.values():
            views[:] = [v for v in views if v is not view]

    def run_to(self, now: int) -> None:
        """Hand out every event up to and including ``now``."""
        queue = self._queue
        while queue and queue[0][0] <= now:
            self._step()
        if now > self._ran_to:
            self._ran_to = now

    def fill(self, view: BackgroundMarket) -> None:
        """Run on until ``view`` has an event waiting, or the source has none left."""
        queue = self._queue
        while not view.pending and queue:
            self._step()

    # -- events ---------------------------------------------------------------

    def _step(self) -> None:
        t, _, kind, symbol, key = heapq.heappop(self._queue)
        self._ran_to = t
        if kind == _FV:
            self._step_fair_values(t)
        elif kind == _MAKER:
            self._maker_due(t, self._symbols[symbol], key)
        elif kind == _NOISE:
            self._noise_due(t, self._symbols[symbol])
        elif kind == _CLOSE:
            self._close_due(t)
        else:
            self._order_event(t, key, Cancel(time_ns=t, participant=NOISE, symbol=symbol, order_key=key))

    def _order_event(self, t: int, key: str, action: Action) -> None:
        u = slot_hash(key)
        for view, orders, _ in self._views:
            if orders is None or in_slot(u, orders):
                view.pending.append((t, _E_ACTION, action))

    def _push(self, t: int, kind: int, symbol: str, key: str) -> None:
        self._seq += 1
        # A close goes ahead of everything else at its instant (there is one close per instant).
        heapq.heappush(self._queue, (t, -1 if kind == _CLOSE else self._seq, kind, symbol, key))

    def _session(self, t: int) -> tuple[int, int]:
        """(open, close) of the session running at ``t``, else of the next one to open.

        Without repeating days that is always the one session, even after its close.
        """
        if self._day_ns is None:
            return self._open, self._close
        k = max(0, (t - self._open) // self._day_ns)
        if t >= self._close + k * self._day_ns:
            k += 1
        return self._open + k * self._day_ns, self._close + k * self._day_ns

    def _close_due(self, t: int) -> None:
        """A day's close (repeating days only): makers withdraw their quotes until the next open."""
        for sym in self._symbols.values():
            for m in sym.makers:
                m.quoted_fv = None
        for view, _, makers in self._views:
            if makers is None or makers[1] > makers[0]:
                view.pending.append((t, _E_CLOSE, None))
        assert self._day_ns is not None
        self._push(t + self._day_ns, _CLOSE, "", "")

    def _step_fair_values(self, t: int) -> None:
        open_ns, close_ns = self._session(t - 1)  # the step at t covers the second before t
        if t > close_ns:
            return  # the one session is over
        if t <= open_ns:  # closed: resume on the next session's grid
            self._push(open_ns + FV_STEP_NS, _FV, "", "")
            return
        dt_years = FV_STEP_NS / NS / TRADING_SECONDS_PER_YEAR
        for sym in self._symbols.values():
            s = sym.inst.annual_volatility * math.sqrt(dt_years)
            sym.fv *= math.exp(s * sym.fv_rng.gauss(0.0, 1.0) - 0.5 * s * s)
            if sym.moves:  # tested first: without moves the walk's figures are exactly as before
                sym.fv *= sym.moves.factor(t - FV_STEP_NS, t)
            if t < close_ns:
                for m in sym.makers:
                    if m.quoted_fv is not None and abs(sym.fv - m.quoted_fv) >= m.half_spread:
                        self._quote(t, sym, m)
        fvs = tuple(sym.fv for sym in self._symbols.values())
        for view, _, _ in self._views:
            view.pending.append((t, _E_FV, fvs))
        self._push(t + FV_STEP_NS, _FV, "", "")

    def _maker_due(self, t: int, sym: _Symbol, name: str) -> None:
        open_ns, close_ns = self._session(t)
        if t >= close_ns:
            return
        if t < open_ns:  # closed: first quote just after the next open
            self._push(open_ns + int(sym.maker_rng.uniform(0, 0.1) * NS), _MAKER, sym.inst.symbol, name)
            return
        m = next(m for m in sym.makers if m.name == name)
        self._quote(t, sym, m)
        self._push(t + int(m.cadence_ns * (0.5 + sym.maker_rng.random())), _MAKER, sym.inst.symbol, name)

    def _quote(self, t: int, sym: _Symbol, m: _Maker) -> None:
        """The maker's turn to quote at the current fair value; the view it quotes at makes the quote."""
        m.quoted_fv = sym.fv
        for view in self._maker_views.get(m.name, ()):
            view.pending.append((t, _E_QUOTE, (sym.inst.symbol, m.name, sym.fv)))

    def _noise_due(self, t: int, sym: _Symbol) -> None:
        open_ns, close_ns = self._session(t)
        if t >= close_ns:
            return
        if t < open_ns:  # closed: the process starts afresh at the next open
            self._push(open_ns + self._gap(sym), _NOISE, sym.inst.symbol, "")
            return
        rng = sym.noise_rng
        # Thinning (Lewis-Shedler): candidates at the peak rate, kept with probability rate(t)/peak.
        if rng.random() * volume_profile(0.0) < volume_profile((t - open_ns) / (close_ns - open_ns)):
            sym.n_orders += 1
            key = f"{sym.inst.symbol}-N{sym.n_orders}"
            side = Side.BUY if rng.random() < 0.5 else Side.SELL
            lot = sym.inst.lot_size
            if rng.random() < NOISE_LIMIT_SHARE:
                away = rng.randint(-2, 6)  # ticks on the passive side of fair value; below 0 is marketable
                px = round(sym.fv) - away if side is Side.BUY else round(sym.fv) + away
                lots = min(_MAX_LOTS, 1 + int(rng.expovariate(1.0 / _LIMIT_LOTS_MEAN)))
                self._order_event(t, key, Place(time_ns=t, participant=NOISE, symbol=sym.inst.symbol, side=side,
                                                qty=lots * lot, price_ticks=max(1, px), order_key=key))
                expire = t + max(1, int(rng.expovariate(1.0 / NOISE_LIFETIME_S) * NS))
                if expire < close_ns or self._day_ns is not None:
                    self._push(expire, _EXPIRE, sym.inst.symbol, key)
            else:
                lots = min(_MAX_LOTS, 1 + int(rng.expovariate(1.0 / _MARKET_LOTS_MEAN)))
                self._order_event(t, key, Place(time_ns=t, participant=NOISE, symbol=sym.inst.symbol, side=side,
                                                qty=lots * lot, price_ticks=None, order_key=key))
        self._push(t + self._gap(sym), _NOISE, sym.inst.symbol, "")

    @staticmethod
    def _gap(sym: _Symbol) -> int:
        return max(1, int(sym.noise_rng.expovariate(sym.rate_max) * NS))


class BackgroundMarket:
    """A venue's view of the background flow. See the module docstring.

    Built from its parameters it runs a source of its own and sees all of the
    flow; ``BackgroundMarket.share`` gives a view of one share of a source
    that other views take shares of too, and that view's ``advance`` returns
    exactly the actions of that share its own source would have returned.
    """

    def __init__(self, instruments: dict[str, Instrument] | Iterable[Instrument], seed: int, start_ns: int,
                 session_open_ns: int, session_close_ns: int, rate_scale: float = 1.0, *,
                 day_length_ns: int | None = None) -> None:
        self._join(FlowSource(instruments, seed, start_ns, session_open_ns, session_close_ns, rate_scale,
                              day_length_ns=day_length_ns), None, None)

    @staticmethod
    def share(source: FlowSource, orders: tuple[float, float], makers: tuple[float, float]) -> BackgroundMarket:
        """A view of ``source`` that sees the noise orders whose keys hash into ``orders`` and the makers whose
        names hash into ``makers`` (``slot_hash``), and every fair-value step."""
        return _Share(source, orders, makers)

    def _join(self, source: FlowSource, orders: Slot, makers: Slot) -> None:
        self.source = source
        self.pending: deque[tuple[int, int, Any]] = deque()  # (time, kind, payload): see the _E_ kinds
        self._now = source.start_ns
        syms = source.symbols()
        self._names = list(syms)
        self._fv = {s: sym.fv for s, sym in syms.items()}
        self._books: dict[tuple[str, str], _Book] = {}  # the makers this view quotes for, in the flow's order
        for s, sym in syms.items():
            for m in sym.makers:
                if makers is None or in_slot(slot_hash(m.name), makers):
                    self._books[(s, m.name)] = _Book(m, s, sym.inst.lot_size)
        source.join(self, orders, makers)

    # -- queries --------------------------------------------------------------

    @property
    def now(self) -> int:
        return self._now

    @property
    def day_length_ns(self) -> int | None:
        return self.source.day_length_ns

    def symbols(self) -> list[str]:
        return list(self._names)

    def next_due(self) -> int | None:
        """When this view's next event falls (``advance`` to it or later to get it); None: no more ever."""
        if not self.pending:
            self.source.fill(self)
        return self.pending[0][0] if self.pending else None

    def fair_value(self, symbol: str) -> float:
        """The fair value in ticks as of the last ``advance``."""
        try:
            return self._fv[symbol]
        except KeyError:
            raise ValueError(f"no background market for symbol {symbol!r}") from None

    def makers(self, symbol: str) -> list[str]:
        if symbol not in self._fv:
            raise ValueError(f"no background market for symbol {symbol!r}")
        return [m.name for m in self.source.symbols()[symbol].makers]

    def inventory(self, participant: str, symbol: str) -> int:
        return self._book(participant, symbol).inventory

    # -- commands -------------------------------------------------------------

    def advance(self, now: int) -> list[Action]:
        """Everything that happens after the previous call up to and including ``now``."""
        if now < self._now:
            raise ValueError(f"time went backwards: advance({now}) after advance({self._now})")
        self._now = now
        self.source.run_to(now)
        out: list[Action] = []
        pending = self.pending
        while pending and pending[0][0] <= now:
            t, kind, payload = pending.popleft()
            if kind == _E_ACTION:
                out.append(payload)
            elif kind == _E_QUOTE:
                symbol, name, fv = payload
                self._quote(t, self._books[(symbol, name)], fv, out)
            elif kind == _E_FV:
                self._fv = dict(zip(self._names, payload))
            else:
                self._close(t, out)
        return out

    def on_fill(self, participant: str, symbol: str, side: Side, qty: int) -> None:
        """A venue filled a maker's quote: its inventory moves; it requotes at its next turn."""
        if participant == NOISE:
            return
        book = self._book(participant, symbol)
        book.inventory += qty if side == Side.BUY else -qty
        book.dirty = True

    # -- quotes ---------------------------------------------------------------

    def _quote(self, t: int, book: _Book, fv: float, out: list[Action]) -> None:
        quote = book.terms(fv)
        if quote == book.last and not book.dirty:
            return
        book.last, book.dirty = quote, False
        bid_px, bid_qty, ask_px, ask_qty = quote
        out.append(Quote(time_ns=t, participant=book.maker.name, symbol=book.symbol, bid_px=bid_px, bid_qty=bid_qty,
                         ask_px=ask_px, ask_qty=ask_qty))

    def _close(self, t: int, out: list[Action]) -> None:
        for book in self._books.values():
            last = book.last
            if last is not None and (last[1] or last[3]):
                out.append(Quote(time_ns=t, participant=book.maker.name, symbol=book.symbol, bid_px=last[0],
                                 bid_qty=0, ask_px=last[2], ask_qty=0))
            book.last = None

    def _book(self, participant: str, symbol: str) -> _Book:
        if symbol not in self._fv:
            raise ValueError(f"no background market for symbol {symbol!r}")
        book = self._books.get((symbol, participant))
        if book is None:
            raise ValueError(f"{participant!r} is not a market maker in {symbol} (here)")
        return book


class _Share(BackgroundMarket):
    """A view built on a source it shares (``BackgroundMarket.share``); a subclass, not ``cls.__new__``, which
    mypyc's compiled classes do not have."""

    def __init__(self, source: FlowSource, orders: Slot, makers: Slot) -> None:
        self._join(source, orders, makers)
