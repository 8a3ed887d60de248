import pytest

from tests.scenarios.transcript import FEEDS


@pytest.fixture(params=FEEDS)
def feed(request: pytest.FixtureRequest) -> str:
    """Bytes fed whole, one byte at a time, or with the next message's start attached."""
    return request.param


@pytest.fixture(params=["acceptor", "initiator"])
def role(request: pytest.FixtureRequest) -> str:
    return request.param
