"""A venue's control API and `oms-fix venue-ctl` against real venue processes over loopback (issue 7)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tests.integration.venue_proc import REPO, VenueProc, venue_config
from tests.interop.peers import free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def venue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VenueProc]:
    tmp = tmp_path_factory.mktemp("control")
    v = VenueProc(venue_config(tmp, control_port=free_port()))
    assert v.url, v.output
    yield v
    v.stop()


def api(venue: VenueProc) -> httpx.Client:
    return httpx.Client(base_url=venue.url, timeout=5)


def ctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "oms_fix.cli", "venue-ctl", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=30)


def test_health_and_the_openapi_document(venue: VenueProc):
    with api(venue) as c:
        h = c.get("/health").json()
        assert h["venue"] == "EXCH" and h["fix"].endswith(f":{venue.fix_port}") and h["control"] == venue.url
        paths = c.get("/openapi.json").json()["paths"]
    for path in ("/faults", "/faults/{fault_id}", "/faults/fired", "/operations/{kind}", "/scenario", "/health"):
        assert path in paths
    assert venue.url.startswith("http://127.0.0.1:")  # loopback only, as configured


def test_arm_list_disarm_and_the_errors_that_name_the_key(venue: VenueProc):
    with api(venue) as c:
        r = c.post("/faults", json={"kind": "reject", "params": {"reason": 99, "text": "no"},
                                    "scope": {"symbol": "AAPL", "count": 5}})
        assert r.status_code == 201, r.text
        fid = r.json()["id"]
        armed = c.get("/faults").json()["armed"]
        assert [(f["id"], f["kind"], f["left"], f["params"]["text"]) for f in armed if f["id"] == fid] == \
               [(fid, "reject", 5, "no")]
        bad = [
            (c.post("/faults", json={"kind": "reject", "params": {"reason": 12}}), 422, "params.reason: 12"),
            (c.post("/faults", json={"kind": "explode"}), 422, "kind: 'explode' is not one of"),
            (c.post("/faults", json={"kind": "no_fill", "scope": {"symbol": "ZZZ"}}), 422, "scope.symbol: 'ZZZ'"),
            (c.post("/faults", json={"kind": "no_fill", "scope": {"colour": 1}}), 422, "scope.colour"),
            (c.post("/faults", json={"kind": "halt", "params": {"symbol": "TSLA"}}), 422, "POST /operations/halt"),
            (c.post("/faults", content=b"{bad", headers={"content-type": "application/json"}), 400, "JSON"),
            (c.delete("/faults/F999"), 404, "no fault F999 at EXCH"),
        ]
        for resp, status, words in bad:
            assert resp.status_code == status and words in resp.json()["detail"], resp.text
        r = c.delete(f"/faults/{fid}")
        assert r.status_code == 200 and r.json() == {"id": fid, "disarmed": True, "fired": 0}
        assert c.delete(f"/faults/{fid}").status_code == 409
        # Armed, never fired: reported with why, not silently dropped.
        unfired = {f["id"]: f["why"] for f in c.get("/faults").json()["unfired"]}
        assert unfired[fid] == "disarmed before it fired"


def test_operations_halt_resume_and_refusals(venue: VenueProc):
    with api(venue) as c:
        r = c.post("/operations/halt", json={"params": {"symbol": "GOOG"}})
        assert r.status_code == 200 and r.json()["what"] == "GOOG halted", r.text
        again = c.post("/operations/halt", json={"params": {"symbol": "GOOG"}})
        assert again.status_code == 422 and "already halted" in again.json()["detail"]
        assert c.post("/operations/resume", json={"params": {"symbol": "GOOG"}}).status_code == 200
        assert c.post("/operations/explode", json={}).status_code == 404
        bust = c.post("/operations/bust", json={"params": {"exec_id": "NOPE"}})
        assert bust.status_code == 422 and "params.exec_id" in bust.json()["detail"]
        fired = c.get("/faults/fired").json()
    assert [f["what"] for f in fired if f["symbol"] == "GOOG"] == ["GOOG halted", "GOOG resumed"]


def test_a_scenario_through_the_api_runs_as_a_timeline(venue: VenueProc):
    scenario = {"description": "api test", "actions": [
        {"at_s": 0, "kind": "no_fill", "scope": {"session": "NOBODY1", "end_s": 60}},
        {"at_s": 0.3, "kind": "halt", "params": {"symbol": "AMZN"}},
        {"at_s": 0.6, "kind": "resume", "params": {"symbol": "AMZN"}}]}
    with api(venue) as c:
        wrong = c.post("/scenario", params={"source": "w.yaml"}, content="actions: [{at_s: 0, kind: reject, "
                                                                         "scope: {count: 0}}]")
        assert wrong.status_code == 422
        assert wrong.json()["detail"] == "w.yaml: actions[0].scope.count: must be a positive integer, not 0"
        assert c.post("/scenario", content=b"  ").status_code == 400
        r = c.post("/scenario", params={"source": "t.json"}, json=scenario)
        assert r.status_code == 201, r.text
        tl = r.json()
        assert tl["actions"] == 3 and [o["kind"] for o in tl["outcomes"]] == ["no_fill"]
        assert [a["kind"] for a in c.get("/faults").json()["scheduled"]] == ["halt", "resume"]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            [view] = [t for t in c.get("/scenario").json() if t["id"] == tl["id"]]
            if view["done"]:
                break
            time.sleep(0.1)
        assert view["done"] and all("error" not in o for o in view["outcomes"]), view
        assert [f["what"] for f in c.get("/faults/fired").json() if f["symbol"] == "AMZN"] == \
               ["AMZN halted", "AMZN resumed"]


def test_venue_ctl_arms_lists_disarms_and_says_when_a_venue_is_not_there(venue: VenueProc, tmp_path: Path):
    cfg = str(venue.config)
    out = ctl("--config", cfg, "EXCH", "arm", "reject", "--symbol", "MSFT", "--count", "5", "--text", "no")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("EXCH: armed F") and "symbol=MSFT count=5" in out.stdout and "text=no" in out.stdout
    fid = out.stdout.split()[2]
    listed = ctl("--config", cfg, "EXCH", "list")
    assert listed.returncode == 0 and f"{fid} " in listed.stdout and "reject" in listed.stdout
    as_json = json.loads(ctl("--config", cfg, "--json", "EXCH", "list").stdout)
    assert fid in [f["id"] for f in as_json["armed"]]
    out = ctl("--url", venue.url, "EXCH", "disarm", fid)
    assert out.returncode == 0 and out.stdout.strip() == f"EXCH: disarmed {fid} (it had fired 0 time(s))"
    again = ctl("--url", venue.url, "EXCH", "disarm", fid)
    assert again.returncode == 1 and "409" in again.stderr and again.stdout == ""
    refused = ctl("--config", cfg, "EXCH", "arm", "partial_fill", "--ratio", "2")
    assert refused.returncode == 1 and "params.ratio" in refused.stderr and refused.stdout == ""
    halt = ctl("--config", cfg, "EXCH", "halt", "AAPL")
    assert halt.returncode == 0 and halt.stdout.strip().endswith("halt: AAPL halted")
    assert ctl("--config", cfg, "EXCH", "resume", "AAPL").returncode == 0
    fired = ctl("--config", cfg, "EXCH", "fired")
    assert "AAPL: AAPL halted" in fired.stdout and "AAPL: AAPL resumed" in fired.stdout
    loaded = ctl("--config", cfg, "EXCH", "load", str(REPO / "config" / "scenarios" / "venue" / "halt_tsla.yaml"))
    assert loaded.returncode == 0 and "loaded scenario S" in loaded.stdout and "resume at +40 s" in loaded.stdout
    # Nobody listens there: a clear error, exit 1, nothing on stdout.
    gone = ctl("--url", f"http://127.0.0.1:{free_port()}", "EXCH", "list")
    assert gone.returncode == 1 and gone.stdout == "" and "no answer from" in gone.stderr
    assert "is the venue running?" in gone.stderr
    nothere = tmp_path / "v.yaml"
    nothere.write_text(f"venues: {{EXCH: {{kind: exchange, port: {free_port()}, control_port: {free_port()}}}}}")
    assert ctl("--config", str(nothere), "EXCH", "list").returncode == 1
    assert ctl("--config", str(nothere), "NOPE", "list").returncode == 2


def test_venue_ctl_help_everywhere():
    for args in ([], ["EXCH", "arm"], ["EXCH", "load"], ["EXCH", "bust"]):
        out = ctl(*args, "--help")
        assert out.returncode == 0 and "usage: oms-fix venue-ctl" in out.stdout, out.stderr
    assert "--count" in ctl("EXCH", "arm", "--help").stdout


def test_a_scenario_given_at_start_is_running_at_ready_and_a_bad_one_stops_the_venue(tmp_path: Path):
    storm = REPO / "config" / "scenarios" / "venue" / "reject_storm.yaml"
    v = VenueProc(venue_config(tmp_path), "--scenario", str(storm))
    try:
        assert v.url, v.output
        with api(v) as c:
            [armed] = c.get("/faults").json()["armed"]
        assert (armed["kind"], armed["scope"]["symbol"], armed["left"]) == ("reject", "AAPL", 5)
    finally:
        out = v.stop()
    assert "scenario S1 loaded from" in out and "fault F1 reject never fired" in out
    log = (tmp_path / "state" / "EXCH" / "log" / "EXCH.faults.log").read_text()
    assert "scenario S1 loaded from" in log
    bad = tmp_path / "bad.yaml"
    bad.write_text("actions:\n  - {at_s: 0, kind: reject}\n  - {at_s: 1, kind: delay_ack, params: {ms: -1}}\n")
    b = VenueProc(venue_config(tmp_path), "--scenario", str(bad))
    assert b.proc.returncode == 2 and not b.url
    assert f"{bad}: actions[1].params.ms: must not be negative" in b.output


def test_oms_fix_venues_passes_a_scenario_and_shows_each_control_address(tmp_path: Path):
    storm = REPO / "config" / "scenarios" / "venue" / "reject_storm.yaml"
    cfg = venue_config(tmp_path)
    bad = subprocess.run([sys.executable, "-m", "oms_fix.cli", "venues", "--config", str(cfg), "--scenario",
                          f"NOPE={storm}"], cwd=REPO, capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2 and "NOPE is not among the venues started" in bad.stderr
    proc = subprocess.Popen([sys.executable, "-m", "oms_fix.cli", "venues", "--config", str(cfg), "--scenario",
                             f"EXCH={storm}"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C to stop"):
                break
        text = "".join(lines)
        assert "[EXCH] EXCH: scenario S1 loaded from" in text, text
        [row] = [ln for ln in lines if ln.strip().startswith("EXCH ")]
        url = row.split("control ")[1].strip()
        with httpx.Client(base_url=url, timeout=5) as c:
            assert c.get("/health").json()["venue"] == "EXCH"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
