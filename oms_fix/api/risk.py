"""/risk/limits and /risk/metrics: the risk engine's limits (read, and changed by the risk desk) and figures.

A change of limits is the core command ``SetLimits``: journaled before the
answer, replayed at a restart at the same point in the stream, so the limits
after a restart are those the desk set, not only config/risk.yaml's. It binds
the next order checked; working orders stay. Every PUT, refused or not, is an
audit event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import Field, field_validator, model_validator

from ..domain.enums import OrdStatus
from ..engine import oms_operations as ops
from ..engine import oms_types as t
from ..engine import oms_views
from ..engine.risk import RiskEngine
from ..engine.risk_limits import ACCOUNT_ONLY, LIMIT_NAMES, Limits
from ..marketdata.consolidated import BUY, SELL, ConsolidatedBook
# The risk file's own model: a PUT is held to exactly the rules config/risk.yaml is.
from ..risk_config import _Limits as FileLimits
from .deps import audited, caller, service
from .errors import ApiError
from .schemas import ErrorBody
from .service import ApiService
from .users import User

__all__ = ["DEFAULT_SHOCK_PCT", "LimitsUpdate", "router"]

router = APIRouter(tags=["risk"], responses={401: {"model": ErrorBody}, 429: {"model": ErrorBody}})
User_ = Annotated[User, Depends(caller)]
Svc = Annotated[ApiService, Depends(service)]

DEFAULT_SHOCK_PCT = Decimal(5)
_LIQUIDITY_LEVELS = 10
# Beyond the file's rules, sizes a desk could mean: far larger is a typo, and Decimal arithmetic in the
# core must not overflow on it.
_MAX_QTY = 10**12
_MAX_MONEY = Decimal(10) ** 15
_ORDER = [f.name for f in fields(Limits)]
_ACCOUNT = r"^(\*|[A-Za-z0-9_.:/-]{1,64})$"


class LimitsUpdate(FileLimits):
    """Any subset of the limits (null lifts one: no limit), and ``inherit``: limits to drop from this
    account's own figures, so the defaults apply again."""

    inherit: list[str] = Field(default_factory=list, max_length=len(LIMIT_NAMES))

    @field_validator("inherit")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        unknown = sorted(set(v) - LIMIT_NAMES)
        if unknown:
            raise ValueError(f"not a limit: {', '.join(unknown)} (limits: {', '.join(_ORDER)})")
        return v

    @model_validator(mode="after")
    def _sizes(self) -> LimitsUpdate:
        for name in self.model_fields_set & LIMIT_NAMES:
            v = getattr(self, name)
            exponent = v.as_tuple().exponent if isinstance(v, Decimal) else 0
            if isinstance(v, Decimal) and (v > _MAX_MONEY or (isinstance(exponent, int) and exponent < -6)):
                raise ValueError(f"{name}: at most {_MAX_MONEY:,} with 6 decimal places, not {v}")
            if isinstance(v, int) and v > _MAX_QTY:
                raise ValueError(f"{name}: at most {_MAX_QTY:,}, not {v}")
        both = sorted(set(self.inherit) & self.model_fields_set)
        if both:
            raise ValueError(f"{', '.join(both)}: both set and inherited")
        return self

    def changes(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in _ORDER if k in self.model_fields_set}


async def _risk_desk(user: User_, svc: Svc) -> User:
    """The caller, if of the risk desk; else 403 (audited) before the body is read."""
    if "risk" not in user.roles:
        with audited(svc, user, "risk.limits"):
            raise ApiError(403, f"user {user.user_id} ({', '.join(user.roles)}) may not change risk limits: it "
                                "takes the risk role", rule="roles")
    return user


def _money(d: Decimal | None) -> str | None:
    return None if d is None else f"{d:f}"


def _override_json(o: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _money(v) if isinstance(v, Decimal) else v for k, v in o.items()}


def _limits_json(lim: Limits) -> dict[str, Any]:
    return _override_json({k: getattr(lim, k) for k in _ORDER})


def _accounts(svc: ApiService, user: User, risk: RiskEngine) -> list[str]:
    """Every account the core knows of (named in the limits, trading, holding a position) the caller may see,
    and the caller's own even before they trade."""
    known = risk.config.named_accounts() | {p.account for p in oms_views.parents(svc.oms)}
    known |= {v.account for v in risk.positions()}
    known |= {a for a in user.accounts if a != "*"}
    return sorted(a for a in known if user.reads_all or user.sees(a))


@router.get("/risk/limits")
async def get_limits(user: User_, svc: Svc) -> dict[str, Any]:
    """The defaults and, per account the caller may see, its effective limits (defaults with its own
    figures over them: ``overrides``) and each symbol's where that symbol has figures of its own. A limit
    of null is no limit. Changes made with PUT are included; they survive a restart."""
    risk = ops.risk_engine(svc.oms)
    cfg = risk.config
    out: dict[str, Any] = {}
    for a in _accounts(svc, user, risk):
        symbols = {s: {"limits": _limits_json(cfg.limits(a, s)), "overrides": _override_json(o)}
                   for (acc, s), o in sorted(cfg.symbols.items()) if acc == a and o}
        out[a] = {"limits": _limits_json(cfg.account_limits(a)), "overrides": _override_json(cfg.accounts.get(a, {})),
                  "symbols": symbols, "restricted": sorted(cfg.account_restricted.get(a, ()))}
    return {"defaults": _limits_json(cfg.defaults), "accounts": out, "restricted": sorted(cfg.restricted)}


@router.put("/risk/limits/{account}", responses={403: {"model": ErrorBody}, 422: {"model": ErrorBody}})
async def put_limits(req: LimitsUpdate, user: Annotated[User, Depends(_risk_desk)], svc: Svc,
                     account: Annotated[str, Path(pattern=_ACCOUNT, description="an account, or * for the defaults")],
                     symbol: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_./-]{1,32}$",
                                                         description="one symbol of the account")] = None,
                     ) -> dict[str, Any]:
    """Change limits (risk role): of ``account`` (``*``: the defaults), or of one ``symbol`` of it. The
    body names only the limits it changes, validated as config/risk.yaml is; ``inherit`` lists limits to
    take back to the level above. It binds from the next order checked; a position already over a new
    limit is a breach event."""
    changes = req.changes()
    with audited(svc, user, "risk.limits", account_id=account, symbol=symbol, changes=changes,
                 inherit=req.inherit) as done:
        if not changes and not req.inherit:
            raise ApiError(422, "body: name at least one limit to change or to inherit", rule="request schema")
        if account == "*" and (symbol or req.inherit):
            raise ApiError(422, "inherit: the defaults inherit nothing, and have no symbols" if req.inherit else
                           "symbol: the defaults are for every symbol", rule="request schema")
        if symbol is not None:
            if symbol not in ops.instruments(svc.oms):
                raise ApiError(422, f"symbol: {symbol} is not an instrument here", rule="request schema")
            wrong = sorted(ACCOUNT_ONLY & (set(changes) | set(req.inherit)))
            if wrong:
                raise ApiError(422, f"{wrong[0]}: applies to a whole account: leave out symbol", rule="request schema")
        sent = svc.command(t.SetLimits(account=account, symbol=symbol or "", limits=Limits(**changes),
                                       names=tuple(changes), inherit=tuple(req.inherit),
                                       reason=f"set by {user.user_id}"))
        if not any(isinstance(o, t.RiskEventOut) and o.event.kind == "limits" for o in sent):
            raise ApiError(422, f"the risk engine did not take limits for {account}", rule="limits")
        done(200)
    cfg = ops.risk_engine(svc.oms).config
    lim = cfg.defaults if account == "*" else cfg.limits(account, symbol) if symbol else cfg.account_limits(account)
    return {"account": account, "symbol": symbol, "limits": _limits_json(lim),
            "changed": _override_json(changes), "inherited": req.inherit}


# -- metrics ------------------------------------------------------------------------------------


def _ratio(a: Decimal | int, b: Decimal | int) -> float | None:
    return None if not b else round(float(Decimal(a) / Decimal(b)), 4)


def _liquidity(book: ConsolidatedBook | None, symbol: str, qty: int) -> dict[str, Any]:
    if book is None:
        return {"symbol": symbol, "position": qty, "market_data": False}
    side = BUY if qty > 0 else SELL  # a long is closed by selling into the bids, a short by lifting offers
    levels = book.depth(symbol, side, levels=_LIQUIDITY_LEVELS)
    shown = sum(lv.qty for lv in levels)
    volume = book.volume.get(symbol, 0)
    q = book.nbbo(symbol)
    half = None if q.bid is None or q.ask is None else (q.ask - q.bid) / 2
    return {"symbol": symbol, "position": qty, "market_data": True, "close_against": "bids" if qty > 0 else "offers",
            "displayed_qty": shown, "position_to_displayed": _ratio(abs(qty), shown),
            "volume": volume, "position_to_volume": _ratio(abs(qty), volume),
            "half_spread_cost": _money(None if half is None else half * abs(qty))}


def _account_metrics(svc: ApiService, risk: RiskEngine, account: str, shock: Decimal,
                     book: ConsolidatedBook | None) -> dict[str, Any]:
    mine = [v for v in risk.positions() if v.account == account and v.position]
    gross = net = realised = unrealised = Decimal(0)
    positions, liquidity = [], []
    for v in mine:
        value = v.position * (v.mark or Decimal(0))
        gross += abs(value)
        net += value
        realised += v.realised
        unrealised += v.unrealised
        positions.append({"symbol": v.symbol, "position": v.position, "avg_cost": _money(v.avg_cost),
                          "mark": _money(v.mark), "market_value": _money(value), "realised": _money(v.realised),
                          "unrealised": _money(v.unrealised)})
        liquidity.append(_liquidity(book, v.symbol, v.position))
    realised += sum((v.realised for v in risk.positions() if v.account == account and not v.position), Decimal(0))
    credit = risk.config.account_limits(account).credit_limit
    used = risk.exposure(account)
    parents = [p for p in oms_views.parents(svc.oms) if p.account == account]
    kills = svc.oms.kill_switches()
    return {
        "account": account,
        "position_risk": {"positions": positions, "gross_exposure": _money(gross), "net_exposure": _money(net),
                          "realised_pnl": _money(realised), "unrealised_pnl": _money(unrealised),
                          "total_pnl": _money(realised + unrealised)},
        "market_risk": {"shock_pct": _money(shock), "each_position_against": _money(gross * shock / 100),
                        "whole_book_moves": _money(abs(net) * shock / 100)},
        "credit": {"credit_limit": _money(credit), "used": _money(used),
                   "left": _money(None if credit is None else credit - used),
                   "used_fraction": None if credit is None else _ratio(used, credit)},
        "liquidity": liquidity,
        "operational": {"working_orders": svc.oms.working(account),
                        "rejected_orders": sum(1 for p in parents if p.order.ord_status is OrdStatus.REJECTED),
                        "kill_switch": kills.get(account) or kills.get("*"),
                        "breaches": [{"rule": r, "symbol": s or None} for r, a, s in ops.breaches(svc.oms)
                                     if a == account]},
    }


@router.get("/risk/metrics")
async def metrics(user: User_, svc: Svc,
                  shock_pct: Annotated[Decimal, Query(gt=0, le=100, max_digits=8, decimal_places=4,
                                                      description="the market move, in percent")] = DEFAULT_SHOCK_PCT,
                  ) -> dict[str, Any]:
    """Risk figures per account the caller may see, computed now from the core's state:

    * ``position_risk``: each position at the last mark (the consolidated mid, else the last trade, else the
      instrument's reference price), its market value, realised and unrealised P&L (FIFO, as the risk
      engine books them); gross exposure is the sum of |market value|, net the signed sum. Working orders
      are not in these figures (they are in ``credit``).
    * ``market_risk``: a stress figure, not a VaR: ``each_position_against`` is the loss if every position
      moved ``shock_pct`` percent against it at once (gross exposure x shock), ``whole_book_moves`` the
      loss if the whole market moved that much one way (|net exposure| x shock). No history or
      correlation is used; pass ``shock_pct`` to try another move.
    * ``credit``: ``used`` is the figure credit_limit is checked against: gross notional of positions at
      the mark plus each working order's leaves at its price (a market order at the collar's upper bound).
    * ``liquidity``: per position, the size displayed on the side that would close it (best
      ten price levels across the venues' books) and the shares traded in the symbol on every venue since
      the OMS started (its book's tape, not an exchange's day volume), each as a ratio to the position, and
      the cost of closing at the mid vs the touch (position x half spread). ``market_data`` false when the
      OMS has no venue links.
    * ``operational``: working orders, orders rejected (by the rules, risk or the venues), the kill switch
      that applies to the account, and limits over right now (breaches); at the top, venues down and every
      kill switch.
    """
    risk = ops.risk_engine(svc.oms)
    links = svc.runtime.links
    book = links.book if links is not None else None
    accounts = [_account_metrics(svc, risk, a, shock_pct, book) for a in _accounts(svc, user, risk)]
    return {"accounts": accounts, "venues_down": ops.venues_down(svc.oms),
            "kill_switches": svc.oms.kill_switches() if user.reads_all else
            {a: r for a, r in svc.oms.kill_switches().items() if a == "*" or user.sees(a)}}
