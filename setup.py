"""Build hook: compile the venues' hot path (``COMPILED``: book, lit engine, background market) with mypyc if possible.

Everything else about the package is in pyproject.toml. These modules are
plain Python and run as such; compiled by mypyc the same source runs about
twice as fast (the book) and the in-process simulation's venues about 1.5x
(the background market's makers cancel and re-enter their ladders through
``Engine.submit``/``Engine.cancel`` many times a second), which the
benchmark's ``book_ops_per_s`` and ``sim_speedup`` bars need. The compile is
optional: without mypy, without a C compiler, or if it fails for any reason,
the install goes on with the pure-Python modules and says so on stderr
(``pip install -v`` shows it); ``oms-fix bench`` reports which book it
measured (``book_impl``). ``OMS_FIX_PURE_PYTHON=1`` skips the compile.

Compiled modules are mypyc's native classes: no attributes beyond the
declared ones, no monkeypatching, no interpreted subclasses. None of them is
decoded by type hints (the journal's decoder reads oms_fix.engine's types).

An editable install (``pip install -e .``, as scripts/_venv.sh does) builds
the extensions in place, next to their sources, where Python prefers them to
the source (and the modules' shared library, ``sim_venues_native__mypyc*.so``,
at the top level). After editing a compiled module, rebuild (``pip install
-e .``) or delete those .so files: the tests flag a compiled module older than
its source. scripts/_venv.sh reinstalls when any ``sim_venues/*.py`` named in
this file changes, so keep every compiled module spelled out in ``COMPILED``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

# The hot path of a lit venue (Engine.submit/cancel and what they call, the venue around its engines) and the
# background market that drives it. The rest of sim_venues (auctions, the dark pool, pegs, the gateway) stays
# Python: compiling it would add build time for no measurable gain.
COMPILED = [
    "sim_venues/book.py",
    "sim_venues/orders.py",
    "sim_venues/records.py",
    "sim_venues/order_index.py",
    "sim_venues/layered.py",
    "sim_venues/admission.py",
    "sim_venues/expiry.py",
    "sim_venues/matching.py",
    "sim_venues/venues.py",
    "sim_venues/flow.py",
    "sim_venues/moves.py",
]


def _note(text: str) -> None:
    print(f"oms-fix build: {text}", file=sys.stderr, flush=True)


def _mypyc_extensions() -> list:
    if os.environ.get("OMS_FIX_PURE_PYTHON"):
        _note("OMS_FIX_PURE_PYTHON is set: the compiled modules stay pure Python")
        return []
    if sys.implementation.name != "cpython":
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        _note("mypyc not available: the compiled modules stay pure Python")
        return []
    root = Path(__file__).resolve().parent
    cwd = os.getcwd()
    os.chdir(root)  # mypycify takes paths relative to here and writes its C under build/
    try:
        # No config file: pyproject's [tool.mypy] names plugins the build environment does not have. Nor has it
        # the project's dependencies (a fresh install builds before it installs them): what the compiled modules
        # import from them (sim_venues.instruments -> pydantic) is not compiled, so it is taken as Any, unchecked.
        flags = ["--config-file=", "--cache-dir=build/mypyc-cache", "--ignore-missing-imports",
                 "--follow-imports=silent"]
        # One group, so calls between the modules are native. Its shared library goes at the top level (mypyc
        # works out the __file__ of a module one of the group imports from where that library is), named so
        # that it is recognisably ours: sim_venues_native__mypyc*.so.
        return mypycify([*flags, *COMPILED], opt_level="3", separate=[(COMPILED, "sim_venues_native")])
    except (Exception, SystemExit) as exc:  # mypyc reports type errors with sys.exit
        _note(f"mypyc could not translate {', '.join(COMPILED)} ({exc!r}): they stay pure Python")
        return []
    finally:
        os.chdir(cwd)


class OptionalBuildExt(build_ext):
    """Build the mypyc extensions, or none of them: a failure leaves the pure-Python modules."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler, no headers, a compile error...
            self._remove_outputs()
            _note(f"compiling {', '.join(COMPILED)} failed ({exc!r}): they stay pure Python")

    def _remove_outputs(self) -> None:
        # A shim module without its library (or the reverse) would break `import sim_venues.book` and the rest.
        for ext in self.extensions:
            built = Path(self.get_ext_fullpath(ext.name))
            in_place = Path(*ext.name.split(".")).with_name(built.name)
            for path in (built, in_place):
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass


setup(ext_modules=_mypyc_extensions(), cmdclass={"build_ext": OptionalBuildExt})
