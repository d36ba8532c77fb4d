"""The four cases of `make finetune-check` and their plans: `zoo advise` for the model and task, then the
fields the check fixes (frozen groups, caching, linear probe, optimizer, schedule, batch, seeds), so that
the plans are the same on every run. Importable (the driver uses CASES and write_plan) and runnable.

Usage: plans.py --zoo ZOO --out FOLDER [--fashion-mnist DIR --rotten-tomatoes DIR]  (writes FOLDER/CASE.json)
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

FASHION_TRAIN, FASHION_EVALUATION = 6000, 2000
MOBILENET_STAGES = ["stem", "stage1", "stage2", "stage3", "stage4", "stage5"]
MINILM_GROUPS = ["embeddings"] + [f"layer{i}" for i in range(6)] + ["pooler"]


def fixed(plan, frozen, trainable, batch, steps, examples, optimizer, schedule, probe=None, preprocessing=None):
    """`plan` with the check's fields set: one seed, no early stopping or augmentation, cached features."""
    plan["freeze"] = {"frozen": frozen, "trainable": trainable}
    plan["batch_size"], plan["seeds"], plan["cache_features"], plan["early_stopping"] = batch, [0], True, None
    plan["regularisation"].update({"augmentation": [], "mixup": 0, "label_smoothing": 0})
    plan["optimizer"] = {"layer_decay": None, "weight_decay": 0.0, "momentum": None, "betas": None, **optimizer}
    plan["schedule"] = {"warmup_steps": 0, "milestones": None, **schedule, "steps": steps, "epochs": steps * batch / examples}
    plan["linear_probe"] = probe and {**probe, "epochs": probe["steps"] * batch / examples}
    plan["preprocessing"].update(preprocessing or {})
    return plan


def per_epoch(examples, batch):
    return math.ceil(examples / batch)


# The torchvision IMAGENET1K_V1 checkpoint's transforms: Resize(256) + CenterCrop(224).
V1 = {"resize": 256, "crop": 224}
# Rotten Tomatoes: about 90% of train.csv's 10,162 reviews stay for training (zoo's validation is 10% of the movies).
RT_TRAIN = 9150

CASES = {
    "mobilenet-lp": {
        "label": "MobileNetV2, linear probe (Fashion-MNIST 6,000 / 2,000)",
        "reference": 88.7,
        "advise": ["--modality", "image", "--classes", "10", "--examples", str(FASHION_TRAIN), "--model", "mobilenet_v2"],
        "data": "fashion-mnist",
        "plan": lambda p: fixed(p, MOBILENET_STAGES, ["head"], 64, 10 * per_epoch(FASHION_TRAIN, 64), FASHION_TRAIN,
                                {"kind": "sgd", "momentum": 0.9, "head_learning_rate": 0.05, "backbone_learning_rate": 0.0},
                                {"kind": "cosine"}, preprocessing=V1),
    },
    "mobilenet-lpft": {
        "label": "MobileNetV2, LP-FT of stage4–5 + head, prefix cached (Fashion-MNIST 6,000 / 2,000)",
        "reference": 91.6,
        "advise": ["--modality", "image", "--classes", "10", "--examples", str(FASHION_TRAIN), "--model", "mobilenet_v2"],
        "data": "fashion-mnist",
        "plan": lambda p: fixed(p, MOBILENET_STAGES[:4], ["stage4", "stage5", "head"], 64, 2 * per_epoch(FASHION_TRAIN, 64), FASHION_TRAIN,
                                {"kind": "sgd", "momentum": 0.9, "head_learning_rate": 0.01, "backbone_learning_rate": 0.01},
                                {"kind": "cosine", "warmup_steps": 20},
                                probe={"learning_rate": 0.05, "steps": 5 * per_epoch(FASHION_TRAIN, 64)}, preprocessing=V1),
    },
    "minilm-lp": {
        "label": "all-MiniLM-L6-v2, linear probe (Rotten Tomatoes, split by movie)",
        "reference": 75.6,
        "advise": ["--modality", "text", "--classes", "2", "--examples", str(RT_TRAIN), "--model", "minilm_l6_h384"],
        "data": "rotten-tomatoes",
        "plan": lambda p: fixed(p, MINILM_GROUPS, ["head"], 32, 10 * per_epoch(RT_TRAIN, 32), RT_TRAIN,
                                {"kind": "adamw", "betas": [0.9, 0.999], "head_learning_rate": 1e-3, "backbone_learning_rate": 0.0},
                                {"kind": "linear"}, preprocessing={"max_length": 64}),
    },
    "minilm-top2": {
        "label": "all-MiniLM-L6-v2, top 2 layers + pooler + head (Rotten Tomatoes, split by movie)",
        "reference": 79.9,
        "advise": ["--modality", "text", "--classes", "2", "--examples", str(RT_TRAIN), "--model", "minilm_l6_h384"],
        "data": "rotten-tomatoes",
        "plan": lambda p: fixed(p, MINILM_GROUPS[:5], MINILM_GROUPS[5:] + ["head"], 32, per_epoch(RT_TRAIN, 32), RT_TRAIN,
                                {"kind": "adamw", "betas": [0.9, 0.999], "weight_decay": 0.01, "head_learning_rate": 1e-3,
                                 "backbone_learning_rate": 5e-5}, {"kind": "linear", "warmup_steps": 30}, preprocessing={"max_length": 64}),
    },
}


def write_plan(zoo, case, path):
    """`zoo advise` for the case's model and task, with the check's fields fixed, written to `path`."""
    with tempfile.TemporaryDirectory() as scratch:
        advised = os.path.join(scratch, "plan.json")
        subprocess.run([zoo, "advise", "--task", "single-label", "--budget", "cpu:60m", *CASES[case]["advise"], "--output", advised],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(advised) as file:
            plan = CASES[case]["plan"](json.load(file))
    with open(path, "w") as file:
        json.dump(plan, file, indent=2, sort_keys=True)
        file.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--zoo", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for case in CASES:
        write_plan(args.zoo, case, os.path.join(args.out, case + ".json"))
        print("wrote", os.path.join(args.out, case + ".json"), file=sys.stderr)


if __name__ == "__main__":
    main()
