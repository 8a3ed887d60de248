"""The trade client's command language: one line in, one command or a `CommandError` out.

Pure and syntactic: whether an order named by a command exists is for
`requests` to say. An error names the word that is wrong and what would be
right; nothing is ever sent for a line that does not parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

__all__ = ["COMMANDS_HELP", "Cancel", "Command", "CommandError", "Help", "MassCancel", "NewOrder", "Quit", "Raw",
           "Replace", "ShowOrders", "Status", "Subscribe", "Unsubscribe", "Wait", "parse", "split_commands"]

COMMANDS_HELP = """\
commands (one per line, or several separated by ';'):
  buy QTY SYMBOL [@PRICE|mkt] [OPTION ...]   NewOrderSingle, Side 1 (sell: 2, short: 5)
  sell QTY SYMBOL ...  /  short QTY SYMBOL ...
      no price, or mkt: a market order; stop=PX makes it a stop (stop-limit with @PRICE)
      tif=day|gtc|ioc|fok|gtd|opg|cls   TimeInForce (gtd needs expire=YYYYMMDD or YYYYMMDD-HH:MM:SS)
      dest=VENUE        ExDestination (100)       floor=N    MaxFloor (111; 0 hides the order)
      minqty=N          MinQty (110)              peg=P|M|R  pegged (OrdType P; market, midpoint,
      offset=X          PegOffsetValue (211)                 primary), @PRICE caps it
      postonly          ExecInst 6                account=X  Account (1), default --account
      id=CLORDID        your own ClOrdID (default: generated, unique across runs)
  cancel CLORDID [symbol=S side=buy|sell|short]   OrderCancelRequest; symbol and side for an order
                                                  this client has not seen
  replace CLORDID [qty=N] [px=P]     OrderCancelReplaceRequest, resending the order's other terms
  status CLORDID [symbol=S side=...] OrderStatusRequest
  massCancel [SYMBOL]                OrderMassCancelRequest: that symbol (530=1) or all (530=7)
  md SYMBOL [depth=N]                subscribe to bids, offers and trades (263=1; depth 5 by default)
  unmd SYMBOL                        unsubscribe
  orders                             this client's orders as its ExecutionReports left them
  raw 35=D|11=X|55=AAPL|...          send these fields as they are ('|' separates; 35 is required)
  wait SECONDS                       pause (in -c scripts)
  help                               this text
  quit                               log out and exit (also Ctrl-C, Ctrl-D)
CLORDID may be 'last' (or '<last>'): the latest order this client sent, or any ClOrdID of an order."""

_SIDES = {"buy": "1", "sell": "2", "short": "5"}
_SIDE_NAMES = {"buy": "1", "sell": "2", "short": "5", "1": "1", "2": "2", "5": "5"}
_TIFS = {"day": "0", "gtc": "1", "opg": "2", "ioc": "3", "fok": "4", "gtd": "6", "cls": "7"}
_PEGS = {"P", "M", "R"}
_ORDER_OPTIONS = ("tif", "dest", "stop", "floor", "minqty", "peg", "offset", "account", "id", "expire")
_QTY = re.compile(r"[1-9][0-9]*")
_PRICE = re.compile(r"[0-9]+(\.[0-9]+)?|\.[0-9]+")
_OFFSET = re.compile(r"[-+]?([0-9]+(\.[0-9]+)?|\.[0-9]+)")
_SYMBOL = re.compile(r"[A-Za-z0-9][A-Za-z0-9./_-]*")
_ID = re.compile(r"[!-~]+")  # printable ASCII, no spaces: any ClOrdID a FIX peer can carry
_EXPIRE = re.compile(r"[0-9]{8}(-[0-9]{2}:[0-9]{2}:[0-9]{2})?")


@dataclass(frozen=True, slots=True)
class CommandError:
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True, kw_only=True)
class NewOrder:
    side: str  # Side (54): 1, 2 or 5
    qty: int
    symbol: str
    price: str | None = None
    stop_px: str | None = None
    tif: str | None = None  # TimeInForce (59); None leaves it out (Day)
    expire: str | None = None
    dest: str | None = None
    max_floor: int | None = None
    min_qty: int | None = None
    peg: str | None = None  # ExecInst for OrdType P: P market, M midpoint, R primary
    peg_offset: str | None = None
    post_only: bool = False
    account: str | None = None
    cl_ord_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Cancel:
    ref: str
    symbol: str | None = None
    side: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Replace:
    ref: str
    qty: int | None = None
    price: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Status:
    ref: str
    symbol: str | None = None
    side: str | None = None


@dataclass(frozen=True, slots=True)
class MassCancel:
    symbol: str | None = None


@dataclass(frozen=True, slots=True)
class Subscribe:
    symbol: str
    depth: int = 5


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    symbol: str


@dataclass(frozen=True, slots=True)
class Raw:
    msg_type: str
    fields: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class Wait:
    seconds: float


@dataclass(frozen=True, slots=True)
class ShowOrders:
    pass


@dataclass(frozen=True, slots=True)
class Help:
    pass


@dataclass(frozen=True, slots=True)
class Quit:
    pass


Command = (NewOrder | Cancel | Replace | Status | MassCancel | Subscribe | Unsubscribe | Raw | Wait | ShowOrders
           | Help | Quit)


class _Bad(Exception):
    """A word that does not parse; becomes a CommandError (never escapes this module)."""


def split_commands(text: str) -> list[str]:
    """`-c "buy 100 AAPL @190; status last"` -> its commands, blanks and #-comments dropped."""
    return [part.strip() for part in text.split(";") if part.strip() and not part.strip().startswith("#")]


def parse(line: str) -> Command | CommandError:
    words = line.split()
    if not words:
        return CommandError("empty command (try 'help')")
    verb = words[0].lower()
    handler = _VERBS.get(verb)
    if handler is None:
        return CommandError(f"unknown command {words[0]!r} (try 'help')")
    try:
        return handler(verb, words[1:], line)
    except _Bad as e:
        return CommandError(f"{verb}: {e}")


def _options(words: list[str], allowed: tuple[str, ...], flags: tuple[str, ...] = ()) -> dict[str, str]:
    out: dict[str, str] = {}
    for w in words:
        key, sep, value = w.partition("=")
        key = key.lower()
        if not sep and key in flags:
            value = "Y"
        elif not sep or key not in allowed:
            known = " ".join([f"{k}=" for k in allowed] + list(flags))
            raise _Bad(f"unknown option {w!r} (options: {known})" if known else f"unexpected {w!r}")
        elif not value:
            raise _Bad(f"option {key}= needs a value")
        if key in out:
            raise _Bad(f"option {key} given twice")
        out[key] = value
    return out


def _qty(text: str, what: str = "QTY") -> int:
    if not _QTY.fullmatch(text):
        raise _Bad(f"{what} {text!r} is not a positive whole number")
    return int(text)


def _price(text: str, what: str = "price") -> str:
    if not _PRICE.fullmatch(text) or not any(c in "123456789" for c in text):
        raise _Bad(f"{what} {text!r} is not a positive decimal number")
    return text


def _symbol(text: str) -> str:
    if not _SYMBOL.fullmatch(text):
        raise _Bad(f"SYMBOL {text!r} is not a symbol")
    return text.upper()


def _ref(words: list[str], usage: str) -> str:
    if not words:
        raise _Bad(f"missing CLORDID (usage: {usage})")
    if not _ID.fullmatch(words[0]) or "=" in words[0]:
        raise _Bad(f"CLORDID {words[0]!r} is not a ClOrdID (usage: {usage})")
    return words[0]


def _side(opts: dict[str, str]) -> str | None:
    if "side" not in opts:
        return None
    side = _SIDE_NAMES.get(opts["side"].lower())
    if side is None:
        raise _Bad(f"side {opts['side']!r} is not buy, sell or short")
    return side


def _new_order(verb: str, words: list[str], line: str) -> Command:
    usage = f"{verb} QTY SYMBOL [@PRICE|mkt] [OPTION ...]"
    if len(words) < 2:
        raise _Bad(f"missing {'QTY' if not words else 'SYMBOL'} (usage: {usage})")
    qty = _qty(words[0])
    symbol = _symbol(words[1])
    rest = words[2:]
    price: str | None = None
    if rest and (rest[0].startswith("@") or rest[0].lower() == "mkt"):
        word = rest.pop(0)
        if word.lower() not in ("mkt", "@mkt"):
            price = _price(word[1:] or "(nothing)")
    opts = _options(rest, _ORDER_OPTIONS, ("postonly",))
    tif = None
    if "tif" in opts:
        tif = _TIFS.get(opts["tif"].lower())
        if tif is None:
            raise _Bad(f"tif={opts['tif']} is not one of {'|'.join(_TIFS)}")
    expire = opts.get("expire")
    if expire is not None and not _EXPIRE.fullmatch(expire):
        raise _Bad(f"expire={expire} is not YYYYMMDD or YYYYMMDD-HH:MM:SS (UTC)")
    if tif == "6" and expire is None:
        raise _Bad("tif=gtd needs expire=YYYYMMDD or expire=YYYYMMDD-HH:MM:SS (UTC)")
    if expire is not None and tif != "6":
        raise _Bad("expire= is only for tif=gtd")
    peg = opts.get("peg")
    if peg is not None and peg.upper() not in _PEGS:
        raise _Bad(f"peg={peg} is not P (market), M (midpoint) or R (primary)")
    offset = opts.get("offset")
    if offset is not None:
        if peg is None:
            raise _Bad("offset= needs peg=")
        if not _OFFSET.fullmatch(offset):
            raise _Bad(f"offset={offset} is not a decimal number")
    stop = _price(opts["stop"], "stop") if "stop" in opts else None
    if stop is not None and peg is not None:
        raise _Bad("an order is pegged or a stop, not both")
    cl_ord_id = opts.get("id")
    if cl_ord_id is not None and cl_ord_id.lower() in ("last", "<last>"):
        raise _Bad(f"id={cl_ord_id} is reserved: it names the latest order")
    return NewOrder(
        side=_SIDES[verb], qty=qty, symbol=symbol, price=price, stop_px=stop, tif=tif, expire=expire,
        dest=opts.get("dest"), max_floor=_floor(opts.get("floor")),
        min_qty=_qty(opts["minqty"], "minqty") if "minqty" in opts else None,
        peg=peg.upper() if peg else None, peg_offset=offset, post_only="postonly" in opts,
        account=opts.get("account"), cl_ord_id=cl_ord_id)


def _floor(text: str | None) -> int | None:
    if text is None:
        return None
    if text == "0":
        return 0  # FIX 4.4 has no DisplayQty: MaxFloor 0 is a hidden order
    return _qty(text, "floor")


def _cancel(verb: str, words: list[str], line: str) -> Command:
    ref = _ref(words, "cancel CLORDID [symbol=S side=buy|sell|short]")
    opts = _options(words[1:], ("symbol", "side"))
    return Cancel(ref=ref, symbol=_symbol(opts["symbol"]) if "symbol" in opts else None, side=_side(opts))


def _status(verb: str, words: list[str], line: str) -> Command:
    ref = _ref(words, "status CLORDID [symbol=S side=buy|sell|short]")
    opts = _options(words[1:], ("symbol", "side"))
    return Status(ref=ref, symbol=_symbol(opts["symbol"]) if "symbol" in opts else None, side=_side(opts))


def _replace(verb: str, words: list[str], line: str) -> Command:
    ref = _ref(words, "replace CLORDID [qty=N] [px=P]")
    opts = _options(words[1:], ("qty", "px"))
    if not opts:
        raise _Bad("nothing to change: give qty=N and/or px=P")
    return Replace(ref=ref, qty=_qty(opts["qty"], "qty") if "qty" in opts else None,
                   price=_price(opts["px"], "px") if "px" in opts else None)


def _mass_cancel(verb: str, words: list[str], line: str) -> Command:
    if len(words) > 1:
        raise _Bad(f"unexpected {words[1]!r} (usage: massCancel [SYMBOL])")
    return MassCancel(_symbol(words[0]) if words else None)


def _md(verb: str, words: list[str], line: str) -> Command:
    if not words:
        raise _Bad("missing SYMBOL (usage: md SYMBOL [depth=N])")
    opts = _options(words[1:], ("depth",))
    depth = 5
    if "depth" in opts:
        depth = 0 if opts["depth"] == "0" else _qty(opts["depth"], "depth")  # MarketDepth 0: the full book
    return Subscribe(_symbol(words[0]), depth)


def _unmd(verb: str, words: list[str], line: str) -> Command:
    if len(words) != 1:
        raise _Bad("usage: unmd SYMBOL")
    return Unsubscribe(_symbol(words[0]))


def _raw(verb: str, words: list[str], line: str) -> Command:
    text = line.strip()[len(verb):].strip()
    if not text:
        raise _Bad("nothing to send (usage: raw 35=D|11=X|55=AAPL|...)")
    if "\x01" in text:
        raise _Bad("use '|' between fields, not SOH")
    fields: list[tuple[int, str]] = []
    for part in text.split("|"):
        if not part:
            continue
        tag, sep, value = part.partition("=")
        if not sep or not tag.strip().isdigit() or int(tag) <= 0:
            raise _Bad(f"{part!r} is not TAG=VALUE")
        fields.append((int(tag), value))
    msg_type = [v for t, v in fields if t == 35]
    if len(msg_type) != 1 or not msg_type[0]:
        raise _Bad("give MsgType exactly once, e.g. 35=D")
    return Raw(msg_type[0], tuple((t, v) for t, v in fields if t != 35))


def _wait(verb: str, words: list[str], line: str) -> Command:
    if len(words) != 1:
        raise _Bad("usage: wait SECONDS")
    try:
        seconds = float(words[0])
    except ValueError:
        raise _Bad(f"SECONDS {words[0]!r} is not a number") from None
    if not 0 <= seconds <= 3600:
        raise _Bad(f"SECONDS {words[0]} is not between 0 and 3600")
    return Wait(seconds)


def _no_args(command: Command) -> Callable[[str, list[str], str], Command]:
    def handler(verb: str, words: list[str], line: str) -> Command:
        if words:
            raise _Bad(f"takes no arguments, got {words[0]!r}")
        return command
    return handler


_VERBS: dict[str, Callable[[str, list[str], str], Command]] = {
    "buy": _new_order, "sell": _new_order, "short": _new_order,
    "cancel": _cancel, "replace": _replace, "status": _status, "masscancel": _mass_cancel,
    "md": _md, "unmd": _unmd, "raw": _raw, "wait": _wait,
    "orders": _no_args(ShowOrders()), "help": _no_args(Help()), "?": _no_args(Help()),
    "quit": _no_args(Quit()), "exit": _no_args(Quit()),
}
