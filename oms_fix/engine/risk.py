"""Pre-trade and real-time risk: pure and deterministic, ``now`` (integer ns) passed in.

The OMS asks ``check_new`` / ``check_replace`` before it takes an order, then
tells the engine what happened through the lifecycle hooks: ``on_accepted``
(the order counts as working from here, before it reaches a venue),
``on_replaced``, ``on_fill``, ``on_done`` / ``on_cancel`` (release what is
left). Every rejection, kill, revive and real-time breach becomes a
``RiskEvent`` in an outbox the caller drains to its journal.

Prices of record: each symbol has one mark, starting at the reference price
passed in and replaced by every ``mark(symbol, px)`` from venue data. The collar
is centred on it, market orders are valued at the collar's upper bound (the
reference itself without a collar), and positions are valued and P&L marked at it.

Recovery: ``state()`` is a JSON-serialisable snapshot and
``RiskEngine.restore(config, state)`` rebuilds the engine from it; the journal
stores snapshots. (Replaying the same calls with the same ``now`` also gives
the same engine, since nothing here reads a clock.)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .risk_limits import Limits, RiskConfig
from .risk_pnl import Position

__all__ = ["RULES", "BUY", "SELL", "SELL_SHORT", "SELL_SHORT_EXEMPT", "ACCEPT", "PositionView",
           "RiskDecision", "RiskEngine", "RiskEvent", "RiskOrder"]

# The rules, in the order check_new applies them; the first that fails names the rejection.
RULES = (
    "kill_switch",          # the account's or the global kill switch is on
    "invalid_order",        # qty or price not positive; a replace that changes account/symbol/side
    "unknown_order",        # check_replace for an order the engine does not know
    "restricted_symbol",    # on the global or the account's restricted list
    "no_reference_price",   # no mark for the symbol (or no tick size where collar_ticks applies)
    "throttle",             # too many orders in the session's window
    "short_sale_locate",    # Side=5 needs located shares not already used or reserved
    "max_order_qty",
    "price_collar",         # limit price outside reference +/- collar
    "max_order_value",
    "max_long",             # position + working buys + order
    "max_short",            # position - working sells - order
    "max_daily_volume",     # filled today + working + order
    "max_daily_trades",     # fills today
    "credit_limit",         # gross notional of positions and working orders + order, per account
)

BUY, SELL, SELL_SHORT, SELL_SHORT_EXEMPT = "1", "2", "5", "6"  # FIX 4.4 Side (54)
_SIGN = {BUY: 1, SELL: -1, SELL_SHORT: -1, SELL_SHORT_EXEMPT: -1}
MARKET = "1"  # FIX 4.4 OrdType (40)


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskOrder:
    order_id: str
    session: str
    account: str
    symbol: str
    side: str               # FIX Side: "1" buy, "2" sell, "5" sell short, "6" sell short exempt
    qty: int                # OrderQty: on a replace, the new total including what has filled
    price: Decimal | None   # the limit; None for market and stop orders
    ord_type: str = "2"


@dataclass(frozen=True, slots=True)
class RiskDecision:
    accepted: bool
    rule: str | None = None
    text: str = ""


ACCEPT = RiskDecision(True)


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskEvent:
    time: int
    kind: str               # "reject", "kill", "revive", "breach", "breach_cleared", "limits"
    rule: str
    text: str
    account: str | None = None
    symbol: str | None = None
    order_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionView:
    account: str
    symbol: str
    position: int
    avg_cost: Decimal | None
    realised: Decimal
    unrealised: Decimal
    mark: Decimal | None


@dataclass(slots=True, kw_only=True)
class _Working:
    order_id: str
    session: str
    account: str
    symbol: str
    side: str
    qty: int
    leaves: int
    value_px: Decimal


def _fmt(d: Decimal) -> str:
    return f"{d:f}"


class RiskEngine:
    def __init__(self, config: RiskConfig, reference_prices: Mapping[str, Decimal],
                 tick_sizes: Mapping[str, Decimal] | None = None) -> None:
        self.config = config
        self._marks = {s: Decimal(p) for s, p in reference_prices.items()}
        self._ticks = {s: Decimal(t) for s, t in (tick_sizes or {}).items()}
        self._limits: dict[tuple[str, str], Limits] = {}
        self._day: str | None = None
        self._global_kill: str | None = None
        self._kills: dict[str, str] = {}
        self._orders: dict[str, _Working] = {}
        self._working: dict[tuple[str, str, str], int] = {}
        self._working_value: dict[str, Decimal] = {}
        self._positions: dict[str, dict[str, Position]] = {}
        self._daily: dict[tuple[str, str], list[int]] = {}      # [volume, trades]
        self._locates = dict(config.locates)
        self._locates_used: dict[tuple[str, str], int] = {}
        self._throttles: dict[str, deque[int]] = {}
        self._breaches: set[tuple[str, str, str]] = set()       # (rule, account, symbol or "")
        self._events: list[RiskEvent] = []

    # -- checks ---------------------------------------------------------------

    def check_new(self, order: RiskOrder, now: int) -> RiskDecision:
        """Accept or reject a new order; an accepted one takes a throttle slot, nothing else."""
        return self._decide(order, now, None)

    def check_replace(self, order_id: str, new: RiskOrder, now: int) -> RiskDecision:
        """Check ``new`` (qty = new total) in place of ``order_id``, whose leaves it releases.

        The replaced order is looked up first (unknown_order, invalid_order), then the rules of check_new.
        """
        old = self._orders.get(order_id)
        if old is None:
            return self._reject(new, now, "unknown_order", f"order {order_id} is not working for {new.account}")
        if (old.account, old.symbol, old.side) != (new.account, new.symbol, new.side):
            return self._reject(new, now, "invalid_order", f"replace of {order_id} changes account, symbol or side")
        if new.qty <= old.qty - old.leaves:
            return self._reject(new, now, "invalid_order",
                                f"new qty {new.qty} is not above the {old.qty - old.leaves} already filled")
        return self._decide(new, now, old)

    def _decide(self, order: RiskOrder, now: int, old: _Working | None) -> RiskDecision:
        failed = self._first_failure(order, now, old)
        if failed is not None:
            return self._reject(order, now, *failed)
        throttle = self.config.throttle_for(order.session)
        if throttle is not None:
            self._throttles.setdefault(order.session, deque()).append(now)
        return ACCEPT

    def _reject(self, order: RiskOrder, now: int, rule: str, text: str) -> RiskDecision:
        self._events.append(RiskEvent(time=now, kind="reject", rule=rule, text=text, account=order.account,
                                      symbol=order.symbol, order_id=order.order_id))
        return RiskDecision(False, rule, text)

    def _first_failure(self, o: RiskOrder, now: int, old: _Working | None) -> tuple[str, str] | None:
        a, s, where = o.account, o.symbol, f"for {o.account} {o.symbol}"
        if self._global_kill is not None:
            return "kill_switch", f"global kill switch is on ({self._global_kill})"
        if a in self._kills:
            return "kill_switch", f"kill switch is on for {a} ({self._kills[a]})"
        if o.side not in _SIGN:
            return "invalid_order", f"side {o.side!r} is not one of 1, 2, 5, 6"
        if o.qty <= 0:
            return "invalid_order", f"order qty {o.qty} is not positive"
        if o.price is not None and o.ord_type != MARKET and o.price <= 0:
            return "invalid_order", f"price {_fmt(o.price)} is not positive"
        if s in self.config.restricted:
            return "restricted_symbol", f"{s} is restricted"
        if self.config.is_restricted(a, s):
            return "restricted_symbol", f"{s} is restricted for {a}"
        lim = self._limits_for(a, s)
        ref = self._marks.get(s)
        if ref is None:
            return "no_reference_price", f"no reference price {where}"
        if lim.collar_ticks is not None and s not in self._ticks:
            return "no_reference_price", f"no tick size for {s} to apply collar_ticks {lim.collar_ticks}"

        throttle = self.config.throttle_for(o.session)
        if throttle is not None:
            window = self._throttles.setdefault(o.session, deque())
            while window and window[0] <= now - throttle.window_ns:
                window.popleft()
            if len(window) >= throttle.max_orders:
                return "throttle", (f"{len(window)} orders in the last {throttle.window_ns // 1_000_000} ms reach "
                                    f"throttle {throttle.max_orders} for session {o.session}")

        # What the replaced order holds now is released by the replacement.
        old_leaves = old.leaves if old else 0
        new_leaves = o.qty - (old.qty - old.leaves if old else 0)
        if o.side == SELL_SHORT:
            total = self._locates.get((a, s), 0)
            left = total - self._locates_used.get((a, s), 0) - self._working.get((a, s, SELL_SHORT), 0) + old_leaves
            if new_leaves > left:
                return "short_sale_locate", (f"short sale of {new_leaves} {s} needs a locate: {left} of {total} "
                                             f"located shares left for {a}")
        if lim.max_order_qty is not None and o.qty > lim.max_order_qty:
            return "max_order_qty", f"order qty {o.qty} exceeds max_order_qty {lim.max_order_qty} {where}"
        band = self._band(lim, s, ref)
        if band is not None and o.price is not None and o.ord_type != MARKET and not band[0] <= o.price <= band[1]:
            return "price_collar", (f"price {_fmt(o.price)} is outside the collar {_fmt(band[0])}..{_fmt(band[1])} "
                                    f"around reference {_fmt(ref)} {where}")
        px = self._value_px(o, ref, band)
        if lim.max_order_value is not None and o.qty * px > lim.max_order_value:
            return "max_order_value", (f"order value {_fmt(o.qty * px)} ({o.qty} @ {_fmt(px)}) exceeds "
                                       f"max_order_value {_fmt(lim.max_order_value)} {where}")

        pos = self._qty(a, s)
        if _SIGN[o.side] > 0 and lim.max_long is not None:
            buys = self._working.get((a, s, BUY), 0) - old_leaves
            if pos + buys + new_leaves > lim.max_long:
                return "max_long", (f"position {pos} + working buys {buys} + order {new_leaves} = "
                                    f"{pos + buys + new_leaves} exceeds max_long {lim.max_long} {where}")
        if _SIGN[o.side] < 0 and lim.max_short is not None:
            sells = self._working_sells(a, s) - old_leaves
            if sells + new_leaves - pos > lim.max_short:
                return "max_short", (f"position {pos} - working sells {sells} - order {new_leaves} = "
                                     f"{pos - sells - new_leaves} exceeds max_short {lim.max_short} {where}")
        volume, trades = self._daily.get((a, s), (0, 0))
        if lim.max_daily_volume is not None:
            working = self._working.get((a, s, BUY), 0) + self._working_sells(a, s) - old_leaves
            if volume + working + new_leaves > lim.max_daily_volume:
                return "max_daily_volume", (f"daily volume {volume} filled + {working} working + order {new_leaves}"
                                            f" = {volume + working + new_leaves} exceeds max_daily_volume "
                                            f"{lim.max_daily_volume} {where}")
        if lim.max_daily_trades is not None and trades >= lim.max_daily_trades:
            return "max_daily_trades", f"{trades} trades today reach max_daily_trades {lim.max_daily_trades} {where}"
        credit = self._limits_for(a, "").credit_limit
        if credit is not None:
            exposure = self.exposure(a) - (old.leaves * old.value_px if old else 0)
            value = new_leaves * px
            if exposure + value > credit:
                return "credit_limit", (f"gross notional {_fmt(exposure)} + order {_fmt(value)} = "
                                        f"{_fmt(exposure + value)} exceeds credit_limit {_fmt(credit)} for {a}")
        return None

    def _limits_for(self, account: str, symbol: str) -> Limits:
        """Resolved limits, cached; symbol "" is the account level."""
        key = (account, symbol)
        lim = self._limits.get(key)
        if lim is None:
            lim = self._limits[key] = (self.config.limits(account, symbol) if symbol
                                       else self.config.account_limits(account))
        return lim

    def _band(self, lim: Limits, symbol: str, ref: Decimal) -> tuple[Decimal, Decimal] | None:
        widths = []
        if lim.collar_pct is not None:
            widths.append(ref * lim.collar_pct / 100)
        if lim.collar_ticks is not None and symbol in self._ticks:
            widths.append(self._ticks[symbol] * lim.collar_ticks)
        if not widths:
            return None
        width = max(widths)
        return ref - width, ref + width

    @staticmethod
    def _value_px(o: RiskOrder, ref: Decimal, band: tuple[Decimal, Decimal] | None) -> Decimal:
        if o.price is not None and o.ord_type != MARKET:
            return o.price
        return band[1] if band is not None else ref

    def _working_sells(self, account: str, symbol: str) -> int:
        w = self._working
        return (w.get((account, symbol, SELL), 0) + w.get((account, symbol, SELL_SHORT), 0)
                + w.get((account, symbol, SELL_SHORT_EXEMPT), 0))

    # -- lifecycle ------------------------------------------------------------

    def on_accepted(self, order: RiskOrder, now: int) -> None:
        """The OMS took the order (after check_new): it counts as working from now on."""
        if order.order_id in self._orders:
            raise ValueError(f"order {order.order_id} is already working")
        self._track(order, order.qty)
        self._review(order.account, [], now)

    def on_replaced(self, order_id: str, new: RiskOrder, now: int) -> None:
        """The venue confirmed the replace: ``new`` (its own order_id, new total qty) takes over."""
        old = self._orders.pop(order_id, None)
        if old is None:
            return
        self._add_working(old, -old.leaves)
        self._track(new, max(new.qty - (old.qty - old.leaves), 0))
        self._review(new.account, [new.symbol], now)

    def _track(self, order: RiskOrder, leaves: int) -> None:
        ref = self._marks.get(order.symbol, order.price or Decimal(0))
        band = self._band(self._limits_for(order.account, order.symbol), order.symbol, ref)
        w = _Working(order_id=order.order_id, session=order.session, account=order.account, symbol=order.symbol,
                     side=order.side, qty=order.qty, leaves=leaves, value_px=self._value_px(order, ref, band))
        self._orders[w.order_id] = w
        self._add_working(w, leaves)

    def on_fill(self, account: str, symbol: str, side: str, qty: int, px: Decimal, now: int, *,
                order_id: str | None = None) -> None:
        """A fill; ``order_id`` names the working order it came from (none: a fill from outside, position only)."""
        if qty <= 0:
            raise ValueError(f"fill qty {qty} for {account} {symbol} is not positive")
        w = self._orders.get(order_id) if order_id is not None else None
        if w is not None:
            if (w.account, w.symbol, w.side) != (account, symbol, side):
                raise ValueError(f"fill for {account} {symbol} {side} on order {order_id} "
                                 f"of {w.account} {w.symbol} {w.side}")
            n = min(qty, w.leaves)
            self._add_working(w, -n)
            w.leaves -= n
        self._position(account, symbol).fill(_SIGN[side] * qty, px)
        self._marks.setdefault(symbol, px)
        day = self._daily.setdefault((account, symbol), [0, 0])
        day[0] += qty
        day[1] += 1
        if side == SELL_SHORT:
            self._locates_used[(account, symbol)] = self._locates_used.get((account, symbol), 0) + qty
        self._review(account, [symbol], now)

    def on_bust(self, account: str, symbol: str, side: str, qty: int, px: Decimal, now: int, *,
                order_id: str | None = None) -> None:
        """A fill the venue busted (ExecType H), booked as the opposite trade at the fill's price: the position
        and its cash flows are as if the fill never was (FIFO may split them between realised and unrealised
        differently than a history without it). Today's volume and trade count, used locates and the
        order's leaves are given back."""
        self._unbook(account, symbol, side, qty, px, order_id, trades=1)
        self._review(account, [symbol], now)

    def on_correct(self, account: str, symbol: str, side: str, old_qty: int, old_px: Decimal, qty: int, px: Decimal,
                   now: int, *, order_id: str | None = None) -> None:
        """A fill the venue corrected (ExecType G) from ``old_qty`` @ ``old_px`` to ``qty`` @ ``px``: the old
        trade reversed as on_bust, the corrected one booked as on_fill; still one trade."""
        self._unbook(account, symbol, side, old_qty, old_px, order_id, trades=1)
        self.on_fill(account, symbol, side, qty, px, now, order_id=order_id)

    def on_reopened(self, order: RiskOrder, leaves: int, now: int) -> None:
        """An order that was done works again (a bust reopened it): its ``leaves`` count as working."""
        if order.order_id in self._orders:
            raise ValueError(f"order {order.order_id} is already working")
        self._track(order, leaves)
        self._review(order.account, [order.symbol], now)

    def _unbook(self, account: str, symbol: str, side: str, qty: int, px: Decimal, order_id: str | None,
                trades: int) -> None:
        if qty <= 0:
            raise ValueError(f"reversal qty {qty} for {account} {symbol} is not positive")
        w = self._orders.get(order_id) if order_id is not None else None
        if w is not None:
            n = min(qty, w.qty - w.leaves)
            self._add_working(w, n)
            w.leaves += n
        self._position(account, symbol).fill(-_SIGN[side] * qty, px)
        day = self._daily.get((account, symbol))
        if day is not None:  # a bust of an earlier day's fill: today's figures cannot go below zero
            day[0], day[1] = max(0, day[0] - qty), max(0, day[1] - trades)
        if side == SELL_SHORT and (account, symbol) in self._locates_used:
            self._locates_used[(account, symbol)] = max(0, self._locates_used[(account, symbol)] - qty)

    def on_done(self, order: RiskOrder | str, now: int) -> None:
        """The order is finished (filled, cancelled, expired, rejected): release its leaves. Idempotent."""
        w = self._orders.pop(order if isinstance(order, str) else order.order_id, None)
        if w is not None:
            self._add_working(w, -w.leaves)
            self._review(w.account, [w.symbol], now)

    def on_cancel(self, order: RiskOrder | str, now: int) -> None:
        """The venue confirmed a cancel: the same release as on_done."""
        self.on_done(order, now)

    def _add_working(self, w: _Working, qty: int) -> None:
        key = (w.account, w.symbol, w.side)
        self._working[key] = self._working.get(key, 0) + qty
        if not self._working[key]:
            del self._working[key]
        self._working_value[w.account] = self._working_value.get(w.account, Decimal(0)) + qty * w.value_px

    @property
    def day(self) -> str | None:
        return self._day

    def start_day(self, day: str) -> None:
        """A new trading day: daily volume, trade counts and used locates start again at zero."""
        self._day = day
        self._daily.clear()
        self._locates_used.clear()

    def set_limits(self, account: str, symbol: str, changes: Mapping[str, Any], inherit: frozenset[str],
                   reason: str, now: int) -> None:
        """Limits changed at run time (``RiskConfig.with_limits``; ValueError leaves them as they were). They
        bind the next check; working orders stay, and a position now over a limit is a breach event."""
        self.config = self.config.with_limits(account, symbol, changes, inherit)
        self._limits.clear()
        said = ", ".join([*(f"{k}={v}" for k, v in sorted(changes.items())),
                          *(f"{k} inherited" for k in sorted(inherit))])
        self._events.append(RiskEvent(time=now, kind="limits", rule="limits", text=f"limits: {said} ({reason})",
                                      account=None if account == "*" else account, symbol=symbol or None))
        for a in sorted(self._positions) if account == "*" else [account]:
            self._review(a, sorted(self._positions.get(a, {})), now)

    def set_locate(self, account: str, symbol: str, qty: int) -> None:
        """Located shares for today, replacing the configured figure (from the stock-loan desk)."""
        if qty < 0:
            raise ValueError(f"locate {qty} for {account} {symbol} is negative")
        self._locates[(account, symbol)] = qty

    # -- market data, positions -----------------------------------------------

    def mark(self, symbol: str, price: Decimal, now: int) -> None:
        """A price from venue data: the new reference for collars, valuation and unrealised P&L."""
        if price <= 0:
            raise ValueError(f"mark {price} for {symbol} is not positive")
        self._marks[symbol] = price
        for account, book in self._positions.items():
            if symbol in book and book[symbol].qty:
                self._review(account, [], now)

    def _position(self, account: str, symbol: str) -> Position:
        book = self._positions.setdefault(account, {})
        p = book.get(symbol)
        if p is None:
            p = book[symbol] = Position()
        return p

    def _qty(self, account: str, symbol: str) -> int:
        p = self._positions.get(account, {}).get(symbol)
        return p.qty if p is not None else 0

    def position(self, account: str, symbol: str) -> PositionView:
        p = self._positions.get(account, {}).get(symbol) or Position()
        mark = self._marks.get(symbol)
        return PositionView(account=account, symbol=symbol, position=p.qty, avg_cost=p.avg_cost,
                            realised=p.realised, unrealised=p.unrealised(mark) if mark is not None else Decimal(0),
                            mark=mark)

    def positions(self) -> list[PositionView]:
        return [self.position(a, s) for a in sorted(self._positions) for s in sorted(self._positions[a])]

    def working(self, account: str, symbol: str, side: str) -> int:
        return self._working.get((account, symbol, side), 0)

    def exposure(self, account: str) -> Decimal:
        """Gross notional: sum of |position| x mark, plus each working order's leaves x its valuation price."""
        total = self._working_value.get(account, Decimal(0))
        for symbol, p in self._positions.get(account, {}).items():
            if p.qty:
                total += abs(p.qty) * self._marks[symbol]
        return total

    def locate_available(self, account: str, symbol: str) -> int:
        return (self._locates.get((account, symbol), 0) - self._locates_used.get((account, symbol), 0)
                - self._working.get((account, symbol, SELL_SHORT), 0))

    def _review(self, account: str, symbols: Iterable[str], now: int) -> None:
        """Real-time limits: an event when a position or the account's exposure goes over, and when it comes back."""
        for symbol in symbols:
            lim = self._limits_for(account, symbol)
            qty = self._qty(account, symbol)
            self._flag(now, "max_long", account, symbol, lim.max_long is not None and qty > lim.max_long,
                       f"position {qty} exceeds max_long {lim.max_long} for {account} {symbol}")
            self._flag(now, "max_short", account, symbol, lim.max_short is not None and -qty > lim.max_short,
                       f"position {qty} exceeds max_short {lim.max_short} for {account} {symbol}")
        credit = self._limits_for(account, "").credit_limit
        if credit is not None:
            exposure = self.exposure(account)
            self._flag(now, "credit_limit", account, "", exposure > credit,
                       f"gross notional {_fmt(exposure)} exceeds credit_limit {_fmt(credit)} for {account}")

    def _flag(self, now: int, rule: str, account: str, symbol: str, over: bool, text: str) -> None:
        key = (rule, account, symbol)
        if over == (key in self._breaches):
            return
        if over:
            self._breaches.add(key)
        else:
            self._breaches.discard(key)
            text = f"back within {rule} for {account}{' ' + symbol if symbol else ''}"
        self._events.append(RiskEvent(time=now, kind="breach" if over else "breach_cleared", rule=rule, text=text,
                                      account=account, symbol=symbol or None))

    # -- kill switch, events --------------------------------------------------

    def kill(self, account: str | None, reason: str, now: int) -> list[str]:
        """Block new orders for ``account`` (None: everyone); returns the accounts whose working orders to cancel."""
        if account is None:
            self._global_kill = reason
            affected = sorted(self.config.named_accounts() | {w.account for w in self._orders.values()})
        else:
            self._kills[account] = reason
            affected = [account]
        who = f"for {account}" if account else "globally"
        self._events.append(RiskEvent(time=now, kind="kill", rule="kill_switch", account=account,
                                      text=f"kill switch on {who}: {reason}"))
        return affected

    def revive(self, account: str | None, reason: str, now: int) -> None:
        """Lift the kill switch of ``account`` (None: the global one; accounts killed one by one stay killed)."""
        if account is None:
            self._global_kill = None
        else:
            self._kills.pop(account, None)
        who = f"for {account}" if account else "globally"
        self._events.append(RiskEvent(time=now, kind="revive", rule="kill_switch", account=account,
                                      text=f"kill switch off {who}: {reason}"))

    def is_killed(self, account: str) -> bool:
        return self._global_kill is not None or account in self._kills

    def kill_switches(self) -> dict[str, str]:
        """Every kill switch that is on, with its reason ("*" is the global one)."""
        on = dict(self._kills)
        if self._global_kill is not None:
            on["*"] = self._global_kill
        return on

    def drain_events(self) -> list[RiskEvent]:
        events, self._events = self._events, []
        return events

    # -- snapshot -------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return {
            "version": 1,
            "day": self._day,
            "marks": {s: str(p) for s, p in sorted(self._marks.items())},
            "ticks": {s: str(t) for s, t in sorted(self._ticks.items())},
            "global_kill": self._global_kill,
            "kills": dict(sorted(self._kills.items())),
            "orders": [{"order_id": w.order_id, "session": w.session, "account": w.account, "symbol": w.symbol,
                        "side": w.side, "qty": w.qty, "leaves": w.leaves, "value_px": str(w.value_px)}
                       for w in self._orders.values()],
            "positions": [{"account": a, "symbol": s, **p.to_json()}
                          for a, book in sorted(self._positions.items()) for s, p in sorted(book.items())],
            "daily": [[a, s, v, t] for (a, s), (v, t) in sorted(self._daily.items())],
            "locates": [[a, s, q] for (a, s), q in sorted(self._locates.items())],
            "locates_used": [[a, s, q] for (a, s), q in sorted(self._locates_used.items())],
            "throttles": {sess: list(w) for sess, w in sorted(self._throttles.items()) if w},
            "breaches": sorted(list(b) for b in self._breaches),
        }

    @classmethod
    def restore(cls, config: RiskConfig, state: Mapping[str, Any]) -> RiskEngine:
        if state.get("version") != 1:
            raise ValueError(f"risk state version {state.get('version')!r} is not 1")
        eng = cls(config, {s: Decimal(p) for s, p in state["marks"].items()},
                  {s: Decimal(t) for s, t in state["ticks"].items()})
        eng._day = state["day"]
        eng._global_kill = state["global_kill"]
        eng._kills = dict(state["kills"])
        for o in state["orders"]:
            w = _Working(**{**o, "value_px": Decimal(o["value_px"])})
            eng._orders[w.order_id] = w
            eng._add_working(w, w.leaves)
        for p in state["positions"]:
            eng._positions.setdefault(p["account"], {})[p["symbol"]] = Position.from_json(p)
        eng._daily = {(a, s): [v, t] for a, s, v, t in state["daily"]}
        eng._locates = {(a, s): q for a, s, q in state["locates"]}
        eng._locates_used = {(a, s): q for a, s, q in state["locates_used"]}
        eng._throttles = {sess: deque(w) for sess, w in state["throttles"].items()}
        eng._breaches = {(r, a, s) for r, a, s in state["breaches"]}
        return eng
