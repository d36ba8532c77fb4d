"""Writes the NumPy fixtures in formats/numpy/ and can check zoo's output against them.

Rerun (from anywhere) with:

    /tmp/pyref/bin/python formats/numpy/generate.py

Needs numpy (2.4.6 was used) and ml_dtypes. Every value is fixed in this file and NumPy's zip
writer stamps members 1980-01-01, so rerunning writes identical bytes. Valid files are written
by NumPy itself (np.save, np.savez, np.savez_compressed, np.lib.format.write_array):

    f8 f4 f2 i8 i4 i2 i1 u8 u4 u2 u1 bool .npy    little-endian, C order, ranks 1-3
    be_f4 be_i8 be_u2 be_f2 .npy                   big-endian
    fortran_f4_2d fortran_i2_3d .npy               Fortran order
    fortran_big_endian.npy (>f8, 2-D),             big-endian AND Fortran order
    fortran_big_endian_3d.npy (>i4, 3-D)
    v1 v2 v3 .npy                                  write_array(version=(1,0) / (2,0) / (3,0))
    scalar_0d.npy                                  shape ()
    empty_0x3.npy                                  shape (0, 3)
    stored.npz                                     np.savez: weight, fortran (F order), big (>f8),
                                                   flags (bool), scalar (0-d), counts (u2), empty
    deflated.npz                                   np.savez_compressed: weight, bias, ids, mask, half
    expected.json                                  {"files": {name.npy: INFO, name.npz: {"members":
                                                   {member name without .npy: INFO}}}} with INFO =
                                                   {"dtype" (zoo name: F64 F32 F16 I64 ... BOOL),
                                                   "shape" (logical), "crc32" (zlib.crc32 of the
                                                   array's bytes in C order, little-endian,
                                                   unsigned), "first" (up to 4 leading values in C
                                                   order: ints, floats or "nan"/"inf"/"-inf",
                                                   true/false for BOOL), "fortran_order",
                                                   "big_endian", "version" ([major, minor])}
    malformed/*.npy, malformed/*.npz,              broken files made by editing the bytes of valid
    malformed/cases.json                           ones, and a list of {"file", "problem",
                                                   "tensor", "offset", "description"}.

Problem names are the Swift NumPyProblem / ZipProblem case names. For an .npz whose member is
itself a broken .npy the problem is the npy kind and "tensor" is the member name (without .npy).
"offset" is an absolute byte offset only where it is unambiguous: 0 for badMagic and for a file
cut inside the magic, 6 for unsupportedVersion and a cut inside the version, 8 for a cut inside
the header length or the header text, the data start for short data, and data start + expected
size for trailingData; it is null everywhere else (header contents, every zip problem).

Check mode (runs the zoo CLI, writes only into a temporary folder):

    /tmp/pyref/bin/python formats/numpy/generate.py --readback /path/to/zoo

converts the fixtures with zoo, reloads the results with np.load (or safetensors for the
.safetensors step) and compares arrays exactly; one line per check, exit status 1 on any mismatch.
"""

import io
import os
import struct
import sys
import zipfile
import zlib

import ml_dtypes
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import fixturelib  # noqa: E402 - formats/fixturelib.py, found through the path above
from fixturelib import Checker, Corpus, dump_json, le_bytes, scratch_copy  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ZOO_NAMES = {
    ("f", 8): "F64", ("f", 4): "F32", ("f", 2): "F16",
    ("i", 8): "I64", ("i", 4): "I32", ("i", 2): "I16", ("i", 1): "I8",
    ("u", 8): "U64", ("u", 4): "U32", ("u", 2): "U16", ("u", 1): "U8",
    ("b", 1): "BOOL",
}
NAN = float("nan")
INF = float("inf")


# --------------------------------------------------------------------------------------------
# Valid arrays
# --------------------------------------------------------------------------------------------


def arr(values, dtype, shape, order="C"):
    a = np.array(values, dtype=dtype).reshape(shape)
    return np.asfortranarray(a) if order == "F" else np.ascontiguousarray(a)


def ramp(n, scale=1.0, offset=0.0):
    return np.arange(n, dtype=np.float64) * scale + offset


def npy_arrays():
    """[(file name, array, version or None for np.save)]"""
    return [
        ("f8.npy", arr([-1.5, NAN, INF, -INF, 5e-324, 1e300], "<f8", (2, 3)), None),
        ("f4.npy", arr([1.0, -2.5, NAN, INF, -INF, 1e-40, 3.4028234663852886e38, -0.0], "<f4", (2, 2, 2)), None),
        ("f2.npy", arr([0.5, -65504.0, NAN, INF, -INF, 2.0**-24, 1 / 3], "<f2", (7,)), None),
        ("i8.npy", arr([-1, 0, 42, -123456789, -(2**63), 2**63 - 1], "<i8", (3, 2)), None),
        ("i4.npy", arr([-7, 0, 123456, -(2**31), 2**31 - 1], "<i4", (5,)), None),
        ("i2.npy", arr([-2, 0, 3, -32768, 1000, 32767], "<i2", (2, 3)), None),
        ("i1.npy", arr([-128, -1, 0, 1, 2, 3, 64, 127], "i1", (2, 2, 2)), None),
        ("u8.npy", arr([0, 1, 12345678901, 2**64 - 1], "<u8", (4,)), None),
        ("u4.npy", arr([0, 1, 4294967295, 123456], "<u4", (2, 2)), None),
        ("u2.npy", arr([0, 65535, 513], "<u2", (1, 3)), None),
        ("u1.npy", arr([0, 1, 127, 128, 254, 255], "u1", (6,)), None),
        ("bool.npy", arr([True, False, False, True, True, False], "?", (2, 3)), None),
        ("be_f4.npy", arr([1.5, -0.25, NAN, INF, 1e-40, -3.0], ">f4", (2, 3)), None),
        ("be_i8.npy", arr([1, -2, 2**40 + 3, -(2**63)], ">i8", (4,)), None),
        ("be_u2.npy", arr([1, 256, 65535, 4660], ">u2", (2, 2)), None),
        ("be_f2.npy", arr([1.0, -2.0, 2.0**-24, NAN, 65504.0], ">f2", (5,)), None),
        ("fortran_f4_2d.npy", arr(ramp(12, 0.5, -1.0), "<f4", (3, 4), "F"), None),
        ("fortran_i2_3d.npy", arr(ramp(24, 3, -30), "<i2", (2, 3, 4), "F"), None),
        ("fortran_big_endian.npy", arr(ramp(6, -0.75, 2.0), ">f8", (3, 2), "F"), None),
        ("fortran_big_endian_3d.npy", arr(ramp(12, 1000, -5000), ">i4", (2, 3, 2), "F"), None),
        ("v1.npy", arr(ramp(6, 0.125), "<f4", (2, 3)), (1, 0)),
        ("v2.npy", arr(ramp(6, -7, 3), "<i8", (3, 2)), (2, 0)),
        ("v3.npy", arr(ramp(4, 0.5, 1.0), "<f2", (4,)), (3, 0)),
        ("scalar_0d.npy", np.array(3.25, dtype="<f8"), None),
        ("empty_0x3.npy", np.zeros((0, 3), dtype="<f4"), None),
    ]


def stored_members():
    return {
        "weight": arr(ramp(12, 0.1, -0.5), "<f4", (3, 4)),
        "fortran": arr(ramp(6, 11, -20), "<i4", (2, 3), "F"),
        "big": arr([1.0, -2.5, 1e-310], ">f8", (3,)),
        "flags": arr([True, False, True, True], "?", (4,)),
        "scalar": np.array(7, dtype="<i8"),
        "counts": arr([0, 1, 65535, 300, 2, 9], "<u2", (2, 3)),
        "empty": np.zeros((0, 2), dtype="<f2"),
    }


def deflated_members():
    grid = np.add.outer(ramp(16, 0.25), ramp(16, -0.125))
    return {
        "weight": arr(grid, "<f4", (16, 16)),
        "bias": arr(ramp(16, 1 / 3), "<f8", (16,)),
        "ids": arr(ramp(10, 1000003, -5), "<i8", (10,)),
        "mask": arr([i % 3 == 0 for i in range(12)], "?", (3, 4)),
        "half": arr(ramp(8, 0.1, -0.3), "<f2", (2, 4)),
    }


def describe(a, version):
    return dict(
        fixturelib.describe(ZOO_NAMES[(a.dtype.kind, a.dtype.itemsize)], a, a.dtype.kind),
        fortran_order=bool(a.ndim > 1 and a.flags.f_contiguous and not a.flags.c_contiguous),
        big_endian=a.dtype.byteorder == ">",
        version=list(version),
    )


def npy_bytes(a, version=None):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, a, allow_pickle=False)
    else:
        np.lib.format.write_array(buf, a, version=version, allow_pickle=False)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Byte-level helpers for the malformed corpus
# --------------------------------------------------------------------------------------------


def split_npy(blob):
    """(version, header text, data start, data) of a valid .npy."""
    major = blob[6]
    if major == 1:
        n = struct.unpack("<H", blob[8:10])[0]
        start = 10
    else:
        n = struct.unpack("<I", blob[8:12])[0]
        start = 12
    return (major, blob[7]), blob[start : start + n], start + n, blob[start + n :]


def build_npy(text, data, version=(1, 0)):
    """Magic + version + length + `text` (a dict literal) padded as NumPy pads it, + data."""
    prefix = 10 if version[0] == 1 else 12
    body = text.rstrip(b" \n")
    pad = (64 - (prefix + len(body) + 1) % 64) % 64
    header = body + b" " * pad + b"\n"
    length = struct.pack("<H", len(header)) if prefix == 10 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes(version) + length + header + data


def zip_layout(blob):
    """Offsets of the pieces of a small (non-ZIP64-directory) zip: EOCD and each member."""
    eocd = blob.rindex(b"PK\x05\x06")
    count, cd_size, cd_offset = struct.unpack("<HII", blob[eocd + 10 : eocd + 20])
    members = []
    pos = cd_offset
    for _ in range(count):
        assert blob[pos : pos + 4] == b"PK\x01\x02"
        (flags, method, crc, csize, usize, nlen, xlen, clen) = struct.unpack("<HHxxxxIIIHHH", blob[pos + 8 : pos + 34])
        local = struct.unpack("<I", blob[pos + 42 : pos + 46])[0]
        name = blob[pos + 46 : pos + 46 + nlen].decode()
        lnlen, lxlen = struct.unpack("<HH", blob[local + 26 : local + 30])
        data = local + 30 + lnlen + lxlen
        members.append(dict(name=name, cd=pos, local=local, data=data, csize=csize, usize=usize, method=method,
                            flags=flags, crc=crc, local_extra=local + 30 + lnlen, local_extra_len=lxlen))
        pos += 46 + nlen + xlen + clen
    return eocd, members


def patch(blob, offset, fmt, *values):
    b = bytearray(blob)
    struct.pack_into(fmt, b, offset, *values)
    return bytes(b)


def set_sizes(blob, m, csize=None, usize=None):
    """Sets a member's sizes in the central directory and in its local header (incl. ZIP64 extra)."""
    if csize is not None:
        blob = patch(blob, m["cd"] + 20, "<I", csize)
    if usize is not None:
        blob = patch(blob, m["cd"] + 24, "<I", usize)
    # Local header: NumPy forces ZIP64 there, so the 32-bit fields are 0xffffffff and the real
    # sizes sit in the 0x0001 extra field as (uncompressed, compressed).
    lcs, lus = struct.unpack("<II", blob[m["local"] + 18 : m["local"] + 26])
    if lcs == 0xFFFFFFFF and m["local_extra_len"] >= 20:
        tag, size = struct.unpack("<HH", blob[m["local_extra"] : m["local_extra"] + 4])
        assert tag == 1 and size >= 16
        if usize is not None:
            blob = patch(blob, m["local_extra"] + 4, "<Q", usize)
        if csize is not None:
            blob = patch(blob, m["local_extra"] + 12, "<Q", csize)
    else:
        if csize is not None:
            blob = patch(blob, m["local"] + 18, "<I", csize)
        if usize is not None:
            blob = patch(blob, m["local"] + 22, "<I", usize)
    return blob


def write_zip(members, compress):
    """A zip written by Python's zipfile (as NumPy does, fixed timestamps) from raw member bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
            z.writestr(info, data)
    return buf.getvalue()


def savez_bytes(compress, **arrays):
    buf = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buf, **arrays)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Malformed corpus
# --------------------------------------------------------------------------------------------


def malformed_corpus(out_dir):
    """Writes the corpus into out_dir; returns the cases.json list."""
    corpus = Corpus(max_size=4096)
    add = corpus.add

    base_a = arr([1.5, -2.0, 0.25, 8.0, -0.0, 3.0], "<f4", (2, 3))
    base = npy_bytes(base_a)
    version, text, dstart, data = split_npy(base)
    assert text.rstrip(b" \n") == b"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", text
    assert dstart == 128 and len(data) == 24

    def edited(old, new, payload=data, v=(1, 0)):
        assert text.count(old) == 1, old
        return build_npy(text.replace(old, new), payload, v)

    # --- .npy -----------------------------------------------------------------------------
    add("bad_magic_byte.npy", b"\x92" + base[1:], "badMagic", None, 0, "first magic byte 0x92 instead of 0x93")
    add("bad_magic_text.npy", b"\x93NUMPZ" + base[6:], "badMagic", None, 0, "magic \\x93NUMPZ")
    add("bad_magic_plain.npy", b"just some text, not an array\n", "badMagic", None, 0, "a text file named .npy")

    add("version_4_0.npy", base[:6] + b"\x04\x00" + base[8:], "unsupportedVersion", None, 6, "version 4.0")
    add("version_1_1.npy", base[:6] + b"\x01\x01" + base[8:], "unsupportedVersion", None, 6, "version 1.1")
    add("version_0_0.npy", base[:6] + b"\x00\x00" + base[8:], "unsupportedVersion", None, 6, "version 0.0")

    add("truncated_magic.npy", base[:4], "truncated", None, 0, "4 bytes: ends inside the magic")
    add("truncated_version.npy", base[:7], "truncated", None, 6, "7 bytes: ends inside the version")
    add("truncated_length.npy", base[:9], "truncated", None, 8, "9 bytes: ends inside the 2-byte header length")
    v2 = npy_bytes(base_a, (2, 0))
    add("truncated_length_v2.npy", v2[:10], "truncated", None, 8,
        "version 2.0, 10 bytes: ends inside the 4-byte header length")
    add("truncated_header.npy", base[:40], "truncated", None, 8, "40 bytes: ends inside the header text")
    add("truncated_data.npy", base[:-4], "truncated", None, dstart, "data 20 bytes, shape needs 24")
    add("truncated_no_data.npy", base[:dstart], "truncated", None, dstart, "header only, no data")

    add("header_not_dict.npy", build_npy(b"['<f4', False, (2, 3)]", data), "badHeader", None, None,
        "header is a list literal, not a dict")
    add("header_unclosed.npy", edited(b", }", b", "), "badHeader", None, None, "closing brace removed")
    add("header_missing_shape.npy", edited(b"'shape': (2, 3), ", b""), "badHeader", None, None, "no 'shape' key")
    add("header_missing_descr.npy", edited(b"'descr': '<f4', ", b""), "badHeader", None, None, "no 'descr' key")
    add("header_missing_fortran.npy", edited(b"'fortran_order': False, ", b""), "badHeader", None, None,
        "no 'fortran_order' key")
    add("header_fortran_string.npy", edited(b"'fortran_order': False", b"'fortran_order': 'False'"), "badHeader",
        None, None, "fortran_order is the string 'False'")
    add("header_shape_list.npy", edited(b"(2, 3)", b"[2, 3]"), "badHeader", None, None, "shape is a list [2, 3]")
    add("header_shape_string.npy", edited(b"(2, 3)", b"'2, 3'"), "badHeader", None, None, "shape is a string")
    add("header_descr_number.npy", edited(b"'<f4'", b"4"), "badHeader", None, None, "descr is the number 4")

    add("descr_object.npy", edited(b"'<f4'", b"'|O'", b"\0" * 48), "unsupportedDescr", None, None,
        "descr '|O' (object array; data replaced by zeros, no pickle)")
    add("descr_unknown.npy", edited(b"'<f4'", b"'<x4'"), "badDescr", None, None, "descr '<x4'")
    real = [
        ("descr_structured.npy", np.zeros(2, dtype=[("a", "<i4"), ("b", "<f4")]),
         "structured dtype [('a', '<i4'), ('b', '<f4')] (descr is a list)"),
        ("descr_unicode.npy", np.array(["hello", "ab"], dtype="<U5"), "descr '<U5'"),
        ("descr_complex.npy", np.array([1 + 2j, -3j], dtype="<c8"), "descr '<c8'"),
        ("descr_void.npy", np.zeros(3, dtype="V2"), "descr '|V2'"),
        ("descr_datetime.npy", np.array([0, 86400], dtype="<M8[s]"), "descr '<M8[s]'"),
        ("descr_bfloat16.npy", np.array([1.0, -2.0], dtype=ml_dtypes.bfloat16),
         "an ml_dtypes bfloat16 array saved by np.save (descr '<V2')"),
    ]
    for name, a, description in real:
        add(name, npy_bytes(a), "unsupportedDescr", None, None, description + ", written by np.save")

    add("shape_negative.npy", edited(b"(2, 3)", b"(-2, 3)"), "badShape", None, None, "shape (-2, 3)")
    add("shape_overflow_elements.npy", edited(b"(2, 3)", b"(4294967296, 4294967296)"), "badShape", None, None,
        "2^64 elements (overflow); data is 24 bytes, the shape must fail first")
    add("shape_overflow_bytes.npy", edited(b"(2, 3)", b"(2305843009213693952, 2)"), "badShape", None, None,
        "2^62 elements * 4 bytes overflows Int64")
    add("shape_dim_too_big.npy", edited(b"(2, 3)", b"(18446744073709551616,)"), "badShape", None, None,
        "a dimension of 2^64, beyond 64 bits")

    add("trailing_element.npy", base + struct.pack("<f", 9.0), "trailingData", None, dstart + 24,
        "one extra float32 after the data")
    add("trailing_byte.npy", base + b"\n", "trailingData", None, dstart + 24, "one extra byte after the data")

    # --- .npz: zip container problems ----------------------------------------------------------
    stored = savez_bytes(False, a=arr([1.0, 2.0, -3.5, 4.0], "<f4", (4,)), b=arr([7, -8, 9], "<i2", (3,)))
    deflated = savez_bytes(True, a=arr(ramp(64, 0.5), "<f4", (8, 8)), b=arr(ramp(16, 3), "<i8", (16,)))
    eocd_s, (sa, sb) = zip_layout(stored)
    eocd_d, (da, db) = zip_layout(deflated)
    assert (sa["name"], sb["name"], sa["method"], da["method"]) == ("a.npy", "b.npy", 0, 8)

    add("zip_not_a_zip.npz", b"this is not a zip archive at all, only some text\n", "noEndOfCentralDirectory",
        None, None, "plain text named .npz")
    add("zip_tiny.npz", b"PK\x05\x06\0\0", "noEndOfCentralDirectory", None, None,
        "6 bytes, shorter than an end-of-central-directory record")
    add("zip_tail_cut.npz", stored[:-10], "noEndOfCentralDirectory", None, None,
        "valid npz with its last 10 bytes cut off (inside the EOCD record)")
    add("zip_half.npz", stored[: len(stored) // 2], "noEndOfCentralDirectory", None, None,
        "first half of a valid npz")

    add("zip_cd_offset_outside.npz", patch(stored, eocd_s + 16, "<I", len(stored) + 100), "badCentralDirectory",
        None, None, "EOCD says the central directory starts 100 bytes past the end of the file")
    add("zip_cd_size_outside.npz", patch(stored, eocd_s + 12, "<I", 0x7FFFFFF0), "badCentralDirectory", None, None,
        "EOCD central directory size far larger than the file")
    add("zip_cd_signature.npz", patch(stored, sb["cd"], "<I", 0x03014B50), "badCentralDirectory", None, None,
        "second central directory entry has signature PK\\x01\\x03")
    add("zip_cd_count_high.npz", patch(stored, eocd_s + 8, "<HH", 3, 3), "badCentralDirectory", None, None,
        "EOCD claims 3 entries, the directory holds 2")
    add("zip_cd_count_low.npz", patch(stored, eocd_s + 8, "<HH", 1, 1), "badCentralDirectory", None, None,
        "EOCD claims 1 entry but the directory's size holds 2 (count disagrees with the directory)")

    add("zip_local_signature.npz", patch(stored, sb["local"], "<I", 0x05034B50), "badLocalHeader", None, None,
        "second member's local header signature PK\\x03\\x05")
    add("zip_local_offset.npz", patch(stored, sb["cd"] + 42, "<I", sb["local"] + 2), "badLocalHeader", None, None,
        "central directory points 2 bytes into the second member's local header")
    add("zip_data_outside.npz", set_sizes(stored, sb, csize=len(stored), usize=len(stored)), "badLocalHeader",
        None, None, "stored member 'b.npy' declares as many bytes as the whole file: its data runs past the end")

    enc = patch(patch(stored, sa["cd"] + 8, "<H", sa["flags"] | 1), sa["local"] + 6, "<H", sa["flags"] | 1)
    add("zip_encrypted.npz", enc, "encrypted", None, None, "general-purpose flag bit 0 set on 'a.npy'")
    m12 = patch(patch(deflated, da["cd"] + 10, "<H", 12), da["local"] + 8, "<H", 12)
    add("zip_method_bzip2.npz", m12, "unsupportedCompression", None, None, "method 12 (bzip2) on 'a.npy'")
    m14 = patch(patch(stored, sb["cd"] + 10, "<H", 14), sb["local"] + 8, "<H", 14)
    add("zip_method_lzma.npz", m14, "unsupportedCompression", None, None, "method 14 (LZMA) on 'b.npy'")

    flipped = bytearray(stored)
    flipped[sa["usize"] - 1 + sa["data"]] ^= 0x40  # last byte of a.npy's array data
    add("zip_crc_stored.npz", bytes(flipped), "crcMismatch", None, None,
        "one data byte of stored 'a.npy' changed, CRC left as it was")
    bad_crc = sb["crc"] ^ 0x1
    add("zip_crc_value.npz", patch(patch(stored, sb["cd"] + 16, "<I", bad_crc), sb["local"] + 14, "<I", bad_crc),
        "crcMismatch", None, None, "CRC of stored 'b.npy' changed in both headers")
    bad_crc = da["crc"] ^ 0x80000000
    add("zip_crc_deflated.npz", patch(patch(deflated, da["cd"] + 16, "<I", bad_crc), da["local"] + 14, "<I", bad_crc),
        "crcMismatch", None, None, "CRC of deflated 'a.npy' changed in both headers; the stream itself is fine")

    bad = bytearray(deflated)
    bad[da["data"]] = 0x07  # BFINAL=1, BTYPE=11: a reserved block type
    assert_inflate_fails(bytes(bad[da["data"] : da["data"] + da["csize"]]))
    add("zip_inflate_block_type.npz", bytes(bad), "inflateFailed", None, None,
        "first byte of 'a.npy''s deflate stream names the reserved block type 3")
    add("zip_inflate_middle.npz", corrupt_stream_middle(deflated, da), "inflateFailed", None, None,
        "one byte inside 'a.npy''s deflate stream changed so that zlib reports an error")

    add("zip_size_stored.npz", set_sizes(stored, sb, usize=sb["usize"] + 4), "sizeMismatch", None, None,
        "stored 'b.npy': uncompressed size 4 more than compressed size")
    add("zip_size_deflated_larger.npz", set_sizes(deflated, db, usize=db["usize"] + 8), "sizeMismatch", None, None,
        "deflated 'b.npy' declares 8 more uncompressed bytes than its stream inflates to")

    # Members whose declared size agrees with their npy header while the stream disagrees with
    # both: the zip layer is the one that must notice.
    head = npy_bytes(arr(ramp(16), "<f4", (4, 4)))
    short = write_zip([("s.npy", head[:-4])], compress=True)
    _, (ms,) = zip_layout(short)
    add("zip_size_stream_short.npz", set_sizes(short, ms, usize=len(head)), "sizeMismatch", None, None,
        "deflated 's.npy': header wants 64 data bytes and the declared size agrees, the stream holds 60")
    longer = write_zip([("s.npy", head + b"\0" * 4)], compress=True)
    _, (ml,) = zip_layout(longer)
    add("zip_size_stream_long.npz", set_sizes(longer, ml, usize=len(head)), "sizeMismatch", None, None,
        "deflated 's.npy': declared size matches the header, the stream inflates to 4 bytes more")

    # --- .npz whose members are broken .npy files (zip itself consistent, CRCs right) ----------
    good = npy_bytes(arr([1, 2, 3], "<i4", (3,)))
    add("npz_member_bad_magic.npz", write_zip([("ok.npy", good), ("x.npy", b"\x93NUMPZ" + base[6:])], False),
        "badMagic", "x", None, "member x.npy has magic \\x93NUMPZ")
    add("npz_member_version.npz", write_zip([("x.npy", base[:6] + b"\x02\x01" + base[8:])], True),
        "unsupportedVersion", "x", None, "deflated member x.npy has version 2.1")
    add("npz_member_truncated.npz", write_zip([("ok.npy", good), ("x.npy", base[:-4])], False), "truncated", "x",
        None, "member x.npy's data is 4 bytes short")
    add("npz_member_truncated_deflated.npz", write_zip([("x.npy", base[:-4])], True), "truncated", "x", None,
        "deflated member x.npy's data is 4 bytes short")
    add("npz_member_trailing.npz", write_zip([("x.npy", base + b"\0\0\0\0")], False), "trailingData", "x", None,
        "member x.npy has 4 bytes after its data")
    add("npz_member_header.npz", write_zip([("x.npy", edited(b"'shape': (2, 3), ", b""))], True), "badHeader",
        "x", None, "deflated member x.npy has no 'shape' key")
    add("npz_member_descr.npz", write_zip([("ok.npy", good), ("x.npy", npy_bytes(np.zeros(2, "<c8")))], False),
        "unsupportedDescr", "x", None, "member x.npy is complex64 ('<c8')")
    add("npz_member_shape.npz", write_zip([("x.npy", edited(b"(2, 3)", b"(-1, 6)"))], False), "badShape", "x",
        None, "member x.npy has shape (-1, 6)")

    listing = corpus.write(out_dir)
    reference_rejects(out_dir, corpus.cases)
    return listing


def assert_inflate_fails(stream):
    try:
        zlib.decompressobj(-15).decompress(stream)
    except zlib.error:
        return
    raise AssertionError("corrupted stream still inflates")


def corrupt_stream_middle(blob, m):
    """Changes one byte of a member's deflate stream so that zlib rejects it. Searched
    deterministically: positions from the middle of the stream towards its start (past byte 0,
    which zip_inflate_block_type already uses), the first change zlib reports as an error wins."""
    stream = blob[m["data"] : m["data"] + m["csize"]]
    for pos in range(len(stream) // 2, 0, -1):
        for mask in (0xFF, 0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01):
            s = bytearray(stream)
            s[pos] ^= mask
            try:
                zlib.decompressobj(-15).decompress(bytes(s))
            except zlib.error:
                b = bytearray(blob)
                b[m["data"] + pos] ^= mask
                return bytes(b)
    raise AssertionError("no corrupting byte found")


def reference_rejects(out_dir, cases):
    """Prints which malformed files NumPy itself still loads, for the record (zoo is stricter:
    it refuses dtypes it cannot hold, trailing bytes, and zip inconsistencies NumPy ignores)."""
    accepted = []
    for name, blob, problem, *_ in cases:
        path = os.path.join(out_dir, name)
        try:
            with np.errstate(all="ignore"):
                loaded = np.load(path, allow_pickle=False)
                if isinstance(loaded, np.lib.npyio.NpzFile):
                    with loaded:
                        for key in loaded.files:
                            loaded[key]
        except Exception:  # noqa: BLE001 - any refusal counts
            continue
        accepted.append(name)
    print(f"note: np.load accepts {len(accepted)} of the malformed files: {', '.join(accepted)}")


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


@np.errstate(all="ignore")
def generate():
    expected = {"files": {}}
    for name, a, version in npy_arrays():
        blob = npy_bytes(a, version)
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(blob)
        expected["files"][name] = describe(a, (blob[6], blob[7]))

    for name, members, compress in (("stored.npz", stored_members(), False),
                                    ("deflated.npz", deflated_members(), True)):
        path = os.path.join(HERE, name)
        (np.savez_compressed if compress else np.savez)(path, **members)
        with zipfile.ZipFile(path) as z:
            versions = {n[:-4]: tuple(z.read(n)[6:8]) for n in z.namelist()}
        expected["files"][name] = {"members": {k: describe(a, versions[k]) for k, a in members.items()}}

    listing = malformed_corpus(os.path.join(HERE, "malformed"))
    dump_json(os.path.join(HERE, "expected.json"), expected)

    # Self-check: np.load gives back exactly what expected.json records.
    for name, info in expected["files"].items():
        loaded = np.load(os.path.join(HERE, name), allow_pickle=False)
        items = {name: loaded} if "members" not in info else {k: loaded[k] for k in loaded.files}
        infos = {name: info} if "members" not in info else info["members"]
        assert set(items) == set(infos), name
        for k, a in items.items():
            assert zlib.crc32(le_bytes(a)) == infos[k]["crc32"] and list(a.shape) == infos[k]["shape"], (name, k)
    print(f"wrote {len(expected['files'])} valid files, {len(listing)} malformed files")


# --------------------------------------------------------------------------------------------
# Readback against zoo
# --------------------------------------------------------------------------------------------


def compare_arrays(c, label, got, want):
    """got/want: {name: ndarray}. Same names; each output array little-endian (or 1-byte) with the
    source's dtype, same shape, same bytes in C order."""
    for name in c.same_names(label, got, want, "names"):
        g, w = got[name], want[name]
        native = w.dtype.newbyteorder("<")
        c.check(g.dtype == native and g.dtype.byteorder in "<|=",
                f"{label}: {name} dtype {g.dtype.str} (want {native.str})")
        c.check(g.shape == w.shape, f"{label}: {name} shape {g.shape} (want {w.shape})")
        c.check(le_bytes(g) == le_bytes(w), f"{label}: {name} values identical")


def load_npz(path):
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def load_safetensors_arrays(path):
    from safetensors import safe_open

    out = {}
    with safe_open(path, framework="numpy") as f:
        for k in f.keys():
            out[k] = f.get_tensor(k)
    return out


def readback(zoo):
    fortran_be = "fortran_big_endian.npy"
    with scratch_copy(HERE, ("stored.npz", "deflated.npz", fortran_be)) as tmp:
        c = Checker(zoo, tmp)
        stored = load_npz(os.path.join(tmp, "stored.npz"))
        deflated = load_npz(os.path.join(tmp, "deflated.npz"))

        out1 = os.path.join(tmp, "OUT.safetensors")
        out2 = os.path.join(tmp, "OUT2.npz")

        def step1():
            compare_arrays(c, "OUT.safetensors", load_safetensors_arrays(out1), stored)

        def step2():
            compare_arrays(c, "OUT.npz", load_npz(os.path.join(tmp, "OUT.npz")), deflated)

        def step3():
            compare_arrays(c, "OUT2.npz", load_npz(out2), stored)
            with zipfile.ZipFile(out2) as z:
                methods = sorted({i.compress_type for i in z.infolist()})
            c.check(methods == [zipfile.ZIP_DEFLATED], f"OUT2.npz members deflated (methods {methods})")

        def step4():
            got = np.load(os.path.join(tmp, "OUT3.npy"), allow_pickle=False)
            want = np.load(os.path.join(tmp, fortran_be), allow_pickle=False)
            compare_arrays(c, "OUT3.npy", {"x": got}, {"x": want})

        c.convert(["convert", "stored.npz", "OUT.safetensors"], "OUT.safetensors", step1)
        c.convert(["convert", "deflated.npz", "OUT.npz"], "OUT.npz", step2)
        if os.path.exists(out1):
            c.convert(["convert", "OUT.safetensors", "OUT2.npz", "--compress"], "OUT2.npz", step3)
        else:
            c.check(False, "convert OUT.safetensors OUT2.npz --compress: skipped, OUT.safetensors missing")
        c.convert(["convert", fortran_be, "OUT3.npy"], "OUT3.npy", step4)

    return c.summary()


if __name__ == "__main__":
    sys.exit(fixturelib.main(__doc__, generate, readback))
