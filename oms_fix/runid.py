"""A process's run id: its start in milliseconds, base 36 (``MWWKA2Z0``).

Ids a process hands out (a venue's OrderIDs and ExecIDs, the OMS's order ids,
the trade client's ClOrdIDs) carry it, so a restart never repeats an id the
last run used. The caller passes the start time: reading the clock is its job.
"""

from __future__ import annotations

__all__ = ["run_id"]

_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def run_id(start_ns: int) -> str:
    n, digits = start_ns // 1_000_000, ""
    while n:
        n, d = divmod(n, 36)
        digits = _DIGITS[d] + digits
    return digits or "0"
