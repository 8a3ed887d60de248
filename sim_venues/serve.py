"""One venue process: ``python -m sim_venues.serve --venue EXCH`` (``oms-fix venues`` starts these).

Builds the venue from config/venues.yaml, listens as a FIX 4.4 acceptor whose
SenderCompID is the venue's name, advances the venue every ``tick_ms`` (flow,
phases, expiries, crosses, quotes, market data), and for the venues that price
off the lit market logs on to the lit venues for their top of book. Prints
``ready <host>:<port> <kind> as <VENUE> control http://<host>:<port>`` once
listening (the second address is its control API, sim_venues/control.py), a
line of figures every ``--stats-every`` seconds, and stops cleanly on SIGINT
or SIGTERM. ``--scenario FILE`` runs a venue scenario's timeline from then,
unless ``--restart N`` says the supervisor is starting the venue again after a
crash: a timeline counts from its start, so run again it would halt or bust at
times nobody asked for; the venue says it did not run it instead.

Faults (issue 7): those in the venue's ``faults:`` are armed at start; every
arming and firing is printed (``EXCH: fault F1 reject fired on CLIENT1 AAPL
cl=...``) and appended to ``<state>/<VENUE>/log/<VENUE>.faults.log``, and at
the stop every fault that never fired is named there.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

from oms_fix.fix.config import SessionConfig
from oms_fix.fix.registry import SessionRegistry
from oms_fix.fix.session import Session
from oms_fix.fix.store import MemoryStore, MessageStore
from oms_fix.fix.utctime import format_ns
from oms_fix.live.acceptor import FixAcceptor
from oms_fix.live.clock import LiveClock
from oms_fix.live.initiator import FixInitiator
from oms_fix.live.loop import run as run_loop
from oms_fix.live.stores import file_store_factory
from oms_fix.runid import run_id

from .config import VenuesConfig, VenuesConfigError, load_venues_config
from .control import VenueControl, serve_control
from .flow import BackgroundMarket
from .gateway import VenueGateway
from .instruments import DEFAULT_INSTRUMENTS, Instrument, InstrumentsError, load_instruments
from .reference import ReferenceBook, ReferenceClient
from .scenario_timeline import ScenarioError, parse_scenario
from .venues import Venue, VenueSpec, flow_slots

__all__ = ["build_venue", "main", "venue_registry"]

_NS = 1_000_000_000


def build_venue(cfg: VenuesConfig, name: str, instruments: dict[str, Instrument], start_ns: int,
                seed: int, run_id: str = "") -> Venue:
    """The venue ``name`` with its share of the shared background market."""
    specs = cfg.specs()
    spec = next(s for s in specs if s.name == name)
    flow = _flow(spec, specs, instruments, start_ns, seed, cfg.flow_rate)
    slots = flow_slots(specs)[name]
    return Venue(spec, instruments, start_ns, flow, slots[0], slots[1], run_id)


def _flow(spec: VenueSpec, specs: list[VenueSpec], instruments: dict[str, Instrument], start_ns: int,
          seed: int, rate: float = 1.0) -> BackgroundMarket | None:
    if not (spec.flow_share or spec.makers or spec.kind == "mm"):
        return None
    # The day of the exchange (if any) shapes everyone's volume: the same for every process.
    # Orders arrive in the calls too, so the auctions have something to uncross.
    day = next((s.day for s in specs if s.day is not None), None)
    open_ns, close_ns = day.trading_window(start_ns) if day else (start_ns, start_ns + 6 * 3600 * _NS)
    return BackgroundMarket(instruments, seed, start_ns, open_ns, close_ns, rate,
                            day_length_ns=day.length_ns if day else None)


async def serve(cfg: VenuesConfig, name: str, seed: int, start_ns: int, state_dir: Path,
                port: int | None, stats_every_s: float, *, control_port: int | None = None,
                scenarios: Sequence[tuple[str, str]] = (), not_again: Sequence[str] = ()) -> None:
    instruments = load_instruments(cfg.instruments or DEFAULT_INSTRUMENTS)
    venue = build_venue(cfg, name, instruments, start_ns, seed, run_id(time.time_ns()))
    spec = venue.spec
    clock = LiveClock()
    log_dir = state_dir / name / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    fault_log = open(log_dir / f"{name}.faults.log", "a", encoding="utf-8")

    def on_event(text: str) -> None:
        print(f"{name}: {text}", flush=True)
        fault_log.write(f"{format_ns(clock.now_ns()).decode()} {name}: {text}\n")
        fault_log.flush()

    gateway = VenueGateway(venue, clock, seed=seed, on_event=on_event)
    for armed in cfg.venues[name].faults:
        gateway.arm(armed.kind, armed.params, armed.scope.scope(start_ns))
    control = VenueControl(name, spec.kind, gateway, venue.engines)
    # Every scenario is checked before anything listens: a wrong file stops the venue, naming the key.
    timelines = [parse_scenario(text, source, venue.engines) for source, text in scenarios]
    registry = venue_registry(spec, file_store_factory(state_dir / name / "store"), cfg.heartbeat_s)
    acceptor = FixAcceptor(registry, gateway, spec.host, spec.port if port is None else port,
                           log_dir=state_dir / name / "log", message_log=cfg.message_log,
                           on_note=lambda text: print(f"{name}: {text}", flush=True))
    acceptor.logon_gate = gateway.logon_gate
    try:
        await acceptor.start()
    except OSError as e:
        raise VenuesConfigError(f"cannot listen on {spec.host}:{spec.port}: {e.strerror}") from None
    control.fix_endpoint = acceptor.describe()
    cport = cfg.control_port(name, port) if control_port is None else control_port
    try:
        api = await serve_control(control, spec.host, cport, clock.now_ns)
    except OSError as e:
        await acceptor.stop()
        raise VenuesConfigError(f"cannot listen for the control API on {spec.host}:{cport}: {e.strerror} "
                                f"(venues.{name}.control_port, or --control-port)") from None
    initiators = _reference_feed(cfg, venue, gateway, state_dir)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # Before the ready line: whoever waits for it (oms-fix venues, a test) finds the scenarios running, and
    # their lines printed ahead of it.
    for scenario in timelines:
        control.start(scenario, clock.now_ns())
    for source in not_again:
        on_event(f"scenario {source} not run again after the restart (its timeline would start over from 0 s); "
                 "load it through the control API to run it anew")
    print(f"ready {acceptor.describe()} {spec.kind} as {name} control {control.url}", flush=True)
    tick_s = cfg.tick_ms / 1000
    next_stats = time.monotonic() + stats_every_s
    lit = spec.kind in ("exchange", "ecn", "mm")
    last_ref: dict[str, tuple[int | None, int | None]] = {}
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), tick_s)
        except asyncio.TimeoutError:
            pass
        if lit:  # pegs on a lit venue track its own best bid and offer
            for symbol in venue.engines:
                bbo = venue.own_bbo(symbol)
                if last_ref.get(symbol) != bbo:
                    last_ref[symbol] = bbo
                    gateway.set_reference(symbol, *bbo)
        control.tick(clock.now_ns())  # before the gateway's tick: what a scenario arms applies from this tick
        gateway.tick()
        if time.monotonic() >= next_stats:
            next_stats += stats_every_s
            sessions = sum(1 for c in acceptor.connections.values() if c.connected)
            print(f"{name}: {venue.phase.name.lower()}, {sessions} session(s), "
                  f"{gateway.orders_handled} client orders, {gateway.trades} trades ({gateway.volume} shares)",
                  flush=True)
    print(f"{name}: stopping", flush=True)
    await api.stop()
    for f in gateway.faults.unfired(clock.now_ns()) + gateway.faults.pending(clock.now_ns()):
        on_event(f"fault {f['id']} {f['kind']} never fired ({f.get('why', 'still armed at the stop')})")
    fault_log.close()
    for ini in initiators:
        await ini.stop()
    await acceptor.stop()
    print(f"{name}: stopped", flush=True)


def venue_registry(spec: VenueSpec, stores: Callable[[SessionConfig], MessageStore],
                   heartbeat_s: int = 30) -> SessionRegistry:
    """Sessions for every peer CompID the venue's ``accept`` globs admit, each with its own store."""
    registry = SessionRegistry(stores)
    template = SessionConfig(sender_comp_id=spec.name, target_comp_id="*", role="acceptor", heartbeat_s=heartbeat_s)
    for glob in spec.accept:
        registry.add_pattern(glob, template)
    return registry


def _reference_feed(cfg: VenuesConfig, venue: Venue, gateway: VenueGateway, state_dir: Path) -> list[FixInitiator]:
    """Dark, cross and market maker venues price off the lit venues' books, read over FIX."""
    if venue.spec.kind not in ("dark", "cross", "mm"):
        return []
    book = ReferenceBook()
    fallback = venue.flow

    def changed(symbol: str) -> None:
        bid, ask = book.nbbo(symbol)
        if (bid is None or ask is None) and fallback is not None:
            fv = int(fallback.fair_value(symbol))  # no lit market: fair value +/- a tick
            bid, ask = fv, fv + 1
        gateway.set_reference(symbol, bid, ask)

    out = []
    for src in cfg.reference_sources(venue.name):
        other = cfg.venues[src]
        session = Session(SessionConfig(sender_comp_id=f"{venue.name}-REF", target_comp_id=src, role="initiator",
                                        heartbeat_s=cfg.heartbeat_s, reset_on_logon=True), MemoryStore())
        ini = FixInitiator(session, ReferenceClient(src, book, venue.pricing, changed), cfg.host, other.port,
                           log_dir=state_dir / venue.name / "log", message_log=False, max_backoff_s=5.0)
        ini.start()
        out.append(ini)
    if not out:
        for symbol in venue.engines:
            changed(symbol)
    return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m sim_venues.serve", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--venue", required=True, help="the venue's name in the config, e.g. EXCH")
    p.add_argument("--config", type=Path, help="venues config (default: config/venues.yaml)")
    p.add_argument("--seed", type=int, help="background market seed (default: the config's)")
    p.add_argument("--start-ns", type=int, help="the shared start of the trading day, ns since the epoch (default: now)")
    p.add_argument("--state-dir", type=Path, help="stores and logs (default: the config's state_dir)")
    p.add_argument("--port", type=int, help="listen here instead of the configured port (0: any free port)")
    p.add_argument("--stats-every", type=float, default=30.0, metavar="S", help="seconds between figure lines")
    p.add_argument("--control-port", type=int, help="the control API's port instead of the configured one "
                                                     "(default: the FIX port + 100; 0: any free port)")
    p.add_argument("--scenario", type=Path, action="append", default=[], metavar="FILE",
                   help="a venue scenario (config/scenarios/venue/*.yaml) to run from the start; repeatable")
    p.add_argument("--restart", type=int, default=0, metavar="N",
                   help="this is restart N after a crash (oms-fix venues passes it): --scenario is not run again")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        cfg = load_venues_config(args.config)
        if args.venue not in cfg.venues:
            raise VenuesConfigError(f"{args.config or 'config/venues.yaml'}: venues: no venue {args.venue!r} "
                                    f"(configured: {', '.join(cfg.venues)})")
        seed = cfg.seed if args.seed is None else args.seed
        start_ns = args.start_ns or time.time_ns()
        scenarios = [] if args.restart else [(str(p), _read(p)) for p in args.scenario]
        not_again = [str(p) for p in args.scenario] if args.restart else []
        run_loop(serve(cfg, args.venue, seed, start_ns, args.state_dir or cfg.state_dir, args.port, args.stats_every,
                       control_port=args.control_port, scenarios=scenarios, not_again=not_again))
    except (VenuesConfigError, InstrumentsError, ScenarioError) as e:
        print(f"{args.venue}: {e}", file=sys.stderr, flush=True)
        return 2
    return 0


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise ScenarioError(f"{path}: {e.strerror.lower() if e.strerror else e}") from None


if __name__ == "__main__":
    sys.exit(main())
