#!/usr/bin/env bash
# Install what the tests need (Debian's postgresql and chromium, the Python packages),
# then run the whole suite on SQLite and on a throwaway PostgreSQL cluster.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k reader`.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v pg_virtualenv >/dev/null || missing+=(postgresql-common)
command -v chromium >/dev/null || missing+=(chromium)
python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy  # the type checker: strict on the pure core (pyproject.toml)

# pg_virtualenv starts a throwaway cluster, exports PG* and removes it afterwards; -t keeps
# it in a temporary directory even as root, so a run killed midway leaves nothing behind
# that would make the next run refuse ("Cluster 15/regress exists").
set +e
QUIZAPP_REQUIRE_POSTGRES=1 pg_virtualenv -t -- .venv/bin/python -m pytest -n 2 "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "ERROR: pytest collected no tests; refusing to report success." >&2
  exit 1
fi
exit "$status"
