"""Appendix D groups C (cancel/replace quantity changes) and D (sequencing and chaining)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest

from oms_fix.domain import CxlRejReason
from tests.scenarios.appendix_d.common import ACK_X, NEW_X, REJECT_X
from tests.scenarios.appendix_d.harness import (
    Scenario,
    Step,
    ack,
    confirm_replace,
    cxl,
    er,
    fill,
    ids,
    reject_request,
    replace_request,
    run,
)


def _reject(label: str, cl: str, orig: str, status: str) -> dict[str, Sequence[Step]]:
    return {label: [(label, reject_request(cl), [cxl(cl, orig, status, response_to="2")])]}


C_1_a = Scenario("C.1.a", [
    NEW_X, ACK_X,
    ("3", replace_request("Y", "X", 11000), []),
    ("4", ack("Y"), [er("Y", "X", 10000, 0, 10000, 0, "E", "E")]),  # R4: old quantity
    ("5", confirm_replace("Y"), [er("Y", "X", 11000, 0, 11000, 0, "5", "0")]),
    ("6", fill("X", 1000), [er("Y", None, 11000, 1000, 10000, 1000, "F", "1")]),
    ("7", fill("X", 2000), [er("Y", None, 11000, 3000, 8000, 2000, "F", "1")]),
], {**REJECT_X, **_reject("4-alt", "Y", "X", "0"), **_reject("5-alt", "Y", "X", "0")})

C_1_b = Scenario("C.1.b", [
    NEW_X, ACK_X,
    ("3", fill("X", 1000), [er("X", None, 10000, 1000, 9000, 1000, "F", "1")]),
    ("4", replace_request("Y", "X", 12000), []),
    ("5", ack("Y"), [er("Y", "X", 10000, 1000, 9000, 0, "E", "E")]),
    ("6", fill("X", 100), [er("X", None, 10000, 1100, 8900, 100, "F", "E")]),  # R3
    ("7", confirm_replace("Y"), [er("Y", "X", 12000, 1100, 10900, 0, "5", "1")]),
    ("8", fill("X", 10900), [er("Y", None, 12000, 12000, 0, 10900, "F", "2")]),
], {**REJECT_X, **_reject("5-alt", "Y", "X", "1"), **_reject("7-alt", "Y", "X", "1")})

C_1_c = Scenario("C.1.c", [
    NEW_X, ACK_X,
    ("3", fill("X", 10000), [er("X", None, 10000, 10000, 0, 10000, "F", "2")]),
    ("4", replace_request("Y", "X", 12000), []),
    ("5", ack("Y"), [er("Y", "X", 10000, 10000, 0, 0, "E", "E")]),
    ("6", confirm_replace("Y"), [er("Y", "X", 12000, 10000, 2000, 0, "5", "1")]),  # re-opened (R8)
    ("7", fill("X", 2000), [er("Y", None, 12000, 12000, 0, 2000, "F", "2")]),
], {**REJECT_X, **_reject("5-alt", "Y", "X", "2"), **_reject("6-alt", "Y", "X", "2")})

# The completing fill was sent before the request arrived (they cross on the wire),
# so the OMS sees the price change on a filled order and refuses it at once (R8).
C_2_a = Scenario("C.2.a", [
    NEW_X, ACK_X,
    ("3", fill("X", 1000), [er("X", None, 10000, 1000, 9000, 1000, "F", "1")]),
    ("4⇄", fill("X", 9000), [er("X", None, 10000, 10000, 0, 9000, "F", "2")]),
    ("4+5", replace_request("Y", "X", 10000, price=Decimal("49.5"), ack=True),
     [cxl("Y", "X", "2", reason="0", response_to="2")]),
], REJECT_X)

C_3_a = Scenario("C.3.a", [
    NEW_X, ACK_X,
    ("3", fill("X", 1000), [er("X", None, 10000, 1000, 9000, 1000, "F", "1")]),
    ("4", replace_request("Y", "X", 8000), []),
    ("4⇄", fill("X", 500), [er("X", None, 10000, 1500, 8500, 500, "F", "1")]),
    ("5", ack("Y"), [er("Y", "X", 10000, 1500, 8500, 0, "E", "E")]),
    ("6", fill("X", 100), [er("X", None, 10000, 1600, 8400, 100, "F", "E")]),
    ("7", confirm_replace("Y"), [er("Y", "X", 8000, 1600, 6400, 0, "5", "1")]),
    ("8", fill("X", 6400), [er("Y", None, 8000, 8000, 0, 6400, "F", "2")]),
], {**REJECT_X, **_reject("5-alt", "Y", "X", "1"), **_reject("7-alt", "Y", "X", "1")})

C_3_b = Scenario("C.3.b", [
    NEW_X, ACK_X,
    ("3", replace_request("Y", "X", 7000), []),
    ("3⇄", fill("X", 7000), [er("X", None, 10000, 7000, 3000, 7000, "F", "1")]),
    ("4", confirm_replace("Y"), [er("Y", "X", 7000, 7000, 0, 0, "5", "2")]),  # no Pending Replace sent
], REJECT_X)

C_3_c = Scenario("C.3.c", [
    NEW_X, ACK_X,
    ("3", replace_request("Y", "X", 7000), []),
    ("3⇄", fill("X", 8000), [er("X", None, 10000, 8000, 2000, 8000, "F", "1")]),
    ("4", confirm_replace("Y"), [er("Y", "X", 8000, 8000, 0, 0, "5", "2")]),  # R7: CumQty, not 7000
], REJECT_X)

D_1_a = Scenario("D.1.a", [
    NEW_X, ACK_X,
    ("3", fill("X", 1000), [er("X", None, 10000, 1000, 9000, 1000, "F", "1")]),
    ("4", replace_request("Y", "X", 8000), []),
    ("5", ack("Y"), [er("Y", "X", 10000, 1000, 9000, 0, "E", "E")]),
    ("6", fill("X", 500), [er("X", None, 10000, 1500, 8500, 500, "F", "E")]),
    ("7", confirm_replace("Y"), [er("Y", "X", 8000, 1500, 6500, 0, "5", "1")]),
    ("8", fill("X", 2000), [er("Y", None, 8000, 3500, 4500, 2000, "F", "1")]),
    ("9", replace_request("Z", "Y", 6000), []),
    ("10", ack("Z"), [er("Z", "Y", 8000, 3500, 4500, 0, "E", "E")]),
    ("11", fill("X", 500), [er("Y", None, 8000, 4000, 4000, 500, "F", "E")]),
    ("12", confirm_replace("Z"), [er("Z", "Y", 6000, 4000, 2000, 0, "5", "1")]),
    ("13", fill("X", 2000), [er("Z", None, 6000, 6000, 0, 2000, "F", "2")]),
], REJECT_X)

D_1_b = Scenario("D.1.b", [
    NEW_X, ACK_X,
    ("3", fill("X", 1000), [er("X", None, 10000, 1000, 9000, 1000, "F", "1")]),
    ("4", replace_request("Y", "X", 8000), []),
    ("5", reject_request("Y"), [cxl("Y", "X", "1", response_to="2")]),  # outright, no Pending Replace
    ("6", fill("X", 500), [er("X", None, 10000, 1500, 8500, 500, "F", "1")]),
    ("7", fill("X", 2000), [er("X", None, 10000, 3500, 6500, 2000, "F", "1")]),
    ("8", replace_request("Z", "X", 6000), []),
    ("9", ack("Z"), [er("Z", "X", 10000, 3500, 6500, 0, "E", "E")]),
    ("10", confirm_replace("Z"), [er("Z", "X", 6000, 3500, 2500, 0, "5", "1")]),
    ("11", fill("X", 1500), [er("Z", None, 6000, 5000, 1000, 1500, "F", "1")]),
], REJECT_X)

D_1_c = Scenario("D.1.c", [
    NEW_X, ACK_X,
    ("3", fill("X", 1000), [er("X", None, 10000, 1000, 9000, 1000, "F", "1")]),
    ("4", replace_request("Y", "X", 8000), []),
    ("5", ack("Y"), [er("Y", "X", 10000, 1000, 9000, 0, "E", "E")]),
    ("6", fill("X", 500), [er("X", None, 10000, 1500, 8500, 500, "F", "E")]),
    ("7", reject_request("Y"), [cxl("Y", "X", "1", response_to="2")]),
    ("8", fill("X", 2000), [er("X", None, 10000, 3500, 6500, 2000, "F", "1")]),
    ("9", replace_request("Z", "X", 6000), []),
    ("10", ack("Z"), [er("Z", "X", 10000, 3500, 6500, 0, "E", "E")]),
    ("11", confirm_replace("Z"), [er("Z", "X", 6000, 3500, 2500, 0, "5", "1")]),
    ("12", fill("X", 1500), [er("Z", None, 6000, 5000, 1000, 1500, "F", "1")]),
], {**REJECT_X, **_reject("11-alt", "Z", "X", "1")})

_D2 = [
    ("1", NEW_X[1], []), ACK_X,
    ("3", fill("X", 1000), [er("X", None, 10000, 1000, 9000, 1000, "F", "1")]),
    ("4", replace_request("Y", "X", 8000), []),
]

# Z is held unacknowledged while Y is processed: the broker works them one after the other.
D_2_a = Scenario("D.2.a", [
    *_D2,
    ("5", replace_request("Z", "Y", 7000), []),  # chained off the not-yet-accepted Y
    ("6", ack("Y"), [er("Y", "X", 10000, 1000, 9000, 0, "E", "E")]),
    ("7", confirm_replace("Y"), [er("Y", "X", 8000, 1000, 7000, 0, "5", "1")]),
    ("8", ack("Z"), [er("Z", "Y", 8000, 1000, 7000, 0, "E", "E")]),
    ("9", confirm_replace("Z"), [er("Z", "Y", 7000, 1000, 6000, 0, "5", "1")]),
    ("10", fill("X", 6000), [er("Z", None, 7000, 7000, 0, 6000, "F", "2")]),
])

# Deviation (documented in order.py): step 7 shows the quantities in force, 10000/9000 (R4);
# the spec prints 8000/7000 before Y is confirmed.
D_2_b = Scenario("D.2.b", [
    *_D2,
    ("5", replace_request("Z", "Y", 7000), []),
    ("6", ack("Y"), [er("Y", "X", 10000, 1000, 9000, 0, "E", "E")]),
    ("7", ack("Z"), [er("Z", "X", 10000, 1000, 9000, 0, "E", "E")]),  # OrigClOrdID: last accepted
    ("8", confirm_replace("Y"), [er("Y", "X", 8000, 1000, 7000, 0, "5", "E")]),  # Z still pending
    ("9", confirm_replace("Z"), [er("Z", "Y", 7000, 1000, 6000, 0, "5", "1")]),
    ("10", fill("X", 6000), [er("Z", None, 7000, 7000, 0, 6000, "F", "2")]),
])

D_2_c = Scenario("D.2.c", [
    *_D2,
    ("5", replace_request("Z", "Y", 7000), []),
    ("6", ack("Y"), [er("Y", "X", 10000, 1000, 9000, 0, "E", "E")]),
    ("7", reject_request("Y"), [cxl("Y", "X", "1", response_to="2")]),
    ("8", ack("Z"), [er("Z", "X", 10000, 1000, 9000, 0, "E", "E")]),  # X, although Z named Y
    ("9", reject_request("Z"), [cxl("Z", "X", "1", response_to="2")]),
    ("10", fill("X", 6000), [er("X", None, 10000, 7000, 3000, 6000, "F", "1")]),
])

# A broker allowing one outstanding request (`single=True`) refuses Z once Y is pending.
D_2_d = Scenario("D.2.d", [
    *_D2,
    ("6", ack("Y"), [er("Y", "X", 10000, 1000, 9000, 0, "E", "E")]),
    ("5+7", replace_request("Z", "Y", 7000, ack=True, single=True),
     [cxl("Z", "X", "E", reason=CxlRejReason.ALREADY_PENDING.value, response_to="2")]),
    ("8", confirm_replace("Y"), [er("Y", "X", 8000, 1000, 7000, 0, "5", "1")]),
    ("9", fill("X", 2000), [er("Y", None, 8000, 3000, 5000, 2000, "F", "1")]),
])

SCENARIOS = [C_1_a, C_1_b, C_1_c, C_2_a, C_3_a, C_3_b, C_3_c, D_1_a, D_1_b, D_1_c, D_2_a, D_2_b, D_2_c, D_2_d]


@pytest.mark.parametrize("case", [c for s in SCENARIOS for c in s.cases()], ids=ids)
def test_scenario(case: tuple[Scenario, str | None]) -> None:
    run(*case)
