"""Commands -> FIX fields: what each command sends, and what it refuses to send."""

from __future__ import annotations

import pytest

from oms_fix.fix.message import Message
from oms_fix.tradeclient.orders import OrderView
from oms_fix.tradeclient.parse import CommandError, parse
from oms_fix.tradeclient.requests import ClOrdIds, Outbound, RequestBuilder

NOW = 1_700_000_000_123_000_000
TT = "20231114-22:13:20.123"


def builder(start_ns: int = NOW) -> RequestBuilder:
    return RequestBuilder(ClOrdIds(start_ns), OrderView(), "ACC001")


def send(b: RequestBuilder, line: str) -> Outbound:
    cmd = parse(line)
    assert not isinstance(cmd, CommandError), cmd
    out = b.build(cmd, NOW)  # type: ignore[arg-type]
    assert isinstance(out, Outbound), out
    return out


def refuse(b: RequestBuilder, line: str) -> str:
    cmd = parse(line)
    assert not isinstance(cmd, CommandError), cmd
    out = b.build(cmd, NOW)  # type: ignore[arg-type]
    assert isinstance(out, CommandError), out
    return out.text


def er(**tags: str) -> Message:
    return Message.build([(35, "8")] + [(int(t[1:]), v) for t, v in tags.items()])


def test_limit_order_fields() -> None:
    b = builder()
    out = send(b, "buy 100 AAPL @190")
    cl = out.cl_ord_id
    assert out.msg_type == "D"
    assert out.fields == [(11, cl), (1, "ACC001"), (55, "AAPL"), (54, "1"), (60, TT), (38, "100"), (40, "2"),
                          (44, "190")]
    assert out.summary == f"SENT NewOrderSingle {cl}: BUY 100 AAPL @190 Limit Day account ACC001"


@pytest.mark.parametrize("line, expected", [
    ("sell 100 AAPL", {40: "1", 54: "2"}),
    ("short 100 AAPL mkt tif=ioc", {40: "1", 54: "5", 59: "3"}),
    ("sell 100 AAPL stop=185", {40: "3", 99: "185"}),
    ("sell 100 AAPL @184 stop=185", {40: "4", 44: "184", 99: "185"}),
    ("buy 100 AAPL peg=M", {40: "P", 18: "M"}),
    ("buy 100 AAPL @191 peg=P offset=-0.01 postonly", {40: "P", 18: "P 6", 44: "191", 211: "-0.01"}),
    ("buy 100 AAPL @190 postonly", {18: "6"}),
    ("buy 1000 AAPL @190 floor=0 minqty=300 dest=DARK", {111: "0", 110: "300", 100: "DARK"}),
    ("buy 100 AAPL @190 tif=gtd expire=20300101", {59: "6", 432: "20300101"}),
    ("buy 100 AAPL @190 tif=gtd expire=20300101-16:00:00", {59: "6", 126: "20300101-16:00:00"}),
    ("buy 100 AAPL @190 account=HOUSE id=mine", {1: "HOUSE", 11: "mine"}),
])
def test_order_options_map_to_tags(line: str, expected: dict[int, str]) -> None:
    fields = dict(send(builder(), line).fields)
    for tag, value in expected.items():
        assert fields[tag] == value, tag
    assert fields[60] == TT


def test_no_account_when_none_configured() -> None:
    b = RequestBuilder(ClOrdIds(NOW), OrderView(), None)
    assert 1 not in dict(send(b, "buy 1 AAPL @1").fields)


def test_cl_ord_ids_unique_within_and_across_runs() -> None:
    a, b = ClOrdIds(NOW), ClOrdIds(NOW + 1_000_000)  # a run one millisecond later
    first = [a.next() for _ in range(1000)]
    second = [b.next() for _ in range(1000)]
    assert len(set(first)) == 1000
    assert not set(first) & set(second)
    assert first[0] != ClOrdIds(NOW + 86_400 * 10**9).next()


def test_own_id_used_once() -> None:
    b = builder()
    send(b, "buy 1 AAPL @1 id=X1")
    assert "id=X1: this client has used that ClOrdID already" in refuse(b, "sell 1 AAPL @1 id=X1")


def test_cancel_names_latest_accepted_id_and_restates_the_order() -> None:
    b = builder()
    cl = send(b, "buy 100 AAPL @190").cl_ord_id
    assert cl is not None
    b.view.on_execution_report(er(t37="O-1", t11=cl, t17="E1", t150="0", t39="0", t55="AAPL", t54="1",
                                  t38="100", t40="2", t44="190.00", t151="100", t14="0", t6="0"))
    out = send(b, "cancel last")
    assert out.msg_type == "F"
    assert out.fields == [(41, cl), (11, out.cl_ord_id), (37, "O-1"), (1, "ACC001"), (55, "AAPL"), (54, "1"),
                          (38, "100"), (60, TT)]
    assert out.summary == f"SENT OrderCancelRequest {out.cl_ord_id} for {cl}"


def test_replace_resends_terms_and_follows_the_accepted_id() -> None:
    b = builder()
    cl = send(b, "sell 300 MSFT @410 tif=gtc dest=EXCH").cl_ord_id
    assert cl is not None
    r1 = send(b, f"replace {cl} qty=200")
    f1 = dict(r1.fields)
    assert r1.msg_type == "G"
    assert (f1[41], f1[38], f1[44], f1[59], f1[40], f1[54], f1[55], f1[100]) == \
        (cl, "200", "410", "1", "2", "2", "MSFT", "EXCH")
    # Until the Replaced arrives the order's accepted ClOrdID is still the first.
    assert dict(send(b, f"replace {cl} px=409.5").fields)[41] == cl
    b.view.on_execution_report(er(t37="O-2", t11=r1.cl_ord_id or "", t41=cl, t17="E2", t150="5", t39="0",
                                  t55="MSFT", t54="2", t38="200", t40="2", t44="410.00", t59="1", t151="200",
                                  t14="0", t6="0"))
    r3 = dict(send(b, f"replace {cl} px=409.99").fields)  # named by its first id, sent against its latest
    assert (r3[41], r3[38], r3[44], r3[37]) == (r1.cl_ord_id, "200", "409.99", "O-2")


def test_replace_of_a_market_order_has_no_price_to_change() -> None:
    b = builder()
    send(b, "buy 100 AAPL")
    assert "is a market order, it has no price to change" in refuse(b, "replace last px=1")


def test_unknown_orders_are_refused_unless_described() -> None:
    b = builder()
    assert "last: no order sent yet" in refuse(b, "cancel last")
    assert "no order C9 known to this client" in refuse(b, "cancel C9")
    assert "no order C9 known" in refuse(b, "replace C9 qty=1")
    assert "no order C9 known" in refuse(b, "status C9")
    out = send(b, "cancel C9 symbol=AAPL side=buy")
    assert dict(out.fields)[41] == "C9"
    assert dict(send(b, "status C9 symbol=AAPL side=sell").fields) == {11: "C9", 55: "AAPL", 54: "2"}


def test_status_asks_by_the_current_id() -> None:
    b = builder()
    cl = send(b, "buy 5 GOOG @150").cl_ord_id
    out = send(b, "status last")
    assert (out.msg_type, out.fields) == ("H", [(11, cl), (55, "GOOG"), (54, "1")])


def test_mass_cancel() -> None:
    b = builder()
    one = send(b, "massCancel AAPL")
    assert one.msg_type == "q" and one.fields == [(11, one.cl_ord_id), (530, "1"), (55, "AAPL"), (60, TT)]
    everything = send(b, "massCancel")
    assert everything.fields == [(11, everything.cl_ord_id), (530, "7"), (60, TT)]


def test_market_data_subscribe_and_unsubscribe() -> None:
    b = builder()
    sub = send(b, "md AAPL depth=3")
    md_id = dict(sub.fields)[262]
    assert sub.msg_type == "V"
    assert sub.fields == [(262, md_id), (263, "1"), (264, "3"), (265, "1"), (267, "3"), (269, "0"), (269, "1"),
                          (269, "2"), (146, "1"), (55, "AAPL")]
    assert "already subscribed to AAPL" in refuse(b, "md AAPL")
    unsub = send(b, "unmd AAPL")
    assert dict(unsub.fields)[262] == md_id and dict(unsub.fields)[263] == "2"
    assert "not subscribed to AAPL" in refuse(b, "unmd AAPL")
    md2 = dict(send(b, "md AAPL").fields)[262]
    b.forget_md(md2)  # rejected with 35=Y: may subscribe again
    send(b, "md AAPL")


def test_raw_sends_fields_as_given() -> None:
    b = builder()
    out = send(b, "raw 35=D|11=R1|55=AAPL|54=1|38=abc")
    assert (out.msg_type, out.fields) == ("D", [(11, "R1"), (55, "AAPL"), (54, "1"), (38, "abc")])
    assert out.summary == "SENT 35=D 11=R1|55=AAPL|54=1|38=abc"
    assert b.view.known("R1")


def test_every_sendable_is_built() -> None:
    b = builder()
    for line in ("buy 1 A @1", "cancel last", "replace last qty=2", "status last", "massCancel", "md A",
                 "unmd A", "raw 35=D|11=Z"):
        assert isinstance(send(b, line), Outbound), line
