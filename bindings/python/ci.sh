#!/usr/bin/env bash
# The Python bindings' CI: a venv, a debug build of the extension into it, the pytest suite.
#
#   bash bindings/python/ci.sh            (from anywhere; PYTHON=python3.9 to pick the interpreter)
#
# The build shares the workspace's target/ directory, so the core that `cargo build` or
# `cargo test` compiled is reused rather than built again.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${PYTHON:-python3}"
venv="${DEVLINK3_PYTHON_VENV:-$root/target/python-venv}"

step() { printf '\n==> %s\n' "$*"; }

"$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
    { echo "error: the Python bindings need Python 3.9 or newer ($python is $("$python" -V 2>&1))" >&2; exit 1; }

step "python venv ($venv)"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check 'maturin>=1.9.4,<2' 'pytest>=7' 'jsonschema>=4.18'

step "maturin develop (debug build into the venv)"
export CARGO_TARGET_DIR="$root/target"
VIRTUAL_ENV="$venv" "$venv/bin/maturin" develop --locked --manifest-path "$here/Cargo.toml"

step "the type stubs are generated and current (stubgen.py --check)"
"$venv/bin/python" "$here/stubgen.py" --check

step "pytest"
cd "$here"
status=0
"$venv/bin/python" -m pytest -p no:cacheprovider || status=$?
case "$status" in
    0) ;;
    5) echo "error: pytest collected no tests in $here/tests" >&2; exit 1 ;;
    *) echo "error: pytest failed (exit $status)" >&2; exit "$status" ;;
esac
