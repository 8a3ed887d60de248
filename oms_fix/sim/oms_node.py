"""The OMS in the simulation: the real sans-IO core and its consolidated book, fed by the scheduler.

What ``OmsRuntime`` does live around ``Oms.handle`` is done here on the
virtual clock: each command is handled at the instant it is delivered, and
each output becomes a delivery over the link to its venue or client. The
consolidated book is the one the core routes on, kept from the venues'
market data as the venue links keep it live. Marks (``Mark``) go in once per
``marks_every`` for every symbol whose consolidated mid (else last trade)
moved, as ``OmsRuntime.mark_loop`` does; the trading day starts with
``NewDay`` as ``day_loop`` does.

Not modelled: the journal (its records are counted, not written: a commit
takes no virtual time), the FIX sessions' logon and heartbeats (every venue
is up from the start), the drop copy.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable

from ..engine import oms_types as t
from ..engine.oms import Oms
from ..marketdata.consolidated import ConsolidatedBook
from ..marketdata.quality import MarketWatch
from .latency import Link
from .recorder import Recorder
from .scheduler import Scheduler

if TYPE_CHECKING:
    from .client import SimClient
    from .venue_node import SimVenue

__all__ = ["SimOms"]


class SimOms:
    def __init__(self, oms: Oms, book: ConsolidatedBook, symbols: list[str], sched: Scheduler,
                 recorder: Recorder) -> None:
        self.oms = oms
        self.book = book
        self.symbols = symbols
        self._sched = sched
        self._recorder = recorder
        self.venues: dict[str, tuple[Link, SimVenue]] = {}
        self.clients: dict[str, tuple[Link, SimClient]] = {}
        self._marked: dict[str, Decimal] = {}
        self._last_mark: int | None = None  # when mark last ran (ns)
        self.watch = MarketWatch(book)
        self._timers: dict[str, int] = {}  # order id -> the instant of its one armed algo timer
        self.commands = 0
        self.journal_records = 0
        self.undeliverable = 0
        self._outs: dict[type, Callable[[Any], None]] = {
            t.ToClient: self._client_msg, t.ToClientMassCancelReport: self._client_other,
            t.ToClientBusinessReject: self._client_other, t.ToVenueNew: self._venue_new,
            t.ToVenueCancel: self._venue_cancel, t.ToVenueStatus: self._venue_status, t.Journal: self._journal,
            t.RiskEventOut: self._risk_event, t.OpsEventOut: self._ignore, t.ToAlgoTimer: self._algo_timer,
        }

    # -- in -----------------------------------------------------------------------------

    def handle(self, cmd: t.Command) -> None:
        self.commands += 1
        outs = self._outs
        for o in self.oms.handle(cmd, self._sched.now):
            outs[type(o)](o)

    def on_client(self, cmd: t.Command) -> None:
        if isinstance(cmd, t.ClientNew):  # the arrival price: the consolidated mid as the OMS takes the order
            self._recorder.arrived(cmd.session, cmd.order.cl_ord_id, self.book.nbbo(cmd.order.symbol).mid,
                                   self._sched.now)
        self.handle(cmd)

    def on_venue_exec(self, cmd: t.VenueExec) -> None:
        self.handle(cmd)

    def on_cancel_reject(self, cmd: t.VenueCancelReject) -> None:
        self.handle(cmd)

    def on_status(self, venue: str, symbol: str, status: str) -> None:
        """A symbol's SecurityTradingStatus (326) at a venue, kept as the live feed keeps it (marketdata.fix_feed):
        the router leaves a venue that halted the symbol alone."""
        self.book.security_status[(venue, symbol)] = status

    def on_market_data(self, venue: str, symbol: str, bids: list[tuple[Decimal, int]], asks: list[tuple[Decimal, int]],
                       trades: list[tuple[Decimal, int]]) -> None:
        book = self.book
        now = self._sched.now
        book.snapshot(venue, symbol, bids, asks)
        book.touch(symbol, now, venue)
        for px, qty in trades:
            book.trade(venue, symbol, px, qty, now)
            self._recorder.trade(symbol, venue, px, qty, now)

    def mark(self) -> None:
        """Every symbol's consolidated mid, else its last trade, where it moved since the last mark.

        A symbol no market data reached since the previous mark began (``ConsolidatedBook.updated``) cannot
        have moved: its mid is not worked out again. Data at that very instant counts as new: it may have
        come after that mark.
        """
        book = self.book
        since = self._last_mark
        self._last_mark = self._sched.now
        updated = book.updated
        for symbol in self.symbols:
            if since is not None and updated.get(symbol, since - 1) < since:
                continue
            price = book.nbbo(symbol).mid
            if price is None and symbol in book.last:
                price = book.last[symbol][0]
            if price is not None and price > 0 and self._marked.get(symbol) != price:
                self._marked[symbol] = price
                self.handle(t.Mark(symbol=symbol, price=price))

    def algo_tick(self, order_id: str, at: int) -> None:
        if self._timers.get(order_id) != at:
            return  # a later timer replaced this one
        del self._timers[order_id]
        order = self.oms.order(order_id)
        if order is not None:
            self.handle(t.AlgoTick(order_id=order_id, market=self.watch.view(order.symbol, self._sched.now)))

    def new_day(self, day: str) -> None:
        self.handle(t.NewDay(day=day))

    # -- out ----------------------------------------------------------------------------

    def _client_msg(self, o: t.ToClient) -> None:
        to = self.clients.get(o.session)
        if to is None:
            self.undeliverable += 1
            return
        link, client = to
        link.send(client.on_message, o.msg)

    def _client_other(self, o: t.ToClientMassCancelReport | t.ToClientBusinessReject) -> None:
        to = self.clients.get(o.session)
        if to is None:
            self.undeliverable += 1
            return
        link, client = to
        link.send(client.on_other, o)

    def _venue_new(self, o: t.ToVenueNew) -> None:
        link, venue = self.venues[o.venue]
        link.send(venue.on_new, o)

    def _venue_cancel(self, o: t.ToVenueCancel) -> None:
        link, venue = self.venues[o.venue]
        link.send(venue.on_cancel, o)

    def _venue_status(self, o: t.ToVenueStatus) -> None:
        link, venue = self.venues[o.venue]
        link.send(venue.on_status, o)

    def _algo_timer(self, o: t.ToAlgoTimer) -> None:
        at = max(o.at, self._sched.now)
        self._timers[o.order_id] = at
        self._sched.at(at, self.algo_tick, o.order_id, at)

    def _journal(self, o: t.Journal) -> None:
        self.journal_records += 1

    def _risk_event(self, o: t.RiskEventOut) -> None:
        self._recorder.risk_events += 1

    def _ignore(self, o: object) -> None:
        pass
