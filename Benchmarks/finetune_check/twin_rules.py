"""zoo's documented training rules in Python, so the PyTorch twin starts from zoo's head, draws zoo's
data order and follows zoo's learning rates: SplitMix64 (Sources/Tensors/SplitMix64.swift), EpochSampler
(Sources/Training/Run/EpochSampler.swift), FreshHead (Sources/Engine/Training/FreshHead.swift), the
schedules (Sources/Training/Schedules/) and LayerwiseLearningRates' parameter groups
(Sources/Training/Optimizers/LayerwiseLearningRates.swift).
"""
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "formats"))
from fixturelib import GAMMA, MASK64, SplitMix64  # noqa: E402 - formats/fixturelib.py, zoo's generator written once for the fixtures and this check


class EpochSampler:
    """Each epoch a Fisher–Yates shuffle from SplitMix64(seed + epoch·φ), cut into batches (the last shorter)."""

    def __init__(self, count, batch_size, seed):
        self.count, self.batch_size, self.seed = count, max(1, batch_size), seed
        self.steps_per_epoch = (count + self.batch_size - 1) // self.batch_size
        self._epoch, self._order = None, None

    def order(self, epoch):
        order = list(range(self.count))
        generator = SplitMix64((self.seed + epoch * GAMMA) & MASK64)
        for i in range(self.count - 1, 0, -1):
            j = generator.next() % (i + 1)
            order[i], order[j] = order[j], order[i]
        return order

    def batch(self, step):
        epoch, position = divmod(step, self.steps_per_epoch)
        if epoch != self._epoch:
            self._epoch, self._order = epoch, self.order(epoch)
        return epoch, self._order[position * self.batch_size:(position + 1) * self.batch_size]


def fresh_head(scheme, out_features, in_features, seed):
    """The classifier's (weight [out, in], bias [out]) as zoo draws them from SplitMix64(seed)."""
    generator = SplitMix64(seed)
    kind, value = scheme

    def draw(count):
        if kind == "normal":
            values = []
            for _ in range(count):
                u, v = generator.uniform(), generator.uniform()
                values.append(math.sqrt(-2 * math.log(1 - u)) * math.cos(2 * math.pi * v) * value)
            return np.array(values, dtype=np.float32)
        bound = 1 / math.sqrt(in_features if kind == "linear-default" else out_features)
        return np.array([(2 * generator.uniform() - 1) * bound for _ in range(count)], dtype=np.float32)

    weight = draw(out_features * in_features).reshape(out_features, in_features)
    bias = draw(out_features) if kind == "linear-default" else np.zeros(out_features, dtype=np.float32)
    return weight, bias


def schedule(kind, warmup, steps, milestones):
    """The learning-rate factor at optimizer step t (0-based), as zoo's ScheduleKind computes it."""
    def rising(t):
        return t / max(1, warmup) if t < warmup else None

    def factor(t):
        if kind == "slanted-triangular":
            p = t / warmup if t < warmup else max(0.0, 1 - (t - warmup) / max(1, steps - warmup))
            return (1 + p * 31) / 32
        if kind == "step":
            up = rising(t)
            return (1.0 if up is None else up) * 0.1 ** sum(1 for m in milestones if m <= t)
        up = rising(t)
        if up is not None:
            return up
        if kind == "cosine":
            return max(0.0, 0.5 * (1 + math.cos(math.pi * 0.5 * 2 * ((t - warmup) / max(1, steps - warmup)))))
        if kind == "linear":
            return max(0.0, (steps - t) / max(1, steps - warmup))
        return 1.0
    return factor


def parameter_groups(named_groups, trained, head_lr, backbone_lr, layer_decay, weight_decay):
    """torch.optim param groups as LayerwiseLearningRates makes them. `named_groups`: every freeze group of
    the model from the input up, each with its (name, parameter) list; `trained`: the trained group names.
    The head learns at head_lr; the highest trained group below it at backbone_lr, each group d places
    further down at backbone_lr·layer_decay^d; rank ≤ 1 tensors get no weight decay."""
    order = [name for name, _ in named_groups]
    below_head = [name for name in order if name in trained and name != "head"]
    top = order.index(below_head[-1]) if below_head else None
    groups = []
    for name, parameters in named_groups:
        if name not in trained:
            continue
        lr = head_lr if name == "head" else backbone_lr * (layer_decay or 1) ** (top - order.index(name))
        decaying = [p for _, p in parameters if p.dim() >= 2]
        exempt = [p for _, p in parameters if p.dim() <= 1]
        groups += [{"params": ps, "lr": lr, "weight_decay": wd, "name": name + suffix}
                   for ps, wd, suffix in ((decaying, weight_decay, ""), (exempt, 0.0, "/no_decay")) if ps]
    return groups
