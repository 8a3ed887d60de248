"""Venue scenarios in the simulation: checked before it runs, then carried out on the virtual clock (issue 7).

A simulation scenario's ``venue_scenarios`` (files, relative to the scenario
file) and ``venue_faults`` (a venue scenario written inline) are venue
scenarios as ``oms-fix venues --scenario`` runs them (the format is
sim_venues/scenario_timeline.py's). Each is read and checked against its
venue's symbols before anything runs: an error names the scenario's key, the
venue scenario's file, the action and the key
(``day.yaml: venue_scenarios.EXCH: venue/bad.yaml: actions[1].kind: ...``),
and the simulation does not start. Then each is started at the simulation's
start on its venue's ``VenueControl`` (the one the control API drives live,
with the simulation's venue node as its target), and the scheduler wakes
the control at exactly ``start + at_s`` for each action, so an action is
carried out at its virtual nanosecond.

What the simulation carries out (``SIM_KINDS`` armed, ``SIM_OPERATIONS``):
the faults of a venue's order handling; the market's states (widen_spread,
thin_book, stale_quote, crossed_quote), each taking effect and ending at its
exact nanosecond; and the operations bust, correct, halt, resume, fair_value
and volume_spike (``exec_id: last`` names the latest fill that still stands;
a fair_value move moves the one background market every venue of the run
shares, a spike's slices go at their exact instants). It has no FIX
sessions, so the session faults, drop_connection among them, are refused
with the advice to run them against ``oms-fix venues``; any other kind is
refused as not carried out here. The venues' one session is the OMS's
(``OMS``): a scope naming another could never fire and is refused, as is an
action due at or after the end of the run.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Collection, Mapping

from sim_venues.config import VenuesConfig
from sim_venues.control import VenueControl
from sim_venues.faults import KINDS, MARKET_OPS, SESSION_KINDS
from sim_venues.scenario_timeline import Scenario as VenueScenario
from sim_venues.scenario_timeline import ScenarioError, parse_scenario, scenario_from_data

from .scenario import Scenario
from .scheduler import Scheduler
from .venue_node import OWNER, SimVenue

__all__ = ["SIM_KINDS", "SIM_OPERATIONS", "arm_configured", "load_venue_scenarios", "start_venue_scenario",
           "venue_control"]

SIM_KINDS = tuple(k for k, v in KINDS.items() if v.point in ("new", "cancel", "fill", "market"))
SIM_OPERATIONS = ("bust", "correct", "halt", "resume", *MARKET_OPS)
_SESSION_ONLY = frozenset((*SESSION_KINDS, "drop_connection"))
_NS = 1_000_000_000


def _check(vs: VenueScenario, venue: str, duration_ns: int) -> None:
    """What a venue scenario asks that the simulation cannot do, named like the parser's errors."""
    for a in vs.actions:
        where = f"{vs.source}: actions[{a.index}]"
        if a.kind in _SESSION_ONLY:
            raise ScenarioError(f"{where}.kind: {a.kind} is a FIX session fault and the simulation has no FIX "
                                f"sessions: run it against `oms-fix venues` (oms-fix venues --scenario "
                                f"{venue}=FILE, or oms-fix venue-ctl {venue} load FILE)")
        if a.kind not in SIM_KINDS and a.kind not in SIM_OPERATIONS:
            raise ScenarioError(f"{where}.kind: {a.kind} is not carried out in the simulation (it carries out "
                                f"{', '.join(SIM_KINDS + SIM_OPERATIONS)})")
        if a.scope is not None and a.scope.session not in (None, OWNER):
            raise ScenarioError(f"{where}.scope.session: {a.scope.session!r} never reaches {venue} in the "
                                f"simulation: its one session is the OMS's, {OWNER}")
        if a.at_ns >= duration_ns:
            raise ScenarioError(f"{where}.at_s: {a.at_ns / _NS:g} is not before the end of the simulation "
                                f"(duration_s {duration_ns / _NS:g})")


def _symbols(venues: Mapping[str, Collection[str]], venue: str, where: str) -> Collection[str]:
    symbols = venues.get(venue)
    if symbols is None:
        raise ScenarioError(f"{where}: {venue} is not one of the simulation's venues ({', '.join(venues)})")
    return symbols


def load_venue_scenarios(sc: Scenario, source: str,
                         venues: Mapping[str, Collection[str]]) -> list[tuple[str, VenueScenario]]:
    """Every venue scenario of ``sc`` as (venue, scenario), checked against ``venues`` (name -> its symbols);
    ``ScenarioError`` for the first thing wrong. A file's scenario is named by the file's name when it runs
    (what the report shows: the same wherever the files are)."""
    out = []
    for venue, files in sc.venue_scenarios.items():
        symbols = _symbols(venues, venue, f"{source}: venue_scenarios")
        for i, path in enumerate(files):
            where = f"{source}: venue_scenarios.{venue}" + (f"[{i}]" if len(files) > 1 else "")
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as e:
                raise ScenarioError(f"{where}: cannot read {path}: {e.strerror}") from None
            try:
                vs = parse_scenario(text, str(path), symbols)
                _check(vs, venue, sc.duration_ns)
            except ScenarioError as e:
                raise ScenarioError(f"{where}: {e}") from None
            out.append((venue, replace(vs, source=path.name)))
    for venue, data in sc.venue_faults.items():
        where = f"{source}: venue_faults.{venue}"
        vs = scenario_from_data(data, where, _symbols(venues, venue, f"{source}: venue_faults"))
        _check(vs, venue, sc.duration_ns)
        out.append((venue, replace(vs, source=f"venue_faults.{venue}")))
    return out


def start_venue_scenario(sched: Scheduler, start_ns: int, control: VenueControl, vs: VenueScenario) -> None:
    """Start ``vs`` on ``control`` at ``start_ns`` (what is due at 0 s is carried out then) and wake the control
    at each later action's instant."""
    sched.at(start_ns, control.start, vs, start_ns)
    for due in sorted({start_ns + a.at_ns for a in vs.actions} - {start_ns}):
        sched.at(due, control.tick, due)


def venue_control(node: SimVenue) -> VenueControl:
    """The control the live venue's API drives, here driven by the scheduler."""
    return VenueControl(node.name, node.venue.spec.kind, node, node.venue.engines)


def arm_configured(sched: Scheduler, start_ns: int, vcfg: VenuesConfig, source: str,
                   nodes: Mapping[str, SimVenue]) -> None:
    """Arm each venue's ``faults:`` from the venues config at the simulation's start, as a venue process arms
    them when it starts; ``ScenarioError`` naming the config's key for one the simulation cannot carry out."""
    for name, node in nodes.items():
        for i, f in enumerate(vcfg.venues[name].faults):
            where = f"{source}: venues.{name}.faults[{i}]"
            if f.kind in _SESSION_ONLY:
                raise ScenarioError(f"{where}.kind: {f.kind} is a FIX session fault and the simulation has no FIX "
                                    "sessions: run it against `oms-fix venues`")
            if f.kind not in SIM_KINDS:
                raise ScenarioError(f"{where}.kind: {f.kind} is not carried out in the simulation")
            if f.scope.session not in (None, OWNER):
                raise ScenarioError(f"{where}.scope.session: {f.scope.session!r} never reaches {name} in the "
                                    f"simulation: its one session is the OMS's, {OWNER}")
            sched.at(start_ns, node.arm, f.kind, f.params, f.scope.scope(start_ns))
