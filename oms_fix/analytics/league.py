"""League tables: the venues our fills came from, and the algorithms that worked our orders.

Venues, from every fill's ``FillMarks`` (tca.py) and what the OMS sent each
venue:

    fill_rate        shares filled / shares sent there in child orders (None when nothing was sent:
                     fills without a known child)
    share            the venue's part of all our filled shares
    added, removed   the parts of its shares that added or took liquidity (LastLiquidityInd 1 and 2)
    slippage_bps     q-weighted slippage against the mid at the fill, positive = paid over the mid
    markout_bps      q-weighted markouts per horizon, positive = adverse (the mid settled better than the fill)
    market_share     the venue's part of the market's printed volume (the tape, our prints included)

Algorithms, from each order's ``OrderTca``. A rejected order is counted and
left out of every other figure (nothing was worked, so it has no cost to
compare). Mean and median shortfall are over the orders that filled (an
order, not a share, is the unit: a league compares how each algorithm treats
an order), the shortfall weighed by filled notional
at arrival as the report's totals weigh it, and the means of total cost,
VWAP deviation and participation over the orders that have them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Mapping, Sequence

from .tca import FillMarks, OrderTca, weighted

__all__ = ["AlgoOrder", "AlgoRow", "VenueRow", "algo_league", "mean", "median", "venue_league"]


def mean(values: Sequence[Decimal]) -> Decimal | None:
    return sum(values, Decimal(0)) / len(values) if values else None


def median(values: Sequence[Decimal]) -> Decimal | None:
    if not values:
        return None
    v = sorted(values)
    mid = len(v) // 2
    return v[mid] if len(v) % 2 else (v[mid - 1] + v[mid]) / 2


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueRow:
    fills: int
    shares: int
    sent: int
    fill_rate: Decimal | None
    share: Decimal | None
    added: Decimal | None
    removed: Decimal | None
    slippage_bps: Decimal | None
    markout_bps: tuple[Decimal | None, ...]
    market_volume: int
    market_share: Decimal | None


def venue_league(venues: Sequence[str], marks: Iterable[FillMarks], sent: Mapping[str, int],
                 market_volume: Mapping[str, int], horizons: int) -> dict[str, VenueRow]:
    """One row per venue in ``venues`` (in that order), fills or not."""
    by_venue: dict[str, list[FillMarks]] = {v: [] for v in venues}
    for m in marks:
        by_venue.setdefault(m.venue, []).append(m)
    ours = sum(m.qty for rows in by_venue.values() for m in rows)
    market = sum(market_volume.values())
    out = {}
    for venue, rows in by_venue.items():
        shares = sum(m.qty for m in rows)
        sent_qty = sent.get(venue, 0)
        out[venue] = VenueRow(
            fills=len(rows), shares=shares, sent=sent_qty,
            fill_rate=Decimal(shares) / sent_qty if sent_qty else None,
            share=Decimal(shares) / ours if ours else None,
            added=Decimal(sum(m.qty for m in rows if m.liquidity == "1")) / shares if shares else None,
            removed=Decimal(sum(m.qty for m in rows if m.liquidity == "2")) / shares if shares else None,
            slippage_bps=weighted([(m.qty, m.slippage_bps) for m in rows]),
            markout_bps=tuple(weighted([(m.qty, m.markout_bps[k]) for m in rows]) for k in range(horizons)),
            market_volume=market_volume.get(venue, 0),
            market_share=Decimal(market_volume.get(venue, 0)) / market if market else None)
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class AlgoOrder:
    algo: str
    qty: int
    arrival_mid: Decimal | None
    tca: OrderTca
    rejected: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AlgoRow:
    orders: int
    rejected: int
    filled_orders: int
    qty: int
    filled: int
    fill_rate: Decimal
    shortfall_mean_bps: Decimal | None
    shortfall_median_bps: Decimal | None
    shortfall_weighted_bps: Decimal | None
    total_mean_bps: Decimal | None
    vwap_deviation_mean_bps: Decimal | None
    participation_mean: Decimal | None


def _present(values: Iterable[Decimal | None]) -> list[Decimal]:
    return [v for v in values if v is not None]


def algo_league(orders: Iterable[AlgoOrder]) -> dict[str, AlgoRow]:
    """One row per algorithm name, in the order each first appears."""
    groups: dict[str, list[AlgoOrder]] = {}
    for o in orders:
        groups.setdefault(o.algo, []).append(o)
    out = {}
    for name, every in groups.items():
        rows = [r for r in every if not r.rejected]
        shortfalls = _present(r.tca.shortfall_bps for r in rows)
        cost = Decimal(0)
        base = Decimal(0)
        for r in rows:
            if r.tca.shortfall_bps is not None and r.arrival_mid:
                cost += r.tca.shortfall_bps * r.tca.filled * r.arrival_mid
                base += r.tca.filled * r.arrival_mid
        qty = sum(r.qty for r in rows)
        filled = sum(r.tca.filled for r in rows)
        out[name] = AlgoRow(
            orders=len(every), rejected=len(every) - len(rows), filled_orders=sum(1 for r in rows if r.tca.filled),
            qty=qty, filled=filled,
            fill_rate=Decimal(filled) / qty if qty else Decimal(0),
            shortfall_mean_bps=mean(shortfalls), shortfall_median_bps=median(shortfalls),
            shortfall_weighted_bps=cost / base if base else None,
            total_mean_bps=mean(_present(r.tca.total_bps for r in rows)),
            vwap_deviation_mean_bps=mean(_present(r.tca.vwap_deviation_bps for r in rows)),
            participation_mean=mean(_present(r.tca.participation for r in rows)))
    return out
