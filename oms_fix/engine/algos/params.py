"""TargetStrategyParameters (848) read with errors a client can act on.

``Params`` wraps the ``key=value`` pairs of one order. Each getter names the
key and the rule it broke (``duration_minutes: must be a number > 0, not
'ten'``); ``finish()`` refuses keys no getter asked for, so a misspelt
parameter is an error rather than silently ignored.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .base import AlgoError, AlgoSpec

__all__ = ["Params", "parse_848", "participation_rate"]


def parse_848(raw: str) -> tuple[tuple[str, str], ...]:
    """``"a=1;b=x"`` as pairs; raises AlgoError on a pair without ``=`` or a key given twice."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for part in raw.split(";"):
        part = part.strip()
        if not part:
            continue
        key, eq, value = part.partition("=")
        key = key.strip()
        if not eq or not key:
            raise AlgoError(f"TargetStrategyParameters (848): {part!r} is not key=value")
        if key in seen:
            raise AlgoError(f"TargetStrategyParameters (848): {key} is given twice")
        seen.add(key)
        pairs.append((key, value.strip()))
    return tuple(pairs)


class Params:
    def __init__(self, pairs: tuple[tuple[str, str], ...] | dict[str, str]) -> None:
        self._values = dict(pairs)
        self._asked: set[str] = set()

    def __contains__(self, key: str) -> bool:
        return key in self._values

    def _raw(self, key: str) -> str | None:
        self._asked.add(key)
        return self._values.get(key)

    def number(self, key: str, default: float | None = None, *, gt: float | None = None, ge: float | None = None,
               le: float | None = None) -> float | None:
        raw = self._raw(key)
        if raw is None or raw == "":
            return default
        try:
            v = float(Decimal(raw))
        except InvalidOperation:
            raise AlgoError(f"{key}: must be a number, not {raw!r}") from None
        if gt is not None and not v > gt:
            raise AlgoError(f"{key}: must be > {gt:g}, not {raw}")
        if ge is not None and not v >= ge:
            raise AlgoError(f"{key}: must be >= {ge:g}, not {raw}")
        if le is not None and not v <= le:
            raise AlgoError(f"{key}: must be <= {le:g}, not {raw}")
        return v

    def integer(self, key: str, default: int | None = None, *, ge: int | None = None,
                le: int | None = None) -> int | None:
        raw = self._raw(key)
        if raw is None or raw == "":
            return default
        try:
            v = int(raw)
        except ValueError:
            raise AlgoError(f"{key}: must be a whole number, not {raw!r}") from None
        if ge is not None and v < ge:
            raise AlgoError(f"{key}: must be >= {ge}, not {raw}")
        if le is not None and v > le:
            raise AlgoError(f"{key}: must be <= {le}, not {raw}")
        return v

    def decimal(self, key: str, default: Decimal | None = None) -> Decimal | None:
        raw = self._raw(key)
        if raw is None or raw == "":
            return default
        try:
            v = Decimal(raw)
        except InvalidOperation:
            raise AlgoError(f"{key}: must be a decimal number, not {raw!r}") from None
        if not v.is_finite():
            raise AlgoError(f"{key}: must be a decimal number, not {raw!r}")
        return v

    def choice(self, key: str, options: tuple[str, ...], default: str) -> str:
        raw = self._raw(key)
        if raw is None or raw == "":
            return default
        if raw.lower() not in options:
            raise AlgoError(f"{key}: must be one of {', '.join(options)}, not {raw!r}")
        return raw.lower()

    def flag(self, key: str, default: bool = False) -> bool:
        raw = self._raw(key)
        if raw is None or raw == "":
            return default
        low = raw.lower()
        if low in ("1", "y", "yes", "true", "on"):
            return True
        if low in ("0", "n", "no", "false", "off"):
            return False
        raise AlgoError(f"{key}: must be true or false, not {raw!r}")

    def text(self, key: str, default: str = "") -> str:
        raw = self._raw(key)
        return default if raw is None else raw

    def finish(self, algo: str) -> None:
        """Refuses every key no getter read: ``TWAP does not take wobble (it takes ...)``."""
        unknown = [k for k in self._values if k not in self._asked]
        if unknown:
            raise AlgoError(f"{algo} does not take {', '.join(unknown)} (it takes {', '.join(sorted(self._asked))})")


def participation_rate(spec: AlgoSpec, params: Params, most: float) -> float | None:
    """The rate from ``participation_rate`` (848) or ParticipationRate (849), each > 0 and <= ``most``; they
    must agree when both are given. None when neither is."""
    rate = params.number("participation_rate", gt=0, le=most)
    if spec.participation_rate is not None:
        tag = float(spec.participation_rate)
        if not 0 < tag <= most:
            raise AlgoError(f"ParticipationRate (849): must be > 0 and <= {most:g}, not {spec.participation_rate}")
        if rate is not None and abs(rate - tag) > 1e-12:
            raise AlgoError(f"participation_rate: {rate:g} disagrees with ParticipationRate (849) {tag:g}")
        rate = tag
    return rate
