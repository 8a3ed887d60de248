"""OrdStatus precedence (spec file section 1.5) and the transition table's shape."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from oms_fix.domain import PRECEDENCE, TRANSITIONS, Event, OrdStatus, Phase, ord_status
from oms_fix.domain.transitions import TOO_LATE

S = OrdStatus


def test_every_status_is_ranked_once() -> None:
    ranked = [s for row in PRECEDENCE for s in row]
    assert sorted(ranked) == sorted(OrdStatus) and len(ranked) == len(set(ranked))


@pytest.mark.parametrize(("facts", "winner", "seen_in"), [
    ({S.PENDING_CANCEL, S.FILLED, S.PARTIALLY_FILLED, S.NEW}, S.PENDING_CANCEL, "B.1.c step 6"),
    ({S.PENDING_REPLACE, S.PARTIALLY_FILLED, S.NEW}, S.PENDING_REPLACE, "C.1.b step 6"),
    ({S.PENDING_CANCEL, S.PENDING_REPLACE}, S.PENDING_CANCEL, "section 3 item 16"),
    ({S.DONE_FOR_DAY, S.PARTIALLY_FILLED}, S.DONE_FOR_DAY, "J.1.d step 5"),
    ({S.DONE_FOR_DAY, S.FILLED}, S.DONE_FOR_DAY, "rank 3 over 5"),
    ({S.FILLED, S.CANCELED}, S.FILLED, "C.3.b step 4"),
    ({S.STOPPED, S.PARTIALLY_FILLED, S.NEW}, S.STOPPED, "L.1.a step 4"),
    ({S.FILLED, S.STOPPED}, S.FILLED, "rank 5 over 6"),
    ({S.CANCELED, S.PARTIALLY_FILLED}, S.CANCELED, "J.1.b step 8"),
    ({S.EXPIRED, S.PARTIALLY_FILLED}, S.EXPIRED, "rank 8 over 9"),
    ({S.PARTIALLY_FILLED, S.NEW}, S.PARTIALLY_FILLED, "A.1.a step 3"),
    ({S.NEW, S.ACCEPTED_FOR_BIDDING}, S.NEW, "rank 10 over 11"),
    ({S.PENDING_NEW}, S.PENDING_NEW, "G.1.c step 3"),
])
def test_precedence(facts: set[OrdStatus], winner: OrdStatus, seen_in: str) -> None:
    assert ord_status(facts) is winner, seen_in


@pytest.mark.parametrize("facts", [set(), {S.CANCELED, S.EXPIRED}, {S.NEW, S.REJECTED}])
def test_no_facts_or_a_tie_is_a_bug(facts: set[OrdStatus]) -> None:
    with pytest.raises(ValueError):
        ord_status(facts)


def test_every_phase_answers_status_and_duplicates() -> None:
    for phase in Phase:
        assert TRANSITIONS[(phase, Event.STATUS)] is phase
        assert TRANSITIONS[(phase, Event.DUPLICATE)] is phase


def test_ended_phases_absorb() -> None:
    for phase in (Phase.CANCELED, Phase.EXPIRED, Phase.REJECTED):
        targets = {to for (p, _), to in TRANSITIONS.items() if p is phase}
        assert targets <= {phase, TOO_LATE}


def test_too_late_answers_only_client_requests() -> None:
    late = {e for (_, e), to in TRANSITIONS.items() if to is TOO_LATE}
    assert late == {Event.REQUEST_CANCEL, Event.REQUEST_REPLACE, Event.REQUEST_INCREASE}


def test_executions_are_taken_in_every_phase_after_acceptance() -> None:
    # The OMS never loses a fill a venue reports (order.py docstring).
    for phase in Phase:
        assert ((phase, Event.FILL) in TRANSITIONS) is (phase is not Phase.PENDING_NEW)


def test_domain_imports_nothing_outside_itself_and_no_io() -> None:
    forbidden = {"time", "datetime", "asyncio", "socket", "os"}
    for path in (Path(__file__).resolve().parents[2] / "oms_fix" / "domain").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else []
            for name in names:
                assert name.split(".")[0] not in forbidden, f"{path} imports {name}"
                assert not name.startswith("oms_fix") and not name.startswith("sim_venues"), f"{path}: {name}"
