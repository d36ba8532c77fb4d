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
    pooling = load(run_json).get("pooling") or {"mode": "mean", "normalized": False}
    how = f"{pooling['mode']} pooling" + (", normalised" if pooling.get("normalized") else "") + (" as modules.json says" if pooling.get("declared_by") else "")
    print(f"  ✓ MiniLM: '{entry['input']}' → {len(entry['embedding'])}-d, norm {entry['embedding_norm']:.3f} ({how}),"
          f" within {difference:.0e} of transformers'")


def top1(run_json, what):
    entry = load(run_json)["entries"][0]
    best = entry["top"][0]
    print(f"  {what}: {entry['input'].split('/')[-1]} → {best['label']} {best['probability']:.3f}")


def conversion(convert_json, what):
    report = load(convert_json)
    outputs = report.get("outputs") or {}
    difference = outputs.get("max_absolute_difference")
    check = "" if difference is None else ", outputs identical to the source's" if difference == 0 else f", outputs within {difference:.0e} of the source's"
    carried = report.get("carried_files")
    extra = f", {len(carried)} tokenizer/sentence-transformers files carried" if carried else ""
    print(f"  ✓ {what}: {report['tensors']} tensors{check}{extra}")


def different_function(convert_json, what, outputs_name):
    """A target that computes another function: written only when asked, with the difference measured."""
    report = load(convert_json)
    outputs = report["outputs"]
    differences = ", ".join(report.get("target_differences", []))
    print(f"  ! {what} ({differences}): {outputs_name} up to {outputs['max_absolute_difference']:.1g} apart;"
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
    seconds = estimate.get("expected", 0)
    minutes = "" if not estimate else f", about {seconds / 60:.0f} min" if seconds >= 60 else f", about {seconds:.0f} s"
    optimizer = plan["optimizer"]
    rates = f"lr {optimizer['head_learning_rate']:g} head / {optimizer['backbone_learning_rate']:g} backbone"
    print(f"  {what}: {plan['model']['name']} ({plan['model']['checkpoint']['name']}), {frozen} of {frozen + trainable} groups frozen,"
          f" {optimizer['kind']} {rates}, batch {plan['batch_size']}{minutes}; {len(report['candidates'])} candidates weighed")


def finetuned(finetune_json, what):
    """zoo finetune --json: the events, then the report as the last JSON document."""
    text = open(finetune_json).read()
    report = json.loads(text[text.index("\n{\n") + 1:] if "\n{\n" in text else text)
    metric = report["summary"]["metric"]
    kept = report["seeds"][report["kept_run"]]
    test = report.get("test") or {}
    print(f"  {what}: validation {metric} {kept['validation'][metric]:.3f}, test {test.get(metric, float('nan')):.3f}"
          f" on {test.get('examples', 0)} held-out images, {report['resources']['seconds']:.0f} s"
          f" ({report['resources']['loading_share'] * 100:.0f}% computing the frozen features once), peak {report['resources']['peak_resident_bytes'] / 2**20:.0f} MiB")


def evaluated(evaluate_json, finetune_json, what):
    """zoo evaluate on the test split gives what the fine-tune's report says of it."""
    evaluation = load(evaluate_json)["metrics"]
    text = open(finetune_json).read()
    report = json.loads(text[text.index("\n{\n") + 1:] if "\n{\n" in text else text)
    if abs(evaluation["accuracy"] - report["test"]["accuracy"]) > 1e-9:
        sys.exit(f"✗ {what}: zoo evaluate says {evaluation['accuracy']}, the report {report['test']['accuracy']}")
    print(f"  ✓ {what}: accuracy {evaluation['accuracy']:.3f}, macro F1 {evaluation['macro_f1']:.3f}, as the run's report says")


def exported(export_json, run_folder, what):
    """zoo export --json: the project holds the run's split and the plan it ran."""
    summary = load(export_json)
    project = summary["output"]
    for name in ("splits.json", "plan.json"):
        if load(f"{project}/{name}") != load(f"{run_folder}/{name}"):
            sys.exit(f"✗ {what}: its {name} differs from the zoo finetune run's")
    print(f"  ✓ {what}: {len(summary['files'])} files, the model built by {summary['library']}, zoo's split and plan of the run above;"
          f" cd {project} && torchrun --standalone --nproc_per_node 2 train.py")


if __name__ == "__main__":
    globals()[sys.argv[1]](*sys.argv[2:])
