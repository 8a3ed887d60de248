"""A REST order read through the FIX path: every word lands on the FIX 4.4 code it names, nothing else moves."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from oms_fix.api.schemas import OrderCreate
from oms_fix.api.service import _ns
from oms_fix.api.words import new_order_fields
from oms_fix.engine.algos import ALGOS
from oms_fix.fix.message import Message
from oms_fix.fix.translate import Malformed, NewOrderTerms, new_order_from_fix

SIDE = {"buy": "1", "sell": "2", "short": "5", "cover": "1"}
TIF = {"day": "0", "gtc": "1", "ioc": "3", "fok": "4", "gtd": "6", "atc": "7", "ato": "2"}
TYPE = {"market": "1", "limit": "2", "stop": "3", "stop_limit": "4", "peg": "P"}

prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999"), places=2)


@st.composite
def orders(draw: st.DrawFn) -> OrderCreate:
    order_type = draw(st.sampled_from(["market", "limit", "stop", "stop_limit", *ALGOS]))
    price = None if order_type == "market" else draw(st.none() | prices) if order_type in ALGOS else draw(prices)
    if order_type == "stop":
        price = None
    tif = draw(st.sampled_from(sorted(TIF)))
    body = {"symbol": draw(st.sampled_from(["AAPL", "MSFT", "BRK.B"])), "side": draw(st.sampled_from(sorted(SIDE))),
            "quantity": draw(st.integers(1, 10**9)), "order_type": order_type, "price": price,
            "time_in_force": tif,
            "stop_price": draw(prices) if order_type in ("stop", "stop_limit") else None,
            "expire_time": datetime(2031, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc) if tif == "gtd" else None,
            "max_floor": draw(st.integers(1, 10**6)) if order_type == "iceberg" else None,
            "peg": {"type": draw(st.sampled_from(["primary", "mid", "market"]))} if order_type == "peg" else None,
            "algo_parameters": draw(st.dictionaries(st.sampled_from(["duration_minutes", "num_slices", "urgency"]),
                                                    st.integers(1, 90), max_size=2)),
            "ex_destination": draw(st.none() | st.sampled_from(["EXCH", "DARK"]))}
    return OrderCreate.model_validate(body)


def terms_of(req: OrderCreate) -> tuple[list[tuple[int, str | bytes]], NewOrderTerms]:
    fields = new_order_fields(
        cl_ord_id="c1", account="ACC001", symbol=req.symbol, side=req.side, quantity=req.quantity,
        order_type=req.order_type, algo=req.algo, price=req.price, stop_price=req.stop_price, tif=req.time_in_force,
        expire_ns=_ns(req.expire_time), start_ns=None, params=req.params, participation_rate=None,
        ex_destination=req.ex_destination, max_floor=req.max_floor, min_qty=None,
        peg=req.peg.type if req.peg else None, peg_offset=None)
    terms = new_order_from_fix(Message.build(fields))
    assert not isinstance(terms, Malformed), terms
    return fields, terms


@settings(max_examples=300, deadline=None)
@given(orders())
def test_every_word_is_the_fix_code_it_names(req: OrderCreate) -> None:
    fields, terms = terms_of(req)
    tags = dict((t, v.decode() if isinstance(v, bytes) else v) for t, v in fields)
    o = terms.order
    assert (o.symbol, o.order_qty, o.account, o.cl_ord_id) == (req.symbol, req.quantity, "ACC001", "c1")
    assert o.side.value == SIDE[req.side] and (tags.get(77) == "C") == (req.side == "cover")
    assert o.time_in_force.value == TIF[req.time_in_force]
    assert o.price == req.price
    assert terms.stop_px == req.stop_price
    if req.order_type in TYPE:
        assert o.ord_type.value == TYPE[req.order_type]
    else:  # an algo: a limit when priced, else a market order, with TargetStrategy naming it
        assert o.ord_type.value == ("2" if req.price is not None else "1")
    assert (terms.algo is None) == (req.algo is None)
    if terms.algo is not None:
        assert terms.algo.strategy == ALGOS[req.algo or ""]
        assert {k: str(v) for k, v in req.algo_parameters.items()}.items() <= dict(terms.algo.params).items()
        assert terms.algo.max_floor == req.max_floor
    assert terms.ex_destination == req.ex_destination
    if req.expire_time is not None:
        assert terms.expire_ns == 1925089445678000000
