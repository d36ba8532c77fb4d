"""Writes the PyTorch checkpoint fixtures in formats/pytorch/ and can check zoo's output against them.

Rerun (from anywhere) with:

    /tmp/refvenv/bin/python formats/pytorch/generate.py

Needs torch (2.15.0 was used), numpy and, for --readback, safetensors. Runs on the CPU only (it
hides CUDA devices, so every storage is saved with location "cpu"). Every value is fixed in this
file; torch's zip writer leaves every member's DOS time and date 0 and derives the 40 digits of
`.data/serialization_id` from the records' contents (no clock, no randomness), so rerunning
writes identical bytes. The legacy writer names storages by their memory address;
`canonical_legacy` renames them "0", "1", ... (see there). Files written:

    zip_all_dtypes.pth      torch.save(path) of a flat OrderedDict (zip format, archive prefix
                            "zip_all_dtypes"): one tensor per dtype f64 f32 f16 bf16 i64 i32 i16
                            i8 u8 bool (NaN, +-inf, -0.0, subnormals, integer extremes), scalar
                            (0-d f32), empty (f32 [0, 3]), transposed (the t() of a 3x4 f32: shape
                            [4, 3], stride [1, 4]), offset_view (base[2:5] of a 10-element f64:
                            storage offset 2), shared_matrix / shared_slice (base.view(3, 4) and
                            base[4:8] of one 12-element i32 storage) and param (an nn.Parameter,
                            requires_grad=True), then u16 u32 u64 (saved, as torch does, through
                            _rebuild_tensor_v3 over a torch.storage.UntypedStorage, with the dtype
                            named as a global such as torch.uint16).
    legacy_all_dtypes.pth   the same dict without u16/u32/u64 (torch 2.15 writes but cannot load
                            them in this format), _use_new_zipfile_serialization=False (legacy format:
                            pickled magic number, protocol version, sys_info, the object, the
                            sorted storage keys, then each storage as int64 numel + raw bytes).
    nested.pth              {"model": state_dict of Sequential(Linear(4, 3), BatchNorm1d(3)),
                             "optimizer": {"state": {}, "param_groups": [{"lr": 0.1,
                             "params": [0, 1]}]}, "epoch": 7}; zip, prefix "nested".
    module_prefixed.pth     nn.DataParallel(...).state_dict() (keys "module.0.weight", ...),
                            saved through a file object, so its archive prefix is "archive".
    expected.json           {"files": {name: {"format" ("zip" | "legacy"), "archive_prefix",
                            "records" (zip member names after the prefix, in file order),
                            "pickle_protocol", "globals" (every "module.name" the pickles use),
                            "container" (dotted path of the dict holding the tensors, "" for the
                            top level), "storages" {key: {"dtype", "numel", "crc32"}}, "tensors"
                            {full dotted key: {"dtype", "shape", "crc32", "first", "container",
                            "storage_key", "storage_offset", "stride", "parameter",
                            "requires_grad", and "shares_storage_with" (other tensor names) where
                            a storage is shared}}, "non_tensors" {dotted key: value},
                            "state_dict_metadata" (the OrderedDict's `_metadata` attribute, set
                            by BUILD, or null)}},
                             "allowed_globals": the allowlist the reference reader below uses}.
                            dtype: zoo name (F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL); crc32:
                            zlib.crc32 of the tensor's values in C order, little-endian (its
                            t.contiguous() bytes; BF16 as its int16 bits); first: up to 4 leading
                            values (floats with "nan"/"inf"/"-inf", ints, true/false).
    malicious/              pickles that run `touch /tmp/zoo-pwned-<case>` when Python loads them
                            (*.pkl raw; *.pth wrapped as a legacy file or as a torch zip with
                            archive/data.pkl, byteorder, version), all assembled opcode by opcode
                            here. cases.json: {"file", "problem": "forbiddenGlobal", "global": the
                            first "module.name" outside the allowlist, in opcode order and exactly
                            as written in the file (before Python 2 name mapping), or null,
                            "tensor": null, "offset": null, "description"}.
    malformed/              broken, harmless files; cases.json {"file", "problem", "tensor",
                            "offset", "description"}. problem: truncated, unknownOpcode,
                            stackUnderflow, badMemo, badStructure, missingStorage,
                            storageTooSmall, badShape or notAStateDict. tensor: the tensor the
                            problem is about, or null. offset: the absolute byte of the failing
                            opcode, for raw .pkl files where that is pinned down; null elsewhere.

Generation checks itself: a small reference reader here (`read_checkpoint`, an allowlisting
unpickler with stand-ins for torch's rebuild functions) must read every valid file exactly as
torch.load does, refuse every malicious file naming the listed global, and fail on every
malformed file with the listed problem; torch.load(weights_only=True) must refuse both corpora.

Check mode (runs the zoo CLI, writes only into a temporary folder):

    /tmp/refvenv/bin/python formats/pytorch/generate.py --readback /path/to/zoo

runs `zoo convert zip_all_dtypes.pth OUT.safetensors` and `zoo convert legacy_all_dtypes.pth
OUT2.safetensors` and compares them with what torch.load reads; then writes SRC.safetensors (the
same tensors, contiguous) with the safetensors package, runs `zoo convert SRC.safetensors
OUT3.pth` and checks that torch.load(OUT3, weights_only=True) (and with mmap=True) reads the same
tensors and that its pickle uses only allowlisted globals. One line per check; exit status 1 on
any failure.
"""

import io
import math
import os
import pickle
import pickletools
import struct
import sys
import tempfile
import warnings
import zipfile
import zlib
from collections import OrderedDict

os.environ["CUDA_VISIBLE_DEVICES"] = ""  # CPU only: storages are saved with location "cpu"

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import fixturelib  # noqa: E402 - formats/fixturelib.py, found through the path above
from fixturelib import Checker, Corpus, dump_json, json_value, scratch_copy  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
NAN = float("nan")
INF = float("inf")

ZOO_DTYPES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
    torch.uint8: "U8", torch.bool: "BOOL",
    torch.uint16: "U16", torch.uint32: "U32", torch.uint64: "U64",
}
# The storage class a pickle names for each dtype: zoo dtype, element size, numpy dtype of the
# raw elements (BF16 as its bits).
STORAGES = {
    "DoubleStorage": ("F64", 8, "<f8"), "FloatStorage": ("F32", 4, "<f4"),
    "HalfStorage": ("F16", 2, "<f2"), "BFloat16Storage": ("BF16", 2, "<u2"),
    "LongStorage": ("I64", 8, "<i8"), "IntStorage": ("I32", 4, "<i4"),
    "ShortStorage": ("I16", 2, "<i2"), "CharStorage": ("I8", 1, "i1"),
    "ByteStorage": ("U8", 1, "u1"), "BoolStorage": ("BOOL", 1, "u1"),
    "UntypedStorage": ("U8", 1, "u1"),  # bytes; _rebuild_tensor_v3 names the tensor's dtype
}
# Dtypes torch has no typed storage class for, which it saves through _rebuild_tensor_v3.
V3_DTYPES = {"uint16": ("U16", 2, "<u2"), "uint32": ("U32", 4, "<u4"), "uint64": ("U64", 8, "<u8")}
# What a state-dict reader needs and all the reference reader accepts (module, name).
ALLOWED = {
    ("collections", "OrderedDict"),
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_parameter"),
    ("torch._utils", "_rebuild_tensor_v3"),
    ("torch.storage", "UntypedStorage"),
} | {("torch", name) for name in STORAGES if name != "UntypedStorage"} | {("torch", name) for name in V3_DTYPES}
MAX_INT64 = 2**63 - 1


# --------------------------------------------------------------------------------------------
# Valid checkpoints
# --------------------------------------------------------------------------------------------


def all_dtypes_state_dict(unsigned=True):
    """unsigned: include u16/u32/u64, which torch saves through _rebuild_tensor_v3 (zip only:
    torch 2.15 cannot load them back from a legacy file)."""
    def t(values, dtype, shape):
        return torch.tensor(values, dtype=dtype).reshape(shape)

    sd = OrderedDict()
    sd["f64"] = t([-1.5, NAN, INF, -INF, 5e-324, 1e300], torch.float64, (2, 3))
    sd["f32"] = t([1.0, -2.5, NAN, INF, -INF, 1e-40, 3.4028234663852886e38, -0.0], torch.float32, (2, 2, 2))
    sd["f16"] = t([0.5, -65504.0, NAN, INF, -INF, 2.0**-24, 1 / 3], torch.float16, (7,))
    sd["bf16"] = t([1.0, -3.140625, NAN, INF, -INF, 1e-39, 3.3895313892515355e38, 0.0], torch.bfloat16, (2, 4))
    sd["i64"] = t([-1, 0, 42, -123456789, -(2**63), 2**63 - 1], torch.int64, (3, 2))
    sd["i32"] = t([-7, 0, 123456, -(2**31), 2**31 - 1], torch.int32, (5,))
    sd["i16"] = t([-2, 0, 3, -32768, 1000, 32767], torch.int16, (2, 3))
    sd["i8"] = t([-128, -1, 0, 1, 2, 3, 64, 127], torch.int8, (2, 2, 2))
    sd["u8"] = t([0, 1, 127, 128, 254, 255], torch.uint8, (6,))
    sd["bool"] = t([True, False, False, True, True, False], torch.bool, (2, 3))
    sd["scalar"] = torch.tensor(3.25, dtype=torch.float32)
    sd["empty"] = torch.zeros(0, 3, dtype=torch.float32)
    grid = (torch.arange(12, dtype=torch.float32) * 0.5 - 2.0).reshape(3, 4)
    sd["transposed"] = grid.t()  # shape [4, 3], stride [1, 4], the whole 12-element storage
    base = torch.arange(10, dtype=torch.float64) * 1.25 - 3.0
    sd["offset_view"] = base[2:5]  # storage of 10, offset 2
    shared = torch.arange(12, dtype=torch.int32) * 3 - 7
    sd["shared_matrix"] = shared.view(3, 4)
    sd["shared_slice"] = shared[4:8]  # same storage, offset 4
    sd["param"] = nn.Parameter(torch.tensor([[0.5, -1.0], [2.0, 0.25]]))
    if unsigned:
        sd["u16"] = t([0, 1, 21845, 65535], torch.uint16, (2, 2))
        sd["u32"] = t([0, 1, 1431655765, 2**32 - 1], torch.uint32, (4,))
        sd["u64"] = t([0, 1, 2**63, 2**64 - 1], torch.uint64, (2, 2))
    return sd


def nested_checkpoint():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    with torch.no_grad():  # fixed values, independent of torch's initialisers
        model[0].weight.copy_(torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.125 - 0.75)
        model[0].bias.copy_(torch.tensor([0.1, -0.2, 0.3]))
        model[1].weight.copy_(torch.tensor([1.0, 0.5, 2.0]))
        model[1].bias.copy_(torch.tensor([0.0, -1.0, 0.25]))
        model[1].running_mean.copy_(torch.tensor([0.5, -0.5, 1.5]))
        model[1].running_var.copy_(torch.tensor([1.0, 2.0, 0.25]))
        model[1].num_batches_tracked.fill_(42)
    return {
        "model": model.state_dict(),
        "optimizer": {"state": {}, "param_groups": [{"lr": 0.1, "params": [0, 1]}]},
        "epoch": 7,
    }


def module_prefixed_state_dict():
    model = nn.Sequential(nn.Conv2d(1, 2, 2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 2))
    with torch.no_grad():
        model[0].weight.copy_(torch.arange(8, dtype=torch.float32).reshape(2, 1, 2, 2) * 0.25 - 1.0)
        model[0].bias.copy_(torch.tensor([0.5, -0.5]))
        model[3].weight.copy_(torch.arange(16, dtype=torch.float32).reshape(2, 8) * -0.0625)
        model[3].bias.copy_(torch.tensor([1.0, 2.0]))
    assert not torch.cuda.is_available()  # DataParallel then just wraps the module, on the CPU
    return nn.DataParallel(model).state_dict()


# --------------------------------------------------------------------------------------------
# Reference reader: an allowlisting unpickler with stand-ins for torch's rebuild functions
# --------------------------------------------------------------------------------------------


class Refused(Exception):
    """A global outside ALLOWED (.name: "module.name" as written), or an extension code (None)."""

    def __init__(self, name):
        super().__init__(name)
        self.name = name


class Bad(Exception):
    """A malformed file: .problem is the Swift problem case name, .tensor the tensor or None."""

    def __init__(self, problem, message, tensor=None):
        super().__init__(f"{problem}: {message}")
        self.problem = problem
        self.tensor = tensor


class StorageType:
    """Stands in for torch.FloatStorage and the like."""

    def __init__(self, name):
        self.name = name
        self.dtype, self.itemsize, self.np_dtype = STORAGES[name]


class StorageRef:
    """A persistent id ("storage", type, key, location, numel[, view metadata])."""

    def __init__(self, storage_type, key, numel):
        self.type, self.key, self.numel = storage_type, key, numel


class TensorRef:
    def __init__(self, storage, offset, size, stride, requires_grad):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride
        self.requires_grad = requires_grad
        self.parameter = False
        self.dtype = None  # a DTypeName for _rebuild_tensor_v3, else the storage's type says

    @property
    def element(self):
        """What the tensor's elements are: .dtype, .itemsize and .np_dtype."""
        return self.dtype or self.storage.type

    @property
    def storage_elements(self):
        """The storage's size in the tensor's elements."""
        return self.storage.numel * self.storage.type.itemsize // self.element.itemsize


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def rebuild_tensor_v2(*args):
    if len(args) not in (6, 7):
        raise Bad("badStructure", f"_rebuild_tensor_v2 with {len(args)} arguments")
    storage, offset, size, stride, requires_grad = args[:5]
    if not isinstance(storage, StorageRef):
        raise Bad("badStructure", f"storage argument is {type(storage).__name__}")
    if not (is_int(offset) and isinstance(size, tuple) and isinstance(stride, tuple)
            and all(is_int(v) for v in size + stride) and isinstance(requires_grad, bool)):
        raise Bad("badStructure", "offset, size, stride or requires_grad of the wrong type")
    return TensorRef(storage, offset, list(size), list(stride), requires_grad)


def rebuild_tensor_v3(*args):
    """(storage, offset, size, stride, requires_grad, hooks, dtype[, metadata]): offset and
    strides count elements of dtype, the storage counts bytes."""
    if len(args) not in (7, 8) or not isinstance(args[6], DTypeName):
        raise Bad("badStructure", "_rebuild_tensor_v3 without a dtype")
    t = rebuild_tensor_v2(*args[:6])
    t.dtype = args[6]
    return t


class DTypeName:
    """Stands in for torch.uint16 and the other dtypes V3_DTYPES lists."""

    def __init__(self, name):
        self.name = name
        self.dtype, self.itemsize, self.np_dtype = V3_DTYPES[name]


def rebuild_parameter(*args):
    if len(args) != 3 or not isinstance(args[0], TensorRef) or not isinstance(args[1], bool):
        raise Bad("badStructure", "_rebuild_parameter(tensor, requires_grad, hooks) expected")
    args[0].parameter, args[0].requires_grad = True, args[1]
    return args[0]


STAND_INS = {
    ("collections", "OrderedDict"): OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): rebuild_parameter,
    ("torch._utils", "_rebuild_tensor_v3"): rebuild_tensor_v3,
}


class RefUnpickler(pickle.Unpickler):
    """Resolves only ALLOWED globals, to stand-ins; records every global and persistent id."""

    def __init__(self, file, legacy, seen):
        super().__init__(file)
        self.legacy = legacy
        self.seen = seen  # {"globals": set, "storages": {key: StorageRef} in first-use order}

    def find_class(self, module, name):
        if (module, name) not in ALLOWED:
            raise Refused(f"{module}.{name}")
        self.seen["globals"].add(f"{module}.{name}")
        return STAND_INS.get((module, name)) or (DTypeName(name) if name in V3_DTYPES else StorageType(name))

    def persistent_load(self, pid):
        arity = 6 if self.legacy else 5
        if not isinstance(pid, tuple) or len(pid) != arity or pid[0] != "storage":
            raise Bad("badStructure", f"persistent id {pid!r}")
        _, storage_type, key, location, numel = pid[:5]
        if not (isinstance(storage_type, StorageType) and isinstance(key, str) and isinstance(location, str)
                and is_int(numel) and numel >= 0 and (not self.legacy or pid[5] is None)):
            raise Bad("badStructure", f"persistent id {pid!r}")
        storages = self.seen["storages"]
        if key in storages and (storages[key].type.name, storages[key].numel) != (storage_type.name, numel):
            raise Bad("badStructure", f"storage {key} declared twice differently")
        storages.setdefault(key, StorageRef(storage_type, key, numel))
        return storages[key]


def unpickle(f, seen, legacy=False):
    """One pickle from file f; Python's own errors become Bad with a problem name."""
    try:
        return RefUnpickler(f, legacy, seen).load()
    except (Refused, Bad):
        raise
    except EOFError as e:
        raise Bad("truncated", str(e)) from e
    except ValueError as e:
        if "extension code" in str(e):
            raise Refused(None) from e
        raise
    except pickle.UnpicklingError as e:
        message = str(e)
        for needle, problem in (("truncated", "truncated"), ("invalid load key", "unknownOpcode"),
                                ("stack underflow", "stackUnderflow"), ("MARK", "stackUnderflow"),
                                ("Memo value not found", "badMemo")):
            if needle in message:
                raise Bad(problem, message) from e
        raise


class Checkpoint:
    """What read_checkpoint found: format, archive_prefix, records, pickle_protocol, globals,
    obj (the unpickled object, with TensorRefs), storages {key: (StorageRef, bytes or None)}."""


def read_checkpoint(blob):
    """Reads a torch zip or legacy file (bytes); raises Refused or Bad."""
    ck = Checkpoint()
    seen = {"globals": set(), "storages": {}}
    if blob[:4] == b"PK\x03\x04":
        z = zipfile.ZipFile(io.BytesIO(blob))
        names = z.namelist()
        pkls = [n for n in names if n.count("/") == 1 and n.endswith("/data.pkl")]
        if len(pkls) != 1:
            raise Bad("badStructure", f"{len(pkls)} data.pkl records")
        prefix = pkls[0][: -len("/data.pkl")]
        ck.format, ck.archive_prefix = "zip", prefix
        ck.records = [n[len(prefix) + 1:] for n in names]
        pkl = z.read(pkls[0])
        ck.obj = unpickle(io.BytesIO(pkl), seen)
        data = {key: (z.read(f"{prefix}/data/{key}") if f"{prefix}/data/{key}" in names else None)
                for key in seen["storages"]}
    else:
        f = io.BytesIO(blob)
        ck.format, ck.archive_prefix, ck.records = "legacy", None, None
        pkl = blob
        if unpickle(f, seen) != torch.serialization.MAGIC_NUMBER:
            raise Bad("badStructure", "not the legacy magic number")
        if unpickle(f, seen) != torch.serialization.PROTOCOL_VERSION:
            raise Bad("badStructure", "unknown legacy protocol version")
        sys_info = unpickle(f, seen)
        if not isinstance(sys_info, dict) or sys_info.get("little_endian") is not True:
            raise Bad("badStructure", f"sys_info {sys_info!r}")
        ck.obj = unpickle(f, seen, legacy=True)
        keys = unpickle(f, seen)
        if not (isinstance(keys, list) and all(isinstance(k, str) for k in keys)):
            raise Bad("badStructure", f"storage keys {keys!r}")
        data = {key: None for key in seen["storages"]}
        for key in keys:
            if key not in seen["storages"]:
                raise Bad("badStructure", f"storage {key} is listed but never used")
            ref = seen["storages"][key]
            header = f.read(8)
            if len(header) < 8:
                raise Bad("truncated", f"storage {key} header")
            (numel,) = struct.unpack("<q", header)
            if numel != ref.numel:
                raise Bad("badStructure", f"storage {key} holds {numel} elements, the pickle says {ref.numel}")
            need = numel * ref.type.itemsize
            if len(blob) - f.tell() < need:
                raise Bad("truncated", f"storage {key} needs {need} bytes")
            data[key] = f.read(need)
    ck.pickle_protocol = pkl[1] if pkl[:1] == pickle.PROTO else None
    ck.globals = sorted(seen["globals"])
    ck.storages = {key: (ref, data[key]) for key, ref in seen["storages"].items()}
    return ck


def walk(obj, path=""):
    """Yields (dotted key, value, container path) for the leaves of nested dicts (empty dicts are
    leaves); keys must be strings."""
    for key, value in obj.items():
        if not isinstance(key, str):
            raise Bad("badStructure", f"key {key!r} in {path or 'the top level'}")
        full = f"{path}.{key}" if path else key
        if isinstance(value, dict) and value:
            yield from walk(value, full)
        else:
            yield full, value, path


def state_dict_tensors(ck):
    """{name: (TensorRef, container)} and {name: other value}; raises notAStateDict."""
    if not isinstance(ck.obj, dict):
        raise Bad("notAStateDict", f"top level is {type(ck.obj).__name__}")
    tensors, others = {}, {}
    for name, value, container in walk(ck.obj):
        if isinstance(value, TensorRef):
            tensors[name] = (value, container)
        else:
            others[name] = value
    if not tensors:
        raise Bad("notAStateDict", "no tensors")
    return tensors, others


def materialize(name, t, data):
    """The tensor's values in C order, little-endian, checked against its storage."""
    itemsize = t.element.itemsize
    if len(t.size) != len(t.stride) or t.offset < 0 or any(v < 0 for v in t.size + t.stride):
        raise Bad("badShape", f"offset {t.offset}, size {t.size}, stride {t.stride}", name)
    numel = math.prod(t.size)
    if numel * itemsize > MAX_INT64:
        raise Bad("badShape", f"size {t.size} overflows", name)
    if data is None:
        raise Bad("missingStorage", f"no storage {t.storage.key}", name)
    if len(data) < t.storage.numel * t.storage.type.itemsize:
        raise Bad("storageTooSmall", f"storage {t.storage.key} has {len(data)} bytes", name)
    if numel == 0:
        return b""
    extent = t.offset + sum((n - 1) * s for n, s in zip(t.size, t.stride)) + 1
    if extent > t.storage_elements:
        raise Bad("storageTooSmall", f"needs {extent} elements of {t.storage_elements}", name)
    elements = np.frombuffer(data, dtype=t.element.np_dtype, count=t.storage_elements)
    view = np.lib.stride_tricks.as_strided(elements[t.offset:], shape=t.size,
                                           strides=[s * itemsize for s in t.stride])
    return np.ascontiguousarray(view).tobytes()


def read_tensors(blob):
    """(Checkpoint, {name: (TensorRef, container, bytes)}, others) of a whole file."""
    ck = read_checkpoint(blob)
    tensors, others = state_dict_tensors(ck)
    out = {name: (t, container, materialize(name, t, ck.storages[t.storage.key][1]))
           for name, (t, container) in tensors.items()}
    return ck, out, others


# --------------------------------------------------------------------------------------------
# Legacy files, made deterministic
# --------------------------------------------------------------------------------------------


def split_pickles(blob, count):
    """The first `count` pickles in blob, and the bytes after them."""
    f = io.BytesIO(blob)
    parts = []
    for _ in range(count):
        start = f.tell()
        for _op in pickletools.genops(f):  # stops right after STOP
            pass
        parts.append(blob[start:f.tell()])
    return parts, blob[f.tell():]


def canonical_legacy(blob):
    """torch's legacy writer keys storages by their address (str(storage._cdata)), so the keys,
    their sorted order and therefore the storage section change from run to run. Rename them
    "0", "1", ... in order of first use (as the zip writer does) and rewrite the keys pickle and
    the storage records in the new sorted order; everything else stays as torch wrote it."""
    (magic, version, sys_info, main, keys_pkl), records = split_pickles(blob, 5)
    seen = {"globals": set(), "storages": {}}
    unpickle(io.BytesIO(main), seen, legacy=True)
    old_keys = unpickle(io.BytesIO(keys_pkl), seen)
    rename = {old: str(i) for i, old in enumerate(seen["storages"])}
    assert sorted(rename) == sorted(old_keys)
    out, last = bytearray(), 0
    for op, arg, pos in pickletools.genops(main):
        if op.name == "BINUNICODE" and arg in rename:  # no other strings are addresses
            new = rename[arg].encode()
            out += main[last:pos] + pickle.BINUNICODE + struct.pack("<I", len(new)) + new
            last = pos + 5 + len(arg.encode())
    out += main[last:]
    f = io.BytesIO(records)
    by_key = {}
    for old in old_keys:
        header = f.read(8)
        (numel,) = struct.unpack("<q", header)
        by_key[rename[old]] = header + f.read(numel * seen["storages"][old].type.itemsize)
    assert f.read() == b""
    new_keys = sorted(rename.values())  # sorted as strings, as torch sorts its keys
    return magic + version + sys_info + bytes(out) + pickle.dumps(new_keys, protocol=2) + b"".join(
        by_key[k] for k in new_keys)


def legacy_head():
    """The magic number, protocol version and sys_info pickles that start every legacy file."""
    sys_info = {"protocol_version": torch.serialization.PROTOCOL_VERSION, "little_endian": True,
                "type_sizes": {"short": 2, "int": 4, "long": 4}}
    return b"".join(pickle.dumps(v, protocol=2) for v in (
        torch.serialization.MAGIC_NUMBER, torch.serialization.PROTOCOL_VERSION, sys_info))


# --------------------------------------------------------------------------------------------
# Describing tensors
# --------------------------------------------------------------------------------------------


def tensor_triple(t):
    """(zoo dtype, shape, C-order little-endian bytes) of a torch tensor."""
    t = t.detach().contiguous()
    values = t.view(torch.int16) if t.dtype == torch.bfloat16 else t
    return ZOO_DTYPES[t.dtype], list(t.shape), fixturelib.le_bytes(values.numpy())


def describe_tensor(t):
    t = t.detach().contiguous()
    kind = "b" if t.dtype == torch.bool else "f" if t.dtype.is_floating_point else "i"
    values = t.view(torch.int16) if t.dtype == torch.bfloat16 else t
    record = fixturelib.describe(ZOO_DTYPES[t.dtype], values.numpy(), kind)
    if t.dtype == torch.bfloat16:
        record["first"] = [json_value("f", v) for v in t.float().reshape(-1)[:4].tolist()]
    return record


def flat_tensors(obj, path=""):
    """{dotted key: tensor} of a loaded checkpoint."""
    out = {}
    for key, value in obj.items():
        full = f"{path}.{key}" if path else key
        if isinstance(value, dict):
            out.update(flat_tensors(value, full))
        elif isinstance(value, torch.Tensor):
            out[full] = value
    return out


def expected_entry(path):
    """expected.json's record of a valid file, read by the reference reader and checked, tensor by
    tensor, against torch.load(weights_only=True)."""
    blob = open(path, "rb").read()
    ck, tensors, others = read_tensors(blob)
    loaded = flat_tensors(torch.load(path, weights_only=True))
    assert sorted(loaded) == sorted(tensors), (path, sorted(loaded), sorted(tensors))
    by_storage = {}
    for name, (t, _, _) in tensors.items():
        by_storage.setdefault(t.storage.key, []).append(name)
    records = {}
    for name, (t, container, data) in tensors.items():
        want = loaded[name]
        record = describe_tensor(want)
        assert (record["dtype"], record["shape"]) == (t.element.dtype, t.size), (path, name)
        assert zlib.crc32(data) == record["crc32"], (path, name)
        assert (t.offset, t.stride) == (want.storage_offset(), list(want.stride())), (path, name)
        assert t.parameter == isinstance(want, nn.Parameter) and t.requires_grad == want.requires_grad
        record.update(container=container, storage_key=t.storage.key, storage_offset=t.offset,
                      stride=t.stride, parameter=t.parameter, requires_grad=t.requires_grad)
        sharing = [n for n in by_storage[t.storage.key] if n != name]
        if sharing:
            record["shares_storage_with"] = sharing
            assert all(loaded[n].untyped_storage().data_ptr() == want.untyped_storage().data_ptr() for n in sharing)
        records[name] = record
    containers = sorted({c for _, c, _ in tensors.values()})
    assert len(containers) == 1, containers
    metadata = getattr(ck.obj.get(containers[0]) if containers[0] else ck.obj, "_metadata", None)
    return {
        "format": ck.format,
        "archive_prefix": ck.archive_prefix,
        "records": ck.records,
        "pickle_protocol": ck.pickle_protocol,
        "globals": ck.globals,
        "container": containers[0],
        "storages": {key: {"dtype": ref.type.dtype, "numel": ref.numel, "crc32": zlib.crc32(data)}
                     for key, (ref, data) in ck.storages.items()},
        "tensors": records,
        "non_tensors": others,
        "state_dict_metadata": None if metadata is None else {k: dict(v) for k, v in metadata.items()},
    }


# --------------------------------------------------------------------------------------------
# Pickles written opcode by opcode
# --------------------------------------------------------------------------------------------


class Asm:
    """A pickle assembled opcode by opcode. emit() writes Python literals (None, bool, int, float,
    str, bytes, tuple, list, dict, OrderedDict) the way the pickler would, and calls any callable
    with the assembler, for hand-written parts."""

    def __init__(self, proto=2, frame=False):
        self.proto, self.frame = proto, frame
        self.body = bytearray()

    @property
    def pos(self):
        """The offset the next opcode will have in data()."""
        return len(self.head()) + len(self.body)

    def head(self):
        head = pickle.PROTO + bytes([self.proto]) if self.proto >= 2 else b""
        return head + (pickle.FRAME + struct.pack("<Q", len(self.body)) if self.frame else b"")

    def data(self):
        return self.head() + bytes(self.body)

    def op(self, code, arg=b""):
        self.body += code + arg
        return self

    def mark(self):
        return self.op(pickle.MARK)

    def glob(self, module, name):
        return self.op(pickle.GLOBAL, f"{module}\n{name}\n".encode())

    def stack_global(self, module, name):
        return self.emit(module).emit(name).op(pickle.STACK_GLOBAL)

    def reduce(self):
        return self.op(pickle.REDUCE)

    def stop(self):
        return self.op(pickle.STOP)

    def emit(self, value):
        if callable(value) and not isinstance(value, type):
            value(self)
        elif value is None:
            self.op(pickle.NONE)
        elif isinstance(value, bool):
            self.op(pickle.NEWTRUE if value else pickle.NEWFALSE)
        elif isinstance(value, int):
            if 0 <= value < 256:
                self.op(pickle.BININT1, bytes([value]))
            elif 0 <= value < 65536:
                self.op(pickle.BININT2, struct.pack("<H", value))
            elif -(2**31) <= value < 2**31:
                self.op(pickle.BININT, struct.pack("<i", value))
            else:
                encoded = pickle.encode_long(value)
                self.op(pickle.LONG1, bytes([len(encoded)]) + encoded)
        elif isinstance(value, float):
            self.op(pickle.BINFLOAT, struct.pack(">d", value))
        elif isinstance(value, str):
            if self.proto == 0:
                self.op(pickle.UNICODE, value.encode("raw-unicode-escape") + b"\n")
            elif self.proto >= 4 and len(value.encode()) < 256:
                self.op(pickle.SHORT_BINUNICODE, bytes([len(value.encode())]) + value.encode())
            else:
                self.op(pickle.BINUNICODE, struct.pack("<I", len(value.encode())) + value.encode())
        elif isinstance(value, bytes):
            assert self.proto >= 3
            if len(value) < 256:
                self.op(pickle.SHORT_BINBYTES, bytes([len(value)]) + value)
            else:
                self.op(pickle.BINBYTES, struct.pack("<I", len(value)) + value)
        elif isinstance(value, tuple):
            if 1 <= len(value) <= 3:
                for v in value:
                    self.emit(v)
                self.op((pickle.TUPLE1, pickle.TUPLE2, pickle.TUPLE3)[len(value) - 1])
            elif not value:
                self.op(pickle.EMPTY_TUPLE)
            else:
                self.mark()
                for v in value:
                    self.emit(v)
                self.op(pickle.TUPLE)
        elif isinstance(value, list):
            self.op(pickle.EMPTY_LIST)
            if value:
                self.mark()
                for v in value:
                    self.emit(v)
                self.op(pickle.APPENDS)
        elif isinstance(value, dict):
            if isinstance(value, OrderedDict):
                self.glob("collections", "OrderedDict").op(pickle.EMPTY_TUPLE).reduce()
            else:
                self.op(pickle.EMPTY_DICT)
            if value:
                self.mark()
                for k, v in value.items():
                    self.emit(k).emit(v)
                self.op(pickle.SETITEMS)
        else:
            raise TypeError(value)
        return self


def pickle_of(value, proto=2, frame=False):
    return Asm(proto, frame).emit(value).stop().data()


def call(module, name, *args, stack_global=False):
    """An emitter for module.name(*args) through GLOBAL (or STACK_GLOBAL) and REDUCE."""
    def go(a):
        if stack_global:
            a.stack_global(module, name)
        else:
            a.glob(module, name)
        a.emit(tuple(args)).reduce()
    return go


def call_result(callee, *args):
    """An emitter that calls what emitter `callee` leaves on the stack: callee(*args) by REDUCE."""
    return lambda a: a.emit(callee).emit(tuple(args)).reduce()


def global_ref(module, name):
    """An emitter for the bare global module.name."""
    return lambda a: a.glob(module, name)


def pid(*items):
    """An emitter for a persistent id: the tuple of `items`, then BINPERSID."""
    def go(a):
        a.mark()
        for v in items:
            a.emit(v)
        a.op(pickle.TUPLE).op(pickle.BINPERSID)
    return go


def storage_pid(key, storage, numel, legacy):
    extra = (None,) if legacy else ()
    return pid("storage", global_ref("torch", storage), key, "cpu", numel, *extra)


def tensor(storage_value, offset, size, stride, rebuild=("torch._utils", "_rebuild_tensor_v2"), args=None):
    """An emitter for _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()), as
    torch writes it; `args` replaces the whole argument list."""
    def go(a):
        a.glob(*rebuild).mark()
        for v in (args if args is not None else
                  (storage_value, offset, tuple(size), tuple(stride), False, OrderedDict())):
            a.emit(v)
        a.op(pickle.TUPLE).reduce()
    return go


def torch_zip(data_pkl, storages=(), with_pkl=True):
    """A zip written by torch's own writer (torch._C.PyTorchFileWriter, as torch.save uses it for a
    file object: prefix "archive", 64-byte aligned members, then version and
    .data/serialization_id), with the records torch.save writes around data.pkl."""
    buf = io.BytesIO()
    writer = torch._C.PyTorchFileWriter(buf, True, 64)
    records = ([("data.pkl", data_pkl)] if with_pkl else []) + [
        (".format_version", b"1"), (".storage_alignment", b"64"), ("byteorder", b"little")]
    for name, data in records + [(f"data/{k}", v) for k, v in storages]:
        writer.write_record(name, data, len(data))
    writer.write_end_of_file()
    return buf.getvalue()


def legacy_file(main, keys=(), records=b"", head=None):
    """A legacy file: head (magic number, protocol version, sys_info), the object's pickle, the
    storage keys and the storage records."""
    return (head if head is not None else legacy_head()) + main + pickle.dumps(list(keys), protocol=2) + records


def legacy_record(numel, data):
    return struct.pack("<q", numel) + data


# --------------------------------------------------------------------------------------------
# Malicious corpus
# --------------------------------------------------------------------------------------------


def pwned(case):
    return f"/tmp/zoo-pwned-{case}"


def malicious_corpus(out_dir):
    corpus = Corpus(max_size=4096)
    f32 = struct.pack("<2f", 1.5, -2.0)

    def add(name, data, glob, description):
        corpus.add(name, data, "forbiddenGlobal", description=description, extra={"global": glob})

    def shell(name):
        return f"touch {pwned(name.split('.')[0])}"

    def argv(name):
        return ["touch", pwned(name.split(".")[0])]

    def bias(legacy):  # a harmless tensor ahead of the payload, as in a real state dict
        return tensor(storage_pid("0", "FloatStorage", 2, legacy), 0, (2,), (1,))

    # Raw pickles.
    n = "os_system.pkl"
    add(n, pickle_of(call("os", "system", shell(n))), "os.system",
        "GLOBAL 'os system' + REDUCE (protocol 2); runs under pickle.load")
    n = "posix_system.pkl"
    add(n, pickle_of(call("posix", "system", shell(n))), "posix.system",
        "GLOBAL 'posix system' + REDUCE: the module os.system lives in; runs under pickle.load")
    n = "builtins_eval.pkl"
    add(n, pickle_of(call("builtins", "eval", f"__import__('os').system('{shell(n)}')", stack_global=True),
                     proto=4, frame=True),
        "builtins.eval", "STACK_GLOBAL builtins.eval + REDUCE, protocol 4 with a FRAME; runs under pickle.load")
    n = "builtins_exec.pkl"
    add(n, pickle_of(call("builtins", "exec", f"import os\nos.system('{shell(n)}')", stack_global=True),
                     proto=4),
        "builtins.exec", "STACK_GLOBAL builtins.exec + REDUCE, protocol 4 without a FRAME; runs under pickle.load")
    n = "subprocess_popen_inst.pkl"
    a = Asm(0).mark().mark().emit(argv(n)[0]).emit(argv(n)[1]).op(pickle.LIST)
    add(n, a.op(pickle.INST, b"subprocess\nPopen\n").stop().data(), "subprocess.Popen",
        "protocol 0 INST 'subprocess Popen' with the argument list ['touch', ...]: INST names the "
        "class in its own argument, no GLOBAL; runs under pickle.load")
    n = "os_system_obj.pkl"
    a = Asm(1).mark().glob("os", "system").emit(shell(n))
    add(n, a.op(pickle.OBJ).stop().data(), "os.system",
        "protocol 1 OBJ: MARK, GLOBAL 'os system', the command, OBJ calls the 'class' with the "
        "arguments; runs under pickle.load")
    n = "popen_newobj.pkl"
    a = Asm(2).glob("subprocess", "Popen").op(pickle.EMPTY_TUPLE).op(pickle.NEWOBJ).op(pickle.BINPUT, b"\x00")
    a.op(pickle.POP).emit(call("builtins", "getattr", lambda a: a.op(pickle.BINGET, b"\x00"), "__init__"))
    a.emit((argv(n),)).reduce().op(pickle.POP).op(pickle.BINGET, b"\x00")
    add(n, a.stop().data(), "subprocess.Popen",
        "NEWOBJ subprocess.Popen (allocates an instance without running __init__), then "
        "builtins.getattr(instance, '__init__')(['touch', ...]); runs under pickle.load")
    n = "build_setstate.pkl"
    a = Asm(2).emit(OrderedDict()).emit({"__setstate__": global_ref("os", "system")}).op(pickle.BUILD)
    add(n, a.emit(shell(n)).op(pickle.BUILD).stop().data(), "os.system",
        "an allowed collections.OrderedDict, a BUILD that sets its __setstate__ attribute to "
        "os.system, then a second BUILD whose state (the command) is passed to that __setstate__; "
        "runs under pickle.load")
    n = "simplenamespace_setstate.pkl"
    a = Asm(2).glob("types", "SimpleNamespace").op(pickle.EMPTY_TUPLE).op(pickle.NEWOBJ)
    a.emit({"__setstate__": global_ref("subprocess", "getoutput")}).op(pickle.BUILD)
    add(n, a.emit(shell(n)).op(pickle.BUILD).stop().data(), "types.SimpleNamespace",
        "NEWOBJ types.SimpleNamespace, BUILD {'__setstate__': subprocess.getoutput}, BUILD with the "
        "command; the first global outside the allowlist is the class; runs under pickle.load")
    n = "builtins_getattr.pkl"
    add(n, pickle_of(call_result(call("builtins", "getattr", call("builtins", "__import__", "os"), "system"),
                                 shell(n))),
        "builtins.getattr", "builtins.getattr(builtins.__import__('os'), 'system')(command); runs under pickle.load")
    n = "py2_builtin_getattr.pkl"
    add(n, pickle_of(call_result(call("__builtin__", "getattr", call("__builtin__", "__import__", "os"), "system"),
                                 shell(n))),
        "__builtin__.getattr",
        "the getattr chain through the Python 2 module name __builtin__, which Python 3's "
        "unpickler maps to builtins for protocols < 3; runs under pickle.load")
    n = "py2_builtin_eval.pkl"
    add(n, pickle_of(call("__builtin__", "eval", f"__import__('os').system('{shell(n)}')")),
        "__builtin__.eval", "GLOBAL '__builtin__ eval' (mapped to builtins.eval); runs under pickle.load")
    n = "copyreg_reconstructor.pkl"
    add(n, pickle_of(call("copyreg", "_reconstructor", global_ref("subprocess", "Popen"),
                          global_ref("subprocess", "Popen"), argv(n))),
        "copyreg._reconstructor",
        "copyreg._reconstructor(subprocess.Popen, subprocess.Popen, ['touch', ...]) calls "
        "Popen.__init__ on a fresh instance; runs under pickle.load")
    n = "memo_stack_global.pkl"
    a = Asm(4).op(pickle.EMPTY_DICT).op(pickle.MEMOIZE).mark()
    for s in ("format", "os", "note", "system"):  # memo 1..4
        a.emit(s).op(pickle.MEMOIZE)
    a.op(pickle.SETITEMS).op(pickle.BINGET, b"\x02").op(pickle.BINGET, b"\x04").op(pickle.STACK_GLOBAL)
    add(n, a.emit((shell(n),)).reduce().op(pickle.TUPLE2).stop().data(), "os.system",
        "the strings 'os' and 'system' first appear as values of an innocent dict; STACK_GLOBAL "
        "takes them from the memo (BINGET), so the names are found only by following the memo; "
        "runs under pickle.load")
    n = "pickle_loads.pkl"
    add(n, pickle_of(call("pickle", "loads", pickle_of(call("os", "system", shell(n)))), proto=3),
        "pickle.loads",
        "pickle.loads of a BINBYTES string that is itself an os.system pickle; runs under pickle.load")
    n = "os_popen_text.pkl"
    add(n, pickle_of(call("os", "popen", shell(n)), proto=0), "os.popen",
        "protocol 0 (text opcodes): c os popen ( V<command> t R; runs under pickle.load")
    n = "ext1_extension.pkl"
    a = Asm(2).op(pickle.EXT1, b"\xf0").emit((shell(n),)).reduce()
    add(n, a.stop().data(), None,
        "EXT1 240: a global looked up in copyreg's extension registry, so the file names no module "
        "at all; runs under pickle.load only in a process that registered code 240 (e.g. "
        "copyreg.add_extension('os', 'system', 240)); a reader must refuse extension codes")
    n = "numpy_runstring.pkl"
    add(n, pickle_of(call("numpy.testing._private.utils", "runstring", f"import os\nos.system('{shell(n)}')", {})),
        "numpy.testing._private.utils.runstring",
        "numpy.testing._private.utils.runstring(code, {}) is exec(code) inside an innocent-looking "
        "library; runs under pickle.load where numpy is installed")
    n = "torch_load_from_bytes.pkl"
    add(n, pickle_of(call("torch.storage", "_load_from_bytes", pickle_of(call("os", "system", shell(n)))), proto=3),
        "torch.storage._load_from_bytes",
        "torch.storage._load_from_bytes(b) is torch.load(BytesIO(b), weights_only=False) of the "
        "embedded os.system pickle; runs under pickle.load where torch is installed")
    n = "torch_import_dotted_name.pkl"
    add(n, pickle_of(call_result(call("torch._utils", "_import_dotted_name", "os.system"), shell(n))),
        "torch._utils._import_dotted_name",
        "a function of torch._utils, the module _rebuild_tensor_v2 lives in, that imports any dotted "
        "name: _import_dotted_name('os.system')(command); runs under pickle.load")
    n = "torch_utils_dotted_name.pkl"
    add(n, pickle_of(call("torch._utils", "os.system", shell(n), stack_global=True), proto=4),
        "torch._utils.os.system",
        "STACK_GLOBAL module 'torch._utils', name 'os.system': protocol 4 resolves dotted names "
        "attribute by attribute, reaching os through torch._utils' own import; a reader that "
        "allows the module torch._utils wholesale is fooled; runs under pickle.load")

    # Legacy .pth files: the payload inside one of the five pickles.
    head = legacy_head()
    n = "legacy_tensor_storage.pth"
    main = pickle_of(OrderedDict(bias=bias(True), weight=tensor(call("os", "system", shell(n)), 0, (2,), (1,))))
    add(n, legacy_file(main, ["0"], legacy_record(2, f32)), "os.system",
        "legacy file; the storage argument of weight's _rebuild_tensor_v2 is os.system(command) "
        "instead of a persistent id (after a valid tensor 'bias'); runs under torch.load(weights_only=False)")
    n = "legacy_sys_info.pth"
    good = pickle_of(OrderedDict(bias=bias(True)))
    parts, _ = split_pickles(head, 3)
    add(n, legacy_file(good, ["0"], legacy_record(2, f32),
                       head=parts[0] + parts[1] + pickle_of(call("subprocess", "call", argv(n)))),
        "subprocess.call",
        "legacy file whose third pickle (sys_info) is subprocess.call(['touch', ...]); the state "
        "dict after it is valid; runs under torch.load(weights_only=False)")
    n = "legacy_magic.pth"
    add(n, legacy_file(good, ["0"], legacy_record(2, f32),
                       head=pickle_of(call("subprocess", "check_call", argv(n))) + parts[1] + parts[2]),
        "subprocess.check_call",
        "legacy file whose first pickle (the magic number) is subprocess.check_call(['touch', ...]); "
        "runs under torch.load(weights_only=False), before the magic number is checked")
    n = "legacy_module_pid.pth"
    main = pickle_of(OrderedDict(weight=call_result(pid("module", global_ref("os", "system"), None, None),
                                                    shell(n))))
    add(n, legacy_file(main), "os.system",
        "legacy persistent id ('module', os.system, None, None): torch's legacy persistent_load "
        "returns data[0] for typename 'module' (pickled nn.Module classes), and a REDUCE then calls "
        "it; runs under torch.load(weights_only=False)")
    n = "legacy_storage_keys.pth"
    add(n, head + good + pickle_of(call("posix", "system", shell(n))) + legacy_record(2, f32), "posix.system",
        "legacy file whose fifth pickle (the storage key list) is posix.system(command), after a "
        "valid state dict; runs under torch.load(weights_only=False)")

    # Torch zip .pth files (archive/data.pkl, archive/byteorder, archive/version, ...).
    n = "zip_tensor_storage.pth"
    main = pickle_of(OrderedDict(bias=bias(False), weight=tensor(call("os", "system", shell(n)), 0, (2,), (1,))))
    add(n, torch_zip(main, [("0", f32)]), "os.system",
        "zip; the storage argument of weight's _rebuild_tensor_v2 is os.system(command) instead of "
        "a persistent id (after a valid tensor 'bias'); runs under torch.load(weights_only=False) "
        "and pickle.load of data.pkl")
    n = "zip_metadata_value.pth"
    main = pickle_of({"state_dict": OrderedDict(bias=bias(False)),
                      "meta": {"created_by": call("subprocess", "check_output", argv(n))}})
    add(n, torch_zip(main, [("0", f32)]), "subprocess.check_output",
        "zip; a valid state dict under 'state_dict' and, next to it, meta.created_by = "
        "subprocess.check_output(['touch', ...]); runs under torch.load(weights_only=False)")
    n = "zip_pid_typename.pth"
    main = pickle_of(OrderedDict(weight=tensor(
        pid(global_ref("os", "system"), global_ref("torch", "FloatStorage"), "0", "cpu", 2), 0, (2,), (1,))))
    add(n, torch_zip(main, [("0", f32)]), "os.system",
        "zip; the typename slot of a persistent id tuple holds the global os.system instead of "
        "'storage' (torch's loader resolves it, then fails its typename check without calling it); "
        "a reader must refuse the global before interpreting the tuple")
    n = "zip_alias_rebuild.pth"
    main = pickle_of(OrderedDict(weight=tensor(storage_pid("0", "FloatStorage", 2, False), 0, (2,), (1,),
                                               rebuild=("torch.serialization", "_rebuild_tensor_v2"))))
    add(n, torch_zip(main, [("0", f32)]), "torch.serialization._rebuild_tensor_v2",
        "zip; a well-formed tensor rebuilt through 'torch.serialization _rebuild_tensor_v2', the "
        "right function name under a module that is not allowed: a reader must match module and "
        "name together (harmless itself: Python cannot resolve it)")

    listing = corpus.write(out_dir)
    return corpus, listing


# --------------------------------------------------------------------------------------------
# Malformed corpus
# --------------------------------------------------------------------------------------------


def malformed_corpus(out_dir):
    corpus = Corpus(max_size=4096)
    add = corpus.add
    a_data, b_data = struct.pack("<2f", 1.5, -2.0), struct.pack("<4h", 1, -2, 300, -32768)

    def state(legacy=False, a=None, b=None, a_pid=None, b_pid=None):
        """The base state dict {a: F32 [2] in storage 0, b: I16 [2, 2] in storage 1}, with parts
        replaced."""
        return OrderedDict(
            a=a or tensor(a_pid or storage_pid("0", "FloatStorage", 2, legacy), 0, (2,), (1,)),
            b=b or tensor(b_pid or storage_pid("1", "ShortStorage", 4, legacy), 0, (2, 2), (2, 1)))

    base_pkl = pickle_of(state())
    storages = [("0", a_data), ("1", b_data)]

    def zipped(main, records=storages, **kw):
        return torch_zip(main, records, **kw)

    # Pickle-level damage, raw .pkl: offset = the failing opcode where that is pinned down.
    add("truncated_half.pkl", base_pkl[: len(base_pkl) // 2], "truncated", None, None,
        "the base state-dict pickle cut in half")
    add("truncated_binunicode.pkl", pickle.PROTO + b"\x02" + pickle.BINUNICODE + struct.pack("<I", 100) + b"short",
        "truncated", None, None, "BINUNICODE declares 100 bytes, 5 follow")
    add("missing_stop.pkl", base_pkl[:-1], "truncated", None, None, "the base pickle without its final STOP")
    a = Asm().op(pickle.EMPTY_DICT)
    add("unknown_opcode.pkl", a.data() + b"\xff", "unknownOpcode", None, a.pos, "byte 0xff is no opcode")
    a = Asm()
    add("pop_empty.pkl", a.data() + pickle.POP, "stackUnderflow", None, a.pos, "POP on an empty stack")
    add("stop_empty.pkl", a.data() + pickle.STOP, "stackUnderflow", None, a.pos, "STOP with an empty stack")
    a = Asm().op(pickle.EMPTY_TUPLE)
    add("reduce_underflow.pkl", a.data() + pickle.REDUCE + pickle.STOP, "stackUnderflow", None, a.pos,
        "REDUCE with only one item (the argument tuple) on the stack")
    a = Asm().op(pickle.EMPTY_DICT).emit("k").emit("v")
    add("setitems_no_mark.pkl", a.data() + pickle.SETITEMS + pickle.STOP, "stackUnderflow", None, a.pos,
        "SETITEMS with no MARK on the stack")
    a = Asm()
    add("binget_missing.pkl", a.data() + pickle.BINGET + b"\x05" + pickle.STOP, "badMemo", None, a.pos,
        "BINGET 5 with an empty memo")
    a = Asm().op(pickle.EMPTY_DICT).op(pickle.BINPUT, b"\x00")
    add("long_binget_missing.pkl", a.data() + pickle.LONG_BINGET + struct.pack("<I", 7) + pickle.TUPLE2 + pickle.STOP,
        "badMemo", None, a.pos, "LONG_BINGET 7 when only memo 0 is set")

    # Zip files (torch's writer, prefix "archive").
    add("zip_truncated_data_pkl.pth", zipped(base_pkl[: len(base_pkl) * 2 // 3]), "truncated", None, None,
        "archive/data.pkl holds only the first two thirds of the pickle; the zip itself is intact")
    cut = next(pos for _, _, pos in pickletools.genops(base_pkl) if pos >= len(base_pkl) // 2)  # an opcode
    add("zip_unknown_opcode.pth", zipped(base_pkl[:cut] + b"\xff" + base_pkl[cut:]), "unknownOpcode", None, None,
        "a 0xff byte inserted before an opcode in the middle of data.pkl")
    add("zip_missing_storage.pth", zipped(pickle_of(state(b_pid=storage_pid("5", "ShortStorage", 4, False)))),
        "missingStorage", "b", None, "b's persistent id names storage '5'; the zip has data/0 and data/1")
    add("zip_no_data_entries.pth", zipped(base_pkl, []), "missingStorage", "a", None,
        "valid data.pkl, but the zip has no data/ records at all")
    add("zip_storage_short.pth", zipped(base_pkl, [("0", a_data[:4]), ("1", b_data)]), "storageTooSmall", "a", None,
        "storage 0 is declared as 2 float32 (8 bytes) but archive/data/0 holds 4 bytes")
    add("zip_view_past_storage.pth",
        zipped(pickle_of(state(a=tensor(storage_pid("0", "FloatStorage", 2, False), 1, (2,), (1,))))),
        "storageTooSmall", "a", None, "a: offset 1, size [2] needs 3 elements of a 2-element storage")
    add("zip_stride_past_storage.pth",
        zipped(pickle_of(state(b=tensor(storage_pid("1", "ShortStorage", 4, False), 0, (2, 2), (3, 1))))),
        "storageTooSmall", "b", None, "b: size [2, 2] stride [3, 1] reaches element 4 of a 4-element storage")
    add("zip_negative_stride.pth",
        zipped(pickle_of(state(b=tensor(storage_pid("1", "ShortStorage", 4, False), 3, (2, 2), (-2, 1))))),
        "badShape", "b", None, "b: stride [-2, 1]")
    add("zip_negative_size.pth",
        zipped(pickle_of(state(a=tensor(storage_pid("0", "FloatStorage", 2, False), 0, (-2,), (1,))))),
        "badShape", "a", None, "a: size [-2]")
    add("zip_negative_offset.pth",
        zipped(pickle_of(state(a=tensor(storage_pid("0", "FloatStorage", 2, False), -1, (2,), (1,))))),
        "badShape", "a", None, "a: storage offset -1")
    add("zip_numel_overflow.pth",
        zipped(pickle_of(state(a=tensor(storage_pid("0", "FloatStorage", 2, False), 0, (2**62, 8), (8, 1))))),
        "badShape", "a", None, "a: size [2^62, 8], 2^65 elements, overflows Int64")
    add("zip_rank_mismatch.pth",
        zipped(pickle_of(state(a=tensor(storage_pid("0", "FloatStorage", 2, False), 0, (2,), (1, 1))))),
        "badShape", "a", None, "a: size [2] with stride [1, 1]")
    add("zip_no_data_pkl.pth", torch_zip(b"", storages, with_pkl=False), "badStructure", None, None,
        "a torch zip (version, byteorder, data/0, data/1) with no data.pkl")
    add("zip_pid_short.pth",
        zipped(pickle_of(state(a_pid=pid("storage", global_ref("torch", "FloatStorage"), "0", "cpu")))),
        "badStructure", None, None, "a's persistent id has 4 items (no numel)")
    add("zip_pid_typename.pth",
        zipped(pickle_of(state(a_pid=pid("module", global_ref("torch", "FloatStorage"), "0", "cpu", 2)))),
        "badStructure", None, None, "a's persistent id has typename 'module', not 'storage'")
    add("zip_rebuild_two_args.pth",
        zipped(pickle_of(state(a=tensor(None, 0, (), (), args=(storage_pid("0", "FloatStorage", 2, False), 0))))),
        "badStructure", None, None, "_rebuild_tensor_v2(storage, 0): two arguments instead of six")
    add("zip_top_level_int.pth", zipped(pickle_of(42), []), "notAStateDict", None, None, "data.pkl is the int 42")
    add("zip_no_tensors.pth", zipped(pickle_of({"epoch": 7, "lr": 0.1}), []), "notAStateDict", None, None,
        "a dict without any tensor: {'epoch': 7, 'lr': 0.1}")

    # Legacy files.
    legacy_main = pickle_of(state(legacy=True))
    legacy_records = legacy_record(2, a_data) + legacy_record(4, b_data)
    good = legacy_file(legacy_main, ["0", "1"], legacy_records)
    add("legacy_truncated_storage.pth", good[:-3], "truncated", None, None,
        "the base legacy file with its last storage record 3 bytes short")
    add("legacy_truncated_header.pth", good[: len(good) - len(b_data) - 4], "truncated", None, None,
        "the base legacy file cut inside the numel header of its second storage record")
    huge = 2**60
    main = pickle_of(state(legacy=True, a_pid=storage_pid("0", "FloatStorage", huge, True)))
    add("legacy_huge_numel.pth", legacy_file(main, ["0", "1"], legacy_record(huge, a_data) + legacy_record(4, b_data)),
        "truncated", None, None,
        "storage 0 declared (persistent id and record header agree) as 2^60 float32 = 2^62 bytes; the "
        "file holds 8: a reader must check before allocating")
    add("legacy_numel_mismatch.pth",
        legacy_file(legacy_main, ["0", "1"], legacy_record(3, a_data + a_data[:4]) + legacy_record(4, b_data)),
        "badStructure", None, None,
        "storage 0's record header says 3 elements (12 bytes follow), its persistent id says 2")
    add("legacy_bad_magic.pth", pickle.dumps(0x1950A86A20F9469CFC6D, protocol=2) + good[len(pickle.dumps(
        torch.serialization.MAGIC_NUMBER, protocol=2)):], "badStructure", None, None,
        "the first pickle is not the legacy magic number 0x1950a86a20f9469cfc6c (last digit changed)")
    magic = pickle.dumps(torch.serialization.MAGIC_NUMBER, protocol=2)
    version = pickle.dumps(torch.serialization.PROTOCOL_VERSION, protocol=2)
    add("legacy_bad_protocol.pth", magic + pickle.dumps(1002, protocol=2) + good[len(magic) + len(version):],
        "badStructure", None, None, "protocol version 1002 instead of 1001")
    add("legacy_keys_not_list.pth", legacy_head() + legacy_main + pickle.dumps(7, protocol=2) + legacy_records,
        "badStructure", None, None, "the storage key pickle is the int 7, not a list of strings")
    add("legacy_missing_key.pth", legacy_file(legacy_main, ["0"], legacy_record(2, a_data)), "missingStorage", "b",
        None, "b's storage '1' is in neither the key list nor the storage records")

    # The undamaged bases are valid, to the reference reader and to torch.
    for blob in (zipped(base_pkl), good):
        read_tensors(blob)
        assert not torch_refuses_bytes(blob)

    listing = corpus.write(out_dir)
    return corpus, listing


# --------------------------------------------------------------------------------------------
# Self-checks of the corpora
# --------------------------------------------------------------------------------------------


def raw_unpickle(blob):
    """A raw .pkl through the reference unpickler (no torch structure)."""
    return unpickle(io.BytesIO(blob), {"globals": set(), "storages": {}})


def pickles_in(name, blob):
    """Every pickle in a corpus file, for pickletools."""
    if name.endswith(".pkl"):
        return [blob]
    if blob[:4] == b"PK\x03\x04":
        z = zipfile.ZipFile(io.BytesIO(blob))
        return [z.read(n) for n in z.namelist() if n.endswith("/data.pkl")]
    return split_pickles(blob, 5)[0]


def torch_refuses(path):
    try:
        with warnings.catch_warnings():  # its notes on protocols 3 and 4
            warnings.simplefilter("ignore")
            torch.load(path, weights_only=True)
    except Exception:  # noqa: BLE001 - any refusal counts
        return True
    return False


def torch_refuses_bytes(blob):
    with tempfile.NamedTemporaryFile(suffix=".pth") as f:
        f.write(blob)
        f.flush()
        return torch_refuses(f.name)


def check_malicious(out_dir, corpus):
    before = set(os.listdir("/tmp"))
    for name, blob, _, _, _, _, extra in corpus.cases:
        for p in pickles_in(name, blob):
            pickletools.dis(p, out=io.StringIO())  # well-formed: every opcode, stack and mark balanced
        try:
            raw_unpickle(blob) if name.endswith(".pkl") else read_tensors(blob)
        except Refused as e:
            assert e.name == extra["global"], (name, e.name, extra["global"])
        else:
            raise AssertionError(f"reference reader accepts malicious/{name}")
        assert torch_refuses(os.path.join(out_dir, name)), f"torch.load(weights_only=True) accepts {name}"
    pwned = sorted(n for n in set(os.listdir("/tmp")) - before if n.startswith("zoo-pwned-"))
    assert not pwned, pwned


def check_malformed(out_dir, corpus):
    for name, blob, problem, tensor_name, *_ in corpus.cases:
        try:
            raw_unpickle(blob) if name.endswith(".pkl") else read_tensors(blob)
        except Bad as e:
            assert (e.problem, e.tensor if tensor_name else None) == (problem, tensor_name), (name, str(e))
        else:
            raise AssertionError(f"reference reader accepts malformed/{name}")
        # torch loads any object; notAStateDict is zoo's own refusal.
        if problem != "notAStateDict" and not name.endswith(".pkl") and not torch_refuses(os.path.join(out_dir, name)):
            print(f"note: torch.load(weights_only=True) accepts malformed/{name}")


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


def generate():
    files = ("zip_all_dtypes.pth", "legacy_all_dtypes.pth", "nested.pth", "module_prefixed.pth")
    torch.save(all_dtypes_state_dict(), os.path.join(HERE, files[0]))
    buf = io.BytesIO()
    torch.save(all_dtypes_state_dict(unsigned=False), buf, _use_new_zipfile_serialization=False)
    legacy = canonical_legacy(buf.getvalue())
    assert legacy.startswith(legacy_head())
    with open(os.path.join(HERE, files[1]), "wb") as f:
        f.write(legacy)
    torch.save(nested_checkpoint(), os.path.join(HERE, files[2]))
    with open(os.path.join(HERE, files[3]), "wb") as f:  # a file object: prefix "archive"
        torch.save(module_prefixed_state_dict(), f)

    # The renamed legacy file loads exactly as torch's own.
    want = flat_tensors(torch.load(io.BytesIO(buf.getvalue()), weights_only=True))
    got = flat_tensors(torch.load(os.path.join(HERE, files[1]), weights_only=True))
    assert {k: tensor_triple(v) for k, v in got.items()} == {k: tensor_triple(v) for k, v in want.items()}

    expected = {"files": {name: expected_entry(os.path.join(HERE, name)) for name in files},
                "allowed_globals": sorted(f"{m}.{n}" for m, n in ALLOWED)}
    zip_tensors, legacy_tensors = (expected["files"][f]["tensors"] for f in files[:2])
    assert {k: v for k, v in zip_tensors.items() if k not in ("u16", "u32", "u64")} == legacy_tensors
    dump_json(os.path.join(HERE, "expected.json"), expected)

    malicious, bad_listing = malicious_corpus(os.path.join(HERE, "malicious"))
    check_malicious(os.path.join(HERE, "malicious"), malicious)
    malformed, malformed_listing = malformed_corpus(os.path.join(HERE, "malformed"))
    check_malformed(os.path.join(HERE, "malformed"), malformed)

    total = sum(os.path.getsize(os.path.join(root, f)) for root, _, fs in os.walk(HERE) for f in fs
                if "__pycache__" not in root)
    print(f"wrote {len(files)} checkpoints, {len(bad_listing)} malicious and {len(malformed_listing)} "
          f"malformed files; {total} bytes in formats/pytorch")


# --------------------------------------------------------------------------------------------
# Readback against zoo
# --------------------------------------------------------------------------------------------


def torch_triples(path):
    """{name: (dtype, shape, bytes)} of a checkpoint as torch.load(weights_only=True) reads it."""
    return {name: tensor_triple(t) for name, t in flat_tensors(torch.load(path, weights_only=True)).items()}


def safetensors_triples(path):
    from safetensors import deserialize

    with open(path, "rb") as f:
        return {name: (t["dtype"], list(t["shape"]), bytes(t["data"])) for name, t in deserialize(f.read())}


def zip_layout(path):
    """(member name, data offset) of each zip member, from the local headers."""
    blob = open(path, "rb").read()
    out = []
    for info in zipfile.ZipFile(path).infolist():
        name_len, extra_len = struct.unpack("<HH", blob[info.header_offset + 26: info.header_offset + 30])
        out.append((info.filename, info.header_offset + 30 + name_len + extra_len))
    return out


def readback(zoo):
    from safetensors.torch import save_file

    with scratch_copy(HERE, ("zip_all_dtypes.pth", "legacy_all_dtypes.pth")) as tmp:
        c = Checker(zoo, tmp)
        src_zip = torch_triples(os.path.join(tmp, "zip_all_dtypes.pth"))
        src_legacy = torch_triples(os.path.join(tmp, "legacy_all_dtypes.pth"))
        source = {name: t.detach().contiguous().clone()
                  for name, t in flat_tensors(torch.load(os.path.join(tmp, "zip_all_dtypes.pth"),
                                                         weights_only=True)).items()}
        save_file(source, os.path.join(tmp, "SRC.safetensors"))

        def step1():
            c.compare_tensors("OUT.safetensors", safetensors_triples(os.path.join(tmp, "OUT.safetensors")), src_zip)

        def step2():
            c.compare_tensors("OUT2.safetensors", safetensors_triples(os.path.join(tmp, "OUT2.safetensors")),
                              src_legacy)

        def step3():
            out = os.path.join(tmp, "OUT3.pth")
            c.check(zipfile.is_zipfile(out), "OUT3.pth is a zip (torch's default format)")
            want = {name: tensor_triple(t) for name, t in source.items()}
            loaded = torch.load(out, weights_only=True)
            c.check(isinstance(loaded, dict), f"OUT3.pth top level is a dict ({type(loaded).__name__})")
            c.compare_tensors("OUT3.pth (torch.load)", torch_triples(out), want)
            mapped = flat_tensors(torch.load(out, weights_only=True, mmap=True))
            c.compare_tensors("OUT3.pth (torch.load mmap=True)",
                              {name: tensor_triple(t) for name, t in mapped.items()}, want)
            try:
                ck = read_checkpoint(open(out, "rb").read())
                c.check(True, f"OUT3.pth uses only allowlisted globals: {ck.globals}")
                c.info(f"OUT3.pth archive prefix {ck.archive_prefix!r}, records {ck.records}, "
                       f"pickle protocol {ck.pickle_protocol}")
            except (Refused, Bad) as e:
                c.check(False, f"OUT3.pth through the reference reader: {type(e).__name__}: {e}")
            misaligned = [(n, off) for n, off in zip_layout(out) if "/data/" in n and off % 64]
            c.info(f"OUT3.pth storage records not 64-byte aligned: {misaligned or 'none'}")

        c.convert(["convert", "zip_all_dtypes.pth", "OUT.safetensors"], "OUT.safetensors", step1)
        c.convert(["convert", "legacy_all_dtypes.pth", "OUT2.safetensors"], "OUT2.safetensors", step2)
        c.convert(["convert", "SRC.safetensors", "OUT3.pth"], "OUT3.pth", step3)

    return c.summary()


if __name__ == "__main__":
    sys.exit(fixturelib.main(__doc__, generate, readback))
