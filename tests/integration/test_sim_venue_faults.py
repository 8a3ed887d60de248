"""Venue faults and venue scenarios in `oms-fix sim`: each action at its exact virtual nanosecond, delays to the
nanosecond, repeatable from the seed, refused when wrong or when they need a FIX session, and what they do to
the client's orders."""

from __future__ import annotations

import json
from decimal import Decimal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from oms_fix.engine import oms_types as t
from oms_fix.sim.report import build_report, fault_lines, report_json, summary_line
from oms_fix.sim.scenario import load_scenario
from oms_fix.sim.world import Simulation, SimulationError

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config" / "scenarios" / "venue_faults.yaml"
CLI = [sys.executable, "-m", "oms_fix.cli", "sim"]
MS = 1_000_000
LINK_NS = 150_000  # every hop's fixed latency below, with no jitter: a delivery's time is exact
BASE = """
start: 2026-03-02T14:30:00Z
duration_s: 40
symbols: [AAPL]
venues: [EXCH, ECN]
day: {pre_open_s: 1, continuous_s: 3600, closing_auction_s: 0, closed_s: 0}
latency:
  client_oms: {fixed_us: 150, jitter_us: 0}
  oms_venue: {fixed_us: 150, jitter_us: 0}
  venue_oms: {fixed_us: 150, jitter_us: 0}
  venue_venue: {fixed_us: 150, jitter_us: 0}
"""


def write(tmp_path: Path, body: str, name: str = "run.yaml") -> Path:
    path = tmp_path / name
    path.write_text(BASE + body)
    return path


def run(path: Path, seed: int = 1) -> Simulation:
    sim = Simulation(load_scenario(path), seed, source=str(path))
    assert sim.run()
    return sim


def fired(sim: Simulation, venue: str = "EXCH") -> list[dict[str, Any]]:
    return sim.venues[venue].faults.fired()


def reports(sim: Simulation, order: str, client: str = "CLIENT1") -> list[Any]:
    return sim.recorder.parents[(client, order)].reports


def spy_venue(sim: Simulation, name: str = "EXCH") -> tuple[list[tuple[int, str]], list[tuple[int, t.VenueExec]]]:
    """(when each child order reached the venue, when each of its ExecutionReports reached the OMS)."""
    node, oms = sim.venues[name], sim.oms
    arrived: list[tuple[int, str]] = []
    got: list[tuple[int, t.VenueExec]] = []
    on_new, on_exec = node.on_new, oms.on_venue_exec

    def new(o: t.ToVenueNew) -> None:
        arrived.append((sim.now, o.child_id))
        on_new(o)

    def exec_(er: t.VenueExec) -> None:
        got.append((sim.now, er))
        on_exec(er)

    node.on_new = new  # type: ignore[method-assign]
    oms.on_venue_exec = exec_  # type: ignore[method-assign]
    return arrived, got


def test_each_action_happens_at_its_exact_virtual_nanosecond(tmp_path: Path) -> None:
    sim = run(write(tmp_path, """
venue_faults:
  EXCH:
    - {at_s: 7.25, kind: reject, params: {text: "not now"}, scope: {count: 1}}
    - {at_s: 12.345678901, kind: halt, params: {symbol: AAPL}}
    - {at_s: 20.5, kind: resume, params: {symbol: AAPL}}
"""))
    start = sim.start_ns
    halt, resume = fired(sim)
    assert (halt["kind"], halt["time_ns"]) == ("halt", start + 12_345_678_901)  # off the venue's 50 ms tick grid
    assert (resume["kind"], resume["time_ns"]) == ("resume", start + 20_500_000_000)
    armed = [(tm, text) for tm, venue, text in sim.recorder.venue_events if "reject armed" in text]
    assert armed == [(start + 7_250_000_000, armed[0][1])] and "F1 reject armed" in armed[0][1]
    faults = build_report(sim)["venue_faults"]
    assert [(f["venue"], f["kind"], f["t_s"]) for f in faults["fired"]] == [("EXCH", "halt", 12.345679),
                                                                             ("EXCH", "resume", 20.5)]
    assert faults["unfired"] == [{"venue": "EXCH", "id": "F1", "kind": "reject", "why": "still armed at the end"}]


def test_delays_reach_the_oms_exactly_their_ms_plus_the_link_later(tmp_path: Path) -> None:
    path = write(tmp_path, """
venue_faults:
  EXCH:
    - {at_s: 1, kind: delay_ack, params: {ms: 137}, scope: {count: 1}}
    - {at_s: 7, kind: cancel_unsolicited, params: {after_ms: 333.3}, scope: {count: 1}}
orders:
  - {at_s: 5, client: CLIENT1, symbol: AAPL, side: buy, qty: 100, offset_ticks: -20, venue: EXCH}
  - {at_s: 6, client: CLIENT1, symbol: AAPL, side: buy, qty: 100, offset_ticks: -20, venue: EXCH}
  - {at_s: 8, client: CLIENT1, symbol: AAPL, side: buy, qty: 100, offset_ticks: -20, venue: EXCH}
""")
    sim = Simulation(load_scenario(path), 1)
    arrived, got = spy_venue(sim)
    assert sim.run()
    (held_at, held), (plain_at, plain), (doomed_at, doomed) = arrived
    acks = {er.child_id: at for at, er in got if er.exec_type == "0"}
    delay, cancel = fired(sim)
    assert (delay["kind"], delay["time_ns"], delay["cl_ord_id"]) == ("delay_ack", held_at, held)
    assert acks[held] == held_at + 137 * MS + LINK_NS  # exactly: not rounded up to the venue's next tick
    assert acks[plain] == plain_at + LINK_NS
    assert (cancel["kind"], cancel["cl_ord_id"]) == ("cancel_unsolicited", doomed)
    [(at, er)] = [(at, er) for at, er in got if er.exec_type == "4" and er.child_id == doomed]
    assert at == doomed_at + 333_300_000 + LINK_NS and er.text == "simulated fault: canceled by the venue"
    assert [r.exec_type for r in reports(sim, "P1")][:1] == ["0"]


def test_the_same_seed_replays_identically_and_another_seed_fires_otherwise(tmp_path: Path) -> None:
    orders = "".join(f"  - {{at_s: {2 + i}, client: CLIENT1, symbol: AAPL, side: buy, qty: 100, offset_ticks: 1, "
                     f"venue: EXCH}}\n" for i in range(14))
    path = write(tmp_path, f"""
venue_faults:
  EXCH:
    - {{at_s: 1, kind: reject, params: {{text: "coin says no"}}, scope: {{probability: 0.5}}}}
    - {{at_s: 1, kind: delay_ack, params: {{dist: uniform, low_ms: 5, high_ms: 400}}}}
orders:
{orders}""")

    def history(sim: Simulation) -> tuple[object, ...]:
        parents = [(k, [(r.time, r.exec_type, r.ord_status, r.cum_qty, r.last_px, r.text) for r in p.reports])
                   for k, p in sim.recorder.parents.items()]
        return fired(sim), parents, sim.recorder.fills, report_json(build_report(sim))

    one, again, other = run(path, 1), run(path, 1), run(path, 2)
    assert history(one) == history(again)
    hit = [f["cl_ord_id"] for f in fired(one) if f["kind"] == "reject"]
    assert 0 < len(hit) < 14
    assert hit != [f["cl_ord_id"] for f in fired(other) if f["kind"] == "reject"]
    delays = [f["what"] for f in fired(one) if f["kind"] == "delay_ack"]
    assert len(delays) == 14 - len(hit) and len(set(delays)) > 1  # drawn, from the venue's own seeded stream


def test_a_venue_reject_reaches_the_client_order_with_the_venues_text(tmp_path: Path) -> None:
    sim = run(write(tmp_path, """
venue_faults:
  EXCH: [{at_s: 0, kind: reject, params: {reason: 99, text: "venue busy, try later"}, scope: {count: 1}}]
orders:
  - {at_s: 3, client: CLIENT1, symbol: AAPL, side: buy, qty: 100, offset_ticks: 1, venue: EXCH}
"""))
    last = reports(sim, "P1")[-1]
    assert (last.exec_type, last.ord_status, last.text) == ("8", "8", "venue busy, try later")
    [f] = fired(sim)
    assert (f["kind"], f["session"], f["symbol"]) == ("reject", "OMS", "AAPL")


def test_a_halt_is_told_to_the_oms_which_routes_to_the_venue_still_trading(tmp_path: Path) -> None:
    sim = Simulation(load_scenario(write(tmp_path, """
venue_faults:
  EXCH:
    - {at_s: 2, kind: halt, params: {symbol: AAPL}}
    - {at_s: 20, kind: resume, params: {symbol: AAPL}}
orders:
  - {at_s: 5, client: CLIENT1, symbol: AAPL, side: buy, qty: 100, type: market}
""")), 1)
    sim.run(sim.start_ns + 3_000_000_000)
    assert sim.book.halted("EXCH", "AAPL") and not sim.book.halted("ECN", "AAPL")
    assert sim.run()
    assert not sim.book.halted("EXCH", "AAPL") and sim.book.security_status[("EXCH", "AAPL")] == "17"
    fills = [f for f in sim.recorder.fills if f.time < sim.start_ns + 20_000_000_000]
    assert fills and {f.venue for f in fills} == {"ECN"}  # nothing sent into the halt


def test_bust_last_restates_the_clients_fill(tmp_path: Path) -> None:
    sim = run(write(tmp_path, """
venue_faults:
  EXCH: [{at_s: 10, kind: bust, params: {exec_id: last}}]
orders:
  - {at_s: 5, client: CLIENT1, symbol: AAPL, side: buy, qty: 100, type: market, venue: EXCH}
"""))
    rs = reports(sim, "P1")
    [fill] = [r for r in rs if r.exec_type == "F"]
    [bust] = [r for r in rs if r.exec_type == "H"]
    assert fill.cum_qty == 100 and bust.cum_qty == 0 and bust.time > fill.time
    [f] = fired(sim)
    assert f["kind"] == "bust" and f["time_ns"] == sim.start_ns + 10_000_000_000
    exec_id = f["what"].split()[2]  # "busted ExecID EXCH-E<n> (100 at ...)"
    order = sim.oms.oms.order(sim.recorder.parents[("CLIENT1", "P1")].order_id)
    assert order is not None
    [ex] = [e for e in order.executions if e.fill_id == f"EXCH:{exec_id}"]
    assert not ex.live and order.cum_qty == 0  # the OMS took the busted execution back
    report = build_report(sim)
    assert report["fills"] == [] and report["orders"][0]["filled"] == 0  # the run's fills are what stands


def test_bust_last_with_no_fill_yet_is_logged_not_fatal(tmp_path: Path) -> None:
    sim = run(write(tmp_path, "venue_faults:\n  EXCH: [{at_s: 2, kind: bust, params: {exec_id: last}}]\n"))
    assert fired(sim) == []
    assert any("actions[0] bust not carried out: bust: params.exec_id: last: no fill" in text
               for _, _, text in sim.recorder.venue_events)


@pytest.mark.parametrize("actions, says", [
    ("[{at_s: 1, kind: reject, scope: {count: 0}}]", "actions[0].scope.count: must be a positive integer, not 0"),
    ("[{at_s: 1, kind: halt, params: {symbol: MSFT}}]", "actions[0].params.symbol: 'MSFT' is not traded here"),
    ("[{at_s: 1, kind: reject, scope: {session: CLIENT1}}]", "actions[0].scope.session: 'CLIENT1' never reaches"),
    ("[{at_s: 40, kind: halt, params: {symbol: AAPL}}]", "actions[0].at_s: 40 is not before the end"),
])
def test_a_bad_venue_scenario_stops_the_sim_naming_file_action_and_key(tmp_path: Path, actions: str,
                                                                      says: str) -> None:
    bad = tmp_path / "venue" / "bad.yaml"
    bad.parent.mkdir()
    bad.write_text(f"actions: {actions}\n")
    path = write(tmp_path, "venue_scenarios: {EXCH: venue/bad.yaml}\n")
    with pytest.raises(SimulationError) as e:
        Simulation(load_scenario(path), 1, source=str(path))
    assert str(e.value).startswith(f"{path}: venue_scenarios.EXCH: {bad}: ") and says in str(e.value)


def test_missing_files_and_unknown_venues_are_named(tmp_path: Path) -> None:
    path = write(tmp_path, "venue_scenarios: {EXCH: nowhere.yaml}\n")
    with pytest.raises(SimulationError, match=r"venue_scenarios.EXCH: cannot read .*nowhere.yaml"):
        Simulation(load_scenario(path), 1, source=str(path))
    path = write(tmp_path, "venue_faults: {DARK: [{at_s: 1, kind: no_fill}]}\n")
    with pytest.raises(SimulationError, match=r"venue_faults: DARK is not one of the simulation's venues"):
        Simulation(load_scenario(path), 1, source=str(path))


@pytest.mark.parametrize("kind", ["skip_seqnum", "garbled", "refuse_logon", "drop_connection"])
def test_a_session_fault_is_refused_with_where_to_run_it(tmp_path: Path, kind: str) -> None:
    path = write(tmp_path, f"venue_faults:\n  ECN: [{{at_s: 0, kind: reject}}, {{at_s: 1, kind: {kind}}}]\n")
    with pytest.raises(SimulationError) as e:
        Simulation(load_scenario(path), 1, source=str(path))
    assert str(e.value).startswith(f"{path}: venue_faults.ECN: actions[1].kind: {kind} is a FIX session fault")
    assert "run it against `oms-fix venues`" in str(e.value)


def test_the_shipped_example_runs_end_to_end_and_says_what_fired(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out = subprocess.run(CLI + ["--scenario", str(EXAMPLE), "--seed", "1", "--out", str(out_dir), "--quiet"],
                         capture_output=True, text=True, timeout=120, env={"PYTHONHASHSEED": "123", "PATH": ""})
    assert out.returncode == 0, out.stderr
    report = json.loads((out_dir / "report.json").read_text())
    kinds = [(f["venue"], f["kind"]) for f in report["venue_faults"]["fired"]]
    assert ("EXCH", "reject") in kinds and ("EXCH", "halt") in kinds and ("ECN", "bust") in kinds
    assert [f["t_s"] for f in report["venue_faults"]["fired"] if f["kind"] in ("halt", "resume", "bust")] == \
        [10.0, 40.0, 300.0]
    lines = out.stdout.splitlines()
    assert lines[2:-1] == [f"venue fault {f['t_s']:.6f} s {f['venue']} {f['id']} {f['kind']}: {f['what']}"
                           for f in report["venue_faults"]["fired"]]
    assert f"{len(kinds)} venue fault(s) fired in " in lines[-1]
    assert "Venue faults" in (out_dir / "report.html").read_text()
    assert str(REPO) not in json.dumps(report)
    assert fault_lines(report) == lines[2:-1]
    assert lines[-1].startswith(summary_line(report) + " in ")


def test_a_window_past_the_end_keeps_nothing_in_flight(tmp_path: Path) -> None:
    sim = run(write(tmp_path, """
venue_faults:
  EXCH:
    - {at_s: 1, kind: no_fill, scope: {end_s: 5000}}
    - {at_s: 2, kind: worse_price, params: {ticks: 1}, scope: {end_s: 3}}
"""))
    assert sim.in_flight == 0  # no wakeup waits for a window that closes after the run
    ended = [(tm - sim.start_ns, text) for tm, _, text in sim.recorder.venue_events if "never fired" in text]
    assert ended == [(5_000_000_000, "fault F2 worse_price never fired: its window ended")]


def test_the_command_stops_before_running_a_refused_venue_scenario(tmp_path: Path) -> None:
    path = write(tmp_path, "venue_faults:\n  EXCH: [{at_s: 1, kind: stop_heartbeats}]\n")
    out = subprocess.run(CLI + ["--scenario", str(path), "--out", str(tmp_path / "o")], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 2 and not (tmp_path / "o").exists()
    assert f"oms-fix sim: {path}: venue_faults.EXCH: actions[0].kind: stop_heartbeats is a FIX session fault" \
        in out.stderr


MARKET = """
venue_faults:
  EXCH:
    - {at_s: 5, kind: widen_spread, params: {ticks: 7}, scope: {symbol: AAPL, end_s: 5}}
    - {at_s: 12, kind: volume_spike, params: {symbol: AAPL, qty: 1000, over_s: 2, slices: 4, side: buy}}
    - {at_s: 20, kind: stale_quote, scope: {end_s: 3}}
"""


def _spread(sim: Simulation, venue: str = "EXCH") -> Any:
    bid, ask = sim.book.venue_best(venue, "AAPL", "1")[0], sim.book.venue_best(venue, "AAPL", "2")[0]
    return None if bid is None or ask is None else ask - bid


def test_market_faults_in_the_sim_happen_at_their_exact_nanoseconds_and_replay_identically(tmp_path: Path) -> None:
    path = write(tmp_path, MARKET)
    sim = Simulation(load_scenario(path), 1)
    s = sim.start_ns
    sim.run(s + 4_900_000_000)
    before = _spread(sim)
    sim.run(s + 9_000_000_000)
    during = _spread(sim)
    # The makers' quotes go 7 ticks further out on each side; noise traders' limits may still sit inside them.
    assert before is not None and during is not None and during >= before + Decimal("0.08")
    sim.run(s + 21_000_000_000)
    stale_since = sim.book.venue_updated[("AAPL", "EXCH")]
    sim.run(s + 22_900_000_000)
    assert sim.book.venue_updated[("AAPL", "EXCH")] == stale_since  # nothing from EXCH while stale
    assert sim.run()
    assert sim.book.venue_updated[("AAPL", "EXCH")] > s + 23_000_000_000  # caught up once it ended
    got = {f["kind"]: f["time_ns"] for f in fired(sim)}
    assert got == {"widen_spread": s + 5_000_000_000, "volume_spike": s + 12_000_000_000,
                   "stale_quote": s + 20_000_000_000}
    # Each slice trades at its instant and its print reaches the OMS one link later.
    prints = set(sim.recorder.tape["AAPL"].times)
    assert {s + 12_000_000_000 + i * 500_000_000 + LINK_NS for i in range(4)} <= prints
    again = Simulation(load_scenario(path), 1)
    assert again.run()
    assert fired(again) == fired(sim) and again.recorder.tape["AAPL"].times == sim.recorder.tape["AAPL"].times


def test_a_market_state_on_every_symbol_replays_the_same_under_any_hash_seed(tmp_path: Path) -> None:
    # Several symbols, a jittered link and states scoped to no symbol, starting and ending off the fair value's
    # one-second grid (where nothing else marks the books changed): nothing may depend on a set's order.
    path = tmp_path / "every.yaml"
    path.write_text("""
start: 2026-03-02T14:30:00Z
duration_s: 20
symbols: [AAPL, MSFT, GOOG, TSLA]
venues: [EXCH, ECN]
day: {pre_open_s: 1, continuous_s: 3600, closing_auction_s: 0, closed_s: 0}
latency:
  venue_oms: {fixed_us: 150, jitter_us: 400}
venue_faults:
  EXCH:
    - {at_s: 3.0000123, kind: crossed_quote, scope: {end_s: 4}}
    - {at_s: 9.0000321, kind: stale_quote, scope: {end_s: 4}}
""")
    script = ("import hashlib, sys\nfrom oms_fix.sim.scenario import load_scenario\n"
              "from oms_fix.sim.world import Simulation\nfrom oms_fix.sim.report import build_report, report_json\n"
              "sim = Simulation(load_scenario(sys.argv[1]), 3)\ngot = []\non_md = sim.oms.on_market_data\n"
              "def md(venue, symbol, *rest):\n    got.append((sim.now, venue, symbol))\n    on_md(venue, symbol, *rest)\n"
              "sim.oms.on_market_data = md\nsim.run()\n"
              "print(hashlib.sha256(report_json(build_report(sim)) + repr(got).encode()).hexdigest())\n")
    digests = {subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True,
                              cwd=REPO, env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout for seed in ("1", "2", "3")}
    assert len(digests) == 1, digests


def _venues_with(tmp_path: Path, faults: list[dict[str, Any]]) -> Path:
    import yaml

    data = yaml.safe_load((REPO / "config" / "venues.yaml").read_text())
    data["venues"]["EXCH"]["faults"] = faults
    data["instruments"] = str(REPO / "config" / "instruments.yaml")
    path = tmp_path / "venues.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_the_venues_configs_own_faults_are_armed_at_the_start_as_a_venue_process_arms_them(tmp_path: Path) -> None:
    venues = _venues_with(tmp_path, [{"kind": "reject", "params": {"reason": 2, "text": "closed (config)"},
                                      "scope": {"count": 1}}])
    sim = run(write(tmp_path, f"""
venues_config: {venues}
orders:
  - {{at_s: 3, client: CLIENT1, symbol: AAPL, side: buy, qty: 100, offset_ticks: 1, venue: EXCH}}
"""))
    last = reports(sim, "P1")[-1]
    assert (last.exec_type, last.ord_status, last.text) == ("8", "8", "closed (config)")
    [f] = fired(sim)
    assert (f["id"], f["kind"]) == ("F1", "reject")


def test_a_session_fault_in_the_venues_config_stops_the_sim_naming_the_key(tmp_path: Path) -> None:
    venues = _venues_with(tmp_path, [{"kind": "skip_seqnum"}])
    with pytest.raises(SimulationError, match=r"venues\.yaml: venues\.EXCH\.faults\[0\]\.kind: skip_seqnum is a FIX "
                                              r"session fault"):
        Simulation(load_scenario(write(tmp_path, f"venues_config: {venues}\n")), 1)
