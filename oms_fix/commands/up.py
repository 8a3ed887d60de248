"""Run oms-fix: the simulated venues, the OMS with its venue links, the client and drop copy acceptors.

The venues run as `oms-fix venues` would run them, each in its own process
(--no-venues if you run them yourself, or none). The OMS logs on to each
configured venue, keeps the consolidated book from their market data, and
takes orders from clients on 127.0.0.1:9878 (CLIENT1..CLIENT4 or a --accept
pattern): validation, risk (config/risk.yaml), routing to the venues as child
orders, fills back to the client, a copy of every ExecutionReport to the drop
copy sessions, every step journaled in var/oms.db before it is acknowledged.
On start the journal is replayed: orders, positions and risk counters come
back as they were, and every venue's open child orders are reconciled by
OrderStatusRequest when its link logs on.
The REST API and the blotter are served on 127.0.0.1:8080 on the same event
loop (oms_fix/api; --api-port, --no-api).
--scenario EXCH=FILE runs a venue scenario at that venue from its start, as
`oms-fix venues --scenario` does (see `oms-fix venues --help`).
Ctrl-C or SIGTERM logs every session out, stops the venues and flushes the stores.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import signal
import sys
import time
from pathlib import Path

from ..fix.registry import SessionRegistry
from ..live.acceptor import FixAcceptor
from ..live.connection import Application
from ..live.loop import run as run_loop
from ..settings import ConfigError, OmsSettings, Pattern, load_settings
from ..live.stores import file_store_factory
from ..live.supervisor import VenueSupervisor
from .venues import add_scenario_argument, scenario_files
from ..live.venue_links import VenueLinks
from ..live.clock import LiveClock
from ..runid import run_id
from ..live.algo_timers import AlgoTimers
from ..live.tls import TlsError, server_context
from ..live.oms_app import DropCopyApp, OmsRuntime
from ..live.control import ControlServer, control_path
from ..live.recovery import RecoveryError
from ..engine.oms import Oms
from ..api.app import BASE, create_app
from ..api.server import ApiServer
from ..api.service import ApiService
from ..api.users import UsersError, load_users
from ..engine.oms_types import InstrumentRules, VenueRule
from ..engine.risk import RiskEngine
from ..marketdata.consolidated import ConsolidatedBook
from ..marketdata.quality import MarketWatch
from ..risk_config import DEFAULT_RISK_CONFIG, RiskConfigError, load_risk_config
from ..store.journal import Journal, JournalError
from sim_venues.config import VenuesConfigError, load_venues_config
from sim_venues.instruments import DEFAULT_INSTRUMENTS, InstrumentsError, load_instruments

HELP = "run the system: venues, the OMS's venue links and its FIX acceptors"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="OMS config file (default: config/oms.yaml)")
    p.add_argument("--state-dir", help="where stores and logs live (default: var/; env OMS_FIX_STATE_DIR)")
    p.add_argument("--port", type=int, help="client acceptor port (default 9878; env OMS_FIX_CLIENT_PORT)")
    p.add_argument("--drop-copy-port", type=int, help="drop copy port (default 9879; env OMS_FIX_DROP_COPY_PORT)")
    p.add_argument("--accept", action="append", default=[], metavar="GLOB=ACCOUNT",
                   help="accept any SenderCompID matching GLOB as a session trading for ACCOUNT (repeatable)")
    p.add_argument("--seed", type=int, help="the venues' background market seed (default: venues.yaml's)")
    p.add_argument("--venues-config", type=Path, help="venues config (default: config/venues.yaml)")
    p.add_argument("--no-venues", action="store_true", help="do not start the venues (run `oms-fix venues` yourself)")
    p.add_argument("--api-port", type=int, help="REST API port (default 8080; env OMS_FIX_API_PORT; 0: any free port)")
    p.add_argument("--no-api", action="store_true", help="do not serve the REST API and the blotter")
    add_scenario_argument(p)


def _settings(args: argparse.Namespace) -> OmsSettings:
    overrides: dict[str, object] = {}
    if args.state_dir:
        overrides["state_dir"] = args.state_dir
    if args.port is not None:
        overrides["clients.port"] = args.port
    if args.drop_copy_port is not None:
        overrides["drop_copy.port"] = args.drop_copy_port
    if args.api_port is not None:
        overrides["api.port"] = args.api_port
    if args.no_api:
        overrides["api.enabled"] = False
    settings = load_settings(args.config, overrides)
    if args.scenario and args.no_venues:
        raise ConfigError("--scenario runs at a venue `oms-fix up` starts: with --no-venues, give it to "
                          "`oms-fix venues` instead")
    for spec in args.accept:
        glob, sep, account = spec.partition("=")
        if not glob or not sep or not account:
            raise ConfigError(f"--accept {spec!r}: expected GLOB=ACCOUNT, e.g. 'CLT*=ACC001'")
        settings.clients.patterns.append(Pattern(pattern=glob, account=account))
    return settings


def _print_note(acceptor: str, text: str) -> None:
    print(f"  [{acceptor}] {text}", flush=True)


async def serve(settings: OmsSettings, args: argparse.Namespace) -> None:
    # Handlers first: a SIGTERM that arrives while starting up still stops cleanly.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    supervisor = None
    if not args.no_venues:
        try:
            vcfg = load_venues_config(args.venues_config)
            scenarios = scenario_files(args.scenario, vcfg, list(vcfg.venues))
        except VenuesConfigError as e:
            raise ConfigError(str(e)) from None
        supervisor = VenueSupervisor(vcfg, list(vcfg.venues), seed=args.seed, config_path=args.venues_config,
                                     state_dir=settings.state_dir / "venues", scenarios=scenarios)
        failed = await supervisor.start()
        if failed:
            raise ConfigError(f"venues: {failed}")
        for line in supervisor.describe():
            print(line, flush=True)
    try:
        await _serve_oms(settings, supervisor, stop)
    finally:
        if supervisor is not None:
            await supervisor.stop()
    print("stopped; stores flushed", flush=True)


async def _serve_oms(settings: OmsSettings, supervisor: VenueSupervisor | None, stop: asyncio.Event) -> None:
    state = settings.state_dir
    fix = settings.fix
    try:
        instruments = load_instruments(settings.instruments or DEFAULT_INSTRUMENTS)
        risk_config = load_risk_config(settings.risk or DEFAULT_RISK_CONFIG)
    except (InstrumentsError, RiskConfigError) as e:
        raise ConfigError(str(e)) from None
    state.mkdir(parents=True, exist_ok=True)
    try:
        journal = Journal.open(state / "oms.db", sync=settings.journal.sync)
    except JournalError as e:
        raise ConfigError(str(e)) from None
    risk = RiskEngine(risk_config, {s: i.reference_price for s, i in instruments.items()},
                      {s: i.tick_size for s, i in instruments.items()})
    links_book = ConsolidatedBook()
    oms = Oms({s: InstrumentRules(tick=i.tick_size, lot=i.lot_size) for s, i in instruments.items()}, risk,
              links_book, [VenueRule(name=v.name, lit=v.lit, dark=v.dark, taker_fee=v.taker_fee)
                           for v in settings.venues],
              routing=settings.routing.policy())
    runtime = OmsRuntime(oms, journal, LiveClock())
    api = None
    api_service: ApiService | None = None
    if settings.api.enabled:
        try:
            users = load_users(settings.api.users)
        except UsersError as e:
            journal.close()
            raise ConfigError(str(e)) from None
        if settings.api.tls_cert is not None and settings.api.tls_key is not None:
            try:
                server_context(settings.api.tls_cert, settings.api.tls_key)  # a clear error now, not at bind
            except TlsError as e:
                journal.close()
                raise ConfigError(f"api.tls_cert: {e}") from None
        # Before the replay: the API's history of every order's reports is rebuilt by it.
        api_service = ApiService(runtime)
        api_app = create_app(api_service, users)
        api = ApiServer(api_app, settings.api.host, settings.api.port, settings.api.tls_cert, settings.api.tls_key)
    try:
        got = runtime.recover()
    except RecoveryError as e:
        journal.close()
        raise ConfigError(f"{state / 'oms.db'}: {e}") from None
    if got.events:
        print(f"journal {state / 'oms.db'}: {got.events:,} events ({got.commands:,} commands, "
              f"{len(got.id_prefixes)} earlier runs) replayed in {got.seconds:.2f} s; "
              f"{got.candidates} messages to check against the session stores at their next logon", flush=True)
    runtime.begin(run_id(time.time_ns()) + "-", [v.name for v in settings.venues])
    acceptors: list[FixAcceptor] = []
    apps: dict[str, Application] = {"clients": runtime, "drop copy": DropCopyApp(runtime)}
    for name, acc_settings in (("clients", settings.clients), ("drop copy", settings.drop_copy)):
        registry = SessionRegistry(file_store_factory(state / "fix" / "store"), max_message_size=fix.max_message_size)
        for cfg in acc_settings.session_configs(fix):
            registry.add(cfg)
        for pattern, template in acc_settings.pattern_configs(fix):
            registry.add_pattern(pattern, template)
        tls = None
        if acc_settings.tls_cert is not None and acc_settings.tls_key is not None:
            try:
                tls = server_context(acc_settings.tls_cert, acc_settings.tls_key)
            except TlsError as e:
                for a in acceptors:
                    await a.stop()
                journal.close()
                raise ConfigError(f"{'clients' if name == 'clients' else 'drop_copy'}.tls_cert: {e}") from None
        acc = FixAcceptor(registry, apps[name], acc_settings.host, acc_settings.port,
                          log_dir=state / "fix" / "log", message_log=fix.message_log,
                          max_message_size=fix.max_message_size,
                          on_note=functools.partial(_print_note, name), tls=tls)
        try:
            await acc.start()
        except OSError as e:
            for a in acceptors:
                await a.stop()
            journal.close()
            raise ConfigError(f"cannot listen on {acc_settings.host}:{acc_settings.port} for {name}: {e.strerror}") from None
        acceptors.append(acc)
        runtime.adopt(acc, drop_copy=name == "drop copy")
        ids = ", ".join(c.target_comp_id for c in acc_settings.sessions)
        pats = ", ".join(f"{p.pattern} ({p.account})" for p in acc_settings.patterns)
        print(f"FIX 4.4 {name} acceptor on {acc.describe()} as {acc_settings.sender_comp_id}: "
              f"sessions {ids or 'none'}{'; patterns ' + pats if pats else ''}", flush=True)

    def venue_status(venue: str, up: bool) -> None:
        print(f"  venue {venue} {'up' if up else 'down'}", flush=True)
        runtime.on_venue_status(venue, up)

    links = VenueLinks(settings.venues, settings.clients.sender_comp_id, list(instruments),
                       file_store_factory(state / "fix" / "store"), state / "fix" / "log",
                       on_message=runtime.on_venue_message, on_status=venue_status, message_log=fix.message_log)
    links.book = links_book  # the core routes on the book the links keep current
    runtime.links = links
    runtime.timers = AlgoTimers(runtime, MarketWatch(links_book))
    rearmed = runtime.timers.rearm()
    if rearmed:
        print(f"algo orders working: {rearmed} (their ticks armed again)", flush=True)
    links.start()
    control = ControlServer(runtime, control_path(state))
    await control.start()
    if api is not None:
        try:
            await api.start()
        except OSError as e:
            await control.stop()
            for a in acceptors:
                await a.stop()
            await links.stop()
            journal.close()
            raise ConfigError(f"cannot listen on {settings.api.host}:{settings.api.port} for the REST API: "
                              f"{e.strerror or e}") from None
        print(f"REST API on {api.describe()}{BASE} (OpenAPI {api.describe()}/docs, blotter {api.describe()}/)",
              flush=True)
    marks = asyncio.create_task(runtime.mark_loop(links_book, list(instruments)))
    days = asyncio.create_task(runtime.day_loop(settings.trading_day.roll_utc))
    progress = asyncio.create_task(api_service.progress_loop()) if api_service is not None else None
    print(f"OMS venue links as {settings.clients.sender_comp_id} to "
          + ", ".join(f"{v.name} {v.host}:{v.port}" for v in settings.venues), flush=True)
    print(f"state in {state.resolve()} (journal {state / 'oms.db'}, stores {state / 'fix' / 'store'}, "
          f"logs {state / 'fix' / 'log'}); kill switch: oms-fix kill --state-dir {state} (socket {control.path})")
    print("Ctrl-C to stop.", flush=True)
    watch = asyncio.create_task(supervisor.watch(stop)) if supervisor else None
    await stop.wait()
    print("stopping: logging sessions out", flush=True)
    if api is not None:
        await api.stop()
        api_app.state.evidence.journal_pending()  # what it holds back to write in one commit
    await control.stop()
    marks.cancel()
    days.cancel()
    if progress is not None:
        progress.cancel()
    runtime.timers.stop()
    runtime.flush()
    for acc in acceptors:
        await acc.stop()
    await links.stop()
    runtime.flush()
    journal.close()
    if watch is not None:
        await watch


def run(args: argparse.Namespace) -> int:
    try:
        settings = _settings(args)
        run_loop(serve(settings, args))
    except ConfigError as e:
        print(f"oms-fix up: {e}", file=sys.stderr)
        return 2
    return 0
