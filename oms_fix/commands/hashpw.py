"""Hash a FIX Logon password for config/oms.yaml, so it is not stored in clear.

Reads the password from standard input (one line) and prints
`sha256:<salt>:<hex>`, the form a session's `password` key accepts.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from ..fix.config import hash_password

HELP = "hash a Logon password for the config"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--salt", help="salt to use (default: derived from the password)")


def run(args: argparse.Namespace) -> int:
    pw = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if not pw:
        print("no password given", file=sys.stderr)
        return 2
    print(hash_password(pw, args.salt))
    return 0
