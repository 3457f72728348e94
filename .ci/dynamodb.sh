#!/usr/bin/env bash
# A DynamoDB-compatible server on 127.0.0.1 for the DynamoDB tests: moto's, pinned in
# .ci/moto-requirements.txt, in a virtualenv under .ci/.venv, serialised by .ci/moto_serial.py.
#   bash .ci/dynamodb.sh        start it unless it already answers (then print the settings)
#   bash .ci/dynamodb.sh stop   stop the one this script started
# Port: DIANDAN_DYNAMO_PORT (default 8342). .ci/test exports the matching AWS settings.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${DIANDAN_DYNAMO_PORT:-8342}"
VENV=.ci/.venv
PIDFILE="$VENV/moto.pid"
LOG="$VENV/moto.log"

answers() {
    "$VENV/bin/python" - "$PORT" <<'PY' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/moto-api/", timeout=1).read()
PY
}

if [ "${1:-start}" = stop ]; then
    if [ -f "$PIDFILE" ]; then
        kill "$(cat "$PIDFILE")" 2>/dev/null || true
        rm -f "$PIDFILE"
    fi
    exit 0
fi

stamp="$VENV/requirements.installed"
if ! cmp -s .ci/moto-requirements.txt "$stamp"; then
    echo "== installing moto into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r .ci/moto-requirements.txt
    cp .ci/moto-requirements.txt "$stamp"
fi

if ! answers; then
    echo "== starting the DynamoDB-compatible server (moto) on 127.0.0.1:$PORT"
    nohup "$VENV/bin/python" .ci/moto_serial.py 127.0.0.1 "$PORT" </dev/null >"$LOG" 2>&1 &
    echo $! >"$PIDFILE"
    for _ in $(seq 1 100); do
        answers && break
        sleep 0.2
    done
    if ! answers; then
        echo "the DynamoDB-compatible server did not start; its log:" >&2
        cat "$LOG" >&2
        exit 1
    fi
fi
echo "DynamoDB-compatible server: AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$PORT"
