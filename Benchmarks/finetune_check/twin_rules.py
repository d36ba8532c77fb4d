"""zoo's documented training rules in Python, so the PyTorch twin starts from zoo's head, draws zoo's
data order and follows zoo's learning rates: SplitMix64 (Sources/Tensors/SplitMix64.swift), EpochSampler
(Sources/Training/Run/EpochSampler.swift) and FreshHead (Sources/Engine/Training/FreshHead.swift) here; the
schedules and parameter groups from the exported torchrun project's zoo_rules.py (Sources/Export/torchrun/),
written once for both.
"""
import math
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "formats"))
from fixturelib import GAMMA, MASK64, SplitMix64  # noqa: E402 - formats/fixturelib.py, zoo's generator written once for the fixtures and this check
sys.path.insert(0, os.path.join(ROOT, "Sources", "Export", "torchrun"))
from zoo_rules import parameter_groups, schedule  # noqa: E402,F401 - re-exported for finetune_twin.py


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
