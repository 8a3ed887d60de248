"""The control API of one venue process: arm faults, run operations, load scenario timelines (issue 7).

HTTP on loopback, JSON, OpenAPI at ``/docs``. Served by uvicorn on the venue
process's own event loop (``oms_fix.api.server.ApiServer``), so every handler
is a coroutine that runs between the venue's ticks and FIX reads and touches
the gateway directly, never from another thread.

No API key: it is meant for a tester's laptop and listens only on the venue's
configured ``host`` (127.0.0.1 by default). Anyone who can reach that address
can make the venue misbehave, so do not configure a host other people can reach.

``VenueControl`` is the part without HTTP: the venue's tick calls ``tick(now)``
to carry out the scenario actions that have come due; the routes call the rest.
"""

from __future__ import annotations

from typing import Any, Callable, Collection, Mapping, Protocol

from fastapi import FastAPI, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from oms_fix.api.errors import ApiError, install_handlers
from oms_fix.api.server import ApiServer

from .faults import IMMEDIATE, KINDS, FaultError, FaultPlan, Scope
from .scenario_timeline import (Action, Scenario, ScenarioError, Timeline, check_action, parse_scenario,
                                parse_scope)

__all__ = ["Controlled", "VenueControl", "create_app", "serve_control"]


class Controlled(Protocol):
    """What the control needs of a venue gateway (sim_venues.gateway.VenueGateway)."""

    faults: FaultPlan

    def arm(self, kind: str, params: Mapping[str, Any] | None, scope: Scope) -> str: ...

    def disarm(self, fault_id: str) -> bool: ...

    def operate(self, kind: str, params: Mapping[str, Any] | None) -> dict[str, Any]: ...

    def event(self, text: str) -> None: ...


class VenueControl:
    def __init__(self, name: str, kind: str, target: Controlled, symbols: Collection[str], fix_endpoint: str = ""):
        self.name = name
        self.kind = kind
        self.target = target
        self.symbols = frozenset(symbols)
        self.fix_endpoint = fix_endpoint
        self.url = ""  # the control API's own address, once it listens
        self.timelines: dict[str, Timeline] = {}
        self._n = 0

    # -- faults and operations ----------------------------------------------------------------------------------

    def arm(self, kind: str, params: Mapping[str, Any] | None, scope: Mapping[str, Any] | None, now: int) -> str:
        """``ScenarioError`` (naming the key) if it cannot be armed."""
        if kind in IMMEDIATE:
            raise ScenarioError(f"kind: {kind} is an immediate operation: POST /operations/{kind} carries it out")
        checked = check_action(kind, params, "", self.symbols)
        spec = parse_scope(scope, "scope", absolute=True, symbols=self.symbols)
        try:
            return self.target.arm(kind, checked, spec.at(now))
        except FaultError as e:
            raise ScenarioError(str(e)) from None

    def operate(self, kind: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """``FaultError`` if the venue cannot do it (no such fill, a symbol already halted, ...)."""
        return self.target.operate(kind, params)

    def status(self, now: int) -> dict[str, Any]:
        plan = self.target.faults
        scheduled = [{"scenario": t.id, "due_ns": t.start_ns + a.at_ns, **a.view()}
                     for t in self.timelines.values() for a in t.pending()]
        return {"venue": self.name, "now_ns": now, "armed": plan.armed(now), "fired": plan.fired(),
                "unfired": plan.unfired(now), "scheduled": scheduled}

    # -- scenarios ---------------------------------------------------------------------------------------------

    def load(self, text: str, source: str, now: int) -> Timeline:
        """A scenario's timeline, started at ``now``; ``ScenarioError`` and nothing loaded if any of it is wrong."""
        return self.start(parse_scenario(text, source, self.symbols), now)

    def start(self, scenario: Scenario, now: int) -> Timeline:
        self._n += 1
        tl = Timeline(scenario, now, f"S{self._n}")
        self.timelines[tl.id] = tl
        last = scenario.actions[-1].at_ns / 1e9
        self.target.event(f"scenario {tl.id} loaded from {scenario.source}: {len(scenario.actions)} action(s) "
                          f"over {last:g} s")
        self.tick(now)  # what is due at 0 s happens now, not a tick later
        return tl

    def drop(self, timeline_id: str) -> Timeline | None:
        """Stop a timeline: its actions not yet due never happen (faults it armed stay armed)."""
        tl = self.timelines.pop(timeline_id, None)
        if tl is not None:
            self.target.event(f"scenario {tl.id} from {tl.scenario.source} stopped with "
                              f"{len(tl.pending())} action(s) not carried out")
        return tl

    def tick(self, now: int) -> None:
        for tl in list(self.timelines.values()):
            due = tl.due(now)
            for action in due:
                tl.outcomes.append(self._carry_out(tl, action))
            if due and tl.done:  # kept for GET /scenario: what each action did
                self.target.event(f"scenario {tl.id} from {tl.scenario.source}: all actions carried out")

    def _carry_out(self, tl: Timeline, action: Action) -> dict[str, Any]:
        due = tl.start_ns + action.at_ns
        out: dict[str, Any] = {"index": action.index, "kind": action.kind, "due_ns": due}
        try:
            if action.scope is None:
                out.update(self.target.operate(action.kind, action.params))
            else:
                # The window counts from when the action was due, not from the tick that noticed it.
                out["id"] = self.target.arm(action.kind, action.params, action.scope.at(due))
        except FaultError as e:
            out["error"] = str(e)
            self.target.event(f"scenario {tl.id} ({tl.scenario.source}) actions[{action.index}] {action.kind} "
                              f"not carried out: {e}")
        except Exception as e:  # a bug of ours: said in the event log, and the venue (or the sim) goes on
            out["error"] = f"internal error: {e!r}"
            self.target.event(f"scenario {tl.id} ({tl.scenario.source}) actions[{action.index}] {action.kind} "
                              f"failed with an internal error, please report it: {e!r}")
        return out


# -- HTTP ----------------------------------------------------------------------------------------------------------

class ScopeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    symbol: str | None = Field(None, description="only orders in this symbol (Symbol 55)")
    session: str | None = Field(None, description="only orders from this session (the client's SenderCompID)")
    count: int | None = Field(None, description="the next N matching orders (or cancels, fills), then spent")
    probability: float | None = Field(None, description="the chance each match is hit, 0..1 (seeded; default 1)")
    start_s: float | None = Field(None, description="the window opens this many seconds from now")
    end_s: float | None = Field(None, description="the window closes this many seconds from now")
    start_ns: int | None = Field(None, description="or: the window opens at this venue time (ns since the epoch)")
    end_ns: int | None = Field(None, description="or: the window closes at this venue time (ns since the epoch)")


class ArmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="one of: " + ", ".join(k for k in KINDS if k not in IMMEDIATE))
    params: dict[str, Any] = Field(default_factory=dict, description="the kind's params; see GET /kinds")
    scope: ScopeIn = Field(default_factory=ScopeIn, description="which orders (a market state: which symbol and "
                                                                 "window); leave out for every order")


class OperationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    params: dict[str, Any] = Field(default_factory=dict,
                                   description="bust {exec_id}, correct {exec_id, qty?, price?}, halt/resume {symbol}, "
                                               "drop_connection {session?}, fair_value {symbol, bps, over_s?}, "
                                               "volume_spike {symbol, qty, over_s?, slices?, side?}")


_DESCRIPTION = """Make this simulated venue misbehave on cue, the way real venues do: arm a fault for the
next orders (reject, never fill, fill in part, fill worse, delay acks or fills, cancel unsolicited,
reject cancels), misbehave on the FIX session (skip MsgSeqNums, resend with PossDupFlag, stale SendingTime,
stop heartbeating, garble messages, refuse a Logon, drop the connection), change the market for a window
(widen spreads, thin the book, a stale or a crossed quote), bust or correct a trade, halt or resume a
symbol, move the fair value (a step or a trend), spike the volume, or load a scenario file (a timeline of
these). Every arming and firing is written to the venue's event log (`<VENUE>.faults.log`).

**No API key.** This API listens only on the venue's configured host (127.0.0.1 unless changed);
anyone who can reach it can make the venue misbehave.

Errors are JSON `{status, error, detail}`: 400 a body that cannot be read, 404 no such fault,
scenario or operation, 409 a fault that can no longer fire, 422 a request the venue refuses
(`detail` names the key)."""


def _text(what: str) -> dict[str, Any]:
    return {"content": {"application/json": {"example": {"status": 422, "error": "invalid", "detail": what}}}}


def create_app(control: VenueControl, now_ns: Callable[[], int]) -> FastAPI:
    """``now_ns``: the venue's clock (a callable giving integer ns)."""
    app = FastAPI(title=f"{control.name} venue control", version="1", docs_url="/docs",
                  openapi_url="/openapi.json", description=_DESCRIPTION)
    install_handlers(app)

    @app.get("/health", summary="the venue answers, with its name and endpoints")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "venue": control.name, "kind": control.kind, "fix": control.fix_endpoint,
                "control": control.url, "now_ns": now_ns(), "symbols": sorted(control.symbols)}

    @app.get("/kinds", summary="the kinds of fault and operation, with their params")
    async def kinds() -> dict[str, Any]:
        return {k: {"armed_at": v.point or "immediate", "params": v.params} for k, v in KINDS.items()}

    @app.get("/faults", summary="armed faults, what has fired, what was armed and never fired, what is scheduled")
    async def faults() -> dict[str, Any]:
        return control.status(now_ns())

    @app.post("/faults", status_code=201, summary="arm a fault",
              responses={422: {"description": "a kind, param or scope the venue refuses",
                               **_text("reject: params.reason: 12 is not a FIX 4.4 code here (...)")}})
    async def arm(body: ArmIn) -> dict[str, Any]:
        now = now_ns()
        try:
            fid = control.arm(body.kind, body.params, body.scope.model_dump(exclude_none=True), now)
        except ScenarioError as e:
            raise ApiError(422, str(e), rule="fault") from None
        plan = control.target.faults
        # A window that is over already (absolute times in the past) is armed and at once never to fire.
        return next(f for f in plan.armed(now) + plan.unfired(now) if f["id"] == fid)

    @app.get("/faults/fired", summary="every firing so far, in order (operations included)")
    async def fired() -> list[dict[str, Any]]:
        return control.target.faults.fired()

    @app.delete("/faults/{fault_id}", summary="disarm a fault",
                responses={404: {"description": "no such fault"}, 409: {"description": "it can no longer fire"}})
    async def disarm(fault_id: str) -> dict[str, Any]:
        now = now_ns()
        plan = control.target.faults
        if control.target.disarm(fault_id):
            return {"id": fault_id, "disarmed": True, "fired": _fired_count(plan, fault_id)}
        known = {f["id"] for f in plan.fired()} | {f["id"] for f in plan.unfired(now)}
        if fault_id in known:
            raise ApiError(409, f"{fault_id} can no longer fire (spent, disarmed or its window is over)")
        raise ApiError(404, f"no fault {fault_id} at {control.name}")

    @app.post("/operations/{kind}", summary="bust or correct a trade, halt or resume a symbol, drop a connection, "
                                          "move fair value, spike volume, now",
              responses={404: {"description": "no such operation"},
                         422: {"description": "the venue cannot do it", **_text(
                             "bust: params.exec_id: no fill with ExecID 'X' to a session here")}})
    async def operate(kind: str, body: OperationIn) -> dict[str, Any]:
        if kind not in IMMEDIATE:
            raise ApiError(404, f"no operation {kind!r} (operations: {', '.join(IMMEDIATE)}; faults are "
                                "armed with POST /faults)")
        try:
            return control.operate(kind, body.params)
        except FaultError as e:
            raise ApiError(422, str(e), rule="operation") from None

    @app.post("/scenario", status_code=201, summary="load a scenario file (YAML or JSON) as a timeline from now",
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/yaml": {"schema": {"type": "string"}},
                  "application/json": {"schema": {"type": "object"}}}}},
              responses={422: {"description": "the scenario is wrong; nothing of it was loaded", **_text(
                  "reject_storm.yaml: actions[0].scope.count: must be a positive integer, not 0")}})
    async def load(request: Request, source: str = Query("request", description="the file's name, for errors")
                   ) -> dict[str, Any]:
        raw = await request.body()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(400, "the scenario is not UTF-8 text") from None
        if not text.strip():
            raise ApiError(400, "empty body: send the scenario file's content (YAML or JSON)")
        try:
            tl = control.load(text, source, now_ns())
        except ScenarioError as e:
            raise ApiError(422, str(e), rule="scenario") from None
        return tl.view()

    @app.get("/scenario", summary="loaded scenarios: actions still to come, and what each one did")
    async def scenarios() -> list[dict[str, Any]]:
        return [t.view() for t in control.timelines.values()]

    @app.delete("/scenario/{scenario_id}", summary="stop a scenario (faults it armed stay armed)",
                responses={404: {"description": "no such scenario"}})
    async def drop(scenario_id: str) -> dict[str, Any]:
        tl = control.drop(scenario_id)
        if tl is None:
            raise ApiError(404, f"no scenario {scenario_id} at {control.name}")
        return tl.view()

    return app


def _fired_count(plan: FaultPlan, fault_id: str) -> int:
    return sum(1 for f in plan.fired() if f["id"] == fault_id)


async def serve_control(control: VenueControl, host: str, port: int, now_ns: Callable[[], int]) -> ApiServer:
    """The control API listening on ``host:port`` (0: any free port); OSError if it cannot be had."""
    server = ApiServer(create_app(control, now_ns), host, port)
    await server.start()
    control.url = server.describe()
    return server
