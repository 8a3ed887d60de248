"""The sim_venues modules setup.py compiles with mypyc: never older than their source, rebuilt when they change,
and the same tests pass on the plain Python that runs wherever the compile fails."""

from __future__ import annotations

import ast
import importlib
import os
import re
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def compiled_sources() -> list[str]:
    """setup.py's COMPILED, read without running setup.py."""
    tree = ast.parse((ROOT / "setup.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "COMPILED" for t in node.targets):
            value = ast.literal_eval(node.value)
            assert isinstance(value, list)
            return [str(v) for v in value]
    raise AssertionError("setup.py has no COMPILED list")


COMPILED = compiled_sources()
MODULES = [p.removesuffix(".py").replace("/", ".") for p in COMPILED]


def test_the_compiled_modules_are_the_venues_hot_path() -> None:
    assert {"sim_venues.book", "sim_venues.matching", "sim_venues.venues", "sim_venues.flow"} <= set(MODULES)
    assert all((ROOT / p).is_file() for p in COMPILED)


@pytest.mark.parametrize("name", MODULES)
def test_a_compiled_module_is_built_from_its_current_source(name: str) -> None:
    path = Path(importlib.import_module(name).__file__ or "")
    if not path.name.endswith(tuple(EXTENSION_SUFFIXES)):
        pytest.skip(f"{name} runs as plain Python here")
    source = ROOT / (name.replace(".", "/") + ".py")
    assert path.stat().st_mtime >= source.stat().st_mtime, (
        f"{path.name} is older than {source.name}, so the tests ran the old code: rebuild with "
        "`.venv/bin/pip install -e .` (or delete sim_venues/*.so and sim_venues_native__mypyc*.so for plain Python)")


def test_the_venv_script_reinstalls_when_any_compiled_module_changes() -> None:
    script = (ROOT / "scripts" / "_venv.sh").read_text()
    grep = re.search(r"grep -o '([^']+)' setup\.py", script)
    assert grep is not None and '"${compiled[@]}"' in script
    hashed = set(re.findall(grep.group(1), (ROOT / "setup.py").read_text()))  # a grep -o pattern is a Python one too
    assert set(COMPILED) <= hashed


# Load every compiled module from its .py before anything imports it, so no .so is ever used.
_PURE = """
import importlib.util, sys
from importlib.abc import MetaPathFinder
from pathlib import Path
ROOT, NAMES = Path(sys.argv[1]), set(sys.argv[2].split(","))

class PurePython(MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name in NAMES:
            return importlib.util.spec_from_file_location(name, ROOT / (name.replace(".", "/") + ".py"))
        return None

sys.meta_path.insert(0, PurePython())
import pytest
import sim_venues.matching, sim_venues.book
assert sim_venues.matching.__file__.endswith(".py") and sim_venues.book.__file__.endswith(".py")
sys.exit(pytest.main(sys.argv[3:]))
"""


@pytest.mark.slow
@pytest.mark.skipif(not all((importlib.import_module(n).__file__ or "").endswith(tuple(EXTENSION_SUFFIXES))
                            for n in MODULES),
                    reason="the modules already run as plain Python here")
def test_the_pure_python_fallback_passes_the_engine_and_flow_tests() -> None:
    tests = ROOT / "tests"
    files = ["unit/test_matching.py", "unit/test_matching_auction.py", "unit/test_matching_types.py",
             "unit/test_engine_retention.py", "unit/test_flow.py", "unit/test_venue_sim.py",
             "unit/test_venue_next_due.py", "properties/test_matching_props.py"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-c", _PURE, str(ROOT), ",".join(MODULES),
                           *(str(tests / f) for f in files), "-q", "-p", "no:cacheprovider", "-m", "not slow"],
                          capture_output=True, text=True, env=env, timeout=280)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
