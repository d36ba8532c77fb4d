"""`make bench`, LogME part: `zoo score --features F.npy --labels y.npy` against a NumPy implementation
of the same algorithm (Benchmarks/logme_peer.py), both as whole processes; writes a markdown section.

Workload: N samples × D features (float32 .npy, default 2000 × 2048) and C classes (int64 .npy,
default 10), generated once under .build/bench/logme by the peer (Gaussian noise, +2 in the
feature of the sample's class, seed 0). zoo runs `score --features … --labels … --json
--resamples 0` (one LogME, no bootstrap: the peer computes one too); the peer prints its score and
the seconds of LogME alone. Before timing, both scores must agree to 1e-6. Then W warm-up runs per
side and R rounds of zoo then NumPy, alternating; reported: the median process wall time, min and
max, the ratio NumPy / zoo, the median peak RSS (ru_maxrss) of each side's process, and the peer's
in-process LogME seconds (what its Python start-up and file reading leave). Both sides take their
BLAS thread count from OPENBLAS_NUM_THREADS (set to --threads; NumPy's wheel bundles OpenBLAS).

Usage: logme_bench.py --zoo PATH --section-out FILE [--samples N] [--dimensions D] [--classes C]
                      [--rounds R] [--warmup W] [--threads T]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_common import executable, last_json, run, write_section  # noqa: E402  (stdlib only at import time)

PEER = os.path.join(HERE, "logme_peer.py")
AGREEMENT = 1e-6


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--zoo", required=True, help="zoo's executable (release build)")
    parser.add_argument("--section-out", required=True)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--dimensions", type=int, default=2048)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    if args.rounds < 1 or args.warmup < 0:
        parser.error("--rounds must be at least 1, --warmup at least 0")
    zoo = executable(args.zoo, "--zoo")
    began, load_before = time.perf_counter(), os.getloadavg()[0]
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)

    folder = os.path.join(".build", "bench", "logme", f"{args.samples}x{args.dimensions}x{args.classes}")
    features, labels = os.path.join(folder, "features.npy"), os.path.join(folder, "labels.npy")
    if not (os.path.exists(features) and os.path.exists(labels)):
        os.makedirs(folder, exist_ok=True)
        subprocess.run([sys.executable, PEER, "--write-inputs", folder, "--samples", str(args.samples),
                        "--dimensions", str(args.dimensions), "--classes", str(args.classes)], check=True)
    commands = {
        "zoo": [zoo, "score", "--features", features, "--labels", labels, "--json", "--resamples", "0"],
        "numpy": [sys.executable, PEER, "--features", features, "--labels", labels],
    }

    sides = {side: {"wall": [], "rss": [], "results": []} for side in commands}
    for round_index in range(args.warmup + args.rounds):
        for side, command in commands.items():
            output, wall, rss = run(command)
            result = last_json(command, output)
            if round_index >= args.warmup:
                sides[side]["wall"].append(wall)
                sides[side]["rss"].append(rss)
            sides[side]["results"].append(result)
    zoo_score = sides["zoo"]["results"][-1]["ranking"][0]["score"]["score"]
    numpy_score = sides["numpy"]["results"][-1]["score"]
    if abs(zoo_score - numpy_score) > AGREEMENT:
        sys.exit(f"LogME differs: zoo {zoo_score!r}, NumPy {numpy_score!r} (more than {AGREEMENT})")
    summary = {side: {"median": statistics.median(d["wall"]), "min": min(d["wall"]), "max": max(d["wall"]),
                      "rss": statistics.median(d["rss"])} for side, d in sides.items()}
    inside = statistics.median(r["seconds"] for r in sides["numpy"]["results"][args.warmup:])
    ratio = summary["numpy"]["median"] / summary["zoo"]["median"]
    versions = sides["numpy"]["results"][-1]["versions"]
    z, n = summary["zoo"], summary["numpy"]
    print(f"LogME {args.samples}×{args.dimensions}, {args.classes} classes: zoo {z['median']:.3f} s, NumPy {n['median']:.3f} s "
          f"(LogME alone {inside:.3f} s), ratio {ratio:.2f}, RSS zoo {z['rss']:.0f} MiB / NumPy {n['rss']:.0f} MiB; "
          f"scores {zoo_score:.9f} / {numpy_score:.9f}", flush=True)

    lines = [
        "## Advisor: LogME vs NumPy",
        "",
        "Written by Benchmarks/logme_bench.py (NumPy's side is Benchmarks/logme_peer.py, the same algorithm written from",
        "shared/ADVISOR-EVIDENCE.md §2: float64, eigen-decomposition of the smaller Gram matrix, the fixed point per class",
        "column vectorised over the singular values, the full log-determinant).",
        "",
        f"Features {args.samples} × {args.dimensions} (float32 .npy), {args.classes} classes; each side is a whole process reading",
        f"the two .npy files and computing one LogME (zoo: `zoo score --features … --labels … --json --resamples 0`, no",
        f"bootstrap). {args.warmup} warm-up run(s) per side, then {args.rounds} rounds of zoo then NumPy, alternating;",
        f"`OPENBLAS_NUM_THREADS={args.threads}` for both. Ratio = NumPy time / zoo time (above 1: zoo is faster).",
        "",
        "| workload | zoo (s) | NumPy (s) | ratio | zoo peak RSS (MiB) | NumPy peak RSS (MiB) |",
        "|---|---|---|---|---|---|",
        f"| LogME, N = {args.samples}, D = {args.dimensions}, C = {args.classes} | {z['median']:.3f} ({z['min']:.3f}–{z['max']:.3f}) | "
        f"{n['median']:.3f} ({n['min']:.3f}–{n['max']:.3f}) | {ratio:.2f}× | {z['rss']:.0f} | {n['rss']:.0f} |",
        "",
        f"- Both give LogME = {zoo_score:.9f} (zoo) and {numpy_score:.9f} (NumPy): they agree to {abs(zoo_score - numpy_score):.1e}.",
        f"- NumPy's LogME alone, inside its process (after Python's start-up and reading the files): median {inside:.3f} s.",
        f"- NumPy {versions['numpy']}, Python {versions['python']}. Times are process wall times, medians (min–max).",
        f"- Machine load (1-minute load average, {os.cpu_count()} cores): {load_before:.2f} before the bench, "
        f"{os.getloadavg()[0]:.2f} after (its own processes included)"
        + (": **other work was running before it started; rerun on an idle machine.**" if load_before > 0.5 else "."),
        "",
        f"This part of the bench took {time.perf_counter() - began:.0f} s.",
        "",
    ]
    write_section(args.section_out, lines)


if __name__ == "__main__":
    main()
