"""`make interop`, conventions part: the real checkpoints converted by zoo load in the real
frameworks and compute what zoo says they compute.

    VENV/bin/python formats/conventions/interop.py ZOO [PART ...]

PART is any of `efficientnet minilm-tf1 minilm-keras-hub tf1-adam mobilenet-keras keras-model
minilm-torch-nn` (default: all). Needs torch, torchvision, timm, transformers, keras (TensorFlow
backend), tensorflow, PIL, efficientnet_lite_pytorch (`pip install --no-deps
efficientnet-lite-pytorch==0.1.0`) and keras-hub (`pip install --no-deps keras-hub==0.32.0`); reads
the real files from assets/ (`make assets`). Exits 1 if a check fails.

  efficientnet     the real lukemelas EfficientNet-Lite0 → timm names (.pth); loads in
                   timm.create_model("tf_efficientnet_lite0") with strict=True and gives the
                   lukemelas package's logits on flower.jpg.
  minilm-tf1       the real all-MiniLM-L6-v2 → Google's TF1-BERT names as .npz → Hugging Face
                   folder: every tensor bit-exact, and BertModel.from_pretrained loads the folder;
                   the real folder → Hugging Face: its tokenizer comes along (AutoTokenizer gives
                   the source's vocabulary and ids).
  minilm-keras-hub the real all-MiniLM-L6-v2 → KerasHub .weights.h5: keras_hub.models.BertBackbone
                   (built by encoders/generate.py) loads it and, on formats/engine's five MiniLM
                   sentences, gives transformers' BertModel outputs on the original folder with
                   the tanh GELU zoo names (sequence_output and pooled_output within 1e-4; the
                   source's erf GELU differs by more); → Hugging Face folder: every tensor bit-exact.
  tf1-adam         a TF1-BERT checkpoint (bert_tiny, tf.compat.v1 Saver, with Adam slots and
                   global_step) → Hugging Face folder with --drop-optimizer: from_pretrained
                   reports no missing or unexpected keys, and the folder's config keeps Google's
                   tanh GELU (hidden_act="gelu_new").
  mobilenet-keras  the real torchvision MobileNetV2 → Keras legacy .h5 and Keras 3 .weights.h5 (by
                   --to keras3 and by --to keras, with --allow-different-function):
                   keras.applications.MobileNetV2(weights=None) loads all three; the stock Keras model's
                   distance from PyTorch on flower.jpg is printed beside what zoo reported; with
                   --fold-epsilon the ε part of that distance goes.
  keras-model      the real MobileNetV2 → a whole Keras model (.keras, symmetric ZeroPadding2D
                   before its stride-2 convolutions, PyTorch's ε): keras.saving.load_model gives
                   PyTorch's logits and top-5 on flower.jpg; ResNet50, MobileNetV3 Large/Small,
                   VGG16 (torchvision) and MobileNetV1 (timm) with random weights likewise; and a
                   keras.applications MobileNetV2 → .keras still computes Keras's own function.
  minilm-torch-nn  the real all-MiniLM-L6-v2 → pytorch-transformer (.pth): loads with strict=True
                   into the Hugging Face embeddings and pooler around a torch.nn.TransformerEncoder
                   (pytorch-transformer/generate.py's module, layer_norm_eps=1e-12), whose last
                   hidden state on the five MiniLM sentences equals BertModel.from_pretrained on
                   the original folder; converted back to Hugging Face, every tensor bit-exact.
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
    print(zoo("convert", source, npz, "--to", "tf1-bert", "--allow-different-function"), end="")
    names = np.load(npz).files
    check(all(n.startswith("bert/") for n in names) and "bert/encoder/layer_0/attention/self/query/kernel" in names, "MiniLM in Google's TF1-BERT names")
    print(zoo("convert", npz, folder, "--to", "huggingface"), end="")
    # The source's `embeddings.position_ids` is a buffer transformers rebuilds; zoo drops it (and says so).
    check(same_tensors(source, os.path.join(folder, "model.safetensors"), ignore=("embeddings.position_ids",)),
          "MiniLM → TF1-BERT .npz → Hugging Face: every tensor bit-exact")
    model, info = BertModel.from_pretrained(folder, output_loading_info=True)
    check(not info["missing_keys"] and not info["unexpected_keys"], f"BertModel.from_pretrained loads the folder ({info})")
    # From the real folder, the tokenizer and sentence-transformers files come along.
    from transformers import AutoTokenizer
    original = os.path.join(ASSETS, "all-MiniLM-L6-v2")
    carried = os.path.join(work, "minilm_hf_carried")
    report = json.loads(zoo("convert", original, carried, "--to", "huggingface", "--json"))
    check({"vocab.txt", "tokenizer.json", "modules.json", "1_Pooling/config.json"} <= set(report["carried_files"]),
          f"zoo says it carried the tokenizer and sentence-transformers files over ({report['carried_files']})")
    sentences = [s["text"] for s in json.load(open(os.path.join(ROOT, "formats", "engine", "minilm.json")))["sentences"]]
    theirs, ours = AutoTokenizer.from_pretrained(original), AutoTokenizer.from_pretrained(carried)
    check(len(ours) == len(theirs) and ours(sentences)["input_ids"] == theirs(sentences)["input_ids"],
          f"AutoTokenizer.from_pretrained on zoo's folder: {len(ours)} tokens, the source's ids ({len(theirs)} tokens)")


def part_minilm_keras_hub(work):
    from transformers import BertModel, BertTokenizer
    encoders = load_generator("conventions/encoders")  # imports TensorFlow and KerasHub (after torch, above)
    folder = os.path.join(ASSETS, "all-MiniLM-L6-v2")
    source = os.path.join(folder, "model.safetensors")
    target = os.path.join(work, "minilm.weights.h5")
    report = json.loads(zoo("convert", source, target, "--to", "keras-hub", "--json", "--allow-different-function"))
    print(f"     zoo: {report['target_differences']}; outputs max |Δ| {report['outputs']['max_absolute_difference']:.2e} on its fixed input")
    check(not report["same_function"] and any("tanh" in d for d in report["target_differences"]),
          "zoo says KerasHub's BERT computes a different function: its GELU is the tanh approximation")
    backbone, _ = encoders.keras_hub_model("minilm_l6_h384")
    config = json.load(open(os.path.join(folder, "config.json")))
    built = backbone.get_config()
    check([built[k] for k in ("vocabulary_size", "num_layers", "num_heads", "hidden_dim", "intermediate_dim", "max_sequence_length", "num_segments")]
          == [config[k] for k in ("vocab_size", "num_hidden_layers", "num_attention_heads", "hidden_size", "intermediate_size",
                                  "max_position_embeddings", "type_vocab_size")],
          "keras_hub.models.BertBackbone built with the real file's config.json")
    backbone.load_weights(target)
    tokenizer = BertTokenizer(tokenizer_file=os.path.join(folder, "tokenizer.json"))
    batch = tokenizer(load_generator("engine").MINILM_SENTENCES, padding="longest", return_tensors="np")
    outputs = backbone({"token_ids": batch["input_ids"].astype(np.int32), "padding_mask": batch["attention_mask"].astype(np.int32),
                        "segment_ids": batch["token_type_ids"].astype(np.int32)})
    real = batch["attention_mask"].astype(bool)  # the tokens; padding's outputs are nobody's
    keras_sequence, keras_pooled = np.asarray(outputs["sequence_output"])[real], np.asarray(outputs["pooled_output"])
    distances = {}
    for act in ("gelu_new", "gelu"):
        model = BertModel.from_pretrained(folder, hidden_act=act).eval()
        with torch.no_grad():
            reference = model(**{k: torch.from_numpy(v) for k, v in batch.items()})
        distances[act] = (max_abs(keras_sequence, reference.last_hidden_state.numpy()[real]),
                          max_abs(keras_pooled, reference.pooler_output.numpy()))
        print(f"     KerasHub on zoo's file vs transformers' BertModel on the original folder, hidden_act={act!r}: max |Δ| "
              f"sequence_output {distances[act][0]:.2e}, pooled_output {distances[act][1]:.2e} ({len(real)} sentences, {int(real.sum())} tokens)")
    check(max(distances["gelu_new"]) <= 1e-4, "BertBackbone.load_weights reads zoo's .weights.h5 and computes transformers' BERT with the tanh "
                                             f"GELU zoo names within 1e-4 (sequence {distances['gelu_new'][0]:.1e}, pooled {distances['gelu_new'][1]:.1e})")
    check(max(distances["gelu"]) > 1e-4, f"… and differs from the source's own erf-GELU function, as zoo says ({max(distances['gelu']):.1e})")
    back = os.path.join(work, "minilm_back")
    print(zoo("convert", target, back, "--to", "huggingface"), end="")
    check(same_tensors(source, os.path.join(back, "model.safetensors"), ignore=("embeddings.position_ids",)),
          "MiniLM → KerasHub .weights.h5 → Hugging Face: every tensor bit-exact")


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
        # `--to keras` into a .weights.h5 writes Keras 3's layout, which load_weights reads there.
        for extension, convention in [(".h5", "keras"), (".weights.h5", "keras3"), (".weights.h5", "keras")]:
            path = os.path.join(work, f"mobilenet_v2_{name}_{convention}{extension}")
            report = json.loads(zoo("convert", source, path, "--to", convention, "--json", "--allow-different-function", *flags))
            model = keras.applications.MobileNetV2(weights=None, classifier_activation=None)
            model.load_weights(path)
            logits = model.predict(np.transpose(x.numpy(), (0, 2, 3, 1)), verbose=0)
            distance = max_abs(logits, expected)
            said = report["outputs"]["max_absolute_difference"]
            print(f"     {name} {convention}: Keras vs PyTorch on flower.jpg max |Δ| {distance:.3f}; zoo reported {said:.3f} on its fixed input; "
                  f"top-5 Keras {top5(logits)} vs PyTorch {top5(expected)}")
            check(not report["same_function"], f"zoo says the {name} Keras MobileNetV2 computes a different function")
            check(distance > 1e-3, f"… and it does: the {name} {convention} file's outputs differ from PyTorch's by {distance:.3f}")
            explained = max_abs(logits, keras_function[name])
            check(explained <= 1e-3, f"… by exactly what zoo names (SAME padding{', ε 1e-3' if name == 'stock' else ''}): PyTorch with those changes = Keras within {explained:.1e}")


def part_keras_model(work):
    import timm
    import keras
    # The real MobileNetV2 as a whole Keras model that computes PyTorch's function.
    source = os.path.join(ASSETS, "torch", "mobilenet_v2-b0353104.pth")
    path = os.path.join(work, "mobilenet_v2.keras")
    report = json.loads(zoo("convert", source, path, "--to", "keras3", "--json"))
    check(report["same_function"] and not report["target_differences"], "zoo says its .keras MobileNetV2 computes the source's function")
    reference = torchvision.models.mobilenet_v2().eval()
    reference.load_state_dict(torch.load(source, weights_only=True))
    x = imagenet_input()
    with torch.no_grad():
        expected = reference(x).numpy()
    logits = keras.saving.load_model(path).predict(np.transpose(x.numpy(), (0, 2, 3, 1)), verbose=0)
    distance = max_abs(logits, expected)
    print(f"     .keras vs PyTorch on flower.jpg: max |Δ| {distance:.1e}; top-5 Keras {top5(logits)} vs PyTorch {top5(expected)}")
    check(distance <= 1e-4 and top5(logits) == top5(expected), "keras.saving.load_model on zoo's .keras gives PyTorch's MobileNetV2 logits and top-5 on flower.jpg")
    # Every family Keras applications names, with random weights and batch-norm statistics
    # (the weight file's groups are numbered in the order Keras lists the layers: any slip swaps weights).
    torch.manual_seed(0)
    batch = torch.randn(2, 3, 224, 224)
    builders = {"resnet50": torchvision.models.resnet50, "mobilenet_v3_large": torchvision.models.mobilenet_v3_large,
                "mobilenet_v3_small": torchvision.models.mobilenet_v3_small, "vgg16": torchvision.models.vgg16,
                "mobilenetv1_100": lambda: timm.create_model("mobilenetv1_100")}
    for name, build in builders.items():
        model = build().eval()
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                for tensor, (low, high) in [(module.weight, (0.5, 1.5)), (module.bias, (-0.2, 0.2)), (module.running_mean, (-0.5, 0.5)), (module.running_var, (0.5, 1.5))]:
                    tensor.data.uniform_(low, high)
        weights = os.path.join(work, f"{name}.pth")
        torch.save(model.state_dict(), weights)
        with torch.no_grad():
            expected = model(batch).numpy()
        path = os.path.join(work, f"{name}.keras")
        zoo("convert", weights, path, "--to", "keras3")
        logits = keras.saving.load_model(path).predict(np.transpose(batch.numpy(), (0, 2, 3, 1)), verbose=0)
        distance, scale = max_abs(logits, expected), float(np.abs(expected).max())
        check(distance <= 1e-5 * max(1.0, scale), f"{name}: zoo's .keras in Keras = the PyTorch model (max |Δ| {distance:.1e}, largest logit {scale:.3g})")
        os.remove(weights)
        os.remove(path)
    # A Keras source keeps Keras's function (SAME padding, ε 1e-3) in its .keras.
    stock = keras.applications.MobileNetV2(weights=None, classifier_activation=None)
    for layer in stock.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_variance.assign(np.random.default_rng(1).uniform(0.5, 1.5, layer.moving_variance.shape).astype(np.float32))
    weights = os.path.join(work, "keras_mobilenet_v2.weights.h5")
    stock.save_weights(weights)
    path = os.path.join(work, "keras_mobilenet_v2.keras")
    zoo("convert", weights, path, "--to", "keras3")
    images = np.transpose(batch.numpy(), (0, 2, 3, 1))
    distance = max_abs(keras.saving.load_model(path).predict(images, verbose=0), stock.predict(images, verbose=0))
    check(distance <= 1e-4, f"a keras.applications MobileNetV2 → .keras computes what Keras's own model does (max |Δ| {distance:.1e})")


def part_minilm_torch_nn(work):
    from transformers import BertModel, BertTokenizer
    generator = load_generator("conventions/pytorch-transformer")
    folder = os.path.join(ASSETS, "all-MiniLM-L6-v2")
    source = os.path.join(folder, "model.safetensors")
    target = os.path.join(work, "minilm_torch_nn.pth")
    print(zoo("convert", source, target, "--to", "pytorch-transformer"), end="")
    state = torch.load(target, weights_only=True)
    check("encoder.layers.0.self_attn.in_proj_weight" in state and list(state["encoder.layers.0.self_attn.in_proj_weight"].shape) == [3 * 384, 384],
          "MiniLM's attention fused into in_proj_weight [1152, 384]")
    tokenizer = BertTokenizer(tokenizer_file=os.path.join(folder, "tokenizer.json"))
    batch = tokenizer(generator.engine.MINILM_SENTENCES, padding="longest", return_tensors="pt")
    reference = BertModel.from_pretrained(folder).eval()
    with torch.no_grad():
        expected = reference(**batch).last_hidden_state
    valid = batch["attention_mask"].bool()
    for label, options in [("layer_norm_eps=1e-12", {}), ("torch's default layer_norm_eps=1e-5", {"layer_norm_eps": 1e-5})]:
        module = generator.TorchEncoder("minilm_l6_h384", **options).eval()
        result = module.load_state_dict(state, strict=True)
        check(not result.missing_keys and not result.unexpected_keys, f"zoo's file loads into the torch.nn module ({label}) with strict=True")
        with torch.no_grad():
            hidden, _ = module(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
        distance = max_abs(hidden[valid], expected[valid])
        if options:
            print(f"     with {label}: max |Δ| {distance:.2e} from BertModel")
        else:
            check(distance <= 1e-4, f"torch.nn.TransformerEncoder on zoo's file = BertModel on the original folder: "
                                    f"{int(valid.sum())} tokens of {len(valid)} sentences, max |Δ| {distance:.2e}")
    back = os.path.join(work, "minilm_torch_nn_hf")
    print(zoo("convert", target, back, "--to", "huggingface"), end="")
    check(same_tensors(source, os.path.join(back, "model.safetensors"), ignore=("embeddings.position_ids",)),
          "MiniLM → pytorch-transformer .pth → Hugging Face: every tensor bit-exact")


PARTS = {"efficientnet": part_efficientnet, "minilm-tf1": part_minilm_tf1, "minilm-keras-hub": part_minilm_keras_hub, "tf1-adam": part_tf1_adam,
         "mobilenet-keras": part_mobilenet_keras, "keras-model": part_keras_model, "minilm-torch-nn": part_minilm_torch_nn}

if __name__ == "__main__":
    ZOO = os.path.abspath(sys.argv[1])
    chosen = sys.argv[2:] or list(PARTS)
    with tempfile.TemporaryDirectory() as work:
        CHECKER = Checker(ZOO, work)
        for part in chosen:
            print(f"== {part}", flush=True)
            PARTS[part](work)
    sys.exit(CHECKER.summary())
