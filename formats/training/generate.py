"""Writes formats/training/: reference gradients for zoo's training engine, computed with PyTorch autograd.

    ZOO=/path/to/zoo /tmp/refvenv/bin/python formats/training/generate.py [PART ...]
    ZOO_TRAINING_MODELS=resnet18,bert_tiny_uncased ... generate.py gradients

PART is any of `gradients` (default: all of them; more parts will follow). Needs torch 2.15,
torchvision 0.29, timm 1.0.31, transformers 5.25 and numpy (plus PIL and tokenizers, whose
versions the engine generator's library_versions() records; all in gradients.json's
`generated_with`); CPU only, 2 threads, about 8 GB of memory at the peak. Nothing comes from a
model hub: every model is built by formats/architectures/generate.py's constructors (through
the engine generator's `all_models()`), given a fresh head, and filled by the engine's
name-keyed weight generator (`fill`, formats/engine/README.md). The freeze groups come from
`zoo models show NAME --json`: ZOO names the zoo binary (default: .build/debug/zoo under the
repository root); zoo is only read from, never built here.

Parts (README.md describes every file exactly; it is the contract with the Swift tests):
  gradients   gradients.json + gradients/<model>.npz: all 39 registry models with a fresh head
              (10 classes for images, 3 for encoders), dropout off, one forward + backward of a
              mean cross-entropy loss at three freeze depths (none, half, head), in float32 and
              in float64 from the same weights. Stored: the float64 loss, each trainable
              tensor's float64 gradient summarised as (L2 norm, two seeded projections), each
              BatchNorm running statistic after the step summarised the same way, and how far
              float32 is from float64 (per model and depth, and per tensor as absolute
              distances), where that gap is above 2e-5 a third run (float64 with every weight
              nudged by 2^-24), and the count of branch flips: activation elements on different
              sides of a ReLU / ReLU6 / hardswish / hardsigmoid kink, and max-pool windows
              selecting a different element, in float32 and float64. With
              ZOO_TRAINING_MODELS=a,b only those models are regenerated and the other records
              of gradients.json are kept as they are.

The script checks itself and exits 1 if a check fails: every state-dict tensor in exactly one
freeze group, BatchNorm tensors in one group, dropout off (two training-mode forward passes
bit-identical), frozen tensors without a gradient and trained ones with one, frozen BatchNorm
statistics bit-identical after the step (float32 and float64) and trained ones moved, the
folder under 3 MB. A float32-vs-float64 gap above 2e-5 is printed loudly (GAP WARNING) but is
not a failure. A full run takes about 22 minutes on 2 cores (README.md, Regenerating).
"""
import copy
import ctypes
import ctypes.util
import gc
import json
import math
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GRADIENTS = os.path.join(HERE, "gradients")
sys.path.insert(0, os.path.dirname(HERE))
from fixturelib import Checker, dump_json, load_generator, zoo_output  # noqa: E402 - formats/fixturelib.py, found through the path above

torch.set_num_threads(2)
try:
    LIBC = ctypes.CDLL(ctypes.util.find_library("c"))
    LIBC.malloc_trim.argtypes = [ctypes.c_size_t]
except (OSError, AttributeError):
    LIBC = None
CHECKER = Checker()
check = CHECKER.check
ENGINE = load_generator("engine")

IMAGE_SIZE, IMAGE_CLASSES, IMAGE_TARGETS = 64, 10, [3, 7]
TOKEN_CLASSES, TOKEN_TARGETS = 3, [2, 0]
DEPTHS = ("none", "half", "head")
GAP_FLAG = 2e-5
ZERO_RATIO = 1e-10  # a float64 gradient norm below this fraction of the largest one is exactly zero in exact arithmetic
SIZE_LIMIT = 3_000_000
PROJECTIONS = 2
PROJECTION_SEED_RULE = (
    "p_k = (r_k . g) / sqrt(n) for k = 0, 1, in float64 over the tensor flattened in C order (n elements); "
    "r_k = 2 * u - 1 in float32 (exact), u = the engine generator's uniforms for seed "
    "fnv1a64(UTF-8 of 'gradient:' + NAME + ':' + str(k)): u_i = Float(SplitMix64 draw i >> 40) * 2^-24, i = 0 ..< n; "
    "NAME = the state-dict name of the parameter (gradients) or of the running statistic (statistics)")
DROPOUT_CONFIG_KEYS = ("hidden_dropout_prob", "attention_probs_dropout_prob", "dropout", "attention_dropout", "seq_classif_dropout")


def zoo_binary():
    path = os.environ.get("ZOO") or os.path.join(ROOT, ".build", "debug", "zoo")
    if not os.path.exists(path):
        raise SystemExit(f"no zoo binary at {path}: set ZOO=/path/to/zoo (it is only read from)")
    return path


# ---------------------------------------------------------------------------------------------
# Models: fresh heads, dropout off.

def set_submodule(model, name, module):
    parent, _, leaf = name.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, leaf, module)


def image_with_head(model):
    """The model with its last Linear (the 1000-class classifier, same module name) replaced by a
    fresh IMAGE_CLASSES-way one; returns (model, head module name)."""
    name, last = [(n, m) for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)][-1]
    check(last.out_features == 1000 and last.bias is not None, f"{type(model).__name__} head {name} is Linear({last.in_features}, {last.out_features})")
    set_submodule(model, name, torch.nn.Linear(last.in_features, IMAGE_CLASSES))
    if hasattr(model, "num_classes"):  # timm keeps the count for reset_classifier / repr
        model.num_classes = IMAGE_CLASSES
    return model, name


def encoder_with_head(model):
    """The transformers base model with every dropout probability of its configuration set to 0
    (its nn.Dropout modules, which is what the forward reads, follow in dropout_off), plus
    `classifier = Linear(hidden, TOKEN_CLASSES)` (names: the base model's state dict, then
    classifier.weight, classifier.bias)."""
    for key in DROPOUT_CONFIG_KEYS:
        if getattr(model.config, key, None) is not None:
            setattr(model.config, key, 0.0)
    model.classifier = torch.nn.Linear(model.config.hidden_size, TOKEN_CLASSES)
    return model, "classifier"


def dropout_off(model):
    """Every dropout probability 0: nn.Dropout* p, timm's drop_rate (the classifier's
    F.dropout) and DropPath's drop_prob. Returns what was changed."""
    changed = []
    for name, m in model.named_modules():
        if isinstance(m, torch.nn.modules.dropout._DropoutNd) and m.p != 0:
            changed.append(f"{name or '.'}: p {m.p}")
            m.p = 0.0
        for attr in ("drop_rate", "drop_prob", "drop_path_rate"):
            if isinstance(getattr(m, attr, None), float) and getattr(m, attr) != 0:
                changed.append(f"{name or '.'}: {attr} {getattr(m, attr)}")
                setattr(m, attr, 0.0)
    return changed


def batch_norms(model):
    return [(n, m) for n, m in model.named_modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]


# ---------------------------------------------------------------------------------------------
# Inputs and the loss.

def image_batch():
    return torch.from_numpy(ENGINE.image_input(IMAGE_SIZE)), torch.tensor(IMAGE_TARGETS, dtype=torch.int64)


def token_batch(name, model):
    """The engine's token inputs (as a dict of int64 tensors; DistilBERT gets no token_type_ids;
    position ids are the library's own, equal to the recorded ones) and the targets."""
    inputs = ENGINE.token_inputs(model.config.pad_token_id, name.startswith("roberta"))
    kwargs = {"input_ids": torch.from_numpy(inputs["input_ids"]), "attention_mask": torch.from_numpy(inputs["attention_mask"])}
    if not name.startswith("distilbert"):
        kwargs["token_type_ids"] = torch.from_numpy(inputs["token_type_ids"])
    return inputs, kwargs, torch.tensor(TOKEN_TARGETS, dtype=torch.int64)


def logits_of(model, encoder, batch, double):
    if not encoder:
        return model(batch.double() if double else batch)
    out = model(**batch)
    pooled = out.pooler_output if getattr(out, "pooler_output", None) is not None else out.last_hidden_state[:, 0]
    return model.classifier(pooled)


# ---------------------------------------------------------------------------------------------
# Freeze groups (from zoo) and depths.

def zoo_groups(zoo, name, encoder):
    """[(group, [tensor names])] in zoo's order; encoders get `head` = the classifier."""
    shown = json.loads(zoo_output(zoo, "models", "show", name, "--json"))
    groups = [(g["group"], list(g["tensors"])) for g in shown["groups"]]
    if encoder:
        groups.append(("head", ["classifier.weight", "classifier.bias"]))
    return groups


def check_groups(name, groups, state):
    """Every state-dict key in exactly one group, no group tensor outside the state dict, the
    last group `head`."""
    owner, twice = {}, []
    for group, tensors in groups:
        for t in tensors:
            if t in owner:
                twice.append(t)
            owner[t] = group
    missing = [k for k in state if k not in owner]
    extra = [t for t in owner if t not in state]
    ok = check(not missing and not extra and not twice and groups[-1][0] == "head",
               f"{name}: each of {len(state)} state-dict tensors in exactly one of {len(groups)} groups "
               f"(missing {missing[:3]}, unknown {extra[:3]}, twice {twice[:3]}, last {groups[-1][0]})")
    return ok


def frozen_groups(groups, depth):
    names = [g for g, _ in groups]
    return {"none": [], "half": names[:len(names) // 2], "head": names[:-1]}[depth]


def prepare(model, frozen):
    """Train mode; parameters of frozen groups requires_grad False and their BatchNorm modules
    in eval mode (running statistics used, not updated)."""
    model.train()
    for n, p in model.named_parameters():
        p.requires_grad_(n not in frozen)
    for n, m in batch_norms(model):
        if f"{n}.weight" in frozen:
            m.eval()
    return model


KINKS = {"ReLU": (0.0,), "ReLU6": (0.0, 6.0), "Hardswish": (-3.0, 3.0), "Hardsigmoid": (-3.0, 3.0)}


class KinkWatch:
    """Finds the places where two runs of the same model (float64, then float32) take different
    branches of a piecewise-linear function, where their gradients differ by a whole slope
    change, not by rounding: the elements on different sides of a kink of a KINKS activation
    (inputs recorded by forward pre-hooks, before an in-place activation overwrites them), and
    the max-pooling windows (nn.MaxPool2d) that select a different element."""

    def __init__(self):
        self.inputs, self.flips, self.sites = [], 0, {}

    def attach(self, model, compare):
        """Hooks on `model`'s activations and max-pools: the first run records (compare False),
        the second counts its differences from the first (compare True)."""
        handles = []
        for name, m in model.named_modules():
            kinks = KINKS.get(type(m).__name__)
            if kinks or isinstance(m, torch.nn.MaxPool2d):
                handles.append(m.register_forward_pre_hook(self.hook(name, kinks, compare)))
        return handles

    @staticmethod
    def branches(module, kinks, x):
        if kinks:
            return [x > c for c in kinks]
        m = module
        return [F.max_pool2d(x, m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode, return_indices=True)[1]]

    def hook(self, name, kinks, compare):
        def pre(module, args):
            taken = self.branches(module, kinks, args[0].detach())
            if not compare:
                self.inputs.append(taken)
                return
            first = self.inputs.pop(0)
            n = sum(int((a != b).sum()) for a, b in zip(first, taken))
            if n:
                self.flips += n
                self.sites[name] = self.sites.get(name, 0) + n
        return pre


def step(model, encoder, batch, targets, double):
    start = time.time()
    loss = F.cross_entropy(logits_of(model, encoder, batch, double), targets)
    loss.backward()
    # Only the number: the loss tensor's graph would keep every parameter of the model alive.
    return float(loss.item()), time.time() - start


# ---------------------------------------------------------------------------------------------
# Summaries.

def projection_vector(name, k, n):
    return F32_TWO * ENGINE.uniform_u(ENGINE.fnv1a64(f"gradient:{name}:{k}"), n) - F32_ONE


F32_TWO, F32_ONE = np.float32(2), np.float32(1)


def summarise(name, a):
    """(L2 norm, p_0, p_1) of float64 array a (PROJECTION_SEED_RULE)."""
    flat = np.ascontiguousarray(a, dtype=np.float64).reshape(-1)
    n = flat.size
    row = [float(math.sqrt(np.dot(flat, flat)))]
    for k in range(PROJECTIONS):
        row.append(float(np.dot(projection_vector(name, k, n).astype(np.float64), flat) / math.sqrt(n)))
    return row


PERTURBATION = ("every parameter w of the float64 model multiplied by (1 + 2^-24 * r) before the step, "
                "r uniform in [-1, 1) (torch.rand in float64, torch.Generator seeded with fnv1a64(NAME) >> 1 per tensor); "
                "running statistics untouched")


def nudged(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            g = torch.Generator().manual_seed(ENGINE.fnv1a64(name) >> 1)
            r = torch.rand(p.shape, generator=g, dtype=torch.float64)
            p.mul_(r.mul_(2).sub_(1).mul_(2.0 ** -24).add_(1))
    return model


def release():
    """Returns freed heap memory to the system (many model-sized tensors come and go)."""
    gc.collect()
    if LIBC is not None:
        LIBC.malloc_trim(0)


def peak_gb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20


def worst_ratio(numerators, norms, rows, names):
    """The largest numerators[i] / norms[i] over rows i, and the name of that row."""
    if not rows:
        return 0.0, None
    ratios = numerators[rows] / norms[rows]
    i = int(np.argmax(ratios))
    return float(ratios[i]), names[rows[i]]


def distance(a, b):
    """||a - b||_2 in float64 (a float32 or float64 tensor against a float64 one)."""
    return float(torch.linalg.vector_norm((a.detach().double() - b.detach()).reshape(-1)).item())


# ---------------------------------------------------------------------------------------------
# Part: gradients.

def run_model(zoo, name, model, library, encoder):
    start = time.time()
    model, head = (encoder_with_head if encoder else image_with_head)(model)
    c = ENGINE.gain(name)
    changed = dropout_off(model)
    kinds, crc, elements = ENGINE.fill(model, c)
    release()
    state = model.state_dict()
    record = {"library": library, "c": c, "classes": TOKEN_CLASSES if encoder else IMAGE_CLASSES, "head_module": head,
              "weights_crc32": crc, "float_elements": elements}
    if changed:
        print(f"     {name}: dropout set to 0 in {len(changed)} modules ({changed[0]}, ...)")
    groups = zoo_groups(zoo, name, encoder)
    if not check_groups(name, groups, state):
        return None, None
    owner = {t: g for g, tensors in groups for t in tensors}
    bns = batch_norms(model)
    bad = [n for n, m in bns if not (m.affine and m.track_running_stats and m.momentum is not None
                                     and len({owner.get(f"{n}.{s}") for s in ("weight", "bias", "running_mean", "running_var")}) == 1)]
    check(not bad, f"{name}: {len(bns)} BatchNorms affine, tracking statistics with a momentum, their four tensors in one group (not: {bad[:3]})")
    record["bn_momentum"] = sorted({float(m.momentum) for _, m in bns})

    if encoder:
        inputs, batch, targets = token_batch(name, model)
        record["input"] = {"kind": "tokens", "seed_name": "input_ids", "pad_token_id": model.config.pad_token_id,
                           **{k: v.tolist() for k, v in inputs.items() if not (k == "token_type_ids" and name.startswith("distilbert"))}}
        record["attention_implementation"] = model.config._attn_implementation
    else:
        batch, targets = image_batch()
        record["input"] = {"kind": "image", "size": IMAGE_SIZE, "batch": 2, "seed_name": "input"}
    record["targets"] = targets.tolist()
    record["groups"] = [g for g, _ in groups]

    # Dropout is off: two training-mode passes (nothing frozen) give the same logits, bit for bit.
    probe = copy.deepcopy(model).train()
    with torch.no_grad():
        y1, y2 = logits_of(probe, encoder, batch, False), logits_of(probe, encoder, batch, False)
    check(torch.equal(y1, y2), f"{name}: two training-mode forward passes bit-identical (dropout off)")
    del probe
    release()

    parameter_names = {n for n, _ in model.named_parameters()}
    parameters = [k for k in state if k in parameter_names]
    statistics = [k for k in state if k.endswith("running_mean") or k.endswith("running_var")]
    check(len(parameters) == len(parameter_names), f"{name}: {len(parameters)} parameters, all in the state dict")
    record["parameters"], record["statistics"] = parameters, statistics
    before = {k: state[k].clone() for k in statistics}
    record["depths"], arrays = {}, {}
    for depth in DEPTHS:
        t0 = time.time()
        fg = frozen_groups(groups, depth)
        frozen = {t for g, tensors in groups if g in fg for t in tensors}
        trained = [k for k in parameters if k not in frozen]
        # float64 first (the reference), then float32 compared with it, then the nudged float64;
        # one model copy at a time besides the float64 gradients.
        m64 = prepare(copy.deepcopy(model).double(), frozen)
        watch = KinkWatch()
        hooks = watch.attach(m64, compare=False)
        loss64, _ = step(m64, encoder, batch, targets, True)
        for h in hooks:
            h.remove()
        g64 = {k: p.grad for k, p in m64.named_parameters()}
        s64 = {k: v.clone() for k, v in m64.state_dict().items() if k in before}
        del m64
        release()
        m32 = prepare(copy.deepcopy(model), frozen)
        hooks = watch.attach(m32, compare=True)
        loss32, seconds32 = step(m32, encoder, batch, targets, False)
        for h in hooks:
            h.remove()
        check(not watch.inputs, f"{name} {depth}: the float32 and float64 runs call the same activations")
        g32 = {k: p.grad for k, p in m32.named_parameters()}
        s32 = {k: v.clone() for k, v in m32.state_dict().items() if k in before}
        del m32

        bad_frozen = [k for k in parameters if k in frozen and (g32[k] is not None or g64[k] is not None)]
        bad_trained = [k for k in trained if g32[k] is None or g64[k] is None]
        check(not bad_frozen, f"{name} {depth}: {len(parameters) - len(trained)} frozen tensors have no gradient (offenders {bad_frozen[:3]})")
        check(not bad_trained, f"{name} {depth}: {len(trained)} trained tensors have a gradient (offenders {bad_trained[:3]})")
        if bad_frozen or bad_trained:
            return None, None
        stats_frozen = [k for k in statistics if k in frozen]
        stats_trained = [k for k in statistics if k not in frozen]
        check(all(torch.equal(s32[k], before[k]) and torch.equal(s64[k], before[k].double()) for k in stats_frozen),
              f"{name} {depth}: {len(stats_frozen)} frozen statistics bit-identical after the step (float32 and float64)")
        check(all(not torch.equal(s64[k], before[k].double()) for k in stats_trained),
              f"{name} {depth}: {len(stats_trained)} trained statistics moved")

        grads = np.zeros((len(parameters), 3), dtype=np.float64)
        differences = np.zeros((len(parameters), 2), dtype=np.float64)
        index = {k: i for i, k in enumerate(parameters)}
        for k in trained:
            grads[index[k]] = summarise(k, g64[k].numpy())
            differences[index[k], 0] = distance(g32[k], g64[k])
        del g32
        release()
        stats = np.zeros((len(statistics), 3), dtype=np.float64)
        stats_differences = np.zeros((len(statistics), 2), dtype=np.float64)
        for i, k in enumerate(statistics):
            stats[i] = summarise(k, s64[k].numpy())
            stats_differences[i, 0] = distance(s32[k], s64[k])

        scale = float(grads[:, 0].max()) if trained else 0.0
        # A gradient that is zero in exact arithmetic (a bias whose per-channel constant every
        # consumer's training-mode BatchNorm subtracts again, an attention key bias) is rounding
        # noise in both precisions: listed apart, left out of the gaps.
        zero = [k for k in trained if grads[index[k], 0] < ZERO_RATIO * scale]
        measured = [index[k] for k in trained if k not in zero]
        gap, gap_tensor = worst_ratio(differences[:, 0], grads[:, 0], measured, parameters)
        s32 = None
        release()

        # Where the gap is flagged, the problem's own sensitivity: float64 again with every
        # parameter nudged by about one float32 rounding (PERTURBATION). Elsewhere NaN / null.
        perturbed, perturbed_tensor = None, None
        differences[:, 1] = stats_differences[:, 1] = np.nan
        if gap > GAP_FLAG:
            differences[[index[k] for k in trained], 1] = 0.0
            mp = prepare(nudged(copy.deepcopy(model).double()), frozen)
            step(mp, encoder, batch, targets, True)
            for k, p in mp.named_parameters():
                if k not in frozen:
                    differences[index[k], 1] = distance(p.grad, g64[k])
            sp = mp.state_dict()
            for i, k in enumerate(statistics):
                stats_differences[i, 1] = distance(sp[k], s64[k])
            del mp, sp
            perturbed, perturbed_tensor = worst_ratio(differences[:, 1], grads[:, 0], measured, parameters)
        differences[[index[k] for k in parameters if k in frozen], :] = 0.0
        del g64, s64
        release()

        trained_stats = [i for i, k in enumerate(statistics) if k not in frozen]
        stats_gap = float((stats_differences[trained_stats, 0] / stats[trained_stats, 0]).max()) if trained_stats else 0.0
        arrays[f"{depth}_gradients"], arrays[f"{depth}_statistics"] = grads, stats
        arrays[f"{depth}_differences"], arrays[f"{depth}_statistics_differences"] = differences, stats_differences
        entry = {"frozen_groups": fg, "loss": loss64, "loss_f32": loss32,
                 "f32_vs_f64": gap, "f32_vs_f64_tensor": gap_tensor,
                 "f64_perturbed": perturbed, "f64_perturbed_tensor": perturbed_tensor,
                 "f32_vs_f64_statistics": stats_gap, "flagged": gap > GAP_FLAG,
                 "kink_flips": watch.flips, "kink_flip_sites": watch.sites,
                 "zero_gradients": {k: [float(grads[index[k], 0]), float(differences[index[k], 0])] for k in zero},
                 "max_gradient_norm": scale, "trained_parameters": len(trained), "trained_statistics": len(stats_trained),
                 "seconds_f32_step": round(seconds32, 3), "seconds": round(time.time() - t0, 2)}
        record["depths"][depth] = entry
        if entry["flagged"]:
            print(f"!!!! GAP WARNING {name} {depth}: float32 vs float64 gradient gap {gap:.3g} > {GAP_FLAG:g} "
                  f"(tensor {gap_tensor}; float64 with every weight nudged by 2^-24: {perturbed:.3g}, {perturbed_tensor})", flush=True)
        print(f"     {name} {depth}: frozen {len(fg)} groups, loss {entry['loss']:.6f} (f32 {entry['loss_f32']:.6f}), "
              f"gap {gap:.3g} ({gap_tensor}), stats gap {stats_gap:.3g}, "
              f"zero-gradient tensors {len(zero)}, kink flips {watch.flips} {sorted(watch.sites)[:4]}, {entry['seconds']:.1f}s", flush=True)
    record["seconds"] = round(time.time() - start, 1)
    return record, arrays


def part_gradients():
    """All models; with ZOO_TRAINING_MODELS=a,b only those, updating the other records in place."""
    zoo = zoo_binary()
    os.makedirs(GRADIENTS, exist_ok=True)
    selected = [m for m in os.environ.get("ZOO_TRAINING_MODELS", "").split(",") if m]
    path = os.path.join(HERE, "gradients.json")
    models = {}
    if selected and os.path.exists(path):
        with open(path) as f:
            models = json.load(f)["models"]
    seen = []
    start = time.time()
    for name, model, library, encoder in ENGINE.all_models():
        seen.append(name)
        if selected and name not in selected:
            continue
        record, arrays = run_model(zoo, name, model, library, encoder)
        del model
        if record is None:
            models.pop(name, None)
            continue
        np.savez(os.path.join(GRADIENTS, name + ".npz"), **arrays)
        models[name] = record
        print(f"     {name}: done in {record['seconds']:.1f}s, peak memory so far {peak_gb():.1f} GB", flush=True)
    check(not selected or set(selected) <= set(seen), f"ZOO_TRAINING_MODELS names registry models ({sorted(set(selected) - set(seen))} unknown)")
    check(len(seen) == 39, f"{len(seen)} registry models (39 expected)")
    dump_json(path, {"generated_with": {**ENGINE.library_versions(), "threads": torch.get_num_threads()},
                     "projection_seed_rule": PROJECTION_SEED_RULE, "gap_flag": GAP_FLAG, "zero_ratio": ZERO_RATIO, "perturbation": PERTURBATION,
                     "image": {"size": IMAGE_SIZE, "classes": IMAGE_CLASSES, "targets": IMAGE_TARGETS},
                     "tokens": {"classes": TOKEN_CLASSES, "targets": TOKEN_TARGETS},
                     "models": {k: models[k] for k in sorted(models)}})
    flagged = [(n, d, r["depths"][d]["f32_vs_f64"]) for n, r in sorted(models.items()) for d in DEPTHS if r["depths"][d]["f32_vs_f64"] > GAP_FLAG]
    for n, d, g in flagged:
        print(f"!!!! GAP WARNING {n} {d}: {g:.3g}")
    print(f"     gradients: {len(models)} models, {time.time() - start:.0f}s", flush=True)


PARTS = {"gradients": part_gradients}


def main():
    parts = sys.argv[1:] or list(PARTS)
    if any(p not in PARTS for p in parts):
        print(__doc__)
        return 2
    for part in parts:
        print(f"---- {part}", flush=True)
        PARTS[part]()
    CHECKER.small_folder(HERE, SIZE_LIMIT)
    return CHECKER.summary()


if __name__ == "__main__":
    sys.exit(main())
