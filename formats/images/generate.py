"""Writes the image fixtures in formats/images/: small JPEG and PNG files covering the colour types
a decoder meets, a malformed corpus, and expected.json with what PIL and torchvision make of them.

Rerun (from anywhere) with:

    /tmp/refvenv/bin/python formats/images/generate.py

Needs numpy, Pillow and torchvision (Pillow 13.0.0 with its bundled libjpeg-turbo 3.2.0,
torchvision 0.29.2, numpy 2.4.6 were used); timm (1.0.31) is optional, for one cross-check. The
pixel contents are formulas of x and y, so nothing is random. Files:

    rgb_37x23.jpg, gray_29x17.jpg,         PIL JPEG writer: YCbCr 4:2:0, greyscale, CMYK (PIL writes
    cmyk_64x48.jpg, progressive_30x40.jpg,  an Adobe marker and inverted samples), progressive 4:2:2
    photo_400x300.jpg                       (portrait), and one larger image for the full-size
                                            ImageNet transform (a downscale, as for real photos)
    rgba_19x11.png, gray_alpha_15x10.png    PIL PNG writer: RGBA, LA
    palette4_23x13.png, rgb16_17x9.png,     written by png_file() below (PIL cannot write them): 4-bit
    gray16_13x7.png, gray2_14x6.png,        palette with tRNS, 16-bit RGB, 16-bit grey, 2-bit grey,
    interlaced_33x21.png                    Adam7-interlaced RGB; rows cycle through filters 0-4
    malformed/*, malformed/cases.json       broken files: what each is, the ImageError case and the
                                            libjpeg/libpng message (Debian 12) a decoder must report,
                                            and what PIL does with it ("pil")
    expected.json                           see README.md

Every expectation is computed by PIL (Image.open(...).convert("RGB")) and torchvision's transforms,
except one, marked "zoo_differs_from_pil": PIL converts 16-bit greyscale (mode I;16) to RGB by
clipping every value above 255 to 255; zoo takes the high byte, as for every other 16-bit PNG.
"""

import io
import os
import re
import struct
import sys
import warnings
import zlib

import numpy as np
import PIL
import torch
import torchvision
from PIL import Image, features
from torchvision import transforms

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from fixturelib import Corpus, describe, dump_json  # noqa: E402 - formats/fixturelib.py

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGENET = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
HALF = ([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])
FILTERS = {"bilinear": transforms.InterpolationMode.BILINEAR, "bicubic": transforms.InterpolationMode.BICUBIC}


def crc(data):
    return zlib.crc32(data) & 0xFFFFFFFF


# ---------------------------------------------------------------------------------------------
# Pixel contents: smooth waves, a hard-edged disc and a fine checkerboard, so resizing has edges
# to blur and gradients to interpolate.

def pattern(w, h, channels, depth=8, phase=0.0):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    top = (1 << depth) - 1
    planes = []
    for c in range(channels):
        wave = 0.5 + 0.35 * np.sin(x / (3.0 + c) + phase + c) * np.cos(y / (4.0 + c) - phase)
        disc = ((x - w * 0.6) ** 2 + (y - h * 0.4) ** 2) < (min(w, h) * 0.3) ** 2
        wave = np.where(disc, 0.15 + 0.3 * c, wave)
        checker = ((x.astype(int) // 2 + y.astype(int) // 2) % 2 == 0) & (x < w / 4)
        wave = np.where(checker, 1.0 - wave, wave)
        planes.append(np.clip(np.round(wave * top), 0, top))
    dtype = np.uint8 if depth <= 8 else np.uint16
    return np.stack(planes, axis=-1).astype(dtype)


# ---------------------------------------------------------------------------------------------
# A small PNG writer for what PIL cannot write (16-bit colour, interlacing, low bit depths).

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc(kind + data))


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def filtered(rows, bpp, first_filter):
    """Each packed row prefixed by its filter type, cycling 0..4 from `first_filter`."""
    out, previous = bytearray(), bytes(len(rows[0])) if rows else b""
    for i, row in enumerate(rows):
        kind = (first_filter + i) % 5
        line = bytearray([kind])
        for j, value in enumerate(row):
            left = row[j - bpp] if j >= bpp else 0
            up = previous[j]
            upper_left = previous[j - bpp] if j >= bpp else 0
            predictor = [0, left, up, (left + up) // 2, paeth(left, up, upper_left)][kind]
            line.append((value - predictor) & 0xFF)
        out += line
        previous = row
    return bytes(out)


def packed_rows(samples, depth):
    """samples: [h, w, channels] ints → packed big-endian scanlines (sub-byte depths MSB first)."""
    rows = []
    for row in samples:
        flat = row.reshape(-1)
        if depth == 16:
            rows.append(flat.astype(">u2").tobytes())
        elif depth == 8:
            rows.append(flat.astype(np.uint8).tobytes())
        else:
            bits = "".join(format(int(v), f"0{depth}b") for v in flat)
            bits += "0" * (-len(bits) % 8)
            rows.append(bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8)))
    return rows


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def png_file(samples, color_type, depth, interlace=False, palette=None, trns=None):
    """A PNG of samples [h, w, channels] (palette indexes for color_type 3)."""
    h, w, channels = samples.shape
    bpp = max(1, channels * depth // 8)
    if interlace:
        data = b""
        for p, (x0, y0, dx, dy) in enumerate(ADAM7):
            sub = samples[y0::dy, x0::dx]
            if sub.size:
                data += filtered(packed_rows(sub, depth), bpp, p)
    else:
        data = filtered(packed_rows(samples, depth), bpp, 0)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, int(interlace)))
    if palette is not None:
        out += chunk(b"PLTE", bytes(np.asarray(palette, dtype=np.uint8).reshape(-1)))
    if trns is not None:
        out += chunk(b"tRNS", bytes(trns))
    return out + chunk(b"IDAT", zlib.compress(data, 9)) + chunk(b"IEND", b"")


# ---------------------------------------------------------------------------------------------
# The files.

def pil_bytes(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def valid_files():
    """[(name, bytes)]"""
    palette = [(int(40 + 17 * i), int(200 - 13 * i), int((i * 71) % 256)) for i in range(12)]
    indexes = (np.add.outer(np.arange(13), np.arange(23)) * 5 // 7 % 12)[..., None]
    return [
        ("rgb_37x23.jpg", pil_bytes(Image.fromarray(pattern(37, 23, 3), "RGB"), "JPEG", quality=90)),
        ("gray_29x17.jpg", pil_bytes(Image.fromarray(pattern(29, 17, 1)[..., 0], "L"), "JPEG", quality=90)),
        ("cmyk_64x48.jpg", pil_bytes(Image.fromarray(pattern(64, 48, 4, phase=1.0), "CMYK"), "JPEG", quality=90)),
        ("progressive_30x40.jpg", pil_bytes(Image.fromarray(pattern(30, 40, 3, phase=2.0), "RGB"), "JPEG",
                                            quality=85, progressive=True, subsampling="4:2:2")),
        ("photo_400x300.jpg", pil_bytes(Image.fromarray(pattern(400, 300, 3, phase=0.5), "RGB"), "JPEG", quality=85)),
        ("rgba_19x11.png", pil_bytes(Image.fromarray(pattern(19, 11, 4), "RGBA"), "PNG")),
        ("gray_alpha_15x10.png", pil_bytes(Image.fromarray(pattern(15, 10, 2, phase=3.0), "LA"), "PNG")),
        ("palette4_23x13.png", png_file(indexes, 3, 4, palette=palette, trns=[255, 0, 128])),
        ("rgb16_17x9.png", png_file(pattern(17, 9, 3, depth=16), 2, 16)),
        ("gray16_13x7.png", png_file(pattern(13, 7, 1, depth=16, phase=1.5), 0, 16)),
        ("gray2_14x6.png", png_file(pattern(14, 6, 1, depth=2), 0, 2)),
        ("interlaced_33x21.png", png_file(pattern(33, 21, 3, phase=2.5), 2, 8, interlace=True)),
    ]


def replaced(data, offset, new):
    return data[:offset] + new + data[offset + len(new):]


def malformed_files(files):
    """The malformed corpus; `files` maps valid names to bytes."""
    corpus = Corpus(max_size=64 * 1024)

    def case(name, data, problem, description, message=None):
        extra = {"pil": pil_outcome(data), **({"message": message} if message else {})}
        corpus.add(name, data, problem, description=description, extra=extra)
    jpeg, png = files["rgb_37x23.jpg"], files["rgba_19x11.png"]
    sof = jpeg.index(b"\xff\xc0")
    idat = png.index(b"IDAT") - 4
    idat_length = struct.unpack(">I", png[idat:idat + 4])[0]
    idat_crc = idat + 8 + idat_length

    def ihdr(w, h):
        return png[:8] + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)) + png[33:]

    case("truncated.jpg", jpeg[:len(jpeg) // 2], "malformed", "rgb_37x23.jpg cut in half, inside the scan",
         "Premature end of JPEG file")
    case("no_end_marker.jpg", jpeg[:-2], "malformed", "rgb_37x23.jpg without its EOI marker", "Premature end of JPEG file")
    case("zero_height.jpg", replaced(jpeg, sof + 5, struct.pack(">H", 0)), "malformed", "SOF0 says height 0",
         "Empty JPEG image")
    case("huge.jpg", replaced(jpeg, sof + 5, struct.pack(">HH", 60000, 60000)), "tooLarge",
         "SOF0 says 60000x60000 (3.6e9 pixels); must be refused before allocating")
    case("signature_only.jpg", jpeg[:3], "malformed", "the first three bytes of a JPEG", "Premature end of JPEG file")
    case("bad_crc.png", replaced(png, idat_crc, bytes([png[idat_crc] ^ 0xFF])), "malformed",
         "rgba_19x11.png with the IDAT CRC changed (PIL does not check IDAT CRCs; libpng does)", "CRC error")
    case("truncated.png", png[:idat + 8 + idat_length // 2], "malformed", "rgba_19x11.png cut inside IDAT", "truncated")
    case("zero_width.png", ihdr(0, 11), "malformed", "IHDR says width 0 (CRC valid)", "Image width is zero")
    case("huge.png", ihdr(100000, 100000), "tooLarge",
         "IHDR says 100000x100000 (CRC valid); must be refused before allocating")
    case("empty.png", b"", "unknownFormat", "an empty file")
    case("text.png", b"not an image, whatever the name says\n", "unknownFormat", "text with a .png name")
    return corpus


# ---------------------------------------------------------------------------------------------
# Expectations.

def decoded(data):
    image = Image.open(io.BytesIO(data))
    with warnings.catch_warnings():  # "Palette images with Transparency expressed in bytes ..."
        warnings.simplefilter("ignore")
        return image.mode, image.convert("RGB")


def pil_outcome(data):
    """What Image.open(...).convert("RGB") does with `data`: "ok" or the exception."""
    try:
        decoded(data)
        return "ok"
    except Exception as e:  # noqa: BLE001 - recorded, not raised
        return f"{type(e).__name__}: " + re.sub(r"<_io.BytesIO object at 0x[0-9a-f]+>", "<bytes>", str(e))


def preprocessing_case(name, data, resize, crop, filter_name, mean_std):
    _, rgb = decoded(data)
    mean, std = mean_std
    resize_step = transforms.Resize(resize, interpolation=FILTERS[filter_name], antialias=True)
    crop_step = transforms.CenterCrop(crop)
    resized = resize_step(rgb)
    cropped = crop_step(resized)
    tensor = transforms.Compose([resize_step, crop_step, transforms.ToTensor(), transforms.Normalize(mean, std)])(rgb)
    array = tensor.numpy()
    assert array.shape == (3, crop, crop) and array.dtype == np.float32
    return {
        "file": name, "resize": resize, "crop": crop, "filter": filter_name, "mean": mean, "std": std,
        "resized_size_wh": list(resized.size), "resized_rgb_crc32": crc(np.asarray(resized).tobytes()),
        "crop_rgb_crc32": crc(np.asarray(cropped).tobytes()),
        "tensor": describe("F32", array, "f"),
        "tensor_center": [float(v) for v in array[:, crop // 2, crop // 2]],
    }


def timm_matches(data, case):
    """timm's eval transform for EfficientNet-Lite0's card (224, crop_pct 0.875, bicubic, 0.5) equals
    the torchvision Compose of `case` (None when timm is not installed)."""
    try:
        import timm.data
    except ImportError:
        return None
    transform = timm.data.create_transform(input_size=224, crop_pct=0.875, interpolation="bicubic", mean=HALF[0], std=HALF[1])
    array = transform(decoded(data)[1]).numpy()
    return crc(array.astype("<f4").tobytes()) == case["tensor"]["crc32"]


def main():
    files = valid_files()
    for name, data in files:
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
    by_name = dict(files)
    cases = malformed_files(by_name).write(os.path.join(HERE, "malformed"))

    records = {}
    for name, data in files:
        mode, rgb = decoded(data)
        pixels = np.asarray(rgb)
        record = {"mode": mode, "size_wh": list(rgb.size), "decoded_rgb_crc32": crc(pixels.tobytes()),
                  "first_pixels": pixels.reshape(-1, 3)[:2].tolist()}
        if mode == "I;16":
            high = (np.asarray(Image.open(io.BytesIO(data))).astype(np.uint16) >> 8).astype(np.uint8)
            record["zoo_differs_from_pil"] = "PIL clips I;16 to 255 in convert('RGB'); zoo keeps the high byte"
            record["pil_decoded_rgb_crc32"] = record["decoded_rgb_crc32"]
            record["decoded_rgb_crc32"] = crc(np.repeat(high[..., None], 3, axis=2).tobytes())
            record["first_pixels"] = [[int(v)] * 3 for v in high.reshape(-1)[:2]]
        records[name] = record

    preprocessing = [preprocessing_case(name, data, 32, 28, "bilinear", IMAGENET)
                     for name, data in files if "zoo_differs_from_pil" not in records[name]]
    photo = by_name["photo_400x300.jpg"]
    efficientnet_lite0 = preprocessing_case("photo_400x300.jpg", photo, 256, 224, "bicubic", HALF)
    preprocessing += [
        preprocessing_case("photo_400x300.jpg", photo, 256, 224, "bilinear", IMAGENET),
        efficientnet_lite0,
        preprocessing_case("rgb_37x23.jpg", by_name["rgb_37x23.jpg"], 20, 28, "bilinear", IMAGENET),  # crop > height: padded
        preprocessing_case("gray_29x17.jpg", by_name["gray_29x17.jpg"], 40, 36, "bicubic", IMAGENET),
    ]
    timm_check = timm_matches(photo, efficientnet_lite0)
    assert timm_check in (None, True), "timm's EfficientNet-Lite0 transform differs from Resize(256, bicubic) + CenterCrop(224)"

    versions = {"PIL": PIL.__version__, "libjpeg_turbo": features.version_feature("libjpeg_turbo"),
                "zlib": features.version("zlib"), "torchvision": torchvision.__version__, "torch": torch.__version__,
                "numpy": np.__version__, "python": sys.version.split()[0]}
    dump_json(os.path.join(HERE, "expected.json"), {
        "generated_with": versions, "files": records, "preprocessing": preprocessing,
        "timm_efficientnet_lite0_equals_bicubic_256_224": timm_check,
    })
    total = sum(len(d) for _, d in files) + sum(os.path.getsize(os.path.join(HERE, "malformed", c["file"])) for c in cases)
    print(f"wrote {len(files)} images, {len(cases)} malformed files ({total} bytes), {len(preprocessing)} preprocessing cases")


if __name__ == "__main__":
    main()
