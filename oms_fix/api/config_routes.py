"""/config/venues, /config/routing, /config/algorithms: the router's and the algos' settings, changed at run time.

Anyone with a key reads them; only an admin changes them. Each change is a
core command (``SetVenueRules``, ``SetRouting``, ``SetAlgoDefaults``):
journaled before the answer and replayed at a restart at the same point in the
stream, so the OMS comes back with the settings it had, not only those of its
config files. Every PUT, refused or not, is an audit event. A change binds the
orders that come after it; orders already working keep their venues and
parameters.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator

from ..engine import oms_operations as ops
from ..engine import oms_types as t
from ..engine.algos import STRATEGY_CODES, build
from ..engine.algos.base import AlgoSpec, Order
from .deps import audited, caller, service
from .errors import ApiError
from .schemas import ErrorBody
from .service import ApiService
from .users import User

__all__ = ["router"]

router = APIRouter(tags=["config"], responses={401: {"model": ErrorBody}, 429: {"model": ErrorBody}})
User_ = Annotated[User, Depends(caller)]
Svc = Annotated[ApiService, Depends(service)]
_ROUTING = ("dark_ping", "dark_ping_min_order", "dark_min_qty", "internal_cross")
_PARAM_KEY = r"^[a-z][a-z0-9_]{0,40}$"
# 848 is "k=v;k=v": a value holding ";" or "=" would read back as other parameters.
_PARAM_VALUE = r"^[^;=|\x00-\x1f]{1,64}$"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _admin(action: str, what: str) -> Any:
    """The caller, if an admin; else 403 (audited) before the body is read, so a non-admin is told so even
    when its body is also wrong."""
    async def admin(user: User_, svc: Svc) -> User:
        if "admin" not in user.roles:
            with audited(svc, user, action):
                raise ApiError(403, f"user {user.user_id} ({', '.join(user.roles)}) may not change {what}: it "
                                    "takes the admin role", rule="roles")
        return user
    return Depends(admin)


def _money(d: Decimal) -> str:
    return f"{d:f}"


# -- venues -----------------------------------------------------------------------------------


class VenueChange(_Body):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,32}$", description="a venue the OMS was started with")
    lit: StrictBool | None = Field(None, description="plain orders are routed here without an ExDestination")
    dark: StrictBool | None = Field(None, description="a dark pool: large marketable orders ping it first")
    taker_fee: Decimal | None = Field(None, ge=-1, le=1, max_digits=10, decimal_places=6,
                                      description="per share for taking liquidity (negative: a rebate)")
    enabled: StrictBool | None = Field(None, description="false: no new child order goes there at all")


class VenuesUpdate(_Body):
    venues: list[VenueChange] = Field(min_length=1, max_length=64)


def _venues_json(svc: ApiService) -> dict[str, Any]:
    down = set(ops.venues_down(svc.oms))
    return {"venues": [{"name": r.name, "lit": r.lit, "dark": r.dark, "taker_fee": _money(r.taker_fee),
                        "enabled": r.enabled, "connected": r.name not in down} for r in ops.venue_rules(svc.oms)]}


@router.get("/config/venues")
async def get_venues(user: User_, svc: Svc) -> dict[str, Any]:
    """Every venue in preference order with its routing rules: ``lit`` (plain orders go there), ``dark``
    (pinged first by large marketable orders), ``taker_fee`` (per share; breaks ties between venues showing
    the same price), ``enabled`` and whether its FIX link is up (``connected``)."""
    return _venues_json(svc)


@router.put("/config/venues", responses={403: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def put_venues(req: VenuesUpdate, svc: Svc,
                     user: Annotated[User, _admin("config.venues", "venue rules")]) -> dict[str, Any]:
    """Change venues' rules (admin role): each entry names a venue and the rules it changes. A disabled
    venue gets no new child order (router, dark ping, ExDestination and algos alike; an order pinned to it
    is rejected); what already works there goes on. All entries are checked before any is applied."""
    changes = [c.model_dump(exclude_unset=True, mode="json") for c in req.venues]
    with audited(svc, user, "config.venues", changes=changes) as done:
        known = [r.name for r in ops.venue_rules(svc.oms)]
        names = [c.name for c in req.venues]
        for i, c in enumerate(req.venues):
            if c.name not in known:
                raise ApiError(422, f"venues.{i}.name: {c.name} is not a venue here ({', '.join(known)})",
                               rule="request schema")
            if names.count(c.name) > 1:
                raise ApiError(422, f"venues.{i}.name: {c.name} is listed twice", rule="request schema")
            if len(c.model_fields_set) < 2:
                raise ApiError(422, f"venues.{i}: name a rule to change (lit, dark, taker_fee, enabled)",
                               rule="request schema")
        for c in req.venues:
            svc.command(t.SetVenueRules(venue=c.name, lit=c.lit, dark=c.dark, taker_fee=c.taker_fee,
                                        enabled=c.enabled))
        done(200)
    return _venues_json(svc)


# -- routing ----------------------------------------------------------------------------------


class RoutingUpdate(_Body):
    dark_ping: StrictBool | None = Field(None, description="marketable orders of dark_ping_min_order or more "
                                                           "ping the dark pool first")
    dark_ping_min_order: StrictInt | None = Field(None, ge=1, le=10**9)
    dark_min_qty: StrictInt | None = Field(None, ge=1, le=10**9, description="MinQty (110) of the ping")
    internal_cross: StrictBool | None = Field(None, description="opposing client orders cross at the mid "
                                                                "before anything goes out")


def _routing_json(svc: ApiService) -> dict[str, Any]:
    r = svc.oms.routing
    return {k: getattr(r, k) for k in _ROUTING}


@router.get("/config/routing")
async def get_routing(user: User_, svc: Svc) -> dict[str, Any]:
    """The smart router's policy beyond price and size: the dark-first ping (``dark_ping``, for orders of
    ``dark_ping_min_order`` shares or more, with MinQty ``dark_min_qty``) and internal crossing. Venue
    performance (fill and reject rates, latency, fees) orders venues at the same price; its weights are
    fixed in the core, not settings."""
    return _routing_json(svc)


@router.put("/config/routing", responses={403: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def put_routing(req: RoutingUpdate, svc: Svc,
                      user: Annotated[User, _admin("config.routing", "the routing policy")]) -> dict[str, Any]:
    """Change the routing policy (admin role); fields left out keep their value."""
    changes = req.model_dump(exclude_unset=True)
    with audited(svc, user, "config.routing", changes=changes) as done:
        if not changes or any(v is None for v in changes.values()):
            raise ApiError(422, f"body: name a setting to change, with a value ({', '.join(_ROUTING)})",
                           rule="request schema")
        svc.command(t.SetRouting(**changes))
        done(200)
    return _routing_json(svc)


# -- algorithms -------------------------------------------------------------------------------


Param = Annotated[str, Field(pattern=_PARAM_VALUE)] | StrictInt | Annotated[float, Field(strict=True,
                                                                                        allow_inf_nan=False)]


class AlgoDefaults(_Body):
    algorithms: dict[str, dict[Annotated[str, Field(pattern=_PARAM_KEY)], Param]] = Field(
        min_length=1, max_length=len(STRATEGY_CODES),
        description="algo name (twap, vwap, ...) or TargetStrategy (847) code -> its default 848 parameters; "
                    "{} clears them")

    @field_validator("algorithms")
    @classmethod
    def _sizes(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for name, params in v.items():
            if len(params) > 32:
                raise ValueError(f"{name}: at most 32 parameters")
        return v


_CODES = {name: code for code, name in STRATEGY_CODES.items()}
# A parent to try defaults on: the algos' required inputs that are not 848 keys come from its FIX fields.
_TRIAL = Order(order_id="defaults-check", symbol="CHECK", side=1, qty=10_000, limit=Decimal(100),
               tick=Decimal("0.01"), lot=1, arrived=0)


def _code(name: str) -> int | None:
    return int(name) if name.isdigit() and int(name) in STRATEGY_CODES else _CODES.get(name.lower())


def _check_params(name: str, code: int, params: tuple[tuple[str, str], ...]) -> None:
    """Builds the algo with these defaults on a trial parent: a key it does not take or a value it refuses
    is a 422 naming it, as the order would be rejected with it."""
    keys = {k for k, _ in params}
    spec = AlgoSpec(strategy=code, params=params,
                    participation_rate=None if "participation_rate" in keys else Decimal("0.1"),
                    max_floor=None if "display_qty" in keys else 100)
    try:
        build(spec, _TRIAL)
    except Exception as e:  # an algo's own check, or a value its arithmetic cannot take: the default is bad
        raise ApiError(422, f"algorithms.{name}: {e}", rule="TargetStrategyParameters (848)") from None


def _algos_json(svc: ApiService) -> dict[str, Any]:
    defaults = dict(svc.oms.routing.algo_defaults)
    return {"algorithms": [{"name": name, "strategy": code, "defaults": dict(defaults.get(code, ()))}
                           for code, name in STRATEGY_CODES.items()]}


@router.get("/config/algorithms")
async def get_algorithms(user: User_, svc: Svc) -> dict[str, Any]:
    """Every algorithm (name and TargetStrategy (847) code) with its default 848 parameters: an algo order
    gets each default for a key its own TargetStrategyParameters leave out."""
    return _algos_json(svc)


@router.put("/config/algorithms", responses={403: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def put_algorithms(req: AlgoDefaults, svc: Svc,
                         user: Annotated[User, _admin("config.algorithms", "algorithm defaults")]) -> dict[str, Any]:
    """Replace the default parameters of the algorithms named (admin role); ``{}`` clears an algorithm's.
    Each set is tried on a trial order first: a key the algo does not take, or a value it refuses, is a
    422 naming it. All are checked before any is applied."""
    with audited(svc, user, "config.algorithms", changes=req.algorithms) as done:
        todo: dict[int, t.SetAlgoDefaults] = {}
        for name, params in req.algorithms.items():
            code = _code(name)
            if code is None:
                raise ApiError(422, f"algorithms.{name}: not an algorithm here "
                                    f"({', '.join(STRATEGY_CODES.values())})", rule="TargetStrategy (847)")
            if code in todo:
                raise ApiError(422, f"algorithms.{name}: {STRATEGY_CODES[code]} is named twice",
                               rule="TargetStrategy (847)")
            pairs = tuple(sorted((k, str(v)) for k, v in params.items()))
            _check_params(name, code, pairs)
            todo[code] = t.SetAlgoDefaults(strategy=code, params=pairs)
        for cmd in todo.values():
            svc.command(cmd)
        done(200)
    return _algos_json(svc)
