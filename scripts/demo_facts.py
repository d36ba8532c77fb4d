#!/usr/bin/env python3
"""The demo's headlines: reads what zoo printed with --json (files in the demo's output folder) and
prints one line per result, or exits 1 saying what did not hold. Standard library only."""
import json
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def tensors(path, ignore=()):
    """(name, dtype, shape, crc32) of every tensor of `zoo inspect --checksum --json`'s one file."""
    report = load(path)[0]
    return sorted((t["name"], t["dtype"], tuple(t["shape"]), t["crc32"]) for t in report["tensors"] if t["name"] not in ignore)


def same(a, b, what, *ignore):
    left, right = tensors(a, ignore), tensors(b, ignore)
    if left != right:
        differing = sorted(set(left) ^ set(right))[:3]
        sys.exit(f"✗ {what}: tensors differ, e.g. {differing}")
    note = f" (but {', '.join(ignore)}, which the target rebuilds)" if ignore else ""
    print(f"  ✓ {what}: all {len(left)} tensors bit-identical{note}")


def identified(*paths):
    for path in paths:
        best = load(path)["best"]
        prefix = f", under '{best['prefix']}'" if best.get("prefix") else ""
        head = f"{best['classes']}-way head" if best.get("classes") else "no head"
        name = load(path)["file"].rstrip("/").split("/")[-1]
        print(f"  {name:34} {best['model']} in {best['convention']} names, {head}{prefix}")


def top_vs_pytorch(run_json, reference_json):
    """zoo run's top-1 per photo against the committed PyTorch reference (formats/engine)."""
    reference = load(reference_json)["images"]
    worst = 0.0
    parts = []
    for entry in load(run_json)["entries"]:
        photo = entry["input"].split("/")[-1]
        ours, theirs = entry["top"], reference[photo]["top5"]
        if [t["label"] for t in ours[:5]] != [t["label"] for t in theirs]:
            sys.exit(f"✗ {photo}: top-5 {[t['label'] for t in ours[:5]]} but PyTorch's {[t['label'] for t in theirs]}")
        worst = max(worst, max(abs(a["probability"] - b["probability"]) for a, b in zip(ours, theirs)))
        parts.append(f"{photo} → {ours[0]['label']} {ours[0]['probability']:.3f}")
    print(f"  ✓ MobileNetV2: {'; '.join(parts)} — PyTorch's top-5, probabilities within {worst:.0e}")


def embedding_vs_transformers(run_json, reference_json):
    """The first sentence's embedding against transformers' (mean pooling, then Normalize)."""
    entry = load(run_json)["entries"][0]
    reference = load(reference_json)["normalized"]["first"]
    difference = max(abs(a - b) for a, b in zip(entry["embedding"], reference))
    if difference > 1e-5:
        sys.exit(f"✗ MiniLM: embedding differs from transformers' by {difference:.1e}")
    pooling = load(run_json).get("pooling", "mean")
    print(f"  ✓ MiniLM: '{entry['input']}' → {len(entry['embedding'])}-d, norm {entry['embedding_norm']:.3f} ({pooling}),"
          f" within {difference:.0e} of transformers'")


def top1(run_json, what):
    entry = load(run_json)["entries"][0]
    best = entry["top"][0]
    print(f"  {what}: {entry['input'].split('/')[-1]} → {best['label']} {best['probability']:.3f}")


def conversion(convert_json, what):
    report = load(convert_json)
    outputs = report.get("outputs") or {}
    difference = outputs.get("max_absolute_difference")
    check = f", outputs within {difference:.0e} of the source's" if difference is not None else ""
    carried = report.get("carried_files")
    extra = f", {len(carried)} tokenizer/sentence-transformers files carried" if carried else ""
    print(f"  ✓ {what}: {report['tensors']} tensors{check}{extra}")


def different_function(convert_json, what):
    """A target that computes another function: written only when asked, with the difference measured."""
    report = load(convert_json)
    outputs = report["outputs"]
    differences = ", ".join(report.get("target_differences", []))
    print(f"  ! {what}: Keras computes it differently ({differences}): logits up to {outputs['max_absolute_difference']:.1f} apart;"
          f" written only with --allow-different-function (exit 6 otherwise)")


def registry(models_json):
    models = load(models_json)
    families = sorted({m["family"] for m in models})
    print(f"  {len(models)} models in {len(families)} families ({', '.join(families)}), names, shapes and counts equal to the"
          " reference libraries' state dicts")


def advice(advise_json, what):
    report = load(advise_json)
    plan = report["plan"]
    freeze = plan["freeze"]
    frozen, trainable = len(freeze["frozen"]), len(freeze["trainable"])
    estimate = plan.get("estimates", {}).get("training_seconds") or {}
    minutes = f", about {estimate.get('expected', 0) / 60:.0f} min" if estimate else ""
    optimizer = plan["optimizer"]
    rates = f"lr {optimizer['head_learning_rate']:g} head / {optimizer['backbone_learning_rate']:g} backbone"
    print(f"  {what}: {plan['model']['name']} ({plan['model']['checkpoint']['name']}), {frozen} of {frozen + trainable} groups frozen,"
          f" {optimizer['kind']} {rates}, batch {plan['batch_size']}{minutes}; {len(report['candidates'])} candidates weighed")


if __name__ == "__main__":
    globals()[sys.argv[1]](*sys.argv[2:])
