#!/usr/bin/env python3
"""Writes the crafted inputs of issue 17, section 3 ("hangs and memory blow-ups from small files")
beside this script; cases.json says what zoo must do with each. Deterministic: rerunning rewrites
the same bytes. Standard library only, except probe_gzip.h5 (h5py and numpy; skipped without them),
which the ordinary tests use (ZooCLITests/ProbeLimitTests), not the corpus: decoding it takes seconds.

    python3 Fuzz/hostile/hangs/generate.py
"""
import json
import os
import struct
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


# --- PyTorch zip checkpoints --------------------------------------------------------------------

def text(s):
    """BINUNICODE."""
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def tensor_pickle():
    """_rebuild_tensor_v2 of a 4-element ByteStorage '0' (protocol 2 opcodes)."""
    return (
        b"ctorch._utils\n_rebuild_tensor_v2\n("
        + b"(" + text("storage") + b"ctorch\nByteStorage\n" + text("0") + text("cpu") + b"K\x04tQ"
        + b"K\x00K\x04\x85K\x01\x85\x89ccollections\nOrderedDict\n)Rt" + b"R"
    )


def torch_zip(name, pickle, storages=(), deflate_pickle=False):
    """A torch.save zip: archive/data.pkl (stored, as torch writes it, or deflated), byteorder, storages."""
    path = os.path.join(HERE, name)
    with zipfile.ZipFile(path, "w") as z:
        def member(member_name, data, method=zipfile.ZIP_STORED):
            info = zipfile.ZipInfo(member_name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, data, compresslevel=9 if method == zipfile.ZIP_DEFLATED else None)
        member("archive/data.pkl", pickle, zipfile.ZIP_DEFLATED if deflate_pickle else zipfile.ZIP_STORED)
        member("archive/byteorder", b"little")
        for key, data in storages:
            member("archive/data/" + key, data)
        member("archive/version", b"3\n")


def memo_dag(levels, container):
    """A tensor at the bottom, then `levels` levels each holding the level below twice through the
    memo: 2**levels paths to the tensor, in about 20 bytes a level."""
    body = b"\x80\x02" + tensor_pickle() + b"q\x00"
    for level in range(1, levels + 1):
        get = b"h" + bytes([level - 1])
        if container == "dict":
            body += b"}(" + text("a") + get + text("b") + get + b"u"
        else:
            body += get + get + b"\x86"
        body += b"q" + bytes([level])
    return body + b"."


torch_zip("memo_dag_dict.pth", memo_dag(50, "dict"), [("0", b"\x01\x02\x03\x04")])
torch_zip("memo_dag_tuple.pth", memo_dag(50, "tuple"), [("0", b"\x01\x02\x03\x04")])
# One opcode (EMPTY_DICT) 16 Mi times: 16 KB deflated, 16 MB of pickle, 16 Mi objects (~1.5 GB) unbounded.
torch_zip("repeated_opcode.pth", b"\x80\x02" + b"}" * (16 << 20) + b".", deflate_pickle=True)
# A deflated data.pkl of 100 MiB (100 KB in the file), past the bytes a pickle of no storages may inflate to.
torch_zip("inflated_pickle.pth", b"\x80\x02" + b"N" * (100 << 20) + b".", deflate_pickle=True)


# --- npz ----------------------------------------------------------------------------------------

def npy(shape, fill=b"\x00"):
    header = "{'descr': '|u1', 'fortran_order': False, 'shape': (%s), }" % "".join("%d," % d for d in shape)
    header = header.encode() + b" " * ((64 - (len(header) + 11) % 64) % 64) + b"\n"
    count = 1
    for d in shape:
        count *= d
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + fill * count


def deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def zip_by_hand(local_name, stream, crc, declared, central_names):
    """One local header and its data, then a central entry per name, all pointing at that header."""
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(stream), declared, len(local_name), 0)
    body = local + local_name + stream
    directory = b""
    for name in central_names:
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(stream), declared,
                                 len(name), 0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central_names), len(central_names), len(directory), len(body), 0)
    return body + directory + end


# 300 central-directory entries over one 64 MiB deflate stream: 19 GB of inflating, unless refused.
member = npy((64 << 20,))
write("overlapping_members.npz", zip_by_hand(
    b"a.npy", deflate(member), zlib.crc32(member), len(member), [b"m%d.npy" % i for i in range(300)]))

# A member declaring 1 GiB whose stream inflates to 192 bytes (the compressed size, padded with
# zeros after the stream's end, is just large enough for zoo's 1100:1 bound on deflate's ratio).
member = npy((64,), b"\x07")
assert len(member) == 192
declared = 1 << 30
stream = deflate(member)
stream += b"\x00" * (declared // 1100 + 1 - len(stream))
write("declared_1gib.npz", zip_by_hand(b"a.npy", stream, zlib.crc32(member), declared, [b"a.npy"]))


# Tensors under a "model" key (zoo warns where it found them), for inspect's table: a name of
# 100,000 characters beside a short one, and a tensor of rank 100,000.
def state_dict(entries):
    """{"model": {name: tensor}} with each tensor a view of storage '0' of the given shape."""
    body = b"\x80\x02}(" + text("model") + b"}("
    for name, shape in entries:
        dims = b"".join(b"K" + bytes([d]) for d in shape)
        body += text(name) + tensor_pickle().replace(b"K\x04\x85K\x01\x85", b"(" + dims + b"t(" + dims + b"t")
    return body + b"uu."


torch_zip("long_name.pth", state_dict([("n" * 100_000, [1]), ("b", [1])]), [("0", b"\x01\x02\x03\x04")])
torch_zip("rank_100000.pth", state_dict([("t", [1] * 100_000)]), [("0", b"\x01\x02\x03\x04")])

# --- safetensors --------------------------------------------------------------------------------

# A sharded index of 100,000 tensors, each in a shard of its own (none of which exists).
digits = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
names = [digits[i // 3844] + digits[i // 62 % 62] + digits[i % 62] for i in range(100_000)]
index = {"metadata": {"total_size": 100_000}, "weight_map": {n: n for n in names}}
write("many_shards.safetensors.index.json", json.dumps(index, separators=(",", ":")).encode())


# --- HDF5 (test fixture, not a corpus case) -----------------------------------------------------

try:
    import h5py
    import numpy as np
except ImportError:
    print("h5py/numpy missing: probe_gzip.h5 not rewritten")
else:
    # 512 MiB of zeros, gzip-compressed in 8 MiB chunks: about 0.5 MB, which zoo-hdf5-probe must decode.
    path = os.path.join(HERE, "probe_gzip.h5")
    with h5py.File(path, "w", track_order=False) as f:
        d = f.create_dataset("weights", shape=(512 << 20,), dtype="u1", chunks=(8 << 20,),
                             compression="gzip", compression_opts=9, track_times=False)
        d[:] = np.zeros(512 << 20, dtype=np.uint8)
