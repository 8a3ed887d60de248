"""Marks from venue data in the OMS core: P&L, the collar and the journal."""

from __future__ import annotations

import json
from decimal import Decimal as D

from test_oms_core import er, kinds, make, new

from oms_fix.engine.oms_journal import decode_command
from oms_fix.engine.oms_types import Journal, Mark


def test_a_mark_values_the_position_and_moves_the_collar():
    oms = make(collar_pct=D("5"))
    new(oms, "A1", 100, "190.00")  # routed to a venue as C1
    oms.handle(er("ECN", "C1", "E1", qty=100, px="190.00", status="2", cum=100, avg="190.00"), 2)
    [pos] = oms.positions()
    assert (pos["position"], pos["unrealised"], pos["mark"]) == (100, "0.00", "190.00")
    oms.handle(Mark(symbol="AAPL", price=D("200.50")), 3)
    [pos] = oms.positions()
    assert (pos["mark"], D(pos["unrealised"])) == ("200.50", D("1050.00"))
    # 5% around 200.50 is 190.475..210.525: 209.00 is now inside, 190.00 outside.
    assert kinds(new(oms, "A2", 100, "209.00", now=4))[0] == ("0", "0")
    rejected = new(oms, "A3", 100, "190.00", now=5)
    assert kinds(rejected) == [("8", "8")]


def test_a_mark_for_an_unknown_symbol_or_a_bad_price_is_ignored_and_journaled_so():
    oms = make()
    for cmd in (Mark(symbol="ZZZZ", price=D("1")), Mark(symbol="AAPL", price=D("0"))):
        outs = oms.handle(cmd, 1)
        assert [o.kind for o in outs if isinstance(o, Journal)] == ["command", "ignored"]


def test_a_mark_replays_from_its_journal_record():
    oms = make()
    [record, *_] = oms.handle(Mark(symbol="MSFT", price=D("411.235")), 7)
    assert isinstance(record, Journal)
    cmd, now = decode_command(json.loads(json.dumps(record.body)))
    assert (cmd, now) == (Mark(symbol="MSFT", price=D("411.235")), 7)
