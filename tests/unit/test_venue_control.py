"""VenueControl without HTTP: scenario actions carried out on a virtual clock, faults armed through it."""

from __future__ import annotations

from typing import Any, Mapping

import pytest

from sim_venues.control import VenueControl
from sim_venues.faults import FaultError, FaultPlan, Scope, check_params
from sim_venues.scenario_timeline import ScenarioError

S = 1_000_000_000
SYMBOLS = ("AAPL", "TSLA")


class FakeGateway:
    """The gateway's control surface over a real FaultPlan, on a clock the test moves."""

    def __init__(self) -> None:
        self.now = 0
        self.faults = FaultPlan(3, symbols=SYMBOLS)
        self.events: list[str] = []
        self.halted: set[str] = set()

    def arm(self, kind: str, params: Mapping[str, Any] | None, scope: Scope) -> str:
        fid = self.faults.arm(kind, params, scope, self.now)
        self.events.append(f"armed {fid} {kind}")
        return fid

    def disarm(self, fault_id: str) -> bool:
        return self.faults.disarm(fault_id, self.now)

    def operate(self, kind: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
        p = check_params(kind, params)
        if kind == "bust":
            raise FaultError(f"bust: params.exec_id: no fill with ExecID {p['exec_id']!r}")
        (self.halted.add if kind == "halt" else self.halted.discard)(p["symbol"])
        fid = self.faults.record(kind, p, self.now, symbol=p["symbol"])
        return {"id": fid, "kind": kind, "what": f"{p['symbol']} {kind}"}

    def event(self, text: str) -> None:
        self.events.append(text)


SCENARIO = """
actions:
  - {at_s: 0, kind: reject, params: {text: busy}, scope: {symbol: AAPL, count: 2}}
  - {at_s: 1.5, kind: halt, params: {symbol: TSLA}}
  - {at_s: 1.5, kind: delay_ack, params: {ms: 10}, scope: {end_s: 2}}
  - {at_s: 2, kind: bust, params: {exec_id: GONE}}
  - {at_s: 4, kind: resume, params: {symbol: TSLA}}
"""


def run(control: VenueControl, gw: FakeGateway, times: list[int]) -> None:
    for t in times:
        gw.now = t
        control.tick(t)


def test_a_scenario_runs_on_the_virtual_clock_and_reports_each_action():
    gw = FakeGateway()
    control = VenueControl("EXCH", "exchange", gw, SYMBOLS)
    tl = control.load(SCENARIO, "s.yaml", 0)
    # The action at 0 s is carried out at load, not a tick later.
    assert [f["kind"] for f in gw.faults.armed(0)] == ["reject"] and tl.id == "S1"
    # A late tick (1.7 s) still opens the delay's window from its due time (1.5 s): the file's time, not the tick's.
    run(control, gw, [S, S + S // 2 + S // 5])
    assert "TSLA" in gw.halted
    delay = next(f for f in gw.faults.armed(gw.now) if f["kind"] == "delay_ack")
    assert delay["scope"]["end_ns"] == 3 * S + S // 2
    run(control, gw, [2 * S, 5 * S])
    assert "TSLA" not in gw.halted and tl.done
    outcomes = {o["index"]: o for o in tl.outcomes}
    assert outcomes[3]["error"].startswith("bust: params.exec_id") and "id" in outcomes[1]
    assert any("actions[3] bust not carried out" in e for e in gw.events)
    assert gw.events[-1] == "scenario S1 from s.yaml: all actions carried out"
    st = control.status(5 * S)
    assert st["scheduled"] == [] and [f["kind"] for f in st["fired"]] == ["halt", "resume"]


def test_the_same_scenario_twice_does_the_same_at_the_same_nanoseconds():
    seen = []
    for _ in range(2):
        gw = FakeGateway()
        control = VenueControl("EXCH", "exchange", gw, SYMBOLS)
        control.load(SCENARIO, "s.yaml", 7)
        run(control, gw, [t * S // 4 + 7 for t in range(24)])
        seen.append((gw.faults.fired(), [f for f in gw.faults.armed(10 * S)], control.timelines["S1"].outcomes))
    assert seen[0] == seen[1]


def test_a_wrong_scenario_loads_nothing_and_dropping_one_stops_it():
    gw = FakeGateway()
    control = VenueControl("EXCH", "exchange", gw, SYMBOLS)
    with pytest.raises(ScenarioError, match=r"bad.yaml: actions\[1\].params.symbol: 'ZZZ'"):
        control.load("[{at_s: 0, kind: no_fill}, {at_s: 1, kind: halt, params: {symbol: ZZZ}}]", "bad.yaml", 0)
    assert control.timelines == {} and gw.faults.armed(0) == []
    control.load(SCENARIO, "s.yaml", 0)
    assert control.drop("S1") is not None and control.drop("S1") is None
    run(control, gw, [10 * S])
    assert "TSLA" not in gw.halted


def test_arming_checks_kind_params_and_scope_by_name():
    gw = FakeGateway()
    control = VenueControl("EXCH", "exchange", gw, SYMBOLS)
    fid = control.arm("reject", {"text": "no"}, {"symbol": "AAPL", "count": 5, "end_s": 2.0}, 10 * S)
    [armed] = gw.faults.armed(10 * S)
    assert armed["id"] == fid and armed["scope"]["end_ns"] == 12 * S and armed["params"]["text"] == "no"
    for kind, params, scope, error in [
        ("halt", {"symbol": "TSLA"}, None, "kind: halt is an immediate operation"),
        ("reject", {"reason": 12}, None, "params.reason: 12 is not a FIX 4.4 code"),
        ("reject", None, {"symbol": "ZZZ"}, "scope.symbol: 'ZZZ' is not traded here"),
        ("reject", None, {"start_ns": 5, "end_s": 1}, "scope.start_ns: give a window as"),
    ]:
        with pytest.raises(ScenarioError, match=error):
            control.arm(kind, params, scope, 10 * S)


def test_control_ports_default_to_the_fix_port_plus_100_and_may_not_collide(tmp_path, monkeypatch):
    from sim_venues.config import VenuesConfigError, load_venues_config

    monkeypatch.delenv("OMS_FIX_VENUE_CONTROL_PORT", raising=False)  # tests/conftest.py sets it for processes
    cfg = load_venues_config()
    assert {n: cfg.control_port(n) for n in cfg.venues} == {"EXCH": 9981, "ECN": 9982, "DARK": 9983,
                                                            "CROSS": 9984, "MM": 9985}
    p = tmp_path / "v.yaml"
    p.write_text("venues: {X: {kind: ecn, port: 0}, Y: {kind: dark, port: 7000, control_port: 7200}}")
    cfg = load_venues_config(p)
    # A venue on any free port gets its control API on any free port too, unless told otherwise.
    assert (cfg.control_port("X"), cfg.control_port("Y"), cfg.control_port("X", 5000)) == (0, 7200, 5100)
    p.write_text("venues: {X: {kind: ecn, port: 7000}, Y: {kind: dark, port: 7100}}")
    with pytest.raises(VenuesConfigError, match="two venues share a port"):
        load_venues_config(p)
    # The environment names the port of every venue whose config does not (0: any free one).
    monkeypatch.setenv("OMS_FIX_VENUE_CONTROL_PORT", "0")
    cfg = load_venues_config()
    assert {cfg.control_port(n) for n in cfg.venues} == {0}
