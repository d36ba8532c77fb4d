"""Writes formats/training/optimizers/: 100 optimizer steps of torch.optim and its schedulers on
recorded gradients, the reference for zoo's optimizers, schedules, clipping and accumulation
(Tests/TrainingTests).

    /tmp/refvenv/bin/python formats/training/optimizers/generate.py

Written with torch 2.15.0, transformers 5.25.0 and numpy 2.4.6 (any torch ≥ 2.2 with
`decoupled_weight_decay` should give the same numbers up to its kernels' last bits); CPU, 2 threads,
about half a minute. Nothing is downloaded.

The model is a small graph's float tensors (the Swift tests build the same graph): a 4-D stem
convolution with a batch-norm (1-D scale and shift; running statistics as buffers), a stage-1
convolution with a bias, a stage-2 linear layer and a linear head, in the freeze groups stem,
stage1, stage2 and head. Every case starts from the same values (seeded NumPy, stored) and runs
STEPS optimizer steps. At each step: the gradients are zeroed; each micro-batch i of n_i of the
step's N examples backpropagates `(loss_i * (n_i / N))`, where loss_i = Σ (p · G_i).sum() over the
trainable tensors, so that it adds (n_i / N) · G_i to each gradient (G_i standing for the
micro-batch's mean-loss gradient); clip_grad_norm_ when the case clips; the groups' learning rates
are recorded; optimizer.step() (foreach=False, PyTorch's CPU path); scheduler.step().

Gradients are not stored. G for step s (from 0), micro-batch i and tensor NAME has the tensor's
element count of values from SplitMix64 (Tests/TestSupport) seeded with the FNV-1a 64 hash of the
UTF-8 string "gradient/<s>/<i>/<NAME>" (NameKeyedWeights.seed): u = (next() >> 40) · 2⁻²⁴, value =
(2u − 1) · 2^((s mod 4) − 2), exact in float32, so the global norm varies between about 4 and 32
and a clipping threshold of 10 to 12 clips some steps and not others.

Parameter groups follow plan.json's optimizer section as zoo's LayerwiseLearningRates states them:
the head at head_learning_rate; the highest trained group below it at backbone_learning_rate and
each group of the model further down at layer_decay times the one above (frozen groups counted);
per trained freeze group one torch group of its rank >= 2 tensors with weight_decay and one of its
rank <= 1 tensors (`<group>/no_decay`) with none. Schedules are LambdaLRs: transformers'
get_constant/linear/cosine_schedule_with_warmup, and the lambdas below for step (MultiStepLR's
absolute milestones, gamma 0.1, after the warm-up's factor) and slanted-triangular (ULMFiT, cut =
warm-up steps, ratio 32).

Writes:
  cases.json    the tensors (name, shape, group, buffer) and per case: optimizer settings, schedule,
                frozen groups, clipping threshold (or null), examples and micro-batch size and the
                micro-batch sizes, the trainable tensors in order, the torch parameter groups
                (name, tensors, lr, weight_decay), the snapshot steps.
  expected.npz  initial/<tensor>   float32, every float tensor's starting values
                <case>/lr          float64 [STEPS, groups], each group's lr at each step
                <case>/total_norm  float32 [STEPS], clip_grad_norm_'s result (clipping cases)
                <case>/values      float32 [snapshots, n], the trainable tensors after each snapshot's
                                   number of steps, flattened and concatenated in the case's
                                   `trainable` order (n floats in all)
                <case>/<key>       float32 [n], the optimizer's state after the last step in the same
                                   layout: momentum_buffer (SGD); exp_avg, exp_avg_sq (AdamW)

The script checks itself and exits 1 if a check fails: reruns are bit-identical; the default
foreach=None takes the same (single-tensor) path on the CPU; the recorded learning rates equal the
documented formulas exactly; the step lambda matches MultiStepLR and the slanted-triangular one the
paper's form; clipped cases clip some steps and not others; weight decay on the rank <= 1 tensors
would change the results beyond the tests' tolerance; accumulating n_i/N-scaled micro-batch
gradients gives the full batch's gradient on a real model while averaging them does not; the folder
stays under 1 MB.
"""
import bisect
import json
import math
import os
import sys

import numpy as np
import torch
import transformers

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))
from fixturelib import Checker, dump_json  # noqa: E402 - formats/fixturelib.py, found through the path above

torch.set_num_threads(2)
CHECKER = Checker()
check = CHECKER.check

STEPS = 100
SNAPSHOTS = [1, 2, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
# The tests' tolerance: ||zoo − torch||₂ / ||torch||₂ per tensor.
TOLERANCE = 1e-6

# (name, shape, freeze group, buffer), in the graph's state-dict order (num_batches_tracked, an
# integer, is not a float tensor).
TENSORS = [
    ("stem.conv.weight", (6, 3, 3, 3), "stem", False),
    ("stem.bn.weight", (6,), "stem", False),
    ("stem.bn.bias", (6,), "stem", False),
    ("stem.bn.running_mean", (6,), "stem", True),
    ("stem.bn.running_var", (6,), "stem", True),
    ("stage1.conv.weight", (8, 6, 3, 3), "stage1", False),
    ("stage1.conv.bias", (8,), "stage1", False),
    ("stage2.fc.weight", (12, 8), "stage2", False),
    ("stage2.fc.bias", (12,), "stage2", False),
    ("head.fc.weight", (5, 12), "head", False),
    ("head.fc.bias", (5,), "head", False),
]
GROUP_ORDER = ["stem", "stage1", "stage2", "head"]


def sgd(momentum, dampening=0.0, nesterov=False):
    return {"kind": "sgd", "momentum": momentum, "dampening": dampening, "nesterov": nesterov}


def adamw(beta1, beta2, eps=1e-8):
    return {"kind": "adamw", "betas": [beta1, beta2], "eps": eps}


def case(name, optimizer, rates, schedule, clip=None, frozen=(), examples=8, micro_batch=8):
    head, backbone, layer_decay, weight_decay = rates
    return {"name": name,
            "optimizer": {**optimizer, "head_learning_rate": head, "backbone_learning_rate": backbone,
                          "layer_decay": layer_decay, "weight_decay": weight_decay},
            "schedule": {"steps": STEPS, "milestones": [], **schedule},
            "clip": clip, "frozen": list(frozen), "examples": examples, "micro_batch_size": micro_batch}


CASES = [
    case("sgd_momentum_step", sgd(0.9), (0.05, 0.01, 0.5, 5e-3),
         {"kind": "step", "warmup_steps": 10, "milestones": [40, 70]}),
    case("sgd_nesterov_cosine", sgd(0.9, nesterov=True), (0.03, 0.01, 0.8, 1e-2),
         {"kind": "cosine", "warmup_steps": 10}, clip=10.0, frozen=["stem"]),
    case("sgd_dampening_linear_accumulated", sgd(0.8, dampening=0.3), (0.02, 0.02, None, 2e-3),
         {"kind": "linear", "warmup_steps": 20}, clip=8.0, examples=10, micro_batch=4),
    case("adamw_linear", adamw(0.9, 0.999), (1e-2, 3e-3, 0.7, 0.05),
         {"kind": "linear", "warmup_steps": 10}, clip=10.0),
    case("adamw_cosine_surgical", adamw(0.8, 0.99, eps=1e-6), (5e-3, 2e-3, 0.9, 0.1),
         {"kind": "cosine", "warmup_steps": 15}, frozen=["stage1"]),
    # β₁ = 0.4 puts lerp's weight 1 − β₁ above 0.5, torch's other lerp formula.
    case("adamw_constant", adamw(0.4, 0.999), (1e-3, 1e-3, 0.8, 0.01),
         {"kind": "constant", "warmup_steps": 5}, clip=12.0),
    case("adamw_slanted_triangular", adamw(0.9, 0.98), (1e-2, 4e-3, 0.6, 0.02),
         {"kind": "slanted-triangular", "warmup_steps": 20}, clip=10.0),
    case("adamw_step_no_warmup", adamw(0.9, 0.999), (2e-3, 1e-3, 0.5, 0.01),
         {"kind": "step", "warmup_steps": 0, "milestones": [30, 60, 90]}),
]


# ---------------------------------------------------------------------------------------------
# Gradients: SplitMix64 seeded by FNV-1a (the spec is in the docstring).

MASK64 = (1 << 64) - 1


def fnv1a(text):
    h = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x100000001B3) & MASK64
    return h


def splitmix64(seed, count):
    state, out = seed, []
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        out.append(z ^ (z >> 31))
    return out


GRADIENTS = {}


def gradient(step, micro, name, shape):
    key = (step, micro, name)
    if key not in GRADIENTS:
        u = np.array([v >> 40 for v in splitmix64(fnv1a(f"gradient/{step}/{micro}/{name}"), math.prod(shape))],
                     dtype=np.float64) * 2.0 ** -24
        GRADIENTS[key] = ((2 * u - 1) * 2.0 ** (step % 4 - 2)).astype(np.float32).reshape(shape)
    return GRADIENTS[key]


def initial_values():
    rng = np.random.default_rng(18)
    values = {}
    for name, shape, _, _ in TENSORS:
        if name.endswith("running_var"):
            values[name] = (0.5 + rng.random(shape)).astype(np.float32)
        elif len(shape) >= 2:
            values[name] = (rng.standard_normal(shape) / math.sqrt(math.prod(shape[1:]))).astype(np.float32)
        elif name.endswith("bn.weight"):
            values[name] = (1 + 0.1 * rng.standard_normal(shape)).astype(np.float32)
        else:
            values[name] = (0.1 * rng.standard_normal(shape)).astype(np.float32)
    return values


# ---------------------------------------------------------------------------------------------
# Groups and schedules, as docs and zoo's LayerwiseLearningRates / ScheduleKind state them.

def trainable(c):
    return [(name, shape, group) for name, shape, group, buffer in TENSORS if not buffer and group not in c["frozen"]]


def parameter_groups(c):
    o = c["optimizer"]
    model_groups = [g for g in GROUP_ORDER if any(t[2] == g and not t[3] for t in TENSORS)]
    trained = trainable(c)
    trained_groups = [g for g in model_groups if any(t[2] == g for t in trained)]
    top = [g for g in trained_groups if g != "head"][-1]
    groups = []
    for g in trained_groups:
        depth = model_groups.index(top) - model_groups.index(g)
        lr = o["head_learning_rate"] if g == "head" else o["backbone_learning_rate"] * (o["layer_decay"] or 1.0) ** depth
        decaying = [name for name, shape, group in trained if group == g and len(shape) >= 2]
        exempt = [name for name, shape, group in trained if group == g and len(shape) <= 1]
        groups += [{"name": g, "params": decaying, "lr": lr, "weight_decay": o["weight_decay"]}] if decaying else []
        groups += [{"name": g + "/no_decay", "params": exempt, "lr": lr, "weight_decay": 0.0}] if exempt else []
    return groups


def step_lambda(warmup, milestones):
    return lambda t: (float(t) / float(max(1, warmup)) if t < warmup else 1.0) * 0.1 ** bisect.bisect_right(milestones, t)


def slanted_triangular_lambda(cut, steps, ratio=32.0):
    def factor(t):
        p = t / cut if t < cut else max(0.0, 1.0 - (t - cut) / max(1, steps - cut))
        return (1.0 + p * (ratio - 1.0)) / ratio
    return factor


def scheduler(schedule, optimizer):
    kind, warmup, steps = schedule["kind"], schedule["warmup_steps"], schedule["steps"]
    if kind == "constant":
        return transformers.get_constant_schedule_with_warmup(optimizer, warmup)
    if kind == "linear":
        return transformers.get_linear_schedule_with_warmup(optimizer, warmup, steps)
    if kind == "cosine":
        return transformers.get_cosine_schedule_with_warmup(optimizer, warmup, steps)
    if kind == "step":
        return torch.optim.lr_scheduler.LambdaLR(optimizer, step_lambda(warmup, schedule["milestones"]))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, slanted_triangular_lambda(warmup, steps))


def documented_factor(schedule, t):
    """The factor as the Swift schedules' doc comments write it, independently of transformers."""
    kind, w, steps = schedule["kind"], schedule["warmup_steps"], schedule["steps"]
    if kind == "slanted-triangular":
        return slanted_triangular_lambda(w, steps)(t)
    if kind == "step":
        return step_lambda(w, schedule["milestones"])(t)
    if t < w:
        return t / max(1, w)
    if kind == "constant":
        return 1.0
    if kind == "linear":
        return max(0.0, (steps - t) / max(1, steps - w))
    progress = (t - w) / max(1, steps - w)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))


# ---------------------------------------------------------------------------------------------

def micro_batch_sizes(c):
    n, m = c["examples"], c["micro_batch_size"]
    return [min(m, n - start) for start in range(0, n, m)]


def run(c, initial, foreach=False, decay_everything=False):
    """One case in torch: the arrays expected.npz stores for it."""
    o = c["optimizer"]
    params = {name: torch.nn.Parameter(torch.from_numpy(initial[name].copy())) for name, _, _ in trainable(c)}
    groups = [{"params": [params[n] for n in g["params"]], "lr": g["lr"],
               "weight_decay": o["weight_decay"] if decay_everything else g["weight_decay"]} for g in parameter_groups(c)]
    if o["kind"] == "sgd":
        optimizer = torch.optim.SGD(groups, momentum=o["momentum"], dampening=o["dampening"], nesterov=o["nesterov"], foreach=foreach)
    else:
        optimizer = torch.optim.AdamW(groups, betas=tuple(o["betas"]), eps=o["eps"], foreach=foreach)
    schedule = scheduler(c["schedule"], optimizer)
    sizes, examples = micro_batch_sizes(c), c["examples"]
    lrs, norms, snapshots = [], [], []
    for step in range(STEPS):
        optimizer.zero_grad()
        for micro, n in enumerate(sizes):
            loss = sum((p * torch.from_numpy(gradient(step, micro, name, p.shape))).sum() for name, p in params.items())
            (loss * (n / examples)).backward()
        if c["clip"] is not None:
            norms.append(torch.nn.utils.clip_grad_norm_(list(params.values()), c["clip"]).item())
        lrs.append([g["lr"] for g in optimizer.param_groups])
        optimizer.step()
        schedule.step()
        if step + 1 in SNAPSHOTS:
            snapshots.append(np.concatenate([p.detach().numpy().reshape(-1) for p in params.values()]))
    out = {f"{c['name']}/lr": np.array(lrs, dtype=np.float64), f"{c['name']}/values": np.stack(snapshots)}
    if norms:
        out[f"{c['name']}/total_norm"] = np.array(norms, dtype=np.float32)
    for key in optimizer.state[next(iter(params.values()))]:
        if key != "step":
            out[f"{c['name']}/{key}"] = np.concatenate([optimizer.state[p][key].numpy().reshape(-1) for p in params.values()])
    return out


def relative(a, b):
    return float(np.linalg.norm(a.astype(np.float64) - b.astype(np.float64)) / np.linalg.norm(b.astype(np.float64)))


def identical(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def check_formulas():
    """Generic checks: SplitMix64's reference vector, the step lambda against MultiStepLR, the
    slanted-triangular lambda against the paper's form."""
    check(splitmix64(0, 1)[0] == 0xE220A8397B1DCDAF, "SplitMix64(0).next() is the reference 0xe220a8397b1dcdaf")
    for milestones in ([40, 70], [30, 60, 90]):
        sgd_ = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.01)
        multistep = torch.optim.lr_scheduler.MultiStepLR(sgd_, milestones, gamma=0.1)
        lam, worst = step_lambda(0, milestones), 0.0
        for t in range(STEPS + 1):
            worst = max(worst, abs(sgd_.param_groups[0]["lr"] - 0.01 * lam(t)) / (0.01 * lam(t)))
            sgd_.step()
            multistep.step()
        check(worst < 1e-14, f"step lambda (no warm-up, milestones {milestones}) = MultiStepLR(gamma=0.1) within {worst:.1e}")
    for cut, steps in ((20, 100), (10, 50)):
        frac, lam = cut / steps, slanted_triangular_lambda(cut, steps)
        paper_cut = math.floor(steps * frac)

        def paper(t):
            p = t / paper_cut if t < paper_cut else 1 - (t - paper_cut) / (paper_cut * (1 / frac - 1))
            return (1 + p * (32 - 1)) / 32
        worst = max(abs(lam(t) - paper(t)) for t in range(steps + 1))
        check(paper_cut == cut and worst < 1e-12 and lam(cut) == 1.0 and lam(0) == lam(steps) == 1 / 32,
              f"slanted-triangular (cut {cut}, T {steps}) = Howard & Ruder's eq. 3 within {worst:.1e}, 1/32 → 1 → 1/32")


def check_accumulation():
    """On a real model (linear regression, mean squared error), micro-batch gradients scaled by
    n_i/N add up to the full batch's; their plain average does not."""
    rng = np.random.default_rng(7)
    x, y = torch.from_numpy(rng.standard_normal((10, 6)).astype(np.float32)), torch.from_numpy(rng.standard_normal(10).astype(np.float32))
    w = torch.nn.Parameter(torch.from_numpy(rng.standard_normal(6).astype(np.float32)))
    torch.nn.functional.mse_loss(x @ w, y).backward()
    full = w.grad.clone()
    w.grad, averaged = None, torch.zeros(6)
    for start in range(0, 10, 4):
        xb, yb = x[start:start + 4], y[start:start + 4]
        (torch.nn.functional.mse_loss(xb @ w, yb) * (len(xb) / 10)).backward()
        averaged += torch.autograd.grad(torch.nn.functional.mse_loss(xb @ w, yb), w)[0] / 3
    scaled_error, averaged_error = relative(w.grad.numpy(), full.numpy()), relative(averaged.numpy(), full.numpy())
    check(scaled_error < TOLERANCE and averaged_error > 1e-3,
          f"micro-batches 4+4+2 scaled by n_i/N give the full batch's gradient (relative {scaled_error:.1e}); averaged, {averaged_error:.1e} off")


def main():
    initial = initial_values()
    check_formulas()
    check_accumulation()
    arrays = {f"initial/{name}": value for name, value in initial.items()}
    records = []
    for c in CASES:
        print(f"== {c['name']}", flush=True)
        out = run(c, initial)
        check(identical(out, run(c, initial)), "a rerun is bit-identical")
        check(identical(out, run(c, initial, foreach=None)), "torch's default (foreach=None) takes the same path on the CPU")
        groups = parameter_groups(c)
        lrs = out[f"{c['name']}/lr"]
        expected = np.array([[g["lr"] * documented_factor(c["schedule"], t) for g in groups] for t in range(STEPS)])
        check(np.array_equal(lrs, expected), "every recorded lr is base_lr × the documented factor, exactly")
        if c["clip"] is not None:
            norms = out[f"{c['name']}/total_norm"]
            clipped = int(np.sum(norms > c["clip"]))
            check(0 < clipped < STEPS, f"clip_grad_norm_({c['clip']}) clips {clipped} of {STEPS} steps")
        if c["optimizer"]["weight_decay"]:
            decayed, final, start = run(c, initial, decay_everything=True)[f"{c['name']}/values"][-1], out[f"{c['name']}/values"][-1], 0
            worst = 0.0
            for _, shape, _ in trainable(c):
                end = start + math.prod(shape)
                if len(shape) <= 1:
                    worst = max(worst, relative(decayed[start:end], final[start:end]))
                start = end
            check(worst > 100 * TOLERANCE, f"decaying the rank ≤ 1 tensors too would move them by {worst:.1e} (relative)")
        arrays.update(out)
        records.append({**c, "micro_batch_sizes": micro_batch_sizes(c), "trainable": [t[0] for t in trainable(c)],
                        "groups": groups, "snapshots": SNAPSHOTS})
    kinds = {c["schedule"]["kind"] for c in CASES if c["schedule"]["warmup_steps"] > 0}
    check(kinds == {"constant", "cosine", "linear", "step", "slanted-triangular"}, "every schedule kind has a case with warm-up")
    np.savez(os.path.join(HERE, "expected.npz"), **arrays)
    dump_json(os.path.join(HERE, "cases.json"), {
        "steps": STEPS, "tolerance": TOLERANCE,
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "numpy": np.__version__},
        "tensors": [{"name": n, "shape": list(s), "group": g, "buffer": b} for n, s, g, b in TENSORS],
        "cases": records})
    CHECKER.small_folder(HERE, 1e6)
    return CHECKER.summary()


if __name__ == "__main__":
    sys.exit(main())
