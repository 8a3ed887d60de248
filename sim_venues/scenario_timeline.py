"""A venue scenario file (config/scenarios/venue/*.yaml): a timeline of faults to arm and operations to run.

Sans-IO: ``parse_scenario`` turns text into an immutable ``Scenario``; a
``Timeline`` starts it at a ``now`` given to it and ``due(now)`` hands back the
actions whose time has come, in file order among equal times. The venue's tick
(live) or the virtual clock (simulation) drives it, so under a virtual clock an
action happens at its exact nanosecond, and the same file loaded twice gives
the same timeline.

The file (YAML, or JSON, which YAML reads too)::

    description: what this scenario makes the venue do     # optional
    actions:
      - at_s: 0                   # seconds after the scenario is loaded
        kind: reject              # a kind of faults.KINDS
        params: {reason: 99, text: "venue busy"}
        scope: {symbol: AAPL, count: 5}

or just the list of actions. An armed kind is armed at ``at_s``; its scope's
window (``start_s``, ``end_s``) counts from then. An immediate operation (bust,
correct, halt, resume) is carried out at ``at_s`` and takes no scope.

Every error names the file, the action's index and the key:
``halt_tsla.yaml: actions[1].scope.count: must be a positive integer, not 0``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Collection, Mapping

import yaml

from .fault_kinds import IMMEDIATE, KINDS, FaultError, Scope, check_params, check_scope

__all__ = ["Action", "Scenario", "ScenarioError", "ScopeSpec", "Timeline", "parse_scenario", "parse_scope",
           "scenario_from_data"]

_NS = 1_000_000_000
_ACTION_KEYS = ("at_s", "kind", "params", "scope")
_TOP_KEYS = ("description", "actions")
# Absolute times (the venue clock's ns) make sense to someone talking to a running venue, never in a file
# meant to replay the same way tomorrow.
_RELATIVE = ("symbol", "session", "count", "probability", "start_s", "end_s")
_ABSOLUTE = ("start_ns", "end_ns")


class ScenarioError(ValueError):
    """A scenario or scope that cannot be used; the message names the file, the action and the key."""


@dataclass(frozen=True)
class ScopeSpec:
    """A ``faults.Scope`` whose window [start_s, end_s) is in seconds after the moment the fault is armed (as
    a venue's ``faults:`` in venues.yaml count from the venue's start), or absolute in the venue clock's ns."""

    symbol: str | None = None
    session: str | None = None
    count: int | None = None
    probability: float = 1.0
    start_s: float | None = None
    end_s: float | None = None
    start_ns: int | None = None
    end_ns: int | None = None

    def at(self, armed_ns: int) -> Scope:
        start, end = self.start_ns, self.end_ns
        if self.start_s is not None:
            start = armed_ns + round(self.start_s * _NS)
        if self.end_s is not None:
            end = armed_ns + round(self.end_s * _NS)
        return Scope(symbol=self.symbol, session=self.session, count=self.count, start_ns=start, end_ns=end,
                     probability=self.probability)

    def view(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None and not (k == "probability" and v == 1.0)}


@dataclass(frozen=True)
class Action:
    index: int  # its place in the file, for messages and listings
    at_ns: int  # after the scenario's start
    kind: str
    params: Mapping[str, Any]  # checked, with their defaults filled in
    scope: ScopeSpec | None  # None for an immediate operation

    @property
    def immediate(self) -> bool:
        return self.scope is None

    def view(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "at_s": self.at_ns / _NS, "kind": self.kind,
                               "params": dict(self.params)}
        if self.scope is not None:
            out["scope"] = self.scope.view()
        return out


@dataclass(frozen=True)
class Scenario:
    source: str
    description: str
    actions: tuple[Action, ...]  # in time order; file order among equal times


def _is_num(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def parse_scope(raw: object, where: str, *, absolute: bool = False,
                symbols: Collection[str] | None = None) -> ScopeSpec:
    """``raw`` (a mapping or None) checked; ``where`` prefixes every message (``file: actions[2].scope``)."""
    if raw is None:
        return ScopeSpec()
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"{where}: must be a mapping, not {raw!r}")
    allowed = _RELATIVE + _ABSOLUTE if absolute else _RELATIVE
    for key in raw:
        if key not in allowed:
            raise ScenarioError(f"{where}.{key}: unknown key (allowed: {', '.join(allowed)})")
    got: dict[str, Any] = {}
    for key in ("symbol", "session"):
        v = raw.get(key)
        if v is not None and (not isinstance(v, str) or not v):
            raise ScenarioError(f"{where}.{key}: must be a non-empty string, not {v!r}")
        got[key] = v
    if symbols is not None and got["symbol"] is not None and got["symbol"] not in symbols:
        raise ScenarioError(f"{where}.symbol: {got['symbol']!r} is not traded here ({', '.join(sorted(symbols))})")
    count = raw.get("count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise ScenarioError(f"{where}.count: must be a positive integer, not {count!r}")
    prob = raw.get("probability", 1.0)
    if not _is_num(prob) or not 0 <= prob <= 1:
        raise ScenarioError(f"{where}.probability: must be a number from 0 to 1, not {prob!r}")
    for key, low_ok in (("start_s", True), ("end_s", False)):
        v = raw.get(key)
        if v is not None and (not _is_num(v) or v < 0 or (v == 0 and not low_ok)):
            raise ScenarioError(f"{where}.{key}: must be a number of seconds {'>= 0' if low_ok else '> 0'}, "
                                f"not {v!r}")
        got[key] = None if v is None else float(v)
    for key in _ABSOLUTE:
        v = raw.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
            raise ScenarioError(f"{where}.{key}: must be a time in ns since the epoch, not {v!r}")
        got[key] = v
    if (got["start_ns"] is not None or got["end_ns"] is not None) and (got["start_s"] is not None
                                                                        or got["end_s"] is not None):
        raise ScenarioError(f"{where}.start_ns: give a window as start_s/end_s or as start_ns/end_ns, not both")
    if got["start_ns"] is not None and got["end_ns"] is not None and got["end_ns"] <= got["start_ns"]:
        raise ScenarioError(f"{where}.end_ns: {got['end_ns']} is not after start_ns {got['start_ns']}")
    if got["start_s"] is not None and got["end_s"] is not None and got["end_s"] <= got["start_s"]:
        raise ScenarioError(f"{where}.end_s: {got['end_s']:g} is not after start_s {got['start_s']:g}")
    return ScopeSpec(count=count, probability=float(prob), **got)


def check_action(kind: object, params: object, where: str,
                 symbols: Collection[str] | None = None) -> dict[str, Any]:
    """``params`` for ``kind`` checked by the fault plan's own rules; the error says where."""
    at = f"{where}." if where else ""
    if not isinstance(kind, str) or kind not in KINDS:
        raise ScenarioError(f"{at}kind: {kind!r} is not one of {', '.join(KINDS)}")
    if params is not None and not isinstance(params, Mapping):
        raise ScenarioError(f"{at}params: must be a mapping, not {params!r}")
    try:
        checked = check_params(kind, params)
    except FaultError as e:
        # FaultError reads "<kind>: params.<key>: <what>"; here the kind is known, the place is not.
        raise ScenarioError(f"{at}{str(e).removeprefix(kind + ': ')} ({kind})") from None
    sym = checked.get("symbol")
    if sym is not None and symbols is not None and sym not in symbols:
        raise ScenarioError(f"{at}params.symbol: {sym!r} is not traded here ({', '.join(sorted(symbols))})")
    return checked


def _action(i: int, raw: object, source: str, symbols: Collection[str] | None) -> Action:
    where = f"{source}: actions[{i}]"
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"{where}: must be a mapping with {', '.join(_ACTION_KEYS)}, not {raw!r}")
    for key in raw:
        if key not in _ACTION_KEYS:
            raise ScenarioError(f"{where}.{key}: unknown key (allowed: {', '.join(_ACTION_KEYS)})")
    at = raw.get("at_s")
    if at is None:
        raise ScenarioError(f"{where}.at_s: is required (seconds after the scenario is loaded)")
    if not _is_num(at) or at < 0:
        raise ScenarioError(f"{where}.at_s: must be a number of seconds >= 0, not {at!r}")
    kind = raw.get("kind")
    params = check_action(kind, raw.get("params"), where, symbols)
    assert isinstance(kind, str)
    if kind in IMMEDIATE:
        if raw.get("scope") is not None:
            raise ScenarioError(f"{where}.scope: {kind} is carried out at at_s, once: it takes no scope")
        scope = None
    else:
        scope = parse_scope(raw.get("scope"), f"{where}.scope", symbols=symbols)
        try:
            check_scope(kind, symbol=scope.symbol, session=scope.session, count=scope.count,
                        probability=scope.probability)
        except FaultError as e:
            raise ScenarioError(f"{where}.{e}") from None
    return Action(i, round(float(at) * _NS), kind, params, scope)


def parse_scenario(text: str, source: str, symbols: Collection[str] | None = None) -> Scenario:
    """The scenario in ``text`` (YAML or JSON); ``source`` names it in errors. ``symbols``, if given, are the
    venue's: a symbol it does not trade is refused now, not when its action comes due."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ScenarioError(f"{source}: not valid YAML or JSON: {e}") from None
    return scenario_from_data(data, source, symbols)


def scenario_from_data(data: object, source: str, symbols: Collection[str] | None = None) -> Scenario:
    """As ``parse_scenario``, from what YAML read (a scenario written inline in another file)."""
    description = ""
    if isinstance(data, Mapping):
        for key in data:
            if key not in _TOP_KEYS:
                raise ScenarioError(f"{source}: {key}: unknown key (allowed: {', '.join(_TOP_KEYS)})")
        description = data.get("description") or ""
        if not isinstance(description, str):
            raise ScenarioError(f"{source}: description: must be a string, not {description!r}")
        if "actions" not in data:
            raise ScenarioError(f"{source}: actions: is required (a list of {{at_s, kind, params, scope}})")
        data = data["actions"]
        where = f"{source}: actions"
    else:
        where = f"{source}: (top level)"
    if not isinstance(data, list):
        raise ScenarioError(f"{where}: must be a list of actions, not {type(data).__name__}")
    if not data:
        raise ScenarioError(f"{where}: has no actions")
    actions = [_action(i, raw, source, symbols) for i, raw in enumerate(data)]
    actions.sort(key=lambda a: (a.at_ns, a.index))
    return Scenario(source, description, tuple(actions))


class Timeline:
    """One loaded scenario running from ``start_ns``; ``due`` gives each action once, when its time comes."""

    def __init__(self, scenario: Scenario, start_ns: int, timeline_id: str = ""):
        self.scenario = scenario
        self.start_ns = start_ns
        self.id = timeline_id
        self._next = 0
        self.outcomes: list[dict[str, Any]] = []  # filled in by whoever carries the actions out

    def due(self, now: int) -> list[Action]:
        acts = self.scenario.actions
        i = self._next
        while i < len(acts) and self.start_ns + acts[i].at_ns <= now:
            i += 1
        out, self._next = list(acts[self._next:i]), i
        return out

    def next_due_ns(self) -> int | None:
        acts = self.scenario.actions
        return self.start_ns + acts[self._next].at_ns if self._next < len(acts) else None

    @property
    def done(self) -> bool:
        return self._next >= len(self.scenario.actions)

    def pending(self) -> list[Action]:
        return list(self.scenario.actions[self._next:])

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.scenario.source, "description": self.scenario.description,
                "start_ns": self.start_ns, "actions": len(self.scenario.actions), "done": self.done,
                "pending": [a.view() for a in self.pending()], "outcomes": list(self.outcomes)}
