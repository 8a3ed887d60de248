"""Appendix D groups E (unsolicited changes), F (order reject) and G (status)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oms_fix.domain import ExecRestatementReason, OrdRejReason
from tests.scenarios.appendix_d.common import ACK_X, NEW_X, REJECT_X
from tests.scenarios.appendix_d.harness import (
    Scenario,
    accept,
    ack,
    confirm_replace,
    er,
    fill,
    ids,
    kill,
    new,
    nothing,
    reject,
    replace_request,
    restate,
    run,
    status,
)

_R = ExecRestatementReason

E_1_b = Scenario("E.1.b", [
    NEW_X, ACK_X,
    ("3", fill("X", 1000), [er("X", None, 10000, 1000, 9000, 1000, "F", "1")]),
    ("4", nothing(), []),  # verbal agreement to cancel
    ("5", kill("X", _R.VERBAL_CHANGE),
     [er("X", None, 10000, 1000, 0, 0, "4", "4", exec_restatement_reason="2")]),
], REJECT_X)

E_1_c = Scenario("E.1.c", [
    NEW_X, ACK_X,
    ("3", nothing(), []),
    ("4", restate("X", 11000, _R.VERBAL_CHANGE),
     [er("X", None, 11000, 0, 11000, 0, "D", "0", exec_restatement_reason="2")]),
    ("5", fill("X", 1000), [er("X", None, 11000, 1000, 10000, 1000, "F", "1")]),
    ("6", nothing(), []),
    ("7", restate("X", 12000, _R.VERBAL_CHANGE),
     [er("X", None, 12000, 1000, 11000, 0, "D", "1", exec_restatement_reason="2")]),
], REJECT_X)

E_1_d = Scenario("E.1.d", [
    NEW_X, ACK_X,
    ("3", restate("X", 9000, _R.PARTIAL_DECLINE),
     [er("X", None, 9000, 0, 9000, 0, "D", "0", exec_restatement_reason="5")]),
    ("4", fill("X", 9000), [er("X", None, 9000, 9000, 0, 9000, "F", "2")]),
], REJECT_X)

_P56 = Decimal(56)
E_1_e = Scenario("E.1.e", [
    ("1", new("X", 10000, price=_P56), []),
    ("2", accept("X"), [er("X", None, 10000, 0, 10000, 0, "0", "0", price=_P56)]),
    ("3", kill("X", _R.CANCELED_NOT_BEST),
     [er("X", None, 10000, 0, 0, 0, "4", "4", price=_P56, exec_restatement_reason="9")]),
], {"2-alt": [("2-alt", reject("X"), [er("X", None, 10000, 0, 0, 0, "8", "8", price=_P56)])]})

F_1_a = Scenario("F.1.a", [
    NEW_X, ACK_X,
    ("3", fill("X", 1000), [er("X", None, 10000, 1000, 9000, 1000, "F", "1")]),
    ("4+5", new("X", 15000), [er("X", None, 10000, 1000, 9000, 0, "8", "1", ord_rej_reason="6")]),
    # The live order is not affected.
    ("after", fill("X", 9000), [er("X", None, 10000, 10000, 0, 9000, "F", "2")]),
])

F_1_b = Scenario("F.1.b", [
    NEW_X, ACK_X,
    ("3+4", new("X", 10000, poss_resend=True), [er("X", None, 10000, 0, 10000, None, "I", "0")]),
    ("5+6", new("X", 20000), [er("X", None, 10000, 0, 10000, None, "8", "0", ord_rej_reason="6")]),
    ("7", new("Y", 15000, poss_resend=True), []),  # unseen: a new order
    ("8", accept("Y"), [er("Y", None, 15000, 0, 15000, 0, "0", "0")]),
])

F_1_c = Scenario("F.1.c", [
    NEW_X,
    ("2", nothing(), []),  # the same order was given verbally and is executing
    ("3", reject("X", OrdRejReason.DUPLICATE_OF_VERBAL_ORDER),
     [er("X", None, 10000, 0, 0, 0, "8", "8", ord_rej_reason="7")]),
])

G_1_a = Scenario("G.1.a", [
    NEW_X, ACK_X,
    ("3", fill("X", 1000), [er("X", None, 10000, 1000, 9000, 1000, "F", "1")]),
    ("4+5", status("Y"), [er("Y", None, 0, 0, 0, None, "I", "8", ord_rej_reason="5", order_id="NONE")]),
])

G_1_b = Scenario("G.1.b", [
    NEW_X, ACK_X,
    ("3+4", status("X"), [er("X", None, 10000, 0, 10000, None, "I", "0", text="Nothing Done")]),
], REJECT_X)

G_1_c = Scenario("G.1.c", [
    NEW_X,
    ("2+3", status("X"), [er("X", None, 10000, 0, 10000, None, "I", "A")]),
    ("4", accept("X"), [er("X", None, 10000, 0, 10000, 0, "0", "0")]),
    ("5+6", status("X"), [er("X", None, 10000, 0, 10000, None, "I", "0")]),
    ("7", fill("X", 2000), [er("X", None, 10000, 2000, 8000, 2000, "F", "1")]),
    ("8+9", status("X"), [er("X", None, 10000, 2000, 8000, None, "I", "1")]),
    ("10", fill("X", 8000), [er("X", None, 10000, 10000, 0, 8000, "F", "2")]),
    ("11+12", status("X"), [er("X", None, 10000, 10000, 0, None, "I", "2")]),
    ("13", replace_request("Y", "X", 12000), []),
    ("14", ack("Y"), [er("Y", "X", 10000, 10000, 0, 0, "E", "E")]),
    ("15", confirm_replace("Y"), [er("Y", "X", 12000, 10000, 2000, 0, "5", "1")]),
    ("16+17", status("X"), [er("Y", "X", 12000, 10000, 2000, None, "I", "1")]),  # asked by the old id
    ("18+19", status("Y"), [er("Y", None, 12000, 10000, 2000, None, "I", "1")]),
], {"4-alt": [("4-alt", reject("X"), [er("X", None, 10000, 0, 0, 0, "8", "8")])]})

SCENARIOS = [E_1_b, E_1_c, E_1_d, E_1_e, F_1_a, F_1_b, F_1_c, G_1_a, G_1_b, G_1_c]


@pytest.mark.parametrize("case", [c for s in SCENARIOS for c in s.cases()], ids=ids)
def test_scenario(case: tuple[Scenario, str | None]) -> None:
    run(*case)


def test_e_1_a_telephoned_order() -> None:
    pytest.skip("E.1.a: a telephoned order has no ClOrdID; the desk enters it, not this client-order path")
