"""`make bench`, last step: BENCHMARKS.md = the common header (machine, method) + the sections the
bench scripts wrote with --section-out, in the order given + the sections other targets wrote into the
previous BENCHMARKS.md (KEPT: `make finetune-check`'s, the torchrun export's from `make interop`), kept as
they were (make bench does not rerun them).

Usage: assemble.py --out BENCHMARKS.md [--started EPOCH_SECONDS] SECTION.md ...
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import machine, write_section  # noqa: E402  (stdlib only at import time)

KEPT = [
    "## Fine-tuning on real checkpoints",  # written by make finetune-check (finetune_check/finetune_check.py)
    "## Exported torchrun project",  # from make interop's formats/training/torchrun/equivalence.py
]


def memory():
    try:
        with open("/proc/meminfo") as info:
            kib = next(int(line.split()[1]) for line in info if line.startswith("MemTotal:"))
        return f", {kib / (1 << 20):.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        return ""


def kept_section(path, heading):
    """The section of `path` under `heading`, up to the next `## ` heading, or None."""
    try:
        with open(path) as old:
            text = old.read()
    except OSError:
        return None
    start = text.find(heading)
    if start < 0:
        return None
    end = text.find("\n## ", start + len(heading))
    return text[start:end + 1 if end >= 0 else len(text)].rstrip("\n") + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--started", type=float, help="when `make bench` began (seconds since the epoch)")
    parser.add_argument("sections", nargs="+")
    args = parser.parse_args()
    took = f" The whole run took {time.time() - args.started:.0f} s (the release build not included)." if args.started else ""
    header = [
        "# Benchmarks",
        "",
        "Written by `make bench`: Benchmarks/safetensors_bench.py, checkpoint_bench.py, engine_bench.py, logme_bench.py, cost_bench.py and",
        "training_bench.py each write a section below, Benchmarks/assemble.py this header. Every figure comes from one run of it, zoo",
        "and its peer measured side by side, alternating, on the same machine. Ratios are peer time / zoo time: above 1 means zoo is faster.",
        "",
        f"- Machine: {machine()}{memory()}.",
        "- Method: every workload runs as whole processes (zoo, or a small Swift bench binary, against a Python process),",
        "  warmed up, then N runs alternating zoo / peer (the engine and training sections' own protocols are stated there); medians are",
        "  quoted. Peak RSS is the finished process's",
        "  ru_maxrss (os.wait4). Input files are generated under .build/bench (deterministic values) and read from the",
        "  page cache." + took,
        "",
    ]
    parts = ["\n".join(header)]
    for path in args.sections:
        with open(path) as section:
            parts.append(section.read().rstrip("\n") + "\n")
    parts += [kept for kept in (kept_section(args.out, heading) for heading in KEPT) if kept]
    write_section(args.out, parts)


if __name__ == "__main__":
    main()
