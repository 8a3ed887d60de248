"""Turn the kill switch of a running OMS on (or off with --revive), for one account or all.

On: the OMS refuses new orders for the account (every account if none is
named) with "kill switch" in the Text, and cancels everything it has working at
the venues; clients get Canceled reports saying why. The switch is journaled,
so it stays on across a restart until revived. Talks to the OMS over its
control socket in the state directory (var/oms.ctl).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from pathlib import Path

from ..live.control import control_path

HELP = "turn the kill switch of a running OMS on or off"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--account", help="only this account (default: every account)")
    p.add_argument("--reason", default="operator", help="why; it is in every report the switch causes")
    p.add_argument("--revive", action="store_true", help="turn the switch off instead")
    p.add_argument("--status", action="store_true",
                   help="only show the OMS's kill switches, working orders, positions and P&L at the last mark")
    p.add_argument("--state-dir", help="the OMS's state directory (default: var/; env OMS_FIX_STATE_DIR)")


def run(args: argparse.Namespace) -> int:
    state = Path(args.state_dir or os.environ.get("OMS_FIX_STATE_DIR") or "var")
    path = control_path(state)
    if args.status:
        req = {"cmd": "status"}
    else:
        req = {"cmd": "revive" if args.revive else "kill", "account": args.account, "reason": args.reason}
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(str(path))
            s.sendall(json.dumps(req).encode() + b"\n")
            reply = s.makefile("rb").readline()
    except OSError as e:
        print(f"oms-fix kill: no OMS answering at {path}: {e.strerror or e} (is `oms-fix up` running with "
              f"--state-dir {state}?)", file=sys.stderr)
        return 1
    try:
        answer = json.loads(reply)
    except ValueError:
        print(f"oms-fix kill: the OMS sent an unreadable reply: {reply!r}", file=sys.stderr)
        return 1
    if not answer.get("ok"):
        print(f"oms-fix kill: {answer.get('error')}", file=sys.stderr)
        return 1
    if "kill" in answer:
        print(f"kill switch ON for {answer['kill']} ({answer['reason']}): "
              f"{answer['orders_canceled']} working orders being canceled")
    elif "revive" in answer:
        print(f"kill switch OFF for {answer['revive']} ({answer['reason']})")
    else:
        print(json.dumps({k: v for k, v in answer.items() if k != "ok"}, indent=2))
    return 0
