#!/usr/bin/env bash
# The test suite: unit tests, then the notebooks under nbval. pytest's exit code 5
# ("no tests collected") is an error here: a suite that runs nothing must not pass.
set -uo pipefail
cd "$(dirname "$0")/.."
export EMO_SMOKE=1 MPLBACKEND=Agg
.venv/bin/python -m pytest tests "$@"
unit=$?
.venv/bin/python -m pytest --nbval-lax notebooks --timeout=900 -p no:cacheprovider "$@"
nb=$?
if [ $unit -ne 0 ] || [ $nb -ne 0 ]; then
  echo "tests failed (unit: exit $unit, notebooks: exit $nb)"; exit 1
fi
