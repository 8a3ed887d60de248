"""Appendix D groups H (GT orders across days), I (TimeInForce), J (corrections and busts),
K (trading halt) and L (miscellaneous)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest

from oms_fix.domain import ExecRestatementReason, TimeInForce
from tests.scenarios.appendix_d.common import ACK_X, NEW_X, REJECT_X
from tests.scenarios.appendix_d.harness import (
    Scenario,
    Step,
    accept,
    ack,
    bust,
    cancel_request,
    confirm_cancel,
    confirm_replace,
    correct,
    cxl,
    done_for_day,
    er,
    fill,
    ids,
    kill,
    new,
    new_day,
    nothing,
    reject,
    reject_request,
    replace_request,
    run,
    stop,
)

D = Decimal
GTC = TimeInForce.GOOD_TILL_CANCEL


def _gt_day_one() -> list[Step]:
    """H.1.a-d and J.1.c steps 1-5: a GTC order part-filled on day 1, renewed on day 2."""
    return [
        ("1", new("X", 10000, tif=GTC), []),
        ("2", accept("X"), [er("X", None, 10000, 0, 10000, 0, "0", "0", doq=None, dcq=None, exec="A")]),
        ("3", fill("X", 2000), [er("X", None, 10000, 2000, 8000, 2000, "F", "1", doq=None, dcq=None, exec="B")]),
        ("4", done_for_day("X"), [er("X", None, 10000, 2000, 8000, 0, "3", "3", doq=None, exec="C")]),  # GT keeps 8000
        ("5", new_day("X"), [er("X", None, 10000, 2000, 8000, 0, "D", "1", doq=8000, dcq=0,
                                exec_restatement_reason="1", exec="D")]),
    ]


def _cxl(label: str, status: str, response_to: str) -> dict[str, Sequence[Step]]:
    return {label: [(label, reject_request("Y"), [cxl("Y", "X", status, response_to=response_to)])]}


H_1_a = Scenario("H.1.a", [
    *_gt_day_one(),
    ("6", fill("X", 1000), [er("X", None, 10000, 3000, 7000, 1000, "F", "1", doq=8000, dcq=1000)]),
])

# ExecRestatementReason 0 and the AvgPx 50 -> 25 are the spec file's inference, not matrix cells.
H_1_b = Scenario("H.1.b", [
    *_gt_day_one()[:4],
    ("5", new_day("X", split=(2, 1)), [er("X", None, 20000, 4000, 16000, 0, "D", "1", doq=16000, dcq=0,
                                           exec_restatement_reason="0", avg_px=D(25))]),
    ("6", fill("X", 5000), [er("X", None, 20000, 9000, 11000, 5000, "F", "1", doq=16000, dcq=5000)]),
    ("7", fill("X", 11000), [er("X", None, 20000, 20000, 0, 11000, "F", "2", doq=16000, dcq=16000)]),
])

H_1_c = Scenario("H.1.c", [
    *_gt_day_one(),
    ("6", cancel_request("Y", "X", 10000), []),  # stated in total quantity
    ("7", ack("Y"), [er("Y", "X", 10000, 2000, 8000, 0, "6", "6", doq=8000, dcq=0)]),
    ("8", confirm_cancel("Y"), [er("Y", "X", 10000, 2000, 0, 0, "4", "4", doq=8000, dcq=0)]),
], {**_cxl("7-alt", "1", "1"), **_cxl("8-alt", "1", "1")})

H_1_d = Scenario("H.1.d", [
    *_gt_day_one(),
    ("6", replace_request("Y", "X", 15000), []),
    ("7", ack("Y"), [er("Y", "X", 10000, 2000, 8000, 0, "E", "E", doq=8000, dcq=0)]),
    ("8", fill("X", 1000), [er("X", None, 10000, 3000, 7000, 1000, "F", "E", doq=8000, dcq=1000)]),
    ("9", confirm_replace("Y"), [er("Y", "X", 15000, 3000, 12000, 0, "5", "1", doq=13000, dcq=1000)]),
], {**_cxl("7-alt", "1", "2"), **_cxl("9-alt", "1", "2")})

I_1_a = Scenario("I.1.a", [
    ("1", new("X", 10000, tif=TimeInForce.FILL_OR_KILL), []), ACK_X,
    ("3", kill("X"), [er("X", None, 10000, 0, 0, 0, "4", "4", exec_restatement_reason=None)]),  # R11
], REJECT_X)

I_1_b = Scenario("I.1.b", [
    ("1", new("X", 10000, tif=TimeInForce.IMMEDIATE_OR_CANCEL), []), ACK_X,
    ("3", fill("X", 1000), [er("X", None, 10000, 1000, 9000, 1000, "F", "1")]),
    ("4", kill("X"), [er("X", None, 10000, 1000, 0, 0, "4", "4")]),
], REJECT_X)

J_1_a = Scenario("J.1.a", [
    NEW_X,
    ("2", accept("X"), [er("X", None, 10000, 0, 10000, 0, "0", "0", avg_px=0, exec="B")]),
    ("3", fill("X", 1000, D(100)), [er("X", None, 10000, 1000, 9000, 1000, "F", "1", avg_px=100, last_px=100,
                                       exec="C")]),
    ("4", fill("X", 9000, D(110)), [er("X", None, 10000, 10000, 0, 9000, "F", "2", avg_px=109, last_px=110,
                                       exec="D")]),
    ("5", bust("X", "C"), [er("X", None, 10000, 9000, 1000, 0, "H", "1", avg_px=110, last_px=0, exec="E",
                              ref="C")]),
    ("6", correct("X", "D", 9000, D(100)), [er("X", None, 10000, 9000, 1000, 9000, "G", "1", avg_px=100,
                                               last_px=100, exec="F", ref="D")]),
    ("7", fill("X", 1000, D(120)), [er("X", None, 10000, 10000, 0, 1000, "F", "2", avg_px=102, last_px=120,
                                       exec="G")]),
    ("8", correct("X", "F", 9000, D(120)), [er("X", None, 10000, 10000, 0, 9000, "G", "2", avg_px=120,
                                               last_px=120, exec="H", ref="F")]),
    ("9", replace_request("Y", "X", 12000), []),
    ("10", ack("Y"), [er("Y", "X", 10000, 10000, 0, 0, "E", "E", avg_px=120, last_px=0, exec="I")]),
    ("11", confirm_replace("Y"), [er("Y", "X", 12000, 10000, 2000, 0, "5", "1", avg_px=120, last_px=0,
                                     exec="J")]),
    ("12", correct("X", "H", 9500, D(120)), [er("Y", None, 12000, 10500, 1500, 9500, "G", "1", avg_px=120,
                                                last_px=120, exec="K", ref="H")]),
], {"2-alt": [("2-alt", reject("X"), [er("X", None, 10000, 0, 0, None, "8", "8", exec="A")])]})

J_1_b = Scenario("J.1.b", [
    NEW_X,
    ("2", accept("X"), [er("X", None, 10000, 0, 10000, 0, "0", "0", exec="A")]),
    ("3", fill("X", 5000, D(50)), [er("X", None, 10000, 5000, 5000, 5000, "F", "1", last_px=50, exec="B")]),
    ("4", cancel_request("Y", "X", 10000), []),
    ("5", ack("Y"), [er("Y", "X", 10000, 5000, 5000, 0, "6", "6", exec="C")]),
    ("6", confirm_cancel("Y"), [er("Y", "X", 10000, 5000, 0, 0, "4", "4", exec="D")]),
    ("7", bust("X", "B"), [er("X", None, 10000, 0, 0, 0, "H", "4", exec="E", ref="B")]),
    ("8", fill("X", 4000, D(51)), [er("X", None, 10000, 4000, 0, 4000, "F", "4", last_px=51, exec="F")]),
])

J_1_c = Scenario("J.1.c", [
    *_gt_day_one(),
    ("6", fill("X", 1000), [er("X", None, 10000, 3000, 7000, 1000, "F", "1", doq=8000, dcq=1000, exec="E")]),
    ("7", correct("X", "B", 1500, D(50)), [er("X", None, 10000, 2500, 7500, 1500, "G", "1", doq=8500, dcq=1000,
                                              exec="F", ref="B")]),
    ("8", correct("X", "E", 500, D(50)), [er("X", None, 10000, 2000, 8000, 500, "G", "1", doq=8500, dcq=500,
                                             exec="G", ref="E")]),
])

J_1_d = Scenario("J.1.d", [
    NEW_X,
    ("2", accept("X"), [er("X", None, 10000, 0, 10000, 0, "0", "0", exec="A")]),
    ("3", fill("X", 5000, D(50)), [er("X", None, 10000, 5000, 5000, 5000, "F", "1", last_px=50, exec="B")]),
    ("4", done_for_day("X"), [er("X", None, 10000, 5000, 0, 0, "3", "3", exec="C")]),
    ("5", correct("X", "B", 4000, D(50)), [er("X", None, 10000, 4000, 0, 4000, "G", "3", last_px=50, exec="D",
                                              ref="B")]),
    ("6", bust("X", "D"), [er("X", None, 10000, 0, 0, 0, "H", "3", exec="E", ref="D")]),
])

# ExecInst J/K are the venue's business; the OMS sees the halt's outcome only.
K_1_a = Scenario("K.1.a", [
    NEW_X, ACK_X,
    ("3", nothing(), []),  # halt starts: nothing is sent
    ("4", nothing(), []),  # halt lifted
    ("5", fill("X", 10000), [er("X", None, 10000, 10000, 0, 10000, "F", "2")]),
], REJECT_X)

K_1_b = Scenario("K.1.b", [
    NEW_X, ACK_X,
    ("3", nothing(), []),
    ("4", kill("X", ExecRestatementReason.CANCEL_ON_TRADING_HALT),
     [er("X", None, 10000, 0, 0, 0, "4", "4", exec_restatement_reason="6")]),
], REJECT_X)

L_1_a = Scenario("L.1.a", [
    NEW_X, ACK_X,
    ("3", stop("X", 1000, D("50.10")), [er("X", None, 10000, 0, 10000, 1000, "7", "7", last_px=D("50.10"))]),
    ("4", fill("X", 1000, D("50.00")), [er("X", None, 10000, 1000, 9000, 1000, "F", "7", last_px=50)]),
], REJECT_X)

_CASH = D(10000)
L_1_b = Scenario("L.1.b", [
    ("1", new("X", 0, cash=_CASH), []),
    ("2", accept("X", 500), [er("X", None, 500, 0, 500, 0, "0", "0", cash_order_qty=_CASH)]),
    ("3", fill("X", 200, D("20.1")), [er("X", None, 500, 200, 300, 200, "F", "1", last_px=D("20.1"))]),
    ("4", fill("X", 300, D("20.2")), [er("X", None, 500, 500, 0, 300, "F", "2", last_px=D("20.2"))]),
], {"2-alt": [("2-alt", reject("X"), [er("X", None, None, 0, 0, 0, "8", "8", cash_order_qty=_CASH)])]})

SCENARIOS = [H_1_a, H_1_b, H_1_c, H_1_d, I_1_a, I_1_b, J_1_a, J_1_b, J_1_c, J_1_d, K_1_a, K_1_b, L_1_a, L_1_b]


@pytest.mark.parametrize("case", [c for s in SCENARIOS for c in s.cases()], ids=ids)
def test_scenario(case: tuple[Scenario, str | None]) -> None:
    run(*case)
