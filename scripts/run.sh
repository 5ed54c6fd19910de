#!/usr/bin/env bash
# Install quizapp into .venv, create the SQLite database, load the articles and question banks,
# and serve the app on http://127.0.0.1:5000.
set -euo pipefail
cd "$(dirname "$0")/.."

port="${PORT:-5000}"
if ! [[ "$port" =~ ^[0-9]{1,5}$ ]] || ((10#$port < 1 || 10#$port > 65535)); then
  echo "PORT must be a port number from 1 to 65535, not '$port'" >&2
  exit 2
fi

if ! python3 -c 'import ensurepip' 2>/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq python3-venv
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
.venv/bin/quizapp setup
echo "quizapp is ready: open http://127.0.0.1:$port (Ctrl-C stops it)"
exec .venv/bin/quizapp run --host 127.0.0.1 --port "$port"
