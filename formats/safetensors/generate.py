"""Writes the safetensors fixtures in formats/safetensors/ and can check zoo's output against them.

Rerun (from anywhere) with:

    /tmp/pyref/bin/python formats/safetensors/generate.py

Needs numpy, ml_dtypes and safetensors (0.8.0 was used). Every value is fixed in this file, so
rerunning writes identical bytes. Files written (all valid ones by the real `safetensors` writer,
through `safetensors.serialize_file` with `TensorSpec`s):

    all_dtypes.safetensors   one tensor per dtype (t_f64 t_f32 t_f16 t_bf16 t_i64 t_i32 t_i16 t_i8
                             t_u64 t_u32 t_u16 t_u8 t_bool t_f8_e4m3 t_f8_e5m2), ranks 1-3, with
                             negatives and, for floats, NaN, +-inf (not in F8_E4M3, which has no
                             inf) and a subnormal; plus empty_1d (F32 [0]), empty_2d (F16 [2, 0]),
                             scalar (F64 []). Metadata {"format": "pt", "note": "ünïcode ✓"}.
    no_metadata.safetensors  two F32 tensors, no __metadata__ key.
    empty.safetensors        no tensors (header "{}").
    sharded/                 model-0000k-of-00003.safetensors (k = 1..3, metadata {"format": "pt"})
                             and model.safetensors.index.json as transformers writes it
                             (json.dumps(indent=2, sort_keys=True) + "\\n"; total_size = sum of
                             tensor data bytes).
    expected.json            {"files": {relative path: {"metadata": dict or null,
                                 "tensors": {name: {"dtype", "shape", "crc32", "first"}}}},
                              "sharded": {"index": path, "total_size": N,
                                 "tensors": {name: {"shard", "dtype", "shape", "crc32", "first"}}}}
                             crc32 = zlib.crc32 of the tensor's raw little-endian bytes (unsigned);
                             first = up to 4 leading values in C order: ints for integer dtypes,
                             floats for float dtypes (strings "nan", "inf", "-inf" for those),
                             true/false for BOOL.
    malformed/*.safetensors  small broken files, each made by editing the bytes of a valid file,
    malformed/cases.json     and a list of {"file", "problem", "tensor", "offset", "description"}.
                             problem is the Swift SafetensorsProblem case name. offset is the
                             absolute byte the error should point at, or null where that is not
                             pinned down: 0 for the length-field problems (tooShort,
                             headerTooLarge, headerOutsideFile), 8 + position inside the JSON for
                             syntax errors (cross-checked against Python's json error position),
                             8 for headerNotObject; null for per-tensor problems, gap, overlap,
                             uncoveredTail, badMetadata and invalid UTF-8. tensor is the tensor
                             the error is about, or null.

Check mode (runs the zoo CLI, writes only into a temporary folder):

    /tmp/pyref/bin/python formats/safetensors/generate.py --readback /path/to/zoo

converts the fixtures with zoo and compares names, dtypes, shapes and bytes with the sources,
printing one line per check; exits 1 if any check fails.
"""

import glob
import json
import os
import shutil
import struct
import sys
import tempfile
import zlib

import ml_dtypes
import numpy as np
from safetensors import TensorSpec, deserialize, safe_open, serialize_file

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import fixturelib  # noqa: E402 - formats/fixturelib.py, found through the path above
from fixturelib import Checker, Corpus, dump_json, le_bytes, scratch_copy  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

# Safetensors spelling -> (numpy dtype, TensorSpec dtype name).
DTYPES = {
    "F64": (np.dtype("<f8"), "float64"),
    "F32": (np.dtype("<f4"), "float32"),
    "F16": (np.dtype("<f2"), "float16"),
    "BF16": (np.dtype(ml_dtypes.bfloat16), "bfloat16"),
    "I64": (np.dtype("<i8"), "int64"),
    "I32": (np.dtype("<i4"), "int32"),
    "I16": (np.dtype("<i2"), "int16"),
    "I8": (np.dtype("i1"), "int8"),
    "U64": (np.dtype("<u8"), "uint64"),
    "U32": (np.dtype("<u4"), "uint32"),
    "U16": (np.dtype("<u2"), "uint16"),
    "U8": (np.dtype("u1"), "uint8"),
    "BOOL": (np.dtype("?"), "bool"),
    "F8_E4M3": (np.dtype(ml_dtypes.float8_e4m3fn), "float8_e4m3fn"),
    "F8_E5M2": (np.dtype(ml_dtypes.float8_e5m2), "float8_e5m2"),
}
FLOATS = {"F64", "F32", "F16", "BF16", "F8_E4M3", "F8_E5M2"}
INF = float("inf")
NAN = float("nan")


def tensor(dtype, values, shape):
    return dtype, np.array(values, dtype=DTYPES[dtype][0]).reshape(shape)


def all_dtypes_tensors():
    return {
        "t_f64": tensor("F64", [-1.5, NAN, INF, -INF, 5e-324, 1e300], (2, 3)),
        "t_f32": tensor("F32", [1.0, -2.5, NAN, INF, -INF, 1e-40, 3.4028234663852886e38, -0.0], (2, 2, 2)),
        "t_f16": tensor("F16", [0.5, -65504.0, NAN, INF, -INF, 2.0**-24, 1 / 3], (7,)),
        "t_bf16": tensor("BF16", [1.0, -3.140625, NAN, INF, -INF, 1e-39, 3.3895313892515355e38, 0.0], (2, 4)),
        "t_i64": tensor("I64", [-1, 0, 42, -123456789, -(2**63), 2**63 - 1], (3, 2)),
        "t_i32": tensor("I32", [-7, 0, 123456, -(2**31), 2**31 - 1], (5,)),
        "t_i16": tensor("I16", [-2, 0, 3, -32768, 1000, 32767], (2, 3)),
        "t_i8": tensor("I8", [-128, -1, 0, 1, 2, 3, 64, 127], (2, 2, 2)),
        "t_u64": tensor("U64", [0, 1, 12345678901, 2**64 - 1], (4,)),
        "t_u32": tensor("U32", [0, 1, 4294967295, 123456], (2, 2)),
        "t_u16": tensor("U16", [0, 65535, 513], (1, 3)),
        "t_u8": tensor("U8", [0, 1, 127, 128, 254, 255], (6,)),
        "t_bool": tensor("BOOL", [True, False, False, True, True, False], (2, 3)),
        # e4m3fn: no infinities; 448 is the largest finite value, 2^-9 the smallest subnormal.
        "t_f8_e4m3": tensor("F8_E4M3", [1.0, -2.0, NAN, 448.0, -448.0, 2.0**-9, 0.0, -0.0], (2, 4)),
        # e5m2: 57344 is the largest finite value, 2^-16 the smallest subnormal.
        "t_f8_e5m2": tensor("F8_E5M2", [1.0, -1.5, NAN, INF, -INF, 2.0**-16, 57344.0, -0.0], (2, 2, 2)),
        "empty_1d": tensor("F32", [], (0,)),
        "empty_2d": tensor("F16", [], (2, 0)),
        "scalar": tensor("F64", [-2.5], ()),
    }


def no_metadata_tensors():
    weight = (np.arange(12, dtype=np.float64) * 0.37 - 2.0) / 3.0
    weight[5] = 1.0 + 2.0**-11  # a float16 tie: rounds to even (1.0)
    weight[6] = 70000.0  # overflows float16 to inf
    weight[7] = 1e-6  # float16 subnormal
    return {
        "weight": tensor("F32", weight, (3, 4)),
        "bias": tensor("F32", [0.1, -0.2, 0.30000001192092896, 65504.0], (4,)),
    }


def sharded_tensors():
    def ramp(n, scale, offset):
        return (np.arange(n, dtype=np.float64) * scale + offset).tolist()

    return [
        {
            "model.embed_tokens.weight": tensor("F32", ramp(32, 0.125, -2.0), (8, 4)),
            "model.layers.0.attn.q_proj.weight": tensor("BF16", ramp(16, -0.25, 1.0), (4, 4)),
        },
        {
            "model.layers.0.mlp.up_proj.weight": tensor("F16", ramp(24, 0.0625, -0.75), (4, 6)),
            "model.layers.0.norm.weight": tensor("F32", [1.0, 1.0, 0.5, 2.0], (4,)),
            "model.layers.1.attn.q_proj.weight": tensor("BF16", ramp(16, 0.5, -4.0), (4, 4)),
        },
        {
            "lm_head.weight": tensor("F32", ramp(32, -0.03125, 0.5), (8, 4)),
            "model.norm.weight": tensor("F32", [0.25, 0.5, 0.75, 1.0], (4,)),
            "model.layers.1.step": tensor("I64", [1000], (1,)),
        },
    ]


def write_safetensors(path, tensors, metadata):
    """Writes {name: (dtype, array)} with the reference writer."""
    keep = []
    specs = {}
    for name, (dtype, array) in tensors.items():
        buf = np.frombuffer(array.tobytes(), dtype=np.uint8).copy()
        if buf.size == 0:
            buf = np.zeros(1, dtype=np.uint8)  # a valid pointer for a zero-length tensor
        keep.append(buf)
        specs[name] = TensorSpec(
            dtype=DTYPES[dtype][1], shape=list(array.shape), data_ptr=buf.ctypes.data, data_len=array.nbytes
        )
    os.makedirs(os.path.dirname(path), exist_ok=True)
    serialize_file(specs, path, metadata=metadata)
    del keep
    sort_metadata_in_place(path)
    os.chmod(path, 0o644)


def sort_metadata_in_place(path):
    """The reference writer keeps __metadata__ in a hash map, so with two or more keys their order
    changes from run to run. Rewrite that one object with its keys sorted (same bytes, same length)
    so reruns are byte-identical; everything else stays as the library wrote it."""
    with open(path, "rb") as f:
        blob = f.read()
    header, data = split(blob)
    text = header.decode("utf-8")
    body = text.rstrip(" ")
    class Pairs(list):
        """A JSON object as its (key, value) pairs in file order."""

    pairs = json.loads(body, object_pairs_hook=Pairs)

    def dumps(value):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    def render(items):
        return "{" + ",".join(dumps(k) + ":" + (render(v) if isinstance(v, Pairs) else dumps(v))
                              for k, v in items) + "}"

    assert render(pairs) == body, "unexpected header layout"
    fixed = Pairs((k, Pairs(sorted(v)) if k == "__metadata__" else v) for k, v in pairs)
    new_header = (render(fixed) + text[len(body):]).encode("utf-8")
    assert len(new_header) == len(header)
    if new_header != header:
        with open(path, "wb") as f:
            f.write(join(new_header, data))


def describe(dtype, array):
    kind = "b" if dtype == "BOOL" else "f" if dtype in FLOATS else "i"
    return fixturelib.describe(dtype, array, kind)


# --------------------------------------------------------------------------------------------
# Malformed corpus
# --------------------------------------------------------------------------------------------


def split(blob):
    n = struct.unpack("<Q", blob[:8])[0]
    return blob[8 : 8 + n], blob[8 + n :]


def join(header, data, length=None):
    return struct.pack("<Q", len(header) if length is None else length) + header + data


def edit(header, old, new):
    assert header.count(old) == 1, (old, header)
    return header.replace(old, new)


def python_json_error_pos(text):
    try:
        json.loads(text.decode("utf-8"))
    except json.JSONDecodeError as e:
        return e.pos
    except UnicodeDecodeError:
        return None
    return None


def malformed_corpus(base_path, out_dir):
    """Writes the corpus, edits of the valid file base_path, into out_dir; returns the cases.json list."""
    blob = open(base_path, "rb").read()
    h, d = split(blob)
    h_strip = h.rstrip(b" ")
    # The base header, as written by safetensors:
    assert h_strip == (
        b'{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
        b'"b":{"dtype":"I16","shape":[2,2],"data_offsets":[8,16]}}'
    ), h_strip
    assert len(d) == 16

    corpus = Corpus(max_size=2048)
    add = corpus.add

    def add_json_error(name, header, description, fail_at, cross_check=True):
        """fail_at: byte offset inside the JSON where a parser must stop; checked against Python."""
        if cross_check:
            pos = python_json_error_pos(header)
            assert pos == fail_at, (name, pos, fail_at)
        add(name, join(header, d), "invalidJSON", None, 8 + fail_at, description)

    def add_edited(name, old, new, problem, tensor, description):
        """The base file with one edit to its header; offset null."""
        add(name, join(edit(h, old, new), d), problem, tensor, None, description)

    # Length field problems.
    add("too_short_empty.safetensors", b"", "tooShort", None, 0, "zero-byte file")
    add("too_short_5.safetensors", blob[:5], "tooShort", None, 0, "first 5 bytes of a valid file")
    add("header_too_large.safetensors", join(h, d, 100_000_001), "headerTooLarge", None, 0,
        "header length field 100_000_001")
    add("header_too_large_max.safetensors", join(h, d, 2**64 - 1), "headerTooLarge", None, 0,
        "header length field 0xffffffffffffffff")
    add("header_outside_file.safetensors", join(h, d, len(h) + len(d) + 1), "headerOutsideFile", None, 0,
        "header length one byte more than the rest of the file")
    add("header_truncated.safetensors", blob[: 8 + 40], "headerOutsideFile", None, 0,
        "valid file cut off 40 bytes into the JSON header")

    # JSON syntax.
    add_json_error("json_garbage.safetensors", b"hello, world", "header is not JSON at all", 0)
    add_json_error("json_single_quotes.safetensors", h.replace(b'"', b"'"), "single-quoted strings", 1)
    bad = edit(h, b"[8,16]}}", b"[8,16]},}")
    # Python >= 3.13 reports the comma itself here, so no cross-check; the first byte that cannot
    # start a key is the '}'.
    add_json_error("json_trailing_comma.safetensors", bad, "trailing comma before the closing brace",
                   bad.index(b",}") + 1, cross_check=False)
    bad = edit(h, b"[8,16]}}", b"[8,16]} ")
    add_json_error("json_unterminated.safetensors", bad, "closing brace of the header object removed", len(bad))
    bad = edit(h, b'"format":"pt"', b'"format":"p\nt"')
    add_json_error("json_control_char.safetensors", bad, "raw newline inside a string", bad.index(b"\n"))
    bad = h_strip + b"x" + b" " * (len(h) - len(h_strip) - 1)
    add_json_error("json_trailing_data.safetensors", bad, "non-space byte after the JSON object",
                   len(h_strip))
    bad = edit(h, b'"shape":[2,2]', b'"shape":[2,2')
    add_json_error("json_unclosed_array.safetensors", bad, "shape array missing its ']'",
                   bad.index(b',"data_offsets":[8,16]') + len(b',"data_offsets"'))
    add_edited("json_bad_utf8_value.safetensors", b'"format":"pt"', b'"format":"p\xfft"', "invalidJSON", None,
               "byte 0xff inside the metadata value string")
    add_edited("json_bad_utf8_name.safetensors", b'"b":{', b'"\xc3(":{', "invalidJSON", None,
               "invalid UTF-8 (0xc3 0x28) in a tensor name")

    # Header is JSON but not an object.
    add("not_object_array.safetensors", join(b"[]" + b" " * 6, d), "headerNotObject", None, 8,
        "header is the JSON array []")
    add("not_object_string.safetensors", join(b'"pt"    ', d), "headerNotObject", None, 8,
        "header is a JSON string")

    # Entry problems (per tensor; offset left null).
    add_edited("entry_missing_dtype.safetensors", b'"dtype":"I16",', b"", "badEntry", "b", "tensor b has no dtype")
    add_edited("entry_one_offset.safetensors", b"[8,16]", b"[8]", "badEntry", "b", "data_offsets has one element")
    add_edited("entry_negative_offset.safetensors", b"[0,8]", b"[-1,8]", "badEntry", "a",
               "data_offsets begin is -1")
    add_edited("entry_fractional_offset.safetensors", b"[8,16]", b"[8,16.0]", "badEntry", "b",
               "data_offsets end written 16.0")
    add_edited("entry_extra_field.safetensors", b'"dtype":"F32",', b'"dtype":"F32","extra":1,', "badEntry", "a",
               "tensor a has an unexpected field 'extra'")
    add_edited("entry_duplicate_key.safetensors",
               b'"b":{"dtype":"I16","shape":[2,2],"data_offsets":[8,16]}}',
               b'"b":{"dtype":"I16","shape":[2,2],"data_offsets":[8,16]},'
               b'"b":{"dtype":"I16","shape":[2,2],"data_offsets":[8,16]}}',
               "badEntry", "b", "tensor b appears twice")
    add_edited("entry_not_object.safetensors",
               b'"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}', b'"a":[0,8]', "badEntry", "a",
               "tensor a is an array, not an object")
    add_edited("entry_dtype_not_string.safetensors", b'"dtype":"F32"', b'"dtype":32', "badEntry", "a",
               "dtype is the number 32")

    # Unknown dtype.
    add_edited("dtype_unknown.safetensors", b'"F32"', b'"F31"', "unknownDType", "a", "dtype F31")
    add_edited("dtype_torch_name.safetensors", b'"F32"', b'"float32"', "unknownDType", "a",
               "dtype spelled float32 (the torch name) instead of F32")
    add_edited("dtype_lowercase.safetensors", b'"I16"', b'"i16"', "unknownDType", "b",
               "dtype spelled i16 (case matters)")

    # Shapes. data_offsets stay in range, so the shape is what fails.
    add_edited("shape_negative.safetensors", b"[2,2]", b"[-2,-2]", "badShape", "b", "shape [-2, -2]")
    add_edited("shape_fractional.safetensors", b'"shape":[2]', b'"shape":[2.0]', "badShape", "a", "shape [2.0]")
    add_edited("shape_string.safetensors", b'"shape":[2]', b'"shape":["2"]', "badShape", "a", 'shape ["2"]')
    add_edited("shape_not_array.safetensors", b'"shape":[2]', b'"shape":2', "badShape", "a",
               "shape is the number 2")
    add_edited("shape_overflow_elements.safetensors", b"[2,2]", b"[4294967296,4294967296]", "badShape", "b",
               "element count 2^64 overflows Int64")
    add_edited("shape_overflow_bytes.safetensors",
               b'"shape":[2]', b'"shape":[2305843009213693952,2]', "badShape", "a",
               "2^62 elements fit but 2^62 * 4 bytes overflows Int64")
    add_edited("shape_dim_too_big.safetensors", b'"shape":[2]', b'"shape":[9223372036854775808]', "badShape", "a",
               "a single dimension of 2^63, beyond Int64")

    # Size against range.
    add_edited("size_shape.safetensors", b'"shape":[2]', b'"shape":[3]', "sizeMismatch", "a",
               "F32 [3] needs 12 bytes, data_offsets span 8")
    add_edited("size_dtype.safetensors", b'"F32"', b'"F64"', "sizeMismatch", "a",
               "F64 [2] needs 16 bytes, data_offsets span 8")
    add_edited("size_empty_range.safetensors", b"[8,16]", b"[8,8]", "sizeMismatch", "b",
               "I16 [2,2] with an empty range [8, 8]")

    # Ranges against the data section.
    add_edited("range_reversed.safetensors", b"[8,16]", b"[16,8]", "rangeOutsideData", "b",
               "data_offsets [16, 8]: begin after end")
    add_edited("range_past_end.safetensors", b"[8,16]", b"[8,24]", "rangeOutsideData", "b",
               "data_offsets end 24 beyond the 16-byte data section")
    add("range_truncated_data.safetensors", blob[:-4], "rangeOutsideData", "b", None,
        "valid file with the last 4 data bytes cut off")

    # Tiling of the data section.
    add_edited("overlap.safetensors", b"[8,16]", b"[4,12]", "overlap", "b",
               "b = [4, 12] overlaps a = [0, 8]; data section still 16 bytes")
    add("overlap_same_range.safetensors",
        join(edit(edit(h, b'"shape":[2,2]', b'"shape":[4]'), b"[8,16]", b"[0,8]"), d[:8]), "overlap", None,
        None, "a and b (I16 [4]) both claim [0, 8]; which one is named depends on sort order")
    add("gap_middle.safetensors", join(edit(h, b"[8,16]", b"[12,20]"), d[:8] + b"\0" * 4 + d[8:]), "gap", "b",
        None, "4 unused bytes between a [0, 8] and b [12, 20]")
    add("gap_start.safetensors",
        join(edit(edit(h, b"[0,8]", b"[4,12]"), b"[8,16]", b"[12,20]"), b"\0" * 4 + d), "gap", "a", None,
        "4 unused bytes before the first tensor")
    add("uncovered_tail.safetensors", join(h, d + b"\0" * 4), "uncoveredTail", None, None,
        "4 extra bytes after the last tensor")
    add("uncovered_tail_no_tensors.safetensors", join(b"{}      ", b"\0" * 8), "uncoveredTail", None, None,
        "no tensors but an 8-byte data section")

    # Metadata.
    add_edited("metadata_number.safetensors", b'"format":"pt"', b'"format":1', "badMetadata", None,
               "metadata value is a number")
    add_edited("metadata_null.safetensors", b'"format":"pt"', b'"format":null', "badMetadata", None,
               "metadata value is null")
    add_edited("metadata_not_object.safetensors", b'{"format":"pt"}', b'"pt"', "badMetadata", None,
               "__metadata__ is a string")
    add_edited("metadata_nested.safetensors", b'{"format":"pt"}', b'{"format":{"v":"pt"}}', "badMetadata", None,
               "metadata value is an object")

    listing = corpus.write(out_dir)
    # Sanity: the reference library must reject every one of them.
    for name, data, *_ in corpus.cases:
        try:
            deserialize(data)
        except Exception:
            continue
        print(f"note: the safetensors library accepts malformed/{name}")
    return listing


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


def generate():
    expected = {"files": {}, "sharded": {}}

    def record(rel, tensors, metadata):
        expected["files"][rel] = {
            "metadata": metadata,
            "tensors": {name: describe(dtype, a) for name, (dtype, a) in tensors.items()},
        }

    files = [
        ("all_dtypes.safetensors", all_dtypes_tensors(), {"format": "pt", "note": "ünïcode ✓"}),
        ("no_metadata.safetensors", no_metadata_tensors(), None),
        ("empty.safetensors", {}, None),
    ]
    for rel, tensors, metadata in files:
        write_safetensors(os.path.join(HERE, rel), tensors, metadata)
        record(rel, tensors, metadata)

    shard_dir = os.path.join(HERE, "sharded")
    shutil.rmtree(shard_dir, ignore_errors=True)
    shards = sharded_tensors()
    weight_map = {}
    total = 0
    sharded = {}
    for k, tensors in enumerate(shards, start=1):
        shard_name = f"model-{k:05d}-of-{len(shards):05d}.safetensors"
        write_safetensors(os.path.join(shard_dir, shard_name), tensors, {"format": "pt"})
        record(f"sharded/{shard_name}", tensors, {"format": "pt"})
        for name, (dtype, a) in tensors.items():
            weight_map[name] = shard_name
            total += a.nbytes
            sharded[name] = dict(shard=shard_name, **describe(dtype, a))
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    with open(os.path.join(shard_dir, "model.safetensors.index.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(index, indent=2, sort_keys=True) + "\n")
    expected["sharded"] = {"index": "sharded/model.safetensors.index.json", "total_size": total,
                           "tensors": sharded}

    # Malformed corpus, from a small valid base file written by the reference writer.
    with tempfile.TemporaryDirectory() as tmp:
        base = os.path.join(tmp, "base.safetensors")
        write_safetensors(base, {"a": tensor("F32", [1.5, -2.0], (2,)),
                                 "b": tensor("I16", [1, -2, 300, -32768], (2, 2))}, {"format": "pt"})
        listing = malformed_corpus(base, os.path.join(HERE, "malformed"))

    dump_json(os.path.join(HERE, "expected.json"), expected)

    # Self-check: the reference reader sees exactly what expected.json says.
    for rel, info in expected["files"].items():
        loaded = {name: t for name, t in deserialize(open(os.path.join(HERE, rel), "rb").read())}
        assert set(loaded) == set(info["tensors"]), rel
        for name, t in info["tensors"].items():
            assert loaded[name]["dtype"] == t["dtype"] and loaded[name]["shape"] == t["shape"], (rel, name)
            assert zlib.crc32(bytes(loaded[name]["data"])) == t["crc32"], (rel, name)
        with safe_open(os.path.join(HERE, rel), framework="numpy") as f:
            assert f.metadata() == info["metadata"], (rel, f.metadata())
    print(f"wrote {len(expected['files'])} valid files, {len(listing)} malformed files")


# --------------------------------------------------------------------------------------------
# Readback against zoo
# --------------------------------------------------------------------------------------------


def load_raw(path):
    """{name: (dtype, shape, bytes)} via the reference library's low-level reader."""
    with open(path, "rb") as f:
        return {name: (t["dtype"], list(t["shape"]), bytes(t["data"])) for name, t in deserialize(f.read())}


def load_numpy_checked(c, path, raw):
    """Opens with safe_open(framework="numpy") and checks that what numpy sees matches the raw bytes."""
    with safe_open(path, framework="numpy") as f:
        keys = sorted(f.keys())
        c.check(keys == sorted(raw), f"{os.path.basename(path)}: safe_open lists the same tensors")
        for name in keys:
            dtype, shape, data = raw[name]
            if dtype in ("BF16", "F8_E4M3", "F8_E5M2"):
                continue  # numpy has no such dtype; compared as raw bytes instead
            a = f.get_tensor(name)
            same = list(a.shape) == shape and le_bytes(a) == data
            c.check(same, f"{os.path.basename(path)}: safe_open numpy view of {name} matches its bytes")
        return f.metadata()


def compare_tensors(c, label, got, want):
    for name in c.same_names(label, got, want, "tensor names"):
        gd, gs, gb = got[name]
        wd, ws, wb = want[name]
        c.check(gd == wd, f"{label}: {name} dtype {gd} (want {wd})")
        c.check(gs == ws, f"{label}: {name} shape {gs} (want {ws})")
        c.check(gb == wb, f"{label}: {name} bytes ({len(gb)} vs {len(wb)}, crc {zlib.crc32(gb):08x} vs {zlib.crc32(wb):08x})")


def load_sharded(c, index_path):
    """Loads an index.json and its shards; returns {name: raw} or None."""
    try:
        with open(index_path, encoding="utf-8") as f:
            index = json.load(f)
    except Exception as e:  # noqa: BLE001 - report any failure as a check
        c.check(False, f"{os.path.basename(index_path)} loads as JSON ({e})")
        return None
    c.check(isinstance(index.get("weight_map"), dict), f"{os.path.basename(index_path)} has a weight_map")
    weight_map = index.get("weight_map", {})
    folder = os.path.dirname(index_path)
    merged = {}
    for shard in sorted(set(weight_map.values())):
        path = os.path.join(folder, shard)
        if not c.check(os.path.exists(path), f"shard {shard} exists"):
            continue
        raw = load_raw(path)
        load_numpy_checked(c, path, raw)
        listed = sorted(n for n, s in weight_map.items() if s == shard)
        c.check(listed == sorted(raw), f"shard {shard} holds exactly the tensors the index maps to it")
        merged.update(raw)
    total = index.get("metadata", {}).get("total_size")
    if total is not None:
        actual = sum(len(b) for _, _, b in merged.values())
        c.check(total == actual, f"{os.path.basename(index_path)} total_size {total} (tensor bytes {actual})")
    else:
        c.info(f"{os.path.basename(index_path)} has no metadata.total_size")
    c.check(sorted(weight_map) == sorted(merged), f"{os.path.basename(index_path)} lists every tensor")
    return merged


def readback(zoo):
    with scratch_copy(HERE, ("all_dtypes.safetensors", "no_metadata.safetensors", "sharded")) as tmp:
        c = Checker(zoo, tmp)
        source_all = load_raw(os.path.join(tmp, "all_dtypes.safetensors"))
        source_sharded = {}
        for shard in sorted(glob.glob(os.path.join(tmp, "sharded", "model-*.safetensors"))):
            source_sharded.update(load_raw(shard))
        source_nometa = load_raw(os.path.join(tmp, "no_metadata.safetensors"))

        def step1():
            out = os.path.join(tmp, "OUT.safetensors")
            got = load_raw(out)
            metadata = load_numpy_checked(c, out, got)
            compare_tensors(c, "OUT.safetensors", got, source_all)
            c.info(f"OUT.safetensors metadata: {metadata!r}")

        def step2():
            out = os.path.join(tmp, "OUT2.safetensors")
            got = load_raw(out)
            load_numpy_checked(c, out, got)
            compare_tensors(c, "OUT2.safetensors", got, source_sharded)

        def step3():
            shards = sorted(glob.glob(os.path.join(tmp, "OUT3-*-of-*.safetensors")))
            c.check(len(shards) >= 2, f"OUT3 shards written: {[os.path.basename(s) for s in shards]}")
            index_path = os.path.join(tmp, "OUT3.safetensors.index.json")
            if c.check(os.path.exists(index_path), "OUT3.safetensors.index.json exists"):
                merged = load_sharded(c, index_path)
                if merged is not None:
                    compare_tensors(c, "OUT3 shards", merged, source_all)
            for s in shards:
                c.info(f"{os.path.basename(s)}: {sum(len(b) for _, _, b in load_raw(s).values())} tensor bytes")

        def step4():
            out = os.path.join(tmp, "OUT4.safetensors")
            got = load_raw(out)
            load_numpy_checked(c, out, got)
            want = {}
            with np.errstate(all="ignore"):
                for name, (dtype, shape, data) in source_nometa.items():
                    assert dtype == "F32"
                    f16 = np.frombuffer(data, dtype="<f4").astype("<f2")
                    want[name] = ("F16", shape, f16.tobytes())
            compare_tensors(c, "OUT4.safetensors (--dtype f16)", got, want)

        # 1. single file round trip; 2. sharded index -> one file; 3. one file -> shards of at
        # most 200 bytes; 4. dtype conversion to f16.
        c.convert(["convert", "all_dtypes.safetensors", "OUT.safetensors"], "OUT.safetensors", step1)
        c.convert(["convert", "sharded/model.safetensors.index.json", "OUT2.safetensors"],
                  "OUT2.safetensors", step2)
        c.convert(["convert", "all_dtypes.safetensors", "OUT3.safetensors", "--shard-size", "200"],
                  "OUT3 shards", step3)
        c.convert(["convert", "no_metadata.safetensors", "OUT4.safetensors", "--dtype", "f16"],
                  "OUT4.safetensors", step4)

    return c.summary()


if __name__ == "__main__":
    sys.exit(fixturelib.main(__doc__, generate, readback))
