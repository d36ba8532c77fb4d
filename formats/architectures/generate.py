"""Writes formats/architectures/<model>.json: each registry model's state dict as the reference
library builds it — names, shapes and dtypes only, no weights — with its trainable-parameter
count and, where the library publishes one, its multiply-accumulate figure.

    python formats/architectures/generate.py        # needs torch, torchvision, timm, transformers

Models are built from their configurations with random initialisation (nothing is downloaded).
torchvision's GFLOPS column (`weights.meta["_ops"]`) counts multiply-accumulates; it is recorded
as `published_gmacs` with its source. For every image model, `counted_gmacs` is PyTorch's own
count (`torch.utils.flop_counter.FlopCounterMode`, FLOPs / 2) of one forward pass at the model's
default input size, recorded with that size; for encoders, of one sequence of 128 tokens
(`counted_sequence_length`).
"""
import json
import os

import timm
import torch
from torch.utils.flop_counter import FlopCounterMode
import torchvision
import transformers
from torchvision import models as tv

HERE = os.path.dirname(os.path.abspath(__file__))


def torchvision_models():
    weights = {
        "resnet18": tv.ResNet18_Weights.IMAGENET1K_V1, "resnet34": tv.ResNet34_Weights.IMAGENET1K_V1,
        "resnet50": tv.ResNet50_Weights.IMAGENET1K_V2, "resnet101": tv.ResNet101_Weights.IMAGENET1K_V2,
        "resnet152": tv.ResNet152_Weights.IMAGENET1K_V2,
        "vgg11": tv.VGG11_Weights.IMAGENET1K_V1, "vgg13": tv.VGG13_Weights.IMAGENET1K_V1,
        "vgg16": tv.VGG16_Weights.IMAGENET1K_V1, "vgg19": tv.VGG19_Weights.IMAGENET1K_V1,
        "vgg11_bn": tv.VGG11_BN_Weights.IMAGENET1K_V1, "vgg13_bn": tv.VGG13_BN_Weights.IMAGENET1K_V1,
        "vgg16_bn": tv.VGG16_BN_Weights.IMAGENET1K_V1, "vgg19_bn": tv.VGG19_BN_Weights.IMAGENET1K_V1,
        "mobilenet_v2": tv.MobileNet_V2_Weights.IMAGENET1K_V2,
        "mobilenet_v3_small": tv.MobileNet_V3_Small_Weights.IMAGENET1K_V1,
        "mobilenet_v3_large": tv.MobileNet_V3_Large_Weights.IMAGENET1K_V2,
    }
    for name, weight in weights.items():
        model = getattr(tv, name)()
        source = f"torchvision {torchvision.__version__}, {weight} meta['_ops'] and meta['num_params']"
        yield name, model, f"torchvision {torchvision.__version__}", {"published_gmacs": weight.meta["_ops"], "published_parameters": weight.meta["num_params"], "source": source}


def timm_models():
    for name in ["mobilenetv1_100"] + [f"tf_efficientnet_lite{i}" for i in range(5)]:
        yield name, timm.create_model(name, pretrained=False), f"timm {timm.__version__}", {}


def counted_gmacs(model, inputs):
    """PyTorch's count of multiply-accumulates for one forward pass on `inputs`."""
    model.eval()
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(inputs)
    return counter.get_total_flops() / 2 / 1e9


def transformers_models():
    bert = transformers.BertConfig
    sizes = {"tiny": (2, 128), "mini": (4, 256), "small": (4, 512), "medium": (8, 512), "base": (12, 768), "large": (24, 1024)}
    for size, (layers, hidden) in sizes.items():
        for casing, vocab in (("uncased", 30522), ("cased", 28996)):
            config = bert(vocab_size=vocab, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=hidden // 64,
                          intermediate_size=4 * hidden)
            yield f"bert_{size}_{casing}", transformers.BertModel(config), f"transformers {transformers.__version__} BertModel", {}
    yield "distilbert_base_uncased", transformers.DistilBertModel(transformers.DistilBertConfig()), f"transformers {transformers.__version__} DistilBertModel", {}
    for size, (layers, hidden, heads) in {"base": (12, 768, 12), "large": (24, 1024, 16)}.items():
        config = transformers.RobertaConfig(vocab_size=50265, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                                            intermediate_size=4 * hidden, max_position_embeddings=514, type_vocab_size=1,
                                            layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0, eos_token_id=2)
        yield f"roberta_{size}", transformers.RobertaModel(config), f"transformers {transformers.__version__} RobertaModel", {}
    for layers in (6, 12):
        config = bert(vocab_size=30522, hidden_size=384, num_hidden_layers=layers, num_attention_heads=12, intermediate_size=1536)
        yield f"minilm_l{layers}_h384", transformers.BertModel(config), f"transformers {transformers.__version__} BertModel", {}


def main():
    torch.manual_seed(0)
    for generator in (torchvision_models, timm_models, transformers_models):
        for name, model, library, extra in generator():
            state = model.state_dict()
            record = {
                "model": name,
                "library": library,
                "parameters": sum(p.numel() for p in model.parameters()),
                "state_dict": [[key, list(tensor.shape), str(tensor.dtype).replace("torch.", "")] for key, tensor in state.items()],
            }
            record.update(extra)
            if generator is transformers_models:
                record["counted_gmacs"] = counted_gmacs(model, torch.ones(1, 128, dtype=torch.long))
                record["counted_sequence_length"] = 128
            else:
                size = model.pretrained_cfg["input_size"][-1] if hasattr(model, "pretrained_cfg") else 224
                record["counted_gmacs"] = counted_gmacs(model, torch.zeros(1, 3, size, size))
                record["counted_input_size"] = size
            with open(os.path.join(HERE, name + ".json"), "w") as out:
                json.dump(record, out, indent=0, separators=(",", ":"))
                out.write("\n")
            print(f"{name}: {record['parameters']:,} parameters, {len(state)} state-dict entries")


if __name__ == "__main__":
    main()
