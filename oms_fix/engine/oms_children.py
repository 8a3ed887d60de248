"""What the OMS core keeps beside each client order: its child orders at venues and why it is ending.

A ``Parent`` wraps the domain ``Order`` (which owns the client-facing state and
reports) with the routing facts the domain does not model. A ``Child`` is one
order the OMS sent to a venue; it is *live* until the venue says it is done
(Canceled, Expired, Done for day, Rejected, or filled to its quantity).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from typing import TYPE_CHECKING

from ..domain.order import Order

if TYPE_CHECKING:
    from .oms_algo import AlgoState

__all__ = ["DONE_EXEC_TYPES", "Child", "Parent"]

# ExecType (150) codes that end a child at its venue: 4 Canceled, C Expired, 3 Done for day, 8 Rejected.
DONE_EXEC_TYPES = frozenset({"4", "C", "3", "8"})


@dataclass(slots=True, kw_only=True)
class Child:
    child_id: str
    parent_id: str
    venue: str
    symbol: str
    side: str
    qty: int
    price: Decimal | None
    cum: int = 0
    done: bool = False
    ended_by: str = ""  # the ExecType that ended it ("F" when filled), "" while live
    text: str = ""  # the venue's Text on the report that ended it
    uncertain: bool = False  # its venue went down: state unknown until a status reply
    cancel_sent: bool = False
    cancels: int = 0  # cancel requests sent (bounded: a venue that keeps refusing is not asked forever)
    notional: Decimal = Decimal(0)  # sum of fills' qty x price as the OMS applied them
    taken: int = 0  # quantity busts and corrections took back from its fills (oms_corrections)
    placed: int = 0  # when the OMS sent it (ns)
    acked: bool = False  # the venue acknowledged it (ER 0)
    ping: bool = False  # a dark ping: when it ends, what it did not fill sweeps the lit venues
    refused: tuple[str, str] | None = None  # CxlRejReason and Text of a cancel its venue refused, until asked

    @property
    def live(self) -> bool:
        return not self.done

    def snapshot(self) -> dict[str, Any]:
        return {"child_id": self.child_id, "parent_id": self.parent_id, "venue": self.venue, "qty": self.qty,
                "price": None if self.price is None else str(self.price), "cum": self.cum, "done": self.done,
                "ended_by": self.ended_by, "uncertain": self.uncertain, "cancel_sent": self.cancel_sent, "cancels": self.cancels,
                "notional": str(self.notional), **({"taken": self.taken} if self.taken else {}),
                **({"refused": list(self.refused)} if self.refused else {})}


@dataclass(slots=True, kw_only=True)
class Parent:
    order: Order
    session: str
    account: str
    ex_destination: str | None
    expire_time: int | None
    children: list[str] = field(default_factory=list)  # the current terms' children
    retired: list[str] = field(default_factory=list)  # children of terms a replace ended
    request: str | None = None  # the client's cancel or replace ClOrdID being worked (one at a time)
    ending: tuple[str, str] | None = None  # (why, Text) of an unsolicited end: "kill", "mass", "venue"
    risk_done: bool = False
    arrived: int = 0  # when the OMS accepted it (ns)
    avoid: set[str] = field(default_factory=set)  # venues that rejected one of its children: not routed to again
    algo: AlgoState | None = None  # an algo order's algorithm and what it last decided

    @property
    def order_id(self) -> str:
        return self.order.order_id

    def snapshot(self) -> dict[str, Any]:
        o = self.order
        return {"order_id": o.order_id, "session": self.session, "account": self.account,
                "cl_ord_id": o.cl_ord_id, "ord_status": o.ord_status.value, "phase": o.phase.value,
                "order_qty": o.order_qty, "cum_qty": o.cum_qty, "leaves_qty": o.leaves_qty,
                "avg_px": str(o.avg_px), "price": None if o.price is None else str(o.price),
                "children": list(self.children), "retired": list(self.retired), "request": self.request, "ending": None if self.ending is None else list(self.ending),
                "risk_done": self.risk_done, **({"algo": self.algo.snapshot()} if self.algo is not None else {})}
