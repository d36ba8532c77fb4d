"""What the fixture generators under formats/ share: the expected.json record of an array, the
malformed corpus with its cases.json, the checks (against the zoo CLI in readback runs), zoo's
tensor listing, loading another generator as a module, and the command line (no arguments: write;
--readback ZOO: check).
"""

import contextlib
import functools
import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import zlib

import numpy as np

FORMATS = os.path.dirname(os.path.abspath(__file__))


MASK64 = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB


class SplitMix64:
    """zoo's generator (Sources/Tensors/SplitMix64.swift), line for line: the fixture generators'
    scalar reference and the finetune check's draws of zoo's data order and fresh heads."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + GAMMA) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * MIX1) & MASK64
        z = ((z ^ (z >> 27)) * MIX2) & MASK64
        return z ^ (z >> 31)

    def uniform(self):
        """A double in [0, 1): the top 53 bits (SplitMix64.nextUniform)."""
        return (self.next() >> 11) * 2.0 ** -53


def le_bytes(a):
    """The array's bytes in C order, little-endian."""
    return np.ascontiguousarray(a.astype(a.dtype.newbyteorder("<"))).tobytes()


def json_value(kind, value):
    """One element as expected.json holds it: kind "b" (bool), "f" (float: "nan", "inf" and "-inf"
    as strings) or anything else (int)."""
    if kind == "b":
        return bool(value)
    if kind == "f":
        v = float(value)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    return int(value)


def describe(dtype, a, kind):
    """expected.json's record of array `a`: zoo dtype name, shape, unsigned CRC-32 of le_bytes and
    up to 4 leading values in C order (elements of json_value `kind`)."""
    return {
        "dtype": dtype,
        "shape": list(a.shape),
        "crc32": zlib.crc32(le_bytes(a)) & 0xFFFFFFFF,
        "first": [json_value(kind, v) for v in a.reshape(-1)[:4]],
    }


def dump_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


class Corpus:
    """Malformed files, each listed with the error a reader must report."""

    def __init__(self, max_size):
        self.max_size = max_size
        self.cases = []

    def add(self, name, data, problem, tensor=None, offset=None, description="", extra=None):
        """problem: the Swift error case name; tensor: the tensor the error is about; offset: the
        absolute byte the error must point at (None where that is not pinned down); extra: more
        fields for this file's cases.json entry."""
        assert len(data) < self.max_size, (name, len(data))
        self.cases.append((name, data, problem, tensor, offset, description, extra or {}))

    def write(self, out_dir):
        """Replaces out_dir with the files and their cases.json; returns the cases.json list."""
        shutil.rmtree(out_dir, ignore_errors=True)
        os.makedirs(out_dir)
        listing = []
        for name, data, problem, tensor, offset, description, extra in self.cases:
            with open(os.path.join(out_dir, name), "wb") as f:
                f.write(data)
            listing.append({"file": name, "problem": problem, "tensor": tensor, "offset": offset,
                            "description": description, **extra})
        dump_json(os.path.join(out_dir, "cases.json"), listing)
        return listing


@contextlib.contextmanager
def scratch_copy(folder, names):
    """A temporary folder holding copies of the named files and folders of `folder`."""
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            src = os.path.join(folder, name)
            if os.path.isdir(src):
                shutil.copytree(src, os.path.join(tmp, name))
            else:
                shutil.copy(src, tmp)
        yield tmp


@functools.cache
def load_generator(folder):
    """formats/<folder>/generate.py as a module (once per process), for the helpers and
    constants another generator reuses."""
    spec = importlib.util.spec_from_file_location(os.path.basename(folder) + "_generate",
                                                  os.path.join(FORMATS, folder, "generate.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def max_abs(a, b):
    """The largest absolute difference between two arrays, computed in float64."""
    return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))


def zoo_output(zoo, *arguments):
    """zoo's standard output for `arguments`; a non-zero exit stops the script with what zoo said."""
    result = subprocess.run([zoo, *arguments], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"zoo {' '.join(arguments)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout


def zoo_tensors(zoo, path, *options):
    """The tensors of `zoo inspect PATH --json OPTIONS` (dicts with name, shape, dtype, role, ...),
    in the order zoo's reader lists the file."""
    return json.loads(zoo_output(zoo, "inspect", path, "--json", *options))[0]["tensors"]


class Checker:
    """One run's checks: prints one line per check and counts the failures; a readback run also
    runs zoo (`zoo`, optional otherwise) in `cwd`."""

    def __init__(self, zoo=None, cwd=None):
        self.zoo = os.path.abspath(zoo) if zoo else None
        self.cwd = cwd
        self.failures = 0

    def check(self, ok, what):
        print(f"{'ok  ' if ok else 'FAIL'} {what}", flush=True)
        if not ok:
            self.failures += 1
        return ok

    def small_folder(self, folder, limit):
        """Checks that the files below `folder`, Python's __pycache__ left out, take fewer than
        `limit` bytes (fixtures are kept small)."""
        size = sum(os.path.getsize(os.path.join(path, f)) for path, _, files in os.walk(folder)
                   if "__pycache__" not in path for f in files)
        name = os.path.relpath(folder, os.path.dirname(FORMATS))
        return self.check(size < limit, f"{name} is {size / 1e3:.0f} KB (limit {limit / 1e3:.0f} KB)")

    def info(self, what):
        print(f"info {what}")

    def guard(self, label, step):
        """Runs one readback step; an exception (unreadable output, say) is a failed check."""
        try:
            step()
        except Exception as e:  # noqa: BLE001 - reported, not raised
            self.check(False, f"{label}: {type(e).__name__}: {e}")

    def run_zoo(self, args):
        """Runs zoo with `args`; its exit status 0 is a check, its output is shown when it fails."""
        try:
            proc = subprocess.run([self.zoo] + args, cwd=self.cwd, capture_output=True, text=True)
        except OSError as e:
            return self.check(False, f"run {' '.join(args)} -> {e}")
        ok = self.check(proc.returncode == 0, f"run {' '.join(args)} -> exit {proc.returncode}")
        if not ok:
            sys.stdout.write(proc.stdout + proc.stderr)
        return ok

    def convert(self, args, label, step):
        """Runs zoo with `args` and, if it succeeds, `step`, which checks what it wrote."""
        if self.run_zoo(args):
            self.guard(label, step)

    def same_names(self, label, got, want, noun):
        """Checks that dicts `got` and `want` have the same keys; yields, sorted, the keys of `want`
        that `got` has, each missing one a failed check."""
        same = sorted(got) == sorted(want)
        self.check(same, f"{label}: {noun} " + ("match" if same else f"{sorted(got)} vs {sorted(want)}"))
        for name in sorted(want):
            if name in got:
                yield name
            else:
                self.check(False, f"{label}: {name} missing")

    def compare_tensors(self, label, got, want):
        """got/want: {name: (dtype, shape, bytes)}. Checks the names, then each tensor's dtype,
        shape and bytes."""
        for name in self.same_names(label, got, want, "tensor names"):
            gd, gs, gb = got[name]
            wd, ws, wb = want[name]
            self.check(gd == wd, f"{label}: {name} dtype {gd} (want {wd})")
            self.check(gs == ws, f"{label}: {name} shape {gs} (want {ws})")
            self.check(gb == wb, f"{label}: {name} bytes ({len(gb)} vs {len(wb)}, "
                                 f"crc {zlib.crc32(gb):08x} vs {zlib.crc32(wb):08x})")

    def summary(self):
        """Prints the outcome; returns the exit status, 1 if any check failed."""
        print(f"{self.failures} failed check(s)" if self.failures else "all checks passed")
        return 1 if self.failures else 0


def main(doc, generate, readback):
    """A generator's command line: no arguments runs generate(), `--readback ZOO` readback(ZOO);
    anything else prints the docstring `doc`. Returns the exit status."""
    argv = sys.argv[1:]
    if len(argv) >= 2 and argv[0] == "--readback":
        return readback(argv[1])
    if argv:
        print(doc)
        return 2
    generate()
    return 0
