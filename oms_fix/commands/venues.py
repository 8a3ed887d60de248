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
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from sim_venues.config import VenuesConfig, VenuesConfigError, load_venues_config

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
    p.add_argument("--scenario", action="append", default=[], metavar="VENUE=FILE",
                   help="run this venue scenario (config/scenarios/venue/*.yaml) at VENUE from its start; repeatable")


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
        args.scenarios = _scenarios(args.scenario, names)
    except VenuesConfigError as e:
        print(f"oms-fix venues: {e}", file=sys.stderr)
        return 2
    return int(run_loop(supervise(cfg, names, args)) or 0)


def _scenarios(specs: list[str], names: list[str]) -> dict[str, list[Path]]:
    """``VENUE=FILE`` pairs by venue; the venue process itself checks each file's content."""
    out: dict[str, list[Path]] = {}
    for spec in specs:
        venue, sep, file = spec.partition("=")
        if not sep or not venue or not file:
            raise VenuesConfigError(f"--scenario {spec!r}: give VENUE=FILE, e.g. EXCH=config/scenarios/venue/"
                                    "reject_storm.yaml")
        if venue not in names:
            raise VenuesConfigError(f"--scenario {spec!r}: {venue} is not among the venues started "
                                    f"({', '.join(names)})")
        path = Path(file)
        if not path.is_file():
            raise VenuesConfigError(f"--scenario {spec!r}: {file}: no such file")
        out.setdefault(venue, []).append(path.resolve())
    return out
