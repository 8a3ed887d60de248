"""A table-driven harness for the FIX 4.4 Order State Change Matrices (Vol 4, "Appendix D").

A scenario is a list of steps copied from shared/spec/fix44-order-state-matrices.md:
each step is (label, action, expected rows). The action drives a
`ClientOrderBook` (and its orders) the way the OMS engine would; the expected
rows are the spec's SS rows, in the spec's column order:

    er(ClOrdID, OrigClOrdID, OrderQty, CumQty, LeavesQty, LastQty, ExecType, OrdStatus, **more)
    cxl(ClOrdID, OrigClOrdID, OrdStatus, **more)            # a 35=9 row

`None` for ClOrdID/OrigClOrdID means "absent" and is asserted; `None` for a
quantity means the spec shows "—" or "n/r" and is not asserted. `exec`/`ref`
name ExecIDs by the spec's letters (J): the first sighting binds the letter to
the ExecID we generated, `ref` checks ExecRefID against that binding.

A client request (BS row) is received without an ack (`ack=False`), so the
spec's separate "Pending" row is its own step (`ack`), and each `n-alt` branch
can reject the request at the point the spec shows. `Scenario.alts` maps an alt
row's label to its steps; the branch runs the main path up to the step with
that label, then the alt steps (spec section 1.3).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from oms_fix.domain import (
    CancelOrder,
    CancelRejectReport,
    ClientOrderBook,
    CxlRejReason,
    ExecRestatementReason,
    NewOrder,
    OrdRejReason,
    Order,
    OrdType,
    Outbound,
    ReplaceOrder,
    Report,
    Side,
    TimeInForce,
)

Action = Callable[["Drive"], Sequence[Outbound]]
PX = Decimal(50)


class Drive:
    """One client session's book on a virtual clock, plus the spec's ExecID letters."""

    def __init__(self) -> None:
        self.book = ClientOrderBook()
        self.now = 1_000_000_000
        self.letters: dict[str, str] = {}
        self._ids = 0

    def order(self, cl: str) -> Order:
        order = self.book.get(cl)
        assert order is not None, f"no order for {cl}"
        return order

    def next_order_id(self) -> str:
        self._ids += 1
        return f"O{self._ids}"


@dataclass(frozen=True)
class Expect:
    msg: str  # "8" ExecutionReport, "9" OrderCancelReject
    cl: str | None
    orig: str | None
    status: str
    qty: int | None = None
    cum: int | None = None
    leaves: int | None = None
    last: int | None = None
    exec_type: str | None = None
    more: dict[str, Any] = field(default_factory=dict)

    def check(self, out: Outbound, d: Drive, where: str) -> None:
        more = dict(self.more)
        if self.msg == "9":
            assert isinstance(out, CancelRejectReport), f"{where}: expected 35=9, got {out}"
            got: dict[str, Any] = {"cl": out.cl_ord_id, "orig": out.orig_cl_ord_id, "status": out.ord_status.value}
            want: dict[str, Any] = {"cl": self.cl, "orig": self.orig, "status": self.status}
            for name in ("reason", "response_to", "order_id"):
                if name in more:
                    got[name], want[name] = _code(getattr(out, name)), more.pop(name)
            assert got == want, f"{where}: {got} != {want}"
            assert not more, f"{where}: unchecked {more}"
            return
        assert isinstance(out, Report), f"{where}: expected 35=8, got {out}"
        got = {"cl": out.cl_ord_id, "orig": out.orig_cl_ord_id, "exec_type": out.exec_type.value,
               "status": out.ord_status.value}
        want = {"cl": self.cl, "orig": self.orig, "exec_type": self.exec_type, "status": self.status}
        for name, value in (("qty", self.qty), ("cum", self.cum), ("leaves", self.leaves), ("last", self.last)):
            if value is not None:
                got[name], want[name] = getattr(out, _FIELDS[name]), value
        letter, ref = more.pop("exec", None), more.pop("ref", None)
        for name, value in more.items():
            got[name], want[name] = _code(getattr(out, _FIELDS.get(name, name))), value
        assert got == want, f"{where}: {got} != {want}\n  report: {out}"
        if letter is not None:
            assert letter not in d.letters and out.exec_id not in d.letters.values(), f"{where}: ExecID reused"
            d.letters[letter] = out.exec_id
        if ref is not None:
            assert out.exec_ref_id == d.letters[ref], f"{where}: ExecRefID {out.exec_ref_id} is not {ref}"


_FIELDS = {"qty": "order_qty", "cum": "cum_qty", "leaves": "leaves_qty", "last": "last_qty", "doq": "day_order_qty",
           "dcq": "day_cum_qty", "avg_px": "avg_px", "last_px": "last_px", "reason": "reason"}


def _code(value: Any) -> Any:
    return getattr(value, "value", value)


def er(cl: str | None, orig: str | None, qty: int | None, cum: int | None, leaves: int | None, last: int | None,
       exec_type: str, status: str, **more: Any) -> Expect:
    return Expect("8", cl, orig, status, qty, cum, leaves, last, exec_type, more)


def cxl(cl: str, orig: str, status: str, **more: Any) -> Expect:
    return Expect("9", cl, orig, status, more=more)


Step = tuple[str, Action, Sequence[Expect]]


@dataclass(frozen=True)
class Scenario:
    name: str
    steps: Sequence[Step]
    alts: dict[str, Sequence[Step]] = field(default_factory=dict)

    def cases(self) -> list[tuple[Scenario, str | None]]:
        return [(self, None), *((self, alt) for alt in self.alts)]


def run(scenario: Scenario, alt: str | None = None) -> Drive:
    d = Drive()
    steps: list[Step] = list(scenario.steps)
    if alt is not None:
        at = alt.removesuffix("-alt")
        labels = [label for label, _, _ in steps]
        assert at in labels, f"{scenario.name}: no step {at} for {alt}"
        steps = steps[:labels.index(at)] + list(scenario.alts[alt])
    for label, action, expected in steps:
        where = f"{scenario.name} step {label}"
        outs = list(action(d))
        assert len(outs) == len(expected), f"{where}: sent {outs}, expected {len(expected)} message(s)"
        for out, want in zip(outs, expected):
            want.check(out, d, where)
        d.now += 1_000_000
    return d


def ids(case: tuple[Scenario, str | None]) -> str:
    scenario, alt = case
    return scenario.name if alt is None else f"{scenario.name}/{alt}"


# -- actions: what the engine does, by the spec's ids ------------------------------------------


def new(cl: str, qty: int, *, tif: TimeInForce = TimeInForce.DAY, price: Decimal | None = PX,
        poss_resend: bool = False, cash: Decimal | None = None) -> Action:
    def act(d: Drive) -> Sequence[Outbound]:
        cmd = NewOrder(cl_ord_id=cl, symbol="AAPL", side=Side.BUY, order_qty=qty, price=price,
                       ord_type=OrdType.LIMIT if price is not None else OrdType.MARKET, time_in_force=tif,
                       account="ACC001", poss_resend=poss_resend, cash_order_qty=cash)
        return d.book.submit(cmd, order_id=d.next_order_id(), now=d.now).replies
    return act


def accept(cl: str, qty: int | None = None) -> Action:
    return lambda d: d.order(cl).accept(now=d.now, order_qty=qty)


def reject(cl: str, reason: OrdRejReason = OrdRejReason.BROKER_OPTION) -> Action:
    return lambda d: d.order(cl).reject(reason=reason, now=d.now)


def fill(cl: str, qty: int, px: Decimal = PX) -> Action:
    def act(d: Drive) -> Sequence[Outbound]:
        return d.order(cl).fill(fill_id=f"V{d.now}", qty=qty, px=px, now=d.now)
    return act


def correct(cl: str, ref: str, qty: int, px: Decimal) -> Action:
    return lambda d: d.order(cl).correct(exec_ref_id=d.letters[ref], qty=qty, px=px, now=d.now)


def bust(cl: str, ref: str) -> Action:
    return lambda d: d.order(cl).bust(exec_ref_id=d.letters[ref], now=d.now)


def stop(cl: str, qty: int, px: Decimal) -> Action:
    return lambda d: d.order(cl).stop(qty=qty, px=px, now=d.now)


def cancel_request(cl: str, orig: str, qty: int = 0, *, ack: bool = False, single: bool = False) -> Action:
    cmd = CancelOrder(cl_ord_id=cl, orig_cl_ord_id=orig, order_qty=qty)
    return lambda d: d.book.cancel(cmd, now=d.now, ack=ack, single=single)


def replace_request(cl: str, orig: str, qty: int, *, price: Decimal | None = None, ack: bool = False,
                    single: bool = False) -> Action:
    cmd = ReplaceOrder(cl_ord_id=cl, orig_cl_ord_id=orig, order_qty=qty, price=price)
    return lambda d: d.book.replace(cmd, now=d.now, ack=ack, single=single)


def ack(cl: str) -> Action:
    return lambda d: d.order(cl).ack_request(cl, now=d.now)


def reject_request(cl: str, reason: CxlRejReason = CxlRejReason.BROKER_OPTION) -> Action:
    return lambda d: d.order(cl).reject_request(cl, reason=reason, now=d.now)


def confirm_cancel(cl: str) -> Action:
    return lambda d: d.order(cl).confirm_cancel(cl, now=d.now)


def confirm_replace(cl: str) -> Action:
    return lambda d: d.order(cl).confirm_replace(cl, now=d.now)


def done_for_day(cl: str) -> Action:
    return lambda d: d.order(cl).done_for_day(now=d.now)


def new_day(cl: str, split: tuple[int, int] | None = None) -> Action:
    return lambda d: d.order(cl).new_day(now=d.now, split=split)


def kill(cl: str, reason: ExecRestatementReason | None = None) -> Action:
    """ExecType 4 without a request: TIF kill, halt, verbal, not best."""
    return lambda d: d.order(cl).cancel(now=d.now, reason=reason)


def restate(cl: str, qty: int, reason: ExecRestatementReason) -> Action:
    return lambda d: d.order(cl).restate(order_qty=qty, reason=reason, now=d.now)


def status(cl: str) -> Action:
    return lambda d: d.book.status(cl, now=d.now)


def nothing() -> Action:
    """A step with no FIX message (a phone call, a halt starting)."""
    return lambda d: []
