"""A scripted client: one FIX session sending the scenario's parent orders at their times.

It builds the ``ClientNew`` that translate.py would make of its
NewOrderSingle (account: the session's, as the live acceptor sets it) and
keeps every report it gets. An ``offset_ticks`` limit is priced off the
consolidated mid as the client sends (the OMS's book stands in for the
client's own market data, at no delay), rounded to the tick on the passive
side; with no mid yet, the last trade, else the instrument's reference price.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

from ..domain.commands import NewOrder
from ..domain.enums import OrdType, Side, TimeInForce
from ..domain.reports import CancelRejectReport, Report
from ..engine import oms_types as t
from ..engine.algos import ALGOS
from ..engine.algos.base import AlgoSpec
from ..marketdata.consolidated import ConsolidatedBook
from .latency import Link
from .recorder import Recorder
from .scenario import OrderSpec
from .scheduler import Scheduler

if TYPE_CHECKING:
    from .oms_node import SimOms

__all__ = ["SimClient", "algo_spec", "limit_price"]

SIDES = {"buy": Side.BUY, "sell": Side.SELL, "short": Side.SELL_SHORT}
TIFS = {"day": TimeInForce.DAY, "ioc": TimeInForce.IMMEDIATE_OR_CANCEL, "fok": TimeInForce.FILL_OR_KILL,
        "gtc": TimeInForce.GOOD_TILL_CANCEL}


def limit_price(spec: OrderSpec, book: ConsolidatedBook, tick: Decimal, reference: Decimal) -> Decimal | None:
    """The limit the client sends: ``price``, or ``offset_ticks`` from the mid it sees (None: a market order)."""
    if spec.type == "market":
        return None
    if spec.price is not None:
        return spec.price
    assert spec.offset_ticks is not None
    mid = book.nbbo(spec.symbol).mid
    if mid is None:
        mid = book.last[spec.symbol][0] if spec.symbol in book.last else reference
    buying = spec.side == "buy"
    base = (mid / tick).to_integral_value(rounding=ROUND_FLOOR if buying else ROUND_CEILING)
    ticks = base + spec.offset_ticks if buying else base - spec.offset_ticks
    return (max(ticks, Decimal(1)) * tick).quantize(tick)


def algo_spec(spec: OrderSpec) -> AlgoSpec | None:
    """The algo instructions the client's NewOrderSingle would carry (847, 848, 849, 111, 110)."""
    if spec.algo is None and spec.max_floor is None:
        return None
    strategy = ALGOS[spec.algo or "iceberg"]
    return AlgoSpec(strategy=strategy, params=tuple((k, str(v)) for k, v in spec.params.items()),
                    participation_rate=spec.participation_rate, max_floor=spec.max_floor, min_qty=spec.min_qty)


class SimClient:
    def __init__(self, session: str, account: str, sched: Scheduler, book: ConsolidatedBook,
                 ticks: dict[str, tuple[Decimal, Decimal]], recorder: Recorder) -> None:
        self.session = session
        self.account = account
        self._sched = sched
        self._book = book
        self._ticks = ticks  # symbol -> (tick, reference price)
        self._recorder = recorder
        self.oms: SimOms | None = None
        self.to_oms: Link | None = None
        self.other: list[object] = []  # mass cancel reports, business rejects

    def send(self, spec: OrderSpec) -> None:
        assert self.oms is not None and self.to_oms is not None
        tick, reference = self._ticks[spec.symbol]
        price = limit_price(spec, self._book, tick, reference)
        side = SIDES[spec.side]
        order = NewOrder(cl_ord_id=spec.id, symbol=spec.symbol, side=side, order_qty=spec.qty,
                         ord_type=OrdType.MARKET if price is None else OrdType.LIMIT, price=price,
                         time_in_force=TIFS[spec.tif], account=self.account)
        self._recorder.sent(self.session, self.account, spec, price, self._sched.now)
        self.to_oms.send(self.oms.on_client, t.ClientNew(session=self.session, account=self.account, order=order,
                                                         ex_destination=spec.venue, raw_side=side,
                                                         algo=algo_spec(spec)))

    def on_message(self, msg: Report | CancelRejectReport) -> None:
        self._recorder.client_message(self.session, msg, self._sched.now)

    def on_other(self, msg: object) -> None:
        self.other.append(msg)
