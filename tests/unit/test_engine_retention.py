"""Both engines over hours of background flow: unique OrderIDs, and memory bounded by what is live plus keep_done.

The soak tests drive ~100k orders through each engine ("~" owners submit,
cancel and trade, a session's orders among them) and measure every container
reachable from the engine (its dicts, lists, heaps, the book's levels and the
index) as they go.
"""

from __future__ import annotations

import inspect
import random
import types
from collections import deque
from collections.abc import Callable
from typing import Any, Union

import pytest

from sim_venues.matching import Engine
from sim_venues.midpoint import MidpointEngine
from sim_venues.orders import (CancelReject, CxlRejReason, ExecType, Order, OrderRequest, OrdStatus, OrdType, Phase,
                               Report, Side, TimeInForce as TIF)

BUY, SELL = Side.BUY, Side.SELL
T0 = 1_700_000_000_000_000_000
MS = 1_000_000
AnyEngine = Union[Engine, MidpointEngine]
_RECORDS = ("Order", "OrderRequest", "LiveOrder", "Trade", "Report")


def R(owner: str, cl: str, side: Side, qty: int, price: int | None = None, **kw: Any) -> OrderRequest:
    if "ord_type" not in kw:
        kw["ord_type"] = OrdType.MARKET if price is None else OrdType.LIMIT
    return OrderRequest(owner=owner, cl_ord_id=cl, symbol="XYZ", side=side, qty=qty, price=price, **kw)


def sizes(obj: object, path: str = "engine", out: dict[str, int] | None = None) -> dict[str, int]:
    """len() of every container reachable through the attributes of the engine's own objects (not its records).

    Attributes are found in ``__dict__``, ``__slots__`` and as descriptors (``Book`` may be compiled by
    mypyc). A dict or list whose values are lists or dicts (a book's price levels, the dark pool's two
    sides) also counts the entries of those, tombstones included, under ``path[*]``.
    """
    out = {} if out is None else out
    names = set(getattr(obj, "__dict__", {}))
    for name in dir(type(obj)):
        if isinstance(inspect.getattr_static(type(obj), name), (types.GetSetDescriptorType, types.MemberDescriptorType)):
            names.add(name)
    for name in sorted(names - {"__dict__", "__weakref__"}):
        value = getattr(obj, name, None)
        where = f"{path}.{name}"
        if isinstance(value, (dict, list, set, deque)):
            out[where] = len(value)
            inner = list(value.values() if isinstance(value, dict) else value)
            if isinstance(value, (dict, list)) and any(isinstance(v, (list, dict)) for v in inner):
                out[where + "[*]"] = sum(len(v) for v in inner if isinstance(v, (list, dict)))
        elif type(value).__module__.startswith("sim_venues") and type(value).__name__ not in _RECORDS \
                and not isinstance(value, (str, int)):
            sizes(value, where, out)
    return out


def biggest(engine: object) -> tuple[str, int]:
    name, n = max(sizes(engine).items(), key=lambda kv: kv[1])
    return name, n


# -- OrderIDs -----------------------------------------------------------------------

def test_order_ids_take_the_prefix_and_texts_keep_the_venue() -> None:
    engines: list[AnyEngine] = [
        Engine("XYZ", venue="EXCH", id_prefix="EXCH-K3J2A-XYZ"),
        Engine("XYZ", venue="EXCH", id_prefix="EXCH-K3J2A-ABC"),
        MidpointEngine("XYZ", venue="DARK", continuous=True, id_prefix="DARK-Q7-XYZ"),
    ]
    ids = [e.submit(R("A", f"c{i}", BUY, 1, 100), T0)[0].order.order_id for e in engines for i in range(2)]
    assert ids == ["EXCH-K3J2A-XYZ-1", "EXCH-K3J2A-XYZ-2", "EXCH-K3J2A-ABC-1", "EXCH-K3J2A-ABC-2",
                   "DARK-Q7-XYZ-1", "DARK-Q7-XYZ-2"]
    assert len(set(ids)) == len(ids)
    dark = engines[2]
    dark.set_phase(Phase.CLOSED, T0)
    rej = dark.submit(R("A", "late", BUY, 1, 100), T0)[0]
    assert rej.exec_type is ExecType.REJECTED and rej.text == "DARK is closed" and rej.order.order_id == "DARK-Q7-XYZ-3"


def test_without_a_prefix_order_ids_are_the_venue_s() -> None:
    assert Engine("XYZ", venue="EXCH").submit(R("A", "c", BUY, 1, 100), T0)[0].order.order_id == "EXCH-1"
    dark = MidpointEngine("XYZ", venue="DARK", continuous=False)
    assert dark.submit(R("A", "c", BUY, 1, 100), T0)[0].order.order_id == "DARK-1"


def test_keep_done_must_not_be_negative() -> None:
    with pytest.raises(ValueError):
        Engine("XYZ", venue="EXCH", keep_done=-1)


# -- what is forgotten when -------------------------------------------------------------

def lit(keep_done: int) -> Engine:
    return Engine("XYZ", venue="EXCH", keep_done=keep_done)


def dark_pool(keep_done: int) -> MidpointEngine:
    e = MidpointEngine("XYZ", venue="DARK", continuous=True, keep_done=keep_done)
    e.set_reference(99, 101, T0)
    return e


MAKERS: list[Callable[[int], AnyEngine]] = [lit, dark_pool]


def cancelled(e: AnyEngine, owner: str, cl: str, new_cl: str) -> Report:
    out = e.cancel(owner, new_cl, cl, T0)
    assert isinstance(out, list) and out[-1].exec_type is ExecType.CANCELED, out
    return out[-1]


@pytest.mark.parametrize("make", MAKERS, ids=["lit", "midpoint"])
def test_a_session_s_done_order_stays_findable_until_keep_done_newer_ones_are_done(make: Callable[[int], AnyEngine]) -> None:
    e = make(3)
    e.submit(R("A", "old", BUY, 10, 90), T0)
    order = cancelled(e, "A", "old", "old-x").order
    assert e.find("A", "old") is order and e.find("A", "old-x") is order  # findable right after it is done
    late = e.cancel("A", "again", "old-x", T0)
    assert isinstance(late, CancelReject) and late.reason is CxlRejReason.TOO_LATE_TO_CANCEL
    e.submit(R("A", "live", BUY, 10, 90), T0)  # a working order is never forgotten, however old
    for i in range(3):  # three newer done orders: "old" is the oldest of four kept, so it goes
        e.submit(R("B", f"n{i}", SELL, 5, 110), T0)
        cancelled(e, "B", f"n{i}", f"n{i}-x")
        if i < 2:
            assert e.find("A", "old") is order
    assert e.find("A", "old") is None and e.find("A", "old-x") is None
    unknown = e.cancel("A", "again", "old-x", T0)
    assert isinstance(unknown, CancelReject) and unknown.reason is CxlRejReason.UNKNOWN_ORDER
    assert e.find("A", "live") is not None and e.find("B", "n0") is not None
    fresh = e.submit(R("A", "old", SELL, 1, 120), T0)[0]  # its ClOrdID names a new order now
    assert fresh.exec_type is ExecType.NEW and e.find("A", "old") is fresh.order


@pytest.mark.parametrize("make", MAKERS, ids=["lit", "midpoint"])
def test_background_orders_are_forgotten_as_soon_as_they_are_done(make: Callable[[int], AnyEngine]) -> None:
    e = make(100)
    e.submit(R("~mm", "q1", SELL, 10, 100), T0)
    e.submit(R("~mm", "q2", SELL, 10, 100), T0)
    assert e.find("~mm", "q1") is not None
    e.set_reference(99, 101, T0)
    out = e.submit(R("~flow:NOISE", "f1", BUY, 10, 100 if isinstance(e, Engine) else None,
                     tif=TIF.IOC if isinstance(e, Engine) else TIF.DAY), T0)
    assert [r.exec_type for r in out] == [ExecType.NEW, ExecType.TRADE, ExecType.TRADE]
    assert out[-1].order.status is OrdStatus.FILLED
    assert e.find("~mm", "q1") is None and e.find("~flow:NOISE", "f1") is None  # both filled
    report = cancelled(e, "~mm", "q2", "q2x")
    assert report.order.status is OrdStatus.CANCELED and report.cl_ord_id == "q2x" and report.orig_cl_ord_id == "q2"
    assert e.find("~mm", "q2") is None and e.find("~mm", "q2x") is None
    assert e.submit(R("~mm", "q1", BUY, 1, 90), T0)[0].exec_type is ExecType.NEW  # its ClOrdID is free
    assert e.submit(R("~mm", "q1", BUY, 1, 90), T0)[0].exec_type is ExecType.REJECTED  # a working one's is not
    rej = e.submit(R("~mm", "bad", BUY, 0, 90), T0)[0]
    assert rej.exec_type is ExecType.REJECTED and e.find("~mm", "bad") is None


@pytest.mark.parametrize("make", MAKERS, ids=["lit", "midpoint"])
def test_forgetting_an_old_order_leaves_its_reused_client_order_id_alone(make: Callable[[int], AnyEngine]) -> None:
    e = make(1)
    e.submit(R("A", "x", BUY, 10, 90), T0)
    cancelled(e, "A", "x", "y")
    new = e.submit(R("A", "x", BUY, 10, 90), T0)[0].order  # reuses "x" while the old order is kept
    e.submit(R("B", "z", BUY, 10, 90), T0)
    cancelled(e, "B", "z", "z2")  # the old order (keep_done=1) is forgotten now
    assert e.find("A", "y") is None and e.find("A", "x") is new


def test_a_filled_order_reopened_by_a_replace_is_not_forgotten_while_it_works() -> None:
    e = lit(2)
    e.submit(R("A", "b", BUY, 10, 100), T0)
    e.submit(R("B", "s", SELL, 10, 100), T0)  # both filled, both kept
    assert e.find("A", "b") is not None
    out = e.replace("b", R("A", "b2", BUY, 15, 100), T0)  # R8: a filled order's quantity goes up
    assert isinstance(out, list) and out[-1].order.status is OrdStatus.PARTIALLY_FILLED
    for i in range(3):
        e.submit(R("C", f"c{i}", SELL, 1, 200), T0)
        cancelled(e, "C", f"c{i}", f"c{i}x")
    assert e.find("A", "b") is e.find("A", "b2") is not None
    assert e.find("B", "s") is None


def test_gtd_expiry_entries_of_cancelled_orders_do_not_pile_up() -> None:
    for e in (lit(0), dark_pool(0)):
        for i in range(5000):
            e.submit(R("A", f"g{i}", BUY, 1, 90, tif=TIF.GTD, expire_ns=T0 + 10**15 + i), T0)
            cancelled(e, "A", f"g{i}", f"g{i}x")
        assert len(e._expiries) <= 65
        e.submit(R("A", "soon", BUY, 1, 90, tif=TIF.GTD, expire_ns=T0 + 5), T0)
        out = e.on_time(T0 + 5)
        assert [(r.exec_type, r.cl_ord_id) for r in out] == [(ExecType.EXPIRED, "soon")]
        left = sizes(e)
        left.pop("engine._open", None)  # the dark pool's two sides
        assert left.pop("engine._expiries._heap") <= 64  # stale entries, dropped in bulk (expiry.py)
        assert max(left.values()) == 0, {k: v for k, v in left.items() if v}


# -- soak: ~100k orders -------------------------------------------------------------------

class Soak:
    """A background market plus one session, as venues.py and flow.py drive an engine, but faster."""

    def __init__(self, e: AnyEngine, seed: int) -> None:
        self.e = e
        self.rng = random.Random(seed)
        self.now = T0
        self.n = 0  # orders submitted
        self.mid = 1000
        self.quotes: list[str] = []
        self.resting: deque[tuple[str, str]] = deque()  # (owner, ClOrdID) of flow and session orders to cancel later
        self.client_live: deque[str] = deque()
        self.peak: dict[str, int] = {}
        self.lit = isinstance(e, Engine)

    def submit(self, req: OrderRequest) -> list[Report]:
        self.n += 1
        return self.e.submit(req, self.now)

    def cancel(self, owner: str, cl: str) -> None:
        self.e.cancel(owner, cl + "x", cl, self.now)  # a CancelReject (already done, forgotten) is fine

    def step(self, i: int) -> None:
        rng, e = self.rng, self.e
        self.now += MS
        self.mid = max(50, self.mid + rng.choice((-1, 0, 0, 1)))
        if i % 10 == 0:
            e.set_reference(self.mid - 1, self.mid + 1, self.now)
        for cl in self.quotes:  # the market maker requotes: cancel two, submit two
            self.cancel("~mm", cl)
        self.quotes = [f"Q{i}B", f"Q{i}S"]
        far = 0 if self.lit else 2  # in the dark pool the maker rests outside the mid
        self.submit(R("~mm", f"Q{i}B", BUY, 100, self.mid - 1 - far, tif=TIF.GTC))
        self.submit(R("~mm", f"Q{i}S", SELL, 100, self.mid + 1 + far, tif=TIF.GTC))
        self.noise(i)
        if i % 8 == 0:
            self.client(i)
        while len(self.resting) > 150:
            self.cancel(*self.resting.popleft())
        if i % 3 == 0:
            e.on_time(self.now)
        e.drain_trades()

    def noise(self, i: int) -> None:
        rng, side = self.rng, self.rng.choice((BUY, SELL))
        cl, owner = f"F{i}", "~flow:NOISE"
        sign = 1 if side is BUY else -1
        kind = rng.randrange(10)
        passive = self.mid - sign * rng.randint(2, 6)
        kw: dict[str, Any] = {}
        price: int | None = passive
        if kind == 0:  # takes liquidity
            price, kw = (self.mid + sign * 3, {"tif": TIF.IOC}) if self.lit else (None, {"ord_type": OrdType.PEGGED,
                                                                                          "exec_inst": "M"})
        elif kind == 1:
            kw = {"tif": TIF.GTD, "expire_ns": self.now + rng.choice((5, 500, 10**6)) * MS}
        elif kind == 2:
            kw = {"max_floor": 10} if self.lit else {"min_qty": 20}
        elif kind == 3 and self.lit:
            kw = {"hidden": True}
        elif kind == 4 and self.lit:
            price, kw = None, {"ord_type": OrdType.STOP, "stop_px": self.mid + sign * rng.randint(1, 3)}
        elif kind == 5 and self.lit:
            price, kw = None, {"ord_type": OrdType.PEGGED, "exec_inst": rng.choice("PMR"), "peg_offset": -sign}
        elif kind == 6:  # crosses and rests what is left
            price = self.mid + sign * 2
        out = self.submit(R(owner, cl, side, rng.choice((10, 50, 100, 300)), price, **kw))
        if not out[-1].order.done:
            self.resting.append((owner, cl))

    def client(self, i: int) -> None:
        rng, side = self.rng, self.rng.choice((BUY, SELL))
        sign = 1 if side is BUY else -1
        cl = f"C{i}"
        price = self.mid + sign * rng.choice((-4, -2, 3))
        self.submit(R("SESSION-1", cl, side, rng.choice((10, 100, 200)), price))
        if rng.random() < 0.3:
            self.e.replace(cl, R("SESSION-1", cl + "r", side, 50, price - sign), self.now)
        self.client_live.append(cl)
        if len(self.client_live) > 40:
            old = self.client_live.popleft()
            self.cancel("SESSION-1", old)
            self.cancel("SESSION-1", old + "r")

    def measure(self) -> None:
        for name, n in sizes(self.e).items():
            self.peak[name] = max(self.peak.get(name, 0), n)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["lit", "dark", "cross"])
def test_memory_stays_bounded_over_100k_orders(kind: str) -> None:
    keep_done = 500
    e: AnyEngine
    if kind == "lit":
        e = Engine("XYZ", venue="EXCH", auctions=True, keep_done=keep_done, id_prefix="EXCH-RUN1-XYZ")
    else:
        e = MidpointEngine("XYZ", venue="DARK", continuous=kind == "dark", keep_done=keep_done)
    soak = Soak(e, seed=7)
    target = 100_000 if kind != "cross" else 30_000
    i = 0
    while soak.n < target:
        soak.step(i)
        i += 1
        if i % 2000 == 0:
            soak.measure()
            if isinstance(e, Engine) and i % 6000 == 0:  # a halt: the book becomes a call book and uncrosses
                e.set_phase(Phase.HALTED, soak.now)
                for k in range(20):
                    soak.noise(10**7 + i + k)
                e.set_phase(Phase.CONTINUOUS, soak.now)
        if isinstance(e, MidpointEngine) and not e.continuous and i % 50 == 0:
            e.cross(soak.now)
    soak.measure()
    assert soak.n >= target
    clients = i // 8
    assert clients > 2 * keep_done  # enough session orders finished for retention to have forgotten some
    worst = max(soak.peak.items(), key=lambda kv: kv[1])
    assert worst[1] < 2 * keep_done + 1500, (worst, soak.peak)

    # Everything done: what is left is the index of the sessions' last keep_done done orders.
    for owner in ("~mm", "~flow:NOISE", "SESSION-1"):
        e.mass_cancel(owner, None, soak.now)
    e.drain_trades()  # the venue's gateway drains them on every publish
    left = sizes(e)
    index = {k: v for k, v in left.items() if "._ids." in k or "._by_cl." in k}
    left.pop("engine._open", None)  # the dark pool's two sides
    assert left.pop("engine._expiries._heap") <= 64
    assert all(v == 0 for k, v in left.items() if k not in index), {k: v for k, v in left.items() if v}
    assert left["engine._ids._done" if isinstance(e, Engine) else "engine._by_cl._done"] == keep_done
    assert max(index.values()) <= 2 * keep_done  # a replaced or cancelled order has two ClOrdIDs
    assert e.find("~mm", soak.quotes[0]) is None


def test_the_size_probe_sees_the_book_and_the_index() -> None:
    e = lit(10)
    e.submit(R("A", "a", BUY, 10, 90, max_floor=2), T0)
    e.submit(R("A", "b", BUY, 10, 90, hidden=True), T0)
    seen = sizes(e)
    assert seen["engine._book.lit._orders"] == 1 and seen["engine._book.dark._orders"] == 1
    assert seen["engine._book._reserves"] == 1 and seen["engine._ids._by_cl"] == 2 and seen["engine._live"] == 2
    assert seen["engine._book.lit._bids[*]"] == 5  # the level's head (4) and one order
    assert isinstance(e.find("A", "a"), Order)
