#!/usr/bin/env bash
# Remakes the theme's icons from mark.svg (the "点" mark): PNGs for the web app manifest and
# iOS, and favicon.ico with 16, 32 and 48 pixel images. The results are committed, so building
# the site needs none of this. Needs rsvg-convert and ImageMagick:
#   apt-get install librsvg2-bin imagemagick
#   bash themes/default/icons/make-icons.sh
set -euo pipefail
cd "$(dirname "$0")"
out=../static/icons
mkdir -p "$out"
for n in 192 512; do rsvg-convert -w "$n" -h "$n" mark.svg -o "$out/icon-$n.png"; done
rsvg-convert -w 180 -h 180 mark.svg -o "$out/apple-touch-icon.png"
tmp=$(mktemp -d)
for n in 16 32 48; do rsvg-convert -w "$n" -h "$n" mark.svg -o "$tmp/$n.png"; done
convert "$tmp/16.png" "$tmp/32.png" "$tmp/48.png" "$out/favicon.ico"
rm -r "$tmp"
# Smaller files, same pixels, when optipng is there.
if command -v optipng >/dev/null; then optipng -quiet -o2 "$out"/*.png; fi
