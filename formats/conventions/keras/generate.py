"""Writes formats/conventions/keras/: how keras.applications names the CNN families zoo maps.

    /tmp/refvenv/bin/python formats/conventions/keras/generate.py [--zoo PATH/TO/zoo]

Needs keras 3 (TensorFlow backend), h5py, torch, torchvision, timm and numpy; CPU only. Every
model is built from its configuration (`weights=None`, `classifier_activation=None`), nothing comes
from a model hub. README.md describes the files.

1. `<model>.json`: the tensors of the two files Keras writes for the model, in file order:
   `keras`, the legacy `model.save("x.h5")` (layer order of `layer_names`, each layer's
   `weight_names`, TensorFlow's `:0` stripped), and `keras3`, `model.save_weights("x.weights.h5")`
   (every dataset path, in zoo's order: numeric names by value, others in byte order). With
   `--zoo`, both lists are also checked against `zoo inspect --json` of the same files.
2. `logits.npz` + `numerics.json`: Keras's logits for the models in NUMERIC, with weights set from
   the name-keyed canonical weights of formats/engine/generate.py (torchvision's or timm's state
   dict, gain from formats/engine/expected.json) by the independent mapping below, on
   formats/engine's image input (channels-last for Keras). ResNet's convolution biases, which
   torchvision lacks, are then set to the generator's values for `<layer>.bias` (the logits
   stored are with them; the difference below is with zero biases). numerics.json records the largest
   difference from PyTorch's logits (formats/engine/outputs/<model>.npz, which the script first
   reproduces) that Keras's different function (batch-norm epsilon, padding, ResNet v1) causes.
"""
import json
import os
import sys
import tempfile

import h5py
import numpy as np
import timm
import torch  # before TensorFlow: the other order aborts on LLVM options registered twice
import torchvision

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
ENGINE = os.path.join(ROOT, "formats", "engine")
sys.path.insert(0, os.path.join(ROOT, "formats"))
from fixturelib import Checker, load_generator, zoo_tensors  # noqa: E402 - formats/fixturelib.py, found through the path above

CHECKER = Checker()
check = CHECKER.check

# registry name → keras.applications class
MODELS = {
    "mobilenetv1_100": "MobileNet", "mobilenet_v2": "MobileNetV2",
    "mobilenet_v3_small": "MobileNetV3Small", "mobilenet_v3_large": "MobileNetV3Large",
    "resnet50": "ResNet50", "resnet101": "ResNet101", "resnet152": "ResNet152",
    "vgg16": "VGG16", "vgg19": "VGG19",
}
# Models whose Keras logits are computed (small enough for the Swift engine test's time budget).
NUMERIC = ["mobilenet_v2", "mobilenetv1_100", "mobilenet_v3_small", "mobilenet_v3_large", "resnet50"]


def keras_model(name, **options):
    return getattr(keras.applications, MODELS[name])(weights=None, classifier_activation=None, **options)


# ---------------------------------------------------------------------------------------------
# Part 1: the tensor lists.

def legacy_tensors(path):
    """A legacy .h5's weights as Keras lays them out: `layer_names`, then each layer's
    `weight_names` (under `model_weights` in a whole-model file); `:0` stripped."""
    def strings(attribute):
        return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in attribute]
    with h5py.File(path, "r") as f:
        root = f["model_weights"] if "model_weights" in f else f
        out = []
        for layer in strings(root.attrs["layer_names"]):
            group = root[layer]
            for weight in strings(group.attrs.get("weight_names", [])):
                name = weight if weight.startswith(layer + "/") else f"{layer}/{weight}"
                out.append([name[:-2] if name.endswith(":0") else name, list(group[weight].shape)])
        return out


def child_key(name):
    """zoo's order of a group's children: all-digit names by value first, then byte order."""
    return (0, int(name), name.encode()) if name.isdigit() else (1, 0, name.encode())


def keras3_tensors(path):
    """Every dataset of a .weights.h5, depth first, children in zoo's order."""
    out = []
    with h5py.File(path, "r") as f:
        def walk(group, prefix):
            for child in sorted(group.keys(), key=child_key):
                item = group[child]
                if isinstance(item, h5py.Group):
                    walk(item, prefix + child + "/")
                else:
                    out.append([prefix + child, list(item.shape)])
        walk(f, "")
    return out


def zoo_pairs(zoo, path):
    """[name, shape] of each tensor, as zoo inspect lists the file."""
    return [[t["name"], t["shape"]] for t in zoo_tensors(zoo, path)]


def dump_listing(path, record):
    """JSON with one tensor per line, so the files stay small and diff well."""
    lines = ["{", f'  "model": {json.dumps(record["model"])},', f'  "keras_class": {json.dumps(record["keras_class"])},',
             f'  "versions": {json.dumps(record["versions"], sort_keys=True)},']
    for i, key in enumerate(("keras", "keras3")):
        lines.append(f'  "{key}": [')
        rows = [f"    {json.dumps(row)}" for row in record[key]]
        lines.append(",\n".join(rows))
        lines.append("  ]" + ("," if i == 0 else ""))
    lines.append("}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def part_listings(zoo):
    versions = {"keras": keras.__version__, "h5py": h5py.__version__, "backend": keras.backend.backend()}
    with tempfile.TemporaryDirectory() as tmp:
        for name, cls in MODELS.items():
            model = keras_model(name)
            legacy, weights = os.path.join(tmp, "x.h5"), os.path.join(tmp, "x.weights.h5")
            model.save(legacy)
            model.save_weights(weights)
            record = {"model": name, "keras_class": cls, "versions": versions,
                      "keras": legacy_tensors(legacy), "keras3": keras3_tensors(weights)}
            count = len(model.weights)
            check(len(record["keras"]) == count and len(record["keras3"]) == count, f"{name}: {count} tensors in both files")
            if zoo:
                check(zoo_pairs(zoo, legacy) == record["keras"], f"{name}: zoo inspect lists the legacy .h5 the same")
                check(zoo_pairs(zoo, weights) == record["keras3"], f"{name}: zoo inspect lists the .weights.h5 the same")
            dump_listing(os.path.join(HERE, f"{name}.json"), record)
            os.remove(legacy)
            os.remove(weights)
            del model
            keras.backend.clear_session()


# ---------------------------------------------------------------------------------------------
# Part 2: Keras's logits under canonical weights.

def canonical_model(name):
    return timm.create_model(name, pretrained=False) if name == "mobilenetv1_100" else getattr(torchvision.models, name)()


def torch_modules(state):
    """The state dict grouped by module, in order, without `num_batches_tracked`."""
    modules = {}
    for key, value in state.items():
        if key.endswith("num_batches_tracked"):
            continue
        module, _, suffix = key.rpartition(".")
        modules.setdefault(module, {})[suffix] = value.numpy()
    return modules


def keras_values(layer, params, name):
    """The Keras layer's weights from one torch module's parameters, by layer type."""
    if isinstance(layer, keras.layers.BatchNormalization):
        return [params["weight"], params["bias"], params["running_mean"], params["running_var"]]
    w = params["weight"]
    if isinstance(layer, keras.layers.DepthwiseConv2D):
        return [w.transpose(2, 3, 0, 1)]
    if isinstance(layer, keras.layers.Conv2D):
        # A torch Linear read by a Keras 1×1 convolution (MobileNet heads) or a real convolution.
        kernel = w.T.reshape(1, 1, w.shape[1], w.shape[0]) if w.ndim == 2 else w.transpose(2, 3, 1, 0)
        bias = params.get("bias", np.zeros(kernel.shape[-1], np.float32))  # ResNet: Keras has a bias, torchvision none
        return [kernel, bias][: len(layer.weights)]
    assert isinstance(layer, keras.layers.Dense), name
    kernel = w.T
    if layer.name == "fc1":  # VGG: torch flattens [C, H, W], Keras [H, W, C]
        kernel = w.reshape(w.shape[0], 512, 7, 7).transpose(2, 3, 1, 0).reshape(-1, w.shape[0])
    return [kernel, params["bias"]]


def resnet_module(layer_name):
    """Keras ResNet v1 names → torchvision's modules: `conv{s}_block{b}_{k}_{conv|bn}`."""
    if layer_name == "predictions":
        return "fc"
    if layer_name.startswith("conv1_"):
        return "conv1" if layer_name.endswith("conv") else "bn1"
    stage, block, k, kind = layer_name.split("_")
    prefix = f"layer{int(stage[4:]) - 1}.{int(block[5:]) - 1}"
    if k == "0":
        return f"{prefix}.downsample.{0 if kind == 'conv' else 1}"
    return f"{prefix}.{kind}{k}"


def set_keras_weights(name, model, state):
    """Independent of zoo: modules in order (MobileNets, VGG: Keras's layers hold the same
    modules in the same order) or by parsing Keras's names (ResNet), with shape checks."""
    modules = torch_modules(state)
    layers = [layer for layer in model.layers if layer.weights]
    if name.startswith("resnet"):
        pairs = [(layer, resnet_module(layer.name)) for layer in layers]
    else:
        check(len(layers) == len(modules), f"{name}: {len(layers)} Keras layers with weights, {len(modules)} torch modules")
        pairs = list(zip(layers, modules))
    used = set()
    for layer, module in pairs:
        values = keras_values(layer, modules[module], layer.name)
        shapes_ok = [tuple(v.shape) for v in values] == [tuple(w.shape) for w in layer.weights]
        if not shapes_ok:
            check(False, f"{name}: {layer.name} ← {module} shapes {[v.shape for v in values]} vs {[w.shape for w in layer.weights]}")
            continue
        layer.set_weights(values)
        used.add(module)
    check(used == set(modules), f"{name}: every torch module set into Keras ({len(used)})")


def part_numerics():
    engine = load_generator("engine")
    expected = json.load(open(os.path.join(ENGINE, "expected.json")))["models"]
    x = engine.image_input(224)
    logits, record = {}, {}
    for name in NUMERIC:
        c = expected[name]["c"]
        model = canonical_model(name).eval()
        engine.fill(model, c)
        with torch.no_grad():
            reference = model(torch.from_numpy(x)).numpy()
        stored = np.load(os.path.join(ENGINE, "outputs", name + ".npz"))["logits"]
        check(np.abs(reference - stored).max() <= 1e-5, f"{name}: PyTorch reproduces formats/engine/outputs/{name}.npz")
        options = {"include_preprocessing": False} if name.startswith("mobilenet_v3") else {}
        k = keras_model(name, **options)
        set_keras_weights(name, k, model.state_dict())
        nhwc = x.transpose(0, 2, 3, 1)
        y = np.asarray(k(nhwc, training=False)).astype(np.float32)
        diff = np.abs(y.astype(np.float64) - stored)
        record[name] = {"keras_class": MODELS[name], "gain": c, "options": options,
                        "max_abs_keras_minus_torch": float(diff.max()), "mean_abs_keras_minus_torch": float(diff.mean()),
                        "max_abs_logit": float(np.abs(stored).max()),
                        "top1_agreement": int((y.argmax(1) == stored.argmax(1)).sum())}
        # How much of it is the batch-norm epsilon alone: PyTorch with Keras's.
        epsilon = 1.001e-5 if name.startswith("resnet") else 1e-3
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.eps = epsilon
        with torch.no_grad():
            epsilon_only = np.abs(model(torch.from_numpy(x)).numpy().astype(np.float64) - stored).max()
        record[name]["keras_batch_norm_epsilon"] = epsilon
        record[name]["max_abs_torch_with_keras_epsilon_minus_torch"] = float(epsilon_only)
        print(f"     {name}: max |Keras − PyTorch| = {diff.max():.4g} (mean {diff.mean():.3g}, logits up to {np.abs(stored).max():.3g}); "
              f"ε {epsilon} alone: {epsilon_only:.4g}")
        if name.startswith("resnet"):
            # The stored logits use nonzero convolution biases, which zoo folds into the means.
            for layer in k.layers:
                if isinstance(layer, keras.layers.Conv2D):
                    kernel, bias = layer.get_weights()
                    layer.set_weights([kernel, engine.generate(layer.name + ".bias", list(bias.shape), "float32", c)])
            zero_bias = y
            y = np.asarray(k(nhwc, training=False)).astype(np.float32)
            change = float(np.abs(y.astype(np.float64) - zero_bias).max())
            record[name]["conv_biases"] = "formats/engine generate(layer.name + '.bias', [C], float32, c) for every Conv2D"
            record[name]["max_abs_change_from_biases"] = change
            check(change > 1e-2, f"{name}: the convolution biases change the logits (by up to {change:.3g})")
        logits[name] = y
        del k
        keras.backend.clear_session()
    np.savez(os.path.join(HERE, "logits.npz"), **logits)
    with open(os.path.join(HERE, "numerics.json"), "w") as f:
        f.write(json.dumps({"input": "formats/engine image_input(224), NHWC for Keras", "models": record}, indent=2, sort_keys=True) + "\n")


def main():
    zoo = None
    if "--zoo" in sys.argv:
        zoo = os.path.abspath(sys.argv[sys.argv.index("--zoo") + 1])
    torch.set_num_threads(2)
    part_listings(zoo)
    part_numerics()
    CHECKER.small_folder(HERE, 600e3)
    return CHECKER.summary()


if __name__ == "__main__":
    sys.exit(main())
