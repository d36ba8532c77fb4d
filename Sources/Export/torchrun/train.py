#!/usr/bin/env python3
"""A `zoo finetune` plan on PyTorch's own distributed engine, written by `zoo export --to torchrun`.

    torchrun --nproc_per_node 2 train.py --output runs/first          # see README.md for multi-node and Slurm

It trains what zoo's CPU trainer trains: the model built by its library (project.json) from initial/ (the
checkpoint with each seed's fresh head, zoo's own); the plan's frozen groups (requires_grad=False, their
batch-norm in eval mode); the linear probe (LP-FT), then the main run over the trained groups with the plan's
optimizer, layer-wise parameter groups (rank ≤ 1 tensors without weight decay), schedule, loss (label smoothing,
class weights), augmentation and mixup; evaluation over the validation split every evaluate_every_steps (else
every epoch) and at the end, early stopping with the best weights restored; every seed, the best one kept.

Distribution: DDP, gloo on CPU and NCCL on GPU, ranks from torchrun's environment. Each optimizer step takes
the plan's batch of examples in all: rank r takes its share of the step's global batch (batch ÷ world, the
first batch mod world ranks one more), the loss is normalised over the global batch, so the gradient DDP
averages is the plan's. --micro-batch N splits a rank's share into accumulated pieces (no_sync) to fit memory.
The order: DistributedSampler (set_epoch each epoch), or with --equivalence zoo's own per-epoch order
(order.npz), without dropout or augmentation, batch-norm frozen, fp32 and deterministic algorithms, for
comparison with `zoo finetune --equivalence`.

Rank 0 writes the run folder zoo finetune writes: model/ (model.safetensors under zoo's canonical names, which
`zoo run`, `zoo evaluate` and `zoo convert` read, config.json, tokenizer files), report.json, metrics.csv,
TensorBoard events, and checkpoint.pt (atomically, every --checkpoint-every steps and on SIGINT/SIGTERM, then
exit 9); --resume continues the run from it to the same result.
"""
import argparse
import contextlib
import csv
import io
import json
import math
import os
import random
import resource
import signal
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from data import ImageInputs, ProjectData, TextInputs, load_json, targets_tensor  # noqa: E402
from zoo_rules import parameter_groups, schedule  # noqa: E402

INTERRUPTED = 9
# What decides how a run trains: kept in the run folder's run.json, and taken from there by --resume.
RUN_OPTIONS = ("equivalence", "steps", "save_steps", "checkpoint_every", "micro_batch", "bf16")
STOP = {"requested": False}


def arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", default=None, help="the run folder (default: runs/MODEL-TIME)")
    parser.add_argument("--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR from its checkpoint.pt, with the options it started with (run.json)")
    parser.add_argument("--data", help="where the exported data folder or file is now (default: the path zoo read)")
    parser.add_argument("--equivalence", action="store_true",
                        help="zoo's data order, no dropout or augmentation, batch-norm frozen, fp32, deterministic")
    parser.add_argument("--steps", type=int, help="stop the main run after this many optimizer steps")
    parser.add_argument("--save-steps", type=int, nargs="*", default=[],
                        help="also save the weights after these main-run steps (a model folder step-N/, canonical names)")
    parser.add_argument("--checkpoint-every", type=int, default=50, help="optimizer steps between checkpoints")
    parser.add_argument("--micro-batch", type=int, help="at most this many examples per forward pass on a rank (gradient accumulation)")
    parser.add_argument("--bf16", action="store_true", help="bfloat16 autocast (GPU only)")
    parser.add_argument("--cpu", action="store_true", help="train on the CPU (gloo) even where a GPU is present")
    parser.add_argument("--threads", type=int, help="CPU threads per rank (default: PyTorch's)")
    args = parser.parse_args()
    if args.resume:
        for key, value in load_json(args.resume, "run.json").items():
            if key in RUN_OPTIONS:
                setattr(args, key, value)
    return args


class Ranks:
    """This process's place in torchrun's world, its device and the collectives train.py uses."""

    def __init__(self, cpu):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
        self.cuda = torch.cuda.is_available() and not cpu
        self.device = torch.device("cuda", local) if self.cuda else torch.device("cpu")
        if self.cuda:
            torch.cuda.set_device(self.device)
        self.distributed = "RANK" in os.environ
        if self.distributed:
            dist.init_process_group("nccl" if self.cuda else "gloo")

    @property
    def main(self):
        return self.rank == 0

    def total(self, value):
        """The sum over ranks of a float."""
        if not self.distributed:
            return float(value)
        tensor = torch.tensor([float(value)], dtype=torch.float64, device=self.device)
        dist.all_reduce(tensor)
        return tensor.item()

    def gather(self, value):
        """Every rank's `value`, in rank order."""
        if not self.distributed:
            return [value]
        values = [None] * self.world
        dist.all_gather_object(values, value)
        return values

    def share(self, indices):
        """This rank's contiguous share of a step's global batch (the first len mod world ranks one more)."""
        base, extra = divmod(len(indices), self.world)
        start = self.rank * base + min(self.rank, extra)
        return indices[start:start + base + (1 if self.rank < extra else 0)]

    def close(self):
        if self.distributed:
            dist.destroy_process_group()


# The model.

def build_model(project, plan, folder, equivalence):
    """The model as its library builds it, with zoo's initial weights loaded strictly; returns (model, to_model),
    to_model mapping a canonical parameter name to the model's."""
    library, name, classes = project["model"]["library"], project["model"]["name"], plan["head"]["classes"]
    dropout = project["model"]["dropout"]
    if library == "torchvision":
        import torchvision
        model = torchvision.models.get_model(name, num_classes=classes)
    elif library == "timm":
        import timm
        model = timm.create_model(name, pretrained=False, num_classes=classes, drop_rate=dropout[-1] if dropout else 0.0)
    else:
        from transformers import AutoConfig, AutoModelForSequenceClassification
        config = AutoConfig.from_pretrained(folder)
        # zoo's encoder graph has no dropout inside the encoder, one before the classifier.
        for key in ("hidden_dropout_prob", "attention_probs_dropout_prob", "dropout", "attention_dropout"):
            if hasattr(config, key):
                setattr(config, key, 0.0)
        for key in ("classifier_dropout", "seq_classif_dropout"):
            if hasattr(config, key) or key == "classifier_dropout":
                setattr(config, key, dropout[-1] if dropout else 0.0)
        config.num_labels = classes
        model = AutoModelForSequenceClassification.from_config(config, attn_implementation="eager")
    probabilities = sorted(m.p for m in model.modules() if isinstance(m, torch.nn.Dropout) and m.p > 0)
    if probabilities != sorted(p for p in dropout if p > 0):
        sys.exit(f"train.py: {name} from {library} has dropout {probabilities}, zoo's graph {dropout}: the library's version differs")
    if equivalence:
        for module in model.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = 0.0
    from safetensors.torch import load_file
    weights = load_file(os.path.join(HERE, project["weights"]["initial"]))
    own = model.state_dict()
    prefix = getattr(model, "base_model_prefix", "") if library == "transformers" else ""

    def to_model(canonical):
        return canonical if canonical in own or not prefix else prefix + "." + canonical

    state = {to_model(key): value for key, value in weights.items()}
    missing = sorted(set(own) - set(state))
    unexpected = sorted(key for key in set(state) - set(own) if not key.endswith("position_ids"))
    if missing or unexpected:
        sys.exit(f"train.py: initial weights do not fit {name} from {library}: missing {missing[:5]}, unexpected {unexpected[:5]}")
    model.load_state_dict({key: value for key, value in state.items() if key in own})
    return model, to_model


class Groups:
    """The plan's freeze groups on the model: parameters by group from the input up (project.json, from zoo's
    graph), and the batch-norm modules whose parameters a set of groups holds."""

    def __init__(self, model, project, to_model):
        parameters = dict(model.named_parameters())
        self.order = [group["name"] for group in project["groups"]]
        self.parameters = {group["name"]: [(to_model(n), parameters[to_model(n)]) for n in group["parameters"]] for group in project["groups"]}
        owner = {id(p): group for group, pairs in self.parameters.items() for _, p in pairs}
        self.norms = {}
        for module in model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm) and module.weight is not None:
                self.norms.setdefault(owner[id(module.weight)], []).append(module)

    def train(self, model, trained, freeze_all_norms):
        """Training mode for `trained`, gradients for them only; other groups' batch-norm (all, with freeze_all_norms) in eval mode."""
        model.train()
        for group, pairs in self.parameters.items():
            for _, parameter in pairs:
                parameter.requires_grad_(group in trained)
            for norm in self.norms.get(group, []):
                norm.train(group in trained and not freeze_all_norms)

    def named(self):
        return [(group, self.parameters[group]) for group in self.order]


# Data order.

class ZooOrder:
    """zoo's EpochSampler order for one phase (order.npz): each epoch's permutation cut into batches, the last shorter."""

    def __init__(self, orders, key, batch_size):
        self.epochs, self.batch_size = orders[key], batch_size
        self.steps_per_epoch = (self.epochs.shape[1] + batch_size - 1) // batch_size

    def batch(self, step, ranks):
        epoch, position = divmod(step, self.steps_per_epoch)
        if epoch >= len(self.epochs):
            sys.exit(f"train.py: order.npz covers {len(self.epochs)} epochs, step {step} needs more: re-export with the plan that runs")
        indices = self.epochs[epoch][position * self.batch_size:(position + 1) * self.batch_size].tolist()
        return epoch, ranks.share(indices)


class ShardedOrder:
    """DistributedSampler's shuffle (set_epoch each epoch), each rank stepping through its shard by its share of the batch."""

    def __init__(self, count, batch_size, seed, ranks):
        from torch.utils.data import DistributedSampler
        self.sampler = DistributedSampler(range(count), num_replicas=ranks.world, rank=ranks.rank, shuffle=True, seed=seed)
        self.steps_per_epoch = (count + batch_size - 1) // batch_size
        self.share = len(ranks.share(list(range(batch_size))))
        self.epoch, self.indices = None, None

    def batch(self, step, ranks):
        epoch, position = divmod(step, self.steps_per_epoch)
        if epoch != self.epoch:
            self.sampler.set_epoch(epoch)
            self.epoch, self.indices = epoch, list(self.sampler)
        return epoch, self.indices[position * self.share:(position + 1) * self.share]


# The loss.

class Loss:
    """The plan's loss as per-rank (sum, normaliser) pairs: PyTorch's mean over the global batch is Σ sums ÷ Σ normalisers."""

    def __init__(self, plan, class_weights, device):
        self.kind, self.classes = plan["head"]["kind"], plan["head"]["classes"]
        self.smoothing = plan["regularisation"]["label_smoothing"]
        self.weights = None if class_weights is None else torch.tensor(class_weights, dtype=torch.float32, device=device)

    def normaliser(self, targets):
        if self.kind in ("multi-label", "regression"):
            return float(targets.numel())
        return float(len(targets)) if self.weights is None else self.weights.to(targets.device)[targets].sum().item()

    def sum(self, logits, targets):
        logits = logits.float()
        if self.kind == "multi-label":
            return F.binary_cross_entropy_with_logits(logits, targets, reduction="sum")
        if self.kind == "regression":
            return F.mse_loss(logits, targets, reduction="sum")
        weights = None if self.weights is None else self.weights.to(logits.device)
        return F.cross_entropy(logits, targets, weight=weights, label_smoothing=self.smoothing, reduction="sum")


# Metrics, as zoo's EvaluationMetrics names them.

def metrics(logits, targets, kind, loss):
    logits = logits.double()
    result = {"examples": len(targets), "loss": loss}
    if kind == "regression":
        error = logits - targets.double()
        total = ((targets.double() - targets.double().mean(0)) ** 2).sum().item()
        result.update(mse=(error ** 2).mean().item(), mae=error.abs().mean().item(),
                      r2=1 - (error ** 2).sum().item() / total if total > 0 else None)
        return result
    if kind == "multi-label":
        precisions = []
        for label in range(targets.shape[1]):
            order = torch.argsort(logits[:, label], descending=True)
            hits = targets[order, label].double()
            if hits.sum() > 0:
                precision = torch.cumsum(hits, 0) / torch.arange(1, len(hits) + 1, dtype=torch.float64)
                precisions.append((precision * hits).sum().item() / hits.sum().item())
        result["mean_average_precision"] = sum(precisions) / len(precisions) if precisions else None
        return result
    classes = logits.shape[1]
    predicted = logits.argmax(1)
    result["accuracy"] = (predicted == targets).double().mean().item()
    if classes >= 5:
        result["top5_accuracy"] = (logits.topk(5, 1).indices == targets[:, None]).any(1).double().mean().item()
    confusion = torch.zeros(classes, classes, dtype=torch.long)
    confusion.index_put_((targets, predicted), torch.ones_like(targets), accumulate=True)
    true = confusion.diag().double()
    precision = torch.where(confusion.sum(0) > 0, true / confusion.sum(0).clamp(min=1), torch.zeros_like(true))
    recall = torch.where(confusion.sum(1) > 0, true / confusion.sum(1).clamp(min=1), torch.zeros_like(true))
    f1 = torch.where(precision + recall > 0, 2 * precision * recall / (precision + recall).clamp(min=1e-300), torch.zeros_like(true))
    present = confusion.sum(1) > 0
    result.update(macro_precision=precision[present].mean().item(), macro_recall=recall[present].mean().item(),
                  macro_f1=f1[present].mean().item(), confusion=confusion.tolist())
    return result


HIGHER = {"accuracy", "top5_accuracy", "macro_f1", "macro_precision", "macro_recall", "r2", "mean_average_precision"}
HEADLINE = {"single-label": "accuracy", "sentence-pair": "accuracy", "multi-label": "mean_average_precision", "regression": "r2"}


# Writing.

def atomic_write(path, write):
    """Writes through `write(file)` into a temporary file beside `path`, synced, then renamed onto it."""
    temporary = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.tmp-{os.getpid()}")
    with open(temporary, "wb") as file:
        write(file)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def copy_atomically(source, destination):
    with open(source, "rb") as file:
        content = file.read()
    atomic_write(destination, lambda file: file.write(content))


def save_model(model, to_model, project, folder):
    """model/ as zoo writes it: model.safetensors under canonical names (state-dict order), config.json and tokenizer files."""
    from safetensors.torch import save
    os.makedirs(folder, exist_ok=True)
    own = model.state_dict()
    from safetensors import safe_open
    with safe_open(os.path.join(HERE, project["weights"]["initial"]), "pt") as source:
        names = list(source.keys())
    tensors = {name: own[to_model(name)].detach().cpu() for name in names if to_model(name) in own}
    state = {name: (value.float() if value.is_floating_point() else value).contiguous() for name, value in tensors.items()}
    atomic_write(os.path.join(folder, "model.safetensors"), lambda file: file.write(save(state, metadata={"format": "pt"})))
    # config.json and the tokenizer's files, as initial/ has them.
    for name in os.listdir(os.path.join(HERE, "initial")):
        if name not in ("model.safetensors", "heads.safetensors"):
            copy_atomically(os.path.join(HERE, "initial", name), os.path.join(folder, name))


class Run:
    """One invocation: the project, the ranks, the data, and the run folder's state (checkpointed)."""

    def __init__(self, args):
        self.args = args
        self.started = time.perf_counter()
        self.ranks = Ranks(args.cpu)
        if args.threads:
            torch.set_num_threads(args.threads)
        if args.equivalence:
            torch.use_deterministic_algorithms(True)
            torch.backends.cudnn.benchmark = False
        self.data = ProjectData(HERE, args.data)
        self.plan, self.project = self.data.plan, self.data.project
        self.kind, self.batch_size = self.plan["head"]["kind"], self.plan["batch_size"]
        self.orders = np.load(os.path.join(HERE, self.project["order"]))
        self.text = self.project["model"]["input"] == "text"
        self.examples = {split: self.data.examples(split) for split in self.data.split_names()}
        self.targets = {split: targets_tensor([t for _, t in examples], self.kind, self.plan["head"]["classes"]) for split, examples in self.examples.items()}
        if self.text:
            texts = [x for split in ("train", "validation") for x, _ in self.examples.get(split, [])]
            self.encoder = TextInputs(self.plan, os.path.join(HERE, "initial"), texts)
        else:
            self.encoder = ImageInputs(self.plan, augment=False)
            self.augmenting = ImageInputs(self.plan, augment=not args.equivalence)
        self.output = args.resume or args.output or os.path.join("runs", f"{self.plan['model']['name']}-{time.strftime('%Y%m%d-%H%M%S')}")
        self.state = {"seed_index": 0, "phase": "linear_probe", "step": 0, "records": [], "evaluations": [], "completed": [],
                      "kept_run": None, "kept_value": None, "early": None}
        self.saved = None
        if args.resume:
            self.saved = torch.load(os.path.join(args.resume, "checkpoint.pt"), map_location="cpu", weights_only=False)
            self.state = self.saved["state"]
        elif self.ranks.main:
            if os.path.exists(self.output) and os.listdir(self.output):
                sys.exit(f"train.py: {self.output} exists and is not empty: choose another --output, or --resume it")
            os.makedirs(self.output, exist_ok=True)
            for name in ("plan.json", "splits.json", "project.json"):
                copy_atomically(os.path.join(HERE, name), os.path.join(self.output, name))
            options = {key: getattr(args, key) for key in RUN_OPTIONS}
            atomic_write(os.path.join(self.output, "run.json"), lambda file: file.write((json.dumps(options, indent=2) + "\n").encode()))
        self.headline = HEADLINE[self.kind]

    # Batches.

    def inputs(self, split, indices, training):
        examples = self.examples[split]
        if self.text:
            encoded = self.encoder([examples[i][0] for i in indices])
            return {key: value.to(self.ranks.device) for key, value in encoded.items()}
        encode = self.augmenting if training else self.encoder
        return torch.stack([encode(examples[i][0]) for i in indices]).to(self.ranks.device)

    def forward(self, model, inputs):
        autocast = torch.autocast("cuda", dtype=torch.bfloat16) if self.args.bf16 and self.ranks.cuda else contextlib.nullcontext()
        with autocast:
            return model(**inputs).logits if self.text else model(inputs)

    # Phases.

    def train_phase(self, model, groups, trained, phase, steps, order, factor, head_lr, backbone_lr, layer_decay, loss, seed, evaluate_every):
        """`steps` optimizer steps from state.step; returns whether early stopping ended the phase."""
        from torch.nn.parallel import DistributedDataParallel
        groups.train(model, trained, self.args.equivalence)
        wrapped = DistributedDataParallel(model) if self.ranks.distributed else model
        settings = self.plan["optimizer"]
        parameter_sets = parameter_groups(groups.named(), trained, head_lr, backbone_lr, layer_decay, settings["weight_decay"])
        if settings["kind"] == "sgd":
            optimizer = torch.optim.SGD(parameter_sets, lr=head_lr, momentum=settings.get("momentum") or 0.9, foreach=False)
        else:
            betas = settings.get("betas") or [0.9, 0.999]
            optimizer = torch.optim.AdamW(parameter_sets, lr=head_lr, betas=tuple(betas), eps=1e-8, foreach=False)
        bases = [group["lr"] for group in optimizer.param_groups]  # before a checkpoint's state sets scheduled rates
        if self.saved and self.saved["state"]["phase"] == phase:
            optimizer.load_state_dict(self.saved["optimizer"])
        early = self.plan.get("early_stopping") if phase == "fine_tune" else None
        mixup = self.plan["regularisation"].get("mixup") or 0.0
        mixup = 0.0 if self.text or self.args.equivalence or phase == "linear_probe" else mixup
        stopped = False
        while self.state["step"] < steps:
            step = self.state["step"]
            if self.args.steps is not None and phase == "fine_tune" and step >= self.args.steps:
                break
            begin = time.perf_counter()
            epoch, mine = order.batch(step, self.ranks)
            targets = self.targets["train"][mine].to(self.ranks.device)
            normaliser = self.ranks.total(loss.normaliser(targets))
            optimizer.zero_grad(set_to_none=True)
            pieces = [mine[k:k + self.args.micro_batch] for k in range(0, len(mine), self.args.micro_batch)] if self.args.micro_batch else [mine]
            total = 0.0
            for number, piece in enumerate(pieces):
                inputs = self.inputs("train", piece, training=True)
                piece_targets = self.targets["train"][piece].to(self.ranks.device)
                sync = number == len(pieces) - 1 or not self.ranks.distributed
                with contextlib.nullcontext() if sync else wrapped.no_sync():
                    if mixup > 0:
                        generator = np.random.default_rng([seed, step, 0x4D49])
                        weight = float(generator.beta(mixup, mixup))
                        partners = torch.randperm(len(piece), generator=torch.Generator().manual_seed(seed * 1_000_003 + step))
                        mixed = weight * inputs + (1 - weight) * inputs[partners]
                        logits = self.forward(wrapped, mixed)
                        value = weight * loss.sum(logits, piece_targets) + (1 - weight) * loss.sum(logits, piece_targets[partners])
                    else:
                        value = loss.sum(self.forward(wrapped, inputs), piece_targets)
                    (value * self.ranks.world / normaliser).backward()
                total += value.item()
            rate = factor(step)
            for group, base in zip(optimizer.param_groups, bases):
                group["lr"] = base * rate
            optimizer.step()
            self.state["step"] = step + 1
            mean = self.ranks.total(total) / normaliser
            examples = self.ranks.total(len(mine))
            record = {"seed": seed, "phase": phase, "step": step + 1, "steps": steps, "epoch": epoch, "loss": mean,
                      "learning_rate": head_lr * rate, "examples_per_second": examples / (time.perf_counter() - begin)}
            self.state["records"].append(record)
            if self.ranks.main and ((step + 1) % 10 == 0 or step + 1 == steps):
                print(f"{phase} seed {seed} step {step + 1}/{steps} loss {mean:.4f} lr {head_lr * rate:.3g} "
                      f"{record['examples_per_second']:.0f} ex/s", flush=True)
            if self.ranks.main and phase == "fine_tune" and step + 1 in self.args.save_steps:
                save_model(model, self.to_model, self.project, os.path.join(self.output, f"step-{step + 1}"))
            if evaluate_every and ((step + 1) % evaluate_every == 0 or step + 1 == steps):
                result = self.evaluate(model, loss)
                self.state["evaluations"].append({"seed": seed, "phase": phase, "step": step + 1, "metrics": result})
                if self.ranks.main:
                    print(f"  validation {self.headline} {result.get(self.headline)} loss {result['loss']:.4f}", flush=True)
                groups.train(model, trained, self.args.equivalence)
                if early:
                    stopped = self.early_stop(early, result, model, step + 1, steps)
            if stopped:
                break
            self.checkpoint(model, optimizer, phase)
        return stopped

    def early_stop(self, settings, result, model, step, steps):
        """zoo's rule: an improvement beyond min_delta remembers the weights; `patience` evaluations without one stop."""
        state = self.state["early"] or {"best": None, "best_step": None, "since_best": 0, "weights": None}
        value = result.get(settings["metric"])
        higher = settings["metric"] in HIGHER
        if value is None or not math.isfinite(value) or (state["best"] is not None and (
                value <= state["best"] + settings["min_delta"] if higher else value >= state["best"] - settings["min_delta"])):
            state["since_best"] += 1
        else:
            state.update(best=value, best_step=step, since_best=0,
                         weights={k: v.detach().cpu().clone() for k, v in model.state_dict().items()})
        self.state["early"] = state
        return state["since_best"] >= settings["patience"] and step < steps

    @torch.no_grad()
    def evaluate(self, model, loss, split="validation"):
        """Every example of `split`, each rank a contiguous share, in eval mode: the metrics, on every rank."""
        model.eval()
        count = len(self.examples[split])
        mine = self.ranks.share(list(range(count)))
        outputs = []
        for start in range(0, len(mine), self.batch_size):
            piece = mine[start:start + self.batch_size]
            outputs.append(self.forward(model, self.inputs(split, piece, training=False)).float().cpu())
        logits = torch.cat(outputs) if outputs else torch.empty(0)
        logits = torch.cat([part for part in self.ranks.gather(logits) if part.numel()])
        targets = self.targets[split]
        value = loss.sum(logits, targets.to(logits.device)).item() / loss.normaliser(targets)
        return metrics(logits, targets, self.kind, value)

    def checkpoint(self, model, optimizer, phase, force=False):
        stop = self.ranks.total(1.0 if STOP["requested"] else 0.0) > 0
        if not (stop or force or self.state["step"] % self.args.checkpoint_every == 0):
            return
        randomness = self.ranks.gather({"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate(),
                                        "cuda": torch.cuda.get_rng_state() if self.ranks.cuda else None})
        if self.ranks.main:
            saved = {"state": self.state, "phase": phase, "model": model.state_dict(), "optimizer": optimizer.state_dict() if optimizer else None,
                     "randomness": randomness, "world": self.ranks.world}
            atomic_write(os.path.join(self.output, "checkpoint.pt"), lambda file: torch.save(saved, file))
        if stop:
            if self.ranks.main:
                print(f"train.py: interrupted at step {self.state['step']}; continue with --resume {self.output}", file=sys.stderr)
            self.ranks.close()
            sys.exit(INTERRUPTED)

    # The whole run.

    def run(self):
        seeds, class_weights = self.plan["seeds"], self.project.get("class_weights")
        loss = Loss(self.plan, class_weights, self.ranks.device)
        frozen, trainable = set(self.plan["freeze"]["frozen"]), set(self.plan["freeze"]["trainable"])
        while self.state["seed_index"] < len(seeds):
            seed = seeds[self.state["seed_index"]]
            model, self.to_model = build_model(self.project, self.plan, os.path.join(HERE, "initial"), self.args.equivalence)
            self.set_head(model, seed)
            model.to(self.ranks.device)
            groups = Groups(model, self.project, self.to_model)
            if self.saved and self.saved["phase"] == "linear_probe" and self.state["step"] == 0:
                self.saved = None  # written between seeds: the next seed starts from its own fresh head
            if self.saved:
                model.load_state_dict(self.saved["model"])
                mine = self.saved["randomness"][self.ranks.rank] if self.saved["world"] == self.ranks.world else None
                if mine:
                    torch.set_rng_state(mine["torch"])
                    np.random.set_state(mine["numpy"])
                    random.setstate(mine["python"])
            else:
                torch.manual_seed(seed)
            kind = self.plan["schedule"]["kind"]
            probe = self.plan.get("linear_probe")
            if probe and self.state["phase"] == "linear_probe":
                order = self.order("linear_probe", seed, seed ^ 0x4C50)
                self.train_phase(model, groups, {"head"}, "linear_probe", probe["steps"], order, schedule(kind, 0, probe["steps"], []),
                                 probe["learning_rate"], 0.0, None, loss, seed, None)
                self.state["evaluations"].append({"seed": seed, "phase": "linear_probe", "step": probe["steps"], "metrics": self.evaluate(model, loss)})
                self.state.update(phase="fine_tune", step=0)
                self.saved = None
            self.state["phase"] = "fine_tune"
            plan_schedule, settings = self.plan["schedule"], self.plan["optimizer"]
            order = self.order("fine_tune", seed, seed)
            every = (self.plan.get("early_stopping") or {}).get("evaluate_every_steps") or order.steps_per_epoch
            stopped = self.train_phase(
                model, groups, {g for g in groups.order if g in trainable}, "fine_tune", plan_schedule["steps"], order,
                schedule(kind, plan_schedule["warmup_steps"], plan_schedule["steps"], plan_schedule.get("milestones") or []),
                settings["head_learning_rate"], settings["backbone_learning_rate"], settings.get("layer_decay"), loss, seed, every)
            self.saved = None
            early = self.state["early"]
            kept = self.state["step"]
            if early and early["best_step"] is not None and early["best_step"] != self.state["step"]:
                model.load_state_dict(early["weights"])
                kept = early["best_step"]
            validation = self.evaluate(model, loss)
            result = {"seed": seed, "steps": self.state["step"], "stopped_early": stopped, "kept_step": kept,
                      "losses": self.state["records"], "evaluations": self.state["evaluations"], "validation": validation}
            self.state["completed"].append(result)
            value = validation.get(self.headline)
            value = -math.inf if value is None else value
            if self.ranks.main and (self.state["kept_value"] is None or value > self.state["kept_value"]):
                save_model(model, self.to_model, self.project, os.path.join(self.output, "model"))
            if self.state["kept_value"] is None or value > self.state["kept_value"]:
                self.state["kept_run"], self.state["kept_value"] = len(self.state["completed"]) - 1, value
                self.kept_model = model
            self.state.update(seed_index=self.state["seed_index"] + 1, phase="linear_probe", step=0, records=[], evaluations=[], early=None)
            if self.state["seed_index"] < len(seeds):
                self.checkpoint(model, None, "linear_probe", force=True)
        test = self.evaluate(self.kept(), loss, "test") if "test" in self.examples else None
        peaks = self.ranks.gather(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
        if self.ranks.main:
            self.report(test, {"seconds": time.perf_counter() - self.started, "peak_rss_bytes": peaks})
            checkpoint = os.path.join(self.output, "checkpoint.pt")
            if os.path.exists(checkpoint):
                os.remove(checkpoint)
        self.ranks.close()

    def kept(self):
        """The kept run's model: in memory, or (its run finished before a resume) read back from model/."""
        if getattr(self, "kept_model", None) is not None:
            return self.kept_model
        from safetensors.torch import load_file
        model, to_model = build_model(self.project, self.plan, os.path.join(HERE, "initial"), self.args.equivalence)
        model.load_state_dict({to_model(k): v for k, v in load_file(os.path.join(self.output, "model", "model.safetensors")).items()
                               if to_model(k) in model.state_dict()})
        return model.to(self.ranks.device)

    def order(self, phase, seed, sampler_seed):
        if self.args.equivalence:
            return ZooOrder(self.orders, f"{phase}/{seed}", self.batch_size)
        return ShardedOrder(len(self.examples["train"]), self.batch_size, sampler_seed, self.ranks)

    def set_head(self, model, seed):
        from safetensors.torch import load_file
        heads = load_file(os.path.join(HERE, self.project["weights"]["heads"]))
        own = dict(model.named_parameters())
        with torch.no_grad():
            for name, value in heads.items():
                head_seed, canonical = name.split("/", 1)
                if int(head_seed) == seed:
                    own[self.to_model(canonical)].copy_(value)

    def report(self, test, resources):
        """report.json, metrics.csv (zoo's columns and rows) and TensorBoard events, as zoo finetune writes them."""
        completed = self.state["completed"]
        values = [run["validation"].get(self.headline) for run in completed]
        known = [v for v in values if v is not None]
        mean = sum(known) / len(known) if known else None
        spread = math.sqrt(sum((v - mean) ** 2 for v in known) / (len(known) - 1)) if len(known) > 1 else 0.0
        report = {"schema": "zoo.torchrun-report/1", "model": self.plan["model"]["name"], "world_size": self.ranks.world,
                  "device": str(self.ranks.device), "equivalence": self.args.equivalence, "bf16": self.args.bf16 and self.ranks.cuda,
                  "seeds": completed, "kept_run": self.state["kept_run"], "test": test, "resources": resources,
                  "summary": {"metric": self.headline, "values": values, "mean": mean, "standard_deviation": spread,
                              "minimum": min(known) if known else None, "maximum": max(known) if known else None}}
        atomic_write(os.path.join(self.output, "report.json"), lambda file: file.write((json.dumps(report, indent=2) + "\n").encode()))
        rows = io.StringIO()
        writer = csv.writer(rows, lineterminator="\n")
        writer.writerow(["fold", "seed", "phase", "step", "epoch", "split", "loss", self.headline, "learning_rate"])
        for run in completed:
            evaluations = list(run["evaluations"])
            for r in run["losses"]:
                writer.writerow(["", r["seed"], r["phase"], r["step"], r["epoch"], "train", repr(r["loss"]), "", repr(r["learning_rate"])])
                while evaluations and evaluations[0]["phase"] == r["phase"] and evaluations[0]["step"] == r["step"]:
                    e = evaluations.pop(0)
                    value = e["metrics"].get(self.headline)
                    writer.writerow(["", e["seed"], e["phase"], e["step"], r["epoch"], "validation", repr(e["metrics"]["loss"]),
                                     "" if value is None else repr(value), ""])
        atomic_write(os.path.join(self.output, "metrics.csv"), lambda file: file.write(rows.getvalue().encode()))
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            return
        for run in completed:
            board = SummaryWriter(os.path.join(self.output, "tensorboard", f"seed-{run['seed']}"))
            for index, r in enumerate(run["losses"]):
                board.add_scalar(f"{r['phase']}/loss", r["loss"], index + 1)
                board.add_scalar(f"{r['phase']}/learning_rate", r["learning_rate"], index + 1)
            for e in run["evaluations"]:
                for key, value in e["metrics"].items():
                    if isinstance(value, float):
                        board.add_scalar(f"{e['phase']}/validation_{key}", value, e["step"])
            board.close()


def main():
    args = arguments()
    if args.equivalence:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS, set before CUDA starts
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: STOP.update(requested=True))
    Run(args).run()


if __name__ == "__main__":
    main()
