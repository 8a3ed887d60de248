"""The five venue kinds, as policies over the same engines.

- ``exchange``: lit books with a repeating trading day (``DayCycle``): pre-open
  call, opening uncross, continuous, closing call and uncross, closed; halts.
- ``ecn``: lit, continuous only, maker-taker fees on every fill.
- ``dark``: a ``MidpointEngine`` matching continuously at the reference mid.
- ``cross``: a ``MidpointEngine`` crossed every ``cross_every_s`` seconds.
- ``mm``: a lit book in which the venue's own market maker streams a two-sided
  quote around fair value, skewed against its inventory.

A ``Venue`` is sans-IO: the gateway passes ``now`` in and sends what comes
back. Background flow (``flow.BackgroundMarket``) runs identically in every
venue process from the same seed, so the fair value is shared without any
wire; each venue takes the share of the flow its config gives it, chosen by a
stable hash of the order key, so the processes never double-count an order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable

from .daycycle import DayCycle
from .flow import Action, BackgroundMarket, Cancel, FlowSource, Place, Quote, in_slot, slot_hash
from .fix_translate import Pricing
from .instruments import Instrument
from .matching import Engine
from .midpoint import MidpointEngine
from .orders import (CancelReject, Liquidity, OrderRequest, OrdType, Phase, Report, Side, TimeInForce,
                     VenueEngine, ExecType)

__all__ = ["FLOW_OWNER", "KINDS", "Fees", "Halt", "MM_OWNER", "Venue", "VenueSpec", "flow_slots"]

KINDS = ("exchange", "ecn", "dark", "cross", "mm")
FLOW_OWNER = "~flow"  # owners starting with "~" are the venue's own participants, never a FIX session
MM_OWNER = "~mm"
_NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Fees:
    """Per-share charges; negative is a rebate. Reported as Commission (12) with CommType (13) 3 absolute."""

    maker_per_share: Decimal = Decimal(0)
    taker_per_share: Decimal = Decimal(0)
    auction_per_share: Decimal = Decimal(0)

    def for_fill(self, liquidity: Liquidity | None, qty: int) -> Decimal | None:
        rate = {Liquidity.ADDED: self.maker_per_share, Liquidity.REMOVED: self.taker_per_share,
                Liquidity.AUCTION: self.auction_per_share}.get(liquidity) if liquidity else None
        if rate is None or (not self.maker_per_share and not self.taker_per_share and not self.auction_per_share):
            return None
        return (rate * qty).quantize(Decimal("0.0001"))


@dataclass(frozen=True, slots=True)
class Halt:
    symbol: str
    at_s: float
    for_s: float


@dataclass(frozen=True, slots=True)
class VenueSpec:
    name: str
    kind: str
    port: int
    host: str = "127.0.0.1"
    accept: tuple[str, ...] = ("*",)
    fees: Fees = Fees()
    day: DayCycle | None = None
    cross_every_s: float = 180.0
    flow_share: float = 0.0
    makers: bool = False
    halts: tuple[Halt, ...] = ()
    mm_half_spread_ticks: int = 2
    mm_size: int = 500
    mm_skew_ticks_per_lot: float = 0.5
    maker_levels: int = 5


@dataclass(slots=True)
class _Maker:
    live: dict[tuple[Side, int], tuple[str, int]] = field(default_factory=dict)  # (side, price) -> (ClOrdID, qty)
    seq: int = 0


class Venue:
    """One venue: its engines (one per symbol) and the policy of its kind."""

    def __init__(self, spec: VenueSpec, instruments: dict[str, Instrument], start_ns: int,
                 flow: BackgroundMarket | None = None, flow_slot: tuple[float, float] = (0.0, 0.0),
                 maker_slot: tuple[float, float] = (0.0, 0.0), run_id: str = ""):
        if spec.kind not in KINDS:
            raise ValueError(f"venue {spec.name}: kind {spec.kind!r} is not one of {', '.join(KINDS)}")
        self.spec = spec
        self.name = spec.name
        self.run_id = run_id
        self.instruments = instruments
        self.pricing = {s: Pricing(s, i.tick_size) for s, i in instruments.items()}
        self.start_ns = start_ns
        self.flow = flow
        self._flow_slot = flow_slot
        self._maker_slot = maker_slot
        self.denominator = 2 if spec.kind in ("dark", "cross") else 1
        self.phase = Phase.CONTINUOUS
        if spec.kind == "exchange" and spec.day is not None:
            self.phase = spec.day.phase_at(start_ns, start_ns)[0]
        self.engines: dict[str, VenueEngine] = {}
        for symbol in instruments:
            # OrderIDs unique per venue: the symbol, and the run id so a restart never repeats one.
            prefix = f"{spec.name}-{run_id}-{symbol}" if run_id else f"{spec.name}-{symbol}"
            if spec.kind in ("dark", "cross"):
                self.engines[symbol] = MidpointEngine(symbol, venue=spec.name, continuous=spec.kind == "dark",
                                                      id_prefix=prefix)
            else:
                self.engines[symbol] = Engine(symbol, venue=spec.name, phase=self.phase,
                                              auctions=spec.kind == "exchange", id_prefix=prefix)
        self.halted: set[str] = set()
        self.status_changes: list[tuple[str | None, Phase]] = []
        self._next_cross = start_ns + int(spec.cross_every_s * _NS)
        self._keys: dict[str, tuple[str, str]] = {}  # flow order key -> (symbol, cl_ord_id)
        self._makers: dict[tuple[str, str], _Maker] = {}
        self._mm_inventory: dict[str, int] = {s: 0 for s in instruments}
        self._mm_quoted: dict[str, tuple[int, int]] = {}
        self._ids = 0
        # Configured halts (by index in spec.halts) that have begun: True while that halt holds its symbol halted,
        # so its end lifts only its own halt, never one a tester made through the control API.
        self._halts_begun: dict[int, bool] = {}
        # A tester's market faults (market_faults.MarketFaults, set by the gateway that owns the fault plan);
        # None: the venue as configured. Kept out of this compiled module: rare, and not the hot path.
        self.market: Any = None

    # -- orders from sessions -------------------------------------------------

    def engine(self, symbol: str) -> VenueEngine | None:
        return self.engines.get(symbol)

    def submit(self, req: OrderRequest, now: int) -> list[Report]:
        return self._after(self.engines[req.symbol].submit(req, now))

    def cancel(self, symbol: str, owner: str, cl_ord_id: str, orig: str, now: int) -> list[Report] | CancelReject:
        out = self.engines[symbol].cancel(owner, cl_ord_id, orig, now)
        return out if isinstance(out, CancelReject) else self._after(out)

    def replace(self, orig: str, req: OrderRequest, now: int) -> list[Report] | CancelReject:
        out = self.engines[req.symbol].replace(orig, req, now)
        return out if isinstance(out, CancelReject) else self._after(out)

    def mass_cancel(self, owner: str, symbol: str | None, side: Side | None, now: int) -> list[Report]:
        out: list[Report] = []
        for s, eng in self.engines.items():
            if symbol is None or s == symbol:
                out += eng.mass_cancel(owner, side, now)
        return out

    def commission(self, report: Report) -> Decimal | None:
        if report.exec_type is not ExecType.TRADE:
            return None
        return self.spec.fees.for_fill(report.liquidity, report.last_qty)

    # -- time -----------------------------------------------------------------

    def advance(self, now: int) -> list[Report]:
        """Everything the venue does by itself up to ``now``: phases, halts, a tester's market faults, flow,
        expiry, crosses, quotes."""
        out: list[Report] = []
        out += self._phases(now)
        if self.market is not None:
            out += self.market.advance(now)
        if self.flow is not None:
            out += self._apply_flow(self.flow.advance(now), now)
        for eng in self.engines.values():
            out += eng.on_time(now)
        if self.spec.kind == "cross" and now >= self._next_cross:
            self._next_cross = now + int(self.spec.cross_every_s * _NS)
            for eng in self.engines.values():
                out += eng.cross(now)  # type: ignore[attr-defined]
        if self.spec.kind == "mm" and self.flow is not None:
            for symbol in self.engines:
                out += self._mm_quote(symbol, now)
        return self._after(out)

    def set_reference(self, symbol: str, bid: int | None, ask: int | None, now: int) -> list[Report]:
        eng = self.engines.get(symbol)
        return self._after(eng.set_reference(bid, ask, now)) if eng is not None else []

    def next_due(self, now: int) -> int | None:
        """The first instant after ``now`` at which ``advance`` has something of its own to do: the flow's
        next action, a phase change, a halt starting or ending, a cross, a market fault's next step (None:
        nothing ever). A caller that skips idle ticks (the in-process simulation) ticks then; GTD expiries are
        the caller's to know, as it sent the ExpireTimes."""
        due: list[int] = []
        if self.flow is not None and (t := self.flow.next_due()) is not None:
            due.append(t)
        day = self.spec.day
        if self.spec.kind == "exchange" and day is not None and day.length_ns:
            _, k, into = day.phase_at(self.start_ns, now)
            begin = self.start_ns + k * day.length_ns
            edges = (day.pre_open_s, day.pre_open_s + day.continuous_s,
                     day.pre_open_s + day.continuous_s + day.closing_auction_s)
            due.append(next((begin + int(e * _NS) for e in edges if int(e * _NS) > into), begin + day.length_ns))
        for h in self.spec.halts:
            start = self.start_ns + int(h.at_s * _NS)
            end = start + int(h.for_s * _NS)
            if h.symbol in self.engines and end > now:
                due.append(start if start > now else end)
        if self.spec.kind == "cross":
            due.append(max(self._next_cross, now + 1))
        if self.market is not None and (t := self.market.next_due(now)) is not None:
            due.append(t)
        return min(due) if due else None

    def own_bbo(self, symbol: str) -> tuple[int | None, int | None]:
        eng = self.engines[symbol]
        bids, asks = eng.levels(Side.BUY, 1), eng.levels(Side.SELL, 1)
        return (bids[0][0] if bids else None), (asks[0][0] if asks else None)

    def _phases(self, now: int) -> list[Report]:
        out: list[Report] = []
        day = self.spec.day
        if self.spec.kind == "exchange" and day is not None:
            phase = day.phase_at(self.start_ns, now)[0]
            if phase is not self.phase:
                steps = [Phase.OPENING_AUCTION, phase] if phase is Phase.CONTINUOUS else [phase]
                for step in steps:
                    for symbol, eng in self.engines.items():
                        if symbol not in self.halted:
                            out += eng.set_phase(step, now)
                self.phase = phase
                self.status_changes.append((None, phase))
        for i, h in enumerate(self.spec.halts):
            start = self.start_ns + int(h.at_s * _NS)
            end = start + int(h.for_s * _NS)
            if h.symbol not in self.engines:
                continue
            if start <= now < end and i not in self._halts_begun:
                # A symbol halted already (by a tester) stays theirs to resume.
                self._halts_begun[i] = h.symbol not in self.halted
                if self._halts_begun[i]:
                    out += self.halt(h.symbol, now)
            elif now >= end and self._halts_begun.get(i):
                self._halts_begun[i] = False
                if h.symbol in self.halted:
                    out += self.resume(h.symbol, now)
        return out

    def halt(self, symbol: str, now: int) -> list[Report]:
        self.halted.add(symbol)
        self.status_changes.append((symbol, Phase.HALTED))
        return self.engines[symbol].set_phase(Phase.HALTED, now)

    def resume(self, symbol: str, now: int) -> list[Report]:
        """Back to the venue's phase; from CONTINUOUS the engine uncrosses what collected in the halt. A configured
        halt of the symbol ends here too: a tester's halt after this one is theirs, and its window's end leaves
        it alone."""
        for i, h in enumerate(self.spec.halts):
            if h.symbol == symbol and self._halts_begun.get(i):
                self._halts_begun[i] = False
        self.halted.discard(symbol)
        self.status_changes.append((symbol, self.phase))
        return self.engines[symbol].set_phase(self.phase, now)

    # -- background flow ------------------------------------------------------

    def _mine(self, key: object, slot: tuple[float, float]) -> bool:
        return in_slot(slot_hash(key), slot)

    def share_flow(self, source: FlowSource) -> None:
        """Take this venue's share of ``source`` (run once for every venue of an in-process simulation) in
        place of a background market of its own: the same actions reach the engines, and the venue's flow
        wakes it only for its own share of them."""
        if self.flow is not None:
            self.flow.source.leave(self.flow)
        makers = self._maker_slot if self.denominator == 1 else (0.0, 0.0)
        self.flow = BackgroundMarket.share(source, self._flow_slot, makers)

    def _apply_flow(self, actions: Iterable[Action], now: int) -> list[Report]:
        """Put the flow's actions on the books in order; the makers' quotes of one instant go on together.

        At a fair-value step every maker whose quote went stale re-quotes at the same instant. Entered one
        after another, the first new ladder would trade with the others' stale ones before they could move,
        and the inventory that moves makes the next step's quotes cross again: makers trading with each other
        at every step, many times the noise flow's volume. So a run of quotes stamped with the same instant is
        one ``_requote``: every maker's stale levels leave the book before any new level enters.
        """
        out: list[Report] = []
        # This instant's quotes, not yet on the books; a maker's later quote at the instant supersedes its earlier.
        quotes: dict[tuple[str, str], tuple[int, int, int, int]] = {}
        at = -1
        for a in actions:
            if quotes and (a.time_ns != at or not isinstance(a, Quote)):
                out += self._requote([(o, s, *terms) for (o, s), terms in quotes.items()], now)
                quotes = {}
            eng = self.engines.get(a.symbol)
            if eng is None:
                continue
            owner = f"{FLOW_OWNER}:{a.participant}"
            if isinstance(a, Place) and self._mine(a.order_key, self._flow_slot):
                self._ids += 1
                cl = f"F{self._ids}"
                market = a.price_ticks is None
                if self.denominator == 2:
                    # A midpoint venue's share of the noise: pegged to the mid, a market order's for one cross only.
                    req = OrderRequest(owner=owner, cl_ord_id=cl, symbol=a.symbol, side=Side(a.side), qty=a.qty,
                                       ord_type=OrdType.PEGGED, exec_inst="M",
                                       tif=TimeInForce.IOC if market else TimeInForce.DAY)
                else:
                    req = OrderRequest(owner=owner, cl_ord_id=cl, symbol=a.symbol, side=Side(a.side), qty=a.qty,
                                       ord_type=OrdType.MARKET if market else OrdType.LIMIT, price=a.price_ticks,
                                       tif=TimeInForce.IOC if market else TimeInForce.DAY)
                out += eng.submit(req, now)
                if not market:  # the flow cancels its resting orders later; IOC ones are gone at once
                    self._keys[a.order_key] = (a.symbol, cl)
            elif isinstance(a, Cancel) and a.order_key in self._keys:
                _, cl = self._keys.pop(a.order_key)
                res = eng.cancel(owner, cl + "x", cl, now)
                if not isinstance(res, CancelReject):
                    out += res
            elif isinstance(a, Quote) and self.denominator == 1 and self._mine(a.participant, self._maker_slot):
                quotes[(owner, a.symbol)] = (a.bid_px, a.bid_qty, a.ask_px, a.ask_qty)
                at = a.time_ns
        if quotes:
            out += self._requote([(o, s, *terms) for (o, s), terms in quotes.items()], now)
        return out

    def _requote(self, quotes: list[tuple[str, str, int, int, int, int]], now: int) -> list[Report]:
        """Move makers' ladders (``maker_levels`` prices a tick apart behind each quote on each side) to new quotes,
        each given as (owner, symbol, bid_px, bid_qty, ask_px, ask_qty), all at one instant, one per maker.

        Only what changed is touched, as a real maker re-quotes: a level whose order still rests untouched at the
        wanted size stays, keeping its queue priority; a level that moved away, or was partly or wholly filled,
        is cancelled and the wanted ones are entered anew (a partly filled level is topped up by a cancel and a
        new order at the back of its queue). Every cancel of every quote goes before any new order, so a new
        ladder never meets its own maker's old one, nor the old one of a maker re-quoting at the same instant.
        """
        if self.market is not None:  # a tester's widen_spread / thin_book reshape every maker's quote
            quotes = self.market.shape(quotes, now)
        levels = self.spec.maker_levels
        plans: list[tuple[str, str, _Maker, dict[tuple[Side, int], int], dict[tuple[Side, int], tuple[str, int]]]] = []
        out: list[Report] = []
        for owner, symbol, bid_px, bid_qty, ask_px, ask_qty in quotes:
            eng = self.engines[symbol]
            maker = self._makers.get((owner, symbol))
            if maker is None:
                maker = self._makers[(owner, symbol)] = _Maker()
            want: dict[tuple[Side, int], int] = {}
            for side, px, qty, step in ((Side.BUY, bid_px, bid_qty, -1), (Side.SELL, ask_px, ask_qty, 1)):
                for k in range(levels if qty > 0 else 0):
                    price = px + step * k
                    if price <= 0:
                        break
                    want[(side, price)] = qty
            kept: dict[tuple[Side, int], tuple[str, int]] = {}
            for level, (cl, qty) in maker.live.items():
                if want.get(level) == qty:
                    o = eng.find(owner, cl)  # None once done: a background order is forgotten at once
                    if o is not None and o.leaves_qty == qty:
                        kept[level] = (cl, qty)
                        continue
                res = eng.cancel(owner, cl + "x", cl, now)
                if not isinstance(res, CancelReject):
                    out += res
            plans.append((owner, symbol, maker, want, kept))
        for owner, symbol, maker, want, kept in plans:
            if len(kept) == len(want):
                maker.live = kept
                continue
            eng = self.engines[symbol]
            maker.seq += 1
            live: dict[tuple[Side, int], tuple[str, int]] = {}
            for n, (level, qty) in enumerate(want.items()):
                if level in kept:
                    live[level] = kept[level]
                    continue
                side, price = level
                cl = f"Q{maker.seq}{'B' if side is Side.BUY else 'S'}{n}"
                out += eng.submit(OrderRequest(owner=owner, cl_ord_id=cl, symbol=symbol, side=side, qty=qty,
                                               price=price, tif=TimeInForce.GTC), now)
                live[level] = (cl, qty)
            maker.live = live
        return out

    def _mm_quote(self, symbol: str, now: int) -> list[Report]:
        """The venue's own market maker: fair value -/+ half spread, shifted against inventory."""
        assert self.flow is not None
        spec = self.spec
        lot = self.instruments[symbol].lot_size
        skew = spec.mm_skew_ticks_per_lot * self._mm_inventory[symbol] / lot
        mid = self.flow.fair_value(symbol) - skew
        bid = round(mid) - spec.mm_half_spread_ticks
        ask = round(mid) + spec.mm_half_spread_ticks
        if self._mm_quoted.get(symbol) == (bid, ask):
            return []
        self._mm_quoted[symbol] = (bid, ask)
        return self._requote([(MM_OWNER, symbol, bid, spec.mm_size, ask, spec.mm_size)], now)

    def _after(self, reports: list[Report]) -> list[Report]:
        """Tell the flow and the market maker about their fills (their inventory drives their quotes)."""
        for r in reports:
            if r.exec_type is not ExecType.TRADE:
                continue
            owner = r.order.request.owner
            if owner == MM_OWNER:
                signed = r.last_qty if r.order.request.side == Side.BUY else -r.last_qty
                self._mm_inventory[r.order.request.symbol] += signed
            elif owner.startswith(FLOW_OWNER + ":") and self.flow is not None:
                self.flow.on_fill(owner[len(FLOW_OWNER) + 1:], r.order.request.symbol, r.order.request.side,
                                  r.last_qty)
        return reports


def flow_slots(specs: list[VenueSpec]) -> dict[str, tuple[tuple[float, float], tuple[float, float]]]:
    """Each venue's share of the noise orders and of the flow's makers, as [lo, hi) in hash space."""
    total = sum(s.flow_share for s in specs) or 1.0
    makers = [s for s in specs if s.makers]
    out: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {}
    lo = 0.0
    for s in specs:
        hi = lo + s.flow_share / total
        out[s.name] = ((lo, hi), (0.0, 0.0))
        lo = hi
    for i, s in enumerate(makers):
        out[s.name] = (out[s.name][0], (i / len(makers), (i + 1) / len(makers)))
    return out

