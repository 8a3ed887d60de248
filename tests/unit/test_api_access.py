"""API users, keys and the rate limit: config errors name the key; a key is known only by its hash."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from oms_fix.api.auth import RateLimiter
from oms_fix.api.stream import StreamHub
from oms_fix.api.users import DEFAULT_USERS, User, UsersError, load_users
from oms_fix.fix.config import hash_password


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "users.yaml"
    p.write_text(text)
    return p


def test_the_shipped_users_and_their_local_keys() -> None:
    users = load_users(DEFAULT_USERS)
    assert {u.user_id: u.roles for u in users.users} == {"alice": ("trader",), "bob": ("trader",),
                                                         "risk": ("risk",), "admin": ("admin",),
                                                         "viewer": ("viewer",)}
    alice = users.by_key("local-alice-key")
    assert alice is not None and alice.user_id == "alice" and alice.sees("ACC001") and not alice.sees("ACC002")
    assert users.by_key("local-alice-key ") is None and users.by_key("") is None
    assert "local-alice-key" not in DEFAULT_USERS.read_text().replace("# key: local-alice-key", "")


def test_a_key_in_clear_is_refused_naming_the_file_and_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, "users:\n  - {user_id: eve, roles: [trader], accounts: [ACC001], key: hunter2}\n")
    with pytest.raises(UsersError) as e:
        load_users(path)
    assert str(e.value).startswith(f"{path}: users[0].key: must be hashed")


@pytest.mark.parametrize("body, says", [
    ("users:\n  - {user_id: a, roles: [trader], key: 'H'}\n", "users: user a is a trader with no accounts"),
    ("users:\n  - {user_id: a, roles: [boss], accounts: [X], key: 'H'}\n", "users[0].roles[0]"),
    ("users:\n  - {user_id: a, roles: [risk], key: 'H'}\n  - {user_id: a, roles: [risk], key: 'H'}\n",
     "user listed twice: a"),
    ("users:\n  - {user_id: a, roles: [risk], key: 'H', rate_limit_per_s: 0}\n", "users[0].rate_limit_per_s"),
])
def test_bad_users_files_say_what_is_wrong(tmp_path: Path, body: str, says: str) -> None:
    path = write(tmp_path, body.replace("'H'", repr(hash_password("k", "s"))))
    with pytest.raises(UsersError) as e:
        load_users(path)
    assert says in str(e.value) and str(path) in str(e.value)


def user(rate: float = 2.0, accounts: tuple[str, ...] = ("ACC001",)) -> User:
    return User(user_id="u", key=hash_password("k", "s"), roles=("viewer",), accounts=accounts, rate_limit_per_s=rate)


def test_the_rate_limit_is_a_token_bucket_of_twice_the_rate() -> None:
    limiter, u = RateLimiter(), user(rate=2.0)
    assert [limiter.take(u, 100.0) for _ in range(4)] == [0.0] * 4  # a burst of 2 x 2
    wait = limiter.take(u, 100.0)
    assert wait == pytest.approx(0.5)  # one token comes back every half second
    assert limiter.take(u, 100.49) > 0
    assert limiter.take(u, 100.5) == 0.0
    assert [limiter.take(u, 1000.0) for _ in range(4)] == [0.0] * 4  # a long pause refills only to the cap
    assert limiter.take(u, 1000.0) > 0


def test_the_stream_goes_only_to_those_who_may_see_the_account_and_drops_one_that_falls_behind() -> None:
    async def run() -> None:
        hub = StreamHub()
        mine = hub.events(user(accounts=("ACC001",)), [("order", {"order_id": "O0"})])
        other = hub.events(user(accounts=("ACC002",)), [])
        assert await anext(mine) == "retry: 2000\n\n"
        assert await anext(mine) == 'event: order\ndata: {"order_id": "O0"}\n\n'
        assert await anext(other) == "retry: 2000\n\n"
        hub.publish("fill", {"order_id": "O1"}, "ACC001")
        hub.publish("fill", {"order_id": "O2"}, "ACC002")
        hub.publish("risk", {"kill_switches": {}}, None)
        assert await anext(mine) == 'event: fill\ndata: {"order_id": "O1"}\n\n'
        assert await anext(mine) == 'event: risk\ndata: {"kill_switches": {}}\n\n'
        assert await anext(other) == 'event: fill\ndata: {"order_id": "O2"}\n\n'
        for i in range(1001):
            hub.publish("fill", {"order_id": f"X{i}"}, "ACC001")
        last = await anext(mine)
        assert last.startswith("event: overflow\n") and "reconnect" in last
        with pytest.raises(StopAsyncIteration):
            await anext(mine)
        assert hub.overflows == 1 and len(hub.subscribers) == 1

    asyncio.run(run())
