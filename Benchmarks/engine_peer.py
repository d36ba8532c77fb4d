"""The PyTorch side of Benchmarks/engine_bench.py: forward passes of a torchvision / Hugging Face
model on the CPU, with the same command line as zoo's EngineBench and the same JSON on stdout.

Usage: engine_peer.py --model resnet50|mobilenet_v2|bert_base_uncased --batch B [--tokens T]
                      --warmup W --iterations N --threads T

Prints one JSON object: {"model", "batch", "tokens" (null for the image models), "threads",
"seconds" (one per timed forward pass), "plan_seconds" (building the model with random weights,
after the imports), "versions" {...}, "model_facts" {...}, "import_rss_mib" (peak RSS after the
imports, before the model)}. The model is in eval mode, every pass runs under
torch.inference_mode(), torch.set_num_threads(T). Weights are torch's random initialisation and
the inputs random (seed 0): the time of a dense fp32 forward pass does not depend on the values.
"""
import argparse
import json
import os
import resource
import sys
import time

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

MODELS = ("resnet50", "mobilenet_v2", "bert_base_uncased")


def parallel_summary(torch):
    """The lines of torch.__config__.parallel_info() that say what runs the kernels, shortened, on one line."""
    keep = []
    for line in torch.__config__.parallel_info().splitlines():
        line = " ".join(line.replace("(R)", "").split())
        if line.startswith(("at::get_num_threads", "at::get_num_interop_threads", "ATen parallel backend", "OpenMP ")):
            keep.append(line.replace(" : ", " = "))
        elif line.startswith("Intel oneAPI Math Kernel Library Version"):
            keep.append("MKL " + line.split("Version", 1)[1].split("-", 1)[0].strip())
        elif line.startswith(("Intel MKL-DNN", "oneDNN")):
            keep.append("oneDNN " + line.split()[2 if line.startswith("Intel") else 1])
    return "; ".join(keep)


def build(model, batch, tokens):
    """(module, keyword arguments of its forward pass, extra facts to record); the imports are done."""
    import torch

    if model == "bert_base_uncased":
        from transformers import BertConfig, BertModel

        module = BertModel(BertConfig()).eval()  # bert-base-uncased's defaults: 12 layers, hidden 768, vocab 30522
        config = module.config
        inputs = {
            "input_ids": torch.randint(0, config.vocab_size, (batch, tokens), dtype=torch.long),
            "attention_mask": torch.ones(batch, tokens, dtype=torch.long),
        }
        facts = {"attn_implementation": config._attn_implementation, "layers": config.num_hidden_layers,
                 "hidden": config.hidden_size, "vocab": config.vocab_size}
    else:
        import torchvision

        module = getattr(torchvision.models, model)().eval()
        inputs = {"x": torch.randn(batch, 3, 224, 224)}
        facts = {}
    facts["parameters"] = sum(p.numel() for p in module.parameters())
    return module, inputs, facts


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, choices=MODELS)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--tokens", type=int)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--iterations", type=int, required=True)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    if (args.model == "bert_base_uncased") != (args.tokens is not None):
        parser.error("--tokens is required for bert_base_uncased and only for it")

    import torch

    if args.model == "bert_base_uncased":
        import transformers  # noqa: F401  (imported here so that plan_seconds leaves the imports out)
    else:
        import torchvision  # noqa: F401
    import_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    start = time.perf_counter()
    module, inputs, facts = build(args.model, args.batch, args.tokens)
    plan_seconds = time.perf_counter() - start

    seconds = []
    with torch.inference_mode():
        for _ in range(args.warmup):
            module(**inputs)
        for _ in range(args.iterations):
            start = time.perf_counter()
            module(**inputs)
            seconds.append(time.perf_counter() - start)

    versions = {"python": sys.version.split()[0], "torch": torch.__version__,
                "mkldnn_available": torch.backends.mkldnn.is_available(),
                "num_threads": torch.get_num_threads(), "parallel_info": parallel_summary(torch)}
    for package in ("torchvision", "transformers"):
        if package in sys.modules:
            versions[package] = sys.modules[package].__version__
    print(json.dumps({"model": args.model, "batch": args.batch, "tokens": args.tokens, "threads": args.threads,
                      "seconds": seconds, "plan_seconds": plan_seconds, "versions": versions, "model_facts": facts,
                      "import_rss_mib": import_rss_mib,
                      "weights": "random init (torch.manual_seed(0))"}))


if __name__ == "__main__":
    main()
