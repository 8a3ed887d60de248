"""What the OMS core takes in and what it hands back (oms.py).

Commands are imperative and frozen: a client's request (``Client*``), a venue's
answer to a child order (``Venue*``), an operator's or the session layer's
fact (``VenueUp``/``VenueDown``, ``Kill``/``Revive``, ``NewDay``), or a setting changed at run time
(``SetLimits``, ``SetRouting``, ``SetVenueRules``, ``SetAlgoDefaults``: commands like the rest, so a
replay of the journal takes every change at the moment it was made). Outbound
values say what to send (``ToClient``, ``ToVenue*``) or keep (``Journal``,
``RiskEventOut``). No FIX tags here: the lead's translation maps fields to tags.
Venue-side codes (ExecType, OrdStatus, Side, OrdType, TimeInForce) are the FIX
code strings, since the venue side shares no types with the client domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..domain.commands import CancelOrder, NewOrder, ReplaceOrder
from ..domain.enums import Side
from ..domain.reports import CancelRejectReport, Report
from .algos.base import AlgoSpec, Market
from .risk import RiskEvent
from .risk_limits import Limits

__all__ = [
    "AlgoTick", "ClientCancel", "ClientDontKnow", "ClientMassCancel", "ClientMassStatus", "ClientNew",
    "ClientReplace", "ClientStatus", "Command", "InstrumentRules", "Journal", "Kill", "NewDay", "OpsEvent",
    "OpsEventOut", "Out", "Revive", "RiskEventOut", "RoutingPolicy", "SetAlgoDefaults", "SetLimits", "SetRouting",
    "SetVenueRules", "ToAlgoTimer", "ToClient", "ToClientBusinessReject", "ToClientMassCancelReport",
    "ToVenueCancel", "ToVenueNew", "ToVenueStatus", "VenueCancelReject", "VenueDown", "VenueExec", "VenueRule",
    "VenueUp",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class InstrumentRules:
    tick: Decimal
    lot: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueRule:
    name: str
    lit: bool = True  # only lit venues are routed to without an ExDestination
    dark: bool = False  # a dark pool: where the router pings first (RoutingPolicy)
    taker_fee: Decimal = Decimal(0)  # per share, for taking liquidity there (negative: a rebate)
    enabled: bool = True  # False: no new child order goes there (router, dark ping, ExDestination, algos)


@dataclass(frozen=True, slots=True, kw_only=True)
class RoutingPolicy:
    """The smart router's choices beyond price and size (oms_routing.py, oms_cross.py), and what run-time
    commands changed (oms_operations.py): the Oms keeps one, replaced whole on each change."""

    dark_ping: bool = True  # a marketable order of dark_ping_min_order or more pings the dark pool first
    dark_ping_min_order: int = 1000
    dark_min_qty: int = 100  # MinQty (110) of the ping: no fill smaller than this
    internal_cross: bool = True  # opposing client orders cross at the mid before anything goes out
    # TargetStrategy (847) -> 848 parameters an algo order gets for the keys it leaves out (SetAlgoDefaults).
    algo_defaults: tuple[tuple[int, tuple[tuple[str, str], ...]], ...] = ()


# -- commands from clients ----------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientNew:
    """NewOrderSingle. ``account`` (the session's account) wins over ``order.account`` when set."""

    session: str
    account: str = ""
    order: NewOrder
    ex_destination: str | None = None
    raw_side: Side | None = None  # Side (54) as sent; None: order.side
    expire_time: int | None = None  # ExpireTime (126) in ns, required for TimeInForce 6 (GTD)
    algo: AlgoSpec | None = None  # an algo order: TargetStrategy (847) and its parameters, MaxFloor, OrdType P


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientCancel:
    session: str
    cmd: CancelOrder
    symbol: str = ""
    side: Side = Side.BUY


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientReplace:
    session: str
    cmd: ReplaceOrder
    symbol: str = ""
    side: Side = Side.BUY


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientStatus:
    session: str
    cl_ord_id: str
    symbol: str = ""
    side: Side = Side.BUY


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientMassCancel:
    """OrderMassCancelRequest: the session's working orders, of ``account`` if set, of ``symbol`` if set."""

    session: str
    cl_ord_id: str = ""
    account: str = ""
    symbol: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientMassStatus:
    """OrderMassStatusRequest: the session's working orders, narrowed by each filter that is set."""

    session: str
    mass_status_req_id: str
    accounts: tuple[str, ...] = ()  # any of these accounts; () any
    symbol: str | None = None
    side: Side | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientDontKnow:
    """DontKnowTrade: the client does not recognise execution ``exec_id`` of order ``order_id``.
    ``reason`` is DKReason (127), the FIX code."""

    session: str
    order_id: str
    exec_id: str
    reason: str = ""
    symbol: str = ""
    side: Side | None = None
    last_qty: int = 0
    last_px: Decimal | None = None
    text: str = ""


# -- commands from venues and operators -------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueExec:
    """A venue's ExecutionReport about a child. ``child_id`` is its ClOrdID (11): the child's own id or
    the id of a cancel the OMS sent for it (both resolve to the child)."""

    venue: str
    child_id: str
    exec_type: str
    ord_status: str
    exec_id: str
    last_qty: int = 0
    last_px: Decimal | None = None
    cum_qty: int = 0
    leaves_qty: int = 0
    avg_px: Decimal | None = None
    text: str = ""
    exec_ref_id: str = ""  # ExecRefID (19): on G (trade correct) / H (trade cancel), the execution it changes


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueCancelReject:
    """OrderCancelReject (35=9) from a venue; ``reason`` is CxlRejReason (102)."""

    venue: str
    child_id: str
    reason: str
    text: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueUp:
    venue: str


@dataclass(frozen=True, slots=True, kw_only=True)
class VenueDown:
    venue: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Kill:
    account: str | None
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Revive:
    account: str | None
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NewDay:
    day: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Mark:
    """A price from venue data (the consolidated mid, else the last trade): risk marks positions,
    P&L and the credit limit to it and centres the price collar on it. A command, so a replay sees
    the same marks at the same moments."""

    symbol: str
    price: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class AlgoTick:
    """The timer an algo parent asked for (``ToAlgoTimer``) is due. ``market`` is its symbol as the
    runtime's consolidated book showed it then (``volume``: the tape's, own fills included; the core
    takes them out): carried in the command so a replay feeds the algo the same market."""

    order_id: str
    market: Market


# -- settings changed at run time (the REST API's risk and config endpoints) ------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SetLimits:
    """Risk limits of ``account`` ("*": the defaults every account inherits), or of one ``symbol`` of it.
    Each limit ``names`` lists takes its value from ``limits`` (None there: no limit); each ``inherit``
    lists drops the account's (or symbol's) own figure, so the level above applies again. Limits left
    out of both keep what they were. ``reason`` goes into the risk event."""

    account: str
    symbol: str = ""
    limits: Limits = Limits()
    names: tuple[str, ...] = ()
    inherit: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SetRouting:
    """The router's policy (``RoutingPolicy``): each field that is not None replaces the policy's."""

    dark_ping: bool | None = None
    dark_ping_min_order: int | None = None
    dark_min_qty: int | None = None
    internal_cross: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SetVenueRules:
    """One venue's rules (``VenueRule``): each field that is not None replaces the venue's. Only a venue
    the Oms was built with: a new one would have no FIX link to reach it."""

    venue: str
    lit: bool | None = None
    dark: bool | None = None
    taker_fee: Decimal | None = None
    enabled: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SetAlgoDefaults:
    """The 848 parameters an algo order of ``strategy`` (TargetStrategy 847) gets for each key it leaves
    out, replacing that strategy's earlier defaults (() clears them). Orders already working keep theirs."""

    strategy: int
    params: tuple[tuple[str, str], ...] = ()


Command = (ClientNew | ClientCancel | ClientReplace | ClientStatus | ClientMassCancel | ClientMassStatus
           | ClientDontKnow | VenueExec | VenueCancelReject | VenueUp | VenueDown | Kill | Revive | NewDay | Mark
           | AlgoTick | SetLimits | SetRouting | SetVenueRules | SetAlgoDefaults)


# -- outbound ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ToClient:
    session: str
    msg: Report | CancelRejectReport


@dataclass(frozen=True, slots=True, kw_only=True)
class ToClientMassCancelReport:
    """OrderMassCancelReport (35=r): ``total_affected`` (533) orders enter the cancel flow."""

    session: str
    cl_ord_id: str
    account: str
    symbol: str | None
    total_affected: int
    order_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ToClientBusinessReject:
    """BusinessMessageReject (35=j) of the client's ``ref_msg_type`` message; ``reason`` is
    BusinessRejectReason (380), the FIX code, ``ref_id`` BusinessRejectRefID (379)."""

    session: str
    ref_msg_type: str
    ref_id: str
    reason: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ToVenueNew:
    venue: str
    child_id: str
    symbol: str
    side: str  # FIX Side code
    qty: int
    ord_type: str  # FIX OrdType code: 1 market, 2 limit
    price: Decimal | None
    tif: str  # FIX TimeInForce code
    expire_time: int | None = None  # GTD children carry the parent's ExpireTime
    max_floor: int | None = None  # MaxFloor (111): shown size of an algo's child
    min_qty: int | None = None  # MinQty (110)


@dataclass(frozen=True, slots=True, kw_only=True)
class ToAlgoTimer:
    """Deliver ``AlgoTick`` for ``order_id`` at ``at`` (ns); a later timer for the same order replaces it."""

    order_id: str
    at: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ToVenueCancel:
    venue: str
    child_id: str  # the cancel's own ClOrdID
    orig_child_id: str
    symbol: str
    side: str
    qty: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ToVenueStatus:
    venue: str
    child_id: str
    symbol: str
    side: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Journal:
    """A fact to persist before the acknowledgements of the same ``handle`` call leave.

    kind "command": the inbound command and its ``now`` (replaying these rebuilds the core);
    "parent" / "child": a state change of a client order or a child order; "ignored": an input
    that changed nothing (a repeated venue ExecID, a report for an unknown child)."""

    kind: str
    stream: str
    body: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskEventOut:
    event: RiskEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class OpsEvent:
    """Something for operations to look at, journaled (kind "dont_know": a client DK'd an execution)."""

    time: int
    kind: str
    session: str
    text: str
    account: str | None = None
    order_id: str | None = None
    exec_id: str | None = None
    known: bool = True  # the order and execution it names exist


@dataclass(frozen=True, slots=True, kw_only=True)
class OpsEventOut:
    event: OpsEvent


Out = (ToClient | ToClientMassCancelReport | ToClientBusinessReject | ToVenueNew | ToVenueCancel | ToVenueStatus
       | Journal | RiskEventOut | OpsEventOut | ToAlgoTimer)
