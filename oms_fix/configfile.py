"""Reading a YAML config file so that every error names the file, the key and what is wrong.

Shared by config/oms.yaml (``settings.py``), config/venues.yaml and
config/instruments.yaml (``sim_venues``): one wording for all of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

__all__ = ["describe", "load_model", "read_mapping"]


def read_mapping(path: Path, error: type[Exception]) -> dict[str, Any]:
    """The file's top-level mapping; ``error`` for a missing file, bad YAML or another top level."""
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except yaml.YAMLError as e:
        raise error(f"{path}: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise error(f"{path}: the top level must be a mapping of keys, not {type(data).__name__}")
    return data


def describe(path: Path, e: ValidationError) -> str:
    """One line per problem: ``<file>: <dotted.key>: <what is wrong>`` (list items as ``key[2]``)."""
    lines = []
    for err in e.errors():
        key = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in err["loc"]).replace(".[", "[")
        msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"{path}: {key or '(top level)'}: {msg}")
    return "\n".join(lines)


def load_model(path: Path, model: type[M], error: type[Exception]) -> M:
    """``path`` read and checked against ``model``; ``error`` naming the file and each key that is wrong."""
    data = read_mapping(path, error)
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise error(describe(path, e)) from None
