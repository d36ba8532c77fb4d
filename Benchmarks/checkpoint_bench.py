"""`make bench`, second part: zoo against the usual Python libraries on whole-checkpoint work,
side by side, on generated files of real model sizes; writes a markdown section.

Workloads (each run as a whole process, alternating zoo / Python, after one warm-up each, with
the input in the page cache):
  (c) `.pth` -> `.safetensors` for a ResNet-50 and a BERT-base state dict (torch.save, zip format):
      `zoo convert IN OUT` against torch.load(weights_only=True) + safetensors.torch.save_file;
      the outputs are deleted after every run, and compared once (same names, dtypes, shapes, bytes).
  (d) read every tensor of a Keras legacy `.h5` (ResNet-50) and take its CRC-32:
      `zoo inspect FILE --checksum --json` against h5py's ds[()] + zlib.crc32 for every dataset;
      the CRCs are compared once.
  (e) a 4 GB training checkpoint (torch.save of {"model": BERT-large, "optimizer": its Adam state,
      "epoch"}) to a Hugging Face folder: `zoo convert IN OUT --to huggingface --drop-optimizer`,
      with its forward check and with --skip-output-check, against torch.load(weights_only=True)
      + safetensors.torch.save_file of checkpoint["model"]; both zoo outputs are compared once
      with the peer's. --big-runs runs (3) instead of --runs: about 2 minutes on 2 cores, plus about
      1 minute the first time, to generate the file.
For each: median wall time of the whole process, the peer's median work time (after its imports),
the ratio peer / zoo (above 1: zoo is faster), and median peak RSS (ru_maxrss of the finished
process), read against the file's largest tensor.

Usage: checkpoint_bench.py --zoo PATH --section-out FILE [--runs N] [--big-runs N] [--workloads cde] [--dir DIR]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_common import run, write_section  # noqa: E402  (stdlib only at import time)

PEER = os.path.join(HERE, "checkpoint_peer.py")
GENERATOR_VERSION = 1  # bump when the generated files change, so old ones are rebuilt
# "Bounded by the largest tensor plus a small constant": the constant, which must not grow with the
# file. It holds identification's index of every registry model's names (~19 MiB) and, with the
# forward check, its activations and the weight arrays glibc keeps for reuse (~31 MiB).
SMALL_CONSTANT_MIB = 64
MiB = 1 << 20

# The driver imports nothing heavy: a child's peak RSS starts from the image it was forked from.


def resnet50_torch_shapes():
    """torchvision's resnet50().state_dict(): names, shapes and order (25,557,032 learnable
    parameters; 25,610,205 counting BatchNorm running stats and their int64 num_batches_tracked)."""
    entries = [("conv1.weight", (64, 3, 7, 7))]

    def batch_norm(prefix, width):
        for name in ("weight", "bias", "running_mean", "running_var"):
            entries.append((f"{prefix}.{name}", (width,)))
        entries.append((f"{prefix}.num_batches_tracked", ()))

    batch_norm("bn1", 64)
    inplanes = 64
    for layer, (width, blocks) in enumerate(((64, 3), (128, 4), (256, 6), (512, 3)), start=1):
        for block in range(blocks):
            prefix = f"layer{layer}.{block}."
            entries.append((prefix + "conv1.weight", (width, inplanes, 1, 1)))
            batch_norm(prefix + "bn1", width)
            entries.append((prefix + "conv2.weight", (width, width, 3, 3)))
            batch_norm(prefix + "bn2", width)
            entries.append((prefix + "conv3.weight", (width * 4, width, 1, 1)))
            batch_norm(prefix + "bn3", width * 4)
            if block == 0:
                entries.append((prefix + "downsample.0.weight", (width * 4, inplanes, 1, 1)))
                batch_norm(prefix + "downsample.1", width * 4)
            inplanes = width * 4
    entries += [("fc.weight", (1000, 2048)), ("fc.bias", (1000,))]
    return entries


def bert_shapes(layers, hidden, vocabulary=30522):
    """Hugging Face BertModel: bert-base-uncased (12, 768) has 109,482,240 parameters,
    bert-large-uncased (24, 1024) 335,141,888."""
    ffn = 4 * hidden
    entries = [
        ("embeddings.word_embeddings.weight", (vocabulary, hidden)),
        ("embeddings.position_embeddings.weight", (512, hidden)),
        ("embeddings.token_type_embeddings.weight", (2, hidden)),
        ("embeddings.LayerNorm.weight", (hidden,)),
        ("embeddings.LayerNorm.bias", (hidden,)),
    ]
    for layer in range(layers):
        prefix = f"encoder.layer.{layer}."
        for name in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"):
            entries += [(prefix + name + ".weight", (hidden, hidden)), (prefix + name + ".bias", (hidden,))]
        entries += [
            (prefix + "attention.output.LayerNorm.weight", (hidden,)),
            (prefix + "attention.output.LayerNorm.bias", (hidden,)),
            (prefix + "intermediate.dense.weight", (ffn, hidden)),
            (prefix + "intermediate.dense.bias", (ffn,)),
            (prefix + "output.dense.weight", (hidden, ffn)),
            (prefix + "output.dense.bias", (hidden,)),
            (prefix + "output.LayerNorm.weight", (hidden,)),
            (prefix + "output.LayerNorm.bias", (hidden,)),
        ]
    entries += [("pooler.dense.weight", (hidden, hidden)), ("pooler.dense.bias", (hidden,))]
    return entries


def resnet50_keras_layers():
    """keras.applications.ResNet50 as Keras 2 saves it with save_weights('x.h5'): every layer in
    model order, with its weight names (25,636,712 parameters; convolutions carry a bias)."""
    layers = [("input_1", []), ("conv1_pad", [])]

    def conv(name, kh, kw, cin, cout):
        layers.append((name, [(f"{name}/kernel:0", (kh, kw, cin, cout)), (f"{name}/bias:0", (cout,))]))

    def batch_norm(name, width):
        layers.append((name, [(f"{name}/{w}:0", (width,)) for w in ("gamma", "beta", "moving_mean", "moving_variance")]))

    conv("conv1_conv", 7, 7, 3, 64)
    batch_norm("conv1_bn", 64)
    layers += [("conv1_relu", []), ("pool1_pad", []), ("pool1_pool", [])]
    inplanes = 64
    for stage, (width, blocks) in enumerate(((64, 3), (128, 4), (256, 6), (512, 3)), start=2):
        for block in range(1, blocks + 1):
            p = f"conv{stage}_block{block}_"
            conv(p + "1_conv", 1, 1, inplanes, width)
            batch_norm(p + "1_bn", width)
            layers.append((p + "1_relu", []))
            conv(p + "2_conv", 3, 3, width, width)
            batch_norm(p + "2_bn", width)
            layers.append((p + "2_relu", []))
            if block == 1:
                conv(p + "0_conv", 1, 1, inplanes, width * 4)
            conv(p + "3_conv", 1, 1, width, width * 4)
            if block == 1:
                batch_norm(p + "0_bn", width * 4)
            batch_norm(p + "3_bn", width * 4)
            layers += [(p + "add", []), (p + "out", [])]
            inplanes = width * 4
    layers.append(("avg_pool", []))
    layers.append(("predictions", [("predictions/kernel:0", (2048, 1000)), ("predictions/bias:0", (1000,))]))
    return layers


def describe(entries, itemsize_of):
    """(tensor count, parameters, tensor bytes, (largest name, its bytes))."""
    count, parameters, total, largest = 0, 0, 0, ("", -1)
    for name, shape in entries:
        n = 1
        for d in shape:
            n *= d
        size = n * itemsize_of(name)
        count, parameters, total = count + 1, parameters + n, total + size
        if size > largest[1]:
            largest = (name, size)
    return {"tensors": count, "parameters": parameters, "tensor_bytes": total, "largest": list(largest)}


def make_torch(path, entries):
    import torch

    generator = torch.Generator().manual_seed(0)
    state = {}
    for index, (name, shape) in enumerate(entries):
        if name.endswith("num_batches_tracked"):
            state[name] = torch.tensor(1000 + index, dtype=torch.int64)
        elif name.endswith("running_var"):
            state[name] = torch.rand(shape, generator=generator) + 0.5
        else:
            state[name] = torch.randn(shape, generator=generator) * 0.05
    torch.save(state, path + ".tmp")  # zip format, the default
    os.replace(path + ".tmp", path)
    return describe(entries, lambda name: 8 if name.endswith("num_batches_tracked") else 4)


def make_training_checkpoint(path, entries):
    """A fine-tuning run's checkpoint as a training loop saves it with torch.save: {"model":
    model.state_dict(), "optimizer": torch.optim.Adam(...).state_dict() after one step (per parameter
    index: step, exp_avg, exp_avg_sq; then param_groups), "epoch": 1}. Three f32 copies of the model."""
    import torch

    generator = torch.Generator().manual_seed(0)
    parameters = {name: torch.nn.Parameter(torch.randn(shape, generator=generator) * 0.05) for name, shape in entries}
    optimizer = torch.optim.Adam(parameters.values(), lr=2e-5)
    for parameter in parameters.values():
        parameter.grad = parameter.detach() * 1e-3  # any gradient will do: the step fills Adam's moments
    optimizer.step()
    model = {name: parameter.detach() for name, parameter in parameters.items()}
    parameters.clear()
    checkpoint = {"model": model, "optimizer": optimizer.state_dict(), "epoch": 1}
    torch.save(checkpoint, path + ".tmp")
    os.replace(path + ".tmp", path)
    tensors = [("model." + name, tensor) for name, tensor in model.items()]
    tensors += [(f"optimizer.state.{index}.{slot}", tensor)
                for index, slots in checkpoint["optimizer"]["state"].items() for slot, tensor in slots.items()]
    itemsizes = {name: tensor.element_size() for name, tensor in tensors}
    meta = describe([(name, tuple(tensor.shape)) for name, tensor in tensors], itemsizes.__getitem__)
    meta["parameters"] = sum(tensor.numel() for tensor in model.values())
    return meta


def make_keras_h5(path, layers):
    import h5py
    import numpy as np

    rng = np.random.default_rng(0)
    with h5py.File(path + ".tmp", "w") as f:
        f.attrs["layer_names"] = np.array([name.encode() for name, _ in layers])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.15.0"
        for name, weights in layers:
            group = f.create_group(name)
            # Keras writes np.asarray(weight_names): an empty float array for a layer without weights.
            group.attrs["weight_names"] = np.array([w.encode() for w, _ in weights]) if weights else np.asarray([])
            for weight, shape in weights:
                group.create_dataset(weight, data=rng.standard_normal(shape, dtype=np.float32))  # contiguous
    os.replace(path + ".tmp", path)
    return describe([w for _, weights in layers for w in weights], lambda name: 4)


FILES = {
    "resnet50.pth": lambda path: make_torch(path, resnet50_torch_shapes()),
    "bert-base.pth": lambda path: make_torch(path, bert_shapes(12, 768)),
    "resnet50.h5": lambda path: make_keras_h5(path, resnet50_keras_layers()),
    "bert-large-training.pth": lambda path: make_training_checkpoint(path, bert_shapes(24, 1024)),
}


WORKLOAD_FILES = {"c": ["resnet50.pth", "bert-base.pth"], "d": ["resnet50.h5"], "e": ["bert-large-training.pth"]}


def make_file(path):
    """Run in a child process (--make-file): writes the file and PATH.json describing it."""
    meta = FILES[os.path.basename(path)](path)
    meta["version"] = GENERATOR_VERSION
    with open(path + ".json", "w") as out:
        json.dump(meta, out)


def ensure_file(directory, name):
    path = os.path.join(directory, name)
    try:
        with open(path + ".json") as handle:
            meta = json.load(handle)
        if meta.get("version") == GENERATOR_VERSION and os.path.exists(path):
            return path, meta
    except (OSError, ValueError):
        pass
    print("generating", path, flush=True)
    subprocess.run([sys.executable, __file__, "--make-file", path], check=True)
    with open(path + ".json") as handle:
        return path, json.load(handle)


def flush_and_remove(path):
    """fsyncs a finished process's output, a file or each file of a folder (outside its timing), and
    deletes it; returns the fsyncs' seconds: what it would have cost the process to make its output
    durable, as zoo convert does."""
    if not os.path.exists(path):
        return 0.0
    folder = os.path.isdir(path)
    files = [os.path.join(path, name) for name in sorted(os.listdir(path))] if folder else [path]
    start = time.perf_counter()
    for file in files:
        descriptor = os.open(file, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    seconds = time.perf_counter() - start
    shutil.rmtree(path) if folder else os.remove(path)
    return seconds


def compare(commands, runs, verify, outputs=None, stdouts=None):
    """`commands`: side -> command, zoo's sides and "peer", which prints its work seconds last. One
    warm-up each, `verify()` on the warm-ups' results, then `runs` rounds of every side in turn. When
    the sides write files or folders (`outputs`: side -> path), each is fsynced and deleted after its
    process ends. `stdouts`: side -> where its output goes (a pipe by default)."""
    stdout = {side: (stdouts or {}).get(side, subprocess.PIPE) for side in commands}
    outputs = outputs or {}
    for side in commands:
        run(commands[side], stdout[side])
    verify()
    for path in outputs.values():
        flush_and_remove(path)
    rows = {side: [] for side in commands}
    flushes = {side: [] for side in commands}
    for _ in range(runs):
        for side in commands:
            rows[side].append(run(commands[side], stdout[side]))
            if side in outputs:
                flushes[side].append(flush_and_remove(outputs[side]))
    summary = {}
    for side, results in rows.items():
        summary[side] = {
            "wall": statistics.median(wall for _, wall, _ in results),
            "rss": statistics.median(rss for _, _, rss in results),
            "spread": (min(w for _, w, _ in results), max(w for _, w, _ in results)),
            "fsync": statistics.median(flushes[side]) if flushes[side] else None,
        }
    works = [float(out.split()[-1]) for out, _, _ in rows["peer"]]
    summary["peer"]["work"] = statistics.median(works)
    if flushes["peer"]:
        summary["peer"]["work_fsync"] = statistics.median(w + f for w, f in zip(works, flushes["peer"]))
    return summary


def floor(command, runs=5):
    results = [run(command) for _ in range(runs + 1)][1:]
    return statistics.median(w for _, w, _ in results), statistics.median(r for _, _, r in results)


def mib(n):
    return f"{n / MiB:.1f} MiB"


def read_h5_workload(zoo, python, path, runs):
    """(d): a row (label, file name, summary)."""
    zoo_json = path + ".zoo-checksum.json"

    def verify():
        with open(zoo_json, "w") as out:
            run([zoo, "inspect", path, "--checksum", "--json"], stdout=out)
        print(run([python, PEER, "h5-verify", path, zoo_json])[0].strip(), flush=True)

    summary = compare({"zoo": [zoo, "inspect", path, "--checksum", "--json"], "peer": [python, PEER, "h5-crc", path]}, runs,
                      verify, stdouts={"zoo": subprocess.DEVNULL})
    label = "(d) ResNet-50 Keras `.h5`: read every tensor + CRC-32"
    print(label, summary, flush=True)
    return label, os.path.basename(path), summary


def training_checkpoint_workload(zoo, python, path, directory, runs):
    """(e): two rows, zoo with and without its forward check, against the same peer runs."""
    name = os.path.basename(path)
    outputs = {"zoo": os.path.join(directory, name + ".zoo-hf"), "zoo-unchecked": os.path.join(directory, name + ".zoo-hf-unchecked"),
               "peer": os.path.join(directory, name + ".peer.safetensors")}

    def to_huggingface(output, *flags):
        return [zoo, "convert", path, output, "--to", "huggingface", "--drop-optimizer", *flags]

    commands = {"zoo": to_huggingface(outputs["zoo"]), "zoo-unchecked": to_huggingface(outputs["zoo-unchecked"], "--skip-output-check"),
                "peer": [python, PEER, "convert", path, outputs["peer"], "model"]}

    def verify():
        for side in ("zoo", "zoo-unchecked"):
            print(run([python, PEER, "same-safetensors", os.path.join(outputs[side], "model.safetensors"), outputs["peer"]])[0].strip(), flush=True)

    summary = compare(commands, runs, verify, outputs=outputs)
    identify_rss = floor([zoo, "identify", path], runs)[1]
    print("(e)", summary, "identify RSS", identify_rss, flush=True)
    label = "(e) BERT-large training checkpoint → Hugging Face folder"
    check = summary["zoo"]["rss"] - summary["zoo-unchecked"]["rss"]
    return [(label, name, {"zoo": summary["zoo"], "peer": summary["peer"],
                           "note": f"The forward check adds {check:.0f} MiB to the run without it: the activations of its"
                                   " 2 × 128-token passes, freed weight arrays glibc keeps for reuse, and the file pages in flight."}),
            (label + ", `--skip-output-check`", name, {"zoo": summary["zoo-unchecked"], "peer": summary["peer"],
             "note": f"Identifying the file is part of the constant: `zoo identify` alone peaks at {identify_rss:.0f} MiB,"
                     " most of the rest over start-up being zoo's index of every registry model's names."})]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--make-file", help=argparse.SUPPRESS)
    parser.add_argument("--zoo", default=".build/release/zoo")
    parser.add_argument("--section-out", required=False)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--big-runs", type=int, default=3, help="runs of (e), the multi-GB workload")
    parser.add_argument("--workloads", default="cde", help="which of (c), (d), (e) to run (all by default)")
    parser.add_argument("--dir", default=".build/bench")
    args = parser.parse_args()
    if args.make_file:
        return make_file(args.make_file)
    if not args.section_out:
        parser.error("--section-out is required")
    began = time.perf_counter()
    os.makedirs(args.dir, exist_ok=True)
    zoo, python = os.path.abspath(args.zoo), sys.executable

    versions = subprocess.run(
        [python, "-c", "import sys, torch, safetensors, h5py, numpy; print(sys.version.split()[0], torch.__version__, "
         "safetensors.__version__, h5py.__version__, h5py.version.hdf5_version, numpy.__version__)"],
        check=True, stdout=subprocess.PIPE).stdout.decode().split()
    files = {name: ensure_file(args.dir, name) for workload in args.workloads for name in WORKLOAD_FILES[workload]}

    floors = {
        "true": floor(["/bin/true"]),
        "zoo": floor([zoo, "--version"]),
        "torch": floor([python, "-c", "import safetensors.torch, torch"]),
        "h5py": floor([python, "-c", "import h5py, zlib"]),
    }

    rows = []
    for label, name in (("(c) ResNet-50 `.pth` → `.safetensors`", "resnet50.pth"), ("(c) BERT-base `.pth` → `.safetensors`", "bert-base.pth")):
        if name not in files:
            continue
        path, meta = files[name]
        out_zoo = os.path.join(args.dir, name + ".zoo.safetensors")
        out_peer = os.path.join(args.dir, name + ".peer.safetensors")

        def verify(out_zoo=out_zoo, out_peer=out_peer):
            print(run([python, PEER, "same-safetensors", out_zoo, out_peer])[0].strip(), flush=True)

        summary = compare({"zoo": [zoo, "convert", path, out_zoo], "peer": [python, PEER, "convert", path, out_peer]}, args.runs,
                          verify, outputs={"zoo": out_zoo, "peer": out_peer})
        rows.append((label, name, summary))
        print(label, summary, flush=True)

    if "resnet50.h5" in files:
        rows.append(read_h5_workload(zoo, python, files["resnet50.h5"][0], args.runs))
    if "bert-large-training.pth" in files:
        rows += training_checkpoint_workload(zoo, python, files["bert-large-training.pth"][0], args.dir, args.big_runs)

    py, torch_version, safetensors_version, h5py_version, hdf5_version, numpy_version = versions
    lines = [
        f"## Checkpoint conversion and reading: zoo vs PyTorch {torch_version} + `safetensors` {safetensors_version}, h5py {h5py_version}",
        "",
        "Written by Benchmarks/checkpoint_bench.py (the peer's side is Benchmarks/checkpoint_peer.py).",
        "",
        f"- Peers: Python {py}, torch {torch_version}, safetensors {safetensors_version}, h5py {h5py_version} (HDF5 {hdf5_version}), numpy {numpy_version}.",
        "- (c) `zoo convert IN.pth OUT.safetensors` against a Python process doing",
        "  `safetensors.torch.save_file(torch.load(IN, map_location=\"cpu\", weights_only=True), OUT)`. zoo streams tensor",
        "  by tensor into a temporary file, fsyncs it and renames it into place; `save_file` builds the whole file in memory",
        "  and writes OUT in place, without fsync. After every run the driver fsyncs the output (outside the process's",
        "  timing) and deletes it; \"peer work + fsync\" adds that fsync to the peer's work time, the like-for-like figure",
        "  against zoo's durable write (a lower bound: writeback may start before it). The same fsync after zoo finds little",
        "  left to write: median " + ", ".join(f"{s['zoo']['fsync'] * 1e3:.1f} ms ({label.split(' ', 1)[1]})" for label, _, s in rows
                                           if s["zoo"]["fsync"] is not None) + ".",
        "  Once, after the warm-ups, both outputs were checked to hold the same tensors (names, dtypes, shapes and bytes).",
        "- (d) `zoo inspect FILE.h5 --checksum --json > /dev/null` (reads every tensor, CRC-32 with zlib) against a Python",
        "  process that opens the file with h5py and, for every dataset, reads it (`ds[()]`) and takes `zlib.crc32` of it.",
        "  Once, after the warm-ups, zoo's CRCs were checked against Python's, tensor by tensor.",
        "- (e) A fine-tuning checkpoint as a training loop saves it — `torch.save({\"model\": …, \"optimizer\": …, \"epoch\": 1})`,",
        "  BERT-large's weights and its Adam state after one step, 4 GB — to a Hugging Face folder:",
        "  `zoo convert IN OUT --to huggingface --drop-optimizer` identifies the model under `model.`, maps and streams its",
        "  391 tensors to a staging folder (the 1,173 optimizer tensors dropped; config.json written), re-reads the staged",
        "  file to check every tensor's CRC-32, runs the source and the written model forward on a fixed batch (2 × 128",
        "  tokens) to check they compute the same function, then renames the folder into place. With `--skip-output-check`",
        "  it does all but the forward passes. The peer does `save_file(torch.load(IN, map_location=\"cpu\",",
        "  weights_only=True)[\"model\"], OUT)`: it reads the whole file, optimizer state included, and has no check.",
        "  Outputs and fsyncs as in (c); both zoo outputs were checked once against the peer's, tensor by tensor.",
        f"- {args.runs} runs of each after a warm-up ({args.big_runs} for (e)), zoo and peer alternating; medians. Inputs are in the page cache; outputs",
        f"  go to the same disk ({args.dir}). \"Peer work\" is the Python process's time after its imports, as it reports it;",
        "  zoo's start-up is small enough (below) that its whole-process time is its work time.",
        f"- Start-up floors, measured the same way: `zoo --version` {floors['zoo'][0] * 1e3:.1f} ms, {floors['zoo'][1]:.0f} MiB; "
        f"`python -c \"import safetensors.torch, torch\"` {floors['torch'][0] * 1e3:.0f} ms, {floors['torch'][1]:.0f} MiB; "
        f"`python -c \"import h5py, zlib\"` {floors['h5py'][0] * 1e3:.0f} ms, {floors['h5py'][1]:.0f} MiB; `/bin/true` {floors['true'][1]:.0f} MiB.",
        "",
        "Files (generated, deterministic values; names and shapes as torchvision's `resnet50()`, Hugging Face's",
        "`BertModel` for bert-base-uncased and bert-large-uncased, and Keras 2's `ResNet50().save_weights('x.h5')`;",
        "parameters are the model's, tensors all the file holds):",
        "",
        "| file | format | tensors | parameters | file size | largest tensor |",
        "|---|---|---|---|---|---|",
    ]
    formats = {"resnet50.pth": "torch.save (zip), f32 + int64 `num_batches_tracked`", "bert-base.pth": "torch.save (zip), f32",
               "resnet50.h5": "Keras legacy HDF5, contiguous f32 datasets",
               "bert-large-training.pth": "torch.save (zip) of model, Adam state (`exp_avg`, `exp_avg_sq`, `step`), epoch; f32"}
    for name, (path, meta) in files.items():
        largest_name, largest_bytes = meta["largest"]
        lines.append(f"| {name} | {formats[name]} | {meta['tensors']} | {meta['parameters']:,} | {mib(os.path.getsize(path))} | "
                     f"{mib(largest_bytes)} (`{largest_name}`) |")
    lines += [
        "",
        "| workload | zoo whole process | peer whole process | ratio | peer work | ratio | peer work + fsync | ratio | zoo peak RSS | peer peak RSS | largest tensor / file |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    for label, name, s in rows:
        z, p = s["zoo"], s["peer"]
        path, meta = files[name]
        largest = meta["largest"][1] / MiB
        lines.append(
            f"| {label} | {z['wall'] * 1e3:.0f} ms | {p['wall'] * 1e3:.0f} ms | {p['wall'] / z['wall']:.2f}× | "
            f"{p['work'] * 1e3:.0f} ms | {p['work'] / z['wall']:.2f}× | "
            + (f"{p['work_fsync'] * 1e3:.0f} ms | {p['work_fsync'] / z['wall']:.2f}× | " if "work_fsync" in p else "— | — | ")
            + f"{z['rss']:.0f} MiB | {p['rss']:.0f} MiB | {largest:.1f} MiB / {mib(os.path.getsize(path))} |")
        excess = z["rss"] - floors["zoo"][1] - largest
        follows_file = z["rss"] - floors["zoo"][1] >= 0.8 * os.path.getsize(path) / MiB
        verdicts.append((label, z["rss"], largest, excess, excess <= SMALL_CONSTANT_MIB, follows_file, s.get("note")))
    lines += [
        "",
        "Ratios are peer / zoo, each against zoo's whole process: above 1 means zoo is faster. The whole-process ratio",
        "for (c) mostly measures `import torch` (floor above); the work ratios compare the conversion itself. Min–max of the whole-process times: "
        + "; ".join(f"{label.split(' ', 1)[1]}: zoo {s['zoo']['spread'][0] * 1e3:.0f}–{s['zoo']['spread'][1] * 1e3:.0f} ms, "
                    f"peer {s['peer']['spread'][0] * 1e3:.0f}–{s['peer']['spread'][1] * 1e3:.0f} ms" for label, _, s in rows) + ".",
        "",
        f"Memory goal: zoo's peak RSS bounded by the largest tensor plus a small constant (here: at most {SMALL_CONSTANT_MIB} MiB",
        f"above zoo's own start-up RSS of {floors['zoo'][1]:.0f} MiB plus the largest tensor).",
        "",
    ]
    for label, rss, largest, excess, met, follows_file, note in verdicts:
        lines.append(f"- {label}: {rss:.0f} MiB = start-up {floors['zoo'][1]:.0f} + largest tensor {largest:.1f} "
                     f"{'+' if excess >= 0 else '−'} {abs(excess):.1f} MiB: "
                     + ("**meets the goal**." if met else f"**misses the goal** by {excess - SMALL_CONSTANT_MIB:.1f} MiB.")
                     + (" Its RSS above start-up is close to the whole file: the pages of the file it has read stay in its"
                        " resident set (counted in RSS though clean and reclaimable) instead of being dropped tensor by tensor."
                        if follows_file and not met else "")
                     + (" " + note if note else ""))
    lines += ["", f"This part of the bench took {time.perf_counter() - began:.0f} s (file generation included when it ran).", ""]
    write_section(args.section_out, lines)


if __name__ == "__main__":
    main()
