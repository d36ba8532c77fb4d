"""Writes imagenet_classes.txt: the 1000 ImageNet-1k class names in index order, as torchvision
ships them (torchvision.models._meta._IMAGENET_CATEGORIES). `zoo run` prints them beside the top-k.
Run with a Python that has torchvision: python zoo/generate_imagenet_classes.py"""
import os

from torchvision.models._meta import _IMAGENET_CATEGORIES

assert len(_IMAGENET_CATEGORIES) == 1000
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "imagenet_classes.txt"), "w") as f:
    f.write("".join(name + "\n" for name in _IMAGENET_CATEGORIES))
