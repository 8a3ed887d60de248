"""Steps most scenarios share: order X for 10000, its ack, and the 2-alt reject."""

from __future__ import annotations

from collections.abc import Sequence

from tests.scenarios.appendix_d.harness import Step, accept, er, new, reject

NEW_X: Step = ("1", new("X", 10000), [])
ACK_X: Step = ("2", accept("X"), [er("X", None, 10000, 0, 10000, 0, "0", "0")])
REJECT_X: dict[str, Sequence[Step]] = {
    "2-alt": [("2-alt", reject("X"), [er("X", None, 10000, 0, 0, 0, "8", "8", ord_rej_reason="0")])],
}
