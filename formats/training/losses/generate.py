"""Reference losses and their gradients from PyTorch for LossReferenceTests: nn.CrossEntropyLoss
(plain, label smoothing, class weights, both), nn.BCEWithLogitsLoss, nn.MSELoss, and mixup as
BiT and timm compute it, lam * loss(logits, y) + (1 - lam) * loss(logits, y[perm]), for a
cross-entropy with smoothing and weights and for a multi-label BCE. Logits are float64; the loss
and d loss / d logits come from autograd in float64.

    /tmp/refvenv/bin/python formats/training/losses/generate.py   # writes losses.json beside this file
"""
import json
import pathlib

import torch

torch.manual_seed(11)
batch, classes = 6, 5
logits = torch.randn(batch, classes, dtype=torch.float64) * 2
labels = torch.tensor([1, 3, 4, 0, 3, 2])
multi = (torch.rand(batch, classes) < 0.4).double()
regression = torch.randn(batch, classes, dtype=torch.float64)
weights = torch.tensor([1.0, 2.0, 0.5, 1.5, 1.0], dtype=torch.float64)
perm = torch.tensor([3, 0, 5, 1, 2, 4])
lam = 0.3


def case(name, loss_fn, targets, mixed=None):
    z = logits.clone().requires_grad_(True)
    if mixed is None:
        loss = loss_fn(z, targets)
    else:
        loss = lam * loss_fn(z, targets) + (1 - lam) * loss_fn(z, mixed)
    loss.backward()
    entry = {"name": name, "loss": loss.item(), "gradient": z.grad.flatten().tolist()}
    return entry


cases = [
    {**case("cross_entropy", torch.nn.CrossEntropyLoss(), labels), "kind": "cross_entropy", "classes": labels.tolist()},
    {**case("cross_entropy_smoothing", torch.nn.CrossEntropyLoss(label_smoothing=0.1), labels), "kind": "cross_entropy",
     "classes": labels.tolist(), "label_smoothing": 0.1},
    {**case("cross_entropy_weights", torch.nn.CrossEntropyLoss(weight=weights), labels), "kind": "cross_entropy",
     "classes": labels.tolist(), "class_weights": weights.tolist()},
    {**case("cross_entropy_smoothing_weights", torch.nn.CrossEntropyLoss(weight=weights, label_smoothing=0.1), labels),
     "kind": "cross_entropy", "classes": labels.tolist(), "label_smoothing": 0.1, "class_weights": weights.tolist()},
    {**case("bce", torch.nn.BCEWithLogitsLoss(), multi), "kind": "bce", "values": multi.flatten().tolist()},
    {**case("mse", torch.nn.MSELoss(), regression), "kind": "mse", "values": regression.flatten().tolist()},
    {**case("mixup_cross_entropy_smoothing_weights", torch.nn.CrossEntropyLoss(weight=weights, label_smoothing=0.1), labels, labels[perm]),
     "kind": "cross_entropy", "classes": labels.tolist(), "label_smoothing": 0.1, "class_weights": weights.tolist(),
     "mixup": {"lambda": lam, "partner": perm.tolist()}},
    {**case("mixup_bce", torch.nn.BCEWithLogitsLoss(), multi, multi[perm]), "kind": "bce", "values": multi.flatten().tolist(),
     "mixup": {"lambda": lam, "partner": perm.tolist()}},
]
out = {"torch": torch.__version__, "batch": batch, "outputs": classes, "logits": logits.flatten().tolist(),
       "mixup_rule": "lam * loss(logits, y) + (1 - lam) * loss(logits, y[partner]) (BiT's mixup_criterion)", "cases": cases}
path = pathlib.Path(__file__).with_name("losses.json")
path.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {path}: {len(cases)} cases")
