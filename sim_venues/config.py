"""The venues configuration file (config/venues.yaml): load, check, override.

Errors name the file, the key and what is wrong, e.g.
``config/venues.yaml: venues.ECN.port: Input should be a valid integer``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from oms_fix.configfile import describe, read_mapping

from .daycycle import DayCycle
from .venues import KINDS, Fees, Halt, VenueSpec

__all__ = ["DEFAULT_VENUES", "VenuesConfig", "VenuesConfigError", "load_venues_config"]

DEFAULT_VENUES = Path(__file__).resolve().parents[1] / "config" / "venues.yaml"


class VenuesConfigError(Exception):
    pass


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Fees(_Model):
    maker_per_share: Decimal = Decimal(0)
    taker_per_share: Decimal = Decimal(0)
    auction_per_share: Decimal = Decimal(0)


class _Day(_Model):
    pre_open_s: float = Field(20.0, ge=0)
    continuous_s: float = Field(1800.0, gt=0)
    closing_auction_s: float = Field(20.0, ge=0)
    closed_s: float = Field(10.0, ge=0)


class _Halt(_Model):
    symbol: str
    at_s: float = Field(ge=0)
    for_s: float = Field(gt=0)


class _Venue(_Model):
    kind: str
    port: int = Field(ge=0, le=65535)
    accept: list[str] = ["*"]
    fees: _Fees = _Fees()
    day: _Day | None = None
    cross_every_s: float = Field(180.0, gt=0)
    flow_share: float = Field(0.0, ge=0)
    makers: bool = False
    halts: list[_Halt] = []
    reference_from: list[str] = []
    mm_half_spread_ticks: int = Field(2, ge=1)
    mm_size: int = Field(500, gt=0)
    mm_skew_ticks_per_lot: float = Field(0.5, ge=0)
    maker_levels: int = Field(5, ge=1, le=50)

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in KINDS:
            raise ValueError(f"must be one of {', '.join(KINDS)}")
        return v


class VenuesConfig(_Model):
    host: str = "127.0.0.1"
    seed: int = 42
    state_dir: Path = Path("var/venues")
    instruments: Path | None = None
    heartbeat_s: int = Field(30, ge=0)
    message_log: bool = True
    tick_ms: int = Field(50, gt=0)
    flow_rate: float = Field(1.0, ge=0)
    venues: dict[str, _Venue]

    def specs(self) -> list[VenueSpec]:
        out = []
        for name, v in self.venues.items():
            day = DayCycle(v.day.pre_open_s, v.day.continuous_s, v.day.closing_auction_s, v.day.closed_s) \
                if v.day is not None else (DayCycle() if v.kind == "exchange" else None)
            out.append(VenueSpec(
                name=name, kind=v.kind, port=v.port, host=self.host, accept=tuple(v.accept),
                fees=Fees(v.fees.maker_per_share, v.fees.taker_per_share, v.fees.auction_per_share),
                day=day, cross_every_s=v.cross_every_s, flow_share=v.flow_share, makers=v.makers,
                halts=tuple(Halt(h.symbol, h.at_s, h.for_s) for h in v.halts),
                mm_half_spread_ticks=v.mm_half_spread_ticks, mm_size=v.mm_size,
                mm_skew_ticks_per_lot=v.mm_skew_ticks_per_lot, maker_levels=v.maker_levels))
        return out

    def reference_sources(self, name: str) -> list[str]:
        """The lit venues whose books make this venue's reference NBBO (default: every exchange and ECN)."""
        v = self.venues[name]
        if v.reference_from:
            return v.reference_from
        return [n for n, o in self.venues.items() if o.kind in ("exchange", "ecn") and n != name]


def load_venues_config(path: Path | None = None, overrides: dict[str, Any] | None = None) -> VenuesConfig:
    path = path or DEFAULT_VENUES
    data = read_mapping(path, VenuesConfigError)
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        cfg = VenuesConfig.model_validate(data)
    except ValidationError as e:
        raise VenuesConfigError(describe(path, e)) from None
    for name, v in cfg.venues.items():
        for src in v.reference_from:
            if src not in cfg.venues:
                raise VenuesConfigError(f"{path}: venues.{name}.reference_from: {src!r} is not a configured venue")
    ports = [v.port for v in cfg.venues.values() if v.port]
    if len(ports) != len(set(ports)):
        raise VenuesConfigError(f"{path}: venues: two venues share a port ({sorted(ports)})")
    if cfg.instruments is not None and not cfg.instruments.is_absolute():
        cfg.instruments = path.parent / cfg.instruments
    return cfg
