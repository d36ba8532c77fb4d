#!/usr/bin/env bash
# Builds and runs Examples/Consumer, which depends on ModelZoo by version (from: "0.1.0"), against a clone
# of this repository's HEAD tagged with that version: SwiftPM refuses dependencies with unsafe build flags,
# so this is what a package depending on ModelZoo would see.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$root/.build/consumer
rm -rf "$work" && mkdir -p "$work"
git clone -q "$root" "$work/ModelZoo"
git -C "$work/ModelZoo" tag 0.1.0
cp -R "$root/Examples/Consumer" "$work/Consumer"
cd "$work/Consumer"
MODELZOO_URL="$work/ModelZoo" swift build -q
output=$(MODELZOO_URL="$work/ModelZoo" swift run -q Consumer)
echo "$output"
grep -q 'IMAGENET1K_V1' <<<"$output" || { echo "check-consumer: the built-in model cards are missing" >&2; exit 1; }
