"""Reference evaluation metrics from scikit-learn (and the mean losses from torch's formulas in
NumPy) for EvaluationMetricsTests: random logits and targets for a single-label, a multi-label
and a regression task, with ties and a never-predicted class so the edge cases are exercised.

    python formats/training/metrics/generate.py   # writes metrics.json beside this file
"""
import json
import pathlib

import numpy as np
from sklearn import metrics

rng = np.random.default_rng(7)
out = {}

# Single label: 60 examples, 7 classes; class 6 never predicted (its logits pushed down), one tie.
n, c = 60, 7
logits = rng.normal(size=(n, c)).astype(np.float32)
logits[:, 6] -= 10
labels = rng.integers(0, c, size=n)
labels[:3] = 6
logits[5, 2] = logits[5, 4] = logits[5].max() + 1  # a tie: the lower index wins, as argmax
predicted = logits.argmax(axis=1)
p, r, f, s = metrics.precision_recall_fscore_support(labels, predicted, labels=range(c), zero_division=0)
shifted = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
out["single_label"] = {
    "logits": logits.ravel().tolist(), "labels": labels.tolist(), "classes": c,
    "loss": float(-log_softmax[np.arange(n), labels].mean()),
    "accuracy": metrics.accuracy_score(labels, predicted),
    "top5_accuracy": metrics.top_k_accuracy_score(labels, logits, k=5, labels=range(c)),
    "precision": p.tolist(), "recall": r.tolist(), "f1": f.tolist(), "support": s.tolist(),
    "macro_precision": float(p.mean()), "macro_recall": float(r.mean()), "macro_f1": float(f.mean()),
    "confusion": metrics.confusion_matrix(labels, predicted, labels=range(c)).tolist(),
}

# Multi-label: 40 examples, 4 labels; label 3 has no positive example (left out of the mean AP).
n, c = 40, 4
logits = rng.normal(size=(n, c)).astype(np.float32)
truth = (rng.random(size=(n, c)) < 0.4).astype(int)
truth[:, 3] = 0
logits[:4, 0] = 0.5  # tied scores
f = metrics.f1_score(truth, (logits > 0).astype(int), average=None, zero_division=0)
ap = [metrics.average_precision_score(truth[:, k], logits[:, k]) for k in range(c) if truth[:, k].any()]
z = logits.astype(np.float64)
bce = np.maximum(z, 0) - z * truth + np.log1p(np.exp(-np.abs(z)))
out["multi_label"] = {
    "logits": logits.ravel().tolist(), "labels": [np.flatnonzero(row).tolist() for row in truth], "classes": c,
    "loss": float(bce.mean()), "f1": f.tolist(), "macro_f1": float(f.mean()), "mean_average_precision": float(np.mean(ap)),
}

# Regression: 30 examples, 2 targets.
n, c = 30, 2
predictions = rng.normal(size=(n, c)).astype(np.float32)
targets = (predictions + rng.normal(scale=0.5, size=(n, c))).astype(np.float32)
p64, t64 = predictions.astype(np.float64), targets.astype(np.float64)
out["regression"] = {
    "outputs": predictions.ravel().tolist(), "targets": targets.ravel().tolist(), "classes": c,
    "loss": float(((p64 - t64) ** 2).mean()),
    "mse": metrics.mean_squared_error(t64, p64), "mae": metrics.mean_absolute_error(t64, p64), "r2": metrics.r2_score(t64, p64),
}

pathlib.Path(__file__).with_name("metrics.json").write_text(json.dumps(out, indent=1) + "\n")
