#!/usr/bin/env bash
# Checks an installed zoo (make install PREFIX=$1): the binaries, completions and man page are where
# shells and man look, and zoo runs from PATH alone, from another folder, with its cards and ImageNet
# class names built in (no ZOO_CARDS, no checkout beside it).
set -euo pipefail
prefix=$1
for file in bin/zoo bin/zoo-hdf5-probe share/man/man1/zoo.1 share/bash-completion/completions/zoo \
            share/zsh/site-functions/_zoo share/fish/vendor_completions.d/zoo.fish; do
    [ -s "$prefix/$file" ] || { echo "check-install: $prefix/$file is missing or empty" >&2; exit 1; }
done
bash -n "$prefix/share/bash-completion/completions/zoo"
grep -q '^\.Sh SUBCOMMANDS\|^\.Sh NAME' "$prefix/share/man/man1/zoo.1" || { echo "check-install: zoo.1 is not a man page" >&2; exit 1; }
grep -q 'advise' "$prefix/share/man/man1/zoo.1" || { echo "check-install: zoo.1 does not document zoo advise" >&2; exit 1; }
elsewhere=$(mktemp -d)
trap 'rm -rf "$elsewhere"' EXIT
cd "$elsewhere"
export PATH="$prefix/bin:/usr/bin:/bin"
unset ZOO_CARDS
zoo --version | grep -q '^zoo [0-9]' || { echo "check-install: zoo --version" >&2; exit 1; }
zoo models show mobilenet_v2 | grep -q 'IMAGENET1K_V1' || { echo "check-install: zoo models show lost the card" >&2; exit 1; }
echo "installed zoo works from PATH: $(zoo --version | head -1)"
