"""`make bench`, engine part: zoo's inference engine against PyTorch on the CPU, forward passes of
three models at the same thread count; writes a markdown section.

Workloads (random weights, random inputs, fp32, eval mode):
  ResNet-50 (torchvision resnet50()), batch 8 x 3x224x224;
  MobileNetV2 (torchvision mobilenet_v2()), batch 32 x 3x224x224;
  BERT-base uncased (transformers BertModel(BertConfig())), batch 8 x 128 tokens, all-ones mask.
Each side runs as its own process per workload: W warm-up forward passes, then N timed ones, and
prints JSON with the seconds of each timed pass. zoo's side is EngineBench (--zoo-engine-bench; run
with ZOO_THREADS=T), PyTorch's is Benchmarks/engine_peer.py under torch.inference_mode() and
torch.set_num_threads(T); both take the same arguments:
  --model M --batch B [--tokens T] --warmup W --iterations N --threads T
The driver runs R rounds of zoo then PyTorch, and reports from all timed passes the median
per-pass time as items (images or sequences) per second, min and max, the ratio zoo / PyTorch
throughput (goal: at least 0.8), the median peak RSS of each side's process (ru_maxrss), and the
median of zoo's plan_seconds (compiling the plan and loading the weights, outside the passes). It
also records the CPU other processes used meanwhile (/proc/stat), and the section says so when the
machine was not quiet: on 2 cores a build beside the bench slows PyTorch's passes several-fold.

Usage: engine_bench.py --zoo-engine-bench PATH --section-out FILE [--threads T] [--rounds R]
                       [--warmup W] [--iterations N] [--workloads NAME,...]
"""
import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_common import (batch_shape, executable, last_json, machine_load_line, measure_rounds,  # noqa: E402
                          run_workloads, times_line, torch_versions, workload_options, write_section)

PEER = os.path.join(HERE, "engine_peer.py")
GOAL = 0.8  # zoo throughput / PyTorch throughput

# Defaults sized for about 3 minutes in all on 2 cores, PyTorch's start-up (~5 s a process) included.
WORKLOADS = {
    "resnet50": {"label": "ResNet-50", "batch": 8, "tokens": None, "unit": "images", "warmup": 2, "iterations": 4},
    "mobilenet_v2": {"label": "MobileNetV2", "batch": 32, "tokens": None, "unit": "images", "warmup": 1, "iterations": 3},
    "bert_base_uncased": {"label": "BERT-base uncased", "batch": 8, "tokens": 128, "unit": "sequences", "warmup": 1,
                          "iterations": 3},
}


def arguments(model, spec, warmup, iterations, threads):
    argv = ["--model", model, "--batch", str(spec["batch"])]
    if spec["tokens"] is not None:
        argv += ["--tokens", str(spec["tokens"])]
    return argv + ["--warmup", str(warmup), "--iterations", str(iterations), "--threads", str(threads)]


def parse(command, output, model, spec, iterations, threads):
    """The JSON object a side printed, checked against what it was asked to run."""
    result = last_json(command, output)
    expected = {"model": model, "batch": spec["batch"], "tokens": spec["tokens"], "threads": threads}
    wrong = {key: result.get(key) for key, value in expected.items() if result.get(key) != value}
    seconds = result.get("seconds")
    if not isinstance(seconds, list) or len(seconds) != iterations or not all(
            isinstance(s, (int, float)) and not isinstance(s, bool) and s > 0 for s in seconds):
        wrong["seconds"] = seconds
    plan = result.get("plan_seconds")
    if not isinstance(plan, (int, float)) or isinstance(plan, bool) or plan < 0:
        wrong["plan_seconds"] = plan
    if wrong:
        sys.exit(f"{' '.join(command)}: expected {expected}, {iterations} positive seconds and a plan_seconds; got {wrong}")
    return result


def measure(zoo, peer, model, spec, rounds, warmup, iterations, threads):
    """measure_rounds of zoo's and PyTorch's forward passes, with each side's median plan seconds."""
    argv = arguments(model, spec, warmup, iterations, threads)
    commands = {"zoo": [zoo] + argv, "torch": peer + argv}
    summary = measure_rounds(commands, rounds, lambda command, output: parse(command, output, model, spec, iterations, threads),
                             spec["batch"])
    for side in commands:
        summary[side]["plan"] = statistics.median(float(result["plan_seconds"]) for result in summary[side]["results"])
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--zoo-engine-bench", required=True, help="zoo's EngineBench executable")
    parser.add_argument("--section-out", required=True)
    args, chosen = workload_options(parser, WORKLOADS, rounds=3, unit="passes")
    began = time.perf_counter()
    zoo, peer = executable(args.zoo_engine_bench, "--zoo-engine-bench"), [sys.executable, PEER]
    os.environ["ZOO_THREADS"] = str(args.threads)  # zoo's engine takes its thread count from here; EngineBench checks --threads

    rows = run_workloads(chosen, WORKLOADS, args, lambda name, spec, warmup, iterations: measure(
        zoo, peer, name, spec, args.rounds, warmup, iterations, args.threads))

    versions, versions_text = torch_versions(rows)
    facts = next((s["torch"]["last"]["model_facts"] for n, *_, s, _ in rows if n == "bert_base_uncased"), None)
    import_rss = max(s["torch"]["last"]["import_rss_mib"] for *_, s, _ in rows)
    passes = "; ".join(f"{WORKLOADS[n]['label']} {w} + {i}" for n, _, w, i, _, _ in rows)

    lines = [
        "## Engine: forward pass (inference) vs PyTorch CPU",
        "",
        "Written by Benchmarks/engine_bench.py (zoo's side is EngineBench, PyTorch's Benchmarks/engine_peer.py).",
        "",
        f"Each side runs each workload as its own process with {args.threads} threads, doing warm-up forward passes and then",
        f"timed ones, each timed alone ({passes} per process); {args.rounds} rounds of zoo then PyTorch, alternating.",
        "Throughput is the batch over the median of all timed passes, and the ratio zoo throughput / PyTorch throughput",
        f"(above 1: zoo is faster; goal: at least {GOAL}). Peak RSS is the median over the rounds of each process's ru_maxrss;",
        "zoo's plan + load (compiling the plan and loading the weights) is reported apart from the passes.",
        "",
        "| workload | batch | zoo items/s | PyTorch items/s | ratio | zoo peak RSS (MiB) | PyTorch peak RSS (MiB) | zoo plan + load (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, spec, _, _, s, _ in rows:
        lines.append(f"| {spec['label']} ({spec['unit']}/s) | {batch_shape(spec)} | {s['zoo']['throughput']:.2f} | {s['torch']['throughput']:.2f} | "
                     f"{s['ratio']:.2f}× | {s['zoo']['rss']:.0f} | {s['torch']['rss']:.0f} | {s['zoo']['plan']:.2f} |")
    met = [spec["label"] for _, spec, _, _, s, _ in rows if s["ratio"] >= GOAL]
    missed = [f"{spec['label']} ({s['ratio']:.2f}×)" for _, spec, _, _, s, _ in rows if s["ratio"] < GOAL]
    lines += [
        "",
        times_line(rows, "pass"),
        "",
        f"Goal (ratio ≥ {GOAL}): " + (f"met for {', '.join(met)}" if met else "met for none")
        + (f"; missed for {', '.join(missed)}." if missed else "."),
        "",
        machine_load_line(rows, "passes"),
        f"- {versions_text}; `torch.backends.mkldnn.is_available()` = {versions['mkldnn_available']};"
        f" `torch.__config__.parallel_info()`: {versions['parallel_info']}.",
        f"- PyTorch's peak RSS includes its libraries: {import_rss:.0f} MiB right after importing torch and torchvision / transformers.",
        "- Weights and inputs: random, not trained (PyTorch: its default initialisers and `torch.randn` / `torch.randint` inputs"
        " under `torch.manual_seed(0)`; zoo: EngineBench's deterministic pseudo-random weights and patterned inputs); fp32,"
        " NCHW images. The time of a forward pass does not depend on the values, only on there being no denormals or NaNs."
        f" PyTorch: eval mode, `torch.inference_mode()`, `torch.set_num_threads({args.threads})`; zoo: `ZOO_THREADS={args.threads}`.",
    ]
    if facts:
        lines.append(f"- BERT: `BertModel(BertConfig())`, {facts['layers']} layers, hidden {facts['hidden']}, vocabulary {facts['vocab']},"
                     f" {facts['parameters']:,} parameters; all-ones attention mask, token types zero;"
                     f" `attn_implementation` = `{facts['attn_implementation']}` (transformers' default).")
    lines += ["", f"This part of the bench took {time.perf_counter() - began:.0f} s ("
              + ", ".join(f"{spec['label']} {took:.0f} s" for _, spec, _, _, _, took in rows) + ").", ""]
    write_section(args.section_out, lines)


if __name__ == "__main__":
    main()
