"""The PyTorch twin of a `zoo finetune` run, for `make finetune-check`: reads the run folder's plan.json and
splits.json, builds the same model from the same checkpoint with zoo's fresh head, and trains it as zoo
did (Sources/Training/Run/SeedRun.swift): the frozen prefix's outputs computed once in eval mode, the
linear probe (head alone on the penultimate features, sampler seed ^ 0x4C50, the plan's schedule kind
without warm-up), then the main run over the trained groups in zoo's data order, optimizer groups and
schedule; validation evaluated every epoch and at the end, the test split with the whole model. Prints
one JSON object: accuracies, the first steps' losses, phase seconds, peak RSS. Only dropout masks differ.

Usage: finetune_twin.py RUN_DIR --data PATH --weights CHECKPOINT [--threads N]
"""
import argparse
import csv
import gzip
import json
import os
import platform
import resource
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from twin_rules import EpochSampler, fresh_head, parameter_groups, schedule  # noqa: E402

LOGGED_STEPS = 20  # the first steps' losses reported, to compare with report.json's


# Models: a list of (freeze group, unit) from the input up; a unit maps (x, mask) to the next x.

# MobileNetV2's freeze group of features.0 … features.18 (Sources/Architectures/Families/MobileNetV2.swift:
# a stage per resolution level, the final 1×1 convolution in the last one).
MOBILENET_STAGES = [0, 1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5]


def mobilenet_v2(weights, classes, head):
    import torchvision
    model = torchvision.models.mobilenet_v2()
    model.load_state_dict(torch.load(weights, weights_only=True))
    model.classifier[1] = torch.nn.Linear(1280, classes)
    set_head(model.classifier[1], head)
    units = [("stem" if s == 0 else f"stage{s}", lambda x, m, f=f: f(x)) for s, f in zip(MOBILENET_STAGES, model.features)]
    units.append(("head", lambda x, m: model.classifier(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))))
    modules = {"stem": [model.features[0]], "head": [model.classifier]}
    for s, f in zip(MOBILENET_STAGES, model.features):
        if s:
            modules.setdefault(f"stage{s}", []).append(f)
    return model, units, modules


def minilm(weights, classes, head):
    """BertForSequenceClassification as zoo's encoder graph computes it (Sources/Architectures/Families/
    Encoder.swift): no dropout inside the encoder, dropout 0.1 before the classifier."""
    from safetensors.torch import load_file
    from transformers import BertConfig, BertForSequenceClassification
    folder = os.path.dirname(weights)
    config = BertConfig.from_pretrained(folder, num_labels=classes, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                                        classifier_dropout=0.1, attn_implementation="eager")
    model = BertForSequenceClassification(config)
    missing, _ = model.bert.load_state_dict(load_file(weights), strict=False)
    if missing:
        sys.exit(f"{weights}: missing {missing}")
    set_head(model.classifier, head)
    bert = model.bert

    def layer(module):
        def run(x, mask):
            extended = (1.0 - mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
            out = module(x, attention_mask=extended)
            return out[0] if isinstance(out, tuple) else out
        return run

    units = [("embeddings", lambda ids, m: bert.embeddings(input_ids=ids, token_type_ids=torch.zeros_like(ids)))]
    units += [(f"layer{i}", layer(module)) for i, module in enumerate(bert.encoder.layer)]
    units += [("pooler", lambda x, m: bert.pooler(x)), ("head", lambda x, m: model.classifier(model.dropout(x)))]
    modules = {"embeddings": [bert.embeddings], "pooler": [bert.pooler], "head": [model.classifier, model.dropout]}
    modules.update({f"layer{i}": [module] for i, module in enumerate(bert.encoder.layer)})
    return model, units, modules


# The head's initialisation per model (Sources/Architectures/Registry.swift).
MODELS = {"mobilenet_v2": (mobilenet_v2, ("normal", 0.01)), "minilm_l6_h384": (minilm, ("normal", 0.02))}


def set_head(linear, head):
    weight, bias = head(linear.out_features, linear.in_features)
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(weight))
        linear.bias.copy_(torch.from_numpy(bias))


# Inputs: zoo's origins turned back into examples.

IDX_FILES = {}


def idx_images(folder, name):
    """The images of an IDX file (plain or gzip), read once: [count, rows, columns] uint8."""
    cache = IDX_FILES
    if name not in cache:
        with gzip.open(os.path.join(folder, name)) if name.endswith(".gz") else open(os.path.join(folder, name), "rb") as file:
            data = file.read()
        count, rows, columns = (int.from_bytes(data[4 + 4 * k:8 + 4 * k], "big") for k in range(3))
        cache[name] = np.frombuffer(data, dtype=np.uint8, offset=16).reshape(count, rows, columns)
    return cache[name]


class ImageInputs:
    """torchvision's Resize + CenterCrop + ToTensor + Normalize of IDX images (grey → RGB, as zoo does)."""

    def __init__(self, plan, data):
        from PIL import Image
        from torchvision import transforms
        p = plan["preprocessing"]
        filters = {"bilinear": transforms.InterpolationMode.BILINEAR, "bicubic": transforms.InterpolationMode.BICUBIC}
        self.transform = transforms.Compose([
            transforms.Resize(p["resize"], interpolation=filters[p["interpolation"]]), transforms.CenterCrop(p["crop"]),
            transforms.ToTensor(), transforms.Normalize(p["mean"], p["std"])])
        self.image, self.data = Image, data

    def prepare(self, splits):
        return {name: [e["origin"] for e in examples] for name, examples in splits.items()}

    def batch(self, origins):
        images = []
        for origin in origins:
            name, index = origin[:-1].rsplit("[", 1)
            grey = self.image.fromarray(idx_images(self.data, name)[int(index)], mode="L").convert("RGB")
            images.append(self.transform(grey))
        return torch.stack(images), None


class TextInputs:
    """The tokenizer of the checkpoint's folder, every example padded to zoo's one length: the longest
    tokenized training or validation example, capped at preprocessing.max_length."""

    def __init__(self, plan, weights):
        from transformers import AutoTokenizer
        self.tokenizer = AutoTokenizer.from_pretrained(os.path.dirname(weights))
        self.max_length = plan["preprocessing"].get("max_length") or 512

    @staticmethod
    def texts(origins):
        rows = {}
        for path in {origin.rsplit(":", 1)[0] for origin in origins}:
            with open(path, newline="") as file:
                reader, start = csv.DictReader(file), 2
                for row in reader:
                    rows[f"{path}:{start}"] = row
                    start = reader.line_num + 1
        column = next(name for name in ("text", "sentence", "sentence1", "review") if name in next(iter(rows.values())))
        return [rows[origin][column] for origin in origins]

    def prepare(self, splits):
        texts = {name: self.texts([e["origin"] for e in examples]) for name, examples in splits.items()}
        longest = max(len(ids) for name in ("train", "validation") for ids in self.tokenizer(texts[name])["input_ids"])
        self.length = min(max(2, longest), self.max_length)
        return {name: self.tokenizer(values, padding="max_length", truncation=True, max_length=self.length, return_tensors="pt")
                for name, values in texts.items()}

    def batch(self, encoded):
        return encoded


class Twin:
    def __init__(self, plan, splits, args):
        self.plan, self.batch_size = plan, plan["batch_size"]
        build, scheme = MODELS[plan["model"]["name"]]
        head = lambda out, inp: fresh_head(scheme, out, inp, plan["seeds"][0])  # noqa: E731
        self.model, self.units, self.modules = build(args.weights, len(splits["classes"]), head)
        self.inputs = TextInputs(plan, args.weights) if plan["model"]["name"].startswith("minilm") else ImageInputs(plan, args.data)
        self.prepared = self.inputs.prepare({name: splits[name] for name in ("train", "validation", "test") if name in splits})
        self.targets = {name: torch.tensor([e["target"] for e in splits[name]]) for name in self.prepared}
        self.smoothing = plan["regularisation"]["label_smoothing"]

    def examples(self, split, indices):
        """The inputs of `indices` of `split`: (x, attention mask or None)."""
        data = self.prepared[split]
        if isinstance(data, list):
            return self.inputs.batch([data[i] for i in indices])
        index = torch.as_tensor(indices)
        return data["input_ids"][index], data["attention_mask"][index]

    def run_units(self, units, x, mask):
        for _, unit in units:
            x = unit(x, mask)
        return x

    def cut(self, frozen):
        """The index of the first unit after the frozen prefix."""
        return next(k for k, (group, _) in enumerate(self.units) if group not in frozen)

    @torch.no_grad()
    def features(self, split, end, start=0, source=None):
        """Units start..<end of every example of `split`, in eval mode, in batches: from its inputs, or from `source` features."""
        self.set_modes(set(), False)
        count, out, masks = len(self.targets[split]), None, None
        for first in range(0, count, self.batch_size):
            indices = list(range(first, min(first + self.batch_size, count)))
            if source:
                x, mask = source[0][first:first + len(indices)], None if source[1] is None else source[1][first:first + len(indices)]
            else:
                x, mask = self.examples(split, indices)
            y = self.run_units(self.units[start:end], x, mask)
            if out is None:
                out = torch.empty((count,) + tuple(y.shape[1:]), dtype=y.dtype)
                masks = None if mask is None else torch.empty((count,) + tuple(mask.shape[1:]), dtype=mask.dtype)
            out[first:first + len(indices)] = y
            if masks is not None:
                masks[first:first + len(indices)] = mask
        return out, masks

    def set_modes(self, trained, training):
        for group, modules in self.modules.items():
            for module in modules:
                module.train(training and group in trained)
                for parameter in module.parameters():
                    parameter.requires_grad_(group in trained)

    def optimizer(self, trained, head_lr, backbone_lr, layer_decay):
        settings = self.plan["optimizer"]
        named = [(group, [(n, p) for m in modules for n, p in m.named_parameters()]) for group, modules in self.group_order()]
        groups = parameter_groups(named, trained, head_lr, backbone_lr, layer_decay, settings["weight_decay"])
        if settings["kind"] == "sgd":
            return torch.optim.SGD(groups, lr=head_lr, momentum=settings.get("momentum") or 0.9, foreach=False)
        betas = settings.get("betas") or [0.9, 0.999]
        return torch.optim.AdamW(groups, lr=head_lr, betas=tuple(betas), eps=1e-8, foreach=False)

    def group_order(self):
        seen = []
        for group, _ in self.units:
            if group not in seen:
                seen.append(group)
        return [(group, self.modules[group]) for group in seen]

    def train(self, trained, start, features, steps, optimizer, factor, seed, evaluate):
        """`steps` optimizer steps of units start… on `features` (train split); returns the losses."""
        sampler, losses = EpochSampler(len(self.targets["train"]), self.batch_size, seed), []
        bases = [group["lr"] for group in optimizer.param_groups]
        for step in range(steps):
            _, indices = sampler.batch(step)
            index = torch.as_tensor(indices)
            self.set_modes(trained, True)
            optimizer.zero_grad(set_to_none=True)
            logits = self.run_units(self.units[start:], features[0][index], None if features[1] is None else features[1][index])
            loss = F.cross_entropy(logits, self.targets["train"][index], label_smoothing=self.smoothing)
            loss.backward()
            for group, base in zip(optimizer.param_groups, bases):
                group["lr"] = base * factor(step)
            optimizer.step()
            losses.append(loss.item())
            if evaluate and ((step + 1) % sampler.steps_per_epoch == 0 or step + 1 == steps):
                evaluate()
        return losses

    @torch.no_grad()
    def evaluate(self, split, start=0, features=None):
        self.set_modes(set(), False)
        count, outputs = len(self.targets[split]), []
        for first in range(0, count, self.batch_size):
            indices = list(range(first, min(first + self.batch_size, count)))
            if features is not None:
                x, mask = features[0][first:first + len(indices)], None if features[1] is None else features[1][first:first + len(indices)]
            else:
                x, mask = self.examples(split, indices)
            outputs.append(self.run_units(self.units[start:], x, mask))
        logits = torch.cat(outputs)
        targets = self.targets[split]
        return {"accuracy": (logits.argmax(1) == targets).float().mean().item(), "loss": F.cross_entropy(logits, targets).item()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run")
    parser.add_argument("--data", required=True, help="the data zoo read (IDX folder; CSV origins carry their paths)")
    parser.add_argument("--weights", required=True)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    with open(os.path.join(args.run, "plan.json")) as file:
        plan = json.load(file)
    with open(os.path.join(args.run, "splits.json")) as file:
        splits = json.load(file)
    if len(plan["seeds"]) != 1 or plan.get("early_stopping") or plan["regularisation"]["augmentation"] or plan["regularisation"].get("mixup"):
        sys.exit("finetune_twin.py follows one seed, without early stopping, augmentation or mixup")
    clock, phases = time.perf_counter(), {}

    def phase(name):
        nonlocal clock
        now = time.perf_counter()
        phases[name] = phases.get(name, 0.0) + now - clock
        clock = now

    twin = Twin(plan, splits, args)
    phase("setup")
    seed, frozen = plan["seeds"][0], set(plan["freeze"]["frozen"])
    trained = set(plan["freeze"]["trainable"])
    start = twin.cut(frozen) if plan["cache_features"] else 0
    cached = {split: twin.features(split, start) for split in ("train", "validation")}
    phase("features")
    result = {"probe_losses": [], "probe_validation": None}
    kind = plan["schedule"]["kind"]
    probe = plan.get("linear_probe")
    if probe:
        # The penultimate features, from the cached prefix's (the same function as from the inputs).
        head = twin.cut(set(group for group, _ in twin.units) - {"head"})
        penultimate = {split: twin.features(split, head, start, cached[split]) for split in cached}
        phase("features")
        optimizer = twin.optimizer({"head"}, probe["learning_rate"], 0.0, None)
        losses = twin.train({"head"}, head, penultimate["train"], probe["steps"], optimizer,
                            schedule(kind, 0, probe["steps"], []), seed ^ 0x4C50, None)
        result["probe_losses"] = losses[:LOGGED_STEPS]
        result["probe_validation"] = twin.evaluate("validation", head, penultimate["validation"])
        del penultimate
        phase("linear probe")
    settings, plan_schedule = plan["optimizer"], plan["schedule"]
    optimizer = twin.optimizer(trained, settings["head_learning_rate"], settings["backbone_learning_rate"], settings.get("layer_decay"))
    evaluations = []
    losses = twin.train(trained, start, cached["train"], plan_schedule["steps"], optimizer,
                        schedule(kind, plan_schedule["warmup_steps"], plan_schedule["steps"], plan_schedule.get("milestones") or []),
                        seed, lambda: evaluations.append(twin.evaluate("validation", start, cached["validation"])))
    result["losses"] = losses[:LOGGED_STEPS]
    result["evaluations"] = evaluations
    result["validation"] = twin.evaluate("validation", start, cached["validation"])
    phase("fine-tune")
    del cached
    if "test" in twin.targets:
        result["test"] = twin.evaluate("test")
        phase("test")
    import torchvision
    import transformers
    result.update({
        "phases": phases, "threads": torch.get_num_threads(),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "versions": {"torch": torch.__version__, "torchvision": torchvision.__version__, "transformers": transformers.__version__,
                     "python": platform.python_version()}})
    if isinstance(twin.inputs, TextInputs):
        result["length"] = twin.inputs.length
    print(json.dumps(result))


if __name__ == "__main__":
    main()
