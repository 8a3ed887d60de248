"""The asyncio acceptor over real loopback sockets: routing, refusals, abuse."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from oms_fix.fix.codec import FixParser, Message, encode
from oms_fix.fix.config import SessionConfig
from oms_fix.fix.registry import SessionRegistry
from oms_fix.fix.session import Session
from oms_fix.fix.store import MemoryStore
from oms_fix.fix.utctime import format_ns
from oms_fix.live.acceptor import FixAcceptor
from oms_fix.live.initiator import FixInitiator
from oms_fix.bench.echo_app import EchoApplication, nos_body


def logon(sender: str, seq: int = 1, target: str = "OMS", hb: int = 30) -> bytes:
    return encode([(35, "A"), (49, sender), (56, target), (34, seq), (52, format_ns(time.time_ns())),
                   (98, 0), (108, hb)])


class Recorder:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.logons = 0
        self.logouts: list[str] = []
        self.event = asyncio.Event()

    def on_logon(self, conn) -> None:
        self.logons += 1
        self.event.set()

    def on_logout(self, conn, reason: str) -> None:
        self.logouts.append(reason)
        self.event.set()

    def on_message(self, conn, msg: Message) -> None:
        self.messages.append(msg)
        self.event.set()


async def start_acceptor(tmp: Path, notes: list[str], max_message_size: int = 1 << 20,
                         logon_timeout_s: float = 10.0) -> FixAcceptor:
    reg = SessionRegistry(lambda cfg: MemoryStore(), max_message_size=max_message_size)
    reg.add(SessionConfig(sender_comp_id="OMS", target_comp_id="CLIENT1", role="acceptor"))
    reg.add_pattern("CLT*", SessionConfig(sender_comp_id="OMS", target_comp_id="*", role="acceptor", account="ACC001"))
    acc = FixAcceptor(reg, EchoApplication(), "127.0.0.1", 0, log_dir=tmp / "log", on_note=notes.append,
                      max_message_size=max_message_size, logon_timeout_s=logon_timeout_s)
    await acc.start()
    return acc


async def read_messages(reader: asyncio.StreamReader, n: int, timeout: float = 5.0) -> list[Message]:
    parser, out = FixParser(), []
    deadline = time.monotonic() + timeout
    while len(out) < n:
        data = await asyncio.wait_for(reader.read(65536), max(0.01, deadline - time.monotonic()))
        if not data:
            break
        parser.feed(data)
        out += [m for m in parser if isinstance(m, Message)]
    return out


async def closed(reader: asyncio.StreamReader, timeout: float = 5.0) -> bytes:
    """Everything the peer sends until it closes the connection."""
    buf = b""
    while True:
        try:
            data = await asyncio.wait_for(reader.read(65536), timeout)
        except ConnectionResetError:
            return buf  # a reset is a close too: the acceptor dropped us mid-flood
        if not data:
            return buf
        buf += data


def test_configured_and_pattern_sessions_echo(tmp_path: Path) -> None:
    async def main() -> None:
        acc = await start_acceptor(tmp_path, [])
        try:
            for sender in ("CLIENT1", "CLT77"):
                rec = Recorder()
                ini = FixInitiator(Session(SessionConfig(sender_comp_id=sender, target_comp_id="OMS",
                                                         role="initiator"), MemoryStore()),
                                   rec, "127.0.0.1", acc.port, reconnect=False)
                ini.start()
                await ini.wait_logged_on(5)
                for i in range(50):
                    ini.conn.send(b"D", nos_body(b"%s-%d" % (sender.encode(), i), format_ns(time.time_ns())))
                while len(rec.messages) < 50:
                    rec.event.clear()
                    await asyncio.wait_for(rec.event.wait(), 5)
                assert [m.get(11) for m in rec.messages] == [b"%s-%d" % (sender.encode(), i) for i in range(50)]
                assert all(m.get(150) == b"F" for m in rec.messages)
                await ini.stop()
        finally:
            await acc.stop()
        log = (tmp_path / "log").glob("*CLT77.messages.log")
        text = next(log).read_text()
        assert "|35=D|" in text and "|35=8|" in text

    asyncio.run(main())


def test_unknown_comp_id_gets_logout_and_is_logged(tmp_path: Path) -> None:
    async def main() -> None:
        notes: list[str] = []
        acc = await start_acceptor(tmp_path, notes)
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", acc.port)
            writer.write(logon("STRANGER"))
            data = await closed(reader)
            p = FixParser()
            p.feed(data)
            out = [m for m in p if isinstance(m, Message)]
            assert [m.msg_type for m in out] == [b"5"]
            assert b"STRANGER" in (out[0].get(58) or b"")
            assert any("STRANGER" in n for n in notes)
            acceptor_log = next((tmp_path / "log").glob("acceptor-*.events.log")).read_text()
            assert "refused: unknown session" in acceptor_log and "STRANGER" in acceptor_log
            writer.close()
        finally:
            await acc.stop()

    asyncio.run(main())


def test_1S_b_second_connection_for_live_session_closed_silently(tmp_path: Path) -> None:
    async def main() -> None:
        acc = await start_acceptor(tmp_path, [])
        try:
            r1, w1 = await asyncio.open_connection("127.0.0.1", acc.port)
            w1.write(logon("CLIENT1"))
            [reply] = await read_messages(r1, 1)
            assert reply.msg_type == b"A"
            r2, w2 = await asyncio.open_connection("127.0.0.1", acc.port)
            w2.write(logon("CLIENT1", seq=2))
            assert await closed(r2) == b""
            # The live session is untouched: its next inbound number is still 2.
            w1.write(encode([(35, "1"), (49, "CLIENT1"), (56, "OMS"), (34, 2), (52, format_ns(time.time_ns())),
                             (112, "still-there")]))
            [hb] = await read_messages(r1, 1)
            assert hb.msg_type == b"0" and hb.get(112) == b"still-there"
            w1.close()
            w2.close()
        finally:
            await acc.stop()

    asyncio.run(main())


def test_oversized_body_length_disconnects_only_that_client(tmp_path: Path) -> None:
    async def main() -> None:
        acc = await start_acceptor(tmp_path, [], max_message_size=64 * 1024)
        try:
            good_r, good_w = await asyncio.open_connection("127.0.0.1", acc.port)
            good_w.write(logon("CLIENT1"))
            assert (await read_messages(good_r, 1))[0].msg_type == b"A"
            bad_r, bad_w = await asyncio.open_connection("127.0.0.1", acc.port)
            bad_w.write(logon("CLT1"))
            assert (await read_messages(bad_r, 1))[0].msg_type == b"A"
            bad_w.write(b"8=FIX.4.4\x019=104857600\x0135=D\x01")
            rest = await closed(bad_r)
            p = FixParser()
            p.feed(rest)
            assert [m.msg_type for m in p if isinstance(m, Message)] == [b"5"]
            good_w.write(encode([(35, "1"), (49, "CLIENT1"), (56, "OMS"), (34, 2),
                                 (52, format_ns(time.time_ns())), (112, "ok")]))
            assert (await read_messages(good_r, 1))[0].get(112) == b"ok"
            good_w.close()
            bad_w.close()
        finally:
            await acc.stop()

    asyncio.run(main())


def test_client_that_never_logs_on_is_cut_off(tmp_path: Path) -> None:
    async def main() -> None:
        notes: list[str] = []
        acc = await start_acceptor(tmp_path, notes, logon_timeout_s=0.3)
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", acc.port)
            writer.write(b"garbage that is not FIX\x01" * 10)
            assert await closed(reader, timeout=5) == b""
            assert any("no Logon" in n for n in notes)
            writer.close()
        finally:
            await acc.stop()

    asyncio.run(main())


def test_flood_before_logon_is_bounded(tmp_path: Path) -> None:
    async def main() -> None:
        acc = await start_acceptor(tmp_path, [], max_message_size=16 * 1024, logon_timeout_s=1.0)
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", acc.port)
            junk = b"x" * 65536
            try:
                for _ in range(64):
                    writer.write(junk)
                    await writer.drain()
            except ConnectionError:
                pass
            assert await closed(reader, timeout=5) == b""
            writer.close()
        finally:
            await acc.stop()

    asyncio.run(main())


@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_logon_split_into_chunks(tmp_path: Path, chunk: int) -> None:
    async def main() -> None:
        acc = await start_acceptor(tmp_path, [])
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", acc.port)
            data = logon("CLIENT1")
            for i in range(0, len(data), chunk):
                writer.write(data[i : i + chunk])
                await writer.drain()
            assert (await read_messages(reader, 1))[0].msg_type == b"A"
            writer.close()
        finally:
            await acc.stop()

    asyncio.run(main())


def test_initiator_reconnects_with_backoff_and_keeps_its_numbers(tmp_path: Path) -> None:
    async def main() -> None:
        notes: list[str] = []
        # The acceptor's stores outlive it, as a FileStore would across a restart.
        stores: dict[str, MemoryStore] = {}

        async def acceptor(port: int) -> FixAcceptor:
            reg = SessionRegistry(lambda cfg: stores.setdefault(cfg.session_id, MemoryStore()))
            reg.add(SessionConfig(sender_comp_id="OMS", target_comp_id="CLIENT1", role="acceptor"))
            acc = FixAcceptor(reg, EchoApplication(), "127.0.0.1", port)
            await acc.start()
            return acc

        acc = await acceptor(0)
        port = acc.port
        rec = Recorder()
        store = MemoryStore()
        ini = FixInitiator(Session(SessionConfig(sender_comp_id="CLIENT1", target_comp_id="OMS",
                                                 role="initiator"), store),
                           rec, "127.0.0.1", port, backoff_s=0.05, max_backoff_s=0.2, on_note=notes.append)
        ini.start()
        await ini.wait_logged_on(5)

        async def round_trip(cl_ord_id: bytes) -> None:
            ini.conn.send(b"D", nos_body(cl_ord_id, format_ns(time.time_ns())))
            while not any(m.get(11) == cl_ord_id for m in rec.messages):
                rec.event.clear()
                await asyncio.wait_for(rec.event.wait(), 5)

        await round_trip(b"before")
        await acc.stop()
        await asyncio.sleep(0.6)  # nothing listens: attempts fail and back off
        delays = [float(n.split("retrying in ")[1].rstrip("s")) for n in notes if "retrying in" in n]
        assert len(delays) >= 2 and delays[-1] > delays[0], notes
        acc = await acceptor(port)
        try:
            await ini.wait_logged_on(5)
            await round_trip(b"after")
            # One FIX session across both connections: numbers continued, none reset.
            assert stores["FIX.4.4:OMS->CLIENT1"].next_target == store.next_sender
            assert store.next_sender > 4
        finally:
            await ini.stop()
            await acc.stop()

    asyncio.run(main())
