"""A command-line FIX 4.4 trade client: send, cancel, replace and query orders, watch what comes back.

Logs on to the OMS (127.0.0.1:9878, CLIENT1 -> OMS) or straight to a venue
(--port 9881 --target EXCH --sender ME), prints every incoming application
message as one line (ExecutionReports, cancel rejects, business rejects,
market data) and keeps a view of its orders built from the reports.

Interactive: commands are read from stdin, one per line, until `quit`,
Ctrl-D or Ctrl-C, which log out (waiting a few seconds at most for the
Logout reply) and exit 0. At the end of piped input the client waits --wait
seconds for the answers first.

One-shot: -c "buy 100 AAPL @190; status last" runs the commands after the
Logon, prints what arrives for --wait seconds, logs out and exits 0. A
command that does not parse stops it before it connects (exit 2).

Either way the client exits 1 if it cannot log on (connection refused,
Logon refused: the Logout's Text is shown, or no answer in time).
Sequence numbers continue across runs: the session's store is kept under
--state-dir (default var/client/<sender>-<target>); --reset starts both at 1
with ResetSeqNumFlag=Y on the Logon.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..live.loop import run as run_loop
from ..live.tls import TlsError, client_context
from ..tradeclient.live import ClientOptions, run_interactive, run_one_shot
from ..tradeclient.parse import COMMANDS_HELP, CommandError, parse, split_commands
from .standalone import run_alone

__all__ = ["HELP", "add_arguments", "main", "run"]

HELP = "a command-line trade client: send, cancel, replace and query orders, watch ExecutionReports"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = COMMANDS_HELP
    p.add_argument("--host", default="127.0.0.1", help="where to connect (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=9878, help="port: 9878 the OMS, 9881-9885 the venues (default 9878)")
    p.add_argument("--sender", default="CLIENT1", help="our SenderCompID (default CLIENT1)")
    p.add_argument("--target", default="OMS", help="their SenderCompID, our TargetCompID (default OMS)")
    p.add_argument("--account", default="ACC001", help="Account (1) on orders unless account= says otherwise "
                                                       "(default ACC001; '' for none)")
    p.add_argument("--state-dir", type=Path, help="the session's store and logs (default var/client/<sender>-<target>)")
    p.add_argument("--username", help="Username (553) on the Logon")
    p.add_argument("--password", help="Password (554) on the Logon")
    p.add_argument("--heartbeat", type=int, default=30, metavar="S", help="HeartBtInt to propose (default 30)")
    p.add_argument("--reset", action="store_true", help="ResetSeqNumFlag=Y on the Logon: both sides start at 1")
    p.add_argument("-c", "--commands", metavar="'CMD; CMD ...'", help="run these commands and exit (one-shot)")
    p.add_argument("--wait", type=float, default=2.0, metavar="S",
                   help="seconds to print what arrives after the last command (default 2)")
    p.add_argument("--logon-timeout", type=float, default=10.0, metavar="S",
                   help="give up logging on after this long (default 10)")
    p.add_argument("--tls", action="store_true", help="FIX over TLS (the acceptor's tls_cert is set)")
    p.add_argument("--tls-ca", type=Path, metavar="PEM",
                   help="trust this certificate (e.g. a self-signed one) for --tls; default: the system's CAs")


def _options(args: argparse.Namespace) -> ClientOptions:
    state_dir = args.state_dir or Path("var") / "client" / f"{args.sender}-{args.target}"
    return ClientOptions(host=args.host, port=args.port, sender=args.sender, target=args.target,
                         account=args.account or None, state_dir=state_dir, username=args.username,
                         password=args.password, heartbeat_s=args.heartbeat, reset=args.reset,
                         logon_timeout_s=args.logon_timeout, tls=args.tls or args.tls_ca is not None,
                         tls_ca=args.tls_ca)


def run(args: argparse.Namespace) -> int:
    if args.heartbeat < 0 or args.wait < 0 or args.logon_timeout <= 0:
        print("oms-fix client: --heartbeat and --wait must not be negative, --logon-timeout must be positive",
              file=sys.stderr)
        return 2
    opts = _options(args)
    if opts.tls:
        try:
            client_context(opts.tls_ca)
        except TlsError as e:
            print(f"oms-fix client: --tls-ca: {e}", file=sys.stderr)
            return 2
    if args.commands is not None:
        bad = [(text, cmd) for text in split_commands(args.commands)
               if isinstance(cmd := parse(text), CommandError)]
        for text, err in bad:
            print(f"oms-fix client: -c {text!r}: {err}", file=sys.stderr)
        if bad:
            return 2
        return int(run_loop(run_one_shot(opts, args.commands, args.wait)))
    return int(run_loop(run_interactive(opts, args.wait)))


def main(argv: list[str] | None = None) -> int:
    """`python -m oms_fix.commands.client ...`: the command without the `oms-fix` front door."""
    return run_alone("client", __doc__, add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())
