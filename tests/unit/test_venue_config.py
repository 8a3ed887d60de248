"""config/venues.yaml and the exchange's repeating day."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim_venues.config import load_venues_config, VenuesConfigError
from sim_venues.daycycle import DayCycle
from sim_venues.orders import Phase
from sim_venues.venues import flow_slots

S = 1_000_000_000


def test_shipped_config_has_the_five_venues_on_their_ports():
    cfg = load_venues_config()
    assert {n: (v.kind, v.port) for n, v in cfg.venues.items()} == {
        "EXCH": ("exchange", 9881), "ECN": ("ecn", 9882), "DARK": ("dark", 9883), "CROSS": ("cross", 9884),
        "MM": ("mm", 9885)}
    assert cfg.instruments is not None and cfg.instruments.exists()
    assert cfg.reference_sources("DARK") == ["EXCH", "ECN"]


@pytest.mark.parametrize("text, words", [
    ("venues: {X: {kind: bank, port: 1}}", "venues.X.kind: must be one of"),
    ("venues: {X: {kind: ecn, port: nine}}", "venues.X.port"),
    ("venues: {X: {kind: ecn, port: 1, colour: red}}", "venues.X.colour: Extra inputs are not permitted"),
    ("venues: {X: {kind: ecn, port: 1}, Y: {kind: dark, port: 1}}", "two venues share a port"),
    ("venues: {X: {kind: dark, port: 1, reference_from: [NOPE]}}", "venues.X.reference_from: 'NOPE'"),
    ("- a list", "the top level must be a mapping"),
    ("venues: {X: {kind: ecn, port: 1, faults: [{kind: thin_book, params: {ratio: 0.5}, scope: {count: 3}}]}}",
     "scope.count: thin_book is a market state"),
    ("venues: {X: {kind: ecn, port: 1, faults: [{kind: skip_seqnum, scope: {symbol: AAPL}}]}}",
     "scope.symbol: skip_seqnum is a session fault"),
])
def test_config_errors_name_the_file_and_the_key(tmp_path: Path, text: str, words: str):
    p = tmp_path / "v.yaml"
    p.write_text(text)
    with pytest.raises(VenuesConfigError) as e:
        load_venues_config(p)
    assert str(p) in str(e.value) and words in str(e.value)


def test_day_cycle_walks_every_phase_and_repeats():
    day = DayCycle(pre_open_s=10, continuous_s=100, closing_auction_s=5, closed_s=5)
    t0 = 1_000 * S
    seen = [day.phase_at(t0, t0 + s * S)[0] for s in (0, 9, 10, 109, 110, 114, 115, 119, 120, 130)]
    assert seen == [Phase.PRE_OPEN, Phase.PRE_OPEN, Phase.CONTINUOUS, Phase.CONTINUOUS, Phase.CLOSING_AUCTION,
                    Phase.CLOSING_AUCTION, Phase.CLOSED, Phase.CLOSED, Phase.PRE_OPEN, Phase.CONTINUOUS]
    assert day.phase_at(t0, t0 + 125 * S)[1] == 1
    assert day.continuous_fraction(t0, t0 + 60 * S) == pytest.approx(0.5)


def test_flow_slots_split_the_hash_space_without_overlap():
    slots = flow_slots(load_venues_config().specs())
    flows = sorted(v[0] for v in slots.values() if v[0][1] > v[0][0])
    assert flows[0][0] == 0.0 and flows[-1][1] == pytest.approx(1.0)
    assert all(a[1] == pytest.approx(b[0]) for a, b in zip(flows, flows[1:]))
    assert slots["EXCH"][1] == (0.0, 0.5) and slots["ECN"][1] == (0.5, 1.0) and slots["MM"][1] == (0.0, 0.0)
