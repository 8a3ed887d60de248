"""Venue scenario files: parsed, checked (errors name the file, the action and the key), run as a timeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim_venues.faults import Scope
from sim_venues.scenario_timeline import ScenarioError, ScopeSpec, Timeline, parse_scenario

REPO = Path(__file__).resolve().parents[2]
SYMBOLS = {"AAPL", "MSFT", "TSLA"}
S = 1_000_000_000

STORM = """
description: a test
actions:
  - at_s: 2
    kind: halt
    params: {symbol: TSLA}
  - at_s: 0
    kind: reject
    params: {reason: 99, text: busy}
    scope: {symbol: AAPL, count: 5}
  - at_s: 2
    kind: delay_ack
    params: {ms: 100}
    scope: {start_s: 1, end_s: 3}
"""


def test_actions_come_in_time_order_with_file_order_among_equals():
    sc = parse_scenario(STORM, "storm.yaml", SYMBOLS)
    assert [(a.index, a.at_ns, a.kind) for a in sc.actions] == [(1, 0, "reject"), (0, 2 * S, "halt"),
                                                                (2, 2 * S, "delay_ack")]
    assert sc.description == "a test"
    # Params come back checked, with the fault plan's defaults filled in.
    assert sc.actions[0].params == {"reason": 99, "text": "busy"}
    assert sc.actions[1].scope is None and sc.actions[1].immediate


def test_the_same_file_twice_gives_the_same_timeline():
    a, b = parse_scenario(STORM, "storm.yaml", SYMBOLS), parse_scenario(STORM, "storm.yaml", SYMBOLS)
    assert a == b
    runs = []
    for sc in (a, b):
        tl = Timeline(sc, 1000)
        runs.append([[x.index for x in tl.due(t)] for t in (999, 1000, 1000 + 2 * S - 1, 1000 + 2 * S, 10 * S)])
    assert runs[0] == runs[1] == [[], [1], [], [0, 2], []]


def test_due_gives_each_action_once_and_reports_what_is_left():
    tl = Timeline(parse_scenario(STORM, "storm.yaml"), 0, "S1")
    assert tl.next_due_ns() == 0 and not tl.done
    assert [a.kind for a in tl.due(5 * S)] == ["reject", "halt", "delay_ack"]
    assert tl.due(6 * S) == [] and tl.done and tl.next_due_ns() is None
    assert tl.view()["pending"] == []


def test_a_window_counts_from_the_moment_its_action_is_armed():
    spec = ScopeSpec(symbol="AAPL", count=2, start_s=1.0, end_s=3.5)
    assert spec.at(10 * S) == Scope(symbol="AAPL", count=2, start_ns=11 * S, end_ns=13 * S + S // 2)
    assert ScopeSpec().at(10 * S) == Scope()
    assert ScopeSpec(start_ns=5, end_ns=9).at(10 * S) == Scope(start_ns=5, end_ns=9)


@pytest.mark.parametrize("text, error", [
    ("actions: [{at_s: 0, kind: explode}]", "f.yaml: actions[0].kind: 'explode' is not one of reject"),
    ("actions: [{kind: reject}]", "f.yaml: actions[0].at_s: is required"),
    ("actions: [{at_s: -1, kind: reject}]", "f.yaml: actions[0].at_s: must be a number of seconds >= 0"),
    ("actions: [{at_s: 0, kind: reject, when: 3}]", "f.yaml: actions[0].when: unknown key"),
    ("actions: [{at_s: 0, kind: no_fill}, {at_s: 1, kind: reject, params: {reason: 12}}]",
     "f.yaml: actions[1].params.reason: 12 is not a FIX 4.4 code here"),
    ("actions: [{at_s: 0, kind: reject, params: {colour: red}}]", "f.yaml: actions[0].params.colour: unknown param"),
    ("actions: [{at_s: 0, kind: reject, scope: {count: 0}}]",
     "f.yaml: actions[0].scope.count: must be a positive integer, not 0"),
    ("actions: [{at_s: 0, kind: reject, scope: {symbol: ZZZ}}]", "f.yaml: actions[0].scope.symbol: 'ZZZ' is not"),
    ("actions: [{at_s: 0, kind: reject, scope: {probability: 2}}]", "f.yaml: actions[0].scope.probability:"),
    ("actions: [{at_s: 0, kind: reject, scope: {start_s: 5, end_s: 2}}]",
     "f.yaml: actions[0].scope.end_s: 2 is not after start_s 5"),
    # Absolute times have no place in a file meant to replay the same way another day.
    ("actions: [{at_s: 0, kind: reject, scope: {end_ns: 5}}]", "f.yaml: actions[0].scope.end_ns: unknown key"),
    ("actions: [{at_s: 0, kind: halt, params: {symbol: TSLA}, scope: {count: 1}}]",
     "f.yaml: actions[0].scope: halt is carried out at at_s, once: it takes no scope"),
    ("actions: [{at_s: 0, kind: halt, params: {symbol: ZZZ}}]", "f.yaml: actions[0].params.symbol: 'ZZZ' is not"),
    ("actions: [{at_s: 0, kind: bust}]", "f.yaml: actions[0].params.exec_id: is required"),
    # A kind's own scope rules are checked at load, not when the action comes due.
    ("actions: [{at_s: 5, kind: stale_quote, scope: {count: 2}}]",
     "f.yaml: actions[0].scope.count: stale_quote is a market state"),
    ("actions: [{at_s: 5, kind: garbled, scope: {symbol: TSLA}}]",
     "f.yaml: actions[0].scope.symbol: garbled is a session fault"),
    ("actions: [{at_s: 5, kind: volume_spike, params: {symbol: ZZZ, qty: 100}}]",
     "f.yaml: actions[0].params.symbol: 'ZZZ' is not"),
    ("actions: [{at_s: 0, kind: reject, params: [1]}]", "f.yaml: actions[0].params: must be a mapping"),
    ("actions: [3]", "f.yaml: actions[0]: must be a mapping"),
    ("actions: []", "f.yaml: actions: has no actions"),
    ("description: x", "f.yaml: actions: is required"),
    ("actions: [], extra: 1", "not valid YAML"),
    ("{actions: [], seed: 1}", "f.yaml: seed: unknown key"),
    ("just text", "f.yaml: (top level): must be a list of actions, not str"),
    ("actions: [{at_s: 0, kind: reject", "f.yaml: not valid YAML or JSON"),
])
def test_errors_name_the_file_the_action_and_the_key(text: str, error: str):
    with pytest.raises(ScenarioError) as e:
        parse_scenario(text, "f.yaml", SYMBOLS)
    assert error in str(e.value)


def test_json_and_a_bare_list_are_read_too():
    sc = parse_scenario('[{"at_s": 0.5, "kind": "no_fill", "scope": {"session": "C1"}}]', "f.json")
    assert sc.actions[0].at_ns == S // 2 and sc.actions[0].scope == ScopeSpec(session="C1")


def test_the_shipped_scenarios_parse_against_the_shipped_symbols():
    files = sorted((REPO / "config" / "scenarios" / "venue").glob("*.yaml"))
    assert len(files) >= 3
    for f in files:
        sc = parse_scenario(f.read_text(), f.name, {"AAPL", "MSFT", "GOOG", "AMZN", "TSLA"})
        assert sc.actions and sc.description
