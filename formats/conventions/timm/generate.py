"""Writes formats/conventions/timm/: the timm and lukemelas conventions as the real libraries name
and compute them.

    /tmp/refvenv/bin/python formats/conventions/timm/generate.py

Needs torch, torchvision, timm, numpy, PIL and efficientnet_lite_pytorch 0.1.0 (the lukemelas
EfficientNet-PyTorch fork with the Lite variants that the real file was made for:
`pip install --no-deps efficientnet-lite-pytorch==0.1.0`). CPU, 2 threads; under a minute.
Nothing is downloaded: every model is built from its configuration (`pretrained=False`). Reads the
real file and photos from assets/ (`make assets`) and formats/engine's generator and outputs.

Files (README.md says more):
  names.json   timm's state-dict names and shapes, in order, for every registry model timm names;
               lukemelas's for efficientnet-lite0…4 (the package's `from_name`), and those of the
               real file assets/torch/efficientnet-lite0-57934424.pth.
  engine.json  + engine.npz: timm's (and the lukemelas package's) logits for registry models whose
               weights are formats/engine's name-keyed canonical weights, moved onto timm's state
               dict by the independent positional mapping below; the measured torchvision-vs-timm
               differences.
  photos.json  + photos.npz: the real lukemelas file on china.jpg and flower.jpg, run by the
               lukemelas package and by timm with each padding / ε, top-5 and logits.

The script checks itself and exits 1 if a check fails.
"""
import hashlib
import json
import os
import sys

import numpy as np
import timm
import torch
import torchvision
from PIL import Image
from torchvision import transforms

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
REAL_FILE = os.path.join(ROOT, "assets", "torch", "efficientnet-lite0-57934424.pth")
PHOTOS = os.path.join(ROOT, "assets", "images")
sys.path.insert(0, os.path.join(ROOT, "formats"))
from fixturelib import Checker, load_generator, max_abs  # noqa: E402 - formats/fixturelib.py, found through the path above

torch.set_num_threads(2)
CHECKER = Checker()
check = CHECKER.check
engine = load_generator("engine")

# Registry model → timm's model of the same architecture.
TIMM_NAMES = {
    **{f"resnet{d}": f"resnet{d}" for d in (18, 34, 50, 101, 152)},
    **{f"vgg{d}{bn}": f"vgg{d}{bn}" for d in (11, 13, 16, 19) for bn in ("", "_bn")},
    "mobilenet_v2": "mobilenetv2_100",
    "mobilenet_v3_large": "mobilenetv3_large_100",
    "mobilenet_v3_small": "mobilenetv3_small_100",
    "mobilenetv1_100": "mobilenetv1_100",
    **{f"tf_efficientnet_lite{i}": f"tf_efficientnet_lite{i}" for i in range(5)},
}
# Models whose timm logits on canonical weights the Swift tests compare with zoo's engine.
ENGINE_MODELS = ["mobilenet_v3_large", "mobilenet_v3_small", "mobilenet_v2", "vgg11", "resnet18"]


def listing(state):
    return [[key, list(tensor.shape)] for key, tensor in state.items()]


def lukemelas(variant):
    from efficientnet_lite_pytorch import EfficientNet
    return EfficientNet.from_name(f"efficientnet-lite{variant}").eval()


def canonical_model(name):
    """The registry model as its canonical library builds it (torchvision or timm)."""
    if name in ("mobilenetv1_100",) or name.startswith("tf_efficientnet_lite"):
        return timm.create_model(name, pretrained=False)
    return getattr(torchvision.models, name)()


def moved(source, target_model):
    """`source`'s tensors on `target_model`'s state dict, position by position: the two libraries
    list the same parameters in the same order, so the i-th tensors must hold the same number of
    elements; a Linear becomes a convolution by reshaping (C-order flattening of [C, H, W] is the
    convolution's [in, kh, kw] order), anything else must match exactly."""
    target = target_model.state_dict()
    check(len(source) == len(target), f"{type(target_model).__name__}: {len(target)} tensors, source {len(source)}")
    out = {}
    for (key, tensor), (source_key, value) in zip(target.items(), source.items()):
        if tensor.shape != value.shape:
            linear_to_conv = value.dim() == 2 and tensor.dim() == 4 and tensor.shape[0] == value.shape[0] and tensor.numel() == value.numel()
            if not linear_to_conv:
                raise SystemExit(f"{source_key} {tuple(value.shape)} cannot become {key} {tuple(tensor.shape)}")
            value = value.reshape(tensor.shape)
        out[key] = value
    target_model.load_state_dict(out, strict=True)
    return target_model.eval()


def name_keyed(model, c):
    """formats/engine's generator applied to the canonical state dict (by canonical names)."""
    return {key: torch.from_numpy(engine.generate(key, list(t.shape), str(t.dtype).replace("torch.", ""), c))
            for key, t in model.state_dict().items()}


def set_epsilon(model, epsilon):
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eps = epsilon
    return model


def epsilons(model):
    return sorted({m.eps for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)})


def part_names():
    timm_names = {}
    for registry, timm_name in TIMM_NAMES.items():
        model = timm.create_model(timm_name, pretrained=False)
        tensors = listing(model.state_dict())
        with open(os.path.join(ROOT, "formats", "architectures", f"{registry}.json")) as f:
            canonical = [entry[:2] for entry in json.load(f)["state_dict"]]
        check(len(canonical) == len(tensors), f"{registry}: timm's {timm_name} has as many tensors as the canonical model")
        # Lists equal to formats/architectures' canonical one are not repeated.
        timm_names[registry] = {"timm_model": timm_name, "batch_norm_epsilons": epsilons(model),
                                **({"same_as": f"architectures/{registry}.json"} if tensors == canonical else {"tensors": tensors})}
    luke = {}
    for variant in range(5):
        model = lukemelas(variant)
        luke[f"tf_efficientnet_lite{variant}"] = {
            "lukemelas_model": f"efficientnet-lite{variant}", "tensors": listing(model.state_dict()),
            "batch_norm_epsilons": epsilons(model), "image_size": model._global_params.image_size}
        shapes = [s for _, s in listing(timm.create_model(f"tf_efficientnet_lite{variant}").state_dict())]
        check(shapes == [s for _, s in luke[f"tf_efficientnet_lite{variant}"]["tensors"]],
              f"lite{variant}: lukemelas and timm shapes agree position by position")
    with open(REAL_FILE, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    real = torch.load(REAL_FILE, map_location="cpu", weights_only=True)
    check(listing(real) == luke["tf_efficientnet_lite0"]["tensors"], "the real lite0 file has the package's names and shapes in order")
    record = {"timm": timm_names, "lukemelas": luke,
              "lukemelas_file": {"path": "assets/torch/efficientnet-lite0-57934424.pth", "sha256": digest, "tensors": listing(real)},
              "generated_with": versions()}
    write_json("names.json", record)


def part_engine():
    """engine.json / engine.npz: per convention and model, the library's logits (npz member
    `<convention>_<model>`) on the canonical name-keyed weights moved onto its state dict."""
    record, arrays = {"timm": {}, "lukemelas": {}}, {}
    x = torch.from_numpy(engine.image_input(224))
    runs = [("timm", name, lambda name=name: timm.create_model(TIMM_NAMES[name], pretrained=False)) for name in ENGINE_MODELS]
    runs.append(("lukemelas", "tf_efficientnet_lite0", lambda: lukemelas(0)))
    for convention, name, build in runs:
        c = engine.gain(name)
        canonical = canonical_model(name).eval()
        weights = name_keyed(canonical, c)
        canonical.load_state_dict(weights)
        model = moved(weights, build())
        library_epsilons = epsilons(model)
        with torch.no_grad():
            y, y_canonical = model(x).numpy(), canonical(x).numpy()
            y_same_eps = set_epsilon(model, epsilons(canonical)[0])(x).numpy() if library_epsilons else y
        stored = np.load(os.path.join(ROOT, "formats", "engine", "outputs", f"{name}.npz"))["logits"]
        check(max_abs(y_canonical, stored) <= 1e-5, f"{name}: the canonical model reproduces formats/engine's logits")
        entry = {
            "library_model": TIMM_NAMES[name] if convention == "timm" else "efficientnet-lite0", "c": c,
            "library_epsilons": library_epsilons, "canonical_epsilons": epsilons(canonical),
            "max_abs_minus_canonical": max_abs(y, y_canonical),
            "max_abs_with_canonical_epsilon_minus_canonical": max_abs(y_same_eps, y_canonical),
            "mean_abs_logit": float(np.abs(y).mean()),
        }
        check(entry["max_abs_with_canonical_epsilon_minus_canonical"] <= 1e-4,
              f"{convention} {name}: the library computes the canonical function once ε agrees ({entry['max_abs_with_canonical_epsilon_minus_canonical']:.2e}; "
              f"{entry['max_abs_minus_canonical']:.3g} with its own ε)")
        record[convention][name] = entry
        arrays[f"{convention}_{name}"] = y
    np.savez(os.path.join(HERE, "engine.npz"), **arrays)
    write_json("engine.json", {**record, "input": "formats/engine image_input(224), batch 2", "generated_with": versions()})


def part_photos():
    real = torch.load(REAL_FILE, map_location="cpu", weights_only=True)
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    preprocess = transforms.Compose([
        transforms.Resize(256, interpolation=transforms.InterpolationMode.BILINEAR, antialias=True),
        transforms.CenterCrop(224), transforms.ToTensor(), transforms.Normalize(mean, std)])
    files = ["china.jpg", "flower.jpg"]
    x = torch.stack([preprocess(Image.open(os.path.join(PHOTOS, f)).convert("RGB")) for f in files])
    labels = [line.strip() for line in open(os.path.join(ROOT, "zoo", "imagenet_classes.txt"))]
    package = lukemelas(0)
    package.load_state_dict(real, strict=True)
    runs = {
        "lukemelas efficientnet-lite0 (TF SAME padding, ε 1e-3)": package,
        "timm tf_efficientnet_lite0 (TF SAME padding, ε 1e-3)": moved(real, timm.create_model("tf_efficientnet_lite0", pretrained=False)),
        "timm efficientnet_lite0 (symmetric padding), ε set to 1e-3": set_epsilon(moved(real, timm.create_model("efficientnet_lite0", pretrained=False)), 1e-3),
        "timm efficientnet_lite0 (symmetric padding, ε 1e-5)": moved(real, timm.create_model("efficientnet_lite0", pretrained=False)),
    }
    record, reference = {}, None
    for label, model in runs.items():
        with torch.no_grad():
            y = model.eval()(x).numpy()
        reference = y if reference is None else reference
        p = torch.from_numpy(y).softmax(-1)
        record[label] = {
            "max_abs_minus_lukemelas": max_abs(y, reference),
            "images": {f: [{"class": int(k), "label": labels[int(k)], "probability": round(float(v), 4)}
                           for v, k in zip(*p[i].topk(5))] for i, f in enumerate(files)}}
    arrays = {f.replace(".jpg", "_logits"): reference[i] for i, f in enumerate(files)}
    check(record["timm tf_efficientnet_lite0 (TF SAME padding, ε 1e-3)"]["max_abs_minus_lukemelas"] <= 1e-5,
          "the lukemelas package and timm's tf_efficientnet_lite0 compute the same logits from the real file")
    top1 = {f: top5[0]["label"] for f, top5 in record["lukemelas efficientnet-lite0 (TF SAME padding, ε 1e-3)"]["images"].items()}
    check(top1 == {"china.jpg": "palace", "flower.jpg": "daisy"}, f"the real file sees a palace and a daisy ({top1})")
    np.savez(os.path.join(HERE, "photos.npz"), **arrays)
    write_json("photos.json", {
        "file": "assets/torch/efficientnet-lite0-57934424.pth", "files": files, "runs": record,
        "preprocessing": "PIL RGB -> Resize(256, BILINEAR, antialias) -> CenterCrop(224) -> ToTensor -> Normalize(ImageNet mean, std)",
        "logits": "photos.npz: <image>_logits, the lukemelas package's", "generated_with": versions()})


def versions():
    from importlib.metadata import version
    return {"torch": torch.__version__, "torchvision": torchvision.__version__, "timm": timm.__version__,
            "efficientnet_lite_pytorch": version("efficientnet_lite_pytorch"), "numpy": np.__version__}


def write_json(name, value):
    """Indented JSON, one tensor (a [name, shape] pair) per line."""
    def dumps(v, depth):
        pad = " " * (depth + 1)
        if isinstance(v, dict):
            items = [f"{pad}{json.dumps(k)}: {dumps(v[k], depth + 1)}" for k in sorted(v)]
            return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}" if items else "{}"
        if isinstance(v, list) and v and all(isinstance(e, list) and e and isinstance(e[0], str) for e in v):
            return "[\n" + ",\n".join(pad + json.dumps(e, ensure_ascii=False) for e in v) + "\n" + " " * depth + "]"
        return json.dumps(v, ensure_ascii=False)
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        f.write(dumps(value, 0) + "\n")


if __name__ == "__main__":
    part_names()
    part_engine()
    part_photos()
    sys.exit(CHECKER.summary())
