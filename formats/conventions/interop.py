"""`make interop`, conventions part: the real checkpoints converted by zoo load in the real
frameworks and compute what zoo says they compute.

    VENV/bin/python formats/conventions/interop.py ZOO [PART ...]

PART is any of `efficientnet minilm-tf1 tf1-adam mobilenet-keras` (default: all). Needs torch,
torchvision, timm, transformers, keras (TensorFlow backend), tensorflow, PIL and
efficientnet_lite_pytorch (`pip install --no-deps efficientnet-lite-pytorch==0.1.0`); reads the
real files from assets/ (`make assets`). Exits 1 if a check fails.

  efficientnet     the real lukemelas EfficientNet-Lite0 → timm names (.pth); loads in
                   timm.create_model("tf_efficientnet_lite0") with strict=True and gives the
                   lukemelas package's logits on flower.jpg.
  minilm-tf1       the real all-MiniLM-L6-v2 → Google's TF1-BERT names as .npz → Hugging Face
                   folder: every tensor bit-exact, and BertModel.from_pretrained loads the folder.
  tf1-adam         a TF1-BERT checkpoint (bert_tiny, tf.compat.v1 Saver, with Adam slots and
                   global_step) → Hugging Face folder with --drop-optimizer: from_pretrained
                   reports no missing or unexpected keys, and the folder's config keeps Google's
                   tanh GELU (hidden_act="gelu_new").
  mobilenet-keras  the real torchvision MobileNetV2 → Keras legacy .h5 and Keras 3 .weights.h5:
                   keras.applications.MobileNetV2(weights=None) loads both; the stock Keras model's
                   distance from PyTorch on flower.jpg is printed beside what zoo reported; with
                   --fold-epsilon the ε part of that distance goes.
"""
import json
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import torch
import torchvision  # noqa: F401  (before TensorFlow: imported after it, LLVM's options clash and the process dies)
import timm  # noqa: F401
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ASSETS = os.path.join(ROOT, "assets")
sys.path.insert(0, os.path.dirname(HERE))
from fixturelib import Checker, load_generator, max_abs, zoo_output, zoo_tensors  # noqa: E402 - formats/fixturelib.py, found through the path above

torch.set_num_threads(2)
CHECKER = None  # the run's Checker, made in main


def check(ok, what):
    return CHECKER.check(ok, what)


def zoo(*arguments):
    return zoo_output(ZOO, *arguments)


def imagenet_input(size=224, crop=224):
    """flower.jpg as torchvision's ImageNet transforms make it: [1, 3, crop, crop]."""
    from torchvision import transforms
    image = Image.open(os.path.join(ASSETS, "images", "flower.jpg")).convert("RGB")
    pipeline = transforms.Compose([
        transforms.Resize(int(crop / 0.875) if size == crop else size), transforms.CenterCrop(crop), transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    return pipeline(image).unsqueeze(0)


def top5(logits):
    return [int(i) for i in np.argsort(-np.asarray(logits).reshape(-1))[:5]]


def part_efficientnet(work):
    import timm
    from efficientnet_lite_pytorch import EfficientNet
    source = os.path.join(ASSETS, "torch", "efficientnet-lite0-57934424.pth")
    target = os.path.join(work, "lite0_timm.pth")
    print(zoo("convert", source, target, "--to", "timm"), end="")
    model = timm.create_model("tf_efficientnet_lite0", pretrained=False).eval()
    result = model.load_state_dict(torch.load(target, weights_only=True), strict=True)
    check(not result.missing_keys and not result.unexpected_keys, "EfficientNet-Lite0 in timm names loads with strict=True")
    reference = EfficientNet.from_name("efficientnet-lite0").eval()
    reference.load_state_dict(torch.load(source, weights_only=True))
    x = imagenet_input()
    with torch.no_grad():
        a, b = model(x).numpy(), reference(x).numpy()
    check(max_abs(a, b) <= 1e-4 and top5(a) == top5(b), f"timm on zoo's file = the lukemelas package on the source (max |Δ| {max_abs(a, b):.2e}, top-5 {top5(a)})")


def same_tensors(a, b, ignore=()):
    """Every tensor of `a` but those named in `ignore` is in `b` with the same name, dtype, shape
    and CRC-32, and `b` has nothing else."""
    listing = lambda path: zoo_tensors(ZOO, path, "--checksum")
    key = lambda t: (t["name"], t["dtype"], tuple(t["shape"]), t["crc32"])
    return sorted(k for k in map(key, listing(a)) if k[0] not in ignore) == sorted(map(key, listing(b)))


def part_minilm_tf1(work):
    from transformers import BertModel
    source = os.path.join(ASSETS, "all-MiniLM-L6-v2", "model.safetensors")
    npz = os.path.join(work, "minilm_tf1.npz")
    folder = os.path.join(work, "minilm_hf")
    print(zoo("convert", source, npz, "--to", "tf1-bert"), end="")
    names = np.load(npz).files
    check(all(n.startswith("bert/") for n in names) and "bert/encoder/layer_0/attention/self/query/kernel" in names, "MiniLM in Google's TF1-BERT names")
    print(zoo("convert", npz, folder, "--to", "huggingface"), end="")
    # The source's `embeddings.position_ids` is a buffer transformers rebuilds; zoo drops it (and says so).
    check(same_tensors(source, os.path.join(folder, "model.safetensors"), ignore=("embeddings.position_ids",)),
          "MiniLM → TF1-BERT .npz → Hugging Face: every tensor bit-exact")
    model, info = BertModel.from_pretrained(folder, output_loading_info=True)
    check(not info["missing_keys"] and not info["unexpected_keys"], f"BertModel.from_pretrained loads the folder ({info})")


def part_tf1_adam(work):
    from transformers import BertModel
    encoders = load_generator("conventions/encoders")
    prefix = os.path.join(work, "tf1", "model.ckpt")
    encoders.write_tf1_checkpoint(prefix, "bert_tiny_uncased")
    folder = os.path.join(work, "tf1_hf")
    print(zoo("identify", prefix + ".index"), end="")
    print(zoo("convert", prefix + ".index", folder, "--to", "huggingface", "--drop-optimizer"), end="")
    model, info = BertModel.from_pretrained(folder, output_loading_info=True)
    check(not info["missing_keys"] and not info["unexpected_keys"], f"TF1-BERT with Adam slots → Hugging Face folder loads with no missing or unexpected keys ({info})")
    config = json.load(open(os.path.join(folder, "config.json")))
    check(config["hidden_act"] == "gelu_new", f"the folder's config keeps Google's tanh GELU ({config['hidden_act']})")


def part_mobilenet_keras(work):
    import keras
    source = os.path.join(ASSETS, "torch", "mobilenet_v2-b0353104.pth")
    reference = torchvision.models.mobilenet_v2().eval()
    reference.load_state_dict(torch.load(source, weights_only=True))
    x = imagenet_input()
    with torch.no_grad():
        expected = reference(x).numpy()
    # What zoo says Keras computes, built independently in PyTorch: stride-2 convolutions padded
    # TensorFlow's way (bottom/right), batch-norm ε 1e-3 — unless the ε difference is folded.
    keras_function = {}
    for name in ("stock", "folded"):
        variant = torchvision.models.mobilenet_v2().eval()
        variant.load_state_dict(torch.load(source, weights_only=True))
        for module in list(variant.modules()):
            for child_name, child in list(module.named_children()):
                if isinstance(child, torch.nn.Conv2d) and child.stride[0] == 2:
                    child.padding = (0, 0)
                    setattr(module, child_name, torch.nn.Sequential(torch.nn.ZeroPad2d((0, 1, 0, 1)), child))
                if isinstance(child, torch.nn.BatchNorm2d) and name == "stock":
                    child.eps = 1e-3
        with torch.no_grad():
            keras_function[name] = variant(x).numpy()
    for name, flags in [("stock", []), ("folded", ["--fold-epsilon"])]:
        for extension, convention in [(".h5", "keras"), (".weights.h5", "keras3")]:
            path = os.path.join(work, f"mobilenet_v2_{name}{extension}")
            report = json.loads(zoo("convert", source, path, "--to", convention, "--json", *flags))
            model = keras.applications.MobileNetV2(weights=None, classifier_activation=None)
            model.load_weights(path)
            logits = model.predict(np.transpose(x.numpy(), (0, 2, 3, 1)), verbose=0)
            distance = max_abs(logits, expected)
            said = report["outputs"]["maxAbsoluteDifference"]
            print(f"     {name} {convention}: Keras vs PyTorch on flower.jpg max |Δ| {distance:.3f}; zoo reported {said:.3f} on its fixed input; "
                  f"top-5 Keras {top5(logits)} vs PyTorch {top5(expected)}")
            check(not report["sameFunction"], f"zoo says the {name} Keras MobileNetV2 computes a different function")
            check(distance > 1e-3, f"… and it does: the {name} {convention} file's outputs differ from PyTorch's by {distance:.3f}")
            explained = max_abs(logits, keras_function[name])
            check(explained <= 1e-3, f"… by exactly what zoo names (SAME padding{', ε 1e-3' if name == 'stock' else ''}): PyTorch with those changes = Keras within {explained:.1e}")


PARTS = {"efficientnet": part_efficientnet, "minilm-tf1": part_minilm_tf1, "tf1-adam": part_tf1_adam, "mobilenet-keras": part_mobilenet_keras}

if __name__ == "__main__":
    ZOO = os.path.abspath(sys.argv[1])
    chosen = sys.argv[2:] or list(PARTS)
    with tempfile.TemporaryDirectory() as work:
        CHECKER = Checker(ZOO, work)
        for part in chosen:
            print(f"== {part}", flush=True)
            PARTS[part](work)
    sys.exit(CHECKER.summary())
