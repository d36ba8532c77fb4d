#!/usr/bin/env bash
# The demo: the real all-MiniLM-L6-v2 checkpoint, inspected, converted to .npz and back, and
# shown to round-trip bit for bit (every tensor's dtype, shape and CRC-32 equal); the real
# MobileNetV2 converted between formats and run on two photos; MiniLM embedding sentences (the
# converted copies give the same outputs); identify / convert / verify between frameworks; then
# the architecture registry; then the advisor on the photos and on a text task.
set -euo pipefail
zoo=$1
model=$2
torch=$3
images=$4
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

# Real PyTorch checkpoints, read without running any of their pickled code: torchvision's
# MobileNetV2 (legacy format), lukemelas-style EfficientNet-Lite0 (legacy), a DataParallel
# ResNet-50 (zip format, 'module.' prefix); MobileNetV2 converted to safetensors, Keras .h5 and
# back to a zip .pth, each checked.
for checkpoint in "$torch"/*.pth; do
    step "$zoo" inspect "$checkpoint" --sort size | sed -n '1,7p;$p'
done
# Every tensor of B equal to A's: names, dtypes, shapes and CRC-32s, row for row.
# A fourth argument names a tensor A may have and B not (one the target framework rebuilds).
same_tensors() {
    "$zoo" inspect "$1" --checksum --sort name > "$work/a.txt"
    "$zoo" inspect "$2" --checksum --sort name > "$work/b.txt"
    if [ -n "${4:-}" ]; then  # then the totals differ too: compare the tensor rows alone
        grep -v -e "^$4 " -e "total" "$work/a.txt" > "$work/a2.txt"; grep -v "total" "$work/b.txt" > "$work/b2.txt"
        mv "$work/a2.txt" "$work/a.txt"; mv "$work/b2.txt" "$work/b.txt"
    fi
    if diff <(rows "$work/a.txt") <(rows "$work/b.txt") >/dev/null; then
        echo "bit-exact: $3, every tensor identical"
    else
        echo "$3 differs" >&2
        exit 1
    fi
}
mobilenet="$torch/mobilenet_v2-b0353104.pth"
step "$zoo" convert "$mobilenet" "$work/mobilenet_v2.safetensors"
same_tensors "$mobilenet" "$work/mobilenet_v2.safetensors" "MobileNetV2 .pth → .safetensors"
# To Keras's HDF5 layout (through libhdf5; one layer group per module) and to torch.save's zip format.
step "$zoo" convert "$mobilenet" "$work/mobilenet_v2.h5"
step "$zoo" inspect "$work/mobilenet_v2.h5" --sort size | sed -n '1,6p;$p'
same_tensors "$mobilenet" "$work/mobilenet_v2.h5" "MobileNetV2 .pth → Keras .h5"
step "$zoo" convert "$work/mobilenet_v2.h5" "$work/mobilenet_v2-from-h5.pth"
same_tensors "$mobilenet" "$work/mobilenet_v2-from-h5.pth" "MobileNetV2 .h5 → zip .pth"

# The CPU engine on the real checkpoints: ImageNet top-5 of two photos (PyTorch gives palace 0.692
# and honeycomb 0.514), from the original .pth and from the converted Keras .h5 alike; MiniLM's
# sentence embeddings, and the same from the .npz round trip.
step "$zoo" run mobilenet_v2 --weights "$mobilenet" --image "$images/china.jpg" --image "$images/flower.jpg"
step "$zoo" run mobilenet_v2 --weights "$work/mobilenet_v2.h5" --image "$images/china.jpg" --top 1
step "$zoo" run minilm_l6_h384 --weights "$model/model.safetensors" --text "A model zoo for people who fine-tune." --text "Checkpoints, converted."
step "$zoo" run minilm_l6_h384 --weights "$work/minilm.npz" --tokenizer "$model" --text "A model zoo for people who fine-tune." --features "$work/sentences.npy"

# Between frameworks: identify each real checkpoint from its names and shapes alone; MobileNetV2
# to Keras (the stock Keras MobileNetV2 computes with ε 1e-3 and SAME padding: zoo measures what
# that changes, and folds the ε difference in on request), checked back against the source; a
# whole .keras model that computes torchvision's function; MiniLM
# to Google's TF1-BERT names and back, bit-exact.
for checkpoint in "$torch"/*.pth "$model/model.safetensors"; do
    step "$zoo" identify "$checkpoint"
done
# Weights for the stock Keras model compute another function: zoo refuses them (exit 6) unless accepted.
if "$zoo" convert "$mobilenet" "$work/mobilenet_v2_keras.h5" --to keras 2>/dev/null; then
    echo "convert --to keras should have refused a target that computes another function" >&2
    exit 1
fi
step "$zoo" convert "$mobilenet" "$work/mobilenet_v2_keras.h5" --to keras --allow-different-function
step "$zoo" convert "$mobilenet" "$work/mobilenet_v2_keras_folded.weights.h5" --to keras3 --fold-epsilon --allow-different-function
step "$zoo" verify "$work/mobilenet_v2_keras.h5" --check-outputs
# Against the source, the stock Keras file must fail (exit 6): it computes another function.
if step "$zoo" verify "$work/mobilenet_v2_keras.h5" --check-outputs --against "$mobilenet"; then
    echo "verify should have told the stock Keras function apart from torchvision's" >&2
    exit 1
fi
# A whole Keras model instead keeps torchvision's function (symmetric padding, ε 1e-5): same outputs.
step "$zoo" convert "$mobilenet" "$work/mobilenet_v2.keras" --to keras3
# zoo run reads any convention without renaming, and runs the file's own function: the Keras file as
# Keras computes MobileNetV2 (a note on stderr says what differs; other classes than honeycomb), the
# lukemelas EfficientNet-Lite0 as it is.
step "$zoo" run --weights "$work/mobilenet_v2_keras.h5" --image "$images/flower.jpg" --top 3
step "$zoo" run --weights "$torch/efficientnet-lite0-57934424.pth" --image "$images/flower.jpg" --top 3
step "$zoo" convert "$model/model.safetensors" "$work/minilm_tf1.npz" --to tf1-bert --allow-different-function
step "$zoo" convert "$work/minilm_tf1.npz" "$work/minilm_hf" --to huggingface
same_tensors "$model/model.safetensors" "$work/minilm_hf/model.safetensors" "MiniLM → TF1-BERT .npz → Hugging Face folder (but embeddings.position_ids, which transformers rebuilds)" embeddings.position_ids

# The architecture registry: what there is, and what fine-tuning one CNN and one encoder costs.
step "$zoo" models list --sort params
step "$zoo" models show mobilenet_v2 --batch 64
step "$zoo" models show minilm_l6_h384 --seq 128 --classes 2 --batch 32

# The advisor: a task counted from a folder of photos (three copies each of two photos, two
# classes), a CPU budget, and the two real ImageNet checkpoints scored with LogME on it; then a
# text task with a latency limit. Each prints the candidates, the recommended freeze depth as a
# bar over the model's groups, the settings with their reasons and sources, and writes plan.json.
for photo in china flower; do
    mkdir -p "$work/photos/$photo"
    for copy in 1 2 3; do cp "$images/$photo.jpg" "$work/photos/$photo/$copy.jpg"; done
done
step "$zoo" advise --dataset "$work/photos" --shift none --budget cpu:30m \
    --weights "mobilenet_v2=$mobilenet" --weights "$torch/efficientnet-lite0-57934424.pth" --output "$work/plan.json"
step "$zoo" advise --task text-classification --classes 2 --examples 800 --budget cpu:1h --max-latency-ms 20 --output "$work/plan-text.json"
