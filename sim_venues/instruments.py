"""The instruments the simulated venues trade (config/instruments.yaml).

Prices are exact ``Decimal`` here, at the edge, and integer ticks everywhere
inside (books, engines, flow). Errors name the file, the key and what is wrong,
e.g. ``config/instruments.yaml: instruments.TSLA.tick_size: must be greater than 0``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from oms_fix.configfile import load_model

__all__ = ["DEFAULT_INSTRUMENTS", "Instrument", "InstrumentsError", "load_instruments"]

DEFAULT_INSTRUMENTS = Path(__file__).resolve().parents[1] / "config" / "instruments.yaml"


class InstrumentsError(Exception):
    """The instruments file is missing, is not YAML or holds a bad value."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Instrument:
    symbol: str
    tick_size: Decimal
    reference_price: Decimal
    annual_volatility: float
    adv_shares: int
    lot_size: int

    @property
    def reference_ticks(self) -> int:
        return self.to_ticks(self.reference_price)

    def to_ticks(self, price: str | float | Decimal) -> int:
        """The exact number of ticks in ``price``; a price between two ticks is a ValueError."""
        d = _decimal(price)
        if d is None:
            raise ValueError(f"{self.symbol}: price {price!r} is not a number")
        ticks = d / self.tick_size
        if ticks != ticks.to_integral_value():
            raise ValueError(f"{self.symbol}: price {price} is not a multiple of the tick {self.tick_size}")
        return int(ticks)

    def from_ticks(self, ticks: int) -> Decimal:
        return (self.tick_size * ticks).quantize(self.tick_size)

    def format_px(self, ticks: int) -> str:
        """The price as FIX text, with the tick's number of places: 19000 -> "190.00"."""
        return str(self.from_ticks(ticks))


def _decimal(value: object) -> Decimal | None:
    """A finite Decimal from str, int, float (via its shortest repr, so 0.01 stays 0.01) or Decimal."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        return None
    try:
        d = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    tick_size: Decimal
    reference_price: Decimal
    annual_volatility: float
    adv_shares: int
    lot_size: int = 100

    @field_validator("tick_size", "reference_price", mode="before")
    @classmethod
    def _exact(cls, v: Any) -> Decimal:
        d = _decimal(v)
        if d is None:
            raise ValueError(f"must be a decimal number, not {v!r}")
        if d <= 0:
            raise ValueError("must be greater than 0")
        return d

    @field_validator("annual_volatility", mode="before")
    @classmethod
    def _vol(cls, v: Any) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"must be a number such as 0.25 (25% a year), not {v!r}")
        if not 0 < v <= 5:
            raise ValueError(f"must be a fraction a year between 0 and 5, not {v!r}")
        return float(v)

    @field_validator("adv_shares", "lot_size")
    @classmethod
    def _positive(cls, v: int) -> int:
        if v <= 0:
            raise ValueError("must be greater than 0")
        return v

    @model_validator(mode="after")
    def _on_tick(self) -> _Spec:
        ticks = self.reference_price / self.tick_size
        if ticks != ticks.to_integral_value():
            raise ValueError(f"reference_price {self.reference_price} is not a multiple of tick_size {self.tick_size}")
        return self


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instruments: dict[str, _Spec]

    @field_validator("instruments")
    @classmethod
    def _some(cls, v: dict[str, _Spec]) -> dict[str, _Spec]:
        if not v:
            raise ValueError("lists no instruments")
        return v


def load_instruments(path: str | Path = DEFAULT_INSTRUMENTS) -> dict[str, Instrument]:
    """Read and check the file; the result maps symbol -> Instrument in the file's order."""
    path = Path(path)
    parsed = load_model(path, _File, InstrumentsError)
    return {
        symbol: Instrument(
            symbol=symbol,
            tick_size=spec.tick_size,
            reference_price=spec.reference_price,
            annual_volatility=spec.annual_volatility,
            adv_shares=spec.adv_shares,
            lot_size=spec.lot_size,
        )
        for symbol, spec in parsed.instruments.items()
    }
