"""The venues configuration file (config/venues.yaml): load, check, override.

Errors name the file, the key and what is wrong, e.g.
``config/venues.yaml: venues.ECN.port: Input should be a valid integer``.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from oms_fix.configfile import describe, read_mapping

from .daycycle import DayCycle
from .fault_kinds import IMMEDIATE, FaultError, Scope, check_params, check_scope
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


class _FaultScope(_Model):
    symbol: str | None = None
    session: str | None = None
    count: int | None = Field(None, ge=1)
    start_s: float | None = Field(None, ge=0)  # seconds after the venue starts
    end_s: float | None = Field(None, gt=0)
    probability: float = Field(1.0, ge=0, le=1)

    def scope(self, start_ns: int) -> Scope:
        def at(s: float | None) -> int | None:
            return None if s is None else start_ns + int(s * 1e9)
        return Scope(self.symbol, self.session, self.count, at(self.start_s), at(self.end_s), self.probability)


class _Fault(_Model):
    """A fault armed when the venue starts (sim_venues/faults.py has the kinds and their params)."""

    kind: str
    params: dict[str, Any] = {}
    scope: _FaultScope = _FaultScope()

    @model_validator(mode="after")
    def _check(self) -> "_Fault":
        if self.kind in IMMEDIATE:
            raise ValueError(f"{self.kind} is an immediate operation, not a fault to arm")
        try:
            check_params(self.kind, self.params)
            s = self.scope
            check_scope(self.kind, symbol=s.symbol, session=s.session, count=s.count, probability=s.probability)
        except FaultError as e:
            raise ValueError(str(e)) from None
        return self


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
    faults: list[_Fault] = []
    # The control API (sim_venues/control.py). None: the FIX port + 100 (EXCH 9881 -> 9981); 0: any free port.
    control_port: int | None = Field(None, ge=0, le=65535)

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

    def control_port(self, name: str, fix_port: int | None = None) -> int:
        """The venue's control API port; ``fix_port`` is the FIX port it really listens on if not the
        configured one (``--port``): a venue moved to any free port gets its control API on one too."""
        v = self.venues[name]
        if v.control_port is not None:
            return v.control_port
        env = os.environ.get("OMS_FIX_VENUE_CONTROL_PORT")
        if env is not None and env.strip().isdigit():
            # A port (0: any free one) for every venue whose config names none: the test suite's, so
            # a venue on a free FIX port never meets another process at that port + 100.
            return int(env)
        port = v.port if fix_port is None else fix_port
        return port + 100 if port else 0

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
    ports = [p for name, v in cfg.venues.items() for p in (v.port, cfg.control_port(name)) if p]
    if len(ports) != len(set(ports)):
        raise VenuesConfigError(f"{path}: venues: two venues share a port (FIX and control ports: {sorted(ports)})")
    if cfg.instruments is not None and not cfg.instruments.is_absolute():
        cfg.instruments = path.parent / cfg.instruments
    return cfg
