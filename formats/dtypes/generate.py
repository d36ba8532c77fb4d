"""Writes formats/dtypes/floats.npz: reference bit patterns for float16 / bfloat16 conversions.

Rerun from the repository root (or anywhere) with:

    /tmp/pyref/bin/python formats/dtypes/generate.py

Needs numpy and ml_dtypes only. No randomness is involved; rerunning writes identical bytes
(np.savez_compressed stamps every member 1980-01-01, so the zip is reproducible too).

All arrays hold unsigned-integer bit patterns, little-endian. f16 reference = NumPy casts,
bf16 reference = ml_dtypes.bfloat16 casts.

Decoding (every one of the 65536 patterns, index i = the source pattern):
    f16_to_f32   uint32[65536]  np.float16 pattern i .astype(np.float32)
    f16_to_f64   uint64[65536]  np.float16 pattern i .astype(np.float64)
    bf16_to_f32  uint32[65536]  bfloat16 pattern i .astype(np.float32)
    bf16_to_f64  uint64[65536]  bfloat16 pattern i .astype(np.float64)
    f16_to_bf16  uint16[65536]  np.float16 pattern i .astype(ml_dtypes.bfloat16)
    bf16_to_f16  uint16[65536]  bfloat16 pattern i .astype(np.float16)

Encoding, for S in {f32, f64} and T in {f16, bf16}: `S_to_T_input` (uint32 / uint64 patterns of
S) and `S_to_T_expected` (uint16 patterns of T), same length. Inputs, in this order:
    1. for every finite non-negative pattern p of T (0 .. largest finite), four values:
       the exact value of p, the midpoint m between p and the next larger-magnitude T value
       minus one ulp of S, m itself, m plus one ulp of S. For the largest finite T value the
       "next" value is 2^(emax+1) (65536 for f16, 2^128 for bf16), so m is the overflow
       rounding boundary. For p = 0 the midpoint is half the smallest subnormal.
       SIZE LIMIT: with every neighbour the file was 2.4 MB, over the 2 MB budget, so for the
       f64 inputs (only) the m - ulp and m + ulp neighbours are kept just for a deterministic
       sample of patterns p: p < 64, p > largest - 64, p % 61 == 0, and p whose mantissa field
       is all zeros or all ones (binade edges). Other f64 groups are [exact, m]. The sample
       still covers every binade, both mantissa parities, subnormals and the overflow boundary,
       which is where a double rounding through f32 shows up.
    2. the same list negated (so -0.0 appears too).
    3. specials: +-0, +-inf, quiet and signalling NaNs with assorted payloads (including
       payloads whose bits all fall below T's mantissa, e.g. f32 0x7f800001), the largest
       finite S, the smallest subnormal S, and values just below half the smallest T subnormal.
No deduplication.

Expected values are casts straight from S, never via f32 when S is f64:
    f32_to_f16, f64_to_f16    NumPy .astype(np.float16)
    f32_to_bf16               ml_dtypes .astype(bfloat16)
    f64_to_bf16               CORRECTLY ROUNDED (single round-to-nearest-even from the f64
                              value). ml_dtypes 0.6.0 converts double -> bfloat16 by way of
                              float32, i.e. it rounds twice, which is wrong for exactly the
                              midpoint +- ulp inputs above. The correct result is computed as
                              f64 -> f32 with round-to-odd, then ml_dtypes f32 -> bfloat16
                              (exact, since f32 has more than bf16's precision + 2 bits over the
                              whole bf16 range); the same construction is checked against
                              NumPy's direct f64 -> f16 cast on every input. NaN inputs use
                              ml_dtypes' own result (canonical quiet NaN, source sign).
                              Where ml_dtypes' double-rounded result differs, the positions and
                              ml_dtypes' values are stored as `f64_to_bf16_ml_dtypes_diff_index`
                              (uint32, index into the f64_to_bf16 arrays) and
                              `f64_to_bf16_ml_dtypes_diff_value` (uint16).

NaN behaviours observed when this file was generated (numpy 2.4.6, ml_dtypes 0.6.0, x86-64):
    NumPy f32/f64 -> f16 keeps the top 10 payload bits, never sets the quiet bit, and writes
        payload 1 (0x7c01 | sign) when every kept bit is zero (f32 0x7f800001 -> 0x7c01).
    NumPy f16 -> f32/f64 shifts the payload up unchanged (sNaN stays signalling).
    ml_dtypes any -> bf16 writes the canonical 0x7fc0 | sign for every NaN.
    ml_dtypes bf16 -> f32 shifts the payload up unchanged (sNaN stays signalling).
    ml_dtypes bf16 -> f64 goes through float32 and the hardware float -> double conversion,
        which SETS THE QUIET BIT (0x7f81 -> 0x7ff8200000000000).
    ml_dtypes bf16 -> f16 writes the canonical 0x7e00 | sign for every NaN.
"""

import os
import sys
import warnings

import ml_dtypes
import numpy as np

BF16 = ml_dtypes.bfloat16
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "floats.npz")

# (numpy dtype, unsigned view dtype) for each float type.
F16 = (np.float16, np.uint16)
B16 = (BF16, np.uint16)
F32 = (np.float32, np.uint32)
F64 = (np.float64, np.uint64)


def bits(values, fmt):
    return np.ascontiguousarray(values).view(fmt[1]).astype(np.dtype(fmt[1]).newbyteorder("<"))


def from_bits(patterns, fmt):
    return np.asarray(patterns, dtype=fmt[1]).view(fmt[0])


def all_patterns():
    return np.arange(65536, dtype=np.uint64).astype(np.uint16)


def decoding_arrays():
    h = from_bits(all_patterns(), F16)
    b = from_bits(all_patterns(), B16)
    return {
        "f16_to_f32": bits(h.astype(np.float32), F32),
        "f16_to_f64": bits(h.astype(np.float64), F64),
        "bf16_to_f32": bits(b.astype(np.float32), F32),
        "bf16_to_f64": bits(b.astype(np.float64), F64),
        "f16_to_bf16": bits(h.astype(BF16), B16),
        "bf16_to_f16": bits(b.astype(np.float16), F16),
    }


def target_grid(tfmt, src):
    """Exact values, midpoints and midpoint +- 1 ulp of S for every finite T pattern >= 0."""
    if tfmt is F16:
        largest, overflow_next = 0x7BFF, 2.0**16
    else:
        largest, overflow_next = 0x7F7F, 2.0**128
    p = np.arange(largest + 1, dtype=np.uint64).astype(np.uint16)
    value = from_bits(p, tfmt).astype(np.float64)
    upper = np.empty_like(value)
    upper[:-1] = value[1:]
    upper[-1] = overflow_next
    mid = (value + upper) / 2  # exact in f64: at most 13 significant bits needed
    dt = src[0]
    exact_s = value.astype(dt)
    mid_s = mid.astype(dt)
    assert np.array_equal(exact_s.astype(np.float64), value)
    assert np.array_equal(mid_s.astype(np.float64), mid)
    below = np.nextafter(mid_s, dt(-np.inf))
    above = np.nextafter(mid_s, dt(np.inf))
    grouped = np.stack([exact_s, below, mid_s, above], axis=1)
    if src is F64:
        # Size limit: keep the +-1 ulp neighbours only for a sample of patterns (see docstring).
        mant_mask = 0x3FF if tfmt is F16 else 0x7F
        pi = p.astype(np.int64)
        keep = (pi < 64) | (pi > largest - 64) | (pi % 61 == 0)
        keep |= ((pi & mant_mask) == 0) | ((pi & mant_mask) == mant_mask)
        drop = np.zeros_like(grouped, dtype=bool)
        drop[~keep, 1] = True
        drop[~keep, 3] = True
        positive = grouped[~drop]  # row-major, so each pattern's group stays in order
    else:
        positive = grouped.reshape(-1)
    return np.concatenate([positive, -positive])


def special_inputs(tfmt, src):
    dt, ut = src
    if src is F32:
        nan_bits = [
            0x7FC00000, 0xFFC00000, 0x7FC00001, 0x7FFFFFFF, 0xFFFFFFFF, 0x7FE00000,
            0x7F800001, 0xFF800001, 0x7F801000, 0x7F802000, 0x7F810000, 0x7FA00000,
            0x7FBFFFFF, 0x7F800100, 0x7FC02000, 0x7FC10000, 0xFFA00000,
        ]
    else:
        nan_bits = [
            0x7FF8000000000000, 0xFFF8000000000000, 0x7FF8000000000001, 0x7FFFFFFFFFFFFFFF,
            0xFFFFFFFFFFFFFFFF, 0x7FFC000000000000, 0x7FF0000000000001, 0xFFF0000000000001,
            0x7FF0000020000000, 0x7FF0020000000000, 0x7FF0040000000000, 0x7FF0010000000000,
            0x7FF4000000000000, 0x7FF7FFFFFFFFFFFF, 0x7FF0000000000100, 0x7FF8040000000000,
            0x7FF8200000000000, 0xFFF4000000000000,
        ]
    info = np.finfo(dt)
    smallest_sub_s = np.nextafter(dt(0), dt(1))
    smallest_sub_t = from_bits([1], tfmt).astype(np.float64)[0]
    half_t = dt(smallest_sub_t / 2)
    below_half = np.nextafter(half_t, dt(0))
    below_half2 = np.nextafter(below_half, dt(0))
    values = np.array(
        [0.0, -0.0, np.inf, -np.inf, info.max, -info.max, smallest_sub_s, -smallest_sub_s,
         below_half, -below_half, below_half2, -below_half2, half_t, -half_t, info.tiny, -info.tiny],
        dtype=dt,
    )
    nans = np.array(nan_bits, dtype=ut).view(dt)
    return np.concatenate([values, nans])


def round_to_odd_f32(x):
    """f64 -> f32 rounding to odd: truncate toward zero, then force the last bit to 1 if inexact."""
    t = x.astype(np.float32)
    t64 = t.astype(np.float64)
    finite = np.isfinite(x)
    inexact = finite & (t64 != x)
    too_big = inexact & (np.abs(t64) > np.abs(x))
    t = np.where(too_big, np.nextafter(t, np.float32(0)), t)
    u = t.view(np.uint32).copy()
    u[inexact] |= np.uint32(1)
    return u.view(np.float32)


def correctly_rounded_from_f64(x, tfmt):
    """Single-rounding f64 -> T via round-to-odd f32; NaNs take the library's direct result."""
    via = round_to_odd_f32(x).astype(tfmt[0])
    direct = x.astype(tfmt[0])
    out = np.where(np.isnan(x), direct, via)
    return bits(out.astype(tfmt[0]), tfmt)


def encoding_arrays():
    arrays = {}
    extra = {}
    for tname, tfmt in (("f16", F16), ("bf16", B16)):
        for sname, src in (("f32", F32), ("f64", F64)):
            x = np.concatenate([target_grid(tfmt, src), special_inputs(tfmt, src)])
            if src is F64:
                expected = correctly_rounded_from_f64(x, tfmt)
                library = bits(x.astype(tfmt[0]), tfmt)
                if tfmt is F16:
                    # NumPy's f64 -> f16 is a direct, single rounding: the construction must agree.
                    assert np.array_equal(expected, library), "round-to-odd check failed"
                else:
                    diff = np.nonzero(expected != library)[0]
                    # Every disagreement must be a double-rounding case: x not exact in f32.
                    assert np.all(x[diff].astype(np.float32).astype(np.float64) != x[diff])
                    extra["f64_to_bf16_ml_dtypes_diff_index"] = diff.astype("<u4")
                    extra["f64_to_bf16_ml_dtypes_diff_value"] = library[diff]
            else:
                expected = bits(x.astype(tfmt[0]), tfmt)
            arrays[f"{sname}_to_{tname}_input"] = bits(x, src)
            arrays[f"{sname}_to_{tname}_expected"] = expected
    arrays.update(extra)
    return arrays


def main():
    warnings.simplefilter("ignore", RuntimeWarning)
    with np.errstate(all="ignore"):
        arrays = decoding_arrays()
        arrays.update(encoding_arrays())
    np.savez_compressed(OUT, **arrays)
    for name, a in arrays.items():
        print(f"{name:36s} {a.dtype.str:5s} {a.shape}")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    sys.exit(main())
