"""The REST API's request and response bodies (pydantic), as the OpenAPI document shows them."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["CancelRequest", "ErrorBody", "ModifyRequest", "OrderCreate", "PegSpec"]

# Words the FIX fields are made of: no SOH, "=" or "|" can reach a message.
_ID = r"^[A-Za-z0-9_.:/-]{1,64}$"
_SYMBOL = r"^[A-Za-z0-9_./-]{1,32}$"
_PARAM_KEY = r"^[a-z][a-z0-9_]{0,40}$"

OrderTypeWord = Literal["market", "limit", "stop", "stop_limit", "iceberg", "twap", "vwap", "pov",
                        "implementation_shortfall", "adaptive", "peg", "hidden", "display", "momentum",
                        "mean_reversion", "arbitrage"]
AlgoWord = Literal["twap", "vwap", "pov", "implementation_shortfall", "iceberg", "peg", "hidden", "display",
                   "adaptive", "momentum", "mean_reversion", "arbitrage"]
SideWord = Literal["buy", "sell", "short", "cover"]
TifWord = Literal["day", "gtc", "ioc", "fok", "gtd", "atc", "ato"]
StrategyWord = Literal["aggressive", "passive", "neutral", "adaptive"]
Price = Decimal


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PegSpec(_Body):
    type: Literal["primary", "mid", "market"] = Field(description="ExecInst (18): R primary, M mid-price, P market")
    offset: Decimal | None = Field(None, ge=-1000, le=1000, max_digits=12, decimal_places=6,
                                   description="PegOffsetValue (211)")


class OrderCreate(_Body):
    """A new order: the same terms a NewOrderSingle (35=D) carries, in words."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"symbol": "AAPL", "side": "buy", "quantity": 100, "order_type": "limit", "price": "189.50"},
        {"symbol": "MSFT", "side": "sell", "quantity": 5000, "order_type": "twap",
         "algo_parameters": {"duration_minutes": 30, "num_slices": 10}, "strategy": "passive"}]})

    user_id: str | None = Field(None, pattern=_ID, description="the key's user; checked when given")
    account_id: str | None = Field(None, pattern=_ID, description="default: the user's only account")
    client_order_id: str | None = Field(None, pattern=_ID,
                                        description="ClOrdID (11); a repeat is refused (409). Default: made here")
    symbol: str = Field(pattern=_SYMBOL)
    order_type: OrderTypeWord = "limit"
    side: SideWord
    quantity: int = Field(gt=0, le=1_000_000_000)
    price: Decimal | None = Field(None, gt=0, le=10_000_000, max_digits=18, decimal_places=8)
    stop_price: Decimal | None = Field(None, gt=0, le=10_000_000, max_digits=18, decimal_places=8)
    time_in_force: TifWord = "day"
    expire_time: datetime | None = Field(None, description="ExpireTime (126); needed with gtd, bounds an algo")
    start_time: datetime | None = Field(None, description="EffectiveTime (168): when an algo may start")
    algo_type: AlgoWord | None = Field(None, description="TargetStrategy (847); or name the algo in order_type")
    algo_parameters: dict[str, str | int | float] = Field(
        default_factory=dict, description="TargetStrategyParameters (848), e.g. {\"duration_minutes\": 30}")
    participation_rate: Decimal | None = Field(None, gt=0, le=1, max_digits=8, decimal_places=6,
                                               description="ParticipationRate (849), for pov")
    strategy: StrategyWord | None = Field(None, description="how an algo prices its slices (848 strategy=)")
    ex_destination: str | None = Field(None, pattern=_ID, description="ExDestination (100): pin a venue")
    max_floor: int | None = Field(None, gt=0, le=1_000_000_000, description="MaxFloor (111): iceberg display")
    min_qty: int | None = Field(None, gt=0, le=1_000_000_000, description="MinQty (110)")
    peg: PegSpec | None = Field(None, description="a pegged order (OrdType P)")

    @model_validator(mode="after")
    def _consistent(self) -> "OrderCreate":
        for k, v in self.algo_parameters.items():
            if not re.match(_PARAM_KEY, k):
                raise ValueError(f"algo_parameters key {k!r}: lower-case letters, digits and _")
            if any(c in str(v) for c in ";=|\x01") or len(str(v)) > 64:
                raise ValueError(f"algo_parameters {k}: a value of at most 64 characters without ; = |")
        algo_in_type = self.order_type if self.order_type not in ("market", "limit", "stop", "stop_limit") else None
        if algo_in_type and self.algo_type and algo_in_type != self.algo_type:
            raise ValueError(f"order_type {self.order_type} and algo_type {self.algo_type} name different algos")
        if self.order_type in ("stop", "stop_limit") and self.stop_price is None:
            raise ValueError(f"a {self.order_type} order needs stop_price")
        if self.order_type in ("limit", "stop_limit") and self.price is None:
            raise ValueError(f"a {self.order_type} order needs price")
        if self.order_type == "market" and self.price is not None:
            raise ValueError("a market order has no price")
        if self.time_in_force == "gtd" and self.expire_time is None:
            raise ValueError("time_in_force gtd needs expire_time")
        if self.order_type == "iceberg" and self.max_floor is None:
            raise ValueError("an iceberg order needs max_floor")
        if self.peg is not None and self.order_type not in ("peg", "limit"):
            raise ValueError("peg goes with order_type peg")
        return self

    @property
    def algo(self) -> str | None:
        if self.algo_type:
            return self.algo_type
        return None if self.order_type in ("market", "limit", "stop", "stop_limit") else self.order_type

    @property
    def params(self) -> dict[str, Any]:
        return {**self.algo_parameters, **({"strategy": self.strategy} if self.strategy else {})}


class ModifyRequest(_Body):
    """A cancel/replace (35=G): the new total quantity and/or limit price."""

    user_id: str | None = Field(None, pattern=_ID)
    new_quantity: int | None = Field(None, gt=0, le=1_000_000_000)
    new_price: Decimal | None = Field(None, gt=0, le=10_000_000, max_digits=18, decimal_places=8)

    @model_validator(mode="after")
    def _something(self) -> "ModifyRequest":
        if self.new_quantity is None and self.new_price is None:
            raise ValueError("give new_quantity, new_price or both")
        return self


class CancelRequest(_Body):
    user_id: str | None = Field(None, pattern=_ID)


class ErrorBody(BaseModel):
    """Every error: the status, what failed and the rule, like the Text of a FIX reject."""

    status: int
    error: str = Field(description="a short word: unauthorized, not_found, rejected, conflict, invalid, ...")
    detail: str = Field(description="what failed and why, in a sentence")
    rule: str | None = Field(None, description="the rule or FIX reason code behind it, e.g. OrdRejReason 3")
