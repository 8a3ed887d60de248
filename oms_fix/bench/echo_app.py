"""The echo used by the session benchmark: every NewOrderSingle gets one ExecutionReport."""

from __future__ import annotations

from itertools import count

from ..fix.codec import Message
from ..live.connection import SessionConnection

__all__ = ["EchoApplication", "nos_body"]

_NOS_TAGS = (11, 1, 55, 54, 38, 40, 44, 60)


def nos_body(cl_ord_id: bytes, transact_time: bytes) -> bytes:
    return (b"11=%s\x011=ACC001\x0155=AAPL\x0154=1\x0160=%s\x0138=100\x0140=2\x0144=187.25\x0159=0\x01"
            % (cl_ord_id, transact_time))


class EchoApplication:
    """Answers each NewOrderSingle with a filled ExecutionReport (ExecType F)."""

    def __init__(self) -> None:
        self._ids = count(1)
        self.received = 0

    def on_logon(self, conn: SessionConnection) -> None:
        pass

    def on_logout(self, conn: SessionConnection, reason: str) -> None:
        pass

    def on_message(self, conn: SessionConnection, msg: Message) -> None:
        self.received += 1
        if msg.msg_type != b"D":
            conn.business_reject(msg, 3, "only NewOrderSingle is echoed")
            return
        n = next(self._ids)
        cl_ord_id, account, symbol, side, qty, ord_type, price, transact_time = msg.pick(_NOS_TAGS)
        account = account or b"NONE"
        price = price or b"0"
        body = (b"37=O%d\x0117=E%d\x0111=%s\x01150=F\x0139=2\x011=%s\x0155=%s\x0154=%s\x0138=%s\x0140=%s"
                b"\x0144=%s\x0132=%s\x0131=%s\x01151=0\x0114=%s\x016=%s\x0160=%s\x01"
                % (n, n, cl_ord_id, account, symbol, side, qty, ord_type, price,
                   qty, price, qty, price, transact_time))
        conn.send(b"8", body)
