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
import json
import os
import resource
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from checkpoint_bench import run  # noqa: E402  (stdlib only at import time)

PEER = os.path.join(HERE, "engine_peer.py")
GOAL = 0.8  # zoo throughput / PyTorch throughput
QUIET = 0.05  # other processes' CPU use, as a share of the cores, above which the section says the machine was busy

# The driver imports nothing heavy: a child's peak RSS starts from the image it was forked from.
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
    text = output.strip()
    try:
        result = json.loads(text)
    except ValueError:
        lines = [line for line in text.splitlines() if line.startswith("{")]
        try:
            result = json.loads(lines[-1])
        except (IndexError, ValueError):
            sys.exit(f"{command[0]}: no JSON object on stdout: {text[-500:]!r}")
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


def busy_cpu_seconds():
    """CPU seconds every process on the machine has used since boot (/proc/stat), or None."""
    try:
        with open("/proc/stat") as stat:
            user, nice, system, _idle, _iowait, irq, softirq = [int(x) for x in stat.readline().split()[1:8]]
    except (OSError, ValueError):
        return None
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_alone(command):
    """run(command) plus the CPU seconds other processes used meanwhile (None where unknown):
    on a machine this size, a build beside the bench slows both sides far more than it would
    a single-threaded job."""
    busy, own = busy_cpu_seconds(), children_cpu_seconds()
    output, wall, rss = run(command)
    after = busy_cpu_seconds()
    foreign = None if busy is None or after is None else max(0.0, after - busy - (children_cpu_seconds() - own))
    return output, wall, rss, foreign


def measure(zoo, peer, model, spec, rounds, warmup, iterations, threads):
    """`rounds` rounds of zoo then PyTorch, each a fresh process; per side: every timed pass's
    seconds, each process's peak RSS (MiB), plan seconds and parsed JSON, wall seconds and the
    CPU seconds other processes used meanwhile."""
    argv = arguments(model, spec, warmup, iterations, threads)
    commands = {"zoo": [zoo] + argv, "torch": peer + argv}
    sides = {side: {"seconds": [], "rss": [], "plan": [], "results": [], "wall": 0.0, "foreign": 0.0} for side in commands}
    for _ in range(rounds):
        for side, command in commands.items():
            output, wall, rss, foreign = run_alone(command)
            result = parse(command, output, model, spec, iterations, threads)
            sides[side]["wall"] += wall
            if foreign is None or sides[side]["foreign"] is None:
                sides[side]["foreign"] = None
            else:
                sides[side]["foreign"] += foreign
            sides[side]["seconds"] += [float(s) for s in result["seconds"]]
            sides[side]["rss"].append(rss)
            sides[side]["plan"].append(float(result["plan_seconds"]))
            sides[side]["results"].append(result)
    summary = {}
    for side, data in sides.items():
        median = statistics.median(data["seconds"])
        summary[side] = {
            "median": median, "min": min(data["seconds"]), "max": max(data["seconds"]),
            "throughput": spec["batch"] / median, "rss": statistics.median(data["rss"]),
            "plan": statistics.median(data["plan"]), "last": data["results"][-1],
            "wall": data["wall"], "foreign": data["foreign"],
        }
    summary["ratio"] = summary["torch"]["median"] / summary["zoo"]["median"]
    return summary


def load(side):
    """Other processes' CPU seconds per second of this side's processes, as a share of the cores."""
    if side["foreign"] is None:
        return None
    return side["foreign"] / side["wall"] / (os.cpu_count() or 1)


def load_text(summary):
    zoo, torch = load(summary["zoo"]), load(summary["torch"])
    if zoo is None or torch is None:
        return "unknown (no /proc/stat)"
    return f"zoo {zoo:.0%}, PyTorch {torch:.0%}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--zoo-engine-bench", required=True, help="zoo's EngineBench executable")
    parser.add_argument("--section-out", required=True)
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="for both sides (default: os.cpu_count())")
    parser.add_argument("--rounds", type=int, default=3, help="zoo / PyTorch process pairs per workload (default 3)")
    parser.add_argument("--warmup", type=int, help="warm-up passes per process (default: per workload, 1 or 2)")
    parser.add_argument("--iterations", type=int, help="timed passes per process (default: per workload, 3 or 4)")
    parser.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated subset of " + ", ".join(WORKLOADS))
    args = parser.parse_args()
    chosen = [name for name in args.workloads.split(",") if name]
    if not chosen or any(name not in WORKLOADS for name in chosen):
        parser.error(f"--workloads: choose from {', '.join(WORKLOADS)}")
    if args.rounds < 1 or (args.iterations is not None and args.iterations < 1) or (args.warmup is not None and args.warmup < 0):
        parser.error("--rounds and --iterations must be at least 1, --warmup at least 0")
    began = time.perf_counter()
    zoo, peer = os.path.abspath(args.zoo_engine_bench), [sys.executable, PEER]
    if not (os.path.isfile(zoo) and os.access(zoo, os.X_OK)):
        sys.exit(f"--zoo-engine-bench: {zoo} is not an executable file (`swift build -c release` builds EngineBench)")
    os.environ["ZOO_THREADS"] = str(args.threads)  # zoo's engine takes its thread count from here; EngineBench checks --threads

    rows = []
    for name in chosen:
        spec = WORKLOADS[name]
        warmup = spec["warmup"] if args.warmup is None else args.warmup
        iterations = spec["iterations"] if args.iterations is None else args.iterations
        started = time.perf_counter()
        summary = measure(zoo, peer, name, spec, args.rounds, warmup, iterations, args.threads)
        took = time.perf_counter() - started
        rows.append((name, spec, warmup, iterations, summary, took))
        print(f"{spec['label']}: zoo {summary['zoo']['throughput']:.2f} {spec['unit']}/s, torch "
              f"{summary['torch']['throughput']:.2f} {spec['unit']}/s, ratio {summary['ratio']:.2f}, "
              f"RSS zoo {summary['zoo']['rss']:.0f} MiB / torch {summary['torch']['rss']:.0f} MiB, {took:.0f} s, "
              f"other processes' CPU use: {load_text(summary)}", flush=True)

    versions = {}
    for *_, summary, _ in rows:  # torchvision and transformers are imported only by the workloads that use them
        versions.update(summary["torch"]["last"]["versions"])
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
        batch = f"{spec['batch']} × {spec['tokens']} tokens" if spec["tokens"] else f"{spec['batch']} × 3×224×224"
        lines.append(f"| {spec['label']} ({spec['unit']}/s) | {batch} | {s['zoo']['throughput']:.2f} | {s['torch']['throughput']:.2f} | "
                     f"{s['ratio']:.2f}× | {s['zoo']['rss']:.0f} | {s['torch']['rss']:.0f} | {s['zoo']['plan']:.2f} |")
    met = [spec["label"] for _, spec, _, _, s, _ in rows if s["ratio"] >= GOAL]
    missed = [f"{spec['label']} ({s['ratio']:.2f}×)" for _, spec, _, _, s, _ in rows if s["ratio"] < GOAL]
    busy = [spec["label"] for _, spec, _, _, s, _ in rows if max(load(s["zoo"]) or 0, load(s["torch"]) or 0) > QUIET]
    lines += [
        "",
        "Per-pass time, median (min–max): " + "; ".join(
            f"{spec['label']}: zoo {s['zoo']['median'] * 1e3:.0f} ms ({s['zoo']['min'] * 1e3:.0f}–{s['zoo']['max'] * 1e3:.0f}), "
            f"PyTorch {s['torch']['median'] * 1e3:.0f} ms ({s['torch']['min'] * 1e3:.0f}–{s['torch']['max'] * 1e3:.0f})"
            for _, spec, _, _, s, _ in rows) + ".",
        "",
        f"Goal (ratio ≥ {GOAL}): " + (f"met for {', '.join(met)}" if met else "met for none")
        + (f"; missed for {', '.join(missed)}." if missed else "."),
        "",
        f"- Machine load: other processes' CPU use while the measured processes ran, as a share of the {os.cpu_count()} cores: "
        + "; ".join(f"{spec['label']} {load_text(s)}" for _, spec, _, _, s, _ in rows) + "."
        + (f" **The machine was not quiet during {', '.join(busy)}: those passes were slowed by other work (both sides,"
           " unevenly); rerun on an idle machine.**" if busy else ""),
        f"- PyTorch {versions['torch']}"
        + (f", torchvision {versions['torchvision']}" if "torchvision" in versions else "")
        + (f", transformers {versions['transformers']}" if "transformers" in versions else "")
        + f", Python {versions['python']}; `torch.backends.mkldnn.is_available()` = {versions['mkldnn_available']};"
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
    with open(args.section_out, "w") as out:
        out.write("\n".join(lines))
    print("wrote", args.section_out)


if __name__ == "__main__":
    main()
