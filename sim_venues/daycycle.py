"""An exchange's trading day, shortened and repeating, so a laptop sees every phase.

A real day (pre-open, opening auction, 6.5 hours continuous, closing auction,
closed overnight) is too long to test against; the venue config gives each
phase a length in seconds and the day repeats from the venue's start time.
The opening auction is an instant (the uncross), so it has no length here.
Pure: the caller passes the time.
"""

from __future__ import annotations

from dataclasses import dataclass

from .orders import Phase

__all__ = ["DayCycle", "tradsesstatus"]

_NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class DayCycle:
    pre_open_s: float = 20.0
    continuous_s: float = 1800.0
    closing_auction_s: float = 20.0
    closed_s: float = 10.0

    @property
    def length_ns(self) -> int:
        return int((self.pre_open_s + self.continuous_s + self.closing_auction_s + self.closed_s) * _NS)

    def phase_at(self, start_ns: int, now: int) -> tuple[Phase, int, int]:
        """(phase, day number from 0, ns into the day) at ``now`` for a cycle that began at ``start_ns``."""
        length = self.length_ns
        day, into = divmod(max(0, now - start_ns), length) if length else (0, 0)
        edge = int(self.pre_open_s * _NS)
        if into < edge:
            return Phase.PRE_OPEN, day, into
        edge += int(self.continuous_s * _NS)
        if into < edge:
            return Phase.CONTINUOUS, day, into
        edge += int(self.closing_auction_s * _NS)
        if into < edge:
            return Phase.CLOSING_AUCTION, day, into
        return Phase.CLOSED, day, into

    def trading_window(self, start_ns: int) -> tuple[int, int]:
        """The first day's [start of pre-open, end of the closing auction): when orders arrive, calls included."""
        return start_ns, start_ns + int((self.pre_open_s + self.continuous_s + self.closing_auction_s) * _NS)

    def continuous_fraction(self, start_ns: int, now: int) -> float:
        """How far through continuous trading ``now`` is (0 before, 1 after): for the volume profile."""
        _, _, into = self.phase_at(start_ns, now)
        f = (into - self.pre_open_s * _NS) / (self.continuous_s * _NS) if self.continuous_s else 1.0
        return min(1.0, max(0.0, f))


# TradSesStatus (340) for each phase (FIX 4.4: 1 halted, 2 open, 3 closed, 4 pre-open, 5 pre-close).
_TRADSESSTATUS = {
    Phase.PRE_OPEN: "4", Phase.OPENING_AUCTION: "4", Phase.CONTINUOUS: "2", Phase.CLOSING_AUCTION: "5",
    Phase.CLOSED: "3", Phase.HALTED: "1",
}


def tradsesstatus(phase: Phase) -> str:
    return _TRADSESSTATUS[phase]


# SecurityTradingStatus (326) for one symbol's phase (FIX 4.4: 2 trading halt, 17 ready to trade, 18 not
# available for trading, 21 pre-open).
_SECURITY_STATUS = {Phase.HALTED: "2", Phase.CONTINUOUS: "17", Phase.PRE_OPEN: "21",
                    Phase.OPENING_AUCTION: "21", Phase.CLOSING_AUCTION: "17", Phase.CLOSED: "18"}


def securitystatus(phase: Phase) -> str:
    return _SECURITY_STATUS[phase]
