#!/usr/bin/env bash
# Builds zoo's libFuzzer targets (address sanitizer on) and runs each for $1 seconds (default 600),
# seeded with the valid and malformed fixtures. Logs go to .build-fuzz/logs; findings (crash-*,
# leak-*, timeout-*) to .build-fuzz/findings. Usage: Fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("${@:-Safetensors NumPy Zip PyTorch HDF5 TensorFlow Detection}")
read -r -a targets <<<"${targets[*]}"
scratch=.build-fuzz

# SwiftPM compiles the instrumented objects; swiftc links each target with libFuzzer's main.
for target in "${targets[@]}"; do
    ZOO_FUZZ=1 swift build -c release --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address --target "Fuzz$target"
done
objects="$scratch/release"
for target in "${targets[@]}"; do
    swiftc -sanitize=fuzzer,address -o "$objects/Fuzz$target" \
        "$objects"/{Tensors,CheckpointFormats,FuzzSupport,"Fuzz$target"}.build/*.o -lz -lopenblas $(pkg-config --libs hdf5)
done
# HDF5 inputs are parsed first by zoo-hdf5-probe (a plain release build, found through
# ZOO_HDF5_PROBE): a libhdf5 crash kills the probe and is a typed error, not a finding.
swift build -c release --product zoo-hdf5-probe
export ZOO_HDF5_PROBE="$PWD/.build/release/zoo-hdf5-probe"

mkdir -p "$scratch/logs" "$scratch/findings"
seed() {  # corpus for a target: the fixtures its parser should see, and the hostile corpus's inputs of its format
    case $1 in
        Safetensors) ls formats/safetensors/*.safetensors formats/safetensors/sharded/*.safetensors formats/safetensors/malformed/* Fuzz/hostile/*/*.safetensors ;;
        NumPy) ls formats/numpy/*.npy formats/numpy/malformed/*.npy Fuzz/hostile/*/*.npy ;;
        Zip) ls formats/numpy/*.npz formats/numpy/malformed/*.npz Fuzz/hostile/*/*.npz ;;
        PyTorch) ls formats/pytorch/*.pth formats/pytorch/malformed/* formats/pytorch/malicious/* Fuzz/hostile/*/*.pth Fuzz/hostile/*/*.bin ;;
        HDF5) ls formats/hdf5/*.h5 formats/hdf5/malformed/*.h5 Fuzz/hostile/*/*.h5 ;;
        TensorFlow) ls formats/tensorflow/*.index formats/tensorflow/malformed/*.index Fuzz/hostile/*/*.index ;;
        Detection) ls formats/*/*.safetensors formats/*/*.npy formats/*/*.npz formats/*/*.pth formats/*/*.index Fuzz/hostile/*/* ;;
    esac 2>/dev/null || true  # an area without files of a format is no error
}
for target in "${targets[@]}"; do
    corpus="$scratch/corpus-$target"
    mkdir -p "$corpus"
    seed "$target" | grep -v -e '\.json$' -e '\.py$' -e '\.md$' | while read -r f; do cp "$f" "$corpus/"; done
    echo "fuzzing $target for ${seconds}s"
    # A probe that libhdf5 hangs is killed after 10 s and reported as a typed error: not a finding.
    timeout=10; [ "$target" = HDF5 ] && timeout=30
    "$scratch/release/Fuzz$target" "$corpus" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout="$timeout" \
        -max_len=65536 -artifact_prefix="$scratch/findings/$target-" -print_final_stats=1 \
        >"$scratch/logs/$target.log" 2>&1 || echo "$target: libFuzzer exited $? (see $scratch/logs/$target.log)"
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|cov: ' "$scratch/logs/$target.log" | tail -n 3
done
ls "$scratch/findings"
