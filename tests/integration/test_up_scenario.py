"""`oms-fix up --scenario VENUE=FILE` (issue 7): the venue starts with the scenario running, a wrong one stops
`up` before anything starts, and a venue restarted after a crash does not run it again."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest
import yaml

from tests.integration.venue_proc import CLI, CONTINUOUS, REPO, ChildProc, venue_pid
from tests.interop.peers import free_port

pytestmark = pytest.mark.slow

INSTRUMENTS = str(REPO / "config" / "instruments.yaml")
HALT_TSLA = """description: TSLA halted from the start for an hour
actions:
  - {at_s: 0, kind: halt, params: {symbol: TSLA}}
  - {at_s: 3600, kind: resume, params: {symbol: TSLA}}
"""


def configs(tmp: Path) -> list[str]:
    """`oms-fix up` arguments for the OMS and one exchange (no background market), on free ports."""
    port = free_port()
    venues = tmp / "venues.yaml"
    venues.write_text(yaml.safe_dump({"instruments": INSTRUMENTS, "tick_ms": 20,
                                      "venues": {"EXCH": {"kind": "exchange", "port": port, "day": CONTINUOUS}}}))
    oms = tmp / "oms.yaml"
    oms.write_text(yaml.safe_dump({
        "clients": {"port": free_port(), "sessions": [{"target_comp_id": "CLIENT1", "account": "ACC001"}]},
        "drop_copy": {"port": free_port(), "sessions": [{"target_comp_id": "DROPCOPY"}]},
        "instruments": INSTRUMENTS, "venues": [{"name": "EXCH", "port": port}]}))
    return ["--config", str(oms), "--venues-config", str(venues), "--state-dir", str(tmp / "state")]


def control_url(text: str, venue: str) -> str:
    """From the line `oms-fix up` prints for the venue: `  EXCH   exchange  FIX.4.4 ...; control http://...`."""
    [row] = [line for line in text.splitlines() if line.split()[:2] == [venue, "exchange"]]
    return row.rsplit("control ", 1)[1].strip()


def test_the_venue_starts_with_the_scenario_running_and_a_restart_does_not_run_it_again(tmp_path: Path):
    scenario = tmp_path / "halt_tsla.yaml"
    scenario.write_text(HALT_TSLA)
    args = configs(tmp_path)
    up = ChildProc(CLI + ["up", *args, "--scenario", f"EXCH={scenario}"])
    try:
        assert up.wait_line(lambda line: line.startswith("Ctrl-C to stop."), 60), up.output
        with httpx.Client(base_url=control_url(up.output, "EXCH"), timeout=5) as api:
            [tl] = api.get("/scenario").json()
            fired = api.get("/faults/fired").json()
        assert (tl["id"], tl["source"], tl["description"]) == ("S1", str(scenario), "TSLA halted from the start for "
                                                                                  "an hour")
        [done] = tl["outcomes"]
        assert (done["index"], done["kind"], done["what"]) == (0, "halt", "TSLA halted")
        assert [(a["kind"], a["at_s"]) for a in tl["pending"]] == [("resume", 3600.0)]
        assert [(f["kind"], f["what"]) for f in fired] == [("halt", "TSLA halted")]
        # Printed ahead of the venues' table: it was running when `up` said the venues were up.
        assert up.output.index(f"[EXCH] EXCH: scenario S1 loaded from {scenario}") < up.output.index("venues up")

        os.kill(venue_pid(Path(args[3]), "EXCH"), signal.SIGKILL)
        again = up.wait_line(lambda line: line.startswith("[EXCH] listening again on"))
        assert again, up.output
        with httpx.Client(base_url=again.rsplit("control ", 1)[1].strip(), timeout=5) as api:
            assert api.get("/scenario").json() == []
            assert api.get("/faults/fired").json() == []  # TSLA was not halted again
            assert api.get("/health").json()["venue"] == "EXCH"
    finally:
        out = up.stop()
    assert up.returncode == 0, out
    not_again = f"EXCH: scenario {scenario} not run again after the restart"
    assert f"[EXCH] {not_again}" in out
    log = (tmp_path / "state" / "venues" / "EXCH" / "log" / "EXCH.faults.log").read_text()
    assert "EXCH: scenario S1 loaded from" in log and not_again in log
    assert log.count("loaded from") == 1
    assert out.rstrip().endswith("stopped; stores flushed"), out


@pytest.mark.parametrize("spec, why", [
    ("EXCH={bad}", "{bad}: actions[0].params.symbol: 'ZZZZ' is not traded here"),
    ("NOPE={good}", "NOPE is not among the venues started (EXCH)"),
    ("EXCH={tmp}/missing.yaml", "{tmp}/missing.yaml: no such file"),
    ("EXCH", "give VENUE=FILE"),
])
def test_a_wrong_scenario_stops_up_before_anything_starts(tmp_path: Path, spec: str, why: str):
    names = {"tmp": tmp_path, "bad": tmp_path / "bad.yaml", "good": tmp_path / "good.yaml"}
    names["bad"].write_text("actions:\n  - {at_s: 0, kind: halt, params: {symbol: ZZZZ}}\n")
    names["good"].write_text(HALT_TSLA)
    spec = spec.format(**names)
    out = subprocess.run(CLI + ["up", *configs(tmp_path), "--scenario", spec], cwd=REPO, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stderr.startswith(f"oms-fix up: --scenario {spec!r}: {why.format(**names)}"), out.stderr
    assert out.stdout == ""
    assert not (tmp_path / "state").exists()  # no venue, no journal, no store


def test_a_scenario_with_no_venues_to_run_it_is_refused(tmp_path: Path):
    scenario = tmp_path / "halt_tsla.yaml"
    scenario.write_text(HALT_TSLA)
    out = subprocess.run(CLI + ["up", *configs(tmp_path), "--no-venues", "--scenario", f"EXCH={scenario}"],
                         cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "--scenario runs at a venue `oms-fix up` starts: with --no-venues" in out.stderr
