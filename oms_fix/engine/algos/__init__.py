"""Execution algorithms, one module each, chosen by TargetStrategy (847).

``build(spec, order)`` makes the algo for an accepted parent, or raises
``AlgoError`` naming the parameter that is wrong. The contract every algo
keeps is in base.py.
"""

from __future__ import annotations

from importlib import import_module

from .base import Algo, AlgoError, AlgoSpec, Order
from .params import Params

__all__ = ["ALGOS", "STRATEGY_CODES", "build", "strategy_name"]

# TargetStrategy (847) -> module: 1-3 are FIX 4.4's own values, 1000+ user-defined (shared/design.md).
STRATEGY_CODES: dict[int, str] = {
    1: "vwap", 2: "pov", 3: "implementation_shortfall", 1000: "twap", 1001: "iceberg", 1002: "peg",
    1003: "hidden", 1004: "display", 1005: "adaptive", 1006: "momentum", 1007: "mean_reversion",
    1008: "arbitrage",
}
ALGOS = {name: code for code, name in STRATEGY_CODES.items()}


def strategy_name(code: int) -> str | None:
    return STRATEGY_CODES.get(code)


def build(spec: AlgoSpec, order: Order) -> Algo:
    name = STRATEGY_CODES.get(spec.strategy)
    if name is None:
        codes = ", ".join(f"{c} {n}" for c, n in STRATEGY_CODES.items())
        raise AlgoError(f"TargetStrategy (847) {spec.strategy} is not an algo here ({codes})")
    params = Params(spec.params)
    algo: Algo = import_module(f".{name}", __name__).build(spec, order, params)
    params.finish(algo.name)
    return algo
