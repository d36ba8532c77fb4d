"""Writes formats/conventions/encoders/: what Google's TF1 BERT checkpoints and KerasHub backbones
look like on disk, written by the real libraries, for zoo's `tf1-bert` and `keras-hub` conventions.

    /tmp/refvenv/bin/python formats/conventions/encoders/generate.py [--zoo .build/debug/zoo]
    /tmp/refvenv/bin/python formats/conventions/encoders/generate.py tf1-checkpoint OUT_PREFIX \
        --model bert_tiny_uncased [--classes N]
    /tmp/refvenv/bin/python formats/conventions/encoders/generate.py check-hf4 TRANSFORMERS_4_WHEEL

Needs tensorflow-cpu 2.21, keras 3.15, keras-hub 0.32, torch, transformers 5.23, numpy, h5py and
a built zoo (its `inspect --json` lists the files as zoo's readers do). No model hub: every model
is built from its configuration. Weights are formats/engine/generate.py's name-keyed generator
(canonical = Hugging Face names, gain from formats/engine/expected.json), moved into each
library's own variables by the mappings below, written independently of the Swift conventions.

Files (README.md says more):
  tf1_<model>[_cN].json   a tf.compat.v1.train.Saver checkpoint of Google's variable names (with
                          AdamWeightDecayOptimizer's adam_m / adam_v slots and global_step), as
                          zoo lists it, each tensor's CRC-32 as TensorFlow reads it back
  tf1_<model>.npz         transformers BertModel with hidden_act="gelu_new" (the tanh GELU of
                          Google's modeling.py): last_hidden_state[..., :64], pooler[:, :64]
  keras_hub_<model>[_cN].json  backbone.save_weights (or BertTextClassifier.save_weights with N
                          classes) as zoo lists it, with CRC-32s as h5py reads them
  keras_hub_<model>.npz   the KerasHub backbone's sequence_output[..., :64], pooled_output[:, :64]
"""
import argparse
import ast
import copy
import os
import re
import sys
import tempfile
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(ROOT, "formats"))
from fixturelib import Checker, describe, dump_json, load_generator, zoo_tensors  # noqa: E402 - formats/fixturelib.py, found through the path above

engine = load_generator("engine")
load_generator("architectures")  # timm, torchvision, transformers: before TensorFlow, whose LLVM (triton's) clashes otherwise
import tensorflow as tf  # noqa: E402
import keras_hub  # noqa: E402
CHECKER = Checker()
check = CHECKER.check


# ---------------------------------------------------------------------------------------------
# The registry models, as transformers builds them (formats/architectures), and their weights.

CONFIGS = {}


def hf_model(name, **overrides):
    """The transformers model of registry model `name` (formats/architectures' constructor), built
    again from its configuration with fields `overrides`."""
    if not CONFIGS:
        for model_name, model, _, _ in load_generator("architectures").transformers_models():
            CONFIGS[model_name] = (type(model), model.config)
    cls, config = CONFIGS[name]
    config = copy.deepcopy(config)
    for key, value in overrides.items():
        setattr(config, key, value)
    return cls(config)


def canonical_weights(name, classes=None):
    """Canonical name → float32 array: every state-dict tensor of the model (and, with `classes`,
    the registry's head `classifier.weight` [classes, hidden], `classifier.bias`)."""
    c = engine.gain(name)
    shapes = {k: list(v.shape) for k, v in hf_model(name).state_dict().items()}
    if classes:
        hidden = shapes["embeddings.word_embeddings.weight"][1]
        shapes.update({"classifier.weight": [classes, hidden], "classifier.bias": [classes]})
    return {k: engine.generate(k, s, "float32", c) for k, s in shapes.items()}


def zoo_listing(zoo, path):
    """[{name, shape, dtype, role}] in the order zoo's reader lists the file."""
    return [{k: t[k] for k in ("name", "shape", "dtype", "role")} for t in zoo_tensors(zoo, path)]


def with_records(listing, read):
    """Adds describe()'s dtype/shape/CRC-32/first values of each tensor as the library reads it."""
    for entry in listing:
        value = read(entry["name"])
        entry.update(describe(entry["dtype"], value, "f" if value.dtype.kind == "f" else "i"))
    return listing


def fixture_name(prefix, model, classes):
    return f"{prefix}_{model}" + (f"_c{classes}" if classes else "")


def token_inputs():
    return engine.token_inputs(0, roberta=False)


# ---------------------------------------------------------------------------------------------
# TF1 BERT: google-research/bert modeling.py variable scopes, run_classifier.py's head.

def tf1_variables(canonical):
    """Google's name → value. Dense kernels are [in, out] (tf.layers.dense); embeddings as is;
    run_classifier.py's output_weights is [classes, hidden] (matmul with transpose_b)."""
    out = {}
    for key, value in canonical.items():
        if key == "classifier.weight":
            out["output_weights"] = value
            continue
        if key == "classifier.bias":
            out["output_bias"] = value
            continue
        module, leaf = key.rsplit(".", 1)
        scope = "bert/" + re.sub(r"layer\.(\d+)", r"layer_\1", module).replace(".", "/")
        if module.endswith("_embeddings"):
            out[scope] = value
        elif module.endswith("LayerNorm"):
            out[scope + ("/gamma" if leaf == "weight" else "/beta")] = value
        elif leaf == "weight":
            out[scope + "/kernel"] = np.ascontiguousarray(value.T)
        else:
            out[scope + "/bias"] = value
    return out


def write_tf1_checkpoint(prefix, model, classes=None):
    """A tf.compat.v1.train.Saver checkpoint as run_pretraining.py / run_classifier.py leave it:
    each variable, its AdamWeightDecayOptimizer slots (zeros) and global_step."""
    variables = tf1_variables(canonical_weights(model, classes))
    graph = tf.Graph()
    with graph.as_default():
        for name, value in variables.items():
            tf.compat.v1.get_variable(name, initializer=tf.constant(value))
            for slot in ("adam_m", "adam_v"):
                tf.compat.v1.get_variable(f"{name}/{slot}", shape=value.shape, dtype=tf.float32,
                                          initializer=tf.compat.v1.zeros_initializer(), trainable=False)
        tf.compat.v1.train.get_or_create_global_step()
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session() as session:
            session.run(tf.compat.v1.global_variables_initializer())
            saver.save(session, prefix, write_meta_graph=False, write_state=False)
    return variables


def tf1_fixture(zoo, model, classes):
    with tempfile.TemporaryDirectory() as folder:
        prefix = os.path.join(folder, "model.ckpt")
        variables = write_tf1_checkpoint(prefix, model, classes)
        listing = with_records(zoo_listing(zoo, prefix + ".index"), lambda n: tf.train.load_variable(prefix, n))
    for entry in listing:
        if entry["name"] in variables:
            check(entry["crc32"] == describe("F32", variables[entry["name"]], "f")["crc32"], f"tf1 {entry['name']}: read back as written")
    names = [e["name"] for e in listing]
    check(names == sorted(names), "tf1: zoo lists the checkpoint in key (byte) order")
    record = {"convention": "tf1-bert", "model": model, "classes": classes, "written_by": library_versions(),
              "tensors": listing}
    dump_json(os.path.join(HERE, fixture_name("tf1", model, classes) + ".json"), record)


def tf1_outputs(model):
    """transformers' BERT with its tanh GELU ("gelu_new", Google's modeling.py gelu) on the
    name-keyed weights and formats/engine's tokens; also the erf model's gap from it."""
    import torch
    arrays = {}
    for act in ("gelu_new", "gelu"):
        bert = hf_model(model, hidden_act=act).eval()
        bert.load_state_dict({k: torch.from_numpy(v) for k, v in canonical_weights(model).items()}, strict=True)
        h, pooler = engine.encoder_call(bert, model, token_inputs())
        arrays[act] = (h.numpy()[:, :, :64].copy(), pooler.numpy()[:, :64].copy())
    erf_gap = float(max(np.abs(a - b).max() for a, b in zip(arrays["gelu"], arrays["gelu_new"])))
    check(erf_gap > 1e-4, f"tf1 {model}: tanh vs erf GELU differ visibly ({erf_gap:.3g})")
    np.savez(os.path.join(HERE, f"tf1_{model}.npz"), last_hidden_state_head=arrays["gelu_new"][0], pooler_head=arrays["gelu_new"][1])
    return erf_gap


# ---------------------------------------------------------------------------------------------
# KerasHub: BertBackbone / DistilBertBackbone (and BertTextClassifier for a head).

def keras_hub_model(model, classes=None):
    bert = hf_model(model).config
    distil = model.startswith("distilbert")
    if distil:
        backbone = keras_hub.models.DistilBertBackbone(
            vocabulary_size=bert.vocab_size, num_layers=bert.n_layers, num_heads=bert.n_heads, hidden_dim=bert.dim,
            intermediate_dim=bert.hidden_dim, max_sequence_length=bert.max_position_embeddings)
    else:
        backbone = keras_hub.models.BertBackbone(
            vocabulary_size=bert.vocab_size, num_layers=bert.num_hidden_layers, num_heads=bert.num_attention_heads,
            hidden_dim=bert.hidden_size, intermediate_dim=bert.intermediate_size, max_sequence_length=bert.max_position_embeddings)
    if classes:
        return backbone, keras_hub.models.BertTextClassifier(backbone=backbone, num_classes=classes, preprocessor=None)
    return backbone, backbone


def keras_hub_source(path, distil):
    """The canonical parameter behind a KerasHub variable (by its layer-name path) and the array
    op: "T" (Dense kernel), "heads" ([in, heads, size]), "from_heads" ([heads, size, out]),
    "bias_heads" ([heads, size]) or None (as is)."""
    layer = re.match(r"transformer_layer_(\d+)/(.*)", path)
    if layer:
        i, rest = layer.groups()
        p = f"transformer.layer.{i}." if distil else f"encoder.layer.{i}."
        names = ({"query": "attention.q_lin", "key": "attention.k_lin", "value": "attention.v_lin", "attention_output": "attention.out_lin",
                  "self_attention_layer_norm": "sa_layer_norm", "feedforward_intermediate_dense": "ffn.lin1",
                  "feedforward_output_dense": "ffn.lin2", "feedforward_layer_norm": "output_layer_norm"} if distil else
                 {"query": "attention.self.query", "key": "attention.self.key", "value": "attention.self.value",
                  "attention_output": "attention.output.dense", "self_attention_layer_norm": "attention.output.LayerNorm",
                  "feedforward_intermediate_dense": "intermediate.dense", "feedforward_output_dense": "output.dense",
                  "feedforward_layer_norm": "output.LayerNorm"})
        parts = rest.split("/")
        module, leaf = parts[-2], parts[-1]
        canonical = p + names[module] + {"kernel": ".weight", "gamma": ".weight", "bias": ".bias", "beta": ".bias"}[leaf]
        if module in ("query", "key", "value"):
            return canonical, "heads" if leaf == "kernel" else "bias_heads"
        if module == "attention_output":
            return canonical, "from_heads" if leaf == "kernel" else None
        return canonical, "T" if leaf == "kernel" else None
    fixed = {"token_embedding/embeddings": "embeddings.word_embeddings.weight",
             "token_and_position_embedding/token_embedding/embeddings": "embeddings.word_embeddings.weight",
             "position_embedding/embeddings": "embeddings.position_embeddings.weight",
             "token_and_position_embedding/position_embedding/embeddings": "embeddings.position_embeddings.weight",
             "segment_embedding/embeddings": "embeddings.token_type_embeddings.weight",
             "embeddings_layer_norm/gamma": "embeddings.LayerNorm.weight", "embeddings_layer_norm/beta": "embeddings.LayerNorm.bias",
             "pooled_dense/kernel": "pooler.dense.weight", "pooled_dense/bias": "pooler.dense.bias",
             "logits/kernel": "classifier.weight", "logits/bias": "classifier.bias"}
    canonical = fixed[path]
    return canonical, "T" if path.endswith("kernel") else None


def keras_hub_value(canonical, op, shape):
    if op is None:
        return canonical
    if op == "T":
        return np.ascontiguousarray(canonical.T)
    if op in ("heads", "from_heads"):  # [heads·size, in] → [in, heads, size]; [out, heads·size] → [heads, size, out]
        return np.ascontiguousarray(canonical.T).reshape(shape)
    return canonical.reshape(shape)


def keras_hub_fill(task, model, classes):
    weights = canonical_weights(model, classes)
    distil = model.startswith("distilbert")
    used = set()
    for variable in task.weights:
        name, op = keras_hub_source(variable.path, distil)
        used.add(name)
        variable.assign(keras_hub_value(weights[name], op, tuple(variable.shape)))
    check(used == set(weights), f"keras-hub {model}: every canonical parameter assigned exactly once")


def keras_hub_fixture(zoo, model, classes, outputs):
    import h5py
    backbone, task = keras_hub_model(model, classes)
    keras_hub_fill(task, model, classes)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.weights.h5")
        task.save_weights(path)
        with h5py.File(path, "r") as f:
            listing = with_records(zoo_listing(zoo, path), lambda n: f[n][()])
    record = {"convention": "keras-hub", "model": model, "classes": classes, "written_by": library_versions(),
              "saved_by": f"keras_hub.models.{type(task).__name__}.save_weights", "tensors": listing}
    dump_json(os.path.join(HERE, fixture_name("keras_hub", model, classes) + ".json"), record)
    if outputs:
        inputs = token_inputs()
        feed = {"token_ids": inputs["input_ids"].astype(np.int32), "padding_mask": inputs["attention_mask"].astype(np.int32)}
        if not model.startswith("distilbert"):
            feed["segment_ids"] = inputs["token_type_ids"].astype(np.int32)
        result = backbone(feed)
        sequence = np.asarray(result["sequence_output"] if isinstance(result, dict) else result)
        arrays = {"last_hidden_state_head": sequence[:, :, :64].copy()}
        if isinstance(result, dict) and "pooled_output" in result:
            arrays["pooler_head"] = np.asarray(result["pooled_output"])[:, :64].copy()
        np.savez(os.path.join(HERE, f"keras_hub_{model}.npz"), **arrays)


# ---------------------------------------------------------------------------------------------
# The real library's TF1 reader: transformers 4.x load_tf_weights_in_bert (removed in 5.0).

def check_hf4(wheel, model="bert_tiny_uncased"):
    """Loads a checkpoint written here with transformers 4.x's own `load_tf_weights_in_bert`
    (taken from the given wheel's modeling_bert.py, run on a transformers 5 BertForPreTraining:
    it only walks module attributes) and compares every parameter with the canonical weights."""
    import logging
    import torch
    import transformers
    with zipfile.ZipFile(wheel) as z:
        source = z.read("transformers/models/bert/modeling_bert.py").decode()
    tree = ast.parse(source)
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "load_tf_weights_in_bert")
    namespace = {"os": os, "torch": torch, "logger": logging.getLogger("hf4")}
    exec(compile(ast.Module(body=[function], type_ignores=[]), wheel, "exec"), namespace)
    config = hf_model(model).config
    pretraining = transformers.BertForPreTraining(config)
    with tempfile.TemporaryDirectory() as folder:
        prefix = os.path.join(folder, "model.ckpt")
        write_tf1_checkpoint(prefix, model)
        namespace["load_tf_weights_in_bert"](pretraining, config, prefix)
    state = pretraining.bert.state_dict()
    weights = canonical_weights(model)
    same = all(np.array_equal(state[k].numpy(), v) for k, v in weights.items())
    check(same and set(weights) <= set(state), f"transformers 4.x load_tf_weights_in_bert reads {model}'s TF1 checkpoint as the canonical weights")


def library_versions():
    import keras
    import transformers
    return {"tensorflow": tf.__version__, "keras": keras.__version__, "keras_hub": keras_hub.__version__,
            "transformers": transformers.__version__}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", nargs="?", default="all", choices=["all", "tf1-checkpoint", "check-hf4"])
    parser.add_argument("target", nargs="?")
    parser.add_argument("--model", default="bert_tiny_uncased")
    parser.add_argument("--classes", type=int)
    parser.add_argument("--zoo", default=os.path.join(ROOT, ".build", "debug", "zoo"))
    args = parser.parse_args()
    if args.command == "tf1-checkpoint":
        write_tf1_checkpoint(args.target, args.model, args.classes)
        return
    if args.command == "check-hf4":
        check_hf4(args.target)
    else:
        for classes in (None, 3):
            tf1_fixture(args.zoo, "bert_tiny_uncased", classes)
        gap = tf1_outputs("bert_tiny_uncased")
        keras_hub_fixture(args.zoo, "bert_tiny_uncased", None, outputs=True)
        keras_hub_fixture(args.zoo, "bert_tiny_uncased", 3, outputs=False)
        keras_hub_fixture(args.zoo, "minilm_l12_h384", None, outputs=False)
        keras_hub_fixture(args.zoo, "distilbert_base_uncased", None, outputs=True)
        print(f"tanh vs erf GELU, transformers bert_tiny_uncased: max |Δ| = {gap:.4g}")
        CHECKER.small_folder(HERE, 400e3)
    sys.exit(CHECKER.summary())


if __name__ == "__main__":
    main()
