"""Run the simulated venues, each a FIX 4.4 acceptor in its own process.

Starts every venue in config/venues.yaml (or those named with --only), waits
until each is listening, prints their endpoints, relays their output prefixed
with the venue's name, and restarts a venue whose process dies (at most
--max-restarts times in a row, backing off). All venues share one trading-day
start and one seed, so their background markets walk the same fair values.
Ctrl-C or SIGTERM stops them all cleanly: each logs its sessions out and
flushes its stores.

Each venue also serves its control API on loopback (the FIX port + 100 unless
venues.yaml says `control_port`), for `oms-fix venue-ctl`; `--scenario
EXCH=FILE` runs a venue scenario (config/scenarios/venue/*.yaml) from the start.
Every scenario file is checked before any venue starts. A venue restarted
after a crash does not run its scenario again (its timeline would start over
from 0 s, halting or busting at times nobody asked for); it says so in its
output and its event log, and `oms-fix venue-ctl EXCH load FILE` runs it anew.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from sim_venues.config import VenuesConfig, VenuesConfigError, load_venues_config
from sim_venues.instruments import DEFAULT_INSTRUMENTS, InstrumentsError, load_instruments
from sim_venues.scenario_timeline import ScenarioError, parse_scenario

from ..live.loop import run as run_loop
from ..live.supervisor import VenueSupervisor

HELP = "run the simulated venues (exchange, ECN, dark pool, crossing network, market maker)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="venues config (default: config/venues.yaml)")
    p.add_argument("--seed", type=int, help="background market seed (default: the config's)")
    p.add_argument("--state-dir", type=Path, help="stores and logs (default: the config's state_dir, var/venues)")
    p.add_argument("--only", help="comma-separated venue names to start, e.g. EXCH,DARK")
    p.add_argument("--ready-timeout", type=float, default=30.0, metavar="S",
                   help="seconds to wait for each venue to listen (default 30)")
    p.add_argument("--max-restarts", type=int, default=5, help="restarts of a crashing venue before giving up")
    p.add_argument("--stats-every", type=float, default=30.0, metavar="S",
                   help="seconds between each venue's line of figures (default 30)")
    add_scenario_argument(p)


def add_scenario_argument(p: argparse.ArgumentParser) -> None:
    """`--scenario VENUE=FILE`, for `oms-fix venues` and `oms-fix up` alike; read with ``scenario_files``."""
    p.add_argument("--scenario", action="append", default=[], metavar="VENUE=FILE",
                   help="run this venue scenario (config/scenarios/venue/*.yaml) at VENUE from its start (not "
                        "again if the venue is restarted after a crash); repeatable")


async def supervise(cfg: VenuesConfig, names: list[str], args: argparse.Namespace) -> int:
    sup = VenueSupervisor(cfg, names, seed=args.seed, config_path=args.config, state_dir=args.state_dir,
                          stats_every_s=args.stats_every, max_restarts=args.max_restarts,
                          ready_timeout_s=args.ready_timeout, scenarios=args.scenarios)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    failed = await sup.start()
    if failed:
        print(f"oms-fix venues: {failed}; stopping the others", file=sys.stderr, flush=True)
        return 1
    for line in sup.describe():
        print(line, flush=True)
    print("Ctrl-C to stop.", flush=True)
    code = await sup.watch(stop)
    await sup.stop()
    print("venues stopped", flush=True)
    return code


def run(args: argparse.Namespace) -> int:
    try:
        cfg = load_venues_config(args.config)
        names = list(cfg.venues)
        if args.only:
            names = [n.strip() for n in args.only.split(",") if n.strip()]
            unknown = [n for n in names if n not in cfg.venues]
            if unknown:
                raise VenuesConfigError(f"--only: no venue {', '.join(unknown)} in {args.config or 'config/venues.yaml'} "
                                        f"(configured: {', '.join(cfg.venues)})")
        args.scenarios = scenario_files(args.scenario, cfg, names)
    except VenuesConfigError as e:
        print(f"oms-fix venues: {e}", file=sys.stderr)
        return 2
    return int(run_loop(supervise(cfg, names, args)) or 0)


def scenario_files(specs: list[str], cfg: VenuesConfig, names: list[str]) -> dict[str, list[Path]]:
    """``VENUE=FILE`` pairs by venue. Each file is read and checked here, against the instruments the venues
    trade, so that a wrong one stops the command before any venue starts; ``VenuesConfigError`` naming the
    pair and, for a wrong file, the key (the venue process checks it again, as it does when run alone)."""
    out: dict[str, list[Path]] = {}
    symbols: list[str] | None = None
    for spec in specs:
        venue, sep, file = spec.partition("=")
        if not sep or not venue or not file:
            raise VenuesConfigError(f"--scenario {spec!r}: give VENUE=FILE, e.g. EXCH=config/scenarios/venue/"
                                    "reject_storm.yaml")
        if venue not in names:
            raise VenuesConfigError(f"--scenario {spec!r}: {venue} is not among the venues started "
                                    f"({', '.join(names)})")
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise VenuesConfigError(f"--scenario {spec!r}: {file}: no such file") from None
        except UnicodeDecodeError:
            raise VenuesConfigError(f"--scenario {spec!r}: {file}: not UTF-8 text") from None
        except OSError as e:
            raise VenuesConfigError(f"--scenario {spec!r}: {file}: {(e.strerror or str(e)).lower()}") from None
        if symbols is None:
            try:  # every venue trades every instrument of the venues config
                symbols = list(load_instruments(cfg.instruments or DEFAULT_INSTRUMENTS))
            except InstrumentsError as e:
                raise VenuesConfigError(str(e)) from None
        try:
            parse_scenario(text, file, symbols)
        except ScenarioError as e:
            raise VenuesConfigError(f"--scenario {spec!r}: {e}") from None
        out.setdefault(venue, []).append(path.resolve())
    return out
