"""Writes the HDF5 / Keras fixtures in formats/hdf5/ and can check zoo's output against them.

Rerun (from anywhere) with:

    /tmp/refvenv/bin/python formats/hdf5/generate.py

Needs h5py (3.14.0 was used; it bundles libhdf5 1.14.6), numpy, keras (3.15.1) with the
TensorFlow backend (tensorflow-cpu 2.21.0; CUDA is hidden) and, for --readback, safetensors.
Every value is fixed in this file (no random numbers; the Keras model is seeded with
keras.utils.set_random_seed and trained one deterministic step on fixed data). Two runs on the same
machine write identical bytes: h5py creates datasets with track_times=False and Keras 3 writes
through h5py's defaults, which track no times either. What could still change the bytes (not the
values) elsewhere: another h5py/libhdf5 (file layout, free-space and heap placement), another zlib
(the gzip chunks of plain_all_dtypes.h5 and malformed/chunked_*), another Keras (keras_version
attributes, model_config JSON, variable naming) or another TensorFlow build (the trained values
at the last bit). expected.json records values (CRC-32 of the little-endian bytes), not file bytes.

Files written:

    plain_all_dtypes.h5   written with h5py (libver "earliest": superblock v0, v1 object headers,
                          symbol-table groups, no creation-order tracking). Datasets: f16 f32 f64
                          i8 i16 i32 i64 u8 u16 u32 u64 bool (h5py's bool: an enum of int8 with
                          FALSE=0, TRUE=1), with NaN, +-inf, -0.0, subnormals and integer extremes;
                          scalar (0-d f64); empty (f32 [0, 3], no storage allocated); be_f32 (">f4")
                          and be_i32 (">i4"); chunked_gzip (f32 [64, 33], chunks [16, 16], shuffle
                          then gzip level 4); chunked (i16 [10, 7], chunks [4, 3], no filter);
                          chunked_fletcher32 (u16 [50], chunks [16], fletcher32); a/b/c (i32, three
                          groups deep); numbered/{0,1,2,10,11,a10,a9} (the "natural" order);
                          B_upper (an upper-case name: byte order puts it first). Skipped, not
                          numeric: strings (variable-length UTF-8), fixed_string (S5), compound
                          ({x: <f4, y: <i4}) and enum_color (an int8 enum that is not h5py's bool).
    keras_legacy_weights.h5   the model below, weights only, legacy layout, written by
                          keras.src.legacy.saving.legacy_h5_format.save_weights_to_hdf5_group(
                          h5py.File(path, "w"), model) -- Keras 3 itself refuses
                          model.save_weights("x.h5") (it wants ".weights.h5"), and that internal
                          function is what Keras 3's legacy model.save("x.h5") calls for the
                          model_weights group.
    keras_legacy_model.h5 model.save("keras_legacy_model.h5") of the same (compiled, trained) model:
                          root attrs model_config, training_config, backend, keras_version; group
                          model_weights (as above); group optimizer_weights (Adam: 22 variables,
                          names "adam/iteration", "adam/learning_rate", "adam/conv_kernel_momentum",
                          ...).
    keras3.weights.h5     model.save_weights("keras3.weights.h5") of the same model (Keras 3
                          layout: layers/<class-based name>/vars/<i>, nested models nest, the
                          optimizer's variables under optimizer/vars/<i>, empty vars groups with a
                          "name" attribute for every object, a top-level vars group).
    keras_legacy_tf2_style.h5   hand-built with h5py (not by any Keras) to imitate legacy files
                          written by tf.keras 2.x with h5py 2.x: layer_names, weight_names,
                          backend and keras_version ("2.15.0") as fixed-length NUL-padded ASCII
                          strings instead of variable-length ones; weight names with ":0"; the
                          nested model's weights named "block_dense/kernel:0" (not prefixed by
                          the layer "block"), so zoo names them "block/block_dense/kernel:0"; no
                          top_level_model_weights group. Keras 3's loader reads it (checked).
    expected.json         {"files": {name: {"layout": "plain" | "keras-legacy" | "keras3",
                             "layer_names": [...] (keras-legacy only), "order": [zoo names in
                             zoo's order], "skipped": [zoo names of non-numeric datasets, in
                             traversal order], "tensors": {zoo name: {"dtype", "shape", "crc32",
                             "first", "hdf5_path" (no leading "/"), "keras_layer" (or null),
                             "keras_weight" (or null), "role" ("weight" | "optimizer"),
                             "chunked", "filters" (pipeline order: "shuffle", "gzip",
                             "fletcher32", ...), "byte_order" ("<", ">", or "|" for 1-byte
                             types)}}}},
                           "naming": the rules below, in words}
                          dtype: zoo name (F16 F32 F64 I8 I16 I32 I64 U8 U16 U32 U64 BOOL);
                          crc32: zlib.crc32 of the values in C order, little-endian; first: up to 4
                          leading values (floats with "nan"/"inf"/"-inf", ints, true/false).
    malformed/            broken files (< 64 KiB each) and cases.json: {"file", "problem",
                          "tensor", "offset", "description"}. problem: unknownFormat, openFailed,
                          readFailed, dataOutsideFile, unsupportedType, badKerasLayout, badShape,
                          libraryCrashed (libhdf5_crash.h5: a file the system libhdf5 1.10.8
                          crashes on, which zoo's probe process must contain).
                          tensor: the zoo name the problem is about, or null. offset: null,
                          except for dataOutsideFile, where it is the dataset's data address
                          (H5Dget_offset).

The model (functional, every layer named): image (InputLayer, [6, 6, 2]) -> conv (Conv2D 3
filters 3x3) -> bn (BatchNormalization) -> pool (GlobalAveragePooling2D) -> block (a nested
Sequential of Dense block_dense (4, relu) and Dense block_out (4)) -> head (Dense 2). Compiled
with Adam(0.01) and MSE, trained one step (batch of 4 fixed samples), then saved three ways.

Zoo's naming (the contract the Swift reader implements; `zoo_listing` below is the reference):

  * Signature: the HDF5 signature at byte 0, 512, 1024, 2048 or 4096, else unknownFormat.
  * Layout: keras-legacy if the root has the attribute layer_names (root = the weights group), or
    the root has a group model_weights carrying layer_names (that group is the weights group);
    otherwise keras3 if the root has a group "layers"; otherwise plain.
  * keras-legacy: layer_names and weight_names must be 1-D arrays of strings (fixed or variable
    length); an array with 0 elements of any type (Keras writes an empty float64 array for a
    layer without weights) means none; a missing weight_names attribute means none (as in Keras's
    loader); when an attribute is absent but name0, name1, ... exist (Keras's split of lists over
    64512 bytes), they are joined in that order (no fixture has one). For each layer
    in layer_names order (it must be a group of the weights group) and each weight_name in its
    weight_names order (a dataset at <layer>/<weight_name>, nested groups when weight_name has
    "/"): zoo name = weight_name if weight_name == layer or starts with layer + "/" or
    layer + "."; else layer + "/" + weight_name. keras_layer = layer, keras_weight = weight_name,
    hdf5_path = [model_weights/]<layer>/<weight_name>, role "weight". Then, if the root has a group
    optimizer_weights with a weight_names attribute: each weight_name -> zoo name
    "optimizer_weights/" + weight_name, keras_layer null, keras_weight = weight_name, role
    "optimizer". Groups not named in layer_names (top_level_model_weights, ...) are not read.
    A non-numeric dataset named by weight_names is unsupportedType; a missing group or dataset, a
    group where a dataset is expected, attributes of the wrong type or a zoo name produced twice
    is badKerasLayout.
  * keras3 and plain: every dataset, depth-first from the root; at each group its links are
    visited in the order of the key (0, int(name), name) for names made only of the ASCII digits
    0-9, (1, name) otherwise, names compared as UTF-8 bytes; a group is entered where it sorts. zoo
    name = hdf5_path = the path without its leading "/". Non-numeric datasets are skipped (listed
    under "skipped", a warning, not an error). keras3: keras_layer = the path before "/vars/<i>"
    and keras_weight = "<i>" when the path is <something>/vars/<ASCII digits>, else both null (also
    for a root-level vars/<i>); role "optimizer" when the first path component is "optimizer", else
    "weight". plain: keras_layer and keras_weight null, role "weight".
  * Numeric types: HDF5 integer classes of 1, 2, 4, 8 bytes (I*/U* by sign), float classes of 2,
    4, 8 bytes (F16/F32/F64), and enums exactly {FALSE: 0, TRUE: 1} over a 1-byte integer (BOOL).
    Everything else (strings, compounds, other enums, opaque, arrays, references, bitfields) is
    non-numeric. Either byte order; zoo reports values little-endian.
  * Shapes: an element count or byte count that does not fit in Int64 is badShape.
  * Contiguous datasets whose data address + size lies past the end of the file are
    dataOutsideFile (checked at open, before any read); datasets with no storage allocated (an
    empty dataset, or one never written) read as their fill value. Any libhdf5 failure reading
    data (filters, checksums, chunk addresses) is readFailed; libhdf5 failing to open the file is
    openFailed.

Generation checks itself: `zoo_listing` (the contract above, through h5py) must read every
fixture exactly as expected.json says (expected.json is built from the source arrays and the Keras
model, not from the files), Keras 3 must load every Keras fixture back into a fresh model, the
Keras 3 loader must accept a .weights.h5 holding only the datasets (what zoo writes), and every
malformed file must fail `zoo_listing` with its listed problem and tensor. It also prints what
h5py (bundled libhdf5 1.14.6) and the system libhdf5 (1.10.8, loaded with ctypes in a subprocess,
if /usr/lib/x86_64-linux-gnu/hdf5/serial/libhdf5.so exists) do with each malformed file.

Check mode (runs the zoo CLI, writes only into a temporary folder):

    /tmp/refvenv/bin/python formats/hdf5/generate.py --readback /path/to/zoo

a. zoo convert {plain_all_dtypes.h5, keras_legacy_weights.h5, keras_legacy_model.h5,
   keras3.weights.h5, keras_legacy_tf2_style.h5} -> .safetensors, compared with zoo_listing
   (names, dtypes, shapes, bytes).
b. SRC_legacy.safetensors (keras_legacy_weights.h5's tensors under their zoo names, data in zoo's
   order) -> zoo convert -> OUT.h5: root attrs layer_names (the first path components, in first
   appearance order), backend "tensorflow", keras_version; each layer's weight_names; zoo_listing
   gives back the same names in the same order and the same values; a fresh model (other seed)
   load_weights(OUT.h5) has every weight equal and the same outputs on a fixed input.
c. SRC_k3.safetensors (keras3.weights.h5's tensors) -> zoo convert -> OUT.weights.h5: zoo_listing
   gives the same names and values; a fresh model load_weights(OUT.weights.h5) has every weight
   equal and the same outputs; a compiled model whose Adam is built loads the optimizer
   variables too.
d. plain_all_dtypes.h5 -> zoo convert -> OUT2.h5 (legacy layout), and OUT3.h5 with --compress
   (every dataset with data chunked, shuffle + gzip): h5py reads every tensor with
   the same zoo dtype (BOOL as numpy bool, i.e. an enum FALSE/TRUE over int8), shape and values,
   and zoo_listing gives the same names in the same order.
One line per check; exit status 1 on any failure.
"""

import hashlib
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import warnings

os.environ["CUDA_VISIBLE_DEVICES"] = ""  # TensorFlow on the CPU only
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import fixturelib  # noqa: E402 - formats/fixturelib.py, found through the path above
from fixturelib import Checker, Corpus, dump_json, le_bytes, scratch_copy  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
NAN = float("nan")
INF = float("inf")
SYSTEM_LIBHDF5 = "/usr/lib/x86_64-linux-gnu/hdf5/serial/libhdf5.so"
SIGNATURE = b"\x89HDF\r\n\x1a\n"
SIGNATURE_OFFSETS = (0, 512, 1024, 2048, 4096)
FILTER_NAMES = {1: "gzip", 2: "shuffle", 3: "fletcher32", 4: "szip", 5: "nbit", 6: "scaleoffset", 32000: "lzf"}
INT64_LIMIT = 2**63  # element and byte counts must stay below this
FLOATS = {"F16", "F32", "F64"}

NAMING = {
    "signature": "HDF5 signature at byte 0, 512, 1024, 2048 or 4096, else unknownFormat",
    "layout": "keras-legacy if the root has attribute layer_names (weights group = root) or a group model_weights "
              "with attribute layer_names (weights group = model_weights); else keras3 if the root has a group "
              "'layers'; else plain",
    "keras-legacy": "for each layer in layer_names, each weight_name in <layer>.weight_names: zoo name = weight_name "
                    "if weight_name == layer or starts with layer+'/' or layer+'.', else layer+'/'+weight_name; "
                    "then root optimizer_weights.weight_names -> 'optimizer_weights/'+weight_name (role optimizer, "
                    "keras_layer null); empty attribute arrays of any type and a missing weight_names mean none; an absent "
                    "attribute with chunks name0, name1, ... (Keras's split of long lists) is their concatenation",
    "keras3/plain": "every dataset depth-first; each group's links sorted by (0, int(name), name) for all-ASCII-digit "
                    "names, (1, name) otherwise (UTF-8 bytes); zoo name = path without leading '/'; non-numeric "
                    "datasets skipped",
    "keras3 fields": "keras_layer = X and keras_weight = '<i>' for a path X/vars/<ASCII digits> (else both null); "
                     "role optimizer when the first component is 'optimizer', else weight",
}


# --------------------------------------------------------------------------------------------
# The reference reader: zoo's naming contract, through h5py
# --------------------------------------------------------------------------------------------


class Bad(Exception):
    """A file zoo must refuse: .problem is the Swift problem case name, .tensor the zoo name or None."""

    def __init__(self, problem, message, tensor=None):
        super().__init__(f"{problem}: {message}" + (f" (tensor {tensor})" if tensor else ""))
        self.problem = problem
        self.tensor = tensor


def natural_key(name):
    """The sort key of one link name inside a group (see the module docstring)."""
    if name and all("0" <= c <= "9" for c in name):
        return (0, int(name), name.encode("utf-8"))
    return (1, name.encode("utf-8"))


def type_info(dset):
    """(zoo dtype or None for non-numeric, byte order "<" / ">" / "|") of a dataset's HDF5 type."""
    t = dset.id.get_type()
    cls = t.get_class()
    size = t.get_size()
    order = "|"
    if size > 1 and cls in (h5py.h5t.INTEGER, h5py.h5t.FLOAT, h5py.h5t.ENUM):
        order = "<" if t.get_order() == h5py.h5t.ORDER_LE else ">"
    if cls == h5py.h5t.INTEGER and size in (1, 2, 4, 8):
        return ("I" if t.get_sign() == h5py.h5t.SGN_2 else "U") + str(8 * size), order
    if cls == h5py.h5t.FLOAT and size in (2, 4, 8):
        return "F" + str(8 * size), order
    if cls == h5py.h5t.ENUM and size == 1:
        members = {t.get_member_name(i): t.get_member_value(i) for i in range(t.get_nmembers())}
        if members == {b"FALSE": 0, b"TRUE": 1}:
            return "BOOL", order
    return None, order


def filters_of(dset):
    dcpl = dset.id.get_create_plist()
    names = []
    for i in range(dcpl.get_nfilters()):
        code = dcpl.get_filter(i)[0]
        names.append(FILTER_NAMES.get(code, f"filter{code}"))
    return dcpl.get_layout() == h5py.h5d.CHUNKED, names


def string_list(attrs, name, where):
    """A Keras name-list attribute as a list of str; [] when absent or empty (any type). Like
    Keras's load_attributes_from_hdf5_group, when `name` is absent the chunks name0, name1, ...
    (Keras splits lists longer than 64512 bytes) are read and joined."""
    if name in attrs:
        keys = [name]
    else:
        keys = []
        while f"{name}{len(keys)}" in attrs:
            keys.append(f"{name}{len(keys)}")
    out = []
    for key in keys:
        try:
            value = np.asarray(attrs[key])
        except Exception as e:  # noqa: BLE001 - an attribute h5py cannot even read
            raise Bad("badKerasLayout", f"{where} attribute {key}: {e}") from e
        if value.size == 0:
            continue
        if value.ndim != 1:
            raise Bad("badKerasLayout", f"{where} attribute {key} has shape {list(value.shape)}, not a 1-D array")
        for v in value:
            if isinstance(v, bytes):
                out.append(v.decode("utf-8"))
            elif isinstance(v, str):
                out.append(v)
            else:
                raise Bad("badKerasLayout", f"{where} attribute {key} holds {value.dtype} values, not strings")
    return out


def legacy_name(layer, weight_name):
    if weight_name == layer or weight_name.startswith(layer + "/") or weight_name.startswith(layer + "."):
        return weight_name
    return layer + "/" + weight_name


def open_object(group, path, zoo_name):
    """The object at `path` below `group`, None if no such link. libhdf5 1.14 refuses to open a
    contiguous dataset whose data lies past the end of the file ("invalid dataset size, likely file
    corruption"); zoo's reader (libhdf5 1.10.8 opens it) finds the same thing by comparing the data
    address and size with the file size, so that is dataOutsideFile here. Any other failure to open
    an object is readFailed."""
    if path not in group:
        return None
    try:
        return group[path]
    except Exception as e:  # noqa: BLE001 - libhdf5 could not open the object
        problem = "dataOutsideFile" if "invalid dataset size" in str(e) else "readFailed"
        raise Bad(problem, f"{path}: {e}", zoo_name) from e


def walk_datasets(group, prefix=""):
    """(path without leading "/", h5py object) for every dataset below `group`, in zoo's order."""
    for name in sorted(group.keys(), key=natural_key):
        path = prefix + name
        obj = open_object(group, name, path)
        if isinstance(obj, h5py.Group):
            yield from walk_datasets(obj, path + "/")
        elif isinstance(obj, h5py.Dataset):
            yield path, obj


KERAS3_VAR = re.compile(r"^(.+)/vars/([0-9]+)$")


def zoo_listing(path, read_values=True):
    """What zoo must report for the file at `path`: {"layout", "layer_names" (legacy), "order",
    "skipped", "tensors" {name: meta}, "values" {name: array}}; raises Bad for a malformed file."""
    with open(path, "rb") as fh:
        head = fh.read(4096 + 8)
    if not any(head[o:o + 8] == SIGNATURE for o in SIGNATURE_OFFSETS):
        raise Bad("unknownFormat", "no HDF5 signature at 0, 512, 1024, 2048 or 4096")
    file_size = os.path.getsize(path)
    try:
        f = h5py.File(path, "r")
    except Exception as e:  # noqa: BLE001 - libhdf5 refused the file
        raise Bad("openFailed", str(e)) from e
    with f:
        out = {"order": [], "skipped": [], "tensors": {}, "values": {}}
        entries = []  # (zoo name, hdf5 path, keras_layer, keras_weight, role, dataset or None)
        weights_group, prefix = None, ""
        if "layer_names" in f.attrs:
            weights_group = f
        elif isinstance(open_object(f, "model_weights", None), h5py.Group) and "layer_names" in f["model_weights"].attrs:
            weights_group, prefix = f["model_weights"], "model_weights/"
        if weights_group is not None:
            out["layout"] = "keras-legacy"
            layers = string_list(weights_group.attrs, "layer_names", "/" + prefix)
            out["layer_names"] = layers
            for layer in layers:
                lg = open_object(weights_group, layer, None)
                if not isinstance(lg, h5py.Group):
                    raise Bad("badKerasLayout", f"layer_names names {layer!r}, which is "
                                                f"{'missing' if lg is None else 'not a group'}")
                for wname in string_list(lg.attrs, "weight_names", f"layer {layer!r}"):
                    name = legacy_name(layer, wname)
                    entries.append((name, f"{prefix}{layer}/{wname}", layer, wname, "weight",
                                    open_object(lg, wname, name)))
            og = open_object(f, "optimizer_weights", None)
            if isinstance(og, h5py.Group) and "weight_names" in og.attrs:
                for wname in string_list(og.attrs, "weight_names", "optimizer_weights"):
                    entries.append((f"optimizer_weights/{wname}", f"optimizer_weights/{wname}", None, wname,
                                    "optimizer", open_object(og, wname, f"optimizer_weights/{wname}")))
        else:
            out["layout"] = "keras3" if isinstance(open_object(f, "layers", None), h5py.Group) else "plain"
            for p, dset in walk_datasets(f):
                layer = weight = None
                role = "weight"
                if out["layout"] == "keras3":
                    m = KERAS3_VAR.match(p)
                    if m:
                        layer, weight = m.group(1), m.group(2)
                    if p.split("/")[0] == "optimizer":
                        role = "optimizer"
                entries.append((p, p, layer, weight, role, dset))

        for name, hpath, layer, weight, role, dset in entries:
            if name in out["tensors"]:
                raise Bad("badKerasLayout", "the same zoo name twice", name)
            if not isinstance(dset, h5py.Dataset):
                raise Bad("badKerasLayout", f"{hpath} is {'missing' if dset is None else 'not a dataset'}", name)
            dtype, order = type_info(dset)
            if dtype is None:
                if out["layout"] == "keras-legacy":
                    raise Bad("unsupportedType", f"{hpath} has HDF5 type {dset.dtype}", name)
                out["skipped"].append(name)
                continue
            shape = [int(d) for d in dset.shape]
            count = 1
            for d in shape:
                count *= d
            itemsize = int(dtype[1:]) // 8 if dtype != "BOOL" else 1
            if count >= INT64_LIMIT or count * itemsize >= INT64_LIMIT:
                raise Bad("badShape", f"shape {shape} of {dtype} does not fit in Int64", name)
            chunked, filters = filters_of(dset)
            if not chunked:
                offset = dset.id.get_offset()
                size = dset.id.get_storage_size()
                if offset is not None and offset + size > file_size:
                    raise Bad("dataOutsideFile", f"data [{offset}, {offset + size}) past the end {file_size}", name)
            out["order"].append(name)
            out["tensors"][name] = {"dtype": dtype, "shape": shape, "hdf5_path": hpath, "keras_layer": layer,
                                    "keras_weight": weight, "role": role, "chunked": chunked,
                                    "filters": filters, "byte_order": order}
        if read_values:
            for name, hpath, *_ in entries:
                if name not in out["tensors"]:
                    continue
                try:
                    value = np.asarray(f[hpath][()])
                except Exception as e:  # noqa: BLE001 - libhdf5 could not read the data
                    raise Bad("readFailed", str(e), name) from e
                out["values"][name] = value
        return out


def describe(dtype, array):
    kind = "b" if dtype == "BOOL" else "f" if dtype in FLOATS else "i"
    return fixturelib.describe(dtype, array, kind)


def numpy_zoo_dtype(dtype):
    """zoo's name for a numpy dtype (as safetensors.numpy or h5py return them)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return "BOOL"
    return {"f": "F", "i": "I", "u": "U"}[dtype.kind] + str(8 * dtype.itemsize)


# --------------------------------------------------------------------------------------------
# plain_all_dtypes.h5
# --------------------------------------------------------------------------------------------


def plain_sources():
    """{path: (zoo dtype, array as written, create_dataset keywords)} of the numeric datasets."""

    def a(values, dtype, shape):
        return np.array(values, dtype=dtype).reshape(shape)

    grid = ((np.arange(64 * 33) % 251) * 0.125 - 15.0).astype("<f4").reshape(64, 33)
    return {
        "f16": ("F16", a([0.5, -65504.0, NAN, INF, -INF, 2.0**-24, 1 / 3, -0.0], "<f2", (2, 4)), {}),
        "f32": ("F32", a([1.0, -2.5, NAN, INF, -INF, 1e-40, 3.4028234663852886e38, -0.0], "<f4", (2, 2, 2)), {}),
        "f64": ("F64", a([-1.5, NAN, INF, -INF, 5e-324, 1e300], "<f8", (2, 3)), {}),
        "i8": ("I8", a([-128, -1, 0, 1, 2, 3, 64, 127], "i1", (2, 2, 2)), {}),
        "i16": ("I16", a([-2, 0, 3, -32768, 1000, 32767], "<i2", (2, 3)), {}),
        "i32": ("I32", a([-7, 0, 123456, -(2**31), 2**31 - 1], "<i4", (5,)), {}),
        "i64": ("I64", a([-1, 0, 42, -123456789, -(2**63), 2**63 - 1], "<i8", (3, 2)), {}),
        "u8": ("U8", a([0, 1, 127, 128, 254, 255], "u1", (6,)), {}),
        "u16": ("U16", a([0, 65535, 513], "<u2", (1, 3)), {}),
        "u32": ("U32", a([0, 1, 4294967295, 123456], "<u4", (2, 2)), {}),
        "u64": ("U64", a([0, 1, 12345678901, 2**64 - 1], "<u8", (4,)), {}),
        "bool": ("BOOL", a([True, False, False, True, True, False], "?", (2, 3)), {}),
        "scalar": ("F64", np.array(-2.5, dtype="<f8"), {}),
        "empty": ("F32", np.zeros((0, 3), dtype="<f4"), {}),
        "be_f32": ("F32", a([1.5, -0.0, INF, NAN, 1e-40, -3.25], ">f4", (2, 3)), {}),
        "be_i32": ("I32", a([-(2**31), -1, 1, 2**31 - 1], ">i4", (4,)), {}),
        "chunked_gzip": ("F32", grid, dict(chunks=(16, 16), compression="gzip", compression_opts=4, shuffle=True)),
        "chunked": ("I16", (np.arange(70, dtype="<i2") * 37 - 1000).reshape(10, 7), dict(chunks=(4, 3))),
        "chunked_fletcher32": ("U16", ((np.arange(50, dtype=np.int64) * 1111) % 65536).astype("<u2"),
                               dict(chunks=(16,), fletcher32=True)),
        "a/b/c": ("I32", a([7, -8, 9], "<i4", (3,)), {}),
        "numbered/0": ("F32", a([0.0], "<f4", (1,)), {}),
        "numbered/1": ("F32", a([1.0], "<f4", (1,)), {}),
        "numbered/2": ("F32", a([2.0], "<f4", (1,)), {}),
        "numbered/10": ("F32", a([10.0], "<f4", (1,)), {}),
        "numbered/11": ("F32", a([11.0], "<f4", (1,)), {}),
        "numbered/a10": ("U8", a([10], "u1", (1,)), {}),
        "numbered/a9": ("U8", a([9], "u1", (1,)), {}),
        "B_upper": ("I8", a([-1, 1], "i1", (2,)), {}),
    }


PLAIN_ORDER = [
    "B_upper", "a/b/c", "be_f32", "be_i32", "bool", "chunked", "chunked_fletcher32", "chunked_gzip", "empty",
    "f16", "f32", "f64", "i16", "i32", "i64", "i8", "numbered/0", "numbered/1", "numbered/2", "numbered/10",
    "numbered/11", "numbered/a10", "numbered/a9", "scalar", "u16", "u32", "u64", "u8",
]
PLAIN_SKIPPED = ["compound", "enum_color", "fixed_string", "strings"]


def write_plain(path):
    sources = plain_sources()
    with h5py.File(path, "w") as f:
        # Creation order differs from the sorted order on purpose (zoo must not use it).
        for name in ["numbered/10", "numbered/2", "numbered/a9", "numbered/0", "numbered/11", "numbered/a10",
                     "numbered/1"] + [n for n in sources if not n.startswith("numbered/")]:
            _, array, kw = sources[name]
            f.create_dataset(name, data=array, dtype=array.dtype, track_times=False, **kw)
        f.create_dataset("strings", data=np.array(["hello", "wörld ✓"], dtype=h5py.string_dtype("utf-8")),
                         track_times=False)
        f.create_dataset("fixed_string", data=np.array([b"abc", b"defgh"], dtype="S5"), track_times=False)
        f.create_dataset("compound", data=np.array([(1.5, 2), (-0.5, 7)], dtype=[("x", "<f4"), ("y", "<i4")]),
                         track_times=False)
        color = h5py.enum_dtype({"RED": 0, "GREEN": 1, "BLUE": 2}, basetype="i1")
        f.create_dataset("enum_color", data=np.array([0, 2, 1], dtype="i1"), dtype=color, track_times=False)
    os.chmod(path, 0o644)


def plain_expected():
    tensors = {}
    for name, (dtype, array, kw) in plain_sources().items():
        filters = (["shuffle"] if kw.get("shuffle") else []) + (["gzip"] if kw.get("compression") else []) + \
                  (["fletcher32"] if kw.get("fletcher32") else [])
        tensors[name] = {**describe(dtype, array), "hdf5_path": name, "keras_layer": None, "keras_weight": None,
                         "role": "weight", "chunked": "chunks" in kw, "filters": filters,
                         "byte_order": "|" if array.dtype.itemsize == 1 else array.dtype.str[0]}
    assert sorted(tensors) == sorted(PLAIN_ORDER)
    return {"layout": "plain", "order": PLAIN_ORDER, "skipped": PLAIN_SKIPPED, "tensors": tensors}


# --------------------------------------------------------------------------------------------
# The Keras model and its three files
# --------------------------------------------------------------------------------------------


def keras_modules():
    import logging

    warnings.filterwarnings("ignore")
    import keras  # noqa: F401 - slow, so only when needed
    logging.getLogger("absl").setLevel(logging.ERROR)
    from keras.src.legacy.saving import legacy_h5_format

    return keras, legacy_h5_format


def build_model(seed):
    keras, _ = keras_modules()
    keras.utils.set_random_seed(seed)
    layers = keras.layers
    inputs = keras.Input((6, 6, 2), name="image")
    x = layers.Conv2D(3, 3, name="conv")(inputs)
    x = layers.BatchNormalization(name="bn")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    block = keras.Sequential([layers.Dense(4, activation="relu", name="block_dense"),
                              layers.Dense(4, name="block_out")], name="block")
    x = block(x)
    outputs = layers.Dense(2, name="head")(x)
    return keras.Model(inputs, outputs, name="tiny")


def training_data():
    x = ((np.arange(4 * 6 * 6 * 2) % 7) - 3).astype("f4").reshape(4, 6, 6, 2) * 0.25
    y = np.array([[1.0, -1.0], [0.5, 0.25], [-0.5, 2.0], [0.0, 1.5]], dtype="f4")
    return x, y


def probe_input():
    return ((np.arange(3 * 6 * 6 * 2) % 11) - 5).astype("f4").reshape(3, 6, 6, 2) * 0.2


def compile_model(model):
    keras, _ = keras_modules()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")


def trained_model():
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()
    model = build_model(0)
    compile_model(model)
    x, y = training_data()
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    return model


def legacy_weights(layer):
    """The weights of one layer in the legacy .h5 order (trainable, then non-trainable)."""
    return layer.trainable_weights + layer.non_trainable_weights


def keras_tensor(array, hdf5_path, layer, weight, role):
    dtype = numpy_zoo_dtype(array.dtype)
    return {**describe(dtype, array), "hdf5_path": hdf5_path, "keras_layer": layer, "keras_weight": weight,
            "role": role, "chunked": False, "filters": [], "byte_order": "|" if array.dtype.itemsize == 1 else "<"}


def legacy_expected(model, prefix="", with_optimizer=False, tf2_style=False):
    """expected.json's record of a legacy file, from the model (not from the file)."""
    tensors, order = {}, []
    for layer in model.layers:
        for w in legacy_weights(layer):
            wname = tf2_weight_name(layer, w) if tf2_style else w.path
            name = legacy_name(layer.name, wname)
            order.append(name)
            tensors[name] = keras_tensor(np.asarray(w.numpy()), f"{prefix}{layer.name}/{wname}", layer.name, wname,
                                         "weight")
    if with_optimizer:
        for v in model.optimizer.variables:
            name = f"optimizer_weights/{v.path}"
            order.append(name)
            tensors[name] = keras_tensor(np.asarray(v.numpy()), name, None, v.path, "optimizer")
    return {"layout": "keras-legacy", "layer_names": [layer.name for layer in model.layers], "order": order,
            "skipped": [], "tensors": tensors}


def tf2_weight_name(layer, w):
    """How tf.keras 2.x named a weight in legacy .h5 files: the variable's own layer scope plus ":0"
    (so the nested model's weights are "block_dense/kernel:0", not prefixed with "block/")."""
    return "/".join(w.path.split("/")[-2:]) + ":0"


def write_tf2_style(path, model):
    """An imitation of a tf.keras 2.x + h5py 2.x legacy weights file (fixed-length strings)."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([layer.name.encode() for layer in model.layers])
        f.attrs["backend"] = np.bytes_(b"tensorflow")
        f.attrs["keras_version"] = np.bytes_(b"2.15.0")
        for layer in sorted(model.layers, key=lambda layer: layer.name):
            g = f.create_group(layer.name)
            weights = legacy_weights(layer)
            names = [tf2_weight_name(layer, w).encode() for w in weights]
            g.attrs["weight_names"] = np.array(names) if names else np.array([], dtype="f8")
            for name, w in zip(names, weights):
                g.create_dataset(name.decode(), data=np.asarray(w.numpy()), track_times=False)
    os.chmod(path, 0o644)


def all_layers(model):
    return {layer.name: layer for layer in model._flatten_layers(include_self=False, recursive=True)}


def keras3_expected(model, path):
    """expected.json's record of keras3.weights.h5. Names and order come from the file (zoo's walk);
    every value is checked here against the model: layers/.../vars/<i> is variable i of the layer
    whose vars group carries the attribute name, optimizer/vars/<i> the optimizer's variable i."""
    listing = zoo_listing(path)
    layers = all_layers(model)
    opt_vars = model.optimizer.variables
    seen = 0
    with h5py.File(path, "r") as f:
        for name in listing["order"]:
            m = KERAS3_VAR.match(name)
            assert m, name
            index = int(m.group(2))
            if name.startswith("optimizer/"):
                want = opt_vars[index]
            else:
                owner = f[m.group(1) + "/vars"].attrs["name"]
                layer = layers[owner]
                want = (layer._trainable_variables + layer._non_trainable_variables)[index]
            got = listing["values"][name]
            assert got.dtype == np.asarray(want.numpy()).dtype and np.array_equal(got, want.numpy(), equal_nan=True), name
            seen += 1
    assert seen == len(model.weights) + len(opt_vars), (seen, len(model.weights), len(opt_vars))
    tensors = {name: keras_tensor(listing["values"][name], name, meta["keras_layer"], meta["keras_weight"],
                                  meta["role"]) for name, meta in listing["tensors"].items()}
    return {"layout": "keras3", "order": listing["order"], "skipped": listing["skipped"], "tensors": tensors}


def write_keras_files(out_dir):
    """Writes the four Keras fixtures; returns their expected.json records and the trained model."""
    _, legacy_h5_format = keras_modules()
    model = trained_model()
    p = os.path.join(out_dir, "keras_legacy_weights.h5")
    with h5py.File(p, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    p = os.path.join(out_dir, "keras_legacy_model.h5")
    model.save(p)
    p = os.path.join(out_dir, "keras3.weights.h5")
    model.save_weights(p)
    write_tf2_style(os.path.join(out_dir, "keras_legacy_tf2_style.h5"), model)
    for name in ("keras_legacy_weights.h5", "keras_legacy_model.h5", "keras3.weights.h5"):
        os.chmod(os.path.join(out_dir, name), 0o644)
    expected = {
        "keras_legacy_weights.h5": legacy_expected(model),
        "keras_legacy_model.h5": legacy_expected(model, "model_weights/", with_optimizer=True),
        "keras3.weights.h5": keras3_expected(model, os.path.join(out_dir, "keras3.weights.h5")),
        "keras_legacy_tf2_style.h5": legacy_expected(model, tf2_style=True),
    }
    return expected, model


def model_weights_equal(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    return len(wa) == len(wb) and all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(wa, wb))


def check_keras_loads(model):
    """Keras 3 must load every Keras fixture back, and a datasets-only .weights.h5 too."""
    keras, _ = keras_modules()
    ref = model.predict(probe_input(), verbose=0)
    for name in ("keras_legacy_weights.h5", "keras_legacy_model.h5", "keras3.weights.h5",
                 "keras_legacy_tf2_style.h5"):
        fresh = build_model(123)
        assert not model_weights_equal(fresh, model)
        fresh.load_weights(os.path.join(HERE, name))
        assert model_weights_equal(fresh, model), name
        assert np.array_equal(fresh.predict(probe_input(), verbose=0), ref), name
    # compile=False: Keras 3.15.1 cannot deserialize its own training_config loss "mse" (ValueError).
    loaded = keras.saving.load_model(os.path.join(HERE, "keras_legacy_model.h5"), compile=False)
    assert model_weights_equal(loaded, model)
    # What zoo's .weights.h5 writer produces: only the datasets, groups created along their paths;
    # no vars groups for objects without variables, no top-level vars, no "name" attributes.
    with tempfile.TemporaryDirectory() as tmp:
        bare = os.path.join(tmp, "bare.weights.h5")
        listing = zoo_listing(os.path.join(HERE, "keras3.weights.h5"))
        with h5py.File(bare, "w") as f:
            for name in listing["order"]:
                f.create_dataset(name, data=listing["values"][name])
        fresh = build_model(321)
        fresh.load_weights(bare)
        assert model_weights_equal(fresh, model)
        compiled = build_model(321)
        compile_model(compiled)
        compiled.optimizer.build(compiled.trainable_variables)
        compiled.load_weights(bare)
        assert model_weights_equal(compiled, model)
        assert all(np.array_equal(a.numpy(), b.numpy())
                   for a, b in zip(compiled.optimizer.variables, model.optimizer.variables))
    print("keras: every Keras fixture and a datasets-only .weights.h5 load into fresh models")


# --------------------------------------------------------------------------------------------
# Malformed corpus
# --------------------------------------------------------------------------------------------


def h5_bytes(build):
    """The bytes of a file that h5py writes with `build(f)`."""
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, "x.h5")
        with h5py.File(p, "w") as f:
            build(f)
        with open(p, "rb") as fh:
            return fh.read()


def dataset_info(blob, name):
    """(data address, storage size, chunk 0 (address, size) or None) of dataset `name` in `blob`."""
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, "x.h5")
        with open(p, "wb") as fh:
            fh.write(blob)
        with h5py.File(p, "r") as f:
            d = f[name]
            chunk = None
            if d.chunks:
                info = d.id.get_chunk_info(0)
                chunk = (info.byte_offset, info.size)
            return d.id.get_offset(), d.id.get_storage_size(), chunk


def patch(blob, offset, new):
    return blob[:offset] + new + blob[offset + len(new):]


def replace_once(blob, old, new):
    assert blob.count(old) == 1, (old, blob.count(old))
    assert len(old) == len(new)
    return blob.replace(old, new)


def check_superblock_v0(blob):
    """Superblock version 0 (h5py's default, libver "earliest"): 8-byte signature, versions, sizes
    (offsets and lengths 8 bytes at bytes 13 and 14), base address at 24, free-space address at 32,
    end-of-file address at 40, driver block at 48, root symbol-table entry at 56 (its object header
    address at 64)."""
    assert blob[:8] == SIGNATURE and blob[8] == 0 and blob[13] == 8 and blob[14] == 8
    assert struct.unpack_from("<Q", blob, 24)[0] == 0
    assert struct.unpack_from("<Q", blob, 40)[0] == len(blob), (struct.unpack_from("<Q", blob, 40)[0], len(blob))


def legacy_file(layer_names, layers, root_extra=None):
    """A small legacy-layout file: root attr layer_names (as given: a list of str, or any value),
    backend, keras_version; `layers` {layer: (weight_names value, {weight path: array or "string"
    / "compound" / "group"})}."""

    def build(f):
        if isinstance(layer_names, list):
            f.attrs["layer_names"] = [n.encode() for n in layer_names]
        else:
            f.attrs["layer_names"] = layer_names
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"3.15.1"
        for layer, (weight_names, data) in layers.items():
            g = f.create_group(layer)
            if isinstance(weight_names, list):
                g.attrs["weight_names"] = [n.encode() for n in weight_names] if weight_names else np.array([], "f8")
            else:
                g.attrs["weight_names"] = weight_names
            for wpath, value in data.items():
                if isinstance(value, str) and value == "string":
                    g.create_dataset(wpath, data=np.array(["a", "b"], dtype=h5py.string_dtype()))
                elif isinstance(value, str) and value == "compound":
                    g.create_dataset(wpath, data=np.array([(1.0, 2)], dtype=[("x", "<f4"), ("y", "<i4")]))
                elif isinstance(value, str) and value == "group":
                    g.create_group(wpath)
                else:
                    g.create_dataset(wpath, data=value)
        if root_extra:
            root_extra(f)

    return h5_bytes(build)


KERNEL = (np.arange(12, dtype="<f4").reshape(3, 4) * 0.5 - 2.0)
BIAS = np.array([0.1, -0.2, 0.3, -0.4], dtype="<f4")


def dense_layer(extra_names=(), extra_data=None):
    names = ["dense/kernel", "dense/bias"] + list(extra_names)
    data = {"dense/kernel": KERNEL, "dense/bias": BIAS}
    data.update(extra_data or {})
    return names, data


def not_hdf5_bytes():
    """2 KiB of hash output that match none of the signatures zoo's FormatDetector checks."""
    blob = b"".join(hashlib.sha256(b"zoo-not-hdf5-%d" % i).digest() for i in range(64))
    assert blob[8] != ord("{") and not blob.startswith(b"\x93NUMPY") and blob[:4] not in (b"PK\x03\x04", b"PK\x05\x06")
    assert not (blob[0] == 0x80 and 2 <= blob[1] <= 5) and not blob.startswith(b"GGUF")
    assert all(blob[o:o + 8] != SIGNATURE for o in SIGNATURE_OFFSETS)
    assert struct.unpack_from("<Q", blob, len(blob) - 8)[0] != 0xDB4775248B80FB57
    assert blob.lstrip(b" \n\r\t")[:1] != b"{"
    return blob


CRASH_OFFSET = 29886
def plain_datasets(path):
    """Every dataset of the file, numeric or not (what zoo opens while listing it)."""
    names = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
    return names


def malformed_corpus(out_dir):
    """Writes the corpus into out_dir; returns [(name, bytes, problem, tensor, datasets to probe)]."""
    corpus = Corpus(max_size=64 * 1024)
    probes = {}

    def add(name, blob, problem, tensor, description, offset=None, datasets=()):
        corpus.add(name, blob, problem, tensor, offset, description)
        probes[name] = list(datasets)

    # A contiguous file whose last bytes are the data of "weights".
    def build_contig(f):
        f.create_dataset("bias", data=BIAS)
        f.create_dataset("weights", data=(np.arange(256, dtype="<f4") * 0.5 - 64.0).reshape(16, 16))

    contig = h5_bytes(build_contig)
    check_superblock_v0(contig)
    data_addr, data_size, _ = dataset_info(contig, "weights")
    assert data_addr + data_size == len(contig), (data_addr, data_size, len(contig))
    contig_sets = ["bias", "weights"]

    # A chunked file: gzip + shuffle, and fletcher32.
    def build_chunked(f):
        f.create_dataset("weights", data=(np.arange(32 * 32, dtype="<f4") % 97 * 0.25).reshape(32, 32),
                         chunks=(16, 16), compression="gzip", compression_opts=4, shuffle=True)
        f.create_dataset("check", data=np.arange(64, dtype="<u2") * 3, chunks=(32,), fletcher32=True)

    chunked = h5_bytes(build_chunked)
    check_superblock_v0(chunked)
    chunked_sets = ["check", "weights"]
    _, _, (gz_off, gz_size) = dataset_info(chunked, "weights")
    _, _, (fl_off, fl_size) = dataset_info(chunked, "check")
    assert chunked[gz_off] == 0x78, chunked[gz_off:gz_off + 2]  # a zlib stream header

    # A file that crashes libhdf5 1.10.8 (the system library zoo links): a one-byte mutant of
    # plain_all_dtypes.h5 found by zoo's seeded mutation test. zoo's probe process dies on it and
    # zoo reports libraryCrashed; check_malformed confirms that the system libhdf5 really crashes.
    plain = open(os.path.join(HERE, "plain_all_dtypes.h5"), "rb").read()
    assert plain[CRASH_OFFSET] == 0, plain[CRASH_OFFSET]
    add("libhdf5_crash.h5", patch(plain, CRASH_OFFSET, b"\x51"), "libraryCrashed", None,
        f"plain_all_dtypes.h5 with byte {CRASH_OFFSET} (in a dataset's object header) set to 0x51: "
        "libhdf5 1.10.8 copies out of bounds decoding it and dies with SIGSEGV", datasets=plain_datasets(os.path.join(HERE, "plain_all_dtypes.h5")))

    # Not HDF5 at all.
    add("not_hdf5.h5", not_hdf5_bytes(), "unknownFormat", None,
        "2048 bytes of SHA-256 output: no HDF5 signature at 0, 512, 1024, 2048 or 4096, nor any other "
        "format's signature")

    # libhdf5 cannot open the file.
    add("signature_only.h5", SIGNATURE, "openFailed", None, "the 8-byte HDF5 signature and nothing else")
    add("truncated_superblock.h5", contig[:48], "openFailed", None,
        "the first 48 bytes of a valid file: the superblock stops inside its addresses")
    add("bad_superblock_version.h5", patch(contig, 8, b"\x07"), "openFailed", None,
        "superblock version byte (offset 8) set to 7", datasets=contig_sets)
    add("bad_offset_size.h5", patch(contig, 13, b"\x03"), "openFailed", None,
        "superblock 'size of offsets' (offset 13) set to 3", datasets=contig_sets)
    add("truncated_end.h5", contig[:-100], "openFailed", None,
        "a valid file with its last 100 bytes (data of 'weights') cut off: the file is shorter than the "
        "superblock's end-of-file address", datasets=contig_sets)
    root_addr = struct.unpack_from("<Q", contig, 64)[0]
    assert contig[root_addr] == 1  # version 1 object header
    add("bad_root_header.h5", patch(contig, root_addr, b"\x09"), "openFailed", None,
        f"the root group's object header (at {root_addr}) has version 9", datasets=contig_sets)
    add("root_address_past_eof.h5", patch(contig, 64, struct.pack("<Q", 1 << 40)), "openFailed", None,
        "the root symbol-table entry points at 2^40, far past the end of the file", datasets=contig_sets)

    # Contiguous data past the end of the file (libhdf5 opens these).
    cut = data_addr + 64
    add("data_outside_file.h5", patch(contig[:cut], 40, struct.pack("<Q", cut)), "dataOutsideFile", "weights",
        f"cut {data_size - 64} bytes into the data of 'weights' ([{data_addr}, {data_addr + data_size})) and the "
        f"superblock's end-of-file address set to the new length {cut}, so libhdf5 opens it",
        offset=data_addr, datasets=contig_sets)
    far = 1 << 28
    layout_record = struct.pack("<QQ", data_addr, data_size)  # layout message: address, size
    add("data_address_past_eof.h5", replace_once(contig, layout_record, struct.pack("<QQ", far, data_size)),
        "dataOutsideFile", "weights",
        f"the layout message of 'weights' says its data is at {far} (2^28); the file is {len(contig)} bytes",
        offset=far, datasets=contig_sets)

    # Data libhdf5 cannot read.
    add("corrupt_gzip_header.h5", patch(chunked, gz_off, b"\xff\xff"), "readFailed", "weights",
        f"the zlib header of the first gzip chunk of 'weights' (at {gz_off}) overwritten with ff ff",
        datasets=chunked_sets)
    adler = chunked[gz_off + gz_size - 4:gz_off + gz_size]
    add("corrupt_gzip_checksum.h5", patch(chunked, gz_off + gz_size - 4, bytes(b ^ 0xFF for b in adler)),
        "readFailed", "weights", "the Adler-32 trailer of the first gzip chunk of 'weights' inverted",
        datasets=chunked_sets)
    add("corrupt_fletcher32.h5", patch(chunked, fl_off, bytes([chunked[fl_off] ^ 0x01])), "readFailed", "check",
        "one data bit of the first chunk of 'check' flipped: its Fletcher-32 checksum no longer matches",
        datasets=chunked_sets)
    chunk_ref = struct.pack("<Q", gz_off)
    add("chunk_address_past_eof.h5", replace_once(chunked, chunk_ref, struct.pack("<Q", far)), "readFailed",
        "weights", f"the chunk B-tree's pointer to the first chunk of 'weights' set to {far} (2^28)",
        datasets=chunked_sets)

    # Shapes that do not fit.
    def huge(shape, dtype):
        def build(f):
            f.create_dataset("small", data=BIAS)
            f.create_dataset("huge", shape=shape, dtype=dtype, chunks=tuple(1 for _ in shape))
        return h5_bytes(build)

    add("huge_elements.h5", huge((2**31, 2**31, 4), "<f4"), "badShape", "huge",
        "chunked f32 [2^31, 2^31, 4] with no chunk written: 2^64 elements", datasets=["small", "huge"])
    add("huge_bytes.h5", huge((2**61, 2), "<f4"), "badShape", "huge",
        "chunked f32 [2^61, 2] with no chunk written: 2^62 elements fit in Int64, 2^64 bytes do not",
        datasets=["small", "huge"])

    # Keras legacy layouts zoo refuses.
    names, data = dense_layer()
    add("keras_string_weight.h5",
        legacy_file(["dense"], {"dense": (names, {"dense/kernel": KERNEL, "dense/bias": "string"})}),
        "unsupportedType", "dense/bias", "weight_names lists dense/bias, a variable-length string dataset",
        datasets=["dense/dense/kernel"])
    add("keras_compound_weight.h5",
        legacy_file(["dense"], {"dense": (names, {"dense/kernel": "compound", "dense/bias": BIAS})}),
        "unsupportedType", "dense/kernel", "weight_names lists dense/kernel, a compound {x: f4, y: i4} dataset",
        datasets=["dense/dense/bias"])
    add("keras_missing_layer_group.h5", legacy_file(["dense", "ghost"], {"dense": (names, data)}),
        "badKerasLayout", None, "layer_names lists 'ghost', which has no group", datasets=["dense/dense/kernel"])
    names2, data2 = dense_layer(["dense/extra"])
    add("keras_missing_weight.h5", legacy_file(["dense"], {"dense": (names2, data)}), "badKerasLayout",
        "dense/extra", "weight_names lists dense/extra, which has no dataset", datasets=["dense/dense/kernel"])
    add("keras_weight_is_group.h5",
        legacy_file(["dense"], {"dense": (names2, {**data, "dense/extra": "group"})}), "badKerasLayout",
        "dense/extra", "weight_names lists dense/extra, which is a group", datasets=["dense/dense/kernel"])
    add("keras_layer_names_ints.h5", legacy_file(np.array([1, 2], dtype="<i4"), {"dense": (names, data)}),
        "badKerasLayout", None, "layer_names is an int32 array [1, 2]", datasets=["dense/dense/kernel"])
    add("keras_layer_names_scalar.h5", legacy_file(b"dense", {"dense": (names, data)}), "badKerasLayout", None,
        "layer_names is a scalar string 'dense', not an array", datasets=["dense/dense/kernel"])
    add("keras_weight_names_ints.h5",
        legacy_file(["dense"], {"dense": (np.array([3, 4], dtype="<i4"), data)}), "badKerasLayout", None,
        "the weight_names of 'dense' is an int32 array [3, 4]", datasets=["dense/dense/kernel"])
    add("keras_layer_is_dataset.h5",
        legacy_file(["dense", "stray"], {"dense": (names, data)},
                    root_extra=lambda f: f.create_dataset("stray", data=BIAS)),
        "badKerasLayout", None, "layer_names lists 'stray', a dataset, not a group", datasets=["stray"])
    add("keras_duplicate_layer.h5", legacy_file(["dense", "dense"], {"dense": (names, data)}), "badKerasLayout",
        "dense/kernel", "layer_names lists 'dense' twice, so zoo would name dense/kernel twice",
        datasets=["dense/dense/kernel"])

    def add_optimizer(f):
        g = f.create_group("optimizer_weights")
        g.attrs["weight_names"] = [b"adam/iteration", b"adam/ghost"]
        g.create_dataset("adam/iteration", data=np.int64(1))

    def model_file(f):
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = [b"dense"]
        mw.attrs["backend"] = b"tensorflow"
        mw.attrs["keras_version"] = b"3.15.1"
        g = mw.create_group("dense")
        g.attrs["weight_names"] = [b"dense/kernel", b"dense/bias"]
        g.create_dataset("dense/kernel", data=KERNEL)
        g.create_dataset("dense/bias", data=BIAS)
        add_optimizer(f)

    add("keras_optimizer_missing_weight.h5", h5_bytes(model_file), "badKerasLayout",
        "optimizer_weights/adam/ghost",
        "a whole-model file whose optimizer_weights.weight_names lists adam/ghost, which has no dataset",
        datasets=["model_weights/dense/dense/kernel", "optimizer_weights/adam/iteration"])

    corpus.write(out_dir)
    return [(name, data, problem, tensor, probes[name]) for name, data, problem, tensor, *_ in corpus.cases]


# --------------------------------------------------------------------------------------------
# What h5py and the system libhdf5 do with the malformed files
# --------------------------------------------------------------------------------------------

PROBE = r"""
import ctypes, json, os, sys
lib = ctypes.CDLL(sys.argv[1])
path, names = sys.argv[2], json.loads(sys.argv[3])
hid = ctypes.c_int64
u64 = ctypes.c_uint64
class Err(ctypes.Structure):
    _fields_ = [("cls_id", hid), ("maj_num", hid), ("min_num", hid), ("line", ctypes.c_uint),
                ("func_name", ctypes.c_char_p), ("file_name", ctypes.c_char_p), ("desc", ctypes.c_char_p)]
WALK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint, ctypes.POINTER(Err), ctypes.c_void_p)
msgs = []
@WALK
def walk(n, err, data):
    e = err.contents
    msgs.append(e.desc.decode(errors="replace"))
    return 0
def sig(name, res, *args):
    f = getattr(lib, name); f.restype = res; f.argtypes = list(args)
sig("H5Eset_auto2", ctypes.c_int, hid, ctypes.c_void_p, ctypes.c_void_p)
sig("H5Ewalk2", ctypes.c_int, hid, ctypes.c_int, WALK, ctypes.c_void_p)
sig("H5Eclear2", ctypes.c_int, hid)
sig("H5Fopen", hid, ctypes.c_char_p, ctypes.c_uint, hid)
sig("H5Fclose", ctypes.c_int, hid)
sig("H5Dopen2", hid, hid, ctypes.c_char_p, hid)
sig("H5Dclose", ctypes.c_int, hid)
sig("H5Dget_type", hid, hid)
sig("H5Dget_space", hid, hid)
sig("H5Tget_native_type", hid, hid, ctypes.c_int)
sig("H5Tget_size", ctypes.c_size_t, hid)
sig("H5Sget_simple_extent_npoints", ctypes.c_int64, hid)
sig("H5Sget_simple_extent_ndims", ctypes.c_int, hid)
sig("H5Sget_simple_extent_dims", ctypes.c_int, hid, ctypes.POINTER(u64), ctypes.c_void_p)
sig("H5Dget_offset", u64, hid)
sig("H5Dget_storage_size", u64, hid)
sig("H5Dread", ctypes.c_int, hid, hid, hid, hid, hid, ctypes.c_void_p)
v = [ctypes.c_uint() for _ in range(3)]
lib.H5get_libversion(*[ctypes.byref(x) for x in v])
lib.H5Eset_auto2(0, None, None)
def failure():
    del msgs[:]
    lib.H5Ewalk2(0, 0, walk, None)  # H5E_WALK_UPWARD: the innermost error first
    lib.H5Eclear2(0)
    return msgs[0] if msgs else "failed"
out = {"version": ".".join(str(x.value) for x in v), "open": None, "datasets": {}}
fid = lib.H5Fopen(path.encode(), 0, 0)
if fid < 0:
    out["open"] = failure()
else:
    size = os.path.getsize(path)
    for name in names:
        d = lib.H5Dopen2(fid, name.encode(), 0)
        if d < 0:
            out["datasets"][name] = "open: " + failure()
            continue
        mt = lib.H5Tget_native_type(lib.H5Dget_type(d), 0)
        space = lib.H5Dget_space(d)
        dims = (u64 * 32)()
        ndims = lib.H5Sget_simple_extent_dims(space, dims, None)
        n = 1
        for i in range(ndims):
            n *= dims[i]
        npoints = lib.H5Sget_simple_extent_npoints(space)
        off, st = lib.H5Dget_offset(d), lib.H5Dget_storage_size(d)
        note = ""
        if off != 2**64 - 1 and off + st > size:
            note = "data [%d, %d) past the end %d; " % (off, off + st, size)
        nbytes = n * lib.H5Tget_size(mt)
        if nbytes > (1 << 26):
            out["datasets"][name] = note + "not read: %d elements (H5Sget_simple_extent_npoints says %d)" % (n, npoints)
        else:
            buf = ctypes.create_string_buffer(max(1, nbytes))
            r = lib.H5Dread(d, mt, 0, 0, 0, buf)
            out["datasets"][name] = note + ("read ok" if r >= 0 else "read: " + failure())
        lib.H5Dclose(d)
    lib.H5Fclose(fid)
print(json.dumps(out))
"""


def probe_system(path, datasets):
    """What the system libhdf5 does: {"version", "open": None or error, "datasets": {name: result}}."""
    if not os.path.exists(SYSTEM_LIBHDF5):
        return None
    proc = subprocess.run([sys.executable, "-c", PROBE, SYSTEM_LIBHDF5, path, json.dumps(datasets)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return {"version": "?", "open": f"probe crashed (exit {proc.returncode}): {proc.stderr.strip()[-200:]}",
                "datasets": {}}
    return json.loads(proc.stdout)


def probe_h5py(path, datasets):
    out = {"version": h5py.version.hdf5_version, "open": None, "datasets": {}}
    try:
        f = h5py.File(path, "r")
    except Exception as e:  # noqa: BLE001
        out["open"] = str(e)
        return out
    with f:
        for name in datasets:
            try:
                d = f[name]
                d[()]
                out["datasets"][name] = "read ok"
            except Exception as e:  # noqa: BLE001
                out["datasets"][name] = f"{type(e).__name__}: {e}"
    return out


def summarize(result):
    if result is None:
        return "(not available)"
    if result["open"]:
        return f"open fails: {result['open']}"
    return "opens; " + "; ".join(f"{k}: {v}" for k, v in result["datasets"].items())


def check_malformed(cases, out_dir):
    for name, _, problem, tensor, datasets in cases:
        path = os.path.join(out_dir, name)
        if problem == "libraryCrashed":
            system = probe_system(path, datasets)
            if system is not None:
                assert "probe crashed" in (system["open"] or ""), (name, system)
            print(f"malformed/{name} [{problem}]\n    system libhdf5: {summarize(system)}")
            continue
        try:
            zoo_listing(path)
            raise AssertionError(f"{name}: zoo_listing accepts it (want {problem})")
        except Bad as e:
            assert (e.problem, e.tensor) == (problem, tensor), (name, e.problem, e.tensor, problem, tensor, str(e))
        if problem == "unknownFormat":
            continue
        print(f"malformed/{name} [{problem}{' ' + tensor if tensor else ''}]")
        print(f"    h5py (libhdf5 {h5py.version.hdf5_version}): {summarize(probe_h5py(path, datasets))}")
        system = probe_system(path, datasets)
        if system is not None:
            print(f"    system libhdf5 {system['version']}: {summarize(system)}")
    print(f"malformed: {len(cases)} files, each refused by zoo_listing with its listed problem and tensor")


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


def check_listing(path, want):
    """zoo_listing of `path` must match its expected.json record exactly."""
    got = zoo_listing(path)
    name = os.path.basename(path)
    assert got["layout"] == want["layout"], (name, got["layout"])
    assert got["order"] == want["order"], (name, got["order"], want["order"])
    assert got["skipped"] == want["skipped"], (name, got["skipped"])
    assert got.get("layer_names") == want.get("layer_names"), (name, got.get("layer_names"))
    for t, meta in want["tensors"].items():
        g = got["tensors"][t]
        record = {**describe(g["dtype"], got["values"][t]), **{k: v for k, v in g.items() if k not in ("dtype", "shape")}}
        assert record == meta, (name, t, record, meta)
    # The system libhdf5 must read every tensor too.
    system = probe_system(path, [want["tensors"][t]["hdf5_path"] for t in want["order"]])
    if system is not None:
        assert system["open"] is None and all(v == "read ok" for v in system["datasets"].values()), (name, system)
    print(f"{name}: {want['layout']}, {len(want['order'])} tensors, {len(want['skipped'])} skipped: "
          f"zoo_listing matches expected.json" + (f", system libhdf5 {system['version']} reads all" if system else ""))


def generate():
    files = {}
    p = os.path.join(HERE, "plain_all_dtypes.h5")
    write_plain(p)
    files["plain_all_dtypes.h5"] = plain_expected()
    keras_expected, model = write_keras_files(HERE)
    files.update(keras_expected)
    dump_json(os.path.join(HERE, "expected.json"), {"files": files, "naming": NAMING})
    for name, want in files.items():
        check_listing(os.path.join(HERE, name), want)
    check_keras_loads(model)
    out_dir = os.path.join(HERE, "malformed")
    cases = malformed_corpus(out_dir)
    check_malformed(cases, out_dir)
    total = sum(os.path.getsize(os.path.join(root, n)) for root, _, names in os.walk(HERE) for n in names
                if not n.endswith(".py"))
    print(f"total size of the fixtures (without generate.py): {total} bytes")


# --------------------------------------------------------------------------------------------
# Readback
# --------------------------------------------------------------------------------------------


def write_safetensors_ordered(path, tensors):
    """A safetensors file with the tensors' data in the given order (zoo reads safetensors in data
    order; the safetensors package would sort them). tensors: [(name, array)]."""
    header, blobs, offset = {}, [], 0
    st_names = {"F16": "F16", "F32": "F32", "F64": "F64", "I8": "I8", "I16": "I16", "I32": "I32", "I64": "I64",
                "U8": "U8", "U16": "U16", "U32": "U32", "U64": "U64", "BOOL": "BOOL"}
    for name, array in tensors:
        data = le_bytes(array)
        header[name] = {"dtype": st_names[numpy_zoo_dtype(array.dtype)], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def safetensors_triples(path):
    from safetensors.numpy import load_file

    return {name: (numpy_zoo_dtype(a.dtype), list(a.shape), le_bytes(a)) for name, a in load_file(path).items()}


def listing_triples(listing):
    return {name: (listing["tensors"][name]["dtype"], listing["tensors"][name]["shape"],
                   le_bytes(listing["values"][name])) for name in listing["order"]}


def readback(zoo):
    names = ["plain_all_dtypes.h5", "keras_legacy_weights.h5", "keras_legacy_model.h5", "keras3.weights.h5",
             "keras_legacy_tf2_style.h5"]
    with scratch_copy(HERE, names) as tmp:
        c = Checker(zoo, tmp)
        listings = {name: zoo_listing(os.path.join(tmp, name)) for name in names}

        # a. HDF5 -> safetensors.
        for i, name in enumerate(names):
            out = f"OUT_{i}.safetensors"

            def step_a(name=name, out=out):
                c.compare_tensors(out, safetensors_triples(os.path.join(tmp, out)), listing_triples(listings[name]))

            c.convert(["convert", name, out], out, step_a)

        # b. safetensors (legacy names, zoo's order) -> legacy .h5, loaded by Keras.
        legacy = listings["keras_legacy_weights.h5"]
        write_safetensors_ordered(os.path.join(tmp, "SRC_legacy.safetensors"),
                                  [(n, legacy["values"][n]) for n in legacy["order"]])

        def reference(weights_file):
            model = build_model(7)
            model.load_weights(os.path.join(tmp, weights_file))
            return model

        def check_loads(out, source):
            """A fresh model loads zoo's file `out` with load_weights: weights and outputs equal
            to the model saved as `source`."""
            label = os.path.basename(out)
            ref = reference(source)
            fresh = build_model(99)
            fresh.load_weights(out)
            c.check(model_weights_equal(fresh, ref), f"{label}: Keras load_weights gives every weight equal")
            c.check(np.array_equal(fresh.predict(probe_input(), verbose=0), ref.predict(probe_input(), verbose=0)),
                    f"{label}: model outputs equal on the probe input")

        def step_b():
            out = os.path.join(tmp, "OUT.h5")
            want_layers = []
            for n in legacy["order"]:
                layer = n.split("/")[0] if "/" in n else n.rsplit(".", 1)[0]
                if layer not in want_layers:
                    want_layers.append(layer)
            with h5py.File(out, "r") as f:
                got_layers = string_list(f.attrs, "layer_names", "/")
                c.check(got_layers == want_layers, f"OUT.h5 layer_names {got_layers} (want {want_layers})")
                backend = f.attrs.get("backend")
                backend = backend.decode() if isinstance(backend, bytes) else backend
                c.check(backend == "tensorflow", f"OUT.h5 backend {backend!r}")
                c.check("keras_version" in f.attrs, f"OUT.h5 keras_version {f.attrs.get('keras_version')!r}")
                for layer in want_layers:
                    want_w = [n for n in legacy["order"] if n == layer or n.startswith(layer + "/")]
                    got_w = string_list(f[layer].attrs, "weight_names", layer) if layer in f else None
                    c.check(got_w == want_w, f"OUT.h5 {layer}.weight_names {got_w} (want {want_w})")
            back = zoo_listing(out)
            c.check(back["layout"] == "keras-legacy" and back["order"] == legacy["order"],
                    f"OUT.h5 zoo_listing: {back['layout']}, order {'same' if back['order'] == legacy['order'] else back['order']}")
            c.compare_tensors("OUT.h5 (h5py)", listing_triples(back), listing_triples(legacy))
            check_loads(out, "keras_legacy_weights.h5")

        c.convert(["convert", "SRC_legacy.safetensors", "OUT.h5"], "OUT.h5", step_b)

        # c. safetensors (Keras 3 names) -> .weights.h5, loaded by Keras.
        k3 = listings["keras3.weights.h5"]
        write_safetensors_ordered(os.path.join(tmp, "SRC_k3.safetensors"), [(n, k3["values"][n]) for n in k3["order"]])

        def step_c():
            out = os.path.join(tmp, "OUT.weights.h5")
            back = zoo_listing(out)
            c.check(back["layout"] == "keras3", f"OUT.weights.h5 zoo_listing layout {back['layout']}")
            c.check(back["order"] == k3["order"], "OUT.weights.h5 zoo_listing order " +
                    ("same" if back["order"] == k3["order"] else str(back["order"])))
            c.compare_tensors("OUT.weights.h5 (h5py)", listing_triples(back), listing_triples(k3))
            check_loads(out, "keras3.weights.h5")
            compiled = build_model(99)
            compile_model(compiled)
            compiled.optimizer.build(compiled.trainable_variables)
            compiled.load_weights(out)
            opt = [np.asarray(v.numpy()) for v in compiled.optimizer.variables]
            want = [k3["values"][f"optimizer/vars/{i}"] for i in range(len(opt))]
            c.check(len(opt) == sum(n.startswith("optimizer/") for n in k3["order"])
                    and all(np.array_equal(a, b) for a, b in zip(opt, want)),
                    f"OUT.weights.h5: a built Adam loads its {len(opt)} variables")

        c.convert(["convert", "SRC_k3.safetensors", "OUT.weights.h5"], "OUT.weights.h5", step_c)

        # d. plain HDF5 -> legacy .h5, read back with h5py.
        plain = listings["plain_all_dtypes.h5"]

        def step_d(name="OUT2.h5", compressed=False):
            out = os.path.join(tmp, name)
            back = zoo_listing(out)
            c.check(back["order"] == plain["order"], f"{name} zoo_listing order " +
                    ("same" if back["order"] == plain["order"] else str(back["order"])))
            got = {}
            with h5py.File(out, "r") as f:
                if compressed:  # every dataset with data is chunked, shuffled and gzipped
                    sets = [f[back["tensors"][n]["hdf5_path"]] for n in back["order"]]
                    bad = [d.name for d in sets if d.size and d.ndim and (d.compression != "gzip" or not d.shuffle)]
                    c.check(not bad, f"{name}: datasets gzip + shuffle ({bad or 'all'})")
                for n in back["order"]:
                    a = np.asarray(f[back["tensors"][n]["hdf5_path"]][()])
                    got[n] = (numpy_zoo_dtype(a.dtype), list(a.shape), le_bytes(a))
                    if plain["tensors"][n]["dtype"] == "BOOL":
                        t = f[back["tensors"][n]["hdf5_path"]].id.get_type()
                        members = {t.get_member_name(i): t.get_member_value(i) for i in range(t.get_nmembers())} \
                            if t.get_class() == h5py.h5t.ENUM else None
                        c.check(a.dtype == np.bool_ and t.get_size() == 1 and members == {b"FALSE": 0, b"TRUE": 1},
                                f"{name} {n}: h5py reads numpy bool (HDF5 enum {members} of {t.get_size()} byte)")
            c.compare_tensors(f"{name} (h5py)", got, listing_triples(plain))

        c.convert(["convert", "plain_all_dtypes.h5", "OUT2.h5"], "OUT2.h5", step_d)
        c.convert(["convert", "plain_all_dtypes.h5", "OUT3.h5", "--compress"], "OUT3.h5",
                  lambda: step_d("OUT3.h5", compressed=True))
    return c.summary()


if __name__ == "__main__":
    sys.exit(fixturelib.main(__doc__, generate, readback))
