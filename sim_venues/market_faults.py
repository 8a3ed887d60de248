"""A tester's market faults at one venue (issue 7): the market moved, spiked, widened, thinned, stale or crossed.

Sans-IO: ``now`` (integer ns) is passed in by the venue's own clock; nothing
here reads a clock or does I/O. The gateway that owns the ``FaultPlan`` makes
one ``MarketFaults`` and attaches it to its ``Venue`` (``venue.market``), whose
``advance``, ``next_due`` and ``_requote`` call in here, so the same code runs
in a venue process and in the in-process simulation.

Operations, done at once (``operate``; ``faults.MARKET_OPS``):

- ``fair_value``: the venue's background market's fair value jumps by ``bps``
  at its next one-second step, or trends by ``bps`` over ``over_s``
  (``moves.Moves``); the makers re-quote around it as it moves. In a venue
  process only that venue's copy of the flow moves; in the simulation, where
  the venues share one flow, every venue's does. A venue with no background
  market (no ``flow_share`` and no ``makers`` in venues.yaml) has nothing to
  move and refuses.
- ``volume_spike``: ``slices`` market IOC orders (midpoint-pegged IOC at a
  dark or cross venue, as the flow's own) from ``SPIKE_OWNER``, a participant
  no session can be, evenly over ``over_s`` from now: slice i at now +
  i * over / slices, each qty / slices rounded down to lots, the last taking
  the rest; ``side`` both alternates, buy first. They trade with the book and
  print as any trade; what the book cannot fill is cancelled, as any IOC's
  rest. When the last slice has gone the event log says how much traded.

States (``faults.MARKET_KINDS``), armed with a scope of a symbol (none: every
symbol) and a window. They take effect, and end, at the venue's ``advance``
(the gateway advances right after arming or disarming, so that is at once);
``next_due`` names every window's edge so a caller that skips idle ticks
wakes for it:

- ``widen_spread`` / ``thin_book``: every maker quote of the symbol (the
  flow's makers' and the mm venue's own) is ``ticks`` further from the mid on
  each side / ``ratio`` of its size, rounded down to lots, at least one lot.
  Several at once add their ticks and multiply their ratios. Each maker's last
  quote as it meant it is kept, so the makers re-quote it shaped when a state
  starts and as meant when it ends.
- ``stale_quote``: no market data increments for the symbol go out (the book
  moves and trades as ever); the trades are held back, and when it ends the
  next publish catches every subscriber up to the true book and then prints
  them, late, not lost. A subscription made while stale gets the true book in
  its snapshot (each subscriber's view is what it was last sent, and a new
  one was sent nothing).
- ``crossed_quote``: what subscribers are sent on the bid side carries an
  extra best bid of one lot at the best offer + ``ticks`` (none while the
  book has no offer); the book itself is not touched, and the next publish
  after the end deletes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

from .faults import MARKET_OPS, Armed, FaultError, FaultPlan, Scope, check_params
from .orders import ExecType, OrderRequest, OrdType, Report, Side, TimeInForce, Trade

if TYPE_CHECKING:
    from .venues import Venue

__all__ = ["SPIKE_OWNER", "MarketFaults"]

SPIKE_OWNER = "~spike"  # "~": the venue's own participant (venues.FLOW_OWNER), never a FIX session
_NS = 1_000_000_000
_MAX_HELD = 100_000  # trades held per stale symbol; beyond this the oldest are dropped (a stale feed for hours)
_Quote = tuple[str, str, int, int, int, int]  # (owner, symbol, bid_px, bid_qty, ask_px, ask_qty), as Venue._requote


@dataclass(slots=True)
class _Spike:
    fault_id: str
    symbol: str
    qty: int
    slices: list[tuple[int, Side, int]]  # (at_ns, side, qty), soonest first
    sent: int = 0
    traded: int = 0


def _what(a: Armed) -> str:
    p = a.params
    return {"widen_spread": f"maker quotes {p.get('ticks')} tick(s) wider on each side",
            "thin_book": f"maker quote sizes times {p.get('ratio')}",
            "stale_quote": "market data stopped",
            "crossed_quote": f"a bid {p.get('ticks')} tick(s) above the best offer published"}.get(a.kind, a.kind)


class MarketFaults:
    def __init__(self, venue: Venue, plan: FaultPlan, event: Callable[[str], None] = lambda text: None):
        self.venue = venue
        self.plan = plan
        self.event = event
        self.stale: frozenset[str] = frozenset()  # symbols whose market data is held back now
        self.crossing: dict[str, int] = {}  # symbol -> ticks above the best offer of the published extra bid
        self._shape: dict[str, tuple[int, float]] = {}  # symbol -> (ticks wider, size ratio)
        self._in_effect: dict[str, tuple[Armed, Scope]] = {}
        self._quotes: dict[tuple[str, str], tuple[int, int, int, int]] = {}  # each maker's last quote as meant
        self._held: dict[str, list[Trade]] = {}
        self._md_changed: set[str] = set()  # symbols whose stale or crossed state changed since take_md_changed
        self._spikes: list[_Spike] = []
        self._orders = 0

    # -- the venue's hooks -------------------------------------------------------------------------------------

    def advance(self, now: int) -> list[Report]:
        """States starting or ending by ``now`` (makers re-quoted), then the spike slices due."""
        out = self._sync(now) if self._in_effect or self.plan.armed_at("market") else []
        if self._spikes:
            out += self._run_spikes(now)
        return out

    def next_due(self, now: int) -> int | None:
        due = [sp.slices[sp.sent][0] for sp in self._spikes]
        states = self.plan.states(now) if self._in_effect or self.plan.armed_at("market") else []
        for a, s in states:
            due += [edge for edge in (s.start_ns, s.end_ns) if edge is not None and edge > now]
        live = {a.fault_id for a, s in states if s.start_ns is None or s.start_ns <= now}
        if live != set(self._in_effect):  # armed or disarmed since the last advance
            due.append(now)
        return max(now + 1, min(due)) if due else None

    def shape(self, quotes: list[_Quote], now: int) -> list[_Quote]:
        """Makers' quotes as the states in effect reshape them; each as meant is kept for re-quoting later."""
        for q in quotes:
            self._quotes[(q[0], q[1])] = q[2:]
        if not self._shape:
            return quotes
        return [self._shaped(q) for q in quotes]

    def _shaped(self, q: _Quote) -> _Quote:
        owner, symbol, bid_px, bid_qty, ask_px, ask_qty = q
        got = self._shape.get(symbol)
        if got is None:
            return q
        ticks, ratio = got
        lot = self.venue.instruments[symbol].lot_size

        def thin(qty: int) -> int:
            return qty if qty <= 0 or ratio >= 1 else min(qty, max(lot, int(qty * ratio) // lot * lot))
        return owner, symbol, bid_px - ticks, thin(bid_qty), ask_px + ticks, thin(ask_qty)

    # -- the publisher's questions -----------------------------------------------------------------------------

    def trades(self, symbol: str, trades: list[Trade]) -> list[Trade]:
        """What of ``trades`` to print now: none while the symbol is stale (held), else the held ones first."""
        if symbol in self.stale:
            if trades:
                held = self._held.setdefault(symbol, [])
                held += trades
                del held[:-_MAX_HELD]
            return []
        if symbol in self._held:
            return self._held.pop(symbol) + trades
        return trades

    def take_md_changed(self) -> list[str]:
        """Symbols whose market data must go out again (a stale or crossed state began or ended) since the
        last call, in the venue's order of its symbols (never a set's: the simulation sends them one by one,
        each drawing its seeded latency): a publisher that only sends symbols whose book changed asks this."""
        changed, self._md_changed = self._md_changed, set()
        return [s for s in self.venue.engines if s in changed]

    def crossed_bids(self, symbol: str, bids: list[tuple[int, int]],
                     asks: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """``bids`` (best first) as published: with the crossed extra bid on top while crossed_quote is on."""
        ticks = self.crossing.get(symbol)
        if ticks is None or not asks:
            return bids
        return [(asks[0][0] + ticks, self.venue.instruments[symbol].lot_size), *bids]

    # -- states ------------------------------------------------------------------------------------------------

    def _sync(self, now: int) -> list[Report]:
        live = {a.fault_id: (a, s) for a, s in self.plan.states(now) if s.start_ns is None or s.start_ns <= now}
        shape: dict[str, tuple[int, float]] = {}
        crossing: dict[str, int] = {}
        stale: set[str] = set()
        for a, s in live.values():
            for symbol in [s.symbol] if s.symbol is not None else list(self.venue.engines):
                ticks, ratio = shape.get(symbol, (0, 1.0))
                if a.kind == "widen_spread":
                    shape[symbol] = (ticks + a.params["ticks"], ratio)
                elif a.kind == "thin_book":
                    shape[symbol] = (ticks, ratio * a.params["ratio"])
                elif a.kind == "stale_quote":
                    stale.add(symbol)
                else:
                    crossing[symbol] = max(crossing.get(symbol, 0), a.params["ticks"])
        for fid, (a, s) in live.items():
            if fid not in self._in_effect:
                on = s.symbol or "every symbol"
                self.plan.took_effect(fid, now, s.symbol or "", f"{_what(a)} on {on}")
                self.event(f"fault {fid} {a.kind} in effect on {on}: {_what(a)}")
        for fid, (a, s) in self._in_effect.items():
            if fid not in live:
                why = "its window ended" if s.end_ns is not None and now >= s.end_ns else "disarmed"
                self.event(f"fault {fid} {a.kind} over on {s.symbol or 'every symbol'}: {why}")
        self._in_effect = live
        self._md_changed |= (stale ^ self.stale) | {sym for sym in crossing.keys() | self.crossing.keys()
                                                    if crossing.get(sym) != self.crossing.get(sym)}
        changed = {sym for sym in shape.keys() | self._shape.keys() if shape.get(sym) != self._shape.get(sym)}
        self._shape, self.crossing, self.stale = shape, crossing, frozenset(stale)
        again = [(o, sym, *terms) for (o, sym), terms in self._quotes.items() if sym in changed]
        # One _requote for all: every maker's old ladder leaves the book before any new level enters.
        return self.venue._requote(again, now) if again else []

    # -- operations --------------------------------------------------------------------------------------------

    def operate(self, kind: str, params: Mapping[str, Any] | None, now: int) -> dict[str, Any]:
        """A fair-value move or a volume spike, from ``now``; ``FaultError`` naming the param if it cannot be."""
        if kind not in MARKET_OPS:
            raise FaultError(f"kind: {kind!r} is not a market operation ({', '.join(MARKET_OPS)})")
        p = check_params(kind, params)
        symbol = p["symbol"]
        if symbol not in self.venue.engines:
            raise FaultError(f"{kind}: params.symbol: {symbol!r} is not traded at {self.venue.name} "
                             f"({', '.join(sorted(self.venue.engines))})")
        slices = self._slices(p, now) if kind == "volume_spike" else None
        what = (self._move(p, now) if slices is None else
                f"{p['qty']} in {p['slices']} market order(s) over {p['over_s']:g} s, side {p['side']}")
        fid = self.plan.record(kind, p, now, symbol=symbol, what=what)
        if slices is not None:
            self._spikes.append(_Spike(fid, symbol, p["qty"], slices))
        self.event(f"fault {fid} {kind} fired on {symbol}: {what}")
        return {"id": fid, "kind": kind, "what": what}

    def _move(self, p: dict[str, Any], now: int) -> str:
        flow = self.venue.flow
        if flow is None:
            raise FaultError(f"fair_value: {self.venue.name} has no background market to move (its flow_share is "
                             "0 and it hosts no makers in venues.yaml)")
        symbol, bps, over_s = p["symbol"], p["bps"], p["over_s"]
        flow.source.move(symbol, now, bps, round(over_s * _NS) if over_s else 0)
        before = self.venue.pricing[symbol].fmt(round(flow.fair_value(symbol)))
        return f"fair value {bps:+g} bps {f'over {over_s:g} s' if over_s else 'at once'} (from about {before})"

    def _slices(self, p: dict[str, Any], now: int) -> list[tuple[int, Side, int]]:
        symbol, qty, n = p["symbol"], p["qty"], p["slices"]
        lot = self.venue.instruments[symbol].lot_size
        if qty % lot:
            raise FaultError(f"volume_spike: params.qty: {qty} is not whole lots of {symbol} (lot size {lot})")
        if qty < n * lot:
            raise FaultError(f"volume_spike: params.slices: {n} slices of {qty} would leave some below a lot "
                             f"({lot} in {symbol}): fewer slices or more qty")
        per = qty // n // lot * lot
        over_ns = round(p["over_s"] * _NS)
        slices: list[tuple[int, Side, int]] = []
        for i in range(n):
            side = {"buy": Side.BUY, "sell": Side.SELL}.get(p["side"], Side.BUY if i % 2 == 0 else Side.SELL)
            slices.append((now + over_ns * i // n, side, per if i < n - 1 else qty - per * (n - 1)))
        return slices

    def _run_spikes(self, now: int) -> list[Report]:
        due = sorted((sp.slices[k][0], i, k) for i, sp in enumerate(self._spikes)
                     for k in range(sp.sent, len(sp.slices)) if sp.slices[k][0] <= now)
        out: list[Report] = []
        for _, i, k in due:
            sp = self._spikes[i]
            _, side, qty = sp.slices[k]
            self._orders += 1
            req = OrderRequest(owner=SPIKE_OWNER, cl_ord_id=f"{sp.fault_id}-{self._orders}", symbol=sp.symbol,
                               side=side, qty=qty, tif=TimeInForce.IOC,
                               # A midpoint venue's market order is pegged to the mid, as the flow's are.
                               **({"ord_type": OrdType.PEGGED, "exec_inst": "M"} if self.venue.denominator == 2
                                  else {"ord_type": OrdType.MARKET}))
            reports = self.venue.engines[sp.symbol].submit(req, now)
            sp.sent = k + 1
            sp.traded += sum(r.last_qty for r in reports
                             if r.exec_type is ExecType.TRADE and r.order.request.owner == SPIKE_OWNER)
            out += reports
        for sp in self._spikes:
            if sp.sent == len(sp.slices):
                self.event(f"fault {sp.fault_id} volume_spike done on {sp.symbol}: {len(sp.slices)} order(s), "
                           f"{sp.traded} of {sp.qty} traded")
        self._spikes = [sp for sp in self._spikes if sp.sent < len(sp.slices)]
        return out
