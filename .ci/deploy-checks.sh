#!/usr/bin/env bash
# The deployment's checks (docs/deploy.md): the SAM template with cfn-lint (which translates the
# SAM transform locally) for the four regions it is meant for, the GitHub workflows with
# actionlint, and a build of every Lambda function with cargo lambda, packaged as `bootstrap`s.
# .ci/test runs it last.
# The tools are pinned in .ci/deploy-requirements.txt and installed into .ci/.venv-deploy.
#
# CI builds for x86_64 with plain cargo (`--compiler cargo`: no zig needed), unoptimised: the
# release build took 9 of CI's 45 minutes on a 2-core machine and checks nothing more than this
# one does (the same code, the same packaging). What Lambda runs is an arm64 release build;
# the deploy workflow (`sam build`) makes it with cargo lambda and zig, or by hand:
#   cargo lambda build --release --arm64 --locked -p diandan-functions --bins
# Set DIANDAN_RELEASE_LAMBDAS=1 to build the release binaries here too (their sizes are in
# docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.ci/.venv-deploy
stamp="$VENV/requirements.installed"
if ! cmp -s .ci/deploy-requirements.txt "$stamp"; then
    echo "== installing the deployment tools into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r .ci/deploy-requirements.txt
    cp .ci/deploy-requirements.txt "$stamp"
fi
export PATH="$PWD/$VENV/bin:$PATH"

# The regions the template is meant for: a global one, Hong Kong (the closest to Fujian outside
# the mainland), and AWS's two China regions, whose CloudFront lacks some resource types (the
# template's InChina condition).
echo "== cfn-lint template.yaml (us-east-1, ap-east-1, cn-north-1, cn-northwest-1)"
cfn-lint --regions us-east-1 ap-east-1 cn-north-1 cn-northwest-1 -- template.yaml
if grep -n 'arn:aws:' template.yaml; then
    echo "template.yaml: a literal arn:aws: above; write arn:\${AWS::Partition}: instead" >&2
    exit 1
fi

echo "== actionlint .github/workflows"
actionlint .github/workflows/*.yml

started=$(date +%s)
if [ "${DIANDAN_RELEASE_LAMBDAS:-0}" = 1 ]; then
    echo "== cargo lambda build --release (x86_64, every function)"
    # Without LTO, as the deploy workflow builds them: with it, each binary compiles the whole
    # program again at its link (45 minutes in all on a 2-core machine, against 9), for larger
    # binaries that are no faster (docs/performance.md).
    CARGO_PROFILE_RELEASE_LTO=off \
        cargo lambda build --release --compiler cargo --locked -p diandan-functions --bins
else
    echo "== cargo lambda build (x86_64, unoptimised, every function)"
    cargo lambda build --compiler cargo --locked -p diandan-functions --bins
fi
echo "built in $(($(date +%s) - started)) s"

# Every binary in functions/src/bin/ is a function and must have its bootstrap.
missing=0
for source in functions/src/bin/*.rs; do
    name=$(basename "$source" .rs)
    bootstrap="target/lambda/$name/bootstrap"
    if [ -f "$bootstrap" ]; then
        printf '%-14s %10d bytes  %s\n' "$name" "$(stat -c %s "$bootstrap")" "$bootstrap"
    else
        echo "$name: no $bootstrap" >&2
        missing=1
    fi
done
exit "$missing"
