"""The trade client's command language: every form, and a one-line error for each bad one."""

from __future__ import annotations

import pytest

from oms_fix.tradeclient.parse import (Cancel, CommandError, Help, MassCancel, NewOrder, Quit, Raw, Replace,
                                       ShowOrders, Status, Subscribe, Unsubscribe, Wait, parse, split_commands)


@pytest.mark.parametrize("line, expected", [
    ("buy 100 AAPL @190", NewOrder(side="1", qty=100, symbol="AAPL", price="190")),
    ("sell 5 msft @410.25", NewOrder(side="2", qty=5, symbol="MSFT", price="410.25")),
    ("short 300 TSLA mkt", NewOrder(side="5", qty=300, symbol="TSLA")),
    ("BUY 1 AAPL", NewOrder(side="1", qty=1, symbol="AAPL")),
    ("buy 100 AAPL @mkt tif=ioc", NewOrder(side="1", qty=100, symbol="AAPL", tif="3")),
    ("buy 100 AAPL @190 tif=GTC dest=EXCH account=ACC9 id=my-1",
     NewOrder(side="1", qty=100, symbol="AAPL", price="190", tif="1", dest="EXCH", account="ACC9", cl_ord_id="my-1")),
    ("sell 100 AAPL stop=185", NewOrder(side="2", qty=100, symbol="AAPL", stop_px="185")),
    ("sell 100 AAPL @184.5 stop=185", NewOrder(side="2", qty=100, symbol="AAPL", price="184.5", stop_px="185")),
    ("buy 1000 AAPL @190 floor=100 minqty=200 postonly",
     NewOrder(side="1", qty=1000, symbol="AAPL", price="190", max_floor=100, min_qty=200, post_only=True)),
    ("buy 1000 AAPL @190 floor=0", NewOrder(side="1", qty=1000, symbol="AAPL", price="190", max_floor=0)),
    ("buy 100 AAPL peg=m", NewOrder(side="1", qty=100, symbol="AAPL", peg="M")),
    ("buy 100 AAPL @191 peg=P offset=-0.01",
     NewOrder(side="1", qty=100, symbol="AAPL", price="191", peg="P", peg_offset="-0.01")),
    ("buy 100 AAPL @190 tif=gtd expire=20300101",
     NewOrder(side="1", qty=100, symbol="AAPL", price="190", tif="6", expire="20300101")),
    ("buy 100 AAPL @190 tif=gtd expire=20300101-16:00:00",
     NewOrder(side="1", qty=100, symbol="AAPL", price="190", tif="6", expire="20300101-16:00:00")),
    ("buy 100 AAPL tif=opg", NewOrder(side="1", qty=100, symbol="AAPL", tif="2")),
    ("buy 100 AAPL tif=cls", NewOrder(side="1", qty=100, symbol="AAPL", tif="7")),
    ("buy 100 AAPL @190 tif=fok", NewOrder(side="1", qty=100, symbol="AAPL", price="190", tif="4")),
    ("buy 100 AAPL @190 tif=day", NewOrder(side="1", qty=100, symbol="AAPL", price="190", tif="0")),
    ("cancel C3", Cancel(ref="C3")),
    ("cancel last", Cancel(ref="last")),
    ("cancel OLD-1 symbol=aapl side=sell", Cancel(ref="OLD-1", symbol="AAPL", side="2")),
    ("replace C3 qty=200", Replace(ref="C3", qty=200)),
    ("replace C3 px=190.5", Replace(ref="C3", price="190.5")),
    ("replace <last> qty=50 px=189", Replace(ref="<last>", qty=50, price="189")),
    ("status C3", Status(ref="C3")),
    ("status X symbol=GOOG side=short", Status(ref="X", symbol="GOOG", side="5")),
    ("massCancel", MassCancel()),
    ("masscancel aapl", MassCancel("AAPL")),
    ("md AAPL", Subscribe("AAPL", 5)),
    ("md AAPL depth=1", Subscribe("AAPL", 1)),
    ("md AAPL depth=0", Subscribe("AAPL", 0)),
    ("unmd AAPL", Unsubscribe("AAPL")),
    ("orders", ShowOrders()),
    ("help", Help()),
    ("quit", Quit()),
    ("exit", Quit()),
    ("wait 1.5", Wait(1.5)),
    ("raw 35=D|11=X|55=AAPL|58=two words", Raw("D", ((11, "X"), (55, "AAPL"), (58, "two words")))),
    ("raw 11=X|35=F|", Raw("F", ((11, "X"),))),
])
def test_every_command_form(line: str, expected: object) -> None:
    assert parse(line) == expected


@pytest.mark.parametrize("line, error", [
    ("", "empty command"),
    ("purchase 100 AAPL", "unknown command 'purchase' (try 'help')"),
    ("buy", "buy: missing QTY"),
    ("buy 100", "buy: missing SYMBOL"),
    ("buy x AAPL", "buy: QTY 'x' is not a positive whole number"),
    ("buy 0 AAPL", "QTY '0' is not a positive whole number"),
    ("buy -5 AAPL", "QTY '-5' is not a positive whole number"),
    ("buy 1.5 AAPL", "QTY '1.5' is not a positive whole number"),
    ("buy 100 AAPL @abc", "buy: price 'abc' is not a positive decimal number"),
    ("buy 100 AAPL @0", "price '0' is not a positive decimal number"),
    ("buy 100 AAPL @-1", "price '-1' is not a positive decimal number"),
    ("buy 100 AAPL @1e3", "price '1e3' is not a positive decimal number"),
    ("buy 100 AAPL @", "price '(nothing)'"),
    ("buy 100 AAPL @190 colour=red", "buy: unknown option 'colour=red' (options: tif= dest="),
    ("buy 100 AAPL @190 190", "unknown option '190'"),
    ("buy 100 AAPL @190 tif=week", "tif=week is not one of day|gtc|opg|ioc|fok|gtd|cls"),
    ("buy 100 AAPL @190 tif=gtd", "tif=gtd needs expire="),
    ("buy 100 AAPL @190 expire=20300101", "expire= is only for tif=gtd"),
    ("buy 100 AAPL @190 tif=gtd expire=tomorrow", "expire=tomorrow is not YYYYMMDD"),
    ("buy 100 AAPL @190 tif=ioc tif=day", "option tif given twice"),
    ("buy 100 AAPL @190 dest=", "option dest= needs a value"),
    ("buy 100 AAPL peg=X", "peg=X is not P (market), M (midpoint) or R (primary)"),
    ("buy 100 AAPL offset=0.01", "offset= needs peg="),
    ("buy 100 AAPL peg=M offset=abc", "offset=abc is not a decimal number"),
    ("buy 100 AAPL peg=M stop=180", "pegged or a stop, not both"),
    ("buy 100 AAPL stop=x", "stop 'x' is not a positive decimal number"),
    ("buy 100 AAPL minqty=0", "minqty '0' is not a positive whole number"),
    ("buy 100 AAPL floor=-1", "floor '-1' is not a positive whole number"),
    ("buy 100 AAPL id=last", "id=last is reserved"),
    ("buy 100 A$PL", "SYMBOL 'A$PL' is not a symbol"),
    ("cancel", "cancel: missing CLORDID"),
    ("cancel C3 now", "cancel: unknown option 'now'"),
    ("cancel C3 side=up symbol=X", "side 'up' is not buy, sell or short"),
    ("replace C3", "replace: nothing to change"),
    ("replace C3 qty=0", "qty '0' is not a positive whole number"),
    ("replace C3 px=cheap", "px 'cheap' is not a positive decimal number"),
    ("replace C3 price=1", "unknown option 'price=1' (options: qty= px=)"),
    ("status", "status: missing CLORDID"),
    ("massCancel AAPL MSFT", "unexpected 'MSFT'"),
    ("md", "md: missing SYMBOL"),
    ("md AAPL depth=deep", "depth 'deep' is not a positive whole number"),
    ("unmd", "usage: unmd SYMBOL"),
    ("orders now", "orders: takes no arguments, got 'now'"),
    ("raw", "nothing to send"),
    ("raw 11=X|55=AAPL", "give MsgType exactly once"),
    ("raw 35=D|35=F", "give MsgType exactly once"),
    ("raw 35=D|abc=1", "'abc=1' is not TAG=VALUE"),
    ("raw 35=D|55", "'55' is not TAG=VALUE"),
    ("wait soon", "SECONDS 'soon' is not a number"),
    ("wait 5000", "not between 0 and 3600"),
])
def test_bad_commands_get_one_line_naming_the_problem(line: str, error: str) -> None:
    out = parse(line)
    assert isinstance(out, CommandError), out
    assert error in out.text
    assert "\n" not in out.text


def test_split_commands_drops_blanks_and_comments() -> None:
    assert split_commands(" buy 100 AAPL @190 ;; status last;  # a note ; ") == ["buy 100 AAPL @190", "status last"]
