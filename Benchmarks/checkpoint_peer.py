"""The Python side of Benchmarks/checkpoint_bench.py: the same work as `zoo convert` and
`zoo inspect --checksum` with the usual Python libraries, printing the seconds the work took after
the imports (so the driver can separate interpreter start-up from work).

    convert IN.pth OUT.safetensors [KEY]
                                     torch.load(weights_only=True), then safetensors.torch.save_file of
                                     the state dict (of checkpoint[KEY] when given: a training checkpoint's model)
    h5-crc FILE.h5                   read every dataset with h5py (ds[()]) and take its zlib.crc32

Checks, run once by the driver outside the timings (each exits non-zero on a mismatch):
    same-safetensors A B             the two files hold the same tensors: names, dtypes, shapes, bytes
    h5-verify FILE.h5 ZOO.json       zoo's --checksum --json CRCs agree with zlib.crc32 of h5py's reads
"""
import sys
import time

MODE = sys.argv[1] if len(sys.argv) > 1 else ""
if MODE == "convert":
    import safetensors.torch
    import torch
elif MODE in ("h5-crc", "h5-verify"):
    import json
    import zlib

    import h5py
elif MODE == "same-safetensors":
    import json
    import mmap
    import struct

START = time.perf_counter()


def work_seconds():
    return "%.6f" % (time.perf_counter() - START)


def convert(source, target, key=None):
    state = torch.load(source, map_location="cpu", weights_only=True)
    if key is not None:
        state = state[key]
    safetensors.torch.save_file(state, target)
    print(len(state), work_seconds())


def h5_crcs(path):
    """{dataset path: crc32} for every dataset in the file, each read whole with ds[()]."""
    crcs = {}

    def visit(name, item):
        if isinstance(item, h5py.Dataset):
            crcs[name] = zlib.crc32(item[()])  # a C-contiguous ndarray: its buffer, no extra copy

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return crcs


def h5_crc(path):
    crcs = h5_crcs(path)
    print(len(crcs), work_seconds())


def h5_verify(path, zoo_json):
    """zoo names a Keras legacy tensor by its weight name; its dataset is LAYER/WEIGHT_NAME."""
    crcs = h5_crcs(path)
    with h5py.File(path, "r") as f:
        dataset_of = {}
        for layer in f.attrs["layer_names"]:
            layer = layer.decode()
            for weight in f[layer].attrs["weight_names"]:
                weight = weight.decode()
                dataset_of[weight] = f"{layer}/{weight}"
    with open(zoo_json) as handle:
        (report,) = json.load(handle)
    zoo = {t["name"]: t["crc32"] for t in report["tensors"]}
    if set(zoo) != set(dataset_of) or set(dataset_of.values()) != set(crcs):
        sys.exit(f"h5-verify: zoo lists {len(zoo)} tensors, the file has {len(crcs)} datasets "
                 f"({len(dataset_of)} named by weight_names): the names differ")
    wrong = [name for name, crc in zoo.items() if crc != "%08x" % crcs[dataset_of[name]]]
    if wrong:
        sys.exit(f"h5-verify: CRC-32 differs for {len(wrong)} tensors, e.g. {wrong[:3]}")
    print(f"h5-verify: {len(zoo)} tensors, every CRC-32 agrees")


def safetensors_index(path):
    with open(path, "rb") as handle:
        data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    header.pop("__metadata__", None)
    return data, 8 + length, header


def same_safetensors(a, b):
    (data_a, base_a, head_a), (data_b, base_b, head_b) = safetensors_index(a), safetensors_index(b)
    if set(head_a) != set(head_b):
        sys.exit(f"same-safetensors: names differ: only in {a}: {sorted(set(head_a) - set(head_b))[:5]}, "
                 f"only in {b}: {sorted(set(head_b) - set(head_a))[:5]}")
    total = 0
    for name, entry_a in head_a.items():
        entry_b = head_b[name]
        if (entry_a["dtype"], entry_a["shape"]) != (entry_b["dtype"], entry_b["shape"]):
            sys.exit(f"same-safetensors: {name}: {entry_a['dtype']}{entry_a['shape']} vs {entry_b['dtype']}{entry_b['shape']}")
        (start_a, end_a), (start_b, end_b) = entry_a["data_offsets"], entry_b["data_offsets"]
        if data_a[base_a + start_a:base_a + end_a] != data_b[base_b + start_b:base_b + end_b]:
            sys.exit(f"same-safetensors: {name}: the bytes differ")
        total += end_a - start_a
    print(f"same-safetensors: {len(head_a)} tensors, {total} bytes, identical")


def main(argv):
    if len(argv) in (4, 5) and MODE == "convert":
        convert(*argv[2:])
    elif len(argv) == 3 and MODE == "h5-crc":
        h5_crc(argv[2])
    elif len(argv) == 4 and MODE == "h5-verify":
        h5_verify(argv[2], argv[3])
    elif len(argv) == 4 and MODE == "same-safetensors":
        same_safetensors(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
