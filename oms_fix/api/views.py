"""An order as the API shows it: terms in words, state, quantities, its algo's progress, its venue split."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..engine import oms_views
from ..engine.oms import Oms
from ..engine.oms_children import Parent
from .report_log import iso, num
from .words import DONE_STATUSES, order_type_word, side_word, status_word, tif_word

__all__ = ["REST_PREFIX", "order_json", "rest_user"]

REST_PREFIX = "REST/"  # the core's session name for a REST user's orders: REST/<user_id>


def rest_user(session: str) -> str | None:
    return session[len(REST_PREFIX):] if session.startswith(REST_PREFIX) else None


def order_json(oms: Oms, p: Parent, now: int | None = None) -> dict[str, Any]:
    o = p.order
    status = status_word(o.ord_status)
    venues: dict[str, dict[str, Any]] = {}
    for c in oms_views.children(oms, p):
        v = venues.setdefault(c.venue, {"children": 0, "filled_quantity": 0, "notional": Decimal(0)})
        v["children"] += 1
        v["filled_quantity"] += c.cum
        v["notional"] += c.notional
    split = [{"venue": name, "children": v["children"], "filled_quantity": v["filled_quantity"],
              "avg_price": num(v["notional"] / v["filled_quantity"]) if v["filled_quantity"] else None}
             for name, v in sorted(venues.items())]
    user = rest_user(p.session)
    return {
        "order_id": o.order_id, "client_order_id": o.cl_ord_id, "account_id": p.account,
        "source": "rest" if user else "fix", "user_id": user, "session": p.session,
        "symbol": o.symbol, "side": side_word(o.side),
        "order_type": order_type_word(o.ord_type, p.algo.spec.strategy if p.algo else None),
        "quantity": o.order_qty, "price": num(o.price), "time_in_force": tif_word(o.time_in_force),
        "status": status, "ord_status": o.ord_status.value, "done": status in DONE_STATUSES,
        # Grows with every report: a reader holding two views of the order keeps the later one.
        "version": o.version,
        "filled_quantity": o.cum_qty, "leaves_quantity": o.leaves_qty,
        "avg_price": num(o.avg_px) if o.cum_qty else None,
        "ex_destination": p.ex_destination, "created_at": iso(p.arrived) if p.arrived else None,
        "pending_request": p.request, "venues": split,
        "algo": None if p.algo is None else algo_json(oms, p, now),
    }


def algo_json(oms: Oms, p: Parent, now: int | None) -> dict[str, Any]:
    info = oms.algo_info(p.order_id, now) or {}
    return {"algorithm": info.get("name"), "strategy_code": info.get("strategy"), "finished": info.get("finished"),
            "note": info.get("note"), "ticks": info.get("ticks"), "filled_quantity": info.get("filled"),
            "working_quantity": info.get("working"), "target_quantity": info.get("target"),
            "performance": info.get("performance"), "stats": info.get("stats")}
