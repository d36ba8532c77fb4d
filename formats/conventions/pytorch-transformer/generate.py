"""Writes formats/conventions/pytorch-transformer/: the registry's encoders with PyTorch's own
torch.nn.TransformerEncoder as their encoder, for zoo's `pytorch-transformer` convention
(Sources/NameMapping/Conventions/PyTorchTransformerNaming.swift).

    /tmp/refvenv/bin/python formats/conventions/pytorch-transformer/generate.py                 # write
    /tmp/refvenv/bin/python formats/conventions/pytorch-transformer/generate.py --readback ZOO  # zoo reads torch's file

Needs torch and transformers (numpy, safetensors for the readback). No model hub: each model is
the Hugging Face model built from its configuration (formats/architectures) with its `encoder`
replaced by `torch.nn.TransformerEncoder(TransformerEncoderLayer(hidden, heads, intermediate,
dropout=0, activation="gelu", layer_norm_eps=<the model's ε>, batch_first=True,
norm_first=False), layers, enable_nested_tensor=False)`; embeddings and pooler stay Hugging
Face's modules (torch.nn has none), a head is `classifier` = nn.Linear. Weights are
formats/engine/generate.py's name-keyed generator on the canonical (Hugging Face) names, moved
into the torch module by `torch_weights` below (q, k, v concatenated into in_proj), written
independently of the Swift convention.

Files (README.md says more):
  <model>[_cN].json        the module's state dict in order: name, shape, dtype, and for tensors of
                           at most 2^20 elements the CRC-32 and first values of the name-keyed
                           weights as the module holds them
  bert_tiny_uncased.npz    the module's last hidden state [..., :64] and pooler [:, :64] on
                           formats/engine's tokens (src_key_padding_mask = attention_mask == 0)

The script checks itself (asserts): the weights load with strict=True and the module equals
transformers' BertModel on the same weights within 1e-5. The readback saves the module's state
dict with torch.save and checks that zoo identifies it, converts it to Hugging Face names bit for
bit (the canonical weights) and back to the very state dict.
"""
import copy
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(ROOT, "formats"))
import fixturelib  # noqa: E402 - formats/fixturelib.py, found through the path above
from fixturelib import Checker, describe, dump_json, le_bytes, load_generator  # noqa: E402

engine = load_generator("engine")
torch.set_num_threads(2)

FIXTURES = [("bert_tiny_uncased", None), ("bert_tiny_uncased", 3), ("distilbert_base_uncased", None), ("roberta_base", None)]
OUTPUTS = "bert_tiny_uncased"
LARGEST = 1 << 20  # bigger tensors are listed by name and shape only (EncoderConventionTests.largest)

# A TransformerEncoderLayer's parameters after in_proj → the registry layer's module (Hugging
# Face's BERT / RoBERTa names, DistilBERT's).
LAYER_PARTS = {
    "self_attn.out_proj": ("attention.output.dense", "attention.out_lin"),
    "linear1": ("intermediate.dense", "ffn.lin1"),
    "linear2": ("output.dense", "ffn.lin2"),
    "norm1": ("attention.output.LayerNorm", "sa_layer_norm"),
    "norm2": ("output.LayerNorm", "output_layer_norm"),
}
PROJECTIONS = (("attention.self.query", "attention.self.key", "attention.self.value"),
               ("attention.q_lin", "attention.k_lin", "attention.v_lin"))

_CONFIGS = {}


def hf_model(name):
    """The transformers model of registry model `name` (formats/architectures), randomly initialised."""
    if not _CONFIGS:
        arch = load_generator("architectures")
        with torch.device("meta"):
            for model_name, model, _, _ in arch.transformers_models():
                _CONFIGS[model_name] = (type(model), model.config)
    cls, config = _CONFIGS[name]
    return cls(copy.deepcopy(config)).eval()


class TorchEncoder(torch.nn.Module):
    """Registry encoder `name` with torch.nn.TransformerEncoder as its encoder."""

    def __init__(self, name, classes=None, layer_norm_eps=None, enable_nested_tensor=False):
        super().__init__()
        hf = hf_model(name)
        c = hf.config
        distil = name.startswith("distilbert")
        hidden, heads, layers = (c.dim, c.n_heads, c.n_layers) if distil else (c.hidden_size, c.num_attention_heads, c.num_hidden_layers)
        intermediate = c.hidden_dim if distil else c.intermediate_size
        self.eps = hf.embeddings.LayerNorm.eps  # the model's ε, the same in every layer norm
        self.embeddings = hf.embeddings
        layer = torch.nn.TransformerEncoderLayer(
            hidden, heads, intermediate, dropout=0.0, activation="gelu",
            layer_norm_eps=self.eps if layer_norm_eps is None else layer_norm_eps, batch_first=True, norm_first=False)
        self.encoder = torch.nn.TransformerEncoder(layer, layers, enable_nested_tensor=enable_nested_tensor)
        if getattr(hf, "pooler", None) is not None:
            self.pooler = hf.pooler
        if classes:
            self.classifier = torch.nn.Linear(hidden, classes)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        kwargs = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
        x = self.embeddings(input_ids=input_ids, **kwargs)
        h = self.encoder(x, src_key_padding_mask=attention_mask == 0)
        return h, self.pooler(h) if hasattr(self, "pooler") else None


def canonical_weights(name, classes=None, largest=None):
    """Canonical name → the name-keyed weights (formats/engine) of the Hugging Face model (and a
    `classes`-way `classifier`); tensors above `largest` elements are left out."""
    c = engine.gain(name)
    shapes = {k: list(v.shape) for k, v in hf_model(name).state_dict().items()}
    if classes:
        hidden = shapes["embeddings.word_embeddings.weight"][1]
        shapes.update({"classifier.weight": [classes, hidden], "classifier.bias": [classes]})
    return {k: engine.generate(k, s, "float32", c) for k, s in shapes.items() if largest is None or np.prod(s) <= largest}


def canonical_sources(key, distil):
    """The canonical names torch state-dict entry `key` is made of (three, joined, for in_proj)."""
    if not key.startswith("encoder.layers."):
        return [key]
    index, rest = key[len("encoder.layers."):].split(".", 1)
    prefix = f"transformer.layer.{index}." if distil else f"encoder.layer.{index}."
    module, leaf = rest.rsplit(".", 1)
    if module == "self_attn" and leaf.startswith("in_proj_"):
        return [prefix + p + "." + leaf[len("in_proj_"):] for p in PROJECTIONS[distil]]
    return [prefix + LAYER_PARTS[module][distil] + "." + leaf]


def torch_weights(module, canonical, distil):
    """The module's state dict filled from `canonical` (entries whose sources are absent skipped)."""
    out = {}
    for key in module.state_dict():
        sources = canonical_sources(key, distil)
        if all(s in canonical for s in sources):
            out[key] = np.concatenate([canonical[s] for s in sources]) if len(sources) > 1 else canonical[sources[0]]
    return out


def fixture_name(name, classes):
    return name + (f"_c{classes}" if classes else "")


def listing(name, classes):
    module = TorchEncoder(name, classes)
    values = torch_weights(module, canonical_weights(name, classes, largest=LARGEST), name.startswith("distilbert"))
    used = {s for key in values for s in canonical_sources(key, name.startswith("distilbert"))}
    assert used == set(canonical_weights(name, classes, largest=LARGEST)), f"{name}: every small canonical tensor used once"
    tensors = []
    for key, tensor in module.state_dict().items():
        entry = {"name": key, "shape": list(tensor.shape), "dtype": "F32", "role": "weight"}
        assert tensor.dtype == torch.float32, key
        if key in values:
            assert list(values[key].shape) == entry["shape"], key
            entry.update(describe("F32", values[key], "f"))
        tensors.append(entry)
    import transformers
    return {"convention": "pytorch-transformer", "model": name, "classes": classes,
            "written_by": {"torch": torch.__version__, "transformers": transformers.__version__},
            "module": f"{type(module.embeddings).__name__} + torch.nn.TransformerEncoder"
                      + (f" + {type(module.pooler).__name__}" if hasattr(module, "pooler") else "")
                      + (" + classifier nn.Linear" if classes else "")
                      + f", layer_norm_eps={module.eps}", "tensors": tensors}


def filled(name, **options):
    """The module with every weight (name-keyed), loaded with strict=True."""
    module = TorchEncoder(name, **options).eval()
    weights = torch_weights(module, canonical_weights(name), name.startswith("distilbert"))
    module.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in weights.items()}, strict=True)
    return module


def outputs(name):
    """The module's outputs on formats/engine's tokens, checked against transformers' model."""
    inputs = engine.token_inputs(0, roberta=False)
    ids, mask, types = (torch.from_numpy(inputs[k]) for k in ("input_ids", "attention_mask", "token_type_ids"))
    reference = hf_model(name)
    reference.load_state_dict({k: torch.from_numpy(v) for k, v in canonical_weights(name).items()}, strict=True)
    want_h, want_pooler = engine.encoder_call(reference, name, inputs)
    results = {}
    for label, options in [("configured", {}), ("torch default eps", {"layer_norm_eps": 1e-5}), ("nested tensor", {"enable_nested_tensor": True})]:
        with torch.no_grad():
            results[label] = filled(name, **options)(ids, mask, types)
    h, pooler = results["configured"]
    same = max(float((h - want_h).abs().max()), float((pooler - want_pooler).abs().max()))
    assert same <= 1e-5, f"{name}: torch.nn module vs transformers {same}"
    print(f"{name}: torch.nn.TransformerEncoder (configured) vs transformers: max |Δ| {same:.2g}")
    default_h, default_pooler = results["torch default eps"]
    print(f"{name}: with torch's default layer_norm_eps 1e-5 instead of {TorchEncoder(name).eps}: max |Δ| "
          f"{max(float((default_h - want_h).abs().max()), float((default_pooler - want_pooler).abs().max())):.2g}")
    nested_h, _ = results["nested tensor"]
    valid = mask.bool()
    print(f"{name}: with enable_nested_tensor=True: valid tokens max |Δ| {float((nested_h - want_h)[valid].abs().max()):.2g}, "
          f"padded positions all zero: {bool((nested_h[~valid] == 0).all())}")
    np.savez(os.path.join(HERE, f"{name}.npz"), last_hidden_state_head=h.numpy()[:, :, :64].copy(),
             pooler_head=pooler.numpy()[:, :64].copy())


def generate():
    for name, classes in FIXTURES:
        dump_json(os.path.join(HERE, fixture_name(name, classes) + ".json"), listing(name, classes))
    outputs(OUTPUTS)
    size = sum(os.path.getsize(os.path.join(HERE, f)) for f in os.listdir(HERE) if not f.endswith((".py", ".md")))
    assert size < 200_000, size
    print(f"total size of the fixtures: {size} bytes")


def readback(zoo):
    from safetensors.numpy import load_file
    triples = lambda arrays: {k: ("F32", list(v.shape), le_bytes(np.asarray(v))) for k, v in arrays.items()}
    with tempfile.TemporaryDirectory() as tmp:
        c = Checker(zoo, tmp)
        module = filled(OUTPUTS)
        state = {k: v.numpy() for k, v in module.state_dict().items()}
        torch.save(module.state_dict(), os.path.join(tmp, "torch.pth"))

        def identified():
            out = subprocess.run([c.zoo, "identify", "torch.pth", "--json"], cwd=tmp, check=True, capture_output=True, text=True).stdout
            best = json.loads(out)["best"]
            c.check((best["model"], best["convention"], best["score"]) == (OUTPUTS, "pytorch-transformer", 1),
                    f"zoo identifies torch's file as {best['model']} {best['convention']} (score {best['score']})")

        c.guard("identify torch.pth", identified)
        c.convert(["convert", "torch.pth", "hf", "--to", "huggingface"], "hf",
                  lambda: c.compare_tensors("torch.pth → huggingface", triples(load_file(os.path.join(tmp, "hf", "model.safetensors"))),
                                            triples(canonical_weights(OUTPUTS))))
        c.convert(["convert", "hf/model.safetensors", "back.pth", "--to", "pytorch-transformer"], "back.pth",
                  lambda: c.compare_tensors("huggingface → back.pth", triples({k: v.numpy() for k, v in torch.load(
                      os.path.join(tmp, "back.pth"), weights_only=True).items()}), triples(state)))
    return c.summary()


if __name__ == "__main__":
    sys.exit(fixturelib.main(__doc__, generate, readback))
