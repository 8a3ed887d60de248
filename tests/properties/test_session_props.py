"""Two joined sessions heal after any mess on the wire.

Hypothesis drops, duplicates, garbles and reorders messages in flight, sends
application messages both ways, logs out, lets time pass and reconnects. Then the wire
becomes reliable; within bounded virtual time both sides must be logged on,
every application message delivered exactly once and in order, and each
side's inbound counter equal to the other's outbound counter.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.scenarios.transcript import Pair, Side, nos

SIDES = st.sampled_from(["ini", "acc"])
OPS = st.one_of(
    st.tuples(st.just("send"), SIDES, st.integers(1, 3)),
    st.tuples(st.just("deliver"), SIDES, st.integers(1, 6)),
    st.tuples(st.just("drop"), SIDES, st.integers(0, 20)),
    st.tuples(st.just("dup"), SIDES, st.integers(0, 20)),
    st.tuples(st.just("swap"), SIDES, st.integers(0, 20)),
    st.tuples(st.just("garble"), SIDES, st.integers(0, 10_000)),
    st.tuples(st.just("tick"), st.integers(1, 25), st.just(0)),
    st.tuples(st.just("reconnect"), st.just(0), st.just(0)),
    st.tuples(st.just("logout"), SIDES, st.just(0)),
)


def er(order_id: str) -> list[tuple[int, object]]:
    return [(37, order_id), (17, "E" + order_id), (150, "0"), (39, "0"), (54, "1"), (151, 100), (14, 0), (6, 0)]


def ids(side: Side) -> list[str]:
    return [(m.get(11) or m.get(37)).decode() for m in side.delivered]


def healed(p: Pair, sent: dict[str, list[str]]) -> bool:
    return (p.connected and p.logged_on and p.in_step() and not p.ini.wire and not p.acc.wire
            and ids(p.acc) == sent["ini"] and ids(p.ini) == sent["acc"])


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OPS, max_size=40))
def test_joined_sessions_heal_after_drops_duplicates_and_reordering(ops):
    p = Pair(heartbeat_s=10).connect()
    sent: dict[str, list[str]] = {"ini": [], "acc": []}
    for op, a, b in ops:
        if op == "send":
            side = getattr(p, a)
            for _ in range(b):
                ident = f"{a}-{len(sent[a]) + 1}"
                sent[a].append(ident)
                p.send(side, "D" if a == "ini" else "8", nos(ident) if a == "ini" else er(ident))
        elif op == "deliver":
            for _ in range(b):
                p.deliver_one(getattr(p, a))
        elif op in ("drop", "dup", "swap", "garble"):
            wire = getattr(p, a).wire
            if not wire:
                continue
            i = b % len(wire)
            if op == "garble":  # one byte changed: the checksum or the framing gives it away
                raw = wire[i]
                k = b % len(raw)
                wire[i] = raw[:k] + bytes([(raw[k] + 1 + b % 254) % 256]) + raw[k + 1:]
            elif op == "drop":
                del wire[i]
            elif op == "dup":
                wire.insert(i, wire[i])
            elif i + 1 < len(wire):
                wire[i], wire[i + 1] = wire[i + 1], wire[i]
        elif op == "tick":
            p.advance(a, pump=False)
        elif op == "logout":
            p.logout(getattr(p, a))
        elif not p.connected:
            p.connect(pump=False)

    # From here the wire is reliable; the transport reconnects whenever it drops.
    for _ in range(60):
        if not p.connected:
            p.now += 10**9
            p.connect()
        p.pump()
        if healed(p, sent):
            break
        p.advance(5)
    assert ids(p.acc) == sent["ini"], "initiator -> acceptor delivery"
    assert ids(p.ini) == sent["acc"], "acceptor -> initiator delivery"
    assert healed(p, sent)
