#!/usr/bin/env bash
# The fuzz targets (cargo-fuzz, libFuzzer): request decoding (functions/fuzz) and content
# loading (generator/fuzz), each for a short while, seeded from the sample content.
#   bash .ci/fuzz.sh              every target for DIANDAN_FUZZ_SECONDS (default 30) seconds
#   bash .ci/fuzz.sh 600 content_tree   one target for ten minutes
# A crash fails the run; libFuzzer leaves the input in <crate>/fuzz/artifacts/<target>/.
# cargo-fuzz is pinned and installed under .ci/.cargo-fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${1:-${DIANDAN_FUZZ_SECONDS:-30}}"
ONLY="${2:-}"
CARGO_FUZZ_VERSION=0.13.2
TOOLS="$PWD/.ci/.cargo-fuzz"

if ! "$TOOLS/bin/cargo-fuzz" --version 2>/dev/null | grep -qx "cargo-fuzz $CARGO_FUZZ_VERSION"; then
    echo "== installing cargo-fuzz $CARGO_FUZZ_VERSION into $TOOLS"
    cargo install --quiet --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION" --root "$TOOLS"
fi
export PATH="$TOOLS/bin:$PATH"
# libFuzzer's coverage instrumentation takes flags the stable compiler keeps for its own
# build; RUSTC_BOOTSTRAP lets it accept them. No sanitizer: those need a nightly standard
# library. Both fuzz crates share one target directory (DIANDAN_FUZZ_TARGET_DIR, default
# target/fuzz), so the project is built once.
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${DIANDAN_FUZZ_TARGET_DIR:-$PWD/target/fuzz}"

# A short smoke run builds unoptimised (half the compile time for a few thousand runs); a
# campaign builds optimised.
if [ "$SECONDS_PER_TARGET" -le 60 ]; then PROFILE=--dev; else PROFILE=-O; fi

seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT

# Seed inputs: the first byte picks what the target does with the rest.
seed() { # seed DIR NAME PICK FILE|-   (- reads the text from stdin)
    mkdir -p "$seeds/$1"
    { printf "\\x$(printf %02x "$3")"; if [ "$4" = - ]; then cat; else cat "$4"; fi; } >"$seeds/$1/$2"
}
# content_source: even picks are Markdown kinds (program, lecturer, course, page), odd YAML.
seed content_source program 0 content/programs/minju-chenjinggu.md
seed content_source lecturer 2 content/lecturers/lin-xiuying.md
seed content_source course 4 content/courses/shaoer-jianzhi.md
seed content_source page 6 content/pages/about.md
seed content_source site 1 content/site.yaml
seed content_source townships 3 content/townships.yaml
seed content_source schedule 5 content/schedule/2026-12.yaml
# content_tree: the pick is the file replaced, in the target's order.
i=0
for f in site.yaml townships.yaml programs/minju-chenjinggu.md lecturers/lin-xiuying.md \
    courses/shaoer-jianzhi.md pages/about.md schedule/2026-12.yaml; do
    seed content_tree "$i" "$i" "content/$f"
    i=$((i + 1))
done
# request_decoding: 0 JSON body, 1 form body, 2 checked form fields, 3 phone number.
echo '{"program":"minju-chenjinggu","township":"nanyu","name":"张美玲","phone":"13912345678","note":null,"child_age":8}' | seed request_decoding json 0 -
echo 'name=%E5%BC%A0%E4%B8%89&note=a+b&website=&phone=%2B86+139-1234-5678' | seed request_decoding form 1 -
echo 'name=%E5%BC%A0&phone=13912345678&text=%E6%83%B3%E7%9C%8B%E9%97%BD%E5%89%A7&child_age=8&stars=5&reply=ok' | seed request_decoding fields 2 -
printf '+86 １３９-1234 5678' | seed request_decoding phone 3 -

run() { # run CRATE TARGET MAX_LEN
    [ -n "$ONLY" ] && [ "$ONLY" != "$2" ] && return 0
    echo "== fuzz $2 for ${SECONDS_PER_TARGET}s"
    mkdir -p "$1/fuzz/corpus/$2"
    cargo fuzz run --fuzz-dir "$1/fuzz" --sanitizer none "$PROFILE" "$2" \
        "$1/fuzz/corpus/$2" "$seeds/$2" -- \
        -max_total_time="$SECONDS_PER_TARGET" -max_len="$3" -print_final_stats=1
}
run functions request_decoding 17000
run generator content_source 16384
run generator content_tree 16384
