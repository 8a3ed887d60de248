# Sourced by scripts/up, scripts/test and scripts/bench: make .venv and install
# the project into it when it is missing, or pyproject.toml, setup.py or a
# module compiled by mypyc at install (setup.py's COMPILED: every
# sim_venues/*.py that setup.py names) changed: the in-place .so of an old
# source would shadow the new one.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
py="${PYTHON:-python3}"
if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "oms-fix needs Python 3.11 or newer; $py is $("$py" --version 2>&1)" >&2
  exit 1
fi
if [[ ! -x .venv/bin/python ]]; then
  echo "creating .venv with $("$py" --version)" >&2
  "$py" -m venv .venv
fi
stamp=.venv/.installed
mapfile -t compiled < <(grep -o 'sim_venues/[A-Za-z0-9_]*\.py' setup.py | sort -u)
want="$(cat pyproject.toml setup.py "${compiled[@]}" | sha256sum | cut -d' ' -f1)"
if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  echo "installing oms-fix and its dependencies into .venv" >&2
  log=.venv/install.log
  if ! { .venv/bin/python -m pip install --upgrade pip && .venv/bin/python -m pip install -e ".[test]"; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "install failed; the whole log is $log" >&2
    exit 1
  fi
  grep -h "^oms-fix build:" "$log" >&2 || true
  echo "$want" > "$stamp"
fi
export PATH="$root/.venv/bin:$PATH"
