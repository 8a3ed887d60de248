"""FIX 4.4 <-> the OMS core beside orders: OrderMassStatusRequest (AF), DontKnowTrade (Q), a venue's
ExecutionReport, and the BusinessMessageReject the core may ask for.

A request the OMS cannot take is a ``Refused``: the runtime answers it with a
BusinessMessageReject (35=j) carrying ``reason`` (BusinessRejectReason 380),
the text and the request's id (BusinessRejectRefID 379).

MassStatusReqType (585) supported: 1 (orders of a security: Symbol 55), 7
(all orders) and 8 (orders of a party: PartyID 448 or Account 1; the OMS
knows parties only as accounts). Account (1) and Side (54), when sent,
narrow any type. 2-6 (underlying, product, CFI code, security type,
trading session) are refused with reason 0: the OMS keeps none of those
attributes, and an ExecutionReport "no order matches" would tell the client
something false about its orders. A type-1 or type-8 request without its
criterion is refused with reason 5 (conditionally required field missing).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..domain.enums import Side
from ..engine import oms_types as t
from .codec import wire
from .message import Message

__all__ = ["Refused", "business_reject_body", "dont_know_from_fix", "mass_status_from_fix", "venue_exec_from_fix"]

_SIDES = {s.value.encode(): s for s in Side}
_OTHER, _MISSING = 0, 5  # BusinessRejectReason (380): other; conditionally required field missing


@dataclass(frozen=True, slots=True)
class Refused:
    reason: int
    text: str
    ref_id: bytes | None


def _text(msg: Message, tag: int) -> str:
    return (msg.get(tag) or b"").decode("latin-1")


def _dec(msg: Message, tag: int) -> Decimal | None:
    return _d(msg.get(tag))


def _int(msg: Message, tag: int) -> int:
    return _n(msg.get(tag))


def _s(raw: bytes | None) -> str:
    return raw.decode("latin-1") if raw else ""


def _n(raw: bytes | None) -> int:
    return int(raw) if raw and raw.isdigit() else 0


def _d(raw: bytes | None) -> Decimal | None:
    try:
        value = Decimal(raw.decode("ascii")) if raw else None
    except (InvalidOperation, UnicodeDecodeError):
        return None
    return value if value is not None and value.is_finite() else None


def mass_status_from_fix(msg: Message, session: str) -> t.ClientMassStatus | Refused:
    req_id = msg.get(584)
    if not req_id:
        return Refused(_MISSING, "MassStatusReqID (584) is required", None)
    kind = msg.get(585) or b""
    raw_side = msg.get(54)
    side = _SIDES.get(raw_side) if raw_side is not None else None
    if raw_side is not None and side is None:
        return Refused(_OTHER, f"Side (54) {_text(msg, 54)} is not a side of any order here", req_id)
    accounts = [_text(msg, 1)] if msg.get(1) else []
    symbol = None
    if kind == b"1":
        symbol = _text(msg, 55)
        if not symbol:
            return Refused(_MISSING, "Symbol (55) is required for MassStatusReqType (585) 1", req_id)
    elif kind == b"8":
        accounts += [v.decode("latin-1") for tag, v in msg.fields if tag == 448 and v]
        if not accounts:
            return Refused(_MISSING, "PartyID (448) or Account (1) is required for MassStatusReqType (585) 8",
                           req_id)
    elif kind != b"7":
        return Refused(_OTHER, f"MassStatusReqType (585) {_text(msg, 585)} is not supported here: 1 (security), "
                               "7 (all orders), 8 (party)", req_id)
    return t.ClientMassStatus(session=session, mass_status_req_id=req_id.decode("latin-1"), accounts=tuple(accounts),
                              symbol=symbol, side=side)


def dont_know_from_fix(msg: Message, session: str) -> t.ClientDontKnow | Refused:
    for tag, name in ((37, "OrderID"), (17, "ExecID")):
        if not msg.get(tag):
            return Refused(_MISSING, f"{name} ({tag}) is required on a DontKnowTrade", msg.get(17))
    return t.ClientDontKnow(session=session, order_id=_text(msg, 37), exec_id=_text(msg, 17), reason=_text(msg, 127),
                            symbol=_text(msg, 55), side=_SIDES.get(msg.get(54) or b""), last_qty=_int(msg, 32),
                            last_px=_dec(msg, 31), text=_text(msg, 58))


_VENUE_ER_TAGS = (11, 150, 39, 17, 32, 31, 14, 151, 6, 58, 19)


def venue_exec_from_fix(venue: str, msg: Message) -> t.VenueExec:
    """A venue's ExecutionReport (35=8) about a child order, ExecRefID (19) included.

    Every venue report passes here: its fields are read in one pick, not one lookup each."""
    cl, et, st, eid, lq, lp, cq, lv, ap, tx, ref = msg.pick(_VENUE_ER_TAGS)
    return t.VenueExec(venue=venue, child_id=_s(cl), exec_type=_s(et), ord_status=_s(st), exec_id=_s(eid),
                       last_qty=_n(lq), last_px=_d(lp), cum_qty=_n(cq), leaves_qty=_n(lv), avg_px=_d(ap),
                       text=_s(tx), exec_ref_id=_s(ref))



def business_reject_body(o: t.ToClientBusinessReject) -> bytes:
    """BusinessMessageReject (35=j) the core asked for; RefSeqNum (45) is optional in 4.4 and not known here."""
    return wire([(372, o.ref_msg_type), (379, o.ref_id), (380, o.reason), (58, o.text)])
