"""Who is calling: the API key (X-API-Key, Authorization: Bearer, or ?api_key= for EventSource), roles, rate.

Keys are checked against their hashes once and then remembered by a SHA-256 of
the key (never the key itself). A key over its user's rate (a token bucket:
``rate_limit_per_s`` a second, bursts of twice that) gets 429 with Retry-After.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from fastapi import Request

from .errors import ApiError
from .users import Role, User, Users

__all__ = ["Gate", "RateLimiter"]


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class RateLimiter:
    buckets: dict[str, _Bucket] = field(default_factory=dict)

    def take(self, user: User, now: float) -> float:
        """0 when the request may go; else the seconds until it could."""
        cap = 2 * user.rate_limit_per_s
        b = self.buckets.setdefault(user.user_id, _Bucket(cap, now))
        b.tokens = min(cap, b.tokens + (now - b.at) * user.rate_limit_per_s)
        b.at = now
        if b.tokens >= 1:
            b.tokens -= 1
            return 0.0
        return (1 - b.tokens) / user.rate_limit_per_s


class Gate:
    """Authenticates requests and checks roles; one per app."""

    def __init__(self, users: Users):
        self.users = users
        self.limiter = RateLimiter()
        self._known: dict[str, User] = {}

    def key_of(self, request: Request) -> str | None:
        key = request.headers.get("x-api-key")
        if not key:
            auth = request.headers.get("authorization", "")
            if auth.lower().startswith("bearer "):
                key = auth[7:].strip()
        if not key:
            key = request.query_params.get("api_key")
        return key or None

    def user(self, request: Request) -> User:
        key = self.key_of(request)
        if key is None:
            raise ApiError(401, "no API key: send it in the X-API-Key header",
                           headers={"WWW-Authenticate": "Bearer"})
        digest = hashlib.sha256(key.encode()).hexdigest()
        user = self._known.get(digest)
        if user is None:
            user = self.users.by_key(key)
            if user is None:
                raise ApiError(401, "the API key is not known", headers={"WWW-Authenticate": "Bearer"})
            self._known[digest] = user
        wait = self.limiter.take(user, time.monotonic())
        if wait:
            raise ApiError(429, f"user {user.user_id} is over its rate limit of {user.rate_limit_per_s:g} "
                                "requests a second", rule="rate_limit_per_s",
                           headers={"Retry-After": str(max(1, round(wait + 0.5)))})
        return user

    @staticmethod
    def require(user: User, *roles: Role) -> None:
        if not set(roles) & set(user.roles):
            raise ApiError(403, f"user {user.user_id} ({', '.join(user.roles)}) may not do this: it takes the "
                                f"{' or '.join(roles)} role", rule="roles")
