"""Read-only views of the core's orders for the API and reports: nothing here changes state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .oms_children import Child, Parent

if TYPE_CHECKING:
    from .oms import Oms

__all__ = ["by_cl_ord_id", "child", "children", "parent", "parents"]


def parents(oms: "Oms") -> Iterator[Parent]:
    """Every client order the core has, oldest first."""
    return iter(oms._parents.values())


def parent(oms: "Oms", order_id: str) -> Parent | None:
    return oms._parents.get(order_id)


def by_cl_ord_id(oms: "Oms", session: str, cl_ord_id: str) -> Parent | None:
    """The order a session's ClOrdID names (the first, or any later one a replace gave it)."""
    book = oms._sessions.get(session)
    order = None if book is None else book.get(cl_ord_id)
    return None if order is None else oms._parents.get(order.order_id)


def child(oms: "Oms", child_id: str) -> Child | None:
    return oms._children.get(child_id)


def children(oms: "Oms", p: Parent) -> list[Child]:
    return [oms._children[c] for c in (*p.retired, *p.children)]
