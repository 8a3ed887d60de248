"""A simulation scenario (config/scenarios/*.yaml): what runs, for how long, and the client orders.

Errors name the file, the key and what is wrong, as every config file's do
(``config/scenarios/smoke.yaml: orders[2].price: ...``). Paths in a scenario
are relative to it. The schema, every key but ``start``, ``duration_s`` and
``symbols`` optional:

    name: smoke                      # default: the file's stem
    description: ...
    start: 2026-03-02T14:30:00Z      # UTC; the exchange's day (its pre-open) starts here
    duration_s: 1800                 # simulated seconds; then the trading day rolls and the run drains
    symbols: [AAPL, MSFT]            # of the instruments file
    venues: [EXCH, ECN, DARK]        # default: every venue of the venues config
    oms_config: ../oms.yaml          # venue rules (lit or not), client sessions and accounts, risk file, day roll
    venues_config: ../venues.yaml    # venue kinds, fees, flow shares, makers
    instruments: ../instruments.yaml
    day: {pre_open_s: 30, continuous_s: 1740, closing_auction_s: 30, closed_s: 60}  # every exchange's day
    flow_rate: 1.0                   # background noise rate, times the default (default: the venues config's)
    tick_ms: 50                      # a venue advances (flow, phases, expiry) on this grid (default: the config's)
    marks_every_s: 1                 # the OMS marks every symbol to the consolidated mid this often
    sample_every_s: 10               # the report's price path: consolidated mid and last trade this often
    latency:                         # per hop: fixed + lognormal jitter (median jitter_us, log-sd sigma)
      client_oms: {fixed_us: 250, jitter_us: 50, sigma: 0.5}   # both ways
      oms_venue: {fixed_us: 150, jitter_us: 40}
      venue_oms: {fixed_us: 150, jitter_us: 40}                # execution reports and market data
      venue_venue: {fixed_us: 100, jitter_us: 30}              # the lit venues' top of book to DARK, CROSS, MM
    orders:                          # client parent orders
      - {at_s: 60, symbol: AAPL, side: buy, qty: 5000, type: limit, offset_ticks: 2, tif: day, client: CLIENT1}
    market:                          # moves of the background market's fair value, on top of its random walk
      - {at_s: 600, symbol: AAPL, trend_bps: 150, over_s: 900}   # +1.5% in total, evenly over 15 minutes
      - {at_s: 2400, symbol: MSFT, step_bps: -80}                # a jump of -0.8%
    venue_scenarios:                 # venue scenario files (config/scenarios/venue/*.yaml), run from the start
      EXCH: venue/reject_storm.yaml  # or a list of files
    venue_faults:                    # a venue scenario written here: its actions (or {description, actions})
      ECN: [{at_s: 300, kind: halt, params: {symbol: AAPL}}, {at_s: 330, kind: resume, params: {symbol: AAPL}}]

An order's ``side`` is buy, sell or short (Side 5); ``type`` limit (the
default) or market; a limit has either ``price`` (absolute) or
``offset_ticks``: the client prices off the consolidated mid it sees when it
sends, rounded to the tick on the passive side, then that many ticks towards
aggressive (negative: further passive). ``tif`` day (default), ioc, fok or
gtc; ``venue`` pins one (ExDestination); ``id`` is the ClOrdID (default
``P<n>``, n from 1 in file order). An algo order names its ``algo`` (twap,
vwap, pov, implementation_shortfall, iceberg, peg, hidden, display, adaptive,
momentum, mean_reversion, arbitrage) and its ``params`` as the client would
send them in TargetStrategyParameters (848), e.g.
``{algo: twap, params: {duration_minutes: 30, num_slices: 10}}``; POV takes
``participation_rate`` (849), iceberg ``max_floor`` (111).

A ``market`` entry moves one symbol's fair value (the background market's,
which its makers quote around and its noise traders price off), so a
scenario can make a price run away from an order on cue. ``trend_bps``
(with ``over_s``, seconds) drifts it by that many basis points in total,
evenly from ``at_s`` over ``over_s``; ``step_bps`` jumps it at ``at_s``.
Both act on the walk's one-second steps, which run in the exchange's
session only (a jump shows within the second, and a trend's part outside
the session is not applied), and both compound with the random walk: after
a trend the fair value is (1 + trend_bps/10000) times what it would have
been. Negative values move it down; the makers re-quote as on any move.

``venue_scenarios`` and ``venue_faults`` make a venue misbehave on cue, as
``oms-fix venues --scenario`` does (issue 7; the file format is
sim_venues/scenario_timeline.py's). Each is started at the simulation's
start and each action carried out at exactly ``start + at_s`` on the virtual
clock; the simulation checks them all before it runs (oms_fix/sim/venue_faults.py
says what it takes), and report.json lists every firing under ``venue_faults``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..configfile import load_model

__all__ = ["DaySpec", "LatencySpec", "MarketMove", "OrderSpec", "Scenario", "ScenarioError", "load_scenario"]

_NS = 1_000_000_000


class ScenarioError(Exception):
    """The scenario file is missing, is not YAML, holds a bad value, or names what the configs lack."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LatencySpec(_Model):
    fixed_us: float = Field(100.0, ge=0)
    jitter_us: float = Field(0.0, ge=0)
    sigma: float = Field(0.5, ge=0, le=3)


class Latencies(_Model):
    client_oms: LatencySpec = LatencySpec(fixed_us=250, jitter_us=50)
    oms_venue: LatencySpec = LatencySpec(fixed_us=150, jitter_us=40)
    venue_oms: LatencySpec = LatencySpec(fixed_us=150, jitter_us=40)
    venue_venue: LatencySpec = LatencySpec(fixed_us=100, jitter_us=30)


class DaySpec(_Model):
    pre_open_s: float = Field(0.0, ge=0)
    continuous_s: float = Field(gt=0)
    closing_auction_s: float = Field(0.0, ge=0)
    closed_s: float = Field(0.0, ge=0)


class OrderSpec(_Model):
    id: str = ""
    at_s: float = Field(ge=0)
    client: str = "CLIENT1"
    symbol: str
    side: Literal["buy", "sell", "short"]
    qty: int = Field(gt=0)
    type: Literal["limit", "market"] = "limit"
    price: Decimal | None = None
    offset_ticks: int | None = None
    tif: Literal["day", "ioc", "fok", "gtc"] = "day"
    venue: str | None = None
    algo: str | None = None  # an algo name (oms_fix/engine/algos): twap, vwap, pov, implementation_shortfall, ...
    params: dict[str, str | int | float] = {}  # its TargetStrategyParameters (848)
    participation_rate: Decimal | None = None  # ParticipationRate (849)
    max_floor: int | None = Field(None, gt=0)  # MaxFloor (111): an iceberg's shown size
    min_qty: int | None = Field(None, gt=0)  # MinQty (110)

    @field_validator("algo")
    @classmethod
    def _known_algo(cls, v: str | None) -> str | None:
        from ..engine.algos import ALGOS

        if v is not None and v not in ALGOS:
            raise ValueError(f"{v!r} is not an algo here ({', '.join(ALGOS)})")
        return v

    @field_validator("price", mode="before")
    @classmethod
    def _exact(cls, v: Any) -> Decimal | None:
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, (str, int, float, Decimal)):
            raise ValueError(f"must be a decimal number such as \"190.05\", not {v!r}")
        try:
            d = Decimal(str(v))  # a float through its shortest repr: 190.05 stays 190.05
        except InvalidOperation:
            raise ValueError(f"must be a decimal number such as \"190.05\", not {v!r}") from None
        if not d.is_finite() or d <= 0:
            raise ValueError("must be a positive price")
        return d

    @model_validator(mode="after")
    def _priced(self) -> OrderSpec:
        if self.type == "market" and (self.price is not None or self.offset_ticks is not None):
            raise ValueError("a market order takes neither price nor offset_ticks")
        if self.type == "limit" and (self.price is None) == (self.offset_ticks is None):
            raise ValueError("a limit order needs exactly one of price and offset_ticks")
        return self


class MarketMove(_Model):
    """A trend (``trend_bps`` over ``over_s``) or a jump (``step_bps``) of one symbol's fair value at ``at_s``."""

    at_s: float = Field(ge=0)
    symbol: str
    trend_bps: float | None = Field(None, gt=-10_000, allow_inf_nan=False)
    over_s: float | None = Field(None, gt=0, allow_inf_nan=False)
    step_bps: float | None = Field(None, gt=-10_000, allow_inf_nan=False)

    @model_validator(mode="after")
    def _one_kind(self) -> MarketMove:
        if (self.trend_bps is None) == (self.step_bps is None):
            raise ValueError("needs exactly one of trend_bps (with over_s) and step_bps")
        if self.trend_bps is not None and self.over_s is None:
            raise ValueError("trend_bps needs over_s: the seconds the trend takes")
        if self.step_bps is not None and self.over_s is not None:
            raise ValueError("over_s goes with trend_bps; a step_bps jump takes no time")
        return self


class Scenario(_Model):
    name: str = ""
    description: str = ""
    start: datetime
    duration_s: float = Field(gt=0)
    symbols: list[str] = Field(min_length=1)
    venues: list[str] | None = None
    oms_config: Path | None = None
    venues_config: Path | None = None
    instruments: Path | None = None
    day: DaySpec | None = None
    flow_rate: float | None = Field(None, ge=0)
    tick_ms: int | None = Field(None, gt=0)
    marks_every_s: float = Field(1.0, gt=0)
    sample_every_s: float = Field(10.0, gt=0)
    latency: Latencies = Latencies()
    orders: list[OrderSpec] = []
    market: list[MarketMove] = []
    venue_scenarios: dict[str, list[Path]] = {}  # venue -> venue scenario files, relative to this file
    venue_faults: dict[str, Any] = {}  # venue -> a venue scenario inline (checked against the venue when built)

    @field_validator("start")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("must say its zone, e.g. 2026-03-02T14:30:00Z")
        return v.astimezone(timezone.utc)

    @field_validator("venue_scenarios", mode="before")
    @classmethod
    def _listed(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: [f] if isinstance(f, (str, Path)) else f for k, f in v.items()}
        return v

    @field_validator("symbols", "venues")
    @classmethod
    def _unique(cls, v: list[str] | None) -> list[str] | None:
        if v is not None:
            dup = sorted({s for s in v if v.count(s) > 1})
            if dup:
                raise ValueError(f"listed twice: {', '.join(dup)}")
        return v

    @model_validator(mode="after")
    def _ids(self) -> Scenario:
        for i, o in enumerate(self.orders):
            if not o.id:
                o.id = f"P{i + 1}"
        return self

    def problems(self) -> list[str]:
        """What the schema alone cannot see, each as ``key: what is wrong``."""
        out = []
        ids = [o.id for o in self.orders]
        for i, o in enumerate(self.orders):
            if o.symbol not in self.symbols:
                out.append(f"orders[{i}].symbol: {o.symbol} is not one of the scenario's symbols "
                           f"({', '.join(self.symbols)})")
            if o.at_s >= self.duration_s:
                out.append(f"orders[{i}].at_s: {o.at_s} is not before the end (duration_s {self.duration_s})")
            if ids.count(o.id) > 1:
                out.append(f"orders[{i}].id: {o.id} is used twice")
        for i, m in enumerate(self.market):
            if m.symbol not in self.symbols:
                out.append(f"market[{i}].symbol: {m.symbol} is not one of the scenario's symbols "
                           f"({', '.join(self.symbols)})")
            if m.at_s >= self.duration_s:
                out.append(f"market[{i}].at_s: {m.at_s} is not before the end (duration_s {self.duration_s})")
        return out

    @property
    def start_ns(self) -> int:
        return int(self.start.timestamp()) * _NS + self.start.microsecond * 1000

    @property
    def duration_ns(self) -> int:
        return int(self.duration_s * _NS)


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario; its relative paths are made relative to its directory."""
    path = Path(path)
    sc = load_model(path, Scenario, ScenarioError)
    problems = sc.problems()
    if problems:
        raise ScenarioError("\n".join(f"{path}: {p}" for p in problems))
    if not sc.name:
        sc.name = path.stem
    for key in ("oms_config", "venues_config", "instruments"):
        value = getattr(sc, key)
        if value is not None and not value.is_absolute():
            setattr(sc, key, path.parent / value)
    sc.venue_scenarios = {v: [f if f.is_absolute() else path.parent / f for f in files]
                          for v, files in sc.venue_scenarios.items()}
    return sc
