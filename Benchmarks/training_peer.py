"""The PyTorch side of Benchmarks/training_bench.py: training steps of torchvision's MobileNetV2 or a
transformers BERT classifier on the CPU, with the same command line as zoo's EngineBench --train and
the same JSON on stdout; or, with --sgemm, this machine's single-thread sgemm speed.

Usage: training_peer.py --model mobilenet_v2|minilm_l6_h384|bert_base_uncased --batch B [--tokens T]
                        --frozen K [--cached] --optimizer adamw|none --warmup W --iterations N --threads T
       training_peer.py --sgemm [--size N] [--repeats R]

Models, built from their configurations with random weights (torch.manual_seed(0)), dropout off:
  mobilenet_v2: torchvision.models.mobilenet_v2(dropout=0.0), 1000 classes, 3×224×224 images;
  minilm_l6_h384: BertForSequenceClassification(BertConfig(hidden 384, 6 layers, 12 heads,
      intermediate 1536)), 2 labels (all-MiniLM-L6-v2's shape);
  bert_base_uncased: BertForSequenceClassification(BertConfig()), 2 labels;
  every dropout probability 0, all-ones attention mask.
Freeze groups as zoo's registry orders them (ModelGraph.freezeGroups): MobileNetV2 stem (features.0),
stages 1…5 (resolution levels: a new stage at features.1 and at every stride-2 block; features.18 joins
the last), head (classifier); encoders embeddings, layer 0…L−1, pooler, head (classifier). The first K
groups are frozen: requires_grad False and eval mode (batch-norm on its running statistics); the rest
train in train mode. --cached (head only: K = every group but the head): the head alone on features
computed once beforehand, untimed: the pooled 1280-vector (MobileNetV2) or the pooler's output
(encoders).

A timed step: zero_grad (set_to_none, torch's default), forward, cross-entropy against the classes
i mod C, backward, and with --optimizer adamw an AdamW step (torch.optim.AdamW with its defaults on
the CPU; lr 1e-3 for the head, 1e-4 for the rest, weight decay 0.01 but 0 on tensors of rank ≤ 1, as
zoo's side groups them). Prints one JSON object: {"model", "batch", "tokens", "threads", "mode":
"train", "frozen_groups", "cached", "seconds" (one per timed step), "optimizer_seconds", "plan_seconds",
"trainable_parameters", "trained_groups", "versions", "import_rss_mib"}.
"""
import argparse
import json
import os
import resource
import sys
import time

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

MODELS = ("mobilenet_v2", "minilm_l6_h384", "bert_base_uncased")


def sgemm(size, repeats):
    """Single-thread float32 matrix product speed: the fastest of `repeats` size³ products."""
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    a, b = torch.randn(size, size), torch.randn(size, size)
    out = torch.empty(size, size)
    for _ in range(2):
        torch.mm(a, b, out=out)
    fastest = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b, out=out)
        fastest = min(fastest, time.perf_counter() - start)
    from engine_peer import parallel_summary

    return {"mode": "sgemm", "size": size, "repeats": repeats, "threads": torch.get_num_threads(),
            "seconds": fastest, "gflops": 2 * size ** 3 / fastest / 1e9, "torch": torch.__version__,
            "parallel_info": parallel_summary(torch)}


def groups_of(model_name, module):
    """The freeze groups in zoo's order: a list of (name, [modules])."""
    if model_name == "mobilenet_v2":
        features = module.features
        groups = [("stem", [features[0]])]
        for index in range(1, len(features)):
            block = features[index]
            if index == 1 or getattr(block, "stride", 1) == 2:
                groups.append((f"stage{len(groups)}", []))
            groups[-1][1].append(block)
        groups.append(("head", [module.classifier]))
        return groups
    bert = module.bert
    groups = [("embeddings", [bert.embeddings])]
    groups += [(f"layer{i}", [layer]) for i, layer in enumerate(bert.encoder.layer)]
    groups += [("pooler", [bert.pooler]), ("head", [module.classifier])]
    return groups


def build(model_name):
    if model_name == "mobilenet_v2":
        import torchvision

        return torchvision.models.mobilenet_v2(dropout=0.0), 1000
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, classifier_dropout=0.0, num_labels=2)
    if model_name == "minilm_l6_h384":
        config.update({"hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12, "intermediate_size": 1536})
    return BertForSequenceClassification(config), 2


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sgemm", action="store_true")
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--model", choices=MODELS)
    parser.add_argument("--batch", type=int)
    parser.add_argument("--tokens", type=int)
    parser.add_argument("--frozen", type=int, default=0)
    parser.add_argument("--cached", action="store_true")
    parser.add_argument("--optimizer", choices=("adamw", "none"), default="none")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--train", action="store_true", help="accepted for EngineBench's command line; always on")
    parser.add_argument("--profile", action="store_true", help="accepted for EngineBench's command line; ignored")
    parser.add_argument("--predict", action="store_true", help="accepted for EngineBench's command line; ignored")
    args = parser.parse_args()
    if args.sgemm:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        print(json.dumps(sgemm(args.size, args.repeats)))
        return
    if args.model is None or args.batch is None:
        parser.error("--model and --batch are required")
    if (args.model == "mobilenet_v2") == (args.tokens is not None):
        parser.error("--tokens is required for the encoders and only for them")

    import torch

    if args.model == "mobilenet_v2":
        import torchvision  # noqa: F401  (imported here so that plan_seconds leaves the imports out)
    else:
        import transformers  # noqa: F401
    import_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    start = time.perf_counter()
    module, classes = build(args.model)
    groups = groups_of(args.model, module)
    if not 0 <= args.frozen < len(groups):
        parser.error(f"--frozen: 0…{len(groups) - 1} ({len(groups)} groups)")
    if args.cached and args.frozen != len(groups) - 1:
        parser.error("--cached trains the head alone: --frozen must be every group but the head")
    module.train()
    for _, members in groups[:args.frozen]:
        for member in members:
            member.eval()
            member.requires_grad_(False)
    trained = [name for name, _ in groups[args.frozen:]]
    head = [p for m in groups[-1][1] for p in m.parameters()]
    head_ids = {id(p) for p in head}
    trainable = [p for p in module.parameters() if p.requires_grad]
    optimizer = None
    if args.optimizer == "adamw":
        param_groups = []
        for lr, members in ((1e-3, [p for p in trainable if id(p) in head_ids]), (1e-4, [p for p in trainable if id(p) not in head_ids])):
            param_groups += [{"params": [p for p in members if p.dim() >= 2], "lr": lr, "weight_decay": 0.01},
                             {"params": [p for p in members if p.dim() <= 1], "lr": lr, "weight_decay": 0.0}]
        optimizer = torch.optim.AdamW([g for g in param_groups if g["params"]])

    targets = torch.arange(args.batch) % classes
    if args.model == "mobilenet_v2":
        inputs = {"x": torch.randn(args.batch, 3, 224, 224)}
    else:
        inputs = {"input_ids": torch.randint(0, module.config.vocab_size, (args.batch, args.tokens)),
                  "attention_mask": torch.ones(args.batch, args.tokens, dtype=torch.long)}
    if args.cached:
        # The frozen prefix once, outside the timing: the head's input.
        with torch.no_grad():
            if args.model == "mobilenet_v2":
                features = torch.nn.functional.adaptive_avg_pool2d(module.features(inputs["x"]), 1).flatten(1)
            else:
                features = module.bert(**inputs).pooler_output

        def forward():
            return module.classifier(features)
    elif args.model == "mobilenet_v2":
        def forward():
            return module(**inputs)
    else:
        def forward():
            return module(**inputs).logits
    loss_function = torch.nn.CrossEntropyLoss()
    plan_seconds = time.perf_counter() - start

    def step():
        module.zero_grad(set_to_none=True)
        loss = loss_function(forward(), targets)
        loss.backward()
        stepped = time.perf_counter()
        if optimizer is not None:
            optimizer.step()
        return time.perf_counter() - stepped

    for _ in range(args.warmup):
        step()
    seconds, optimizer_seconds = [], []
    for _ in range(args.iterations):
        start = time.perf_counter()
        optimizer_seconds.append(step())
        seconds.append(time.perf_counter() - start)

    versions = {"python": sys.version.split()[0], "torch": torch.__version__, "num_threads": torch.get_num_threads()}
    for package in ("torchvision", "transformers"):
        if package in sys.modules:
            versions[package] = sys.modules[package].__version__
    facts = {}
    if args.model != "mobilenet_v2":
        facts["attn_implementation"] = module.config._attn_implementation
    print(json.dumps({"model": args.model, "batch": args.batch, "tokens": args.tokens, "threads": args.threads, "mode": "train",
                      "frozen_groups": args.frozen, "cached": args.cached, "optimizer": args.optimizer, "seconds": seconds,
                      "optimizer_seconds": optimizer_seconds, "plan_seconds": plan_seconds,
                      "trainable_parameters": sum(p.numel() for p in trainable), "trained_groups": trained,
                      "versions": versions, "model_facts": facts, "import_rss_mib": import_rss_mib}))


if __name__ == "__main__":
    main()
