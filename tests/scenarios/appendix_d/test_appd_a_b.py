"""Appendix D groups A (vanilla) and B (cancel)."""

from __future__ import annotations

import pytest

from oms_fix.domain import CxlRejReason
from tests.scenarios.appendix_d.common import ACK_X, NEW_X, REJECT_X
from tests.scenarios.appendix_d.harness import (
    Scenario,
    accept,
    ack,
    cancel_request,
    confirm_cancel,
    cxl,
    done_for_day,
    er,
    fill,
    ids,
    new,
    reject,
    reject_request,
    run,
)

A_1_a = Scenario("A.1.a", [
    NEW_X, ACK_X,
    ("3", fill("X", 2000), [er("X", None, 10000, 2000, 8000, 2000, "F", "1")]),
    ("4", fill("X", 1000), [er("X", None, 10000, 3000, 7000, 1000, "F", "1")]),
    ("5", fill("X", 7000), [er("X", None, 10000, 10000, 0, 7000, "F", "2")]),
], {
    **REJECT_X,
    "3-alt": [("3-alt", reject("X"), [er("X", None, 10000, 0, 0, 0, "8", "8")])],  # after acceptance
})

A_1_b = Scenario("A.1.b", [
    NEW_X, ACK_X,
    ("3", fill("X", 2000), [er("X", None, 10000, 2000, 8000, 2000, "F", "1")]),
    ("4", fill("X", 1000), [er("X", None, 10000, 3000, 7000, 1000, "F", "1")]),
    ("5", done_for_day("X"), [er("X", None, 10000, 3000, 0, 0, "3", "3")]),  # day order: LeavesQty 0
], REJECT_X)

B_1_a = Scenario("B.1.a", [
    NEW_X, ACK_X,
    ("3", cancel_request("Y", "X", 10000), []),
    ("4", ack("Y"), [er("Y", "X", 10000, 0, 10000, 0, "6", "6")]),
    ("5", confirm_cancel("Y"), [er("Y", "X", 10000, 0, 0, 0, "4", "4")]),
], {
    **REJECT_X,
    "4-alt": [("4-alt", reject_request("Y"), [cxl("Y", "X", "0", response_to="1")])],
    "5-alt": [("5-alt", reject_request("Y"), [cxl("Y", "X", "0", response_to="1")])],
})

B_1_b = Scenario("B.1.b", [
    NEW_X, ACK_X,
    ("3", fill("X", 2000), [er("X", None, 10000, 2000, 8000, 2000, "F", "1")]),
    ("4", cancel_request("Y", "X", 10000), []),
    ("4⇄", fill("X", 3000), [er("X", None, 10000, 5000, 5000, 3000, "F", "1")]),
    ("5", ack("Y"), [er("Y", "X", 10000, 5000, 5000, 0, "6", "6")]),
    ("6", fill("X", 1000), [er("X", None, 10000, 6000, 4000, 1000, "F", "6")]),  # R3
    ("7", confirm_cancel("Y"), [er("Y", "X", 10000, 6000, 0, 0, "4", "4")]),
], {
    **REJECT_X,
    "5-alt": [("5-alt", reject_request("Y"), [cxl("Y", "X", "1")])],
    "7-alt": [("7-alt", reject_request("Y"), [cxl("Y", "X", "1")])],
})

B_1_c = Scenario("B.1.c", [
    NEW_X, ACK_X,
    ("3", fill("X", 2000), [er("X", None, 10000, 2000, 8000, 2000, "F", "1")]),
    ("4", cancel_request("Y", "X", 10000), []),
    ("4⇄", fill("X", 3000), [er("X", None, 10000, 5000, 5000, 3000, "F", "1")]),
    ("5", ack("Y"), [er("Y", "X", 10000, 5000, 5000, 0, "6", "6")]),
    ("6", fill("X", 5000), [er("X", None, 10000, 10000, 0, 5000, "F", "6")]),  # 6 outranks 2
    ("7", reject_request("Y", CxlRejReason.TOO_LATE_TO_CANCEL),
     [cxl("Y", "X", "2", reason="0", response_to="1")]),
], {
    **REJECT_X,
    "5-alt": [("5-alt", reject_request("Y"), [cxl("Y", "X", "1")])],
})

# Deviation (documented in order.py): step 4 reports OrdStatus 6, by precedence; the spec prints 0.
B_1_d = Scenario("B.1.d", [
    NEW_X,
    ("2", cancel_request("Y", "X", 10000), []),
    ("3", ack("Y"), [er("Y", "X", 10000, 0, 10000, 0, "6", "6")]),
    ("4", accept("X"), [er("X", None, 10000, 0, 10000, 0, "0", "6")]),
    ("5", confirm_cancel("Y"), [er("Y", "X", 10000, 0, 0, 0, "4", "4")]),
    ("6", new("A", 5000), []),
    ("7", cancel_request("B", "A", 5000), []),
    ("8", ack("B"), [er("B", "A", 5000, 0, 5000, 0, "6", "6")]),
    ("9", confirm_cancel("B"), [er("B", "A", 5000, 0, 0, 0, "4", "4")]),  # never acked as New
])

B_1_e = Scenario("B.1.e", [
    NEW_X,
    ("2", cancel_request("Y", "X", 10000), []),
    ("2⇄", accept("X"), [er("X", None, 10000, 0, 10000, 0, "0", "0")]),
    ("3", ack("Y"), [er("Y", "X", 10000, 0, 10000, 0, "6", "6")]),
    ("4", confirm_cancel("Y"), [er("Y", "X", 10000, 0, 0, 0, "4", "4")]),
])

B_1_f = Scenario("B.1.f", [
    ("1+2", cancel_request("Y", "X", 10000),
     [cxl("Y", "X", "8", reason="1", order_id="NONE", response_to="1")]),
    # Extra assertion: the reject did not consume X, which may still arrive as an order.
    ("later", new("X", 10000), []),
    ("later ack", accept("X"), [er("X", None, 10000, 0, 10000, 0, "0", "0")]),
])

SCENARIOS = [A_1_a, A_1_b, B_1_a, B_1_b, B_1_c, B_1_d, B_1_e, B_1_f]


@pytest.mark.parametrize("case", [c for s in SCENARIOS for c in s.cases()], ids=ids)
def test_scenario(case: tuple[Scenario, str | None]) -> None:
    run(*case)
