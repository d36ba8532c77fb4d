"""Writes the `crashes` area of the hostile corpus (issue 17, section 2: signals where a typed error
was due) beside itself, with Python's standard library only, deterministically:

    deep_mark_tuple.pth   a torch zip whose pickle nests 100,000 MARK/TUPLE levels (each TUPLE wraps
                          the tuple before it): freed recursively, it overflowed the stack
    deep_tuple1.pth       the same with 1,000,000 TUPLE1 opcodes (1 MB)
    deep_list_chain.pth   lists nested 50,000 deep through the memo (each list appended to its parent
                          while still empty, then filled): no depth is seen while building
    expanded_huge.pth     {'w': torch.zeros(1).expand(1 << 20, 1 << 20)}: 1.5 KB, 4 TiB materialised
    expanded_32768.pth    {'w': torch.zeros(1).expand(32768, 32768)}: 4 GiB materialised
    expanded_small.pth    {'w': torch.arange(4.).expand(256, 4)} (read by an ordinary test: it must work)
    expanded_overflow.pth an expanded view of size (2**31, 2**31): 2**64 bytes, past any 64-bit count
    long_name.safetensors one F32 tensor whose name is 70,000 bytes (over a zip name's 65,535 and a
                          Keras weight_names attribute's 64,512)
    rank70.safetensors    one F32 element of shape [1] * 70 (over HDF5's 32 dimensions and NumPy's 64)

Rerun with `python3 Fuzz/hostile/crashes/generate.py`; cases.json says what zoo must do with each.
"""

import os
import pickle
import struct
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def torch_zip(path, pickled, storages=()):
    """A torch.save zip: archive/data.pkl, archive/byteorder, archive/data/KEY (stored, 64-byte
    aligned as torch aligns them), archive/version. Fixed timestamps keep the bytes identical."""
    members = [("archive/data.pkl", pickled), ("archive/byteorder", b"little")]
    members += [(f"archive/data/{key}", data) for key, data in storages]
    members += [("archive/version", b"3\n")]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            offset = archive.fp.tell() + 30 + len(name.encode())
            pad = (-(offset + 4)) % 64
            info.extra = struct.pack("<HH", 0x5A5A, pad) + b"\0" * pad
            archive.writestr(info, data)


def deep_mark_tuple(levels):
    return b"\x80\x02" + pickle.MARK * levels + pickle.TUPLE * levels + pickle.STOP


def deep_tuple1(levels):
    return b"\x80\x02" + pickle.NONE + pickle.TUPLE1 * levels + pickle.STOP


def deep_list_chain(levels):
    put = lambda i: pickle.LONG_BINPUT + struct.pack("<I", i)
    get = lambda i: pickle.LONG_BINGET + struct.pack("<I", i)
    body = bytearray(b"\x80\x02" + pickle.EMPTY_LIST + put(0))
    for i in range(1, levels + 1):
        # [parent] -> [parent, child] -> parent.append(child) -> [] -> [child]
        body += pickle.EMPTY_LIST + put(i) + pickle.APPEND + pickle.POP + get(i)
    return bytes(body + pickle.POP + get(0) + pickle.STOP)


def unicode(text):
    data = text.encode()
    return pickle.BINUNICODE + struct.pack("<I", len(data)) + data


def small_int(value):
    if -(2**31) <= value < 2**31:
        return pickle.BININT + struct.pack("<i", value)
    encoded = pickle.encode_long(value)
    return pickle.LONG1 + bytes([len(encoded)]) + encoded


def int_tuple(values):
    return pickle.MARK + b"".join(small_int(v) for v in values) + pickle.TUPLE


def expanded_view(size, stride, numel):
    """{'w': _rebuild_tensor_v2(FloatStorage 'key 0' of numel elements, 0, size, stride, False, OrderedDict())}."""
    storage = (pickle.MARK + unicode("storage") + pickle.GLOBAL + b"torch\nFloatStorage\n" + unicode("0") + unicode("cpu")
               + small_int(numel) + pickle.TUPLE + pickle.BINPERSID)
    ordered = pickle.GLOBAL + b"collections\nOrderedDict\n" + pickle.EMPTY_TUPLE + pickle.REDUCE
    tensor = (pickle.GLOBAL + b"torch._utils\n_rebuild_tensor_v2\n" + pickle.MARK + storage + small_int(0)
              + int_tuple(size) + int_tuple(stride) + pickle.NEWFALSE + ordered + pickle.TUPLE + pickle.REDUCE)
    return b"\x80\x02" + pickle.EMPTY_DICT + unicode("w") + tensor + pickle.SETITEM + pickle.STOP


def safetensors(path, name, rank=1):
    header = ('{"%s":{"dtype":"F32","shape":[%s],"data_offsets":[0,4]}}' % (name, ",".join(["1"] * rank))).encode()
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + struct.pack("<f", 1.0))


def main():
    out = lambda name: os.path.join(HERE, name)
    torch_zip(out("deep_mark_tuple.pth"), deep_mark_tuple(100_000))
    torch_zip(out("deep_tuple1.pth"), deep_tuple1(1_000_000))
    torch_zip(out("deep_list_chain.pth"), deep_list_chain(50_000))
    one = [("0", struct.pack("<f", 0.0))]
    torch_zip(out("expanded_huge.pth"), expanded_view((1 << 20, 1 << 20), (0, 0), 1), one)
    torch_zip(out("expanded_32768.pth"), expanded_view((32768, 32768), (0, 0), 1), one)
    torch_zip(out("expanded_overflow.pth"), expanded_view((1 << 31, 1 << 31), (0, 0), 1), one)
    torch_zip(out("expanded_small.pth"), expanded_view((256, 4), (0, 1), 4), [("0", struct.pack("<4f", 0, 1, 2, 3))])
    safetensors(out("long_name.safetensors"), "layer." + "x" * (70_000 - len("layer.") - len(".weight")) + ".weight")
    safetensors(out("rank70.safetensors"), "t", rank=70)


if __name__ == "__main__":
    main()
