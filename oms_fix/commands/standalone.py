"""A command run without the `oms-fix` front door (`python -m oms_fix.commands.client ...`).

Tests and scripts start a command this way to skip importing every other
command; the parser is built as oms_fix/cli.py builds the subcommand's, so
--help reads the same either way.
"""

from __future__ import annotations

import argparse
from typing import Callable

__all__ = ["run_alone"]


def run_alone(name: str, doc: str | None, add_arguments: Callable[[argparse.ArgumentParser], None],
              run: Callable[[argparse.Namespace], int], argv: list[str] | None = None) -> int:
    """``name`` as the user types it after `oms-fix`; ``doc`` the command module's docstring."""
    p = argparse.ArgumentParser(prog=f"oms-fix {name}", description=doc,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(p)
    return int(run(p.parse_args(argv)) or 0)
