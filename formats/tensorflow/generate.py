"""Writes the TensorFlow checkpoint (TensorBundle) fixtures in formats/tensorflow/ and can check
zoo's output against them.

Rerun (from anywhere) with:

    /tmp/refvenv/bin/python formats/tensorflow/generate.py

Needs tensorflow (2.21.0, CPU build, was used), keras (3.15.1), numpy, ml_dtypes and, for
--readback, safetensors. It hides every GPU and sets TF_CPP_MIN_LOG_LEVEL=3. Every value is fixed
in this file and every valid checkpoint is written by TensorFlow itself (tf.train.Checkpoint,
tf.compat.v1.train.Saver, Keras + tf.train.Checkpoint, or the SaveV2 op that both call), so
rerunning writes identical bytes; generation checks that a second write of each checkpoint
gives the same bytes. A checkpoint is a prefix P: the table P.index and the data shards
P.data-0000K-of-0000N. Files written:

    all_dtypes              tf.train.Checkpoint(...).write of one variable per dtype (f16 bf16 f32
                            f64 i8 i16 i32 i64 u8 u16 u32 u64 bool; NaN, +-inf, -0.0, subnormals,
                            integer extremes), scalar (0-d f32), empty (f32 [0, 3]), text (a
                            tf.string variable, skipped by zoo), save_counter (int64, created
                            explicitly; write() alone does not) and _CHECKPOINTABLE_OBJECT_GRAPH
                            (a scalar string, skipped). Names "NAME/.ATTRIBUTES/VARIABLE_VALUE".
    many_tensors            the SaveV2 op (what Saver runs) with 300 small f32 tensors named
                            encoder/transformer_block_NNN/multi_head_attention/..., so the single
                            data block holds 301 entries and 19 restart points. TensorFlow starts a
                            new data block only once one reaches 256 KiB, so no small checkpoint
                            it writes has more than one (checked here on a large scratch
                            checkpoint).
    many_tensors_1k_blocks  the same entries and data file, laid out again by this script's table
                            writer with 1 KiB blocks: 11 data blocks and an index block with one
                            entry per data block. Not written by TensorFlow, but read by it
                            exactly (checked); the same writer with TensorFlow's options
                            reproduces every TensorFlow-written .index here byte for byte.
    tf1_bert_like           tf.compat.v1 graph + tf.compat.v1.train.Saver (V2 format): a one-layer
                            BERT (bert/embeddings/..., bert/encoder/layer_0/..., bert/pooler/...,
                            cls/predictions/output_bias), each weight with its .../adam_m and
                            .../adam_v slot, and global_step (int64 1000).
    tf1_adam                tf.compat.v1 graph + Saver after one AdamOptimizer step: dense/kernel,
                            dense/bias, their .../Adam and .../Adam_1 slots, beta1_power,
                            beta2_power, global_step.
    tf2_keras_adam          a Keras 3 Sequential (Dense 4->3 relu, Dense 3->2), compiled with Adam,
                            one train_on_batch step, then tf.train.Checkpoint(model=model,
                            optimizer=opt).write. Keras 3 stores each variable once, under its
                            shortest object path, which for a Sequential is the optimizer's:
                            the model's kernels and biases are optimizer/_trainable_variables/N,
                            the Adam moments optimizer/_variables/N (see README.md).
    tf2_keras_subclassed    the same with a subclassed keras.Model (attributes dense, head) and a
                            GradientTape step: the weights are model/dense/_kernel, model/dense/bias,
                            ..., the moments optimizer/_variables/N.
    tf2_optimizer_slots     tf.train.Checkpoint(v=..., w=..., optimizer=tf.compat.v1 Adam) after one
                            eager step: v/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE
                            and the like, optimizer/beta1_power/...
    sharded                 tf.train.Checkpoint(...).write with CheckpointOptions(
                            experimental_sharding_callback=MaxShardSizePolicy(max_shard_size=
                            128)) of six 64-byte variables (F32 F64 I32 F16 I64 BF16): the index
                            and 3 data shards sharded.data-0000K-of-00003, two tensors each (the
                            object graph string in the last). The policy slices any tensor that
                            would straddle a shard boundary, hence the sizes.
    expected.json           {"files": {prefix: {"index" (P.index), "data_files" (shard file names),
                            "num_shards", "version" {"producer", "min_consumer"}, "order" (tensor
                            names in index key order, skipped ones left out), "skipped" (names of
                            DT_STRING / DT_RESOURCE / DT_VARIANT entries, key order), "table"
                            {"data_blocks": [{"offset", "size", "entries", "restarts"}],
                            "index_block", "metaindex_block" (same fields), "footer_offset"},
                            "tensors" {name: {"dtype", "shape", "crc32", "first", "role",
                            "shard_id", "offset", "size", "crc32c"}}}}}.
                            dtype: zoo name (F16 BF16 F32 F64 I8 I16 I32 I64 U8 U16 U32 U64 BOOL);
                            crc32: zlib.crc32 of the values in C order, little-endian (BF16 as its
                            uint16 bits); first: up to 4 leading values (floats with "nan"/"inf"/
                            "-inf", ints, true/false); role: role(name) below; shard_id, offset,
                            size and crc32c (the masked CRC-32C, as stored) from the
                            BundleEntryProto.
    malformed/              broken checkpoints, each made from a valid TensorFlow-written one by
                            editing bytes here (block CRCs recomputed where the point is to reach a
                            deeper check). Each case CASE is CASE.index plus the data shards it
                            lists. cases.json: {"file" (CASE.index), "problem", "tensor", "offset",
                            "description", "data_files" (the shards present), "tf" (what
                            tf.train.load_checkpoint + get_tensor of every listed key did, in a
                            child process: "reads (keys: ...)", "ErrorClass: first line of the
                            message", or "abort (exit status N): message" where a failed CHECK
                            killed the process)}. problem: the Swift error case name
                            (truncated, badMagic, badBlockChecksum, badBlock, badProto, badHeader,
                            unsupportedDType, missingShard, dataOutOfBounds, sizeMismatch,
                            badTensorChecksum, compressedBlock, slicedTensor, keysOutOfOrder,
                            unknownFormat). offset: the absolute byte in CASE.index the problem is
                            at where pinned down, else null: the footer's magic (file size - 8)
                            for badMagic; the first byte of the block's contents for
                            badBlockChecksum and compressedBlock; for badBlock the first byte of
                            the entry that cannot be decoded, or of the restart count that does
                            not fit. tensor: the index key the problem is about, or null.
                            Cases truncated_* and bad_magic keep their data file: with no table
                            magic at the end, only the .index name and a sibling
                            CASE.data-00000-of-0000N tell a TensorBundle from an unknown file
                            (not_a_checkpoint.index has none: unknownFormat).

Generation checks itself: a reference reader here (`read_bundle`, the checks in the order the
README lists) must read every valid checkpoint exactly as tf.train.load_checkpoint does, and must
report the listed problem, tensor and offset for every malformed case; TensorFlow's own reader
must fail on each malformed case marked tf_fails below (and its outcome is recorded for all).

Check mode (runs the zoo CLI, writes only into a temporary folder):

    /tmp/refvenv/bin/python formats/tensorflow/generate.py --readback /path/to/zoo

zoo reads TensorFlow checkpoints but does not write them, so for each valid checkpoint it runs
`zoo convert P.index P.safetensors` and compares every tensor (name, dtype, shape, bytes; BF16
as raw bits) with tf.train.load_checkpoint, and `zoo inspect P.index --json`, whose "tensors"
list must give every name, in index order, with its role; then `zoo convert tf1_bert_like.index
OUT2.safetensors --weights-only` must hold exactly the tensors whose role is "weight". One line
per check; exit status 1 on any failure.
"""

import os
import re
import shutil
import struct
import sys
import tempfile

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"  # no oneDNN banner, no reordered float arithmetic
os.environ["CUDA_VISIBLE_DEVICES"] = ""

import ml_dtypes  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import fixturelib  # noqa: E402 - formats/fixturelib.py, found through the path above
from fixturelib import Checker, Corpus, dump_json, scratch_copy  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
NAN = float("nan")
INF = float("inf")

_tf = None


def tf():
    """TensorFlow, imported on first use (CPU only)."""
    global _tf
    if _tf is None:
        import tensorflow

        tensorflow.config.set_visible_devices([], "GPU")
        tensorflow.get_logger().setLevel("ERROR")
        _tf = tensorflow
    return _tf


# --------------------------------------------------------------------------------------------
# CRC-32C, varints, protobuf wire format
# --------------------------------------------------------------------------------------------


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC32C_TABLE = _crc32c_table()


def crc32c(data, crc=0):
    """CRC-32C (Castagnoli), as TensorFlow's crc32c::Value / Extend."""
    crc ^= 0xFFFFFFFF
    table = CRC32C_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def mask(crc):
    """crc32c::Mask: rotate right by 15 bits, add 0xa282ead8 (mod 2^32)."""
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def unmask(masked):
    rot = (masked - 0xA282EAD8) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283 and unmask(mask(0x12345678)) == 0x12345678


def varint(n):
    assert n >= 0
    out = bytearray()
    while True:
        if n < 0x80:
            out.append(n)
            return bytes(out)
        out.append((n & 0x7F) | 0x80)
        n >>= 7


class Bad(Exception):
    """A malformed checkpoint: .problem is the Swift error case name, .tensor the key it is about
    (or None), .offset the absolute byte in the .index file (or None)."""

    def __init__(self, problem, message, tensor=None, offset=None):
        super().__init__(f"{problem}: {message}")
        self.problem, self.tensor, self.offset = problem, tensor, offset


class Short(Exception):
    """Bytes ran out (a varint or a field past its end)."""


def read_varint(buf, pos, end, max_bytes=10):
    """(value, new pos) of the varint at buf[pos:end]; Short if it runs past end or is too long."""
    value = shift = 0
    for i in range(max_bytes):
        if pos >= end:
            raise Short(f"varint at {pos} runs past {end}")
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            if max_bytes == 5 and value > 0xFFFFFFFF:
                raise Short("varint32 overflows")
            return value & 0xFFFFFFFFFFFFFFFF, pos
    raise Short(f"varint longer than {max_bytes} bytes")


WIRE_VARINT, WIRE_I64, WIRE_LEN, WIRE_I32 = 0, 1, 2, 5


def proto_fields(buf):
    """[(field number, wire type, value)] of a message: ints for varint/fixed fields, bytes for
    length-delimited ones. Raises ValueError on any wire-level error (a field running past the end,
    wire type 3, 4, 6 or 7, field number 0)."""
    out, pos, end = [], 0, len(buf)
    try:
        while pos < end:
            tag, pos = read_varint(buf, pos, end)
            field, wire = tag >> 3, tag & 7
            if field == 0 or field > 0x1FFFFFFF:
                raise ValueError(f"field number {field}")
            if wire == WIRE_VARINT:
                value, pos = read_varint(buf, pos, end)
            elif wire == WIRE_I64:
                if pos + 8 > end:
                    raise Short("fixed64 past the end")
                value, pos = struct.unpack_from("<Q", buf, pos)[0], pos + 8
            elif wire == WIRE_LEN:
                n, pos = read_varint(buf, pos, end)
                if n > end - pos:
                    raise Short(f"length {n} past the end")
                value, pos = bytes(buf[pos:pos + n]), pos + n
            elif wire == WIRE_I32:
                if pos + 4 > end:
                    raise Short("fixed32 past the end")
                value, pos = struct.unpack_from("<I", buf, pos)[0], pos + 4
            else:
                raise ValueError(f"wire type {wire} (field {field})")
            out.append((field, wire, value))
    except Short as e:
        raise ValueError(str(e)) from e
    return out


def proto_message(buf, schema):
    """{field name: value} of a message; schema {number: (name, wire type, repeated)}. A known field
    with the wrong wire type is an error (ValueError); unknown fields are skipped; a non-repeated
    field seen twice keeps the last value, as protobuf does."""
    msg = {name: [] for name, _, repeated in schema.values() if repeated}
    for field, wire, value in proto_fields(buf):
        if field not in schema:
            continue
        name, want, repeated = schema[field]
        if repeated and want == WIRE_VARINT and wire == WIRE_LEN:  # packed repeated varints
            pos = 0
            try:
                while pos < len(value):
                    v, pos = read_varint(value, pos, len(value))
                    msg[name].append(v)
            except Short as e:
                raise ValueError(str(e)) from e
            continue
        if wire != want:
            raise ValueError(f"field {field} ({name}) has wire type {wire}, wants {want}")
        if repeated:
            msg[name].append(value)
        else:
            msg[name] = value
    return msg


def int64(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def int32(v):
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


# tensorflow/core/protobuf/tensor_bundle.proto and the messages it uses
HEADER_SCHEMA = {1: ("num_shards", WIRE_VARINT, False), 2: ("endianness", WIRE_VARINT, False),
                 3: ("version", WIRE_LEN, False)}
VERSION_SCHEMA = {1: ("producer", WIRE_VARINT, False), 2: ("min_consumer", WIRE_VARINT, False),
                  3: ("bad_consumers", WIRE_VARINT, True)}
ENTRY_SCHEMA = {1: ("dtype", WIRE_VARINT, False), 2: ("shape", WIRE_LEN, False),
                3: ("shard_id", WIRE_VARINT, False), 4: ("offset", WIRE_VARINT, False),
                5: ("size", WIRE_VARINT, False), 6: ("crc32c", WIRE_I32, False),
                7: ("slices", WIRE_LEN, True)}
SHAPE_SCHEMA = {2: ("dim", WIRE_LEN, True), 3: ("unknown_rank", WIRE_VARINT, False)}
DIM_SCHEMA = {1: ("size", WIRE_VARINT, False), 2: ("name", WIRE_LEN, False)}

# DataType enum value: (zoo dtype, numpy dtype of the little-endian elements (BF16 as its bits),
# expected.json value kind)
DTYPES = {
    19: ("F16", "<f2", "f"), 14: ("BF16", "<u2", "f"), 1: ("F32", "<f4", "f"), 2: ("F64", "<f8", "f"),
    6: ("I8", "i1", "i"), 5: ("I16", "<i2", "i"), 3: ("I32", "<i4", "i"), 9: ("I64", "<i8", "i"),
    4: ("U8", "u1", "i"), 17: ("U16", "<u2", "i"), 22: ("U32", "<u4", "i"), 23: ("U64", "<u8", "i"),
    10: ("BOOL", "u1", "b"),
}
NUMPY_TO_ZOO = {"float16": "F16", "float32": "F32", "float64": "F64", "int8": "I8", "int16": "I16",
                "int32": "I32", "int64": "I64", "uint8": "U8", "uint16": "U16", "uint32": "U32",
                "uint64": "U64", "bool": "BOOL"}
SKIPPED_DTYPES = {7: "DT_STRING", 20: "DT_RESOURCE", 21: "DT_VARIANT"}

TABLE_MAGIC = 0xDB4775248B80FB57
MAGIC_BYTES = struct.pack("<Q", TABLE_MAGIC)
FOOTER_SIZE = 48
TF_BLOCK_SIZE = 256 * 1024  # table::Options().block_size, kept by BundleWriter
TF_RESTART_INTERVAL = 16  # table::Options().block_restart_interval


# --------------------------------------------------------------------------------------------
# zoo's role of a tensor name
# --------------------------------------------------------------------------------------------

OPTIMIZER_LAST = {"adam_m", "adam_v", "Adam", "Adam_1", "Momentum", "RMSProp", "RMSProp_1", "Adagrad",
                  "beta1_power", "beta2_power"}


def role(name):
    """"optimizer" if a `/`-separated component is .OPTIMIZER_SLOT, the first is `optimizer` or the
    last is an optimizer slot name; "bookkeeping" for global_step and save_counter; else "weight"."""
    parts = name.split("/")
    if ".OPTIMIZER_SLOT" in parts or parts[0] == "optimizer" or parts[-1] in OPTIMIZER_LAST:
        return "optimizer"
    if name == "global_step" or parts[0] in ("save_counter", "global_step"):
        return "bookkeeping"
    return "weight"


# --------------------------------------------------------------------------------------------
# The table (.index): LevelDB's SSTable as tensorflow/core/lib/io/table*.cc reads and writes it
# --------------------------------------------------------------------------------------------


class Block:
    """A parsed block: offset and size of its contents in the file, entries [(key, value,
    absolute offset of the entry)], restarts (offsets inside the block)."""

    def __init__(self, offset, size, entries, restarts):
        self.offset, self.size, self.entries, self.restarts = offset, size, entries, restarts

    def record(self):
        return {"offset": self.offset, "size": self.size, "entries": len(self.entries),
                "restarts": len(self.restarts)}


def read_block(blob, offset, size, limit):
    """The block whose contents are blob[offset:offset+size], followed by its 5-byte trailer
    (compression type, masked CRC-32C of contents + type). `limit`: where the blocks' region ends
    (the footer's start)."""
    if offset + size + 5 > limit:
        raise Bad("badBlock", f"block handle {offset}+{size} runs past {limit}", offset=offset)
    contents = bytes(blob[offset:offset + size])
    kind = blob[offset + size]
    (stored,) = struct.unpack_from("<I", blob, offset + size + 1)
    if crc32c(contents + bytes([kind])) != unmask(stored):
        raise Bad("badBlockChecksum", f"block at {offset}: CRC-32C mismatch", offset=offset)
    if kind == 1:
        raise Bad("compressedBlock", f"block at {offset} is Snappy-compressed", offset=offset)
    if kind != 0:
        raise Bad("badBlock", f"block at {offset}: compression type {kind}", offset=offset)
    if size < 4:
        raise Bad("badBlock", f"block at {offset}: {size} bytes, no restart count", offset=offset)
    (num_restarts,) = struct.unpack_from("<I", contents, size - 4)
    if num_restarts > (size - 4) // 4:
        raise Bad("badBlock", f"block at {offset}: {num_restarts} restarts in {size} bytes",
                  offset=offset + size - 4)
    entries_end = size - 4 - 4 * num_restarts
    restarts = list(struct.unpack_from(f"<{num_restarts}I", contents, entries_end))
    entries, pos, key = [], 0, b""
    try:
        while pos < entries_end:
            start = pos
            shared, pos = read_varint(contents, pos, entries_end, 5)
            non_shared, pos = read_varint(contents, pos, entries_end, 5)
            value_len, pos = read_varint(contents, pos, entries_end, 5)
            if shared > len(key):
                raise Bad("badBlock", f"entry at {offset + start} shares {shared} bytes of a {len(key)}-byte key",
                          offset=offset + start)
            if non_shared + value_len > entries_end - pos:
                raise Bad("badBlock", f"entry at {offset + start} runs past the entries", offset=offset + start)
            key = key[:shared] + contents[pos:pos + non_shared]
            pos += non_shared
            entries.append((key, contents[pos:pos + value_len], offset + start))
            pos += value_len
    except Short as e:
        raise Bad("badBlock", f"entry at {offset + start}: {e}", offset=offset + start) from e
    if any(r >= max(entries_end, 1) for r in restarts) or (entries and (not restarts or restarts[0] != 0)):
        raise Bad("badBlock", f"block at {offset}: restart points {restarts[:4]}...", offset=offset)
    return Block(offset, size, entries, restarts)


def read_handle(buf, pos, end):
    off, pos = read_varint(buf, pos, end)
    size, pos = read_varint(buf, pos, end)
    return off, size, pos


class Table:
    """A parsed .index: footer handles, data blocks, index and metaindex blocks, and every
    (key, value) in file order."""


def read_table(blob):
    """Parses a whole .index (bytes); raises Bad."""
    n = len(blob)
    if n < FOOTER_SIZE:
        raise Bad("truncated", f"{n} bytes, shorter than the {FOOTER_SIZE}-byte footer")
    if blob[-8:] != MAGIC_BYTES:
        if any(blob.endswith(MAGIC_BYTES[:k]) for k in range(1, 8)):
            raise Bad("truncated", "the file ends inside the footer's magic")
        raise Bad("badMagic", f"footer magic {blob[-8:].hex()}", offset=n - 8)
    footer = n - FOOTER_SIZE
    try:
        meta_off, meta_size, pos = read_handle(blob, footer, n - 8)
        index_off, index_size, pos = read_handle(blob, pos, n - 8)
    except Short as e:
        raise Bad("badBlock", f"footer handles: {e}") from e
    t = Table()
    t.footer_offset = footer
    t.metaindex = read_block(blob, meta_off, meta_size, footer)
    t.index = read_block(blob, index_off, index_size, footer)
    t.data_blocks, t.entries, t.separators = [], [], []
    for sep, handle, _ in t.index.entries:
        try:
            off, size, pos = read_handle(handle, 0, len(handle))
        except Short as e:
            raise Bad("badBlock", f"index entry {sep!r}: {e}", offset=t.index.offset) from e
        block = read_block(blob, off, size, footer)
        t.data_blocks.append(block)
        t.separators.append(sep)
        t.entries.extend(block.entries)
    keys = [k for k, _, _ in t.entries]
    for i in range(1, len(keys)):
        if keys[i] <= keys[i - 1]:
            raise Bad("keysOutOfOrder", f"key {keys[i]!r} after {keys[i - 1]!r}")
    for i, (sep, block) in enumerate(zip(t.separators, t.data_blocks)):
        last = block.entries[-1][0] if block.entries else b""
        following = None
        if i + 1 < len(t.data_blocks) and t.data_blocks[i + 1].entries:
            following = t.data_blocks[i + 1].entries[0][0]
        if sep < last or (following is not None and sep >= following):
            raise Bad("keysOutOfOrder", f"index separator {sep!r} out of place")
    return t


def shortest_separator(start, limit):
    """leveldb's BytewiseComparator::FindShortestSeparator."""
    n = min(len(start), len(limit))
    i = 0
    while i < n and start[i] == limit[i]:
        i += 1
    if i < n and start[i] < 0xFF and start[i] + 1 < limit[i]:
        return start[:i] + bytes([start[i] + 1])
    return start


def short_successor(key):
    """leveldb's BytewiseComparator::FindShortSuccessor."""
    for i, b in enumerate(key):
        if b != 0xFF:
            return key[:i] + bytes([b + 1])
    return key


class BlockBuilder:
    """leveldb's BlockBuilder: prefix-compressed entries (varint32 shared, non-shared and value
    lengths, the key's non-shared bytes, the value), a restart point (an entry with shared = 0,
    its offset listed) every `restart_interval` entries, then the restart offsets and their count
    (fixed32 little-endian)."""

    def __init__(self, restart_interval):
        self.interval = restart_interval
        self.buf, self.restarts, self.last, self.counter = bytearray(), [0], b"", 0

    def add(self, key, value):
        if self.counter < self.interval:
            shared, n = 0, min(len(self.last), len(key))
            while shared < n and self.last[shared] == key[shared]:
                shared += 1
        else:
            self.restarts.append(len(self.buf))
            self.counter, shared = 0, 0
        self.buf += varint(shared) + varint(len(key) - shared) + varint(len(value)) + key[shared:] + value
        self.last, self.counter = key, self.counter + 1

    def size_estimate(self):
        return len(self.buf) + 4 * len(self.restarts) + 4

    def finish(self):
        return bytes(self.buf) + struct.pack(f"<{len(self.restarts)}I", *self.restarts) + \
            struct.pack("<I", len(self.restarts))


def block_bytes(entries, restart_interval):
    """The contents of a block holding `entries` [(key, value)]."""
    b = BlockBuilder(restart_interval)
    for key, value in entries:
        b.add(key, value)
    return b.finish()


def snappy_literal(data):
    """`data` as a valid Snappy stream made of literals only (uncompressed length, then literal
    elements of at most 65536 bytes)."""
    out, pos = bytearray(varint(len(data))), 0
    while pos < len(data):
        chunk = data[pos:pos + 65536]
        n = len(chunk) - 1
        if n < 60:
            out.append(n << 2)
        elif n < 256:
            out += bytes([60 << 2, n])
        else:
            out += bytes([61 << 2]) + struct.pack("<H", n)
        out += chunk
        pos += len(chunk)
    return bytes(out)


def write_table(entries, block_size=TF_BLOCK_SIZE, restart_interval=TF_RESTART_INTERVAL, tweak=None):
    """An .index as tensorflow::table::TableBuilder writes it with BundleWriter's options (no
    compression). entries: [(key, value)] in the order to write (normally sorted). tweak(kind,
    contents) -> (contents, compression byte) may alter a block before its trailer is computed;
    kind is "data", "metaindex" or "index"."""
    out = bytearray()

    def emit(kind, contents):
        comp = 0
        if tweak:
            contents, comp = tweak(kind, contents)
        handle = (len(out), len(contents))
        out.extend(contents + bytes([comp]) + struct.pack("<I", mask(crc32c(contents + bytes([comp])))))
        return handle

    index_entries, pending, block, last = [], None, BlockBuilder(restart_interval), b""
    for key, value in entries:
        if pending is not None:
            index_entries.append((shortest_separator(last, key), pending))
            pending = None
        block.add(key, value)
        last = key
        if block.size_estimate() >= block_size:
            pending = emit("data", block.finish())
            block = BlockBuilder(restart_interval)
    if block.buf:
        pending = emit("data", block.finish())
    meta = emit("metaindex", block_bytes([], restart_interval))
    if pending is not None:
        index_entries.append((short_successor(last), pending))
    index = emit("index", block_bytes([(k, varint(o) + varint(s)) for k, (o, s) in index_entries], 1))
    footer = varint(meta[0]) + varint(meta[1]) + varint(index[0]) + varint(index[1])
    out += footer + bytes(40 - len(footer)) + MAGIC_BYTES
    return bytes(out)


# --------------------------------------------------------------------------------------------
# Reference reader: the bundle on top of the table
# --------------------------------------------------------------------------------------------


def data_file_name(prefix, shard, num_shards):
    return f"{prefix}.data-{shard:05d}-of-{num_shards:05d}"


class Tensor:
    """One listed tensor: name, dtype (zoo), np_dtype, kind, shape, shard_id, offset, size,
    crc32c (masked, as stored), data (bytes, read and checked)."""


class Bundle:
    """What read_bundle found: table, num_shards, version {"producer", "min_consumer"},
    tensors {name: Tensor} in key order, skipped [names], entries {key: parsed entry}."""


def parse_entry(key, value):
    """A BundleEntryProto as a dict; raises Bad("badProto")."""
    name = key.decode("utf-8", "backslashreplace")
    try:
        e = proto_message(value, ENTRY_SCHEMA)
        shape = proto_message(e.get("shape", b""), SHAPE_SCHEMA)
        dims = [int64(proto_message(d, DIM_SCHEMA).get("size", 0)) for d in shape["dim"]]
    except ValueError as err:
        raise Bad("badProto", f"entry {name}: {err}", tensor=name) from err
    if shape.get("unknown_rank") or any(d < 0 for d in dims):
        raise Bad("badProto", f"entry {name}: shape {dims}, unknown rank {shape.get('unknown_rank')}", tensor=name)
    return {"name": name, "dtype": int32(e.get("dtype", 0)), "shape": dims,
            "shard_id": int32(e.get("shard_id", 0)), "offset": int64(e.get("offset", 0)),
            "size": int64(e.get("size", 0)), "crc32c": e.get("crc32c", 0), "slices": e["slices"]}


def read_bundle(folder, prefix):
    """Reads checkpoint `prefix` in `folder` the way zoo must: table, header, entries, then each
    listed tensor's bytes; raises Bad at the first problem."""
    blob = open(os.path.join(folder, prefix + ".index"), "rb").read()
    b = Bundle()
    b.table = t = read_table(blob)
    if not t.entries or t.entries[0][0] != b"":
        raise Bad("badHeader", "no header entry (empty key) first in the table")
    try:
        header = proto_message(t.entries[0][1], HEADER_SCHEMA)
        version = proto_message(header.get("version", b""), VERSION_SCHEMA)
    except ValueError as err:
        raise Bad("badHeader", f"header: {err}") from err
    b.num_shards = int32(header.get("num_shards", 0))
    b.version = {"producer": int32(version.get("producer", 0)), "min_consumer": int32(version.get("min_consumer", 0))}
    if b.num_shards < 1:
        raise Bad("badHeader", f"num_shards {b.num_shards}")
    if header.get("endianness", 0) != 0:
        raise Bad("badHeader", f"endianness {header.get('endianness')} (BIG)")
    # kTensorBundleVersion 1, kTensorBundleMinProducer 0 (tensor_bundle.h)
    if b.version["min_consumer"] > 1 or b.version["producer"] < 0 or 1 in version["bad_consumers"]:
        raise Bad("badHeader", f"version {b.version}, bad consumers {version['bad_consumers']}")
    b.tensors, b.skipped, b.entries = {}, [], {}
    for key, value, _ in t.entries[1:]:
        e = parse_entry(key, value)
        name = e["name"]
        b.entries[name] = e
        if e["dtype"] in SKIPPED_DTYPES:
            b.skipped.append(name)
            continue
        if e["dtype"] not in DTYPES:
            raise Bad("unsupportedDType", f"{name}: DataType {e['dtype']}", tensor=name)
        if e["slices"]:
            raise Bad("slicedTensor", f"{name}: {len(e['slices'])} slices", tensor=name)
        if not 0 <= e["shard_id"] < b.num_shards:
            raise Bad("missingShard", f"{name}: shard {e['shard_id']} of {b.num_shards}", tensor=name)
        x = Tensor()
        x.name = name
        x.dtype, x.np_dtype, x.kind = DTYPES[e["dtype"]]
        x.shape, x.shard_id, x.offset, x.size, x.crc32c = e["shape"], e["shard_id"], e["offset"], e["size"], e["crc32c"]
        count = 1
        for d in x.shape:
            count *= d
        if x.size != count * np.dtype(x.np_dtype).itemsize or x.offset < 0:
            raise Bad("sizeMismatch", f"{name}: size {x.size} for {x.shape} {x.dtype}", tensor=name)
        b.tensors[name] = x
    shards = {}
    for name, x in b.tensors.items():
        path = os.path.join(folder, data_file_name(prefix, x.shard_id, b.num_shards))
        if x.shard_id not in shards:
            if not os.path.exists(path):
                raise Bad("missingShard", f"{name}: no {os.path.basename(path)}", tensor=name)
            shards[x.shard_id] = open(path, "rb").read()
        data = shards[x.shard_id]
        if x.offset + x.size > len(data):
            raise Bad("dataOutOfBounds", f"{name}: {x.offset}+{x.size} past {len(data)}", tensor=name)
        x.data = data[x.offset:x.offset + x.size]
        if mask(crc32c(x.data)) != x.crc32c:
            raise Bad("badTensorChecksum", f"{name}: CRC-32C mismatch", tensor=name)
    b.data_files = sorted(data_file_name(prefix, s, b.num_shards) for s in range(b.num_shards)
                          if os.path.exists(os.path.join(folder, data_file_name(prefix, s, b.num_shards))))
    return b


def string_tensor(data, count):
    """A DT_STRING tensor's data: count varint64 lengths, the masked CRC-32C of those lengths as
    uint32 little-endian, then the bytes; returns (strings, masked CRC-32C of the whole entry:
    lengths as uint32, the 4 checksum bytes, then the string bytes)."""
    lengths, pos = [], 0
    for _ in range(count):
        n, pos = read_varint(data, pos, len(data))
        lengths.append(n)
    packed = struct.pack(f"<{count}I", *lengths)
    (length_check,) = struct.unpack_from("<I", data, pos)
    assert length_check == mask(crc32c(packed)), "string lengths checksum"
    strings, body = [], pos + 4
    for n in lengths:
        strings.append(data[body:body + n])
        body += n
    assert body == len(data)
    return strings, mask(crc32c(packed + data[pos:pos + 4] + data[pos + 4:]))


# --------------------------------------------------------------------------------------------
# Valid checkpoints, written by TensorFlow
# --------------------------------------------------------------------------------------------


def arr(values, dtype, shape):
    if dtype == "bfloat16":
        return np.array(values, dtype=np.float32).astype(ml_dtypes.bfloat16).reshape(shape)
    return np.array(values, dtype=dtype).reshape(shape)


def all_dtypes_values():
    """{variable attribute name: numpy array} (text: list of bytes)."""
    return {
        "f16": arr([0.5, -65504.0, NAN, INF, -INF, 2.0**-24, 1 / 3], "float16", (7,)),
        "bf16": arr([1.0, -3.140625, NAN, INF, -INF, 1e-39, 3.3895313892515355e38, -0.0], "bfloat16", (2, 4)),
        "f32": arr([1.0, -2.5, NAN, INF, -INF, 1e-40, 3.4028234663852886e38, -0.0], "float32", (2, 2, 2)),
        "f64": arr([-1.5, NAN, INF, -INF, 5e-324, -0.0], "float64", (2, 3)),
        "i8": arr([-128, -1, 0, 1, 2, 3, 64, 127], "int8", (2, 2, 2)),
        "i16": arr([-2, 0, 3, -32768, 1000, 32767], "int16", (2, 3)),
        "i32": arr([-7, 0, 123456, -(2**31), 2**31 - 1], "int32", (5,)),
        "i64": arr([-1, 0, 42, -123456789, -(2**63), 2**63 - 1], "int64", (3, 2)),
        "u8": arr([0, 1, 127, 128, 254, 255], "uint8", (6,)),
        "u16": arr([0, 1, 32768, 65535], "uint16", (2, 2)),
        "u32": arr([0, 7, 2**31, 2**32 - 1], "uint32", (4,)),
        "u64": arr([0, 1, 2**63, 2**64 - 1], "uint64", (2, 2)),
        "bool": arr([True, False, False, True, True, False], "bool", (2, 3)),
        "scalar": arr(3.25, "float32", ()),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }


def write_all_dtypes(path):
    t = tf()
    variables = {name: t.Variable(value) for name, value in all_dtypes_values().items()}
    variables["text"] = t.Variable(t.constant([b"zoo", b"", "\u00fcnic\u00f8de".encode(), b"x" * 130]))
    ck = t.train.Checkpoint(**variables)
    ck.save_counter.assign(3)  # creates save_counter; write() does not on its own
    ck.write(path)


def ramp(n, seed, scale=64.0):
    """n exactly representable float32 values in [-50/scale, 50/scale]."""
    return (((np.arange(n) * 37 + seed * 11) % 101) - 50).astype(np.float32) / np.float32(scale)


MANY_SUBLAYERS = ["query/kernel", "query/bias", "key/kernel", "key/bias", "value/kernel", "value/bias",
                  "output/kernel", "output/bias", "layer_norm/gamma", "layer_norm/beta"]


def many_tensors_values():
    out = {}
    for block in range(30):
        for j, sub in enumerate(MANY_SUBLAYERS):
            i = block * 10 + j
            shape = (2, 2) if sub.endswith("kernel") else (2,)
            out[f"encoder/transformer_block_{block:03d}/multi_head_attention/{sub}"] = \
                ramp(int(np.prod(shape)), i).reshape(shape)
    return out


def save_v2(path, tensors):
    """The SaveV2 op (tf.compat.v1 Saver's V2 format runs it): tensors {name: array}, whole ones."""
    t = tf()
    names = list(tensors)
    t.raw_ops.SaveV2(prefix=path, tensor_names=names, shape_and_slices=[""] * len(names),
                     tensors=[t.constant(tensors[n]) for n in names])


def write_many_tensors(path):
    save_v2(path, many_tensors_values())


BERT_SHAPES = [
    ("bert/embeddings/word_embeddings", (8, 4)),
    ("bert/embeddings/position_embeddings", (6, 4)),
    ("bert/embeddings/token_type_embeddings", (2, 4)),
    ("bert/embeddings/LayerNorm/gamma", (4,)),
    ("bert/embeddings/LayerNorm/beta", (4,)),
    ("bert/encoder/layer_0/attention/self/query/kernel", (4, 4)),
    ("bert/encoder/layer_0/attention/self/query/bias", (4,)),
    ("bert/encoder/layer_0/attention/self/key/kernel", (4, 4)),
    ("bert/encoder/layer_0/attention/self/key/bias", (4,)),
    ("bert/encoder/layer_0/attention/self/value/kernel", (4, 4)),
    ("bert/encoder/layer_0/attention/self/value/bias", (4,)),
    ("bert/encoder/layer_0/attention/output/dense/kernel", (4, 4)),
    ("bert/encoder/layer_0/attention/output/dense/bias", (4,)),
    ("bert/encoder/layer_0/attention/output/LayerNorm/gamma", (4,)),
    ("bert/encoder/layer_0/attention/output/LayerNorm/beta", (4,)),
    ("bert/encoder/layer_0/intermediate/dense/kernel", (4, 8)),
    ("bert/encoder/layer_0/intermediate/dense/bias", (8,)),
    ("bert/encoder/layer_0/output/dense/kernel", (8, 4)),
    ("bert/encoder/layer_0/output/dense/bias", (4,)),
    ("bert/encoder/layer_0/output/LayerNorm/gamma", (4,)),
    ("bert/encoder/layer_0/output/LayerNorm/beta", (4,)),
    ("bert/pooler/dense/kernel", (4, 4)),
    ("bert/pooler/dense/bias", (4,)),
    ("cls/predictions/output_bias", (8,)),
]


def bert_values():
    out = {}
    for i, (name, shape) in enumerate(BERT_SHAPES):
        n = int(np.prod(shape))
        out[name] = ramp(n, i).reshape(shape)
        out[name + "/adam_m"] = (ramp(n, i + 100) / np.float32(16)).reshape(shape)
        out[name + "/adam_v"] = (np.abs(ramp(n, i + 200)) / np.float32(1024)).reshape(shape)
    return out


def write_tf1_bert_like(path):
    t = tf()
    v1 = t.compat.v1
    graph = t.Graph()
    with graph.as_default():
        for name, value in bert_values().items():
            v1.get_variable(name, initializer=t.constant(value), trainable=not name.endswith(("adam_m", "adam_v")))
        step = v1.train.get_or_create_global_step()
        set_step = v1.assign(step, 1000)
        saver = v1.train.Saver()
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            sess.run(set_step)
            saver.save(sess, path, write_meta_graph=False, write_state=False)


def write_tf1_adam(path):
    t = tf()
    v1 = t.compat.v1
    graph = t.Graph()
    with graph.as_default():
        x = t.constant(ramp(6, 1).reshape(2, 3))
        kernel = v1.get_variable("dense/kernel", initializer=t.constant(ramp(6, 2).reshape(3, 2)))
        bias = v1.get_variable("dense/bias", initializer=t.constant(np.array([0.5, -0.25], np.float32)))
        loss = t.reduce_sum(t.square(t.matmul(x, kernel) + bias))
        step = v1.train.get_or_create_global_step()
        train = v1.train.AdamOptimizer(0.125).minimize(loss, global_step=step)
        saver = v1.train.Saver()
        with v1.Session(graph=graph) as sess:
            sess.run(v1.global_variables_initializer())
            sess.run(train)
            saver.save(sess, path, write_meta_graph=False, write_state=False)


KERAS_X = (np.arange(8, dtype=np.float32).reshape(2, 4) / np.float32(8))
KERAS_Y = np.array([[1.0, -1.0], [0.5, 2.0]], np.float32)
DENSE_WEIGHTS = [ramp(12, 3).reshape(4, 3), np.array([0.125, -0.25, 0.5], np.float32),
                 ramp(6, 4).reshape(3, 2), np.array([0.0, 0.75], np.float32)]


def write_tf2_keras_adam(path):
    import keras

    t = tf()
    keras.backend.clear_session()  # layer names (dense, dense_1, ...) start afresh
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(2)])
    model.set_weights(DENSE_WEIGHTS)
    opt = keras.optimizers.Adam(learning_rate=0.125)
    model.compile(optimizer=opt, loss="mse")
    model.train_on_batch(KERAS_X, KERAS_Y)
    t.train.Checkpoint(model=model, optimizer=opt).write(path)


def write_tf2_keras_subclassed(path):
    import keras

    t = tf()
    keras.backend.clear_session()  # layer names (dense, dense_1, ...) start afresh
    keras.utils.set_random_seed(0)

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(3, activation="relu")
            self.head = keras.layers.Dense(2)

        def call(self, x):
            return self.head(self.dense(x))

    model = Net()
    model(KERAS_X)
    model.set_weights(DENSE_WEIGHTS)
    opt = keras.optimizers.Adam(learning_rate=0.125)
    with t.GradientTape() as tape:
        loss = t.reduce_mean(t.square(model(KERAS_X) - KERAS_Y))
    opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    t.train.Checkpoint(model=model, optimizer=opt).write(path)


def write_tf2_optimizer_slots(path):
    t = tf()
    v = t.Variable(np.array([1.0, -2.0, 0.5], np.float32), name="v")
    w = t.Variable(np.array([[0.25, 4.0]], np.float32), name="w")
    opt = t.compat.v1.train.AdamOptimizer(0.125)
    opt.minimize(lambda: t.reduce_sum(v * v) + t.reduce_sum(w * w * w), var_list=[v, w])
    t.train.Checkpoint(v=v, w=w, optimizer=opt).write(path)


SHARD_LIMIT = 128


def sharded_values():
    """{(module, attribute): array}: six 64-byte tensors, so that MaxShardSizePolicy(128) fills
    each shard with exactly two and slices none (it slices a tensor that would straddle a shard
    boundary; see malformed/sliced_tensor_max_shard_size)."""
    return {
        ("embedding", "table"): ramp(16, 5).reshape(4, 4),
        ("layer_0", "kernel"): ramp(8, 6).astype(np.float64).reshape(2, 4),
        ("layer_0", "bias"): np.arange(-8, 8, dtype=np.int32),
        ("layer_1", "kernel"): ramp(32, 7).astype(np.float16).reshape(4, 8),
        ("layer_1", "bias"): np.array([1, -2, 3, -4, 5, -6, 2**40, -(2**40)], np.int64),
        ("head", "scale"): arr(ramp(32, 8), "bfloat16", (32,)),
    }


def sharded_checkpoint(values):
    t = tf()
    modules = {}
    for (module, attribute), value in values.items():
        setattr(modules.setdefault(module, t.Module()), attribute, t.Variable(value))
    return t.train.Checkpoint(**modules)


def write_sharded(path, values=None, limit=SHARD_LIMIT):
    t = tf()
    policy = t.train.experimental.MaxShardSizePolicy(max_shard_size=limit)
    sharded_checkpoint(values or sharded_values()).write(
        path, options=t.train.CheckpointOptions(experimental_sharding_callback=policy))


def write_sliced_by_policy(path):
    """MaxShardSizePolicy(100) over three 64-byte tensors: the second and third straddle shard
    boundaries and are saved as slices."""
    write_sharded(path, {("a", "w"): ramp(16, 1), ("b", "w"): ramp(16, 2), ("c", "w"): ramp(16, 3)}, 100)


VALID = {
    "all_dtypes": write_all_dtypes,
    "many_tensors": write_many_tensors,
    "tf1_bert_like": write_tf1_bert_like,
    "tf1_adam": write_tf1_adam,
    "tf2_keras_adam": write_tf2_keras_adam,
    "tf2_keras_subclassed": write_tf2_keras_subclassed,
    "tf2_optimizer_slots": write_tf2_optimizer_slots,
    "sharded": write_sharded,
}
SMALL_BLOCKS = "many_tensors_1k_blocks"
ALL_VALID = list(VALID) + [SMALL_BLOCKS]


def checkpoint_files(folder, prefix):
    return sorted(n for n in os.listdir(folder) if n == prefix + ".index" or n.startswith(prefix + ".data-"))


def write_checkpoint(folder, prefix):
    """Writes checkpoint `prefix` with TensorFlow into `folder` (in a scratch folder first, so that
    only the index and data files land there); returns the file names."""
    with tempfile.TemporaryDirectory() as tmp:
        VALID[prefix](os.path.join(tmp, prefix))
        names = checkpoint_files(tmp, prefix)
        leftovers = sorted(set(os.listdir(tmp)) - set(names))
        assert not leftovers, (prefix, leftovers)
        for n in names:
            shutil.copy(os.path.join(tmp, n), os.path.join(folder, n))
    return names


def write_checkpoints(folder):
    """Writes every checkpoint in VALID, each from a fresh Python process: TensorFlow and Keras
    number the names of variables, slots and layers per process (v/Adam_2, dense_1, ...), and
    those names end up in _CHECKPOINTABLE_OBJECT_GRAPH. Returns {prefix: file names}."""
    import concurrent.futures
    import multiprocessing

    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn"),
                                                max_tasks_per_child=1) as pool:
        futures = {prefix: pool.submit(write_checkpoint, folder, prefix) for prefix in VALID}
        return {prefix: f.result() for prefix, f in futures.items()}


def write_small_blocks(folder):
    """many_tensors again, with 1 KiB blocks."""
    blob = open(os.path.join(folder, "many_tensors.index"), "rb").read()
    entries = [(k, v) for k, v, _ in read_table(blob).entries]
    with open(os.path.join(folder, SMALL_BLOCKS + ".index"), "wb") as f:
        f.write(write_table(entries, block_size=1024))
    shutil.copy(os.path.join(folder, "many_tensors.data-00000-of-00001"),
                os.path.join(folder, SMALL_BLOCKS + ".data-00000-of-00001"))


# --------------------------------------------------------------------------------------------
# TensorFlow's own reader
# --------------------------------------------------------------------------------------------


def tf_tensor_bytes(value):
    """(zoo dtype, shape, C-order little-endian bytes) of a value get_tensor returned."""
    a = np.asarray(value)
    if a.dtype == ml_dtypes.bfloat16:
        return "BF16", list(a.shape), fixturelib.le_bytes(a.view(np.uint16))
    return NUMPY_TO_ZOO[a.dtype.name], list(a.shape), fixturelib.le_bytes(a)


def tf_read_all(path):
    """{key: value} of every key tf.train.load_checkpoint lists, read with get_tensor."""
    reader = tf().train.load_checkpoint(path)
    return {k: reader.get_tensor(k) for k in sorted(reader.get_variable_to_shape_map())}


def tf_outcome_here(folder, prefix):
    """What TensorFlow's reader makes of checkpoint `prefix`: "reads (keys: ...)" with the keys
    get_variable_to_shape_map lists (each read with get_tensor), or "ErrorClass: first line of the
    message" (folder left out)."""
    try:
        keys = sorted(tf_read_all(os.path.join(folder, prefix)))
    except Exception as e:  # noqa: BLE001 - recorded, not raised
        message = str(e).replace(folder + "/", "").replace(folder, ".").strip().splitlines()
        return f"{type(e).__name__}: {message[0] if message else ''}"[:300]
    return f"reads (keys: {', '.join(keys)})"


def tf_outcome(folder, prefix):
    """tf_outcome_here in a child process, since TensorFlow's CheckpointReader aborts the whole
    process (a failed CHECK) on some broken entries; then the outcome is "abort: " and the CHECK's
    message."""
    import json
    import subprocess

    code = (f"import sys, json; sys.path.insert(0, {HERE!r}); import generate; "
            f"print(json.dumps(generate.tf_outcome_here({folder!r}, {prefix!r})))")
    proc = subprocess.run([sys.executable, "-B", "-c", code], capture_output=True, text=True)
    if proc.returncode == 0:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    fatal = [line.split("] ", 1)[-1].strip() for line in proc.stderr.splitlines() if re.match(r"F\d{4} ", line)]
    return f"abort (exit status {proc.returncode}): {fatal[0] if fatal else proc.stderr.strip()[-200:]}"


def tf_outcomes(folder, prefixes):
    """{prefix: tf_outcome}, two at a time."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(prefixes, pool.map(lambda p: tf_outcome(folder, p), prefixes)))


# --------------------------------------------------------------------------------------------
# expected.json
# --------------------------------------------------------------------------------------------


def tensor_array(x):
    return np.frombuffer(x.data, dtype=x.np_dtype).reshape(x.shape)


def describe_tensor(x):
    a = tensor_array(x)
    record = fixturelib.describe(x.dtype, a, x.kind)
    if x.dtype == "BF16":
        floats = a.view(ml_dtypes.bfloat16).astype(np.float32)
        record["first"] = [fixturelib.json_value("f", v) for v in floats.reshape(-1)[:4]]
    return record


def expected_entry(folder, prefix):
    """expected.json's record of a valid checkpoint, read by the reference reader and checked,
    tensor by tensor, against tf.train.load_checkpoint."""
    b = read_bundle(folder, prefix)
    t = b.table
    blob = open(os.path.join(folder, prefix + ".index"), "rb").read()
    # Every TensorFlow-written index is exactly what write_table makes of its entries.
    if prefix != SMALL_BLOCKS:
        assert write_table([(k, v) for k, v, _ in t.entries]) == blob, prefix
    loaded = tf_read_all(os.path.join(folder, prefix))
    assert sorted(loaded) == sorted(list(b.tensors) + b.skipped), (prefix, sorted(loaded))
    records = {}
    for name, x in b.tensors.items():
        assert tf_tensor_bytes(loaded[name]) == (x.dtype, x.shape, x.data), (prefix, name)
        records[name] = dict(describe_tensor(x), role=role(name), shard_id=x.shard_id, offset=x.offset,
                             size=x.size, crc32c=x.crc32c)
    for name in b.skipped:
        e = b.entries[name]
        data = open(os.path.join(folder, data_file_name(prefix, e["shard_id"], b.num_shards)), "rb").read()
        count = int(np.prod(e["shape"]))
        strings, crc = string_tensor(data[e["offset"]:e["offset"] + e["size"]], count)
        assert crc == e["crc32c"], (prefix, name)
        assert [bytes(s) for s in np.asarray(loaded[name]).reshape(-1)] == strings, (prefix, name)
    # Data shards: the tensors' bytes tile each file, in the order they were written, no padding.
    for shard in range(b.num_shards):
        spans = sorted((e["offset"], e["size"]) for e in b.entries.values() if e["shard_id"] == shard)
        end = 0
        for off, size in spans:
            assert off == end, (prefix, shard, spans)
            end = off + size
        assert end == os.path.getsize(os.path.join(folder, data_file_name(prefix, shard, b.num_shards)))
    return {
        "index": prefix + ".index",
        "data_files": b.data_files,
        "num_shards": b.num_shards,
        "version": b.version,
        "order": list(b.tensors),
        "skipped": b.skipped,
        "table": {"data_blocks": [blk.record() for blk in t.data_blocks], "index_block": t.index.record(),
                  "metaindex_block": t.metaindex.record(), "footer_offset": t.footer_offset},
        "tensors": records,
    }


def check_block_size():
    """TensorFlow's table options, seen on a scratch checkpoint big enough for two data blocks:
    a data block is cut as soon as it reaches 256 KiB, a restart point starts every 16 entries,
    the index block has one per entry, and write_table reproduces the file."""
    names = {f"scope_{i:05d}/" + ("%08x" % (i * 2654435761 % 2**32)) * 8: np.float32(i) for i in range(4000)}
    with tempfile.TemporaryDirectory() as tmp:
        save_v2(os.path.join(tmp, "big"), names)
        blob = open(os.path.join(tmp, "big.index"), "rb").read()
    t = read_table(blob)
    assert write_table([(k, v) for k, v, _ in t.entries]) == blob
    first = t.data_blocks[0]
    assert len(t.data_blocks) >= 2 and first.size >= TF_BLOCK_SIZE, [b.record() for b in t.data_blocks]
    short = block_bytes([(k, v) for k, v, _ in first.entries[:-1]], TF_RESTART_INTERVAL)
    assert len(short) < TF_BLOCK_SIZE <= first.size
    assert len(first.restarts) == (len(first.entries) + 15) // 16
    assert len(t.index.restarts) == len(t.index.entries) == len(t.data_blocks)
    assert t.metaindex.entries == [] and t.metaindex.size == 8
    return [b.record() for b in t.data_blocks]


# --------------------------------------------------------------------------------------------
# Malformed corpus
# --------------------------------------------------------------------------------------------


def entry_bytes(dtype, shape, shard_id, offset, size, crc, slices=()):
    """A BundleEntryProto as TensorFlow serializes it (fields in number order, zero values left
    out)."""
    dims = b"".join(b"\x12" + varint(len(d)) + d for d in (b"\x08" + varint(n) if n else b"" for n in shape))
    out = b"\x08" + varint(dtype) if dtype else b""
    out += b"\x12" + varint(len(dims)) + dims
    for field, value in ((3, shard_id), (4, offset), (5, size)):
        if value:
            out += varint(field << 3) + varint(value)
    out += b"\x35" + struct.pack("<I", crc)
    for s in slices:
        out += b"\x3a" + varint(len(s)) + s
    return out


def header_bytes(num_shards=1, endianness=0, producer=1, min_consumer=0):
    version = b"\x08" + varint(producer) if producer else b""
    version += b"\x10" + varint(min_consumer) if min_consumer else b""
    out = b"\x08" + varint(num_shards) if num_shards else b""
    out += b"\x10" + varint(endianness) if endianness else b""
    return out + b"\x1a" + varint(len(version)) + version


BASE_TENSORS = {
    "alpha": np.arange(6, dtype=np.float32).reshape(2, 3) * np.float32(0.5) - np.float32(1),
    "beta": np.array([-3, 0, 2**40], np.int64),
    "gamma/kernel": np.array([[1.5, -0.25], [65504.0, -0.0]], np.float16),
    "note": np.array([b"hello", b"world"]),
    "zeta": np.array([True, False, True]),
}


def malformed_corpus(out_dir):
    corpus = Corpus(max_size=64 * 1024)
    with tempfile.TemporaryDirectory() as tmp:
        save_v2(os.path.join(tmp, "base"), BASE_TENSORS)
        index = open(os.path.join(tmp, "base.index"), "rb").read()
        data = open(os.path.join(tmp, "base.data-00000-of-00001"), "rb").read()
        tf().raw_ops.SaveV2(prefix=os.path.join(tmp, "sliced"), tensor_names=["part", "part", "whole"],
                            shape_and_slices=["4 0,2", "4 2,2", ""],
                            tensors=[tf().constant([1.0, 2.0]), tf().constant([3.0, 4.0]), tf().constant([5])])
        sliced_index = open(os.path.join(tmp, "sliced.index"), "rb").read()
        sliced_data = open(os.path.join(tmp, "sliced.data-00000-of-00001"), "rb").read()
        write_sliced_by_policy(os.path.join(tmp, "policy"))
        policy_files = {n[len("policy."):]: open(os.path.join(tmp, n), "rb").read()
                        for n in checkpoint_files(tmp, "policy")}
        policy_index = policy_files.pop("index")
    sharded_index = open(os.path.join(HERE, "sharded.index"), "rb").read()
    base_table = read_table(index)
    base = [(k, v) for k, v, _ in base_table.entries]
    assert write_table(base) == index
    parsed = {k.decode(): parse_entry(k, v) for k, v in base[1:]}
    data_name = "data-00000-of-00001"
    cases = []  # (case, index bytes, {data file suffix: bytes}, problem, tensor, offset, description, tf_fails)

    def add(case, blob, problem, tensor, offset, description, tf_fails=True, files=None):
        cases.append((case, blob, {data_name: data} if files is None else files, problem, tensor, offset,
                      description, tf_fails))

    def with_entry(key, value, entries=None):
        return [(k, value if k == key else v) for k, v in (entries or base)]

    def entry(key, **changes):
        e = dict(parsed[key])
        e.update(changes)
        return entry_bytes(e["dtype"], e["shape"], e["shard_id"], e["offset"], e["size"], e["crc32c"], e["slices"])

    for key in parsed:  # entry_bytes reproduces TensorFlow's serialization
        assert entry(key) == dict(base)[key.encode()], key

    # truncated
    add("truncated_footer", index[:-3], "truncated", None, None,
        "the index without its last 3 bytes: it ends with the first 5 bytes of the footer's magic "
        "(a file ending with 1-7 leading bytes of the magic is truncated, not badMagic)")
    add("truncated_block", index[:40], "truncated", None, None,
        "the first 40 bytes of the index: cut inside the data block, shorter than the 48-byte footer")
    # badMagic
    bad = bytearray(index)
    bad[-8] ^= 0x01
    add("bad_magic", bytes(bad), "badMagic", None, len(index) - 8,
        "the footer's magic with its first byte's low bit flipped (0x...fb56 instead of 0x...fb57)")
    # badBlockChecksum
    bad = bytearray(index)
    victim = index.index(b"gamma/kernel")
    bad[victim + 2] ^= 0x20
    add("bad_block_checksum", bytes(bad), "badBlockChecksum", None, 0,
        f"byte {victim + 2} of the data block (in the key gamma/kernel, 'm' -> 'M') flipped; the block "
        "trailer's CRC-32C left as it was")
    bad = bytearray(index)
    bad[base_table.index.offset] ^= 0x04
    add("bad_index_checksum", bytes(bad), "badBlockChecksum", None, base_table.index.offset,
        "the first byte of the index block flipped; its trailer's CRC left as it was")

    # badBlock (CRC recomputed)
    def patch_data(fn):
        def tweak(kind, contents):
            return (fn(contents) if kind == "data" else contents), 0
        return tweak

    block_size = base_table.data_blocks[0].size
    add("bad_block_restarts", write_table(base, tweak=patch_data(
        lambda c: c[:-4] + struct.pack("<I", 1000))), "badBlock", None, block_size - 4,
        "the data block's restart count is 1000, more than the block can hold; CRC recomputed")

    def unterminated(contents):
        (n,) = struct.unpack_from("<I", contents, len(contents) - 4)
        cut = len(contents) - 4 - 4 * n
        return contents[:cut] + b"\x80\x80\x80" + contents[cut:]

    add("bad_block_varint", write_table(base, tweak=patch_data(unterminated)), "badBlock", None, block_size - 8,
        "three bytes 0x80 0x80 0x80 after the last entry of the data block: a varint (the next entry's "
        "shared length) that runs into the restart array; CRC recomputed. TensorFlow's block iterator "
        "stops there and its checkpoint reader ignores the iterator's error, so it reads every tensor",
        tf_fails=False)
    long_value = base[:-1] + [(base[-1][0], base[-1][1] + b"\x00" * 200)]
    blob = write_table(long_value)
    pos = blob.index(b"zeta") - 2  # the value length varint of the last entry, 2 bytes (228)
    assert read_varint(blob, pos, len(blob)) == (len(base[-1][1]) + 200, pos + 2)
    contents_end = read_table(blob).data_blocks[0].size
    zeta_entry = pos - 2  # its shared (0) and non-shared (4) lengths come first
    blob = bytearray(blob[:pos] + varint(5000) + blob[pos + 2:])
    blob[contents_end + 1:contents_end + 5] = struct.pack("<I", mask(crc32c(bytes(blob[:contents_end + 1]))))
    add("bad_block_length", bytes(blob), "badBlock", None, zeta_entry,
        "the last entry's (zeta's) value length says 5000, past the end of the block; CRC recomputed. "
        "TensorFlow's iterator stops there: it reads the other tensors and silently lists no zeta",
        tf_fails=False)

    # badProto
    beta = dict(base)[b"beta"]
    assert beta[-5] == 0x35
    add("bad_proto_truncated", write_table(with_entry(b"beta", beta[:-2])), "badProto", "beta", None,
        "beta's BundleEntryProto ends 2 bytes into its crc32c field (fixed32); block CRC recomputed")
    add("bad_proto_wire_type", write_table(with_entry(b"beta", b"\x0d\x09\x00\x00\x00" + beta[2:])), "badProto",
        "beta", None, "beta's dtype (field 1, a varint) written with wire type 5 (fixed32 0x00000009); "
        "protobuf keeps it as an unknown field, leaving dtype DT_INVALID; block CRC recomputed")
    add("bad_proto_group", write_table(with_entry(b"beta", beta + b"\x0f")), "badProto", "beta", None,
        "beta's BundleEntryProto ends with the tag 0x0f: field 1, wire type 7 (no such wire type)")

    # badHeader
    add("bad_header_missing", write_table(base[1:]), "badHeader", None, None,
        "the header entry (empty key) removed; the table is otherwise intact. TensorFlow seeks to the "
        "empty key, lands on alpha, parses alpha's entry as the header and lists no alpha",
        tf_fails=False)
    add("bad_header_big_endian", write_table(with_entry(b"", header_bytes(endianness=1))), "badHeader", None, None,
        "the header says endianness BIG (1). TensorFlow byte-swaps every element it reads; it fails "
        "here only on the string tensor note, whose swapped length checksum does not match")
    add("bad_header_no_shards", write_table(with_entry(b"", header_bytes(num_shards=0))), "badHeader", None, None,
        "the header says num_shards 0 (TensorFlow looks for base.data-00000-of-00000)")
    add("bad_header_version", write_table(with_entry(b"", header_bytes(min_consumer=2))), "badHeader", None, None,
        "the header's version says min_consumer 2 (TensorBundle version 1 readers must refuse)")

    # unsupportedDType
    add("unsupported_dtype_complex64", write_table(with_entry(b"beta", entry("beta", dtype=8))),
        "unsupportedDType", "beta", None,
        "beta's dtype is DT_COMPLEX64 (8); its 24 bytes are a valid complex64 [3], which TensorFlow reads",
        tf_fails=False)
    add("unsupported_dtype_99", write_table(with_entry(b"beta", entry("beta", dtype=99))),
        "unsupportedDType", "beta", None, "beta's dtype is 99, no DataType")

    # missingShard
    add("missing_shard", index, "missingShard", "alpha", None,
        "a valid index whose only data file is missing; alpha is the first tensor in it", files={})
    sh = read_bundle(HERE, "sharded")
    victim_shard = 1
    first_in = next(n for n, x in sh.tensors.items() if x.shard_id == victim_shard)
    sh_files = {f"data-{s:05d}-of-{sh.num_shards:05d}": open(
        os.path.join(HERE, data_file_name("sharded", s, sh.num_shards)), "rb").read()
        for s in range(sh.num_shards) if s != victim_shard}
    add("missing_shard_sharded", sharded_index, "missingShard", first_in, None,
        f"the sharded fixture without data-0000{victim_shard}-of-{sh.num_shards:05d}; {first_in} is the "
        "first tensor in it (key order)", files=sh_files)

    # dataOutOfBounds, sizeMismatch, badTensorChecksum
    g = parsed["gamma/kernel"]
    add("data_out_of_bounds", write_table(with_entry(b"gamma/kernel", entry("gamma/kernel", offset=len(data) - 2))),
        "dataOutOfBounds", "gamma/kernel", None,
        f"gamma/kernel's offset is {len(data) - 2}: its {g['size']} bytes run past the {len(data)}-byte data file")
    add("size_mismatch", write_table(with_entry(b"beta", entry("beta", size=20))), "sizeMismatch", "beta", None,
        "beta (I64 [3], 24 bytes) says size 20")
    bad = bytearray(data)
    bad[g["offset"] + 1] ^= 0x40
    add("bad_tensor_checksum", index, "badTensorChecksum", "gamma/kernel", None,
        f"byte {g['offset'] + 1} of the data file (inside gamma/kernel) flipped; the index is intact",
        files={data_name: bytes(bad)})

    # compressedBlock
    def snappy_data(kind, contents):
        return (snappy_literal(contents), 1) if kind == "data" else (contents, 0)

    add("compressed_block", write_table(base, tweak=snappy_data),
        "compressedBlock", None, 0,
        "the data block stored Snappy-compressed (compression byte 1; a valid Snappy stream of literals); "
        "CRC over the stored bytes; TensorFlow decompresses and reads it", tf_fails=False)

    # slicedTensor
    slice_proto = b"\x0a\x04\x08\x00\x10\x01\x0a\x00"  # TensorSliceProto {extent {start 0 length 1} extent {}}
    add("sliced_tensor", write_table(with_entry(b"alpha", entry("alpha", slices=[slice_proto]))), "slicedTensor",
        "alpha", None, "alpha's entry lists one slice (rows 0:1, all columns); no slice entries exist")
    sliced = read_table(sliced_index)
    slice_keys = [k for k, _, _ in sliced.entries if k.startswith(b"\x00")]
    add("sliced_tensor_partitioned", sliced_index, "slicedTensor", "part", None,
        "written by TensorFlow: SaveV2 of 'part' as two slices ('4 0,2' and '4 2,2') and 'whole'. "
        f"The index holds {len(slice_keys)} slice entries under binary keys (0x00, then OrderedCode of "
        "the name and extents: not UTF-8, sorted before every name), then 'part' with two slices and "
        "no data of its own, then 'whole'", tf_fails=False, files={data_name: sliced_data})

    policy_table = read_table(policy_index)
    policy_sliced = [k.decode() for k, v, _ in policy_table.entries[1:] if parse_entry(k, v)["slices"]]
    add("sliced_tensor_max_shard_size", policy_index, "slicedTensor", policy_sliced[0], None,
        "written by TensorFlow: tf.train.Checkpoint.write with MaxShardSizePolicy(max_shard_size=100) over "
        f"three f32 [16] variables; {', '.join(policy_sliced)} straddle shard boundaries, so each is "
        "saved as slices (binary 0x00 keys) spread over the shards, its own entry listing the slices",
        tf_fails=False, files=policy_files)

    # keysOutOfOrder
    swapped = list(base)
    i, j = [k for k, _ in base].index(b"beta"), [k for k, _ in base].index(b"gamma/kernel")
    swapped[i], swapped[j] = swapped[j], swapped[i]
    add("keys_out_of_order", write_table(swapped), "keysOutOfOrder", None, None,
        "the entries beta and gamma/kernel swapped (gamma/kernel before beta); prefix compression, "
        "index separator and CRCs recomputed. TensorFlow lists every key by iterating, then its "
        "binary search for beta misses")

    # unknownFormat
    rng = np.random.default_rng(20240601)
    noise = rng.integers(0, 256, 300, dtype=np.uint8).tobytes()
    noise = noise[:-1] + b"\x00"
    assert noise[-8:] != MAGIC_BYTES and not any(noise.endswith(MAGIC_BYTES[:k]) for k in range(1, 8))
    cases.append(("not_a_checkpoint", noise, {}, "unknownFormat", None, None,
                  "300 random bytes (numpy default_rng(20240601)), no table magic, no data file", True))

    # Write, then check every case against the reference reader and TensorFlow.
    for case, blob, files, problem, tensor, offset, description, tf_fails in cases:
        corpus.add(f"{case}.index", blob, problem, tensor, offset, description,
                   extra={"data_files": sorted(f"{case}.{suffix}" for suffix in files), "tf": None})
    listing = corpus.write(out_dir)
    for case, blob, files, *_ in cases:
        for suffix, content in files.items():
            with open(os.path.join(out_dir, f"{case}.{suffix}"), "wb") as f:
                f.write(content)
    outcomes = tf_outcomes(out_dir, [c[0] for c in cases])
    for (case, blob, files, problem, tensor, offset, description, tf_fails), record in zip(cases, listing):
        if problem != "unknownFormat":
            try:
                read_bundle(out_dir, case)
            except Bad as e:
                assert (e.problem, e.tensor, e.offset) == (problem, tensor, offset), (case, str(e), e.tensor, e.offset)
            else:
                raise AssertionError(f"reference reader accepts malformed/{case}")
        record["tf"] = outcomes[case]
        assert outcomes[case].startswith("reads") != tf_fails, (case, outcomes[case])
    dump_json(os.path.join(out_dir, "cases.json"), listing)
    return listing


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


def generate():
    for name in os.listdir(HERE):
        if name.endswith(".index") or ".data-" in name:
            os.remove(os.path.join(HERE, name))
    written = write_checkpoints(HERE)
    write_small_blocks(HERE)
    # A second write of each checkpoint gives the same bytes.
    with tempfile.TemporaryDirectory() as tmp:
        assert write_checkpoints(tmp) == written
        for names in written.values():
            for n in names:
                assert open(os.path.join(tmp, n), "rb").read() == open(os.path.join(HERE, n), "rb").read(), n
    big = check_block_size()
    expected = {"files": {prefix: expected_entry(HERE, prefix) for prefix in ALL_VALID}}
    assert expected["files"]["sharded"]["num_shards"] >= 2
    assert len(expected["files"][SMALL_BLOCKS]["table"]["data_blocks"]) > 1
    dump_json(os.path.join(HERE, "expected.json"), expected)
    listing = malformed_corpus(os.path.join(HERE, "malformed"))
    total = sum(os.path.getsize(os.path.join(root, f)) for root, _, fs in os.walk(HERE) for f in fs
                if "__pycache__" not in root)
    print(f"large scratch checkpoint's data blocks: {big}")
    print(f"wrote {len(ALL_VALID)} checkpoints and {len(listing)} malformed cases; {total} bytes in formats/tensorflow")


# --------------------------------------------------------------------------------------------
# Readback against zoo
# --------------------------------------------------------------------------------------------


def safetensors_triples(path):
    from safetensors import deserialize

    with open(path, "rb") as f:
        return {name: (t["dtype"], list(t["shape"]), bytes(t["data"])) for name, t in deserialize(f.read())}


def readback(zoo):
    import json
    import subprocess

    expected = fixturelib_load(os.path.join(HERE, "expected.json"))["files"]
    names = [n for prefix in ALL_VALID for n in [expected[prefix]["index"]] + expected[prefix]["data_files"]]
    with scratch_copy(HERE, names) as tmp:
        c = Checker(zoo, tmp)
        for prefix in ALL_VALID:
            want_record = expected[prefix]
            loaded = tf_read_all(os.path.join(tmp, prefix))
            want = {name: tf_tensor_bytes(loaded[name]) for name in want_record["order"]}
            out = f"{prefix}.safetensors"

            def step(out=out, want=want, prefix=prefix):
                c.compare_tensors(out, safetensors_triples(os.path.join(tmp, out)), want)

            c.convert(["convert", f"{prefix}.index", out], out, step)

            def inspect(prefix=prefix, want_record=want_record):
                proc = subprocess.run([c.zoo, "inspect", f"{prefix}.index", "--json"], cwd=tmp,
                                      capture_output=True, text=True)
                if not c.check(proc.returncode == 0, f"inspect {prefix}.index --json -> exit {proc.returncode}"):
                    sys.stdout.write(proc.stdout + proc.stderr)
                    return
                report = json.loads(proc.stdout)
                if isinstance(report, list):
                    report = report[0]
                rows = report["tensors"]
                got = [(r["name"], r.get("role")) for r in rows]
                wanted = [(n, want_record["tensors"][n]["role"]) for n in want_record["order"]]
                c.check(got == wanted, f"inspect {prefix}: names and roles in index order"
                        + ("" if got == wanted else f": {got} vs {wanted}"))

            c.guard(f"inspect {prefix}", inspect)

        bert = expected["tf1_bert_like"]
        loaded = tf_read_all(os.path.join(tmp, "tf1_bert_like"))
        weights = {n: tf_tensor_bytes(loaded[n]) for n in bert["order"] if bert["tensors"][n]["role"] == "weight"}

        def weights_only():
            c.compare_tensors("OUT2.safetensors", safetensors_triples(os.path.join(tmp, "OUT2.safetensors")), weights)

        c.convert(["convert", "tf1_bert_like.index", "OUT2.safetensors", "--weights-only"], "OUT2.safetensors",
                  weights_only)
    return c.summary()


def fixturelib_load(path):
    import json

    with open(path, encoding="utf-8") as f:
        return json.load(f)


if __name__ == "__main__":
    sys.exit(fixturelib.main(__doc__, generate, readback))
