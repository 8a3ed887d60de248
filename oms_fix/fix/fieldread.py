"""Reading a number out of one field of an inbound message, with the error that names the tag.

Shared by translate.py (orders, cancels, replaces) and translate_algo.py (the
algo fields): a value that is not a finite decimal raises ``FieldError`` with
the OrdRejReason and the Text the reject will carry.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ..domain.enums import OrdRejReason
from .message import Message

__all__ = ["FieldError", "decimal_field"]


class FieldError(ValueError):
    def __init__(self, reason: OrdRejReason, text: str) -> None:
        super().__init__(text)
        self.reason = reason
        self.text = text


def decimal_field(msg: Message, tag: int, name: str) -> Decimal | None:
    """Field ``tag`` as a Decimal; None when absent."""
    raw = msg.get(tag)
    if raw is None:
        return None
    try:
        value = Decimal(raw.decode("ascii"))
    except (InvalidOperation, UnicodeDecodeError):
        raise FieldError(OrdRejReason.OTHER, f"{name} ({tag}) {raw.decode('latin-1')!r} is not a number") from None
    if not value.is_finite():
        raise FieldError(OrdRejReason.OTHER, f"{name} ({tag}) {value} is not a number")
    return value
