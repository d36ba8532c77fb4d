"""`make bench`: zoo against the Python `safetensors` package, side by side, on a generated
~1 GB safetensors file (a BERT-large-like set of f32 tensors), writing BENCHMARKS.md.

Workloads (each run as a whole process, alternating zoo / Python, after one warm-up each, with
the file in the page cache):
  (a) open the file and read one 4 MiB tensor from its middle;
  (b) read every tensor and checksum it (wrapping sum of 64-bit words).
For each: median wall time of the whole process, median time of the work inside the process
(after interpreter start-up and imports), the ratio Python / zoo (above 1: zoo is faster), and
peak RSS (ru_maxrss of the finished process). The machine's memcpy bandwidth is the physical
limit for (b).

Usage: safetensors_bench.py --zoo-bench PATH (--out BENCHMARKS.md | --section-out FILE) [--runs N]
  --out writes a whole BENCHMARKS.md; --section-out writes just this bench's section, for
  Benchmarks/assemble.py to put under the common header (what `make bench` does).
"""
import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_common import machine, run, write_section  # noqa: E402  (stdlib only at import time)

PROBE = "encoder.layer.10.attention.self.query.weight"


def make_file(path):
    """~1.1 GB: a 30522×1024 embedding and 20 transformer layers at hidden size 1024. Run in a
    child process (--make-file), so this driver stays small: a child's peak RSS counts the image
    it was forked from."""
    import numpy as np
    from safetensors.numpy import save_file

    hidden, ffn = 1024, 4096
    tensors = {"embeddings.word_embeddings.weight": np.full((30522, hidden), 0.5, np.float32)}
    for layer in range(20):
        prefix = f"encoder.layer.{layer}."
        for name in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"):
            tensors[prefix + name + ".weight"] = np.full((hidden, hidden), layer + 1, np.float32)
            tensors[prefix + name + ".bias"] = np.zeros(hidden, np.float32)
        tensors[prefix + "intermediate.dense.weight"] = np.full((ffn, hidden), 0.25, np.float32)
        tensors[prefix + "intermediate.dense.bias"] = np.zeros(ffn, np.float32)
        tensors[prefix + "output.dense.weight"] = np.full((hidden, ffn), 2.0, np.float32)
        tensors[prefix + "output.dense.bias"] = np.zeros(hidden, np.float32)
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            tensors[prefix + norm + ".weight"] = np.ones(hidden, np.float32)
            tensors[prefix + norm + ".bias"] = np.zeros(hidden, np.float32)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    save_file(tensors, path + ".tmp", metadata={"format": "pt"})
    os.replace(path + ".tmp", path)


def compare(zoo, peer, runs):
    results = {"zoo": [], "python": []}
    for command in (zoo, peer):  # warm-up: page cache, dynamic loader, Python bytecode cache
        run(command)
    for _ in range(runs):
        for side, command in (("zoo", zoo), ("python", peer)):
            output, wall, rss = run(command)
            results[side].append((output.split(), wall, rss))
    answers = {side: {tuple(fields[:1]) for fields, _, _ in rows} for side, rows in results.items()}
    if len(answers["zoo"] | answers["python"]) != 1:
        sys.exit(f"zoo and Python disagree: {answers}")
    summary = {}
    for side, rows in results.items():
        summary[side] = {
            "wall": statistics.median(wall for _, wall, _ in rows),
            "work": statistics.median(float(fields[1]) for fields, _, _ in rows),
            "rss": statistics.median(rss for _, _, rss in rows),
            "spread": (min(w for _, w, _ in rows), max(w for _, w, _ in rows)),
        }
    return summary


def numpy_version():
    import numpy
    return numpy.__version__


def tensor_count(path):
    from safetensors import safe_open
    with safe_open(path, framework="numpy") as f:
        return len(list(f.keys()))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--make-file", help=argparse.SUPPRESS)
    parser.add_argument("--zoo-bench")
    parser.add_argument("--out")
    parser.add_argument("--section-out")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--file", default=".build/bench/bench.safetensors")
    args = parser.parse_args()
    if args.make_file:
        return make_file(args.make_file)
    if not (args.zoo_bench and (args.out or args.section_out)):
        parser.error("--zoo-bench and --out or --section-out are required")

    if not os.path.exists(args.file):
        subprocess.run([sys.executable, __file__, "--make-file", args.file], check=True)
    size = os.path.getsize(args.file)
    peer = [sys.executable, os.path.join(HERE, "safetensors_peer.py")]
    memcpy = float(run([args.zoo_bench, "memcpy", "1024"])[0].split()[0])
    floor = statistics.median(run(["/bin/true"])[2] for _ in range(5))
    import safetensors
    rows = []
    for label, mode in (("(a) open + read one 4 MiB tensor", ["open-one", args.file, PROBE]), ("(b) read every tensor + checksum", ["read-all", args.file])):
        summary = compare([args.zoo_bench] + mode, peer + mode, args.runs)
        rows.append((label, summary))
        print(label, summary, flush=True)

    header = [
        "# Benchmarks",
        "",
        "Written by `make bench` (Benchmarks/safetensors_bench.py); every figure below comes from one run of it,",
        "zoo and its peer measured side by side, alternating, on the same machine. Ratios are peer time / zoo time:",
        "above 1 means zoo is faster.",
        "",
    ]
    lines = [
        "## safetensors read: zoo vs Python `safetensors` " + safetensors.__version__ + " (numpy " + numpy_version() + ")",
        "",
        f"- Machine: {machine()}.",
        f"- File: {size / 1e9:.2f} GB generated safetensors, {tensor_count(args.file)} f32 tensors, in the page cache.",
        f"- Physical limit: memcpy {memcpy:.1f} GB/s on this machine (best of 5, 1 GiB, one thread); reading {size / 1e9:.2f} GB at that rate takes {size / memcpy / 1e9 * 1e3:.0f} ms.",
        f"- {args.runs} runs of each after a warm-up; medians. \"Whole process\" includes start-up (Python's imports);",
        "  \"work\" is the time inside the process after start-up, as each side reports it.",
        "- Peak RSS counts file pages a process has mapped and touched, as well as memory it allocated. zoo drops a",
        "  tensor's pages from its resident set once it has checksummed it (as `zoo convert` does once a tensor is written);",
        f"  Python keeps the map and copies each tensor. The harness floor (`/bin/true`, measured the same way) is {floor:.0f} MiB.",
        "",
        "| workload | zoo whole process | Python whole process | ratio | zoo work | Python work | work ratio | zoo peak RSS | Python peak RSS |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, s in rows:
        z, p = s["zoo"], s["python"]
        lines.append(
            f"| {label} | {z['wall'] * 1e3:.1f} ms | {p['wall'] * 1e3:.1f} ms | {p['wall'] / z['wall']:.2f}× | "
            f"{z['work'] * 1e3:.1f} ms | {p['work'] * 1e3:.1f} ms | {p['work'] / z['work']:.2f}× | {z['rss']:.0f} MiB | {p['rss']:.0f} MiB |")
    z = rows[1][1]["zoo"]
    lines += [
        "",
        f"Read-all throughput: zoo {size / z['work'] / 1e9:.2f} GB/s of work time, {size / z['work'] / 1e9 / memcpy:.2f}× the memcpy rate. "
        "A copy reads and writes every byte on one thread; zoo only reads, in place from the map, on two threads, "
        "so it can pass the memcpy rate. Python's `get_tensor` copies each tensor into a new numpy array before it is summed.",
        "",
    ]
    for path, text in ((args.out, header + lines), (args.section_out, lines)):
        if path:
            write_section(path, text)


if __name__ == "__main__":
    main()
