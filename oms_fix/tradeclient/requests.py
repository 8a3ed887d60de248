"""Commands -> the fields of the FIX 4.4 message each sends.

`RequestBuilder.build` is pure but for the state it keeps: ClOrdIDs handed
out, the orders in the `OrderView` (a cancel or replace names the order's
latest accepted ClOrdID and restates its terms) and the market data
subscriptions. The caller sends what it returns; an error sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count

from ..fix.utctime import format_ns
from ..runid import run_id
from .orders import SIDE_NAMES, TERM_TAGS, OrderRow, OrderView
from .parse import Cancel, CommandError, MassCancel, NewOrder, Raw, Replace, Status, Subscribe, Unsubscribe

__all__ = ["ClOrdIds", "ORD_TYPES", "Outbound", "RequestBuilder", "Sendable", "TIF_NAMES"]

Sendable = NewOrder | Cancel | Replace | Status | MassCancel | Subscribe | Unsubscribe | Raw

ORD_TYPES = {"1": "Market", "2": "Limit", "3": "Stop", "4": "StopLimit", "P": "Pegged"}
TIF_NAMES = {"0": "Day", "1": "GTC", "2": "OPG", "3": "IOC", "4": "FOK", "5": "GTX", "6": "GTD", "7": "CLS"}
_MD_ENTRY_TYPES = ("0", "1", "2")  # bid, offer, trade


class ClOrdIds:
    """ClOrdIDs unique across runs: the client's start in milliseconds (base 36), then a counter.

    Two runs would have to start in the same millisecond to collide; the
    store keeps sequence numbers, not ids, so nothing else would tell them apart.
    """

    def __init__(self, start_ns: int):
        self.prefix = run_id(start_ns)
        self._n = count(1)

    def next(self) -> str:
        return f"{self.prefix}-{next(self._n)}"


@dataclass(frozen=True, slots=True)
class Outbound:
    msg_type: str
    fields: list[tuple[int, str]]
    summary: str  # one line for the user: what went out
    cl_ord_id: str | None = None


class RequestBuilder:
    def __init__(self, ids: ClOrdIds, view: OrderView, account: str | None = None):
        self.ids = ids
        self.view = view
        self.account = account
        self.last: str | None = None  # the latest new order's ClOrdID: 'last' in commands
        self.md_subs: dict[str, str] = {}  # symbol -> MDReqID

    def build(self, cmd: Sendable, now_ns: int) -> Outbound | CommandError:
        match cmd:
            case NewOrder():
                return self._new_order(cmd, now_ns)
            case Cancel():
                return self._cancel(cmd, now_ns)
            case Replace():
                return self._replace(cmd, now_ns)
            case Status():
                return self._status(cmd)
            case MassCancel():
                return self._mass_cancel(cmd, now_ns)
            case Subscribe():
                return self._subscribe(cmd)
            case Unsubscribe():
                return self._unsubscribe(cmd)
            case Raw():
                return self._raw(cmd)

    def forget_md(self, md_req_id: str) -> None:
        """A MarketDataRequestReject ended the subscription before it began."""
        for symbol, req_id in list(self.md_subs.items()):
            if req_id == md_req_id:
                del self.md_subs[symbol]

    # -- orders -------------------------------------------------------------------

    def _new_order(self, cmd: NewOrder, now_ns: int) -> Outbound | CommandError:
        cl = cmd.cl_ord_id
        if cl is not None and self.view.known(cl):
            return CommandError(f"id={cl}: this client has used that ClOrdID already (raw sends a duplicate)")
        cl = cl or self.ids.next()
        if cmd.peg is not None:
            ord_type = "P"
        elif cmd.stop_px is not None:
            ord_type = "4" if cmd.price is not None else "3"
        else:
            ord_type = "2" if cmd.price is not None else "1"
        fields: list[tuple[int, str]] = [(11, cl)]
        account = cmd.account or self.account
        if account:
            fields.append((1, account))
        fields += [(55, cmd.symbol), (54, cmd.side), (60, format_ns(now_ns).decode()), (38, str(cmd.qty)),
                   (40, ord_type)]
        if cmd.price is not None:
            fields.append((44, cmd.price))
        if cmd.stop_px is not None:
            fields.append((99, cmd.stop_px))
        if cmd.tif is not None:
            fields.append((59, cmd.tif))
        if cmd.expire is not None:
            fields.append((126, cmd.expire) if "-" in cmd.expire else (432, cmd.expire))
        exec_inst = " ".join(([cmd.peg] if cmd.peg else []) + (["6"] if cmd.post_only else []))
        if exec_inst:
            fields.append((18, exec_inst))  # MultipleValueString: space-separated
        if cmd.min_qty is not None:
            fields.append((110, str(cmd.min_qty)))
        if cmd.max_floor is not None:
            fields.append((111, str(cmd.max_floor)))
        if cmd.peg_offset is not None:
            fields.append((211, cmd.peg_offset))
        if cmd.dest is not None:
            fields.append((100, cmd.dest))
        self.view.new_sent(cl, fields)
        self.last = cl
        return Outbound("D", fields, f"SENT NewOrderSingle {cl}: {_terms_text(dict(fields))}", cl)

    def _ref(self, ref: str) -> str | CommandError:
        if ref.lower() in ("last", "<last>"):
            if self.last is None:
                return CommandError(f"{ref}: no order sent yet")
            return self.last
        return ref

    def _order(self, verb: str, ref: str, symbol: str | None, side: str | None) -> OrderRow | CommandError:
        cl = self._ref(ref)
        if isinstance(cl, CommandError):
            return cl
        row = self.view.find(cl)
        if row is not None:
            return row
        if symbol is None or side is None:
            return CommandError(f"{verb}: no order {cl} known to this client (add symbol=S side=buy|sell|short "
                                f"for one it has not seen)")
        return OrderRow(key=cl, cl_ord_id=cl, terms={55: symbol, 54: side})

    def _cancel(self, cmd: Cancel, now_ns: int) -> Outbound | CommandError:
        row = self._order("cancel", cmd.ref, cmd.symbol, cmd.side)
        if isinstance(row, CommandError):
            return row
        cl = self.ids.next()
        fields: list[tuple[int, str]] = [(41, row.cl_ord_id), (11, cl)]
        if row.order_id:
            fields.append((37, row.order_id))
        fields += [(t, row.terms[t]) for t in (1, 55, 54, 38) if t in row.terms]
        fields.append((60, format_ns(now_ns).decode()))
        self._track(cl, row)
        return Outbound("F", fields, f"SENT OrderCancelRequest {cl} for {row.cl_ord_id}", cl)

    def _replace(self, cmd: Replace, now_ns: int) -> Outbound | CommandError:
        row = self._order("replace", cmd.ref, None, None)
        if isinstance(row, CommandError):
            return row
        terms = dict(row.terms)
        missing = [name for tag, name in ((55, "Symbol"), (54, "Side"), (40, "OrdType")) if tag not in terms]
        if missing:
            return CommandError(f"replace: the terms of {row.cl_ord_id} are not known ({', '.join(missing)})")
        if cmd.price is not None and terms[40] in ("1", "3"):
            return CommandError(f"replace: {row.cl_ord_id} is a {ORD_TYPES[terms[40]].lower()} order, it has no "
                                f"price to change")
        if cmd.qty is not None:
            terms[38] = str(cmd.qty)
        if cmd.price is not None:
            terms[44] = cmd.price
        cl = self.ids.next()
        fields: list[tuple[int, str]] = [(41, row.cl_ord_id), (11, cl)]
        if row.order_id:
            fields.append((37, row.order_id))
        fields += [(t, terms[t]) for t in TERM_TAGS if t in terms]
        fields.append((60, format_ns(now_ns).decode()))
        self._track(cl, row)
        change = " ".join(([f"qty {cmd.qty}"] if cmd.qty is not None else []) +
                          ([f"@{cmd.price}"] if cmd.price is not None else []))
        return Outbound("G", fields, f"SENT OrderCancelReplaceRequest {cl} for {row.cl_ord_id}: {change}", cl)

    def _track(self, cl: str, row: OrderRow) -> None:
        if self.view.find(row.key) is row:
            self.view.request_sent(cl, row)

    def _status(self, cmd: Status) -> Outbound | CommandError:
        row = self._order("status", cmd.ref, cmd.symbol, cmd.side)
        if isinstance(row, CommandError):
            return row
        # OrderStatusRequest names the order by its current ClOrdID (no new one: it is not a request to change).
        fields: list[tuple[int, str]] = [(11, row.cl_ord_id)]
        if row.order_id:
            fields.append((37, row.order_id))
        fields += [(t, row.terms[t]) for t in (55, 54) if t in row.terms]
        return Outbound("H", fields, f"SENT OrderStatusRequest for {row.cl_ord_id}", row.cl_ord_id)

    def _mass_cancel(self, cmd: MassCancel, now_ns: int) -> Outbound | CommandError:
        cl = self.ids.next()
        fields: list[tuple[int, str]] = [(11, cl)]
        if cmd.symbol is not None:
            fields += [(530, "1"), (55, cmd.symbol)]  # cancel orders for a security
        else:
            fields.append((530, "7"))  # cancel all orders
        fields.append((60, format_ns(now_ns).decode()))
        return Outbound("q", fields, f"SENT OrderMassCancelRequest {cl}: {cmd.symbol or 'all orders'}", cl)

    # -- market data ----------------------------------------------------------------

    def _md_fields(self, md_req_id: str, kind: str, depth: int, symbol: str) -> list[tuple[int, str]]:
        fields: list[tuple[int, str]] = [(262, md_req_id), (263, kind), (264, str(depth))]
        if kind == "1":
            fields.append((265, "1"))  # incremental refresh
        fields.append((267, str(len(_MD_ENTRY_TYPES))))
        fields += [(269, e) for e in _MD_ENTRY_TYPES]
        fields += [(146, "1"), (55, symbol)]
        return fields

    def _subscribe(self, cmd: Subscribe) -> Outbound | CommandError:
        if cmd.symbol in self.md_subs:
            return CommandError(f"md: already subscribed to {cmd.symbol} (MDReqID {self.md_subs[cmd.symbol]})")
        md_req_id = f"MD-{self.ids.next()}"
        self.md_subs[cmd.symbol] = md_req_id
        return Outbound("V", self._md_fields(md_req_id, "1", cmd.depth, cmd.symbol),
                        f"SENT MarketDataRequest {md_req_id}: {cmd.symbol} depth {cmd.depth or 'full'}")

    def _unsubscribe(self, cmd: Unsubscribe) -> Outbound | CommandError:
        md_req_id = self.md_subs.pop(cmd.symbol, None)
        if md_req_id is None:
            return CommandError(f"unmd: not subscribed to {cmd.symbol}")
        return Outbound("V", self._md_fields(md_req_id, "2", 0, cmd.symbol),
                        f"SENT MarketDataRequest {md_req_id}: unsubscribe {cmd.symbol}")

    def _raw(self, cmd: Raw) -> Outbound | CommandError:
        fields = list(cmd.fields)
        cl = next((v for t, v in fields if t == 11), None)
        if cmd.msg_type == "D" and cl and not self.view.known(cl):
            self.view.new_sent(cl, fields)
        text = "|".join(f"{t}={v}" for t, v in fields)
        return Outbound(cmd.msg_type, fields, f"SENT 35={cmd.msg_type} {text}", cl)


def _terms_text(terms: dict[int, str]) -> str:
    side = SIDE_NAMES.get(terms.get(54, ""), terms.get(54, "?"))
    words = [side, terms.get(38, "?"), terms.get(55, "?")]
    ord_type = terms.get(40, "")
    if 44 in terms:
        words.append(f"@{terms[44]}")
    words.append(ORD_TYPES.get(ord_type, ord_type))
    if 99 in terms:
        words.append(f"stop {terms[99]}")
    words.append(TIF_NAMES.get(terms.get(59, "0"), terms.get(59, "")))
    extras = {18: "ExecInst", 110: "MinQty", 111: "MaxFloor", 211: "PegOffset", 100: "dest", 126: "expires",
              432: "expires", 1: "account"}
    words += [f"{name} {terms[t]}" for t, name in extras.items() if t in terms]
    return " ".join(words)
