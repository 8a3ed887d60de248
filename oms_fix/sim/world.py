"""A trading day in one process: the OMS core, the venues and their background market on one virtual clock.

``Simulation(scenario, seed)`` builds, from the same config files the live
system reads, the objects `oms-fix up` and `oms-fix venues` run (the ``Oms``
core with its risk engine and consolidated book; every venue as
``serve.build_venue`` builds it, with its share of the seeded background
market) and joins them with latency links in place of FIX sessions:

    client --client_oms--> OMS --oms_venue--> venue        (orders, cancels, status requests)
    client <-client_oms--- OMS <--venue_oms-- venue        (execution reports and market data)
                                 lit venue --venue_venue--> dark, cross, MM   (their reference NBBO)

At ``start`` the trading day starts (``NewDay``) and every venue starts
ticking; marks go in every ``marks_every_s``; the price path is sampled every
``sample_every_s``; each parent order is sent at its ``at_s``. At the end the
venues stop advancing, the trading day rolls (``NewDay``: working day orders
are canceled at their venues and end Done for Day, as at the live roll) and
the run drains: it is finished when the last message is delivered.

The scenario's ``market`` moves (trends and jumps of a symbol's fair value)
go to the background market before it runs; they draw nothing. Its venue
scenarios (``venue_scenarios``, ``venue_faults``) are checked before it runs
and started at ``start`` on each venue's ``VenueControl`` (venue_faults.py),
and each venue's ``faults:`` in the venues config are armed at ``start``, as
a venue process arms them; each venue's fault plan draws from its own stream
(the run's seed and the venue's name).

Everything random is drawn from streams seeded by the run's seed and a name
(the flow per symbol, each link's latency), and every tie is broken by the
order of scheduling, so the same scenario and seed give the same run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sim_venues.config import DEFAULT_VENUES, VenuesConfig, VenuesConfigError, load_venues_config
from sim_venues.control import VenueControl
from sim_venues.flow import FlowSource
from sim_venues.instruments import DEFAULT_INSTRUMENTS, InstrumentsError, load_instruments
from sim_venues.scenario_timeline import ScenarioError
from sim_venues.serve import build_venue

from ..configfile import read_mapping
from ..engine.oms import Oms
from ..engine.oms_types import InstrumentRules, VenueRule
from ..engine.risk import RiskEngine
from ..live.tradingday import trading_day_roll
from ..marketdata.consolidated import ConsolidatedBook
from ..risk_config import DEFAULT_RISK_CONFIG, RiskConfigError, load_risk_config
from ..settings import DEFAULT_CONFIG, ConfigError, load_settings
from .client import SimClient
from .latency import Latency, Link
from .oms_node import SimOms
from .recorder import Recorder, Sample
from .scenario import LatencySpec, Scenario
from .scheduler import Scheduler
from .venue_faults import arm_configured, load_venue_scenarios, start_venue_scenario, venue_control
from .venue_node import SimVenue

__all__ = ["DRAIN_LIMIT_NS", "Simulation", "SimulationError"]

_NS = 1_000_000_000
DRAIN_LIMIT_NS = 600 * _NS  # after the end, messages still in flight get this long to arrive


class SimulationError(Exception):
    """The scenario asks for what its config files do not have (or they do not load)."""


@dataclass(frozen=True, slots=True)
class _Files:
    scenario: str
    oms: Path
    venues: Path
    instruments: Path
    risk: Path


def _latency(spec: LatencySpec) -> Latency:
    return Latency(fixed_ns=int(spec.fixed_us * 1000), jitter_ns=int(spec.jitter_us * 1000), sigma=spec.sigma)


class Simulation:
    def __init__(self, scenario: Scenario, seed: int, source: str = "scenario") -> None:
        sc = scenario
        self.scenario = sc
        self.seed = seed
        self.start_ns = sc.start_ns
        self.end_ns = sc.start_ns + sc.duration_ns
        try:
            settings = load_settings(sc.oms_config or DEFAULT_CONFIG)
            files = _Files(source, sc.oms_config or DEFAULT_CONFIG, sc.venues_config or DEFAULT_VENUES,
                           sc.instruments or settings.instruments or DEFAULT_INSTRUMENTS,
                           settings.risk or DEFAULT_RISK_CONFIG)
            every = load_instruments(files.instruments)
            risk_config = load_risk_config(files.risk)
        except (ConfigError, InstrumentsError, RiskConfigError) as e:
            raise SimulationError(str(e)) from None
        missing = [s for s in sc.symbols if s not in every]
        if missing:
            raise SimulationError(f"{source}: symbols: {', '.join(missing)} not in {files.instruments}")
        instruments = {s: every[s] for s in sc.symbols}
        vcfg = _venues_config(sc, files)
        links = {v.name: v for v in settings.venues}
        absent = [n for n in vcfg.venues if n not in links]
        if absent:
            raise SimulationError(f"{source}: venues: {', '.join(absent)} not among the OMS's venues in {files.oms}")
        accounts = {c.target_comp_id: c.account or "" for c in settings.clients.sessions}
        for i, o in enumerate(sc.orders):
            if o.client not in accounts:
                raise SimulationError(f"{source}: orders[{i}].client: {o.client} is not a client session in "
                                      f"{files.oms} ({', '.join(accounts)})")
            if o.venue is not None and o.venue not in vcfg.venues:
                raise SimulationError(f"{source}: orders[{i}].venue: {o.venue} is not one of the scenario's venues")

        self.sched = sched = Scheduler(self.start_ns)
        self.recorder = recorder = Recorder(list(sc.symbols))
        self.book = book = ConsolidatedBook()
        recorder.mid_of = lambda symbol: book.nbbo(symbol).mid  # each fill's mid, for slippage and markouts
        risk = RiskEngine(risk_config, {s: i.reference_price for s, i in instruments.items()},
                          {s: i.tick_size for s, i in instruments.items()})
        core = Oms({s: InstrumentRules(tick=i.tick_size, lot=i.lot_size) for s, i in instruments.items()}, risk, book,
                   [VenueRule(name=v.name, lit=v.lit, dark=v.dark, taker_fee=v.taker_fee)
                    for v in settings.venues if v.name in vcfg.venues],
                   routing=settings.routing.policy())
        self.oms = SimOms(core, book, list(sc.symbols), sched, recorder)
        self._roll = trading_day_roll(settings.trading_day.roll_utc)

        lat = sc.latency
        tick_ns = vcfg.tick_ms * 1_000_000
        self.venues: dict[str, SimVenue] = {}
        # Every venue built from the same flow parameters runs the same background market: it is drawn once per
        # run, and each venue takes its share of it.
        flows: dict[tuple[object, ...], FlowSource] = {}
        for name in vcfg.venues:
            venue = build_venue(vcfg, name, instruments, self.start_ns, seed)
            if venue.flow is not None:
                own = venue.flow.source
                venue.share_flow(flows.setdefault(own.key, own))
            node = SimVenue(venue, sched, tick_ns, recorder, seed)
            node.end_ns = self.end_ns
            node.oms = self.oms
            node.to_oms = Link(f"{name}->OMS", _latency(lat.venue_oms), sched, seed)
            self.oms.venues[name] = (Link(f"OMS->{name}", _latency(lat.oms_venue), sched, seed), node)
            self.venues[name] = node
        for i, move in enumerate(sc.market):
            if not flows:
                raise SimulationError(f"{source}: market[{i}]: none of the scenario's venues runs a background market")
            bps = move.step_bps if move.trend_bps is None else move.trend_bps
            assert bps is not None  # the scenario's check: exactly one of them
            for flow in flows.values():
                flow.move(move.symbol, self.start_ns + int(move.at_s * _NS), bps, int((move.over_s or 0) * _NS))
        for name, node in self.venues.items():
            if node.venue.spec.kind in ("dark", "cross", "mm"):
                for src in vcfg.reference_sources(name):
                    if src in self.venues:
                        link = Link(f"{src}->{name}", _latency(lat.venue_venue), sched, seed)
                        self.venues[src].dependents.append((link, node))
                        node.sources.append(src)

        try:
            venue_scenarios = load_venue_scenarios(sc, source, {n: tuple(v.venue.engines)
                                                                for n, v in self.venues.items()})
        except ScenarioError as e:
            raise SimulationError(str(e)) from None
        self.controls: dict[str, VenueControl] = {}
        for name, _ in venue_scenarios:
            if name not in self.controls:
                self.controls[name] = venue_control(self.venues[name])

        self.clients: dict[str, SimClient] = {}
        ticks = {s: (i.tick_size, i.reference_price) for s, i in instruments.items()}
        for o in sc.orders:
            if o.client not in self.clients:
                client = SimClient(o.client, accounts[o.client], sched, book, ticks, recorder)
                client.oms = self.oms
                client.to_oms = Link(f"{o.client}->OMS", _latency(lat.client_oms), sched, seed)
                self.oms.clients[o.client] = (Link(f"OMS->{o.client}", _latency(lat.client_oms), sched, seed), client)
                self.clients[o.client] = client

        sched.at(self.start_ns, self._begin)
        try:
            arm_configured(sched, self.start_ns, vcfg, str(files.venues), self.venues)
        except ScenarioError as e:
            raise SimulationError(str(e)) from None
        for name, vs in venue_scenarios:  # before anything else at an action's instant: it applies to it
            start_venue_scenario(sched, self.start_ns, self.controls[name], vs)
        roll = self._roll.next_roll(self.start_ns)
        while roll <= self.end_ns:  # a scenario longer than a trading day rolls as the live day_loop does
            sched.at(roll, self.oms.new_day, self._roll.day_of(roll))
            roll = self._roll.next_roll(roll)
        for o in sc.orders:
            sched.at(self.start_ns + int(o.at_s * _NS), self.clients[o.client].send, o)
        self._every(int(sc.marks_every_s * _NS), self.oms.mark, self.start_ns)
        self._every(int(sc.sample_every_s * _NS), self._sample, self.start_ns + int(sc.sample_every_s * _NS))
        sched.at(self.end_ns, self._end)
        self.ended = False

    # -- running ---------------------------------------------------------------------------

    @property
    def now(self) -> int:
        return self.sched.now

    @property
    def finished(self) -> bool:
        return self.ended and (not len(self.sched) or self.sched.now >= self.end_ns + DRAIN_LIMIT_NS)

    def run(self, until_ns: int | None = None) -> bool:
        """Run to ``until_ns`` (None: to the finish); True once finished."""
        limit = self.end_ns + DRAIN_LIMIT_NS
        self.sched.run(limit if until_ns is None else min(until_ns, limit))
        return self.finished

    @property
    def in_flight(self) -> int:
        """Events left when the run stopped (0 unless the drain limit cut it short)."""
        return len(self.sched)

    # -- scheduled ---------------------------------------------------------------------------

    def _begin(self) -> None:
        self.oms.new_day(self._roll.day_of(self.start_ns))
        for node in self.venues.values():
            node.start()

    def _every(self, interval: int, fn: Callable[[], None], first: int) -> None:
        def run(at: int) -> None:
            fn()
            if at + interval <= self.end_ns:
                self.sched.at(at + interval, run, at + interval)

        if first <= self.end_ns:
            self.sched.at(first, run, first)

    def _sample(self) -> None:
        book = self.book
        now = self.sched.now
        core = self.oms.oms
        for p in self.recorder.parents.values():
            order = core.order(p.order_id) if p.order_id else None
            info = core.algo_info(p.order_id, now) if order is not None and order.leaves_qty else None
            if info is not None:
                self.recorder.algo_sample(p.session, p.spec.id, now, info["target"], info["filled"], info["working"])
        for symbol in self.scenario.symbols:
            last = book.last.get(symbol)
            self.recorder.sample(symbol, Sample(time=now, mid=book.nbbo(symbol).mid,
                                                last=last[0] if last else None, volume=book.volume.get(symbol, 0)))

    def _end(self) -> None:
        self.ended = True
        if self.recorder.path and (not self.recorder.path[self.scenario.symbols[0]]
                                   or self.recorder.path[self.scenario.symbols[0]][-1].time != self.end_ns):
            self._sample()
        self.oms.new_day(self._roll.day_of(self._roll.next_roll(self.end_ns)))


def _venues_config(sc: Scenario, files: _Files) -> VenuesConfig:
    """The venues config with only the scenario's venues, its exchange day, flow rate and tick."""
    data = read_mapping(files.venues, SimulationError)
    every = data.get("venues")
    if not isinstance(every, dict):
        raise SimulationError(f"{files.venues}: venues: must be a mapping of venue names")
    names = sc.venues or list(every)
    unknown = [n for n in names if n not in every]
    if unknown:
        raise SimulationError(f"{files.scenario}: venues: {', '.join(unknown)} not in {files.venues}")
    chosen: dict[str, Any] = {}
    for name, v in every.items():  # the config's order: the flow's shares are laid out in it
        if name not in names:
            continue
        v = dict(v) if isinstance(v, dict) else v
        if isinstance(v, dict):
            if sc.day is not None and v.get("kind") == "exchange":
                v["day"] = sc.day.model_dump()
            if isinstance(v.get("reference_from"), list):
                v["reference_from"] = [s for s in v["reference_from"] if s in names]
        chosen[name] = v
    overrides: dict[str, Any] = {"venues": chosen, "flow_rate": sc.flow_rate, "tick_ms": sc.tick_ms}
    try:
        return load_venues_config(files.venues, overrides)
    except VenuesConfigError as e:
        raise SimulationError(str(e)) from None

