#!/usr/bin/env bash
# The API against its own OpenAPI document: Schemathesis (pinned in
# .ci/schemathesis-requirements.txt, in a virtualenv under .ci/.venv-schemathesis) sends generated
# valid and invalid requests to every operation of `/api/openapi.json`, public and admin, on a
# `diandan serve` of the sample content with a throwaway store. It fails on any 5xx and on any
# answer the document does not describe (status, content type, headers, body schema).
#   bash .ci/schemathesis.sh
# The village helpers' routes run apart, with a helper's session cookie (a helper added with
# the admin token, logged in) instead of the token.
# The server runs on a copy of the sample content with the text-message check off, courses that
# never fill and a fixed "today", so that the document's examples (the sample catalogue's ids)
# name a course open for registration and stages already held: data the document calls valid
# then reaches its handler instead of being refused for want of a code, a place or a date. What
# a code changes is tested in functions/tests/api/verify.rs, full courses in courses.rs.
# DIANDAN_SCHEMATHESIS_SECONDS bounds the main run (default 150), DIANDAN_SCHEMATHESIS_HELPER_SECONDS
# the helpers' run (default 40); DIANDAN_SCHEMATHESIS_SEED picks other test cases than the
# fixed default; DIANDAN_SCHEMATHESIS_TODAY is the server's date (default 2026-12-15).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.ci/.venv-schemathesis
SECONDS_BUDGET="${DIANDAN_SCHEMATHESIS_SECONDS:-150}"
HELPER_SECONDS="${DIANDAN_SCHEMATHESIS_HELPER_SECONDS:-40}"
SEED="${DIANDAN_SCHEMATHESIS_SEED:-20261127}"
TODAY="${DIANDAN_SCHEMATHESIS_TODAY:-2026-12-15}"

stamp="$VENV/requirements.installed"
if ! cmp -s .ci/schemathesis-requirements.txt "$stamp"; then
    echo "== installing schemathesis into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r .ci/schemathesis-requirements.txt
    cp .ci/schemathesis-requirements.txt "$stamp"
fi

cargo build --locked -q -p diandan
port=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data=$(mktemp -d)
# The site to serve: the sample content and theme, with no form asking for a text-message code
# and places enough in every course that generated registrations never fill one.
mkdir "$data/site"
cp -R content themes "$data/site/"
sed -i 's/^verify:.*/verify: []/' "$data/site/content/site.yaml"
sed -i 's/^capacity: .*/capacity: 100000/' "$data/site/content/courses/"*.md
token=$("$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(16))')

# A store and a person-hash secret of its own, so nothing touches .diandan/.
# The abuse limits off: generated requests reuse a few example phone numbers, and past the
# per-person limit every write would be a (documented) 429 instead of reaching its handler.
# The helper's daily cap likewise.
DIANDAN_LIMIT_PER_PERSON=off DIANDAN_LIMIT_PER_CLIENT=off DIANDAN_HELPER_DAILY_CAP=off \
DIANDAN_ADMIN_TOKEN="$token" DIANDAN_HMAC_SECRET=$("$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(16))') \
    target/debug/diandan serve --root "$data/site" --today "$TODAY" --port "$port" --store "sqlite:$data/diandan.sqlite3" \
    >"$data/serve.log" 2>&1 &
server=$!
stop() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    rm -rf "$data"
}
trap stop EXIT

base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "$base/api/health"; then break; fi
    if ! kill -0 "$server" 2>/dev/null; then cat "$data/serve.log"; exit 1; fi
    sleep 0.2
done

# A village helper for the helpers' run: added with the token, logged in for a cookie.
helper_password=$("$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(12))')
curl -fsS -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"account\":\"schemathesis-helper\",\"role\":\"helper\",\"townships\":\"nanyu\",\"password\":\"$helper_password\"}" \
    "$base/api/admin/accounts"
session=$(curl -fsS -o /dev/null -D - -H 'Content-Type: application/json' \
    -d "{\"account\":\"schemathesis-helper\",\"password\":\"$helper_password\"}" \
    "$base/api/staff/login" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p')
[ -n "$session" ] || { echo "the helper could not log in"; exit 1; }

# The catalogue's ids, from the site's catalogue.json, as Schemathesis dictionaries: the document
# states an id's form but not the set a deployment's content makes of them, and a random slug
# names no program, so without them nearly every generated submission would be a (documented)
# 422 on the id instead of reaching its handler. Schemathesis still generates other ids too. The
# courses are those open for registration on $TODAY, with ages they take; the slots to rate
# are those held by then; the helpers' run gets the helper's own township.
dictionaries() {
    "$VENV/bin/python" - "$base" "$TODAY" "$1" <<'PY'
import json
import sys
import urllib.request

base, today, townships = sys.argv[1], sys.argv[2], sys.argv[3]
with urllib.request.urlopen(base + "/catalogue.json") as answer:
    catalogue = json.load(answer)
courses = catalogue["courses"]
open_courses = sorted(
    id for id, c in courses.items()
    if c["registration"]["opens"] <= today <= c["registration"]["closes"]
)
# The ages every open course takes (else those any takes).
spans = [range(courses[id]["ages"]["min"], courses[id]["ages"]["max"] + 1) for id in open_courses]
ages = sorted(set.intersection(*map(set, spans)) or set().union(*spans)) if spans else []
slots = catalogue["slots"]
ids = {
    "programs": sorted(id for id, p in catalogue["programs"].items() if p.get("orderable", True)),
    "lecturers": sorted(catalogue["lecturers"]),
    "courses": open_courses or sorted(courses),
    "ages": ages or [8],
    "slots": sorted(slots),
    "held": sorted(id for id, s in slots.items() if s["date"] <= today),
    "townships": townships.split(",") if townships else sorted(catalogue["townships"]),
}
for name, values in ids.items():
    print(f"[dictionaries.{name}]\nvalues = {json.dumps(values)}\n")
print("[parameters]")
bindings = {
    "body.program": "programs",
    "body.lecturer": "lecturers",
    "body.course": "courses",
    "body.child_age": "ages",
    "body.slot": "held",
    "body.township": "townships",
    "body.townships": "townships",
    "path.lecturer": "lecturers",
    "path.course": "courses",
    "path.slot": "slots",
}
for key, name in bindings.items():
    print(f'"{key}" = {{ dictionary = "{name}", probability = 0.8 }}')
PY
}
dictionaries "" >"$data/public.toml"
dictionaries nanyu >"$data/helper.toml"

# Redirects are not followed: a form's 303 is the answer the document describes. It runs in
# the throwaway folder, where Hypothesis and Schemathesis leave their caches.
schemathesis="$PWD/$VENV/bin/schemathesis"
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance
run() {
    local config=$1 seconds=$2
    shift 2
    (cd "$data" && "$schemathesis" --config-file "$config" run "$base/api/openapi.json" \
        --url "$base" \
        --checks "$checks" \
        --phases examples,coverage,fuzzing \
        --max-redirects 0 \
        --max-time "$seconds" \
        --max-examples 100 \
        --seed "$SEED" \
        --workers 1 \
        "$@")
}
status=0
echo "== schemathesis against $base/api/openapi.json (at most ${SECONDS_BUDGET}s, seed $SEED)"
# The site's Origin goes along as a browser's would: logging out needs it.
run public.toml "$SECONDS_BUDGET" --exclude-tag helper --header "Authorization: Bearer $token" \
    --header "Origin: $base" || status=$?
echo "== the helpers' routes with a helper's session (at most ${HELPER_SECONDS}s)"
run helper.toml "$HELPER_SECONDS" --include-tag helper --header "Cookie: $session" --header "Origin: $base" \
    || status=$?
if [ "$status" -ne 0 ]; then
    echo "== the server's log"
    tail -n 50 "$data/serve.log"
fi
exit "$status"
