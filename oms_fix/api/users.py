"""API users (config/api_users.yaml): who holds which key, with which roles, for which accounts.

Keys are stored hashed (``sha256:<salt>:<hex>``, as `oms-fix hash-password`
prints). Roles:

* ``trader``: enters, changes and cancels orders of its accounts; sees only those.
* ``risk``: limits and the kill switch; reads every order, changes none.
* ``admin``: configuration and users; reads every order.
* ``viewer``: reads the orders of its accounts, changes nothing.

``accounts: ["*"]`` means every account.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..configfile import load_model
from ..fix.config import check_password

__all__ = ["DEFAULT_USERS", "Role", "User", "Users", "UsersError", "load_users"]

DEFAULT_USERS = Path(__file__).resolve().parents[2] / "config" / "api_users.yaml"

Role = Literal["trader", "risk", "admin", "viewer"]


class UsersError(Exception):
    pass


class User(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    user_id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    key: str = Field(min_length=1)
    roles: tuple[Role, ...] = Field(min_length=1)
    accounts: tuple[str, ...] = ()
    # Requests a second, with bursts up to twice that.
    rate_limit_per_s: float = Field(20.0, gt=0)

    @field_validator("key")
    @classmethod
    def _hashed(cls, v: str) -> str:
        if not v.startswith("sha256:") or v.count(":") != 2:
            raise ValueError("must be hashed, sha256:<salt>:<hex>; `oms-fix hash-password` makes one")
        return v

    def sees(self, account: str) -> bool:
        return "*" in self.accounts or account in self.accounts

    @property
    def reads_all(self) -> bool:
        return bool({"risk", "admin"} & set(self.roles)) or "*" in self.accounts


class Users(BaseModel):
    model_config = ConfigDict(extra="forbid")

    users: list[User]

    @field_validator("users")
    @classmethod
    def _unique(cls, v: list[User]) -> list[User]:
        ids = [u.user_id for u in v]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"user listed twice: {', '.join(dup)}")
        for u in v:
            if "trader" in u.roles and not u.accounts:
                raise ValueError(f"user {u.user_id} is a trader with no accounts to trade for")
        return v

    def by_key(self, offered: str) -> User | None:
        for u in self.users:
            if check_password(u.key, offered):
                return u
        return None


def load_users(path: Path | None = None) -> Users:
    return load_model(path or DEFAULT_USERS, Users, UsersError)
