"""Make a running simulated venue misbehave on cue, through its control API (issue 7).

  oms-fix venue-ctl EXCH arm reject --symbol AAPL --count 5 --text "venue busy"
  oms-fix venue-ctl EXCH list                 faults armed, never fired, scheduled
  oms-fix venue-ctl EXCH fired                what has fired, in order
  oms-fix venue-ctl EXCH disarm F1
  oms-fix venue-ctl EXCH halt TSLA            SecurityStatus (35=f) 326=2 to every session
  oms-fix venue-ctl EXCH resume TSLA
  oms-fix venue-ctl EXCH arm skip_seqnum --session CLIENT1 --param count=3
  oms-fix venue-ctl EXCH drop CLIENT1         close its FIX connection without a Logout (no SESSION: all)
  oms-fix venue-ctl EXCH bust EXEC_ID         ExecutionReport ExecType H (trade cancel)
  oms-fix venue-ctl EXCH correct EXEC_ID --qty 50 --price 190.01   ExecType G
  oms-fix venue-ctl EXCH arm widen_spread --symbol AAPL --ticks 3 --end-s 60   (thin_book --ratio,
                                              stale_quote, crossed_quote --ticks: market states, a window)
  oms-fix venue-ctl EXCH fair_value AAPL -50 --over-s 30      fair value down 50 bps over 30 s
  oms-fix venue-ctl EXCH volume_spike AAPL 20000 --over-s 5   market orders trading 20000 shares
  oms-fix venue-ctl EXCH load config/scenarios/venue/reject_storm.yaml

The venue's control address is read from config/venues.yaml (`control_port`,
default the FIX port + 100: EXCH 9981 ... MM 9985) or given with --url. The
API needs no key and listens on loopback only. Exit codes: 0 done, 1 the
venue did not answer or refused (its reason is printed), 2 a usage or
config error. --json prints the API's answer as it is, for scripts.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from sim_venues.config import VenuesConfigError, load_venues_config
from sim_venues.faults import IMMEDIATE, KINDS

from ..fix.utctime import format_ns
from .standalone import run_alone

__all__ = ["HELP", "add_arguments", "main", "run"]

HELP = "arm faults at a running venue, halt/resume, bust/correct trades, move the market, load a venue scenario"

_ARMED = [k for k in KINDS if k not in IMMEDIATE]
# Flag -> param name; each is sent only when given, so the venue's defaults (and its error naming the param a
# kind does not take) apply.
_PARAM_FLAGS = {"reason": int, "text": str, "ratio": float, "ticks": int, "ms": float, "dist": str,
                "low_ms": float, "high_ms": float, "mean_ms": float, "after_ms": float, "seconds": float, "how": str}


class _Failed(Exception):
    """The venue did not answer or refused; the message says which and why."""


class _Usage(Exception):
    """A request that cannot be made as given (exit 2, like argparse's own)."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="venues config to find the venue's control port in "
                                               "(default: config/venues.yaml)")
    p.add_argument("--url", help="the venue's control API, e.g. http://127.0.0.1:9981 (instead of --config)")
    p.add_argument("--json", action="store_true", help="print the API's JSON answer, nothing else")
    p.add_argument("--timeout", type=float, default=5.0, metavar="S", help="seconds to wait for the venue (5)")
    p.add_argument("venue", metavar="VENUE", help="the venue's name, e.g. EXCH")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    arm = sub.add_parser("arm", help="arm a fault for the next orders, cancels or fills, or a market state",
                         description="Arm a fault. Kinds and their params:\n" + "\n".join(
                             f"  {k:<19} {KINDS[k].params}" for k in _ARMED),
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    arm.add_argument("kind", choices=_ARMED, metavar="KIND", help=", ".join(_ARMED))
    scope = arm.add_argument_group("scope (which orders; none: every order)")
    scope.add_argument("--symbol", help="only this Symbol (55)")
    scope.add_argument("--session", help="only orders from this SenderCompID")
    scope.add_argument("--count", type=int, help="the next N matches, then spent")
    scope.add_argument("--probability", type=float, help="chance each match is hit, 0..1 (seeded)")
    scope.add_argument("--start-s", type=float, help="the window opens this many seconds from now")
    scope.add_argument("--end-s", type=float, help="the window closes this many seconds from now")
    params = arm.add_argument_group("params (only those the kind takes)")
    params.add_argument("--reason", type=int, help="OrdRejReason (103) for reject, CxlRejReason (102) for "
                                                   "reject_cancel, ExecRestatementReason (378) for cancel_unsolicited")
    params.add_argument("--text", help="Text (58) on the reject or cancel")
    params.add_argument("--ratio", type=float, help="partial_fill: the part filled; thin_book: of each size; 0..1")
    params.add_argument("--slices", help="partial_fill: quantities filled, e.g. 100,200")
    params.add_argument("--ticks", type=int, help="worse_price: ticks worse for the client; widen_spread: wider "
                                                  "each side; crossed_quote: bid above the offer")
    params.add_argument("--ms", type=float, help="delay_ack / delay_fills: a fixed delay")
    params.add_argument("--dist", choices=("uniform", "exponential"), help="delay: a drawn delay instead")
    params.add_argument("--low-ms", type=float, help="uniform delay: from")
    params.add_argument("--high-ms", type=float, help="uniform delay: to")
    params.add_argument("--mean-ms", type=float, help="exponential delay: mean")
    params.add_argument("--after-ms", type=float, help="cancel_unsolicited: this long after the ack")
    params.add_argument("--seconds", type=float, help="stale_sending_time / stop_heartbeats: how far back, how long")
    params.add_argument("--how", choices=("checksum", "body_length"), help="garbled: what is broken")
    params.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                        help="any other param; VALUE read as JSON if it parses, else as text")

    sub.add_parser("list", help="faults armed, armed but never fired, scheduled by scenarios")
    sub.add_parser("fired", help="every firing so far (operations included), in order")
    dis = sub.add_parser("disarm", help="disarm a fault")
    dis.add_argument("fault_id", metavar="ID", help="e.g. F1 (see list)")
    for op, what in (("halt", "halt trading in a symbol"), ("resume", "resume a halted symbol")):
        sp = sub.add_parser(op, help=what)
        sp.add_argument("symbol", metavar="SYMBOL")
    drop = sub.add_parser("drop", help="close a session's FIX connection without a Logout")
    drop.add_argument("session", nargs="?", metavar="SESSION", help="the client's SenderCompID (default: all)")
    bust = sub.add_parser("bust", help="bust a trade: ExecutionReport ExecType H to its session")
    bust.add_argument("exec_id", metavar="EXEC_ID", help="ExecID (17) of the fill")
    cor = sub.add_parser("correct", help="correct a trade: ExecutionReport ExecType G to its session")
    cor.add_argument("exec_id", metavar="EXEC_ID", help="ExecID (17) of the fill")
    cor.add_argument("--qty", type=int, help="the corrected LastQty (not above the fill's)")
    cor.add_argument("--price", help="the corrected LastPx, e.g. 190.01")
    fv = sub.add_parser("fair_value", help="move a symbol's fair value now: a step, or a trend (--over-s)")
    fv.add_argument("symbol", metavar="SYMBOL")
    fv.add_argument("bps", type=float, metavar="BPS", help="basis points, e.g. 50 or -50")
    fv.add_argument("--over-s", type=float, help="a trend over this many seconds (default: a step at once)")
    spike = sub.add_parser("volume_spike", help="the venue's own market orders trading QTY shares now")
    spike.add_argument("symbol", metavar="SYMBOL")
    spike.add_argument("qty", type=int, metavar="QTY", help="shares in all, whole lots")
    spike.add_argument("--over-s", type=float, help="spread over this many seconds (default 10)")
    spike.add_argument("--slices", type=int, help="that many orders (default 10)")
    spike.add_argument("--side", choices=("buy", "sell", "both"), help="default both, alternating")
    load = sub.add_parser("load", help="load a venue scenario file (YAML or JSON), run from now")
    load.add_argument("file", type=Path, metavar="FILE", help="e.g. config/scenarios/venue/reject_storm.yaml")
    sub.add_parser("health", help="is the venue there; its FIX and control addresses")


# -- HTTP -------------------------------------------------------------------------------------------------------

def _call(base: str, method: str, path: str, body: Any = None, *, raw: bytes | None = None,
          content_type: str = "application/json", timeout: float = 5.0) -> Any:
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(base.rstrip("/") + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        try:
            detail = json.loads(e.read()).get("detail") or e.reason
        except (ValueError, AttributeError):
            detail = e.reason
        raise _Failed(f"{method} {path}: {e.code} {detail}") from None
    except (urllib.error.URLError, OSError) as e:
        why = getattr(e, "reason", e)
        raise _Failed(f"no answer from {base} ({why}): is the venue running? (oms-fix venues)") from None
    except ValueError:
        raise _Failed(f"{base}{path} did not answer with JSON: is that a venue's control API?") from None


def _base(args: argparse.Namespace) -> str:
    if args.url:
        return str(args.url)
    cfg = load_venues_config(args.config)
    if args.venue not in cfg.venues:
        raise VenuesConfigError(f"{args.config or 'config/venues.yaml'}: no venue {args.venue!r} "
                                f"(configured: {', '.join(cfg.venues)})")
    port = cfg.control_port(args.venue)
    if not port:
        raise VenuesConfigError(f"venues.{args.venue}.control_port is 0 (any free port): pass --url, from the "
                                "venue's ready line ('control http://...')")
    return f"http://{cfg.host}:{port}"


# -- what each action sends and prints ------------------------------------------------------------------------

def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _arm_body(args: argparse.Namespace) -> dict[str, Any]:
    params: dict[str, Any] = {k: getattr(args, k) for k in _PARAM_FLAGS if getattr(args, k) is not None}
    if args.slices is not None:
        try:
            params["slices"] = [int(q) for q in args.slices.split(",")]
        except ValueError:
            raise _Usage(f"--slices {args.slices!r}: give quantities like 100,200") from None
    for kv in args.param:
        key, sep, val = kv.partition("=")
        if not sep or not key:
            raise _Usage(f"--param {kv!r}: give KEY=VALUE")
        params[key] = _value(val)
    scope = {k: getattr(args, k) for k in ("symbol", "session", "count", "probability", "start_s", "end_s")
             if getattr(args, k) is not None}
    return {"kind": args.kind, "params": params, "scope": scope}


def _kv(d: dict[str, Any]) -> str:
    return " ".join(f"{k}={v!r}" if isinstance(v, str) and " " in v else f"{k}={v}"
                    for k, v in d.items() if v is not None and (k, v) != ("probability", 1.0)) or "-"


def _when(ns: int) -> str:
    return format_ns(ns).decode()


def _scope(scope: dict[str, Any]) -> str:
    # A window in the venue's clock reads as UTC times, as SendingTime (52) does.
    return _kv({k.replace("_ns", ""): _when(v) if k.endswith("_ns") and v is not None else v
                for k, v in scope.items()})


def _print_list(venue: str, st: dict[str, Any]) -> None:
    armed, unfired, scheduled = st["armed"], st["unfired"], st["scheduled"]
    print(f"{venue}: {len(armed)} fault(s) armed")
    if armed:
        print(f"  {'ID':<5} {'KIND':<19} {'FIRED':>5} {'LEFT':>5}  SCOPE / PARAMS")
        for f in armed:
            left = "-" if f["left"] is None else f["left"]
            print(f"  {f['id']:<5} {f['kind']:<19} {f['fired']:>5} {left:>5}  {_scope(f['scope'])} / {_kv(f['params'])}")
    if unfired:
        print(f"{venue}: {len(unfired)} armed but never fired (and never will)")
        for f in unfired:
            print(f"  {f['id']:<5} {f['kind']:<19} {f['why']}  ({_scope(f['scope'])})")
    if scheduled:
        print(f"{venue}: {len(scheduled)} scenario action(s) still to come")
        for a in scheduled:
            print(f"  {a['scenario']} actions[{a['index']}] at {_when(a['due_ns'])}: {a['kind']} {_kv(a['params'])}"
                  + (f" / {_kv(a['scope'])}" if a.get("scope") else ""))


def _print_fired(venue: str, fired: list[dict[str, Any]]) -> None:
    if not fired:
        print(f"{venue}: nothing has fired")
    for f in fired:
        who = " ".join(x for x in (f["session"], f["symbol"], f"cl={f['cl_ord_id']}" if f["cl_ord_id"] else "") if x)
        print(f"{_when(f['time_ns'])} {f['id']:<5} {f['kind']:<19} {who}: {f['what']}")


def _print_scenario(venue: str, tl: dict[str, Any]) -> None:
    print(f"{venue}: loaded scenario {tl['id']} from {tl['source']}: {tl['actions']} action(s)"
          + (f" ({tl['description']})" if tl["description"] else ""))
    for o in tl["outcomes"]:
        print(f"  actions[{o['index']}] {o['kind']}: " + (f"NOT carried out: {o['error']}" if "error" in o
                                                          else f"done, {o.get('id', '')} {o.get('what', '')}".rstrip()))
    for a in tl["pending"]:
        print(f"  actions[{a['index']}] {a['kind']} at +{a['at_s']:g} s")


def _act(args: argparse.Namespace, base: str) -> tuple[Any, str]:
    """The API's answer and its text for a reader."""
    t, v = args.timeout, args.venue
    act = args.action
    if act == "health":
        h = _call(base, "GET", "/health", timeout=t)
        return h, f"{v}: up, {h['kind']}, FIX.4.4 {h['fix']}, control {h['control']}"
    if act == "arm":
        f = _call(base, "POST", "/faults", _arm_body(args), timeout=t)
        never = f"; it will never fire: {f['why']}" if "why" in f else ""
        return f, f"{v}: armed {f['id']} {f['kind']}: scope {_scope(f['scope'])}; params {_kv(f['params'])}{never}"
    if act == "list":
        return _call(base, "GET", "/faults", timeout=t), ""
    if act == "fired":
        return _call(base, "GET", "/faults/fired", timeout=t), ""
    if act == "disarm":
        d = _call(base, "DELETE", f"/faults/{args.fault_id}", timeout=t)
        return d, f"{v}: disarmed {d['id']} (it had fired {d['fired']} time(s))"
    if act in ("halt", "resume", "bust", "correct"):
        params: dict[str, Any] = {"symbol": args.symbol} if act in ("halt", "resume") else {"exec_id": args.exec_id}
        if act == "correct":
            params.update({k: getattr(args, k) for k in ("qty", "price") if getattr(args, k) is not None})
        r = _call(base, "POST", f"/operations/{act}", {"params": params}, timeout=t)
        sent = f"; ExecutionReport ExecID {r['exec_id']}, ExecRefID {r['exec_ref_id']}" if "exec_id" in r else ""
        return r, f"{v}: {r['id']} {act}: {r['what']}{sent}"
    if act in ("fair_value", "volume_spike"):
        keys = ("symbol", "bps", "over_s") if act == "fair_value" else ("symbol", "qty", "over_s", "slices", "side")
        body = {"params": {k: getattr(args, k) for k in keys if getattr(args, k) is not None}}
        r = _call(base, "POST", f"/operations/{act}", body, timeout=t)
        return r, f"{v}: {r['id']} {act} {args.symbol}: {r['what']}"
    if act == "drop":
        r = _call(base, "POST", "/operations/drop_connection", {"params": {"session": args.session}}, timeout=t)
        return r, f"{v}: {r['id']} drop_connection: {r['what']}"
    assert act == "load"
    try:
        raw = args.file.read_bytes()
    except OSError as e:
        raise _Usage(f"{args.file}: {e.strerror or e}") from None
    source = urllib.parse.quote(str(args.file), safe="")
    tl = _call(base, "POST", f"/scenario?source={source}", raw=raw, content_type="application/yaml", timeout=t)
    return tl, ""


def run(args: argparse.Namespace) -> int:
    try:
        base = _base(args)
        if not args.url:
            # The port comes from a config: make sure it is this venue that answers there, not another process.
            h = _call(base, "GET", "/health", timeout=args.timeout)
            name = h.get("venue") if isinstance(h, dict) else None
            if name != args.venue:
                raise _Failed(f"{base} answers, but as {name or 'something else'}, not venue {args.venue}")
        answer, text = _act(args, base)
    except (VenuesConfigError, _Usage) as e:
        print(f"oms-fix venue-ctl: {e}", file=sys.stderr)
        return 2
    except _Failed as e:
        print(f"oms-fix venue-ctl: {args.venue}: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(answer, indent=2))
    elif args.action == "list":
        _print_list(args.venue, answer)
    elif args.action == "fired":
        _print_fired(args.venue, answer)
    elif args.action == "load":
        _print_scenario(args.venue, answer)
    else:
        print(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m oms_fix.commands.venue_ctl ...`: the command without the `oms-fix` front door."""
    return run_alone("venue-ctl", __doc__, add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())
