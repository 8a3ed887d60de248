"""Build hook: compile the order book (``sim_venues/book.py``) with mypyc when possible.

Everything else about the package is in pyproject.toml. The book is plain
Python and runs as such; compiled by mypyc the same source runs about twice
as fast, which the benchmark's ``book_ops_per_s`` bar needs. The compile is
optional: without mypy, without a C compiler, or if it fails for any reason,
the install goes on with the pure-Python module and says so on stderr
(``pip install -v`` shows it); ``oms-fix bench`` reports which one it
measured (``book_impl``). ``OMS_FIX_PURE_PYTHON=1`` skips the compile.

An editable install (``pip install -e .``, as scripts/_venv.sh does) builds
the extension in place, next to book.py, where Python prefers it to the
source. After editing book.py, rebuild (``pip install -e .``) or delete
``sim_venues/book*.so``: the tests flag a compiled book older than its source.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

COMPILED = ["sim_venues/book.py"]


def _note(text: str) -> None:
    print(f"oms-fix build: {text}", file=sys.stderr, flush=True)


def _mypyc_extensions() -> list:
    if os.environ.get("OMS_FIX_PURE_PYTHON"):
        _note("OMS_FIX_PURE_PYTHON is set: the order book stays pure Python")
        return []
    if sys.implementation.name != "cpython":
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        _note("mypyc not available: the order book stays pure Python")
        return []
    root = Path(__file__).resolve().parent
    cwd = os.getcwd()
    os.chdir(root)  # mypycify takes paths relative to here and writes its C under build/
    try:
        # No config file: pyproject's [tool.mypy] names plugins the build environment does not have.
        return mypycify(["--config-file=", "--cache-dir=build/mypyc-cache", *COMPILED], opt_level="3")
    except (Exception, SystemExit) as exc:  # mypyc reports type errors with sys.exit
        _note(f"mypyc could not translate the order book ({exc!r}): it stays pure Python")
        return []
    finally:
        os.chdir(cwd)


class OptionalBuildExt(build_ext):
    """Build the mypyc extensions, or none of them: a failure leaves the pure-Python book."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler, no headers, a compile error...
            self._remove_outputs()
            _note(f"compiling the order book failed ({exc!r}): it stays pure Python")

    def _remove_outputs(self) -> None:
        # The shim module without its library (or the reverse) would break `import sim_venues.book`.
        for ext in self.extensions:
            built = Path(self.get_ext_fullpath(ext.name))
            in_place = Path(*ext.name.split(".")).with_name(built.name)
            for path in (built, in_place):
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass


setup(ext_modules=_mypyc_extensions(), cmdclass={"build_ext": OptionalBuildExt})
