"""The limits the risk engine enforces, as plain values (config/risk.yaml is read by ``oms_fix.risk_config``).

A limit of ``None`` means no limit. Limits resolve defaults -> account ->
(account, symbol): an override names only the limits it changes, and an
explicit ``None`` in an override lifts the limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import Any

__all__ = ["ACCOUNT_ONLY", "LIMIT_NAMES", "Limits", "RiskConfig", "Throttle"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    max_order_qty: int | None = None        # shares in one order
    max_order_value: Decimal | None = None  # qty x price (market orders: the collar's upper bound)
    collar_pct: Decimal | None = None       # percent either side of the reference price
    collar_ticks: int | None = None         # ticks either side; with collar_pct, the wider band wins
    max_long: int | None = None             # position + working buys
    max_short: int | None = None            # -(position - working sells), a positive number
    max_daily_volume: int | None = None     # shares filled today + working, both sides
    max_daily_trades: int | None = None     # fills today; at the limit no new order is taken
    credit_limit: Decimal | None = None     # per account: gross notional of positions and working orders


LIMIT_NAMES = frozenset(f.name for f in fields(Limits))
# Limits that only make sense for a whole account, never for one symbol.
ACCOUNT_ONLY = frozenset({"credit_limit"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Throttle:
    """At most ``max_orders`` orders (new and replace) per session in any window of ``window_ns``."""

    max_orders: int
    window_ns: int = 1_000_000_000


def _check_override(where: str, override: Mapping[str, Any]) -> None:
    unknown = set(override) - LIMIT_NAMES
    if unknown:
        raise ValueError(f"{where}: unknown limit(s) {', '.join(sorted(unknown))}")


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskConfig:
    defaults: Limits = Limits()
    accounts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    symbols: Mapping[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)
    restricted: frozenset[str] = frozenset()
    account_restricted: Mapping[str, frozenset[str]] = field(default_factory=dict)
    locates: Mapping[tuple[str, str], int] = field(default_factory=dict)
    throttle: Throttle | None = None
    # Per session: a Throttle replaces the default; None exempts the session.
    session_throttles: Mapping[str, Throttle | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for account, override in self.accounts.items():
            _check_override(f"account {account}", override)
        for (account, symbol), override in self.symbols.items():
            _check_override(f"account {account} symbol {symbol}", override)
            if ACCOUNT_ONLY & set(override):
                raise ValueError(f"account {account} symbol {symbol}: credit_limit applies to a whole account")

    def account_limits(self, account: str) -> Limits:
        return replace(self.defaults, **self.accounts.get(account, {}))

    def limits(self, account: str, symbol: str) -> Limits:
        return replace(self.account_limits(account), **self.symbols.get((account, symbol), {}))

    def is_restricted(self, account: str, symbol: str) -> bool:
        return symbol in self.restricted or symbol in self.account_restricted.get(account, ())

    def throttle_for(self, session: str) -> Throttle | None:
        return self.session_throttles[session] if session in self.session_throttles else self.throttle

    def with_limits(self, account: str, symbol: str, changes: Mapping[str, Any],
                    inherit: frozenset[str] = frozenset()) -> RiskConfig:
        """This config with ``changes`` written into the override of ``account`` (``"*"``: the defaults) or
        of (account, ``symbol``), and the limits in ``inherit`` taken out of it. ValueError as a file's
        check would raise it (an unknown limit, credit_limit for one symbol)."""
        if account == "*":
            if symbol or inherit:
                raise ValueError("the defaults are per account and inherit nothing")
            _check_override("defaults", changes)
            return replace(self, defaults=replace(self.defaults, **changes))
        _check_override(f"account {account}", {**changes, **dict.fromkeys(inherit)})

        def merged(old: Mapping[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in {**old, **changes}.items() if k not in inherit}

        if symbol:
            key = (account, symbol)
            return replace(self, symbols={**self.symbols, key: merged(self.symbols.get(key, {}))})
        return replace(self, accounts={**self.accounts, account: merged(self.accounts.get(account, {}))})

    def named_accounts(self) -> set[str]:
        return {*self.accounts, *self.account_restricted, *(a for a, _ in self.symbols), *(a for a, _ in self.locates)}
