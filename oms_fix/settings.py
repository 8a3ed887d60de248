"""The OMS configuration file (config/oms.yaml): load, check, override.

Errors name the file, the key and what is wrong, e.g.
`config/oms.yaml: clients.port: Input should be a valid integer`.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .configfile import describe, read_mapping
from .engine.oms_types import RoutingPolicy
from .fix.config import SessionConfig
from .fix.schedule import Schedule

__all__ = ["OmsSettings", "ConfigError", "load_settings", "DEFAULT_CONFIG"]

DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "config" / "oms.yaml"


class ConfigError(Exception):
    pass


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FixSettings(_Model):
    heartbeat_s: int = Field(30, ge=0)
    sending_time_tolerance_s: float = Field(120.0, gt=0)
    message_log: bool = True
    max_message_size: int = Field(1 << 20, ge=1024)


class JournalSettings(_Model):
    # full: every commit fsynced (survives kill -9, an OS crash and a power cut; ~350 us a commit
    # measured here). normal: survives kill -9, not an OS crash or power cut.
    sync: Literal["full", "normal"] = "full"


class TradingDaySettings(_Model):
    # UTC time the trading day rolls: working day orders end Done for Day, daily risk counts restart,
    # GT orders start their next day. The day is named by the date it ends on.
    roll_utc: str = Field("00:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class ScheduleSettings(_Model):
    """When a session runs, UTC. A new window starts the sequence numbers at 1."""

    start: str = "00:00"
    end: str = "00:00"
    days: list[str] | None = None
    weekly: bool = False

    @model_validator(mode="after")
    def _parses(self) -> "ScheduleSettings":
        self.build()
        return self

    def build(self) -> Schedule:
        return Schedule.parse(self.start, self.end, self.days, self.weekly)


class Counterparty(_Model):
    target_comp_id: str = Field(min_length=1)
    account: str | None = None
    username: str | None = None
    password: str | None = None
    heartbeat_s: int | None = Field(None, ge=0)
    schedule: ScheduleSettings | None = None


class Pattern(_Model):
    pattern: str = Field(min_length=1)
    account: str | None = None


class AcceptorSettings(_Model):
    host: str = "127.0.0.1"
    port: int = Field(9878, ge=0, le=65535)
    sender_comp_id: str = Field("OMS", min_length=1)
    sessions: list[Counterparty] = []
    patterns: list[Pattern] = []
    # The default schedule of this acceptor's sessions; none: they never end.
    schedule: ScheduleSettings | None = None
    # FIX over TLS when both are set (PEM files; relative to the config file).
    tls_cert: Path | None = None
    tls_key: Path | None = None

    @model_validator(mode="after")
    def _tls_pair(self) -> "AcceptorSettings":
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together: set both for FIX over TLS, or neither")
        return self

    @field_validator("sessions")
    @classmethod
    def _unique(cls, v: list[Counterparty]) -> list[Counterparty]:
        ids = [s.target_comp_id for s in v]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"target_comp_id listed twice: {', '.join(sorted(dup))}")
        return v

    def session_configs(self, fix: FixSettings) -> list[SessionConfig]:
        return [self._config(s.target_comp_id, s.account, fix, s) for s in self.sessions]

    def pattern_configs(self, fix: FixSettings) -> list[tuple[str, SessionConfig]]:
        return [(p.pattern, self._config("*", p.account, fix, None)) for p in self.patterns]

    def _config(self, target: str, account: str | None, fix: FixSettings, cp: Counterparty | None) -> SessionConfig:
        schedule = cp.schedule if cp and cp.schedule else self.schedule
        return SessionConfig(
            schedule=schedule.build() if schedule else None,
            sender_comp_id=self.sender_comp_id, target_comp_id=target, role="acceptor",
            heartbeat_s=(cp.heartbeat_s if cp and cp.heartbeat_s is not None else fix.heartbeat_s),
            sending_time_tolerance_s=fix.sending_time_tolerance_s,
            username=cp.username if cp else None, password=cp.password if cp else None, account=account)


class VenueLink(_Model):
    """A venue the OMS trades at: it logs on as ``sender_comp_id`` (the OMS's) to ``name``."""

    name: str = Field(min_length=1)
    host: str = "127.0.0.1"
    port: int = Field(ge=1, le=65535)
    # Lit venues take plain orders from the router; the others only by ExDestination or an algo.
    lit: bool = True
    # A dark pool: large marketable orders ping it first (routing.dark_ping).
    dark: bool = False
    # Per share for taking liquidity there (negative: a rebate); the router prefers the cheaper of
    # venues showing the same price.
    taker_fee: Decimal = Decimal(0)
    heartbeat_s: int = Field(30, ge=1)


class RoutingSettings(_Model):
    """The smart router's policies (engine RoutingPolicy): the dark-first ping and internal crossing."""

    dark_ping: bool = True
    dark_ping_min_order: int = Field(1000, ge=1)
    dark_min_qty: int = Field(100, ge=1)
    internal_cross: bool = True

    def policy(self) -> RoutingPolicy:
        return RoutingPolicy(dark_ping=self.dark_ping, dark_ping_min_order=self.dark_ping_min_order,
                             dark_min_qty=self.dark_min_qty, internal_cross=self.internal_cross)


class ApiSettings(_Model):
    """The REST API and the blotter (oms_fix/api), served on the OMS's own event loop."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    users: Path | None = None  # default: config/api_users.yaml beside the package
    # HTTPS when both are set (PEM files; relative to the config file).
    tls_cert: Path | None = None
    tls_key: Path | None = None

    @model_validator(mode="after")
    def _tls_pair(self) -> "ApiSettings":
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together: set both for HTTPS, or neither")
        return self


_DEFAULT_VENUES = [VenueLink(name="EXCH", port=9881), VenueLink(name="ECN", port=9882),
                   VenueLink(name="DARK", port=9883, lit=False, dark=True), VenueLink(name="CROSS", port=9884, lit=False),
                   VenueLink(name="MM", port=9885)]


class OmsSettings(_Model):
    state_dir: Path = Path("var")
    fix: FixSettings = FixSettings()
    journal: JournalSettings = JournalSettings()
    trading_day: TradingDaySettings = TradingDaySettings()
    routing: RoutingSettings = RoutingSettings()
    api: ApiSettings = ApiSettings()
    clients: AcceptorSettings = AcceptorSettings(sessions=[Counterparty(target_comp_id=f"CLIENT{i}", account=f"ACC00{i}")
                                                           for i in range(1, 5)])
    drop_copy: AcceptorSettings = AcceptorSettings(port=9879, sessions=[Counterparty(target_comp_id="DROPCOPY")])
    venues: list[VenueLink] = _DEFAULT_VENUES
    instruments: Path | None = None  # default: config/instruments.yaml beside the package
    risk: Path | None = None  # default: config/risk.yaml beside the package

    @field_validator("venues")
    @classmethod
    def _unique_venues(cls, v: list[VenueLink]) -> list[VenueLink]:
        names = [x.name for x in v]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"venue listed twice: {', '.join(sorted(dup))}")
        return v


def load_settings(path: Path | None = None, overrides: dict[str, Any] | None = None) -> OmsSettings:
    """Read `path` (default config/oms.yaml), then apply env and flag overrides.

    Environment: OMS_FIX_STATE_DIR, OMS_FIX_CLIENT_PORT, OMS_FIX_DROP_COPY_PORT,
    OMS_FIX_COMP_ID, OMS_FIX_API_PORT. `overrides` (from flags) win over the environment.
    """
    path = path or DEFAULT_CONFIG
    data = read_mapping(path, ConfigError)
    env = {
        "state_dir": os.environ.get("OMS_FIX_STATE_DIR"),
        "clients.port": os.environ.get("OMS_FIX_CLIENT_PORT"),
        "drop_copy.port": os.environ.get("OMS_FIX_DROP_COPY_PORT"),
        "clients.sender_comp_id": os.environ.get("OMS_FIX_COMP_ID"),
        "api.port": os.environ.get("OMS_FIX_API_PORT"),
    }
    for key, value in {**env, **(overrides or {})}.items():
        if value is None:
            continue
        node = data
        *parents, leaf = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    try:
        settings = OmsSettings.model_validate(data)
    except ValidationError as e:
        raise ConfigError(describe(path, e)) from None
    for owner, key in ((settings, "instruments"), (settings, "risk"), (settings.api, "users"),
                       (settings.api, "tls_cert"), (settings.api, "tls_key"), (settings.clients, "tls_cert"),
                       (settings.clients, "tls_key"), (settings.drop_copy, "tls_cert"), (settings.drop_copy, "tls_key")):
        value = getattr(owner, key)
        if value is not None and not value.is_absolute():
            setattr(owner, key, path.parent / value)  # relative to the config file
    return settings
