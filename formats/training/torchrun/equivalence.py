"""`make interop`'s check of `zoo export --to torchrun` (issue 20): the exported PyTorch project trains what
`zoo finetune` trains.

1. Equivalence, on the real MobileNetV2 (stage5 and the head trained, batch-norm frozen, a linear probe first)
   and the real all-MiniLM-L6-v2 (layers 4–5, pooler and head): `zoo finetune --equivalence` and the exported
   `train.py --equivalence` under `torchrun --nproc_per_node 1`, `--nproc_per_node 2` (gloo, CPU) and as two
   torchrun "nodes" on this machine joined by a c10d rendezvous on 127.0.0.1 (MiniLM also with 3 processes, which
   do not divide its batch of 16, in micro-batches of 5). Every step's loss (probe and
   fine-tune) within 1e-4 relative of zoo's; every weight after the first fine-tune step within 1e-5 of zoo's
   (zoo's side: the same plan stopped after one step, whose schedule factor at step 0 is the same). PyTorch
   against itself (1 against 2 processes) is printed as the floor that float rounding sets.
2. Resume: the MiniLM project in normal mode (DistributedSampler, dropout) killed by SIGKILL once a
   checkpoint exists, then `--resume`: the same losses and weights as the run never stopped.
3. A real run: the MobileNetV2 LP-FT plan (mobilenet_v2-real.plan.json: 2 epochs per phase) in normal mode on
   3,000 Fashion-MNIST training images, 2 processes: test accuracy within 1 point of zoo finetune's on the same
   1,000 test images; zoo evaluate reads the model folder train.py wrote.

    python formats/training/torchrun/equivalence.py ZOO ROTTEN_TOMATOES_TRAIN_CSV [--parts 1,2,3]   # exit 1 on a failed check
"""
import argparse
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
from safetensors.numpy import load_file

HERE = pathlib.Path(__file__).parent
ROOT = HERE.parents[2]
FMNIST = "/usr/share/datasets/fashion-mnist"
MOBILENET = str(ROOT / "assets/torch/mobilenet_v2-b0353104.pth")
MINILM = str(ROOT / "assets/all-MiniLM-L6-v2/model.safetensors")
failures = []


def check(condition, what):
    print(("  ✓ " if condition else "  ✗ ") + what, flush=True)
    if not condition:
        failures.append(what)


def run(command, **options):
    result = subprocess.run(command, capture_output=True, text=True, **options)
    if result.returncode != 0:
        sys.exit(f"{' '.join(map(str, command))} exited {result.returncode}:\n{result.stderr[-3000:]}")
    return result


def torchrun(project, arguments, processes=1, threads=1, nodes=1, port=29531, launcher=False):
    """Runs the project's train.py under torchrun: one node of `processes` (through the project's launch.sh with
    `launcher`), or `nodes` nodes of 1 joined by c10d."""
    environment = dict(os.environ, OMP_NUM_THREADS=str(threads), TF_CPP_MIN_LOG_LEVEL="3",
                       PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    base = [sys.executable, "-m", "torch.distributed.run"]
    script = ["train.py", "--threads", str(threads)] + arguments
    if launcher:
        return run(["./launch.sh", "--nproc", str(processes), "--threads", str(threads)] + arguments, cwd=project, env=environment)
    if nodes == 1:
        return run(base + ["--standalone", "--nproc_per_node", str(processes)] + script, cwd=project, env=environment)
    launched = [subprocess.Popen(base + ["--nnodes", str(nodes), "--nproc_per_node", "1", "--rdzv_backend", "c10d",
                                         "--rdzv_endpoint", f"127.0.0.1:{port}", "--rdzv_id", f"zoo-{port}"] + script,
                                 cwd=project, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(nodes)]
    for process in launched:
        _, errors = process.communicate(timeout=1800)
        if process.returncode != 0:
            sys.exit(f"a torchrun node exited {process.returncode}:\n{errors[-3000:]}")


def losses(folder):
    return [(r["phase"], r["loss"]) for r in json.load(open(f"{folder}/report.json"))["seeds"][0]["losses"]]


def worst_relative(a, b):
    if [p for p, _ in a] != [p for p, _ in b]:
        return float("inf")
    return max(abs(x - y) / max(abs(x), 1e-12) for (_, x), (_, y) in zip(a, b))


def weight_distance(a, b):
    first, second = load_file(a), load_file(b)
    if set(first) != set(second):
        return float("inf"), 0.0
    floats = [name for name in first if first[name].dtype.kind == "f"]
    return max(float(np.abs(first[n].astype(np.float64) - second[n]).max()) for n in floats), len(floats)


def zoo_finetune(zoo, plan, data, weights, output, *extra):
    run([zoo, "finetune", "--plan", plan, "--data", data, "--weights", weights, "--output", output, "--quiet", "--no-cache", *extra])


def equivalence(zoo, work, name, plan, data, weights, limits, uneven=False):
    print(f"{name}: zoo finetune --equivalence against train.py --equivalence", flush=True)
    project = f"{work}/{name}-project"
    run([zoo, "export", "--plan", plan, "--to", "torchrun", "--data", data, "--weights", weights, "--output", project, "--quiet", *limits])
    zoo_finetune(zoo, plan, data, weights, f"{work}/{name}-zoo", "--equivalence", *limits)
    one_step = json.load(open(plan))
    one_step["schedule"]["steps"] = 1
    json.dump(one_step, open(f"{work}/{name}-1.plan.json", "w"))
    zoo_finetune(zoo, f"{work}/{name}-1.plan.json", data, weights, f"{work}/{name}-zoo-1", "--equivalence", *limits)
    expected = losses(f"{work}/{name}-zoo")
    runs = {"1 process": dict(processes=1, threads=2), "2 processes (launch.sh)": dict(processes=2, launcher=True),
            "2 nodes (c10d on 127.0.0.1)": dict(nodes=2)}
    if uneven:
        # 3 ranks share a batch of 16 as 6 + 5 + 5, each in micro-batches of at most 5 (no_sync).
        runs["3 processes, --micro-batch 5"] = dict(processes=3, extra=["--micro-batch", "5"])
    for label, shape in runs.items():
        output = f"{work}/{name}-torch-{label.split()[0]}{label.split()[1][0]}"
        extra = shape.pop("extra", [])
        torchrun(project, ["--equivalence", "--output", output, "--save-steps", "1"] + extra, **shape)
        got = losses(output)
        worst = worst_relative(expected, got)
        check(worst <= 1e-4, f"{label}: {len(got)} step losses within {worst:.1e} relative of zoo's (≤ 1e-4)")
        distance, count = weight_distance(f"{work}/{name}-zoo-1/model/model.safetensors", f"{output}/step-1/model.safetensors")
        check(distance <= 1e-5, f"{label}: the {count} weight tensors after the first step within {distance:.1e} of zoo's (≤ 1e-5)")
    floor = worst_relative(losses(f"{work}/{name}-torch-1p"), losses(f"{work}/{name}-torch-2p"))
    print(f"  PyTorch against itself (1 against 2 processes): {floor:.1e} relative", flush=True)
    return project


def resume(work, project):
    print("resume: train.py killed by SIGKILL after a checkpoint, then --resume", flush=True)
    whole = f"{work}/resume-whole"
    torchrun(project, ["--output", whole], processes=2)
    killed = f"{work}/resume-killed"
    environment = dict(os.environ, OMP_NUM_THREADS="1", TF_CPP_MIN_LOG_LEVEL="3")
    process = subprocess.Popen([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "train.py",
                                "--threads", "1", "--output", killed, "--checkpoint-every", "10"],
                               cwd=project, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 900
    while not os.path.exists(f"{killed}/checkpoint.pt") and process.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    check(os.path.exists(f"{killed}/checkpoint.pt") and not os.path.exists(f"{killed}/report.json"), "killed mid-run with a checkpoint on disk")
    torchrun(project, ["--resume", killed], processes=2)
    check(losses(killed) == losses(whole), "the resumed run's losses equal the uninterrupted run's, bit for bit")
    distance, _ = weight_distance(f"{killed}/model/model.safetensors", f"{whole}/model/model.safetensors")
    check(distance == 0, f"the resumed run's weights equal the uninterrupted run's (max difference {distance})")


def real_run(zoo, work):
    print("real run: the MobileNetV2 LP-FT plan, 2 epochs per phase on 3,000 Fashion-MNIST images, zoo finetune against train.py on 2 processes", flush=True)
    plan = str(HERE / "mobilenet_v2-real.plan.json")
    limits = ["--limit", "3000", "--evaluation-limit", "1000"]
    project = f"{work}/real-project"
    run([zoo, "export", "--plan", plan, "--to", "torchrun", "--data", FMNIST, "--weights", MOBILENET, "--output", project, "--quiet", *limits])
    started = time.time()
    zoo_finetune(zoo, plan, FMNIST, MOBILENET, f"{work}/real-zoo", *limits)
    zoo_seconds = time.time() - started
    started = time.time()
    torchrun(project, ["--output", f"{work}/real-torch"], processes=2)
    torch_seconds = time.time() - started
    zoo_report, torch_report = json.load(open(f"{work}/real-zoo/report.json")), json.load(open(f"{work}/real-torch/report.json"))
    mine, theirs = zoo_report["test"]["accuracy"], torch_report["test"]["accuracy"]
    zoo_rss = zoo_report["resources"]["peak_resident_bytes"] / 2 ** 20
    torch_rss = [b / 2 ** 20 for b in torch_report["resources"]["peak_rss_bytes"]]
    print("  | side | test accuracy | wall s | ratio (train.py / zoo) | peak RSS MiB |")
    print(f"  | zoo finetune, 2 threads | {mine:.2%} | {zoo_seconds:.0f} | 1 | {zoo_rss:.0f} |")
    print(f"  | train.py, torchrun 2 processes × 1 thread | {theirs:.2%} | {torch_seconds:.0f} | {torch_seconds / zoo_seconds:.2f} | "
          + " + ".join(f"{r:.0f}" for r in torch_rss) + " |", flush=True)
    check(abs(mine - theirs) <= 0.01, f"test accuracy {theirs:.3f} (train.py, {torch_seconds:.0f} s) within 1 point of zoo's {mine:.3f} ({zoo_seconds:.0f} s)")
    # The model folder train.py wrote is one zoo reads: zoo evaluate gives PyTorch's test accuracy (a borderline example or two may flip).
    evaluated = json.loads(run([zoo, "evaluate", f"{work}/real-torch/model", "--data", FMNIST, "--json", "--quiet", *limits[2:]]).stdout)
    accuracy = evaluated["metrics"]["accuracy"]
    check(abs(accuracy - theirs) <= 0.002, f"zoo evaluate on train.py's model/: test accuracy {accuracy:.3f}, PyTorch's {theirs:.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("zoo")
    parser.add_argument("rotten_tomatoes")
    parser.add_argument("--parts", default="1,2,3")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    zoo = os.path.abspath(args.zoo)
    with tempfile.TemporaryDirectory() as work:
        if "1" in parts or "2" in parts:
            minilm = equivalence(zoo, work, "minilm", str(HERE / "minilm-equivalence.plan.json"), args.rotten_tomatoes, MINILM,
                                 ["--limit", "800", "--evaluation-limit", "200"], uneven=True) if "1" in parts else None
            if "1" in parts:
                equivalence(zoo, work, "mobilenet_v2", str(HERE / "mobilenet_v2-equivalence.plan.json"), FMNIST, MOBILENET,
                            ["--limit", "800", "--evaluation-limit", "200"])
            if "2" in parts:
                if minilm is None:
                    minilm = f"{work}/minilm-project"
                    run([zoo, "export", "--plan", str(HERE / "minilm-equivalence.plan.json"), "--to", "torchrun", "--data", args.rotten_tomatoes,
                         "--weights", MINILM, "--output", minilm, "--quiet", "--limit", "800", "--evaluation-limit", "200"])
                resume(work, minilm)
        if "3" in parts:
            real_run(zoo, work)
    if failures:
        print(f"{len(failures)} failed: " + "; ".join(failures))
        sys.exit(1)
    print("all torchrun checks passed")


if __name__ == "__main__":
    main()
