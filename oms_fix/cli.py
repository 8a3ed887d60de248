"""The `oms-fix` command."""

from __future__ import annotations

import argparse
import sys

from . import __version__
from .commands import bench, client, hashpw, kill, sim, up, venue_ctl, venues

__all__ = ["main"]

_COMMANDS = {"up": up, "venues": venues, "client": client, "bench": bench, "hash-password": hashpw,
             "kill": kill, "sim": sim, "venue-ctl": venue_ctl}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oms-fix",
        description="A FIX 4.4 order and execution management system with simulated venues.",
    )
    parser.add_argument("--version", action="version", version=f"oms-fix {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in _COMMANDS.items():
        p = sub.add_parser(name, help=module.HELP, description=module.__doc__,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(p)
        p.set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
