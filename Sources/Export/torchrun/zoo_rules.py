"""zoo's training rules that train.py follows as zoo's trainer does: the learning-rate schedules
(Sources/Training/Schedules/, built by the plan's Schedule.Kind) and LayerwiseLearningRates' parameter
groups (Sources/Training/Optimizers/LayerwiseLearningRates.swift). Pure Python: no torch needed to import.
"""
import math


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
