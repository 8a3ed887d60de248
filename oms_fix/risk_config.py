"""The risk limits file (config/risk.yaml): load and check it into an engine ``RiskConfig``.

Errors name the file, the key and what is wrong, e.g.
``config/risk.yaml: accounts.ACC001.limits.max_order_qty: Input should be greater than or equal to 0``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .configfile import load_model
from .engine.risk_limits import ACCOUNT_ONLY, Limits, RiskConfig, Throttle

__all__ = ["DEFAULT_RISK_CONFIG", "RiskConfigError", "load_risk_config"]

DEFAULT_RISK_CONFIG = Path(__file__).resolve().parents[1] / "config" / "risk.yaml"


class RiskConfigError(Exception):
    """The risk file is missing, is not YAML or holds a bad value."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def _decimal(v: Any) -> Any:
    """Exact decimals from text, ints or floats (through their repr, so 0.1 stays 0.1); None passes."""
    if v is None or isinstance(v, Decimal):
        return v
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        raise ValueError(f"must be a decimal number, not {v!r}")
    try:
        d = Decimal(str(v))
    except ArithmeticError:
        raise ValueError(f"must be a decimal number, not {v!r}") from None
    if not d.is_finite():
        raise ValueError(f"must be a finite number, not {v!r}")
    return d


class _Limits(_Model):
    """Each field as in ``engine.risk_limits.Limits``; only the keys written here override."""

    max_order_qty: int | None = Field(None, ge=0)
    max_order_value: Decimal | None = Field(None, ge=0)
    collar_pct: Decimal | None = Field(None, gt=0, lt=100)
    collar_ticks: int | None = Field(None, gt=0)
    max_long: int | None = Field(None, ge=0)
    max_short: int | None = Field(None, ge=0)
    max_daily_volume: int | None = Field(None, ge=0)
    max_daily_trades: int | None = Field(None, ge=0)
    credit_limit: Decimal | None = Field(None, ge=0)

    _exact = field_validator("max_order_value", "collar_pct", "credit_limit", mode="before")(_decimal)

    def override(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.model_fields_set}


class _SymbolLimits(_Limits):
    @field_validator(*ACCOUNT_ONLY)
    @classmethod
    def _account_only(cls, v: Any) -> Any:
        raise ValueError("applies to a whole account: set it under the account's limits")


class _Account(_Model):
    limits: _Limits = _Limits()
    symbols: dict[str, _SymbolLimits] = {}
    restricted: list[str] = []
    locates: dict[str, int] = {}

    @field_validator("locates")
    @classmethod
    def _non_negative(cls, v: dict[str, int]) -> dict[str, int]:
        bad = [s for s, q in v.items() if q < 0]
        if bad:
            raise ValueError(f"negative locate for {', '.join(bad)}")
        return v


class _Throttle(_Model):
    max_orders: int | None = Field(None, ge=1)
    window_ms: int = Field(1000, ge=1)


class _ThrottleSection(_Throttle):
    sessions: dict[str, _Throttle] = {}


class _File(_Model):
    defaults: _Limits = _Limits()
    throttle: _ThrottleSection = _ThrottleSection()
    restricted: list[str] = []
    accounts: dict[str, _Account] = {}


def _throttle(t: _Throttle, default: _Throttle | None = None) -> Throttle | None:
    max_orders = t.max_orders if "max_orders" in t.model_fields_set or default is None else default.max_orders
    window_ms = t.window_ms if "window_ms" in t.model_fields_set or default is None else default.window_ms
    return Throttle(max_orders=max_orders, window_ns=window_ms * 1_000_000) if max_orders is not None else None


def load_risk_config(path: str | Path = DEFAULT_RISK_CONFIG) -> RiskConfig:
    path = Path(path)
    f = load_model(path, _File, RiskConfigError)
    return RiskConfig(
        defaults=Limits(**f.defaults.override()),
        accounts={a: acc.limits.override() for a, acc in f.accounts.items()},
        symbols={(a, s): lim.override() for a, acc in f.accounts.items() for s, lim in acc.symbols.items()},
        restricted=frozenset(f.restricted),
        account_restricted={a: frozenset(acc.restricted) for a, acc in f.accounts.items() if acc.restricted},
        locates={(a, s): q for a, acc in f.accounts.items() for s, q in acc.locates.items()},
        throttle=_throttle(f.throttle),
        session_throttles={s: _throttle(t, f.throttle) for s, t in f.throttle.sessions.items()},
    )
