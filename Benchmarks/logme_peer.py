"""The NumPy side of Benchmarks/logme_bench.py: LogME of a features .npy for a labels .npy, the
same algorithm as zoo's (shared/ADVISOR-EVIDENCE.md §2, Sources/Advisor/Transferability), written
from the evidence file: float64; the eigen-decomposition of the smaller Gram matrix (FFᵀ when
N ≤ D, FᵀF otherwise) in place of the thin SVD; σ ≤ 1e-10·σ_max dropped; per one-hot column the
fixed point α ← γ/(‖m‖²+ε), β ← (N−γ)/(‖Fm−t‖²+ε) from α = β = 1 until |Δλ|/λ < 1e-3 (at most
100 iterations), vectorised over the kept σ; the evidence with the full log-determinant
((D−k)·log α for the dropped eigenvalues), m recomputed at the final α, β; the mean over columns of
evidence / N.

Usage: logme_peer.py --features F.npy --labels y.npy [--epsilon E] [--tolerance T] [--max-iterations M]
       logme_peer.py --write-inputs DIR --samples N --dimensions D --classes C
The first prints one JSON object {"score", "seconds" (LogME alone, after reading the files),
"versions"}; the second writes DIR/features.npy (float32 [N, D]) and DIR/labels.npy (int64 [N]):
Gaussian noise plus 2 in the feature of the sample's class, seed 0.
"""
import argparse
import json
import math
import sys
import time

import numpy as np


def logme(features, labels, epsilon=1e-5, tolerance=1e-3, max_iterations=100):
    f = np.asarray(features, dtype=np.float64)
    n, d = f.shape
    classes = np.unique(labels)
    targets = (labels[:, None] == classes[None, :]).astype(np.float64)  # N × C one-hot
    if n <= d:
        sigma, u = np.linalg.eigh(f @ f.T)
        z = u.T @ targets
    else:
        sigma, v = np.linalg.eigh(f.T @ f)
        z = (v.T @ (f.T @ targets)) / np.sqrt(np.maximum(sigma, np.finfo(np.float64).tiny))[:, None]
    kept = (sigma > 1e-10 * sigma[-1]) & (sigma > 0)
    sigma, z = sigma[kept], z[kept]
    z2 = z * z
    outside = np.maximum((targets * targets).sum(axis=0) - z2.sum(axis=0), 0.0)
    evidences = []
    for column in range(targets.shape[1]):
        zc = z2[:, column]

        def sums(lam):
            denominator = sigma + lam
            gamma = (sigma / denominator).sum()
            weights = (sigma * zc / denominator ** 2).sum()
            residual = ((lam / denominator) ** 2 * zc).sum() + outside[column]
            return gamma, weights, residual

        alpha, beta = 1.0, 1.0
        for _ in range(max_iterations):
            lam = alpha / beta
            gamma, weights, residual = sums(lam)
            alpha = gamma / (weights + epsilon)
            beta = (n - gamma) / (residual + epsilon)
            if abs(alpha / beta - lam) / lam < tolerance:
                break
        _, weights, residual = sums(alpha / beta)
        log_det = np.log(alpha + beta * sigma).sum() + (d - sigma.size) * math.log(alpha)
        evidences.append(d / 2 * math.log(alpha) + n / 2 * math.log(beta) - log_det / 2
                         - beta / 2 * residual - alpha / 2 * weights - n / 2 * math.log(2 * math.pi))
    return float(np.mean(evidences) / n)


def write_inputs(folder, samples, dimensions, classes):
    rng = np.random.default_rng(0)
    labels = np.arange(samples, dtype=np.int64) % classes
    features = rng.standard_normal((samples, dimensions)).astype(np.float32)
    features[np.arange(samples), labels] += 2.0
    np.save(f"{folder}/features.npy", features)
    np.save(f"{folder}/labels.npy", labels)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features")
    parser.add_argument("--labels")
    parser.add_argument("--epsilon", type=float, default=1e-5)
    parser.add_argument("--tolerance", type=float, default=1e-3)
    parser.add_argument("--max-iterations", type=int, default=100)
    parser.add_argument("--write-inputs")
    parser.add_argument("--samples", type=int)
    parser.add_argument("--dimensions", type=int)
    parser.add_argument("--classes", type=int)
    args = parser.parse_args()
    if args.write_inputs:
        if not (args.samples and args.dimensions and args.classes):
            parser.error("--write-inputs needs --samples, --dimensions and --classes")
        write_inputs(args.write_inputs, args.samples, args.dimensions, args.classes)
        return
    if not (args.features and args.labels):
        parser.error("give --features and --labels, or --write-inputs")
    features, labels = np.load(args.features), np.load(args.labels)
    start = time.perf_counter()
    score = logme(features, labels, args.epsilon, args.tolerance, args.max_iterations)
    seconds = time.perf_counter() - start
    print(json.dumps({"score": score, "seconds": seconds,
                      "versions": {"python": sys.version.split()[0], "numpy": np.__version__}}))


if __name__ == "__main__":
    main()
