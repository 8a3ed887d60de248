"""Fault operations (bust, correct, halt, resume) and armed faults through a venue gateway over loopback.

The control API that triggers them from outside comes later (issue 7); here the test calls
``VenueGateway.operate`` itself, in the venue's process, and reads the wire with our initiator.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from sim_venues.faults import FaultError, Scope
from tests.integration.test_venue_gateway import T, Rig, er, nos, run, s, send, wait_for


def test_bust_and_correct_restate_the_order_and_name_the_latest_version():
    async def go() -> None:
        async with Rig() as rig:
            events: list[str] = []
            rig.gateway.on_event = events.append
            seller, srec = await rig.resting_offer()
            buyer, brec = await rig.client("B1")
            send(buyer, b"D", nos("B", "1", 60, "190.00"))
            bfill = await wait_for(brec, er("B", "F"), "the buyer's fill")
            sfill = await wait_for(srec, er("S", "F"), "the seller's fill")

            out = rig.gateway.operate("bust", {"exec_id": s(bfill, 17)})
            bust = await wait_for(brec, er("B", "H"), "the bust")
            # J.1: ExecRefID names the busted execution; the order ended short of its quantity: done for day.
            assert (s(bust, 19), s(bust, 14), s(bust, 151), s(bust, 39), s(bust, 32), s(bust, 31)) == \
                (s(bfill, 17), "0", "0", "3", "0", "0")
            assert out["exec_ref_id"] == s(bfill, 17) and out["exec_id"] == s(bust, 17)
            with pytest.raises(FaultError, match="busted already"):
                rig.gateway.operate("correct", {"exec_id": s(bfill, 17), "qty": 10})

            rig.gateway.operate("correct", {"exec_id": s(sfill, 17), "qty": 50, "price": "190.01"})
            g1 = await wait_for(srec, er("S", "G"), "the correction")
            assert (s(g1, 19), s(g1, 32), s(g1, 31), s(g1, 14), s(g1, 151), s(g1, 6), s(g1, 39)) == \
                (s(sfill, 17), "50", "190.01", "50", "40", "190.01", "1")
            rig.gateway.operate("correct", {"exec_id": s(sfill, 17), "price": "190.02"})
            g2 = await wait_for(srec, lambda m: m.get(150) == b"G" and m.get(17) != g1.get(17), "a second correction")
            assert (s(g2, 19), s(g2, 32), s(g2, 31)) == (s(g1, 17), "50", "190.02")  # R15: the latest version

            other, orec = await rig.client("B2")
            send(other, b"D", nos("B2", "1", 40, "190.00"))
            await wait_for(orec, er("B2", "F"), "the second buyer's fill")
            last = await wait_for(srec, lambda m: m.get(150) == b"F" and m.get(14) == b"90", "the seller's next fill")
            assert (s(last, 151), s(last, 39)) == ("0", "3")
            exact = (50 * Decimal("190.02") + 40 * Decimal("190.00")) / 90  # AvgPx to six places beyond the tick
            assert abs(Decimal(s(last, 6)) - exact) < Decimal("0.00000001")
            assert any("bust fired on B1 AAPL cl=B" in e for e in events)
            assert sum("correct fired on S1" in e for e in events) == 2
            with pytest.raises(FaultError, match="params.exec_id"):
                rig.gateway.operate("bust", {"exec_id": "nope"})
    run(go)


def test_a_corrected_ioc_fill_ends_canceled_not_done_for_day():
    async def go() -> None:
        async with Rig() as rig:
            seller, srec = await rig.resting_offer()
            buyer, brec = await rig.client("B1")
            send(buyer, b"D", nos("B", "1", 60, "190.00") + [(59, "3")])
            fill = await wait_for(brec, er("B", "F"), "the IOC's fill")
            assert s(fill, 39) == "2"
            rig.gateway.operate("correct", {"exec_id": s(fill, 17), "qty": 40})
            g = await wait_for(brec, er("B", "G"), "the correction")
            # Its time in force is over: the 20 taken back are canceled, as an IOC's rest is at its arrival.
            assert (s(g, 32), s(g, 14), s(g, 151), s(g, 39)) == ("40", "40", "0", "4")
    run(go)


def test_a_too_late_cancel_waits_behind_the_held_fill_that_made_it_too_late():
    async def go() -> None:
        async with Rig() as rig:
            rig.gateway.arm("delay_fills", {"ms": 200}, Scope(session="B1"))
            seller, srec = await rig.resting_offer()
            buyer, brec = await rig.client("B1")
            send(buyer, b"D", nos("B", "1", 100, "190.00"))
            await wait_for(brec, er("B", "0"), "the buyer's New")
            await wait_for(srec, er("S", "F"), "the seller's fill, not held")
            send(buyer, b"F", [(11, "BX"), (41, "B"), (55, "AAPL"), (54, "1"), (60, T)])
            await asyncio.sleep(0.25)  # the engine refused at once (filled); its reject waits for the fill
            rig.gateway.tick()
            await wait_for(brec, lambda m: m.msg_type == b"9", "the cancel reject, once the fill went out")
            order = [(m.msg_type, m.get(150)) for m in brec.got if m.msg_type in (b"8", b"9")]
            assert order == [(b"8", b"0"), (b"8", b"F"), (b"9", None)], order
    run(go)


def test_halt_and_resume_publish_security_status():
    async def go() -> None:
        async with Rig() as rig:
            ini, rec = await rig.client("H1")
            rig.gateway.operate("halt", {"symbol": "TSLA"})
            halted = await wait_for(rec, lambda m: m.msg_type == b"f", "SecurityStatus")
            assert (s(halted, 55), s(halted, 326)) == ("TSLA", "2")
            with pytest.raises(FaultError, match="already halted"):
                rig.gateway.operate("halt", {"symbol": "TSLA"})
            # A session that logs on during the halt is told of it at once, after the venue's own status.
            _, late = await rig.client("H2")
            told = await wait_for(late, lambda m: m.msg_type == b"f", "SecurityStatus at Logon")
            assert (s(told, 55), s(told, 326)) == ("TSLA", "2")
            assert [m.msg_type for m in late.got if m.msg_type in (b"h", b"f")][:2] == [b"h", b"f"]
            rig.gateway.operate("resume", {"symbol": "TSLA"})
            resumed = await wait_for(rec, lambda m: m.msg_type == b"f" and m.get(326) != b"2", "the resume")
            assert s(resumed, 326) == "17"
            assert [f["kind"] for f in rig.gateway.faults.fired()] == ["halt", "resume"]
    run(go)


def test_armed_through_the_gateway_and_logged():
    async def go() -> None:
        async with Rig() as rig:
            events: list[str] = []
            rig.gateway.on_event = events.append
            fid = rig.gateway.arm("reject", {"reason": 2}, Scope(session="R1", count=1))
            ini, rec = await rig.client("R1")
            send(ini, b"D", nos("X", "1", 10, "189.00"))
            rej = await wait_for(rec, er("X", "8"), "the reject")
            assert s(rej, 103) == "2"
            assert events[0].startswith(f"fault {fid} reject armed")
            assert events[1].startswith(f"fault {fid} reject fired on R1 AAPL cl=X")
            assert not rig.gateway.disarm(fid)  # spent
    run(go)


def test_reject_cancel_refuses_a_cancel_replace_as_well_as_a_cancel():
    async def go() -> None:
        async with Rig() as rig:
            rig.gateway.arm("reject_cancel", {"reason": 2, "text": "not now"}, Scope(session="RC", count=2))
            ini, rec = await rig.client("RC")
            send(ini, b"D", nos("O1", "1", 100, "189.00"))
            await wait_for(rec, er("O1", "0"), "New")
            send(ini, b"G", nos("O2", "1", 200, "189.00", t41="O1"))
            rej = await wait_for(rec, lambda m: m.msg_type == b"9" and m.get(11) == b"O2", "the replace's reject")
            # CxlRejResponseTo (434) 2: it answers an OrderCancelReplaceRequest
            assert (s(rej, 41), s(rej, 434), s(rej, 102), s(rej, 58), s(rej, 39)) == ("O1", "2", "2", "not now", "0")
            send(ini, b"F", [(11, "O3"), (41, "O1"), (55, "AAPL"), (54, "1"), (60, T), (38, "100")])
            rej = await wait_for(rec, lambda m: m.msg_type == b"9" and m.get(11) == b"O3", "the cancel's reject")
            assert (s(rej, 41), s(rej, 434), s(rej, 102)) == ("O1", "1", "2")
            send(ini, b"H", [(11, "O1"), (55, "AAPL"), (54, "1")])
            status = await wait_for(rec, er("O1", "I"), "the status")
            assert (s(status, 38), s(status, 39), s(status, 151)) == ("100", "0", "100")  # untouched
            assert [(f["kind"], f["cl_ord_id"]) for f in rig.gateway.faults.fired()] == \
                [("reject_cancel", "O2"), ("reject_cancel", "O3")]
    run(go)


def test_a_status_request_after_an_unsolicited_cancel_finds_the_order_by_its_own_clordid():
    async def go() -> None:
        async with Rig() as rig:
            rig.gateway.arm("cancel_unsolicited", {"after_ms": 0}, Scope(session="UC", count=1))
            ini, rec = await rig.client("UC")
            send(ini, b"D", nos("U1", "1", 100, "189.00"))
            await wait_for(rec, er("U1", "0"), "New")
            rig.gateway.tick()  # the wire's queue is drained at the venue's tick
            canceled = await wait_for(rec, er("U1", "4"), "the unsolicited cancel")
            assert (canceled.get(41), s(canceled, 378)) == (None, "8")
            send(ini, b"H", [(11, "U1"), (55, "AAPL"), (54, "1")])
            status = await wait_for(rec, er("U1", "I"), "the status")
            assert (s(status, 39), s(status, 37), status.get(41)) == ("4", s(canceled, 37), None)
            send(ini, b"F", [(11, "U2"), (41, "U1"), (55, "AAPL"), (54, "1"), (60, T), (38, "100")])
            late = await wait_for(rec, lambda m: m.msg_type == b"9" and m.get(11) == b"U2", "the late cancel's reject")
            assert (s(late, 41), s(late, 102), s(late, 39)) == ("U1", "0", "4")  # too late to cancel
    run(go)
