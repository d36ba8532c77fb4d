#!/usr/bin/env bash
# The demo: the real all-MiniLM-L6-v2 checkpoint, inspected, converted to .npz and back, and
# shown to round-trip bit for bit (every tensor's dtype, shape and CRC-32 equal); then the
# architecture registry.
set -euo pipefail
zoo=$1
model=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step "$zoo" inspect "$model" --sort size
step "$zoo" inspect "$model" --filter '*layer.0.attention.*'
step "$zoo" convert "$model/model.safetensors" "$work/minilm.npz"
step "$zoo" convert "$work/minilm.npz" "$work/minilm-roundtrip.safetensors"

printf '\n\033[1mround trip: comparing every tensor (name, dtype, shape, CRC-32)\033[0m\n'
"$zoo" inspect "$model/model.safetensors" --checksum --sort name > "$work/before.txt"
"$zoo" inspect "$work/minilm-roundtrip.safetensors" --checksum --sort name > "$work/after.txt"
# The tables must agree row for row (the file name and the metadata line aside: .npz has no metadata).
rows() { tail -n +2 "$1" | grep -v '^metadata:'; }
if diff <(rows "$work/before.txt") <(rows "$work/after.txt"); then
    tensors=$(grep -o 'total: [0-9]* tensors' "$work/before.txt" | grep -o '[0-9]*')
    echo "bit-exact: all $tensors tensors identical after safetensors → npz → safetensors"
else
    echo "round trip differs" >&2
    exit 1
fi

# The architecture registry: what there is, and what fine-tuning one CNN and one encoder costs.
step "$zoo" models list --sort params
step "$zoo" models show mobilenet_v2 --batch 64
step "$zoo" models show minilm_l6_h384 --seq 128 --classes 2 --batch 32
