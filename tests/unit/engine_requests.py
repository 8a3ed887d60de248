"""Order requests for the lit engine's tests: `R("B1", BUY, 100, 101)` (no price: a market order)."""

from __future__ import annotations

from typing import Any

from sim_venues.orders import OrderRequest, OrdType, Side

BUY, SELL = Side.BUY, Side.SELL


def R(cl: str, side: Side, qty: int, price: int | None = None, *, owner: str = "A", **kw: Any) -> OrderRequest:
    if price is None and "ord_type" not in kw:
        kw["ord_type"] = OrdType.MARKET
    return OrderRequest(owner=owner, cl_ord_id=cl, symbol="XYZ", side=side, qty=qty, price=price, **kw)
