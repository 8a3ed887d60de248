"""A NewOrderSingle's algo instructions (FIX 4.4 tags) as the core's ``AlgoSpec``.

An order is an algo order when it carries TargetStrategy (847), when it is a
plain order with MaxFloor (111) (worked as an iceberg by the OMS: strategy
1001), or when it is pegged (OrdType 40=P with ExecInst 18 R primary peg, M
mid-price peg or P market peg, as FIX 4.4 defines them: the peg algo, 1002). TargetStrategyParameters (848) is
``key=value;key=value``; ParticipationRate (849) a fraction; EffectiveTime
(168) when the algo may start, ExpireTime (126) when its schedule must end.
Fields that cannot be read raise ``FieldError`` naming the tag (translate.py
answers with a reject); whether the values suit the algo is the algo's to say
(its parameters' errors name them).
"""

from __future__ import annotations

from ..domain.enums import OrdRejReason, OrdType
from ..engine.algos.base import AlgoError, AlgoSpec
from ..engine.algos.params import parse_848
from .fieldread import FieldError, decimal_field
from .message import Message
from .utctime import parse_ns

__all__ = ["algo_from_fix"]

_PEGS = ("R", "M", "P")  # ExecInst (18): primary peg, mid-price peg, market peg
_ICEBERG, _PEG = 1001, 1002


def _whole(msg: Message, tag: int, name: str) -> int | None:
    value = decimal_field(msg, tag, name)
    if value is None:
        return value
    if value != value.to_integral_value() or value <= 0:
        raise FieldError(OrdRejReason.OTHER, f"{name} ({tag}) {value} is not a positive whole number")
    return int(value)


def algo_from_fix(msg: Message, ord_type: OrdType, expire_ns: int | None) -> AlgoSpec | None:
    raw_strategy = msg.get(847)
    strategy: int | None = None
    if raw_strategy is not None:
        try:
            strategy = int(raw_strategy)
        except ValueError:
            raise FieldError(OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC,
                             f"TargetStrategy (847) {raw_strategy.decode('latin-1')!r} is not a number")
    max_floor = _whole(msg, 111, "MaxFloor")
    min_qty = _whole(msg, 110, "MinQty")
    offset = decimal_field(msg, 211, "PegOffsetValue")
    rate = decimal_field(msg, 849, "ParticipationRate")
    peg = None
    if ord_type is OrdType.PEGGED:
        inst = (msg.get(18) or b"").decode("latin-1").split()
        pegs = [i for i in inst if i in _PEGS]
        if len(pegs) != 1:
            raise FieldError(OrdRejReason.UNSUPPORTED_ORDER_CHARACTERISTIC,
                             "OrdType (40) P needs ExecInst (18) with one of R (primary peg), M (mid-price peg), "
                                 "P (market peg)")
        peg = pegs[0]
    if strategy is None:
        if peg is not None:
            strategy = _PEG
        elif max_floor is not None:
            strategy = _ICEBERG
        else:
            return None
    if rate is not None and not 0 < rate <= 1:
        raise FieldError(OrdRejReason.OTHER, f"ParticipationRate (849) {rate} is not a fraction in (0, 1]")
    start = None
    if msg.get(168) is not None:
        start = parse_ns(msg.get(168) or b"")
        if start is None:
            raise FieldError(OrdRejReason.OTHER,
                             f"EffectiveTime (168) {(msg.get(168) or b'').decode('latin-1')!r} is not a UTCTimestamp")
    try:
        params = parse_848((msg.get(848) or b"").decode("latin-1"))
    except AlgoError as e:
        raise FieldError(OrdRejReason.OTHER, str(e))
    return AlgoSpec(strategy=strategy, params=params, participation_rate=rate, start=start, end=expire_ns,
                    max_floor=max_floor, min_qty=min_qty, peg=peg, peg_offset=offset)
