"""The data `zoo finetune` read, as train.py reads it: every example named in splits.json (zoo's split, by origin)
read back from the same layouts zoo reads, and turned into model inputs as zoo turns them.

Layouts, by origin (splits.json):
  IDX folder      `train-images-idx3-ubyte.gz[17]`: image 17 of that file (plain or gzip) in the data folder;
                  grey images are expanded to RGB, as zoo does.
  image files     `PATH`: a .jpg/.jpeg/.png under the data folder (class folders, optionally in train/ val/ test/).
  CSV, TSV, JSONL `PATH:LINE`: the record starting on that line; text (and pair) columns as zoo chose them.
The data folder may have moved since the export (another machine): --data names where it is now, and origins
under the exported path are read from there.

Images: torchvision's Resize(resize) + CenterCrop(crop) + ToTensor + Normalize(mean, std) with the plan's
filter (zoo's decoder matches PIL and torchvision), then the plan's augmentation when training.
Text: the checkpoint's tokenizer (initial/), every example padded to one length: the longest tokenized
training or validation example, capped at preprocessing.max_length, as zoo pads.

This module imports torch only where tensors are made, so its readers run (and are tested by `make test`)
without it.
"""
import csv
import gzip
import json
import os

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def load_json(folder, name):
    with open(os.path.join(folder, name)) as file:
        return json.load(file)


class Origins:
    """Resolves origins to files: paths under the exported data path are read under `root` instead."""

    def __init__(self, exported_path, root=None):
        self.exported = os.path.normpath(exported_path)
        self.root = os.path.normpath(root) if root else self.exported

    def path(self, name):
        name = os.path.normpath(name) if os.path.isabs(name) else name
        if os.path.isabs(name):
            if name == self.exported or name.startswith(self.exported + os.sep):
                return self.root + name[len(self.exported):]
            return name
        folder = self.root if os.path.isdir(self.root) else os.path.dirname(self.root)
        return os.path.join(folder, name)


def idx_array(path):
    """An IDX file (plain or gzip) as a numpy array of its declared shape."""
    import numpy as np
    with (gzip.open(path) if path.endswith(".gz") else open(path, "rb")) as file:
        data = file.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path}: not an IDX file (its first two bytes are not zero)")
    types = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    if data[2] not in types:
        raise ValueError(f"{path}: IDX element type 0x{data[2]:02x} is not one of {sorted(types)}")
    rank = data[3]
    shape = [int.from_bytes(data[4 + 4 * k:8 + 4 * k], "big") for k in range(rank)]
    return np.frombuffer(data, dtype=types[data[2]], offset=4 + 4 * rank).reshape(shape)


class TextRows:
    """The records of a CSV, TSV or JSONL file by the line each starts on (1-based), as zoo numbers them."""

    def __init__(self, path):
        self.path, self.rows = path, {}
        if path.endswith(".jsonl"):
            with open(path, encoding="utf-8") as file:
                for number, line in enumerate(file, 1):
                    if line.strip():
                        self.rows[number] = json.loads(line)
        else:
            with open(path, newline="", encoding="utf-8-sig") as file:
                reader = csv.DictReader(file, delimiter="\t" if path.endswith(".tsv") else ",")
                start = 2
                for row in reader:
                    self.rows[start] = row
                    start = reader.line_num + 1
        self.columns = list(next(iter(self.rows.values())).keys()) if self.rows else []

    def column(self, given, candidates, required, what):
        if given:
            if given not in self.columns:
                raise ValueError(f"{self.path}: no {what} column '{given}' (columns: {', '.join(self.columns)})")
            return given
        found = next((name for name in candidates if name in self.columns), None)
        if required and found is None:
            raise ValueError(f"{self.path}: no {what} column (one of {', '.join(candidates)})")
        return found


class ProjectData:
    """The splits of an exported project: `examples(split)` gives (input, target) pairs, an input being an
    image array (IDX), an image path, or a (text, pair or None) tuple."""

    def __init__(self, project_folder, data_root=None):
        self.folder = project_folder
        self.plan = load_json(project_folder, "plan.json")
        self.project = load_json(project_folder, "project.json")
        self.splits = load_json(project_folder, "splits.json")
        self.origins = Origins(self.project["data"]["path"], data_root)
        self.classes = self.splits["classes"]
        self._idx, self._text = {}, {}

    def split_names(self):
        return [name for name in ("train", "validation", "test") if self.splits.get(name)]

    def examples(self, split):
        return [(self.input(entry["origin"]), entry["target"]) for entry in self.splits.get(split, [])]

    def input(self, origin):
        if origin.endswith("]") and "[" in origin:
            name, index = origin[:-1].rsplit("[", 1)
            path = self.origins.path(name)
            if path not in self._idx:
                self._idx[path] = idx_array(path)
            return self._idx[path][int(index)]
        if origin.lower().endswith(IMAGE_SUFFIXES):
            return self.origins.path(origin)
        name, line = origin.rsplit(":", 1)
        path = self.origins.path(name)
        if path not in self._text:
            self._text[path] = TextRows(path)
        rows = self._text[path]
        data, kind = self.project["data"], self.plan["head"]["kind"]
        text = rows.column(data["text_column"], data["text_columns"], True, "text")
        pair = rows.column(data["pair_column"], data["pair_columns"], kind == "sentence-pair", "pair")
        row = rows.rows[int(line)]
        return (str(row[text]), None if pair is None or row.get(pair) is None else str(row[pair]))


class ImageInputs:
    """Images as zoo's decoder makes them (torchvision transforms), with the plan's augmentation when training."""

    def __init__(self, plan, augment):
        from torchvision import transforms
        p = plan["preprocessing"]
        filters = {"bilinear": transforms.InterpolationMode.BILINEAR, "bicubic": transforms.InterpolationMode.BICUBIC}
        filter = filters[p["interpolation"]]
        steps = []
        names = plan["regularisation"]["augmentation"] if augment else []
        if "random-resized-crop" in names:
            steps.append(transforms.RandomResizedCrop(p["crop"], interpolation=filter))
        else:
            steps += [transforms.Resize(p["resize"], interpolation=filter), transforms.CenterCrop(p["crop"])]
        if "horizontal-flip" in names:
            steps.append(transforms.RandomHorizontalFlip())
        steps += [transforms.ToTensor(), transforms.Normalize(p["mean"], p["std"])]
        self.transform = transforms.Compose(steps)

    def __call__(self, value):
        from PIL import Image
        if isinstance(value, str):
            with Image.open(value) as image:
                picture = image.convert("RGB")
        else:
            picture = Image.fromarray(value, mode="L").convert("RGB")
        return self.transform(picture)


class TextInputs:
    """Token ids and attention masks from the checkpoint's tokenizer, padded to zoo's one length."""

    def __init__(self, plan, folder, texts):
        from transformers import AutoTokenizer
        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        longest = max(len(ids) for ids in self.encode(texts, None)["input_ids"]) if texts else 2
        self.length = min(max(2, longest), plan["preprocessing"].get("max_length") or 512)

    def encode(self, texts, length):
        firsts = [text for text, _ in texts]
        pairs = [pair for _, pair in texts] if texts and texts[0][1] is not None else None
        options = {"padding": "max_length", "max_length": length, "return_tensors": "pt"} if length else {}
        return self.tokenizer(firsts, pairs, truncation="longest_first" if length else False, **options)

    def __call__(self, texts):
        return self.encode(texts, self.length)


def targets_tensor(targets, kind, classes):
    """Targets as the loss takes them: class indices, multi-hot rows (multi-label), or float rows (regression)."""
    import torch
    if kind == "multi-label":
        rows = torch.zeros(len(targets), classes)
        for row, labels in enumerate(targets):
            rows[row, labels] = 1
        return rows
    if kind == "regression":
        return torch.tensor(targets, dtype=torch.float32)
    return torch.tensor(targets, dtype=torch.long)
