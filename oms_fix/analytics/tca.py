"""Transaction cost analysis of one parent order from its fills, the arrival mid, the tape and the mid path.

Every cost is in basis points with one sign convention: **positive is a
cost, negative a gain**. ``s`` is the order's side, +1 for a buy and -1 for a
sell or short. The order asked for ``X`` shares and got fills ``(q_i, p_i,
t_i)``, ``Q = sum q_i``, ``avg = sum q_i p_i / Q``; it arrived at the OMS at
``t_a`` with the consolidated mid ``P0`` (the arrival mid) and was done at
``t_e`` (its last report, or the end of the run if it still works). ``M(t)``
is the mid as last observed at or before ``t``; ``M_i`` is the mid at fill
``i`` (recorded at the fill when the recorder had it, else ``M(t_i)``) and
``M_e = M(t_e)``.

Over the filled quantity (the report's long-standing figure):

    shortfall   = s * (avg - P0) / P0 * 1e4

Over the ordered quantity ``X`` (a paper portfolio that bought all ``X`` at
``P0``), split so the parts add up exactly:

    impact      = s * sum q_i (p_i - M_i) / (X * P0) * 1e4   paid over the mid at each fill
                                                              (spread crossed, book walked; < 0 when passive
                                                              fills earned the spread)
    timing      = s * sum q_i (M_i - P0) / (X * P0) * 1e4     the mid's drift from arrival to each fill
    opportunity = s * (M_e - P0) / P0 * (X - Q) / X * 1e4     the unfilled rest, marked at the end mid
    total       = impact + timing + opportunity
                = (Q / X) * shortfall + opportunity

Against the market over the order's life ``[t_a, t_e]`` (the tape, the
order's own prints included, as a consolidated tape would show them):

    vwap_deviation = s * (avg - VWAP[t_a, t_e]) / VWAP[t_a, t_e] * 1e4
    participation  = Q / max(V[t_a, t_e], Q)     (V: shares printed; the max keeps a tape that missed a print
                                                  from showing over 100%)
    mid_move       = s * (M(t_last fill) - P0) / P0 * 1e4   the mid's move by the last fill (impact and drift)

Per fill, for the horizons ``h`` (1 and 5 minutes by default), in bps of the
fill's own mid (so fills of different orders and symbols can be averaged):

    slippage      = s * (p_i - M_i) / M_i * 1e4          what the fill paid over the mid
    markout(h)    = s * (p_i - M(t_i + h)) / M_i * 1e4   > 0: the mid settled better than the fill (adverse)
    reversion(h)  = s * (M_i - M(t_i + h)) / M_i * 1e4   > 0: the mid gave back its move (temporary impact)
                  so markout(h) = slippage + reversion(h)

A markout whose horizon passes the end of the mid path is None rather than
measured against a stale mid. Order figures are those per-fill values
weighted by ``q_i`` over the fills that have them.

fill_rate = Q / X; execution time = t_e - t_a.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, Sequence

from .tape import MidPath, Tape

__all__ = ["DEFAULT_HORIZONS", "FillLike", "FillMarks", "OrderFacts", "OrderTca", "bps", "mark_fills", "order_tca",
           "side_sign", "weighted"]

_NS = 1_000_000_000
_BP = Decimal(10_000)
DEFAULT_HORIZONS = (60 * _NS, 300 * _NS)
_BUY_SIDES = frozenset({"buy", "1", "3"})  # FIX Side (54): 1 Buy, 3 Buy minus


def side_sign(side: str) -> int:
    """+1 for a buy (scenario "buy", FIX 1 or 3), -1 for everything that sells (sell, short, FIX 2, 5, 6)."""
    return 1 if side in _BUY_SIDES else -1


def bps(x: Decimal, base: Decimal) -> Decimal:
    return x / base * _BP


class FillLike(Protocol):
    @property
    def time(self) -> int: ...
    @property
    def venue(self) -> str: ...
    @property
    def qty(self) -> int: ...
    @property
    def px(self) -> Decimal: ...
    @property
    def liquidity(self) -> str: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderFacts:
    side: int  # +1 buy, -1 sell or short
    qty: int  # ordered
    arrival: int
    arrival_mid: Decimal | None
    end: int  # done, or the end of the run for an order still working
    fills: Sequence[FillLike]
    fill_mids: Sequence[Decimal | None] | None = None  # the mid at each fill, when it was recorded then


@dataclass(frozen=True, slots=True, kw_only=True)
class FillMarks:
    """One fill's costs against the mid (bps of the fill's mid, positive = cost)."""

    venue: str
    qty: int
    liquidity: str
    mid: Decimal | None
    slippage_bps: Decimal | None
    markout_bps: tuple[Decimal | None, ...]  # one per horizon
    reversion_bps: tuple[Decimal | None, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderTca:
    filled: int
    fill_rate: Decimal
    execution_ns: int
    avg_px: Decimal | None
    end_mid: Decimal | None
    market_volume: int | None  # None without a tape
    market_vwap: Decimal | None
    participation: Decimal | None
    shortfall_bps: Decimal | None
    impact_bps: Decimal | None
    timing_bps: Decimal | None
    opportunity_bps: Decimal | None
    total_bps: Decimal | None
    vwap_deviation_bps: Decimal | None
    mid_move_bps: Decimal | None
    slippage_bps: Decimal | None
    markout_bps: tuple[Decimal | None, ...]
    reversion_bps: tuple[Decimal | None, ...]
    added: int  # shares by LastLiquidityInd (851): 1 added, 2 removed, anything else (auction, cross) other
    removed: int
    other: int


def weighted(pairs: Sequence[tuple[int, Decimal | None]]) -> Decimal | None:
    """The ``q``-weighted mean of the values that are not None; None when none are."""
    num = Decimal(0)
    den = 0
    for q, v in pairs:
        if v is not None:
            num += q * v
            den += q
    return num / den if den else None


def mark_fills(side: int, fills: Sequence[FillLike], mids: MidPath, horizons: Sequence[int] = DEFAULT_HORIZONS,
               fill_mids: Sequence[Decimal | None] | None = None) -> list[FillMarks]:
    out = []
    for i, f in enumerate(fills):
        mid = fill_mids[i] if fill_mids is not None and fill_mids[i] is not None else mids.at(f.time)
        if mid is None or mid <= 0:
            out.append(FillMarks(venue=f.venue, qty=f.qty, liquidity=f.liquidity, mid=None, slippage_bps=None,
                                 markout_bps=tuple(None for _ in horizons),
                                 reversion_bps=tuple(None for _ in horizons)))
            continue
        later = [mids.after(f.time, h) for h in horizons]
        out.append(FillMarks(
            venue=f.venue, qty=f.qty, liquidity=f.liquidity, mid=mid,
            slippage_bps=side * bps(f.px - mid, mid),
            markout_bps=tuple(None if m is None else side * bps(f.px - m, mid) for m in later),
            reversion_bps=tuple(None if m is None else side * bps(mid - m, mid) for m in later)))
    return out


def order_tca(o: OrderFacts, tape: Tape | None, mids: MidPath,
              horizons: Sequence[int] = DEFAULT_HORIZONS) -> OrderTca:
    """``tape`` None: no tape was kept, so the figures against the market (volume, VWAP, participation) are None."""
    s = o.side
    fills = o.fills
    filled = sum(f.qty for f in fills)
    notional = sum((f.px * f.qty for f in fills), Decimal(0))
    avg = notional / filled if filled else None
    p0 = o.arrival_mid if o.arrival_mid is not None and o.arrival_mid > 0 else None
    end_mid = mids.at(o.end)
    marks = mark_fills(s, fills, mids, horizons, o.fill_mids)
    volume = tape.volume(o.arrival, o.end) if tape is not None else None
    vwap = tape.vwap(o.arrival, o.end) if tape is not None else None
    x = Decimal(o.qty)

    shortfall = impact = timing = opportunity = total = mid_move = None
    if p0 is not None:
        if avg is not None:
            shortfall = s * bps(avg - p0, p0)
        if filled == o.qty:
            opportunity = Decimal(0)
        elif end_mid is not None:
            opportunity = s * bps(end_mid - p0, p0) * (o.qty - filled) / x
        if opportunity is not None:
            total = opportunity + (s * bps(notional - filled * p0, p0) / x if filled else 0)
        if all(m.mid is not None for m in marks):
            impact = s * bps(sum((f.qty * (f.px - m.mid) for f, m in zip(fills, marks) if m.mid is not None),
                                 Decimal(0)), p0) / x
            timing = s * bps(sum((f.qty * (m.mid - p0) for f, m in zip(fills, marks) if m.mid is not None),
                                 Decimal(0)), p0) / x
        last_mid = marks[-1].mid if marks else None
        if last_mid is not None:
            mid_move = s * bps(last_mid - p0, p0)

    liq = {"1": 0, "2": 0}
    other = 0
    for f in fills:
        if f.liquidity in liq:
            liq[f.liquidity] += f.qty
        else:
            other += f.qty
    return OrderTca(
        filled=filled, fill_rate=Decimal(filled) / x, execution_ns=o.end - o.arrival, avg_px=avg, end_mid=end_mid,
        market_volume=volume, market_vwap=vwap,
        participation=Decimal(filled) / max(volume, filled) if volume is not None and max(volume, filled) else None,
        shortfall_bps=shortfall, impact_bps=impact, timing_bps=timing, opportunity_bps=opportunity,
        total_bps=total,
        vwap_deviation_bps=s * bps(avg - vwap, vwap) if avg is not None and vwap else None,
        mid_move_bps=mid_move,
        slippage_bps=weighted([(m.qty, m.slippage_bps) for m in marks]),
        markout_bps=tuple(weighted([(m.qty, m.markout_bps[k]) for m in marks]) for k in range(len(horizons))),
        reversion_bps=tuple(weighted([(m.qty, m.reversion_bps[k]) for m in marks]) for k in range(len(horizons))),
        added=liq["1"], removed=liq["2"], other=other)
