"""Writes the `quiet` area of zoo's hostile corpus: inputs that zoo once read or converted with
exit 0 and a wrong or missing answer (issue 17, section 4, "Quiet wrong answers"), each beside
this script, and cases.json (the convention of Fuzz/hostile: name, file, args, exit, message, why).

Rerun from anywhere with Python 3 and h5py (the HDF5 inputs start as a file libhdf5 writes):

    python3 -m venv /tmp/venv-h5 && /tmp/venv-h5/bin/pip install h5py numpy
    /tmp/venv-h5/bin/python Fuzz/hostile/quiet/generate.py

Everything else uses the standard library only. Every byte is fixed here (zip members are stamped
1980-01-01, h5py stores no times with libver="earliest" defaults), so a rerun writes identical
files (h5py 3.16 with HDF5 2.0.0 wrote these).
"""

import io
import json
import os
import struct
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def npy(descr, shape, data, fortran=False):
    """A version 1.0 .npy: NumPy's header dict, padded as NumPy pads it, then `data`."""
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    text = "{'descr': %s, 'fortran_order': %s, 'shape': (%s), }" % (
        descr if descr.startswith("[") else repr(descr), fortran, dims)
    body = text.encode()
    pad = (64 - (10 + len(body) + 1) % 64) % 64
    header = body + b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + data


def f32(*values):
    return struct.pack("<%df" % len(values), *values)


def npz(members, compress=False):
    """A zip written by Python's zipfile, as np.savez writes one (fixed timestamps)."""
    buf = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, data)
    return buf.getvalue()


def zip_members(blob):
    """(central directory entry offset, local header offset, name) of each member."""
    eocd = blob.rindex(b"PK\x05\x06")
    count, _, offset = struct.unpack("<HII", blob[eocd + 10: eocd + 20])
    found = []
    for _ in range(count):
        name_length, extra_length, comment_length = struct.unpack("<HHH", blob[offset + 28: offset + 34])
        local = struct.unpack("<I", blob[offset + 42: offset + 46])[0]
        found.append((offset, local, blob[offset + 46: offset + 46 + name_length].decode()))
        offset += 46 + name_length + extra_length + comment_length
    return found


def flip_name(blob, at, old, new):
    """Replaces the name `old` by `new` (same length) at `at` (a central or local name)."""
    assert blob[at: at + len(old)] == old and len(old) == len(new)
    return blob[:at] + new + blob[at + len(old):]


def safetensors(header_json, data=b""):
    """The 8-byte length, the JSON as written here (spaces padded to 8 bytes), then the data."""
    raw = header_json.encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    return struct.pack("<Q", len(raw)) + raw + data


CASES = []
FILES = {}


def case(name, file, data, args, exit, message, why):
    FILES[file] = data
    CASES.append({"name": name, "file": file, "args": args, "exit": exit, "message": message, "why": why})


def build():
    inspect = ["inspect", "{file}"]

    # A .npy whose data is short, or absent under a header declaring 4 GiB: refused when opened,
    # not only when a tensor is read (`zoo inspect` without --checksum read none).
    case("npy truncated", "npy_truncated.npy", npy("<f4", (6,), f32(1, 2)[:7]), inspect, 2,
         "needs 24 data bytes but 7 follow the header",
         "a truncated .npy passed plain zoo inspect with exit 0")
    case("npy declares 4 GiB", "npy_declares_4gib.npy", npy("<f4", (1 << 30,), b""), inspect, 2,
         "at byte 128: npy: truncated: shape [1073741824] of F32 needs 4294967296 data bytes but 0 follow the header",
         "a .npy declaring 4 GiB with no data passed plain zoo inspect with exit 0")
    short = npy("<f4", (1 << 28,), f32(0, 0))
    case("npz deflated member declares 1 GiB", "npz_deflated_declares_1gib.npz", npz([("w.npy", short)], compress=True),
         inspect, 2, "tensor 'w': at byte", "a deflated .npz member whose header declares more than the member holds passed zoo inspect")

    # A safetensors entry naming a field twice: the reference (serde) refuses it; zoo took the last.
    entry = '"w":{"dtype":"F32","shape":[2],"dtype":"I32","data_offsets":[0,8]}'
    case("safetensors duplicate dtype", "safetensors_duplicate_dtype.safetensors",
         safetensors("{" + entry + "}", f32(1, 2)), inspect, 2,
         "tensor 'w': at byte 40: safetensors: malformed header entry: field 'dtype' appears twice",
         "a duplicate field in a safetensors entry was accepted (the last one won)")
    case("safetensors duplicate offsets", "safetensors_duplicate_offsets.safetensors",
         safetensors('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"data_offsets":[4,8]}}', f32(1, 2)), inspect, 2,
         "field 'data_offsets' appears twice", "a duplicate data_offsets field chose which bytes a tensor reads")
    case("safetensors duplicate tensor", "safetensors_duplicate_tensor.safetensors",
         safetensors('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
                     f32(1, 2)), inspect, 2,
         "tensor 'w': at byte 62: safetensors: malformed header entry: key appears twice",
         "duplicate tensor names at the top level of a safetensors header")
    case("safetensors duplicate metadata key", "safetensors_duplicate_metadata.safetensors",
         safetensors('{"__metadata__":{"format":"pt","format":"tf"},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
                     f32(1)), inspect, 2,
         "__metadata__ key 'format' appears twice", "duplicate keys in a safetensors __metadata__ (one value was dropped)")

    # An .npz whose central directory and local header name a member differently: a flipped
    # byte dropped a tensor (renamed to a non-.npy member) with only a warning, or renamed it.
    pair = npz([("a.npy", npy("<f4", (2,), f32(1, 2))), ("b.npy", npy("<f4", (2,), f32(3, 4)))])
    (central_b, local_b, _) = zip_members(pair)[1]
    case("npz central name flipped", "npz_central_name_flipped.npz", flip_name(pair, central_b + 46, b"b.npy", b"b.npz"), inspect, 2,
         "the central directory names a member 'b.npz' but its local header names it 'b.npy'",
         "a flipped byte in an .npz central directory name dropped a tensor with only a warning")
    case("npz local name flipped", "npz_local_name_flipped.npz", flip_name(pair, local_b + 30, b"b.npy", b"c.npy"), inspect, 2,
         "names it 'c.npy'", "an .npz local header name was never compared with the central directory")

    # NumPy dtypes zoo recognises but does not read: exit 4 (unsupported), saying which.
    for file, descr, data, kind in [
        ("npy_object.npy", "|O", b"\x80\x04N.", "Python object"),
        ("npy_complex64.npy", "<c8", f32(1, 0, 2, 0), "complex"),
        ("npy_unicode.npy", "<U10", "abc".encode("utf-32-le").ljust(40, b"\0"), "unicode string"),
        ("npy_datetime.npy", "<M8[ns]", struct.pack("<q", 0), "datetime"),
    ]:
        shape = (2,) if descr == "<c8" else (1,)
        case("npy dtype " + descr, file, npy(descr, shape, data), inspect, 4,
             "unsupported dtype '%s' (%s): a NumPy type zoo recognises but does not read" % (descr, kind),
             "an unsupported NumPy dtype exited 2 (bad input) where 4 (unsupported) fits")
    case("npz member dtype <c16", "npz_complex128.npz", npz([("z.npy", npy("<c16", (1,), b"\0" * 16))]), inspect, 4,
         "tensor 'z': at byte 45: npy: unsupported dtype '<c16' (complex)", "an unsupported dtype inside an .npz exited 2")
    case("npy record dtype", "npy_record.npy", npy("[('a', '<i4'), ('b', '<f4')]", (1,), b"\0" * 8), inspect, 4,
         "unsupported dtype (a structured record type)", "a structured NumPy dtype exited 2")
    case("npy unknown descr", "npy_unknown_descr.npy", npy("<x4", (1,), b"\0" * 4), inspect, 2,
         "invalid dtype descr '<x4' (not a NumPy type string)", "a descr that is no NumPy type stays bad input (exit 2), unlike those above")

    # A tensor name with a NUL: safetensors holds it, but NumPy cuts an .npz member name at the
    # NUL (one tensor was lost, exit 0) and libhdf5 cuts dataset names there.
    nul = safetensors('{"w\\u0000x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
                      f32(1, 2))
    for suffix, label in [("npz", "where NumPy's np.load cuts an .npz member name"), ("h5", "where HDF5 names end"),
                          ("weights.h5", "where HDF5 names end")]:
        case("NUL in a name to ." + suffix, "safetensors_nul_in_name.safetensors", nul, ["convert", "{file}", "{out}/x." + suffix], 4,
             'tensor "w\\0x" has a NUL character in its name, ' + label,
             "a NUL inside a tensor name was written into .%s names, which cut it (a tensor lost, exit 0)" % suffix)

    # Conversions that would write no tensors: an empty output with exit 0 looked like success.
    case("npz without arrays", "npz_no_arrays.npz", npz([("notes.txt", b"not an array\n")]), ["convert", "{file}", "{out}/x.safetensors"], 2,
         "nothing to convert: zoo found no tensors in it; ", "a checkpoint yielding no tensors converted to an empty file with exit 0")
    case("safetensors without tensors", "safetensors_empty.safetensors", safetensors("{}"), ["convert", "{file}", "{out}/x.npz"], 2,
         "nothing to convert", "a checkpoint yielding no tensors converted to an empty file with exit 0")


def hdf5_plain():
    """A small file as h5py writes it (superblock 0, symbol-table groups): datasets a and c at
    the root, b in group g."""
    import h5py
    import numpy as np
    buf = io.BytesIO()
    with h5py.File(buf, "w", libver="earliest") as f:
        f.create_dataset("a", data=np.arange(4, dtype="<f4"))
        f.create_group("g").create_dataset("b", data=np.arange(3, dtype="<i4"))
        f.create_dataset("c", data=np.ones((2, 2), dtype="<f4"))
    return buf.getvalue()


def hdf5_keras_without_weight_names():
    """A Keras legacy weights file whose layer group lost its weight_names attribute (Keras writes
    it for every layer, [] for one without weights): its kernel and bias are still there."""
    import h5py
    import numpy as np
    buf = io.BytesIO()
    with h5py.File(buf, "w", libver="earliest") as f:
        f.attrs["layer_names"] = np.array([b"dense"])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.15.0"
        layer = f.create_group("dense").create_group("dense")
        layer.create_dataset("kernel:0", data=np.ones((2, 2), dtype="<f4"))
        layer.create_dataset("bias:0", data=np.zeros(2, dtype="<f4"))
    return buf.getvalue()


def u64(blob, at):
    return struct.unpack("<Q", blob[at: at + 8])[0]


def symbol_table(blob, btree, heap):
    """{name: (symbol table entry offset, object header address)} of a group whose B-tree has one
    leaf node, and the offset of the B-tree's first key (a name's offset into the local heap)."""
    assert blob[btree: btree + 4] == b"TREE" and blob[btree + 5] == 0, "expected a one-node B-tree"
    node = u64(blob, btree + 32)  # after signature, type, level, entries, siblings and key 0
    assert blob[node: node + 4] == b"SNOD" and blob[heap: heap + 4] == b"HEAP"
    names = u64(blob, heap + 24)  # the data segment, after signature, version, size and free list
    entries = {}
    for index in range(struct.unpack("<H", blob[node + 6: node + 8])[0]):
        entry = node + 8 + 40 * index
        start = names + u64(blob, entry)
        entries[blob[start: blob.index(b"\0", start)].decode()] = (entry, u64(blob, entry + 8))
    return entries, btree + 24


def datatype_message(blob, header):
    """The offset of the datatype message body in a version 1 object header."""
    assert blob[header] == 1
    at = header + 16
    for _ in range(struct.unpack("<H", blob[header + 2: header + 4])[0]):
        kind, size = struct.unpack("<HH", blob[at: at + 4])
        if kind == 3:
            return at + 8
        at += 8 + size
    raise AssertionError("no datatype message")


def patched(blob, at, new):
    return blob[:at] + new + blob[at + len(new):]


def build_hdf5():
    blob = hdf5_plain()
    assert blob[8] == 0, "superblock version 0"
    root, root_key = symbol_table(blob, u64(blob, 80), u64(blob, 88))  # the root entry's scratch pad
    group_entry = root["g"][0]
    group, group_key = symbol_table(blob, u64(blob, group_entry + 24), u64(blob, group_entry + 32))
    inspect = ["inspect", "{file}"]
    # A B-tree key is the heap offset of a name that binary search compares with: pointing it
    # outside the heap, every lookup by name fails. libhdf5 1.10 still lists the names, and zoo
    # took "cannot find it" for "no such link": the root's datasets vanished (0 tensors, exit 0,
    # and an empty converted file); h5py's visititems refuses the file.
    broken_root = patched(blob, root_key, struct.pack("<Q", 0xFF))
    case("hdf5 root B-tree key", "hdf5_root_btree_key.h5", broken_root, inspect, 2,
         "hdf5: unreadable object: the root group lists a link 'a' that it cannot look up",
         "a corrupted HDF5 group gave 0 tensors and exit 0 where h5py refuses the file")
    case("hdf5 root B-tree key, converted", "hdf5_root_btree_key.h5", broken_root, ["convert", "{file}", "{out}/x.safetensors"], 2,
         "the root group lists a link 'a' that it cannot look up", "a corrupted HDF5 group converted to an empty checkpoint with exit 0")
    case("hdf5 group B-tree key", "hdf5_group_btree_key.h5", patched(blob, group_key, struct.pack("<Q", 0xFF)), inspect, 2,
         "group 'g' lists a link 'b' that it cannot look up", "a corrupted HDF5 subgroup dropped its datasets without a word")
    # A link name that is not UTF-8 was decoded with replacement characters and then not found.
    name_at = u64(blob, u64(blob, 88) + 24) + u64(blob, root["a"][0])
    case("hdf5 link name not UTF-8", "hdf5_link_name_not_utf8.h5", patched(blob, name_at, b"\x9e"), inspect, 2,
         "link 0 of the root group has a name that is not UTF-8", "a link name that is not UTF-8 dropped its dataset without a word")
    # Read as a layer without weights: 0 tensors, exit 0 (a flipped byte in the attribute's
    # message did the same); h5py reads both datasets, Keras's load_weights would find none.
    case("keras layer without weight_names", "hdf5_keras_no_weight_names.h5", hdf5_keras_without_weight_names(), inspect, 2,
         "inconsistent Keras weight layout: layer 'dense' holds 1 object(s) but has no weight_names attribute",
         "a Keras layer group that lost its weight_names gave 0 tensors and exit 0")
    # A datatype message whose float fields cannot be (sign bit 224 of 32) or whose size leaves
    # thousands of unused bits: libhdf5 1.10 decodes it, zoo skipped the dataset with a warning
    # as an exotic float; h5py (HDF5 2.0) refuses the file.
    float_type = datatype_message(blob, root["a"][1])
    case("hdf5 float sign bit outside", "hdf5_float_sign_outside.h5", patched(blob, float_type + 2, b"\xe0"), inspect, 2,
         "tensor 'a': hdf5: unreadable object: dataset 'a' has an impossible float type (4 bytes, fields [224, 23, 8, 0, 23, 127])",
         "a corrupted HDF5 datatype was skipped as an unsupported one (a tensor lost, exit 0)")
    case("hdf5 float size", "hdf5_float_size.h5", patched(blob, float_type + 4, b"\xfb"), inspect, 2,
         "dataset 'a' has an impossible float type (251 bytes", "a corrupted HDF5 datatype size was skipped as an unsupported type")


def main():
    build()
    build_hdf5()
    for file, data in FILES.items():
        with open(os.path.join(HERE, file), "wb") as out:
            out.write(data)
    with open(os.path.join(HERE, "cases.json"), "w") as out:
        json.dump(CASES, out, indent=2)
        out.write("\n")
    print("wrote %d files, %d cases" % (len(FILES), len(CASES)))


if __name__ == "__main__":
    main()
