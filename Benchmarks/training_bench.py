"""`make bench`, training part: zoo's training engine against PyTorch on the CPU, training steps at
the same thread count, and the cost model's predicted step seconds against zoo's measured ones;
writes a markdown section.

Workloads (random weights, random inputs, fp32, dropout off, cross-entropy, an AdamW step in each
step):
  MobileNetV2, batch 32 × 3×224×224: the full fine-tune step; the top stages + head (stem and
      stages 1–3 frozen, stages 4–5 and the classifier trained); the head alone on cached features;
  MiniLM-L6 (minilm_l6_h384), batch 32 × 128 tokens: full; the top 2 layers (+ pooler and head);
  BERT-base uncased, batch 16 × 128 tokens: the full step; and the forward pass (inference, as
      engine_bench.py times it: EngineBench without --train against engine_peer.py).
zoo's side is EngineBench --train (run with ZOO_THREADS=T), PyTorch's Benchmarks/training_peer.py
(torch.set_num_threads(T)); both take
  --model M --batch B [--tokens T] --warmup W --iterations N --threads T --train --frozen K
  [--cached] --optimizer adamw
and print JSON with the seconds of each timed step. The driver runs R rounds of zoo then PyTorch per
workload and reports, from all timed steps: throughput (examples per second over the median step),
the ratio zoo / PyTorch, each side's peak RSS (median over the rounds), and each side's share of the
machine's ceiling: T × this machine's single-thread sgemm speed (torch.mm of 1024² float32 matrices on
one thread, the fastest of 20, measured at the start of the same run by training_peer.py --sgemm),
against the step's useful work as zoo's FreezePlan counts it (2 × the multiply-accumulates of the
forward pass, only the trained suffix's on cached features, and of the weight and input gradients).
It checks that both sides train the same freeze groups and the same number of parameters.

zoo's side also reports the activation memory of its training plan (activations, gradients and
scratch of the trained suffix, as the buffer planner laid them out) against FreezePlan's estimate of
the activations a backward pass stores, and the cost model's predicted step seconds (`zoo calibrate
--force` first, in a private ZOO_CACHE_DIR: forward and backward probes) against the measured ones,
split into forward, backward and optimizer (zoo's profile of the plan's steps).

Usage: training_bench.py --zoo PATH --zoo-engine-bench PATH --section-out FILE [--threads T]
                         [--rounds R] [--warmup W] [--iterations N] [--workloads NAME,...]
"""
import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_common import (batch_shape, calibrate, executable, last_json, machine_load_line, measure_rounds, run,  # noqa: E402
                          run_workloads, times_line, torch_versions, workload_options, write_section)
from engine_bench import measure as measure_forward  # noqa: E402

PEER = os.path.join(HERE, "training_peer.py")
FORWARD_PEER = os.path.join(HERE, "engine_peer.py")

# Goals of issue 18: zoo / PyTorch throughput.
MOBILENET_GOAL, ENCODER_GOAL, FORWARD_GOAL = 2.0, 1.2, 1.2

# Defaults sized for about 10 minutes on 2 cores (a BERT-base step takes seconds on either side).
WORKLOADS = {
    "mobilenet_v2_full": {"label": "MobileNetV2, full fine-tune step", "model": "mobilenet_v2", "batch": 32, "tokens": None,
                          "frozen": 0, "cached": False, "unit": "images", "goal": MOBILENET_GOAL, "warmup": 1, "iterations": 3},
    "mobilenet_v2_top": {"label": "MobileNetV2, top stages + head", "model": "mobilenet_v2", "batch": 32, "tokens": None,
                         "frozen": 4, "cached": False, "unit": "images", "goal": MOBILENET_GOAL, "warmup": 1, "iterations": 3},
    "mobilenet_v2_head_cached": {"label": "MobileNetV2, head on cached features", "model": "mobilenet_v2", "batch": 32,
                                 "tokens": None, "frozen": 6, "cached": True, "unit": "images", "goal": MOBILENET_GOAL,
                                 "warmup": 3, "iterations": 20},
    "minilm_full": {"label": "MiniLM-L6, full", "model": "minilm_l6_h384", "batch": 32, "tokens": 128, "frozen": 0,
                    "cached": False, "unit": "sequences", "goal": ENCODER_GOAL, "warmup": 1, "iterations": 3},
    "minilm_top2": {"label": "MiniLM-L6, top 2 layers", "model": "minilm_l6_h384", "batch": 32, "tokens": 128, "frozen": 5,
                    "cached": False, "unit": "sequences", "goal": ENCODER_GOAL, "warmup": 1, "iterations": 3},
    "bert_base_full": {"label": "BERT-base, full step", "model": "bert_base_uncased", "batch": 16, "tokens": 128, "frozen": 0,
                       "cached": False, "unit": "sequences", "goal": ENCODER_GOAL, "warmup": 1, "iterations": 2},
    "bert_base_forward": {"label": "BERT-base, forward pass", "model": "bert_base_uncased", "batch": 16, "tokens": 128,
                          "forward": True, "unit": "sequences", "goal": FORWARD_GOAL, "warmup": 1, "iterations": 3},
}


def arguments(spec, warmup, iterations, threads):
    argv = ["--model", spec["model"], "--batch", str(spec["batch"])]
    if spec["tokens"] is not None:
        argv += ["--tokens", str(spec["tokens"])]
    argv += ["--warmup", str(warmup), "--iterations", str(iterations), "--threads", str(threads),
             "--train", "--frozen", str(spec["frozen"]), "--optimizer", "adamw"]
    return argv + (["--cached"] if spec["cached"] else [])


def parse(command, output, spec, iterations, threads):
    """The JSON object a side printed, checked against what it was asked to run."""
    result = last_json(command, output)
    expected = {"model": spec["model"], "batch": spec["batch"], "tokens": spec["tokens"], "threads": threads, "mode": "train",
                "frozen_groups": spec["frozen"], "cached": spec["cached"], "optimizer": "adamw"}
    wrong = {key: result.get(key) for key, value in expected.items() if result.get(key) != value}
    for key in ("seconds", "optimizer_seconds"):
        values = result.get(key)
        if not isinstance(values, list) or len(values) != iterations or not all(
                isinstance(s, (int, float)) and not isinstance(s, bool) and s >= 0 for s in values):
            wrong[key] = values
    if wrong:
        sys.exit(f"{' '.join(command)}: expected {expected} and {iterations} seconds; got {wrong}")
    return result


def measure(zoo, peer, spec, rounds, warmup, iterations, threads):
    """measure_rounds of zoo's and PyTorch's training steps, with each side's median optimizer seconds;
    exits when the two train different groups or numbers of parameters."""
    argv = arguments(spec, warmup, iterations, threads)
    commands = {"zoo": [zoo] + argv + ["--profile", "--predict"], "torch": peer + argv}
    summary = measure_rounds(commands, rounds, lambda command, output: parse(command, output, spec, iterations, threads),
                             spec["batch"])
    zoo_result, torch_result = summary["zoo"]["last"], summary["torch"]["last"]
    for key in ("trained_groups", "trainable_parameters"):
        if zoo_result[key] != torch_result[key]:
            sys.exit(f"{spec['label']}: zoo and PyTorch train different things: {key} {zoo_result[key]} against {torch_result[key]}")
    for side in commands:
        summary[side]["optimizer"] = statistics.median(
            float(s) for result in summary[side]["results"] for s in result["optimizer_seconds"])
    return summary


def sgemm_ceiling(threads):
    command = [sys.executable, PEER, "--sgemm"]
    result = last_json(command, run(command)[0])
    return result, threads * result["gflops"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--zoo", required=True, help="zoo's executable (for `zoo calibrate`)")
    parser.add_argument("--zoo-engine-bench", required=True, help="zoo's EngineBench executable")
    parser.add_argument("--section-out", required=True)
    args, chosen = workload_options(parser, WORKLOADS, rounds=2, unit="steps")
    began = time.perf_counter()
    zoo, bench = executable(args.zoo, "--zoo"), executable(args.zoo_engine_bench, "--zoo-engine-bench")
    os.environ["ZOO_THREADS"] = str(args.threads)
    os.environ["ZOO_CACHE_DIR"] = os.path.join(os.path.dirname(os.path.abspath(args.section_out)), "training-cost-cache")

    sgemm, ceiling = sgemm_ceiling(args.threads)
    print(f"ceiling: {args.threads} × {sgemm['gflops']:.1f} GFLOP/s single-thread sgemm = {ceiling:.1f} GFLOP/s", flush=True)
    calibration = calibrate(zoo, args.threads)
    print(f"calibration: {calibration['seconds']:.1f} s", flush=True)

    def measure_workload(_, spec, warmup, iterations):
        if spec.get("forward"):
            forward_spec = {"batch": spec["batch"], "tokens": spec["tokens"]}
            summary = measure_forward(bench, [sys.executable, FORWARD_PEER], spec["model"], forward_spec, args.rounds, warmup,
                                      iterations, args.threads)
            summary["work"] = summary["zoo"]["last"]["forward_macs"]
        else:
            summary = measure(bench, [sys.executable, PEER], spec, args.rounds, warmup, iterations, args.threads)
            summary["work"] = summary["zoo"]["last"]["forward_macs"] + summary["zoo"]["last"]["backward_macs"]
        for side in ("zoo", "torch"):
            summary[side]["ceiling"] = 2 * summary["work"] / summary[side]["median"] / 1e9 / ceiling
        return summary

    rows = run_workloads(chosen, WORKLOADS, args, measure_workload)

    def trained(spec, summary):
        if spec.get("forward"):
            return "— (inference)"
        groups = summary["zoo"]["last"]["trained_groups"]
        text = ", ".join(groups) if len(groups) <= 4 else f"all {len(groups)} groups"
        return text + (" (cached features)" if spec["cached"] else "")

    _, versions_text = torch_versions(rows)
    passes = "; ".join(f"{spec['label']} {w} + {i}" for _, spec, w, i, _, _ in rows)
    import_rss = max(s["torch"]["last"]["import_rss_mib"] for *_, s, _ in rows)
    lines = [
        "## Training: steps vs PyTorch CPU",
        "",
        "Written by Benchmarks/training_bench.py (zoo's side is EngineBench --train, PyTorch's Benchmarks/training_peer.py;"
        " the forward pass as in the engine section, against Benchmarks/engine_peer.py).",
        "",
        f"Each side runs each workload as its own process with {args.threads} threads: warm-up steps, then timed ones ({passes} per"
        f" process); {args.rounds} rounds of zoo then PyTorch, alternating. A step is the forward pass, cross-entropy, the backward"
        " pass and an AdamW update, with dropout off; frozen groups run in inference mode (batch-norm on running statistics)"
        " and get no gradients, on both sides, which train the same groups and the same number of parameters (checked)."
        " Throughput is the batch over the median of all timed steps; ratio = zoo throughput / PyTorch throughput (above 1: zoo"
        " is faster). Peak RSS is the median of each process's ru_maxrss. Share of the ceiling: the step's work as zoo's"
        " FreezePlan counts it (2 × multiply-accumulates of the forward pass, the trained suffix's only on cached features,"
        " and of the weight and input gradients) per second, over the machine's ceiling: "
        f"{args.threads} threads × {sgemm['gflops']:.1f} GFLOP/s single-thread sgemm (torch.mm, {sgemm['size']}² float32, fastest"
        f" of {sgemm['repeats']}, measured in this run) = {ceiling:.0f} GFLOP/s.",
        "",
        "| workload | batch | trained | zoo items/s | PyTorch items/s | ratio (goal) | zoo peak RSS (MiB) | PyTorch peak RSS (MiB) |"
        " zoo % of ceiling | PyTorch % of ceiling |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for _, spec, _, _, s, _ in rows:
        met = "✓" if s["ratio"] >= spec["goal"] else "✗"
        lines.append(f"| {spec['label']} ({spec['unit']}/s) | {batch_shape(spec)} | {trained(spec, s)} | {s['zoo']['throughput']:.2f} |"
                     f" {s['torch']['throughput']:.2f} | {s['ratio']:.2f}× (≥ {spec['goal']}× {met}) | {s['zoo']['rss']:.0f} |"
                     f" {s['torch']['rss']:.0f} | {100 * s['zoo']['ceiling']:.1f}% | {100 * s['torch']['ceiling']:.1f}% |")
    missed_rss = [spec["label"] for _, spec, _, _, s, _ in rows if s["zoo"]["rss"] > s["torch"]["rss"]]
    lines += [
        "",
        times_line(rows, "step"),
        "",
        "Peak RSS goal (zoo at most PyTorch's): " + (f"missed for {', '.join(missed_rss)}." if missed_rss else "met for every workload."),
    ]

    trained_rows = [(spec, s) for _, spec, _, _, s, _ in rows if not spec.get("forward")]
    if trained_rows:
        lines += [
            "",
            "### Training activation memory against FreezePlan's estimate",
            "",
            "zoo's training plan lays the trained suffix's activations, their gradients and the kernels' scratch out together"
            " (the buffer planner, one clock for the forward and the backward steps); FreezePlan estimates the activations a"
            " backward pass stores (the outputs of every node on the backward path, attention's probabilities, the values read"
            " from outside the path), which is what the advisor's memory estimate uses. The frozen prefix's inference buffers"
            " are apart (and freed between steps' reuse), as are weights, gradients of parameters and optimizer state.",
            "",
            "| workload | zoo plan's activations + gradients (MiB) | FreezePlan's stored activations (MiB) | plan / estimate |",
            "|---|---:|---:|---:|",
        ]
        def mib(count):
            return f"{count / 2**20:.0f}" if count >= 10 * 2**20 else f"{count / 2**20:.2f}"

        for spec, s in trained_rows:
            last = s["zoo"]["last"]
            measured, estimated = last["activation_bytes"], last["estimated_activation_bytes"]
            ratio = f"{measured / estimated:.2f}" if estimated else "—"
            lines.append(f"| {spec['label']} | {mib(measured)} | {mib(estimated)} | {ratio} |")
        speeds, backward = calibration["throughput"], calibration["backward"]
        kinds = (("convolution", "convolution", "G MAC/s"), ("depthwise_convolution", "depthwise", "G MAC/s"),
                 ("linear", "linear", "G MAC/s"), ("attention", "attention", "G MAC/s"), ("memory_bound", "element-wise", "G elements/s"))
        lines += [
            "",
            "### Cost model: predicted against measured training steps",
            "",
            f"`zoo calibrate` ({calibration['seconds']:.1f} s, {args.threads} threads) measured, forward / backward: "
            + ", ".join(f"{label} {speeds[key] / 1e9:.1f} / {backward[key] / 1e9:.1f} {unit}" for key, label, unit in kinds)
            + ". The backward figures divide the weight- and input-gradient work FreezePlan counts (`backwardMACsPerNode`;"
            " elements once per gradient for element-wise nodes) by the training plan's backward seconds on the same layer"
            " shapes; the cost model prices each node's backward work at them (no longer 2× the forward's). Predicted: the"
            " advisor's CostEstimate for the same model, freeze depth, batch and input (forward, or the trained suffix's on"
            " cached features, + backward + AdamW); measured: zoo's median step, and its parts from the plan's profile (forward"
            " = the frozen prefix and the forward steps; backward = the backward steps and the zeroing of gradient buffers;"
            " the loss is in neither). Within ×f: predicted / measured in [1/f, f], f the model's stated uncertainty.",
            "",
            "| workload | predicted s | measured s | predicted / measured | within ×f | forward pred / meas (s) |"
            " backward pred / meas (s) | optimizer pred / meas (s) |",
            "|---|---:|---:|---:|---|---:|---:|---:|",
        ]
        for spec, s in trained_rows:
            last = s["zoo"]["last"]
            predicted, factor = last["predicted_seconds"], last["uncertainty_factor"]
            ratio = predicted / s["zoo"]["median"]
            phases = [statistics.median(r["measured_phases"][p] for r in s["zoo"]["results"]) for p in ("forward", "backward", "optimizer")]
            parts = " | ".join(f"{last['predicted_phases'][p]:.3f} / {m:.3f}" for p, m in zip(("forward", "backward", "optimizer"), phases))
            lines.append(f"| {spec['label']} | {predicted:.3f} | {s['zoo']['median']:.3f} | {ratio:.2f} |"
                         f" {'yes' if 1 / factor <= ratio <= factor else 'no'} (×{factor:g}) | {parts} |")

    if trained_rows:
        lines += [
            "",
            "Where zoo's step time goes (the training plan's profile, seconds per step by phase and step kind, the largest"
            " first, over the last round's timed steps; `prefix` is the frozen prefix's inference pass, `optimizer` the AdamW"
            " update):",
            "",
        ]
        for spec, s in trained_rows:
            last = s["zoo"]["last"]
            steps = len(last["seconds"])
            parts = {kind: seconds / steps for kind, seconds in last["profile"].items()}
            parts["optimizer"] = sum(last["optimizer_seconds"]) / steps
            total = statistics.median(last["seconds"])
            top = sorted(parts.items(), key=lambda item: -item[1])[:5]
            lines.append(f"- {spec['label']} ({total:.3f} s a step): "
                         + ", ".join(f"{kind} {seconds:.3f} s ({seconds / total:.0%})" for kind, seconds in top) + ".")

    lines += [
        "",
        machine_load_line(rows, "steps"),
        f"- {versions_text}; sgemm probe: {sgemm['parallel_info']}. PyTorch: `torch.set_num_threads({args.threads})`,"
        " AdamW with its CPU defaults (the single-tensor loop), `zero_grad(set_to_none=True)`; zoo: `ZOO_THREADS="
        f"{args.threads}`, its AdamW (torch's single-tensor arithmetic) and `ParameterStore.zeroGradients()`.",
        f"- PyTorch's peak RSS includes its libraries: {import_rss:.0f} MiB right after importing torch and torchvision /"
        " transformers.",
        "- Models: torchvision `mobilenet_v2(dropout=0.0)` (1000 classes); transformers `BertForSequenceClassification` from"
        " `BertConfig` (2 labels, every dropout 0): BERT-base's defaults, and MiniLM-L6-H384 (6 layers, hidden 384, 12 heads,"
        " intermediate 1536); all-ones attention mask. zoo: the registry's graphs with a fresh head of the same size"
        " (`RegisteredModel.build`), random weights. Top stages + head freezes the stem and stages 1–3 (features.0–6) and"
        " trains features.7–18 and the classifier; top 2 layers freezes the embeddings and layers 0–3. Head on cached"
        " features: the classifier alone on the pooled 1280-vector, computed once per process, untimed.",
        "",
        f"This part of the bench took {time.perf_counter() - began:.0f} s (" + ", ".join(
            f"{spec['label']} {took:.0f} s" for _, spec, _, _, _, took in rows) + ").",
        "",
    ]
    write_section(args.section_out, lines)


if __name__ == "__main__":
    main()
