#!/usr/bin/env bash
# Publishes a built site to the stack's S3 bucket and clears CloudFront's copy, with cache
# headers per kind of file. The deploy workflow runs it; so can an operator (docs/deploy.md).
#   bash .ci/publish-site.sh SITE_DIR BUCKET DISTRIBUTION_ID
# Needs the AWS CLI with credentials allowed to write the bucket and invalidate the distribution.
#
# In AWS's China regions (AWS_REGION cn-*), where CloudFront has no functions to turn
# /programs/ into /programs/index.html, each folder's index.html is also stored under the
# folder's own key (`programs/`), which S3 serves as it is (template.yaml, IndexFunction).
# tallies.json is the counts function's, never the build's: no sync touches it.
set -euo pipefail

if [ "$#" -ne 3 ]; then
    echo "usage: $0 SITE_DIR BUCKET DISTRIBUTION_ID" >&2
    exit 2
fi
site=${1%/}
bucket=$2
distribution=$3
case "${AWS_REGION:-${AWS_DEFAULT_REGION:-}}" in
    cn-*) folder_objects=1 ;;
    *) folder_objects=0 ;;
esac
if [ ! -f "$site/index.html" ] || [ ! -f "$site/catalogue.json" ]; then
    echo "$site is not a site built by \`diandan build\` (no index.html or catalogue.json)" >&2
    exit 1
fi

# Names with a content hash (assets/NAME.HASH.EXT) never change: a year, immutable.
aws s3 sync "$site/" "s3://$bucket/" --only-show-errors \
    --exclude "*" --include "assets/*.*.*" \
    --cache-control "public, max-age=31536000, immutable"
# The theme's other assets keep their names from build to build: an hour in browsers, a day
# at the edge (each publish clears the edge below).
aws s3 sync "$site/" "s3://$bucket/" --only-show-errors \
    --exclude "*" --include "assets/*" --exclude "assets/*.*.*" \
    --cache-control "public, max-age=3600, s-maxage=86400"
# Pages, feeds, calendars and catalogue.json: a minute in browsers, so a new schedule shows
# soon, and a day at the edge.
aws s3 sync "$site/" "s3://$bucket/" --only-show-errors \
    --exclude "assets/*" --exclude "tallies.json" \
    --cache-control "public, max-age=60, s-maxage=86400"
# Folder keys for China (above): written after the pages, like them a minute in browsers.
if [ "$folder_objects" = 1 ]; then
    (cd "$site" && find . -name index.html ! -path ./index.html) | while read -r page; do
        folder=${page#./}
        folder=${folder%index.html}
        aws s3api put-object --bucket "$bucket" --key "$folder" --body "$site/$page" \
            --content-type "text/html; charset=utf-8" \
            --cache-control "public, max-age=60, s-maxage=86400" >/dev/null
    done
fi
# Last, once every new file is in place, remove what the build no longer makes (not the
# folder keys above, nor the live counts the counts function writes).
aws s3 sync "$site/" "s3://$bucket/" --only-show-errors --delete \
    --exclude "*/" --exclude "tallies.json"
aws cloudfront create-invalidation --distribution-id "$distribution" --paths "/*" \
    --query "Invalidation.Id" --output text
